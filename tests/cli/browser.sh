# Browser test: serves a fresh database and drives the dashboard in headless Chromium (tests/browser/).
BIN=$1 SRC=$2
source "$SRC/tests/cli/testlib.bash"
if [[ ! -x /usr/bin/chromium ]]; then echo "chromium is not installed (scripts/setup --with-tests installs it)" >&2; exit 1; fi
if [[ ! -d "$SRC/tests/browser/node_modules/playwright-core" ]]; then
  (cd "$SRC/tests/browser" && npm ci --no-audit --no-fund >/dev/null) || { echo "npm ci failed" >&2; exit 1; }
fi
db="$work/browser.db"
"$BIN" scenario run "$SRC/data/scenarios/h200-2026.json" --db "$db" >/dev/null || { echo "the scenario did not run" >&2; exit 1; }
"$BIN" --db "$db" lists import "$SRC/../shared/data/lists/ofac_2021/"*.csv >/dev/null || { echo "lists did not import" >&2; exit 1; }
admin=$("$BIN" --db "$db" keys create --role admin 2>/dev/null)
auditor=$("$BIN" --db "$db" keys create --role auditor 2>/dev/null)
importer=$("$BIN" --db "$db" keys create --role importer --party DeepSeek 2>/dev/null)
exporter=$("$BIN" --db "$db" keys create --role exporter --party NVIDIA 2>/dev/null)
regulator=$("$BIN" --db "$db" keys create --role us_regulator --party BIS 2>/dev/null)
"$BIN" --db "$db" serve --listen 127.0.0.1:0 --port-file "$work/port" 2>"$work/server.err" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do [[ -s "$work/port" ]] && break; sleep 0.05; done
SCREENSHOT="$work/dashboard.png" timeout 120 node "$SRC/tests/browser/dashboard.test.js" "http://127.0.0.1:$(cat "$work/port")/" "$admin" "$auditor" "$importer" "$exporter" "$regulator"
