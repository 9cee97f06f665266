/* html.c: see html.h. */
#include <errno.h>
#include <string.h>

#include "docimpl.h"
#include "html.h"

/* A4 on paper: tables are not cut inside a row, a short table (and every
 * chart) stays on one page, long ones repeat their header row.  The fonts
 * are the Japanese ones of the usual systems; nothing is loaded. */
static const char css[] =
    "@page{size:A4;margin:15mm 12mm}\n"
    "body{font-family:\"Noto Sans CJK JP\",\"Noto Sans JP\",\"Hiragino Kaku Gothic ProN\","
    "\"Yu Gothic\",Meiryo,sans-serif;font-size:11pt;line-height:1.5;color:#1a1a1a;"
    "max-width:186mm;margin:0 auto;padding:8mm}\n"
    "h1{font-size:16pt;border-bottom:2px solid #2b5d8c;padding-bottom:2mm;margin:0 0 2mm}\n"
    "h2{font-size:13pt;color:#2b5d8c;margin:6mm 0 2mm;break-after:avoid;page-break-after:avoid}\n"
    ".stamp,footer{font-size:9pt;color:#555}\n"
    "footer{border-top:1px solid #bbb;margin-top:8mm;padding-top:2mm}\n"
    "table{border-collapse:collapse;margin:2mm 0}\n"
    "th,td{border:1px solid #999;padding:1mm 2.5mm;text-align:left;vertical-align:top;"
    "overflow-wrap:break-word}\n"
    "th{background:#e8eef5;font-weight:bold}\n"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "thead{display:table-header-group}\n"
    "tr,figure{break-inside:avoid;page-break-inside:avoid}\n"
    "section.short{break-inside:avoid;page-break-inside:avoid}\n"
    "figure.chart{margin:2mm 0 5mm}\n"
    "figure.chart svg{width:100%;max-width:170mm;height:auto}\n"
    "figcaption{font-size:9pt;color:#555}\n"
    "@media print{body{padding:0;max-width:none;font-size:10pt}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

/* One colour a series: dark enough on white, apart in grey print. */
static const char *const colours[] = { "#2b5d8c", "#e08a2c", "#5a8f4e", "#8c4a8c" };

/* Tables this short stay on one page. */
#define SHORT_ROWS 30

void
pj_html_escape(const char *s, FILE *f)
{
	for (;;) {
		size_t n = strcspn(s, "&<>\"'\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"
		    "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f");

		fwrite(s, 1, n, f);
		s += n;
		switch (*s) {
		case '\0':
			return;
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(' ', f);	/* a control character */
			break;
		}
		s++;
	}
}

static void
emit_row(pj_doc *doc, const pjd_item *t, const size_t *cells, pjd_out *o)
{
	FILE *f = o->f;
	int c;

	if (o->row == 0)
		fputs("<thead>", f);
	fputs("<tr>", f);
	for (c = 0; c < t->ncols; c++) {
		const char *tag = o->row == 0 ? "th" : "td";

		fprintf(f, "<%s%s%s>", tag, o->row == 0 ? " scope=\"col\"" : "",
		    t->align[c] == 'r' ? " class=\"num\"" : "");
		pj_html_escape(pjd_str(doc, cells[c]), f);
		fprintf(f, "</%s>", tag);
	}
	fputs("</tr>\n", f);
	if (o->row == 0)
		fputs("</thead>\n<tbody>\n", f);
}

/* A horizontal bar chart of the columns t->chart of t's stored rows,
 * labelled by column 0: one group of bars a row, one bar a column. */
static void
chart(const pj_doc *doc, const pjd_item *t, FILE *f)
{
	enum { W = 640, BAR = 14, GAP = 2, ROWGAP = 10, PAD = 8, CHARW = 7 };
	const size_t *cells = doc->cells + t->first;
	size_t nrows = t->ncells / t->ncols, r;
	int col[PJ_MAXCOLS], ns = 0, c, s;
	long long max = 0, v;
	size_t lw = 0;
	int legend, rowh, h, pw, y;

	for (c = 1; c < t->ncols; c++)
		if (t->chart & (1u << c))
			col[ns++] = c;
	if (ns == 0 || nrows < 2)
		return;
	for (r = 1; r < nrows; r++) {
		size_t w = pj_strwidth(pjd_str(doc, cells[r * t->ncols]));

		if (w > lw)
			lw = w;
		for (s = 0; s < ns; s++)
			if (pjd_cell_number(pjd_str(doc, cells[r * t->ncols + col[s]]), &v) == 0 && v > max)
				max = v;
	}
	lw = lw * CHARW + 2 * PAD;
	if (lw > W / 3)
		lw = W / 3;
	pw = W - (int)lw - 60;	/* room for the value after the longest bar */
	legend = ns > 1 ? 22 : 0;
	rowh = ns * BAR + (ns - 1) * GAP + ROWGAP;
	h = legend + (int)(nrows - 1) * rowh + PAD;
	fputs("<figure class=\"chart\">", f);
	fprintf(f, "<svg viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"", W, h);
	pj_html_escape(t->text != SIZE_MAX ? pjd_str(doc, t->text) : "", f);
	fputs("\" font-size=\"12\">\n", f);
	for (s = 0; s < ns && legend; s++) {
		int x = (int)lw + s * 150;

		fprintf(f, "<rect x=\"%d\" y=\"4\" width=\"12\" height=\"12\" fill=\"%s\"/>"
		    "<text x=\"%d\" y=\"14\">", x, colours[s % 4], x + 16);
		pj_html_escape(pjd_str(doc, cells[col[s]]), f);
		fputs("</text>\n", f);
	}
	fprintf(f, "<line x1=\"%zu\" y1=\"%d\" x2=\"%zu\" y2=\"%d\" stroke=\"#888\"/>\n",
	    lw, legend, lw, h - PAD / 2);
	for (r = 1, y = legend + ROWGAP / 2; r < nrows; r++, y += rowh) {
		const char *label = pjd_str(doc, cells[r * t->ncols]);

		fprintf(f, "<text x=\"%zu\" y=\"%d\" text-anchor=\"end\" dominant-baseline=\"middle\">",
		    lw - PAD, y + (rowh - ROWGAP) / 2);
		pj_html_escape(label, f);
		fputs("</text>\n", f);
		for (s = 0; s < ns; s++) {
			const char *cell = pjd_str(doc, cells[r * t->ncols + col[s]]);
			int by = y + s * (BAR + GAP), bw;

			if (pjd_cell_number(cell, &v) != 0 || v < 0)
				v = 0;
			bw = max > 0 ? (int)((double)v / (double)max * pw + 0.5) : 0;
			fprintf(f, "<rect x=\"%zu\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>",
			    lw, by, bw, BAR, colours[s % 4]);
			pj_html_escape(label, f);
			fputs(" ", f);
			pj_html_escape(pjd_str(doc, cells[col[s]]), f);
			fprintf(f, ": %lld</title></rect><text x=\"%zu\" y=\"%d\" dominant-baseline=\"middle\">"
			    "%lld</text>\n", v, lw + (size_t)bw + 4, by + BAR / 2, v);
		}
	}
	fputs("</svg>", f);
	if (t->text != SIZE_MAX) {
		fputs("<figcaption>", f);
		pj_html_escape(pjd_str(doc, t->text), f);
		fputs("</figcaption>", f);
	}
	fputs("</figure>\n", f);
}

static int
table(pj_doc *doc, const pjd_item *t, size_t n, FILE *f)
{
	pjd_out o;
	int rc;

	memset(&o, 0, sizeof o);
	o.fmt = PJ_FMT_HTML;
	o.f = f;
	o.emit = emit_row;
	o.cd = (iconv_t)-1;
	fprintf(f, "<section class=\"report-table%s\" id=\"t%zu\"",
	    t->src == NULL && t->ncells / t->ncols <= SHORT_ROWS ? " short" : "", n);
	if (t->name != SIZE_MAX) {
		fputs(" data-name=\"", f);
		pj_html_escape(pjd_str(doc, t->name), f);
		fputs("\"", f);
	}
	fputs(">\n", f);
	if (t->text != SIZE_MAX) {
		fputs("<h2>", f);
		pj_html_escape(pjd_str(doc, t->text), f);
		fputs("</h2>\n", f);
	}
	fputs("<table>\n", f);
	if ((rc = pjd_rows_out(doc, t, &o)) != 0)
		return rc;
	fputs("</tbody>\n</table>\n", f);
	if (t->chart)
		chart(doc, t, f);
	fputs("</section>\n", f);
	return 0;
}

int
pj_doc_html_charts(pj_doc *doc, FILE *f)
{
	size_t i;

	if (doc->err)
		return doc->err;
	for (i = 0; i < doc->nitems; i++)
		if (doc->items[i].kind == IT_TABLE && doc->items[i].chart)
			chart(doc, &doc->items[i], f);
	return fflush(f) != 0 || ferror(f) ? EIO : 0;
}

/* The provenance stamp: seq, hash and the time of generation. */
static void
stamp(const pj_doc *doc, const char *gen, FILE *f)
{
	char hex[2 * JN_HASH_LEN + 1];

	pj_hex(doc->prov.hash, JN_HASH_LEN, hex);
	fprintf(f, doc->ja ? "<p class=\"stamp\">集計元 seq %llu・ハッシュ <code>%s</code>・作成 %s</p>\n" :
	    "<p class=\"stamp\">computed from seq %llu, hash <code>%s</code>, generated %s</p>\n",
	    (unsigned long long)doc->prov.seq, hex, gen);
}

int
pj_doc_html(pj_doc *doc, FILE *f)
{
	char gen[21], hex[2 * JN_HASH_LEN + 1];
	const char *title = "oyako";
	size_t i, ntables = 0;
	int rc, main_open = 0;

	if (doc->err)
		return doc->err;
	pjd_generated(doc, gen);
	for (i = 0; i < doc->nitems; i++)
		if (doc->items[i].kind == IT_TITLE) {
			title = pjd_str(doc, doc->items[i].text);
			break;
		}
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"generator\" content=\"oyako\">\n<title>", doc->ja ? "ja" : "en");
	pj_html_escape(title, f);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
	for (i = 0; i < doc->nitems; i++) {
		const pjd_item *it = &doc->items[i];
		const char *text = it->kind == IT_TABLE ? NULL : pjd_str(doc, it->text);

		if (!main_open && it->kind != IT_TITLE) {
			fputs("<main>\n", f);
			main_open = 1;
		}
		switch (it->kind) {
		case IT_TITLE:
			fputs("<header>\n<h1>", f);
			pj_html_escape(text, f);
			fputs("</h1>\n", f);
			if (doc->has_prov)
				stamp(doc, gen, f);
			fputs("</header>\n", f);
			break;
		case IT_LINE:
			if (text[0] == '\0')
				break;	/* spacing in text: css does it here */
			fputs("<p>", f);
			pj_html_escape(text, f);
			fputs("</p>\n", f);
			break;
		case IT_TABLE:
			if ((rc = table(doc, it, ++ntables, f)) != 0)
				return rc;
			break;
		case IT_PROV:
			break;	/* the footer, after main */
		}
	}
	fputs(main_open ? "</main>\n" : "<main></main>\n", f);
	if (doc->has_prov) {
		pj_hex(doc->prov.hash, JN_HASH_LEN, hex);
		fprintf(f, "<footer class=\"provenance\" data-seq=\"%llu\" data-hash=\"%s\" "
		    "data-generated=\"%s\">", (unsigned long long)doc->prov.seq, hex, gen);
		for (i = 0; i < doc->nitems; i++)
			if (doc->items[i].kind == IT_PROV)
				pj_html_escape(pjd_str(doc, doc->items[i].text), f);
		fprintf(f, doc->ja ? "・作成 %s" : ", generated %s", gen);
		fputs("</footer>\n", f);
	}
	fputs("</body>\n</html>\n", f);
	if (fflush(f) != 0 || ferror(f))
		return EIO;
	return 0;
}
