/* oyako-risk: the risk flags of the open cases at a date, each with the
 * date it became true, the case's coordinator and why it fired.  See
 * oyako-risk.1 and specs/projections.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vcli.h"

static const char usage_text[] =
    "usage: oyako risk [--as-of YYYY-MM-DD] [--flag NAME] [--coordinator CODE] [--rules FILE]\n"
    "                  [-J DIR] [--at-seq N] [--format text|tsv|csv|json|md|html|xlsx] [-o FILE]\n"
    "                  [--encoding utf-8|sjis] [--lang ja|en] [--jobs N]\n"
    "                  [--names [--key-file FILE] [--actor ACTOR] [--purpose TEXT]]\n"
    "  --flag NAME   only this flag: support-needed, not-shared, no-8month-interview,\n"
    "                birth-not-recorded, no-happybaby, missed-checkup, no-contact, no-coordinator\n"
    "  --coordinator CODE  only the cases whose coordinator at the date is CODE\n"
    "  --rules FILE  day counts other than the defaults (key = value lines)\n";

enum { OPT_FLAG = PO_FIRST_FREE, OPT_RULES, OPT_COORD };

/* The flags are written case by case (sorted by id), each case's in flag
 * order; a case's status is worked out again where it is written, so
 * nothing per case is held but its index. */
typedef struct risk {
	const pj_model *m;
	const pj_rules *rules;
	const po_opts *o;
	int only;		/* a flag, or -1 for all */
	const char *coord;	/* only the cases of this coordinator, or NULL */
	const uint32_t *idx;	/* the open cases, by id */
	size_t n;
	const vc_names *names;	/* --names, else NULL */
} risk;

static const char *
coord_code(const pj_model *m, const pj_status *st)
{
	return st->coord < 0 ? NULL : pj_names_str(m->names, m->staff[st->coord].code);
}

/* The flags of case i to write, as a bit set; its status in *st. */
static unsigned
flags_of(const risk *k, size_t i, pj_status *st)
{
	const char *cc;

	pj_case_status(k->m, &k->m->cases[k->idx[i]], k->rules, st);
	if (k->coord && ((cc = coord_code(k->m, st)) == NULL || strcmp(cc, k->coord) != 0))
		return 0;
	return k->only < 0 ? st->flags : st->flags & (1u << k->only);
}

static int
to_json(const risk *k, const pj_prov *prov)
{
	pj_jw w;
	char id[37];
	size_t i;
	int f;

	pj_jw_init(&w, stdout);
	pj_jw_object(&w, NULL);
	pj_jw_date(&w, "as_of", k->m->as_of);
	pj_jw_array(&w, "flags");
	for (i = 0; i < k->n; i++) {
		const pj_case *c = &k->m->cases[k->idx[i]];
		pj_status st;
		unsigned flags = flags_of(k, i, &st);

		if (flags == 0)
			continue;
		jn_uuid_format(c->id, id);
		for (f = 0; f < PJ_F_COUNT; f++) {
			pj_why why;

			if (!(flags & (1u << f)))
				continue;
			pj_case_why(k->m, c, k->rules, f, &why);
			pj_jw_object(&w, NULL);
			pj_jw_str(&w, "case", id);
			vc_names_jw(k->names, &w, c->id);
			pj_jw_str(&w, "flag", pj_flag_name(f));
			pj_jw_date(&w, "since", st.since[f]);
			pj_jw_str(&w, "coordinator", coord_code(k->m, &st));
			pj_why_jw(&w, "why", &why);
			pj_jw_end(&w);
		}
	}
	pj_jw_end(&w);
	return po_jw_end(&w, prov);
}

/* The table's rows, written as the table is rendered. */
static int
rows(void *ctx, pj_doc *doc)
{
	const risk *k = ctx;
	char id[37], since[11], why[512];
	size_t i;
	int f;

	for (i = 0; i < k->n; i++) {
		const pj_case *c = &k->m->cases[k->idx[i]];
		pj_status st;
		unsigned flags = flags_of(k, i, &st);
		const char *cc = coord_code(k->m, &st);

		if (flags == 0)
			continue;
		jn_uuid_format(c->id, id);
		for (f = 0; f < PJ_F_COUNT; f++) {
			pj_why w;

			if (!(flags & (1u << f)))
				continue;
			pj_case_why(k->m, c, k->rules, f, &w);
			pj_why_text(&w, f, st.since[f], k->o->ja, why, sizeof why);
			jn_date_format(st.since[f], since);
			pj_doc_row(doc);
			pj_doc_cell(doc, "%s", id);
			pj_doc_cell(doc, "%s", pj_flag_name(f));
			pj_doc_cell(doc, "%s", since);
			pj_doc_cell(doc, "%s", cc ? cc : "-");
			pj_doc_cell(doc, "%s", why);
			vc_names_cells(k->names, doc, c->id);
		}
	}
	return 0;
}

static void
to_doc(const risk *k, pj_doc *doc)
{
	const po_opts *o = k->o;
	char asof[11];
	size_t i, count = 0;
	pj_status st;

	jn_date_format(k->m->as_of, asof);
	pj_doc_table(doc, NULL, "lllll", po_head(o, "case", "ケース"), po_head(o, "flag", "フラグ"),
	    po_head(o, "since", "開始日"), po_head(o, "coordinator", "コーディネーター"),
	    po_head(o, "why", "理由"));
	vc_names_columns(k->names, o, doc);
	pj_doc_rows(doc, rows, (void *)k);
	if (o->fmt == PJ_FMT_TSV || o->fmt == PJ_FMT_CSV)
		return;
	/* The count line follows the table but is made before it is
	 * rendered: count the rows now. */
	for (i = 0; i < k->n; i++)
		count += (size_t)__builtin_popcount(flags_of(k, i, &st));
	if (o->ja)
		pj_doc_line(doc, "%s 時点のリスクフラグ: %zu件", asof, count);
	else
		pj_doc_line(doc, "risk flags as of %s: %zu", asof, count);
}

/* --names: the names of the flagged cases shown, their read recorded. */
static int
names_load(risk *k, const vc_opts *vo, jn_env *env, vc_names *nm)
{
	uint32_t *shown;
	size_t i, n = 0;
	pj_status st;
	int ex;

	if ((shown = malloc((k->n ? k->n : 1) * sizeof *shown)) == NULL)
		return po_fail(k->o, ENOMEM);
	for (i = 0; i < k->n; i++)
		if (flags_of(k, i, &st))
			shown[n++] = k->idx[i];
	ex = vc_names_cases(nm, vo, env, cli_journal_path(k->o->journal), "risk --names",
	    k->m, shown, n);
	free(shown);
	k->names = ex == EX_OK ? nm : NULL;
	return ex;
}

/*
 * html and xlsx: the count of each flag (with a chart), then a table a
 * flag.  parts[f] is k showing flag f only, the rows source of its table.
 */
static void
to_report(const risk *k, risk *parts, pj_doc *doc)
{
	const po_opts *o = k->o;
	size_t count[PJ_F_COUNT] = { 0 }, total = 0, i;
	char asof[11];
	pj_status st;
	int f;

	for (i = 0; i < k->n; i++) {
		unsigned flags = flags_of(k, i, &st);

		for (f = 0; f < PJ_F_COUNT; f++)
			count[f] += (flags >> f) & 1;
	}
	for (f = 0; f < PJ_F_COUNT; f++)
		total += count[f];
	jn_date_format(k->m->as_of, asof);
	if (o->ja)
		pj_doc_title(doc, "%s 時点のリスクフラグ: %zu件", asof, total);
	else
		pj_doc_title(doc, "risk flags as of %s: %zu", asof, total);
	pj_doc_table(doc, o->ja ? "フラグごとの件数" : "flags by kind", "lr",
	    po_head(o, "flag", "フラグ"), po_head(o, "count", "件数"));
	pj_doc_name(doc, o->ja ? "件数" : "summary");
	for (f = 0; f < PJ_F_COUNT; f++) {
		if (k->only >= 0 && f != k->only)
			continue;
		pj_doc_row(doc);
		pj_doc_cell(doc, "%s", pj_flag_name(f));
		pj_doc_cell(doc, "%zu", count[f]);
	}
	pj_doc_chart(doc, 1u << 1);
	for (f = 0; f < PJ_F_COUNT; f++) {
		char title[128];

		if (count[f] == 0)
			continue;
		snprintf(title, sizeof title, o->ja ? "%s（%zu件）" : "%s (%zu)", pj_flag_name(f), count[f]);
		pj_doc_table(doc, title, "lllll", po_head(o, "case", "ケース"), po_head(o, "flag", "フラグ"),
		    po_head(o, "since", "開始日"), po_head(o, "coordinator", "コーディネーター"),
		    po_head(o, "why", "理由"));
		vc_names_columns(k->names, o, doc);
		pj_doc_name(doc, pj_flag_name(f));
		parts[f] = *k;
		parts[f].only = f;
		pj_doc_rows(doc, rows, &parts[f]);
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		PO_LONGOPTS,
		PO_ASOF_LONGOPT,
		PO_JOBS_LONGOPT,
		{ "flag", required_argument, NULL, OPT_FLAG },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "coordinator", required_argument, NULL, OPT_COORD },
		VC_LONGOPTS,
		VC_NAMES_LONGOPT,
		{ NULL, 0, NULL, 0 }
	};
	const char *rules_path = NULL;
	po_opts o;
	po_cases r;
	pj_doc *doc = NULL;
	risk k, parts[PJ_F_COUNT];
	vc_opts vo = { 0 };
	vc_names nm = { 0 };
	int c, rc, ex;

	cli_init(argc, argv);
	po_init(&o);
	k.only = -1;
	k.coord = NULL;
	while ((c = getopt_long(argc, argv, PO_SHORTOPTS, longopts, NULL)) != -1) {
		if ((rc = po_option(&o, c, optarg)) > 0)
			continue;
		if (rc < 0)
			goto usage;
		if (vc_option(&vo, c, optarg))
			continue;
		if (c == OPT_RULES) {
			rules_path = optarg;
		} else if (c == OPT_COORD) {
			k.coord = optarg;
		} else if (c == OPT_FLAG) {
			if ((k.only = pj_flag_parse(optarg)) < 0) {
				cli_error("option '--flag': '%s' is not a flag", optarg);
				goto usage;
			}
		} else
			goto usage;
	}
	if (po_finish(&o, argc, argv, usage_text, &ex))
		return ex;
	o.writable = vo.names;
	if ((ex = po_cases_run(&o, rules_path, &r)) != EX_OK)
		goto cases_free;
	k.m = &r.m;
	k.rules = &r.rules;
	k.o = &o;
	k.idx = r.idx;
	k.n = r.n;
	k.names = NULL;
	if (vo.names && (ex = names_load(&k, &vo, r.env, &nm)) != EX_OK)
		goto cases_free;
	if (o.fmt == PJ_FMT_JSON) {
		ex = to_json(&k, &r.prov);
		goto cases_free;
	}
	if ((doc = pj_doc_new()) == NULL) {
		ex = po_fail(&o, ENOMEM);
		goto cases_free;
	}
	if (o.fmt == PJ_FMT_HTML || o.fmt == PJ_FMT_XLSX)
		to_report(&k, parts, doc);
	else
		to_doc(&k, doc);
	pj_doc_footer(doc, &r.prov, o.ja);
	ex = po_render(&o, doc);
	pj_doc_free(doc);
cases_free:
	vc_names_free(&nm);
	po_cases_free(&r);
	return po_done(&o, ex);
usage:
	fputs(usage_text, stderr);
	return EX_USAGE;
}
