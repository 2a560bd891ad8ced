"""HTTP/1.1 connection rules over raw sockets (http.md §2.1, §2.2, §3.5, §3.6)."""
from __future__ import annotations

import json
import socket
import time

import pytest

from oc_helpers import RawConn, raw_request, req

PAYLOAD_TOO_LARGE = {"error": {"message": "Payload too large", "type": "invalid_request_error"}}
MIB = 1024 * 1024
ECHO = b'{"tool":"echo","args":{"text":"hi"}}'


def auth(gw, **extra):
    return {"Authorization": f"Bearer {gw.token}", "Content-Type": "application/json", **extra}


# --------------------------------------------------------------------------- head limits

def over_32k_head() -> bytes:
    # Just over the limit and unterminated: the server can read every byte we sent, so its
    # close after the 431 never resets our unread response.
    return b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * (32 * 1024 + 100)


def test_head_over_32k_is_431(gateway):
    with RawConn(gateway.port) as c:
        c.try_send(over_32k_head())
        r = c.read_response()
    assert r.status == 431


def test_terminated_head_over_32k_is_431(gateway):
    with RawConn(gateway.port) as c:
        c.try_send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   + b"".join(b"X-F%d: %s\r\n" % (i, b"c" * 1000) for i in range(34)) + b"\r\n")
        r = c.read_response()
    assert r.status == 431


def test_head_just_under_32k_is_fine(gateway):
    filler = 30 * 1024
    r = raw_request(gateway.port, req("GET", "/healthz", headers={"X-Fill": "b" * filler}))
    assert r.status == 200


def test_too_many_header_lines_is_431(gateway):
    headers = {f"X-H{i}": "v" for i in range(100)}       # + Host = 101 lines
    r = raw_request(gateway.port, req("GET", "/healthz", headers=headers))
    assert r.status == 431


def test_hundred_header_lines_is_fine(gateway):
    headers = {f"X-H{i}": "v" for i in range(99)}        # + Host = 100 lines
    r = raw_request(gateway.port, req("GET", "/healthz", headers=headers))
    assert r.status == 200


def test_431_is_plain_text(gateway):
    with RawConn(gateway.port) as c:
        c.try_send(over_32k_head())
        r = c.read_response()
    assert r.status == 431
    assert not (r.header("content-type") or "").startswith("application/json")


# --------------------------------------------------------------------------- bad requests

@pytest.mark.parametrize("raw", [
    b"GARBAGE\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET /healthz\r\n\r\n",
    b"GET /healthz HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET  /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nNo-Colon-Header\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n",
    b"POST /tools/invoke HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    b"\x00\x01\x02\x03\r\n\r\n",
], ids=["garbage", "method-only", "no-version", "bad-version", "double-space", "no-colon",
        "bad-content-length", "conflicting-content-length", "binary"])
def test_malformed_request_is_400(gateway, raw):
    r = raw_request(gateway.port, raw)
    allowed = (400, 505) if b"HTTP/9.9" in raw else (400,)
    assert r.status in allowed, (r.status, r.body)


@pytest.mark.parametrize("target", ["http://127.0.0.1/healthz", "*", "healthz", "127.0.0.1:80"])
def test_non_origin_form_target_is_400(gateway, target):
    r = raw_request(gateway.port, f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert r.status == 400


@pytest.mark.parametrize("path", ["/%zz", "/healthz%", "/a%2", "/%00", "/a%5cb", "/%e2%28%a1", "/%0a"])
def test_bad_percent_encoding_is_400(gateway, path):
    r = raw_request(gateway.port, req("GET", path))
    assert r.status == 400, (path, r.status)


def test_too_many_decode_passes_is_400(gateway):
    p = "%2f"
    for _ in range(34):
        p = p.replace("%", "%25")
    r = raw_request(gateway.port, req("GET", "/api" + p + "x"))
    assert r.status == 400


def test_path_over_8192_is_414(gateway):
    r = raw_request(gateway.port, req("GET", "/" + "a" * 9000))
    assert r.status == 414


# --------------------------------------------------------------------------- bodies

def test_declared_body_over_limit_is_413_before_body(gateway):
    limit = 2 * MIB   # /tools/invoke
    with RawConn(gateway.port) as c:
        c.send(req("POST", "/tools/invoke", headers={**auth(gateway), "Content-Length": str(limit + 1)}))
        t0 = time.monotonic()
        r = c.read_response()
        assert time.monotonic() - t0 < 3, "413 must come before the body is read"
    assert r.status == 413
    assert r.json() == PAYLOAD_TOO_LARGE


def test_declared_body_over_limit_without_auth_is_rejected(gateway):
    with RawConn(gateway.port) as c:
        c.send(req("POST", "/tools/invoke", headers={"Content-Length": str(50 * MIB)}))
        r = c.read_response()
    assert r.status in (401, 413)


def test_body_at_limit_is_read(gateway):
    body = json.dumps({"tool": "echo", "args": {"text": "x" * (2 * MIB - 64)}}).encode()
    assert len(body) <= 2 * MIB
    with RawConn(gateway.port, timeout=10) as c:
        c.send(req("POST", "/tools/invoke", headers=auth(gateway), body=body))
        r = c.read_response()
    assert r.status == 200


def test_chunked_body_over_limit_is_413(gateway):
    with RawConn(gateway.port, timeout=10) as c:
        c.send(req("POST", "/tools/invoke", headers={**auth(gateway), "Transfer-Encoding": "chunked"}))
        chunk = b"a" * 65536
        sent = 0
        for _ in range(64):                              # up to 4 MiB, bounded
            piece = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
            if c.try_send(piece) < len(piece):
                break
            sent += len(chunk)
            c.sock.settimeout(0.001)
            try:
                data = c.sock.recv(65536)
                if data:
                    c.buf += data
                    break
            except (socket.timeout, BlockingIOError):
                pass
            finally:
                c.sock.settimeout(10)
        r = c.read_response()
    assert r.status == 413
    # Answered while the body was still arriving (socket buffers hold a few hundred KiB).
    assert sent < 64 * 65536, "413 only after the whole 4 MiB body"


def test_chunked_request_body_accepted(gateway):
    body = ECHO
    chunks = b"".join(b"%x\r\n" % len(p) + p + b"\r\n" for p in (body[:10], body[10:20], body[20:])) + b"0\r\n\r\n"
    r = raw_request(gateway.port, req("POST", "/tools/invoke",
                                      headers={**auth(gateway), "Transfer-Encoding": "chunked"}) + chunks)
    assert r.status == 200, r
    assert json.loads(r.body)["ok"] is True


def test_expect_100_continue(gateway):
    with RawConn(gateway.port) as c:
        c.send(req("POST", "/tools/invoke", headers={**auth(gateway), "Expect": "100-continue",
                                                     "Content-Length": str(len(ECHO))}))
        interim = c.read_response()
        assert interim.status == 100
        c.send(ECHO)
        r = c.read_response()
    assert r.status == 200
    assert json.loads(r.body)["ok"] is True


def test_expect_100_continue_not_sent_when_unauthorized(gateway):
    with RawConn(gateway.port) as c:
        c.send(req("POST", "/tools/invoke", headers={"Expect": "100-continue",
                                                     "Content-Length": str(len(ECHO))}))
        r = c.read_response()
    assert r.status == 401


def test_expect_100_continue_not_sent_when_too_large(gateway):
    with RawConn(gateway.port) as c:
        c.send(req("POST", "/tools/invoke", headers={**auth(gateway), "Expect": "100-continue",
                                                     "Content-Length": str(3 * MIB)}))
        r = c.read_response()
    assert r.status == 413


# --------------------------------------------------------------------------- connection reuse

def test_pipelined_requests_answered_in_order(gateway):
    gateway.wait_ready(10)
    with RawConn(gateway.port) as c:
        c.send(req("GET", "/healthz") + req("GET", "/api/nope") + req("HEAD", "/health")
               + req("POST", "/tools/invoke", headers=auth(gateway), body=ECHO) + req("GET", "/readyz"))
        statuses = [c.read_response().status, c.read_response().status,
                    c.read_response(head_only=True).status, c.read_response().status,
                    c.read_response().status]
    assert statuses == [200, 404, 200, 200, 200]


def test_keep_alive_reuse(gateway):
    with RawConn(gateway.port) as c:
        local = c.sock.getsockname()
        for _ in range(20):
            c.send(req("GET", "/healthz"))
            r = c.read_response()
            assert r.status == 200
            assert (r.header("connection") or "").lower() != "close"
        assert c.sock.getsockname() == local


def test_connection_close_honoured(gateway):
    with RawConn(gateway.port) as c:
        c.send(req("GET", "/healthz", close=True))
        r = c.read_response()
        assert r.status == 200
        assert c.closed_by_peer(3)


def test_http10_closes(gateway):
    with RawConn(gateway.port) as c:
        c.send(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        r = c.read_response()
        assert r.status == 200
        assert c.closed_by_peer(3)


def test_error_response_keeps_or_closes_cleanly(gateway):
    """After a 400 the server either closes or keeps serving; it must not send garbage."""
    with RawConn(gateway.port) as c:
        c.send(b"GARBAGE\r\n\r\n")
        assert c.read_response().status == 400
        if not c.closed_by_peer(2):
            c.send(req("GET", "/healthz"))
            try:
                assert c.read_response().status == 200
            except EOFError:
                pass


# --------------------------------------------------------------------------- timeouts

@pytest.mark.slow
def test_slow_header_gets_408_then_close(gateway):
    """Header read timeout is 10 s from the first byte of a head (http.md §2.1)."""
    with RawConn(gateway.port, timeout=20) as c:
        c.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        t0 = time.monotonic()
        # Trickle header lines for 8 s: a per-read idle timeout would never fire, the
        # head deadline must. Then stop sending (no write can race the server's close).
        for i in range(8):
            time.sleep(1)
            c.send(f"X-Slow-{i}: y\r\n")
        r = c.read_response()
        elapsed = time.monotonic() - t0
        assert r.status == 408
        assert r.body.strip() == b"Request Timeout"
        assert 9 <= elapsed <= 14, elapsed
        assert c.closed_by_peer(3)


@pytest.mark.slow
def test_idle_connection_without_bytes_is_not_answered(gateway):
    """No bytes at all: no 408 before the idle timeout (only a started head has a deadline)."""
    with RawConn(gateway.port, timeout=2) as c:
        with pytest.raises(socket.timeout):
            c.sock.recv(1)


# Test overrides offered by the server (Sources/Host/Gateway/HTTPGateway.swift, HTTPTimeouts):
# OPENCLAW_HTTP_HEADER_TIMEOUT_MS, OPENCLAW_HTTP_BODY_TIMEOUT_MS, OPENCLAW_HTTP_IDLE_TIMEOUT_MS.

@pytest.fixture
def fast_timeouts_gateway(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config())
    return start_gateway(env={"OPENCLAW_HTTP_HEADER_TIMEOUT_MS": "1500",
                              "OPENCLAW_HTTP_BODY_TIMEOUT_MS": "1500",
                              "OPENCLAW_HTTP_IDLE_TIMEOUT_MS": "1500"})


def test_header_timeout_override_408(fast_timeouts_gateway):
    gw = fast_timeouts_gateway
    with RawConn(gw.port, timeout=10) as c:
        c.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Partial: 1\r\n")
        t0 = time.monotonic()
        r = c.read_response()
        elapsed = time.monotonic() - t0
        assert r.status == 408
        assert r.body.strip() == b"Request Timeout"
        assert 1.2 <= elapsed <= 4, elapsed
        assert c.closed_by_peer(3)


def test_body_timeout_408(fast_timeouts_gateway):
    gw = fast_timeouts_gateway
    with RawConn(gw.port, timeout=10) as c:
        c.send(req("POST", "/tools/invoke", headers={**auth(gw), "Content-Length": "100"}) + b'{"tool":')
        t0 = time.monotonic()
        r = c.read_response()
        elapsed = time.monotonic() - t0
    assert r.status == 408
    assert r.json() == {"error": {"message": "Request body timeout", "type": "invalid_request_error"}}
    assert 1.2 <= elapsed <= 4, elapsed


def test_idle_keepalive_closed_without_response(fast_timeouts_gateway):
    gw = fast_timeouts_gateway
    with RawConn(gw.port, timeout=10) as c:
        c.send(req("GET", "/healthz"))
        assert c.read_response().status == 200
        t0 = time.monotonic()
        data = c.read_to_eof()
        elapsed = time.monotonic() - t0
    assert data == b"", f"idle close must not send a response: {data[:100]!r}"
    assert 1.2 <= elapsed <= 4, elapsed


def test_active_connection_not_cut_by_idle_timeout(fast_timeouts_gateway):
    gw = fast_timeouts_gateway
    with RawConn(gw.port, timeout=5) as c:
        for _ in range(4):
            time.sleep(0.8)
            c.send(req("GET", "/healthz"))
            assert c.read_response().status == 200
