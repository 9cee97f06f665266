/*
 * pages_annual.c: the annual report page: the five tables of the seed
 * report from the annual JSON (section 8), bar charts drawn as inline SVG,
 * and the links to the same report as HTML, XLSX and CSV files.
 *
 * Every number carries data-key, the path of its value in the JSON, so
 * that a test can compare the page with `oyako annual --format json`.
 */
#include <stdio.h>
#include <string.h>

#include "html.h"
#include "pages.h"
#include "table.h"

#define THN "<th scope=\"col\" class=\"num\">"

static long long
num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* The bar chart of one table, drawn by the reports' own code
 * (projections/html.c, as in `oyako annual --format html`): a pj_doc that
 * holds just that table, n rows of labels[i] and the k series
 * values[i * k + j] headed heads[j].  The table beside it on the page holds
 * the same numbers for screen readers. */
static void
put_chart(pg_buf *b, const char *title, const char *const *heads, size_t k,
    const char *const *labels, const long long *values, size_t n)
{
	pj_doc *doc = pj_doc_new();
	const char *cols[4] = { "" };
	char align[5] = "l";
	char *mem = NULL;
	size_t len = 0, i, j;
	FILE *f = NULL;
	unsigned series = 0;

	if (doc == NULL || k > 3)
		goto fail;
	for (j = 0; j < k; j++) {
		cols[j + 1] = heads[j];
		align[j + 1] = 'r';
		series |= 1u << (j + 1);
	}
	align[k + 1] = '\0';
	pj_doc_tablev(doc, title, align, cols);
	for (i = 0; i < n; i++) {
		pj_doc_row(doc);
		pj_doc_cell(doc, "%s", labels[i]);
		for (j = 0; j < k; j++)
			pj_doc_cell(doc, "%lld", values[i * k + j]);
	}
	pj_doc_chart(doc, series);
	if ((f = open_memstream(&mem, &len)) == NULL || pj_doc_html_charts(doc, f) != 0)
		goto fail;
	fclose(f);
	pg_rawn(b, mem, len);
	free(mem);
	pj_doc_free(doc);
	return;
fail:
	if (f != NULL)
		fclose(f);
	free(mem);
	pj_doc_free(doc);
	b->oom = 1;
}

/* A table of modes (a JSON object of counts) with its total and chart. */
static void
mode_table(pg_buf *b, const pg_ctx *c, json_t *a, const char *key, const char *heading,
    const char *const codes[3], const char *const ja[3], const char *const en[3])
{
	json_t *o = json_object_get(a, key);
	const char *labels[3];
	long long values[3], total = 0;
	size_t i;
	pg_raw(b, "<h2>");
	pg_text(b, heading);
	pg_raw(b, "</h2><div class=\"scroll\"><table><thead><tr>");
	for (i = 0; i < 3; i++) {
		labels[i] = c->ja ? ja[i] : en[i];
		values[i] = num(o, codes[i]);
		total += values[i];
		pg_raw(b, "<th scope=\"col\" class=\"num\">");
		pg_text(b, labels[i]);
		pg_raw(b, "</th>");
	}
	pg_raw(b, "<th scope=\"col\" class=\"num\">");
	pg_text(b, pg_l(c, "計", "Total"));
	pg_raw(b, "</th></tr></thead><tbody><tr>");
	for (i = 0; i < 3; i++)
		pg_fmt(b, "<td class=\"num\" data-key=\"%s.%s\">%lld</td>", key, codes[i], values[i]);
	pg_fmt(b, "<td class=\"num\">%lld</td></tr></tbody></table></div>", total);
	put_chart(b, heading, &heading, 1, labels, values, 3);
}

void
pg_page_annual(pg_buf *b, const pg_ctx *c, json_t *a, int fy)
{
	static const char *const iv_codes[3] = { "group", "individual", "visit" };
	static const char *const iv_ja[3] = { "集団", "個別", "家庭訪問" };
	static const char *const iv_en[3] = { "group", "individual", "home visit" };
	static const char *const hb_codes[3] = { "home", "room", "checkup" };
	static const char *const hb_ja[3] = { "家庭訪問", "支援室", "健診" };
	static const char *const hb_en[3] = { "home", "room", "checkup" };
	json_t *rooms = json_object_get(a, "maternity_classes"), *r;
	const char *labels[32];
	long long values[32 * 2], tg = 0, tp = 0, tc = 0;
	size_t i, nr = 0;
	char title[96];

	if (c->ja)
		snprintf(title, sizeof title, "令和%d年度 事業報告", fy - 2018);
	else
		snprintf(title, sizeof title, "FY%d annual report", fy);
	pg_begin(b, c, title);
	pg_raw(b, "<h1>");
	pg_text(b, title);
	pg_raw(b, "</h1><p>");
	pg_text(b, json_string_value(json_object_get(a, "from")));
	pg_raw(b, " – ");
	pg_text(b, json_string_value(json_object_get(a, "to")));
	pg_fmt(b, "</p><p><a href=\"/annual?fy=%d\">← ", fy - 1);
	pg_fmt(b, c->ja ? "令和%d年度" : "FY%d", c->ja ? fy - 1 - 2018 : fy - 1);
	pg_fmt(b, "</a> · <a href=\"/annual?fy=%d\">", fy + 1);
	pg_fmt(b, c->ja ? "令和%d年度" : "FY%d", c->ja ? fy + 1 - 2018 : fy + 1);
	pg_raw(b, " →</a></p>");

	pg_raw(b, "<section aria-labelledby=\"dl-h\"><h2 id=\"dl-h\">");
	pg_text(b, pg_l(c, "ダウンロード", "Downloads"));
	pg_fmt(b, "</h2><ul><li><a id=\"dl-html\" href=\"/download/annual.html?fy=%d\">", fy);
	pg_text(b, pg_l(c, "印刷用ページ（HTML）", "Printable page (HTML)"));
	pg_fmt(b, "</a></li><li><a id=\"dl-xlsx\" href=\"/download/annual.xlsx?fy=%d\">", fy);
	pg_text(b, pg_l(c, "Excel ブック（XLSX）", "Excel workbook (XLSX)"));
	pg_fmt(b, "</a></li><li><a id=\"dl-csv\" href=\"/download/annual.csv?fy=%d\">", fy);
	pg_text(b, pg_l(c, "CSV（UTF-8）", "CSV (UTF-8)"));
	pg_fmt(b, "</a></li><li><a id=\"dl-csv-sjis\" href=\"/download/annual.csv?fy=%d&amp;encoding=sjis\">", fy);
	pg_text(b, pg_l(c, "CSV（Shift_JIS、古い Excel 用）", "CSV (Shift_JIS, for older Excel)"));
	pg_raw(b, "</a></li></ul></section>");

	pg_raw(b, "<h2>");
	pg_text(b, pg_l(c, "① 母子手帳会議", "1. Handbook meetings"));
	pg_fmt(b, "</h2><p><span data-key=\"handbook_meetings\">%lld</span>",
	    num(a, "handbook_meetings"));
	pg_text(b, pg_l(c, " 回開催", " held"));
	pg_raw(b, "</p>");

	pg_raw(b, "<h2>");
	pg_text(b, pg_l(c, "② マタニティ教室", "2. Maternity classes"));
	pg_raw(b, "</h2><div class=\"scroll\"><table><thead><tr>");
	pg_tag(b, "<th scope=\"col\">", pg_l(c, "支援室", "Room"), "</th>");
	pg_tag(b, THN, pg_l(c, "組数", "Groups"), "</th>");
	pg_tag(b, THN, pg_l(c, "参加者数", "Participants"), "</th>");
	pg_tag(b, THN, pg_l(c, "うち夫婦", "Couples"), "</th></tr></thead><tbody>");
	json_array_foreach(rooms, i, r) {
		const char *code = json_string_value(json_object_get(r, "room"));
		const char *name = json_string_value(json_object_get(r, "name"));

		if (nr < sizeof labels / sizeof labels[0]) {
			labels[nr] = name != NULL ? name : code != NULL ? code : "?";
			values[2 * nr] = num(r, "groups");
			values[2 * nr + 1] = num(r, "couples");
			nr++;
		}
		tg += num(r, "groups");
		tp += num(r, "participants");
		tc += num(r, "couples");
		pg_raw(b, "<tr><th scope=\"row\">");
		pg_text(b, name != NULL ? name : code);
		pg_raw(b, "</th>");
		pg_raw(b, "<td class=\"num\" data-key=\"maternity_classes.");
		pg_text(b, code);
		pg_fmt(b, ".groups\">%lld</td>", num(r, "groups"));
		pg_raw(b, "<td class=\"num\" data-key=\"maternity_classes.");
		pg_text(b, code);
		pg_fmt(b, ".participants\">%lld</td>", num(r, "participants"));
		pg_raw(b, "<td class=\"num\" data-key=\"maternity_classes.");
		pg_text(b, code);
		pg_fmt(b, ".couples\">%lld</td></tr>", num(r, "couples"));
	}
	pg_raw(b, "<tr><th scope=\"row\">");
	pg_text(b, pg_l(c, "計", "Total"));
	pg_fmt(b, "</th><td class=\"num\">%lld</td><td class=\"num\">%lld</td>"
	    "<td class=\"num\">%lld</td></tr></tbody></table></div>", tg, tp, tc);
	{
		const char *heads[2] = { pg_l(c, "組数", "groups"), pg_l(c, "うち夫婦", "couples") };

		put_chart(b, pg_l(c, "支援室ごとの組数", "Groups per room"), heads, 2, labels, values, nr);
	}

	mode_table(b, c, a, "interviews_8month", pg_l(c, "③ 妊娠8か月面談", "3. 8th-month interviews"),
	    iv_codes, iv_ja, iv_en);
	mode_table(b, c, a, "happybaby", pg_l(c, "④ はっぴーベビー", "4. Happy baby contacts"),
	    hb_codes, hb_ja, hb_en);

	pg_raw(b, "<h2>");
	pg_text(b, pg_l(c, "⑤ 3・4か月児健診", "5. 3-4 month checkups"));
	pg_fmt(b, "</h2><p><span data-key=\"checkups_held\">%lld</span>", num(a, "checkups_held"));
	pg_text(b, pg_l(c, " 回開催", " held"));
	pg_raw(b, "</p><p class=\"muted\" id=\"provenance\">");
	pg_fmt(b, c->ja ? "集計元: seq %lld（ハッシュ " : "computed from seq %lld, hash ",
	    num(a, "at_seq"));
	pg_text(b, json_string_value(json_object_get(a, "head_hash")));
	pg_raw(b, c->ja ? "）</p>" : "</p>");
	pg_end(b, c);
}
