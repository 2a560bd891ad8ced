"""Admin HTTP RPC (http.md §8, §11 rules 3, 7, 8, 24, 25) against the real gateway with the real
`admin-http-rpc` plugin (libAdminRPC.so): absent (404) by default whatever the path spelling or
credentials, switched on by a config edit + SIGHUP without a restart, the envelope, allowlist and
transport errors, and scopes enforced by the host's one method registry."""
from __future__ import annotations

import os
import signal
import time

from oc_helpers import raw_request, req

RPC = "/api/v1/admin/rpc"
NOT_FOUND = {"error": {"message": "Not Found", "type": "not_found"}}
# Spellings that canonicalize to the RPC path (http.md §2.2, §11 rule 8).
SPELLINGS = ["/API/v1/admin/rpc", "/api/v1/admin%2frpc", "/api/v1/admin%252frpc", "/api//v1/./admin/rpc/"]


def admin_config(oc, enabled: bool = True, **gateway) -> dict:
    cfg = oc.base_config(**gateway)
    if enabled:
        cfg["plugins"] = {"entries": {"admin-http-rpc": {"enabled": True}}}
    return cfg


def rpc(gw, body, headers=None, path=RPC):
    """POST a JSON (dict) or raw (bytes) body with the gateway token unless headers are given."""
    h = gw.auth_headers() if headers is None else headers
    with gw.client() as c:
        if isinstance(body, (bytes, str)):
            return c.post(path, content=body, headers=h)
        return c.post(path, json=body, headers=h)


def raw_post(gw, path, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return raw_request(gw.port, req("POST", path, headers, b'{"method":"health"}', close=True))


def assert_no_store(r):
    assert r.headers["cache-control"] == "no-store", dict(r.headers)
    assert r.headers["content-type"].startswith("application/json")


# --------------------------------------------------------------------------- off by default

def test_absent_while_disabled_with_and_without_credentials(start_gateway, oc_env):
    oc_env.write_config(admin_config(oc_env, enabled=False))
    gw = start_gateway()
    assert gw.wait_ready()
    for token in (None, gw.token):
        for path in [RPC, *SPELLINGS]:
            r = raw_post(gw, path, token)
            assert r.status == 404, (path, token is not None, r.status, r.body)
            assert r.json() == NOT_FOUND, (path, r.body)
        # Indistinguishable from an unknown path under /api.
        assert raw_post(gw, "/api/v1/admin/nothing-here", token).json() == NOT_FOUND


def test_enabled_by_config_edit_and_sighup_without_restart(start_gateway, oc_env):
    oc_env.write_config(admin_config(oc_env, enabled=False))
    gw = start_gateway()
    assert gw.wait_ready()
    pid = gw.pid
    assert rpc(gw, {"method": "health"}).status_code == 404
    oc_env.write_config(admin_config(oc_env, enabled=True))
    os.kill(pid, signal.SIGHUP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and rpc(gw, {"method": "health"}).status_code == 404:
        time.sleep(0.05)
    r = rpc(gw, {"id": "h1", "method": "health"})
    assert r.status_code == 200, r.text
    assert r.json()["id"] == "h1" and r.json()["ok"] is True and r.json()["payload"]["status"] == "ok"
    assert gw.pid == pid and gw.alive(), "no restart"
    # Now present: every spelling reaches the route, and without credentials that is a 401.
    for path in [RPC, *SPELLINGS]:
        assert raw_post(gw, path).status == 401, path
        assert raw_post(gw, path, gw.token).status == 200, path
    # And off again the same way.
    oc_env.write_config(admin_config(oc_env, enabled=False))
    os.kill(pid, signal.SIGHUP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and rpc(gw, {"method": "health"}).status_code != 404:
        time.sleep(0.05)
    assert rpc(gw, {"method": "health"}).json() == NOT_FOUND


# --------------------------------------------------------------------------- methods

def test_methods_envelope_and_allowlist(start_gateway, oc_env):
    oc_env.write_config(admin_config(oc_env))
    gw = start_gateway()
    assert gw.wait_ready()

    r = rpc(gw, {"id": "a1", "method": "health"})
    assert r.status_code == 200 and r.json()["payload"]["status"] == "ok", r.text
    assert_no_store(r)

    r = rpc(gw, {"id": "c1", "method": "config.get", "params": {}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == "c1" and body["ok"] is True and isinstance(body["payload"], dict)

    # Missing or empty id: a generated UUID.
    for envelope in ({"method": "health"}, {"id": "", "method": "health"}):
        generated = rpc(gw, envelope).json()["id"]
        assert len(generated) == 36 and generated.count("-") == 4, generated

    r = rpc(gw, {"id": "l1", "method": "commands.list"})
    assert r.status_code == 200, r.text
    methods = r.json()["payload"]["methods"]
    assert methods[0] == "commands.list" and "health" in methods and "config.patch" in methods
    assert "exec.run" not in methods and "cron.list" not in methods

    for method in ("exec.run", "cron.list", "internal.agent.run", "plugins.list", "chat.send"):
        r = rpc(gw, {"id": "a2", "method": method})
        assert r.status_code == 400, (method, r.text)
        assert r.json() == {"id": "a2", "ok": False, "error": {
            "code": "INVALID_REQUEST", "message": f"admin HTTP RPC method is not supported: {method}"}}
        assert_no_store(r)

    # A method error keeps the host's code and maps it to a status.
    r = rpc(gw, {"id": "p1", "method": "config.patch", "params": {"raw": "{"}})
    assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID_REQUEST", r.text


def test_transport_errors(start_gateway, oc_env):
    oc_env.write_config(admin_config(oc_env))
    gw = start_gateway()
    assert gw.wait_ready()

    def transport(r, status, type_, message):
        assert r.status_code == status, r.text
        assert r.json() == {"ok": False, "error": {"type": type_, "message": message}}, r.text
        assert_no_store(r)

    with gw.client() as c:
        r = c.get(RPC, headers=gw.auth_headers())
        transport(r, 405, "method_not_allowed", "Method Not Allowed")
        assert r.headers["allow"] == "POST"
        # Authentication comes first: no credential, no 405.
        assert c.get(RPC).status_code == 401
    transport(rpc(gw, b""), 400, "invalid_request", "request body must be JSON")
    transport(rpc(gw, b"{not json"), 400, "invalid_request", "request body must be valid JSON")
    transport(rpc(gw, b"[1,2]"), 400, "invalid_request", "request body must be an object")
    for bad in ({}, {"method": ""}, {"method": 5}, {"method": "  "}):
        transport(rpc(gw, bad), 400, "invalid_request", "method must be a non-empty string")

    # 1 MiB limit (http.md §3.5): one byte over is refused before the plugin runs.
    limit = 1024 * 1024
    filler = b'{"method":"health","params":{"pad":"' + b"x" * (limit - 40) + b'"}}'
    body_at_limit = filler + b" " * (limit - len(filler))
    assert rpc(gw, body_at_limit).status_code == 200
    assert rpc(gw, body_at_limit + b" ").status_code == 413
    # Unauthenticated oversize bodies are refused too, never reaching the plugin.
    assert rpc(gw, body_at_limit + b" ", headers={}).status_code in (401, 413)


# --------------------------------------------------------------------------- scopes

def test_scopes_enforced_as_over_websocket(start_gateway, oc_env):
    """Mode `none` + `x-openclaw-scopes` (trusted-operator surface): the header's scopes are
    exactly what the registry checks for each method (§11 rules 3 and 7)."""
    cfg = admin_config(oc_env)
    cfg["gateway"]["auth"] = {"mode": "none"}
    oc_env.write_config(cfg)
    gw = start_gateway()
    assert gw.wait_ready()
    read_only = {"x-openclaw-scopes": "operator.read"}

    r = rpc(gw, {"id": "r1", "method": "config.get"}, headers=read_only)
    assert r.status_code == 200, r.text
    r = rpc(gw, {"id": "r2", "method": "config.patch", "params": {"raw": "{}"}}, headers=read_only)
    assert r.status_code == 403, r.text
    error = r.json()["error"]
    assert r.json()["ok"] is False and error["code"] == "FORBIDDEN", r.text
    assert error["message"].startswith("missing scope: operator.admin"), error
    assert_no_store(r)
    r = rpc(gw, {"id": "r3", "method": "config.get"}, headers={"x-openclaw-scopes": ""})
    assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN", r.text
    # Without the header, mode none grants the full set.
    assert rpc(gw, {"method": "config.get"}, headers={}).status_code == 200


def test_shared_secret_ignores_scope_header(start_gateway, oc_env):
    oc_env.write_config(admin_config(oc_env))
    gw = start_gateway()
    assert gw.wait_ready()
    headers = {**gw.auth_headers(), "x-openclaw-scopes": "operator.read"}
    r = rpc(gw, {"method": "config.patch", "params": {"raw": "{"}}, headers=headers)
    # Not FORBIDDEN: the token holder is the owner; the refusal is about the patch itself.
    assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID_REQUEST", r.text
