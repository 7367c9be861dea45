"""What a learner has done: lessons read, quiz scores, exercises passed, hints seen.

Stored as .learnnn/progress.json in a workspace. A corrupt or hand-edited file
is set aside (never deleted) and rebuilt; checks re-run fill it in again.
"""
import json
import os
import time
from dataclasses import asdict, dataclass, field

QUIZ_PASS = 0.8  # a quiz counts as done at 80% right
VERSION = 1


@dataclass
class Progress:
    lessons_read: list = field(default_factory=list)
    quizzes: dict = field(default_factory=dict)  # id -> {"score", "max"}
    exercises: dict = field(default_factory=dict)  # name -> {"passed", "score", "max_score", "hints", "gave_up"}
    problem: str = ""  # set when the stored file could not be read

    def exercise(self, name):
        return self.exercises.setdefault(name, {"passed": False, "score": 0, "max_score": 0, "hints": 0, "gave_up": False})

    def done(self, step):
        if step.kind == "lesson":
            return step.id in self.lessons_read
        if step.kind == "quiz":
            q = self.quizzes.get(step.id)
            return bool(q) and q.get("max", 0) > 0 and q.get("best", q.get("score", 0)) >= QUIZ_PASS * q["max"]
        return bool(self.exercises.get(step.id, {}).get("passed"))

    def record_check(self, result):
        entry = self.exercise(result.exercise)
        entry.update(score=result.score, max_score=result.max_score)
        entry["passed"] = entry["passed"] or result.passed  # once passed, an exercise stays done

    def record_quiz(self, quiz_id, score, maximum):
        best = max(score, self.quizzes.get(quiz_id, {}).get("best", 0))
        self.quizzes[quiz_id] = {"score": score, "max": maximum, "best": best}

    def mark_read(self, lesson_id):
        if lesson_id not in self.lessons_read:
            self.lessons_read.append(lesson_id)


def path(workspace):
    return workspace.state_dir / "progress.json"


def load(workspace):
    if not workspace.managed:
        return Progress()
    file = path(workspace)
    if not file.exists():
        return Progress()
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        progress = Progress(lessons_read=[str(x) for x in data.get("lessons_read", [])],
                            quizzes={str(k): dict(v) for k, v in data.get("quizzes", {}).items()},
                            exercises={str(k): dict(v) for k, v in data.get("exercises", {}).items()})
        for entry in progress.exercises.values():
            entry.setdefault("passed", False), entry.setdefault("hints", 0), entry.setdefault("gave_up", False)
            if not isinstance(entry["hints"], int):
                raise ValueError("hints is not a number")
        return progress
    except (ValueError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        kept = file.with_name(f"progress.corrupt-{time.strftime('%Y%m%d-%H%M%S')}.json")
        os.replace(file, kept)
        return Progress(problem=f"your progress file could not be read ({exc}); it was moved to {kept.name} "
                                "and progress starts again. `learnnn check NAME` marks passed exercises done again.")


def save(workspace, progress):
    if not workspace.managed:
        return
    workspace.state_dir.mkdir(exist_ok=True)
    data = asdict(progress)
    data.pop("problem")
    data["version"] = VERSION
    tmp = path(workspace).with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path(workspace))  # atomic: a crash never leaves half a file
