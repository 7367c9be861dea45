"""How much does the sandbox cost? `learnnn check activations` against the floor: a bare
pytest run of the same hidden suite with the learner's module imported in-process.

Run by hand from a checkout with learnnn installed:  python benchmarks/bench_check.py [runs]
Goal (issue 15): the check costs at most 1.25x the floor. Wall times need a quiet machine; the
CPU-seconds (workers included) hold up on a busy one.
"""
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

# The same fixtures the suite gets from learnnn's plugin, but calling the module in this process.
IN_PROCESS_CONFTEST = '''
import copy, inspect, warnings, zlib
from types import SimpleNamespace
import numpy as np
import pytest
import activations
from learnnn import reference as references


class Local:
    last = SimpleNamespace(mutated=[], warnings=[])

    def __getattr__(self, name):
        func = getattr(activations, name)

        def call(*args, readonly=(), timeout=None, **kwargs):
            args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
            bound = inspect.signature(func).bind(*args, **kwargs).arguments
            for key in readonly:
                if isinstance(bound.get(key), np.ndarray):
                    bound[key].flags.writeable = False
            before = copy.deepcopy(bound)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                value = func(*args, **kwargs)
            mutated = [k for k in before if not np.array_equal(np.asarray(before[k]), np.asarray(bound[k]))]
            Local.last = SimpleNamespace(mutated=mutated, warnings=[str(w.message) for w in caught])
            return value
        return call


@pytest.fixture(scope="module")
def learner():
    return Local()


@pytest.fixture(scope="module")
def reference():
    return references.load("activations")


@pytest.fixture
def rng(request):
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))
'''


def cpu():
    """CPU-seconds (user + system) of every child process waited for so far: steady on a busy machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd, cwd, runs):
    """(median wall s, min wall s, median CPU s) of ``runs`` runs of ``cmd``, its workers included."""
    # No third-party plugin autoloading in either run: the floor is as low as pytest goes.
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    times, cpus = [], []
    for _ in range(runs):
        start, used = time.perf_counter(), cpu()
        out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - start)
        cpus.append(cpu() - used)
        if out.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}")
    return statistics.median(times), min(times), statistics.median(cpus)


def main(runs=15):
    exercise = manifest.load().exercise("activations")
    with tempfile.TemporaryDirectory() as tmp:
        floor_dir, ws = Path(tmp, "floor"), Path(tmp, "ws")
        floor_dir.mkdir()
        ws.mkdir()
        shutil.copy(exercise.solution, floor_dir / "activations.py")
        shutil.copy(exercise.suite, floor_dir / "test_activations.py")
        (floor_dir / "conftest.py").write_text(IN_PROCESS_CONFTEST)
        shutil.copy(exercise.solution, ws / "activations.py")
        learnnn = [sys.executable, "-m", "learnnn", "check", "activations", "--workspace", str(ws)]
        bare = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(floor_dir)]
        timed(bare, floor_dir, 2), timed(learnnn, ws, 2)  # warm the file cache
        load = os.getloadavg()[0]
        floor = timed(bare, floor_dir, runs)
        check = timed(learnnn, ws, runs)
    print(f"load average {load:.2f} -> {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'':28}{'median s':>10}{'min s':>10}{'CPU s':>10}")
    print(f"{'bare pytest, in-process':28}{floor[0]:10.3f}{floor[1]:10.3f}{floor[2]:10.3f}")
    print(f"{'learnnn check activations':28}{check[0]:10.3f}{check[1]:10.3f}{check[2]:10.3f}")
    print(f"ratio: median {check[0] / floor[0]:.2f}x, min {check[1] / floor[1]:.2f}x, CPU {check[2] / floor[2]:.2f}x"
          "  (goal: at most 1.25x)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
