#!/bin/sh
# oyako upgrade: a journal of storage format 1 (tests/fixtures/format1, made
# by the tools of d277d79) is read as it is, refuses writes (exit 8), and
# upgrades to format 2 all or nothing: the same export to the byte, the same
# head hash, the same stored bytes in `events`.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/tools/hardening.sh"

F1=$FIXTURES/format1

# old DIR: a fresh copy of the format-1 fixture in DIR.
old() {
	rm -rf "$1" && mkdir -m 700 "$1" && cp "$F1/data.mdb" "$1/" && chmod 600 "$1/data.mdb"
}

# events_of DIR: the `events` database of a journal, key and value lines.
events_of() {
	mdb_dump -s events "$1" | sed '1,/^HEADER=END$/d'
}

test_expect_success 'setup: the format-1 fixture says format 1' '
	old j && "$JTAMPER" j get meta $(hex format) >fmt &&
	test "$(cat fmt)" = 00000001 && old j
'

test_expect_success 'format 1 is read as it is: verify, export, export --stream, stats' '
	oyako -J j verify >out && test_cmp "$F1/verify.out" out &&
	oyako -J j export >out && test_cmp "$F1/export.jsonl" out &&
	oyako -J j export --stream "$(cat "$F1/stream")" >out &&
	test_cmp "$F1/export-stream.jsonl" out &&
	oyako -J j stats >out && grep -q "^events  *27$" out &&
	oyako -J j show case:c1a5e000-0000-4000-8000-00000000000b >out && test_grep "(retracts v2, seq 10)" out && test_grep "[RETRACTED by coord:C01" out
'

test_expect_success 'a projection reads format 1' '
	oyako -J j annual --fy 2025 --format tsv >out && test -s out
'

test_expect_success 'writes to format 1 ask for the upgrade (exit 8) and change nothing' '
	test_must_fail 8 oyako -J j append --type room.closed --stream room:kokinu --actor t 2>err &&
	test_grep "oyako: error: journal '\''j'\'' is in storage format 1" err &&
	test_grep "oyako -J j upgrade" err &&
	test_must_fail 8 oyako -J j import "$FIXTURES/small.jsonl" 2>err &&
	test_grep "upgrade" err &&
	cmp "$F1/data.mdb" j/data.mdb
'

test_expect_success 'upgrade: same head hash, same export, same events bytes, format 2' '
	oyako -J j upgrade >out 2>err &&
	hash=$(sed "s/.*head hash //" "$F1/verify.out") &&
	echo "upgraded 27 events to format 2, head seq 27, head hash $hash" >want && test_cmp want out &&
	test ! -s err &&
	! ls -d j.upgrade-* 2>/dev/null &&
	oyako -J j verify >out && test_cmp "$F1/verify.out" out &&
	oyako -J j export >out && test_cmp "$F1/export.jsonl" out &&
	oyako -J j export --stream "$(cat "$F1/stream")" >out &&
	test_cmp "$F1/export-stream.jsonl" out &&
	events_of j >new.events && rm -rf f1 && old f1 && events_of f1 >old.events &&
	test_cmp old.events new.events &&
	"$JTAMPER" j get meta $(hex format) >fmt && test "$(cat fmt)" = 00000002 &&
	test "$(stat -c %a j)" = 700 && test "$(stat -c %a j/data.mdb)" = 600
'

# A tool of format 1 opens every database of its format: they are there,
# empty, so that it reads meta.format and says "newer version".
test_expect_success 'the upgraded journal keeps format 1 databases, empty' '
	for db in ids streams heads retracted; do
		mdb_stat -s $db j >st && grep -q "Entries: 0" st || return 1
	done &&
	mdb_stat -s index j >st && ! grep -q "Entries: 0" st
'

test_expect_success 'the upgraded journal takes appends and retractions, and verifies' '
	oyako -J j append --type room.closed --stream room:kokinu --actor t >seq &&
	test "$(cat seq)" = 28 &&
	oyako -J j verify >out && test_grep "verified 28 events" out
'

test_expect_success 'upgrade of a format-2 journal does nothing' '
	cp j/data.mdb before.mdb &&
	oyako -J j upgrade >out && test_grep "in format 2 already: nothing to do" out &&
	cmp before.mdb j/data.mdb
'

test_expect_success 'upgrade of a corrupt format-1 journal names the seq (exit 5), changes nothing' '
	old c && "$JTAMPER" c flip 12 && cp c/data.mdb before.mdb &&
	test_must_fail 5 oyako -J c upgrade >out 2>err &&
	test_grep "corrupt at seq 12" err && test_grep "nothing changed" err &&
	test ! -s out && cmp before.mdb c/data.mdb && ! ls -d c.upgrade-* 2>/dev/null
'

test_expect_success 'the other files of the directory stay, the same files; its mode stays' '
	old v && echo vault >v/vault.mdb && echo keys >v/vault.keys.1 && chmod 750 v &&
	ino=$(stat -c %i v/vault.mdb) &&
	oyako -J v upgrade >out &&
	test "$(cat v/vault.mdb)" = vault && test "$(cat v/vault.keys.1)" = keys &&
	test "$(stat -c %i v/vault.mdb)" = "$ino" && test "$(stat -c %h v/vault.mdb)" = 1 &&
	test "$(stat -c %a v)" = 750 &&
	ls v | sort >names && printf "data.mdb\nlock.mdb\nvault.keys.1\nvault.mdb\n" >want &&
	test_cmp want names && ! ls -d v.upgrade-* 2>/dev/null &&
	oyako -J v verify >out && test_cmp "$F1/verify.out" out
'

# Another process with the journal open holds a shared fcntl lock on the
# first byte of lock.mdb, as LMDB does; the upgrade must not swap the
# journal under it.
test_expect_success 'upgrade while another process has the journal open: exit 6, nothing changed' '
	old b && oyako -J b verify >/dev/null &&
	/usr/bin/python3 -c "
import fcntl, os, sys, time
f = open(sys.argv[1], \"r+\")
fcntl.lockf(f, fcntl.LOCK_SH, 1, 0)
open(sys.argv[2], \"w\").close()
time.sleep(60)
" b/lock.mdb held &
	holder=$! &&
	tries=0 && while [ ! -f held ] && [ $tries -lt 100 ]; do sleep 0.1; tries=$((tries + 1)); done &&
	test_must_fail 6 oyako -J b upgrade >out 2>err;
	rc=$?; kill $holder; wait $holder 2>/dev/null
	test $rc = 0 && test_grep "another process has the journal open" err &&
	cmp "$F1/data.mdb" b/data.mdb && ! ls -d b.upgrade-* 2>/dev/null
'

test_expect_success 'upgrade with no journal: exit 7' '
	test_must_fail 7 oyako -J nowhere upgrade 2>err && test_grep "no journal" err
'

test_expect_success 'upgrade takes only -J' '
	test_must_fail 2 oyako -J j upgrade extra 2>err && test_grep "usage" err
'

# Fault injection: every write-side I/O call of the upgrade fails in turn.
# Either the upgrade succeeds, or it fails with exit 6 and the path holds
# the old journal unchanged; never a crash, a half journal or a leftover.
case $OYAKO_BIN in
*build-san*) ;;
*)
test_expect_success 'a failing I/O call at any point: upgraded, or exit 6 and untouched' '
	old j && OYAKO_FAIL_ON=io OYAKO_FAIL_REPORT=$TMP/count LD_PRELOAD=$FAILSO oyako -J j upgrade >/dev/null &&
	calls=$(sed -n "s/^calls=\([0-9]*\) failed=0$/\1/p" count) && test "$calls" -ge 3 &&
	n=1 && while [ $n -le $((calls + 2)) ]; do
		old j
		OYAKO_FAIL_ON=io OYAKO_FAIL_AT=$n LD_PRELOAD=$FAILSO oyako -J j upgrade >out 2>err
		rc=$?
		oyako -J j export >after || { echo "N=$n: export fails"; return 1; }
		test_cmp "$F1/export.jsonl" after || { echo "N=$n: export differs"; return 1; }
		ls -d j.upgrade-* 2>/dev/null && { echo "N=$n: a leftover"; return 1; }
		"$JTAMPER" j get meta $(hex format) >fmt
		case $rc,$(cat fmt) in
		0,00000002) ;;
		6,00000001) cmp "$F1/data.mdb" j/data.mdb || { echo "N=$n: changed"; return 1; } ;;
		6,00000002) ;;	# the exchange was done, the sync of the directory failed
		*) echo "N=$n: exit $rc, format $(cat fmt)"; cat err; return 1 ;;
		esac
		n=$((n + 1))
	done
'
;;
esac

test_done
