/*
 * pending.c: index entries of a write transaction, written sorted at commit.
 *
 * Event ids are random and a batch touches many streams, so writing the `ids`
 * and `streams` entries as events arrive would walk the B-trees in random
 * order, dirtying a new page at almost every step.  Written in key order at
 * the end, the same entries touch each leaf page once: about three times
 * faster for a large import (bench/RESULTS.md).  Lookups of ids consult the
 * pending entries first, so the transaction still sees its own events.
 * Memory stays bounded: past PD_MAX entries the pending ones are written and
 * forgotten.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PD_MAX (1u << 20)

struct pd_id {
	uint8_t id[JN_ID_LEN];
	uint64_t seq;		/* 0: empty slot */
};

struct pd_st {
	size_t off;		/* of the stream name in keys */
	uint32_t n;
	uint32_t version;
	uint64_t seq;
	const char *base;	/* set before sorting */
};

static uint64_t
id_hash(const uint8_t id[JN_ID_LEN])
{
	uint64_t h;
	/* Ids are random (or the seeded generator's), so their bytes hash well;
	 * mix anyway in case someone numbers them. */
	memcpy(&h, id + 8, 8);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static int
ids_grow(jn_pending *p)
{
	size_t ncap = p->ids_cap ? p->ids_cap * 2 : 4096, i, j;
	struct pd_id *slots = calloc(ncap, sizeof *slots);

	if (slots == NULL)
		return ENOMEM;
	for (i = 0; i < p->ids_cap; i++) {
		if (p->ids[i].seq == 0)
			continue;
		for (j = id_hash(p->ids[i].id) & (ncap - 1); slots[j].seq; j = (j + 1) & (ncap - 1))
			;
		slots[j] = p->ids[i];
	}
	free(p->ids);
	p->ids = slots;
	p->ids_cap = ncap;
	return 0;
}

int
jn_pd_find_id(jn_txn *txn, const uint8_t id[JN_ID_LEN], uint64_t *seqp)
{
	jn_pending *p = &txn->pending;
	size_t i, mask;

	if (p->ids_used == 0)
		return JN_ENOTFOUND;
	mask = p->ids_cap - 1;
	for (i = id_hash(id) & mask; p->ids[i].seq; i = (i + 1) & mask) {
		if (memcmp(p->ids[i].id, id, JN_ID_LEN) == 0) {
			*seqp = p->ids[i].seq;
			return 0;
		}
	}
	return JN_ENOTFOUND;
}

int
jn_pd_add(jn_txn *txn, const uint8_t id[JN_ID_LEN], jn_str stream, uint32_t version, uint64_t seq)
{
	jn_pending *p = &txn->pending;
	struct pd_st *st;
	size_t i, mask;
	int rc;

	if (p->ids_used >= PD_MAX && (rc = jn_pd_flush(txn)) != 0)
		return rc;
	if ((p->ids_used + 1) * 2 > p->ids_cap && (rc = ids_grow(p)) != 0)
		return rc;
	mask = p->ids_cap - 1;
	for (i = id_hash(id) & mask; p->ids[i].seq; i = (i + 1) & mask)
		;
	memcpy(p->ids[i].id, id, JN_ID_LEN);
	p->ids[i].seq = seq;
	p->ids_used++;

	if (p->st_n == p->st_cap) {
		size_t ncap = p->st_cap ? p->st_cap * 2 : 4096;
		struct pd_st *a = realloc(p->st, ncap * sizeof *a);
		if (a == NULL)
			return ENOMEM;
		p->st = a;
		p->st_cap = ncap;
	}
	if ((rc = jn_buf_reserve(&p->keys, stream.n)) != 0)
		return rc;
	st = &p->st[p->st_n++];
	st->off = p->keys.n;
	st->n = (uint32_t)stream.n;
	st->version = version;
	st->seq = seq;
	memcpy(p->keys.p + p->keys.n, stream.p, stream.n);
	p->keys.n += stream.n;
	return 0;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(((const struct pd_id *)a)->id, ((const struct pd_id *)b)->id, JN_ID_LEN);
}

static int
st_cmp(const void *a, const void *b)
{
	const struct pd_st *x = a, *y = b;
	uint32_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->base + x->off, y->base + y->off, n);

	if (c)
		return c;
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return (x->version > y->version) - (x->version < y->version);
}

/* True when key sorts after every key of dbi: then MDB_APPEND may be used. */
static int
after_last(jn_txn *txn, MDB_dbi dbi, const void *key, size_t n)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, after = 0;

	if (mdb_cursor_open(txn->mdb, dbi, &cur) != 0)
		return 0;
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == MDB_NOTFOUND) {
		after = 1;
	} else if (rc == 0) {
		size_t m = k.mv_size < n ? k.mv_size : n;
		int c = memcmp(key, k.mv_data, m);
		after = c > 0 || (c == 0 && n > k.mv_size);
	}
	mdb_cursor_close(cur);
	return after;
}

int
jn_pd_flush(jn_txn *txn)
{
	jn_pending *p = &txn->pending;
	struct pd_id *all = NULL;
	uint8_t seqb[8], dup[12];
	MDB_val k, v;
	size_t i, n = 0;
	unsigned fl;
	int rc = 0;

	if (p->ids_used == 0)
		return 0;
	/* ids: compact the table in place, sort, write. */
	all = p->ids;
	for (i = 0; i < p->ids_cap; i++)
		if (all[i].seq)
			all[n++] = all[i];
	qsort(all, n, sizeof *all, id_cmp);
	fl = MDB_NOOVERWRITE | (after_last(txn, txn->env->ids, all[0].id, JN_ID_LEN) ? MDB_APPEND : 0);
	for (i = 0; i < n; i++) {
		jn_put_u64(seqb, all[i].seq);
		k.mv_size = JN_ID_LEN, k.mv_data = all[i].id;
		v.mv_size = 8, v.mv_data = seqb;
		if ((rc = mdb_put(txn->mdb, txn->env->ids, &k, &v, fl)) != 0) {
			rc = jn_mdb_rc(txn, rc == MDB_KEYEXIST ? JN_ECORRUPT : rc);
			goto done;
		}
	}
	/* streams: sorted by name then version; within a name, versions rise
	 * past the stored ones, so each goes at the end of its duplicates. */
	for (i = 0; i < p->st_n; i++)
		p->st[i].base = (const char *)p->keys.p;
	qsort(p->st, p->st_n, sizeof *p->st, st_cmp);
	fl = MDB_APPENDDUP;
	if (after_last(txn, txn->env->streams, p->keys.p + p->st[0].off, p->st[0].n))
		fl |= MDB_APPEND;
	for (i = 0; i < p->st_n; i++) {
		/* MDB_APPEND refuses a key equal to the last: a stream's later
		 * versions go in as duplicates only. */
		int same = i > 0 && p->st[i].n == p->st[i - 1].n &&
		    memcmp(p->keys.p + p->st[i].off, p->keys.p + p->st[i - 1].off, p->st[i].n) == 0;
		jn_put_u32(dup, p->st[i].version);
		jn_put_u64(dup + 4, p->st[i].seq);
		k.mv_size = p->st[i].n, k.mv_data = p->keys.p + p->st[i].off;
		v.mv_size = 12, v.mv_data = dup;
		if ((rc = mdb_put(txn->mdb, txn->env->streams, &k, &v, same ? MDB_APPENDDUP : fl)) != 0) {
			rc = jn_mdb_rc(txn, rc);
			goto done;
		}
	}
done:
	jn_pd_free(p);
	return rc;
}

void
jn_pd_free(jn_pending *p)
{
	free(p->ids);
	free(p->st);
	jn_buf_free(&p->keys);
	memset(p, 0, sizeof *p);
}
