"""A deterministic OpenAI-compatible upstream for end-to-end tests (stdlib only).

Serves `POST /v1/chat/completions` (SSE stream when `"stream": true`, else one JSON object)
and `POST /v1/embeddings` over HTTP/1.1 keep-alive. Every instance can be told, at any time,
how to misbehave through `stub.behave(...)`:

- `status=<int>`: answer every request with that status and an OpenAI error body
  (`retry_after=<s>` adds `Retry-After`);
- `hang=True`: read the request and never answer (the client must time out);
- `reset=True`: close the socket with RST before answering;
- `chunk_delay=<s>`: sleep between stream chunks (with `words=<n>` extra words, the stream
  lasts long enough to be cancelled mid-way);
- `reply=<text>`: the assistant text (default `stub: <last user message>`).

It records `requests` (path + parsed body), `connections` (accepted TCP connections) and
`closed_mid_stream` (how many streams the client abandoned before the end), so tests can
assert keep-alive reuse and that an abort reached the upstream.

Use in-process (`with StubUpstream() as stub: ... stub.url`) or run
`python3 stub_upstream.py [--port N]` by hand. `StubUpstream(ssl_context=ctx)` serves the same
over TLS (`https://` URL); each handshake runs on its connection's thread, and a failed one
(the client refused the certificate) is counted in `tls_failures`.
"""
from __future__ import annotations

import argparse
import json
import select
import socket
import ssl
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, fmt, *args):  # quiet
        pass

    # -- helpers
    def _json(self, status: int, obj, headers: dict | None = None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _client_gone(self) -> bool:
        """True when the client closed its side (readable with EOF)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if readable:
                # The client never sends during a response: over TLS, readable means
                # close_notify or EOF (and SSL sockets cannot peek).
                if isinstance(self.connection, ssl.SSLSocket):
                    return True
                return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True
        return False

    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return {}

    # -- routes
    def do_POST(self):
        body = self._read_body()
        stub = self.server.stub
        stub._record(self.path, body, dict(self.headers))
        b = stub.behavior()
        if b.get("reset"):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if b.get("hang"):
            deadline = time.monotonic() + float(b.get("hang_seconds", 60))
            while time.monotonic() < deadline and not self._client_gone() and not stub._stopping.is_set():
                time.sleep(0.05)
            self.close_connection = True
            return
        if b.get("status"):
            status = int(b["status"])
            headers = {"Retry-After": str(b["retry_after"])} if "retry_after" in b else None
            self._json(status, {"error": {"message": f"stub failure {status}", "type": "server_error",
                                          "code": f"stub_{status}"}}, headers)
            return
        if self.path.rstrip("/").endswith("/embeddings"):
            inputs = body.get("input")
            inputs = [inputs] if isinstance(inputs, str) else (inputs or [])
            dims = int(body.get("dimensions") or 4)
            data = [{"object": "embedding", "index": i, "embedding": [round((len(t) + k) / 100.0, 4) for k in range(dims)]}
                    for i, t in enumerate(inputs)]
            self._json(200, {"object": "list", "data": data, "model": body.get("model"),
                             "usage": {"prompt_tokens": 0, "total_tokens": 0}})
            return
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            return
        reply = b.get("reply") or ("stub: " + _last_user(body.get("messages") or []))
        pieces = _pieces(reply) + [" more"] * int(b.get("words", 0))
        model = body.get("model", "stub")
        if not body.get("stream"):
            self._json(200, {"id": "chatcmpl-stub", "object": "chat.completion", "model": model,
                             "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(pieces)},
                                          "finish_reason": "stop"}],
                             "usage": {"prompt_tokens": 3, "completion_tokens": len(pieces), "total_tokens": 3 + len(pieces)}})
            return
        self._stream(model, pieces, float(b.get("chunk_delay", 0)))

    def _stream(self, model, pieces, delay):
        stub = self.server.stub
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def event(obj) -> bool:
            data = b"data: " + (obj if isinstance(obj, bytes) else json.dumps(obj).encode()) + b"\n\n"
            try:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
                return True
            except OSError:
                return False

        def chunk(delta, finish=None):
            return {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

        ok = event(chunk({"role": "assistant"}))
        for piece in pieces:
            if not ok:
                break
            if delay:
                end = time.monotonic() + delay
                while time.monotonic() < end:
                    if self._client_gone():
                        ok = False
                        break
                    time.sleep(0.01)
                if not ok:
                    break
            ok = event(chunk({"content": piece}))
        if ok:
            ok = event(chunk({}, "stop")) and event({"id": "chatcmpl-stub", "object": "chat.completion.chunk", "model": model,
                                                      "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": len(pieces),
                                                                               "total_tokens": 3 + len(pieces)}}) and event(b"[DONE]")
        if ok:
            try:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except OSError:
                ok = False
        if not ok:
            stub._count_close()
            self.close_connection = True


def _last_user(messages) -> str:
    for m in reversed(messages):
        if m.get("role") == "user":
            c = m.get("content")
            if isinstance(c, list):
                return " ".join(p.get("text", "") for p in c if isinstance(p, dict))
            return c or ""
    return ""


def _pieces(text: str) -> list[str]:
    """One piece per word with its following whitespace."""
    out, cur, seen_space = [], "", False
    for ch in text:
        if not ch.isspace() and seen_space:
            out.append(cur)
            cur, seen_space = "", False
        if ch.isspace():
            seen_space = True
        cur += ch
    if cur:
        out.append(cur)
    return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    stub: "StubUpstream"
    ssl_context: ssl.SSLContext | None = None

    def finish_request(self, request, client_address):
        self.stub._count_connection()
        if self.ssl_context is None:
            return super().finish_request(request, client_address)
        try:
            request = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            self.stub._count_tls_failure()
            return
        try:
            super().finish_request(request, client_address)
        finally:
            request.close()


class StubUpstream:
    """One stub upstream on 127.0.0.1 (a free port unless given)."""

    def __init__(self, port: int = 0, ssl_context: ssl.SSLContext | None = None, **behavior):
        self._lock = threading.Lock()
        self._behavior = dict(behavior)
        self._stopping = threading.Event()
        self.requests: list[dict] = []
        self.closed_mid_stream = 0
        self.connections = 0
        self.tls_failures = 0
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.stub = self
        self._server.ssl_context = ssl_context
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The base URL to configure as `baseUrl` (with `/v1`)."""
        scheme = "https" if self._server.ssl_context else "http"
        return f"{scheme}://127.0.0.1:{self.port}/v1"

    def behave(self, **behavior):
        """Replace the behaviour (no arguments = answer normally)."""
        with self._lock:
            self._behavior = dict(behavior)

    def behavior(self) -> dict:
        with self._lock:
            return dict(self._behavior)

    def chat_requests(self) -> list[dict]:
        with self._lock:
            return [r for r in self.requests if r["path"].endswith("/chat/completions")]

    def wait_closed(self, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.closed_mid_stream:
                    return True
            time.sleep(0.02)
        return False

    def _record(self, path, body, headers):
        with self._lock:
            self.requests.append({"path": path, "body": body, "headers": headers})

    def _count_connection(self):
        with self._lock:
            self.connections += 1

    def _count_tls_failure(self):
        with self._lock:
            self.tls_failures += 1

    def _count_close(self):
        with self._lock:
            self.closed_mid_stream += 1

    def stop(self):
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--chunk-delay", type=float, default=0.0)
    args = parser.parse_args()
    stub = StubUpstream(args.port, chunk_delay=args.chunk_delay)
    print(stub.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        stub.stop()


if __name__ == "__main__":
    main()
