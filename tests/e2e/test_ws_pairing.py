"""Remote device pairing over the WebSocket protocol (protocol.md §6.7, §10.2, §12.2):
`device.pair.list/approve/reject/remove` with scope `operator.pairing`, the
`device.pair.requested`/`resolved` broadcasts, and the device's path from `NOT_PAIRED`
to a device token.

A real remote peer cannot be made on loopback (a non-local Host header is refused by the
DNS-rebinding guard), so the gateway runs with `gateway.nodes.pairing.autoApproveLocal: false`,
which puts local devices through the same pending-request path. The admin is the device-less
internal client (`gateway-client`/`backend` with the shared token), which keeps its scopes.
"""
from __future__ import annotations

import json
import time

import pytest

from test_ws_protocol import ALL_SCOPES, Device, call, connect, expect_close, recv, recv_res

PAIRING_REQUIRED = "pairing required: device is not approved yet"


@pytest.fixture
def manual_gateway(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config(nodes={"pairing": {"autoApproveLocal": False}}))
    return start_gateway()


def admin(gw, scopes=ALL_SCOPES):
    ws, res = connect(gw, client_id="gateway-client", mode="backend", scopes=scopes)
    assert res["ok"] is True, res
    return ws


def refused(gw, device, auth=None):
    """A device connect that must end in NOT_PAIRED; returns the requestId."""
    ws, res = connect(gw, device=device, auth=auth)
    assert res["ok"] is False, res
    error = res["error"]
    assert error["code"] == "NOT_PAIRED" and error["message"] == PAIRING_REQUIRED
    assert error["details"]["code"] == "PAIRING_REQUIRED" and error["details"]["reason"] == "not-paired"
    request_id = error["details"]["requestId"]
    assert expect_close(ws) == (1008, f"{PAIRING_REQUIRED} (requestId: {request_id})")
    return request_id


def decide(ws, method, params):
    """Calls a pairing method; returns its res and the `device.pair.resolved` payload
    (the broadcast may arrive before or after the res)."""
    ws.send(json.dumps({"type": "req", "id": "decide", "method": method, "params": params}))
    res, events = recv_res(ws, "decide")
    for event in events:
        if event.get("event") == "device.pair.resolved":
            return res, event["payload"]
    return res, next_event(ws, "device.pair.resolved")["payload"]


def next_event(ws, name, timeout=5):
    """Skips other frames until event `name` arrives."""
    deadline = time.monotonic() + timeout
    while True:
        msg = recv(ws, max(0.05, deadline - time.monotonic()))
        if msg.get("type") == "event" and msg.get("event") == name:
            return msg


def test_pending_device_approved_over_ws_then_gets_a_device_token(manual_gateway):
    gw = manual_gateway
    with admin(gw) as ops:
        device = Device()
        request_id = refused(gw, device)
        requested = next_event(ops, "device.pair.requested")["payload"]
        assert requested["requestId"] == request_id and requested["deviceId"] == device.id
        assert requested["role"] == "operator" and requested["scopes"] == ALL_SCOPES
        assert "publicKey" not in requested and "remoteIp" not in requested

        listed = call(ops, "device.pair.list")["payload"]
        assert [p["requestId"] for p in listed["pending"]] == [request_id]
        assert listed["paired"] == []

        res, resolved = decide(ops, "device.pair.approve", {"requestId": request_id})
        assert res["ok"] is True and "error" not in res, res
        assert res["payload"]["requestId"] == request_id
        assert res["payload"]["device"]["deviceId"] == device.id
        assert resolved["requestId"] == request_id and resolved["deviceId"] == device.id
        assert resolved["decision"] == "approved" and isinstance(resolved["ts"], int)

        ws, hello = connect(gw, device=device)
        with ws:
            assert hello["ok"] is True, hello
            auth = hello["payload"]["auth"]
            assert auth["scopes"] == ALL_SCOPES and auth["deviceToken"].startswith("dvt_")
        # The device token alone (no gateway token) now admits this device.
        ws, again = connect(gw, device=device, auth={"deviceToken": auth["deviceToken"]})
        with ws:
            assert again["ok"] is True, again
            assert again["payload"]["auth"]["deviceToken"] == auth["deviceToken"]

        listed = call(ops, "device.pair.list")["payload"]
        assert listed["pending"] == []
        (paired,) = listed["paired"]
        assert paired["deviceId"] == device.id and paired["roles"] == ["operator"]
        # Token values never leave the gateway; only their metadata.
        assert [t["role"] for t in paired["tokens"]] == ["operator"]
        assert all("token" not in t for t in paired["tokens"])
        assert auth["deviceToken"] not in str(listed)


def test_reject_drops_the_request_and_the_device_stays_unpaired(manual_gateway):
    gw = manual_gateway
    with admin(gw) as ops:
        device = Device()
        request_id = refused(gw, device)
        res, resolved = decide(ops, "device.pair.reject", {"requestId": request_id})
        assert res["ok"] is True and res["payload"] == {"requestId": request_id, "deviceId": device.id}
        assert resolved["decision"] == "rejected" and resolved["requestId"] == request_id
        assert call(ops, "device.pair.list")["payload"]["pending"] == []
        # A rejected request is gone: approving it now fails, and the next connect files a new one.
        res = call(ops, "device.pair.approve", {"requestId": request_id})
        assert res["ok"] is False and res["error"] == {"code": "INVALID_REQUEST", "message": "unknown requestId"}
        assert refused(gw, device) != request_id


def test_remove_closes_the_device_and_requires_new_approval(manual_gateway):
    gw = manual_gateway
    with admin(gw) as ops:
        device = Device()
        assert call(ops, "device.pair.approve", {"requestId": refused(gw, device)})["ok"] is True
        ws, hello = connect(gw, device=device)
        assert hello["ok"] is True, hello
        token = hello["payload"]["auth"]["deviceToken"]

        res = call(ops, "device.pair.remove", {"deviceId": device.id})
        assert res["ok"] is True and res["payload"] == {"deviceId": device.id}
        assert expect_close(ws) == (1008, "device removed")
        assert call(ops, "device.pair.list")["payload"]["paired"] == []
        # Its old token is gone with the record; the shared token alone gets it a new request.
        refused(gw, device)
        ws, res = connect(gw, device=device, auth={"deviceToken": token})
        assert res["ok"] is False and res["error"]["code"] in ("INVALID_REQUEST", "NOT_PAIRED"), res
        ws.close()

        res = call(ops, "device.pair.remove", {"deviceId": device.id})
        assert res["ok"] is False and res["error"]["message"] == "unknown deviceId"


def test_pairing_methods_need_the_pairing_scope_and_valid_params(manual_gateway):
    gw = manual_gateway
    with admin(gw, scopes=["operator.read", "operator.write"]) as reader:
        for method, params in (("device.pair.list", {}), ("device.pair.approve", {"requestId": "x"}),
                               ("device.pair.reject", {"requestId": "x"}), ("device.pair.remove", {"deviceId": "x"})):
            res = call(reader, method, params)
            assert res["ok"] is False and res["error"]["code"] == "FORBIDDEN", res
            assert res["error"]["message"] == "missing scope: operator.pairing"
    with admin(gw, scopes=["operator.pairing"]) as ops:
        res = call(ops, "device.pair.approve", {})
        assert res["error"]["message"] == "invalid device.pair.approve params: at root: must have required property 'requestId'"
        res = call(ops, "device.pair.remove", {"deviceId": "d", "extra": 1})
        assert res["error"]["message"] == "invalid device.pair.remove params: at root: unexpected property 'extra'"
        # Without operator.read the pairing admin still sees pairing events (§10.4).
        device = Device()
        request_id = refused(gw, device)
        assert next_event(ops, "device.pair.requested")["payload"]["requestId"] == request_id


def test_pairing_methods_are_advertised(manual_gateway):
    ws, hello = connect(manual_gateway, client_id="gateway-client", mode="backend")
    with ws:
        features = hello["payload"]["features"]
        for name in ("device.pair.list", "device.pair.approve", "device.pair.reject", "device.pair.remove"):
            assert name in features["methods"]
        assert {"device.pair.requested", "device.pair.resolved"} <= set(features["events"])
