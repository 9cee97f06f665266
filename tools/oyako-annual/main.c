/* oyako-annual: the five tables of the yearly report for a fiscal year,
 * rebuilt from the journal.  See oyako-annual.1 and specs/projections.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annual.h"
#include "proj.h"

static const char usage_text[] =
    "usage: oyako annual --fy YEAR [-J DIR] [--at-seq N] [--format text|tsv|csv|json|md]\n"
    "                    [--lang ja|en]\n"
    "  --fy YEAR     fiscal year: 2025, R7 or 令和7 (April 1 to March 31)\n";

static const char *const iv_ja[PJ_IV_COUNT] = { "集団面談", "個別面談", "訪問" };
static const char *const hb_ja[PJ_HB_COUNT] = { "家庭訪問", "支援室来訪者", "3・4か月児健診時" };

static const char *
room_name(const pj_annual *a, const pj_room *r, int ja)
{
	if (!ja && r->name_en != PJ_NONE)
		return pj_names_str(a->m.names, r->name_en);
	if (r->name != PJ_NONE)
		return pj_names_str(a->m.names, r->name);
	return pj_names_str(a->m.names, r->code);
}

static json_t *
to_json(const pj_annual *a)
{
	json_t *o = json_object(), *rooms = json_array(), *iv = json_object(), *hb = json_object();
	char d[11];
	size_t i;
	int bad = !o || !rooms || !iv || !hb;

	bad |= json_object_set_new(o, "fiscal_year", json_integer(a->fy));
	jn_date_format(a->from, d);
	bad |= json_object_set_new(o, "from", json_string(d));
	jn_date_format(a->to, d);
	bad |= json_object_set_new(o, "to", json_string(d));
	bad |= json_object_set_new(o, "handbook_meetings", json_integer((json_int_t)a->meetings));
	for (i = 0; i < a->nrooms; i++) {
		const pj_room *r = &a->rooms[i];
		json_t *ro = json_object();

		bad |= ro == NULL;
		bad |= json_object_set_new(ro, "room", json_string(pj_names_str(a->m.names, r->code)));
		bad |= json_object_set_new(ro, "name", json_string(room_name(a, r, 1)));
		bad |= json_object_set_new(ro, "groups", json_integer((json_int_t)r->groups));
		bad |= json_object_set_new(ro, "participants", json_integer((json_int_t)(r->groups + r->couples)));
		bad |= json_object_set_new(ro, "couples", json_integer((json_int_t)r->couples));
		bad |= json_array_append_new(rooms, ro);
	}
	bad |= json_object_set_new(o, "maternity_classes", rooms);
	for (i = 0; i < PJ_IV_COUNT; i++)
		bad |= json_object_set_new(iv, pj_iv_modes[i], json_integer((json_int_t)a->interviews[i]));
	bad |= json_object_set_new(o, "interviews_8month", iv);
	for (i = 0; i < PJ_HB_COUNT; i++)
		bad |= json_object_set_new(hb, pj_hb_modes[i], json_integer((json_int_t)a->happybaby[i]));
	bad |= json_object_set_new(o, "happybaby", hb);
	bad |= json_object_set_new(o, "checkups_held", json_integer((json_int_t)a->checkups));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* text and md: the report's own layout, table by table. */
static void
to_doc(const pj_annual *a, const po_opts *o, const pj_prov *prov, pj_doc *doc)
{
	char from[11], to[11];
	size_t i;
	int ja = o->ja;

	jn_date_format(a->from, from);
	jn_date_format(a->to, to);
	if (ja)
		pj_doc_line(doc, "令和%d年度（%d年度）実績 %s〜%s", a->fy - 2018, a->fy, from, to);
	else
		pj_doc_line(doc, "FY%d (%s to %s)", a->fy, from, to);
	if (ja)
		pj_doc_line(doc, "①母子手帳会議 年%llu回開催", (unsigned long long)a->meetings);
	else
		pj_doc_line(doc, "1. Handbook meetings: %llu held", (unsigned long long)a->meetings);
	pj_doc_line(doc, "%s", "");
	pj_doc_table(doc, ja ? "②マタニティ教室" : "2. Maternity classes", "lrrr",
	    ja ? "利用者支援室名" : "room", ja ? "参加組数" : "groups",
	    ja ? "参加者数" : "participants", ja ? "夫婦組" : "couples");
	for (i = 0; i < a->nrooms; i++) {
		const pj_room *r = &a->rooms[i];

		pj_doc_row(doc);
		pj_doc_cell(doc, "%s", room_name(a, r, ja));
		pj_doc_cell(doc, "%llu", (unsigned long long)r->groups);
		pj_doc_cell(doc, "%llu", (unsigned long long)(r->groups + r->couples));
		pj_doc_cell(doc, "%llu", (unsigned long long)r->couples);
	}
	pj_doc_table(doc, ja ? "③妊娠8か月面談" : "3. 8th-month interviews", "lr",
	    ja ? "内容" : "mode", ja ? "訪問者数" : "count");
	for (i = 0; i < PJ_IV_COUNT; i++) {
		pj_doc_row(doc);
		pj_doc_cell(doc, "%s", ja ? iv_ja[i] : pj_iv_modes[i]);
		pj_doc_cell(doc, "%llu", (unsigned long long)a->interviews[i]);
	}
	pj_doc_table(doc, ja ? "④はっぴーベビー" : "4. Happy baby", "lr",
	    ja ? "内容" : "mode", ja ? "参加者数" : "count");
	for (i = 0; i < PJ_HB_COUNT; i++) {
		pj_doc_row(doc);
		pj_doc_cell(doc, "%s", ja ? hb_ja[i] : pj_hb_modes[i]);
		pj_doc_cell(doc, "%llu", (unsigned long long)a->happybaby[i]);
	}
	if (ja)
		pj_doc_line(doc, "⑤3・4か月児健診（集団） 年%llu回開催", (unsigned long long)a->checkups);
	else
		pj_doc_line(doc, "5. 3-4 month checkups (group): %llu held", (unsigned long long)a->checkups);
	pj_doc_line(doc, "%s", "");
	pj_doc_footer(doc, prov, ja);
}

/* The rows of a table by mode (tsv and csv). */
static void
mode_rows(pj_doc *doc, const char *section, const char *const *modes, const char *const *labels,
    const uint64_t *counts, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		pj_doc_row(doc);
		pj_doc_cell(doc, "%s", section);
		pj_doc_cell(doc, "%s", modes[i]);
		pj_doc_cell(doc, "%s", labels[i]);
		pj_doc_cell(doc, "count");
		pj_doc_cell(doc, "%llu", (unsigned long long)counts[i]);
	}
}

/* tsv and csv: one number a row, so that the five tables fit one sheet. */
static void
to_rows(const pj_annual *a, const po_opts *o, pj_doc *doc)
{
	static const char *const measures[] = { "groups", "participants", "couples" };
	size_t i, k;
	int ja = o->ja;

	pj_doc_table(doc, NULL, "lllll", "section", "item", "name", "measure", "value");
	pj_doc_row(doc);
	pj_doc_cell(doc, "handbook_meetings");
	pj_doc_cell(doc, "%s", "");
	pj_doc_cell(doc, "%s", ja ? "母子手帳会議" : "handbook meetings");
	pj_doc_cell(doc, "count");
	pj_doc_cell(doc, "%llu", (unsigned long long)a->meetings);
	for (i = 0; i < a->nrooms; i++) {
		const pj_room *r = &a->rooms[i];
		uint64_t v[3] = { r->groups, r->groups + r->couples, r->couples };

		for (k = 0; k < 3; k++) {
			pj_doc_row(doc);
			pj_doc_cell(doc, "maternity_classes");
			pj_doc_cell(doc, "%s", pj_names_str(a->m.names, r->code));
			pj_doc_cell(doc, "%s", room_name(a, r, ja));
			pj_doc_cell(doc, "%s", measures[k]);
			pj_doc_cell(doc, "%llu", (unsigned long long)v[k]);
		}
	}
	mode_rows(doc, "interviews_8month", pj_iv_modes, ja ? iv_ja : pj_iv_modes, a->interviews, PJ_IV_COUNT);
	mode_rows(doc, "happybaby", pj_hb_modes, ja ? hb_ja : pj_hb_modes, a->happybaby, PJ_HB_COUNT);
	pj_doc_row(doc);
	pj_doc_cell(doc, "checkups_held");
	pj_doc_cell(doc, "%s", "");
	pj_doc_cell(doc, "%s", ja ? "3・4か月児健診（集団）" : "3-4 month checkups");
	pj_doc_cell(doc, "count");
	pj_doc_cell(doc, "%llu", (unsigned long long)a->checkups);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		PO_LONGOPTS,
		{ "fy", required_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 }
	};
	po_opts o;
	pj_annual a;
	pj_prov prov;
	pj_doc *doc = NULL;
	jn_env *env = NULL;
	int c, fy = -1, rc, ex;

	cli_init(argc, argv);
	po_init(&o);
	while ((c = getopt_long(argc, argv, "J:", longopts, NULL)) != -1) {
		if ((rc = po_option(&o, c, optarg)) > 0)
			continue;
		if (rc == 0 && c == 'y' && cli_parse_fy("--fy", optarg, &fy) == 0)
			continue;
		goto usage;
	}
	if (po_finish(&o, argc, argv, usage_text, &ex))
		return ex;
	if (fy < 0) {
		cli_error("option '--fy' is required");
		goto usage;
	}
	if ((ex = po_open(&o, &env)) != EX_OK)
		return ex;
	if ((rc = pj_annual_run(env, o.at_seq, fy, &a, &prov)) != 0) {
		ex = po_fail(&o, rc);
		goto annual_free;
	}
	if (o.fmt == PJ_FMT_JSON) {
		ex = po_json(to_json(&a), &prov);
		goto annual_free;
	}
	if ((doc = pj_doc_new()) == NULL) {
		ex = po_fail(&o, ENOMEM);
		goto annual_free;
	}
	if (o.fmt == PJ_FMT_TSV || o.fmt == PJ_FMT_CSV)
		to_rows(&a, &o, doc);
	else
		to_doc(&a, &o, &prov, doc);
	ex = po_render(&o, doc);
	pj_doc_free(doc);
annual_free:
	pj_annual_free(&a);
	jn_env_close(env);
	return ex;
usage:
	fputs(usage_text, stderr);
	return EX_USAGE;
}
