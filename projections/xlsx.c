/* xlsx.c: see xlsx.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <xlsxwriter.h>

#include "docimpl.h"
#include "xlsx.h"

/* Column widths in Excel's units (about one narrow character). */
#define MIN_WIDTH 6
#define MAX_WIDTH 60

typedef struct sheet {
	lxw_worksheet *ws;
	lxw_format *head;
	lxw_row_t top;		/* the row of the header */
	size_t w[PJ_MAXCOLS];	/* widest cell per column */
	lxw_error err;
} sheet;

static void
emit_row(pj_doc *doc, const pjd_item *t, const size_t *cells, pjd_out *o)
{
	sheet *s = o->ctx;
	lxw_row_t row = s->top + (lxw_row_t)o->row;
	lxw_error e = LXW_NO_ERROR;
	int c;

	for (c = 0; c < t->ncols && e == LXW_NO_ERROR; c++) {
		const char *cell = pjd_str(doc, cells[c]);
		size_t w = pj_strwidth(cell);
		long long v;

		if (w > s->w[c])
			s->w[c] = w;
		if (o->row == 0)
			e = worksheet_write_string(s->ws, row, (lxw_col_t)c, cell, s->head);
		else if (t->align[c] == 'r' && pjd_cell_number(cell, &v) == 0)
			e = worksheet_write_number(s->ws, row, (lxw_col_t)c, (double)v, NULL);
		else if (cell[0])
			e = worksheet_write_string(s->ws, row, (lxw_col_t)c, cell, NULL);
	}
	if (e != LXW_NO_ERROR && s->err == LXW_NO_ERROR)
		s->err = e;
}

/* Copies at most 31 characters of name to buf with the characters Excel
 * refuses in a sheet name ([ ] : * ? / \) replaced by '_'; keep characters
 * fewer so that a suffix fits. */
static void
sheet_name(const char *name, size_t keep, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t n = 0, chars = 0;

	while (*p && chars < keep && n + 5 < size) {
		size_t len = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : 4;

		if (*p < 0x80 && strchr("[]:*?/\\", *p))
			buf[n++] = '_';
		else if (*p < 0x20)
			buf[n++] = ' ';
		else
			for (size_t i = 0; i < len && p[i]; i++)
				buf[n++] = (char)p[i];
		p += len;
		chars++;
	}
	buf[n] = '\0';
	if (n && buf[0] == '\'')
		buf[0] = '_';	/* nor an apostrophe at either end */
	if (n && buf[n - 1] == '\'')
		buf[n - 1] = '_';
}

/* Adds a sheet named after name, made unique by "~2", "~3"... */
static lxw_worksheet *
add_sheet(lxw_workbook *wb, const char *name)
{
	char buf[LXW_MAX_SHEETNAME_LENGTH + 8], base[LXW_MAX_SHEETNAME_LENGTH];
	int i;

	sheet_name(name, LXW_SHEETNAME_MAX, buf, sizeof buf);
	if (buf[0] == '\0')
		snprintf(buf, sizeof buf, "table");
	sheet_name(buf, LXW_SHEETNAME_MAX - 4, base, sizeof base);
	for (i = 2; workbook_validate_sheet_name(wb, buf) != LXW_NO_ERROR && i < 1000; i++)
		snprintf(buf, sizeof buf, "%s~%d", base, i);
	return workbook_add_worksheet(wb, buf);
}

static void
widths(sheet *s, int ncols)
{
	int c;

	for (c = 0; c < ncols; c++) {
		double w = (double)s->w[c] + 2;

		worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c,
		    w < MIN_WIDTH ? MIN_WIDTH : w > MAX_WIDTH ? MAX_WIDTH : w, NULL);
	}
}

/* The chart of a table (pj_doc_chart) as an Excel column chart beside it,
 * drawn from its cells: one series a charted column, named by its header. */
static void
chart(pj_doc *doc, lxw_workbook *wb, const pjd_item *t, const sheet *s)
{
	lxw_row_t first = s->top + 1, last = s->top + (lxw_row_t)(t->ncells / t->ncols) - 1;
	const char *name = s->ws->name;
	lxw_chart *ch;
	int c, ns = 0;

	if (t->chart == 0 || t->src || last < first || (ch = workbook_add_chart(wb, LXW_CHART_COLUMN)) == NULL)
		return;
	for (c = 1; c < t->ncols; c++) {
		lxw_chart_series *se;

		if (!(t->chart & (1u << c)) || (se = chart_add_series(ch, NULL, NULL)) == NULL)
			continue;
		chart_series_set_categories(se, name, first, 0, last, 0);
		chart_series_set_values(se, name, first, (lxw_col_t)c, last, (lxw_col_t)c);
		chart_series_set_name_range(se, name, s->top, (lxw_col_t)c);
		ns++;
	}
	if (t->text != SIZE_MAX)
		chart_title_set_name(ch, pjd_str(doc, t->text));
	chart_legend_set_position(ch, ns > 1 ? LXW_CHART_LEGEND_BOTTOM : LXW_CHART_LEGEND_NONE);
	worksheet_insert_chart(s->ws, s->top, (lxw_col_t)t->ncols + 1, ch);
}

static int
table(pj_doc *doc, lxw_workbook *wb, const pjd_item *t, size_t n, lxw_format *bold,
    lxw_format *head)
{
	char fallback[32];
	const char *name;
	pjd_out o;
	sheet s;
	int rc;

	snprintf(fallback, sizeof fallback, "table %zu", n);
	name = t->name != SIZE_MAX ? pjd_str(doc, t->name) :
	    t->text != SIZE_MAX ? pjd_str(doc, t->text) : fallback;
	memset(&s, 0, sizeof s);
	if ((s.ws = add_sheet(wb, name)) == NULL)
		return ENOMEM;
	s.head = head;
	if (t->text != SIZE_MAX) {
		worksheet_write_string(s.ws, 0, 0, pjd_str(doc, t->text), bold);
		s.top = 1;
	}
	worksheet_freeze_panes(s.ws, s.top + 1, 0);
	memset(&o, 0, sizeof o);
	o.fmt = PJ_FMT_XLSX;
	o.emit = emit_row;
	o.ctx = &s;
	o.cd = (iconv_t)-1;
	if ((rc = pjd_rows_out(doc, t, &o)) != 0)
		return rc;
	if (s.err != LXW_NO_ERROR) {
		snprintf(doc->errmsg, sizeof doc->errmsg, "%s", lxw_strerror(s.err));
		return EIO;
	}
	widths(&s, t->ncols);
	chart(doc, wb, t, &s);
	return 0;
}

/* The last sheet: what the workbook was computed from. */
static void
provenance(pj_doc *doc, lxw_workbook *wb, lxw_format *head)
{
	char gen[21], hex[2 * JN_HASH_LEN + 1];
	lxw_worksheet *ws = add_sheet(wb, "provenance");
	lxw_row_t r = 0;
	sheet s;
	size_t i;

	if (ws == NULL)
		return;
	memset(&s, 0, sizeof s);
	s.ws = ws;
	worksheet_write_string(ws, r, 0, "key", head);
	worksheet_write_string(ws, r++, 1, "value", head);
	worksheet_freeze_panes(ws, 1, 0);
	for (i = 0; i < doc->nitems; i++) {
		const pjd_item *it = &doc->items[i];
		const char *text = pjd_str(doc, it->text);

		if ((it->kind != IT_TITLE && it->kind != IT_LINE) || text[0] == '\0')
			continue;
		worksheet_write_string(ws, r, 0, it->kind == IT_TITLE ? "title" : "line", NULL);
		worksheet_write_string(ws, r++, 1, text, NULL);
		if (pj_strwidth(text) > s.w[1])
			s.w[1] = pj_strwidth(text);
	}
	if (doc->has_prov) {
		pj_hex(doc->prov.hash, JN_HASH_LEN, hex);
		worksheet_write_string(ws, r, 0, "at_seq", NULL);
		worksheet_write_number(ws, r++, 1, (double)doc->prov.seq, NULL);
		worksheet_write_string(ws, r, 0, "head_hash", NULL);
		worksheet_write_string(ws, r++, 1, hex, NULL);
		if (s.w[1] < sizeof hex)
			s.w[1] = sizeof hex;
	}
	pjd_generated(doc, gen);
	worksheet_write_string(ws, r, 0, "generated", NULL);
	worksheet_write_string(ws, r++, 1, gen, NULL);
	s.w[0] = 10;
	widths(&s, 2);
}

int
pj_doc_xlsx(pj_doc *doc, const char *path)
{
	lxw_workbook *wb;
	lxw_format *bold, *head;
	lxw_error e;
	size_t i, n = 0;
	int rc = 0;

	doc->errmsg[0] = '\0';
	if (doc->err)
		return doc->err;
	if ((wb = workbook_new(path)) == NULL) {
		snprintf(doc->errmsg, sizeof doc->errmsg, "cannot create the workbook");
		return errno ? errno : EIO;
	}
	bold = workbook_add_format(wb);
	head = workbook_add_format(wb);
	if (bold == NULL || head == NULL) {
		rc = ENOMEM;
		goto wb_close;
	}
	format_set_bold(bold);
	format_set_bold(head);
	format_set_bg_color(head, 0xE8EEF5);
	format_set_bottom(head, LXW_BORDER_THIN);
	for (i = 0; i < doc->nitems && rc == 0; i++)
		if (doc->items[i].kind == IT_TABLE)
			rc = table(doc, wb, &doc->items[i], ++n, bold, head);
	if (rc == 0)
		provenance(doc, wb, head);
wb_close:
	/* The file is written here, all at once. */
	if ((e = workbook_close(wb)) != LXW_NO_ERROR && rc == 0) {
		snprintf(doc->errmsg, sizeof doc->errmsg, "%s", lxw_strerror(e));
		rc = EIO;
	}
	return rc;
}
