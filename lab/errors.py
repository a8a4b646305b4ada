"""The lab's error: one line saying what failed and what to do."""

from appliance.errors import SpanflowError


class LabError(SpanflowError):
    """The lab could not start, run or clean up."""
