"""classgrading.grade_class_download called as a library (no CLI), and matplotlib as an optional extra:
checks, grades and `learnnn plot` in a subprocess where it can't be imported."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from learnnn import classgrading, manifest, workspace
from learnnn.drawing import MISSING
from learnnn.errors import LearnnnError

from test_grade import ACT, NEURON, course, course_path, learner  # noqa: F401  (course: 3 lessons, 1 s limits)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the sandbox needs POSIX")

SOLUTIONS = manifest.data_dir("solutions")
INSTALL = 'pip install "learnnn[plots]"'
# The CLI in a Python where `import matplotlib` fails as it does when the extra is not installed.
WITHOUT_MATPLOTLIB = "import sys; sys.modules['matplotlib'] = None; from learnnn.cli import main; main()"


def without_matplotlib(*args, cwd):
    return subprocess.run([sys.executable, "-c", WITHOUT_MATPLOTLIB, *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=240)


def make_class(root, learners):
    for name, files in learners.items():
        learner(root, name, files)
    return root


@pytest.fixture(scope="module")
def graded(tmp_path_factory, course):
    root = tmp_path_factory.mktemp("library")
    cls = make_class(root / "class", {"honest": {"activations.py": ACT, "neuron.py": NEURON},
                                      "half": {"activations.py": ACT}})
    (cls / "notes.txt").write_text("a loose file")
    calls = []
    done = classgrading.grade_class_download(
        submissions=[cls], out=root / "out", course=course, jobs=2, formats=("canvas",),
        on_intake=lambda intake: calls.append(("intake", [s.id for s in intake.submissions])),
        on_result=lambda result: calls.append(("result", result.id)))
    return done, calls, root


@pytest.mark.slow
def test_the_result_says_what_was_graded_and_written(graded):
    done, calls, root = graded
    out = root / "out"
    assert [r.id for r in done.results] == ["half", "honest"]
    assert done.statuses == {"graded": 1, "incomplete": 1} and done.errors == 0 and done.cached == 0
    honest = next(r for r in done.results if r.id == "honest")
    assert all(grade.score == grade.max_score > 0 for grade in honest.exercises.values()) and 0 < done.mean < 100
    assert done.written == [out / "grades.csv", out / "grades.json", out / "feedback", out / "canvas.csv",
                            out / "report" / "index.html"] and done.report == out / "report" / "index.html"
    assert all(path.exists() for path in done.written)
    rows = json.loads((out / "grades.json").read_text())["submissions"]
    assert [row["id"] for row in rows] == ["half", "honest"]
    assert [Path(what).name for what, _ in done.set_aside] == ["notes.txt"]
    assert "half" in done.attention and done.figures == ""
    assert (out / "report" / "scores.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_the_intake_is_announced_before_any_result(graded):
    _, calls, _ = graded
    assert calls[0] == ("intake", ["half", "honest"])
    assert sorted(calls[1:]) == [("result", "half"), ("result", "honest")]


def test_nothing_to_grade_is_an_error_and_writes_nothing(tmp_path, course):
    (tmp_path / "empty").mkdir()
    with pytest.raises(LearnnnError, match="no submissions found"):
        classgrading.grade_class_download(submissions=[tmp_path / "empty"], out=tmp_path / "out", course=course)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_an_interruption_keeps_what_was_graded_and_touches_no_grades_file(tmp_path, course):
    cls = make_class(tmp_path / "class", {"a": {"activations.py": ACT}, "b": {"activations.py": ACT + "\n# b\n"}})

    def stop(result):
        raise KeyboardInterrupt  # as Ctrl-C would, once the first submission is graded

    with pytest.raises(classgrading.Interrupted) as stopped:
        classgrading.grade_class_download(submissions=[cls], out=tmp_path / "out", course=course, jobs=1,
                                          on_result=stop)
    assert (stopped.value.graded, stopped.value.total, stopped.value.cache) == (1, 2, tmp_path / "out" / ".cache")
    assert len(list((tmp_path / "out" / ".cache").glob("*.json"))) == 1
    assert not (tmp_path / "out" / "grades.csv").exists() and not (tmp_path / "out" / "grades.json").exists()


# ------------------------------------------------------------------ without matplotlib


@pytest.mark.slow
def test_grade_without_matplotlib_writes_every_grade_and_says_once_why_there_are_no_charts(tmp_path, course_path):
    make_class(tmp_path / "class", {"ada": {"activations.py": ACT, "neuron.py": NEURON}})
    result = without_matplotlib("--course", course_path, "grade", "class", "--out", "out", "--jobs", "1",
                                cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (result.stdout + result.stderr).count(INSTALL) == 1
    row = json.loads((tmp_path / "out" / "grades.json").read_text())["submissions"][0]
    assert row["id"] == "ada" and row["status"] == "graded"
    assert all(grade["score"] == grade["max_score"] > 0 for grade in row["exercises"].values())
    report = tmp_path / "out" / "report"
    assert not list(report.glob("*.png"))
    assert f"Charts not drawn: {MISSING}." in (report / "index.md").read_text()
    assert ".png" not in (report / "index.html").read_text()


@pytest.mark.slow
def test_check_without_matplotlib_passes_and_says_once_the_curves_were_not_drawn(tmp_path):
    course = manifest.load()
    workspace.init(course, tmp_path / "ws")
    shutil.copy(SOLUTIONS / "and_gate.py", tmp_path / "ws" / "and_gate.py")  # its suite records a loss history
    result = without_matplotlib("check", "and_gate", "--workspace", "ws", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all" in result.stdout and "pass" in result.stdout
    assert result.stderr.count(INSTALL) == 1 and "curves were not drawn" in result.stderr
    assert not (tmp_path / "ws" / "plots").exists()


@pytest.mark.slow
def test_watch_without_matplotlib_says_the_curves_were_not_drawn(tmp_path):
    workspace.init(manifest.load(), tmp_path / "ws")
    shutil.copy(SOLUTIONS / "and_gate.py", tmp_path / "ws" / "and_gate.py")
    result = subprocess.run([sys.executable, "-c", WITHOUT_MATPLOTLIB, "watch", "and_gate", "--workspace", "ws"],
                            cwd=tmp_path, input="", capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "and_gate passes" in result.stdout and "curves were not drawn" in result.stdout
    assert INSTALL in result.stdout and "Traceback" not in result.stderr
    assert not (tmp_path / "ws" / "plots").exists()


def test_plot_without_matplotlib_exits_2_saying_how_to_get_it(tmp_path):
    workspace.init(manifest.load(), tmp_path / "ws")
    result = without_matplotlib("plot", "activations", "--workspace", "ws", cwd=tmp_path)
    assert result.returncode == 2 and INSTALL in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "ws" / "plots").exists()


def test_doctor_notes_the_missing_extra_without_calling_it_a_problem(monkeypatch):
    from learnnn import doctor

    report = doctor.Report()
    doctor.check_figures(report)
    assert report.findings == []
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    doctor.check_figures(report)
    assert [(f.status, f.message) for f in report.findings] == [("note", f"figures: {MISSING}")]


def test_a_class_graded_on_the_public_split_secret_is_told_so(monkeypatch, course):
    monkeypatch.delenv("LEARNNN_SPLIT_SECRET", raising=False)
    assert classgrading._public_secret(manifest.load())  # iris and digits: splits anyone can reproduce
    assert not classgrading._public_secret(course)  # no model exercise in it: nothing to say
    monkeypatch.setenv("LEARNNN_SPLIT_SECRET", "this class's own")
    assert not classgrading._public_secret(manifest.load())
