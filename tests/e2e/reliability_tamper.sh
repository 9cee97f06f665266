#!/bin/sh
# Tamper detection (issue 6 part 5): a journal changed behind oyako's back
# with raw LMDB (tests/tools/jtamper) fails `oyako verify` with exit 5,
# naming the first bad seq; a truncated data.mdb is refused with exit 5,
# never read (a read past the end of the file would be SIGBUS).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/tools/hardening.sh"

# fresh: a copy of the pristine journal in j.
fresh() {
	rm -rf j && cp -a j0 j
}

# verify_fails_at SEQ: verify exits 5 naming SEQ as the first bad seq.
verify_fails_at() {
	test_must_fail 5 oyako -J j verify >out 2>err &&
	test_grep "oyako: error: verify failed at seq $1 " err &&
	test ! -s out
}

test_expect_success 'setup: a journal of the small fixture, and its tamper tool' '
	test -x "$JTAMPER" &&
	oyako -J j0 init &&
	oyako -J j0 import "$FIXTURES/small.jsonl" &&
	oyako -J j0 verify >out &&
	test_grep "verified 27 events, head seq 27" out
'

test_expect_success 'a flipped byte in the middle of an event is found at its seq' '
	fresh && "$JTAMPER" j flip 12 && verify_fails_at 12
'
test_expect_success 'a flipped byte in the first event is found at seq 1' '
	fresh && "$JTAMPER" j flip 1 && verify_fails_at 1
'
test_expect_success 'a flipped byte in the last event (its hash) is found at its seq' '
	fresh && "$JTAMPER" j flip 27 -1 && verify_fails_at 27
'

# Every byte of one event's stored value, one at a time (a stride in the
# quick pass): none may go unnoticed or be blamed on another seq.
test_expect_success 'every single flipped byte of an event is found at its seq' '
	fresh &&
	size=$(( $("$JTAMPER" j get events 0000000000000007 | wc -c) / 2 )) &&
	test "$size" -gt 60 &&
	step=1 && if [ "$QUICK" = 1 ]; then step=7; fi &&
	off=0 && missed="" &&
	while [ $off -lt $size ]; do
		fresh && "$JTAMPER" j flip 7 $off &&
		{ verify_fails_at 7 >/dev/null 2>&1 || missed="$missed $off"; }
		off=$((off + step))
	done &&
	if [ -n "$missed" ]; then echo "flips not found at seq 7: offsets$missed"; false; fi
'

# verify hashes the chain on a second thread when it may use two cores; on
# one (taskset), in the log walk itself: the same first bad seq either way.
test_expect_success 'on one core too, a flipped byte is found at its seq' '
	fresh && "$JTAMPER" j flip 12 &&
	test_must_fail 5 taskset -c 0 oyako -J j verify >out 2>err &&
	test_grep "oyako: error: verify failed at seq 12 " err &&
	fresh && taskset -c 0 oyako -J j verify >out && test_grep "verified 27 events" out
'
test_expect_success 'a deleted event is found at its seq' '
	fresh && "$JTAMPER" j delete 9 && verify_fails_at 9 &&
	test_grep "event 9 is missing" err
'
test_expect_success 'a deleted last event is found (the id index names it)' '
	fresh && "$JTAMPER" j delete 27 &&
	test_must_fail 5 oyako -J j verify 2>err &&
	test_grep "verify failed" err
'
test_expect_success 'two swapped events are found at the first of them' '
	fresh && "$JTAMPER" j swap 4 20 && verify_fails_at 4
'
test_expect_success 'two swapped neighbours are found at the first of them' '
	fresh && "$JTAMPER" j swap 15 16 && verify_fails_at 15
'
test_expect_success 'an id index entry pointing elsewhere is found at its event' '
	fresh && "$JTAMPER" j repoint-id 10 11 && verify_fails_at 10 &&
	test_grep "(field '\''index'\'')" err && test_grep "id index" err
'
# Format 2 keeps a stream's head in the last entry of its key in `index`:
# 's' and the stream name (a case: 's', 0x01 and the UUID's 16 bytes);
# version u32, seq u64, live-open u16, live-birth u16.
test_expect_success 'a wrong stream head (its last entry) is found' '
	fresh &&
	key=$(hex sroom:kokinu) &&
	"$JTAMPER" j last index $key >h && test "$(cut -c1-8 h)" = 00000001 &&
	"$JTAMPER" j set-last index $key "00000009$(cut -c9-32 h)" &&
	test_must_fail 5 oyako -J j verify 2>err &&
	test_grep "verify failed at seq" err && test_grep "stream '\''room:kokinu'\''" err
'
# Index entries the log does not explain: verify's first pass compares sums
# of keyed hashes of the index with those the log implies; these must not
# slip through it.
test_expect_success 'an extra id index entry is found' '
	fresh &&
	"$JTAMPER" j put index 750123456789abcdef 0123456789abcdef0000000000000001 &&
	test_must_fail 5 oyako -J j verify 2>err &&
	test_grep "verify failed" err && test_grep "id entries for 27 events" err
'
test_expect_success 'an extra stream index entry is found' '
	fresh &&
	"$JTAMPER" j put index $(hex sroom:kokinu) 00000009000000000000000100010000 &&
	test_must_fail 5 oyako -J j verify 2>err &&
	test_grep "verify failed" err
'
test_expect_success 'an entry of an unknown kind in the index is found' '
	fresh &&
	"$JTAMPER" j put index 7a00 00000000000000000000000000000000 &&
	test_must_fail 5 oyako -J j verify 2>err &&
	test_grep "verify failed" err && test_grep "malformed entry" err
'
test_expect_success 'a changed live count in a stream head is found' '
	fresh &&
	key=$(hex sroom:kokinu) &&
	"$JTAMPER" j last index $key >h &&
	v=$(cat h) && test ${#v} -eq 32 &&
	"$JTAMPER" j set-last index $key "${v%????????}00070000" &&
	test_must_fail 5 oyako -J j verify 2>err &&
	test_grep "verify failed at seq" err && test_grep "live counts" err
'
test_expect_success 'a changed live count of a case, in its binary key, is found' '
	fresh &&
	key=7301c1a5e00000004000800000000000000a &&
	"$JTAMPER" j last index $key >h &&
	v=$(cat h) && test ${#v} -eq 32 &&
	"$JTAMPER" j set-last index $key "${v%????????}00000001" &&
	test_must_fail 5 oyako -J j verify 2>err &&
	test_grep "verify failed at seq" err &&
	test_grep "c1a5e000-0000-4000-8000-00000000000a" err
'
test_expect_success 'a removed retraction entry is found' '
	fresh &&
	t=$(oyako -J j0 export --type event.retracted | sed "s/.*\"target\":\"\([^\"]*\)\".*/\1/" | head -1) &&
	tseq=$(oyako -J j0 export | grep "\"id\":\"$t\"" | sed "s/^{\"seq\":\([0-9]*\),.*/\1/") &&
	"$JTAMPER" j del index 72$(printf %016x "$tseq") &&
	test_must_fail 5 oyako -J j verify 2>err &&
	test_grep "verify failed" err
'
test_expect_success 'the untouched copy still verifies (the tool changes only what it says)' '
	fresh && oyako -J j verify >out && test_grep "verified 27 events" out
'

# Truncation: half the file, one page, two pages and a byte, nothing.
for size in half 4096 8193 0; do
	test_expect_success "a data.mdb truncated to $size bytes is refused (exit 5), not read" '
		fresh &&
		if [ '$size' = half ]; then s=$(( $(stat -c %s j/data.mdb) / 2 )); else s='$size'; fi &&
		truncate -s $s j/data.mdb &&
		for cmd in verify export stats "show room:kokinu"; do
			test_must_fail 5 oyako -J j $cmd >out 2>err &&
			test_grep "oyako: error: cannot open journal '\''j'\'': journal is corrupt" err &&
			test ! -s out || return 1
		done &&
		printf "%s\n" "{\"type\":\"room.opened\",\"stream\":\"room:new\",\"occurred\":\"2025-05-01\",\"actor\":\"a\",\"data\":{\"name\":\"n\",\"name_en\":\"n\"}}" >one.jsonl &&
		test_must_fail 5 oyako -J j import one.jsonl 2>err &&
		test "$(stat -c %s j/data.mdb)" -eq $s
	'
done

test_done
