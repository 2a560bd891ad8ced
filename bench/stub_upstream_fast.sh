#!/usr/bin/env bash
# A FAST OpenAI-compatible upstream stub for the proxy benchmarks (scripts/bench): nginx
# answering fixed bodies with `return 200 '...'` (no files, no upstream, no logging), so the
# stub is never what limits a proxy in front of it.
#
#   bench/stub_upstream_fast.sh <workdir> <port> [workers]     runs nginx in the foreground
#
#   GET  /v1/models                    {"object":"list","data":[{"id":"fast",...}]}
#   POST /v1/chat/completions          one chat.completion JSON object (the body is not read:
#                                      every answer is the same, whatever was asked)
#   POST /sse/v1/chat/completions      the same answer as an SSE stream: role chunk, three
#                                      content deltas, finish chunk, usage chunk, [DONE]
#   POST /sse/v1/embeddings, /v1/embeddings   a fixed 4-dim vector
#
# nginx cannot branch on the JSON body, so streaming is chosen by the base URL: point a
# client that sends "stream":true (the gateway's openai-completions provider always does)
# at http://127.0.0.1:<port>/sse/v1, and plain callers at http://127.0.0.1:<port>/v1.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 <workdir> <port> [workers]" >&2; exit 2; }
work=$1
port=$2
workers=${3:-1}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
mkdir -p "$work/logs"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root;"

created=1700000000
json='{"id":"chatcmpl-stub","object":"chat.completion","created":'$created',"model":"fast","choices":[{"index":0,"message":{"role":"assistant","content":"stub: hello there friend"},"finish_reason":"stop"}],"usage":{"prompt_tokens":8,"completion_tokens":4,"total_tokens":12}}'
chunk() {  # delta-json finish-reason
  printf 'data: {"id":"chatcmpl-stub","object":"chat.completion.chunk","created":%s,"model":"fast","choices":[{"index":0,"delta":%s,"finish_reason":%s}]}\n\n' \
    "$created" "$1" "$2"
}
sse=$(
  chunk '{"role":"assistant","content":""}' null
  chunk '{"content":"stub: "}' null
  chunk '{"content":"hello there "}' null
  chunk '{"content":"friend"}' null
  chunk '{}' '"stop"'
  printf 'data: {"id":"chatcmpl-stub","object":"chat.completion.chunk","created":%s,"model":"fast","choices":[],"usage":{"prompt_tokens":8,"completion_tokens":4,"total_tokens":12}}\n\n' "$created"
  printf 'data: [DONE]\n\n'
)
sse+=$'\n\n'   # $(...) strips the trailing blank line of the last event
models='{"object":"list","data":[{"id":"fast","object":"model","created":'$created',"owned_by":"stub"},{"id":"fast-sse","object":"model","created":'$created',"owned_by":"stub"}]}'
embed='{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2,0.3,0.4]}],"model":"fast","usage":{"prompt_tokens":2,"total_tokens":2}}'
# nginx quoted strings: escape backslashes and single quotes (the bodies have neither, but be safe).
q() { local s=${1//\\/\\\\}; printf "'%s'" "${s//\'/\\\'}"; }

cat > "$work/nginx.conf" <<NGX
$user_line
worker_processes $workers;
daemon off;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; multi_accept on; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  client_body_temp_path $work/tmp-body;
  proxy_temp_path $work/tmp-proxy;
  fastcgi_temp_path $work/tmp-fcgi;
  uwsgi_temp_path $work/tmp-uwsgi;
  scgi_temp_path $work/tmp-scgi;
  server_tokens off;
  server {
    listen 127.0.0.1:$port reuseport backlog=4096;
    location = /healthz { default_type application/json; return 200 '{"ok":true}'; }
    location = /v1/models { default_type application/json; return 200 $(q "$models"); }
    location = /sse/v1/models { default_type application/json; return 200 $(q "$models"); }
    location = /v1/chat/completions { default_type application/json; return 200 $(q "$json"); }
    location = /sse/v1/chat/completions {
      default_type text/event-stream;
      add_header Cache-Control no-cache;
      return 200 $(q "$sse");
    }
    location ~ ^(/sse)?/v1/embeddings\$ { default_type application/json; return 200 $(q "$embed"); }
    location / { default_type application/json; return 404 '{"error":{"message":"not found","type":"invalid_request_error"}}'; }
  }
}
NGX
exec "$NGINX" -p "$work" -c "$work/nginx.conf"
