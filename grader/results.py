"""Plain results: what a check, a graded submission and its quizzes produce, and their JSON.

Every test outcome carries its kind (:class:`~learnnn.outcomes.Outcome`), set
where the failure was raised; the JSON results hold it as "kind". Statuses are
enums whose members are their JSON text. Every JSON document carries
``"version": VERSION``; fields are only ever added within a version (README,
"Results as JSON").
"""
import dataclasses
from dataclasses import dataclass, field

from .outcomes import Outcome, Word

VERSION = 1  # of the JSON shapes below; raised only when a field changes meaning or goes away


class ExerciseStatus(Word):
    PASSED = "passed"
    FAILED = "failed"
    MISSING = "missing"  # the module is not in the submission
    STOPPED = "stopped"  # the exercise's time budget ran out
    ERROR = "error"  # the suite could not run


class QuizStatus(Word):
    GRADED = "graded"
    MISSING = "missing"  # no answer sheet


@dataclass
class TestOutcome:
    name: str
    passed: bool
    message: str
    score: float
    max_score: float
    kind: Outcome = None  # passed, failed, timed_out, ...; None reads as passed or failed

    def __post_init__(self):
        self.kind = Outcome(self.kind) if self.kind else Outcome.PASSED if self.passed else Outcome.FAILED

    def to_json(self):
        return {"name": self.name, "passed": self.passed, "kind": self.kind.value, "message": self.message}


@dataclass
class CheckResult:
    exercise: str
    tests: list = field(default_factory=list)
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
                "tests": [t.to_json() for t in self.tests],
                **({"error": self.error} if self.error else {})}


# ---------------------------------------------------------------- bulk grading


@dataclass
class ExerciseGrade:
    score: float
    max: float
    status: ExerciseStatus
    tests: list = field(default_factory=list)  # TestOutcome.to_json(): {"name", "passed", "kind", "message"}
    error: str = ""
    seconds: float = 0.0

    def __post_init__(self):
        self.status = ExerciseStatus(self.status)

    @property
    def passed(self):
        return self.status is ExerciseStatus.PASSED

    def to_json(self):
        return {"score": self.score, "max": self.max, "passed": self.passed, "status": self.status,
                "tests": self.tests, **({"error": self.error} if self.error else {})}


@dataclass
class QuizGrade:
    score: int
    max: int
    status: QuizStatus
    questions: list = field(default_factory=list)  # {"id", "correct", "problem"?}
    problems: list = field(default_factory=list)

    def __post_init__(self):
        self.status = QuizStatus(self.status)

    def to_json(self):
        return dataclasses.asdict(self)


@dataclass
class SubmissionResult:
    id: str
    status: str
    exercises: dict  # name -> ExerciseGrade, in course order
    quizzes: dict = field(default_factory=dict)  # lesson id -> QuizGrade
    note: str = ""
    ignored: list = field(default_factory=list)
    seconds: float = 0.0  # wall time; kept out of grades.json, which must not change between runs
    cached: bool = False

    @property
    def total(self):
        return _num(sum(e.score for e in self.exercises.values()) + sum(q.score for q in self.quizzes.values()))

    @property
    def max(self):
        return _num(sum(e.max for e in self.exercises.values()) + sum(q.max for q in self.quizzes.values()))

    def to_json(self):
        return {"id": self.id, "status": self.status, "total": self.total, "max": self.max,
                "exercises": {n: e.to_json() for n, e in self.exercises.items()},
                "quizzes": {n: q.to_json() for n, q in self.quizzes.items()},
                "note": self.note, "ignored": self.ignored}

    def to_cache(self):
        return {**self.to_json(), "version": VERSION, "seconds": self.seconds,
                "exercise_seconds": {n: e.seconds for n, e in self.exercises.items()}}

    @classmethod
    def from_cache(cls, data):
        """A result the cache stored; ValueError for another VERSION's (the caller grades again)."""
        if data.get("version", VERSION) != VERSION:
            raise ValueError(f"a cached result of version {data.get('version')}, not {VERSION}")
        timing = data.get("exercise_seconds", {})
        exercises = {n: ExerciseGrade(e["score"], e["max"], e["status"], [_with_kind(t) for t in e["tests"]],
                                      e.get("error", ""),
                                      timing.get(n, 0.0)) for n, e in data["exercises"].items()}
        quiz_grades = {n: QuizGrade(**q) for n, q in data["quizzes"].items()}
        return cls(data["id"], data["status"], exercises, quiz_grades, data["note"], data["ignored"],
                   data.get("seconds", 0.0), cached=True)

    def labelled(self, submission):
        """This result (graded from the content) as the given submission's row."""
        out = dataclasses.replace(self, id=submission.id, ignored=list(submission.ignored))
        notes = [self.note] if self.note else []
        if submission.problem:
            out.status, notes = "rejected", [submission.problem]
        elif getattr(submission, "missing", False):
            out.status = "missing"
        out.note = "; ".join(notes + list(getattr(submission, "notes", [])))
        return out


def _with_kind(test):
    """A test entry of an older cache, which had no "kind"."""
    return {**test, "kind": test.get("kind", "passed" if test["passed"] else "failed")}


def _num(x):
    return int(x) if float(x).is_integer() else round(float(x), 3)
