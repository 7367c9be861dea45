"""Classifying Iris flowers with your own network.

Lesson: `learnnn lesson 10-iris`. Check your work: `learnnn check iris`.

This exercise runs on your own activations, layers, losses, backprop and
training modules. To try ideas on the data yourself (outside this file):

    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split
    from training import predict, accuracy
    from iris import fit_iris

    X, y = load_iris(return_X_y=True)            # X (150, 4), y in {0, 1, 2}
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=42)
    params, mean, scale = fit_iris(X_train, y_train)
    y_pred = predict((X_test - mean) / scale, params)
    print(accuracy(y_pred, y_test))
"""
import numpy as np

from training import train


def fit_iris(X_train, y_train, seed=0):
    """Train a network on raw Iris features and return it as (params, mean, scale).

    X_train has shape (n, 4), unscaled; y_train holds labels 0, 1, 2. mean and
    scale have shape (4,); scale has no zeros. The grader predicts the argmax
    of mlp_forward((X - mean) / scale, params) (ReLU hidden layers, softmax
    output) on flowers your code never sees, over several splits: the mean
    accuracy must be at least 0.93. Train with your own train(), not a library.
    """
    # A possible shape for the body:
    #
    #   X = np.asarray(X_train, dtype=float)
    #   mean = ...                    # per-feature mean of the training rows
    #   scale = ...                   # per-feature standard deviation, zeros -> 1
    #   params, history = train((X - mean) / scale, y_train, [4, ..., 3],
    #                           epochs=..., lr=..., batch_size=..., seed=seed)
    #   return params, mean, scale
    raise NotImplementedError("fit_iris")
