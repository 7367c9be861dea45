"""Lessons: in the manifest's order, each ending with its exercises and commands, figures present,
and written in our own words (no long run of words shared with the source pages)."""
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from learnnn import manifest
from learnnn.cli import app

COURSE = manifest.load()
# Beside a checkout of main; a worktree elsewhere points at them with LEARNNN_SEEDS.
SEEDS = Path(os.environ.get("LEARNNN_SEEDS") or Path(__file__).resolve().parents[2] / "shared" / "seeds")


@pytest.mark.parametrize("lesson", COURSE.lessons, ids=lambda l: l.id)
def test_lesson_ends_with_its_exercises_and_commands(lesson):
    text = lesson.path.read_text()
    # The id names the lesson's place in the finished course ("14-beyond"), so the title follows it.
    assert text.startswith(f"# {int(lesson.id.split('-')[0])}. "), "the title should carry the lesson's number"
    tail = text[text.rindex("## Your turn"):]
    assert f"learnnn quiz {lesson.id}" in tail
    for name in lesson.exercises:
        assert f"{name}.py" in tail and f"learnnn check {name}" in tail


def test_figures_exist_and_at_least_five_lessons_carry_one():
    with_figures = 0
    for lesson in COURSE.lessons:
        images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", lesson.path.read_text())
        for image in images:
            assert (lesson.path.parent / image).is_file(), f"{lesson.id}: missing {image}"
            # The figures ship in the wheel; make_figures.py keeps them small (dpi 100).
            assert (lesson.path.parent / image).stat().st_size < 150_000, f"{lesson.id}: {image} is too big"
        with_figures += bool(images)
    assert with_figures >= 5


def words(text):
    return re.sub(r"[^a-z0-9 ]+", " ", text.lower()).split()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source pages are not beside this checkout")
def test_no_run_of_eight_words_from_the_sources():
    n = 8
    seen = set()
    for seed in SEEDS.glob("*.txt"):
        w = words(seed.read_text(errors="ignore"))
        seen.update(tuple(w[i:i + n]) for i in range(len(w) - n + 1))
    copied = []
    for path in sorted(manifest.data_dir("lessons").rglob("*")):
        if path.suffix in {".md", ".yaml", ".py"}:
            w = words(path.read_text())
            copied += [f"{path.name}: {' '.join(w[i:i + n])}" for i in range(len(w) - n + 1) if tuple(w[i:i + n]) in seen]
    assert not copied, copied[:10]


def test_lesson_renders_in_the_terminal_without_markup():
    result = CliRunner().invoke(app, ["lesson", "02-activations"], env={"NO_COLOR": "1"})
    assert result.exit_code == 0
    assert "```" not in result.output and "\x1b[" not in result.output
    assert "[figure:" in result.output
