"""The mirror plan: what changes on which link state, refusals, and the restore record."""

import pytest

from appliance.errors import InterfaceError
from appliance.mirror import plan as mp

FRESH = mp.LinkState(name="eno2", up=False, promisc=False, noarp=False, mtu=1500,
                     addresses=(("fe80::1", 64),), ipv6_disabled=False,
                     features={"rx-gro": True, "tx-tcp-segmentation": True,
                               "large-receive-offload": False, "rx-checksum": True})
DONE = mp.LinkState(name="eno2", up=True, promisc=True, noarp=True, mtu=9000,
                    ipv6_disabled=True, features={"rx-gro": False, "tx-tcp-segmentation": False})


def test_fresh_interface_plan_records_every_before_value():
    assert mp.plan(FRESH, mtu=9000) == {
        "up": False, "promisc": False, "noarp": False, "mtu": 1500,
        "addresses": [["fe80::1", 64]], "ipv6_disabled": False,
        "features": {"rx-gro": True, "tx-tcp-segmentation": True}}


def test_configured_interface_needs_nothing():
    assert mp.plan(DONE, mtu=9000) == {}


def test_mtu_zero_and_offloads_kept_when_asked():
    changes = mp.plan(FRESH, mtu=0, disable_offloads=False)
    assert "mtu" not in changes and "features" not in changes


def test_link_local_only_is_not_management():
    assert FRESH.addresses == (("fe80::1", 64),) and mp.management_addresses(FRESH) == []
    mp.refuse_management(FRESH, allow_management=False)  # raises if fe80:: counted


@pytest.mark.parametrize("state, words", [
    (mp.LinkState("eth1", True, False, False, 1500, (("192.0.2.5", 24),)), "has address 192.0.2.5"),
    (mp.LinkState("eth1", True, False, False, 1500, (("2001:db8::5", 64),)), "2001:db8::5"),
    (mp.LinkState("eth1", True, False, False, 1500, default_route=True), "carries the default route"),
])
def test_management_interface_refused_unless_allowed(state, words):
    with pytest.raises(InterfaceError) as err:
        mp.refuse_management(state, allow_management=False)
    assert words in str(err.value) and "allow_management = true" in str(err.value)
    assert "\n" not in str(err.value)
    mp.refuse_management(state, allow_management=True)


def test_missing_interface_lists_existing_ones():
    err = mp.missing("enp9s0", ["lo", "enp2s0", "enp1s0"])
    assert str(err) == ("mirror interface 'enp9s0' does not exist; existing interfaces: "
                        "enp1s0, enp2s0, lo (set [mirror] interface)")


def test_merge_keeps_the_oldest_before_values():
    crashed = {"promisc": False, "addresses": [["192.0.2.5", 24]], "features": {"rx-gro": True}}
    again = {"up": False, "features": {"tx-tcp-segmentation": True}}
    assert mp.merge(crashed, again) == {
        "promisc": False, "addresses": [["192.0.2.5", 24]], "up": False,
        "features": {"rx-gro": True, "tx-tcp-segmentation": True}}


def test_undo_reenables_ipv6_before_putting_addresses_back():
    steps = [k for k, _ in mp.undo(mp.plan(FRESH, mtu=9000))]
    assert steps == ["features", "ipv6_disabled", "addresses", "mtu", "noarp", "promisc", "up"]
