#!/bin/sh
# oyako init: a journal appears whole or not at all.
. "$(dirname "$0")/lib.sh"

test_expect_success 'init creates a 0700 directory with 0600 files' '
	oyako -J j init &&
	test "$(stat -c %a j)" = 700 &&
	test "$(stat -c %a j/data.mdb)" = 600 &&
	! ls -d j.init-* 2>/dev/null
'

test_expect_success 'init in an empty directory made beforehand' '
	mkdir pre && oyako -J pre/ init && oyako -J pre verify
'

test_expect_success 'init over a non-empty directory fails and leaves it alone' '
	mkdir busy && echo keep >busy/notes &&
	test_must_fail 6 oyako -J busy init 2>err &&
	test_grep "not empty" err &&
	ls busy >left && echo notes >want && test_cmp want left &&
	! ls -d busy.init-* 2>/dev/null
'

test_expect_success 'a reader racing init sees no journal or a whole one, never a corrupt one' '
	i=0 && bad=0 &&
	while [ $i -lt 20 ]; do
		rm -rf r &&
		( oyako -J r init >/dev/null 2>&1 & ) &&
		k=0 &&
		while [ $k -lt 30 ]; do
			oyako -J r stats >/dev/null 2>&1; rc=$?
			case $rc in 0|7) ;; *) bad=$((bad + 1)); echo "stats exited $rc" ;; esac
			k=$((k + 1))
		done
		i=$((i + 1))
	done &&
	test $bad -eq 0
'

test_done
