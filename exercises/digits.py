"""Reading handwritten digits with your own network.

Lesson: `learnnn lesson 11-digits`. Check your work: `learnnn check digits`.

This exercise runs on your own activations, layers, losses, backprop and
training modules. To try ideas on the data yourself (outside this file):

    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from training import predict, accuracy
    from digits import fit_digits

    X, y = load_digits(return_X_y=True)          # X (1797, 64) pixels 0..16, y in 0..9
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=42)
    params, mean, scale = fit_digits(X_train, y_train)
    y_pred = predict((X_test - mean) / scale, params)
    print(accuracy(y_pred, y_test))
"""
import numpy as np

from training import train


def fit_digits(X_train, y_train, seed=0):
    """Train a network on raw 8x8 digit images and return it as (params, mean, scale).

    X_train has shape (n, 64), unscaled pixel values; y_train holds labels 0
    to 9. mean and scale have shape (64,); scale has no zeros, although some
    pixels are blank in every image. The grader predicts the argmax of
    mlp_forward((X - mean) / scale, params) (ReLU hidden layers, softmax
    output) over several splits: the mean accuracy must be at least 0.95, and
    all the fits together must finish within 60 s. Train with your own
    train(), not a library.
    """
    # A possible shape for the body:
    #
    #   X = np.asarray(X_train, dtype=float)
    #   mean = ...                    # per-pixel mean of the training images
    #   scale = ...                   # per-pixel standard deviation, zeros -> 1
    #   params, history = train((X - mean) / scale, y_train, [64, ..., 10],
    #                           epochs=..., lr=..., batch_size=..., seed=seed)
    #   return params, mean, scale
    raise NotImplementedError("fit_digits")
