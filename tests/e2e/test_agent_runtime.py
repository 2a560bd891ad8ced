"""Agent runtime end to end (protocol.md §10.2, §12.2–§12.5; http.md §5): WebSocket `agent` /
`chat.send` runs over the built-in echo provider and over `stub_upstream.py` (an
OpenAI-compatible upstream): two-stage responses, events, transcripts, durability across
`kill -9`, retries and failover, clear errors when every model is down, and aborts that
reach the upstream."""
from __future__ import annotations

import json
import time
import uuid

import pytest
from oc_helpers import session_index_entry
from stub_upstream import StubUpstream
from test_ws_protocol import Device, connect

SCOPES = ["operator.admin", "operator.read", "operator.write"]


# --------------------------------------------------------------------------- helpers

def open_session(gw):
    """An operator connection with a device identity (device-less token sessions get no
    scopes), using the protocol tests' connect helper."""
    ws, res = connect(gw, device=Device(), scopes=SCOPES)
    assert res["ok"], res
    return ws


def send(ws, method, params):
    req_id = str(uuid.uuid4())
    ws.send(json.dumps({"type": "req", "id": req_id, "method": method, "params": params}))
    return req_id


def next_res(ws, req_id, timeout=10.0):
    """The next res with this id, and the frames seen before it."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        msg = json.loads(ws.recv(timeout=max(0.05, deadline - time.monotonic())))
        if msg.get("type") == "res" and msg.get("id") == req_id:
            return msg, seen
        seen.append(msg)


def call(ws, method, params, timeout=10.0):
    res, _ = next_res(ws, send(ws, method, params), timeout)
    return res


def events(frames, name, run_id):
    return [f["payload"] for f in frames
            if f.get("type") == "event" and f.get("event") == name and f["payload"].get("runId") == run_id]


def wait_for_event(ws, frames, predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = json.loads(ws.recv(timeout=max(0.05, deadline - time.monotonic())))
        frames.append(msg)
        if msg.get("type") == "event" and predicate(msg):
            return msg
    raise AssertionError("event did not arrive")


def transcript(gw, agent="main", key="agent:main:main"):
    entry = session_index_entry(gw.oc.state_dir, agent, key)
    path = gw.oc.state_dir / "agents" / agent / "sessions" / f"{entry['sessionId']}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def agent_config(oc_env, providers: dict, model, timeout_seconds: int = 30):
    config = oc_env.base_config()
    config["models"] = {"providers": {"echo": {"api": "echo"}, **providers}}
    config["agents"] = {"defaults": {"model": model, "timeoutSeconds": timeout_seconds},
                        "entries": {"main": {"default": True, "systemPrompt": "You are a test."}}}
    oc_env.write_config(config)


@pytest.fixture
def stub():
    with StubUpstream() as s:
        yield s


@pytest.fixture
def stub2():
    with StubUpstream() as s:
        yield s


def upstream(stub, timeout_seconds=5):
    return {"baseUrl": stub.url, "apiKey": "stub-key", "api": "openai-completions", "timeoutSeconds": timeout_seconds,
            "models": [{"id": "m"}]}


# --------------------------------------------------------------------------- echo provider

def test_agent_two_stage_events_and_transcript(start_gateway, oc_env):
    agent_config(oc_env, {}, "echo/echo")
    gw = start_gateway()
    with open_session(gw) as ws:
        req = send(ws, "agent", {"message": "hello big world", "idempotencyKey": "k1"})
        accepted, _ = next_res(ws, req)
        assert accepted["ok"] and accepted["payload"]["status"] == "accepted", accepted
        run_id = accepted["payload"]["runId"]
        final, frames = next_res(ws, req)
        assert final["ok"], final
        payload = final["payload"]
        assert payload["runId"] == run_id and payload["status"] == "ok" and payload["summary"] == "completed"
        assert payload["result"]["payloads"] == [{"text": "echo: hello big world"}]
        assert payload["result"]["meta"]["usage"] == {"input": 7, "output": 4, "total": 11}

        agent_events = events(frames, "agent", run_id)
        assert [e["seq"] for e in agent_events] == list(range(1, len(agent_events) + 1))
        assert agent_events[0]["stream"] == "lifecycle" and agent_events[0]["data"]["phase"] == "start"
        assert agent_events[-1]["stream"] == "lifecycle" and agent_events[-1]["data"]["phase"] == "end"
        assert [e["data"]["delta"] for e in agent_events if e["stream"] == "assistant"] == ["echo: ", "hello ", "big ", "world"]
        chat = events(frames, "chat", run_id)
        assert [c["state"] for c in chat] == ["delta"] * 4 + ["final"]
        assert chat[-1]["sessionKey"] == "agent:main:main"
        assert chat[-1]["message"]["content"] == [{"type": "text", "text": "echo: hello big world"}]

        # Idempotent repeat: the stored final answer, no second run.
        again = call(ws, "agent", {"message": "hello big world", "idempotencyKey": "k1"})
        assert again["payload"]["runId"] == run_id

        waited = call(ws, "agent.wait", {"runId": run_id, "timeoutMs": 1000})
        assert waited["payload"]["status"] == "ok"

        lines = transcript(gw)
        assert lines[0]["type"] == "session"
        turns = [(l["role"], l["text"]) for l in lines if l["type"] == "message"]
        assert turns == [("user", "hello big world"), ("assistant", "echo: hello big world")]

        listed = call(ws, "sessions.list", {})
        assert [s["key"] for s in listed["payload"]["sessions"]] == ["agent:main:main"]
        assert listed["payload"]["sessions"][0]["model"] == "echo/echo"


def test_chat_send_acks_then_streams_chat_events(start_gateway, oc_env):
    agent_config(oc_env, {}, "echo/echo")
    gw = start_gateway()
    with open_session(gw) as ws:
        ack = call(ws, "chat.send", {"sessionKey": "main", "message": "ping", "idempotencyKey": "c1"})
        assert ack["ok"] and ack["payload"]["status"] == "started", ack
        run_id = ack["payload"]["runId"]
        frames = []
        final = wait_for_event(ws, frames, lambda m: m["event"] == "chat" and m["payload"].get("state") == "final")
        assert final["payload"]["runId"] == run_id
        assert final["payload"]["message"]["content"][0]["text"] == "echo: ping"
        history = call(ws, "chat.history", {"sessionKey": "main"})["payload"]
        assert history["sessionKey"] == "agent:main:main"
        assert [(m["role"], m["content"][0]["text"]) for m in history["messages"]] == [("user", "ping"), ("assistant", "echo: ping")]
        reserved = call(ws, "chat.send", {"sessionKey": "cron:nightly", "message": "x", "idempotencyKey": "c2"})
        assert not reserved["ok"] and reserved["error"]["code"] == "INVALID_REQUEST"
        internal = call(ws, "internal.agent.run", {"message": "x"})
        assert not internal["ok"] and internal["error"]["message"] == "unknown method: internal.agent.run"


def test_every_acknowledged_turn_survives_kill_9(start_gateway, oc_env):
    agent_config(oc_env, {}, "echo/echo")
    gw = start_gateway()
    with open_session(gw) as ws:
        for i in range(3):
            res = call(ws, "chat.send", {"sessionKey": "main", "message": f"turn {i}", "idempotencyKey": f"t{i}"})
            assert res["ok"]
        # Acknowledged but still running when the process dies.
        slow = call(ws, "chat.send", {"sessionKey": "main", "message": "/sleep 20000 unfinished", "idempotencyKey": "slow"})
        assert slow["ok"]
    gw.kill()
    gw2 = start_gateway(port=gw.port, name="after-kill")
    with open_session(gw2) as ws:
        history = call(ws, "chat.history", {"sessionKey": "main"})["payload"]
        users = [m["content"][0]["text"] for m in history["messages"] if m["role"] == "user"]
        assert users == ["turn 0", "turn 1", "turn 2", "/sleep 20000 unfinished"]
        # The session carries on after the restart.
        ack = call(ws, "chat.send", {"sessionKey": "main", "message": "after", "idempotencyKey": "a1"})
        assert ack["ok"]
        frames = []
        wait_for_event(ws, frames, lambda m: m["event"] == "chat" and m["payload"].get("runId") == ack["payload"]["runId"]
                       and m["payload"].get("state") == "final")


# --------------------------------------------------------------------------- upstream

def test_primary_500_answers_from_fallback(start_gateway, oc_env, stub, stub2):
    stub.behave(status=500)
    agent_config(oc_env, {"up": upstream(stub), "backup": upstream(stub2)},
                 {"primary": "up/m", "fallbacks": ["backup/m"]})
    gw = start_gateway()
    with open_session(gw) as ws:
        req = send(ws, "agent", {"message": "hi there", "idempotencyKey": "f1"})
        next_res(ws, req)
        final, _ = next_res(ws, req, timeout=20)
        assert final["ok"], final
        assert final["payload"]["result"]["payloads"] == [{"text": "stub: hi there"}]
        assert final["payload"]["result"]["meta"]["agentMeta"]["provider"] == "backup"
    assert len(stub.chat_requests()) == 3          # one try + two retries
    assert len(stub2.chat_requests()) == 1
    sent = stub2.chat_requests()[0]
    assert sent["headers"].get("Authorization") == "Bearer stub-key"
    assert sent["body"]["stream"] is True and sent["body"]["model"] == "m"
    assert sent["body"]["messages"][0] == {"role": "system", "content": "You are a test."}
    assert sent["body"]["messages"][-1] == {"role": "user", "content": "hi there"}


def test_primary_timeout_answers_from_fallback(start_gateway, oc_env, stub, stub2):
    stub.behave(hang=True)
    agent_config(oc_env, {"up": upstream(stub, timeout_seconds=1), "backup": upstream(stub2)},
                 {"primary": "up/m", "fallbacks": ["backup/m"]})
    gw = start_gateway()
    with open_session(gw) as ws:
        start = time.monotonic()
        req = send(ws, "agent", {"message": "slow primary", "idempotencyKey": "t1"})
        next_res(ws, req)
        final, _ = next_res(ws, req, timeout=20)
        assert final["ok"], final
        assert final["payload"]["result"]["payloads"] == [{"text": "stub: slow primary"}]
        assert time.monotonic() - start < 5


def test_every_model_down_is_a_clear_error_within_the_timeout(start_gateway, oc_env, stub, stub2):
    stub.behave(hang=True)
    stub2.behave(reset=True)
    agent_config(oc_env, {"up": upstream(stub, timeout_seconds=1), "backup": upstream(stub2, timeout_seconds=1)},
                 {"primary": "up/m", "fallbacks": ["backup/m"]}, timeout_seconds=8)
    gw = start_gateway()
    with open_session(gw) as ws:
        start = time.monotonic()
        req = send(ws, "agent", {"message": "anyone?", "idempotencyKey": "d1"})
        next_res(ws, req)
        final, frames = next_res(ws, req, timeout=20)
        elapsed = time.monotonic() - start
        assert not final["ok"]
        assert final["error"]["code"] in ("UNAVAILABLE", "AGENT_TIMEOUT")
        assert final["error"]["message"] and "backup" in final["error"]["message"], final
        assert final["payload"]["status"] == "error"
        assert elapsed < 8, elapsed
        run_id = final["payload"]["runId"]
        chat = events(frames, "chat", run_id)
        assert chat and chat[-1]["state"] == "error" and chat[-1]["errorMessage"]
    lines = transcript(gw)
    assert lines[-1]["role"] == "assistant" and lines[-1]["stopReason"] == "error"


def test_chat_abort_cancels_the_upstream_stream(start_gateway, oc_env, stub):
    stub.behave(chunk_delay=0.1, words=100)
    agent_config(oc_env, {"up": upstream(stub)}, "up/m")
    gw = start_gateway()
    with open_session(gw) as ws:
        ack = call(ws, "chat.send", {"sessionKey": "main", "message": "long story", "idempotencyKey": "ab1"})
        run_id = ack["payload"]["runId"]
        frames = []
        wait_for_event(ws, frames, lambda m: m["event"] == "chat" and m["payload"].get("state") == "delta")
        aborted = call(ws, "chat.abort", {"sessionKey": "main"})
        assert aborted["payload"] == {"ok": True, "aborted": True, "runIds": [run_id]}, aborted
        wait_for_event(ws, frames, lambda m: m["event"] == "chat" and m["payload"].get("state") == "aborted")
        waited = call(ws, "agent.wait", {"runId": run_id, "timeoutMs": 2000})
        assert waited["payload"]["status"] == "error" and waited["payload"]["error"] == "aborted"
    assert stub.wait_closed(5), "the upstream did not see the stream closed"
    last = transcript(gw)[-1]
    assert last["role"] == "assistant" and last["stopReason"] == "aborted" and last["aborted"] is True
    assert last["text"].startswith("stub: ")
