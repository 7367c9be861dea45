"""One execution policy and outcome kinds as data, through `learnnn check --json`.

Each call's deadline is the smaller of its own limit and what is left of the
exercise's time budget; every failure carries its kind, set where it was raised.
"""
import json
import re
import sys

import pytest
from click.testing import CliRunner

from learnnn import manifest
from learnnn.budget import Budget
from learnnn.cli import app
from learnnn.outcomes import BudgetExhausted, LearnerTimeout, Outcome

from conftest import full_messages, write_course

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the sandbox needs POSIX")

ACT = (manifest.data_dir("solutions") / "activations.py").read_text()
FUNCTIONS = ("sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad", "leaky_relu", "leaky_relu_grad",
             "softmax")


def init(course_path, ws):
    CliRunner().invoke(app, ["--course", str(course_path), "init", str(ws)], catch_exceptions=False)


def check(course_path, ws, exercise):
    return CliRunner().invoke(app, ["--course", str(course_path), "check", exercise, "--json",
                                    "--workspace", str(ws)], catch_exceptions=False)


# ------------------------------------------------------------------ the budget on its own


def test_a_call_gets_what_is_left_of_the_budget_and_none_once_it_is_spent():
    exercise = manifest.load().exercise("activations")
    budget = Budget(exercise, seconds=25)
    given = []
    assert budget.run("sigmoid", lambda timeout: given.append(timeout) or "value") == "value"
    assert given == [exercise.time_limit]  # the call's own limit, smaller than the budget
    budget.used = 22.5
    assert budget.run("tanh", lambda timeout: given.append(timeout) or 1) == 1
    assert 0 < given[-1] <= 2.5  # what is left, smaller than the call's limit

    def hangs(timeout):
        given.append(timeout)
        raise LearnerTimeout("relu did not return")

    with pytest.raises(BudgetExhausted, match="relu was stopped") as cut:
        budget.run("relu", hangs)
    assert cut.value.outcome is Outcome.BUDGET_EXHAUSTED
    calls = len(given)
    with pytest.raises(BudgetExhausted, match="while relu was running"):
        budget.run("softmax", lambda timeout: given.append(timeout))
    assert len(given) == calls and budget.calls == 3  # the last call never reached the worker


def test_a_call_that_overruns_its_own_limit_is_timed_out_not_out_of_budget():
    budget = Budget(manifest.load().exercise("activations"), seconds=100)

    def hangs(timeout):
        raise LearnerTimeout("sigmoid did not return")

    with pytest.raises(LearnerTimeout) as info:
        budget.run("sigmoid", hangs)
    assert not isinstance(info.value, BudgetExhausted) and info.value.outcome is Outcome.TIMED_OUT


# ------------------------------------------------------------------ through the CLI


def test_code_that_loops_everywhere_costs_the_budget_not_a_limit_per_test(tmp_path):
    course_path = write_course(tmp_path / "course.yaml", lessons=2, time_limit=1, time_budget=3)
    ws = tmp_path / "ws"
    init(course_path, ws)
    (ws / "activations.py").write_text("".join(f"def {f}(*args, **kwargs):\n    while True:\n        pass\n\n\n"
                                               for f in FUNCTIONS))
    result = check(course_path, ws, "activations")
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    kinds = [t["kind"] for t in data["tests"]]
    assert len(kinds) > 20 and "passed" not in kinds
    assert kinds[0] == "timed_out" and set(kinds) == {"timed_out", "budget_exhausted"}
    assert kinds.count("budget_exhausted") >= len(kinds) - 4
    assert data["calls"] <= 3 / 1 + 1  # the budget over the call limit, plus the call it ran out in
    later = full_messages(data["tests"])[[t["name"] for t in data["tests"] if t["kind"] == "budget_exhausted"][-1]]
    spent_by = re.search(r"while (\w+) was running", later)
    assert "time budget of 3 s" in later and spent_by and spent_by.group(1) in FUNCTIONS
    assert data["score"] == 0


def test_every_failure_says_what_kind_it_is_and_what_to_do(tmp_path):
    course_path = write_course(tmp_path / "course.yaml", lessons=2)
    ws = tmp_path / "ws"
    init(course_path, ws)
    (ws / "helpers.py").write_text("def clip(z):\n    return z\n")
    bodies = {
        "sigmoid": "    if np.ndim(z) == 0:\n        print('EARLIER-OUTPUT')\n",  # passes: its output stays with it
        "sigmoid_grad": "    return np.asarray(z, dtype=float)\n",
        "tanh": "    raise NotImplementedError('tanh')\n",
        "tanh_grad": "    open('data.csv').read()\n",
        "relu_grad": "    for _ in range(400):\n        print('x' * 100_000)\n",
        "leaky_relu": "    import sklearn.neural_network\n",
        "leaky_relu_grad": "    import helpers\n",
        "softmax": "    import os\n    os._exit(3)\n",
    }
    module = ACT
    for name, body in bodies.items():
        head = module.index(f"def {name}(")
        colon = module.index(":\n", head) + 2
        module = module[:colon] + body + module[colon:]
    head = module.index("def relu(")
    module = module[:head] + module[head:].replace("def relu(", "def relu_was_here(", 1)  # relu is missing
    (ws / "activations.py").write_text(module)
    result = check(course_path, ws, "activations")
    tests = {t["name"]: t for t in json.loads(result.output)["tests"]}
    expected = {
        "test_sigmoid_single_number": "passed",
        "test_sigmoid_grad_values": "failed",
        "test_tanh_values": "not_implemented",
        "test_tanh_grad_values": "raised",
        "test_relu_values": "missing",
        "test_relu_grad_values": "raised",
        "test_leaky_relu_values": "refused",
        "test_leaky_relu_grad_values": "raised",
        "test_softmax_values": "crashed",
    }
    assert {name: tests[name]["kind"] for name in expected} == expected
    full = full_messages(list(tests.values()))
    message = {name: full[name] for name in expected}
    assert "folder holding only the exercise modules (activations.py)" in message["test_tanh_grad_values"]
    assert "printed more than 16 MB; remove the print in a loop" in message["test_relu_grad_values"]
    assert "Errno 27" not in message["test_relu_grad_values"] and "xxxxx" not in message["test_relu_grad_values"]
    assert ("only the exercise modules (activations.py) are copied into the grader"
            in message["test_leaky_relu_grad_values"])
    assert "put helper code inside activations.py" in message["test_leaky_relu_grad_values"]
    assert "not allowed" in message["test_leaky_relu_values"]
    assert "os._exit()" in message["test_softmax_values"]
    assert not any("EARLIER-OUTPUT" in t["message"] for t in tests.values())
    assert (ws / "activations.py").read_text() == module and (ws / "helpers.py").is_file()
