#!/bin/sh
# oyako serve: the change feed (/v1/feed, Server-Sent Events): the export
# lines in log order, new events as they commit, and a resume by
# Last-Event-ID without a gap or a duplicate.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e/serve.inc"
CLIENT="$PY $TOP/tests/e2e/serve_client.py"
CASE=case:c1a5e000-0000-4000-8000-00000000000b

test_expect_success 'setup' '
	serve_journal &&
	mkuser audit:A1 auditor && echo "$TOKEN" >audit &&
	mkuser nurse:N07 nurse && echo "$TOKEN" >nurse &&
	serve_start && echo "URL=$URL" >env
'
. ./env
AUDIT=$(cat audit) NURSE=$(cat nurse)

test_expect_success 'the feed: id and data lines, the lines of oyako export' '
	$CLIENT feed "$URL" "$AUDIT" 0 29 >got &&
	cut -f2 got >lines && oyako export -J j >want && test_cmp want lines &&
	cut -f1 got >ids && seq 1 29 >want && test_cmp want ids
'

test_expect_success 'the feed stays open and sends events committed later' '
	$CLIENT feed "$URL" "$AUDIT" 29 3 >got &
	pid=$! &&
	for i in 1 2 3; do
		test "$(post_json "$NURSE" "{\"id\":\"30000000-0000-4000-8000-00000000000$i\",\"type\":\"room.visited\",\"stream\":\"$CASE\",\"occurred\":\"2025-09-01\",\"data\":{\"room\":\"kokinu\"}}")" = 201 || return 1
	done &&
	wait $pid &&
	cut -f1 got >ids && seq 30 32 >want && test_cmp want ids &&
	grep -q 30000000-0000-4000-8000-000000000003 got
'

test_expect_success 'a resume by Last-Event-ID: no gap, no duplicate (it wins over after=)' '
	$CLIENT feed "$URL" "$AUDIT" 0 10 >first &&
	last=$(tail -1 first | cut -f1) &&
	$CLIENT feed "$URL" "$AUDIT" 0 22 "$last" >second &&
	cat first second | cut -f1 >ids && seq 1 32 >want && test_cmp want ids &&
	cat first second | cut -f2 >lines && oyako export -J j >want && test_cmp want lines
'

test_expect_success 'bad after or Last-Event-ID: 400' '
	expect_status 400 GET "/v1/feed?after=abc" "$AUDIT" &&
	expect_status 400 GET /v1/feed "$AUDIT" -H "Last-Event-ID: -3"
'

test_expect_success 'SIGTERM with a feed open: the feed ends, exit 0' '
	curl -s -N -H "Authorization: Bearer $AUDIT" "$URL/v1/feed?after=32" >open &
	pid=$! &&
	i=0 && while ! grep -q "oyako feed" open; do i=$((i + 1)); [ $i -lt 300 ] || return 1; sleep 0.1; done &&
	serve_stop &&
	wait $pid
'

test_done
