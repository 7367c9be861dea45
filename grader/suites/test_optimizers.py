"""Hidden suite: optimizers (momentum, RMSProp, Adam, and a training loop that takes an optimiser).

The step functions are pure and the contract fixes every formula, so they are
compared with exact values on a non-square two-layer params dict, from a fresh
state (None) and from a state in mid-training. train_with_optimizer is compared
with the reference loop, whose every random number the contract pins down.
"""
import numpy as np
import pytest

from learnnn import reference as references
from learnnn.feedback import (as_array, expect_close, expect_finite, expect_result, expect_shape, expect_unchanged,
                              fail, fallback_hint, fmt)
from learnnn.sandbox import LearnerRaised

SIZES = [4, 5, 3]


def make(sizes, seed, scale=1.0):
    """A params-shaped dict of random values; biases non-zero so a key mixed up with another shows."""
    rng = np.random.default_rng(seed)
    out = {}
    for l in range(1, len(sizes)):
        out[f"W{l}"] = scale * rng.standard_normal((sizes[l - 1], sizes[l]))
        out[f"b{l}"] = scale * rng.standard_normal(sizes[l])
    return out


PARAMS, GRADS = make(SIZES, 1), make(SIZES, 2, 0.5)


def squares(d):
    return {k: v ** 2 for k, v in d.items()}


def expect_dict(got, like, call, what):
    if got is None:
        fail(f"{call} gave None for {what}: did you forget to return it?")
    if not isinstance(got, dict):
        fail(f"{what} from {call} is a {type(got).__name__}; it should be a dict with the keys {', '.join(like)}")
    missing = [k for k in like if k not in got]
    if missing:
        fail(f"{what} from {call} has no {', '.join(missing)} (it has {', '.join(map(str, got)) or 'no keys'}); "
             f"it needs every key of params: {', '.join(like)}")
    return {k: expect_shape(got[k], np.shape(like[k]), f"{what}[{k!r}] from {call}", f"the shape of params[{k!r}]")
            for k in like}


def step_call(learner, func, state, **kwargs):
    """Call a step function; returns (new_params, new_state, call text) after checking their form."""
    args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    call = f"{func}(params, grads, {'None' if state is None else 'state'}{', ' + args if args else ''})"
    got = getattr(learner, func)(PARAMS, GRADS, state, **kwargs)
    if got is None:
        fail(f"{call} returned None: return the pair (new_params, new_state)")
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"{call} returned {'a dict' if isinstance(got, dict) else fmt(got)[:60]}; it should return the pair "
             "(new_params, new_state)")
    new_params, new_state = got
    expect_dict(new_params, PARAMS, call, "new_params")
    if not isinstance(new_state, dict):
        fail(f"the new state from {call} is {'None' if new_state is None else type(new_state).__name__}; it should "
             "be a dict like the docstring's, which the next call receives as state")
    return new_params, new_state, call


def state_part(state, name, call):
    if name not in state:
        fail(f"the new state from {call} has the keys {sorted(state)}; it should have {name!r}, a dict with one array "
             "per parameter")
    return expect_dict(state[name], PARAMS, call, f"state[{name!r}]")


def compare(got, expected, call, what, mistakes, hint):
    """Compare dicts key by key; the first key off fails with the mistake that explains every key."""
    for k in expected:
        ok = np.allclose(got[k], expected[k], rtol=1e-6, atol=1e-10)
        if ok:
            continue
        for description, candidate in mistakes.items():
            if all(np.allclose(got[j], candidate[j], rtol=1e-5, atol=1e-10) for j in expected):
                expect_close(got[k], expected[k], call=f"{what}[{k!r}] from {call}", rtol=1e-6, atol=1e-10,
                             mistakes={description: candidate[k]})
        expect_close(got[k], expected[k], call=f"{what}[{k!r}] from {call}", rtol=1e-6, atol=1e-10, hint=hint)


# ---------------------------------------------------------------- momentum

V_OLD = make(SIZES, 3, 0.3)


def momentum_expected(v_old, lr, beta):
    v = {k: beta * v_old[k] + GRADS[k] for k in PARAMS}
    return {k: PARAMS[k] - lr * v[k] for k in PARAMS}, v


def momentum_mistakes(v_old, lr, beta):
    ema = {k: beta * v_old[k] + (1 - beta) * GRADS[k] for k in PARAMS}
    no_decay = {k: v_old[k] + GRADS[k] for k in PARAMS}
    old = {k: PARAMS[k] - lr * v_old[k] for k in PARAMS}
    return {"params": {
        "the velocity is an average, beta * v + (1 - beta) * g; the contract's is a sum, v = beta * v + g":
            {k: PARAMS[k] - lr * ema[k] for k in PARAMS},
        "the step uses the old velocity: update v first, v = beta * v + g, then p - lr * v": old,
        "the velocity is added: p - lr * v, not p + lr * v": {k: PARAMS[k] + lr * (beta * v_old[k] + GRADS[k])
                                                             for k in PARAMS},
        "beta is ignored: v = beta * v + g": {k: PARAMS[k] - lr * no_decay[k] for k in PARAMS},
        "the plain SGD step p - lr * g: the velocity is not used": {k: PARAMS[k] - lr * GRADS[k] for k in PARAMS},
        "CS231n's form, v = beta * v - lr * g and p + v, applied to the contract's velocity: the contract keeps "
        "v = beta * v + g and steps p - lr * v": {k: PARAMS[k] + beta * v_old[k] - lr * GRADS[k] for k in PARAMS}},
        "state": {
        "the stored velocity is beta * v - lr * g (CS231n's form, whose step is p + v); the contract stores "
        "v = beta * v + g and steps p - lr * v": {k: beta * v_old[k] - lr * GRADS[k] for k in PARAMS},
        "the velocity is an average, beta * v + (1 - beta) * g; the contract's is a sum, v = beta * v + g": ema,
        "the state holds the old velocity: return the updated one": v_old}}


@pytest.mark.parametrize("start", ["fresh", "mid-training"])
def test_momentum_step_values(learner, start):
    v_old = {k: np.zeros_like(v) for k, v in PARAMS.items()} if start == "fresh" else V_OLD
    state = None if start == "fresh" else {"v": V_OLD}
    new_params, new_state, call = step_call(learner, "momentum_step", state, lr=0.05, beta=0.8)
    exp_params, exp_v = momentum_expected(v_old, 0.05, 0.8)
    mistakes = momentum_mistakes(v_old, 0.05, 0.8)
    compare(new_params, exp_params, call, "new_params", mistakes["params"],
            "v = beta * v + g, then p - lr * v, for every key.")
    compare(state_part(new_state, "v", call), exp_v, call, "state['v']", mistakes["state"],
            "The new state is {'v': v} with v = beta * v_old + g.")


def test_momentum_step_defaults_and_chaining(learner):
    p1, s1, call = step_call(learner, "momentum_step", None)
    got = learner.momentum_step(p1, GRADS, s1)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail("momentum_step(new_params, grads, new_state) should return the pair (new_params, new_state)")
    v2 = {k: 0.9 * GRADS[k] + GRADS[k] for k in PARAMS}
    expected = {k: PARAMS[k] - 0.01 * GRADS[k] - 0.01 * v2[k] for k in PARAMS}
    compare(expect_dict(got[0], PARAMS, "the second momentum_step", "new_params"), expected,
            "two momentum_step calls with the defaults (lr=0.01, beta=0.9), the second given the first's state",
            "new_params", {"the second step ignores the state it was given": {k: p1[k] - 0.01 * GRADS[k] for k in PARAMS}},
            "After two equal gradients g the velocity is 0.9 * g + g = 1.9 g.")


# ---------------------------------------------------------------- RMSProp

S_OLD = squares(make(SIZES, 4, 0.4))


def rmsprop_expected(s_old, lr, rho, eps):
    s = {k: rho * s_old[k] + (1 - rho) * GRADS[k] ** 2 for k in PARAMS}
    return {k: PARAMS[k] - lr * GRADS[k] / (np.sqrt(s[k]) + eps) for k in PARAMS}, s


def rmsprop_mistakes(s_old, lr, rho, eps):
    s = {k: rho * s_old[k] + (1 - rho) * GRADS[k] ** 2 for k in PARAMS}
    swapped = {k: (1 - rho) * s_old[k] + rho * GRADS[k] ** 2 for k in PARAMS}
    return {"params": {
        "eps is inside the square root: the contract divides by sqrt(s) + eps":
            {k: PARAMS[k] - lr * GRADS[k] / np.sqrt(s[k] + eps) for k in PARAMS},
        "the square root is missing: divide by sqrt(s) + eps": {k: PARAMS[k] - lr * GRADS[k] / (s[k] + eps) for k in PARAMS},
        "rho and 1 - rho are swapped: s = rho * s + (1 - rho) * g ** 2":
            {k: PARAMS[k] - lr * GRADS[k] / (np.sqrt(swapped[k]) + eps) for k in PARAMS},
        "the step uses the old s: update s first, then divide by its square root":
            {k: PARAMS[k] - lr * GRADS[k] / (np.sqrt(s_old[k]) + eps) for k in PARAMS}},
        "state": {"rho and 1 - rho are swapped: s = rho * s + (1 - rho) * g ** 2": swapped,
                  "the state holds the old s: return the updated one": s_old,
                  "the state holds g ** 2 alone: s = rho * s + (1 - rho) * g ** 2 is a running mean":
                      squares(GRADS)}}


@pytest.mark.parametrize("start", ["fresh", "mid-training"])
def test_rmsprop_step_values(learner, start):
    s_old = {k: np.zeros_like(v) for k, v in PARAMS.items()} if start == "fresh" else S_OLD
    state = None if start == "fresh" else {"s": S_OLD}
    new_params, new_state, call = step_call(learner, "rmsprop_step", state, lr=0.01, rho=0.8, eps=1e-3)
    exp_params, exp_s = rmsprop_expected(s_old, 0.01, 0.8, 1e-3)
    mistakes = rmsprop_mistakes(s_old, 0.01, 0.8, 1e-3)
    compare(new_params, exp_params, call, "new_params", mistakes["params"],
            "s = rho * s + (1 - rho) * g ** 2, then p - lr * g / (sqrt(s) + eps), for every key.")
    compare(state_part(new_state, "s", call), exp_s, call, "state['s']", mistakes["state"],
            "The new state is {'s': s} with s = rho * s_old + (1 - rho) * g ** 2.")


def test_rmsprop_first_step_is_about_lr_over_sqrt_one_minus_rho(learner):
    # From s = 0, s = (1 - rho) g^2, so every parameter moves by lr / sqrt(1 - rho), whatever the size of g.
    new_params, _, call = step_call(learner, "rmsprop_step", None)
    for k in PARAMS:
        moved = np.abs(new_params[k] - PARAMS[k])
        expect_close(moved, np.full(PARAMS[k].shape, 0.001 / np.sqrt(0.1)), call=f"|new_params[{k!r}] - params[{k!r}]| "
                     f"from {call}", rtol=1e-4, atol=1e-10,
                     hint="From a fresh state s = 0.1 * g ** 2, so each first step is lr * g / (sqrt(0.1) |g|), "
                          "about 0.00316 with the defaults lr=0.001 and rho=0.9.")


# ---------------------------------------------------------------- Adam

M_OLD, V2_OLD = make(SIZES, 5, 0.2), squares(make(SIZES, 6, 0.3))
T_OLD = 4


def adam_moments(m_old, v_old, b1, b2):
    m = {k: b1 * m_old[k] + (1 - b1) * GRADS[k] for k in PARAMS}
    v = {k: b2 * v_old[k] + (1 - b2) * GRADS[k] ** 2 for k in PARAMS}
    return m, v


def adam_update(m, v, t_m, t_v, lr, b1, b2, eps, eps_inside=False):
    out = {}
    for k in PARAMS:
        m_hat = m[k] / (1 - b1 ** t_m) if t_m else m[k]
        v_hat = v[k] / (1 - b2 ** t_v) if t_v else v[k]
        out[k] = PARAMS[k] - lr * m_hat / (np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps)
    return out


def adam_mistakes(m_old, v_old, t_old, lr, b1, b2, eps):
    m, v = adam_moments(m_old, v_old, b1, b2)
    t = t_old + 1
    out = {"the bias correction is missing: divide m by 1 - beta1 ** t and v by 1 - beta2 ** t before the step "
           "(without it the first steps are several times too large)": adam_update(m, v, 0, 0, lr, b1, b2, eps),
           "eps is inside the square root: the contract divides by sqrt(v_hat) + eps":
               adam_update(m, v, t, t, lr, b1, b2, eps, eps_inside=True),
           "only m is bias-corrected: v_hat = v / (1 - beta2 ** t) too": adam_update(m, v, t, 0, lr, b1, b2, eps),
           "only v is bias-corrected: m_hat = m / (1 - beta1 ** t) too": adam_update(m, v, 0, t, lr, b1, b2, eps),
           "beta1 and beta2 are swapped": adam_update(*adam_moments(m_old, v_old, b2, b1), t, t, lr, b2, b1, eps)}
    if t_old:
        out["the bias correction uses the old t: increase t first (t = t + 1), then correct with the new t"] = \
            adam_update(m, v, t_old, t_old, lr, b1, b2, eps)
    return out


@pytest.mark.parametrize("start", ["fresh", "mid-training"])
def test_adam_step_values(learner, start):
    zeros = {k: np.zeros_like(v) for k, v in PARAMS.items()}
    m_old, v_old, t_old = (zeros, zeros, 0) if start == "fresh" else (M_OLD, V2_OLD, T_OLD)
    state = None if start == "fresh" else {"t": T_OLD, "m": M_OLD, "v": V2_OLD}
    lr, b1, b2, eps = 0.01, 0.8, 0.99, 1e-6
    new_params, new_state, call = step_call(learner, "adam_step", state, lr=lr, beta1=b1, beta2=b2, eps=eps)
    m, v = adam_moments(m_old, v_old, b1, b2)
    compare(new_params, adam_update(m, v, t_old + 1, t_old + 1, lr, b1, b2, eps), call, "new_params",
            adam_mistakes(m_old, v_old, t_old, lr, b1, b2, eps),
            "t = t + 1; m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g ** 2; "
            "p - lr * m_hat / (sqrt(v_hat) + eps) with m_hat = m / (1 - beta1 ** t), v_hat = v / (1 - beta2 ** t).")
    compare(state_part(new_state, "m", call), m, call, "state['m']",
            {"the state holds m_hat; keep the uncorrected m in the state, the correction is recomputed every step":
                 {k: m[k] / (1 - b1 ** (t_old + 1)) for k in m}, "the state holds the old m": m_old},
            "m = beta1 * m + (1 - beta1) * g.")
    compare(state_part(new_state, "v", call), v, call, "state['v']",
            {"the state holds v_hat; keep the uncorrected v in the state": {k: v[k] / (1 - b2 ** (t_old + 1)) for k in v},
             "the state holds the old v": v_old},
            "v = beta2 * v + (1 - beta2) * g ** 2.")
    t = new_state.get("t")
    if isinstance(t, bool) or not isinstance(t, (int, np.integer, float, np.floating)) or t != t_old + 1:
        fail(f"the new state's 't' from {call} is {fmt(t)}; it should be {t_old + 1}: the state counts the steps "
             "taken, so each call returns t + 1 (and the first call, from None, returns 1)")


def test_adam_first_step_moves_every_parameter_by_about_lr(learner):
    # Kingma & Ba 2015, section 2.1: with bias correction the first step is lr * g / |g| = lr * sign(g).
    new_params, _, call = step_call(learner, "adam_step", None, lr=0.001)
    for k in PARAMS:
        moved = new_params[k] - PARAMS[k]
        expected = -0.001 * np.sign(GRADS[k])
        ratio = float(np.median(np.abs(moved) / 0.001))
        expect_close(moved, expected, call=f"new_params[{k!r}] - params[{k!r}] from {call}", rtol=1e-4, atol=1e-10,
                     mistakes={"the bias correction is missing: the first step is 0.1 / sqrt(0.001), about 3.16 "
                               "times lr, instead of lr. Divide m by 1 - beta1 ** t and v by 1 - beta2 ** t, with "
                               "t = 1 on the first step": expected * 0.1 / np.sqrt(0.001)},
                     hint=f"The first Adam step should move every parameter by about lr against its gradient; "
                          f"yours moved by {ratio:.3g} lr (median).")


def test_adam_ignores_zero_gradients_from_a_fresh_start(learner):
    zero = {k: np.zeros_like(v) for k, v in PARAMS.items()}
    got = learner.adam_step(PARAMS, zero, None)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail("adam_step(params, zero grads, None) should return the pair (new_params, new_state)")
    new_params = expect_dict(got[0], PARAMS, "adam_step(params, grads of zeros, None)", "new_params")
    for k in PARAMS:
        expect_close(new_params[k], PARAMS[k], call=f"new_params[{k!r}] from adam_step(params, grads of zeros, None)",
                     hint="With g = 0, m and v stay 0 and the step is 0 / (0 + eps) = 0: keep eps outside the square "
                          "root and nothing moves (a nan here means eps was left out).")


# ---------------------------------------------------------------- all three: purity and input types


@pytest.mark.parametrize("func,state", [("momentum_step", {"v": V_OLD}), ("rmsprop_step", {"s": S_OLD}),
                                        ("adam_step", {"t": T_OLD, "m": M_OLD, "v": V2_OLD})],
                         ids=["momentum", "rmsprop", "adam"])
def test_steps_leave_their_inputs_unchanged(learner, func, state):
    got = getattr(learner, func)(PARAMS, GRADS, state)
    call = f"{func}(params, grads, state)"
    expect_unchanged(learner.last, call,
                     "A step is a pure function: build new dicts and arrays ({k: params[k] - ... for k in params}) "
                     "instead of params[k] -= ..., v[k] *= ... or state['t'] += 1, which change the caller's data.")
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"{call} returned {'None' if got is None else fmt(got)[:60]}; it should return the pair "
             "(new_params, new_state)")
    new_params = expect_dict(got[0], PARAMS, call, "new_params")
    for k in PARAMS:
        expect_result(new_params[k], PARAMS[k].shape, f"new_params[{k!r}] from {call}")


@pytest.mark.parametrize("func", ["momentum_step", "rmsprop_step", "adam_step"], ids=["momentum", "rmsprop", "adam"])
def test_steps_accept_int_lists(learner, func):
    params = {"W1": [[1, 2], [3, 4], [5, 6]], "b1": [0, 1]}
    grads = {"W1": [[1, -1], [0, 2], [2, 1]], "b1": [1, -2]}
    as_float = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    reference = references.load("optimizers")
    expected, _ = getattr(reference, func)(params, grads, None)
    got = getattr(learner, func)(params, grads, None)
    call = f"{func}(params, grads, None) with params and grads as lists of ints"
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"{call} should return the pair (new_params, new_state)")
    new_params = expect_dict(got[0], as_float, call, "new_params")
    floats = getattr(learner, func)(as_float, {k: np.asarray(v, dtype=float) for k, v in grads.items()}, None)
    for k in params:
        arr = as_array(got[0][k], f"new_params[{k!r}] from {call}")
        if arr.dtype != np.float64:
            fail(f"new_params[{k!r}] from {call} has dtype {arr.dtype}; convert with np.asarray(params[k], dtype=float)")
        try:
            with_floats = floats[0][k]
        except (TypeError, KeyError, IndexError):
            with_floats = None
        expect_close(new_params[k], expected[k], call=f"new_params[{k!r}] from {call}",
                     hint=fallback_hint(with_floats, expected[k],
                                        "Convert params and grads with np.asarray(..., dtype=float) before the arithmetic."))


# ---------------------------------------------------------------- train_with_optimizer


def blobs(n_per_class=20, seed=5):
    rng = np.random.default_rng(seed)
    centres = np.array([[-2.0, -1.0], [2.0, -1.0], [0.0, 2.0]])
    X = np.concatenate([c + 0.8 * rng.standard_normal((n_per_class, 2)) for c in centres])
    y = np.repeat(np.arange(3), n_per_class)
    order = rng.permutation(len(y))
    return X[order], y[order]


def run_train(learner, X, y, sizes, **kw):
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    call = f"train_with_optimizer(X, y, {sizes}, {args})"
    got = learner.train_with_optimizer(X, y, sizes, **kw)
    if got is None:
        fail(f"{call} returned None: return the pair (params, history)")
    if not isinstance(got, (tuple, list)) or len(got) != 2 or not isinstance(got[0], dict):
        fail(f"{call} should return the pair (params, history)")
    params, history = got
    like = {}
    for l in range(1, len(sizes)):
        like[f"W{l}"], like[f"b{l}"] = np.zeros((sizes[l - 1], sizes[l])), np.zeros(sizes[l])
    params = {k: v.astype(float) for k, v in expect_dict(params, like, call, "params").items()}
    if not isinstance(history, dict) or not {"loss", "accuracy"} <= set(history):
        fail(f"the history from {call} should be a dict with the keys 'loss' and 'accuracy'")
    epochs = kw.get("epochs", 20)
    out = {k: expect_finite(expect_shape(history[k], (epochs,), f"history[{k!r}] from {call}", "one value per epoch"),
                            f"history[{k!r}] from {call}", input_name="epoch", hint="Training diverged.")
           for k in ("loss", "accuracy")}
    expect_own_history(X, y, sizes, kw, params, out, call)
    return params, out, call


def expect_own_history(X, y, sizes, kw, params, history, call):
    """The last epoch's entries must be the mean cross-entropy and accuracy of the params returned, on the whole
    training set: the contract says "After every epoch, record the mean cross-entropy and the accuracy (a
    fraction) on the whole training set". A history that isn't the training's own is no evidence of training."""
    P = references.load("layers").mlp_forward(np.asarray(X, dtype=float), params)[0]
    own = {"loss": references.load("losses").cross_entropy(P, np.asarray(y)),
           "accuracy": float(np.mean(P.argmax(axis=1) == np.asarray(y)))}
    for key, value in own.items():
        if not np.isclose(history[key][-1], value, rtol=1e-6, atol=1e-9):
            what = "mean cross-entropy" if key == "loss" else "accuracy"
            mistake = history_mistake(history, replay(X, y, sizes, **kw))
            fail(f"history[{key!r}] at the last epoch of {call} is {fmt(history[key][-1])}, but the params it returned "
                 f"give a {what} of {fmt(value)} on the whole training set"
                 + (f". Likely mistake: {mistake}" if mistake else ": after every epoch's steps (not before them), "
                    "record the loss and accuracy of the current params on every training sample (not on a "
                    "mini-batch), and return the params of the last epoch"))


MISTAKEN_HISTORIES = {
    "before": "the {key} is recorded before the epoch's steps, so the history runs one epoch behind and never holds "
              "the {key} of the params you return. Record it after the epoch's last step.",
    "last batch": "the history holds the {key} of the epoch's last mini-batch, not of the whole training set. After "
                  "the epoch's steps, run all of X forward once and record the {key} of every sample.",
    "last batch before its step": "the history holds the {key} of the epoch's last mini-batch, measured before its "
                                  "step, not of the whole training set. After the epoch's steps, run all of X forward "
                                  "once and record the {key} of every sample.",
    "running": "the history holds the mean {key} of the mini-batches met during the epoch, while the params were "
               "still changing. After the epoch's steps, run all of X forward once and record the {key} of every "
               "sample with the params you return.",
}


def replay(X, y, sizes, optimizer="adam", epochs=20, lr=None, batch_size=32, seed=0):
    """The contract's loop run with the reference functions, and per epoch what a history could hold instead of
    the loss and accuracy on the whole training set after the epoch's steps: {mistake: {"loss": [...],
    "accuracy": [...]}} with the mistakes of MISTAKEN_HISTORIES."""
    training, layers, losses, backprop = (references.load(n) for n in ("training", "layers", "losses", "backprop"))
    lr = {"sgd": 0.1, "momentum": 0.01}.get(optimizer, 0.001) if lr is None else lr
    X, y = np.asarray(X, dtype=float), np.asarray(y).astype(int)
    Y = losses.one_hot(y, sizes[-1])
    params, rng, state = layers.init_params(sizes, seed=seed), np.random.default_rng(seed), None

    def measure(Xs, Ys, p):
        P = layers.mlp_forward(Xs, p)[0]
        return np.array([losses.cross_entropy(P, Ys), np.mean(P.argmax(axis=1) == Ys.argmax(axis=1))])
    out = {name: [] for name in MISTAKEN_HISTORIES}
    for _ in range(epochs):
        before, total = measure(X, Y, params), np.zeros(2)
        for X_batch, Y_batch in training.iterate_minibatches(X, Y, batch_size, rng):
            last_before = measure(X_batch, Y_batch, params)
            total += last_before * len(X_batch)
            _, cache = layers.mlp_forward(X_batch, params)
            grads = backprop.mlp_backward(Y_batch, params, cache)
            if optimizer == "sgd":
                params = training.sgd_step(params, grads, lr)
            else:
                params, state = getattr(references.load("optimizers"), f"{optimizer}_step")(params, grads, state, lr=lr)
        for name, value in (("before", before), ("last batch", measure(X_batch, Y_batch, params)),
                            ("last batch before its step", last_before), ("running", total / len(X))):
            out[name].append(value)
    return {name: {"loss": np.array(v)[:, 0], "accuracy": np.array(v)[:, 1]} for name, v in out.items()}


def history_mistake(history, candidates):
    """The one mistake of MISTAKEN_HISTORIES whose series is the learner's history, first by the loss, then by
    the accuracy; "" when none or more than one fits."""
    for key in ("loss", "accuracy"):
        got = np.asarray(history[key], dtype=float)
        fits = [name for name, series in candidates.items()
                if len(series[key]) == len(got) and np.allclose(got, series[key], rtol=1e-6, atol=1e-9)]
        if len(fits) == 1:
            return MISTAKEN_HISTORIES[fits[0]].format(key=key)
        if fits:
            return ""
    return ""


OPTIMIZERS = ["sgd", "momentum", "rmsprop", "adam"]


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_train_with_optimizer_matches_the_contract(learner, optimizer):
    X, y = blobs()
    kw = dict(optimizer=optimizer, epochs=4, batch_size=16, seed=3)
    params, history, call = run_train(learner, X, y, [2, 6, 3], **kw)
    ref_params, ref_history = references.load("optimizers").train_with_optimizer(X, y, [2, 6, 3], **kw)
    steps = {"sgd": "sgd_step(params, grads, lr)", "momentum": "momentum_step", "rmsprop": "rmsprop_step",
             "adam": "adam_step"}[optimizer]
    loss, expected = history["loss"], np.asarray(ref_history["loss"])
    off = np.flatnonzero(~np.isclose(loss, expected, rtol=1e-6, atol=1e-9))
    if len(off):
        e = int(off[0])
        fail(f"history['loss'] from {call} is {loss[e]:.8g} after epoch {e}, expected {expected[e]:.8g}: "
             + (f"if the tests of {steps.split('(')[0]} fail, fix those first. Otherwise: with "
                f"optimizer={optimizer!r} every mini-batch step should call {steps} with lr = "
                f"{ {'sgd': 0.1, 'momentum': 0.01, 'rmsprop': 0.001, 'adam': 0.001}[optimizer]} (the default when lr "
                "is None), starting from init_params(layer_sizes, seed=seed) and shuffling with iterate_minibatches(X, "
                "Y, batch_size, rng), rng = np.random.default_rng(seed)" if e == 0 else
                f"epoch{'s 0 to ' + str(e - 1) if e > 1 else ' 0'} agree{'s' if e == 1 else ''}, so the start is right: carry the optimiser's state from one step to "
                "the next and across epochs (set it to None once, before the first epoch)"))
    for key, value in ref_params.items():
        expect_close(params[key], value, call=f"params[{key!r}] from {call}", rtol=1e-6, atol=1e-9,
                     hint="The loss history agrees: return the params after the last epoch.")
    expect_close(history["accuracy"], ref_history["accuracy"], call=f"history['accuracy'] from {call}",
                 hint="Record the accuracy on the whole training set after each epoch, a fraction between 0 and 1.")


def test_train_with_optimizer_uses_the_lr_given(learner):
    X, y = blobs()
    _, default, _ = run_train(learner, X, y, [2, 6, 3], optimizer="adam", epochs=2, seed=1)
    _, faster, call = run_train(learner, X, y, [2, 6, 3], optimizer="adam", epochs=2, lr=0.05, seed=1)
    if np.allclose(default["loss"], faster["loss"]):
        fail(f"{call} gave the same loss history as lr=None (the default 0.001): pass lr on to the step function")


def test_train_with_optimizer_rejects_unknown_names(learner):
    X, y = blobs(5)
    run_train(learner, X, y, [2, 4, 3], optimizer="sgd", epochs=1)  # refusing counts only beside a valid run
    call = "train_with_optimizer(X, y, [2, 4, 3], optimizer='adagrad')"
    try:
        learner.train_with_optimizer(X, y, [2, 4, 3], optimizer="adagrad", epochs=1)
    except LearnerRaised as exc:
        if exc.kind == "ValueError":
            return
        if exc.kind == "NotImplementedError":
            raise
        fail(f"{call} raised {exc.kind}: {exc}; raise ValueError naming the choices (sgd, momentum, rmsprop, adam)")
    fail(f"{call} returned instead of raising ValueError: an unknown optimiser should stop with a clear message, "
         "not quietly train with another one")


def test_optimizers_compared_on_digits(learner, record_artifact):
    """The curves `learnnn check` draws: each optimiser on the first 600 digits, checked against the reference."""
    from learnnn import datasets  # scikit-learn's bundled file, without importing scikit-learn

    X, y = datasets.load("digits")
    X, y = X[:600] / 16.0, y[:600]
    curves = {}
    for optimizer in OPTIMIZERS:
        kw = dict(optimizer=optimizer, epochs=5, lr=0.01, batch_size=32, seed=0)
        _, history, call = run_train(learner, X, y, [64, 32, 10], **kw)
        curves[f"{optimizer} loss"] = history["loss"]
        expected = references.load("optimizers").train_with_optimizer(X, y, [64, 32, 10], **kw)[1]["loss"]
        expect_close(history["loss"], expected, call=f"history['loss'] from {call} on 600 digits", rtol=1e-6,
                     hint="The blob tests of train_with_optimizer say where it goes wrong.")
    record_artifact("history", curves)
