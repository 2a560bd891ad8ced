"""`plugins.watch` (plugin-abi.md §4, §6.5): with the key on, rebuilding a non-bundled plugin's
library in place (the linker writing the path, or a rename over it) reloads the plugin through
the `plugins.reload` path with no explicit reload; a broken rebuild logs why and keeps the old
instance serving. The key is hot: turning it on needs no restart."""
from __future__ import annotations

import os
import signal

from test_plugins import ECHO, WS, cc, install_echo, plugin_config, plugin_row
from oc_helpers import wait_until


def version(gw) -> str | None:
    with gw.client() as c:
        r = c.post("/api/echo", content=b"v", headers=gw.auth_headers())
        return r.headers.get("x-echo-version") if r.status_code == 200 and r.content == b"v" else None


def test_watch_reloads_rebuilt_library(start_gateway, oc_env, tmp_path):
    plugin_dir = install_echo(oc_env.state_dir, "1")
    library = plugin_dir / "libecho_c.so"
    oc_env.write_config(plugin_config(oc_env, "echo-c", watch=True))
    gw = start_gateway()
    assert gw.wait_ready()
    assert version(gw) == "1"

    # The linker writes the installed path itself.
    cc(ECHO / "echo.c", library, 'ECHO_VERSION="2"')
    assert wait_until(lambda: version(gw) == "2"), gw.log_text()[-2000:]
    assert "plugins.watch: reloaded echo-c" in gw.log_text()

    # A broken rebuild: the reload fails, is logged, and version 2 keeps serving.
    library.write_bytes(b"this is not a shared object")
    assert wait_until(lambda: "plugins.watch: reload of echo-c failed, previous instance kept: "
                            "plugin echo-c: dlopen failed: " in gw.log_text())
    assert version(gw) == "2"
    ws = WS(gw)
    try:
        row = plugin_row(ws, "echo-c")
        assert row["state"] == "active" and row["reason"].startswith("plugin echo-c: dlopen failed: ")
    finally:
        ws.close()

    # A build renamed over the path (how `cp` to a temp name + `mv`, and many linkers, replace it).
    staged = plugin_dir / ".libecho_c.so.tmp"
    cc(ECHO / "echo.c", staged, 'ECHO_VERSION="3"')
    os.replace(staged, library)
    assert wait_until(lambda: version(gw) == "3"), gw.log_text()[-2000:]
    assert gw.alive()


def test_watch_turned_on_without_restart(start_gateway, oc_env):
    plugin_dir = install_echo(oc_env.state_dir, "1")
    oc_env.write_config(plugin_config(oc_env, "echo-c"))
    gw = start_gateway()
    assert gw.wait_ready()
    pid = gw.pid

    oc_env.write_config(plugin_config(oc_env, "echo-c", watch=True))
    os.kill(pid, signal.SIGHUP)
    assert wait_until(lambda: "config reloaded (SIGHUP)" in gw.log_text())
    cc(ECHO / "echo.c", plugin_dir / "libecho_c.so", 'ECHO_VERSION="2"')
    assert wait_until(lambda: version(gw) == "2"), gw.log_text()[-2000:]
    assert gw.pid == pid and gw.alive()
    assert "restarting in process" not in gw.log_text()
