"""quizattempt as a library: an answer sheet graded, an attempt recorded, the best sheet kept for submit."""
import pytest

from learnnn import manifest, progress, quiz, quizattempt, workspace
from learnnn.errors import LearnnnError

COURSE = manifest.load()
LESSON = COURSE.lessons[0]


def right(chosen):
    return {q.id: list(q.answer) if q.kind == "multiple" else q.answer for q in chosen.questions}


@pytest.fixture
def ws(tmp_path):
    workspace.init(COURSE, tmp_path / "ws")
    return workspace.find(COURSE, tmp_path / "ws")


def attempt(ws, answers, sheet=None):
    chosen = quiz.load(LESSON)
    result = quiz.grade(chosen, answers)
    return result, quizattempt.record(ws=ws, state=progress.load(ws), chosen=chosen, result=result,
                                      answers=answers, sheet=sheet)


def test_an_unreadable_sheet_raises_and_grades_nothing(tmp_path):
    (tmp_path / "sheet.yaml").write_text("- a list\n")
    with pytest.raises(LearnnnError, match="Nothing was graded or recorded"):
        quizattempt.grade_sheet(chosen=quiz.load(LESSON), path=tmp_path / "sheet.yaml")


def test_a_sheet_is_graded_with_its_ids_as_text(tmp_path):
    chosen = quiz.load(LESSON)
    (tmp_path / "sheet.yaml").write_text("".join(f"{q.id}: {q.answer!r}\n" for q in chosen.questions
                                                 if q.kind in ("single", "numeric")))
    result, answers = quizattempt.grade_sheet(chosen=chosen, path=tmp_path / "sheet.yaml")
    assert result.score == sum(q.kind in ("single", "numeric") for q in chosen.questions) > 0
    assert all(isinstance(k, str) for k in answers)


def test_the_best_sheet_is_kept_and_the_attempt_recorded(ws):
    chosen = quiz.load(LESSON)
    full = {**right(chosen), "no-such-question": "a"}
    result, recorded = attempt(ws, full)
    saved = ws.root / "answers" / f"{LESSON.id}.yaml"
    assert recorded.saved == saved and recorded.kept_best is None
    assert quiz.read_sheet(saved)[0] == right(chosen)  # what the quiz doesn't ask is not kept
    worse = dict(full, **{chosen.questions[0].id: 1e9 if chosen.questions[0].kind == "numeric" else "z"})
    result, recorded = attempt(ws, worse)
    assert recorded.saved is None and recorded.kept_best == result.max_score
    assert quiz.read_sheet(saved)[0] == right(chosen)
    entry = progress.load(ws).quizzes[LESSON.id]
    assert (entry.score, entry.best) == (result.max_score - 1, result.max_score)


def test_the_learners_own_sheet_is_never_rewritten(ws):
    saved = ws.root / "answers" / f"{LESSON.id}.yaml"
    saved.parent.mkdir()
    saved.write_text("# my notes\n")
    _, recorded = attempt(ws, right(quiz.load(LESSON)), sheet=saved)
    assert recorded.saved is None and saved.read_text() == "# my notes\n"


def test_a_plain_folder_keeps_no_sheet(tmp_path):
    (tmp_path / "activations.py").write_text("")
    plain = workspace.find(COURSE, tmp_path)
    assert not plain.managed
    _, recorded = attempt(plain, right(quiz.load(LESSON)))
    assert recorded == quizattempt.Recorded() and not (tmp_path / "answers").exists()
