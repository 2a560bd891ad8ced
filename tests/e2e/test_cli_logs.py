"""`openclaw logs` over `logs.tail` (cli-config.md §10.7): one-shot tail, `--json`, the
unreachable error, and `--follow` printing new lines, surviving a gateway restart and
ending with exit 0 on Ctrl-C (SIGINT)."""
from __future__ import annotations

import json
import signal
import subprocess
import threading
import time

from conftest import BIN, run_cli
from oc_helpers import free_port


def cli(oc, port, *args):
    return run_cli(list(args), oc.env(OPENCLAW_GATEWAY_PORT=port))


def test_logs_tail(gateway, oc_env):
    code, out, err = cli(oc_env, gateway.port, "logs")
    assert code == 0, (out, err)
    lines = out.splitlines()
    assert any(line.endswith(" info gateway ready") for line in lines), lines
    code, out, _ = cli(oc_env, gateway.port, "logs", "--limit", "1")
    assert code == 0 and len(out.splitlines()) == 1
    code, out, _ = cli(oc_env, gateway.port, "logs", "--json", "--limit", "5")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and 1 <= len(records) <= 5
    assert all({"time", "level", "subsystem", "msg"} <= set(r) for r in records)


def test_logs_unreachable(oc_env):
    oc_env.write_config(oc_env.base_config())
    port = free_port()
    code, out, err = cli(oc_env, port, "logs")
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert lines[0] == f"Gateway not reachable: connect ECONNREFUSED 127.0.0.1:{port}"
    assert str(oc_env.log_path) in lines[1]


def test_bad_logs_options(oc_env):
    for args in (["--limit", "0"], ["--max-bytes", "x"], ["--interval", "-5"]):
        assert run_cli(["logs", *args], oc_env.env())[0] == 1, args


class Follower:
    """`openclaw logs --follow` with its stdout collected line by line on a thread."""

    def __init__(self, oc, port):
        self.proc = subprocess.Popen([str(BIN), "logs", "--follow", "--interval", "100", "--limit", "5"],
                                     env=oc.env(OPENCLAW_GATEWAY_PORT=port), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, needle: str, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(needle in line for line in self.lines):
                return True
            time.sleep(0.05)
        return False

    def interrupt(self) -> tuple[int | None, str]:
        self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = None
        return code, self.proc.stderr.read()


def provoke_log_line(oc, port) -> None:
    """A wrong token makes the gateway log `unauthorized conn=…` — from a state dir without
    the follower's paired device, whose stored device token would be accepted instead."""
    run_cli(["health", "--token", "wrong-token-for-logs"],
            oc.env(OPENCLAW_GATEWAY_PORT=port, OPENCLAW_STATE_DIR=oc.root / "unpaired-state"))


def test_logs_follow_prints_new_lines_and_exits_0_on_sigint(gateway, oc_env):
    follower = Follower(oc_env, gateway.port)
    try:
        assert follower.wait_for(" info gateway ready"), follower.lines
        provoke_log_line(oc_env, gateway.port)
        assert follower.wait_for("unauthorized conn="), follower.lines
    finally:
        code, err = follower.interrupt()
    assert code == 0, err


def test_logs_follow_survives_gateway_restart(start_gateway, oc_env):
    oc_env.write_config(oc_env.base_config())
    first = start_gateway()
    follower = Follower(oc_env, first.port)
    try:
        assert follower.wait_for(" info gateway ready"), follower.lines
        assert first.stop() == 0
        second = start_gateway(port=first.port)
        assert follower.wait_for(f"(PID {second.pid})", timeout=15), follower.lines
        provoke_log_line(oc_env, second.port)
        assert follower.wait_for("unauthorized conn=", timeout=10), follower.lines
    finally:
        code, err = follower.interrupt()
    assert code == 0, err
    assert "Gateway connection lost: " in err
