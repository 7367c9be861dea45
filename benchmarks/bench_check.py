"""How much does the sandbox cost? `learnnn check activations` against the floor: a bare
pytest run of the same hidden suite with the learner's module imported in-process.

Run by hand from a checkout with learnnn installed:  python benchmarks/bench_check.py [runs] [--as-is]
Goal (issue 15): the check costs at most 1.25x the floor. Wall times need a quiet machine; the
CPU-seconds (workers included) hold up on a busy one. The two alternate, run by run.

Both sides run as after `pip install`: learnnn's modules (the worker's included) compiled to bytecode
once, and bytecode written as usual (PYTHONDONTWRITEBYTECODE dropped). In an editable checkout with that
variable set, every check would compile some 30 modules from source (~60 ms) that no installed copy does.
``--as-is`` runs in the environment as it is instead.
"""
import atexit
import compileall
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from learnnn import manifest

sys.path.insert(0, str(Path(__file__).parent))
from inprocess import ENV, floor_folder  # noqa: E402


def _cgroup():
    """A cpuacct cgroup of our own (root on cgroup v1), or None. Processes started in it stay in it,
    bubblewrap's namespaces included, so it counts workers that RUSAGE_CHILDREN never sees (a worker
    killed with its PID namespace is reaped by nobody we wait for)."""
    path = Path(f"/sys/fs/cgroup/cpuacct/learnnn-bench-{os.getpid()}")
    try:
        path.mkdir()
    except OSError:
        return None
    atexit.register(lambda: path.rmdir() if path.exists() else None)
    return path


CGROUP = _cgroup()


def cpu():
    """CPU-seconds (user + system) of every process started with ``run``, workers included where we can."""
    if CGROUP is not None:
        return int((CGROUP / "cpuacct.usage").read_text()) / 1e9
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd, **kwargs):
    """subprocess.run, in our cgroup when there is one."""
    if CGROUP is not None:
        procs = str(CGROUP / "cgroup.procs")
        kwargs["preexec_fn"] = lambda: Path(procs).write_text(str(os.getpid()))
    return subprocess.run(cmd, **kwargs)


AS_IS = "--as-is" in sys.argv


def installed_bytecode():
    """Compile learnnn and its course modules as `pip install` does; returns the environment to run in."""
    if AS_IS:
        return dict(os.environ)
    for folder in (manifest.PACKAGE, manifest.data_dir("solutions")):
        compileall.compile_dir(folder, quiet=1)
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd, cwd, runs, env=None):
    """(median wall s, min wall s, median CPU s) of ``runs`` runs of ``cmd``, its workers included;
    ``env``: variables to add to the environment (the floor's ENV)."""
    return interleaved({"only": (cmd, cwd, env or {})}, runs)["only"]


def interleaved(cmds, runs):
    """{name: (median wall s, min wall s, median CPU s)} of ``runs`` rounds that each run every command of
    ``cmds`` ({name: (argv, cwd, variables to add)}) once, in turn: load that drifts during the benchmark
    weighs on all alike."""
    base = installed_bytecode()
    times, cpus = {name: [] for name in cmds}, {name: [] for name in cmds}
    for _ in range(runs):
        for name, (cmd, cwd, env) in cmds.items():
            start, used = time.perf_counter(), cpu()
            out = run(cmd, cwd=cwd, capture_output=True, text=True, env={**base, **env})
            times[name].append(time.perf_counter() - start)
            cpus[name].append(cpu() - used)
            if out.returncode != 0:
                sys.exit(f"{' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}")
    return {name: (statistics.median(times[name]), min(times[name]), statistics.median(cpus[name])) for name in cmds}


def main(runs=15):
    exercise = manifest.load().exercise("activations")
    with tempfile.TemporaryDirectory() as tmp:
        floor_dir, ws = floor_folder(Path(tmp, "floor"), ["activations"]), Path(tmp, "ws")
        ws.mkdir()
        shutil.copy(exercise.solution, ws / "activations.py")
        learnnn = [sys.executable, "-m", "learnnn", "check", "activations", "--workspace", str(ws)]
        bare = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(floor_dir)]
        # The floor as low as pytest goes (BLAS on one thread, no plugin autoloading); learnnn as a learner
        # runs it, in the environment as it is.
        cmds = {"floor": (bare, floor_dir, ENV), "check": (learnnn, ws, {})}
        interleaved(cmds, 2)  # warm the file cache
        load = os.getloadavg()[0]
        timings = interleaved(cmds, runs)
        floor, check = timings["floor"], timings["check"]
    print("CPU s: " + ("every process of the run, workers included (a cpuacct cgroup)" if CGROUP is not None else
                       "RUSAGE_CHILDREN: workers killed under bubblewrap are not counted (run as root for a cgroup)"))
    print(f"load average {load:.2f} -> {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
          + ("the environment as it is" if AS_IS else "bytecode compiled and cached, as after pip install"))
    print(f"{'':28}{'median s':>10}{'min s':>10}{'CPU s':>10}")
    print(f"{'bare pytest, in-process':28}{floor[0]:10.3f}{floor[1]:10.3f}{floor[2]:10.3f}")
    print(f"{'learnnn check activations':28}{check[0]:10.3f}{check[1]:10.3f}{check[2]:10.3f}")
    print(f"ratio: median {check[0] / floor[0]:.2f}x, min {check[1] / floor[1]:.2f}x, CPU {check[2] / floor[2]:.2f}x"
          "  (goal: at most 1.25x)")


if __name__ == "__main__":
    counts = [int(a) for a in sys.argv[1:] if a.isdigit()]
    main(counts[0] if counts else 15)
