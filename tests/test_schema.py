"""One schema layer for course.yaml, quizzes and progress.json: every problem names the file, the line and what."""
import json

import pytest

from learnnn import manifest, progress, quiz, workspace
from learnnn.schema import SchemaError

COURSE = """title: t
lessons:
  - id: a
    title: A
    exercises:
      - name: activations
        title: x
        hints: [one]
        time_limit: {limit}
"""


@pytest.mark.parametrize("limit,what", [("-1", "activations.time_limit should be positive, not -1.0"),
                                        ("fast", "activations.time_limit should be a number, not 'fast'"),
                                        ("[1, 2]", "activations.time_limit should be a single value")])
def test_a_bad_manifest_value_is_named_with_its_line(tmp_path, limit, what):
    path = tmp_path / "course.yaml"
    path.write_text(COURSE.format(limit=limit))
    with pytest.raises(manifest.ManifestError) as info:
        manifest.load(path)
    assert str(info.value) == f"{path}:9: {what}"


def test_defaults_come_from_one_place(tmp_path):
    path = tmp_path / "course.yaml"
    path.write_text(COURSE.format(limit=3).replace("        time_limit: 3\n", ""))
    exercise = manifest.load(path).exercise("activations")
    assert (exercise.time_limit, exercise.memory_mb, exercise.points) == (
        manifest.DEFAULTS["time_limit"], manifest.DEFAULTS["memory_mb"], manifest.DEFAULTS["points"])


QUIZ = """questions:
  - id: q1
    kind: single
    prompt: Which?
    choices: [yes, no]
    answer: a
    explanation: Because.
  - id: q2
    kind: {kind}
    prompt: How many?
    answer: 3
    explanation: Three.
"""


@pytest.mark.parametrize("kind,line,what", [
    ("numeric", None, None),
    ("guess", 9, "question 2: kind 'guess' should be one of multiple, numeric, single, text"),
    ("single", 11, "question 2: the answer must be a letter among the 0 choices"),
])
def test_a_bad_quiz_is_named_with_its_line(tmp_path, kind, line, what):
    lesson = manifest.load().lessons[0]
    path = tmp_path / "quiz.yaml"
    path.write_text(QUIZ.format(kind=kind))
    fake = type("L", (), {"id": lesson.id, "title": lesson.title, "quiz_path": path})()
    if what is None:
        assert [q.answer for q in quiz.load(fake).questions] == ["a", 3]
        return
    with pytest.raises(SchemaError) as info:
        quiz.load(fake)
    assert str(info.value) == f"{path}:{line}: {what}"


def test_a_bad_progress_entry_is_dropped_and_named_with_its_line(tmp_path):
    ws = workspace.Workspace(tmp_path, True)
    ws.state_dir.mkdir()
    data = {"exercises": {"neuron": {"passed": True, "score": 3, "max_score": 3, "hints": 2},
                          "layers": {"passed": True, "hints": -1}},
            "lessons_read": ["01-intro"], "version": progress.VERSION}
    progress.path(ws).write_text(json.dumps(data, indent=2))
    state = progress.load(ws)
    assert state.lessons_read == ["01-intro"] and state.exercises["neuron"].hints == 2
    assert "layers" not in state.exercises
    assert "exercise layers (line 11: hints should be at least 0, not -1)" in state.problem
