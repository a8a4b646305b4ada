"""`spanflow status` prints nested readings as one readable line each, not JSON fragments."""

from appliance.cli import runcmd


def test_nested_readings_are_readable_lines():
    data = {"pid": 1, "started": "s", "updated": "u", "collector": {
        "state": "running", "pid": 6, "restarts": 0,
        "retention": {"/var/lib/spanflow/flows": {"bytes": 0, "files": 0}},
        "health": {"bad_packets": 3188, "sequence_errors": 5882, "last_interval": None}}}
    text = runcmd.render(data, False)
    assert "  health: bad_packets 3188, sequence_errors 5882" in text
    assert "  retention: /var/lib/spanflow/flows (bytes 0, files 0)" in text
    assert "{" not in text and '"' not in text
