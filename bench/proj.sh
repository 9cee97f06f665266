#!/bin/sh
# bench/proj.sh [EVENTS...]: replay rate and peak memory of each projection
# tool over journals of about EVENTS generated events (default 1000000).
# Peak memory is the maximum resident set, which includes the pages of the
# LMDB map that the replay touched (file-backed, shared, reclaimable): the
# heap part is what grows with cases.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build/bin
work=$(mktemp -d "${TMPDIR:-/tmp}/oyako-bench-proj.XXXXXX")
trap 'rm -rf "$work"' EXIT
for n in ${*:-1000000}; do
	# oyako-gen writes about 10.6 events per birth over one run-in year and one FY.
	births=$((n * 10 / 106))
	"$bin/oyako-gen" --births "$births" --years 1 -o "$work/in.jsonl"
	ev=$(wc -l <"$work/in.jsonl")
	rm -rf "$work/j"
	"$bin/oyako" -J "$work/j" init >/dev/null
	"$bin/oyako" -J "$work/j" import "$work/in.jsonl" >/dev/null
	for t in "oyako-annual --fy 2025" "oyako-risk --as-of 2026-06-01 --flag no-coordinator" \
	    "oyako-caseload --as-of 2026-06-01 --coordinator C01" "oyako-audit --late-days 36500"; do
		set -- $t
		prog=$1; shift
		/usr/bin/time -f "%e %M" -o "$work/time" "$bin/$prog" -J "$work/j" --format json "$@" >/dev/null
		read secs kb <"$work/time"
		awk -v p="$prog" -v n="$ev" -v s="$secs" -v kb="$kb" 'BEGIN {
			printf "%-16s %9d events  %6.2f s  %6.2f M events/s  peak RSS %d MB\n",
			    p, n, s, (s > 0 ? n / s / 1e6 : 0), kb / 1024 }'
	done
done
