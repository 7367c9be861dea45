"""Dense layers, initialisation and the forward pass of a multi-layer perceptron.

Lesson: `learnnn lesson 05-layers`. Check your work: `learnnn check layers`.

A layer's weights W have shape (n_in, n_out) and its bias b shape (n_out,);
X is batch-first, shape (n_samples, n_features). Parameters live in one dict
{"W1", "b1", ..., "WL", "bL"}, layer 1 first.
"""
import numpy as np

from activations import relu, softmax


def init_params(layer_sizes, seed=0, method="he"):
    """Return a parameter dict for the layer sizes [n_in, h1, ..., n_out].

    W_l has shape (layer_sizes[l-1], layer_sizes[l]) and is standard normal
    draws times sqrt(2 / n_in) for method="he" or sqrt(1 / n_in) for
    "xavier", where n_in = layer_sizes[l-1]. Use one generator,
    np.random.default_rng(seed), and draw W1, W2, ... in that order with
    rng.standard_normal. Every b_l is zeros of shape (n_out,).
    """
    raise NotImplementedError("init_params")


def dense_forward(X, W, b):
    """Return X @ W + b: shape (n, n_out) for X (n, n_in), W (n_in, n_out), b (n_out,)."""
    raise NotImplementedError("dense_forward")


def mlp_forward(X, params, hidden_activation=relu, output_activation=softmax):
    """Run X through every layer and return (output, cache).

    Every layer computes Z = A_prev @ W + b; hidden layers apply
    hidden_activation, the last one output_activation. output has shape
    (n, n_out). cache = {"A0": X, "Z1": ..., "A1": ..., ..., "ZL": ..., "AL": ...}
    keeps what backpropagation will need; cache["AL"] is the output.
    """
    raise NotImplementedError("mlp_forward")
