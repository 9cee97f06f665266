#!/bin/sh
# tests/fuzz/make-corpus.sh: writes the seed corpora tests/fuzz/corpus/*/
# from the fixtures (run once; the result is committed).  Needs build/bin and
# build/tests/tools/jtamper.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
c=tests/fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p $c/fuzz_jsonl $c/fuzz_msgpack $c/fuzz_parse $c/fuzz_rules

# fuzz_jsonl: a flags byte, then a line: the input fixture as is (flags 0),
# its export for restore (flags 1) and a few edges.
build/bin/oyako -J "$tmp/j" init >/dev/null
build/bin/oyako -J "$tmp/j" import tests/fixtures/small.jsonl 2>/dev/null
build/bin/oyako -J "$tmp/j" export >"$tmp/exp"
i=0
while IFS= read -r line; do
	i=$((i + 1))
	printf '\000%s\n' "$line" >$c/fuzz_jsonl/input-$i
done <tests/fixtures/small.jsonl
i=0
while IFS= read -r line; do
	i=$((i + 1))
	[ $((i % 3)) = 1 ] || continue
	printf '\001%s\n' "$line" >$c/fuzz_jsonl/restore-$i
done <"$tmp/exp"
printf '\002{"type":"room.opened","stream":"room:a","occurred":"2025-04-01","data":{"name":"\\u0000\\ud83d\\ude00","n":-9223372036854775808,"a":[1,[2,[3]],{"b":null}]}}' >$c/fuzz_jsonl/edge-1
printf '\000{"data":{"z":1,"a":2,"aa":[true,false,null,""]},"expected_version":4294967295}' >$c/fuzz_jsonl/edge-2

# fuzz_msgpack: stored event values, and their data maps alone.
i=0
while [ $i -lt 27 ]; do
	i=$((i + 1))
	[ $((i % 2)) = 1 ] || continue
	key=$(printf '%016x' $i)
	build/tests/tools/jtamper "$tmp/j" get events $key | xxd -r -p >$c/fuzz_msgpack/event-$i
done
printf '\x83\xa1a\x01\xa1b\x93\x01\xa1x\xc0\xa1c\xcd\x01\x00' >$c/fuzz_msgpack/map-1
printf '\x82\xa5cases\x92\xa3abc\xa3def\xa4kind\xa8handbook' >$c/fuzz_msgpack/map-2

# fuzz_parse: dates, numbers, fiscal years, uuids.
n=0
for s in 2025-04-01 2024-02-29 2025-02-29 2025-04-01T09:30 0000-01-01 9999-12-31 \
    18446744073709551615 4294967296 007 R7 r1 令和7 令和7年度 2025 0f8e4f6a-5d2b-4c1e-9a37-2b6c8d9e0a11; do
	n=$((n + 1))
	printf '%s' "$s" >$c/fuzz_parse/seed-$n
done

# fuzz_rules: the documented defaults, comments, and an error.
sed -n '/^not_shared_days = 35/,/^infant_days = 365/p' specs/projections.md >$c/fuzz_rules/defaults
printf '# comment\n\n  checkup_days=150   # trailing\nnot_shared_days = 36500\n' >$c/fuzz_rules/comments
printf 'no_contact_days = 30\nbogus\n' >$c/fuzz_rules/bad
