"""`learnnn grade` runs every exercise of a submission in one pytest session, its workers forked in one
sandbox: the grades files are byte-identical to one session per exercise (the slow path, behind a
private switch) and to one bwrap per worker (LEARNNN_FRESH_SANDBOX=1)."""
import json
import sys

import pytest
from click.testing import CliRunner

from learnnn import grading, manifest, zygote
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
        # its message names the worker's folder: /sandbox/<n> when forked by the zygote, /sandbox without one
        "incomplete": {"neuron.py": NEURON, "and_gate.py": "import os\nraise RuntimeError('ran in ' + os.getcwd())\n"},
        # the first exercise's worker dies at import; the next exercises of the session are untouched
        "crash": {"activations.py": "import os\nos.abort()\n", "neuron.py": NEURON, "and_gate.py": GATE},
    }
    for name, files in learners.items():
        for file, text in files.items():
            (tmp_path / "class" / name).mkdir(parents=True, exist_ok=True)
            (tmp_path / "class" / name / file).write_text(text)
    outs = {}
    # the grader processes inherit the switches: one session per exercise; one bwrap per worker, no zygote
    for mode, switch in (("shared", None), ("per exercise", grading.SESSION_PER_EXERCISE), ("fresh", zygote.FRESH)):
        for name in (grading.SESSION_PER_EXERCISE, zygote.FRESH):
            monkeypatch.delenv(name, raising=False)
        if switch:
            monkeypatch.setenv(switch, "1")
        outs[mode] = tmp_path / mode
        result = CliRunner().invoke(app, ["--course", str(course), "grade", str(tmp_path / "class"), "--out",
                                          str(outs[mode]), "--no-cache", "--jobs", "2"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    # report/ ranks the submissions by wall-clock seconds, which differ between any two runs
    files = sorted(p.relative_to(outs["shared"]) for p in outs["shared"].rglob("*")
                   if p.is_file() and p.relative_to(outs["shared"]).parts[0] != "report")
    assert {"grades.csv", "grades.json", "feedback/crash.md"} <= {str(f) for f in files}
    for rel in files:
        for other in ("per exercise", "fresh"):
            assert (outs["shared"] / rel).read_bytes() == (outs[other] / rel).read_bytes(), (rel, other)
    grades = (outs["shared"] / "grades.json").read_text()
    rows = {s["id"]: s for s in json.loads((outs["shared"] / "grades.json").read_text())["submissions"]}
    crash = rows["crash"]["exercises"]
    assert crash["activations"]["score"] == 0 and crash["neuron"]["score"] == crash["neuron"]["max_score"] > 0
    assert rows["honest"]["status"] == "graded" and rows["incomplete"]["status"] == "incomplete"
    assert "ran in /sandbox" in json.dumps(rows["incomplete"]["exercises"]["and_gate"])


@pytest.mark.parametrize("message, scrubbed", [
    ("open('/tmp/learnnn-grade-run-8x/job-1/learnnn-worker-12-ab/data.npy') failed",
     "open('<sandbox>') failed"),
    ("see /sandbox/3/x.py and tmp/learnnn-worker-9/y, not learnnn-grade-z alone",
     "see /sandbox/3/x.py and tmp<sandbox> not learnnn-grade-z alone"),  # from the first "/" to a space or quote
    ("/" * 40_000 + " learnnn-grade-x", "/" * 40_000 + " learnnn-grade-x"),  # the regex it replaces took 9.7 s
])
def test_temp_folders_leave_messages_in_one_pass(message, scrubbed):
    from learnnn.grading import _scrub_temp_folders

    assert _scrub_temp_folders(message) == scrubbed
