"""The Python reference for bench/ws-load.c (benchmark only, used by scripts/bench-ws): the same
closed-loop `health` round trips over N sockets with the `websockets` asyncio client, printing
the same result line, to show how much of the measured rate a client can cost.

    python bench/ws_load.py <port> <token> <conns> <seconds>
"""
from __future__ import annotations

import asyncio
import json
import resource
import sys
import time

from websockets.asyncio.client import connect


class Run:
    """Shared state: the start signal, the deadline, and the results."""

    def __init__(self, conns: int, seconds: float):
        self.seconds = seconds
        self.waiting = conns
        self.started = asyncio.Event()
        self.stop = 0.0
        self.samples: list[float] = []
        self.errors = 0

    def connected(self):
        # The clock starts once every socket has finished its handshake.
        self.waiting -= 1
        if self.waiting == 0:
            self.stop = time.monotonic() + self.seconds
            self.started.set()


async def session(port: int, token: str, run: Run):
    async with connect(f"ws://127.0.0.1:{port}/", compression=None, max_size=None) as ws:
        await ws.recv()  # connect.challenge
        await ws.send(json.dumps({"type": "req", "id": "c", "method": "connect", "params": {
            "minProtocol": 4, "maxProtocol": 4,
            "client": {"id": "gateway-client", "version": "bench", "platform": "linux", "mode": "backend"},
            "role": "operator", "scopes": ["operator.read"], "auth": {"token": token}}}))
        while (msg := json.loads(await ws.recv())).get("type") != "res":
            pass
        if not msg["ok"]:
            raise SystemExit(f"connect refused: {msg['error']}")
        run.connected()
        await run.started.wait()
        n = 0
        while time.monotonic() < run.stop:
            n += 1
            sent = time.monotonic()
            await ws.send(f'{{"type":"req","id":"{n}","method":"health"}}')
            while not (raw := await ws.recv()).startswith('{"type":"res"'):
                pass
            run.samples.append(time.monotonic() - sent)
            run.errors += '"ok":true' not in raw


async def main(port: int, token: str, conns: int, seconds: float):
    run = Run(conns, seconds)
    sessions = asyncio.gather(*(session(port, token, run) for _ in range(conns)))
    await run.started.wait()
    start = time.monotonic()
    await sessions
    elapsed = time.monotonic() - start
    samples = sorted(run.samples)

    def pick(q: float) -> int:
        return int(samples[min(len(samples) - 1, int(q * len(samples)))] * 1e6) if samples else 0

    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"roundtrips={len(samples)} seconds={elapsed:.2f} rps={len(samples) / elapsed:.0f} "
          f"p50_us={pick(0.5)} p99_us={pick(0.99)} errors={run.errors} "
          f"client_cpu_s={usage.ru_utime + usage.ru_stime:.2f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))
