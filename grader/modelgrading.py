"""Grading the learner's models (iris, digits): train in the worker, score here.

The grader splits the data itself, sends only ``X_train, y_train`` of each
split to the learner's ``fit_*`` in the worker, gets back ``(params, mean,
scale)`` as data, and measures the held-out accuracy in this trusted process
with the reference ``mlp_forward`` on ``(X_test - mean) / scale``: the test
features never reach learner code. Every split is trained once per check; the
suites' tests all read the one :class:`Grading`.
"""
import re
import time
from dataclasses import dataclass, field

import numpy as np

from . import reference as references
from .feedback import fail, fmt
from .sandbox import LearnerFailure, LearnerRaised, LearnerTimeout

STACK = ("activations", "layers", "losses", "backprop", "training")  # what fit_* builds on


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
    kind: str = ""  # "", "structure", "timeout", "refused" or "failed"
    seconds: float = 0.0

    @property
    def complete(self):
        return not self.failure and len(self.fits) == len(self.splits)

    @property
    def mean_accuracy(self):
        return float(np.mean([f.accuracy for f in self.fits])) if self.fits else float("nan")

    def require(self):
        """Fail with the reason grading stopped, if it did."""
        if self.failure:
            fail(self.failure)

    def per_split(self):
        return ", ".join(f"{f.accuracy:.3f}" for f in self.fits)

    def report(self, record_metric):
        for f in self.fits:
            record_metric(f"accuracy_{f.split.key}", round(f.accuracy, 4))
        if self.complete:
            record_metric("mean_accuracy", round(self.mean_accuracy, 4))
        if self.fits or self.kind == "timeout":
            record_metric("seconds", round(self.seconds, 2))


def make_splits(task, y):
    """The lessons' split (test_size=0.2, random_state=42), then stratified ones the learner does not see."""
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(y))
    train, test = train_test_split(rows, test_size=0.2, random_state=42)
    splits = [Split("lessons_split", "the lessons' split (test_size=0.2, random_state=42)", train, test, 0)]
    for i, state in enumerate(task.hidden_states, start=2):
        train, test = train_test_split(rows, test_size=0.2, random_state=state, stratify=y)
        splits.append(Split(f"split_{i}", f"hidden split {i}", train, test, i - 1))
    return splits


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
    width = n_features
    for l in range(1, L + 1):
        W = np.asarray(params[f"W{l}"])
        b = np.asarray(params[f"b{l}"])
        if W.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
            fail(f"params['W{l}'] or params['b{l}'] returned by {call} does not hold numbers")
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


def _explain(exc, task, n_splits, split, fits):
    """(kind, message): a learner-facing reason for a LearnerFailure during ``split``."""
    message = str(exc)
    done, elapsed = len(fits), sum(f.seconds for f in fits)
    on = f" (on {split.label}, fit {done + 1} of {n_splits})"
    if isinstance(exc, LearnerRaised) and exc.kind == "Refused":
        return "refused", (f"{task.func} was refused: {message}. Train it with your own train() from "
                           "training.py; scikit-learn's neural networks, PyTorch, TensorFlow and Keras are not "
                           "allowed in this exercise.")
    if isinstance(exc, LearnerTimeout) and not message.startswith(("importing", "the worker")):
        so_far = (f"; the {done} fit{'s' if done > 1 else ''} before it took {elapsed:.1f} s, "
                  f"about {elapsed / done:.1f} s each") if done else ""
        return "timeout", (f"training did not finish in time: the grader trains {task.func} on "
                           f"{n_splits} splits within {task.budget:g} s in all, and {split.label} was "
                           f"still training when the time ran out{so_far}. Use fewer epochs, a larger batch size "
                           "or a smaller network (and look for an endless loop).")
    if isinstance(exc, LearnerTimeout):
        return "timeout", message
    if isinstance(exc, LearnerRaised) and exc.kind == "NotImplementedError":
        where = re.match(r"(\w+)\.py, line \d+, in (\w+)", exc.where or "")
        if not where or where.group(1) == task.exercise:
            return "failed", message
        module, func = where.groups()
        return "failed", (f"{task.func} calls {func} in your {module}.py, which is not implemented yet (it "
                          f"still raises NotImplementedError). This exercise runs on your own modules: "
                          f"finish {module}.py first (`learnnn check {module}`).")
    missing = re.search(r"No module named '(\w+)'", message)
    if isinstance(exc, LearnerRaised) and missing and missing.group(1) in STACK:
        return "failed", (f"{message}. {task.exercise}.py runs on your own {', '.join(m + '.py' for m in STACK)} "
                          f"from your workspace, so {missing.group(1)}.py must be there too.")
    return "failed", message + on


def grade(learner, task):
    """Train ``task.func`` on every split, in the worker, within the budget; score each fit here."""
    X, y = task.load()
    X, y = np.asarray(X, dtype=float), np.asarray(y).astype(int)
    splits = make_splits(task, y)
    mlp_forward = references.load("layers").mlp_forward
    fit_function = getattr(learner, task.func)
    grading = Grading(task, splits)
    for split in splits:
        left = task.budget - grading.seconds
        if left <= 0:
            grading.kind, grading.failure = "timeout", (
                f"training did not finish in time: the {len(grading.fits)} fits before {split.label} already took "
                f"{grading.seconds:.1f} s of the {task.budget:g} s for all {len(splits)} splits. Use fewer epochs, "
                "a larger batch size or a smaller network.")
            break
        call = f"{task.func}(X_train, y_train, seed={split.seed}) on {split.label}"
        started = time.perf_counter()
        try:
            got = fit_function(X[split.train], y[split.train], seed=split.seed, timeout=left)
        except LearnerFailure as exc:
            grading.seconds += time.perf_counter() - started
            grading.kind, grading.failure = _explain(exc, task, len(splits), split, grading.fits)
            break
        seconds = time.perf_counter() - started
        grading.seconds += seconds
        try:
            params, mean, scale = check_model(got, task, X.shape[1], call)
        except AssertionError as exc:
            grading.kind, grading.failure = "structure", str(exc)
            break
        with np.errstate(all="ignore"):
            scores = []
            for rows, standardise in ((split.test, True), (split.train, True), (split.test, False)):
                out, _ = mlp_forward((X[rows] - mean) / scale if standardise else X[rows], params)
                scores.append(float(np.mean(np.asarray(out).argmax(axis=1) == y[rows])))
        grading.fits.append(Fit(split, seconds, *scores))
    return grading


# ---------------------------------------------------------------- what the tests check


def check_structure(grading):
    if grading.kind == "structure" or not grading.fits:
        grading.require()


def check_mean_accuracy(grading):
    grading.require()
    task, mean = grading.task, grading.mean_accuracy
    if mean >= task.target - 1e-12:
        return
    fits = grading.fits
    worst = min(fits, key=lambda f: f.accuracy)
    message = (f"the mean held-out accuracy over the {len(fits)} splits is {mean:.3f}, short of the target "
               f"{task.target:.2f} (per split: {grading.per_split()}; the worst is {worst.split.label}).")
    train_mean = float(np.mean([f.train_accuracy for f in fits]))
    unscaled = unscaled_mean(grading)
    if unscaled is not None:
        message += (f" Fed the raw test {task.samples}, without (X - mean) / scale, the same models get "
                    f"{unscaled:.3f} right: you trained on unscaled X but returned mean and scale. Standardise "
                    "X_train with the mean and scale you return, and train on that.")
    elif train_mean < task.target:
        message += (f" Even on the training {task.samples} the returned model gets only {train_mean:.3f} right, "
                    "so the network is undertrained, or the grader does not see it as you trained it: it computes "
                    "mlp_forward((X - mean) / scale, params) with ReLU hidden layers and a softmax output, so "
                    "return the mean and scale you standardised the training data with.")
    else:
        message += (f" On the training {task.samples} it gets {train_mean:.3f} right, so it fits the training data "
                    "but does not generalise as well: try a smaller network, fewer epochs or early stopping on a "
                    "validation split.")
    if task.advice:
        message += " " + task.advice
    fail(message)


def unscaled_mean(grading):
    """The mean accuracy on raw test features when it clearly beats the standardised one (the model was
    trained on unscaled X), else None."""
    raw = float(np.mean([f.unscaled_accuracy for f in grading.fits]))
    return raw if raw >= grading.mean_accuracy + 0.1 and raw >= 0.8 * grading.task.target else None


def check_lessons_split(grading):
    """The lessons' split is the one a learner can reproduce; its score on its own bounds the mean."""
    if not grading.fits:
        grading.require()
    first = grading.fits[0]
    n = len(grading.splits)
    floor = n * grading.task.target - (n - 1)  # below this, the mean can't reach the target even at 1.0 elsewhere
    if first.accuracy < floor - 1e-9:
        fail(f"on {first.split.label}, the one the lesson uses, the model gets {first.accuracy:.3f} of the "
             f"{len(first.split.test)} test {grading.task.samples} right (on its training {grading.task.samples}: "
             f"{first.train_accuracy:.3f}); below {floor:.3f} on one split, the mean over the {n} splits can't "
             f"reach {grading.task.target:.2f} however well the others go. Reproduce it with the code at the top "
             f"of {grading.task.exercise}.py.")


def check_time(grading):
    if grading.kind not in ("", "timeout"):
        grading.require()  # it never got as far as training on every split
    if grading.kind == "timeout":
        fail(grading.failure)
    if grading.seconds > grading.task.budget:
        fail(f"training on the {len(grading.splits)} splits took {grading.seconds:.1f} s, more than the "
             f"{grading.task.budget:g} s allowed. Use fewer epochs, a larger batch size or a smaller network.")


def check_own_model(grading):
    """A refused import fails here by name; so does anything that kept every fit from running."""
    if grading.kind == "refused" or not grading.fits:
        grading.require()
