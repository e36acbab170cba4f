# Several server nodes on one PostgreSQL database: two `clearance serve` processes take orders for one shared pool
# and ship them at the same time. Afterwards the pool holds exactly what the nodes acknowledged and never more than
# its cap, every answer was an acknowledgement or a refusal with its reason, the ledger's invariants hold, and the
# journal both nodes appended to verifies against the checkpoints both signed. Needs CLEARANCE_TEST_PG (a database
# URL on a cluster where its user may create databases); skipped without it. The servers stop when the test ends.
BIN=$1 SRC=$2
source "$SRC/tests/cli/testlib.bash"
if [[ -z "${CLEARANCE_TEST_PG:-}" ]]; then
  echo "CLEARANCE_TEST_PG not set: skipped"
  exit 0
fi
command -v psql >/dev/null || { echo "psql is needed (apt-get install postgresql-client)" >&2; exit 1; }

# a database of its own on the test cluster, dropped at the end
dbname="clearance_nodes_$$"
psql -q "$CLEARANCE_TEST_PG" -c "CREATE DATABASE $dbname" >/dev/null || { echo "cannot create $dbname" >&2; exit 1; }
db="${CLEARANCE_TEST_PG%/*}/$dbname"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  psql -q "$CLEARANCE_TEST_PG" -c "DROP DATABASE IF EXISTS $dbname" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

C() { "$BIN" --db "$db" "$@" >/dev/null || echo "FAIL: setup: $*" >&2; }
C party add NVIDIA --roles exporter --country US --date 2026-01-15
C party add ByteDance --roles importer --country CN --date 2026-01-15
C party vet ByteDance --jurisdiction US --state vetted --date 2026-01-15
C party screen-result ByteDance --decision clear --list-version v1 --date 2026-01-15
C party screen-result NVIDIA --decision clear --list-version v1 --date 2026-01-15
C auth apply --ref US-1 --jurisdiction US --holder NVIDIA --parties ByteDance --products H200 --date 2026-01-20
C auth decide US-1 --outcome approved --date 2026-01-20
C auth apply --ref CN-1 --jurisdiction CN --holder ByteDance --products H200 --date 2026-01-28
C auth decide CN-1 --outcome approved --date 2026-01-28
for c in bis-2026-us-supply bis-2026-us-testing bis-2026-volume-cap bis-2026-kyc bis-2026-end-use \
  bis-2026-remote-users bis-2026-security; do
  C auth condition US-1 "$c" --state satisfied --evidence "e-$c" --date 2026-01-29
done
C auth condition CN-1 ndrc-2026-conditions --state satisfied --evidence e-ndrc --date 2026-01-29
C auth condition CN-1 ndrc-2026-domestic-quota --state satisfied --evidence e-quota --date 2026-01-29
CAP=500
C pool create race --cap "$CAP" --product H200 --date 2026-01-28
C pool add race CN-1 --date 2026-01-28
"$BIN" --db "$db" journal keygen --key-file "$work/journal.key" >/dev/null || echo "FAIL: journal keygen" >&2
key=$("$BIN" --db "$db" keys create --role admin 2>/dev/null)

# two nodes on the one database, each signing checkpoints every second while the journal grows
for n in 1 2; do
  "$BIN" serve --db "$db" --listen 127.0.0.1:0 --port-file "$work/port$n" --threads 4 \
    --journal-key "$work/journal.key" --checkpoint-every 1 2>"$work/server$n.err" &
  pids+=($!)
done
for n in 1 2; do
  for _ in $(seq 1 200); do [[ -s "$work/port$n" ]] && break; sleep 0.05; done
  [[ -s "$work/port$n" ]] || { echo "node $n did not start: $(cat "$work/server$n.err")" >&2; exit 1; }
done
url1="http://127.0.0.1:$(cat "$work/port1")" url2="http://127.0.0.1:$(cat "$work/port2")"

# Eight clients, four on each node, each placing 20 orders of 7 units: 1,120 units asked of a pool of 500. Each
# answer is kept as a line "STATUS REF CODES" (CODES: a refusal's reason codes).
client() { # URL CLIENT
  for i in $(seq 1 20); do
    status=$(curl -s -o "$work/resp.$2.$i" -w '%{http_code}' -X POST "$1/v1/orders" -H "Authorization: Bearer $key" \
      -H 'Content-Type: application/json' \
      -d "{\"ref\":\"R-$2-$i\",\"exporter\":\"NVIDIA\",\"buyer\":\"ByteDance\",\"product\":\"H200\",\"quantity\":7,\"value_usd\":\"210000\",\"date\":\"2026-02-10\"}")
    echo "$status R-$2-$i $(jq -r '[.reasons[]?.code] | join(",")' "$work/resp.$2.$i" 2>/dev/null)" >>"$work/answers.$2"
  done
}
clients=()
for c in 1 2 3 4 5 6 7 8; do
  if ((c % 2)); then client "$url1" "$c" & else client "$url2" "$c" & fi
  clients+=($!)
done
wait "${clients[@]}"
cat "$work"/answers.* >"$work/answers"
acked=$(awk '$1 == 201' "$work/answers" | wc -l)
refused=$(awk '$1 == 422' "$work/answers" | wc -l)
other=$(awk '$1 != 201 && $1 != 422' "$work/answers")
expect_eq "$(wc -l <"$work/answers")" 160 "every order answered"
expect_eq "$other" "" "every answer an acknowledgement or a refusal"
expect_eq "$(awk '$1 == 422 && $3 != "POOL_EXHAUSTED"' "$work/answers")" "" "every refusal names the exhausted pool"
pool=$("$BIN" --db "$db" --json pool show race)
reserved=$(jq -r '.result.quantity_reserved' <<<"$pool")
expect_eq "$reserved" "$((acked * 7))" "the pool holds exactly what the nodes acknowledged"
expect_eq "$((reserved <= CAP && reserved > CAP - 7))" 1 "the pool filled to its cap and not beyond ($reserved of $CAP)"
expect_eq "$((acked + refused))" 160 "acknowledged + refused = asked"
# odd clients went to node 1, even ones to node 2: both nodes booked
on1=$(cat "$work"/answers.[1357] | awk '$1 == 201' | wc -l)
expect_eq "$((on1 > 0 && acked - on1 > 0))" 1 "both nodes booked orders ($on1 and $((acked - on1)))"
echo "orders: $acked acknowledged ($on1 by node 1), $refused refused; pool $reserved of $CAP"

# both nodes ship the acknowledged orders at once, 3 then 4 units each, alternating nodes
shipper() { # PARITY
  awk '$1 == 201 {print $2}' "$work/answers" | sort | awk -v p="$1" 'NR % 2 == p' | while read -r ref; do
    for q in 3 4; do
      [[ $((RANDOM % 2)) == 0 ]] && u=$url1 || u=$url2
      curl -s -o /dev/null -w '%{http_code}\n' -X POST "$u/v1/shipments" -H "Authorization: Bearer $key" \
        -H 'Content-Type: application/json' -d "{\"order\":\"$ref\",\"quantity\":$q,\"date\":\"2026-02-11\"}"
    done
  done >"$work/ships.$1"
}
shipper 0 &
clients=($!)
shipper 1 &
clients+=($!)
wait "${clients[@]}"
expect_eq "$(sort -u "$work"/ships.* | tr '\n' ' ')" "201 " "every shipment acknowledged"
pool=$("$BIN" --db "$db" --json pool show race)
expect_eq "$(jq -r '.result.quantity_consumed' <<<"$pool")" "$reserved" "the pool consumed what was reserved"
expect_eq "$(jq -r '.result.quantity_reserved' <<<"$pool")" 0 "nothing left reserved"

# how often a node's batch lost to the other node's transaction and ran again
retries=0
for u in "$url1" "$url2"; do
  r=$(curl -s "$u/metrics" | awk '$1 == "clearance_write_batch_retries_total" {print $2}')
  retries=$((retries + ${r:-0}))
done
echo "batches run again after a conflict with the other node: $retries"
# let each node sign a checkpoint of the grown journal, then check everything from the database
sleep 2.5
for p in "${pids[@]}"; do kill "$p"; done
for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
pids=()
expect_status 0 "$BIN" --db "$db" ledger check
expect_status 0 "$BIN" --db "$db" --json journal verify --public-key "$work/journal.key.pub"
entries=$(jq -r .entries <<<"$out") checkpoints=$(jq -r .checkpoints <<<"$out")
echo "journal: $entries entries, $checkpoints checkpoints verified"
# each order, refused or placed, and each of the two shipments per order is an entry; the nodes signed as it grew
expect_eq "$((entries >= 160 + 2 * acked))" 1 "every decision journaled ($entries entries)"
expect_eq "$((checkpoints >= 2))" 1 "checkpoints signed while the nodes ran ($checkpoints)"
finish
