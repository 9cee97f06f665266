#!/bin/sh
# The short crash loop of `make check` (issue 6 part 4): a few rounds of
# tests/soak.sh, which kills an import and three appending writers with
# SIGKILL at a random instant and checks after each kill that the journal
# verifies, every acknowledged append is stored, and the import is stored
# whole or not at all.  `make soak` runs the long loop.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/tools/hardening.sh"

rounds=6 births=1500
if [ "$QUICK" = 1 ]; then rounds=2 births=300; fi

test_expect_success "$rounds rounds of kill -9 during an import and concurrent appends" '
	TMPDIR=$TMP SOAK_BIRTHS=$births sh "$TOP/tests/soak.sh" $rounds >soak.out 2>&1 &&
	tail -1 soak.out &&
	test_grep "soak: $rounds kills survived" soak.out &&
	test_grep "never half" soak.out &&
	tail -1 soak.out >figures
'
[ -f figures ] && sed "s/^/# /" figures

test_expect_success 'the crash loop catches a lost acknowledged append (self-check)' '
	# A fake oyako that acknowledges appends without storing them.
	mkdir fake && cat >fake/oyako <<-\EOS &&
	#!/bin/sh
	for a in "$@"; do [ "$a" = append ] && { echo 999999; exit 0; }; done
	exec "$OYAKO_REAL/oyako" "$@"
	EOS
	chmod +x fake/oyako && ln -s "$OYAKO_BIN/oyako-gen" fake/oyako-gen &&
	TMPDIR=$TMP OYAKO_REAL=$OYAKO_BIN OYAKO_BIN=$TMP/fake SOAK_BIRTHS=100 SOAK_MIN_MS=300 sh "$TOP/tests/soak.sh" 1 >soak.out 2>&1;
	test $? = 1 && test_grep "acknowledged seq 999999" soak.out
'

test_done
