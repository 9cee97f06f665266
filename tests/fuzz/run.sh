#!/bin/sh
# tests/fuzz/run.sh (`make fuzz`): runs each libFuzzer target for
# FUZZ_SECONDS (default 60) seconds, starting from its committed seed corpus
# (tests/fuzz/corpus/TARGET, read only) plus the regressions, with new
# coverage kept in build-fuzz/corpus/TARGET.  A crash is saved as
# build-fuzz/crashes/TARGET/crash-*; fix it, then move the input to
# tests/fuzz/regressions/TARGET/ so that `make check` replays it.
# Needs clang and libclang-rt-*-dev.  FUZZ_TARGETS limits the targets.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
secs=${FUZZ_SECONDS:-60}
# clang and its libFuzzer runtime are needed here only, not by make check.
if ! command -v "${FUZZ_CC:-clang}" >/dev/null 2>&1 && [ "$(id -u)" = 0 ] &&
    command -v apt-get >/dev/null 2>&1; then
	echo "fuzz: installing clang libclang-rt-dev" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-dev >&2 ||
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev >&2
fi
if ! command -v "${FUZZ_CC:-clang}" >/dev/null 2>&1; then
	echo "fuzz: error: clang not found (apt-get install clang libclang-rt-14-dev)" >&2
	exit 6
fi
dir=$(sh tests/fuzz/build.sh fuzz) || exit 1
total_execs=0 failed=0
for t in ${FUZZ_TARGETS:-$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')}; do
	mkdir -p build-fuzz/corpus/$t build-fuzz/crashes/$t tests/fuzz/corpus/$t
	seeds="tests/fuzz/corpus/$t"
	[ -d tests/fuzz/regressions/$t ] && seeds="$seeds tests/fuzz/regressions/$t"
	log=build-fuzz/$t.log
	ASAN_OPTIONS=detect_leaks=1 "$dir/$t" -max_total_time="$secs" -max_len=65536 \
	    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
	    -artifact_prefix=build-fuzz/crashes/$t/ build-fuzz/corpus/$t $seeds >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -ao 'cov: [0-9]*' "$log" | tail -1)
	total_execs=$((total_execs + ${execs:-0}))
	if [ $rc -ne 0 ]; then
		failed=$((failed + 1))
		echo "$t: CRASH after ${execs:-?} executions ($cov): see $log and build-fuzz/crashes/$t/"
		grep -a -m1 -A8 'ERROR\|fuzz: ' "$log" | sed 's/^/    /'
	else
		echo "$t: ${execs:-?} executions in ${secs}s, $cov, corpus $(ls build-fuzz/corpus/$t | wc -l) inputs, no crash"
	fi
done
echo "fuzz: $total_execs executions, $failed targets crashed"
[ $failed -eq 0 ]
