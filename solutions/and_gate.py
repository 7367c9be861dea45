"""Training one sigmoid neuron by gradient descent (reference solution)."""
import numpy as np

from neuron import neuron


def train_neuron(X, y, epochs=10000, lr=0.5, seed=1):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(y)
    rng = np.random.default_rng(seed)
    # Small weights keep the first outputs near 0.5, where the sigmoid learns fastest.
    w = rng.standard_normal(X.shape[1]) * 0.01
    b = 0.0
    losses = []
    for _ in range(epochs):
        p = neuron(X, w, b)
        q = np.clip(p, 1e-12, 1 - 1e-12)
        losses.append(float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))))
        # With a sigmoid and binary cross-entropy, dL/dz is just p - y.
        error = p - y
        w = w - lr * (X.T @ error) / n
        b = b - lr * float(np.mean(error))
    return w, float(b), losses
