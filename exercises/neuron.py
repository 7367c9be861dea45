"""One artificial neuron.

Lesson: `learnnn lesson 03-neuron`. Check your work: `learnnn check neuron`.
"""
import numpy as np

from activations import sigmoid


def neuron(x, w, b, activation=sigmoid):
    """Return activation(x @ w + b).

    x of shape (n_features,) gives a float; x of shape (n, n_features) gives
    an array of shape (n,). w has shape (n_features,), b is a number.
    Use the `activation` you are given (lesson section "The neuron").
    """
    raise NotImplementedError("neuron")
