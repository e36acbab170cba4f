#!/usr/bin/env bash
# HTTP benchmark: wrk against the server on loopback, for each measured route: requests per second and p99
# latency, compared with the targets (20,000 screens/s and 5,000 order placements/s on 2 cores, p99 < 10 ms).
# Usage: bench/bench_http.sh [BUILD_DIR] [SECONDS]
# BENCH_DB=postgresql://... runs against that (empty) PostgreSQL database instead of a new SQLite file.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
secs=${2:-10}
bin=$build/clearance
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d)
db=${BENCH_DB:-$work/bench.db}
export KEY
shared=../shared/data/lists
# the lists (every shared list: about 40,000 names) and two cleared parties, so orders to Singapore pass every gate
"$bin" --db "$db" lists import "$shared"/ofac_sdn_2024_05_03/sdn.csv "$shared"/ofac_2025_12_partial/{alt,add,sdn_comments}.csv \
  "$shared"/ofac_nonsdn_2025_12/cons_{prim,alt,add,comments}.csv "$shared"/un_2026_02/UN_consolidated.xml \
  "$shared"/bis_dpl/dpl_2022.txt "$shared"/csl_samples/consolidated_sample.csv >/dev/null
"$bin" --db "$db" party add "Bench Exporter" --roles exporter --country US >/dev/null
"$bin" --db "$db" party add "Bench Buyer" --roles importer --country SG >/dev/null
"$bin" --db "$db" party screen "Bench Exporter" "Bench Buyer" >/dev/null
KEY=$("$bin" --db "$db" keys create --role admin 2>/dev/null)
"$bin" --db "$db" serve --listen 127.0.0.1:0 --port-file "$work/port" --threads "${SRV_THREADS:-8}" 2>"$work/server.err" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do [[ -s "$work/port" ]] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$work/port")"

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; wrk -t2 -c${CONNS:-32} -d${secs}s, server threads ${SRV_THREADS:-8}"
printf '%-30s %12s %10s %10s %s\n' "route" "requests/s" "p50 ms" "p99 ms" "target"
run() { # NAME PATH BODIES TARGET: BODIES holds one JSON body a line, sent in turn
  printf '%s\n' "$3" >"$work/bodies.txt"
  out=$(BODIES_FILE="$work/bodies.txt" wrk -t2 -c"${CONNS:-32}" -d"${secs}s" --latency -s bench/http/rotate.lua "$url$2")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.2f", v / 1000; else if (v ~ /ms$/) printf "%.2f", v + 0; else printf "%.2f", v * 1000 }'; }
  printf '%-30s %12.0f %10s %10s %s%s\n' "$1" "$rps" "$(ms "$p50")" "$(ms "$p99")" "$4" "${non2xx:+ (non-2xx: $non2xx)}"
}
names=$(printf '{"names":["%s"]}\n' "Kim Jong Un" "金正恩" "Banco Nacional de Cuba" "George Bush" "Huawei Technologies Co., Ltd." \
  "DeepSeek" "Emma Daniels" "Korea Mining Development Trading Corporation" "Vladimir Putin" "Acme Semiconductor GmbH")
run "POST /v1/screen (1 name)" /v1/screen "$names" ">= 20,000/s, p99 < 10 ms"
run "POST /v1/orders (durable)" /v1/orders '{"exporter":"Bench Exporter","buyer":"Bench Buyer","product":"H200","quantity":1,"value_usd":"30000","destination":"SG"}' ">= 5,000/s, p99 < 10 ms"
curl -s "$url/metrics" | grep '^clearance_http_requests_total{route="/v1/orders",method="POST"' | sed 's/^/  /'
run "POST /v1/determine" /v1/determine '{"product":"H200","to":"CN","date":"2026-02-01","value_usd":"1000000"}' "-"
run "POST /v1/classify" /v1/classify '{"chip":"H200","date":"2026-02-01"}' "-"
