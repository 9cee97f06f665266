/*
 * verify.c: recomputes the hash chain and checks every index against the log.
 *
 * The log (the `events` database) is the truth; every other database is
 * derived from it.  So: walk the log once recomputing hashes, then check
 * that each index holds exactly what the log implies, no more and no less.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/* Pass 1: the log itself and the id index. */
static int
check_log(jn_txn *txn, jn_verify_report *rep, uint64_t *nretract,
    void (*progress)(uint64_t, uint64_t, void *), void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v, ik, iv;
	uint8_t prev[JN_HASH_LEN] = { 0 }, h[JN_HASH_LEN];
	uint64_t want = 1, seq, total = entries(txn, txn->env->events);
	jn_release rel = { 0, 0, 0 };
	jn_event ev;
	int rc;

	if ((rc = mdb_cursor_open(txn->mdb, txn->env->events, &cur)) != 0)
		return jn_mdb_rc(NULL, rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), want++) {
		if (k.mv_size != 8) {
			rc = bad(rep, want, "events", "a key that is not a seq");
			break;
		}
		seq = jn_get_u64(k.mv_data);
		if (seq != want) {
			rc = bad(rep, want, "seq", "event %llu is missing (the next stored is %llu)",
			    (unsigned long long)want, (unsigned long long)seq);
			break;
		}
		if ((rc = jn_decode_stored(v.mv_data, v.mv_size, &ev)) != 0) {
			rc = bad(rep, seq, "event", "stored bytes do not decode as an event");
			break;
		}
		if (ev.seq != seq) {
			rc = bad(rep, seq, "seq", "stored under seq %llu but says seq %llu",
			    (unsigned long long)seq, (unsigned long long)ev.seq);
			break;
		}
		jn_hash_stored(v.mv_data, v.mv_size, prev, h);
		if (memcmp(h, ev.hash, JN_HASH_LEN) != 0) {
			rc = bad(rep, seq, "hash", "hash does not match the event's content "
			    "(the event or an earlier one was changed)");
			break;
		}
		memcpy(prev, h, JN_HASH_LEN);
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

int
jn_verify(jn_txn *txn, jn_verify_report *rep,
    void (*progress)(uint64_t done, uint64_t total, void *arg), void *arg)
{
	uint64_t nretract = 0;
	int rc;

	memset(rep, 0, sizeof *rep);
	if ((rc = check_log(txn, rep, &nretract, progress, arg)) != 0)
		return rc;
	if ((rc = check_streams(txn, rep)) != 0)
		return rc;
	return check_retracted(txn, rep, nretract);
}
