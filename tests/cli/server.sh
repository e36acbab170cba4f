# Integration test of the HTTP server: every route with every role (401/403 exactly as designed in
# tests/data/route_access.json), the OpenAPI document against the route table, limits and errors, metrics,
# the access log, and the CLI as a client of the server. The server stops when the test ends.
BIN=$1 SRC=$2
source "$SRC/tests/cli/testlib.bash"
db="$work/server.db"
"$BIN" scenario run "$SRC/data/scenarios/h200-2026.json" --db "$db" >/dev/null || { echo "the scenario did not run" >&2; exit 1; }
"$BIN" --db "$db" journal keygen >/dev/null || { echo "no journal key" >&2; exit 1; }
"$BIN" --db "$db" lists import "$SRC/../shared/data/lists/ofac_2021/"*.csv "$SRC/../shared/data/lists/un_2026_02/UN_consolidated.xml" >/dev/null ||
  { echo "lists did not import" >&2; exit 1; }
"$BIN" --db "$db" journal checkpoint >/dev/null
declare -A KEY
for spec in admin: exporter:NVIDIA importer:DeepSeek us_regulator:BIS cn_regulator:MOFCOM auditor:; do
  role=${spec%%:*} party=${spec#*:}
  KEY[$role]=$("$BIN" --db "$db" keys create --role "$role" ${party:+--party "$party"} 2>/dev/null)
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
  roles=$(jq -c '.roles' <<<"$spec")
  allowed_status=$(jq -r '.expect_allowed // empty' <<<"$spec")
  for role in none admin exporter importer us_regulator cn_regulator auditor; do
    path=$(jq -r --arg p "$pattern" --arg r "$role" '(.path_by_role // {}) as $m | $m[$r] // $m["*"] // .path // $p' <<<"$spec")
    body=$(jq -c --arg r "$role" '(.body_by_role // {}) as $m | ($m[$r] // $m["*"] // .body) // empty' <<<"$spec")
    body=${body//\{role\}/$role}
    status=$(call "$method" "$path" "$body" "$role")
    if [[ "$roles" == '"public"' ]]; then want=ok
    elif [[ "$role" == none ]]; then want=401
    elif [[ "$roles" == '"any"' ]] || jq -e --arg r "$role" 'index($r) != null' <<<"$roles" >/dev/null; then want=ok
    else want=403; fi
    checks=$((checks + 1))
    if [[ $want == ok ]]; then
      if [[ "$allowed_status" == not_denied ]]; then
        if [[ "$status" == 401 || "$status" == 403 || "$status" =~ ^5 ]]; then
          failures=$((failures + 1)); echo "FAIL: $method $path as $role: $status, expected not denied: $(cat "$work/body")" >&2
        fi
      elif [[ -n "$allowed_status" && "$status" != "$allowed_status" ]] || [[ -z "$allowed_status" && ! "$status" =~ ^2 ]]; then
        failures=$((failures + 1)); echo "FAIL: $method $path as $role: $status, expected ${allowed_status:-2xx}: $(cat "$work/body")" >&2
      fi
    elif [[ "$status" != "$want" ]]; then
      failures=$((failures + 1)); echo "FAIL: $method $path as $role: $status, expected $want" >&2
    fi
  done
done

# scoping: an importer sees only its own orders and approvals; a regulator acts only in its jurisdiction;
# the auditor's totals carry no commercial field
expect_eq "$(call GET /v1/orders '' importer)" 200 "importer lists orders"
expect_eq "$(jq -r '[.result[].buyer] | unique | join(",")' "$work/body")" DeepSeek "importer sees only its orders"
expect_eq "$(call GET /v1/orders/O-BY-1 '' importer)" 404 "another importer's order is absent"
expect_eq "$(call GET /v1/authorizations '' importer)" 200 "importer lists authorizations"
expect_eq "$(jq -r '[.result[] | select(.holder != "DeepSeek" and (.parties | index("DeepSeek") | not))] | length' "$work/body")" 0 "importer sees only its authorizations"
expect_eq "$(call GET /v1/shipments '' importer)" 200 "importer lists shipments"
expect_eq "$(jq -r '[.result[].buyer] | unique | join(",")' "$work/body")" DeepSeek "importer sees only its shipments"
expect_eq "$(call POST /v1/authorizations '{"jurisdiction":"CN","kind":"purchase_approval","authority":"MOFCOM","holder":"Tencent","products":["H200"],"draft":true}' importer)" 403 "importer applies only for itself"
expect_eq "$(call POST /v1/authorizations/BIS-BY-1/decision '{"outcome":"approved"}' cn_regulator)" 403 "CN regulator cannot decide a US licence"
expect_contains "$(jq -r .error.message "$work/body")" "acts only on CN authorizations" "jurisdiction named"
expect_eq "$(call POST /v1/parties/Tencent/vetting '{"jurisdiction":"CN","state":"vetted"}' us_regulator)" 403 "US regulator cannot vet in CN"
expect_eq "$(call GET /v1/totals '' auditor)" 200 "auditor totals"
expect_eq "$(jq -r '[paths | map(tostring) | join(".") | select(test("value|cents|price|fee|amount"))] | length' "$work/body")" 0 "no commercial field in totals"
expect_eq "$(jq -r '.units_shipped_under_export_licences > 0' "$work/body")" true "units shipped"
# idempotency: the same key twice books once (an order to Singapore needs no licence: only screened parties)
expect_eq "$(call POST /v1/parties '{"name":"Idem Buyer","roles":"importer","country":"SG"}' admin)" 201 "party added"
expect_eq "$(call POST "/v1/parties/Idem%20Buyer/screening" '{"decision":"clear","list_version":"test"}' admin)" 200 "party screened"
before=$(call GET /v1/orders '' admin >/dev/null; jq '.result | length' "$work/body")
order='{"exporter":"NVIDIA","buyer":"Idem Buyer","product":"H200","quantity":1,"value_usd":"30000","destination":"SG","date":"2026-04-21"}'
s1=$(curl -s -o "$work/o1" -w '%{http_code}' -H "Authorization: Bearer ${KEY[admin]}" -H 'Idempotency-Key: idem-test-1' --data-binary "$order" "$url/v1/orders")
s2=$(curl -s -o "$work/o2" -w '%{http_code}' -H "Authorization: Bearer ${KEY[admin]}" -H 'Idempotency-Key: idem-test-1' --data-binary "$order" "$url/v1/orders")
expect_eq "$s1 $s2" "201 200" "first booking created, retry answered"
expect_eq "$(jq -r .result.ref "$work/o2")" "$(jq -r .result.ref "$work/o1")" "the retry returns the first order"
expect_eq "$(jq -r .replayed "$work/o2")" true "the retry is marked replayed"
after=$(call GET /v1/orders '' admin >/dev/null; jq '.result | length' "$work/body")
expect_eq "$((after - before))" 1 "booked once"
# a dry run: 200 with what it would book, or 422 with every reason; nothing is booked or journaled either way
idem_order=$(jq -r .result.ref "$work/o1")
call GET /v1/journal '' admin >/dev/null
size_before=$(jq -r .tree_size "$work/body")
expect_eq "$((size_before > 0))" 1 "journal size read"
expect_eq "$(call POST /v1/shipments "{\"order\":\"$idem_order\",\"quantity\":1,\"date\":\"2026-04-21\",\"dry_run\":true}" exporter)" 200 "dry-run shipment"
expect_eq "$(jq -r '[.dry_run, .outcome, .result.order, .events] | join(" ")' "$work/body")" "true ok $idem_order 0" "would ship, booked nothing"
expect_eq "$(call POST /v1/shipments "{\"order\":\"$idem_order\",\"quantity\":2,\"date\":\"2026-04-21\",\"dry_run\":true}" exporter)" 422 "dry run of too many units"
expect_eq "$(jq -r '[.dry_run, .outcome, .reasons[0].code] | join(" ")' "$work/body")" "true refused ORDER_QUANTITY_EXCEEDED" "would be held, and why"
expect_eq "$(call POST /v1/orders "${order%\}},\"dry_run\":true}" exporter)" 200 "dry-run order"
expect_eq "$(call GET "/v1/orders/$idem_order" '' admin)" 200 "the order read back"
expect_eq "$(jq -r .result.quantity_shipped "$work/body")" 0 "the dry run shipped nothing"
after_dry=$(call GET /v1/orders '' admin >/dev/null; jq '.result | length' "$work/body")
expect_eq "$after_dry" "$after" "a dry-run order books nothing"
call GET /v1/journal '' admin >/dev/null
expect_eq "$(jq -r .tree_size "$work/body")" "$size_before" "dry runs journal nothing"
s3=$(curl -s -o "$work/o3" -w '%{http_code}' -H "Authorization: Bearer ${KEY[admin]}" -H 'Idempotency-Key: idem-dry' --data-binary "${order%\}},\"dry_run\":true}" "$url/v1/orders")
expect_eq "$s3" 400 "a dry run takes no Idempotency-Key"
expect_contains "$(jq -r .error.message "$work/o3")" "takes no idempotency key" "and says so"

# an auditor checks the log from outside: checkpoint, proof and public key over HTTP, verified offline
expect_eq "$(call GET /v1/journal/checkpoint '' auditor)" 200 "checkpoint"
jq -j .note "$work/body" >"$work/cp.txt"
cp_size=$(jq -r .tree_size "$work/body")
expect_eq "$(call GET "/v1/journal/proofs/inclusion?index=5&size=$cp_size" '' auditor)" 200 "inclusion proof"
cp "$work/body" "$work/proof.json"
expect_eq "$(call GET /v1/journal/public-key '' none)" 200 "public key"
jq -r .public_key "$work/body" >"$work/pub.txt"
expect_status 0 "$BIN" journal verify --checkpoint "$work/cp.txt" --proof "$work/proof.json" --public-key "$work/pub.txt"
expect_contains "$out" "entry 5 is in the log" "offline inclusion check"
jq '.hashes[0] |= (.[0:1] as $c | (if $c == "0" then "1" else "0" end) + .[1:])' "$work/proof.json" >"$work/bad-proof.json"
expect_status 1 "$BIN" journal verify --checkpoint "$work/cp.txt" --proof "$work/bad-proof.json" --public-key "$work/pub.txt"
# the same with the CLI as the auditor's client: it needs no database
expect_status 0 "$BIN" --server "$url" --key "${KEY[auditor]}" journal show --checkpoint
printf '%s' "$out" >"$work/cp2.txt"
echo >>"$work/cp2.txt"
expect_status 0 "$BIN" --server "$url" --key "${KEY[auditor]}" journal proof --index 7
printf '%s\n' "$out" >"$work/proof2.json"
expect_status 0 "$BIN" journal verify --checkpoint "$work/cp2.txt" --proof "$work/proof2.json" --public-key "$work/pub.txt"
expect_contains "$out" "entry 7 is in the log" "remote checkpoint and proof verify offline"
# a disclosure of a commercial field: refused to the auditor, given to the exporter, checkable by anyone
expect_eq "$(call GET '/v1/journal/entries/69/disclosure?fields=value_cents' '' auditor)" 403 "auditor cannot reveal values"
expect_eq "$(call GET '/v1/journal/entries/69/disclosure?fields=value_cents' '' exporter)" 200 "exporter reveals a value"
cp "$work/body" "$work/disclosure.json"
expect_status 0 "$BIN" journal verify --disclosure "$work/disclosure.json" --public-key "$work/pub.txt"
expect_contains "$out" "matches its commitment" "disclosure verified"
expect_status 0 "$BIN" --server "$url" --key "${KEY[exporter]}" journal disclose 69 --fields value_cents
printf '%s\n' "$out" >"$work/disclosure2.json"
expect_status 0 "$BIN" journal verify --disclosure "$work/disclosure2.json" --public-key "$work/pub.txt"
expect_status 77 "$BIN" --server "$url" --key "${KEY[auditor]}" journal disclose 69 --fields value_cents

# screening: names across scripts, explained; a new party is screened at once and its decision recorded
expect_eq "$(call POST /v1/screen '{"names":["金正恩","George Bush"]}' exporter)" 200 "screen"
expect_eq "$(jq -r '[.results[].decision] | join(",")' "$work/body")" "block,clear" "Han script matched, no false alarm"
expect_contains "$(jq -r '.results[0].matches[0].matched_name' "$work/body")" "KIM, Jong Un" "the listed name"
expect_eq "$(call POST /v1/parties '{"name":"Korea Mining Development Trading Corp","roles":"importer","country":"KP"}' admin)" 201 "listed party added"
expect_eq "$(jq -r .screening.screening.decision "$work/body")" block "screened at once"
expect_eq "$(call GET "/v1/parties/Korea%20Mining%20Development%20Trading%20Corp" '' admin)" 200 "party read back"
expect_eq "$(jq -r .result.screening.decision "$work/body")" block "decision recorded in the ledger"

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
expect_status 1 "$BIN" --server "$url" --key "${KEY[exporter]}" screen 金正恩 "George Bush"
expect_contains "$out" "KIM, Jong Un" "remote screen"
expect_status 0 "$BIN" --server "$url" --key "${KEY[exporter]}" match "George Bush" "George Habbash"
expect_contains "$out" "0.500" "remote match"
# ledger commands as clients, scoped by the key
expect_status 0 "$BIN" --server "$url" --key "${KEY[importer]}" --json order list
expect_eq "$(jq -r '[.result[].buyer] | unique | join(",")' <<<"$out")" DeepSeek "remote order list scoped to the importer"
expect_status 65 "$BIN" --server "$url" --key "${KEY[importer]}" order show O-BY-1
expect_status 1 "$BIN" --server "$url" --key "${KEY[exporter]}" --json ship O-DE-1 --quantity 10 --date 2026-04-20
expect_eq "$(jq -r '(.reasons | length) > 0 and .outcome == "refused"' <<<"$out")" true "remote refusal with its reasons"
expect_status 77 "$BIN" --server "$url" determine --product H200 --to CN

# metrics and the access log
metrics=$(curl -s "$url/metrics")
expect_contains "$metrics" 'clearance_http_requests_total{route="/v1/determine",method="POST",code="200"}' "request counter"
expect_contains "$metrics" 'clearance_decisions_total{kind="determine",outcome="required_conditions_pending"}' "decision counter"
expect_contains "$metrics" 'clearance_http_request_duration_seconds_bucket{route="/v1/chips",method="GET",le="+Inf"}' "latency histogram"
expect_contains "$metrics" 'clearance_pool_units{pool="cn-h200-2026",measure="cap"} 400000' "pool usage gauge"
expect_contains "$metrics" 'clearance_decisions_total{kind="ship",outcome="dry_run_refused"} 1' "dry runs counted apart"
secret=$(cut -d_ -f3 <<<"${KEY[admin]}")
checks=$((checks + 1))
if grep -q "$secret" "$work/access.log"; then failures=$((failures + 1)); echo "FAIL: a key secret is in the access log" >&2; fi
expect_eq "$(tail -n 1 "$work/access.log" | jq -r 'has("status") and has("duration_us") and has("route")')" true "structured access log"
expect_eq "$(jq -r 'select(.status == 403) | .error' "$work/access.log" | sort -u | head -n 1)" CL_ERR_FORBIDDEN "an error's code is logged"
expect_eq "$(jq -r 'select(.status < 400) | has("error")' "$work/access.log" | sort -u)" false "no error code on a success"

finish
