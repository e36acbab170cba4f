# Integration test: classify, compare, determine, rules check and rules at through the real binary.
BIN=$1 SRC=$2
source "$SRC/tests/cli/testlib.bash"

expect_status 0 "$BIN" --json classify H200 --date 2026-02-01
expect_eq "$(jq -r .tpp <<<"$out")" 15832 "H200 TPP"
expect_eq "$(jq -r .performance_density <<<"$out")" 19.45 "H200 PD"
expect_eq "$(jq -r .eccn <<<"$out")" 3A090.a "H200 ECCN"
expect_eq "$(jq -r '.bands[0].inside' <<<"$out")" true "H200 inside the 2026 band"

expect_status 0 "$BIN" --json classify H20 --date 2026-02-01
expect_eq "$(jq -r .tpp <<<"$out")" 2368 "H20 TPP"
expect_eq "$(jq -r .classification <<<"$out")" "not 3A090" "H20 not 3A090"

expect_status 0 "$BIN" --json classify B200 --date 2026-02-01
expect_eq "$(jq -r .eccn <<<"$out")" 3A090.a "B200 ECCN"
expect_eq "$(jq -r '.bands[0].inside' <<<"$out")" false "B200 outside the band"

expect_status 0 "$BIN" compare H200 H20
expect_contains "$out" "H200 / H20: 6.7x TPP, 1.2x bandwidth" "compare text"

# a chip outside the catalog, from a spec file
cat >"$work/spec.json" <<'J'
{"name": "Prototype", "data_center": true, "throughput": [{"precision": "FP8", "bits": 8, "dense_tops": 700}], "die_area_mm2": 600, "memory_bandwidth_gbps": 3000}
J
expect_status 0 "$BIN" --json classify --spec "$work/spec.json" --date 2026-02-01
expect_eq "$(jq -r .tpp <<<"$out")" 5600 "spec TPP"
expect_eq "$(jq -r .eccn <<<"$out")" 3A090.a "spec ECCN"

det() { "$BIN" --json determine "$@" 2>/dev/null; }
expect_eq "$(det --product H200 --to CN --buyer DeepSeek --date 2025-11-01 | jq -r '.jurisdictions[0].review_policy')" \
  presumption_of_denial "H200 to DeepSeek on 2025-11-01"
out=$(det --product H200 --to CN --buyer DeepSeek --date 2026-02-01 --value 1000000)
expect_eq "$(jq -r '.jurisdictions[] | select(.jurisdiction=="US") | .review_policy' <<<"$out")" case_by_case "US policy 2026-02-01"
expect_eq "$(jq -r '.jurisdictions[] | select(.jurisdiction=="US") | .conditions | length' <<<"$out")" 7 "BIS conditions"
expect_eq "$(jq -r '.jurisdictions[] | select(.jurisdiction=="US") | .charges[0].amount_usd' <<<"$out")" 250000.00 "25% tariff"
expect_eq "$(jq -r '.jurisdictions[] | select(.jurisdiction=="CN") | .authorizations[0].kind' <<<"$out")" purchase_approval "CN approval"
expect_eq "$(jq -r '.jurisdictions[] | select(.jurisdiction=="CN") | .conditions_pending' <<<"$out")" true "NDRC pending"
expect_eq "$(jq -r '[.jurisdictions[].rules[] | select(.effect=="applied") | .citation | length > 0] | all' <<<"$out")" true "every applied rule cites"
expect_eq "$(det --product B200 --to CN --date 2026-02-01 | jq -r .verdict)" denial_expected "B200 to China"
expect_eq "$(det --product H200 --to DE --date 2026-02-01 | jq -r .verdict)" not_required "H200 to Germany"
expect_eq "$(det --product H20 --to CN --date 2025-04-09 | jq -r .verdict)" required "H20 from the letter"

# what-if: a rules folder where the 2026 rule keeps presumption of denial
cp -r "$SRC/data/rules" "$work/whatif"
jq '(.rules[] | select(.id=="us-case-by-case-2026-01-15") | .outcome.review_policy) = "presumption_of_denial"' \
  "$SRC/data/rules/us.json" >"$work/whatif/us.json"
expect_eq "$(det --product H200 --to CN --date 2026-02-01 --rules "$work/whatif" | jq -r .verdict)" denial_expected "what-if rules folder"

# rules check and rules at
expect_status 0 "$BIN" rules check "$SRC"/data/rules/*.json
expect_contains "$out" "ok: " "rules check ok"
printf '{"jurisdiction": "US", "rules": [{"id": "x", "title": "t", "kind": "k", "citation": "c",\n "effective_from": "2026-13-01", "criteria": {"eccn": ["3A090"]}, "outcome": {"review_policy": "approve"}}]}\n' >"$work/bad.json"
expect_status 65 "$BIN" rules check "$SRC/data/rules/country_groups.json" "$work/bad.json"
expect_contains "$err" "$work/bad.json" "bad rule file named"
expect_contains "$err" '$.rules[0].effective_from' "bad rule file JSON path"
printf '{"jurisdiction": "US", "rules": [\n' >"$work/broken.json"
expect_status 65 "$BIN" rules check "$work/broken.json"
expect_contains "$err" "broken.json:2:" "syntax error with line"
expect_status 65 "$BIN" determine --product H200 --to CN --rules "$work"
expect_status 0 "$BIN" --json rules at 2026-02-01
expect_eq "$(jq -r '.rules | map(.id) | index("us-case-by-case-2026-01-15") != null' <<<"$out")" true "2026 rule in force"
expect_status 0 "$BIN" --json rules at 2025-11-01
expect_eq "$(jq -r '.rules | map(.id) | index("us-case-by-case-2026-01-15") == null' <<<"$out")" true "2026 rule not yet in force"

# usage errors exit 2, unknown data 65
expect_status 2 "$BIN" determine --product H200
expect_contains "$err" "--to CC" "missing --to named"
expect_status 65 "$BIN" determine --product H200 --to China
expect_contains "$err" '--to: "China" is not a two-letter country code' "bad option value named as the option"
expect_status 65 "$BIN" determine --product H200 --to CN --value 12.345
expect_contains "$err" '--value: "12.345"' "renamed option named"
expect_status 2 "$BIN" classify H200 --bogus
expect_status 65 "$BIN" classify H300
expect_contains "$err" 'no chip "H300"' "unknown chip named"
expect_status 0 "$BIN" classify --help
expect_contains "$out" "usage: clearance classify" "help"

finish
