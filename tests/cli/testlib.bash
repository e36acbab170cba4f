# Shared helpers for the CLI integration tests (tests/cli/*.sh): each test sources this with BIN and SRC set.
set -uo pipefail
failures=0
checks=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CLEARANCE_DB="$work/test.db"

# expect_status WANT CMD...: runs the command, keeps stdout in $out and stderr in $err, checks the exit status.
expect_status() {
  local want=$1; shift
  checks=$((checks + 1))
  out=$("$@" 2>"$work/stderr"); local got=$?
  err=$(cat "$work/stderr")
  if [[ $got != "$want" ]]; then
    failures=$((failures + 1))
    echo "FAIL: exit $got, expected $want: $*" >&2
    echo "  stderr: $err" >&2
  fi
}

# expect_eq ACTUAL EXPECTED LABEL
expect_eq() {
  checks=$((checks + 1))
  if [[ "$1" != "$2" ]]; then
    failures=$((failures + 1))
    echo "FAIL: $3: got '$1', expected '$2'" >&2
  fi
}

# expect_contains HAYSTACK NEEDLE LABEL
expect_contains() {
  checks=$((checks + 1))
  if [[ "$1" != *"$2"* ]]; then
    failures=$((failures + 1))
    echo "FAIL: $3: '$2' not found in: $1" >&2
  fi
}

finish() {
  echo "$checks checks, $failures failed"
  [[ $failures == 0 ]]
}
