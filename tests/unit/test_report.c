/* test_report.c: the report renderers of a pj_doc: html escaping, the page's
 * structure, csv in Shift_JIS (CP932), the xlsx file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "html.h"
#include "table.h"
#include "xlsx.h"

static char *
escaped(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	pj_html_escape(s, f);
	fclose(f);
	return buf;
}

static void
test_html_escape(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "", "" },
		{ "小絹児童館", "小絹児童館" },
		{ "<script>alert(\"x\")</script>", "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" },
		{ "a & b", "a &amp; b" },
		{ "&amp;", "&amp;amp;" },		/* no double meaning */
		{ "'onmouseover=1", "&#39;onmouseover=1" },
		{ "tab\tand\nnew", "tab\tand\nnew" },
		{ "bell\x07 esc\x1b del\x7f", "bell  esc  del " },	/* not allowed in HTML */
		{ "ends with <", "ends with &lt;" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = escaped(cases[i].in);

		assert_string_equal(s, cases[i].out);
		free(s);
	}
}

static char *
render(pj_doc *doc, pj_format fmt, int want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(pj_doc_render(doc, fmt, f), want);
	fclose(f);
	return buf;
}

static pj_doc *
sample(const char *room)
{
	pj_doc *doc = pj_doc_new();
	pj_prov p;

	memset(&p, 0, sizeof p);
	p.seq = 7;
	pj_doc_title(doc, "report <1> & co");
	pj_doc_line(doc, "a line");
	pj_doc_table(doc, "rooms", "lr", "room", "n");
	pj_doc_row(doc);
	pj_doc_cell(doc, "%s", room);
	pj_doc_cell(doc, "17");
	pj_doc_row(doc);
	pj_doc_cell(doc, "BLOOM");
	pj_doc_cell(doc, "10");
	pj_doc_chart(doc, 1u << 1);
	pj_doc_footer(doc, &p, 1);
	pj_doc_lang(doc, 1);
	pj_doc_generated(doc, 1767225600);
	return doc;
}

static void
test_html_page(void **state)
{
	pj_doc *doc = sample("小絹<児童館>");
	char *s = render(doc, PJ_FMT_HTML, 0);

	assert_non_null(strstr(s, "<!DOCTYPE html>\n<html lang=\"ja\">"));
	assert_non_null(strstr(s, "<title>report &lt;1&gt; &amp; co</title>"));
	assert_non_null(strstr(s, "<h2>rooms</h2>"));
	assert_non_null(strstr(s, "<td>小絹&lt;児童館&gt;</td><td class=\"num\">17</td>"));
	assert_non_null(strstr(s, "<svg viewBox="));
	assert_non_null(strstr(s, "data-seq=\"7\""));
	assert_non_null(strstr(s, "data-generated=\"2026-01-01T00:00:00Z\""));
	assert_non_null(strstr(s, "@page{size:A4"));
	assert_null(strstr(s, "<児童館>"));
	assert_null(strstr(s, "http"));
	/* The same document still renders as text, the title a line. */
	free(s);
	s = render(doc, PJ_FMT_TEXT, 0);
	assert_true(strncmp(s, "report <1> & co\na line\nrooms\n", 29) == 0);
	free(s);
	pj_doc_free(doc);
}

static void
test_csv_sjis(void **state)
{
	pj_doc *doc = sample("髙橋①〜");
	char *s;

	pj_doc_encoding(doc, PJ_ENC_SJIS);
	s = render(doc, PJ_FMT_CSV, 0);
	/* No mark; 髙 FB FC, ① 87 40, 〜 81 60 (CP932, not plain Shift_JIS). */
	assert_string_equal(s, "room,n\r\n\xfb\xfc\x8b\xb4\x87\x40\x81\x60,17\r\nBLOOM,10\r\n");
	free(s);
	pj_doc_free(doc);
}

static void
test_csv_sjis_unencodable(void **state)
{
	pj_doc *doc = sample("にこにこ😀");
	char *s = render(doc, PJ_FMT_CSV, 0);	/* UTF-8 carries it */

	assert_non_null(strstr(s, "😀"));
	free(s);
	pj_doc_encoding(doc, PJ_ENC_SJIS);
	s = render(doc, PJ_FMT_CSV, EILSEQ);
	assert_non_null(strstr(pj_doc_errmsg(doc), "'😀' in 'にこにこ😀'"));
	free(s);
	/* Only that encoding failed: the document still renders. */
	pj_doc_encoding(doc, PJ_ENC_UTF8);
	free(render(doc, PJ_FMT_CSV, 0));
	assert_string_equal(pj_doc_errmsg(doc), "");
	pj_doc_free(doc);
}

static void
test_xlsx_file(void **state)
{
	char path[] = "/tmp/test_report.XXXXXX";
	pj_doc *doc = sample("小絹");
	char magic[2];
	FILE *f;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(pj_doc_xlsx(doc, path), 0);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(magic, 1, 2, f), 2);
	assert_memory_equal(magic, "PK", 2);	/* a zip, as xlsx files are */
	fclose(f);
	unlink(path);
	/* A file that cannot be made: an error with libxlsxwriter's words. */
	assert_int_not_equal(pj_doc_xlsx(doc, "/nonexistent-dir/x.xlsx"), 0);
	assert_true(pj_doc_errmsg(doc)[0] != '\0');
	pj_doc_free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_html_page),
		cmocka_unit_test(test_csv_sjis),
		cmocka_unit_test(test_csv_sjis_unencodable),
		cmocka_unit_test(test_xlsx_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
