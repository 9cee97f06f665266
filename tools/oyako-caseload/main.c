/* oyako-caseload: each coordinator's open cases at a date (by the district
 * rule, following transfers and reassignments), and the unassigned ones.
 * See oyako-caseload.1 and specs/projections.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vcli.h"

static const char usage_text[] =
    "usage: oyako caseload [--as-of YYYY-MM-DD] [--coordinator CODE] [--rules FILE] [-J DIR]\n"
    "                      [--at-seq N] [--format text|tsv|csv|json|md|html|xlsx] [-o FILE]\n"
    "                      [--encoding utf-8|sjis] [--lang ja|en] [--jobs N]\n"
    "                      [--names [--key-file FILE] [--actor ACTOR] [--purpose TEXT]]\n";

enum { OPT_COORD = PO_FIRST_FREE, OPT_RULES };

/* Counts of one list. */
typedef struct tally {
	size_t cases, pregnant, infant, flagged;
} tally;

/*
 * The lists to write: one per coordinator shown (in code order), then the
 * unassigned when shown.  The open cases are grouped by list once, a
 * stable counting sort of their indexes (so by id within a list); a case's
 * status is worked out again where its row is written, so nothing per case
 * is held but its index.
 */
typedef struct load {
	const pj_model *m;
	const pj_rules *rules;
	const po_opts *o;
	const uint32_t *staff;	/* the coordinators shown, by code */
	size_t nstaff;
	int unassigned;		/* the unassigned list is shown (last) */
	size_t nlists;
	uint32_t *idx;		/* case indexes, grouped by list */
	size_t *start;		/* list g: idx[start[g] .. start[g + 1]) */
	tally *t;		/* per list */
	const vc_names *names;	/* --names, else NULL */
} load;

/* A row source's context: one list, or all of them (tsv, csv). */
typedef struct part {
	const load *l;
	size_t first, last;	/* lists first .. last - 1 */
} part;

static void
load_free(load *l)
{
	free(l->idx);
	free(l->start);
	free(l->t);
}

/* Groups the open cases (sorted by id) by list and counts them. */
static int
group(load *l, const uint32_t *open, size_t n)
{
	const pj_model *m = l->m;
	int64_t *list_of = NULL;	/* staff index -> list, -1: not shown */
	uint32_t *g = NULL;		/* case's list, UINT32_MAX: not shown */
	size_t i, *fill = NULL;
	pj_status st;
	int rc = ENOMEM;

	l->nlists = l->nstaff + (l->unassigned ? 1 : 0);
	if ((list_of = malloc((m->nstaff ? m->nstaff : 1) * sizeof *list_of)) == NULL ||
	    (g = malloc((n ? n : 1) * sizeof *g)) == NULL ||
	    (fill = malloc((l->nlists ? l->nlists : 1) * sizeof *fill)) == NULL ||
	    (l->start = calloc(l->nlists + 1, sizeof *l->start)) == NULL ||
	    (l->t = calloc(l->nlists ? l->nlists : 1, sizeof *l->t)) == NULL ||
	    (l->idx = malloc((n ? n : 1) * sizeof *l->idx)) == NULL)
		goto done;
	for (i = 0; i < m->nstaff; i++)
		list_of[i] = -1;
	for (i = 0; i < l->nstaff; i++)
		list_of[l->staff[i]] = (int64_t)i;
	for (i = 0; i < n; i++) {
		int64_t k;
		tally *t;

		pj_case_status(m, &m->cases[open[i]], l->rules, &st);
		k = st.coord >= 0 ? list_of[st.coord] : l->unassigned ? (int64_t)l->nstaff : -1;
		if (k < 0) {
			g[i] = UINT32_MAX;
			continue;
		}
		g[i] = (uint32_t)k;
		t = &l->t[k];
		t->cases++;
		if (st.infant)
			t->infant++;
		else
			t->pregnant++;
		t->flagged += st.flags != 0;
	}
	for (i = 0; i < l->nlists; i++)
		l->start[i + 1] = l->start[i] + l->t[i].cases;
	for (i = 0; i < l->nlists; i++)
		fill[i] = l->start[i];
	for (i = 0; i < n; i++)
		if (g[i] != UINT32_MAX)
			l->idx[fill[g[i]]++] = open[i];
	rc = 0;
done:
	free(list_of);
	free(g);
	free(fill);
	return rc;
}

static const char *
name(const load *l, uint32_t i)
{
	return i == PJ_NONE ? NULL : pj_names_str(l->m->names, i);
}

static void
case_json(const load *l, pj_jw *w, uint32_t ci)
{
	const pj_case *c = &l->m->cases[ci];
	pj_status st;
	char id[37];
	int f;

	pj_case_status(l->m, c, l->rules, &st);
	jn_uuid_format(c->id, id);
	pj_jw_object(w, NULL);
	pj_jw_str(w, "case", id);
	vc_names_jw(l->names, w, c->id);
	pj_jw_str(w, "district", pj_names_str(l->m->names, st.district));
	pj_jw_str(w, "stage", st.infant ? "infant" : "pregnant");
	pj_jw_date(w, "due_date", c->due);
	pj_jw_date(w, "birth_date", st.infant ? c->birth : PJ_NODAY);
	pj_jw_date(w, "last_contact", c->last_contact);
	if (st.next_what) {
		pj_jw_object(w, "next");
		pj_jw_str(w, "what", jn_type_name((jn_type)st.next_what));
		pj_jw_date(w, "by", st.next_by);
		pj_jw_end(w);
	} else
		pj_jw_null(w, "next");
	pj_jw_array(w, "flags");
	for (f = 0; f < PJ_F_COUNT; f++)
		if (st.flags & (1u << f))
			pj_jw_str(w, NULL, pj_flag_name(f));
	pj_jw_end(w);
	pj_jw_end(w);
}

/* The cases of list k as a JSON array (empty when k is past the lists). */
static void
cases_json(const load *l, pj_jw *w, const char *key, size_t k)
{
	size_t i;

	pj_jw_array(w, key);
	for (i = k < l->nlists ? l->start[k] : 0; k < l->nlists && i < l->start[k + 1]; i++)
		case_json(l, w, l->idx[i]);
	pj_jw_end(w);
}

static void
tally_json(pj_jw *w, const char *code, const tally *t)
{
	pj_jw_object(w, NULL);
	pj_jw_str(w, "coordinator", code);
	pj_jw_int(w, "cases", (int64_t)t->cases);
	pj_jw_int(w, "pregnant", (int64_t)t->pregnant);
	pj_jw_int(w, "infant", (int64_t)t->infant);
	pj_jw_int(w, "flagged", (int64_t)t->flagged);
	pj_jw_end(w);
}

/* Writes the document as it goes, one case at a time. */
static int
to_json(const load *l, const pj_prov *prov)
{
	pj_jw w;
	size_t i;

	pj_jw_init(&w, stdout);
	pj_jw_object(&w, NULL);
	pj_jw_date(&w, "as_of", l->m->as_of);
	pj_jw_array(&w, "coordinators");
	for (i = 0; i < l->nstaff; i++) {
		const pj_staff *s = &l->m->staff[l->staff[i]];

		pj_jw_object(&w, NULL);
		pj_jw_str(&w, "coordinator", name(l, s->code));
		pj_jw_str(&w, "room", name(l, s->room));
		cases_json(l, &w, "cases", i);
		pj_jw_end(&w);
	}
	pj_jw_end(&w);
	/* Not shown (--coordinator): an empty list, past the lists. */
	cases_json(l, &w, "unassigned", l->unassigned ? l->nstaff : l->nlists);
	pj_jw_array(&w, "summary");
	for (i = 0; i < l->nlists; i++)
		tally_json(&w, i < l->nstaff ? name(l, l->m->staff[l->staff[i]].code) : NULL, &l->t[i]);
	pj_jw_end(&w);
	return po_jw_end(&w, prov);
}

/* The rows of the lists of a part; with tsv/csv every row carries its
 * coordinator and room. */
static int
rows(void *ctx, pj_doc *doc)
{
	const part *p = ctx;
	const load *l = p->l;
	const po_opts *o = l->o;
	int flat = o->fmt == PJ_FMT_TSV || o->fmt == PJ_FMT_CSV;
	char id[37], d[11];
	size_t k, i;
	int f;

	for (k = p->first; k < p->last; k++) {
		const pj_staff *s = k < l->nstaff ? &l->m->staff[l->staff[k]] : NULL;
		const char *code = s ? name(l, s->code) : NULL;
		const char *room = s ? name(l, s->room) : NULL;

		for (i = l->start[k]; i < l->start[k + 1]; i++) {
			const pj_case *c = &l->m->cases[l->idx[i]];
			char flags[256] = "";
			pj_status st;

			pj_case_status(l->m, c, l->rules, &st);
			pj_doc_row(doc);
			if (flat) {
				pj_doc_cell(doc, "%s", code ? code : "");
				pj_doc_cell(doc, "%s", room ? room : "");
			}
			jn_uuid_format(c->id, id);
			pj_doc_cell(doc, "%s", id);
			pj_doc_cell(doc, "%s", pj_names_str(l->m->names, st.district));
			pj_doc_cell(doc, "%s", st.infant ? (o->ja && !flat ? "乳児" : "infant") :
			    (o->ja && !flat ? "妊娠中" : "pregnant"));
			jn_date_format(c->due, d);
			pj_doc_cell(doc, "%s", c->due == PJ_NODAY ? "" : d);
			jn_date_format(c->birth, d);
			pj_doc_cell(doc, "%s", st.infant ? d : "");
			jn_date_format(c->last_contact, d);
			pj_doc_cell(doc, "%s", c->last_contact == PJ_NODAY ? "" : d);
			jn_date_format(st.next_by, d);
			pj_doc_cell(doc, "%s", st.next_what ? jn_type_name((jn_type)st.next_what) : "");
			pj_doc_cell(doc, "%s", st.next_what ? d : "");
			for (f = 0; f < PJ_F_COUNT; f++)
				if (st.flags & (1u << f)) {
					if (flags[0])
						strcat(flags, ",");
					strcat(flags, pj_flag_name(f));
				}
			pj_doc_cell(doc, "%s", flags);
			vc_names_cells(l->names, doc, c->id);
		}
	}
	return 0;
}

static void
table(const load *l, pj_doc *doc, const char *title)
{
	const po_opts *o = l->o;

	pj_doc_table(doc, title, "lllllllll", po_head(o, "case", "ケース"),
	    po_head(o, "district", "地区"), po_head(o, "stage", "段階"),
	    po_head(o, "due_date", "出産予定日"), po_head(o, "birth_date", "出生日"),
	    po_head(o, "last_contact", "最終接触"), po_head(o, "next", "次の接触"),
	    po_head(o, "by", "期限"), po_head(o, "flags", "フラグ"));
	vc_names_columns(l->names, o, doc);
}

/* html and xlsx: the counts per list first, with their chart. */
static void
summary(const load *l, pj_doc *doc)
{
	const po_opts *o = l->o;
	size_t i;

	pj_doc_table(doc, o->ja ? "担当ごとの件数" : "cases per coordinator", "llrrrr",
	    po_head(o, "coordinator", "コーディネーター"), po_head(o, "room", "支援室"),
	    po_head(o, "cases", "件数"), po_head(o, "pregnant", "妊娠中"),
	    po_head(o, "infant", "乳児"), po_head(o, "flagged", "フラグあり"));
	pj_doc_name(doc, o->ja ? "件数" : "summary");
	for (i = 0; i < l->nlists; i++) {
		const pj_staff *s = i < l->nstaff ? &l->m->staff[l->staff[i]] : NULL;

		pj_doc_row(doc);
		pj_doc_cell(doc, "%s", s ? pj_names_str(l->m->names, s->code) : (o->ja ? "未割当" : "unassigned"));
		pj_doc_cell(doc, "%s", s && s->room != PJ_NONE ? name(l, s->room) : "");
		pj_doc_cell(doc, "%zu", l->t[i].cases);
		pj_doc_cell(doc, "%zu", l->t[i].pregnant);
		pj_doc_cell(doc, "%zu", l->t[i].infant);
		pj_doc_cell(doc, "%zu", l->t[i].flagged);
	}
	pj_doc_chart(doc, 1u << 2 | 1u << 5);	/* cases and flagged */
}

/* The document, its rows given by parts (nlists of them, or one for
 * tsv/csv) when it is rendered. */
static void
to_doc(const load *l, part *parts, pj_doc *doc)
{
	const po_opts *o = l->o;
	char title[256], asof[11];
	size_t i;

	jn_date_format(l->m->as_of, asof);
	if (o->fmt == PJ_FMT_TSV || o->fmt == PJ_FMT_CSV) {
		pj_doc_table(doc, NULL, "lllllllllll", "coordinator", "room", "case", "district",
		    "stage", "due_date", "birth_date", "last_contact", "next", "by", "flags");
		vc_names_columns(l->names, o, doc);
		parts[0] = (part){ l, 0, l->nlists };
		pj_doc_rows(doc, rows, &parts[0]);
		return;
	}
	pj_doc_title(doc, o->ja ? "%s 時点のケース担当" : "caseload as of %s", asof);
	pj_doc_line(doc, "%s", "");
	if (o->fmt == PJ_FMT_HTML || o->fmt == PJ_FMT_XLSX)
		summary(l, doc);
	for (i = 0; i < l->nlists; i++) {
		const pj_staff *s = i < l->nstaff ? &l->m->staff[l->staff[i]] : NULL;
		const char *code = s ? name(l, s->code) : (o->ja ? "未割当" : "unassigned");
		const char *room = s && s->room != PJ_NONE ? name(l, s->room) : "-";
		const tally *t = &l->t[i];

		if (!s)
			snprintf(title, sizeof title, o->ja ? "%s: %zu件（妊娠中 %zu・乳児 %zu・フラグあり %zu）" :
			    "%s: %zu cases (%zu pregnant, %zu infant, %zu flagged)",
			    code, t->cases, t->pregnant, t->infant, t->flagged);
		else
			snprintf(title, sizeof title, o->ja ? "%s（%s）: %zu件（妊娠中 %zu・乳児 %zu・フラグあり %zu）" :
			    "%s (%s): %zu cases (%zu pregnant, %zu infant, %zu flagged)",
			    code, room, t->cases, t->pregnant, t->infant, t->flagged);
		table(l, doc, title);
		pj_doc_name(doc, code);	/* the sheet's name */
		parts[i] = (part){ l, i, i + 1 };
		pj_doc_rows(doc, rows, &parts[i]);
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		PO_LONGOPTS,
		PO_ASOF_LONGOPT,
		PO_JOBS_LONGOPT,
		{ "coordinator", required_argument, NULL, OPT_COORD },
		{ "rules", required_argument, NULL, OPT_RULES },
		VC_LONGOPTS,
		VC_NAMES_LONGOPT,
		{ NULL, 0, NULL, 0 }
	};
	const char *rules_path = NULL, *only = NULL;
	po_opts o;
	po_cases r;
	pj_doc *doc = NULL;
	part *parts = NULL;
	uint32_t *staff = NULL;
	size_t nstaff = 0, i;
	load l;
	vc_opts vo = { 0 };
	vc_names nm = { 0 };
	int c, rc, ex;

	cli_init(argc, argv);
	po_init(&o);
	while ((c = getopt_long(argc, argv, PO_SHORTOPTS, longopts, NULL)) != -1) {
		if ((rc = po_option(&o, c, optarg)) > 0)
			continue;
		if (rc == 0 && c == OPT_RULES)
			rules_path = optarg;
		else if (rc == 0 && c == OPT_COORD)
			only = optarg;
		else if (rc == 0 && vc_option(&vo, c, optarg))
			continue;
		else
			goto usage;
	}
	if (po_finish(&o, argc, argv, usage_text, &ex))
		return ex;
	o.writable = vo.names;
	if ((ex = po_cases_run(&o, rules_path, &r)) != EX_OK)
		goto cases_free;
	if ((rc = pj_active_staff(&r.m, &staff, &nstaff)) != 0) {
		ex = po_fail(&o, rc);
		goto cases_free;
	}
	if (only) {
		/* One coordinator: keep that one, drop the unassigned. */
		for (i = 0; i < nstaff; i++)
			if (strcmp(pj_names_str(r.m.names, r.m.staff[staff[i]].code), only) == 0)
				break;
		if (i == nstaff) {
			char d[11];
			jn_date_format(o.as_of, d);
			cli_error("no coordinator '%s' at %s", only, d);
			ex = EX_NOTFOUND;
			goto cases_free;
		}
		staff[0] = staff[i];
		nstaff = 1;
	}
	memset(&l, 0, sizeof l);
	l.m = &r.m;
	l.rules = &r.rules;
	l.o = &o;
	l.staff = staff;
	l.nstaff = nstaff;
	l.unassigned = only == NULL;
	if ((rc = group(&l, r.idx, r.n)) != 0) {
		ex = po_fail(&o, rc);
		goto load_free;
	}
	if (vo.names && (ex = vc_names_cases(&nm, &vo, r.env, cli_journal_path(o.journal),
	    "caseload --names", &r.m, l.idx, l.start[l.nlists])) != EX_OK)
		goto load_free;
	l.names = vo.names ? &nm : NULL;
	/* The grouped copy is what is written: the sorted one can go. */
	free(r.idx);
	r.idx = NULL;
	if (o.fmt == PJ_FMT_JSON) {
		ex = to_json(&l, &r.prov);
		goto load_free;
	}
	if ((doc = pj_doc_new()) == NULL ||
	    (parts = malloc((l.nlists ? l.nlists : 1) * sizeof *parts)) == NULL) {
		ex = po_fail(&o, ENOMEM);
		goto doc_free;
	}
	to_doc(&l, parts, doc);
	pj_doc_footer(doc, &r.prov, o.ja);
	ex = po_render(&o, doc);
doc_free:
	free(parts);
	pj_doc_free(doc);
load_free:
	vc_names_free(&nm);
	load_free(&l);
cases_free:
	free(staff);
	po_cases_free(&r);
	return po_done(&o, ex);
usage:
	fputs(usage_text, stderr);
	return EX_USAGE;
}
