"""The typed result model: what a check, a quiz and a graded submission produce, and their JSON.

One type per thing, used by every command: a :class:`TestOutcome` is what
`check` shows and what `grade` scores and caches; a :class:`QuizResult` is what
`quiz` shows and what `grade` scores. Statuses are enums whose members are
their JSON text; every test outcome carries its kind
(:class:`~learnnn.outcomes.Outcome`), set where the failure was raised.
``to_json`` gives the documented shape (README, "Results as JSON") and
``from_json`` reads it back, so a round trip gives an equal object. Every JSON
document carries ``"version": VERSION``.
"""
import dataclasses
from dataclasses import dataclass, field

from .outcomes import Outcome, Word

VERSION = 2  # of the JSON shapes below; raised when a field changes meaning or goes away (2: "max" -> "max_score")


class ExerciseStatus(Word):
    PASSED = "passed"
    FAILED = "failed"
    MISSING = "missing"  # the module is not in the submission
    STOPPED = "stopped"  # the exercise's time budget ran out
    ERROR = "error"  # the suite could not run


class QuizStatus(Word):
    GRADED = "graded"
    MISSING = "missing"  # no answer sheet


class SubmissionStatus(Word):
    GRADED = "graded"
    INCOMPLETE = "incomplete"
    EMPTY = "empty"
    MISSING = "missing"
    REJECTED = "rejected"
    STOPPED = "stopped"
    ERROR = "error"


@dataclass
class TestOutcome:
    """One hidden test. ``max_score`` is its weight in its suite (1 unless marked), ``score`` the part earned:
    all of it when the test passed, else 0. `grade` splits an exercise's points in proportion (learnnn.weights)."""

    __test__ = False  # a result, not a pytest test class

    name: str
    passed: bool
    message: str
    score: float
    max_score: float
    kind: Outcome = None  # passed, failed, timed_out, ...; None reads as passed or failed

    def __post_init__(self):
        self.kind = Outcome(self.kind) if self.kind else Outcome.PASSED if self.passed else Outcome.FAILED

    def to_json(self):
        return {"name": self.name, "passed": self.passed, "kind": self.kind.value, "message": self.message,
                "score": self.score, "max_score": self.max_score}

    @classmethod
    def from_json(cls, data):
        return cls(data["name"], _flag(data["passed"]), data["message"], data["score"], data["max_score"],
                   data["kind"])


@dataclass
class CheckResult:
    exercise: str
    tests: list = field(default_factory=list)  # TestOutcome, in the suite's order
    metrics: dict = field(default_factory=dict)
    error: str = ""  # why the suite could not run at all
    artifacts: dict = field(default_factory=dict)  # e.g. {"history": {...}} for plots; not in JSON
    seconds: float = 0.0
    calls: int = 0  # calls sent into the learner's code

    @property
    def budget_exhausted(self):
        return any(t.kind is Outcome.BUDGET_EXHAUSTED for t in self.tests)

    @property
    def score(self):
        return sum(t.score for t in self.tests)

    @property
    def max_score(self):
        return sum(t.max_score for t in self.tests)

    @property
    def passed(self):
        return bool(self.tests) and not self.error and all(t.passed for t in self.tests)

    @property
    def failures(self):
        return [t for t in self.tests if not t.passed]

    def to_json(self):
        return {"version": VERSION, "exercise": self.exercise, "passed": self.passed, "score": self.score,
                "max_score": self.max_score, "metrics": self.metrics, "calls": self.calls,
                "tests": [t.to_json() for t in self.tests], "error": self.error}

    @classmethod
    def from_json(cls, data):
        _refuse_other_versions(data, "check result")
        return cls(data["exercise"], [TestOutcome.from_json(t) for t in data["tests"]], dict(data["metrics"]),
                   data["error"], calls=data["calls"])


# ---------------------------------------------------------------- quizzes


@dataclass
class QuestionResult:
    id: str
    correct: bool
    explanation: str = ""
    problem: str = ""  # the answer could not be read as this kind of answer

    def to_json(self):
        return {"id": self.id, "correct": self.correct, "explanation": self.explanation, "problem": self.problem}

    @classmethod
    def from_json(cls, data):
        return cls(data["id"], _flag(data["correct"]), data["explanation"], data["problem"])


@dataclass
class QuizResult:
    """One answer sheet graded: `learnnn quiz` shows it, `grade` scores it (1 point per question unless an
    instructor's weights say otherwise: then ``score`` and ``max_score`` are points, not right answers)."""

    quiz: str  # the lesson id
    questions: list = field(default_factory=list)  # QuestionResult, in the quiz's order; empty when missing
    problems: list = field(default_factory=list)  # about the sheet as a whole
    status: QuizStatus = QuizStatus.GRADED
    score: float = None  # default: the questions answered right
    max_score: float = None  # default: the number of questions

    def __post_init__(self):
        self.status = QuizStatus(self.status)
        if self.score is None:
            self.score = sum(q.correct for q in self.questions)
        if self.max_score is None:
            self.max_score = len(self.questions)

    def to_json(self):
        return {"quiz": self.quiz, "status": self.status, "score": self.score, "max_score": self.max_score,
                "questions": [q.to_json() for q in self.questions], "problems": list(self.problems)}

    @classmethod
    def from_json(cls, data):
        return cls(data["quiz"], [QuestionResult.from_json(q) for q in data["questions"]], list(data["problems"]),
                   data["status"], data["score"], data["max_score"])


# ---------------------------------------------------------------- bulk grading


@dataclass
class ExerciseGrade:
    score: float
    max_score: float
    status: ExerciseStatus
    tests: list = field(default_factory=list)  # TestOutcome, as `check` gives them
    error: str = ""
    seconds: float = 0.0  # kept out of the JSON (grades.json must not change between runs); the cache has it

    def __post_init__(self):
        self.status = ExerciseStatus(self.status)

    @property
    def passed(self):
        return self.status is ExerciseStatus.PASSED

    @property
    def failures(self):
        return [t for t in self.tests if not t.passed]

    def to_json(self):
        return {"score": self.score, "max_score": self.max_score, "passed": self.passed, "status": self.status,
                "tests": [t.to_json() for t in self.tests], "error": self.error}

    @classmethod
    def from_json(cls, data, seconds=0.0):
        return cls(data["score"], data["max_score"], data["status"], [TestOutcome.from_json(t) for t in data["tests"]],
                   data["error"], seconds)


@dataclass
class SubmissionResult:
    id: str
    status: SubmissionStatus
    exercises: dict  # name -> ExerciseGrade, in course order
    quizzes: dict = field(default_factory=dict)  # lesson id -> QuizResult
    note: str = ""
    ignored: list = field(default_factory=list)
    seconds: float = 0.0  # wall time; kept out of grades.json, which must not change between runs
    cached: bool = False

    def __post_init__(self):
        self.status = SubmissionStatus(self.status)

    @property
    def total(self):
        return _num(sum(e.score for e in self.exercises.values()) + sum(q.score for q in self.quizzes.values()))

    @property
    def max_score(self):
        return _num(sum(e.max_score for e in self.exercises.values())
                    + sum(q.max_score for q in self.quizzes.values()))

    def to_json(self):
        return {"id": self.id, "status": self.status, "total": self.total, "max_score": self.max_score,
                "exercises": {n: e.to_json() for n, e in self.exercises.items()},
                "quizzes": {n: q.to_json() for n, q in self.quizzes.items()},
                "note": self.note, "ignored": list(self.ignored)}

    def to_cache(self):
        return {**self.to_json(), "version": VERSION, "seconds": self.seconds,
                "exercise_seconds": {n: e.seconds for n, e in self.exercises.items()}}

    @classmethod
    def from_cache(cls, data):
        """A result the cache stored; ValueError for another VERSION's or a damaged one (the caller grades again)."""
        _refuse_other_versions(data, "cached result")
        try:
            timing = data.get("exercise_seconds", {})
            return cls(data["id"], data["status"],
                       {n: ExerciseGrade.from_json(e, timing.get(n, 0.0)) for n, e in data["exercises"].items()},
                       {n: QuizResult.from_json(q) for n, q in data["quizzes"].items()},
                       data["note"], list(data["ignored"]), data.get("seconds", 0.0), cached=True)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"a damaged cached result ({type(exc).__name__}: {exc})") from None

    def labelled(self, submission):
        """This result (graded from the content) as the given submission's row."""
        out = dataclasses.replace(self, id=submission.id, ignored=list(submission.ignored))
        notes = [self.note] if self.note else []
        if submission.problem:
            out.status, notes = SubmissionStatus.REJECTED, [submission.problem]
        elif getattr(submission, "missing", False):
            out.status = SubmissionStatus.MISSING
        out.note = "; ".join(notes + list(getattr(submission, "notes", [])))
        return out


def _refuse_other_versions(data, what):
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ValueError(f"a {what} of version {data.get('version')}, not {VERSION}")


def _flag(value):
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, not {value!r}")
    return value


def _num(x):
    return int(x) if float(x).is_integer() else round(float(x), 3)
