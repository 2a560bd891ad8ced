"""Reload latency for scripts/bench-plugins: N `plugins.reload` calls, one after the other, over
one WebSocket as the internal backend client (client.id "gateway-client", mode "backend",
the gateway token, admin scope). Stdlib only (a minimal RFC 6455 client), so it runs with
any python3.

    python3 bench/plugin_reload.py <port> <token> <plugin-id> <count>

Prints one line: `reload n=<count> ok=<n> failed=<n> p50_ms=<x> p99_ms=<x> max_ms=<x>`
(latency = request sent -> its `res` frame received, measured on this side).
"""
from __future__ import annotations

import base64
import json
import math
import os
import socket
import struct
import sys
import time


class WS:
    def __init__(self, port: int, timeout: float = 10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed during the upgrade")
            self.buf += data
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.decode(errors="replace").splitlines()[0])

    def send(self, obj) -> None:
        payload = json.dumps(obj).encode()
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def _need(self, n: int) -> None:
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed")
            self.buf += data

    def recv(self):
        """The next text message as JSON (control frames are skipped; pings are not answered,
        the bench is far shorter than any keepalive)."""
        message = b""
        while True:
            self._need(2)
            b0, b1 = self.buf[0], self.buf[1]
            n, off = b1 & 0x7F, 2
            if n == 126:
                self._need(4); n = struct.unpack("!H", self.buf[2:4])[0]; off = 4
            elif n == 127:
                self._need(10); n = struct.unpack("!Q", self.buf[2:10])[0]; off = 10
            self._need(off + n)
            payload, self.buf = self.buf[off:off + n], self.buf[off + n:]
            opcode = b0 & 0x0F
            if opcode == 8:
                raise ConnectionError("close frame")
            if opcode in (0, 1, 2):
                message += payload
                if b0 & 0x80:
                    return json.loads(message)

    def call(self, req_id: str, method: str, params: dict):
        self.send({"type": "req", "id": req_id, "method": method, "params": params})
        while True:
            msg = self.recv()
            if msg.get("type") == "res" and msg.get("id") == req_id:
                return msg


def main() -> None:
    port, token, plugin_id, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    ws = WS(port)
    challenge = ws.recv()
    assert challenge.get("event") == "connect.challenge", challenge
    hello = ws.call("c", "connect", {
        "minProtocol": 4, "maxProtocol": 4,
        "client": {"id": "gateway-client", "version": "0.0.1-bench", "platform": "linux", "mode": "backend"},
        "role": "operator", "scopes": ["operator.admin", "operator.read", "operator.write"], "caps": [],
        "auth": {"token": token}})
    if not hello.get("ok"):
        sys.exit(f"connect failed: {hello}")
    samples, failed = [], 0
    for i in range(count):
        t0 = time.perf_counter()
        res = ws.call(f"r{i}", "plugins.reload", {"id": plugin_id})
        dt = (time.perf_counter() - t0) * 1000
        if res.get("ok"):
            samples.append(dt)
        else:
            failed += 1
            if failed == 1:
                print(f"first failure: {res}", file=sys.stderr)
    samples.sort()
    if not samples:
        print(f"reload n={count} ok=0 failed={failed} p50_ms=0 p99_ms=0 max_ms=0")
        return
    def pct(p: float) -> float:  # nearest rank
        return samples[max(0, min(len(samples) - 1, math.ceil(len(samples) * p / 100) - 1))]
    print(f"reload n={count} ok={len(samples)} failed={failed} p50_ms={pct(50):.2f} "
          f"p99_ms={pct(99):.2f} max_ms={samples[-1]:.2f}")


if __name__ == "__main__":
    main()
