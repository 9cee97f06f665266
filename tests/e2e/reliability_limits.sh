#!/bin/sh
# Limits (issue 6 part 6): a 100 MB line, deep nesting, a million-element
# array, invalid UTF-8, NUL bytes, dates of year 0 and 99999, and a stream
# with very many events.  Each is refused with exit 3 naming the line (and
# the field where there is one), storing nothing, or is handled; never a
# crash, and memory stays bounded (peak RSS from /usr/bin/time -f %M).
#
# Sizes: the normal pass uses a 100 MB line and a 200k-event stream; the
# quick pass (sanitizers) 20 MB and 20k; OYAKO_TEST_BIG=1 a stream of a
# million events (about a minute: for a soak, not for make check).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/tools/hardening.sh"

line_mb=100 stream_events=200000
if [ "$QUICK" = 1 ]; then line_mb=20 stream_events=20000; fi
if [ "${OYAKO_TEST_BIG:-0}" = 1 ]; then stream_events=1000000; fi
EV='"type":"room.opened","stream":"room:lim","occurred":"2025-04-01","actor":"a"'

# rss_kb CMD...: runs CMD, keeping its exit code in rc and its peak RSS
# (KiB) in rss; stdout to out, stderr to err.
rss_kb() {
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -o rss.txt -f %M "$@" >out 2>err
		rc=$?
		rss=$(tail -1 rss.txt)
	else
		"$@" >out 2>err
		rc=$? rss=0
	fi
}

# refused FILE FIELD: importing FILE exits 3 naming FILE:1 and FIELD
# (a fixed string), and the journal is unchanged.
refused() {
	test_must_fail 3 oyako -J j import "$1" 2>err &&
	test_grep "oyako: error: $1:1: $2" err &&
	test_grep "nothing imported" err &&
	oyako -J j export >after && test_cmp before after
}

test_expect_success 'setup: a journal with the small fixture' '
	oyako -J j init && oyako -J j import "$FIXTURES/small.jsonl" &&
	oyako -J j export >before
'

test_expect_success "a ${line_mb} MB line is refused as too long, in bounded memory" '
	{ printf "{%s,\"data\":{\"name\":\"" "$EV"
	  head -c $((line_mb * 1024 * 1024)) /dev/zero | tr "\\0" x
	  printf "\",\"name_en\":\"x\"}}\n"; } >long.jsonl &&
	rss_kb oyako -J j import long.jsonl &&
	test "$rc" = 3 &&
	test_grep "long.jsonl:1: line longer than 16777216 bytes" err &&
	echo "peak RSS ${rss} KiB" &&
	test "$rss" -lt 65536 &&
	oyako -J j export >after && test_cmp before after
'

test_expect_success 'a long line does not hide the lines after it' '
	{ cat long.jsonl; printf "{\"type\":\"nope\"}\n"; } >long2.jsonl &&
	test_must_fail 3 oyako -J j import long2.jsonl 2>err &&
	test_grep "long2.jsonl:1: line longer" err &&
	test_grep "long2.jsonl:2: " err
'

test_expect_success 'deeply nested JSON (100000 levels) is refused, not a stack overflow' '
	{ printf "{%s,\"data\":{\"name\":" "$EV"
	  head -c 100000 /dev/zero | tr "\\0" "["
	  head -c 100000 /dev/zero | tr "\\0" "]"
	  printf "}}\n"; } >deep.jsonl &&
	refused deep.jsonl ""
'
test_expect_success 'nesting just past the data limit names the field' '
	{ printf "{%s,\"data\":{\"name\":" "$EV"
	  head -c 40 /dev/zero | tr "\\0" "["
	  head -c 40 /dev/zero | tr "\\0" "]"
	  printf "}}\n"; } >deep2.jsonl &&
	refused deep2.jsonl "field '\''data.name"
'

test_expect_success 'a million-element array is refused naming its field, in bounded memory' '
	{ printf "{\"type\":\"meeting.held\",\"stream\":\"meeting:m\",\"occurred\":\"2025-04-01\",\"actor\":\"a\",\"data\":{\"kind\":\"handbook\",\"cases\":["
	  awk "BEGIN { for (i = 0; i < 999999; i++) printf \"1,\"; printf \"1\" }"
	  printf "]}}\n"; } >array.jsonl &&
	rss_kb oyako -J j import array.jsonl &&
	test "$rc" = 3 && test_grep "array.jsonl:1: field '\''data" err &&
	echo "peak RSS ${rss} KiB" && test "$rss" -lt 262144 &&
	oyako -J j export >after && test_cmp before after
'

test_expect_success 'invalid UTF-8 in a string is refused' '
	printf "{%s,\"data\":{\"name\":\"a\\377b\",\"name_en\":\"x\"}}\n" "$EV" >utf8.jsonl &&
	refused utf8.jsonl ""
'
test_expect_success 'an overlong UTF-8 encoding is refused' '
	printf "{%s,\"data\":{\"name\":\"\\300\\257\",\"name_en\":\"x\"}}\n" "$EV" >overlong.jsonl &&
	refused overlong.jsonl ""
'
test_expect_success 'a UTF-16 surrogate encoded in UTF-8 is refused' '
	printf "{%s,\"data\":{\"name\":\"\\355\\240\\200\",\"name_en\":\"x\"}}\n" "$EV" >surrogate.jsonl &&
	refused surrogate.jsonl ""
'
test_expect_success 'a raw NUL byte in a line is refused' '
	printf "{%s,\"data\":{\"name\":\"a\\000b\",\"name_en\":\"x\"}}\n" "$EV" >nul.jsonl &&
	refused nul.jsonl ""
'
test_expect_success 'a NUL (\u0000) in a text field is refused naming the field' '
	printf "{%s,\"data\":{\"name\":\"a\\\\u0000b\",\"name_en\":\"x\"}}\n" "$EV" >nul2.jsonl &&
	refused nul2.jsonl "field '\''data.name'\''"
'
test_expect_success 'a NUL (\u0000) in a key is refused' '
	printf "{%s,\"data\":{\"na\\\\u0000me\":\"a\",\"name_en\":\"x\"}}\n" "$EV" >nul3.jsonl &&
	refused nul3.jsonl ""
'
test_expect_success 'a NUL in a stream name is refused naming the field' '
	printf "{\"type\":\"room.opened\",\"stream\":\"room:a\\\\u0000b\",\"occurred\":\"2025-04-01\",\"actor\":\"a\",\"data\":{\"name\":\"n\",\"name_en\":\"x\"}}\n" >nul4.jsonl &&
	refused nul4.jsonl "field '\''stream'\''"
'

for d in 0000-01-01 99999-01-01 -001-01-01 2025-00-10 2025-13-01 2025-02-29 2025-04-01T24:00 +2025-04-01; do
	test_expect_success "occurred $d is refused naming the field" '
		printf "{\"type\":\"room.opened\",\"stream\":\"room:d\",\"occurred\":\"'$d'\",\"actor\":\"a\",\"data\":{\"name\":\"n\",\"name_en\":\"x\"}}\n" >date.jsonl &&
		refused date.jsonl "field '\''occurred'\''"
	'
done
test_expect_success 'a date of year 0 or 99999 in data is refused naming the field' '
	for d in 0000-06-01 99999-06-01; do
		printf "{\"type\":\"handbook.issued\",\"stream\":\"case:c1a5e000-0000-4000-8000-0000000000ff\",\"occurred\":\"2025-04-01\",\"actor\":\"a\",\"data\":{\"district\":\"x\",\"due_date\":\"$d\",\"support_needed\":false}}\n" >date.jsonl &&
		refused date.jsonl "field '\''data.due_date'\''" || return 1
	done
'
test_expect_success 'export --from with year 0 or 99999 is a usage error' '
	test_must_fail 2 oyako -J j export --from 0000-01-01 2>err &&
	test_grep "0000-01-01" err &&
	test_must_fail 2 oyako -J j export --to 99999-01-01 2>err &&
	test_grep "99999-01-01" err
'

test_expect_success "a stream with $stream_events events: import, show, export and append" '
	awk -v n=$stream_events "BEGIN { for (i = 0; i < n; i++) printf \"{\\\"type\\\":\\\"checkup.held\\\",\\\"stream\\\":\\\"checkup:big\\\",\\\"occurred\\\":\\\"2025-05-01\\\",\\\"actor\\\":\\\"a\\\",\\\"data\\\":{\\\"kind\\\":\\\"3-4m\\\"}}\\n\" }" >stream.jsonl &&
	oyako -J s init &&
	rss_kb oyako -J s import stream.jsonl && test "$rc" = 0 &&
	echo "import: peak RSS ${rss} KiB" &&
	oyako -J s show checkup:big | tail -2 | head -1 >last &&
	test_grep "v$stream_events " last &&
	test $(oyako -J s export --stream checkup:big | wc -l) -eq $stream_events &&
	seq=$(oyako -J s append --type checkup.held --stream checkup:big --occurred 2025-05-02 --actor a --data "{\"kind\":\"3-4m\"}" --expected-version $stream_events) &&
	test "$seq" -eq $((stream_events + 1)) &&
	test_must_fail 4 oyako -J s append --type checkup.held --stream checkup:big --occurred 2025-05-02 --actor a --data "{\"kind\":\"3-4m\"}" --expected-version $stream_events
'

test_done
