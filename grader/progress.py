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

QUIZ_PASS = 0.8  # a quiz counts as done at 80% right
VERSION = 1


@dataclass
class Progress:
    lessons_read: list = field(default_factory=list)
    quizzes: dict = field(default_factory=dict)  # id -> {"score", "max"}
    # name -> {"passed": its last check passed, "ever_passed", "score", "max_score", "hints", "gave_up"}
    exercises: dict = field(default_factory=dict)
    problem: str = ""  # set when the stored file could not be read

    def exercise(self, name):
        return self.exercises.setdefault(name, {"passed": False, "ever_passed": False, "score": 0, "max_score": 0,
                                                "hints": 0, "gave_up": False})

    def done(self, step):
        if step.kind == "lesson":
            return step.id in self.lessons_read
        if step.kind == "quiz":
            q = self.quizzes.get(step.id)
            return bool(q) and q.get("max", 0) > 0 and q.get("best", q.get("score", 0)) >= pass_mark(q["max"])
        return bool(self.exercises.get(step.id, {}).get("passed"))

    def passes(self, name, ws=None):
        """The exercise's last check passed, on its file as it is now when ``ws`` is given."""
        entry = self.exercises.get(name, {})
        if not entry.get("passed"):
            return False
        return ws is None or not entry.get("digest") or entry["digest"] == ws.digest(name)

    def record_check(self, result, digest=""):
        """``digest``: the fingerprint of the module this check ran on (Workspace.digest)."""
        entry = self.exercise(result.exercise)
        entry.update(score=result.score, max_score=result.max_score, passed=result.passed, digest=digest)
        entry["ever_passed"] = entry.get("ever_passed", False) or result.passed  # a regression drops the tick, not this

    def record_reset(self, name):
        """The starting stub is back: the exercise is not done any more."""
        entry = self.exercise(name)
        entry.update(passed=False, score=0, digest="")

    def record_quiz(self, quiz_id, score, maximum):
        best = max(score, self.quizzes.get(quiz_id, {}).get("best", 0))
        self.quizzes[quiz_id] = {"score": score, "max": maximum, "best": best}

    def mark_read(self, lesson_id):
        if lesson_id not in self.lessons_read:
            self.lessons_read.append(lesson_id)


def pass_mark(maximum):
    """How many right answers a quiz of ``maximum`` questions needs: QUIZ_PASS of them, rounded up."""
    return math.ceil(round(QUIZ_PASS * maximum, 9))


def path(workspace):
    return workspace.state_dir / "progress.json"


ENTRY_FIELDS = {  # what each entry may hold; other keys are ignored, so older and newer files still read
    "quiz": {"score", "max", "best"},
    "exercise": {"passed", "ever_passed", "score", "max_score", "hints", "gave_up", "digest"},
}


def _quiz(reader, node):
    fields = _fields(reader, node, "quiz")
    score, maximum = (reader.number(fields.get(k), k, minimum=0) for k in ("score", "max"))
    best = reader.number(fields["best"], "best", minimum=0) if "best" in fields else score
    return {"score": score, "max": maximum, "best": best}


def _exercise(reader, node):
    fields = _fields(reader, node, "exercise")
    flag = lambda key, default=False: reader.value(fields[key]) is True if key in fields else default
    number = lambda key: reader.number(fields[key], key, minimum=0) if key in fields else 0
    hints = reader.scalar(fields["hints"], int, "hints", minimum=0) if "hints" in fields else 0
    digest = reader.value(fields["digest"]) if "digest" in fields else ""
    return {"passed": flag("passed"), "ever_passed": flag("ever_passed", flag("passed")), "score": number("score"),
            "max_score": number("max_score"), "hints": hints, "gave_up": flag("gave_up"),
            "digest": digest if isinstance(digest, str) else ""}


def _fields(reader, node, kind):
    if not isinstance(node, yaml.MappingNode):
        reader.fail(node, f"a {kind} entry should be a mapping")
    fields = {reader.value(k): v for k, v in node.value}
    if kind == "quiz":
        for key in ("score", "max"):
            if key not in fields:
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
    data = asdict(progress)
    data.pop("problem")
    data["version"] = VERSION
    atomic_write(path(workspace), json.dumps(data, indent=2, sort_keys=True))  # a crash never leaves half a file
