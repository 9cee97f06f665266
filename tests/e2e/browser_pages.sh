#!/bin/sh
# The staff pages in headless Chromium (Debian's chromium, chromium-driver
# and python3-selenium): a coordinator records a happy baby visit through
# the form and sees it in the history and the flag gone from her day; a bad
# date is refused at its field with nothing stored; an auditor sees no
# names; the annual page's numbers are those of `oyako annual --format
# json`.  Screenshots of each page go to $OYAKO_ARTIFACTS/browser_pages (kept)
# or the test's temporary folder.  The steps are in browser_pages.py.
#
# Skips (a TAP "ok # skip" line) only when Chromium itself is not
# installed; .ci/run installs it (scripts/deps.sh), so in CI it runs.
. "$(dirname "$0")/lib.sh"

if [ ! -x /usr/bin/chromium ]; then
	echo "ok 1 # skip chromium is not installed (/usr/bin/chromium)"
	echo "1..1"
	exit 0
fi

. "$TOP/tests/e2e/pages.inc"

NAME=山田花子 KANA=やまだはなこ
SHOTS=${OYAKO_ARTIFACTS:+$OYAKO_ARTIFACTS/browser_pages}
SHOTS=${SHOTS:-$TMP/shots}
mkdir -p "$SHOTS"

test_expect_success 'setup: a city, accounts, a key, the person data of case A' '
	pages_journal && pages_accounts &&
	oyako key init "$TMP/key" &&
	echo "{\"name\":\"$NAME\",\"kana\":\"$KANA\"}" |
	    oyako person set -J "$TMP/j" --key-file "$TMP/key" $CASE_A
'

OYAKO_KEY_FILE=$TMP/key serve_start >"$TMP/setup.out" 2>&1
test_expect_success 'setup: the server' '
	test -n "$URL" || { cat setup.out; false; }
'

# The browser's steps, each its own TAP line.
URL=$URL CASE_A=$CASE_A NAME=$NAME KANA=$KANA J=$TMP/j SHOTS=$SHOTS TMP=$TMP \
    /usr/bin/python3 "$TOP/tests/e2e/browser_pages.py"
rc=$?
[ $rc -eq 0 ] || _failed=$((_failed + 1))

test_expect_success 'the server stops cleanly' '
	serve_stop
'
test_done
