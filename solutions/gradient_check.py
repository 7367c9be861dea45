"""Numerical gradients to check backpropagation against (reference solution)."""
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    # Perturb x itself when we may, so that f can be a closure over the same
    # array (a weight matrix inside params); otherwise work on a float copy.
    writable = isinstance(x, np.ndarray) and x.dtype == np.float64 and x.flags.writeable
    x = x if writable else np.array(x, dtype=float)
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        try:
            x[i] = old + h
            f_plus = float(f(x))
            x[i] = old - h
            f_minus = float(f(x))
        finally:
            x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
