"""SPAN health and the inventory on a real office capture (tests/fixtures/span/record.py).

office.pcap holds real avahi-daemon, nmbd, minidlnad, dnsmasq + udhcpc announcements, 30 HTTP
conversations and `nmap -sn` of the /24, recorded on a tap port of a hub. The mirror faults are
made from it the way switches make them: every frame twice (both directions of two mirrored
ports), one side's frames only (a receive-only session).
"""

import os
import struct
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from appliance.collector.capture import Capture
from appliance.span import arp as arp_census, capture, component, decode, observer, view
from appliance.span.names import netbios
from support import timeline

PCAP = os.path.join(os.path.dirname(__file__), "..", "fixtures", "span", "office.pcap")
NAS, LAPTOP_NAME = "10.9.0.20", "laptop-ana"


def frames():
    cap = Capture(PCAP)
    try:
        return [(bytes(frame), ts) for ts, frame in cap.frames()]
    finally:
        cap.close()


def observe(items, **kw):
    o = observer.Observer(**kw)
    for frame, ts in items:
        o.feed(frame, ts)
    return o, o.report(items[-1][1])


def source_mac(ip):
    for frame, _ts in frames():
        p = decode.decode(frame)
        if p and p.src == ip:
            return p.src_mac
    raise AssertionError(f"{ip} sent nothing")


def test_a_clean_mirror_is_healthy():
    o, report = observe(frames(), expected_subnets=["10.9.0.0/24"])
    assert report["verdict"] == "ok", report["summary"]
    assert report["duplicates"]["duplicates"] == 0 and report["duplicates"]["sampled"] > 200
    assert report["one_way"] == {"conversations": 30, "one_way": 0, "share": 0.0}
    assert report["coverage"]["missing_subnets"] == []


def test_hosts_are_named_from_their_own_announcements():
    o, _ = observe(frames())
    hosts = o.take_hosts()
    assert hosts["10.9.0.21"]["name"] == "printer-2f"  # avahi: A record of its host name
    assert hosts["10.9.0.21"]["kind"] == "printer"  # avahi: its _ipp._tcp service
    assert hosts[NAS]["name"] == "FILESRV-01"  # nmbd's registration, not its workgroup OFFICE
    assert hosts["10.9.0.22"]["kind"] == "media server"  # minidlnad's SSDP NOTIFY
    assert "MiniDLNA" in hosts["10.9.0.22"]["detail"]
    laptop = [h for h in hosts.values() if h.get("name") == LAPTOP_NAME]
    assert laptop and laptop[0]["kind"] == "Windows host"  # udhcpc -V "MSFT 5.0"
    assert laptop[0]["sources"] == {"dhcp"}


def test_nmap_ping_sweep_is_an_arp_sweep():
    o, report = observe(frames())
    sweeps = [e for e in o.take_events() if e["kind"] == "arp_sweep"]
    assert len(sweeps) == 1 and sweeps[0]["ip"] == "10.9.0.66"
    assert report["arp"]["sweeping"] == [sweeps[0]["mac"]]
    assert sweeps[0]["unanswered"] >= 100
    f = component.finding(sweeps[0])
    assert (f.rule, f.key, f.hosts) == ("arp_sweep", sweeps[0]["mac"], ("10.9.0.66",))


def test_a_mirror_that_doubles_packets_says_counts_are_doubled():
    doubled = [x for frame, ts in frames() for x in ((frame, ts), (frame, ts + 0.0002))]
    _o, report = observe(doubled)
    assert report["verdict"] == "bad"
    assert report["duplicates"]["share"] == 1.0
    assert "duplicates 100% of packets: counts are doubled" in report["summary"][0]


def test_a_receive_only_mirror_says_one_way():
    nas = source_mac(NAS)
    one_side = [(f, ts) for f, ts in frames() if decode.decode(f).src_mac != nas]
    _o, report = observe(one_side)
    assert report["verdict"] == "bad"
    assert report["one_way"]["one_way"] == report["one_way"]["conversations"] == 30
    assert "seen in one direction only" in " ".join(report["summary"])


def test_an_expected_subnet_left_out_is_reported():
    _o, report = observe(frames(), expected_subnets=["10.9.0.0/24", "10.8.0.0/24"])
    assert report["verdict"] == "warn"
    assert report["coverage"]["missing_subnets"] == ["10.8.0.0/24"]


def test_two_macs_claiming_an_address_in_turn_is_an_arp_change_a_single_move_is_not():
    o, _ = observe(frames())
    o.take_events()
    arp = next(f for f, _ts in frames() if (p := decode.decode(f)).arp and p.arp.sender_ip == NAS)
    spoof = bytearray(arp)
    spoof[22:28] = bytes.fromhex("02deadbeef01")  # ARP sender hardware address
    end = frames()[-1][1]
    o.feed(bytes(spoof), end + 1)  # once: a device swap or a new DHCP lease
    moved = o.take_events()
    assert [e["kind"] for e in moved] == ["mac_moved"] and component.finding(moved[0]) is None
    o.feed(arp, end + 2)  # and back: the two claim it in turn
    o.feed(bytes(spoof), end + 3)
    conflicts = [e for e in o.take_events() if e["kind"] == "mac_conflict"]
    assert conflicts and conflicts[0]["ip"] == NAS
    assert component.finding(conflicts[0]).rule == "arp_change"
    assert o.report(end + 3)["arp"]["mac_changes"] == 3


def test_a_gateway_asking_for_live_hosts_is_no_sweep():
    # the same 254 requests as nmap's, but every target answers: a busy gateway, not a sweep
    census = arp_census.Census()
    for n in range(1, 255):
        target = f"10.9.1.{n}"
        census.feed(decode.Arp(2, f"02:00:00:00:01:{n:02x}", target, "10.9.1.254"), n)
        census.feed(decode.Arp(1, "02:00:00:00:00:fe", "10.9.1.254", target), n + 0.5)
    assert [e for e in census.take() if e["kind"] == "arp_sweep"] == []


def test_new_devices_alert_only_when_asked():
    event = {"kind": "new_host", "ip": "10.9.0.77", "mac": "02:00:00:00:00:01", "ts": 1.0}
    assert component.finding(event) is None
    assert component.finding(event, new_device_alert=True).rule == "new_device"


def test_a_workgroup_registration_names_no_host():
    # nmbd registers its workgroup OFFICE<00> with the group bit set: never a host's name
    names = set()
    for frame, _ts in frames():
        p = decode.decode(frame)
        if p and p.sport == 137:
            names |= {s.name for s in netbios(p.src, p.payload)}
    assert names == {"FILESRV-01"}


def test_status_lines_and_metrics_read_the_report():
    _o, report = observe(frames())
    part = {"state": "running", "restarts": 0, "report": {**report, "over_budget": 0}}
    text = "\n".join(view.lines(part))
    assert "verdict: ok" in text and "ARP census: 6 hosts" in text
    numbers = view.numbers(part)
    assert numbers["duplicated_share"] == 0 and numbers["conversations"] == 30
    assert view.lines({}) == ["  no side-capture report yet"] and view.numbers({}) == {}


def test_the_capture_filter_compiles_and_a_bad_one_is_refused():
    assert len(capture.compile_filter(capture.FILTER)) > 20
    with pytest.raises(ValueError):
        capture.compile_filter("port 99999999")


def test_frames_of_a_pcapng_capture_equal_the_pcap_ones(tmp_path):
    ng = tmp_path / "office.pcapng"
    timeline.write_pcapng(str(ng), [(ts, frame) for frame, ts in frames()], nanoseconds=True)
    cap = Capture(str(ng))
    try:
        got = [(bytes(frame), round(ts, 6)) for ts, frame in cap.frames()]
    finally:
        cap.close()
    assert cap.format == "pcapng"
    assert got == [(frame, round(ts, 6)) for frame, ts in frames()]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.sampled_from([0x0800, 0x86DD, 0x0806, 0x8100]),
       st.sampled_from([6, 17, 1]), st.sampled_from([5353, 137, 1900, 67, 80]))
def test_any_frame_is_read_or_counted_never_raises(body, ethertype, proto, port):
    head = bytes(12) + struct.pack("!H", ethertype)
    ip4 = bytes([0x45, 0, 0, 40, 0, 0, 0, 0, 64, proto, 0, 0]) + bytes(8)
    o = observer.Observer()
    for frame in (head + body, head + ip4 + struct.pack("!HH", port, port) + body):
        o.feed(frame, 1.0)
    assert o.frames == 2


def test_packets_of_connections_begun_before_the_window_make_nothing_one_way():
    # the kernel filter samples data packets of long connections: one side's sample alone is no
    # evidence of a one-way mirror; only conversations with a handshake's control packets count
    data = [(f, ts) for f, ts in frames()
            if (p := decode.decode(f)).proto == 6 and not p.flags & 0x07]
    assert data
    _o, report = observe(data)
    assert report["one_way"]["conversations"] == 0


def test_a_stuck_side_capture_is_said_to_be_stuck():
    _o, report = observe(frames())
    now = datetime.now(timezone.utc)
    fresh = {**report, "updated": now.isoformat()}
    old = {**report, "updated": (now - timedelta(seconds=view.REPORT_STALE + 5)).isoformat()}
    assert view.item({"state": "running", "report": fresh})["level"] == "ok"
    stuck = view.item({"state": "running", "report": old})
    assert stuck["level"] == "warn" and "stuck" in stuck["summary"]
