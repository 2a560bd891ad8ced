"""Network fuzz at volume (issue 9): 100,000 mutated HTTP requests and 100,000 mutated
WebSocket frames against the running gateway, many connections at once (asyncio, loopback),
then the gateway must be alive, answer correctly, hold no leaked connections and have
bounded memory. Same mutators as test_robustness.py; counts via OPENCLAW_NETFUZZ_HTTP /
OPENCLAW_NETFUZZ_WS, seed via OPENCLAW_FUZZ_SEED."""
from __future__ import annotations

import asyncio
import base64
import os
import random
import time
from pathlib import Path

import pytest

from test_robustness import SEED, assert_healthy, make_cases, ws_frame

HTTP_CASES = int(os.environ.get("OPENCLAW_NETFUZZ_HTTP", "100000"))
WS_FRAMES = int(os.environ.get("OPENCLAW_NETFUZZ_WS", "100000"))
CONCURRENCY = 128
DEADLINE_S = 240.0
UPGRADE = (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: " + base64.b64encode(b"0123456789abcdef") + b"\r\nSec-WebSocket-Version: 13\r\n\r\n")


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def exchange(port: int, data: bytes, half_close: bool, read_timeout: float = 0.5) -> None:
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 2)
    except (OSError, asyncio.TimeoutError):
        return
    try:
        writer.write(data)
        if half_close and writer.can_write_eof():
            writer.write_eof()
        await writer.drain()
        deadline = time.monotonic() + read_timeout
        while time.monotonic() < deadline:
            chunk = await asyncio.wait_for(reader.read(65536), max(0.01, deadline - time.monotonic()))
            if not chunk:
                break
    except (OSError, asyncio.TimeoutError, ConnectionError):
        pass
    finally:
        writer.close()


async def http_fuzz(port: int, cases) -> int:
    queue = iter(cases)
    done = 0
    stop_at = time.monotonic() + DEADLINE_S

    async def worker():
        nonlocal done
        for data, _ in queue:
            if time.monotonic() > stop_at:
                return
            # Always half-close: an incomplete head then ends at once instead of at the
            # server's header timeout, so the volume fits the time budget.
            await exchange(port, data, True, read_timeout=0.3)
            done += 1

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return done


async def ws_fuzz(port: int, rng: random.Random, total: int) -> int:
    sent = 0
    stop_at = time.monotonic() + DEADLINE_S

    async def worker(seed: int):
        nonlocal sent
        local = random.Random(seed)
        while sent < total and time.monotonic() < stop_at:
            frames = [ws_frame(local) for _ in range(local.randint(1, 50))]
            sent += len(frames)
            await exchange(port, UPGRADE + b"".join(frames), True, read_timeout=0.3)

    await asyncio.gather(*(worker(rng.randrange(1 << 30)) for _ in range(CONCURRENCY)))
    return sent


# Two phases of up to DEADLINE_S each plus the fd drain: above pytest.ini's 120 s default.
@pytest.mark.timeout(2 * DEADLINE_S + 60)
def test_network_fuzz_at_volume(gateway):
    rng = random.Random(SEED)
    pid = gateway.pid
    fds_before, rss_before = fd_count(pid), rss_kib(pid)
    cases = make_cases(rng, gateway.token, HTTP_CASES)
    started = time.monotonic()
    http_done = asyncio.run(http_fuzz(gateway.port, cases))
    ws_done = asyncio.run(ws_fuzz(gateway.port, rng, WS_FRAMES))
    elapsed = time.monotonic() - started
    assert_healthy(gateway)
    # Every fuzz connection is gone: the server closed or timed out all of them.
    deadline = time.monotonic() + 15
    while fd_count(pid) > fds_before + 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    fds_after, rss_after = fd_count(pid), rss_kib(pid)
    print(f"netfuzz seed={SEED} http={http_done} ws_frames={ws_done} in {elapsed:.0f}s "
          f"fds {fds_before}->{fds_after} rss {rss_before}->{rss_after} KiB")
    assert http_done >= HTTP_CASES, f"only {http_done} HTTP cases in {DEADLINE_S}s (seed={SEED})"
    assert ws_done >= WS_FRAMES, f"only {ws_done} WS frames in {DEADLINE_S}s (seed={SEED})"
    assert fds_after <= fds_before + 2, f"connections leaked: {fds_before} -> {fds_after}"
    assert rss_after < rss_before + 64 * 1024, f"memory grew {rss_before} -> {rss_after} KiB"
