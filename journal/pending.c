/*
 * pending.c: the `ids` entries of a write transaction, written sorted at
 * commit.
 *
 * Event ids are random, so writing their index entries as events arrive
 * would walk the B-tree in random order, dirtying a new page at almost every
 * step.  Written in key order at the end, the same entries touch each leaf
 * page once: about three times faster for a large import.  Lookups of ids
 * consult the pending entries first, so the transaction still sees its own
 * events.  Memory stays bounded: past jn_pd_max entries the pending ones are
 * written and forgotten, and filter.c remembers that they were written.
 * (Stream entries wait in headcache.c.)  The entries go to format 2's
 * index (index.c) under 'u'.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

size_t jn_pd_max = 1u << 20;

struct pd_id {
	uint8_t id[JN_ID_LEN];
	uint64_t seq;		/* 0: empty slot */
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
jn_pd_absent(const jn_txn *txn, const uint8_t id[JN_ID_LEN])
{
	/* Every append asks: no hash when there is no filter. */
	return txn->pending.written.on &&
	    jn_filter_absent(&txn->pending.written, jn_filter_id_hash(id));
}

void
jn_pd_prefetch(const jn_txn *txn, const uint8_t id[JN_ID_LEN])
{
	const jn_pending *p = &txn->pending;

	if (p->ids_cap)
		__builtin_prefetch(&p->ids[id_hash(id) & (p->ids_cap - 1)]);
	if (p->written.on)
		jn_filter_prefetch(&p->written, jn_filter_id_hash(id));
}

static int flush_ids(jn_txn *txn, int overflow);

int
jn_pd_add(jn_txn *txn, const uint8_t id[JN_ID_LEN], uint64_t seq)
{
	jn_pending *p = &txn->pending;
	size_t i, mask;
	int rc;

	if (p->ids_used >= jn_pd_max && (rc = flush_ids(txn, 1)) != 0)
		return rc;
	if ((p->ids_used + 1) * 2 > p->ids_cap && (rc = ids_grow(p)) != 0)
		return rc;
	mask = p->ids_cap - 1;
	for (i = id_hash(id) & mask; p->ids[i].seq; i = (i + 1) & mask)
		;
	memcpy(p->ids[i].id, id, JN_ID_LEN);
	p->ids[i].seq = seq;
	p->ids_used++;
	return 0;
}

static int
id_cmp(const void *a, const void *b)
{
	/* Big-endian words compare as the bytes do, without a memcmp call. */
	const uint8_t *x = ((const struct pd_id *)a)->id, *y = ((const struct pd_id *)b)->id;
	uint64_t u = jn_get_u64(x), v = jn_get_u64(y);

	if (u == v) {
		u = jn_get_u64(x + 8);
		v = jn_get_u64(y + 8);
	}
	return (u > v) - (u < v);
}

static int
id_less(const struct pd_id *x, const struct pd_id *y)
{
	return id_cmp(x, y) < 0;
}

/*
 * Sorts the n entries of a by id into out.  A counting pass on the first two
 * bytes spreads random ids over 65536 buckets of a dozen or so, which
 * insertion sort finishes; a bucket that comes out large (ids that are not
 * random) goes to qsort.  qsort alone, a comparison call per step, was a
 * tenth of a large import.
 */
static int
sort_ids(const struct pd_id *a, size_t n, struct pd_id *out)
{
	size_t *pos, b, i, j;

	if ((pos = calloc(65536 + 1, sizeof *pos)) == NULL)
		return ENOMEM;
	for (i = 0; i < n; i++)
		pos[(size_t)a[i].id[0] << 8 | a[i].id[1]]++;
	/* pos[b]: where bucket b begins, then where its next entry goes. */
	for (b = 0, j = 0; b <= 65536; b++) {
		size_t cnt = pos[b];
		pos[b] = j;
		j += cnt;
	}
	for (i = 0; i < n; i++)
		out[pos[(size_t)a[i].id[0] << 8 | a[i].id[1]]++] = a[i];
	/* Now bucket b ends at pos[b] and begins where bucket b-1 ends. */
	for (b = 0, j = 0; b < 65536; j = pos[b++]) {
		size_t m = pos[b] - j;
		struct pd_id *s = out + j;

		if (m > 32) {
			qsort(s, m, sizeof *s, id_cmp);
			continue;
		}
		for (i = 1; i < m; i++) {
			struct pd_id t = s[i];
			size_t k = i;
			for (; k > 0 && id_less(&t, &s[k - 1]); k--)
				s[k] = s[k - 1];
			s[k] = t;
		}
	}
	free(pos);
	return 0;
}

/* True when the index key of id sorts after every key of dbi: then
 * MDB_APPEND may be used. */
static int
after_last(jn_txn *txn, MDB_dbi dbi, const uint8_t id[JN_ID_LEN], size_t n)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t key[9], val[JN_IX_VAL];
	int rc, after = 0;

	if (n == 0 || mdb_cursor_open(txn->mdb, dbi, &cur) != 0)
		return 0;
	jn_ix_id_entry(id, 0, key, val);
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == MDB_NOTFOUND) {
		after = 1;
	} else if (rc == 0) {
		size_t m = k.mv_size < 9 ? k.mv_size : 9;
		int c = memcmp(key, k.mv_data, m);
		after = c > 0 || (c == 0 && 9 > k.mv_size);
	}
	mdb_cursor_close(cur);
	return after;
}

/* An id entry of the index into f: 'u' . id[0..8) -> id[8..16) . seq. */
static int
add_id(jn_filter *f, const MDB_val *k, const MDB_val *v)
{
	uint8_t id[JN_ID_LEN];

	if (k->mv_size != 9 || v->mv_size != JN_IX_VAL)
		return JN_ECORRUPT;
	memcpy(id, (const uint8_t *)k->mv_data + 1, 8);
	memcpy(id + 8, v->mv_data, 8);
	jn_filter_add(f, jn_filter_id_hash(id));
	return 0;
}

/* The ids the index holds, into f (jn_filter_decide()): every entry. */
static int
existing_ids(jn_txn *txn, jn_filter *f)
{
	return jn_filter_scan(txn, f, JN_IX_ID, MDB_NEXT, add_id);
}

int
jn_pd_flush(jn_txn *txn)
{
	return flush_ids(txn, 0);
}

static int
flush_ids(jn_txn *txn, int overflow)
{
	jn_pending *p = &txn->pending;
	struct pd_id *all = NULL, *sorted;
	uint8_t key[9], val[JN_IX_VAL];
	MDB_val k, v;
	size_t i, n = 0;
	int rc = 0, append;

	if (p->ids_used == 0)
		return 0;
	if ((rc = jn_filter_decide(txn, &p->written, txn->head_seq + JN_FILTER_IDS, overflow,
	    existing_ids)) != 0)
		return rc;
	/* ids: compact the table in place, sort, write. */
	all = p->ids;
	for (i = 0; i < p->ids_cap; i++)
		if (all[i].seq)
			all[n++] = all[i];
	/* Sorted into a second array when there is room for one, and when
	 * there are enough to fill the buckets: a durable append of one event
	 * spent a tenth of its CPU clearing 65536 of them. */
	sorted = NULL;
	if (n >= 4096 && (sorted = malloc(n * sizeof *sorted)) != NULL && sort_ids(all, n, sorted) == 0) {
		free(p->ids);
		p->ids = all = sorted;
	} else {
		free(sorted);
		qsort(all, n, sizeof *all, id_cmp);
	}
	/* Ids sort last in the index: an import into a new journal appends
	 * them all.  Two ids sharing their first 8 bytes share a key. */
	append = after_last(txn, txn->env->index, all[0].id, n);
	for (i = 0; i < n; i++) {
		unsigned fl = MDB_NODUPDATA;
		jn_ix_id_entry(all[i].id, all[i].seq, key, val);
		if (append && (i == 0 || memcmp(all[i].id, all[i - 1].id, 8) != 0))
			fl = MDB_APPEND;
		k.mv_size = 9, k.mv_data = key;
		v.mv_size = JN_IX_VAL, v.mv_data = val;
		if ((rc = mdb_put(txn->mdb, txn->env->index, &k, &v, fl)) != 0) {
			rc = jn_mdb_rc(txn, rc == MDB_KEYEXIST ? JN_ECORRUPT : rc);
			goto done;
		}
		jn_filter_add(&p->written, jn_filter_id_hash(all[i].id));
		/* A million ids land all over the index: its pages too. */
		jn_release_step(txn->env);
	}
done:
	jn_pd_free(p);
	return rc;
}

void
jn_pd_free(jn_pending *p)
{
	jn_filter written = p->written;

	free(p->ids);
	memset(p, 0, sizeof *p);
	p->written = written;
}

void
jn_pd_end(jn_pending *p)
{
	jn_pd_free(p);
	jn_filter_free(&p->written);
}
