"""Assertions for hidden suites whose failures teach.

Every helper raises ``AssertionError`` with a message for a learner who is
stuck: what was expected, what came back, where, and the likely mistake.
``same_reason`` shortens a failure repeated for one cause to a pointer at its first test.
"""
import contextlib
import re

import numpy as np


def fmt(x):
    if isinstance(x, (np.integer, np.bool_)):
        return repr(x.item())
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.6g}"
    if isinstance(x, np.ndarray) and x.size <= 12:
        return np.array2string(x, precision=4, suppress_small=True, separator=", ")
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    return repr(x)


def fail(message):
    raise AssertionError(message)


def _index(idx):
    return "" if idx == () else f" at index {tuple(int(i) for i in idx) if len(idx) > 1 else int(idx[0])}"


def as_array(got, call):
    """The returned value as a numeric array, or a failure that says why it isn't one."""
    if got is None:
        fail(f"{call} returned None: did you forget the `return` statement?")
    if isinstance(got, (dict, str)):
        fail(f"{call} returned a {type(got).__name__}; it should return numbers (a NumPy array or a float)")
    try:
        arr = np.asarray(got)
    except ValueError:
        fail(f"{call} returned a ragged list that can't become an array; return a NumPy array")
    if arr.dtype.kind not in "biuf":
        fail(f"{call} returned values of dtype {arr.dtype}; it should return numbers")
    return arr


def expect_shape(got, shape, call, why=""):
    arr = as_array(got, call)
    if arr.shape != tuple(shape):
        extra = f" ({why})" if why else ""
        fail(f"{call} has shape {arr.shape} but should have shape {tuple(shape)}{extra}")
    return arr


def dtype_advice(dtype):
    """Why a result has this dtype and how to get float64, from the dtype alone."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return "a comparison such as z > 0 gives True/False; turn it into numbers with .astype(float)"
    if dtype.kind in "iu":
        return ("arithmetic on integers stays integer: build your arrays as floats (np.zeros(shape) without "
                "dtype=int, np.asarray(x, dtype=float)) or convert the result with .astype(float)")
    return (f"{dtype} has another precision than float64: leave out dtype={dtype} (or np.{dtype.name}), "
            "or convert with .astype(np.float64)")


def expect_float(got, call, hint=""):
    """The result as an array, or a failure naming its dtype; ``hint`` replaces the advice drawn from the dtype
    (a caller that knows float input gives float64 can point at the input conversion)."""
    arr = as_array(got, call)
    if arr.dtype != np.float64:
        fail(f"{call} returned dtype {arr.dtype}, but every function should return float64: "
             + (hint or dtype_advice(arr.dtype)))
    return arr


def float_hint(plain, hint):
    """``hint`` (about converting the input) when ``plain``, the same call on float input, gave float64;
    otherwise the advice for the dtype that call gave, since the input type isn't then the problem."""
    try:
        dtype = np.asarray(plain).dtype
    except (TypeError, ValueError):
        return ""
    return hint if dtype == np.float64 else dtype_advice(dtype)


@contextlib.contextmanager
def hinted(hint):
    """When learner code raises inside the block, keep ``hint`` beside the exception's message."""
    from .sandbox import LearnerRaised
    try:
        yield
    except LearnerRaised as exc:
        if exc.kind in ("NotImplementedError", "MissingFunction", "Refused") or exc.phase == "import" or not hint:
            raise  # a function's hint can't explain a module that did not import
        fail(f"{exc}. {hint}")


def expect_scalar(got, call, float64=True):
    """A float, or anything that is one number (np.float64, a 0-d array); with ``float64``, of that dtype."""
    if isinstance(got, np.ndarray) and got.size != 1 or isinstance(got, (list, tuple, dict)) or got is None:
        shape = f"an array of shape {got.shape}" if isinstance(got, np.ndarray) else repr(got)[:60]
        fail(f"{call} should be a single number, but it returned {shape}")
    try:
        value = float(np.asarray(got).reshape(()))
    except (TypeError, ValueError):
        fail(f"{call} should be a single number, but it returned a {type(got).__name__}")
    if float64 and not isinstance(got, float):  # np.float64 is a float; so is what the wire makes of it
        dtype = np.asarray(got).dtype
        if dtype != np.float64:
            fail(f"{call} returned {fmt(got)} of type {type(got).__name__} (dtype {dtype}), but every function "
                 f"should return float64: {dtype_advice(dtype)}")
    return value


def expect_finite(got, call, inputs=None, input_name="z", hint=""):
    arr = as_array(got, call).astype(float)
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = np.unravel_index(np.argmax(bad), arr.shape) if arr.ndim else ()
        at = _input_at(inputs, arr.shape, idx, input_name)
        fail(f"{call} contains {fmt(arr[idx])}{_index(idx)}{at}. " + (hint or "Look for a division by zero "
             "or an exponential of a large number; NumPy turns both into inf or nan."))
    return arr


def expect_result(got, shape, call, why=""):
    """What ``call`` returned, in a test of something else it must do (leave its inputs unchanged): numbers of
    ``shape``, all finite; shape () takes any single number. That credit goes only to a function that
    returns its result, so None or a wrong shape fails here too."""
    if got is None:
        fail(f"{call} returned None: did you forget the `return` statement?")
    if shape == ():
        value = expect_scalar(got, call, float64=False)
        if not np.isfinite(value):
            fail(f"{call} returned {fmt(value)}; it should return a finite number")
        return value
    return expect_finite(expect_shape(got, shape, call, why), call)


def _input_at(inputs, shape, idx, name):
    if inputs is None:
        return ""
    inputs = np.asarray(inputs)
    if inputs.shape == shape:
        return f", where {name} = {fmt(inputs[idx])}"
    if inputs.ndim == len(shape) and inputs.ndim and inputs.shape[0] == shape[0]:
        return f", in row {int(idx[0])} of {name}"
    return ""


def matching(arr, mistakes, rtol=1e-5, atol=1e-8):
    """The descriptions of the mistakes whose values reproduce ``arr``."""
    found = []
    for description, candidate in (mistakes or {}).items():
        candidate = np.asarray(candidate, dtype=float)
        if candidate.shape == np.shape(arr) and np.allclose(arr, candidate, rtol=rtol, atol=atol, equal_nan=True):
            found.append(description)
    return found


def diagnosis(found):
    """A "likely mistake" only when one explanation fits; several that fit are named as alternatives."""
    if len(found) == 1:
        return f". Likely mistake: {found[0]}"
    if found:
        return ". These values fit more than one mistake, so check each: " + "; or ".join(found)
    return ""


def expect_close(got, expected, *, call, inputs=None, input_name="z", rtol=1e-6, atol=1e-9,
                 mistakes=None, hint="", why_shape="", float64=True):
    """Compare with a trusted value; say where the worst element is and what it looks like.

    With ``float64`` (the contract: every function returns float64) a result with the right values but
    another dtype fails too, with advice for that dtype.
    """
    expected = np.asarray(expected, dtype=float)
    arr = expect_shape(got, expected.shape, call, why_shape).astype(float)
    if np.isfinite(expected).all():
        expect_finite(arr, call, inputs, input_name)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(arr - expected) - (atol + rtol * np.abs(expected))
    # A nan or inf expected is met only by the same nan or inf; any other nan in err is a miss, not a pass.
    same = ~np.isfinite(expected) & ((arr == expected) | np.isnan(arr) & np.isnan(expected))
    err = np.where(same, 0.0, np.where(np.isnan(err), np.inf, err))
    if expected.size == 0 or not (err > 0).any():
        if float64:
            if np.ndim(got) == 0 and not isinstance(got, np.ndarray):
                expect_scalar(got, call)
            else:
                expect_float(got, call)
        return arr
    idx = np.unravel_index(np.argmax(err), arr.shape) if arr.ndim else ()
    message = (f"{call} is wrong{_index(idx)}{_input_at(inputs, arr.shape, idx, input_name)}: "
               f"{_got_expected(arr[idx], expected[idx])}")
    wrong = int((err > 0).sum())
    if arr.size > 1:
        message += f" ({wrong} of {arr.size} elements are off)"
    message += diagnosis(matching(arr, mistakes))
    fail(message + (f". {hint}" if hint else ""))


def _got_expected(got, expected):
    # Values that agree to 6 digits need more of them, and the gap itself, to show what is off.
    if f"{float(got):.6g}" == f"{float(expected):.6g}" or abs(got - expected) < 1e-4 * abs(expected):
        return f"got {float(got):.12g}, expected {float(expected):.12g} (off by {float(got - expected):.3g})"
    return f"got {fmt(got)}, expected {fmt(expected)}"


def fallback_hint(value, expected, hint, what="float arrays", problem="the input type"):
    """The hint for an int or read-only input test: its own when the same call on ``what`` was right,
    else a pointer to the value tests, since ``problem`` (what the test varies) isn't then the problem."""
    try:
        got, want = np.asarray(value, dtype=float), np.asarray(expected, dtype=float)
        ok = bool(np.allclose(got.reshape(()) if want.ndim == 0 else got, want, rtol=1e-6, atol=1e-9))
    except (TypeError, ValueError):
        ok = False
    return hint if ok else (f"The same call with {what} is wrong too, so {problem} isn't the problem: "
                            "fix the failures of the value tests first.")


def expect_unchanged(info, call, hint=""):
    """``info`` is the learner proxy's ``last`` call record."""
    if info.mutated:
        names = ", ".join(info.mutated)
        fail(f"{call} changed its input {names} in place; the caller's data must stay as it was. "
             + (hint or "Work on a copy (np.array(z, dtype=float) copies) or build a new array "
                "instead of writing into the one you were given (z[...] = ..., z += ...)."))


def expect_no_warnings(info, call, hint=""):
    if info.warnings:
        fail(f"{call} raised a warning: {info.warnings[0]}. " + hint)


def failure_reason(exc, message):
    """What makes two failed tests fail the same way: the learner's line that raised, with the exception's type
    and its message up to the numbers in it (shapes differ from test to test), as ``(shown, key)``; or else the
    whole message. None for a function not written yet, whose every test rightly says so."""
    from .sandbox import LearnerRaised
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, LearnerRaised):
            if exc.kind in ("NotImplementedError", "MissingFunction", "Refused"):
                return None
            if exc.where:
                return f"{exc.kind} at {exc.where}", re.sub(r"\d+", "#", str(exc))
        exc = exc.__cause__ or exc.__context__
    return message


SAME_REASON = re.compile(r"fails for the same reason as ([^\s:]+)")  # what same_reason writes; readers match it


def same_reason(message, reason, earlier, test):
    """``message``, or a pointer to the first test in ``earlier`` (reason -> test name) that failed for
    ``reason``: a learner reads the full message once. Records ``test`` as the first one for a new reason."""
    if reason is None:
        return message
    if reason not in earlier:
        earlier[reason] = test
        return message
    if isinstance(reason, tuple):
        return f"fails for the same reason as {earlier[reason]}: {reason[0]}"
    return f"fails for the same reason as {earlier[reason]}"
