#!/bin/sh
# Master keys: key init, the refusals (no key, missing file, a file others
# may read, a wrong key: exit 6 naming the file), and key rotate.
. "$(dirname "$0")/lib.sh"
C1=11111111-1111-4111-8111-111111111111
unset OYAKO_KEY_FILE
OYAKO_ACTOR=nurse:N07
export OYAKO_ACTOR

reads() { oyako -J j export --type person.accessed | wc -l; }

test_expect_success 'setup: a journal, a key, a name' '
	oyako -J j init && oyako -J j import "$FIXTURES/proj-small.jsonl" >/dev/null &&
	oyako key init key >out && test_grep "key file '\''key'\'' made" out &&
	echo "{\"name\":\"山田 花子\",\"kana\":\"やまだ はなこ\"}" | oyako -J j person set $C1 --key-file key
'

test_expect_success 'key init makes 32 bytes, mode 0600' '
	test "$(stat -c %a key)" = 600 && test "$(stat -c %s key)" = 32
'

test_expect_success 'key init never overwrites a file (exit 2)' '
	cp key key.before &&
	test_must_fail 2 oyako key init key 2>err && test_grep "key file '\''key'\'' exists: refused" err &&
	cmp key key.before &&
	echo data >other && test_must_fail 2 oyako key init other && test "$(cat other)" = data
'

test_expect_success 'two keys differ' '
	oyako key init key2 >/dev/null && ! cmp -s key key2
'

test_expect_success 'no key: person commands exit 6 naming the missing key' '
	before=$(reads) &&
	test_must_fail 6 oyako -J j person show $C1 2>err &&
	test_grep "no master key" err && test_grep "OYAKO_KEY_FILE" err && test_grep "key-file FILE" err &&
	test_must_fail 6 oyako -J j person find "山田花子" &&
	echo "{}" | test_must_fail 6 oyako -J j person set $C1 &&
	test_must_fail 6 oyako -J j caseload --names --as-of 2025-10-01 >out && test ! -s out &&
	test_must_fail 6 oyako -J j risk --names --as-of 2025-10-01 &&
	test_must_fail 6 oyako -J j forget $C1 --reason x &&
	test $(reads) -eq $before &&
	oyako -J j export --type case.forgotten >out && test ! -s out
'

test_expect_success 'without a key every other tool works as before' '
	oyako -J j caseload --as-of 2025-10-01 >/dev/null && oyako -J j risk --as-of 2025-10-01 >/dev/null &&
	oyako -J j annual --fy 2025 >/dev/null && oyako -J j verify >/dev/null && oyako -J j audit >/dev/null
'

test_expect_success 'a missing key file is refused (exit 6), naming it' '
	test_must_fail 6 oyako -J j person show $C1 --key-file nosuch 2>err &&
	test_grep "key file '\''nosuch'\'' does not exist" err &&
	OYAKO_KEY_FILE=$TMP/nosuch test_must_fail 6 oyako -J j person show $C1 2>err &&
	test_grep "$TMP/nosuch" err
'

test_expect_success 'a key file readable or writable by group or others is refused (exit 6)' '
	for m in 640 604 620 602 644; do
		cp key k$m && chmod $m k$m &&
		test_must_fail 6 oyako -J j person show $C1 --key-file k$m 2>err || return 1
		test_grep "key file '\''k$m'\'' is readable or writable by group or others" err || return 1
	done
'

test_expect_success 'a file that is not a key is refused (exit 6)' '
	head -c 31 key >short && chmod 600 short &&
	test_must_fail 6 oyako -J j person show $C1 --key-file short 2>err &&
	test_grep "key file '\''short'\'' is not a key" err &&
	test_must_fail 6 oyako -J j person show $C1 --key-file . 2>err
'

test_expect_success 'a wrong key is refused (exit 6), naming the file, and shows nothing' '
	before=$(reads) &&
	test_must_fail 6 oyako -J j person show $C1 --key-file key2 >out 2>err &&
	test_grep "key file '\''key2'\'' does not open the person data of journal '\''j'\'': wrong key" err &&
	test ! -s out && test $(reads) -eq $before &&
	echo "{\"name\":\"x\"}" | test_must_fail 6 oyako -J j person set $C1 --key-file key2 &&
	test_must_fail 6 oyako -J j caseload --names --key-file key2 --as-of 2025-10-01
'

test_expect_success 'a key file inside the journal directory is refused (exit 6)' '
	cp key j/inside.key &&
	test_must_fail 6 oyako -J j person show $C1 --key-file j/inside.key 2>err &&
	test_grep "lies in the journal directory" err &&
	test_must_fail 6 oyako -J j key rotate --key-file key --new-key-file j/inside.key &&
	rm j/inside.key
'

test_expect_success '$OYAKO_KEY_FILE gives the key; --key-file wins over it' '
	OYAKO_KEY_FILE=$TMP/key oyako -J j person show $C1 | grep -q "山田" &&
	OYAKO_KEY_FILE=$TMP/key2 oyako -J j person show $C1 --key-file key | grep -q "山田"
'

test_expect_success 'rotate: the new key opens, the old one no longer does, data and index kept' '
	oyako key init new >/dev/null &&
	oyako -J j key rotate --key-file key --new-key-file new >out &&
	test_grep "1 case key rewrapped" out &&
	test_must_fail 6 oyako -J j person show $C1 --key-file key 2>err && test_grep "wrong key" err &&
	oyako -J j person show $C1 --key-file new >out &&
	echo "{\"name\":\"山田 花子\",\"kana\":\"やまだ はなこ\"}" >want && test_cmp want out &&
	oyako -J j person find "ﾔﾏﾀﾞﾊﾅｺ" --key-file new | grep -q $C1 &&
	test_must_fail 6 oyako -J j person find "ﾔﾏﾀﾞﾊﾅｺ" --key-file key
'

test_expect_success 'rotate leaves one key file generation in the directory' '
	test $(ls j | grep -c "^vault.keys") -eq 1
'

test_expect_success 'rotate refuses the key in use (2), a missing new key (6 or 2), a wrong current key (6)' '
	test_must_fail 2 oyako -J j key rotate --key-file new --new-key-file new 2>err &&
	test_grep "holds the key in use" err &&
	test_must_fail 6 oyako -J j key rotate --key-file new --new-key-file nosuch 2>err &&
	test_grep "nosuch" err &&
	test_must_fail 2 oyako -J j key rotate --key-file new &&
	test_must_fail 6 oyako -J j key rotate --key-file key2 --new-key-file key &&
	oyako -J j person show $C1 --key-file new >/dev/null
'

test_expect_success 'rotate on a journal without person data exits 7' '
	oyako -J empty init &&
	test_must_fail 7 oyako -J empty key rotate --key-file key --new-key-file key2 2>err &&
	test_grep "holds no person data" err
'

test_expect_success 'usage errors of key exit 2' '
	test_must_fail 2 oyako key &&
	test_must_fail 2 oyako key frob &&
	test_must_fail 2 oyako key init &&
	test_must_fail 2 oyako key init a b
'

test_done
