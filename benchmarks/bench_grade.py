"""How much does bulk grading cost? `learnnn grade` on a synthetic class, in CPU-seconds per
submission, against the floor: every hidden suite run by one bare pytest against the reference
solutions in-process (benchmarks/inprocess.py).

Run by hand from a checkout with learnnn installed:
    python benchmarks/bench_grade.py [--learners 8] [--rounds 3] [--exercises activations,neuron] [--slow-path]
By default the course is every exercise that has a hidden suite, and every learner submits the
reference solutions (each file with its own comment, so the content cache can't merge them): the
work per submission is then the floor's. Goals (issue 15): at most 1.15x the floor's CPU-seconds
per submission, and a speed-up of at least 1.9 from --jobs 2 on a quiet machine.

A submission's CPU-seconds (every process, workers included: a cpuacct cgroup, so run as root) are
what the cgroup counted between one result and the next of a one-job grade, the grading process
already warm. The floor runs as many times a round beside it. This VM's speed for the same work swings by a
fifth from minute to minute and noise only ever adds time, so the fastest runs are compared first.
``--slow-path`` grades with one pytest session per exercise, as learnnn did before.

The speed-up of --jobs 2 can't pass 2 x wall / CPU-seconds of the --jobs 1 run: that run already keeps
the second core partly busy (a submission's sandbox boots while its pytest session starts; the main
process handles results), and two cores only do the same CPU-seconds twice as fast. The benchmark
prints that ceiling beside the speed-up.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

from learnnn import grading, manifest

sys.path.insert(0, str(Path(__file__).parent))
from bench_check import CGROUP, cpu  # noqa: E402
from bench_check import run as run_in_cgroup  # noqa: E402
from inprocess import ENV, floor_folder  # noqa: E402


def course_file(folder, names):
    data = yaml.safe_load(manifest.MANIFEST.read_text())
    for lesson in data["lessons"]:
        lesson["exercises"] = [e for e in lesson.get("exercises", []) if e["name"] in names]
        if not lesson["exercises"]:
            del lesson["exercises"]
    path = folder / "course.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def make_class(folder, names, learners):
    for i in range(learners):
        learner = folder / f"learner{i:03d}"
        learner.mkdir(parents=True)
        for name in names:
            source = manifest.data_dir("solutions").joinpath(f"{name}.py").read_text()
            (learner / f"{name}.py").write_text(source + f"# learner {i}\n")


def run(cmd, env=None, ok=(0,)):
    """(wall s, CPU s of the command and everything it started)."""
    started, used = time.perf_counter(), cpu()
    out = run_in_cgroup(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if out.returncode not in ok:
        sys.exit(f"{' '.join(map(str, cmd))} failed ({out.returncode}):\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return time.perf_counter() - started, cpu() - used


def per_submission(args):
    """In the cgroup: grade the class with one job, printing as JSON the CPU-seconds (every process) between
    one submission's result and the next, the first one left out (it starts the grading process)."""
    from learnnn import classgrading

    usage = Path(os.environ["CGROUP_USAGE"])
    marks = []
    classgrading.grade_class_download(submissions=[Path(args.inner)], out=Path(args.out), jobs=1, cache=False,
                                      course=manifest.load(args.course),
                                      on_result=lambda result: marks.append(int(usage.read_text()) / 1e9))
    print(json.dumps([b - a for a, b in zip(marks, marks[1:])]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=8)
    parser.add_argument("--exercises", help="comma-separated (default: every exercise with a hidden suite)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each running the floor and every grade once")
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--slow-path", action="store_true", help="one pytest session per exercise")
    parser.add_argument("--speed-up-only", action="store_true",
                        help="only the whole commands: wall times and the speed-up of --jobs 2 (for a large class)")
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    parser.add_argument("--course", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        return per_submission(args)
    if args.learners < 2:
        parser.error("--learners must be at least 2")
    if CGROUP is None:
        sys.exit("run as root: every process's CPU is counted in a cpuacct cgroup")
    course = manifest.load()
    names = args.exercises.split(",") if args.exercises else [
        name for name, e in course.exercises.items() if e.suite.is_file() and e.solution.is_file()]
    n, jobs_list = args.learners, [int(j) for j in args.jobs.split(",")]
    load = [os.getloadavg()[0]]
    env = {grading.SESSION_PER_EXERCISE: "1"} if args.slow_path else {}
    floors, subs, walls, whole = [], [], {j: [] for j in jobs_list}, {j: [] for j in jobs_list}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        floor_dir = floor_folder(tmp / "floor", names)
        course_path = course_file(tmp, names)
        make_class(tmp / "class", names, n)
        # Rounds, each running everything once in turn: this VM's CPU-seconds for the same work swing by a
        # fifth from minute to minute, and the drift then weighs on all alike.
        for r in range(args.rounds):
            for _ in range(0 if args.speed_up_only else n - 1):  # as many floor runs as submissions measured
                floors.append(run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(floor_dir)],
                                  ENV)[1])
            if not args.speed_up_only:
                inner = run_in_cgroup([sys.executable, __file__, "--inner", str(tmp / "class"), "--course",
                                       str(course_path), "--out", str(tmp / f"inner{r}")], capture_output=True,
                                      text=True, env={**os.environ, **env, "CGROUP_USAGE": str(CGROUP / "cpuacct.usage")})
                if inner.returncode not in (0, 1):
                    sys.exit(f"per-submission run failed:\n{inner.stderr[-3000:]}")
                subs += json.loads(inner.stdout.strip().splitlines()[-1])
            for jobs in jobs_list:
                wall, used = run([sys.executable, "-m", "learnnn", "--course", str(course_path), "grade",
                                  str(tmp / "class"), "--out", str(tmp / f"out{jobs}"), "--jobs", str(jobs),
                                  "--no-cache"], env, ok=(0, 1))
                walls[jobs].append(wall)
                whole[jobs].append(used)
            load.append(os.getloadavg()[0])
        same = all((tmp / f"out{j}" / "grades.json").read_bytes() == (tmp / f"out{jobs_list[0]}" / "grades.json")
                   .read_bytes() for j in jobs_list)
    med = statistics.median
    print(f"{n} learners submitting the reference, exercises: {', '.join(names)}; {os.cpu_count()} cores; "
          f"{'one session per exercise' if args.slow_path else 'one session per submission'}; {args.rounds} rounds")
    print(f"load average (1 min) at the start and after each round: {', '.join(f'{x:.2f}' for x in load)}")
    print("CPU s of every process, workers included (a cpuacct cgroup). Noise only ever adds time, so the")
    print("fastest run is the closest to the work itself; medians beside it.")
    print(f"{'':52}{'min':>8}{'median':>8}{'runs':>6}")
    if not args.speed_up_only:
        print(f"{'floor: bare pytest, in-process':52}{min(floors):8.2f}{med(floors):8.2f}{len(floors):6}")
        print(f"{'learnnn grade, each submission after the first':52}{min(subs):8.2f}{med(subs):8.2f}{len(subs):6}")
        print(f"{'  against the floor':52}{min(subs) / min(floors):7.2f}x{med(subs) / med(floors):7.2f}x")
    for jobs in jobs_list:
        print(f"{f'learnnn grade --jobs {jobs}, whole command: wall s':52}{min(walls[jobs]):8.2f}"
              f"{med(walls[jobs]):8.2f}{len(walls[jobs]):6}")
        print(f"{'  CPU s per submission':52}{min(whole[jobs]) / n:8.2f}{med(whole[jobs]) / n:8.2f}")
    if 1 in jobs_list and 2 in jobs_list:
        speedups = [a / b for a, b in zip(walls[1], walls[2])]
        print(f"speed-up of --jobs 2 over --jobs 1 (wall), by round: {', '.join(f'{x:.2f}' for x in speedups)}; "
              f"median {med(speedups):.2f}x")
        # --jobs 1 already keeps the second core partly busy (a submission's sandbox boots while its pytest
        # session starts), and two cores can do no more than the same CPU-seconds twice as fast.
        ceilings = [2 * w / c for w, c in zip(walls[1], whole[1])]
        print(f"ceiling on two cores, 2 x wall / CPU s of --jobs 1, by round: "
              f"{', '.join(f'{x:.2f}' for x in ceilings)}; --jobs 2 reached "
              f"{', '.join(f'{s / c:.0%}' for s, c in zip(speedups, ceilings))} of it")
    print(f"identical grades.json across --jobs: {same}")


if __name__ == "__main__":
    main()
