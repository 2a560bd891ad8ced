"""`openclaw gateway install|start|stop|restart|uninstall` (cli-config §10.4, §12).

Two modes:
- always: without a reachable user manager every command says `systemd user services
  unavailable.` and exits 1, writing nothing;
- with a private user manager (`systemd --user` in its own mount namespace, HOME and
  XDG_RUNTIME_DIR under tmp_path; needs root, `unshare` and systemd): the full life cycle for
  real — install writes exactly the spec's unit, Type=notify readiness, restart, stop, start,
  disable, uninstall, the restart preflight and doctor's drift repair. Skipped with the reason
  when the host cannot run a user manager.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from conftest import BIN, TEST_TOKEN, run_cli
from oc_helpers import LOOPBACK, free_port, port_accepts, wait_until

SYSTEMD = next((p for p in ("/lib/systemd/systemd", "/usr/lib/systemd/systemd") if os.access(p, os.X_OK)), None)
UNAVAILABLE = "systemd user services unavailable."

SPEC_UNIT = """[Unit]
Description={description}
After=network-online.target
Wants=network-online.target
StartLimitBurst=5
StartLimitIntervalSec=60

[Service]
Type=notify
WatchdogSec=30
ExecStart={bin} gateway --port {port}
Restart=always
RestartSec=5
RestartPreventExitStatus=78
TimeoutStopSec=30
TimeoutStartSec=30
SuccessExitStatus=0 143
OOMPolicy=continue
KillMode=control-group
WorkingDirectory=%h
EnvironmentFile=-%h/{state}/gateway.env
Environment=HOME=%h
Environment=PATH=/usr/local/bin:/usr/bin:/bin
{profile_line}Environment=OPENCLAW_STATE_DIR=%h/{state}
Environment=OPENCLAW_CONFIG_PATH=%h/{state}/openclaw.json
Environment=OPENCLAW_GATEWAY_PORT={port}
Environment=OPENCLAW_SYSTEMD_UNIT={unit}
Environment=OPENCLAW_SERVICE_MARKER=openclaw
Environment=OPENCLAW_SERVICE_KIND=gateway
Environment=OPENCLAW_SERVICE_VERSION=0.1.0

[Install]
WantedBy=default.target
"""


def expected_unit(port: int, profile: str | None = None) -> str:
    unit = f"openclaw-gateway-{profile}.service" if profile else "openclaw-gateway.service"
    return SPEC_UNIT.format(
        description=f"OpenClaw Gateway (profile: {profile}, v0.1.0)" if profile else "OpenClaw Gateway",
        bin=os.path.realpath(BIN), port=port, state=f".openclaw-{profile}" if profile else ".openclaw",
        profile_line=f"Environment=OPENCLAW_PROFILE={profile}\n" if profile else "", unit=unit)


def unit_dir(home: Path) -> Path:
    return home / ".config" / "systemd" / "user"


# --------------------------------------------------------------------------- no user manager

@pytest.mark.parametrize("args", [
    ["gateway", "install"], ["gateway", "start"], ["gateway", "stop"], ["gateway", "stop", "--disable"],
    ["gateway", "restart"], ["gateway", "uninstall"],
])
def test_unreachable_user_manager_is_an_error(oc_env, tmp_path, args):
    oc_env.write_config(oc_env.base_config())
    units = unit_dir(oc_env.home)
    if args[1] == "uninstall":  # uninstall has something to do only when a unit exists
        units.mkdir(parents=True)
        (units / "openclaw-gateway.service").write_text(expected_unit(18789))
    env = oc_env.env(XDG_RUNTIME_DIR=tmp_path / "no-manager", DBUS_SESSION_BUS_ADDRESS=None)
    code, out, err = run_cli(args, env)
    assert code == 1, (out, err)
    assert err.splitlines()[0] == UNAVAILABLE, err
    assert any("loginctl enable-linger" in line for line in err.splitlines())
    assert out == ""
    if args[1] == "install":
        assert not units.exists(), "nothing is written without a manager"
    if args[1] == "uninstall":
        assert (units / "openclaw-gateway.service").exists()


def test_missing_systemctl_is_unavailable_too(oc_env, tmp_path):
    oc_env.write_config(oc_env.base_config())
    empty = tmp_path / "empty-path"
    empty.mkdir()
    code, out, err = run_cli(["gateway", "install", "--json"], oc_env.env(PATH=empty))
    assert code == 1
    result = json.loads(out)
    assert result["ok"] is False and result["error"] == UNAVAILABLE
    assert result["lines"][1].startswith("systemctl --user: cannot run systemctl")


def test_install_refuses_token_and_password_without_mode(oc_env):
    oc_env.write_config(oc_env.base_config(token=None, auth={"password": "pw-123456"}))
    code, out, err = run_cli(["gateway", "install", "--token", TEST_TOKEN], oc_env.env())
    assert code == 1
    assert err.strip() == ("Both gateway.auth.token and gateway.auth.password are set; set gateway.auth.mode "
                           "explicitly before installing the service.")


# --------------------------------------------------------------------------- private user manager

def _manager_skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "a private user manager needs root (mount namespace for /run/systemd/system)"
    if SYSTEMD is None or shutil.which("systemctl") is None:
        return "systemd is not installed (apt-get install systemd)"
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed"
    if subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
        return "cannot create a mount namespace (unshare -m) here"
    return None


class UserManager:
    """`systemd --user` for one test. systemd refuses to run a user instance unless the host
    was booted with systemd (/run/systemd/system exists); a tmpfs over /run/systemd in a
    private mount namespace provides that marker without touching the host."""

    SCRIPT = ("mount -t tmpfs tmpfs /run/systemd 2>/dev/null || { mkdir -p /run/systemd && "
              "mount -t tmpfs tmpfs /run/systemd; } && mkdir -p /run/systemd/system && exec \"$0\" --user")

    def __init__(self, oc_env, runtime_dir: Path):
        runtime_dir.mkdir(mode=0o700)
        self.env = oc_env.env(XDG_RUNTIME_DIR=runtime_dir, DBUS_SESSION_BUS_ADDRESS=None)
        self.log = oc_env.root / "user-manager.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c", self.SCRIPT, SYSTEMD],
                                         env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         start_new_session=True)
        ok = wait_until(lambda: self.proc.poll() is not None or self.systemctl("show", "--property=Version").returncode == 0, 15)
        if not ok or self.proc.poll() is not None:
            self.stop()
            pytest.skip(f"systemd --user did not come up here: {self.log.read_text(errors='replace')[-500:]}")

    def systemctl(self, *args) -> subprocess.CompletedProcess:
        return subprocess.run(["systemctl", "--user", *args], env=self.env, capture_output=True, text=True, timeout=60)

    def show(self, unit: str, *props) -> dict:
        out = self.systemctl("show", unit, "--property=" + ",".join(props)).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def stop(self):
        if self.proc.poll() is None:
            # SIGTERM makes a user manager stop its units (KillMode=control-group) and exit.
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


@pytest.fixture
def manager(oc_env, tmp_path):
    reason = _manager_skip_reason()
    if reason:
        pytest.skip(reason)
    m = UserManager(oc_env, tmp_path / "xdg-runtime")
    yield m
    m.stop()


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://{LOOPBACK}:{port}/healthz", timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False


def test_full_life_cycle_under_a_real_user_manager(oc_env, manager):
    port = free_port()
    oc_env.write_config(oc_env.base_config(port=port))
    env = manager.env
    unit = unit_dir(oc_env.home) / "openclaw-gateway.service"

    code, out, err = run_cli(["gateway", "install"], env, timeout=120)
    assert (code, out.strip()) == (0, f"Installed systemd service: {unit}"), err
    assert unit.read_text() == expected_unit(port)
    assert "gateway.auth.token" not in unit.read_text() and TEST_TOKEN not in unit.read_text()
    # Type=notify: `systemctl restart` returned after READY=1, so the gateway already answers.
    assert _healthy(port)
    props = manager.show("openclaw-gateway.service", "ActiveState", "SubState", "Type", "WatchdogUSec", "MainPID",
                         "UnitFileState", "NRestarts")
    assert props["ActiveState"] == "active" and props["SubState"] == "running", props
    assert props["Type"] == "notify" and props["WatchdogUSec"] == "30s"
    assert props["UnitFileState"] == "enabled"
    first_pid = int(props["MainPID"])
    assert first_pid > 0

    code, out, _ = run_cli(["gateway", "install"], env)
    assert (code, out.strip()) == (0, f"Gateway service already installed: {unit} (use --force to reinstall)")

    code, out, err = run_cli(["gateway", "restart"], env, timeout=120)
    assert code == 0, err
    new_pid = int(manager.show("openclaw-gateway.service", "MainPID")["MainPID"])
    assert out.strip() == f"Gateway restarted (pid {new_pid})"
    assert new_pid != first_pid and _healthy(port)

    code, out, err = run_cli(["gateway", "stop"], env, timeout=60)
    assert (code, out.strip()) == (0, "Stopped openclaw-gateway.service"), err
    assert not port_accepts(port)
    assert manager.show("openclaw-gateway.service", "ActiveState")["ActiveState"] == "inactive"

    code, out, err = run_cli(["gateway", "start"], env, timeout=60)
    assert (code, out.strip()) == (0, "Started openclaw-gateway.service"), err
    assert _healthy(port)

    code, out, err = run_cli(["gateway", "stop", "--disable"], env, timeout=60)
    assert code == 0, err
    assert manager.show("openclaw-gateway.service", "UnitFileState")["UnitFileState"] == "disabled"

    code, out, err = run_cli(["gateway", "uninstall"], env, timeout=60)
    assert (code, out.strip()) == (0, f"Removed {unit}"), err
    assert not unit.exists()
    assert manager.show("openclaw-gateway.service", "LoadState")["LoadState"] == "not-found"

    code, out, err = run_cli(["gateway", "start"], env)
    assert code == 1
    assert err.splitlines()[:2] == ["Service unit not found.", "Run: openclaw gateway install"]


def test_profile_install_with_token_and_systemd_analyze(oc_env, manager):
    port = free_port()
    state = oc_env.home / ".openclaw-work"
    env = dict(manager.env)
    for key in ("OPENCLAW_STATE_DIR", "OPENCLAW_CONFIG_PATH"):
        env.pop(key)  # let --profile choose them
    oc_env.write_config({"gateway": {"mode": "local"}, "logging": {"file": str(oc_env.log_path)}},
                        path=state / "openclaw.json")
    code, out, err = run_cli(["--profile", "work", "gateway", "install", "--port", port, "--token", TEST_TOKEN, "--json"],
                             env, timeout=120)
    assert code == 0, (out, err)
    unit = unit_dir(oc_env.home) / "openclaw-gateway-work.service"
    assert json.loads(out) == {"ok": True, "result": "installed", "unit": unit.name, "unitPath": str(unit), "port": port}
    assert unit.read_text() == expected_unit(port, profile="work")
    assert oc_env.read_config(state / "openclaw.json")["gateway"]["auth"]["token"] == TEST_TOKEN
    assert TEST_TOKEN not in unit.read_text()
    r = httpx.get(f"http://{LOOPBACK}:{port}/healthz", timeout=5)
    assert r.status_code == 200

    # --force rewrites the unit for a new port and restarts the service on it.
    new_port = free_port()
    code, out, err = run_cli(["--profile", "work", "gateway", "install", "--force", "--port", new_port], env, timeout=120)
    assert (code, out.strip()) == (0, f"Installed systemd service: {unit}"), err
    assert unit.read_text() == expected_unit(new_port, profile="work")
    assert _healthy(new_port) and not port_accepts(port)

    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    verify = subprocess.run(["systemd-analyze", "--user", "verify", str(unit)], env=env, capture_output=True, text=True,
                            timeout=60)
    assert verify.returncode == 0 and verify.stderr.strip() == "", verify.stderr


def test_restart_preflight_restores_a_backup_or_blocks(oc_env, manager):
    port = free_port()
    oc_env.write_config(oc_env.base_config(port=port))
    env = manager.env
    assert run_cli(["gateway", "install"], env, timeout=120)[0] == 0
    # A CLI write leaves the valid file as .bak; then the operator breaks the config.
    assert run_cli(["config", "set", "gateway.reload.mode", "off"], env)[0] == 0
    oc_env.config_path.write_text('{gateway: {mode: "local", port: %d, bogus: 1}}' % port)

    code, out, err = run_cli(["gateway", "restart", "--wait", "20s"], env, timeout=120)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == (f"Config was invalid; restored {oc_env.config_path}.bak "
                        f"(invalid file kept at {oc_env.config_path}.bak)")
    assert lines[1].startswith("Gateway restarted (pid ")
    assert "bogus" not in oc_env.config_path.read_text()

    oc_env.config_path.write_text("{gateway: {mode: 'local', bogus: 1}}")
    for backup in oc_env.config_path.parent.glob("openclaw.json.bak*"):
        backup.write_text("{nope: 1}")
    code, out, err = run_cli(["gateway", "restart"], env, timeout=60)
    assert code == 78
    assert "Restart blocked: the config is invalid" in err
    assert err.splitlines()[-2:] == ["Run: openclaw config validate", "Run: openclaw doctor"]
    assert _healthy(port), "a blocked restart leaves the running gateway alone"


def test_doctor_repairs_port_drift_and_restarts_the_service(oc_env, manager):
    old_port, new_port = free_port(), free_port()
    oc_env.write_config(oc_env.base_config(port=old_port, reload={"mode": "off"}))
    env = manager.env
    assert run_cli(["gateway", "install"], env, timeout=120)[0] == 0
    assert _healthy(old_port)
    assert run_cli(["config", "set", "gateway.port", new_port], env)[0] == 0

    code, out, err = run_cli(["doctor", "--non-interactive"], env, timeout=60)
    assert code == 0, out  # drift is a warning, not blocking
    assert "Gateway service port does not match current gateway config" in out
    assert f"(service: {old_port}, config: {new_port})" in out

    code, out, err = run_cli(["doctor", "--fix"], env, timeout=120)
    assert code == 0, out
    assert f"[fixed] Rewrote {unit_dir(oc_env.home) / 'openclaw-gateway.service'}" in out
    assert (unit_dir(oc_env.home) / "openclaw-gateway.service").read_text() == expected_unit(new_port)
    assert wait_until(lambda: _healthy(new_port), 15), "try-restart moved the running gateway to the new port"

    code, out, _ = run_cli(["doctor"], env, timeout=60)
    assert code == 0
    assert "[ok] Service unit is current" in out
    assert f"[ok] Port {new_port} is served by this profile's gateway" in out
