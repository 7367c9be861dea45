"""Hidden suite: losses (mse, binary_cross_entropy, one_hot, cross_entropy)."""
import numpy as np

from learnnn.feedback import (expect_close, expect_float, expect_no_warnings, expect_result, expect_scalar,
                              expect_shape, expect_unchanged, fail, fallback_hint, fmt)
from learnnn import testing
from learnnn.sandbox import LearnerFailure

# N samples and C classes, different so that a mean over the wrong axis shows.
N, C = 5, 3
Y_PRED, Y_TRUE = np.random.default_rng(6061).normal(0.0, 1.0, (2, N, C))  # constants: the generator is not kept
P_BIN = np.array([0.9, 0.2, 0.65, 0.05, 0.5, 0.8, 0.3])
Y_BIN = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0])
LABELS = np.array([0, 2, 1, 2, 0])
P = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.5, 0.25], [0.05, 0.15, 0.8], [0.4, 0.35, 0.25]])
EPS = 1e-12


def _eye(labels, k):
    return np.eye(k)[np.asarray(labels)]


def _log(x):
    with np.errstate(all="ignore"):
        return np.log(x)


def number(got, call):
    """The loss as a float, or a failure that explains a per-column or per-sample result."""
    if isinstance(got, np.ndarray) and got.size > 1:
        fail(f"{call} returned an array of shape {got.shape}; a loss is a single number. Take the mean over "
             "every element (np.mean without axis), not over one axis")
    return expect_scalar(got, call)


def show(x):
    """An array on one line, for a message."""
    return " ".join(fmt(np.asarray(x)).split())


def close(got, expected, call, mistakes=None, hint="", atol=1e-9, finite_hint=""):
    value = number(got, call)
    if finite_hint and not np.isfinite(value):
        fail(f"{call} returned {fmt(value)}. {finite_hint}")
    expect_close(value, expected, call=call, mistakes=mistakes, hint=hint, atol=atol)


def calling(fn, *args, **kwargs):
    """Call learner code; a broadcasting error with integer labels gets a hint."""
    advice = [(("ValueError",), ("read-only",), "The inputs were read-only arrays here: your function wrote into one "
               "of them. np.clip(p, eps, 1 - eps) without out= returns a new array; so does y_pred - y_true")]
    if len(args) > 1 and np.ndim(args[1]) == 1:
        advice.append((("ValueError",), ("broadcast",), f"Y was integer labels of shape ({len(args[1])},) here, not "
                       "one-hot rows: when Y.ndim == 1, turn it into one-hot first with one_hot(Y, P.shape[1]) "
                       "(or pick P[np.arange(n), Y])"))
    return testing.calling(fn, *args, advice=advice, **kwargs)


def plain_call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except LearnerFailure:
        return None


NO_CLIP = "np.log(0) is -inf: clip with np.clip before taking the log."


def clip_hint(fn, args, expected, hint):
    """``hint`` (about clipping) only when the same loss on the test's P without exact 0s and 1s is right:
    otherwise the clipping isn't what is wrong."""
    return fallback_hint(plain_call(fn, *args), expected, hint, "probabilities away from 0 and 1",
                         "clipping")


def ce_clip_hint(learner, reference, integer, hint):
    Y = LABELS if integer else _eye(LABELS, C)
    return clip_hint(learner.cross_entropy, (P, Y), reference.cross_entropy(P, Y), hint)


def bce_clip_hint(learner, reference, hint):
    return clip_hint(learner.binary_cross_entropy, (P_BIN, Y_BIN), reference.binary_cross_entropy(P_BIN, Y_BIN),
                     hint)


# ---------------------------------------------------------------- mse


def mse_mistakes(a, b):
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    n = d.shape[0] if d.ndim else 1
    return {"the squared errors are summed, not averaged (np.sum instead of np.mean)": np.sum(d ** 2),
            "the errors are not squared (mean of |y_pred - y_true|)": np.mean(np.abs(d)),
            "the square root of the mean was taken (that is RMSE, not MSE)": np.sqrt(np.mean(d ** 2)),
            "the mean is halved (0.5 * mean)": 0.5 * np.mean(d ** 2),
            "the sum is divided by the number of samples only, not by every element": np.sum(d ** 2) / n,
            "the errors are averaged before squaring (mean(y_pred - y_true) ** 2)": np.mean(d) ** 2}


def test_mse_values(learner, reference):
    call = f"mse(y_pred, y_true) for arrays of shape {Y_PRED.shape}"
    close(learner.mse(Y_PRED, Y_TRUE), reference.mse(Y_PRED, Y_TRUE), call, mse_mistakes(Y_PRED, Y_TRUE),
          "mse is the mean over every element of (y_pred - y_true) ** 2.")


def test_mse_one_dimensional(learner, reference):
    a, b = np.array([2.5, 0.0, -1.0, 4.0]), np.array([3.0, -0.5, 1.0, 4.0])
    close(learner.mse(a, b), reference.mse(a, b), f"mse({fmt(a)}, {fmt(b)})", mse_mistakes(a, b),
          "mse is np.mean((y_pred - y_true) ** 2).")


def test_mse_single_value(learner):
    close(learner.mse([3.0], [1.0]), 4.0, "mse([3.0], [1.0])", hint="(3 - 1) ** 2 = 4, and the mean of one number is itself.")


def test_mse_perfect_prediction_is_zero(learner):
    close(learner.mse(Y_PRED, Y_PRED.copy()), 0.0, "mse(y, y) (a perfect prediction)",
          hint="The squared error of a perfect prediction is 0 everywhere.")
    close(learner.mse(Y_PRED, Y_PRED + 0.5), 0.25, "mse(y + 0.5, y) (every prediction 0.5 too high)",
          mse_mistakes(Y_PRED + 0.5, Y_PRED), "Every squared error is 0.5 ** 2 = 0.25, and so is their mean.")


def test_mse_accepts_int_lists(learner):
    a, b = [[1, 2], [3, 4], [0, 0]], [[1, 0], [0, 4], [1, 1]]
    got = learner.mse(a, b)
    close(got, 15 / 6, f"mse(y_pred, y_true) with int lists {a} and {b}", mse_mistakes(a, b),
          fallback_hint(plain_call(learner.mse, np.array(a, float), np.array(b, float)), 15 / 6,
                        "Convert the inputs with np.asarray(y, dtype=float) first."))
    expect_float(got, "mse with int lists")


def test_mse_leaves_inputs_unchanged(learner):
    got = learner.mse(Y_PRED.copy(), Y_TRUE.copy())
    expect_unchanged(learner.last, "mse(y_pred, y_true)", "Compute the difference into a new array; "
                     "y_pred -= y_true writes into the caller's array.")
    expect_result(got, (), "mse(y_pred, y_true)")


def test_mse_accepts_read_only_inputs(learner, reference):
    expected = reference.mse(Y_PRED, Y_TRUE)
    close(calling(learner.mse, Y_PRED, Y_TRUE, readonly=["*"]), expected,
          "mse(y_pred, y_true) with read-only inputs", mse_mistakes(Y_PRED, Y_TRUE),
          fallback_hint(plain_call(learner.mse, Y_PRED, Y_TRUE), expected,
                        "Don't write into the arrays you were given.", "writable arrays"))


# ---------------------------------------------------------------- binary_cross_entropy


def bce_mistakes(p, y, eps=EPS):
    p = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
    y = np.asarray(y, dtype=float)
    terms = y * np.log(p) + (1 - y) * np.log(1 - p)
    return {"the losses are summed, not averaged (np.sum instead of np.mean)": -np.sum(terms),
            "the minus sign is missing (the loss must be positive)": np.mean(terms),
            "the (1 - y) * log(1 - p) term is missing": -np.mean(y * np.log(p)),
            "log10 instead of the natural log np.log": -np.mean(terms) / np.log(10),
            "log2 instead of the natural log np.log": -np.mean(terms) / np.log(2)}


def test_bce_values(learner, reference):
    call = f"binary_cross_entropy(p, y) for p = {fmt(P_BIN)}, y = {fmt(Y_BIN)}"
    close(learner.binary_cross_entropy(P_BIN, Y_BIN), reference.binary_cross_entropy(P_BIN, Y_BIN), call,
          bce_mistakes(P_BIN, Y_BIN), "binary cross-entropy is -mean(y * log(p) + (1 - y) * log(1 - p)).")


def test_bce_single_sample(learner):
    close(learner.binary_cross_entropy(np.array([0.8]), np.array([1.0])), -np.log(0.8),
          "binary_cross_entropy(p=[0.8], y=[1.0])", bce_mistakes([0.8], [1.0]), hint="For y = 1 the loss is -log(p) = -log(0.8) = 0.2231.")


def test_bce_certain_and_wrong_is_finite(learner, reference):
    # p of exactly 1 where y = 0 and exactly 0 where y = 1: log(0) without clipping.
    p, y = np.array([1.0, 0.0, 0.6, 0.3]), np.array([0.0, 1.0, 1.0, 0.0])
    call = f"binary_cross_entropy(p, y) for p = {fmt(p)}, y = {fmt(y)}"
    got = learner.binary_cross_entropy(p, y)
    expect_no_warnings(learner.last, call, "np.log(0) is -inf: clip p to [eps, 1 - eps] with np.clip before the log.")
    close(got, reference.binary_cross_entropy(p, y), call, bce_mistakes(p, y), finite_hint=NO_CLIP,
          hint=bce_clip_hint(learner, reference, "Clip p to [eps, 1 - eps] with np.clip(p, eps, 1 - eps) before "
                             "taking logs: then a certain, wrong prediction costs -log(1e-12) = 27.6 instead of "
                             "infinity."))


def test_bce_certain_and_right_is_zero(learner, reference):
    # p of exactly 1 where y = 1 and 0 where y = 0: 0 * log(0) is nan without clipping.
    p, y = np.array([1.0, 0.0, 1.0, 0.0]), np.array([1.0, 0.0, 1.0, 0.0])
    call = f"binary_cross_entropy(p, y) for p = {fmt(p)}, y = {fmt(y)} (a perfect prediction)"
    got = learner.binary_cross_entropy(p, y)
    expect_no_warnings(learner.last, call, "0 * log(0) is nan: clip p to [eps, 1 - eps] with np.clip before the log, "
                       "on both sides (1 - p is 0 when p is 1).")
    close(got, reference.binary_cross_entropy(p, y), call, bce_mistakes(p, y), finite_hint=NO_CLIP,
          hint=bce_clip_hint(learner, reference, "Clip p to [eps, 1 - eps], both ends: with p = 1 exactly, "
                             "(1 - y) * log(1 - p) is 0 * log(0) = nan."))
    p = np.array([1.0, 0.0, 0.8, 0.2])  # and with two rows less sure: 2 * -log(0.8) / 4
    call = f"binary_cross_entropy(p, y) for p = {fmt(p)}, y = {fmt(y)}"
    close(learner.binary_cross_entropy(p, y), reference.binary_cross_entropy(p, y), call, bce_mistakes(p, y),
          finite_hint=NO_CLIP, hint="The rows with p = 0.8 for y = 1 and p = 0.2 for y = 0 each cost -log(0.8).")


def test_bce_uses_eps(learner, reference):
    p, y = np.array([0.0, 0.5, 1.0]), np.array([1.0, 1.0, 0.0])
    call = f"binary_cross_entropy(p, y, eps=1e-3) for p = {fmt(p)}, y = {fmt(y)}"
    close(learner.binary_cross_entropy(p, y, eps=1e-3), reference.binary_cross_entropy(p, y, eps=1e-3), call,
          {"eps fixed at 1e-12 instead of the eps argument": reference.binary_cross_entropy(p, y),
           **bce_mistakes(p, y, 1e-3)}, bce_clip_hint(learner, reference, "Clip p to [eps, 1 - eps] using the eps "
                                                      "argument."), finite_hint=NO_CLIP)


def test_bce_accepts_int_labels(learner, reference):
    y = [1, 0, 1, 1, 0, 0, 1]
    got = learner.binary_cross_entropy(P_BIN.tolist(), y)
    expected = reference.binary_cross_entropy(P_BIN, Y_BIN)
    close(got, expected, f"binary_cross_entropy(p, y) with a list p and int labels y = {y}",
          bce_mistakes(P_BIN, Y_BIN), fallback_hint(plain_call(learner.binary_cross_entropy, P_BIN, Y_BIN), expected,
                                                    "Convert p and y with np.asarray(..., dtype=float) first."))
    expect_float(got, "binary_cross_entropy(p, y) with lists and int labels")


def test_bce_leaves_inputs_unchanged(learner):
    p = np.array([1.0, 0.0, 0.6, 0.3])
    got = learner.binary_cross_entropy(p, np.array([0.0, 1.0, 1.0, 0.0]))
    expect_unchanged(learner.last, "binary_cross_entropy(p, y)",
                     "np.clip(p, eps, 1 - eps) returns a new array; clipping with out=p or p[p < eps] = eps "
                     "changes the caller's p.")
    expect_result(got, (), "binary_cross_entropy(p, y)")


def test_bce_accepts_read_only_inputs(learner, reference):
    expected = reference.binary_cross_entropy(P_BIN, Y_BIN)
    close(calling(learner.binary_cross_entropy, P_BIN, Y_BIN, readonly=["*"]), expected,
          "binary_cross_entropy(p, y) with read-only p and y", bce_mistakes(P_BIN, Y_BIN),
          fallback_hint(plain_call(learner.binary_cross_entropy, P_BIN, Y_BIN), expected,
                        "Don't write into p: np.clip without out= returns a new array.", "writable arrays"))


# ---------------------------------------------------------------- one_hot


def test_one_hot_values(learner, reference):
    y = [0, 2, 1, 2, 0]
    expect_close(learner.one_hot(y, 4), reference.one_hot(y, 4), call=f"one_hot({y}, num_classes=4)",
                 why_shape="(n, num_classes): use num_classes columns even when the largest label is smaller",
                 mistakes={"the rows and columns are swapped": reference.one_hot(y, 4).T},
                 hint="Start from np.zeros((n, num_classes)) and put a 1 in column y[i] of row i.")


def test_one_hot_returns_float(learner, reference):
    got = learner.one_hot(np.array([1, 0, 2]), 3)
    expect_float(got, "one_hot(np.array([1, 0, 2]), 3)",
                 "the labels are integers, so build the result as floats of its own: start from "
                 "np.zeros((n, num_classes)) (float64 unless you pass dtype=int) and set Y[np.arange(n), y] = 1, "
                 "or convert with .astype(float)" if np.asarray(got).dtype.kind in "iub" else "")
    expect_close(got, reference.one_hot([1, 0, 2], 3), call="one_hot(np.array([1, 0, 2]), 3)",
                 why_shape="(n, num_classes)", hint="Label i of n is a row with a 1 in column i and 0 elsewhere.")


def test_one_hot_single_sample(learner):
    expect_close(learner.one_hot(np.array([2]), 3), np.array([[0.0, 0.0, 1.0]]), call="one_hot(np.array([2]), 3)",
                 why_shape="one label gives one row", hint="Label 2 of 3 classes is the row [0, 0, 1].")


def test_one_hot_int_array_is_one_row_per_label(learner, reference):
    y = np.array([3, 1, 0, 1, 2, 3])
    got = expect_shape(learner.one_hot(y, 5), (len(y), 5), f"one_hot({fmt(y)}, 5)", "(n, num_classes)")
    sums = got.astype(float).sum(axis=1)
    if not np.allclose(sums, 1):
        row = int(np.argmax(np.abs(sums - 1)))
        fail(f"row {row} of one_hot({fmt(y)}, 5) sums to {fmt(sums[row])}; every row should hold exactly one 1, "
             "in the column of its label")
    expect_close(got, reference.one_hot(y, 5), call=f"one_hot({fmt(y)}, 5)",
                 hint="Y[np.arange(n), y] = 1 sets one entry per row.")


def test_one_hot_leaves_labels_unchanged(learner):
    got = learner.one_hot(np.array([1, 0, 2, 1]), 3)
    expect_unchanged(learner.last, "one_hot(y, 3)")
    expect_result(got, (4, 3), "one_hot(y, 3) for 4 labels", "(n, num_classes)")


def test_one_hot_accepts_read_only_labels(learner, reference):
    y = np.array([1, 0, 2, 1])
    expect_close(learner.one_hot(y, 3, readonly=["*"]), reference.one_hot(y, 3),
                 call="one_hot(y, 3) with read-only labels y", hint="Don't write into y.")


# ---------------------------------------------------------------- cross_entropy


def ce_mistakes(P, labels, eps=EPS):
    Y = _eye(labels, np.shape(P)[1])
    logp = np.log(np.clip(P, eps, None))
    per_sample = -np.sum(Y * logp, axis=1)
    return {"the losses are summed over the samples, not averaged (np.sum instead of np.mean over samples)":
                per_sample.sum(),
            "the mean is taken over every element, dividing by n * k instead of n: sum over the classes "
            "(axis=1) first, then average over the samples": -np.mean(Y * logp),
            "the minus sign is missing (the loss must be positive)": -per_sample.mean(),
            "log(1 - P) is added for the other classes, as in binary cross-entropy": np.mean(
                per_sample - np.sum((1 - Y) * np.log(np.clip(1 - P, eps, None)), axis=1)),
            "log10 instead of the natural log np.log": per_sample.mean() / np.log(10),
            "P[:, y] picks whole columns (an n x n block), not one entry per row: pick P[np.arange(n), y]":
                -np.mean(logp[:, np.asarray(labels, dtype=int)])}


def test_cross_entropy_values_one_hot(learner, reference):
    Y = _eye(LABELS, C)
    call = f"cross_entropy(P, Y) for P of shape {P.shape} and one-hot Y"
    close(learner.cross_entropy(P, Y), reference.cross_entropy(P, Y), call, ce_mistakes(P, LABELS),
          "cross_entropy is the mean over samples of -sum(Y * log(P)) over each row.")


def test_cross_entropy_integer_labels(learner, reference):
    call = f"cross_entropy(P, y) for P of shape {P.shape} and integer labels y = {fmt(LABELS)}"
    close(calling(learner.cross_entropy, P, LABELS), reference.cross_entropy(P, LABELS), call, ce_mistakes(P, LABELS),
          "When Y is 1-D it holds class labels: turn them into one-hot rows with P's number of columns "
          "(one_hot(Y, P.shape[1])), or pick P[np.arange(n), y].")


def test_cross_entropy_labels_and_one_hot_agree(learner, reference):
    by_labels = number(calling(learner.cross_entropy, P, LABELS), "cross_entropy(P, y) with integer labels")
    one_hot = number(learner.cross_entropy(P, _eye(LABELS, C)), "cross_entropy(P, Y) with one-hot Y")
    if not np.isclose(by_labels, one_hot, rtol=1e-9, atol=1e-12):
        fail(f"cross_entropy gave {fmt(by_labels)} for integer labels y = {fmt(LABELS)} but {fmt(one_hot)} for the "
             "same labels as one-hot rows; both describe the same targets, so both should give the same loss. "
             "Check Y.ndim == 1 and convert labels to one-hot with P.shape[1] classes")
    close(one_hot, reference.cross_entropy(P, LABELS), "cross_entropy(P, Y) with one-hot Y", ce_mistakes(P, LABELS),
          "cross_entropy is the mean over samples of -sum(Y * log(P)) along each row.")


def test_cross_entropy_single_sample(learner):
    p = np.array([[0.2, 0.5, 0.3]])
    close(learner.cross_entropy(p, np.array([[0.0, 1.0, 0.0]])), -np.log(0.5),
          "cross_entropy(P, Y) for one sample P = [[0.2, 0.5, 0.3]], Y = [[0, 1, 0]]", ce_mistakes(p, [1]),
          hint="One sample of class 1: the loss is -log(P[0, 1]) = -log(0.5) = 0.6931.")


def test_cross_entropy_zero_probability_for_other_classes(learner, reference):
    # Exact zeros where Y is 0: 0 * log(0) is nan unless P is clipped.
    p = np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5], [0.0, 0.0, 1.0], [0.2, 0.8, 0.0]])
    y = np.array([1, 2, 2, 0])
    call = f"cross_entropy(P, Y) for P with exact zeros in the wrong classes: P = {show(p)}, Y = {show(_eye(y, 3))}"
    got = learner.cross_entropy(p, _eye(y, 3))
    expect_no_warnings(learner.last, call, "0 * log(0) is nan: clip P below at eps, np.clip(P, eps, None), "
                       "before the log.")
    close(got, reference.cross_entropy(p, _eye(y, 3)), call, ce_mistakes(p, y), finite_hint=NO_CLIP,
          hint=ce_clip_hint(learner, reference, False, "Clip P below at eps before np.log: 0 * log(0) is nan in "
                            "NumPy even though the term should be 0."))


def test_cross_entropy_zero_probability_for_true_class(learner, reference):
    # The true class has probability exactly 0: log(0) = -inf without clipping.
    p = np.array([[0.0, 0.6, 0.4], [0.1, 0.2, 0.7], [0.3, 0.7, 0.0]])
    y = np.array([0, 2, 2])
    call = f"cross_entropy(P, Y) for P = {show(p)}, Y = {show(_eye(y, 3))} (probability 0 for the true class)"
    got = learner.cross_entropy(p, _eye(y, 3))
    expect_no_warnings(learner.last, call, "np.log(0) is -inf: clip P below at eps before the log.")
    close(got, reference.cross_entropy(p, y), call, ce_mistakes(p, y), finite_hint=NO_CLIP,
          hint=ce_clip_hint(learner, reference, False, "Clip P below at eps (np.clip(P, eps, None)) so a certain, "
                            "wrong prediction costs -log(1e-12) = 27.6 instead of infinity."))


def test_cross_entropy_zero_probability_integer_labels(learner, reference):
    # The same log(0) as above, with the labels given as integers instead of one-hot rows.
    p = np.array([[0.0, 0.6, 0.4], [0.1, 0.2, 0.7], [0.3, 0.7, 0.0]])
    y = np.array([0, 2, 2])
    call = f"cross_entropy(P, y) for P = {show(p)}, integer labels y = {fmt(y)} (probability 0 for the true class)"
    got = calling(learner.cross_entropy, p, y)
    expect_no_warnings(learner.last, call, "np.log(0) is -inf: clip P below at eps before the log, also on the path "
                       "for integer labels.")
    close(got, reference.cross_entropy(p, y), call, ce_mistakes(p, y), finite_hint=NO_CLIP,
          hint=ce_clip_hint(learner, reference, True, "Clip P below at eps (np.clip(P, eps, None)) before np.log "
                            "on the integer-label path too."))


def test_bce_certain_and_wrong_with_lists(learner, reference):
    # log(0) again, with p and y as Python lists of ints.
    p, y = [1, 0, 1, 0], [0, 1, 1, 0]
    call = f"binary_cross_entropy({p}, {y})"
    got = learner.binary_cross_entropy(p, y)
    expect_no_warnings(learner.last, call, "np.log(0) is -inf: convert p to a float array and clip it to "
                       "[eps, 1 - eps] before the log.")
    close(got, reference.binary_cross_entropy(p, y), call, bce_mistakes(p, y), finite_hint=NO_CLIP,
          hint="Convert with np.asarray(p, dtype=float), then clip to [eps, 1 - eps]: np.clip on an int array "
               "stays int and rounds 1 - eps back to 1.")


def test_cross_entropy_very_large_logits(learner, reference_module):
    softmax = reference_module("activations").softmax
    logits = np.array([[1000.0, -1000.0, 0.0], [-800.0, 900.0, 1e4], [50.0, 49.0, -1e4], [0.0, 0.0, 0.0]])
    p = softmax(logits)
    y = np.array([0, 1, 2, 0])
    call = "cross_entropy(softmax(logits), Y) for logits up to 1e4 (P holds exact 0s and 1s)"
    got = learner.cross_entropy(p, _eye(y, 3))
    expect_no_warnings(learner.last, call, "Clip P below at eps before the log.")
    close(got, reference_module("losses").cross_entropy(p, y), call, ce_mistakes(p, y), finite_hint=NO_CLIP,
          hint=ce_clip_hint(learner, reference_module("losses"), False, "Very confident softmax outputs are "
                            "exactly 0 or 1 in float64: clip P below at eps before np.log."))


def test_cross_entropy_uses_eps(learner, reference):
    p = np.array([[0.0, 0.6, 0.4], [0.1, 0.2, 0.7]])
    y = np.array([0, 2])
    call = f"cross_entropy(P, Y, eps=1e-3) for P = {show(p)}, Y = {show(_eye(y, 3))}"
    close(learner.cross_entropy(p, _eye(y, 3), eps=1e-3), reference.cross_entropy(p, y, eps=1e-3), call,
          {"eps fixed at 1e-12 instead of the eps argument": reference.cross_entropy(p, y), **ce_mistakes(p, y, 1e-3)},
          ce_clip_hint(learner, reference, False, "Clip P below at the eps argument."), atol=1e-6, finite_hint=NO_CLIP)


def test_cross_entropy_accepts_int_inputs(learner, reference):
    # Integer one-hot targets and a nested list P.
    Y = [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1], [1, 0, 0]]
    got = learner.cross_entropy(P.tolist(), Y)
    expected = reference.cross_entropy(P, np.array(Y))
    close(got, expected, "cross_entropy(P, Y) with a list P and an int one-hot Y", ce_mistakes(P, LABELS),
          fallback_hint(plain_call(learner.cross_entropy, P, np.array(Y, dtype=float)), expected,
                        "Convert P and Y with np.asarray(..., dtype=float) first (integer labels: np.asarray(y))."))
    expect_float(got, "cross_entropy(P, Y) with lists and an int one-hot Y")


def test_cross_entropy_leaves_inputs_unchanged(learner):
    p = np.array([[0.0, 0.6, 0.4], [0.1, 0.2, 0.7], [0.3, 0.7, 0.0]])
    got = learner.cross_entropy(p, _eye([0, 2, 2], 3))
    expect_unchanged(learner.last, "cross_entropy(P, Y)",
                     "np.clip(P, eps, None) returns a new array; clipping with out=P or P[P < eps] = eps changes "
                     "the caller's P.")
    expect_result(got, (), "cross_entropy(P, Y)")


def test_cross_entropy_accepts_read_only_inputs(learner, reference):
    expected = reference.cross_entropy(P, LABELS)
    close(calling(learner.cross_entropy, P, _eye(LABELS, C), readonly=["*"]), expected,
          "cross_entropy(P, Y) with read-only P and Y", ce_mistakes(P, LABELS),
          fallback_hint(plain_call(learner.cross_entropy, P, _eye(LABELS, C)), expected,
                        "Don't write into P or Y; build new arrays (np.clip without out=).", "writable arrays"))


def test_cross_entropy_accepts_read_only_labels(learner, reference):
    expected = reference.cross_entropy(P, LABELS)
    close(calling(learner.cross_entropy, P, LABELS, readonly=["*"]), expected,
          f"cross_entropy(P, y) with read-only P and integer labels y = {fmt(LABELS)}", ce_mistakes(P, LABELS),
          fallback_hint(plain_call(learner.cross_entropy, P, LABELS), expected,
                        "Don't write into P or y; build new arrays.", "writable arrays"))
