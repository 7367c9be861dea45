"""The typed result model: statuses are enums that read as their JSON text, and every JSON shape has a version."""
import csv
import io
import json

import pytest

from learnnn import quiz
from learnnn.results import VERSION, ExerciseGrade, ExerciseStatus, QuizGrade, QuizStatus, SubmissionResult


def test_a_status_is_its_json_text_everywhere():
    grade = ExerciseGrade(2, 2, "passed")
    assert grade.status is ExerciseStatus.PASSED and grade.passed
    buffer = io.StringIO()
    csv.writer(buffer).writerow([grade.status, f"{grade.status}", str(grade.status)])
    assert buffer.getvalue().strip() == "passed,passed,passed"
    assert json.loads(json.dumps(grade.to_json()))["status"] == "passed"


def test_an_unknown_status_is_refused_where_it_is_made():
    with pytest.raises(ValueError):
        ExerciseGrade(0, 2, "pased")
    with pytest.raises(ValueError):
        QuizGrade(0, 5, "done")


def test_the_cache_round_trips_and_refuses_another_version():
    result = SubmissionResult("carol", "graded", {"neuron": ExerciseGrade(1, 2, "failed", [
        {"name": "test_x", "passed": False, "kind": "failed", "message": "m"}])},
                              {"01-intro": QuizGrade(4, 5, QuizStatus.GRADED)})
    cached = json.loads(json.dumps(result.to_cache()))
    assert cached["version"] == VERSION
    again = SubmissionResult.from_cache(cached)
    assert again.to_json() == result.to_json() and again.exercises["neuron"].status is ExerciseStatus.FAILED
    with pytest.raises(ValueError, match="version"):
        SubmissionResult.from_cache({**cached, "version": VERSION + 1})


def test_quiz_json_has_the_version():
    result = quiz.QuizResult("01-intro", [quiz.QuestionResult("q1", True, "why")])
    assert result.to_json()["version"] == VERSION
