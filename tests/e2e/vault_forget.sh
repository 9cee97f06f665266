#!/bin/sh
# oyako forget: case.forgotten appended, the case key destroyed in place:
# the data can never be read again, with this key or with a copy of the
# directory once the key is rotated; the log verifies and every projection
# stays as it was.
. "$(dirname "$0")/lib.sh"
C1=11111111-1111-4111-8111-111111111111
C2=22222222-2222-4222-8222-222222222222
C4=44444444-4444-4444-8444-444444444444
NOCASE=99999999-9999-4999-8999-999999999999
OYAKO_KEY_FILE=$TMP/key
OYAKO_ACTOR=nurse:N07
export OYAKO_KEY_FILE OYAKO_ACTOR

# The projections' JSON without the provenance keys (every append moves them).
strip() { sed -e 's/,"at_seq":[0-9]*,"head_hash":"[0-9a-f]*"}$/}/'; }
reports() {
	oyako -J j annual --fy 2025 --format json | strip &&
	oyako -J j caseload --as-of 2025-10-01 --format json | strip &&
	oyako -J j risk --as-of 2025-10-01 --format json | strip
}
forgotten_events() { oyako -J j export --type case.forgotten | wc -l; }

test_expect_success 'setup: names for two cases, the reports, a copy of the directory' '
	oyako -J j init && oyako -J j import "$FIXTURES/proj-small.jsonl" >/dev/null &&
	oyako key init key >/dev/null &&
	echo "{\"name\":\"山田 花子\",\"kana\":\"やまだ はなこ\",\"phone\":\"029-123-4567\"}" | oyako -J j person set $C1 &&
	echo "{\"name\":\"佐藤 愛\",\"kana\":\"さとう あい\"}" | oyako -J j person set $C2 &&
	reports >before.json &&
	cp -a j copy
'

test_expect_success 'forget appends case.forgotten (reason, actor) and reports success' '
	oyako -J j forget $C1 --reason "the family asked (APPI erasure)" >out &&
	test_grep "case $C1 forgotten" out &&
	oyako -J j export --type case.forgotten >ev && test $(wc -l <ev) -eq 1 &&
	test_grep "\"stream\":\"case:$C1\"" ev &&
	test_grep "\"actor\":\"nurse:N07\"" ev &&
	test_grep "\"data\":{\"reason\":\"the family asked (APPI erasure)\"}" ev
'

test_expect_success 'show of a forgotten case prints {"forgotten":true} and records no read' '
	before=$(oyako -J j export --type person.accessed | wc -l) &&
	oyako -J j person show $C1 >out && echo "{\"forgotten\":true}" >want && test_cmp want out &&
	test $(oyako -J j export --type person.accessed | wc -l) -eq $before
'

test_expect_success 'find no longer finds a forgotten case' '
	test_must_fail 7 oyako -J j person find "山田花子" &&
	oyako -J j person find "さとうあい" | grep -q $C2
'

test_expect_success 'set on a forgotten case is refused (exit 3) and stores nothing' '
	sum=$(cat j/vault.mdb j/vault.keys.* | cksum) &&
	echo "{\"name\":\"x\"}" | test_must_fail 3 oyako -J j person set $C1 2>err &&
	test_grep "was forgotten" err &&
	test "$(cat j/vault.mdb j/vault.keys.* | cksum)" = "$sum" &&
	echo "{\"case\":\"$C1\",\"name\":\"x\"}" >p.jsonl &&
	test_must_fail 3 oyako -J j person import p.jsonl 2>err && test_grep "p.jsonl:1: field '\''case'\''" err
'

test_expect_success 'caseload and risk --names say (forgotten)' '
	oyako -J j caseload --as-of 2025-10-01 --names --format json >out &&
	test_grep "{\"case\":\"$C1\",\"name\":\"(forgotten)\",\"kana\":\"(forgotten)\"" out &&
	test_grep "{\"case\":\"$C2\",\"name\":\"佐藤 愛\"" out &&
	oyako -J j risk --as-of 2025-10-01 --names --format csv >out && test_grep ",(forgotten),(forgotten)" out
'

test_expect_success 'verify passes; annual, caseload and risk are unchanged' '
	oyako -J j verify >/dev/null &&
	reports >after.json && test_cmp before.json after.json
'

test_expect_success 'forget again: success, no second case.forgotten' '
	oyako -J j forget $C1 --reason "again" >/dev/null &&
	test $(forgotten_events) -eq 1
'

test_expect_success 'the key is gone from the key file: the old record with the new key file does not open (exit 5)' '
	mkdir mix && cp copy/vault.mdb mix/ && cp j/vault.keys.* mix/ && cp j/data.mdb mix/ &&
	test_must_fail 5 oyako -J mix person show $C1 >out 2>err && test ! -s out &&
	test_grep "fails authentication" err &&
	oyako -J mix person show $C2 | grep -q "佐藤 愛"
'

test_expect_success 'a copy made before forget opens with the old key (the documented limit)...' '
	oyako -J copy person show $C1 | grep -q "山田 花子"
'

test_expect_success '...but not once the key is rotated: the copy is refused with the new key' '
	oyako key init new >/dev/null &&
	oyako -J j key rotate --new-key-file new >out && test_grep "1 case key rewrapped" out &&
	test_must_fail 6 oyako -J copy person show $C1 --key-file new 2>err && test_grep "wrong key" err &&
	test_must_fail 6 oyako -J copy person find "山田花子" --key-file new &&
	oyako -J j person show $C2 --key-file new | grep -q "佐藤 愛" &&
	oyako -J j person show $C1 --key-file new >out && echo "{\"forgotten\":true}" >want && test_cmp want out
'

test_expect_success 'a case without person data can be forgotten; set is refused after' '
	oyako -J j forget $C4 --reason "asked" --key-file new >/dev/null &&
	echo "{\"name\":\"x\"}" | test_must_fail 3 oyako -J j person set $C4 --key-file new
'

test_expect_success 'a crash after the event, before the key is destroyed: the rerun completes it' '
	echo "{\"name\":\"佐藤 愛\"}" | oyako -J j person set $C2 --key-file new &&
	echo "{\"type\":\"case.forgotten\",\"stream\":\"case:$C2\",\"occurred\":\"2025-10-02\",\"actor\":\"nurse:N07\",\"data\":{\"reason\":\"asked\"}}" |
	oyako -J j append >/dev/null &&
	n=$(forgotten_events) &&
	oyako -J j forget $C2 --reason "asked" --key-file new >/dev/null &&
	test $(forgotten_events) -eq $n &&
	oyako -J j person show $C2 --key-file new >out && echo "{\"forgotten\":true}" >want && test_cmp want out
'

test_expect_success 'forget refuses: no reason (2), no case (7), no key (6), nothing appended' '
	n=$(forgotten_events) &&
	test_must_fail 2 oyako -J j forget $C2 --key-file new &&
	test_must_fail 2 oyako -J j forget --reason x --key-file new &&
	test_must_fail 2 oyako -J j forget nope --reason x --key-file new &&
	test_must_fail 7 oyako -J j forget $NOCASE --reason x --key-file new 2>err &&
	test_grep "no case '\''$NOCASE'\''" err &&
	(unset OYAKO_KEY_FILE; test_must_fail 6 oyako -J j forget $C2 --reason x) &&
	test $(forgotten_events) -eq $n
'

test_expect_success 'verify still passes at the end' '
	oyako -J j verify >/dev/null
'

test_done
