/*
 * verify1.c: `verify` of a journal of storage format 1, not yet upgraded
 * (specs/storage.md, section 7): the log as in format 2 (verify.c), and
 * format 1's four indexes.
 *
 * It is format 1's own verify, as it was, but for what the two share: the
 * walk of the log and the keyed sums (see verify.c for how they work).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "internal.h"

/* Pass 1: the log itself and the id index. */
static int
check_log(jn_txn *txn, jn_verify_report *rep, uint64_t *nretract,
    void (*progress)(uint64_t, uint64_t, void *), void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v, ik, iv;
	uint8_t prev[JN_HASH_LEN] = { 0 };
	uint64_t want = 1, seq, total = jn_ventries(txn, txn->env->events);
	jn_release rel = { 0, 0, 0 };
	jn_event ev;
	int rc;

	if ((rc = mdb_cursor_open(txn->mdb, txn->env->events, &cur)) != 0)
		return jn_mdb_rc(NULL, rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), want++) {
		jn_prefetch_ahead(v.mv_data);
		if ((rc = jn_vcheck_event(rep, want, &k, &v, prev, &ev)) != 0)
			break;
		seq = want;
		ik.mv_size = JN_ID_LEN, ik.mv_data = ev.id;
		if (mdb_get(txn->mdb, txn->env->ids, &ik, &iv) != 0 || iv.mv_size != 8 ||
		    jn_get_u64(iv.mv_data) != seq) {
			rc = jn_vbad(rep, seq, "ids", "the id index does not point to this event");
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
		rc = jn_vbad(rep, want, "events", "cannot read the log: %s", jn_strerror(jn_mdb_rc(NULL, rc)));
	memcpy(rep->head_hash, prev, JN_HASH_LEN);
	if (rc == 0 && jn_ventries(txn, txn->env->ids) != rep->events)
		rc = jn_vbad(rep, 0, "ids", "the id index holds %llu entries for %llu events",
		    (unsigned long long)jn_ventries(txn, txn->env->ids), (unsigned long long)rep->events);
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
				rc = jn_vbad(rep, seq, "heads", "the head record of stream '%.*s' is wrong",
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
			rc = jn_vbad(rep, 0, "streams", "a malformed entry");
			break;
		}
		version = jn_get_u32(v.mv_data);
		seq = jn_get_u64((uint8_t *)v.mv_data + 4);
		dups++;
		if (version != want.version + 1 || jn_get(txn, seq, &ev) != 0 ||
		    ev.version != version || ev.stream.n != stream.n ||
		    memcmp(ev.stream.p, stream.p, stream.n) != 0) {
			rc = jn_vbad(rep, seq, "streams", "the stream index disagrees with event %llu",
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
		rc = jn_vbad(rep, 0, "streams", "cannot read the stream index: %s",
		    jn_strerror(jn_mdb_rc(NULL, rc)));
	if (rc == 0 && dups != rep->events)
		rc = jn_vbad(rep, 0, "streams", "the stream index holds %llu entries for %llu events",
		    (unsigned long long)dups, (unsigned long long)rep->events);
	if (rc == 0 && jn_ventries(txn, txn->env->heads) != keys)
		rc = jn_vbad(rep, 0, "heads", "%llu head records for %llu streams",
		    (unsigned long long)jn_ventries(txn, txn->env->heads), (unsigned long long)keys);
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
			rc = jn_vbad(rep, 0, "retracted", "a malformed entry");
			break;
		}
		seq = jn_get_u64(k.mv_data);
		if (jn_get(txn, seq, &tgt) != 0 || jn_get(txn, jn_get_u64(v.mv_data), &ret) != 0 ||
		    ret.type_code != JN_T_EVENT_RETRACTED ||
		    jn_data_get(ret.data, ret.data_len, "target", &tv) != 0 ||
		    tv.kind != JN_V_STR || jn_uuid_parse(tv.s, id) != 0 ||
		    memcmp(id, tgt.id, JN_ID_LEN) != 0 || ret.stream.n != tgt.stream.n ||
		    memcmp(ret.stream.p, tgt.stream.p, tgt.stream.n) != 0) {
			rc = jn_vbad(rep, seq, "retracted", "the retraction index disagrees with event %llu",
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
		rc = jn_vbad(rep, seq, "retracted", "cannot read the retraction index");
	if (rc == 0 && n != nretract)
		rc = jn_vbad(rep, 0, "retracted", "%llu retraction index entries for %llu retractions",
		    (unsigned long long)n, (unsigned long long)nretract);
	return rc;
}

/* ---- the fast pass: multiset sums ---- */

typedef struct msum {
	uint8_t key[JN_VSUM_KEY];
	jn_sum128 ids, streams, live;		/* what the log implies */
	jn_sum128 ids_ix, streams_ix, live_ix;	/* what the indexes hold */
} msum;

/* Pass 1: the log in seq order: the chain, and the sums of the id, stream
 * and live-count entries it implies. */
static int
fast_log(jn_txn *txn, jn_verify_report *rep, msum *m, uint64_t *nretract,
    void (*progress)(uint64_t, uint64_t, void *), void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t prev[JN_HASH_LEN] = { 0 }, sv[12], seqb[8];
	uint64_t want = 1, seq, total = jn_ventries(txn, txn->env->events), *ret = NULL;
	size_t nret = 0, ri = 0;
	jn_release rel = { 0, 0, 0 };
	jn_event ev;
	int rc;

	if ((rc = jn_retracted(txn, 0, &ret, &nret)) != 0)
		return rc == JN_ECORRUPT ? jn_vbad(rep, 0, "retracted", "the retraction index is malformed") : rc;
	if ((rc = mdb_cursor_open(txn->mdb, txn->env->events, &cur)) != 0) {
		free(ret);
		return jn_mdb_rc(NULL, rc);
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), want++) {
		jn_prefetch_ahead(v.mv_data);
		if ((rc = jn_vcheck_event(rep, want, &k, &v, prev, &ev)) != 0)
			break;
		seq = want;
		jn_put_u64(seqb, seq);
		jn_vsum(m->key, &m->ids, 'i', ev.id, JN_ID_LEN, seqb, 8);
		if (ev.stream.n > JN_MAX_STREAM) {
			rc = jn_vbad(rep, seq, "stream", "stream name too long");
			break;
		}
		jn_put_u32(sv, ev.version);
		memcpy(sv + 4, seqb, 8);
		jn_vsum(m->key, &m->streams, 's', ev.stream.p, ev.stream.n, sv, 12);
		while (ri < nret && ret[ri] < seq)
			ri++;
		if (ri < nret && ret[ri] == seq)
			;	/* retracted: not live */
		else if (ev.type_code == JN_T_HANDBOOK_ISSUED || ev.type_code == JN_T_ROOM_OPENED)
			jn_vsum(m->key, &m->live, 'o', ev.stream.p, ev.stream.n, NULL, 0);
		else if (ev.type_code == JN_T_BIRTH_REGISTERED)
			jn_vsum(m->key, &m->live, 'b', ev.stream.p, ev.stream.n, NULL, 0);
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
		rc = jn_vbad(rep, want, "events", "cannot read the log: %s", jn_strerror(jn_mdb_rc(NULL, rc)));
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
		jn_vsum(m->key, &m->ids_ix, 'i', k.mv_data, JN_ID_LEN, v.mv_data, 8);
		n++;
		if (txn->rdonly)
			jn_release_note(&rel, k.mv_data, 24, 24);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto done;
	if (n != rep->events || !jn_vsum_eq(&m->ids, &m->ids_ix))
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
		jn_vsum(m->key, &m->streams_ix, 's', k.mv_data, k.mv_size, v.mv_data, 12);
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
			jn_vsum(m->key, &m->live_ix, 'o', k.mv_data, k.mv_size, NULL, 0);
		while (live_birth--)
			jn_vsum(m->key, &m->live_ix, 'b', k.mv_data, k.mv_size, NULL, 0);
		rh = mdb_cursor_get(ch, &hk, &hv, MDB_NEXT);
		if (txn->rdonly)
			jn_release_note(&rel, k.mv_data, k.mv_size, k.mv_size + 32);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto done;
	rc = 0;
	if (rh != MDB_NOTFOUND || n != rep->events || nstreams != jn_ventries(txn, txn->env->heads) ||
	    !jn_vsum_eq(&m->streams, &m->streams_ix) || !jn_vsum_eq(&m->live, &m->live_ix))
		differ = 1;
done:
	mdb_cursor_close(ch);
	mdb_cursor_close(cs);
	mdb_cursor_close(ci);
	if (rc != 0)
		return jn_vbad(rep, 0, "indexes", "cannot read the indexes: %s", jn_strerror(jn_mdb_rc(NULL, rc)));
	return differ;
}

int
jn_verify1(jn_txn *txn, jn_verify_report *rep,
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
		return jn_vbad(rep, 0, "indexes", "an index holds entries that the log does not explain");
	}
	return check_retracted(txn, rep, nretract);
}
