"""Finding the submissions in what an instructor downloads, and reading archives safely.

Nothing is extracted to disk: each submission becomes the bytes of its
allowlisted files (the course's ``<module>.py`` and ``answers/<quiz id>.yaml``),
read into memory under caps. An archive with an unsafe entry is refused whole.
"""
import hashlib
import io
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .manifest import LearnnnError

MAX_FILES = 1000  # entries in one learner's folder or archive
MAX_BYTES = 50 * 2**20  # uncompressed size of one learner's archive
MAX_FILE = 2 * 2**20  # one file we take
MAX_RATIO = 100  # uncompressed / compressed, beyond RATIO_FLOOR bytes: zip bombs
RATIO_FLOOR = 2**20
CLASS_FILES = 200_000  # an archive or folder holding a whole class
CLASS_BYTES = 8 * 2**30
JUNK = ("__MACOSX", ".DS_Store", "Thumbs.db")
SHEET_SUFFIXES = (".yaml", ".yml", ".json")
LISTED = 50  # ignored files named in feedback


class Refused(Exception):
    """Why a submission can't be read; it becomes a `rejected` row."""


@dataclass
class Submission:
    id: str
    files: dict = field(default_factory=dict)  # "activations.py" or "answers/02-activations.yaml" -> bytes
    ignored: list = field(default_factory=list)  # everything else it held, not graded
    problem: str = ""  # set when rejected: nothing of it is graded
    source: str = ""

    @property
    def digest(self):
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        return h.hexdigest()


@dataclass
class Entry:
    size: int
    packed: int  # compressed size (= size for plain files)
    read: object  # read(cap) -> bytes
    special: str = ""  # "a symbolic link", ...: refused when the submission is read


class Allowlist:
    def __init__(self, course, quizzes):
        self.modules = {e.filename for e in course.exercises.values()}
        self.sheets = {f"answers/{q}{s}" for q in quizzes for s in SHEET_SUFFIXES}

    def takes(self, name):
        return name in self.modules or name in self.sheets


# -------------------------------------------------------------- reading


def _check_sizes(entries, files, size, where):
    if len(entries) > files:
        raise Refused(f"{where} holds more than {files} files")
    total = sum(e.size for e in entries.values())
    packed = sum(e.packed for e in entries.values())
    if total > size:
        raise Refused(f"{where} unpacks to {total / 2**20:.0f} MB, more than the {size // 2**20} MB allowed")
    if total > RATIO_FLOOR and total > MAX_RATIO * max(packed, 1):
        raise Refused(f"{where} is compressed {total // max(packed, 1)} to 1, more than {MAX_RATIO} to 1 "
                      "(a zip bomb?)")


def _zip_entries(source, where, files=MAX_FILES, size=MAX_BYTES):
    """``source`` is a path or bytes. Refuses ../, absolute paths, links, encryption, and oversize."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise Refused(f"{where} is not a readable zip archive ({exc})") from None
    entries = {}
    for info in zf.infolist():
        name = info.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in parts:
            raise Refused(f"{where} has an entry with an unsafe path: {info.filename!r}")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise Refused(f"{where} has a symbolic link: {info.filename!r}")
        if info.flag_bits & 0x1:
            raise Refused(f"{where} is encrypted ({info.filename!r})")
        if info.is_dir():
            continue
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Refused(f"{where}: {info.filename!r} is compressed {info.file_size // max(info.compress_size, 1)} "
                          f"to 1, more than {MAX_RATIO} to 1 (a zip bomb?)")
        key = "/".join(p for p in parts if p != ".")
        if not key:
            continue
        if key in entries:
            raise Refused(f"{where} holds {info.filename!r} twice")
        entries[key] = Entry(info.file_size, info.compress_size, lambda cap, i=info: _read_member(zf, i, cap, where))
        if len(entries) > files:
            break
    _check_sizes(entries, files, size, where)
    return entries


def _read_member(zf, info, cap, where):
    try:
        with zf.open(info) as f:
            data = f.read(cap + 1)
    except Exception as exc:  # corrupt data, bad CRC, unsupported compression: all the archive's fault
        raise Refused(f"{where}: can't read {info.filename!r} ({type(exc).__name__}: {exc})") from None
    if len(data) > cap:
        raise Refused(f"{where}: {info.filename!r} is larger than {cap // 2**20} MB")
    return data


def _folder_entries(root, skip=()):
    entries = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if Path(folder, d).resolve() not in skip)
        for name in sorted(dirs) + sorted(names):
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                entries[rel] = Entry(0, 0, None, "a symbolic link")
            elif stat.S_ISREG(mode):
                size = os.lstat(path).st_size
                entries[rel] = Entry(size, size, lambda cap, p=path: _read_file(p, cap))
            elif not stat.S_ISDIR(mode):
                entries[rel] = Entry(0, 0, None, "not a regular file")
            if len(entries) > CLASS_FILES:
                raise LearnnnError(f"{root} holds more than {CLASS_FILES} files: is it the right folder?")
    return entries


def _read_file(path, cap):
    # no following a link or blocking on a pipe that replaced the file since we looked
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise Refused(f"can't read {path.name} ({exc.strerror})") from None
    with open(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Refused(f"{path.name} is not a regular file")
        data = f.read(cap + 1)
    if len(data) > cap:
        raise Refused(f"{path.name} is larger than {cap // 2**20} MB")
    return data


# -------------------------------------------------------------- splitting a class into submissions


def _junk(rel):
    return any(p in JUNK or p.startswith("._") for p in rel.split("/"))


def _base(entries, allow):
    """Where the allowlisted files sit: "" (top level), "name/" (one folder deep), or None; several -> list."""
    if any(allow.takes(rel) for rel in entries):
        return ""
    homes = sorted({rel.split("/", 1)[0] + "/" for rel in entries
                    if "/" in rel and not _junk(rel) and allow.takes(rel.split("/", 1)[1])})
    return homes[0] if len(homes) == 1 else (homes or None)


def _sub(entries, prefix):
    return {rel[len(prefix):]: e for rel, e in entries.items() if rel.startswith(prefix)}


def _submission(ident, entries, allow, where, nested=False):
    """One learner's files; raises Refused for what the caps or the layout forbid."""
    if len(entries) > MAX_FILES:
        raise Refused(f"{where} holds more than {MAX_FILES} files")
    for rel, entry in sorted(entries.items()):
        if entry.special:
            raise Refused(f"{where}: {rel} is {entry.special}")
    base = _base(entries, allow)
    if isinstance(base, list):
        raise Refused(f"{where} has exercise files in several folders ({', '.join(base)}): which one counts?")
    if base is None and not nested:
        zips = [rel for rel in entries if rel.lower().endswith(".zip") and rel.count("/") <= 1 and not _junk(rel)]
        if len(zips) == 1:  # an LMS folder holding the learner's `learnnn submit` zip
            inner = _zip_entries(entries[zips[0]].read(MAX_BYTES), f"{where}/{zips[0]}")
            sub = _submission(ident, inner, allow, f"{where}/{zips[0]}", nested=True)
            sub.ignored = sorted(sub.ignored + [r for r in entries if r != zips[0]])
            return sub
    sub = Submission(ident, source=where)
    for rel in sorted(entries):
        name = rel[len(base):] if base is not None and rel.startswith(base) else None
        if name is not None and allow.takes(name):
            sub.files[name] = entries[rel].read(MAX_FILE)
        else:
            sub.ignored.append(rel)
    return sub


def _rejected(ident, where, why):
    return Submission(ident, problem=str(why), source=str(where))


def _split(name, entries, allow, where):
    """A container of submissions: a sub-folder or a .zip per learner, maybe under one wrapper folder."""
    tops = sorted({rel.split("/", 1)[0] for rel in entries if not _junk(rel)})
    dirs = [t for t in tops if any(rel.startswith(t + "/") for rel in entries)]
    zips = [t for t in tops if t not in dirs and t.lower().endswith(".zip")]
    if len(dirs) == 1 and not zips and not isinstance(_base(_sub(entries, dirs[0] + "/"), allow), str):
        return _split(dirs[0], _sub(entries, dirs[0] + "/"), allow, f"{where}/{dirs[0]}")
    out = []
    for d in dirs:
        try:
            out.append(_submission(d, _sub(entries, d + "/"), allow, f"{where}/{d}"))
        except Refused as why:
            out.append(_rejected(d, f"{where}/{d}", why))
    for z in zips:
        ident, there = z[:-4], f"{where}/{z}"
        try:
            out.append(_submission(ident, _zip_entries(entries[z].read(MAX_BYTES), there), allow, there))
        except Refused as why:
            out.append(_rejected(ident, there, why))
    return out


def _from_input(path, allow, skip):
    where = path.name  # notes name the archive, not where the instructor happened to keep it
    if path.is_dir():
        entries = _folder_entries(path, skip)
        if _base(entries, allow) == "":  # a single learner's folder
            try:
                return [_submission(path.name, entries, allow, where)]
            except Refused as why:
                return [_rejected(path.name, where, why)]
        return _split(path.name, entries, allow, where)
    try:
        entries = _zip_entries(path, where, CLASS_FILES, CLASS_BYTES)
        holds_zips = any(rel.lower().endswith(".zip") for rel in entries if not _junk(rel))
        tops = {rel.split("/", 1)[0] for rel in entries if not _junk(rel)}
        base = _base(entries, allow)
        anywhere = any(allow.takes("/".join(rel.split("/")[-k:])) for rel in entries for k in (1, 2))
        if base == "" or isinstance(base, str) and len(tops) == 1 or not (anywhere or holds_zips):
            _check_sizes(entries, MAX_FILES, MAX_BYTES, where)
            return [_submission(path.stem, entries, allow, where)]
        return _split(path.stem, entries, allow, where)
    except Refused as why:
        return [_rejected(path.stem, where, why)]


def clean_id(name):
    """A name safe as a file name and as a spreadsheet cell (never starting with = + - @)."""
    return re.sub(r"[^\w.@+-]+", "_", name).strip("._=+-@")[:100] or "submission"


def discover(paths, *, course, quizzes, skip=()):
    """Every submission in the given folders and zips, sorted by id; ids made unique."""
    allow = Allowlist(course, quizzes)
    skip = {Path(p).resolve() for p in skip}
    found = []
    for path in map(Path, paths):
        if not path.is_dir() and not (path.is_file() and path.suffix.lower() == ".zip"):
            raise LearnnnError(f"{path} is neither a folder nor a .zip file")
        found += _from_input(path, allow, skip)
    used = set()
    for sub in sorted(found, key=lambda s: (clean_id(s.id), s.source)):
        ident, n = clean_id(sub.id), 1
        while ident in used:  # alice/ and alice.zip both given: alice, alice-2
            n += 1
            ident = f"{clean_id(sub.id)}-{n}"
        used.add(ident)
        sub.id = ident
        if len(sub.ignored) > LISTED:
            sub.ignored = sub.ignored[:LISTED] + [f"... and {len(sub.ignored) - LISTED} more"]
    return sorted(found, key=lambda s: s.id)
