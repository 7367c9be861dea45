"""Hidden suite: layers (init_params, dense_forward, mlp_forward)."""
import numpy as np

from learnnn.feedback import (as_array, diagnosis, expect_close, expect_float, expect_result, expect_shape,
                              expect_unchanged, fail, fallback_hint, fmt, matching)
from learnnn import testing
from learnnn.worker import Named

# Non-square everywhere: N samples, D features, hidden widths H and H2, C classes, all different,
# so that a transposed matrix or a sum over the wrong axis can't go unnoticed.
N, D, H, H2, C = 6, 4, 5, 7, 3


def _fixed_data(seed=20240605):
    """Constant test data; the generator lives only inside this call, so nothing drawn later depends on it."""
    g = np.random.default_rng(seed)
    x, w, b = g.normal(0.0, 1.0, (N, D)), g.normal(0.0, 0.6, (D, H)), g.normal(0.0, 0.5, H)
    p2 = {"W1": g.normal(0.0, 0.7, (D, H)), "b1": g.normal(0.0, 0.4, H),
          "W2": g.normal(0.0, 0.7, (H, C)), "b2": g.normal(0.0, 0.4, C)}
    p3 = {"W1": g.normal(0.0, 0.7, (D, H)), "b1": g.normal(0.0, 0.4, H),
          "W2": g.normal(0.0, 0.6, (H, H2)), "b2": g.normal(0.0, 0.4, H2),
          "W3": g.normal(0.0, 0.6, (H2, C)), "b3": g.normal(0.0, 0.4, C)}
    return x, w, b, p2, p3


X, W, B, PARAMS2, PARAMS3 = _fixed_data()
BIG = [400, 300]  # big enough for the spread of 120,000 draws to sit within 1% of the std


def _relu(z):
    return np.maximum(0.0, z)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _forward(X, params, hidden=_relu, output=_softmax, *, bias=1.0, hidden_on_output=False, output_on_hidden=False,
             no_hidden=False, both_on_output=False):
    """A forward pass with switches that reproduce common mistakes."""
    L = len(params) // 2
    A = np.asarray(X, dtype=float)
    for l in range(1, L + 1):
        Z = A @ params[f"W{l}"] + bias * params[f"b{l}"]
        if l == L:
            A = output(hidden(Z)) if both_on_output else hidden(Z) if hidden_on_output else output(Z)
        else:
            A = output(Z) if output_on_hidden else (Z if no_hidden else hidden(Z))
    return A


IGNORED_HIDDEN = "hidden_activation is ignored (ReLU is used whatever is passed)"
IGNORED_OUTPUT = "output_activation is ignored (softmax is used whatever is passed)"
FORWARD_HINT = ("For each layer l: Z = A_prev @ W_l + b_l; hidden layers apply hidden_activation, the last layer "
                "output_activation.")


def forward_mistakes(X, params, hidden=_relu, output=_softmax, hidden_name="hidden_activation"):
    return {
        "the bias is missing (Z = A_prev @ W without + b)": _forward(X, params, hidden, output, bias=0.0),
        "the bias is subtracted (Z = A_prev @ W - b)": _forward(X, params, hidden, output, bias=-1.0),
        f"the hidden layers skip their activation ({hidden_name} is never applied)":
            _forward(X, params, hidden, output, no_hidden=True),
        f"the last layer uses {hidden_name} instead of output_activation":
            _forward(X, params, hidden, output, hidden_on_output=True),
        f"the last layer applies {hidden_name} and then output_activation, output_activation({hidden_name}(ZL)): "
        "apply only output_activation to the last layer's Z": _forward(X, params, hidden, output, both_on_output=True),
        "the hidden layers use output_activation (softmax) too": _forward(X, params, hidden, output, output_on_hidden=True),
        IGNORED_HIDDEN: _forward(X, params, _relu, output),
        IGNORED_OUTPUT: _forward(X, params, hidden, _softmax),
    }


def matched_hint(got, mistakes, hints, default):
    """The hint for the one mistake ``got`` reproduces, if that mistake has one; else ``default``."""
    found = matching(np.asarray(got, dtype=float), mistakes) if np.asarray(got).dtype.kind in "biuf" else []
    return hints.get(found[0], default) if len(found) == 1 else default


def expect_dict(got, call):
    if not isinstance(got, dict):
        fail(f"{call} returned {type(got).__name__ if got is not None else 'None'}; it should return a dict "
             "like {'W1': ..., 'b1': ..., 'W2': ..., 'b2': ...}")
    return got


def expect_keys(got, expected, call, what):
    missing = [k for k in expected if k not in got]
    extra = sorted(k for k in got if k not in expected)
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"is missing {', '.join(repr(k) for k in missing)}")
        if extra:
            parts.append(f"has unexpected {', '.join(repr(k) for k in extra)}")
        fail(f"{call} {' and '.join(parts)}: it should have exactly the keys {', '.join(repr(k) for k in expected)} "
             f"({what})")


def expect_output_shape(output, params, call):
    """The network's output as an array of shape (N, n_out), or a failure that says where the loop stopped."""
    L = len(params) // 2
    n_out = params[f"b{L}"].shape[0]
    arr = as_array(output, call)
    for l in range(1, L):
        if arr.shape == (len(X), params[f"b{l}"].shape[0]) and params[f"b{l}"].shape[0] != n_out:
            fail(f"{call} has shape {arr.shape}, the width of layer {l}, but should have shape {(len(X), n_out)}: "
                 f"the loop stopped after layer {l} of {L}. Loop over every layer, L = len(params) // 2, "
                 "for l in range(1, L + 1)")
    return expect_shape(arr, (len(X), n_out), call, "(n_samples, n_classes)")


def unpack_forward(got, call):
    if not isinstance(got, tuple) or len(got) != 2:
        what = "None" if got is None else (f"a tuple of {len(got)} values" if isinstance(got, tuple)
                                           else type(got).__name__)
        fail(f"{call} returned {what}; it should return a pair (output, cache): `return A, cache`")
    output, cache = got
    if not isinstance(cache, dict):
        fail(f"the cache that {call} returned is a {type(cache).__name__}; it should be a dict "
             "{'A0': X, 'Z1': ..., 'A1': ..., ...}")
    return output, cache


ADVICE = [
    (("ValueError",), ("read-only",), "The input was a read-only array here: your function writes into the caller's "
     "data. Build new arrays instead (np.clip(A, lo, hi) without out=, Z = A @ W + b, A = activation(Z))"),
    (("KeyError",), (), "params holds W1, b1, ..., WL, bL for L layers, so L = len(params) // 2; loop over "
     "l = 1, ..., L (range(1, L + 1)) and read params[f'W{l}'] and params[f'b{l}']"),
]


def calling(fn, *args, **kwargs):
    return testing.calling(fn, *args, advice=ADVICE, **kwargs)


def param_keys(L):
    return [k for l in range(1, L + 1) for k in (f"W{l}", f"b{l}")]


def cache_keys(L):
    return ["A0"] + [k for l in range(1, L + 1) for k in (f"Z{l}", f"A{l}")]


# ---------------------------------------------------------------- init_params


def _init(learner, sizes, **kwargs):
    call = f"init_params({sizes}{''.join(f', {k}={v!r}' for k, v in kwargs.items())})"
    return expect_dict(learner.init_params(sizes, **kwargs), call), call


def test_init_params_keys(learner):
    sizes = [D, H, H2, C]
    params, call = _init(learner, sizes)
    expect_keys(params, param_keys(3), call, "one W and one b per layer, numbered from 1; "
                "3 layers for 4 layer sizes")


def test_init_params_single_layer(learner):
    params, call = _init(learner, [D, C])
    expect_keys(params, ["W1", "b1"], call, "a single layer: layer_sizes = [n_in, n_out] has one weight matrix")


def test_init_params_shapes(learner):
    sizes = [D, H, H2, C]
    params, call = _init(learner, sizes)
    expect_keys(params, param_keys(3), call, "one W and one b per layer")
    for l in range(1, 4):
        n_in, n_out = sizes[l - 1], sizes[l]
        expect_weight_shape(params[f"W{l}"], n_in, n_out, call, f"W{l}", l)
        b = as_array(params[f"b{l}"], f"b{l} from {call}")
        if b.shape in ((1, n_out), (n_out, 1)):
            fail(f"b{l} from {call} has shape {b.shape} but should have shape ({n_out},): "
                 f"make the bias 1-D, np.zeros({n_out})")
        expect_shape(b, (n_out,), f"b{l} from {call}", f"one bias per output of layer {l}")


def test_init_params_returns_float64(learner):
    params, call = _init(learner, [D, H, C])
    for key in param_keys(2):
        if key not in params:
            fail(f"{call} has no key {key!r}; it should have W1, b1, W2 and b2")
        arr = as_array(params[key], f"{key} from {call}")
        if arr.dtype != np.float64:
            fail(f"{key} from {call} has dtype {arr.dtype}; parameters should be float64 arrays: "
                 "np.zeros(n_out) for biases (without dtype=int), standard normal draws for weights")


def test_init_params_biases_are_zero(learner):
    params, call = _init(learner, [D, H, H2, C])
    for l in range(1, 4):
        if f"b{l}" not in params:
            fail(f"{call} has no key 'b{l}'")
        b = as_array(params[f"b{l}"], f"b{l} from {call}").astype(float)
        if b.size == 0 or np.any(b != 0):
            fail(f"b{l} from {call} is {fmt(b)}; every bias should start at exactly zero: np.zeros(n_out)")


def _std_mistakes(n_in, n_out, gain, first_n_in=None):
    named = {
        f"the {'Xavier' if gain == 2 else 'He'} formula (sqrt({3 - gain} / n_in)) instead of "
        f"{'He' if gain == 2 else 'Xavier'}": np.sqrt((3 - gain) / n_in),
        f"n_out instead of n_in: sqrt({gain} / n_out)": np.sqrt(gain / n_out),
        f"the variance {gain} / n_in as the standard deviation: take its square root": gain / n_in,
        f"sqrt({gain} / (n_in + n_out)) (this course divides by n_in only)": np.sqrt(gain / (n_in + n_out)),
        "no scaling at all (standard deviation 1)": 1.0,
        "a fixed scale of 0.01": 0.01,
        f"sqrt({gain}) / n_in": np.sqrt(gain) / n_in,
    }
    if first_n_in is not None and first_n_in != n_in:
        named = {"layer_sizes[0] as n_in for every layer: use each layer's own number of inputs": np.sqrt(gain / first_n_in),
                 **named}
    return named


def expect_weight_shape(w, n_in, n_out, call, name, i=1):
    w = as_array(w, f"{name} from {call}")
    if w.shape == (n_out, n_in):
        fail(f"{name} from {call} has shape {w.shape} but should have shape {(n_in, n_out)}: "
             f"the weights are transposed. Rows are the layer's inputs (layer_sizes[{i - 1}] = {n_in}), "
             f"columns its outputs (layer_sizes[{i}] = {n_out}), so that Z = X @ W works")
    return expect_shape(w, (n_in, n_out), f"{name} from {call}", f"(layer_sizes[{i - 1}], layer_sizes[{i}])")


def _check_std(w, n_in, n_out, gain, call, name, first_n_in=None, i=1):
    w = expect_weight_shape(w, n_in, n_out, call, name, i).astype(float)
    expected = np.sqrt(gain / n_in)
    got = float(w.std())
    if abs(got / expected - 1) <= 0.02:
        return
    message = (f"{name} from {call} has standard deviation {got:.4g}; expected sqrt({gain} / n_in) = "
               f"sqrt({gain} / {n_in}) = {expected:.4g} (checked over its {w.size} entries, to within 2%)")
    found = [d for d, value in _std_mistakes(n_in, n_out, gain, first_n_in).items() if abs(got / value - 1) <= 0.02]
    fail(f"{message}{diagnosis(found)}. Multiply standard normal draws by the standard deviation: "
         f"rng.standard_normal((n_in, n_out)) * np.sqrt({gain} / n_in)")


def test_init_params_he_std(learner):
    params, call = _init(learner, BIG, seed=3, method="he")
    _check_std(params.get("W1"), *BIG, 2, call, "W1")


def test_init_params_xavier_std(learner):
    params, call = _init(learner, BIG, seed=3, method="xavier")
    _check_std(params.get("W1"), *BIG, 1, call, "W1")


def test_init_params_default_method_is_he(learner):
    params, call = _init(learner, BIG, seed=5)
    _check_std(params.get("W1"), *BIG, 2, call + " (method defaults to 'he')", "W1")


def test_init_params_std_of_every_layer(learner):
    # Sizes chosen so that every standard deviation in _std_mistakes differs from every other by over 15%:
    # with [300, 200, 150], 2 / 200 (the variance as std) and a fixed 0.01 would be the same number.
    sizes = [200, 290, 120]
    params, call = _init(learner, sizes, seed=4, method="he")
    expect_keys(params, param_keys(2), call, "one W and one b per layer")
    _check_std(params["W2"], 290, 120, 2, call, "W2 (layer 2, with 290 inputs)", first_n_in=200, i=2)


def _legacy_draws(w, seed):
    """Whether ``w`` holds, in any order and at any scale, the first draws of np.random.seed(seed) + randn."""
    w = np.sort(np.asarray(w, dtype=float).ravel())
    legacy = np.sort(np.random.RandomState(seed).standard_normal(w.size))
    scale = w.std() / legacy.std()
    return bool(scale > 0 and np.allclose(w, scale * legacy, rtol=1e-6, atol=1e-12))


def test_init_params_draws_from_default_rng(learner):
    sizes = [D, H, C]
    params, call = _init(learner, sizes, seed=7)
    w = expect_weight_shape(params.get("W1"), D, H, call, "W1")
    if _legacy_draws(w, 7):
        fail(f"W1 from {call} holds the draws of np.random.seed(7) followed by np.random.randn (or np.random.normal): "
             "that seeds NumPy's global generator, which every other piece of code shares and reseeds. The contract "
             "asks for rng = np.random.default_rng(seed) and the weights drawn from it, "
             "rng.standard_normal((n_in, n_out)) * std")


def test_init_params_normal_distribution(learner):
    params, call = _init(learner, BIG, seed=11)
    w = expect_weight_shape(params.get("W1"), *BIG, call, "W1").astype(float).ravel()
    spread = w.std()
    if not spread > 0:
        fail(f"every entry of W1 from {call} is {fmt(w[0])}: the weights must be random, drawn with "
             "rng.standard_normal, so that the neurons of a layer start out different")
    mean = w.mean()
    if abs(mean) > 0.05 * spread:
        fail(f"the weights of W1 from {call} average {mean:.4g} (their standard deviation is {spread:.4g}); "
             "they should be centred on 0. Draw them from a normal distribution with rng.standard_normal, "
             "not rng.random or rng.uniform(0, ...), which only give positive values")
    inside = float(np.mean(np.abs(w - mean) < spread))
    if abs(inside - 0.6827) > 0.01:
        kind = (" That fraction (0.577) is what a uniform distribution gives." if abs(inside - 0.5774) < 0.01 else "")
        fail(f"{inside:.1%} of the weights of W1 from {call} lie within one standard deviation of the mean; "
             f"for a normal distribution it is 68.3%.{kind} Draw the weights with rng.standard_normal "
             "(or rng.normal), not rng.random or rng.uniform")


def test_init_params_same_seed_same_result(learner):
    sizes = [D, H, C]
    first, call = _init(learner, sizes, seed=7)
    second, _ = _init(learner, sizes, seed=7)
    expect_keys(first, param_keys(2), call, "one W and one b per layer")
    for key in param_keys(2):
        a = as_array(first[key], f"{key} from {call}")
        b = as_array(second.get(key), f"{key} from {call}")
        if a.shape != b.shape or not np.array_equal(a, b):
            fail(f"calling {call} twice gave two different {key}s; the same seed must give the same parameters. "
                 "Create the generator inside init_params with rng = np.random.default_rng(seed) and draw "
                 "every weight from it (not from np.random.randn or another unseeded generator)")


def test_init_params_default_seed_is_zero(learner):
    sizes = [D, H, C]
    default, call = _init(learner, sizes)
    zero, _ = _init(learner, sizes, seed=0)
    expect_keys(default, param_keys(2), call, "one W and one b per layer")
    for key in ("W1", "W2"):
        a, b = as_array(default[key], f"{key} from {call}"), as_array(zero.get(key), f"{key} from init_params")
        if a.shape != b.shape or not np.array_equal(a, b):
            fail(f"{call} and init_params({sizes}, seed=0) gave different {key}s; seed defaults to 0, "
                 "so both should be the same: np.random.default_rng(seed) with the seed argument")


def test_init_params_other_seed_other_result(learner):
    sizes = [D, H, C]
    first, call = _init(learner, sizes, seed=1)
    second, other = _init(learner, sizes, seed=2)
    for key in ("W1", "W2"):
        a, b = as_array(first.get(key), f"{key} from {call}"), as_array(second.get(key), f"{key} from {other}")
        if a.shape == b.shape and np.array_equal(a, b):
            fail(f"{call} and {other} gave the same {key}; different seeds should give different weights. "
                 "Pass the seed argument to np.random.default_rng(seed) instead of a fixed number")


def test_init_params_tuple_of_sizes(learner):
    sizes = (D, H, C)
    params = expect_dict(learner.init_params(sizes, seed=2), f"init_params({sizes})")
    expect_keys(params, param_keys(2), f"init_params({sizes}) (a tuple of layer sizes)", "one W and one b per layer")
    for l in (1, 2):
        expect_weight_shape(params[f"W{l}"], sizes[l - 1], sizes[l], f"init_params({sizes})", f"W{l}", l)


def test_init_params_leaves_layer_sizes_unchanged(learner):
    sizes = [D, H, H2, C]
    got = learner.init_params(sizes, seed=1)
    expect_unchanged(learner.last, "init_params(layer_sizes)",
                     "Don't append to, pop from or reorder the layer_sizes list you were given.")
    params = expect_dict(got, f"init_params({sizes})")
    expect_keys(params, param_keys(3), f"init_params({sizes})", "one W and one b per layer")
    for l in (1, 2, 3):
        expect_weight_shape(params[f"W{l}"], sizes[l - 1], sizes[l], f"init_params({sizes})", f"W{l}", l)
        expect_result(params[f"b{l}"], (sizes[l],), f"params['b{l}'] from init_params({sizes})", "one bias per unit")


# ---------------------------------------------------------------- dense_forward


def dense_mistakes(x, w, b):
    return {"the bias is missing (X @ W without + b)": x @ w,
            "the bias is subtracted (X @ W - b)": x @ w - b,
            "an activation was applied (dense_forward returns the plain X @ W + b)": _relu(x @ w + b)}


def test_dense_forward_values(learner, reference):
    expect_close(learner.dense_forward(X, W, B), reference.dense_forward(X, W, B),
                 call=f"dense_forward(X, W, b) for X {X.shape}, W {W.shape}, b {B.shape}", inputs=X, input_name="X",
                 mistakes=dense_mistakes(X, W, B), why_shape="(n_samples, n_out): one row per sample",
                 hint="dense_forward returns X @ W + b; b is added to every row.")


def test_dense_forward_single_sample(learner, reference):
    x = X[2:3]
    expect_close(learner.dense_forward(x, W, B), reference.dense_forward(x, W, B),
                 call=f"dense_forward(X, W, b) for a single sample, X of shape {x.shape}", inputs=x, input_name="X",
                 mistakes=dense_mistakes(x, W, B), why_shape="one sample gives one row",
                 hint="Don't squeeze or index away the batch axis: X @ W + b works for any number of rows.")


def test_dense_forward_zero_bias_and_zero_input(learner):
    x = np.zeros((N, D))
    expect_close(learner.dense_forward(x, W, B), np.tile(B, (N, 1)),
                 call="dense_forward(X, W, b) for an all-zero X", why_shape="(n_samples, n_out)",
                 hint="With X all zeros every row of X @ W + b is exactly b.")


def test_dense_forward_accepts_int_lists(learner, reference):
    x, w, b = [[1, 2], [0, -1], [3, 1]], [[1, -1, 2, 0], [0, 2, 1, -3]], [1, 0, -2, 4]
    got = learner.dense_forward(x, w, b)
    expected = reference.dense_forward(x, w, b)
    hint = fallback_hint(learner.dense_forward(np.array(x, float), np.array(w, float), np.array(b, float)), expected,
                         "Convert the inputs with np.asarray(X, dtype=float) first.")
    expect_close(got, expected, call="dense_forward(X, W, b) with int lists", hint=hint,
                 mistakes=dense_mistakes(np.array(x, float), np.array(w, float), np.array(b, float)))
    expect_float(got, "dense_forward(X, W, b) with int lists")


def test_dense_forward_leaves_inputs_unchanged(learner):
    got = learner.dense_forward(X.copy(), W.copy(), B.copy())
    expect_unchanged(learner.last, "dense_forward(X, W, b)",
                     "Build a new array (Z = X @ W + b) instead of adding into X or W with +=.")
    expect_result(got, (len(X), W.shape[1]), "dense_forward(X, W, b)", "(n_samples, n_out): one row per sample")


def test_dense_forward_accepts_read_only_inputs(learner, reference):
    got = learner.dense_forward(X, W, B, readonly=["*"])
    expected = reference.dense_forward(X, W, B)
    expect_close(got, expected, call="dense_forward(X, W, b) with read-only X, W and b", inputs=X, input_name="X",
                 mistakes=dense_mistakes(X, W, B),
                 hint=fallback_hint(learner.dense_forward(X, W, B), expected, "Don't write into the arrays you "
                                    "were given; build a new one.", "writable arrays"))


# ---------------------------------------------------------------- mlp_forward


def test_mlp_forward_returns_output_and_cache(learner):
    got = calling(learner.mlp_forward, X, PARAMS2)
    output, cache = unpack_forward(got, "mlp_forward(X, params)")
    expect_shape(output, (N, C), "the output of mlp_forward(X, params) for a 4-5-3 network and 6 samples",
                 "(n_samples, n_classes)")


def test_mlp_forward_values(learner, reference):
    output, _ = unpack_forward(calling(learner.mlp_forward, X, PARAMS2), "mlp_forward(X, params)")
    expect_close(output, reference.mlp_forward(X, PARAMS2)[0], call="the output of mlp_forward(X, params) "
                 "for a 4-5-3 network (ReLU hidden layer, softmax output)", inputs=X, input_name="X",
                 mistakes=forward_mistakes(X, PARAMS2), why_shape="(n_samples, n_classes)",
                 hint=FORWARD_HINT)


def test_mlp_forward_three_layers_tanh(learner, reference):
    tanh = reference_activation("tanh")
    mistakes = forward_mistakes(X, PARAMS3, np.tanh)
    output, _ = unpack_forward(calling(learner.mlp_forward, X, PARAMS3, hidden_activation=Named("tanh")),
                               "mlp_forward(X, params, hidden_activation=tanh)")
    expect_output_shape(output, PARAMS3, "the output of mlp_forward(X, params) for a 4-5-7-3 network")
    expect_close(output, reference.mlp_forward(X, PARAMS3, hidden_activation=tanh)[0],
                 call="the output of mlp_forward(X, params, hidden_activation=tanh) for a 4-5-7-3 network",
                 inputs=X, input_name="X", mistakes=mistakes, why_shape="(n_samples, n_classes)",
                 hint=matched_hint(output, mistakes, {IGNORED_HIDDEN: "Call the hidden_activation you were given."},
                                   FORWARD_HINT))


def test_mlp_forward_uses_output_activation(learner, reference):
    sigmoid = reference_activation("sigmoid")
    mistakes = forward_mistakes(X, PARAMS2, _relu, _sigmoid)
    output, _ = unpack_forward(calling(learner.mlp_forward, X, PARAMS2, output_activation=Named("sigmoid")),
                               "mlp_forward(X, params, output_activation=sigmoid)")
    expect_close(output, reference.mlp_forward(X, PARAMS2, output_activation=sigmoid)[0],
                 call="the output of mlp_forward(X, params, output_activation=sigmoid)", inputs=X, input_name="X",
                 mistakes=mistakes, why_shape="(n_samples, n_out)",
                 hint=matched_hint(output, mistakes, {IGNORED_OUTPUT: "The last layer applies the output_activation "
                                                      "argument, not softmax directly."}, FORWARD_HINT))


def test_mlp_forward_rows_sum_to_one(learner):
    output, _ = unpack_forward(calling(learner.mlp_forward, X, PARAMS3), "mlp_forward(X, params)")
    output = expect_output_shape(output, PARAMS3, "the output of mlp_forward(X, params) for a 4-5-7-3 network")
    sums = output.astype(float).sum(axis=1)
    worst = int(np.argmax(np.abs(sums - 1)))
    if not abs(sums[worst] - 1) <= 1e-9:
        fail(f"row {worst} of the output of mlp_forward(X, params) sums to {fmt(sums[worst])}, not 1: "
             "with the default output_activation=softmax every row is a probability distribution. "
             "Apply output_activation to the last layer's Z")


def test_mlp_forward_cache_keys(learner):
    _, cache = unpack_forward(calling(learner.mlp_forward, X, PARAMS3), "mlp_forward(X, params)")
    expect_keys(cache, cache_keys(3), "the cache from mlp_forward(X, params) for a 3-layer network",
                "A0 is X, then Zl and Al for every layer l = 1..L")


def test_mlp_forward_cache_shapes(learner):
    _, cache = unpack_forward(calling(learner.mlp_forward, X, PARAMS3), "mlp_forward(X, params)")
    widths = [D, H, H2, C]
    for key in cache_keys(3):
        if key not in cache:
            fail(f"the cache from mlp_forward(X, params) has no key {key!r}; it should hold "
                 f"{', '.join(cache_keys(3))}")
        width = widths[int(key[1:])]
        expect_shape(cache[key], (N, width), f"cache[{key!r}] from mlp_forward(X, params) for a 4-5-7-3 network",
                     f"(n_samples, {width}): one row per sample, one column per unit of layer {key[1:]}")


def test_mlp_forward_cache_first_is_input(learner):
    _, cache = unpack_forward(calling(learner.mlp_forward, X, PARAMS2), "mlp_forward(X, params)")
    if "A0" not in cache:
        fail("the cache from mlp_forward(X, params) has no key 'A0'; store the input there: cache = {'A0': X}")
    expect_close(cache["A0"], X, call="cache['A0'] from mlp_forward(X, params)", inputs=X, input_name="X",
                 hint="cache['A0'] is the input X itself (as a float array).")


def _expected_cache(reference, params, hidden=None):
    kwargs = {} if hidden is None else {"hidden_activation": hidden}
    return reference.mlp_forward(X, params, **kwargs)[1]


def test_mlp_forward_cache_pre_activations(learner, reference):
    tanh = reference_activation("tanh")
    _, cache = unpack_forward(calling(learner.mlp_forward, X, PARAMS3, hidden_activation=Named("tanh")),
                              "mlp_forward(X, params, hidden_activation=tanh)")
    expected = _expected_cache(reference, PARAMS3, tanh)
    for l in range(1, 4):
        key = f"Z{l}"
        if key not in cache:
            fail(f"the cache from mlp_forward has no key {key!r}: store each layer's pre-activation Z as 'Z{l}'")
        expect_close(cache[key], expected[key], call=f"cache[{key!r}] (layer {l}) from mlp_forward(X, params, "
                     "hidden_activation=tanh)", inputs=X, input_name="X",
                     mistakes={f"the activation's output A{l} was stored as Z{l}": expected[f"A{l}"],
                               f"Z{l} is missing the bias b{l}": expected[f"Z{l}"] - PARAMS3[f"b{l}"]},
                     why_shape="(n_samples, units of the layer)",
                     hint=f"Z{l} is the layer's pre-activation: A{l - 1} @ W{l} + b{l}, before any activation.")


def test_mlp_forward_cache_activations(learner, reference):
    tanh = reference_activation("tanh")
    _, cache = unpack_forward(calling(learner.mlp_forward, X, PARAMS3, hidden_activation=Named("tanh")),
                              "mlp_forward(X, params, hidden_activation=tanh)")
    expected = _expected_cache(reference, PARAMS3, tanh)
    for l in range(1, 4):
        key = f"A{l}"
        if key not in cache:
            fail(f"the cache from mlp_forward has no key {key!r}: store each layer's activation as 'A{l}'")
        act = "output_activation (softmax)" if l == 3 else "hidden_activation (tanh here)"
        expect_close(cache[key], expected[key], call=f"cache[{key!r}] (layer {l}) from mlp_forward(X, params, "
                     "hidden_activation=tanh)", inputs=X, input_name="X",
                     mistakes={f"the pre-activation Z{l} was stored as A{l}": expected[f"Z{l}"],
                               **({"the last layer uses hidden_activation instead of output_activation":
                                   np.tanh(expected[f"Z{l}"])} if l == 3 else
                                  {"the hidden layers use softmax (output_activation) too": _softmax(expected[f"Z{l}"]),
                                   "hidden_activation is ignored (ReLU is used whatever is passed)":
                                   _relu(expected[f"Z{l}"])})},
                     why_shape="(n_samples, units of the layer)",
                     hint=f"A{l} is {act} applied to Z{l}.")


def test_mlp_forward_output_is_last_activation(learner):
    output, cache = unpack_forward(calling(learner.mlp_forward, X, PARAMS3), "mlp_forward(X, params)")
    if "A3" not in cache:
        fail("the cache from mlp_forward(X, params) for a 3-layer network has no key 'A3'")
    expect_close(output, as_array(cache["A3"], "cache['A3']"), call="the output of mlp_forward(X, params)",
                 hint="Return the last layer's activation AL as the output, the same array as cache['AL'].")


def test_mlp_forward_single_sample(learner, reference):
    x = X[4:5]
    output, _ = unpack_forward(calling(learner.mlp_forward, x, PARAMS2), "mlp_forward(X, params) for one sample")
    expect_close(output, reference.mlp_forward(x, PARAMS2)[0],
                 call=f"the output of mlp_forward(X, params) for a single sample, X of shape {x.shape}",
                 mistakes=forward_mistakes(x, PARAMS2), why_shape="one sample gives one row",
                 hint="Keep the batch axis: one sample is X of shape (1, n_features).")


def test_mlp_forward_accepts_int_input(learner, reference):
    x = [[1, 0, -2, 3], [2, 1, 0, -1], [0, 0, 1, 1]]
    output, _ = unpack_forward(calling(learner.mlp_forward, x, PARAMS2), "mlp_forward(X, params) with an int list X")
    expected = reference.mlp_forward(x, PARAMS2)[0]
    plain, _ = unpack_forward(calling(learner.mlp_forward, np.array(x, float), PARAMS2), "mlp_forward(X, params)")
    expect_close(output, expected, call="mlp_forward(X, params) with an int list X",
                 mistakes=forward_mistakes(np.array(x, float), PARAMS2),
                 hint=fallback_hint(plain, expected, "Convert X with np.asarray(X, dtype=float) first."))
    expect_float(output, "mlp_forward(X, params) with an int list X")


def test_mlp_forward_leaves_inputs_unchanged(learner):
    got = calling(learner.mlp_forward, X.copy(), {k: v.copy() for k, v in PARAMS3.items()})
    expect_unchanged(learner.last, "mlp_forward(X, params)",
                     "Compute each layer into a new variable (A = activation(Z)) instead of writing into X or "
                     "the arrays in params; don't add or remove keys of params either.")
    output, _ = unpack_forward(got, "mlp_forward(X, params)")
    expect_result(expect_output_shape(output, PARAMS3, "the output of mlp_forward(X, params)"), (len(X), C),
                  "the output of mlp_forward(X, params)")


def test_mlp_forward_accepts_read_only_input(learner, reference):
    output, _ = unpack_forward(calling(learner.mlp_forward, X, PARAMS2, readonly=["*"]), "mlp_forward(X, params)")
    expected = reference.mlp_forward(X, PARAMS2)[0]
    plain, _ = unpack_forward(calling(learner.mlp_forward, X, PARAMS2), "mlp_forward(X, params)")
    expect_close(output, expected, call="mlp_forward(X, params) with a read-only X", inputs=X, input_name="X",
                 mistakes=forward_mistakes(X, PARAMS2),
                 hint=fallback_hint(plain, expected, "Don't write into X; build new arrays for every layer.",
                                    "a writable X"))


def reference_activation(name):
    from learnnn import reference as references
    return getattr(references.load("activations"), name)
