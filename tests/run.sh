#!/bin/sh
# Runs the whole test suite and ends with "N passed, M failed".
#
# Every test program speaks TAP ("ok N - name" / "not ok N - name"): the unit
# tests through cmocka's TAP output, the end-to-end scripts through
# tests/e2e/lib.sh.  Passes: the normal build (CHECK_NORMAL=0 skips it); the
# ASan+UBSan build (CHECK_SAN=1: unit and end-to-end, as `make check-san`
# runs it; unit: the unit tests only, as `make check` does; 0: none); the
# unit tests under valgrind (CHECK_VALGRIND=0 skips them).  Programs run
# CHECK_JOBS at a time (default: the CPUs online).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
CHECK_NORMAL=${CHECK_NORMAL:-1}
CHECK_SAN=${CHECK_SAN:-1}
CHECK_VALGRIND=${CHECK_VALGRIND:-1}
log=$(mktemp -d "${TMPDIR:-/tmp}/oyako-check.XXXXXX")
pass=0 fail=0

# run NAME CMD...: starts one test program (up to $CHECK_JOBS at once, the
# CPUs online by default); report() counts its TAP lines when it is done.
# Results are printed in the order the programs were started.
CHECK_JOBS=${CHECK_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}
n=0 q= running=0
run() {
	n=$((n + 1))
	echo "$1" >"$log/$n.name"
	shift
	(
		t0=$(date +%s)
		"$@" >"$log/$n.tap" 2>&1
		echo "$? $(( $(date +%s) - t0 ))" >"$log/$n.rc"
	) &
	q="$q $!:$n"
	running=$((running + 1))
	[ "$running" -lt "$CHECK_JOBS" ] || reap_one
}

# reap_one: waits for the oldest program still running and reports it.
reap_one() {
	set -- $q
	[ $# -gt 0 ] || return 0
	wait "${1%%:*}" 2>/dev/null
	report "${1#*:}"
	shift
	q="$*"
	running=$((running - 1))
}

report() {
	name=$(cat "$log/$1.name")
	out="$log/$(echo "$name" | tr '/ ' '__').tap"
	mv "$log/$1.tap" "$out"
	read -r rc secs <"$log/$1.rc" || { rc=1 secs=0; }
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

# CHECK_SAN: 1 (make check-san) the whole suite again under ASan+UBSan;
# unit (make check) only the unit tests under it; 0 none.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS UBSAN_OPTIONS
[ "$CHECK_NORMAL" = 1 ] && suite build normal
if [ "$CHECK_SAN" = unit ] && [ -d build-san/tests ]; then
	for t in build-san/tests/test_*; do
		[ -x "$t" ] || continue
		CMOCKA_MESSAGE_OUTPUT=TAP run "asan unit/$(basename "$t")" "$t"
	done
elif [ "$CHECK_SAN" = 1 ] && [ -d build-san/bin ]; then
	suite build-san asan
fi
if [ "$CHECK_VALGRIND" = 1 ] && command -v valgrind >/dev/null 2>&1; then
	for t in build/tests/test_*; do
		[ -x "$t" ] || continue
		CMOCKA_MESSAGE_OUTPUT=TAP run "valgrind unit/$(basename "$t")" \
		    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$t"
	done
fi
if [ "$CHECK_NORMAL" = 1 ]; then
	for s in tests/fuzz/replay.sh; do
		[ -f "$s" ] && run "fuzz-regressions" sh "$s"
	done
fi
while [ -n "$q" ]; do reap_one; done
echo "logs in $log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
