#!/bin/sh
# oyako-risk: flags with since, coordinator and why; --flag, --rules,
# --at-seq; every format.
. "$(dirname "$0")/lib.sh"
GOLDEN="$TOP/tests/golden"
mask() { sed 's/[0-9a-f]\{64\}/HASH/g'; }
C1=11111111-1111-4111-8111-111111111111
C3=33333333-3333-4333-8333-333333333333

test_expect_success 'the small fixture imports' '
	oyako -J j init && oyako -J j import "$FIXTURES/proj-small.jsonl" >/dev/null
'

for f in text tsv csv json md; do
	for l in ja en; do
		test_expect_success "risk --format $f --lang $l matches its golden file" "
			oyako-risk -J j --as-of 2025-10-01 --format $f --lang $l >out.raw &&
			mask <out.raw >out && test_cmp \"\$GOLDEN/risk-small.$l.$f\" out
		"
	done
done

test_expect_success 'json has the contract keys, sorted by case then flag' '
	oyako risk -J j --as-of 2025-10-01 --format json >out &&
	test_grep "{\"as_of\":\"2025-10-01\",\"flags\":[{\"case\":\"$C1\",\"flag\":\"no-8month-interview\",\"since\":\"2025-09-08\",\"coordinator\":\"C01\"," out &&
	test_grep "{\"case\":\"$C3\",\"flag\":\"no-coordinator\",\"since\":\"2025-10-01\",\"coordinator\":null," out
'

test_expect_success '--flag keeps one flag' '
	oyako-risk -J j --as-of 2025-10-01 --flag not-shared --format tsv >out &&
	test $(wc -l <out) = 3 && ! grep -q support-needed out
'

test_expect_success 'a retracted contact reopens no-contact (and --at-seq shows the past)' '
	oyako-risk -J j --as-of 2025-08-20 --flag no-contact --format csv >now &&
	test_grep "$C1,no-contact,2025-05-01,C01," now &&
	oyako-risk -J j --as-of 2025-08-20 --flag no-contact --format csv --at-seq 15 >then &&
	! grep -q "$C1" then
'

test_expect_success 'a rules file changes the day counts' '
	printf "# longer\nnot_shared_days = 200\n" >rules &&
	oyako-risk -J j --as-of 2025-10-01 --rules rules --flag not-shared --format tsv >out &&
	test $(wc -l <out) = 1
'

test_expect_success 'a bad rules file exits 3 naming file:line' '
	printf "not_shared_days = 20\nnot_a_rule = 3\n" >bad &&
	test_must_fail 3 oyako-risk -J j --rules bad 2>err &&
	test_grep "bad:2: unknown key '\''not_a_rule'\''" err &&
	printf "checkup_days = ten\n" >bad &&
	test_must_fail 3 oyako-risk -J j --rules bad 2>err &&
	test_grep "bad:1: '\''ten'\'' is not a number" err
'

test_expect_success 'a missing rules file exits 6' '
	test_must_fail 6 oyako-risk -J j --rules nothing-here 2>err &&
	test_grep "nothing-here" err
'

test_expect_success 'usage errors exit 2' '
	test_must_fail 2 oyako-risk -J j --flag bogus &&
	test_must_fail 2 oyako-risk -J j --as-of 2025-02-30 &&
	test_must_fail 2 oyako-risk -J j --as-of tomorrow &&
	test_must_fail 2 oyako-risk -J j extra
'

test_expect_success 'no journal exits 7; --at-seq past the head exits 7' '
	test_must_fail 7 oyako-risk -J none &&
	test_must_fail 7 oyako-risk -J j --at-seq 1000
'

test_expect_success '--as-of defaults to today (OYAKO_TODAY)' '
	OYAKO_TODAY=2025-10-01 oyako-risk -J j --format json >a &&
	oyako-risk -J j --format json --as-of 2025-10-01 >b && test_cmp a b
'

test_expect_success '--coordinator keeps the flags of the cases of that coordinator' '
	oyako-risk -J j --as-of 2025-10-01 --format json >all &&
	oyako-risk -J j --as-of 2025-10-01 --format json --coordinator C01 >c01 &&
	python3 -c "
import json
a = json.load(open(\"all\"))[\"flags\"]
c = json.load(open(\"c01\"))[\"flags\"]
assert c == [f for f in a if f[\"coordinator\"] == \"C01\"], c
assert c and len(c) < len(a), (len(c), len(a))" &&
	oyako-risk -J j --as-of 2025-10-01 --format json --coordinator C99 >none &&
	grep -q "\"flags\":\[\]" none
'

test_done
