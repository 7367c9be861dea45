"""What does the kernel boundary cost? The same `learnnn check activations` and `learnnn grade` run
on the kernel tier (bubblewrap namespaces + seccomp + Landlock, workers as nobody when root) and
on the process-only tier with every kernel wall simulated away (LEARNNN_SIMULATE_MISSING), which is
what learnnn ran before the boundary: one worker process per exercise under rlimits and the audit hook.

Run by hand from a checkout with learnnn installed:
    python benchmarks/bench_boundary.py [--runs 9] [--learners 6] [--exercises activations,neuron,layers]
Goal (issue 9): the boundary adds at most 10% to either figure. CPU-seconds count every process,
workers included, when a cpuacct cgroup is available (root on cgroup v1).
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_check import CGROUP, cpu, run  # noqa: E402
from bench_grade import course_file, make_class  # noqa: E402

from learnnn import isolation, manifest  # noqa: E402

TIERS = {"kernel": {}, "process only": {isolation.SIMULATE: "bwrap,seccomp,landlock"}}


def measure(cmd, env, runs, ok=(0,)):
    """(median wall s, median CPU s) of ``runs`` runs of ``cmd``."""
    walls, cpus = [], []
    for _ in range(runs):
        started, used = time.perf_counter(), cpu()
        out = run(cmd, capture_output=True, text=True, env={**os.environ, **env})
        walls.append(time.perf_counter() - started)
        cpus.append(cpu() - used)
        if out.returncode not in ok:
            sys.exit(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return statistics.median(walls), statistics.median(cpus)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--learners", type=int, default=6)
    parser.add_argument("--exercises", default="activations,neuron,layers")
    args = parser.parse_args()
    names = args.exercises.split(",")
    load = [os.getloadavg()[0]]
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ws = tmp / "ws"
        ws.mkdir()
        shutil.copy(manifest.load().exercise("activations").solution, ws / "activations.py")
        course = course_file(tmp, names)
        make_class(tmp / "class", names, args.learners)
        check = [sys.executable, "-m", "learnnn", "check", "activations", "--workspace", str(ws)]
        for tier, env in TIERS.items():
            measure(check, env, 1)  # warm the file cache
        for tier, env in TIERS.items():
            grade = [sys.executable, "-m", "learnnn", "--course", str(course), "grade", str(tmp / "class"),
                     "--out", str(tmp / f"out-{tier}"), "--jobs", "1", "--no-cache"]
            if env:
                grade.append("--allow-process-only-isolation")
            figures[tier] = (measure(check, env, args.runs), measure(grade, env, max(1, args.runs // 3), ok=(0, 1)))
            load.append(os.getloadavg()[0])
        same = (tmp / "out-kernel" / "grades.json").read_bytes() == (tmp / "out-process only" / "grades.json").read_bytes()
    print(f"{os.cpu_count()} cores; load average (1 min) at the start and after each tier: "
          f"{', '.join(f'{x:.2f}' for x in load)}")
    print("CPU s: " + ("every process, workers included (a cpuacct cgroup)" if CGROUP is not None else
                       "RUSAGE_CHILDREN only: workers under bubblewrap are not counted"))
    print(f"{'':36}{'check wall':>11}{'check CPU':>11}{'grade wall/sub':>16}{'grade CPU/sub':>15}")
    n = args.learners
    for tier, ((cw, cc), (gw, gc)) in figures.items():
        print(f"{tier:36}{cw:11.3f}{cc:11.3f}{gw / n:16.3f}{gc / n:15.3f}")
    (kcw, kcc), (kgw, kgc) = figures["kernel"]
    (pcw, pcc), (pgw, pgc) = figures["process only"]
    print(f"{'kernel / process only':36}{kcw / pcw:11.2f}{kcc / pcc:11.2f}{kgw / pgw:16.2f}{kgc / pgc:15.2f}")
    print(f"grade: {n} learners submitting the reference, exercises {', '.join(names)}; "
          f"identical grades.json on both tiers: {same}")


if __name__ == "__main__":
    main()
