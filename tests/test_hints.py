"""Hints go from a nudge to a reveal: no first hint hands over code, each first hint points to the
lesson, and the digits hints never give away an architecture or hyperparameters."""
import re

import pytest

from learnnn import manifest

COURSE = manifest.load()
# an assignment, an indexed assignment, a returned call, arithmetic on a NumPy call, a matrix product
CODE = re.compile(r"\s=\s|\w+\[[^\]]*\]\s*=|\breturn\s+\w+\(|\bnp\.\w+\([^)]*\)\s*[-+*/@]|\w\s*@\s*\w")


@pytest.mark.parametrize("exercise", COURSE.exercises.values(), ids=lambda e: e.name)
def test_first_hint_is_a_nudge_that_points_to_the_lesson(exercise):
    first = exercise.hints[0]
    assert not CODE.search(first), f"{exercise.name}'s first hint gives code away: {first}"
    assert "lesson" in first.lower() or "'" in first, f"{exercise.name}'s first hint names no lesson section"
    assert len(exercise.hints) >= 3, "a nudge, a closer look and a reveal"


def test_digits_hints_teach_a_search_instead_of_a_recipe():
    text = " ".join(COURSE.exercise("digits").hints)
    assert not re.search(r"\[\s*64\s*,", text), "a layer-size list"
    assert not re.search(r"\b(lr|learning rate|epochs?|batch size)\s*(=|of)?\s*\d", text), "a hyperparameter value"
    assert "validation" in text


def test_the_overflow_hint_builds_sigmoid_on_exp_of_minus_abs_z_and_warns_off_np_where():
    import numpy as np
    overflow = next(h for h in COURSE.exercise("activations").hints if "overflow" in h)
    assert "np.exp(-np.abs(z))" in overflow and "1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0" in overflow
    before, _, trap = overflow.partition("np.where")
    assert "Don't pick" in before and "evaluates both branches" in trap
    z = np.array([-1e4, -50.0, -1.0, 0.0, 1.0, 50.0, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, even where not chosen
        e = np.exp(-np.abs(z))
        hinted = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    assert np.allclose(hinted, np.exp(-np.logaddexp(0, -z)), rtol=1e-12, atol=0)
