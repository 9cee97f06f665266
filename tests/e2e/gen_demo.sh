#!/bin/sh
# make demo (scripts/demo.sh): a journal, one FY imported, the projections, verify.
. "$(dirname "$0")/lib.sh"

test_expect_success 'the demo prints the tables, caseloads, flags and the verify line' '
	TMPDIR=$TMP LANG=C LC_ALL= sh "$TOP/scripts/demo.sh" >demo.out 2>&1 &&
	test_grep "a new journal in $TMP/oyako-demo." demo.out &&
	test_grep "imported" demo.out &&
	test_grep "Handbook meetings: 12 held" demo.out &&
	test_grep "unassigned" demo.out &&
	for flag in support-needed not-shared no-8month-interview birth-not-recorded \
	    no-happybaby missed-checkup no-contact no-coordinator; do
		grep -q "^  $flag  *[1-9]" demo.out || return 1
	done &&
	test_grep "imported person data of" demo.out &&
	test "$(ls "$TMP"/oyako-demo.*/journal | grep -c key)" -eq 1 &&
	ls "$TMP"/oyako-demo.*/demo.key >/dev/null &&
	grep -q "^  [0-9a-f-]\{36\}  [a-z]*  *[^ ].* (.*)$" demo.out &&
	grep -q "^  [0-9]*  [0-9T:.-]*Z  [^ ]*  demo  [0-9]*$" demo.out &&
	grep -q "^verified [0-9]* events, head seq [0-9]*, head hash [0-9a-f]\{64\}" demo.out &&
	test_grep "Try next" demo.out
'

test_expect_success 'the demo says which projection tools are missing and goes on' '
	mkdir partial &&
	ln -s "$OYAKO_BIN/oyako" "$OYAKO_BIN/oyako-gen" partial/ &&
	OYAKO_BIN=$TMP/partial TMPDIR=$TMP sh "$TOP/scripts/demo.sh" >partial.out 2>&1 &&
	test_grep "(oyako-annual is not built" partial.out &&
	test_grep "(oyako-risk is not built" partial.out &&
	test_grep "(oyako-caseload is not built" partial.out &&
	test_grep "verified" partial.out
'

test_expect_success 'without oyako-gen the demo stops with an error' '
	mkdir none &&
	ln -s "$OYAKO_BIN/oyako" none/ &&
	! OYAKO_BIN=$TMP/none TMPDIR=$TMP sh "$TOP/scripts/demo.sh" >none.out 2>&1 &&
	test_grep "demo: error: oyako and oyako-gen are not built" none.out
'

test_expect_success 'with its output in a file the demo does not start the server' '
	test_grep "Try next" demo.out &&
	! grep -q "oyako serve" demo.out &&
	! grep -q "password" demo.out
'

# At a terminal (script(1) gives it one) the demo ends with the pages: a
# key, person data, three accounts with their passwords, and the server in
# the foreground until it is stopped.
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
OYAKO_DEMO_LISTEN=127.0.0.1:$port TMPDIR=$TMP LANG=C LC_ALL= \
    script -qfec "sh '$TOP/scripts/demo.sh'" "$TMP/tty.out" >/dev/null 2>&1 </dev/null &
tty_pid=$!
_i=0
while ! grep -q "^listening on " "$TMP/tty.out" 2>/dev/null && [ $_i -lt 1200 ] && kill -0 $tty_pid 2>/dev/null; do
	sleep 0.1
	_i=$((_i + 1))
done
test_expect_success 'at a terminal the demo prints the accounts and serves the pages' '
	tr -d "\r" <tty.out >tty.txt &&
	test_grep "Open http://127.0.0.1:$port/ in a browser" tty.txt &&
	test_grep "listening on http://127.0.0.1:$port" tty.txt &&
	pw=$(sed -n "s/^  coord:C01  password \([0-9a-f]*\) .*/\1/p" tty.txt) &&
	test ${#pw} = 12 &&
	curl -s -c jar -b jar "http://127.0.0.1:$port/login" >login.html &&
	tok=$(sed -n "s/.*name=\"csrf\" value=\"\([0-9a-f]*\)\".*/\1/p" login.html) &&
	curl -s -o /dev/null -c jar -b jar --data-urlencode "csrf=$tok" --data-urlencode name=coord:C01 \
	    --data-urlencode "password=$pw" "http://127.0.0.1:$port/login" &&
	curl -s -b jar -H "Accept-Language: en" "http://127.0.0.1:$port/" >day.html &&
	test_grep "<table id=\"myday\">" day.html &&
	test_grep "data-case=" day.html &&
	! grep -q "class=\"muted\">case " day.html
'
# The server is the child of script(1): a SIGTERM ends it, and the demo.
srv=$(ps -o pid= --ppid $tty_pid 2>/dev/null | tr -d " ")
[ -n "$srv" ] && kill -TERM $srv 2>/dev/null
wait $tty_pid 2>/dev/null

test_done
