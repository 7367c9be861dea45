"""Checking gradients numerically.

Lesson: `learnnn lesson 08-gradient-check`. Check your work: `learnnn check gradient_check`.
"""
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of the scalar function f at x.

    x is any array-like of numbers (a list, an int array, a float array of
    any shape): work on a float copy, np.array(x, dtype=float), since nudging
    an int array by h rounds the nudge away. For every element x[i]:
    (f(x with x[i] + h) - f(x with x[i] - h)) / (2 h), with f called on an
    array of x's shape. Returns a float64 array of the same shape as x; the
    caller's x holds its original values afterwards.
    """
    raise NotImplementedError("numerical_gradient")


def relative_error(a, b):
    """max(|a - b| / max(1e-8, |a| + |b|)) over all elements, as a float."""
    raise NotImplementedError("relative_error")
