"""Read and change the mirror interface through pyroute2 (the only pyroute2 user)."""

import errno
import logging
import os

from pyroute2 import IPRoute
from pyroute2.ethtool import Ethtool
from pyroute2.netlink.exceptions import NetlinkError

from ..errors import InterfaceError
from .. import statefile
from . import plan as mplan

log = logging.getLogger(__name__)

IFF_UP, IFF_NOARP, IFF_PROMISC = 0x1, 0x80, 0x100
FLAGS = {"up": IFF_UP, "noarp": IFF_NOARP, "promisc": IFF_PROMISC}
IPV6_SYSCTL = "/proc/sys/net/ipv6/conf/{}/disable_ipv6"


def _index(ipr, name):
    found = ipr.link_lookup(ifname=name)
    if not found:
        raise mplan.missing(name, [ln.get_attr("IFLA_IFNAME") for ln in ipr.get_links()])
    return found[0]


def _ipv6_disabled(name):
    try:
        with open(IPV6_SYSCTL.format(name)) as f:
            return f.read().strip() == "1"
    except FileNotFoundError:  # no IPv6 in this kernel or namespace: nothing to turn off
        return True


def _set_ipv6_disabled(name, disabled):
    with open(IPV6_SYSCTL.format(name), "w") as f:
        f.write("1\n" if disabled else "0\n")


def _features():
    try:
        return Ethtool()
    except Exception as exc:  # pyroute2 raises various errors when genetlink ethtool is absent
        raise InterfaceError(f"cannot change offloads: pyroute2's ethtool interface failed ({exc}); "
                             "set [mirror] disable_offloads = false to leave them") from None


def _offloads(name):
    eth = _features()
    try:
        feats = eth.get_features(name).features
    finally:
        eth.close()
    return {n: f.enable for n, f in feats.items() if n in mplan.OFFLOADS and f.available}


def _default_route(ipr, index):
    for family in (2, 10):
        for route in ipr.get_routes(family=family, dst_len=0):
            if route.get_attr("RTA_OIF") == index:
                return True
    return False


def read_state(name):
    """Return the interface's LinkState; raise InterfaceError listing interfaces if missing."""
    with IPRoute() as ipr:
        index = _index(ipr, name)
        link = ipr.get_links(index)[0]
        addrs = tuple((a.get_attr("IFA_ADDRESS"), a["prefixlen"])
                      for a in ipr.get_addr(index=index))
        flags = link["flags"]
        return mplan.LinkState(
            name=name, up=bool(flags & IFF_UP), promisc=bool(flags & IFF_PROMISC),
            noarp=bool(flags & IFF_NOARP), mtu=link.get_attr("IFLA_MTU"), addresses=addrs,
            ipv6_disabled=_ipv6_disabled(name), features=_offloads(name),
            default_route=_default_route(ipr, index))


def check(mirror):
    """Raise InterfaceError if mirror.interface is missing or looks like a management port."""
    mplan.refuse_management(read_state(mirror.interface), mirror.allow_management)


def _set_flag(ipr, index, key, on):
    bit = FLAGS[key]
    ipr.link("set", index=index, flags=bit if on else 0, change=bit)


def _set_offloads(name, wanted):
    eth = _features()
    try:
        feats = eth.get_features(name)
        for fname, on in wanted.items():
            if fname in feats.features:
                feats.features[fname].enable = on
        eth.set_features(name, feats)
    finally:
        eth.close()


def _apply_step(ipr, name, index, key, value):
    """Set one setting to value (a 'before' value when restoring, the mirror value otherwise)."""
    if key in FLAGS:
        _set_flag(ipr, index, key, value)
    elif key == "mtu":
        ipr.link("set", index=index, mtu=value)
    elif key == "ipv6_disabled":
        _set_ipv6_disabled(name, value)
    elif key == "features":
        _set_offloads(name, value)
    elif key == "addresses":
        if not value:
            ipr.flush_addr(index=index)
            return
        for addr, prefixlen in value:
            try:
                ipr.addr("add", index=index, address=addr, prefixlen=prefixlen)
            except NetlinkError as exc:
                if exc.code != errno.EEXIST:  # link-local IPv6 comes back by itself
                    raise


def _mirror_value(key, before, mtu):
    """Return the value a mirror port wants for a setting that plan() said to change."""
    if key == "features":
        return {n: False for n in before}
    return {"up": True, "promisc": True, "noarp": True, "mtu": mtu,
            "addresses": [], "ipv6_disabled": True}[key]


def read_record(path):
    """Return the recorded changes {"interface", "changes"} of an earlier start, or None."""
    return statefile.read(path)


def apply(mirror, record_path):
    """Make mirror.interface a silent mirror port; record what changed so restore() undoes it."""
    name = mirror.interface
    earlier = read_record(record_path)
    if earlier and earlier["interface"] != name:
        # A crashed run on another interface: put that one back first.
        restore(record_path)
        earlier = None
    state = read_state(name)
    mplan.refuse_management(state, mirror.allow_management)
    changes = mplan.plan(state, mirror.mtu, mirror.disable_offloads)
    record = {"interface": name,
              "changes": mplan.merge(earlier["changes"] if earlier else {}, changes)}
    # Written before changing anything, so a crash half-way is still undone by the next start.
    statefile.write(record_path, record)
    order = ("ipv6_disabled", "addresses", "features", "mtu", "noarp", "promisc", "up")
    with IPRoute() as ipr:
        index = _index(ipr, name)
        for key in order:
            if key not in changes:
                continue
            log.debug("mirror %s: setting %s", name, key)
            try:
                _apply_step(ipr, name, index, key, _mirror_value(key, changes[key], mirror.mtu))
            except (OSError, NetlinkError) as exc:
                restore(record_path)
                raise InterfaceError(f"cannot set {key} on mirror interface {name} ({exc}); "
                                     "it was restored") from None
    log.info("mirror %s ready (changed: %s)", name, ", ".join(changes) or "nothing")
    return record


def restore(record_path):
    """Undo what apply() recorded; return the settings restored (empty if no record)."""
    record = read_record(record_path)
    if record is None:
        return []
    name, done = record["interface"], []
    try:
        with IPRoute() as ipr:
            index = _index(ipr, name)
            for key, before in mplan.undo(record["changes"]):
                try:
                    _apply_step(ipr, name, index, key, before)
                    done.append(key)
                except (OSError, NetlinkError) as exc:
                    log.warning("mirror %s: cannot restore %s (%s)", name, key, exc)
    except InterfaceError:
        log.warning("mirror %s is gone; nothing to restore", name)
    os.unlink(record_path)
    log.info("mirror %s restored (%s)", name, ", ".join(done) or "nothing")
    return done
