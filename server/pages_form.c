/*
 * pages_form.c: the "record a contact" forms of the case page: which fields
 * each event type has (from the catalog of specs/events.md), how a
 * submitted form becomes the event to append, and the messages of the
 * errors shown next to the fields.  The journal checks the event again on
 * append (its own rules are the last word); the checks here are those a
 * browser makes too, so that a person gets them in their language.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"
#include "pages_int.h"

static const pg_choice c_interview[] = {
	{ "group", "集団", "group" },
	{ "individual", "個別", "individual" },
	{ "visit", "家庭訪問", "home visit" },
	{ NULL, NULL, NULL }
};
static const pg_choice c_happybaby[] = {
	{ "home", "家庭訪問", "home visit" },
	{ "room", "支援室で", "at the support room" },
	{ "checkup", "健診で", "at the checkup" },
	{ NULL, NULL, NULL }
};
static const pg_choice c_closed[] = {
	{ "moved_out", "転出", "moved out of the city" },
	{ "pregnancy_ended", "妊娠の終了", "pregnancy ended" },
	{ "completed", "支援の完了", "support completed" },
	{ "other", "その他", "other" },
	{ NULL, NULL, NULL }
};

/* The case events a page records, their fields in the catalog's terms. */
static const pg_ftype ftypes[] = {
	{ "happybaby.contact", {
		{ "mode", PG_FK_CHOICE, 1, c_happybaby, "方法", "How" } } },
	{ "interview.8month", {
		{ "mode", PG_FK_CHOICE, 1, c_interview, "方法", "How" } } },
	{ "class.attended", {
		{ "room", PG_FK_ROOM, 1, NULL, "支援室", "Support room" },
		{ "partner", PG_FK_BOOL, 0, NULL, "パートナーと参加", "With the partner" } } },
	{ "checkup.attended", {
		{ "shared_with_nurse", PG_FK_BOOL, 0, NULL, "保健師と共有した", "Shared with a nurse" },
		{ "session", PG_FK_TEXT, 0, NULL, "健診の回（checkup:…、任意）",
		    "Checkup session (checkup:…, optional)" } } },
	{ "room.visited", {
		{ "room", PG_FK_ROOM, 1, NULL, "支援室", "Support room" } } },
	{ "referral.made", {
		{ "to", PG_FK_TEXT, 1, NULL, "つなぎ先", "Referred to" },
		{ "reason", PG_FK_TEXT, 0, NULL, "理由（任意）", "Reason (optional)" } } },
	{ "birth.registered", {
		{ "birth_date", PG_FK_DATE, 1, NULL, "出生日", "Date of birth" },
		{ "children", PG_FK_CHILDREN, 1, NULL, "子どもの数", "Children" } } },
	{ "support.flagged", {
		{ "reason", PG_FK_TEXT, 1, NULL, "理由", "Reason" } } },
	{ "support.cleared", {
		{ "reason", PG_FK_TEXT, 0, NULL, "理由（任意）", "Reason (optional)" } } },
	{ "case.transferred", {
		{ "district", PG_FK_TEXT, 1, NULL, "新しい地区", "New district" } } },
	{ "case.closed", {
		{ "reason", PG_FK_CHOICE, 1, c_closed, "理由", "Reason" } } },
	/* Offered on each row of the history, not among the contacts. */
	{ "event.retracted", {
		{ "target", PG_FK_TEXT, 1, NULL, "取り消す記録", "The record retracted" },
		{ "reason", PG_FK_TEXT, 1, NULL, "取り消す理由", "Why it is retracted" } } },
};

const pg_ftype *
pg_ftypes(size_t *np)
{
	*np = sizeof ftypes / sizeof ftypes[0];
	return ftypes;
}

const pg_ftype *
pg_ftype_find(const char *type)
{
	size_t i;

	if (type == NULL)
		return NULL;
	for (i = 0; i < sizeof ftypes / sizeof ftypes[0]; i++)
		if (strcmp(ftypes[i].type, type) == 0)
			return &ftypes[i];
	return NULL;
}

int
pg_form_type(const char *type)
{
	return pg_ftype_find(type) != NULL;
}

int
pg_form_add(pg_form *f, const char *key, const char *val, size_t vlen)
{
	pg_kv *kv;
	char *k, *v;

	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;

		if ((kv = realloc(f->kv, cap * sizeof *kv)) == NULL)
			return ENOMEM;
		f->kv = kv;
		f->cap = cap;
	}
	if ((k = strdup(key)) == NULL)
		return ENOMEM;
	if ((v = malloc(vlen + 1)) == NULL) {
		free(k);
		return ENOMEM;
	}
	memcpy(v, val, vlen);
	v[vlen] = '\0';
	f->kv[f->n].key = k;
	f->kv[f->n].val = v;
	f->n++;
	return 0;
}

const char *
pg_form_get(const pg_form *f, const char *key)
{
	size_t i;

	if (f == NULL)
		return NULL;
	for (i = 0; i < f->n; i++)
		if (strcmp(f->kv[i].key, key) == 0)
			return f->kv[i].val;
	return NULL;
}

void
pg_form_free(pg_form *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		free(f->kv[i].key);
		free(f->kv[i].val);
	}
	free(f->kv);
	f->kv = NULL;
	f->n = f->cap = 0;
}

void
pg_ferr_add(pg_ferrs *e, const char *field, const char *msg)
{
	size_t i;

	/* One message a field: the first says what to fix first. */
	for (i = 0; i < e->n; i++)
		if (strcmp(e->e[i].field, field) == 0)
			return;
	if (e->n == PG_FERR_MAX)
		return;
	snprintf(e->e[e->n].field, sizeof e->e[e->n].field, "%s", field);
	snprintf(e->e[e->n].msg, sizeof e->e[e->n].msg, "%s", msg);
	e->n++;
}

const char *
pg_ferr_get(const pg_ferrs *e, const char *field)
{
	size_t i;

	if (e == NULL)
		return NULL;
	for (i = 0; i < e->n; i++)
		if (strcmp(e->e[i].field, field) == 0)
			return e->e[i].msg;
	return NULL;
}

/* Whether s is empty or only spaces (a field left blank). */
static int
blank(const char *s)
{
	if (s == NULL)
		return 1;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return *s == '\0';
}

/* Checks a date field: 0 when good, else adds the error and returns -1. */
static int
check_date(const pg_ctx *c, const char *field, const char *s, pg_ferrs *errs)
{
	int32_t day;

	if (strlen(s) != 10 || jn_date_parse(jn_str_c(s), &day) != 0) {
		pg_ferr_add(errs, field, pg_l(c, "日付が正しくありません（例: 2025-04-01）",
		    "not a date (for example 2025-04-01)"));
		return -1;
	}
	if (day > c->today) {
		pg_ferr_add(errs, field, pg_l(c, "今日より後の日付は記録できません",
		    "a date later than today cannot be recorded"));
		return -1;
	}
	return 0;
}

/* Adds field fd's value to data, or says what is wrong with it. */
static int
field_value(const pg_ctx *c, const pg_field *fd, const char *s, json_t *data, pg_ferrs *errs)
{
	json_t *v = NULL;

	switch (fd->kind) {
	case PG_FK_BOOL:
		/* A checkbox sends its value only when ticked. */
		v = json_boolean(s != NULL && !blank(s));
		break;
	case PG_FK_CHOICE: {
		const pg_choice *ch;

		for (ch = fd->choices; ch->code != NULL; ch++)
			if (strcmp(ch->code, s) == 0)
				break;
		if (ch->code == NULL) {
			pg_ferr_add(errs, fd->name, pg_l(c, "選択肢から選んでください",
			    "choose one of the options"));
			return -1;
		}
		v = json_string(s);
		break;
	}
	case PG_FK_DATE:
		if (check_date(c, fd->name, s, errs) != 0)
			return -1;
		v = json_string(s);
		break;
	case PG_FK_CHILDREN: {
		char *end;
		long n = strtol(s, &end, 10);

		if (*s == '\0' || *end != '\0' || n < 1 || n > 16) {
			pg_ferr_add(errs, fd->name, pg_l(c, "1から16までの数を入れてください",
			    "a whole number from 1 to 16"));
			return -1;
		}
		v = json_integer(n);
		break;
	}
	case PG_FK_ROOM:
	case PG_FK_TEXT:
		v = json_string(s);
		if (v == NULL) {
			pg_ferr_add(errs, fd->name, pg_l(c, "文字が正しくありません（UTF-8）",
			    "the text is not valid UTF-8"));
			return -1;
		}
		break;
	}
	if (v == NULL || json_object_set_new(data, fd->name, v) != 0)
		return ENOMEM;
	return 0;
}

int
pg_form_event(const pg_ctx *c, const char *case_id, const pg_form *f,
    json_t **evp, pg_ferrs *errs)
{
	const char *type = pg_form_get(f, "type");
	const char *occurred = pg_form_get(f, "occurred");
	const pg_ftype *ft = pg_ftype_find(type);
	json_t *ev = NULL, *data = NULL;
	char stream[64];
	size_t i;
	int rc = ENOMEM;

	*evp = NULL;
	if (ft == NULL) {
		pg_ferr_add(errs, "", pg_l(c, "この記録の種類はありません",
		    "there is no such kind of record"));
		return EINVAL;
	}
	if ((ev = json_object()) == NULL || (data = json_object()) == NULL)
		goto fail;
	if (blank(occurred))
		pg_ferr_add(errs, "occurred", pg_l(c, "日付を入れてください", "enter the date"));
	else
		(void)check_date(c, "occurred", occurred, errs);
	for (i = 0; i < PG_FIELDS_MAX && ft->fields[i].name != NULL; i++) {
		const pg_field *fd = &ft->fields[i];
		const char *s = pg_form_get(f, fd->name);

		if (fd->kind != PG_FK_BOOL && blank(s)) {
			if (fd->required)
				pg_ferr_add(errs, fd->name, pg_l(c, "入力してください",
				    "this field is required"));
			continue;	/* an optional field left blank is absent */
		}
		if (field_value(c, fd, s, data, errs) == ENOMEM)
			goto fail;
	}
	if (errs->n > 0) {
		rc = EINVAL;
		goto fail;
	}
	snprintf(stream, sizeof stream, "case:%s", case_id);
	if (json_object_set_new(ev, "type", json_string(type)) != 0 ||
	    json_object_set_new(ev, "stream", json_string(stream)) != 0 ||
	    json_object_set_new(ev, "occurred", json_string(occurred)) != 0 ||
	    json_object_set(ev, "data", data) != 0)
		goto fail;
	json_decref(data);
	*evp = ev;
	return 0;
fail:
	json_decref(data);
	json_decref(ev);
	return rc;
}

void
pg_ferr_journal(const pg_ctx *c, const char *jfield, const char *jmsg, pg_ferrs *errs)
{
	const char *field = "";
	char msg[320];

	if (jfield != NULL && strncmp(jfield, "data.", 5) == 0)
		field = jfield + 5;
	else if (jfield != NULL && strcmp(jfield, "occurred") == 0)
		field = "occurred";
	/* The journal's rules speak English; the Japanese page says that the
	 * journal refused and quotes it. */
	snprintf(msg, sizeof msg, "%s%s", pg_l(c, "記録できません: ", ""),
	    jmsg != NULL ? jmsg : "");
	pg_ferr_add(errs, field, msg);
}
