"""Hidden suite: gradient_check (numerical_gradient, relative_error).

numerical_gradient gets scalar functions by name (learnnn.worker.TEST_FUNCTIONS):
the worker resolves the name to the function, and this process computes the
expected values with the same function.
"""
import numpy as np
import pytest

from learnnn.feedback import (expect_close, expect_float, expect_no_warnings, expect_result, expect_scalar,
                              expect_unchanged, fail, fmt)
from learnnn import testing
from learnnn.worker import TEST_FUNCTIONS, Named

H = 1e-5
# Central differences agree with each other to ~1e-9 whichever correct way they are written;
# a one-sided difference is off by about h * f'' / 2, around 1e-5.
RTOL, ATOL = 1e-7, 1e-8


ADVICE = [  # what an error usually means for numerical_gradient
    (("ValueError",), ("read-only",), "x was a read-only array here; your function must not write into the caller's "
     "x. Perturb a float copy instead: x = np.array(x, dtype=float) at the start"),
    (("AttributeError", "TypeError"), ("list", "tuple"),
     "x was a Python list here; turn it into a float array first: x = np.array(x, dtype=float)"),
    (("ValueError",), ("matmul", "shape", "reshape"), "f must be called with an array of x's own shape: perturb one "
     "element of x in place (x[i] for i in np.ndindex(x.shape)) rather than flattening x"),
]


def calling(fn, *args, **kwargs):
    return testing.calling(fn, *args, advice=ADVICE, **kwargs)


# ---------------------------------------------------------------- numerical_gradient


def tight(got, mistakes, rtol=1e-8, atol=1e-11):
    """The mistakes that reproduce `got` closely: some differ from the right answer by only O(h),
    less than expect_close's own tolerance for naming a mistake."""
    try:
        arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return {}
    return {d: c for d, c in mistakes.items()
            if np.shape(c) == arr.shape and np.allclose(arr, c, rtol=rtol, atol=atol, equal_nan=True)}


def _variant(f, x, h, kind):
    """numerical_gradient written with a common mistake."""
    x = np.array(x) if kind == "in_place_int" else np.array(x, dtype=float)
    if kind == "all_at_once":
        return np.full(x.shape, (f(x + h) - f(x - h)) / (2 * h))
    g = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        f_0 = f(x)
        if kind == "forward":
            g[i] = (f_plus - f_0) / h
        elif kind == "backward":
            g[i] = (f_0 - f_minus) / h
        elif kind == "no_half":
            g[i] = (f_plus - f_minus) / h
        elif kind == "half_step":  # x[i] += h; f; x[i] -= h; f  -> the second point is x itself
            g[i] = (f_plus - f_0) / (2 * h)
        elif kind == "no_restore":
            x[i] = old - h
            g[i] = (f_plus - f_minus) / (2 * h)
        elif kind == "squared_h":
            g[i] = (f_plus - f_minus) / (2 * h * h)
        elif kind == "in_place_int":
            g[i] = (f_plus - f_minus) / (2 * h)
    return g


def gradient_mistakes(f, x, h=H):
    int_input = {}
    if np.asarray(x).dtype.kind in "iub":
        int_input = {"the x you were given is an int array, and x[i] = old + h is truncated back to an integer: "
                     "work on a float copy, x = np.array(x, dtype=float)": _variant(f, x, h, "in_place_int")}
    return {**int_input,
        "a forward difference (f(x + h) - f(x)) / h, whose error is O(h): use the central difference "
        "(f(x + h) - f(x - h)) / (2 * h)": _variant(f, x, h, "forward"),
        "a backward difference (f(x) - f(x - h)) / h, whose error is O(h): use the central difference "
        "(f(x + h) - f(x - h)) / (2 * h)": _variant(f, x, h, "backward"),
        "dividing by h instead of 2 * h: the two evaluations are 2h apart": _variant(f, x, h, "no_half"),
        "dividing by 2 * h * h instead of 2 * h": _variant(f, x, h, "squared_h"),
        "the second evaluation is at x itself, not at x - h: from old + h, subtract 2h to reach old - h, or better "
        "set x[i] = old - h directly": _variant(f, x, h, "half_step"),
        "x[i] is not put back after the two evaluations, so every later element is measured at a shifted x: "
        "set x[i] = old after computing f_minus": _variant(f, x, h, "no_restore"),
        "h is added to every element of x at once; nudge one element at a time and leave the others as they are":
            _variant(f, x, h, "all_at_once"),
        "the x you were given is an int array, and x[i] = old + h is truncated back to an integer, so f never "
        "changes: work on a float copy, x = np.array(x, dtype=float)": np.zeros(np.shape(x)),
    }


def expect_gradient(learner, reference, name, x, *, h=None, note="", mistakes=None, hint="", **call_kwargs):
    f = TEST_FUNCTIONS[name]
    shape = np.shape(x)
    call = f"numerical_gradient({name}, x{'' if h is None else f', h={h:g}'}) for x of shape {shape}{note}"
    kwargs = {} if h is None else {"h": h}
    got = calling(learner.numerical_gradient, Named(name), x, **kwargs, **call_kwargs)
    expected = reference.numerical_gradient(f, np.array(x, dtype=float), **kwargs)
    mistakes = gradient_mistakes(f, x, h or H) if mistakes is None else mistakes
    expect_close(got, expected, call=call, inputs=np.asarray(x, dtype=float) if np.ndim(x) else None,
                 input_name="x", rtol=RTOL, atol=ATOL, why_shape="the gradient has the shape of x",
                 mistakes=tight(got, mistakes),
                 hint=hint or "For each element i: remember old = x[i]; evaluate f at x[i] = old + h and at "
                              "x[i] = old - h; put x[i] = old back; the slope is (f_plus - f_minus) / (2 * h).")
    return got


# Random inputs come from the per-test seeded `rng` fixture only, so every run (and every learner
# graded in one long-lived process) gets the same x.
CASES = {
    "sum_of_squares-1d": ("sum_of_squares", lambda rng: np.array([0.7, -1.3, 2.1, 0.05, -0.4])),
    "sum_of_cubes-2d": ("sum_of_cubes", lambda rng: rng.uniform(-2.0, 2.0, (3, 4))),
    "sin_dot-2d": ("sin_dot", lambda rng: rng.uniform(-2.0, 2.0, (4, 3))),
    "log_sum_exp-1d": ("log_sum_exp", lambda rng: np.array([0.3, -1.2, 2.0, 0.8, -0.5, 1.1])),
    "product-1d": ("product", lambda rng: np.array([1.5, -0.8, 2.2, 0.6, -1.4])),
    "network_loss-2d": ("tiny_net_loss", lambda rng: rng.normal(0.0, 0.8, (2, 4))),
}


@pytest.mark.parametrize("case", list(CASES))
def test_numerical_gradient_values(learner, reference, rng, case):
    name, make = CASES[case]
    expect_gradient(learner, reference, name, make(rng))


def test_numerical_gradient_keeps_the_shape_of_x_for_f(learner, reference, rng):
    # matrix_tanh computes x @ M with M of shape (3, 2): f only works on x in its own (4, 3) shape.
    expect_gradient(learner, reference, "matrix_tanh", rng.uniform(-1.0, 1.0, (4, 3)),
                    note=" (f uses x as a matrix)")


def test_numerical_gradient_three_dimensional(learner, reference, rng):
    expect_gradient(learner, reference, "sin_dot", rng.uniform(-2.0, 2.0, (2, 3, 2)), note=" (three axes)",
                    hint="np.ndindex(x.shape) visits every element of an array of any shape; a loop over "
                         "rows and columns only handles two axes.")


def test_numerical_gradient_single_element(learner, reference):
    expect_gradient(learner, reference, "sum_of_cubes", np.array([1.5]), note=" (a single element)")


def test_numerical_gradient_uses_h(learner, reference):
    # With h = 1e-2 the central difference of x**3 is 3x**2 + h**2: visibly different from h = 1e-5.
    x = np.array([1.0, -2.0, 0.5, 3.0])
    f = TEST_FUNCTIONS["sum_of_cubes"]
    mistakes = {"h fixed at 1e-5 instead of the h argument": reference.numerical_gradient(f, x.copy()),
                **gradient_mistakes(f, x, 1e-2)}
    expect_gradient(learner, reference, "sum_of_cubes", x, h=1e-2, mistakes=mistakes,
                    hint="Use the h argument for both nudges and in the division by 2 * h.")


def test_numerical_gradient_restores_x(learner):
    # Values for which x[i] += h ... x[i] -= 2 * h ... x[i] += h also lands back exactly on x[i].
    x = np.array([[2.0, -0.3, -2.5], [3.0, -1.0, 0.25]])
    got = calling(learner.numerical_gradient, Named("product"), x.copy())
    expect_unchanged(learner.last, "numerical_gradient(product, x)",
                     "x must hold its original values afterwards: after the two evaluations, put the "
                     "remembered value back with x[i] = old (or perturb a copy of x).")
    expect_result(got, x.shape, "numerical_gradient(product, x)", "the gradient has the shape of x")


def test_numerical_gradient_returns_float64(learner, reference):
    x = np.array([0.5, -1.5, 2.0])
    got = calling(learner.numerical_gradient, Named("sum_of_squares"), x)
    expect_float(got, "numerical_gradient(sum_of_squares, x)")
    expect_gradient(learner, reference, "sum_of_squares", x)  # and the float64 values are the gradient


def test_numerical_gradient_accepts_int_array(learner, reference):
    x = np.array([[1, -2, 3], [0, 2, -1]])
    expect_gradient(learner, reference, "sum_of_cubes", x, note=" with int entries",
                    hint="Perturb a float copy: x = np.array(x, dtype=float). In an int array x[i] = old + h "
                         "is truncated back to an integer.")


def test_numerical_gradient_accepts_list(learner, reference):
    x = [0.5, -1.0, 2.0, 1.5]
    f = TEST_FUNCTIONS["log_sum_exp"]
    got = calling(learner.numerical_gradient, Named("log_sum_exp"), x)
    expected = reference.numerical_gradient(f, np.array(x))
    try:
        plain = learner.numerical_gradient(Named("log_sum_exp"), np.array(x))
        plain_ok = np.shape(plain) == expected.shape and np.allclose(plain, expected, rtol=RTOL, atol=ATOL)
    except Exception:
        plain_ok = False
    expect_close(got, expected, call=f"numerical_gradient(log_sum_exp, {x}) with a list x", rtol=RTOL, atol=ATOL,
                 why_shape="the gradient has the shape of x", mistakes=tight(got, gradient_mistakes(f, x)),
                 hint="Turn x into a float array first: x = np.array(x, dtype=float)." if plain_ok else
                      "It is wrong for a float array too, so the list isn't the problem: fix the failures of the "
                      "value tests first.")


# ---------------------------------------------------------------- relative_error


def number(got, call):
    if isinstance(got, np.ndarray) and got.size > 1:
        fail(f"{call} returned an array of shape {got.shape}; it should return one number, the largest "
             "elementwise relative error: np.max(...) over every element, without an axis")
    return expect_scalar(got, call)


def rel_mistakes(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    d = np.abs(a - b)
    with np.errstate(all="ignore"):
        return {
            "the mean of the elementwise errors instead of their maximum": np.mean(d / np.maximum(1e-8, np.abs(a) + np.abs(b))),
            "the sum of the elementwise errors instead of their maximum": np.sum(d / np.maximum(1e-8, np.abs(a) + np.abs(b))),
            "|a + b| in the denominator; it should be |a| + |b|, which can't cancel when the signs differ":
                np.max(d / np.maximum(1e-8, np.abs(a + b))),
            "the plain difference max(|a - b|), without dividing by |a| + |b|": np.max(d),
            "dividing by max(|a|, |b|) (or by |a| alone) instead of |a| + |b|": np.max(d / np.maximum(1e-8, np.maximum(np.abs(a), np.abs(b)))),
            "dividing by |b| alone instead of |a| + |b|": np.max(d / np.maximum(1e-8, np.abs(b))),
            "norms of the whole arrays, ||a - b|| / (||a|| + ||b||), instead of elementwise errors":
                np.linalg.norm(a - b) / max(1e-8, np.linalg.norm(a) + np.linalg.norm(b)),
            "the 1e-8 floor is missing, so an element where both are 0 gives 0 / 0":
                np.max(d / (np.abs(a) + np.abs(b))),
            "1e-8 is added to the denominator; it should be max(1e-8, |a| + |b|)":
                np.max(d / (1e-8 + np.abs(a) + np.abs(b))),
        }


def expect_relative_error(learner, a, b, call, **kwargs):
    from learnnn import reference as references
    expected = references.load("gradient_check").relative_error(a, b)
    got = number(learner.relative_error(a, b, **kwargs), call)
    if not np.isfinite(got):
        fail(f"{call} returned {fmt(got)}. Where a and b are both 0, |a - b| / (|a| + |b|) is 0 / 0 = nan: divide by "
             "np.maximum(1e-8, np.abs(a) + np.abs(b)) instead")
    expect_close(got, expected, call=call, rtol=1e-6, atol=1e-15, mistakes=tight(got, rel_mistakes(a, b), 1e-9, 0),
                 hint="relative_error(a, b) = np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))).")


def test_relative_error_values(learner):
    a, b = np.array([1.0, -2.0, 0.5, 4.0]), np.array([1.1, -2.0, 0.4, 3.5])
    expect_relative_error(learner, a, b, f"relative_error(a, b) for a = {fmt(a)}, b = {fmt(b)}")


def test_relative_error_opposite_signs(learner):
    a, b = np.array([0.3, 2.0, -1.0]), np.array([-0.1, 2.0, -1.2])
    expect_relative_error(learner, a, b, f"relative_error(a, b) for a = {fmt(a)}, b = {fmt(b)}")


def test_relative_error_both_zero(learner):
    a, b = np.zeros(4), np.zeros(4)
    call = "relative_error(a, b) for two all-zero arrays"
    got = learner.relative_error(a, b)
    expect_no_warnings(learner.last, call, "0 / 0 is nan: divide by np.maximum(1e-8, np.abs(a) + np.abs(b)).")
    expect_close(number(got, call), 0.0, call=call, atol=1e-15,
                 hint="Two equal gradients have relative error 0, even when both are 0: the 1e-8 floor in "
                      "np.maximum(1e-8, np.abs(a) + np.abs(b)) avoids 0 / 0.")
    b = np.array([0.0, 0.0, 0.0, 0.5])  # and a 0 beside a number that isn't: |0 - 0.5| / 0.5 = 1
    expect_relative_error(learner, a, b, f"relative_error(a, b) for a = {fmt(a)}, b = {fmt(b)}")


def test_relative_error_tiny_values(learner):
    a, b = np.array([1e-10, 0.0, 0.5]), np.array([0.0, 0.0, 0.5])
    expect_relative_error(learner, a, b, "relative_error(a, b) for a = [1e-10, 0, 0.5], b = [0, 0, 0.5] "
                          "(expected 1e-10 / 1e-8 = 0.01)")


def test_relative_error_identical_arrays(learner):
    a = np.array([[0.25, -1.5, 3.0], [2.0, 0.0, -0.75]])
    expect_relative_error(learner, a, a.copy(), "relative_error(a, a) for two equal arrays")
    b = a.copy()
    b[0, 1] = -1.0  # one element apart: |-1.5 - (-1)| / 2.5 = 0.2
    expect_relative_error(learner, a, b, "relative_error(a, b) for arrays equal but for a[0, 1] = -1.5, b[0, 1] = -1")


def test_relative_error_two_dimensional(learner, rng):
    a = rng.normal(0.0, 1.0, (3, 4))
    b = a + rng.normal(0.0, 1e-3, (3, 4))
    expect_relative_error(learner, a, b, "relative_error(a, b) for arrays of shape (3, 4)")


def test_relative_error_scalars(learner):
    expect_relative_error(learner, 1.0, 3.0, "relative_error(1.0, 3.0)")


def test_relative_error_accepts_int_lists(learner):
    got = learner.relative_error([1, 2, 3], [1, 3, 3])
    call = "relative_error([1, 2, 3], [1, 3, 3])"
    got = number(got, call)
    expect_close(got, 0.2, call=call, rtol=1e-6, mistakes=tight(got, rel_mistakes([1, 2, 3], [1, 3, 3]), 1e-9, 0),
                 hint="Convert a and b with np.asarray(a, dtype=float) first: |2 - 3| / (2 + 3) = 0.2.")


def test_relative_error_leaves_inputs_unchanged(learner):
    got = learner.relative_error(np.array([1.0, -2.0, 0.5]), np.array([1.5, -2.0, 0.0]))
    expect_unchanged(learner.last, "relative_error(a, b)", "Build new arrays (np.abs(a - b)) instead of writing "
                     "into a or b (a -= b does).")
    expect_result(got, (), "relative_error(a, b)")


def test_relative_error_accepts_read_only_inputs(learner):
    a, b = np.array([1.0, -2.0, 0.5, 4.0]), np.array([1.1, -2.0, 0.4, 3.5])
    expect_relative_error(learner, a, b, "relative_error(a, b) for read-only a and b", readonly=["*"])
