"""Checking gradients numerically.

Lesson: `learnnn lesson 08-gradient-check`. Check your work: `learnnn check gradient_check`.
"""
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of the scalar function f at the float array x.

    For every element x[i]: (f(x with x[i] + h) - f(x with x[i] - h)) / (2 h).
    Returns a float array of the same shape as x. When you nudge x in place,
    put every element back: x must hold its original values afterwards.
    """
    raise NotImplementedError("numerical_gradient")


def relative_error(a, b):
    """max(|a - b| / max(1e-8, |a| + |b|)) over all elements, as a float."""
    raise NotImplementedError("relative_error")
