"""Translate an nfdump filter into a ClickHouse WHERE clause, or refuse it by name (pure).

Only what the cluster's columns can answer exactly is translated; anything else (TCP flags, AS
numbers, interfaces, ...) is refused with the word that cannot be searched, never ignored.
Literals are checked and rebuilt here (numbers, addresses as hex), so no user text reaches SQL.
"""

import ipaddress
import re

from ..errors import FilterError
from ..query.normal import PROTO_NUMBERS

SUPPORTED = ("any, inet/ipv4, inet6/ipv6, proto NAME|NUMBER, [src|dst] host|ip ADDR, "
             "[src|dst] net CIDR, [src|dst] port [OP] N, port in [N ...], host in [ADDR ...], "
             "packets|bytes|duration [OP] N, icmp-type N, icmp-code N, and/or/not, ( )")
PROTOS = PROTO_NUMBERS | {"ipv6-icmp": 58, "icmpv6": 58}
OPS = {"=": "=", "==": "=", "eq": "=", ">": ">", "gt": ">", "<": "<", "lt": "<",
       ">=": ">=", "ge": ">=", "<=": "<=", "le": "<="}
SCALE = {"": 1, "k": 1000, "m": 1000 ** 2, "g": 1000 ** 3}
_TOKEN = re.compile(r"\s*(>=|<=|==|&&|\|\||[()\[\]!=<>,]|[^\s()\[\]!=<>,]+)")
_NUMBER = re.compile(r"^(\d+)([kmg]?)$")


def tokens(text):
    """Split a filter into tokens (words, brackets, comparison operators)."""
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise FilterError(f"cannot read the filter at character {pos + 1}")
        out.append(m.group(1))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text):
        self.text, self.toks, self.i = text, tokens(text), 0

    def peek(self, ahead=0):
        j = self.i + ahead
        return self.toks[j].lower() if j < len(self.toks) else None

    def take(self):
        tok = self.peek()
        if tok is None:
            self.refuse("the filter ends too early")
        self.i += 1
        return tok

    def expect(self, want):
        got = self.take()
        if got != want:
            self.refuse(f"expected {want!r}, found {got!r}")

    def refuse(self, why):
        raise FilterError(f"cannot search the cluster with {self.text!r}: {why}")

    def untranslatable(self, word):
        raise FilterError(f"cannot search the cluster with {self.text!r}: {word!r} has no "
                          f"column there (the cluster keeps: {SUPPORTED}); search the sensor "
                          "itself with `spanflow flows` for it")

    def parse(self):
        if not self.toks:
            return "1"
        sql = self.expr()
        if self.peek() is not None:
            self.refuse(f"unexpected {self.peek()!r}")
        return sql

    def expr(self):
        parts = [self.term()]
        while self.peek() in ("or", "||"):
            self.take()
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def term(self):
        parts = [self.factor()]
        while self.peek() in ("and", "&&"):
            self.take()
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def factor(self):
        tok = self.peek()
        if tok in ("not", "!"):
            self.take()
            return f"NOT {self.factor()}"
        if tok == "(":
            self.take()
            sql = self.expr()
            self.expect(")")
            return sql
        return self.primitive()

    def direction(self):
        """Return the column prefixes a src/dst qualifier names: ("src",), ("dst",) or both."""
        tok = self.peek()
        if tok not in ("src", "dst"):
            return ("src", "dst"), "OR"
        self.take()
        if self.peek() in ("or", "and") and self.peek(1) == ("dst" if tok == "src" else "src"):
            joint = self.take().upper()
            self.take()
            return ("src", "dst"), joint
        return (tok,), "OR"

    def primitive(self):
        tok = self.peek()
        if tok is None:
            self.refuse("the filter ends too early")
        if tok == "any":
            self.take()
            return "1"
        if tok in ("inet", "ipv4"):
            self.take()
            return "(position(src, ':') = 0)"
        if tok in ("inet6", "ipv6"):
            self.take()
            return "(position(src, ':') > 0)"
        if tok == "proto":
            self.take()
            return f"(proto = {self.protocol()})"
        if tok in ("packets", "bytes", "duration"):
            self.take()
            op, value = self.comparison()
            column = "duration * 1000" if tok == "duration" else tok  # nfdump: milliseconds
            return f"({column} {op} {value})"
        if tok in ("icmp-type", "icmp-code"):
            self.take()
            value = self.number(0, 255)
            return f"(proto IN (1, 58) AND icmp_{tok[5:]} = {value})"
        sides, joint = self.direction()
        what = self.peek()
        if what in ("host", "ip"):
            self.take()
            return self.joined(sides, joint, self.addresses)
        if what == "net":
            self.take()
            return self.joined(sides, joint, self.network)
        if what == "port":
            self.take()
            return self.joined(sides, joint, self.ports)
        if what is None:
            self.refuse("the filter ends too early")
        self.untranslatable(what)

    def joined(self, sides, joint, build):
        test = build()
        parts = [test(side) for side in sides]
        return parts[0] if len(parts) == 1 else "(" + f" {joint} ".join(parts) + ")"

    def protocol(self):
        tok = self.take()
        if tok.isdigit() and int(tok) < 256:
            return int(tok)
        if tok in PROTOS:
            return PROTOS[tok]
        self.refuse(f"unknown protocol {tok!r}")

    def number(self, lo=0, hi=None, scaled=False):
        tok = self.take()
        m = _NUMBER.match(tok)
        if not m or (m.group(2) and not scaled):
            self.refuse(f"expected a number, found {tok!r}")
        value = int(m.group(1)) * SCALE[m.group(2)]
        if value < lo or (hi is not None and value > hi):
            self.refuse(f"{tok} is outside {lo}-{hi}")
        return value

    def comparison(self, hi=None):
        op = OPS.get(self.peek(), None)
        if op is not None:
            self.take()
        return op or "=", self.number(0, hi, scaled=hi is None)

    def address(self):
        tok = self.take()
        try:
            return ipaddress.ip_address(tok)
        except ValueError:
            self.refuse(f"{tok!r} is not an IP address (host names are not resolved)")

    def listed(self, item):
        self.expect("[")
        values = []
        while self.peek() not in ("]", None):
            if self.peek() == ",":
                self.take()
                continue
            values.append(item())
        self.expect("]")
        if not values:
            self.refuse("an empty list")
        return values

    def addresses(self):
        if self.peek() == "in":
            self.take()
            addrs = self.listed(self.address)
        else:
            addrs = [self.address()]
        hexes = ", ".join(f"unhex('{_hex16(a)}')" for a in addrs)
        return lambda side: f"({side}_ip IN ({hexes}))"

    def network(self):
        tok = self.take()
        try:
            if "/" not in tok and self.peek() and re.match(r"^\d+\.\d+\.\d+\.\d+$", self.peek()):
                tok = f"{tok}/{self.take()}"  # nfdump's "net 10.0.0.0 255.0.0.0"
            net = ipaddress.ip_network(tok, strict=False)
        except ValueError:
            self.refuse(f"{tok!r} is not a network such as 10.1.0.0/16")
        lo, hi = _hex16(net.network_address), _hex16(net.broadcast_address)
        return lambda side: (f"({side}_ip >= unhex('{lo}') AND {side}_ip <= unhex('{hi}'))")

    def ports(self):
        if self.peek() == "in":
            self.take()
            values = ", ".join(str(p) for p in self.listed(lambda: self.number(0, 65535)))
            return lambda side: f"({side[0]}port IN ({values}))"
        op, value = self.comparison(hi=65535)
        return lambda side: f"({side[0]}port {op} {value})"  # columns sport, dport


def _hex16(addr):
    if addr.version == 4:
        return "00" * 10 + "ffff" + addr.packed.hex()
    return addr.packed.hex()


def translate(text):
    """Return the WHERE condition for an nfdump filter; raise FilterError when it cannot be."""
    return _Parser((text or "").strip()).parse()
