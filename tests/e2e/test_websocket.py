"""WebSocket transport and pre-connect handshake rules (protocol.md §1, §3, §8.3, §9, §13)."""
from __future__ import annotations

import json
import signal
import time
import uuid

import pytest
from websockets.exceptions import ConnectionClosed

from oc_helpers import RawConn, raw_request, req, ws_expect_close, ws_open, ws_recv_json


def connect_params(token, client_id="gateway-client", mode="backend", **extra):
    p = {"minProtocol": 4, "maxProtocol": 4,
         "client": {"id": client_id, "version": "0.0.1-e2e", "platform": "linux", "mode": mode},
         "role": "operator", "scopes": ["operator.read"], "caps": [], "auth": {"token": token}}
    p.update(extra)
    return p


# --------------------------------------------------------------------------- challenge

def test_challenge_is_first_message(gateway):
    with ws_open(gateway) as ws:
        msg = ws_recv_json(ws)
    assert set(msg) == {"type", "event", "payload"}, msg     # no seq on the challenge
    assert msg["type"] == "event" and msg["event"] == "connect.challenge"
    payload = msg["payload"]
    assert set(payload) == {"nonce", "ts"}
    uuid.UUID(payload["nonce"])
    assert isinstance(payload["ts"], int)
    assert abs(payload["ts"] - time.time() * 1000) < 60_000


def test_challenge_nonce_fresh_per_connection(gateway):
    nonces = set()
    for _ in range(5):
        with ws_open(gateway) as ws:
            nonces.add(ws_recv_json(ws)["payload"]["nonce"])
    assert len(nonces) == 5


@pytest.mark.parametrize("path", ["/", "/gateway", "/some/base/path"])
def test_upgrade_on_paths(gateway, path):
    with ws_open(gateway, path) as ws:
        assert ws_recv_json(ws)["event"] == "connect.challenge"


def test_subprotocol_not_selected(gateway):
    with ws_open(gateway, subprotocols=["openclaw.v4"]) as ws:
        assert ws.subprotocol is None
        assert ws_recv_json(ws)["event"] == "connect.challenge"


def test_no_compression_negotiated(gateway):
    with ws_open(gateway) as ws:
        assert ws.response.headers.get("Sec-WebSocket-Extensions") is None
        ws_recv_json(ws)


def test_upgrade_with_foreign_host_is_421(gateway):
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    r = raw_request(gateway.port, req("GET", "/", host="evil.example", headers={
        "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": key,
        "Sec-WebSocket-Version": "13"}))
    assert r.status == 421


def test_upgrade_accept_key(gateway):
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    with RawConn(gateway.port) as c:
        c.send(req("GET", "/", headers={"Upgrade": "websocket", "Connection": "Upgrade",
                                        "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13"}))
        r = c.read_response(head_only=True)
    assert r.status == 101
    assert r.header("sec-websocket-accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="   # RFC 6455 example


# --------------------------------------------------------------------------- bad first frames (§8.3)

def test_non_request_first_frame_closes_1008(gateway):
    with ws_open(gateway) as ws:
        ws_recv_json(ws)
        ws.send(json.dumps({"type": "event", "event": "hello"}))
        code, reason = ws_expect_close(ws)
    assert (code, reason) == (1008, "invalid request frame")


def test_first_request_not_connect(gateway):
    with ws_open(gateway) as ws:
        ws_recv_json(ws)
        ws.send(json.dumps({"type": "req", "id": "1", "method": "health", "params": {}}))
        res = ws_recv_json(ws)
        assert res == {"type": "res", "id": "1", "ok": False,
                       "error": {"code": "INVALID_REQUEST",
                                 "message": "invalid handshake: first request must be connect"}}
        code, reason = ws_expect_close(ws)
    assert (code, reason) == (1008, "invalid handshake: first request must be connect")


def test_first_frame_not_json_closes_1000(gateway):
    with ws_open(gateway) as ws:
        ws_recv_json(ws)
        ws.send("this is not json")
        code, reason = ws_expect_close(ws)
    assert (code, reason) == (1000, "")


def test_first_frame_binary_closes_1000(gateway):
    with ws_open(gateway) as ws:
        ws_recv_json(ws)
        ws.send(b'{"type":"req"}')
        code, reason = ws_expect_close(ws)
    assert (code, reason) == (1000, "")


def test_oversized_preconnect_frame_closes_1009(gateway):
    with ws_open(gateway) as ws:
        ws_recv_json(ws)
        ws.send(json.dumps({"type": "req", "id": "1", "method": "connect", "params": {"pad": "x" * 70_000}}))
        code, reason = ws_expect_close(ws)
    assert (code, reason) == (1009, "Max payload size exceeded")


def test_preconnect_frame_just_under_limit_is_not_1009(gateway):
    with ws_open(gateway) as ws:
        ws_recv_json(ws)
        frame = json.dumps({"type": "event", "event": "x", "payload": "y" * 60_000})
        assert len(frame) < 65536
        ws.send(frame)
        code, _ = ws_expect_close(ws)
    assert code == 1008


def test_invalid_connect_params(gateway):
    with ws_open(gateway) as ws:
        ws_recv_json(ws)
        ws.send(json.dumps({"type": "req", "id": "c1", "method": "connect", "params": {"minProtocol": 4}}))
        res = ws_recv_json(ws)
        assert res["ok"] is False and res["id"] == "c1"
        assert res["error"]["code"] == "INVALID_REQUEST"
        assert res["error"]["message"].startswith("invalid connect params: ")
        code, reason = ws_expect_close(ws)
    assert code == 1008
    assert len(reason.encode()) <= 123
    assert reason.startswith("invalid connect params")


def test_protocol_mismatch_closes_1002(gateway):
    with ws_open(gateway) as ws:
        ws_recv_json(ws)
        ws.send(json.dumps({"type": "req", "id": "c1", "method": "connect",
                            "params": connect_params(gateway.token, minProtocol=1, maxProtocol=2)}))
        res = ws_recv_json(ws)
        assert res["error"]["code"] == "INVALID_REQUEST"
        assert res["error"]["message"] == "protocol mismatch"
        assert res["error"]["details"] == {"expectedProtocol": 4}
        code, reason = ws_expect_close(ws)
    assert (code, reason) == (1002, "protocol mismatch")


def test_wrong_token_closes_1008(gateway):
    with ws_open(gateway) as ws:
        ws_recv_json(ws)
        ws.send(json.dumps({"type": "req", "id": "c1", "method": "connect",
                            "params": connect_params("wrong-token")}))
        res = ws_recv_json(ws)
        assert res["ok"] is False
        assert res["error"]["code"] == "INVALID_REQUEST"
        assert res["error"]["message"].startswith("unauthorized: gateway token mismatch")
        assert res["error"]["details"]["code"] == "AUTH_TOKEN_MISMATCH"
        code, reason = ws_expect_close(ws)
    assert code == 1008 and reason.startswith("unauthorized")


def test_handshake_timeout_closes_1000(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config())
    gw = start_gateway(env={"OPENCLAW_HANDSHAKE_TIMEOUT_MS": "700"})
    with ws_open(gw) as ws:
        ws_recv_json(ws)
        t0 = time.monotonic()
        code, reason = ws_expect_close(ws, timeout=5)
        elapsed = time.monotonic() - t0
    assert (code, reason) == (1000, "")
    assert 0.4 <= elapsed <= 3, elapsed
    time.sleep(0.2)
    assert "handshake timeout conn=" in gw.log_text()


# --------------------------------------------------------------------------- connected client and shutdown

def test_backend_connect_and_shutdown_event(gateway):
    with ws_open(gateway) as ws:
        ws_recv_json(ws)
        ws.send(json.dumps({"type": "req", "id": "c1", "method": "connect",
                            "params": connect_params(gateway.token)}))
        res = ws_recv_json(ws)
        assert res["ok"] is True, res
        assert res["payload"]["type"] == "hello-ok"
        assert res["payload"]["protocol"] == 4
        assert "error" not in res
        code = gateway.stop(signal.SIGTERM, timeout=6)
        got_shutdown = False
        try:
            for _ in range(100):
                msg = ws_recv_json(ws, timeout=5)
                if msg.get("type") == "event" and msg.get("event") == "shutdown":
                    got_shutdown = True
                    assert msg["payload"]["reason"] == "gateway stopping"
                    assert "restartExpectedMs" in msg["payload"]
                    assert msg["payload"]["restartExpectedMs"] is None
        except ConnectionClosed as e:
            assert e.rcvd is not None and e.rcvd.code == 1012
            assert e.rcvd.reason == "service restart"
        assert got_shutdown, "shutdown event must be queued before the close frame"
    assert code == 0
