/* replay.c: see replay.h. */
#include <stdlib.h>
#include <string.h>

#include "replay.h"

int32_t
pj_days(int y, int m, int d)
{
	/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian
	 * calendar, no tables, no loops. */
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
digits(const char *p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 0;
}

int
pj_date(jn_str s, int32_t *dayp, int64_t *stampp)
{
	int y, m, d, hh = 0, mm = 0, minute = 0;

	if (s.n < 10 || s.p[4] != '-' || s.p[7] != '-' ||
	    digits(s.p, 4, &y) || digits(s.p + 5, 2, &m) || digits(s.p + 8, 2, &d) ||
	    m < 1 || m > 12 || d < 1 || d > 31)
		return JN_EINVALID;
	if (s.n >= 16 && s.p[10] == 'T' && s.p[13] == ':' &&
	    digits(s.p + 11, 2, &hh) == 0 && digits(s.p + 14, 2, &mm) == 0)
		minute = 1 + hh * 60 + mm;	/* 0 is kept for "no time" */
	*dayp = pj_days(y, m, d);
	if (stampp)
		*stampp = (int64_t)*dayp * 1441 + minute;
	return 0;
}

int
pj_uuid_fast(const char *p, uint8_t id[JN_ID_LEN])
{
	/* The library's parser is table-driven: no branch per digit. */
	return jn_uuid_parse((jn_str){ p, 36 }, id) == 0 ? 0 : -1;
}

int
pj_case_id(const jn_event *ev, uint8_t id[JN_ID_LEN])
{
	if (ev->stream.n != 41 || memcmp(ev->stream.p, "case:", 5) != 0)
		return -1;
	return pj_uuid_fast(ev->stream.p + 5, id);
}

unsigned
pj_case_part(jn_str stream, unsigned n)
{
	const char *p = stream.p + 5;
	uint64_t a, b, c, d;
	uint32_t e;

	if (stream.n != 41 || memcmp(stream.p, "case:", 5) != 0)
		return n;
	/* All 36 characters count (test ids may differ in one digit only);
	 * the multiply-shift takes the top bits, which the model's table
	 * (its slot from the low bits of another hash) does not favour. */
	memcpy(&a, p, 8);
	memcpy(&b, p + 8, 8);
	memcpy(&c, p + 16, 8);
	memcpy(&d, p + 24, 8);
	memcpy(&e, p + 32, 4);
	/* The model parses "A" as "a" (a restored journal may hold upper
	 * case): setting bit 5 of each byte makes them one, and leaves digits
	 * and '-' as they are. */
	a |= 0x2020202020202020ull;
	b |= 0x2020202020202020ull;
	c |= 0x2020202020202020ull;
	d |= 0x2020202020202020ull;
	e |= 0x20202020u;
	a = (a ^ b * 0xD6E8FEB86659FD93ull ^ c * 0x9E3779B97F4A7C15ull ^
	    d * 0xBF58476D1CE4E5B9ull ^ e * 0x94D049BB133111EBull) * 0x9E3779B97F4A7C15ull;
	a ^= a >> 29;
	a *= 0xBF58476D1CE4E5B9ull;
	return (unsigned)(((a >> 32) * n) >> 32);
}

int
pj_replay(jn_env *env, const pj_opts *opts, pj_handler const handlers[JN_T_COUNT],
    void *ctx, pj_prov *prov)
{
	return pj_replay_part(env, opts, handlers, ctx, prov, 0, 1);
}

int
pj_replay_part(jn_env *env, const pj_opts *opts, pj_handler const handlers[JN_T_COUNT],
    void *ctx, pj_prov *prov, unsigned part, unsigned nparts)
{
	jn_txn *txn = NULL;
	jn_iter *it = NULL;
	struct ahead {
		jn_event ev;
		pj_ev e;
		uint8_t id[JN_ID_LEN];
		uint64_t memo;
		int other;	/* a case of another partition */
	} ring[PJ_AHEAD];
	size_t first = 0, n = 0;
	int end = 0;
	pj_hint hint = opts ? opts->hint : NULL;
	pj_prov p;
	uint64_t *ret = NULL, upto;
	size_t nret = 0, ri = 0;
	unsigned flags = opts ? opts->flags : 0;
	int rc;

	memset(&p, 0, sizeof p);
	if ((rc = jn_txn_begin(env, JN_TXN_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = jn_head(txn, &p.head, p.hash)) != 0)
		goto txn_abort;
	upto = opts && opts->at_seq ? opts->at_seq : p.head;
	if (upto > p.head) {
		rc = JN_ENOTFOUND;
		goto txn_abort;
	}
	memset(p.hash, 0, sizeof p.hash);
	if (upto == 0)
		goto done;	/* an empty log: nothing to iterate */
	/* The retracted seqs come sorted, and so does the walk below: one
	 * cursor into the array makes the "is it retracted" test O(1). */
	if ((rc = jn_retracted(txn, upto, &ret, &nret)) != 0)
		goto txn_abort;
	if ((rc = jn_iter_seq(txn, 1, upto, &it)) != 0)
		goto free_ret;
	for (;;) {
		struct ahead *a;
		const jn_event *evp;
		pj_ev *e;
		pj_handler h;

		/* Keep the ring full: events read ahead are mapped pages of
		 * this read transaction, valid until it ends. */
		while (!end && n < PJ_AHEAD) {
			a = &ring[(first + n) % PJ_AHEAD];
			if ((rc = jn_iter_next(it, &a->ev)) == JN_END) {
				end = 1;
				break;
			}
			if (rc != 0)
				goto iter_close;
			a->e.ev = &a->ev;
			a->e.txn = txn;
			a->e.case_id = NULL;
			a->memo = 0;
			a->other = 0;
			if (nparts > 1) {
				unsigned k = pj_case_part(a->ev.stream, nparts);
				a->other = k != nparts && k != part;
			}
			if (hint && !a->other) {
				if (pj_case_id(&a->ev, a->id) == 0)
					a->e.case_id = a->id;
				hint(ctx, &a->e, 0, &a->memo);
			}
			n++;
		}
		if (n == 0)
			break;
		if (hint && n > PJ_AHEAD / 2) {
			a = &ring[(first + PJ_AHEAD / 2) % PJ_AHEAD];
			if (!a->other)
				hint(ctx, &a->e, 1, &a->memo);
		}
		a = &ring[first];
		first = (first + 1) % PJ_AHEAD;
		n--;
		e = &a->e;
		evp = &a->ev;
		p.events++;
		p.seq = evp->seq;
		memcpy(p.hash, evp->hash, JN_HASH_LEN);
		while (ri < nret && ret[ri] < evp->seq)
			ri++;
		e->retracted = ri < nret && ret[ri] == evp->seq;
		if (!(flags & PJ_ALL) && (e->retracted || evp->type_code == JN_T_EVENT_RETRACTED)) {
			if (!e->retracted || opts->retracted == NULL || a->other)
				continue;
			if (pj_date(evp->occurred, &e->day, &e->stamp) != 0) {
				rc = JN_ECORRUPT;
				goto iter_close;
			}
			if ((rc = opts->retracted(ctx, e)) != 0)
				goto iter_close;
			continue;
		}
		if (pj_date(evp->occurred, &e->day, &e->stamp) != 0) {
			rc = JN_ECORRUPT;	/* the journal validated it: not ours to fix */
			goto iter_close;
		}
		if ((flags & PJ_AS_OF) && e->day > opts->as_of)
			continue;
		p.live++;
		if (a->other)
			continue;
		if ((unsigned)evp->type_code >= JN_T_COUNT || (h = handlers[evp->type_code]) == NULL)
			continue;
		if ((rc = h(ctx, e)) != 0)
			goto iter_close;
	}
	rc = 0;
iter_close:
	jn_iter_close(it);
free_ret:
	free(ret);
	if (rc != 0)
		goto txn_abort;
done:
	if (prov)
		*prov = p;
txn_abort:
	jn_txn_abort(txn);
	return rc;
}
