"""How much does bulk grading cost? `learnnn grade` on a synthetic class, against running
`learnnn check` for every exercise of every submission one after another.

Run by hand from a checkout with learnnn installed:
    python benchmarks/bench_grade.py [--learners 8] [--exercises activations,neuron]
By default the course is every exercise that has a hidden suite. Goal (bulk grading
issue): grading the class costs at most 0.6x the sequential checks.
"""
import argparse
import ast
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from learnnn import manifest


def course_file(folder, names):
    data = yaml.safe_load(manifest.MANIFEST.read_text())
    for lesson in data["lessons"]:
        lesson["exercises"] = [e for e in lesson.get("exercises", []) if e["name"] in names]
        if not lesson["exercises"]:
            del lesson["exercises"]
    path = folder / "course.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def buggy(source, n):
    """The reference with one function (the n-th, cyclically) returning 0.0: wrong in some tests, not all."""
    tree = ast.parse(source)
    funcs = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    target = funcs[n % len(funcs)]
    target.body = [ast.Return(ast.Constant(0.0))]
    return ast.unparse(tree) + "\n"


def make_class(folder, names, learners):
    for i in range(learners):
        learner = folder / f"learner{i:02d}"
        learner.mkdir(parents=True)
        for name in names:
            source = manifest.data_dir("solutions").joinpath(f"{name}.py").read_text()
            if i % 2:
                source = buggy(source, i // 2)
            # every file differs, so the grader's content cache can't merge learners
            (learner / f"{name}.py").write_text(source + f"# learner {i}\n")


def timed(cmd):
    started = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"{' '.join(map(str, cmd))} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=8)
    parser.add_argument("--exercises", help="comma-separated (default: every exercise with a hidden suite)")
    args = parser.parse_args()
    course = manifest.load()
    names = args.exercises.split(",") if args.exercises else [
        name for name, e in course.exercises.items() if e.suite.is_file() and e.solution.is_file()]
    learnnn = [sys.executable, "-m", "learnnn"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        course_path = course_file(tmp, names)
        make_class(tmp / "class", names, args.learners)
        base = learnnn + ["--course", str(course_path)]
        timed(base + ["check", names[0], "--workspace", str(tmp / "class" / "learner00")])  # warm the file cache
        baseline = sum(timed(base + ["check", name, "--workspace", str(learner), "--json"])
                       for learner in sorted((tmp / "class").iterdir()) for name in names)
        bulk = {}
        for jobs in (1, 2):
            out = tmp / f"out{jobs}"
            bulk[jobs] = timed(base + ["grade", str(tmp / "class"), "--out", str(out), "--jobs", str(jobs),
                                       "--no-cache"])
        same = (tmp / "out1" / "grades.json").read_bytes() == (tmp / "out2" / "grades.json").read_bytes()
        shutil.rmtree(tmp / "class")
    n = args.learners
    print(f"{n} learners ({n - n // 2} correct, {n // 2} buggy), exercises: {', '.join(names)}; {os.cpu_count()} cores")
    print(f"{'':36}{'total s':>9}{'s/learner':>11}{'vs checks':>11}")
    print(f"{'learnnn check, one after another':36}{baseline:9.2f}{baseline / n:11.3f}{1:11.2f}")
    for jobs, seconds in bulk.items():
        print(f"{f'learnnn grade --jobs {jobs}':36}{seconds:9.2f}{seconds / n:11.3f}{seconds / baseline:11.2f}")
    print(f"speed-up of --jobs 2 over --jobs 1: {bulk[1] / bulk[2]:.2f}x; identical grades.json: {same}")
    print(f"goal: grading costs at most 0.6x the checks -> --jobs 2 at {bulk[2] / baseline:.2f}x")


if __name__ == "__main__":
    main()
