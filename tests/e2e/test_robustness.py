"""Robustness: thousands of mutated/random HTTP requests and WS frames over raw sockets.

Bounded in count and time; loopback only. Reproducible: OPENCLAW_FUZZ_SEED picks the seed
(printed on failure), OPENCLAW_FUZZ_CASES the number of HTTP cases (default 3000).
"""
from __future__ import annotations

import base64
import collections
import os
import random
import re
import socket
import struct
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from oc_helpers import LOOPBACK, req

SEED = int(os.environ.get("OPENCLAW_FUZZ_SEED", "20261125"))
CASES = int(os.environ.get("OPENCLAW_FUZZ_CASES", "3000"))
DEADLINE_S = 100.0
WORKERS = 16


def seeds(token: str) -> list[bytes]:
    body = b'{"tool":"echo","args":{"text":"fuzz"}}'
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    chunked = (req("POST", "/tools/invoke", headers={**auth, "Transfer-Encoding": "chunked"})
               + b"a\r\n" + body[:10] + b"\r\n" + b"%x\r\n" % (len(body) - 10) + body[10:] + b"\r\n0\r\n\r\n")
    ws = req("GET", "/", headers={"Upgrade": "websocket", "Connection": "Upgrade",
                                  "Sec-WebSocket-Key": base64.b64encode(b"0123456789abcdef").decode(),
                                  "Sec-WebSocket-Version": "13"})
    return [
        req("GET", "/healthz"),
        req("HEAD", "/health"),
        req("GET", "/readyz", headers={"Accept": "application/json", "User-Agent": "fuzz/1"}),
        req("POST", "/tools/invoke", headers=auth, body=body),
        req("POST", "/tools/invoke", headers={**auth, "Expect": "100-continue"}, body=body),
        chunked,
        ws,
        req("GET", "/v1/models", headers=auth),
        req("GET", "/api/v1/admin%2frpc?x=1&y=%zz"),
        req("GET", "/healthz") + req("GET", "/readyz") + req("POST", "/tools/invoke", headers=auth, body=body),
    ]


TOKENS = [b"\r\n", b"\n", b"\r", b"\x00", b" ", b"\t", b":", b"%", b"%00", b"%zz", b"%2f", b"..", b"//",
          b"\xff\xfe", b"Content-Length: 99999999999999999999\r\n", b"Content-Length: -1\r\n",
          b"Transfer-Encoding: chunked\r\n", b"Transfer-Encoding: gzip, chunked\r\n",
          b"Content-Length: 5\r\n", b"ffffffffffffffff\r\n", b"Upgrade: websocket\r\n",
          b"Expect: 100-continue\r\n", b"Host: evil.example\r\n", b"HTTP/1.1", b"HTTP/0.9", b"HTTP/2.0",
          b"\r\n\r\n", b"a" * 5000, b"%25" * 40, b"/.." * 50]


def mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(9)
        pos = rng.randrange(len(b) + 1) if b else 0
        if op == 0 and b:                       # bit flip
            i = rng.randrange(len(b)); b[i] ^= 1 << rng.randrange(8)
        elif op == 1 and b:                     # random byte
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif op == 2:                           # delete range
            del b[pos:pos + rng.randint(1, 32)]
        elif op == 3 and b:                     # duplicate range
            j = rng.randrange(len(b)); b[pos:pos] = b[j:j + rng.randint(1, 64)]
        elif op == 4:                           # insert token
            b[pos:pos] = rng.choice(TOKENS)
        elif op == 5:                           # insert random bytes
            b[pos:pos] = rng.randbytes(rng.randint(1, 64))
        elif op == 6:                           # truncate
            del b[pos:]
        elif op == 7:                           # change a number
            s = re.sub(rb"\d+", lambda m: str(rng.choice([0, 1, -1, 2 ** 31, 2 ** 64, 10 ** 30,
                                                             int(m.group()) + 1])).encode(),
                       bytes(b), count=1)
            b = bytearray(s)
        else:                                   # case flip of a span
            s = bytes(b[pos:pos + 16]).swapcase(); b[pos:pos + 16] = s
    return bytes(b)


def make_cases(rng: random.Random, token: str, n: int) -> list[tuple[bytes, bool]]:
    base = seeds(token)
    cases = []
    for i in range(n):
        r = rng.random()
        if r < 0.15:
            data = rng.randbytes(rng.randint(1, 2048))
        elif r < 0.20:
            data = rng.choice(base)            # valid ones keep the happy path busy
        else:
            data = mutate(rng, rng.choice(base))
        half_close = rng.random() < 0.8
        cases.append((data, half_close))
    return cases


def run_case(port: int, data: bytes, half_close: bool) -> bytes:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=2) as s:
            s.settimeout(1.0)
            try:
                s.sendall(data)
                if half_close:
                    s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            out = b""
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline and len(out) < 262144:
                try:
                    chunk = s.recv(65536)
                except (socket.timeout, OSError):
                    break
                if not chunk:
                    break
                out += chunk
            return out
    except OSError as e:
        return f"CONNECT-ERROR {e}".encode()


def assert_healthy(gw):
    assert gw.alive(), f"gateway died (exit {gw.proc.returncode}) seed={SEED}\n{gw.log_text()[-4000:]}"
    r = httpx.get(f"{gw.url}/healthz", timeout=5)
    assert r.status_code == 200 and r.json() == {"ok": True, "status": "live"}
    r = httpx.post(f"{gw.url}/tools/invoke", json={"tool": "echo", "args": {"text": "after"}},
                   headers=gw.auth_headers(), timeout=5)
    assert r.status_code != 500, r.text


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_http_fuzz_keeps_serving(gateway):
    rng = random.Random(SEED)
    cases = make_cases(rng, gateway.token, CASES)
    statuses = collections.Counter()
    connect_errors = 0
    t_end = time.monotonic() + DEADLINE_S
    done = 0
    with ThreadPoolExecutor(WORKERS) as pool:
        for start in range(0, len(cases), 500):
            if time.monotonic() > t_end:
                break
            batch = cases[start:start + 500]
            for out in pool.map(lambda c: run_case(gateway.port, *c), batch):
                done += 1
                if out.startswith(b"CONNECT-ERROR"):
                    connect_errors += 1
                for m in re.finditer(rb"HTTP/1\.[01] (\d{3})", out[:4096]):
                    statuses[int(m.group(1))] += 1
            assert_healthy(gateway)
    print(f"fuzz seed={SEED} cases={done} statuses={dict(statuses)} connect_errors={connect_errors}")
    assert done >= min(CASES, 1000), f"only {done} cases ran in {DEADLINE_S}s"
    assert connect_errors <= done // 100, f"{connect_errors} refused connections (seed={SEED})"
    assert statuses[500] == 0, f"500 answers under fuzzing: {dict(statuses)} (seed={SEED})"
    assert_healthy(gateway)


def ws_frame(rng: random.Random) -> bytes:
    """A client frame, often malformed: random opcode/flags, masked or not, lying lengths."""
    payload = rng.choice([b"", b"{}", b'{"type":"req","id":"1","method":"connect","params":{}}',
                          rng.randbytes(rng.randint(1, 300)), b"x" * rng.randint(60000, 70000)])
    first = rng.choice([0x81, 0x82, 0x88, 0x89, 0x8A, 0x01, 0x80, 0x83, 0xF1, rng.randrange(256)])
    masked = rng.random() < 0.85
    n = len(payload)
    if rng.random() < 0.1:
        n = rng.choice([0, 1, 125, 126, 127, 65535, 2 ** 32, 2 ** 63 - 1])
    if n < 126:
        head = bytes([first, (0x80 if masked else 0) | n])
    elif n < 65536:
        head = bytes([first, (0x80 if masked else 0) | 126]) + struct.pack("!H", n)
    else:
        head = bytes([first, (0x80 if masked else 0) | 127]) + struct.pack("!Q", n)
    if masked:
        key = rng.randbytes(4)
        payload = bytes(c ^ key[i % 4] for i, c in enumerate(payload))
        head += key
    return head + payload


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_ws_frame_fuzz_keeps_serving(gateway):
    rng = random.Random(SEED + 1)
    upgrade = req("GET", "/", headers={"Upgrade": "websocket", "Connection": "Upgrade",
                                       "Sec-WebSocket-Key": base64.b64encode(b"fedcba9876543210").decode(),
                                       "Sec-WebSocket-Version": "13"})
    cases = []
    for _ in range(400):
        frames = b"".join(ws_frame(rng) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.3:
            frames = mutate(rng, frames)
        cases.append((upgrade + frames, rng.random() < 0.5))
    t_end = time.monotonic() + 60
    done = 0
    with ThreadPoolExecutor(WORKERS) as pool:
        for start in range(0, len(cases), 100):
            if time.monotonic() > t_end:
                break
            for out in pool.map(lambda c: run_case(gateway.port, *c), cases[start:start + 100]):
                done += 1
            assert_healthy(gateway)
    assert done >= 200
    assert_healthy(gateway)
