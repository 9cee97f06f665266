#!/bin/sh
# Reports people open (BRIEF section 12): csv in UTF-8 with a BOM (the
# default) or Shift_JIS, and -o FILE written whole or not at all.
. "$(dirname "$0")/lib.sh"
SEED="$FIXTURES/seed-fy2025.jsonl"
FAILSO=$OYAKO_BIN/../tests/faults/fail.so
BOM=$(printf '\357\273\277')

test_expect_success 'the seed fixture imports' '
	oyako -J j init && oyako -J j import "$SEED" >/dev/null
'

test_expect_success 'csv is UTF-8 with a BOM and CRLF line ends by default' '
	oyako annual -J j --fy R7 --format csv --lang ja >u.csv &&
	test "$(head -c 3 u.csv)" = "$BOM" &&
	lf=$(tr -cd "\n" <u.csv | wc -c) && crlf=$(grep -c "$(printf "\r")\$" u.csv) &&
	test "$lf" -gt 10 && test "$lf" = "$crlf" &&
	oyako annual -J j --fy R7 --format csv --encoding utf-8 --lang ja >u2.csv &&
	test_cmp u.csv u2.csv
'

for t in "annual --fy R7" "caseload --as-of 2025-10-01" "risk --as-of 2025-10-01"; do
	test_expect_success "${t%% *} --encoding sjis decodes (CP932) to the UTF-8 csv" "
		oyako $t -J j --format csv --lang ja >u.csv &&
		oyako $t -J j --format csv --lang ja --encoding sjis >s.csv &&
		! cmp -s u.csv s.csv &&
		iconv -f CP932 -t UTF-8 s.csv >s.utf8 &&
		tail -c +4 u.csv >u.nobom && test_cmp u.nobom s.utf8
	"
done

test_expect_success 'the Shift_JIS csv carries Japanese (not only ASCII)' '
	oyako annual -J j --fy R7 --format csv --lang ja --encoding sjis >s.csv &&
	iconv -f CP932 -t UTF-8 s.csv | grep -q "小絹児童館" &&
	! iconv -f UTF-8 -t UTF-8 s.csv >/dev/null 2>&1
'

test_expect_success 'a character Shift_JIS lacks: exit 3 naming it, no file with -o' '
	echo "{\"id\":\"0e0e0e0e-0000-4000-8000-000000000009\",\"type\":\"room.opened\",\"stream\":\"room:emoji\",\"occurred\":\"2025-05-01\",\"actor\":\"nurse:N01\",\"data\":{\"name\":\"にこにこ😀ルーム\"}}" >e.jsonl &&
	oyako -J e init && oyako -J e import "$SEED" e.jsonl >/dev/null &&
	test_must_fail 3 oyako annual -J e --fy R7 --format csv --lang ja --encoding sjis -o e.csv 2>err &&
	test_grep "😀" err && test_grep "Shift_JIS" err &&
	test "$(ls -A | grep -c "e\.csv")" = 0 &&
	oyako annual -J e --fy R7 --format csv --lang ja -o e.csv && test_grep "😀" e.csv
'

# 〜 (U+301C WAVE DASH) is CP932 0x8160, which Windows (and iconv) read back
# as ～ (U+FF5E FULLWIDTH TILDE): the character Excel in Japan shows.
test_expect_success 'CP932 carries 〜 ① 髙 (what plain Shift_JIS lacks)' '
	echo "{\"id\":\"0e0e0e0e-0000-4000-8000-00000000000a\",\"type\":\"room.opened\",\"stream\":\"room:wave\",\"occurred\":\"2025-05-01\",\"actor\":\"nurse:N01\",\"data\":{\"name\":\"髙橋①〜ルーム\"}}" >w.jsonl &&
	oyako -J w init && oyako -J w import "$SEED" w.jsonl >/dev/null &&
	oyako annual -J w --fy R7 --format csv --lang ja --encoding sjis >w.csv &&
	iconv -f CP932 -t UTF-8 w.csv | grep -q "髙橋①～ルーム"
'

test_expect_success '--encoding: only utf-8 or sjis, only with csv (exit 2)' '
	test_must_fail 2 oyako annual -J j --fy R7 --format csv --encoding latin1 2>err &&
	test_grep "utf-8 or sjis" err &&
	test_must_fail 2 oyako annual -J j --fy R7 --format tsv --encoding sjis 2>err &&
	test_grep "for --format csv" err
'

for f in json text csv tsv md; do
	test_expect_success "-o FILE writes what stdout gets ($f)" "
		oyako annual -J j --fy R7 --format $f >std.$f &&
		oyako annual -J j --fy R7 --format $f -o out.$f &&
		test_cmp std.$f out.$f &&
		oyako caseload -J j --as-of 2025-10-01 --format $f --output=cl.$f &&
		oyako caseload -J j --as-of 2025-10-01 --format $f >clstd.$f && test_cmp clstd.$f cl.$f
	"
done

test_expect_success '-o into a missing directory exits 6 naming the file, leaves nothing' '
	test_must_fail 6 oyako annual -J j --fy R7 --format html -o nodir/a.html 2>err &&
	test_grep "nodir/a.html" err && ! test -e nodir &&
	touch plain &&
	test_must_fail 6 oyako risk -J j --format xlsx -o plain/r.xlsx 2>err &&
	test_grep "plain/r.xlsx" err
'

test_expect_success 'a failed run leaves no file and no temporary file' '
	mkdir d &&
	test_must_fail 7 oyako annual -J nowhere --fy R7 --format xlsx -o d/a.xlsx &&
	test_must_fail 7 oyako annual -J j --fy R7 --at-seq 999999 --format html -o d/a.html &&
	test_must_fail 7 oyako caseload -J j --coordinator NOPE --format csv -o d/c.csv &&
	test "$(ls -A d)" = ""
'

test_expect_success 'a failed run leaves an older FILE as it was' '
	echo old >keep.html &&
	test_must_fail 7 oyako annual -J j --fy R7 --at-seq 999999 --format html -o keep.html &&
	test "$(cat keep.html)" = old &&
	oyako annual -J j --fy R7 --format html -o keep.html && test_grep "<!DOCTYPE html>" keep.html
'

case $OYAKO_BIN in
*build-san*) ;;	# ASan must be the first library loaded: no LD_PRELOAD shim
*)
	for f in json html xlsx csv; do
		test_expect_success "a write error (disk full) exits 6 naming the file, leaves nothing ($f)" "
			mkdir full.$f &&
			OYAKO_FAIL_ON=io OYAKO_FAIL_AT=1 OYAKO_FAIL_MODE=after LD_PRELOAD=\$FAILSO \
			    oyako-annual -J j --fy R7 --format $f -o full.$f/a.$f 2>err;
			test \$? = 6 && test_grep \"full.$f/a.$f\" err &&
			test \"\$(ls -A full.$f)\" = ''
		"
	done
	;;
esac

test_done
