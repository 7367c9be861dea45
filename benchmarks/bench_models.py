"""How long does a learner wait for `learnnn check iris` and `check digits`? Against the floor: a bare
pytest run of the activations suite in-process (what any check costs, see bench_check.py) plus the
time the reference takes to train the same splits in one process.

Run by hand from a checkout with learnnn installed:  python benchmarks/bench_models.py [runs] [--as-is]
Goal (issue 15): each check within 1.3x of that floor. The check trains independent splits in two
workers at once, so its wall time can fall below the floor's on a quiet 2-core machine; its
CPU-seconds (workers included) can't, and are the steady figure on a busy one.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from learnnn import manifest

sys.path.insert(0, str(Path(__file__).parent))
from bench_check import AS_IS, timed  # noqa: E402
from inprocess import ENV, floor_folder  # noqa: E402

# The reference trains every split of the task in this one process: (wall s, CPU s) on stdout.
TRAIN = '''
import sys, time
sys.path.insert(0, {solutions!r})
from learnnn import datasets, modelgrading as mg
import importlib
suite = importlib.util.spec_from_file_location("suite", {suite!r})
module = importlib.util.module_from_spec(suite); suite.loader.exec_module(module)
task = module.TASK
fit = getattr(importlib.import_module(task.exercise), task.func)
X, y = task.load()
wall, cpu = time.perf_counter(), time.process_time()
for split in mg.make_splits(task, y, X.shape[1]):
    shown = X if split.columns is None else X[:, split.columns]
    fit(shown[split.train], y[split.train], seed=split.seed)
print(time.perf_counter() - wall, time.process_time() - cpu)
'''


def train_floor(name, runs):
    course = manifest.load()
    code = TRAIN.format(solutions=str(manifest.data_dir("solutions")), suite=str(course.exercise(name).suite))
    walls, cpus = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**os.environ, **ENV})
        wall, cpu = map(float, out.stdout.split())
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def main(runs=5):
    course = manifest.load()
    loads = [os.getloadavg()[0]]
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        floor_dir = floor_folder(Path(tmp, "floor"), ["activations"])
        bare = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(floor_dir)]
        timed(bare, floor_dir, 1, ENV)
        base = timed(bare, floor_dir, runs, ENV)
        ws = Path(tmp, "ws")
        ws.mkdir()
        for name in [*course.exercise("digits").earlier, "digits"]:
            shutil.copy(course.exercise(name).solution, ws / f"{name}.py")
        for name in ("iris", "digits"):
            train = train_floor(name, runs)
            check = timed([sys.executable, "-m", "learnnn", "check", name, "--workspace", str(ws)], ws, runs)
            rows[name] = (train, check)
            loads.append(os.getloadavg()[0])
    print(f"load average (1 min) at the start and after each exercise: {', '.join(f'{x:.2f}' for x in loads)}; "
          f"{os.cpu_count()} cores; medians of {runs} runs; "
          + ("the environment as it is" if AS_IS else "bytecode compiled and cached, as after pip install"))
    print(f"{'':34}{'wall s':>9}{'CPU s':>9}")
    print(f"{'bare pytest, activations':34}{base[0]:9.2f}{base[2]:9.2f}")
    for name, (train, check) in rows.items():
        floor_wall, floor_cpu = base[0] + train[0], base[2] + train[1]
        print(f"{f'reference trains the {name} splits':34}{train[0]:9.2f}{train[1]:9.2f}")
        print(f"{f'  floor for {name}':34}{floor_wall:9.2f}{floor_cpu:9.2f}")
        print(f"{f'learnnn check {name}':34}{check[0]:9.2f}{check[2]:9.2f}   "
              f"ratio: wall {check[0] / floor_wall:.2f}x, CPU {check[2] / floor_cpu:.2f}x (goal: at most 1.3x)")


if __name__ == "__main__":
    counts = [int(a) for a in sys.argv[1:] if a.isdigit()]
    main(counts[0] if counts else 5)
