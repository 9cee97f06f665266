#!/bin/sh
# Fault injection (issue 6 part 3): the Nth allocation or write-side I/O
# call (write, pwrite, writev, fsync, fdatasync, msync, ftruncate) of an
# `oyako import` into a journal that already holds events fails, for every N
# from the opening of the journal to the end (tests/faults/fail.so, an
# LD_PRELOAD shim).  Each time, the import either succeeds with every event
# stored, or fails with a message and exit 3 or 6, never a crash; the
# journal then verifies, holds every event it held before, and holds all or
# none of the import.  A failed fsync after LMDB wrote the commit may leave
# the import stored though the command failed (an unacknowledged success):
# rerunning the import is safe, so that is allowed; the figures are printed.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/tools/hardening.sh"

strip='s/"recorded":"[^"]*"//; s/"hash":"[^"]*"//'

case $OYAKO_BIN in
*build-san*)
	# ASan must come first among the loaded libraries: no LD_PRELOAD.
	test_skip 'the fault shim is not used with the sanitizer build'
	test_done
	exit 0
	;;
esac

test_expect_success 'setup: a journal with 20 events, 7 more to import, the shim' '
	test -f "$FAILSO" &&
	head -20 "$FIXTURES/small.jsonl" >first.jsonl &&
	tail -7 "$FIXTURES/small.jsonl" >more.jsonl &&
	oyako -J base init && oyako -J base import first.jsonl &&
	oyako -J base export >before &&
	cp -a base ok && oyako -J ok import more.jsonl &&
	oyako -J ok export | sed "$strip" >want
'

test_expect_success 'the shim counts the calls of an import and fails none unasked' '
	for on in alloc io all; do
		rm -rf j && cp -a base j &&
		OYAKO_FAIL_ON=$on OYAKO_FAIL_REPORT=$TMP/count.$on LD_PRELOAD=$FAILSO oyako -J j import more.jsonl &&
		sed -n "s/^calls=\([0-9]*\) failed=0$/\1/p" count.$on >calls.$on || return 1
	done &&
	test "$(cat calls.alloc)" -gt 20 && test "$(cat calls.io)" -ge 2 &&
	test "$(cat calls.all)" -ge "$(cat calls.alloc)" &&
	test "$(cat calls.all)" -ge "$(cat calls.io)"
'

test_expect_success 'the shim makes calls fail (a sanity check of the sweep)' '
	rm -rf j && cp -a base j &&
	OYAKO_FAIL_AT=1 OYAKO_FAIL_MODE=after LD_PRELOAD=$FAILSO oyako -J j import more.jsonl 2>err;
	test $? -ne 0 && oyako -J j export >after && test_cmp before after
'

# sweep LABEL ON CODES STEP ENV...: one import for each N = 1, 1 + STEP, ...
# up to the number of ON calls (alloc, io or all) and 3 more, with the shim
# set by ENV; a failure must exit with one of CODES ("3|6": bad input or
# I/O).  Counts the outcomes in figures.
sweep() {
	label=$1 on=$2 codes=$3 step=$4; shift 4
	total=$(($(cat calls.$on) + 3))
	n=1 ok=0 failed=0 stored_anyway=0
	while [ $n -le $total ]; do
		rm -rf j && cp -a base j
		env "$@" OYAKO_FAIL_ON=$on OYAKO_FAIL_AT=$n LD_PRELOAD=$FAILSO oyako -J j import more.jsonl >out 2>err
		rc=$?
		if ! oyako -J j verify >/dev/null 2>verr; then
			echo "$label N=$n: exit $rc, then verify fails: $(cat verr)"; return 1
		fi
		oyako -J j export >after
		head -20 after >kept
		if ! cmp -s before kept; then
			echo "$label N=$n: an event stored before the import changed or went missing"; return 1
		fi
		if [ $rc != 0 ] && ! echo "|$codes|" | grep -q "|$rc|"; then
			echo "$label N=$n: exit $rc, want 0 or $codes"; cat err; return 1
		fi
		case $rc in
		0)	sed "$strip" after >got
			cmp -s want got || { echo "$label N=$n: exit 0 but the import is not all stored"; return 1; }
			ok=$((ok + 1)) ;;
		3|6)	grep -q "^oyako: error: " err || { echo "$label N=$n: exit $rc without an error message"; cat err; return 1; }
			lines=$(wc -l <after)
			if [ "$lines" = 27 ]; then
				sed "$strip" after >got
				cmp -s want got || { echo "$label N=$n: a half-stored import"; return 1; }
				stored_anyway=$((stored_anyway + 1))
			elif [ "$lines" != 20 ]; then
				echo "$label N=$n: $lines events after a failed import"; return 1
			fi
			failed=$((failed + 1)) ;;
		*)	echo "$label N=$n: exit $rc (a crash or an undocumented code)"; cat err; return 1 ;;
		esac
		n=$((n + step))
	done
	echo "# $label: $ok succeeded, $failed failed cleanly ($stored_anyway of them stored all the same)" >>figures
}

test_expect_success 'every single failing I/O call (ENOSPC)' '
	sweep "io once ENOSPC" io 6 1 OYAKO_FAIL_ERRNO=ENOSPC
'
test_expect_success 'every single failing I/O call (EIO)' '
	sweep "io once EIO" io 6 1 OYAKO_FAIL_ERRNO=EIO
'
test_expect_success 'every single short write' '
	sweep "io once SHORT" io 6 1 OYAKO_FAIL_ERRNO=SHORT
'
test_expect_success 'every I/O call from N on failing (a full disk)' '
	sweep "io after ENOSPC" io 6 1 OYAKO_FAIL_ERRNO=ENOSPC OYAKO_FAIL_MODE=after
'
# Out of memory is exit 6: an allocation failing inside the JSON parser must
# not be reported as bad input (exit 3).
test_expect_success 'every single failing allocation: exit 6, never blamed on the input' '
	sweep "alloc once" alloc 6 1
'
test_expect_success 'every call (allocation or I/O) from N on failing' '
	sweep "all after" all "3|6" 7 OYAKO_FAIL_MODE=after
'

# A line the fast decoder refuses goes through jansson for its message: an
# allocation failing in there is out of memory (exit 6), never a made-up
# syntax error (exit 3 with "column -1").
test_expect_success 'allocations failing while a bad line is explained: the true message or exit 6' '
	{ head -1 more.jsonl; printf "{\"type\":\"room.opened\",}\n"; } >bad.jsonl &&
	oyako -J base import bad.jsonl 2>want.err; test $? = 3 &&
	test_grep "bad.jsonl:2: invalid JSON" want.err &&
	OYAKO_FAIL_ON=alloc OYAKO_FAIL_REPORT=$TMP/count.bad LD_PRELOAD=$FAILSO oyako -J base import bad.jsonl 2>/dev/null
	total=$(sed -n "s/^calls=\([0-9]*\) .*/\1/p" count.bad) && test "$total" -gt 5 &&
	n=1 && while [ $n -le $total ]; do
		OYAKO_FAIL_ON=alloc OYAKO_FAIL_AT=$n LD_PRELOAD=$FAILSO oyako -J base import bad.jsonl 2>err
		rc=$?
		case $rc in
		3) test_cmp want.err err || { echo "N=$n: exit 3 with another message"; return 1; } ;;
		6) test_grep "oyako: error: " err || return 1 ;;
		*) echo "N=$n: exit $rc"; cat err; return 1 ;;
		esac
		n=$((n + 1))
	done &&
	oyako -J base export >after && test_cmp before after
'

cat figures 2>/dev/null
test_done
