"""learnnn: a neural-network course in a package, with a grader that never trusts learner code."""
__version__ = "0.1.0"
