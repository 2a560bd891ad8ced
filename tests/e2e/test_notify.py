"""systemd protocols spoken by the real gateway without systemd (cli-config §12):

- sd_notify: the test owns the NOTIFY_SOCKET datagram socket and reads READY=1 (+ MAINPID),
  STOPPING=1 and WATCHDOG=1 exactly as systemd would;
- socket activation: the test binds the listening socket, hands it over as fd 3 with
  LISTEN_FDS=1 / LISTEN_PID=<child pid>, and the gateway serves on it without binding.
"""
from __future__ import annotations

import os
import signal
import socket
import time

import httpx
import pytest

from conftest import BIN
from oc_helpers import LOOPBACK, free_port, port_accepts, wait_until


class NotifyListener:
    """A bound AF_UNIX datagram socket collecting sd_notify messages."""

    def __init__(self, address: str):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.messages: list[str] = []

    def wait_for(self, needle: str, timeout: float = 10.0) -> list[str]:
        """Collect datagrams until one contains needle; returns all received so far."""
        deadline = time.monotonic() + timeout
        while not any(needle in m.split("\n") for m in self.messages):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {needle!r} within {timeout}s; got {self.messages!r}")
            self.sock.settimeout(remaining)
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except socket.timeout:
                pass
        return self.messages

    def count(self, line: str) -> int:
        return sum(m.split("\n").count(line) for m in self.messages)

    def drain(self, seconds: float):
        """Collect whatever arrives during the next `seconds`."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            self.sock.settimeout(remaining)
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except socket.timeout:
                break

    def close(self):
        self.sock.close()


@pytest.fixture
def notify_socket(tmp_path):
    listener = NotifyListener(str(tmp_path / "notify.sock"))
    yield listener
    listener.close()


@pytest.fixture
def configured(oc_env):
    oc_env.write_config(oc_env.base_config())
    return oc_env


def test_ready_with_mainpid_then_stopping(configured, start_gateway, notify_socket):
    gw = start_gateway(env={"NOTIFY_SOCKET": notify_socket.sock.getsockname()})
    messages = notify_socket.wait_for("READY=1")
    ready = next(m for m in messages if "READY=1" in m.split("\n"))
    assert f"MAINPID={gw.pid}" in ready.split("\n")
    # READY=1 means listening: the port answers by then.
    assert port_accepts(gw.port)
    assert notify_socket.count("STOPPING=1") == 0
    assert notify_socket.count("WATCHDOG=1") == 0, "no pings without WATCHDOG_USEC"

    gw.proc.send_signal(signal.SIGTERM)
    notify_socket.wait_for("STOPPING=1")
    assert gw.wait_exit(10) == 0


def test_abstract_notify_socket(configured, start_gateway, tmp_path):
    name = f"openclaw-e2e-{os.getpid()}-{time.monotonic_ns()}"
    listener = NotifyListener("\0" + name)
    try:
        start_gateway(env={"NOTIFY_SOCKET": "@" + name})
        listener.wait_for("READY=1")
    finally:
        listener.close()


def test_watchdog_pings_at_half_the_interval(configured, start_gateway, notify_socket):
    # WATCHDOG_USEC=400ms: a ping every 200 ms.
    start_gateway(env={"NOTIFY_SOCKET": notify_socket.sock.getsockname(), "WATCHDOG_USEC": "400000"})
    notify_socket.wait_for("READY=1")
    notify_socket.drain(1.5)
    pings = notify_socket.count("WATCHDOG=1")
    assert 4 <= pings <= 12, f"{pings} pings in 1.5 s: {notify_socket.messages!r}"


def test_watchdog_for_another_pid_is_ignored(configured, start_gateway, notify_socket):
    start_gateway(env={"NOTIFY_SOCKET": notify_socket.sock.getsockname(), "WATCHDOG_USEC": "200000",
                       "WATCHDOG_PID": "1"})
    notify_socket.wait_for("READY=1")
    notify_socket.drain(0.8)
    assert notify_socket.count("WATCHDOG=1") == 0


# --------------------------------------------------------------------------- socket activation

def _spawn_activated(oc_env, listener: socket.socket, args: list[str], extra_env: dict | None = None) -> int:
    """fork + execve like systemd: the listening socket as fd 3, LISTEN_FDS=1, LISTEN_PID=<child>."""
    out = os.open(oc_env.root / "activated.out", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    err = os.open(oc_env.root / "activated.err", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    # Everything is prepared before fork: the child only duplicates fds and execs.
    env = oc_env.env(LISTEN_FDS="1", LISTEN_FDNAMES="gateway", **(extra_env or {}))
    argv = [str(BIN), "gateway", *args]
    home = str(oc_env.home)
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            os.dup2(out, 1)
            os.dup2(err, 2)
            if listener.fileno() == 3:
                os.set_inheritable(3, True)
            else:
                os.dup2(listener.fileno(), 3, inheritable=True)
            env["LISTEN_PID"] = str(os.getpid())
            os.chdir(home)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    os.close(out)
    os.close(err)
    return pid


def _reap(pid: int, timeout: float = 10.0) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    return None


def _kill(pid: int):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    _reap(pid, 5)


def test_socket_activation_serves_on_the_passed_socket(configured):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((LOOPBACK, 0))
    listener.listen(64)
    activated_port = listener.getsockname()[1]
    own_port = free_port()  # what the gateway would bind if it ignored the passed socket

    # A client connects before the gateway even runs: the kernel queues it on the socket.
    early = socket.create_connection((LOOPBACK, activated_port), timeout=10)
    pid = _spawn_activated(configured, listener, ["--port", str(own_port)])
    listener.close()  # only the gateway holds the socket now
    try:
        early.sendall(f"GET /healthz HTTP/1.1\r\nHost: {LOOPBACK}:{activated_port}\r\nConnection: close\r\n\r\n".encode())
        early.settimeout(10)
        reply = b""
        while chunk := early.recv(4096):
            reply += chunk
        assert reply.startswith(b"HTTP/1.1 200"), reply[:200]

        r = httpx.get(f"http://{LOOPBACK}:{activated_port}/healthz", timeout=5)
        assert r.status_code == 200
        assert not port_accepts(own_port), "the gateway must not bind when it was given sockets"
        log = configured.log_path.read_text()
        assert f"listening on ws://{LOOPBACK}:{activated_port}" in log, log
        assert f":{own_port}" not in log

        os.kill(pid, signal.SIGTERM)
        assert _reap(pid) == 0
        assert wait_until(lambda: not port_accepts(activated_port), 5)
    finally:
        early.close()
        _kill(pid)


def test_sockets_for_another_pid_are_not_adopted(configured):
    """LISTEN_PID names another process: the fds are not ours, so the gateway binds its port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((LOOPBACK, 0))
    listener.listen(8)
    own_port = free_port()
    out = os.open(configured.root / "other.out", os.O_WRONLY | os.O_CREAT, 0o600)
    env = configured.env(LISTEN_FDS="1", LISTEN_PID="1")
    argv = [str(BIN), "gateway", "--port", str(own_port)]
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(out, 1)
            os.dup2(out, 2)
            os.dup2(listener.fileno(), 3, inheritable=True)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    os.close(out)
    listener.close()
    try:
        assert wait_until(lambda: port_accepts(own_port), 10), (configured.root / "other.out").read_text()
        assert httpx.get(f"http://{LOOPBACK}:{own_port}/healthz", timeout=5).status_code == 200
    finally:
        os.kill(pid, signal.SIGTERM)
        if _reap(pid) is None:
            _kill(pid)
