/*
 * headcache.c: a write transaction's stream heads and new stream entries.
 *
 * Every append reads the head of its own stream and of the streams it names
 * (a room, a checkup session), and writes its own.  A batch touches the same
 * rooms and cases again and again, so the head records live in a hash table
 * for the transaction, together with the seqs of the events the transaction
 * adds to each stream.  At commit both go to LMDB in key order: sorted writes
 * touch each B-tree page once, where writes in arrival order would dirty a
 * page at almost every step.  The table is flushed and emptied when it grows
 * past jn_hc_max entries, so memory stays bounded however large the import;
 * filter.c remembers which streams it wrote.
 *
 * Entries are keyed by stream name: its key in `index` (index.c) is made
 * only when the head is read from LMDB and at flush, not at every lookup
 * (a case's key takes parsing its UUID).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

size_t jn_hc_max = 1u << 18;

/* Keys up to HC_INLINE bytes (a case stream is 41) live in the entry: a
 * lookup then reads one entry, not an entry and a key somewhere else, which
 * was a cache miss on every append of a large import. */
#define HC_INLINE 48

struct hc_entry {
	uint64_t hash;		/* 0: empty slot */
	uint32_t n;
	uint8_t present;	/* 0: known not to exist */
	uint8_t dirty;		/* differs from LMDB: write at flush */
	union {
		char inl[HC_INLINE];	/* n <= HC_INLINE */
		char *ext;		/* a copy, otherwise */
	} k;
	jn_head_rec h;
	uint32_t nseq, capseq;
	uint8_t (*vals)[JN_IX_VAL];	/* entries this transaction added, by version */
};

static uint64_t
hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;
	size_t i = 0;

	/* Eight bytes at a time: stream names are 40-odd bytes and every
	 * append looks up two or three of them. */
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, p + i, n - i);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return h | 1;
}

static const char *
hc_key(const struct hc_entry *e)
{
	return e->n <= HC_INLINE ? e->k.inl : e->k.ext;
}

static struct hc_entry *
find(jn_headcache *c, jn_str s, uint64_t hash)
{
	size_t mask = c->cap - 1, i;

	for (i = hash & mask;; i = (i + 1) & mask) {
		struct hc_entry *e = &c->slots[i];
		if (e->hash == 0)
			return e;
		if (e->hash == hash && e->n == s.n && memcmp(hc_key(e), s.p, s.n) == 0)
			return e;
	}
}

static int
grow(jn_headcache *c)
{
	size_t ncap = c->cap ? c->cap * 2 : 1024, i;
	struct hc_entry *old = c->slots, *slots;

	if ((slots = calloc(ncap, sizeof *slots)) == NULL)
		return ENOMEM;
	c->slots = slots;
	for (i = 0; i < c->cap; i++) {
		if (old[i].hash) {
			size_t j = old[i].hash & (ncap - 1);
			while (slots[j].hash)
				j = (j + 1) & (ncap - 1);
			slots[j] = old[i];
		}
	}
	free(old);
	c->cap = ncap;
	c->memo = NULL;
	return 0;
}

void
jn_hc_free(jn_headcache *c)
{
	jn_filter written = c->written;

	for (size_t i = 0; i < c->cap; i++) {
		if (c->slots[i].hash && c->slots[i].n > HC_INLINE)
			free(c->slots[i].k.ext);
		free(c->slots[i].vals);
	}
	free(c->slots);
	memset(c, 0, sizeof *c);
	c->written = written;
}

void
jn_hc_end(jn_headcache *c)
{
	jn_hc_free(c);
	jn_filter_free(&c->written);
}

/* Sorting entries by their index key: the first sixteen bytes, loaded
 * big-endian, settle nearly every comparison (a case's 's', 0x01 and 14
 * bytes of its UUID) without a memcmp call. */
typedef struct sort_ent {
	uint64_t k0, k1;
	struct hc_entry *e;
	uint8_t *key;		/* in the flush's buffer */
	uint32_t n;
} sort_ent;

static uint64_t
be_prefix(const char *p, size_t n)
{
	uint8_t b[8] = { 0 };
	memcpy(b, p, n < 8 ? n : 8);
	return jn_get_u64(b);
}

static int
key_cmp(const char *x, uint32_t xn, const char *y, uint32_t yn)
{
	uint32_t n = xn < yn ? xn : yn;
	int c = n ? memcmp(x, y, n) : 0;

	return c ? c : (xn > yn) - (xn < yn);
}

static int
sort_cmp(const void *a, const void *b)
{
	const sort_ent *x = a, *y = b;

	if (x->k0 != y->k0)
		return x->k0 < y->k0 ? -1 : 1;
	if (x->k1 != y->k1)
		return x->k1 < y->k1 ? -1 : 1;
	return key_cmp((const char *)x->key, x->n, (const char *)y->key, y->n);
}

/* A stream key of the index into f, hashed by name as the cache hashes it. */
static int
add_stream(jn_filter *f, const MDB_val *k, const MDB_val *v)
{
	char name[JN_MAX_STREAM + 1];
	size_t n = jn_ix_stream_name(k->mv_data, k->mv_size, name);

	(void)v;
	if (n == 0)
		return JN_ECORRUPT;
	jn_filter_add(f, hash_bytes(name, n));
	return 0;
}

/* The streams the index holds, into f (jn_filter_decide()): every key. */
static int
existing_streams(jn_txn *txn, jn_filter *f)
{
	return jn_filter_scan(txn, f, JN_IX_STREAM, MDB_NEXT_NODUP, add_stream);
}

/* Writes the new stream entries, in key order; overflow: the cache is full
 * and the transaction goes on (the time to choose a filter, filter.c). */
static int
flush(jn_txn *txn, int overflow)
{
	jn_headcache *c = &txn->heads;
	sort_ent *dirty;
	uint8_t *keys;
	MDB_cursor *cur = NULL;
	MDB_val k, lk, lv;
	size_t i, n = 0, off;
	int rc = 0, append = 0;

	if (c->ndirty == 0)
		return 0;
	if ((rc = jn_filter_decide(txn, &c->written, txn->head_seq / 4 + JN_FILTER_STREAMS, overflow,
	    existing_streams)) != 0)
		return rc;
	dirty = malloc(c->ndirty * sizeof *dirty);
	keys = malloc(c->ndirty * JN_IX_KEYMAX);
	if (dirty == NULL || keys == NULL) {
		rc = ENOMEM;
		goto done;
	}
	/* The keys packed one after another: only the bytes used are ever
	 * touched of a buffer sized for the longest. */
	for (i = 0, off = 0; i < c->cap; i++) {
		struct hc_entry *e = &c->slots[i];
		if (e->hash && e->dirty) {
			uint8_t *key = keys + off;
			dirty[n].n = (uint32_t)jn_ix_stream_key((jn_str){ hc_key(e), e->n }, key);
			dirty[n].key = key;
			dirty[n].k0 = be_prefix((const char *)key, dirty[n].n);
			dirty[n].k1 = dirty[n].n > 8 ? be_prefix((const char *)key + 8, dirty[n].n - 8) : 0;
			off += dirty[n].n;
			dirty[n++].e = e;
		}
	}
	qsort(dirty, n, sizeof *dirty, sort_cmp);
	/* The first new key sorting after the last stored one lets every
	 * new stream go in with MDB_APPEND. */
	if ((rc = mdb_cursor_open(txn->mdb, txn->env->index, &cur)) != 0)
		goto done;
	rc = mdb_cursor_get(cur, &lk, &lv, MDB_LAST);
	if (rc == MDB_NOTFOUND) {
		append = 1;
		rc = 0;
	} else if (rc == 0) {
		append = key_cmp((const char *)dirty[0].key, dirty[0].n, lk.mv_data, (uint32_t)lk.mv_size) > 0;
	} else {
		goto done;
	}
	for (i = 0; i < n; i++) {
		struct hc_entry *e = dirty[i].e;
		/* All of a stream's new entries in one call (they are 16 bytes
		 * each and follow its stored ones): LMDB finds the key once.
		 * A new stream's key may go in with MDB_APPEND. */
		unsigned fl = MDB_MULTIPLE | MDB_APPENDDUP |
		    (append && jn_get_u32(e->vals[0]) == 1 ? MDB_APPEND : 0);
		MDB_val mv[2] = { { JN_IX_VAL, e->vals[0] }, { e->nseq, NULL } };

		k.mv_size = dirty[i].n, k.mv_data = dirty[i].key;
		if ((rc = mdb_cursor_put(cur, &k, mv, fl)) != 0)
			goto done;
		if (mv[1].mv_size != e->nseq) {
			rc = JN_ECORRUPT;	/* LMDB stored fewer without a word */
			goto done;
		}
		jn_filter_add(&c->written, e->hash);
		/* Each stream's entries dirty a page or two of the index. */
		jn_release_step(txn->env);
		e->dirty = 0;
		e->nseq = 0;
	}
	c->ndirty = 0;
done:
	mdb_cursor_close(cur);
	free(dirty);
	free(keys);
	return jn_mdb_rc(txn, rc);
}

int
jn_hc_flush(jn_txn *txn)
{
	return flush(txn, 0);
}

void
jn_hc_prefetch(const jn_txn *txn, jn_str s)
{
	const jn_headcache *c = &txn->heads;
	const char *e;

	if (c->cap == 0)
		return;
	e = (const char *)&c->slots[hash_bytes(s.p, s.n) & (c->cap - 1)];
	__builtin_prefetch(e);
	__builtin_prefetch(e + sizeof(struct hc_entry) - 1);
}

/* Looks s up; *ep is its entry (new entries are zeroed with hash and key
 * set, and *newp = 1). */
static int
entry(jn_txn *txn, jn_str s, struct hc_entry **ep, int *newp)
{
	jn_headcache *c = &txn->heads;
	uint64_t hash;
	struct hc_entry *e;
	int rc;

	*newp = 0;
	if (s.n == 0 || s.n > JN_MAX_STREAM)
		return JN_ENOTFOUND;
	/* An append asks for its own stream two or three times in a row. */
	if (c->memo && c->memo->n == s.n && memcmp(hc_key(c->memo), s.p, s.n) == 0) {
		*ep = c->memo;
		return 0;
	}
	if (c->used >= jn_hc_max) {
		if ((rc = flush(txn, 1)) != 0)
			return rc;
		jn_hc_free(c);
	}
	if (c->cap == 0 || (c->used + 1) * 4 > c->cap * 3)
		if ((rc = grow(c)) != 0)
			return rc;
	hash = hash_bytes(s.p, s.n);
	e = find(c, s, hash);
	if (e->hash == 0) {
		if (s.n <= HC_INLINE)
			memcpy(e->k.inl, s.p, s.n);
		else if ((e->k.ext = malloc(s.n)) != NULL)
			memcpy(e->k.ext, s.p, s.n);
		else
			return ENOMEM;
		e->n = (uint32_t)s.n;
		e->hash = hash;
		c->used++;
		*newp = 1;
	}
	*ep = c->memo = e;
	return 0;
}

int
jn_hc_get(jn_txn *txn, jn_str s, jn_head_rec *h)
{
	struct hc_entry *e;
	int rc, isnew;

	if ((rc = entry(txn, s, &e, &isnew)) != 0)
		return rc;
	if (isnew && jn_filter_absent(&txn->heads.written, e->hash)) {
		e->present = 0;
	} else if (isnew) {
		uint8_t key[JN_IX_KEYMAX];
		size_t kn = jn_ix_stream_key(s, key);
		rc = jn_ix_head(txn, key, kn, &e->h);
		if (rc != 0 && rc != JN_ENOTFOUND)
			return rc;
		e->present = rc == 0;
	}
	if (!e->present)
		return JN_ENOTFOUND;
	*h = e->h;
	return 0;
}

int
jn_hc_put(jn_txn *txn, jn_str s, const jn_head_rec *h, uint64_t seq)
{
	struct hc_entry *e;
	int rc, isnew;

	if ((rc = entry(txn, s, &e, &isnew)) != 0)
		return rc == JN_ENOTFOUND ? JN_EINVALID : rc;
	if (e->nseq == e->capseq) {
		uint32_t ncap = e->capseq ? e->capseq * 2 : 2;
		uint8_t (*a)[JN_IX_VAL] = realloc(e->vals, ncap * sizeof *a);
		if (a == NULL)
			return ENOMEM;
		e->vals = a;
		e->capseq = ncap;
	}
	jn_ix_stream_val(e->vals[e->nseq++], h, seq);
	if (!e->dirty)
		txn->heads.ndirty++;
	e->h = *h;
	e->present = 1;
	e->dirty = 1;
	return 0;
}
