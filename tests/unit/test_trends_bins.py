"""Traffic time: a flow's counts go to the steps its packets were in, exactly, never lost."""

from appliance.trends.bins import Placer, split, step_of

STEP = 60
OWN = 1795788120  # the file's step end: the file holds exports of [OWN - 60, OWN)
REACH = 60 + 5 + 60  # shipped maxlife + expint, and a rotation


def test_a_step_holds_its_start_not_its_end_like_a_flow_file():
    assert step_of(OWN - 60, STEP) == OWN and step_of(OWN - 0.001, STEP) == OWN
    assert step_of(OWN, STEP) == OWN + 60


def test_split_is_exact_and_proportional():
    assert split(7, [10, 50]) == [1, 6]
    assert split(1, [10, 50]) == [0, 1]
    assert sum(split(1_000_003, [1, 2, 3, 4])) == 1_000_003
    assert split(5, [0, 0]) == [5, 0]


def test_a_flow_in_one_step_counts_there_even_before_its_file():
    place = Placer(OWN, STEP, 0, REACH)
    assert place(OWN - 100, OWN - 90, 1, 10, 1000) == [(OWN - 60, 1, 10, 1000)]


def test_a_long_flow_is_spread_over_its_steps_by_time():
    place = Placer(OWN, STEP, 0, REACH)
    # 45 s in the step ending at OWN - 60, 15 s in OWN's
    got = place(OWN - 105, OWN - 45, 1, 40, 4000)
    assert got == [(OWN - 60, 1, 30, 3000), (OWN, 0, 10, 1000)]


def test_a_step_already_graphed_takes_nothing_the_next_open_one_does():
    place = Placer(OWN, STEP, OWN, REACH)  # everything up to OWN - 60 is written
    assert place(OWN - 100, OWN - 90, 1, 10, 1000) == [(OWN, 1, 10, 1000)]
    assert place.late == 1 and place.moved == 0


def test_times_no_probe_could_give_count_in_the_files_own_step():
    place = Placer(OWN, STEP, 0, REACH)
    assert place(1700000000, 1700000010, 1, 3, 300) == [(OWN, 1, 3, 300)]  # a replayed capture
    assert place(OWN + 30, OWN + 40, 1, 3, 300) == [(OWN, 1, 3, 300)]  # a clock ahead
    assert place.moved == 2
