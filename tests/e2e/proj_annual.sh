#!/bin/sh
# oyako-annual: the seed fixture's tables, FY boundaries, --at-seq, formats.
. "$(dirname "$0")/lib.sh"
GOLDEN="$TOP/tests/golden"
SEED="$FIXTURES/seed-fy2025.jsonl"

# Hashes depend on the time of import: golden files say HASH.
mask() { sed 's/[0-9a-f]\{64\}/HASH/g'; }

test_expect_success 'the seed fixture imports' '
	oyako -J j init && oyako -J j import "$SEED" >/dev/null
'

test_expect_success 'annual --fy R7 gives the seed report numbers (json)' '
	oyako annual -J j --fy R7 --format json >out.raw &&
	mask <out.raw >out && test_cmp "$GOLDEN/annual-seed-fy2025.json" out
'

test_expect_success '--fy 2025, R7 and 令和7 are the same year' '
	oyako-annual -J j --fy 2025 --format json >a &&
	oyako-annual -J j --fy 令和7 --format json >b &&
	oyako-annual -J j --fy 令和7年度 --format json >c &&
	test_cmp a b && test_cmp a c
'

for f in text tsv csv md; do
	for l in ja en; do
		test_expect_success "annual --format $f --lang $l matches its golden file" "
			oyako-annual -J j --fy R7 --format $f --lang $l >out.raw &&
			mask <out.raw >out && test_cmp \"\$GOLDEN/annual-seed.$l.$f\" out
		"
	done
done

test_expect_success 'FY2024 counts only the events of 2025-03-31, lists no closed room' '
	oyako-annual -J j --fy 2024 --format json >out &&
	test_grep "\"handbook_meetings\":1," out &&
	test_grep "{\"room\":\"kokinu\",\"name\":\"小絹児童館\",\"groups\":1,\"participants\":2,\"couples\":1}" out &&
	test_grep "\"interviews_8month\":{\"group\":1,\"individual\":0,\"visit\":0}" out &&
	test_grep "\"happybaby\":{\"home\":1,\"room\":0,\"checkup\":0}" out &&
	test_grep "\"checkups_held\":1," out &&
	! grep -q sakura out && ! grep -q himawari out
'

test_expect_success 'FY2026 counts the events of 2026-04-01; a room closed in FY2025 is gone' '
	oyako-annual -J j --fy 2026 --format json >out &&
	test_grep "\"handbook_meetings\":1," out &&
	test_grep "{\"room\":\"ohisama\",\"name\":\"おひさま\",\"groups\":1,\"participants\":2,\"couples\":1}" out &&
	test_grep "\"interviews_8month\":{\"group\":0,\"individual\":0,\"visit\":1}" out &&
	test_grep "\"happybaby\":{\"home\":0,\"room\":1,\"checkup\":0}" out &&
	test_grep "{\"room\":\"himawari\",\"name\":\"ひまわり\",\"groups\":0" out &&
	! grep -q bokaboka out
'

# The seq of a line of the fixture is its line number: import keeps order.
seq_of() { grep -n -- "$1" "$SEED" | head -1 | cut -d: -f1; }

# num KEY FILE: the first number after "KEY": in FILE.
num() { grep -o "\"$1\":[0-9]*" "$2" | head -1 | cut -d: -f2; }

test_expect_success '--at-seq before a case is retracted counts its class and interview' '
	n=$(seq_of "not our family") && test -n "$n" &&
	oyako-annual -J j --fy R7 --format json --at-seq $((n - 1)) >before &&
	oyako-annual -J j --fy R7 --format json --at-seq $n >after &&
	test $(num group before) = $(($(num group after) + 1)) &&
	test $(num groups before) = $(($(num groups after) + 1)) &&
	test_grep "\"at_seq\":$((n - 1))," before
'

test_expect_success '--at-seq before a duplicate meeting is retracted counts it' '
	n=$(seq_of "entered twice\"") && test -n "$n" &&
	oyako-annual -J j --fy R7 --format json --at-seq $((n - 1)) >before &&
	oyako-annual -J j --fy R7 --format json --at-seq $n >after &&
	test $(num handbook_meetings before) = $(($(num handbook_meetings after) + 1))
'

test_expect_success 'the footer names the seq and hash computed from' '
	oyako-annual -J j --fy R7 --lang en --at-seq 100 >out &&
	test_grep "computed from seq 100, hash " out
'

test_expect_success 'usage errors exit 2' '
	test_must_fail 2 oyako-annual -J j &&
	test_must_fail 2 oyako-annual -J j --fy R &&
	test_must_fail 2 oyako-annual -J j --fy 2025 --format xml &&
	test_must_fail 2 oyako-annual -J j --fy 2025 --lang fr &&
	test_must_fail 2 oyako-annual -J j --fy 2025 --at-seq x &&
	test_must_fail 2 oyako-annual -J j --fy 2025 --at-seq 0 &&
	test_must_fail 2 oyako-annual -J j --fy 2025 --bogus &&
	test_must_fail 2 oyako-annual -J j --fy 2025 extra 2>err &&
	test_grep "unexpected argument '\''extra'\''" err
'

test_expect_success 'no journal exits 7, naming it' '
	test_must_fail 7 oyako-annual -J nowhere --fy 2025 2>err &&
	test_grep "nowhere" err
'

test_expect_success '--at-seq past the head exits 7' '
	test_must_fail 7 oyako-annual -J j --fy 2025 --at-seq 999999 2>err &&
	test_grep "past the head" err
'

test_expect_success '--help prints the usage and exits 0' '
	oyako-annual --help >out && test_grep "usage: oyako annual" out
'

test_expect_success 'an empty journal gives zeros' '
	oyako -J e init &&
	oyako-annual -J e --fy 2025 --format json >out &&
	test_grep "\"handbook_meetings\":0,\"maternity_classes\":[]," out &&
	test_grep "\"at_seq\":0" out
'

test_done
