"""Mini-batch gradient descent and the training loop.

Lesson: `learnnn lesson 09-training`. Check your work: `learnnn check training`.
"""
import numpy as np

from layers import init_params, mlp_forward
from losses import one_hot, cross_entropy
from backprop import mlp_backward


def sgd_step(params, grads, lr):
    """Return a new parameter dict with params[k] - lr * grads[k] for every key.

    params itself must not change.
    """
    raise NotImplementedError("sgd_step")


def iterate_minibatches(X, Y, batch_size, rng):
    """Yield (X_batch, Y_batch) pairs, the rows of X and Y in a shuffled order.

    Shuffle once with rng.permutation(n) (rng is a np.random.Generator), then
    take batch_size rows at a time: every sample appears exactly once and the
    last batch may be smaller. X_batch[i] and Y_batch[i] belong together.
    X and Y may be lists or int arrays: every batch is a float64 array.
    """
    raise NotImplementedError("iterate_minibatches")


def train(X, y, layer_sizes, epochs=100, lr=0.1, batch_size=32, seed=0):
    """Train an MLP (ReLU hidden layers, softmax output, cross-entropy) with mini-batch SGD.

    X has shape (n, layer_sizes[0]) and y holds integer labels of shape (n,).
    Start from init_params(layer_sizes, seed=seed) and shuffle with your own
    rng = np.random.default_rng(seed). After every epoch record the loss and
    the accuracy on the whole training set.

    Returns (params, history) with history = {"loss": [...], "accuracy": [...]},
    one float per epoch in each list.
    """
    raise NotImplementedError("train")


def predict(X, params):
    """The most probable class of every row of X: integer labels of shape (n,)."""
    raise NotImplementedError("predict")


def accuracy(y_pred, y_true):
    """The fraction of labels that match, a float between 0 and 1."""
    raise NotImplementedError("accuracy")
