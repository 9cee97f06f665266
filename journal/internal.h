/*
 * internal.h: what the journal's own .c files share.  Nothing outside
 * journal/ includes this.
 */
#ifndef OYAKO_JOURNAL_INTERNAL_H
#define OYAKO_JOURNAL_INTERNAL_H

#include <lmdb.h>
#include "journal.h"

#define JN_MAX_STREAM 160	/* bytes of a stream name */
#define JN_MAX_ACTOR 128
#define JN_MAX_TEXT 2048	/* bytes of a free-text data string */
#define JN_MAX_DATA (64 * 1024)	/* bytes of one event's data map */
#define JN_MAX_ARRAY 100000	/* elements of one data array */

struct jn_env {
	MDB_env *mdb;
	MDB_dbi events;		/* seq (u64 BE) -> stored event */
	MDB_dbi ids;		/* id (16 bytes) -> seq (u64 BE) */
	MDB_dbi streams;	/* stream -> dups of version (u32 BE) . seq (u64 BE) */
	MDB_dbi heads;		/* stream -> struct head_rec (see append.c) */
	MDB_dbi retracted;	/* target seq (u64 BE) -> retracting seq (u64 BE) */
	MDB_dbi meta;		/* "format" -> u32 BE, "created" -> text */
	unsigned flags;
	int nolock;
};

/* A growable byte buffer owned by a transaction. */
typedef struct jn_buf {
	uint8_t *p;
	size_t n, cap;
} jn_buf;

int jn_buf_reserve(jn_buf *b, size_t more);
void jn_buf_free(jn_buf *b);

/* iter.c: handing back map pages that a long scan has read. */
#define JN_RELEASE_BYTES (16u << 20)
typedef struct jn_release {
	uintptr_t lo, hi;
	size_t scanned;
} jn_release;
/* Notes that p[0..n) was read, at a cost of `cost` bytes of pages touched. */
void jn_release_note(jn_release *r, const void *p, size_t n, size_t cost);

/* A scan in key order reads leaf pages that an append-only log laid out one
 * after another in the map, but the CPU's prefetcher stops at each 4 KiB
 * page, so every page begins with a stall: half of a replay's time.  Asking
 * for the part of the page two pages ahead that sits where this value sits
 * (and that page's header) hides it; a wrong guess costs nothing, since a
 * prefetch neither faults nor fails. */
/* always_inline: GCC 12 takes an outlined prefetch-only function for const
 * and drops its calls. */
static inline __attribute__((always_inline)) void
jn_prefetch_ahead(const void *p)
{
	uintptr_t a = (uintptr_t)p + 2 * 4096;
	uintptr_t page = a & ~(uintptr_t)4095;

	__builtin_prefetch((const void *)page);
	__builtin_prefetch((const void *)a);
	__builtin_prefetch((const void *)(a + 64));
	__builtin_prefetch((const void *)(a + 128));
	__builtin_prefetch((const void *)(a + 192));
}

/* headcache.c: a write transaction's cache of `heads` records. */
typedef struct jn_headcache {
	struct hc_entry *slots;
	size_t cap, used;
	size_t ndirty;
	struct hc_entry *memo;	/* the last entry looked up */
} jn_headcache;

/* pending.c: `ids` entries written sorted at commit. */
typedef struct jn_pending {
	struct pd_id *ids;
	size_t ids_cap, ids_used;
} jn_pending;

struct jn_txn {
	jn_env *env;
	MDB_txn *mdb;
	int rdonly;
	int bad;		/* a write failed: the txn must be aborted */
	int mapfull;		/* that failure was MDB_MAP_FULL: jn_write grows and retries */
	jn_errinfo err;
	int head_loaded;
	uint64_t head_seq;
	uint8_t head_hash[JN_HASH_LEN];
	int32_t today;		/* Japan date when the txn began */
	long rec_sec;		/* second of the cached `recorded` text */
	char recorded[JN_RECORDED_LEN + 1];
	jn_buf enc;		/* encoding of the event being stored */
	jn_buf canon;		/* canonical form of a caller's data map */
	jn_headcache heads;	/* write txns only */
	jn_pending pending;	/* write txns only */
	jn_release rel;		/* read txns: pages of random reads */
};

int jn_pd_add(jn_txn *txn, const uint8_t id[JN_ID_LEN], uint64_t seq);
int jn_pd_find_id(jn_txn *txn, const uint8_t id[JN_ID_LEN], uint64_t *seqp);
int jn_pd_flush(jn_txn *txn);
void jn_pd_prefetch(const jn_txn *txn, const uint8_t id[JN_ID_LEN]);
void jn_pd_free(jn_pending *p);

/* Error detail helpers: set txn->err and return rc. */
int jn_fail(jn_txn *txn, int rc, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Maps an LMDB return code to ours, marking txn bad on write failures. */
int jn_mdb_rc(jn_txn *txn, int rc);

/* Big-endian integers, so that byte order of keys is numeric order. */
void jn_put_u64(uint8_t *p, uint64_t v);
uint64_t jn_get_u64(const uint8_t *p);
void jn_put_u32(uint8_t *p, uint32_t v);
uint32_t jn_get_u32(const uint8_t *p);

/* codec.c: the stored layout (specs/storage.md). */
int jn_decode_stored(const uint8_t *p, size_t n, jn_event *ev);
/* Encodes ev (seq, id, type, stream, version, occurred, recorded, actor,
 * data) into b as [prev hash 32][0x9a][elements...], computes the hash, and
 * sets *valp / *vallenp to the stored value (0x9b . elements . bin hash) in b. */
int jn_encode_stored(jn_buf *b, const uint8_t prev[JN_HASH_LEN], const jn_event *ev,
    uint8_t hash[JN_HASH_LEN], const uint8_t **valp, size_t *vallenp);
/* Recomputes the hash of a stored value given the previous hash. */
int jn_hash_stored(const uint8_t *val, size_t n, const uint8_t prev[JN_HASH_LEN],
    uint8_t hash[JN_HASH_LEN]);
/* Checks that data is a well-formed map of catalog values (depth <= 2) and
 * whether its keys are in canonical order; with out != NULL and keys out of
 * order, writes the canonical form into out. */
int jn_data_canon(const uint8_t *data, size_t len, jn_buf *out, int *canonp, jn_errinfo *err);

/* catalog.c: checks ev against the catalog and the journal's state. */
int jn_validate(jn_txn *txn, const jn_event *ev, jn_type t);
int jn_check_text(jn_str s, size_t max);	/* valid UTF-8, no control characters */
int jn_uuid_parse_canon(jn_str s, uint8_t id[JN_ID_LEN]);	/* lowercase canonical only */

/* append.c: the per-stream record in `heads`. */
typedef struct jn_head_rec {
	uint32_t version;
	uint16_t live_open;	/* live handbook.issued (case) or room.opened (room) */
	uint16_t live_birth;	/* live birth.registered (case) */
} jn_head_rec;
int jn_head_get(jn_txn *txn, jn_str stream, jn_head_rec *h);	/* 0 or JN_ENOTFOUND */
int jn_head_read(jn_txn *txn, jn_str stream, jn_head_rec *h);	/* from LMDB, no cache */
void jn_head_encode(const jn_head_rec *h, uint8_t buf[8]);
int jn_hc_get(jn_txn *txn, jn_str s, jn_head_rec *h);
/* Sets a stream's head after appending event seq (version h->version) to it. */
int jn_hc_put(jn_txn *txn, jn_str s, const jn_head_rec *h, uint64_t seq);
int jn_hc_flush(jn_txn *txn);
void jn_hc_prefetch(const jn_txn *txn, jn_str s);
void jn_hc_free(jn_headcache *c);
int jn_load_head(jn_txn *txn);

#endif
