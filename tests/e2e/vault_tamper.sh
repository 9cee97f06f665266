#!/bin/sh
# A changed byte in a sealed record or a wrapped key, or a record moved to
# another case, is detected (exit 5) and nothing of it is shown.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/tools/hardening.sh"
C1=11111111-1111-4111-8111-111111111111
C2=22222222-2222-4222-8222-222222222222
C3=33333333-3333-4333-8333-333333333333
OYAKO_KEY_FILE=$TMP/key
OYAKO_ACTOR=nurse:N07
export OYAKO_KEY_FILE OYAKO_ACTOR

reads() { oyako -J j export --type person.accessed | wc -l; }

fresh() {
	rm -rf j && cp -a base j
}

# shows_nothing CODE CASE: show fails with CODE, prints nothing, records nothing.
shows_nothing() {
	before=$(reads)
	test_must_fail "$1" oyako -J j person show "$2" >out 2>err || return 1
	test ! -s out && test_grep "not shown" err && test $(reads) -eq $before
}

test_expect_success 'setup: names for three cases' '
	test -x "$VTAMPER" &&
	oyako -J base init && oyako -J base import "$FIXTURES/proj-small.jsonl" >/dev/null &&
	oyako key init key >/dev/null &&
	echo "{\"name\":\"山田 花子\",\"kana\":\"やまだ はなこ\"}" | oyako -J base person set $C1 &&
	echo "{\"name\":\"佐藤 愛\",\"kana\":\"さとう あい\"}" | oyako -J base person set $C2 &&
	echo "{\"name\":\"鈴木 舞\",\"kana\":\"すずき まい\"}" | oyako -J base person set $C3
'

test_expect_success 'a flipped byte in the tag of a sealed record: exit 5, nothing shown' '
	fresh && "$VTAMPER" j flip $C1 && shows_nothing 5 $C1 &&
	test_grep "fails authentication" err &&
	oyako -J j person show $C2 | grep -q "佐藤 愛"
'

test_expect_success 'a flipped byte in the ciphertext or the nonce: exit 5' '
	fresh && "$VTAMPER" j flip $C1 40 && shows_nothing 5 $C1 &&
	fresh && "$VTAMPER" j flip $C1 10 && shows_nothing 5 $C1
'

test_expect_success 'a flipped byte in the record header (state, slot): exit 5' '
	fresh && "$VTAMPER" j flip $C1 1 && shows_nothing 5 $C1 &&
	fresh && "$VTAMPER" j flip $C1 7 && shows_nothing 5 $C1
'

test_expect_success 'a record copied onto another case does not open there (the case id is bound)' '
	fresh && "$VTAMPER" j copy $C1 $C2 && shows_nothing 5 $C2
'

test_expect_success 'a flipped byte in a wrapped key of the key file: exit 5' '
	fresh && f=$(ls j/vault.keys.*) &&
	printf "\\001" | dd of="$f" bs=1 seek=$((64 + 30)) conv=notrunc 2>/dev/null &&
	shows_nothing 5 $C1 &&
	oyako -J j person show $C2 | grep -q "佐藤 愛"
'

test_expect_success 'find and --names fail with 5 on a damaged record, showing nothing' '
	fresh && "$VTAMPER" j flip $C1 &&
	test_must_fail 5 oyako -J j person find "やまだはなこ" >out && test ! -s out &&
	test_must_fail 5 oyako -J j caseload --names --as-of 2025-10-01 >out 2>err && test ! -s out &&
	test_grep "$C1" err
'

test_expect_success 'set on a damaged record is refused (exit 5) and stores nothing' '
	fresh && "$VTAMPER" j flip $C1 &&
	sum=$(cat j/vault.mdb j/vault.keys.* | cksum) &&
	echo "{\"phone\":\"1\"}" | test_must_fail 5 oyako -J j person set $C1 &&
	test "$(cat j/vault.mdb j/vault.keys.* | cksum)" = "$sum"
'

test_done
