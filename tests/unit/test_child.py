"""Supervised child: restart, backoff, why it died, stop — with a fake clock and fake processes."""

import subprocess
import sys

from appliance.supervisor.child import Backoff, Child, Periodic


class FakeProc:
    next_pid = 1000

    def __init__(self):
        FakeProc.next_pid += 1
        self.pid, self.returncode, self.signals = FakeProc.next_pid, None, []

    def poll(self):
        return self.returncode

    def send_signal(self, sig):
        self.signals.append(sig)
        self.returncode = -sig

    def wait(self, timeout=None):
        return self.returncode


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def make(**kw):
    procs, clock = [], Clock()

    def spawn(argv, env):
        procs.append(FakeProc())
        return procs[-1]

    child = Child("probe", lambda: (["/bin/true"], {}), clock=clock, wall=lambda: 0.0,
                  spawn=spawn, **kw)
    return child, procs, clock


def test_backoff_doubles_up_to_limit_and_resets_after_stable_run():
    b = Backoff(first=1, limit=8, stable=60)
    assert [b.next(0) for _ in range(6)] == [1, 2, 4, 8, 8, 8]
    assert b.next(61) == 1
    assert b.next(0) == 2


def test_dead_child_restarts_after_backoff_and_counts_restarts():
    child, procs, clock = make()
    child.start()
    assert child.status()["state"] == "running" and child.status()["pid"] == procs[0].pid
    procs[0].returncode = -9
    child.poll(clock.now + 1)
    st = child.status()
    assert st["state"] == "restarting" and st["pid"] is None
    assert st["last_exit"]["signal"] == "SIGKILL" and st["last_exit"]["ran_for"] == 1.0
    child.poll(clock.now + 1.5)  # backoff of 1 s not over yet
    assert len(procs) == 1
    child.poll(clock.now + 2)
    assert len(procs) == 2 and child.status()["restarts"] == 1
    assert child.status()["state"] == "running"


def test_quick_deaths_back_off_exponentially():
    child, procs, clock = make(backoff=Backoff(first=1, limit=60, stable=60))
    child.start()
    t, starts = clock.now, []
    for _ in range(4):
        procs[-1].returncode = 1
        child.poll(t)
        n = len(procs)
        while len(procs) == n:
            t += 0.5
            child.poll(t)
        starts.append(t)
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert gaps == [2.0, 4.0, 8.0]
    assert child.status()["last_exit"]["code"] == 1


def test_stop_is_idempotent_and_signals_only_its_own_process():
    child, procs, clock = make()
    child.start()
    child.stop()
    child.stop()
    assert procs[0].signals == [15]
    assert child.status()["state"] == "stopped"
    child.poll(clock.now + 100)  # a stopped child is not restarted
    assert len(procs) == 1


def test_periodic_readings_go_into_status_and_errors_are_shown():
    calls = []

    def reading():
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("socket gone")
        return {"flows": len(calls)}

    child, procs, clock = make(periodic=[Periodic("statistics", 5, reading)])
    child.start()
    child.poll(100)
    child.poll(104)
    assert child.status()["statistics"] == {"flows": 1}
    child.poll(105)
    assert child.status()["statistics"] == {"error": "socket gone"}


def test_stop_kills_a_real_process_that_ignores_sigterm():
    code = ("import signal,time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)")

    def spawn(argv, env):
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline() == "ready\n"
        return proc

    child = Child("stubborn", lambda: ([sys.executable, "-c", code], {}), spawn=spawn,
                  stop_timeout=0.3)
    child.start()
    proc = child.proc
    child.stop()
    assert proc.returncode == -9
