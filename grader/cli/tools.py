"""Learner tools: watch, solution, submit, doctor, plot (being written)."""
