"""Activation functions and their derivatives.

Lesson: `learnnn lesson 02-activations`. Check your work: `learnnn check activations`.

Every function takes any array-like of numbers (a list, an int array, a float
array of any shape), returns a float64 NumPy array of the same shape and never
changes its input. The `*_grad` functions take the pre-activation `z`.
"""
import numpy as np


def sigmoid(z):
    """1 / (1 + e^-z), elementwise.

    Must not warn about overflow or return nan for |z| up to 1e4
    (lesson section "Sigmoid").
    """
    raise NotImplementedError("sigmoid")


def sigmoid_grad(z):
    """sigmoid(z) * (1 - sigmoid(z)), elementwise."""
    raise NotImplementedError("sigmoid_grad")


def tanh(z):
    """The hyperbolic tangent, elementwise; values in (-1, 1)."""
    raise NotImplementedError("tanh")


def tanh_grad(z):
    """1 - tanh(z)**2, elementwise."""
    raise NotImplementedError("tanh_grad")


def relu(z):
    """max(0, z), elementwise."""
    raise NotImplementedError("relu")


def relu_grad(z):
    """1 where z > 0, else 0 (so 0 at z == 0)."""
    raise NotImplementedError("relu_grad")


def leaky_relu(z, alpha=0.01):
    """z where z > 0, else alpha * z."""
    raise NotImplementedError("leaky_relu")


def leaky_relu_grad(z, alpha=0.01):
    """1 where z > 0, else alpha."""
    raise NotImplementedError("leaky_relu_grad")


def softmax(z):
    """Probabilities over the last axis: every row is positive and sums to 1.

    A 1-D input gives a 1-D output. Must not overflow for logits up to 1e4
    (lesson section "Softmax").
    """
    raise NotImplementedError("softmax")
