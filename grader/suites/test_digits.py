"""Hidden suite: digits.

The grader trains the learner's fit_digits itself, in the worker, on the
lessons' split and on stratified splits the learner does not see; only
X_train and y_train cross over. The returned (params, mean, scale) is scored
here with the reference mlp_forward, so the test images never reach learner
code. Every split is trained once per check (the module-scoped fixture).
"""
from learnnn import datasets, modelgrading as mg, testing

# The lessons' split plus 4 stratified ones: with 360 test images one split's
# accuracy varies little, and five fits leave a plain NumPy network enough of
# the 60 s.
TASK = mg.Task(exercise="digits", func="fit_digits", load=lambda: datasets.load("digits"), n_classes=10,
               target=0.95, budget=60.0, hidden_states=(1000, 1001, 1002, 1003), samples="images",
               advice="Settings known to work: layer sizes [64, 64, 10], 30 to 60 epochs, lr 0.1, batch size 32.")

globals().update(testing.model_tests(TASK))  # the tests every model exercise shares
