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
	unsigned format;	/* meta.format: 1 (read only) or 2 */
	MDB_dbi events;		/* seq (u64 BE) -> stored event */
	MDB_dbi index;		/* format 2: ids, streams, retractions (index.c) */
	MDB_dbi meta;		/* "format" -> u32 BE, "created" -> text */
	/* Format 1 only (specs/storage.md, section 7), read only: */
	MDB_dbi ids;		/* id (16 bytes) -> seq (u64 BE) */
	MDB_dbi streams;	/* stream -> dups of version (u32 BE) . seq (u64 BE) */
	MDB_dbi heads;		/* stream -> version u32, live-open u16, live-birth u16 */
	MDB_dbi retracted;	/* target seq (u64 BE) -> retracting seq (u64 BE) */
	unsigned flags;
	int nolock;
	unsigned long long ino;	/* of data.mdb: finds the map (jn_release_map()) */
	unsigned release_steps;	/* jn_release_step(): the writer's, under its txn */
};

/* jn_env_open() flag of the upgrade only: opens a format-1 journal for
 * writing, so that a write transaction locks other writers out. */
#define JN_OPEN_OLD 0x100

/* Builds an empty journal in the new directory PATH.WHAT-PID (named in tmp),
 * as `init` does before its rename; flags: JN_NOSYNC. */
int jn_env_beside(const char *path, const char *what, char *tmp, unsigned flags);
/* Removes a journal directory: its two files, then the directory. */
void jn_env_remove(const char *dir);

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

/* filter.c: the keys of a kind in the index, for a large write transaction
 * (those it found, those it wrote): "absent" is certain, "maybe" is looked up. */
typedef struct jn_filter {
	uint64_t *bits;
	size_t nblocks;
	uint64_t n, cap;	/* keys added, keys it is made for */
	int on;			/* built and not full */
	int decided;		/* the transaction has chosen (on or not) */
} jn_filter;
#define JN_FILTER_IDS (16u << 20)	/* new keys an ids filter is made for (16 MB) */
#define JN_FILTER_STREAMS (4u << 20)	/* a streams filter (4 MB) */
int jn_filter_start(jn_filter *f, uint64_t keys);
void jn_filter_add(jn_filter *f, uint64_t h);
int jn_filter_absent(const jn_filter *f, uint64_t h);
void jn_filter_prefetch(const jn_filter *f, uint64_t h);
void jn_filter_free(jn_filter *f);	/* keeps `decided` */
uint64_t jn_filter_id_hash(const uint8_t id[JN_ID_LEN]);
/* Called before each write-out of a kind of keys; at the first, chooses:
 * when overflow (the transaction goes on), a filter made for `keys` keys
 * into which existing() adds the keys of that kind the index holds; else
 * none.  existing()'s error is returned (the filter is then off). */
int jn_filter_decide(jn_txn *txn, jn_filter *f, uint64_t keys, int overflow,
    int (*existing)(jn_txn *, jn_filter *));
/* For existing(): walks the index's keys beginning with prefix (next:
 * MDB_NEXT for every entry, MDB_NEXT_NODUP for every key), add() puts
 * each into f (JN_ECORRUPT for one it cannot read), until f is full. */
int jn_filter_scan(jn_txn *txn, jn_filter *f, uint8_t prefix, MDB_cursor_op next,
    int (*add)(jn_filter *, const MDB_val *, const MDB_val *));

/* headcache.c: a write transaction's cache of `heads` records. */
typedef struct jn_headcache {
	struct hc_entry *slots;
	size_t cap, used;
	size_t ndirty;
	struct hc_entry *memo;	/* the last entry looked up */
	jn_filter written;	/* streams in the index (filter.c) */
} jn_headcache;

/* pending.c: `ids` entries written sorted at commit. */
typedef struct jn_pending {
	struct pd_id *ids;
	size_t ids_cap, ids_used;
	jn_filter written;	/* ids in the index (filter.c) */
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
	MDB_cursor *icur;	/* on `index`, opened at first use */
};

/* env.c: a write transaction counts the steps that read pages of the map
 * (an event stored, an index entry written: at most about 2 pages each) and
 * every JN_RELEASE_STEPS of them looks at how much of the map the process
 * holds; past JN_RELEASE_RSS it hands the map back (jn_release_map()).  A
 * fixed period was either costly (minor faults of hot pages after every
 * release) or let the pages the kernel maps around each random read (64 KB
 * a fault) pile up to hundreds of MB between two releases. */
#define JN_RELEASE_STEPS 512
#define JN_RELEASE_RSS (64ull << 20)
void jn_release_step(jn_env *env);
void jn_release_map(jn_env *env);

int jn_pd_add(jn_txn *txn, const uint8_t id[JN_ID_LEN], uint64_t seq);
int jn_pd_find_id(jn_txn *txn, const uint8_t id[JN_ID_LEN], uint64_t *seqp);
int jn_pd_flush(jn_txn *txn);
int jn_pd_absent(const jn_txn *txn, const uint8_t id[JN_ID_LEN]);	/* certainly not in the index */
void jn_pd_end(jn_pending *p);	/* jn_pd_free() and the filter: the txn ends */
extern size_t jn_pd_max;	/* ids kept before a flush (tests lower it) */
extern size_t jn_hc_max;	/* streams kept before a flush (tests lower it) */
void jn_pd_prefetch(const jn_txn *txn, const uint8_t id[JN_ID_LEN]);
void jn_pd_free(jn_pending *p);

/* Error detail helpers: set txn->err and return rc. */
int jn_fail(jn_txn *txn, int rc, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Maps an LMDB return code to ours, marking txn bad on write failures. */
int jn_mdb_rc(jn_txn *txn, int rc);

/* Big-endian integers, so that byte order of keys is numeric order.
 * Inline: an import calls them a dozen times an event (they were 4% of
 * its time as calls). */
static inline void
jn_put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t
jn_get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static inline void
jn_put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint32_t
jn_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

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

/* The live counts and version of a stream: in format 2 the last entry of
 * the stream in `index`, in format 1 its record in `heads`. */
typedef struct jn_head_rec {
	uint32_t version;
	uint16_t live_open;	/* live handbook.issued (case) or room.opened (room) */
	uint16_t live_birth;	/* live birth.registered (case) */
} jn_head_rec;
int jn_head_get(jn_txn *txn, jn_str stream, jn_head_rec *h);	/* 0 or JN_ENOTFOUND */
int jn_hc_get(jn_txn *txn, jn_str s, jn_head_rec *h);
/* Sets a stream's head after appending event seq (version h->version) to it. */
int jn_hc_put(jn_txn *txn, jn_str s, const jn_head_rec *h, uint64_t seq);
int jn_hc_flush(jn_txn *txn);
void jn_hc_prefetch(const jn_txn *txn, jn_str s);
void jn_hc_free(jn_headcache *c);	/* empties the cache, keeps the filter */
void jn_hc_end(jn_headcache *c);	/* and the filter: the txn ends */
int jn_load_head(jn_txn *txn);

/*
 * index.c: format 2's one index database, every value 16 bytes (specs/storage.md):
 *   'r' . target seq (8)  -> retracting seq (8) . 8 zero bytes
 *   's' . stream key      -> one duplicate per event: version (4) . seq (8) .
 *                            live-open (2) . live-birth (2), after that event
 *   'u' . id[0..8)        -> id[8..16) . seq (8)   (more dups if ids share 8 bytes)
 * The stream key of "case:" and a lowercase UUID is 0x01 and its 16 bytes;
 * of a name beginning with a byte below 0x02, 0x00 and the name; of any other
 * name, the name.
 */
#define JN_IX_VAL 16
#define JN_IX_KEYMAX (2 + JN_MAX_STREAM)
#define JN_IX_RETRACT 'r'
#define JN_IX_STREAM 's'
#define JN_IX_ID 'u'
/* The index key of a stream ('s' included); its length, 0 when the name is
 * empty or too long. */
size_t jn_ix_stream_key(jn_str stream, uint8_t key[JN_IX_KEYMAX]);
/* The name back from a key ('s' included) into out (JN_MAX_STREAM + 1 bytes):
 * its length, or 0 when the key is malformed. */
size_t jn_ix_stream_name(const uint8_t *key, size_t n, char *out);
void jn_ix_stream_val(uint8_t val[JN_IX_VAL], const jn_head_rec *h, uint64_t seq);
void jn_ix_head_of(const uint8_t val[JN_IX_VAL], jn_head_rec *h, uint64_t *seqp);
void jn_ix_id_entry(const uint8_t id[JN_ID_LEN], uint64_t seq, uint8_t key[9], uint8_t val[JN_IX_VAL]);
/* Reads: 0, JN_ENOTFOUND or JN_ECORRUPT. */
int jn_ix_head(jn_txn *txn, const uint8_t *key, size_t n, jn_head_rec *h);
int jn_ix_id(jn_txn *txn, const uint8_t id[JN_ID_LEN], uint64_t *seqp);
int jn_ix_retracted_by(jn_txn *txn, uint64_t seq, uint64_t *bysp);
int jn_ix_cursor(jn_txn *txn, MDB_cursor **curp);	/* the txn's own; do not close */
/* Format 1's reads, for a journal not yet upgraded. */
int jn_v1_head(jn_txn *txn, jn_str stream, jn_head_rec *h);
int jn_v1_id(jn_txn *txn, const uint8_t id[JN_ID_LEN], uint64_t *seqp);
int jn_v1_retracted_by(jn_txn *txn, uint64_t seq, uint64_t *bysp);

/* Every retraction as (target seq, retracting seq), by target, malloc'd. */
typedef struct jn_retraction {
	uint64_t target, by;
} jn_retraction;
int jn_retractions(jn_txn *txn, jn_retraction **rp, size_t *np);

/* append.c, for the upgrade: stores the stored value val (already checked
 * to chain) of event ev, decoded from it, and its index entries. */
int jn_store_copy(jn_txn *txn, const uint8_t *val, size_t n, const jn_event *ev);

/* verify.c and verify1.c share these. */
int jn_vbad(jn_verify_report *rep, uint64_t seq, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int jn_vcheck_event(jn_verify_report *rep, uint64_t want, const MDB_val *k, const MDB_val *v,
    uint8_t prev[JN_HASH_LEN], jn_event *ev);
uint64_t jn_ventries(jn_txn *txn, MDB_dbi dbi);
/* A multiset of entries as a sum (mod 2^128) of their keyed SipHash-128. */
#define JN_VSUM_KEY 16
typedef struct jn_sum128 {
	uint64_t lo, hi;
} jn_sum128;
/* Adds the keyed hash of tag . a . b (an + bn <= JN_MAX_STREAM + 16) to *s. */
void jn_vsum(const uint8_t key[JN_VSUM_KEY], jn_sum128 *s, uint8_t tag, const void *a, size_t an,
    const void *b, size_t bn);
int jn_vsum_eq(const jn_sum128 *a, const jn_sum128 *b);
int jn_verify1(jn_txn *txn, jn_verify_report *rep,
    void (*progress)(uint64_t done, uint64_t total, void *arg), void *arg);

#endif
