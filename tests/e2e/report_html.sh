#!/bin/sh
# Reports people open (BRIEF section 12): the html page of annual, caseload
# and risk.  The pages are read back with python's html.parser
# (report_check.py), never by grepping the layout.
. "$(dirname "$0")/lib.sh"
SEED="$FIXTURES/seed-fy2025.jsonl"
CHECK="$TOP/tests/e2e/report_check.py"
# Debian's python3: it starts faster than a pyenv shim, and has the modules.
PY=/usr/bin/python3
page() { $PY "$CHECK" html "$1"; }

test_expect_success 'the seed fixture imports' '
	oyako -J j init && oyako -J j import "$SEED" >/dev/null
'

test_expect_success 'annual --format html --lang ja shows the seed report numbers' '
	oyako annual -J j --fy R7 --format html --lang ja -o a.html &&
	page a.html >a.page &&
	$PY - a.page <<-\PY
	import json, sys
	p = json.load(open(sys.argv[1]))
	t = {x["title"]: [[c for c in r] for r in x["rows"]] for x in p["tables"]}
	# The seed report (tests/fixtures/make-seed.py): section by section.
	assert t["①母子手帳会議"] == [["母子手帳会議", "12"]], t["①母子手帳会議"]
	rooms = {r[0]: r[1:3] for r in t["②マタニティ教室"]}
	assert rooms == {"小絹児童館": ["17", "34"], "おひさま": ["18", "33"], "BLOOM": ["10", "10"],
	    "きらくやま": ["9", "9"], "るんるん": ["3", "3"], "ぼかぼか": ["2", "2"]}, rooms
	assert t["②マタニティ教室"][0][3] == "17"    # 小絹: 17 couples
	assert t["③妊娠8か月面談"] == [["集団面談", "117"], ["個別面談", "167"], ["訪問", "5"]]
	assert t["④はっぴーベビー"] == [["家庭訪問", "154"], ["支援室来訪者", "129"],
	    ["3・4か月児健診時", "6"]]
	assert t["⑤3・4か月児健診（集団）"] == [["3・4か月児健診（集団）", "12"]]
	assert [x["title"] for x in p["tables"]] == ["①母子手帳会議", "②マタニティ教室",
	    "③妊娠8か月面談", "④はっぴーベビー", "⑤3・4か月児健診（集団）"]
	PY
'

test_expect_success 'the page says its language, title and provenance stamp' '
	oyako annual -J j --fy R7 --format json >a.json &&
	oyako annual -J j --fy R7 --format html --lang en -o en.html &&
	page en.html >en.page && page a.html >ja.page &&
	$PY - a.json en.page ja.page <<-\PY
	import json, sys, re
	j = json.load(open(sys.argv[1]))
	en, ja = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
	assert en["lang"] == "en" and ja["lang"] == "ja", (en["lang"], ja["lang"])
	assert en["title"] == en["h1"] == "FY2025 (2025-04-01 to 2026-03-31)", en["title"]
	assert ja["title"].startswith("令和7年度（2025年度）実績"), ja["title"]
	for p in en, ja:
	    f = p["footer"]
	    assert f["seq"] == str(j["at_seq"]) and f["hash"] == j["head_hash"], f
	    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", f["generated"]), f
	    assert j["head_hash"] in f["text"]
	assert en["tables"][1]["head"] == ["room", "groups", "participants", "couples"]
	PY
'

test_expect_success 'SOURCE_DATE_EPOCH fixes the generated time (same page twice)' '
	SOURCE_DATE_EPOCH=1767225600 oyako annual -J j --fy R7 --format html -o 1.html &&
	SOURCE_DATE_EPOCH=1767225600 oyako annual -J j --fy R7 --format html -o 2.html &&
	test_cmp 1.html 2.html && test_grep "data-generated=\"2026-01-01T00:00:00Z\"" 1.html
'

test_expect_success 'every number of the json is in the page, in place (and with --compare)' '
	$PY "$CHECK" annual en.html a.json &&
	oyako annual -J j --fy R7 --compare R6 --format json >c.json &&
	oyako annual -J j --fy R7 --compare R6 --format html -o c.html &&
	$PY "$CHECK" annual c.html c.json
'

test_expect_success 'the check would see a wrong number' '
	sed "s/\"visit\":5/\"visit\":6/" a.json >wrong.json &&
	! $PY "$CHECK" annual en.html wrong.json 2>err &&
	test_grep "interviews_8month.visit" err
'

test_expect_success 'charts: one inline svg a table, bars as long as their numbers' '
	page en.html >en.page &&
	$PY - en.page <<-\PY
	import json, sys
	p = json.load(open(sys.argv[1]))
	for t in p["tables"][1:4]:
	    assert t["charts"] == 1, t["title"]
	    col = 2 if len(t["head"]) == 4 else 1    # rooms: participants
	    vals = [int(r[col]) for r in t["rows"]]
	    bars = t["bars"]
	    assert len(bars) == len(vals), (bars, vals)
	    top = max(vals)
	    for v, b in zip(vals, bars):
	        assert abs(b - v * bars[vals.index(top)] / top) <= 1, (t["title"], vals, bars)
	PY
'

test_expect_success 'the page refers to nothing outside it (no script, no src, no http)' '
	for f in a.html en.html c.html; do
		page $f >p.json &&
		$PY -c "import json,sys; p=json.load(open(\"p.json\")); assert p[\"refs\"] == [] and p[\"scripts\"] == 0, p[\"refs\"]" &&
		! grep -qiE "https?:|src=|url\(|@import" $f || return 1
	done
'

test_expect_success 'the print stylesheet asks for A4 and keeps rows and short tables whole' '
	test_grep "@page{size:A4" a.html &&
	test_grep "tr,figure{break-inside:avoid" a.html &&
	test_grep "thead{display:table-header-group}" a.html
'

test_expect_success '--compare puts both years and the change in the page' '
	page c.html >c.page &&
	$PY - c.page <<-\PY
	import json, sys
	p = json.load(open(sys.argv[1]))
	t = p["tables"][0]
	assert t["head"] == ["item", "held FY2025", "held FY2024", "held change"], t["head"]
	assert t["rows"] == [["handbook meetings", "12", "1", "+11"]], t["rows"]
	assert p["tables"][0]["charts"] == 1
	assert "compared with FY2024" in p["title"]
	PY
'

test_expect_success '--compare in json adds "compare" and "change", changing no key' '
	$PY - a.json c.json <<-\PY
	import json, sys
	a, c = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
	assert list(c) == list(a)[:-2] + ["compare", "change"] + list(a)[-2:], list(c)
	assert {k: v for k, v in c.items() if k not in ("compare", "change")} == a
	assert c["compare"]["fiscal_year"] == 2024 and c["compare"]["handbook_meetings"] == 1
	assert c["change"]["handbook_meetings"] == 11
	assert c["change"]["interviews_8month"]["group"] == 117 - 1
	PY
'

test_expect_success 'a name from the journal is escaped: text stays text' '
	cat >evil.jsonl <<-\EOF &&
	{"id":"0e0e0e0e-0000-4000-8000-000000000001","type":"room.opened","stream":"room:evil","occurred":"2025-05-01","actor":"nurse:N01","data":{"name":"<script>alert(\"x\")</script> & '\''co'\'' <b>","name_en":"<img src=x onerror=alert(1)>"}}
	EOF
	oyako -J j import evil.jsonl >/dev/null &&
	oyako annual -J j --fy R7 --format html --lang ja -o e.html &&
	oyako annual -J j --fy R7 --format html --lang en -o e2.html &&
	page e.html >e.page && page e2.html >e2.page &&
	$PY - e.page e2.page <<-\PY
	import json, sys
	ja, en = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
	assert ja["scripts"] == 0 and en["refs"] == [], (ja["scripts"], en["refs"])
	names = [r[0] for r in ja["tables"][1]["rows"]]
	assert "<script>alert(\"x\")</script> & '\''co'\'' <b>" in names, names
	assert "<img src=x onerror=alert(1)>" in [r[0] for r in en["tables"][1]["rows"]]
	PY
'

test_expect_success 'caseload html: the counts per coordinator, then a table each' '
	oyako caseload -J j --as-of 2025-10-01 --format json >cl.json &&
	oyako caseload -J j --as-of 2025-10-01 --format html --lang ja -o cl.html &&
	page cl.html >cl.page &&
	$PY - cl.json cl.page <<-\PY
	import json, sys
	j, p = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
	assert p["lang"] == "ja"
	summary, lists = p["tables"][0], p["tables"][1:]
	assert summary["charts"] == 1
	assert len(lists) == len(j["coordinators"]) + 1, len(lists)
	for row, s in zip(summary["rows"], j["summary"]):
	    assert [int(x) for x in row[2:]] == [s["cases"], s["pregnant"], s["infant"], s["flagged"]], (row, s)
	for t, c in zip(lists, j["coordinators"] + [{"cases": j["unassigned"]}]):
	    assert [r[0] for r in t["rows"]] == [x["case"] for x in c["cases"]], t["title"]
	assert lists[-1]["title"].startswith("未割当")
	PY
'

test_expect_success 'risk html: the flags counted by flag (with a chart), a table each' '
	oyako risk -J j --as-of 2025-10-01 --format json >rk.json &&
	oyako risk -J j --as-of 2025-10-01 --format html -o rk.html &&
	page rk.html >rk.page &&
	$PY - rk.json rk.page <<-\PY
	import json, sys, collections
	j, p = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
	want = collections.Counter(f["flag"] for f in j["flags"])
	summary = p["tables"][0]
	assert summary["charts"] == 1
	got = {r[0]: int(r[1]) for r in summary["rows"] if r[1] != "0"}
	assert got == dict(want), (got, want)
	for t in p["tables"][1:]:
	    flag = t["name"]
	    cases = [f["case"] for f in j["flags"] if f["flag"] == flag]
	    assert [r[0] for r in t["rows"]] == cases, flag
	    assert all(r[1] == flag for r in t["rows"])
	assert len(p["tables"]) - 1 == len(want)
	assert p["h1"] == "risk flags as of 2025-10-01: %d" % len(j["flags"]), p["h1"]
	PY
'

test_expect_success 'html and xlsx need -o FILE: usage error, nothing written' '
	test_must_fail 2 oyako annual -J j --fy R7 --format html >out 2>err &&
	test_grep "give it with -o FILE" err && ! test -s out &&
	test_must_fail 2 oyako caseload -J j --format html >out &&
	test_must_fail 2 oyako risk -J j --format html >out && ! test -s out
'

if command -v chromium >/dev/null 2>&1; then
	test_expect_success 'chromium prints the page on A4 (595 x 842 points)' '
		mkdir prof &&
		timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		    --disable-component-update --disable-sync --no-first-run --user-data-dir="$TMP/prof" \
		    --no-pdf-header-footer --print-to-pdf="$TMP/a.pdf" "file://$TMP/a.html" >/dev/null 2>&1;
		test -s a.pdf &&
		$PY - a.pdf <<-\PY
		import re, sys
		data = open(sys.argv[1], "rb").read()
		boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
		assert boxes, "no page"
		for w, h in boxes:
		    assert abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2, (w, h)
		PY
	'
fi

test_done
