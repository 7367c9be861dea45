"""Files written whole or not at all: a temp file beside the target, then os.replace.

The temp file has a unique name (two writers never share one) and the mode an
ordinary file gets under the umask; on any failure it is removed and the old
file, if any, is left as it was.
"""
import contextlib
import os
import tempfile
from pathlib import Path

UMASK = os.umask(0o022)  # the only way to read the umask is to set it
os.umask(UMASK)


@contextlib.contextmanager
def replacing(path):
    """A binary file to write ``path``'s new content into; it takes ``path``'s place only when the block ends
    without an error. Folders above ``path`` are made when missing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        os.chmod(tmp, 0o666 & ~UMASK)  # mkstemp makes it private; these are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path, data):
    """Write ``data`` (bytes, or text as UTF-8) to ``path`` atomically."""
    with replacing(path) as f:  # "replace": text a learner's code returned may hold lone surrogates
        f.write(data.encode("utf-8", "replace") if isinstance(data, str) else data)
