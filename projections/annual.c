/* annual.c: see annual.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "annual.h"

const char *const pj_iv_modes[PJ_IV_COUNT] = { "group", "individual", "visit" };
const char *const pj_hb_modes[PJ_HB_COUNT] = { "home", "room", "checkup" };

/* A counted event whose case had no live handbook.issued when it was read
 * (its first one retracted, a new one appended later).  Whether it counts is
 * known only at the end of the log, so it waits here.  Rare by nature. */
typedef struct pj_pending {
	uint32_t casei;
	uint8_t type;		/* JN_T_CLASS_ATTENDED, ... */
	uint8_t value;		/* mode, or partner */
	uint32_t room;
} pj_pending;

static pj_room *
room_of(pj_annual *a, jn_str code, int *rc)
{
	uint32_t idx;
	size_t i;
	pj_room *r;

	if ((*rc = pj_names_intern(a->m.names, code, &idx)) != 0)
		return NULL;
	for (i = 0; i < a->nrooms; i++)	/* rooms are a handful */
		if (a->rooms[i].code == idx)
			return &a->rooms[i];
	if (a->nrooms == a->rcap) {
		size_t ncap = a->rcap ? 2 * a->rcap : 16;
		pj_room *nr = realloc(a->rooms, ncap * sizeof *nr);
		if (nr == NULL) {
			*rc = ENOMEM;
			return NULL;
		}
		a->rooms = nr;
		a->rcap = ncap;
	}
	r = &a->rooms[a->nrooms++];
	memset(r, 0, sizeof *r);
	r->code = idx;
	r->name = r->name_en = PJ_NONE;
	return r;
}

static int
str_field(const jn_event *ev, const char *key, jn_str *s)
{
	jn_value v;
	int rc;

	if ((rc = jn_data_get(ev->data, ev->data_len, key, &v)) != 0)
		return rc;
	*s = v.kind == JN_V_STR ? v.s : (jn_str){ NULL, 0 };
	return 0;
}

static int
on_room(void *ctx, const pj_ev *e)
{
	pj_annual *a = ctx;
	const jn_event *ev = e->ev;
	int opened = ev->type_code == JN_T_ROOM_OPENED, rc;
	pj_when n = { e->stamp, ev->seq };
	pj_room *r;
	jn_str s;

	if (e->day > a->to || ev->stream.n <= 5)
		return 0;	/* after the FY: neither lists nor names a room */
	if ((r = room_of(a, (jn_str){ ev->stream.p + 5, ev->stream.n - 5 }, &rc)) == NULL)
		return rc;
	if (e->day < a->from) {
		if (pj_when_after(&n, &r->before)) {
			r->before = n;
			r->open_before = opened;
		}
	} else if (opened)
		r->opened_in_fy = 1;
	if (!opened)
		return 0;
	if (r->first.seq == 0 || pj_when_after(&r->first, &n))
		r->first = n;
	/* The name is that of the latest room.opened: a later one renames. */
	if (!pj_when_after(&n, &r->named))
		return 0;
	r->named = n;
	if ((rc = str_field(ev, "name", &s)) != 0)
		return rc;
	r->name = PJ_NONE;
	if (s.p && (rc = pj_names_intern(a->m.names, s, &r->name)) != 0)
		return rc;
	if ((rc = str_field(ev, "name_en", &s)) != 0)
		return rc;
	r->name_en = PJ_NONE;
	if (s.p && (rc = pj_names_intern(a->m.names, s, &r->name_en)) != 0)
		return rc;
	return 0;
}

static int
kind_is(const jn_event *ev, const char *kind, int *yes)
{
	jn_str s;
	int rc;

	if ((rc = str_field(ev, "kind", &s)) != 0)
		return rc;
	*yes = s.p && jn_str_eq(s, kind);
	return 0;
}

static int
on_meeting(void *ctx, const pj_ev *e)
{
	pj_annual *a = ctx;
	int yes, rc;

	if (e->day < a->from || e->day > a->to)
		return 0;
	if ((rc = kind_is(e->ev, "handbook", &yes)) != 0)
		return rc;
	a->meetings += yes;
	return 0;
}

static int
on_checkup(void *ctx, const pj_ev *e)
{
	pj_annual *a = ctx;
	int yes, rc;

	if (e->day < a->from || e->day > a->to)
		return 0;
	if ((rc = kind_is(e->ev, "3-4m", &yes)) != 0)
		return rc;
	a->checkups += yes;
	return 0;
}

static void
count(pj_annual *a, int type, int value, uint32_t room)
{
	switch (type) {
	case JN_T_CLASS_ATTENDED:
		a->rooms[room].groups++;
		a->rooms[room].couples += value;
		break;
	case JN_T_INTERVIEW_8MONTH:
		a->interviews[value]++;
		break;
	case JN_T_HAPPYBABY_CONTACT:
		a->happybaby[value]++;
		break;
	}
}

/* The case of a case event when it is one of the few that the table
 * follows (those with a retracted handbook.issued), else NULL. */
static pj_case *
suspect(pj_annual *a, const jn_event *ev)
{
	uint8_t id[JN_ID_LEN];

	if (a->m.nlive == 0 || pj_case_id(ev, id) != 0)
		return NULL;
	return pj_model_case(&a->m, id, 0, NULL);
}

/* A live handbook.issued: the case exists.  Only the suspects need to be
 * told: a case whose first handbook.issued is live exists from the start.
 * And it exists for good: whether a handbook.issued is retracted is known
 * when it is read, so one read as live stays live, and the journal takes no
 * other handbook.issued for the case after it.  So the suspect's waiting
 * events count now and the suspect is let go: the records follow the cases
 * still in doubt, not every correction in the log's history. */
static int
on_handbook(void *ctx, const pj_ev *e)
{
	pj_annual *a = ctx;
	pj_case *c;
	uint32_t ci;
	size_t i, n;

	if ((c = suspect(a, e->ev)) == NULL)
		return 0;
	ci = (uint32_t)(c - a->m.cases);
	for (i = n = 0; i < a->npending; i++) {
		const pj_pending *p = &a->pending[i];
		if (p->casei == ci)
			count(a, p->type, p->value, p->room);
		else
			a->pending[n++] = *p;
	}
	a->npending = n;
	/* Its record may go to another suspect: none of its entries is left. */
	pj_model_evict(&a->m, c);
	return 0;
}

/* A retracted handbook.issued: from here on the case's events wait until
 * the end of the log says whether a live one remains. */
static int
on_retracted(void *ctx, const pj_ev *e)
{
	pj_annual *a = ctx;
	const jn_event *ev = e->ev;
	uint8_t id[JN_ID_LEN];
	int rc = 0;

	if (ev->type_code != JN_T_HANDBOOK_ISSUED || pj_case_id(ev, id) != 0)
		return 0;
	return pj_model_case(&a->m, id, 1, &rc) ? 0 : rc;
}

static int
mode_of(const jn_event *ev, const char *const *modes, int n, int *mode)
{
	jn_str s;
	int rc, i;

	if ((rc = str_field(ev, "mode", &s)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if (s.p && jn_str_eq(s, modes[i])) {
			*mode = i;
			return 0;
		}
	*mode = -1;	/* not in the catalog: the journal rejects it */
	return 0;
}

/* class.attended, interview.8month, happybaby.contact occurred in the FY. */
static int
on_counted(void *ctx, const pj_ev *e)
{
	pj_annual *a = ctx;
	const jn_event *ev = e->ev;
	uint32_t room = 0;
	int value = 0, rc = 0;
	pj_case *c;

	if (e->day < a->from || e->day > a->to)
		return 0;
	switch (ev->type_code) {
	case JN_T_CLASS_ATTENDED: {
		jn_value v;
		jn_str code;
		pj_room *r;

		if ((rc = str_field(ev, "room", &code)) != 0 || code.p == NULL)
			return rc;
		if ((r = room_of(a, code, &rc)) == NULL)
			return rc;
		room = (uint32_t)(r - a->rooms);
		if ((rc = jn_data_get(ev->data, ev->data_len, "partner", &v)) != 0)
			return rc;
		value = v.kind == JN_V_BOOL && v.b;
		break;
	}
	case JN_T_INTERVIEW_8MONTH:
		rc = mode_of(ev, pj_iv_modes, PJ_IV_COUNT, &value);
		break;
	default:
		rc = mode_of(ev, pj_hb_modes, PJ_HB_COUNT, &value);
		break;
	}
	if (rc != 0 || value < 0)
		return rc;
	if ((c = suspect(a, ev)) == NULL || c->exists) {
		count(a, ev->type_code, value, room);
		return 0;
	}
	if (a->npending == a->pcap) {
		size_t ncap = a->pcap ? 2 * a->pcap : 64;
		pj_pending *np = realloc(a->pending, ncap * sizeof *np);
		if (np == NULL)
			return ENOMEM;
		a->pending = np;
		a->pcap = ncap;
	}
	a->pending[a->npending++] = (pj_pending){ (uint32_t)(c - a->m.cases),
		(uint8_t)ev->type_code, (uint8_t)value, room };
	return 0;
}

static int
listed(const pj_annual *a, const pj_room *r)
{
	return (r->before.seq && r->open_before) || r->opened_in_fy || r->groups > 0;
}

static int
cmp_room(const void *x, const void *y)
{
	const pj_room *p = x, *q = y;
	int lp = p->first.seq != 0, lq = q->first.seq != 0;

	if (lp != lq)
		return lq - lp;	/* never opened (should not happen): last */
	if (pj_when_after(&q->first, &p->first))
		return -1;
	if (pj_when_after(&p->first, &q->first))
		return 1;
	return (p->code > q->code) - (p->code < q->code);
}

int
pj_annual_run(jn_env *env, uint64_t at_seq, int fy, pj_annual *a, pj_prov *prov)
{
	pj_handler h[JN_T_COUNT] = { 0 };
	pj_opts o = { at_seq, 0, 0, on_retracted, NULL };
	size_t i, n;
	int rc;

	memset(a, 0, sizeof *a);
	a->fy = fy;
	a->from = pj_days(fy, 4, 1);
	a->to = pj_days(fy + 1, 3, 31);
	if ((rc = pj_model_init(&a->m, a->to)) != 0)
		return rc;
	h[JN_T_ROOM_OPENED] = on_room;
	h[JN_T_ROOM_CLOSED] = on_room;
	h[JN_T_MEETING_HELD] = on_meeting;
	h[JN_T_CHECKUP_HELD] = on_checkup;
	h[JN_T_HANDBOOK_ISSUED] = on_handbook;
	h[JN_T_CLASS_ATTENDED] = on_counted;
	h[JN_T_INTERVIEW_8MONTH] = on_counted;
	h[JN_T_HAPPYBABY_CONTACT] = on_counted;
	if ((rc = pj_replay(env, &o, h, a, prov)) != 0)
		return rc;
	for (i = 0; i < a->npending; i++) {
		const pj_pending *p = &a->pending[i];
		if (a->m.cases[p->casei].exists)
			count(a, p->type, p->value, p->room);
	}
	/* Keep the listed rooms, in the order they were first opened. */
	for (i = n = 0; i < a->nrooms; i++)
		if (listed(a, &a->rooms[i]))
			a->rooms[n++] = a->rooms[i];
	a->nlisted = a->nrooms = n;
	if (n > 1)	/* rooms is NULL for a journal without rooms */
		qsort(a->rooms, n, sizeof *a->rooms, cmp_room);
	return 0;
}

void
pj_annual_free(pj_annual *a)
{
	pj_model_free(&a->m);
	free(a->rooms);
	free(a->pending);
	memset(a, 0, sizeof *a);
}
