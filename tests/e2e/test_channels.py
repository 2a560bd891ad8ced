"""`channels.status` (protocol §12.2, plugin-abi §2): plugins that declare channels answer
`<pluginId>.channelStatus`; the host merges the rows; the CLI prints one line per account.
The C example plugin provides the demo channel `echo`."""
import json

from conftest import run_cli
from test_plugins import install_echo, plugin_config


def test_channels_status_live_from_the_c_plugin(start_gateway, oc_env):
    install_echo(oc_env.state_dir)
    oc_env.write_config(plugin_config(oc_env, "echo-c"))
    gw = start_gateway()
    assert gw.wait_ready()
    env = oc_env.env()
    code, out, err = run_cli(["channels", "status", "--url", gw.ws_url, "--token", gw.token], env)
    assert code == 0, (out, err)
    assert "- Echo default: enabled, configured, running" in out, out
    code, out, err = run_cli(["channels", "status", "--json", "--url", gw.ws_url, "--token", gw.token], env)
    assert code == 0, err
    data = json.loads(out)
    assert data["channelOrder"] == ["echo"] and data["channelLabels"] == {"echo": "Echo"}
    assert data["channelAccounts"]["echo"][0]["accountId"] == "default"


def test_channels_status_without_gateway_falls_back_to_config(oc_env):
    oc_env.write_config({"gateway": {"mode": "local", "port": 1}, "channels": {"echo": {"enabled": True, "token": "x"}}})
    code, out, err = run_cli(["channels", "status", "--url", "ws://127.0.0.1:1"], oc_env.env())
    assert code == 0, (out, err)
    assert out.splitlines()[0] == "Gateway not reachable; showing config-only status."
    assert "Gateway not reachable: " in err
