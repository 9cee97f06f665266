#!/bin/sh
# oyako-gen: deterministic, valid, clipped output with the seed's proportions.
. "$(dirname "$0")/lib.sh"
check() { python3 "$TOP/tests/e2e/gen_check.py" "$@"; }

test_expect_success 'the same seed gives the same bytes' '
	oyako-gen --until 2026-11-27 >a.jsonl &&
	oyako-gen --seed 1 --births 450 --years 1 --fy R7 --until 2026-11-27 >b.jsonl &&
	test -s a.jsonl &&
	test_cmp a.jsonl b.jsonl
'

test_expect_success 'another seed gives other events' '
	oyako-gen --seed 2 --until 2026-11-27 >c.jsonl &&
	! cmp -s a.jsonl c.jsonl &&
	! grep -qFf a.jsonl c.jsonl
'

test_expect_success '-o writes the same bytes as standard output' '
	oyako-gen -o d.jsonl --until 2026-11-27 &&
	test_cmp a.jsonl d.jsonl
'

test_expect_success 'every line is a valid event, in an order the journal accepts' '
	check valid a.jsonl 2026-03-31 &&
	check valid c.jsonl 2026-03-31
'

test_expect_success 'multi-year runs stay valid (a room closes and reopens, staff change)' '
	oyako-gen --seed 3 --births 2000 --years 3 --fy 2022 --until 2026-11-27 >m.jsonl &&
	check valid m.jsonl &&
	test "$(grep -c "\"room.closed\"" m.jsonl)" = 1 &&
	test_grep "ぼかぼか（新館）" m.jsonl &&
	test "$(grep -c "\"coordinator.left\"" m.jsonl)" -ge 6
'

test_expect_success 'tiny and national-sized cities are valid' '
	oyako-gen --seed 4 --births 1 --years 2 --fy 2023 --until 2026-11-27 >t.jsonl &&
	check valid t.jsonl &&
	oyako-gen --seed 5 --births 730000 --until 2024-06-30 >n.jsonl &&
	check valid n.jsonl &&
	grep "\"meeting.held\"" n.jsonl | grep -q "meeting:2024-04-2\""
'

test_expect_success 'nothing occurs after --until, and the output is a prefix of the longer run' '
	oyako-gen --until 2025-10-15 >u.jsonl &&
	check valid u.jsonl 2025-10-15 &&
	grep -q "\"occurred\":\"2025-10-15\"" u.jsonl &&
	n=$(wc -l <u.jsonl) &&
	head -n "$n" a.jsonl >a-head.jsonl &&
	test_cmp a-head.jsonl u.jsonl
'

test_expect_success 'the default --until is today in Japan: a run into the future stops today' '
	oyako-gen --fy 2025 --years 3 >f.jsonl &&
	today=$(TZ=Asia/Tokyo date +%Y-%m-%d) &&
	check valid f.jsonl "$today"
'

test_expect_success 'an --until before the city opens gives an empty log' '
	oyako-gen --until 2024-02-01 >e.jsonl &&
	test ! -s e.jsonl
'

test_expect_success 'FY2025 at the default rates is close to the seed report' '
	check seedlike a.jsonl 2025 &&
	check seedlike c.jsonl 2025
'

test_expect_success 'the closeness check fails on a year other than the seed'"'"'s' '
	oyako-gen --births 900 --until 2026-03-31 >big.jsonl &&
	! check seedlike big.jsonl 2025 2>err &&
	test_grep "not in" err
'

test_expect_success 'every risk flag fires at the end of FY2025' '
	for f in a.jsonl c.jsonl; do
		check flags $f 2026-03-31 >flags.json &&
		for flag in support-needed not-shared no-8month-interview birth-not-recorded \
		    no-happybaby missed-checkup no-contact no-coordinator; do
			test_grep "\"$flag\"" flags.json || return 1
		done
	done
'

test_expect_success 'corrections: retractions, each with a corrected event appended anew' '
	grep "\"event.retracted\"" m.jsonl >r.jsonl &&
	test "$(wc -l <r.jsonl)" -ge 10 &&
	test_grep "予定日の入力誤り" r.jsonl &&
	test_grep "出生日の入力誤り" r.jsonl &&
	test_grep "面談形態の入力誤り" r.jsonl
'

test_expect_success 'events before the first FY are the batch import of the old records' '
	grep "\"occurred\":\"2025-03-31\"" a.jsonl | grep -v "\"event.retracted\"" >before.jsonl &&
	test_grep "\"actor\":\"import:batch\"" before.jsonl &&
	! grep -q "\"actor\":\"nurse" before.jsonl &&
	grep "\"occurred\":\"2025-04-01\"" a.jsonl >after.jsonl &&
	! grep -q import:batch after.jsonl
'

test_expect_success '--stats counts what was written' '
	oyako-gen --stats --until 2026-11-27 >s.jsonl 2>stats &&
	test_cmp a.jsonl s.jsonl &&
	test_grep "$(wc -l <s.jsonl | tr -d " ") events" stats &&
	test_grep "  handbook.issued" stats &&
	n=$(grep -c "\"type\":\"class.attended\"" s.jsonl) &&
	grep -q "class.attended  *$n\$" stats
'

test_expect_success '--help shows the usage and exits 0' '
	oyako-gen --help 2>help &&
	test_grep "usage: oyako-gen" help &&
	test_grep "--births N" help
'

test_expect_success 'bad options are usage errors (exit 2) naming the option' '
	test_must_fail 2 oyako-gen --births many 2>err && test_grep "oyako-gen: error: option '\''--births'\'': '\''many'\''" err &&
	test_must_fail 2 oyako-gen --births 10000001 2>err && test_grep "'\''--births'\''" err &&
	test_must_fail 2 oyako-gen --years 0 2>err && test_grep "'\''--years'\''" err &&
	test_must_fail 2 oyako-gen --years 101 2>err && test_grep "'\''--years'\''" err &&
	test_must_fail 2 oyako-gen --fy 2025x 2>err && test_grep "'\''--fy'\''" err &&
	test_must_fail 2 oyako-gen --fy 1900 2>err && test_grep "'\''--fy'\''" err &&
	test_must_fail 2 oyako-gen --seed -1 2>err && test_grep "'\''--seed'\''" err &&
	test_must_fail 2 oyako-gen --until 2025-02-30 2>err && test_grep "'\''--until'\''" err &&
	test_must_fail 2 oyako-gen --frobnicate 2>err && test_grep "usage:" err &&
	test_must_fail 2 oyako-gen extra 2>err && test_grep "unexpected argument '\''extra'\''" err
'

test_expect_success 'a file that cannot be written is an I/O error (exit 6)' '
	test_must_fail 6 oyako-gen -o no/such/dir/x.jsonl 2>err &&
	test_grep "cannot write '\''no/such/dir/x.jsonl'\''" err &&
	test_must_fail 6 oyako-gen -o /dev/full 2>err &&
	test_grep "cannot write '\''/dev/full'\''" err &&
	test_must_fail 6 oyako-gen >/dev/full 2>err &&
	test_grep "cannot write '\''standard output'\''" err
'

test_done
