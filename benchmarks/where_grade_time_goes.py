"""Where does a submission's grading CPU go? One submission of the reference solutions, graded
again and again in one warm process (as a warm grading child does), its CPU split between the
trusted process (profiled by module, in CPU time) and the sandbox workers (everything else in a
cpuacct cgroup), beside the floor of benchmarks/bench_grade.py.

Run by hand, as root (for the cgroup), from a checkout with learnnn installed:
    python benchmarks/where_grade_time_goes.py [--runs 3] [--exercises activations,neuron]
"""
import argparse
import collections
import json
import os
import resource
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from learnnn import manifest

sys.path.insert(0, str(Path(__file__).parent))
from bench_check import CGROUP, cpu  # noqa: E402
from bench_grade import course_file  # noqa: E402
from bench_check import run as run_in_cgroup  # noqa: E402
from inprocess import ENV, floor_folder  # noqa: E402

PACKAGE = str(manifest.PACKAGE) + os.sep
SOLUTIONS = str(manifest.data_dir("solutions")) + os.sep
STDLIB = os.path.dirname(os.__file__) + os.sep
# Who a CPU sample is charged to: the innermost frame that is neither NumPy nor the standard library
# (NumPy work is its caller's), first match wins; "(floor)" marks what the floor pays too.
OWNERS = [
    ("wire encode/decode, trusted side", (PACKAGE + "worker" + os.sep,)),
    ("sandbox: start, send, receive, close workers", (PACKAGE + "sandbox.py", PACKAGE + "isolation.py",
                                                      PACKAGE + "processes.py")),
    ("learnnn's pytest plugin and budget", (PACKAGE + "plugin.py", PACKAGE + "budget.py")),
    ("failure messages", (PACKAGE + "feedback.py", PACKAGE + "outcomes.py")),
    ("hidden suites and their helpers (floor)", (PACKAGE + "suites" + os.sep, PACKAGE + "testing.py",
                                                 PACKAGE + "modelgrading.py", PACKAGE + "datasets.py")),
    ("reference solutions (floor)", (SOLUTIONS,)),
    ("pytest and pluggy (floor: one session)", (os.sep + "_pytest" + os.sep, os.sep + "pluggy" + os.sep)),
    ("grading: files, quizzes, results", (PACKAGE,)),
]


def owner(frame):
    while frame is not None:
        name = frame.f_code.co_filename
        if not name.startswith(STDLIB) and os.sep + "numpy" + os.sep not in name and not name.startswith("<"):
            package = name.split("site-packages" + os.sep, 1)[-1].split(os.sep, 1)[0]
            return next((what for what, parts in OWNERS if any(p in name for p in parts)), "other: " + package)
        frame = frame.f_back
    return "other: the standard library"


class Sampler:
    """CPU-time samples of this process's main thread (SIGPROF), charged by ``owner``."""

    def __init__(self, interval=0.002):
        self.interval, self.samples = interval, collections.Counter()
        signal.signal(signal.SIGPROF, lambda signum, frame: self.samples.update([owner(frame)]))

    def __enter__(self):
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)
        return self

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_PROF, 0, 0)

    def seconds(self):
        return {what: n * self.interval for what, n in self.samples.items()}


def inner(args):
    """In the cgroup: grade one submission ``runs`` times in this process; print the split as JSON."""
    from learnnn import gradechild, sandbox
    from learnnn.check import SUITES
    from learnnn.grading import grade_submission
    from learnnn.intake import Submission

    course = manifest.load(args.course)
    usage = Path(os.environ["CGROUP_USAGE"])
    total = lambda: int(usage.read_text()) / 1e9  # noqa: E731
    mine = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])  # noqa: E731
    files = {f"{n}.py": (Path(SOLUTIONS) / f"{n}.py").read_bytes() for n in args.exercises}
    starts = []
    start = sandbox.Sandbox.start

    def counted(self):
        if self.proc is None:
            starts.append(1)
        return start(self)

    sandbox.Sandbox.start = counted
    grade_submission(submission=Submission("warm-up", files=files), course=course)  # caches, as a warm child has
    # As in a warm grading child, every submission imports the suites and references afresh.
    state, nowhere = gradechild._State([str(SUITES) + os.sep, SOLUTIONS]), tempfile.mkdtemp()
    runs = []
    for i in range(args.runs):
        sub = Submission(f"run{i}", files={k: v + f"# {i}\n".encode() for k, v in files.items()})
        starts.clear()
        state.restore(nowhere)
        t0, m0, w0 = total(), mine(), time.perf_counter()
        grade_submission(submission=sub, course=course)
        t1, m1, w1 = total(), mine(), time.perf_counter()
        state.restore(nowhere)
        with Sampler() as sampler:  # a second time, sampled: the split of the trusted process's CPU
            grade_submission(submission=sub, course=course)
        runs.append({"all": t1 - t0, "trusted": m1 - m0, "wall": w1 - w0, "workers_started": len(starts) // 2,
                     "split": sampler.seconds()})
    # One bare worker: start under the sandbox, import NumPy, one trivial call, close.
    folder = Path(tempfile.mkdtemp())
    (folder / "m.py").write_text("def f():\n    return 1\n")
    worker = []
    for _ in range(5):
        t0, m0 = total(), mine()
        with sandbox.Sandbox(sandbox.SandboxSpec(files={"m": folder / "m.py"})) as box:
            box.call("m", "f")
        worker.append((total() - t0) - (mine() - m0))
    print(json.dumps({"runs": runs, "worker_start": statistics.median(worker)}))


def measured(cmd, env=None):
    used = cpu()
    out = run_in_cgroup(cmd, capture_output=True, text=True, env={**os.environ, **ENV, **(env or {})})
    if out.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return cpu() - used, out.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--exercises", help="comma-separated (default: every exercise with a hidden suite)")
    parser.add_argument("--course", help=argparse.SUPPRESS)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    course = manifest.load()
    args.exercises = args.exercises.split(",") if args.exercises else [
        n for n, e in course.exercises.items() if e.suite.is_file() and e.solution.is_file()]
    if args.inner:
        return inner(args)
    if CGROUP is None:
        sys.exit("run as root: the workers' CPU is counted in a cpuacct cgroup")
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        floor_dir = floor_folder(tmp / "floor", args.exercises)
        floor = [measured([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(floor_dir)])[0]
                 for _ in range(args.runs)]
        bare = [measured([sys.executable, "-c", "import numpy, pytest"])[0] for _ in range(args.runs)]
        child = [measured([sys.executable, "-c", "import learnnn.gradechild, learnnn.grading, learnnn.check"])[0]
                 for _ in range(args.runs)]
        _, out = measured([sys.executable, __file__, "--inner", "--runs", str(args.runs), "--exercises",
                           ",".join(args.exercises), "--course", str(course_file(tmp, args.exercises))],
                          env={"CGROUP_USAGE": str(CGROUP / "cpuacct.usage")})
    data = json.loads(out.strip().splitlines()[-1])
    runs = data["runs"]
    med = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
    total, trusted, started = med("all"), med("trusted"), med("workers_started")
    floor_cpu, bare_cpu = statistics.median(floor), statistics.median(bare)
    print(f"exercises: {', '.join(args.exercises)}; {args.runs} runs, medians; load average {load:.2f} -> "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'':58}{'CPU s':>8}")
    print(f"{'floor: bare pytest in-process (python+numpy+pytest start ' + format(bare_cpu, '.2f') + ')':58}"
          f"{floor_cpu:8.2f}")
    print(f"{'one submission in a warm process, every process':58}{total:8.2f}")
    print(f"{'  trusted process (split by CPU-time samples)':58}{trusted:8.2f}")
    places = {}
    for r in runs:
        for name, seconds in r["split"].items():
            places.setdefault(name, []).append(seconds)
    sampled = sum(statistics.median(v) for v in places.values()) or 1
    for name, seconds in sorted(places.items(), key=lambda kv: -statistics.median(kv[1])):
        share = statistics.median(seconds) / sampled
        if share >= 0.01:
            print(f"{'    ' + name:58}{share * trusted:8.2f}")
    print(f"{'  sandbox workers, all':58}{total - trusted:8.2f}")
    per_worker = data["worker_start"]
    label = f"    starting them: {started} x {per_worker:.3f} (one bare worker)"
    print(f"{label:58}{started * per_worker:8.2f}")
    print(f"{'    the rest: learner code, wire, copies, checks':58}{total - trusted - started * per_worker:8.2f}")
    print(f"{'a grading child starting (imports), once per child':58}{statistics.median(child):8.2f}")


if __name__ == "__main__":
    main()
