# The CLI under valgrind's memcheck: no invalid access and no leak on the main reference commands.
# Skipped (77) for sanitizer builds, which valgrind cannot run.
BIN=$1 SRC=$2
source "$SRC/tests/cli/testlib.bash"
command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 77; }
if nm -an "$BIN" 2>/dev/null | grep -q __asan_init; then echo "sanitizer build: skipped"; exit 77; fi
vg() { valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$BIN" "$@"; }
expect_status 0 vg classify H200 --date 2026-02-01
expect_status 0 vg --json determine --product H200 --to CN --buyer DeepSeek --date 2026-02-01 --value 1000000
expect_status 0 vg determine --product B200 --to CN --date 2026-02-01
expect_status 65 vg determine --product H200 --to China
expect_status 0 vg rules check "$SRC"/data/rules/*.json
expect_status 0 vg compare H200 H20
finish
