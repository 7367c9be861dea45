"""Lessons 12 (regularisation) and 13 (optimisers) state only numbers that the reference code computes:
the experiments of lessons/scripts/make_chapter_figures.py, the lessons' Python snippets, and the quiz answers."""
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from learnnn import manifest

LESSONS = manifest.data_dir("lessons")


@pytest.fixture(scope="module")
def chapters():
    """lessons/scripts/make_chapter_figures.py, which puts solutions/ on sys.path; both leave it afterwards."""
    saved = list(sys.path)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lessons" / "scripts"))  # a checkout's scripts
    import make_chapter_figures
    yield make_chapter_figures
    sys.path[:] = saved


def text(lesson):
    return " ".join((LESSONS / f"{lesson}.md").read_text().split())  # phrases may wrap across lines


def quiz(lesson):
    return {q["id"]: q for q in yaml.safe_load((LESSONS / "quizzes" / f"{lesson}.yaml").read_text())["questions"]}


def expect_in(lesson, *numbers):
    body = text(lesson)
    missing = [n for n in numbers if n not in body]
    assert not missing, f"{lesson} no longer says {missing}: rerun the experiment and update the lesson"


@pytest.mark.parametrize("lesson", ["12-regularization", "13-optimizers"])
def test_python_snippets_run(lesson, capsys, chapters):
    blocks = re.findall(r"```python\n(.*?)```", (LESSONS / f"{lesson}.md").read_text(), re.S)
    for block in blocks:
        exec(compile(block, lesson, "exec"), {})
    printed = capsys.readouterr().out
    for block in blocks:
        for expected in re.findall(r"print\(.*\)\s+# (.+)", block):
            assert expected.strip() in printed


def test_regularisation_numbers(chapters):
    runs = chapters.regularisation_runs()
    plain = runs[0.0]
    expect_in("12-regularization", f"after epoch {plain['best']}", f"at {plain['best_val']:.3f}",
              f"to {plain['last_train']:.3f}", f"rises to {plain['last_val']:.3f}",
              f"stops after {runs['early']['epochs_run']} epochs", f"weights of epoch {runs['early']['best']}",
              f"accuracy of {runs['early']['test_accuracy']:.3f}")
    reg = chapters.REG
    expect_in("12-regularization", f"`{reg['layer_sizes']}`", f"`lr = {reg['lr']:g}`", f"batch size {reg['batch_size']}",
              f"for {reg['epochs']} epochs", f"`patience = {chapters.PATIENCE}`")
    assert runs["early"]["best"] == plain["best"]
    for lam in chapters.LAMS:
        expect_in("12-regularization", f"| {lam:g} | {runs[lam]['last_train']:.3f} | {runs[lam]['last_val']:.3f} |")
    # The lesson's story: up to 0.03 a larger lam trades training loss for validation loss; lam = 1 underfits,
    # both losses near ln 3, the loss of uniform guesses.
    last_val = [runs[lam]["last_val"] for lam in chapters.LAMS[:3]]
    assert last_val == sorted(last_val, reverse=True)
    assert abs(runs[1.0]["last_train"] - np.log(3)) < 0.01 and abs(runs[1.0]["last_val"] - np.log(3)) < 0.01
    expect_in("12-regularization", f"ln 3 = {np.log(3):.3f}")


def test_regularisation_worked_numbers(chapters):
    from regularization import l2_penalty

    W = {"W1": np.array([[0.5, -1.0]]), "b1": np.array([3.0, 3.0])}
    penalty = l2_penalty(W, 0.1)
    mean, kept = chapters.dropout_mean()
    expect_in("12-regularization", f"= {penalty:g}`", f"fraction {kept:.3f}", f"is {mean:.3f}",
              "`[[0.05, -0.1]]`")
    assert np.allclose(0.1 * W["W1"], [[0.05, -0.1]])


def test_optimiser_numbers(chapters):
    paths, runs = chapters.ravine_paths(), chapters.optimizer_runs()
    expect_in("13-optimizers", f"`f = {paths['sgd']['loss'][0]:g}`", f"needs {paths['sgd']['reached']} steps",
              f"{paths['momentum']['reached']} (momentum), {paths['rmsprop']['reached']} (RMSProp) and "
              f"{paths['adam']['reached']} (Adam)", f"`lr = {chapters.RAVINE_LR['sgd']:g}`")
    digits = chapters.DIGITS
    expect_in("13-optimizers", f"`{digits['layer_sizes']}`", f"for {digits['epochs']} epochs",
              f"batch size {digits['batch_size']}", f"the same `lr = {digits['lr']:g}`")
    for name, run in runs.items():
        expect_in("13-optimizers", f"| {name} | {run['last_loss']:.3g} | {run['test_accuracy']:.3f} |")


def test_optimiser_claims(chapters):
    """The sentences around the table: momentum at 0.01 is close to SGD at 0.1; RMSProp at 0.01 spikes."""
    from optimizers import train_with_optimizer

    X_train, _, y_train, _ = chapters.digits_split()
    sgd = train_with_optimizer(X_train, y_train, optimizer="sgd", **{**chapters.DIGITS, "lr": 0.1})[1]["loss"]
    momentum = chapters.optimizer_runs()["momentum"]["history"]["loss"]
    assert abs(sgd[-1] - momentum[-1]) < 0.1 * sgd[-1]
    rmsprop = np.asarray(chapters.optimizer_runs()["rmsprop"]["history"]["loss"])
    assert (np.diff(rmsprop) > 0).sum() >= 3
    # Adam's corrected first step is lr; uncorrected it would be 0.1 / sqrt(0.001) times lr.
    expect_in("13-optimizers", f"{0.1 / np.sqrt(0.001):.2f} times `lr`", f"`lr < 2 / 50 = {2 / chapters.STEEP:g}`")


def test_quiz_answers_come_from_the_reference(chapters):
    from optimizers import adam_step, momentum_step, rmsprop_step
    from regularization import dropout_forward, l2_penalty

    q12, q13 = quiz("12-regularization"), quiz("13-optimizers")
    params = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([3.0, 3.0]), "W2": np.array([[2.0], [-1.0]]),
              "b2": np.array([5.0])}
    assert q12["penalty-value"]["answer"] == pytest.approx(l2_penalty(params, 0.1))
    assert q12["decay-factor"]["answer"] == pytest.approx(1 - 0.1 * 0.01)
    out, _ = dropout_forward(np.array([2.0]), 0.8, np.random.default_rng(0))
    assert out[0] in (0.0, q12["dropout-value"]["answer"])
    assert q12["dropout-value"]["answer"] == pytest.approx(2.0 / 0.8)
    assert q12["patience-epochs"]["answer"] == chapters.regularisation_runs()["early"]["epochs_run"]

    one = {"w": np.array([0.0])}
    _, state = momentum_step(one, {"w": np.array([2.0])}, None, beta=0.9)
    _, state = momentum_step(one, {"w": np.array([2.0])}, state, beta=0.9)
    assert q13["momentum-two-steps"]["answer"] == pytest.approx(state["v"]["w"][0])
    moved = rmsprop_step(one, {"w": np.array([5.0])}, None, lr=0.001, rho=0.9, eps=0.0)[0]["w"][0]
    assert q13["rmsprop-first-step"]["answer"] == pytest.approx(abs(moved), abs=q13["rmsprop-first-step"]["tolerance"])
    moved = adam_step(one, {"w": np.array([-40.0])}, None, lr=0.001)[0]["w"][0]
    assert q13["adam-first-step"]["answer"] == pytest.approx(moved, rel=1e-6)
    assert q13["sgd-limit"]["answer"] == pytest.approx(2 / chapters.STEEP)
