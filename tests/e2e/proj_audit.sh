#!/bin/sh
# oyako-audit: corrections, back-dated entries, counts per actor; ranges.
. "$(dirname "$0")/lib.sh"
GOLDEN="$TOP/tests/golden"
# Hashes and recorded times depend on the time of import.
mask() { sed -e 's/[0-9a-f]\{64\}/HASH/g' -e 's/[0-9-]\{10\}T[0-9:]\{8\}\.[0-9]\{6\}Z/RECORDED/g'; }

test_expect_success 'the small fixture imports' '
	oyako -J j init && oyako -J j import "$FIXTURES/proj-small.jsonl" >/dev/null
'

# --late-days 36500: nothing is back-dated, so the output does not depend
# on the day the test runs.
for f in text tsv csv json md; do
	for l in ja en; do
		test_expect_success "audit --format $f --lang $l matches its golden file" "
			oyako-audit -J j --late-days 36500 --format $f --lang $l >out.raw &&
			mask <out.raw >out && test_cmp \"\$GOLDEN/audit-small.$l.$f\" out
		"
	done
done

test_expect_success 'a correction names who, the retracted event and the reason' '
	oyako-audit -J j --format json >out &&
	test_grep "\"corrections\":[{\"seq\":16," out &&
	test_grep "\"actor\":\"nurse:N03\",\"occurred\":\"2025-09-20\",\"target\":{\"id\":\"00000000-0000-4000-8000-000000000015\",\"seq\":11,\"type\":\"room.visited\"" out &&
	test_grep "\"reason\":\"wrong case\"" out &&
	test_grep "{\"actor\":\"staff:C01\",\"events\":1,\"corrections\":0,\"backdated\":1,\"retracted\":1}" out
'

test_expect_success 'a seq range leaves the correction out' '
	oyako-audit -J j --from-seq 1 --to-seq 15 --format json >out &&
	test_grep "\"corrections\":[]" out && test_grep "\"to_seq\":15," out &&
	oyako-audit -J j --from-seq 16 --to-seq 16 --format json >out &&
	test_grep "\"corrections\":[{\"seq\":16," out &&
	test_grep "\"actors\":[{\"actor\":\"nurse:N03\",\"events\":1," out
'

test_expect_success '--fy selects by occurred: FY2024 has no correction' '
	oyako-audit -J j --fy 2024 --format json >out &&
	test_grep "\"fiscal_year\":2024," out && test_grep "\"corrections\":[]" out &&
	oyako-audit -J j --fy R7 --format json >out && test_grep "\"corrections\":[{" out
'

# Events recorded today that occurred 30 and 31 days ago (Japan time).
test_expect_success 'back-dated: more than N days, not N' '
	d30=$(TZ=Asia/Tokyo date -d "30 days ago" +%F) &&
	d31=$(TZ=Asia/Tokyo date -d "31 days ago" +%F) &&
	oyako -J k init &&
	printf "{\"type\":\"room.opened\",\"stream\":\"room:a\",\"occurred\":\"%s\",\"actor\":\"n\",\"data\":{\"name\":\"A\"}}\n" "$d30" >in &&
	printf "{\"type\":\"room.opened\",\"stream\":\"room:b\",\"occurred\":\"%s\",\"actor\":\"n\",\"data\":{\"name\":\"B\"}}\n" "$d31" >>in &&
	oyako -J k import in >/dev/null &&
	oyako-audit -J k --format csv >out &&
	test_grep "2,room.opened,room:b,$d31," out && ! grep -q "room:a" out &&
	oyako-audit -J k --late-days 29 --format csv >out &&
	test_grep "1,room.opened,room:a,$d30," out
'

test_expect_success 'usage errors exit 2' '
	test_must_fail 2 oyako-audit -J j --fy 2025 --from-seq 1 &&
	test_must_fail 2 oyako-audit -J j --from-seq 5 --to-seq 2 &&
	test_must_fail 2 oyako-audit -J j --late-days x &&
	test_must_fail 2 oyako-audit -J j --fy nope
'

test_expect_success '--to-seq past the head exits 7' '
	test_must_fail 7 oyako-audit -J j --to-seq 100 2>err && test_grep "past the head" err
'

test_done
