"""--roster FILE.csv: the class list an LMS exports, matched to the learners of a download.

Its learners with no submission get a `missing` row; submissions it does not list
are named. Matching is on whichever column holds the most learners' ids
(compared NFC and case-folded), so the LMS's own export works as it is.
"""
import csv
import unicodedata

from .intake import Submission, clean_id, fold
from .manifest import LearnnnError


EXTRA = object()  # csv.DictReader's key for the cells of a row beyond its header's columns


def _rows(reader, path):
    """The roster's rows as {column: cell}, stripped. Empty cells past the header's columns (a spreadsheet's trailing
    commas) are dropped; a row with more values than the header has columns is refused, naming its line."""
    rows = []
    for row in reader:
        extra = [cell for cell in row.pop(EXTRA, []) if cell.strip()]
        if extra:
            raise LearnnnError(f"line {reader.line_num} of the roster {path} has more cells than its header has "
                               f"columns ({', '.join(extra[:3])}): quote a cell that holds a comma")
        rows.append({(k or "").strip(): (v or "").strip() for k, v in row.items()})
    return rows


def match(submissions, path, keys):
    """Give each submission its roster row; ([a `missing` Submission per unmatched row], [ids not on it], column).

    ``keys`` maps id(submission) to the names (NFC, case-folded) a roster may use for it;
    the roster's column is the one that holds the most of them.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = _rows(csv.DictReader(f, restkey=EXTRA), path)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise LearnnnError(f"can't read the roster {path}: {exc}") from None
    if not rows:
        raise LearnnnError(f"the roster {path} has no learners (it needs a header row, then one row per learner)")
    columns = [c for c in rows[0] if c]
    known = set().union(*keys.values()) if keys else set()
    scores = {c: sum(fold(r.get(c, "")) in known for r in rows) for c in columns}
    column = max(columns, key=lambda c: (scores[c], -columns.index(c)))
    if not scores[column] and submissions:
        raise LearnnnError(f"no column of the roster {path} holds the learners' ids in this download "
                           f"(columns: {', '.join(columns)}); ids look like {submissions[0].id!r}")
    claimed, unlisted, missing = set(), [], []
    for sub in submissions:
        row = next((r for r in rows if fold(r.get(column, "")) in keys[id(sub)]), None)
        if row is None:
            sub.notes.append("not on the roster")
            unlisted.append(sub.id)
        else:
            sub.roster = row
            claimed.add(id(row))
    ids = {s.id.casefold() for s in submissions}
    for row in rows:
        if id(row) not in claimed and row.get(column):
            ident = clean_id(unicodedata.normalize("NFC", row[column]))
            while ident.casefold() in ids:
                ident += "-roster"
            ids.add(ident.casefold())
            missing.append(Submission(ident, original_name=_name(row) or row[column], roster=row, missing=True,
                                      notes=["no submission in the download"]))
    return missing, sorted(unlisted), column


def _name(row):
    """The learner's name on the roster row ("Lee, Ann"; first and last name joined), or ""."""
    from .exports import Person  # the one reading of roster columns

    return Person("", "", {k.lower(): v for k, v in row.items()}).get("name")
