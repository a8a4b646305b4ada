"""ensure_rmem raises net.core.rmem_max only when lower, and RaisedRmem puts it back (stand-in file)."""

import logging

from appliance.collector.buffer import RaisedRmem, ensure_rmem


def test_raises_when_lower_and_logs(tmp_path, caplog):
    f = tmp_path / "rmem_max"
    f.write_text("212992\n")
    with caplog.at_level(logging.INFO):
        assert ensure_rmem(16 << 20, path=str(f)) == 212992
    assert f.read_text().strip() == str(16 << 20)
    assert "raised net.core.rmem_max from 212992" in caplog.text


def test_leaves_higher_value_alone(tmp_path):
    f = tmp_path / "rmem_max"
    f.write_text("33554432\n")
    assert ensure_rmem(16 << 20, path=str(f)) is None
    assert f.read_text().strip() == "33554432"


def test_unwritable_is_reported_not_fatal(tmp_path, caplog, monkeypatch):
    f = tmp_path / "rmem_max"
    f.write_text("1000\n")
    real_open = open

    def refusing_open(path, mode="r", *a, **kw):
        if "w" in mode:
            raise PermissionError(13, "Permission denied")  # as in a container without sysctl rights
        return real_open(path, mode, *a, **kw)

    monkeypatch.setattr("builtins.open", refusing_open)
    assert ensure_rmem(2000, path=str(f)) is None
    assert "cannot raise net.core.rmem_max from 1000 to 2000" in caplog.text


def test_raised_limit_is_restored_after_the_collector(tmp_path):
    f = tmp_path / "rmem_max"
    f.write_text("212992\n")
    raised = RaisedRmem(16 << 20, path=str(f))
    raised.ensure()
    raised.ensure()  # a restart: still the first value is what goes back
    assert f.read_text().strip() == str(16 << 20)
    raised.restore()
    raised.restore()  # twice is harmless
    assert f.read_text().strip() == "212992"


def test_a_limit_changed_by_another_is_left_alone(tmp_path):
    f = tmp_path / "rmem_max"
    f.write_text("212992\n")
    raised = RaisedRmem(16 << 20, path=str(f))
    raised.ensure()
    f.write_text("67108864\n")  # the admin raised it further meanwhile
    raised.restore()
    assert f.read_text().strip() == "67108864"
