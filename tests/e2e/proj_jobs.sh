#!/bin/sh
# caseload and risk --jobs N: the replay split by case over N threads gives
# the same bytes as one replay (--jobs 1), in every format, at every date
# and seq; bad values of --jobs are refused.
. "$(dirname "$0")/lib.sh"

# same JOURNAL TOOL ARGS...: the output of TOOL with --jobs 2 and 3 is
# that of --jobs 1, in every format; stdout, stderr and exit code alike.
same() {
	_j=$1 _t=$2; shift 2
	for _f in text tsv csv json md; do
		_rc1=0
		oyako-$_t -J "$_j" --format "$_f" --jobs 1 "$@" >one.out 2>one.err || _rc1=$?
		for _n in 2 3; do
			_rc=0
			oyako-$_t -J "$_j" --format "$_f" --jobs "$_n" "$@" >n.out 2>n.err || _rc=$?
			[ "$_rc" = "$_rc1" ] || { echo "$_t --format $_f --jobs $_n $*: exit $_rc, not $_rc1"; return 1; }
			test_cmp one.out n.out && test_cmp one.err n.err || return 1
		done
	done
}

test_expect_success 'a generated year and the fixtures import' '
	oyako-gen --births 300 --until 2026-03-31 -o gen.jsonl &&
	oyako -J gen init && oyako -J gen import gen.jsonl 2>/dev/null &&
	oyako -J small init && oyako -J small import "$FIXTURES/proj-small.jsonl" 2>/dev/null &&
	oyako -J seed init && oyako -J seed import "$FIXTURES/seed-fy2025.jsonl" 2>/dev/null &&
	oyako -J empty init
'

for t in caseload risk; do
	test_expect_success "$t: the generated year, --jobs 1, 2 and 3 alike at three dates" '
		same gen '$t' --as-of 2025-09-30 &&
		same gen '$t' --as-of 2026-03-31 &&
		same gen '$t' --as-of 2026-03-31 --lang ja
	'
	test_expect_success "$t: --at-seq, --jobs 1, 2 and 3 alike" '
		n=$(wc -l <gen.jsonl) &&
		same gen '$t' --as-of 2026-03-31 --at-seq $((n / 2)) &&
		same gen '$t' --as-of 2025-06-30 --at-seq $((n / 3))
	'
	test_expect_success "$t: the fixtures, --jobs 1, 2 and 3 alike" '
		same small '$t' --as-of 2025-10-01 &&
		same small '$t' --as-of 2025-08-20 --at-seq 15 &&
		same seed '$t' --as-of 2026-03-31 &&
		same seed '$t' --as-of 2025-10-01
	'
	test_expect_success "$t: an empty journal and a seq past the head, alike" '
		same empty '$t' --as-of 2026-03-31 &&
		same small '$t' --at-seq 1000 &&
		test_must_fail 7 oyako-'$t' -J small --at-seq 1000 --jobs 2 2>err &&
		test_grep "seq 1000 is past the head" err
	'
	test_expect_success "$t: --jobs must be a number from 1 to 8" '
		for bad in 0 9 -1 two 2x ""; do
			test_must_fail 2 oyako-'$t' -J small --jobs "$bad" 2>err &&
			test_grep "option '\''--jobs'\'': '\''$bad'\'' is not a number from 1 to 8" err || return 1
		done &&
		oyako-'$t' -J small --jobs 8 --as-of 2025-10-01 >eight &&
		oyako-'$t' -J small --jobs 1 --as-of 2025-10-01 >one &&
		test_cmp one eight
	'
done

test_expect_success 'the generated year has open cases to compare' '
	oyako-caseload -J gen --as-of 2026-03-31 --format tsv >out &&
	test $(wc -l <out) -gt 100
'

test_expect_success 'annual has no --jobs' '
	test_must_fail 2 oyako-annual -J small --jobs 2 2>err
'

test_done
