#!/bin/sh
# make bench, tiny: bench/run.sh end to end on a 2000-event set, one run of
# each step, and its helpers' error paths.  No figure is checked (speed is
# never a test here): the table must have every row, and the SQL of the
# projection steps must agree with oyako.
. "$(dirname "$0")/lib.sh"

case $OYAKO_BIN in
*build-san*) echo "ok 1 - # SKIP the benchmark runs in the normal pass"; echo "1..1"; exit 0 ;;
esac
BB=$TOP/build/bench

test_expect_success 'bench/run.sh prints every row of the table' '
	BENCH_EVENTS_SMALL=2000 BENCH_EVENTS_MEDIUM=0 BENCH_RUNS=1 BENCH_APPENDS=3 \
	    BENCH_VAULT_OPEN=60 BENCH_VAULT_FIND=60 \
	    BENCH_DIR="$TMP/data" BENCH_RESULTS="$TMP/results.md" \
	    sh "$TOP/bench/run.sh" >table 2>log &&
	for step in import export verify annual risk caseload; do
		grep -E "^\| $step +\| +[0-9]+ \| +[0-9.]+ ms" table || return 1
	done &&
	for step in import risk caseload; do
		grep -E "^\| $step --jobs 1 +\| +[0-9]+ \| +[0-9.]+ ms" table || return 1
	done &&
	test_grep "| fdatasync 4 KiB (disk limit) |" table &&
	test_grep "| append, library (jn_append1) |" table &&
	test_grep "| append, oyako process " table &&
	for step in annual risk caseload; do
		test_grep "| $step, 12 years: memory " table || return 1
	done &&
	test_grep "| caseload --names, " table && test_grep "| person import " table &&
	test_grep "| find, " table && test_grep "| person find, oyako process " table &&
	test $(grep -c "| pass |\|| MISS |" table) -eq 11
'

test_expect_success 'the SQL of the bench agrees with oyako' '
	test_grep "The SQL gives the same numbers as oyako" table &&
	! grep -q "^warning:" table
'

test_expect_success 'the table goes to BENCH_RESULTS with the machine' '
	test_cmp table "$TMP/results.md" &&
	test_grep "Machine: " "$TMP/results.md" &&
	test_grep "Commit: " "$TMP/results.md" &&
	! test -e "$TMP/data"/run.*
'

test_expect_success 'compare.py names what differs between oyako and the SQL' '
	echo "{\"as_of\":\"x\",\"districts\":{\"a\":2}}" >sq.json &&
	echo "{\"coordinators\":[{\"cases\":[{\"district\":\"a\"}]}],\"unassigned\":[]}" >oy.json &&
	test_must_fail 1 python3 "$TOP/bench/compare.py" caseload oy.json sq.json >out &&
	test_grep "caseload: oyako and SQL differ: open cases differ in 1 districts (first a: oyako 1, SQL 2)" out &&
	echo "{\"as_of\":\"x\",\"districts\":{\"a\":1}}" >sq.json &&
	python3 "$TOP/bench/compare.py" caseload oy.json sq.json >out &&
	! test -s out &&
	test_must_fail 2 python3 "$TOP/bench/compare.py" nosuch oy.json sq.json
'

test_expect_success 'timeit passes on the exit status of the command it times' '
	"$BB/timeit" res sh -c "exit 0" &&
	test $(wc -w <res) -eq 3 &&
	test_must_fail 3 "$BB/timeit" res sh -c "exit 3" &&
	test_must_fail 127 "$BB/timeit" res ./no-such-program &&
	test_must_fail 2 "$BB/timeit" res
'

test_expect_success 'jnbench and sqlbench: usage and missing files' '
	test_must_fail 2 "$BB/jnbench" append &&
	test_must_fail 6 "$BB/jnbench" append "$TMP/no-journal" 1 &&
	test_must_fail 6 "$BB/jnbench" fsync "$TMP/no-dir" 1 &&
	test_must_fail 2 "$BB/sqlbench" annual x.db notayear &&
	test_must_fail 6 "$BB/sqlbench" import x.db "$TMP/no-file.jsonl" &&
	echo "not json" >bad.jsonl &&
	test_must_fail 3 "$BB/sqlbench" import y.db bad.jsonl
'

test_done
