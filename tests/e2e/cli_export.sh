#!/bin/sh
# oyako export: filters, option checks, SIGPIPE safety, read-only journals.
. "$(dirname "$0")/lib.sh"

CASE_A=case:c1a5e000-0000-4000-8000-00000000000a
CASE_B=case:c1a5e000-0000-4000-8000-00000000000b

test_expect_success 'setup' '
	oyako -J j init &&
	oyako -J j import "$FIXTURES/small.jsonl" 2>/dev/null &&
	oyako -J j export >all &&
	test $(wc -l <all) -eq 27
'

test_expect_success 'lines carry the keys in the contract order' '
	head -1 all | grep -q "^{\"seq\":1,\"id\":\"e0000000-0000-4000-8000-000000000001\",\"type\":\"room.opened\",\"stream\":\"room:kokinu\",\"version\":1,\"occurred\":\"2025-04-01\",\"recorded\":\"[0-9T:.-]*Z\",\"actor\":\"admin:A01\",\"data\":{\"name\":\"小絹児童館\",\"name_en\":\"Kokinu Children'\''s Hall\"},\"hash\":\"[0-9a-f]\{64\}\"}$"
'

test_expect_success 'export is deterministic' '
	oyako -J j export >again && test_cmp all again
'

test_expect_success '--stream gives one stream in version order' '
	oyako -J j export --stream $CASE_B >b &&
	test $(wc -l <b) -eq 6 &&
	! grep -v "\"stream\":\"$CASE_B\"" b &&
	grep -o "\"version\":[0-9]*" b | tr "\n" " " >versions &&
	printf "\"version\":%s " 1 2 3 4 5 6 >want &&
	test_cmp want versions
'

test_expect_success '--stream of an unknown stream is empty' '
	oyako -J j export --stream room:nowhere >none && test ! -s none
'

test_expect_success '--type, repeated and as a comma list' '
	oyako -J j export --type room.opened --type room.closed >t1 &&
	test $(wc -l <t1) -eq 4 &&
	oyako -J j export --type room.opened,room.closed >t2 &&
	test_cmp t1 t2 &&
	! grep -v "\"type\":\"room\.\(opened\|closed\)\"" t1
'

test_expect_success '--from/--to select by occurred date, inclusive, times included' '
	oyako -J j export --from 2025-04-10 --to 2025-04-25 >d &&
	grep -o "\"occurred\":\"[^\"]*\"" d >got &&
	printf "%s\n" "\"occurred\":\"2025-04-10T14:30\"" "\"occurred\":\"2025-04-25\"" >want &&
	test_cmp want got
'

test_expect_success '--after-seq skips the first seqs' '
	oyako -J j export --after-seq 25 >a &&
	test $(wc -l <a) -eq 2 &&
	head -1 a | grep -q "^{\"seq\":26," &&
	oyako -J j export --after-seq 27 >a2 && test ! -s a2 &&
	oyako -J j export --after-seq 1000 >a3 && test ! -s a3
'

test_expect_success 'filters combine' '
	oyako -J j export --stream $CASE_A --type class.attended,room.visited --after-seq 9 >c &&
	test $(wc -l <c) -eq 1 &&
	grep -q "\"type\":\"room.visited\"" c
'

test_expect_success 'bad options: exit 2 and the option named' '
	test_must_fail 2 oyako -J j export --type room.painted 2>err &&
	test_grep "option '\''--type'\'': '\''room.painted'\'' is not an event type" err &&
	test_must_fail 2 oyako -J j export --from 2025-02-30 2>err &&
	test_grep "option '\''--from'\''" err &&
	test_must_fail 2 oyako -J j export --to yesterday &&
	test_must_fail 2 oyako -J j export --after-seq -1 &&
	test_must_fail 2 oyako -J j export --after-seq 12x &&
	test_must_fail 2 oyako -J j export --from 2025-05-01 --to 2025-04-01 &&
	test_must_fail 2 oyako -J j export extra
'

test_expect_success '--help goes to stdout with exit 0' '
	oyako export --help >out 2>err &&
	test_grep "usage: oyako export" out && test ! -s err
'

test_expect_success 'a closed pipe ends the export quietly' '
	i=0; while [ $i -lt 40 ]; do cat "$FIXTURES/small.jsonl"; i=$((i + 1)); done |
	    sed "s/\"id\":\"[^\"]*\",//; s/\"expected_version\":0//; s/,}/}/" >many.jsonl &&
	grep -v "room.opened\|handbook.issued\|coordinator\|meeting\|checkup.held\|room.closed\|event.retracted\|case.closed\|birth.registered" many.jsonl >repeat.jsonl &&
	oyako -J j import repeat.jsonl 2>/dev/null &&
	{ oyako -J j export 2>err; echo $? >rc; } | head -1 >first &&
	test $(wc -l <first) -eq 1 &&
	test "$(cat rc)" = 0 &&
	test ! -s err
'

test_expect_success 'a read-only copy of the journal can be exported' '
	cp -r j ro && chmod -R a-w ro &&
	oyako -J ro export >ro.out &&
	oyako -J j export >rw.out &&
	test_cmp rw.out ro.out;
	rc=$?; chmod -R u+w ro; return $rc
'

test_expect_success 'no journal: exit 7' '
	test_must_fail 7 oyako -J nowhere export 2>err &&
	test_grep "no journal at '\''nowhere'\''" err
'

test_done
