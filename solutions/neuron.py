"""A single neuron (reference solution)."""
import numpy as np

from activations import sigmoid


def neuron(x, w, b, activation=sigmoid):
    z = np.asarray(x, dtype=float) @ np.asarray(w, dtype=float) + float(b)
    out = np.asarray(activation(z), dtype=float)
    return float(out) if out.ndim == 0 else out
