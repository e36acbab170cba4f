# Integration test: the ledger's commands through the real binary: parties, authorizations, orders, shipments,
# refusals with their reasons and exit status 1, fees, idempotent retries, and the H200 scenario.
BIN=$1 SRC=$2
source "$SRC/tests/cli/testlib.bash"
export CLEARANCE_ACTOR=cli-test

L() { "$BIN" --json "$@"; }

expect_status 0 L party add NVIDIA --roles exporter --country US --date 2026-01-15
expect_eq "$(jq -r .result.name <<<"$out")" NVIDIA "party added"
expect_eq "$(jq -r '.event_records[0].actor' <<<"$out")" cli-test "actor from CLEARANCE_ACTOR"
expect_status 0 L party add DeepSeek --roles importer,end_user --country CN --aliases '深度求索;DeepSeek AI' --date 2026-01-15
expect_eq "$(jq -r '.result.aliases[0]' <<<"$out")" 深度求索 "original-script alias"
expect_status 1 L party add DeepSeek --roles importer --country CN
expect_status 65 L party add Nobody --roles pirate --country CN
expect_contains "$err" "pirate" "bad role named"
expect_status 2 L party add Nobody --country CN
expect_contains "$err" "roles" "missing option named"

expect_status 0 L auth apply --jurisdiction US --holder NVIDIA --parties DeepSeek --products H200 --quantity-cap 100 \
  --value-cap 3,000,000 --value-tolerance 10% --valid-from 2026-01-20 --valid-to 2030-01-19 --date 2026-01-20 --ref US-DS
expect_eq "$(jq -r '.result.conditions | length' <<<"$out")" 7 "BIS conditions recorded"
expect_eq "$(jq -r '.result.value_limit_cents' <<<"$out")" 330000000 "value cap with tolerance"
expect_status 0 L auth decide US-DS --outcome approved_with_conditions --as BIS --reason "case by case" --date 2026-01-25
expect_eq "$(jq -r '.result.transitions[1].actor' <<<"$out")" BIS "--as recorded"
expect_eq "$(jq -r '.result.transitions[1].reason' <<<"$out")" "case by case" "--reason recorded"
expect_status 1 L auth decide US-DS --outcome approved --date 2026-01-25
expect_contains "$err" "cannot become" "illegal transition"
expect_status 0 L auth apply --jurisdiction CN --holder DeepSeek --products H200 --date 2026-01-30 --ref CN-DS
expect_eq "$(jq -r '.result.authority' <<<"$out")" MIIT/MOFCOM "authority from the rules"
expect_status 0 L auth decide CN-DS --outcome approved_with_conditions --date 2026-01-30

for p in NVIDIA DeepSeek; do
  expect_status 0 L party screen-result "$p" --decision clear --list-version csl-1 --date 2026-01-30
done
expect_status 0 L party vet DeepSeek --jurisdiction US --state vetted --date 2026-01-30

expect_status 0 L order place --exporter NVIDIA --buyer DeepSeek --product H200 --quantity 100 --value 3,000,000 \
  --date 2026-02-01 --idempotency-key k1
order=$(jq -r .result.ref <<<"$out")
expect_status 0 L order place --exporter NVIDIA --buyer DeepSeek --product H200 --quantity 100 --value 3,000,000 \
  --date 2026-02-01 --idempotency-key k1
expect_eq "$(jq -r .replayed <<<"$out")" true "idempotent retry"
expect_eq "$(jq -r .result.ref <<<"$out")" "$order" "same order"

# a dry run answers as the shipment would, and leaves nothing: no event, no journal entry
expect_status 0 L ledger events
events_before=$(jq -r '.result | length' <<<"$out")
expect_status 0 L journal show
entries_before=$(jq -r '.head.tree_size' <<<"$out")
expect_eq "$((events_before > 0 && entries_before > 0))" 1 "events and journal size read"
expect_status 1 L ship "$order" --quantity 10 --date 2026-02-02 --dry-run
expect_eq "$(jq -r '[.dry_run, .outcome, (.reasons | length)] | join(" ")' <<<"$out")" "true refused 9" "dry run: held, every reason"
expect_status 1 "$BIN" ship "$order" --quantity 10 --date 2026-02-02 --dry-run
expect_contains "$out" "dry run, nothing booked: it would be refused" "dry run says so in text"
expect_status 2 L ship "$order" --quantity 10 --dry-run --idempotency-key k9
expect_contains "$err" "takes no idempotency key" "a dry run takes no idempotency key"
expect_status 0 L ledger events
expect_eq "$(jq -r '.result | length' <<<"$out")" "$events_before" "a dry run records no event"
expect_status 0 L journal show
expect_eq "$(jq -r '.head.tree_size' <<<"$out")" "$entries_before" "a dry run journals nothing"

expect_status 1 L ship "$order" --quantity 10 --date 2026-02-02
expect_eq "$(jq -r '[.reasons[].code] | unique | join(",")' <<<"$out")" CONDITION_PENDING "held for conditions"
expect_eq "$(jq -r '.reasons | length' <<<"$out")" 9 "every condition listed"
expect_eq "$(jq -r '[.reasons[].unblock | length > 0] | all' <<<"$out")" true "every reason says how to unblock"
for c in bis-2026-us-supply bis-2026-us-testing bis-2026-volume-cap bis-2026-kyc bis-2026-end-use bis-2026-remote-users bis-2026-security; do
  L auth condition US-DS $c --state satisfied --evidence "doc-$c" --date 2026-02-02 >/dev/null || echo "FAIL: condition $c" >&2
done
L auth condition CN-DS ndrc-2026-conditions --state satisfied --evidence ndrc-1 --date 2026-02-02 >/dev/null
L auth condition CN-DS ndrc-2026-domestic-quota --state waived --evidence ndrc-2 --date 2026-02-02 >/dev/null
expect_status 0 L ship "$order" --quantity 10 --date 2026-02-03 --dry-run
expect_eq "$(jq -r '[.dry_run, .outcome, .result.fees[0].amount_cents, .events] | join(" ")' <<<"$out")" "true ok 7500000 0" \
  "dry run: every gate open, the fee it would accrue, nothing recorded"
expect_status 0 L order show "$order"
expect_eq "$(jq -r '[.result.quantity_shipped, .result.reservations[0].quantity_posted] | join(" ")' <<<"$out")" "0 0" \
  "a dry run ships nothing"
expect_status 0 L ship "$order" --quantity 10 --date 2026-02-03
expect_eq "$(jq -r '.result.fees[0].amount_cents' <<<"$out")" 7500000 "25% of 300,000 dollars"
expect_status 0 "$BIN" ship "$order" --quantity 10 --date 2026-02-03
expect_contains "$out" "sec232-25" "text output names the charge"

expect_status 0 L auth suspend US-DS --reason "end-use red flag" --date 2026-02-04
expect_status 1 "$BIN" ship "$order" --quantity 10 --date 2026-02-04
expect_contains "$out" "AUTH_SUSPENDED" "text refusal shows the code"
expect_contains "$out" "to unblock" "text refusal says how to unblock"

expect_status 0 L fees report --party NVIDIA
expect_eq "$(jq -r '.result.totals[0].accrued_cents' <<<"$out")" 15000000 "fees report"
expect_status 0 L fees pay --party NVIDIA --charge sec232-25 --amount 50000 --payment-ref CBP-1 --date 2026-02-05
expect_eq "$(jq -r '.result.totals[0].outstanding_cents' <<<"$out")" 10000000 "outstanding after payment"
expect_status 0 L order cancel "$order" --date 2026-02-05
expect_status 0 L auth show US-DS
expect_eq "$(jq -r '.result.quantity_reserved' <<<"$out")" 0 "cancel released"
expect_eq "$(jq -r '.result.quantity_consumed' <<<"$out")" 20 "shipped stays consumed"
expect_status 0 L ledger check
expect_eq "$(jq -r '.result.ok' <<<"$out")" true "invariants hold"
expect_status 0 L ledger events --limit 3
expect_eq "$(jq -r '.result | length' <<<"$out")" 3 "events limited"
expect_status 65 L order show NOPE

# the scenario: in a fresh database, and into a given one
expect_status 0 "$BIN" scenario run "$SRC/data/scenarios/h200-2026.json"
expect_contains "$out" "went as expected" "scenario passes"
expect_status 0 "$BIN" --json scenario run "$SRC/data/scenarios/h200-2026.json" --db "$work/demo.db"
expect_eq "$(tail -n 1 <<<"$out" | jq -r .as_expected)" true "last step as expected"
expect_status 0 L --db "$work/demo.db" pool show cn-h200-2026
expect_eq "$(jq -r .result.quantity_available <<<"$out")" 0 "demo database holds the full pool"

# a surprise stops the run with exit 1 and names the step
jq '.steps[67].expect = {"outcome": "ok"}' "$SRC/data/scenarios/h200-2026.json" >"$work/surprise.json"
expect_status 1 "$BIN" scenario run "$work/surprise.json"
expect_contains "$err" "step 68" "surprise names the step"
expect_contains "$out" "SURPRISE" "surprise reported"
# a malformed scenario is bad input, named by path
jq '.steps[3].args.bogus = 1' "$SRC/data/scenarios/h200-2026.json" >"$work/bad.json"
expect_status 65 "$BIN" scenario run "$work/bad.json"
expect_contains "$err" '$.steps[3].args.bogus' "bad field path"
finish
