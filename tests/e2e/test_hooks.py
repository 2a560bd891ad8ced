"""Webhooks (http.md §9, §11 rules 13, 14, 18, 22, 24, 25) against the real gateway with the real
`hooks` plugin (libHooks.so): every status of the §9.2 handling order, the plugin's own lockout
(loopback not exempt, 429 even with the right token), the host's refusal to activate the plugin
with a missing or reused token (503 while the rest keeps serving), wake and agent runs through
the granted internal methods, mappings, and the plugin's `gateway:shutdown` subscription."""
from __future__ import annotations

import os
import signal
import time

import httpx

from conftest import TEST_TOKEN
from oc_helpers import wait_until

HOOK_TOKEN = "e2e-hook-token-fedcba9876543210"
QUERY_TOKEN_TEXT = ("Hook token must be provided via Authorization: Bearer <token> or X-OpenClaw-Token header "
                    "(query parameters are not allowed).")
NOT_FOUND_JSON = {"error": {"message": "Not Found", "type": "not_found"}}
ECHO_AGENTS = {"models": {"providers": {"echo": {"api": "echo"}}}, "agents": {"defaults": {"model": "echo/echo"}}}


def hooks_config(oc, token=HOOK_TOKEN, enabled=True, **hooks) -> dict:
    cfg = oc.base_config()
    cfg["hooks"] = {"enabled": enabled, **({"token": token} if token is not None else {}), **hooks}
    return cfg


def bearer(token=HOOK_TOKEN) -> dict:
    return {"Authorization": f"Bearer {token}"}


def post(gw, path, body=None, headers=None, content=None):
    with gw.client() as c:
        if content is not None:
            return c.post(path, content=content, headers=headers or {})
        return c.post(path, json=body if body is not None else {}, headers=headers or {})


def plain(r, status, text):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.text == text, r.text
    assert r.headers["content-type"].startswith("text/plain"), r.headers


def plugin_state(gw, plugin="hooks"):
    return httpx.get(gw.url + "/readyz", timeout=5).json()["plugins"].get(plugin)


# --------------------------------------------------------------------------- disabled = absent

def test_absent_while_disabled(start_gateway, oc_env):
    oc_env.write_config(hooks_config(oc_env, enabled=False))
    gw = start_gateway()
    assert gw.wait_ready()
    for headers in ({}, bearer(), gw.auth_headers(), {"x-openclaw-token": HOOK_TOKEN}):
        for path in ("/hooks/wake", "/hooks/agent", "/hooks", "/HOOKS/wake"):
            r = post(gw, path, {"text": "x"}, headers)
            assert r.status_code == 404 and r.json() == NOT_FOUND_JSON, (path, headers, r.text)
    assert plugin_state(gw) == "disabled"


# --------------------------------------------------------------------------- handling order (§9.2)

def test_status_codes_in_handling_order(start_gateway, oc_env):
    cfg = hooks_config(oc_env, mappings=[
        {"match": {"path": "ack"}},
        {"match": {"path": "broken"}, "action": "agent", "messageTemplate": "{{unclosed"},
    ])
    oc_env.write_config(cfg)
    gw = start_gateway()
    assert gw.wait_ready()
    assert plugin_state(gw) == "active"

    # 2. A token in the query is refused first, valid or not, whatever the method or name spelling.
    for path in (f"/hooks/agent?token={HOOK_TOKEN}", "/hooks/wake?a=1&token=x", "/hooks/wake?%74oken=x"):
        plain(post(gw, path, {"message": "m"}, bearer()), 400, QUERY_TOKEN_TEXT)
    with gw.client() as c:
        plain(c.get(f"/hooks/wake?token={HOOK_TOKEN}"), 400, QUERY_TOKEN_TEXT)
        # 3. Not POST → 405 before any token check.
        r = c.get("/hooks/wake", headers=bearer())
        plain(r, 405, "Method Not Allowed")
        assert r.headers["allow"] == "POST"
        plain(c.put("/hooks/agent"), 405, "Method Not Allowed")
    # 5. Missing or wrong token → 401 (Bearer or X-OpenClaw-Token).
    plain(post(gw, "/hooks/wake", {"text": "x"}), 401, "Unauthorized")
    plain(post(gw, "/hooks/wake", {"text": "x"}, bearer("wrong")), 401, "Unauthorized")
    plain(post(gw, "/hooks/wake", {"text": "x"}, {"x-openclaw-token": "wrong"}), 401, "Unauthorized")
    plain(post(gw, "/hooks/wake", {"text": "x"}, gw.auth_headers()), 401, "Unauthorized")
    # 6. Empty sub-path → 404 once authenticated.
    plain(post(gw, "/hooks", {}, bearer()), 404, "Not Found")
    plain(post(gw, "/hooks/", {}, {"x-openclaw-token": HOOK_TOKEN}), 404, "Not Found")
    # 7. Bad JSON → 400 with the parser's text.
    r = post(gw, "/hooks/agent", headers=bearer(), content=b'{"message": ')
    assert r.status_code == 400 and r.json()["ok"] is False and r.json()["error"], r.text
    # 8. Unknown name without a mapping → 404; a mapping without action → 204; a broken template → 500.
    plain(post(gw, "/hooks/nothing", {}, bearer()), 404, "Not Found")
    r = post(gw, "/hooks/ack", {"any": "thing"}, bearer())
    assert r.status_code == 204 and r.content == b"", r.text
    r = post(gw, "/hooks/broken", {}, bearer())
    assert r.status_code == 500 and r.json() == {"ok": False, "error": "hook mapping failed"}, r.text
    # Every response carries the host's security headers.
    assert r.headers["referrer-policy"] == "no-referrer"


def test_body_limit(start_gateway, oc_env):
    oc_env.write_config(hooks_config(oc_env))
    gw = start_gateway()
    assert gw.wait_ready()
    limit = 262144
    at_limit = b'{"message":"' + b"x" * (limit - 15) + b'"}'
    at_limit += b" " * (limit - len(at_limit))
    r = post(gw, "/hooks/agent", headers={**bearer(), "Content-Type": "application/json"}, content=at_limit + b" ")
    assert r.status_code == 413, r.text
    # The host refuses before the plugin: the token does not matter.
    assert post(gw, "/hooks/agent", headers=bearer("wrong"), content=at_limit + b" ").status_code == 413
    assert post(gw, "/hooks/agent", headers=bearer(), content=at_limit).status_code != 413


def test_configured_body_limit(start_gateway, oc_env):
    oc_env.write_config(hooks_config(oc_env, maxBodyBytes=1000))
    gw = start_gateway()
    assert gw.wait_ready()
    body = b'{"text":"' + b"y" * 980 + b'"}'
    body += b" " * (1000 - len(body))
    assert post(gw, "/hooks/nothing", headers=bearer(), content=body).status_code == 404
    assert post(gw, "/hooks/nothing", headers=bearer(), content=body + b" ").status_code == 413


def test_agent_request_policies(start_gateway, oc_env):
    oc_env.write_config(hooks_config(oc_env, allowedAgentIds=["main"]))
    gw = start_gateway()
    assert gw.wait_ready()

    def refused(body, message):
        r = post(gw, "/hooks/agent", body, bearer())
        assert r.status_code == 400, (body, r.text)
        assert r.json() == {"ok": False, "error": message}, r.text

    refused({}, "message is required")
    refused({"message": ""}, "message is required")
    refused({"message": "m", "sessionKey": "hook:x"}, "sessionKey is not allowed (hooks.allowRequestSessionKey is false)")
    refused({"message": "m", "agentId": "other"}, "agentId is not allowed by hooks.allowedAgentIds")
    refused({"message": "m", "channel": "slack", "to": "#x"}, "channel is not available: slack")
    refused({"message": "m", "to": "#x"}, "channel and to must be given together")
    refused({"message": "m", "wakeMode": "later"}, 'wakeMode must be "now" or "next-heartbeat"')
    refused({"message": "m", "sessionMode": "persistent"},
            'sessionMode "persistent" requires sessionKey, hooks.allowRequestSessionKey and hooks.allowedSessionKeyPrefixes')
    refused({"message": 5}, "message must be a string")
    r = post(gw, "/hooks/wake", {"mode": "now"}, bearer())
    assert r.status_code == 400 and r.json() == {"ok": False, "error": "text is required"}, r.text


def test_session_key_prefixes(start_gateway, oc_env):
    oc_env.write_config(hooks_config(oc_env, allowRequestSessionKey=True, allowedSessionKeyPrefixes=["hook:", "ci:"]))
    gw = start_gateway()
    assert gw.wait_ready()
    r = post(gw, "/hooks/agent", {"message": "m", "sessionKey": "agent:main:main"}, bearer())
    assert r.status_code == 400 and r.json() == {"ok": False, "error": "sessionKey must start with one of: hook:, ci:"}, r.text
    r = post(gw, "/hooks/wake", {"text": "t", "sessionKey": "hook:a", "mode": "next-heartbeat"}, bearer())
    assert r.status_code == 400 and r.json()["error"] == 'sessionKey requires mode "now"', r.text


# --------------------------------------------------------------------------- lockout (§9.3)

def test_lockout_after_20_failures_even_with_the_right_token(start_gateway, oc_env):
    oc_env.write_config(hooks_config(oc_env))
    gw = start_gateway()
    assert gw.wait_ready()
    # Loopback is not exempt: 20 wrong tokens from 127.0.0.1 lock it out.
    for i in range(20):
        plain(post(gw, "/hooks/nothing", {}, bearer(f"wrong-{i}")), 401, "Unauthorized")
    r = post(gw, "/hooks/nothing", {}, bearer())
    plain(r, 429, "Too Many Requests")
    assert 1 <= int(r.headers["retry-after"]) <= 60, r.headers
    r = post(gw, "/hooks/nothing", {}, {"x-openclaw-token": HOOK_TOKEN})
    assert r.status_code == 429
    # The earlier steps of §9.2 still answer as before; other surfaces are untouched.
    plain(post(gw, f"/hooks/wake?token={HOOK_TOKEN}", {}), 400, QUERY_TOKEN_TEXT)
    with gw.client() as c:
        assert c.get("/hooks/wake").status_code == 405
        assert c.get("/healthz").status_code == 200


def test_success_resets_the_failure_count(start_gateway, oc_env):
    oc_env.write_config(hooks_config(oc_env))
    gw = start_gateway()
    assert gw.wait_ready()
    for _ in range(2):
        for i in range(19):
            assert post(gw, "/hooks/nothing", {}, bearer(f"wrong-{i}")).status_code == 401
        assert post(gw, "/hooks/nothing", {}, bearer()).status_code == 404


# --------------------------------------------------------------------------- host activation rule (§9.1)

def assert_refused(gw, reason):
    assert wait_until(lambda: plugin_state(gw) == "failed"), plugin_state(gw)
    for headers in (bearer(), gw.auth_headers(), {}):
        r = post(gw, "/hooks/wake", {"text": "x"}, headers)
        assert r.status_code == 503 and r.text == "Service Unavailable", (headers, r.status_code, r.text)
    assert wait_until(lambda: reason in gw.log_text()), gw.log_text()[-2000:]
    line = next(ln for ln in gw.log_text().splitlines() if reason in ln)
    assert '"level":"error"' in line.replace(" ", ""), line
    # The rest of the gateway keeps serving.
    with gw.client() as c:
        assert c.get("/healthz").status_code == 200
        assert c.post("/tools/invoke", json={"tool": "none"}).status_code == 401


def test_hooks_token_equal_to_gateway_token_is_refused(start_gateway, oc_env):
    oc_env.write_config(hooks_config(oc_env, token=TEST_TOKEN))
    gw = start_gateway()
    assert gw.wait_ready()
    assert_refused(gw, "hooks.token must differ from the gateway token")


def test_hooks_token_equal_to_gateway_password_is_refused(start_gateway, oc_env):
    cfg = hooks_config(oc_env, token="shared-password-123456")
    cfg["gateway"]["auth"] = {"mode": "password", "password": "shared-password-123456"}
    oc_env.write_config(cfg)
    gw = start_gateway()
    assert gw.wait_ready()
    assert_refused(gw, "hooks.token must differ from the gateway token")


def test_hooks_enabled_without_token_is_refused(start_gateway, oc_env):
    oc_env.write_config(hooks_config(oc_env, token=None))
    gw = start_gateway()
    assert gw.wait_ready()
    assert_refused(gw, "hooks.enabled requires hooks.token")


def test_rotating_the_gateway_token_onto_the_hooks_token_retires_the_plugin(start_gateway, oc_env):
    oc_env.write_config(hooks_config(oc_env))
    gw = start_gateway()
    assert gw.wait_ready()
    assert plugin_state(gw) == "active"
    pid = gw.pid
    cfg = hooks_config(oc_env)
    cfg["gateway"]["auth"]["token"] = HOOK_TOKEN
    oc_env.write_config(cfg)
    os.kill(pid, signal.SIGHUP)
    assert_refused(gw, "hooks.token must differ from the gateway token")
    # A distinct token again brings it back, still without a restart.
    oc_env.write_config(hooks_config(oc_env, token="another-hook-token-42"))
    os.kill(pid, signal.SIGHUP)
    assert wait_until(lambda: plugin_state(gw) == "active"), plugin_state(gw)
    plain(post(gw, "/hooks", {}, bearer("another-hook-token-42")), 404, "Not Found")
    assert gw.pid == pid and gw.alive()


# --------------------------------------------------------------------------- wake and agent runs

def test_wake(start_gateway, oc_env):
    cfg = hooks_config(oc_env)
    cfg.update(ECHO_AGENTS)
    oc_env.write_config(cfg)
    gw = start_gateway()
    assert gw.wait_ready()
    r = post(gw, "/hooks/wake", {"text": "Build finished"}, bearer())
    assert r.status_code == 200 and r.json() == {"ok": True, "mode": "now"}, r.text
    sessions = oc_env.state_dir / "agents" / "main" / "sessions"

    def transcript():
        return "".join(p.read_text() for p in sessions.glob("*.jsonl")) if sessions.is_dir() else ""

    # "now" runs the main session at once: the event and the echo answer reach the transcript.
    assert wait_until(lambda: "echo: Build finished" in transcript()), transcript()
    r = post(gw, "/hooks/wake", {"text": "later", "mode": "next-heartbeat"}, bearer())
    assert r.status_code == 200 and r.json() == {"ok": True, "mode": "next-heartbeat"}, r.text
    time.sleep(0.3)
    assert "later" not in transcript(), "next-heartbeat waits for the session's next run"
    r = post(gw, "/hooks/wake", {"text": "ping"}, bearer())
    assert r.status_code == 200, r.text
    assert wait_until(lambda: "System: later\\n\\nping" in transcript()), transcript()


def test_agent_run_accepted_with_idempotency(start_gateway, oc_env):
    cfg = hooks_config(oc_env, mappings=[
        {"match": {"path": "github"}, "action": "agent", "name": "GitHub",
         "messageTemplate": "PR {{pull_request.title}} by {{pull_request.user.login}}"},
    ])
    cfg.update(ECHO_AGENTS)
    oc_env.write_config(cfg)
    gw = start_gateway()
    assert gw.wait_ready()
    r = post(gw, "/hooks/agent", {"message": "Summarize the deploy", "name": "Deploy"}, bearer())
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["ok"] is True and len(body["runId"]) == 36, body

    # Same key and fields within 5 minutes: the first run id, no new run.
    first = post(gw, "/hooks/agent", {"message": "once"}, {**bearer(), "Idempotency-Key": "k-1"})
    assert first.status_code == 202, first.text
    again = post(gw, "/hooks/agent", {"message": "once"}, {**bearer(), "X-OpenClaw-Idempotency-Key": "k-1"})
    assert again.status_code == 202 and again.json()["runId"] == first.json()["runId"]
    body_key = post(gw, "/hooks/agent", {"message": "once", "idempotencyKey": "k-1"}, bearer())
    assert body_key.json()["runId"] == first.json()["runId"]
    other = post(gw, "/hooks/agent", {"message": "different"}, {**bearer(), "Idempotency-Key": "k-1"})
    assert other.status_code == 202 and other.json()["runId"] != first.json()["runId"]

    # A mapped hook renders its template into an agent run.
    r = post(gw, "/hooks/github", {"pull_request": {"title": "Fix", "user": {"login": "ada"}}}, bearer())
    assert r.status_code == 202 and r.json()["ok"] is True, r.text

    # An unknown agent is refused by the host before any run.
    r = post(gw, "/hooks/agent", {"message": "m", "agentId": "ghost"}, bearer())
    assert r.status_code == 400 and r.json()["ok"] is False and "runId" in r.json(), r.text

    # The runs land in isolated hook sessions of the default agent, answered by the echo provider.
    sessions = oc_env.state_dir / "agents" / "main" / "sessions" / "sessions.json"
    assert wait_until(lambda: sessions.is_file() and ":hook:" in sessions.read_text()), "hook session recorded"


# --------------------------------------------------------------------------- event subscription

def test_gateway_shutdown_event_reaches_the_plugin(start_gateway, oc_env):
    oc_env.write_config(hooks_config(oc_env))
    gw = start_gateway()
    assert gw.wait_ready()
    assert plugin_state(gw) == "active"
    assert gw.stop() == 0
    assert "hooks: gateway shutting down" in gw.log_text(), gw.log_text()[-2000:]


def test_hooks_token_from_an_env_secret_ref(start_gateway, oc_env):
    """hooks.token given as `${VAR}` (an env SecretRef) reaches the plugin resolved."""
    oc_env.write_config(hooks_config(oc_env, token="${E2E_HOOKS_TOKEN}"))
    gw = start_gateway(env={"E2E_HOOKS_TOKEN": HOOK_TOKEN})
    assert gw.wait_ready()
    assert plugin_state(gw) == "active"
    assert post(gw, "/hooks/wake", {"text": "x"}, bearer("wrong")).status_code == 401
    assert HOOK_TOKEN not in gw.log_text()
