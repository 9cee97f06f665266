#!/bin/sh
# oyako import: every bad-input class names file, line and field, exits with
# its documented code and stores nothing; reimport is idempotent; restore.
. "$(dirname "$0")/lib.sh"

CASE_A=case:c1a5e000-0000-4000-8000-00000000000a
GOOD='{"type":"room.visited","stream":"'$CASE_A'","occurred":"2025-12-21","actor":"coord:C01","data":{"room":"kokinu"}}'

test_expect_success 'setup: a journal holding the small fixture' '
	oyako -J j init &&
	oyako -J j import "$FIXTURES/small.jsonl" 2>err &&
	test_grep "imported 27 events (0 already stored), seq 1..27" err &&
	oyako -J j export >before &&
	test $(wc -l <before) -eq 27
'

# bad_line CODE WHAT LINE: a good line then LINE; the import must fail with
# CODE, name in.jsonl:2 and WHAT, and leave the export as it was.
bad_line() {
	printf '%s\n%s\n' "$GOOD" "$3" >in.jsonl &&
	test_must_fail "$1" oyako -J j import in.jsonl 2>err &&
	test_grep "oyako: error: in.jsonl:2: $2" err &&
	test_grep "oyako: nothing imported (1 error in 1 file)" err &&
	oyako -J j export >after &&
	test_cmp before after
}

test_expect_success 'invalid JSON' '
	bad_line 3 "invalid JSON at column" "{\"type\":"
'
test_expect_success 'a line that is not an object' '
	bad_line 3 "the line is an array, not a JSON object" "[1,2]"
'
test_expect_success 'a duplicate key' '
	bad_line 3 "invalid JSON at column 18: duplicate object key" "{\"type\":\"a\",\"type\":\"b\"}"
'
test_expect_success 'an unknown top-level key' '
	bad_line 3 "field '\''colour'\'': unknown key" "{\"colour\":1}"
'
test_expect_success 'a missing type' '
	bad_line 3 "field '\''type'\'': missing" "{\"stream\":\"room:x\",\"occurred\":\"2025-04-01\",\"actor\":\"a\"}"
'
test_expect_success 'a missing actor' '
	bad_line 3 "field '\''actor'\'': missing" "{\"type\":\"room.closed\",\"stream\":\"room:bloom\",\"occurred\":\"2025-04-01\"}"
'
test_expect_success 'a string field of the wrong type' '
	bad_line 3 "field '\''stream'\'': must be a string" "{\"type\":\"room.closed\",\"stream\":5,\"occurred\":\"2025-04-01\",\"actor\":\"a\"}"
'
test_expect_success 'an id that is not a uuid' '
	bad_line 3 "field '\''id'\'': '\''nope'\'' is not a uuid" "{\"id\":\"nope\",\"type\":\"room.closed\",\"stream\":\"room:bloom\",\"occurred\":\"2025-04-01\",\"actor\":\"a\"}"
'
test_expect_success 'data that is not an object' '
	bad_line 3 "field '\''data'\'': must be an object" "{\"type\":\"room.closed\",\"stream\":\"room:bloom\",\"occurred\":\"2025-04-01\",\"actor\":\"a\",\"data\":[]}"
'
test_expect_success 'a float in data' '
	bad_line 3 "field '\''data.children'\'': 1.5 is not an integer" "{\"type\":\"birth.registered\",\"stream\":\"$CASE_A\",\"occurred\":\"2025-09-18\",\"actor\":\"a\",\"data\":{\"birth_date\":\"2025-09-18\",\"children\":1.5}}"
'
test_expect_success 'a negative expected_version' '
	bad_line 3 "field '\''expected_version'\'': must be an integer" "{\"type\":\"room.closed\",\"stream\":\"room:bloom\",\"occurred\":\"2025-04-01\",\"actor\":\"a\",\"expected_version\":-1}"
'
test_expect_success 'an unknown event type' '
	bad_line 3 "field '\''type'\''" "{\"type\":\"room.painted\",\"stream\":\"room:bloom\",\"occurred\":\"2025-04-01\",\"actor\":\"a\"}"
'
test_expect_success 'a date that does not exist' '
	bad_line 3 "field '\''data.due_date'\'': '\''2025-02-30'\'' is not a date" "{\"type\":\"handbook.issued\",\"stream\":\"case:c1a5e000-0000-4000-8000-0000000000dd\",\"occurred\":\"2025-04-03\",\"actor\":\"a\",\"data\":{\"district\":\"x\",\"due_date\":\"2025-02-30\",\"support_needed\":true}}"
'
test_expect_success 'an occurred date later than today' '
	bad_line 3 "field '\''occurred'\''" "{\"type\":\"room.closed\",\"stream\":\"room:bloom\",\"occurred\":\"2099-01-01\",\"actor\":\"a\"}"
'
test_expect_success 'a stream of the wrong kind' '
	bad_line 3 "field '\''stream'\''" "{\"type\":\"room.closed\",\"stream\":\"staff:C01\",\"occurred\":\"2025-04-01\",\"actor\":\"a\"}"
'
test_expect_success 'a data field the type does not have' '
	bad_line 3 "field '\''data.colour'\''" "{\"type\":\"room.visited\",\"stream\":\"$CASE_A\",\"occurred\":\"2025-04-01\",\"actor\":\"a\",\"data\":{\"room\":\"kokinu\",\"colour\":\"red\"}}"
'
test_expect_success 'a value outside its enum' '
	bad_line 3 "field '\''data.mode'\''" "{\"type\":\"interview.8month\",\"stream\":\"$CASE_A\",\"occurred\":\"2025-07-01\",\"actor\":\"a\",\"data\":{\"mode\":\"phone\"}}"
'
test_expect_success 'a room that was never opened' '
	bad_line 3 "field '\''data.room'\''" "{\"type\":\"room.visited\",\"stream\":\"$CASE_A\",\"occurred\":\"2025-07-01\",\"actor\":\"a\",\"data\":{\"room\":\"runrun\"}}"
'
test_expect_success 'a case event before its handbook.issued' '
	bad_line 3 "field '\''stream'\'': case" "{\"type\":\"room.visited\",\"stream\":\"case:c1a5e000-0000-4000-8000-0000000000ee\",\"occurred\":\"2025-07-01\",\"actor\":\"a\",\"data\":{\"room\":\"kokinu\"}}"
'
test_expect_success 'an expected_version that does not match: conflict' '
	bad_line 4 "field '\''expected_version'\''" "{\"type\":\"room.closed\",\"stream\":\"room:kokinu\",\"occurred\":\"2025-04-01\",\"actor\":\"a\",\"expected_version\":0}"
'
test_expect_success 'a stored id with other content: conflict' '
	bad_line 4 "field" "{\"id\":\"e0000000-0000-4000-8000-000000000001\",\"type\":\"room.opened\",\"stream\":\"room:kokinu\",\"occurred\":\"2025-04-01\",\"actor\":\"admin:A01\",\"data\":{\"name\":\"other\"}}"
'

test_expect_success 'a line longer than 16 MiB is an error of that line' '
	{ printf "%s\n" "$GOOD"; printf "{\"x\":\""; head -c 17000000 /dev/zero | tr "\0" a; printf "\"}\n"; printf "%s\n" "$GOOD"; } >long.jsonl &&
	test_must_fail 3 oyako -J j import long.jsonl 2>err &&
	test_grep "long.jsonl:2: line longer than" err &&
	test_grep "(1 error in 1 file)" err &&
	oyako -J j export >after && test_cmp before after
'

test_expect_success 'every error of every file is reported, then nothing is stored' '
	printf "%s\n" "$GOOD" "{\"colour\":1}" "" "nope" >a.jsonl &&
	printf "%s\n" "{\"type\":1}" "$GOOD" >b.jsonl &&
	test_must_fail 3 oyako -J j import a.jsonl b.jsonl 2>err &&
	test_grep "a.jsonl:2: field '\''colour'\''" err &&
	test_grep "a.jsonl:4: invalid JSON" err &&
	test_grep "b.jsonl:1: field '\''type'\''" err &&
	test_grep "oyako: nothing imported (3 errors in 2 files)" err &&
	oyako -J j export >after && test_cmp before after
'

test_expect_success 'errors of decoding and of storing come out in line order' '
	c="{\"type\":\"room.closed\",\"stream\":\"room:kokinu\",\"occurred\":\"2025-04-01\",\"actor\":\"a\",\"expected_version\":0}" &&
	v="{\"type\":\"room.opened\",\"stream\":\"room:x\",\"occurred\":\"2025-02-30\",\"actor\":\"a\",\"data\":{\"name\":\"x\"}}" &&
	printf "%s\n" "$GOOD" "$c" "nope" "$v" "{}" "$c" >o.jsonl &&
	test_must_fail 3 oyako -J j import o.jsonl 2>err &&
	sed -n "s/^oyako: error: o.jsonl:\([0-9]*\):.*/\1/p" err >lines &&
	printf "%s\n" 2 3 4 5 6 >want &&
	test_cmp want lines &&
	oyako -J j export >after && test_cmp before after
'

test_expect_success 'conflicts alone exit 4, mixed with bad input 3' '
	c="{\"type\":\"room.closed\",\"stream\":\"room:kokinu\",\"occurred\":\"2025-04-01\",\"actor\":\"a\",\"expected_version\":0}" &&
	printf "%s\n" "$c" "$c" >c.jsonl &&
	test_must_fail 4 oyako -J j import c.jsonl 2>err &&
	test_grep "(2 errors in 1 file)" err &&
	printf "%s\n" "$c" "{}" >d.jsonl &&
	test_must_fail 3 oyako -J j import d.jsonl &&
	oyako -J j export >after && test_cmp before after
'

test_expect_success 'an event may rely on one earlier in the same import' '
	oyako -J k init &&
	head -3 "$FIXTURES/small.jsonl" | tail -2 >later.jsonl &&
	head -1 "$FIXTURES/small.jsonl" >first.jsonl &&
	oyako -J k import first.jsonl later.jsonl 2>err &&
	test_grep "imported 3 events (0 already stored), seq 1..3" err
'

test_expect_success 'reimporting the same file stores nothing and succeeds' '
	oyako -J j import "$FIXTURES/small.jsonl" 2>err &&
	test_grep "imported 0 events (27 already stored)" err &&
	oyako -J j export >after && test_cmp before after
'

test_expect_success 'an export imported again (without --restore) is idempotent too' '
	oyako -J j import before 2>err &&
	test_grep "imported 0 events (27 already stored)" err
'

test_expect_success 'blank lines are skipped and counted for line numbers' '
	printf "\n  \n%s\n\n{}\n" "$GOOD" >blank.jsonl &&
	test_must_fail 3 oyako -J j import blank.jsonl 2>err &&
	test_grep "blank.jsonl:5: field '\''type'\'': missing" err
'

test_expect_success 'import from standard input' '
	printf "%s\n" "$GOOD" | oyako -J j import - 2>err &&
	test_grep "imported 1 events (0 already stored), seq 28..28" err &&
	oyako -J j export >before
'

test_expect_success 'errors on standard input are named <stdin>' '
	printf "%s\n" "{}" | test_must_fail 3 oyako -J j import - 2>err &&
	test_grep "<stdin>:1: field '\''type'\'': missing" err
'

test_expect_success 'standard input given twice is a usage error' '
	test_must_fail 2 oyako -J j import - - </dev/null
'

test_expect_success '--dry-run checks everything and stores nothing' '
	printf "%s\n" "$GOOD" >one.jsonl &&
	oyako -J j import --dry-run one.jsonl 2>err &&
	test_grep "checked 1 events: no errors (1 new, 0 already stored); nothing stored (dry run)" err &&
	oyako -J j export >after && test_cmp before after &&
	printf "%s\n" "{}" >bad.jsonl &&
	test_must_fail 3 oyako -J j import --dry-run bad.jsonl
'

test_expect_success 'export, then import --restore into an empty journal: identical' '
	oyako -J r init &&
	oyako -J r import --restore before 2>err &&
	test_grep "restored 28 events, head seq 28" err &&
	oyako -J r export >restored &&
	test_cmp before restored &&
	oyako -J j verify >v1 && oyako -J r verify >v2 && test_cmp v1 v2
'

test_expect_success '--restore into a journal that holds events: exit 2' '
	test_must_fail 2 oyako -J r import --restore before 2>err &&
	test_grep "needs an empty journal" err
'

test_expect_success '--restore of a tampered export: exit 5, nothing stored' '
	sed "3s/\"name\":\"BLOOM\"/\"name\":\"BL00M\"/" before >tampered &&
	! cmp -s before tampered &&
	oyako -J t init &&
	test_must_fail 5 oyako -J t import --restore tampered 2>err &&
	test_grep "tampered:3:" err &&
	oyako -J t export >empty && test ! -s empty
'

test_expect_success '--restore needs the export keys' '
	oyako -J u init &&
	printf "%s\n" "$GOOD" >plain.jsonl &&
	test_must_fail 3 oyako -J u import --restore plain.jsonl 2>err &&
	test_grep "plain.jsonl:1: field '\''id'\'': missing" err
'

test_expect_success 'usage errors' '
	test_must_fail 2 oyako -J j import &&
	test_must_fail 2 oyako -J j import --bogus x &&
	oyako import --help >out && test_grep "usage: oyako import" out
'

test_expect_success 'a missing input file or a directory: exit 6' '
	test_must_fail 6 oyako -J j import nosuch.jsonl 2>err &&
	test_grep "cannot open '\''nosuch.jsonl'\''" err &&
	test_must_fail 6 oyako -J j import j
'

test_expect_success 'no journal: exit 7' '
	test_must_fail 7 oyako -J nowhere import one.jsonl
'

test_done
