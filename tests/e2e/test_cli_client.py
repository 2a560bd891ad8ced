"""CLI commands that talk to a running gateway over the WebSocket protocol
(cli-config.md §3.3, §1.1, §10, §10.2–§10.9, §10.11): each one against a running gateway and
against none (a free port with nothing listening), output lines and exit codes asserted,
`--json` parsed; plus the CLI device identity files.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from conftest import TEST_TOKEN, run_cli
from oc_helpers import free_port

CLI_SCOPES = ["operator.admin", "operator.read", "operator.write", "operator.approvals", "operator.pairing"]


def cli(oc, port, *args, timeout=20.0, **env):
    """`openclaw <args>` aimed at the gateway on `port` through OPENCLAW_GATEWAY_PORT."""
    return run_cli(list(args), oc.env(OPENCLAW_GATEWAY_PORT=port, **env), timeout=timeout)


def refused(port):
    return f"Gateway not reachable: connect ECONNREFUSED 127.0.0.1:{port}"


@pytest.fixture
def dead_port():
    return free_port()


# --------------------------------------------------------------------------- gateway call

def test_gateway_call_health(gateway, oc_env):
    code, out, err = cli(oc_env, gateway.port, "gateway", "call", "health")
    assert code == 0, (out, err)
    assert json.loads(out)["ok"] is True
    code, out, err = cli(oc_env, gateway.port, "gateway", "call", "health", "--params", '{"probe":true}')
    assert code == 0, (out, err)
    assert json.loads(out)["ok"] is True


def test_gateway_call_error_reply_and_bad_params(gateway, oc_env):
    code, out, err = cli(oc_env, gateway.port, "gateway", "call", "no.such.method")
    assert code == 1 and out == ""
    assert err.strip() == "INVALID_REQUEST: unknown method: no.such.method"
    code, _, err = cli(oc_env, gateway.port, "gateway", "call", "health", "--params", "{nope")
    assert code == 1 and "--params must be valid JSON" in err


def test_gateway_call_unreachable(oc_env, dead_port):
    code, out, err = cli(oc_env, dead_port, "gateway", "call", "health")
    assert (code, out) == (1, "")
    assert err.strip() == refused(dead_port)


def test_explicit_url_ignores_config_credentials(gateway, oc_env):
    """§3.3: with --url the config token is not used; --token (or the env) is."""
    url = f"ws://127.0.0.1:{gateway.port}"
    code, _, err = run_cli(["gateway", "call", "health", "--url", url], oc_env.env())
    assert code == 1
    assert err.strip() == ("Gateway not reachable: gateway closed (1008): unauthorized: gateway token missing "
                           "(set gateway.remote.token to match gateway.auth.token)")
    code, out, err = run_cli(["gateway", "call", "health", "--url", url, "--token", TEST_TOKEN], oc_env.env())
    assert code == 0, err
    code, out, err = run_cli(["gateway", "call", "health", "--url", url], oc_env.env(OPENCLAW_GATEWAY_TOKEN=TEST_TOKEN))
    assert code == 0, err


def test_wrong_token_is_a_rejected_handshake(gateway, oc_env):
    code, _, err = cli(oc_env, gateway.port, "health", "--token", "wrong-token")
    assert code == 1
    assert err.strip() == ("Gateway not reachable: gateway closed (1008): unauthorized: gateway token mismatch "
                           "(set gateway.remote.token to match gateway.auth.token)")


# --------------------------------------------------------------------------- device identity

def test_device_identity_files(gateway, oc_env):
    identity_dir = oc_env.state_dir / "identity"
    assert not identity_dir.exists()
    assert cli(oc_env, gateway.port, "gateway", "call", "health")[0] == 0
    device_path, auth_path = identity_dir / "device.json", identity_dir / "device-auth.json"
    assert stat.S_IMODE(os.stat(identity_dir).st_mode) == 0o700
    for path in (device_path, auth_path):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path

    device = json.loads(device_path.read_text())
    assert set(device) == {"version", "deviceId", "publicKeyPem", "privateKeyPem", "createdAtMs"}
    assert device["version"] == 1 and isinstance(device["createdAtMs"], int)
    private = serialization.load_pem_private_key(device["privateKeyPem"].encode(), password=None)
    public = serialization.load_pem_public_key(device["publicKeyPem"].encode())
    assert isinstance(private, Ed25519PrivateKey) and isinstance(public, Ed25519PublicKey)
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == raw
    assert device["deviceId"] == hashlib.sha256(raw).hexdigest()

    tokens = json.loads(auth_path.read_text())
    assert set(tokens) == {"version", "deviceId", "tokens"}
    assert tokens["version"] == 1 and tokens["deviceId"] == device["deviceId"]
    operator = tokens["tokens"]["operator"]
    assert set(operator) == {"token", "role", "scopes", "updatedAtMs"}
    assert operator["role"] == "operator" and operator["token"]
    assert sorted(operator["scopes"]) == sorted(CLI_SCOPES)

    # A second run reuses the identity and the stored token is accepted.
    assert cli(oc_env, gateway.port, "health")[0] == 0
    assert json.loads(device_path.read_text())["deviceId"] == device["deviceId"]
    paired = json.loads((oc_env.state_dir / "devices" / "paired.json").read_text())
    assert device["deviceId"] in json.dumps(paired)


# --------------------------------------------------------------------------- health

@pytest.mark.parametrize("command", [["health"], ["gateway", "health"]])
def test_health(gateway, oc_env, command):
    code, out, err = cli(oc_env, gateway.port, *command)
    assert code == 0, (out, err)
    lines = out.splitlines()
    assert re.fullmatch(rf"Gateway: ok \(ws://127\.0\.0\.1:{gateway.port}, \d+ms\)", lines[0]), lines
    assert "Agents: main (default: main)" in lines
    assert any(line.startswith("Sessions: 0 (") for line in lines), lines
    code, out, _ = cli(oc_env, gateway.port, *command, "--json")
    assert code == 0 and json.loads(out)["ok"] is True


@pytest.mark.parametrize("command", [["health"], ["gateway", "health"]])
def test_health_unreachable(oc_env, dead_port, command):
    code, out, err = cli(oc_env, dead_port, *command)
    assert (code, out, err.strip()) == (1, "", refused(dead_port))


# --------------------------------------------------------------------------- status

def test_status(gateway, oc_env):
    code, out, err = cli(oc_env, gateway.port, "status")
    assert code == 0, (out, err)
    lines = out.splitlines()
    assert lines[0] == "Version: 0.1.0"
    assert f"Config: {oc_env.config_path}" in lines
    assert any(re.fullmatch(rf"Gateway: local · ws://127\.0\.0\.1:{gateway.port} \(local loopback\) · reachable \(\d+ms\)", l)
               for l in lines), lines
    assert any(l.startswith("Gateway service: systemd openclaw-gateway.service · ") for l in lines), lines
    assert f"Dashboard: http://127.0.0.1:{gateway.port}/" in lines
    assert "Agents: 1 (default: main)" in lines
    code, out, _ = cli(oc_env, gateway.port, "status", "--json")
    report = json.loads(out)
    assert code == 0 and report["gateway"]["reachable"] is True
    assert report["gateway"]["status"]["pid"] == gateway.pid
    assert report["config"] == {"path": str(oc_env.config_path), "exists": True, "valid": True}


def test_status_unreachable(oc_env, dead_port):
    oc_env.write_config(oc_env.base_config())
    code, out, err = cli(oc_env, dead_port, "status")
    assert code == 0, (out, err)
    assert (f"Gateway: local · ws://127.0.0.1:{dead_port} (local loopback) · unreachable "
            f"(connect ECONNREFUSED 127.0.0.1:{dead_port})") in out.splitlines()
    assert "Agents: 1 (default: main)" in out.splitlines()
    code, out, _ = cli(oc_env, dead_port, "status", "--json")
    gateway = json.loads(out)["gateway"]
    assert code == 0 and gateway["reachable"] is False
    assert gateway["error"] == f"connect ECONNREFUSED 127.0.0.1:{dead_port}"


# --------------------------------------------------------------------------- gateway status

def test_gateway_status_labels(gateway, oc_env):
    # A first client command pairs this CLI's device; the probe then presents it (§3.3).
    assert cli(oc_env, gateway.port, "health")[0] == 0
    code, out, err = cli(oc_env, gateway.port, "gateway", "status")
    assert code == 0, (out, err)
    lines = out.splitlines()
    assert lines[0].startswith("Service: systemd (")
    assert f"Config (cli): {oc_env.config_path}" in lines
    assert f"Gateway: bind=loopback (127.0.0.1), port={gateway.port} (env)" in lines
    assert f"Probe target: ws://127.0.0.1:{gateway.port}" in lines
    assert f"Dashboard: http://127.0.0.1:{gateway.port}/" in lines
    assert "Gateway version: 0.1.0" in lines
    assert any(l.startswith(f"Runtime: running (pid {gateway.pid}") for l in lines), lines
    assert "Connectivity probe: ok" in lines
    assert "Capability: admin-capable" in lines
    assert f"Listening: 127.0.0.1:{gateway.port}" in lines
    assert lines[-2:] == ["Troubles: run openclaw status", "Troubleshooting: https://docs.openclaw.ai/troubleshooting"]
    order = [next(i for i, l in enumerate(lines) if l.startswith(p)) for p in
             ("Service:", "Config (cli):", "Gateway:", "Probe target:", "Runtime:", "Connectivity probe:", "Capability:")]
    assert order == sorted(order)

    code, out, err = cli(oc_env, gateway.port, "gateway", "status", "--require-rpc")
    assert code == 0, (out, err)
    assert "Read probe: ok" in out.splitlines()


def test_gateway_status_probe_without_stored_device_token(gateway, oc_env):
    """The probe never pairs: without a stored token it connects device-less, scopes discarded."""
    code, out, _ = cli(oc_env, gateway.port, "gateway", "status")
    assert code == 0
    assert "Connectivity probe: ok" in out.splitlines()
    assert "Capability: connected-no-operator-scope" in out.splitlines()
    assert not (oc_env.state_dir / "identity").exists()
    code, out, _ = cli(oc_env, gateway.port, "gateway", "status", "--require-rpc")
    assert code == 1
    assert "Read probe: failed" in out.splitlines()
    assert "  FORBIDDEN: missing scope: operator.read" in out.splitlines()


def test_gateway_status_json(gateway, oc_env):
    assert cli(oc_env, gateway.port, "health")[0] == 0
    code, out, err = cli(oc_env, gateway.port, "gateway", "status", "--json", "--require-rpc")
    assert code == 0, (out, err)
    report = json.loads(out)
    assert {"service", "config", "gateway", "port", "rpc", "extraServices"} <= set(report)
    assert report["config"]["cli"]["path"] == str(oc_env.config_path) and report["config"]["cli"]["valid"] is True
    assert report["gateway"]["port"] == gateway.port and report["gateway"]["portSource"] == "env"
    assert report["gateway"]["probeUrl"] == f"ws://127.0.0.1:{gateway.port}"
    assert report["port"]["status"] == "busy"
    assert report["rpc"] == {"kind": "read", "ok": True, "url": f"ws://127.0.0.1:{gateway.port}", "capability": "admin-capable"}


def test_gateway_status_unreachable(oc_env, dead_port):
    oc_env.write_config(oc_env.base_config())
    code, out, err = cli(oc_env, dead_port, "gateway", "status")
    assert code == 0, (out, err)
    lines = out.splitlines()
    assert "Connectivity probe: failed" in lines
    assert f"  connect ECONNREFUSED 127.0.0.1:{dead_port}" in lines
    assert lines.count(f"Probe target: ws://127.0.0.1:{dead_port}") == 2
    code, out, _ = cli(oc_env, dead_port, "gateway", "status", "--require-rpc")
    assert code == 1 and "Read probe: failed" in out.splitlines()
    code, out, _ = cli(oc_env, dead_port, "gateway", "status", "--json")
    assert code == 0 and json.loads(out)["rpc"]["ok"] is False
    code, out, err = cli(oc_env, dead_port, "gateway", "status", "--no-probe")
    assert code == 0 and not any(l.startswith("Connectivity probe:") for l in out.splitlines())


def test_gateway_status_reads_the_installed_unit(gateway, oc_env):
    """With a user unit installed, its `--port` is the gateway's port (`service args`) and the
    probe target; the CLI's own resolution is noted."""
    units = oc_env.home / ".config" / "systemd" / "user"
    units.mkdir(parents=True)
    unit = units / "openclaw-gateway.service"
    unit.write_text(f"[Unit]\nDescription=OpenClaw Gateway\n[Service]\nExecStart=/opt/openclaw gateway --port {gateway.port}\n"
                    f"Environment=OPENCLAW_GATEWAY_PORT={gateway.port} OPENCLAW_STATE_DIR={oc_env.state_dir} "
                    f"OPENCLAW_GATEWAY_TOKEN=not-shown\nWorkingDirectory=%h\n")
    env = oc_env.env(XDG_CONFIG_HOME=oc_env.home / ".config")
    code, out, err = run_cli(["gateway", "status"], env)
    assert code == 0, (out, err)
    lines = out.splitlines()
    assert f"Command: /opt/openclaw gateway --port {gateway.port}" in lines
    assert f"Service file: {unit}" in lines
    assert f"Working dir: {oc_env.home}" in lines
    assert f"Service env: OPENCLAW_GATEWAY_PORT={gateway.port} OPENCLAW_STATE_DIR={oc_env.state_dir}" in lines
    assert f"Config (service): {oc_env.config_path}" in lines
    assert f"Gateway: bind=loopback (127.0.0.1), port={gateway.port} (service args)" in lines
    assert f"Probe target: ws://127.0.0.1:{gateway.port}" in lines
    assert "Connectivity probe: ok" in lines
    assert any(re.fullmatch(r"Note: CLI config resolves gateway port=18789 \((busy|free)\)\.", l) for l in lines), lines
    assert "not-shown" not in out
    report = json.loads(run_cli(["gateway", "status", "--json"], env)[1])
    assert report["service"]["loaded"] is True
    assert report["gateway"]["portSource"] == "service args" and report["portCli"]["port"] == 18789
    assert "OPENCLAW_GATEWAY_TOKEN" not in report["service"]["command"]["environment"]


def test_gateway_status_require_rpc_needs_probe(oc_env):
    code, out, err = run_cli(["gateway", "status", "--no-probe", "--require-rpc"], oc_env.env())
    assert (code, out) == (1, "")
    assert err.strip() == ("Gateway status failed: --require-rpc needs probing enabled. "
                           "Remove --no-probe or drop --require-rpc.")


# --------------------------------------------------------------------------- gateway probe

def test_gateway_probe(gateway, oc_env):
    assert cli(oc_env, gateway.port, "health")[0] == 0
    code, out, err = cli(oc_env, gateway.port, "gateway", "probe", "--url", f"ws://127.0.0.1:{gateway.port}")
    assert code == 0, (out, err)
    assert out.splitlines() == [
        f"URL (explicit): ws://127.0.0.1:{gateway.port}", "  Reachable: yes", "  Connect: ok", "  Capability: admin-capable",
        "  Read probe: ok",
        f"Local loopback: ws://127.0.0.1:{gateway.port}", "  Reachable: yes", "  Connect: ok", "  Capability: admin-capable",
        "  Read probe: ok",
    ], "one gateway seen twice is not a multiple-gateways warning"
    code, out, _ = cli(oc_env, gateway.port, "gateway", "probe", "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True and report["capability"] == "admin_capable"
    assert report["primaryTargetId"] == "localLoopback" and report["warnings"] == []
    (target,) = report["targets"]
    assert target["connect"] == {"ok": True, "rpcOk": True, "scopeLimited": False}
    assert target["auth"]["role"] == "operator" and target["auth"]["capability"] == "admin_capable"


def test_gateway_probe_scope_limited_without_device_token(gateway, oc_env):
    code, out, _ = cli(oc_env, gateway.port, "gateway", "probe")
    assert code == 0
    assert "  Read probe: limited - missing scope: operator.read" in out.splitlines()
    report = json.loads(cli(oc_env, gateway.port, "gateway", "probe", "--json")[1])
    assert [w["code"] for w in report["warnings"]] == ["probe_scope_limited"]


def test_gateway_probe_two_gateways_warns(start_gateway, oc_env, make_env):
    oc_env.write_config(oc_env.base_config())
    other = make_env("b")
    other.write_config(other.base_config())
    first, second = start_gateway(), start_gateway(oc=other)
    assert cli(oc_env, first.port, "health")[0] == 0
    code, out, err = cli(oc_env, first.port, "gateway", "probe", "--url", f"ws://127.0.0.1:{second.port}")
    assert code == 0, (out, err)
    assert "Warning: multiple reachable gateway identities" in out.splitlines()


def test_gateway_probe_unreachable(oc_env, dead_port):
    code, out, err = cli(oc_env, dead_port, "gateway", "probe")
    assert code == 1
    assert out.splitlines() == [f"Local loopback: ws://127.0.0.1:{dead_port}", "  Reachable: no",
                                f"  Connect: failed (connect ECONNREFUSED 127.0.0.1:{dead_port})"]
    report = json.loads(cli(oc_env, dead_port, "gateway", "probe", "--json")[1])
    assert report["ok"] is False and report["targets"][0]["reachable"] is False


# --------------------------------------------------------------------------- channels status

CHANNELS = {"telegram": {"botToken": "123:abc"}, "discord": {"enabled": False}}


def test_channels_status_reachable(start_gateway, oc_env):
    oc_env.write_config({**oc_env.base_config(), "channels": CHANNELS})
    gw = start_gateway()
    code, out, err = cli(oc_env, gw.port, "channels", "status")
    assert code == 0, (out, err)
    assert "Gateway not reachable" not in out + err
    code, out, err = cli(oc_env, gw.port, "channels", "status", "--probe", "--json")
    assert code == 0, (out, err)
    json.loads(out)


def test_channels_status_config_only_fallback(oc_env, dead_port):
    oc_env.write_config({**oc_env.base_config(), "channels": CHANNELS})
    code, out, err = cli(oc_env, dead_port, "channels", "status")
    assert code == 0, (out, err)
    assert err.strip() == refused(dead_port)
    assert out.splitlines() == [
        "Gateway not reachable; showing config-only status.",
        f"Config: {oc_env.config_path}",
        "Mode: local",
        "",
        "- Telegram default: enabled, configured",
        "- Discord default: disabled, not configured",
    ]
    code, out, _ = cli(oc_env, dead_port, "channels", "status", "--json")
    report = json.loads(out)
    assert code == 0 and report["configOnly"] is True and report["gateway"]["reachable"] is False
    assert [a["channel"] for a in report["accounts"]] == ["telegram", "discord"]


def test_channels_status_unresolvable_credential(oc_env, dead_port):
    config = oc_env.base_config(token=None)
    config["gateway"]["auth"] = {"token": {"source": "env", "provider": "default", "id": "OC_E2E_UNSET_TOKEN"}}
    oc_env.write_config(config)
    code, out, _ = cli(oc_env, dead_port, "channels", "status")
    assert code == 0
    assert out.splitlines()[0] == "Gateway auth unavailable; showing config-only status."


def test_channels_status_invalid_config(oc_env, dead_port):
    oc_env.write_config({"gateway": {"mode": "local", "port": "not-a-port"}})
    code, _, err = cli(oc_env, dead_port, "channels", "status")
    assert code == 1
    assert err.startswith(f"Invalid config at {oc_env.config_path}:")


# --------------------------------------------------------------------------- secrets reload

def test_secrets_reload(gateway, oc_env):
    code, out, err = cli(oc_env, gateway.port, "secrets", "reload")
    assert (code, out.strip()) == (0, "Secrets reloaded (0 active refs resolved)."), err
    code, out, _ = cli(oc_env, gateway.port, "secrets", "reload", "--json")
    assert code == 0 and json.loads(out)["ok"] is True


def test_secrets_reload_failure_keeps_old_secrets(start_gateway, oc_env):
    secret = oc_env.root / "api-key"
    secret.write_text("sk-e2e\n")
    config = oc_env.base_config()
    config["secrets"] = {"providers": {"one": {"source": "file", "path": str(secret), "mode": "singleValue"}}}
    config["models"] = {"providers": {"a": {"baseUrl": "http://127.0.0.1:9", "apiKey": {"source": "file", "provider": "one", "id": "value"}}}}
    oc_env.write_config(config)
    gw = start_gateway()
    code, out, err = cli(oc_env, gw.port, "secrets", "reload")
    assert (code, out.strip()) == (0, "Secrets reloaded (1 active refs resolved)."), err
    secret.unlink()
    code, out, err = cli(oc_env, gw.port, "secrets", "reload")
    assert code == 1
    lines = err.splitlines()
    assert lines[0].startswith("Secrets reload failed: ") and len(lines[0]) > len("Secrets reload failed: ")
    assert lines[1] == "The gateway kept its last known-good secrets."


def test_secrets_reload_unreachable(oc_env, dead_port):
    code, out, err = cli(oc_env, dead_port, "secrets", "reload")
    assert (code, out, err.strip()) == (1, "", refused(dead_port))


# --------------------------------------------------------------------------- plugins

def test_plugins_list_and_reload(gateway, oc_env):
    code, out, err = cli(oc_env, gateway.port, "plugins", "list", "--json")
    assert code == 0, (out, err)
    plugins = json.loads(out)["plugins"]
    code, out, err = cli(oc_env, gateway.port, "plugins", "list")
    assert code == 0, (out, err)
    lines = out.splitlines()
    if plugins:
        assert [l.split()[0] for l in lines] == [p["id"] for p in plugins]
        for line, plugin in zip(lines, plugins):
            assert f"  {'enabled' if plugin['enabled'] else 'disabled'}  {plugin['state']}  routes: " in line
    else:
        assert lines == ["No plugins."]
    active = [p["id"] for p in plugins if p["state"] == "active"]
    code, out, err = cli(oc_env, gateway.port, "plugins", "reload")
    assert code == 0, (out, err)
    assert out.splitlines() == [f"reloaded {pid}" for pid in active]
    code, out, err = cli(oc_env, gateway.port, "plugins", "reload", "no-such-plugin")
    assert code == 1
    assert out.splitlines()[0].startswith("no-such-plugin: ")


def test_plugins_unreachable(oc_env, dead_port):
    for args in (["plugins", "list"], ["plugins", "reload"]):
        code, out, err = cli(oc_env, dead_port, *args)
        assert (code, out, err.strip()) == (1, "", refused(dead_port))


# --------------------------------------------------------------------------- help and usage

@pytest.mark.parametrize("command", [
    ["status"], ["health"], ["logs"], ["channels", "status"], ["secrets", "reload"], ["plugins", "list"],
    ["gateway", "status"], ["gateway", "probe"], ["gateway", "health"], ["gateway", "call"],
])
def test_help(oc_env, command):
    code, out, err = run_cli([*command, "--help"], oc_env.env())
    assert code == 0, err
    assert out.startswith("Usage: openclaw ")
    assert "--timeout <ms>" in out and "--json" in out


def test_bad_client_options(oc_env):
    assert run_cli(["status", "--url", "http://x"], oc_env.env())[0] == 1
    assert run_cli(["health", "--timeout", "soon"], oc_env.env())[0] == 1
    code, _, err = run_cli(["health", "--bogus"], oc_env.env())
    assert code == 1 and "unknown option: --bogus" in err


def test_timeout_against_a_silent_listener(oc_env):
    """A port that accepts but never answers the upgrade: bounded by --timeout."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        port = silent.getsockname()[1]
        code, out, err = cli(oc_env, port, "health", "--timeout", "300", timeout=10)
    assert (code, out) == (1, "")
    assert err.strip() == "Gateway not reachable: gateway timeout after 300ms"
