#!/usr/bin/env python3
"""compare.py KIND OYAKO.json SQLITE.json: do oyako and the SQL agree?

KIND is annual (the five tables), risk (the flags the SQL computes, with
their case and since date) or caseload (open cases per district at the date).
Prints one line saying what differs and exits 1; silent with exit 0 when the
numbers agree.
"""
import collections
import json
import sys


def annual(oy, sq):
    keys = ["handbook_meetings", "maternity_classes", "interviews_8month",
            "happybaby", "checkups_held"]
    return [k for k in keys if oy.get(k) != sq.get(k)]


def risk(oy, sq):
    names = {f["flag"] for f in sq["flags"]}
    a = {(f["case"], f["flag"], f["since"]) for f in oy["flags"] if f["flag"] in names}
    b = {(f["case"], f["flag"], f["since"]) for f in sq["flags"]}
    if a == b:
        return []
    return ["%d flags only in oyako, %d only in SQL (of %s)"
            % (len(a - b), len(b - a), ", ".join(sorted(names)))]


def caseload(oy, sq):
    n = collections.Counter(c["district"] for co in oy["coordinators"] for c in co["cases"])
    n.update(c["district"] for c in oy["unassigned"])
    if dict(n) == sq["districts"]:
        return []
    diff = sorted(k for k in set(n) | set(sq["districts"]) if n.get(k) != sq["districts"].get(k))
    return ["open cases differ in %d districts (first %s: oyako %s, SQL %s)"
            % (len(diff), diff[0], n.get(diff[0], 0), sq["districts"].get(diff[0], 0))]


def main():
    kinds = {"annual": annual, "risk": risk, "caseload": caseload}
    if len(sys.argv) != 4 or sys.argv[1] not in kinds:
        sys.stderr.write("usage: compare.py annual|risk|caseload OYAKO.json SQLITE.json\n")
        return 2
    with open(sys.argv[2], encoding="utf-8") as f:
        oy = json.load(f)
    with open(sys.argv[3], encoding="utf-8") as f:
        sq = json.load(f)
    diffs = kinds[sys.argv[1]](oy, sq)
    if diffs:
        print("%s: oyako and SQL differ: %s" % (sys.argv[1], "; ".join(diffs)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
