"""A third-party client against the real gateway: the PyPI `openclaw-sdk` (pinned in
requirements-test.txt), used unmodified (protocol.md §1, §4, §5: it connects on `/gateway`,
speaks protocol 3 only, signs a v2 device payload as `cli`/`cli`, sends `commands`/`permissions`
as an operator, and treats any `error` key in a `res` as a failure).

The SDK reads its identity from `~/.openclaw/identity/device.json` (Ed25519 PEM key pair) and
its credential from `~/.openclaw/identity/device-auth.json` (`tokens.operator.{token, role,
scopes}`), so every test points HOME at the gateway's per-test home and writes those files.
"""
from __future__ import annotations

import asyncio
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from openclaw_sdk import OpenClawClient
from openclaw_sdk.core.exceptions import GatewayError
from openclaw_sdk.gateway.protocol import ProtocolGateway

from test_ws_protocol import ALL_SCOPES, Device, b64u, connect


class SdkDevice(Device):
    """The SDK's key pair, for signing a raw `connect` from the test (v3 payload)."""

    def __init__(self, key: Ed25519PrivateKey):
        raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key, self.public_key, self.id = key, b64u(raw), hashlib.sha256(raw).hexdigest()


def write_identity(home, token: str, scopes=ALL_SCOPES) -> SdkDevice:
    """Writes the SDK's identity files with a fresh key pair and `token` as its credential."""
    device = SdkDevice(Ed25519PrivateKey.generate())
    folder = home / ".openclaw" / "identity"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "device.json").write_text(json.dumps({
        "deviceId": device.id,
        "privateKeyPem": device.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()).decode(),
        "publicKeyPem": device.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode(),
    }))
    write_device_auth(home, token, scopes)
    return device


def write_device_auth(home, token: str, scopes=ALL_SCOPES):
    path = home / ".openclaw" / "identity" / "device-auth.json"
    path.write_text(json.dumps({"tokens": {"operator": {"token": token, "role": "operator", "scopes": scopes}}}))


async def health_and_status(url: str):
    """Connects the SDK's gateway client and calls `health`, `status` and its own health()."""
    gw = ProtocolGateway(url, connect_timeout=5, default_timeout=5)
    await gw.connect()
    try:
        return await gw.call("health"), await gw.call("status"), await gw.health()
    finally:
        await gw.close()


@pytest.fixture
def sdk_home(oc_env, monkeypatch):
    """HOME of the test process = the gateway's home, where the SDK looks for its files."""
    monkeypatch.setenv("HOME", str(oc_env.home))
    monkeypatch.delenv("OPENCLAW_GATEWAY_TOKEN", raising=False)
    return oc_env.home


def test_sdk_connects_on_default_path_with_gateway_token(gateway, sdk_home):
    device_id = write_identity(sdk_home, gateway.token).id
    health, status, sdk_health = asyncio.run(health_and_status(f"ws://127.0.0.1:{gateway.port}/gateway"))
    assert health["ok"] is True and health["defaultAgentId"] == "main"
    for key in ("ts", "durationMs", "heartbeatSeconds", "agents", "sessions"):
        assert key in health
    assert status["gateway"]["port"] == gateway.port and status["gateway"]["authMode"] == "token"
    assert status["pid"] == gateway.pid and status["runtimeVersion"]
    # The SDK's own health() is a system-presence call (it wraps the list as `data`).
    assert sdk_health.healthy is True, sdk_health
    assert any(row.get("deviceId") == device_id for row in sdk_health.details["data"])
    # Local-direct pairing was auto-approved (protocol.md §6.7).
    assert f"device pairing auto-approved device={device_id}" in gateway.log_text()


def test_sdk_reconnects_with_its_device_token(gateway, sdk_home):
    """The stored credential is the device token from an earlier hello-ok, not the gateway
    token: it passes auth for that device alone (§6.7)."""
    device = write_identity(sdk_home, gateway.token)
    asyncio.run(health_and_status(f"ws://127.0.0.1:{gateway.port}/gateway"))
    ws, res = connect(gateway, device=device)
    ws.close()
    device_token = res["payload"]["auth"]["deviceToken"]
    assert device_token != gateway.token
    write_device_auth(sdk_home, device_token)
    health, status, _ = asyncio.run(health_and_status(f"ws://127.0.0.1:{gateway.port}/"))
    assert health["ok"] is True and status["gateway"]["port"] == gateway.port


def test_sdk_with_wrong_token_fails_cleanly(gateway, sdk_home):
    write_identity(sdk_home, "not-the-token")

    async def attempt():
        gw = ProtocolGateway(f"ws://127.0.0.1:{gateway.port}/gateway", connect_timeout=5, default_timeout=5)
        await gw.connect()
        try:
            with pytest.raises(GatewayError):
                await gw.call("health")
        finally:
            await gw.close()

    asyncio.run(attempt())
    assert "unauthorized conn=" in gateway.log_text()


def test_sdk_top_level_client(gateway, sdk_home):
    """`OpenClawClient.connect(gateway_ws_url=...)` builds the same protocol gateway."""
    write_identity(sdk_home, gateway.token)

    async def run():
        client = await OpenClawClient.connect(gateway_ws_url=f"ws://127.0.0.1:{gateway.port}/gateway")
        try:
            return await client.gateway.call("status")
        finally:
            await client.close()

    assert asyncio.run(run())["gateway"]["authMode"] == "token"
