"""Fixture code for the hardening tests (test_security_rules, test_slow_clients, test_faults):
the sec-probe C plugin, process gauges read from /proc, a background latency probe, a
misbehaving upstream and tmpfs mounts. Loopback only; every loop is bounded."""
from __future__ import annotations

import contextlib
import json
import os
import resource
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from test_plugins import cc

HERE = Path(__file__).resolve().parent
PROBE_SOURCE = HERE / "sec_probe.c"
PROBE_ID = "sec-probe"


# --------------------------------------------------------------------------- the probe plugin

def install_probe(state_dir: Path, **defines) -> Path:
    """<stateDir>/extensions/sec-probe built from sec_probe.c; defines such as NEVER_MS=500."""
    target = state_dir / "extensions" / PROBE_ID
    target.mkdir(parents=True, exist_ok=True)
    routes = [{"path": p, "match": "exact", "auth": "gateway"} for p in
              ("/api/sec/trickle", "/api/sec/firehose", "/api/sec/never", "/api/sec/slow", "/api/sec/config")]
    routes.append({"path": "/sec/config", "match": "exact", "auth": "plugin"})
    manifest = {"id": PROBE_ID, "version": "0.1.0", "abi": 1, "library": "libsec_probe.so", "runtime": "c",
                "configSchema": {"type": "object"}, "routes": routes}
    (target / "openclaw.plugin.json").write_text(json.dumps(manifest))
    cc(PROBE_SOURCE, target / "libsec_probe.so", *(f"{k}={v}" for k, v in defines.items()))
    return target


def with_probe(config: dict, max_concurrent: int = 64) -> dict:
    """Enables sec-probe in a config dict (maxConcurrent raised for the many-stream tests)."""
    entries = config.setdefault("plugins", {}).setdefault("entries", {})
    entries[PROBE_ID] = {"enabled": True, "maxConcurrent": max_concurrent}
    return config


# --------------------------------------------------------------------------- /proc gauges

def raise_fd_limit(wanted: int) -> int:
    """Raises this process's soft RLIMIT_NOFILE (gateways started later inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(wanted, hard) if hard != resource.RLIM_INFINITY else wanted
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    raise AssertionError(f"no VmRSS for {pid}")


def fds(pid: int) -> list[str]:
    """Targets of the process's open descriptors (socket:[…], pipe:[…], paths)."""
    out = []
    base = Path(f"/proc/{pid}/fd")
    for entry in base.iterdir():
        with contextlib.suppress(OSError):
            out.append(os.readlink(entry))
    return out


def socket_count(pid: int) -> int:
    return sum(1 for t in fds(pid) if t.startswith("socket:"))


def settled_socket_count(pid: int, seconds: float = 1.0) -> int:
    """The gateway's socket count once connections of earlier probes (readiness checks)
    have gone: the minimum over `seconds`."""
    counts = []
    for _ in range(max(1, int(seconds / 0.1))):
        counts.append(socket_count(pid))
        time.sleep(0.1)
    return min(counts)


def wait_socket_count(pid: int, at_most: int, timeout: float, at_least: int = 0) -> int:
    """Polls until the gateway holds between `at_least` and `at_most` sockets; returns the
    last count."""
    deadline = time.monotonic() + timeout
    while True:
        n = socket_count(pid)
        if at_least <= n <= at_most or time.monotonic() >= deadline:
            return n
        time.sleep(0.05)


# --------------------------------------------------------------------------- a normal client

class LatencyProbe:
    """A normal client: one request every `interval` s on a fresh connection (so it also
    measures accept latency), in a thread, until stopped or `max_requests` are done."""

    def __init__(self, url: str, path: str = "/healthz", headers: dict | None = None,
                 interval: float = 0.05, max_requests: int = 2000, expect: int = 200):
        self.url, self.path, self.headers, self.expect = url, path, headers or {}, expect
        self.interval, self.max_requests = interval, max_requests
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        for _ in range(self.max_requests):
            if self._stop.is_set():
                return
            start = time.monotonic()
            try:
                r = httpx.get(self.url + self.path, headers=self.headers, timeout=5.0, trust_env=False)
                if r.status_code != self.expect:
                    self.failures.append(f"status {r.status_code}")
            except httpx.HTTPError as e:
                self.failures.append(repr(e))
            self.latencies.append(time.monotonic() - start)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(10)

    def summary(self) -> dict:
        lat = sorted(self.latencies) or [0.0]
        return {"n": len(self.latencies), "failures": len(self.failures),
                "p50_ms": round(statistics.median(lat) * 1000, 1),
                "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000, 1),
                "max_ms": round(lat[-1] * 1000, 1)}


# --------------------------------------------------------------------------- a broken upstream

class GarbageUpstream:
    """A loopback 'provider' that answers every request with nonsense:
    mode "sse": 200 text/event-stream with undecodable data lines;
    mode "json": 200 application/json whose body is not JSON;
    mode "http": bytes that are not an HTTP response at all."""

    RESPONSES = {
        "sse": (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 40\r\n\r\n"
                b"data: {not json at all\n\ndata: \x00\xff\xfe\n\n"),
        "json": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"choices",
        "http": b"SSH-2.0-OpenSSH_9.2\r\n\x00\x01garbage\r\n\r\n",
    }

    def __init__(self, mode: str):
        self.reply = self.RESPONSES[mode]
        self.accepted = 0
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}/v1"

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepted += 1
            with conn:
                conn.settimeout(2)
                with contextlib.suppress(OSError):
                    conn.recv(65536)
                    conn.sendall(self.reply)

    def close(self):
        self._stop.set()
        self._thread.join(5)
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --------------------------------------------------------------------------- filesystems

@contextlib.contextmanager
def tmpfs(path: Path, size: str = "64k"):
    """A tiny tmpfs at `path` (root only); the test is skipped when mounting is impossible."""
    path.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
                       capture_output=True, text=True, timeout=10)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or r.returncode}); needs root + CAP_SYS_ADMIN")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=10)


def remount_readonly(path: Path, timeout: float = 5.0):
    """Remounts `path` read-only. While the gateway writes, files stay open and the kernel
    answers "busy"; a quiet gateway closes them after its journal checkpoint (about 1 s)."""
    deadline = time.monotonic() + timeout
    while True:
        r = subprocess.run(["mount", "-o", "remount,ro", str(path)], capture_output=True, text=True, timeout=10)
        if r.returncode == 0 or "busy" not in r.stderr or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert r.returncode == 0, r.stderr


def fill(path: Path) -> None:
    """Fills the filesystem holding `path` (bounded by its size) with one file."""
    chunk = b"\0" * 4096
    with open(path / ".filler", "wb", buffering=0) as f:
        for _ in range(1 << 16):
            try:
                f.write(chunk)
            except OSError:
                return


# --------------------------------------------------------------------------- WebSocket as anyone

def ws_connect_as(gw, client_id="cli", mode="cli", scopes=None, auth=None, device=None,
                  origin=None, headers=None):
    """Opens a WebSocket with the given Origin/extra headers and sends `connect`;
    returns (ws, res). `device` signs the challenge like test_ws_protocol's Device."""
    from test_ws_protocol import ALL_SCOPES, open_ws, recv, recv_res
    kw = {"additional_headers": headers or {}}
    if origin:
        kw["origin"] = origin
    ws = open_ws(gw, **kw)
    challenge = recv(ws)
    client = {"id": client_id, "version": "0.0.1-e2e", "platform": "linux", "mode": mode}
    scopes = ALL_SCOPES if scopes is None else scopes
    auth = {"token": gw.token} if auth is None else auth
    params = {"minProtocol": 4, "maxProtocol": 4, "client": client, "role": "operator", "scopes": scopes,
              "caps": [], "auth": auth}
    if device is not None:
        params["device"] = device.proof(challenge["payload"]["nonce"], client, "operator", scopes, auth.get("token"))
    ws.send(json.dumps({"type": "req", "id": "c1", "method": "connect", "params": params}))
    res, _ = recv_res(ws, "c1")
    return ws, res


class Trap:
    """A loopback listener that must never be contacted (a stand-in for an outside host)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def contacted(self) -> bool:
        try:
            conn, _ = self.sock.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()
