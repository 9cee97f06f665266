/*
 * verify.c: recomputes the hash chain and checks every index against the log.
 *
 * The log (the `events` database) is the truth; every other database is
 * derived from it.  So: walk the log once recomputing hashes, then check
 * that each index holds exactly what the log implies, no more and no less.
 *
 * Checking an index entry by entry against the log means a random read per
 * event, which at tens of millions of events is most of the time.  So the
 * first pass reads everything in key order only: it sums a keyed hash
 * (SipHash-128 under a key drawn at random for this run, so that nobody can
 * craft entries that cancel out) of every entry the log implies, and of every
 * entry the index holds; equal sums and counts mean equal contents.  Only
 * when the sums differ does the slower entry-by-entry walk run, to name the
 * first bad seq.
 *
 * Format 2 sums a 64-bit SipHash-2-4 (format 1: SipHash-128) of each entry:
 * a third less time, the same guarantee against crafted entries, and a
 * 2^-64 chance that an accident cancels out.  Stream entries are hashed
 * with the stream's name: the index decodes a key once per stream, where
 * the log would encode one per event.
 *
 * Format 2 (index.c) keeps a stream's live counts in each of its entries.
 * The log walk notes one byte per event (opens a case or room, registers a
 * birth, retracts one of those), and the index walk recomputes each entry's
 * counts from those bytes, in key order too.  Format 1 is verify1.c.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "internal.h"

int
jn_vbad(jn_verify_report *rep, uint64_t seq, const char *what, const char *fmt, ...)
{
	va_list ap;

	rep->bad_seq = seq;
	snprintf(rep->err.field, sizeof rep->err.field, "%s", what);
	va_start(ap, fmt);
	vsnprintf(rep->err.msg, sizeof rep->err.msg, fmt, ap);
	va_end(ap);
	return JN_ECORRUPT;
}

static int
bad_hash(jn_verify_report *rep, uint64_t seq)
{
	return jn_vbad(rep, seq, "hash", "hash does not match the event's content "
	    "(the event or an earlier one was changed)");
}

uint64_t
jn_ventries(jn_txn *txn, MDB_dbi dbi)
{
	MDB_stat st;
	return mdb_stat(txn->mdb, dbi, &st) == 0 ? st.ms_entries : 0;
}

/* One event of the log walk: its key is the seq `want`, the value decodes,
 * says that seq, and its hash chains from prev (which it then replaces;
 * prev NULL: the caller checks the hash). */
int
jn_vcheck_event(jn_verify_report *rep, uint64_t want, const MDB_val *k, const MDB_val *v,
    uint8_t prev[JN_HASH_LEN], jn_event *ev)
{
	uint8_t h[JN_HASH_LEN];
	uint64_t seq;

	if (k->mv_size != 8)
		return jn_vbad(rep, want, "events", "a key that is not a seq");
	seq = jn_get_u64(k->mv_data);
	if (seq != want)
		return jn_vbad(rep, want, "seq", "event %llu is missing (the next stored is %llu)",
		    (unsigned long long)want, (unsigned long long)seq);
	if (jn_decode_stored(v->mv_data, v->mv_size, ev) != 0)
		return jn_vbad(rep, seq, "event", "stored bytes do not decode as an event");
	if (ev->seq != seq)
		return jn_vbad(rep, seq, "seq", "stored under seq %llu but says seq %llu",
		    (unsigned long long)seq, (unsigned long long)ev->seq);
	if (prev == NULL)
		return 0;
	jn_hash_stored(v->mv_data, v->mv_size, prev, h);
	if (memcmp(h, ev->hash, JN_HASH_LEN) != 0)
		return bad_hash(rep, seq);
	memcpy(prev, h, JN_HASH_LEN);
	return 0;
}

void
jn_vsum(const uint8_t key[JN_VSUM_KEY], jn_sum128 *s, uint8_t tag, const void *a, size_t an,
    const void *b, size_t bn)
{
	uint8_t buf[1 + JN_MAX_STREAM + 16], h[16];
	uint64_t lo, hi;

	buf[0] = tag;
	memcpy(buf + 1, a, an);
	if (bn)	/* b may be NULL then */
		memcpy(buf + 1 + an, b, bn);
	crypto_shorthash_siphashx24(h, buf, 1 + an + bn, key);
	memcpy(&lo, h, 8);
	memcpy(&hi, h + 8, 8);
	s->lo += lo;
	s->hi += hi + (s->lo < lo);
}

int
jn_vsum_eq(const jn_sum128 *a, const jn_sum128 *b)
{
	return a->lo == b->lo && a->hi == b->hi;
}

/* What an event does to its stream's live counts (one byte per seq). */
enum { CL_OPEN = 1, CL_BIRTH = 2, CL_UNOPEN = 4, CL_UNBIRTH = 8 };

static uint8_t
class_of(jn_type t)
{
	if (t == JN_T_HANDBOOK_ISSUED || t == JN_T_ROOM_OPENED)
		return CL_OPEN;
	return t == JN_T_BIRTH_REGISTERED ? CL_BIRTH : 0;
}

/* The counts after an event of class c, as index_event() keeps them. */
static void
apply_class(jn_head_rec *h, uint8_t c)
{
	h->live_open += (c & CL_OPEN) != 0;
	h->live_birth += (c & CL_BIRTH) != 0;
	if ((c & CL_UNOPEN) && h->live_open)
		h->live_open--;
	if ((c & CL_UNBIRTH) && h->live_birth)
		h->live_birth--;
}

typedef struct vstate {
	uint8_t key[crypto_shorthash_siphash24_KEYBYTES];
	uint64_t ids, streams;		/* what the log implies */
	uint64_t ids_ix, streams_ix;	/* what the index holds */
	uint8_t *cls;			/* [seq]: CL_* of each event */
	uint64_t total;			/* events, as LMDB counts them */
	uint64_t nretract;		/* event.retracted in the log */
	jn_retraction *ret;		/* the index's retractions, by target */
	size_t nret;
} vstate;

/* Adds the keyed hash of an index entry, key k[0..kn) and value v[0..vn),
 * to *sum. */
static void
add_entry(const vstate *vs, uint64_t *sum, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn)
{
	uint8_t buf[JN_IX_KEYMAX + JN_IX_VAL], h[crypto_shorthash_siphash24_BYTES];
	uint64_t x;

	memcpy(buf, k, kn);
	memcpy(buf + kn, v, vn);
	crypto_shorthash_siphash24(h, buf, kn + vn, vs->key);
	memcpy(&x, h, sizeof x);
	*sum += x;
}

/*
 * The chain on both cores.  BLAKE2b over every stored byte is half of
 * verify's work and needs nothing but the bytes and the hash before: each
 * event's link is checked against the hash its predecessor stores, which
 * is the hash recomputed when the predecessor's own link holds.  So the
 * links are independent: the first one that fails is the first bad seq,
 * whichever thread finds it.  The log walk hands batches of CH_BATCH
 * values (pointers into the map, valid for the read transaction) through a
 * ring of CH_SLOTS to a thread that hashes them; when the ring is full the
 * walk hashes its batch itself rather than wait, so the two cores share
 * the hashing as the decoding and summing leave room.  On one core the
 * walk hashes everything.
 */
#define CH_BATCH 512
#define CH_SLOTS 8

typedef struct chain_item {
	const uint8_t *p;
	size_t n;
	const uint8_t *prev;		/* the stored hash before it (zeros for seq 1) */
} chain_item;

typedef struct chain_batch {
	uint64_t seq;			/* of its first value */
	size_t n;
	chain_item it[CH_BATCH];
} chain_batch;

typedef struct chainer {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int threaded, done;
	uint64_t made, taken, hashed;	/* batches handed over, taken, hashed */
	chain_batch slot[CH_SLOTS];
	chain_batch own;		/* the batch being filled */
	const uint8_t *last;		/* the stored hash of the last value pushed */
	uint64_t bad;			/* first seq whose link fails, 0 (under mu) */
	const uint8_t *bad_prev;	/* the stored hash before it */
} chainer;

static const uint8_t zero_hash[JN_HASH_LEN];

/* Checks the links of a batch; the first that fails is kept when it is the
 * first so far. */
static void
chain_batch_check(chainer *c, const chain_batch *b)
{
	uint8_t h[JN_HASH_LEN];
	size_t i;

	for (i = 0; i < b->n; i++) {
		const chain_item *it = &b->it[i];
		if (jn_hash_stored(it->p, it->n, it->prev, h) != 0 ||
		    memcmp(h, it->p + it->n - JN_HASH_LEN, JN_HASH_LEN) != 0)
			break;
	}
	if (i == b->n)
		return;
	if (c->threaded)
		pthread_mutex_lock(&c->mu);
	if (c->bad == 0 || b->seq + i < c->bad) {
		c->bad = b->seq + i;
		c->bad_prev = b->it[i].prev;
	}
	if (c->threaded)
		pthread_mutex_unlock(&c->mu);
}

static void *
chain_main(void *arg)
{
	chainer *c = arg;
	chain_batch *b;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (c->taken == c->made && !c->done)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->taken == c->made)
			break;
		b = &c->slot[c->taken++ % CH_SLOTS];
		pthread_mutex_unlock(&c->mu);
		chain_batch_check(c, b);
		pthread_mutex_lock(&c->mu);
		c->hashed++;
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* The cores this process may run on (taskset, a cgroup's cpuset). */
static int
cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return 1;
	return CPU_COUNT(&set);
}

static void
chain_start(chainer *c)
{
	memset(c, 0, offsetof(chainer, slot));
	c->own.n = 0;
	c->own.seq = 1;
	c->last = zero_hash;
	c->bad = 0;
	c->bad_prev = NULL;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	c->threaded = cpus() > 1 && pthread_create(&c->th, NULL, chain_main, c) == 0;
}

/* Hands the batch being filled over, or hashes it here when the ring is
 * full (a slot is free again once the thread has hashed its batch). */
static void
chain_flush(chainer *c)
{
	int here = 1;

	if (c->threaded) {
		pthread_mutex_lock(&c->mu);
		if (c->made - c->hashed < CH_SLOTS) {
			c->slot[c->made++ % CH_SLOTS] = c->own;
			pthread_cond_broadcast(&c->cv);
			here = 0;
		}
		pthread_mutex_unlock(&c->mu);
	}
	if (here)
		chain_batch_check(c, &c->own);
	c->own.seq += c->own.n;
	c->own.n = 0;
}

static void
chain_push(chainer *c, const void *p, size_t n)
{
	chain_item *it = &c->own.it[c->own.n++];

	it->p = p;
	it->n = n;
	it->prev = c->last;
	/* A value too short to hold a hash fails its own link (the walk
	 * names it first: jn_vcheck_event()). */
	c->last = n >= JN_HASH_LEN ? (const uint8_t *)p + n - JN_HASH_LEN : zero_hash;
	if (c->own.n == CH_BATCH)
		chain_flush(c);
}

/* Waits for every value handed over to be hashed. */
static void
chain_end(chainer *c)
{
	if (c->own.n)
		chain_flush(c);
	if (c->threaded) {
		pthread_mutex_lock(&c->mu);
		c->done = 1;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
		pthread_join(c->th, NULL);
	}
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
}

/* Pass 1: the log in seq order: the chain, the sums of the id and stream
 * entries it implies, the class of each event. */
static int
fast_log(jn_txn *txn, jn_verify_report *rep, vstate *vs,
    void (*progress)(uint64_t, uint64_t, void *), void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t sv[12], c, idk[1 + JN_ID_LEN];
	uint64_t want = 1, seq;
	size_t ri = 0;
	jn_release rel = { 0, 0, 0 };
	jn_event ev;
	chainer *ch;
	int rc;

	if ((ch = malloc(sizeof *ch)) == NULL)
		return ENOMEM;
	if ((rc = mdb_cursor_open(txn->mdb, txn->env->events, &cur)) != 0) {
		free(ch);
		return jn_mdb_rc(NULL, rc);
	}
	chain_start(ch);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), want++) {
		jn_prefetch_ahead(v.mv_data);
		if ((rc = jn_vcheck_event(rep, want, &k, &v, NULL, &ev)) != 0)
			break;
		chain_push(ch, v.mv_data, v.mv_size);
		seq = want;
		if (ev.stream.n == 0 || ev.stream.n > JN_MAX_STREAM) {
			rc = jn_vbad(rep, seq, "stream", "stream name empty or too long");
			break;
		}
		if (seq > vs->total) {
			rc = jn_vbad(rep, seq, "events", "more events than the log counts");
			break;
		}
		/* The id entry as the index holds it ('u' . id[0..8) -> id[8..16)
		 * . seq), the stream entry as name . version . seq. */
		idk[0] = JN_IX_ID;
		memcpy(idk + 1, ev.id, JN_ID_LEN);
		jn_put_u64(sv + 4, seq);
		add_entry(vs, &vs->ids, idk, 1 + JN_ID_LEN, sv + 4, 8);
		jn_put_u32(sv, ev.version);
		add_entry(vs, &vs->streams, (const uint8_t *)ev.stream.p, ev.stream.n, sv, 12);
		c = class_of(ev.type_code);
		vs->cls[seq] |= c;
		while (ri < vs->nret && vs->ret[ri].target < seq)
			ri++;
		/* A retraction counts against the class of its target; a
		 * wrong retraction entry is check_retracted()'s to name. */
		if (ri < vs->nret && vs->ret[ri].target == seq && vs->ret[ri].by <= vs->total)
			vs->cls[vs->ret[ri].by] |= (uint8_t)(c << 2);
		if (ev.type_code == JN_T_EVENT_RETRACTED)
			vs->nretract++;
		if (txn->rdonly)
			jn_release_note(&rel, v.mv_data, v.mv_size, v.mv_size);
		rep->events = seq;
		if (progress && (seq & 0xffff) == 0)
			progress(seq, vs->total, arg);
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	else if (rc != JN_ECORRUPT)
		rc = jn_vbad(rep, want, "events", "cannot read the log: %s", jn_strerror(jn_mdb_rc(NULL, rc)));
	chain_end(ch);
	mdb_cursor_close(cur);
	/* A wrong hash before the fault the walk found (or without one) is
	 * the first fault: the walk checks the rest of an event before it. */
	if (ch->bad && (rc == 0 || ch->bad < rep->bad_seq)) {
		rc = bad_hash(rep, ch->bad);
		rep->events = ch->bad - 1;
	}
	/* The hash of the last event whose link holds: the head's, when
	 * they all do. */
	memcpy(rep->head_hash, ch->bad ? ch->bad_prev : ch->last, JN_HASH_LEN);
	free(ch);
	return rc;
}

/* A walk of the index in key order.  fast: sums and counts only, returns
 * 1 at the first sign of a difference; slow: names the first bad seq (the
 * stream entries: reads each event; returns JN_ECORRUPT). */
static int
walk_index(jn_txn *txn, jn_verify_report *rep, vstate *vs, int fast)
{
	MDB_cursor *cur;
	MDB_val k, v, pk = { 0, NULL };
	jn_release rel = { 0, 0, 0 };
	jn_head_rec h = { 0, 0, 0 }, got;
	jn_event ev;
	char name[JN_MAX_STREAM + 1];
	size_t namelen = 0;
	uint64_t nids = 0, nstream = 0, nret = 0, seq = 0;
	const uint8_t *key, *val;
	int rc;

	if ((rc = mdb_cursor_open(txn->mdb, txn->env->index, &cur)) != 0)
		return jn_mdb_rc(NULL, rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		key = k.mv_data, val = v.mv_data;
		if (k.mv_size < 2 || k.mv_size > JN_IX_KEYMAX || v.mv_size != JN_IX_VAL)
			goto malformed;
		if (txn->rdonly)
			jn_release_note(&rel, val, JN_IX_VAL, JN_IX_VAL + 2);
		if (key[0] == JN_IX_RETRACT && k.mv_size == 9) {
			nret++;
			continue;
		}
		if (key[0] == JN_IX_ID && k.mv_size == 9) {
			add_entry(vs, &vs->ids_ix, key, 9, val, JN_IX_VAL);
			nids++;
			continue;
		}
		if (key[0] != JN_IX_STREAM)
			goto malformed;
		/* A new key starts its versions at 1, its counts at 0. */
		if (pk.mv_data == NULL || pk.mv_size != k.mv_size || memcmp(pk.mv_data, key, k.mv_size) != 0) {
			if ((namelen = jn_ix_stream_name(key, k.mv_size, name)) == 0)
				goto malformed;
			memset(&h, 0, sizeof h);
		}
		pk = k;
		jn_ix_head_of(val, &got, &seq);
		nstream++;
		add_entry(vs, &vs->streams_ix, (const uint8_t *)name, namelen, val, 12);
		apply_class(&h, seq <= vs->total ? vs->cls[seq] : 0);
		h.version++;
		if (!fast && (jn_get(txn, seq, &ev) != 0 || ev.version != got.version ||
		    ev.stream.n != namelen || memcmp(ev.stream.p, name, namelen) != 0)) {
			rc = jn_vbad(rep, seq, "index", "the entry of stream '%.*s' version %u "
			    "disagrees with event %llu", (int)namelen, name, got.version,
			    (unsigned long long)seq);
			goto done;
		}
		if (got.version != h.version || got.live_open != h.live_open ||
		    got.live_birth != h.live_birth) {
			if (fast)
				goto differ;
			rc = jn_vbad(rep, seq, "index", "the entry of stream '%.*s' version %u has "
			    "the wrong version or live counts", (int)namelen, name, got.version);
			goto done;
		}
	}
	if (rc != MDB_NOTFOUND) {
		rc = jn_vbad(rep, 0, "index", "cannot read the index: %s", jn_strerror(jn_mdb_rc(NULL, rc)));
		goto done;
	}
	rc = 0;
	if (nids != rep->events || vs->ids != vs->ids_ix) {
		if (fast)
			goto differ;
		rc = jn_vbad(rep, 0, "index", "%llu id entries for %llu events",
		    (unsigned long long)nids, (unsigned long long)rep->events);
	} else if (nstream != rep->events || vs->streams != vs->streams_ix) {
		if (fast)
			goto differ;
		rc = jn_vbad(rep, 0, "index", "%llu stream entries for %llu events",
		    (unsigned long long)nstream, (unsigned long long)rep->events);
	} else if (nret != vs->nret) {
		rc = jn_vbad(rep, 0, "index", "a malformed retraction entry");
	}
	goto done;
malformed:
	rc = jn_vbad(rep, 0, "index", "a malformed entry");
	goto done;
differ:
	rc = 1;
done:
	mdb_cursor_close(cur);
	return rc;
}

/* Every event's id entry points back to it: a random read per event. */
static int
check_ids(jn_txn *txn, jn_verify_report *rep)
{
	jn_iter *it;
	jn_event ev;
	uint64_t seq;
	int rc;

	if ((rc = jn_iter_seq(txn, 1, 0, &it)) != 0)
		return rc;
	while ((rc = jn_iter_next(it, &ev)) == 0) {
		if (jn_ix_id(txn, ev.id, &seq) != 0 || seq != ev.seq) {
			rc = jn_vbad(rep, ev.seq, "index", "the id index does not point to this event");
			break;
		}
	}
	jn_iter_close(it);
	return rc == JN_END ? 0 : rc;
}

/* The retraction entries: each from its target (same stream, id named in
 * data.target) to an event.retracted; as many as there are. */
static int
check_retracted(jn_txn *txn, jn_verify_report *rep, const vstate *vs)
{
	jn_event tgt, ret;
	jn_value tv;
	jn_release rel = { 0, 0, 0 };
	uint8_t id[JN_ID_LEN];
	size_t i;

	for (i = 0; i < vs->nret; i++) {
		uint64_t seq = vs->ret[i].target;
		if (jn_get(txn, seq, &tgt) != 0 || jn_get(txn, vs->ret[i].by, &ret) != 0 ||
		    ret.type_code != JN_T_EVENT_RETRACTED ||
		    jn_data_get(ret.data, ret.data_len, "target", &tv) != 0 ||
		    tv.kind != JN_V_STR || jn_uuid_parse(tv.s, id) != 0 ||
		    memcmp(id, tgt.id, JN_ID_LEN) != 0 || ret.stream.n != tgt.stream.n ||
		    memcmp(ret.stream.p, tgt.stream.p, tgt.stream.n) != 0)
			return jn_vbad(rep, seq, "retracted", "the retraction index disagrees with event %llu",
			    (unsigned long long)seq);
		/* Two random reads: each touches pages of its own. */
		if (txn->rdonly)
			jn_release_note(&rel, tgt.data, tgt.data_len, 8192);
	}
	if (vs->nret != vs->nretract)
		return jn_vbad(rep, 0, "retracted", "%llu retraction index entries for %llu retractions",
		    (unsigned long long)vs->nret, (unsigned long long)vs->nretract);
	return 0;
}

int
jn_verify(jn_txn *txn, jn_verify_report *rep,
    void (*progress)(uint64_t done, uint64_t total, void *arg), void *arg)
{
	vstate vs;
	int rc;

	memset(rep, 0, sizeof *rep);
	if (txn->env->format == 1)
		return jn_verify1(txn, rep, progress, arg);
	memset(&vs, 0, sizeof vs);
	randombytes_buf(vs.key, sizeof vs.key);
	vs.total = jn_ventries(txn, txn->env->events);
	if ((rc = jn_retractions(txn, &vs.ret, &vs.nret)) != 0)
		return rc == JN_ECORRUPT ? jn_vbad(rep, 0, "retracted", "the retraction index is malformed") : rc;
	if ((vs.cls = calloc(vs.total + 1, 1)) == NULL) {
		free(vs.ret);
		return ENOMEM;
	}
	if ((rc = fast_log(txn, rep, &vs, progress, arg)) != 0)
		goto done;
	if ((rc = walk_index(txn, rep, &vs, 1)) == 1) {
		/* Something differs: walk entry by entry to name it. */
		if ((rc = check_ids(txn, rep)) == 0 && (rc = walk_index(txn, rep, &vs, 0)) == 0 &&
		    (rc = check_retracted(txn, rep, &vs)) == 0)
			rc = jn_vbad(rep, 0, "index", "the index holds entries that the log does not explain");
		goto done;
	}
	if (rc == 0)
		rc = check_retracted(txn, rep, &vs);
done:
	free(vs.cls);
	free(vs.ret);
	return rc;
}
