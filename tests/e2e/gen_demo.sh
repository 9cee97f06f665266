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

test_done
