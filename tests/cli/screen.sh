#!/usr/bin/env bash
# Drives `clearance lists import`, `lists status`, `screen` and `match` on the shared list files: formats detected,
# decisions and exit statuses, JSON output, batches, malformed input.
set -euo pipefail
bin=$1
src=$2
lists="$src/../shared/data/lists"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/t.db"
fail() { echo "FAIL: $*" >&2; exit 1; }
run() { "$bin" --db "$db" "$@"; }

# import the 2019 OFAC set and the UN list in one go
out=$(run lists import "$lists/ofac_2019/sdn.csv" "$lists/ofac_2019/alt.csv" "$lists/ofac_2019/add.csv" \
  "$lists/un_2026_02/UN_consolidated.xml")
grep -q "sdn.csv: ofac-sdn-csv, 7379 rows" <<<"$out" || fail "import report: $out"
grep -q "UN_consolidated.xml: un-xml, 1003 rows" <<<"$out" || fail "import report: $out"
grep -q "ofac-sdn: version 1, 7379 entries (7379 added" <<<"$out" || fail "delta: $out"
run lists status | grep -q "^un  *version 1, 1003 entries" || fail "status"

# screening: a block exits 1, a clear 0; the explanation names the tokens
set +e
out=$(run screen "BANCO NACIONAL DE CUBA")
st=$?
set -e
[[ $st == 1 ]] || fail "block should exit 1, got $st"
grep -q "block" <<<"$out" || fail "screen: $out"
grep -q "sdn:306" <<<"$out" || fail "screen: $out"
run screen "George Bush" | grep -q "George Bush: clear" || fail "George Bush is not Habbash"
run --json screen "Saddam Hussein" >"$work/r.json" || true
grep -Eq '"decision": "(review|block)"' "$work/r.json" || fail "screen --json decision"
for k in score list entry_id matched_name explanation tokens; do
  grep -q "\"$k\":" "$work/r.json" || fail "screen --json: no $k"
done

# a batch: CSV with a name column, JSON Lines out
printf 'id,name,country\n1,Banco Nacional de Cuba,CU\n2,"Smith, John",US\n3,Kim Jong Un,KP\n' >"$work/b.csv"
run screen --batch "$work/b.csv" --json >"$work/b.jsonl"
[[ $(wc -l <"$work/b.jsonl") == 3 ]] || fail "batch: $(cat "$work/b.jsonl")"
# one compact record a line, in input order, each with its query and decision
sed -n 1p "$work/b.jsonl" | grep -q '"decision":"block"' || fail "batch row 1: $(sed -n 1p "$work/b.jsonl")"
sed -n 1p "$work/b.jsonl" | grep -q '"query":"Banco Nacional de Cuba"' || fail "batch row 1 query"
sed -n 2p "$work/b.jsonl" | grep -q '"query":"Smith, John"' || fail "batch row 2 query"
sed -n 2p "$work/b.jsonl" | grep -q '"decision":"clear"' || fail "batch row 2 decision"
sed -n 3p "$work/b.jsonl" | grep -q '"query":"Kim Jong Un"' || fail "batch row 3 query"
# plain lines work too
printf 'Banco Nacional de Cuba\nZzyzx Qwerty\n' >"$work/b.txt"
run screen --batch "$work/b.txt" | cut -f2 | tr '\n' ' ' | grep -q "^block clear $" || fail "batch lines"

# match explains a pair without any list
out=$("$bin" match "VLADIMR PUTIN" "PUTIN, Vladimir" --type individual)
grep -q "vladimr ~ vladimir (typo" <<<"$out" || fail "match: $out"
score=$("$bin" --json match "emma daniels" "EMMA LLC" | grep -m1 '"score":' | sed 's/.*"score": *\([0-9.]*\).*/\1/')
awk -v s="$score" 'BEGIN { exit !(s < 0.82) }' || fail "emma daniels ~ EMMA LLC scored $score"

# screening subjects: registered against 2019, re-screened by the 2021 import
run subject put party:1 "Aleksandr Bortnikov" --type individual | grep -q "party:1: clear" || fail "subject put"
set +e
run subject put party:2 "Banco Nacional de Cuba" >/dev/null
set -e
run subject show party:2 | grep -q "party:2: block" || fail "subject show"

# the 2021 set as a new version: the delta is reported, and the subject designated in 2021 changes
out=$(run lists import "$lists/ofac_2021/sdn.csv" "$lists/ofac_2021/alt.csv" "$lists/ofac_2021/add.csv" \
  "$lists/ofac_2021/sdn_comments.csv")
grep -q "ofac-sdn: version 2, 8976 entries (1858 added, 261 removed" <<<"$out" || fail "2021 delta: $out"
grep -q "2 screening subjects re-screened" <<<"$out" || fail "re-screen: $out"
grep -q "party:1: clear (0.000) -> review" <<<"$out" || fail "decision change: $out"
run subject show party:1 | grep -q "BORTNIKOV" || fail "stored result after import"
set +e
run subject show party:404 >/dev/null 2>&1
[[ $? == 65 ]] || fail "unknown subject should exit 65"
set -e
run --json lists status | tr -d ' \n' | grep -q '"list":"ofac-sdn","version":2,' || fail "status --json"

# --skip-bad: the bad row is reported, the good ones stored
mkdir -p "$work/nonsdn"
printf '1,"GOOD ONE",-0- ,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n2,"SHORT",-0- \n' >"$work/nonsdn/cons_prim.csv"
out=$(run lists import --skip-bad "$work/nonsdn/cons_prim.csv")
grep -q "1 skipped" <<<"$out" || fail "skip-bad report: $out"
grep -q "skipped: cons_prim.csv:2: 3 fields, expected 12" <<<"$out" || fail "skip-bad row: $out"
grep -q "ofac-nonsdn: version 1, 1 entries" <<<"$out" || fail "skip-bad stored: $out"

# malformed input: exit 65 with file and line, nothing stored
printf '1,"OK",-0- ,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n2,"BROKEN,-0- \n' >"$work/sdn.csv"
set +e
err=$(run lists import "$work/sdn.csv" 2>&1)
st=$?
set -e
[[ $st == 65 ]] || fail "malformed import should exit 65, got $st"
grep -q "sdn.csv:2: unterminated quoted field" <<<"$err" || fail "message: $err"
run lists status | grep -q "ofac-sdn *version 2" || fail "a failed import changed the store"
# unknown option: usage
set +e
run screen --bogus x >/dev/null 2>&1
[[ $? == 2 ]] || fail "usage error should exit 2"
set -e
echo "cli screen: ok"
