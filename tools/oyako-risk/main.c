/* oyako-risk: the risk flags of the open cases at a date, each with the
 * date it became true, the case's coordinator and why it fired.  See
 * oyako-risk.1 and specs/projections.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proj.h"

static const char usage_text[] =
    "usage: oyako risk [--as-of YYYY-MM-DD] [--flag NAME] [--rules FILE] [-J DIR] [--at-seq N]\n"
    "                  [--format text|tsv|csv|json|md] [--lang ja|en]\n"
    "  --flag NAME   only this flag: support-needed, not-shared, no-8month-interview,\n"
    "                birth-not-recorded, no-happybaby, missed-checkup, no-contact, no-coordinator\n"
    "  --rules FILE  day counts other than the defaults (key = value lines)\n";

enum { OPT_FLAG = PO_FIRST_FREE, OPT_RULES };

typedef struct risk {
	const pj_model *m;
	const pj_rules *rules;
	const po_opts *o;
	int only;		/* a flag, or -1 for all */
} risk;

static const char *
coord_code(const pj_model *m, const pj_status *st)
{
	return st->coord < 0 ? NULL : pj_names_str(m->names, m->staff[st->coord].code);
}

static json_t *
to_json(const risk *k, const uint32_t *idx, const pj_status *st, size_t n)
{
	json_t *o = json_object(), *flags = json_array();
	char id[37];
	size_t i;
	int f, bad = !o || !flags;

	bad |= json_object_set_new(o, "as_of", pj_json_date(k->m->as_of));
	for (i = 0; i < n; i++) {
		const pj_case *c = &k->m->cases[idx[i]];
		const char *cc = coord_code(k->m, &st[i]);

		jn_uuid_format(c->id, id);
		for (f = 0; f < PJ_F_COUNT; f++) {
			json_t *fo;
			pj_why w;

			if (!(st[i].flags & (1u << f)) || (k->only >= 0 && f != k->only))
				continue;
			pj_case_why(k->m, c, k->rules, f, &w);
			bad |= (fo = json_object()) == NULL;
			bad |= json_object_set_new(fo, "case", json_string(id));
			bad |= json_object_set_new(fo, "flag", json_string(pj_flag_name(f)));
			bad |= json_object_set_new(fo, "since", pj_json_date(st[i].since[f]));
			bad |= json_object_set_new(fo, "coordinator", cc ? json_string(cc) : json_null());
			bad |= json_object_set_new(fo, "why", pj_why_json(&w));
			bad |= json_array_append_new(flags, fo);
		}
	}
	bad |= json_object_set_new(o, "flags", flags);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void
to_doc(const risk *k, const uint32_t *idx, const pj_status *st, size_t n, pj_doc *doc)
{
	const po_opts *o = k->o;
	char id[37], asof[11], since[11], why[512];
	size_t i, count = 0;
	int f;

	jn_date_format(k->m->as_of, asof);
	pj_doc_table(doc, NULL, "lllll", po_head(o, "case", "ケース"), po_head(o, "flag", "フラグ"),
	    po_head(o, "since", "開始日"), po_head(o, "coordinator", "コーディネーター"),
	    po_head(o, "why", "理由"));
	for (i = 0; i < n; i++) {
		const pj_case *c = &k->m->cases[idx[i]];
		const char *cc = coord_code(k->m, &st[i]);

		jn_uuid_format(c->id, id);
		for (f = 0; f < PJ_F_COUNT; f++) {
			pj_why w;

			if (!(st[i].flags & (1u << f)) || (k->only >= 0 && f != k->only))
				continue;
			pj_case_why(k->m, c, k->rules, f, &w);
			pj_why_text(&w, f, st[i].since[f], o->ja, why, sizeof why);
			jn_date_format(st[i].since[f], since);
			pj_doc_row(doc);
			pj_doc_cell(doc, "%s", id);
			pj_doc_cell(doc, "%s", pj_flag_name(f));
			pj_doc_cell(doc, "%s", since);
			pj_doc_cell(doc, "%s", cc ? cc : "-");
			pj_doc_cell(doc, "%s", why);
			count++;
		}
	}
	if (o->fmt == PJ_FMT_TSV || o->fmt == PJ_FMT_CSV)
		return;
	if (o->ja)
		pj_doc_line(doc, "%s 時点のリスクフラグ: %zu件", asof, count);
	else
		pj_doc_line(doc, "risk flags as of %s: %zu", asof, count);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		PO_LONGOPTS,
		PO_ASOF_LONGOPT,
		{ "flag", required_argument, NULL, OPT_FLAG },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ NULL, 0, NULL, 0 }
	};
	const char *rules_path = NULL;
	po_opts o;
	po_cases r;
	pj_doc *doc = NULL;
	const uint32_t *idx;
	const pj_status *st;
	size_t n;
	risk k;
	int c, rc, ex;

	cli_init(argc, argv);
	po_init(&o);
	k.only = -1;
	while ((c = getopt_long(argc, argv, "J:", longopts, NULL)) != -1) {
		if ((rc = po_option(&o, c, optarg)) > 0)
			continue;
		if (rc < 0)
			goto usage;
		if (c == OPT_RULES) {
			rules_path = optarg;
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
	if ((ex = po_cases_run(&o, rules_path, &r)) != EX_OK)
		goto cases_free;
	idx = r.idx;
	st = r.st;
	n = r.n;
	k.m = &r.m;
	k.rules = &r.rules;
	k.o = &o;
	if (o.fmt == PJ_FMT_JSON) {
		ex = po_json(to_json(&k, idx, st, n), &r.prov);
		goto cases_free;
	}
	if ((doc = pj_doc_new()) == NULL) {
		ex = po_fail(&o, ENOMEM);
		goto cases_free;
	}
	to_doc(&k, idx, st, n, doc);
	pj_doc_footer(doc, &r.prov, o.ja);
	ex = po_render(&o, doc);
	pj_doc_free(doc);
cases_free:
	po_cases_free(&r);
	return ex;
usage:
	fputs(usage_text, stderr);
	return EX_USAGE;
}
