# Integration test: screening feeds the ledger and the journal. A party screened clear is listed by a newer
# version of a list; the import re-screens it against the change only, records the new decision in the ledger
# (journaled), and the ledger holds the party's next shipment with the reason.
BIN=$1 SRC=$2
source "$SRC/tests/cli/testlib.bash"
db="$work/s.db"
export CLEARANCE_DB=$db CLEARANCE_ACTOR="compliance officer"
header='_id,source,entity_number,type,programs,name,title,addresses,federal_register_notice,start_date,end_date,standard_order,license_requirement,license_policy,call_sign,vessel_type,gross_tonnage,gross_registered_tonnage,vessel_flag,vessel_owner,remarks,source_list_url,alt_names,citizenships,dates_of_birth,nationalities,places_of_birth,source_information_url,ids'
row() { printf '"%s","Entity List (EL) - Bureau of Industry and Security","","","","%s","","%s","91 FR 1","2026-03-01","","","For all items subject to the EAR.","Presumption of denial.","","","","","","","","","%s","","","","","",""\n' "$1" "$2" "$3" "$4"; }
{ echo "$header"; row aa01 "Shenzhen Example Semiconductor Co., Ltd." "Shenzhen, CN" ""; } >"$work/csl-v1.csv"
{ echo "$header"; row aa01 "Shenzhen Example Semiconductor Co., Ltd." "Shenzhen, CN" "";
  row aa02 "Lion City Compute Private Limited" "Singapore, SG" "LCC Pte Ltd"; } >"$work/csl-v2.csv"

expect_status 0 "$BIN" scenario run "$SRC/data/scenarios/h200-2026.json" --db "$db"
expect_status 0 "$BIN" lists import "$work/csl-v1.csv"
expect_status 0 "$BIN" party add "Lion City Compute Pte. Ltd." --roles importer --country SG --date 2026-04-20
expect_status 0 "$BIN" party screen "Lion City Compute Pte. Ltd."
expect_contains "$out" "clear" "clear before the listing"
expect_status 0 "$BIN" --json party show "Lion City Compute Pte. Ltd."
expect_eq "$(jq -r .result.screening.decision <<<"$out")" clear "ledger holds the clear result"
order() { "$BIN" --json order place --exporter NVIDIA --buyer "Lion City Compute Pte. Ltd." --product H200 --quantity 10 \
  --value 300000 --destination SG --date 2026-04-21 "$@"; }
expect_status 0 order
expect_eq "$(jq -r .outcome <<<"$out")" ok "an order to Singapore passes while the buyer is clear"

order_ref=$(jq -r .result.ref <<<"$out")

# the newer list version names the buyer: the import re-screens it and the ledger learns
expect_status 0 "$BIN" --json lists import "$work/csl-v2.csv"
expect_eq "$(jq -r '.lists[0].added' <<<"$out")" 1 "one entry added"
expect_eq "$(jq -r '.subjects_changed[0].key' <<<"$out")" "ledger:party:Lion City Compute Pte. Ltd." "the buyer re-screened"
expect_status 0 "$BIN" --json party show "Lion City Compute Pte. Ltd."
decision=$(jq -r .result.screening.decision <<<"$out")
checks=$((checks + 1))
[[ $decision == review || $decision == block ]] || { failures=$((failures + 1)); echo "FAIL: decision after listing: $decision" >&2; }
expect_contains "$(jq -r .result.screening.summary <<<"$out")" "re-screened on a list import" "why the decision changed"
expect_status 1 "$BIN" --json ship "$order_ref" --quantity 10 --date 2026-04-22
expect_contains "$(jq -r '[.reasons[].code] | join(",")' <<<"$out")" "SCREENING_NOT_CLEAR" "the shipment is held"
expect_contains "$(jq -r '[.reasons[].message] | join(" ")' <<<"$out")" "Lion City Compute" "the party is named"

# both are in the journal
expect_status 0 "$BIN" --json journal show --from 0 --count 1000
kinds=$(jq -r '.entry.kind' <<<"$out" | sort | uniq -c)
expect_contains "$kinds" "screen.lists_import" "list imports journaled"
expect_contains "$kinds" "ledger.party.screening" "screening results journaled"
finish
