/* cases.c: see cases.h. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"

/* The size cases.h promises: a field added must be worth its cache misses. */
_Static_assert(sizeof(pj_case) == 112, "pj_case grew: see cases.h");

int
pj_when_after(const pj_when *a, const pj_when *b)
{
	if (a->seq == 0)
		return 0;
	if (b->seq == 0)
		return 1;
	return a->stamp > b->stamp || (a->stamp == b->stamp && a->seq > b->seq);
}

static void
when_of(const pj_ev *e, pj_when *w)
{
	w->stamp = e->stamp;
	w->seq = e->ev->seq;
}

/* Keeps the later of *w and the event e: the "latest" of the rules. */
static void
when_keep(pj_when *w, const pj_ev *e)
{
	pj_when n;

	when_of(e, &n);
	if (pj_when_after(&n, w))
		*w = n;
}

static const char *const flag_names[PJ_F_COUNT] = {
	"birth-not-recorded", "missed-checkup", "no-8month-interview", "no-contact",
	"no-coordinator", "no-happybaby", "not-shared", "support-needed",
};

const char *
pj_flag_name(int flag)
{
	return flag >= 0 && flag < PJ_F_COUNT ? flag_names[flag] : NULL;
}

int
pj_flag_parse(const char *name)
{
	int i;

	for (i = 0; i < PJ_F_COUNT; i++)
		if (strcmp(name, flag_names[i]) == 0)
			return i;
	return -1;
}

void
pj_rules_default(pj_rules *r)
{
	r->not_shared_days = 35;
	r->interview_before_due_days = 42;
	r->birth_overdue_days = 30;
	r->happybaby_days = 90;
	r->checkup_days = 150;
	r->no_contact_days = 30;
	r->infant_days = 365;
}

/* The keys of a rules file: one table is the parser and the documentation's
 * list (specs/projections.md). */
static const struct {
	const char *key;
	size_t off;
} rule_keys[] = {
	{ "not_shared_days", offsetof(pj_rules, not_shared_days) },
	{ "interview_before_due_days", offsetof(pj_rules, interview_before_due_days) },
	{ "birth_overdue_days", offsetof(pj_rules, birth_overdue_days) },
	{ "happybaby_days", offsetof(pj_rules, happybaby_days) },
	{ "checkup_days", offsetof(pj_rules, checkup_days) },
	{ "no_contact_days", offsetof(pj_rules, no_contact_days) },
	{ "infant_days", offsetof(pj_rules, infant_days) },
};

#define RULES_MAX_DAYS 36500

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

int
pj_rules_load(const char *path, pj_rules *r, jn_errinfo *err)
{
	char line[1024];
	FILE *f;
	unsigned lineno = 0;
	int rc = 0;

	if ((f = fopen(path, "r")) == NULL)
		return errno;
	while (fgets(line, sizeof line, f)) {
		char *key, *val, *eq, *hash, *end;
		long v;
		size_t i;

		lineno++;
		snprintf(err->field, sizeof err->field, "%s:%u", path, lineno);
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err->msg, sizeof err->msg, "line longer than %zu bytes", sizeof line - 2);
			goto invalid;
		}
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		key = trim(line);
		if (*key == '\0')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err->msg, sizeof err->msg, "expected 'key = value', got '%.200s'", key);
			goto invalid;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		for (i = 0; i < sizeof rule_keys / sizeof rule_keys[0]; i++)
			if (strcmp(key, rule_keys[i].key) == 0)
				break;
		if (i == sizeof rule_keys / sizeof rule_keys[0]) {
			snprintf(err->msg, sizeof err->msg, "unknown key '%.200s'", key);
			goto invalid;
		}
		errno = 0;
		v = strtol(val, &end, 10);
		if (*val < '0' || *val > '9' || *end != '\0' || errno || v > RULES_MAX_DAYS) {
			snprintf(err->msg, sizeof err->msg,
			    "'%.100s' is not a number of days from 0 to %d", val, RULES_MAX_DAYS);
			goto invalid;
		}
		*(int *)((char *)r + rule_keys[i].off) = (int)v;
	}
	if (ferror(f))
		rc = EIO;
	fclose(f);
	return rc;
invalid:
	fclose(f);
	return JN_EINVALID;
}

int
pj_model_init(pj_model *m, int32_t as_of)
{
	memset(m, 0, sizeof *m);
	m->as_of = as_of;
	m->free = PJ_NONE;
	m->evict_days = -1;
	if ((m->names = pj_names_new()) == NULL)
		return ENOMEM;
	return 0;
}

void
pj_model_free(pj_model *m)
{
	uint32_t i;

	pj_names_free(m->names);
	free(m->cases);
	free(m->slots);
	for (i = 0; i < m->nstaff; i++)
		free(m->staff[i].districts);
	free(m->staff);
	free(m->staff_by_code);
	free(m->coord_of);
	memset(m, 0, sizeof *m);
}

static uint32_t
id_hash(const uint8_t id[JN_ID_LEN])
{
	uint64_t a, b;

	/* Test ids may be counters: mix both halves (splitmix64's finaliser). */
	memcpy(&a, id, 8);
	memcpy(&b, id + 8, 8);
	a ^= b * 0x9E3779B97F4A7C15ull;
	a ^= a >> 30;
	a *= 0xBF58476D1CE4E5B9ull;
	a ^= a >> 27;
	a *= 0x94D049BB133111EBull;
	a ^= a >> 31;
	return (uint32_t)a;
}

/* A slot holds the case's index + 1 in its low half and 32 bits of its
 * hash in the high half: a probe compares the tag before it touches the
 * case record, so a lookup costs one cache miss in the records, not one per
 * probe. */
static uint64_t *
case_slot(const pj_model *m, const uint8_t id[JN_ID_LEN])
{
	uint32_t h = id_hash(id), mask = m->nslots - 1, i = h & mask;

	for (;; i = (i + 1) & mask) {
		uint64_t k = m->slots[i];
		if (k == 0 || ((uint32_t)(k >> 32) == h &&
		    memcmp(m->cases[(uint32_t)k - 1].id, id, JN_ID_LEN) == 0))
			return &m->slots[i];
	}
}

static int
case_rehash(pj_model *m, uint32_t nslots)
{
	uint64_t *old = m->slots;
	uint32_t i, nold = m->nslots, mask = nslots - 1;

	if ((m->slots = calloc(nslots, sizeof(uint64_t))) == NULL) {
		m->slots = old;
		return ENOMEM;
	}
	m->nslots = nslots;
	/* The tag is the hash: no record is read to move a slot. */
	for (i = 0; i < nold; i++) {
		uint32_t j;

		if (old[i] == 0)
			continue;
		for (j = (uint32_t)(old[i] >> 32) & mask; m->slots[j]; j = (j + 1) & mask)
			;
		m->slots[j] = old[i];
	}
	free(old);
	return 0;
}

pj_case *
pj_model_case(pj_model *m, const uint8_t id[JN_ID_LEN], int create, int *rc)
{
	uint64_t *sl;
	uint32_t i;
	pj_case *c;

	if (m->nslots) {
		sl = case_slot(m, id);
		if (*sl)
			return &m->cases[(uint32_t)*sl - 1];
	}
	if (!create)
		return NULL;
	/* Load factor at most 1/2: probes stay short. */
	if (2 * (m->nlive + 1) > m->nslots && case_rehash(m, m->nslots ? 2 * m->nslots : 1024))
		goto nomem;
	if (m->free != PJ_NONE) {
		i = m->free;
		m->free = m->cases[i].district;	/* the free list's link */
	} else {
		if (m->ncases == m->ccap) {
			uint32_t ncap = m->ccap ? 2 * m->ccap : 512;
			pj_case *nc = realloc(m->cases, ncap * sizeof *nc);
			if (nc == NULL)
				goto nomem;
			m->cases = nc;
			m->ccap = ncap;
		}
		i = m->ncases++;
	}
	c = &m->cases[i];
	memset(c, 0, sizeof *c);
	memcpy(c->id, id, JN_ID_LEN);
	c->district = c->tr_district = PJ_NONE;
	c->last_contact = PJ_NODAY;
	m->nlive++;
	*case_slot(m, id) = (uint64_t)id_hash(id) << 32 | (i + 1);
	return c;
nomem:
	*rc = ENOMEM;
	return NULL;
}

int
pj_model_reserve(pj_model *m, uint32_t n)
{
	uint32_t nslots = m->nslots ? m->nslots : 1024;
	uint64_t want = (uint64_t)m->ncases + n;

	/* The load factor of pj_model_case(): at most 1/2. */
	while ((uint64_t)nslots < 2 * ((uint64_t)m->nlive + n))
		nslots *= 2;
	if (nslots != m->nslots && case_rehash(m, nslots) != 0)
		return ENOMEM;
	if (want > m->ccap) {
		pj_case *nc;

		if (want > UINT32_MAX || (nc = realloc(m->cases, want * sizeof *nc)) == NULL)
			return ENOMEM;
		m->cases = nc;
		m->ccap = (uint32_t)want;
	}
	return 0;
}

void
pj_model_evict(pj_model *m, pj_case *c)
{
	uint64_t *sl = case_slot(m, c->id);
	uint32_t mask = m->nslots - 1, i = (uint32_t)(sl - m->slots), j = i;

	if (*sl == 0)
		return;	/* not in the table: already evicted */
	/* Backward-shift deletion keeps linear probing free of tombstones:
	 * a later slot moves into the hole unless its home lies cyclically
	 * in (hole, slot]. */
	for (;;) {
		uint32_t home;

		j = (j + 1) & mask;
		if (m->slots[j] == 0)
			break;
		home = (uint32_t)(m->slots[j] >> 32) & mask;
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		m->slots[i] = m->slots[j];
		i = j;
	}
	m->slots[i] = 0;
	m->nlive--;
	memset(c, 0, sizeof *c);	/* exists 0: no longer a case */
	c->district = m->free;
	m->free = (uint32_t)(c - m->cases);
}

/* pj_hint for the model: the case's slot at stage 0, its record at stage 1.
 * memo keeps the id's hash (+ 1 << 32: "a case") between the two. */
static void
model_hint(void *ctx, const pj_ev *e, int stage, uint64_t *memo)
{
	const pj_model *m = ctx;
	uint32_t h;
	uint64_t k;

	if (m->nslots == 0 || e->case_id == NULL)
		return;
	if (stage == 0) {
		h = id_hash(e->case_id);
		*memo = 1ull << 32 | h;
		__builtin_prefetch(&m->slots[h & (m->nslots - 1)]);
		return;
	}
	if (*memo == 0)
		return;
	h = (uint32_t)*memo;
	/* The home slot only: a probe past it is rare at load 1/2. */
	k = m->slots[h & (m->nslots - 1)];
	if (k != 0 && (uint32_t)(k >> 32) == h && (uint32_t)k - 1 < m->ncases) {
		const char *c = (const char *)&m->cases[(uint32_t)k - 1];
		__builtin_prefetch(c);
		__builtin_prefetch(c + sizeof(pj_case) - 1);
	}
}

/* The case of a case: stream, created when create is 1.  NULL with *rc = 0
 * for another stream, or for a case not followed (pj_model_evict()). */
static pj_case *
case_of(pj_model *m, const pj_ev *e, int create, int *rc)
{
	uint8_t id[JN_ID_LEN];

	*rc = 0;
	if (e->case_id)
		return pj_model_case(m, e->case_id, create, rc);
	if (pj_case_id(e->ev, id) != 0)
		return NULL;
	return pj_model_case(m, id, create, rc);
}

static int32_t
date_field(const jn_event *ev, const char *key)
{
	jn_value v;
	int32_t day;

	if (jn_data_get(ev->data, ev->data_len, key, &v) != 0 || v.kind != JN_V_STR ||
	    pj_date(v.s, &day, NULL) != 0)
		return PJ_NODAY;
	return day;
}

static void
contact(pj_case *c, const pj_ev *e)
{
	if (c->last_contact == PJ_NODAY || e->day > c->last_contact)
		c->last_contact = e->day;
}

static int
on_handbook(void *ctx, const pj_ev *e)
{
	pj_model *m = ctx;
	const jn_event *ev = e->ev;
	pj_case *c;
	jn_value v;
	int rc, support = 0;

	if ((c = case_of(m, e, 1, &rc)) == NULL)
		return rc;
	/* At most one handbook.issued is live; should two be, the latest
	 * gives the fields. */
	if (c->exists && !pj_when_after(&(pj_when){ e->stamp, ev->seq }, &c->handbook))
		return 0;
	c->exists = 1;
	when_of(e, &c->handbook);
	c->issued = e->day;
	c->due = date_field(ev, "due_date");
	if ((rc = jn_data_get(ev->data, ev->data_len, "district", &v)) != 0)
		return rc;
	if (v.kind == JN_V_STR && (rc = pj_names_intern(m->names, v.s, &c->district)) != 0)
		return rc;
	if ((rc = jn_data_get(ev->data, ev->data_len, "support_needed", &v)) != 0)
		return rc;
	support = v.kind == JN_V_BOOL && v.b;
	if ((rc = jn_data_get(ev->data, ev->data_len, "needs", &v)) != 0)
		return rc;
	support |= v.kind == JN_V_ARRAY && v.n > 0;
	if (support) {
		pj_when n;
		when_of(e, &n);
		if (pj_when_after(&n, &c->support)) {
			c->support = n;
			c->support_src = JN_T_HANDBOOK_ISSUED;
			c->support_day = e->day;
		}
	}
	contact(c, e);
	return 0;
}

static int
on_contact(void *ctx, const pj_ev *e)
{
	pj_case *c;
	int rc;

	if ((c = case_of(ctx, e, 0, &rc)) == NULL)
		return rc;
	switch (e->ev->type_code) {
	case JN_T_INTERVIEW_8MONTH:
		c->interview = 1;
		break;
	case JN_T_HAPPYBABY_CONTACT:
		c->happybaby = 1;
		break;
	case JN_T_CHECKUP_ATTENDED:
		c->checkup = 1;
		break;
	default:
		break;
	}
	contact(c, e);
	return 0;
}

static int
on_birth(void *ctx, const pj_ev *e)
{
	pj_model *m = ctx;
	pj_case *c;
	jn_value v;
	int rc;

	if ((c = case_of(ctx, e, 0, &rc)) == NULL)
		return rc;
	c->born = 1;
	c->birth = date_field(e->ev, "birth_date");
	if ((rc = jn_data_get(e->ev->data, e->ev->data_len, "children", &v)) != 0)
		return rc;
	c->children = v.kind == JN_V_INT && v.i > 0 && v.i < 65536 ? (uint16_t)v.i : 1;
	if (m->evict_days >= 0 && !c->keep && c->birth != PJ_NODAY &&
	    (int64_t)m->as_of - c->birth > m->evict_days)
		pj_model_evict(m, c);	/* past the infant stage at D */
	return 0;
}

static int
on_support(void *ctx, const pj_ev *e)
{
	pj_case *c;
	int rc;

	if ((c = case_of(ctx, e, 0, &rc)) == NULL)
		return rc;
	if (e->ev->type_code == JN_T_SUPPORT_CLEARED) {
		when_keep(&c->cleared, e);
	} else {
		pj_when old = c->support;
		when_keep(&c->support, e);
		if (c->support.seq != old.seq) {
			c->support_src = JN_T_SUPPORT_FLAGGED;
			c->support_day = e->day;
		}
	}
	return 0;
}

static int
on_transfer(void *ctx, const pj_ev *e)
{
	pj_model *m = ctx;
	pj_case *c;
	pj_when n;
	jn_value v;
	int rc;

	if ((c = case_of(m, e, 0, &rc)) == NULL)
		return rc;
	when_of(e, &n);
	if (!pj_when_after(&n, &c->transfer))
		return 0;
	if ((rc = jn_data_get(e->ev->data, e->ev->data_len, "district", &v)) != 0)
		return rc;
	if (v.kind != JN_V_STR)
		return 0;
	c->transfer = n;
	return pj_names_intern(m->names, v.s, &c->tr_district);
}

static int
on_closed(void *ctx, const pj_ev *e)
{
	pj_case *c;
	int rc;

	if ((c = case_of(ctx, e, 0, &rc)) == NULL)
		return rc;
	c->closed = 1;
	if (!c->keep)
		pj_model_evict(ctx, c);
	return 0;
}

/* A retracted handbook.issued (whatever its date): the one way a case can
 * have events while it lacks a live handbook.issued.  Its record is made
 * here, not existing, and kept to the end, so that the events it gets
 * before a new handbook.issued count (specs/projections.md 1.4). */
static int
on_retracted(void *ctx, const pj_ev *e)
{
	pj_case *c;
	int rc;

	if (e->ev->type_code != JN_T_HANDBOOK_ISSUED)
		return 0;
	if ((c = case_of(ctx, e, 1, &rc)) == NULL)
		return rc;
	c->keep = 1;
	return 0;
}

static int
on_meeting(void *ctx, const pj_ev *e)
{
	pj_model *m = ctx;
	const jn_event *ev = e->ev;
	jn_value v, el;
	int rc;

	if ((rc = jn_data_get(ev->data, ev->data_len, "kind", &v)) != 0)
		return rc;
	if (v.kind != JN_V_STR || !jn_str_eq(v.s, "handbook"))
		return 0;
	if ((rc = jn_data_get(ev->data, ev->data_len, "cases", &v)) != 0)
		return rc;
	if (v.kind != JN_V_ARRAY)
		return 0;
	while ((rc = jn_array_next(&v, &el)) == 0) {
		uint8_t id[JN_ID_LEN];
		pj_case *c;

		/* A listed case was opened when the meeting was stored: not
		 * followed, it is closed at D or not yet issued by D. */
		if (el.kind != JN_V_STR || jn_uuid_parse(el.s, id) != 0 ||
		    (c = pj_model_case(m, id, 0, NULL)) == NULL)
			continue;
		c->shared = 1;
	}
	return rc == JN_END ? 0 : rc;
}

static pj_staff *
staff_of(pj_model *m, const jn_event *ev, int *rc)
{
	uint32_t code, i;
	pj_staff *s;

	*rc = 0;
	if (ev->stream.n <= 6 || memcmp(ev->stream.p, "staff:", 6) != 0)
		return NULL;
	if ((*rc = pj_names_intern(m->names, (jn_str){ ev->stream.p + 6, ev->stream.n - 6 }, &code)) != 0)
		return NULL;
	/* Staff are few (tens per city): a linear search is the fast one. */
	for (i = 0; i < m->nstaff; i++)
		if (m->staff[i].code == code)
			return &m->staff[i];
	if (m->nstaff == m->scap) {
		uint32_t ncap = m->scap ? 2 * m->scap : 16;
		pj_staff *ns = realloc(m->staff, ncap * sizeof *ns);
		if (ns == NULL) {
			*rc = ENOMEM;
			return NULL;
		}
		m->staff = ns;
		m->scap = ncap;
	}
	s = &m->staff[m->nstaff++];
	memset(s, 0, sizeof *s);
	s->code = code;
	s->room = PJ_NONE;
	return s;
}

static int
on_assigned(void *ctx, const pj_ev *e)
{
	pj_model *m = ctx;
	const jn_event *ev = e->ev;
	pj_staff *s;
	pj_when n;
	jn_value v, el;
	uint32_t *d = NULL, nd = 0;
	int rc;

	if ((s = staff_of(m, ev, &rc)) == NULL)
		return rc;
	when_of(e, &n);
	if (!pj_when_after(&n, &s->assigned))
		return 0;	/* an older assignment, recorded late */
	if ((rc = jn_data_get(ev->data, ev->data_len, "districts", &v)) != 0)
		return rc;
	if (v.kind == JN_V_ARRAY && v.n > 0 && (d = malloc(v.n * sizeof *d)) == NULL)
		return ENOMEM;
	while (v.kind == JN_V_ARRAY && (rc = jn_array_next(&v, &el)) == 0)
		if (el.kind == JN_V_STR && (rc = pj_names_intern(m->names, el.s, &d[nd++])) != 0)
			break;
	if (rc != 0 && rc != JN_END) {
		free(d);
		return rc;
	}
	free(s->districts);
	s->districts = d;
	s->ndistricts = nd;
	s->assigned = n;
	if ((rc = jn_data_get(ev->data, ev->data_len, "room", &v)) != 0)
		return rc;
	if (v.kind == JN_V_STR)
		return pj_names_intern(m->names, v.s, &s->room);
	return 0;
}

static int
on_left(void *ctx, const pj_ev *e)
{
	pj_staff *s;
	int rc;

	if ((s = staff_of(ctx, e->ev, &rc)) == NULL)
		return rc;
	when_keep(&s->left, e);
	return 0;
}

void
pj_model_handlers(pj_handler h[JN_T_COUNT])
{
	memset(h, 0, JN_T_COUNT * sizeof h[0]);
	h[JN_T_HANDBOOK_ISSUED] = on_handbook;
	h[JN_T_CLASS_ATTENDED] = on_contact;
	h[JN_T_INTERVIEW_8MONTH] = on_contact;
	h[JN_T_HAPPYBABY_CONTACT] = on_contact;
	h[JN_T_CHECKUP_ATTENDED] = on_contact;
	h[JN_T_ROOM_VISITED] = on_contact;
	h[JN_T_REFERRAL_MADE] = on_contact;
	h[JN_T_BIRTH_REGISTERED] = on_birth;
	h[JN_T_SUPPORT_FLAGGED] = on_support;
	h[JN_T_SUPPORT_CLEARED] = on_support;
	h[JN_T_CASE_TRANSFERRED] = on_transfer;
	h[JN_T_CASE_CLOSED] = on_closed;
	h[JN_T_MEETING_HELD] = on_meeting;
	h[JN_T_COORDINATOR_ASSIGNED] = on_assigned;
	h[JN_T_COORDINATOR_LEFT] = on_left;
}

void
pj_model_opts(const pj_model *m, uint64_t at_seq, pj_opts *o)
{
	*o = (pj_opts){ at_seq, m->as_of, PJ_AS_OF, on_retracted, model_hint };
}

int
pj_model_replay(pj_model *m, jn_env *env, uint64_t at_seq, pj_prov *prov)
{
	pj_handler h[JN_T_COUNT];
	pj_opts o;
	int rc;

	pj_model_handlers(h);
	pj_model_opts(m, at_seq, &o);
	if ((rc = pj_replay(env, &o, h, m, prov)) != 0)
		return rc;
	return pj_model_finish(m);
}

int
pj_staff_active(const pj_staff *s)
{
	return s->assigned.seq != 0 && !pj_when_after(&s->left, &s->assigned);
}

int
pj_model_finish(pj_model *m)
{
	uint32_t n = pj_names_count(m->names), i, j;

	free(m->coord_of);
	free(m->staff_by_code);
	m->coord_of = malloc((n ? n : 1) * sizeof *m->coord_of);
	m->staff_by_code = malloc((n ? n : 1) * sizeof *m->staff_by_code);
	if (m->coord_of == NULL || m->staff_by_code == NULL)
		return ENOMEM;
	for (i = 0; i < n; i++)
		m->coord_of[i] = m->staff_by_code[i] = -1;
	for (i = 0; i < m->nstaff; i++) {
		const pj_staff *s = &m->staff[i];

		m->staff_by_code[s->code] = i;
		if (!pj_staff_active(s))
			continue;
		/* Two coordinators list a district: the one assigned most
		 * recently serves it. */
		for (j = 0; j < s->ndistricts; j++) {
			int64_t *cur = &m->coord_of[s->districts[j]];
			if (*cur < 0 || pj_when_after(&s->assigned, &m->staff[*cur].assigned))
				*cur = i;
		}
	}
	return 0;
}

void
pj_case_status(const pj_model *m, const pj_case *c, const pj_rules *r, pj_status *st)
{
	int32_t d = m->as_of;
	int support;

	memset(st, 0, sizeof *st);
	st->coord = -1;
	st->district = c->tr_district != PJ_NONE ? c->tr_district : c->district;
	if (st->district != PJ_NONE && m->coord_of)
		st->coord = m->coord_of[st->district];
	st->infant = c->born && c->birth != PJ_NODAY;
	st->open = c->exists && !c->closed &&
	    !(st->infant && (int64_t)d - c->birth > r->infant_days);
	if (!st->open)
		return;

#define FLAG(f, day) do { st->flags |= 1u << (f); st->since[f] = (day); } while (0)
	support = c->support.seq != 0 && !pj_when_after(&c->cleared, &c->support);
	if (support)
		FLAG(PJ_F_SUPPORT_NEEDED, c->support_day);
	if (!c->shared && (int64_t)d - c->issued >= r->not_shared_days)
		FLAG(PJ_F_NOT_SHARED, c->issued + r->not_shared_days);
	if (!st->infant && c->due != PJ_NODAY) {
		if (!c->interview && (int64_t)d >= (int64_t)c->due - r->interview_before_due_days)
			FLAG(PJ_F_NO_8MONTH_INTERVIEW, c->due - r->interview_before_due_days);
		if ((int64_t)d >= (int64_t)c->due + r->birth_overdue_days)
			FLAG(PJ_F_BIRTH_NOT_RECORDED, c->due + r->birth_overdue_days);
	}
	if (st->infant) {
		if (!c->happybaby && (int64_t)d >= (int64_t)c->birth + r->happybaby_days)
			FLAG(PJ_F_NO_HAPPYBABY, c->birth + r->happybaby_days);
		if (!c->checkup && (int64_t)d >= (int64_t)c->birth + r->checkup_days)
			FLAG(PJ_F_MISSED_CHECKUP, c->birth + r->checkup_days);
	}
	if (support && c->last_contact != PJ_NODAY &&
	    (int64_t)d - c->last_contact >= r->no_contact_days)
		FLAG(PJ_F_NO_CONTACT, c->last_contact + r->no_contact_days);
	if (st->coord < 0)
		FLAG(PJ_F_NO_COORDINATOR, d);
#undef FLAG

	/* Next due contact: the earliest deadline among those still missing. */
#define NEXT(what, by) do { if (st->next_what == 0 || (by) < st->next_by) \
	{ st->next_what = (what); st->next_by = (by); } } while (0)
	if (!st->infant && !c->interview && c->due != PJ_NODAY)
		NEXT(JN_T_INTERVIEW_8MONTH, c->due - r->interview_before_due_days);
	if (st->infant && !c->happybaby)
		NEXT(JN_T_HAPPYBABY_CONTACT, c->birth + r->happybaby_days);
	if (st->infant && !c->checkup)
		NEXT(JN_T_CHECKUP_ATTENDED, c->birth + r->checkup_days);
#undef NEXT
}

void
pj_case_why(const pj_model *m, const pj_case *c, const pj_rules *r, int flag, pj_why *w)
{
	memset(w, 0, sizeof *w);
	w->days = -1;
	w->date[0] = w->date[1] = PJ_NODAY;
	switch (flag) {
	case PJ_F_SUPPORT_NEEDED:
		w->rule = "support-needed";
		w->what[0] = jn_type_name((jn_type)c->support_src);
		w->date[0] = c->support_day;
		break;
	case PJ_F_NOT_SHARED:
		w->rule = "not_shared_days";
		w->days = r->not_shared_days;
		w->what[0] = "handbook.issued";
		w->date[0] = c->issued;
		break;
	case PJ_F_NO_8MONTH_INTERVIEW:
		w->rule = "interview_before_due_days";
		w->days = r->interview_before_due_days;
		w->what[0] = "due_date";
		w->date[0] = c->due;
		break;
	case PJ_F_BIRTH_NOT_RECORDED:
		w->rule = "birth_overdue_days";
		w->days = r->birth_overdue_days;
		w->what[0] = "due_date";
		w->date[0] = c->due;
		break;
	case PJ_F_NO_HAPPYBABY:
		w->rule = "happybaby_days";
		w->days = r->happybaby_days;
		w->what[0] = "birth_date";
		w->date[0] = c->birth;
		break;
	case PJ_F_MISSED_CHECKUP:
		w->rule = "checkup_days";
		w->days = r->checkup_days;
		w->what[0] = "birth_date";
		w->date[0] = c->birth;
		break;
	case PJ_F_NO_CONTACT:
		w->rule = "no_contact_days";
		w->days = r->no_contact_days;
		w->what[0] = "last_contact";
		w->date[0] = c->last_contact;
		w->what[1] = "support-needed";
		w->date[1] = c->support_day;
		break;
	case PJ_F_NO_COORDINATOR:
	default:
		w->rule = "no-coordinator";
		w->what[0] = "as_of";
		w->date[0] = m->as_of;
		break;
	}
}

void
pj_why_text(const pj_why *w, int flag, int32_t since, int ja, char *buf, size_t size)
{
	static const char *const tail_en[PJ_F_COUNT] = {
		"no birth registered", "no 3-4 month checkup attended", "no 8-month interview",
		"no contact since, support needed", "no coordinator serves the district",
		"no happy-baby contact", "in no handbook meeting", "not cleared since",
	};
	static const char *const tail_ja[PJ_F_COUNT] = {
		"出生の記録なし", "3・4か月児健診の記録なし", "妊娠8か月面談なし",
		"要支援で以後の接触なし", "地区の担当コーディネーターなし",
		"はっぴーベビー未実施", "母子手帳会議で未共有", "以後 support.cleared なし",
	};
	char d0[11], ds[11];
	const char *tail = ja ? tail_ja[flag] : tail_en[flag];
	int minus = flag == PJ_F_NO_8MONTH_INTERVIEW;

	jn_date_format(w->date[0], d0);
	jn_date_format(since, ds);
	if (w->days < 0)
		snprintf(buf, size, "%s %s: %s", w->what[0] ? w->what[0] : "?", d0, tail);
	else if (ja)
		snprintf(buf, size, "%s %s %s %d日（%s）= %s: %s", w->what[0], d0, minus ? "−" : "+",
		    w->days, w->rule, ds, tail);
	else
		snprintf(buf, size, "%s %s %s %d days (%s) = %s: %s", w->what[0], d0, minus ? "-" : "+",
		    w->days, w->rule, ds, tail);
}

void
pj_why_jw(pj_jw *w, const char *key, const pj_why *why)
{
	int i;

	pj_jw_object(w, key);
	pj_jw_str(w, "rule", why->rule);
	if (why->days < 0)
		pj_jw_null(w, "days");
	else
		pj_jw_int(w, "days", why->days);
	pj_jw_object(w, "dates");
	for (i = 0; i < 2; i++)
		if (why->what[i])
			pj_jw_date(w, why->what[i], why->date[i]);
	pj_jw_end(w);
	pj_jw_end(w);
}

static const pj_model *sort_model;	/* qsort has no context argument in C11 */

/* A sort key: the id's first 8 bytes as a big-endian number, so most
 * comparisons are one integer compare in a compact array, not two memcmp()
 * of case records scattered over the table. */
typedef struct case_key {
	uint64_t hi;
	uint32_t i;
} case_key;

static int
cmp_case(const void *a, const void *b)
{
	const case_key *p = a, *q = b;

	if (p->hi != q->hi)
		return p->hi < q->hi ? -1 : 1;
	return memcmp(sort_model->cases[p->i].id, sort_model->cases[q->i].id, JN_ID_LEN);
}

int
pj_sort_cases(const pj_model *m, uint32_t *idx, size_t n)
{
	case_key *k;
	size_t i;
	int j;

	if (n < 2)
		return 0;
	if ((k = malloc(n * sizeof *k)) == NULL)
		return ENOMEM;
	for (i = 0; i < n; i++) {
		const uint8_t *id = m->cases[idx[i]].id;

		k[i].i = idx[i];
		k[i].hi = 0;
		for (j = 0; j < 8; j++)
			k[i].hi = k[i].hi << 8 | id[j];
	}
	sort_model = m;
	qsort(k, n, sizeof *k, cmp_case);
	for (i = 0; i < n; i++)
		idx[i] = k[i].i;
	free(k);
	return 0;
}

int
pj_open_cases(const pj_model *m, const pj_rules *r, uint32_t **idxp, size_t *np)
{
	uint32_t *idx = NULL, i;
	pj_status s;
	size_t n = 0;
	int rc;

	*idxp = NULL;
	*np = 0;
	if (m->ncases == 0)
		return 0;
	if ((idx = malloc(m->ncases * sizeof *idx)) == NULL)
		return ENOMEM;
	for (i = 0; i < m->ncases; i++) {
		pj_case_status(m, &m->cases[i], r, &s);
		if (s.open)
			idx[n++] = i;
	}
	if ((rc = pj_sort_cases(m, idx, n)) != 0) {
		free(idx);
		return rc;
	}
	*idxp = idx;
	*np = n;
	return 0;
}

static int
cmp_staff(const void *a, const void *b)
{
	const pj_staff *p = &sort_model->staff[*(const uint32_t *)a];
	const pj_staff *q = &sort_model->staff[*(const uint32_t *)b];

	return strcmp(pj_names_str(sort_model->names, p->code), pj_names_str(sort_model->names, q->code));
}

int
pj_active_staff(const pj_model *m, uint32_t **idxp, size_t *np)
{
	uint32_t *idx, i;
	size_t n = 0;

	if ((idx = malloc((m->nstaff ? m->nstaff : 1) * sizeof *idx)) == NULL)
		return ENOMEM;
	for (i = 0; i < m->nstaff; i++)
		if (pj_staff_active(&m->staff[i]))
			idx[n++] = i;
	sort_model = m;
	qsort(idx, n, sizeof *idx, cmp_staff);
	*idxp = idx;
	*np = n;
	return 0;
}
