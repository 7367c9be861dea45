"""Model grading at the floor: NumPy splits, two workers, early stop, and the same grade every way."""
import json
import subprocess
import sys

import numpy as np
import pytest

from learnnn import datasets, manifest, modelgrading

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the sandbox needs POSIX")


@pytest.mark.parametrize("n", [150, 1797, 7])
def test_the_lessons_split_is_scikit_learns(n):
    from sklearn.model_selection import train_test_split

    train, test = modelgrading.lessons_split(n)
    expected_train, expected_test = train_test_split(np.arange(n), test_size=0.2, random_state=42)
    assert np.array_equal(train, expected_train) and np.array_equal(test, expected_test)


@pytest.mark.parametrize("name", ["iris", "digits"])
def test_hidden_splits_are_stratified_disjoint_and_reproducible(name):
    _, y = datasets.load(name)
    train, test = modelgrading.stratified_split(y, 0.2, 1000)
    assert len(test) == int(np.ceil(0.2 * len(y))) and len(train) + len(test) == len(y)
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(len(y)))
    counts, in_test = np.bincount(y), np.bincount(y[test], minlength=y.max() + 1)
    assert np.all(np.abs(in_test - counts * len(test) / len(y)) < 1)  # each class in proportion, within one row
    again = modelgrading.stratified_split(y, 0.2, 1000)
    assert np.array_equal(train, again[0]) and np.array_equal(test, again[1])
    assert not np.array_equal(np.sort(test), np.sort(modelgrading.stratified_split(y, 0.2, 1001)[1]))


# Runs in a fresh interpreter, so that sys.modules shows what a check imports.
SCRIPT = '''
import json, sys
from learnnn import manifest
from learnnn.check import run_checks
course = manifest.load()
out = {}
for lanes, early_stop in [(1, False), (2, False), (2, True), (1, True)]:
    result = run_checks(course=course, source_dir=sys.argv[1], exercises=["iris"], lanes=lanes, early_stop=early_stop)[0]
    out[f"{lanes} {early_stop}"] = result.to_json()
out["sklearn"] = sorted(m for m in sys.modules if m.split(".")[0] == "sklearn")
print(json.dumps(out))
'''


def run(folder):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(folder)], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def timeless(result):
    return {**result, "metrics": {k: v for k, v in result["metrics"].items() if k != "seconds"}, "seconds": 0}


def verdicts(result):
    return result["score"], [(t["name"], t["passed"], t["kind"]) for t in result["tests"]]


def test_a_model_that_falls_short_gets_the_same_grade_with_early_stop_and_two_workers(tmp_path):
    # Right on the lessons' split (where the columns keep their order), a constant class elsewhere.
    (tmp_path / "iris.py").write_text(
        "import numpy as np\n\n\ndef fit_iris(X_train, y_train, seed=0):\n"
        "    W = np.zeros((4, 3)); W[0, 0] = -5.0; W[2, 2] = 5.0; W[3, 2] = 5.0\n"
        "    return {'W1': W, 'b1': np.zeros(3)}, X_train.mean(axis=0), X_train.std(axis=0)\n")
    out = run(tmp_path)
    assert out.pop("sklearn") == []  # data and splits come without scikit-learn in the trusted process
    full = out["1 False"]
    assert full["score"] == 0 and len([k for k in full["metrics"] if k.startswith("accuracy_")]) == 10
    assert timeless(out["2 False"]) == timeless(full)  # two workers: the very same result
    for stopped in (out["2 True"], out["1 True"]):
        assert verdicts(stopped) == verdicts(full)
        trained = [k for k in stopped["metrics"] if k.startswith("accuracy_")]
        assert 1 <= len(trained) < 10  # it did stop early
        assert all(stopped["metrics"][k] == full["metrics"][k] for k in trained)


@pytest.mark.slow
def test_the_reference_gets_the_same_result_from_one_worker_or_two(tmp_path):
    for name in ("activations", "layers", "losses", "backprop", "training", "iris"):
        (tmp_path / f"{name}.py").write_bytes((manifest.data_dir("solutions") / f"{name}.py").read_bytes())
    out = run(tmp_path)
    out.pop("sklearn")
    results = [timeless(r) for r in out.values()]
    assert results[0]["passed"] and all(r == results[0] for r in results)


def test_check_prints_its_result_before_it_draws_the_training_plot(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from learnnn import plots
    from learnnn.cli import app

    ws = tmp_path / "ws"
    CliRunner().invoke(app, ["init", str(ws)], catch_exceptions=False)
    (ws / "and_gate.py").write_bytes((manifest.data_dir("solutions") / "and_gate.py").read_bytes())
    seen = []
    monkeypatch.setattr(plots, "save_training_plot", lambda ws, result: seen.append(sys.stdout.buffer.getvalue()))
    result = CliRunner().invoke(app, ["check", "and_gate", "--workspace", str(ws)], catch_exceptions=False)
    assert result.exit_code == 0 and len(seen) == 1
    assert b"and_gate: all" in seen[0]  # the result line was out before drawing began
