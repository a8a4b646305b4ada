"""Decide what to change on the mirror interface, and how to undo it, from its current state."""

import ipaddress
from dataclasses import dataclass, field

from ..errors import InterfaceError

# The kernel's names for GRO/LRO/GSO/TSO: merged super-packets make packet counts low
# (pitfalls.md: veth offloads), so a mirror port must see packets as they were on the wire.
OFFLOADS = ("rx-gro", "large-receive-offload", "tx-generic-segmentation",
            "tx-tcp-segmentation", "tx-tcp6-segmentation", "tx-tcp-ecn-segmentation",
            "tx-tcp-mangleid-segmentation")


@dataclass(frozen=True)
class LinkState:
    """What the kernel says about one interface, as far as the mirror port cares."""

    name: str
    up: bool
    promisc: bool
    noarp: bool
    mtu: int
    addresses: tuple = ()  # ((address, prefixlen), ...)
    ipv6_disabled: bool = False
    features: dict = field(default_factory=dict)  # offload name -> enabled, changeable ones only
    default_route: bool = False


def missing(name, existing):
    """Return the error for an interface that does not exist, naming those that do."""
    names = ", ".join(sorted(existing)) or "none"
    return InterfaceError(f"mirror interface {name!r} does not exist; existing interfaces: "
                          f"{names} (set [mirror] interface)")


def management_addresses(state):
    """Return the addresses that make the interface look like a management port."""
    return [a for a, _ in state.addresses if not ipaddress.ip_address(a).is_link_local]


def refuse_management(state, allow_management):
    """Raise unless the interface is safe to turn into a silent mirror port."""
    if allow_management:
        return
    if state.default_route:
        raise InterfaceError(f"mirror interface {state.name} carries the default route; refusing "
                             "to take it over (pick the SPAN port, or set [mirror] "
                             "allow_management = true)")
    addrs = management_addresses(state)
    if addrs:
        raise InterfaceError(f"mirror interface {state.name} has address {addrs[0]}; refusing to "
                             "flush it (pick the SPAN port, or set [mirror] "
                             "allow_management = true)")


def plan(state, mtu=0, disable_offloads=True):
    """Return the changes as {setting: value before}; an empty dict means nothing to do."""
    changes = {}
    if not state.up:
        changes["up"] = False
    if not state.promisc:
        changes["promisc"] = False
    if not state.noarp:
        changes["noarp"] = False
    if mtu and state.mtu != mtu:
        changes["mtu"] = state.mtu
    if state.addresses:
        changes["addresses"] = [list(a) for a in state.addresses]
    if not state.ipv6_disabled:
        changes["ipv6_disabled"] = False
    if disable_offloads:
        on = {name: True for name in OFFLOADS if state.features.get(name)}
        if on:
            changes["features"] = on
    return changes


def merge(recorded, changes):
    """Combine an earlier record with new changes, keeping the oldest 'before' values."""
    merged = dict(changes)
    merged.update(recorded)
    if "features" in recorded and "features" in changes:
        merged["features"] = {**changes["features"], **recorded["features"]}
    return merged


def undo(record):
    """Return the restore steps for a record, in the order to apply them."""
    order = ("features", "ipv6_disabled", "addresses", "mtu", "noarp", "promisc", "up")
    return [(key, record[key]) for key in order if key in record]
