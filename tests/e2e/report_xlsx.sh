#!/bin/sh
# Reports people open (BRIEF section 12): the xlsx workbooks of annual,
# caseload and risk, read back with a real reader (Debian's
# python3-openpyxl, hence /usr/bin/python3).
. "$(dirname "$0")/lib.sh"
SEED="$FIXTURES/seed-fy2025.jsonl"
CHECK="$TOP/tests/e2e/report_check.py"
PY=/usr/bin/python3
book() { $PY "$CHECK" xlsx "$1"; }

test_expect_success 'the seed fixture imports' '
	oyako -J j init && oyako -J j import "$SEED" >/dev/null
'

test_expect_success 'annual xlsx holds every number of the json, as number cells' '
	oyako annual -J j --fy R7 --format json >a.json &&
	oyako annual -J j --fy R7 --format xlsx --lang ja -o ja.xlsx &&
	oyako annual -J j --fy R7 --format xlsx --lang en -o en.xlsx &&
	$PY "$CHECK" annual ja.xlsx a.json && $PY "$CHECK" annual en.xlsx a.json
'

test_expect_success 'annual --compare xlsx: both years and the change, as numbers' '
	oyako annual -J j --fy R7 --compare 2024 --format json >c.json &&
	oyako annual -J j --fy R7 --compare 2024 --format xlsx -o c.xlsx &&
	$PY "$CHECK" annual c.xlsx c.json
'

test_expect_success 'the check would see a number stored as text' '
	book en.xlsx >en.book &&
	$PY - en.xlsx <<-\PY
	import sys, openpyxl
	wb = openpyxl.load_workbook(sys.argv[1])
	wb.worksheets[2]["B3"].value = "117"
	wb.save("text.xlsx")
	PY
	! $PY "$CHECK" annual text.xlsx a.json 2>err && test_grep "not a number cell" err
'

test_expect_success 'one sheet a table, titled, header frozen, widths follow the cells' '
	book ja.xlsx >ja.book &&
	$PY - ja.book <<-\PY
	import json, sys
	b = json.load(open(sys.argv[1]))
	assert [s["name"] for s in b] == ["①母子手帳会議", "②マタニティ教室", "③妊娠8か月面談",
	    "④はっぴーベビー", "⑤3・4か月児健診（集団）", "provenance"], [s["name"] for s in b]
	for s in b[:-1]:
	    assert s["freeze"] == "A3", (s["name"], s["freeze"])
	    assert s["rows"][0][0]["v"] == s["name"]            # the title
	rooms = b[1]
	assert [c["v"] for c in rooms["rows"][1]] == ["利用者支援室名", "参加組数", "参加者数", "夫婦組"]
	# 利用者支援室名: 7 wide characters, 14 columns, and 2 to spare
	assert rooms["widths"]["A"] >= 14, rooms["widths"]
	prov = {r[0]["v"]: r[1]["v"] for r in b[-1]["rows"][1:]}
	assert prov["title"].startswith("令和7年度"), prov
	assert b[-1]["freeze"] == "A2"
	PY
'

test_expect_success 'charted tables get an Excel chart drawn from their cells' '
	$PY - ja.xlsx c.xlsx <<-\PY
	import re, sys, zipfile
	z = zipfile.ZipFile(sys.argv[1])
	charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
	assert len(charts) == 3, charts        # ② ③ ④; ① and ⑤ only when comparing
	refs = re.findall(r"<c:f>([^<]*)</c:f>", z.read("xl/charts/chart1.xml").decode())
	assert refs == ["\x27②マタニティ教室\x27!$C$2", "\x27②マタニティ教室\x27!$A$3:$A$8",
	    "\x27②マタニティ教室\x27!$C$3:$C$8"], refs      # participants by room
	z = zipfile.ZipFile(sys.argv[2])
	assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) == 5
	PY
'

test_expect_success 'dates are text YYYY-MM-DD; case ids text; caseload sheets per coordinator' '
	oyako caseload -J j --as-of 2025-10-01 --format json >cl.json &&
	oyako caseload -J j --as-of 2025-10-01 --format xlsx -o cl.xlsx &&
	book cl.xlsx >cl.book &&
	$PY - cl.json cl.book <<-\PY
	import json, sys
	j, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
	names = [s["name"] for s in b]
	coords = [c["coordinator"] for c in j["coordinators"]]
	assert names == ["summary"] + coords + ["unassigned", "provenance"], names
	summary = b[0]
	for row, s in zip(summary["rows"][2:], j["summary"]):
	    assert [c["t"] for c in row[2:]] == ["n"] * 4, row
	    assert [c["v"] for c in row[2:]] == [s["cases"], s["pregnant"], s["infant"], s["flagged"]]
	lists = j["coordinators"] + [{"cases": j["unassigned"]}]
	for sheet, c in zip(b[1:-1], lists):
	    rows = sheet["rows"][2:]
	    assert [r[0]["v"] for r in rows] == [x["case"] for x in c["cases"]], sheet["name"]
	    for r, x in zip(rows, c["cases"]):
	        assert r[3]["t"] == "s" and r[3]["v"] == x["due_date"], (r[3], x["due_date"])
	PY
'

test_expect_success 'risk xlsx: the counts by flag as numbers, a sheet a flag' '
	oyako risk -J j --as-of 2025-10-01 --format json >rk.json &&
	oyako risk -J j --as-of 2025-10-01 --format xlsx -o rk.xlsx &&
	book rk.xlsx >rk.book &&
	$PY - rk.json rk.book <<-\PY
	import json, sys, collections
	j, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
	want = collections.Counter(f["flag"] for f in j["flags"])
	rows = b[0]["rows"][2:]
	assert all(r[1]["t"] == "n" for r in rows)
	assert {r[0]["v"]: r[1]["v"] for r in rows if r[1]["v"]} == dict(want)
	assert sorted(s["name"] for s in b[1:-1]) == sorted(want)
	prov = {r[0]["v"]: r[1]["v"] for r in b[-1]["rows"][1:]}
	assert prov["at_seq"] == j["at_seq"] and prov["head_hash"] == j["head_hash"]
	PY
'

test_expect_success 'long or odd table names make valid, unique sheet names' '
	long=a:b:a-very-long-coordinator-code-for-a-sheet &&
	for n in 1 2; do
		echo "{\"id\":\"0e0e0e0e-0000-4000-8000-00000000000$n\",\"type\":\"coordinator.assigned\",\"stream\":\"staff:$long-$n\",\"occurred\":\"2025-04-01\",\"actor\":\"nurse:N01\",\"data\":{\"room\":\"kokinu\",\"districts\":[\"小絹\"]}}"
	done >odd.jsonl &&
	oyako -J j import odd.jsonl >/dev/null &&
	oyako caseload -J j --as-of 2025-10-01 --format xlsx -o odd.xlsx &&
	book odd.xlsx >odd.book &&
	$PY - odd.book <<-\PY
	import json, sys
	b = json.load(open(sys.argv[1]))
	odd = [s["name"] for s in b if s["name"].startswith("a_b_a-very")]
	assert len(odd) == 2 and len(set(odd)) == 2, [s["name"] for s in b]
	assert all(len(n) <= 31 for n in odd), odd
	PY
'

test_expect_success 'xlsx without -o is a usage error (exit 2), nothing on stdout' '
	test_must_fail 2 oyako annual -J j --fy R7 --format xlsx >out 2>err &&
	! test -s out && test_grep "give it with -o FILE" err &&
	test_must_fail 2 oyako caseload -J j --format xlsx >out && ! test -s out &&
	test_must_fail 2 oyako risk -J j --format xlsx >out && ! test -s out
'

test_done
