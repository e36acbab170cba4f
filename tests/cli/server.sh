# Integration test of the HTTP server: every route with every role (401/403 exactly as designed in
# tests/data/route_access.json), the OpenAPI document against the route table, limits and errors, metrics,
# the access log, and the CLI as a client of the server. The server stops when the test ends.
BIN=$1 SRC=$2
source "$SRC/tests/cli/testlib.bash"
db="$work/server.db"
"$BIN" --db "$db" keys list >/dev/null 2>&1 # creates the schema
declare -A KEY
for role in admin exporter importer us_regulator cn_regulator auditor; do
  KEY[$role]=$("$BIN" --db "$db" keys create --role "$role" --party "party-$role" 2>/dev/null)
done
"$BIN" --db "$db" serve --listen 127.0.0.1:0 --port-file "$work/port" --access-log "$work/access.log" 2>"$work/server.err" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do [[ -s "$work/port" ]] && break; sleep 0.05; done
port=$(cat "$work/port")
url="http://127.0.0.1:$port"

# call METHOD PATH BODY ROLE -> prints the status; the body goes to $work/body
call() {
  local args=(-s -o "$work/body" -w '%{http_code}' -X "$1" "$url$2")
  [[ -n "$3" ]] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
  [[ -n "$4" && "$4" != none ]] && args+=(-H "Authorization: Bearer ${KEY[$4]}")
  curl "${args[@]}"
}

access="$SRC/tests/data/route_access.json"
routes=$("$BIN" --json routes)
n=$(jq length <<<"$routes")
for ((i = 0; i < n; i++)); do
  method=$(jq -r ".[$i].method" <<<"$routes")
  pattern=$(jq -r ".[$i].path" <<<"$routes")
  spec=$(jq -c --arg k "$method $pattern" '.routes[$k]' "$access")
  if [[ "$spec" == null ]]; then
    failures=$((failures + 1)); echo "FAIL: route $method $pattern has no designed access in route_access.json" >&2; continue
  fi
  path=$(jq -r --arg p "$pattern" '.path // $p' <<<"$spec")
  body=$(jq -c '.body // empty' <<<"$spec")
  roles=$(jq -c '.roles' <<<"$spec")
  allowed_status=$(jq -r '.expect_allowed // empty' <<<"$spec")
  for role in none admin exporter importer us_regulator cn_regulator auditor; do
    status=$(call "$method" "$path" "$body" "$role")
    if [[ "$roles" == '"public"' ]]; then want=ok
    elif [[ "$role" == none ]]; then want=401
    elif [[ "$roles" == '"any"' ]] || jq -e --arg r "$role" 'index($r) != null' <<<"$roles" >/dev/null; then want=ok
    else want=403; fi
    checks=$((checks + 1))
    if [[ $want == ok ]]; then
      if [[ -n "$allowed_status" && "$status" != "$allowed_status" ]] || [[ -z "$allowed_status" && ! "$status" =~ ^2 ]]; then
        failures=$((failures + 1)); echo "FAIL: $method $path as $role: $status, expected ${allowed_status:-2xx}: $(cat "$work/body")" >&2
      fi
    elif [[ "$status" != "$want" ]]; then
      failures=$((failures + 1)); echo "FAIL: $method $path as $role: $status, expected $want" >&2
    fi
  done
done

# the OpenAPI document and the route table list the same operations
documented=$(jq -r '.paths | to_entries[] | .key as $p | .value | keys[] | "\(ascii_upcase) \($p)"' "$SRC/docs/openapi.json" | sort)
served=$(jq -r '.[] | "\(.method) \(.path)"' <<<"$routes" | sort)
expect_eq "$documented" "$served" "OpenAPI operations = routes"
expect_eq "$(call GET /v1/openapi.json '' none)" 200 "OpenAPI served"

# errors: field named, JSON syntax with line, body cap, unknown route, wrong method, bad and revoked keys
expect_eq "$(call POST /v1/determine '{"product":"H200","to":"China"}' exporter)" 400 "bad field"
expect_eq "$(jq -r .error.field "$work/body")" '$.to' "error names the field"
expect_eq "$(call POST /v1/determine '{"product":"H200","colour":"red","to":"CN"}' exporter)" 400 "unknown field"
expect_eq "$(jq -r .error.field "$work/body")" '$.colour' "unknown field named"
expect_eq "$(call POST /v1/determine $'{"product":\n"H200",' exporter)" 400 "syntax error"
expect_contains "$(jq -r .error.message "$work/body")" "request body:2:" "syntax error line"
head -c 1100000 /dev/zero | tr '\0' ' ' >"$work/big.json"
checks=$((checks + 1))
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${KEY[exporter]}" -H 'Content-Type: application/json' --data-binary @"$work/big.json" "$url/v1/determine")
[[ $status == 413 ]] || { failures=$((failures + 1)); echo "FAIL: oversized body gave $status" >&2; }
expect_eq "$(call GET /v1/nowhere '' admin)" 404 "unknown route"
expect_eq "$(call PUT /v1/determine '{}' admin)" 405 "wrong method"
KEY[bogus]="clk_0000000000000000_0000000000000000000000000000000000000000"
expect_eq "$(call GET /v1/chips '' bogus)" 401 "unknown key"
revoked=$("$BIN" --db "$db" keys create --role exporter 2>/dev/null)
"$BIN" --db "$db" keys revoke "$(cut -d_ -f2 <<<"$revoked")"
KEY[revoked]=$revoked
expect_eq "$(call GET /v1/chips '' revoked)" 401 "revoked key"

# the CLI as a client of the server
expect_status 0 "$BIN" --server "$url" --key "${KEY[exporter]}" compare H200 H20
expect_contains "$out" "6.7x TPP" "remote compare"
expect_status 0 "$BIN" --server "$url" --key "${KEY[auditor]}" --json determine --product B200 --to CN --date 2026-02-01
expect_eq "$(jq -r .verdict <<<"$out")" denial_expected "remote determine"
expect_status 65 "$BIN" --server "$url" --key "${KEY[exporter]}" determine --product H200 --to China
expect_contains "$err" "--to:" "remote error named as the option"
expect_status 77 "$BIN" --server "$url" --key "${KEY[importer]}" keys list
expect_status 77 "$BIN" --server "$url" determine --product H200 --to CN

# metrics and the access log
metrics=$(curl -s "$url/metrics")
expect_contains "$metrics" 'clearance_http_requests_total{route="/v1/determine",method="POST",code="200"}' "request counter"
expect_contains "$metrics" 'clearance_decisions_total{kind="determine",outcome="required_conditions_pending"}' "decision counter"
expect_contains "$metrics" 'clearance_http_request_duration_seconds_bucket{route="/v1/chips",method="GET",le="+Inf"}' "latency histogram"
secret=$(cut -d_ -f3 <<<"${KEY[admin]}")
checks=$((checks + 1))
if grep -q "$secret" "$work/access.log"; then failures=$((failures + 1)); echo "FAIL: a key secret is in the access log" >&2; fi
expect_eq "$(tail -n 1 "$work/access.log" | jq -r 'has("status") and has("duration_us") and has("route")')" true "structured access log"

finish
