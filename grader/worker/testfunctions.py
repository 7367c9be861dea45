"""Functions a suite may hand to learner code by name (numerical_gradient's ``f``).

Each takes a float array and returns a float. They live on the worker side so
no callable ever crosses the boundary: the suite sends ``Named("sin_dot")``.
"""
import numpy as np

_M = np.array([[1.0, -0.5], [0.25, 2.0], [-1.5, 0.75]])
_NET_X = np.array([[0.5, -1.2], [1.0, 0.3], [-0.7, 0.8], [0.2, -0.4], [-1.1, -0.6]])
_NET_W2 = np.array([[0.6, -0.4, 0.2], [-0.3, 0.8, -0.5], [0.7, 0.1, -0.9], [-0.2, -0.6, 0.4]])
_NET_Y = np.array([0, 2, 1, 2, 0])


def _sin_dot(x):
    x = np.asarray(x)
    return float(np.sum(np.sin(x) * np.arange(1, x.size + 1).reshape(x.shape)))


def _matrix_tanh(x):
    # needs x in its own 2-D shape (n, 3), not flattened
    return float(np.sum(np.tanh(np.asarray(x, dtype=float) @ _M)))


def _tiny_net_loss(x):
    """Mean cross-entropy of a fixed 2-4-3 network (tanh hidden, softmax out) as a function of W1 (2, 4)."""
    Z = np.tanh(_NET_X @ np.reshape(np.asarray(x, dtype=float), (2, 4)) + 0.1) @ _NET_W2
    return float(np.mean(np.log(np.sum(np.exp(Z), axis=1)) - Z[np.arange(len(_NET_Y)), _NET_Y]))


TEST_FUNCTIONS = {
    "sum_of_squares": lambda x: float(np.sum(np.asarray(x) ** 2)),
    "sum_of_cubes": lambda x: float(np.sum(np.asarray(x) ** 3)),
    "sin_dot": _sin_dot,
    "log_sum_exp": lambda x: float(np.log(np.sum(np.exp(np.asarray(x))))),
    "product": lambda x: float(np.prod(np.asarray(x))),
    "matrix_tanh": _matrix_tanh,
    "tiny_net_loss": _tiny_net_loss,
}
