# Shared helpers for scripts/bench and scripts/bench-plugins (sourced, not run).
#
#   source scripts/bench-lib.sh
#   bench_init plugins                 work dir in $BENCH_WORK, cleanup trap for every process started
#   bench_binary                       release build unless BENCH_SKIP_BUILD=1; sets $BIN
#   bench_gateway_start name json      a gateway on a free port with that config: $GW_PORT $GW_PID $GW_STATE
#   bench_wrk name url [lua] [t c d]   wrk --latency: $WRK_RPS $WRK_P50 $WRK_P99 (ms) $WRK_ERRORS
#   bench_result key value             prints "@@ key=value" (scripts/bench collects these lines)
#
# Every wait is bounded; every process started here is stopped (TERM, then KILL) on exit.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_TOKEN=${BENCH_TOKEN:-bench-token-0123456789abcdef0123456789abcdef}
BENCH_THREADS=${BENCH_THREADS:-2}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-64}
BENCH_PIDS=()
BENCH_WORK=""

bench_log() { echo "[$(date +%T)] $*" >&2; }

bench_stop() {  # pid...: TERM, wait up to 5 s, then KILL
  local p i
  for p in "$@"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "$@"; do
    [ -n "$p" ] || continue
    for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}

bench_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ ${#BENCH_PIDS[@]} -gt 0 ]; then bench_stop "${BENCH_PIDS[@]}"; fi
  if [ -n "$BENCH_WORK" ] && [ "${BENCH_KEEP_WORK:-0}" != 1 ]; then rm -rf "$BENCH_WORK"; fi
  exit "$rc"
}

bench_init() {  # name
  BENCH_WORK=$(mktemp -d "/tmp/openclaw-bench-$1.XXXXXX")
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

bench_need_tools() {  # installs wrk / nginx with apt when missing (root only)
  local need=()
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
  command -v cc >/dev/null 2>&1 || need+=(gcc)
  command -v curl >/dev/null 2>&1 || need+=(curl)
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then echo "bench: please install: ${need[*]}" >&2; return 1; fi
    bench_log "apt-get install ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
}

bench_binary() {
  if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    (cd "$BENCH_ROOT" && swift build -c release >&2)
  fi
  BIN=${OPENCLAW_BIN:-$BENCH_ROOT/.build/release/openclaw}
  [ -x "$BIN" ] || { echo "bench: no binary at $BIN" >&2; return 1; }
  export OPENCLAW_BIN=$BIN BENCH_SKIP_BUILD=1
}

bench_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

bench_wait_http() {  # url seconds [pid]: 0 once the URL answers (any status)
  local i
  for i in $(seq $(( $2 * 20 ))); do
    if curl -sS -o /dev/null --max-time 1 "$1" 2>/dev/null; then return 0; fi
    if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then return 1; fi
    sleep 0.05
  done
  return 1
}

bench_spawn() {  # logfile cmd...: background process, pid in $BENCH_LAST_PID, stopped on exit
  local log=$1; shift
  "$@" >"$log" 2>&1 &
  BENCH_LAST_PID=$!
  BENCH_PIDS+=("$BENCH_LAST_PID")
}

bench_cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }  # utime+stime
bench_cpu_us_per_req() {  # ticks-before ticks-after requests -> CPU microseconds per request
  awk -v a="$1" -v b="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" 'BEGIN { if (n + 0 == 0) print "n/a"; else printf "%.1f", (b - a) / hz * 1e6 / n }'
}
bench_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
bench_hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
bench_tree_pss_kb() {  # pid: summed Pss of the process and its descendants (nginx, LiteLLM workers)
  local total c
  total=$(awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0)
  for c in $(pgrep -P "$1" 2>/dev/null || true); do total=$(( ${total:-0} + $(bench_tree_pss_kb "$c") )); done
  echo "${total:-0}"
}

# A gateway with the given config (JSON text; "$STATE" in it is replaced by its state dir).
bench_gateway_start() {  # name json
  local name=$1 json=$2
  GW_PORT=$(bench_free_port)
  local home="$BENCH_WORK/gw-$name"
  GW_STATE="$home/.openclaw"
  mkdir -p "$GW_STATE" "$BENCH_WORK/tmp"
  if [ ! -f "$GW_STATE/openclaw.json" ]; then printf '%s\n' "${json//\$STATE/$GW_STATE}" > "$GW_STATE/openclaw.json"; fi
  bench_spawn "$BENCH_WORK/gw-$name.out" env HOME="$home" OPENCLAW_STATE_DIR="$GW_STATE" \
    OPENCLAW_CONFIG_PATH="$GW_STATE/openclaw.json" TMPDIR="$BENCH_WORK/tmp" OPENCLAW_SKIP_CHANNELS=1 \
    "$BIN" gateway --port "$GW_PORT"
  GW_PID=$BENCH_LAST_PID
  if ! bench_wait_http "http://127.0.0.1:$GW_PORT/healthz" 15 "$GW_PID"; then
    echo "bench: gateway $name did not start" >&2; tail -20 "$BENCH_WORK/gw-$name.out" >&2; return 1
  fi
}

# The config fields every benchmark gateway has: local mode, the token, a file log in the work dir.
bench_gateway_base() {  # name -> JSON fragment without the closing brace
  printf '{"gateway":{"mode":"local","auth":{"token":"%s"}},"logging":{"file":"%s/gw-%s.log"}' \
    "$BENCH_TOKEN" "$BENCH_WORK" "$1"
}

# A wrk Lua script that sends POST with a body and headers: path method body [header:value...]
bench_wrk_script() {
  local file=$1 method=$2 body=$3; shift 3
  {
    echo "wrk.method = \"$method\""
    printf 'wrk.body = [==[%s]==]\n' "$body"
    echo 'wrk.headers["Content-Type"] = "application/json"'
    local h
    for h in "$@"; do printf 'wrk.headers["%s"] = [==[%s]==]\n' "${h%%:*}" "${h#*:}"; done
  } > "$file"
}

# wrk --latency; latencies converted to ms. Errors = non-2xx/3xx + socket errors.
bench_wrk() {  # name url [lua-script|-] [threads] [connections] [duration]
  local name=$1 url=$2 lua=${3:--} t=${4:-$BENCH_THREADS} c=${5:-$BENCH_CONNECTIONS} d=${6:-${BENCH_DURATION:-10s}}
  local args=(-t"$t" -c"$c" -d"$d" --latency --timeout 10s)
  [ "$lua" != - ] && args+=(-s "$lua")
  local out="$BENCH_WORK/wrk-$name.txt"
  timeout $(( ${d%s} + 30 )) wrk "${args[@]}" "$url" > "$out" 2>&1 || true
  WRK_RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
  WRK_P50=$(bench_wrk_ms "$out" 50%)
  WRK_P99=$(bench_wrk_ms "$out" 99%)
  WRK_ERRORS=$(awk '/Non-2xx or 3xx responses:/ { n += $NF }
                    /Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 }
                    END { print n + 0 }' "$out")
  WRK_REQUESTS=$(awk '/requests in/ { print $1 }' "$out")
  [ -n "$WRK_RPS" ] || { WRK_RPS=0; bench_log "wrk $name failed: $(tail -3 "$out" | tr '\n' ' ')"; }
  bench_log "$(printf 'wrk %-28s %9s req/s  p50 %7s ms  p99 %7s ms  errors %s' "$name" "$WRK_RPS" "$WRK_P50" "$WRK_P99" "$WRK_ERRORS")"
  [ "$WRK_ERRORS" = 0 ] || bench_log "    $(grep -E 'Socket errors|Non-2xx' "$out" | tr -s ' \n' ' ')"
}

bench_wrk_ms() {  # wrk-output percentile -> milliseconds
  awk -v p="$2" '$1 == p {
    v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
    if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000
    printf "%.3f", v }' "$1"
}

bench_result() { echo "@@ $1=$2"; }

bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.3f", a / b }'; }
