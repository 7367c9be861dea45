"""How much does bulk grading cost? `learnnn grade` on a synthetic class, in CPU-seconds per
submission, against the floor: every hidden suite run by one bare pytest against the reference
solutions in-process (benchmarks/inprocess.py).

Run by hand from a checkout with learnnn installed:
    python benchmarks/bench_grade.py [--learners 8] [--rounds 3] [--exercises activations,neuron] [--slow-path]
By default the course is every exercise that has a hidden suite, and every learner submits the
reference solutions (each file with its own comment, so the content cache can't merge them): the
work per submission is then the floor's. Goals (issue 15): at most 1.15x the floor's CPU-seconds
per submission, and a speed-up of at least 1.9 from --jobs 2 on a quiet machine. CPU-seconds
(every process of the run, workers included) hold up on a busy machine; wall times don't.
``--slow-path`` grades with one pytest session per exercise, as learnnn did before.
"""
import argparse
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=8)
    parser.add_argument("--exercises", help="comma-separated (default: every exercise with a hidden suite)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each running the floor and every grade once")
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--slow-path", action="store_true", help="one pytest session per exercise")
    args = parser.parse_args()
    if args.learners < 2:
        parser.error("--learners must be at least 2")
    course = manifest.load()
    names = args.exercises.split(",") if args.exercises else [
        name for name, e in course.exercises.items() if e.suite.is_file() and e.solution.is_file()]
    n, jobs_list = args.learners, [int(j) for j in args.jobs.split(",")]
    load = [os.getloadavg()[0]]
    env = {grading.SESSION_PER_EXERCISE: "1"} if args.slow_path else {}
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        floor_dir = floor_folder(tmp / "floor", names)
        course_path = course_file(tmp, names)
        make_class(tmp / "class", names, n)
        make_class(tmp / "one", names, 1)

        def grade(folder, out, jobs):
            return run([sys.executable, "-m", "learnnn", "--course", str(course_path), "grade", str(folder),
                        "--out", str(out), "--jobs", str(jobs), "--no-cache"], env, ok=(0, 1))

        # Rounds, each running everything once in turn: the machine's speed drifts (a shared VM's CPU-seconds
        # for the same work vary by a fifth from minute to minute), and drift then weighs on all alike.
        for _ in range(args.rounds):
            floor = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(floor_dir)], ENV)
            # A run's fixed cost (start-up, the class report's figures) is measured on a class of one and taken
            # off, so CPU s/sub is what each further submission costs.
            fixed = grade(tmp / "one", tmp / "out-one", 1)
            bulk = {jobs: grade(tmp / "class", tmp / f"out{jobs}", jobs) for jobs in jobs_list}
            rounds.append((floor, fixed, bulk))
            load.append(os.getloadavg()[0])
        same = all((tmp / f"out{j}" / "grades.json").read_bytes() == (tmp / f"out{jobs_list[0]}" / "grades.json")
                   .read_bytes() for j in jobs_list)
    med = statistics.median
    per = lambda r, jobs: (r[2][jobs][1] - r[1][1]) / (n - 1)  # noqa: E731
    print(f"{n} learners submitting the reference, exercises: {', '.join(names)}; {os.cpu_count()} cores; "
          f"{'one session per exercise' if args.slow_path else 'one session per submission'}; "
          f"medians of {args.rounds} rounds")
    print("CPU s: " + ("every process, workers included (a cpuacct cgroup)" if CGROUP is not None else
                       "RUSAGE_CHILDREN: workers under bubblewrap are not counted (run as root for a cgroup)"))
    print(f"load average (1 min) at the start and after each round: {', '.join(f'{x:.2f}' for x in load)}")
    print(f"{'':40}{'wall s':>9}{'CPU s':>9}{'CPU s/sub':>11}{'vs floor':>10}")
    floor_cpu = med(r[0][1] for r in rounds)
    print(f"{'floor: bare pytest, in-process':40}{med(r[0][0] for r in rounds):9.2f}{floor_cpu:9.2f}"
          f"{floor_cpu:11.2f}{1:10.2f}")
    print(f"{'learnnn grade, a class of one':40}{med(r[1][0] for r in rounds):9.2f}{med(r[1][1] for r in rounds):9.2f}")
    for jobs in jobs_list:
        ratios = [per(r, jobs) / r[0][1] for r in rounds]  # each round against its own floor
        print(f"{f'learnnn grade --jobs {jobs}':40}{med(r[2][jobs][0] for r in rounds):9.2f}"
              f"{med(r[2][jobs][1] for r in rounds):9.2f}{med(per(r, jobs) for r in rounds):11.2f}{med(ratios):10.2f}"
              f"   (rounds: {', '.join(f'{x:.2f}' for x in ratios)})")
    if 1 in jobs_list and 2 in jobs_list:
        speedups = [r[2][1][0] / r[2][2][0] for r in rounds]
        print(f"speed-up of --jobs 2 over --jobs 1 (wall): {med(speedups):.2f}x "
              f"(rounds: {', '.join(f'{x:.2f}' for x in speedups)})")
    print(f"identical grades.json across --jobs: {same}")


if __name__ == "__main__":
    main()
