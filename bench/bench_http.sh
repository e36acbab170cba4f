#!/usr/bin/env bash
# HTTP benchmark: wrk against the server on loopback, for each measured route: requests per second and p99
# latency, compared with the targets (20,000 screens/s and 5,000 order placements/s on 2 cores, p99 < 10 ms).
# Usage: bench/bench_http.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
secs=${2:-10}
bin=$build/clearance
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d)
db=$work/bench.db
export KEY
KEY=$("$bin" --db "$db" keys create --role admin 2>/dev/null)
"$bin" --db "$db" serve --listen 127.0.0.1:0 --port-file "$work/port" --threads "$(nproc)" 2>"$work/server.err" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do [[ -s "$work/port" ]] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$work/port")"

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; wrk -t2 -c32 -d${secs}s, server threads $(nproc)"
printf '%-34s %12s %10s %10s %s\n' "route" "requests/s" "p50 ms" "p99 ms" "target"
run() { # NAME PATH BODY TARGET_RPS
  printf '%s' "$3" >"$work/body.json"
  out=$(BODY_FILE="$work/body.json" wrk -t2 -c32 -d"${secs}s" --latency -s bench/http/post.lua "$url$2")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $4}' <<<"$out")
  ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.2f", v / 1000; else if (v ~ /ms$/) printf "%.2f", v + 0; else printf "%.2f", v * 1000 }'; }
  printf '%-34s %12.0f %10s %10s %s%s\n' "$1" "$rps" "$(ms "$p50")" "$(ms "$p99")" "$4" "${non2xx:+ (non-2xx: $non2xx)}"
}
run "POST /v1/determine" /v1/determine '{"product":"H200","to":"CN","date":"2026-02-01","value_usd":"1000000"}' "-"
run "POST /v1/classify" /v1/classify '{"chip":"H200","date":"2026-02-01"}' "-"
