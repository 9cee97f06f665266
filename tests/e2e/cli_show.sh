#!/bin/sh
# oyako show, verify and stats.
. "$(dirname "$0")/lib.sh"

CASE_A=case:c1a5e000-0000-4000-8000-00000000000a
CASE_B=case:c1a5e000-0000-4000-8000-00000000000b
TZ=UTC
export TZ

test_expect_success 'setup' '
	oyako -J j init &&
	oyako -J j import "$FIXTURES/small.jsonl" 2>/dev/null
'

test_expect_success 'show prints each version with its dates, actor, type and data' '
	oyako -J j show $CASE_A >out &&
	test_grep "$CASE_A: 10 events" out &&
	grep -q "^v1  2025-04-03  recorded [0-9-]* [0-9:]* UTC  by nurse:N07  handbook.issued  (seq 6)$" out &&
	test_grep "    district: 小絹" out &&
	test_grep "    needs: young, single" out &&
	test_grep "    support_needed: true" out &&
	grep -q "^v6  2025-09-18 .* birth.registered" out &&
	test_grep "    children: 1" out
'

test_expect_success 'show marks a retracted event with who, when and why' '
	oyako -J j show $CASE_B >out &&
	sed -n "/^v2 /,/^\$/p" out >v2 &&
	grep -q "^    \[RETRACTED by coord:C01 at [0-9-]* [0-9:]* UTC (v5, seq 26): entered for the wrong room\]$" v2 &&
	sed -n "/^v5 /,/^\$/p" out >v5 &&
	test_grep "    (retracts v2, seq 10)" v5 &&
	sed -n "/^v6 /,/^\$/p" out >v6 &&
	! grep -q RETRACTED v6
'

test_expect_success 'show: an unknown stream is exit 7, a missing one exit 2' '
	test_must_fail 7 oyako -J j show room:nowhere 2>err &&
	test_grep "no stream '\''room:nowhere'\''" err &&
	test_must_fail 2 oyako -J j show &&
	test_must_fail 2 oyako -J j show a b
'

test_expect_success 'verify prints the count and the head hash of the export' '
	oyako -J j verify >out &&
	hash=$(oyako -J j export | tail -1 | sed "s/.*\"hash\":\"\([0-9a-f]*\)\".*/\1/") &&
	echo "verified 27 events, head seq 27, head hash $hash" >want &&
	test_cmp want out
'

test_expect_success 'verify of an empty journal' '
	oyako -J e init &&
	oyako -J e verify >out &&
	test_grep "verified 0 events, head seq 0, head hash 0000000000000000" out
'

test_expect_success 'verify works on a read-only copy' '
	cp -r j ro && chmod -R a-w ro &&
	oyako -J ro verify >ro.out; rc=$?; chmod -R u+w ro &&
	test $rc -eq 0 && oyako -J j verify >rw.out && test_cmp rw.out ro.out
'

test_expect_success 'a changed byte in data.mdb: verify exits 5 and names the seq' '
	cp -r j bad &&
	perl -0777 -pi -e "s/Kokinu Children/Kokinu Childrem/" bad/data.mdb &&
	! cmp -s j/data.mdb bad/data.mdb &&
	test_must_fail 5 oyako -J bad verify >out 2>err &&
	test_grep "oyako: error: verify failed at seq 1" err &&
	test ! -s out
'

test_expect_success 'stats counts types, streams, dates and head' '
	oyako -J j stats >out &&
	test_grep "events          27" out &&
	test_grep "head seq        27" out &&
	test_grep "first occurred  2025-04-01" out &&
	test_grep "last occurred   2025-12-31" out &&
	test_grep "streams         case 3, room 3, staff 2, meeting 1, checkup 1" out &&
	grep -q "^  class.attended  *3$" out &&
	grep -q "^  event.retracted  *1$" out &&
	grep -q "^size on disk    .*bytes" out &&
	hash=$(oyako -J j verify | sed "s/.*head hash //") &&
	test_grep "head hash       $hash" out
'

test_expect_success 'verify, stats and show: no journal is exit 7, extra arguments exit 2' '
	test_must_fail 7 oyako -J nowhere verify &&
	test_must_fail 7 oyako -J nowhere stats &&
	test_must_fail 7 oyako -J nowhere show room:x &&
	test_must_fail 2 oyako -J j verify extra &&
	test_must_fail 2 oyako -J j stats extra
'

test_done
