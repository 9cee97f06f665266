#!/bin/sh
# oyako's git-style dispatch, global options and the journal path.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: an oyako-hello program on PATH' '
	mkdir bin &&
	cat >bin/oyako-hello <<-\EOS &&
	#!/bin/sh
	echo "hello journal=${OYAKO_JOURNAL-unset} args=$*"
	EOS
	chmod +x bin/oyako-hello
'

test_expect_success 'an unknown command runs oyako-CMD with the remaining arguments' '
	PATH="$TMP/bin:$PATH" oyako hello a "b c" >out &&
	echo "hello journal=unset args=a b c" >want && test_cmp want out
'

test_expect_success '-J before the command reaches the program as OYAKO_JOURNAL' '
	PATH="$TMP/bin:$PATH" oyako -J /some/dir hello x >out &&
	echo "hello journal=/some/dir args=x" >want && test_cmp want out &&
	PATH="$TMP/bin:$PATH" oyako --journal=/d2 hello >out &&
	echo "hello journal=/d2 args=" >want && test_cmp want out
'

test_expect_success '-J after the command is passed along as is' '
	PATH="$TMP/bin:$PATH" oyako hello -J /x >out &&
	echo "hello journal=unset args=-J /x" >want && test_cmp want out
'

test_expect_success 'no such command: exit 7 with a clear message' '
	test_must_fail 7 oyako frobnicate 2>err &&
	test_grep "'\''frobnicate'\'' is not an oyako command" err &&
	test_grep "oyako-frobnicate" err &&
	test_must_fail 7 oyako ../etc/passwd
'

test_expect_success 'a program next to oyako is found without PATH' '
	mkdir side && cp "$OYAKO_BIN/oyako" side/ && cp bin/oyako-hello side/ &&
	PATH=/usr/bin:/bin side/oyako hello z >out &&
	echo "hello journal=unset args=z" >want && test_cmp want out
'

test_expect_success '--help lists the built-ins and the oyako-* programs found' '
	PATH="$TMP/bin:$PATH" oyako --help >out &&
	for c in init append import export show verify stats; do
		grep -q "^  $c " out || return 1
	done &&
	grep -q "^  hello$" out &&
	PATH="$TMP/bin:$PATH" oyako help >out2 && test_cmp out out2
'

test_expect_success 'usage errors of oyako itself: exit 2' '
	test_must_fail 2 oyako 2>err && test_grep "usage: oyako" err &&
	test_must_fail 2 oyako --bogus init &&
	test_must_fail 2 oyako -J
'

test_expect_success '-J before and after the command' '
	oyako -J before init && test -d before &&
	oyako init -J after && test -d after &&
	oyako -Jglued init && test -d glued &&
	oyako --journal long init && test -d long &&
	oyako -J ignored init -J wins && test -d wins && test ! -d ignored
'

test_expect_success '$OYAKO_JOURNAL, and -J over it' '
	OYAKO_JOURNAL=envj oyako init && test -d envj &&
	OYAKO_JOURNAL=envj oyako import "$FIXTURES/small.jsonl" 2>/dev/null &&
	OYAKO_JOURNAL=envj oyako export >a && test $(wc -l <a) -eq 27 &&
	OYAKO_JOURNAL=envj oyako -J before export >b && test ! -s b
'

test_expect_success 'the default journal is ./oyako-journal' '
	oyako init && test -d oyako-journal &&
	oyako stats >out && test_grep "journal         ./oyako-journal" out
'

test_expect_success 'every built-in has --help on stdout, exit 0' '
	for c in init append import export show verify stats; do
		oyako $c --help >out 2>err && test -s out && test ! -s err &&
		grep -q "^usage: oyako $c" out || return 1
	done
'

test_expect_success 'every built-in rejects an unknown option with exit 2' '
	for c in init append import export show verify stats; do
		test_must_fail 2 oyako $c --bogus 2>err </dev/null &&
		grep -q "^usage: oyako $c" err || return 1
	done
'

test_done
