"""Hidden suite: regularization (L2 weight decay, inverted dropout, early stopping).

The L2 gradients are checked against central differences of the reference's
l2_loss, computed here in the trusted process; the dropout mask against the draw
the contract fixes, (rng.random(A.shape) < keep_prob); early stopping against the
reference loop, whose every random number the contract pins down.
"""
from functools import lru_cache

import numpy as np
import pytest

from learnnn import reference as references
from learnnn.feedback import (as_array, expect_close, expect_finite, expect_float, expect_result, expect_scalar,
                              expect_shape, expect_unchanged, fail, fmt)
from learnnn.sandbox import LearnerRaised
from learnnn.worker import Named, Rng

SIZES = [4, 5, 7, 3]  # every width different, so a transposed or swapped matrix can't pass
N = 6
H_STEP = 1e-5
THRESHOLD = 1e-7  # relative error of a correct gradient against central differences


def _ref(name):
    return references.load(name)


def make_params(sizes, seed):
    """Parameters with non-zero biases, so a penalty that wrongly includes them shows."""
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = rng.normal(0.0, 1.2 / np.sqrt(sizes[l - 1]), (sizes[l - 1], sizes[l]))
        params[f"b{l}"] = rng.normal(0.0, 0.5, sizes[l])
    return params


def weights_only(params, fn):
    return sum(fn(v) for k, v in params.items() if k.startswith("W"))


def penalty_mistakes(params, lam):
    every = sum(np.sum(v ** 2) for v in params.values())
    weights = weights_only(params, lambda v: np.sum(v ** 2))
    return {"the biases are penalised too: only the weights (keys starting with 'W') belong in the penalty":
                lam / 2 * every,
            "the 1/2 is missing: the penalty is lam / 2 * sum(W ** 2), whose gradient is lam * W": lam * weights,
            "the 1/2 is missing and the biases are penalised too": lam * every,
            "the norms are not squared: sum W ** 2 over every element, no square root":
                lam / 2 * weights_only(params, lambda v: np.sqrt(np.sum(v ** 2))),
            "only the first layer's weights are counted: loop over every W1, ..., WL":
                lam / 2 * np.sum(params["W1"] ** 2)}


def number(got, call):
    """A float from whatever single number came back, or a failure that says what did."""
    return expect_scalar(as_array(got, call) if not np.isscalar(got) else got, call)


# ---------------------------------------------------------------- l2_penalty and l2_loss


def test_l2_penalty_values(learner):
    params, lam = make_params(SIZES, 1), 0.3
    call = f"l2_penalty(params, lam={lam}) for a {'-'.join(map(str, SIZES))} network"
    got = number(learner.l2_penalty(params, lam), call)
    expected = lam / 2 * weights_only(params, lambda v: np.sum(v ** 2))
    expect_close(got, expected, call=call, mistakes=penalty_mistakes(params, lam),
                 hint="The penalty is lam / 2 times the sum of the squares of every weight matrix's elements.")


def test_l2_penalty_is_zero_only_for_lam_zero(learner):
    call = "l2_penalty(params, lam=0.0)"
    params = make_params(SIZES, 2)
    got = number(learner.l2_penalty(params, 0.0), call)
    expect_close(got, 0.0, call=call, hint="With lam = 0 there is no penalty at all.")
    call = "l2_penalty(params, lam=0.1) for the same params, which gave 0 with lam=0"  # a constant 0 gets no credit
    expect_close(number(learner.l2_penalty(params, 0.1), call), 0.05 * weights_only(params, lambda v: np.sum(v ** 2)),
                 call=call, mistakes=penalty_mistakes(params, 0.1),
                 hint="The penalty is lam / 2 times the sum of the squares of every weight matrix's elements.")


def test_l2_penalty_accepts_int_weights(learner):
    params = {"W1": [[1, -2, 0], [3, 1, 1]], "b1": [5, 5, 5], "W2": [[2], [0], [-1]], "b2": [7]}
    call = "l2_penalty(params, lam=0.5) with params as lists of ints"
    got = number(learner.l2_penalty(params, 0.5), call)
    arrays = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    expect_close(got, 0.25 * (16 + 5), call=call, mistakes=penalty_mistakes(arrays, 0.5),
                 hint="Convert every array with np.asarray(params[k], dtype=float) first.")


class Net:
    """A 4-5-7-3 tanh network on N samples, its cache, and numerical gradients of the reference l2_loss."""

    def __init__(self, lam, hidden="tanh", seed=3):
        acts = _ref("activations")
        self.lam, self.hidden = lam, hidden
        self.act, self.grad = getattr(acts, hidden), getattr(acts, f"{hidden}_grad")
        rng = np.random.default_rng(seed)
        self.X = rng.normal(0.0, 1.0, (N, SIZES[0]))
        self.y = rng.integers(0, SIZES[-1], N)
        self.Y = np.eye(SIZES[-1])[self.y]
        self.params = make_params(SIZES, seed + 10)
        self.P, self.cache = self.forward(self.params)

    def forward(self, params):
        return _ref("layers").mlp_forward(self.X, params, hidden_activation=self.act)

    def loss(self, params):
        return _ref("regularization").l2_loss(self.forward(params)[0], self.Y, params, self.lam)

    @property
    def numeric(self):
        grads = {}
        for key, value in self.params.items():
            g = np.zeros(value.shape)
            for i in np.ndindex(value.shape):
                for sign in (1, -1):
                    moved = value.copy()
                    moved[i] += sign * H_STEP
                    g[i] += sign * self.loss({**self.params, key: moved})
            grads[key] = g / (2 * H_STEP)
        return grads

    def plain(self):
        return _ref("backprop").mlp_backward(self.Y, self.params, self.cache, self.grad)

    def call(self, learner, lam=None, **kwargs):
        lam = self.lam if lam is None else lam
        args = {} if self.hidden == "relu" else {"hidden_activation_grad": Named(f"{self.hidden}_grad")}
        got = learner.l2_backward(self.Y, self.params, self.cache, lam, **args, **kwargs)
        extra = "" if not args else f", hidden_activation_grad={self.hidden}_grad"
        call = f"l2_backward(Y, params, cache, lam={lam}{extra}) for a {'-'.join(map(str, SIZES))} network"
        if not isinstance(got, dict):
            fail(f"{call} returned {'None' if got is None else type(got).__name__}; it should return a dict of "
                 f"gradients with the keys of params: {', '.join(self.params)}")
        missing = [k for k in self.params if k not in got]
        if missing:
            fail(f"{call} returned no gradient for {', '.join(missing)}; return every key of params, the biases' "
                 "gradients included (unchanged from mlp_backward)")
        return got, call


@lru_cache(maxsize=None)
def net(lam, hidden="tanh"):
    network = Net(lam, hidden)
    network.expected = network.numeric if hidden == "tanh" else None
    return network


def relative_error(a, b):
    return np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))


def expect_gradient(got, expected, *, key, call, mistakes, against):
    name, layer = f"d{key}", key[1:]
    what = f"layer {layer}'s {'weights' if key[0] == 'W' else 'biases'}"
    arr = expect_shape(got, np.shape(expected), f"{name} ({what}) from {call}", f"the shape of {key}").astype(float)
    err = relative_error(arr, expected)
    if err.max() < THRESHOLD:
        return
    idx = tuple(int(i) for i in np.unravel_index(np.argmax(err), arr.shape))
    message = (f"{name}, the gradient of {what}, is off (from {call}): its relative error against {against} is "
               f"{err.max():.2g} (a correct gradient stays below {THRESHOLD:g}); worst at index "
               f"{idx[0] if len(idx) == 1 else idx}: got {fmt(arr[idx])}, expected {fmt(expected[idx])}")
    for description, candidate in mistakes.items():
        if np.shape(candidate) == arr.shape and relative_error(arr, candidate).max() < 1e-6:
            fail(message + f". Likely mistake: {description}")
    fail(message + ". dW_l is mlp_backward's dW_l + lam * W_l; db_l is mlp_backward's db_l, unchanged.")


def backward_mistakes(network, key, lam):
    plain, p = network.plain()[key], network.params[key]
    if key[0] == "b":
        return {"the bias is decayed too: db gets no lam * b term, only the weights are penalised": plain + lam * p,
                "the bias is decayed by 2 * lam * b: leave db as mlp_backward gives it": plain + 2 * lam * p}
    return {"the lam * W term is missing: add lam * W to dW from mlp_backward": plain,
            "the term is 2 * lam * W; with the penalty lam / 2 * sum(W ** 2) it is lam * W": plain + 2 * lam * p,
            "the term is lam / 2 * W; the derivative of lam / 2 * W ** 2 is lam * W": plain + lam / 2 * p,
            f"the term is divided by the batch size n = {N}: the penalty is not averaged, so it is lam * W":
                plain + lam * p / N,
            "the term is subtracted: the gradient of the penalty is + lam * W": plain - lam * p}


@pytest.mark.parametrize("key", ["W3", "b3", "W2", "b2", "W1", "b1"])
def test_l2_backward_gradient_check(learner, key):
    network = net(0.2)
    got, call = network.call(learner)
    expect_gradient(got[key], network.expected[key], key=key, call=call, mistakes=backward_mistakes(network, key, 0.2),
                    against=f"central differences (h = {H_STEP:g}) of l2_loss")


def test_l2_backward_relu_default(learner):
    network = net(0.5, "relu")
    got, call = network.call(learner)
    plain = network.plain()
    for key in ["W3", "b3", "W2", "b2", "W1", "b1"]:
        expected = plain[key] + (0.5 * network.params[key] if key[0] == "W" else 0)
        expect_gradient(got[key], expected, key=key, call=call + " with the default relu_grad",
                        mistakes=backward_mistakes(network, key, 0.5), against="mlp_backward's gradient plus lam * W")


def test_l2_backward_lam_zero_is_plain_backprop(learner):
    network = net(0.2)
    got, call = network.call(learner, lam=0.0)
    plain = network.plain()
    for key in ["W3", "b3", "W2", "b2", "W1", "b1"]:
        expect_gradient(got[key], plain[key], key=key, call=call, mistakes={}, against="mlp_backward's gradient")


def test_l2_backward_leaves_inputs_unchanged(learner):
    network = net(0.2)
    got, call = network.call(learner)
    expect_unchanged(learner.last, "l2_backward(Y, params, cache, lam)",
                     "Build new arrays, grads[k] + lam * params[k], rather than += into the gradients or params.")
    for key, value in network.params.items():
        expect_result(got[key], np.shape(value), f"grads[{key!r}] from {call}", f"the shape of params[{key!r}]")


def test_l2_loss_values(learner):
    network = net(0.2)
    call = "l2_loss(P, Y, params, lam=0.2)"
    got = number(learner.l2_loss(network.P, network.Y, network.params, 0.2), call)
    ce = _ref("losses").cross_entropy(network.P, network.Y)
    mistakes = {f"{d}": ce + v for d, v in penalty_mistakes(network.params, 0.2).items()}
    mistakes["the penalty is missing: add l2_penalty(params, lam) to the cross-entropy"] = ce
    mistakes[f"the penalty is divided by the batch size n = {N}; the contract adds it whole"] = \
        ce + _ref("regularization").l2_penalty(network.params, 0.2) / N
    expect_close(got, network.loss(network.params), call=call, mistakes=mistakes,
                 hint="l2_loss is cross_entropy(P, Y) + l2_penalty(params, lam).")


def test_l2_loss_lam_zero_is_cross_entropy_with_labels(learner):
    network = net(0.2)
    call = "l2_loss(P, y, params, lam=0.0) with integer labels y"
    got = number(learner.l2_loss(network.P, network.y, network.params, 0.0), call)
    expect_close(got, _ref("losses").cross_entropy(network.P, network.Y), call=call,
                 hint="With lam = 0 it is cross_entropy(P, y), which accepts integer labels too.")


# ---------------------------------------------------------------- dropout

A = np.random.default_rng(11).normal(0.0, 1.0, (5, 7))


def expected_mask(shape, keep_prob, seed):
    return (np.random.default_rng(seed).random(shape) < keep_prob).astype(float)


def dropout_call(learner, A_in, keep_prob, seed, **kwargs):
    call = f"dropout_forward(A, keep_prob={keep_prob}, rng=np.random.default_rng({seed})) for A of shape {np.shape(A_in)}"
    got = learner.dropout_forward(A_in, keep_prob, Rng(seed), **kwargs)
    if got is None:
        fail(f"{call} returned None: return the pair (A_drop, mask)")
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"{call} returned {fmt(got)[:60]}; it should return the pair (A_drop, mask)")
    out = expect_shape(got[0], np.shape(A_in), f"A_drop from {call}", "the shape of A")
    mask = expect_shape(got[1], np.shape(A_in), f"the mask from {call}", "the shape of A")
    return out.astype(float), mask.astype(float), call


def scaling_mistakes(A_in, mask, keep_prob):
    return {f"the kept values are not divided by keep_prob = {keep_prob}: inverted dropout returns "
            "A * mask / keep_prob, so each unit's expected value stays what it was": A_in * mask,
            "the kept values are multiplied by keep_prob; divide by it instead": A_in * mask * keep_prob,
            "the kept values are divided by 1 - keep_prob (the drop probability); divide by keep_prob":
                A_in * mask / (1 - keep_prob),
            "the mask is ignored: every unit is kept and scaled": A_in / keep_prob}


def test_dropout_forward_scales_kept_units(learner):
    out, mask, call = dropout_call(learner, A, 0.8, 3)
    if not np.isin(mask, (0.0, 1.0)).all():
        fail(f"the mask from {call} holds {fmt(mask[~np.isin(mask, (0.0, 1.0))][0])}; it should hold 1.0 for a kept "
             "unit and 0.0 for a dropped one (the scaling goes into A_drop, not into the mask)")
    expect_close(out, A * mask / 0.8, call=f"A_drop from {call}", inputs=A, input_name="A",
                 mistakes=scaling_mistakes(A, mask, 0.8), hint="A_drop = A * mask / keep_prob, with your own mask.")


def test_dropout_forward_mask_comes_from_the_rng(learner):
    _, mask, call = dropout_call(learner, A, 0.6, 4)
    expected = expected_mask(A.shape, 0.6, 4)
    mistakes = {"the mask keeps a unit where rng.random(...) >= keep_prob; keep it where rng.random(A.shape) < "
                "keep_prob, so that a fraction keep_prob of the units survive": 1.0 - expected}
    expect_close(mask, expected, call=f"the mask from {call}", mistakes=mistakes,
                 hint="Draw it as mask = (rng.random(A.shape) < keep_prob).astype(float): one call on the rng you "
                      "were given, so the grader, your training loop and a classmate all get the same mask "
                      "from the same seed.")


def test_dropout_forward_keeps_about_keep_prob(learner):
    big = np.ones((200, 50))
    _, mask, call = dropout_call(learner, big, 0.7, 5)
    kept = float(np.mean(mask != 0))
    if abs(kept - 0.7) > 0.03:
        fail(f"{call} kept {kept:.1%} of the units; with keep_prob = 0.7 it should keep about 70%"
             + (": you keep the units you should drop (rng.random(...) < keep_prob marks the kept ones)"
                if abs(kept - 0.3) < 0.03 else ""))


def test_dropout_forward_same_seed_same_mask(learner):
    _, first, call = dropout_call(learner, A, 0.5, 6)
    _, second, _ = dropout_call(learner, A, 0.5, 6)
    _, other, _ = dropout_call(learner, A, 0.5, 7)
    if not np.array_equal(first, second):
        fail(f"two calls of {call}, each with a new generator from the same seed, gave different masks: draw the mask "
             "from the rng argument, never from np.random directly")
    if np.array_equal(first, other):
        fail("dropout_forward gave the same mask for np.random.default_rng(6) and np.random.default_rng(7): draw "
             "it from the rng argument, not from a generator of your own")


def test_dropout_forward_keep_prob_one_is_identity(learner):
    out, mask, call = dropout_call(learner, A, 1.0, 8)
    expect_close(out, A, call=f"A_drop from {call}", inputs=A, input_name="A",
                 hint="With keep_prob = 1 every unit is kept and nothing is scaled: A_drop equals A.")
    expect_close(mask, np.ones(A.shape), call=f"the mask from {call}", hint="keep_prob = 1 keeps every unit.")


def test_dropout_forward_accepts_int_lists_and_leaves_them_unchanged(learner):
    ints = [[1, -2, 3], [0, 4, -1]]
    out, mask, call = dropout_call(learner, ints, 0.5, 9)
    expect_float(out, f"A_drop from {call} with A a list of ints")
    expect_close(out, np.asarray(ints, dtype=float) * mask / 0.5, call=f"A_drop from {call} with A a list of ints",
                 mistakes=scaling_mistakes(np.asarray(ints, dtype=float), mask, 0.5))
    dropout_call(learner, A.copy(), 0.5, 9)
    expect_unchanged(learner.last, "dropout_forward(A, keep_prob, rng)",
                     "Return a new array, A * mask / keep_prob, instead of writing zeros into A.")


def expect_value_error(learner, func, args, call):
    try:
        got = getattr(learner, func)(*args)
    except LearnerRaised as exc:
        if exc.kind == "ValueError":
            return
        if exc.kind == "NotImplementedError":
            raise
        fail(f"{call} raised {exc.kind}: {exc}; it should raise ValueError, since keep_prob must be in (0, 1]")
    fail(f"{call} returned {fmt(got)[:60] if not isinstance(got, tuple) else 'a pair'} instead of raising ValueError: "
         "check 0 < keep_prob <= 1 first and raise ValueError(...) otherwise (keep_prob = 0 would divide by zero)")


@pytest.mark.parametrize("keep_prob", [0.0, 1.5, -0.2])
def test_dropout_rejects_keep_prob_outside_0_1(learner, keep_prob):
    # Credit for refusing goes only to functions that accept a valid keep_prob.
    dropout_call(learner, A, 0.5, 1)
    expect_result(learner.dropout_backward(A, np.ones(A.shape), 0.5), A.shape,
                  "dropout_backward(dA, mask, keep_prob=0.5)", "the shape of dA")
    expect_value_error(learner, "dropout_forward", (A, keep_prob, Rng(1)),
                       f"dropout_forward(A, keep_prob={keep_prob}, rng)")
    expect_value_error(learner, "dropout_backward", (A, np.ones(A.shape), keep_prob),
                       f"dropout_backward(dA, mask, keep_prob={keep_prob})")


DA = np.random.default_rng(12).normal(0.0, 1.0, (5, 7))
MASK = expected_mask((5, 7), 0.6, 13)


def test_dropout_backward_values(learner):
    call = "dropout_backward(dA, mask, keep_prob=0.6) for dA of shape (5, 7)"
    got = learner.dropout_backward(DA, MASK, 0.6)
    mistakes = {"the gradient is not divided by keep_prob: the forward pass scaled the kept units by 1 / keep_prob, "
                "so their gradient is scaled the same way": DA * MASK,
                "the mask is missing: a dropped unit passes no gradient back": DA / 0.6,
                "the gradient is multiplied by keep_prob; divide by it": DA * MASK * 0.6}
    expect_close(got, DA * MASK / 0.6, call=call, inputs=MASK, input_name="mask", mistakes=mistakes,
                 hint="dropout_backward(dA, mask, keep_prob) = dA * mask / keep_prob.")


def test_dropout_backward_is_the_gradient_of_forward(learner):
    # d/dA sum(C * A_drop) = C * mask / keep_prob: the backward pass agrees with the learner's own forward pass.
    C = np.random.default_rng(14).normal(0.0, 1.0, A.shape)
    _, mask, _ = dropout_call(learner, A, 0.75, 15)
    call = "dropout_backward(C, mask, 0.75) with the mask dropout_forward(A, 0.75, rng) returned"
    got = learner.dropout_backward(C, mask, 0.75)
    expect_close(got, C * mask / 0.75, call=call, inputs=mask, input_name="mask",
                 mistakes={"the gradient is not divided by keep_prob": C * mask},
                 hint="A_drop = A * mask / keep_prob is linear in A, so its gradient is dA * mask / keep_prob.")


def test_dropout_backward_keep_prob_one_and_unchanged_inputs(learner):
    call = "dropout_backward(dA, mask of ones, keep_prob=1.0)"
    expect_close(learner.dropout_backward(DA.copy(), np.ones(DA.shape), 1.0), DA, call=call,
                 hint="With keep_prob = 1 the gradient passes through unchanged.")
    expect_unchanged(learner.last, "dropout_backward(dA, mask, keep_prob)")
    call = "dropout_backward(dA, mask, keep_prob=0.6) for dA of shape (5, 7)"  # and a call that changes dA
    expect_close(learner.dropout_backward(DA.copy(), MASK.copy(), 0.6), DA * MASK / 0.6, call=call, inputs=MASK,
                 input_name="mask", hint="dropout_backward(dA, mask, keep_prob) = dA * mask / keep_prob.")
    expect_unchanged(learner.last, "dropout_backward(dA, mask, keep_prob)")


# ---------------------------------------------------------------- early stopping


def noisy_blobs(n, seed, flip=0.2):
    """Three overlapping clusters with a fifth of the labels redrawn at random: easy to overfit."""
    rng = np.random.default_rng(seed)
    centres = np.array([[-1.0, -0.5], [1.0, -0.5], [0.0, 1.0]])
    y = rng.integers(0, 3, n)
    X = centres[y] + 0.7 * rng.standard_normal((n, 2))
    y = np.where(rng.random(n) < flip, rng.integers(0, 3, n), y)
    return X, y


TRAIN, VAL = noisy_blobs(40, 3), noisy_blobs(60, 4)
ES = dict(epochs=300, lr=0.01, batch_size=10, lam=0.0, patience=10, seed=0)
ES_SIZES = [2, 32, 32, 3]


def es_call(kw):
    args = ", ".join(f"{k}={v}" for k, v in kw.items())
    return f"train_early_stopping(X_train, y_train, X_val, y_val, {ES_SIZES}, {args})"


def run_es(learner, **changes):
    kw = {**ES, **changes}
    call = es_call(kw)
    return unpack_es(learner.train_early_stopping(*TRAIN, *VAL, ES_SIZES, **kw), call)


def unpack_es(got, call):
    """(params, loss, val_loss, best_epoch, call) from what train_early_stopping returned, or a failure."""
    if got is None:
        fail(f"{call} returned None: return the pair (best_params, history)")
    if not isinstance(got, (tuple, list)) or len(got) != 2 or not isinstance(got[0], dict):
        fail(f"{call} should return the pair (best_params, history)")
    params, history = got
    for l in range(1, len(ES_SIZES)):
        for key, shape in ((f"W{l}", (ES_SIZES[l - 1], ES_SIZES[l])), (f"b{l}", (ES_SIZES[l],))):
            if key not in params:
                fail(f"the params returned by {call} have no {key}")
            expect_shape(params[key], shape, f"params[{key!r}] from {call}")
    if not isinstance(history, dict) or not {"loss", "val_loss", "best_epoch"} <= set(history):
        fail(f"the history from {call} should be a dict with the keys 'loss', 'val_loss' and 'best_epoch', got "
             f"{sorted(history) if isinstance(history, dict) else type(history).__name__}")
    loss = as_array(history["loss"], f"history['loss'] from {call}").astype(float).ravel()
    val = as_array(history["val_loss"], f"history['val_loss'] from {call}").astype(float).ravel()
    expect_finite(loss, f"history['loss'] from {call}", input_name="epoch",
                  hint="Training diverged or took a log of 0.")
    expect_finite(val, f"history['val_loss'] from {call}", input_name="epoch",
                  hint="Training diverged or took a log of 0.")
    if len(loss) != len(val) or not len(val):
        fail(f"history['loss'] and history['val_loss'] from {call} hold {len(loss)} and {len(val)} values; both "
             "should hold one value per epoch run")
    best = history["best_epoch"]
    if isinstance(best, (bool, float)) or not isinstance(best, (int, np.integer)) or not 0 <= best < len(val):
        fail(f"history['best_epoch'] from {call} is {fmt(best)}; it should be the 0-based index (an int) of the "
             f"epoch with the lowest validation loss, between 0 and {len(val) - 1}")
    return {k: np.asarray(v, dtype=float) for k, v in params.items()}, loss, val, int(best), call


MISTAKEN_HISTORIES = {
    "before": "history[{key!r}] is recorded before the epoch's updates, so it runs one epoch behind and never holds "
              "the loss of the params after the epoch. Per the contract, each epoch first runs its sgd_steps, then "
              "appends the losses of the current params.",
    "last batch": "history['loss'] holds the loss of the epoch's last mini-batch, not of the whole training set. "
                  "After the epoch's steps, run all of X_train forward once and append its mean cross-entropy.",
    "last batch before its step": "history['loss'] holds the loss of the epoch's last mini-batch, measured before "
                                  "its step, not of the whole training set. After the epoch's steps, run all of "
                                  "X_train forward once and append its mean cross-entropy.",
    "running": "history['loss'] holds the mean loss of the mini-batches met during the epoch, while the params were "
               "still changing. After the epoch's steps, run all of X_train forward once and append its mean "
               "cross-entropy.",
    "penalty": "history[{key!r}] includes the L2 penalty. The contract records the plain mean cross-entropy, "
               "cross_entropy(P, Y), \"both without the L2 term\"; l2_loss is what the gradients follow, not what "
               "the history holds.",
}


def replay(epochs, lam, lr, batch_size, seed):
    """The contract's loop with the reference functions on TRAIN and VAL, without stopping: per epoch what
    history['loss'] and history['val_loss'] could hold instead of the mean cross-entropy on the whole set after
    the epoch's updates, {mistake: {"loss": array, "val_loss": array}} with the mistakes of MISTAKEN_HISTORIES,
    and the contract's own series as "right"."""
    training, layers, losses, reg = (_ref(n) for n in ("training", "layers", "losses", "regularization"))
    X, Xv = TRAIN[0], VAL[0]
    Y, Yv = losses.one_hot(TRAIN[1], ES_SIZES[-1]), losses.one_hot(VAL[1], ES_SIZES[-1])
    params, rng = layers.init_params(ES_SIZES, seed=seed), np.random.default_rng(seed)

    def ce(Xs, Ys, p):
        return losses.cross_entropy(layers.mlp_forward(Xs, p)[0], Ys)
    out = {name: [] for name in [*MISTAKEN_HISTORIES, "right"]}
    for _ in range(epochs):
        before, total = (ce(X, Y, params), ce(Xv, Yv, params)), 0.0
        for X_batch, Y_batch in training.iterate_minibatches(X, Y, batch_size, rng):
            last_before = ce(X_batch, Y_batch, params)
            total += last_before * len(X_batch)
            _, cache = layers.mlp_forward(X_batch, params)
            params = training.sgd_step(params, reg.l2_backward(Y_batch, params, cache, lam), lr)
        val, penalty = ce(Xv, Yv, params), reg.l2_penalty(params, lam)
        for name, value in (("before", before), ("last batch", (ce(X_batch, Y_batch, params), val)),
                            ("last batch before its step", (last_before, val)), ("running", (total / len(X), val)),
                            ("penalty", (ce(X, Y, params) + penalty, val + penalty)),
                            ("right", (ce(X, Y, params), val))):
            out[name].append(value)
    return {name: {"loss": np.array(v)[:, 0], "val_loss": np.array(v)[:, 1]} for name, v in out.items()}


def history_mistake(loss, val, kw):
    """The one mistake of MISTAKEN_HISTORIES whose series are the learner's, first by history['loss'], then by
    history['val_loss']; "" when none or more than one fits. ``kw``: the train_early_stopping arguments."""
    candidates = replay(len(loss), kw["lam"], kw["lr"], kw["batch_size"], kw["seed"])
    right = candidates.pop("right")
    for key, got in (("loss", loss), ("val_loss", val)):
        fits = [name for name, series in candidates.items() if not np.allclose(series[key], right[key])
                and np.allclose(got, series[key], rtol=1e-6, atol=1e-9)]
        if len(fits) == 1:
            return MISTAKEN_HISTORIES[fits[0]].format(key=key)
        if fits:
            return ""
    return ""


def val_loss_of(params):
    P, _ = _ref("layers").mlp_forward(VAL[0], params)
    return _ref("losses").cross_entropy(P, np.eye(3)[VAL[1]])


def test_early_stopping_returns_the_best_params(learner, record_artifact):
    params, loss, val, best, call = run_es(learner)
    record_artifact("history", {"loss": loss, "val_loss": val})
    got = val_loss_of(params)
    if abs(got - val.min()) > 1e-6 * max(1.0, val.min()):
        last = abs(got - val[-1]) < 1e-6 * max(1.0, val[-1])
        fail(f"the params returned by {call} have a validation loss of {got:.6g}, but the lowest in "
             f"history['val_loss'] is {val.min():.6g} (epoch {int(val.argmin())})"
             + (": you returned the params of the last epoch. Keep the params of the best epoch as you go "
                "(best = params when the validation loss improves) and return those" if last else
                ": return the params from right after the epoch whose validation loss was lowest"))
    if abs(val[best] - val.min()) > 1e-12:
        fail(f"history['best_epoch'] from {call} is {best}, whose validation loss is {val[best]:.6g}, but epoch "
             f"{int(val.argmin())} had {val.min():.6g}: best_epoch is the 0-based index of the lowest val_loss")


def test_early_stopping_records_the_losses_after_each_epoch(learner):
    # The contract: each epoch runs its sgd_steps, "Then append the mean cross-entropy on the whole training set
    # to history["loss"] and on the validation set to history["val_loss"], both without the L2 term", and
    # best_params are "the parameters right after the epoch" with the lowest validation loss. After one epoch
    # that is the only epoch: both losses are those of the params returned.
    kw = {**ES, "epochs": 1, "lam": 0.05}
    params, loss, val, best, call = run_es(learner, epochs=1, lam=0.05)
    untrained = _ref("layers").init_params(ES_SIZES, seed=ES["seed"])
    P = {name: _ref("layers").mlp_forward(X, params)[0] for name, X in (("loss", TRAIN[0]), ("val_loss", VAL[0]))}
    expected = {"loss": _ref("losses").cross_entropy(P["loss"], TRAIN[1]),
                "val_loss": _ref("losses").cross_entropy(P["val_loss"], VAL[1])}
    if all(np.array_equal(params[k], untrained[k]) for k in untrained) and np.isclose(loss[0], expected["loss"]):
        fail(f"the params returned by {call} are still the untrained init_params(layer_sizes, seed=seed), and "
             f"history['loss'][0], {loss[0]:.6g}, is their loss: the history and best_params are taken before the "
             "epoch's updates. Each epoch first runs its sgd_steps, then appends the losses of the current params, "
             "and best_params are the params right after the best epoch.")
    for key, got in (("loss", loss[0]), ("val_loss", val[0])):
        if np.isclose(got, expected[key], rtol=1e-6, atol=1e-9):
            continue
        mistake = history_mistake(loss, val, kw)
        fail(f"history[{key!r}][0] from {call} is {got:.6g}, but the params it returned after that one epoch give a "
             f"mean cross-entropy of {expected[key]:.6g} on the whole {'training' if key == 'loss' else 'validation'} "
             "set" + (f". Likely mistake: {mistake}" if mistake else ": after each epoch's updates, append the mean "
                      "cross-entropy of the current params on all of X_train and all of X_val, without the L2 term"))


def test_early_stopping_waits_patience_epochs(learner):
    for patience in (10, 4):
        params, loss, val, best, call = run_es(learner, patience=patience)
        first_best = int(np.argmin(val))
        if len(val) == ES["epochs"]:
            fail(f"{call} ran all {ES['epochs']} epochs although the validation loss was lowest at epoch {first_best}: "
                 f"stop once {patience} epochs in a row have not improved on the best")
        if len(val) != first_best + patience + 1:
            fail(f"{call} ran {len(val)} epochs; the validation loss was lowest at epoch {first_best} (0-based), so it "
                 f"should stop after epoch {first_best + patience}, {patience} epochs later, having run "
                 f"{first_best + patience + 1}: stop as soon as epoch - best_epoch reaches patience, where best_epoch "
                 "is the last epoch whose validation loss was strictly below every earlier one")


def test_early_stopping_runs_every_epoch_while_improving(learner):
    params, loss, val, best, call = run_es(learner, epochs=6)
    if len(val) != 6 or len(loss) != 6:
        fail(f"{call} recorded {len(val)} epochs; with epochs=6 and the validation loss still falling it should "
             "run all 6 and record each")


def test_early_stopping_matches_the_contract(learner):
    kw = {**ES, "lam": 0.01, "patience": 5}
    params, loss, val, best, call = run_es(learner, lam=0.01, patience=5)
    ref_params, ref_history = _ref("regularization").train_early_stopping(*TRAIN, *VAL, ES_SIZES, **kw)
    for name, got, expected in (("loss", loss, ref_history["loss"]), ("val_loss", val, ref_history["val_loss"])):
        expected = np.asarray(expected)
        n = min(len(got), len(expected))
        off = np.flatnonzero(~np.isclose(got[:n], expected[:n], rtol=1e-6, atol=1e-9))
        if len(off):
            e = int(off[0])
            mistake = history_mistake(loss, val, kw)
            if mistake:
                fail(f"history[{name!r}] from {call} is {got[e]:.8g} at epoch {e}, expected {expected[e]:.8g}. "
                     f"Likely mistake: {mistake}")
            fail(f"history[{name!r}] from {call} is {got[e]:.8g} at epoch {e}, expected {expected[e]:.8g}: "
                 "if the l2_backward tests fail, fix those first. "
                 + (f"history['loss'] agrees, so the training is right: record the validation loss as the mean "
                    "cross-entropy on X_val, without the L2 penalty" if name == "val_loss" else
                    "Otherwise the first epoch is already off, so check the start: init_params(layer_sizes, seed=seed), "
                    "rng = np.random.default_rng(seed), one sgd_step(params, l2_backward(Y_batch, params, cache, lam), "
                    "lr) per batch of iterate_minibatches(X_train, Y_train, batch_size, rng), and the mean "
                    "cross-entropy without the penalty" if e == 0 else
                    f"Otherwise: epochs 0 to {e - 1} agree, so the loop starts right; make one rng before the first "
                    "epoch and keep using it, so that every epoch gets a fresh shuffle, and keep training from the "
                    "current params (not the best ones)"))
    if len(val) != len(ref_history["val_loss"]):
        fail(f"{call} ran {len(val)} epochs, expected {len(ref_history['val_loss'])}: the losses agree, so the "
             "stopping rule is off. Stop after the epoch where epoch - best_epoch reaches patience.")
    for key, value in ref_params.items():
        expect_close(params[key], value, call=f"params[{key!r}] from {call}", rtol=1e-6, atol=1e-9,
                     hint="The histories agree, so these are the params of another epoch: return those of best_epoch.")


def test_early_stopping_leaves_inputs_unchanged(learner):
    kw = {**ES, "epochs": 3}
    got = learner.train_early_stopping(TRAIN[0].copy(), TRAIN[1].copy(), VAL[0].copy(), VAL[1].copy(), ES_SIZES, **kw)
    expect_unchanged(learner.last, "train_early_stopping(X_train, y_train, X_val, y_val, layer_sizes)")
    unpack_es(got, es_call(kw))  # the credit is for a training that returns its result
