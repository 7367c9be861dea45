"""Momentum, RMSProp and Adam, and a training loop that takes an optimiser.

Lesson: `learnnn lesson 13-optimizers`. Check your work: `learnnn check optimizers`.

Every step function is pure: it takes params, grads (same keys, same shapes) and
the optimiser's state, and returns (new_params, new_state) without changing any of
its inputs. state is None before the first step, which means "all zeros" (and
t = 0 for Adam); after that, pass back the state the previous call returned.
"""
import numpy as np

from layers import init_params, mlp_forward
from losses import one_hot, cross_entropy
from backprop import mlp_backward
from training import sgd_step, iterate_minibatches


def momentum_step(params, grads, state=None, lr=0.01, beta=0.9):
    """SGD with momentum: for every key, v = beta * v + g, then p = p - lr * v.

    state = {"v": {key: velocity array of the parameter's shape}}.
    Returns (new_params, {"v": new_velocities}). The velocity is a running sum of
    gradients that decays by beta per step (Polyak 1964; written as in Sutskever
    et al. 2013 and PyTorch's SGD).
    """
    raise NotImplementedError("momentum_step")


def rmsprop_step(params, grads, state=None, lr=0.001, rho=0.9, eps=1e-8):
    """RMSProp: for every key, s = rho * s + (1 - rho) * g ** 2, then p = p - lr * g / (sqrt(s) + eps).

    state = {"s": {key: array of the parameter's shape}}, a running mean of the
    squared gradient. Returns (new_params, {"s": new_s}). eps sits outside the square
    root (Tieleman & Hinton 2012, Coursera lecture 6.5).
    """
    raise NotImplementedError("rmsprop_step")


def adam_step(params, grads, state=None, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam with bias correction (Kingma & Ba 2015, Algorithm 1).

    state = {"t": int, "m": {key: array}, "v": {key: array}}: t counts the steps taken.
    One step: t = t + 1; for every key
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        m_hat = m / (1 - beta1 ** t),  v_hat = v / (1 - beta2 ** t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)
    Returns (new_params, {"t": t, "m": new_m, "v": new_v}). Thanks to the bias
    correction the very first step moves each parameter by about lr.
    """
    raise NotImplementedError("adam_step")


def train_with_optimizer(X, y, layer_sizes, optimizer="adam", epochs=20, lr=None, batch_size=32, seed=0):
    """Train an MLP (ReLU hidden layers, softmax output, cross-entropy) with the named optimiser.

    optimizer is "sgd" (training's sgd_step), "momentum", "rmsprop" or "adam"; any
    other value raises ValueError. lr=None uses the optimiser's default: 0.1 for
    sgd, 0.01 for momentum, 0.001 for rmsprop and adam; the other hyperparameters
    keep their defaults.

    Start from init_params(layer_sizes, seed=seed) and rng = np.random.default_rng(seed);
    every epoch takes one step per mini-batch of iterate_minibatches(X, Y, batch_size, rng)
    (Y one-hot), carrying the optimiser's state from step to step, starting from None.
    After every epoch record the mean cross-entropy and the accuracy on the whole
    training set.

    Returns (params, history) with history = {"loss": [...], "accuracy": [...]},
    one float per epoch in each list.
    """
    raise NotImplementedError("train_with_optimizer")
