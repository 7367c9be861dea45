"""Activation functions and their derivatives (reference solution)."""
import numpy as np


def _as_float(z):
    return np.asarray(z, dtype=float)


def sigmoid(z):
    # exp(-logaddexp(0, -z)) == 1 / (1 + exp(-z)) without overflowing for large |z|.
    return np.exp(-np.logaddexp(0.0, -_as_float(z)))


def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    return np.tanh(_as_float(z))


def tanh_grad(z):
    return 1.0 - np.tanh(_as_float(z)) ** 2


def relu(z):
    return np.maximum(0.0, _as_float(z))


def relu_grad(z):
    return (_as_float(z) > 0).astype(float)


def leaky_relu(z, alpha=0.01):
    z = _as_float(z)
    return np.where(z > 0, z, alpha * z)


def leaky_relu_grad(z, alpha=0.01):
    return np.where(_as_float(z) > 0, 1.0, float(alpha))


def softmax(z):
    z = _as_float(z)
    shifted = np.exp(z - z.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)
