"""Walking pcap and pcapng records, cutting them into time slices, and stopping at damage."""

import struct

import pytest

from appliance.collector import replay
from appliance.collector.capture import Capture, CaptureError
from support import timeline


def slices(path, step=60):
    cap = Capture(path)
    try:
        return [(start, count) for start, _h, _b, _e, count in replay.slices(cap, step)], cap
    finally:
        cap.close()


def expected(step=60):
    out = {}
    for t, _ in timeline.packets():
        m = int(t // step) * step
        out[m] = out.get(m, 0) + 1
    return sorted(out.items())


@pytest.mark.parametrize("kind", ["pcap", "pcapng-us", "pcapng-ns"])
def test_slices_follow_the_capture_minutes(tmp_path, kind):
    path = str(tmp_path / "c")
    if kind == "pcap":
        timeline.write(path)
    else:
        timeline.write_pcapng(path, nanoseconds=kind.endswith("ns"))
    got, cap = slices(path)
    assert got == expected() and cap.error is None and cap.packets == len(timeline.packets())


def test_a_slice_is_a_capture_of_its_own(tmp_path):
    # header + byte range: the slice's first record starts right after its header
    path = str(tmp_path / "c.pcapng")
    timeline.write_pcapng(path)
    cap = Capture(path)
    parts = list(replay.slices(cap, 60))
    second = parts[1][1] + cap.chunk(parts[1][2], parts[1][3])
    cap.close()
    assert second[:4] == b"\x0a\x0d\x0d\x0a"  # section header, then the interface block
    kind, length = struct.unpack_from("<II", second, 28)
    assert kind == 1
    assert struct.unpack_from("<I", second, 28 + length)[0] == 6  # then a packet


def test_slice_names_are_nfcapds():
    assert replay.slice_name(timeline.T0, 60) == "nfcapd.202311142214"
    assert replay.slice_name(timeline.T0 + 10, 5) == "nfcapd.20231114221410"


def test_truncated_and_corrupt_records_stop_the_walk(tmp_path):
    path = str(tmp_path / "c.pcap")
    ends = timeline.write(path)
    data = open(path, "rb").read()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(data[:ends[9] + 20])  # inside the 11th packet
    got, cap = slices(str(cut))
    assert sum(n for _, n in got) == 10 and cap.error.startswith(f"at byte {ends[9]} ")
    assert "truncated" in cap.error
    bad = bytearray(data)
    struct.pack_into("<I", bad, ends[4] + 8, 10_000_000)  # the 6th record's length
    (tmp_path / "bad.pcap").write_bytes(bytes(bad))
    got, cap = slices(str(tmp_path / "bad.pcap"))
    assert sum(n for _, n in got) == 5 and "corrupt" in cap.error


def test_not_a_capture_is_one_clear_error(tmp_path):
    (tmp_path / "x").write_text("hello, this is not a capture at all")
    with pytest.raises(CaptureError, match="is not a pcap or pcapng capture"):
        Capture(str(tmp_path / "x"))
    (tmp_path / "y").write_bytes(b"\xd4\xc3")
    with pytest.raises(CaptureError, match="too short"):
        Capture(str(tmp_path / "y"))
