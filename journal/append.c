/*
 * append.c: storing events and keeping the indexes in step with the log.
 *
 * Every index write happens in the same LMDB transaction as the event, so the
 * indexes can never disagree with the log; verify.c checks that they agree.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define SHOW(s) (int)((s).n > 60 ? 60 : (s).n), (s).p

int
jn_head_get(jn_txn *txn, jn_str stream, jn_head_rec *h)
{
	uint8_t key[JN_IX_KEYMAX];
	size_t n;

	if (stream.n == 0 || stream.n > JN_MAX_STREAM)
		return JN_ENOTFOUND;
	if (!txn->rdonly)
		return jn_hc_get(txn, stream, h);
	if (txn->env->format == 1)
		return jn_v1_head(txn, stream, h);
	n = jn_ix_stream_key(stream, key);
	return jn_ix_head(txn, key, n, h);
}

int
jn_load_head(jn_txn *txn)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if (txn->head_loaded)
		return 0;
	if ((rc = mdb_cursor_open(txn->mdb, txn->env->events, &cur)) != 0)
		return jn_mdb_rc(NULL, rc);
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == MDB_NOTFOUND) {
		txn->head_seq = 0;
		memset(txn->head_hash, 0, JN_HASH_LEN);
		rc = 0;
	} else if (rc == 0) {
		if (k.mv_size != 8 || v.mv_size < 2 + JN_HASH_LEN) {
			rc = JN_ECORRUPT;
		} else {
			txn->head_seq = jn_get_u64(k.mv_data);
			memcpy(txn->head_hash, (uint8_t *)v.mv_data + v.mv_size - JN_HASH_LEN, JN_HASH_LEN);
		}
	} else {
		rc = jn_mdb_rc(NULL, rc);
	}
	mdb_cursor_close(cur);
	if (rc == 0)
		txn->head_loaded = 1;
	return rc;
}

int
jn_head(jn_txn *txn, uint64_t *seqp, uint8_t hash[JN_HASH_LEN])
{
	int rc = jn_load_head(txn);
	if (rc != 0)
		return rc;
	if (seqp)
		*seqp = txn->head_seq;
	if (hash)
		memcpy(hash, txn->head_hash, JN_HASH_LEN);
	return 0;
}

int
jn_stream_version(jn_txn *txn, jn_str stream, uint32_t *versionp)
{
	jn_head_rec h;
	int rc = jn_head_get(txn, stream, &h);

	*versionp = rc == 0 ? h.version : 0;
	return rc == JN_ENOTFOUND ? 0 : rc;
}

int
jn_get(jn_txn *txn, uint64_t seq, jn_event *ev)
{
	uint8_t key[8];
	MDB_val k = { 8, key }, v;
	int rc;

	jn_put_u64(key, seq);
	if ((rc = mdb_get(txn->mdb, txn->env->events, &k, &v)) != 0)
		return jn_mdb_rc(NULL, rc);
	/* Random reads (show, audit) touch a page each: hand those back now
	 * and then too, as long scans do. */
	if (txn->rdonly)
		jn_release_note(&txn->rel, v.mv_data, v.mv_size, 4096);
	return jn_decode_stored(v.mv_data, v.mv_size, ev);
}

static int
id_lookup(jn_txn *txn, const uint8_t id[JN_ID_LEN], uint64_t *seqp)
{
	/* This transaction's own events first: their entries are pending. */
	if (!txn->rdonly && jn_pd_find_id(txn, id, seqp) == 0)
		return 0;
	if (!txn->rdonly && jn_pd_absent(txn, id))
		return JN_ENOTFOUND;
	return txn->env->format == 1 ? jn_v1_id(txn, id, seqp) : jn_ix_id(txn, id, seqp);
}

int
jn_get_id(jn_txn *txn, const uint8_t id[JN_ID_LEN], jn_event *ev)
{
	uint64_t seq;
	int rc;

	if ((rc = id_lookup(txn, id, &seq)) != 0)
		return rc;
	return jn_get(txn, seq, ev);
}

int
jn_retracted_by(jn_txn *txn, uint64_t seq, uint64_t *bysp)
{
	return txn->env->format == 1 ? jn_v1_retracted_by(txn, seq, bysp) :
	    jn_ix_retracted_by(txn, seq, bysp);
}

static void
set_recorded(jn_txn *txn)
{
	struct timespec ts;
	struct tm tm;
	long us;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != txn->rec_sec) {
		gmtime_r(&ts.tv_sec, &tm);
		strftime(txn->recorded, sizeof txn->recorded, "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
		txn->rec_sec = ts.tv_sec;
	}
	/* Only the microseconds change within a second. */
	us = ts.tv_nsec / 1000;
	for (int i = 25; i >= 20; i--, us /= 10)
		txn->recorded[i] = (char)('0' + us % 10);
}

static int
same_str(jn_str a, jn_str b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* Names the first field in which a stored event differs from ev. */
static const char *
differs(const jn_event *old, const jn_event *ev)
{
	if (!same_str(old->type, ev->type))
		return "type";
	if (!same_str(old->stream, ev->stream))
		return "stream";
	if (!same_str(old->occurred, ev->occurred))
		return "occurred";
	if (!same_str(old->actor, ev->actor))
		return "actor";
	if (old->data_len != ev->data_len || memcmp(old->data, ev->data, ev->data_len) != 0)
		return "data";
	return NULL;
}

/* Puts the stored value of ev into the log.  Keys are big-endian seqs, so
 * log order is key order and MDB_APPEND fails loudly instead of writing an
 * event out of place. */
static int
put_event(jn_txn *txn, uint64_t seq, const uint8_t *val, size_t vlen)
{
	uint8_t seqkey[8];
	MDB_val k = { 8, seqkey }, v = { vlen, (void *)val };
	int rc;

	jn_put_u64(seqkey, seq);
	if ((rc = mdb_put(txn->mdb, txn->env->events, &k, &v, MDB_APPEND)) != 0)
		return jn_mdb_rc(txn, rc);
	return 0;
}

/*
 * The index entries of ev, just stored: its id, its stream's entry (and so
 * its head h), and for a retraction whose target is tgt_seq (tgt_type its
 * type) the retraction entry.
 */
static int
index_event(jn_txn *txn, const jn_event *ev, jn_type t, jn_head_rec *h, uint64_t tgt_seq,
    jn_type tgt_type)
{
	uint8_t key[9], val[JN_IX_VAL];
	MDB_val k, v;
	int rc;

	if ((rc = jn_pd_add(txn, ev->id, ev->seq)) != 0)
		return rc;
	h->version = ev->version;
	if (t == JN_T_HANDBOOK_ISSUED || t == JN_T_ROOM_OPENED)
		h->live_open++;
	else if (t == JN_T_BIRTH_REGISTERED)
		h->live_birth++;
	else if (t == JN_T_EVENT_RETRACTED) {
		key[0] = JN_IX_RETRACT;
		jn_put_u64(key + 1, tgt_seq);
		memset(val, 0, sizeof val);
		jn_put_u64(val, ev->seq);
		k.mv_size = 9, k.mv_data = key;
		v.mv_size = JN_IX_VAL, v.mv_data = val;
		if ((rc = mdb_put(txn->mdb, txn->env->index, &k, &v, MDB_NOOVERWRITE)) != 0)
			return jn_mdb_rc(txn, rc == MDB_KEYEXIST ? JN_ECORRUPT : rc);
		if ((tgt_type == JN_T_HANDBOOK_ISSUED || tgt_type == JN_T_ROOM_OPENED) && h->live_open)
			h->live_open--;
		else if (tgt_type == JN_T_BIRTH_REGISTERED && h->live_birth)
			h->live_birth--;
	}
	if ((rc = jn_hc_put(txn, ev->stream, h, ev->seq)) != 0)
		return rc;
	jn_release_step(txn->env);
	txn->head_seq = ev->seq;
	memcpy(txn->head_hash, ev->hash, JN_HASH_LEN);
	return 0;
}

/* Writes ev (seq, version, recorded set) and its index entries. */
static int
store(jn_txn *txn, jn_event *ev, jn_type t, jn_head_rec *h, uint64_t tgt_seq, jn_type tgt_type)
{
	const uint8_t *val;
	size_t vlen;
	int rc;

	if ((rc = jn_encode_stored(&txn->enc, txn->head_hash, ev, ev->hash, &val, &vlen)) != 0)
		return rc;
	if ((rc = put_event(txn, ev->seq, val, vlen)) != 0)
		return rc;
	return index_event(txn, ev, t, h, tgt_seq, tgt_type);
}

/* For a retraction: the target's seq and type (validated before). */
static int
target_of(jn_txn *txn, const jn_event *ev, uint64_t *seqp, jn_type *typep)
{
	jn_value v;
	uint8_t id[JN_ID_LEN];
	jn_event tgt;
	int rc;

	if ((rc = jn_data_get(ev->data, ev->data_len, "target", &v)) != 0)
		return rc;
	if (v.kind != JN_V_STR || jn_uuid_parse(v.s, id) != 0)
		return JN_ECORRUPT;
	if ((rc = id_lookup(txn, id, seqp)) != 0)
		return rc;
	if ((rc = jn_get(txn, *seqp, &tgt)) != 0)
		return rc;
	*typep = tgt.type_code;
	return 0;
}

/* Checks the parts every write needs: a live write txn, a known type, a
 * well-formed data map (made canonical into e). */
static int
prepare(jn_txn *txn, const jn_event *ev, jn_event *e, jn_type *tp)
{
	static const uint8_t zero[JN_ID_LEN];
	int canon, rc;

	if (txn->rdonly)
		return JN_ERDONLY;
	if (txn->bad)
		return JN_EBADTXN;
	memset(&txn->err, 0, sizeof txn->err);
	*e = *ev;
	if (memcmp(ev->id, zero, JN_ID_LEN) == 0)
		return jn_fail(txn, JN_EINVALID, "id", "the nil UUID is not an event id");
	if (ev->type.n == 0)
		return jn_fail(txn, JN_EINVALID, "type", "missing");
	*tp = jn_type_of(ev->type);
	if (*tp == JN_T_UNKNOWN)
		return jn_fail(txn, JN_EINVALID, "type", "'%.*s' is not an event type of the catalog",
		    SHOW(ev->type));
	rc = jn_data_canon(ev->data, ev->data_len, &txn->canon, &canon, &txn->err);
	if (rc != 0)
		return rc;
	if (!canon) {
		e->data = txn->canon.p;
		e->data_len = txn->canon.n;
	}
	e->type_code = *tp;
	return jn_load_head(txn);
}

void
jn_append_prefetch(jn_txn *txn, const jn_event *ev)
{
	if (txn == NULL || txn->rdonly || txn->bad || ev == NULL)
		return;
	jn_pd_prefetch(txn, ev->id);
	if (ev->stream.n)
		jn_hc_prefetch(txn, ev->stream);
}

int
jn_append(jn_txn *txn, const jn_event *ev, uint64_t *seqp, int *storedp)
{
	jn_event e, old;
	jn_head_rec h;
	jn_type t, tgt_type = JN_T_UNKNOWN;
	uint64_t old_seq, tgt_seq = 0;
	const char *diff;
	int rc;

	if ((rc = prepare(txn, ev, &e, &t)) != 0)
		return rc;
	/* Idempotency comes first: a retry of a stored event succeeds even when
	 * the journal's state would no longer accept it as new. */
	rc = id_lookup(txn, e.id, &old_seq);
	if (rc == 0) {
		if ((rc = jn_get(txn, old_seq, &old)) != 0)
			return rc;
		if ((diff = differs(&old, &e)) != NULL) {
			char idtext[37];
			jn_uuid_format(e.id, idtext);
			return jn_fail(txn, JN_EIDCLASH, diff,
			    "event %s is stored (seq %llu) with another %s", idtext,
			    (unsigned long long)old_seq, diff);
		}
		if (seqp)
			*seqp = old_seq;
		if (storedp)
			*storedp = 0;
		return 0;
	}
	if (rc != JN_ENOTFOUND)
		return rc;
	if ((rc = jn_validate(txn, &e, t)) != 0)
		return rc;
	rc = jn_head_get(txn, e.stream, &h);
	if (rc == JN_ENOTFOUND)
		memset(&h, 0, sizeof h);
	else if (rc != 0)
		return rc;
	if (ev->expected_version != JN_ANY_VERSION && ev->expected_version != (int64_t)h.version)
		return jn_fail(txn, JN_ECONFLICT, "expected_version",
		    "stream '%.*s' is at version %u, not %lld", SHOW(e.stream), h.version,
		    (long long)ev->expected_version);
	if (t == JN_T_EVENT_RETRACTED && (rc = target_of(txn, &e, &tgt_seq, &tgt_type)) != 0)
		return rc;
	if (h.version == UINT32_MAX || txn->head_seq == UINT64_MAX)
		return jn_fail(txn, JN_EINVALID, "stream", "stream or log is full");
	e.seq = txn->head_seq + 1;
	e.version = h.version + 1;
	set_recorded(txn);
	e.recorded.p = txn->recorded;
	e.recorded.n = JN_RECORDED_LEN;
	if ((rc = store(txn, &e, t, &h, tgt_seq, tgt_type)) != 0) {
		txn->bad = 1;	/* part of the event may be written */
		return rc;
	}
	if (seqp)
		*seqp = e.seq;
	if (storedp)
		*storedp = 1;
	return 0;
}

int
jn_restore(jn_txn *txn, const jn_event *ev)
{
	jn_event e;
	jn_head_rec h;
	jn_type t, tgt_type = JN_T_UNKNOWN;
	uint64_t tgt_seq = 0, dummy;
	uint8_t want[JN_HASH_LEN];
	int rc;

	if ((rc = prepare(txn, ev, &e, &t)) != 0)
		return rc;
	if (e.seq != txn->head_seq + 1)
		return jn_fail(txn, JN_ECHAIN, "seq", "is %llu, the journal expects %llu",
		    (unsigned long long)e.seq, (unsigned long long)txn->head_seq + 1);
	if (e.recorded.n != JN_RECORDED_LEN || jn_check_text(e.recorded, JN_RECORDED_LEN) != 0)
		return jn_fail(txn, JN_EINVALID, "recorded", "not YYYY-MM-DDTHH:MM:SS.ffffffZ");
	if (e.stream.n == 0 || e.stream.n > JN_MAX_STREAM)
		return jn_fail(txn, JN_EINVALID, "stream", "missing or too long");
	if (id_lookup(txn, e.id, &dummy) == 0)
		return jn_fail(txn, JN_ECHAIN, "id", "is stored already (seq %llu)",
		    (unsigned long long)dummy);
	rc = jn_head_get(txn, e.stream, &h);
	if (rc == JN_ENOTFOUND)
		memset(&h, 0, sizeof h);
	else if (rc != 0)
		return rc;
	if (e.version != h.version + 1)
		return jn_fail(txn, JN_ECHAIN, "version", "is %u, stream '%.*s' expects %u",
		    e.version, SHOW(e.stream), h.version + 1);
	memcpy(want, ev->hash, JN_HASH_LEN);
	if (t == JN_T_EVENT_RETRACTED && (rc = target_of(txn, &e, &tgt_seq, &tgt_type)) != 0)
		return rc == JN_ENOTFOUND || rc == JN_ECORRUPT ?
		    jn_fail(txn, JN_ECHAIN, "data.target", "names no earlier event") : rc;
	{
		/* Compute the hash before writing anything, so that a bad line
		 * leaves the transaction usable for reporting further errors. */
		const uint8_t *val;
		size_t vlen;
		uint8_t got[JN_HASH_LEN];
		if ((rc = jn_encode_stored(&txn->enc, txn->head_hash, &e, got, &val, &vlen)) != 0)
			return rc;
		if (memcmp(got, want, JN_HASH_LEN) != 0)
			return jn_fail(txn, JN_ECHAIN, "hash",
			    "does not match the event's content and the previous hash");
	}
	if ((rc = store(txn, &e, t, &h, tgt_seq, tgt_type)) != 0)
		txn->bad = 1;	/* part of the event may be written */
	return rc;
}

int
jn_store_copy(jn_txn *txn, const uint8_t *val, size_t n, const jn_event *ev)
{
	jn_head_rec h;
	jn_type tgt_type = JN_T_UNKNOWN;
	uint64_t tgt_seq = 0;
	int rc;

	if ((rc = jn_load_head(txn)) != 0)
		return rc;
	if (ev->seq != txn->head_seq + 1)
		return JN_ECORRUPT;
	rc = jn_head_get(txn, ev->stream, &h);
	if (rc == JN_ENOTFOUND)
		memset(&h, 0, sizeof h);
	else if (rc != 0)
		return rc;
	if (ev->version != h.version + 1)
		return JN_ECORRUPT;
	if (ev->type_code == JN_T_EVENT_RETRACTED &&
	    (rc = target_of(txn, ev, &tgt_seq, &tgt_type)) != 0)
		return rc == JN_ENOTFOUND ? JN_ECORRUPT : rc;
	if ((rc = put_event(txn, ev->seq, val, n)) != 0 ||
	    (rc = index_event(txn, ev, ev->type_code, &h, tgt_seq, tgt_type)) != 0)
		txn->bad = 1;
	return rc;
}
