"""A quiz attempt: grading an answer sheet, and recording an attempt in the learner's workspace.

What `learnnn quiz` does around its questions (asking them is the CLI's); nothing is printed.
"""
from dataclasses import dataclass
from pathlib import Path

from . import progress, quiz
from .errors import LearnnnError
from .submit import ANSWERS


def grade_sheet(*, chosen, path):
    """Grade the answer sheet at ``path`` (YAML or JSON, {question id: answer}) against the Quiz ``chosen``.

    Returns (QuizResult, {question id: answer}). Raises LearnnnError when the sheet can't be read: nothing
    is graded, so nothing should be recorded.
    """
    answers, problems = quiz.read_sheet(path)
    if problems:
        raise LearnnnError(f"{'; '.join(problems)}. Nothing was graded or recorded.")
    answers = {str(k): v for k, v in answers.items()}
    return quiz.grade(chosen, answers), answers


@dataclass
class Recorded:
    """Where an attempt went besides the progress file."""

    saved: Path = None  # answers/<quiz id>.yaml, written for `learnnn submit`; None when not written
    kept_best: int = None  # an earlier sheet scored this many, more than this attempt: it was kept


def record(*, ws, state, chosen, result, answers, sheet=None):
    """Record the attempt ``result`` at the Quiz ``chosen`` in ``state`` (saved into ``ws``'s progress file)
    and, in a managed workspace, keep the answers in answers/<quiz id>.yaml for `learnnn submit`: unless an
    earlier attempt scored higher, or ``sheet`` (the file just graded) is that file, which is the learner's
    own and never rewritten. Answers to questions the quiz doesn't ask are not kept."""
    best = state.quizzes[chosen.id].best if chosen.id in state.quizzes else 0
    state.record_quiz(chosen.id, result.score, result.max_score)
    progress.save(ws, state)
    if not ws.managed:
        return Recorded()
    saved = ws.root / ANSWERS / f"{chosen.id}.yaml"
    if saved.is_file() and result.score < best:
        return Recorded(kept_best=best)
    if sheet is not None and Path(sheet).resolve() == saved.resolve():
        return Recorded()
    quiz.write_sheet(saved, {q.id: answers[q.id] for q in chosen.questions if q.id in answers})
    return Recorded(saved=saved)
