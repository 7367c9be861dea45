"""Which of one learner's files are graded as which module, and how they are read.

A learner's entries (archives.py) may hold the modules at the top or a few
folders down, as ``Activations.py``, ``NEURON.PY`` or ``activations.ipynb``,
beside data files, virtualenvs and editor or OS junk. Junk is set aside folder
by folder and never read; other files are only listed; for each exercise module
and quiz sheet one file is chosen by a stated rule and decoded to UTF-8.

A quiz sheet is ``answers/<quiz id>.yaml`` (or .yml, .json), else ``<quiz id>.yaml``
anywhere. The rule for a module or sheet found more than once: the copy in the folder holding the
most of the course's modules, then the shallowest, then ``name.py`` over a case
variant over a notebook, then the first path in sorted order.
"""
import codecs
import re
from dataclasses import dataclass

from . import notebooks
from .archives import MAX_FILE, SHEET_SUFFIXES, Rejected, Unreadable, zip_entries

JUNK_FOLDERS = {"__MACOSX": "macOS archive metadata", ".git": "version control", ".hg": "version control",
                ".svn": "version control", ".ipynb_checkpoints": "Jupyter's autosave copies",
                "__pycache__": "compiled Python", ".idea": "editor settings", ".vscode": "editor settings",
                "node_modules": "installed packages", "site-packages": "installed packages",
                ".venv": "a virtualenv", "venv": "a virtualenv", ".tox": "a test environment",
                ".mypy_cache": "a tool's cache", ".pytest_cache": "a tool's cache", ".learnnn": "learnnn's own records"}
JUNK_FILES = {".DS_Store": "folder metadata", "Thumbs.db": "folder metadata", "desktop.ini": "folder metadata"}
MODULE_KINDS = {"py": 0, "ipynb": 2}  # rank: name.py 0, a case variant 1, a notebook 2
NESTED = 2  # zips inside a learner's zip opened this deep
CODING_LINE = re.compile(rb"^[ \t\f]*#.*?coding[:=]", re.MULTILINE)  # PEP 263


@dataclass(frozen=True)
class Course:
    """What intake needs of a course: module file names, quiz ids and each module's starting stub."""
    modules: tuple  # "activations.py", ...
    quizzes: tuple  # "02-activations", ...
    stubs: dict  # "activations.py" -> bytes of the untouched stub

    @classmethod
    def of(cls, course, quizzes):
        stubs = {e.filename: e.stub.read_bytes() for e in course.exercises.values() if e.stub.is_file()}
        return cls(tuple(e.filename for e in course.exercises.values()), tuple(quizzes), stubs)


def junk(rel):
    """Why a path is junk ("a virtualenv"), or ""."""
    parts = rel.rstrip("/").split("/")
    for part in parts[:-1] if not rel.endswith("/") else parts:
        if part in JUNK_FOLDERS:
            return JUNK_FOLDERS[part]
    name = parts[-1]
    if name.startswith("._"):
        return "macOS metadata"
    return JUNK_FILES.get(name, "")


VENV_PARTS = ("pyvenv.cfg", "bin/", "lib/", "lib64/", "include/", "share/", "Scripts/", "Lib/", "Include/")


def _venvs(entries):
    """Folders that are virtualenvs by their pyvenv.cfg, whatever they are called ("" when the learner's own
    folder is one: then only the virtualenv's own parts are junk, not the modules beside them)."""
    return sorted(rel[: -len("pyvenv.cfg")] for rel in entries if rel == "pyvenv.cfg" or rel.endswith("/pyvenv.cfg"))


def _junk_home(rel, venvs):
    """(the junk folder or file to name, why) or None."""
    why = junk(rel)
    if why:
        parts = rel.rstrip("/").split("/")
        for i, part in enumerate(parts[:-1] if not rel.endswith("/") else parts):
            if part in JUNK_FOLDERS:
                return "/".join(parts[: i + 1]) + "/", why
        return rel, why
    for venv in venvs:
        if venv and rel.startswith(venv):
            return venv, "a virtualenv"
        if not venv and rel.startswith(VENV_PARTS):
            return next(p for p in VENV_PARTS if rel.startswith(p)), "a virtualenv's files"
    return None


def target(rel, course):
    """(graded name, rank) when ``rel`` can be graded as a module or quiz sheet, else None."""
    parts = rel.split("/")
    stem, dot, ext = parts[-1].rpartition(".")
    if not dot:
        return None
    if ext.lower() in MODULE_KINDS:
        for module in course.modules:
            if stem.lower() == module[:-3].lower():
                rank = MODULE_KINDS[ext.lower()] or (0 if parts[-1] == module else 1)
                return module, rank
    if f".{ext.lower()}" in SHEET_SUFFIXES:  # answers/<quiz id>.yaml, or the sheet alone (a flat LMS download)
        for quiz in course.quizzes:
            if stem.lower() == quiz.lower():
                outside = not (len(parts) >= 2 and parts[-2].lower() == "answers")
                return f"answers/{quiz}", SHEET_SUFFIXES.index(f".{ext.lower()}") + len(SHEET_SUFFIXES) * outside
    return None


def expand_zips(entries, where, depth=NESTED):
    """(entries with each non-junk zip replaced by its own entries under ``name.zip/``, set aside).

    An unreadable zip is set aside with the reason; an unsafe one refuses the submission.
    """
    out, unreadable = {}, []
    for rel, entry in entries.items():
        if depth and rel.lower().endswith(".zip") and entry.open and not junk(rel):
            try:
                inner = zip_entries(entry.open(), f"{where}/{rel}")  # stays open: its entries are read later
            except Unreadable as why:
                unreadable.append((rel, f"not read: {why}"))
                continue
            inner, bad = expand_zips(inner, f"{where}/{rel}", depth - 1)
            out.update({f"{rel}/{name}": e for name, e in inner.items()})
            unreadable += [(f"{rel}/{name}", why) for name, why in bad]
        else:
            out[rel] = entry
    return out, unreadable


def decode(data):
    """(text, encoding) for UTF-8 with or without BOM and UTF-16/32 with BOM; (None, "") otherwise."""
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
                       (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                return None, ""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return None, ""


def fill(sub, entries, course, where):
    """Put into ``sub`` what of ``entries`` is graded (files, graded), listed (ignored), set aside or skipped.

    Raises Rejected for a link where a module would be taken, and when all there is to grade lies in archives
    that can't be read.
    """
    unreadable = []
    if not any(target(rel, course) for rel in entries if not junk(rel)):
        entries, unreadable = expand_zips(entries, where)  # an LMS folder holding the learner's zip
        sub.set_aside += unreadable
    venvs = _venvs(entries)
    junked, candidates = {}, {}
    for rel in sorted(entries):
        home = _junk_home(rel, venvs)
        if home:
            junked.setdefault(home, 0)
            junked[home] += not rel.endswith("/")
            continue
        if rel.endswith("/"):
            continue
        found = target(rel, course)
        if found:
            candidates.setdefault(found[0], []).append((rel, found[1]))
        elif entries[rel].special:
            sub.set_aside.append((rel, f"{entries[rel].special}: not followed"))
        else:
            sub.ignored.append(rel)
    for (home, why), count in sorted(junked.items()):
        files = f" ({count} file{'s' * (count != 1)})" if home.endswith("/") else ""
        sub.skipped.append((home, f"{why}, not read{files}"))
    homes = {}
    for name, found in candidates.items():
        for rel, _ in found:
            homes.setdefault(rel.rpartition("/")[0], set()).add(name)
    for name in sorted(candidates):
        ordered = sorted(candidates[name], key=lambda c: (-len(homes[c[0].rpartition("/")[0]]), c[0].count("/"),
                                                          c[1], c[0]))
        chosen = ordered[0][0]
        for rel, _ in ordered[1:]:
            sub.set_aside.append((rel, f"another copy of {_shown(name)}: {chosen} was graded"))
        try:
            _take(sub, name, chosen, entries[chosen], course, where)
        except Rejected:
            raise
        except Exception as exc:  # learnnn's own failure on one file: that file is set aside, not the class
            sub.set_aside.append((chosen, f"not read: learnnn failed to read it ({type(exc).__name__}: "
                                          f"{str(exc)[:200]}); please report it"))
    if unreadable and not sub.files:  # all they handed in was an archive no one can open: rejected, not empty
        raise Unreadable(unreadable[0][1].removeprefix("not read: "))
    sub.ignored.sort()
    sub.set_aside.sort()
    sub.skipped.sort()


def _shown(name):
    return f"{name}.yaml" if name.startswith("answers/") else name


def _take(sub, name, rel, entry, course, where):
    if entry.special:
        raise Rejected(f"{where}: {rel} is {entry.special}")
    try:
        data = entry.read(MAX_FILE)
    except Rejected as why:
        sub.set_aside.append((rel, f"not read: {why}"))
        return
    if name.startswith("answers/"):
        text, _ = _legacy(sub, rel, *decode(data), data)
        if text is None:
            sub.set_aside.append((rel, "not read: not UTF-8 or UTF-16 text"))
            return
        suffix = "." + rel.rpartition(".")[2].lower()
        sub.files[name + suffix] = text.encode("utf-8")
        sub.graded[name + suffix] = rel
        return
    if rel.lower().endswith(".ipynb"):
        text, _ = decode(data)
        try:
            source = notebooks.code_cells(text if text is not None else "")
        except notebooks.NotANotebook as why:
            sub.set_aside.append((rel, f"not read: {why}"))
            return
        data = source.encode("utf-8")
    else:
        text, encoding = decode(data)
        if not CODING_LINE.search(b"\n".join(data.split(b"\n", 2)[:2])):  # else Python decodes as it says
            text, encoding = _legacy(sub, rel, text, encoding, data)
        if text is not None:
            plain = notebooks.without_ipython(text)
            if plain != text:
                sub.notes.append(f"{rel}: IPython lines (magics, shell escapes, get_ipython()) were skipped")
            if encoding not in ("utf-8",) or plain != text:
                data = plain.encode("utf-8")
    sub.files[name] = data
    sub.graded[name] = rel
    if course.stubs.get(name) == data:
        sub.untouched.append(name)


def _legacy(sub, rel, text, encoding, data):
    """Text that is neither UTF-8 nor UTF-16 read as Windows-1252, the usual other editor default, and said so."""
    if text is not None:
        return text, encoding
    if b"\0" in data or data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None, ""  # binary, or a broken Unicode file: guessing would grade garbage
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None, ""
    sub.notes.append(f"{rel} is not UTF-8: it was read as Windows-1252")
    return text, "cp1252"
