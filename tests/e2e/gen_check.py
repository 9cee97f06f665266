#!/usr/bin/env python3
"""gen_check.py: checks oyako-gen output without the journal (used by gen_*.sh).

  gen_check.py valid FILE [UNTIL]   every line is a valid event in file order
                                    (the journal's rules of BRIEF sections 3-4)
  gen_check.py counts FILE FY       live counts of the FY, as JSON
  gen_check.py flags FILE DATE...   risk flags (BRIEF section 7) firing on each
                                    DATE, as JSON {flag: count}, over all dates
  gen_check.py seedlike FILE FY     the FY's live counts are close to the seed's
  gen_check.py seedlike-annual JSON `oyako annual --format json` is close to it

Prints the first fault and exits 1.  A model of the rules written apart from
the C code, so that the two can disagree.
"""
import datetime
import json
import re
import sys

TYPES = {
    "room.opened": "room:", "room.closed": "room:",
    "coordinator.assigned": "staff:", "coordinator.left": "staff:",
    "meeting.held": "meeting:", "checkup.held": "checkup:",
    "handbook.issued": "case:", "class.attended": "case:",
    "interview.8month": "case:", "birth.registered": "case:",
    "happybaby.contact": "case:", "checkup.attended": "case:",
    "room.visited": "case:", "referral.made": "case:",
    "support.flagged": "case:", "support.cleared": "case:",
    "case.transferred": "case:", "case.closed": "case:",
    "event.retracted": None,
}
CONTACTS = {"handbook.issued", "class.attended", "interview.8month",
            "happybaby.contact", "checkup.attended", "room.visited",
            "referral.made"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ACTOR = re.compile(r"^(nurse:N\d\d+|coord:C\d\d+|import:batch)$")


def day(s):
    return datetime.date.fromisoformat(s).toordinal()


def fail(n, msg):
    print(f"line {n}: {msg}", file=sys.stderr)
    sys.exit(1)


def load(path):
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            yield n, line


def valid(path, until=None):
    ids = {}            # id -> (stream, type)
    retracted = set()
    rooms = {}          # code -> open?
    cases = set()       # streams opened by handbook.issued
    live_birth = {}     # case stream -> id of its live birth
    live_handbook = {}
    checkups = set()
    n = 0
    for n, line in load(path):
        try:
            e = json.loads(line)
        except ValueError as err:
            fail(n, f"not JSON: {err}")
        for k in ("id", "type", "stream", "occurred", "actor", "data"):
            if k not in e:
                fail(n, f"no key '{k}'")
        if set(e) - {"id", "type", "stream", "occurred", "actor", "data"}:
            fail(n, f"unexpected keys {sorted(set(e))}")
        t, s, d, i = e["type"], e["stream"], e["data"], e["id"]
        if not UUID.match(i):
            fail(n, f"id '{i}' is not a v4 uuid")
        if i in ids:
            fail(n, f"id '{i}' used twice")
        if t not in TYPES:
            fail(n, f"unknown type '{t}'")
        if not DATE.match(e["occurred"]):
            fail(n, f"occurred '{e['occurred']}'")
        day(e["occurred"])
        if until and e["occurred"] > until:
            fail(n, f"occurred {e['occurred']} after {until}")
        if not ACTOR.match(e["actor"]):
            fail(n, f"actor '{e['actor']}'")
        if not isinstance(d, dict):
            fail(n, "data is not an object")
        if TYPES[t] and not s.startswith(TYPES[t]):
            fail(n, f"{t} in stream '{s}'")
        if s.startswith("case:") and t != "handbook.issued" and s not in cases:
            fail(n, f"{t} before the handbook of '{s}'")
        for key in ("due_date", "birth_date"):
            if key in d:
                day(d[key])
        if "room" in d and not rooms.get(d["room"]):
            fail(n, f"room '{d['room']}' is not open")
        if t == "room.opened":
            if not d.get("name"):
                fail(n, "room without a name")
            rooms[s[5:]] = True
        elif t == "room.closed":
            rooms[s[5:]] = False
        elif t == "coordinator.assigned":
            if not d.get("districts"):
                fail(n, "coordinator without districts")
        elif t == "meeting.held":
            if d.get("kind") != "handbook" or not d.get("cases"):
                fail(n, "meeting without kind or cases")
            for c in d["cases"]:
                if "case:" + c not in cases:
                    fail(n, f"meeting lists unknown case {c}")
        elif t == "checkup.held":
            if d.get("kind") != "3-4m":
                fail(n, "checkup kind")
            checkups.add(s)
        elif t == "handbook.issued":
            if s in live_handbook:
                fail(n, f"second live handbook in '{s}'")
            if not (d.get("district") and isinstance(d.get("support_needed"), bool)):
                fail(n, "handbook fields")
            cases.add(s)
            live_handbook[s] = i
        elif t == "checkup.attended":
            if d.get("session") not in checkups:
                fail(n, f"session '{d.get('session')}' not held")
        elif t == "birth.registered":
            if s in live_birth:
                fail(n, f"second live birth in '{s}'")
            if d.get("children", 0) < 1:
                fail(n, "children")
            live_birth[s] = i
        elif t == "interview.8month":
            if d.get("mode") not in ("group", "individual", "visit"):
                fail(n, "interview mode")
        elif t == "happybaby.contact":
            if d.get("mode") not in ("home", "room", "checkup"):
                fail(n, "happy baby mode")
        elif t == "case.closed":
            if d.get("reason") not in ("moved_out", "pregnancy_ended", "completed", "other"):
                fail(n, "close reason")
        elif t == "event.retracted":
            tg = d.get("target")
            if tg not in ids or ids[tg][0] != s:
                fail(n, f"target {tg} is not an earlier event of '{s}'")
            if ids[tg][1] == "event.retracted" or tg in retracted:
                fail(n, f"target {tg} cannot be retracted")
            if not d.get("reason"):
                fail(n, "retraction without a reason")
            retracted.add(tg)
            if live_birth.get(s) == tg:
                del live_birth[s]
            if live_handbook.get(s) == tg:
                del live_handbook[s]
        ids[i] = (s, t)
    if n == 0:
        fail(0, "no events")
    print(f"{n} events valid")


def live_events(path):
    """The live events in file order (retracted ones and retractions gone)."""
    evs = [json.loads(line) for _, line in load(path)]
    gone = {e["data"]["target"] for e in evs if e["type"] == "event.retracted"}
    return [e for e in evs if e["type"] != "event.retracted" and e["id"] not in gone]


def counts(path, fy):
    lo, hi = f"{fy}-04-01", f"{fy + 1}-03-31"
    out = {"types": {}, "interviews": {}, "happybaby": {}, "groups": 0, "couples": 0}
    for e in live_events(path):
        if not lo <= e["occurred"] <= hi:
            continue
        t, d = e["type"], e["data"]
        out["types"][t] = out["types"].get(t, 0) + 1
        if t == "interview.8month":
            out["interviews"][d["mode"]] = out["interviews"].get(d["mode"], 0) + 1
        elif t == "happybaby.contact":
            out["happybaby"][d["mode"]] = out["happybaby"].get(d["mode"], 0) + 1
        elif t == "class.attended":
            out["groups"] += 1
            out["couples"] += d["partner"]
    return out


def flags(path, dates):
    evs = live_events(path)
    # Sort by occurred, then file order (BRIEF section 7).
    evs = [e for _, e in sorted(enumerate(evs), key=lambda p: (p[1]["occurred"], p[0]))]
    found = {}
    for D in dates:
        dd = day(D)
        case = {}
        coord = {}      # code -> districts (None after leaving), with date order
        for e in evs:
            if e["occurred"] > D:
                break
            t, s, d, o = e["type"], e["stream"], e["data"], day(e["occurred"])
            if t == "coordinator.assigned":
                coord[s] = set(d["districts"])
            elif t == "coordinator.left":
                coord[s] = None
            elif t == "handbook.issued":
                case[s] = dict(issued=o, due=day(d["due_date"]), district=d["district"],
                               support=o if (d["support_needed"] or d.get("needs")) else None,
                               shared=False, birth=None, closed=False, last=o, seen=set())
            elif s in case:
                c = case[s]
                c["seen"].add(t)
                if t in CONTACTS:
                    c["last"] = max(c["last"], o)
                if t == "birth.registered":
                    c["birth"] = day(d["birth_date"])
                elif t == "case.closed":
                    c["closed"] = True
                elif t == "case.transferred":
                    c["district"] = d["district"]
                elif t == "support.flagged":
                    c["support"] = o
                elif t == "support.cleared":
                    c["support"] = None
            if t == "meeting.held":
                for u in d["cases"]:
                    if "case:" + u in case:
                        case["case:" + u]["shared"] = True
        served = set()
        for ds in coord.values():
            served |= ds or set()
        for c in case.values():
            if c["closed"] or (c["birth"] is not None and dd - c["birth"] > 365):
                continue
            f = []
            if c["support"] is not None:
                f.append("support-needed")
                if dd - c["last"] >= 30:
                    f.append("no-contact")
            if dd - c["issued"] >= 35 and not c["shared"]:
                f.append("not-shared")
            if c["birth"] is None:
                if "interview.8month" not in c["seen"] and dd >= c["due"] - 42:
                    f.append("no-8month-interview")
                if dd >= c["due"] + 30:
                    f.append("birth-not-recorded")
            else:
                if "happybaby.contact" not in c["seen"] and dd >= c["birth"] + 90:
                    f.append("no-happybaby")
                if "checkup.attended" not in c["seen"] and dd >= c["birth"] + 150:
                    f.append("missed-checkup")
            if c["district"] not in served:
                f.append("no-coordinator")
            for x in f:
                found[x] = found.get(x, 0) + 1
    print(json.dumps(found, sort_keys=True))


def within(name, v, lo, hi):
    if not lo <= v <= hi:
        sys.exit(f"{name} = {v}, not in {lo}..{hi}")


def near_seed(meetings, checkups, groups, couples, iv, hb):
    """The tables of the seed report, give or take what chance moves."""
    within("handbook meetings (seed 12)", meetings, 12, 12)
    within("checkups held (seed 12)", checkups, 12, 12)
    within("class groups (seed 59)", groups, 45, 75)
    within("couples (seed 32-35)", couples, 20, 55)
    within("interviews (seed 289)", sum(iv.values()), 265, 315)
    within("group interviews (seed 117)", iv.get("group", 0), 105, 130)
    within("individual interviews (seed 167)", iv.get("individual", 0), 150, 185)
    within("visit interviews (seed 5)", iv.get("visit", 0), 2, 9)
    within("happy baby (seed 289)", sum(hb.values()), 265, 315)
    within("home (seed 154)", hb.get("home", 0), 140, 170)
    within("room (seed 129)", hb.get("room", 0), 115, 145)
    within("at the checkup (seed 6)", hb.get("checkup", 0), 3, 10)


def seedlike(path, fy):
    c = counts(path, fy)
    t = c["types"]
    near_seed(t.get("meeting.held", 0), t.get("checkup.held", 0), c["groups"],
              c["couples"], c["interviews"], c["happybaby"])
    within("handbooks", t["handbook.issued"], 430, 520)
    within("births", t["birth.registered"], 410, 490)
    within("events a year", sum(t.values()), 3000, 6000)


def seedlike_annual(path):
    a = json.load(open(path))
    mc = a["maternity_classes"]
    rooms = [r["room"] for r in mc]
    if rooms != ["kokinu", "ohisama", "bloom", "kirakuyama", "runrun", "bokaboka"]:
        sys.exit(f"rooms {rooms}")
    for r in mc:
        if r["participants"] != r["groups"] + r["couples"]:
            sys.exit(f"participants of {r}")
    near_seed(a["handbook_meetings"], a["checkups_held"], sum(r["groups"] for r in mc),
              sum(r["couples"] for r in mc), a["interviews_8month"], a["happybaby"])
    within("kokinu couples (seed 17)", mc[0]["couples"], 8, 30)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "valid":
        valid(args[0], args[1] if len(args) > 1 else None)
    elif cmd == "counts":
        print(json.dumps(counts(args[0], int(args[1])), sort_keys=True))
    elif cmd == "seedlike":
        seedlike(args[0], int(args[1]))
    elif cmd == "seedlike-annual":
        seedlike_annual(args[0])
    elif cmd == "flags":
        flags(args[0], args[1:])
    else:
        sys.exit(f"unknown command {cmd}")
