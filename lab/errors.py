"""The lab's errors: one line saying what failed and what to do."""

from appliance.errors import SpanflowError


class LabError(SpanflowError):
    """The lab could not start, run or clean up."""


class UsageError(LabError):
    """The command line asked for something that does not exist (exit 2, as argparse's)."""

    exit_code = 2
