"""Hidden suite: activations."""
import numpy as np
import pytest

from learnnn.feedback import (expect_close, expect_finite, expect_float, expect_no_warnings, expect_result,
                              expect_shape, expect_unchanged, fail, fallback_hint, float_hint, hinted)
from learnnn.sandbox import LearnerFailure, LearnerRaised

ELEMENTWISE = ["sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad", "leaky_relu", "leaky_relu_grad"]
# Non-square on purpose, with values on both sides of 0 and 0 itself.
Z = np.array([[-4.0, -1.5, -0.25, 0.0, 0.5], [2.0, -0.75, 3.5, 0.1, -2.5], [1.0, 0.0, -6.0, 6.0, 0.3]])


def _exp(z):
    with np.errstate(all="ignore"):
        return np.exp(z)


def sigmoid_mistakes(z):
    return {"1 / (1 + np.exp(z)) (the minus sign in e^-z is missing)": 1 / (1 + _exp(z)),
            "np.exp(-z) / (1 + np.exp(z))": _exp(-z) / (1 + _exp(z)),
            "tanh instead of sigmoid": np.tanh(z)}


def relu_grad_mistakes(z):
    return {"1 where z >= 0 (the gradient at z == 0 must be 0)": (z >= 0).astype(float),
            "relu(z) itself": np.maximum(0, z)}


def softmax_mistakes(z):
    z = np.asarray(z, dtype=float)
    columns, whole = _exp(z - z.max(axis=0)), _exp(z - z.max())  # shifted, so that logits of 1e4 don't overflow
    return {"normalising over axis 0 (columns) instead of the last axis (rows)": columns / columns.sum(axis=0),
            "normalising over the whole array instead of each row": whole / whole.sum(),
            "dividing without exponentiating": z / z.sum(axis=-1, keepdims=True)}


MISTAKES = {"sigmoid": sigmoid_mistakes, "relu_grad": relu_grad_mistakes, "softmax": softmax_mistakes}


def plain(fn, *args):
    """The learner's result for ``args``, or None when that call fails too."""
    try:
        return fn(*args)
    except LearnerFailure:
        return None


def test_sigmoid_values(learner, reference):
    expect_close(learner.sigmoid(Z), reference.sigmoid(Z), call="sigmoid(z)", inputs=Z,
                 mistakes=sigmoid_mistakes(Z), hint="sigmoid(z) = 1 / (1 + e^-z).")


def test_sigmoid_single_number(learner):
    expect_close(learner.sigmoid(0.0), 0.5, call="sigmoid(0.0)", hint="sigmoid(0) is exactly 1/2.")


def test_sigmoid_grad_values(learner, reference):
    s = 1 / (1 + np.exp(-Z))
    expect_close(learner.sigmoid_grad(Z), reference.sigmoid_grad(Z), call="sigmoid_grad(z)", inputs=Z,
                 mistakes={"sigmoid(z) itself": s, "z * (1 - z) (the derivative applied to z, not to sigmoid(z))": Z * (1 - Z),
                           "sigmoid(z) * (1 + sigmoid(z))": s * (1 + s)},
                 hint="sigmoid_grad(z) = sigmoid(z) * (1 - sigmoid(z)), and it takes z, not sigmoid(z).")


EXTREME = np.array([-1e4, -1e3, -50.0, -1.0, 0.0, 1.0, 50.0, 1e3, 1e4])  # and ordinary z, so zeros fail
WHERE = ("np.where(condition, a, b) computes both a and b for every element before it picks, so the branch it "
         "throws away still overflows (and its inf or nan still warns). Compute each branch only on its own "
         "elements (out[z >= 0] = ...; out[z < 0] = ...)")
STABLE = {"sigmoid": "np.exp(-np.logaddexp(0, -z))", "sigmoid_grad": "your stable sigmoid s, then s * (1 - s)",
          "tanh": "np.tanh(z)", "tanh_grad": "1 - np.tanh(z) ** 2"}


def _overflow_advice(learner, name, got, expected):
    """What the warning on huge |z| says, judged by which sign of z alone triggers it."""
    fn = getattr(learner, name)
    stable = STABLE[name]
    try:
        right = np.allclose(np.asarray(got, dtype=float), expected, rtol=1e-6, atol=1e-12)
    except (TypeError, ValueError):
        right = False
    if not right:
        return f"An exponential of a large number overflows to inf: compute {name} as {stable}."
    warned = {}
    for sign, part in (("positive", EXTREME[EXTREME > 0]), ("negative", EXTREME[EXTREME < 0])):
        plain(fn, part)
        warned[sign] = bool(learner.last.warnings)
    if name.startswith("sigmoid") and warned["positive"] and warned["negative"]:
        # Neither e^-z nor e^z overflows on both sides, so both were evaluated: two branches.
        return f"The values are right, but {WHERE}, or use a formula that never overflows: {stable}."
    side = "negative" if warned["negative"] else "positive"
    return (f"The values are right, but an intermediate overflowed for very {side} z (NumPy warns even when the "
            f"inf is divided away later). If you guard it with np.where: {WHERE}. Or use a formula that never "
            f"overflows: {stable}.")


@pytest.mark.parametrize("name", list(STABLE))  # the exponential ones; softmax has its own test below
def test_extreme_inputs(learner, reference, name):
    call = f"{name}(z) for z up to |1e4|"
    got = getattr(learner, name)(EXTREME)
    expected = getattr(reference, name)(EXTREME)
    info = learner.last
    if info.warnings:
        expect_no_warnings(info, call, _overflow_advice(learner, name, got, expected))
    expect_close(got, expected, call=call, inputs=EXTREME, atol=1e-12,
                 hint=f"For huge |z| the result must stay finite: compute {name} as {STABLE[name]}.")


def test_tanh_values(learner, reference):
    expect_close(learner.tanh(Z), reference.tanh(Z), call="tanh(z)", inputs=Z,
                 mistakes={"sigmoid instead of tanh": 1 / (1 + np.exp(-Z))}, hint="np.tanh computes it.")


def test_tanh_grad_values(learner, reference):
    expect_close(learner.tanh_grad(Z), reference.tanh_grad(Z), call="tanh_grad(z)", inputs=Z,
                 mistakes={"1 - z**2 (the derivative applied to z, not to tanh(z))": 1 - Z ** 2,
                           "1 - tanh(z)": 1 - np.tanh(Z)},
                 hint="tanh_grad(z) = 1 - tanh(z)**2.")


def test_relu_values(learner, reference):
    expect_close(learner.relu(Z), reference.relu(Z), call="relu(z)", inputs=Z,
                 mistakes={"max(0, z) taken over the whole array instead of elementwise": np.full(Z.shape, Z.max()),
                           "min(0, z)": np.minimum(0, Z)},
                 hint="relu(z) = np.maximum(0, z), elementwise.")


def test_relu_grad_values(learner, reference):
    expect_close(learner.relu_grad(Z), reference.relu_grad(Z), call="relu_grad(z)", inputs=Z,
                 mistakes=relu_grad_mistakes(Z), hint="relu_grad(z) is 1 where z > 0 and 0 elsewhere.")


def test_leaky_relu_values(learner, reference):
    expect_close(learner.leaky_relu(Z), reference.leaky_relu(Z), call="leaky_relu(z)", inputs=Z,
                 mistakes={"relu (the negative side should be alpha * z, not 0)": np.maximum(0, Z)},
                 hint="leaky_relu(z) = z where z > 0, else alpha * z, with alpha = 0.01 by default.")


def test_leaky_relu_uses_alpha(learner, reference):
    expect_close(learner.leaky_relu(Z, alpha=0.2), reference.leaky_relu(Z, alpha=0.2),
                 call="leaky_relu(z, alpha=0.2)", inputs=Z,
                 mistakes={"alpha fixed at 0.01": reference.leaky_relu(Z)},
                 hint="Use the alpha argument, not a constant.")


def test_leaky_relu_grad_values(learner, reference):
    expect_close(learner.leaky_relu_grad(Z, alpha=0.2), reference.leaky_relu_grad(Z, alpha=0.2),
                 call="leaky_relu_grad(z, alpha=0.2)", inputs=Z,
                 mistakes={"1 where z >= 0 (the gradient at z == 0 must be alpha)": np.where(Z >= 0, 1.0, 0.2),
                           "alpha fixed at 0.01": np.where(Z > 0, 1.0, 0.01)},
                 hint="leaky_relu_grad(z, alpha) is 1 where z > 0, else alpha.")


def test_softmax_values(learner, reference):
    hint = "Each row should be exp(z_i) / sum_j exp(z_j) over the last axis."
    with hinted(hint):
        got = learner.softmax(Z)
    expect_close(got, reference.softmax(Z), call="softmax(z)", inputs=Z, mistakes=softmax_mistakes(Z), hint=hint)


def test_softmax_rows_sum_to_one(learner):
    got = expect_shape(learner.softmax(Z), Z.shape, "softmax(z)", "the same as z").astype(float)
    expect_finite(got, "softmax(z)", inputs=Z)
    sums = got.sum(axis=-1)
    worst = int(np.argmax(np.abs(sums - 1)))
    if not abs(sums[worst] - 1) <= 1e-9:  # a nan sum fails too
        fail(f"row {worst} of softmax(z) sums to {sums[worst]:.6g}, not 1: divide by the sum over "
             "axis=-1 with keepdims=True so every row is normalised on its own")


def softmax_1d(learner, z):
    """The learner's softmax of a 1-D z; axis=1 raises AxisError there, and that has one fix."""
    try:
        return learner.softmax(z)
    except LearnerRaised as exc:
        if exc.kind != "AxisError":
            raise
        fail(f"softmax(z) for a 1-D z raised {exc}. Likely mistake: use axis=-1 (the last axis), which works "
             "for 1-D and 2-D input")


def test_softmax_one_dimensional(learner, reference):
    z = np.array([2.0, 1.0, 0.1, -1.0])
    expect_close(softmax_1d(learner, z), reference.softmax(z), call="softmax(z) for a 1-D z", inputs=z,
                 why_shape="a 1-D input gives a 1-D output")


def softmax_warning_advice(warning):
    """What a warning from softmax on huge logits means: a 0/0 comes from rows whose every exponential
    underflowed to 0, which only a shift by something larger than the row's own maximum causes."""
    if "invalid value" in warning or "divide" in warning:
        return ("In a row whose logits all lie far below the largest logit of the whole array, every np.exp "
                "underflows to 0 and the row becomes 0/0 (nan). Subtract each row's own maximum, "
                "z.max(axis=-1, keepdims=True), not the whole array's z.max().")
    return ("np.exp(1e4) overflows to inf: subtract each row's maximum, z.max(axis=-1, keepdims=True), "
            "before exponentiating.")


@pytest.mark.parametrize("z", [[[1e4, 1e4 - 1.0, 0.0], [-1e4, 0.0, 1e3]], [1e4, -1e4, 5e3]], ids=["2d", "1d"])
def test_softmax_large_logits(learner, reference, z):
    z = np.array(z)
    got = learner.softmax(z) if z.ndim == 2 else softmax_1d(learner, z)
    if learner.last.warnings:
        expect_no_warnings(learner.last, "softmax(z) with logits up to 1e4",
                           softmax_warning_advice(str(learner.last.warnings[0])))
    expect_close(got, reference.softmax(z), call="softmax(z) with logits up to 1e4", inputs=z,
                 mistakes=softmax_mistakes(z),
                 hint=fallback_hint(plain(learner.softmax, Z), reference.softmax(Z), "Subtract each row's maximum "
                                    "(keepdims=True) before np.exp; it doesn't change the result.", "small logits",
                                    "the size of the logits"))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_keeps_shape(learner, reference, name):
    z = np.linspace(-2, 2, 24).reshape(2, 3, 4)
    expect_close(getattr(learner, name)(z), getattr(reference, name)(z), call=f"{name}(z) for z of shape (2, 3, 4)",
                 inputs=z, why_shape="an elementwise function keeps the input's shape")


@pytest.mark.parametrize("name", ELEMENTWISE + ["softmax"])
def test_accepts_int_lists(learner, reference, name):
    z = [[-2, 0, 3], [1, -1, 2]]
    fn = getattr(learner, name)
    got = fn(z)
    as_float = plain(fn, np.array(z, dtype=float))
    convert = "Convert the input with np.asarray(z, dtype=float) first."
    mistakes = MISTAKES[name](np.array(z, dtype=float)) if name in MISTAKES else {}
    expect_close(got, getattr(reference, name)(z), call=f"{name}({z})", inputs=np.array(z), mistakes=mistakes,
                 hint=fallback_hint(as_float, getattr(reference, name)(z), convert), float64=False)
    expect_float(got, f"{name}({z})", float_hint(as_float, convert[0].lower() + convert[1:]))  # after a colon


@pytest.mark.parametrize("name", ELEMENTWISE + ["softmax"])
def test_leaves_input_unchanged(learner, name):
    z = Z.copy()
    got = getattr(learner, name)(z)
    expect_unchanged(learner.last, f"{name}(z)")
    expect_result(got, Z.shape, f"{name}(z)", "the same as z")


@pytest.mark.parametrize("name", ELEMENTWISE + ["softmax"])
def test_accepts_read_only_input(learner, reference, name):
    expect_close(getattr(learner, name)(Z, readonly=["*"]), getattr(reference, name)(Z),
                 call=f"{name}(z) for a read-only z", inputs=Z)
