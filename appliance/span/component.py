"""The side capture as a `spanflow run` component: a supervised child, its report, its alerts."""

import json
import logging
import os
import sys

import appliance

from ..detect.finding import Finding
from .. import statefile
from ..supervisor.child import Child, Periodic
from . import inventory

log = logging.getLogger(__name__)
REPORT_EVERY = 5
EVENTS_EVERY = 5
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(appliance.__file__)))


def command(cfg, paths):
    """Return (argv, env) of the side capture on the mirror interface."""
    s = cfg.span
    argv = [sys.executable, "-m", "appliance.span.sidecap", "--interface", cfg.mirror.interface,
            "--state", paths.span_state, "--database", paths.database,
            "--budget", str(s.budget), "--sweep-targets", str(s.arp_sweep_hosts)]
    argv += [f"--expect-subnet={n}" for n in s.expected_subnets]
    argv += [f"--expect-vlan={v}" for v in s.expected_vlans]
    # the package's modules live in a private directory (/usr/lib/spanflow): tell the child
    return argv, {"PYTHONPATH": PACKAGE_ROOT}


def finding(event, new_device_alert=False):
    """Return the Finding of one ARP census event, or None when it is not alerted on."""
    kind, ip, mac = event["kind"], event.get("ip"), event.get("mac")
    if kind == "arp_sweep":
        return Finding("arp_sweep", mac, "medium",
                       f"{mac} ({ip}) asked for {event['targets']} addresses by ARP within "
                       f"{int(event['ts'] - event['first'])} s, {event['unanswered']} of them "
                       "unanswered: a sweep of the local subnet (as `nmap -sn` does); no flow "
                       "record shows it", f"host {ip}", hosts=(ip,))
    if kind == "mac_conflict":
        return Finding("arp_change", ip, "high",
                       f"{ip} is claimed in turn by MACs {event['previous']} and {mac}: two hosts "
                       "hold the address (duplicate IP) or one spoofs it (ARP spoofing)",
                       f"host {ip}", hosts=(ip,))
    if kind == "new_host" and new_device_alert:
        return Finding("new_device", ip, "low", f"new device {ip} (MAC {mac}) on the mirror",
                       f"host {ip}", hosts=(ip,))
    return None


class EventReader:
    """Hand the side capture's new span_events to the detector, each once, across restarts too."""

    NAME = "detector"

    def __init__(self, cfg, paths, detector):
        self.cfg, self.paths, self.detector = cfg, paths, detector
        self.handed = 0

    def __call__(self):
        con = inventory.connect(self.paths.database)
        try:
            for row_id, body in inventory.events_after(con, self.NAME):
                event = json.loads(body)
                f = finding(event, self.cfg.span.new_device_alert)
                if f is not None:
                    self.detector.raise_findings([f], event.get("first", event["ts"]),
                                                 event["ts"])
                    self.handed += 1
                inventory.taken(con, self.NAME, row_id)
        finally:
            con.close()
        return {"events_handed": self.handed}


def side_capture(cfg, paths, detector, clock):
    """Return the side capture as a supervised child with its report and events in status."""
    return Child("span", lambda: command(cfg, paths), clock=clock, periodic=[
        Periodic("report", REPORT_EVERY, lambda: statefile.read(paths.span_state)),
        Periodic("events", EVENTS_EVERY, EventReader(cfg, paths, detector))])
