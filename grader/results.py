"""Plain results: what a check and a graded submission produce."""
from dataclasses import asdict, dataclass, field


@dataclass
class TestOutcome:
    name: str
    passed: bool
    message: str
    score: float
    max_score: float


@dataclass
class CheckResult:
    exercise: str
    tests: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    error: str = ""  # why the suite could not run at all
    artifacts: dict = field(default_factory=dict)  # e.g. {"history": {...}} for plots; not in JSON
    seconds: float = 0.0

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
        return {"exercise": self.exercise, "passed": self.passed, "score": self.score,
                "max_score": self.max_score, "metrics": self.metrics,
                "tests": [{"name": t.name, "passed": t.passed, "message": t.message} for t in self.tests],
                **({"error": self.error} if self.error else {})}

    def as_dict(self):
        return asdict(self)
