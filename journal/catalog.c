/*
 * catalog.c: event catalog version 1 (specs/events.md) and validation.
 *
 * The catalog is data: one row per type naming its stream kind and fields.
 * jn_validate() checks an event's shape against its row, then the references
 * it makes against the journal's state as the current transaction sees it,
 * so that events earlier in the same batch count.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum skind { SK_ANY, SK_ROOM, SK_STAFF, SK_MEETING, SK_CHECKUP, SK_CASE, SK_ACCESS };

static const char *const skind_prefix[] = {
	[SK_ANY] = "", [SK_ROOM] = "room:", [SK_STAFF] = "staff:",
	[SK_MEETING] = "meeting:", [SK_CHECKUP] = "checkup:", [SK_CASE] = "case:",
	[SK_ACCESS] = "access:",
};

enum fkind {
	F_TEXT,		/* non-empty string */
	F_BOOL,
	F_DATE,		/* "YYYY-MM-DD", a real date */
	F_CHILDREN,	/* integer 1..16 */
	F_ENUM,		/* one of values */
	F_ENUMS,	/* array of distinct values from values */
	F_TEXTS,	/* array of >= 1 distinct non-empty strings */
	F_CASES,	/* array of distinct case uuids, each an opened case */
	F_ROOM,		/* code of an opened room */
	F_SESSION,	/* "checkup:<any>", an existing stream */
	F_TARGET,	/* event id (uuid) */
	F_CASEREFS	/* array of >= 0 distinct case uuids, each an existing case stream */
};

typedef struct field {
	const char *name;
	enum fkind kind;
	int required;
	const char *const *values;	/* F_ENUM, F_ENUMS: NULL-terminated */
} field;

static const char *const v_handbook[] = { "handbook", NULL };
static const char *const v_34m[] = { "3-4m", NULL };
static const char *const v_interview[] = { "group", "individual", "visit", NULL };
static const char *const v_happybaby[] = { "home", "room", "checkup", NULL };
static const char *const v_closed[] = { "moved_out", "pregnancy_ended", "completed", "other", NULL };
static const char *const v_roles[] = { "intake", "coordinator", "nurse", "auditor", "admin", NULL };
static const char *const v_change[] = { "added", "revoked", "role", NULL };
static const char *const v_needs[] = { "young", "single", "economic", "mental", "no_support",
	"unplanned", "late_notice", "multiple", "other", NULL };

#define MAXF 6
typedef struct typedef_row {
	const char *name;
	enum skind stream;
	field fields[MAXF];
} type_row;

/* Lengths of the names in catalog[], for jn_type_of(). */
static const size_t catalog_len[JN_T_COUNT] = {
	0, sizeof "room.opened" - 1, sizeof "room.closed" - 1, sizeof "coordinator.assigned" - 1,
	sizeof "coordinator.left" - 1, sizeof "meeting.held" - 1, sizeof "checkup.held" - 1,
	sizeof "handbook.issued" - 1, sizeof "class.attended" - 1, sizeof "interview.8month" - 1,
	sizeof "birth.registered" - 1, sizeof "happybaby.contact" - 1, sizeof "checkup.attended" - 1,
	sizeof "room.visited" - 1, sizeof "referral.made" - 1, sizeof "support.flagged" - 1,
	sizeof "support.cleared" - 1, sizeof "case.transferred" - 1, sizeof "case.closed" - 1,
	sizeof "event.retracted" - 1, sizeof "case.forgotten" - 1, sizeof "person.accessed" - 1,
	sizeof "staff.account_changed" - 1,
};

/* Indexed by jn_type. */
static const type_row catalog[JN_T_COUNT] = {
	[JN_T_ROOM_OPENED] = { "room.opened", SK_ROOM,
	    { { "name", F_TEXT, 1, NULL }, { "name_en", F_TEXT, 0, NULL } } },
	[JN_T_ROOM_CLOSED] = { "room.closed", SK_ROOM, { { NULL, 0, 0, NULL } } },
	[JN_T_COORDINATOR_ASSIGNED] = { "coordinator.assigned", SK_STAFF,
	    { { "room", F_ROOM, 1, NULL }, { "districts", F_TEXTS, 1, NULL },
	      { "name", F_TEXT, 0, NULL } } },
	[JN_T_COORDINATOR_LEFT] = { "coordinator.left", SK_STAFF, { { NULL, 0, 0, NULL } } },
	[JN_T_MEETING_HELD] = { "meeting.held", SK_MEETING,
	    { { "kind", F_ENUM, 1, v_handbook }, { "cases", F_CASES, 1, NULL } } },
	[JN_T_CHECKUP_HELD] = { "checkup.held", SK_CHECKUP,
	    { { "kind", F_ENUM, 1, v_34m } } },
	[JN_T_HANDBOOK_ISSUED] = { "handbook.issued", SK_CASE,
	    { { "district", F_TEXT, 1, NULL }, { "due_date", F_DATE, 1, NULL },
	      { "support_needed", F_BOOL, 1, NULL }, { "needs", F_ENUMS, 0, v_needs },
	      { "first_pregnancy", F_BOOL, 0, NULL } } },
	[JN_T_CLASS_ATTENDED] = { "class.attended", SK_CASE,
	    { { "room", F_ROOM, 1, NULL }, { "partner", F_BOOL, 1, NULL } } },
	[JN_T_INTERVIEW_8MONTH] = { "interview.8month", SK_CASE,
	    { { "mode", F_ENUM, 1, v_interview } } },
	[JN_T_BIRTH_REGISTERED] = { "birth.registered", SK_CASE,
	    { { "birth_date", F_DATE, 1, NULL }, { "children", F_CHILDREN, 1, NULL } } },
	[JN_T_HAPPYBABY_CONTACT] = { "happybaby.contact", SK_CASE,
	    { { "mode", F_ENUM, 1, v_happybaby } } },
	[JN_T_CHECKUP_ATTENDED] = { "checkup.attended", SK_CASE,
	    { { "session", F_SESSION, 0, NULL }, { "shared_with_nurse", F_BOOL, 1, NULL } } },
	[JN_T_ROOM_VISITED] = { "room.visited", SK_CASE, { { "room", F_ROOM, 1, NULL } } },
	[JN_T_REFERRAL_MADE] = { "referral.made", SK_CASE,
	    { { "to", F_TEXT, 1, NULL }, { "reason", F_TEXT, 0, NULL } } },
	[JN_T_SUPPORT_FLAGGED] = { "support.flagged", SK_CASE, { { "reason", F_TEXT, 1, NULL } } },
	[JN_T_SUPPORT_CLEARED] = { "support.cleared", SK_CASE, { { "reason", F_TEXT, 0, NULL } } },
	[JN_T_CASE_TRANSFERRED] = { "case.transferred", SK_CASE, { { "district", F_TEXT, 1, NULL } } },
	[JN_T_CASE_CLOSED] = { "case.closed", SK_CASE, { { "reason", F_ENUM, 1, v_closed } } },
	[JN_T_EVENT_RETRACTED] = { "event.retracted", SK_ANY,
	    { { "target", F_TARGET, 1, NULL }, { "reason", F_TEXT, 1, NULL } } },
	[JN_T_CASE_FORGOTTEN] = { "case.forgotten", SK_CASE, { { "reason", F_TEXT, 1, NULL } } },
	[JN_T_PERSON_ACCESSED] = { "person.accessed", SK_ACCESS,
	    { { "cases", F_CASEREFS, 1, NULL }, { "purpose", F_TEXT, 1, NULL } } },
	[JN_T_STAFF_ACCOUNT_CHANGED] = { "staff.account_changed", SK_STAFF,
	    { { "role", F_ENUM, 1, v_roles }, { "change", F_ENUM, 1, v_change },
	      { "coordinator", F_TEXT, 0, NULL } } },
};

jn_type
jn_type_of(jn_str name)
{
	/* Replay calls this for every event: the length and two bytes pick at
	 * most a few candidates before a whole name is compared. */
	for (int t = 1; t < JN_T_COUNT; t++) {
		const char *n = catalog[t].name;
		if (catalog_len[t] == name.n && n[0] == name.p[0] && n[name.n - 1] == name.p[name.n - 1] &&
		    memcmp(n, name.p, name.n) == 0)
			return (jn_type)t;
	}
	return JN_T_UNKNOWN;
}

const char *
jn_type_name(jn_type t)
{
	return t > JN_T_UNKNOWN && t < JN_T_COUNT ? catalog[t].name : NULL;
}

int
jn_check_text(jn_str s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s.p, *end = p + s.n;

	if (s.n > max)
		return -1;
	while (p < end) {
		unsigned c = *p;
		int n;
		uint32_t cp;
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return -1;
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f; }
		else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f; }
		else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07; }
		else return -1;
		if (end - p <= n)
			return -1;
		for (int i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		/* Overlong forms, surrogates and values past U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		p += n + 1;
	}
	return 0;
}

static enum skind
stream_kind(jn_str s, jn_str *rest)
{
	for (int k = SK_ROOM; k <= SK_ACCESS; k++) {
		size_t n = strlen(skind_prefix[k]);
		if (s.n > n && memcmp(s.p, skind_prefix[k], n) == 0) {
			rest->p = s.p + n;
			rest->n = s.n - n;
			return (enum skind)k;
		}
	}
	return SK_ANY;
}

static int
is_code(jn_str s, int upper_ok)
{
	if (s.n == 0 || s.n > 32)
		return 0;
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		    (upper_ok && c >= 'A' && c <= 'Z')))
			return 0;
	}
	return 1;
}

#define SHOW(s) (int)((s).n > 60 ? 60 : (s).n), (s).p

/* staff: streams name coordinators (C01) and, since the server, accounts,
 * whose names are actors such as nurse:N07. */
static int
is_staff_name(jn_str s)
{
	if (s.n == 0 || s.n > 64)
		return 0;
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-' || c == ':' || c == '.' || c == '@'))
			return 0;
	}
	return 1;
}

static int
check_stream(jn_txn *txn, jn_str s)
{
	jn_str rest;
	uint8_t id[JN_ID_LEN];

	if (s.n == 0)
		return jn_fail(txn, JN_EINVALID, "stream", "missing");
	if (s.n > JN_MAX_STREAM || jn_check_text(s, JN_MAX_STREAM) != 0)
		return jn_fail(txn, JN_EINVALID, "stream", "'%.*s' is too long or not printable UTF-8", SHOW(s));
	switch (stream_kind(s, &rest)) {
	case SK_CASE:
		if (jn_uuid_parse_canon(rest, id) != 0)
			return jn_fail(txn, JN_EINVALID, "stream",
			    "'%.*s': a case stream is 'case:' and a lowercase UUID", SHOW(s));
		return 0;
	case SK_ROOM:
		if (!is_code(rest, 0))
			return jn_fail(txn, JN_EINVALID, "stream",
			    "'%.*s': a room code is 1-32 of a-z, 0-9, '_', '-'", SHOW(s));
		return 0;
	case SK_STAFF:
		if (!is_staff_name(rest))
			return jn_fail(txn, JN_EINVALID, "stream",
			    "'%.*s': a staff code or account name is 1-64 of A-Z, a-z, 0-9, '_', '-', ':', '.', '@'",
			    SHOW(s));
		return 0;
	case SK_MEETING:
	case SK_CHECKUP:
	case SK_ACCESS:
		return 0;
	default:
		return jn_fail(txn, JN_EINVALID, "stream",
		    "'%.*s' is not case:, room:, staff:, meeting:, checkup: or access: followed by a name",
		    SHOW(s));
	}
}

static int
check_occurred(jn_txn *txn, jn_str s)
{
	int32_t day;
	int hh, mm;

	if (s.n == 0)
		return jn_fail(txn, JN_EINVALID, "occurred", "missing");
	if ((s.n != 10 && s.n != 16) || jn_date_parse(s, &day) != 0)
		goto bad;
	if (s.n == 16) {
		const char *t = s.p + 10;
		if (t[0] != 'T' || t[3] != ':' || t[1] < '0' || t[1] > '9' || t[2] < '0' ||
		    t[2] > '9' || t[4] < '0' || t[4] > '9' || t[5] < '0' || t[5] > '9')
			goto bad;
		hh = (t[1] - '0') * 10 + (t[2] - '0');
		mm = (t[4] - '0') * 10 + (t[5] - '0');
		if (hh > 23 || mm > 59)
			goto bad;
	}
	if (day > txn->today) {
		char today[11];
		jn_date_format(txn->today, today);
		return jn_fail(txn, JN_EINVALID, "occurred",
		    "'%.*s' is later than today (%s in Japan)", SHOW(s), today);
	}
	return 0;
bad:
	return jn_fail(txn, JN_EINVALID, "occurred",
	    "'%.*s' is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)", SHOW(s));
}

static int
in_list(jn_str s, const char *const *values)
{
	for (; *values; values++)
		if (jn_str_eq(s, *values))
			return 1;
	return 0;
}

static void
list_text(const char *const *values, char *out, size_t n)
{
	size_t k = 0;
	out[0] = '\0';
	for (; *values && k < n; values++)
		k += (size_t)snprintf(out + k, n - k, "%s%s", k ? ", " : "", *values);
}

/* A stream named by a value: "room:" + code, a case, or a checkup stream. */
static int
ref_head(jn_txn *txn, const char *prefix, jn_str rest, jn_head_rec *h)
{
	char key[JN_MAX_STREAM + 16];
	size_t pn = strlen(prefix);

	if (rest.n + pn > JN_MAX_STREAM)
		return JN_ENOTFOUND;
	memcpy(key, prefix, pn);
	memcpy(key + pn, rest.p, rest.n);
	return jn_head_get(txn, (jn_str){ key, pn + rest.n }, h);
}

static int
str_cmp(const void *a, const void *b)
{
	const jn_str *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = n ? memcmp(x->p, y->p, n) : 0;
	return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* Checks that all string elements of an array are distinct: sorted, so that a
 * meeting listing thousands of cases costs n log n, not n squared. */
static int
distinct(jn_txn *txn, const char *fname, const jn_value *arr)
{
	jn_value walk = *arr, e;
	jn_str *all;
	uint32_t n = 0, i;
	int rc = 0;

	if (arr->n < 2)
		return 0;
	if ((all = malloc(arr->n * sizeof *all)) == NULL)
		return ENOMEM;
	while (n < arr->n && jn_array_next(&walk, &e) == 0)
		all[n++] = e.s;
	qsort(all, n, sizeof *all, str_cmp);
	for (i = 1; i < n; i++) {
		if (str_cmp(&all[i - 1], &all[i]) == 0) {
			rc = jn_fail(txn, JN_EINVALID, fname, "'%.*s' is listed twice", SHOW(all[i]));
			break;
		}
	}
	free(all);
	return rc;
}

static int
check_field(jn_txn *txn, const field *f, const char *fname, const jn_value *v)
{
	int32_t day;
	jn_head_rec h;
	uint8_t id[JN_ID_LEN];
	jn_value arr, e;
	char list[160];
	uint32_t idx;
	int rc;

	switch (f->kind) {
	case F_TEXT:
		if (v->kind != JN_V_STR || v->s.n == 0)
			return jn_fail(txn, JN_EINVALID, fname, "must be a non-empty string");
		if (jn_check_text(v->s, JN_MAX_TEXT) != 0)
			return jn_fail(txn, JN_EINVALID, fname,
			    "longer than %d bytes or not printable UTF-8", JN_MAX_TEXT);
		return 0;
	case F_BOOL:
		if (v->kind != JN_V_BOOL)
			return jn_fail(txn, JN_EINVALID, fname, "must be true or false");
		return 0;
	case F_DATE:
		if (v->kind != JN_V_STR)
			return jn_fail(txn, JN_EINVALID, fname, "must be a date string (YYYY-MM-DD)");
		if (v->s.n != 10 || jn_date_parse(v->s, &day) != 0)
			return jn_fail(txn, JN_EINVALID, fname, "'%.*s' is not a date (YYYY-MM-DD)",
			    SHOW(v->s));
		return 0;
	case F_CHILDREN:
		if (v->kind != JN_V_INT || v->i < 1 || v->i > 16)
			return jn_fail(txn, JN_EINVALID, fname, "must be an integer from 1 to 16");
		return 0;
	case F_ENUM:
		if (v->kind != JN_V_STR || !in_list(v->s, f->values)) {
			jn_str shown = v->kind == JN_V_STR ? v->s : JN_STR("(not a string)");
			list_text(f->values, list, sizeof list);
			return jn_fail(txn, JN_EINVALID, fname, "'%.*s' is not one of: %s",
			    SHOW(shown), list);
		}
		return 0;
	case F_ENUMS:
	case F_TEXTS:
	case F_CASES:
	case F_CASEREFS:
		if (v->kind != JN_V_ARRAY)
			return jn_fail(txn, JN_EINVALID, fname, "must be an array");
		if (f->kind == F_TEXTS && v->n == 0)
			return jn_fail(txn, JN_EINVALID, fname, "must list at least one");
		arr = *v;
		for (idx = 0; (rc = jn_array_next(&arr, &e)) == 0; idx++) {
			if (e.kind != JN_V_STR || e.s.n == 0 || jn_check_text(e.s, 256) != 0)
				return jn_fail(txn, JN_EINVALID, fname,
				    "element %u must be a non-empty printable string", idx + 1);
			if (f->kind == F_ENUMS && !in_list(e.s, f->values)) {
				list_text(f->values, list, sizeof list);
				return jn_fail(txn, JN_EINVALID, fname, "'%.*s' is not one of: %s",
				    SHOW(e.s), list);
			}
			if (f->kind == F_CASES) {
				if (jn_uuid_parse_canon(e.s, id) != 0)
					return jn_fail(txn, JN_EINVALID, fname,
					    "'%.*s' is not a lowercase UUID", SHOW(e.s));
				rc = ref_head(txn, "case:", e.s, &h);
				if (rc == JN_ENOTFOUND || (rc == 0 && h.live_open == 0))
					return jn_fail(txn, JN_EINVALID, fname,
					    "case '%.*s' is not opened (no handbook.issued)", SHOW(e.s));
				if (rc != 0)
					return rc;
			}
			if (f->kind == F_CASEREFS) {
				/* A person's data can outlive its handbook.issued
				 * (retracted, forgotten): the stream need only exist. */
				if (jn_uuid_parse_canon(e.s, id) != 0)
					return jn_fail(txn, JN_EINVALID, fname,
					    "'%.*s' is not a lowercase UUID", SHOW(e.s));
				rc = ref_head(txn, "case:", e.s, &h);
				if (rc == JN_ENOTFOUND)
					return jn_fail(txn, JN_EINVALID, fname,
					    "case '%.*s' does not exist", SHOW(e.s));
				if (rc != 0)
					return rc;
			}
		}
		if (rc != JN_END)
			return jn_fail(txn, JN_EINVALID, fname, "malformed array");
		return distinct(txn, fname, v);
	case F_ROOM:
		if (v->kind != JN_V_STR || !is_code(v->s, 0))
			return jn_fail(txn, JN_EINVALID, fname, "must be a room code");
		rc = ref_head(txn, "room:", v->s, &h);
		if (rc == JN_ENOTFOUND || (rc == 0 && h.live_open == 0))
			return jn_fail(txn, JN_EINVALID, fname,
			    "room '%.*s' is not opened (no room.opened)", SHOW(v->s));
		return rc;
	case F_SESSION:
		if (v->kind != JN_V_STR || v->s.n <= 8 || memcmp(v->s.p, "checkup:", 8) != 0)
			return jn_fail(txn, JN_EINVALID, fname, "must name a checkup: stream");
		rc = jn_head_get(txn, v->s, &h);
		if (rc == JN_ENOTFOUND)
			return jn_fail(txn, JN_EINVALID, fname, "'%.*s' does not exist", SHOW(v->s));
		return rc;
	case F_TARGET:
		if (v->kind != JN_V_STR || jn_uuid_parse(v->s, id) != 0)
			return jn_fail(txn, JN_EINVALID, fname, "must be an event id (UUID)");
		return 0;
	}
	return 0;
}

/* The checks of event.retracted that need the target. */
static int
check_retraction(jn_txn *txn, const jn_event *ev)
{
	jn_value v;
	jn_event tgt;
	uint8_t id[JN_ID_LEN];
	uint64_t by;
	int rc;

	if ((rc = jn_data_get(ev->data, ev->data_len, "target", &v)) != 0)
		return jn_fail(txn, JN_EINVALID, "data", "malformed MessagePack");
	(void)jn_uuid_parse(v.s, id);
	rc = jn_get_id(txn, id, &tgt);
	if (rc == JN_ENOTFOUND)
		return jn_fail(txn, JN_EINVALID, "data.target", "no event with id '%.*s'", SHOW(v.s));
	if (rc != 0)
		return rc;
	if (tgt.stream.n != ev->stream.n || memcmp(tgt.stream.p, ev->stream.p, ev->stream.n) != 0)
		return jn_fail(txn, JN_EINVALID, "data.target",
		    "event '%.*s' is in stream '%.*s', not in this one", SHOW(v.s), SHOW(tgt.stream));
	if (tgt.type_code == JN_T_EVENT_RETRACTED)
		return jn_fail(txn, JN_EINVALID, "data.target",
		    "'%.*s' is a retraction, which cannot be retracted (append the event again instead)",
		    SHOW(v.s));
	/* The trail of erasures, reads of person data and account changes
	 * must not be hidden from an auditor. */
	if (tgt.type_code == JN_T_CASE_FORGOTTEN || tgt.type_code == JN_T_PERSON_ACCESSED ||
	    tgt.type_code == JN_T_STAFF_ACCOUNT_CHANGED)
		return jn_fail(txn, JN_EINVALID, "data.target",
		    "'%.*s' is a %s, which cannot be retracted", SHOW(v.s), jn_type_name(tgt.type_code));
	rc = jn_retracted_by(txn, tgt.seq, &by);
	if (rc == 0)
		return jn_fail(txn, JN_EINVALID, "data.target",
		    "event '%.*s' is already retracted (by seq %llu)", SHOW(v.s), (unsigned long long)by);
	return rc == JN_ENOTFOUND ? 0 : rc;
}

int
jn_validate(jn_txn *txn, const jn_event *ev, jn_type t)
{
	const type_row *row = &catalog[t];
	jn_value map, k, v;
	jn_head_rec h;
	jn_str rest;
	enum skind sk;
	char fname[64];
	int seen[MAXF] = { 0 };
	int i, rc;

	if ((rc = check_stream(txn, ev->stream)) != 0)
		return rc;
	sk = stream_kind(ev->stream, &rest);
	if (row->stream != SK_ANY && sk != row->stream)
		return jn_fail(txn, JN_EINVALID, "stream",
		    "'%.*s': %s belongs in a '%s...' stream", SHOW(ev->stream), row->name,
		    skind_prefix[row->stream]);
	if ((rc = check_occurred(txn, ev->occurred)) != 0)
		return rc;
	if (ev->actor.n == 0)
		return jn_fail(txn, JN_EINVALID, "actor", "missing");
	if (jn_check_text(ev->actor, JN_MAX_ACTOR) != 0)
		return jn_fail(txn, JN_EINVALID, "actor",
		    "longer than %d bytes or not printable UTF-8", JN_MAX_ACTOR);

	/* Walk the map (well-formed: jn_data_canon ran first) as an array of
	 * keys and values. */
	memset(&map, 0, sizeof map);
	map.kind = JN_V_ARRAY;
	map.end = ev->data + ev->data_len;
	{
		/* The map header: fixmap, map16 or map32. */
		const uint8_t *p = ev->data;
		if ((*p & 0xf0) == 0x80) {
			map.n = (uint32_t)(*p & 0x0f) * 2;
			map.p = p + 1;
		} else if (*p == 0xde) {
			map.n = (uint32_t)(p[1] << 8 | p[2]) * 2;
			map.p = p + 3;
		} else {
			map.n = jn_get_u32(p + 1) * 2;
			map.p = p + 5;
		}
	}
	while (jn_array_next(&map, &k) == 0) {
		if (jn_array_next(&map, &v) != 0)
			return jn_fail(txn, JN_EINVALID, "data", "malformed MessagePack");
		for (i = 0; i < MAXF && row->fields[i].name; i++)
			if (jn_str_eq(k.s, row->fields[i].name))
				break;
		if (i == MAXF || row->fields[i].name == NULL) {
			snprintf(fname, sizeof fname, "data.%.*s", (int)(k.s.n > 40 ? 40 : k.s.n), k.s.p);
			return jn_fail(txn, JN_EINVALID, fname, "unknown field for %s", row->name);
		}
		/* A catalog name, short: no printf on the hot path. */
		memcpy(fname, "data.", 5);
		memcpy(fname + 5, k.s.p, k.s.n);
		fname[5 + k.s.n] = '\0';
		seen[i] = 1;
		/* nil stands for an absent optional field. */
		if (v.kind == JN_V_NIL && !row->fields[i].required) {
			continue;
		}
		if ((rc = check_field(txn, &row->fields[i], fname, &v)) != 0)
			return rc;
	}
	for (i = 0; i < MAXF && row->fields[i].name; i++)
		if (row->fields[i].required && !seen[i])
			return jn_fail(txn, JN_EINVALID, "data", "missing field '%s' (required by %s)",
			    row->fields[i].name, row->name);

	/* References to the journal's state. */
	if (sk == SK_CASE) {
		rc = jn_head_get(txn, ev->stream, &h);
		if (rc != 0 && rc != JN_ENOTFOUND)
			return rc;
		if (rc == JN_ENOTFOUND)
			memset(&h, 0, sizeof h);
		if (t == JN_T_HANDBOOK_ISSUED && h.live_open > 0)
			return jn_fail(txn, JN_EINVALID, "stream",
			    "case '%.*s' already has a handbook.issued (retract it first to correct it)",
			    SHOW(ev->stream));
		if (t == JN_T_CASE_FORGOTTEN && rc == JN_ENOTFOUND)
			return jn_fail(txn, JN_EINVALID, "stream",
			    "case '%.*s' does not exist", SHOW(ev->stream));
		if (t != JN_T_HANDBOOK_ISSUED && t != JN_T_EVENT_RETRACTED && t != JN_T_CASE_FORGOTTEN &&
		    h.live_open == 0)
			return jn_fail(txn, JN_EINVALID, "stream",
			    "case '%.*s' is not opened: its first event must be handbook.issued",
			    SHOW(ev->stream));
		if (t == JN_T_BIRTH_REGISTERED && h.live_birth > 0)
			return jn_fail(txn, JN_EINVALID, "stream",
			    "case '%.*s' already has a birth.registered (retract it first to correct it)",
			    SHOW(ev->stream));
	}
	if (t == JN_T_EVENT_RETRACTED)
		return check_retraction(txn, ev);
	return 0;
}
