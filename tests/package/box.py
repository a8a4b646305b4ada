"""A fresh Debian 12 system booted with systemd in a container, for tests of the box as installed.

The machines have no systemd as PID 1 (pitfalls.md, "A real systemd box"): an mmdebstrap rootfs
booted with `systemd-nspawn --boot --register=no --private-network` is the installed box. The
rootfs holds Debian's systemd plus the package's dependencies, so `apt install ./spanflow_*.deb`
inside needs no network; it is built once per package list and cached as a tar under build/box/.
Only the container started here is stopped, through its own nspawn process.
"""

import hashlib
import os
import re
import shutil
import subprocess
import time

from support.netns import ROOT
from support.wait import wait_until

CACHE = os.path.join(ROOT, "build", "box")
SUITE = "bookworm"
BASE = ("systemd", "systemd-sysv", "dbus", "iproute2")
PATH = "/usr/sbin:/usr/bin:/sbin:/bin"


def depends(deb):
    """Return what apt installs with a .deb: Depends and Recommends (first alternative, no versions)."""
    names = []
    for field in ("Depends", "Recommends"):  # `apt install` takes Recommends too, as README.md's line does
        text = subprocess.run(["dpkg-deb", "-f", deb, field], capture_output=True, text=True,
                              check=True).stdout
        names += [re.split(r"[\s(:]", alt.split("|")[0].strip())[0] for alt in text.split(",")]
    return sorted({n for n in names if n})


def rootfs_tar(packages):
    """Return the cached rootfs tar holding packages, building it with mmdebstrap when absent."""
    wanted = sorted(set(BASE) | set(packages))
    key = hashlib.sha256(f"{SUITE} minbase {' '.join(wanted)}".encode()).hexdigest()[:16]
    tar = os.path.join(CACHE, f"rootfs-{SUITE}-{key}.tar")
    if os.path.exists(tar):
        return tar
    os.makedirs(CACHE, exist_ok=True)
    part = f"{tar}.{os.getpid()}.part"
    # the part file is renamed only when complete: an interrupted build never looks cached
    made = subprocess.run(["mmdebstrap", "--quiet", "--variant=minbase", "--format=tar",
                           f"--include={','.join(wanted)}", SUITE, part],
                          capture_output=True, text=True, timeout=900)
    if made.returncode != 0:
        if os.path.exists(part):
            os.unlink(part)
        raise AssertionError(f"mmdebstrap failed: {made.stderr[-3000:]}")
    os.rename(part, tar)
    with open(os.path.join(CACHE, f"rootfs-{SUITE}-{key}.packages"), "w") as f:
        f.write("\n".join(wanted) + "\n")
    # a rootfs for another package list is stale now (300 MB each): keep only this one
    for name in os.listdir(CACHE):
        if name.startswith("rootfs-") and key not in name and not name.endswith(".part"):
            os.unlink(os.path.join(CACHE, name))
    return tar


def _children(pid):
    """Return the child PIDs of pid, from /proc."""
    kids = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids += [int(k) for k in f.read().split()]
        except OSError:
            pass
    return kids


def _pidns(pid):
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


class Box:
    """One booted container on an unpacked rootfs; run() executes commands inside it."""

    def __init__(self, tar, root, log):
        self.root = root
        os.makedirs(root)
        subprocess.run(["tar", "-xf", tar, "-C", root], check=True)
        self.log = open(log, "w")
        self.proc = subprocess.Popen(
            ["systemd-nspawn", "-q", "--register=no", "--keep-unit", "-D", root,
             "--private-network", "--boot"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        self.pid = None
        try:
            self.pid = wait_until(self._init_pid, 60, interval=0.2, what="the container's systemd")
            # a loaded 2-core machine took 40 s; "degraded" is booted too (a unit failed)
            wait_until(lambda: self.run("systemctl", "is-system-running").stdout.strip()
                       in ("running", "degraded"), 180, interval=1, what="the container to boot")
        except BaseException:
            self.stop()
            raise

    def _init_pid(self):
        """Return the PID of the container's systemd (first descendant in another PID namespace)."""
        if self.proc.poll() is not None:
            raise AssertionError(f"systemd-nspawn exited with {self.proc.returncode}; see {self.log.name}")
        ours, todo = _pidns(self.proc.pid), [self.proc.pid]
        while todo:
            pid = todo.pop(0)
            if _pidns(pid) not in (None, ours):
                return pid
            todo += _children(pid)
        return None

    def run(self, *argv, input=None, timeout=120, check=False):
        """Run argv inside the container with a clean environment; return the completed process."""
        done = subprocess.run(["nsenter", "-t", str(self.pid), "-a", "--wd=/", "env", "-i",
                               f"PATH={PATH}", "LC_ALL=C.UTF-8", "HOME=/root", *argv],
                              input=input, capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"{argv} exited {done.returncode}: {done.stdout[-2000:]}{done.stderr[-2000:]}")
        return done

    def sh(self, script, **kw):
        """Run a shell command line inside the container."""
        return self.run("sh", "-c", script, **kw)

    def copy_in(self, path, where="/root"):
        """Copy a host file into the container; return its path inside."""
        shutil.copy(path, os.path.join(self.root, where.lstrip("/")))
        return os.path.join(where, os.path.basename(path))

    def journal(self, unit):
        """Return the unit's journal, for failure messages."""
        return self.run("journalctl", "-u", unit, "--no-pager", "-n", "200").stdout

    def stop(self):
        """Power the container off, then end our nspawn process; safe to call twice."""
        if self.proc.poll() is None:
            if self.pid:
                self.run("systemctl", "poweroff", "--no-block", timeout=30)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.terminate()  # our own nspawn, by its pid
                try:
                    self.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        if not self.log.closed:
            self.log.close()
        subprocess.run(["rm", "-rf", "--one-file-system", self.root], check=False)


def wait_for(box, probe, timeout, what, interval=2):
    """Wait until probe(box) is truthy; on timeout name what and show spanflow's journal."""
    try:
        return wait_until(lambda: probe(box), timeout, interval=interval, what=what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- journal of spanflow.service\n{box.journal('spanflow')}") from None


def wait_until_or(condition, seconds, interval=0.5):
    """Wait up to seconds for condition (pacing a sampling loop); return whether it held."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())
