#!/bin/sh
# import --jobs 2 (a decoder thread beside the one that stores) does what
# --jobs 1 does: the same journal, the same messages in the same order, the
# same exit codes, on valid input, on input with errors all through it, on
# a restore; a kill mid-import leaves all or nothing.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/tools/hardening.sh"

# recorded is the time of the import and the hash chains it: not compared.
strip='s/"recorded":"[^"]*"//; s/"hash":"[^"]*"//'

# both ARGS...: `oyako import ARGS` with --jobs 1 into j1 and --jobs 2 into
# j2 (fresh journals, the small fixture in them first), standard input from
# the file $STDIN; the exit codes, the stderr and the exports (recorded and
# hash stripped) must be the same.
STDIN=/dev/null
both() {
	for _j in 1 2; do
		rm -rf j$_j && oyako -J j$_j init >/dev/null &&
		oyako -J j$_j import "$FIXTURES/small.jsonl" 2>/dev/null || return 1
		_rc=0
		oyako -J j$_j import --jobs $_j "$@" <"$STDIN" >out$_j 2>err$_j || _rc=$?
		echo $_rc >rc$_j
		oyako -J j$_j export | sed "$strip" >export$_j
	done
	test_cmp rc1 rc2 && test_cmp err1 err2 && test_cmp out1 out2 && test_cmp export1 export2
}

test_expect_success 'setup: a generated year cut in two, and a copy with errors all through it' '
	oyako-gen --births 200 --until 2026-03-31 -o gen.jsonl &&
	n=$(wc -l <gen.jsonl) && test "$n" -gt 1500 &&
	head -n $((n / 2)) gen.jsonl >a.jsonl &&
	tail -n +$((n / 2 + 1)) gen.jsonl >b.jsonl &&
	awk -v n=$n "
		NR == 3 { print \"{\\\"type\\\": \"; next }
		NR == 40 { sub(/\"occurred\":\"[0-9-]*/, \"\\\"occurred\\\":\\\"2025-02-30\") }
		NR == 41 { print \"\"; print \"   \" }
		NR == 500 { sub(/\"stream\":\"/, \"\\\"stream\\\":\\\"nowhere:\") }
		NR == 900 { print \"{\\\"type\\\":\\\"room.opened\\\",\\\"stream\\\":\\\"room:kokinu\\\",\\\"occurred\\\":\\\"2025-05-01\\\",\\\"actor\\\":\\\"t\\\",\\\"data\\\":{\\\"name\\\":\\\"x\\\"},\\\"expected_version\\\":0}\" }
		NR == int(n / 2) { print \"not json at all\" }
		NR == n - 1 { sub(/\"data\":/, \"\\\"data\\\":7,\\\"x\\\":\") }
		{ print }
		END { print \"{\\\"type\\\":\\\"room.opened\\\"\" }
	" gen.jsonl >bad.jsonl &&
	test $(wc -l <bad.jsonl) -gt $((n + 3))
'

test_expect_success 'valid input: the same journal, the same message' '
	both gen.jsonl &&
	test_grep "imported $(wc -l <gen.jsonl) events (0 already stored)" err2
'

test_expect_success 'three inputs, standard input among them, and lines already stored' '
	STDIN=a.jsonl both a.jsonl - b.jsonl "$FIXTURES/small.jsonl" &&
	test_grep "imported $(wc -l <gen.jsonl) events ($(($(wc -l <a.jsonl) + 27)) already stored)" err2
'

test_expect_success 'errors all through the input: the same errors in line order, nothing stored' '
	both a.jsonl bad.jsonl &&
	test "$(cat rc2)" = 3 &&
	test $(grep -c "bad.jsonl:" err2) -ge 7 &&
	grep -o "bad.jsonl:[0-9]*" err2 | cut -d: -f2 >lines &&
	sort -n lines >sorted && test_cmp sorted lines &&
	test_grep "nothing imported (" err2 &&
	oyako -J j2 export >after && test $(wc -l <after) = 27
'

test_expect_success 'a line longer than 16 MiB among good ones' '
	head -n 5 gen.jsonl >long.jsonl &&
	head -c 17000000 /dev/zero | tr "\0" x >>long.jsonl && echo >>long.jsonl &&
	sed -n "6,20p" gen.jsonl >>long.jsonl &&
	both long.jsonl &&
	test_grep "long.jsonl:6: line longer than 16777216 bytes" err2
'

test_expect_success 'only conflicts: exit 4 alike' '
	head -n 30 gen.jsonl >c.jsonl &&
	sed -n 10p gen.jsonl | sed "s/\"actor\":\"[^\"]*\"/\"actor\":\"someone-else\"/" >>c.jsonl &&
	both c.jsonl &&
	test "$(cat rc2)" = 4
'

test_expect_success '--dry-run: the same count, nothing stored' '
	both --dry-run gen.jsonl &&
	test_grep "checked $(wc -l <gen.jsonl) events: no errors" err2 &&
	test_cmp export1 export2 && test $(wc -l <export2) = 27
'

test_expect_success '--restore: the same journal to the byte, and the same break' '
	oyako -J src init && oyako -J src import gen.jsonl 2>/dev/null &&
	oyako -J src export >full &&
	for j in 1 2; do
		rm -rf r$j && oyako -J r$j init && oyako -J r$j import --restore --jobs $j full 2>rerr$j &&
		oyako -J r$j export >rexp$j || return 1
	done &&
	test_cmp rexp1 rexp2 && test_cmp full rexp2 && test_cmp rerr1 rerr2 &&
	awk "NR == 700 { sub(/\"version\":[0-9]*/, \"\\\"version\\\":9999\") } { print }" full >broken &&
	for j in 1 2; do
		rm -rf r$j && oyako -J r$j init &&
		test_must_fail 5 oyako -J r$j import --restore --jobs $j broken 2>rerr$j || return 1
	done &&
	test_cmp rerr1 rerr2 && test_grep "broken:700:" rerr2
'

# A dry run reserves no room: in a 64 KiB map it fills the map, and the
# import runs again from the start after the map grows, several times.
test_expect_success 'an import run again as the map grows: the same messages, each once' '
	for j in 1 2; do
		rm -rf t$j && OYAKO_MAPSIZE=65536 oyako -J t$j init >/dev/null &&
		test_must_fail 3 oyako -J t$j import --dry-run --jobs $j bad.jsonl 2>terr$j || return 1
	done &&
	test_cmp terr1 terr2 &&
	test $(grep -c "bad.jsonl:3:" terr2) = 1 &&
	test_grep "nothing imported (" terr2
'

test_expect_success '--jobs must be a number from 1 to 8' '
	for bad in 0 9 x ""; do
		test_must_fail 2 oyako -J j1 import --jobs "$bad" gen.jsonl 2>err &&
		test_grep "option '\''--jobs'\'': '\''$bad'\'' is not a number from 1 to 8" err || return 1
	done
'

# A kill while the two threads work (the input half read, by the kernel's
# count of the process's reads): all or nothing, whichever instant.
test_expect_success 'killed mid-import with --jobs 2: all or nothing' '
	births=3000 && if [ "$QUICK" = 1 ]; then births=600; fi &&
	oyako-gen --births $births --seed 3 --until 2026-03-31 -o big.jsonl &&
	size=$(wc -c <big.jsonl) && n=$(wc -l <big.jsonl) &&
	rm -rf k && oyako -J k init && oyako -J k import "$FIXTURES/small.jsonl" 2>/dev/null || return 1
	oyako -J k import --jobs 2 big.jsonl 2>/dev/null &
	pid=$! tries=0

	while [ $tries -lt 20000 ]; do
		r=$(sed -n "s/^rchar: //p" /proc/$pid/io 2>/dev/null) || break
		[ -n "$r" ] || break
		[ "$r" -lt $((size / 2)) ] || break
		tries=$((tries + 1))
	done &&
	kill -9 $pid 2>/dev/null; wait $pid
	oyako -J k verify >v && head=$(head_seq k) &&
	echo "head $head after the kill" >>kills &&
	{ test "$head" = 27 || test "$head" = $((27 + n)); }
'

test_done
