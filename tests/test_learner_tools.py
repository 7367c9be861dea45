"""progress, solution, submit, doctor, plot and corrupt progress files, through click's CliRunner.

Uses a course cut down to its first three lessons (activations and neuron,
whose hidden suites take well under a second), given through LEARNNN_COURSE.
"""
import json
import os
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from learnnn import doctor, manifest, plots, quiz, workspace
from learnnn.cli import app
from learnnn.manifest import data_dir
from learnnn.results import CheckResult

from conftest import write_course

THREAD_VARIABLES = dict.fromkeys(doctor.THREAD_VARIABLES)  # None: unset while a command runs


@pytest.fixture(scope="module")
def course_file(tmp_path_factory):
    return write_course(tmp_path_factory.mktemp("course") / "course.yaml")  # activations and neuron


@pytest.fixture
def run(course_file):
    """run(*args, **env) -> click Result, with the small course."""

    def invoke(*args, input=None, **env):
        env = {"LEARNNN_COURSE": str(course_file), "NO_COLOR": "1", **env}
        return CliRunner().invoke(app, [str(a) for a in args], input=input, env=env)

    return invoke


@pytest.fixture
def ws(tmp_path, run):
    root = tmp_path / "ws"
    result = run("init", root)
    assert result.exit_code == 0, result.output
    return root


def solve(ws, name):
    (ws / f"{name}.py").write_bytes((data_dir("solutions") / f"{name}.py").read_bytes())


def state_of(ws):
    return json.loads((ws / ".learnnn" / "progress.json").read_text())


def right_answers(lesson_id):
    """A complete, correct answer sheet for a lesson's quiz."""
    chosen = quiz.load(manifest.load().lesson(lesson_id))
    return {q.id: list(q.answer) if q.kind == "multiple" else q.answer for q in chosen.questions}


# ---------------------------------------------------------------- progress


def test_progress_on_a_fresh_workspace(ws, run):
    result = run("progress", "-w", ws)
    assert result.exit_code == 0, result.output
    assert "0/8" in result.output  # 3 lessons, 3 quizzes, 2 exercises
    lines = {line.split()[0]: line for line in result.output.splitlines()[1:] if line.strip()[:2].isdigit()}
    assert "unread" in lines["01-intro"] and "quiz not taken" in lines["01-intro"] and "exercises" not in lines["01-intro"]
    assert "exercises 0/1" in lines["02-activations"]
    assert "Next: learnnn next (lesson 01-intro)" in result.output


def test_progress_counts_lessons_quizzes_and_exercises(ws, run, tmp_path):
    solve(ws, "activations")
    checked = run("check", "activations", "-w", ws)
    assert checked.exit_code == 0 and "activations: all" in checked.output, checked.output
    assert run("lesson", "1", "-w", ws).exit_code == 0
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(yaml.safe_dump(right_answers("01-intro")))
    assert run("quiz", "01-intro", "--answers", sheet, "-w", ws).exit_code == 0
    result = run("progress", "-w", ws)
    assert result.exit_code == 0, result.output
    assert "3/8" in result.output
    intro = next(line for line in result.output.splitlines() if "01-intro" in line)
    n = len(right_answers("01-intro"))
    assert "read " in intro and f"quiz {n}/{n}" in intro
    assert intro.split()[0] in ("✓", "+")  # the whole lesson is done
    activations = next(line for line in result.output.splitlines() if "02-activations" in line)
    assert "unread" in activations and "exercises 1/1" in activations
    assert "Next: learnnn next (lesson 02-activations)" in result.output


# ---------------------------------------------------------------- corrupt progress


CORRUPT = {
    "not JSON": "{ this is not json",
    "empty": "",
    "a list": "[]",
    "a bad hint count": '{"exercises": {"activations": {"passed": true, "hints": 1.5}}}',
    "a null entry": '{"exercises": {"activations": null}}',
    "a quiz score that is text": '{"quizzes": {"01-intro": {"score": 1, "best": "x", "max": 5}}}',
    "a quiz without best": '{"quizzes": {"01-intro": {"score": 3, "max": "5"}}}',
}


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_doctor_rebuilds_a_corrupt_progress_file_from_the_workspace(ws, run, content):
    solve(ws, "activations")
    (ws / "answers").mkdir()
    (ws / "answers" / "01-intro.yaml").write_text(yaml.safe_dump(right_answers("01-intro")))
    (ws / ".learnnn" / "progress.json").write_text(content)

    result = run("doctor", "-w", ws, **THREAD_VARIABLES)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "progress file" in result.output and "moved to progress.corrupt-" in result.output
    assert "Rebuilding your progress" in result.output and "1 of 1 pass: activations" in result.output
    assert "01-intro" in result.output  # regraded from answers/

    kept = list((ws / ".learnnn").glob("**/progress.corrupt-*.json"))
    assert [p.read_text() for p in kept] == [content], "the unreadable file is kept, never deleted"
    state = state_of(ws)
    assert state["exercises"]["activations"]["passed"] is True
    assert state["quizzes"]["01-intro"]["best"] == len(right_answers("01-intro"))
    assert {"01-intro", "02-activations"} <= set(state["lessons_read"])

    again = run("doctor", "-w", ws, **THREAD_VARIABLES)
    assert again.exit_code == 0, again.output
    shown = run("progress", "-w", ws)
    assert shown.exit_code == 0 and "note:" not in shown.output, shown.output
    intro = next(line for line in shown.output.splitlines() if line.split()[1:2] == ["01-intro"])
    assert f"quiz {len(right_answers('01-intro'))}/" in intro


@pytest.mark.parametrize("content", [CORRUPT["not JSON"], CORRUPT["a bad hint count"]])
def test_other_commands_report_a_corrupt_progress_file_and_go_on(ws, run, content):
    (ws / ".learnnn" / "progress.json").write_text(content)
    result = run("progress", "-w", ws)
    assert result.exit_code == 0, result.output
    assert "note: your progress file could not be read" in result.output
    assert list((ws / ".learnnn").glob("progress.corrupt-*.json"))
    json.loads((ws / ".learnnn" / "progress.json").read_text())  # a valid file again
    result = run("doctor", "-w", ws, "--rebuild", **THREAD_VARIABLES)
    assert "Rebuilding your progress" in result.output
    assert not list((ws / ".learnnn").glob("progress.corrupt-*.json")), "rebuilt: old files moved out of the way"
    assert list((ws / ".learnnn" / doctor.SET_ASIDE).glob("progress.corrupt-*.json"))


@pytest.mark.parametrize("content", [CORRUPT["a quiz score that is text"], CORRUPT["a quiz without best"]])
def test_hand_edited_quiz_entries_never_break_progress(ws, run, content):
    (ws / ".learnnn" / "progress.json").write_text(content)
    result = run("progress", "-w", ws)
    assert result.exit_code == 0, result.output
    assert "could not be read in full (quiz 01-intro (line 1: " in result.output and "Traceback" not in result.output
    assert ("best should be a number, not 'x'" if '"x"' in content else "max should be a number, not '5'") \
        in result.output
    intro = next(line for line in result.output.splitlines() if line.split()[:1] == ["01-intro"])
    assert "quiz not taken" in intro  # the unreadable score is dropped, never shown or counted
    assert [p.read_text() for p in (ws / ".learnnn").glob("progress.corrupt-*.json")] == [content]


# ---------------------------------------------------------------- solution


def test_solution_waits_until_the_exercise_passes(ws, run):
    result = run("solution", "activations", "-w", ws)
    assert result.exit_code == 1
    assert "opens once your own code passes" in result.output
    assert "learnnn check activations" in result.output and "learnnn hint activations" in result.output
    assert "--give-up" in result.output
    assert "Reference solution" not in result.output and "logaddexp" not in result.output


@pytest.mark.parametrize("columns", ["160", "80"])
def test_solution_beside_the_learners_code_once_it_passes(ws, run, columns):
    solve(ws, "activations")
    (ws / "activations.py").write_text((ws / "activations.py").read_text() + "\n# my own note\n")
    assert run("check", "activations", "-w", ws).exit_code == 0
    result = run("solution", "activations", "-w", ws, COLUMNS=columns)
    assert result.exit_code == 0, result.output
    assert "Your activations.py" in result.output and "Reference solution" in result.output
    assert "# my own note" in result.output and "logaddexp" in result.output
    side_by_side = any(line.startswith("Your activations.py") and "| Reference solution" in line
                       for line in result.output.splitlines())
    assert side_by_side == (columns == "160")
    if columns == "160":
        assert max(len(line) for line in result.output.splitlines()) <= 160
    assert "gave_up" not in state_of(ws)["exercises"]["activations"] or not state_of(ws)["exercises"]["activations"]["gave_up"]


def test_give_up_shows_the_solution_and_records_it(ws, run):
    result = run("solution", "neuron", "--give-up", "-w", ws)
    assert result.exit_code == 0, result.output
    assert "records that you saw this solution" in result.output
    assert (data_dir("solutions") / "neuron.py").read_text().splitlines()[-1].strip() in result.output
    entry = state_of(ws)["exercises"]["neuron"]
    assert entry["gave_up"] is True and entry["passed"] is False
    again = run("solution", "neuron", "-w", ws)
    assert again.exit_code == 0 and "records that" not in again.output


def test_solution_of_an_unknown_exercise(ws, run):
    result = run("solution", "nueron", "-w", ws)
    assert result.exit_code == 2 and "Did you mean 'neuron'?" in result.output


# ---------------------------------------------------------------- submit


def test_submit_zips_modules_and_answer_sheets_only(ws, run):
    solve(ws, "activations")
    (ws / "answers").mkdir()
    (ws / "answers" / "01-intro.yaml").write_text(yaml.safe_dump(right_answers("01-intro")))
    (ws / "scratch.py").write_text("print('not an exercise')\n")
    (ws / ".learnnn" / "backups").mkdir()
    (ws / ".learnnn" / "backups" / "activations-1.py").write_text("old\n")
    assert run("check", "activations", "-w", ws).exit_code == 0

    result = run("submit", "-w", ws)
    assert result.exit_code == 0, result.output
    zip_path = ws / "ws-submission.zip"
    assert str(zip_path) in result.output
    assert "not started (still the starting stub): neuron.py" in result.output
    assert "no answer sheet, which score 0 where your course grades them: 02-" in result.output.replace("\n", " ")
    assert "01-intro" not in result.output.split("no answer sheet")[1]
    with zipfile.ZipFile(zip_path) as zf:
        assert sorted(zf.namelist()) == ["activations.py", "answers/01-intro.yaml", "neuron.py"]
        assert zf.read("activations.py") == (ws / "activations.py").read_bytes()
        assert zf.testzip() is None
    again = run("submit", "-w", ws)  # the zip in the workspace is not packed into the next one
    assert again.exit_code == 0 and str(zip_path) in again.output, again.output
    with zipfile.ZipFile(zip_path) as zf:
        assert sorted(zf.namelist()) == ["activations.py", "answers/01-intro.yaml", "neuron.py"]
    assert not list(ws.glob(".*.tmp")), again.output  # no temp file left behind


def test_submit_out_and_warnings(ws, run, tmp_path):
    (ws / "neuron.py").unlink()
    (ws / "activations.py").write_text("def sigmoid(z):\n    return (\n")
    result = run("submit", "-w", ws, "--out", tmp_path / "mine.zip")
    assert result.exit_code == 0, result.output
    assert "missing, so not included: neuron.py" in result.output
    assert "activations.py is not valid Python (line" in result.output
    with zipfile.ZipFile(tmp_path / "mine.zip") as zf:
        assert zf.namelist() == ["activations.py"]
    folder = tmp_path / "outbox"
    folder.mkdir()
    into_folder = run("submit", "-w", ws, "--out", folder)
    assert into_folder.exit_code == 0 and str(folder / "ws-submission.zip") in into_folder.output
    assert (folder / "ws-submission.zip").is_file()
    nowhere = run("submit", "-w", ws, "--out", tmp_path / "no" / "such.zip")
    assert nowhere.exit_code == 2 and "there is no folder" in nowhere.output


def test_submit_with_nothing_to_submit(ws, run):
    for name in ("activations.py", "neuron.py"):
        (ws / name).unlink()
    result = run("submit", "-w", ws)
    assert result.exit_code == 2 and "nothing to submit" in result.output


# ---------------------------------------------------------------- doctor


def test_doctor_on_a_healthy_workspace(ws, run):
    result = run("doctor", "-w", ws, **THREAD_VARIABLES)
    assert result.exit_code == 0, result.output
    assert f"Python {sys.version_info.major}.{sys.version_info.minor}" in result.output
    assert "NumPy" in result.output and "BLAS" in result.output and "thread variables: none set" in result.output
    assert "the worker that runs your code starts" in result.output
    assert "2 exercise files readable and valid Python" in result.output
    assert "Everything looks healthy" in result.output


def test_doctor_names_each_problem_and_its_fix(ws, run):
    (ws / "neuron.py").unlink()
    (ws / "activations.py").write_text("import numpy as np\n\ndef sigmoid(z)\n    return z\n")
    (ws / "answers").mkdir()
    (ws / "answers" / "01-intro.yaml").write_text("dendrites: [a\n")
    result = run("doctor", "-w", ws, OMP_NUM_THREADS="lots", OPENBLAS_NUM_THREADS=None, MKL_NUM_THREADS=None)
    assert result.exit_code == 1, result.output
    out = result.output
    assert "neuron.py is missing" in out and "fix: learnnn reset neuron" in out
    assert "activations.py is not valid Python (line 3" in out and "learnnn reset activations" in out
    assert "01-intro.yaml is not valid YAML" in out and "learnnn quiz 01-intro" in out
    assert "OMP_NUM_THREADS='lots'" in out and "unset OMP_NUM_THREADS" in out
    assert "4 problems found" in out


def test_doctor_reports_files_that_are_not_text_or_not_files(ws, run):
    (ws / "activations.py").write_bytes(b"x = '\xff\xfe'\n")
    (ws / "neuron.py").unlink()
    (ws / "neuron.py").mkdir()
    result = run("doctor", "-w", ws, **THREAD_VARIABLES)
    assert result.exit_code == 1
    assert "activations.py is not UTF-8 text" in result.output
    assert "neuron.py is not a file" in result.output


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_doctor_reports_unreadable_files(ws, run):
    (ws / "activations.py").chmod(0)
    try:
        result = run("doctor", "-w", ws, **THREAD_VARIABLES)
    finally:
        (ws / "activations.py").chmod(0o644)
    assert result.exit_code == 1 and "activations.py can't be read" in result.output and "chmod" in result.output


def test_doctor_outside_a_workspace_checks_the_environment(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("doctor", **THREAD_VARIABLES)
    assert result.exit_code == 0, result.output
    assert "no workspace checked" in result.output
    missing = run("doctor", "-w", tmp_path / "nope", **THREAD_VARIABLES)
    assert missing.exit_code == 1 and "no workspace checked" in missing.output


def test_doctor_python_version_check():
    report = doctor.Report()
    doctor.check_python(report, (3, 10, 13))
    assert report.problems and "3.11 or newer" in report.problems[0].message
    report = doctor.Report()
    doctor.check_python(report, (3, 12, 1))
    assert not report.problems


# ---------------------------------------------------------------- plots


def _is_png(path):
    return Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_activations_beside_the_reference(ws, run):
    solve(ws, "activations")
    result = run("plot", "activations", "-w", ws)
    assert result.exit_code == 0, result.output
    png = ws / "plots" / "activations.png"
    assert f"Saved {png}" in result.output and _is_png(png)
    for name in ("sigmoid", "sigmoid_grad", "tanh_grad", "relu_grad", "leaky_relu_grad"):
        assert f"{name} matches the reference" in result.output
    learner = sys.modules.get("activations")  # only the reference may ever be imported here
    assert learner is None or Path(learner.__file__).parent == data_dir("solutions")


@pytest.mark.slow
def test_plot_activations_names_what_differs(ws, run, tmp_path):
    source = (ws / "activations.py").read_text()
    source = source.replace('raise NotImplementedError("relu")', "return np.minimum(0, z)", 1)
    source = source.replace('raise NotImplementedError("tanh")', "return np.tanh(z)", 1)
    (ws / "activations.py").write_text(source)
    result = run("plot", "activations", "-w", ws, "--out", tmp_path / "a.png")
    assert result.exit_code == 0, result.output
    assert _is_png(tmp_path / "a.png")
    assert "tanh matches the reference" in result.output
    assert "relu: differs from the reference by up to 5" in result.output
    assert "sigmoid: sigmoid is not implemented yet" in result.output


@pytest.mark.slow
def test_plot_activations_when_the_module_does_not_import(ws, run):
    (ws / "activations.py").write_text("import numpy as np\nraise RuntimeError('top level')\n")
    result = run("plot", "activations", "-w", ws)
    assert result.exit_code == 0, result.output
    assert result.output.count("importing activations.py raised RuntimeError") == 8
    assert _is_png(ws / "plots" / "activations.png")


def test_training_plot_from_a_checks_history(tmp_path):
    ws = workspace.Workspace(tmp_path, True)
    history = {"loss": [1 / (i + 1) for i in range(20)], "accuracy": [min(1.0, i / 10) for i in range(20)]}
    path = plots.save_training_plot(ws, CheckResult("training", artifacts={"history": history}))
    assert path == tmp_path / "plots" / "training-curves.png" and _is_png(path)
    diverged = {"loss": [1.0, float("nan"), float("inf")]}
    assert _is_png(plots.save_training_plot(ws, CheckResult("iris", artifacts={"history": diverged})))
    assert plots.save_training_plot(ws, CheckResult("neuron")) is None
    assert plots.save_training_plot(ws, CheckResult("x", artifacts={"history": {"loss": "text"}})) is None
    assert plots.save_training_plot(ws, CheckResult("x", artifacts={"history": [1, 2]})) is None
