"""`openclaw doctor [--fix] [--json]` (cli-config §10.10) against real files, no gateway needed
unless a test starts one. Exit 0 when nothing blocking remains, else 1; --json always 0."""
from __future__ import annotations

import json
import os
import socket
import stat
import subprocess

from conftest import TEST_TOKEN, run_cli
from oc_helpers import LOOPBACK, free_port


def doctor(oc_env, *args, **env):
    return run_cli(["doctor", "--non-interactive", *args], oc_env.env(**env))


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_unknown_key_and_loose_permissions_are_reported_then_fixed(oc_env):
    config = oc_env.base_config(port=free_port())
    config["gateway"]["surprise"] = True
    oc_env.write_config(config)
    os.chmod(oc_env.config_path, 0o644)
    os.chmod(oc_env.state_dir, 0o755)

    code, out, err = doctor(oc_env)
    assert code == 1, out
    lines = out.splitlines()
    assert f"[warn] Secret file {oc_env.config_path} is 0644; should be 0600 (fix: openclaw doctor --fix)" in lines
    assert f"[warn] State dir {oc_env.state_dir} is 0755; should be 0700 (fix: openclaw doctor --fix)" in lines
    assert "[fail] Unknown config key: gateway.surprise (line 8) (fix: openclaw doctor --fix)" in lines
    assert mode(oc_env.config_path) == 0o644, "a report changes nothing"
    assert "surprise" in oc_env.config_path.read_text()

    code, out, err = doctor(oc_env, "--fix")
    assert code == 0, out
    lines = out.splitlines()
    assert f"[fixed] Set {oc_env.config_path} to 0600 (was 0644)" in lines
    assert f"[fixed] Set {oc_env.state_dir} to 0700 (was 0755)" in lines
    assert "[fixed] Removed unknown config key gateway.surprise" in lines
    assert f"    backup: {oc_env.config_path}.bak" in lines
    assert "surprise" not in json.dumps(oc_env.read_config())
    assert "surprise" in (oc_env.config_path.parent / "openclaw.json.bak").read_text()
    assert mode(oc_env.config_path) == 0o600 and mode(oc_env.state_dir) == 0o700

    code, out, err = doctor(oc_env)
    assert code == 0, out
    assert not [ln for ln in out.splitlines() if ln.startswith(("[fail]", "[fixed]")) or "doctor --fix" in ln], out
    assert f"[ok] Config valid: {oc_env.config_path}" in out.splitlines()


def test_json_report_always_exits_zero(oc_env):
    oc_env.write_config({"gateway": {"mode": "local", "bind": "0.0.0.0", "token": TEST_TOKEN}})
    code, out, err = doctor(oc_env, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["ok"] is False and report["fixable"] >= 2
    by_id = {c["id"]: c for c in report["checks"]}
    assert by_id["config.legacyKey"]["level"] == "fail" and by_id["config.legacyKey"]["fixable"] is True
    assert by_id["config.legacyBind"]["message"] == 'Legacy host value in gateway.bind: "0.0.0.0" (use "lan")'
    assert {c["level"] for c in report["checks"]} <= {"ok", "warn", "fail", "fixed"}


def test_legacy_keys_are_migrated(oc_env):
    oc_env.write_config({"gateway": {"mode": "local", "bind": "127.0.0.1", "token": TEST_TOKEN, "port": free_port()}})
    code, out, err = doctor(oc_env, "--fix")
    assert code == 0, out
    assert "[fixed] Migrated gateway.token to gateway.auth.token" in out.splitlines()
    assert '[fixed] Migrated gateway.bind "127.0.0.1" to "loopback"' in out.splitlines()
    gateway = oc_env.read_config()["gateway"]
    assert gateway["auth"]["token"] == TEST_TOKEN and "token" not in {k for k in gateway if k != "auth"}
    assert gateway["bind"] == "loopback"
    assert run_cli(["config", "validate"], oc_env.env())[0] == 0


def test_auth_problems(oc_env):
    oc_env.write_config({"gateway": {"mode": "local", "bind": "lan", "port": free_port()}})
    code, out, _ = doctor(oc_env)
    assert code == 1
    assert "[fail] Refusing to bind gateway to lan without auth." in out.splitlines()

    oc_env.write_config({"gateway": {"mode": "local", "auth": {"token": "short"}, "port": free_port()}})
    code, out, _ = doctor(oc_env)
    assert code == 0, out
    assert "[warn] Gateway token is shorter than 24 characters" in out.splitlines()

    code, out, _ = doctor(oc_env, "--generate-gateway-token")
    assert code == 0
    assert "[fixed] Generated a new gateway token (saved to gateway.auth.token)" in out.splitlines()
    token = oc_env.read_config()["gateway"]["auth"]["token"]
    assert len(token) == 48 and token not in out


def test_missing_mode_blocks(oc_env):
    oc_env.write_config({"gateway": {"port": free_port()}})
    code, out, _ = doctor(oc_env)
    assert code == 1
    assert "[fail] gateway.mode is not set; the gateway will not start" in out.splitlines()


def test_stale_lock_is_removed(oc_env):
    oc_env.write_config(oc_env.base_config(port=free_port()))
    dead = subprocess.Popen(["true"])
    dead.wait()
    oc_env.lock_dir.mkdir(mode=0o700, parents=True)
    lock = oc_env.lock_path()
    lock.write_text(json.dumps({"pid": dead.pid, "createdAt": "2026-01-01T00:00:00Z", "configPath": str(oc_env.config_path)}))

    code, out, _ = doctor(oc_env)
    assert code == 0
    assert f"[warn] Stale gateway lock: {lock} (pid {dead.pid} is not running) (fix: openclaw doctor --fix)" in out.splitlines()
    code, out, _ = doctor(oc_env, "--fix")
    assert f"[fixed] Removed stale gateway lock {lock} (pid {dead.pid} is not running)" in out.splitlines()
    assert not lock.exists()


def test_port_conflict_and_own_gateway(oc_env, start_gateway):
    busy = socket.socket()
    busy.bind((LOOPBACK, 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        oc_env.write_config(oc_env.base_config(port=port))
        code, out, _ = doctor(oc_env)
        assert code == 1
        assert f"[fail] Port {port} is already in use by another process; the gateway cannot bind it" in out.splitlines()
    finally:
        busy.close()

    oc_env.write_config(oc_env.base_config())
    gw = start_gateway()
    code, out, _ = doctor(oc_env, OPENCLAW_GATEWAY_PORT=gw.port)
    assert code == 0, out
    assert f"[ok] Port {gw.port} is served by this profile's gateway (pid {gw.pid})" in out.splitlines()


def test_other_gateway_like_units_are_listed(oc_env):
    oc_env.write_config(oc_env.base_config(port=free_port()))
    units = oc_env.home / ".config" / "systemd" / "user"
    units.mkdir(parents=True)
    (units / "clawdbot-gateway.service").write_text("[Service]\nExecStart=/usr/bin/clawdbot gateway\n")
    code, out, _ = doctor(oc_env)
    assert code == 0
    lines = out.splitlines()
    start = lines.index("[warn] Other gateway-like services detected (best effort):")
    assert lines[start + 1] == "    - clawdbot-gateway.service (user, legacy clawdbot unit)"
    assert lines[start + 2] == (f"      Cleanup hint: systemctl --user disable --now clawdbot-gateway.service && "
                                f"rm {units / 'clawdbot-gateway.service'}")
    assert "Recommendation: run a single gateway per machine for most setups. One gateway supports multiple agents." \
        in out


def test_doctor_reports_a_plugin_that_would_be_refused(oc_env):
    """cli-config §10.10: plugins whose manifests the gateway would refuse are reported."""
    oc_env.write_config({"gateway": {"mode": "local", "auth": {"token": "doctor-token-0123456789abcdef0123"}}})
    broken = oc_env.state_dir / "extensions" / "future"
    broken.mkdir(parents=True)
    (broken / "openclaw.plugin.json").write_text(json.dumps(
        {"id": "future", "version": "1.0.0", "abi": 2, "library": "libfuture.so", "runtime": "c", "configSchema": {}}))
    code, out, err = run_cli(["doctor"], oc_env.env())
    assert "[fail] plugin future: ABI 2 not supported (host ABI 1)" in out, out
    assert code == 1
