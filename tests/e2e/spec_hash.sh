#!/bin/sh
# The hash chain of specs/storage.md, recomputed from an export by the
# auditor's reference script (Python standard library only), agrees with
# `oyako verify` on real journals: every event type, arrays, booleans,
# Japanese text, retractions.
. "$(dirname "$0")/lib.sh"

REF="$TOP/specs/reference/verify-export.py"

head_of() {
	oyako -J "$1" verify | sed 's/.*head hash //'
}

test_expect_success 'the worked example of specs/storage.md' '
	python3 "$REF" "$FIXTURES/hash-example.jsonl" >out &&
	test_grep "head hash 464634e5285b5378dbd05744ba4e67ff859368310f1a02b985087f633417fbdd" out
'

test_expect_success 'a journal holding every event type' '
	oyako -J small init && oyako -J small import "$FIXTURES/small.jsonl" &&
	oyako -J small export >small.jsonl &&
	python3 "$REF" small.jsonl >out &&
	echo "verified $(wc -l <small.jsonl | tr -d " ") events, head hash $(head_of small)" >want &&
	test_cmp want out
'

test_expect_success 'a generated city (a year of a seed-like city)' '
	oyako-gen --births 120 --years 1 --until 2026-03-31 >city.jsonl &&
	oyako -J city init && oyako -J city import city.jsonl 2>/dev/null &&
	oyako -J city export >city-export.jsonl &&
	python3 "$REF" city-export.jsonl >out &&
	echo "verified $(wc -l <city-export.jsonl | tr -d " ") events, head hash $(head_of city)" >want &&
	test_cmp want out
'

test_expect_success 'a changed value in an export is caught by the reference (exit 5)' '
	sed "3s/\"occurred\":\"\([0-9-]*\)\"/\"occurred\":\"1999-01-01\"/" small.jsonl >changed.jsonl &&
	! cmp -s small.jsonl changed.jsonl &&
	test_must_fail 5 python3 "$REF" changed.jsonl 2>err &&
	test_grep "line 3" err
'

test_done
