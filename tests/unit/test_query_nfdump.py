"""The nfdump runner: its deadline kills the child, and its exit status and reason come back."""

import pytest

from appliance.errors import ToolError
from appliance.query import nfdump


def test_deadline_kills_the_child_and_says_so():
    with pytest.raises(ToolError, match="took longer than 0.2s"):
        nfdump._run("/bin/sleep", ["30"], 0.2)


def test_failure_carries_the_last_stderr_line():
    with pytest.raises(nfdump.NfdumpFailed) as caught:
        nfdump._run("/bin/sh", ["-c", "echo first >&2; echo 'bad thing' >&2; exit 3"], 5)
    assert (caught.value.reason, caught.value.returncode) == ("bad thing", 3)


def test_output_is_text():
    assert nfdump._run("/bin/sh", ["-c", "printf 'a|b\\n'"], 5) == "a|b\n"


def test_missing_binary_names_the_package():
    with pytest.raises(ToolError, match="install the Debian package nfdump"):
        nfdump._run("/nonexistent/nfdump", [], 5)
