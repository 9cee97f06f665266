#!/usr/bin/python3
"""report_check.py: reads back the report outputs of the projection tools
for tests/e2e/report_*.sh.

  report_check.py html FILE           the page as JSON: lang, title, tables,
                                      charts, footer stamp, references out
  report_check.py xlsx FILE           the workbook as JSON (openpyxl): sheets,
                                      frozen panes, cells with their types
  report_check.py annual FILE JSON    every number of `annual --format json`
                                      (with "compare" and "change" when there)
                                      is in the html or xlsx FILE, in place,
                                      and in xlsx as a number cell
Exits 1 with the first difference on stderr.  Needs /usr/bin/python3 for
openpyxl (Debian's python3-openpyxl)."""
import json
import sys
from html.parser import HTMLParser


class Page(HTMLParser):
    """The structure of a report page that specs/reports.md promises."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.title = ""
        self.h1 = ""
        self.tables = []       # {"id", "name", "title", "head", "rows", "charts", "bars"}
        self.footer = None
        self.refs = []         # anything that would load from outside
        self.scripts = 0
        self.stack = []
        self.cell = None
        self.row = None
        self.text_to = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.stack.append(tag)
        for k, v in attrs:
            if v and (k in ("src", "href", "xlink:href", "action", "data") or
                      "url(" in v or "http:" in v or "https:" in v):
                self.refs.append((tag, k, v))
        if tag == "script":
            self.scripts += 1
        if tag in ("link", "iframe", "img", "object", "embed"):
            self.refs.append((tag, "", ""))
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "section" and "report-table" in a.get("class", ""):
            self.tables.append({"id": a.get("id"), "name": a.get("data-name"), "title": "",
                                "head": [], "rows": [], "charts": 0, "bars": []})
        elif tag == "h2" and self.tables:
            self.text_to = ("title",)
        elif tag == "title" and "svg" not in self.stack[:-1]:
            self.text_to = ("doctitle",)
        elif tag == "h1":
            self.text_to = ("h1",)
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""
        elif tag == "svg" and self.tables:
            self.tables[-1]["charts"] += 1
        elif tag == "rect" and self.tables and "svg" in self.stack and a.get("height") != "12":
            self.tables[-1]["bars"].append(int(a["width"]))
        elif tag == "footer":
            self.footer = {"seq": a.get("data-seq"), "hash": a.get("data-hash"),
                           "generated": a.get("data-generated"), "text": ""}
            self.text_to = ("footer",)
        if tag in ("rect", "line", "meta"):   # void in practice
            self.stack.pop()

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in ("rect", "line", "meta") and self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in ("rect", "line", "meta"):
            return
        while self.stack and self.stack.pop() != tag:
            pass
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            t = self.tables[-1]
            (t["rows"] if t["head"] else t["head"]).extend([self.row] if t["head"] else self.row)
            self.row = None
        elif tag in ("h2", "title", "h1", "footer"):
            self.text_to = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        elif self.text_to == ("title",):
            self.tables[-1]["title"] += data
        elif self.text_to == ("doctitle",):
            self.title += data
        elif self.text_to == ("h1",):
            self.h1 += data
        elif self.text_to == ("footer",):
            self.footer["text"] += data


def page(path):
    p = Page()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    p.close()
    return {"lang": p.lang, "title": p.title, "h1": p.h1, "tables": p.tables,
            "footer": p.footer, "refs": p.refs, "scripts": p.scripts}


def workbook(path):
    import openpyxl
    wb = openpyxl.load_workbook(path)
    out = []
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows():
            rows.append([{"v": c.value, "t": c.data_type} for c in row])
        out.append({"name": ws.title, "freeze": ws.freeze_panes, "rows": rows,
                    "widths": {k: v.width for k, v in ws.column_dimensions.items()}})
    return out


def fail(msg):
    sys.stderr.write("report_check: %s\n" % msg)
    sys.exit(1)


def tables_of(path):
    """The five tables of an annual report as lists of rows (without the
    header), from a page or a workbook; numbers as ints, checking that a
    workbook holds them as number cells."""
    if path.endswith(".html"):
        tabs = []
        for t in page(path)["tables"]:
            rows = []
            for r in t["rows"]:
                rows.append([r[0]] + [int(x) for x in r[1:]])
            tabs.append(rows)
        return tabs, None
    sheets = workbook(path)
    tabs = []
    for s in sheets[:-1]:
        top = int(s["freeze"][1:]) - 1      # "A3": the rows above 3 are frozen
        rows = []
        for r in s["rows"][top:]:
            for c in r[1:]:
                if c["t"] != "n":
                    fail("sheet %s: %r is not a number cell" % (s["name"], c["v"]))
            rows.append([r[0]["v"]] + [int(c["v"]) for c in r[1:]])
        tabs.append(rows)
    prov = {r[0]["v"]: r[1] for r in sheets[-1]["rows"][1:]}
    return tabs, prov


def annual(path, jpath):
    with open(jpath, encoding="utf-8") as f:
        j = json.load(f)
    tabs, prov = tables_of(path)
    if len(tabs) != 5:
        fail("%d tables, not 5" % len(tabs))
    cmp, ch = j.get("compare"), j.get("change")

    def vals(key, sub=None):
        """This year's number and, when comparing, the other's and the change."""
        def get(o):
            return o[key] if sub is None else o[key][sub]
        return [get(j)] + ([get(cmp), get(ch)] if cmp else [])

    def same(what, got, want):
        if got != want:
            fail("%s: %r in the report, %r in the json" % (what, got, want))

    same("handbook_meetings", tabs[0][0][1:], vals("handbook_meetings"))
    same("checkups_held", tabs[4][0][1:], vals("checkups_held"))
    for i, mode in enumerate(["group", "individual", "visit"]):
        same("interviews_8month." + mode, tabs[2][i][1:], vals("interviews_8month", mode))
    for i, mode in enumerate(["home", "room", "checkup"]):
        same("happybaby." + mode, tabs[3][i][1:], vals("happybaby", mode))
    rooms = tabs[1]
    same("rooms", len(rooms), len(ch["maternity_classes"]) if cmp else len(j["maternity_classes"]))
    for i, r in enumerate(j["maternity_classes"]):
        want = []
        for m in ("groups", "participants", "couples"):
            want.append(r[m])
            if cmp:
                other = [o for o in cmp["maternity_classes"] if o["room"] == r["room"]]
                want.append(other[0][m] if other else 0)
                want.append(ch["maternity_classes"][i][m])
        same("maternity_classes[%d] %s" % (i, r["room"]), rooms[i][1:], want)
    if prov is not None:
        same("at_seq", prov["at_seq"]["v"], j["at_seq"])
        same("at_seq cell type", prov["at_seq"]["t"], "n")
        same("head_hash", prov["head_hash"]["v"], j["head_hash"])


def main():
    cmd = sys.argv[1]
    if cmd == "html":
        json.dump(page(sys.argv[2]), sys.stdout, ensure_ascii=False)
    elif cmd == "xlsx":
        json.dump(workbook(sys.argv[2]), sys.stdout, ensure_ascii=False, default=str)
    elif cmd == "annual":
        annual(sys.argv[2], sys.argv[3])
    else:
        fail("unknown command " + cmd)
    sys.stdout.write("\n")


main()
