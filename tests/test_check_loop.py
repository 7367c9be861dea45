"""The check loop follows where the learner is: commands without a name act on the current exercise,
progress tracks the code as it is now (a regression or a reset drops the tick), and failures of
different functions are never merged. Uses the first three lessons (activations, neuron): fast suites."""
import json
import re
import shutil

import pytest
from click.testing import CliRunner

from learnnn import manifest, render
from learnnn.cli import app
from learnnn.results import CheckResult
from learnnn.results import TestOutcome as Outcome

from conftest import write_course


@pytest.fixture
def cli(tmp_path):
    course = write_course(tmp_path / "course.yaml")
    runner = CliRunner()

    def run(*args, **kw):
        return runner.invoke(app, ["--course", str(course), *map(str, args)], **kw)
    return run


@pytest.fixture
def ws(tmp_path, cli):
    assert cli("init", tmp_path / "ws").exit_code == 0
    return tmp_path / "ws"


def solve(ws, name):
    shutil.copy(manifest.data_dir("solutions") / f"{name}.py", ws / f"{name}.py")


def done(cli, ws, name):
    listed = json.loads(cli("list", "--json", "--workspace", ws).output)
    return next(s for s in listed if s["id"] == name)["done"]


def test_check_and_hint_without_a_name_act_on_the_current_exercise(cli, ws):
    first = cli("check", "--workspace", ws)
    assert first.exit_code == 1 and first.output.startswith("✗ activations")
    solve(ws, "activations")
    assert cli("check", "--workspace", ws).exit_code == 0
    now = cli("check", "--workspace", ws)
    assert now.exit_code == 1 and now.output.startswith("✗ neuron")
    assert "Hint 1 of" in cli("hint", "--workspace", ws).output and "for neuron" in cli("hint", "--workspace", ws).output
    assert "for activations" in cli("hint", "Activations", "--workspace", ws).output


def test_when_everything_passes_a_nameless_check_says_what_to_do(cli, ws):
    solve(ws, "activations")
    solve(ws, "neuron")
    assert cli("check", "--all", "--workspace", ws).exit_code == 0
    result = cli("check", "--workspace", ws)
    assert result.exit_code == 2 and "every exercise passes" in result.output and "--all" in result.output


def test_check_all_re_verifies_and_a_regression_drops_the_tick(cli, ws):
    solve(ws, "activations")
    solve(ws, "neuron")
    assert cli("check", "neuron", "--workspace", ws).exit_code == 0 and done(cli, ws, "neuron")
    (ws / "neuron.py").write_text((ws / "neuron.py").read_text().replace("+ float(b)", ""))
    result = cli("check", "--all", "--workspace", ws)
    assert result.exit_code == 1
    assert "✓ activations" in result.output and "✗ neuron" in result.output
    assert "neuron passed before and fail now" in result.output and "1 of 2 pass" in result.output
    assert not done(cli, ws, "neuron") and done(cli, ws, "activations")


def test_watch_never_says_everything_passes_while_an_edited_exercise_fails(cli, ws):
    solve(ws, "activations")
    solve(ws, "neuron")
    cli("check", "--all", "--workspace", ws)
    (ws / "neuron.py").write_text((ws / "neuron.py").read_text().replace("+ float(b)", ""))
    result = cli("watch", "--workspace", ws, "--poll", input="q")
    assert "learnnn watch: neuron" in result.output and "✗ neuron" in result.output
    assert "Every exercise passes" not in result.output


def test_reset_drops_the_tick_and_restores_a_deleted_file(cli, ws):
    solve(ws, "activations")
    cli("check", "activations", "--workspace", ws)
    assert done(cli, ws, "activations")
    (ws / "activations.py").unlink()
    result = cli("reset", "activations", "--workspace", ws)
    assert result.exit_code == 0 and "activations.py was missing: restored the starting stub" in result.output
    assert (ws / "activations.py").read_bytes() == manifest.load().exercise("activations").stub.read_bytes()
    assert not done(cli, ws, "activations")


def test_help_lines_are_never_cut_mid_sentence(cli):
    result = cli("--help", env={"COLUMNS": "60"})
    commands = result.output[result.output.index("Commands:"):]
    assert result.exit_code == 0 and "..." not in commands
    assert "Show a lesson (by id or number, e.g." in result.output and "02-activations or 2)" in result.output


def outcome(name, message):
    return Outcome(name, False, message, 0, 1)


def test_failures_of_different_functions_are_never_merged():
    same = "returned nan: clip with np.clip before taking the log"
    result = CheckResult("losses", [outcome("test_bce_certain_and_wrong_is_finite", same),
                                    outcome("test_bce_uses_eps", same),
                                    *[outcome(f"test_cross_entropy_case_{i}", same) for i in range(4)]])
    shown = render.check_result(result, functions=("mse", "binary_cross_entropy", "cross_entropy", "one_hot"))
    assert "bce certain and wrong is finite (and 1 more like it)" in shown
    assert "cross entropy case 0 (and 3 more like it)" in shown
    every = render.check_result(result, show_all=True)
    assert every.count(same) == 6 and "more like it" not in every


def test_a_stub_reads_as_one_message_per_function():
    stub = [outcome("test_is_implemented[sigmoid]", "sigmoid is not implemented yet"),
            outcome("test_sigmoid_values", "sigmoid is not implemented yet"),
            outcome("test_sigmoid_grad_values", "sigmoid_grad is not implemented yet")]
    shown = render.check_result(CheckResult("activations", stub), functions=("sigmoid", "sigmoid_grad"))
    assert shown.count("sigmoid is not implemented yet") == 1 and "(and 1 more like it)" in shown


def test_messages_wrap_to_the_terminal_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    message = "binary_cross_entropy(p, y) for p = [0.9, 0.2, 0.65, 0.05] returned nan; " * 3
    shown = render.check_result(CheckResult("losses", [outcome("test_bce_values", message)]))
    assert max(map(len, shown.splitlines())) <= 60


def test_one_setup_cause_is_said_once_with_the_count(ws, cli):
    stub = cli("check", "activations", "-w", ws, env={"COLUMNS": "200"})
    total = int(re.search(r"0 of (\d+) tests pass", stub.output)[1])
    assert f"all {total} tests fail for one reason" in stub.output
    assert " ".join(stub.output.split()).count("not implemented yet") == 1 and "more like it" not in stub.output
    (ws / "activations.py").unlink()
    gone = cli("check", "activations", "-w", ws, env={"COLUMNS": "200"})
    assert f"all {total} tests fail for one reason" in gone.output
    gone_text = " ".join(gone.output.split())
    assert gone_text.count("there is no activations.py") == 1 and "learnnn reset activations" in gone_text
    (ws / "activations.py").write_text("import numpy as np\nimport no_such_module_here\n")
    broken = cli("check", "activations", "-w", ws, env={"COLUMNS": "200"})
    assert f"all {total} tests fail for one reason" in broken.output
    assert broken.output.count("No module named") == 1


def test_failures_beyond_the_limit_are_counted_in_plain_english():
    def kinds(n):
        return CheckResult("losses", [outcome(f"test_case_{i}", f"message {i}") for i in range(n)] +
                           [Outcome("test_ok", True, "", 1, 1)])
    assert "and 1 more kind of failure (--all shows every one)" in render.check_result(kinds(9))
    assert "and 2 more kinds of failure" in render.check_result(kinds(10))
