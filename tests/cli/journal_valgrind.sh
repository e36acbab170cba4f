# The journal commands under valgrind's memcheck: no invalid access and no leak, including on refusals.
# Skipped (77) for sanitizer builds, which valgrind cannot run.
BIN=$1 SRC=$2
source "$SRC/tests/cli/testlib.bash"
command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 77; }
# (the symbol list is read whole: with pipefail, grep -q closing the pipe early would fail the test on nm's SIGPIPE)
if [[ $(nm -an "$BIN" 2>/dev/null) == *__asan_init* ]]; then echo "sanitizer build: skipped"; exit 77; fi
vg() { valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$BIN" "$@"; }
cd "$work"
expect_status 0 vg journal keygen
echo '{"licence":"L-2026-0001","units":400}' >r.json
echo '{"value_cents":3200000000}' >s.json
printf '{"licence":"L-2026-0001","units":5}\n{"licence":"L-2026-0002","units":7}\n' >b.jsonl
expect_status 0 vg journal append --kind ledger.shipment --secret s.json r.json
expect_status 0 vg journal append --kind ledger.shipment --lines b.jsonl
expect_status 65 vg journal append --kind ledger.shipment "$SRC/tests/cli/journal_valgrind.sh"
expect_status 0 vg journal checkpoint
echo "$out" >cp.txt
expect_status 0 vg --json journal show --from 0 --count 3
echo "$out" >entries.jsonl
expect_status 0 vg journal show 0
expect_status 0 vg journal proof --index 1
echo "$out" >p.json
expect_status 0 vg journal disclose 0 --fields value_cents
echo "$out" >d.json
expect_status 0 vg journal verify
expect_status 0 vg journal verify --checkpoint cp.txt --proof p.json --public-key test.db.journal-key.pub
expect_status 0 vg journal verify --checkpoint cp.txt --entries entries.jsonl --sum units --by licence \
  --public-key test.db.journal-key.pub
expect_status 0 vg journal verify --disclosure d.json --public-key test.db.journal-key.pub
sed 's/3200000000/3200000001/' d.json >bad.json
expect_status 1 vg journal verify --disclosure bad.json --public-key test.db.journal-key.pub
finish
