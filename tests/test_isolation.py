"""The wire format both ends speak, the bounded decoder, and the isolation tiers (each missing wall simulated)."""
import json
import math
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from learnnn import isolation, manifest
from learnnn.sandbox import LearnerCrashed, LearnerRaised, Sandbox, SandboxSpec
from learnnn.worker import wire

from conftest import descendants, worker_processes, write_course

SOLUTION = (manifest.data_dir("solutions") / "activations.py").read_text()
NEURON = (manifest.data_dir("solutions") / "neuron.py").read_text()

# Every kind of value a learner function may return: each must come back equal, with the same type.
TABLE = """
import numpy as np
VALUES = [
    np.float64("inf"), np.float64("-inf"), np.float64("nan"), np.float64(0.1), np.float32(1.5),
    np.float16(-2.5), np.longdouble(1) / 3, np.int8(-7), np.uint64(2**64 - 1), np.int64(-2**63),
    np.bool_(True), np.complex128(1 - 2j), np.array(3.5), np.array(np.inf), np.array([1, 2], dtype=np.uint8),
    1, -2**70, 0.1, -0.0, float("inf"), float("-inf"), float("nan"), True, False, None, "text",
    (1, (2.5, np.float64("nan"))), [[1, [2, [3]]], []], {"a": [np.float32("inf")], "b": ()},
]
def values():
    return VALUES
"""


def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if isinstance(a, np.generic):
        return a.dtype == b.dtype and (a == b or (a != a and b != b))
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def round_trip(value):
    blobs = []
    data = wire.pack({"value": wire.encode(value, blobs)}, blobs)
    view = memoryview(data)

    def read(n):
        nonlocal view
        chunk, view = bytes(view[:n]), view[n:]
        return chunk

    header, blobs = wire.unpack(read)
    return wire.decode(header["value"], blobs)


def table():
    namespace = {}
    exec(TABLE, namespace)
    return namespace["VALUES"]


@pytest.mark.parametrize("index", range(len(table())))
def test_every_return_value_round_trips_exactly(index):
    value = table()[index]
    assert same(round_trip(value), value), repr(value)


def test_the_table_crosses_a_real_worker(tmp_path):
    module = tmp_path / "table.py"
    module.write_text(TABLE)
    with Sandbox(SandboxSpec(files={"table": module})) as sandbox:
        got = sandbox.call("table", "values")
    assert len(got) == len(table()) and all(same(g, v) for g, v in zip(got, table()))


@pytest.mark.parametrize("expr, named", [("1 + 2j", "complex"), ("{1, 2}", "set"), ("object()", "object"),
                                         ("np.zeros(2, dtype='i4,f8')", "dtype"), ("{1: 2}", "keys"),
                                         ("type('F', (float,), {})(1.0)", "F"), ("print", "builtin_function")])
def test_values_that_cannot_round_trip_are_refused_by_type(tmp_path, expr, named):
    module = tmp_path / "odd.py"
    module.write_text(f"import numpy as np\ndef f():\n    return {expr}\n")
    with Sandbox(SandboxSpec(files={"odd": module})) as sandbox:
        with pytest.raises(LearnerRaised, match="can't read") as info:
            sandbox.call("odd", "f")
    assert named in str(info.value)


# ---------------------------------------------------------------- the bounded decoder


def frame(header_text, blobs=()):
    parts = [struct.pack("!II", len(header_text), len(blobs)), header_text]
    for data in blobs:
        parts += [struct.pack("!Q", len(data)), data]
    return b"".join(parts)


def reader(data):
    view = memoryview(data)
    asked = []

    def read(n):
        nonlocal view
        asked.append(n)
        chunk, view = bytes(view[:n]), view[n:]
        return chunk
    return read, asked


def npy(arr):
    return wire.blob(arr)


def raw_blob(descr, shape, data=b""):
    return struct.pack("!BB", len(descr), len(shape)) + descr + struct.pack(f"!{len(shape)}Q", *shape) + data


@pytest.mark.parametrize("data, why", [
    (raw_blob(b"|S0", [10**15]), "dtype"),  # zero bytes an element: 10**15 elements from 15 bytes
    (raw_blob(b"|O8", [1], b"\0" * 8), "dtype"),  # objects
    (raw_blob(b"|V8", [1], b"\0" * 8), "dtype"),  # records
    (raw_blob(b"<f8", [1] * 33, b"\0" * 8), "dimensions"),
    (raw_blob(b"<f8", [3], b"\0" * 16), "bytes are not 3 x 8"),  # too few bytes for its shape
    (raw_blob(b"<f8", [1], b"\0" * 16), "bytes are not 1 x 8"),  # trailing bytes
    (raw_blob(b"<f8", [0, 2**63]), "unreadable"),  # no elements, but a dimension numpy can't hold
    (raw_blob(b"<f8", [2**40]), "numbers in all"),
    (raw_blob(b"\xff\xfe", [1], b"\0" * 8), "unreadable"),
    (b"\x05", "unreadable")])
def test_hostile_array_headers_are_refused_before_the_array_is_made(data, why):
    with pytest.raises(wire.WireError, match=why):
        wire.unpack(reader(frame(b'{"value": {"__array__": 0, "scalar": false}}', [data]))[0])


@pytest.mark.parametrize("arr", [np.arange(6.0).reshape(2, 3).T, np.array(2.5), np.zeros((0, 4)),
                                 np.arange(4, dtype=">i4"), np.array([True, False]), np.array([1 + 2j]),
                                 np.ones((2, 1, 3), dtype=np.float32)], ids=repr)
def test_arrays_cross_with_dtype_shape_and_values_and_come_back_writable(arr):
    (got,) = wire.unpack(reader(frame(b"[]", [wire.blob(arr)]))[0])[1]
    assert got.dtype == arr.dtype and got.shape == arr.shape and np.array_equal(got, arr)
    assert got.flags.writeable and got.flags.owndata


def test_one_blob_referenced_many_times_is_refused():
    refs = ", ".join('{"__array__": 0, "scalar": false}' for _ in range(1024))
    header, blobs = wire.unpack(reader(frame(f'{{"value": [{refs}]}}'.encode(), [npy(np.zeros(1 << 17))]))[0])
    with pytest.raises(wire.WireError, match="repeated"):
        wire.decode(header["value"], blobs)


@pytest.mark.parametrize("text, why", [(b"[" * 100_000 + b"]" * 100_000, "nested"),
                                       (b"[" + b"[]," * 1_100_000 + b"[]]", "items"),
                                       (b'["' + b"[" * 1000 + b'"]', None)])  # brackets inside a string are text
def test_deep_or_wide_headers_are_refused_before_parsing(text, why):
    if why is None:
        assert wire.unpack(reader(frame(text))[0])[0] == ["[" * 1000]
        return
    with pytest.raises(wire.WireError, match=why):
        wire.unpack(reader(frame(text))[0])


@pytest.mark.parametrize("text", [
    ('["\u2200", ' + "[" * 5000 + "]" * 5000 + ', "x"]').encode("utf-16-le"),  # hid its brackets from the check
    ('["\u2200", ' + "[]," * 1_100_000 + ' "x"]').encode("utf-16-le"),
    b"{", b'"\xff"', b"1" * 5000])
def test_a_header_that_is_not_plain_utf_8_json_is_a_wire_error(text):
    with pytest.raises(wire.WireError):
        wire.unpack(reader(frame(text))[0])


def test_a_scalar_flag_alone_is_not_a_node():
    with pytest.raises(wire.WireError, match="unknown message node"):
        wire.decode({"scalar": 1}, [])


def test_sizes_are_checked_before_the_body_is_read():
    limits = wire.Limits(header_bytes=1000, total_bytes=10_000)
    read, asked = reader(struct.pack("!II", 10**9, 0))
    with pytest.raises(wire.WireError, match="too large"):
        wire.unpack(read, limits)
    read, asked = reader(frame(b"{}", [b"x" * 20_000]))
    with pytest.raises(wire.WireError, match="larger than"):
        wire.unpack(read, limits)
    assert asked == [8, 2, 8]  # the 20 000 bytes were never asked for


@pytest.mark.parametrize("reply", [b'{"ok": true, "mutated": 5, "warnings": []}', b'{"ready": true, "walls": {}}',
                                   b'{"ok": false, "error": "x"}', b'[1, 2]', b'{"ok": 1}',
                                   b'{"ok": false, "error": {"type": "ModuleNotFoundError", "missing_module": 5}}',
                                   b'{"ok": false, "error": {"type": "OSError", "refused": "yes"}}',
                                   b'{"ok": false, "error": {"type": "OSError", "missing_module": 0}}'])
def test_a_malformed_reply_is_a_crash_not_a_traceback(tmp_path, reply):
    module = tmp_path / "forge.py"
    module.write_text(FORGE_REPLY.replace("REPLY", repr(reply)))
    with Sandbox(SandboxSpec(files={"forge": module}, time_limit=5)) as sandbox:
        with pytest.raises(LearnerCrashed, match="can't read"):
            sandbox.call("forge", "forge")
    assert worker_processes() == []


def test_a_forged_error_report_is_cut_to_what_a_learner_reads(tmp_path):
    # A reply of 256 KiB texts made every failed test keep them: a 14 MB feedback file per learner.
    reply = json.dumps({"ok": False, "error": {"type": "ValueError" * 1000, "message": "m" * 262_144,
                                               "where": "w" * 262_144, "phase": "call"}}).encode()
    module = tmp_path / "forge.py"
    module.write_text(FORGE_REPLY.replace("REPLY", repr(reply)))
    with Sandbox(SandboxSpec(files={"forge": module}, time_limit=5)) as sandbox:
        with pytest.raises(LearnerRaised) as info:
            sandbox.call("forge", "forge")
    assert "mmmm" in str(info.value) and len(str(info.value)) < 3000


def test_a_48_mb_reply_is_read_in_linear_time(tmp_path):
    # Read 64 KiB at a time into a bytes object, it took 5.5 s of the grader's CPU for 32 MB and 21.8 s for 64 MB.
    module = tmp_path / "big.py"
    module.write_text("import numpy as np\ndef big():\n    return np.ones(6_000_000)\n")
    with Sandbox(SandboxSpec(files={"big": module}, time_limit=5, memory_mb=1024)) as sandbox:
        got = sandbox.call("big", "big")
    assert got.shape == (6_000_000,) and got.sum() == 6_000_000


FORGE_REPLY = """
import os, stat, fcntl, struct, time
def forge():
    text = REPLY
    for fd in range(3, 64):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode) and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                os.write(fd, struct.pack("!II", len(text), 0) + text)
        except OSError:
            pass
    time.sleep(30)
"""


@pytest.mark.parametrize("node", [{"__array__": 5}, {"__float__": "1e400"}, {"__fn__": "print"}, {"__x__": 1},
                                  {"__rng__": 3}, {"a": 1, "b": 2}])
def test_unknown_or_out_of_range_nodes_are_refused(node):
    with pytest.raises(wire.WireError):
        wire.decode(node, [])


# ---------------------------------------------------------------- tiers


@pytest.fixture
def simulate(monkeypatch):
    def missing(*features):
        monkeypatch.setenv(isolation.SIMULATE, ",".join(features))
        isolation.tier.cache_clear()
        return isolation.tier()
    yield missing
    monkeypatch.delenv(isolation.SIMULATE, raising=False)
    isolation.tier.cache_clear()


linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel walls are Linux's")


@linux
@pytest.mark.parametrize("features, name, reason", [
    (("bwrap",), "process only (+ seccomp + landlock)", "no bwrap"),
    (("userns",), "process only (+ seccomp + landlock)", "could not create a user namespace"),
    (("landlock",), "kernel: namespaces + seccomp", "landlock: simulated"),
    (("seccomp",), "kernel: namespaces + landlock", "seccomp: simulated"),
    (("bwrap", "seccomp", "landlock"), "process only", "no bwrap"),
])
def test_each_missing_wall_is_named_and_workers_still_run(simulate, tmp_path, features, name, reason):
    from learnnn.worker import policy

    tier = simulate(*features)
    if policy.landlock_abi() < 1:
        pytest.skip("this kernel has no Landlock to simulate away")
    assert tier.name == name and reason in str(tier)
    module = tmp_path / "who.py"
    module.write_text("import os\ndef who():\n    return os.getcwd()\n")
    with Sandbox(SandboxSpec(files={"who": module})) as sandbox:
        cwd = sandbox.call("who", "who")
        walls = {w for w in ("seccomp", "landlock") if w not in features}
        assert set(sandbox.walls) == walls | ({"threads"} if walls else set())
    assert (cwd == isolation.SCRATCH) == tier.kernel
    assert worker_processes() == []


def _host_ids(pid):
    """(uid, gid, supplementary groups, effective capabilities) of ``pid`` as the host sees them."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return (int(fields["Uid"].split()[0]), int(fields["Gid"].split()[0]), fields["Groups"].split(),
            int(fields["CapEff"], 16))


@linux
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="the grader drops to nobody only as root")
def test_a_root_grader_runs_every_worker_process_as_nobody_on_the_host(tmp_path):
    """Only the first bwrap (which sets up the mounts) stays root; bwrap, the namespace's init and the worker are
    uid/gid 65534 on the host with no supplementary group and no capability, so a worker that got out of every
    namespace would be nobody, not root."""
    tier = isolation.tier()
    assert tier.kernel and tier.host_uid == isolation.NOBODY and "root outside" not in str(tier), str(tier)
    module = tmp_path / "who.py"
    module.write_text("import os\ndef who():\n    return os.getuid(), os.getgid()\n")
    with Sandbox(SandboxSpec(files={"who": module})) as sandbox:
        assert tuple(sandbox.call("who", "who")) == (isolation.NOBODY, isolation.NOBODY)
        started = descendants(sandbox.proc.pid)
        assert len(started) >= 3  # the worker's bwrap, its init (PID 1 inside) and the worker
        assert _host_ids(sandbox.proc.pid)[3] == 0  # the mount-setup bwrap holds no capability either
        assert all(_host_ids(pid) == (isolation.NOBODY, isolation.NOBODY, [], 0) for pid in started)
    assert worker_processes() == []


@linux
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="the grader drops to nobody only as root")
def test_where_nobody_cannot_start_bwrap_the_tier_says_workers_are_root_outside(simulate, tmp_path):
    tier = simulate("nobody")
    assert tier.kernel and tier.host_uid == 0
    assert tier.name.endswith("(workers are root outside)") and "unprivileged uid" in str(tier)
    module = tmp_path / "who.py"
    module.write_text("import os\ndef who():\n    return os.getuid()\n")
    with Sandbox(SandboxSpec(files={"who": module})) as sandbox:
        assert sandbox.call("who", "who") == isolation.NOBODY  # inside its namespace it is still 65534
        assert all(_host_ids(pid)[0] == 0 for pid in descendants(sandbox.proc.pid))
    assert worker_processes() == []


def cli(*args, env=None, course=None):
    course = ["--course", str(course)] if course else []
    return subprocess.run([sys.executable, "-m", "learnnn", *course, *args], capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})})


@linux
def test_check_on_the_process_only_tier_works_and_says_so_once(tmp_path):
    course = write_course(tmp_path / "course.yaml", time_limit=2)
    ws = tmp_path / "ws"
    assert cli("init", str(ws), course=course).returncode == 0
    (ws / "activations.py").write_text(SOLUTION)
    env = {isolation.SIMULATE: "userns"}
    first = cli("check", "activations", "--workspace", str(ws), env=env, course=course)
    second = cli("check", "activations", "--workspace", str(ws), env=env, course=course)
    assert first.returncode == second.returncode == 0, first.stderr
    assert "'process only (+ seccomp + landlock)' isolation tier" in first.stderr or \
        "'process only (+ seccomp)' isolation tier" in first.stderr
    assert "isolation tier" not in second.stderr
    kernel = cli("check", "activations", "--workspace", str(ws), course=course)
    assert kernel.returncode == 0 and "isolation tier" not in kernel.stderr


@linux
def test_grade_refuses_the_process_only_tier_unless_told_the_risk(tmp_path):
    course = write_course(tmp_path / "course.yaml", time_limit=2)
    cls = tmp_path / "class" / "alice"
    cls.mkdir(parents=True)
    (cls / "activations.py").write_text(SOLUTION)
    (cls / "neuron.py").write_text(NEURON)
    env = {isolation.SIMULATE: "bwrap"}
    refused = cli("grade", str(cls.parent), "--out", str(tmp_path / "out"), env=env, course=course)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "refusing to grade" in refused.stderr and "--allow-process-only-isolation" in refused.stderr
    assert "other submissions" in refused.stderr and not (tmp_path / "out").exists()
    allowed = cli("grade", str(cls.parent), "--out", str(tmp_path / "out"), "--allow-process-only-isolation",
                  env=env, course=course)
    assert allowed.returncode == 0, allowed.stderr
    assert "Isolation: process only" in allowed.stdout and "no bwrap" in allowed.stdout
    rows = json.loads((tmp_path / "out" / "grades.json").read_text())["submissions"]
    assert rows[0]["exercises"]["activations"]["passed"]


@linux
def test_doctor_reports_the_tier(tmp_path):
    done = cli("doctor", env={isolation.SIMULATE: "landlock"})
    assert "isolation: kernel: namespaces + seccomp (landlock: simulated as missing)" in done.stdout
    assert f"workers are uid {isolation.NOBODY if os.geteuid() == 0 else os.geteuid()} outside" in done.stdout


SETUP_WITH_A_THREAD = """
import os, sys, threading
from learnnn.worker import serve
os.chdir(sys.argv[1])
if sys.argv[2] == "thread":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
print(serve._setup({"files": {}, "memory_mb": 2048, "cpu_seconds": 60, "seccomp": True, "landlock": None,
                    "deny_read": [], "refused_imports": []}, []))
"""


@linux
def test_a_worker_with_a_second_thread_reports_a_wall_down_and_is_refused(tmp_path):
    """Landlock (and seccomp without TSYNC) cover only the thread that raises them: a worker that has any other
    thread when its walls go up says so, and the trusted side refuses it like any wall that isn't up."""
    import ast

    walls = {}
    for case in ("thread", "alone"):
        done = subprocess.run([sys.executable, "-c", SETUP_WITH_A_THREAD, str(tmp_path), case],
                              capture_output=True, text=True, timeout=60,
                              env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                                   "MKL_NUM_THREADS": "1"})  # as the sandbox starts workers: no BLAS threads
        assert done.returncode == 0, done.stderr
        walls[case] = ast.literal_eval(done.stdout.strip())
    assert walls["alone"] == {"seccomp": "", "threads": ""}
    assert walls["thread"]["seccomp"] == "" and "2 threads run in the worker" in walls["thread"]["threads"]
    sandbox = Sandbox(SandboxSpec(files={}))
    with pytest.raises(LearnerCrashed, match="could not lock itself down .*threads: 2 threads"):
        sandbox._ready_check({"ready": True, "walls": walls["thread"]})


def test_a_15_mib_string_in_a_reply_header_is_checked_in_bounded_memory():
    # One byte a regex step, the nesting check's string matcher held 1.8 GB for it (the grading process, 2.2 GB).
    # VmHWM, not ru_maxrss: that one keeps the RSS of the (big) test process the child was forked from.
    script = ("from learnnn.worker import wire\n"
              "wire.check_shape(b'{\"message\": \"' + b'M' * (15 * 2**20) + b'\"}')\n"
              "print(next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM')) "
              "// 1024)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) < 300  # MB: NumPy, the 15 MiB text and a copy or two of it
