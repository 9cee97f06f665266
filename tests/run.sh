#!/bin/sh
# Runs the whole test suite and ends with "N passed, M failed".
#
# Every test program speaks TAP ("ok N - name" / "not ok N - name"): the unit
# tests through cmocka's TAP output, the end-to-end scripts through
# tests/e2e/lib.sh.  Passes: the normal build; the ASan+UBSan build
# (CHECK_SAN=0 skips it); the unit tests under valgrind (CHECK_VALGRIND=0).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
CHECK_SAN=${CHECK_SAN:-1}
CHECK_VALGRIND=${CHECK_VALGRIND:-1}
log=$(mktemp -d "${TMPDIR:-/tmp}/oyako-check.XXXXXX")
pass=0 fail=0

# run NAME CMD...: runs one test program, counts its TAP lines.
run() {
	name=$1; shift
	out="$log/$(echo "$name" | tr '/ ' '__').tap"
	t0=$(date +%s)
	"$@" >"$out" 2>&1
	rc=$?
	secs=$(( $(date +%s) - t0 ))
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# A crash or a failed setup counts as a failure even without a TAP line.
		f=1
		echo "not ok - $name exited with status $rc" >>"$out"
	fi
	pass=$((pass + p)) fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		echo "FAIL $name ($p passed, $f failed, ${secs}s)"
		grep -B2 -A12 '^not ok ' "$out" | head -60 | sed 's/^/    /'
	else
		echo "ok   $name ($p passed, ${secs}s)"
	fi
}

# suite BUILD LABEL: unit tests and end-to-end scripts against one build.
suite() {
	b=$1 label=$2
	for t in "$b"/tests/test_*; do
		[ -x "$t" ] || continue
		CMOCKA_MESSAGE_OUTPUT=TAP run "$label unit/$(basename "$t")" "$t"
	done
	for s in tests/e2e/*.sh; do
		case $s in */lib.sh) continue ;; esac
		OYAKO_BIN="$top/$b/bin" run "$label e2e/$(basename "$s" .sh)" sh "$s"
	done
}

suite build normal
if [ "$CHECK_SAN" = 1 ] && [ -d build-san/bin ]; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    suite build-san asan
fi
if [ "$CHECK_VALGRIND" = 1 ] && command -v valgrind >/dev/null 2>&1; then
	for t in build/tests/test_*; do
		[ -x "$t" ] || continue
		CMOCKA_MESSAGE_OUTPUT=TAP run "valgrind unit/$(basename "$t")" \
		    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$t"
	done
fi
for s in tests/fuzz/replay.sh; do
	[ -f "$s" ] && run "fuzz-regressions" sh "$s"
done
echo "logs in $log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
