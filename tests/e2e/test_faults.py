"""Faults (issue 9 item 3): broken upstreams, full or read-only disks, kill -9 under chat load,
a plugin that never answers, SIGTERM under load. Each fault must give the client a clear
error, leave no half-written file and no leaked connection, and keep the gateway healthy."""
from __future__ import annotations

import json
import re
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from security_support import (GarbageUpstream, fill, install_probe, remount_readonly, settled_socket_count,
                              tmpfs, wait_socket_count, with_probe)
from stub_upstream import StubUpstream
from test_agent_runtime import call, next_res, open_session, send
from test_plugins import WS

ECHO_MODELS = {"providers": {"echo": {"api": "echo"}}}


def agent_config(oc, model="echo/echo", providers=None, timeout_seconds=8, **extra) -> dict:
    config = oc.base_config()
    config["models"] = {"providers": {**ECHO_MODELS["providers"], **(providers or {})}}
    config["agents"] = {"defaults": {"model": model, "timeoutSeconds": timeout_seconds},
                        "entries": {"main": {"default": True}}}
    config.update(extra)
    return config


def parse_jsonl(path: Path) -> list[dict]:
    """Every line must be one JSON object: a torn or merged line fails here."""
    return [json.loads(line) for line in path.read_text().splitlines()]


def all_session_files(state_dir: Path) -> list[Path]:
    return sorted((state_dir / "agents").glob("*/sessions/*"))


def assert_state_parses(state_dir: Path, killed_pid: int | None = None):
    """Every transcript and index parses; the only other file allowed is the index temp file
    of a process killed mid-replace (never renamed, so never read)."""
    for f in all_session_files(state_dir):
        if f.suffix == ".jsonl":
            parse_jsonl(f)
        elif f.name == "sessions.json":
            json.loads(f.read_text())
        elif killed_pid is None or not re.fullmatch(rf"\.sessions\.json\.{killed_pid}\.[0-9a-f]+\.tmp", f.name):
            # The shared atomic writer's temp name: `.<file>.<pid>.<random hex>.tmp`.
            raise AssertionError(f"stray file {f.name} (a temp file left behind?)")


# --------------------------------------------------------------------------- upstream faults

def broken_upstream(kind: str):
    if kind in ("hang", "reset"):
        return StubUpstream(**{kind: True})
    return GarbageUpstream(kind.removeprefix("garbage-"))


@pytest.mark.parametrize("kind", ["hang", "reset", "garbage-sse", "garbage-json", "garbage-http"])
def test_broken_upstream_is_a_clear_error_without_leaked_connections(start_gateway, oc_env, kind):
    with broken_upstream(kind) as up:
        provider = {"baseUrl": up.url, "apiKey": "k", "api": "openai-completions", "timeoutSeconds": 1,
                    "models": [{"id": "m"}]}
        config = agent_config(oc_env, model="flaky/m", providers={"flaky": provider})
        config["gateway"]["http"] = {"endpoints": {"chatCompletions": {"enabled": True}}}
        oc_env.write_config(config)
        gw = start_gateway()
        assert gw.wait_ready()
        baseline = settled_socket_count(gw.pid)
        with open_session(gw) as ws:
            for i in range(3):
                req = send(ws, "agent", {"message": f"hello {i}", "idempotencyKey": f"{kind}-{i}"})
                accepted, _ = next_res(ws, req)
                assert accepted["ok"], accepted
                final, _ = next_res(ws, req, timeout=20)
                assert not final["ok"], final
                message = final["error"]["message"]
                assert "flaky" in message or "upstream" in message, f"the error should say what failed: {message!r}"
        with gw.client(timeout=20) as c:
            r = c.post("/v1/chat/completions", headers=gw.auth_headers(),
                       json={"model": "openclaw", "messages": [{"role": "user", "content": "hi"}]})
            assert r.status_code in (502, 503, 504), r.text
            assert r.json()["error"]["message"], r.text
        # Every upstream connection of those runs is gone (timeouts, resets and garbage are
        # never pooled), and so are the client sockets.
        left = wait_socket_count(gw.pid, baseline, 10)
        assert left <= baseline, f"{left - baseline} sockets leaked after {kind} upstream"
        assert httpx.get(gw.url + "/healthz", timeout=2).status_code == 200


# --------------------------------------------------------------------------- disk faults

def chat_send(ws, session: str, message: str, key: str) -> dict:
    return call(ws, "chat.send", {"sessionKey": session, "message": message, "idempotencyKey": key}, timeout=15)


def wait_final(ws, run_id: str, timeout: float = 15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = json.loads(ws.recv(timeout=max(0.05, deadline - time.monotonic())))
        if msg.get("event") == "chat" and msg["payload"].get("runId") == run_id and msg["payload"]["state"] in ("final", "error"):
            return msg["payload"]
    raise AssertionError(f"run {run_id} did not finish")


def transcript_gateway(start_gateway, oc_env):
    """A gateway whose <stateDir>/agents lives on a tiny tmpfs (the caller holds the mount)."""
    oc_env.write_config(agent_config(oc_env))
    return start_gateway()


def test_full_disk_during_transcript_write_is_a_clear_error_and_nothing_half_written(start_gateway, oc_env):
    with tmpfs(oc_env.state_dir / "agents", "64k") as agents:
        gw = transcript_gateway(start_gateway, oc_env)
        with open_session(gw) as ws:
            ok = chat_send(ws, "main", "before the disk filled", "d0")
            assert ok["ok"], ok
            assert wait_final(ws, ok["payload"]["runId"])["state"] == "final"
            fill(agents)
            # Leave one page free: the next 10 KiB line is cut short by ENOSPC mid-write.
            filler = agents / ".filler"
            with open(filler, "r+b") as f:
                f.truncate(max(0, filler.stat().st_size - 4096))
            failed = chat_send(ws, "main", "x" * 10_000, "d1")
            assert not failed["ok"], failed
            assert "No space left on device" in failed["error"]["message"], failed
            filler.unlink()
            again = chat_send(ws, "main", "after space came back", "d2")
            assert again["ok"], again
            assert wait_final(ws, again["payload"]["runId"])["state"] == "final"
        assert_state_parses(oc_env.state_dir)
        history = [l.get("text") for f in all_session_files(oc_env.state_dir) if f.suffix == ".jsonl"
                   for l in parse_jsonl(f) if l.get("role") == "user"]
        assert history == ["before the disk filled", "after space came back"]


def test_read_only_state_dir_during_transcript_write_is_a_clear_error(start_gateway, oc_env):
    with tmpfs(oc_env.state_dir / "agents", "1m") as agents:
        gw = transcript_gateway(start_gateway, oc_env)
        with open_session(gw) as ws:
            ok = chat_send(ws, "main", "before read-only", "r0")
            assert ok["ok"], ok
            wait_final(ws, ok["payload"]["runId"])
            remount_readonly(agents)  # waits until the gateway's journal is quiet
            before = {f: f.read_bytes() for f in all_session_files(oc_env.state_dir)}
            failed = chat_send(ws, "main", "while read-only", "r1")
            assert not failed["ok"], failed
            assert "Read-only file system" in failed["error"]["message"], failed
            assert {f: f.read_bytes() for f in all_session_files(oc_env.state_dir)} == before
        assert httpx.get(gw.url + "/healthz", timeout=2).status_code == 200


@pytest.mark.parametrize("stream", [False, True])
def test_read_only_state_dir_refuses_an_http_run_whose_model_call_already_started(start_gateway, oc_env, stream):
    # HTTP runs call the model while their user turn syncs. When the turn cannot be stored the
    # model call (a 3 s echo sleep) is cancelled, the client gets a clear 503, nothing of the
    # run reaches the transcript or the event stream.
    with tmpfs(oc_env.state_dir / "agents", "1m") as agents:
        config = agent_config(oc_env)
        config["gateway"]["http"] = {"endpoints": {"chatCompletions": {"enabled": True}}}
        oc_env.write_config(config)
        gw = start_gateway()
        body = {"model": "openclaw", "user": "ro", "stream": stream}
        with gw.client(timeout=20) as c:
            ok = c.post("/v1/chat/completions", headers=gw.auth_headers(),
                        json={**body, "stream": False, "messages": [{"role": "user", "content": "before read-only"}]})
            assert ok.status_code == 200, ok.text
            remount_readonly(agents)
            ws = open_session(gw)
            before = {f: f.read_bytes() for f in all_session_files(oc_env.state_dir)}
            started = time.monotonic()
            r = c.post("/v1/chat/completions", headers=gw.auth_headers(),
                       json={**body, "messages": [{"role": "user", "content": "/sleep 3000 while read-only"}]})
            elapsed = time.monotonic() - started
            assert r.status_code == 503, r.text
            assert "Read-only file system" in r.json()["error"]["message"], r.text
            assert elapsed < 2.5, f"the model call was not cancelled: answered after {elapsed:.2f} s"
            assert {f: f.read_bytes() for f in all_session_files(oc_env.state_dir)} == before
            # The operator socket saw no event of the refused run (events wait for the turn).
            ws.send(json.dumps({"type": "req", "id": "h", "method": "health"}))
            seen = []
            for _ in range(1000):
                msg = json.loads(ws.recv(timeout=5))
                if msg.get("id") == "h":
                    break
                if msg.get("event") in ("agent", "chat"):
                    seen.append(msg)
            ws.close()
            assert seen == [], seen
        assert httpx.get(gw.url + "/healthz", timeout=2).status_code == 200


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_config_write_fault_is_a_clear_error_and_the_file_is_untouched(start_gateway, oc_env, fault):
    # The whole state dir (config file, backups, audit log) sits on a small tmpfs.
    with tmpfs(oc_env.state_dir, "256k") as state:
        oc_env.write_config(oc_env.base_config())
        gw = start_gateway()
        ws = WS(gw)
        try:
            base = ws.call("config.get")["payload"]["hash"]
            original = oc_env.config_path.read_bytes()
            names = sorted(p.name for p in state.iterdir())
            if fault == "full":
                fill(state)
                names.append(".filler")
            else:
                remount_readonly(state)
            res = ws.call("config.patch", {"raw": "{logging: {level: 'debug'}}", "baseHash": base})
            assert not res["ok"], res
            expected = "No space left on device" if fault == "full" else "Read-only file system"
            assert expected in res["error"]["message"], res
            assert oc_env.config_path.read_bytes() == original
            assert sorted(p.name for p in state.iterdir()) == sorted(names), "a temp file was left behind"
            assert ws.call("health")["ok"]
        finally:
            ws.close()


# --------------------------------------------------------------------------- kill -9 under load

def test_kill_9_during_heavy_chat_load_keeps_every_acknowledged_line(start_gateway, oc_env):
    oc_env.write_config(agent_config(oc_env))
    gw = start_gateway()
    acked: dict[str, list[str]] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def client(n: int):
        # Each client drives 30 sessions with chat.send as fast as acks come back (spread so
        # no session outgrows chat.history's 1,000-row limit within the load window).
        try:
            with open_session(gw) as ws:
                for i in range(10_000):
                    if stop.is_set():
                        return
                    session = f"load-{n}-{i % 30}"
                    text = f"c{n} m{i}" if i % 7 else f"/sleep 200 c{n} m{i}"
                    res = chat_send(ws, session, text, f"k{n}-{i}")
                    if res.get("ok"):
                        with lock:
                            acked.setdefault(f"agent:main:{session}", []).append(text)
        except (ConnectionClosed, OSError, TimeoutError):
            return

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(4)]
    for t in threads:
        t.start()
    time.sleep(3)
    gw.kill()                                   # SIGKILL while acks are still flowing
    stop.set()
    for t in threads:
        t.join(10)
    total = sum(map(len, acked.values()))
    assert total >= 40, f"only {total} acknowledged turns: not a heavy load"

    assert_state_parses(oc_env.state_dir, killed_pid=gw.pid)
    gw2 = start_gateway(port=gw.port, name="after-kill")
    with open_session(gw2) as ws:
        for key, texts in acked.items():
            history = call(ws, "chat.history", {"sessionKey": key, "limit": 1000})["payload"]
            users = [m["content"][0]["text"] for m in history["messages"] if m["role"] == "user"]
            missing = [t for t in texts if t not in users]
            assert not missing, f"{key}: acknowledged turns lost after kill -9: {missing[:5]}"
    print(json.dumps({"test": "kill9", "acknowledged_turns": total, "sessions": len(acked)}))


# --------------------------------------------------------------------------- plugin faults

NEVER_MS = 800


def test_handler_that_never_answers_gets_504_and_the_gateway_stays_healthy(start_gateway, oc_env):
    install_probe(oc_env.state_dir, NEVER_MS=NEVER_MS, SLOW_MS=100)
    oc_env.write_config(with_probe(oc_env.base_config()))
    gw = start_gateway()
    assert gw.wait_ready()
    baseline = settled_socket_count(gw.pid)
    results: list[tuple[int, float, str]] = []

    def never():
        start = time.monotonic()
        r = httpx.get(gw.url + "/api/sec/never", headers=gw.auth_headers(), timeout=10, trust_env=False)
        results.append((r.status_code, time.monotonic() - start, r.text))

    threads = [threading.Thread(target=never) for _ in range(8)]
    for t in threads:
        t.start()
    # While they hang the gateway answers everything else at once.
    assert httpx.get(gw.url + "/healthz", timeout=1).status_code == 200
    for t in threads:
        t.join(15)
    assert [s for s, _, _ in results] == [504] * 8, results
    assert all(NEVER_MS / 1000 - 0.05 <= d <= NEVER_MS / 1000 + 3 for _, d, _ in results), results
    assert all(text == "Gateway Timeout" for _, _, text in results), results
    # Each missed deadline is a strike; three within 60 s degrade the plugin (plugin-abi §7.2):
    # its routes answer 503 until it is reloaded, while the host keeps serving.
    ready = httpx.get(gw.url + "/readyz", timeout=2)
    assert ready.status_code == 200 and ready.json()["plugins"]["sec-probe"] == "degraded", ready.text
    r = httpx.get(gw.url + "/api/sec/slow", headers=gw.auth_headers(), timeout=5)
    assert r.status_code == 503, r.text
    assert wait_socket_count(gw.pid, baseline, 5) <= baseline


# --------------------------------------------------------------------------- SIGTERM under load

def test_sigterm_under_load_sends_shutdown_finishes_in_flight_and_exits_0(start_gateway, oc_env):
    install_probe(oc_env.state_dir, SLOW_MS=1500)
    oc_env.write_config(with_probe(oc_env.base_config()))
    gw = start_gateway()
    assert gw.wait_ready()
    clients = [WS(gw) for _ in range(3)]
    answers: list[tuple[int, str]] = []
    background = {"ok": 0, "refused": 0}
    stop = threading.Event()

    def in_flight():
        r = httpx.get(gw.url + "/api/sec/slow", headers=gw.auth_headers(), timeout=10, trust_env=False)
        answers.append((r.status_code, r.text))

    def hammer():
        for _ in range(100_000):
            if stop.is_set():
                return
            try:
                httpx.get(gw.url + "/healthz", timeout=2, trust_env=False)
                background["ok"] += 1
            except httpx.HTTPError:
                background["refused"] += 1

    slow = [threading.Thread(target=in_flight) for _ in range(20)]
    load = [threading.Thread(target=hammer, daemon=True) for _ in range(2)]
    for t in slow + load:
        t.start()
    time.sleep(0.5)                             # the slow requests are inside the plugin now
    started = time.monotonic()
    gw.proc.send_signal(signal.SIGTERM)
    code = gw.wait_exit(5)
    elapsed = time.monotonic() - started
    stop.set()
    for t in slow + load:
        t.join(10)

    assert code == 0, f"exit {code} after {elapsed:.1f}s\n{gw.log_text()[-2000:]}"
    assert answers == [(200, "slow done")] * 20, answers
    for ws in clients:
        seen = []
        try:
            for _ in range(100):
                seen.append(json.loads(ws.ws.recv(timeout=2)))
        except ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 1012, closed
        shutdown = [m for m in seen if m.get("event") == "shutdown"]
        assert shutdown and shutdown[0]["payload"] == {"reason": "gateway stopping", "restartExpectedMs": None}, seen
    assert background["ok"] > 0
