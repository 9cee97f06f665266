/* access.c: `oyako audit --access`: who read whose person data, when, and
 * why: the person.accessed events of the selection (specs/vault.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"

/* The seqs of the person.accessed events of the selection. */
typedef struct seqs {
	const pj_audit *a;
	uint64_t *v;
	size_t n, cap;
} seqs;

static int
on_access(void *ctx, const pj_ev *e)
{
	seqs *s = ctx;

	if (e->ev->seq < s->a->from_seq || (s->a->to_seq && e->ev->seq > s->a->to_seq) ||
	    (s->a->fy && (e->day < s->a->from_day || e->day > s->a->to_day)))
		return 0;
	if (s->n == s->cap) {
		void *nv = realloc(s->v, (s->cap = s->cap ? 2 * s->cap : 64) * sizeof *s->v);
		if (nv == NULL)
			return ENOMEM;
		s->v = nv;
	}
	s->v[s->n++] = e->ev->seq;
	return 0;
}

/* One event's fields; cases joined by commas (malloc'd) when join. */
typedef struct row {
	jn_event ev;
	jn_value cases;
	jn_str purpose;
} row;

static int
get_row(jn_txn *txn, uint64_t seq, row *r)
{
	jn_value v;
	int rc;

	if ((rc = jn_get(txn, seq, &r->ev)) != 0)
		return rc;
	if ((rc = jn_data_get(r->ev.data, r->ev.data_len, "cases", &r->cases)) != 0)
		return rc;
	if (r->cases.kind != JN_V_ARRAY)
		return JN_ECORRUPT;
	if ((rc = jn_data_get(r->ev.data, r->ev.data_len, "purpose", &v)) != 0)
		return rc;
	r->purpose = v.kind == JN_V_STR ? v.s : JN_STR("");
	return 0;
}

typedef struct arows {
	jn_txn *txn;
	const seqs *s;
	char *buf;		/* the cases cell */
	size_t cap;
} arows;

static int
rows(void *ctx, pj_doc *doc)
{
	arows *ar = ctx;
	size_t i;
	int rc;

	for (i = 0; i < ar->s->n; i++) {
		jn_value walk, e;
		size_t at = 0;
		row r;

		if ((rc = get_row(ar->txn, ar->s->v[i], &r)) != 0)
			return rc;
		walk = r.cases;
		while (jn_array_next(&walk, &e) == 0) {
			if (e.kind != JN_V_STR)
				continue;
			if (at + e.s.n + 2 > ar->cap) {
				void *nb = realloc(ar->buf, ar->cap = 2 * (at + e.s.n + 2));
				if (nb == NULL)
					return ENOMEM;
				ar->buf = nb;
			}
			if (at)
				ar->buf[at++] = ',';
			memcpy(ar->buf + at, e.s.p, e.s.n);
			at += e.s.n;
		}
		pj_doc_row(doc);
		pj_doc_cell(doc, "%llu", (unsigned long long)r.ev.seq);
		pj_doc_cell(doc, "%.*s", (int)r.ev.recorded.n, r.ev.recorded.p);
		pj_doc_cell(doc, "%.*s", (int)r.ev.actor.n, r.ev.actor.p);
		pj_doc_cell(doc, "%.*s", (int)r.purpose.n, r.purpose.p);
		pj_doc_cell(doc, "%u", r.cases.n);
		pj_doc_cell(doc, "%.*s", (int)at, at ? ar->buf : "");
	}
	return 0;
}

static void
jw_str(pj_jw *w, const char *key, jn_str s)
{
	char *t = strndup(s.p ? s.p : "", s.n);

	pj_jw_str(w, key, t ? t : "");
	free(t);
}

static int
to_json(jn_txn *txn, const pj_audit *a, const seqs *s, const pj_prov *prov)
{
	pj_jw w;
	size_t i;
	int rc;

	pj_jw_init(&w, stdout);
	pj_jw_object(&w, NULL);
	if (a->fy)
		pj_jw_int(&w, "fiscal_year", a->fy);
	else
		pj_jw_null(&w, "fiscal_year");
	pj_jw_int(&w, "from_seq", (int64_t)a->from_seq);
	pj_jw_int(&w, "to_seq", (int64_t)(a->to_seq ? a->to_seq : prov->seq));
	pj_jw_array(&w, "accesses");
	for (i = 0; i < s->n; i++) {
		jn_value walk, e;
		row r;

		if ((rc = get_row(txn, s->v[i], &r)) != 0)
			return rc;
		pj_jw_object(&w, NULL);
		pj_jw_int(&w, "seq", (int64_t)r.ev.seq);
		jw_str(&w, "recorded", r.ev.recorded);
		jw_str(&w, "occurred", r.ev.occurred);
		jw_str(&w, "actor", r.ev.actor);
		jw_str(&w, "purpose", r.purpose);
		pj_jw_array(&w, "cases");
		walk = r.cases;
		while (jn_array_next(&walk, &e) == 0)
			if (e.kind == JN_V_STR)
				jw_str(&w, NULL, e.s);
		pj_jw_end(&w);
		pj_jw_end(&w);
	}
	pj_jw_end(&w);
	return po_jw_end(&w, prov) == EX_OK ? 0 : EIO;
}

int
audit_access(const po_opts *o, jn_env *env, pj_audit *a)
{
	pj_handler handlers[JN_T_COUNT] = { 0 };
	pj_opts ro = { 0 };
	pj_prov prov;
	seqs s = { a, NULL, 0, 0 };
	arows ar = { NULL, &s, NULL, 0 };
	jn_txn *txn = NULL;
	pj_doc *doc = NULL;
	int rc, ex;

	if (a->fy) {
		a->from_day = pj_days(a->fy, 4, 1);
		a->to_day = pj_days(a->fy + 1, 3, 31);
	}
	handlers[JN_T_PERSON_ACCESSED] = on_access;
	ro.at_seq = o->at_seq;
	if ((rc = pj_replay(env, &ro, handlers, &s, &prov)) != 0) {
		if (rc == JN_ENOTFOUND && !o->at_seq)
			rc = ENOENT;
		ex = po_fail(o, rc);
		goto out;
	}
	/* The log only grows: a later snapshot holds every seq found. */
	if ((rc = jn_txn_begin(env, JN_TXN_RDONLY, &txn)) != 0) {
		ex = po_fail(o, rc);
		goto out;
	}
	ar.txn = txn;
	if (o->fmt == PJ_FMT_JSON) {
		ex = (rc = to_json(txn, a, &s, &prov)) == 0 ? EX_OK : po_fail(o, rc);
		goto out;
	}
	if ((doc = pj_doc_new()) == NULL) {
		ex = po_fail(o, ENOMEM);
		goto out;
	}
	if (o->fmt != PJ_FMT_TSV && o->fmt != PJ_FMT_CSV) {
		pj_doc_line(doc, o->ja ? "個人情報の閲覧: %zu件" : "reads of person data: %zu", s.n);
		pj_doc_line(doc, "%s", "");
	}
	pj_doc_table(doc, NULL, "rlllrl", "seq", po_head(o, "recorded", "記録日時"),
	    po_head(o, "actor", "閲覧者"), po_head(o, "purpose", "目的"),
	    po_head(o, "count", "件数"), po_head(o, "cases", "ケース"));
	pj_doc_rows(doc, rows, &ar);
	pj_doc_footer(doc, &prov, o->ja);
	ex = po_render(o, doc);
out:
	pj_doc_free(doc);
	jn_txn_abort(txn);
	free(ar.buf);
	free(s.v);
	return ex;
}
