"""What `learnnn check` loads, and the worker it starts before pytest: a check pays only for what it uses."""
import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import worker_processes

from learnnn import manifest
from learnnn.workers import Workers

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the sandbox needs POSIX")

# The CLI in a fresh interpreter; at exit it writes the names of every module it imported to argv[1].
MODULES = ("import atexit, json, runpy, sys\n"
           "out = sys.argv[1]\n"
           "atexit.register(lambda: open(out, 'w').write(json.dumps(sorted(sys.modules))))\n"
           "sys.argv = ['learnnn', *sys.argv[2:]]\n"
           "runpy.run_module('learnnn', run_name='__main__')\n")


def imported(tmp_path, *args):
    """(exit code, stdout, {top-level package names}) of `learnnn *args` run in a fresh interpreter."""
    record = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", MODULES, str(record), *args], capture_output=True, text=True,
                          timeout=120)
    return done.returncode, done.stdout, {name.split(".")[0] for name in json.loads(record.read_text())}


@pytest.fixture
def workspace(tmp_path):
    ws = tmp_path / "ws"
    subprocess.run([sys.executable, "-m", "learnnn", "init", str(ws)], check=True, capture_output=True, timeout=60)
    return ws


def test_check_imports_no_plotting_markdown_or_scikit_learn(tmp_path, workspace):
    shutil.copy(manifest.data_dir("solutions") / "activations.py", workspace / "activations.py")
    code, out, modules = imported(tmp_path, "check", "activations", "--workspace", str(workspace))
    assert code == 0 and "activations: all" in out
    assert {"pytest", "numpy"} <= modules  # it did check
    assert not modules & {"matplotlib", "rich", "sklearn", "PIL"}


def test_listing_the_steps_imports_neither_numpy_nor_pytest(tmp_path, workspace):
    code, out, modules = imported(tmp_path, "list", "--workspace", str(workspace))
    assert code == 0 and "activations" in out
    assert not modules & {"numpy", "pytest", "matplotlib", "rich", "sklearn"}


def test_a_prestarted_worker_serves_calls_and_dies_with_close(course, solution_copy):
    folder = solution_copy("activations")
    workers = Workers(folder)
    exercise = course.exercise("activations")
    workers.prestart(exercise)  # from a thread: this one goes on at once
    try:
        sandbox = workers.get(exercise)
        assert sandbox.proc is not None  # get waited for the start
        assert sandbox.call("activations", "relu", -2.0) == 0.0
        assert sandbox.call("activations", "relu", 3.0) == 3.0  # the same worker, still alive
    finally:
        workers.close()
    assert sandbox.proc is None and worker_processes() == []


def test_no_worker_is_prestarted_for_a_missing_module(course, tmp_path):
    workers = Workers(tmp_path)
    workers.prestart(course.exercise("activations"))
    assert workers.sandboxes == {}
    workers.close()


# Records how many threads BLAS has in the trusted process before, during and after the checks.
BLAS_THREADS = """
import json, sys
from pathlib import Path
from threadpoolctl import threadpool_info
from learnnn import manifest
from learnnn.check import run_checks

def blas_threads():
    return sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})

class Spy:
    during = []
    def pytest_runtest_call(self, item):
        Spy.during.append(blas_threads())

import numpy
before = blas_threads()
run_checks(course=manifest.load(), source_dir=Path(sys.argv[1]), exercises=["activations"], plugins=[Spy()])
import os
print(json.dumps([before, Spy.during, blas_threads(), "PYTEST_DISABLE_PLUGIN_AUTOLOAD" in os.environ]))
"""


def test_the_trusted_process_runs_the_suites_with_one_blas_thread_and_leaves_its_environment(tmp_path):
    # OpenBLAS's idle threads spin on the other core after every call: in a grading process that was 0.8 CPU-s
    # of each submission's 9.7, for nothing.
    shutil.copy(manifest.data_dir("solutions") / "activations.py", tmp_path / "activations.py")
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD")}
    done = subprocess.run([sys.executable, "-c", BLAS_THREADS, str(tmp_path)], capture_output=True, text=True,
                          timeout=120, env={**env, "OPENBLAS_NUM_THREADS": "2"})
    before, during, after, autoload = json.loads(done.stdout.strip().splitlines()[-1])
    assert before == [2] and after == [2]  # the caller's setting, put back
    assert not autoload  # nor changed the environment: a waiting grading process would no longer match it
    assert during and all(threads == [1] for threads in during)
