"""Shared fixtures for learnnn's own tests."""
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from learnnn import manifest

os.environ.setdefault("NO_COLOR", "1")
# A shell that starts us in the background ignores SIGINT, and every process we start would inherit that; the
# Ctrl-C tests need SIGINT as a terminal delivers it (children of a handled signal start with the default).
signal.signal(signal.SIGINT, signal.default_int_handler)
# Every temp folder this test run makes (ours, the CLI's, the workers') lies under RUN_TMP, so the
# leak checks below look only at what this run started, never at another learnnn on the machine.
RUN_TMP = os.path.realpath(tempfile.mkdtemp(prefix="learnnn-tests-"))
os.environ["TMPDIR"] = RUN_TMP
tempfile.tempdir = None


def pytest_sessionfinish(session):
    shutil.rmtree(RUN_TMP, ignore_errors=True)


@pytest.fixture(scope="session")
def course():
    return manifest.load()


def write_course(path, *, lessons=3, **defaults):
    """A manifest with the first `lessons` lessons of the real one; paths still derive from names."""
    data = yaml.safe_load(manifest.MANIFEST.read_text())
    data["lessons"] = data["lessons"][:lessons]
    data["defaults"].update(defaults)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def small_course(tmp_path):
    """activations and neuron only, with a 2 s time limit so hanging code fails fast."""
    return manifest.load(write_course(tmp_path / "course.yaml", time_limit=2))


@pytest.fixture
def solution_copy(tmp_path):
    """A plain folder holding copies of the named reference modules."""
    def make(*names, folder="submission"):
        target = tmp_path / folder
        target.mkdir(exist_ok=True)
        for name in names:
            shutil.copy(manifest.data_dir("solutions") / f"{name}.py", target / f"{name}.py")
        return target
    return make


def _ours(pid):
    """True for a learnnn worker (or its bwrap) whose TMPDIR lies in this run's temp folder."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False
    tmpdir = next((v[7:].decode(errors="replace") for v in env if v.startswith(b"TMPDIR=")), "")
    return b"learnnn_worker" in cmdline and (tmpdir + os.sep).startswith(RUN_TMP + os.sep)


def worker_processes(settle=5.0):
    """PIDs of live learnnn workers this test run started; waits up to ``settle`` s for dying ones to go."""
    deadline = time.monotonic() + settle
    while True:
        found = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _ours(p.name)]
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)



def full_messages(tests):
    """{test name: its message}, a "fails for the same reason as X" pointer replaced by X's full message
    (the learner reads the full text once, under the first test that failed for that reason)."""
    from learnnn.feedback import SAME_REASON

    by_name = {t["name"]: t["message"] for t in tests}

    def resolve(message, depth=0):
        pointer = SAME_REASON.match(message)
        if pointer and pointer[1] in by_name and depth < 5:
            return resolve(by_name[pointer[1]], depth + 1)
        return message

    return {name: resolve(message) for name, message in by_name.items()}


def descendants(pid):
    """PIDs of the live processes below ``pid`` (children, their children, ...), read from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found, frontier = [], {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found += sorted(frontier)
    return found


def wait_for_worker_below(pid, timeout=60):
    """Block until a learnnn worker runs below process ``pid``: that process is inside learner code now."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in descendants(pid):  # below our own process, so ours whatever its environment says
            try:
                if b"learnnn_worker" in Path(f"/proc/{child}/cmdline").read_bytes():
                    return
            except OSError:
                continue
        time.sleep(0.05)
    raise AssertionError(f"no worker started below process {pid} within {timeout} s")


def processes_under(folder, *, below_only=False):
    """PIDs of live processes whose working folder or TMPDIR lies under ``folder`` (a folder of the test's own).
    ``below_only``: not at ``folder`` itself (e.g. Dask workers started with TMPDIR=folder)."""
    folder, found = os.path.realpath(folder), []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            cwd = os.readlink(f"/proc/{pid}/cwd")
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        tmpdir = next((v[7:].decode(errors="replace") for v in environ if v.startswith(b"TMPDIR=")), "")
        if state != "Z" and any(p.startswith(folder + os.sep) or p == folder and not below_only for p in (tmpdir, cwd)):
            found.append(int(pid))
    return found


def settled(probe, timeout=30.0):
    """``probe()`` once it is falsy, or its last value after ``timeout`` s: for processes that are dying."""
    deadline = time.monotonic() + timeout
    while (found := probe()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found
