#!/bin/sh
# An import past what one transaction keeps in memory: more than a million
# new ids and 256k streams, so the transaction writes its pending index
# entries out mid-way and answers "not stored" from its filters
# (journal/filter.c): of the ids and streams it wrote, and of those the
# journal held before.  A retry of an earlier line must still be found,
# streams dropped from the cache must keep their versions, and the journal
# must verify.  A few seconds of a normal build;
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

test_expect_success 'the same file again: nothing new, every line found in the index' '
	oyako -J j import all.jsonl 2>err &&
	test_grep "imported 0 events ($(($(cat n) + 1)) already stored)" err
'

# A part at a time: the second import goes into a journal that holds the
# first part, past the limits again (its filters start from the stored ids
# and streams); a line of the first part retried at its end.
test_expect_success 'two parts: the second import finds the first part through its filter' '
	n=$(cat n) && h=$((n / 7)) &&
	head -$h gen.jsonl >a.jsonl && tail -n +$((h + 1)) gen.jsonl >b.jsonl &&
	sed -n 5p a.jsonl >>b.jsonl &&
	oyako -J k init >/dev/null &&
	oyako -J k import a.jsonl 2>err &&
	test_grep "imported $h events (0 already stored)" err &&
	oyako -J k import b.jsonl 2>err &&
	test_grep "imported $((n - h)) events (1 already stored), seq $((h + 1))..$n" err &&
	oyako -J k verify >out && test_grep "verified $n events" out
'

test_done
