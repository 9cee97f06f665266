# tests/e2e/lib.sh: a small git-style test harness for end-to-end scripts.
#
#   . "$(dirname "$0")/lib.sh"
#   test_expect_success 'import rejects a bad date' '
#       test_must_fail 3 oyako import bad.jsonl
#   '
#   test_done
#
# Each script runs in its own temporary directory ($TMP, also the cwd) with
# the tools under test first on PATH ($OYAKO_BIN, default build/bin).
set -u
_top=$(cd "$(dirname "$0")/../.." && pwd)
OYAKO_BIN=${OYAKO_BIN:-$_top/build/bin}
PATH="$OYAKO_BIN:$PATH"
export PATH OYAKO_BIN
unset OYAKO_JOURNAL
FIXTURES="$_top/tests/fixtures"
TOP="$_top"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/oyako-e2e.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
_n=0 _failed=0

test_expect_success() {
	_n=$((_n + 1))
	if (eval "$2") >"$TMP/.out" 2>&1; then
		echo "ok $_n - $1"
	else
		echo "not ok $_n - $1"
		sed 's/^/#   /' "$TMP/.out" | tail -30
		_failed=$((_failed + 1))
	fi
}

# test_must_fail CODE CMD...: CMD must exit with status CODE (not 0, not a signal).
test_must_fail() {
	_want=$1; shift
	"$@"
	_rc=$?
	if [ "$_rc" -ne "$_want" ]; then
		echo "expected exit $_want, got $_rc: $*" >&2
		return 1
	fi
	return 0
}

# test_cmp EXPECTED ACTUAL: files must be identical (shows a diff otherwise).
test_cmp() {
	diff -u "$1" "$2"
}

# test_grep PATTERN FILE: FILE must contain PATTERN (a fixed string).
test_grep() {
	if ! grep -qF -- "$1" "$2"; then
		echo "'$1' not found in $2:" >&2
		head -20 "$2" >&2
		return 1
	fi
}

test_done() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
}
