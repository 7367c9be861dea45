"""Points: what each exercise is worth, and how its points split across its hidden tests.

An exercise's points come from the manifest (``points:`` per exercise, default
in ``defaults:``) or from an instructor's ``--weights FILE``, which may also set
``quizzes`` (every quiz) or ``quiz <lesson id>`` (one quiz); a quiz is otherwise
worth 1 point per question. They split across
the exercise's tests in proportion to each test's weight: 1, unless the test
carries a ``@pytest.mark.points(w)`` marker. A learner earns
``points * (weight of passed tests) / (weight of all tests)``, rounded to
2 decimals, so a full pass earns exactly ``points`` and totals add up.
"""
import csv
import dataclasses
import io
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .manifest import LearnnnError

DECIMALS = 2


@dataclass
class Points:
    exercises: dict  # exercise -> points
    quizzes: dict = field(default_factory=dict)  # lesson id -> points; absent: 1 per question

    def quiz(self, lesson_id, questions):
        return self.quizzes.get(lesson_id, questions)


def resolve(course, override=None):
    """Points for ``course``: the manifest's, with ``override`` (from :func:`read`) on top."""
    override = override or {}
    exercises = {name: override.get(name, e.points) for name, e in course.exercises.items()}
    quizzes = {}
    for lesson in course.lessons:
        value = override.get(f"quiz {lesson.id}", override.get("quizzes"))
        if value is not None:
            quizzes[lesson.id] = value
    return Points(exercises, quizzes)


def read(path, course):
    """A weights file: YAML (``activations: 10``) or CSV (``exercise,points`` rows) -> {key: points}.

    Keys are exercise names, ``quizzes`` or ``quiz <lesson id>``.
    Raises LearnnnError naming the file and the entry for an unknown exercise or a
    points value that is not a number >= 0 (0 leaves an exercise out of the total).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LearnnnError(f"{path}: can't read the weights file ({exc})") from None
    if path.suffix.lower() == ".csv":
        rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
        if rows and rows[0][0].strip().lower() in ("exercise", "name"):
            rows = rows[1:]
        if any(len(r) != 2 for r in rows):
            raise LearnnnError(f"{path}: each row should be `exercise,points`")
        pairs = [(r[0].strip(), r[1].strip()) for r in rows]
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise LearnnnError(f"{path}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
        if not isinstance(data, dict):
            raise LearnnnError(f"{path}: should map exercise names to points, e.g. `activations: 10`")
        pairs = list(data.items())
    out = {}
    for name, value in pairs:
        name = " ".join(str(name).split())
        if name.startswith("quiz "):
            name = f"quiz {course.lesson(name[5:]).id}"  # raises with a did-you-mean for a typo
        elif name != "quizzes":
            course.exercise(name)
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = -1.0
        if isinstance(value, bool) or not number >= 0 or number == float("inf"):
            raise LearnnnError(f"{path}: points for {name} should be a number >= 0, not {value!r}")
        out[str(name)] = int(number) if number.is_integer() else number
    return out


def earned(points, tests):
    """Points for ``tests`` (TestOutcomes; a test's max_score is its weight): the passed share of ``points``."""
    total = sum(t.max_score for t in tests)
    if not total:
        return 0
    return _tidy(points * sum(t.max_score for t in tests if t.passed) / total)


def test_points(points, tests):
    """What each test is worth, in order (shown to learners; rounding may make them sum to a hair off)."""
    total = sum(t.max_score for t in tests) or 1
    return [_tidy(points * t.max_score / total) for t in tests]


def apply(result, points):
    """``result`` (a SubmissionResult) scored with ``points`` (a :class:`Points`)."""
    exercises = {name: dataclasses.replace(grade, score=earned(points.exercises[name], grade.tests),
                                           max_score=_tidy(points.exercises[name]))
                 for name, grade in result.exercises.items()}
    quizzes = {}
    for lesson_id, grade in result.quizzes.items():
        worth = points.quiz(lesson_id, grade.max_score)
        quizzes[lesson_id] = dataclasses.replace(
            grade, score=_tidy(worth * grade.score / grade.max_score if grade.max_score else 0), max_score=_tidy(worth))
    return dataclasses.replace(result, exercises=exercises, quizzes=quizzes)


def _tidy(x):
    x = round(float(x), DECIMALS)
    return int(x) if x.is_integer() else x
