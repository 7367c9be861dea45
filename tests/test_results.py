"""The typed result model: one type per thing, statuses that read as their JSON text, JSON that round-trips,
a version that refuses other shapes, and progress files of version 1 that still load."""
import csv
import dataclasses
import io
import json
from pathlib import Path

import pytest

from learnnn import manifest, progress, quiz, workspace
from learnnn.gradebook import Cache
from learnnn.outcomes import Outcome
from learnnn.results import (VERSION, CheckResult, ExerciseGrade, ExerciseStatus, QuestionResult, QuizResult,
                             QuizStatus, SubmissionResult, SubmissionStatus, TestOutcome)


def outcome(name, passed, kind=None, weight=1):
    return TestOutcome(name, passed, "" if passed else f"{name} went wrong", weight if passed else 0, weight, kind)


def submission():
    tests = [outcome("test_a", True), outcome("test_b", False, Outcome.TIMED_OUT, weight=2)]
    answers = [QuestionResult("q1", True, "because"), QuestionResult("q2", False, "why", problem="no answer given")]
    return SubmissionResult("carol", "incomplete", {
        "neuron": ExerciseGrade(1, 3, "failed", tests, seconds=1.5),
        "layers": ExerciseGrade(0, 2, "missing", [outcome("test_c", False, "missing")], error="")},
        {"01-intro": QuizResult("01-intro", answers, ["the sheet names questions this quiz doesn't have: q9"]),
         "02-activations": QuizResult("02-activations", status="missing", max_score=5)},
        note="a note", ignored=["notes.txt"], seconds=4.0)


def test_a_status_is_its_json_text_everywhere():
    grade = ExerciseGrade(2, 2, "passed")
    assert grade.status is ExerciseStatus.PASSED and grade.passed
    buffer = io.StringIO()
    csv.writer(buffer).writerow([grade.status, f"{grade.status}", str(grade.status)])
    assert buffer.getvalue().strip() == "passed,passed,passed"
    assert json.loads(json.dumps(grade.to_json()))["status"] == "passed"
    assert SubmissionResult("x", "graded", {}).status is SubmissionStatus.GRADED


def test_an_unknown_status_is_refused_where_it_is_made():
    with pytest.raises(ValueError):
        ExerciseGrade(0, 2, "pased")
    with pytest.raises(ValueError):
        QuizResult("01-intro", status="done")
    with pytest.raises(ValueError):
        SubmissionResult("x", "gradedd", {})
    with pytest.raises(ValueError):
        TestOutcome("t", False, "", 0, 1, "exploded")


def test_every_result_round_trips_through_its_json():
    result = submission()
    again = SubmissionResult.from_cache(json.loads(json.dumps(result.to_cache())))
    assert again == dataclasses.replace(result, cached=True)  # every field, seconds of each exercise included
    assert again.exercises["neuron"].tests[1].kind is Outcome.TIMED_OUT
    check = CheckResult("neuron", result.exercises["neuron"].tests, {"accuracy": 0.5}, calls=7)
    assert CheckResult.from_json(json.loads(json.dumps(check.to_json()))) == check
    sheet = result.quizzes["01-intro"]
    assert QuizResult.from_json(json.loads(json.dumps(sheet.to_json()))) == sheet


def test_one_spelling_of_the_maximum_and_the_same_test_and_quiz_shapes_everywhere():
    cached = submission().to_cache()
    text = json.dumps(cached)
    assert '"max"' not in text and cached["max_score"] == 3 + 2 + 2 + 5 and cached["total"] == 1 + 1
    test_keys = set(outcome("t", True).to_json())
    assert test_keys == {"name", "passed", "kind", "message", "score", "max_score"}
    assert all(set(t) == test_keys for e in cached["exercises"].values() for t in e["tests"])
    assert set(CheckResult("x", [outcome("t", True)]).to_json()["tests"][0]) == test_keys
    assert all(set(q) == set(QuizResult("q").to_json()) for q in cached["quizzes"].values())


def test_a_quiz_graded_by_the_quiz_command_is_the_type_grade_scores():
    assert quiz.QuizResult is QuizResult and quiz.QuestionResult is QuestionResult
    missing = QuizResult("03-neuron", status=QuizStatus.MISSING, max_score=4)
    assert (missing.score, missing.max_score, missing.questions) == (0, 4, [])
    assert QuizResult("01-intro", [QuestionResult("a", True), QuestionResult("b", False)]).score == 1


def test_another_version_is_refused_and_an_old_cache_is_graded_again(tmp_path):
    cached = submission().to_cache()
    with pytest.raises(ValueError, match="version"):
        SubmissionResult.from_cache({**cached, "version": VERSION + 1})
    with pytest.raises(ValueError, match="version"):
        CheckResult.from_json({**CheckResult("x").to_json(), "version": 1})
    cache = Cache(tmp_path, manifest.load(), 10)
    old = {"version": 1, "id": "carol", "status": "graded", "total": 1, "max": 2, "note": "", "ignored": [],
           "exercises": {"neuron": {"score": 1, "max": 2, "passed": False, "status": "failed", "tests": [
               {"name": "test_a", "passed": True, "kind": "passed", "message": "", "weight": 1}]}}, "quizzes": {}}
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(cached))
    assert cache.get("old") is None and cache.get("new") == dataclasses.replace(submission(), cached=True)


def test_a_version_1_progress_file_loads_without_loss_and_is_saved_in_the_new_shape(tmp_path):
    ws = workspace.Workspace(tmp_path, True)
    ws.state_dir.mkdir()
    old = {"version": 1, "lessons_read": ["01-intro", "02-activations"],
           "quizzes": {"01-intro": {"score": 3, "max": 5, "best": 4}, "02-activations": {"score": 2, "max": 6}},
           "exercises": {"neuron": {"passed": True, "ever_passed": True, "score": 3, "max_score": 3, "hints": 2,
                                    "gave_up": False, "digest": "abc"},
                         "activations": {"passed": False, "ever_passed": True, "score": 1.5, "max_score": 9,
                                         "hints": 0, "gave_up": True}}}
    progress.path(ws).write_text(json.dumps(old, indent=2))
    state = progress.load(ws)
    assert state.problem == "" and not list(ws.state_dir.glob("progress.corrupt-*"))
    assert state.quizzes == {"01-intro": progress.QuizProgress(3, 5, 4),
                             "02-activations": progress.QuizProgress(2, 6, 2)}  # without best: the score
    assert state.exercises["neuron"] == progress.ExerciseProgress(True, True, 3, 3, 2, False, "abc")
    assert state.exercises["activations"] == progress.ExerciseProgress(False, True, 1.5, 9, 0, True, "")
    progress.save(ws, state)
    saved = json.loads(progress.path(ws).read_text())
    assert saved["version"] == VERSION and saved["lessons_read"] == old["lessons_read"]
    assert saved["quizzes"]["01-intro"] == {"score": 3, "max_score": 5, "best": 4}
    assert saved["exercises"]["neuron"] == old["exercises"]["neuron"]
    assert progress.load(ws) == state  # and the new shape reads back the same


def test_progress_round_trips_what_the_commands_record(tmp_path):
    ws = workspace.Workspace(tmp_path, True)
    ws.state_dir.mkdir()
    state = progress.Progress()
    state.record_check(CheckResult("neuron", [outcome("test_a", True), outcome("test_b", False)]), "d1")
    state.record_quiz("01-intro", 4, 5)
    state.record_quiz("01-intro", 2, 5)  # a worse attempt keeps the best
    state.exercise("neuron").hints = 1
    state.mark_read("01-intro")
    progress.save(ws, state)
    again = progress.load(ws)
    assert again == state and again.quizzes["01-intro"] == progress.QuizProgress(2, 5, 4)
    assert again.exercises["neuron"] == progress.ExerciseProgress(False, False, 1, 2, 1, False, "d1")


def test_the_readme_states_every_shape_the_model_writes():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = " ".join(readme.split("## Results as JSON")[1].split("\n## ")[0].split())
    stated = lambda keys: "`{" + ", ".join(keys) + "}`"
    state = progress.Progress()
    state.record_quiz("q", 1, 2)
    state.exercise("e")
    shapes = {
        "a test": outcome("t", True).to_json(), "a quiz": QuizResult("q").to_json(),
        "a question": QuestionResult("q", True).to_json(), "check --json": CheckResult("x").to_json(),
        "a submission": [*SubmissionResult("x", "graded", {}).to_json(), "original_name", "attention"],
        "an exercise": ExerciseGrade(0, 0, "failed").to_json(), "progress.json": state.to_json(),
        "a quiz's progress": state.to_json()["quizzes"]["q"],
        "an exercise's progress": state.to_json()["exercises"]["e"]}
    assert [what for what, keys in shapes.items() if stated(keys) not in section] == []
    assert f"now {VERSION}" in section


@pytest.mark.parametrize("damage", [{"exercises": []}, {"quizzes": {"q": {"quiz": "q"}}}, {"status": None},
                                    {"exercises": {"n": {"score": 1}}}, {"ignored": 3}])
def test_a_damaged_cache_entry_is_graded_again_not_a_crash(damage):
    with pytest.raises(ValueError):
        SubmissionResult.from_cache({**submission().to_cache(), **damage})


def test_the_cache_key_changes_with_the_split_secret_and_the_workers_code(monkeypatch):
    from learnnn import gradebook
    from learnnn.intake import Submission

    course = manifest.load()
    key = lambda: Cache("unused", course, 0).key(Submission("carol", files={"neuron.py": b"x = 1\n"}))  # noqa: E731
    monkeypatch.delenv("LEARNNN_SPLIT_SECRET", raising=False)
    first = key()
    monkeypatch.setenv("LEARNNN_SPLIT_SECRET", "another class's secret")
    assert key() != first  # other hidden splits: other iris and digits grades
    monkeypatch.delenv("LEARNNN_SPLIT_SECRET")
    assert key() == first
    worker = manifest.PACKAGE / "worker" / "wire.py"
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda p: real(p) + (b"#\n" if p == worker else b""))
    assert key() != first and gradebook.course_fingerprint(course)  # a change in the worker grades again
