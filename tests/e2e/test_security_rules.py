"""http.md §11, the security checklist: one test per numbered rule, named after it, asserting
what the rule says against the real gateway and its first-party plugins (loopback only)."""
from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import httpx
import pytest

import conftest
from conftest import TEST_TOKEN, run_cli
from oc_helpers import free_port, raw_request, req, wait_until, RawConn
from security_support import Trap, install_probe, with_probe, ws_connect_as
from stub_upstream import StubUpstream
from test_admin_rpc import RPC, SPELLINGS, admin_config
from test_control_ui_browser import CHROMIUM, connect_with_token, page, wait_state  # noqa: F401 (page: fixture)
from test_hooks import HOOK_TOKEN, QUERY_TOKEN_TEXT, hooks_config
from test_openai import compat_config
from test_plugins import WS, install_broken, install_echo
from test_ws_protocol import Device

NOT_FOUND = {"error": {"message": "Not Found", "type": "not_found"}}
USER = [{"role": "user", "content": "hi"}]
EVIL = "https://evil.example"
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium not found: install the apt package `chromium`")


def started(start_gateway, oc_env, config: dict, **kw):
    oc_env.write_config(config)
    gw = start_gateway(oc=oc_env, **kw)
    assert gw.wait_ready(), "plugins did not finish init"
    return gw


def http(gw, method: str, path: str, headers=None, **kw) -> httpx.Response:
    with gw.client(timeout=15) as c:
        return c.request(method, path, headers=headers or {}, **kw)


def chat(gw, headers=None, **kw) -> httpx.Response:
    return http(gw, "POST", "/v1/chat/completions", headers=headers, json={"messages": USER}, **kw)


# --------------------------------------------------------------------------- 1–5

@needs_chromium
def test_rule_1_no_credentials_to_url_chosen_endpoints(start_gateway, oc_env, page):  # noqa: F811
    gw = started(start_gateway, oc_env, oc_env.base_config())
    app = http(gw, "GET", "/app.js").text
    assert "gatewayUrl" not in app
    with Trap() as trap:
        page.navigate(f"{gw.url}/?gatewayUrl=ws://127.0.0.1:{trap.port}/")
        connect_with_token(page, TEST_TOKEN)
        wait_state(page, "connected")
        assert not trap.contacted(), "the UI connected to the URL from the query string"


def test_rule_2_origin_checked_on_browser_requests(start_gateway, oc_env):
    gw = started(start_gateway, oc_env, compat_config(oc_env))
    ws, res = ws_connect_as(gw, "openclaw-control-ui", "ui", origin=EVIL, device=Device())
    with ws:
        assert not res["ok"] and res["error"]["details"]["code"] == "CONTROL_UI_ORIGIN_NOT_ALLOWED", res
    r = chat(gw, {**gw.auth_headers(), "Origin": EVIL})
    assert r.status_code == 403 and r.json() == {"error": {"message": "origin not allowed", "type": "forbidden"}}


def test_rule_3_mutations_need_auth_and_scope(start_gateway, oc_env, tmp_path):
    gw = started(start_gateway, oc_env, admin_config(oc_env))
    base = WS(gw).call("config.get")["payload"]["hash"]
    writes = [("config.set", {"raw": "{}", "baseHash": base}), ("config.patch", {"raw": "{}", "baseHash": base}),
              ("config.apply", {"raw": "{}", "baseHash": base})]
    # Read-only device session and a device-less token session (scopes discarded).
    for scopes, device in ((["operator.read"], Device()), (None, None)):
        ws, res = ws_connect_as(gw, scopes=scopes, device=device)
        with ws:
            assert res["ok"], res
            for method, params in writes:
                ws.send(json.dumps({"type": "req", "id": method, "method": method, "params": params}))
                reply = next(m for m in (json.loads(ws.recv(timeout=5)) for _ in range(50)) if m.get("id") == method)
                assert not reply["ok"] and reply["error"]["code"] == "FORBIDDEN", reply
    for method, params in writes:
        assert http(gw, "POST", RPC, json={"method": method, "params": params}).status_code == 401
    # Config values are data: a command substitution in a text field is never run.
    marker = tmp_path / "executed"
    admin = WS(gw)
    patch = {"agents": {"defaults": {"model": f"$(touch {marker})"}}, "logging": {"level": f"`touch {marker}`"}}
    admin.call("config.patch", {"raw": json.dumps(patch), "baseHash": base})
    time.sleep(0.5)
    assert not marker.exists()


def test_rule_4_http_tool_deny_list(start_gateway, oc_env):
    gw = started(start_gateway, oc_env, oc_env.base_config())
    for tool in ["exec", "spawn", "shell", "fs_write", "fs_delete", "fs_move", "apply_patch", "sessions_spawn",
                 "sessions_send", "cron", "gateway", "nodes", "whatsapp_login"]:
        r = http(gw, "POST", "/tools/invoke", gw.auth_headers(), json={"tool": tool, "args": {}})
        assert r.status_code == 404, (tool, r.text)
        assert r.json()["error"]["message"] == f"Tool not available: {tool}"


def test_rule_5_no_request_chosen_outbound_urls(start_gateway, oc_env):
    gw = started(start_gateway, oc_env, compat_config(oc_env))
    with Trap() as trap:
        url = f"http://127.0.0.1:{trap.port}/cat.png"
        bodies = [("/v1/chat/completions", {"messages": [{"role": "user", "content": [
                      {"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": url}}]}]}),
                  ("/v1/responses", {"model": "openclaw", "input": [{"role": "user", "content": [
                      {"type": "input_image", "image_url": url}]}]}),
                  ("/v1/responses", {"model": "openclaw", "input": [{"role": "user", "content": [
                      {"type": "input_file", "file_url": url}]}]})]
        for path, body in bodies:
            r = http(gw, "POST", path, gw.auth_headers(), json=body)
            assert r.status_code == 400, (path, r.text)
        r = http(gw, "POST", "/tools/invoke", gw.auth_headers(), json={"tool": "echo", "args": {"url": url}})
        assert r.status_code in (200, 400, 404), r.text
        time.sleep(0.3)
        assert not trap.contacted(), "the gateway connected to a URL chosen by the request"


# --------------------------------------------------------------------------- 6–10

def test_rule_6_no_csrf_on_local_routes(start_gateway, oc_env, make_env):
    cross_site = {"Content-Type": "text/plain", "Origin": EVIL}
    body = json.dumps({"tool": "echo", "args": {"text": "csrf"}})
    gw = started(start_gateway, oc_env, oc_env.base_config())
    assert http(gw, "POST", "/tools/invoke", {**gw.auth_headers(), **cross_site}, content=body).status_code == 403
    assert http(gw, "POST", "/tools/invoke", {"Cookie": f"token={TEST_TOKEN}; openclaw_token={TEST_TOKEN}"},
                content=body).status_code == 401
    other = make_env("none")
    cfg = other.base_config(token=None)
    cfg["gateway"]["auth"] = {"mode": "none"}
    open_gw = started(start_gateway, other, cfg)
    assert http(open_gw, "POST", "/tools/invoke", cross_site, content=body).status_code == 403


def trusted_proxy_config(oc, allow_loopback: bool, chat_enabled: bool = True) -> dict:
    cfg = compat_config(oc, auth={"mode": "trusted-proxy",
                                  "trustedProxy": {"userHeader": "x-forwarded-user", "allowLoopback": allow_loopback}})
    cfg["gateway"]["trustedProxies"] = ["127.0.0.1"]
    return cfg


def test_rule_7_server_assigns_scopes(start_gateway, oc_env, make_env):
    install_probe(oc_env.state_dir)
    gw = started(start_gateway, oc_env, with_probe(compat_config(oc_env)))
    admin = {"x-openclaw-scopes": "operator.admin"}
    # Shared secret: the header neither narrows nor widens.
    assert chat(gw, {**gw.auth_headers(), "x-openclaw-scopes": "operator.read"}).status_code == 200
    r = http(gw, "GET", "/sec/config", admin)
    assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN", r.text   # auth:"plugin": no scopes at all
    proxy_env = make_env("proxy")
    proxy = started(start_gateway, proxy_env, trusted_proxy_config(proxy_env, allow_loopback=True))
    r = chat(proxy, {"x-forwarded-user": "alice", "x-openclaw-scopes": "operator.read"})
    assert r.status_code == 403 and r.json()["error"]["message"] == "missing scope: operator.write", r.text


def test_rule_8_one_canonical_path(start_gateway, oc_env, make_env):
    gw = started(start_gateway, oc_env, admin_config(oc_env))
    body = b'{"method":"health"}'
    for path in SPELLINGS:
        r = raw_request(gw.port, req("POST", path, {"Content-Type": "application/json"}, body, close=True))
        assert r.status == 401, (path, r.status)
    off_env = make_env("off")
    off = started(start_gateway, off_env, admin_config(off_env, enabled=False))
    for path in SPELLINGS:
        r = raw_request(off.port, req("POST", path, {"Content-Type": "application/json"}, body, close=True))
        assert r.status == 404, (path, r.status)
    deep = "%41"
    for _ in range(33):
        deep = deep.replace("%", "%25")
    for path in ["/api/v1/admin%zzrpc", "/" + deep]:
        assert raw_request(gw.port, req("GET", path, close=True)).status == 400, path


def test_rule_9_real_caller_in_internal_dispatch(start_gateway, oc_env):
    install_probe(oc_env.state_dir)
    gw = started(start_gateway, oc_env, with_probe(oc_env.base_config()))
    r = http(gw, "GET", "/sec/config")
    assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN", r.text
    # The same call on behalf of an authenticated caller goes through.
    assert http(gw, "GET", "/api/sec/config", gw.auth_headers()).status_code == 200


def test_rule_10_immediate_rotation(start_gateway, oc_env):
    gw = started(start_gateway, oc_env, oc_env.base_config(), env={"OPENCLAW_RESTART_COOLDOWN_MS": "0"})
    ws = WS(gw)
    old = gw.auth_headers()
    new_token = "rotated-token-0123456789abcdef0123456789"
    oc_env.write_config(oc_env.base_config(token=new_token))
    assert wait_until(lambda: http(gw, "POST", "/tools/invoke", gw.auth_headers(new_token),
                                   json={"tool": "echo", "args": {"text": "hi"}}).status_code == 200, 10)
    assert http(gw, "POST", "/tools/invoke", old, json={"tool": "echo", "args": {"text": "hi"}}).status_code == 401
    with pytest.raises(Exception):
        for _ in range(50):
            ws.ws.recv(timeout=5)
    assert ws.ws.close_code == 1008


# --------------------------------------------------------------------------- 11–15

def test_rule_11_loopback_is_not_a_trusted_proxy_by_default(start_gateway, oc_env, make_env):
    user = {"x-forwarded-user": "alice"}
    gw = started(start_gateway, oc_env, trusted_proxy_config(oc_env, allow_loopback=False))
    assert http(gw, "GET", "/v1/models", user).status_code == 401
    env = make_env("allowed")
    allowed = started(start_gateway, env, trusted_proxy_config(env, allow_loopback=True))
    assert http(allowed, "GET", "/v1/models", user).status_code == 200


def test_rule_12_contained_non_rpc_writable_code_paths(start_gateway, oc_env, tmp_path):
    install_broken(oc_env.state_dir, "escaper", {"library": "../escaper-lib/libx.so"}, None)
    cfg = oc_env.base_config()
    cfg["plugins"] = {"entries": {"escaper": {"enabled": True}}}
    gw = started(start_gateway, oc_env, cfg)
    admin = WS(gw)
    base = admin.call("config.get")["payload"]["hash"]
    res = admin.call("config.patch", {"raw": json.dumps({"plugins": {"load": {"paths": [str(tmp_path)]}}}), "baseHash": base})
    assert not res["ok"] and res["error"]["code"] == "INVALID_REQUEST", res
    assert "plugin escaper: library path escapes plugin directory" in gw.log_text()
    assert httpx.get(gw.url + "/readyz", timeout=5).json()["plugins"].get("escaper") in (None, "failed")
    bad = oc_env.base_config()
    bad["hooks"] = {"transformsDir": str(tmp_path)}
    path = oc_env.write_config(bad, oc_env.root / "transforms.json")
    code, out, err = run_cli(["config", "validate"], oc_env.env(OPENCLAW_CONFIG_PATH=path))
    assert code != 0 and "transformsDir" in out + err, (code, out, err)


def test_rule_13_no_secrets_in_query_strings(start_gateway, oc_env):
    cfg = compat_config(oc_env)
    cfg["hooks"] = hooks_config(oc_env)["hooks"]
    gw = started(start_gateway, oc_env, cfg)
    hook = http(gw, "POST", f"/hooks/agent?token={HOOK_TOKEN}", json={"message": "x"})
    assert hook.status_code == 400 and hook.text == QUERY_TOKEN_TEXT, hook.text
    models = http(gw, "GET", f"/v1/models?token={TEST_TOKEN}")
    assert models.status_code == 401, models.text
    others = [http(gw, "GET", p, h) for p, h in [("/healthz", {}), ("/", {}), ("/nowhere.png", {}),
                                                  ("/v1/models", gw.auth_headers())]]
    others.append(chat(gw, gw.auth_headers()))
    for r in [hook, models, *others]:
        assert r.headers.get("referrer-policy") == "no-referrer", r.url


def test_rule_14_no_credential_reuse(start_gateway, oc_env, make_env):
    for name, auth in (("token", {"token": TEST_TOKEN}), ("password", {"mode": "password", "password": "pw-0123456789abcdef"})):
        env = oc_env if name == "token" else make_env(name)
        cfg = hooks_config(env, token=auth.get("token") or auth["password"])
        cfg["gateway"]["auth"] = auth
        gw = started(start_gateway, env, cfg)
        assert httpx.get(gw.url + "/readyz", timeout=5).json()["plugins"]["hooks"] == "failed"
        secret = auth.get("token") or auth["password"]
        for token in (secret, HOOK_TOKEN):
            assert http(gw, "POST", "/hooks/wake", {"Authorization": f"Bearer {token}"}, json={"text": "x"}).status_code == 503
        assert "hooks" in gw.log_text() and re.search(r"hooks\.token", gw.log_text())
        assert http(gw, "POST", "/tools/invoke", {"Authorization": f"Bearer {secret}"},
                    json={"tool": "echo", "args": {"text": "hi"}}).status_code == 200


def test_rule_15_no_insecure_escape_hatches(start_gateway, oc_env, make_env):
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    remote = {"X-Forwarded-For": "203.0.113.7"}
    insecure = oc_env.base_config(controlUi={"allowInsecureAuth": True, "allowedOrigins": [origin]})
    gw = started(start_gateway, oc_env, insecure, port=port)
    ws, res = ws_connect_as(gw, "openclaw-control-ui", "ui", origin=origin)
    with ws:
        assert res["ok"], res                                   # local direct: honoured
    ws, res = ws_connect_as(gw, "openclaw-control-ui", "ui", origin=origin, headers=remote)
    with ws:
        assert not res["ok"] and res["error"]["code"] == "NOT_PAIRED", res   # remote: refused anyway
    assert "allowInsecureAuth=true" in gw.log_text()
    gw.stop()
    env = make_env("breakglass")
    glass = started(start_gateway, env, env.base_config(controlUi={"dangerouslyDisableDeviceAuth": True,
                                                                  "allowedOrigins": [origin]}), port=port)
    ws, res = ws_connect_as(glass, "openclaw-control-ui", "ui", origin=origin, headers=remote)
    with ws:
        assert res["ok"], res
    ws, res = ws_connect_as(glass, "openclaw-control-ui", "ui", origin=origin, headers=remote, auth={"token": "wrong"})
    with ws:
        assert not res["ok"], res                               # gateway auth still applies
    assert "dangerouslyDisableDeviceAuth=true" in glass.log_text()


# --------------------------------------------------------------------------- 16–20

def test_rule_16_no_long_lived_credentials_in_urls(start_gateway, oc_env):
    gw = started(start_gateway, oc_env, compat_config(oc_env))
    seen = [http(gw, "GET", p, gw.auth_headers()) for p in ("/", "/app.js", "/index.html", "/control-ui-config.json", "/v1/models")]
    seen.append(chat(gw, gw.auth_headers()))
    admin = WS(gw)
    hello = json.dumps(admin.hello)
    logs = json.dumps(admin.call("logs.tail", {"limit": 500}))
    admin.close()
    for r in seen:
        assert TEST_TOKEN not in r.text and TEST_TOKEN not in str(r.headers), r.url
    assert TEST_TOKEN not in hello and TEST_TOKEN not in logs
    assert TEST_TOKEN not in gw.log_text()


def test_rule_17_static_containment(start_gateway, oc_env, tmp_path):
    srv = tmp_path / "srv"
    root, evil = srv / "ui", srv / "ui-evil"
    root.mkdir(parents=True)
    evil.mkdir()
    (root / "index.html").write_text("<!doctype html><title>root</title>")
    (evil / "x.js").write_text("stolen();\n")
    (evil / "inside.js").write_text("// hard link\n")
    os.symlink(evil / "x.js", root / "link.js")
    os.symlink("../ui-evil", root / "sibling")
    os.link(evil / "inside.js", root / "hard.js")
    gw = started(start_gateway, oc_env, oc_env.base_config(controlUi={"root": str(root)}))
    index = raw_request(gw.port, req("GET", "/", close=True)).body
    for path in ["/..%2f..%2fetc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2fui-evil/x.js", "/%2e%2e/ui-evil/x.js"]:
        r = raw_request(gw.port, req("GET", path, close=True))
        assert b"root:" not in r.body and b"stolen" not in r.body, path
        assert r.status == 404 or r.body == index, (path, r.status)
    for path in ["/link.js", "/sibling/x.js"]:
        assert raw_request(gw.port, req("GET", path, close=True)).status == 404, path
    hard = raw_request(gw.port, req("GET", "/hard.js", close=True))
    assert hard.status == 200 and hard.body == b"// hard link\n"


def test_rule_18_caller_chosen_session_keys_off_by_default(start_gateway, oc_env, make_env):
    agents = {"models": {"providers": {"echo": {"api": "echo"}}}, "agents": {"defaults": {"model": "echo/echo"}}}
    bearer = {"Authorization": f"Bearer {HOOK_TOKEN}"}
    body = {"message": "hi", "sessionKey": "hook:custom:1"}
    gw = started(start_gateway, oc_env, {**hooks_config(oc_env), **agents})
    r = http(gw, "POST", "/hooks/agent", bearer, json=body)
    assert r.status_code == 400 and "allowRequestSessionKey" in r.json()["error"], r.text
    env = make_env("prefixes")
    cfg = hooks_config(env, allowRequestSessionKey=True, allowedSessionKeyPrefixes=["hook:gmail:"])
    gw2 = started(start_gateway, env, {**cfg, **agents})
    r = http(gw2, "POST", "/hooks/agent", bearer, json=body)
    assert r.status_code == 400 and "sessionKey must start with one of" in r.json()["error"], r.text


@needs_chromium
def test_rule_19_credentials_bound_to_one_endpoint(start_gateway, oc_env, page):  # noqa: F811
    gw = started(start_gateway, oc_env, oc_env.base_config())
    page.navigate(gw.url + "/")
    connect_with_token(page, TEST_TOKEN)
    wait_state(page, "connected")
    key = f"openclaw.token.v1:ws://127.0.0.1:{gw.port}/"
    stored = page.evaluate("JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])")
    session, local = json.loads(stored)
    assert [k for k, v in session if v == TEST_TOKEN] == [key]
    assert all(TEST_TOKEN not in v for _, v in local)
    # Clearing the credential for this endpoint removes it.
    page.evaluate("document.getElementById('connect-form').requestSubmit(), true")      # disconnect
    wait_state(page, "disconnected")
    connect_with_token(page, "")
    assert page.evaluate(f"sessionStorage.getItem({json.dumps(key)})") is None


def test_rule_20_cookie_credentials_need_an_origin_gate(start_gateway, oc_env):
    gw = started(start_gateway, oc_env, compat_config(oc_env))
    cookie = {"Cookie": f"openclaw_token={TEST_TOKEN}; token={TEST_TOKEN}"}
    answers = [http(gw, m, p, h) for m, p, h in [
        ("GET", "/", {}), ("GET", "/app.js", {}), ("GET", "/healthz", {}), ("GET", "/readyz", gw.auth_headers()),
        ("GET", "/control-ui-config.json", gw.auth_headers()), ("GET", "/v1/models", gw.auth_headers()),
        ("GET", "/nowhere", {})]]
    answers.append(chat(gw, gw.auth_headers()))
    assert all("set-cookie" not in r.headers for r in answers), [r.url for r in answers if "set-cookie" in r.headers]
    for path in ("/v1/models", "/control-ui-config.json"):
        assert http(gw, "GET", path, cookie).status_code == 401, path
    assert http(gw, "POST", "/tools/invoke", cookie, json={"tool": "echo", "args": {"text": "hi"}}).status_code == 401


# --------------------------------------------------------------------------- 21–25

def test_rule_21_strong_tokens_throttled_guessing(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config(token=None))
    gw = start_gateway()
    token = gw.token
    assert token and token != TEST_TOKEN
    alphabet = set(token)
    bits = len(token) * (4 if alphabet <= set("0123456789abcdef") else 6 if alphabet <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") else 0)
    assert bits >= 128, token
    remote = {"X-Forwarded-For": "198.51.100.9", "Authorization": "Bearer wrong-guess"}
    codes = [http(gw, "POST", "/tools/invoke", remote, json={"tool": "echo", "args": {"text": "hi"}}) for _ in range(11)]
    assert [r.status_code for r in codes[:10]] == [401] * 10
    assert codes[10].status_code == 429 and int(codes[10].headers["retry-after"]) >= 1


def test_rule_22_hook_brute_force_throttled(start_gateway, oc_env):
    gw = started(start_gateway, oc_env, hooks_config(oc_env))
    for _ in range(20):
        assert http(gw, "POST", "/hooks/wake", {"Authorization": "Bearer nope"}, json={"text": "x"}).status_code == 401
    r = http(gw, "POST", "/hooks/wake", {"Authorization": f"Bearer {HOOK_TOKEN}"}, json={"text": "x"})
    assert r.status_code == 429, r.text


def listening_addresses(port: int) -> set[str]:
    """Local addresses bound to `port` in LISTEN state, from /proc/net/tcp{,6}."""
    found = set()
    for name in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{name}").read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, hexport = local.split(":")
            if state == "0A" and int(hexport, 16) == port:
                found.add(addr)
    return found


def test_rule_23_http_surfaces_are_full_operator_access(start_gateway, oc_env):
    gw = started(start_gateway, oc_env, oc_env.base_config())
    loopback = {"0100007F", "00000000000000000000000001000000"}
    assert listening_addresses(gw.port) and listening_addresses(gw.port) <= loopback, listening_addresses(gw.port)
    cfg = oc_env.base_config(token=None)
    cfg["gateway"]["auth"] = {"mode": "none"}
    path = oc_env.write_config(cfg, oc_env.root / "lan.json")
    code, out, err = run_cli(["gateway", "--bind", "lan", "--port", free_port()], oc_env.env(OPENCLAW_CONFIG_PATH=path))
    assert code not in (0, None) and "refusing to bind gateway" in (out + err).lower(), (code, out, err)
    # Constant-time comparison is a unit property (Tests/HostTests: SecretComparator); here:
    # a near-miss token is refused exactly like a far one.
    near = TEST_TOKEN[:-1] + ("0" if TEST_TOKEN[-1] != "0" else "1")
    for guess in (near, "x"):
        assert http(gw, "POST", "/tools/invoke", {"Authorization": f"Bearer {guess}"}, json={"tool": "echo"}).status_code == 401


def test_rule_24_disabled_means_absent(start_gateway, oc_env):
    gw = started(start_gateway, oc_env, compat_config(oc_env, chat=False, responses=False))
    for method, path in [("GET", "/v1/models"), ("POST", RPC), ("POST", "/hooks/wake")]:
        for headers in ({}, gw.auth_headers(), {"Authorization": f"Bearer {HOOK_TOKEN}"}):
            r = http(gw, method, path, headers, **({"json": {"text": "x"}} if method == "POST" else {}))
            assert r.status_code == 404 and r.json() == NOT_FOUND, (path, r.status_code, r.text[:80])


LIMITS = [("/v1/chat/completions", 20 << 20), ("/v1/embeddings", 5 << 20), ("/tools/invoke", 2 << 20),
          (RPC, 1 << 20), ("/hooks/wake", 262144), ("/api/echo", 1 << 20)]


def test_rule_25_body_limits_per_route(start_gateway, oc_env):
    install_echo(oc_env.state_dir)
    cfg = compat_config(oc_env)
    cfg["hooks"] = hooks_config(oc_env)["hooks"]
    cfg["plugins"] = {"entries": {"admin-http-rpc": {"enabled": True}, "echo-c": {"enabled": True}}}
    gw = started(start_gateway, oc_env, cfg)
    for path, limit in LIMITS:
        auth = {"Authorization": f"Bearer {HOOK_TOKEN if path.startswith('/hooks') else TEST_TOKEN}"}
        # Declared length: refused from the head alone, before any body byte.
        head = req("POST", path, {**auth, "Content-Length": str(limit + 1), "Content-Type": "application/json"})
        r = raw_request(gw.port, head)
        assert r.status == 413, (path, r.status)
        # Chunked: refused once the running total crosses the limit.
        with RawConn(gw.port, timeout=20) as c:
            c.send(req("POST", path, {**auth, "Transfer-Encoding": "chunked"}))
            chunk = b"x" * 65536
            sent = c.try_send(b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(limit // 65536)))
            c.try_send(b"2\r\nxx\r\n0\r\n\r\n")
            assert sent >= limit, (path, sent)
            assert c.read_response().status == 413, path
    # No handler ran: no agent session was created by any of those bodies.
    assert not list((oc_env.state_dir / "agents").glob("*/sessions/*.jsonl"))


# --------------------------------------------------------------------------- 26–28

def test_rule_26_secrets_never_logged(start_gateway, oc_env):
    password = "pw-secret-5f3c9a7e1b2d4c6e8a0b"
    api_key = "sk-upstream-secret-9a8b7c6d5e4f3a2b"
    with StubUpstream() as stub:
        cfg = compat_config(oc_env)
        cfg["gateway"]["auth"] = {"mode": "token", "token": TEST_TOKEN, "password": password}
        cfg["hooks"] = hooks_config(oc_env)["hooks"]
        cfg["logging"]["level"] = "debug"
        cfg["models"]["providers"]["up"] = {"baseUrl": stub.url, "apiKey": api_key, "api": "openai-completions",
                                            "timeoutSeconds": 2, "models": [{"id": "m"}]}
        cfg["agents"] = {"defaults": {"model": "up/m"}}
        gw = started(start_gateway, oc_env, cfg)
        for token in (TEST_TOKEN, "wrong", password, HOOK_TOKEN):
            http(gw, "GET", "/v1/models", {"Authorization": f"Bearer {token}"})
            http(gw, "POST", "/hooks/wake", {"Authorization": f"Bearer {token}"}, json={"text": "x"})
            ws, _ = ws_connect_as(gw, auth={"token": token})
            ws.close()
        assert chat(gw, gw.auth_headers()).status_code == 200
        stub.behave(status=401)
        assert chat(gw, gw.auth_headers()).status_code >= 400
        gw.stop()
    logs = gw.log_text()
    assert len(logs) > 500
    for secret in (TEST_TOKEN, password, HOOK_TOKEN, api_key):
        assert secret not in logs, f"secret {secret[:6]}… logged"


def test_rule_27_no_dns_rebinding_on_loopback(start_gateway, make_env):
    modes = {"token": {"token": TEST_TOKEN}, "password": {"mode": "password", "password": "pw-0123456789abcdef"},
             "none": {"mode": "none"}}
    for name, auth in modes.items():
        env = make_env(name)
        cfg = env.base_config(token=None)
        cfg["gateway"]["auth"] = auth
        gw = started(start_gateway, env, cfg)
        for host in ("evil.example", f"evil.example:{gw.port}"):
            r = raw_request(gw.port, req("GET", "/healthz", host=host, close=True))
            assert r.status == 421, (name, host, r.status)
            upgrade = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
                       "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
            assert raw_request(gw.port, req("GET", "/", upgrade, host=host)).status == 421, (name, host)
        for host in ("localhost", "127.0.0.1", "[::1]", f"localhost:{gw.port}", f"[::1]:{gw.port}"):
            assert raw_request(gw.port, req("GET", "/healthz", host=host, close=True)).status == 200, (name, host)
        gw.stop()


def test_rule_28_control_ui_assets_travel_inside_the_plugin(start_gateway, oc_env, tmp_path, monkeypatch):
    # Only the binary and the plugin images, no resource bundle next to them.
    install = tmp_path / "install"
    install.mkdir()
    shutil.copy(conftest.BIN, install / "openclaw")
    for lib in conftest.BIN.parent.glob("lib*.so"):
        shutil.copy(lib, install / lib.name)
    assets = conftest.REPO / "Plugins" / "ControlUI" / "assets"
    image = (install / "libControlUI.so").read_bytes()
    for name in ("app.js", "app.css", "favicon.svg"):
        assert (assets / name).read_bytes()[:200] in image, name
    monkeypatch.setattr(conftest, "BIN", install / "openclaw")
    gw = started(start_gateway, oc_env, oc_env.base_config())
    for name in ("app.js", "app.css", "favicon.svg"):
        r = http(gw, "GET", "/" + name)
        assert r.status_code == 200 and r.content == (assets / name).read_bytes(), name
