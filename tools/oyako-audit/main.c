/* oyako-audit: what was corrected, what was recorded long after it
 * happened, and who recorded what, over a fiscal year or a seq range.
 * See oyako-audit.1 and specs/projections.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"

static const char usage_text[] =
    "usage: oyako audit [--fy YEAR | --from-seq A --to-seq B] [--late-days N] [-J DIR]\n"
    "                   [--at-seq N] [--format text|tsv|csv|json|md] [--lang ja|en]\n"
    "  --fy YEAR       events that occurred in this fiscal year (2025, R7, 令和7)\n"
    "  --from-seq A    events from seq A (default 1)\n"
    "  --to-seq B      events up to seq B (default: the head)\n"
    "  --late-days N   back-dated: recorded more than N days after occurred (default 30)\n"
    "  --access        instead: the reads of person data (person.accessed): when, who,\n"
    "                  which cases, why\n";

enum { OPT_FY = PO_FIRST_FREE, OPT_FROM, OPT_TO, OPT_LATE, OPT_ACCESS };

/* One stored event, copied out of the map for output. */
typedef struct shown {
	char id[37], recorded[40], occurred[24], type[40], stream[256], actor[128], reason[512];
	char target[37];
	uint64_t seq;
} shown;

#define COPY(dst, s) snprintf(dst, sizeof dst, "%.*s", (int)(s).n, (s).p)

/* Copies the fields of ev that the output shows. */
static void
show_ev(const jn_event *e, shown *s)
{
	jn_event ev = *e;
	jn_value v;

	memset(s, 0, sizeof *s);
	s->seq = ev.seq;
	jn_uuid_format(ev.id, s->id);
	COPY(s->recorded, ev.recorded);
	COPY(s->occurred, ev.occurred);
	COPY(s->type, ev.type);
	COPY(s->stream, ev.stream);
	COPY(s->actor, ev.actor);
	if (ev.type_code == JN_T_EVENT_RETRACTED) {
		if (jn_data_get(ev.data, ev.data_len, "reason", &v) == 0 && v.kind == JN_V_STR)
			COPY(s->reason, v.s);
		if (jn_data_get(ev.data, ev.data_len, "target", &v) == 0 && v.kind == JN_V_STR)
			COPY(s->target, v.s);
	}
}

static int
show(jn_txn *txn, uint64_t seq, shown *s)
{
	jn_event ev;
	int rc;

	if ((rc = jn_get(txn, seq, &ev)) != 0)
		return rc;
	show_ev(&ev, s);
	return 0;
}

/* The retracted event of retraction r. */
static int
target_of(jn_txn *txn, const shown *r, shown *t)
{
	uint8_t id[JN_ID_LEN];
	jn_event ev;
	int rc;

	if ((rc = jn_uuid_parse(jn_str_c(r->target), id)) != 0 || (rc = jn_get_id(txn, id, &ev)) != 0)
		return rc;
	return show(txn, ev.seq, t);
}

/* A back-dated entry as JSON. */
static json_t *
backdated_json(const shown *s, int64_t days)
{
	json_t *b = json_object();
	int bad = b == NULL;

	bad |= json_object_set_new(b, "seq", json_integer((json_int_t)s->seq));
	bad |= json_object_set_new(b, "id", json_string(s->id));
	bad |= json_object_set_new(b, "type", json_string(s->type));
	bad |= json_object_set_new(b, "stream", json_string(s->stream));
	bad |= json_object_set_new(b, "occurred", json_string(s->occurred));
	bad |= json_object_set_new(b, "recorded", json_string(s->recorded));
	bad |= json_object_set_new(b, "days", json_integer(days));
	bad |= json_object_set_new(b, "actor", json_string(s->actor));
	if (bad) {
		json_decref(b);
		return NULL;
	}
	return b;
}

/* Writes one back-dated entry of the streamed JSON array. */
typedef struct jstream {
	FILE *f;
	size_t n;
} jstream;

static int
backdated_out(void *ctx, const jn_event *ev, int64_t days)
{
	jstream *js = ctx;
	shown s;
	json_t *b;
	int rc = 0;

	show_ev(ev, &s);
	if ((b = backdated_json(&s, days)) == NULL)
		return ENOMEM;
	if (js->n++ > 0)
		fputc(',', js->f);
	if (json_dumpf(b, js->f, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0 || ferror(js->f))
		rc = EIO;
	json_decref(b);
	return rc;
}

/* Dumps obj without its closing brace (open) or its opening one. */
static int
dump_part(json_t *obj, int open, FILE *f)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	size_t n;

	if (text == NULL)
		return ENOMEM;
	n = strlen(text);
	if (open)
		fwrite(text, 1, n - 1, f);
	else
		fwrite(text + 1, 1, n - 1, f);
	free(text);
	return ferror(f) ? EIO : 0;
}

/*
 * The JSON report, with the back-dated list streamed: everything before it
 * and after it is built with jansson (small), the list is written entry by
 * entry while the log is read again, so a list of millions costs no memory.
 * The bytes are those of one jansson dump of the whole object.
 */
static int
to_json(jn_txn *txn, const pj_audit *a, const pj_prov *prov, FILE *f)
{
	json_t *head = json_object(), *tail = json_object(), *corr = json_array(), *acts = json_array();
	jstream js = { f, 0 };
	shown s, t;
	size_t i;
	int rc = 0, bad = !head || !tail || !corr || !acts;

	bad |= json_object_set_new(head, "fiscal_year", a->fy ? json_integer(a->fy) : json_null());
	bad |= json_object_set_new(head, "from_seq", json_integer((json_int_t)a->from_seq));
	bad |= json_object_set_new(head, "to_seq", json_integer((json_int_t)a->to_seq));
	bad |= json_object_set_new(head, "late_days", json_integer(a->late_days));
	for (i = 0; i < a->ncorrections; i++) {
		json_t *c = json_object(), *to = json_object();

		if ((rc = show(txn, a->corrections[i], &s)) != 0 || (rc = target_of(txn, &s, &t)) != 0) {
			json_decref(c);
			json_decref(to);
			goto done;
		}
		bad |= !c || !to;
		bad |= json_object_set_new(c, "seq", json_integer((json_int_t)s.seq));
		bad |= json_object_set_new(c, "recorded", json_string(s.recorded));
		bad |= json_object_set_new(c, "actor", json_string(s.actor));
		bad |= json_object_set_new(c, "occurred", json_string(s.occurred));
		bad |= json_object_set_new(to, "id", json_string(t.id));
		bad |= json_object_set_new(to, "seq", json_integer((json_int_t)t.seq));
		bad |= json_object_set_new(to, "type", json_string(t.type));
		bad |= json_object_set_new(to, "stream", json_string(t.stream));
		bad |= json_object_set_new(to, "occurred", json_string(t.occurred));
		bad |= json_object_set_new(to, "actor", json_string(t.actor));
		bad |= json_object_set_new(c, "target", to);
		bad |= json_object_set_new(c, "reason", json_string(s.reason));
		bad |= json_array_append_new(corr, c);
	}
	bad |= json_object_set_new(head, "corrections", corr);
	corr = NULL;
	for (i = 0; i < pj_names_count(a->actors); i++) {
		const pj_actor *k = &a->counts[i];
		json_t *ko = json_object();

		bad |= ko == NULL;
		bad |= json_object_set_new(ko, "actor", json_string(pj_names_str(a->actors, (uint32_t)i)));
		bad |= json_object_set_new(ko, "events", json_integer((json_int_t)k->events));
		bad |= json_object_set_new(ko, "corrections", json_integer((json_int_t)k->corrections));
		bad |= json_object_set_new(ko, "backdated", json_integer((json_int_t)k->backdated));
		bad |= json_object_set_new(ko, "retracted", json_integer((json_int_t)k->retracted));
		bad |= json_array_append_new(acts, ko);
	}
	bad |= json_object_set_new(tail, "actors", acts);
	acts = NULL;
	if (bad || pj_json_prov(tail, prov) != 0) {
		rc = ENOMEM;
		goto done;
	}
	if ((rc = dump_part(head, 1, f)) != 0)
		goto done;
	fputs(",\"backdated\":[", f);
	if ((rc = pj_audit_backdated(txn, a, backdated_out, &js)) != 0)
		goto done;
	fputs("],", f);
	if ((rc = dump_part(tail, 0, f)) != 0)
		goto done;
	fputc('\n', f);
	if (fflush(f) != 0 || ferror(f))
		rc = EIO;
done:
	json_decref(corr);
	json_decref(acts);
	json_decref(head);
	json_decref(tail);
	return rc;
}

/* The rows of the back-dated table, read again from the log. */
typedef struct drows {
	jn_txn *txn;
	const pj_audit *a;
	pj_doc *doc;
} drows;

static int
backdated_row(void *ctx, const jn_event *ev, int64_t days)
{
	pj_doc *doc = ((drows *)ctx)->doc;
	shown s;

	show_ev(ev, &s);
	pj_doc_row(doc);
	pj_doc_cell(doc, "%llu", (unsigned long long)s.seq);
	pj_doc_cell(doc, "%s", s.type);
	pj_doc_cell(doc, "%s", s.stream);
	pj_doc_cell(doc, "%s", s.occurred);
	pj_doc_cell(doc, "%s", s.recorded);
	pj_doc_cell(doc, "%s", s.actor);
	pj_doc_cell(doc, "%lld", (long long)days);
	return 0;
}

static int
backdated_rows(void *ctx, pj_doc *doc)
{
	drows *d = ctx;

	d->doc = doc;
	return pj_audit_backdated(d->txn, d->a, backdated_row, d);
}

static int
to_doc(jn_txn *txn, const pj_audit *a, const po_opts *o, pj_doc *doc, drows *rows)
{
	int flat = o->fmt == PJ_FMT_TSV || o->fmt == PJ_FMT_CSV, ja = o->ja, rc = 0;
	char title[256];
	shown s, t;
	size_t i;

	if (!flat) {
		if (a->fy)
			pj_doc_line(doc, ja ? "監査: 令和%d年度（%d-04-01〜%d-03-31 に発生）seq %llu..%llu" :
			    "audit: FY%d (occurred %d-04-01 to %d-03-31), seq %llu..%llu",
			    ja ? a->fy - 2018 : a->fy, a->fy, a->fy + 1,
			    (unsigned long long)a->from_seq, (unsigned long long)a->to_seq);
		else
			pj_doc_line(doc, ja ? "監査: seq %llu..%llu" : "audit: seq %llu..%llu",
			    (unsigned long long)a->from_seq, (unsigned long long)a->to_seq);
		pj_doc_line(doc, "%s", "");
	}
	snprintf(title, sizeof title, ja ? "訂正（取消）: %zu件" : "corrections: %zu", a->ncorrections);
	pj_doc_table(doc, flat ? NULL : title, "rlllrllll", "seq", po_head(o, "recorded", "記録日時"),
	    po_head(o, "actor", "記録者"), po_head(o, "occurred", "発生日"),
	    po_head(o, "target_seq", "対象seq"), po_head(o, "target_type", "対象の種類"),
	    po_head(o, "target_stream", "対象ストリーム"), po_head(o, "target_occurred", "対象の発生日"),
	    po_head(o, "reason", "理由"));
	for (i = 0; i < a->ncorrections; i++) {
		if ((rc = show(txn, a->corrections[i], &s)) != 0 || (rc = target_of(txn, &s, &t)) != 0)
			return rc;
		pj_doc_row(doc);
		pj_doc_cell(doc, "%llu", (unsigned long long)s.seq);
		pj_doc_cell(doc, "%s", s.recorded);
		pj_doc_cell(doc, "%s", s.actor);
		pj_doc_cell(doc, "%s", s.occurred);
		pj_doc_cell(doc, "%llu", (unsigned long long)t.seq);
		pj_doc_cell(doc, "%s", t.type);
		pj_doc_cell(doc, "%s", t.stream);
		pj_doc_cell(doc, "%s", t.occurred);
		pj_doc_cell(doc, "%s", s.reason);
	}
	snprintf(title, sizeof title, ja ? "遅延記録（発生から%d日を超えて記録）: %zu件" :
	    "back-dated (recorded more than %d days after occurred): %zu", a->late_days, a->nbackdated);
	pj_doc_table(doc, flat ? NULL : title, "rlllllr", "seq", po_head(o, "type", "種類"),
	    po_head(o, "stream", "ストリーム"), po_head(o, "occurred", "発生日"),
	    po_head(o, "recorded", "記録日時"), po_head(o, "actor", "記録者"), po_head(o, "days", "日数"));
	pj_doc_rows(doc, backdated_rows, rows);
	pj_doc_table(doc, flat ? NULL : ja ? "記録者別" : "per actor", "lrrrr",
	    po_head(o, "actor", "記録者"), po_head(o, "events", "記録数"),
	    po_head(o, "corrections", "訂正"), po_head(o, "backdated", "遅延記録"),
	    po_head(o, "retracted", "取消された記録"));
	for (i = 0; i < pj_names_count(a->actors); i++) {
		const pj_actor *k = &a->counts[i];

		pj_doc_row(doc);
		pj_doc_cell(doc, "%s", pj_names_str(a->actors, (uint32_t)i));
		pj_doc_cell(doc, "%llu", (unsigned long long)k->events);
		pj_doc_cell(doc, "%llu", (unsigned long long)k->corrections);
		pj_doc_cell(doc, "%llu", (unsigned long long)k->backdated);
		pj_doc_cell(doc, "%llu", (unsigned long long)k->retracted);
	}
	return 0;
}

/* Actors in byte order of their names: a stable output. */
static const pj_audit *sort_audit;

static int
cmp_actor(const void *x, const void *y)
{
	return strcmp(pj_names_str(sort_audit->actors, *(const uint32_t *)x),
	    pj_names_str(sort_audit->actors, *(const uint32_t *)y));
}

/* Rebuilds the actor table sorted (names are interned in order seen). */
static int
sort_actors(pj_audit *a)
{
	uint32_t n = pj_names_count(a->actors), i, *idx;
	pj_names *nn;
	pj_actor *nk;

	if (n == 0)
		return 0;
	idx = malloc(n * sizeof *idx);
	nk = malloc(n * sizeof *nk);
	nn = pj_names_new();
	if (idx == NULL || nk == NULL || nn == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		idx[i] = i;
	sort_audit = a;
	qsort(idx, n, sizeof *idx, cmp_actor);
	for (i = 0; i < n; i++) {
		uint32_t k;
		if (pj_names_intern(nn, jn_str_c(pj_names_str(a->actors, idx[i])), &k) != 0)
			goto nomem;
		nk[k] = a->counts[idx[i]];
	}
	free(idx);
	pj_names_free(a->actors);
	free(a->counts);
	a->actors = nn;
	a->counts = nk;
	return 0;
nomem:
	free(idx);
	free(nk);
	pj_names_free(nn);
	return ENOMEM;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		PO_LONGOPTS,
		PO_ASOF_LONGOPT,
		{ "fy", required_argument, NULL, OPT_FY },
		{ "from-seq", required_argument, NULL, OPT_FROM },
		{ "to-seq", required_argument, NULL, OPT_TO },
		{ "late-days", required_argument, NULL, OPT_LATE },
		{ "access", no_argument, NULL, OPT_ACCESS },
		{ NULL, 0, NULL, 0 }
	};
	po_opts o;
	pj_audit a;
	pj_prov prov;
	pj_doc *doc = NULL;
	jn_env *env = NULL;
	jn_txn *txn = NULL;
	drows rows;
	uint64_t v;
	int c, rc, ex, ranged = 0, access = 0;

	cli_init(argc, argv);
	po_init(&o);
	memset(&a, 0, sizeof a);
	a.from_seq = 1;
	a.late_days = 30;
	while ((c = getopt_long(argc, argv, PO_SHORTOPTS, longopts, NULL)) != -1) {
		if ((rc = po_option(&o, c, optarg)) > 0)
			continue;
		if (rc < 0)
			goto usage;
		switch (c) {
		case OPT_FY:
			if (cli_parse_fy("--fy", optarg, &a.fy) != 0)
				goto usage;
			break;
		case OPT_FROM:
		case OPT_TO:
			if (cli_parse_u64(c == OPT_FROM ? "--from-seq" : "--to-seq", optarg, UINT64_MAX, &v) != 0)
				goto usage;
			*(c == OPT_FROM ? &a.from_seq : &a.to_seq) = v;
			ranged = 1;
			break;
		case OPT_ACCESS:
			access = 1;
			break;
		case OPT_LATE:
			if (cli_parse_u64("--late-days", optarg, 36500, &v) != 0)
				goto usage;
			a.late_days = (int)v;
			break;
		default:
			goto usage;
		}
	}
	if (po_finish(&o, argc, argv, usage_text, &ex))
		return ex;
	if (a.fy && ranged) {
		cli_error("give either --fy or --from-seq/--to-seq, not both");
		goto usage;
	}
	if (a.to_seq && a.from_seq > a.to_seq) {
		cli_error("option '--from-seq': %llu is after --to-seq %llu",
		    (unsigned long long)a.from_seq, (unsigned long long)a.to_seq);
		goto usage;
	}
	if ((ex = po_open(&o, &env)) != EX_OK)
		return ex;
	if (access) {
		ex = audit_access(&o, env, &a);
		goto audit_free;
	}
	if ((rc = pj_audit_run(env, o.at_seq, &a, &prov)) != 0 || (rc = sort_actors(&a)) != 0) {
		if (rc == JN_ENOTFOUND && a.to_seq && !o.at_seq)
			cli_error("option '--to-seq': seq %llu is past the head of the journal",
			    (unsigned long long)a.to_seq);
		ex = rc == JN_ENOTFOUND && a.to_seq && !o.at_seq ? EX_NOTFOUND : po_fail(&o, rc);
		goto audit_free;
	}
	a.to_seq = prov.seq;
	if ((rc = jn_txn_begin(env, JN_TXN_RDONLY, &txn)) != 0) {
		ex = po_fail(&o, rc);
		goto audit_free;
	}
	if (o.fmt == PJ_FMT_JSON) {
		if ((rc = to_json(txn, &a, &prov, stdout)) != 0)
			ex = po_fail(&o, rc);
		goto txn_abort;
	}
	rows.txn = txn;
	rows.a = &a;
	if ((doc = pj_doc_new()) == NULL || (rc = to_doc(txn, &a, &o, doc, &rows)) != 0) {
		ex = po_fail(&o, rc ? rc : ENOMEM);
		goto doc_free;
	}
	pj_doc_footer(doc, &prov, o.ja);
	ex = po_render(&o, doc);
doc_free:
	pj_doc_free(doc);
txn_abort:
	jn_txn_abort(txn);
audit_free:
	pj_audit_free(&a);
	jn_env_close(env);
	return po_done(&o, ex);
usage:
	fputs(usage_text, stderr);
	return EX_USAGE;
}
