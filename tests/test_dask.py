"""Grading on a Dask cluster: the same files as the local pool, the kernel sandbox required, no loss when a worker dies.

One LocalCluster of two workers serves the whole module; its workers start with
TMPDIR set to a folder of this module, so the leak checks look only at processes
this module started.
"""
import json
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

distributed = pytest.importorskip("distributed")

from learnnn import classpool, gradebook, manifest  # noqa: E402
from learnnn.intake import Submission  # noqa: E402
from learnnn.cli import app  # noqa: E402
from learnnn.sandbox import MARKER  # noqa: E402

from conftest import processes_under as below, settled, wait_for_worker_below  # noqa: E402

pytestmark = [pytest.mark.skipif(sys.platform == "win32", reason="the sandbox needs POSIX"), pytest.mark.slow]

ACT = (manifest.data_dir("solutions") / "activations.py").read_text()
CLASS = {
    "honest": ACT,
    "relu_leaks": ACT.replace("np.maximum(0.0, _as_float(z))", "np.abs(_as_float(z))"),
    "stub": (manifest.data_dir("exercises") / "activations.py").read_text(),
}


@pytest.fixture(scope="module")
def workers_tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("dask-workers")


@pytest.fixture(scope="module")
def client(workers_tmp):
    """Two single-threaded worker processes; they inherit TMPDIR from os.environ as it is when they start."""
    saved = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(workers_tmp)
    try:
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, host="127.0.0.1", silence_logs=50)
    finally:
        if saved is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = saved
    with cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    data = yaml.safe_load(manifest.MANIFEST.read_text())
    data["lessons"] = data["lessons"][1:2]  # activations only
    data["defaults"]["time_limit"] = 1
    path = tmp_path_factory.mktemp("course") / "course.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def cls(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    for learner, text in CLASS.items():
        (folder / learner).mkdir()
        (folder / learner / "activations.py").write_text(text)
    return folder


def processes_under(folder):
    # the grading children and sandbox workers live in folders under the workers' TMPDIR, not at it
    return below(folder, below_only=True)


def workers_under(folder):
    """The sandbox workers among them: an idle grading child stays a few seconds after its last task."""
    found = []
    for pid in processes_under(folder):
        try:
            if MARKER.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            continue
    return found


def grade(course, cls, out, *extra):
    return CliRunner().invoke(app, ["--course", str(course), "grade", str(cls), "--out", str(out), *extra],
                              catch_exceptions=False)


def test_a_class_graded_on_dask_gives_the_local_pools_bytes_and_cache(client, course, cls, tmp_path):
    local = grade(course, cls, tmp_path / "local", "--jobs", "2")
    assert local.exit_code == 0, local.output
    dask = grade(course, cls, tmp_path / "dask", "--scheduler", client.scheduler.address)
    assert dask.exit_code == 0, dask.output
    assert "on the Dask cluster at tcp://127.0.0.1:" in dask.output and "(0 from the cache)" in dask.output
    for rel in ("grades.csv", "grades.json", *(f"feedback/{learner}.md" for learner in CLASS)):
        assert (tmp_path / "local" / rel).read_bytes() == (tmp_path / "dask" / rel).read_bytes(), rel
    assert "relu" in (tmp_path / "dask" / "feedback" / "relu_leaks.md").read_text()
    again = grade(course, cls, tmp_path / "dask", "--scheduler", client.scheduler.address)
    assert again.exit_code == 0 and "(3 from the cache)" in again.output, again.output


def test_without_dask_the_flag_says_how_to_get_it(course, cls, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now raises ImportError
    result = CliRunner().invoke(app, ["--course", str(course), "grade", str(cls), "--out", str(tmp_path),
                                      "--scheduler", "local:2"])
    assert result.exit_code == 2
    assert 'pip install "learnnn[dask]"' in result.output and "Traceback" not in result.output


def test_a_worker_without_the_kernel_sandbox_refuses_and_names_itself(client, course, cls, tmp_path):
    def simulate(missing):
        if missing:
            os.environ["LEARNNN_SIMULATE_MISSING"] = missing
        else:
            os.environ.pop("LEARNNN_SIMULATE_MISSING", None)

    client.run(simulate, "userns")
    try:
        result = grade(course, cls, tmp_path / "out", "--scheduler", client.scheduler.address)
    finally:
        client.run(simulate, "")
    assert result.exit_code == 1, result.output
    rows = json.loads((tmp_path / "out" / "grades.json").read_text())["submissions"]
    assert {row["status"] for row in rows} == {"error"}
    note = rows[0]["note"]
    assert f"the Dask worker on {socket.gethostname()} has no kernel sandbox" in note and "namespaces" in note
    assert not list((tmp_path / "out" / ".cache").glob("*.json"))  # refused is not graded: a rerun retries


def test_the_hard_limit_is_enforced_on_the_worker(client, course, workers_tmp, monkeypatch):
    """The limit travels with the task; the task's watcher kills the wedged grading child and all under it."""
    course = manifest.load(course)
    hangs = ACT.replace("def relu(z):\n", "def relu(z):\n    import time\n    time.sleep(60)\n", 1)
    monkeypatch.setattr(classpool, "hard_limit", lambda *a: 3)
    [result] = classpool.grade_class([Submission("wedged", files={"activations.py": hangs.encode()})], course,
                                     executor=client.get_executor(pure=False), require_kernel=True)
    assert result.status == "stopped" and result.total == 0 and "did not finish within 3 s" in result.note
    assert workers_under(workers_tmp) == []  # checked by the task before it returned
    assert settled(lambda: processes_under(workers_tmp)) == []  # and the idle grading children stop


def test_a_worker_killed_mid_run_loses_nothing_and_grades_nothing_twice(client, course, workers_tmp, tmp_path):
    course = manifest.load(course)
    slow = ACT.replace("def relu(z):\n", "def relu(z):\n    import time\n    time.sleep(0.3)\n", 1)
    subs = [Submission(f"learner{i}", files={"activations.py": (slow + f"# {i}\n").encode()}) for i in range(3)]
    cache = gradebook.Cache(tmp_path / "cache", course, 0)
    seen, results = [], {}

    def run():
        results["done"] = classpool.grade_class(subs, course, executor=client.get_executor(pure=False),
                                                cache=cache, on_result=seen.append, require_kernel=True)

    grading = threading.Thread(target=run)
    grading.start()
    pids = client.run(os.getpid)
    deadline = time.monotonic() + 60
    while not any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    busy = next(address for address, tasks in client.processing().items() if tasks)
    wait_for_worker_below(pids[busy])  # its task's grading child has a sandbox worker running learner code
    os.kill(pids[busy], signal.SIGKILL)
    grading.join(300)
    assert not grading.is_alive()
    assert sorted(r.id for r in seen) == ["learner0", "learner1", "learner2"]  # each exactly once
    assert [r.status for r in results["done"]] == ["graded"] * 3
    assert all(r.exercises["activations"].passed for r in results["done"])
    # the dead worker's child notices within a second and stops its workers; the other's stops when idle
    assert settled(lambda: processes_under(workers_tmp)) == []
    client.wait_for_workers(2, timeout=120)  # the nanny restarts it for the tests that follow


def test_an_interrupted_run_resumes_from_the_cache(client, course, tmp_path):
    course = manifest.load(course)
    subs = [Submission(f"learner{i}", files={"activations.py": (ACT + f"# {i}\n").encode()}) for i in range(3)]
    cache = gradebook.Cache(tmp_path / "cache", course, 0)
    first = []

    def interrupt(result):
        first.append(result)
        raise KeyboardInterrupt

    executor = client.get_executor(pure=False)
    with pytest.raises(KeyboardInterrupt):
        classpool.grade_class(subs, course, executor=executor, cache=cache, on_result=interrupt)
    seen = []
    results = classpool.grade_class(subs, course, executor=executor, cache=cache, on_result=seen.append)
    assert [r.cached for r in results].count(True) >= 1
    assert {r.id for r in results if r.cached} >= {first[0].id}
    assert sorted(r.id for r in seen) == ["learner0", "learner1", "learner2"]
    assert [r.status for r in results] == ["graded"] * 3
