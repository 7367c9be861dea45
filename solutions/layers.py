"""Dense layers, initialisation and the forward pass of an MLP (reference solution)."""
import numpy as np

from activations import relu, softmax


def init_params(layer_sizes, seed=0, method="he"):
    gains = {"he": 2.0, "xavier": 1.0}
    if method not in gains:
        raise ValueError(f"method must be 'he' or 'xavier', not {method!r}")
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(layer_sizes)):
        n_in, n_out = int(layer_sizes[l - 1]), int(layer_sizes[l])
        params[f"W{l}"] = rng.standard_normal((n_in, n_out)) * np.sqrt(gains[method] / n_in)
        params[f"b{l}"] = np.zeros(n_out)
    return params


def dense_forward(X, W, b):
    return np.asarray(X, dtype=float) @ np.asarray(W, dtype=float) + np.asarray(b, dtype=float)


def mlp_forward(X, params, hidden_activation=relu, output_activation=softmax):
    L = len(params) // 2
    A = np.asarray(X, dtype=float)
    cache = {"A0": A}
    for l in range(1, L + 1):
        Z = dense_forward(A, params[f"W{l}"], params[f"b{l}"])
        activation = output_activation if l == L else hidden_activation
        A = np.asarray(activation(Z), dtype=float)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return A, cache
