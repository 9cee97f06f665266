/*
 * headcache.c: a write transaction's cache of stream head records.
 *
 * Every append reads the head of its own stream and of the streams it names
 * (a room, a checkup session), and writes its own.  A batch touches the same
 * rooms and cases again and again, so the records live in a hash table for
 * the transaction and go to LMDB once, at commit.  The table is flushed and
 * emptied when it grows past HC_MAX entries, so memory stays bounded however
 * large the import.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define HC_MAX (1u << 20)

struct hc_entry {
	uint64_t hash;
	char *key;
	uint32_t n;
	uint8_t present;	/* 0: known not to exist */
	uint8_t dirty;		/* differs from LMDB: write at flush */
	jn_head_rec h;
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
	return h | 1;	/* 0 marks an empty slot */
}

static struct hc_entry *
find(jn_headcache *c, jn_str s, uint64_t hash)
{
	size_t mask, i;

	if (c->cap == 0)
		return NULL;
	mask = c->cap - 1;
	for (i = hash & mask;; i = (i + 1) & mask) {
		struct hc_entry *e = &c->slots[i];
		if (e->hash == 0)
			return e;
		if (e->hash == hash && e->n == s.n && memcmp(e->key, s.p, s.n) == 0)
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
	for (size_t i = 0; i < c->cap; i++)
		free(c->slots[i].key);
	free(c->slots);
	memset(c, 0, sizeof *c);
}

/* Writes the dirty records to LMDB. */
int
jn_hc_flush(jn_txn *txn)
{
	jn_headcache *c = &txn->heads;
	MDB_val k, v;
	uint8_t buf[8];
	int rc;

	for (size_t i = 0; i < c->cap; i++) {
		struct hc_entry *e = &c->slots[i];
		if (!e->hash || !e->dirty)
			continue;
		jn_head_encode(&e->h, buf);
		k.mv_size = e->n, k.mv_data = e->key;
		v.mv_size = 8, v.mv_data = buf;
		if ((rc = mdb_put(txn->mdb, txn->env->heads, &k, &v, 0)) != 0)
			return jn_mdb_rc(txn, rc);
		e->dirty = 0;
	}
	return 0;
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
	/* An append asks for its own stream two or three times in a row. */
	if (c->memo && c->memo->n == s.n && memcmp(c->memo->key, s.p, s.n) == 0) {
		*ep = c->memo;
		return 0;
	}
	if (c->used >= HC_MAX) {
		if ((rc = jn_hc_flush(txn)) != 0)
			return rc;
		jn_hc_free(c);
	}
	if (c->cap == 0 || (c->used + 1) * 4 > c->cap * 3)
		if ((rc = grow(c)) != 0)
			return rc;
	hash = hash_bytes(s.p, s.n);
	e = find(c, s, hash);
	if (e->hash == 0) {
		if ((e->key = malloc(s.n ? s.n : 1)) == NULL)
			return ENOMEM;
		memcpy(e->key, s.p, s.n);
		e->n = (uint32_t)s.n;
		e->hash = hash;
		e->present = e->dirty = 0;
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
	if (isnew) {
		rc = jn_head_read(txn, s, &e->h);
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
jn_hc_put(jn_txn *txn, jn_str s, const jn_head_rec *h)
{
	struct hc_entry *e;
	int rc, isnew;

	if ((rc = entry(txn, s, &e, &isnew)) != 0)
		return rc;
	e->h = *h;
	e->present = 1;
	e->dirty = 1;
	return 0;
}
