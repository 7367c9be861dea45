"""tutoring as a library: hints counted, resets unticking, the reference solution only once earned."""
import pytest

from learnnn import manifest, progress, tutoring, workspace
from learnnn.errors import LearnnnError

COURSE = manifest.load()
ACTIVATIONS = COURSE.exercise("activations")


@pytest.fixture
def ws(tmp_path):
    workspace.init(COURSE, tmp_path / "ws")
    return workspace.find(COURSE, tmp_path / "ws")


def test_hints_go_one_further_each_time_and_stop_at_the_last(ws):
    count = len(ACTIVATIONS.hints)
    shown = [tutoring.next_hint(ws=ws, state=progress.load(ws), exercise=ACTIVATIONS) for _ in range(count + 1)]
    assert [h.number for h in shown] == [*range(1, count + 1), count]
    assert [h.text for h in shown[:count]] == list(ACTIVATIONS.hints) and shown[-1].last and not shown[0].last
    assert progress.load(ws).exercises["activations"].hints == count


def test_a_reset_unticks_only_when_the_file_changed(ws):
    state = progress.load(ws)
    entry = state.exercise("activations")
    entry.passed, entry.score = True, 10
    progress.save(ws, state)
    report = tutoring.reset_exercise(ws=ws, state=progress.load(ws), exercise=ACTIVATIONS)
    assert not report.restored and progress.load(ws).exercises["activations"].passed
    ws.module(ACTIVATIONS).write_text("# mine\n")
    report = tutoring.reset_exercise(ws=ws, state=progress.load(ws), exercise=ACTIVATIONS)
    assert report.restored and report.backup.read_text() == "# mine\n"
    assert not progress.load(ws).exercises["activations"].passed


def test_the_solution_waits_for_a_pass_or_a_recorded_give_up(ws):
    ws.module(ACTIVATIONS).write_text("# mine\n")
    seen = tutoring.open_solution(ws=ws, state=progress.load(ws), exercise=ACTIVATIONS)
    assert not seen.shown and seen.reference == "" and not progress.load(ws).exercises.get("activations")
    seen = tutoring.open_solution(ws=ws, state=progress.load(ws), exercise=ACTIVATIONS, give_up=True)
    assert seen.shown and seen.gave_up and seen.mine == "# mine\n"
    assert seen.reference == ACTIVATIONS.solution.read_text()
    assert progress.load(ws).exercises["activations"].gave_up
    again = tutoring.open_solution(ws=ws, state=progress.load(ws), exercise=ACTIVATIONS)
    assert again.shown and not again.gave_up  # recorded once, not again


def test_a_pass_opens_the_solution_without_giving_up(ws):
    state = progress.load(ws)
    entry = state.exercise("activations")
    entry.passed = entry.ever_passed = True
    seen = tutoring.open_solution(ws=ws, state=state, exercise=ACTIVATIONS)
    assert seen.shown and seen.passed and not seen.gave_up and not state.exercises["activations"].gave_up


def test_an_exercise_without_a_reference_solution_is_an_error(ws, tmp_path, monkeypatch):
    monkeypatch.setattr(type(ACTIVATIONS), "solution", property(lambda self: tmp_path / "none.py"), raising=False)
    with pytest.raises(LearnnnError, match="no reference solution"):
        tutoring.open_solution(ws=ws, state=progress.load(ws), exercise=ACTIVATIONS)
