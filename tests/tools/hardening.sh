# tests/tools/hardening.sh: what the reliability_* end-to-end scripts share.
# Sourced after tests/e2e/lib.sh (it uses $TOP, $OYAKO_BIN and _n).
#
# QUICK=1 makes the heavy tests (kills, sweeps, big inputs) smaller: it is
# set in the sanitizer pass of `make check` ($OYAKO_BIN under build-san, where
# everything runs 3-10 times slower), or by OYAKO_QUICK=1.  The normal pass
# runs them in full.

JTAMPER=$TOP/build/tests/tools/jtamper
VTAMPER=$TOP/build/tests/tools/vtamper
FAILSO=$TOP/build/tests/faults/fail.so
if [ "${OYAKO_QUICK:-0}" = 1 ]; then
	QUICK=1
else
	case $OYAKO_BIN in
	*build-san*) QUICK=1 ;;
	*) QUICK=0 ;;
	esac
fi

# test_skip REASON: a TAP line for a test that cannot run here.
test_skip() {
	_n=$((_n + 1))
	echo "ok $_n - # SKIP $1"
}

# head_seq DIR: the journal's head seq (from `oyako stats`).
head_seq() {
	oyako -J "$1" stats | sed -n 's/^head seq  *//p'
}

# check_gapless FILE N: FILE (an export) holds exactly seq 1..N in order.
check_gapless() {
	awk -v n="$2" '
		{ if (match($0, /^\{"seq":[0-9]+,/) == 0) { print "line " NR ": no seq"; exit 1 }
		  s = substr($0, 8, RLENGTH - 8) + 0
		  if (s != NR) { print "line " NR " holds seq " s; exit 1 } }
		END { if (NR != n) { print NR " events, want " n; exit 1 } }' "$1"
}

# hex TEXT: TEXT in lowercase hex, for jtamper's keys.
hex() {
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n'
}
