"""Regularisation: L2 weight decay, inverted dropout and early stopping.

Lesson: `learnnn lesson 12-regularization`. Check your work: `learnnn check regularization`.
"""
import numpy as np

from activations import relu_grad
from layers import init_params, mlp_forward
from losses import one_hot, cross_entropy
from backprop import mlp_backward
from training import sgd_step, iterate_minibatches


def l2_penalty(params, lam):
    """The L2 penalty (lam / 2) * sum over layers of sum(W_l ** 2), a float.

    Only the weights count: keys that start with "W". Biases are not penalised
    (a bias shifts a unit; it doesn't make the network more wiggly). lam >= 0 is
    the regularisation strength; lam = 0 gives 0.0. The 1/2 makes the gradient
    lam * W (Krogh & Hertz 1992, "A simple weight decay can improve generalization").
    """
    raise NotImplementedError("l2_penalty")


def l2_loss(P, Y, params, lam):
    """The mean cross-entropy of P against Y plus l2_penalty(params, lam), a float.

    P: probabilities of shape (n, k); Y: one-hot (n, k) or integer labels (n,),
    as for cross_entropy. The penalty is not divided by n: the loss is already a
    mean, so the penalty's weight doesn't change with the batch size.
    """
    raise NotImplementedError("l2_loss")


def l2_backward(Y, params, cache, lam, hidden_activation_grad=relu_grad):
    """The gradients of l2_loss with respect to every parameter, a dict with the keys of params.

    mlp_backward(Y, params, cache, hidden_activation_grad) gives the gradients of the
    cross-entropy; add lam * W_l to every dW_l and leave every db_l as it is.
    Y is one-hot (n, k); cache is what mlp_forward made. params must not change.
    """
    raise NotImplementedError("l2_backward")


def dropout_forward(A, keep_prob, rng):
    """Inverted dropout on the activations A: returns (A_drop, mask), both float64 of A's shape.

    Draw mask = (rng.random(A.shape) < keep_prob) as floats, one draw from the
    np.random.Generator rng, so that the same seed gives the same mask: 1.0 keeps a
    unit, 0.0 drops it. A_drop = A * mask / keep_prob: dividing by keep_prob keeps
    the expected value of every unit the same as without dropout, so nothing needs
    rescaling at test time (Srivastava et al. 2014; the inverted form as in CS231n).
    keep_prob = 1 keeps every unit and returns A unchanged.
    Raises ValueError unless 0 < keep_prob <= 1.
    """
    raise NotImplementedError("dropout_forward")


def dropout_backward(dA, mask, keep_prob):
    """The gradient through inverted dropout: dA * mask / keep_prob, float64 of dA's shape.

    mask is the one dropout_forward returned for the same forward pass: a dropped
    unit passes no gradient back, a kept one passes it scaled like its value.
    Raises ValueError unless 0 < keep_prob <= 1.
    """
    raise NotImplementedError("dropout_backward")


def train_early_stopping(X_train, y_train, X_val, y_val, layer_sizes, epochs=200, lr=0.1, batch_size=32,
                         lam=0.0, patience=10, seed=0):
    """Mini-batch SGD with L2 weight decay that stops when the validation loss stops improving.

    Start from init_params(layer_sizes, seed=seed) and rng = np.random.default_rng(seed);
    every epoch takes one sgd_step(params, l2_backward(...), lr) per mini-batch of
    iterate_minibatches(X_train, Y_train, batch_size, rng), then records the mean
    cross-entropy (without the penalty) on the whole training set in history["loss"]
    and on the validation set in history["val_loss"].

    An epoch improves when its validation loss is strictly below every earlier one.
    Stop after `patience` epochs in a row without improvement, or after `epochs`.

    Returns (best_params, history): the params after the epoch with the lowest
    validation loss (not the last ones), and history = {"loss": [...],
    "val_loss": [...], "best_epoch": int}, one float per epoch run in each list and
    best_epoch the 0-based index of that epoch in them.
    """
    raise NotImplementedError("train_early_stopping")
