"""Operator CLI commands that need no gateway (cli-config.md §1.3, §10, §10.11)."""
from __future__ import annotations

import os
import stat

from conftest import run_cli


def test_setup_creates_minimal_config(oc_env):
    code, out, err = run_cli(["setup"], oc_env.env())
    assert code == 0, (out, err)
    assert f"Config: {oc_env.config_path}" in out.splitlines()
    assert oc_env.read_config() == {"gateway": {"mode": "local"}}
    assert stat.S_IMODE(os.stat(oc_env.config_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(oc_env.state_dir).st_mode) == 0o700


def test_setup_never_overwrites(oc_env):
    oc_env.write_config({"gateway": {"mode": "local", "port": 12345}})
    before = oc_env.config_path.read_bytes()
    code, out, err = run_cli(["setup"], oc_env.env())
    assert code == 0, (out, err)
    assert oc_env.config_path.read_bytes() == before


def test_setup_then_gateway_starts(oc_env, start_gateway):
    assert run_cli(["setup"], oc_env.env())[0] == 0
    gw = start_gateway()
    assert gw.alive()


def test_config_validate_ok(oc_env):
    oc_env.write_config(oc_env.base_config())
    code, out, err = run_cli(["config", "validate"], oc_env.env())
    assert code == 0, (out, err)
    assert f"Config valid: {oc_env.config_path}" in out.splitlines()


def test_config_validate_invalid(oc_env):
    oc_env.write_config({"gateway": {"mode": "local", "bogus": True}})
    code, out, err = run_cli(["config", "validate"], oc_env.env())
    assert code == 78, (code, out, err)
    got = [ln.strip() for ln in (out + err).splitlines()]
    assert f"Invalid config at {oc_env.config_path}:" in got
    assert any(ln.startswith("- gateway.bogus") for ln in got)


def test_dev_and_profile_cannot_combine(oc_env):
    code, out, err = run_cli(["--dev", "--profile", "x", "gateway"], oc_env.env())
    assert code == 1
    assert "Cannot combine --dev with --profile" in out + err


def test_invalid_profile_name(oc_env):
    code, out, err = run_cli(["--profile", "bad name!", "gateway"], oc_env.env())
    assert code == 1
    assert 'Invalid --profile (use letters, numbers, "_", "-" only)' in out + err


def test_profile_requires_value(oc_env):
    code, out, err = run_cli(["--profile"], oc_env.env())
    assert code == 1
    assert "--profile requires a value" in out + err


def test_profile_selects_state_dir(oc_env):
    env = oc_env.env(OPENCLAW_STATE_DIR=None, OPENCLAW_CONFIG_PATH=None)
    code, out, err = run_cli(["--profile", "rescue", "setup"], env)
    assert code == 0, (out, err)
    assert (oc_env.home / ".openclaw-rescue" / "openclaw.json").is_file()
    assert not (oc_env.home / ".openclaw" / "openclaw.json").exists()
