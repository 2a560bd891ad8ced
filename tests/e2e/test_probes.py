"""Probes, common headers, methods, 404 and DNS-rebinding guard (http.md §2.3, §3.6–§3.9, §11.27)."""
from __future__ import annotations

import httpx
import pytest

from oc_helpers import raw_request, req

LIVE = {"ok": True, "status": "live"}
NOT_FOUND = {"error": {"message": "Not Found", "type": "not_found"}}


def assert_common_headers(r):
    h = r.headers
    assert h.get("x-content-type-options") == "nosniff", dict(h)
    assert h.get("referrer-policy") == "no-referrer", dict(h)
    assert "strict-transport-security" not in h
    assert not any(k.lower().startswith("access-control-") for k in h), "no CORS headers"


@pytest.mark.parametrize("path", ["/healthz", "/health"])
def test_liveness_probe(gateway, path):
    r = httpx.get(gateway.url + path, timeout=5)
    assert r.status_code == 200
    assert r.json() == LIVE
    assert r.headers["content-type"].startswith("application/json")
    assert "charset=utf-8" in r.headers["content-type"].replace(" ", "").lower()
    assert r.headers.get("cache-control") == "no-store"
    assert_common_headers(r)


@pytest.mark.parametrize("path", ["/readyz", "/ready"])
def test_readiness_probe(gateway, path):
    assert gateway.wait_ready(10), "gateway never became ready"
    r = httpx.get(gateway.url + path, timeout=5)
    assert r.status_code == 200
    body = r.json()
    assert body["ready"] is True
    assert r.headers.get("cache-control") == "no-store"
    assert_common_headers(r)


def test_readiness_details_for_local_direct(gateway):
    assert gateway.wait_ready(10)
    body = httpx.get(gateway.url + "/readyz", timeout=5).json()
    assert isinstance(body.get("uptimeMs"), int)
    assert isinstance(body.get("plugins"), dict)


def test_probes_need_no_auth(gateway):
    for path in ("/healthz", "/health", "/readyz", "/ready"):
        r = httpx.get(gateway.url + path, headers={"Authorization": "Bearer wrong"}, timeout=5)
        assert r.status_code in (200, 503), (path, r.status_code)


@pytest.mark.parametrize("path", ["/healthz", "/health", "/readyz"])
def test_head_probe(gateway, path):
    gateway.wait_ready(10)
    get = httpx.get(gateway.url + path, timeout=5)
    r = raw_request(gateway.port, req("HEAD", path), head_only=True)
    assert r.status == get.status_code
    assert r.header("content-type") == get.headers["content-type"]
    assert r.header("cache-control") == "no-store"
    if r.header("content-length") is not None:
        assert int(r.header("content-length")) == len(get.content)


def test_head_has_no_body_on_keepalive_connection(gateway):
    from oc_helpers import RawConn
    with RawConn(gateway.port) as c:
        c.send(req("HEAD", "/healthz"))
        r1 = c.read_response(head_only=True)
        c.send(req("GET", "/healthz"))
        r2 = c.read_response()
    assert r1.status == 200 and r2.status == 200
    assert r2.json() == LIVE, "bytes after a HEAD response would corrupt the next response"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_probe_wrong_method(gateway, method):
    r = httpx.request(method, gateway.url + "/healthz", timeout=5)
    assert r.status_code == 405
    assert r.headers.get("allow") == "GET, HEAD"
    assert_common_headers(r)


@pytest.mark.parametrize("path", ["/api/does-not-exist", "/v1/nope", "/tools/nothing", "/api"])
def test_unknown_path_404(gateway, path):
    gateway.wait_ready(10)
    r = httpx.get(gateway.url + path, headers=gateway.auth_headers(), timeout=5)
    assert r.status_code == 404
    assert r.json() == NOT_FOUND
    assert r.headers["content-type"].startswith("application/json")
    assert_common_headers(r)


def test_unknown_path_404_without_auth(gateway):
    gateway.wait_ready(10)
    r = httpx.get(gateway.url + "/api/v1/admin/rpc", timeout=5)
    assert r.status_code == 404
    assert r.json() == NOT_FOUND


def test_options_unknown_path_404(gateway):
    gateway.wait_ready(10)
    r = httpx.request("OPTIONS", gateway.url + "/v1/nothing-here", timeout=5)
    assert r.status_code == 404


@pytest.mark.parametrize("path", ["/HEALTHZ", "/healthz/", "//healthz", "/./healthz", "/x/../healthz",
                                  "/%68ealthz", "/healthz?probe=1"])
def test_probe_path_canonicalization(gateway, path):
    r = raw_request(gateway.port, req("GET", path))
    assert r.status == 200, (path, r.status)
    assert r.json() == LIVE


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "attacker.test:1234", "127.0.0.2"])
def test_foreign_host_header_421(gateway, host):
    body = b'{"tool":"echo","args":{"text":"hi"}}'
    r = raw_request(gateway.port, req("POST", "/tools/invoke", host=host, body=body,
                                      headers={"Authorization": f"Bearer {gateway.token}",
                                               "Content-Type": "application/json"}))
    assert r.status == 421, (host, r.status, r.body)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "localhost:{port}", "127.0.0.1:{port}",
                                  "LOCALHOST"])
def test_local_host_header_allowed(gateway, host):
    host = host.format(port=gateway.port)
    r = raw_request(gateway.port, req("POST", "/tools/invoke", host=host, body=b'{"tool":"echo","args":{"text":"a"}}',
                                      headers={"Authorization": f"Bearer {gateway.token}"}))
    assert r.status != 421, host


def test_foreign_host_421_in_auth_none(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config(token=None, auth={"mode": "none"}))
    gw = start_gateway()
    r = raw_request(gw.port, req("POST", "/tools/invoke", host="evil.example",
                                 body=b'{"tool":"echo","args":{"text":"hi"}}'))
    assert r.status == 421


def test_auth_none_allows_tools_invoke(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config(token=None, auth={"mode": "none"}))
    gw = start_gateway()
    r = httpx.post(gw.url + "/tools/invoke", json={"tool": "echo", "args": {"text": "hi"}}, timeout=5)
    assert r.status_code == 200, r.text


def test_foreign_origin_forbidden(gateway):
    r = httpx.post(gateway.url + "/tools/invoke", json={"tool": "echo", "args": {"text": "x"}},
                   headers={**gateway.auth_headers(), "Origin": "https://evil.example"}, timeout=5)
    assert r.status_code == 403
    assert r.json() == {"error": {"message": "origin not allowed", "type": "forbidden"}}


def test_loopback_origin_allowed(gateway):
    r = httpx.post(gateway.url + "/tools/invoke", json={"tool": "echo", "args": {"text": "x"}},
                   headers={**gateway.auth_headers(), "Origin": f"http://127.0.0.1:{gateway.port}"}, timeout=5)
    assert r.status_code == 200, r.text
