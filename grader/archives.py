"""Reading zips and folders safely, without extracting anything to disk.

A zip or folder becomes a map of its entries (relative POSIX path, Unicode NFC)
to `Entry` records whose bytes are read on demand under a cap; what to read is
decided elsewhere (learnerfiles.py), so a 60 MB data file or a virtualenv beside
the modules costs nothing. A zip with an unsafe entry (``../``, an absolute path,
encryption, a zip bomb) is refused whole; links are recorded, and refused only
where a learner's files are taken from.
"""
import io
import os
import re
import shutil
import stat
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .manifest import LearnnnError

MAX_FILE = 2 * 2**20  # one file we take (a module, a notebook, an answer sheet)
MAX_NESTED = 2**30  # a zip inside a zip: held in memory or an unnamed temp file, read only in part
MAX_RATIO = 100  # uncompressed / compressed, beyond RATIO_FLOOR bytes: zip bombs
RATIO_FLOOR = 2**20
CLASS_FILES = 200_000  # entries in any one folder or archive we list
CLASS_BYTES = 8 * 2**30
MAX_DEPTH = 64  # folders inside a folder we list; deeper ones are set aside
SHEET_SUFFIXES = (".yaml", ".yml", ".json")


class Rejected(Exception):
    """Why a submission can't be read; it becomes a `rejected` row."""


class Unreadable(Rejected):
    """Not a zip at all (or a damaged one): unlike an unsafe zip, it can be set aside."""


@dataclass
class Entry:
    size: int
    packed: int  # compressed size (= size for plain files)
    read: object  # read(cap) -> bytes; raises Rejected beyond cap
    special: str = ""  # "a symbolic link", ...: refused where a learner's files are taken from
    open: object = None  # open() -> a seekable binary file (for zips inside zips)


def name_of(raw, utf8_flag=True):
    """A zip entry's name as the learner wrote it: zipfile decodes names without the UTF-8 flag as
    cp437 (the zip standard's default), but most tools that omit the flag wrote UTF-8 bytes."""
    if not utf8_flag:
        try:
            raw = raw.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return unicodedata.normalize("NFC", raw.replace("\\", "/"))


def _check_sizes(entries, where):
    total = sum(e.size for e in entries.values())
    packed = sum(e.packed for e in entries.values())
    if total > CLASS_BYTES:
        raise Rejected(f"{where} unpacks to {total / 2**30:.0f} GB, more than the {CLASS_BYTES // 2**30} GB allowed")
    if total > RATIO_FLOOR and total > MAX_RATIO * max(packed, 1):
        raise Rejected(f"{where} is compressed {total // max(packed, 1)} to 1, more than {MAX_RATIO} to 1 "
                      "(a zip bomb?)")


def zip_entries(source, where):
    """``source`` is a path or a binary file. Refuses ../, absolute paths, encryption, bombs and oversize."""
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise Unreadable(f"{where} is not a readable zip archive ({exc})") from None
    entries = {}
    for info in zf.infolist():
        name = name_of(info.filename, bool(info.flag_bits & 0x800))
        parts = name.split("/")
        if name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in parts:
            raise Rejected(f"{where} has an entry with an unsafe path: {info.filename!r}")
        if info.flag_bits & 0x1:
            raise Rejected(f"{where} is encrypted ({info.filename!r})")
        key = "/".join(p for p in parts if p not in (".", ""))
        if not key:
            continue
        if info.is_dir():
            entries.setdefault(key + "/", Entry(0, 0, None, "a folder"))  # so empty folders are seen
            continue
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Rejected(f"{where}: {info.filename!r} is compressed {info.file_size // max(info.compress_size, 1)} "
                          f"to 1, more than {MAX_RATIO} to 1 (a zip bomb?)")
        if key in entries:
            raise Rejected(f"{where} holds {info.filename!r} twice")
        if stat.S_ISLNK(info.external_attr >> 16):
            entries[key] = Entry(0, 0, None, "a symbolic link")
        else:
            entries[key] = Entry(info.file_size, info.compress_size,
                                 lambda cap, i=info: _read_member(zf, i, cap, where),
                                 open=lambda i=info: _spool(zf, i, where))
        if len(entries) > CLASS_FILES:
            raise Rejected(f"{where} holds more than {CLASS_FILES} files")
    _check_sizes(entries, where)
    return entries


def _read_member(zf, info, cap, where):
    try:
        with zf.open(info) as f:
            data = f.read(cap + 1)
    except Exception as exc:  # corrupt data, bad CRC, unsupported compression: all the archive's fault
        raise Rejected(f"{where}: can't read {info.filename!r} ({type(exc).__name__}: {exc})") from None
    if len(data) > cap:
        raise Rejected(f"{where}: {info.filename!r} is larger than {cap // 2**20} MB")
    return data


def _spool(zf, info, where):
    if info.file_size > MAX_NESTED:
        raise Rejected(f"{where}: {info.filename!r} is larger than {MAX_NESTED // 2**30} GB")
    # in memory when small, else an unnamed temp file (SpooledTemporaryFile lacks seekable() before 3.11)
    spool = io.BytesIO() if info.file_size <= 64 * 2**20 else tempfile.TemporaryFile()
    try:
        with zf.open(info) as f:
            shutil.copyfileobj(f, spool)
    except Exception as exc:
        spool.close()
        raise Rejected(f"{where}: can't read {info.filename!r} ({type(exc).__name__}: {exc})") from None
    spool.seek(0)
    return spool


def folder_entries(root, skip=()):
    """The entries of a folder on disk, walked without recursion (Python 3.11's os.walk recurses).

    A folder deeper than MAX_DEPTH becomes one entry that is set aside and named,
    so a 1500-deep tree in one learner's folder costs the class nothing.
    Raises LearnnnError beyond CLASS_FILES entries.
    """
    entries = {}
    root = os.fspath(root)
    pending = [(root, "")]
    while pending:
        folder, base = pending.pop()
        try:
            with os.scandir(folder) as listing:
                found = [(e.name, e.is_dir()) for e in listing]
        except OSError:
            continue  # as os.walk does: a folder we may not list holds nothing we can read
        dirs = sorted(n for n, is_dir in found if is_dir and not (skip and Path(folder, n).resolve() in skip))
        inner = []
        for name in dirs + sorted(n for n, is_dir in found if not is_dir):
            path = os.path.join(folder, name)
            rel = unicodedata.normalize("NFC", f"{base}{name}")
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                entries[rel] = Entry(0, 0, None, "a symbolic link")
            elif stat.S_ISREG(mode):
                size = os.lstat(path).st_size
                entries[rel] = Entry(size, size, lambda cap, p=Path(path): _read_file(p, cap),
                                     open=lambda p=Path(path): _open_file(p))
            elif stat.S_ISDIR(mode) and rel.count("/") + 1 >= MAX_DEPTH:
                entries[rel] = Entry(0, 0, None, f"a folder {MAX_DEPTH} levels down")
            elif stat.S_ISDIR(mode):
                entries.setdefault(rel + "/", Entry(0, 0, None, "a folder"))  # so empty folders are seen
                inner.append((path, f"{base}{name}/"))
            else:
                entries[rel] = Entry(0, 0, None, "not a regular file")
            if len(entries) > CLASS_FILES:
                raise LearnnnError(f"{root} holds more than {CLASS_FILES} files: is it the right folder?")
        pending += reversed(inner)  # depth first, in name order, as os.walk lists them
    return entries


def _open_file(path):
    # no following a link or blocking on a pipe that replaced the file since we looked
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise Rejected(f"can't read {path.name} ({exc.strerror})") from None
    f = open(fd, "rb")
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        f.close()
        raise Rejected(f"{path.name} is not a regular file")
    return f


def _read_file(path, cap):
    with _open_file(path) as f:
        data = f.read(cap + 1)
    if len(data) > cap:
        raise Rejected(f"{path.name} is larger than {cap // 2**20} MB")
    return data

