"""Graceful stop on SIGTERM/SIGINT (cli-config.md §10.1, protocol.md §13)."""
from __future__ import annotations

import signal
import time

import httpx
import pytest

from oc_helpers import RawConn, port_accepts, req


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_cleanly(gateway, oc_env, sig):
    lock = oc_env.lock_path()
    t0 = time.monotonic()
    code = gateway.stop(sig, timeout=5)
    elapsed = time.monotonic() - t0
    assert code == 0, f"exit {code} after {elapsed:.2f}s\n{gateway.log_text()}"
    assert elapsed < 5
    assert not port_accepts(gateway.port)
    assert not lock.exists()


def test_stop_with_open_connections(gateway):
    """Idle keep-alive and half-sent requests must not hold the stop past 5 s."""
    conns = []
    try:
        for i in range(10):
            c = RawConn(gateway.port)
            if i % 2:
                c.send(req("GET", "/healthz"))
                assert c.read_response().status == 200
            else:
                c.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            conns.append(c)
        t0 = time.monotonic()
        assert gateway.stop(signal.SIGTERM, timeout=5) == 0
        assert time.monotonic() - t0 < 5
    finally:
        for c in conns:
            c.close()


def test_restart_after_stop_same_port(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config())
    gw = start_gateway()
    port = gw.port
    with httpx.Client(timeout=5) as c:
        assert c.get(f"{gw.url}/healthz").status_code == 200    # leaves a keep-alive socket
    assert gw.stop() == 0
    gw2 = start_gateway(port=port)
    assert httpx.get(f"{gw2.url}/healthz", timeout=5).status_code == 200
