#!/bin/sh
# oyako-gen output imports cleanly, and projects to tables close to the seed's.
. "$(dirname "$0")/lib.sh"
check() { python3 "$TOP/tests/e2e/gen_check.py" "$@"; }

# gen_import DIR ARGS...: generates with ARGS and imports into a new journal DIR.
gen_import() {
	dir=$1; shift
	oyako-gen "$@" >"$dir.jsonl" &&
	oyako -J "$dir" init >/dev/null &&
	oyako -J "$dir" import "$dir.jsonl" >"$dir.out" 2>&1 &&
	test_grep "imported $(wc -l <"$dir.jsonl" | tr -d " ") events (0 already stored)" "$dir.out"
}

test_expect_success 'one FY of the default city imports cleanly and verifies' '
	gen_import city --until 2026-03-31 &&
	oyako -J city verify >verify.out &&
	test_grep "verified $(wc -l <city.jsonl | tr -d " ") events" verify.out
'

test_expect_success 'other seeds, sizes and multi-year runs import cleanly' '
	gen_import s2 --seed 2 --until 2026-11-27 &&
	gen_import tiny --seed 3 --births 1 --years 2 --fy 2023 --until 2026-11-27 &&
	gen_import multi --seed 4 --births 1500 --years 4 --fy 2021 --until 2026-11-27 &&
	test_grep "\"room.closed\"" multi.jsonl
'

test_expect_success 'importing the same output again stores nothing (stable ids)' '
	oyako-gen --until 2026-03-31 >again.jsonl &&
	test_cmp city.jsonl again.jsonl &&
	oyako -J city import again.jsonl >again.out 2>&1 &&
	test_grep "imported 0 events" again.out
'

test_expect_success 'the annual tables of FY2025 are close to the seed report' '
	oyako -J city annual --fy 2025 --format json >annual.json &&
	check seedlike-annual annual.json
'

test_expect_success 'every risk flag is raised at the end of FY2025, as the model counts them' '
	oyako -J city risk --as-of 2026-03-31 --format json >risk.json &&
	check flags city.jsonl 2026-03-31 >model.json &&
	python3 - risk.json model.json <<-\PY
	import json, sys
	risk, model = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
	got = {}
	for f in risk["flags"]:
	    got[f["flag"]] = got.get(f["flag"], 0) + 1
	want = ["support-needed", "not-shared", "no-8month-interview", "birth-not-recorded",
	        "no-happybaby", "missed-checkup", "no-contact", "no-coordinator"]
	assert sorted(got) == sorted(want), got
	assert got == model, f"oyako risk {got} != model {model}"
	PY
'

test_expect_success 'the caseload has coordinators and unassigned families' '
	oyako -J city caseload --as-of 2026-03-31 --format json >caseload.json &&
	python3 - caseload.json <<-\PY
	import json, sys
	c = json.load(open(sys.argv[1]))
	assert len(c["coordinators"]) >= 6, len(c["coordinators"])
	assert sum(len(x["cases"]) for x in c["coordinators"]) > 400
	assert len(c["unassigned"]) > 0
	PY
'

test_done
