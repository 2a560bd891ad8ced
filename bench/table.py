"""Builds the one benchmark table of scripts/bench from the outputs of its sections.

    python3 bench/table.py <work-dir>

Reads, when present: http.out (scripts/bench-http), ws.out (scripts/bench-ws), and every
"@@ key=value" line of openai.out / plugins.out (bench/openai_peers.sh, scripts/bench-plugins),
plus meta.env (date, machine, load, durations). A figure that is missing prints "n/a" with
the section's reason (the section's "<name>.na" file, or its exit status).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

work = Path(sys.argv[1])
R: dict[str, str] = {}
NA: dict[str, str] = {}


def text(name: str) -> str:
    p = work / name
    return p.read_text(errors="replace") if p.exists() else ""


for section in ("http", "ws", "openai", "plugins"):
    na = text(f"{section}.na").strip()
    if na:
        NA[section] = na
for name in ("openai.out", "plugins.out", "meta.env"):
    for line in text(name).splitlines():
        m = re.match(r"^(?:@@ )?([A-Za-z0-9_]+)=(.*)$", line.strip())
        if m:
            R[m.group(1)] = m.group(2)


def ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


# ---- scripts/bench-http
http = text("http.out")
for who in ("gateway", "nginx"):
    m = re.search(rf"^{who}\s+([\d.]+) req/s\s+p99 ([\d.]+)(us|ms|s)", http, re.M)
    if m:
        R[f"http_{who}_rps"] = m.group(1)
        R[f"http_{who}_p99_ms"] = f"{ms(m.group(2), m.group(3)):.2f}"
m = re.search(r"VmRSS (\d+) kB, peak VmHWM (\d+) kB", http)
if m:
    R["mem_http_after_kb"], R["mem_http_peak_kb"] = m.group(1), m.group(2)
m = re.search(r"exec->listening median ([\d.]+) ms \(min ([\d.]+), max ([\d.]+), n=(\d+)\)", http)
if m:
    R["startup_ms"], R["startup_min_ms"], R["startup_max_ms"], R["startup_n"] = m.groups()

# ---- scripts/bench-ws
ws = text("ws.out")
m = re.search(r"^native \(ws-load\.c\)\s+([\d.]+) rt/s\s+p50\s+([\d.]+) us\s+p99\s+([\d.]+) us\s+errors (\d+)", ws, re.M)
if m:
    R["ws_rps"], R["ws_p50_us"], R["ws_p99_us"], R["ws_errors"] = m.groups()
m = re.search(r"([\d.]+) KB per connection", ws)
if m:
    R["ws_idle_kb"] = m.group(1)
m = re.search(r"with (\d+) idle sockets", ws)
if m:
    R["ws_idle_n"] = m.group(1)


def num(key: str) -> float | None:
    try:
        return float(R[key])
    except (KeyError, ValueError):
        return None


def na(section: str) -> str:
    reason = NA.get(section, "not measured")
    return f"n/a ({reason})"


def fmt(v: float | None, digits: int = 0, section: str = "", unit: str = "") -> str:
    if v is None:
        return na(section)
    return f"{v:,.{digits}f}{unit}"


def pair(a: str, b: str, digits: int, section: str, unit: str) -> str:
    x, y = num(a), num(b)
    if x is None or y is None:
        return na(section)
    return f"{x:,.{digits}f} / {y:,.{digits}f}{unit}"


def mib(key: str, section: str = "") -> str:
    v = num(key)
    return na(section) if v is None else f"{v / 1024:.1f} MiB"


def ratio(a: float | None, b: float | None, digits: int = 2) -> str:
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.{digits}f}×"


def over(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return "n/a"
    return f"{a - b:+.3f} ms"


rows: list[tuple[str, ...]] = []


def row(area, measure, ours, reference, ratio_text, target=""):
    rows.append((area, measure, ours, reference, ratio_text, target))


# HTTP
g, n = num("http_gateway_rps"), num("http_nginx_rps")
row("HTTP", "`GET /healthz` req/s (wrk 2 threads, 64 conns)", fmt(g, 0, "http"),
    f"nginx static file: {fmt(n, 0, 'http')}", f"ours/nginx {ratio(g, n)}", "≥ 0.7×")
row("HTTP", "`GET /healthz` p99 under that load", fmt(num("http_gateway_p99_ms"), 2, "http", " ms"),
    f"nginx: {fmt(num('http_nginx_p99_ms'), 2, 'http', ' ms')}", "", "")
# Startup
row("Startup", f"exec → listening, median of {R.get('startup_n', '20')} starts",
    fmt(num("startup_ms"), 1, "http", " ms"), "", "", "< 20 ms")
# WS
row("WS", "`health` round trips/s (64 sockets, native C client)", fmt(num("ws_rps"), 0, "ws"), "", "", "≥ 50,000")
row("WS", "round trip p50 / p99", pair("ws_p50_us", "ws_p99_us", 0, "ws", " µs"), "", "", "")
row("WS", f"RSS per idle authenticated connection ({R.get('ws_idle_n', '1000')} sockets)",
    fmt(num("ws_idle_kb"), 2, "ws", " KB"), "", "", "≤ 10 KB")

# OpenAI proxy
ll_na = R.get("litellm_na")
for mode, label in (("json", "non-stream"), ("sse", "stream")):
    k = f"openai_{mode}"
    ours, ngx, ll, direct = (num(f"{k}_{t}_rps") for t in ("ours", "nginx", "litellm", "direct"))
    err = R.get(f"{k}_ours_errors", "0")
    ours_text = fmt(ours, 0, "openai") + ("" if err in ("0", "") else f" ({err} errors)")
    row("OpenAI", f"chat {label} req/s (64 conns)", ours_text,
        f"nginx reverse proxy: {fmt(ngx, 0, 'openai')}", f"ours/nginx {ratio(ours, ngx, 3)}", "≥ 1×")
    ll_text = f"n/a ({ll_na})" if ll_na else fmt(ll, 0, "openai")
    row("OpenAI", f"chat {label} req/s (64 conns)", ours_text, f"LiteLLM proxy: {ll_text}",
        "n/a" if ll_na else f"ours/LiteLLM {ratio(ours, ll, 1)}", "≥ 100×")
    row("OpenAI", f"chat {label} req/s (64 conns)", ours_text, f"stub direct: {fmt(direct, 0, 'openai')}",
        f"ours/direct {ratio(ours, direct, 4)}", "")
    row("OpenAI", f"chat {label} p50 / p99 under that load", pair(f"{k}_ours_p50_ms", f"{k}_ours_p99_ms", 1, "openai", " ms"),
        f"nginx {pair(f'{k}_nginx_p50_ms', f'{k}_nginx_p99_ms', 1, 'openai', ' ms')}; "
        + ("LiteLLM n/a" if ll_na else f"LiteLLM {pair(f'{k}_litellm_p50_ms', f'{k}_litellm_p99_ms', 0, 'openai', ' ms')}"),
        "", "")
    d, o = num(f"{k}_direct_serial_p50_ms"), num(f"{k}_ours_serial_p50_ms")
    ng, lp = num(f"{k}_nginx_serial_p50_ms"), num(f"{k}_litellm_serial_p50_ms")
    row("OpenAI", f"chat {label} serial p50 (1 conn)", fmt(o, 3, "openai", " ms"),
        f"stub direct {fmt(d, 3, 'openai', ' ms')}; nginx {fmt(ng, 3, 'openai', ' ms')}; "
        + ("LiteLLM n/a" if ll_na else f"LiteLLM {fmt(lp, 2, 'openai', ' ms')}"),
        f"over direct: ours {over(o, d)}, nginx {over(ng, d)}" + ("" if ll_na else f", LiteLLM {over(lp, d)}"),
        "≤ +0.1 ms")
    if num(f"{k}_ours_cpu_us") is not None:
        row("OpenAI", f"chat {label}: gateway CPU per request (64 conns)", fmt(num(f"{k}_ours_cpu_us"), 0, "openai", " µs"),
            "", "", "")

# Plugins
p, h, z = num("plugin_rps"), num("plugin_host_rps"), num("plugin_healthz_rps")
plugin_text = fmt(p, 0, "plugins")
row("Plugins", "C plugin `POST /api/echo` req/s (64 conns)", plugin_text,
    f"host `POST /tools/invoke` echo tool: {fmt(h, 0, 'plugins')}", f"plugin/host {ratio(p, h)}", "≥ 0.95×")
row("Plugins", "C plugin `POST /api/echo` req/s (64 conns)", plugin_text,
    f"host `GET /healthz` (loop thread, no auth, no body): {fmt(z, 0, 'plugins')}", f"plugin/healthz {ratio(p, z)}", "")
row("Plugins", "gateway CPU per request", fmt(num("plugin_cpu_us"), 1, "plugins", " µs"),
    f"`/tools/invoke` {fmt(num('plugin_host_cpu_us'), 1, 'plugins', ' µs')}; "
    f"`/healthz` {fmt(num('plugin_healthz_cpu_us'), 1, 'plugins', ' µs')}", "", "")
row("Plugins", "`plugins.reload` p50 / p99 (100 reloads under wrk load)",
    pair("reload_p50_ms", "reload_p99_ms", 2, "plugins", " ms"), "", "", "< 5 ms")
reqs = num("reload_load_requests")
row("Plugins", "failed requests during the reloads",
    na("plugins") if reqs is None else
    f"{R.get('reload_load_errors', '?')} of {reqs:,.0f}"
    + (f" (failed reload calls: {R['reload_failed_calls']})" if R.get("reload_failed_calls", "0") != "0" else ""),
    "", "", "0")

# Memory
ll_idle = f"n/a ({ll_na})" if ll_na else mib("mem_litellm_idle_kb", "openai")
row("Memory", "RSS idle (fresh gateway, OpenAI config)", mib("mem_gw_idle_kb", "openai"),
    f"LiteLLM (Pss, warmed up): {ll_idle}",
    "n/a" if ll_na else f"ours/LiteLLM {ratio(num('mem_gw_idle_kb'), num('mem_litellm_idle_kb'), 3)}", "")
ll_load = f"n/a ({ll_na})" if ll_na else mib("openai_json_litellm_mid_kb", "openai")
row("Memory", "RSS under chat load (64 conns, mid-run)", mib("openai_json_ours_mid_kb", "openai"),
    f"LiteLLM: {ll_load}; nginx proxy (Pss): {mib('mem_nginx_proxy_kb', 'openai')}",
    "n/a" if ll_na else f"ours/LiteLLM {ratio(num('openai_json_ours_mid_kb'), num('openai_json_litellm_mid_kb'), 3)}", "")
row("Memory", "RSS after the `/healthz` load (peak)",
    na("http") if num("mem_http_after_kb") is None else f"{mib('mem_http_after_kb')} (peak {mib('mem_http_peak_kb')})",
    "", "", "")

print("| Area | Measure | Ours | Reference (same machine, same run) | Ratio / overhead | Target |")
print("| --- | --- | --- | --- | --- | --- |")
for r in rows:
    print("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
meta = [f"{R.get('date', '?')}", f"{R.get('machine', '?')}", f"load average at start {R.get('load_start', '?')}, at end {R.get('load_end', '?')}",
        f"{R.get('elapsed', '?')} in total"]
if R.get("litellm_version"):
    meta.append(f"LiteLLM {R['litellm_version']} (1 worker)")
print()
print("_" + "; ".join(meta) + "._")
