"""Hidden suite: training.

sgd_step, predict and accuracy are pinned by the contract and compared with
exact values. iterate_minibatches and train draw random numbers in ways the
learner chooses, so they are judged by behaviour: every sample once, pairs
kept, same seed same result, another seed another result, the loss falls.
"""
from types import SimpleNamespace

import numpy as np
import pytest

from learnnn.feedback import (expect_close, expect_finite, expect_float, expect_result, expect_scalar, expect_shape,
                              expect_unchanged, fail, fmt, hinted)
from learnnn.sandbox import LearnerFailure
from learnnn.worker import Generated, Rng

SIZES = [4, 5, 3]


@pytest.fixture(scope="module")
def ref():
    """The reference layers, losses and backprop, in this (trusted) process."""
    from learnnn import reference as references
    return {name: references.load(name) for name in ("layers", "losses", "backprop")}


def make_params(sizes, seed):
    """Parameters with non-zero biases, so a key mixed up with another shows."""
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = rng.standard_normal((sizes[l - 1], sizes[l])) * np.sqrt(2 / sizes[l - 1])
        params[f"b{l}"] = rng.standard_normal(sizes[l]) * 0.1
    return params


def blobs(n_per_class=30, seed=5):
    """Three well separated clusters in 2-D: any working training loop fits them in a few epochs."""
    rng = np.random.default_rng(seed)
    centres = np.array([[-2.0, -1.0], [2.0, -1.0], [0.0, 2.0]])
    X = np.concatenate([c + 0.6 * rng.standard_normal((n_per_class, 2)) for c in centres])
    y = np.repeat(np.arange(3), n_per_class)
    order = rng.permutation(len(y))
    return X[order], y[order]


# ---------------------------------------------------------------- sgd_step


def expect_params(got, like, call):
    if got is None:
        fail(f"{call} returned None: did you forget the `return` statement?")
    if not isinstance(got, dict):
        fail(f"{call} returned a {type(got).__name__}; it should return a dict with the same keys as params")
    missing = [k for k in like if k not in got]
    extra = [k for k in got if k not in like]
    if missing or extra:
        fail(f"{call} returned the keys {sorted(got)}, but params has the keys {sorted(like)}"
             + (f": {', '.join(missing)} missing" if missing else "")
             + (f": {', '.join(extra)} not in params" if extra else "")
             + ". Update every key of params: {k: params[k] - lr * grads[k] for k in params}.")
    for k, v in like.items():
        expect_shape(got[k], np.shape(v), f"{call}[{k!r}]", f"the shape of params[{k!r}]")
    return got


def sgd_mistakes(p, g, lr):
    return {"p + lr * g: adding the gradient instead of subtracting it": p + lr * g,
            "p - g: the learning rate is missing": p - g,
            "-lr * g: the step without the old parameters": -lr * g,
            "lr * g: the step itself, not p - lr * g": lr * g,
            "params returned unchanged": p,
            "p - lr * p: the parameters used in place of the gradient": p - lr * p}


def test_sgd_step_values(learner):
    params, grads, lr = make_params(SIZES, 1), make_params(SIZES, 2), 0.1
    call = "sgd_step(params, grads, lr=0.1)"
    got = expect_params(learner.sgd_step(params, grads, lr), params, call)
    for k in params:
        expect_close(got[k], params[k] - lr * grads[k], call=f"{call}[{k!r}]", inputs=params[k],
                     input_name=f"params[{k!r}]", mistakes=sgd_mistakes(params[k], grads[k], lr),
                     hint="The update is p - lr * g for every key.")


@pytest.mark.parametrize("sizes", [[3, 2], [2, 6, 5, 4]], ids=["one-layer", "three-layer"])
def test_sgd_step_any_number_of_layers(learner, sizes):
    params, grads = make_params(sizes, 3), make_params(sizes, 4)
    call = "sgd_step(params, grads, lr=0.5)"
    with hinted("Loop over the keys of params rather than naming W1, b1, W2, b2: "
                "{k: params[k] - lr * grads[k] for k in params} works for any number of layers."):
        got = learner.sgd_step(params, grads, 0.5)
    got = expect_params(got, params, f"{call} for a {len(sizes) - 1}-layer network")
    for k in params:
        expect_close(got[k], params[k] - 0.5 * grads[k], call=f"{call}[{k!r}] for a {len(sizes) - 1}-layer network",
                     mistakes=sgd_mistakes(params[k], grads[k], 0.5),
                     hint="Loop over the keys of params rather than naming W1, b1, W2, b2.")


def test_sgd_step_leaves_params_unchanged(learner):
    params, grads = make_params(SIZES, 1), make_params(SIZES, 2)
    got = learner.sgd_step(params, grads, 0.1)
    expect_unchanged(learner.last, "sgd_step(params, grads, lr)",
                     "Build a new dict, {k: params[k] - lr * grads[k] for k in params}, instead of "
                     "params[k] -= lr * grads[k], which writes into the caller's arrays.")
    for k, value in expect_params(got, params, "sgd_step(params, grads, lr)").items():
        expect_finite(value, f"sgd_step(params, grads, lr)[{k!r}]")


def test_sgd_steps_lower_the_loss(learner, ref):
    layers, losses, backprop = ref["layers"], ref["losses"], ref["backprop"]
    X, y = blobs(10, seed=9)
    Y = losses.one_hot(y, 3)
    params = layers.init_params([2, 6, 3], seed=2)
    loss = [losses.cross_entropy(layers.mlp_forward(X, params)[0], Y)]
    for _ in range(5):
        _, cache = layers.mlp_forward(X, params)
        grads = backprop.mlp_backward(Y, params, cache)
        params = expect_params(learner.sgd_step(params, grads, 0.5), params, "sgd_step(params, grads, lr=0.5)")
        for k, value in params.items():  # a nan loss would pass both comparisons below
            expect_finite(value, f"sgd_step(params, grads, lr=0.5)[{k!r}]")
        loss.append(losses.cross_entropy(layers.mlp_forward(X, params)[0], Y))
    trail = ", ".join(f"{v:.3f}" for v in loss)
    if loss[-1] > loss[0]:
        fail(f"the loss rose over 5 steps of sgd_step with lr=0.5 ({trail}): are you adding the gradient "
             "instead of subtracting it? The update is p - lr * g.")
    if loss[-1] > loss[0] - 1e-3:
        fail(f"the loss did not fall over 5 steps of sgd_step with lr=0.5 ({trail}): does sgd_step return "
             "the updated parameters p - lr * g?")


# ---------------------------------------------------------------- iterate_minibatches


def batches_of(got, call, n, batch_size, width_x, width_y):
    """The batches as a list of (X_batch, Y_batch) arrays, or a failure that says what came back."""
    if got is None:
        fail(f"{call} returned None: it should `yield` (X_batch, Y_batch) pairs")
    if not isinstance(got, (Generated, list, tuple)):
        fail(f"{call} returned a {type(got).__name__}; it should `yield` (X_batch, Y_batch) pairs")
    out = []
    for i, pair in enumerate(got):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            fail(f"batch {i} from {call} is {fmt(pair)[:60]}; every item should be a pair (X_batch, Y_batch)")
        xb = np.asarray(pair[0])
        yb = np.asarray(pair[1])
        if xb.ndim != 2 or xb.shape[1] != width_x:
            fail(f"X_batch {i} from {call} has shape {xb.shape}; it should have shape (batch size, {width_x}): "
                 "take whole rows, X[idx] for an array of row numbers idx")
        if yb.ndim != 2 or yb.shape[1] != width_y or len(yb) != len(xb):
            fail(f"Y_batch {i} from {call} has shape {yb.shape}, but its X_batch has shape {xb.shape}: "
                 f"Y_batch should have shape ({len(xb)}, {width_y}), the rows of Y for the same samples")
        out.append((xb, yb))
    if not out:
        fail(f"{call} yielded nothing; it should yield (X_batch, Y_batch) pairs covering all {n} samples"
             + (f" (here one batch of all {n}: the last batch, even the only one, may be smaller than batch_size)"
                if batch_size > n else ""))
    return out


def data(n):
    """Row i of X is [i, -i, 2 i] and row i of Y is [i, 100 + i], so every row says which sample it is."""
    i = np.arange(n, dtype=float)
    return np.column_stack([i, -i, 2 * i]), np.column_stack([i, 100.0 + i])


def minibatch_order(learner, n, batch_size, seed, **kw):
    X, Y = data(n)
    call = f"iterate_minibatches(X, Y, batch_size={batch_size}, rng=np.random.default_rng({seed})) with {n} samples"
    batches = batches_of(learner.iterate_minibatches(X, Y, batch_size, Rng(seed), **kw), call, n, batch_size, 3, 2)
    return batches, call


def expect_cover(batches, call, n, batch_size=None):
    """The sample ids in the order they came, after checking every row is a row of X paired with its Y row."""
    X, _ = data(n)
    for xb, yb in batches:
        for j in range(len(xb)):
            i = int(xb[j, 0]) if xb[j, 0] == int(xb[j, 0]) and 0 <= xb[j, 0] < n else -1
            if i < 0 or not np.array_equal(xb[j], X[i]):
                fail(f"{call} yielded an X_batch row {fmt(xb[j])} that is not a row of X: take whole rows, "
                     "X[idx], with an array of row numbers idx")
            if yb[j, 0] != xb[j, 0]:
                fail(f"{call} paired X row {fmt(xb[j])} with Y row {fmt(yb[j])}, which belongs to another sample: "
                     "shuffle the row numbers once, idx = rng.permutation(n), and take X[idx] and Y[idx] with "
                     "the same idx, so every sample keeps its target")
    ids = np.concatenate([xb[:, 0] for xb, _ in batches]).astype(int)
    counts = np.bincount(ids, minlength=n)
    if len(ids) != n or (counts != 1).any():
        missing = np.flatnonzero(counts == 0)
        twice = np.flatnonzero(counts > 1)
        detail = "; ".join(([f"sample {missing[0]} never appears"] if len(missing) else [])
                           + ([f"sample {twice[0]} appears {counts[twice[0]]} times"] if len(twice) else []))
        if batch_size and n % batch_size and len(ids) == n - n % batch_size and not len(twice):
            fail(f"{call} yielded {len(ids)} samples in all: the last {n % batch_size} were dropped. Keep the last, "
                 "smaller batch: loop with range(0, n, batch_size) and slice idx[start:start + batch_size].")
        fail(f"{call} yielded {len(ids)} samples in all, but one epoch should cover each of the {n} samples "
             f"exactly once ({detail}): slice one permutation of the row numbers into consecutive pieces "
             "idx[start:start + batch_size]")
    return ids


@pytest.mark.parametrize("n,batch_size", [(10, 4), (12, 4), (7, 10), (23, 5)])
def test_minibatches_cover_every_sample_once(learner, n, batch_size):
    batches, call = minibatch_order(learner, n, batch_size, 0)
    expect_cover(batches, call, n, batch_size)
    sizes = [len(xb) for xb, _ in batches]
    expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if sizes != expected:
        fail(f"{call} yielded batches of sizes {sizes}, expected {expected}: every batch has batch_size samples "
             "except the last, which holds what is left (keep it, and don't yield an empty batch)")


def test_minibatches_keep_the_last_small_batch(learner):
    batches, call = minibatch_order(learner, 10, 4, 1)
    sizes = [len(xb) for xb, _ in batches]
    if sizes[:2] == [4, 4] and len(sizes) == 2:
        fail(f"{call} yielded batches of sizes {sizes}: the last 2 samples were dropped. Keep the last, "
             "smaller batch: loop with range(0, n, batch_size) and slice idx[start:start + batch_size].")
    expect_cover(batches, call, 10)


def test_minibatches_keep_x_and_y_paired(learner):
    batches, call = minibatch_order(learner, 30, 8, 2)
    expect_cover(batches, call, 30, 8)


def test_minibatches_are_shuffled(learner):
    batches, call = minibatch_order(learner, 40, 8, 3)
    ids = expect_cover(batches, call, 40)
    if np.array_equal(ids, np.arange(40)):
        fail(f"{call} yielded the samples in their original order 0, 1, 2, ...: shuffle them with the rng "
             "you were given, idx = rng.permutation(n), and take the batches from idx")
    if np.array_equal(ids, np.arange(40)[::-1]):
        fail(f"{call} yielded the samples in reverse order; shuffle them with idx = rng.permutation(n)")


def test_minibatches_same_seed_same_order(learner):
    first = expect_cover(*minibatch_order(learner, 40, 8, 4), 40)
    batches, call = minibatch_order(learner, 40, 8, 4)
    second = expect_cover(batches, call, 40)
    if not np.array_equal(first, second):
        fail(f"two calls of {call}, each with a new generator made from the same seed, gave different orders "
             f"({first[:6].tolist()}... and {second[:6].tolist()}...): draw the order from the rng argument, "
             "not from np.random")


def test_minibatches_order_comes_from_the_rng(learner):
    orders = [expect_cover(*minibatch_order(learner, 40, 8, seed), 40) for seed in (5, 6)]
    if np.array_equal(*orders):
        fail("iterate_minibatches gave the same order for np.random.default_rng(5) and np.random.default_rng(6): "
             "draw the order from the rng argument (idx = rng.permutation(n)), not from a generator of your own")


def test_minibatches_leave_inputs_unchanged(learner):
    minibatch_order(learner, 20, 6, 7)
    # The generator's state is meant to advance; only the data must stay as it was.
    info = SimpleNamespace(mutated=[name for name in learner.last.mutated if name != "rng"])
    expect_unchanged(info, "iterate_minibatches(X, Y, batch_size, rng)",
                     "Shuffle a copy of the row numbers (rng.permutation(n)), not X and Y themselves: "
                     "rng.shuffle(X) reorders the caller's array.")


def test_minibatches_accept_lists(learner):
    X, Y = data(9)
    call = "iterate_minibatches(X, Y, 4, rng) with X and Y as lists of ints"
    got = learner.iterate_minibatches(X.astype(int).tolist(), Y.astype(int).tolist(), 4, Rng(8))
    batches = batches_of(got, call, 9, 4, 3, 2)
    expect_cover(batches, call, 9, 4)
    for xb, yb in batches:
        expect_float(xb, f"an X_batch from {call}")
        expect_float(yb, f"a Y_batch from {call}")


# ---------------------------------------------------------------- train

EPOCHS = 15


def unpack_train(got, call, sizes, epochs):
    if got is None:
        fail(f"{call} returned None: did you forget the `return` statement?")
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"{call} returned {fmt(got)[:60] if not isinstance(got, dict) else 'a dict'}; "
             "it should return the pair (params, history)")
    params, history = got
    like = {}
    for l in range(1, len(sizes)):
        like[f"W{l}"], like[f"b{l}"] = np.zeros((sizes[l - 1], sizes[l])), np.zeros(sizes[l])
    expect_params(params, like, f"the params returned by {call}")
    for k in like:
        expect_finite(params[k], f"the params[{k!r}] returned by {call}", hint="Training diverged.")
    if not isinstance(history, dict) or set(history) < {"loss", "accuracy"}:
        fail(f"the history returned by {call} should be a dict with the keys 'loss' and 'accuracy', "
             f"got {sorted(history) if isinstance(history, dict) else type(history).__name__}")
    out = {}
    for key in ("loss", "accuracy"):
        values = expect_shape(history[key], (epochs,), f"history[{key!r}] from {call}",
                              f"one entry per epoch for epochs={epochs}").astype(float)
        out[key] = expect_finite(values, f"history[{key!r}] from {call}", input_name="epoch")
    if (out["accuracy"] < 0).any() or (out["accuracy"] > 1).any():
        fail(f"history['accuracy'] from {call} holds {fmt(out['accuracy'][out['accuracy'].argmax()])}: "
             "accuracy is a fraction between 0 and 1, not a percentage or a count")
    if (out["loss"] < 0).any():
        fail(f"history['loss'] from {call} holds a negative loss; the mean cross-entropy is never below 0")
    return params, out


def run_train(learner, X, y, sizes=(2, 8, 3), epochs=EPOCHS, seed=0, lr=0.1, batch_size=16, **kw):
    call = f"train(X, y, {list(sizes)}, epochs={epochs}, lr={lr}, batch_size={batch_size}, seed={seed})"
    got = learner.train(X, y, list(sizes), epochs=epochs, lr=lr, batch_size=batch_size, seed=seed, **kw)
    return unpack_train(got, call, list(sizes), epochs) + (call,)


def train_accuracy(ref, X, y, params):
    P, _ = ref["layers"].mlp_forward(X, params)
    return float(np.mean(P.argmax(axis=1) == y))


@pytest.fixture(scope="module")
def advice(learner):
    """advice(generic): why train isn't learning. train runs on the learner's own helpers from training.py, so
    when one of them fails its own tests, that is the advice; otherwise ``generic``."""
    found = []

    def helper_problem():
        for name, check in (("iterate_minibatches", test_minibatches_keep_x_and_y_paired),
                            ("sgd_step", test_sgd_step_values)):
            try:
                check(learner)
            except (AssertionError, LearnerFailure):
                return f"Your {name} fails its own tests (see {check.__name__}); fix it first, since train uses it."
        return ""

    def advise(generic):
        if not found:
            found.append(helper_problem())
        return found[0] or generic
    return advise


def test_train_loss_falls(learner, ref, record_artifact, advice):
    X, y = blobs()
    params, history, call = run_train(learner, X, y)
    record_artifact("history", history)
    loss = history["loss"]
    if loss[-1] > loss[0]:
        fail(f"the loss rose over {EPOCHS} epochs of {call}, from {loss[0]:.4g} to {loss[-1]:.4g}. "
             + advice("Are you adding the gradient instead of subtracting it (p - lr * g)? Also check that X_batch "
                      "and Y_batch belong together, and that each step starts from the parameters the previous step "
                      "returned: params = sgd_step(params, grads, lr)."))
    if loss[-1] == loss[0]:
        fail(f"the loss stayed at {loss[0]:.4g} over {EPOCHS} epochs of {call}. "
             + advice("Keep the parameters each step returns, params = sgd_step(params, grads, lr), so the next "
                      "batch starts from them, and record the loss of the current params after each epoch."))
    acc = train_accuracy(ref, X, y, params)
    if acc < 0.9:
        fail(f"after {call} on three well separated clusters the network classifies only {acc:.0%} of the training "
             f"samples right (the loss went from {loss[0]:.4g} to {loss[-1]:.4g}). "
             + advice("For each mini-batch run mlp_forward, mlp_backward with one-hot targets, then sgd_step, and "
                      "keep the returned params."))


def test_train_history_has_one_entry_per_epoch(learner):
    X, y = blobs(8)
    run_train(learner, X, y, epochs=3, batch_size=5)
    run_train(learner, X, y, epochs=1, batch_size=64)


def test_train_accuracy_history(learner, ref, advice):
    X, y = blobs()
    params, history, call = run_train(learner, X, y)
    recorded, actual = history["accuracy"][-1], train_accuracy(ref, X, y, params)
    if abs(recorded - actual) > 0.15:
        fail(f"history['accuracy'] after the last epoch of {call} is {recorded:.3g}, but the network it returned "
             f"classifies {actual:.3g} of the training set right: record the accuracy on the whole training set "
             "after each epoch, accuracy(predict(X, params), y)")
    if actual < 0.8:
        fail(f"after {call} on three well separated clusters the network classifies only {actual:.0%} of the "
             "training samples right, and the history says so too. " + advice("The training loop itself is not "
                                                                               "learning (see the other train tests)."))


def sample_losses(ref, X, y, params):
    """Each sample's cross-entropy under params: their mean is the loss on the whole training set."""
    P, _ = ref["layers"].mlp_forward(X, params)
    return -np.log(np.clip(P[np.arange(len(y)), y], 1e-12, None))


def test_train_history_is_measured_on_the_whole_training_set(learner, ref):
    # With lr=0 the params never move, so however the loss is taken during or after an epoch, on the whole
    # training set it is the loss of the params train returns. batch_size = n - 1 leaves a last mini-batch
    # of one sample, whose loss is far from the mean and tells which sample it was.
    X, y = blobs(11, seed=7)
    n, batch_size = len(y), len(y) - 1
    params, history, call = run_train(learner, X, y, epochs=3, lr=0.0, batch_size=batch_size)
    losses = sample_losses(ref, X, y, params)
    right = (ref["layers"].mlp_forward(X, params)[0].argmax(axis=1) == y).astype(float)
    for key, each, what in (("loss", losses, "mean cross-entropy"), ("accuracy", right, "accuracy")):
        expected = float(each.mean())
        off = np.flatnonzero(~np.isclose(history[key], expected, rtol=1e-6, atol=1e-9))
        if not len(off):
            continue
        e, got = int(off[0]), float(history[key][off[0]])
        message = (f"history[{key!r}] at epoch {e} of {call} is {got:.6g}, but with lr=0 the params never move, and "
                   f"the params it returned give {expected:.6g} on the whole training set of {n} samples")
        if every_entry_is_one_of(history[key], each):
            i = int(np.flatnonzero(np.isclose(got, each, rtol=1e-6, atol=1e-9))[0])
            fail(message + f". {got:.6g} is the {key} of {'one sample' if key == 'accuracy' else f'sample {i} alone'}, "
                 f"all that the last mini-batch held (batch_size={batch_size} leaves 1 of the {n} samples for it). "
                 f"Likely mistake: the history holds the {key} of the last mini-batch. After each epoch's "
                 f"mini-batches, run the whole training set forward once, mlp_forward(X, params), and record the {what} "
                 "of all the samples.")
        if key == "loss" and every_entry_is_one_of(history[key], ((losses.sum() - losses) / batch_size + losses) / 2):
            fail(message + f". {got:.6g} is the plain mean of the two mini-batches' losses (one of {batch_size} "
                 "samples, one of 1), which counts the single sample of the last batch as much as the other "
                 f"{batch_size}. Likely mistake: averaging the mini-batch means. The loss on the whole training set "
                 "is the mean over the samples: run all of X forward once after the epoch.")
        fail(message + f": after each epoch's mini-batches, record the {what} of the current params on every "
             "training sample, from one forward pass of the whole X.")


def every_entry_is_one_of(entries, values):
    return all(np.isclose(v, values, rtol=1e-6, atol=1e-9).any() for v in entries)


def test_train_history_is_recorded_after_each_epochs_updates(learner, ref):
    X, y = blobs()
    Y = ref["losses"].one_hot(y, 3)
    untrained, _, _ = run_train(learner, X, y, epochs=1, lr=0.0)
    params, history, call = run_train(learner, X, y, epochs=1)
    before, after = (ref["losses"].cross_entropy(ref["layers"].mlp_forward(X, p)[0], Y) for p in (untrained, params))
    got = float(history["loss"][0])
    if abs(after - before) > 1e-3 * before and np.isclose(got, before, rtol=1e-9, atol=1e-12):
        fail(f"history['loss'] after the one epoch of {call} is {got:.6g}, the loss of the untrained network on the "
             f"whole training set (the params train returns with lr=0.0), but the params it returned after that epoch "
             f"give {after:.6g}. Likely mistake: the loss is recorded before the epoch's updates, so the history runs "
             "one epoch behind and never holds the loss of the params you return. Record it after the epoch's "
             "mini-batches.")


@pytest.mark.parametrize("sizes", [(2, 3), (2, 6, 5, 3)], ids=["no-hidden-layer", "two-hidden-layers"])
def test_train_params_have_the_right_shapes(learner, sizes):
    X, y = blobs(10)
    run_train(learner, X, y, sizes=sizes, epochs=2)


def test_train_same_seed_same_result(learner):
    X, y = blobs(10)
    first, h1, call = run_train(learner, X, y, epochs=4, seed=3)
    second, h2, _ = run_train(learner, X, y, epochs=4, seed=3)
    for k in first:
        if not np.array_equal(first[k], second[k]):
            fail(f"calling {call} twice gave different params[{k!r}]: use only np.random.default_rng(seed) "
                 "(init_params(layer_sizes, seed=seed) and one rng for shuffling), never np.random directly")
    if not np.array_equal(h1["loss"], h2["loss"]):
        fail(f"calling {call} twice gave different loss histories: all randomness must come from the seed")


def test_train_other_seed_other_result(learner):
    X, y = blobs(10)
    first, _, _ = run_train(learner, X, y, epochs=2, seed=0)
    second, _, _ = run_train(learner, X, y, epochs=2, seed=1)
    if all(np.array_equal(first[k], second[k]) for k in first):
        fail("train(..., seed=0) and train(..., seed=1) returned identical params: pass the seed on, "
             "init_params(layer_sizes, seed=seed) and rng = np.random.default_rng(seed)")


def test_train_leaves_inputs_unchanged(learner):
    X, y = blobs(10)
    got = learner.train(X, y, [2, 4, 3], epochs=2, lr=0.1, batch_size=8, seed=0)
    expect_unchanged(learner.last, "train(X, y, layer_sizes)")
    unpack_train(got, "train(X, y, [2, 4, 3], epochs=2, lr=0.1, batch_size=8, seed=0)", [2, 4, 3], 2)


def test_train_accepts_read_only_inputs_and_defaults(learner, ref, advice):
    X, y = blobs(20)
    call = "train(X, y, [2, 8, 3]) with the defaults and read-only X and y"
    params, history = unpack_train(learner.train(X, y, [2, 8, 3], readonly=["*"]), call, [2, 8, 3], 100)
    acc = train_accuracy(ref, X, y, params)
    if acc < 0.9:
        fail(f"after {call} the network classifies only {acc:.0%} of the training samples right. "
             + advice("See the other train tests."))


# ---------------------------------------------------------------- predict and accuracy


@pytest.mark.parametrize("sizes", [(4, 5, 3), (4, 6, 5, 7)], ids=["one-hidden-layer", "two-hidden-layers"])
def test_predict(learner, ref, rng, sizes):
    params = make_params(list(sizes), 11)
    X = rng.standard_normal((9, sizes[0]))
    P, _ = ref["layers"].mlp_forward(X, params)
    call = f"predict(X, params) for X of shape {X.shape} and {sizes[-1]} classes"
    got = learner.predict(X, params)
    arr = np.asarray(got) if got is not None and not isinstance(got, (dict, str)) else got
    if isinstance(arr, np.ndarray) and arr.shape == P.shape:
        fail(f"{call} returned an array of shape {arr.shape}, the probabilities: return the class labels, "
             "their argmax over the last axis (axis=1), one per sample")
    if isinstance(arr, np.ndarray) and arr.shape == (P.shape[1],):
        fail(f"{call} returned shape {arr.shape}, one value per class: take the argmax over axis=1 "
             "(one label per sample), not axis=0")
    arr = expect_shape(got, (len(X),), call, "one label per sample")
    if arr.dtype.kind not in "iu":
        fail(f"{call} returned dtype {arr.dtype}; the labels should be integers, as np.argmax gives them")
    expect_close(arr, P.argmax(axis=1), call=call, inputs=X, input_name="X", float64=False,
                 mistakes={"argmin instead of argmax": P.argmin(axis=1)},
                 hint="predict is the argmax over the last axis of mlp_forward(X, params)'s output.")


def test_predict_accepts_lists(learner, ref):
    params = make_params([2, 4, 3], 12)
    X = [[1, -2], [0, 3], [-1, -1], [2, 2]]
    got = learner.predict(X, params)
    expect_close(expect_shape(got, (4,), "predict(X, params) with X as a list of ints"),
                 ref["layers"].mlp_forward(np.array(X, dtype=float), params)[0].argmax(axis=1),
                 call="predict(X, params) with X as a list of ints", float64=False)


def test_predict_leaves_inputs_unchanged(learner, rng):
    params = make_params([3, 4, 2], 13)
    got = learner.predict(rng.standard_normal((5, 3)), params)
    expect_unchanged(learner.last, "predict(X, params)")
    expect_result(got, (5,), "predict(X, params) for X of shape (5, 3)", "one label per sample")


def test_accuracy(learner):
    y_pred = np.array([0, 1, 2, 2, 1, 0, 1, 1, 0, 2])
    y_true = np.array([0, 1, 2, 1, 1, 0, 2, 1, 0, 0])  # 7 of 10 match
    got = learner.accuracy(y_pred, y_true)
    value = expect_scalar(got, "accuracy(y_pred, y_true)")
    expect_close(value, 0.7, call="accuracy(y_pred, y_true) with 7 of 10 labels right",
                 mistakes={"the number of matches, not the fraction": 7.0, "a percentage instead of a fraction": 70.0,
                           "the fraction of mistakes": 0.3},
                 hint="accuracy is np.mean(y_pred == y_true).")


@pytest.mark.parametrize("case", ["all-right", "none-right", "lists"])
def test_accuracy_edge_cases(learner, case):
    y_pred, y_true, expected = {"all-right": ([2, 0, 1], [2, 0, 1], 1.0), "none-right": ([1, 1, 0, 0], [0, 0, 1, 1], 0.0),
                                "lists": ([3, 1, 4, 1, 5], [3, 1, 4, 1, 9], 0.8)}[case]
    if case != "lists":
        y_pred, y_true = np.array(y_pred), np.array(y_true)
    call = f"accuracy({y_pred}, {y_true})"
    expect_close(expect_scalar(learner.accuracy(y_pred, y_true), call), expected, call=call,
                 hint="Compare as arrays (np.asarray) and average: np.mean(y_pred == y_true).")
    if case == "none-right":  # and one right of four, so that a constant 0 can't pass
        call = "accuracy([1, 1, 0, 0], [1, 0, 1, 1])"
        expect_close(expect_scalar(learner.accuracy(np.array([1, 1, 0, 0]), np.array([1, 0, 1, 1])), call), 0.25,
                     call=call, hint="Compare as arrays (np.asarray) and average: np.mean(y_pred == y_true).")
