/*
 * index.c: format 2's index, one LMDB database for what format 1 kept in
 * four (`ids`, `streams`, `heads`, `retracted`).
 *
 * A durable append of format 1 wrote a path of pages in each of five trees
 * (the log and four indexes), about seventeen pages.  One tree whose keys
 * carry a one-byte prefix shares its root and upper branches between an
 * event's id entry and its stream entry, and a stream's last entry stands
 * for its head record: 12 to 17 pages (specs/storage.md, section 6).
 * Every value is 16 bytes, so the database is MDB_DUPFIXED: a stream's
 * entries are packed 16 bytes apiece under its key, stored once.
 *
 * The reads of format 1 (a journal not yet upgraded, opened read only) are
 * here too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CASE_PREFIX "case:"
#define CASE_PLEN 5
#define UUID_TEXT 36

size_t
jn_ix_stream_key(jn_str s, uint8_t key[JN_IX_KEYMAX])
{
	uint8_t id[JN_ID_LEN];

	if (s.n == 0 || s.n > JN_MAX_STREAM)
		return 0;
	key[0] = JN_IX_STREAM;
	/* A case stream, the most common by far: its UUID in 16 bytes.  Only
	 * the lowercase form, so that the key gives back the very name. */
	if (s.n == CASE_PLEN + UUID_TEXT && memcmp(s.p, CASE_PREFIX, CASE_PLEN) == 0 &&
	    jn_uuid_parse_canon((jn_str){ s.p + CASE_PLEN, UUID_TEXT }, id) == 0) {
		key[1] = 0x01;
		memcpy(key + 2, id, JN_ID_LEN);
		return 2 + JN_ID_LEN;
	}
	if ((uint8_t)s.p[0] <= 0x01) {
		key[1] = 0x00;
		memcpy(key + 2, s.p, s.n);
		return 2 + s.n;
	}
	memcpy(key + 1, s.p, s.n);
	return 1 + s.n;
}

size_t
jn_ix_stream_name(const uint8_t *key, size_t n, char *out)
{
	if (n < 2 || key[0] != JN_IX_STREAM)
		return 0;
	if (key[1] == 0x01) {
		if (n != 2 + JN_ID_LEN)
			return 0;
		memcpy(out, CASE_PREFIX, CASE_PLEN);
		jn_uuid_format(key + 2, out + CASE_PLEN);
		return CASE_PLEN + UUID_TEXT;
	}
	if (key[1] == 0x00) {
		/* Escaped only when the name needs it. */
		if (n < 3 || n - 2 > JN_MAX_STREAM || key[2] > 0x01)
			return 0;
		memcpy(out, key + 2, n - 2);
		return n - 2;
	}
	if (n - 1 > JN_MAX_STREAM)
		return 0;
	memcpy(out, key + 1, n - 1);
	/* A name that would have had the binary form is not stored as text. */
	if (n - 1 == CASE_PLEN + UUID_TEXT && memcmp(out, CASE_PREFIX, CASE_PLEN) == 0) {
		uint8_t id[JN_ID_LEN];
		if (jn_uuid_parse_canon((jn_str){ out + CASE_PLEN, UUID_TEXT }, id) == 0)
			return 0;
	}
	return n - 1;
}

void
jn_ix_stream_val(uint8_t val[JN_IX_VAL], const jn_head_rec *h, uint64_t seq)
{
	jn_put_u32(val, h->version);
	jn_put_u64(val + 4, seq);
	val[12] = (uint8_t)(h->live_open >> 8), val[13] = (uint8_t)h->live_open;
	val[14] = (uint8_t)(h->live_birth >> 8), val[15] = (uint8_t)h->live_birth;
}

void
jn_ix_head_of(const uint8_t val[JN_IX_VAL], jn_head_rec *h, uint64_t *seqp)
{
	h->version = jn_get_u32(val);
	h->live_open = (uint16_t)(val[12] << 8 | val[13]);
	h->live_birth = (uint16_t)(val[14] << 8 | val[15]);
	if (seqp)
		*seqp = jn_get_u64(val + 4);
}

void
jn_ix_id_entry(const uint8_t id[JN_ID_LEN], uint64_t seq, uint8_t key[9], uint8_t val[JN_IX_VAL])
{
	key[0] = JN_IX_ID;
	memcpy(key + 1, id, 8);
	memcpy(val, id + 8, 8);
	jn_put_u64(val + 8, seq);
}

int
jn_ix_cursor(jn_txn *txn, MDB_cursor **curp)
{
	int rc;

	if (txn->icur == NULL && (rc = mdb_cursor_open(txn->mdb, txn->env->index, &txn->icur)) != 0)
		return jn_mdb_rc(NULL, rc);
	*curp = txn->icur;
	return 0;
}

int
jn_ix_head(jn_txn *txn, const uint8_t *key, size_t n, jn_head_rec *h)
{
	MDB_cursor *cur;
	MDB_val k = { n, (void *)key }, v;
	int rc;

	if ((rc = jn_ix_cursor(txn, &cur)) != 0)
		return rc;
	/* The last duplicate of the stream's key is its head. */
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST_DUP);
	if (rc != 0)
		return jn_mdb_rc(NULL, rc);
	if (v.mv_size != JN_IX_VAL)
		return JN_ECORRUPT;
	jn_ix_head_of(v.mv_data, h, NULL);
	return 0;
}

int
jn_ix_id(jn_txn *txn, const uint8_t id[JN_ID_LEN], uint64_t *seqp)
{
	MDB_cursor *cur;
	uint8_t key[9], want[JN_IX_VAL];
	MDB_val k = { 9, key }, v = { JN_IX_VAL, want };
	int rc;

	if ((rc = jn_ix_cursor(txn, &cur)) != 0)
		return rc;
	jn_ix_id_entry(id, 0, key, want);
	/* The first duplicate at or after (rest of the id, seq 0). */
	rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE);
	if (rc != 0)
		return jn_mdb_rc(NULL, rc);
	if (v.mv_size != JN_IX_VAL)
		return JN_ECORRUPT;
	if (memcmp(v.mv_data, id + 8, 8) != 0)
		return JN_ENOTFOUND;
	*seqp = jn_get_u64((uint8_t *)v.mv_data + 8);
	return 0;
}

int
jn_ix_retracted_by(jn_txn *txn, uint64_t seq, uint64_t *bysp)
{
	uint8_t key[9];
	MDB_val k = { 9, key }, v;
	int rc;

	key[0] = JN_IX_RETRACT;
	jn_put_u64(key + 1, seq);
	if ((rc = mdb_get(txn->mdb, txn->env->index, &k, &v)) != 0)
		return jn_mdb_rc(NULL, rc);
	if (v.mv_size != JN_IX_VAL)
		return JN_ECORRUPT;
	*bysp = jn_get_u64(v.mv_data);
	return 0;
}

/* Format 1: the same questions of its own databases. */

int
jn_v1_head(jn_txn *txn, jn_str stream, jn_head_rec *h)
{
	MDB_val k = { stream.n, (void *)stream.p }, v;
	const uint8_t *p;
	int rc;

	if ((rc = mdb_get(txn->mdb, txn->env->heads, &k, &v)) != 0)
		return jn_mdb_rc(NULL, rc);
	if (v.mv_size != 8)
		return JN_ECORRUPT;
	p = v.mv_data;
	h->version = jn_get_u32(p);
	h->live_open = (uint16_t)(p[4] << 8 | p[5]);
	h->live_birth = (uint16_t)(p[6] << 8 | p[7]);
	return 0;
}

/* A u64 under an 8- or 16-byte key in dbi. */
static int
get_u64(jn_txn *txn, MDB_dbi dbi, const void *key, size_t n, uint64_t *out)
{
	MDB_val k = { n, (void *)key }, v;
	int rc;

	if ((rc = mdb_get(txn->mdb, dbi, &k, &v)) != 0)
		return jn_mdb_rc(NULL, rc);
	if (v.mv_size != 8)
		return JN_ECORRUPT;
	*out = jn_get_u64(v.mv_data);
	return 0;
}

int
jn_v1_id(jn_txn *txn, const uint8_t id[JN_ID_LEN], uint64_t *seqp)
{
	return get_u64(txn, txn->env->ids, id, JN_ID_LEN, seqp);
}

int
jn_v1_retracted_by(jn_txn *txn, uint64_t seq, uint64_t *bysp)
{
	uint8_t key[8];

	jn_put_u64(key, seq);
	return get_u64(txn, txn->env->retracted, key, 8, bysp);
}

int
jn_retractions(jn_txn *txn, jn_retraction **rp, size_t *np)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	jn_retraction *r = NULL, *nr;
	size_t n = 0, cap = 0;
	uint8_t first = JN_IX_RETRACT;
	int v1 = txn->env->format == 1, rc, op;

	*rp = NULL;
	*np = 0;
	rc = mdb_cursor_open(txn->mdb, v1 ? txn->env->retracted : txn->env->index, &cur);
	if (rc != 0)
		return jn_mdb_rc(NULL, rc);
	k.mv_size = 1, k.mv_data = &first;
	for (op = v1 ? MDB_FIRST : MDB_SET_RANGE; (rc = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		const uint8_t *key = k.mv_data;
		if (!v1 && (k.mv_size < 1 || key[0] != JN_IX_RETRACT))
			break;
		if (k.mv_size != (v1 ? 8u : 9u) || v.mv_size != (v1 ? 8u : JN_IX_VAL)) {
			rc = JN_ECORRUPT;
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((nr = realloc(r, cap * sizeof *r)) == NULL) {
				rc = ENOMEM;
				break;
			}
			r = nr;
		}
		r[n].target = jn_get_u64(key + !v1);
		r[n++].by = jn_get_u64(v.mv_data);
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		free(r);
		return rc < 0 && rc > -30900 ? jn_mdb_rc(NULL, rc) : rc;
	}
	*rp = r;
	*np = n;
	return 0;
}
