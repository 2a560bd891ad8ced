"""Config reload and in-process restart (cli-config §6, protocol §13): hot keys apply without
reconnecting, restart keys re-execute the gateway under the same PID with `shutdown` sent
first, broken edits change nothing."""
import json
import signal
import time

import pytest
from websockets.sync.client import connect as ws_connect

from conftest import TEST_TOKEN

ECHO = {"tool": "echo", "args": {"text": "hi"}}


def wait_for(predicate, timeout=10.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def status(gw, token):
    try:
        with gw.client() as c:
            return c.post("/tools/invoke", json=ECHO, headers={"Authorization": f"Bearer {token}"}).status_code
    except Exception:
        return None


def backend_ws(gw):
    """A local backend operator connection (protocol §6.5 path 1: keeps scopes, no device)."""
    ws = ws_connect(gw.ws_url, open_timeout=5, close_timeout=2)
    assert json.loads(ws.recv(timeout=5))["event"] == "connect.challenge"
    ws.send(json.dumps({"type": "req", "id": "c1", "method": "connect", "params": {
        "minProtocol": 4, "maxProtocol": 4, "role": "operator", "scopes": ["operator.admin"],
        "client": {"id": "gateway-client", "version": "e2e", "platform": "linux", "mode": "backend"},
        "auth": {"token": gw.token}}}))
    hello = json.loads(ws.recv(timeout=5))
    assert hello["ok"], hello
    return ws


def test_hot_token_rotation_without_restart(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config())
    gw = start_gateway(env={"OPENCLAW_RESTART_COOLDOWN_MS": "0"})
    pid = gw.pid
    assert status(gw, TEST_TOKEN) == 200
    cfg = oc_env.base_config(token="rotated-token-0123456789abcdef0123")
    oc_env.write_config(cfg)
    assert wait_for(lambda: status(gw, "rotated-token-0123456789abcdef0123") == 200), gw.log_text()
    assert status(gw, TEST_TOKEN) == 401
    assert gw.pid == pid and gw.alive()


def test_invalid_edit_is_skipped_and_logged(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config())
    gw = start_gateway()
    oc_env.config_path.write_text('{ gateway: { mode: "local", bogus: 1 } }')
    assert wait_for(lambda: "config reload skipped (invalid config)" in gw.log_text()), gw.log_text()
    assert status(gw, TEST_TOKEN) == 200


def test_sighup_reloads_now(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config(reload={"mode": "off"}))
    gw = start_gateway()
    oc_env.write_config(oc_env.base_config(token="after-sighup-token-0123456789abcdef", reload={"mode": "off"}))
    time.sleep(0.8)
    assert status(gw, TEST_TOKEN) == 200, "mode off: a file edit alone applies nothing"
    gw.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: status(gw, "after-sighup-token-0123456789abcdef") == 200), gw.log_text()


def test_restart_class_change_restarts_in_process(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config())
    gw = start_gateway(env={"OPENCLAW_RESTART_COOLDOWN_MS": "0"})
    pid = gw.pid
    ws = backend_ws(gw)
    oc_env.write_config(oc_env.base_config(handshakeTimeoutMs=9000))
    shutdown = None
    deadline = time.monotonic() + 10
    with pytest.raises(Exception):
        while time.monotonic() < deadline:
            msg = json.loads(ws.recv(timeout=10))
            if msg.get("event") == "shutdown":
                shutdown = msg["payload"]
    assert shutdown == {"reason": "config change requires gateway restart (gateway.handshakeTimeoutMs)",
                        "restartExpectedMs": 1500}, shutdown
    assert ws.close_code == 1012
    assert wait_for(lambda: status(gw, TEST_TOKEN) == 200, timeout=15), gw.log_text()
    assert gw.pid == pid and gw.alive(), "the restart keeps the PID"
    backend_ws(gw).close()


def test_sigusr1_restarts_with_same_pid(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config())
    gw = start_gateway(env={"OPENCLAW_RESTART_COOLDOWN_MS": "0"})
    pid = gw.pid
    ws = backend_ws(gw)
    gw.proc.send_signal(signal.SIGUSR1)
    events = []
    with pytest.raises(Exception):
        for _ in range(20):
            events.append(json.loads(ws.recv(timeout=10)))
    assert any(e.get("event") == "shutdown" and e["payload"]["reason"] == "gateway restarting" for e in events), events
    assert wait_for(lambda: status(gw, TEST_TOKEN) == 200, timeout=15), gw.log_text()
    assert gw.pid == pid and gw.alive()
    assert gw.stop() == 0


def test_rotation_closes_sockets_on_the_old_secret(start_gateway, oc_env):
    """http.md §11 rule 10: after the token changes, its WebSocket sessions are closed."""
    oc_env.write_config(oc_env.base_config())
    gw = start_gateway()
    ws = backend_ws(gw)
    oc_env.write_config(oc_env.base_config(token="rotated-token-for-ws-0123456789abcd"))
    with pytest.raises(Exception):
        for _ in range(50):
            ws.recv(timeout=10)
    assert ws.close_code == 1008 and ws.close_reason == "gateway credentials changed"
