#!/usr/bin/env bash
# Key verification and gateway throughput on loopback, each against a
# baseline measured in the same run (the machine is shared; only ratios hold):
#   - GET /v1/key with a key  vs  a bare axum handler returning fixed JSON
#   - the gateway             vs  Debian's nginx proxying to the same upstream
#     (1 worker process, the issue's baseline; and, since keyscope runs one
#     worker thread per core, also nginx with 2 worker processes), and a
#     ceiling: the leanest proxy hyper allows, doing nothing but forward
#     (crates/server/examples/bench_proxy.rs)
#   - the gateway             vs  nginx doing the gateway's job (issue 16): the
#     key checked through a `map`, a per-key `limit_req` set far above what
#     the load reaches (as the bench key's own rate is), the key not
#     forwarded, X-Forwarded-For/Proto/Host and X-Request-Id set, and a JSON
#     access log line for every call, buffered: the like-for-like baseline
#     the gateway's throughput and latency aims are stated against
# Load: wrk (Debian), 2 threads, 64 connections, DURATION seconds per target.
# Beside throughput and latency, each target's server CPU per request (from
# /proc/PID/stat): steadier than throughput on a shared machine.
# Then latency at fixed rates both proxies carry (RATES requests/s, default
# "5000 20000", over 32 connections; crates/server/examples/bench_load.rs):
# what the proxy adds to a call, without the queueing of a saturated machine.
# ROUNDS=n measures every target n times, interleaved, and reports medians.
# KEYSCOPE_BIN=path measures another keyscope binary (an older build, for A/B).
# Usage: scripts/bench/gateway.sh            (prints a Markdown table)
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-1}
RATES=${RATES:-5000 20000}
TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
WORK=$(mktemp -d /tmp/keyscope-bench-XXXX)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; for conf in nginx nginx2 nginxlog nginxgw; do nginx -c "$WORK/$conf.conf" -s stop 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

for tool in wrk nginx; do
  command -v "$tool" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx >/dev/null; }
done
cargo build --quiet --profile production -p keyscope-server --bin keyscope --example bench_targets --example bench_proxy --example bench_load

KEYSCOPE=127.0.0.1:18100 FIXED=127.0.0.1:18101 UPSTREAM=127.0.0.1:18102 NGINX=127.0.0.1:18103 NGINX2=127.0.0.1:18104 HYPER=127.0.0.1:18105 NGINXLOG=127.0.0.1:18106 NGINXGW=127.0.0.1:18107
"$TARGET_DIR/production/examples/bench_targets" "$FIXED" "$UPSTREAM" >/dev/null & PIDS+=($!)
TARGETS_PID=$!
"$TARGET_DIR/production/examples/bench_proxy" "$HYPER" "$UPSTREAM" >/dev/null & PIDS+=($!)
HYPER_PID=$!
RUST_LOG=warn "${KEYSCOPE_BIN:-$TARGET_DIR/production/keyscope}" serve --allow-private-upstreams --listen "$KEYSCOPE" --data-dir "$WORK/data" --web-dir "$WORK" >"$WORK/keyscope.out" & PIDS+=($!)
KEYSCOPE_PID=$!
nginx_conf() { # workers listen-address name [access_log]
  cat <<NGINX
worker_processes $1;
pid $WORK/$3.pid;
error_log $WORK/$3-error.log;
events { worker_connections 1024; }
http {
  access_log ${4:-off};
  upstream target { server $UPSTREAM; keepalive 64; }
  server {
    listen $2;
    location / { proxy_pass http://target; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
NGINX
}
nginx_conf 1 "$NGINX" nginx >"$WORK/nginx.conf"
nginx_conf 2 "$NGINX2" nginx2 >"$WORK/nginx2.conf"
# Like for like in one respect: nginx writing a line for every request, as
# keyscope records every call (buffered, as a busy nginx is set up).
nginx_conf 1 "$NGINXLOG" nginxlog "$WORK/access.log combined buffer=64k flush=1s" >"$WORK/nginxlog.conf"
nginx -c "$WORK/nginx.conf"
nginx -c "$WORK/nginx2.conf"
nginx -c "$WORK/nginxlog.conf"
nginx_workers() { pgrep -P "$(cat "$WORK/$1.pid")" | tr '\n' ' '; }
for _ in $(seq 50); do grep -q "listening on" "$WORK/keyscope.out" 2>/dev/null && break; sleep 0.2; done

# Set up through the public API: sign in, a project with the upstream, a key
# whose own rate is high enough that the limiter admits the whole load.
email=$(awk '/email:/ {print $2}' "$WORK/keyscope.out")
password=$(awk '/password:/ {print $2}' "$WORK/keyscope.out")
api() { curl -sf -b "$WORK/cookies" -c "$WORK/cookies" -H 'Content-Type: application/json' "$@"; }
csrf=$(api -X POST "http://$KEYSCOPE/v1/session" -d "{\"email\":\"$email\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["csrf_token"])')
api() { curl -sf -b "$WORK/cookies" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" "$@"; }
project=$(api -X POST "http://$KEYSCOPE/v1/projects" -d '{"name":"bench"}')
project_id=$(echo "$project" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["project"]["id"])')
api_id=$(echo "$project" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["credentials"]["api_id"])')
api -X PATCH "http://$KEYSCOPE/v1/projects/$project_id" -d "{\"upstream_url\":\"http://$UPSTREAM\"}" >/dev/null
created=$(api -X POST "http://$KEYSCOPE/v1/keys" -d "{\"name\":\"bench\",\"scopes\":[\"admin\"],\"plan\":\"enterprise\",\"rate_limit_per_minute\":100000000}")
key=$(echo "$created" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["secret"])')
key_id=$(echo "$created" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["key"]["id"])')

# nginx doing the gateway's job, on the gateway's own URL shape
# (/gateway/{api_id}/…, the prefix stripped): the key taken from
# `Authorization: Bearer` or `x-api-key` and checked through a `map` (401
# otherwise), limited per key by `limit_req` at 100,000,000 a minute with a
# burst of 100,000 (keyscope's bench key has the same per-minute rate: a
# limit wrk never reaches, but each call is still counted against it), the
# key not forwarded, the forwarding headers and request id set, and a JSON
# line for every call (request id, time, key id, method, path, status,
# bytes, latency, client), buffered as a busy nginx is set up. Not done: the
# rate-limit answer headers keyscope adds, scopes, and a queryable record.
cat >"$WORK/nginxgw.conf" <<NGINX
worker_processes 1;
pid $WORK/nginxgw.pid;
error_log $WORK/nginxgw-error.log;
events { worker_connections 1024; }
http {
  map \$http_authorization \$bearer_key { "~^Bearer (?<k>.+)\$" \$k; default \$http_x_api_key; }
  map \$bearer_key \$key_id { "$key" "$key_id"; default ""; }
  limit_req_zone \$bearer_key zone=perkey:10m rate=100000000r/m;
  log_format json escape=json '{"request_id":"\$request_id","time":"\$time_iso8601","key_id":"\$key_id","method":"\$request_method","path":"\$uri","status":\$status,"bytes":\$body_bytes_sent,"latency":\$request_time,"client_ip":"\$remote_addr"}';
  access_log $WORK/nginxgw-access.log json buffer=64k flush=1s;
  upstream target { server $UPSTREAM; keepalive 64; }
  server {
    listen $NGINXGW;
    location /gateway/$api_id/ {
      if (\$key_id = "") { return 401; }
      limit_req zone=perkey burst=100000 nodelay;
      limit_req_status 429;
      proxy_pass http://target/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "";
      proxy_set_header X-Api-Key "";
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host;
      proxy_set_header X-Request-Id \$request_id;
      add_header X-Request-Id \$request_id always;
    }
  }
}
NGINX
nginx -c "$WORK/nginxgw.conf"
# The baseline refuses what keyscope refuses, and forwards what it forwards.
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$NGINXGW/gateway/$api_id/items/1")" = 401 ] || { echo "nginx-gateway answered a call without a key" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "x-api-key: $key" "http://$NGINXGW/gateway/$api_id/items/1")" = 200 ] || { echo "nginx-gateway refused the bench key" >&2; exit 1; }

# CPU time (user + system, all threads) the given processes have used, in
# clock ticks: /proc/PID/stat fields 14 and 15.
cpu_ticks() {
  local total=0 pid
  for pid in "$@"; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
TICKS_PER_SECOND=$(getconf CLK_TCK)

# wrk's "Requests/sec", the 50% and 99% latencies in microseconds, and the
# CPU microseconds the serving processes spent per request: the ratio that
# load beside the benchmark disturbs least.
measure() { # "serving PIDs" wrk arguments…
  local pids=$1 out before after
  shift
  before=$(cpu_ticks $pids)
  out=$(wrk -t2 -c64 -d"${DURATION}s" --latency "$@")
  after=$(cpu_ticks $pids)
  echo "$out" | grep -q "Non-2xx" && { echo "non-2xx answers from $*" >&2; echo "$out" >&2; exit 1; }
  python3 - "$out" "$((after - before))" "$TICKS_PER_SECOND" <<'PY'
import re, sys
out, ticks, per_second = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def micros(label):
    value, unit = re.search(r"^\s+%s\s+([\d.]+)(us|ms|s)\s*$" % label, out, re.M).groups()
    return float(value) * {"us": 1, "ms": 1000, "s": 1e6}[unit]
requests = int(re.search(r"(\d+) requests in", out).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
cpu = ticks / per_second * 1e6 / requests
print(f"{rps:.0f} {micros('50%'):.0f} {micros('99%'):.0f} {cpu:.1f}")
PY
}

# Every target once a round, in the same order; medians across rounds.
targets=(fixed verify direct nginx nginx2 nginxlog nginxgw hyper gateway)
declare -A results
for _ in $(seq "$ROUNDS"); do
  results[fixed]+="$(measure "$TARGETS_PID" "http://$FIXED/fixed");"
  results[verify]+="$(measure "$KEYSCOPE_PID" -H "Authorization: Bearer $key" "http://$KEYSCOPE/v1/key");"
  results[direct]+="$(measure "$TARGETS_PID" "http://$UPSTREAM/items/1");"
  results[nginx]+="$(measure "$(nginx_workers nginx)" "http://$NGINX/items/1");"
  results[nginx2]+="$(measure "$(nginx_workers nginx2)" "http://$NGINX2/items/1");"
  results[nginxlog]+="$(measure "$(nginx_workers nginxlog)" "http://$NGINXLOG/items/1");"
  results[nginxgw]+="$(measure "$(nginx_workers nginxgw)" -H "Authorization: Bearer $key" "http://$NGINXGW/gateway/$api_id/items/1");"
  results[hyper]+="$(measure "$HYPER_PID" "http://$HYPER/items/1");"
  results[gateway]+="$(measure "$KEYSCOPE_PID" -H "Authorization: Bearer $key" "http://$KEYSCOPE/gateway/$api_id/items/1");"
done

# The same targets at fixed rates: answered, rate, p50, p99, p99.9, max.
declare -A paced
paced_run() { "$TARGET_DIR/production/examples/bench_load" "$1" "$2" "$DURATION" 32 "${@:3}"; }
for _ in $(seq "$ROUNDS"); do
  for rate in $RATES; do
    paced[direct $rate]+="$(paced_run "http://$UPSTREAM/items/1" "$rate");"
    paced[nginx $rate]+="$(paced_run "http://$NGINX/items/1" "$rate");"
    paced[nginxgw $rate]+="$(paced_run "http://$NGINXGW/gateway/$api_id/items/1" "$rate" "Authorization: Bearer $key");"
    paced[hyper $rate]+="$(paced_run "http://$HYPER/items/1" "$rate");"
    paced[gateway $rate]+="$(paced_run "http://$KEYSCOPE/gateway/$api_id/items/1" "$rate" "Authorization: Bearer $key");"
  done
done

python3 - "$ROUNDS" <<PY
import statistics, sys
raw = {$(for target in "${targets[@]}"; do printf '"%s": "%s", ' "$target" "${results[$target]}"; done)}
def median(target):
    runs = [tuple(map(float, run.split())) for run in raw[target].split(";") if run.strip()]
    return tuple(statistics.median(run[i] for run in runs) for i in range(4))
fixed, verify, direct, nginx, nginx2, nginxlog, nginxgw, hyper, gateway = (median(t) for t in ("fixed", "verify", "direct", "nginx", "nginx2", "nginxlog", "nginxgw", "hyper", "gateway"))
rounds = int(sys.argv[1])
if rounds > 1:
    print(f"Medians of {rounds} rounds.\n")
def row(label, m, note):
    print(f"| {label} | {m[0]:.0f} | {m[1]:.0f} µs | {m[2]:.0f} µs | {m[3]:.1f} µs | {note} |")
def added(m):
    return f"adds p50 {m[1]-direct[1]:+.0f} µs, p99 {m[2]-direct[2]:+.0f} µs"
print("| measurement | requests/s | p50 | p99 | server CPU a request | ratio / added latency |")
print("| --- | ---: | ---: | ---: | ---: | --- |")
row("bare axum, fixed JSON (baseline)", fixed, "1.00")
row("key verification, GET /v1/key", verify, f"**{verify[0] / fixed[0]:.2f}** of baseline (aim ≥ 0.75); {verify[3] / fixed[3]:.1f}× its CPU a request")
row("upstream direct", direct, "–")
row("nginx → upstream, 1 worker (baseline)", nginx, added(nginx))
row("nginx → upstream, 2 workers", nginx2, added(nginx2))
row("nginx → upstream, 1 worker, access log on", nginxlog, f"{nginxlog[0] / nginx[0]:.2f} of nginx's throughput without it; {added(nginxlog)}")
row("nginx doing the gateway's job → upstream (baseline)", nginxgw, f"1.00; {nginxgw[0] / nginx[0]:.2f} of plain nginx's throughput; {added(nginxgw)}; {nginxgw[3] / nginx[3]:.1f}× plain nginx's CPU a request")
row("bare hyper proxy → upstream (ceiling)", hyper, f"{hyper[0] / nginx[0]:.2f} of nginx's throughput; {added(hyper)}; {hyper[3] / nginx[3]:.1f}× nginx's CPU a request")
row("keyscope gateway → upstream", gateway, f"**{gateway[0] / nginxgw[0]:.2f}** of nginx doing the gateway's job (aim ≥ 0.80); {gateway[0] / nginx[0]:.2f} of plain nginx's ({gateway[0] / nginx2[0]:.2f} of 2 workers', {gateway[0] / nginxlog[0]:.2f} of logging nginx's, {gateway[0] / hyper[0]:.2f} of the bare hyper proxy's); {added(gateway)}; {gateway[3] / nginxgw[3]:.1f}× the nginx gateway's CPU a request, {gateway[3] / nginx[3]:.1f}× plain nginx's")
print()
print("Server CPU a request: user and system time of the serving processes (all")
print("threads; keyscope's log writer included, the upstream not) over the wrk run,")
print("divided by the requests answered.")

paced = {$(for entry in "${!paced[@]}"; do printf '"%s": "%s", ' "$entry" "${paced[$entry]}"; done)}
def paced_median(entry):
    runs = [tuple(map(float, run.split())) for run in paced[entry].split(";") if run.strip()]
    return tuple(statistics.median(run[i] for run in runs) for i in range(6))
print()
print("At fixed rates (open loop, 32 connections; latency from when each request was due):")
print()
print("| measurement | requests/s | p50 | p99 | p99.9 | added to direct |")
print("| --- | ---: | ---: | ---: | ---: | --- |")
for rate in "$RATES".split():
    direct_paced = paced_median(f"direct {rate}")
    nginxgw_paced = paced_median(f"nginxgw {rate}")
    for label, target in (("upstream direct", "direct"), ("nginx → upstream, 1 worker", "nginx"), ("nginx doing the gateway's job → upstream", "nginxgw"), ("bare hyper proxy → upstream", "hyper"), ("keyscope gateway → upstream", "gateway")):
        m = paced_median(f"{target} {rate}")
        note = "–" if target == "direct" else f"p50 {m[2]-direct_paced[2]:+.0f} µs, p99 {m[3]-direct_paced[3]:+.0f} µs"
        if target == "gateway":
            note += f"{' (aim: p99 under +1000 µs)' if rate == '5000' else ''}; p99 {m[3]-nginxgw_paced[3]:+.0f} µs against nginx doing the gateway's job"
        print(f"| {label}, {rate}/s | {m[1]:.0f} | {m[2]:.0f} µs | {m[3]:.0f} µs | {m[4]:.0f} µs | {note} |")
PY
