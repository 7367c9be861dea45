"""From what an instructor downloads to one Submission record per learner.

The record is what the rest of bulk grading reads: grading takes ``files``,
the gradebook and report take the rest (identity, attempt, what was graded as
what, and what was set aside and why).
"""
import hashlib
from dataclasses import dataclass, field


@dataclass
class Submission:
    id: str  # normalised: Unicode NFC, safe as a file name and a spreadsheet cell; unique in the class
    files: dict = field(default_factory=dict)  # "activations.py" or "answers/02-activations.yaml" -> UTF-8 bytes
    original_name: str = ""  # the folder, zip or file-name stem the LMS gave (NFC), for its own column
    attempt: str = ""  # the LMS's attempt marker kept ("2" for Canvas's -2 resubmission, a Blackboard time), or ""
    late: bool = False  # the LMS marked it late (Canvas's `late_`)
    graded: dict = field(default_factory=dict)  # graded name -> the learner's file: {"activations.py": "src/Activations.py"}
    ignored: list = field(default_factory=list)  # the learner's files not graded, by path
    set_aside: list = field(default_factory=list)  # (what, why): older attempts, duplicates, junk, unreadable files
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
