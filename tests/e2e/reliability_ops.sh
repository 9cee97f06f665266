#!/bin/sh
# Operations: reader slots left by killed processes are cleared when the
# next oyako opens the journal (mdb_reader_check), and a journal written by
# a newer format version is refused with a clear message (exit 5).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/tools/hardening.sh"

# readers DIR: the pids in LMDB's reader table, one a line.
readers() {
	mdb_stat -r "$1" | awk '$1 ~ /^[0-9]+$/ && NF >= 3 { print $1 }'
}

test_expect_success 'setup: a journal larger than a pipe buffer' '
	oyako-gen --births 300 --seed 5 >city.jsonl &&
	oyako -J j init && oyako -J j import city.jsonl &&
	test $(oyako -J j export | wc -c) -gt 1000000 &&
	oyako -J j export >exp
'

# LMDB resets its reader table when the first process opens the lock file,
# so a slot only stays stale while another process keeps the journal open:
# a live export (blocked on a full pipe) holds it open while another export
# is killed inside its read transaction.

# blocked_export FIFO: starts an export into FIFO (which the caller holds
# open for reading and writing, so that opening it does not block) and waits
# until its read transaction shows in the reader table; sets pid.
blocked_export() {
	oyako -J j export >"$1" &
	pid=$!
	tries=0
	while ! readers j | grep -qx "$pid" && [ $tries -lt 100 ]; do
		sleep 0.1; tries=$((tries + 1))
	done
}

# One test body: its background processes and descriptors end with it.
test_expect_success 'a reader killed while holding a read transaction: its stale slot is cleared by the next oyako, the live one kept' '
	mkfifo live doomed &&
	exec 3<>live 4<>doomed &&
	blocked_export live && live=$pid &&
	blocked_export doomed && dead=$pid &&
	readers j >start &&
	grep -qx $live start && grep -qx $dead start &&
	kill -9 $dead && { wait $dead; exec 4<&-; } &&
	readers j >before &&
	{ grep -qx $dead before || { echo "the killed reader left no slot"; false; }; } &&
	grep -qx $live before &&
	oyako -J j stats >/dev/null &&
	readers j >after &&
	{ ! grep -qx $dead after || { echo "stale slot of $dead not cleared"; false; }; } &&
	{ grep -qx $live after || { echo "live reader $live lost its slot"; false; }; } &&
	# Unblocked, the live export still writes the whole log.
	head -c $(wc -c <exp) <&3 >live.out && exec 3<&- &&
	wait $live && test_cmp exp live.out
'

test_expect_success 'a stale slot does not stop writers, and the journal is intact' '
	oyako -J j append --type checkup.held --stream checkup:ops --occurred 2025-05-01 --actor t --data "{\"kind\":\"3-4m\"}" >seq &&
	oyako -J j verify >v && test_grep "verified $(cat seq) events" v &&
	oyako -J j export | head -n $(wc -l <exp) >exp2 && test_cmp exp exp2
'

test_expect_success 'setup: a journal whose meta format says 3' '
	oyako -J new init && oyako -J new import "$FIXTURES/small.jsonl" &&
	"$JTAMPER" new get meta $(hex format) >fmt &&
	test "$(cat fmt)" = 00000002 &&
	"$JTAMPER" new put meta $(hex format) 00000003
'

for cmd in verify export stats "show room:kokinu" "import $FIXTURES/small.jsonl" \
    "append --type checkup.held --stream checkup:x --actor a --data '{\"kind\":\"3-4m\"}'"; do
	test_expect_success "format 3 is refused by oyako ${cmd%% *} (exit 5, says why)" '
		test_must_fail 5 oyako -J new '"$cmd"' >out 2>err &&
		test_grep "oyako: error: cannot open journal '\''new'\'': journal written by a newer version of oyako" err &&
		test ! -s out
	'
done

test_expect_success 'the refused journal was not changed' '
	"$JTAMPER" new put meta $(hex format) 00000002 &&
	oyako -J new verify >v && test_grep "verified 27 events" v
'

test_expect_success 'a meta format that is not 4 bytes is refused as corrupt' '
	"$JTAMPER" new put meta $(hex format) 01 &&
	test_must_fail 5 oyako -J new verify 2>err &&
	test_grep "journal is corrupt" err
'

test_done
