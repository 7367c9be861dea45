"""What the worker refuses, applied before any learner code runs.

Three walls, outermost first (the namespaces and mounts come from bwrap, see
learnnn.isolation):

* a seccomp filter (:func:`seccomp`): no new processes and no new threads (every
  clone; the worker starts none and refuses to serve with more than one), no exec,
  no ptrace or process_vm_*, signals only to this process (kill, tgkill,
  rt_(tg)sigqueueinfo; no fcntl F_SETOWN/F_SETSIG for SIGIO), no sockets, no mount, namespace,
  keyring, bpf or perf calls, no fallocate (it reserves disk past RLIMIT_FSIZE),
  no SysV shared memory or memfd (host RAM past RLIMIT_AS). Built here as a
  small BPF program instead of through libseccomp so the worker needs no native
  library beyond libc and the whole filter can be read in one screen. Once installed, the kernel enforces it
  and nothing in this process can lift it.
* Landlock (:func:`landlock`): read-only on the runtime, read-write only in the
  scratch folder, no TCP, no signals or abstract sockets outside the domain.
* rlimits and a PEP 578 audit hook (:func:`audit`): a speed bump with good error
  messages, not a wall: it runs inside the attacker's own process.
"""
import ctypes
import os
import platform
import struct
import sys

# ---------------------------------------------------------------- seccomp

_ARCH = {  # machine -> (AUDIT_ARCH_*, syscall numbers)
    "x86_64": (0xC000003E, dict(
        fork=57, vfork=58, clone=56, clone3=435, execve=59, execveat=322, ptrace=101, process_vm_readv=310,
        process_vm_writev=311, kill=62, tkill=200, tgkill=234, rt_sigqueueinfo=129, rt_tgsigqueueinfo=297,
        fcntl=72, seccomp=317, pidfd_open=434, pidfd_send_signal=424,
        pidfd_getfd=438, socket=41, mount=165, umount2=166, unshare=272, setns=308, keyctl=250, add_key=248,
        request_key=249, bpf=321, perf_event_open=298, kexec_load=246, kexec_file_load=320, init_module=175,
        finit_module=313, delete_module=176, reboot=169, swapon=167, swapoff=168, pivot_root=155, chroot=161,
        acct=163, userfaultfd=323, io_uring_setup=425, io_uring_enter=426, io_uring_register=427,
        open_by_handle_at=304, name_to_handle_at=303, fanotify_init=300, move_mount=429, open_tree=428,
        fsopen=430, fsconfig=431, fsmount=432, fspick=433, mount_setattr=442, process_madvise=440, kcmp=312,
        quotactl=179, syslog=103, mknod=133, mknodat=259, setsid=112, setpgid=109, fallocate=285, shmget=29,
        shmat=30, shmctl=31, shmdt=67, memfd_create=319, memfd_secret=447)),
    "aarch64": (0xC00000B7, dict(
        clone=220, clone3=435, execve=221, execveat=281, ptrace=117, process_vm_readv=270,
        process_vm_writev=271, kill=129, tkill=130, tgkill=131, rt_sigqueueinfo=138, rt_tgsigqueueinfo=240,
        fcntl=25, seccomp=277, pidfd_open=434, pidfd_send_signal=424,
        pidfd_getfd=438, socket=198, mount=40, umount2=39, unshare=97, setns=268, keyctl=219, add_key=217,
        request_key=218, bpf=280, perf_event_open=241, kexec_load=104, kexec_file_load=294, init_module=105,
        finit_module=273, delete_module=106, reboot=142, swapon=224, swapoff=225, pivot_root=41, chroot=51,
        acct=89, userfaultfd=282, io_uring_setup=425, io_uring_enter=426, io_uring_register=427,
        open_by_handle_at=265, name_to_handle_at=264, fanotify_init=262, move_mount=429, open_tree=428,
        fsopen=430, fsconfig=431, fsmount=432, fspick=433, mount_setattr=442, process_madvise=440, kcmp=272,
        quotactl=60, syslog=116, mknodat=33, setsid=157, setpgid=154, fallocate=47, shmget=194, shmat=196,
        shmctl=195, shmdt=197, memfd_create=279, memfd_secret=447)),
}
_LD, _JEQ, _JGE, _RET = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|K variants, BPF_RET|K
_ALLOW, _KILL, _ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
_EPERM, _EINVAL, _ENOSYS = 1, 22, 38
_NR, _ARCH_AT, _ARG0, _ARG1 = 0, 4, 16, 24  # offsets in struct seccomp_data (little-endian low words of args)
_OWN_PID = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")  # arg0 is the target's tgid
_ALLOWED = {"clone3", "fcntl", "seccomp", *_OWN_PID}  # in the table for a rule of their own, not refused outright
_F_SETOWN, _F_SETSIG, _F_SETOWN_EX = 8, 10, 15  # SIGIO to another process: a signal without kill()


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
    return libc


def seccomp_program(machine, own_pid):
    """The filter as a list of (code, jt, jf, k) BPF instructions; None on an unknown machine."""
    if machine not in _ARCH:
        return None
    arch, nr = _ARCH[machine]
    denied = sorted(number for name, number in nr.items() if name not in _ALLOWED)
    errno = lambda e: (_RET, 0, 0, _ERRNO | e)  # noqa: E731
    prog = [(_LD, 0, 0, _ARCH_AT), (_JEQ, 1, 0, arch), (_RET, 0, 0, _KILL), (_LD, 0, 0, _NR)]
    if machine == "x86_64":
        prog += [(_JGE, 0, 1, 0x40000000), errno(_EPERM)]  # the x32 ABI numbers alias the 64-bit ones
    for number in denied:
        prog += [(_JEQ, 0, 1, number), errno(_EPERM)]
    prog += [(_JEQ, 0, 1, nr["clone3"]), errno(_ENOSYS)]  # glibc then falls back to clone, refused above
    for name in _OWN_PID:  # a thread or process may signal itself (abort, faulthandler), nobody else
        prog += [(_JEQ, 0, 3, nr[name]), (_LD, 0, 0, _ARG0), (_JEQ, 1, 0, own_pid), errno(_EPERM),
                 (_LD, 0, 0, _NR)]
    prog += [(_JEQ, 0, 5, nr["fcntl"]), (_LD, 0, 0, _ARG1),  # fcntl's other commands fall through to allow
             (_JEQ, 2, 0, _F_SETOWN), (_JEQ, 1, 0, _F_SETSIG), (_JEQ, 0, 1, _F_SETOWN_EX), errno(_EPERM)]
    prog += [(_RET, 0, 0, _ALLOW)]
    return prog


def seccomp():
    """Install the filter on this process and every thread it starts later; returns why not, or ''."""
    prog = seccomp_program(platform.machine(), os.getpid())
    if prog is None:
        return f"no syscall table for {platform.machine()}"
    code = b"".join(struct.pack("=HBBI", *ins) for ins in prog)
    buf = ctypes.create_string_buffer(code)
    fprog = struct.pack("@HP", len(prog), ctypes.addressof(buf))  # struct sock_fprog, native alignment
    libc = _libc()
    PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
    SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC = 1, 1
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return f"prctl(NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}"
    arg = ctypes.create_string_buffer(fprog)
    # seccomp(2) with TSYNC puts every thread of the process under the filter (prctl only the calling one);
    # serve still refuses to run with more than one thread, since Landlock covers only the calling thread.
    done = libc.syscall(ctypes.c_long(_ARCH[platform.machine()][1]["seccomp"]), ctypes.c_long(SECCOMP_SET_MODE_FILTER),
                        ctypes.c_long(SECCOMP_FILTER_FLAG_TSYNC), ctypes.c_void_p(ctypes.addressof(arg)))
    if done > 0:
        return f"thread {done} could not take the filter"
    if done < 0 and ctypes.get_errno() not in (_ENOSYS, _EINVAL):
        return f"the kernel refused the filter: {os.strerror(ctypes.get_errno())}"
    if done < 0 and libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(arg), 0, 0) != 0:
        return f"the kernel refused the filter: {os.strerror(ctypes.get_errno())}"
    return ""


def single_threaded():
    """'' when this process has one thread, else why not: Landlock (and seccomp without TSYNC) covers only the
    thread that raised it, so any other thread would run learner code outside the walls."""
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError as exc:
        return f"could not count its threads ({exc.strerror})"
    return "" if len(tasks) == 1 else f"{len(tasks)} threads run in the worker; only the one behind the walls may"


# ---------------------------------------------------------------- Landlock

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same numbers on x86_64 and aarch64
_READ = (1 << 0) | (1 << 2) | (1 << 3)  # EXECUTE, READ_FILE, READ_DIR
_FILE_RIGHTS = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 14) | (1 << 15)  # what a rule on a file (not a dir) may grant


def landlock_abi():
    """The kernel's Landlock ABI version, 0 when it has none (or it is disabled)."""
    if not sys.platform.startswith("linux"):
        return 0
    libc = _libc()
    abi = libc.syscall(ctypes.c_long(_CREATE_RULESET), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(0, abi)


def landlock(read_only, read_write):
    """Restrict this process to reading ``read_only`` and writing under ``read_write``; returns why not, or ''."""
    abi = landlock_abi()
    if abi < 1:
        return "the kernel has no Landlock"
    fs = (1 << 13) - 1 | (1 << 13 if abi >= 2 else 0) | (1 << 14 if abi >= 3 else 0) | (1 << 15 if abi >= 5 else 0)
    net = 0b11 if abi >= 4 else 0  # bind and connect TCP
    scoped = 0b11 if abi >= 6 else 0  # abstract unix sockets and signals outside this domain
    attr = struct.pack("=QQQ", fs, net, scoped)[: 8 if abi < 4 else 16 if abi < 6 else 24]
    libc = _libc()
    ruleset = libc.syscall(ctypes.c_long(_CREATE_RULESET), attr, ctypes.c_size_t(len(attr)), ctypes.c_uint32(0))
    if ruleset < 0:
        return f"landlock_create_ruleset failed: {os.strerror(ctypes.get_errno())}"
    try:
        for paths, rights in ((read_only, _READ), (read_write, fs)):
            for path in paths:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue  # not on this machine: nothing to allow
                allowed = rights if os.path.isdir(path) else rights & _FILE_RIGHTS | (1 << 1 if path == os.devnull else 0)
                rule = struct.pack("=Qi", allowed & fs, fd)
                done = libc.syscall(ctypes.c_long(_ADD_RULE), ctypes.c_int(ruleset), ctypes.c_int(1), rule,
                                    ctypes.c_uint32(0))
                os.close(fd)
                if done < 0:
                    return f"landlock_add_rule({path}) failed: {os.strerror(ctypes.get_errno())}"
        if libc.prctl(38, 1, 0, 0, 0) != 0:
            return "prctl(NO_NEW_PRIVS) failed"
        if libc.syscall(ctypes.c_long(_RESTRICT_SELF), ctypes.c_int(ruleset), ctypes.c_uint32(0)) < 0:
            return f"landlock_restrict_self failed: {os.strerror(ctypes.get_errno())}"
    finally:
        os.close(ruleset)
    return ""


# ---------------------------------------------------------------- rlimits and the audit hook


class Denied(PermissionError):
    """An operation the audit hook refused; reported as refused, not as the learner's own error."""


class Refused(ImportError):
    pass


def limit(memory_mb, cpu_seconds, file_mb=16):
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a flood of output fails a write instead of killing us
    for res, value in ((resource.RLIMIT_AS, memory_mb * 1024 * 1024), (resource.RLIMIT_CPU, cpu_seconds),
                       (resource.RLIMIT_FSIZE, file_mb * 1024 * 1024), (resource.RLIMIT_CORE, 0),
                       (resource.RLIMIT_NPROC, 0)):
        try:
            resource.setrlimit(res, (value, value))
        except (ValueError, OSError):
            pass  # a limit the platform or our current usage won't take; the other walls still apply


def audit(root, deny_read, refused_imports):
    """PEP 578 audit hook: no processes, sockets or signals; writes stay in root.

    It gives learners a clear "learnnn's sandbox does not allow ..." message; it
    is not what keeps them in (see the module docstring).
    """
    root = os.path.realpath(root) + os.sep
    deny_read = tuple(os.path.realpath(p) + os.sep for p in deny_read)
    banned_links = {"os.symlink", "os.link"}  # a link could point a path inside the folder at one outside
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    banned_prefixes = ("subprocess.", "os.exec", "os.spawn", "os.posix_spawn", "socket.", "ctypes.", "pty.", "winreg.")
    banned = {"os.system", "os.fork", "os.forkpty", "os.kill", "os.killpg", "os.putenv", "os.unsetenv", "sys.remote_exec",
              "os.setuid", "resource.setrlimit", "resource.prlimit", "signal.pthread_kill", "_posixsubprocess.fork_exec"}
    path_events = {"os.remove", "os.rmdir", "os.mkdir", "os.rename", "os.symlink", "os.link", "os.chmod",
                   "os.chown", "os.truncate", "os.utime", "shutil.rmtree", "shutil.move", "shutil.copyfile"}

    realpath = os.path.realpath  # bound now: learner code may replace os.path.realpath later
    for module in (os, sys.modules.get("posix")):
        for name in ("mkfifo", "mknod"):  # they raise no audit event, so they can't be confined
            if module is not None and hasattr(module, name):
                delattr(module, name)

    def inside(path, prefix):
        return (realpath(path) + os.sep).startswith(prefix)

    def hook(event, args):
        if event in banned or event in banned_links or event.startswith(banned_prefixes):
            raise Denied(f"learnnn's sandbox does not allow {event}")
        if event == "open":
            path, mode, flags = args
            if not isinstance(path, (str, bytes)):
                return
            path = os.fsdecode(path)
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool((flags or 0) & write_flags)
            if writing and not inside(path, root) and path != os.devnull:
                raise Denied(f"learnnn's sandbox does not allow writing {path}")
            real = realpath(path) + os.sep
            if real.startswith(deny_read) or (real.startswith("/proc/") and not real.startswith(("/proc/self/", f"/proc/{os.getpid()}/"))):
                raise Denied(f"learnnn's sandbox does not allow reading {path}")
        elif event in path_events:
            for p in args[:2]:
                if isinstance(p, (str, bytes)) and not inside(os.fsdecode(p), root):
                    raise Denied(f"learnnn's sandbox does not allow {event} outside its folder")
        elif event == "import":
            name = args[0]
            for bad in refused_imports:
                if name == bad or name.startswith(bad + "."):
                    raise Refused(f"importing {bad} is not allowed here: the model must be your own NumPy network")

    sys.addaudithook(hook)
    _refuse_threads()


def _refuse_threads():
    """Starting a thread fails in the kernel (seccomp refuses clone); this says why, where Python would not."""
    import _thread
    import threading

    def refused(*args, **kwargs):
        raise Denied("learnnn's sandbox does not allow starting threads: each call runs on one thread")

    for module in (_thread, threading):
        for name in ("start_new_thread", "_start_new_thread", "start_joinable_thread", "_start_joinable_thread"):
            if hasattr(module, name):
                setattr(module, name, refused)
