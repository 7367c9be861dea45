"""The course manifest: the ordered lessons, quizzes and exercises.

One YAML file drives everything; the paths of stubs, solutions, suites,
lessons and quizzes derive from names (see course.yaml).
"""
import ast
import functools
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .errors import LearnnnError  # noqa: F401  (its home before errors.py; many modules import it from here)
from .schema import Reader, SchemaError, compose, did_you_mean

PACKAGE = Path(__file__).resolve().parent
MANIFEST = PACKAGE / "course.yaml"
LESSON_FIELDS = {"id", "title", "exercises"}
EXERCISE_FIELDS = {"name", "title", "hints", "points", "time_limit", "time_budget", "memory_mb", "own_stack"}
DEFAULT_FIELDS = {"points", "time_limit", "time_budget", "memory_mb"}
KINDS = {"points": float, "time_limit": float, "time_budget": float, "memory_mb": int}
POINTS = 10  # an exercise's points, split across its hidden tests (see weights.py)
DEFAULTS = {"points": POINTS, "time_limit": 10.0, "time_budget": None, "memory_mb": 1024}  # course.yaml overrides them
BUDGET_FACTOR = 10  # without a time_budget, an exercise's calls may take this many times its time_limit in all


class ManifestError(SchemaError):
    pass


@functools.lru_cache(maxsize=None)  # asked on every reference call of a suite (13,000 times per submission)
def data_dir(name):
    """A course folder (exercises, solutions, lessons): packaged in the wheel, or beside grader/ in a checkout."""
    packaged = PACKAGE / "_course" / name
    return packaged if packaged.is_dir() else PACKAGE.parent / name


@functools.lru_cache(maxsize=None)
def stub_functions(path):
    """The names of the functions a starting stub defines (read with ast; nothing is run)."""
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return ()
    return tuple(node.name for node in tree.body if isinstance(node, ast.FunctionDef))


@dataclass(frozen=True)
class Exercise:
    name: str
    title: str
    lesson: str
    hints: tuple
    points: float  # what the whole exercise is worth in `learnnn grade`
    time_limit: float
    memory_mb: int
    own_stack: bool
    earlier: tuple  # names of the exercises before this one, in order
    budget: float = None  # seconds for all calls into learner code together; see time_budget

    @property
    def time_budget(self):
        return self.budget if self.budget is not None else BUDGET_FACTOR * self.time_limit

    @property
    def stub(self):
        return data_dir("exercises") / f"{self.name}.py"

    @property
    def solution(self):
        return data_dir("solutions") / f"{self.name}.py"

    @property
    def suite(self):
        return PACKAGE / "suites" / f"test_{self.name}.py"

    @property
    def filename(self):
        return f"{self.name}.py"


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    number: int
    exercises: tuple

    @property
    def path(self):
        return data_dir("lessons") / f"{self.id}.md"

    @property
    def quiz_path(self):
        return data_dir("lessons") / "quizzes" / f"{self.id}.yaml"


@dataclass(frozen=True)
class Step:
    kind: str  # lesson, quiz or exercise
    id: str
    title: str
    lesson: str


@dataclass(frozen=True)
class Course:
    title: str
    lessons: tuple
    exercises: dict  # name -> Exercise, in course order
    source: Path

    @cached_property
    def steps(self):
        steps = []
        for lesson in self.lessons:
            steps.append(Step("lesson", lesson.id, lesson.title, lesson.id))
            steps.append(Step("quiz", lesson.id, f"Quiz: {lesson.title}", lesson.id))
            steps += [Step("exercise", n, self.exercises[n].title, lesson.id) for n in lesson.exercises]
        return tuple(steps)

    def exercise(self, name):
        name = name[:-3] if name.endswith(".py") else name
        if name not in self.exercises:
            raise LearnnnError(f"there is no exercise '{name}'.{did_you_mean(name, self.exercises)} "
                               f"Exercises: {', '.join(self.exercises)}.")
        return self.exercises[name]

    def lesson(self, ident):
        for lesson in self.lessons:
            if ident in (lesson.id, str(lesson.number), f"{lesson.number:02d}") or lesson.id.split("-", 1)[-1] == ident:
                return lesson
        ids = [lesson.id for lesson in self.lessons]
        raise LearnnnError(f"there is no lesson '{ident}'.{did_you_mean(ident, ids)} Lessons: {', '.join(ids)}.")


def load(path=MANIFEST):
    """The course in the manifest at ``path``; ManifestError names the file, line and problem."""
    path = Path(path)
    try:
        root = compose(path, what="course manifest")
    except SchemaError as exc:
        raise ManifestError(exc.path, exc.line, exc.what) from None
    return _Reader(path, error=ManifestError).course(root)


class _Reader(Reader):
    def course(self, root):
        if root is None:
            self.fail(None, "the manifest is empty")
        top = self.mapping(root, {"title", "defaults", "lessons"}, "the manifest", required=("title", "lessons"))
        defaults = dict(DEFAULTS)
        if "defaults" in top:
            for key, node in self.mapping(top["defaults"], DEFAULT_FIELDS, "defaults").items():
                defaults[key] = self.scalar(node, KINDS[key], f"defaults.{key}", positive=True)
        lessons, exercises, seen = [], {}, set()
        for number, node in enumerate(self.sequence(top["lessons"], "lessons"), start=1):
            fields = self.mapping(node, LESSON_FIELDS, f"lesson {number}", required=("id", "title"))
            ident = self.scalar(fields["id"], str, "a lesson id")
            if ident in seen:
                self.fail(fields["id"], f"lesson id '{ident}' is used twice")
            seen.add(ident)
            names = []
            for ex_node in self.sequence(fields["exercises"], "exercises") if "exercises" in fields else []:
                exercise = self.exercise(ex_node, ident, defaults, tuple(exercises))
                if exercise.name in exercises:
                    self.fail(ex_node, f"exercise '{exercise.name}' is listed twice")
                exercises[exercise.name] = exercise
                names.append(exercise.name)
            lessons.append(Lesson(ident, self.scalar(fields["title"], str, "a lesson title"), number, tuple(names)))
        return Course(self.scalar(top["title"], str, "title"), tuple(lessons), exercises, self.path)

    def exercise(self, node, lesson, defaults, earlier):
        fields = self.mapping(node, EXERCISE_FIELDS, f"an exercise in lesson '{lesson}'",
                              required=("name", "title", "hints"))
        name = self.scalar(fields["name"], str, "an exercise name")
        if not name.isidentifier():
            self.fail(fields["name"], f"exercise name '{name}' must be a Python module name")
        hints = tuple(self.scalar(h, str, "a hint") for h in self.sequence(fields["hints"], "hints"))
        if not hints:
            self.fail(fields["hints"], f"exercise '{name}' needs at least one hint")
        get = lambda key, kind: (self.scalar(fields[key], kind, f"{name}.{key}", positive=True) if key in fields
                                 else defaults[key])
        own = self.scalar(fields["own_stack"], bool, f"{name}.own_stack") if "own_stack" in fields else False
        return Exercise(name, self.scalar(fields["title"], str, f"{name}.title"), lesson, hints,
                        _whole(get("points", float)), get("time_limit", float), get("memory_mb", int), own, earlier,
                        get("time_budget", float))


def _whole(x):
    return int(x) if float(x).is_integer() else x
