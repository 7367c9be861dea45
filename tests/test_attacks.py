"""Hostile submissions, one per attack category of issue 9, run through the real CLI.

Each learner module is the reference activations.py with ``relu`` replaced by an
attack: it first disables the audit hook from pure Python (the hook lives in the
attacker's own process, so it must not be what holds), then tries the attack and
prints one line per attempt, ``HELD <what>: <error>`` or ``LEAKED <what>: <data>``,
and returns a wrong value so its failure message carries what it printed. Every
other function stays correct: the grade must be exactly the relu tests short.
"""
import json
import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from learnnn import isolation, manifest
from learnnn.manifest import PACKAGE

from conftest import RUN_TMP, full_messages, worker_processes, write_course

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel walls are Linux's")

SOLUTION = (manifest.data_dir("solutions") / "activations.py").read_text()
NEURON = (manifest.data_dir("solutions") / "neuron.py").read_text()

# What a learner finds with gc: the hook's closure. Emptying it turns the hook into a no-op.
DISABLE_HOOK = '''
import gc as _gc
for _obj in _gc.get_objects():
    if getattr(_obj, "__name__", "") == "hook" and getattr(_obj, "__closure__", None):
        for _cell in _obj.__closure__:
            _value = _cell.cell_contents
            if isinstance(_value, (set, frozenset, list)):
                _cell.cell_contents = type(_value)()
            elif isinstance(_value, tuple):
                _cell.cell_contents = ()
            elif isinstance(_value, str):
                _cell.cell_contents = "/"
            elif callable(_value) and getattr(_value, "__name__", "") == "realpath":
                _cell.cell_contents = lambda path: "/"
'''


def attack(body, prelude=""):
    """activations.py whose relu runs ``body`` (with ``attempt(name, thunk)`` to hand) and then fails."""
    relu = textwrap.indent(textwrap.dedent(body).strip(), "    ")
    return SOLUTION.replace("def relu(z):\n", f'''def relu(z):
    import os, sys
    log = []

    def attempt(what, action):
        try:
            got = action()
            log.append(f"LEAKED {{what}}: {{str(got)[:60]!r}}")
        except BaseException as exc:
            log.append(f"HELD {{what}}: {{type(exc).__name__}}")
{relu}
    print("\\n".join(log))
    import numpy as np
    return np.full(np.shape(z), -7.0)


def _unused_reference_relu(z):
''', 1) + textwrap.dedent(prelude) + DISABLE_HOOK


@pytest.fixture(scope="module")
def course_path(tmp_path_factory):
    return write_course(tmp_path_factory.mktemp("course") / "course.yaml", time_limit=2)


def check(folder, course_path, exercise="activations", timeout=300):
    done = subprocess.run([sys.executable, "-m", "learnnn", "--course", str(course_path), "check", exercise,
                           "--workspace", str(folder), "--json"], capture_output=True, text=True, timeout=timeout)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def workspace(tmp_path, source, **extra):
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "activations.py").write_text(source)
    (folder / "neuron.py").write_text(NEURON)
    for name, text in extra.items():
        (folder / name).write_text(text)
    return folder, {p.name: p.read_bytes() for p in folder.iterdir()}


def relu_log(result):
    """What the attack printed, from the first relu failure."""
    failed = [t for t in result["tests"] if not t["passed"]]
    assert failed and all("relu" in t["name"] and "leaky" not in t["name"] and "grad" not in t["name"]
                          for t in failed), [t["name"] for t in failed]
    text = next(t["message"] for t in failed if "Your code printed" in t["message"])
    return [line for line in text.splitlines() if line.startswith(("HELD", "LEAKED"))]


def assert_held(result, attempts, folder, files):
    """``attempts``: what -> the errors that count as held (None: any), so a typo in an attack can't pass."""
    log = relu_log(result)
    assert not [line for line in log if line.startswith("LEAKED")], log
    held = dict(line.removeprefix("HELD ").split(": ", 1) for line in log)
    for what, errors in attempts.items():
        assert what in held and (errors is None or held[what] in errors), (what, log)
    # relu_log checked that only relu's tests failed: every other function was graded as usual
    assert result["score"] >= result["max_score"] - sum(t["name"] in RELU_TESTS for t in result["tests"])
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == files  # the learner's files are intact
    assert worker_processes() == []


DENIED = ("PermissionError",)  # seccomp's EPERM, Landlock's EACCES
MISSING = ("FileNotFoundError", "PermissionError")  # not mounted in the worker, or refused by Landlock
NO_MODULE = ("ModuleNotFoundError", "Refused")
RELU_TESTS = {"test_is_implemented[relu]", "test_relu_values", "test_keeps_shape[relu]",
              "test_accepts_int_lists[relu]", "test_leaves_input_unchanged[relu]", "test_accepts_read_only_input[relu]"}


def test_kernel_tier_is_in_force_on_linux():
    """CI runs as root on Linux: a silent fall back to the process-only tier must fail the build."""
    from learnnn.sandbox import Sandbox, SandboxSpec
    from learnnn.worker import policy

    tier = isolation.tier()
    assert tier.kernel and tier.seccomp, str(tier)
    assert tier.landlock == (policy.landlock_abi() >= 1), str(tier)
    probe = Path(RUN_TMP) / "whoami.py"
    probe.write_text("import os\ndef who():\n    return os.getuid(), os.getpid(), os.getcwd(), os.uname().nodename\n")
    with Sandbox(SandboxSpec(files={"whoami": probe})) as sandbox:
        uid, pid, cwd, host = sandbox.call("whoami", "who")
        assert sandbox.walls == {"seccomp": "", "threads": "", **({"landlock": ""} if tier.landlock else {})}
        started = descendants(sandbox.proc.pid)
        assert len(started) >= 2  # bwrap's init (PID 1 inside) and the worker
    assert (uid, cwd, host) == (65534, isolation.SCRATCH, "learnnn-worker") and pid < 10  # its own PID namespace
    assert not [p for p in started if alive(p)]  # closing killed the whole namespace


def descendants(pid):
    found, queue = [], [pid]
    while queue:
        for task in Path(f"/proc/{queue.pop()}/task").glob("*/children"):
            kids = [int(k) for k in task.read_text().split()]
            found += kids
            queue += kids
    return found


def alive(pid, settle=5.0):
    import time

    deadline = time.monotonic() + settle
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        if state == "Z":
            return False
        time.sleep(0.05)
    return True


def test_hook_disabled_then_socket_suites_and_sklearn(tmp_path, course_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    port = listener.getsockname()[1]
    suite = PACKAGE / "suites" / "test_activations.py"
    body = f"""
        import socket
        attempt("socket", lambda: socket.create_connection(("127.0.0.1", {port}), timeout=2))
        attempt("suites", lambda: open({str(suite)!r}).read())
        attempt("solutions", lambda: open({str(manifest.data_dir("solutions") / "digits.py")!r}).read())
        attempt("sklearn", lambda: __import__("sklearn.neural_network").__name__)
        attempt("learnnn", lambda: __import__("learnnn").__file__)
    """
    folder, files = workspace(tmp_path, attack(body))
    result = check(folder, course_path)
    assert_held(result, {"socket": DENIED, "suites": MISSING, "solutions": MISSING, "sklearn": NO_MODULE,
                         "learnnn": NO_MODULE}, folder, files)
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody connected
    listener.close()


def test_dir_fd_relative_paths(tmp_path, course_path):
    outside = tmp_path / "outside.txt"
    folder, files = workspace(tmp_path, "")
    neuron = folder / "neuron.py"
    suite = PACKAGE / "suites" / "test_digits.py"
    body = f"""
        root = os.open("/", os.O_PATH)  # O_PATH: Landlock refuses reading "/", not naming it
        attempt("read suite", lambda: os.read(os.open({str(suite)[1:]!r}, os.O_RDONLY, dir_fd=root), 99))
        attempt("unlink neuron", lambda: os.unlink({str(neuron)[1:]!r}, dir_fd=root) or "deleted")
        attempt("write outside", lambda: os.write(os.open({str(outside)[1:]!r}, os.O_WRONLY | os.O_CREAT, dir_fd=root), b"x"))
        proc = os.open("/proc", os.O_PATH)
        attempt("grader memory", lambda: os.open(f"{{os.getppid()}}/mem", os.O_RDWR, dir_fd=proc))
    """
    (folder / "activations.py").write_text(attack(body))
    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    result = check(folder, course_path)
    assert_held(result, {"read suite": MISSING, "unlink neuron": MISSING, "write outside": MISSING,
                         "grader memory": MISSING}, folder, files)
    assert not outside.exists()


def test_unaudited_process_creation_leaves_nothing(tmp_path, course_path):
    marker = f"learnnn-attack-{uuid.uuid4().hex}"
    body = f"""
        import _posixsubprocess, subprocess
        argv = [sys.executable, "-c", "import time; time.sleep(600)", {marker!r}]
        def fork_exec():
            read_end, write_end = os.pipe()
            common = ([os.fsencode(a) for a in argv], [os.fsencode(sys.executable)], True, (write_end,), None,
                      None, -1, -1, -1, -1, -1, -1, read_end, write_end, False, True, -1, None, None, None)
            for tail in ((-1, None, False), (-1, None), (None,)):  # the arity changes between Python versions
                try:
                    return _posixsubprocess.fork_exec(*common, *tail)
                except TypeError as exc:
                    if "arguments" not in str(exc):
                        raise
        attempt("fork_exec", fork_exec)
        attempt("popen", lambda: subprocess.Popen(argv, start_new_session=True).pid)
        attempt("fork", lambda: os.fork() or os._exit(0))
        attempt("posix_spawn", lambda: os.posix_spawn(sys.executable, argv, {{}}))
    """
    folder, files = workspace(tmp_path, attack(body))
    result = check(folder, course_path)
    assert_held(result, {"fork_exec": DENIED, "popen": DENIED, "fork": DENIED, "posix_spawn": DENIED}, folder, files)
    left = [p for p in Path("/proc").iterdir() if p.name.isdigit() and marker.encode() in _cmdline(p)]
    assert left == []


def _cmdline(proc):
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:
        return b""


def test_signals_to_the_grader_are_refused(tmp_path, course_path):
    body = """
        import signal
        attempt("pidfd stop", lambda: signal.pidfd_send_signal(os.pidfd_open(os.getppid()), signal.SIGSTOP))
        attempt("pidfd of 1", lambda: os.pidfd_open(1))
        attempt("kill parent", lambda: os.kill(os.getppid(), signal.SIGSTOP))
        attempt("kill group", lambda: os.kill(0, signal.SIGSTOP))
        import ctypes, fcntl, threading
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        info = (ctypes.c_int * 32)(signal.SIGSTOP, 0, -1)  # si_signo, si_errno, si_code SI_QUEUE

        def raw(number, *args):
            def run():
                got = libc.syscall(ctypes.c_long(number), *[ctypes.c_long(a) if isinstance(a, int) else a
                                                             for a in args])
                if got < 0:
                    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
                return got
            return run
        x86 = os.uname().machine == "x86_64"
        sigqueue, tgsigqueue = (129, 297) if x86 else (138, 240)
        parent = os.getppid()
        attempt("sigqueue parent", raw(sigqueue, parent, signal.SIGSTOP, ctypes.byref(info)))
        attempt("tgsigqueue parent", raw(tgsigqueue, parent, parent, signal.SIGSTOP, ctypes.byref(info)))
        mine = (ctypes.c_int * 32)(signal.SIGWINCH, 0, -1)
        class Allowed(Exception):
            pass
        def on_self():  # allowed: a process may signal itself (SIGWINCH is ignored by default)
            raw(sigqueue, os.getpid(), signal.SIGWINCH, ctypes.byref(mine))()
            raw(tgsigqueue, os.getpid(), threading.get_native_id(), signal.SIGWINCH, ctypes.byref(mine))()
            raise Allowed
        attempt("sigqueue self", on_self)
        r, w = os.pipe()
        attempt("F_SETOWN", lambda: fcntl.fcntl(r, fcntl.F_SETOWN, parent))
        attempt("F_SETSIG", lambda: fcntl.fcntl(r, 10, signal.SIGSTOP))
        attempt("F_SETOWN_EX", raw(72 if x86 else 25, r, 15, ctypes.byref((ctypes.c_int * 2)(1, parent))))
    """
    if not isolation.tier().kernel:
        pytest.skip("without the kernel tier this attack would stop the grader (test_kernel_tier_is_in_force fails)")
    folder, files = workspace(tmp_path, attack(body))
    result = check(folder, course_path, timeout=120)  # a stopped grader would hang here
    assert_held(result, {"pidfd stop": DENIED, "pidfd of 1": DENIED, "kill parent": DENIED, "kill group": DENIED,
                         "sigqueue parent": DENIED, "tgsigqueue parent": DENIED, "sigqueue self": ("Allowed",),
                         "F_SETOWN": DENIED, "F_SETSIG": DENIED, "F_SETOWN_EX": DENIED}, folder, files)


_FORGE_RAW = '''
def _forge_raw(message):
    """Write ``message`` on the grader's channel (the one writable pipe among our descriptors), then hang."""
    import os, stat, fcntl, time
    for fd in range(3, 64):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode) and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                os.write(fd, message)
        except OSError:
            pass
    time.sleep(30)
'''

FORGE = '''
def _forge(header_text, blobs=()):
    """Write a reply of our own on the grader's channel: the one writable pipe among our descriptors."""
    import os, stat, struct, fcntl, time
    parts = [struct.pack("!II", len(header_text), len(blobs)), header_text]
    for arr in blobs:  # learnnn.worker.wire.blob, by hand
        descr = arr.dtype.str.encode()
        data = (struct.pack("!BB", len(descr), arr.ndim) + descr + struct.pack(f"!{arr.ndim}Q", *arr.shape)
                + arr.tobytes())
        parts += [struct.pack("!Q", len(data)), data]
    for fd in range(3, 64):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode) and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                os.write(fd, b"".join(parts))
        except OSError:
            pass
    time.sleep(30)  # the real reply never comes
'''


def test_reply_channel_floods_are_refused_and_memory_stays_bounded(tmp_path, course_path):
    prelude = FORGE + '''
def _repeated():
    import numpy as np
    refs = ", ".join('{"__array__": 0, "scalar": false}' for _ in range(1024))
    _forge(('{"ok": true, "mutated": [], "warnings": [], "value": [' + refs + ']}').encode(),
           [np.zeros(1 << 17)])  # 1 MiB, referenced 1024 times: 1 GiB if materialised


def _nested():
    _forge(b'{"ok": true, "mutated": [], "warnings": [], "value": ' + b"[" * 200_000 + b"]" * 200_000 + b"}")


def _wide():
    _forge(b'{"ok": true, "mutated": [], "warnings": [], "value": [' + b"[]," * 3_000_000 + b"[]]}")


def _zero_itemsize():
    """An array header for 10**15 elements of zero bytes each: 15 bytes on the wire."""
    import struct
    blob = struct.pack("!BB", 3, 1) + b"|S0" + struct.pack("!Q", 10**15)
    text = b'{"ok": true, "mutated": [], "warnings": [], "value": {"__array__": 0, "scalar": false}}'
    _forge_raw(struct.pack("!II", len(text), 1) + text + struct.pack("!Q", len(blob)) + blob)
'''
    prelude = prelude.replace("def _forge(", _FORGE_RAW + "\n\ndef _forge(", 1)
    source = attack("attempt('noop', lambda: 1 / 0)", prelude)
    for func, flood in (("tanh", "_repeated"), ("sigmoid_grad", "_nested"), ("softmax", "_wide"),
                        ("relu_grad", "_zero_itemsize")):
        source = source.replace(f"def {func}(z):\n", f"def {func}(z):\n    {flood}()\n", 1)
    folder, files = workspace(tmp_path, source)
    wrapper = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:]); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "learnnn", "--course",
                           str(course_path), "check", "activations", "--workspace", str(folder), "--json"],
                          capture_output=True, text=True, timeout=300)
    result = json.loads(done.stdout)
    peak_mb = int(done.stderr.strip().splitlines()[-1]) / 1024
    assert peak_mb < 600, f"the grader (or a worker) reached {peak_mb:.0f} MB"
    full = full_messages(result["tests"])
    for func in ("tanh", "sigmoid_grad", "softmax", "relu_grad"):
        messages = [full[t["name"]] for t in result["tests"] if not t["passed"] and f"[{func}]" in t["name"]]
        assert messages and any("can't read" in m for m in messages), func
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == files
    assert worker_processes() == []


def test_a_plugged_request_pipe_does_not_block_the_grader(tmp_path):
    """The worker stops reading and fills its request pipe: our write must time out, not hang."""
    from learnnn.sandbox import LearnerTimeout, Sandbox, SandboxSpec

    probe = tmp_path / "plug.py"
    probe.write_text(textwrap.dedent("""
        import fcntl, os, stat
        def plug():
            for fd in range(3, 64):
                try:
                    readable = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY
                    if stat.S_ISFIFO(os.fstat(fd).st_mode) and readable:
                        r, w = os.pipe()
                        os.dup2(r, fd)  # the worker now waits on a pipe nobody writes to
                except OSError:
                    pass
            return "plugged"
        def echo(x):
            return x
    """))
    import numpy as np
    with Sandbox(SandboxSpec(files={"plug": probe}, time_limit=2)) as sandbox:
        assert sandbox.call("plug", "plug") == "plugged"
        with pytest.raises(LearnerTimeout):
            sandbox.call("plug", "echo", np.zeros(1 << 20))  # 8 MB: far more than a pipe holds
        assert sandbox.call("plug", "echo", 3) == 3  # a fresh worker
    assert worker_processes() == []


def test_sklearn_data_files_are_invisible(tmp_path, course_path):
    import sklearn

    data = Path(sklearn.__file__).parent / "datasets" / "data"
    body = f"""
        attempt("iris", lambda: open({str(data / "iris.csv")!r}).read())
        attempt("digits", lambda: open({str(data / "digits.csv.gz")!r}, "rb").read())
        attempt("import", lambda: __import__("sklearn.datasets").__name__)
    """
    folder, files = workspace(tmp_path, attack(body))
    assert_held(check(folder, course_path), {"iris": MISSING, "digits": MISSING, "import": NO_MODULE}, folder, files)


def test_a_gigabyte_written_to_disk_is_stopped(tmp_path, course_path):
    body = """
        def fill():
            written = 0
            with open("ballast.bin", "wb") as f:
                while written < 1 << 30:
                    f.write(b"x" * (1 << 20))
                    f.flush()
                    written += 1 << 20
            return written
        attempt("disk", fill)
    """
    folder, files = workspace(tmp_path, attack(body))
    assert_held(check(folder, course_path), {"disk": ("OSError",)}, folder, files)
    assert not list(Path(RUN_TMP).rglob("ballast.bin"))


def test_classmates_are_out_of_reach_during_grade(tmp_path, course_path):
    """mallory looks for a classmate's activations.py through /proc/<ppid>/cwd and old temp folders."""
    stale = Path(RUN_TMP) / "learnnn-worker-stale"  # what a killed earlier run might have left
    stale.mkdir()
    (stale / "activations.py").write_text(SOLUTION)
    thief = textwrap.dedent('''
        import glob, os
        _found = []
        for _pattern in ("/proc/*/cwd/**/activations.py", "/proc/*/root/tmp/**/activations.py", "/tmp/**/activations.py",
                         os.environ.get("TMPDIR", "/tmp") + "/../**/activations.py", "/work/**/activations.py"):
            try:
                _found += [p for p in glob.glob(_pattern, recursive=True) if "mallory" not in p]
            except OSError:
                pass
        for _path in _found:
            try:
                exec(open(_path).read())
                break
            except Exception:
                pass
        else:
            def sigmoid(z):
                raise NotImplementedError("sigmoid")
    ''')
    cls = tmp_path / "class"
    for name, source in (("alice", SOLUTION), ("mallory", thief)):
        (cls / name).mkdir(parents=True)
        (cls / name / "activations.py").write_text(source)
        (cls / name / "neuron.py").write_text(NEURON)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "learnnn", "--course", str(course_path), "grade", str(cls),
                           "--out", str(out), "--jobs", "2", "--no-cache"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Isolation: kernel" in done.stdout
    rows = {r["id"]: r for r in json.loads((out / "grades.json").read_text())["submissions"]}
    sigmoid = [t for t in rows["mallory"]["exercises"]["activations"]["tests"] if "[sigmoid]" in t["name"]]
    assert sigmoid and not any(t["passed"] for t in sigmoid)
    assert rows["alice"]["exercises"]["activations"]["passed"]
    assert worker_processes() == []


# ---------------------------------------------------------------- what the red team got through (issue 9 follow-up)

RAW_CLONE = '''
def _raw_clone():
    """clone(CLONE_THREAD) from an executable page: no Python, no libc, nothing but the kernel to stop it."""
    import ctypes, mmap, os
    code = bytes.fromhex("4889fe" "bf000f0500" "b838000000" "31d2" "4531d2" "4531c0" "0f05" "4885c0" "7509"
                         "b822000000" "0f05" "ebf7" "c3")  # rsi=stack; clone(0x50f00); child: pause() forever
    page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(code)
    spawn = ctypes.CFUNCTYPE(ctypes.c_long, ctypes.c_void_p)(ctypes.addressof(ctypes.c_char.from_buffer(page)))
    stacks = mmap.mmap(-1, 64 * 4096)
    made = []
    for i in range(64):
        tid = spawn(ctypes.addressof(ctypes.c_char.from_buffer(stacks)) + (i + 1) * 4096 - 16)
        if tid < 0:
            raise OSError(-tid, os.strerror(-tid))
        made.append(tid)
    _raw_clone.keep = (page, stacks)
    return made
'''


def test_threads_are_refused_in_the_kernel(tmp_path, course_path):
    """A thread per call is a task per call: 1000s of them exhaust the machine's PIDs (pid_max), and the
    worker may be root outside (where only root may create user namespaces), where RLIMIT_NPROC does not count. Every clone after lockdown is refused."""
    import platform

    body = """
        import threading, _thread
        attempt("threading", lambda: threading.Thread(target=lambda: None, daemon=True).start())
        attempt("_thread", lambda: _thread.start_new_thread(print, ()))
        if _raw_clone is not None:
            attempt("raw clone", _raw_clone)
        def tasks():
            count = len(os.listdir("/proc/self/task"))
            if count > 1:  # only the main thread, behind the walls
                return count
            raise PermissionError(count)
        attempt("tasks", tasks)
    """
    raw = platform.machine() == "x86_64"
    folder, files = workspace(tmp_path, attack(body, RAW_CLONE if raw else "_raw_clone = None\n"))
    result = check(folder, course_path)
    assert_held(result, {"threading": ("Denied",), "_thread": ("Denied",), "tasks": DENIED,
                         **({"raw clone": DENIED} if raw else {})}, folder, files)


def test_no_other_thread_can_be_made_to_run_learner_code(tmp_path, course_path):
    """The red team's a8: PyThreadState_SetAsyncExc runs learner code in any thread started before the walls
    (which cover only the thread that raised them). The worker has no such thread; the payload's exception
    would report the Seccomp line of the thread it ran in."""
    body = """
        import ctypes, threading, time
        ran = []

        class Evil(Exception):
            def __init__(self, *args):
                super().__init__(*args)
                ran.append(open("/proc/thread-self/status").read().split("Seccomp:")[1].split()[0])

        def hijack():
            others = [t for t in threading.enumerate() if t is not threading.current_thread()]
            for t in others:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(t.ident), ctypes.py_object(Evil))
            deadline = time.monotonic() + 1
            while others and not ran and time.monotonic() < deadline:
                time.sleep(0.05)
            if ran or others:
                return (ran, [t.name for t in others])
            raise PermissionError("no other thread")
        attempt("async exception", hijack)
        def tasks():
            count = len(os.listdir("/proc/self/task"))
            if count > 1:
                return count
            raise PermissionError(count)
        attempt("tasks", tasks)
    """
    folder, files = workspace(tmp_path, attack(body))
    result = check(folder, course_path)
    assert_held(result, {"async exception": DENIED, "tasks": DENIED}, folder, files)


def test_replacing_the_workers_modules_reaches_no_unconfined_code(tmp_path, course_path):
    """The red team's a1: the orphan watcher thread called ``orphan.os.getppid()`` every 0.5 s outside the walls;
    replacing that ``os`` ran learner code there. Now nothing in the worker calls back into it but this thread."""
    body = """
        import time
        ran = []
        real = os

        class Hijack:
            def __getattr__(self, name):
                if threading_id() != main:
                    ran.append(name)
                return getattr(real, name)

        import threading
        threading_id, main = threading.get_native_id, threading.get_native_id()
        def hijack():
            modules = [m for n, m in list(sys.modules.items()) if n.endswith(("orphan", "serve", "policy", "wire"))]
            for module in modules:
                module.os = Hijack()
            time.sleep(0.6)  # the old watcher looked every 0.5 s
            if ran or not modules:
                return (ran, len(modules))
            raise PermissionError("not called from another thread")
        attempt("module hijack", hijack)
    """
    folder, files = workspace(tmp_path, attack(body))
    result = check(folder, course_path)
    assert_held(result, {"module hijack": DENIED}, folder, files)


def test_a_learner_who_starts_a_thread_is_told_why(tmp_path, course_path):
    source = SOLUTION.replace("def relu(z):\n", "def relu(z):\n    import threading\n"
                              "    threading.Thread(target=print).start()\n", 1)
    folder, _ = workspace(tmp_path, source)
    result = check(folder, course_path)
    message = next(t["message"] for t in result["tests"] if t["name"] == "test_relu_values")
    assert "does not allow starting threads" in message, message
    assert result["score"] >= result["max_score"] - len(RELU_TESTS)  # the other functions are graded as usual


def test_fallocate_cannot_reserve_host_disk(tmp_path, course_path):
    """fd 1 is the grader's unlinked output file; fallocate with KEEP_SIZE reserves disk past RLIMIT_FSIZE."""
    body = """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]
        def grab(fd, mode):
            if libc.fallocate(fd, mode, 0, 2 << 30) != 0:
                raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
            return os.fstat(fd).st_blocks * 512
        attempt("keep size", lambda: grab(1, 1))  # FALLOC_FL_KEEP_SIZE
        attempt("plain", lambda: grab(1, 0))
        attempt("scratch", lambda: grab(os.open("big.bin", os.O_RDWR | os.O_CREAT), 1))
        attempt("stdout size", lambda: os.fstat(1).st_blocks * 512 if os.fstat(1).st_blocks * 512 > 1 << 20
                else 1 / 0)
    """
    folder, files = workspace(tmp_path, attack(body))
    assert_held(check(folder, course_path), {"keep size": DENIED, "plain": DENIED, "scratch": DENIED,
                                             "stdout size": ("ZeroDivisionError",)}, folder, files)


def test_shared_memory_cannot_hold_host_ram(tmp_path, course_path, monkeypatch):
    """SysV shm and memfd live outside RLIMIT_AS; /dev/shm is a tmpfs with no cap. Landlock is simulated
    missing, so /dev being read-only (not Landlock) is what holds the last one."""
    monkeypatch.setenv(isolation.SIMULATE, "landlock")
    body = """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        def shmget():
            sid = libc.shmget(0, ctypes.c_size_t(256 << 20), 0o1000 | 0o600)  # IPC_PRIVATE, IPC_CREAT
            if sid < 0:
                raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
            return sid
        def shmat():
            libc.shmat.restype = ctypes.c_long
            if libc.shmat(0, None, 0) == -1 and ctypes.get_errno() == 1:
                raise PermissionError("shmat refused")
            return "not refused"
        def dev_shm():
            with open("/dev/shm/ballast", "wb") as f:
                f.write(b"x" * (1 << 20))
        attempt("shmget", shmget)
        attempt("shmat", shmat)
        attempt("memfd", lambda: os.memfd_create("ballast"))
        attempt("/dev/shm", dev_shm)
    """
    folder, files = workspace(tmp_path, attack(body))
    assert_held(check(folder, course_path), {"shmget": DENIED, "shmat": DENIED, "memfd": DENIED,
                                             "/dev/shm": ("OSError",)}, folder, files)


def _peak_check(args, timeout=300):
    """Run ``learnnn <args>``; (its JSON, the peak resident MB of the CLI and every worker)."""
    wrapper = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:]); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "learnnn", *args],
                          capture_output=True, text=True, timeout=timeout)
    return json.loads(done.stdout), int(done.stderr.strip().splitlines()[-1]) / 1024


@pytest.mark.parametrize("dtype, width, says", [
    ("bool", 500_000, "should hold floating-point numbers, but W1 has dtype bool"),
    ("float", 500_000, "too large to grade"),
])
def test_a_huge_model_is_refused_before_the_grader_runs_it(tmp_path, dtype, width, says):
    """A reply of a few MB (bool weights, 500,000 hidden units) made the grader's forward pass take GBs."""
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "iris.py").write_text(textwrap.dedent(f"""
        import numpy as np
        def fit_iris(X_train, y_train, seed=0):
            H = {width}
            params = {{"W1": np.zeros((4, H), dtype={dtype}), "b1": np.zeros(H, dtype={dtype}),
                      "W2": np.zeros((H, 3), dtype={dtype}), "b2": np.zeros(3, dtype={dtype})}}
            return params, np.zeros(4), np.ones(4)
    """))
    result, peak_mb = _peak_check(["check", "iris", "--workspace", str(folder), "--json"])
    assert peak_mb < 600, f"the grader (or a worker) reached {peak_mb:.0f} MB"
    message = next(t["message"] for t in result["tests"] if t["name"] == "test_returns_a_model")
    assert says in message, message
    assert worker_processes() == []


def test_a_folder_1500_deep_sets_aside_one_learner_not_the_class(tmp_path, course_path):
    """archives.folder_entries recursed (os.walk on 3.11): RecursionError, and `grade` ended with no grades."""
    cls = tmp_path / "class"
    for name in ("alice", "deep"):
        (cls / name).mkdir(parents=True)
        (cls / name / "activations.py").write_text(SOLUTION)
    levels = [cls / "deep" / "d"]
    for _ in range(1499):
        levels.append(levels[-1] / "d")
    for level in levels:  # Path.mkdir(parents=True) recurses
        level.mkdir()
    out = tmp_path / "out"
    try:
        done = subprocess.run([sys.executable, "-m", "learnnn", "--course", str(course_path), "grade", str(cls),
                               "--out", str(out), "--no-cache"], capture_output=True, text=True, timeout=300)
    finally:
        for level in reversed(levels):  # shutil.rmtree recurses too: pytest could not clean this up
            level.rmdir()
    assert done.returncode == 0, done.stderr
    rows = {r["id"]: r for r in json.loads((out / "grades.json").read_text())["submissions"]}
    for name in ("alice", "deep"):
        assert rows[name]["exercises"]["activations"]["passed"], name
    # entries are counted from the class folder: deep/ and 63 levels of d
    assert "set aside: " + "d/" * 62 + "d (a folder 64 levels down: not followed)" in json.dumps(rows["deep"])
    assert worker_processes() == []


def test_what_a_timed_out_call_printed_is_shown(tmp_path, course_path):
    source = SOLUTION.replace("def relu(z):\n", "def relu(z):\n    print('got this far', flush=True)\n"
                              "    while True:\n        pass\n", 1)
    folder, _ = workspace(tmp_path, source)
    result = check(folder, course_path)
    message = next(t["message"] for t in result["tests"] if t["name"] == "test_relu_values")
    assert "got this far" in message, message
    assert worker_processes() == []


SECCOMP_ONLY = r'''
import ctypes, os, signal, sys, threading
from learnnn.worker import policy

target = int(sys.argv[1])
assert policy.seccomp() == ""
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
x86 = os.uname().machine == "x86_64"
sigqueue, tgsigqueue, fcntl_nr = (129, 297, 72) if x86 else (138, 240, 25)
r, w = os.pipe()
owner = (ctypes.c_int * 2)(1, target)


def errno_of(number, *args):
    info = (ctypes.c_int * 32)(args[-1], 0, -1)  # si_signo, si_errno, si_code SI_QUEUE
    got = libc.syscall(ctypes.c_long(number), *[ctypes.c_long(a) for a in args], ctypes.byref(info))
    return 0 if got >= 0 else ctypes.get_errno()


def fcntl_errno(cmd, arg):
    got = libc.syscall(ctypes.c_long(fcntl_nr), ctypes.c_long(r), ctypes.c_long(cmd), arg)
    return 0 if got >= 0 else ctypes.get_errno()


me, tid = os.getpid(), threading.get_native_id()
print({"sigqueue other": errno_of(sigqueue, target, signal.SIGKILL),
       "tgsigqueue other": errno_of(tgsigqueue, target, target, signal.SIGKILL),
       "sigqueue self": errno_of(sigqueue, me, signal.SIGWINCH),
       "tgsigqueue self": errno_of(tgsigqueue, me, tid, signal.SIGWINCH),
       "F_SETOWN": fcntl_errno(8, ctypes.c_long(target)), "F_SETSIG": fcntl_errno(10, ctypes.c_long(signal.SIGSTOP)),
       "F_SETOWN_EX": fcntl_errno(15, ctypes.byref(owner)), "F_GETFL": fcntl_errno(3, ctypes.c_long(0))})
'''


def test_the_seccomp_filter_alone_refuses_queued_signals_and_sigio_to_others(tmp_path):
    """Where Landlock has no signal scoping (ABI < 6: kernels 6.1 to 6.11), seccomp is the only wall between a
    worker and its same-uid neighbours: rt_(tg)sigqueueinfo are held to the own-pid rule of kill/tgkill and
    fcntl may not aim SIGIO at anyone (F_SETOWN, F_SETOWN_EX, F_SETSIG)."""
    import ast
    import errno

    from learnnn.worker import policy

    if policy.seccomp_program(__import__("platform").machine(), 1) is None:
        pytest.skip("no syscall table for this machine")
    neighbour = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        done = subprocess.run([sys.executable, "-c", SECCOMP_ONLY, str(neighbour.pid)], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        got = ast.literal_eval(done.stdout.strip())
        assert neighbour.poll() is None  # the SIGKILLs never arrived
    finally:
        neighbour.kill()
        neighbour.wait()
    assert got == {"sigqueue other": errno.EPERM, "tgsigqueue other": errno.EPERM, "sigqueue self": 0,
                   "tgsigqueue self": 0, "F_SETOWN": errno.EPERM, "F_SETSIG": errno.EPERM,
                   "F_SETOWN_EX": errno.EPERM, "F_GETFL": 0}, got


def test_a_worker_folder_left_by_a_killed_grader_is_removed_by_the_next(tmp_path):
    """Process-only tier: a worker dies with its grader (PR_SET_PDEATHSIG) and can't remove its folder then."""
    from learnnn.processes import remove_orphaned_folders
    from learnnn.sandbox import WORKER_FOLDER

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    orphaned = tmp_path / f"{WORKER_FOLDER}{gone.pid}-abc"
    (orphaned / "sub").mkdir(parents=True)
    (orphaned / "sub" / "activations.py").write_text("x = 1\n")
    mine = tmp_path / f"{WORKER_FOLDER}{__import__('os').getpid()}-abc"
    mine.mkdir()
    other = tmp_path / "learnnn-worker-stale"
    other.mkdir()
    assert remove_orphaned_folders(str(tmp_path), WORKER_FOLDER) == 1
    assert not orphaned.exists() and mine.exists() and other.exists()


def test_a_worker_dies_with_the_process_that_started_it(tmp_path):
    """No watcher thread: the kernel kills the worker (PR_SET_PDEATHSIG) when its parent exits."""
    import time

    worker = ("import os, time; from learnnn.worker import orphan; orphan.die_with_parent(os.getppid()); "
              "print(os.getpid(), flush=True); time.sleep(60)")
    parent = ("import os, subprocess, sys; child = subprocess.Popen([sys.executable, '-c', %r], stdout=subprocess.PIPE); "
              "print(child.stdout.readline().decode().strip(), flush=True); os._exit(0)" % worker)
    done = subprocess.run([sys.executable, "-c", parent], capture_output=True, text=True, timeout=60)
    stat = Path(f"/proc/{int(done.stdout)}/stat")
    for _ in range(600):  # the kill is asynchronous; a dead worker is gone or a zombie of whoever adopted it
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[0] in "ZX":
                break
        except FileNotFoundError:
            break
        time.sleep(0.05)
    else:
        __import__("os").kill(int(done.stdout), 9)
        pytest.fail("the worker outlived its parent")
