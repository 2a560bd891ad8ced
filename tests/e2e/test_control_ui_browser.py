"""The Control UI in a real browser (http.md §10.2–§10.3, §11 rules 1, 15, 19): headless
Chromium driven over CDP loads the page from the gateway, connects with a typed token and a
WebCrypto Ed25519 device identity, shows health, presence and sessions, streams a chat reply
from the echo provider, and never contacts a URL taken from the query string. Screenshots go
to the test output directory."""
from __future__ import annotations

import json
import re
import socket

import pytest
from websockets.sync.client import connect as ws_connect

from cdp import Browser, chromium_version, find_chromium
from conftest import ARTIFACTS, TEST_TOKEN

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium not found: install the apt package `chromium` (or set OPENCLAW_CHROMIUM)")

ECHO_CONFIG = {
    "models": {"providers": {"echo": {"api": "echo"}}},
    "agents": {"defaults": {"model": "echo/echo"}},
}


@pytest.fixture
def ui_gateway(start_gateway, oc_env):
    config = oc_env.base_config()
    config.update(ECHO_CONFIG)
    oc_env.write_config(config)
    gw = start_gateway()
    assert gw.wait_ready(), "plugins did not finish init"
    return gw


@pytest.fixture
def pairing_gateway(start_gateway, oc_env):
    """Local browsers are not auto-approved: the UI must show `pairing required`."""
    oc_env.write_config(oc_env.base_config(nodes={"pairing": {"autoApproveLocal": False}}))
    gw = start_gateway()
    assert gw.wait_ready(), "plugins did not finish init"
    return gw


@pytest.fixture
def page(tmp_path):
    # Chromium before 137 has WebCrypto Ed25519 only behind this flag (http.md §10.2).
    extra = ["--enable-experimental-web-platform-features"] if chromium_version(CHROMIUM) < (137,) else []
    with Browser(CHROMIUM, tmp_path / "chromium", extra_args=extra) as browser:
        yield browser.page


def text(page, element_id: str) -> str:
    return page.evaluate(f"document.getElementById({json.dumps(element_id)}).textContent")


def connect_with_token(page, token: str):
    page.evaluate(f"""(() => {{
        document.getElementById('secret').value = {json.dumps(token)};
        document.getElementById('connect-form').requestSubmit();
        return true; }})()""")


def wait_state(page, state: str, timeout: float = 15):
    page.wait_for(f"document.getElementById('state').textContent === {json.dumps(state)}", timeout,
                  what=f"state {state!r} (now {text(page, 'state')!r}, notice {text(page, 'notice')!r})")


def click_tab(page, view: str):
    page.evaluate(f"document.querySelector('nav a[data-view={view}]').click(), true")
    page.wait_for(f"!document.getElementById('view-{view}').hidden", what=f"{view} view")


def screenshot(page, name: str):
    page.screenshot(ARTIFACTS / "control-ui" / f"{name}.png")


def open_connected(page, gw, path: str = "/"):
    page.navigate(gw.url + path)
    assert text(page, "state") == "disconnected"
    connect_with_token(page, TEST_TOKEN)
    wait_state(page, "connected")


def assert_clean_console(page):
    problems = [line for line in page.console() if line.startswith(("error", "exception"))]
    assert not problems, problems


def test_connect_overview_sessions_logs_settings(ui_gateway, page):
    gw = ui_gateway
    open_connected(page, gw)

    # Overview: version, auth mode, health and this browser's presence row.
    page.wait_for("document.getElementById('health-badge').textContent === 'ok'", what="health ok")
    facts = text(page, "gateway-facts")
    assert "Auth mode" in facts and "token" in facts
    page.wait_for("[...document.querySelectorAll('#presence-rows td')].some(td => td.textContent === 'ui')",
                  what="presence row of this browser")

    # Token kept for this tab, keyed by the socket URL; a device token came back for the device.
    ws_url = f"ws://127.0.0.1:{gw.port}/"
    assert page.evaluate(f"sessionStorage.getItem('openclaw.token.v1:{ws_url}')") == TEST_TOKEN
    device = page.evaluate("JSON.parse(localStorage.getItem('openclaw.device.auth.v1'))")
    assert device and device["token"] and len(device["deviceId"]) == 64
    assert TEST_TOKEN not in page.evaluate("location.href")
    screenshot(page, "overview")

    click_tab(page, "sessions")
    assert page.evaluate("location.pathname") == "/sessions"
    page.wait_for("document.querySelectorAll('#session-rows tr').length > 0 || !document.getElementById('sessions-empty').hidden",
                  what="sessions table")
    click_tab(page, "logs")
    page.wait_for("document.getElementById('logs-output').textContent.length > 0", what="log lines")
    click_tab(page, "config")
    page.wait_for("document.getElementById('config-raw').textContent.includes('gateway')", what="config text")
    assert TEST_TOKEN not in text(page, "config-raw"), "config.get output is redacted"
    click_tab(page, "settings")
    page.wait_for("document.querySelectorAll('#settings-rows input:not([disabled])').length === 7", what="settings toggles")
    screenshot(page, "settings")
    assert_clean_console(page)


def send_chat(page, message: str):
    page.evaluate(f"""(() => {{
        document.getElementById('chat-input').value = {json.dumps(message)};
        document.getElementById('chat-form').requestSubmit();
        return true; }})()""")


def test_chat_streams_echo_reply_and_keeps_history(ui_gateway, page):
    """http.md §5.4: the echo provider answers "echo: " + the message, one delta per word."""
    open_connected(page, ui_gateway, "/chat")
    assert page.evaluate("document.getElementById('chat-session').value") == "agent:main:main"
    # Every text the assistant bubble shows, to prove the reply arrived in pieces.
    page.evaluate("""(() => {
        window.__seen = [];
        new MutationObserver(() => {
            const node = document.querySelector('.bubble.assistant .text');
            if (node && window.__seen.at(-1) !== node.textContent) window.__seen.push(node.textContent);
        }).observe(document.getElementById('chat-log'), { subtree: true, childList: true, characterData: true });
        return true; })()""")
    send_chat(page, "hello from the browser")
    reply = page.wait_for("""(() => {
        const done = document.querySelector('.bubble.assistant.final .text, .bubble.error .text');
        return done && done.textContent; })()""", timeout=20, what="assistant reply")
    assert reply == "echo: hello from the browser"
    seen = [text for text in page.evaluate("window.__seen") if text]
    assert len(seen) >= 3 and seen[-1] == reply, seen
    assert all(reply.startswith(part) for part in seen), seen
    screenshot(page, "chat")

    # The transcript survives a reload (chat.history), and the session is listed.
    page.navigate(ui_gateway.url + "/chat")
    wait_state(page, "connected")
    page.wait_for("document.querySelectorAll('#chat-log .bubble').length === 2", what="history bubbles")
    assert page.evaluate("[...document.querySelectorAll('#chat-log .text')].map(n => n.textContent)") == [
        "hello from the browser", "echo: hello from the browser"]
    click_tab(page, "sessions")
    page.wait_for("[...document.querySelectorAll('#session-rows td')].some(td => td.textContent === 'agent:main:main')",
                  what="main session row")
    assert_clean_console(page)


def test_chat_stop_aborts_the_run(ui_gateway, page):
    open_connected(page, ui_gateway, "/chat")
    send_chat(page, "/sleep 20000 never finished")
    page.wait_for("!document.getElementById('chat-stop').disabled", what="stop enabled")
    page.evaluate("document.getElementById('chat-stop').click(), true")
    page.wait_for("!!document.querySelector('.bubble.assistant.aborted')", timeout=10, what="aborted bubble")
    assert page.evaluate("document.getElementById('chat-stop').disabled")
    assert "echo: never finished" not in text(page, "chat-log")


def test_seq_gap_refreshes_health_and_presence(ui_gateway, page):
    """protocol.md §10.1: no replay, so a gap makes the UI re-fetch what it mirrors."""
    open_connected(page, ui_gateway)
    page.wait_for("gateway.lastSeq !== null", what="a broadcast with seq")
    calls = page.evaluate("""(() => {
        window.__calls = [];
        const request = gateway.request.bind(gateway);
        gateway.request = (method, params) => { window.__calls.push(method); return request(method, params); };
        gateway.receive({ type: "event", event: "tick", seq: gateway.lastSeq + 3, payload: { ts: Date.now() } });
        return window.__calls; })()""")
    assert "health" in calls and "system-presence" in calls


def test_settings_toggle_patches_config(ui_gateway, page):
    gw = ui_gateway
    open_connected(page, gw, "/settings")
    page.wait_for("document.querySelectorAll('#settings-rows input:not([disabled])').length === 7", what="enabled toggles")
    page.evaluate("""(() => {
        const row = [...document.querySelectorAll('#settings-rows tr')]
            .find(tr => tr.textContent.includes('gateway.http.endpoints.chatCompletions.enabled'));
        row.querySelector('input').click();
        return true; })()""")
    page.wait_for("document.getElementById('settings-result').textContent.includes('chatCompletions.enabled = true')",
                  what="patch result")
    assert gw.oc.read_config()["gateway"]["http"]["endpoints"]["chatCompletions"]["enabled"] is True


def test_fragment_token_is_taken_once_and_removed(ui_gateway, page):
    gw = ui_gateway
    page.navigate(f"{gw.url}/overview#token={TEST_TOKEN}")
    wait_state(page, "connected")
    assert page.evaluate("location.hash") == ""
    assert TEST_TOKEN not in page.evaluate("location.href")
    # Reloading reconnects from sessionStorage without the fragment.
    page.navigate(f"{gw.url}/overview")
    wait_state(page, "connected")


def test_wrong_token_shows_unauthorized_without_retrying(ui_gateway, page):
    page.navigate(ui_gateway.url + "/")
    connect_with_token(page, "not-the-token")
    wait_state(page, "unauthorized")
    assert "token mismatch" in text(page, "notice")
    assert "1008" in text(page, "close-reason")
    assert text(page, "connect-button") == "Connect"


def test_query_gateway_url_and_token_are_ignored(ui_gateway, page):
    """Rule 1: a URL-chosen endpoint never gets a connection (nor the token)."""
    with socket.socket() as trap:
        trap.bind(("127.0.0.1", 0))
        trap.listen(4)
        trap.settimeout(0.5)
        evil = f"ws://127.0.0.1:{trap.getsockname()[1]}/"
        page.navigate(f"{ui_gateway.url}/?gatewayUrl={evil}&token={TEST_TOKEN}")
        page.evaluate("new Promise(r => setTimeout(r, 1500))")
        with pytest.raises(socket.timeout):
            trap.accept()
    assert text(page, "state") == "disconnected"
    assert page.evaluate("document.getElementById('secret').value") == ""


def test_restart_reconnects_with_backoff(ui_gateway, page, start_gateway):
    gw = ui_gateway
    open_connected(page, gw)
    gw.stop()
    page.wait_for("!document.getElementById('banner').hidden", what="shutdown banner")
    page.wait_for("document.getElementById('close-reason').textContent.includes('1012')", what="close 1012")
    start_gateway(port=gw.port)
    wait_state(page, "connected", timeout=20)


@pytest.mark.parametrize("shim,message", [
    ("crypto.subtle.generateKey = () => Promise.reject(new DOMException('Unrecognized name', 'NotSupportedError'));",
     "this browser cannot create a device identity (WebCrypto Ed25519 unavailable)"),
    ("Object.defineProperty(window, 'isSecureContext', { value: false });",
     "control ui requires device identity (use HTTPS or localhost secure context)"),
])
def test_no_device_identity_means_no_connection(ui_gateway, page, shim, message):
    """http.md §10.2: without WebCrypto Ed25519 (or a secure context) the page explains why and opens no socket."""
    page.call("Page.addScriptToEvaluateOnNewDocument", source=shim + """
        window.__sockets = 0;
        const Native = WebSocket;
        window.WebSocket = function (...args) { window.__sockets++; return new Native(...args); };""")
    page.navigate(ui_gateway.url + "/")
    connect_with_token(page, TEST_TOKEN)
    page.wait_for(f"document.getElementById('notice').textContent.includes({json.dumps(message)})", what="identity message")
    assert text(page, "state") == "disconnected"
    assert page.evaluate("window.__sockets") == 0


def approve(gw, request_id: str):
    """Approves a pairing request as a local backend client (protocol.md §6.5 device-less path 1)."""
    with ws_connect(f"ws://127.0.0.1:{gw.port}/", open_timeout=5, close_timeout=2) as ws:
        assert json.loads(ws.recv(timeout=5))["event"] == "connect.challenge"
        ws.send(json.dumps({"type": "req", "id": "c1", "method": "connect", "params": {
            "minProtocol": 4, "maxProtocol": 4, "role": "operator", "scopes": ["operator.admin", "operator.pairing"],
            "client": {"id": "gateway-client", "version": "0.1.0", "platform": "linux", "mode": "backend"},
            "auth": {"token": TEST_TOKEN}}}))
        ws.send(json.dumps({"type": "req", "id": "a1", "method": "device.pair.approve", "params": {"requestId": request_id}}))
        for _ in range(50):
            msg = json.loads(ws.recv(timeout=5))
            if msg.get("type") == "res" and msg["id"] in ("c1", "a1"):
                assert msg["ok"], msg
                if msg["id"] == "a1":
                    return
        raise AssertionError("no answer to device.pair.approve")


def test_pairing_required_then_approved(pairing_gateway, page):
    page.navigate(pairing_gateway.url + "/")
    connect_with_token(page, TEST_TOKEN)
    wait_state(page, "pairing required")
    notice = text(page, "notice")
    assert "openclaw devices approve --latest" in notice
    request_id = re.search(r"requestId: ([^)\s]+)", notice).group(1)
    screenshot(page, "pairing-required")
    approve(pairing_gateway, request_id)
    # The UI keeps retrying with backoff while pairing is pending, so approval is picked up.
    wait_state(page, "connected", timeout=40)
