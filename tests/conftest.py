"""Shared fixtures for learnnn's own tests."""
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from learnnn import manifest

os.environ.setdefault("NO_COLOR", "1")
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

