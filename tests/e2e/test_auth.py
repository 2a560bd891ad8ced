"""Shared-token auth on HTTP (cli-config.md §4, http.md §3.1, §3.4, §3.6, §7, §11)."""
from __future__ import annotations

import math
import os
import re
import stat

import json

import httpx
import pytest

from conftest import TEST_TOKEN
from oc_helpers import raw_request, req

UNAUTHORIZED = {"error": {"message": "Unauthorized", "type": "unauthorized"}}
RATE_LIMITED = {"error": {"message": "Too many failed authentication attempts. Please try again later.",
                          "type": "rate_limited"}}
GENERATED_LINE = "generated gateway auth token (saved to gateway.auth.token)"
ECHO = {"tool": "echo", "args": {"text": "hi"}}


def invoke(gw, headers=None, body=ECHO, **kw):
    return httpx.post(f"{gw.url}/tools/invoke", json=body, headers=headers or {}, timeout=5, **kw)


# --------------------------------------------------------------------------- generated token

def test_generated_token_persisted_into_existing_config(start_gateway, oc_env):
    oc_env.write_config({"gateway": {"mode": "local"}, "logging": {"file": str(oc_env.log_path)}})
    gw = start_gateway()
    cfg = oc_env.read_config()
    token = cfg["gateway"]["auth"]["token"]
    assert re.fullmatch(r"[0-9a-f]{48}", token), token
    assert cfg["gateway"]["mode"] == "local"
    assert cfg["logging"]["file"] == str(oc_env.log_path), "other keys must be kept"
    assert stat.S_IMODE(os.stat(oc_env.config_path).st_mode) == 0o600
    logs = gw.log_text()
    assert GENERATED_LINE in logs
    assert token not in logs, "the generated token must never be logged"
    # The persisted token is the live one.
    assert invoke(gw, {"Authorization": f"Bearer {token}"}).status_code != 401
    assert invoke(gw, {"Authorization": "Bearer wrong"}).status_code == 401


def test_generated_token_creates_missing_config(start_gateway, oc_env):
    assert not oc_env.config_path.exists()
    gw = start_gateway(args=["--allow-unconfigured"])
    assert oc_env.config_path.is_file(), "a missing config file is created to hold the token"
    assert stat.S_IMODE(os.stat(oc_env.config_path).st_mode) == 0o600
    cfg = oc_env.read_config()
    assert cfg == {"gateway": {"auth": {"token": cfg["gateway"]["auth"]["token"]}}}, cfg
    token = cfg["gateway"]["auth"]["token"]
    assert re.fullmatch(r"[0-9a-f]{48}", token)
    assert GENERATED_LINE in gw.log_text()
    assert token not in gw.log_text()


def test_generated_token_differs_per_state_dir(start_gateway, make_env):
    tokens = []
    for name in ("a", "b"):
        oc = make_env(name)
        start_gateway(oc=oc, args=["--allow-unconfigured"])
        tokens.append(oc.read_config()["gateway"]["auth"]["token"])
    assert tokens[0] != tokens[1]


def test_configured_token_is_not_regenerated(gateway, oc_env):
    assert oc_env.read_config()["gateway"]["auth"]["token"] == TEST_TOKEN
    assert GENERATED_LINE not in gateway.log_text()


def test_env_token_wins_over_config(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config())
    env_token = "env-token-fedcba9876543210fedcba9876543210"
    gw = start_gateway(env={"OPENCLAW_GATEWAY_TOKEN": env_token})
    assert invoke(gw, {"Authorization": f"Bearer {TEST_TOKEN}"}).status_code == 401
    assert invoke(gw, {"Authorization": f"Bearer {env_token}"}).status_code == 200


def test_token_flag_wins(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config())
    flag_token = "flag-token-00112233445566778899aabbccddeeff"
    gw = start_gateway(args=["--token", flag_token])
    assert invoke(gw, {"Authorization": f"Bearer {TEST_TOKEN}"}).status_code == 401
    assert invoke(gw, {"Authorization": f"Bearer {flag_token}"}).status_code == 200
    assert flag_token not in gw.log_text()


# --------------------------------------------------------------------------- 401 / 200

@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wrong-token"},
    {"Authorization": f"Basic {TEST_TOKEN}"},
    {"Authorization": f"Bearer {TEST_TOKEN}x"},
    {"Authorization": "Bearer"},
    {"Cookie": f"token={TEST_TOKEN}"},
], ids=["none", "wrong", "basic", "suffix", "empty", "cookie"])
def test_tools_invoke_unauthorized(gateway, headers):
    r = invoke(gateway, headers)
    assert r.status_code == 401, r.text
    assert r.json() == UNAUTHORIZED
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers.get("x-content-type-options") == "nosniff"
    assert r.headers.get("referrer-policy") == "no-referrer"


def test_query_token_is_never_read(gateway):
    r = httpx.post(f"{gateway.url}/tools/invoke?token={TEST_TOKEN}", json=ECHO, timeout=5)
    assert r.status_code == 401
    assert r.json() == UNAUTHORIZED


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_tools_invoke_authorized(gateway, scheme):
    r = invoke(gateway, {"Authorization": f"{scheme} {TEST_TOKEN}"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is True
    assert "hi" in str(body["result"])
    assert r.headers.get("cache-control") == "no-store"


def test_bearer_remainder_is_trimmed(gateway):
    # httpx refuses to send padded header values; go raw.
    body = json.dumps(ECHO).encode()
    r = raw_request(gateway.port, req("POST", "/tools/invoke", body=body, headers={
        "Authorization": f"Bearer \t  {TEST_TOKEN} \t", "Content-Type": "application/json"}))
    assert r.status == 200, r.body


def test_tools_invoke_echo_result_shape(gateway):
    r = invoke(gateway, gateway.auth_headers())
    assert r.status_code == 200, r.text
    result = r.json()["result"]
    assert result["content"][0] == {"type": "text", "text": "hi"}


def test_tools_invoke_missing_tool(gateway):
    r = invoke(gateway, gateway.auth_headers(), body={"args": {}})
    assert r.status_code == 400
    assert r.json() == {"ok": False, "error": {"type": "invalid_request",
                                               "message": "tools.invoke requires body.tool"}}


@pytest.mark.parametrize("tool", ["exec", "shell", "fs_write", "gateway", "no_such_tool"])
def test_tools_invoke_denied_or_unknown(gateway, tool):
    r = invoke(gateway, gateway.auth_headers(), body={"tool": tool, "args": {}})
    assert r.status_code == 404
    assert r.json() == {"ok": False, "error": {"type": "not_found",
                                               "message": f"Tool not available: {tool}"}}


def test_tools_invoke_get_is_405(gateway):
    r = httpx.get(f"{gateway.url}/tools/invoke", headers=gateway.auth_headers(), timeout=5)
    assert r.status_code == 405
    assert r.headers.get("allow") == "POST"


def test_token_not_in_logs_after_requests(gateway):
    invoke(gateway, gateway.auth_headers())
    invoke(gateway, {"Authorization": "Bearer wrong-token-value"})
    assert TEST_TOKEN not in gateway.log_text()


# --------------------------------------------------------------------------- limiter (§3.4)

def test_rate_limit_after_ten_failures(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config(auth={"token": TEST_TOKEN,
                                                 "rateLimit": {"exemptLoopback": False}}))
    gw = start_gateway()
    with gw.client() as c:
        # A missing credential is not a failure.
        for _ in range(12):
            assert c.post("/tools/invoke", json=ECHO).status_code == 401
        for i in range(10):
            r = c.post("/tools/invoke", json=ECHO, headers={"Authorization": f"Bearer bad-{i}"})
            assert r.status_code == 401, (i, r.status_code, r.text)
        r = c.post("/tools/invoke", json=ECHO, headers={"Authorization": "Bearer bad-11"})
        assert r.status_code == 429, r.text
        assert r.json() == RATE_LIMITED
        retry = int(r.headers["retry-after"])
        assert 1 <= retry <= math.ceil(300000 / 1000)
        assert retry >= 250, "lockout is 300 s by default"
        # While locked out, even the right token is refused without being compared.
        r = c.post("/tools/invoke", json=ECHO, headers=gw.auth_headers())
        assert r.status_code == 429
        # Probes need no auth and stay available.
        assert c.get("/healthz").status_code == 200


def test_rate_limit_custom_settings(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config(auth={
        "token": TEST_TOKEN,
        "rateLimit": {"exemptLoopback": False, "maxAttempts": 3, "windowMs": 60000, "lockoutMs": 2000}}))
    gw = start_gateway()
    with gw.client() as c:
        for i in range(3):
            assert c.post("/tools/invoke", json=ECHO, headers={"Authorization": f"Bearer x{i}"}).status_code == 401
        r = c.post("/tools/invoke", json=ECHO, headers={"Authorization": "Bearer x4"})
        assert r.status_code == 429
        assert r.headers["retry-after"] in ("1", "2")


def test_loopback_exempt_by_default(gateway):
    with gateway.client() as c:
        for i in range(15):
            r = c.post("/tools/invoke", json=ECHO, headers={"Authorization": f"Bearer bad-{i}"})
            assert r.status_code == 401, (i, r.status_code)
        assert c.post("/tools/invoke", json=ECHO, headers=gateway.auth_headers()).status_code == 200
