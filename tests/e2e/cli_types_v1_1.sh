#!/bin/sh
# The event types added with the server and the vault: case.forgotten,
# person.accessed, staff.account_changed (specs/events.md).
. "$(dirname "$0")/lib.sh"

C=0b6f0000-1111-4222-8333-444455556666
N=0b6f0000-1111-4222-8333-999999999999

app() { oyako -J j append --actor nurse:N01 --occurred 2025-05-01 "$@"; }

test_expect_success 'setup: a room and a case' '
	oyako -J j init >/dev/null &&
	app --type room.opened --stream room:kokinu --data "{\"name\":\"小絹\"}" >/dev/null &&
	app --type handbook.issued --stream case:$C \
	    --data "{\"district\":\"A\",\"due_date\":\"2025-10-01\",\"support_needed\":false}" >/dev/null
'

test_expect_success 'staff.account_changed in a staff stream named by an account' '
	app --type staff.account_changed --stream staff:nurse:N07 \
	    --data "{\"role\":\"nurse\",\"change\":\"added\"}" >out &&
	echo 3 >want && test_cmp want out
'

test_expect_success 'staff.account_changed: a role outside the list is refused' '
	test_must_fail 3 app --type staff.account_changed --stream staff:x \
	    --data "{\"role\":\"root\",\"change\":\"added\"}" 2>err &&
	test_grep "data.role" err
'

test_expect_success 'a staff name with a space is refused' '
	test_must_fail 3 app --type staff.account_changed --stream "staff:a b" \
	    --data "{\"role\":\"nurse\",\"change\":\"added\"}" 2>err &&
	test_grep "field '\''stream'\''" err
'

test_expect_success 'person.accessed in an access: stream, cases must exist' '
	app --type person.accessed --stream access:nurse:N01 \
	    --data "{\"cases\":[\"$C\"],\"purpose\":\"person show\"}" >out &&
	echo 4 >want && test_cmp want out &&
	test_must_fail 3 app --type person.accessed --stream access:nurse:N01 \
	    --data "{\"cases\":[\"$N\"],\"purpose\":\"x\"}" 2>err &&
	test_grep "does not exist" err
'

test_expect_success 'person.accessed outside an access: stream is refused' '
	test_must_fail 3 app --type person.accessed --stream case:$C \
	    --data "{\"cases\":[],\"purpose\":\"x\"}" 2>err &&
	test_grep "access:" err
'

test_expect_success 'case.forgotten needs an existing case' '
	test_must_fail 3 app --type case.forgotten --stream case:$N --data "{\"reason\":\"asked\"}" 2>err &&
	test_grep "does not exist" err &&
	app --type case.forgotten --stream case:$C --data "{\"reason\":\"asked\"}" >out &&
	echo 5 >want && test_cmp want out
'

test_expect_success 'the trail cannot be retracted' '
	for s in 3 4 5; do
		id=$(oyako -J j export --after-seq $((s - 1)) | head -1 | sed "s/.*\"id\":\"\([^\"]*\)\".*/\1/")
		st=$(oyako -J j export --after-seq $((s - 1)) | head -1 | sed "s/.*\"stream\":\"\([^\"]*\)\".*/\1/")
		test_must_fail 3 app --type event.retracted --stream "$st" \
		    --data "{\"target\":\"$id\",\"reason\":\"hide\"}" 2>err || return 1
		grep -q "cannot be retracted" err || return 1
	done
'

test_expect_success 'projections ignore the new types; verify passes' '
	oyako -J j verify >out && test_grep "verified 5 events" out &&
	oyako -J j caseload --as-of 2025-06-01 --format json >cl &&
	test_grep "$C" cl
'

test_done
