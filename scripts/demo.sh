#!/bin/sh
# make demo: one fiscal year of a synthetic city like the seed's, imported
# into a new journal and projected: the annual tables, the caseloads, the
# risk flags and the verify line.  Runs from a built tree (make all).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${OYAKO_BIN:-$top/build/bin}	# the tests point it at another build
PATH="$bin:$PATH"
export PATH
unset OYAKO_JOURNAL

say() { printf '\n== %s\n' "$*"; }
die() { echo "demo: error: $*" >&2; exit 1; }

# have TOOL: whether the program is built; says so when it is not.
have() {
	if [ -x "$bin/$1" ]; then
		return 0
	fi
	echo "($1 is not built: tools/$1 does not exist yet; skipped)"
	return 1
}

[ -x "$bin/oyako" ] && [ -x "$bin/oyako-gen" ] || die "oyako and oyako-gen are not built (run make)"

# The last fiscal year that is over in Japan: the journal refuses events
# later than today, and a complete year has complete tables.
y=$(TZ=Asia/Tokyo date +%Y) m=$(TZ=Asia/Tokyo date +%m)
if [ "${m#0}" -ge 4 ]; then fy=$((y - 1)); else fy=$((y - 2)); fi
end="$((fy + 1))-03-31"

dir=$(mktemp -d "${TMPDIR:-/tmp}/oyako-demo.XXXXXX") || die "cannot make a temporary folder"
J="$dir/journal"
say "a new journal in $J"
oyako -J "$J" init || die "oyako init failed"

say "generating FY$fy of a city like the seed's (450 births a year, seed 1)"
oyako-gen --seed 1 --births 450 --fy "$fy" --until "$end" --stats -o "$dir/city.jsonl" \
    --persons "$dir/persons.jsonl" 2>"$dir/gen.stats" ||
	die "oyako-gen failed: $(cat "$dir/gen.stats")"
head -1 "$dir/gen.stats"
echo "first line of $dir/city.jsonl:"
head -1 "$dir/city.jsonl"

say "oyako import"
oyako -J "$J" import "$dir/city.jsonl" || die "oyako import failed"

say "oyako annual --fy $fy   (the seed report: 12 meetings; classes 17/18/10/9/3/2;"
echo "   interviews 117/167/5; happy baby 154/129/6; 12 checkups)"
if have oyako-annual; then
	oyako -J "$J" annual --fy "$fy"
fi

say "oyako caseload --as-of $end   (summary: cases per coordinator)"
if have oyako-caseload; then
	oyako -J "$J" caseload --as-of "$end" --format json >"$dir/caseload.json" &&
	python3 - "$dir/caseload.json" <<-\PY
	import json, sys
	c = json.load(open(sys.argv[1]))
	def line(who, cases):
	    preg = sum(1 for x in cases if x["stage"] == "pregnant")
	    flagged = sum(1 for x in cases if x["flags"])
	    print(f"  {who:<22} {len(cases):5} cases  {preg:4} pregnant  {len(cases) - preg:4} infant  {flagged:4} flagged")
	for k in c["coordinators"]:
	    line(f'{k["coordinator"]} ({k["room"]})', k["cases"])
	line("unassigned", c["unassigned"])
	PY
fi

say "oyako risk --as-of $end   (flags and the families they concern)"
if have oyako-risk; then
	oyako -J "$J" risk --as-of "$end" --format json >"$dir/risk.json" &&
	python3 - "$dir/risk.json" <<-\PY
	import json, sys
	r = json.load(open(sys.argv[1]))
	count = {}
	for f in r["flags"]:
	    count[f["flag"]] = count.get(f["flag"], 0) + 1
	for name in ("support-needed", "not-shared", "no-8month-interview", "birth-not-recorded",
	             "no-happybaby", "missed-checkup", "no-contact", "no-coordinator"):
	    print(f"  {name:<22} {count.get(name, 0):5}")
	print(f"  {'total':<22} {len(r['flags']):5} flags on {len({f['case'] for f in r['flags']})} families")
	PY
fi

# Person data: the key lives beside the journal's folder, never in it.
key="$dir/demo.key"
names=0
say "person data: a master key in $key (outside the journal), the families' names imported"
if have oyako-key && have oyako-person; then
	oyako key init "$key" || die "oyako key init failed"
	OYAKO_KEY_FILE=$key
	export OYAKO_KEY_FILE
	oyako -J "$J" person import "$dir/persons.jsonl" || die "oyako person import failed"
	echo "first line of $dir/persons.jsonl:"
	head -1 "$dir/persons.jsonl"
	names=1
fi

if [ "$names" = 1 ] && have oyako-caseload; then
	say "oyako caseload --as-of $end --coordinator C01 --names   (names from the vault; the read is logged)"
	oyako -J "$J" caseload --as-of "$end" --coordinator C01 --names --purpose "demo" --format tsv |
	    awk -F '\t' 'NR > 1 && NR <= 9 { printf "  %s  %-8s  %s (%s)\n", $3, $5, $12, $13 }'
	say "oyako person find   (the kana without its space, or in katakana, finds the family)"
	kana=$(head -1 "$dir/persons.jsonl" | sed 's/.*"kana":"\([^"]*\)".*/\1/' | tr -d ' ')
	oyako -J "$J" person find "$kana" --purpose "demo"
	say "oyako audit --access   (who read whose data, when, why)"
	oyako -J "$J" audit --access --format tsv | awk -F '\t' '{ printf "  %s  %s  %s  %s  %s\n", $1, $2, $3, $4, $5 }'
fi

say "oyako verify"
oyako -J "$J" verify || die "oyako verify failed"

cat <<EOT

Try next (the journal stays in $dir):
  export OYAKO_JOURNAL=$J PATH=$bin:\$PATH
  oyako annual --fy $fy --lang ja          # the tables as in the seed report
  oyako risk --as-of $fy-11-30 --flag no-coordinator   # a coordinator left in November
  oyako caseload --as-of $end --coordinator C01
  oyako show case:\$(oyako export --type event.retracted | head -1 | sed 's/.*"case:\\([^"]*\\)".*/\\1/')   # a correction
  oyako export --type handbook.issued --from $fy-04-01 --to $fy-04-30 | head
  oyako -J /tmp/japan init && oyako-gen --births 730000 --fy $fy --until $end | oyako -J /tmp/japan import -
                                           # all of Japan: ~8 million events
  man tools/oyako-gen/oyako-gen.1
  export OYAKO_KEY_FILE=$key               # person data (specs/vault.md)
  oyako caseload --as-of $end --names --coordinator C02
  oyako person show \$(head -1 $dir/persons.jsonl | cut -d'"' -f4)
  oyako forget \$(head -1 $dir/persons.jsonl | cut -d'"' -f4) --reason "asked to be forgotten"
EOT

# The staff pages: only for a person at a terminal (the tests run the demo
# with its output in a file, and must not block), and not with
# OYAKO_DEMO_SERVE=0.
[ -t 1 ] && [ "${OYAKO_DEMO_SERVE:-1}" != 0 ] || exit 0
have oyako-serve || exit 0
listen=${OYAKO_DEMO_LISTEN:-127.0.0.1:8470}

say "the staff pages: oyako serve"
# The names come from the vault of the person data step above (its key in
# $OYAKO_KEY_FILE); without it the pages show no names.
# pw: a random password of 12 hex digits.
pw() { od -An -N6 -tx1 /dev/urandom | tr -d ' \n'; }
pc=$(pw) pn=$(pw) pa=$(pw)
echo "$pc" | oyako user -J "$J" --actor admin:demo add coord:C01 --role coordinator --coordinator C01 >/dev/null &&
echo "$pn" | oyako user -J "$J" --actor admin:demo add nurse:N01 --role nurse >/dev/null &&
echo "$pa" | oyako user -J "$J" --actor admin:demo add audit:A01 --role auditor >/dev/null ||
	die "oyako user add failed"
cat <<EOT
Open http://$listen/ in a browser and sign in as
  coord:C01  password $pc   (the coordinator of C01: her day, her families by name, record a visit)
  nurse:N01  password $pn   (a nurse: every family, the risk list, person data)
  audit:A01  password $pa   (an auditor: everything but names)
The yearly report (with charts) is under "Annual report"; the access log goes to $dir/serve.log.
Ctrl-C stops the server.
EOT
exec oyako serve -J "$J" --listen "$listen" 2>"$dir/serve.log"
