"""`learnnn grade` runs every exercise of a submission in one pytest session: the grades files are
byte-identical to one session per exercise (the slow path, behind a private switch)."""
import json
import sys

import pytest
from click.testing import CliRunner

from learnnn import grading, manifest
from learnnn.cli import app

from conftest import write_course

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the sandbox needs POSIX")

SOLUTIONS = manifest.data_dir("solutions")
ACT = (SOLUTIONS / "activations.py").read_text()
NEURON = (SOLUTIONS / "neuron.py").read_text()
GATE = (SOLUTIONS / "and_gate.py").read_text()
STUB = (manifest.data_dir("exercises") / "neuron.py").read_text()


def test_one_session_per_submission_writes_the_same_files_as_one_per_exercise(tmp_path, monkeypatch):
    course = write_course(tmp_path / "course.yaml", lessons=4)  # the real time limits: a busy machine is no failure
    learners = {
        "honest": {"activations.py": ACT, "neuron.py": NEURON, "and_gate.py": GATE},
        "buggy": {"activations.py": ACT.replace("keepdims=True", "keepdims=False"), "neuron.py": STUB,
                  "and_gate.py": GATE},
        "incomplete": {"neuron.py": NEURON},
        # the first exercise's worker dies at import; the next exercises of the session are untouched
        "crash": {"activations.py": "import os\nos.abort()\n", "neuron.py": NEURON, "and_gate.py": GATE},
    }
    for name, files in learners.items():
        for file, text in files.items():
            (tmp_path / "class" / name).mkdir(parents=True, exist_ok=True)
            (tmp_path / "class" / name / file).write_text(text)
    outs = {}
    for mode, switch in (("shared", None), ("per exercise", "1")):
        if switch:
            monkeypatch.setenv(grading.SESSION_PER_EXERCISE, switch)  # the grader processes inherit it
        outs[mode] = tmp_path / mode
        result = CliRunner().invoke(app, ["--course", str(course), "grade", str(tmp_path / "class"), "--out",
                                          str(outs[mode]), "--no-cache", "--jobs", "2"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    # report/ ranks the submissions by wall-clock seconds, which differ between any two runs
    files = sorted(p.relative_to(outs["shared"]) for p in outs["shared"].rglob("*")
                   if p.is_file() and p.relative_to(outs["shared"]).parts[0] != "report")
    assert {"grades.csv", "grades.json", "feedback/crash.md"} <= {str(f) for f in files}
    for rel in files:
        assert (outs["shared"] / rel).read_bytes() == (outs["per exercise"] / rel).read_bytes(), rel
    grades = (outs["shared"] / "grades.json").read_text()
    rows = {s["id"]: s for s in json.loads((outs["shared"] / "grades.json").read_text())["submissions"]}
    crash = rows["crash"]["exercises"]
    assert crash["activations"]["score"] == 0 and crash["neuron"]["score"] == crash["neuron"]["max_score"] > 0
    assert rows["honest"]["status"] == "graded" and rows["incomplete"]["status"] == "incomplete"
