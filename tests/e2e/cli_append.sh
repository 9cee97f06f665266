#!/bin/sh
# oyako init and oyako append.
. "$(dirname "$0")/lib.sh"

ID=3f0e6a5e-1111-4222-8333-444455556666

test_expect_success 'init creates a journal, twice is an error' '
	oyako -J j init >out &&
	test_grep "initialized empty journal in '\''j'\''" out &&
	test_must_fail 2 oyako -J j init 2>err &&
	test_grep "already exists" err
'

test_expect_success 'append from options prints the seq' '
	oyako -J j append --type room.opened --stream room:kokinu --occurred 2025-04-01 \
	    --actor admin:A01 --data "{\"name\":\"小絹児童館\"}" --expected-version 0 >out &&
	echo 1 >want && test_cmp want out
'

test_expect_success 'append of one JSON line on stdin' '
	echo "{\"type\":\"room.opened\",\"stream\":\"room:bloom\",\"occurred\":\"2025-04-01\",\"actor\":\"a\",\"data\":{\"name\":\"BLOOM\"}}" |
	    oyako -J j append >out &&
	echo 2 >want && test_cmp want out
'

test_expect_success 'the actor comes from --actor, else $OYAKO_ACTOR' '
	echo "{\"type\":\"room.closed\",\"stream\":\"room:bloom\",\"occurred\":\"2025-04-02\"}" |
	    OYAKO_ACTOR=nurse:N01 oyako -J j append >out &&
	oyako -J j export --after-seq 2 | grep -q "\"actor\":\"nurse:N01\"" &&
	OYAKO_ACTOR=x oyako -J j append --type room.opened --stream room:bloom --occurred 2025-04-03 \
	    --actor admin:A02 --data "{\"name\":\"BLOOM\"}" &&
	oyako -J j export --after-seq 3 | grep -q "\"actor\":\"admin:A02\""
'

test_expect_success 'no actor at all: exit 3' '
	test_must_fail 3 oyako -J j append --type room.closed --stream room:bloom 2>err &&
	test_grep "field '\''actor'\'': missing" err
'

test_expect_success 'occurred defaults to today' '
	oyako -J j append --type room.closed --stream room:bloom --actor a &&
	oyako -J j export --after-seq 4 | grep -q "\"occurred\":\"[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]\""
'

test_expect_success 'a retry with --id is safe: already stored' '
	oyako -J j append --id $ID --type room.opened --stream room:ohisama --occurred 2025-04-01 \
	    --actor a --data "{\"name\":\"おひさま\"}" >out1 &&
	oyako -J j append --id $ID --type room.opened --stream room:ohisama --occurred 2025-04-01 \
	    --actor a --data "{\"name\":\"おひさま\"}" >out2 &&
	echo 6 >want1 && test_cmp want1 out1 &&
	echo "6 already stored" >want2 && test_cmp want2 out2
'

test_expect_success 'the same --id with other content: conflict, exit 4' '
	oyako -J j export >before &&
	test_must_fail 4 oyako -J j append --id $ID --type room.opened --stream room:ohisama \
	    --occurred 2025-04-01 --actor a --data "{\"name\":\"other\"}" 2>err &&
	test_grep "oyako: error: field" err &&
	oyako -J j export >after && test_cmp before after
'

test_expect_success 'a wrong --expected-version: conflict, exit 4' '
	test_must_fail 4 oyako -J j append --type room.closed --stream room:kokinu --actor a \
	    --expected-version 5 2>err &&
	test_grep "field '\''expected_version'\''" err
'

test_expect_success 'invalid events: exit 3, the field named, nothing stored' '
	test_must_fail 3 oyako -J j append --type room.opened --stream room:x --actor a \
	    --data "{\"name\":1.5}" 2>err &&
	test_grep "field '\''data.name'\''" err &&
	test_must_fail 3 oyako -J j append --type room.opened --stream room:x --actor a \
	    --data "{\"name\":" 2>err &&
	test_grep "option '\''--data'\'': invalid JSON" err &&
	test_must_fail 3 oyako -J j append --type room.opened --stream room:x --actor a \
	    --data "[]" 2>err &&
	test_grep "field '\''data'\'': must be an object" err &&
	test_must_fail 3 oyako -J j append --type room.opened --stream room:x --actor a \
	    --id nope --data "{\"name\":\"x\"}" 2>err &&
	test_grep "field '\''id'\''" err &&
	echo "{\"type\":\"room.opened\"}" | test_must_fail 3 oyako -J j append 2>err &&
	test_grep "standard input: field '\''stream'\'': missing" err &&
	oyako -J j export >after && test_cmp before after
'

test_expect_success 'usage errors: exit 2' '
	test_must_fail 2 oyako -J j append --type room.closed &&
	test_must_fail 2 oyako -J j append --stream room:x &&
	test_must_fail 2 oyako -J j append --type room.closed --stream room:x --expected-version -1 2>err &&
	test_grep "option '\''--expected-version'\''" err &&
	test_must_fail 2 oyako -J j append --type room.closed --stream room:x --expected-version x &&
	test_must_fail 2 oyako -J j append </dev/null 2>err &&
	test_grep "no event on standard input" err &&
	printf "{}\n{}\n" | test_must_fail 2 oyako -J j append 2>err &&
	test_grep "more than one line" err &&
	test_must_fail 2 oyako -J j append extra </dev/null &&
	oyako append --help >out && test_grep "usage: oyako append" out
'

test_expect_success 'append to no journal: exit 7' '
	test_must_fail 7 oyako -J nowhere append --type room.closed --stream room:x --actor a
'

test_done
