/* test_table.c: the output model of projections/table.h: display widths,
 * alignment with Japanese text, and the quoting of each format. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

static void
test_wcwidth(void **state)
{
	assert_int_equal(pj_wcwidth('A'), 1);
	assert_int_equal(pj_wcwidth(0x3042), 2);	/* あ hiragana */
	assert_int_equal(pj_wcwidth(0x30AB), 2);	/* カ katakana */
	assert_int_equal(pj_wcwidth(0x30FB), 2);	/* ・ katakana middle dot */
	assert_int_equal(pj_wcwidth(0x5150), 2);	/* 児 CJK */
	assert_int_equal(pj_wcwidth(0xFF08), 2);	/* （ fullwidth */
	assert_int_equal(pj_wcwidth(0xFF61), 1);	/* ｡ halfwidth katakana: narrow */
	assert_int_equal(pj_wcwidth(0xFF76), 1);	/* ｶ halfwidth katakana */
	assert_int_equal(pj_wcwidth(0x3000), 2);	/* ideographic space */
	assert_int_equal(pj_wcwidth(0xAC00), 2);	/* 가 hangul */
	assert_int_equal(pj_wcwidth(0x20BB7), 2);	/* 𠮷 extension B */
	assert_int_equal(pj_wcwidth(0x2460), 1);	/* ① ambiguous: narrow */
	assert_int_equal(pj_wcwidth(0x0301), 0);	/* combining acute */
	assert_int_equal(pj_wcwidth(0x3099), 0);	/* combining voiced mark */
	assert_int_equal(pj_wcwidth(0x1F600), 2);	/* emoji */
	assert_int_equal(pj_wcwidth(0x10FF), 1);	/* just before hangul jamo */
	assert_int_equal(pj_wcwidth(0x1100), 2);
	assert_int_equal(pj_wcwidth(0xA4D0), 1);	/* just after Yi */
}

static void
test_strwidth(void **state)
{
	assert_int_equal(pj_strwidth(""), 0);
	assert_int_equal(pj_strwidth("BLOOM"), 5);
	assert_int_equal(pj_strwidth("小絹児童館"), 10);
	assert_int_equal(pj_strwidth("3・4か月児健診時"), 16);
	assert_int_equal(pj_strwidth("ｶﾀｶﾅ"), 4);
	assert_int_equal(pj_strwidth("\xff" "a"), 2);		/* a stray byte: one column */
	assert_int_equal(pj_strwidth("\xe3\x81"), 2);		/* truncated sequence */
}

/* Renders doc to a string (the caller frees it). */
static char *
render(pj_doc *doc, pj_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(pj_doc_render(doc, fmt, f), 0);
	fclose(f);
	return buf;
}

/* The rows of the sample table, stored or streamed. */
static void
sample_cells(pj_doc *doc)
{
	pj_doc_row(doc);
	pj_doc_cell(doc, "小絹児童館");
	pj_doc_cell(doc, "%d", 17);
	pj_doc_row(doc);
	pj_doc_cell(doc, "a,\"b\"|c");
	pj_doc_cell(doc, "%d", 5);
	pj_doc_row(doc);
	pj_doc_cell(doc, "short");	/* the missing cell is padded */
}

static pj_doc *
sample(void)
{
	pj_doc *doc = pj_doc_new();

	assert_non_null(doc);
	pj_doc_line(doc, "title");
	pj_doc_table(doc, "t", "lr", "name", "n");
	sample_cells(doc);
	return doc;
}

static void
test_text_aligns_wide(void **state)
{
	pj_doc *doc = sample();
	char *s = render(doc, PJ_FMT_TEXT);

	/* 小絹児童館 takes 10 columns: the other cells are padded to 10. */
	assert_string_equal(s,
	    "title\n"
	    "t\n"
	    "name         n\n"
	    "小絹児童館  17\n"
	    "a,\"b\"|c      5\n"
	    "short         \n"
	    "\n");
	free(s);
	pj_doc_free(doc);
}

static void
test_csv_quotes(void **state)
{
	pj_doc *doc = sample();
	char *s = render(doc, PJ_FMT_CSV);

	/* UTF-8 with the byte order mark Excel needs, CRLF line ends. */
	assert_string_equal(s, "\xEF\xBB\xBFname,n\r\n小絹児童館,17\r\n\"a,\"\"b\"\"|c\",5\r\nshort,\r\n");
	free(s);
	pj_doc_free(doc);
}

static void
test_tsv_and_md(void **state)
{
	pj_doc *doc = sample();
	char *s;

	pj_doc_table(doc, NULL, "l", "x");
	pj_doc_row(doc);
	pj_doc_cell(doc, "tab\there");
	s = render(doc, PJ_FMT_TSV);
	assert_string_equal(s, "name\tn\n小絹児童館\t17\na,\"b\"|c\t5\nshort\t\n\nx\ntab here\n");
	free(s);
	s = render(doc, PJ_FMT_MD);
	assert_string_equal(s,
	    "title\n\n**t**\n\n| name | n |\n| --- | ---: |\n| 小絹児童館 | 17 |\n"
	    "| a,\"b\"\\|c | 5 |\n| short |  |\n\n| x |\n| --- |\n| tab here |\n\n");
	free(s);
	pj_doc_free(doc);
}

static void
test_format_parse(void **state)
{
	pj_format f;

	assert_int_equal(pj_format_parse("md", &f), 0);
	assert_int_equal(f, PJ_FMT_MD);
	assert_int_equal(pj_format_parse("json", &f), 0);
	assert_int_equal(f, PJ_FMT_JSON);
	assert_int_equal(pj_format_parse("xml", &f), -1);
	assert_int_equal(pj_format_parse(NULL, &f), -1);
}

static void
test_cell_outside_table_is_an_error(void **state)
{
	pj_doc *doc = pj_doc_new();
	FILE *f = fopen("/dev/null", "w");

	pj_doc_cell(doc, "x");
	assert_int_not_equal(pj_doc_render(doc, PJ_FMT_TEXT, f), 0);
	fclose(f);
	pj_doc_free(doc);
	pj_doc_free(NULL);
}

static void
test_footer(void **state)
{
	pj_prov p;
	pj_doc *doc = pj_doc_new();
	char *s;

	memset(&p, 0, sizeof p);
	p.seq = 42;
	p.hash[0] = 0xab;
	pj_doc_footer(doc, &p, 0);
	pj_doc_footer(doc, &p, 1);
	s = render(doc, PJ_FMT_TEXT);
	assert_non_null(strstr(s, "computed from seq 42, hash ab000000"));
	assert_non_null(strstr(s, "集計元: seq 42（ハッシュ ab00"));
	free(s);
	/* tsv and csv carry tables only (csv: its byte order mark). */
	s = render(doc, PJ_FMT_CSV);
	assert_string_equal(s, "\xEF\xBB\xBF");
	free(s);
	pj_doc_free(doc);
}

/* The rows of sample(), given by a source at rendering. */
static int calls;

static int
sample_rows(void *ctx, pj_doc *doc)
{
	int *fail = ctx;

	calls++;
	sample_cells(doc);
	if (*fail == 2) {
		pj_doc_cell(doc, "one");
		pj_doc_cell(doc, "too many");
	}
	return *fail == 1 ? EIO : 0;
}

static void
test_streamed_rows(void **state)
{
	pj_format fmts[] = { PJ_FMT_TEXT, PJ_FMT_MD, PJ_FMT_TSV, PJ_FMT_CSV };
	int fail = 0, i;
	pj_doc *doc = pj_doc_new(), *ref = sample();
	FILE *f;

	pj_doc_line(doc, "title");
	pj_doc_table(doc, "t", "lr", "name", "n");
	pj_doc_rows(doc, sample_rows, &fail);
	/* A stored table after it: cells go to the right table. */
	pj_doc_table(doc, NULL, "l", "x");
	pj_doc_table(ref, NULL, "l", "x");
	for (i = 0; i < 4; i++) {
		char *got, *want;

		calls = 0;
		got = render(doc, fmts[i]);
		want = render(ref, fmts[i]);
		assert_string_equal(got, want);
		assert_int_equal(calls, fmts[i] == PJ_FMT_TEXT ? 2 : 1);	/* widths first */
		free(got);
		free(want);
		/* Rendering again gives the same: the rows were not kept. */
		got = render(doc, fmts[i]);
		want = render(ref, fmts[i]);
		assert_string_equal(got, want);
		free(got);
		free(want);
	}
	f = fopen("/dev/null", "w");
	fail = 1;	/* the source's error is the rendering's */
	assert_int_equal(pj_doc_render(doc, PJ_FMT_CSV, f), EIO);
	fail = 2;	/* a row wider than the table */
	assert_int_equal(pj_doc_render(doc, PJ_FMT_CSV, f), EINVAL);
	fclose(f);
	pj_doc_free(doc);
	pj_doc_free(ref);
	/* A source needs a table. */
	doc = pj_doc_new();
	pj_doc_rows(doc, sample_rows, &fail);
	f = fopen("/dev/null", "w");
	assert_int_equal(pj_doc_render(doc, PJ_FMT_TSV, f), EINVAL);
	fclose(f);
	pj_doc_free(doc);
}

/* Wide columns pad past any fixed run of spaces; formatted cells longer
 * than the room left in the arena come out whole; md escapes a backslash. */
static void
test_long_cells_and_padding(void **state)
{
	pj_doc *doc = pj_doc_new();
	char longs[301], want[1024], *s;

	(void)state;
	memset(longs, 'x', 300);
	longs[300] = '\0';
	assert_non_null(doc);
	pj_doc_table(doc, NULL, "ll", "a", "b");
	pj_doc_row(doc);
	pj_doc_cell(doc, "%s-%d", longs, 7);
	pj_doc_cell(doc, "%s", "1");
	pj_doc_row(doc);
	pj_doc_cell(doc, "%s", "y\\z");
	pj_doc_cell(doc, "%d", 2);
	s = render(doc, PJ_FMT_TEXT);
	snprintf(want, sizeof want, "%-302s  b\n%s-7  1\n%-302s  2\n\n", "a", longs, "y\\z");
	assert_string_equal(s, want);
	free(s);
	s = render(doc, PJ_FMT_MD);
	snprintf(want, sizeof want, "| a | b |\n| --- | --- |\n| %s-7 | 1 |\n| y\\\\z | 2 |\n\n", longs);
	assert_string_equal(s, want);
	free(s);
	pj_doc_free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wcwidth),
		cmocka_unit_test(test_strwidth),
		cmocka_unit_test(test_text_aligns_wide),
		cmocka_unit_test(test_csv_quotes),
		cmocka_unit_test(test_tsv_and_md),
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_cell_outside_table_is_an_error),
		cmocka_unit_test(test_footer),
		cmocka_unit_test(test_streamed_rows),
		cmocka_unit_test(test_long_cells_and_padding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
