"""Lessons: in the manifest's order, each ending with its exercises and commands, figures present,
and written in our own words (no long run of words shared with the source pages)."""
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from learnnn import lessonview, manifest
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


def test_lesson_renders_in_the_terminal_without_markup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["lesson", "02-activations"], env={"NO_COLOR": "1", "COLUMNS": "60"})
    assert result.exit_code == 0
    assert "```" not in result.output and "\x1b[" not in result.output
    assert "Figure: Activation functions and their derivatives, in" in result.output
    source = manifest.load().lesson("02-activations").path.read_text()
    code = {line for block in lessonview.FENCE.finditer(source) for line in block["code"].splitlines()}
    assert [line for line in result.output.splitlines() if len(line) > 60 and line not in code] == []


@pytest.mark.parametrize("lesson", COURSE.lessons, ids=lambda l: l.id)
def test_plain_rendering_has_real_tables_and_no_markup(lesson):
    text = lesson.path.read_text()
    shown = lessonview.lesson(text, width=60)
    assert "\x1b[" not in shown and "```" not in shown and not re.search(r"\*\*[A-Za-z]", shown)
    assert not re.search(r"^\s*\|.*\|\s*$", shown, re.MULTILINE), "a Markdown table printed as raw pipes"
    prose = lessonview.lesson(re.sub(r"```.*?```", "", text, flags=re.DOTALL), width=60)
    assert "`" not in prose, "stray backticks from inline code"
    code = {line for block in lessonview.FENCE.finditer(text) for line in block["code"].splitlines()}
    assert [line for line in shown.splitlines() if len(line) > 60 and line not in code] == []
    assert shown.count("Figure:") == len(lessonview.FIGURE.findall(text))


@pytest.mark.parametrize("color", [False, True], ids=["plain", "colour"])
def test_code_blocks_are_never_rewrapped(color):
    code = ("W1, b1 = rng.standard_normal((3, 4)), rng.standard_normal(4)  # weights of the first layer, "
            "one column per neuron\n    return x")
    shown = lessonview.lesson(f"Some text.\n\n```python\n{code}\n```\n\nMore text.\n", width=40, color=color)
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).rstrip() for line in shown.splitlines()]
    assert code.splitlines()[0] in [line.strip() for line in lines]
    if not color:
        assert code.splitlines()[1] in lines, "plain output keeps code verbatim, indentation included"


def test_a_figure_followed_by_text_is_its_own_paragraph():
    shown = lessonview.lesson("![A neuron](figures/neuron.png) Treat the analogy as a memory aid.\n", width=80)
    caption, _, after = shown.partition("figures/neuron.png")
    assert "Figure: A neuron" in caption and after.startswith("\n\n") and "Treat the analogy" in after
    shown = lessonview.lesson("![A neuron](figures/neuron.png)\nTreat the analogy as a memory aid.\n", width=80)
    assert "neuron.png\n\nTreat the analogy" in shown


def test_inline_code_across_two_source_lines_stays_in_place():
    shown = lessonview.lesson("Call `np.clip(p,\neps, 1 - eps)` before the log.\n", width=80)
    assert shown.strip() == "Call np.clip(p, eps, 1 - eps) before the log."


def test_figures_are_copied_into_the_workspace_and_named_by_a_short_path(tmp_path, monkeypatch):
    runner = CliRunner()
    runner.invoke(app, ["init", str(tmp_path / "ws")])
    monkeypatch.chdir(tmp_path / "ws")
    result = runner.invoke(app, ["lesson", "4"])
    assert "Figure: Decision boundary learned for AND, in figures/and_gate.png" in result.output
    assert (tmp_path / "ws" / "figures" / "and_gate.png").is_file()


def test_figures_option_opens_each_figure(tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr("click.launch", lambda path, **kw: opened.append(path) or 0)
    monkeypatch.setattr("learnnn.cli.learn._can_open_images", lambda: True)
    runner = CliRunner()
    runner.invoke(app, ["init", str(tmp_path / "ws")])
    monkeypatch.chdir(tmp_path / "ws")
    result = runner.invoke(app, ["lesson", "9", "--figures"])
    stated = re.findall(r"\]\((figures/[^)]+\.png)\)", (manifest.data_dir("lessons") / "09-training.md").read_text())
    assert result.exit_code == 0 and opened == stated and "figures/loss_curve.png" in opened


def test_figures_option_without_a_display_prints_the_paths_instead(tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr("click.launch", lambda path, **kw: opened.append(path) or 0)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    runner = CliRunner()
    runner.invoke(app, ["init", str(tmp_path / "ws")])
    monkeypatch.chdir(tmp_path / "ws")
    result = runner.invoke(app, ["lesson", "9", "--figures"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and opened == []
    listed = "\n".join(f"  {path}" for path in ("figures/loss_curve.png", "figures/learning_rates.png"))
    assert f"no display), so open these files yourself:\n{listed}" in result.output
    assert "opening" not in result.output
