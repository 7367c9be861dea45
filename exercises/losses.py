"""Loss functions and one-hot targets.

Lesson: `learnnn lesson 06-losses`. Check your work: `learnnn check losses`.

Each loss returns a single float: the mean over the samples.
"""
import numpy as np


def mse(y_pred, y_true):
    """The mean over all elements of (y_pred - y_true) ** 2."""
    raise NotImplementedError("mse")


def binary_cross_entropy(p, y, eps=1e-12):
    """-mean(y * log(p) + (1 - y) * log(1 - p)), with p clipped to [eps, 1 - eps] first.

    p holds probabilities, y holds 0/1 targets, both of the same shape.
    """
    raise NotImplementedError("binary_cross_entropy")


def one_hot(y, num_classes):
    """Integer labels y of shape (n,) as a float array of shape (n, num_classes).

    Row i is all zeros except a 1.0 in column y[i].
    """
    raise NotImplementedError("one_hot")


def cross_entropy(P, Y, eps=1e-12):
    """The mean over samples of -sum(Y * log(P)) along each row.

    P has shape (n, k), each row a probability distribution; it is clipped
    below at eps before the log. Y is either one-hot of shape (n, k) or
    integer labels of shape (n,).
    """
    raise NotImplementedError("cross_entropy")
