/*
 * filter.c: what a large write transaction knows is not in the index.
 *
 * An import past the limits of pending.c and headcache.c writes their
 * entries out and forgets them; from then on every new event asked the
 * index whether its id was stored, and every stream the cache had dropped
 * was read again: a random leaf each, which the kernel maps with the pages
 * around it.  At 10M events those reads were 40% of the import's time and
 * most of its memory beyond LMDB's own.
 *
 * At the transaction's first write-out the keys of that kind already in
 * the index are read once, in key order, into a filter; from then on every
 * key the transaction writes goes through it too.  A key the filter has
 * never seen is then certainly not in the index; a key it may have seen is
 * looked up as before.  (No other writer can add keys meanwhile: the
 * transaction holds LMDB's write lock.)  The filter is a blocked Bloom
 * filter (one 64-byte block a key, FILTER_BITS of it set): a lookup costs
 * one cache miss.
 *
 * It is decided once per transaction, at the first time the transaction
 * writes such entries out before its commit (an overflow); a small write
 * (every durable append) never builds one.  Past the keys it was made for
 * it would answer "maybe" too often: it switches itself off.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define BLOCK_WORDS 8		/* 512 bits: one cache line */
#define FILTER_BITS 6

/* The block and the bits of a key: block from the top half of the hash,
 * the bit positions (9 bits each) from a second mix of it. */
static size_t
block_of(const jn_filter *f, uint64_t h)
{
	return (size_t)(((h >> 32) * (uint64_t)f->nblocks) >> 32);
}

static uint64_t
bits_of(uint64_t h)
{
	h ^= h >> 31;
	h *= 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 29);
}

int
jn_filter_start(jn_filter *f, uint64_t keys)
{
	uint64_t want = keys / 64 + 1;
	size_t nblocks;

	memset(f, 0, sizeof *f);
	/* 8 bits a key when full (a false "maybe" about one time in 40),
	 * fewer misses before: 10M ids in a filter made for 16M, 1 in 400.
	 * Any number of blocks will do (block_of() scales, not masks). */
	nblocks = want < 1024 ? 1024 : want > (1u << 31) ? (1u << 31) : (size_t)want;
	if ((f->bits = calloc(nblocks, BLOCK_WORDS * sizeof(uint64_t))) == NULL)
		return ENOMEM;
	f->nblocks = nblocks;
	f->cap = keys;
	f->on = 1;
	return 0;
}

void
jn_filter_add(jn_filter *f, uint64_t h)
{
	uint64_t *b, x;
	int i;

	if (!f->on)
		return;
	if (f->n >= f->cap) {
		jn_filter_free(f);	/* full: "maybe" from now on */
		return;
	}
	b = f->bits + block_of(f, h) * BLOCK_WORDS;
	x = bits_of(h);
	for (i = 0; i < FILTER_BITS; i++, x >>= 9)
		b[(x >> 6) & 7] |= 1ull << (x & 63);
	f->n++;
}

int
jn_filter_absent(const jn_filter *f, uint64_t h)
{
	const uint64_t *b;
	uint64_t x;
	int i;

	if (!f->on)
		return 0;
	b = f->bits + block_of(f, h) * BLOCK_WORDS;
	x = bits_of(h);
	for (i = 0; i < FILTER_BITS; i++, x >>= 9)
		if ((b[(x >> 6) & 7] & (1ull << (x & 63))) == 0)
			return 1;
	return 0;
}

void
jn_filter_prefetch(const jn_filter *f, uint64_t h)
{
	if (f->on)
		__builtin_prefetch(f->bits + block_of(f, h) * BLOCK_WORDS);
}

void
jn_filter_free(jn_filter *f)
{
	int decided = f->decided;

	free(f->bits);
	memset(f, 0, sizeof *f);
	f->decided = decided;
}

uint64_t
jn_filter_id_hash(const uint8_t id[JN_ID_LEN])
{
	uint64_t a, b;

	/* Not pending.c's hash (the filter must not fail where its table
	 * collides): both halves, splitmix64's finaliser. */
	memcpy(&a, id, 8);
	memcpy(&b, id + 8, 8);
	a ^= b * 0xD6E8FEB86659FD93ull;
	a ^= a >> 30;
	a *= 0xBF58476D1CE4E5B9ull;
	a ^= a >> 27;
	a *= 0x94D049BB133111EBull;
	return a ^ (a >> 31);
}

int
jn_filter_decide(jn_txn *txn, jn_filter *f, uint64_t keys, int overflow,
    int (*existing)(jn_txn *, jn_filter *))
{
	int rc = 0;

	if (f->decided)
		return 0;
	/* Without memory for it the lookups go to the index, as before. */
	if (overflow && jn_filter_start(f, keys) == 0) {
		/* Before this first write-out the index holds only what other
		 * transactions wrote: read once, in key order, it joins the
		 * filter; too many, and the filter switches itself off. */
		if ((rc = existing(txn, f)) != 0)
			jn_filter_free(f);
	}
	f->decided = 1;
	return rc;
}

int
jn_filter_scan(jn_txn *txn, jn_filter *f, uint8_t prefix, MDB_cursor_op next,
    int (*add)(jn_filter *, const MDB_val *, const MDB_val *))
{
	MDB_cursor *cur;
	MDB_val k = { 1, &prefix }, v;
	int rc;

	if ((rc = mdb_cursor_open(txn->mdb, txn->env->index, &cur)) != 0)
		return jn_mdb_rc(NULL, rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && f->on;
	    rc = mdb_cursor_get(cur, &k, &v, next)) {
		if (k.mv_size < 1 || ((const uint8_t *)k.mv_data)[0] != prefix)
			break;
		if ((rc = add(f, &k, &v)) != 0)
			break;
		jn_release_step(txn->env);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : jn_mdb_rc(NULL, rc);
}
