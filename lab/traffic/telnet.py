"""A cleartext login service on the server's port 23 (the client side is the real telnet)."""

import socket
import threading

IAC = 255


def _strip_telnet(data):
    """Drop telnet option negotiation (IAC sequences) from received bytes."""
    out, i = bytearray(), 0
    while i < len(data):
        if data[i] == IAC and i + 1 < len(data):
            i += 3 if data[i + 1] in (251, 252, 253, 254) else 2
            continue
        out.append(data[i])
        i += 1
    return bytes(out)


def _readline(conn):
    line = b""
    while not line.endswith(b"\n"):
        chunk = conn.recv(256)
        if not chunk:
            return None
        line += _strip_telnet(chunk)
    return line.strip().decode(errors="replace")


def _session(conn):
    with conn:
        conn.settimeout(30)
        try:
            conn.sendall(b"\r\nOffice switch console\r\nlogin: ")
            user = _readline(conn)
            conn.sendall(b"Password: ")
            if user is None or _readline(conn) is None:
                return
            conn.sendall(f"\r\nWelcome {user}\r\n$ ".encode())
            while True:
                cmd = _readline(conn)
                if cmd is None or cmd in ("exit", "logout"):
                    conn.sendall(b"bye\r\n")
                    return
                conn.sendall(f"{cmd}: ok\r\n$ ".encode())
        except OSError:
            return


def serve(ctx):
    """Accept telnet logins until stopped."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((ctx.ip, 23))
    srv.listen(8)
    srv.settimeout(0.2)
    ctx.ready.set()
    try:
        while ctx.running():
            try:
                conn, _peer = srv.accept()
            except socket.timeout:
                continue
            threading.Thread(target=_session, args=(conn,), daemon=True).start()
    finally:
        srv.close()
