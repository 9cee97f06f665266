#!/bin/sh
# oyako serve: group commit.  Many requests at once share commits; an
# invalid or conflicting request gets its error and stores nothing, while
# the valid ones of the same moment are stored.  Outcomes are asserted per
# request, whatever the grouping the machine's timing makes.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e/serve.inc"
CLIENT="$PY $TOP/tests/e2e/serve_client.py"
CASE=case:c1a5e000-0000-4000-8000-00000000000b

test_expect_success 'setup' '
	serve_journal &&
	mkuser nurse:N07 nurse && echo "$TOKEN" >nurse &&
	serve_start && echo "URL=$URL" >env
'
. ./env
NURSE=$(cat nurse)

test_expect_success '48 requests at once: each gets its own outcome' '
	: >burst &&
	for i in $(seq 1 48); do
		id=$(printf "40000000-0000-4000-8000-%012d" $i)
		case $((i % 4)) in
		0) # invalid: a date that does not exist
			printf "{\"id\":\"%s\",\"type\":\"handbook.issued\",\"stream\":\"case:%s\",\"occurred\":\"2025-04-01\",\"data\":{\"district\":\"x\",\"due_date\":\"2025-02-30\",\"support_needed\":false}}\n" $id $id ;;
		1) # a new stream that only one of these may open
			printf "{\"id\":\"%s\",\"type\":\"room.opened\",\"stream\":\"room:race\",\"occurred\":\"2025-04-01\",\"data\":{\"name\":\"x\"},\"expected_version\":0}\n" $id ;;
		*) # valid
			printf "{\"id\":\"%s\",\"type\":\"room.visited\",\"stream\":\"%s\",\"occurred\":\"2025-09-01\",\"data\":{\"room\":\"kokinu\"}}\n" $id $CASE ;;
		esac >>burst
	done &&
	$CLIENT burst "$URL" "$NURSE" burst >out &&
	awk "\$1 % 4 == 3 && \$2 != 422 || (\$1 % 4 == 1 || \$1 % 4 == 2) && \$2 != 201" out >bad &&
	test ! -s bad &&
	test "$(awk "\$1 % 4 == 0 && \$2 == 201" out | wc -l)" -eq 1 &&
	test "$(awk "\$1 % 4 == 0 && \$2 == 409" out | wc -l)" -eq 11 &&
	oyako export -J j --after-seq 28 >new &&
	test "$(grep -c room.visited new)" -eq 24 &&
	test "$(grep -c room.opened new)" -eq 1 &&
	! grep -q handbook.issued new &&
	oyako verify -J j
'

test_expect_success 'metrics: the appends, and the commits they took' '
	mkuser audit:A1 auditor &&
	expect_status 200 GET /metrics "$TOKEN" &&
	grep -q "^oyako_appends_total 25$" body &&
	grep "^oyako_commits_total" body >&2
'

test_expect_success 'a client that sends its body slowly holds up nobody else' '
	$CLIENT slow "$URL" "$NURSE" &&
	oyako export -J j --stream room:slow | grep -q room.opened
'

test_expect_success 'stop' '
	serve_stop
'

test_done
