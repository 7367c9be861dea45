"""Every number a lesson states comes from code that a test runs.

lessons/scripts/lesson_numbers.py computes those numbers (many by running the lesson's own
snippets) into lessons/figures/numbers.json. Here every stored value must appear in its
lesson, and the fast ones are recomputed and must equal what is stored.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

LESSONS = Path(__file__).resolve().parents[1] / "lessons"
STORED = json.loads((LESSONS / "figures" / "numbers.json").read_text())


def flat(text):
    """Line breaks and column padding are layout, not content."""
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("lesson", sorted(STORED))
def test_the_lesson_states_every_computed_number(lesson):
    text = flat((LESSONS / f"{lesson}.md").read_text())
    missing = {name: value for name, value in STORED[lesson].items() if flat(value) not in text}
    assert not missing, (f"{lesson}.md does not state these numbers as computed by "
                         f"lessons/scripts/lesson_numbers.py: {missing}")


def test_the_stored_numbers_are_what_the_code_computes_now():
    result = subprocess.run([sys.executable, str(LESSONS / "scripts" / "lesson_numbers.py"), "--fast", "--print"],
                            capture_output=True, text=True, timeout=300,
                            # One BLAS thread: faster for these small matrices on a shared box.
                            env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-2000:]
    fresh = json.loads(result.stdout)
    assert fresh, "lesson_numbers.py --fast computed nothing"
    for lesson, values in fresh.items():
        stale = {name: (STORED.get(lesson, {}).get(name), value) for name, value in values.items()
                 if STORED.get(lesson, {}).get(name) != value}
        assert not stale, (f"{lesson}: (stored, computed now) differ; rerun "
                           f"python lessons/scripts/lesson_numbers.py: {stale}")

