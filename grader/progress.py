"""What a learner has done: lessons read, quiz scores, exercises passed, hints seen.

Stored as .learnnn/progress.json in a workspace. A corrupt or hand-edited file
is set aside (never deleted) and rebuilt; checks re-run fill it in again.
"""
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field

import yaml

from . import schema
from .atomic import atomic_write
from .results import VERSION  # one version for every JSON shape; a version 1 file still loads (its quiz "max")

QUIZ_PASS = 0.8  # a quiz counts as done at 80% right


@dataclass
class QuizProgress:
    score: float  # right answers the last time
    max_score: float  # questions in the quiz
    best: float = 0  # the most right answers of any time


@dataclass
class ExerciseProgress:
    passed: bool = False  # its last check passed
    ever_passed: bool = False  # a regression drops the tick, not this
    score: float = 0
    max_score: float = 0
    hints: int = 0  # hints shown so far
    gave_up: bool = False  # the learner asked for the solution
    digest: str = ""  # the fingerprint of the module the last check ran on (Workspace.digest)


@dataclass
class Progress:
    lessons_read: list = field(default_factory=list)
    quizzes: dict = field(default_factory=dict)  # lesson id -> QuizProgress
    exercises: dict = field(default_factory=dict)  # name -> ExerciseProgress
    problem: str = ""  # set when the stored file could not be read

    def exercise(self, name):
        """The exercise's entry, made (and kept) when there is none yet."""
        return self.exercises.setdefault(name, ExerciseProgress())

    def done(self, step):
        if step.kind == "lesson":
            return step.id in self.lessons_read
        if step.kind == "quiz":
            q = self.quizzes.get(step.id)
            return bool(q) and q.max_score > 0 and q.best >= pass_mark(q.max_score)
        entry = self.exercises.get(step.id)
        return bool(entry and entry.passed)

    def passes(self, name, ws=None):
        """The exercise's last check passed, on its file as it is now when ``ws`` is given."""
        entry = self.exercises.get(name)
        if not (entry and entry.passed):
            return False
        return ws is None or not entry.digest or entry.digest == ws.digest(name)

    def record_check(self, result, digest=""):
        """``digest``: the fingerprint of the module this check ran on (Workspace.digest)."""
        entry = self.exercise(result.exercise)
        entry.score, entry.max_score, entry.passed, entry.digest = result.score, result.max_score, result.passed, digest
        entry.ever_passed = entry.ever_passed or result.passed

    def record_reset(self, name):
        """The starting stub is back: the exercise is not done any more."""
        entry = self.exercise(name)
        entry.passed, entry.score, entry.digest = False, 0, ""

    def record_quiz(self, quiz_id, score, max_score):
        before = self.quizzes.get(quiz_id)
        self.quizzes[quiz_id] = QuizProgress(score, max_score, max(score, before.best if before else 0))

    def mark_read(self, lesson_id):
        if lesson_id not in self.lessons_read:
            self.lessons_read.append(lesson_id)

    def to_json(self):
        return {"version": VERSION, "lessons_read": list(self.lessons_read),
                "quizzes": {k: asdict(q) for k, q in self.quizzes.items()},
                "exercises": {k: asdict(e) for k, e in self.exercises.items()}}


def pass_mark(maximum):
    """How many right answers a quiz of ``maximum`` questions needs: QUIZ_PASS of them, rounded up."""
    return math.ceil(round(QUIZ_PASS * maximum, 9))


def path(workspace):
    return workspace.state_dir / "progress.json"


ENTRY_FIELDS = {  # what each entry may hold; other keys are ignored, so older and newer files still read
    "quiz": {"score", "max_score", "max", "best"},  # "max": version 1's name of max_score
    "exercise": {"passed", "ever_passed", "score", "max_score", "hints", "gave_up", "digest"},
}


def _quiz(reader, node):
    fields = _fields(reader, node, "quiz")
    score = reader.number(fields["score"], "score", minimum=0)
    key = "max_score" if "max_score" in fields else "max"
    maximum = reader.number(fields[key], key, minimum=0)
    best = reader.number(fields["best"], "best", minimum=0) if "best" in fields else score
    return QuizProgress(score, maximum, best)


def _exercise(reader, node):
    fields = _fields(reader, node, "exercise")
    flag = lambda key, default=False: reader.value(fields[key]) is True if key in fields else default
    number = lambda key: reader.number(fields[key], key, minimum=0) if key in fields else 0
    hints = reader.scalar(fields["hints"], int, "hints", minimum=0) if "hints" in fields else 0
    digest = reader.value(fields["digest"]) if "digest" in fields else ""
    return ExerciseProgress(flag("passed"), flag("ever_passed", flag("passed")), number("score"), number("max_score"),
                            hints, flag("gave_up"), digest if isinstance(digest, str) else "")


def _fields(reader, node, kind):
    if not isinstance(node, yaml.MappingNode):
        reader.fail(node, f"a {kind} entry should be a mapping")
    fields = {reader.value(k): v for k, v in node.value}
    if kind == "quiz":
        for key in ("score", "max_score"):
            if key not in fields and not (key == "max_score" and "max" in fields):
                reader.fail(node, f"the quiz entry has no '{key}'")
    return {k: v for k, v in fields.items() if k in ENTRY_FIELDS[kind]}


def load(workspace):
    """The workspace's progress. What can't be read is set aside (kept, never deleted) and dropped; the
    note names each dropped entry with its line and what was wrong."""
    if not workspace.managed:
        return Progress()
    file = path(workspace)
    if not file.exists():
        return Progress()
    try:
        text = file.read_text(encoding="utf-8")
        data = json.loads(text)  # JSON decides what is valid; the YAML nodes below only give line numbers
        if not isinstance(data, dict):
            raise ValueError("it is not a JSON object")
        root = _nodes(text, file)
    except (ValueError, UnicodeDecodeError) as exc:
        return Progress(problem=f"your progress file could not be read ({exc}); it was moved to {set_aside(file).name}. "
                                "`learnnn check NAME` marks passed exercises done again.")
    reader, top = schema.Reader(file), {reader_key.value: node for reader_key, node in root.value}
    progress, dropped = Progress(), []
    lessons = top.get("lessons_read")
    if lessons is not None:
        if isinstance(lessons, yaml.SequenceNode):
            progress.lessons_read = [x for x in (reader.value(n) for n in lessons.value) if isinstance(x, str)]
        else:
            dropped.append(f"lessons_read (line {schema.line(lessons)}: should be a list)")
    for kind, store, read in (("quiz", progress.quizzes, _quiz), ("exercise", progress.exercises, _exercise)):
        section = top.get(kind + ("zes" if kind == "quiz" else "s"))
        if not isinstance(section, yaml.MappingNode):
            continue
        for key, node in section.value:
            try:
                store[str(reader.value(key))] = read(reader, node)
            except schema.SchemaError as exc:
                dropped.append(f"{kind} {reader.value(key)} (line {exc.line}: {exc.what})")
    if dropped:
        progress.problem = (f"your progress file could not be read in full ({'; '.join(dropped)}); "
                            f"it was moved to {set_aside(file).name}. What could be read is kept; "
                            "`learnnn check NAME` fills in the rest.")
    return progress


def _nodes(text, file):
    """The YAML nodes of a JSON text already known to be valid; a mapping without lines if YAML disagrees."""
    try:
        root = schema.compose_text(text, file)
    except schema.SchemaError:
        root = None
    if isinstance(root, yaml.MappingNode):
        return root
    return yaml.representer.SafeRepresenter().represent_data(json.loads(text))


def set_aside(file):
    """Move an unreadable progress file out of the way, never deleting it; returns where it went."""
    kept = file.with_name(f"progress.corrupt-{time.strftime('%Y%m%d-%H%M%S')}.json")
    os.replace(file, kept)
    return kept


def save(workspace, progress):
    if not workspace.managed:
        return
    # written whole or not at all: a crash never leaves half a file
    atomic_write(path(workspace), json.dumps(progress.to_json(), indent=2, sort_keys=True))
