"""A crashed child's in-memory records are counted in its status (no root: fake processes)."""

from appliance.supervisor.child import Child


class Proc:
    pid = 4242

    def __init__(self):
        self.returncode = None

    def poll(self):
        return self.returncode


def test_records_held_at_a_crash_are_counted_and_shown():
    procs, readings, now = [], [120], [0.0]

    def spawn(argv, env):
        procs.append(Proc())
        return procs[-1]

    child = Child("probe", lambda: (["softflowd"], {}), clock=lambda: now[0], wall=lambda: 0.0,
                  spawn=spawn, held=lambda: readings[-1])
    child.start()
    procs[-1].returncode = -9
    now[0] = 10.0
    child.poll(now[0])
    assert child.status()["last_exit"]["held"] == 120
    now[0] = 20.0
    child.poll(now[0])  # restarted after its backoff
    readings.append(None)  # an unreadable probe counts as nothing held, not as an error
    procs[-1].returncode = -9
    child.poll(now[0])
    status = child.status()
    assert (status["restarts"], status["lost_in_crashes"]) == (1, 120)
    assert status["last_exit"]["held"] == 0


def test_children_without_a_reading_show_no_loss_key():
    child = Child("collector", lambda: (["nfcapd"], {}), spawn=lambda a, e: Proc())
    assert "lost_in_crashes" not in child.status()
