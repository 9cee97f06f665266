/* audit.c: see audit.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

int
pj_recorded_day(jn_str r, int32_t *dayp)
{
	int32_t d;
	int hour;

	if (pj_date(r, &d, NULL) != 0 || r.n < 13 || r.p[11] < '0' || r.p[11] > '9' ||
	    r.p[12] < '0' || r.p[12] > '9')
		return JN_EINVALID;
	hour = (r.p[11] - '0') * 10 + (r.p[12] - '0');
	*dayp = d + (hour + 9 >= 24);	/* UTC+9, no daylight saving */
	return 0;
}

static int
push(uint64_t **arr, size_t *n, size_t *cap, uint64_t v)
{
	if (*n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 64;
		uint64_t *na = realloc(*arr, ncap * sizeof *na);
		if (na == NULL)
			return ENOMEM;
		*arr = na;
		*cap = ncap;
	}
	(*arr)[(*n)++] = v;
	return 0;
}

static pj_actor *
actor_of(pj_audit *a, jn_str actor, int *rc)
{
	uint32_t idx;

	if ((*rc = pj_names_intern(a->actors, actor, &idx)) != 0)
		return NULL;
	if (idx >= a->kcap) {
		size_t ncap = a->kcap ? 2 * a->kcap : 16;
		pj_actor *nk = realloc(a->counts, ncap * sizeof *nk);
		if (nk == NULL) {
			*rc = ENOMEM;
			return NULL;
		}
		memset(nk + a->kcap, 0, (ncap - a->kcap) * sizeof *nk);
		a->counts = nk;
		a->kcap = ncap;
	}
	return &a->counts[idx];
}

/* Is the event in the selection, and how late was it recorded (days; -1
 * when its recorded time cannot be read)? */
static int
selected(const pj_audit *a, const jn_event *ev, int32_t day, int64_t *late)
{
	int32_t rday;

	if (ev->seq < a->from_seq || (a->fy && (day < a->from_day || day > a->to_day)))
		return 0;
	*late = pj_recorded_day(ev->recorded, &rday) == 0 ? (int64_t)rday - day : -1;
	return 1;
}

static int
on_any(void *ctx, const pj_ev *e)
{
	pj_audit *a = ctx;
	const jn_event *ev = e->ev;
	pj_actor *k;
	int64_t late;
	int rc;

	if (!selected(a, ev, e->day, &late))
		return 0;
	if ((k = actor_of(a, ev->actor, &rc)) == NULL)
		return rc;
	k->events++;
	if (late > a->late_days) {
		k->backdated++;
		a->nbackdated++;
	}
	if (ev->type_code == JN_T_EVENT_RETRACTED) {
		jn_value v;
		jn_event t;
		uint8_t id[JN_ID_LEN];

		k->corrections++;
		if ((rc = push(&a->corrections, &a->ncorrections, &a->ccap, ev->seq)) != 0)
			return rc;
		if ((rc = jn_data_get(ev->data, ev->data_len, "target", &v)) != 0)
			return rc;
		if (v.kind == JN_V_STR && jn_uuid_parse(v.s, id) == 0 && jn_get_id(e->txn, id, &t) == 0) {
			if ((k = actor_of(a, t.actor, &rc)) == NULL)
				return rc;
			k->retracted++;
		}
	}
	return 0;
}

int
pj_audit_run(jn_env *env, uint64_t at_seq, pj_audit *a, pj_prov *prov)
{
	pj_handler h[JN_T_COUNT];
	pj_opts o = { 0, 0, PJ_ALL, NULL, NULL };
	int t;

	if ((a->actors = pj_names_new()) == NULL)
		return ENOMEM;
	for (t = 0; t < JN_T_COUNT; t++)
		h[t] = on_any;
	o.at_seq = at_seq;
	if (a->to_seq && (o.at_seq == 0 || a->to_seq < o.at_seq))
		o.at_seq = a->to_seq;
	if (a->fy) {
		a->from_day = pj_days(a->fy, 4, 1);
		a->to_day = pj_days(a->fy + 1, 3, 31);
	}
	return pj_replay(env, &o, h, a, prov);
}

int
pj_audit_backdated(jn_txn *txn, const pj_audit *a, pj_backdated_fn fn, void *ctx)
{
	jn_iter *it;
	jn_event ev;
	int64_t late;
	int32_t day;
	int rc;

	if (a->nbackdated == 0)
		return 0;	/* nothing to find: no second pass */
	if ((rc = jn_iter_seq(txn, a->from_seq, a->to_seq, &it)) != 0)
		return rc;
	while ((rc = jn_iter_next(it, &ev)) == 0) {
		if (pj_date(ev.occurred, &day, NULL) != 0) {
			rc = JN_ECORRUPT;	/* as in pj_replay() */
			break;
		}
		if (selected(a, &ev, day, &late) && late > a->late_days && (rc = fn(ctx, &ev, late)) != 0)
			break;
	}
	jn_iter_close(it);
	return rc == JN_END ? 0 : rc;
}

void
pj_audit_free(pj_audit *a)
{
	free(a->corrections);
	free(a->counts);
	pj_names_free(a->actors);
	a->corrections = NULL;
	a->counts = NULL;
	a->actors = NULL;
}
