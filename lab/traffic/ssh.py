"""Real SSH: OpenSSH's sshd on the servers, keys made per run, interactive sessions and file copies."""

import os
import subprocess

SSHD = "/usr/sbin/sshd"
CLIENT_OPTS = ["-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
               "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=5"]
COMMANDS = ["uptime", "ls -l /etc | head -5", "df -h / | tail -1", "cat /proc/loadavg", "id",
            "ps -e | wc -l", "uname -a"]


def ssh_dir(run_dir):
    return os.path.join(run_dir, "ssh")


def _keygen(path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "spanflow-lab", "-f", path],
                   check=True, capture_output=True)


def prepare(run_dir, addresses, name="srv"):
    """Make this run's keys (once) and one host's sshd config; return that sshd's argv."""
    d = ssh_dir(run_dir)
    os.makedirs(d, exist_ok=True)
    if not os.path.exists(os.path.join(d, "host_ed25519")):
        _keygen(os.path.join(d, "host_ed25519"))
        _keygen(os.path.join(d, "client_ed25519"))
        with open(os.path.join(d, "client_ed25519.pub")) as src, \
                open(os.path.join(d, "authorized_keys"), "w") as dst:
            dst.write(src.read())
    listen = "".join(f"ListenAddress {a}\n" for a in addresses)
    # sshd in a Mininet host: own PidFile, no PAM, StrictModes off (pitfalls.md).
    conf = f"""{listen}Port 22
HostKey {d}/host_ed25519
PidFile {d}/sshd-{name}.pid
AuthorizedKeysFile {d}/authorized_keys
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication yes
KbdInteractiveAuthentication no
MaxStartups 100
Subsystem sftp /usr/lib/openssh/sftp-server
LogLevel ERROR
"""
    path = os.path.join(d, f"sshd_config-{name}")
    with open(path, "w") as f:
        f.write(conf)
    os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege-separation directory
    return [SSHD, "-D", "-e", "-f", path]


def interactive(ctx, server):
    """Log in with the run's key and type a few commands with human pauses."""
    key = os.path.join(ssh_dir(ctx.run_dir), "client_ed25519")
    proc = subprocess.Popen(["ssh", "-tt", "-i", key, *CLIENT_OPTS, f"root@{server}"],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(ctx.rng.randrange(2, 5)):
            if not ctx.pause(ctx.rng.uniform(0.3, 1.5)):
                break
            proc.stdin.write((ctx.rng.choice(COMMANDS) + "\n").encode())
            proc.stdin.flush()
        proc.stdin.write(b"exit\n")
        proc.stdin.close()
        return proc.wait(timeout=20) == 0
    except (BrokenPipeError, subprocess.TimeoutExpired):
        proc.kill()
        proc.wait()
        return False


def copy(ctx, server, n):
    """Copy a seeded random file to the server with scp."""
    d = ssh_dir(ctx.run_dir)
    local = os.path.join(d, f"upload-{ctx.host}-{n}.bin")
    with open(local, "wb") as f:
        f.write(ctx.rng.randbytes(ctx.rng.randrange(100_000, 1_000_000)))
    key = os.path.join(d, "client_ed25519")
    where = f"[{server}]" if ":" in server else server
    done = subprocess.run(["scp", "-q", "-i", key, *CLIENT_OPTS, local,
                           f"root@{where}:{d}/received-{ctx.host}-{n}.bin"],
                          capture_output=True, timeout=60)
    return done.returncode == 0


def servers(ctx):
    """Return [(address, weight)]: the office server over IPv4 and IPv6, the branch server (routed)."""
    srv, br1 = ctx.peers["srv"], ctx.peers["br1"]
    return [(srv[0], 5), (srv[2], 2), (br1[0], 2), (br1[2], 1)]


def sessions(ctx):
    """Alternate interactive sessions and file copies to the servers, minutes apart in real life."""
    ctx.ready.set()
    choices = servers(ctx)
    # The first sessions go to each server in turn (ws2 starting at the branch), so even a short
    # run has IPv4, IPv6 and routed sessions; then the weights pick.
    first = [a for a, _w in choices]
    first = first[2:] + first[:2] if ctx.host == "ws2" else first
    n = 0
    while ctx.pause(ctx.rng.uniform(0.5, 2.5)):
        n += 1
        server = first[n - 1] if n <= len(first) else \
            ctx.rng.choices([a for a, _w in choices], [w for _a, w in choices])[0]
        if n % 2:
            ok = interactive(ctx, server)
        else:
            ok = copy(ctx, server, n)
        ctx.ledger.session("ssh", ctx.ip6 if ":" in server else ctx.ip, server, 22, ok=ok)
