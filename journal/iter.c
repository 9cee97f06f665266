/* iter.c: walking the log in seq order, one stream in version order, and
 * the set of retracted events. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

enum { IT_SEQ, IT_STREAM };

struct jn_iter {
	jn_txn *txn;
	MDB_cursor *cur;
	int kind;
	int started;
	uint64_t from, to;
	uint8_t key[JN_IX_KEYMAX];	/* IT_STREAM: the stream's key */
	size_t keylen;
	jn_release rel;
};

/* A scan of the whole log touches every page of the map once; left mapped,
 * those pages count in the process's memory although they will not be read
 * again.  Every JN_RELEASE_BYTES the scan hands back the pages it has read
 * (they stay in the page cache, and a page read again faults back in), so the
 * memory of a replay, an export or a verify does not grow with the log. */
void
jn_release_note(jn_release *r, const void *p, size_t n, size_t cost)
{
	uintptr_t a = (uintptr_t)p, b = a + n;
	long pg;

	if (r->scanned == 0 || a < r->lo)
		r->lo = a;
	if (b > r->hi)
		r->hi = b;
	r->scanned += cost;
	if (r->scanned < JN_RELEASE_BYTES)
		return;
	/* LMDB does not say where its map is, but the values point into it. */
	pg = sysconf(_SC_PAGESIZE);
	if (pg > 0) {
		a = r->lo & ~((uintptr_t)pg - 1);
		b = (r->hi + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
		if (b > a)
			(void)madvise((void *)a, b - a, MADV_DONTNEED);
	}
	r->scanned = 0;
	r->lo = r->hi = 0;
}

static int
iter_new(jn_txn *txn, MDB_dbi dbi, int kind, jn_iter **itp)
{
	jn_iter *it;
	int rc;

	*itp = NULL;
	if ((it = calloc(1, sizeof *it)) == NULL)
		return ENOMEM;
	if ((rc = mdb_cursor_open(txn->mdb, dbi, &it->cur)) != 0) {
		free(it);
		return jn_mdb_rc(NULL, rc);
	}
	it->txn = txn;
	it->kind = kind;
	*itp = it;
	return 0;
}

int
jn_iter_seq(jn_txn *txn, uint64_t from, uint64_t to, jn_iter **itp)
{
	int rc = iter_new(txn, txn->env->events, IT_SEQ, itp);

	if (rc == 0) {
		(*itp)->from = from ? from : 1;
		(*itp)->to = to ? to : UINT64_MAX;
	}
	return rc;
}

int
jn_iter_stream(jn_txn *txn, jn_str stream, jn_iter **itp)
{
	jn_head_rec h;
	int rc, v1 = txn->env->format == 1;

	*itp = NULL;
	if ((rc = jn_head_get(txn, stream, &h)) != 0)
		return rc;
	/* In a write transaction the stream's newest entries may be pending. */
	if (!txn->rdonly && (rc = jn_hc_flush(txn)) != 0)
		return rc;
	if ((rc = iter_new(txn, v1 ? txn->env->streams : txn->env->index, IT_STREAM, itp)) != 0)
		return rc;
	if (v1) {
		memcpy((*itp)->key, stream.p, stream.n);
		(*itp)->keylen = stream.n;
	} else {
		(*itp)->keylen = jn_ix_stream_key(stream, (*itp)->key);
	}
	return 0;
}

int
jn_iter_next(jn_iter *it, jn_event *ev)
{
	uint8_t key[8];
	MDB_val k, v;
	int rc;

	if (it->kind == IT_SEQ) {
		if (!it->started) {
			jn_put_u64(key, it->from);
			k.mv_size = 8, k.mv_data = key;
			rc = mdb_cursor_get(it->cur, &k, &v, MDB_SET_RANGE);
			it->started = 1;
		} else {
			rc = mdb_cursor_get(it->cur, &k, &v, MDB_NEXT);
		}
		if (rc == MDB_NOTFOUND)
			return JN_END;
		if (rc != 0)
			return jn_mdb_rc(NULL, rc);
		if (k.mv_size != 8)
			return JN_ECORRUPT;
		if (jn_get_u64(k.mv_data) > it->to)
			return JN_END;
		/* Only a read-only map: a write txn's own pages are not in it. */
		if (it->txn->rdonly)
			jn_release_note(&it->rel, v.mv_data, v.mv_size, v.mv_size);
		jn_prefetch_ahead(v.mv_data);
		return jn_decode_stored(v.mv_data, v.mv_size, ev);
	}
	if (!it->started) {
		k.mv_size = it->keylen, k.mv_data = it->key;
		rc = mdb_cursor_get(it->cur, &k, &v, MDB_SET_KEY);
		it->started = 1;
	} else {
		rc = mdb_cursor_get(it->cur, &k, &v, MDB_NEXT_DUP);
	}
	if (rc == MDB_NOTFOUND)
		return JN_END;
	if (rc != 0)
		return jn_mdb_rc(NULL, rc);
	/* version . seq, and in format 2 the live counts after it */
	if (v.mv_size != (it->txn->env->format == 1 ? 12u : JN_IX_VAL))
		return JN_ECORRUPT;
	rc = jn_get(it->txn, jn_get_u64((uint8_t *)v.mv_data + 4), ev);
	return rc == JN_ENOTFOUND ? JN_ECORRUPT : rc;
}

void
jn_iter_close(jn_iter *it)
{
	if (it == NULL)
		return;
	mdb_cursor_close(it->cur);
	free(it);
}

int
jn_retracted(jn_txn *txn, uint64_t upto, uint64_t **seqsp, size_t *np)
{
	jn_retraction *r;
	uint64_t *seqs;
	size_t n, i, m = 0;
	int rc;

	*seqsp = NULL;
	*np = 0;
	if ((rc = jn_retractions(txn, &r, &n)) != 0)
		return rc;
	if ((seqs = malloc((n ? n : 1) * sizeof *seqs)) == NULL) {
		free(r);
		return ENOMEM;
	}
	for (i = 0; i < n; i++)
		if (upto == 0 || r[i].by <= upto)
			seqs[m++] = r[i].target;
	free(r);
	*seqsp = seqs;
	*np = m;
	return 0;
}
