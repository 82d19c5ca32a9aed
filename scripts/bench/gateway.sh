#!/usr/bin/env bash
# Key verification and gateway throughput on loopback, each against a
# baseline measured in the same run (the machine is shared; only ratios hold):
#   - GET /v1/key with a key  vs  a bare axum handler returning fixed JSON
#   - the gateway             vs  Debian's nginx proxying to the same upstream
# Load: wrk (Debian), 2 threads, 64 connections, DURATION seconds per target.
# Usage: scripts/bench/gateway.sh            (prints a Markdown table)
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10}
TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
WORK=$(mktemp -d /tmp/keyscope-bench-XXXX)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; nginx -c "$WORK/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

for tool in wrk nginx; do
  command -v "$tool" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx >/dev/null; }
done
cargo build --quiet --profile server -p keyscope-server --bin keyscope --example bench_targets

KEYSCOPE=127.0.0.1:18100 FIXED=127.0.0.1:18101 UPSTREAM=127.0.0.1:18102 NGINX=127.0.0.1:18103
"$TARGET_DIR/server/examples/bench_targets" "$FIXED" "$UPSTREAM" >/dev/null & PIDS+=($!)
RUST_LOG=warn "$TARGET_DIR/server/keyscope" serve --listen "$KEYSCOPE" --data-dir "$WORK/data" --web-dir "$WORK" >"$WORK/keyscope.out" & PIDS+=($!)
cat >"$WORK/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  upstream target { server $UPSTREAM; keepalive 64; }
  server {
    listen $NGINX;
    location / { proxy_pass http://target; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
NGINX
nginx -c "$WORK/nginx.conf"
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
key=$(api -X POST "http://$KEYSCOPE/v1/keys" -d "{\"name\":\"bench\",\"scopes\":[\"admin\"],\"plan\":\"enterprise\",\"rate_limit_per_minute\":100000000}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["secret"])')

# wrk's "Requests/sec" and the 50% and 99% latencies, in microseconds.
measure() {
  local out
  out=$(wrk -t2 -c64 -d"${DURATION}s" --latency "$@")
  echo "$out" | grep -q "Non-2xx" && { echo "non-2xx answers from $*" >&2; echo "$out" >&2; exit 1; }
  python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
def micros(label):
    value, unit = re.search(r"^\s+%s\s+([\d.]+)(us|ms|s)\s*$" % label, out, re.M).groups()
    return float(value) * {"us": 1, "ms": 1000, "s": 1e6}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
print(f"{rps:.0f} {micros('50%'):.0f} {micros('99%'):.0f}")
PY
}

read -r fixed_rps fixed_p50 fixed_p99 < <(measure "http://$FIXED/fixed")
read -r verify_rps verify_p50 verify_p99 < <(measure -H "Authorization: Bearer $key" "http://$KEYSCOPE/v1/key")
read -r direct_rps direct_p50 direct_p99 < <(measure "http://$UPSTREAM/items/1")
read -r nginx_rps nginx_p50 nginx_p99 < <(measure "http://$NGINX/items/1")
read -r gateway_rps gateway_p50 gateway_p99 < <(measure -H "Authorization: Bearer $key" "http://$KEYSCOPE/gateway/$api_id/items/1")

python3 - <<PY
fixed, verify = $fixed_rps, $verify_rps
direct, nginx, gateway = ($direct_rps, $direct_p50, $direct_p99), ($nginx_rps, $nginx_p50, $nginx_p99), ($gateway_rps, $gateway_p50, $gateway_p99)
print("| measurement | requests/s | p50 | p99 | ratio / added latency |")
print("| --- | ---: | ---: | ---: | --- |")
print(f"| bare axum, fixed JSON (baseline) | {fixed:.0f} | {$fixed_p50:.0f} µs | {$fixed_p99:.0f} µs | 1.00 |")
print(f"| key verification, GET /v1/key | {verify:.0f} | {$verify_p50:.0f} µs | {$verify_p99:.0f} µs | **{verify / fixed:.2f}** of baseline (aim ≥ 0.80) |")
print(f"| upstream direct | {direct[0]:.0f} | {direct[1]:.0f} µs | {direct[2]:.0f} µs | – |")
print(f"| nginx → upstream (baseline) | {nginx[0]:.0f} | {nginx[1]:.0f} µs | {nginx[2]:.0f} µs | adds p50 {nginx[1]-direct[1]:+.0f} µs, p99 {nginx[2]-direct[2]:+.0f} µs |")
print(f"| keyscope gateway → upstream | {gateway[0]:.0f} | {gateway[1]:.0f} µs | {gateway[2]:.0f} µs | **{gateway[0] / nginx[0]:.2f}** of nginx's throughput; adds p50 {gateway[1]-direct[1]:+.0f} µs, p99 {gateway[2]-direct[2]:+.0f} µs |")
PY
