"""The cluster connection: the only clickhouse-driver user; its errors become spanflow's."""

import logging

from ..errors import SpanflowError, ToolError

log = logging.getLogger(__name__)


class ClusterUnavailable(ToolError):
    """No server of the cluster answered, or the one that did failed the statement."""


def _split(endpoint):
    host, _, port = endpoint.rpartition(":")
    return host.strip("[]"), int(port)


def _driver():
    try:
        import clickhouse_driver  # imported here: a box without [fleet] never loads it
        from clickhouse_driver import errors
    except ImportError:
        raise SpanflowError("the fleet needs python3-clickhouse-driver: "
                            "apt-get install python3-clickhouse-driver") from None
    return clickhouse_driver, errors


class Connection:
    """One session with the first server of `endpoints` that answers (driver alt_hosts)."""

    def __init__(self, fleet, endpoints=None):
        driver, self.errors = _driver()
        endpoints = list(endpoints or fleet.endpoints)
        if not endpoints:
            raise SpanflowError("[fleet] endpoints is empty: name the cluster's servers "
                                '(e.g. endpoints = ["ch1:9000", "ch2:9000"]), see docs/fleet.md')
        self.where = ", ".join(endpoints)
        host, port = _split(endpoints[0])
        extra = {}
        if fleet.tls:
            extra.update(secure=True, verify=True)
            if fleet.tls_ca:
                extra["ca_certs"] = fleet.tls_ca
        self.client = driver.Client(
            host, port=port, database="default", user=fleet.user, password=fleet.password,
            alt_hosts=",".join(endpoints[1:]) or None, connect_timeout=min(fleet.timeout, 5),
            send_receive_timeout=fleet.timeout, sync_request_timeout=fleet.timeout,
            compression=False, **extra,
            settings={"insert_block_size": 1048576})

    def execute(self, sql, params=None, settings=None, **kw):
        """Run one statement; any failure is a ClusterUnavailable naming the servers tried."""
        log.debug("clickhouse: %s", sql[:200])
        try:
            return self.client.execute(sql, params, settings=settings, **kw)
        except self.errors.ServerException as exc:
            text = (exc.message or str(exc)).strip().splitlines()[0]
            text = text.split(". Stack trace:")[0].rstrip(". ")
            raise ClusterUnavailable(f"cluster ({self.where}) refused: {text}") from None
        except (self.errors.Error, OSError, EOFError) as exc:
            raise ClusterUnavailable(f"cluster ({self.where}) unreachable: "
                                     f"{type(exc).__name__}: {exc}") from None

    def insert(self, table, columns, data):
        """Insert column lists in one atomic block, waiting until its shard has stored it."""
        # insert_distributed_sync: the Distributed table forwards the block before answering,
        # so an answer means stored (not queued on the receiving server's disk).
        return self.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES", data,
                            settings={"insert_distributed_sync": 1}, columnar=True,
                            types_check=False)

    def close(self):
        try:
            self.client.disconnect()
        except Exception:  # closing a broken socket: nothing left to do
            pass
