"""OpenAI-compatible endpoints (http.md §3.2, §3.5, §3.8, §4, §11 rules 5, 7 and 24) at the HTTP
level against the real gateway: endpoints absent (404, with or without credentials) until
their flag is on, switched by a config edit + SIGHUP without a restart; methods and `Allow`;
scopes for identity-bearing callers; body limits; validation texts; request-chosen URLs
refused; a client that disconnects mid-stream aborts its run."""
from __future__ import annotations

import json
import os
import signal
import socket
import time

import pytest

from oc_helpers import raw_request, req, wait_until
from test_openai import compat_config, start_compat

NOT_FOUND = {"error": {"message": "Not Found", "type": "not_found"}}
USER = [{"role": "user", "content": "hi"}]


def post(gw, path, body, headers=None, auth=True):
    with gw.client(timeout=15) as c:
        return c.post(path, json=body, headers={**(gw.auth_headers() if auth else {}), **(headers or {})})


def error_message(r) -> str:
    return r.json()["error"]["message"]


# --------------------------------------------------------------------------- enable flags

def test_disabled_endpoints_absent_then_enabled_by_hot_reload(start_gateway, oc_env):
    gw = start_compat(start_gateway, oc_env, chat=False, responses=False)
    pid = gw.pid
    for path, body in [("/v1/chat/completions", {"messages": USER}), ("/v1/responses", {"model": "openclaw", "input": "x"}),
                       ("/v1/embeddings", {"model": "openclaw", "input": "x"})]:
        for auth in (True, False):
            r = post(gw, path, body, auth=auth)
            assert (r.status_code, r.json()) == (404, NOT_FOUND), (path, auth)
    with gw.client() as c:
        assert c.get("/v1/models").status_code == 404
        assert c.get("/v1/models", headers=gw.auth_headers()).status_code == 404

    # Chat on: chat, models, embeddings appear; responses stays absent.
    oc_env.write_config(compat_config(oc_env, chat=True, responses=False))
    os.kill(pid, signal.SIGHUP)
    assert wait_until(lambda: post(gw, "/v1/chat/completions", {"messages": USER}).status_code == 200, 10)
    assert post(gw, "/v1/embeddings", {"model": "openclaw", "input": "x"}).status_code == 200
    assert post(gw, "/v1/responses", {"model": "openclaw", "input": "x"}).status_code == 404
    with gw.client() as c:
        assert c.get("/v1/models").status_code == 401
        assert c.get("/v1/models", headers=gw.auth_headers()).status_code == 200

    # Swap: responses on, chat off.
    oc_env.write_config(compat_config(oc_env, chat=False, responses=True))
    os.kill(pid, signal.SIGHUP)
    assert wait_until(lambda: post(gw, "/v1/responses", {"model": "openclaw", "input": "x"}).status_code == 200, 10)
    assert post(gw, "/v1/chat/completions", {"messages": USER}).json() == NOT_FOUND
    assert gw.pid == pid and gw.alive(), "no restart"


def test_agent_changes_reach_the_model_list(start_gateway, oc_env):
    gw = start_compat(start_gateway, oc_env)
    pid = gw.pid

    def model_ids():
        with gw.client() as c:
            return [m["id"] for m in c.get("/v1/models", headers=gw.auth_headers()).json()["data"]]

    assert "openclaw/ops" not in model_ids()
    cfg = compat_config(oc_env)
    cfg["agents"] = {**cfg["agents"], "entries": {**cfg["agents"]["entries"], "ops": {}}}
    oc_env.write_config(cfg)
    os.kill(pid, signal.SIGHUP)
    assert wait_until(lambda: "openclaw/ops" in model_ids(), 10), model_ids()
    r = post(gw, "/v1/chat/completions", {"model": "openclaw/ops", "messages": USER})
    assert r.status_code == 200, r.text
    assert gw.pid == pid and gw.alive()


# --------------------------------------------------------------------------- methods, scopes, limits

def test_methods_answer_405_with_allow(start_gateway, oc_env):
    gw = start_compat(start_gateway, oc_env)
    for method, path, allow in [("GET", "/v1/chat/completions", "POST"), ("PUT", "/v1/responses", "POST"),
                                ("GET", "/v1/embeddings", "POST"), ("HEAD", "/v1/models", "GET"),
                                ("POST", "/v1/models", "GET"), ("OPTIONS", "/v1/models/openclaw", "GET")]:
        r = raw_request(gw.port, req(method, path, close=True), head_only=method == "HEAD")
        assert r.status == 405, (method, path)
        assert r.header("allow") == allow, (method, path)
        if method != "HEAD":
            assert r.body == b"Method Not Allowed"


def test_scopes_for_identity_bearing_callers(start_gateway, oc_env):
    """Mode `none`: `x-openclaw-scopes` is exactly what the caller holds (§3.2, §11 rule 7)."""
    gw = start_compat(start_gateway, oc_env, auth={"mode": "none"})
    read = {"x-openclaw-scopes": "operator.read"}
    write = {"x-openclaw-scopes": "operator.write"}
    r = post(gw, "/v1/chat/completions", {"messages": USER}, headers=read, auth=False)
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "missing scope: operator.write"
    with gw.client() as c:
        assert c.get("/v1/models", headers=read).status_code == 200
        assert c.get("/v1/models", headers={"x-openclaw-scopes": ""}).status_code == 403
    assert post(gw, "/v1/embeddings", {"model": "openclaw", "input": "x"}, headers=read, auth=False).status_code == 403
    assert post(gw, "/v1/chat/completions", {"messages": USER}, headers=write, auth=False).status_code == 200
    # The backend-model override needs admin from an identity-bearing caller.
    r = post(gw, "/v1/chat/completions", {"messages": USER}, headers={**write, "x-openclaw-model": "echo/echo"}, auth=False)
    assert r.status_code == 403
    assert r.json() == {"ok": False, "error": {"type": "forbidden", "message": "missing scope: operator.admin",
                                               "details": {"missingScope": "operator.admin"}}}
    admin = {"x-openclaw-scopes": "operator.admin", "x-openclaw-model": "echo/echo"}
    assert post(gw, "/v1/chat/completions", {"messages": USER}, headers=admin, auth=False).status_code == 200


def test_model_override_for_the_owner(start_gateway, oc_env):
    gw = start_compat(start_gateway, oc_env)
    # The shared secret is the owner: its scope header changes nothing (§11 rule 7).
    headers = {"x-openclaw-scopes": "operator.read", "x-openclaw-model": "echo/other"}
    r = post(gw, "/v1/chat/completions", {"messages": USER}, headers=headers)
    assert r.status_code == 200, r.text
    r = post(gw, "/v1/chat/completions", {"messages": USER}, headers={"x-openclaw-model": "nowhere/x"})
    assert (r.status_code, error_message(r)) == (400, "Model 'nowhere/x' is not allowed for agent 'main'.")


def test_body_limits(start_gateway, oc_env):
    gw = start_compat(start_gateway, oc_env)
    mib = 1024 * 1024
    for path, limit in [("/v1/chat/completions", 20 * mib), ("/v1/responses", 20 * mib), ("/v1/embeddings", 5 * mib)]:
        head = req("POST", path, headers={"Authorization": f"Bearer {gw.token}", "Content-Length": str(limit + 1)})
        r = raw_request(gw.port, head, head_only=True)
        assert r.status == 413, path
    # Exactly at the embeddings limit the handler runs (and validates the input).
    body = json.dumps({"model": "openclaw", "input": "x"}).encode()
    body += b" " * (5 * mib - len(body))
    with gw.client(timeout=15) as c:
        r = c.post("/v1/embeddings", content=body, headers=gw.auth_headers())
    assert r.status_code == 200, r.text


# --------------------------------------------------------------------------- validation

@pytest.mark.parametrize("body,message", [
    ({"messages": USER, "stop": ["a", "b", "c", "d", "e"]}, "Invalid stop: stop supports at most 4 sequences"),
    ({"messages": USER, "temperature": 2.5}, "`temperature` must be between 0 and 2."),
    ({"messages": USER, "top_p": -0.1}, "`top_p` must be between 0 and 1."),
    ({"messages": USER, "max_tokens": 0}, "max_tokens must be a positive safe integer"),
    ({"messages": [{"role": "system", "content": "only system"}]}, "Missing user message in `messages`."),
    ({"messages": USER, "model": "gpt-4o"}, "Invalid `model`. Use `openclaw` or `openclaw/<agentId>`."),
    ({"messages": USER, "tools": [{"type": "retrieval"}]}, "Invalid tools/tool_choice: only function tools are supported"),
    ({"messages": USER, "tools": [{"type": "function", "function": {}}]}, "Invalid tools/tool_choice: tool.function.name is required"),
    ({"messages": USER, "tool_choice": {"type": "allowed_tools"}}, "Invalid tools/tool_choice: tool_choice allowed_tools is not supported"),
    ({"messages": USER, "response_format": {"type": "xml"}}, "Invalid response_format: type must be text, json_object or json_schema"),
], ids=["stop", "temperature", "top_p", "max_tokens", "no-user", "model", "tool-type", "tool-name", "allowed-tools", "format"])
def test_chat_validation(start_gateway, oc_env, body, message):
    gw = start_compat(start_gateway, oc_env)
    r = post(gw, "/v1/chat/completions", body)
    assert r.status_code == 400
    assert r.json() == {"error": {"message": message, "type": "invalid_request_error"}}


def test_bad_json_and_session_key(start_gateway, oc_env):
    gw = start_compat(start_gateway, oc_env)
    with gw.client() as c:
        r = c.post("/v1/chat/completions", content=b'{"messages": [', headers=gw.auth_headers())
    assert r.status_code == 400 and r.json()["error"]["message"] == "Unexpected end of JSON input"
    r = post(gw, "/v1/chat/completions", {"messages": USER}, headers={"x-openclaw-session-key": "agent:main:cron:nightly"})
    assert (r.status_code, error_message(r)) == (400, "`x-openclaw-session-key` cannot use reserved internal session namespaces.")
    r = post(gw, "/v1/responses", {"model": "openclaw", "input": []})
    assert (r.status_code, error_message(r)) == (400, "Missing user message in `input`.")
    r = post(gw, "/v1/responses", {"input": "x"})
    assert (r.status_code, error_message(r)) == (400, "Missing `model`.")


def test_request_chosen_urls_refused(start_gateway, oc_env):
    """§11 rule 5: no URL in a request makes the gateway connect out; inline data is fine."""
    gw = start_compat(start_gateway, oc_env)
    for url in ["http://169.254.169.254/latest/meta-data", "https://example.com/cat.png", "file:///etc/passwd"]:
        content = [{"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": url}}]
        r = post(gw, "/v1/chat/completions", {"messages": [{"role": "user", "content": content}]})
        assert (r.status_code, error_message(r)) == (400, "Invalid image_url content in `messages`."), url
        for part in [{"type": "input_image", "image_url": url}, {"type": "input_image", "source": {"type": "url", "url": url}},
                     {"type": "input_file", "source": {"type": "url", "url": url}}]:
            r = post(gw, "/v1/responses", {"model": "openclaw", "input": [{"role": "user", "content": [part]}]})
            assert (r.status_code, error_message(r)) == (400, "invalid request"), part
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    content = [{"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}}]
    r = post(gw, "/v1/chat/completions", {"messages": [{"role": "user", "content": content}]})
    assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"] == "echo: [image]"
    text_file = {"type": "input_file", "filename": "notes.txt", "file_data": "data:text/plain;base64,aGVsbG8="}
    r = post(gw, "/v1/responses", {"model": "openclaw", "input": [{"role": "user", "content": [{"type": "input_text", "text": "read"}, text_file]}]})
    assert r.status_code == 200, r.text


# --------------------------------------------------------------------------- disconnect

def open_and_drop(gw, body: dict, until: bytes | None) -> None:
    """POST on a raw socket, read until `until` appears (None: read nothing), then close.

    A dropped call gives its plugin slot back asynchronously (`on_cancel`, then the call's
    final frame), so a 503 (slots still taken) is retried for up to 3 s: far less than the
    5 s a run that was not cancelled would keep its slot."""
    data = json.dumps(body).encode()
    deadline = time.monotonic() + 3
    while True:
        sock = socket.create_connection(("127.0.0.1", gw.port), timeout=10)
        sock.sendall(req("POST", "/v1/chat/completions", headers={"Authorization": f"Bearer {gw.token}",
                                                                   "Content-Type": "application/json"}, body=data))
        if until is None:
            sock.close()
            return
        received = b""
        while b"\r\n\r\n" not in received or (received.startswith(b"HTTP/1.1 200") and until not in received):
            chunk = sock.recv(4096)
            assert chunk, f"closed before {until!r}"
            received += chunk
        sock.close()
        if received.startswith(b"HTTP/1.1 200"):
            return
        assert received.startswith(b"HTTP/1.1 503") and time.monotonic() < deadline, received
        time.sleep(0.05)


def test_client_disconnect_aborts_the_run(start_gateway, oc_env):
    """The stream has begun (role chunk read) while the provider sleeps; closing the socket
    cancels the run, so the session is free at once and the transcript records the abort.
    Dropped requests also give back their plugin slot (`maxConcurrent` 2 here)."""
    cfg = compat_config(oc_env)
    cfg["plugins"] = {"entries": {"openai-compat": {"maxConcurrent": 2}}}
    oc_env.write_config(cfg)
    gw = start_gateway()
    assert gw.wait_ready()
    sleeper = {"role": "user", "content": "/sleep 5000 slow"}
    open_and_drop(gw, {"model": "openclaw", "stream": True, "user": "leaver", "messages": [sleeper]}, b'"role":"assistant"')

    # Same session (same `user`): runs are serialized per session, so this only answers
    # quickly when the first run was aborted.
    started = time.monotonic()
    r = post(gw, "/v1/chat/completions", {"model": "openclaw", "user": "leaver", "messages": [{"role": "user", "content": "next"}]})
    assert r.status_code == 200, r.text
    assert time.monotonic() - started < 3.0
    sessions = oc_env.state_dir / "agents" / "main" / "sessions"
    assert wait_until(lambda: any("aborted" in p.read_text() for p in sessions.glob("*.jsonl")), 5), \
        [p.read_text() for p in sessions.glob("*.jsonl")]

    # Non-stream and before-the-head drops: every slot comes back.
    for _ in range(3):
        open_and_drop(gw, {"model": "openclaw", "messages": [sleeper]}, None)
    for _ in range(3):
        open_and_drop(gw, {"model": "openclaw", "stream": True, "messages": [sleeper]}, b'"role":"assistant"')
    assert wait_until(lambda: post(gw, "/v1/chat/completions", {"messages": USER}).status_code == 200, 3)


# --------------------------------------------------------------------------- stateless sessions

def test_stateless_requests_each_get_a_session_that_reaches_the_index(start_gateway, oc_env):
    # No `user`, no session header: every request is a fresh `agent:main:openai:<uuid>`
    # session (http.md §5.1). All of them answer, each transcript holds its turn, and the
    # index file catches up with every session (its rewrites are paced as it grows).
    gw = start_compat(start_gateway, oc_env)
    count = 150
    with gw.client(timeout=15) as c:
        for i in range(count):
            r = c.post("/v1/chat/completions", headers=gw.auth_headers(),
                       json={"model": "openclaw", "messages": [{"role": "user", "content": f"stateless {i}"}]})
            assert r.status_code == 200, r.text
            assert r.json()["choices"][0]["message"]["content"] == f"echo: stateless {i}"
    sessions = oc_env.state_dir / "agents" / "main" / "sessions"

    def stateless_keys():
        try:
            return [k for k in json.loads((sessions / "sessions.json").read_text()) if k.startswith("agent:main:openai:")]
        except (OSError, ValueError):
            return []
    assert wait_until(lambda: len(stateless_keys()) == count, 10), len(stateless_keys())
    index = json.loads((sessions / "sessions.json").read_text())
    texts = set()
    for key in stateless_keys():
        lines = [json.loads(l) for l in (sessions / f"{index[key]['sessionId']}.jsonl").read_text().splitlines()]
        assert [l.get("role") for l in lines if l.get("type") == "message"] == ["user", "assistant"], lines
        texts.add(lines[1]["text"])
    assert texts == {f"stateless {i}" for i in range(count)}
