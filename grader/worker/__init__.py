"""The worker side of the boundary: what runs next to learner code, and nothing else.

Its modules import nothing from the rest of learnnn, so under kernel isolation
only this folder (and NumPy) is mounted into the worker: not the suites, the
reference solutions or the course data. ``wire`` is the format both ends speak;
``testfunctions`` the functions suites pass by name; ``policy`` what the worker
refuses; ``serve`` the request loop; ``orphan`` dying with the parent; ``zygote`` the
fork server a grading session's workers are forked from.
"""
from .testfunctions import TEST_FUNCTIONS
from .wire import Generated, Named, Rng, WireError, decode, encode, pack, unpack

__all__ = ["Generated", "Named", "Rng", "WireError", "decode", "encode", "pack", "unpack",
           "TEST_FUNCTIONS"]
