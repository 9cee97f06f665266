#!/bin/sh
# A process killed with SIGKILL during an import leaves a journal that
# verifies and holds all or none of that import (LMDB commits the whole
# write transaction or nothing); rerunning the import then stores it all.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/tools/hardening.sh"

# 20000 births a year make about 212k events (2000 in the quick pass: 21k).
births=20000
if [ "$QUICK" = 1 ]; then births=2000; fi

test_expect_success 'setup: a generated city and a journal holding the small fixture' '
	oyako-gen --births $births --seed 7 >big.jsonl &&
	n=$(wc -l <big.jsonl) && test "$n" -gt $((births * 5)) &&
	echo $n >n &&
	oyako -J j init && oyako -J j import "$FIXTURES/small.jsonl" &&
	oyako -J j export >before
'
n=$(cat n)

# kill_import DELAY: starts the import, kills it with SIGKILL after DELAY
# seconds, checks the journal, and reports in "outcome" whether the import
# had been stored (all), not at all (none), or had finished before the kill.
kill_import() {
	oyako -J j import big.jsonl 2>/dev/null &
	pid=$!
	sleep "$1"
	kill -9 $pid 2>/dev/null
	wait $pid
	rc=$?
	oyako -J j verify >v || return 1
	head=$(head_seq j)
	if [ "$head" = 27 ]; then
		echo none >>outcome
		oyako -J j export >after && test_cmp before after || return 1
	elif [ "$head" = $((27 + n)) ]; then
		echo all >>outcome
	else
		echo "head seq $head after a kill: neither 27 nor $((27 + n)) (import exit $rc)"
		return 1
	fi
	if [ "$rc" = 137 ]; then echo killed >>outcome; fi
}

# Delays spread over the import's run: whichever instant the kill lands on,
# the journal must hold all or none of the import.
for delay in 0.05 0.3 0.8 1.2; do
	test_expect_success "killed after ${delay}s: the journal verifies and holds all or none" '
		kill_import '$delay' &&
		if [ "$head" = $((27 + n)) ]; then
			# Stored: start over for the next instant.
			rm -rf j && oyako -J j init && oyako -J j import "$FIXTURES/small.jsonl" &&
			oyako -J j export >before
		fi
	'
done

test_expect_success 'at least one kill landed during the import' '
	grep -c killed outcome && grep -q killed outcome
'

test_expect_success 'after a kill, rerunning the import stores all of it' '
	kill_import 0.3 &&
	oyako -J j import big.jsonl 2>err &&
	test "$(head_seq j)" = $((27 + n)) &&
	oyako -J j verify >v && test_grep "verified $((27 + n)) events" v &&
	oyako -J j export >all &&
	head -27 all >first && test_cmp before first
'

test_expect_success 'and rerunning it once more stores nothing new' '
	oyako -J j import big.jsonl 2>err &&
	test_grep "imported 0 events ($n already stored)" err &&
	test "$(head_seq j)" = $((27 + n))
'

test_done
