#!/bin/sh
# tests/fuzz/replay.sh: `make check` replays every committed fuzz input (the
# seed corpora tests/fuzz/corpus/TARGET/ and the inputs of crashes found and
# fixed, tests/fuzz/regressions/TARGET/) through each target built without
# libFuzzer (cc + ASan + UBSan).  TAP: one line per input.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
dir=$(sh tests/fuzz/build.sh replay) || { echo "not ok - fuzz targets do not build"; exit 1; }
n=0 bad=0
for t in tests/fuzz/fuzz_*.c; do
	name=$(basename "$t" .c)
	set --
	for d in tests/fuzz/corpus/$name tests/fuzz/regressions/$name; do
		[ -d "$d" ] || continue
		for f in "$d"/*; do
			[ -f "$f" ] && set -- "$@" "$f"
		done
	done
	[ $# -gt 0 ] || { echo "not ok - $name has no corpus"; bad=1; continue; }
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    "$dir/$name" "$name" "$@" >"$dir/$name.tap" 2>&1
	rc=$?
	cat "$dir/$name.tap" | grep '^ok\|^not ok'
	if [ $rc -ne 0 ]; then
		echo "not ok - $name crashed (exit $rc) after the inputs above:"
		grep -v '^ok' "$dir/$name.tap" | head -40 | sed 's/^/#   /'
		bad=1
	fi
	n=$((n + $#))
done
echo "# $n inputs replayed"
exit $bad
