"""Upstream TLS (issue #6 follow-up; http.md §5.2, §5.3, §4.6): the agent runtime reaches
`https://` OpenAI-compatible providers through the host's own epoll HTTP client with OpenSSL.

A throwaway CA and server certificates (made here with `cryptography`) back `stub_upstream.py`
served over TLS; the gateway trusts the CA through the standard `SSL_CERT_FILE` variable (the
config has no TLS keys for providers). Checked with the official `openai` SDK and WebSocket
runs: chat (non-stream and stream) and embeddings over TLS with keep-alive reuse and SNI;
an untrusted CA, a wrong host name and a wrong IP fail verification quickly with the reason
named, without leaking descriptors and while the gateway keeps serving; a peer that accepts
TCP but never answers the handshake hits the provider timeout."""
from __future__ import annotations

import datetime
import ipaddress
import os
import socket
import ssl
import threading
import time

import httpx
import openai
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from openai import OpenAI
from oc_helpers import LOOPBACK, wait_until
from stub_upstream import StubUpstream
from test_agent_runtime import next_res, open_session, send

MESSAGES = [{"role": "user", "content": "hello over tls"}]


# --------------------------------------------------------------------------- certificates

def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write_key(key, path):
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


class Pki:
    """A CA (`ca_file`) and server certificates it signed, written under `root`."""

    def __init__(self, root):
        self.root = root
        now = datetime.datetime.now(datetime.timezone.utc)
        self.not_before, self.not_after = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=1)
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ca_cert = (x509.CertificateBuilder().subject_name(_name("openclaw e2e CA")).issuer_name(_name("openclaw e2e CA"))
                        .public_key(self.ca_key.public_key()).serial_number(x509.random_serial_number())
                        .not_valid_before(self.not_before).not_valid_after(self.not_after)
                        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                                     content_commitment=False, key_encipherment=False,
                                                     data_encipherment=False, key_agreement=False,
                                                     encipher_only=False, decipher_only=False), critical=True)
                        .sign(self.ca_key, hashes.SHA256()))
        self.ca_file = root / "ca.pem"
        self.ca_file.write_bytes(self.ca_cert.public_bytes(serialization.Encoding.PEM))

    def server_context(self, name: str, dns: list[str], ips: list[str]) -> ssl.SSLContext:
        """A server context whose certificate names exactly `dns` and `ips`."""
        key = ec.generate_private_key(ec.SECP256R1())
        sans = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
        cert = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(self.ca_cert.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(self.not_before).not_valid_after(self.not_after)
                .add_extension(x509.SubjectAlternativeName(sans), critical=False)
                .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .sign(self.ca_key, hashes.SHA256()))
        cert_file, key_file = self.root / f"{name}.pem", self.root / f"{name}.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key, key_file)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert_file, key_file)
        return ctx


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return Pki(tmp_path_factory.mktemp("pki"))


def tls_stub(pki: Pki, dns=("localhost",), ips=(LOOPBACK,)) -> tuple[StubUpstream, list]:
    """A TLS stub upstream and the SNI names its handshakes carried (None = no SNI)."""
    ctx = pki.server_context(f"server-{len(list(pki.root.iterdir()))}", list(dns), list(ips))
    sni: list = []
    ctx.sni_callback = lambda _sock, name, _ctx: sni.append(name)
    return StubUpstream(ssl_context=ctx), sni


def localhost_is_loopback_v4() -> bool:
    """The client connects to the first address of a name; the stub listens on 127.0.0.1."""
    return socket.getaddrinfo("localhost", 1, type=socket.SOCK_STREAM)[0][4][0] == LOOPBACK


# --------------------------------------------------------------------------- gateway

def provider(url: str, timeout_seconds: int = 5) -> dict:
    return {"baseUrl": url, "apiKey": "stub-key", "api": "openai-completions", "timeoutSeconds": timeout_seconds,
            "models": [{"id": "m"}]}


def start_tls_gateway(start_gateway, oc_env, providers: dict, ca_file=None, memory="up"):
    """Compat endpoints on; agent `main` on `up/m`, one agent per other provider (`<id>/m`),
    and `echo` on the echo provider; `SSL_CERT_FILE` = `ca_file` (None = the system store)."""
    config = oc_env.base_config()
    config["gateway"]["http"] = {"endpoints": {"chatCompletions": {"enabled": True}}}
    config["models"] = {"providers": {"echo": {"api": "echo"}, **providers}}
    entries = {"main": {"default": True}, "echo": {"model": "echo/echo"}}
    entries.update({pid: {"model": f"{pid}/m"} for pid in providers if pid != "up"})
    config["agents"] = {"defaults": {"model": "up/m", "timeoutSeconds": 30,
                                     "memorySearch": {"provider": memory, "model": "emb"}},
                        "entries": entries}
    oc_env.write_config(config)
    env = {"SSL_CERT_DIR": None, "SSL_CERT_FILE": str(ca_file) if ca_file else None}
    gw = start_gateway(env=env)
    assert gw.wait_ready()
    return gw


def sdk(gw) -> OpenAI:
    return OpenAI(base_url=f"{gw.url}/v1", api_key=gw.token, max_retries=0, timeout=30,
                  http_client=httpx.Client(trust_env=False))


def run_error(gw, agent: str) -> str:
    """The error message of a WebSocket `agent` run on `agent` (it must fail)."""
    with open_session(gw) as ws:
        req = send(ws, "agent", {"message": "hi", "agentId": agent, "idempotencyKey": f"tls-{agent}-{time.monotonic_ns()}"})
        next_res(ws, req)
        final, _ = next_res(ws, req, timeout=30)
    assert not final["ok"], final
    return final["error"]["message"]


def open_fds(gw) -> int:
    return len(os.listdir(f"/proc/{gw.pid}/fd"))


def assert_still_serving(gw):
    assert httpx.get(f"{gw.url}/healthz", timeout=2).status_code == 200
    with sdk(gw) as client:
        answer = client.chat.completions.create(model="openclaw/echo", messages=MESSAGES)
    assert answer.choices[0].message.content == "echo: hello over tls"


# --------------------------------------------------------------------------- tests

def stub_providers(stub) -> tuple[dict, bool]:
    """Provider `up` by IP, plus `named` by host name when `localhost` resolves to 127.0.0.1."""
    providers = {"up": provider(stub.url)}
    by_name = localhost_is_loopback_v4()
    if by_name:
        providers["named"] = provider(stub.url.replace(LOOPBACK, "localhost"))
    return providers, by_name


def test_chat_stream_and_embeddings_over_tls(start_gateway, oc_env, pki):
    stub, sni = tls_stub(pki)
    with stub:
        providers, by_name = stub_providers(stub)
        gw = start_tls_gateway(start_gateway, oc_env, providers, ca_file=pki.ca_file)
        client = sdk(gw)

        vectors = client.embeddings.create(model="openclaw", input=["ab", "abcd"], encoding_format="float")
        assert [d.embedding for d in vectors.data] == [pytest.approx([0.02, 0.03, 0.04, 0.05]),
                                                       pytest.approx([0.04, 0.05, 0.06, 0.07])]
        # A second exchange reuses the pooled TLS connection (keyed by scheme, host and port).
        client.embeddings.create(model="openclaw", input="again", encoding_format="float")
        assert stub.connections == 1 and stub.tls_failures == 0

        answer = client.chat.completions.create(model="openclaw", messages=MESSAGES)
        assert answer.choices[0].message.content == "stub: hello over tls"

        stream = client.chat.completions.create(model="openclaw", messages=MESSAGES, stream=True)
        pieces = [c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content]
        assert "".join(pieces) == "stub: hello over tls" and len(pieces) > 1

        paths = [r["path"] for r in stub.requests]
        assert paths == ["/v1/embeddings", "/v1/embeddings", "/v1/chat/completions", "/v1/chat/completions"]
        assert all(r["headers"].get("Authorization") == "Bearer stub-key" for r in stub.requests)
        assert all(r["body"]["stream"] is True for r in stub.chat_requests())
        # No SNI for an IP literal (RFC 6066 §3). (The provider stops reading a stream at
        # `[DONE]`, so a stream may occasionally end its connection: count handshakes loosely.)
        assert sni and set(sni) == {None} and stub.tls_failures == 0

        if by_name:
            named = client.chat.completions.create(model="openclaw/named", messages=MESSAGES)
            assert named.choices[0].message.content == "stub: hello over tls"
            assert sni[-1] == "localhost"


def test_untrusted_ca_fails_fast_without_leaks(start_gateway, oc_env, pki):
    stub, _ = tls_stub(pki)
    with stub:
        # No SSL_CERT_FILE: the system trust store, which does not know the throwaway CA.
        gw = start_tls_gateway(start_gateway, oc_env, {"up": provider(stub.url)})
        assert_still_serving(gw)
        # Descriptors once the probe's client connection is gone; failed handshakes must
        # not add to them.
        time.sleep(0.3)
        baseline = open_fds(gw)

        with sdk(gw) as client:
            start = time.monotonic()
            with pytest.raises(openai.APIStatusError) as e:
                client.chat.completions.create(model="openclaw", messages=MESSAGES)
            # Three handshakes (one try and two retries, §5.3) with their 0.5 s and 1.5 s waits.
            assert time.monotonic() - start < 8
            assert e.value.status_code == 502 and e.value.body == {"message": "upstream provider error", "type": "api_error"}
            with pytest.raises(openai.InternalServerError):
                client.embeddings.create(model="openclaw", input="x")

        message = run_error(gw, "main")
        assert "upstream TLS handshake failed: certificate verify failed (unable to get local issuer certificate)" in message
        assert stub.requests == [] and stub.tls_failures >= 3

        assert_still_serving(gw)
        assert wait_until(lambda: open_fds(gw) <= baseline, timeout=5), (open_fds(gw), baseline)


def test_wrong_host_name_or_ip_fails_verification(start_gateway, oc_env, pki):
    stub, _ = tls_stub(pki, dns=["upstream.invalid"], ips=["127.0.0.2"])
    with stub:
        providers, by_name = stub_providers(stub)
        gw = start_tls_gateway(start_gateway, oc_env, providers, ca_file=pki.ca_file)
        assert "certificate verify failed (IP address mismatch)" in run_error(gw, "main")
        if by_name:
            assert "certificate verify failed (hostname mismatch)" in run_error(gw, "named")
        assert stub.requests == []
        assert_still_serving(gw)


class SilentListener:
    """Accepts TCP connections and never sends a byte: a TLS handshake to it never ends."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
                self.accepted.append(conn)
            except (TimeoutError, OSError):
                continue

    def all_closed_by_peer(self) -> bool:
        """Every accepted connection has been closed by the client (EOF after its hello)."""
        for conn in self.accepted:
            conn.settimeout(0.05)
            try:
                while conn.recv(65536):
                    pass
            except (TimeoutError, BlockingIOError):
                return False
            except OSError:
                pass
        return bool(self.accepted)

    def close(self):
        self._stop.set()
        self._thread.join(2)
        for conn in self.accepted:
            conn.close()
        self.sock.close()


def test_stalled_handshake_hits_the_provider_timeout(start_gateway, oc_env, pki):
    listener = SilentListener()
    try:
        url = f"https://{LOOPBACK}:{listener.port}/v1"
        gw = start_tls_gateway(start_gateway, oc_env, {"up": provider(url, timeout_seconds=1)}, ca_file=pki.ca_file,
                               memory="echo")
        start = time.monotonic()
        with pytest.raises(openai.APIStatusError) as e:
            sdk(gw).chat.completions.create(model="openclaw", messages=MESSAGES)
        elapsed = time.monotonic() - start
        assert e.value.status_code == 504 and e.value.body == {"message": "upstream provider timeout", "type": "api_error"}
        assert 0.9 < elapsed < 5, elapsed
        # The gateway gave up on the handshake and closed its socket.
        assert wait_until(listener.all_closed_by_peer, timeout=5)
        assert_still_serving(gw)
    finally:
        listener.close()
