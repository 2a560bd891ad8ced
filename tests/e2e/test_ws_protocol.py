"""WebSocket control protocol after the handshake (protocol.md §5–§8, §10, §12, §13):
hello-ok shape, device identity and device tokens, dispatch errors, scopes, concurrency,
per-connection seq, shutdown."""
from __future__ import annotations

import base64
import hashlib
import json
import signal
import threading
import time
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

ALL_SCOPES = ["operator.admin", "operator.read", "operator.write", "operator.approvals", "operator.pairing"]


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class Device:
    """An Ed25519 device identity, signing v3 payloads like the reference client."""

    def __init__(self):
        self.key = Ed25519PrivateKey.generate()
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.public_key = b64u(raw)
        self.id = hashlib.sha256(raw).hexdigest()

    def proof(self, nonce, client, role, scopes, token):
        signed_at = int(time.time() * 1000)
        payload = "|".join(["v3", self.id, client["id"], client["mode"], role, ",".join(scopes), str(signed_at),
                            token or "", nonce, client["platform"].strip().lower(),
                            client.get("deviceFamily", "").strip().lower()])
        return {"id": self.id, "publicKey": self.public_key, "signature": b64u(self.key.sign(payload.encode())),
                "signedAt": signed_at, "nonce": nonce}


def open_ws(gw, **kw):
    kw.setdefault("open_timeout", 5)
    kw.setdefault("close_timeout", 2)
    kw.setdefault("max_size", 32 * 1024 * 1024)
    # Entered at once: callers close it with `with` or `.close()`.
    return ws_connect(f"ws://127.0.0.1:{gw.port}/", **kw).__enter__()


def recv(ws, timeout=5):
    return json.loads(ws.recv(timeout=timeout))


def recv_res(ws, req_id, timeout=5):
    """Next res with this id; events in between are returned too."""
    events = []
    deadline = time.monotonic() + timeout
    while True:
        msg = recv(ws, max(0.05, deadline - time.monotonic()))
        if msg.get("type") == "res" and msg.get("id") == req_id:
            return msg, events
        events.append(msg)


def expect_close(ws, timeout=5):
    deadline = time.monotonic() + timeout
    with pytest.raises(ConnectionClosed) as ei:
        while time.monotonic() < deadline:
            ws.recv(timeout=max(0.05, deadline - time.monotonic()))
        raise AssertionError("server did not close in time")
    assert ei.value.rcvd is not None, "dropped without a close frame"
    return ei.value.rcvd.code, ei.value.rcvd.reason


def connect(gw, token=None, device: Device | None = None, scopes=None, client_id="cli", mode="cli",
            auth=None, min_protocol=4, max_protocol=4):
    """Open, read the challenge, send connect; returns (ws, res)."""
    ws = open_ws(gw)
    challenge = recv(ws)
    assert challenge["event"] == "connect.challenge"
    client = {"id": client_id, "version": "0.0.1-e2e", "platform": "linux", "mode": mode}
    scopes = ALL_SCOPES if scopes is None else scopes
    auth = auth if auth is not None else {"token": token if token is not None else gw.token}
    params = {"minProtocol": min_protocol, "maxProtocol": max_protocol, "client": client, "role": "operator",
              "scopes": scopes, "caps": [], "auth": auth, "locale": "en-US", "userAgent": "e2e/1"}
    if device is not None:
        params["device"] = device.proof(challenge["payload"]["nonce"], client, "operator", scopes,
                                        auth.get("token") or auth.get("deviceToken"))
    ws.send(json.dumps({"type": "req", "id": "c1", "method": "connect", "params": params}))
    res, _ = recv_res(ws, "c1")
    return ws, res


def call(ws, method, params=None, req_id=None):
    req_id = req_id or str(uuid.uuid4())
    ws.send(json.dumps({"type": "req", "id": req_id, "method": method, "params": params or {}}))
    res, _ = recv_res(ws, req_id)
    return res


# --------------------------------------------------------------------------- hello-ok

def test_hello_ok_every_field_with_device(gateway):
    device = Device()
    ws, res = connect(gateway, device=device)
    with ws:
        assert res["ok"] is True and "error" not in res, res
        hello = res["payload"]
        assert set(hello) == {"type", "protocol", "server", "features", "snapshot", "auth", "policy"}
        assert hello["type"] == "hello-ok" and hello["protocol"] == 4
        assert set(hello["server"]) == {"version", "connId"}
        uuid.UUID(hello["server"]["connId"])
        methods = hello["features"]["methods"]
        for m in ("health", "status", "system-presence", "logs.tail", "config.get", "config.patch", "agent",
                  "agent.wait", "chat.send", "chat.history", "sessions.list", "secrets.reload", "models.list"):
            assert m in methods
        for e in ("connect.challenge", "tick", "presence", "health", "shutdown", "agent", "chat"):
            assert e in hello["features"]["events"]
        snap = hello["snapshot"]
        assert {"presence", "health", "stateVersion", "uptimeMs", "sessionDefaults", "authMode"} <= set(snap)
        assert any(p.get("reason") == "self" and p.get("mode") == "gateway" for p in snap["presence"])
        assert {"ok", "ts", "durationMs", "heartbeatSeconds", "defaultAgentId", "agents", "sessions"} <= set(snap["health"])
        assert set(snap["stateVersion"]) == {"presence", "health"}
        assert snap["sessionDefaults"]["mainSessionKey"] == "agent:main:main"
        assert snap["authMode"] == "token"
        assert hello["policy"] == {"maxPayload": 26214400, "maxBufferedBytes": 52428800, "tickIntervalMs": 30000}
        auth = hello["auth"]
        assert auth["role"] == "operator"
        assert sorted(auth["scopes"]) == sorted(ALL_SCOPES)
        assert auth["deviceToken"] and isinstance(auth["issuedAtMs"], int)
        # Local pairing was auto-approved and persisted with mode 0600.
        paired = gateway.oc.state_dir / "devices" / "paired.json"
        assert paired.stat().st_mode & 0o777 == 0o600
        assert device.id in json.loads(paired.read_text())


def test_device_token_accepted_on_reconnect(gateway):
    device = Device()
    ws, res = connect(gateway, device=device)
    token = res["payload"]["auth"]["deviceToken"]
    ws.close()
    ws, res = connect(gateway, device=device, auth={"deviceToken": token})
    with ws:
        assert res["ok"] is True, res
        assert res["payload"]["auth"]["deviceToken"] == token
        assert call(ws, "status")["ok"] is True
    ws, res = connect(gateway, device=device, auth={"deviceToken": "dvt_wrong"})
    with ws:
        assert res["ok"] is False
        assert res["error"]["message"] == "unauthorized: device token mismatch (rotate/reissue device token)"
        assert expect_close(ws)[0] == 1008


def test_deviceless_cli_gets_no_scopes(gateway):
    ws, res = connect(gateway)
    with ws:
        assert res["ok"] is True, res
        assert res["payload"]["auth"]["scopes"] == []
        assert "deviceToken" not in res["payload"]["auth"]
        assert call(ws, "health")["ok"] is True
        denied = call(ws, "status")
        assert denied["error"]["message"] == "missing scope: operator.read"


def test_protocol_3_accepted_for_operators(gateway):
    ws, res = connect(gateway, device=Device(), min_protocol=3, max_protocol=3)
    with ws:
        assert res["ok"] is True and res["payload"]["protocol"] == 3


def test_bad_device_signature(gateway):
    device = Device()
    ws = open_ws(gateway)
    nonce = recv(ws)["payload"]["nonce"]
    client = {"id": "cli", "version": "1", "platform": "linux", "mode": "cli"}
    proof = device.proof(nonce, client, "operator", ["operator.read"], "something-else")
    ws.send(json.dumps({"type": "req", "id": "c1", "method": "connect", "params": {
        "minProtocol": 4, "maxProtocol": 4, "client": client, "scopes": ["operator.read"],
        "auth": {"token": gateway.token}, "device": proof}}))
    res, _ = recv_res(ws, "c1")
    assert res["error"] == {"code": "INVALID_REQUEST", "message": "device signature invalid",
                            "details": {"code": "DEVICE_AUTH_SIGNATURE_INVALID", "reason": "device-signature"}}
    assert expect_close(ws) == (1008, "device signature invalid")
    time.sleep(0.2)
    assert "closed before connect conn=" in gateway.log_text()
    assert "code=1008 reason=device signature invalid" in gateway.log_text()


def test_wrong_token_exact_message(gateway):
    ws, res = connect(gateway, token="wrong", device=Device())
    with ws:
        assert res["error"]["message"] == ("unauthorized: gateway token mismatch "
                                           "(set gateway.remote.token to match gateway.auth.token)")
        assert res["error"]["details"]["code"] == "AUTH_TOKEN_MISMATCH"
        assert expect_close(ws)[0] == 1008
    time.sleep(0.2)
    assert "unauthorized conn=" in gateway.log_text()


# --------------------------------------------------------------------------- dispatch

def test_unknown_method_and_missing_scope(gateway):
    ws, _ = connect(gateway, device=Device())
    with ws:
        res = call(ws, "no.such.method", req_id="u1")
        assert res == {"type": "res", "id": "u1", "ok": False,
                       "error": {"code": "INVALID_REQUEST", "message": "unknown method: no.such.method"}}
        again = call(ws, "connect", req_id="u2")
        assert again["error"]["message"] == "connect already completed"
        ws.send(json.dumps({"type": "req", "id": "u3"}))
        bad, _ = recv_res(ws, "u3")
        assert bad["error"]["message"].startswith("invalid request frame: ")
    ws, res = connect(gateway, device=Device(), scopes=["operator.read"])
    with ws:
        res = call(ws, "secrets.reload", req_id="s1")
        assert res == {"type": "res", "id": "s1", "ok": False, "error": {
            "code": "FORBIDDEN", "message": "missing scope: operator.admin",
            "details": {"code": "MISSING_SCOPE", "missingScope": "operator.admin", "requiredScopes": ["operator.admin"]}}}
        assert call(ws, "status")["ok"] is True


def test_core_methods(gateway):
    ws, _ = connect(gateway, device=Device())
    with ws:
        status = call(ws, "status")["payload"]
        assert {"runtimeVersion", "gatewayId", "uptimeMs", "pid", "gateway", "agents", "sessions", "channels", "plugins"} <= set(status)
        assert status["gateway"]["port"] == gateway.port
        assert call(ws, "status")["payload"]["gatewayId"] == status["gatewayId"]
        presence = call(ws, "system-presence")["payload"]
        assert any(p.get("deviceId") for p in presence)
        cfg = call(ws, "config.get")["payload"]
        assert cfg["exists"] is True and len(cfg["hash"]) == 64
        assert gateway.token not in json.dumps(cfg)
        logs = call(ws, "logs.tail", {"limit": 5})["payload"]
        assert {"file", "cursor", "size", "lines"} <= set(logs)
        # No model configured: the run is refused with a clear message (the two-stage flow
        # itself is covered by test_agent_runtime.py).
        agent = call(ws, "agent", {"message": "hi", "idempotencyKey": "k1"})
        assert agent["ok"] is False and agent["error"]["message"].startswith("no model configured for agent main"), agent
        assert call(ws, "agent", {"message": "hi"})["error"]["code"] == "INVALID_REQUEST"
        assert call(ws, "chat.history", {"sessionKey": "main"})["payload"] == {"sessionKey": "agent:main:main", "messages": []}


def test_config_patch_roundtrip(gateway):
    ws, _ = connect(gateway, device=Device())
    with ws:
        base = call(ws, "config.get")["payload"]["hash"]
        stale = call(ws, "config.patch", {"raw": "{}", "baseHash": "0" * 64})
        assert stale["error"]["message"].startswith("config changed since last load")
        denied = call(ws, "config.patch", {"raw": "{plugins:{load:{paths:['/tmp/x']}}}", "baseHash": base})
        assert denied["error"]["code"] == "INVALID_REQUEST"
        res = call(ws, "config.patch", {"raw": "{logging: {level: 'debug'}}", "baseHash": base})
        assert res["ok"] is True, res
        assert "logging.level" in res["payload"]["changedPaths"]
        assert gateway.oc.read_config()["logging"]["level"] == "debug"
        assert gateway.oc.read_config()["gateway"]["auth"]["token"] == gateway.token


def schema_errors(value, schema, path="$"):
    """A small JSON Schema check (the keywords config.schema uses), returning error paths."""
    kinds = {"object": dict, "array": list, "string": str, "boolean": bool}
    t = schema.get("type")
    if t in kinds and not isinstance(value, kinds[t]) or t == "integer" and not isinstance(value, int):
        return [path]
    if "enum" in schema and value not in schema["enum"] or "const" in schema and value != schema["const"]:
        return [path]
    if "not" in schema or value is True and t != "boolean":
        return [path]
    if ("minimum" in schema and value < schema["minimum"]) or ("maximum" in schema and value > schema["maximum"]):
        return [path]
    for key in ("anyOf", "oneOf"):
        if key in schema and all(schema_errors(value, alt, path) for alt in schema[key]):
            return [path]
    errors = []
    if isinstance(value, dict) and t == "object":
        props, extra = schema.get("properties", {}), schema.get("additionalProperties", True)
        errors += [f"{path}.{k}" for k in schema.get("required", []) if k not in value]
        for k, v in value.items():
            sub = props.get(k, extra)
            errors += [f"{path}.{k}"] if sub is False else schema_errors(v, sub, f"{path}.{k}") if isinstance(sub, dict) else []
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            errors += schema_errors(v, schema["items"], f"{path}[{i}]")
    return errors


def test_config_schema_is_the_real_schema(gateway):
    ws, _ = connect(gateway, device=Device())
    with ws:
        res = call(ws, "config.schema")
        assert res["ok"] is True, res
        payload = res["payload"]
        assert set(payload) == {"schema", "uiHints", "version", "generatedAt"}
        schema = payload["schema"]
        assert schema["type"] == "object" and schema["additionalProperties"] is False
        gw_props = schema["properties"]["gateway"]["properties"]
        assert gw_props["port"] == {"type": "integer", "minimum": 1, "maximum": 65535}
        assert gw_props["auth"]["properties"]["mode"]["enum"] == ["token", "password", "trusted-proxy", "none"]
        assert payload["uiHints"]["gateway.auth.token"] == {"sensitive": True}
        # First-party plugin config schemas sit at plugins.entries.<id>.config.
        entries = schema["properties"]["plugins"]["properties"]["entries"]
        assert entries["properties"]["admin-http-rpc"]["properties"]["config"] == {
            "type": "object", "additionalProperties": False}
        # The gateway's own config validates; wrong values and unknown keys do not.
        assert schema_errors(gateway.oc.read_config(), schema) == []
        assert schema_errors({"gateway": {"port": 0, "bogus": 1}}, schema) == ["$.gateway.port", "$.gateway.bogus"]
        assert schema_errors({"gateway": {"auth": {"token": {"source": "env", "provider": "default"}}}}, schema)


def test_hundred_concurrent_requests(gateway):
    ws, _ = connect(gateway, device=Device())
    with ws:
        ids = [f"r{i}" for i in range(100)]
        for i in ids:
            ws.send(json.dumps({"type": "req", "id": i, "method": "health" if int(i[1:]) % 2 else "status", "params": {}}))
        seen = {}
        deadline = time.monotonic() + 10
        while len(seen) < 100 and time.monotonic() < deadline:
            msg = recv(ws)
            if msg["type"] == "res":
                assert msg["id"] not in seen
                seen[msg["id"]] = msg
        assert sorted(seen) == sorted(ids)
        assert all(m["ok"] for m in seen.values())


def test_seq_strictly_increasing_without_gaps(gateway):
    watcher, _ = connect(gateway, device=Device())
    with watcher:
        for _ in range(5):
            other, _ = connect(gateway, device=Device())
            other.close()
        seqs = []
        deadline = time.monotonic() + 5
        while len(seqs) < 10 and time.monotonic() < deadline:
            try:
                msg = recv(watcher, timeout=1)
            except TimeoutError:
                break
            if msg["type"] == "event":
                seqs.append(msg["seq"])
                if msg["event"] == "presence":
                    assert set(msg["stateVersion"]) == {"presence", "health"}
        assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 10


def test_sigterm_sends_shutdown_then_1012_to_every_client(gateway):
    clients = [connect(gateway, device=Device())[0] for _ in range(3)]
    results = []

    def watch(ws):
        got_shutdown = False
        try:
            while True:
                msg = recv(ws, timeout=8)
                if msg.get("event") == "shutdown":
                    assert msg["payload"] == {"reason": "gateway stopping", "restartExpectedMs": None}
                    got_shutdown = True
        except ConnectionClosed as e:
            results.append((got_shutdown, e.rcvd and e.rcvd.code, e.rcvd and e.rcvd.reason))

    threads = [threading.Thread(target=watch, args=(ws,)) for ws in clients]
    for t in threads:
        t.start()
    assert gateway.stop(signal.SIGTERM, timeout=6) == 0
    for t in threads:
        t.join(10)
    assert results == [(True, 1012, "service restart")] * 3
