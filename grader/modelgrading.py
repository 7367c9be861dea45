"""Grading the learner's models (iris, digits): train in the worker, score here.

The grader splits the data itself, sends only ``X_train, y_train`` of each
split to the learner's ``fit_*`` in the worker, gets back ``(params, mean,
scale)`` as data, and measures the held-out accuracy in this trusted process
with the reference ``mlp_forward`` on ``(X_test - mean) / scale``: the test
features never reach learner code. Every split is trained once per check; the
suites' tests all read the one :class:`Grading`.

The bundled Iris and digits data are public, so each hidden split shows its
feature columns in a secret order (a permutation seeded from
``LEARNNN_SPLIT_SECRET``, which only this trusted process reads). A network that
standardises and trains from scratch doesn't care; a table of the public samples
no longer matches a test row as it is. That raises the bar, it is no proof of
training: a module that embeds the public data set can match the training rows
by their sorted values, recover the column order, and hand back a network that
has memorised every public sample, test rows included (a red team did, for full
marks). Only data the learner never saw would close that; the course is built on
the bundled data sets. The lessons' split keeps the order the learner sees at
home, so its score can be reproduced.
"""
import ast
import functools
import hashlib
import inspect
import math
import os
import re
import time
from dataclasses import dataclass, field

import numpy as np

from . import reference as references
from .feedback import fail, fmt
from .manifest import data_dir
from .outcomes import LearnerFailure, Outcome

SECRET_ENV = "LEARNNN_SPLIT_SECRET"
DEFAULT_SECRET = "learnnn: set LEARNNN_SPLIT_SECRET to your own value when you grade a class"



@functools.lru_cache(maxsize=None)
def stack(exercise):
    """The course modules ``exercise``'s reference solution builds on, each after those it imports
    (iris: activations, layers, losses, backprop, training), read from the solutions' imports."""
    order = []

    def visit(name):
        tree = ast.parse((data_dir("solutions") / f"{name}.py").read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported = node.module.split(".")[0]
                if imported not in order and (data_dir("solutions") / f"{imported}.py").is_file():
                    visit(imported)
                    order.append(imported)

    visit(exercise)
    return tuple(order)


def _network():
    """How the reference mlp_forward computes by default: "relu hidden layers and a softmax output"."""
    defaults = inspect.signature(references.load("layers").mlp_forward).parameters
    return (f"{defaults['hidden_activation'].default.__name__} hidden layers and a "
            f"{defaults['output_activation'].default.__name__} output")


@dataclass
class Task:
    exercise: str  # "iris"
    func: str  # "fit_iris"
    load: object  # () -> (X, y), from scikit-learn's bundled datasets
    n_classes: int
    target: float  # mean held-out accuracy to reach
    budget: float  # seconds for every split together
    hidden_states: tuple  # random_state of each stratified split beyond the lessons' one
    samples: str = "samples"  # what a row is, for messages: "flowers", "images"
    advice: str = ""  # what to try when the accuracy is short of the target


@dataclass
class Split:
    key: str  # metric suffix: "lessons_split", "split_2", ...
    label: str  # for messages: "the lessons' split", "hidden split 2"
    train: np.ndarray
    test: np.ndarray
    seed: int
    columns: np.ndarray = None  # the order the features are shown in; None keeps the data's own order


@dataclass
class Fit:
    split: Split
    seconds: float
    accuracy: float
    train_accuracy: float
    unscaled_accuracy: float = float("nan")  # on the test rows fed in raw, without (X - mean) / scale


@dataclass
class Grading:
    task: Task
    splits: list
    fits: list = field(default_factory=list)  # one Fit per split that trained and scored
    failure: str = ""  # why grading stopped early, written for the learner
    outcome: Outcome = None  # the kind of that failure
    structural: bool = False  # the failure is in the shape of the returned model
    seconds: float = 0.0

    @property
    def complete(self):
        return not self.failure and len(self.fits) == len(self.splits)

    @property
    def mean_accuracy(self):
        return float(np.mean([f.accuracy for f in self.fits])) if self.fits else float("nan")

    @property
    def reaches_target(self):
        return self.complete and self.mean_accuracy >= self.task.target - 1e-12

    def stop(self, outcome, failure, structural=False):
        self.outcome, self.failure, self.structural = outcome, failure, structural

    def require(self):
        """Fail with the reason grading stopped, if it did."""
        if self.failure:
            raise LearnerFailure(self.failure, outcome=self.outcome)

    def require_target(self):
        """No points for anything else while the model falls short of the target."""
        self.require()
        if not self.reaches_target:
            fail(f"no points for this while the model is short of the target: your function returned a "
                 f"model, but its mean held-out accuracy is {self.mean_accuracy:.3f}, and the target is "
                 f"{self.task.target:.2f} (see the accuracy test).")

    def per_split(self):
        return ", ".join(f"{f.accuracy:.3f}" for f in self.fits)

    def report(self, record_metric):
        for f in self.fits:
            record_metric(f"accuracy_{f.split.key}", round(f.accuracy, 4))
        if self.complete:
            record_metric("mean_accuracy", round(self.mean_accuracy, 4))
        if self.fits or self.outcome in (Outcome.TIMED_OUT, Outcome.BUDGET_EXHAUSTED):
            record_metric("seconds", round(self.seconds, 2))


def make_splits(task, y, n_features, secret=None):
    """The lessons' split (test_size=0.2, random_state=42), then stratified ones the learner does not see.

    Made with NumPy alone (no scikit-learn in the trusted process); the lessons' split
    equals scikit-learn's ``train_test_split`` (tests/test_models_fast.py proves it).
    Each hidden split gets a secret column order (see the module docstring).
    """
    train, test = lessons_split(len(y))
    splits = [Split("lessons_split", "the lessons' split (test_size=0.2, random_state=42)", train, test, 0)]
    for i, state in enumerate(task.hidden_states, start=2):
        train, test = stratified_split(y, 0.2, state)
        key = f"split_{i}"
        splits.append(Split(key, f"hidden split {i}", train, test, i - 1,
                            secret_columns(n_features, f"{task.exercise}/{key}", secret)))
    return splits


def lessons_split(n, test_size=0.2, random_state=42):
    """(train rows, test rows) exactly as ``train_test_split(np.arange(n), test_size, random_state)`` cuts them:
    one permutation from ``RandomState(random_state)``, the first ``ceil(test_size * n)`` rows for testing."""
    n_test = math.ceil(test_size * n)
    order = np.random.RandomState(random_state).permutation(n)
    return order[n_test:], order[:n_test]


def stratified_split(y, test_size, seed):
    """(train rows, test rows) with every class in the test rows in proportion to its size, deterministic per seed.

    ``ceil(test_size * n)`` test rows; each class gets the floor of its share, and the rows
    left over go to the classes with the largest remainders (ties: the smaller label).
    Rows are drawn within each class by ``np.random.default_rng(seed)``; both parts come
    back shuffled, so the training rows' order carries no class pattern.
    """
    rng = np.random.default_rng(seed)
    labels, counts = np.unique(y, return_counts=True)
    n_test = math.ceil(test_size * len(y))
    share = counts * n_test / len(y)
    take = np.floor(share).astype(int)
    for i in np.lexsort((labels, -(share - take)))[:n_test - take.sum()]:
        take[i] += 1
    train, test = [], []
    for label, k in zip(labels, take):
        rows = rng.permutation(np.flatnonzero(y == label))
        test.append(rows[:k])
        train.append(rows[k:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def secret_columns(n_features, name, secret=None):
    """A permutation of range(n_features) that only the holder of the secret can predict; never the identity."""
    secret = secret if secret is not None else os.environ.get(SECRET_ENV) or DEFAULT_SECRET
    seed = int.from_bytes(hashlib.sha256(f"{secret}\0{name}".encode()).digest()[:8], "big")
    order = np.random.default_rng(seed).permutation(n_features)
    return np.roll(order, 1) if (order == np.arange(n_features)).all() else order


# ---------------------------------------------------------------- the returned model


def _per_feature(value, name, n_features, call, hint):
    if value is None or isinstance(value, (dict, str, list, tuple)) and not _numeric_list(value):
        fail(f"the {name} returned by {call} is {fmt(value)[:60]}; it should be a NumPy array of shape "
             f"({n_features},), one value per feature. {hint}")
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        fail(f"the {name} returned by {call} has dtype {arr.dtype}; it should hold numbers")
    if arr.shape not in ((), (1,), (n_features,), (1, n_features)):
        why = ""
        if arr.ndim == 1 and arr.size != n_features:
            why = (f": one value per sample? Compute it over the samples, axis=0, to get one value for each of "
                   f"the {n_features} features")
        fail(f"the {name} returned by {call} has shape {arr.shape}, but it should have shape ({n_features},), "
             f"one value per feature{why}. {hint}")
    return arr.astype(float).reshape(-1) if arr.ndim else arr.astype(float)


def _numeric_list(value):
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except (ValueError, TypeError):
        return False


MAX_PARAMETERS = 1_000_000  # a model the grader will run: a 64-4096-10 digits network holds 307,210
MAX_WIDTH = 4096


def _as_array(value):
    try:
        return np.asarray(value)
    except (ValueError, TypeError):  # a ragged list
        return None


def check_model(got, task, n_features, call):
    """(params, mean, scale) after checking their structure, or a failure that says what is off."""
    if got is None:
        fail(f"{call} returned None: return the trained model as (params, mean, scale)")
    if isinstance(got, dict):
        fail(f"{call} returned a dict (only params?); return the tuple (params, mean, scale), so the grader can "
             "standardise the test data the way you standardised the training data")
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        what = f"a {type(got).__name__} of length {len(got)}" if isinstance(got, (tuple, list)) else \
            f"a {type(got).__name__}"
        fail(f"{call} returned {what}; it should return the tuple (params, mean, scale)"
             + (": did you return train()'s (params, history)?" if isinstance(got, (tuple, list)) and len(got) == 2
                else ""))
    params, mean, scale = got
    if not isinstance(params, dict):
        fail(f"the params returned by {call} (the first of the three) is a {type(params).__name__}; it should be "
             "the dict {'W1': ..., 'b1': ..., ...} that train() returned")
    keys = sorted(params)
    L = sum(1 for k in params if re.fullmatch(r"W\d+", k))
    expected = sorted([f"W{l}" for l in range(1, L + 1)] + [f"b{l}" for l in range(1, L + 1)])
    if L == 0 or keys != expected:
        fail(f"the params returned by {call} has the keys {keys}; it should have W1, b1, ..., WL, bL for an "
             "L-layer network and nothing else, as train() returns them")
    width, total = n_features, 0
    for l in range(1, L + 1):
        W, b = _as_array(params[f"W{l}"]), _as_array(params[f"b{l}"])
        if W is None or b is None or W.dtype.kind != "f" or b.dtype.kind != "f":
            what = ", ".join(f"{k} {'is not an array of numbers' if a is None else f'has dtype {a.dtype}'}"
                            for k, a in ((f"W{l}", W), (f"b{l}", b)) if a is None or a.dtype.kind != "f")
            fail(f"params['W{l}'] and params['b{l}'] returned by {call} should hold floating-point numbers, but "
                 f"{what}: train() starts from float weights (He initialisation) and updates them with float gradients")
        total += W.size + b.size
        if total > MAX_PARAMETERS or W.ndim == 2 and W.shape[1] > MAX_WIDTH:
            # checked before the grader runs the network: its forward pass costs rows x width x 8 bytes per layer
            fail(f"the network returned by {call} is too large to grade ({total:,} parameters so far, W{l} of shape "
                 f"{W.shape}); the grader accepts layers of up to {MAX_WIDTH} units and {MAX_PARAMETERS:,} "
                 "parameters in all, far more than this task needs")
        if W.ndim != 2 or W.shape[0] != width:
            fail(f"params['W{l}'] returned by {call} has shape {W.shape}, but layer {l} receives {width} inputs, "
                 f"so it should have shape ({width}, n_out)"
                 + (f" (the data has {n_features} features)" if l == 1 else ""))
        if b.shape != (W.shape[1],):
            fail(f"params['b{l}'] returned by {call} has shape {b.shape}; it should have shape ({W.shape[1]},), "
                 f"one bias per output of W{l}")
        width = W.shape[1]
    if width != task.n_classes:
        fail(f"the last layer of the network returned by {call} has {width} outputs, but there are "
             f"{task.n_classes} classes: the last layer size should be {task.n_classes}")
    hint = "Compute it on the training data: X_train.mean(axis=0) and X_train.std(axis=0)."
    mean = _per_feature(mean, "mean", n_features, call, hint)
    scale = _per_feature(scale, "scale", n_features, call, hint)
    if not np.isfinite(mean).all():
        fail(f"the mean returned by {call} contains nan or inf")
    bad = np.flatnonzero(~np.isfinite(scale) | (scale == 0))
    if len(bad):
        i = int(bad[0])
        at = f" for feature {i}" if scale.ndim and scale.size > 1 else ""
        fail(f"the scale returned by {call} is {fmt(scale[i])}{at}: the grader divides by scale, so it must not be "
             "0 or nan. A feature that is constant in the training data has a standard deviation of 0: "
             "set scale[scale == 0] = 1 before you standardise and return it.")
    for name in sorted(params):
        if not np.isfinite(np.asarray(params[name], dtype=float)).all():
            fail(f"params[{name!r}] returned by {call} contains nan or inf: training diverged. "
                 "Lower the learning rate, and check that the inputs are standardised without dividing by 0.")
    return params, mean, scale


# ---------------------------------------------------------------- training and scoring


def _explain(exc, task, n_splits, split, fits, side_by_side=False):
    """A learner-facing reason for a LearnerFailure during ``split``, of the failure's own kind.
    ``side_by_side``: splits trained two at a time, so their seconds add up to more than the clock shows."""
    message = str(exc)
    done, elapsed = len(fits), sum(f.seconds for f in fits)
    on = f" (on {split.label}, fit {done + 1} of {n_splits})"
    if exc.outcome is Outcome.REFUSED:
        return (f"{task.func} was refused: {message}. Train it with your own train() from "
                "training.py; scikit-learn's neural networks, PyTorch, TensorFlow and Keras are not "
                "allowed in this exercise.")
    if exc.outcome is Outcome.TIMED_OUT and getattr(exc, "phase", "call") == "call":
        so_far = (f"; the {done} fit{'s' if done > 1 else ''} before it took {elapsed:.1f} s of training"
                  f"{' between them (two at a time, so less on the clock)' if side_by_side and done > 1 else ''}, "
                  f"about {elapsed / done:.1f} s each") if done else ""
        return (f"training did not finish in time: the grader trains {task.func} on "
                f"{n_splits} splits within {task.budget:g} s in all, and {split.label} was "
                f"still training when the time ran out{so_far}. Use fewer epochs, a larger batch size "
                "or a smaller network (and look for an endless loop).")
    if exc.outcome in (Outcome.TIMED_OUT, Outcome.BUDGET_EXHAUSTED, Outcome.CRASHED):
        return message
    missing = getattr(exc, "missing_module", None)
    built_on = stack(task.exercise)
    if missing in built_on:
        return (f"{task.exercise}.py imports {missing}, but there is no {missing}.py: {task.exercise}.py runs on "
                f"your own {', '.join(m + '.py' for m in built_on)} from your workspace, so {missing}.py must be "
                f"there too.")
    broken = re.match(r"(\w+)\.py, line (\d+), in ([^:]+)", getattr(exc, "where", "") or "")  # the worker's format
    if broken and broken.group(1) != task.exercise:
        module, line, func = broken.groups()
        if exc.outcome is Outcome.NOT_IMPLEMENTED:
            return (f"{task.func} calls {func} in your {module}.py, which is not implemented yet (it "
                    f"still raises NotImplementedError). This exercise runs on your own modules: "
                    f"finish {module}.py first (`learnnn check {module}`).")
        return (f"{task.func} failed inside your own {module}.py (line {line}, in {func}){on}: {message}. "
                f"This exercise runs on your own modules, so the mistake may be there: check {module}.py first "
                f"(`learnnn check {module}`).")
    return message + on


def grade(learner, task, secret=None, *, lanes=1, early_stop=False):
    """Train ``task.func`` on every split, in the worker, within the budget; score each fit here.

    ``lanes`` workers train independent splits side by side (split k goes to worker
    k mod lanes, so each worker sees the same calls on every run); the splits are
    still judged in order, so the result is the one training them one by one gives.
    With ``early_stop``, training ends once the mean can no longer reach the target
    even if every split left scored 1.0: every test fails either way.
    """
    X, y = task.load()
    X, y = np.asarray(X, dtype=float), np.asarray(y).astype(int)
    splits = make_splits(task, y, X.shape[1], secret)
    mlp_forward = references.load("layers").mlp_forward
    grading = Grading(task, splits)
    with _Lanes(learner, task, X, y, splits, lanes) as fits:
        for split, (got, seconds, failure) in zip(splits, fits):
            if failure == "out of time":
                grading.stop(Outcome.TIMED_OUT, (
                    f"training did not finish in time: the {len(grading.fits)} fits before {split.label} already "
                    f"took {grading.seconds:.1f} s of training{' between them' if lanes > 1 else ''} of the "
                    f"{task.budget:g} s for all {len(splits)} splits. Use fewer "
                    "epochs, a larger batch size or a smaller network."))
                break
            grading.seconds += seconds
            if failure is not None:
                grading.stop(failure.outcome, _explain(failure, task, len(splits), split, grading.fits,
                                                       side_by_side=min(lanes, len(splits)) > 1))
                break
            call = f"{task.func}(X_train, y_train, seed={split.seed}) on {split.label}"
            try:
                params, mean, scale = check_model(got, task, X.shape[1], call)
            except AssertionError as exc:
                grading.stop(Outcome.FAILED, str(exc), structural=True)
                break
            shown = X if split.columns is None else X[:, split.columns]
            with np.errstate(all="ignore"):
                scores = []
                for rows, standardise in ((split.test, True), (split.train, True), (split.test, False)):
                    out, _ = mlp_forward((shown[rows] - mean) / scale if standardise else shown[rows], params)
                    scores.append(float(np.mean(np.asarray(out).argmax(axis=1) == y[rows])))
            grading.fits.append(Fit(split, seconds, *scores))
            if early_stop and out_of_reach(grading):
                break
    return grading


def out_of_reach(grading):
    """True when the mean can't reach the target even if every split not yet trained scored 1.0."""
    best = sum(f.accuracy for f in grading.fits) + len(grading.splits) - len(grading.fits)
    return best / len(grading.splits) < grading.task.target - 1e-12


class _Lanes:
    """Fits of every split, yielded in split order as ``(returned, seconds, failure)``.

    Lane j trains splits j, j + lanes, ... in its own worker. A lane starts a fit only
    while the budget has time left after every fit finished so far (else its failure is
    "out of time"); once the caller stops reading, lanes start no new fit, and leaving
    the ``with`` waits for the fits still running.
    """

    def __init__(self, learner, task, X, y, splits, lanes):
        import threading

        self.learner, self.task, self.X, self.y, self.splits = learner, task, X, y, splits
        self.lanes = max(1, min(lanes, len(splits)))
        self.done = [None] * len(splits)
        self.used = 0.0  # seconds of every finished fit
        self.stopped = False
        self.changed = threading.Condition()
        self.threads = []

    def __enter__(self):
        import threading

        if self.lanes == 1:
            return self._one_by_one()
        workers = [self.learner] + [self.learner.spare() for _ in range(self.lanes - 1)]
        for j, worker in enumerate(workers):
            thread = threading.Thread(target=self._lane, args=(worker, range(j, len(self.splits), self.lanes)),
                                      daemon=True)
            thread.start()
            self.threads.append(thread)
        return self._in_order()

    def __exit__(self, *exc):
        with self.changed:
            self.stopped = True
        for thread in self.threads:
            thread.join()

    def _fit(self, learner, split):
        with self.changed:
            left = self.task.budget - self.used
        if left <= 0:
            return None, 0.0, "out of time"
        shown = self.X if split.columns is None else self.X[:, split.columns]
        started = time.perf_counter()
        try:
            got = getattr(learner, self.task.func)(shown[split.train], self.y[split.train], seed=split.seed,
                                                   timeout=left)
            return got, time.perf_counter() - started, None
        except LearnerFailure as exc:
            return None, time.perf_counter() - started, exc

    def _one_by_one(self):
        for split in self.splits:
            got, seconds, failure = self._fit(self.learner, split)
            self.used += seconds
            yield got, seconds, failure

    def _lane(self, learner, indices):
        for i in indices:
            with self.changed:
                if self.stopped:
                    return
            try:
                outcome = self._fit(learner, self.splits[i])
            except BaseException as exc:  # learnnn's own failure: the reader re-raises it
                outcome = exc
            with self.changed:
                if not isinstance(outcome, BaseException):
                    self.used += outcome[1]
                self.done[i] = outcome
                self.changed.notify_all()
            if isinstance(outcome, BaseException) or outcome[2] is not None:
                return  # the splits after a failure are never judged

    def _in_order(self):
        for i in range(len(self.splits)):
            with self.changed:
                self.changed.wait_for(lambda: self.done[i] is not None)
                outcome = self.done[i]
            if isinstance(outcome, BaseException):
                raise outcome
            yield outcome


# ---------------------------------------------------------------- what the tests check


def check_structure(grading):
    if grading.structural or not grading.fits:
        grading.require()
    grading.require_target()


def check_mean_accuracy(grading):
    grading.require()
    task, mean = grading.task, grading.mean_accuracy
    if mean >= task.target - 1e-12:
        return
    fits = grading.fits
    worst = min(fits, key=lambda f: f.accuracy)
    message = (f"the mean held-out accuracy over the {len(fits)} splits is {mean:.3f}, short of the target "
               f"{task.target:.2f} (per split: {grading.per_split()}; the worst is {worst.split.label}).")
    if len(fits) < len(grading.splits):
        message += (f" Training stopped after {len(fits)} of the {len(grading.splits)} splits: even 1.0 on every "
                    "other split could no longer lift the mean to the target.")
    train_mean = float(np.mean([f.train_accuracy for f in fits]))
    unscaled = unscaled_mean(grading)
    if unscaled is not None:
        message += (f" Fed the raw test {task.samples}, without (X - mean) / scale, the same models get "
                    f"{unscaled:.3f} right: you trained on unscaled X but returned mean and scale. Standardise "
                    "X_train with the mean and scale you return, and train on that.")
    elif train_mean < task.target:
        built_on = stack(task.exercise)
        message += (f" Even on the training {task.samples} the returned model gets only {train_mean:.3f} right, "
                    "so the network is undertrained, or the grader does not see it as you trained it: it computes "
                    f"mlp_forward((X - mean) / scale, params) with {_network()}, so "
                    "return the mean and scale you standardised the training data with. It trains with your own "
                    f"{', '.join(m + '.py' for m in built_on)}: if one of them fails its own check "
                    f"(`learnnn check {built_on[-2]}`, say), fix that one first.")
    else:
        message += (f" On the training {task.samples} it gets {train_mean:.3f} right, so it fits the training data "
                    "but does not generalise as well: try a smaller network, fewer epochs or early stopping on a "
                    "validation split.")
    if task.advice:
        message += " " + task.advice
    fail(message)


def lessons_split_floor(task, n_test):
    """The target less three standard errors of an accuracy measured on ``n_test`` samples (binomial noise).

    A model at the target falls below it on about 1 split in 700: Iris (30 test flowers) 0.79, below the
    0.83 the contract names as a normal low; digits (360 test images) 0.916.
    """
    return task.target - 3 * math.sqrt(task.target * (1 - task.target) / n_test)


def unscaled_mean(grading):
    """The mean accuracy on raw test features when it clearly beats the standardised one (the model was
    trained on unscaled X), else None."""
    raw = float(np.mean([f.unscaled_accuracy for f in grading.fits]))
    return raw if raw >= grading.mean_accuracy + 0.1 and raw >= 0.8 * grading.task.target else None


def check_lessons_split(grading):
    """The lessons' split is the one a learner can reproduce: on its own it must come near the target."""
    if not grading.fits:
        grading.require()
    first = grading.fits[0]
    floor = lessons_split_floor(grading.task, len(first.split.test))
    if first.accuracy < floor - 1e-9:
        fail(f"on {first.split.label}, the one the lesson uses, the model gets {first.accuracy:.3f} of the "
             f"{len(first.split.test)} test {grading.task.samples} right (on its training {grading.task.samples}: "
             f"{first.train_accuracy:.3f}); a model that reaches the target {grading.task.target:.2f} almost never "
             f"gets less than {floor:.3f} on a split of this size. Reproduce it with the code at the top of "
             f"{grading.task.exercise}.py.")
    grading.require_target()


def check_time(grading):
    if grading.outcome not in (None, Outcome.TIMED_OUT, Outcome.BUDGET_EXHAUSTED):
        grading.require()  # it never got as far as training on every split
    if grading.failure:
        raise LearnerFailure(grading.failure, outcome=grading.outcome)
    if grading.seconds > grading.task.budget:
        fail(f"training on the {len(grading.splits)} splits took {grading.seconds:.1f} s, more than the "
             f"{grading.task.budget:g} s allowed. Use fewer epochs, a larger batch size or a smaller network.")
    grading.require_target()


def check_own_model(grading):
    """A refused import fails here by name; so does anything that kept every fit from running."""
    if grading.outcome is Outcome.REFUSED or not grading.fits:
        grading.require()
    grading.require_target()
