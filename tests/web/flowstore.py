"""The flow-store maker, now in tests/support; these names stay for tests/faults and bench/."""

from support.flowstore import build, closed, free_udp_port, ingest, stored_flows, udp_backlog  # noqa: F401
