"""A supervised child process: restart with exponential backoff, stop by its own PID only."""

import ctypes
import datetime
import logging
import os
import signal
import subprocess
import time

log = logging.getLogger(__name__)


def iso(ts):
    """Return a wall-clock timestamp as ISO-8601 UTC."""
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).isoformat(timespec="seconds")


PR_SET_PDEATHSIG = 1


def _die_with_parent():
    # If spanflow run itself is killed (-9, OOM), its children must not live on holding the
    # collector port and the capture: the kernel sends them SIGTERM when we die.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(argv, env, **streams):
    """Start argv with env added to ours, in its own session so a terminal's ^C reaches us first."""
    return subprocess.Popen(argv, env={**os.environ, **env}, stdin=subprocess.DEVNULL,
                            start_new_session=True, preexec_fn=_die_with_parent, **streams)


def describe(code):
    """Return why a process ended, from its Popen returncode."""
    if code < 0:
        try:
            return {"signal": signal.Signals(-code).name, "code": None}
        except ValueError:
            return {"signal": str(-code), "code": None}
    return {"signal": None, "code": code}


class Backoff:
    """Restart delays 1, 2, 4 ... up to limit seconds; back to the first after a stable run."""

    def __init__(self, first=1.0, limit=60.0, stable=60.0):
        self.first, self.limit, self.stable = first, limit, stable
        self.delay = first

    def next(self, ran_for):
        """Return the delay before the next start, given how long the last run lasted."""
        if ran_for >= self.stable:
            self.delay = self.first
        delay, self.delay = self.delay, min(self.delay * 2, self.limit)
        return delay


class Periodic:
    """A reading or chore run every `every` seconds while the child runs; its result goes in status."""

    def __init__(self, key, every, fn):
        self.key, self.every, self.fn = key, every, fn
        self.due, self.value = 0.0, None

    def tick(self, now):
        if now < self.due:
            return
        self.due = now + self.every
        try:
            self.value = self.fn()
        except Exception as exc:  # a failed reading must not stop supervision; show it instead
            log.debug("%s failed: %s", self.key, exc)
            self.value = {"error": str(exc)}


class Child:
    """One supervised process; command() returns (argv, env) and is asked again at every start."""

    def __init__(self, name, command, clock=time.monotonic, wall=time.time, spawn=spawn,
                 backoff=None, stop_timeout=5.0, prepare=None, periodic=(), held=None,
                 cleanup=None, ask_to_stop=None):
        self.name, self.command, self.clock, self.wall = name, command, clock, wall
        # ask_to_stop() asks the tool to finish its work and exit (SIGTERM after stop_timeout)
        self.ask_to_stop = ask_to_stop
        # held() -> how many records the process kept in memory at its last reading: what a
        # crash loses, counted so the snapshot shows it (issue 7)
        self.held, self.lost = held, 0
        self.spawn, self.backoff, self.stop_timeout = spawn, backoff or Backoff(), stop_timeout
        # prepare() before each start; cleanup() once stopped, to undo what prepare changed
        self.prepare, self.cleanup, self.periodic = prepare, cleanup, list(periodic)
        self.proc, self.state, self.restarts = None, "stopped", 0
        self.last_exit, self.started, self.started_wall, self.next_start = None, None, None, None

    def _launch(self, now):
        if self.prepare:
            self.prepare()
        argv, env = self.command()
        log.debug("starting %s: %s", self.name, argv)
        self.proc = self.spawn(argv, env)
        self.state, self.started, self.started_wall = "running", now, self.wall()
        log.info("%s started, pid %s", self.name, self.proc.pid)

    def start(self):
        """Start the process (failures to exec raise; the run loop checks tools beforehand)."""
        if self.proc is None:
            self.state = "starting"
            self._launch(self.clock())

    def poll(self, now):
        """Restart the process if it died and its backoff has passed; run periodic readings."""
        if self.state == "running" and self.proc.poll() is not None:
            ran_for = now - self.started
            self.last_exit = {**describe(self.proc.returncode), "at": iso(self.wall()),
                              "ran_for": round(ran_for, 1)}
            if self.held:
                self.last_exit["held"] = self.held() or 0
                self.lost += self.last_exit["held"]
            delay = self.backoff.next(ran_for)
            log.warning("%s (pid %s) died after %.1fs: %s; restarting in %.0fs", self.name,
                        self.proc.pid, ran_for, self.last_exit["signal"] or
                        f"exit code {self.last_exit['code']}", delay)
            self.proc, self.state, self.next_start = None, "restarting", now + delay
        if self.state == "restarting" and now >= self.next_start:
            self.restarts += 1
            try:
                self._launch(now)
            except OSError as exc:
                self.state, self.next_start = "restarting", now + self.backoff.next(0)
                self.last_exit = {"signal": None, "code": None, "error": str(exc),
                                  "at": iso(self.wall()), "ran_for": 0}
                log.error("cannot restart %s: %s", self.name, exc)
        if self.state == "running":
            for job in self.periodic:
                job.tick(now)

    def stop(self):
        """Ask our own process to stop (ask_to_stop, else SIGTERM), SIGKILL after stop_timeout.

        Safe to call twice.
        """
        proc, self.proc = self.proc, None
        self.state = "stopped"
        try:
            self._end(proc)
        finally:
            if self.cleanup:
                self.cleanup()

    def _end(self, proc):
        if proc is None or proc.poll() is not None:
            return
        if self.ask_to_stop:
            try:
                self.ask_to_stop()
                proc.wait(self.stop_timeout)
                log.info("%s stopped", self.name)
                return
            except Exception as exc:  # no answer, or not gone in time: the signal then
                log.warning("%s (pid %s) did not stop when asked (%s): sending SIGTERM",
                            self.name, proc.pid, exc)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s (pid %s) ignored SIGTERM for %ss; killing it", self.name, proc.pid,
                        self.stop_timeout)
            proc.kill()
            proc.wait()
        log.info("%s stopped", self.name)

    def status(self):
        """Return state, pid, restarts, last exit and the periodic readings."""
        out = {"state": self.state, "pid": self.proc.pid if self.proc else None,
               "restarts": self.restarts, "last_exit": self.last_exit,
               "started": iso(self.started_wall) if self.started_wall else None}
        if self.held:
            out["lost_in_crashes"] = self.lost
        for job in self.periodic:
            out[job.key] = job.value
        return out
