#!/bin/sh
# oyako serve: killed at any moment, it loses no acknowledged event.  16
# keep-alive clients post while the server is killed with SIGKILL, 20
# times, each time only after an acknowledgment from that run of the
# server has been seen (so a kill window never depends on the machine's
# speed); every client resends its event until acknowledged.  At the end
# every acknowledged id is in the journal exactly once and verify passes.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e/serve.inc"
CLIENT="$PY $TOP/tests/e2e/serve_client.py"

test_expect_success 'setup' '
	serve_journal &&
	mkuser nurse:N07 nurse && echo "$TOKEN" >nurse
'
NURSE=$(cat nurse)

test_expect_success '20 kills with 16 clients posting: no acknowledged event lost' '
	: >urlfile && : >acks &&
	$CLIENT post urlfile "$NURSE" 16 acks stop 2>clients.err &
	cpid=$! &&
	round=0 &&
	while [ $round -lt 20 ]; do
		serve_start || return 1
		echo "$URL" >urlfile
		# An acknowledgment of this run of the server (bounded wait).
		i=0
		while ! grep -q " $URL\$" acks; do
			i=$((i + 1)); [ $i -lt 1200 ] || { echo "no ack from $URL" >&2; return 1; }
			sleep 0.05
		done
		# Then a moment of 0-40 ms, to kill at a random point.
		sleep "0.0$(( $(od -An -N1 -tu1 /dev/urandom) % 5 ))"
		: >urlfile
		serve_kill
		round=$((round + 1))
	done &&
	serve_start && echo "$URL" >urlfile &&
	touch stop && wait $cpid &&
	serve_stop &&
	test ! -s clients.err &&
	test "$(cut -d" " -f2 acks | sort -u | wc -l)" -ge 20 &&
	oyako export -J j >all &&
	$PY -c "
import json
ids = [json.loads(l)[\"id\"] for l in open(\"all\")]
assert len(ids) == len(set(ids)), \"an id stored twice\"
acked = set(l.split()[0] for l in open(\"acks\"))
lost = acked - set(ids)
assert not lost, \"lost: %d of %d\" % (len(lost), len(acked))
print(len(acked), \"acknowledged, all stored\")" &&
	oyako verify -J j
'

test_expect_success 'a batch killed mid-request: all or nothing, then stored once when resent' '
	$PY -c "
for i in range(3000):
    print(\"{\\\"id\\\":\\\"50000000-0000-4000-8000-%012d\\\",\\\"type\\\":\\\"room.visited\\\",\\\"stream\\\":\\\"case:c1a5e000-0000-4000-8000-00000000000b\\\",\\\"occurred\\\":\\\"2025-09-01\\\",\\\"data\\\":{\\\"room\\\":\\\"kokinu\\\"}}\" % i)" >batch &&
	serve_start || return 1
	# Only curl in the background: "serve_start && curl &" put the start
	# there too, and a slow (ASan) start was then neither waited for nor killed.
	curl -s -o /dev/null -H "Authorization: Bearer $NURSE" -H "Content-Type: application/x-ndjson" \
	    --data-binary @batch "$URL/v1/events" &
	cpid=$!
	sleep "0.0$(( $(od -An -N1 -tu1 /dev/urandom) % 10 ))" &&
	serve_kill && wait $cpid;
	test ! -s "$TMP/serve.pid" &&
	# grep -c exits 1 when it counts none: a kill before the commit.
	n=$(oyako export -J j | grep -c "\"id\":\"50000000-"; true) &&
	echo "stored before the resend: $n" >&2 &&
	{ test "$n" -eq 0 || test "$n" -eq 3000; } &&
	serve_start &&
	st=$(req POST /v1/events "$NURSE" -H "Content-Type: application/x-ndjson" --data-binary @batch) &&
	{ test "$st" = 201 || test "$st" = 200; } &&
	test "$(jget "d[\"stored\"] + d[\"already_stored\"]")" -eq 3000 &&
	test "$(oyako export -J j | grep -c "\"id\":\"50000000-")" -eq 3000 &&
	serve_stop && oyako verify -J j
'

test_done
