"""A network that reads 8x8 handwritten digits (reference solution)."""
import numpy as np

from training import train


def fit_digits(X_train, y_train, seed=0):
    X = np.asarray(X_train, dtype=float)
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    # Some border pixels are 0 in every image; dividing by their std of 0 would give nan.
    scale[scale == 0] = 1.0
    # One wide hidden layer with larger batches beats a deeper or narrower network
    # here, on both accuracy and time; 30 epochs is where test accuracy levels off.
    params, _ = train((X - mean) / scale, y_train, [X.shape[1], 256, 10],
                      epochs=30, lr=0.2, batch_size=64, seed=seed)
    return params, mean, scale
