/*
 * pages_render.c: the pages themselves, each from the JSON the server has:
 * sign in, my day, a case, the risk list, the annual report, a message.
 * Plain HTML: links and forms work without JavaScript, every field has a
 * label, errors sit next to their field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"
#include "pages_int.h"

#define TH "<th scope=\"col\">"

/* The string member key of o, or NULL. */
static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A text member (escaped), or dflt when absent or null. */
static void
put_str(pg_buf *b, json_t *o, const char *key, const char *dflt)
{
	const char *s = str(o, key);

	pg_text(b, s != NULL ? s : dflt);
}

static void
put_link_start(pg_buf *b, const char *path_prefix, const char *id)
{
	pg_raw(b, "<a href=\"");
	pg_raw(b, path_prefix);
	pg_text(b, id);
	pg_raw(b, "\">");
}

/* How a case is named on a page: its name (and kana) when the JSON holds
 * them, else the start of its UUID (auditors and everyone without names). */
static void
put_case_name(pg_buf *b, const pg_ctx *c, json_t *caseobj, const char *id)
{
	const char *name = str(caseobj, "name"), *kana = str(caseobj, "kana");

	if (name != NULL) {
		pg_text(b, name);
		if (kana != NULL) {
			pg_raw(b, " <span class=\"muted\">（");
			pg_text(b, kana);
			pg_raw(b, "）</span>");
		}
		return;
	}
	if (kana != NULL) {
		pg_text(b, kana);
		return;
	}
	pg_raw(b, "<span class=\"muted\">");
	pg_text(b, pg_l(c, "ケース ", "case "));
	pg_esc(b, id != NULL ? id : "?", id != NULL && strlen(id) > 8 ? 8 : (id ? strlen(id) : 1));
	pg_raw(b, "…</span>");
}

static const char *
stage_label(const pg_ctx *c, const char *stage)
{
	if (stage == NULL)
		return "";
	if (strcmp(stage, "pregnant") == 0)
		return pg_l(c, "妊娠中", "pregnant");
	if (strcmp(stage, "infant") == 0)
		return pg_l(c, "出生後", "infant");
	return stage;
}

/* "2026-07-19 (12 days left)", overdue marked. */
static void
put_due(pg_buf *b, const pg_ctx *c, json_t *next)
{
	const char *what = str(next, "what"), *by = str(next, "by");
	int32_t day;

	if (what == NULL || by == NULL) {
		pg_text(b, pg_l(c, "なし", "none"));
		return;
	}
	pg_text(b, pg_type_label(c, what));
	pg_raw(b, "<br>");
	pg_text(b, pg_l(c, "期限 ", "by "));
	pg_raw(b, "<time datetime=\"");
	pg_text(b, by);
	pg_raw(b, "\">");
	pg_text(b, by);
	pg_raw(b, "</time>");
	if (jn_date_parse(jn_str_c(by), &day) == 0) {
		long d = (long)day - (long)c->today;

		if (d < 0)
			pg_fmt(b, c->ja ? " <span class=\"mark\">（%ld日超過）</span>" :
			    " <span class=\"mark\">(%ld days overdue)</span>", -d);
		else if (d == 0)
			pg_text(b, pg_l(c, "（今日まで）", " (today)"));
		else
			pg_fmt(b, c->ja ? "（あと%ld日）" : " (%ld days left)", d);
	}
}

/* The flags of a case with their reasons, from the risk list (risk flags
 * carry "why"); a flag without its risk entry shows its name only. */
static void
put_flags(pg_buf *b, const pg_ctx *c, json_t *caseobj, json_t *risk)
{
	const char *id = str(caseobj, "case");
	json_t *flags = json_object_get(caseobj, "flags"), *f, *rf;
	size_t i, j;

	if (json_array_size(flags) == 0) {
		pg_raw(b, "<span class=\"muted\">");
		pg_text(b, pg_l(c, "なし", "none"));
		pg_raw(b, "</span>");
		return;
	}
	pg_raw(b, "<ul class=\"flags\">");
	json_array_foreach(flags, i, f) {
		const char *name = json_string_value(f);

		pg_raw(b, "<li><span class=\"flag\">");
		pg_text(b, pg_flag_label(c, name));
		pg_raw(b, "</span>");
		json_array_foreach(json_object_get(risk, "flags"), j, rf) {
			const char *rc = str(rf, "case"), *rn = str(rf, "flag");

			if (rc != NULL && rn != NULL && name != NULL && id != NULL &&
			    strcmp(rc, id) == 0 && strcmp(rn, name) == 0) {
				pg_raw(b, "<p class=\"reason\">");
				pg_flag_reason(b, c, rf);
				pg_raw(b, "</p>");
				break;
			}
		}
		pg_raw(b, "</li>");
	}
	pg_raw(b, "</ul>");
}

void
pg_page_message(pg_buf *b, const pg_ctx *c, int status, const char *msg)
{
	const char *title;

	switch (status) {
	case 403: title = pg_l(c, "この画面は開けません", "Not allowed"); break;
	case 404: title = pg_l(c, "見つかりません", "Not found"); break;
	case 503: title = pg_l(c, "いまは使えません", "Unavailable"); break;
	default: title = pg_l(c, "エラー", "Error"); break;
	}
	pg_begin(b, c, title);
	pg_raw(b, "<h1>");
	pg_text(b, title);
	pg_raw(b, "</h1><p class=\"alert\" role=\"alert\">");
	pg_text(b, msg);
	pg_fmt(b, " (%d)</p><p><a href=\"/\">", status);
	pg_text(b, pg_l(c, "はじめの画面へ", "Back to the start"));
	pg_raw(b, "</a></p>");
	pg_end(b, c);
}

void
pg_page_start(pg_buf *b, const pg_ctx *c)
{
	pg_begin(b, c, pg_l(c, "はじめに", "Start"));
	pg_tag(b, "<h1>", pg_l(c, "ケースを開く", "Open a case"), "</h1>");
	pg_tag(b, "<p>", pg_l(c, "ケース番号（UUID）を入れると、そのケースの記録画面を開きます。",
	    "Enter a case number (UUID) to open the case and record a contact."), "</p>");
	pg_raw(b, "<form method=\"get\" action=\"/go\"><label for=\"case\">");
	pg_text(b, pg_l(c, "ケース番号", "Case number"));
	pg_raw(b, "</label><input type=\"text\" id=\"case\" name=\"case\" required "
	    "pattern=\"[0-9a-fA-F\\-]{36}\" autocomplete=\"off\" spellcheck=\"false\">"
	    "<button type=\"submit\">");
	pg_text(b, pg_l(c, "開く", "Open"));
	pg_raw(b, "</button></form>");
	pg_end(b, c);
}

void
pg_page_login(pg_buf *b, const pg_ctx *c, const char *error, const char *next)
{
	pg_begin(b, c, pg_l(c, "サインイン", "Sign in"));
	pg_raw(b, "<h1>");
	pg_text(b, pg_l(c, "サインイン", "Sign in"));
	pg_raw(b, "</h1>");
	if (error != NULL) {
		pg_raw(b, "<p class=\"alert\" role=\"alert\" id=\"login-error\">");
		pg_text(b, error);
		pg_raw(b, "</p>");
	}
	pg_raw(b, "<form method=\"post\" action=\"/login\">");
	pg_csrf_field(b, c);
	if (next != NULL) {
		pg_raw(b, "<input type=\"hidden\" name=\"next\" value=\"");
		pg_text(b, next);
		pg_raw(b, "\">");
	}
	pg_raw(b, "<label for=\"name\">");
	pg_text(b, pg_l(c, "アカウント名", "Account"));
	pg_raw(b, "</label><input type=\"text\" id=\"name\" name=\"name\" required "
	    "autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\">"
	    "<label for=\"password\">");
	pg_text(b, pg_l(c, "パスワード", "Password"));
	pg_raw(b, "</label><input type=\"password\" id=\"password\" name=\"password\" required "
	    "autocomplete=\"current-password\"><button type=\"submit\">");
	pg_text(b, pg_l(c, "サインイン", "Sign in"));
	pg_raw(b, "</button></form>");
	pg_end(b, c);
}

/*
 * My day.
 */

typedef struct row {
	json_t *obj;
	int nflags;
	const char *next_by;	/* NULL: nothing due */
	const char *sortname;	/* kana, else name, else NULL */
	const char *id;
} row;

/* NULLs sort last; then the case id keeps the order stable. */
static int
cmp_opt(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == NULL) - (b == NULL);
	return strcmp(a, b);
}

static int
cmp_next(const void *pa, const void *pb)
{
	const row *a = pa, *b = pb;
	int r = cmp_opt(a->next_by, b->next_by);

	return r != 0 ? r : cmp_opt(a->id, b->id);
}

static int
cmp_name(const void *pa, const void *pb)
{
	const row *a = pa, *b = pb;
	int r = cmp_opt(a->sortname, b->sortname);

	return r != 0 ? r : cmp_next(pa, pb);
}

static int
cmp_flag(const void *pa, const void *pb)
{
	const row *a = pa, *b = pb;

	if (a->nflags != b->nflags)
		return b->nflags - a->nflags;
	return cmp_next(pa, pb);
}

/* Appends the case objects of a caseload (every coordinator's, then the
 * unassigned) to *rows; 0 or -1 when out of memory. */
static int
collect_cases(json_t *caseload, row **rowsp, size_t *np)
{
	json_t *coords = json_object_get(caseload, "coordinators"), *cs, *o;
	size_t i, j, n = 0, cap = 0;
	row *rows = NULL, *r;

	/* The coordinators' lists, then the unassigned one. */
	for (i = 0; i <= json_array_size(coords); i++) {
		if (i < json_array_size(coords))
			cs = json_object_get(json_array_get(coords, i), "cases");
		else
			cs = json_object_get(caseload, "unassigned");
		json_array_foreach(cs, j, o) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				if ((r = realloc(rows, cap * sizeof *r)) == NULL) {
					free(rows);
					return -1;
				}
				rows = r;
			}
			rows[n].obj = o;
			rows[n].nflags = (int)json_array_size(json_object_get(o, "flags"));
			rows[n].next_by = str(json_object_get(o, "next"), "by");
			rows[n].sortname = str(o, "kana") != NULL ? str(o, "kana") : str(o, "name");
			rows[n].id = str(o, "case");
			n++;
		}
	}
	*rowsp = rows;
	*np = n;
	return 0;
}

/* A column heading that sorts the table by key (a plain link). */
static void
sort_head(pg_buf *b, const pg_ctx *c, const char *key, const char *cur, const char *label)
{
	int on = strcmp(key, cur) == 0;

	pg_raw(b, on ? "<th scope=\"col\" aria-sort=\"ascending\">" : "<th scope=\"col\">");
	pg_fmt(b, "<a href=\"/?sort=%s\"%s>", key, on ? " aria-current=\"true\"" : "");
	pg_text(b, label);
	if (on)
		pg_raw(b, " ▲");
	pg_raw(b, "</a></th>");
}

void
pg_page_myday(pg_buf *b, const pg_ctx *c, json_t *caseload, json_t *risk, const char *sort)
{
	row *rows = NULL;
	size_t n = 0, i;
	const char *as_of = str(caseload, "as_of");

	if (sort == NULL || (strcmp(sort, "name") != 0 && strcmp(sort, "flag") != 0))
		sort = "next";
	pg_begin(b, c, pg_l(c, "わたしの一日", "My day"));
	pg_raw(b, "<h1>");
	pg_text(b, pg_l(c, "わたしの一日", "My day"));
	pg_raw(b, "</h1>");
	if (collect_cases(caseload, &rows, &n) != 0) {
		b->oom = 1;
		return;
	}
	if (strcmp(sort, "name") == 0)
		qsort(rows, n, sizeof *rows, cmp_name);
	else if (strcmp(sort, "flag") == 0)
		qsort(rows, n, sizeof *rows, cmp_flag);
	else
		qsort(rows, n, sizeof *rows, cmp_next);
	pg_raw(b, "<p>");
	if (c->ja)
		pg_fmt(b, "%zu件のケース（", n);
	else
		pg_fmt(b, "%zu cases (as of ", n);
	pg_text(b, as_of != NULL ? as_of : "");
	pg_text(b, pg_l(c, "時点）", ")"));
	pg_raw(b, "</p>");
	pg_raw(b, "<div class=\"scroll\"><table id=\"myday\"><caption>");
	pg_text(b, pg_l(c, "担当ケース", "Your cases"));
	pg_raw(b, "</caption><thead><tr>");
	sort_head(b, c, "name", sort, pg_l(c, "氏名", "Name"));
	pg_tag(b, TH, pg_l(c, "地区・段階", "District, stage"), "</th>");
	sort_head(b, c, "next", sort, pg_l(c, "次の接触（期限）", "Next contact due"));
	sort_head(b, c, "flag", sort, pg_l(c, "フラグと理由", "Flags and why"));
	pg_tag(b, TH, pg_l(c, "最後の接触", "Last contact"), "</th></tr></thead><tbody>");
	for (i = 0; i < n; i++) {
		json_t *o = rows[i].obj;

		pg_raw(b, "<tr data-case=\"");
		pg_text(b, rows[i].id);
		pg_raw(b, "\"><td>");
		put_link_start(b, "/cases/", rows[i].id);
		put_case_name(b, c, o, rows[i].id);
		pg_raw(b, "</a></td><td>");
		put_str(b, o, "district", "");
		pg_raw(b, "<br>");
		pg_text(b, stage_label(c, str(o, "stage")));
		pg_raw(b, "</td><td>");
		put_due(b, c, json_object_get(o, "next"));
		pg_raw(b, "</td><td>");
		put_flags(b, c, o, risk);
		pg_raw(b, "</td><td>");
		put_str(b, o, "last_contact", "-");
		pg_raw(b, "</td></tr>");
	}
	pg_raw(b, "</tbody></table></div>");
	free(rows);
	pg_end(b, c);
}

/*
 * The case page.
 */

static const char *const person_keys[] = {
	"name", "kana", "phone", "address", "mother_birth_date", "notes"
};

static const char *
person_label(const pg_ctx *c, const char *key)
{
	static const char *const ja[] = { "氏名", "ふりがな", "電話", "住所", "母の生年月日", "メモ" };
	static const char *const en[] = { "Name", "Kana", "Phone", "Address", "Mother's birth date", "Notes" };
	size_t i;

	for (i = 0; i < sizeof person_keys / sizeof person_keys[0]; i++)
		if (strcmp(person_keys[i], key) == 0)
			return c->ja ? ja[i] : en[i];
	return key;
}

/* An error message next to a field, tied to it by aria-describedby. */
static void
put_field_error(pg_buf *b, const char *id, const char *msg)
{
	if (msg == NULL)
		return;
	pg_raw(b, "<p class=\"err\" role=\"alert\" id=\"");
	pg_text(b, id);
	pg_raw(b, "-err\">");
	pg_text(b, msg);
	pg_raw(b, "</p>");
}

/* The attributes an input with an error carries. */
static void
put_invalid(pg_buf *b, const char *id, const char *msg)
{
	if (msg == NULL)
		return;
	pg_raw(b, " aria-invalid=\"true\" aria-describedby=\"");
	pg_text(b, id);
	pg_raw(b, "-err\"");
}

static void
put_value(pg_buf *b, const char *v)
{
	if (v == NULL)
		return;
	pg_raw(b, " value=\"");
	pg_text(b, v);
	pg_raw(b, "\"");
}

static void
put_label(pg_buf *b, const char *id, const char *text, int required, const pg_ctx *c)
{
	pg_raw(b, "<label for=\"");
	pg_text(b, id);
	pg_raw(b, "\">");
	pg_text(b, text);
	if (required) {
		pg_raw(b, " <span class=\"muted\">");
		pg_text(b, pg_l(c, "（必須）", "(required)"));
		pg_raw(b, "</span>");
	}
	pg_raw(b, "</label>");
}

static const char *const room_codes[][3] = {
	{ "kokinu", "小絹児童館", "Kokinu" }, { "ohisama", "おひさま", "Ohisama" },
	{ "bloom", "BLOOM", "BLOOM" }, { "kirakuyama", "きらくやま", "Kirakuyama" },
	{ "runrun", "るんるん", "Runrun" }, { "bokaboka", "ぼかぼか", "Bokaboka" },
};

/* One input of a record form; vals/errs are those of a form sent back. */
static void
put_field(pg_buf *b, const pg_ctx *c, const char *type, const pg_field *fd,
    const pg_form *vals, const pg_ferrs *errs, const char *today)
{
	char id[96];
	const char *v = pg_form_get(vals, fd->name);
	const char *err = pg_ferr_get(errs, fd->name);
	const pg_choice *ch;
	size_t i;

	snprintf(id, sizeof id, "f-%s-%s", type, fd->name);
	for (i = 0; id[i] != '\0'; i++)
		if (id[i] == '.')
			id[i] = '-';
	if (fd->kind == PG_FK_BOOL) {
		pg_raw(b, "<p><input type=\"checkbox\" value=\"1\" id=\"");
		pg_text(b, id);
		pg_raw(b, "\" name=\"");
		pg_text(b, fd->name);
		pg_raw(b, "\"");
		if (v != NULL && *v != '\0')
			pg_raw(b, " checked");
		pg_raw(b, "> <label class=\"inline\" for=\"");
		pg_text(b, id);
		pg_raw(b, "\">");
		pg_text(b, pg_l(c, fd->ja, fd->en));
		pg_raw(b, "</label></p>");
		put_field_error(b, id, err);
		return;
	}
	put_label(b, id, pg_l(c, fd->ja, fd->en), fd->required, c);
	put_field_error(b, id, err);
	switch (fd->kind) {
	case PG_FK_CHOICE:
		pg_raw(b, "<select id=\"");
		pg_text(b, id);
		pg_raw(b, "\" name=\"");
		pg_text(b, fd->name);
		pg_raw(b, "\"");
		if (fd->required)
			pg_raw(b, " required");
		put_invalid(b, id, err);
		pg_raw(b, "><option value=\"\">");
		pg_text(b, pg_l(c, "選んでください", "Choose"));
		pg_raw(b, "</option>");
		for (ch = fd->choices; ch->code != NULL; ch++) {
			pg_raw(b, "<option value=\"");
			pg_text(b, ch->code);
			pg_raw(b, "\"");
			if (v != NULL && strcmp(v, ch->code) == 0)
				pg_raw(b, " selected");
			pg_raw(b, ">");
			pg_text(b, pg_l(c, ch->ja, ch->en));
			pg_raw(b, "</option>");
		}
		pg_raw(b, "</select>");
		return;
	case PG_FK_DATE:
		pg_raw(b, "<input type=\"date\" max=\"");
		pg_text(b, today);
		pg_raw(b, "\"");
		break;
	case PG_FK_CHILDREN:
		pg_raw(b, "<input type=\"number\" min=\"1\" max=\"16\" step=\"1\"");
		if (v == NULL)
			v = "1";
		break;
	case PG_FK_ROOM:
		pg_raw(b, "<input type=\"text\" list=\"rooms\" pattern=\"[a-z0-9_\\-]{1,32}\"");
		break;
	default:
		pg_raw(b, "<input type=\"text\" maxlength=\"2048\"");
		break;
	}
	pg_raw(b, " id=\"");
	pg_text(b, id);
	pg_raw(b, "\" name=\"");
	pg_text(b, fd->name);
	pg_raw(b, "\"");
	if (fd->required)
		pg_raw(b, " required");
	put_invalid(b, id, err);
	put_value(b, v);
	pg_raw(b, ">");
}

/* The forms of the types the role may record; the one sent back with
 * errors is open and keeps what was typed. */
static void
put_record_forms(pg_buf *b, const pg_ctx *c, const pg_case_view *v)
{
	size_t nt, i, j, shown = 0;
	const pg_ftype *ft = pg_ftypes(&nt);
	char today[11];

	jn_date_format(c->today, today);
	for (i = 0; i < nt; i++) {
		jn_type t = jn_type_of(jn_str_c(ft[i].type));
		int back = v->form_type != NULL && strcmp(v->form_type, ft[i].type) == 0;
		const pg_form *vals = back ? v->form : NULL;
		const pg_ferrs *errs = back ? v->errs : NULL;
		const char *occ = pg_form_get(vals, "occurred");
		const char *err;
		char id[96];
		size_t k;

		if (!(c->may_append & (1u << t)) || t == JN_T_EVENT_RETRACTED)
			continue;
		if (shown++ == 0) {
			pg_raw(b, "<section aria-labelledby=\"record-h\"><h2 id=\"record-h\">");
			pg_text(b, pg_l(c, "接触・変更を記録する", "Record a contact or a change"));
			pg_raw(b, "</h2><datalist id=\"rooms\">");
			for (k = 0; k < sizeof room_codes / sizeof room_codes[0]; k++)
				pg_fmt(b, "<option value=\"%s\">%s</option>", room_codes[k][0],
				    c->ja ? room_codes[k][1] : room_codes[k][2]);
			pg_raw(b, "</datalist>");
		}
		pg_raw(b, back ? "<details open>" : "<details>");
		pg_raw(b, "<summary>");
		pg_text(b, pg_type_label(c, ft[i].type));
		pg_raw(b, "</summary><form method=\"post\" class=\"record\" id=\"form-");
		pg_text(b, ft[i].type);
		pg_raw(b, "\" action=\"/cases/");
		pg_text(b, v->case_id);
		pg_raw(b, "/events\">");
		pg_csrf_field(b, c);
		pg_raw(b, "<input type=\"hidden\" name=\"type\" value=\"");
		pg_text(b, ft[i].type);
		pg_raw(b, "\">");
		if ((err = pg_ferr_get(errs, "")) != NULL)
			put_field_error(b, "form", err);
		snprintf(id, sizeof id, "f-%s-occurred", ft[i].type);
		for (k = 0; id[k] != '\0'; k++)
			if (id[k] == '.')
				id[k] = '-';
		put_label(b, id, pg_l(c, "日付", "Date"), 1, c);
		err = pg_ferr_get(errs, "occurred");
		put_field_error(b, id, err);
		pg_raw(b, "<input type=\"date\" name=\"occurred\" required max=\"");
		pg_text(b, today);
		pg_raw(b, "\" id=\"");
		pg_text(b, id);
		pg_raw(b, "\"");
		put_invalid(b, id, err);
		put_value(b, occ != NULL ? occ : today);
		pg_raw(b, ">");
		for (j = 0; j < PG_FIELDS_MAX && ft[i].fields[j].name != NULL; j++)
			put_field(b, c, ft[i].type, &ft[i].fields[j], vals, errs, today);
		/* Errors the journal named on a field this form has not. */
		if (errs != NULL) {
			for (k = 0; k < errs->n; k++) {
				const char *f = errs->e[k].field;
				int known = *f == '\0' || strcmp(f, "occurred") == 0;

				for (j = 0; j < PG_FIELDS_MAX && ft[i].fields[j].name != NULL; j++)
					if (strcmp(ft[i].fields[j].name, f) == 0)
						known = 1;
				if (!known) {
					pg_raw(b, "<p class=\"err\" role=\"alert\">");
					pg_text(b, f);
					pg_raw(b, ": ");
					pg_text(b, errs->e[k].msg);
					pg_raw(b, "</p>");
				}
			}
		}
		pg_raw(b, "<button type=\"submit\">");
		pg_text(b, pg_l(c, "記録する", "Record"));
		pg_raw(b, "</button></form></details>");
	}
	if (shown > 0)
		pg_raw(b, "</section>");
}

static void
put_person(pg_buf *b, const pg_ctx *c, const pg_case_view *v)
{
	size_t i;

	if (v->person_state == PG_PERSON_HIDDEN)
		return;
	pg_raw(b, "<section aria-labelledby=\"person-h\"><h2 id=\"person-h\">");
	pg_text(b, pg_l(c, "個人情報", "Person data"));
	pg_raw(b, "</h2>");
	if (v->person_state == PG_PERSON_FORGOTTEN) {
		pg_raw(b, "<p class=\"muted\" id=\"person-forgotten\">");
		pg_text(b, pg_l(c, "（消去済み）この家族の個人情報は消去されました。",
		    "(forgotten) This family's person data was erased."));
		pg_raw(b, "</p></section>");
		return;
	}
	if (v->person_state == PG_PERSON_UNAVAILABLE) {
		pg_raw(b, "<p class=\"alert\" id=\"person-unavailable\">");
		pg_text(b, v->person_msg != NULL ? v->person_msg :
		    pg_l(c, "個人情報はいま読めません", "person data cannot be read now"));
		pg_raw(b, "</p></section>");
		return;
	}
	pg_raw(b, "<p class=\"muted\">");
	pg_text(b, pg_l(c, "この表示は閲覧記録に残ります。", "This reading is recorded in the access log."));
	pg_raw(b, "</p><dl class=\"person\" id=\"person\">");
	for (i = 0; i < sizeof person_keys / sizeof person_keys[0]; i++) {
		const char *s = str(v->person, person_keys[i]);

		pg_raw(b, "<dt>");
		pg_text(b, person_label(c, person_keys[i]));
		pg_fmt(b, "</dt><dd data-key=\"%s\">", person_keys[i]);
		if (s != NULL)
			pg_text(b, s);
		else
			pg_raw(b, "<span class=\"muted\">-</span>");
		pg_raw(b, "</dd>");
	}
	pg_raw(b, "</dl>");
	if (v->person_edit) {
		int back = v->form_type != NULL && strcmp(v->form_type, "person") == 0;

		pg_raw(b, back ? "<details open>" : "<details>");
		pg_raw(b, "<summary>");
		pg_text(b, pg_l(c, "個人情報を編集する", "Edit person data"));
		pg_raw(b, "</summary><form method=\"post\" class=\"record\" id=\"form-person\" action=\"/cases/");
		pg_text(b, v->case_id);
		pg_raw(b, "/person\">");
		pg_csrf_field(b, c);
		if (back)
			put_field_error(b, "p-form", pg_ferr_get(v->errs, ""));
		pg_raw(b, "<p class=\"muted\">");
		pg_text(b, pg_l(c, "空にした項目は削除されます。", "A field left empty is removed."));
		pg_raw(b, "</p>");
		for (i = 0; i < sizeof person_keys / sizeof person_keys[0]; i++) {
			const char *key = person_keys[i];
			const char *val = back ? pg_form_get(v->form, key) : str(v->person, key);
			const char *err = back ? pg_ferr_get(v->errs, key) : NULL;
			char id[32];

			snprintf(id, sizeof id, "p-%s", key);
			put_label(b, id, person_label(c, key), 0, c);
			put_field_error(b, id, err);
			if (strcmp(key, "notes") == 0) {
				pg_raw(b, "<textarea rows=\"3\" id=\"p-notes\" name=\"notes\"");
				put_invalid(b, id, err);
				pg_raw(b, ">");
				pg_text(b, val);
				pg_raw(b, "</textarea>");
				continue;
			}
			pg_fmt(b, "<input type=\"%s\" id=\"%s\" name=\"%s\"",
			    strcmp(key, "mother_birth_date") == 0 ? "date" :
			    strcmp(key, "phone") == 0 ? "tel" : "text", id, key);
			put_invalid(b, id, err);
			put_value(b, val);
			pg_raw(b, ">");
		}
		pg_raw(b, "<button type=\"submit\">");
		pg_text(b, pg_l(c, "保存する", "Save"));
		pg_raw(b, "</button></form></details>");
	}
	pg_raw(b, "</section>");
}

/* A value of an event's data, for a person to read. */
static void
put_data_value(pg_buf *b, const pg_ctx *c, json_t *v)
{
	json_t *e;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		pg_text(b, json_string_value(v));
		break;
	case JSON_TRUE:
		pg_text(b, pg_l(c, "はい", "yes"));
		break;
	case JSON_FALSE:
		pg_text(b, pg_l(c, "いいえ", "no"));
		break;
	case JSON_INTEGER:
		pg_fmt(b, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_ARRAY:
		json_array_foreach(v, i, e) {
			if (i > 0)
				pg_raw(b, ", ");
			put_data_value(b, c, e);
		}
		break;
	default:
		pg_raw(b, "-");
		break;
	}
}

/* The retraction of event id in the stream, or NULL. */
static json_t *
retraction_of(json_t *events, const char *id)
{
	json_t *e;
	size_t i;

	json_array_foreach(events, i, e) {
		const char *t = str(json_object_get(e, "data"), "target");

		if (t != NULL && id != NULL && strcmp(str(e, "type") ? str(e, "type") : "",
		    "event.retracted") == 0 && strcmp(t, id) == 0)
			return e;
	}
	return NULL;
}

static json_t *
event_by_id(json_t *events, const char *id)
{
	json_t *e;
	size_t i;

	json_array_foreach(events, i, e) {
		const char *eid = str(e, "id");

		if (eid != NULL && id != NULL && strcmp(eid, id) == 0)
			return e;
	}
	return NULL;
}

/* The retraction form of one history row (a nurse's): the event's id
 * hidden, the date and the reason; open with its errors when it was the
 * form sent back. */
static void
put_retract_form(pg_buf *b, const pg_ctx *c, const pg_case_view *v, json_t *e)
{
	const char *id = str(e, "id");
	int back = v->form_type != NULL && strcmp(v->form_type, "event.retracted") == 0 &&
	    id != NULL && pg_form_get(v->form, "target") != NULL &&
	    strcmp(pg_form_get(v->form, "target"), id) == 0;
	const pg_ferrs *errs = back ? v->errs : NULL;
	const char *reason = back ? pg_form_get(v->form, "reason") : NULL;
	const char *occ = back ? pg_form_get(v->form, "occurred") : NULL;
	char fid[48], today[11];
	long long seq = (long long)json_integer_value(json_object_get(e, "seq"));

	jn_date_format(c->today, today);
	pg_raw(b, back ? "<details open>" : "<details>");
	pg_tag(b, "<summary>", pg_l(c, "この記録を取り消す", "Retract this record"), "</summary>");
	pg_fmt(b, "<form method=\"post\" class=\"record\" id=\"retract-%lld\" action=\"/cases/", seq);
	pg_text(b, v->case_id);
	pg_raw(b, "/events\">");
	pg_csrf_field(b, c);
	pg_raw(b, "<input type=\"hidden\" name=\"type\" value=\"event.retracted\">"
	    "<input type=\"hidden\" name=\"target\" value=\"");
	pg_text(b, id);
	pg_raw(b, "\">");
	snprintf(fid, sizeof fid, "r-%lld-occurred", seq);
	put_label(b, fid, pg_l(c, "日付", "Date"), 1, c);
	put_field_error(b, fid, pg_ferr_get(errs, "occurred"));
	pg_raw(b, "<input type=\"date\" name=\"occurred\" required max=\"");
	pg_text(b, today);
	pg_fmt(b, "\" id=\"%s\"", fid);
	put_invalid(b, fid, pg_ferr_get(errs, "occurred"));
	put_value(b, occ != NULL ? occ : today);
	pg_raw(b, ">");
	snprintf(fid, sizeof fid, "r-%lld-reason", seq);
	put_label(b, fid, pg_l(c, "取り消す理由", "Why it is retracted"), 1, c);
	put_field_error(b, fid, pg_ferr_get(errs, "reason"));
	pg_fmt(b, "<input type=\"text\" maxlength=\"2048\" required name=\"reason\" id=\"%s\"", fid);
	put_invalid(b, fid, pg_ferr_get(errs, "reason"));
	put_value(b, reason);
	pg_raw(b, ">");
	pg_tag(b, "<button type=\"submit\">", pg_l(c, "取り消す", "Retract"), "</button></form></details>");
}

/* Whether a history row gets the retraction form: what the journal lets
 * a retraction name (specs/events.md, "Corrections"). */
static int
retractable(const pg_ctx *c, json_t *e, json_t *retr)
{
	const char *t = str(e, "type");

	return (c->may_append & (1u << JN_T_EVENT_RETRACTED)) && retr == NULL && t != NULL &&
	    strcmp(t, "event.retracted") != 0 && strcmp(t, "case.forgotten") != 0 &&
	    strcmp(t, "person.accessed") != 0 && strcmp(t, "staff.account_changed") != 0;
}

static void
put_history(pg_buf *b, const pg_ctx *c, const pg_case_view *v)
{
	json_t *events = v->events;
	json_t *e;
	size_t i;

	pg_raw(b, "<section aria-labelledby=\"hist-h\"><h2 id=\"hist-h\">");
	pg_text(b, pg_l(c, "記録の履歴", "History"));
	pg_raw(b, "</h2><p class=\"muted\">");
	pg_text(b, pg_l(c, "取り消された記録は線で消して残しています（記録は消えません）。",
	    "Retracted records stay, struck through: nothing is ever deleted."));
	pg_raw(b, "</p><div class=\"scroll\"><table id=\"history\"><thead><tr>");
	pg_raw(b, "<th scope=\"col\" class=\"num\">seq</th>");
	pg_tag(b, TH, pg_l(c, "日付", "Date"), "</th>");
	pg_tag(b, TH, pg_l(c, "内容", "What"), "</th>");
	pg_tag(b, TH, pg_l(c, "詳細", "Details"), "</th>");
	pg_tag(b, TH, pg_l(c, "記録者・記録日時", "Recorded by, at"), "</th></tr></thead><tbody>");
	json_array_foreach(events, i, e) {
		const char *type = str(e, "type");
		json_t *data = json_object_get(e, "data"), *retr, *val;
		const char *key;

		retr = retraction_of(events, str(e, "id"));
		pg_raw(b, retr != NULL ? "<tr class=\"retracted\" data-type=\"" : "<tr data-type=\"");
		pg_text(b, type);
		pg_fmt(b, "\"><td class=\"num\">%lld</td><td>",
		    (long long)json_integer_value(json_object_get(e, "seq")));
		put_str(b, e, "occurred", "");
		pg_raw(b, "</td><td><span class=\"what\">");
		pg_text(b, pg_type_label(c, type));
		pg_raw(b, "</span>");
		if (retr != NULL) {
			pg_raw(b, "<br><span class=\"mark\">");
			pg_fmt(b, c->ja ? "取り消し済み（seq %lld" : "retracted (seq %lld",
			    (long long)json_integer_value(json_object_get(retr, "seq")));
			pg_raw(b, ": ");
			put_str(b, json_object_get(retr, "data"), "reason", "");
			pg_raw(b, c->ja ? "）" : ")");
			pg_raw(b, "</span>");
		}
		pg_raw(b, "</td><td>");
		if (type != NULL && strcmp(type, "event.retracted") == 0) {
			json_t *t = event_by_id(events, str(data, "target"));

			pg_text(b, pg_l(c, "取り消した記録: ", "retracts: "));
			if (t != NULL) {
				pg_fmt(b, "seq %lld ", (long long)json_integer_value(json_object_get(t, "seq")));
				pg_text(b, pg_type_label(c, str(t, "type")));
			} else {
				put_str(b, data, "target", "?");
			}
			pg_raw(b, "<br>");
			pg_text(b, pg_l(c, "理由: ", "reason: "));
			put_str(b, data, "reason", "");
		} else {
			int first = 1;

			json_object_foreach(data, key, val) {
				if (!first)
					pg_raw(b, "<br>");
				first = 0;
				pg_text(b, key);
				pg_raw(b, ": ");
				put_data_value(b, c, val);
			}
		}
		if (retractable(c, e, retr))
			put_retract_form(b, c, v, e);
		pg_raw(b, "</td><td>");
		put_str(b, e, "actor", "");
		pg_raw(b, "<br><span class=\"muted\">");
		put_str(b, e, "recorded", "");
		pg_raw(b, "</span></td></tr>");
	}
	pg_raw(b, "</tbody></table></div></section>");
}

void
pg_page_case(pg_buf *b, const pg_ctx *c, const pg_case_view *v)
{
	json_t *s = v->summary;
	char title[64];

	snprintf(title, sizeof title, "%s %.8s", pg_l(c, "ケース", "Case"), v->case_id);
	pg_begin(b, c, title);
	pg_raw(b, "<h1>");
	if (v->person_state == PG_PERSON_SHOWN && str(v->person, "name") != NULL) {
		put_str(b, v->person, "name", "");
		pg_raw(b, " <span class=\"muted\">");
		pg_text(b, pg_l(c, "ケース ", "case "));
		pg_text(b, v->case_id);
		pg_raw(b, "</span>");
	} else {
		pg_text(b, pg_l(c, "ケース ", "Case "));
		pg_text(b, v->case_id);
	}
	pg_raw(b, "</h1>");
	if (v->notice != NULL) {
		pg_raw(b, "<p class=\"notice\" role=\"status\" id=\"notice\">");
		pg_text(b, v->notice);
		pg_raw(b, "</p>");
	}
	if (v->errs != NULL && v->errs->n > 0) {
		pg_raw(b, "<p class=\"alert\" role=\"alert\" id=\"form-errors\">");
		pg_text(b, pg_l(c, "記録していません。下の項目を直してください。",
		    "Nothing was recorded. Please correct the fields below."));
		pg_raw(b, "</p>");
		/* A retraction's target may name no row to show it on. */
		if (v->form_type != NULL && strcmp(v->form_type, "event.retracted") == 0) {
			put_field_error(b, "retract-form", pg_ferr_get(v->errs, ""));
			put_field_error(b, "retract-target", pg_ferr_get(v->errs, "target"));
		}
	}
	if (s != NULL) {
		pg_raw(b, "<dl class=\"person\" id=\"summary\"><dt>");
		pg_text(b, pg_l(c, "地区", "District"));
		pg_raw(b, "</dt><dd>");
		put_str(b, s, "district", "-");
		pg_raw(b, "</dd><dt>");
		pg_text(b, pg_l(c, "段階", "Stage"));
		pg_raw(b, "</dt><dd>");
		pg_text(b, stage_label(c, str(s, "stage")));
		pg_raw(b, "</dd><dt>");
		pg_text(b, pg_l(c, "出産予定日", "Due date"));
		pg_raw(b, "</dt><dd>");
		put_str(b, s, "due_date", "-");
		pg_raw(b, "</dd><dt>");
		pg_text(b, pg_l(c, "出生日", "Birth date"));
		pg_raw(b, "</dt><dd>");
		put_str(b, s, "birth_date", "-");
		pg_raw(b, "</dd><dt>");
		pg_text(b, pg_l(c, "次の接触", "Next contact"));
		pg_raw(b, "</dt><dd>");
		put_due(b, c, json_object_get(s, "next"));
		pg_raw(b, "</dd><dt>");
		pg_text(b, pg_l(c, "フラグ", "Flags"));
		pg_raw(b, "</dt><dd>");
		put_flags(b, c, s, v->risk);
		pg_raw(b, "</dd></dl>");
	}
	put_person(b, c, v);
	put_record_forms(b, c, v);
	if (v->events != NULL)
		put_history(b, c, v);
	pg_end(b, c);
}

/*
 * The risk list.
 */

static const char *const flag_order[] = {
	"support-needed", "no-contact", "not-shared", "no-8month-interview",
	"birth-not-recorded", "no-happybaby", "missed-checkup", "no-coordinator"
};
#define NFLAGS (sizeof flag_order / sizeof flag_order[0])

/* The case object of id in a caseload, or NULL. */
static json_t *
find_case(json_t *caseload, const char *id)
{
	json_t *k, *o;
	size_t i, j;

	if (id == NULL)
		return NULL;
	json_array_foreach(json_object_get(caseload, "coordinators"), i, k)
		json_array_foreach(json_object_get(k, "cases"), j, o)
			if (str(o, "case") != NULL && strcmp(str(o, "case"), id) == 0)
				return o;
	json_array_foreach(json_object_get(caseload, "unassigned"), j, o)
		if (str(o, "case") != NULL && strcmp(str(o, "case"), id) == 0)
			return o;
	return NULL;
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The districts of the cases in a caseload, sorted, without repeats. */
static const char **
districts_of(json_t *caseload, size_t *np)
{
	row *rows = NULL;
	size_t n = 0, i, k = 0;
	const char **d;

	if (collect_cases(caseload, &rows, &n) != 0)
		return NULL;
	if ((d = calloc(n + 1, sizeof *d)) == NULL) {
		free(rows);
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (str(rows[i].obj, "district") != NULL)
			d[k++] = str(rows[i].obj, "district");
	qsort(d, k, sizeof *d, cmp_strp);
	for (i = 0, n = 0; i < k; i++)
		if (n == 0 || strcmp(d[n - 1], d[i]) != 0)
			d[n++] = d[i];
	free(rows);
	*np = n;
	return d;
}

void
pg_page_risk(pg_buf *b, const pg_ctx *c, json_t *risk, json_t *caseload,
    const char *flag, const char *district)
{
	json_t *flags = json_object_get(risk, "flags"), *f;
	size_t i, k, nd = 0, count[NFLAGS] = { 0 }, shown = 0;
	const char **dists = districts_of(caseload, &nd);

	if (flag != NULL && *flag == '\0')
		flag = NULL;
	if (district != NULL && *district == '\0')
		district = NULL;
	pg_begin(b, c, pg_l(c, "リスク一覧", "Risk list"));
	pg_raw(b, "<h1>");
	pg_text(b, pg_l(c, "リスク一覧", "Risk list"));
	pg_raw(b, "</h1><p>");
	pg_text(b, pg_l(c, "基準日 ", "As of "));
	put_str(b, risk, "as_of", "");
	pg_raw(b, "</p>");

	/* Filters: a GET form, so the list's address says what it shows. */
	pg_raw(b, "<form method=\"get\" action=\"/risk\"><label for=\"flag\">");
	pg_text(b, pg_l(c, "フラグ", "Flag"));
	pg_raw(b, "</label><select id=\"flag\" name=\"flag\"><option value=\"\">");
	pg_text(b, pg_l(c, "すべて", "All"));
	pg_raw(b, "</option>");
	for (k = 0; k < NFLAGS; k++) {
		pg_fmt(b, "<option value=\"%s\"%s>", flag_order[k],
		    flag != NULL && strcmp(flag, flag_order[k]) == 0 ? " selected" : "");
		pg_text(b, pg_flag_label(c, flag_order[k]));
		pg_raw(b, "</option>");
	}
	pg_raw(b, "</select><label for=\"district\">");
	pg_text(b, pg_l(c, "地区", "District"));
	pg_raw(b, "</label><select id=\"district\" name=\"district\"><option value=\"\">");
	pg_text(b, pg_l(c, "すべて", "All"));
	pg_raw(b, "</option>");
	for (k = 0; dists != NULL && k < nd; k++) {
		pg_raw(b, "<option value=\"");
		pg_text(b, dists[k]);
		pg_raw(b, "\"");
		if (district != NULL && strcmp(district, dists[k]) == 0)
			pg_raw(b, " selected");
		pg_raw(b, ">");
		pg_text(b, dists[k]);
		pg_raw(b, "</option>");
	}
	free(dists);
	pg_raw(b, "</select> <button type=\"submit\">");
	pg_text(b, pg_l(c, "絞り込む", "Filter"));
	pg_raw(b, "</button></form>");

	/* Counts by flag. */
	json_array_foreach(flags, i, f)
		for (k = 0; k < NFLAGS; k++)
			if (str(f, "flag") != NULL && strcmp(str(f, "flag"), flag_order[k]) == 0)
				count[k]++;
	pg_raw(b, "<div class=\"scroll\"><table id=\"risk-counts\"><caption>");
	pg_text(b, pg_l(c, "フラグごとの件数", "Families per flag"));
	pg_raw(b, "</caption><tbody>");
	for (k = 0; k < NFLAGS; k++) {
		pg_fmt(b, "<tr><th scope=\"row\"><a href=\"/risk?flag=%s\">", flag_order[k]);
		pg_text(b, pg_flag_label(c, flag_order[k]));
		pg_fmt(b, "</a></th><td class=\"num\" data-flag=\"%s\">%zu</td></tr>",
		    flag_order[k], count[k]);
	}
	pg_raw(b, "</tbody></table></div>");

	for (k = 0; k < NFLAGS; k++) {
		size_t here = 0;

		if (flag != NULL && strcmp(flag, flag_order[k]) != 0)
			continue;
		json_array_foreach(flags, i, f) {
			const char *id = str(f, "case");
			json_t *co = find_case(caseload, id);
			const char *d = str(co, "district");

			if (str(f, "flag") == NULL || strcmp(str(f, "flag"), flag_order[k]) != 0)
				continue;
			if (district != NULL && (d == NULL || strcmp(d, district) != 0))
				continue;
			if (here++ == 0) {
				pg_fmt(b, "<h2 id=\"h-%s\">", flag_order[k]);
				pg_text(b, pg_flag_label(c, flag_order[k]));
				pg_raw(b, "</h2><div class=\"scroll\"><table class=\"risk\"><thead><tr>");
				pg_tag(b, TH, pg_l(c, "家族", "Family"), "</th>");
				pg_tag(b, TH, pg_l(c, "地区", "District"), "</th>");
				pg_tag(b, TH, pg_l(c, "担当", "Coordinator"), "</th>");
				pg_tag(b, TH, pg_l(c, "理由", "Why"), "</th></tr></thead><tbody>");
			}
			pg_raw(b, "<tr data-case=\"");
			pg_text(b, id);
			pg_raw(b, "\"><td>");
			put_link_start(b, "/cases/", id);
			/* Names come with the flags (risk --names) or the caseload. */
			put_case_name(b, c, json_object_get(f, "name") != NULL ||
			    json_object_get(f, "kana") != NULL ? f : co, id);
			pg_raw(b, "</a></td><td>");
			pg_text(b, d != NULL ? d : "-");
			pg_raw(b, "</td><td>");
			put_str(b, f, "coordinator", pg_l(c, "なし", "none"));
			pg_raw(b, "</td><td>");
			pg_flag_reason(b, c, f);
			pg_raw(b, "</td></tr>");
		}
		if (here > 0)
			pg_raw(b, "</tbody></table></div>");
		shown += here;
	}
	if (shown == 0) {
		pg_raw(b, "<p id=\"risk-none\">");
		pg_text(b, pg_l(c, "該当する家族はありません。", "No family matches."));
		pg_raw(b, "</p>");
	}
	pg_end(b, c);
}
