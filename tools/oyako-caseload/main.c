/* oyako-caseload: each coordinator's open cases at a date (by the district
 * rule, following transfers and reassignments), and the unassigned ones.
 * See oyako-caseload.1 and specs/projections.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proj.h"

static const char usage_text[] =
    "usage: oyako caseload [--as-of YYYY-MM-DD] [--coordinator CODE] [--rules FILE] [-J DIR]\n"
    "                      [--at-seq N] [--format text|tsv|csv|json|md] [--lang ja|en]\n";

enum { OPT_COORD = PO_FIRST_FREE, OPT_RULES };

typedef struct load {
	const pj_model *m;
	const po_opts *o;
	const uint32_t *idx;	/* open cases, by id */
	const pj_status *st;
	size_t n;
} load;

/* Counts of one coordinator's list (coord -1: the unassigned). */
typedef struct tally {
	size_t cases, pregnant, infant, flagged;
} tally;

static tally
count(const load *l, int64_t coord)
{
	tally t = { 0, 0, 0, 0 };
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (l->st[i].coord != coord)
			continue;
		t.cases++;
		if (l->st[i].infant)
			t.infant++;
		else
			t.pregnant++;
		t.flagged += l->st[i].flags != 0;
	}
	return t;
}

static json_t *
case_json(const load *l, size_t i)
{
	const pj_case *c = &l->m->cases[l->idx[i]];
	const pj_status *st = &l->st[i];
	json_t *o = json_object(), *flags = json_array(), *next;
	char id[37];
	int f, bad = !o || !flags;

	jn_uuid_format(c->id, id);
	bad |= json_object_set_new(o, "case", json_string(id));
	bad |= json_object_set_new(o, "district", json_string(pj_names_str(l->m->names, st->district)));
	bad |= json_object_set_new(o, "stage", json_string(st->infant ? "infant" : "pregnant"));
	bad |= json_object_set_new(o, "due_date", pj_json_date(c->due));
	bad |= json_object_set_new(o, "birth_date", pj_json_date(st->infant ? c->birth : PJ_NODAY));
	bad |= json_object_set_new(o, "last_contact", pj_json_date(c->last_contact));
	if (st->next_what) {
		next = json_object();
		bad |= next == NULL;
		bad |= json_object_set_new(next, "what", json_string(jn_type_name((jn_type)st->next_what)));
		bad |= json_object_set_new(next, "by", pj_json_date(st->next_by));
	} else
		next = json_null();
	bad |= json_object_set_new(o, "next", next);
	for (f = 0; f < PJ_F_COUNT; f++)
		if (st->flags & (1u << f))
			bad |= json_array_append_new(flags, json_string(pj_flag_name(f)));
	bad |= json_object_set_new(o, "flags", flags);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
cases_json(const load *l, int64_t coord)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < l->n; i++)
		if (l->st[i].coord == coord && json_array_append_new(a, case_json(l, i)) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *
tally_json(const char *code, tally t)
{
	json_t *o = json_object();

	if (o == NULL ||
	    json_object_set_new(o, "coordinator", code ? json_string(code) : json_null()) ||
	    json_object_set_new(o, "cases", json_integer((json_int_t)t.cases)) ||
	    json_object_set_new(o, "pregnant", json_integer((json_int_t)t.pregnant)) ||
	    json_object_set_new(o, "infant", json_integer((json_int_t)t.infant)) ||
	    json_object_set_new(o, "flagged", json_integer((json_int_t)t.flagged))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
to_json(const load *l, const uint32_t *staff, size_t nstaff, int unassigned)
{
	json_t *o = json_object(), *coords = json_array(), *sum = json_array();
	size_t i;
	int bad = !o || !coords || !sum;

	bad |= json_object_set_new(o, "as_of", pj_json_date(l->m->as_of));
	for (i = 0; i < nstaff; i++) {
		const pj_staff *s = &l->m->staff[staff[i]];
		const char *code = pj_names_str(l->m->names, s->code);
		json_t *co = json_object();

		bad |= co == NULL;
		bad |= json_object_set_new(co, "coordinator", json_string(code));
		bad |= json_object_set_new(co, "room", s->room == PJ_NONE ? json_null() :
		    json_string(pj_names_str(l->m->names, s->room)));
		bad |= json_object_set_new(co, "cases", cases_json(l, staff[i]));
		bad |= json_array_append_new(coords, co);
		bad |= json_array_append_new(sum, tally_json(code, count(l, staff[i])));
	}
	bad |= json_object_set_new(o, "coordinators", coords);
	bad |= json_object_set_new(o, "unassigned", unassigned ? cases_json(l, -1) : json_array());
	if (unassigned)
		bad |= json_array_append_new(sum, tally_json(NULL, count(l, -1)));
	bad |= json_object_set_new(o, "summary", sum);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The rows of one list; with tsv/csv every row carries its coordinator. */
static void
rows(const load *l, pj_doc *doc, int64_t coord, const char *code, const char *room)
{
	const po_opts *o = l->o;
	int flat = o->fmt == PJ_FMT_TSV || o->fmt == PJ_FMT_CSV;
	char id[37], d[11];
	size_t i;
	int f;

	for (i = 0; i < l->n; i++) {
		const pj_case *c = &l->m->cases[l->idx[i]];
		const pj_status *st = &l->st[i];
		char flags[256] = "";

		if (st->coord != coord)
			continue;
		pj_doc_row(doc);
		if (flat) {
			pj_doc_cell(doc, "%s", code ? code : "");
			pj_doc_cell(doc, "%s", room ? room : "");
		}
		jn_uuid_format(c->id, id);
		pj_doc_cell(doc, "%s", id);
		pj_doc_cell(doc, "%s", pj_names_str(l->m->names, st->district));
		pj_doc_cell(doc, "%s", st->infant ? (o->ja && !flat ? "乳児" : "infant") :
		    (o->ja && !flat ? "妊娠中" : "pregnant"));
		jn_date_format(c->due, d);
		pj_doc_cell(doc, "%s", c->due == PJ_NODAY ? "" : d);
		jn_date_format(c->birth, d);
		pj_doc_cell(doc, "%s", st->infant ? d : "");
		jn_date_format(c->last_contact, d);
		pj_doc_cell(doc, "%s", c->last_contact == PJ_NODAY ? "" : d);
		jn_date_format(st->next_by, d);
		pj_doc_cell(doc, "%s", st->next_what ? jn_type_name((jn_type)st->next_what) : "");
		pj_doc_cell(doc, "%s", st->next_what ? d : "");
		for (f = 0; f < PJ_F_COUNT; f++)
			if (st->flags & (1u << f)) {
				if (flags[0])
					strcat(flags, ",");
				strcat(flags, pj_flag_name(f));
			}
		pj_doc_cell(doc, "%s", flags);
	}
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
}

static void
to_doc(const load *l, const uint32_t *staff, size_t nstaff, int unassigned, pj_doc *doc)
{
	const po_opts *o = l->o;
	char title[256], asof[11];
	size_t i;
	tally t;

	jn_date_format(l->m->as_of, asof);
	if (o->fmt == PJ_FMT_TSV || o->fmt == PJ_FMT_CSV) {
		pj_doc_table(doc, NULL, "lllllllllll", "coordinator", "room", "case", "district",
		    "stage", "due_date", "birth_date", "last_contact", "next", "by", "flags");
		for (i = 0; i < nstaff; i++) {
			const pj_staff *s = &l->m->staff[staff[i]];
			rows(l, doc, staff[i], pj_names_str(l->m->names, s->code),
			    s->room == PJ_NONE ? NULL : pj_names_str(l->m->names, s->room));
		}
		if (unassigned)
			rows(l, doc, -1, NULL, NULL);
		return;
	}
	pj_doc_line(doc, o->ja ? "%s 時点のケース担当" : "caseload as of %s", asof);
	pj_doc_line(doc, "%s", "");
	for (i = 0; i < nstaff + (unassigned ? 1 : 0); i++) {
		int64_t coord = i < nstaff ? (int64_t)staff[i] : -1;
		const pj_staff *s = coord >= 0 ? &l->m->staff[coord] : NULL;
		const char *code = s ? pj_names_str(l->m->names, s->code) : (o->ja ? "未割当" : "unassigned");
		const char *room = s && s->room != PJ_NONE ? pj_names_str(l->m->names, s->room) : "-";

		t = count(l, coord);
		if (!s)
			snprintf(title, sizeof title, o->ja ? "%s: %zu件（妊娠中 %zu・乳児 %zu・フラグあり %zu）" :
			    "%s: %zu cases (%zu pregnant, %zu infant, %zu flagged)",
			    code, t.cases, t.pregnant, t.infant, t.flagged);
		else
			snprintf(title, sizeof title, o->ja ? "%s（%s）: %zu件（妊娠中 %zu・乳児 %zu・フラグあり %zu）" :
			    "%s (%s): %zu cases (%zu pregnant, %zu infant, %zu flagged)",
			    code, room, t.cases, t.pregnant, t.infant, t.flagged);
		table(l, doc, title);
		rows(l, doc, coord, NULL, NULL);
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		PO_LONGOPTS,
		PO_ASOF_LONGOPT,
		{ "coordinator", required_argument, NULL, OPT_COORD },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ NULL, 0, NULL, 0 }
	};
	const char *rules_path = NULL, *only = NULL;
	po_opts o;
	po_cases r;
	pj_doc *doc = NULL;
	uint32_t *staff = NULL;
	size_t nstaff = 0, i;
	load l;
	int c, rc, ex;

	cli_init(argc, argv);
	po_init(&o);
	while ((c = getopt_long(argc, argv, "J:", longopts, NULL)) != -1) {
		if ((rc = po_option(&o, c, optarg)) > 0)
			continue;
		if (rc == 0 && c == OPT_RULES)
			rules_path = optarg;
		else if (rc == 0 && c == OPT_COORD)
			only = optarg;
		else
			goto usage;
	}
	if (po_finish(&o, argc, argv, usage_text, &ex))
		return ex;
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
	l = (load){ &r.m, &o, r.idx, r.st, r.n };
	if (o.fmt == PJ_FMT_JSON) {
		ex = po_json(to_json(&l, staff, nstaff, only == NULL), &r.prov);
		goto cases_free;
	}
	if ((doc = pj_doc_new()) == NULL) {
		ex = po_fail(&o, ENOMEM);
		goto cases_free;
	}
	to_doc(&l, staff, nstaff, only == NULL, doc);
	pj_doc_footer(doc, &r.prov, o.ja);
	ex = po_render(&o, doc);
	pj_doc_free(doc);
cases_free:
	free(staff);
	po_cases_free(&r);
	return ex;
usage:
	fputs(usage_text, stderr);
	return EX_USAGE;
}
