#!/bin/sh
# Concurrent writers: 4 processes appending 500 events each at once (one
# `oyako append` process per event, all on one stream and on their own)
# give 2000 events, seq 1..2000 without a gap, each acknowledged seq
# holding the event that was acknowledged, and a journal that verifies.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/tools/hardening.sh"

per=500
if [ "$QUICK" = 1 ]; then per=100; fi
total=$((4 * per))

# writer W: appends $per events, half on the shared stream, half on its own,
# and writes "seq id" for each acknowledged one to acks.W.
writer() {
	i=0
	while [ $i -lt $per ]; do
		if [ $((i % 2)) = 0 ]; then s=checkup:shared; else s=checkup:w$1; fi
		id=$(printf "00000000-0000-4000-8000-%04d%08d" "$1" "$i")
		seq=$(oyako -J j append --id $id --type checkup.held --stream $s \
		    --occurred 2025-05-01 --actor "writer:$1" --data "{\"kind\":\"3-4m\"}") || {
			echo "writer $1: append $i failed" >&2
			return 1
		}
		echo "$seq $id" >>acks.$1
		i=$((i + 1))
	done
}

test_expect_success 'setup: an empty journal' '
	oyako -J j init
'

test_expect_success "4 writers appending $per events each at once" '
	writer 1 & p1=$!
	writer 2 & p2=$!
	writer 3 & p3=$!
	writer 4 & p4=$!
	ok=0
	wait $p1 || ok=1; wait $p2 || ok=1; wait $p3 || ok=1; wait $p4 || ok=1
	test $ok = 0
'

test_expect_success "the log holds seq 1..$total without a gap" '
	oyako -J j export >all &&
	check_gapless all $total
'

test_expect_success 'the journal verifies' '
	oyako -J j verify >v &&
	test_grep "verified $total events, head seq $total" v
'

test_expect_success 'every acknowledged seq holds the event it was acknowledged for' '
	cat acks.1 acks.2 acks.3 acks.4 | sort -n >acks &&
	test $(wc -l <acks) -eq $total &&
	sed "s/^{\"seq\":\([0-9]*\),\"id\":\"\([^\"]*\)\".*/\1 \2/" all >stored &&
	test_cmp acks stored
'

test_expect_success 'the shared stream has versions 1..N in seq order, each writer in its own order' '
	oyako -J j export --stream checkup:shared >shared &&
	test $(wc -l <shared) -eq $((total / 2)) &&
	awk "{ if (index(\$0, \"\\\"version\\\":\" NR \",\") == 0) { print \"line \" NR; exit 1 } }" shared &&
	for w in 1 2 3 4; do
		grep "\"actor\":\"writer:$w\"" all | sed "s/.*\"id\":\"\([^\"]*\)\".*/\1/" >ids.$w &&
		sort ids.$w >sorted.$w && test_cmp sorted.$w ids.$w || return 1
	done
'

test_done
