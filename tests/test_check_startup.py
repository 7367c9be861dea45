"""What `learnnn check` loads, and the worker it starts before pytest: a check pays only for what it uses."""
import json
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
