"""learnnn.atomic: every file learnnn writes for an instructor or a learner is whole or absent."""
import os
import stat

import pytest

from learnnn.atomic import UMASK, atomic_write, replacing


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path):
    target = tmp_path / "grades.json"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with replacing(target) as f:
            f.write(b"half of the new")
            raise RuntimeError("disk full")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["grades.json"]


def test_a_write_makes_missing_folders_and_an_ordinary_file(tmp_path):
    target = tmp_path / "out" / "feedback" / "carol.md"
    atomic_write(target, "caf\u00e9 \udcff")  # a lone surrogate from learner output is replaced, not fatal
    assert target.read_bytes() == "café ?".encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~UMASK
    assert os.listdir(target.parent) == ["carol.md"]


def test_two_writers_never_share_a_temp_file(tmp_path):
    target = tmp_path / "progress.json"
    with replacing(target) as first, replacing(target) as second:
        assert len(list(tmp_path.glob(".progress.json.*.tmp"))) == 2
        first.write(b"first")
        second.write(b"second")
    assert target.read_bytes() == b"first"  # the outer block ends last, so its content stays
