"""Control UI plugin over HTTP and WebSocket (http.md §10, §11 rules 1, 2, 17, 28;
protocol.md §6.8): embedded files at the base path, SPA fallback and 404 rules, reserved
areas left to the host, static containment for a disk root, caching and security headers,
control-ui-config.json behind gateway auth, and the browser-origin check."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from conftest import REPO, TEST_TOKEN
from oc_helpers import raw_request, req

ASSETS = REPO / "Plugins" / "ControlUI" / "assets"
CSP = ("default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; script-src 'self'; "
       "style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self' ws: wss:; worker-src 'self'; "
       "form-action 'none'")
HOST_404 = {"error": {"message": "Not Found", "type": "not_found"}}
TRAVERSALS = [
    "/..%2f..%2fetc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/%252e%252e/%252e%252e/etc/passwd",
    "/..%252f..%252f..%252fetc%252fpasswd",
    "/%25252e%25252e%25252fetc%25252fpasswd",
    "/app.js/..%2f..%2f..%2fetc/passwd",
    "/../../../etc/passwd",
    "/./.././etc/passwd",
    "/%2e%2e%5c%2e%2e%5cetc%5cpasswd",
]


@pytest.fixture
def ui(start_gateway, oc_env):
    """Factory: a gateway with `gateway.controlUi` set to `control_ui`, plugins initialized."""
    def start(**control_ui):
        oc_env.write_config(oc_env.base_config(**({"controlUi": control_ui} if control_ui else {})))
        gw = start_gateway()
        assert gw.wait_ready(), "plugins did not finish init"
        return gw
    return start


@pytest.fixture
def gateway(ui):
    return ui()


def get(gw, path: str, method: str = "GET", headers: dict | None = None):
    """A raw request, so the client never normalizes the path."""
    return raw_request(gw.port, req(method, path, headers=headers, close=True), head_only=method == "HEAD")


def index_body(base: str = "") -> bytes:
    return (ASSETS / "index.html").read_bytes().replace(b"__OPENCLAW_BASE__", base.encode())


def assert_ui_headers(r):
    assert r.header("content-security-policy") == CSP
    assert r.header("x-frame-options") == "DENY"
    assert r.header("x-content-type-options") == "nosniff"
    assert r.header("referrer-policy") == "no-referrer"
    assert r.header("cross-origin-opener-policy") == "same-origin"
    assert r.header("cache-control") == "no-cache"
    assert r.header("access-control-allow-origin") is None


# --------------------------------------------------------------------------- embedded files

def test_index_served_at_root_with_base_substituted(gateway):
    r = get(gateway, "/")
    assert r.status == 200
    assert r.header("content-type") == "text/html; charset=utf-8"
    assert r.body == index_body("")
    assert b'<script src="/app.js" defer></script>' in r.body
    assert b"__OPENCLAW_BASE__" not in r.body
    assert_ui_headers(r)
    assert r.header("etag").startswith('W/"')
    assert get(gateway, "/index.html").body == r.body


@pytest.mark.parametrize("path", ["/sessions", "/chat", "/settings/plugins", "/Overview"])
def test_spa_fallback_for_client_routes(gateway, path):
    r = get(gateway, path)
    assert r.status == 200
    assert r.header("content-type") == "text/html; charset=utf-8"
    assert r.body == index_body("")


@pytest.mark.parametrize("name,ctype", [
    ("app.js", "text/javascript; charset=utf-8"),
    ("app.css", "text/css; charset=utf-8"),
    ("favicon.svg", "image/svg+xml; charset=utf-8"),
])
def test_assets_have_content_types(gateway, name, ctype):
    r = get(gateway, "/" + name)
    assert r.status == 200
    assert r.header("content-type") == ctype
    assert r.body == (ASSETS / name).read_bytes()
    assert_ui_headers(r)


@pytest.mark.parametrize("path", ["/missing.js", "/sessions/logo.png", "/App.js", "/assets/app.js"])
def test_missing_files_are_404_not_the_spa(gateway, path):
    r = get(gateway, path)
    assert r.status == 404
    assert b"<html" not in r.body
    assert r.header("x-frame-options") == "DENY"


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_never_leaves_the_root(gateway, path):
    r = get(gateway, path)
    assert r.status in (200, 400, 404), r.status
    assert b"root:" not in r.body
    if r.status == 200:
        assert r.body == index_body(""), "only the SPA index may answer"


@pytest.mark.parametrize("path", ["/v1/anything", "/V1/Models/x", "/api/anything", "/tools/x", "/hooks/wake",
                                  "/healthz/extra", "/v1"])
def test_reserved_areas_get_the_host_404(gateway, path):
    r = get(gateway, path)
    assert r.status == 404
    assert r.header("content-type").startswith("application/json")
    assert r.json() == HOST_404


def test_head_matches_get_without_body(gateway):
    full = get(gateway, "/app.js")
    head = get(gateway, "/app.js", method="HEAD")
    assert head.status == 200
    assert head.body == b""
    assert head.header("content-length") == str(len(full.body))
    assert head.header("etag") == full.header("etag")
    assert_ui_headers(head)


@pytest.mark.parametrize("method,path", [("POST", "/"), ("PUT", "/app.js"), ("DELETE", "/sessions"), ("OPTIONS", "/")])
def test_other_methods_are_405(gateway, method, path):
    r = get(gateway, path, method=method)
    assert r.status == 405
    assert r.header("allow") == "GET, HEAD"


def test_etag_revalidation_gives_304(gateway):
    first = get(gateway, "/app.css")
    etag = first.header("etag")
    assert etag.startswith('W/"')
    again = get(gateway, "/app.css", headers={"If-None-Match": etag})
    assert again.status == 304
    assert again.body == b""
    assert again.header("etag") == etag
    assert get(gateway, "/app.css", headers={"If-None-Match": etag.removeprefix("W/")}).status == 304
    assert get(gateway, "/app.css", headers={"If-None-Match": '"other", ' + etag}).status == 304
    assert get(gateway, "/app.css", headers={"If-None-Match": 'W/"nope"'}).status == 200
    # The validator tracks content: index.html and app.css differ.
    assert get(gateway, "/").header("etag") != etag


def test_client_config_needs_gateway_auth(gateway):
    assert get(gateway, "/control-ui-config.json").status == 401
    assert get(gateway, "/control-ui-config.json", headers={"Authorization": "Bearer wrong"}).status == 401
    r = get(gateway, "/control-ui-config.json", headers={"Authorization": f"Bearer {TEST_TOKEN}"})
    assert r.status == 200
    assert r.header("content-type") == "application/json; charset=utf-8"
    body = r.json()
    assert body["basePath"] == "" and body["wsPath"] == "/"
    assert body["serverVersion"] and body["assistantName"]
    assert TEST_TOKEN not in r.body.decode()


def test_app_never_reads_urls_or_query_credentials():
    """Rules 1, 16, 19: no gatewayUrl, no ?token=, the socket URL comes from location only."""
    app = (ASSETS / "app.js").read_text()
    assert "gatewayUrl" not in app
    assert "URLSearchParams" not in app and "location.search" not in app and "location.href" not in app
    assert "innerHTML" not in app and "insertAdjacentHTML" not in app and "eval(" not in app
    assert "location.host + (BASE" in app


def test_embedded_assets_are_generated_from_the_files():
    """Rule 28: the compiled-in copy is the committed output of the generator."""
    import subprocess
    r = subprocess.run([str(REPO / "scripts" / "gen-control-ui-assets"), "--check"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr


# --------------------------------------------------------------------------- base path and disk root

def test_base_path(ui):
    gw = ui(basePath="/openclaw")
    r = get(gw, "/openclaw")
    assert r.status == 200 and r.body == index_body("/openclaw")
    assert b'src="/openclaw/app.js"' in r.body
    assert get(gw, "/openclaw/").body == r.body
    assert get(gw, "/openclaw/chat").body == r.body
    assert get(gw, "/openclaw/app.js").status == 200
    assert get(gw, "/openclaw/nope.js").status == 404
    # Outside the base nothing answers but the host.
    outside = get(gw, "/app.js")
    assert outside.status == 404 and outside.json() == HOST_404
    cfg = get(gw, "/openclaw/control-ui-config.json", headers={"Authorization": f"Bearer {TEST_TOKEN}"})
    assert cfg.status == 200
    assert cfg.json()["basePath"] == "/openclaw" and cfg.json()["wsPath"] == "/openclaw"


@pytest.fixture
def disk_root(tmp_path) -> Path:
    """<tmp>/srv/ui (the root) beside <tmp>/srv/ui-evil (a sibling that must stay unreachable)."""
    srv = tmp_path / "srv"
    ui, evil = srv / "ui", srv / "ui-evil"
    (ui / "js").mkdir(parents=True)
    evil.mkdir()
    (ui / "index.html").write_text('<!doctype html><title>disk</title><script src="__OPENCLAW_BASE__/main.js"></script>')
    (ui / "main.js").write_text("console.log('disk');\n")
    (ui / "js" / "nested.js").write_text("// nested\n")
    (evil / "x.js").write_text("stolen();\n")
    (evil / "inside.js").write_text("// hard-linked into the root\n")
    os.symlink(evil / "x.js", ui / "link.js")
    os.symlink(evil, ui / "evil")
    os.symlink("../ui-evil", ui / "evildir")
    os.symlink(ui / "main.js", ui / "self.js")
    os.link(evil / "inside.js", ui / "hard.js")
    return ui


def test_disk_root_containment(ui, disk_root):
    gw = ui(root=str(disk_root))
    r = get(gw, "/")
    assert r.status == 200
    assert r.body == b'<!doctype html><title>disk</title><script src="/main.js"></script>'
    assert get(gw, "/deep/route").body == r.body
    main = get(gw, "/main.js")
    assert main.status == 200 and main.header("content-type") == "text/javascript; charset=utf-8"
    assert get(gw, "/js/nested.js").status == 200
    hard = get(gw, "/hard.js")
    assert hard.status == 200 and hard.body == b"// hard-linked into the root\n"
    for path in ["/link.js", "/evil/x.js", "/evildir/x.js", "/self.js", "/evil", "/evildir",
                 "/..%2fui-evil/x.js", "/%2e%2e/ui-evil/x.js", "/js/..%252f..%252fui-evil%252fx.js"]:
        got = get(gw, path)
        assert b"stolen" not in got.body, path
        assert got.status == 404 or got.body == r.body, (path, got.status)
    for path in ["/link.js", "/evil/x.js", "/evildir/x.js", "/self.js", "/evil", "/evildir"]:
        assert get(gw, path).status == 404, path


def test_disk_root_edits_show_without_restart(ui, disk_root):
    gw = ui(root=str(disk_root))
    first = get(gw, "/main.js")
    time.sleep(0.01)
    (disk_root / "main.js").write_text("console.log('edited');\n")
    second = get(gw, "/main.js")
    assert second.body == b"console.log('edited');\n"
    assert second.header("etag") != first.header("etag")
    assert get(gw, "/main.js", headers={"If-None-Match": second.header("etag")}).status == 304


def test_missing_disk_root_fails_the_plugin_clearly(ui, tmp_path):
    missing = tmp_path / "no-such-ui"
    gw = ui(root=str(missing))
    r = get(gw, "/")
    assert r.status == 503 and r.body == b"Service Unavailable"
    assert f"gateway.controlUi.root {missing}: No such file or directory" in gw.log_text()
    assert get(gw, "/v1/models").status == 404, "the rest of the gateway keeps serving"


# --------------------------------------------------------------------------- origin check

def test_foreign_origin_is_refused(gateway):
    with ws_connect(f"ws://127.0.0.1:{gateway.port}/", origin="https://evil.example", open_timeout=5, close_timeout=2) as ws:
        assert json.loads(ws.recv(timeout=5))["event"] == "connect.challenge"
        ws.send(json.dumps({"type": "req", "id": "c1", "method": "connect", "params": {
            "minProtocol": 4, "maxProtocol": 4, "role": "operator", "scopes": ["operator.read"],
            "client": {"id": "openclaw-control-ui", "version": "0.1.0", "platform": "web", "mode": "ui"},
            "auth": {"token": TEST_TOKEN}}}))
        res = json.loads(ws.recv(timeout=5))
        assert res["ok"] is False
        assert res["error"]["code"] == "INVALID_REQUEST"
        assert res["error"]["details"]["code"] == "CONTROL_UI_ORIGIN_NOT_ALLOWED"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


def test_base_path_with_trailing_slash(start_gateway, oc_env):
    """`gateway.controlUi.basePath: "/openclaw/"` serves at `/openclaw` like `/openclaw`."""
    cfg = oc_env.base_config()
    cfg["gateway"]["controlUi"] = {"basePath": "/openclaw/"}
    oc_env.write_config(cfg)
    gw = start_gateway()
    assert gw.wait_ready()
    with gw.client() as c:
        for path in ("/openclaw", "/openclaw/", "/openclaw/sessions"):
            r = c.get(path)
            assert r.status_code == 200 and "text/html" in r.headers["content-type"], (path, r.status_code)
