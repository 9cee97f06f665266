#!/bin/sh
# oyako serve: the endpoints of BRIEF section 10 and every error code, with
# curl against a real server on a free port over a temporary journal.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e/serve.inc"

CASE=case:c1a5e000-0000-4000-8000-00000000000b
CASEQ=case%3Ac1a5e000-0000-4000-8000-00000000000b
ev() { # ev ID [ACTOR]: a room.visited of $CASE
	printf '{"id":"%s","type":"room.visited","stream":"%s","occurred":"2025-09-01",%s"data":{"room":"kokinu"}}' \
	    "$1" "$CASE" "${2:+\"actor\":\"$2\",}"
}

test_expect_success 'setup: a journal, a server on port 0, a nurse and an auditor' '
	serve_journal &&
	mkuser nurse:N07 nurse && NURSE=$TOKEN &&
	mkuser audit:A1 auditor && AUDIT=$TOKEN &&
	serve_start &&
	echo "$URL" | grep -q "^http://127.0.0.1:[1-9][0-9]*$" &&
	test $(wc -l <serve.out) -eq 1 &&
	echo "NURSE=$NURSE AUDIT=$AUDIT URL=$URL" >env
'
. ./env

test_expect_success 'health: anyone, with the head seq' '
	expect_status 200 GET /v1/health - &&
	test "$(jget "d[\"ok\"], d[\"head_seq\"]")" = "[true, 29]"
'

test_expect_success 'POST one event: 201, stored with the account as actor' '
	expect_status 201 POST /v1/events "$NURSE" -H "Content-Type: application/json" \
	    --data-binary "$(ev 10000000-0000-4000-8000-000000000001)" &&
	test "$(jget "d[\"stored\"], d[\"already_stored\"], d[\"head_seq\"]")" = "[1, 0, 30]" &&
	test "$(jget "d[\"events\"]")" = "[{\"id\": \"10000000-0000-4000-8000-000000000001\", \"seq\": 30}]" &&
	jget "d[\"head_hash\"]" | grep -q "^[0-9a-f]\{64\}$" &&
	oyako export -J j --after-seq 29 | grep -q "\"actor\":\"nurse:N07\""
'

test_expect_success 'the same event again: 200, already stored, same seq' '
	expect_status 200 POST /v1/events "$NURSE" -H "Content-Type: application/json; charset=utf-8" \
	    --data-binary "$(ev 10000000-0000-4000-8000-000000000001 nurse:N07)" &&
	test "$(jget "d[\"stored\"], d[\"already_stored\"], d[\"events\"][0][\"seq\"]")" = "[0, 1, 30]"
'

test_expect_success 'a batch: all stored, one entry per line in order' '
	{ ev 10000000-0000-4000-8000-000000000002; echo; echo; ev 10000000-0000-4000-8000-000000000001; echo; } >batch &&
	expect_status 201 POST /v1/events "$NURSE" -H "Content-Type: application/x-ndjson" --data-binary @batch &&
	test "$(jget "[e[\"seq\"] for e in d[\"events\"]], d[\"stored\"], d[\"already_stored\"]")" = "[[31, 30], 1, 1]"
'

test_expect_success 'the same batch again: 200, all already stored, the same seqs' '
	expect_status 200 POST /v1/events "$NURSE" -H "Content-Type: application/x-ndjson" --data-binary @batch &&
	test "$(jget "[e[\"seq\"] for e in d[\"events\"]], d[\"stored\"], d[\"already_stored\"]")" = "[[31, 30], 0, 2]" &&
	head_is 31
'

test_expect_success 'a batch with bad lines: 422 naming every one, nothing stored' '
	{ ev 10000000-0000-4000-8000-000000000003; echo
	  echo "{not json"
	  printf "%s\n" "{\"type\":\"handbook.issued\",\"stream\":\"case:c1a5e000-0000-4000-8000-0000000000ff\",\"occurred\":\"2025-04-01\",\"data\":{\"district\":\"x\",\"due_date\":\"2025-02-30\",\"support_needed\":false}}"
	  printf "%s\n" "{\"type\":\"room.visited\",\"stream\":\"case:c1a5e000-0000-4000-8000-0000000000ee\",\"occurred\":\"2025-04-01\",\"data\":{\"room\":\"kokinu\"}}"
	} >bad &&
	expect_status 422 POST /v1/events "$NURSE" -H "Content-Type: application/x-ndjson" --data-binary @bad &&
	test "$(jget "d[\"error\"], [e[\"line\"] for e in d[\"errors\"]]")" = "[\"invalid\", [2, 3, 4]]" &&
	test "$(jget "d[\"errors\"][1][\"field\"]")" = data.due_date &&
	jget "d[\"message\"]" | grep -q . &&
	head_is 31
'

test_expect_success 'expected_version mismatch: 409 conflict, nothing stored' '
	expect_status 409 POST /v1/events "$NURSE" -H "Content-Type: application/json" \
	    --data-binary "{\"type\":\"room.visited\",\"stream\":\"$CASE\",\"occurred\":\"2025-09-01\",\"data\":{\"room\":\"kokinu\"},\"expected_version\":2}" &&
	test "$(jget "d[\"error\"], d[\"errors\"][0][\"line\"]")" = "[\"conflict\", 1]" &&
	head_is 31
'

test_expect_success 'an id stored with other content: 409 conflict' '
	expect_status 409 POST /v1/events "$NURSE" -H "Content-Type: application/json" \
	    --data-binary "$(ev 10000000-0000-4000-8000-000000000001 | sed s/2025-09-01/2025-09-02/)" &&
	test "$(jget "d[\"error\"]")" = conflict
'

test_expect_success 'not JSON, or not one object: 400 malformed' '
	expect_status 400 POST /v1/events "$NURSE" -H "Content-Type: application/json" --data-binary "{nope" &&
	test "$(jget "d[\"error\"], d[\"errors\"]")" = "[\"malformed\", []]" &&
	expect_status 400 POST /v1/events "$NURSE" -H "Content-Type: application/json" --data-binary "[1,2]" &&
	expect_status 400 POST /v1/events "$NURSE" -H "Content-Type: application/json" \
	    --data-binary "$(ev 10000000-0000-4000-8000-000000000004)$(ev 10000000-0000-4000-8000-000000000005)" &&
	expect_status 400 POST /v1/events "$NURSE" -H "Content-Type: application/x-ndjson" --data-binary "" &&
	head_is 31
'

test_expect_success 'data nested too deep: 422, nothing stored' '
	deep=$($PY -c "print(\"[\" * 40 + \"]\" * 40)") &&
	expect_status 422 POST /v1/events "$NURSE" -H "Content-Type: application/json" \
	    --data-binary "{\"type\":\"room.visited\",\"stream\":\"$CASE\",\"occurred\":\"2025-09-01\",\"data\":{\"room\":\"kokinu\",\"x\":$deep}}" &&
	head_is 31
'

test_expect_success 'a wrong content type: 415, nothing stored' '
	expect_status 415 POST /v1/events "$NURSE" -H "Content-Type: text/plain" \
	    --data-binary "$(ev 10000000-0000-4000-8000-000000000006)" &&
	test "$(jget "d[\"error\"]")" = unsupported_media_type &&
	expect_status 415 POST /v1/events "$NURSE" --data-binary "$(ev 10000000-0000-4000-8000-000000000006)" -H "Content-Type:" &&
	head_is 31
'

test_expect_success 'another actor in the body: 403 forbidden, nothing stored' '
	expect_status 403 POST /v1/events "$NURSE" -H "Content-Type: application/json" \
	    --data-binary "$(ev 10000000-0000-4000-8000-000000000007 nurse:N99)" &&
	test "$(jget "d[\"error\"], d[\"errors\"][0][\"field\"]")" = "[\"forbidden\", \"actor\"]" &&
	{ ev 10000000-0000-4000-8000-000000000008; echo; ev 10000000-0000-4000-8000-000000000009 nurse:N99; echo; } >spoof &&
	expect_status 403 POST /v1/events "$NURSE" -H "Content-Type: application/x-ndjson" --data-binary @spoof &&
	test "$(jget "d[\"errors\"][0][\"line\"]")" = 2 &&
	head_is 31
'

test_expect_success 'events only the system writes: 403 even for a nurse' '
	expect_status 403 POST /v1/events "$NURSE" -H "Content-Type: application/json" \
	    --data-binary "{\"type\":\"staff.account_changed\",\"stream\":\"staff:x\",\"occurred\":\"2025-09-01\",\"data\":{\"role\":\"admin\",\"change\":\"added\"}}" &&
	expect_status 403 POST /v1/events "$NURSE" -H "Content-Type: application/json" \
	    --data-binary "{\"type\":\"case.forgotten\",\"stream\":\"$CASE\",\"occurred\":\"2025-09-01\",\"data\":{\"reason\":\"x\"}}" &&
	expect_status 403 POST /v1/events "$NURSE" -H "Content-Type: application/json" \
	    --data-binary "{\"type\":\"person.accessed\",\"stream\":\"access:nurse:N07\",\"occurred\":\"2025-09-01\",\"data\":{\"cases\":[],\"purpose\":\"x\"}}"
'

test_expect_success 'no token, a bad token: 401 unauthorized' '
	expect_status 401 POST /v1/events - -H "Content-Type: application/json" --data-binary "$(ev 10000000-0000-4000-8000-00000000000a)" &&
	test "$(jget "d[\"error\"]")" = unauthorized &&
	expect_status 401 GET /v1/events oyk_0000000000000000000000000000000000000000000000000000000000000000 &&
	expect_status 401 GET /v1/events - -H "Authorization: Basic Zm9vOmJhcg==" &&
	head_is 31
'

test_expect_success 'unknown path 404, wrong method 405' '
	expect_status 404 GET /v1/nothing "$NURSE" &&
	test "$(jget "d[\"error\"]")" = not_found &&
	expect_status 405 DELETE /v1/events "$NURSE"
'

test_expect_success 'GET /v1/events: the lines of oyako export' '
	curl -sf -H "Authorization: Bearer $AUDIT" "$URL/v1/events" >got &&
	oyako export -J j >want && test_cmp want got &&
	curl -sf -D hdr -H "Authorization: Bearer $AUDIT" "$URL/v1/events?after=5&limit=3" >got &&
	grep -qi "content-type: application/x-ndjson" hdr &&
	oyako export -J j --after-seq 5 | head -3 >want && test_cmp want got &&
	curl -sf -H "Authorization: Bearer $AUDIT" "$URL/v1/events?type=room.opened,room.closed" >got &&
	oyako export -J j --type room.opened,room.closed >want && test_cmp want got &&
	curl -sf -H "Authorization: Bearer $NURSE" "$URL/v1/events?stream=$CASEQ&after=20" >got &&
	oyako export -J j --stream $CASE --after-seq 20 >want && test_cmp want got &&
	test -s want
'

test_expect_success 'GET /v1/events with bad parameters: 400' '
	expect_status 400 GET "/v1/events?after=x" "$AUDIT" &&
	expect_status 400 GET "/v1/events?limit=-1" "$AUDIT" &&
	expect_status 400 GET "/v1/events?type=no.such" "$AUDIT"
'

test_expect_success 'GET /v1/streams: the stream, retractions marked' '
	expect_status 200 GET "/v1/streams/$CASEQ" "$NURSE" &&
	test "$(jget "d[\"stream\"]")" = "$CASE" &&
	test "$(jget "[(e[\"seq\"], e[\"retracted_by\"]) for e in d[\"events\"] if e[\"retracted_by\"]]")" = "[[10, 26]]" &&
	oyako export -J j --stream $CASE | $PY -c "
import json, sys
want = [json.loads(l) for l in sys.stdin]
got = json.load(open(\"body\"))[\"events\"]
for g in got: del g[\"retracted_by\"]
assert got == want, (got, want)"
'

test_expect_success 'GET /v1/streams of an unknown stream: 404' '
	expect_status 404 GET "/v1/streams/case%3Ac1a5e000-0000-4000-8000-0000000000ff" "$NURSE" &&
	test "$(jget "d[\"error\"]")" = not_found
'

test_expect_success 'GET /v1/verify: ok, the count and head' '
	expect_status 200 GET /v1/verify "$AUDIT" &&
	oyako verify -J j >v &&
	test "$(jget "d[\"ok\"], d[\"events\"], d[\"head_seq\"]")" = "[true, 31, 31]" &&
	grep -q "$(jget "d[\"head_hash\"]")" v
'

test_expect_success 'GET /metrics: Prometheus text' '
	expect_status 200 GET /metrics "$AUDIT" &&
	grep -q "^oyako_http_requests_total{status=\"201\"} [1-9]" body &&
	grep -q "^oyako_appends_total 2$" body &&
	grep -q "^oyako_commit_group_size_bucket{le=\"+Inf\"} [1-9]" body &&
	grep -q "^oyako_http_request_duration_seconds_count [1-9]" body
'

test_expect_success 'a body over --max-body: 413, nothing stored' '
	serve_stop &&
	serve_start --max-body 1000 && echo "NURSE=$NURSE AUDIT=$AUDIT URL=$URL" >env &&
	$PY -c "print(\"{\\\"x\\\":\\\"\" + \"a\" * 5000 + \"\\\"}\")" >big &&
	expect_status 413 POST /v1/events "$NURSE" -H "Content-Type: application/json" --data-binary @big &&
	test "$(jget "d[\"error\"]")" = too_large &&
	expect_status 201 POST /v1/events "$NURSE" -H "Content-Type: application/json" \
	    --data-binary "$(ev 10000000-0000-4000-8000-00000000000b)"
'

. ./env

test_expect_success 'headers over 64 KiB: refused (431, or the connection cut while they still come)' '
	big=$($PY -c "print(\"x\" * 100000)") &&
	st=$(req GET /v1/health - -H "X-Big: $big");
	case $st in 431|000) ;; *) echo "status $st" >&2; false ;; esac &&
	expect_status 200 GET /v1/health -
'

test_expect_success 'the access log: one line a request, no token or body' '
	grep -q "^POST /v1/events 201 nurse:N07 [0-9]*$" serve.err &&
	grep -q "^GET /v1/streams/case:c1a5e000-0000-4000-8000-00000000000b 200 nurse:N07 [0-9]*$" serve.err &&
	grep -q "^GET /v1/health 200 - [0-9]*$" serve.err &&
	! grep -q "oyk_" serve.err && ! grep -q "room.visited" serve.err && ! grep -q "after=" serve.err
'

test_expect_success 'SIGTERM: exits 0' '
	serve_stop
'

test_expect_success 'a non-loopback address without TLS: refused, exit 2' '
	test_must_fail 2 oyako serve -J j --listen 0.0.0.0:0 </dev/null >out 2>err &&
	grep -q "insecure-http" err &&
	test ! -s out
'

test_expect_success '--insecure-http serves a non-loopback address' '
	SERVE_LISTEN=0.0.0.0:0 serve_start --insecure-http &&
	echo "$URL" | grep -q "^http://0.0.0.0:[1-9]" &&
	serve_stop
'

test_expect_success 'usage errors, and no journal: exit 7' '
	test_must_fail 2 oyako serve -J j --listen nonsense &&
	test_must_fail 2 oyako serve -J j --tls-cert x &&
	test_must_fail 2 oyako serve -J j --max-body 0 &&
	test_must_fail 7 oyako serve -J nope --listen 127.0.0.1:0
'

test_done
