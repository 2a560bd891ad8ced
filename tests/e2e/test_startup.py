"""Startup guards, exit codes and exact failure texts (cli-config.md §3, §4, §8, §10.1, §11)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from conftest import TEST_TOKEN, run_cli
from oc_helpers import LOOPBACK, free_port, port_accepts, wait_until

EX_CONFIG = 78
AUTH_HINT = ("Set gateway.auth.token/password (or OPENCLAW_GATEWAY_TOKEN/OPENCLAW_GATEWAY_PASSWORD) "
             "or pass --token/--password.")


def lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines()]


def gateway_cli(oc, *args, env=None, timeout=10.0, port=None):
    """Run `openclaw gateway --port <free> ...` expecting it to exit by itself."""
    port = port or free_port()
    return run_cli(["gateway", "--port", port, *args], oc.env(**(env or {})), timeout=timeout)


# --------------------------------------------------------------------------- mode guards

def test_missing_config_refused(oc_env):
    code, out, err = gateway_cli(oc_env)
    assert code == EX_CONFIG, (code, out, err)
    assert ("Missing config. Run `openclaw setup` or set gateway.mode=local "
            "(or pass --allow-unconfigured).") in lines(out + err)
    assert not oc_env.config_path.exists(), "a refused start must not create the config"


def test_remote_mode_blocked(oc_env):
    oc_env.write_config({"gateway": {"mode": "remote"}})
    code, out, err = gateway_cli(oc_env)
    assert code == EX_CONFIG, (code, out, err)
    got = lines(out + err)
    first = "Gateway start blocked: set gateway.mode=local (current: remote) or pass --allow-unconfigured."
    assert first in got
    audit = f"Config write audit: {oc_env.state_dir}/logs/config-audit.jsonl"
    assert got[got.index(first) + 1] == audit, got


def test_unset_mode_blocked(oc_env):
    oc_env.write_config({"gateway": {"port": 18789}})
    code, out, err = gateway_cli(oc_env)
    assert code == EX_CONFIG, (code, out, err)
    assert ("Gateway start blocked: set gateway.mode=local (current: unset) or pass "
            "--allow-unconfigured.") in lines(out + err)


def test_allow_unconfigured_starts_without_config(start_gateway, oc_env):
    gw = start_gateway(args=["--allow-unconfigured"])
    assert httpx.get(f"{gw.url}/healthz", timeout=5).status_code == 200


def test_allow_unconfigured_overrides_remote_mode(start_gateway, oc_env):
    oc_env.write_config({"gateway": {"mode": "remote", "auth": {"token": TEST_TOKEN}}})
    gw = start_gateway(args=["--allow-unconfigured"])
    assert httpx.get(f"{gw.url}/healthz", timeout=5).status_code == 200


# --------------------------------------------------------------------------- invalid config

def test_unknown_key_is_invalid_config(oc_env):
    oc_env.write_config({"gateway": {"mode": "local", "bogus": 1}})
    code, out, err = gateway_cli(oc_env)
    assert code == EX_CONFIG, (code, out, err)
    got = lines(out + err)
    header = f"Invalid config at {oc_env.config_path}:"
    assert header in got, got
    issues = got[got.index(header) + 1:]
    assert any(ln.startswith("- gateway.bogus") for ln in issues), got


def test_wrong_type_is_invalid_config(oc_env):
    oc_env.write_config({"gateway": {"mode": "local", "port": "not-a-number"}})
    code, out, err = gateway_cli(oc_env)
    assert code == EX_CONFIG, (code, out, err)
    got = lines(out + err)
    assert f"Invalid config at {oc_env.config_path}:" in got
    assert any(ln.startswith("- gateway.port") for ln in got), got


def test_bad_enum_is_invalid_config(oc_env):
    oc_env.write_config({"gateway": {"mode": "local", "reload": {"mode": "sometimes"}}})
    code, out, err = gateway_cli(oc_env)
    assert code == EX_CONFIG, (code, out, err)
    assert any(ln.startswith("- gateway.reload.mode") for ln in lines(out + err)), out + err


def test_unparseable_config_is_invalid(oc_env):
    oc_env.write_config("{ gateway: { mode: 'local', ")
    code, out, err = gateway_cli(oc_env)
    assert code == EX_CONFIG, (code, out, err)
    assert f"Invalid config at {oc_env.config_path}:" in lines(out + err)


def test_json5_config_accepted(start_gateway, oc_env):
    oc_env.write_config(f"""// JSON5: comments, unquoted keys, single quotes, trailing commas
{{
  gateway: {{
    mode: 'local', /* block comment */
    auth: {{ token: "{TEST_TOKEN}", }},
  }},
  logging: {{ file: "{oc_env.log_path}", }},
}}
""")
    gw = start_gateway()
    r = httpx.post(f"{gw.url}/tools/invoke", json={"tool": "echo", "args": {"text": "x"}},
                   headers={"Authorization": f"Bearer {TEST_TOKEN}"}, timeout=5)
    assert r.status_code != 401, "token from the JSON5 config was not used"


def test_missing_env_var_in_config(oc_env):
    oc_env.write_config({"gateway": {"mode": "local", "controlUi": {"basePath": "${OC_E2E_UNSET_VAR}"}}})
    code, out, err = gateway_cli(oc_env, env={"OC_E2E_UNSET_VAR": None})
    assert code == EX_CONFIG, (code, out, err)
    assert "OC_E2E_UNSET_VAR" in out + err


# --------------------------------------------------------------------------- flags

@pytest.mark.parametrize("value", ["abc", "0", "65536", "70000", "-1", "12.5", ""])
def test_invalid_port_flag(oc_env, value):
    oc_env.write_config(oc_env.base_config())
    code, out, err = run_cli(["gateway", "--port", value], oc_env.env(), timeout=10)
    assert code == 1, (code, out, err)
    assert "Invalid port" in lines(out + err)


def test_invalid_port_env(oc_env):
    oc_env.write_config(oc_env.base_config())
    code, out, err = run_cli(["gateway"], oc_env.env(OPENCLAW_GATEWAY_PORT="nope"), timeout=10)
    assert code == 1, (code, out, err)
    assert "Invalid port" in lines(out + err)


@pytest.mark.parametrize("value", ["wifi", "0.0.0.0", "LOOPBACK!", ""])
def test_invalid_bind_flag(oc_env, value):
    oc_env.write_config(oc_env.base_config())
    code, out, err = gateway_cli(oc_env, "--bind", value)
    assert code == 1, (code, out, err)
    assert ('Invalid --bind (use "loopback", "lan", "tailnet", "auto", or "custom")'
            in lines(out + err))


def test_custom_bind_requires_ipv4_host(oc_env):
    oc_env.write_config(oc_env.base_config(bind="custom", customBindHost="not-an-ip"))
    code, out, err = gateway_cli(oc_env)
    assert code == EX_CONFIG, (code, out, err)
    assert 'gateway.bind=custom requires a valid IPv4 customBindHost, got "not-an-ip"' in out + err


# --------------------------------------------------------------------------- auth startup checks (§4)

def test_lan_bind_without_token_refused(oc_env):
    oc_env.write_config(oc_env.base_config(token=None))
    code, out, err = gateway_cli(oc_env, "--bind", "lan")
    assert code == EX_CONFIG, (code, out, err)
    got = lines(err)
    assert "Refusing to bind gateway to lan without auth." in got, err
    assert got[got.index("Refusing to bind gateway to lan without auth.") + 1] == AUTH_HINT
    # Never silently protected by a generated token nobody knows (§4 "Order matters").
    cfg = oc_env.read_config()
    assert "token" not in cfg["gateway"].get("auth", {})


def test_lan_bind_with_auth_none_refused(oc_env):
    oc_env.write_config(oc_env.base_config(token=None, auth={"mode": "none"}))
    code, out, err = gateway_cli(oc_env, "--bind", "lan")
    assert code == EX_CONFIG, (code, out, err)
    got = lines(err)
    assert "Refusing to bind gateway to lan without auth." in got
    assert AUTH_HINT in got


def test_lan_bind_password_mode_without_password_refused(oc_env):
    oc_env.write_config(oc_env.base_config(token=None))
    code, out, err = gateway_cli(oc_env, "--bind", "lan", "--auth", "password")
    assert code == EX_CONFIG, (code, out, err)
    got = lines(out + err)
    assert ("Refusing to bind gateway to lan without auth." in got
            or "Gateway auth is set to password, but no password is configured." in got), got


def test_remote_token_hint_on_lan_refusal(oc_env):
    oc_env.write_config(oc_env.base_config(token=None, remote={"token": "client-side-only"}))
    code, out, err = gateway_cli(oc_env, "--bind", "lan")
    assert code == EX_CONFIG, (code, out, err)
    assert ('"gateway.remote.token" is for remote CLI calls; it does not enable local gateway auth.'
            in lines(err)), err


def test_password_mode_without_password(oc_env):
    oc_env.write_config(oc_env.base_config(token=None))
    code, out, err = gateway_cli(oc_env, "--auth", "password")
    assert code == EX_CONFIG, (code, out, err)
    got = lines(out + err)
    first = "Gateway auth is set to password, but no password is configured."
    assert first in got, got
    assert got[got.index(first) + 1] == \
        "Set gateway.auth.password (or OPENCLAW_GATEWAY_PASSWORD), or pass --password."


def test_password_mode_from_config_without_password(oc_env):
    oc_env.write_config(oc_env.base_config(token=None, auth={"mode": "password"}))
    code, out, err = gateway_cli(oc_env)
    assert code == EX_CONFIG, (code, out, err)
    assert "Gateway auth is set to password, but no password is configured." in lines(out + err)


def test_trusted_proxy_without_block(oc_env):
    oc_env.write_config(oc_env.base_config(token=None, auth={"mode": "trusted-proxy"},
                                           trustedProxies=["127.0.0.1"]))
    code, out, err = gateway_cli(oc_env)
    assert code == EX_CONFIG, (code, out, err)
    assert ("gateway auth mode is trusted-proxy, but no trustedProxy config was provided "
            "(set gateway.auth.trustedProxy)") in out + err


def test_trusted_proxy_without_trusted_proxies(oc_env):
    oc_env.write_config(oc_env.base_config(
        token=None, auth={"mode": "trusted-proxy", "trustedProxy": {"userHeader": "x-forwarded-user"}}))
    code, out, err = gateway_cli(oc_env)
    assert code == EX_CONFIG, (code, out, err)
    assert "gateway auth mode=trusted-proxy requires gateway.trustedProxies to be configured" in out + err


def test_trusted_proxy_with_shared_token(oc_env):
    oc_env.write_config(oc_env.base_config(
        token=None, trustedProxies=["127.0.0.1"],
        auth={"mode": "trusted-proxy", "token": TEST_TOKEN,
              "trustedProxy": {"userHeader": "x-forwarded-user"}}))
    code, out, err = gateway_cli(oc_env)
    assert code == EX_CONFIG, (code, out, err)
    assert ("gateway auth mode is trusted-proxy, but a shared token is also configured; remove "
            "gateway.auth.token / OPENCLAW_GATEWAY_TOKEN because trusted-proxy and token auth are "
            "mutually exclusive") in out + err


def test_auth_none_warns(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config(token=None, auth={"mode": "none"}))
    gw = start_gateway()
    assert wait_until(lambda: "Gateway auth mode=none explicitly configured; all gateway connections "
                      "are unauthenticated." in gw.log_text(), 3), gw.log_text()


# --------------------------------------------------------------------------- port precedence (§3.1)

def test_port_precedence(start_gateway, oc_env):
    p_flag, p_env, p_cfg = free_port(), free_port(), free_port()
    assert len({p_flag, p_env, p_cfg}) == 3
    oc_env.write_config(oc_env.base_config(port=p_cfg))

    gw = start_gateway(port=p_flag, env={"OPENCLAW_GATEWAY_PORT": p_env})
    assert not port_accepts(p_env) and not port_accepts(p_cfg)
    assert gw.stop() == 0

    gw = start_gateway(port=p_env, pass_port=False, env={"OPENCLAW_GATEWAY_PORT": p_env})
    assert not port_accepts(p_cfg)
    assert gw.stop() == 0

    gw = start_gateway(port=p_cfg, pass_port=False)
    assert httpx.get(f"{gw.url}/healthz", timeout=5).status_code == 200
    assert gw.stop() == 0


# --------------------------------------------------------------------------- single instance (§8)

def test_port_in_use_by_another_gateway(start_gateway, make_env):
    a, b = make_env("a"), make_env("b")
    a.write_config(a.base_config())
    b.write_config(b.base_config())
    gw_a = start_gateway(oc=a)
    t0 = time.monotonic()
    code, out, err = run_cli(["gateway", "--port", gw_a.port], b.env(), timeout=15)
    assert code == 1, (code, out, err)
    assert (f"Gateway failed to start: another gateway instance is already listening on "
            f"ws://{LOOPBACK}:{gw_a.port}") in lines(err), err
    assert time.monotonic() - t0 < 10
    assert gw_a.alive()


def test_lock_held_by_running_gateway(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config())
    first = start_gateway()
    t0 = time.monotonic()
    code, out, err = run_cli(["gateway", "--port", free_port()], oc_env.env(), timeout=20)
    elapsed = time.monotonic() - t0
    assert code == 1, (code, out, err)
    assert f"gateway already running (pid {first.pid}); lock timeout after 5000ms" in out + err
    assert 4.5 <= elapsed < 12, elapsed
    assert first.alive()


def test_lock_file_contents_and_release(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config())
    gw = start_gateway()
    lock = oc_env.lock_path()
    assert lock.is_file(), sorted(p.name for p in oc_env.lock_dir.glob("*"))
    assert oct(oc_env.lock_dir.stat().st_mode & 0o777) == oct(0o700)
    data = json.loads(lock.read_text())
    assert data["pid"] == gw.pid
    assert data["configPath"] == str(oc_env.config_path)
    assert isinstance(data["startTime"], int) and isinstance(data["createdAt"], str)
    assert gw.stop() == 0
    assert not lock.exists(), "lock must be removed on shutdown"


def test_stale_lock_is_taken_over(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config())
    oc_env.lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(oc_env.lock_dir, 0o700)
    # A pid that is certainly dead: a child we started and reaped.
    dead = subprocess.Popen(["true"])
    dead.wait()
    oc_env.lock_path().write_text(json.dumps({
        "pid": dead.pid, "createdAt": "2020-01-01T00:00:00Z",
        "configPath": str(oc_env.config_path), "startTime": 1}))
    t0 = time.monotonic()
    gw = start_gateway()
    assert time.monotonic() - t0 < 5
    assert json.loads(oc_env.lock_path().read_text())["pid"] == gw.pid


def test_allow_multi_gateway_skips_lock(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config())
    a = start_gateway(env={"OPENCLAW_ALLOW_MULTI_GATEWAY": "1"})
    b = start_gateway(env={"OPENCLAW_ALLOW_MULTI_GATEWAY": "1"})
    assert a.alive() and b.alive() and a.port != b.port


def test_two_gateways_side_by_side(start_gateway, make_env):
    a, b = make_env("a"), make_env("b")
    a.write_config(a.base_config())
    b.write_config(b.base_config(token="second-gateway-token-abcdef0123456789abcdef"))
    b.vars["TMPDIR"] = a.vars["TMPDIR"]          # same lock dir: the lock files must differ
    b.tmpdir = a.tmpdir
    gw_a = start_gateway(oc=a)
    gw_b = start_gateway(oc=b)
    for gw in (gw_a, gw_b):
        r = httpx.get(f"{gw.url}/healthz", timeout=5)
        assert r.status_code == 200 and r.json() == {"ok": True, "status": "live"}
    la, lb = a.lock_path(), b.lock_path(b.config_path)
    assert la != lb and la.is_file() and lb.is_file()
    assert json.loads(la.read_text())["pid"] == gw_a.pid
    assert json.loads(lb.read_text())["pid"] == gw_b.pid


# --------------------------------------------------------------------------- --force

LISTENER = """
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
print("listening", flush=True)
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    time.sleep(0.1)
"""


def test_force_frees_port(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config())
    port = free_port()
    holder = subprocess.Popen([sys.executable, "-c", LISTENER, str(port)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "listening"
        assert port_accepts(port)
        gw = start_gateway(port=port, args=["--force"])
        assert holder.wait(timeout=5) is not None, "port holder should have been terminated"
        r = httpx.get(f"{gw.url}/healthz", timeout=5)
        assert r.status_code == 200
        assert f"force: killed pid {holder.pid}" in gw.log_text()
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait(timeout=5)


def test_force_with_free_port(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config())
    gw = start_gateway(args=["--force"])
    assert wait_until(lambda: f"force: no listeners on port {gw.port}" in gw.log_text(), 3), gw.log_text()


# --------------------------------------------------------------------------- --dev (quick start)

def test_dev_allow_unconfigured_quick_start(start_gateway, oc_env):
    if port_accepts(19001):
        pytest.skip("port 19001 is busy on this machine")
    oc_env.vars.pop("OPENCLAW_STATE_DIR")
    oc_env.vars.pop("OPENCLAW_CONFIG_PATH")
    gw = start_gateway(args=["--dev", "--allow-unconfigured"], port=19001, pass_port=False)
    assert httpx.get(f"{gw.url}/healthz", timeout=5).status_code == 200
    dev_cfg = oc_env.home / ".openclaw-dev" / "openclaw.json"
    assert dev_cfg.is_file()
    assert not (oc_env.home / ".openclaw" / "openclaw.json").exists(), "--dev touched the default profile"
    assert gw.stop() == 0
