/* jsonw.c: see jsonw.h. */
#include <errno.h>
#include <string.h>

#include "jsonw.h"
#include "table.h"

void
pj_jw_init(pj_jw *w, FILE *f)
{
	memset(w, 0, sizeof *w);
	w->f = f;
}

/* Writes s as a JSON string, escaped as jansson's dump does. */
static void
put_string(FILE *f, const char *s)
{
	const char *run = s;

	putc_unlocked('"', f);
	for (;; s++) {
		unsigned char ch = (unsigned char)*s;
		const char *esc;
		char seq[7];

		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		if (s > run)
			fwrite_unlocked(run, 1, (size_t)(s - run), f);
		if (ch == 0)
			break;
		switch (ch) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			snprintf(seq, sizeof seq, "\\u%04X", ch);
			esc = seq;
			break;
		}
		fputs_unlocked(esc, f);
		run = s + 1;
	}
	putc_unlocked('"', f);
}

/* Before a value: the comma after a sibling, then the key. */
static void
member(pj_jw *w, const char *key)
{
	if (w->depth > 0) {
		if (w->more[w->depth - 1])
			putc_unlocked(',', w->f);
		w->more[w->depth - 1] = 1;
	}
	if (key) {
		put_string(w->f, key);
		putc_unlocked(':', w->f);
	}
}

static void
open_level(pj_jw *w, const char *key, char open, char close)
{
	member(w, key);
	if (w->depth == PJ_JW_DEPTH) {
		w->err = w->err ? w->err : EINVAL;
		return;
	}
	putc_unlocked(open, w->f);
	w->close[w->depth] = close;
	w->more[w->depth] = 0;
	w->depth++;
}

void
pj_jw_object(pj_jw *w, const char *key)
{
	open_level(w, key, '{', '}');
}

void
pj_jw_array(pj_jw *w, const char *key)
{
	open_level(w, key, '[', ']');
}

void
pj_jw_end(pj_jw *w)
{
	if (w->depth == 0) {
		w->err = w->err ? w->err : EINVAL;
		return;
	}
	w->depth--;
	putc_unlocked(w->close[w->depth], w->f);
}

void
pj_jw_str(pj_jw *w, const char *key, const char *s)
{
	member(w, key);
	if (s)
		put_string(w->f, s);
	else
		fputs_unlocked("null", w->f);
}

void
pj_jw_int(pj_jw *w, const char *key, int64_t v)
{
	member(w, key);
	fprintf(w->f, "%lld", (long long)v);
}

void
pj_jw_null(pj_jw *w, const char *key)
{
	pj_jw_str(w, key, NULL);
}

void
pj_jw_date(pj_jw *w, const char *key, int32_t day)
{
	char buf[11];

	if (day != PJ_NODAY)
		jn_date_format(day, buf);
	pj_jw_str(w, key, day == PJ_NODAY ? NULL : buf);
}

void
pj_jw_prov(pj_jw *w, const pj_prov *prov)
{
	char hex[2 * JN_HASH_LEN + 1];

	pj_hex(prov->hash, JN_HASH_LEN, hex);
	pj_jw_int(w, "at_seq", (int64_t)prov->seq);
	pj_jw_str(w, "head_hash", hex);
}

int
pj_jw_finish(pj_jw *w)
{
	if (w->depth != 0 && w->err == 0)
		w->err = EINVAL;
	putc_unlocked('\n', w->f);
	if (fflush(w->f) != 0 || ferror(w->f))
		return EIO;
	return w->err;
}
