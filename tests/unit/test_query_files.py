"""The catalogue of closed flow files: incremental, shared, and right after every change."""

import os
from datetime import datetime, timezone

from appliance.query import files

UTC = timezone.utc


def make(folder, *names):
    for name in names:
        (folder / name).write_bytes(b"x" * 5000)


def test_catalogue_follows_rotation_and_expiry(tmp_path):
    make(tmp_path, "nfcapd.202611271900", "nfcapd.202611271901", "nfcapd.current.7", "notes.txt")
    cat = files.Catalogue(str(tmp_path))
    assert cat.names() == ["nfcapd.202611271900", "nfcapd.202611271901"]
    assert cat.current() == ["nfcapd.current.7"]
    assert cat.disk_bytes() >= 2 * 4096
    before = cat.version
    # a rotation: the current file is renamed, a new one appears
    os.rename(tmp_path / "nfcapd.current.7", tmp_path / "nfcapd.202611271902")
    make(tmp_path, "nfcapd.current.7")
    # nfexpire removes the oldest
    os.unlink(tmp_path / "nfcapd.202611271900")
    assert cat.names() == ["nfcapd.202611271901", "nfcapd.202611271902"]
    assert cat.after("nfcapd.202611271901") == ["nfcapd.202611271902"]
    assert cat.version > before
    assert [s for s, _ in cat.files()] == [datetime(2026, 11, 27, 19, m, tzinfo=UTC) for m in (1, 2)]


def test_an_unchanged_directory_is_not_listed_again(tmp_path, monkeypatch):
    make(tmp_path, "nfcapd.202611271900")
    old = 1_700_000_000
    os.utime(tmp_path, (old, old))  # settled long ago: the listing may be trusted
    cat = files.Catalogue(str(tmp_path))
    assert len(cat.names()) == 1
    listed = []
    real = os.listdir
    monkeypatch.setattr(files.os, "listdir", lambda d: listed.append(d) or real(d))
    for _ in range(5):
        cat.names()
    assert listed == []
    make(tmp_path, "nfcapd.202611271901")  # moves the directory's mtime
    assert len(cat.names()) == 2 and len(listed) == 1


def test_a_change_in_the_same_tick_is_seen_later(tmp_path):
    make(tmp_path, "nfcapd.202611271900")
    cat = files.Catalogue(str(tmp_path))
    assert len(cat.names()) == 1
    make(tmp_path, "nfcapd.202611271901")
    st = os.stat(tmp_path)
    os.utime(tmp_path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same mtime as before the change
    assert len(cat.names()) == 2  # the listing was too recent to trust


def test_missing_directory_is_empty_then_found(tmp_path):
    cat = files.Catalogue(str(tmp_path / "flows"))
    assert cat.names() == [] and cat.current() == [] and cat.disk_bytes() == 0
    (tmp_path / "flows").mkdir()
    make(tmp_path / "flows", "nfcapd.20261127190005")
    assert cat.names() == ["nfcapd.20261127190005"]


def test_shared_per_directory(tmp_path):
    assert files.catalogue(str(tmp_path)) is files.catalogue(str(tmp_path) + "/")


def test_since_on_second_names_and_far_years(tmp_path):
    make(tmp_path, "nfcapd.20261127190000", "nfcapd.20261127190005", "nfcapd.20261127190010")
    names = [n for _, n in files.closed_files(str(tmp_path), datetime(2026, 11, 27, 19, 0, 7,
                                                                          tzinfo=UTC))]
    assert names == ["nfcapd.20261127190005", "nfcapd.20261127190010"]
    assert len(files.closed_files(str(tmp_path), datetime(1, 1, 1, tzinfo=UTC))) == 3
    assert len(files.closed_files(str(tmp_path), datetime(9999, 1, 1, tzinfo=UTC))) == 1


def test_any_change_keeps_names_and_sizes_right(tmp_path):
    make(tmp_path, "nfcapd.202611271900", "nfcapd.202611271902", "nfcapd.20261127190130")
    cat = files.Catalogue(str(tmp_path))
    assert cat.names() == ["nfcapd.202611271900", "nfcapd.20261127190130", "nfcapd.202611271902"]
    total = cat.disk_bytes()
    os.unlink(tmp_path / "nfcapd.20261127190130")  # from the middle
    (tmp_path / "nfcapd.202611271901").write_bytes(b"x" * 50000)  # into the middle, bigger
    assert cat.names() == ["nfcapd.202611271900", "nfcapd.202611271901", "nfcapd.202611271902"]
    assert cat.disk_bytes() > total
    assert cat.index("nfcapd.202611271901") == 1 and cat.index("nfcapd.20261127190130") is None
    assert cat.name_at(-1) == "nfcapd.202611271902" and cat.refresh().count() == 3
    assert cat.after("") == cat.names() and cat.after("nfcapd.202611271902") == []
