"""From what an instructor downloads to one Submission record per learner.

The record is what the rest of bulk grading reads: grading takes ``files``,
the gradebook and report take the rest (identity, attempt, what was graded as
what, and what was set aside and why).
"""
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from . import archives, learnerfiles, lms as layouts
from .manifest import LearnnnError


@dataclass
class Submission:
    id: str  # normalised: Unicode NFC, safe as a file name and a spreadsheet cell; unique in the class
    files: dict = field(default_factory=dict)  # "activations.py" or "answers/02-activations.yaml" -> UTF-8 bytes
    original_name: str = ""  # the folder, zip or file-name stem the LMS gave (NFC), for its own column
    lms_id: str = ""  # the learner's key in the LMS read from the name (Canvas user id, Moodle participant, SID)
    attempt: str = ""  # the LMS's attempt marker kept ("2" for Canvas's -2 resubmission, a Blackboard time), or ""
    late: bool = False  # the LMS marked it late (Canvas's `late_`)
    graded: dict = field(default_factory=dict)  # graded name -> its file: {"activations.py": "src/Activations.py"}
    ignored: list = field(default_factory=list)  # the learner's files not graded, by path
    set_aside: list = field(default_factory=list)  # (what, why): other attempts and copies, unreadable files, links
    skipped: list = field(default_factory=list)  # (what, why): junk never read (.git/, __MACOSX/, a virtualenv)
    untouched: list = field(default_factory=list)  # graded names still byte for byte the starting stub
    notes: list = field(default_factory=list)  # sentences for the row's note and the feedback, in order
    roster: dict = field(default_factory=dict)  # this learner's row of --roster FILE.csv, column -> value ({} without)
    problem: str = ""  # set when rejected: nothing of it is graded
    missing: bool = False  # on the roster with nothing in the download: a row with status missing
    source: str = ""  # where it was found, relative to the inputs (never a temporary path)

    @property
    def digest(self):
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        return h.hexdigest()

    @property
    def renamed(self):
        """["src/Activations.py -> activations.py", ...]: files graded under another name than their own."""
        return [f"{path} -> {name}" for name, path in sorted(self.graded.items()) if path != name]


@dataclass
class Intake:
    """What `discover` found: one Submission per learner, sorted by id, and what no learner got."""
    submissions: list
    layout: str  # "canvas", "moodle", "blackboard", "gradescope", "custom" or "folders" (several if mixed)
    set_aside: list = field(default_factory=list)  # (what, why) at class level: names no learner, merged duplicates
    not_on_roster: list = field(default_factory=list)  # ids of submissions --roster does not list
    roster_column: str = ""  # the roster column the learners' ids were found in

    # a sequence of its submissions, for callers that only want those
    def __len__(self):
        return len(self.submissions)

    def __iter__(self):
        return iter(self.submissions)

    def __getitem__(self, index):
        return self.submissions[index]


@dataclass
class _Piece:
    """One learner's files from one place (a folder, a zip, or a learner's flat files), before merging."""
    key: str  # who: compared NFC and case-folded
    row: str
    original: str
    entries: dict
    where: str
    order: tuple  # (input index, layout group): pieces sharing it are one attempt's parts (Moodle's two folders)
    attempt: str = ""
    late: bool = False
    problem: str = ""
    tops: dict = field(default_factory=dict)  # flat downloads: the learner's file name -> the name in the download
    set_aside: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    keys: set = field(default_factory=set)  # every name a roster might use for this learner
    notes: list = field(default_factory=list)
    lms_id: str = ""


ATTEMPT_RULES = ("newest", "oldest")
LISTED = 50  # entries named per list (ignored, set aside, skipped) in a row and its feedback


def discover(paths, *, course, quizzes, skip=(), lms="auto", pattern=None, attempt="newest", roster=None):
    """Every learner in the given folders and zips, each as exactly one Submission (see `Intake`).

    ``lms`` is one of lms.NAMES; ``pattern`` (a regex capturing ``id``) replaces its
    name pattern; ``attempt`` chooses among a learner's attempts and copies: "newest"
    keeps the highest attempt marker (a number, or a time), then the input given
    last; "oldest" the reverse. What is not kept is set aside and named.
    ``roster`` is a CSV file; its learners with no submission get a `missing` row.
    Raises LearnnnError for an input that is neither a folder nor a zip, inputs none of which can be read,
    a bad pattern or roster.
    """
    if attempt not in ATTEMPT_RULES:
        raise LearnnnError(f"--attempt must be one of {', '.join(ATTEMPT_RULES)}, not {attempt!r}")
    try:
        forced = layouts.custom(pattern) if pattern else None if lms in ("auto", None) else \
            None if lms == "folders" else layouts.LAYOUTS[lms]
    except (ValueError, KeyError) as exc:
        raise LearnnnError(str(exc).strip("'")) from None
    plain = lms == "folders" and not pattern
    wanted = learnerfiles.Course.of(course, quizzes)
    skip = {Path(p).resolve() for p in skip}
    pieces, aside, used, unreadable = [], [], set(), []
    paths = [Path(p) for p in paths]
    for index, path in enumerate(paths):
        if not path.is_dir() and not (path.is_file() and path.suffix.lower() == ".zip"):
            raise LearnnnError(f"{path} is neither a folder nor a .zip file")
        reader = _Reader(index, wanted, forced, plain, aside, used, attempt)
        name = unicodedata.normalize("NFC", path.name)
        if path.is_dir():
            reader.container(name, archives.folder_entries(path, skip), name)
        else:
            try:
                entries = archives.zip_entries(path, name)
            except archives.Rejected as why:
                pieces.append(_Piece(fold(path.stem), path.stem, name, {}, name, (index, name), problem=str(why)))
                unreadable.append(str(why))
                continue
            reader.container(unicodedata.normalize("NFC", path.stem), entries, name)
        pieces += reader.pieces
    if unreadable and len(unreadable) == len(paths):  # one learner's broken zip among others is that learner's row
        raise LearnnnError(f"nothing to grade: {'; '.join(unreadable)}")
    chosen = _merge(pieces, attempt, aside)
    subs, keys = [], {}
    for piece in chosen:
        sub = _submission(piece, wanted)
        subs.append(sub)
        keys[id(sub)] = piece.keys | {fold(piece.key), fold(piece.row), fold(piece.original)}
    _unique_ids(subs, aside)
    result = Intake(subs, "+".join(sorted(used)) or "folders", sorted(aside))
    if roster is not None:
        from . import roster as rosters  # it builds Submissions: imported here, not in a cycle

        missing, result.not_on_roster, result.roster_column = rosters.match(result.submissions, roster, keys)
        result.submissions += missing
    result.submissions.sort(key=lambda s: s.id)
    for sub in result.submissions:
        for name in ("ignored", "set_aside", "skipped"):
            items = getattr(sub, name)
            if len(items) > LISTED:
                extra = f"... and {len(items) - LISTED} more"
                setattr(sub, name, items[:LISTED] + [extra if name == "ignored" else (extra, "")])
    return result


def fold(text):
    """How names are compared: NFC, trimmed, case-folded."""
    return unicodedata.normalize("NFC", str(text)).strip().casefold()


class _Reader:
    """Splits one input (a folder or zip's entries) into learners' pieces."""

    def __init__(self, index, course, forced, plain, aside, used, rule):
        self.index, self.course, self.forced, self.plain, self.rule = index, course, forced, plain, rule
        self.aside, self.used, self.pieces = aside, used, []

    def container(self, name, entries, where, depth=0):
        inside = _by_top(entries)
        every = {rel.split("/", 1)[0] for rel in entries}
        tops = sorted(t for t in every if not learnerfiles.junk(t + "/") and not learnerfiles.junk(t))
        folders = [t for t in tops if t in inside]

        def set_junk_aside():  # once we know this holds learners, not one learner's own junk
            for junk in sorted(every - set(tops)):
                why = learnerfiles.junk(junk + "/") or learnerfiles.junk(junk)
                self.aside.append((f"{where}/{junk}", f"{why}: not a learner"))

        # modules at the top: one learner's own folder or zip (LMS downloads always rename or wrap them)
        own = depth == 0 and any(learnerfiles.target(rel, self.course) for rel in entries
                                 if "/" not in rel or rel.lower().startswith("answers/") and rel.count("/") == 1)
        layout = None if self.plain else self.forced or (
            None if own else layouts.detect([t + "/" * (t in folders) for t in tops]))
        if layout is not None:
            self.used.add(layout.name)
            set_junk_aside()
            return self._lms(layout, tops, folders, entries, inside, where)
        if own:
            self.used.add("folders")
            return self._learner(name, entries, where)  # one learner's own folder or zip
        learners = [t for t in tops if t in folders or t.lower().endswith(".zip")]
        if len(learners) == 1 and learners[0] in folders and depth < 3:
            inner = inside[learners[0]]
            if self._is_class(inner):  # a wrapper folder around the class
                return self.container(learners[0], inner, f"{where}/{learners[0]}", depth + 1)
        if not learners and depth == 0 and tops:
            self.used.add("folders")
            return self._learner(name, entries, where)  # nothing in it: still this learner's row
        self.used.add("folders")
        set_junk_aside()
        for top in tops:
            if top in folders:
                self._learner(top, inside[top], f"{where}/{top}")
            elif top.lower().endswith(".zip"):
                self._zip(top[:-4], entries[top], f"{where}/{top}", original=top)
            else:
                self.aside.append((f"{where}/{top}", "a loose file, in no learner's folder"))

    def _is_class(self, entries):
        tops = {rel.split("/", 1)[0] + "/" * ("/" in rel) for rel in entries if not learnerfiles.junk(rel)}
        kids = [t for t in tops if t.endswith("/") or t.lower().endswith(".zip")]
        return len(kids) >= 2 or (not self.plain and layouts.detect(sorted(tops)) is not None)

    def _learner(self, key, entries, where, row=None, original=None, **extra):
        piece = _Piece(fold(key), row or key, original or key, entries, where, (self.index, where), **extra)
        self.pieces.append(piece)
        return piece

    def _zip(self, key, entry, where, **extra):
        try:
            if entry.special:
                raise archives.Rejected(f"{where} is {entry.special}")
            entries = archives.zip_entries(entry.open(), where)
        except archives.Rejected as why:
            entries, extra["problem"] = {}, str(why)
        return self._learner(key, entries, where, **extra)

    def _lms(self, layout, tops, folders, entries, inside, where):
        people = {}
        if layout.name == "gradescope" and layouts.METADATA in tops:
            try:
                people = layouts.gradescope_submitters(entries[layouts.METADATA].read(archives.MAX_FILE))
            except (ValueError, archives.Rejected) as why:
                self.aside.append((f"{where}/{layouts.METADATA}", f"not read: {why}"))
        flat = {}
        for top in tops:
            if top == layouts.METADATA and layout.name == "gradescope":
                continue
            m = layouts.match(layout, top)
            if m is None:
                self.aside.append((f"{where}/{top}", f"its name does not match the {layout.name} pattern "
                                                     f"{layout.pattern} (--pattern reads other names)"))
                continue
            extra = {"attempt": m.attempt, "late": m.late}
            if top in folders or top.lower().endswith(".zip") and not m.file:
                found = people.get(top)
                for key, name, email in (found[0] if found else [(m.key, "", "")]):
                    row = f"{name}_{key}" if name else m.row
                    at = {**extra, "attempt": found[1] if found else m.attempt}
                    if top in folders:
                        piece = self._learner(key, inside[top], f"{where}/{top}", row, top, **at)
                    else:
                        piece = self._zip(key, entries[top], f"{where}/{top}", row=row, original=top, **at)
                    piece.order, piece.lms_id = (self.index, where, m.key), key
                    piece.keys |= {fold(x) for x in (name, email, m.key, m.row) if x}
            else:
                flat.setdefault((m.key, m.attempt if layout.name != "canvas" else ""), []).append((top, m))
        for (key, attempt), files in sorted(flat.items()):
            self._flat(layout, key, attempt, files, entries, where)

    def _flat(self, layout, key, attempt, files, entries, where):
        """One learner's renamed files in a flat download; of Canvas's `-n` copies of a file, the newest
        (or with --attempt oldest the oldest) is kept."""
        best, piece_aside, skipped = {}, [], []
        newest_last = sorted(files, key=lambda f: layouts.attempt_order(f[1].attempt))
        for top, m in newest_last if self.rule == "newest" else newest_last[::-1]:
            if not m.file:
                skipped.append((top, "the LMS's receipt, not the learner's file"))
                continue
            if m.file in best:
                why = f"{'an older' if self.rule == 'newest' else 'a newer'} copy of {m.file}: {top} was graded"
                piece_aside.append((best[m.file][0], why))
            best[m.file] = (top, m)
        first = files[0][1]
        kept = [m.attempt for _, m in best.values()]
        original = min(m.prefix for _, m in files)
        piece = self._learner(key, {f: entries[t] for f, (t, _) in best.items()}, f"{where}/{original}",
                              first.row, original, attempt=attempt or max(kept, key=layouts.attempt_order, default=""),
                              late=any(m.late for _, m in files), tops={f: t for f, (t, _) in best.items()},
                              set_aside=piece_aside, skipped=skipped)
        piece.order, piece.lms_id = (self.index, where, key, attempt), first.key
        piece.keys.add(fold(first.key))


def _by_top(entries):
    """{folder at the top: {path inside it: entry}}; an empty folder maps to {}."""
    out = {}
    for rel, entry in entries.items():
        top, slash, rest = rel.partition("/")
        if slash:
            inner = out.setdefault(top, {})
            if rest:
                inner[rest] = entry
    return out


def _merge(pieces, rule, aside):
    """One piece per learner: parts of one attempt joined, then one attempt or copy kept by ``rule``."""
    by_key = {}
    for piece in pieces:
        by_key.setdefault(piece.key, {}).setdefault((piece.order, piece.attempt), []).append(piece)
    chosen = []
    for key, attempts in sorted(by_key.items()):
        joined = [_join(parts) for _, parts in sorted(attempts.items(), key=lambda kv: repr(kv[0]))]
        order = sorted(joined, key=lambda p: (layouts.attempt_order(p.attempt), p.order[0], p.where))
        keep = order[-1] if rule == "newest" else order[0]
        for other in order:
            if other is not keep:
                what = f"attempt {other.attempt}" if other.attempt and other.attempt != keep.attempt else "a copy"
                why = (f"{what} of {keep.row}'s work: the {rule}, {keep.where}"
                       f"{' (attempt ' + keep.attempt + ')' if keep.attempt else ''}, was graded")
                aside.append((other.where, why))
                keep.set_aside.append((other.where, why))
                keep.keys |= other.keys
        chosen.append(keep)
    return chosen


def _join(parts):
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    entries = {}
    for part in parts:
        top = part.where.rsplit("/", 1)[-1]
        entries.update({f"{top}/{rel}": e for rel, e in part.entries.items()})
    return _Piece(first.key, first.row, first.original, entries, first.where, first.order, first.attempt,
                  any(p.late for p in parts), "; ".join(p.problem for p in parts if p.problem), {},
                  [a for p in parts for a in p.set_aside], [a for p in parts for a in p.skipped],
                  set().union(*(p.keys for p in parts)), [n for p in parts for n in p.notes], first.lms_id)


def _submission(piece, course):
    sub = Submission(clean_id(unicodedata.normalize("NFC", piece.row)), original_name=piece.original,
                     lms_id=piece.lms_id, attempt=piece.attempt, late=piece.late, source=piece.where,
                     set_aside=list(piece.set_aside), skipped=list(piece.skipped),
                     notes=list(piece.notes))
    if piece.late:
        sub.notes.append("marked late by the LMS")
    if piece.problem:
        sub.problem = piece.problem
        return sub
    try:
        learnerfiles.fill(sub, piece.entries, course, piece.where)
    except archives.Rejected as why:
        return Submission(sub.id, original_name=sub.original_name, lms_id=sub.lms_id, attempt=sub.attempt,
                          late=sub.late, source=sub.source, problem=str(why), notes=sub.notes)
    if piece.tops:  # name the file as it sits in the download
        def real(rel):
            top, slash, rest = rel.partition("/")
            return piece.tops.get(top, top) + slash + rest

        sub.graded = {name: real(rel) for name, rel in sub.graded.items()}
        sub.ignored = sorted(map(real, sub.ignored))
        sub.set_aside = sorted((real(rel), why) for rel, why in sub.set_aside)
        sub.skipped = sorted((real(rel), why) for rel, why in sub.skipped)
    if sub.renamed:
        sub.notes.insert(0, "graded " + ", ".join(sub.renamed))
    sub.notes += [f"set aside: {rel} ({why})" for rel, why in sub.set_aside]
    if not sub.files and not any(why.startswith("not read") for _, why in sub.set_aside):
        held = len(sub.ignored) + len(sub.set_aside) + len(sub.skipped)
        sub.notes.append("no exercise module or quiz answer sheet was found" +
                         (f" among its {held} files and folders" if held else ": it was empty"))
    if sub.untouched:
        sub.notes.append(f"still the starting stub: {', '.join(sub.untouched)}")
    return sub


def clean_id(name):
    """A name safe as a file name and as a spreadsheet cell (never starting with = + - @)."""
    return re.sub(r"[^\w.@+-]+", "_", name).strip("._=+-@")[:100] or "submission"


def _unique_ids(subs, aside):
    used = {}
    for sub in sorted(subs, key=lambda s: (s.id, s.source)):
        ident, n = sub.id, 1
        while ident.casefold() in used:
            n += 1
            ident = f"{sub.id}-{n}"
        if ident != sub.id:
            why = f"another learner ({used[sub.id.casefold()]}) has the id {sub.id}: this one is {ident}"
            sub.notes.append(why)
            aside.append((sub.source, why))
        used[ident.casefold()] = sub.source
        sub.id = ident
