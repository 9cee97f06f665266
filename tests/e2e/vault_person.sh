#!/bin/sh
# oyako person set|show|find|import, caseload/risk --names, audit --access:
# what is stored comes back, every read leaves its person.accessed, every
# error exits with its code and stores nothing (specs/vault.md).
. "$(dirname "$0")/lib.sh"
C1=11111111-1111-4111-8111-111111111111
C2=22222222-2222-4222-8222-222222222222
C3=33333333-3333-4333-8333-333333333333
NOCASE=99999999-9999-4999-8999-999999999999
OYAKO_KEY_FILE=$TMP/key
OYAKO_ACTOR=nurse:N07
export OYAKO_KEY_FILE OYAKO_ACTOR

# The number of person.accessed events, and a fingerprint of the vault.
reads() { oyako -J j export --type person.accessed | wc -l; }
vault_sum() { cat j/vault.mdb j/vault.keys.* | cksum; }

test_expect_success 'setup: a journal with five cases and a key' '
	oyako -J j init && oyako -J j import "$FIXTURES/proj-small.jsonl" >/dev/null &&
	oyako key init key >/dev/null
'

test_expect_success 'set stores the fields; show prints them back' '
	printf "%s" "{\"name\":\"山田 花子\",\"kana\":\"やまだ はなこ\",\"phone\":\"029-123-4567\",\"mother_birth_date\":\"1990-05-01\"}" |
	oyako -J j person set $C1 &&
	oyako -J j person show $C1 >out &&
	echo "{\"name\":\"山田 花子\",\"kana\":\"やまだ はなこ\",\"phone\":\"029-123-4567\",\"mother_birth_date\":\"1990-05-01\"}" >want &&
	test_cmp want out
'

# (Files: the shell's echo would read the backslash.)
cat >merge.json <<'EOF'
{"phone":null,"address":"茨城県つくばみらい市小絹1-2-3","notes":"2行\nのメモ"}
EOF
cat >merged.json <<'EOF'
{"name":"山田 花子","kana":"やまだ はなこ","address":"茨城県つくばみらい市小絹1-2-3","mother_birth_date":"1990-05-01","notes":"2行\nのメモ"}
EOF

test_expect_success 'set merges with what is stored; null removes a field; case:<uuid> is accepted' '
	oyako -J j person set case:$C1 <merge.json &&
	oyako -J j person show $C1 >out &&
	test_cmp merged.json out
'

test_expect_success 'show appends one person.accessed (actor, cases, purpose) before it prints' '
	before=$(reads) &&
	oyako -J j person show $C1 --purpose "home visit call" >/dev/null &&
	test $(reads) -eq $((before + 1)) &&
	oyako -J j export --type person.accessed | tail -1 >ev &&
	test_grep "\"stream\":\"access:nurse:N07\"" ev &&
	test_grep "\"actor\":\"nurse:N07\"" ev &&
	test_grep "\"data\":{\"cases\":[\"$C1\"],\"purpose\":\"home visit call\"}" ev
'

test_expect_success 'the actor is --actor, else $OYAKO_ACTOR, else cli:<login>' '
	oyako -J j person show $C1 --actor nurse:N01 >/dev/null &&
	oyako -J j export --type person.accessed | tail -1 | grep -q "\"actor\":\"nurse:N01\"" &&
	(unset OYAKO_ACTOR; oyako -J j person show $C1 >/dev/null) &&
	oyako -J j export --type person.accessed | tail -1 | grep -q "\"actor\":\"cli:$(id -un)\""
'

test_expect_success 'find: kanji, hiragana, katakana, half-width, spaces, width and case of ASCII' '
	echo "{\"name\":\"Emma Suzuki\",\"kana\":\"えま すずき\"}" | oyako -J j person set $C2 &&
	for q in "山田 花子" "山田花子" "やまだはなこ" "ヤマダ　ハナコ" "ﾔﾏﾀﾞ ﾊﾅｺ" "  やまだ　はなこ "; do
		oyako -J j person find "$q" >out || return 1
		printf "%s\t%s\t%s\n" $C1 "山田 花子" "やまだ はなこ" >want
		test_cmp want out || return 1
	done &&
	oyako -J j person find "ＥＭＭＡ　ｓｕｚｕｋｉ" >out && test_grep "$C2	Emma Suzuki	えま すずき" out &&
	oyako -J j person find "ｴﾏｽｽﾞｷ" >out && test_grep "$C2" out
'

test_expect_success 'find --format json; find records the cases it found' '
	before=$(reads) &&
	oyako -J j person find "やまだはなこ" --format json >out &&
	echo "[{\"case\":\"$C1\",\"name\":\"山田 花子\",\"kana\":\"やまだ はなこ\"}]" >want &&
	test_cmp want out &&
	test $(reads) -eq $((before + 1)) &&
	oyako -J j export --type person.accessed | tail -1 | grep -q "\"cases\":\[\"$C1\"\],\"purpose\":\"person find\""
'

test_expect_success 'find: a part of a name, or no match, exits 7 and records nothing' '
	before=$(reads) &&
	test_must_fail 7 oyako -J j person find "山田" 2>err && test_grep "no person matches" err &&
	test_must_fail 7 oyako -J j person find "たなか" &&
	test $(reads) -eq $before
'

test_expect_success 'show of a case without person data exits 7 and records nothing' '
	before=$(reads) &&
	test_must_fail 7 oyako -J j person show $C3 2>err && test_grep "no person data" err &&
	test $(reads) -eq $before
'

# Each bad input: its exit code, a message naming the field, nothing stored.
bad_set() {
	code=$1 input=$2 msg=$3 case=${4:-$C1}
	sum=$(vault_sum)
	printf "%s" "$input" | test_must_fail "$code" oyako -J j person set "$case" 2>err || return 1
	test_grep "$msg" err || return 1
	test "$(vault_sum)" = "$sum"
}

test_expect_success 'set refuses bad input (exit 3, field named) and stores nothing' '
	bad_set 3 "{\"name\":" "<stdin>: not JSON" &&
	bad_set 3 "[\"name\"]" "not a JSON object" &&
	bad_set 3 "{\"nmae\":\"x\"}" "field '\''nmae'\'': unknown field" &&
	bad_set 3 "{\"mother_birth_date\":\"2025-02-30\"}" "field '\''mother_birth_date'\'': '\''2025-02-30'\'' is not a date" &&
	bad_set 3 "{\"mother_birth_date\":\"1990-5-1\"}" "is not a date" &&
	bad_set 3 "{\"phone\":123}" "field '\''phone'\'': must be a string or null" &&
	bad_set 3 "{\"name\":\"\"}" "field '\''name'\'': is empty" &&
	bad_set 3 "{\"name\":\"a\",\"name\":\"b\"}" "not JSON" &&
	bad_set 3 "{\"name\":\"a\\u0001b\"}" "control character"
'

test_expect_success 'set on a case the journal does not have exits 7 and stores nothing' '
	bad_set 7 "{\"name\":\"x\"}" "no case '\''$NOCASE'\''" $NOCASE
'

test_expect_success 'usage errors exit 2' '
	test_must_fail 2 oyako -J j person set </dev/null &&
	test_must_fail 2 oyako -J j person set not-a-uuid </dev/null &&
	test_must_fail 2 oyako -J j person show $C1 $C2 &&
	test_must_fail 2 oyako -J j person find &&
	test_must_fail 2 oyako -J j person frob &&
	test_must_fail 2 oyako -J j person find x --format xml
'

test_expect_success 'import stores every line' '
	printf "%s\n" "{\"case\":\"$C3\",\"name\":\"佐藤 愛\",\"kana\":\"さとう あい\"}" \
	    "{\"case\":\"case:$C2\",\"phone\":\"090-0000-1111\"}" >p.jsonl &&
	oyako -J j person import p.jsonl >out && test_grep "imported person data of 2 lines" out &&
	oyako -J j person show $C3 | grep -q "佐藤 愛" &&
	oyako -J j person show $C2 >out &&
	echo "{\"name\":\"Emma Suzuki\",\"kana\":\"えま すずき\",\"phone\":\"090-0000-1111\"}" >want &&
	test_cmp want out
'

test_expect_success 'import names every bad line (FILE:LINE: field) and stores nothing' '
	printf "%s\n" "{\"case\":\"$C3\",\"name\":\"OK\"}" \
	    "{\"case\":\"$C3\",\"kana\":5}" \
	    "not json" \
	    "{\"name\":\"no case\"}" \
	    "{\"case\":\"$NOCASE\",\"name\":\"x\"}" \
	    "{\"case\":\"$C3\",\"colour\":\"red\"}" \
	    "{\"case\":\"$C3\",\"mother_birth_date\":\"2024-13-01\"}" >bad.jsonl &&
	sum=$(vault_sum) &&
	test_must_fail 3 oyako -J j person import bad.jsonl 2>err &&
	test_grep "bad.jsonl:2: field '\''kana'\'': must be a string or null" err &&
	test_grep "bad.jsonl:3: not JSON" err &&
	test_grep "bad.jsonl:4: field '\''case'\'': missing" err &&
	test_grep "bad.jsonl:5: field '\''case'\'': case '\''$NOCASE'\'' does not exist" err &&
	test_grep "bad.jsonl:6: field '\''colour'\'': unknown field" err &&
	test_grep "bad.jsonl:7: field '\''mother_birth_date'\''" err &&
	test_grep "nothing imported (6 errors in bad.jsonl)" err &&
	! grep -q "bad.jsonl:1:" err &&
	test "$(vault_sum)" = "$sum" &&
	test_must_fail 7 oyako -J j person import missing.jsonl
'

# The provenance keys change with every appended event; the rest may not.
strip() { sed -e 's/,"at_seq":[0-9]*,"head_hash":"[0-9a-f]*"}$/}/'; }

test_expect_success 'caseload --names adds name and kana (null when none) after one person.accessed' '
	oyako -J j caseload --as-of 2025-10-01 --format json | strip >plain &&
	before=$(reads) &&
	oyako -J j caseload --as-of 2025-10-01 --format json --names | strip >named &&
	test $(reads) -eq $((before + 1)) &&
	test_grep "{\"case\":\"$C1\",\"name\":\"山田 花子\",\"kana\":\"やまだ はなこ\",\"district\"" named &&
	test_grep "{\"case\":\"$C2\",\"name\":\"Emma Suzuki\"" named &&
	test_grep "\"name\":null,\"kana\":null" named &&
	sed -e "s/\"name\":[^,]*,\"kana\":[^,]*,//g" named >unnamed && test_cmp plain unnamed &&
	oyako -J j export --type person.accessed | tail -1 >ev &&
	test_grep "\"purpose\":\"caseload --names\"" ev &&
	for c in $(grep -o "\"case\":\"[0-9a-f-]*\"" named | cut -d\" -f4); do
		grep -q "$c" ev || return 1
	done
'

test_expect_success 'caseload without --names records nothing and needs no key' '
	before=$(reads) &&
	(unset OYAKO_KEY_FILE; oyako -J j caseload --as-of 2025-10-01 >/dev/null) &&
	test $(reads) -eq $before
'

test_expect_success 'caseload --names in text, tsv, csv and md has the columns' '
	oyako -J j caseload --as-of 2025-10-01 --names >out && test_grep "山田 花子" out &&
	head -4 out | grep -q "flags *name *kana" &&
	oyako -J j caseload --as-of 2025-10-01 --names --format tsv >out &&
	head -1 out | grep -q "flags	name	kana$" && test_grep "山田 花子	やまだ はなこ" out &&
	oyako -J j caseload --as-of 2025-10-01 --names --format csv >out && test_grep ",山田 花子,やまだ はなこ" out &&
	oyako -J j caseload --as-of 2025-10-01 --names --format md --lang ja >out && test_grep "| 氏名 | かな |" out
'

test_expect_success 'risk --names names the flagged cases, one person.accessed listing them' '
	before=$(reads) &&
	oyako -J j risk --as-of 2025-10-01 --names --format json >out &&
	test $(reads) -eq $((before + 1)) &&
	test_grep "{\"case\":\"$C1\",\"name\":\"山田 花子\",\"kana\":\"やまだ はなこ\",\"flag\"" out &&
	oyako -J j export --type person.accessed | tail -1 >ev &&
	test_grep "\"purpose\":\"risk --names\"" ev &&
	for c in $(grep -o "\"case\":\"[0-9a-f-]*\"" out | cut -d\" -f4 | sort -u); do
		grep -q "$c" ev || return 1
	done &&
	oyako -J j risk --as-of 2025-10-01 --names --format csv >out && head -1 out | grep -q ",name,kana"
'

test_expect_success 'audit --access lists every read: when, who, which cases, why' '
	n=$(reads) &&
	oyako -J j audit --access --format json >out &&
	test $(grep -o "\"seq\":" out | wc -l) -eq $n &&
	test_grep "\"actor\":\"nurse:N07\",\"purpose\":\"home visit call\",\"cases\":[\"$C1\"]" out &&
	test_grep "\"purpose\":\"caseload --names\"" out &&
	oyako -J j audit --access --format csv >out &&
	test $(($(wc -l <out) - 1)) -eq $n &&
	head -1 out | grep -q "seq,recorded,actor,purpose,count,cases" &&
	for f in text tsv md; do
		oyako -J j audit --access --format $f >out && test_grep "home visit call" out || return 1
	done &&
	oyako -J j audit --access --format text --lang ja >out && test_grep "閲覧者" out
'

test_expect_success 'audit --access: --from-seq/--to-seq and --fy select' '
	first=$(oyako -J j export --type person.accessed | head -1 | grep -o "\"seq\":[0-9]*" | cut -d: -f2) &&
	oyako -J j audit --access --from-seq $first --to-seq $first --format json >out &&
	test $(grep -o "\"seq\":" out | wc -l) -eq 1 &&
	fy=$(TZ=Asia/Tokyo date +%Y) && m=$(TZ=Asia/Tokyo date +%m) &&
	if [ "$m" -lt 4 ]; then fy=$((fy - 1)); fi &&
	oyako -J j audit --access --fy $fy --format json >out && test_grep "\"fiscal_year\":$fy" out &&
	test $(grep -o "\"seq\":" out | wc -l) -eq $(reads) &&
	oyako -J j audit --access --fy 2020 --format json >out && test_grep "\"accesses\":[]" out
'

test_done
