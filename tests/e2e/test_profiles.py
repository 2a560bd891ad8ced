"""Many gateways per host (cli-config §1.3, §8): two named profiles run side by side, each
with its own config, state, port and lock, and the CLI operates each without crossing."""
import json

from conftest import run_cli
from oc_helpers import free_port, write_config

PROFILE_VARS = {"OPENCLAW_STATE_DIR": None, "OPENCLAW_CONFIG_PATH": None, "OPENCLAW_PROFILE": None}


def start_profile(start_gateway, oc_env, name: str, token: str):
    port = free_port()
    write_config(oc_env.home / f".openclaw-{name}" / "openclaw.json",
                 {"gateway": {"mode": "local", "port": port, "auth": {"token": token}},
                  "logging": {"file": str(oc_env.root / f"{name}.log")}})
    gw = start_gateway(args=["--profile", name], port=port, pass_port=False, env=PROFILE_VARS, name=name)
    return gw, port


def test_two_profiles_side_by_side_through_the_cli(start_gateway, oc_env):
    a, port_a = start_profile(start_gateway, oc_env, "alpha", "alpha-token-0123456789abcdef01234567")
    b, port_b = start_profile(start_gateway, oc_env, "beta", "beta-token-0123456789abcdef012345678")
    env = oc_env.env(**PROFILE_VARS)
    for profile, port in (("alpha", port_a), ("beta", port_b)):
        code, out, err = run_cli(["--profile", profile, "health", "--json"], env)
        assert code == 0, (out, err)
        code, out, err = run_cli(["--profile", profile, "gateway", "status", "--json", "--no-probe"], env)
        assert code == 0, (out, err)
        status = json.loads(out)
        assert status["gateway"]["port"] == port
        assert status["config"]["cli"]["path"].endswith(f".openclaw-{profile}/openclaw.json")
        code, out, err = run_cli(["--profile", profile, "gateway", "call", "status"], env)
        assert code == 0, (out, err)
        assert json.loads(out)["gateway"]["port"] == port
    # Distinct state: each profile's CLI identity and config live in its own directory.
    assert (oc_env.home / ".openclaw-alpha" / "identity" / "device.json").exists()
    assert (oc_env.home / ".openclaw-beta" / "identity" / "device.json").exists()
    locks = sorted(p.name for p in oc_env.lock_dir.glob("gateway.*.lock"))
    assert len(locks) == 2, locks
    assert a.alive() and b.alive()
    assert a.stop() == 0 and b.stop() == 0


def test_dev_profile_uses_its_own_port_and_state(start_gateway, oc_env):
    """`--dev`: state in ~/.openclaw-dev, base port 19001 unless overridden, minimal config created."""
    port = free_port()
    gw = start_gateway(args=["--dev", "--port", str(port)], port=port, pass_port=False, env=PROFILE_VARS, name="dev")
    cfg = json.loads((oc_env.home / ".openclaw-dev" / "openclaw.json").read_text())
    assert cfg["gateway"]["mode"] == "local"
    assert (oc_env.home / ".openclaw-dev" / "workspace").is_dir()
    assert not (oc_env.home / ".openclaw").exists(), "the default profile is never touched"
    assert gw.stop() == 0
