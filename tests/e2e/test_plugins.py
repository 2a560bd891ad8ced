"""Plugin platform end to end (plugin-abi.md §6–§7, §9): the C example compiled with `cc`
and loaded by the real gateway, answering over HTTP and WebSocket; broken plugins refused
with their exact message while the gateway keeps serving; hot reload under load."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect as ws_connect

from conftest import REPO

INCLUDE = REPO / "Sources" / "PluginABI" / "include"
ECHO = REPO / "Examples" / "Plugins" / "echo-c"
ALL_SCOPES = ["operator.admin", "operator.read", "operator.write"]


def cc(source: Path, output: Path, *defines: str):
    cmd = ["cc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-fvisibility=hidden",
           "-I", str(INCLUDE), *[f"-D{d}" for d in defines], str(source), "-o", str(output)]
    subprocess.run(cmd, check=True, timeout=60)


def install_echo(state_dir: Path, version: str = "1") -> Path:
    """<stateDir>/extensions/echo-c with the example manifest and a fresh build."""
    target = state_dir / "extensions" / "echo-c"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(ECHO / "openclaw.plugin.json", target / "openclaw.plugin.json")
    cc(ECHO / "echo.c", target / "libecho_c.so", f'ECHO_VERSION="{version}"')
    return target


def install_broken(state_dir: Path, plugin_id: str, manifest: dict, source: str | None) -> Path:
    target = state_dir / "extensions" / plugin_id
    target.mkdir(parents=True, exist_ok=True)
    base = {"id": plugin_id, "version": "1.0.0", "abi": 1, "library": "libbroken.so", "runtime": "c",
            "configSchema": {"type": "object"}}
    base.update(manifest)
    (target / "openclaw.plugin.json").write_text(json.dumps(base))
    if source is not None:
        (target / "broken.c").write_text(source)
        cc(target / "broken.c", target / "libbroken.so")
    return target


def plugin_config(oc, *ids, **extra) -> dict:
    cfg = oc.base_config()
    cfg["plugins"] = {"entries": {i: {"enabled": True} for i in ids}}
    cfg["plugins"].update(extra)
    return cfg


class WS:
    """A connected operator WebSocket with admin scopes: the local-direct backend client path
    (protocol §6.5 path 1) keeps its requested scopes without a device identity."""

    def __init__(self, gw):
        self.ws = ws_connect(f"ws://127.0.0.1:{gw.port}/", open_timeout=5, close_timeout=2)
        assert json.loads(self.ws.recv(timeout=5))["event"] == "connect.challenge"
        params = {"minProtocol": 4, "maxProtocol": 4,
                  "client": {"id": "gateway-client", "version": "0.0.1-e2e", "platform": "linux", "mode": "backend"},
                  "role": "operator", "scopes": ALL_SCOPES, "caps": [], "auth": {"token": gw.token}}
        self.hello = self.call("connect", params)

    def call(self, method, params=None, timeout=10.0):
        req_id = str(uuid.uuid4())
        self.ws.send(json.dumps({"type": "req", "id": req_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            msg = json.loads(self.ws.recv(timeout=max(0.05, deadline - time.monotonic())))
            if msg.get("type") == "res" and msg.get("id") == req_id:
                return msg

    def close(self):
        self.ws.close()


def plugin_row(ws: WS, plugin_id: str) -> dict:
    res = ws.call("plugins.list")
    assert res["ok"], res
    return next(p for p in res["payload"]["plugins"] if p["id"] == plugin_id or p["id"].endswith("/" + plugin_id))


# --------------------------------------------------------------------------- the C example

def test_echo_route_and_method(start_gateway, oc_env):
    install_echo(oc_env.state_dir)
    oc_env.write_config(plugin_config(oc_env, "echo-c"))
    gw = start_gateway()
    assert gw.wait_ready()
    with gw.client() as c:
        r = c.post("/api/echo", content=b"hello plugin", headers=gw.auth_headers())
        assert r.status_code == 200, r.text
        assert r.content == b"hello plugin"
        assert r.headers["x-echo-version"] == "1"
        assert r.headers["x-content-type-options"] == "nosniff"
        # auth:"gateway": the host checks the token before the plugin runs.
        assert c.post("/api/echo", content=b"x").status_code == 401
        # Declared methods only: GET gets 405 from the host.
        assert c.get("/api/echo", headers=gw.auth_headers()).status_code == 405
        s = c.post("/api/echo?stream=1", content=b"tick", headers=gw.auth_headers())
        assert s.status_code == 200 and s.headers["content-type"].startswith("text/event-stream")
        assert s.text == "event: echo\ndata: tick\n\n"
    ws = WS(gw)
    try:
        assert ws.hello["ok"], ws.hello
        assert "echo-c.echo" in ws.hello["payload"]["features"]["methods"]
        res = ws.call("echo-c.echo", {"a": [1, 2], "b": "c"})
        assert res["ok"] and res["payload"] == {"a": [1, 2], "b": "c"}
        status = ws.call("echo-c.channelStatus", {"probe": False, "timeoutMs": 1000})
        assert status["payload"]["accounts"][0]["channel"] == "echo"
        row = plugin_row(ws, "echo-c")
        assert row["state"] == "active" and row["enabled"] is True
        assert row["routes"] == ["/api/echo"]
        assert set(row["methods"]) == {"echo-c.echo", "echo-c.channelStatus"}
    finally:
        ws.close()


# --------------------------------------------------------------------------- refusals

NO_ENTRY = "#include <openclaw_plugin.h>\nOC_EXPORT int other_symbol(void);\nOC_EXPORT int other_symbol(void) { return 0; }\n"

HOST_PATH = r"""
#include <openclaw_plugin.h>
#define LIT(s) { s, sizeof(s) - 1 }
static int32_t handle(void *c, const oc_http_request *q, oc_responder *r, oc_http_response *o) {
    (void)c; (void)q; (void)r; o->status = 200; return OC_OK; }
static int32_t init(const oc_host_api *h, oc_str cfg, const oc_registrar *reg, void **ctx) {
    (void)h; (void)cfg; *ctx = 0;
    oc_route route = { sizeof route, LIT("/health"), OC_MATCH_EXACT, OC_AUTH_GATEWAY, 0, 0, LIT(""), 0, 0, handle };
    return reg->add_route(reg->reg_ctx, &route); }
static void shutdown_instance(void *ctx) { (void)ctx; }
OC_EXPORT int32_t openclaw_plugin_entry_v1(const oc_host_api *h, oc_plugin *out, size_t n) {
    (void)h; (void)n; out->abi_version = OC_ABI_VERSION; out->struct_size = sizeof *out; out->id = "hijack";
    out->version = "1.0.0"; out->init_instance = init; out->shutdown = shutdown_instance; return OC_OK; }
"""


@pytest.mark.parametrize("plugin_id,manifest,source,reason", [
    ("gone", {}, None, "plugin gone: library not found: {dir}/libbroken.so"),
    ("noentry", {}, NO_ENTRY, "plugin noentry: missing symbol openclaw_plugin_entry_v1"),
    ("future", {"abi": 2}, NO_ENTRY, "plugin future: ABI 2 not supported (host ABI 1)"),
    ("hijack", {"routes": [{"path": "/health", "match": "exact", "auth": "gateway"}]}, HOST_PATH,
     "plugin hijack: route conflict: /health"),
])
def test_broken_plugin_is_refused_and_gateway_keeps_serving(start_gateway, oc_env, plugin_id, manifest, source, reason):
    install_echo(oc_env.state_dir)
    directory = install_broken(oc_env.state_dir, plugin_id, manifest, source)
    oc_env.write_config(plugin_config(oc_env, "echo-c", plugin_id))
    gw = start_gateway()
    assert gw.wait_ready()
    expected = reason.format(dir=os.path.realpath(directory))
    ws = WS(gw)
    try:
        row = plugin_row(ws, plugin_id)
        assert row["state"] == "failed" and row["reason"] == expected
    finally:
        ws.close()
    assert expected in gw.log_text()
    with gw.client() as c:
        assert c.post("/api/echo", content=b"ok", headers=gw.auth_headers()).content == b"ok"
        assert c.get("/health").json() == {"ok": True, "status": "live"}


def test_not_a_shared_object(start_gateway, oc_env):
    directory = install_broken(oc_env.state_dir, "junk", {}, None)
    (directory / "libbroken.so").write_text("not an ELF file")
    oc_env.write_config(plugin_config(oc_env, "junk"))
    gw = start_gateway()
    assert gw.wait_ready()
    ws = WS(gw)
    try:
        assert plugin_row(ws, "junk")["reason"].startswith("plugin junk: dlopen failed: ")
    finally:
        ws.close()


# --------------------------------------------------------------------------- hot reload

def test_binary_reload_under_load(start_gateway, oc_env, tmp_path):
    plugin_dir = install_echo(oc_env.state_dir, "1")
    builds = tmp_path / "builds"
    builds.mkdir()
    for v in ("1", "2"):
        cc(ECHO / "echo.c", builds / f"v{v}.so", f'ECHO_VERSION="{v}"')
    oc_env.write_config(plugin_config(oc_env, "echo-c"))
    gw = start_gateway()
    assert gw.wait_ready()

    stop = threading.Event()
    results = {"ok": 0, "failed": [], "versions": set()}

    def load():
        with httpx.Client(base_url=gw.url, timeout=5, headers=gw.auth_headers(), trust_env=False) as c:
            while not stop.is_set():
                try:
                    r = c.post("/api/echo", content=b"x")
                    if r.status_code == 200 and r.content == b"x":
                        results["ok"] += 1
                        results["versions"].add(r.headers["x-echo-version"])
                    else:
                        results["failed"].append(r.status_code)
                except httpx.HTTPError as e:
                    results["failed"].append(repr(e))

    worker = threading.Thread(target=load)
    worker.start()
    ws = WS(gw)
    try:
        for i in range(1, 51):
            v = "2" if i % 2 else "1"
            shutil.copy(builds / f"v{v}.so", plugin_dir / "libecho_c.so")
            res = ws.call("plugins.reload", {"id": "echo-c"})
            assert res["ok"], res
            with gw.client() as c:
                assert c.post("/api/echo", content=b"y", headers=gw.auth_headers()).headers["x-echo-version"] == v
    finally:
        stop.set()
        worker.join(timeout=10)
        ws.close()
    assert results["failed"] == []
    assert results["ok"] > 0 and results["versions"] == {"1", "2"}
    deadline = time.monotonic() + 5
    while gw.log_text().count("echo-c shutdown") < 50 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gw.log_text().count("echo-c shutdown") == 50, "every old instance was shut down"


def test_disable_by_config_retires_without_restart(start_gateway, oc_env):
    install_echo(oc_env.state_dir)
    oc_env.write_config(plugin_config(oc_env, "echo-c"))
    gw = start_gateway()
    assert gw.wait_ready()
    pid = gw.pid
    cfg = plugin_config(oc_env, "echo-c")
    cfg["plugins"]["entries"]["echo-c"]["enabled"] = False
    oc_env.write_config(cfg)
    os.kill(pid, 1)  # SIGHUP: re-read the config now
    deadline = time.monotonic() + 5
    with gw.client() as c:
        while time.monotonic() < deadline:
            if c.post("/api/echo", content=b"x", headers=gw.auth_headers()).status_code == 404:
                break
            time.sleep(0.05)
        assert c.post("/api/echo", content=b"x", headers=gw.auth_headers()).status_code == 404
    assert gw.pid == pid and gw.alive()
