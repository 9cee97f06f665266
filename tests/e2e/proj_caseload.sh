#!/bin/sh
# oyako-caseload: coordinators by district over time, unassigned cases,
# summaries; every format.
. "$(dirname "$0")/lib.sh"
GOLDEN="$TOP/tests/golden"
mask() { sed 's/[0-9a-f]\{64\}/HASH/g'; }
C2=22222222-2222-4222-8222-222222222222

test_expect_success 'the small fixture imports' '
	oyako -J j init && oyako -J j import "$FIXTURES/proj-small.jsonl" >/dev/null
'

for f in text tsv csv json md; do
	for l in ja en; do
		test_expect_success "caseload --format $f --lang $l matches its golden file" "
			oyako-caseload -J j --as-of 2025-10-01 --format $f --lang $l >out.raw &&
			mask <out.raw >out && test_cmp \"\$GOLDEN/caseload-small.$l.$f\" out
		"
	done
done

test_expect_success 'a transfer moves a case to the other coordinator on its date' '
	oyako-caseload -J j --as-of 2025-09-14 --format csv >before &&
	test_grep "C02,bloom,$C2,陽光台," before &&
	oyako-caseload -J j --as-of 2025-09-15 --format csv >after &&
	test_grep "C03,bloom,$C2,福岡," after
'

test_expect_success 'a coordinator who left is gone, the case unassigned' '
	oyako-caseload -J j --as-of 2025-10-15 --format json >out &&
	! grep -q "\"coordinator\":\"C03\"" out &&
	test_grep "\"unassigned\":[{\"case\":\"$C2\"" out
'

test_expect_success 'a closed case is not listed; one before it closed is' '
	oyako-caseload -J j --as-of 2025-06-01 --format tsv >out &&
	! grep -q 55555555 out &&
	oyako-caseload -J j --as-of 2025-05-31 --format tsv >out &&
	test_grep 55555555 out
'

test_expect_success 'twins: one case, stage infant' '
	oyako-caseload -J j --as-of 2025-10-01 --format json >out &&
	test_grep "\"case\":\"$C2\",\"district\":\"福岡\",\"stage\":\"infant\",\"due_date\":\"2025-07-01\",\"birth_date\":\"2025-06-28\"" out
'

test_expect_success '--coordinator keeps one, with no unassigned list' '
	oyako-caseload -J j --as-of 2025-10-01 --coordinator C02 --format json >out &&
	test_grep "\"coordinators\":[{\"coordinator\":\"C02\",\"room\":\"bloom\",\"cases\":[]}],\"unassigned\":[]" out
'

test_expect_success 'an unknown coordinator exits 7' '
	test_must_fail 7 oyako-caseload -J j --as-of 2025-10-01 --coordinator C09 2>err &&
	test_grep "no coordinator '\''C09'\'' at 2025-10-01" err
'

test_expect_success 'usage errors exit 2' '
	test_must_fail 2 oyako-caseload -J j --format html &&
	test_must_fail 2 oyako-caseload -J j --coordinator &&
	test_must_fail 2 oyako-caseload -J j --at-seq -1
'

test_expect_success 'text stays aligned with Japanese districts' '
	oyako-caseload -J j --as-of 2025-10-01 --lang ja >out &&
	test_grep "ケース                                地区  段階    出産予定日" out &&
	test_grep "11111111-1111-4111-8111-111111111111  小絹  妊娠中  2025-10-20" out
'

test_done
