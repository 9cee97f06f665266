#!/bin/sh
# An import past what one transaction keeps in memory: more than a million
# new ids and 256k streams, so the transaction writes its pending index
# entries out mid-way and, the journal being new, answers "not stored"
# from its filter (journal/filter.c).  A retry of the first line at the end
# must still be found, streams dropped from the cache must keep their
# versions, and the journal must verify.  A few seconds of a normal build;
# left to the normal pass (under ASan it would take minutes).
. "$(dirname "$0")/lib.sh"

case $OYAKO_BIN in
*build-san*) echo "ok 1 - # SKIP the large import runs in the normal pass"; echo "1..1"; exit 0 ;;
esac

test_expect_success 'setup: 1.5M events (290k streams) of one generated year, its first line again at the end' '
	oyako-gen --births 140000 --until 2026-03-31 -o gen.jsonl &&
	n=$(wc -l <gen.jsonl) && test "$n" -gt 1100000 &&
	streams=$(awk -F"\"stream\":\"" "{ split(\$2, a, \"\\\"\"); s[a[1]] = 1 } END { print length(s) }" gen.jsonl) &&
	test "$streams" -gt 280000 &&
	head -1 gen.jsonl >first &&
	cat gen.jsonl first >all.jsonl &&
	echo "$n" >n
'

test_expect_success 'one import: every event stored once, the retry found among the written-out ids' '
	oyako -J j init >/dev/null &&
	oyako -J j import all.jsonl 2>err &&
	n=$(cat n) &&
	test_grep "imported $n events (1 already stored), seq 1..$n" err
'

test_expect_success 'the journal verifies: each stream entry once, its versions in order' '
	oyako -J j verify >out &&
	test_grep "verified $(cat n) events" out
'

test_expect_success 'the same file again: nothing new (the index answers now, no filter)' '
	oyako -J j import all.jsonl 2>err &&
	test_grep "imported 0 events ($(($(cat n) + 1)) already stored)" err
'

test_done
