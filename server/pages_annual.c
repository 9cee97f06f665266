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

#include "pages.h"

#define THN "<th scope=\"col\" class=\"num\">"

static long long
num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* A horizontal bar chart: one bar a label, the value at its end.  The
 * table beside it holds the same numbers for screen readers; the chart
 * itself is an image with a title. */
static void
svg_bars(pg_buf *b, const char *id, const char *title, const char *const *labels,
    const long long *values, size_t n)
{
	const int row = 32, left = 150, width = 600, barmax = width - left - 60;
	long long max = 1;
	size_t i;

	for (i = 0; i < n; i++)
		if (values[i] > max)
			max = values[i];
	pg_fmt(b, "<svg class=\"chart\" id=\"%s\" role=\"img\" aria-labelledby=\"%s-t\" "
	    "viewBox=\"0 0 %d %zu\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"%s-t\">",
	    id, id, width, (size_t)row * n + 8, id);
	pg_text(b, title);
	pg_raw(b, "</title>");
	for (i = 0; i < n; i++) {
		long long w = values[i] * barmax / max;
		size_t y = (size_t)row * i + 4;

		pg_fmt(b, "<text x=\"%d\" y=\"%zu\" font-size=\"14\" text-anchor=\"end\" "
		    "dominant-baseline=\"middle\">", left - 8, y + row / 2);
		pg_text(b, labels[i]);
		pg_fmt(b, "</text><rect x=\"%d\" y=\"%zu\" width=\"%lld\" height=\"%d\" fill=\"#0b5394\"/>"
		    "<text x=\"%lld\" y=\"%zu\" font-size=\"14\" dominant-baseline=\"middle\">%lld</text>",
		    left, y + 4, w, row - 8, left + w + 6, y + row / 2, values[i]);
	}
	pg_raw(b, "</svg>");
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
	char id[48];

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
	snprintf(id, sizeof id, "chart-%s", key);
	svg_bars(b, id, heading, labels, values, 3);
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
	long long groups[32], tg = 0, tp = 0, tc = 0;
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

		if (nr < sizeof groups / sizeof groups[0]) {
			labels[nr] = name != NULL ? name : code != NULL ? code : "?";
			groups[nr++] = num(r, "groups");
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
	svg_bars(b, "chart-classes", pg_l(c, "支援室ごとの組数", "Groups per room"),
	    labels, groups, nr);

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
