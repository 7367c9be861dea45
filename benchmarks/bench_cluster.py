"""Bulk grading on the local pool against a Dask LocalCluster: seconds per submission and speed-up.

Run by hand from a checkout with learnnn[dask] installed:
    python benchmarks/bench_cluster.py [--learners 200] [--exercises activations,neuron]
A class of distinct submissions, a quarter of them buggy, graded four ways with
`learnnn grade --no-cache`: --jobs 1, --jobs 2, --scheduler local:1, --scheduler local:2.
Each figure is the whole command (the LocalCluster's start included).
"""
import argparse
import ast
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_grade import course_file, run  # noqa: E402

from learnnn import manifest  # noqa: E402

WAYS = [("local pool, --jobs 1", ["--jobs", "1"]), ("local pool, --jobs 2", ["--jobs", "2"]),
        ("LocalCluster, 1 worker", ["--scheduler", "local:1"]), ("LocalCluster, 2 workers", ["--scheduler", "local:2"])]


def buggy(source, n):
    """The reference with one function (the n-th, cyclically) returning 0.0: wrong in some tests, not all."""
    tree = ast.parse(source)
    funcs = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    funcs[n % len(funcs)].body = [ast.Return(ast.Constant(0.0))]
    return ast.unparse(tree) + "\n"


def make_class(folder, names, learners):
    """Every file differs (so the cache can't merge learners); every fourth learner has one function wrong."""
    for i in range(learners):
        learner = folder / f"learner{i:03d}"
        learner.mkdir(parents=True)
        for name in names:
            source = manifest.data_dir("solutions").joinpath(f"{name}.py").read_text()
            if i % 4 == 3:
                source = buggy(source, i // 4)
            (learner / f"{name}.py").write_text(source + f"# learner {i}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--exercises", default="activations,neuron")
    args = parser.parse_args()
    names, n = args.exercises.split(","), args.learners
    base = [sys.executable, "-m", "learnnn"]
    seconds, cpu, outputs, load = {}, {}, [], [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        course = course_file(tmp, names)
        make_class(tmp / "class", names, n)
        for i, (label, flags) in enumerate(WAYS):
            out = tmp / f"out{i}"
            seconds[label], cpu[label] = run(base + ["--course", str(course), "grade", str(tmp / "class"),
                                                     "--out", str(out), "--no-cache", *flags], ok=(0, 1))
            load.append(os.getloadavg()[0])
            outputs.append((out / "grades.json").read_bytes())
    print(f"{n} learners ({n - n // 4} correct, {n // 4} buggy), exercises: {', '.join(names)}; "
          f"{os.cpu_count()} cores")
    print(f"load average (1 min) at the start and after each run: {', '.join(f'{x:.2f}' for x in load)}")
    print(f"{'':28}{'total s':>9}{'s/learner':>11}{'speed-up':>10}{'CPU s/learner':>15}")
    one = seconds[WAYS[0][0]]
    for label, _ in WAYS:
        print(f"{label:28}{seconds[label]:9.1f}{seconds[label] / n:11.3f}{one / seconds[label]:10.2f}{cpu[label] / n:15.3f}")
    print(f"identical grades.json all four ways: {len(set(outputs)) == 1}")


if __name__ == "__main__":
    main()
