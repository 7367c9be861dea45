"""What a learner has done: lessons read, quiz scores, exercises passed, hints seen.

Stored as .learnnn/progress.json in a workspace. A corrupt or hand-edited file
is set aside (never deleted) and rebuilt; checks re-run fill it in again.
"""
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field

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


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _quiz(entry):
    if not isinstance(entry, dict) or not all(_number(entry.get(k)) for k in ("score", "max")):
        return None
    best = entry.get("best", entry["score"])
    return {"score": entry["score"], "max": entry["max"], "best": best} if _number(best) else None


def _exercise(entry):
    if not isinstance(entry, dict):
        return None
    clean = {"passed": entry.get("passed") is True,
             "ever_passed": entry.get("ever_passed", entry.get("passed")) is True, "score": entry.get("score", 0), "max_score": entry.get("max_score", 0),
             "hints": entry.get("hints", 0), "gave_up": entry.get("gave_up") is True,
             "digest": entry.get("digest") if isinstance(entry.get("digest"), str) else ""}
    if not (_number(clean["score"]) and _number(clean["max_score"])) or not isinstance(clean["hints"], int) \
            or isinstance(clean["hints"], bool) or clean["hints"] < 0:
        return None
    return clean


def load(workspace):
    """The workspace's progress. What can't be read is set aside (kept, never deleted) and dropped."""
    if not workspace.managed:
        return Progress()
    file = path(workspace)
    if not file.exists():
        return Progress()
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("it is not a JSON object")
    except (ValueError, UnicodeDecodeError) as exc:
        return Progress(problem=f"your progress file could not be read ({exc}); it was moved to {set_aside(file).name}. "
                                "`learnnn check NAME` marks passed exercises done again.")
    lessons = data.get("lessons_read", [])
    quizzes = data.get("quizzes", {}) if isinstance(data.get("quizzes"), dict) else {}
    exercises = data.get("exercises", {}) if isinstance(data.get("exercises"), dict) else {}
    progress = Progress(lessons_read=[x for x in lessons if isinstance(x, str)] if isinstance(lessons, list) else [],
                        quizzes={k: q for k, q in ((k, _quiz(v)) for k, v in quizzes.items()) if q},
                        exercises={k: e for k, e in ((k, _exercise(v)) for k, v in exercises.items()) if e})
    dropped = [f"quiz {k}" for k in quizzes if k not in progress.quizzes] + \
              [f"exercise {k}" for k in exercises if k not in progress.exercises]
    if dropped or not isinstance(lessons, list):
        progress.problem = (f"your progress file could not be read in full ({', '.join(dropped) or 'lessons_read'}); "
                            f"it was moved to {set_aside(file).name}. What could be read is kept; "
                            "`learnnn check NAME` fills in the rest.")
    return progress


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
