#!/bin/sh
# A read-only copy of a journal (backup media) exports byte-identically and
# verifies: a copy with its files made read-only, a copy without lock.mdb in
# a read-only directory, and the same on a read-only mount.  Tests may run
# as root, whom chmod does not stop: the read-only mount (a bind mount in a
# private mount namespace, unshare -m) is the real read-only medium there.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/tools/hardening.sh"

# same_as_original DIR: export, verify and show of DIR match the original's.
same_as_original() {
	oyako -J "$1" export >exp.ro &&
	test_cmp exp exp.ro &&
	oyako -J "$1" verify >ver.ro &&
	test_cmp ver ver.ro &&
	oyako -J "$1" show room:kokinu >show.ro &&
	test_cmp show show.ro &&
	oyako -J "$1" stats >/dev/null
}

test_expect_success 'setup: a journal, its export and verify output' '
	oyako -J j init && oyako -J j import "$FIXTURES/small.jsonl" &&
	oyako -J j export >exp && oyako -J j verify >ver &&
	oyako -J j show room:kokinu >show &&
	test $(wc -l <exp) -eq 27
'

test_expect_success 'a copy made read-only with chmod exports identically and verifies' '
	cp -a j ro1 && chmod -R a-w ro1 &&
	same_as_original ro1
'

test_expect_success 'a copy without lock.mdb in a read-only directory exports identically and verifies' '
	mkdir ro2 && cp -a j/data.mdb ro2/ && chmod -R a-w ro2 &&
	same_as_original ro2
'

if [ "$(id -u)" != 0 ]; then
	test_expect_success 'a write into the read-only copy fails with exit 6 and changes nothing' '
		test_must_fail 6 oyako -J ro2 import "$FIXTURES/small.jsonl" &&
		test ! -e ro2/lock.mdb
	'
fi

# rofs CMD: runs the shell command CMD with ./media mounted read-only.
rofs() {
	unshare -m sh -c 'mount --bind media media && mount -o remount,ro,bind media media && '"$1"
}

mkdir media
if rofs true 2>/dev/null; then
	test_expect_success 'on a read-only mount, a copy with lock.mdb exports identically and verifies' '
		cp -a j/data.mdb j/lock.mdb media/ &&
		rofs "oyako -J media export >exp.ro && oyako -J media verify >ver.ro" &&
		test_cmp exp exp.ro && test_cmp ver ver.ro
	'
	test_expect_success 'on a read-only mount, a copy without lock.mdb exports identically and verifies' '
		rm -f media/lock.mdb &&
		rofs "oyako -J media export >exp.ro && oyako -J media verify >ver.ro && oyako -J media show room:kokinu >show.ro" &&
		test_cmp exp exp.ro && test_cmp ver ver.ro && test_cmp show show.ro &&
		test ! -e media/lock.mdb
	'
	test_expect_success 'on a read-only mount, an import fails with exit 6 and stores nothing' '
		rofs "oyako -J media import \"$FIXTURES/small.jsonl\"; echo \$? >rc" 2>err;
		test "$(cat rc)" = 6 && test_grep "oyako: error: " err &&
		test_cmp j/data.mdb media/data.mdb
	'
else
	test_skip 'read-only mount: unshare -m and mount --bind are not permitted here'
fi

test_done
