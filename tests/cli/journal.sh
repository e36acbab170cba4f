#!/usr/bin/env bash
# Drives 'clearance journal' end to end: keys, appends, checkpoints, proofs checked from files alone, selective
# disclosure, and a byte changed in the database that 'verify' must pin to its entry.
# Usage: bash journal.sh BINARY SOURCE_DIR
BIN=$1 SRC=$2
source "$SRC/tests/cli/testlib.bash"
bin=$BIN
cd "$work"

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# expect STATUS CMD...: expect_status, keeping stdout and stderr in out.txt and err.txt for the steps that use files.
expect() {
  expect_status "$@"
  printf '%s\n' "$out" >out.txt
  printf '%s\n' "$err" >err.txt
}
# contains FILE TEXT: TEXT (which may span lines) occurs in FILE.
contains() {
  checks=$((checks + 1))
  local content
  content=$(cat "$1"; echo .)
  [[ "$content" == *"$2"* ]] || fail "$1 lacks \"$2\": $(cat "$1")"
}

j() { "$bin" --db j.db journal "$@"; }

# keys: the signing key is private, never overwritten; the public key is a signed-note verifier key
expect 0 j keygen --origin audit.example/clearance
[[ $(stat -c %a j.db.journal-key) == 600 ]] || fail "signing key mode is $(stat -c %a j.db.journal-key)"
grep -Eq '^audit\.example/clearance\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$' j.db.journal-key.pub || fail "public key format"
expect 1 j keygen
contains err.txt "already exists"
expect 0 j checkpoint # the empty log can be checkpointed
contains out.txt $'audit.example/clearance\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n'

# appends: one record, a batch of lines, refusals
echo '{"licence":"L-2026-0001","units":100}' >r1.json
expect 0 j append --kind ledger.shipment --at 2026-02-01T10:00:00Z r1.json
contains out.txt "appended entry 0"
printf '{"licence":"L-2026-0001","units":5}\n{"licence":"L-2026-0002","units":7}\n\n{"licence":"L-2026-0001","units":9}\n' >batch.jsonl
expect 0 j append --kind ledger.shipment --at 2026-02-02 --lines batch.jsonl
contains out.txt "appended entries 1 to 3"
echo '{"price":1.5}' >real.json
expect 65 j append --kind ledger.shipment real.json
contains err.txt "real number"
expect 2 j append --kind Bad.Kind r1.json
echo '[1]' >arr.json
expect 65 j append --kind ledger.order arr.json
printf '{"a":1}\n{"a":\n' >broken.jsonl
expect 65 j append --kind ledger.order --lines broken.jsonl
contains err.txt "line 2"
expect 0 j show
contains out.txt "entries      4"

# checkpoint and proofs, checked with nothing but the public key
expect 0 j checkpoint
cp out.txt cp4.txt
contains cp4.txt $'audit.example/clearance\n4\n'
expect 0 j show --checkpoint
cmp -s out.txt cp4.txt || fail "show --checkpoint differs from the checkpoint printed"
expect 0 j proof --index 2
cp out.txt p2.json
contains p2.json '"type": "inclusion"'
mkdir auditor && cp j.db.journal-key.pub auditor/log.pub
expect 0 "$bin" journal verify --checkpoint cp4.txt --proof p2.json --public-key auditor/log.pub
contains out.txt "entry 2 is in the log of 4 entries"
# a proof with one flipped bit, for another index, or for a changed entry, does not verify
awk '!done && /^ *"[0-9a-f]+",?$/ { c = substr($0, index($0, "\"") + 1, 1); sub(/"[0-9a-f]/, "\"" (c == "f" ? "e" : "f")); done = 1 } 1' p2.json >bad.json
cmp -s bad.json p2.json && fail "the proof was not altered"
expect 1 "$bin" journal verify --checkpoint cp4.txt --proof bad.json --public-key auditor/log.pub
sed 's/"index": 2/"index": 1/' p2.json >bad.json
expect 1 "$bin" journal verify --checkpoint cp4.txt --proof bad.json --public-key auditor/log.pub
sed 's/L-2026-0002/L-2026-0003/' p2.json >bad.json
expect 1 "$bin" journal verify --checkpoint cp4.txt --proof bad.json --public-key auditor/log.pub
# a checkpoint with a changed size, or checked with another key, does not verify
sed '2s/4/5/' cp4.txt >bad.txt
expect 1 "$bin" journal verify --checkpoint bad.txt --public-key auditor/log.pub
expect 0 "$bin" --db other.db journal keygen --origin audit.example/clearance
expect 1 "$bin" journal verify --checkpoint cp4.txt --public-key other.db.journal-key.pub
contains err.txt "no signature by key"

# consistency between two published checkpoints
echo '{"rule_set":"2026-01-15","change":"case-by-case review"}' >rule.json
expect 0 j append --kind rules.change rule.json
expect 0 j checkpoint
cp out.txt cp5.txt
expect 0 j proof --from 4
cp out.txt c45.json
expect 0 "$bin" journal verify --checkpoint cp5.txt --old-checkpoint cp4.txt --proof c45.json --public-key auditor/log.pub
contains out.txt "extends the log of 4"
expect 1 "$bin" journal verify --checkpoint cp4.txt --old-checkpoint cp5.txt --proof c45.json --public-key auditor/log.pub

# the whole log verifies; JSON output for scripts
expect 0 j verify
contains out.txt "ok: 5 entries, 3 checkpoints"
expect 0 "$bin" --db j.db --json journal verify
contains out.txt '"ok": true'

# one byte changed in one stored entry: verify names that entry and fails
cp j.db t.db && cp j.db.journal-key.pub t.db.journal-key.pub
sqlite3 t.db "UPDATE journal_bundle SET data = CAST(replace(CAST(data AS TEXT), '\"units\":7', '\"units\":8') AS BLOB) WHERE first_index = 1"
expect 1 "$bin" --db t.db journal verify
contains err.txt "entry 2 does not match its leaf hash"

# selective disclosure: commercial fields are committed, not stored in the entry; revealed per request
echo '{"licence":"L-2026-0001","units":400,"chip":"H200"}' >s.json
echo '{"value_cents":3200000000,"customer":"ByteDance"}' >secret.json
expect 0 j append --kind ledger.shipment --at 2026-02-03 --secret secret.json s.json
contains out.txt "appended entry 5"
expect 0 j show 5
grep -q ByteDance out.txt && fail "the entry shows a committed value in clear"
contains out.txt '"commit"'
expect 0 j checkpoint
expect 0 j disclose 5 --fields customer
cp out.txt disc.json
expect 0 "$bin" journal verify --disclosure disc.json --public-key auditor/log.pub
contains out.txt '"customer": "ByteDance"'
grep -q 3200000000 out.txt && fail "a field not asked for was revealed"
sed 's/ByteDance/Alibaba/' disc.json >bad.json
expect 1 "$bin" journal verify --disclosure bad.json --public-key auditor/log.pub
contains err.txt "does not match the entry's commitment"
expect 65 j disclose 5 --fields units
contains err.txt 'commits to no field "units"'

# totals: an auditor checks an export of the entries against the checkpoint, then sums units per licence
expect 0 "$bin" --db j.db --json journal show --from 0 --count 6
cp out.txt entries.jsonl
expect 0 j show --checkpoint
cp out.txt cp6.txt
expect 0 "$bin" journal verify --checkpoint cp6.txt --entries entries.jsonl --sum units --by licence \
  --kind ledger.shipment --public-key auditor/log.pub
contains out.txt "total units L-2026-0001: 514"
contains out.txt "total units L-2026-0002: 7"
sed '2s/"units":5}/"units":50}/' entries.jsonl >bad.jsonl
cmp -s bad.jsonl entries.jsonl && fail "the export was not altered"
expect 1 "$bin" journal verify --checkpoint cp6.txt --entries bad.jsonl --sum units --public-key auditor/log.pub
contains err.txt "do not hash to the checkpoint's root"
sed '2d' entries.jsonl >bad.jsonl
expect 1 "$bin" journal verify --checkpoint cp6.txt --entries bad.jsonl --public-key auditor/log.pub
contains err.txt "entry 2 where entry 1 was expected"

# the signing key must stay private
chmod 644 j.db.journal-key
expect 77 j checkpoint
contains err.txt "chmod 600"
chmod 600 j.db.journal-key

finish
