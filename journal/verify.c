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
 * entry each index holds; equal sums and counts mean equal contents.  Only
 * when the sums differ does the slower entry-by-entry walk run, to name the
 * first bad seq.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "internal.h"

static int
bad(jn_verify_report *rep, uint64_t seq, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
bad(jn_verify_report *rep, uint64_t seq, const char *what, const char *fmt, ...)
{
	va_list ap;

	rep->bad_seq = seq;
	snprintf(rep->err.field, sizeof rep->err.field, "%s", what);
	va_start(ap, fmt);
	vsnprintf(rep->err.msg, sizeof rep->err.msg, fmt, ap);
	va_end(ap);
	return JN_ECORRUPT;
}

static uint64_t
entries(jn_txn *txn, MDB_dbi dbi)
{
	MDB_stat st;
	return mdb_stat(txn->mdb, dbi, &st) == 0 ? st.ms_entries : 0;
}

/* One event of the log walk: its key is the seq `want`, the value decodes,
 * says that seq, and its hash chains from prev (which it then replaces). */
static int
check_event(jn_verify_report *rep, uint64_t want, const MDB_val *k, const MDB_val *v,
    uint8_t prev[JN_HASH_LEN], jn_event *ev)
{
	uint8_t h[JN_HASH_LEN];
	uint64_t seq;

	if (k->mv_size != 8)
		return bad(rep, want, "events", "a key that is not a seq");
	seq = jn_get_u64(k->mv_data);
	if (seq != want)
		return bad(rep, want, "seq", "event %llu is missing (the next stored is %llu)",
		    (unsigned long long)want, (unsigned long long)seq);
	if (jn_decode_stored(v->mv_data, v->mv_size, ev) != 0)
		return bad(rep, seq, "event", "stored bytes do not decode as an event");
	if (ev->seq != seq)
		return bad(rep, seq, "seq", "stored under seq %llu but says seq %llu",
		    (unsigned long long)seq, (unsigned long long)ev->seq);
	jn_hash_stored(v->mv_data, v->mv_size, prev, h);
	if (memcmp(h, ev->hash, JN_HASH_LEN) != 0)
		return bad(rep, seq, "hash", "hash does not match the event's content "
		    "(the event or an earlier one was changed)");
	memcpy(prev, h, JN_HASH_LEN);
	return 0;
}

/* Pass 1: the log itself and the id index. */
static int
check_log(jn_txn *txn, jn_verify_report *rep, uint64_t *nretract,
    void (*progress)(uint64_t, uint64_t, void *), void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v, ik, iv;
	uint8_t prev[JN_HASH_LEN] = { 0 };
	uint64_t want = 1, seq, total = entries(txn, txn->env->events);
	jn_release rel = { 0, 0, 0 };
	jn_event ev;
	int rc;

	if ((rc = mdb_cursor_open(txn->mdb, txn->env->events, &cur)) != 0)
		return jn_mdb_rc(NULL, rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), want++) {
		jn_prefetch_ahead(v.mv_data);
		if ((rc = check_event(rep, want, &k, &v, prev, &ev)) != 0)
			break;
		seq = want;
		ik.mv_size = JN_ID_LEN, ik.mv_data = ev.id;
		if (mdb_get(txn->mdb, txn->env->ids, &ik, &iv) != 0 || iv.mv_size != 8 ||
		    jn_get_u64(iv.mv_data) != seq) {
			rc = bad(rep, seq, "ids", "the id index does not point to this event");
			break;
		}
		if (ev.type_code == JN_T_EVENT_RETRACTED)
			(*nretract)++;
		if (txn->rdonly)
			jn_release_note(&rel, v.mv_data, v.mv_size, v.mv_size);
		rep->events = seq;
		if (progress && (seq & 0xffff) == 0)
			progress(seq, total, arg);
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	else if (rc != JN_ECORRUPT)
		rc = bad(rep, want, "events", "cannot read the log: %s", jn_strerror(jn_mdb_rc(NULL, rc)));
	memcpy(rep->head_hash, prev, JN_HASH_LEN);
	if (rc == 0 && entries(txn, txn->env->ids) != rep->events)
		rc = bad(rep, 0, "ids", "the id index holds %llu entries for %llu events",
		    (unsigned long long)entries(txn, txn->env->ids), (unsigned long long)rep->events);
	return rc;
}

/* Pass 2: every stream's version list and head record. */
static int
check_streams(jn_txn *txn, jn_verify_report *rep)
{
	MDB_cursor *cur;
	MDB_val k, v;
	jn_event ev;
	jn_head_rec want = { 0, 0, 0 }, got;
	jn_release rel = { 0, 0, 0 };
	jn_str stream = { NULL, 0 };
	uint64_t dups = 0, keys = 0, seq = 0, by;
	uint32_t version;
	int rc, op;

	if ((rc = mdb_cursor_open(txn->mdb, txn->env->streams, &cur)) != 0)
		return jn_mdb_rc(NULL, rc);
	for (op = MDB_FIRST;; op = MDB_NEXT) {
		rc = mdb_cursor_get(cur, &k, &v, op);
		/* A new key (or the end) closes the previous stream. */
		if (stream.p && (rc != 0 || k.mv_size != stream.n || memcmp(k.mv_data, stream.p, stream.n))) {
			if (jn_head_get(txn, stream, &got) != 0 || got.version != want.version ||
			    got.live_open != want.live_open || got.live_birth != want.live_birth) {
				rc = bad(rep, seq, "heads", "the head record of stream '%.*s' is wrong",
				    (int)stream.n, stream.p);
				break;
			}
			keys++;
			memset(&want, 0, sizeof want);
		}
		if (rc != 0)
			break;
		stream.p = k.mv_data, stream.n = k.mv_size;
		if (v.mv_size != 12) {
			rc = bad(rep, 0, "streams", "a malformed entry");
			break;
		}
		version = jn_get_u32(v.mv_data);
		seq = jn_get_u64((uint8_t *)v.mv_data + 4);
		dups++;
		if (version != want.version + 1 || jn_get(txn, seq, &ev) != 0 ||
		    ev.version != version || ev.stream.n != stream.n ||
		    memcmp(ev.stream.p, stream.p, stream.n) != 0) {
			rc = bad(rep, seq, "streams", "the stream index disagrees with event %llu",
			    (unsigned long long)seq);
			break;
		}
		want.version = version;
		/* A random read: it touches a page of its own. */
		if (txn->rdonly)
			jn_release_note(&rel, ev.data, ev.data_len, 4096);
		if (ev.type_code == JN_T_HANDBOOK_ISSUED || ev.type_code == JN_T_ROOM_OPENED ||
		    ev.type_code == JN_T_BIRTH_REGISTERED) {
			if (jn_retracted_by(txn, seq, &by) != 0) {
				if (ev.type_code == JN_T_BIRTH_REGISTERED)
					want.live_birth++;
				else
					want.live_open++;
			}
		}
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	else if (rc != JN_ECORRUPT)
		rc = bad(rep, 0, "streams", "cannot read the stream index: %s",
		    jn_strerror(jn_mdb_rc(NULL, rc)));
	if (rc == 0 && dups != rep->events)
		rc = bad(rep, 0, "streams", "the stream index holds %llu entries for %llu events",
		    (unsigned long long)dups, (unsigned long long)rep->events);
	if (rc == 0 && entries(txn, txn->env->heads) != keys)
		rc = bad(rep, 0, "heads", "%llu head records for %llu streams",
		    (unsigned long long)entries(txn, txn->env->heads), (unsigned long long)keys);
	return rc;
}

/* Pass 3: the retraction index. */
static int
check_retracted(jn_txn *txn, jn_verify_report *rep, uint64_t nretract)
{
	MDB_cursor *cur;
	MDB_val k, v;
	jn_event tgt, ret;
	jn_value tv;
	jn_release rel = { 0, 0, 0 };
	uint8_t id[JN_ID_LEN];
	uint64_t n = 0, seq = 0;
	int rc;

	if ((rc = mdb_cursor_open(txn->mdb, txn->env->retracted, &cur)) != 0)
		return jn_mdb_rc(NULL, rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		n++;
		if (k.mv_size != 8 || v.mv_size != 8) {
			rc = bad(rep, 0, "retracted", "a malformed entry");
			break;
		}
		seq = jn_get_u64(k.mv_data);
		if (jn_get(txn, seq, &tgt) != 0 || jn_get(txn, jn_get_u64(v.mv_data), &ret) != 0 ||
		    ret.type_code != JN_T_EVENT_RETRACTED ||
		    jn_data_get(ret.data, ret.data_len, "target", &tv) != 0 ||
		    tv.kind != JN_V_STR || jn_uuid_parse(tv.s, id) != 0 ||
		    memcmp(id, tgt.id, JN_ID_LEN) != 0 || ret.stream.n != tgt.stream.n ||
		    memcmp(ret.stream.p, tgt.stream.p, tgt.stream.n) != 0) {
			rc = bad(rep, seq, "retracted", "the retraction index disagrees with event %llu",
			    (unsigned long long)seq);
			break;
		}
		/* Two random reads: each touches pages of its own. */
		if (txn->rdonly)
			jn_release_note(&rel, tgt.data, tgt.data_len, 8192);
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	else if (rc != JN_ECORRUPT)
		rc = bad(rep, seq, "retracted", "cannot read the retraction index");
	if (rc == 0 && n != nretract)
		rc = bad(rep, 0, "retracted", "%llu retraction index entries for %llu retractions",
		    (unsigned long long)n, (unsigned long long)nretract);
	return rc;
}

/* ---- the fast pass: multiset sums ---- */

typedef struct sum128 {
	uint64_t lo, hi;
} sum128;

typedef struct msum {
	uint8_t key[crypto_shorthash_siphashx24_KEYBYTES];
	sum128 ids, streams, live;		/* what the log implies */
	sum128 ids_ix, streams_ix, live_ix;	/* what the indexes hold */
} msum;

/* Adds the keyed hash of tag . a . b to *s. */
static void
madd(const msum *m, sum128 *s, uint8_t tag, const void *a, size_t an, const void *b, size_t bn)
{
	uint8_t buf[1 + JN_MAX_STREAM + 16], h[16];
	uint64_t lo, hi;

	buf[0] = tag;
	memcpy(buf + 1, a, an);
	if (bn)	/* b may be NULL then */
		memcpy(buf + 1 + an, b, bn);
	crypto_shorthash_siphashx24(h, buf, 1 + an + bn, m->key);
	memcpy(&lo, h, 8);
	memcpy(&hi, h + 8, 8);
	s->lo += lo;
	s->hi += hi + (s->lo < lo);
}

static int
sum_eq(const sum128 *a, const sum128 *b)
{
	return a->lo == b->lo && a->hi == b->hi;
}

/* Pass 1: the log in seq order: the chain, and the sums of the id, stream
 * and live-count entries it implies. */
static int
fast_log(jn_txn *txn, jn_verify_report *rep, msum *m, uint64_t *nretract,
    void (*progress)(uint64_t, uint64_t, void *), void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t prev[JN_HASH_LEN] = { 0 }, sv[12], seqb[8];
	uint64_t want = 1, seq, total = entries(txn, txn->env->events), *ret = NULL;
	size_t nret = 0, ri = 0;
	jn_release rel = { 0, 0, 0 };
	jn_event ev;
	int rc;

	if ((rc = jn_retracted(txn, 0, &ret, &nret)) != 0)
		return rc == JN_ECORRUPT ? bad(rep, 0, "retracted", "the retraction index is malformed") : rc;
	if ((rc = mdb_cursor_open(txn->mdb, txn->env->events, &cur)) != 0) {
		free(ret);
		return jn_mdb_rc(NULL, rc);
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), want++) {
		jn_prefetch_ahead(v.mv_data);
		if ((rc = check_event(rep, want, &k, &v, prev, &ev)) != 0)
			break;
		seq = want;
		jn_put_u64(seqb, seq);
		madd(m, &m->ids, 'i', ev.id, JN_ID_LEN, seqb, 8);
		if (ev.stream.n > JN_MAX_STREAM) {
			rc = bad(rep, seq, "stream", "stream name too long");
			break;
		}
		jn_put_u32(sv, ev.version);
		memcpy(sv + 4, seqb, 8);
		madd(m, &m->streams, 's', ev.stream.p, ev.stream.n, sv, 12);
		while (ri < nret && ret[ri] < seq)
			ri++;
		if (ri < nret && ret[ri] == seq)
			;	/* retracted: not live */
		else if (ev.type_code == JN_T_HANDBOOK_ISSUED || ev.type_code == JN_T_ROOM_OPENED)
			madd(m, &m->live, 'o', ev.stream.p, ev.stream.n, NULL, 0);
		else if (ev.type_code == JN_T_BIRTH_REGISTERED)
			madd(m, &m->live, 'b', ev.stream.p, ev.stream.n, NULL, 0);
		if (ev.type_code == JN_T_EVENT_RETRACTED)
			(*nretract)++;
		if (txn->rdonly)
			jn_release_note(&rel, v.mv_data, v.mv_size, v.mv_size);
		rep->events = seq;
		if (progress && (seq & 0xffff) == 0)
			progress(seq, total, arg);
	}
	mdb_cursor_close(cur);
	free(ret);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	else if (rc != JN_ECORRUPT)
		rc = bad(rep, want, "events", "cannot read the log: %s", jn_strerror(jn_mdb_rc(NULL, rc)));
	memcpy(rep->head_hash, prev, JN_HASH_LEN);
	return rc;
}

/* Pass 2: the indexes in key order, summed the same way.  Returns 0 when
 * they hold exactly what the log implies, 1 when they do not (the slow walk
 * then finds where), or an error. */
static int
fast_indexes(jn_txn *txn, jn_verify_report *rep, msum *m)
{
	MDB_cursor *ci = NULL, *cs = NULL, *ch = NULL;
	MDB_val k, v, hk, hv, pk = { 0, NULL };
	jn_release rel = { 0, 0, 0 };
	size_t cnt;
	uint64_t n = 0, nstreams = 0;
	uint32_t version = 0, live_open, live_birth;
	int rc, rh, op, differ = 0;

	if ((rc = mdb_cursor_open(txn->mdb, txn->env->ids, &ci)) != 0 ||
	    (rc = mdb_cursor_open(txn->mdb, txn->env->streams, &cs)) != 0 ||
	    (rc = mdb_cursor_open(txn->mdb, txn->env->heads, &ch)) != 0)
		goto done;
	for (rc = mdb_cursor_get(ci, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(ci, &k, &v, MDB_NEXT)) {
		if (k.mv_size != JN_ID_LEN || v.mv_size != 8) {
			differ = 1;
			break;
		}
		madd(m, &m->ids_ix, 'i', k.mv_data, JN_ID_LEN, v.mv_data, 8);
		n++;
		if (txn->rdonly)
			jn_release_note(&rel, k.mv_data, 24, 24);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto done;
	if (n != rep->events || !sum_eq(&m->ids, &m->ids_ix))
		differ = 1;

	/* streams and heads share their keys: walk them side by side. */
	n = 0;
	rh = mdb_cursor_get(ch, &hk, &hv, MDB_FIRST);
	for (op = MDB_FIRST;; op = MDB_NEXT) {
		rc = mdb_cursor_get(cs, &k, &v, op);
		if (rc != 0)
			break;
		if (v.mv_size != 12) {
			differ = 1;
			break;
		}
		n++;
		madd(m, &m->streams_ix, 's', k.mv_data, k.mv_size, v.mv_data, 12);
		/* A new key starts its versions at 1; the values of one key are
		 * its versions 1, 2, 3... without a gap. */
		if (pk.mv_data == NULL || pk.mv_size != k.mv_size ||
		    memcmp(pk.mv_data, k.mv_data, k.mv_size) != 0)
			version = 0;
		pk = k;
		if (jn_get_u32(v.mv_data) != version + 1) {
			differ = 1;
			break;
		}
		version = jn_get_u32(v.mv_data);
		/* At the last duplicate of a key, compare with its head record. */
		if ((rc = mdb_cursor_count(cs, &cnt)) != 0)
			break;
		if (version != cnt)
			continue;
		nstreams++;
		if (rh != 0 || hk.mv_size != k.mv_size || memcmp(hk.mv_data, k.mv_data, k.mv_size) != 0 ||
		    hv.mv_size != 8 || jn_get_u32(hv.mv_data) != version) {
			differ = 1;
			break;
		}
		live_open = (uint32_t)((uint8_t *)hv.mv_data)[4] << 8 | ((uint8_t *)hv.mv_data)[5];
		live_birth = (uint32_t)((uint8_t *)hv.mv_data)[6] << 8 | ((uint8_t *)hv.mv_data)[7];
		while (live_open--)
			madd(m, &m->live_ix, 'o', k.mv_data, k.mv_size, NULL, 0);
		while (live_birth--)
			madd(m, &m->live_ix, 'b', k.mv_data, k.mv_size, NULL, 0);
		rh = mdb_cursor_get(ch, &hk, &hv, MDB_NEXT);
		if (txn->rdonly)
			jn_release_note(&rel, k.mv_data, k.mv_size, k.mv_size + 32);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto done;
	rc = 0;
	if (rh != MDB_NOTFOUND || n != rep->events || nstreams != entries(txn, txn->env->heads) ||
	    !sum_eq(&m->streams, &m->streams_ix) || !sum_eq(&m->live, &m->live_ix))
		differ = 1;
done:
	mdb_cursor_close(ch);
	mdb_cursor_close(cs);
	mdb_cursor_close(ci);
	if (rc != 0)
		return bad(rep, 0, "indexes", "cannot read the indexes: %s", jn_strerror(jn_mdb_rc(NULL, rc)));
	return differ;
}

int
jn_verify(jn_txn *txn, jn_verify_report *rep,
    void (*progress)(uint64_t done, uint64_t total, void *arg), void *arg)
{
	uint64_t nretract = 0;
	msum m;
	int rc;

	memset(rep, 0, sizeof *rep);
	memset(&m, 0, sizeof m);
	randombytes_buf(m.key, sizeof m.key);
	if ((rc = fast_log(txn, rep, &m, &nretract, progress, arg)) != 0)
		return rc;
	if ((rc = fast_indexes(txn, rep, &m)) < 0)
		return rc;
	if (rc == 1) {
		/* Something differs: walk entry by entry to name it. */
		uint64_t events = rep->events;
		uint8_t head[JN_HASH_LEN];
		memcpy(head, rep->head_hash, JN_HASH_LEN);
		nretract = 0;
		memset(rep, 0, sizeof *rep);
		if ((rc = check_log(txn, rep, &nretract, NULL, NULL)) != 0)
			return rc;
		if ((rc = check_streams(txn, rep)) != 0)
			return rc;
		if ((rc = check_retracted(txn, rep, nretract)) != 0)
			return rc;
		rep->events = events;
		memcpy(rep->head_hash, head, JN_HASH_LEN);
		return bad(rep, 0, "indexes", "an index holds entries that the log does not explain");
	}
	return check_retracted(txn, rep, nretract);
}
