"""One sandbox per grading session: what a forked worker can't reach, and when there is no zygote.

The claims of learnnn.zygote's docstring, each tried by learner code that first
switches the audit hook off (so only the kernel's walls are left to hold).
"""
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from learnnn import isolation, manifest, zygote
from learnnn.sandbox import Sandbox, SandboxSpec
from learnnn.zygote import Zygote

from conftest import RUN_TMP, descendants, worker_processes, write_course
from test_attacks import DISABLE_HOOK

pytestmark = pytest.mark.skipif(not zygote.wanted(), reason="the zygote needs the kernel tier with seccomp and Landlock")

SOLUTIONS = manifest.data_dir("solutions")
ACT = (SOLUTIONS / "activations.py").read_text()
NEURON = (SOLUTIONS / "neuron.py").read_text()

PROBE = '''
import ctypes, os, signal

def where():
    return os.getcwd(), os.getpid(), os.getppid()

def plant():
    with open("planted.py", "w") as f:
        f.write("SECRET = 42\\n")

def planted():
    return open("planted.py").read()

def descriptors():
    """What each open descriptor is: the zygote's control socket must not be among them."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.append(os.readlink(f"/proc/self/fd/{fd}").split("[")[0])
        except OSError:
            pass  # the descriptor listdir itself used
    return sorted(found)

def attack(sibling_folder, sibling_pid):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long

    def raw(number, *args):
        if libc.syscall(ctypes.c_long(number), *[ctypes.c_long(a) for a in args]) == -1:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))

    zygote = os.getppid()
    tries = {
        "control: signal 0 to itself": lambda: os.kill(os.getpid(), 0),
        "kill zygote": lambda: os.kill(zygote, signal.SIGKILL),
        "stop sibling": lambda: os.kill(sibling_pid, signal.SIGSTOP),
        "kill pid 1": lambda: os.kill(1, signal.SIGKILL),
        "pidfd of zygote": lambda: os.pidfd_open(zygote),
        "ptrace zygote": lambda: raw(101, 16, zygote, 0, 0),  # PTRACE_ATTACH (x86_64 numbers)
        "read zygote's memory": lambda: raw(310, zygote, 0, 0, 0, 0, 0),  # process_vm_readv, no iovec
        "zygote memory": lambda: open(f"/proc/{zygote}/mem", "r+b"),
        "zygote fds": lambda: os.listdir(f"/proc/{zygote}/fd"),
        "zygote environ": lambda: open(f"/proc/{zygote}/environ", "rb").read(),
        "sibling memory": lambda: open(f"/proc/{sibling_pid}/mem", "rb"),
        "read sibling": lambda: open(os.path.join(sibling_folder, "planted.py")).read(),
        "write sibling": lambda: open(os.path.join(sibling_folder, "planted.py"), "w").write("SECRET = 0\\n"),
        "list sibling": lambda: os.listdir(sibling_folder),
        "list scratch": lambda: os.listdir(".."),
        "new folder beside": lambda: os.mkdir("../999"),
        "fork": lambda: os.fork() or os._exit(0),
    }
    log = {}
    for what, action in tries.items():
        try:
            action()
            log[what] = "LEAKED"
        except BaseException as exc:
            log[what] = type(exc).__name__
    return log
''' + DISABLE_HOOK


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="the probe's raw ptrace uses x86_64's number")
def test_a_forked_worker_cannot_reach_the_zygote_or_its_sibling(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    spec = SandboxSpec(files={"probe": probe}, time_limit=10)
    with Zygote() as fork_server, Sandbox(spec, zygote=fork_server) as a, Sandbox(spec, zygote=fork_server) as b:
        folder_a, pid_a, zygote_a = a.call("probe", "where")
        a.call("probe", "plant")
        folder_b, pid_b, zygote_b = b.call("probe", "where")
        assert zygote_a == zygote_b and folder_a != folder_b  # two children of one zygote, side by side
        assert os.path.dirname(folder_a) == os.path.dirname(folder_b) == isolation.SCRATCH
        assert a.walls == b.walls == {"seccomp": "", "landlock": "", "threads": ""}
        held = a.call("probe", "descriptors")
        assert "pipe:" in held and "socket:" not in held, held  # pipes, the output file, /dev/null
        log = b.call("probe", "attack", folder_a, pid_a)
        assert log.pop("control: signal 0 to itself") == "LEAKED"  # the audit hook is off: the kernel holds
        assert log == {what: "PermissionError" for what in log}, log
        assert a.call("probe", "where") == (folder_a, pid_a, zygote_a)  # not stopped, not killed
        assert a.call("probe", "planted") == "SECRET = 42\n"
        with Sandbox(spec, zygote=fork_server) as c:
            assert c.call("probe", "where")[2] == zygote_a  # the zygote still forks
        if os.geteuid() == 0:  # bwrap, its init, the zygote and its children: nobody on the host, no capability
            started = descendants(fork_server.proc.pid)
            assert len(started) >= 5 and all(_host_ids(pid) == (65534, 65534, 0) for pid in started)
    assert worker_processes() == []


def _host_ids(pid):
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["Uid"].split()[0]), int(fields["Gid"].split()[0]), int(fields["CapEff"], 16)


def test_a_zygote_that_stops_answering_is_replaced(tmp_path, monkeypatch):
    probe = tmp_path / "probe.py"
    probe.write_text("import os\ndef where():\n    return os.getcwd()\n")
    spec = SandboxSpec(files={"probe": probe}, time_limit=10)
    with Zygote() as fork_server:
        with Sandbox(spec, zygote=fork_server) as first:
            assert first.call("probe", "where") == f"{isolation.SCRATCH}/0"
        stopped = fork_server.proc.pid
        inside = [pid for pid in descendants(stopped) if b"zygote" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert inside
        for pid in inside:
            os.kill(pid, signal.SIGSTOP)
        monkeypatch.setattr(zygote, "REPLY_SECONDS", 0.5)
        with Sandbox(spec, zygote=fork_server) as second:
            # the stopped zygote did not answer: its bwrap is killed and a new one forks worker 2
            assert second.call("probe", "where") == f"{isolation.SCRATCH}/2"
        assert fork_server.proc.pid != stopped and not fork_server.broken
    with Sandbox(spec, zygote=fork_server) as after:  # a closed zygote forks nothing: a bwrap of its own
        assert after.call("probe", "where") == isolation.SCRATCH and fork_server.proc is None
    assert not [pid for pid in inside if _alive(pid)]  # the stopped zygote went with its namespace
    assert worker_processes() == []


def _alive(pid, settle=5.0):
    deadline = time.monotonic() + settle
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return False
        except OSError:
            return False
        time.sleep(0.05)
    return True


PLANTER = ACT + DISABLE_HOOK + textwrap.dedent('''
    import os as _os
    with open("planted_helper.py", "w") as _f:  # its own folder: allowed (were it reused, neuron would pass)
        _f.write("NEURON = True\\n")
    import planted_helper  # noqa: E402 (the whole exercise fails if the plant above did not work)
    _me = int(_os.path.basename(_os.getcwd()))
    for _k in range(_me + 1, _me + 40):  # the next workers' folders: their numbers are easy to guess
        for _folder in (f"../{_k}", f"/sandbox/{_k}"):
            try:
                _os.makedirs(_folder, exist_ok=True)
                with open(f"{_folder}/planted_helper.py", "w") as _f:
                    _f.write("NEURON = True\\n")
            except OSError:
                pass
    for _i in range(4):  # fill the session's scratch tmpfs: the next worker must still get its files
        try:
            with open(f"ballast{_i}.bin", "wb") as _f:
                _f.write(b"x" * (15 << 20))
        except OSError:
            pass
''')

# neuron imports only if a planted_helper saying NEURON reaches its folder
NEEDS_PLANT = NEURON + textwrap.dedent('''
    try:
        from planted_helper import NEURON as _PLANTED
    except ImportError:
        _PLANTED = False
    if not _PLANTED:
        raise ImportError("nothing was planted here")
''')


def test_what_one_exercise_plants_does_not_reach_the_next(tmp_path):
    cls = tmp_path / "class"
    for name, activations in (("planter", PLANTER), ("honest", ACT)):
        (cls / name).mkdir(parents=True)
        (cls / name / "activations.py").write_text(activations)
        (cls / name / "neuron.py").write_text(NEEDS_PLANT)
    course = write_course(tmp_path / "course.yaml", lessons=3)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "learnnn", "--course", str(course), "grade", str(cls), "--out",
                           str(out), "--no-cache"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = {r["id"]: r["exercises"] for r in json.loads((out / "grades.json").read_text())["submissions"]}
    assert rows["planter"]["activations"]["passed"]  # its own plant worked, and the ballast cost it nothing
    planted, honest = rows["planter"]["neuron"], rows["honest"]["neuron"]
    assert planted == honest and planted["score"] == 0, planted
    assert "nothing was planted here" in json.dumps(planted)
    assert worker_processes() == []


@pytest.mark.parametrize("env, forked", [({}, True), ({isolation.SIMULATE: "landlock"}, False),
                                         ({zygote.FRESH: "1"}, False)])
def test_without_every_wall_each_worker_has_a_bwrap_of_its_own(tmp_path, env, forked):
    """The worker's folder tells: /sandbox/<n> in the zygote's sandbox, /sandbox in a bwrap of its own."""
    course = write_course(tmp_path / "course.yaml", lessons=2)
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "activations.py").write_text(ACT.replace("def relu(z):\n", "def relu(z):\n    import os\n"
                                                   "    raise ValueError('folder ' + os.getcwd())\n", 1))
    done = subprocess.run([sys.executable, "-m", "learnnn", "--course", str(course), "check", "activations",
                           "--workspace", str(ws), "--json"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})
    assert done.returncode == 1, done.stderr
    message = next(t["message"] for t in json.loads(done.stdout)["tests"] if t["name"] == "test_relu_values")
    folder = message.split("folder ", 1)[1].split()[0].rstrip(")'\".,:")
    assert (folder != isolation.SCRATCH and folder.startswith(isolation.SCRATCH + "/")) == forked, message
    assert folder == isolation.SCRATCH or forked
    assert worker_processes() == []


def test_a_folder_whose_permissions_a_worker_took_away_is_still_removed(tmp_path):
    probe = tmp_path / "lock.py"
    probe.write_text("import os\ndef lock():\n    os.makedirs('a/b/c')\n    open('a/b/c/f', 'w').write('x')\n"
                     "    os.chmod('a/b', 0)\n    os.chmod('a', 0o100)\n    return os.getcwd()\n")
    spec = SandboxSpec(files={"lock": probe}, time_limit=10)
    with Zygote() as fork_server:
        with Sandbox(spec, zygote=fork_server) as first:
            assert first.call("lock", "lock") == f"{isolation.SCRATCH}/0"
        bwrap = fork_server.proc.pid  # still the same sandbox: the folder was removed, nothing had to be discarded
        with Sandbox(spec, zygote=fork_server) as second:
            assert second.call("lock", "lock") == f"{isolation.SCRATCH}/1" and fork_server.proc.pid == bwrap
    assert worker_processes() == []


def test_the_zygote_is_not_dumpable_and_its_files_are_bounded(tmp_path):
    """Behind the children's walls, the zygote's own: its /proc files belong to root (not dumpable: no /proc/<pid>/mem
    for a same-uid process that got outside its walls), a file-size limit on what it writes to the grader's start-up
    file, and no core files."""
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    with Zygote() as fork_server, Sandbox(SandboxSpec(files={"probe": probe}), zygote=fork_server) as worker:
        worker.call("probe", "where")  # the zygote answered: it hardened itself before it read its first request
        started = descendants(fork_server.proc.pid)
        zygotes = [pid for pid in started if b"zygote" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert zygotes, started
        pid = zygotes[-1]
        assert os.stat(f"/proc/{pid}/mem").st_uid != _host_ids(pid)[0]
        limits = Path(f"/proc/{pid}/limits").read_text()
        assert re.search(r"Max file size\s+16777216\s+16777216", limits), limits
        assert re.search(r"Max core file size\s+0\s+0", limits), limits
    assert worker_processes() == []


def _from_a_thread_that_ends(start):
    thread = threading.Thread(target=start)
    thread.start()
    thread.join()


@pytest.mark.parametrize("forked", [True, False], ids=["forked by the zygote", "a bwrap of its own"])
def test_a_sandbox_started_by_a_thread_that_has_ended_still_serves(tmp_path, forked):
    # --die-with-parent and the parent-death signal follow the thread that forked bwrap: a model lane's
    # thread or check's first-worker thread ends while its worker must live on (learnnn.keeper).
    (tmp_path / "m.py").write_text("def f():\n    return 41 + 1\n")
    with Zygote() as zyg, Sandbox(SandboxSpec(files={"m": tmp_path / "m.py"}), zygote=zyg if forked else None) as box:
        _from_a_thread_that_ends(zyg.start if forked else box.start)
        if not forked:
            time.sleep(0.5)  # what a killed bwrap would need to be seen dead
            assert box.proc.poll() is None
        assert box.call("m", "f") == 42
        assert box.restarts == 0 and (zyg.proc is not None) == forked
