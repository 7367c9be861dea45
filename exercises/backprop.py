"""Backpropagation through a multi-layer perceptron.

Lesson: `learnnn lesson 07-backprop`. Check your work: `learnnn check backprop`.
"""
import numpy as np

from activations import relu_grad


def dense_backward(dZ, A_prev, W):
    """Backward pass of one dense layer Z = A_prev @ W + b.

    dZ (n, n_out) is the gradient of the loss with respect to Z, A_prev
    (n, n_in) the layer's input, W (n_in, n_out) its weights. Returns
    (dA_prev, dW, db) with the shapes of A_prev, W and b (n_out,):
    dW = A_prev.T @ dZ, db = dZ summed over the batch axis, dA_prev = dZ @ W.T.

    Don't divide by the batch size here: dZ is already the gradient of the
    mean loss, so its 1/n came in with dZ_L = (P - Y) / n (lesson 07).
    """
    raise NotImplementedError("dense_backward")


def mlp_backward(Y, params, cache, hidden_activation_grad=relu_grad):
    """Gradients of the mean cross-entropy of a softmax output layer.

    Y is one-hot of shape (n, n_out); params is the parameter dict and cache
    the dict mlp_forward returned for the same batch ("A0", "Z1", "A1", ...).
    hidden_activation_grad takes a hidden layer's pre-activation Z.

    Returns a dict with exactly the keys of params ("W1", "b1", ...), each
    gradient shaped like its parameter.
    """
    raise NotImplementedError("mlp_backward")
