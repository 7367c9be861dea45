"""How long does intake take on a large download? 300 learners, each with the course's
modules a folder down, a virtualenv of 200 files and a data file, as a folder and as a zip.

Run by hand from a checkout with learnnn installed:  python benchmarks/bench_intake.py [learners]
Goal: intake is a small part of grading (seconds per learner), i.e. well under a second per 100 learners.
"""
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from learnnn import manifest
from learnnn.intake import discover


def main(learners=300):
    course = manifest.load()
    modules = {e.filename: (manifest.data_dir("solutions") / e.filename).read_bytes() for e in course.exercises.values()}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp, "class")
        with zipfile.ZipFile(Path(tmp, "class.zip"), "w") as zf:
            for i in range(learners):
                files = {f"work/{name}": data for name, data in modules.items()}
                files.update({f"venv/lib/site-packages/p/m{k}.py": b"x = 1\n" for k in range(200)})
                files["venv/pyvenv.cfg"] = b"home = /usr/bin\n"
                files["data/train.csv"] = b"x,y\n" * 1000
                for rel, data in files.items():
                    path = root / f"learner{i:03d}" / rel
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
                    zf.writestr(f"learner{i:03d}/{rel}", data)
        for source in (root, Path(tmp, "class.zip")):
            started = time.perf_counter()
            found = discover([source], course=course, quizzes=[])
            seconds = time.perf_counter() - started
            assert len(found.submissions) == learners and all(len(s.files) == len(modules) for s in found.submissions)
            print(f"{source.name}: {learners} learners, {learners * 203 + learners * len(modules)} files "
                  f"in {seconds:.2f} s ({1000 * seconds / learners:.1f} ms per learner)")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
