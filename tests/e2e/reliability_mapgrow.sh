#!/bin/sh
# A map that starts tiny grows: OYAKO_MAPSIZE=65536 at `oyako init` makes a
# 64 KiB map (16 pages); importing 50k events must grow it (doubling, the
# batch run again) without MDB_MAP_FULL reaching the user, and the result
# must be the same journal content as one made with the default map.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/tools/hardening.sh"

births=4700
if [ "$QUICK" = 1 ]; then births=1000; fi

# map_size DIR: LMDB's map size of the journal, in bytes.
map_size() {
	mdb_stat -e "$1" | sed -n 's/^ *Map size: *//p'
}

test_expect_success 'setup: about 50k generated events' '
	oyako-gen --births $births --seed 3 >big.jsonl &&
	test $(wc -l <big.jsonl) -gt $((births * 10))
'

test_expect_success 'OYAKO_MAPSIZE=65536 at init makes a 64 KiB map' '
	OYAKO_MAPSIZE=65536 oyako -J tiny init &&
	test "$(map_size tiny)" = 65536
'

test_expect_success 'an import far larger than the map succeeds and the map has grown' '
	oyako -J tiny import big.jsonl 2>err &&
	test_grep "imported $(wc -l <big.jsonl) events" err &&
	! grep -i "map" err &&
	test "$(map_size tiny)" -gt 65536 &&
	oyako -J tiny verify >v && test_grep "verified $(wc -l <big.jsonl) events" v
'

test_expect_success 'appends after the growth work from new processes' '
	seq=$(oyako -J tiny append --type checkup.held --stream checkup:after --occurred 2025-05-01 --actor t --data "{\"kind\":\"3-4m\"}") &&
	test "$seq" -eq $(( $(wc -l <big.jsonl) + 1 ))
'

test_expect_success 'the tiny-map journal holds the same events as a default one' '
	oyako -J normal init && oyako -J normal import big.jsonl &&
	# Equal but for the time of recording (and so the hash).
	strip="s/\"recorded\":\"[^\"]*\"//; s/\"hash\":\"[^\"]*\"//" &&
	oyako -J tiny export | head -n $(wc -l <big.jsonl) | sed "$strip" >a &&
	oyako -J normal export | sed "$strip" >b &&
	test $(wc -l <b) -gt $((births * 10)) &&
	test_cmp b a
'

test_expect_success 'many small appends into a fresh tiny map grow it too' '
	OYAKO_MAPSIZE=65536 oyako -J tiny2 init &&
	i=0 && while [ $i -lt 300 ]; do
		oyako -J tiny2 append --type checkup.held --stream checkup:s$((i % 7)) --occurred 2025-05-01 --actor "actor-with-a-long-name-$i" --data "{\"kind\":\"3-4m\"}" >/dev/null || return 1
		i=$((i + 1))
	done &&
	oyako -J tiny2 verify >v && test_grep "verified 300 events" v
'

test_done
