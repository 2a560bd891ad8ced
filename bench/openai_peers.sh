#!/usr/bin/env bash
# OpenAI proxy section of scripts/bench: chat completions (non-stream and stream) through
#   ours     the gateway (openai-compat plugin -> agent runtime -> openai-completions provider)
#   direct   the fast stub itself (bench/stub_upstream_fast.sh, nginx `return`, 1 worker)
#   nginx    nginx as a reverse proxy to the stub (2 workers, upstream keepalive, no buffering)
#   litellm  LiteLLM proxy, pinned version, --num_workers 1, model -> openai/<model> at the stub
# each measured with wrk -t2 -c64 (throughput, p50/p99) and wrk -t1 -c1 (serial latency), plus
# the memory of each (gateway VmRSS idle / peak; nginx and LiteLLM summed Pss).
#
# The gateway's provider always asks the upstream for a stream (stream:true), so its upstream
# is the stub's SSE base URL even for non-stream clients (it collects the deltas into one
# JSON answer); the other clients get the stub's JSON for non-stream and its SSE for stream.
# Requests carry a rotating `user` (64 sessions); the gateway appends each run to its transcript
# and sends each session's recent history upstream, as much as the model's declared
# `contextWindow` (2048 tokens, like a small local model) holds: the prompt stays bounded.
#
#   BENCH_DURATION=5s BENCH_SERIAL_DURATION=3s BENCH_LITELLM=1 bench/openai_peers.sh
#   LITELLM_VERSION=1.106.12 LITELLM_VENV=~/.cache/openclaw-bench/litellm-venv
# Needs OPENCLAW_BIN (a release build). Prints "@@ key=value" result lines.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bench-lib.sh
BENCH_DURATION=${BENCH_DURATION:-5s}
serial=${BENCH_SERIAL_DURATION:-3s}
litellm_version=${LITELLM_VERSION:-1.106.12}
litellm_venv=${LITELLM_VENV:-$HOME/.cache/openclaw-bench/litellm-venv}
litellm_key=sk-bench-0123456789abcdef0123456789abcdef

bench_need_tools
bench_binary
bench_init openai

# ---- the stub
stub_port=$(bench_free_port)
bench_spawn "$BENCH_WORK/stub.out" bench/stub_upstream_fast.sh "$BENCH_WORK/stub" "$stub_port" 1
bench_wait_http "http://127.0.0.1:$stub_port/healthz" 10 "$BENCH_LAST_PID" || { echo "stub did not start" >&2; cat "$BENCH_WORK/stub.out" >&2; exit 1; }
stub="http://127.0.0.1:$stub_port"

# ---- nginx as a reverse proxy to the stub
ngx_port=$(bench_free_port)
mkdir -p "$BENCH_WORK/proxy/logs"
user_line=""; [ "$(id -u)" = 0 ] && user_line="user root;"
cat > "$BENCH_WORK/proxy/nginx.conf" <<NGX
$user_line
worker_processes 2;
daemon off;
pid $BENCH_WORK/proxy/nginx.pid;
error_log $BENCH_WORK/proxy/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  client_body_temp_path $BENCH_WORK/proxy/tmp-body;
  proxy_temp_path $BENCH_WORK/proxy/tmp-proxy;
  fastcgi_temp_path $BENCH_WORK/proxy/tmp-fcgi;
  uwsgi_temp_path $BENCH_WORK/proxy/tmp-uwsgi;
  scgi_temp_path $BENCH_WORK/proxy/tmp-scgi;
  upstream stub { server 127.0.0.1:$stub_port; keepalive 128; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:$ngx_port;
    location / {
      proxy_pass http://stub;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
NGX
bench_spawn "$BENCH_WORK/proxy.out" "$NGINX" -p "$BENCH_WORK/proxy" -c "$BENCH_WORK/proxy/nginx.conf"
ngx_pid=$BENCH_LAST_PID
bench_wait_http "http://127.0.0.1:$ngx_port/healthz" 10 "$ngx_pid" || { echo "nginx proxy did not start" >&2; exit 1; }
proxy="http://127.0.0.1:$ngx_port"

# ---- the gateway: openai-compat on, one agent whose model is the stub (SSE base URL)
cfg="{\"gateway\":{\"mode\":\"local\",\"auth\":{\"token\":\"$BENCH_TOKEN\"},\"http\":{\"endpoints\":{\"chatCompletions\":{\"enabled\":true}}}}"
# 64 clients can hold more than the default 64 plugin calls in flight (503 + Retry-After): raise it.
cfg="$cfg,\"plugins\":{\"entries\":{\"openai-compat\":{\"maxConcurrent\":256}}}"
cfg="$cfg,\"logging\":{\"file\":\"$BENCH_WORK/gw-openai.log\"}"
cfg="$cfg,\"models\":{\"providers\":{\"stub\":{\"baseUrl\":\"$stub/sse/v1\",\"apiKey\":\"stub-key\",\"api\":\"openai-completions\",\"timeoutSeconds\":30,\"models\":[{\"id\":\"fast\",\"contextWindow\":2048}]}}}"
cfg="$cfg,\"agents\":{\"defaults\":{\"model\":\"stub/fast\"},\"entries\":{\"main\":{\"default\":true}}}}"
bench_gateway_start openai "$cfg"
gw="http://127.0.0.1:$GW_PORT"
sleep 1
bench_result mem_gw_idle_kb "$(bench_rss_kb "$GW_PID")"

# ---- LiteLLM (optional): pinned version in its own venv outside the repo
litellm=""
litellm_na() { echo "LiteLLM n/a: $1" >&2; bench_result litellm_na "$1"; }
if [ "${BENCH_LITELLM:-1}" != 1 ]; then
  litellm_na "BENCH_LITELLM=0"
else
  if ! "$litellm_venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('litellm') != '$litellm_version')" 2>/dev/null; then
    bench_log "installing litellm[proxy]==$litellm_version into $litellm_venv"
    { [ -x "$litellm_venv/bin/pip" ] || python3 -m venv "$litellm_venv"; } >"$BENCH_WORK/litellm-install.log" 2>&1 || true
    timeout 900 "$litellm_venv/bin/pip" install -q "litellm[proxy]==$litellm_version" >>"$BENCH_WORK/litellm-install.log" 2>&1 || true
  fi
  if ! "$litellm_venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('litellm') != '$litellm_version')" 2>/dev/null; then
    litellm_na "pip install litellm[proxy]==$litellm_version failed"
  else
    bench_result litellm_version "$litellm_version"
    cat > "$BENCH_WORK/litellm.yaml" <<YAML
model_list:
  - model_name: fast
    litellm_params: {model: openai/fast, api_base: "$stub/v1", api_key: stub-key}
  - model_name: fast-sse
    litellm_params: {model: openai/fast, api_base: "$stub/sse/v1", api_key: stub-key}
litellm_settings:
  telemetry: false
general_settings:
  master_key: $litellm_key
YAML
    litellm_port=$(bench_free_port)
    t0=$(date +%s)
    mkdir -p "$BENCH_WORK/litellm"
    bench_spawn "$BENCH_WORK/litellm.out" env -C "$BENCH_WORK/litellm" LITELLM_LOCAL_MODEL_COST_MAP=True \
      LITELLM_TELEMETRY=False LITELLM_LOG=ERROR NO_PROXY='*' HOME="$BENCH_WORK/litellm" \
      "$litellm_venv/bin/litellm" --config "$BENCH_WORK/litellm.yaml" --host 127.0.0.1 --port "$litellm_port" --num_workers 1
    litellm_pid=$BENCH_LAST_PID
    if bench_wait_http "http://127.0.0.1:$litellm_port/health/liveliness" 180 "$litellm_pid"; then
      litellm="http://127.0.0.1:$litellm_port"
      bench_result litellm_start_s "$(( $(date +%s) - t0 ))"
      # Warm up (the first requests import and build lazily), then take the idle size.
      for m in fast fast-sse; do for _ in 1 2 3; do
        curl -sS -o /dev/null --max-time 30 -H "Authorization: Bearer $litellm_key" -H 'Content-Type: application/json' \
          --data "{\"model\":\"$m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}" "$litellm/v1/chat/completions" || true
      done; done
      sleep 1
      bench_result mem_litellm_idle_kb "$(bench_tree_pss_kb "$litellm_pid")"
    else
      litellm_na "litellm did not start in 180 s: $(grep -m1 -iE 'error|exception' "$BENCH_WORK/litellm.out" | cut -c1-120)"
    fi
  fi
fi

# ---- request bodies: the same everywhere but the model name; `user` rotates over u0..u63
# (64 sessions, as 64 chatting users would, like scripts/bench-openai): without it every
# request is a new session of the gateway, and the session index grows with every request.
msgs='"messages":[{"role":"user","content":"hello there friend"}]'
chat_script() {  # file model stream(true|false) authorization
  bench_wrk_script "$1" POST "" "Authorization:Bearer $4"
  cat >> "$1" <<LUA
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"model":"$2","stream":$3,"user":"u' .. (n % 64) .. '",$msgs}')
end
LUA
}
chat_script "$BENCH_WORK/gw-json.lua" openclaw false "$BENCH_TOKEN"
chat_script "$BENCH_WORK/gw-sse.lua" openclaw true "$BENCH_TOKEN"
chat_script "$BENCH_WORK/up-json.lua" fast false stub-key
chat_script "$BENCH_WORK/up-sse.lua" fast true stub-key
chat_script "$BENCH_WORK/ll-json.lua" fast false "$litellm_key"
chat_script "$BENCH_WORK/ll-sse.lua" fast-sse true "$litellm_key"

# The gateway must really answer through the stub before it is measured.
check=$(curl -sS --max-time 15 -H "Authorization: Bearer $BENCH_TOKEN" -H 'Content-Type: application/json' \
  --data "{\"model\":\"openclaw\",$msgs}" "$gw/v1/chat/completions" || true)
if [[ "$check" != *'stub: hello there friend'* ]]; then
  echo "gateway chat completion did not reach the stub: ${check:0:300}" >&2
  tail -5 "$BENCH_WORK/gw-openai.out" >&2
  bench_result openai_na "gateway answer: ${check:0:80}"
  exit 1
fi

# target mode url lua -> @@ openai_<mode>_<target>_{rps,p50_ms,p99_ms,errors,serial_p50_ms,serial_p99_ms}
run_target() {  # target mode url lua [size-function pid]: the size is sampled half-way through
  local target=$1 mode=$2 url=$3 lua=$4 k="openai_$2_$1" sampler=""
  # Serial first (one connection, one request at a time), then the 64-connection load.
  bench_wrk "$k-serial" "$url" "$lua" 1 1 "$serial"
  bench_result "${k}_serial_p50_ms" "$WRK_P50"; bench_result "${k}_serial_p99_ms" "$WRK_P99"
  bench_result "${k}_serial_errors" "$WRK_ERRORS"
  if [ -n "${5:-}" ]; then
    ( sleep "$(awk -v d="${BENCH_DURATION%s}" 'BEGIN { print d / 2 }')"; "$5" "$6" > "$BENCH_WORK/mid-$k" ) &
    sampler=$!
  fi
  local cpu0; cpu0=$(bench_cpu_ticks "$GW_PID")
  bench_wrk "$k" "$url" "$lua"
  [ "$target" = ours ] && bench_result "${k}_cpu_us" "$(bench_cpu_us_per_req "$cpu0" "$(bench_cpu_ticks "$GW_PID")" "$WRK_REQUESTS")"
  if [ -n "$sampler" ]; then wait "$sampler" || true; bench_result "${k}_mid_kb" "$(cat "$BENCH_WORK/mid-$k" 2>/dev/null || echo 0)"; fi
  bench_result "${k}_rps" "$WRK_RPS"; bench_result "${k}_p50_ms" "$WRK_P50"
  bench_result "${k}_p99_ms" "$WRK_P99"; bench_result "${k}_errors" "$WRK_ERRORS"
  [ "$target" = ours ] && bench_result "${k}_sessions" "$(find "$GW_STATE/agents" -name '*.jsonl' 2>/dev/null | wc -l)"
  return 0
}
for mode in json sse; do
  if [ $mode = json ]; then up=v1; else up=sse/v1; fi
  run_target direct $mode "$stub/$up/chat/completions" "$BENCH_WORK/up-$mode.lua"
  run_target nginx $mode "$proxy/$up/chat/completions" "$BENCH_WORK/up-$mode.lua"
  if [ $mode = sse ]; then
    # Start the stream runs from empty sessions, like the non-stream ones.
    bench_result mem_gw_peak_json_kb "$(bench_hwm_kb "$GW_PID")"
    bench_stop "$GW_PID"; rm -rf "$GW_STATE/agents"
    bench_gateway_start openai "$cfg"; gw="http://127.0.0.1:$GW_PORT"
  fi
  run_target ours $mode "$gw/v1/chat/completions" "$BENCH_WORK/gw-$mode.lua" bench_rss_kb "$GW_PID"
  if [ -n "$litellm" ]; then
    run_target litellm $mode "$litellm/v1/chat/completions" "$BENCH_WORK/ll-$mode.lua" bench_tree_pss_kb "$litellm_pid"
  fi
done
bench_result mem_gw_peak_sse_kb "$(bench_hwm_kb "$GW_PID")"
bench_result mem_nginx_proxy_kb "$(bench_tree_pss_kb "$ngx_pid")"
