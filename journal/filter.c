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
 * When the index held no key of a kind (ids, streams) before the
 * transaction wrote one, every such key in it is one the transaction wrote,
 * and each of those went through this filter: a key the filter has never
 * seen is certainly not in the index.  A key it may have seen is looked up
 * as before.  The filter is a blocked Bloom filter (one 64-byte block a
 * key, JN_FILTER_BITS of it set): a lookup costs one cache miss.
 *
 * It is decided once per transaction, at the first time the transaction
 * writes such entries out before its commit (an overflow); a small write
 * (every durable append) never builds one.  Past JN_FILTER_KEYS keys it
 * would answer "maybe" too often: it switches itself off.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define BLOCK_WORDS 8		/* 512 bits: one cache line */
#define JN_FILTER_BITS 6

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
	size_t nblocks = 1024;

	memset(f, 0, sizeof *f);
	/* 8 bits a key when full (a false "maybe" about one time in 40),
	 * fewer misses before: 10M ids in a filter made for 16M, 1 in 400. */
	while (nblocks < keys / 64 && nblocks < (1u << 31))
		nblocks *= 2;
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
	for (i = 0; i < JN_FILTER_BITS; i++, x >>= 9)
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
	for (i = 0; i < JN_FILTER_BITS; i++, x >>= 9)
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

/* Whether any key of the index begins with prefix. */
static int
none_of(jn_txn *txn, uint8_t prefix, int *nonep)
{
	MDB_cursor *cur;
	MDB_val k = { 1, &prefix }, v;
	int rc;

	if ((rc = mdb_cursor_open(txn->mdb, txn->env->index, &cur)) != 0)
		return jn_mdb_rc(NULL, rc);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND) {
		*nonep = 1;
		rc = 0;
	} else if (rc == 0) {
		*nonep = k.mv_size == 0 || ((const uint8_t *)k.mv_data)[0] != prefix;
	} else {
		rc = jn_mdb_rc(NULL, rc);
	}
	mdb_cursor_close(cur);
	return rc;
}

int
jn_filter_decide(jn_txn *txn, jn_filter *f, uint8_t prefix, uint64_t keys, int overflow)
{
	int none = 0, rc;

	if (f->decided)
		return 0;
	/* Before this first write-out the index holds only what other
	 * transactions wrote. */
	if (overflow && (rc = none_of(txn, prefix, &none)) != 0)
		return rc;
	/* Without memory for it the lookups go to the index, as before. */
	if (none)
		(void)jn_filter_start(f, keys);
	f->decided = 1;
	return 0;
}
