"""Shared fixtures for learnnn's own tests."""
import os
import shutil
from pathlib import Path

import pytest
import yaml

from learnnn import manifest

os.environ.setdefault("NO_COLOR", "1")


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


def worker_processes():
    """PIDs of live learnnn workers (their command line names worker.py)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"learnnn" in cmdline and b"worker.py" in cmdline:
                found.append(int(entry.name))
    return found
