"""The download layouts of learning management systems, one documented name pattern each.

Each pattern is applied to the names at the top of a class download (files or
folders) and must capture ``id``, the learner's key in the LMS; it may capture
``name`` (a display name, put before the key in the row's id), ``late``,
``attempt`` (a number or a sortable time) and ``file`` (plus ``ext``), the
learner's own file name in a flat download. An instructor overrides a pattern
with ``--pattern``, as nbgrader's ``zip_collect`` allows.
"""
import re
from dataclasses import dataclass

import yaml


@dataclass(frozen=True)
class Layout:
    name: str
    pattern: str
    example: str

    @property
    def regex(self):
        return re.compile(self.pattern, re.IGNORECASE if self.name != "custom" else 0)


LAYOUTS = {
    # "Download Submissions": flat files `<lastnamefirstname>_[late_]<user id>_<submission id>_<file>`,
    # a file handed in again renamed `<stem>-<n><ext>` (the highest n is the newest)
    "canvas": Layout("canvas", r"^(?P<name>[^_/]+)_(?:(?P<late>late)_)?(?P<id>\d+)_\d+_(?P<file>.+?)"
                               r"(?:-(?P<attempt>\d+))?(?P<ext>\.[A-Za-z0-9]+)?$",
                     "leeann_late_12345_67890_activations-1.py"),
    # "Download all submissions": a folder per learner and plugin, `<Full Name>_<participant id>_assignsubmission_
    # <file|onlinetext>_`, or flat files with the learner's file name after the last underscore
    "moodle": Layout("moodle", r"^(?P<name>[^/]+?)_(?P<id>\d+)_assignsubmission_(?:file|onlinetext)_(?P<file>.*)$",
                     "Ann Lee_12345_assignsubmission_file_"),
    # Grade Centre "Download Assignment": `<assignment>_<username>_attempt_<yyyy-mm-dd-hh-mm-ss>[_<file>]`,
    # one receipt .txt per attempt beside the files. The first `_<username>_attempt_<time>` wins: the file part
    # is the learner's own name for the file, and could name a classmate's newer attempt.
    "blackboard": Layout("blackboard", r"^(?P<assignment>[^/]+?)_(?P<id>[^_/]+)_attempt_"
                                       r"(?P<attempt>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)(?:_(?P<file>.+?))?"
                                       r"(?P<ext>\.[A-Za-z0-9]+)?$",
                         "Week3_alee_attempt_2026-01-01-10-00-00_activations.py"),
    # "Export Submissions": a folder per submission and submission_metadata.yml naming its submitters
    "gradescope": Layout("gradescope", r"^(?P<id>submission_\d+)$", "submission_123456/"),
}
NAMES = ("auto", "canvas", "moodle", "blackboard", "gradescope", "folders")
METADATA = "submission_metadata.yml"


@dataclass
class Match:
    key: str  # the learner's key in the LMS (user id, participant id, username)
    row: str  # the row's id before cleaning: "<name>_<key>" when the pattern captures a name
    attempt: str = ""
    late: bool = False
    file: str = ""  # the learner's own file name, for flat downloads ("" for a folder or zip per learner)
    prefix: str = ""  # the name up to the file part: the original name of the learner's files


def custom(pattern):
    """A Layout from an instructor's --pattern; the message names what is wrong."""
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"--pattern is not a regular expression: {exc}") from None
    if "id" not in regex.groupindex:
        raise ValueError("--pattern must capture the learner's id as (?P<id>...); it may also capture "
                         "(?P<name>...), (?P<attempt>...), (?P<late>...) and (?P<file>...)")
    return Layout("custom", pattern, "")


def match(layout, top):
    """The Match for one top-level name, or None."""
    m = layout.regex.match(top.rstrip("/"))
    if not m:
        return None
    groups = {k: v or "" for k, v in m.groupdict().items()}
    file = groups.get("file", "") + (groups.get("ext", "") if "file" in groups else "")
    if "file" in groups and not groups.get("file") and groups.get("ext"):
        file = ""  # a Blackboard receipt: `..._attempt_<time>.txt`
    cut = m.start("file") if "file" in groups and m.start("file") >= 0 else len(top)
    name = groups.get("name", "")
    return Match(groups["id"], f"{name}_{groups['id']}" if name else groups["id"], groups.get("attempt", ""),
                 bool(groups.get("late")), file, top[:cut].rstrip("_") or top)


def detect(tops):
    """The layout most top-level names match (at least half of them), or None for plain folders."""
    names = [t for t in tops if t != METADATA]
    if METADATA in tops:
        return LAYOUTS["gradescope"]
    best, count = None, 0
    for layout in (LAYOUTS["moodle"], LAYOUTS["blackboard"], LAYOUTS["canvas"]):
        n = sum(bool(match(layout, t)) for t in names)
        if n > count:
            best, count = layout, n
    return best if names and 2 * count >= len(names) else None


def gradescope_submitters(text):
    """{folder: [(key, name, email, created_at), ...]} from submission_metadata.yml (Ruby-style `:key:` keys)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{METADATA} is not valid YAML: {str(exc).splitlines()[0]}") from None
    out = {}
    for folder, record in (data or {}).items() if isinstance(data, dict) else ():
        record = _plain_keys(record)
        people = []
        for person in record.get("submitters") or []:
            person = _plain_keys(person)
            key = str(person.get("sid") or person.get("email") or person.get("name") or "").strip()
            if key:
                people.append((key, str(person.get("name") or ""), str(person.get("email") or "")))
        out[str(folder).strip(":")] = (people, str(record.get("created_at") or ""))
    return out


def _plain_keys(record):
    return {str(k).strip(":"): v for k, v in record.items()} if isinstance(record, dict) else {}


def attempt_order(attempt):
    """Sort key: no marker first, numbers by value, times (and anything else) as text."""
    return (bool(attempt), int(attempt) if attempt.isdigit() else -1, attempt)
