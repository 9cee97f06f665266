/* oyako-annual: the five tables of the yearly report for a fiscal year,
 * rebuilt from the journal.  See oyako-annual.1 and specs/projections.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annual.h"
#include "proj.h"

static const char usage_text[] =
    "usage: oyako annual --fy YEAR [--compare YEAR] [-J DIR] [--at-seq N]\n"
    "                    [--format text|tsv|csv|json|md|html|xlsx] [-o FILE]\n"
    "                    [--encoding utf-8|sjis] [--lang ja|en]\n"
    "  --fy YEAR       fiscal year: 2025, R7 or 令和7 (April 1 to March 31)\n"
    "  --compare YEAR  another fiscal year beside it, with the change\n"
    "  -o FILE         write to FILE (whole or not at all); html and xlsx need it\n"
    "  --encoding ENC  csv: utf-8 (with BOM, the default) or sjis (CP932)\n";

/* The year shown and, with --compare, the other one (b, else NULL). */
typedef struct years {
	const pj_annual *a, *b;
	int ja;
} years;

/* Columns of a table of the report: the label, three measures of three. */
#define PJ_MAXCOLS_ANNUAL 10

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

/* The room of a whose code is that of r in a2, or NULL. */
static const pj_room *
room_in(const pj_annual *a, const pj_annual *a2, const pj_room *r)
{
	const char *code = pj_names_str(a2->m.names, r->code);
	size_t i;

	for (i = 0; i < a->nrooms; i++)
		if (strcmp(pj_names_str(a->m.names, a->rooms[i].code), code) == 0)
			return &a->rooms[i];
	return NULL;
}

/* A room's groups, participants and couples (zeros for NULL). */
static void
room_values(const pj_room *r, uint64_t v[3])
{
	v[0] = r ? r->groups : 0;
	v[1] = r ? r->groups + r->couples : 0;
	v[2] = r ? r->couples : 0;
}

/*
 * The rooms of both years: those of a in its order, then those only b
 * lists.  Calls fn for each with the room (of a, else of b), its annual,
 * and both years' values.
 */
typedef void (*room_fn)(void *ctx, const pj_annual *in, const pj_room *r, const uint64_t *va,
    const uint64_t *vb);

static void
each_room(const years *y, room_fn fn, void *ctx)
{
	uint64_t va[3], vb[3];
	size_t i;

	for (i = 0; i < y->a->nrooms; i++) {
		room_values(&y->a->rooms[i], va);
		room_values(y->b ? room_in(y->b, y->a, &y->a->rooms[i]) : NULL, vb);
		fn(ctx, y->a, &y->a->rooms[i], va, y->b ? vb : NULL);
	}
	for (i = 0; y->b && i < y->b->nrooms; i++) {
		if (room_in(y->a, y->b, &y->b->rooms[i]))
			continue;
		room_values(NULL, va);
		room_values(&y->b->rooms[i], vb);
		fn(ctx, y->b, &y->b->rooms[i], va, vb);
	}
}

static void
count_room(void *ctx, const pj_annual *in, const pj_room *r, const uint64_t *va, const uint64_t *vb)
{
	++*(size_t *)ctx;
}

static json_int_t
change(uint64_t now, uint64_t then)
{
	return (json_int_t)now - (json_int_t)then;
}

static void
room_change_json(void *ctx, const pj_annual *in, const pj_room *r, const uint64_t *va,
    const uint64_t *vb)
{
	json_t *rooms = ctx, *ro = json_object();

	/* A failure shows as a shorter array: change_json() counts. */
	if (ro == NULL ||
	    json_object_set_new(ro, "room", json_string(pj_names_str(in->m.names, r->code))) ||
	    json_object_set_new(ro, "groups", json_integer(change(va[0], vb[0]))) ||
	    json_object_set_new(ro, "participants", json_integer(change(va[1], vb[1]))) ||
	    json_object_set_new(ro, "couples", json_integer(change(va[2], vb[2])))) {
		json_decref(ro);
		return;
	}
	json_array_append_new(rooms, ro);
}

/* "change": this year's numbers minus the other's, in the shape of the
 * annual object (rooms of either year). */
static json_t *
change_json(const years *y)
{
	const pj_annual *a = y->a, *b = y->b;
	json_t *o = json_object(), *rooms = json_array(), *iv = json_object(), *hb = json_object();
	size_t i;
	int bad = !o || !rooms || !iv || !hb;

	bad |= json_object_set_new(o, "handbook_meetings", json_integer(change(a->meetings, b->meetings)));
	if (rooms) {
		size_t n = 0;

		each_room(y, count_room, &n);
		each_room(y, room_change_json, rooms);
		bad |= json_array_size(rooms) != n;
	}
	bad |= json_object_set_new(o, "maternity_classes", rooms);
	for (i = 0; i < PJ_IV_COUNT; i++)
		bad |= json_object_set_new(iv, pj_iv_modes[i], json_integer(change(a->interviews[i], b->interviews[i])));
	bad |= json_object_set_new(o, "interviews_8month", iv);
	for (i = 0; i < PJ_HB_COUNT; i++)
		bad |= json_object_set_new(hb, pj_hb_modes[i], json_integer(change(a->happybaby[i], b->happybaby[i])));
	bad |= json_object_set_new(o, "happybaby", hb);
	bad |= json_object_set_new(o, "checkups_held", json_integer(change(a->checkups, b->checkups)));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
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

/* "R7" or "FY2025": the year of a column. */
static void
year_label(int fy, int ja, char *buf, size_t size)
{
	snprintf(buf, size, ja ? "R%d" : "FY%d", ja ? fy - 2018 : fy);
}

/* Starts a table of the report layout: lhead, then each measure's number,
 * and when comparing the other year's and the change beside it. */
static void
report_table(pj_doc *doc, const years *y, const char *title, const char *lhead,
    const char *const *mheads, int nm)
{
	char names[PJ_MAXCOLS_ANNUAL][96], ya[16], yb[16], align[PJ_MAXCOLS_ANNUAL + 1];
	const char *heads[PJ_MAXCOLS_ANNUAL];
	int m, n = 0;

	year_label(y->a->fy, y->ja, ya, sizeof ya);
	if (y->b)
		year_label(y->b->fy, y->ja, yb, sizeof yb);
	heads[n] = lhead;
	align[n++] = 'l';
	for (m = 0; m < nm; m++) {
		if (y->b == NULL) {
			heads[n] = mheads[m];
			align[n++] = 'r';
			continue;
		}
		snprintf(names[n], sizeof names[n], "%s %s", mheads[m], ya);
		snprintf(names[n + 1], sizeof names[n + 1], "%s %s", mheads[m], yb);
		snprintf(names[n + 2], sizeof names[n + 2], "%s %s", mheads[m], y->ja ? "増減" : "change");
		heads[n] = names[n];
		heads[n + 1] = names[n + 1];
		heads[n + 2] = names[n + 2];
		memcpy(align + n, "rrr", 3);
		n += 3;
	}
	align[n] = '\0';
	pj_doc_tablev(doc, title, align, heads);
}

/* A number, and when comparing the other year's and the change. */
static void
nums(pj_doc *doc, uint64_t va, const uint64_t *vb)
{
	long long d;

	pj_doc_cell(doc, "%llu", (unsigned long long)va);
	if (vb == NULL)
		return;
	d = (long long)change(va, *vb);
	pj_doc_cell(doc, "%llu", (unsigned long long)*vb);
	pj_doc_cell(doc, d ? "%+lld" : "%lld", d);	/* "+3", "-2", "0" */
}

static void
count_row(pj_doc *doc, const years *y, const char *label, uint64_t va, uint64_t vb)
{
	pj_doc_row(doc);
	pj_doc_cell(doc, "%s", label);
	nums(doc, va, y->b ? &vb : NULL);
}

typedef struct room_ctx {
	pj_doc *doc;
	const years *y;
} room_ctx;

static void
room_row(void *ctx, const pj_annual *in, const pj_room *r, const uint64_t *va, const uint64_t *vb)
{
	const room_ctx *c = ctx;
	int k;

	pj_doc_row(c->doc);
	pj_doc_cell(c->doc, "%s", room_name(in, r, c->y->ja));
	for (k = 0; k < 3; k++)
		nums(c->doc, va[k], vb ? &vb[k] : NULL);
}

/* html, xlsx, and every layout but tsv and csv when comparing: the five
 * sections of the seed report as tables (with both years when comparing),
 * each with its chart. */
static void
report_doc(const years *y, const pj_prov *prov, pj_doc *doc)
{
	static const char *const held_ja[] = { "開催回数" }, *const held_en[] = { "held" };
	static const char *const iv_h_ja[] = { "訪問者数" }, *const hb_h_ja[] = { "参加者数" };
	static const char *const count_en[] = { "count" };
	static const char *const room_ja[] = { "参加組数", "参加者数", "夫婦組" };
	static const char *const room_en[] = { "groups", "participants", "couples" };
	const pj_annual *a = y->a, *b = y->b;
	/* The columns of the bars: this year's number, and the other's. */
	unsigned pair = b ? 3u : 1u;
	int ja = y->ja, step = b ? 3 : 1;
	char from[11], to[11], other[64] = "";
	room_ctx rc = { doc, y };
	size_t i;

	jn_date_format(a->from, from);
	jn_date_format(a->to, to);
	if (b && ja)
		snprintf(other, sizeof other, "（令和%d年度との比較）", b->fy - 2018);
	else if (b)
		snprintf(other, sizeof other, ", compared with FY%d", b->fy);
	if (ja)
		pj_doc_title(doc, "令和%d年度（%d年度）実績 %s〜%s%s", a->fy - 2018, a->fy, from, to, other);
	else
		pj_doc_title(doc, "FY%d (%s to %s)%s", a->fy, from, to, other);
	report_table(doc, y, ja ? "①母子手帳会議" : "1. Handbook meetings", ja ? "内容" : "item",
	    ja ? held_ja : held_en, 1);
	count_row(doc, y, ja ? "母子手帳会議" : "handbook meetings", a->meetings, b ? b->meetings : 0);
	if (b)
		pj_doc_chart(doc, pair << 1);
	report_table(doc, y, ja ? "②マタニティ教室" : "2. Maternity classes", ja ? "利用者支援室名" : "room",
	    ja ? room_ja : room_en, 3);
	each_room(y, room_row, &rc);
	pj_doc_chart(doc, pair << (1 + step));	/* participants */
	report_table(doc, y, ja ? "③妊娠8か月面談" : "3. 8th-month interviews", ja ? "内容" : "mode",
	    ja ? iv_h_ja : count_en, 1);
	for (i = 0; i < PJ_IV_COUNT; i++)
		count_row(doc, y, ja ? iv_ja[i] : pj_iv_modes[i], a->interviews[i], b ? b->interviews[i] : 0);
	pj_doc_chart(doc, pair << 1);
	report_table(doc, y, ja ? "④はっぴーベビー" : "4. Happy baby", ja ? "内容" : "mode",
	    ja ? hb_h_ja : count_en, 1);
	for (i = 0; i < PJ_HB_COUNT; i++)
		count_row(doc, y, ja ? hb_ja[i] : pj_hb_modes[i], a->happybaby[i], b ? b->happybaby[i] : 0);
	pj_doc_chart(doc, pair << 1);
	report_table(doc, y, ja ? "⑤3・4か月児健診（集団）" : "5. 3-4 month checkups (group)",
	    ja ? "内容" : "item", ja ? held_ja : held_en, 1);
	count_row(doc, y, ja ? "3・4か月児健診（集団）" : "3-4 month checkups (group)", a->checkups,
	    b ? b->checkups : 0);
	if (b)
		pj_doc_chart(doc, pair << 1);
	pj_doc_footer(doc, prov, ja);
}

/* One number of tsv and csv; when comparing, the other year's and the
 * change follow. */
static void
flat_row(pj_doc *doc, const years *y, const char *section, const char *item, const char *name,
    const char *measure, uint64_t va, uint64_t vb)
{
	pj_doc_row(doc);
	pj_doc_cell(doc, "%s", section);
	pj_doc_cell(doc, "%s", item);
	pj_doc_cell(doc, "%s", name);
	pj_doc_cell(doc, "%s", measure);
	nums(doc, va, y->b ? &vb : NULL);
}

static void
room_flat(void *ctx, const pj_annual *in, const pj_room *r, const uint64_t *va, const uint64_t *vb)
{
	static const char *const measures[] = { "groups", "participants", "couples" };
	const room_ctx *c = ctx;
	int k;

	for (k = 0; k < 3; k++)
		flat_row(c->doc, c->y, "maternity_classes", pj_names_str(in->m.names, r->code),
		    room_name(in, r, c->y->ja), measures[k], va[k], vb ? vb[k] : 0);
}

/* tsv and csv: one number a row, so that the five tables fit one sheet. */
static void
to_rows(const years *y, pj_doc *doc)
{
	const pj_annual *a = y->a, *b = y->b;
	room_ctx rc = { doc, y };
	size_t i;
	int ja = y->ja;

	if (b)
		pj_doc_table(doc, NULL, "lllllll", "section", "item", "name", "measure", "value",
		    "compare_value", "change");
	else
		pj_doc_table(doc, NULL, "lllll", "section", "item", "name", "measure", "value");
	flat_row(doc, y, "handbook_meetings", "", ja ? "母子手帳会議" : "handbook meetings", "count",
	    a->meetings, b ? b->meetings : 0);
	each_room(y, room_flat, &rc);
	for (i = 0; i < PJ_IV_COUNT; i++)
		flat_row(doc, y, "interviews_8month", pj_iv_modes[i], ja ? iv_ja[i] : pj_iv_modes[i],
		    "count", a->interviews[i], b ? b->interviews[i] : 0);
	for (i = 0; i < PJ_HB_COUNT; i++)
		flat_row(doc, y, "happybaby", pj_hb_modes[i], ja ? hb_ja[i] : pj_hb_modes[i], "count",
		    a->happybaby[i], b ? b->happybaby[i] : 0);
	flat_row(doc, y, "checkups_held", "", ja ? "3・4か月児健診（集団）" : "3-4 month checkups",
	    "count", a->checkups, b ? b->checkups : 0);
}

/* JSON: the year's object; when comparing, "compare" (the other year's
 * object) and "change" are added after its keys. */
static json_t *
years_json(const years *y)
{
	json_t *o = to_json(y->a);

	if (o == NULL || y->b == NULL)
		return o;
	if (json_object_set_new(o, "compare", to_json(y->b)) ||
	    json_object_set_new(o, "change", change_json(y))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		PO_LONGOPTS,
		{ "fy", required_argument, NULL, 'y' },
		{ "compare", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	po_opts o;
	pj_annual a, b;
	pj_prov prov, prov_b;
	pj_doc *doc = NULL;
	jn_env *env = NULL;
	years y = { &a, NULL, 0 };
	int c, fy = -1, cfy = -1, rc, ex;

	cli_init(argc, argv);
	po_init(&o);
	memset(&b, 0, sizeof b);
	while ((c = getopt_long(argc, argv, PO_SHORTOPTS, longopts, NULL)) != -1) {
		if ((rc = po_option(&o, c, optarg)) > 0)
			continue;
		if (rc == 0 && c == 'y' && cli_parse_fy("--fy", optarg, &fy) == 0)
			continue;
		if (rc == 0 && c == 'c' && cli_parse_fy("--compare", optarg, &cfy) == 0)
			continue;
		goto usage;
	}
	if (fy < 0 && !o.help) {
		cli_error("option '--fy' is required");
		goto usage;
	}
	if (po_finish(&o, argc, argv, usage_text, &ex))
		return ex;
	y.ja = o.ja;
	if ((ex = po_open(&o, &env)) != EX_OK)
		return po_done(&o, ex);
	if ((rc = pj_annual_run(env, o.at_seq, fy, &a, &prov)) != 0) {
		ex = po_fail(&o, rc);
		goto annual_free;
	}
	/* The other year from the same seq: one journal state, one stamp. */
	if (cfy >= 0) {
		if ((rc = pj_annual_run(env, prov.seq ? prov.seq : o.at_seq, cfy, &b, &prov_b)) != 0) {
			ex = po_fail(&o, rc);
			goto annual_free;
		}
		y.b = &b;
	}
	if (o.fmt == PJ_FMT_JSON) {
		ex = po_json(years_json(&y), &prov);
		goto annual_free;
	}
	if ((doc = pj_doc_new()) == NULL) {
		ex = po_fail(&o, ENOMEM);
		goto annual_free;
	}
	if (o.fmt == PJ_FMT_TSV || o.fmt == PJ_FMT_CSV)
		to_rows(&y, doc);
	else if (y.b || o.fmt == PJ_FMT_HTML || o.fmt == PJ_FMT_XLSX)
		report_doc(&y, &prov, doc);
	else
		to_doc(&a, &o, &prov, doc);
	ex = po_render(&o, doc);
	pj_doc_free(doc);
annual_free:
	pj_annual_free(&b);
	pj_annual_free(&a);
	jn_env_close(env);
	return po_done(&o, ex);
usage:
	fputs(usage_text, stderr);
	return EX_USAGE;
}
