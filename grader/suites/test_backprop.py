"""Hidden suite: backprop (dense_backward, mlp_backward).

mlp_backward is checked against central differences (h = 1e-5) of the mean
cross-entropy, computed here in the trusted process with the reference forward
pass and loss. The cache handed to the learner is built the same way, so only
the learner's backward pass is under test. Every network's data is chosen so that
no pre-activation lies near ReLU's kink and the reference's relative error stays
far below the 1e-7 threshold.
"""
from functools import lru_cache

import numpy as np
import pytest

from learnnn import reference as references, testing
from learnnn.feedback import as_array, diagnosis, expect_float, expect_result, expect_unchanged, fail, fmt
from learnnn.worker import Named

H_STEP = 1e-5
THRESHOLD = 1e-7  # relative error of a correct gradient against central differences

# dense_backward: N samples, n_in inputs, n_out outputs, all different.
N, N_IN, N_OUT = 6, 4, 3


def _fixed_data(seed=70707):
    """Constant test data; the generator lives only inside this call."""
    g = np.random.default_rng(seed)
    return g.normal(0.0, 0.5, (N, N_OUT)), g.normal(0.0, 1.0, (N, N_IN)), g.normal(0.0, 0.6, (N_IN, N_OUT))


DZ, A_PREV, W = _fixed_data()


def _ref(name):
    return references.load(name)


# ---------------------------------------------------------------- helpers


def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))


def shapes_note(**arrays):
    return ", ".join(f"{k} {tuple(np.shape(v))}" for k, v in arrays.items())


def calling(fn, *args, note="", **kwargs):
    """Call learner code; when numpy complains about shapes, add the shapes the learner is working with."""
    advice = [
        (("ValueError",), ("matmul", "broadcast", "shapes", "aligned"),
         f"The shapes here: {note or 'see the call'}. Let the shapes decide which matrix is transposed: "
         "dW = A_prev.T @ dZ has the shape of W, dA_prev = dZ @ W.T the shape of A_prev, "
         "db = dZ.sum(axis=0) the shape of b"),
        (("KeyError",), (), "params holds W1, b1, ..., WL, bL, so L = len(params) // 2; cache holds A0, Z1, A1, ..., "
         "ZL, AL. Walk l = L, L - 1, ..., 1 (range(L, 0, -1)): layer l uses W{l}, A{l - 1}, and Z{l - 1} "
         "for the derivative of the layer below"),
    ]
    return testing.calling(fn, *args, advice=advice, **kwargs)


def expect_grad_shape(got, key, param_shape, n, call):
    """The gradient for params[key] as an array, or a failure that names the shape mistake."""
    name, layer = f"d{key}", key[1:]
    if got is None:
        fail(f"{call} gave None for {key}: did you forget to store or return it?")
    arr = as_array(got, f"{name} from {call}")
    shape = tuple(param_shape)
    if arr.shape == shape:
        return arr.astype(float)
    where = f"{name} has shape {arr.shape} but {key} has shape {shape}"
    if key[0] == "b":
        if arr.shape == (n, shape[0]):
            fail(f"{where}: sum dZ over the batch axis (axis 0), db{layer} = dZ{layer}.sum(axis=0), so that "
                 "each bias gets one number")
        if arr.shape in ((n,),) and n != shape[0]:
            fail(f"{where}: sum dZ over the batch axis (axis 0), not over axis 1")
        if arr.shape == (1, shape[0]):
            fail(f"{where}: sum dZ over the batch axis (axis 0) without keepdims=True, so db is 1-D like b")
        if arr.shape == ():
            fail(f"{where}: you summed every element of dZ into one number; sum over the batch axis only, "
                 "dZ.sum(axis=0)")
    if key[0] == "W" and arr.shape == shape[::-1]:
        fail(f"{where}: {name} is transposed. Compute dW = A_prev.T @ dZ, which has shape (n_in, n_out) like W")
    fail(f"{where}: every gradient has exactly the shape of its parameter")


def _scale(got, expected):
    """c when got is c * expected to within rounding, else None."""
    denom = float(np.sum(expected * expected))
    if denom == 0:
        return None
    c = float(np.sum(got * expected)) / denom
    if np.allclose(got, c * expected, rtol=1e-6, atol=1e-10 * max(1.0, abs(c))):
        return c
    return None


def expect_gradient(got, expected, *, key, call, n, mistakes=None, hint="", against="central differences",
                    right=()):
    """Compare a gradient with its expected value by the contract's relative error.

    ``key`` names the parameter: "W2" for a network's, "W", "b" or "A_prev" for one dense layer's.
    ``right`` names the other gradients of the same call that are correct: a cause that would change them
    too (a wrong dZL, a 1/n in the wrong place) doesn't fit, so it is not offered.
    """
    expected = np.asarray(expected, dtype=float)
    arr = expect_grad_shape(got, key, expected.shape, n, call)
    name = f"d{key}"
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.unravel_index(np.argmax(bad), arr.shape))
        fail(f"{name} from {call} contains {fmt(arr[idx])} at index {idx}: look for a division by zero or a log of 0")
    err = relative_error(arr, expected)
    if err.size == 0 or err.max() < THRESHOLD:
        expect_float(got, f"{name} from {call}")
        return arr
    idx = tuple(int(i) for i in np.unravel_index(np.argmax(err), arr.shape))
    where = f" at index {idx[0] if len(idx) == 1 else idx}" if idx else ""
    layer = f"the gradient for {key}, layer {key[1:]}, " if key[1:].isdigit() else ""
    message = (f"{name} is off ({layer}from {call}): its relative error against {against} is "
               f"{err.max():.2g} (a correct gradient stays below {THRESHOLD:g}); worst{where}: got {fmt(arr[idx])}, "
               f"expected {fmt(expected[idx])} ({int((err >= THRESHOLD).sum())} of {arr.size} elements are off)")
    found = [d for d, candidate in (mistakes or {}).items()
             if np.shape(candidate) == arr.shape and np.allclose(arr, np.asarray(candidate, dtype=float),
                                                                  rtol=1e-6, atol=1e-12)]
    if found:
        fail(message + diagnosis(found) + (f". {hint}" if hint else ""))
    c = _scale(arr, expected)
    if c is not None and abs(c) > 1e-12 and right:
        fail(f"{message}. It is {c:.4g} times the expected gradient everywhere, while {', '.join(right)} "
             f"{'is' if len(right) == 1 else 'are'} right, so the factor enters where d{key} itself is computed: "
             f"look for a constant multiplying or dividing d{key} (or the dZ it is made from) in layer {key[1:]}")
    if c is not None and n > 1 and abs(c / n - 1) < 1e-6:
        fail(f"{message}. It is exactly n = {n} (the number of samples) times too large: divide by n once, "
             "in dZL = (AL - Y) / n")
    if c is not None and n > 1 and abs(c * n - 1) < 1e-6:
        fail(f"{message}. It is exactly n = {n} (the number of samples) times too small: divide by n only once, "
             "in dZL = (AL - Y) / n, not again in dense_backward or when summing db")
    if c is not None and abs(c + 1) < 1e-6:
        fail(f"{message}. It has the wrong sign: the output layer's dZ is AL - Y, not Y - AL")
    if c is not None and abs(c) > 1e-12:
        fail(f"{message}. It is {c:.4g} times the expected gradient everywhere: look for a constant factor "
             "that shouldn't be there (or one that is missing)")
    fail(f"{message}. {hint}" if hint else message)


# ---------------------------------------------------------------- dense_backward


def dense_call(learner, dz=DZ, a_prev=A_PREV, w=W, **kwargs):
    call = f"dense_backward(dZ, A_prev, W) for dZ {np.shape(dz)}, A_prev {np.shape(a_prev)}, W {np.shape(w)}"
    got = calling(learner.dense_backward, dz, a_prev, w, note=shapes_note(dZ=dz, A_prev=a_prev, W=w), **kwargs)
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        what = "None" if got is None else (f"{len(got)} values" if isinstance(got, (tuple, list))
                                           else f"a {type(got).__name__}")
        fail(f"{call} returned {what}; it should return three arrays: `return dA_prev, dW, db`")
    return got, call


def _dense_expected(dz=DZ, a_prev=A_PREV, w=W):
    return _ref("backprop").dense_backward(dz, a_prev, w)


def test_dense_backward_returns_three_arrays(learner):
    (dA_prev, dW, db), call = dense_call(learner)
    for name, value, shape in (("dA_prev", dA_prev, A_PREV.shape), ("dW", dW, W.shape), ("db", db, (N_OUT,))):
        arr = as_array(value, f"{name} from {call}")
        if arr.shape != shape:
            order = [np.shape(v) for v in (dA_prev, dW, db)]
            if sorted(map(str, order)) == sorted(map(str, (A_PREV.shape, W.shape, (N_OUT,)))):
                fail(f"{call} returned arrays of shapes {order} in that order; return them as (dA_prev, dW, db), "
                     f"of shapes {A_PREV.shape}, {W.shape} and {(N_OUT,)}")


def test_dense_backward_dW(learner):
    (_, dW, _), call = dense_call(learner)
    expected = _dense_expected()[1]
    expect_gradient(dW, expected, key="W", call=call, n=N, against="A_prev.T @ dZ",
                    mistakes=_dense_mistakes("W", DZ, A_PREV, W),
                    hint="dW = A_prev.T @ dZ: each weight collects A_prev[i, k] * dZ[i, j] over the batch.")


def test_dense_backward_db(learner):
    (_, _, db), call = dense_call(learner)
    expected = _dense_expected()[2]
    expect_gradient(db, expected, key="b", call=call, n=N, against="dZ.sum(axis=0)",
                    mistakes=_dense_mistakes("b", DZ, A_PREV, W),
                    hint="db = dZ.sum(axis=0): the same bias is added to every row, so its gradient collects every row.")


def test_dense_backward_dA_prev(learner):
    (dA_prev, _, _), call = dense_call(learner)
    expected = _dense_expected()[0]
    if np.shape(dA_prev) != A_PREV.shape:
        fail(f"dA_prev from {call} has shape {np.shape(dA_prev)} but A_prev has shape {A_PREV.shape}: "
             "dA_prev = dZ @ W.T has the shape of A_prev")
    expect_gradient(dA_prev, expected, key="A_prev", call=call, n=N, against="dZ @ W.T",
                    mistakes=_dense_mistakes("A_prev", DZ, A_PREV, W),
                    hint="dA_prev = dZ @ W.T passes the gradient on to the previous layer.")


def test_dense_backward_single_sample(learner):
    dz, a_prev = DZ[:1], A_PREV[:1]
    (dA_prev, dW, db), call = dense_call(learner, dz, a_prev)
    expected = _dense_expected(dz, a_prev)
    expect_gradient(db, expected[2], key="b", call=call + " (one sample)", n=1)
    expect_gradient(dW, expected[1], key="W", call=call + " (one sample)", n=1)
    if np.shape(dA_prev) != a_prev.shape:
        fail(f"dA_prev from {call} has shape {np.shape(dA_prev)} but A_prev has shape {a_prev.shape}: keep the "
             "batch axis, dA_prev = dZ @ W.T")
    expect_gradient(dA_prev, expected[0], key="A_prev", call=call + " (one sample)", n=1)


def test_dense_backward_accepts_int_inputs(learner):
    dz, a_prev, w = [[1, -2], [0, 3], [2, 1]], [[1, 0, 2, -1], [3, 1, 0, 0], [-1, 2, 1, 1]], [[1, 0], [2, -1], [0, 1], [1, 1]]
    (dA_prev, dW, db), call = dense_call(learner, dz, a_prev, w)
    expected = _dense_expected(dz, a_prev, w)
    call = "dense_backward(dZ, A_prev, W)"
    plain = _dense_plain(learner, dz, a_prev, w)
    for key, value, exp, ok in zip(("A_prev", "W", "b"), (dA_prev, dW, db), expected, plain):
        expect_gradient(value, exp, key=key, call=call + " with int lists", n=3, against="the expected values",
                        mistakes=_dense_mistakes(key, dz, a_prev, w),
                        hint="Convert the inputs with np.asarray(..., dtype=float) first." if ok else
                             "It is wrong for float arrays too, so the int input isn't the problem: fix the failures "
                             "of the value tests first.")
        expect_float(value, f"d{key} from dense_backward with int lists")


def test_dense_backward_leaves_inputs_unchanged(learner):
    got, call = dense_call(learner, DZ.copy(), A_PREV.copy(), W.copy())
    expect_unchanged(learner.last, "dense_backward(dZ, A_prev, W)",
                     "Build new arrays (dW = A_prev.T @ dZ) instead of writing into dZ, A_prev or W.")
    for key, value, like in zip(("A_prev", "W", "b"), got, (A_PREV, W, W[0])):
        expect_result(value, like.shape, f"d{key} from {call}", f"the shape of {key}")


def test_dense_backward_accepts_read_only_inputs(learner):
    (dA_prev, dW, db), call = dense_call(learner, readonly=["*"])
    plain = _dense_plain(learner, DZ, A_PREV, W)
    for key, value, exp, ok in zip(("A_prev", "W", "b"), (dA_prev, dW, db), _dense_expected(), plain):
        expect_gradient(value, exp, key=key, call=call + " with read-only inputs", n=N, against="the expected values",
                        mistakes=_dense_mistakes(key, DZ, A_PREV, W),
                        hint="Don't write into the arrays you were given." if ok else
                             "It is wrong for writable arrays too, so the read-only input isn't the problem: fix the "
                             "failures of the value tests first.")


def _dense_plain(learner, dz, a_prev, w):
    """Whether each of dense_backward's results is right for plain float arrays."""
    try:
        got = learner.dense_backward(np.array(dz, float), np.array(a_prev, float), np.array(w, float))
        return [np.shape(g) == np.shape(e) and np.allclose(g, e) for g, e in zip(got, _dense_expected(dz, a_prev, w))]
    except Exception:
        return [False] * 3


def _dense_mistakes(key, dz, a_prev, w):
    dz, a_prev, w = (np.array(v, dtype=float) for v in (dz, a_prev, w))
    n = len(dz)
    return {"A_prev": {"dA_prev is divided by n; dense_backward doesn't divide: the 1/n is already in dZ": dz @ w.T / n},
            "W": {"dW is divided by n; dense_backward doesn't divide: the 1/n is already in dZ": a_prev.T @ dz / n},
            "b": {"db is the mean of dZ over the batch; sum it (the 1/n is already in dZ)": dz.mean(axis=0)}}[key]


# ---------------------------------------------------------------- mlp_backward: networks


class Net:
    """A small network, its cache from the reference forward pass and its numerical gradients."""

    def __init__(self, sizes, n, hidden, seed):
        acts = _ref("activations")
        self.sizes, self.n, self.hidden = list(sizes), n, hidden
        self.act, self.grad = getattr(acts, hidden), getattr(acts, f"{hidden}_grad")
        # The first seed from `seed` on whose data every hidden pre-activation keeps well away from
        # ReLU's kink and whose central differences are accurate to far better than the threshold.
        for s in range(seed, seed + 200):
            self._make(s)
            if self._margin() > 0.02 and max(relative_error(self.reference[k], self.numeric[k]).max()
                                             for k in self.params) < THRESHOLD / 20:
                break
        self.seed = s

    def _make(self, seed):
        rng = np.random.default_rng(seed)
        sizes = self.sizes
        self.X = rng.normal(0.0, 1.0, (self.n, sizes[0]))
        self.params = {}
        for l in range(1, len(sizes)):
            self.params[f"W{l}"] = rng.normal(0.0, 1.2 / np.sqrt(sizes[l - 1]), (sizes[l - 1], sizes[l]))
            self.params[f"b{l}"] = rng.normal(0.0, 0.3, sizes[l])
        self.y = rng.integers(0, sizes[-1], self.n)
        self.Y = np.eye(sizes[-1])[self.y]
        self.cache = self.forward(self.params)[1]
        self.reference = _ref("backprop").mlp_backward(self.Y, self.params, self.cache, self.grad)
        self.numeric = self._numeric()

    def forward(self, params):
        return _ref("layers").mlp_forward(self.X, params, hidden_activation=self.act)

    def loss(self, params):
        return _ref("losses").cross_entropy(self.forward(params)[0], self.Y)

    def _margin(self):
        L = len(self.params) // 2
        return min([np.abs(self.cache[f"Z{l}"]).min() for l in range(1, L)] + [np.inf])

    def _numeric(self):
        grads = {}
        for key, value in self.params.items():
            g = np.zeros(value.shape)
            for i in np.ndindex(value.shape):
                trial = dict(self.params)
                for sign in (1, -1):
                    moved = value.copy()
                    moved[i] += sign * H_STEP
                    trial[key] = moved
                    g[i] += sign * self.loss(trial)
            grads[key] = g / (2 * H_STEP)
        return grads

    @property
    def L(self):
        return len(self.params) // 2

    @property
    def title(self):
        layers = "-".join(map(str, self.sizes))
        hidden = {"relu": "ReLU", "tanh": "tanh"}[self.hidden]
        return (f"a {layers} network ({hidden} hidden layer{'s' * (self.L > 2)}, softmax output) on {self.n} "
                f"sample{'s' * (self.n > 1)}")

    def call(self, learner, Y=None, **kwargs):
        args = {} if self.hidden == "relu" else {"hidden_activation_grad": Named(f"{self.hidden}_grad")}
        text = "mlp_backward(Y, params, cache" + ("" if not args else f", hidden_activation_grad={self.hidden}_grad") + ")"
        notes = shapes_note(Y=self.Y, **{k: v for k, v in self.params.items()},
                            **{k: v for k, v in self.cache.items() if k[0] == "Z"})
        got = calling(learner.mlp_backward, self.Y if Y is None else Y, self.params, self.cache, note=notes,
                      **args, **kwargs)
        call = f"{text} for {self.title}"
        if not isinstance(got, dict):
            fail(f"{call} returned {'None' if got is None else type(got).__name__}; it should return a dict of "
                 f"gradients with the keys of params: {', '.join(self.params)}")
        prefixed = [k for k in got if isinstance(k, str) and k.startswith("d") and k[1:] in self.params]
        if prefixed:
            fail(f"{call} returned the keys {', '.join(sorted(got))}; use the keys of params itself "
                 f"({', '.join(self.params)}): grads['W1'] holds dW1, so that sgd_step can pair them up")
        missing = [k for k in self.params if k not in got]
        if missing:
            fail(f"{call} returned no gradient for {', '.join(missing)} (it has {', '.join(map(str, got)) or 'no keys'}); "
                 f"walk the layers from L = {self.L} down to 1 and store grads['W{{l}}'] and grads['b{{l}}'] for each")
        return got, call

    def mistakes(self, key, got=None):
        """What the gradient for `key` looks like under common mistakes, keyed by their description.

        With the learner's gradients ``got``, only the mistakes that reproduce every one of them are kept:
        a mistake is offered only when it fits all the evidence.
        """
        acts = _ref("activations")
        L, variants = self.L, {}
        if key[0] == "b":  # listed first: for a bias this explanation fits best when several do
            variants["db is the mean of dZ over the batch; sum it (the 1/n is already in dZ)"] = dict(db_mean=True)
        if L > 1:
            variants["the activation derivative is missing: for a hidden layer, dZ = dA * hidden_activation_grad(Z), "
                     "not dZ = dA"] = dict(act_grad=False)
            if self.hidden != "relu":
                l = min(int(key[1:]), L - 1)  # the hidden layer whose dZ this gradient is built from
                variants[f"the derivative is taken at the activation A instead of the pre-activation Z: use "
                         f"hidden_activation_grad(cache['Z{l}']), not hidden_activation_grad(cache['A{l}'])"] = \
                    dict(use_A=True)
                variants["hidden_activation_grad is ignored (relu_grad is used whatever is passed)"] = \
                    dict(g=acts.relu_grad)
            variants["n is divided again at every hidden layer: divide by n once, in dZL = (AL - Y) / n"] = \
                dict(n_div="every")
        variants.update({
            "the 1/n is missing: the gradients are n times too large. Divide by n once, in dZL = (AL - Y) / n":
                dict(n_div="none"),
            "dZL is divided by the number of classes instead of the number of samples n = len(Y)":
                dict(n_div="classes"),
            "the output layer's dZ has the wrong sign: it is AL - Y, not Y - AL": dict(sign=-1),
            "the softmax derivative AL * (1 - AL) is applied on top of AL - Y; with cross-entropy, "
            "dZL = (AL - Y) / n already includes it": dict(softmax_grad=True),
            "hidden_activation_grad is applied to the output layer too; the output layer's dZ is (AL - Y) / n":
                dict(out_grad=True),
            "db is the mean of dZ over the batch; sum it (the 1/n is already in dZ)": dict(db_mean=True),
            "dense_backward divides dW and db by n again, on top of dZL = (AL - Y) / n": dict(dense_div=True),
        })
        out = {}
        for description, options in variants.items():
            grads = _variant_backward(self.Y, self.params, self.cache, options.pop("g", self.grad), **options)
            if got is None or all(_fits(got.get(k), grads[k]) for k in self.params):
                out[description] = grads[key]
        return out

    def right(self, got):
        """The keys whose gradient in ``got`` is correct."""
        return [k for k in self.params if _fits(got.get(k), self.numeric[k], THRESHOLD)]

    def check(self, key, got, call):
        expect_gradient(got[key], self.numeric[key], key=key, call=call, n=self.n, mistakes=self.mistakes(key, got),
                        right=[k for k in self.right(got) if k != key],
                        against=f"central differences (h = {H_STEP:g}) of the mean cross-entropy",
                        hint=f"Walk the layers from L = {self.L} down to 1: dW = A_prev.T @ dZ, db = dZ.sum(axis=0), "
                             "then dZ of the layer below = (dZ @ W.T) * hidden_activation_grad(Z below).")


def _fits(got, expected, threshold=None):
    """Whether the learner's ``got`` matches ``expected``: by relative error, or closely for a mistake's values."""
    try:
        arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    if arr.shape != np.shape(expected):
        return False
    if threshold is not None:
        return bool(arr.size == 0 or relative_error(arr, expected).max() < threshold)
    return bool(np.allclose(arr, expected, rtol=1e-6, atol=1e-12))


def check_all(network, keys, got, call):
    """Check every key and report every wrong one (a second planted mistake must not hide behind the first)."""
    problems = []
    for key in keys:
        try:
            network.check(key, got, call)
        except AssertionError as exc:
            problems.append(str(exc))
    if len(problems) == 1:
        fail(problems[0])
    if problems:
        fail(f"{len(problems)} gradients are off:\n" + "\n".join(f"- {p}" for p in problems))


def _variant_backward(Y, params, cache, g, *, act_grad=True, use_A=False, n_div="once", sign=1,
                      softmax_grad=False, out_grad=False, db_mean=False, dense_div=False):
    L, n = len(params) // 2, len(Y)
    A = cache[f"A{L}"]
    dZ = sign * (A - Y)
    dZ = dZ / {"once": n, "every": n, "none": 1, "classes": Y.shape[1]}[n_div]
    if softmax_grad:
        dZ = dZ * A * (1 - A)
    if out_grad:
        dZ = dZ * g(cache[f"Z{L}"])
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = cache[f"A{l - 1}"].T @ dZ / (n if dense_div else 1)
        grads[f"b{l}"] = dZ.mean(axis=0) if db_mean else dZ.sum(axis=0) / (n if dense_div else 1)
        if l > 1:
            dA = dZ @ params[f"W{l}"].T / (n if n_div == "every" else 1)
            dZ = dA * g(cache[f"A{l - 1}" if use_A else f"Z{l - 1}"]) if act_grad else dA
    return grads


@lru_cache(maxsize=None)
def net(name):
    specs = {"relu2": ([4, 5, 3], 6, "relu", 1), "tanh3": ([4, 5, 7, 3], 6, "tanh", 2),
             "relu3": ([4, 5, 7, 3], 6, "relu", 3), "single": ([4, 5, 3], 1, "relu", 4)}
    return Net(*specs[name])


RELU2_KEYS = ["W2", "b2", "W1", "b1"]
TANH3_KEYS = ["W3", "b3", "W2", "b2", "W1", "b1"]


def test_mlp_backward_returns_gradients_for_every_parameter(learner):
    network = net("relu3")
    got, call = network.call(learner)
    extra = sorted(k for k in got if k not in network.params)
    if extra:
        fail(f"{call} returned extra keys {', '.join(map(str, extra))}; return exactly the keys of params "
             f"({', '.join(network.params)}), nothing else")


@pytest.mark.parametrize("key", RELU2_KEYS)
def test_mlp_backward_two_layers(learner, key):
    network = net("relu2")
    got, call = network.call(learner)
    network.check(key, got, call)


@pytest.mark.parametrize("key", TANH3_KEYS)
def test_mlp_backward_three_layers_tanh(learner, key):
    network = net("tanh3")
    got, call = network.call(learner)
    network.check(key, got, call)


def test_mlp_backward_three_layers_relu(learner):
    network = net("relu3")
    got, call = network.call(learner)
    check_all(network, TANH3_KEYS, got, call)  # from the last layer down: the first one off is where it starts


def test_mlp_backward_single_sample(learner):
    network = net("single")
    got, call = network.call(learner)
    check_all(network, RELU2_KEYS, got, call)


def test_mlp_backward_accepts_int_one_hot(learner):
    network = net("relu2")
    got, call = network.call(learner, Y=network.Y.astype(int))
    for key in RELU2_KEYS:
        expect_float(got[key], f"d{key} from mlp_backward with an int one-hot Y")
        network.check(key, got, call + " with an int one-hot Y")


def test_mlp_backward_leaves_inputs_unchanged(learner):
    network = net("relu3")
    params = {k: v.copy() for k, v in network.params.items()}
    cache = {k: v.copy() for k, v in network.cache.items()}
    got = calling(learner.mlp_backward, network.Y.copy(), params, cache,
                  note=shapes_note(Y=network.Y, **params, **{k: v for k, v in cache.items() if k[0] == "Z"}))
    expect_unchanged(learner.last, "mlp_backward(Y, params, cache)",
                     "Compute every gradient into new arrays; don't write into Y, the arrays of params or cache "
                     "(dZ *= ... on an array from the cache does), and don't add or remove their keys.")
    if not isinstance(got, dict) or not all(k in got for k in network.params):
        fail(f"mlp_backward(Y, params, cache) returned {fmt(got)[:60] if not isinstance(got, dict) else sorted(got)}; "
             f"it should return a dict of gradients with the keys of params: {', '.join(network.params)}")
    for key, value in network.params.items():
        expect_result(got[key], value.shape, f"grads[{key!r}] from mlp_backward(Y, params, cache)",
                      f"the shape of params[{key!r}]")


def test_mlp_backward_accepts_read_only_targets(learner):
    network = net("relu2")
    got, call = network.call(learner, readonly=["*"])
    for key in RELU2_KEYS:
        network.check(key, got, call + " with a read-only Y")
