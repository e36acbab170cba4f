# Durability of the server's group commit: many concurrent order requests, the server killed with SIGKILL in the
# middle; every order it acknowledged (201) is in the database afterwards, and every ledger invariant holds.
BIN=$1 SRC=$2
source "$SRC/tests/cli/testlib.bash"
db="$work/crash.db"
export CLEARANCE_DB=$db
"$BIN" party add "Crash Exporter" --roles exporter --country US >/dev/null
"$BIN" party add "Crash Buyer" --roles importer --country SG >/dev/null
for p in "Crash Exporter" "Crash Buyer"; do
  "$BIN" party screen-result "$p" --decision clear --list-version test >/dev/null
done
"$BIN" journal keygen >/dev/null
key=$("$BIN" keys create --role admin 2>/dev/null)
"$BIN" serve --listen 127.0.0.1:0 --port-file "$work/port" --threads 16 2>"$work/server.err" &
server=$!
trap 'kill -9 $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do [[ -s "$work/port" ]] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$work/port")/v1/orders"

# 16 clients, each placing orders until the server dies; every acknowledged order's reference is written down
client() {
  for i in $(seq 1 400); do
    out=$(curl -s -m 5 -w ' %{http_code}' -H "Authorization: Bearer $key" \
      -d "{\"exporter\":\"Crash Exporter\",\"buyer\":\"Crash Buyer\",\"product\":\"H200\",\"quantity\":1,\"value_usd\":\"100\",\"ref\":\"C$1-$i\"}" "$url") || break
    [[ "${out##* }" == 201 ]] && echo "C$1-$i"
  done
}
for c in $(seq 1 16); do client "$c" >"$work/acked.$c" & done
sleep 2
kill -9 $server
wait $server 2>/dev/null
wait
cat "$work"/acked.* >"$work/acked"
acked=$(wc -l <"$work/acked")
checks=$((checks + 1))
if ((acked < 50)); then failures=$((failures + 1)); echo "FAIL: only $acked orders acknowledged before the kill" >&2; fi

# after the crash: every acknowledged order is there, and the ledger's invariants hold
"$BIN" --json order list >"$work/orders.json"
missing=$(jq -r '.result[].ref' "$work/orders.json" | sort >"$work/stored"; sort "$work/acked" | comm -23 - "$work/stored" | wc -l)
expect_eq "$missing" 0 "acknowledged orders missing after SIGKILL (of $acked)"
expect_status 0 "$BIN" ledger check
expect_status 0 "$BIN" journal verify
echo "$acked orders acknowledged before the kill, $(jq '.result | length' "$work/orders.json") stored"
finish
