"""Training one neuron on a truth table.

Lesson: `learnnn lesson 04-and-gate`. Check your work: `learnnn check and_gate`.
"""
import numpy as np

from neuron import neuron


def train_neuron(X, y, epochs=10000, lr=0.5, seed=1):
    """Train one sigmoid neuron by full-batch gradient descent on binary cross-entropy.

    X has shape (n, n_features), y has shape (n,) with 0/1 targets; both may be
    lists. Draw the starting weights from np.random.default_rng(seed), then in
    every epoch: forward pass on all of X, mean loss, gradient, one update.

    Returns (w, b, losses): w a float array of shape (n_features,), b a float,
    losses a list of `epochs` floats, the mean loss of each epoch. With the
    defaults it must learn every linearly separable two-input truth table
    (AND, OR, NAND, ...): thresholding the output at 0.5 gets all 4 rows right.
    """
    raise NotImplementedError("train_neuron")
