"""A small Chrome DevTools Protocol driver for the browser tests: starts headless Chromium
(apt `chromium`) with a throw-away profile and talks to one page over the DevTools WebSocket
(Python `websockets`). Every wait is bounded; `close()` always ends the browser process."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect as ws_connect


def find_chromium() -> str | None:
    """`OPENCLAW_CHROMIUM`, else the first Chromium-family binary on PATH."""
    explicit = os.environ.get("OPENCLAW_CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class CdpError(AssertionError):
    pass


class Browser:
    """One headless Chromium process with one page target."""

    def __init__(self, binary: str, profile: Path, width: int = 1280, height: int = 860, extra_args=()):
        profile.mkdir(parents=True, exist_ok=True)
        self.log_path = profile / "chromium.log"
        args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--no-proxy-server", "--remote-debugging-port=0",
                f"--user-data-dir={profile}", f"--window-size={width},{height}", *extra_args, "about:blank"]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        port = self._devtools_port(profile, timeout=30)
        pages = [t for t in httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=5, trust_env=False).json()
                 if t["type"] == "page"]
        if not pages:
            raise CdpError("chromium has no page target")
        self.page = Page(pages[0]["webSocketDebuggerUrl"])

    def _devtools_port(self, profile: Path, timeout: float) -> int:
        """Chromium writes the chosen port to <profile>/DevToolsActivePort."""
        deadline = time.monotonic() + timeout
        marker = profile / "DevToolsActivePort"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise CdpError(f"chromium exited with {self.proc.returncode}: {self.log_path.read_text(errors='replace')[-2000:]}")
            if marker.exists():
                first = marker.read_text().split("\n")[0].strip()
                if first.isdigit():
                    return int(first)
            time.sleep(0.05)
        raise CdpError("chromium did not open its DevTools port")

    def close(self):
        try:
            self.page.close()
        finally:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=5)
            self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Page:
    """Commands and buffered events of one page session."""

    def __init__(self, url: str):
        # Entered at once; `close()` leaves it.
        self.ws = ws_connect(url, max_size=64 * 1024 * 1024, open_timeout=10, close_timeout=2).__enter__()
        self.next_id = 0
        self.events: list[dict] = []
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Log.enable")

    def close(self):
        self.ws.close()

    def call(self, method: str, timeout: float = 15, **params):
        self.next_id += 1
        msg_id = self.next_id
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CdpError(f"{method}: no answer within {timeout}s")
            msg = json.loads(self.ws.recv(timeout=left))
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise CdpError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def evaluate(self, expression: str):
        """The JSON value of `expression` (awaited when it is a promise)."""
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise CdpError(f"{expression}: {result['exceptionDetails'].get('exception', {}).get('description')}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 10, what: str | None = None):
        """Polls `expression` until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise CdpError(f"timed out waiting for {what or expression} (last value {value!r}); console: {self.console()}")

    def navigate(self, url: str, timeout: float = 15):
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'", timeout, what=f"load of {url}")

    def screenshot(self, path: Path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def console(self) -> list[str]:
        """Console messages, exceptions and browser log entries (CSP violations) so far."""
        lines = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled":
                lines.append(params["type"] + ": " + " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                lines.append("exception: " + params["exceptionDetails"].get("exception", {}).get("description", ""))
            elif method == "Log.entryAdded":
                lines.append(params["entry"]["level"] + ": " + params["entry"]["text"])
        return lines

    def drain(self):
        """Collects events that arrived while nothing was called."""
        while True:
            try:
                self.events.append(json.loads(self.ws.recv(timeout=0.05)))
            except TimeoutError:
                return


def chromium_version(binary: str) -> tuple[int, ...]:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
    match = re.search(r"(\d+)\.(\d+)", out)
    return tuple(int(x) for x in match.groups()) if match else (0, 0)
