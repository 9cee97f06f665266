#!/bin/sh
# caseload and risk --jobs N: the replay split by case over N threads gives
# the same bytes as one replay (--jobs 1), in every format (xlsx: every
# member but its creation time), at every date and seq; bad values of
# --jobs are refused.
. "$(dirname "$0")/lib.sh"

# An xlsx workbook as text: each member but the creation time (docProps/core.xml).
unxlsx() {
	/usr/bin/python3 -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in sorted(z.namelist()):
    if n != "docProps/core.xml":
        sys.stdout.write(n + "\n" + z.read(n).decode("utf-8", "replace") + "\n")' "$1"
}

# run TOOL FORMAT JOBS OUT ERR ARGS...: one run, html and xlsx through -o;
# prints its exit code.
run() {
	_t=$1 _f=$2 _n=$3 _o=$4 _e=$5; shift 5
	_rc=0
	case $_f in
	html) oyako-$_t --format html -o "$_o" --jobs "$_n" "$@" 2>"$_e" || _rc=$? ;;
	xlsx) oyako-$_t --format xlsx -o "$_o.xlsx" --jobs "$_n" "$@" 2>"$_e" || _rc=$?
		if [ -f "$_o.xlsx" ]; then unxlsx "$_o.xlsx" >"$_o"; rm -f "$_o.xlsx"; else : >"$_o"; fi ;;
	*) oyako-$_t --format "$_f" --jobs "$_n" "$@" >"$_o" 2>"$_e" || _rc=$? ;;
	esac
	echo $_rc
}

# html and xlsx carry the time they were made: one time for all.
SOURCE_DATE_EPOCH=1767225600
export SOURCE_DATE_EPOCH
ALL="text tsv csv json md html xlsx"

# same JOURNAL TOOL ARGS...: the output of TOOL with --jobs 2 is that of
# --jobs 1, in each format of $FORMATS; without FORMATS, in all of them and
# with --jobs 3 too; output, stderr and exit code alike.
same() {
	_j=$1 _t=$2; shift 2
	_jobs="2 3"
	[ -z "${FORMATS:-}" ] || _jobs=2
	for _f in ${FORMATS:-$ALL}; do
		rm -f one.out
		_rc1=$(run "$_t" "$_f" 1 one.out one.err -J "$_j" "$@")
		for _n in $_jobs; do
			rm -f n.out
			_rcn=$(run "$_t" "$_f" "$_n" n.out n.err -J "$_j" "$@")
			[ "$_rcn" = "$_rc1" ] || { echo "$_t --format $_f --jobs $_n $*: exit $_rcn, not $_rc1"; return 1; }
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
		same gen '$t' --as-of 2026-03-31 &&
		FORMATS="text json" same gen '$t' --as-of 2025-09-30 &&
		FORMATS="text md" same gen '$t' --as-of 2026-03-31 --lang ja
	'
	test_expect_success "$t: --at-seq, --jobs 1, 2 and 3 alike" '
		n=$(wc -l <gen.jsonl) &&
		FORMATS="text tsv json md" same gen '$t' --as-of 2026-03-31 --at-seq $((n / 2)) &&
		FORMATS="csv json" same gen '$t' --as-of 2025-06-30 --at-seq $((n / 3))
	'
	test_expect_success "$t: the fixtures, --jobs 1, 2 and 3 alike" '
		same small '$t' --as-of 2025-10-01 &&
		FORMATS="tsv json" same small '$t' --as-of 2025-08-20 --at-seq 15 &&
		FORMATS="text csv json" same seed '$t' --as-of 2026-03-31 &&
		FORMATS="text json" same seed '$t' --as-of 2025-10-01
	'
	test_expect_success "$t: an empty journal and a seq past the head, alike" '
		same empty '$t' --as-of 2026-03-31 &&
		FORMATS="text json" same small '$t' --at-seq 1000 &&
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
