"""The learner's workspace: a flat folder of <module>.py files, plus .learnnn/ for progress.

Any plain folder of exercise modules (an unzipped submission) works too; it
just has no progress to keep. Nothing the learner wrote is ever overwritten.
"""
import hashlib
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from .manifest import LearnnnError

STATE = ".learnnn"
FIGURES = "figures"  # copies of the lessons' figures, at a short path the learner can open


@dataclass
class Workspace:
    root: Path
    managed: bool  # made by `learnnn init`, so it keeps progress

    @property
    def state_dir(self):
        return self.root / STATE

    def module(self, exercise):
        return self.root / exercise.filename

    def digest(self, name):
        """A fingerprint of the learner's module ("" when it can't be read): progress keeps the one each
        check saw, so an exercise edited since it passed is known to need checking again."""
        try:
            return hashlib.sha1((self.root / f"{name}.py").read_bytes()).hexdigest()
        except OSError:
            return ""


@dataclass
class InitReport:
    root: Path
    created: list = field(default_factory=list)
    kept: list = field(default_factory=list)  # files the learner changed, left as they are
    unchanged: list = field(default_factory=list)


def find(course, explicit=None, start=None):
    """The workspace to use: --workspace DIR, else the nearest folder up from ``start`` holding .learnnn/."""
    if explicit is not None:
        root = Path(explicit).expanduser()
        if not root.is_dir():
            raise LearnnnError(f"there is no folder {root}: make a workspace with `learnnn init {root}`")
        return _open(course, root.resolve())
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / STATE).is_dir():
            return Workspace(folder, True)
    return _open(course, here)


def _open(course, root):
    if (root / STATE).is_dir():
        return Workspace(root, True)
    if any((root / f"{name}.py").is_file() for name in course.exercises):
        return Workspace(root, False)
    try:  # a checkout's root that holds the workspace made by the README's `learnnn init my-course`
        inside = sorted(d.name for d in root.iterdir() if (d / STATE).is_dir())
    except OSError:
        inside = []
    if len(inside) == 1:
        raise LearnnnError(f"this folder is not a learnnn workspace, but your workspace is {inside[0]}/: "
                           f"cd {inside[0]}   (or pass --workspace {inside[0]})")
    if inside:
        raise LearnnnError(f"this folder is not a learnnn workspace, but it holds {len(inside)}: "
                           f"{', '.join(d + '/' for d in inside)}. cd into one, or pass --workspace DIR")
    raise LearnnnError(f"{root} is not a learnnn workspace and holds none of the exercise files: "
                       f"run `learnnn init` to make one here, or pass --workspace DIR")


def init(course, directory):
    root = Path(directory).expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise LearnnnError(f"{root} exists and is not a folder")
    root.mkdir(parents=True, exist_ok=True)
    (root / STATE).mkdir(exist_ok=True)
    report = InitReport(root)
    for exercise in course.exercises.values():
        target = root / exercise.filename
        if not exercise.stub.is_file():
            raise LearnnnError(f"the course has no starting file for '{exercise.name}' ({exercise.stub}): "
                               "is learnnn installed completely?")
        stub = exercise.stub.read_bytes()
        if not target.exists():
            target.write_bytes(stub)
            report.created.append(exercise.filename)
        elif target.read_bytes() == stub:
            report.unchanged.append(exercise.filename)
        else:
            report.kept.append(exercise.filename)
    return report


@dataclass
class ResetReport:
    backup: Path = None  # where the learner's version was kept
    restored: bool = False  # False: the file already was the starting stub
    was_missing: bool = False  # the learner had deleted (or renamed) the file


def reset(workspace, exercise):
    """Put the stub back; the learner's version goes to .learnnn/backups/."""
    target = workspace.module(exercise)
    if not target.exists():
        shutil.copyfile(exercise.stub, target)
        return ResetReport(restored=True, was_missing=True)
    if target.read_bytes() == exercise.stub.read_bytes():
        return ResetReport()
    backups = workspace.state_dir / "backups"
    backups.mkdir(parents=True, exist_ok=True)
    backup = backups / f"{exercise.name}-{time.strftime('%Y%m%d-%H%M%S')}.py"
    n = 1
    while backup.exists():
        backup = backups / f"{exercise.name}-{time.strftime('%Y%m%d-%H%M%S')}-{n}.py"
        n += 1
    shutil.copy2(target, backup)
    shutil.copyfile(exercise.stub, target)
    return ResetReport(backup=backup, restored=True)


def figure(workspace, packaged):
    """Where the learner can open a lesson's figure: a copy in the workspace's figures/ folder (made once,
    never overwritten), or the packaged file itself outside a workspace."""
    packaged = Path(packaged)
    if workspace is None or not workspace.managed or not packaged.is_file():
        return packaged
    copy = workspace.root / FIGURES / packaged.name
    if not copy.exists():
        copy.parent.mkdir(exist_ok=True)
        shutil.copyfile(packaged, copy)
    return copy
