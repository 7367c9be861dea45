"""Help for a stuck learner, each step recorded in the workspace's progress file: the next hint, the
starting stub back, the reference solution once earned (or given up for). Nothing is printed."""
from dataclasses import dataclass

from . import progress, workspace
from .errors import LearnnnError


@dataclass
class Hint:
    number: int  # 1-based: the first hint is a nudge, the last all but the answer
    count: int  # how many hints the exercise has
    text: str

    @property
    def last(self):
        return self.number == self.count


def next_hint(*, ws, state, exercise):
    """The hint after the last one shown for ``exercise`` (the last one again once all were shown),
    counted in ``state`` and saved into ``ws``."""
    entry = state.exercise(exercise.name)
    shown = min(max(entry.hints, 0), len(exercise.hints) - 1)
    entry.hints = shown + 1
    progress.save(ws, state)
    return Hint(shown + 1, len(exercise.hints), exercise.hints[shown])


def reset_exercise(*, ws, state, exercise):
    """workspace.reset (the stub back, the learner's version kept in .learnnn/backups/), and the exercise
    unticked in ``state`` when the file changed. Returns workspace.ResetReport."""
    report = workspace.reset(ws, exercise)
    if report.restored:
        state.record_reset(exercise.name)
        progress.save(ws, state)
    return report


@dataclass
class Solution:
    """The reference solution, when the learner may see it; ``gave_up`` when this look was recorded as giving up."""

    shown: bool
    reference: str = ""  # the reference module's source
    mine: str = None  # the learner's module's source, None when it can't be read
    gave_up: bool = False
    passed: bool = False  # the learner's code passes now
    score: float = 0  # the last check's score and maximum (0 and 0 before any check)
    max_score: float = 0
    hints_seen: int = 0


def open_solution(*, ws, state, exercise, give_up=False):
    """The reference solution of ``exercise``, shown once the learner's code has passed (or ever passed, or
    they gave up before); ``give_up`` shows it anyway and records that in ``state``. Raises LearnnnError when
    this version of learnnn has none."""
    if not exercise.solution.is_file():
        raise LearnnnError(f"this version of learnnn has no reference solution for {exercise.name}")
    entry = state.exercises.get(exercise.name) or progress.ExerciseProgress()
    earned = entry.passed or entry.ever_passed or entry.gave_up
    seen = Solution(shown=earned or give_up, passed=entry.passed, score=entry.score, max_score=entry.max_score,
                    hints_seen=min(entry.hints, len(exercise.hints)))
    if not seen.shown:
        return seen
    if not earned:
        state.exercise(exercise.name).gave_up = seen.gave_up = True
        progress.save(ws, state)
    try:
        seen.mine = ws.module(exercise).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        pass
    seen.reference = exercise.solution.read_text(encoding="utf-8")
    return seen
