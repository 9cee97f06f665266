/* table.c: see table.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "docimpl.h"
#include "html.h"

#define MAXCOLS PJ_MAXCOLS
typedef pjd_item item;
typedef pjd_out out;

int
pj_format_parse(const char *s, pj_format *fmt)
{
	static const char *const names[] = { "text", "tsv", "csv", "json", "md", "html", "xlsx" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (s && strcmp(s, names[i]) == 0) {
			*fmt = (pj_format)i;
			return 0;
		}
	return -1;
}

int
pj_wcwidth(uint32_t cp)
{
	/* East Asian Wide (W) and Fullwidth (F) blocks of Unicode's
	 * EastAsianWidth.txt, coarsened to whole blocks where they are wide
	 * throughout; ambiguous ones (①, ○) count one column, as terminals do
	 * outside CJK locales. */
	static const uint32_t wide[][2] = {
		{ 0x1100, 0x115F },	/* Hangul Jamo leading consonants */
		{ 0x231A, 0x231B }, { 0x2329, 0x232A },
		{ 0x2E80, 0x303E },	/* CJK radicals .. CJK symbols and punctuation */
		{ 0x3041, 0x3096 },	/* hiragana */
		{ 0x309B, 0x33FF },	/* kana marks, katakana .. CJK compatibility */
		{ 0x3400, 0x4DBF },	/* CJK extension A */
		{ 0x4E00, 0x9FFF },	/* CJK unified ideographs */
		{ 0xA000, 0xA4CF },	/* Yi */
		{ 0xA960, 0xA97F },
		{ 0xAC00, 0xD7A3 },	/* Hangul syllables */
		{ 0xF900, 0xFAFF },	/* CJK compatibility ideographs */
		{ 0xFE10, 0xFE19 }, { 0xFE30, 0xFE6F },
		{ 0xFF01, 0xFF60 },	/* fullwidth forms */
		{ 0xFFE0, 0xFFE6 },
		{ 0x1F300, 0x1F64F }, { 0x1F900, 0x1F9FF },	/* emoji */
		{ 0x20000, 0x2FFFD }, { 0x30000, 0x3FFFD },
	};
	size_t lo = 0, hi = sizeof wide / sizeof wide[0];

	if (cp < 0x7F)
		return cp >= 0x20;	/* ASCII, most of every table: no search */
	if (cp < 0xA0)
		return 0;
	if ((cp >= 0x0300 && cp <= 0x036F) || cp == 0x200B || cp == 0x3099 || cp == 0x309A ||
	    (cp >= 0xFE00 && cp <= 0xFE0F))
		return 0;	/* combining marks, zero width space, selectors */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cp < wide[mid][0])
			hi = mid;
		else if (cp > wide[mid][1])
			lo = mid + 1;
		else
			return 2;
	}
	return 1;
}

size_t
pj_strwidth(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;

	while (*p) {
		uint32_t cp;
		int n, i;

		if (*p < 0x80) {
			cp = *p;
			n = 1;
		} else if ((*p & 0xE0) == 0xC0) {
			cp = *p & 0x1F;
			n = 2;
		} else if ((*p & 0xF0) == 0xE0) {
			cp = *p & 0x0F;
			n = 3;
		} else if ((*p & 0xF8) == 0xF0) {
			cp = *p & 0x07;
			n = 4;
		} else {
			w++;	/* a stray byte: one column, as a replacement char */
			p++;
			continue;
		}
		for (i = 1; i < n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				break;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		if (i < n) {
			w++;
			p++;
			continue;
		}
		w += pj_wcwidth(cp);
		p += n;
	}
	return w;
}

pj_doc *
pj_doc_new(void)
{
	return calloc(1, sizeof(pj_doc));
}

void
pj_doc_free(pj_doc *doc)
{
	if (doc == NULL)
		return;
	free(doc->arena);
	free(doc->cells);
	free(doc->items);
	free(doc);
}

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	if ((np = realloc(*p, ncap * size)) == NULL)
		return ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

/* Stores a formatted string; SIZE_MAX on failure (doc->err set).  "%s",
 * most cells, is a copy; others format once into the room left and again
 * only when it was short. */
static size_t
vstore(pj_doc *doc, const char *fmt, va_list ap)
{
	va_list aq;
	size_t off = doc->alen, room = doc->acap - doc->alen;
	int n;

	if (fmt[0] == '%' && fmt[1] == 's' && fmt[2] == '\0') {
		const char *s = va_arg(ap, const char *);
		size_t len = strlen(s);

		if (grow((void **)&doc->arena, &doc->acap, doc->alen + len + 1, 1)) {
			doc->err = ENOMEM;
			return SIZE_MAX;
		}
		memcpy(doc->arena + off, s, len + 1);
		doc->alen += len + 1;
		return off;
	}
	va_copy(aq, ap);
	n = vsnprintf(room ? doc->arena + off : NULL, room, fmt, aq);
	va_end(aq);
	if (n < 0 || ((size_t)n >= room &&
	    grow((void **)&doc->arena, &doc->acap, doc->alen + (size_t)n + 1, 1))) {
		doc->err = ENOMEM;
		return SIZE_MAX;
	}
	if ((size_t)n >= room)
		vsnprintf(doc->arena + off, (size_t)n + 1, fmt, ap);
	doc->alen += (size_t)n + 1;
	return off;
}

static size_t
store(pj_doc *doc, const char *fmt, ...)
{
	va_list ap;
	size_t off;

	va_start(ap, fmt);
	off = vstore(doc, fmt, ap);
	va_end(ap);
	return off;
}

static item *
add_item(pj_doc *doc, int kind)
{
	item *it;

	if (grow((void **)&doc->items, &doc->icap, doc->nitems + 1, sizeof(item))) {
		doc->err = ENOMEM;
		return NULL;
	}
	it = &doc->items[doc->nitems++];
	memset(it, 0, sizeof *it);
	it->kind = kind;
	it->text = SIZE_MAX;
	it->name = SIZE_MAX;
	it->first = doc->ncells;
	return it;
}

static void
add_cell(pj_doc *doc, size_t off)
{
	item *t;

	if (doc->nitems == 0 || (t = &doc->items[doc->nitems - 1])->kind != IT_TABLE) {
		doc->err = EINVAL;	/* a cell outside a table is a bug of the caller */
		return;
	}
	if (off == SIZE_MAX || grow((void **)&doc->cells, &doc->ccap, doc->ncells + 1, sizeof(size_t))) {
		doc->err = ENOMEM;
		return;
	}
	doc->cells[doc->ncells++] = off;
	t->ncells++;
}

/* Pads the last row of the current table with empty cells. */
static void
close_row(pj_doc *doc)
{
	item *t;

	if (doc->nitems == 0 || (t = &doc->items[doc->nitems - 1])->kind != IT_TABLE)
		return;
	while (!doc->err && t->ncells % t->ncols)
		add_cell(doc, store(doc, "%s", ""));
}

static void
vline(pj_doc *doc, int kind, const char *fmt, va_list ap)
{
	item *it;

	close_row(doc);
	if ((it = add_item(doc, kind)) != NULL)
		it->text = vstore(doc, fmt, ap);
}

void
pj_doc_line(pj_doc *doc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(doc, IT_LINE, fmt, ap);
	va_end(ap);
}

void
pj_doc_title(pj_doc *doc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(doc, IT_TITLE, fmt, ap);
	va_end(ap);
}

/* The current table, or NULL (doc->err set: a bug of the caller). */
static item *
cur_table(pj_doc *doc)
{
	if (doc->nitems == 0 || doc->items[doc->nitems - 1].kind != IT_TABLE) {
		doc->err = EINVAL;
		return NULL;
	}
	return &doc->items[doc->nitems - 1];
}

void
pj_doc_name(pj_doc *doc, const char *name)
{
	size_t off;

	if (cur_table(doc) && (off = store(doc, "%s", name)) != SIZE_MAX)
		doc->items[doc->nitems - 1].name = off;
}

void
pj_doc_chart(pj_doc *doc, unsigned columns)
{
	item *t = cur_table(doc);

	if (t)
		t->chart = columns;
}

void
pj_doc_lang(pj_doc *doc, int ja)
{
	doc->ja = ja;
}

void
pj_doc_encoding(pj_doc *doc, pj_encoding enc)
{
	doc->enc = enc;
}

void
pj_doc_generated(pj_doc *doc, int64_t unix_seconds)
{
	doc->generated = (time_t)unix_seconds;
}

const char *
pj_doc_errmsg(const pj_doc *doc)
{
	return doc->errmsg;
}

void
pj_doc_tablev(pj_doc *doc, const char *title, const char *align, const char *const *heads)
{
	item *it;
	int i, n = (int)strlen(align);

	close_row(doc);
	if (n < 1 || n > MAXCOLS) {
		doc->err = EINVAL;
		return;
	}
	if ((it = add_item(doc, IT_TABLE)) == NULL)
		return;
	it->ncols = n;
	memcpy(it->align, align, (size_t)n);
	if (title)
		doc->items[doc->nitems - 1].text = store(doc, "%s", title);
	for (i = 0; i < n; i++)
		add_cell(doc, store(doc, "%s", heads[i]));
}

void
pj_doc_table(pj_doc *doc, const char *title, const char *align, ...)
{
	const char *heads[MAXCOLS];
	va_list ap;
	int i, n = (int)strlen(align);

	va_start(ap, align);
	for (i = 0; i < n && i < MAXCOLS; i++)
		heads[i] = va_arg(ap, const char *);
	va_end(ap);
	pj_doc_tablev(doc, title, align, heads);
}

static void row_out(pj_doc *doc, const item *t, const size_t *cells, out *o);
static int render_items(pj_doc *doc, out *o);

/* A column added to the table just started, before any row: a tool adds
 * optional columns (the names of --names) without a second header list. */
void
pj_doc_column(pj_doc *doc, char align, const char *header)
{
	item *t;

	if (doc->nitems == 0 || (t = &doc->items[doc->nitems - 1])->kind != IT_TABLE ||
	    t->ncells != (size_t)t->ncols || t->src != NULL || t->ncols >= MAXCOLS) {
		doc->err = EINVAL;	/* a bug of the caller */
		return;
	}
	t->align[t->ncols++] = align;
	add_cell(doc, store(doc, "%s", header));
}

/* Writes the pending row of a row source (padded) and forgets it. */
static void
stream_flush(pj_doc *doc)
{
	if (doc->ncells == doc->cmark)
		return;
	while (!doc->err && (doc->ncells - doc->cmark) % (size_t)doc->st->ncols) {
		size_t off = store(doc, "%s", "");

		if (off == SIZE_MAX || grow((void **)&doc->cells, &doc->ccap, doc->ncells + 1, sizeof(size_t)))
			doc->err = ENOMEM;
		else
			doc->cells[doc->ncells++] = off;
	}
	if (!doc->err && doc->ncells - doc->cmark == (size_t)doc->st->ncols)
		row_out(doc, doc->st, doc->cells + doc->cmark, doc->sout);
	else if (!doc->err)
		doc->err = EINVAL;	/* more cells than columns: a bug of the source */
	doc->ncells = doc->cmark;
	doc->alen = doc->amark;
}

void
pj_doc_row(pj_doc *doc)
{
	if (doc->sout)
		stream_flush(doc);
	else
		close_row(doc);
}

void
pj_doc_cell(pj_doc *doc, const char *fmt, ...)
{
	va_list ap;
	size_t off;

	va_start(ap, fmt);
	off = vstore(doc, fmt, ap);
	va_end(ap);
	if (doc->sout == NULL)
		add_cell(doc, off);
	else if (off != SIZE_MAX && grow((void **)&doc->cells, &doc->ccap, doc->ncells + 1, sizeof(size_t)) == 0)
		doc->cells[doc->ncells++] = off;
	else
		doc->err = ENOMEM;
}

void
pj_doc_rows(pj_doc *doc, pj_rows_fn fn, void *ctx)
{
	item *t;

	close_row(doc);
	if (doc->nitems == 0 || (t = &doc->items[doc->nitems - 1])->kind != IT_TABLE) {
		doc->err = EINVAL;
		return;
	}
	t->src = fn;
	t->sctx = ctx;
}

void
pj_doc_footer(pj_doc *doc, const pj_prov *prov, int ja)
{
	char hex[2 * JN_HASH_LEN + 1];

	pj_hex(prov->hash, JN_HASH_LEN, hex);
	doc->prov = *prov;
	doc->has_prov = 1;
	if (ja)
		pj_doc_title(doc, "集計元: seq %llu（ハッシュ %s）", (unsigned long long)prov->seq, hex);
	else
		pj_doc_title(doc, "computed from seq %llu, hash %s", (unsigned long long)prov->seq, hex);
	if (!doc->err)
		doc->items[doc->nitems - 1].kind = IT_PROV;
}

/* Converts the UTF-8 cell s to CP932 in o->cbuf: the converted cell, or
 * NULL (doc->err EILSEQ or ENOMEM, doc->errmsg naming the character). */
static const char *
to_sjis(pj_doc *doc, const char *s, out *o)
{
	size_t len = strlen(s), need = 2 * len + 1;
	char *in = (char *)s, *op;
	size_t inleft = len, outleft;

	if (grow((void **)&o->cbuf, &o->ccap, need, 1)) {
		doc->err = ENOMEM;
		return NULL;
	}
	op = o->cbuf;
	outleft = o->ccap - 1;
	iconv(o->cd, NULL, NULL, NULL, NULL);
	if (iconv(o->cd, &in, &inleft, &op, &outleft) == (size_t)-1) {
		/* CP932 is never longer than UTF-8, so the room was enough:
		 * the character at in is not in CP932 (or not UTF-8). */
		size_t n = 1;
		while (n < inleft && n < 4 && ((unsigned char)in[n] & 0xC0) == 0x80)
			n++;
		snprintf(doc->errmsg, sizeof doc->errmsg,
		    "'%.*s' in '%.60s' has no Shift_JIS (CP932) code", (int)n, in, s);
		doc->err = EILSEQ;
		return NULL;
	}
	*op = '\0';
	return o->cbuf;
}

/* Writes s with the characters a format cannot carry replaced or escaped;
 * the runs between them go out whole. */
static void
put_cell(const char *s, pj_format fmt, FILE *f)
{
	const char *special = fmt == PJ_FMT_MD ? "\t\n\r|\\" : "\t\n\r";

	if (fmt == PJ_FMT_CSV) {
		if (strpbrk(s, ",\"\r\n") == NULL) {
			fputs(s, f);
			return;
		}
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
		return;
	}
	for (;;) {
		size_t n = strcspn(s, special);

		fwrite(s, 1, n, f);
		s += n;
		if (*s == '\0')
			return;
		if (*s == '\t' || *s == '\n' || *s == '\r') {
			fputc(' ', f);	/* tsv, text and md rows are one line */
		} else {
			fputc('\\', f);	/* md: | and \ */
			fputc(*s, f);
		}
		s++;
	}
}

static void
pad(size_t n, FILE *f)
{
	static const char spaces[] = "                                                                ";

	for (; n > sizeof spaces - 1; n -= sizeof spaces - 1)
		fwrite(spaces, 1, sizeof spaces - 1, f);
	fwrite(spaces, 1, n, f);
}

/* One row of table t (cells: offsets of its ncols cells) to o. */
static void
row_out(pj_doc *doc, const item *t, const size_t *cells, out *o)
{
	FILE *f = o->f;
	int c;

	if (doc->err)
		return;	/* a failed row stops the table */
	if (o->emit) {
		o->emit(doc, t, cells, o);
		o->row++;
		return;
	}
	if (o->measure) {
		for (c = 0; c < t->ncols; c++) {
			size_t cw = pj_strwidth(doc->arena + cells[c]);
			if (cw > o->w[c])
				o->w[c] = cw;
		}
		return;
	}
	switch (o->fmt) {
	case PJ_FMT_TEXT:
		for (c = 0; c < t->ncols; c++) {
			const char *s = doc->arena + cells[c];
			size_t gap = o->w[c] - pj_strwidth(s);

			if (c > 0)
				fputs("  ", f);
			if (t->align[c] == 'r')
				pad(gap, f);
			put_cell(s, PJ_FMT_TEXT, f);
			if (t->align[c] != 'r' && c + 1 < t->ncols)
				pad(gap, f);
		}
		fputc('\n', f);
		break;
	case PJ_FMT_MD:
		fputc('|', f);
		for (c = 0; c < t->ncols; c++) {
			fputc(' ', f);
			put_cell(doc->arena + cells[c], PJ_FMT_MD, f);
			fputs(" |", f);
		}
		fputc('\n', f);
		if (o->row == 0) {
			fputc('|', f);
			for (c = 0; c < t->ncols; c++)
				fputs(t->align[c] == 'r' ? " ---: |" : " --- |", f);
			fputc('\n', f);
		}
		break;
	default:
		for (c = 0; c < t->ncols; c++) {
			const char *s = doc->arena + cells[c];

			if (o->cd != (iconv_t)-1 && (s = to_sjis(doc, s, o)) == NULL)
				return;
			if (c > 0)
				fputc(o->fmt == PJ_FMT_CSV ? ',' : '\t', f);
			put_cell(s, o->fmt, f);
		}
		fputs(o->fmt == PJ_FMT_CSV ? "\r\n" : "\n", f);
		break;
	}
	o->row++;
}

/* The rows of t, stored then streamed, to o.  0 or an error. */
int
pjd_rows_out(pj_doc *doc, const item *t, out *o)
{
	size_t i, nrows = t->ncells / t->ncols;
	int rc;

	for (i = 0; i < nrows && !doc->err; i++)
		row_out(doc, t, doc->cells + t->first + i * t->ncols, o);
	if (t->src == NULL || doc->err)
		return doc->err;
	doc->st = t;
	doc->sout = o;
	doc->amark = doc->alen;
	doc->cmark = doc->ncells;
	rc = t->src(t->sctx, doc);
	if (rc == 0)
		stream_flush(doc);	/* the last row */
	doc->sout = NULL;
	doc->ncells = doc->cmark;
	doc->alen = doc->amark;
	return rc ? rc : doc->err;
}

static int
render_table(pj_doc *doc, const item *t, out *o)
{
	pj_format fmt = o->fmt;
	FILE *f = o->f;
	int rc;

	memset(o->w, 0, sizeof o->w);
	o->row = 0;
	if (fmt == PJ_FMT_TEXT) {
		o->measure = 1;
		if ((rc = pjd_rows_out(doc, t, o)) != 0)
			return rc;
		o->measure = 0;
	}
	if (t->text != SIZE_MAX && fmt == PJ_FMT_TEXT)
		fprintf(f, "%s\n", doc->arena + t->text);
	else if (t->text != SIZE_MAX && fmt == PJ_FMT_MD)
		fprintf(f, "**%s**\n\n", doc->arena + t->text);
	if ((rc = pjd_rows_out(doc, t, o)) != 0)
		return rc;
	if (fmt == PJ_FMT_TEXT || fmt == PJ_FMT_MD)
		fputc('\n', f);
	return 0;
}

int
pj_doc_render(pj_doc *doc, pj_format fmt, FILE *f)
{
	out o;
	int rc;

	close_row(doc);
	doc->errmsg[0] = '\0';
	if (doc->err)
		return doc->err;
	if (fmt == PJ_FMT_HTML)
		return pj_doc_html(doc, f);
	memset(&o, 0, sizeof o);
	o.fmt = fmt;
	o.f = f;
	o.cd = (iconv_t)-1;
	if (fmt == PJ_FMT_CSV && doc->enc == PJ_ENC_SJIS &&
	    (o.cd = iconv_open("CP932", "UTF-8")) == (iconv_t)-1)
		return errno;
	if (fmt == PJ_FMT_CSV && doc->enc == PJ_ENC_UTF8)
		fputs("\xEF\xBB\xBF", f);	/* the mark Excel needs to read UTF-8 */
	rc = render_items(doc, &o);
	if (o.cd != (iconv_t)-1)
		iconv_close(o.cd);
	free(o.cbuf);
	if (rc == EILSEQ)
		doc->err = 0;	/* the document is good: only this encoding failed */
	if (rc == 0 && (fflush(f) != 0 || ferror(f)))
		rc = EIO;
	return rc;
}

static int
render_items(pj_doc *doc, out *o)
{
	pj_format fmt = o->fmt;
	FILE *f = o->f;
	size_t i;
	int tables = 0, rc;

	for (i = 0; i < doc->nitems; i++) {
		const item *it = &doc->items[i];

		if (it->kind != IT_TABLE) {
			if (fmt == PJ_FMT_TEXT)
				fprintf(f, "%s\n", doc->arena + it->text);
			else if (fmt == PJ_FMT_MD && doc->arena[it->text])
				fprintf(f, "%s\n\n", doc->arena + it->text);	/* blank: spacing only */
			continue;
		}
		if (fmt != PJ_FMT_TEXT && fmt != PJ_FMT_MD && fmt != PJ_FMT_TSV && fmt != PJ_FMT_CSV)
			return EINVAL;
		if ((fmt == PJ_FMT_TSV || fmt == PJ_FMT_CSV) && tables++ > 0)
			fputs(fmt == PJ_FMT_CSV ? "\r\n" : "\n", f);
		if ((rc = render_table(doc, it, o)) != 0)
			return rc;
	}
	return 0;
}

int
pjd_cell_number(const char *s, long long *v)
{
	char *end;

	if (!((*s >= '0' && *s <= '9') || ((*s == '-' || *s == '+') && s[1] >= '0' && s[1] <= '9')))
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return *end == '\0' && errno == 0 ? 0 : -1;
}

void
pjd_generated(const pj_doc *doc, char buf[21])
{
	time_t t = doc->generated ? doc->generated : time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
pj_json_prov(json_t *obj, const pj_prov *prov)
{
	char hex[2 * JN_HASH_LEN + 1];

	pj_hex(prov->hash, JN_HASH_LEN, hex);
	if (json_object_set_new(obj, "at_seq", json_integer((json_int_t)prov->seq)) ||
	    json_object_set_new(obj, "head_hash", json_string(hex)))
		return ENOMEM;
	return 0;
}

int
pj_json_print(json_t *obj, FILE *f)
{
	if (obj == NULL)
		return ENOMEM;
	if (json_dumpf(obj, f, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
		return EIO;
	fputc('\n', f);
	if (fflush(f) != 0 || ferror(f))
		return EIO;
	return 0;
}

json_t *
pj_json_date(int32_t day)
{
	char buf[11];

	if (day == PJ_NODAY)
		return json_null();
	jn_date_format(day, buf);
	return json_string(buf);
}
