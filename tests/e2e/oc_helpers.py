"""Helpers shared by the end-to-end tests: raw HTTP over sockets, config files, ports.

Everything here talks to loopback only, and every loop is bounded by a count or a deadline.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"


# --------------------------------------------------------------------------- ports

def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def port_accepts(port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05) -> bool:
    """Poll predicate() until it is truthy or timeout seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def session_index_entry(state_dir, agent: str, key: str, timeout: float = 5.0) -> dict:
    """The entry of `key` in the agent's sessions.json. A session is usually in the file when
    its run answers; a large index is rewritten at a slower pace (the gateway's own readers
    and its journal have it meanwhile), so this waits a little for it."""
    path = Path(state_dir) / "agents" / agent / "sessions" / "sessions.json"

    def entry():
        try:
            return json.loads(path.read_text()).get(key)
        except (OSError, ValueError):
            return None
    assert wait_until(lambda: entry() is not None, timeout), f"{key} not in {path}"
    return entry()


# --------------------------------------------------------------------------- config

def write_config(path: Path, config, mode: int = 0o600) -> Path:
    """Write a config file. A dict is written as JSON (valid JSON5); a str is written verbatim."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = config if isinstance(config, str) else json.dumps(config, indent=2) + "\n"
    path.write_text(text)
    os.chmod(path, mode)
    return path


_JSON5_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', re.S)
_JSON5_TRAILING = re.compile(r",(\s*[}\]])")
_JSON5_KEY = re.compile(r'([{,]\s*)([A-Za-z_$][A-Za-z0-9_$]*)(\s*:)')


def read_json5(path: Path):
    """Read a config file the gateway may have rewritten. Plain JSON first; then a small
    JSON5 subset (comments, trailing commas, unquoted keys) good enough for test files."""
    text = Path(path).read_text()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    t = _JSON5_COMMENT.sub(lambda m: m.group(1) or "", text)
    t = _JSON5_TRAILING.sub(r"\1", t)
    t = _JSON5_KEY.sub(r'\1"\2"\3', t)
    return json.loads(t)


def lock_file_name(config_path: Path) -> str:
    """cli-config §8: gateway.<first 8 hex of SHA-1(absolute config path)>.lock"""
    digest = hashlib.sha1(str(Path(config_path).absolute()).encode()).hexdigest()
    return f"gateway.{digest[:8]}.lock"


# --------------------------------------------------------------------------- raw HTTP

@dataclass
class RawResponse:
    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def json(self):
        return json.loads(self.body)


class RawConn:
    """A raw TCP connection with a bounded buffered reader, for byte-exact HTTP tests."""

    def __init__(self, port: int, timeout: float = 5.0, host: str = LOOPBACK):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.eof = False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data: bytes | str):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def try_send(self, data: bytes, chunk: int = 4096) -> int:
        """Send as much as the peer accepts; stop quietly when it resets or closes."""
        sent = 0
        try:
            while sent < len(data):
                self.sock.sendall(data[sent:sent + chunk])
                sent += min(chunk, len(data) - sent)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass
        return sent

    def _fill(self) -> bool:
        if self.eof:
            return False
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def read_until(self, marker: bytes, limit: int = 1 << 20) -> bytes:
        while marker not in self.buf:
            if len(self.buf) > limit:
                raise AssertionError(f"no {marker!r} within {limit} bytes")
            if not self._fill():
                raise EOFError(f"connection closed before {marker!r}; got {self.buf[:200]!r}")
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise EOFError(f"connection closed after {len(self.buf)} of {n} bytes")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_to_eof(self) -> bytes:
        while self._fill():
            if len(self.buf) > (64 << 20):
                raise AssertionError("response too large")
        out, self.buf = self.buf, b""
        return out

    def closed_by_peer(self, timeout: float = 2.0) -> bool:
        """True when the peer closes (EOF/reset) within timeout with nothing more to read."""
        self.sock.settimeout(timeout)
        try:
            return not self._fill()
        except socket.timeout:
            return False

    def read_response(self, head_only: bool = False) -> RawResponse:
        """Read one response. head_only: the request was HEAD (no body follows)."""
        head = self.read_until(b"\r\n\r\n", limit=256 * 1024).decode("latin-1")
        lines = head.split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3}) ?(.*)", lines[0])
        if not m:
            raise AssertionError(f"bad status line {lines[0]!r}")
        status, reason = int(m.group(1)), m.group(2)
        headers = []
        for line in lines[1:]:
            if not line:
                continue
            k, _, v = line.partition(":")
            headers.append((k.strip(), v.strip()))
        resp = RawResponse(status, reason, headers)
        if head_only or status in (204, 304) or 100 <= status < 200:
            return resp
        te = (resp.header("transfer-encoding") or "").lower()
        cl = resp.header("content-length")
        if "chunked" in te:
            body = b""
            for _ in range(100000):
                size_line = self.read_until(b"\r\n").split(b";")[0].strip()
                size = int(size_line, 16)
                if size == 0:
                    # trailers until blank line
                    while self.read_until(b"\r\n") != b"\r\n":
                        pass
                    break
                body += self.read_exact(size)
                self.read_exact(2)
            resp.body = body
        elif cl is not None:
            resp.body = self.read_exact(int(cl))
        else:
            resp.body = self.read_to_eof()
        return resp


def raw_request(port: int, data: bytes | str, timeout: float = 5.0, head_only: bool = False) -> RawResponse:
    with RawConn(port, timeout) as c:
        c.send(data)
        return c.read_response(head_only=head_only)


def req(method: str, path: str, headers: dict | None = None, body: bytes = b"",
        host: str = "127.0.0.1", close: bool = False) -> bytes:
    """Build a request with Host (and Content-Length when there is a body)."""
    h = {"Host": host}
    if headers:
        h.update(headers)
    if body and not any(k.lower() in ("content-length", "transfer-encoding") for k in h):
        h["Content-Length"] = str(len(body))
    if close:
        h["Connection"] = "close"
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n"
    return head.encode() + body


# --------------------------------------------------------------------------- WebSocket

def ws_open(gw, path: str = "/", **kw):
    """A websockets sync client to the gateway (use as a context manager)."""
    from websockets.sync.client import connect
    kw.setdefault("open_timeout", 5)
    kw.setdefault("close_timeout", 2)
    kw.setdefault("max_size", 32 * 1024 * 1024)
    return connect(f"ws://{LOOPBACK}:{gw.port}{path}", **kw)


def ws_recv_json(ws, timeout: float = 5):
    return json.loads(ws.recv(timeout=timeout))


def ws_expect_close(ws, timeout: float = 5) -> tuple[int, str]:
    """Read until the server closes; return its (code, reason). Fails on a drop without a
    close frame or when nothing closes within timeout."""
    from websockets.exceptions import ConnectionClosed
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ws.recv(timeout=max(0.05, deadline - time.monotonic()))
    except ConnectionClosed as e:
        assert e.rcvd is not None, "connection dropped without a close frame"
        return e.rcvd.code, e.rcvd.reason
    except TimeoutError:
        pass
    raise AssertionError("server did not close in time")
