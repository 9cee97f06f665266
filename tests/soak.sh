#!/bin/sh
# tests/soak.sh: the crash loop (issue 6 part 4).  Round after round, an
# import of generated events and 3 appending writers run at once on one
# journal and are all killed with SIGKILL at a random instant.  After each
# kill: the journal verifies; every append that printed its seq before the
# kill is stored at that seq with its id; the import is stored whole or not
# at all.  Prints the figures (kills survived, events checked).
#
#   sh tests/soak.sh [ROUNDS]   (default 200; `make soak`)
#   SOAK_BIRTHS=N               size of the import (default 3000: ~32k events)
#   SOAK_MIN_MS=T               kill no sooner than T ms into a round (default 0)
#
# Exit: 0 all rounds passed, 1 a check failed (the journal is kept).
# tests/e2e/reliability_crashloop.sh runs a few rounds in `make check`.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-200}
births=${SOAK_BIRTHS:-3000}
bin=${OYAKO_BIN:-$top/build/bin}
PATH="$bin:$PATH"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/oyako-soak.XXXXXX")
cd "$tmp" || exit 1
kills=0 checked=0 imports_all=0 imports_none=0 acked=0 acked_total=0

fail() {
	echo "soak: round $round: $*" >&2
	echo "soak: journal kept in $tmp/j" >&2
	exit 1
}

# round.sh R: one round's workload: 3 writers appending until killed, each
# logging "seq id" of every acknowledged append to acks.W (the seq is
# printed after the sync), and the import.
cat >round.sh <<'ROUND'
writer() {
	i=0
	while :; do
		id=$(printf "%08x-0000-4000-8000-%04d%08d" "$2" "$1" "$i")
		seq=$(oyako -J j append --id $id --type checkup.held --stream checkup:w$1 \
		    --occurred 2025-05-01 --actor "writer:$1" --data '{"kind":"3-4m"}' 2>/dev/null) &&
		echo "$seq $id" >>acks.$1
		i=$((i + 1))
	done
}
writer 1 "$1" & writer 2 "$1" & writer 3 "$1" &
oyako -J j import big.jsonl >/dev/null 2>&1
wait
ROUND

# rand N: a pseudo-random number 0 .. N-1.
rand() {
	od -An -N4 -tu4 /dev/urandom | awk -v n="$1" '{ print $1 % n }'
}

oyako-gen --births "$births" --seed 11 >big.jsonl || exit 1
n=$(wc -l <big.jsonl)
oyako -J j init >/dev/null || exit 1
# How long an import takes here, to spread the kills over it.
oyako -J scratch init >/dev/null || exit 1
t0=$(date +%s%N)
oyako -J scratch import big.jsonl 2>/dev/null || exit 1
ms=$(( ($(date +%s%N) - t0) / 1000000 + 1 ))
rm -rf scratch
: >acks.all
round=0
while [ $round -lt "$rounds" ]; do
	round=$((round + 1))
	before=$(oyako -J j stats | sed -n 's/^head seq  *//p')
	had_import=0
	[ "$before" -ge "$n" ] 2>/dev/null && had_import=1
	rm -f acks.1 acks.2 acks.3
	# Run everything in its own process group, so one kill ends it all.
	setsid sh round.sh $round &
	leader=$!
	# Kill only once a writer of this round has been acknowledged: on a busy
	# machine (ASan, two cores) the first append can take longer than the
	# kill window, and a round without an acknowledgment checks nothing
	# (the self-check below would then miss its planted loss).  Bounded.
	w=0
	until cat acks.1 acks.2 acks.3 2>/dev/null | grep -q .; do
		w=$((w + 1))
		[ $w -le 1200 ] || { kill -9 -"$leader" 2>/dev/null; fail "no append acknowledged in 60 s"; }
		sleep 0.05
	done
	# A random instant from 0 to twice an import's time alone (the writers
	# slow it down), in 1% steps.
	sleep "$(awk -v r="$(rand 200)" -v t="$ms" -v min="${SOAK_MIN_MS:-0}" 'BEGIN { printf "%.3f", (min + r * t / 100) / 1000 }')"
	kill -9 -"$leader" 2>/dev/null
	wait "$leader" 2>/dev/null
	# Let the killed group's last processes go before checking.
	while kill -0 -"$leader" 2>/dev/null; do sleep 0.05; done
	kills=$((kills + 1))

	oyako -J j verify >verify.out 2>&1 || fail "verify failed: $(cat verify.out)"
	oyako -J j export >exp || fail "export failed"
	cat acks.1 acks.2 acks.3 >>acks.all 2>/dev/null
	# Every acknowledged append is stored at its seq with its id.  (By
	# FILENAME, not NR == FNR: an empty export would make the acks the
	# first file, and nothing would be checked.)
	awk 'FILENAME == ARGV[1] { if (match($0, /^\{"seq":[0-9]+,"id":"[^"]*"/)) {
			split(substr($0, 2, RLENGTH - 1), f, /[:,"]+/); at[f[3]] = f[5] }
			n++; next }
		{ if (!($1 in at)) { print "acknowledged seq " $1 " (" $2 ") is missing"; bad = 1 }
		  else if (at[$1] != $2) { print "acknowledged seq " $1 " (" $2 ") is another event"; bad = 1 } }
		END { exit bad }' exp acks.all >awk.out || fail "$(head -3 awk.out)"
	acked=$(wc -l <acks.all)
	# The import: all of it or none.  Its events are those not by a writer.
	imp=$(grep -vc '"actor":"writer:' exp)
	if [ "$imp" = "$n" ]; then
		[ $had_import = 1 ] || imports_all=$((imports_all + 1))
	elif [ "$imp" = 0 ]; then
		imports_none=$((imports_none + 1))
	else
		fail "the import is half stored: $imp of $n events"
	fi
	# Once the import is stored, start again from an empty journal so that
	# later rounds still kill imports.
	if [ "$imp" = "$n" ]; then
		checked=$((checked + $(wc -l <exp)))
		acked_total=$((acked_total + acked))
		rm -rf j acks.all && oyako -J j init >/dev/null && : >acks.all
	fi
	total=$(wc -l <exp)
	[ "$imp" = "$n" ] || checked=$((checked + total))
	if [ $((round % 10)) = 0 ] || [ "$round" = "$rounds" ]; then
		echo "soak: round $round: $kills kills survived, $checked events checked, imports stored whole $imports_all times, killed before commit $imports_none times"
	fi
done
acked_total=$((acked_total + acked))
echo "soak: $kills kills survived; $checked events checked after the kills; $acked_total acknowledged appends all present; imports: $imports_all stored whole, $imports_none not at all, never half"
rm -rf "$tmp"
