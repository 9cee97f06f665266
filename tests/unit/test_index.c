/* test_index.c: format 2's index (journal/index.c): its key encodings, ids
 * that share their first 8 bytes, and verify catching a damaged entry. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "jsonl.h"

#define CASE1 "11111111-1111-4111-8111-111111111111"

static char dir[256];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "%s/oyako-index.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	strcat(dir, "/j");
	setenv("OYAKO_TODAY", "2026-01-15", 1);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	(void)state;
	*strrchr(dir, '/') = '\0';
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* The key of name, and the name back from it. */
static size_t
roundtrip(const char *name, size_t n, uint8_t key[JN_IX_KEYMAX])
{
	char back[JN_MAX_STREAM + 1];
	size_t kn = jn_ix_stream_key((jn_str){ name, n }, key), bn;

	if (kn == 0)
		return 0;
	assert_int_equal(key[0], 's');
	bn = jn_ix_stream_name(key, kn, back);
	assert_int_equal(bn, n);
	assert_memory_equal(back, name, n);
	return kn;
}

static void
test_stream_keys(void **state)
{
	uint8_t key[JN_IX_KEYMAX];
	char longname[JN_MAX_STREAM + 2], out[JN_MAX_STREAM + 1];
	static const uint8_t id1[16] = { 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x41, 0x11,
		0x81, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11 };

	(void)state;
	/* A case stream: 's', 0x01, the UUID's 16 bytes. */
	assert_int_equal(roundtrip("case:" CASE1, 41, key), 18);
	assert_int_equal(key[1], 0x01);
	assert_memory_equal(key + 2, id1, 16);
	/* Uppercase (only restore can store it) stays text, as does a near miss. */
	assert_int_equal(roundtrip("case:11111111-1111-4111-8111-11111111111A", 41, key), 42);
	assert_int_equal(roundtrip("case:11111111-1111-4111-8111-1111111111", 39, key), 40);
	assert_int_equal(roundtrip("case:11111111x1111-4111-8111-111111111111", 41, key), 42);
	/* Other names as they are; low first bytes escaped. */
	assert_int_equal(roundtrip("room:kokinu", 11, key), 12);
	assert_memory_equal(key + 1, "room:kokinu", 11);
	assert_int_equal(roundtrip("\x01" "abc", 4, key), 6);
	assert_int_equal(key[1], 0x00);
	assert_int_equal(roundtrip("\0" "x", 2, key), 4);
	memset(longname, 'a', sizeof longname);
	assert_int_equal(roundtrip(longname, JN_MAX_STREAM, key), 1 + JN_MAX_STREAM);
	assert_int_equal(jn_ix_stream_key((jn_str){ longname, JN_MAX_STREAM + 1 }, key), 0);
	assert_int_equal(jn_ix_stream_key((jn_str){ "", 0 }, key), 0);
	/* Keys no name gives are malformed. */
	assert_int_equal(jn_ix_stream_name((const uint8_t *)"sx", 1, out), 0);
	assert_int_equal(jn_ix_stream_name((const uint8_t *)"u1234567", 8, out), 0);
	assert_int_equal(jn_ix_stream_name((const uint8_t *)"s\0a", 3, out), 0);	/* needless escape */
	assert_int_equal(jn_ix_stream_name((const uint8_t *)"s\1abc", 5, out), 0);	/* short UUID */
	assert_int_equal(jn_ix_stream_name((const uint8_t *)"scase:" CASE1, 42, out), 0);
}

static void
test_values(void **state)
{
	uint8_t key[9], val[JN_IX_VAL];
	static const uint8_t id[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	static const uint8_t wantk[9] = { 'u', 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t wantv[16] = { 9, 10, 11, 12, 13, 14, 15, 16, 0, 0, 0, 0, 0, 1, 2, 3 };
	static const uint8_t wants[16] = { 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 0, 2 };
	jn_head_rec h = { 7, 1, 2 }, back;
	uint64_t seq;

	(void)state;
	jn_ix_id_entry(id, 0x010203, key, val);
	assert_memory_equal(key, wantk, 9);
	assert_memory_equal(val, wantv, 16);
	jn_ix_stream_val(val, &h, 9);
	assert_memory_equal(val, wants, 16);
	jn_ix_head_of(val, &back, &seq);
	assert_int_equal(back.version, 7);
	assert_int_equal(back.live_open, 1);
	assert_int_equal(back.live_birth, 2);
	assert_int_equal(seq, 9);
}

static int
add(jn_env *env, const char *json, uint64_t *seqp, int *storedp)
{
	jl_event e = { 0 };
	jn_errinfo err;
	int rc = jl_decode(json, strlen(json), 0, &e, &err);

	if (rc == 0)
		rc = jn_append1(env, &e.ev, seqp, storedp, &err);
	jl_event_free(&e);
	return rc;
}

#define OPENED "{\"id\":\"aaaaaaaa-0000-4000-8000-%012d\",\"type\":\"room.opened\",\"stream\":\"room:r%d\"," \
	"\"occurred\":\"2025-03-01\",\"actor\":\"t\",\"data\":{\"name\":\"r\"}}"

/* Ids sharing their first 8 bytes share one key of the index: each is
 * found, a retry of each is idempotent, and the journal verifies. */
static void
test_ids_sharing_a_prefix(void **state)
{
	jn_env *env;
	jn_txn *txn;
	jn_event ev;
	jn_verify_report rep;
	char line[400];
	uint8_t id[16];
	uint64_t seq;
	int i, stored;

	(void)state;
	assert_int_equal(jn_env_open(dir, JN_CREATE | JN_NOSYNC, &env), 0);
	for (i = 1; i <= 3; i++) {
		snprintf(line, sizeof line, OPENED, i, i);
		assert_int_equal(add(env, line, &seq, &stored), 0);
		assert_int_equal(seq, (uint64_t)i);
	}
	for (i = 3; i >= 1; i--) {
		snprintf(line, sizeof line, OPENED, i, i);
		assert_int_equal(add(env, line, &seq, &stored), 0);
		assert_int_equal(seq, (uint64_t)i);
		assert_int_equal(stored, 0);
	}
	assert_int_equal(jn_txn_begin(env, JN_TXN_RDONLY, &txn), 0);
	assert_int_equal(jn_uuid_parse(JN_STR("aaaaaaaa-0000-4000-8000-000000000002"), id), 0);
	assert_int_equal(jn_get_id(txn, id, &ev), 0);
	assert_int_equal(ev.seq, 2);
	id[15] = 9;
	assert_int_equal(jn_get_id(txn, id, &ev), JN_ENOTFOUND);
	assert_int_equal(jn_verify(txn, &rep, NULL, NULL), 0);
	assert_int_equal(rep.events, 3);
	jn_txn_abort(txn);
	jn_env_close(env);
}

/* The filter alone: no key added is ever "absent", and few others are
 * "maybe". */
static void
test_filter(void **state)
{
	jn_filter f;
	uint64_t i, fp = 0;

	(void)state;
	assert_int_equal(jn_filter_start(&f, 1000), 0);
	assert_true(jn_filter_absent(&f, 12345));
	for (i = 0; i < 1000; i++)
		jn_filter_add(&f, i * 0x9E3779B97F4A7C15ull);
	for (i = 0; i < 1000; i++)
		assert_false(jn_filter_absent(&f, i * 0x9E3779B97F4A7C15ull));
	for (i = 1000; i < 101000; i++)
		fp += !jn_filter_absent(&f, i * 0x9E3779B97F4A7C15ull);
	assert_true(fp < 5000);	/* 8 bits a key: about 2% */
	/* Full: it stops answering "absent" rather than answer wrongly. */
	for (i = 1000; i < 1100; i++)
		jn_filter_add(&f, i * 0x9E3779B97F4A7C15ull);
	assert_false(f.on);
	assert_false(jn_filter_absent(&f, 7));
	jn_filter_free(&f);
}

#define BIG_N 600
#define BIG_ROOM "{\"id\":\"bbbbbbbb-0000-4000-8000-%012d\",\"type\":\"room.opened\"," \
	"\"stream\":\"room:r%d\",\"occurred\":\"2025-03-01\",\"actor\":\"t\",\"data\":{\"name\":\"r\"}}"
#define BIG_FIRST "{\"id\":\"dddddddd-0000-4000-8000-000000000001\",\"type\":\"room.opened\"," \
	"\"stream\":\"room:first\",\"occurred\":\"2025-03-01\",\"actor\":\"t\",\"data\":{\"name\":\"r\"}}"
#define BIG_FIRST_CLOSE "{\"id\":\"dddddddd-0000-4000-8000-000000000002\",\"type\":\"room.closed\"," \
	"\"stream\":\"room:first\",\"occurred\":\"2025-03-02\",\"actor\":\"t\",\"data\":{}}"
#define BIG_CLOSE "{\"id\":\"cccccccc-0000-4000-8000-%012d\",\"type\":\"room.closed\"," \
	"\"stream\":\"room:r%d\",\"occurred\":\"2025-03-02\",\"actor\":\"t\",\"data\":{}}"

struct big {
	const char *before;	/* an event stored before the transaction, or NULL */
	int checked;
};

static int
append_line(jn_txn *txn, const char *json, int64_t expect, uint64_t *seqp, int *storedp)
{
	jl_event e = { 0 };
	jn_errinfo err;
	int rc = jl_decode(json, strlen(json), 0, &e, &err);

	if (rc == 0) {
		e.ev.expected_version = expect;
		rc = jn_append(txn, &e.ev, seqp, storedp);
	}
	jl_event_free(&e);
	return rc;
}

/* One transaction far past the limits of the pending ids and the head
 * cache (lowered): ids and streams written out early are still found. */
static int
big_txn(jn_txn *txn, void *arg)
{
	struct big *b = arg;
	char line[400];
	uint64_t seq;
	int i, stored;

	for (i = 1; i <= BIG_N; i++) {
		snprintf(line, sizeof line, BIG_ROOM, i, i);
		assert_int_equal(append_line(txn, line, JN_ANY_VERSION, &seq, &stored), 0);
		assert_int_equal(stored, 1);
	}
	assert_true(txn->pending.written.on);
	assert_true(txn->heads.written.on);
	/* A retry of an early event: found among the ids written out. */
	snprintf(line, sizeof line, BIG_ROOM, 3, 3);
	assert_int_equal(append_line(txn, line, JN_ANY_VERSION, &seq, &stored), 0);
	assert_int_equal(stored, 0);
	assert_int_equal(seq, 3 + (b->before ? 1 : 0));
	if (b->before) {
		/* One stored before: its id and its stream were read into
		 * the filters, and are found. */
		assert_int_equal(append_line(txn, b->before, JN_ANY_VERSION, &seq, &stored), 0);
		assert_int_equal(stored, 0);
		assert_int_equal(seq, 1);
		assert_int_equal(append_line(txn, BIG_FIRST_CLOSE, 0, &seq, &stored), JN_ECONFLICT);
		assert_int_equal(append_line(txn, BIG_FIRST_CLOSE, 1, &seq, &stored), 0);
		assert_int_equal(stored, 1);
	}
	/* Early streams: their heads are found, not taken for new ones. */
	snprintf(line, sizeof line, BIG_CLOSE, 5, 5);
	assert_int_equal(append_line(txn, line, 0, &seq, &stored), JN_ECONFLICT);
	assert_int_equal(append_line(txn, line, 1, &seq, &stored), 0);
	assert_int_equal(stored, 1);
	b->checked = 1;
	return 0;
}

static void
test_filter_large_txn(void **state)
{
	size_t pd = jn_pd_max, hc = jn_hc_max;
	struct big b = { NULL, 0 };
	jn_env *env;
	jn_txn *txn;
	jn_verify_report rep;
	uint64_t seq;
	uint32_t version;
	int stored;

	(void)state;
	jn_pd_max = 50;
	jn_hc_max = 40;
	/* A new journal: the filters are built. */
	assert_int_equal(jn_env_open(dir, JN_CREATE | JN_NOSYNC, &env), 0);
	assert_int_equal(jn_write(env, big_txn, &b), 0);
	assert_true(b.checked);
	assert_int_equal(jn_txn_begin(env, JN_TXN_RDONLY, &txn), 0);
	assert_int_equal(jn_verify(txn, &rep, NULL, NULL), 0);
	assert_int_equal(rep.events, BIG_N + 1);
	assert_int_equal(jn_stream_version(txn, JN_STR("room:r5"), &version), 0);
	assert_int_equal(version, 2);
	jn_txn_abort(txn);
	jn_env_close(env);

	/* A journal that holds an event: the filters start from what the
	 * index holds; the same answers, and that event is found too. */
	teardown(NULL);
	setup(NULL);
	assert_int_equal(jn_env_open(dir, JN_CREATE | JN_NOSYNC, &env), 0);
	assert_int_equal(add(env, BIG_FIRST, &seq, &stored), 0);
	b.before = BIG_FIRST;
	b.checked = 0;
	assert_int_equal(jn_write(env, big_txn, &b), 0);
	assert_true(b.checked);
	assert_int_equal(jn_txn_begin(env, JN_TXN_RDONLY, &txn), 0);
	assert_int_equal(jn_verify(txn, &rep, NULL, NULL), 0);
	assert_int_equal(rep.events, BIG_N + 3);
	assert_int_equal(jn_stream_version(txn, JN_STR("room:first"), &version), 0);
	assert_int_equal(version, 2);
	jn_txn_abort(txn);
	jn_env_close(env);
	jn_pd_max = pd;
	jn_hc_max = hc;
}

/* A write transaction on database name of the journal, straight through
 * LMDB: the library's checks are what the tests below go around. */
static MDB_txn *
raw_begin(const char *name, MDB_dbi *dbi)
{
	MDB_env *mdb;
	MDB_txn *t;

	assert_int_equal(mdb_env_create(&mdb), 0);
	assert_int_equal(mdb_env_set_maxdbs(mdb, 8), 0);
	assert_int_equal(mdb_env_open(mdb, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(mdb, NULL, 0, &t), 0);
	assert_int_equal(mdb_dbi_open(t, name, 0, dbi), 0);
	return t;
}

static void
raw_commit(MDB_txn *t)
{
	MDB_env *mdb = mdb_txn_env(t);

	assert_int_equal(mdb_txn_commit(t), 0);
	mdb_env_close(mdb);
}

/* Changes the last entry of stream (its head) behind the library's back. */
static void
poke_head(const char *stream, size_t at, uint8_t byte)
{
	MDB_txn *t;
	MDB_dbi dbi;
	MDB_cursor *cur;
	uint8_t key[JN_IX_KEYMAX], val[JN_IX_VAL];
	MDB_val k, v;

	k.mv_size = jn_ix_stream_key(jn_str_c(stream), key);
	k.mv_data = key;
	t = raw_begin("index", &dbi);
	assert_int_equal(mdb_cursor_open(t, dbi, &cur), 0);
	assert_int_equal(mdb_cursor_get(cur, &k, &v, MDB_SET_KEY), 0);
	assert_int_equal(mdb_cursor_get(cur, &k, &v, MDB_LAST_DUP), 0);
	memcpy(val, v.mv_data, JN_IX_VAL);
	val[at] = byte;
	assert_int_equal(mdb_cursor_del(cur, 0), 0);
	k.mv_size = jn_ix_stream_key(jn_str_c(stream), key);
	k.mv_data = key;
	v.mv_size = JN_IX_VAL, v.mv_data = val;
	assert_int_equal(mdb_put(t, dbi, &k, &v, 0), 0);
	mdb_cursor_close(cur);
	raw_commit(t);
}

static void
verify_fails(uint64_t seq, const char *what)
{
	jn_env *env;
	jn_txn *txn;
	jn_verify_report rep;

	assert_int_equal(jn_env_open(dir, JN_RDONLY, &env), 0);
	assert_int_equal(jn_txn_begin(env, JN_TXN_RDONLY, &txn), 0);
	assert_int_equal(jn_verify(txn, &rep, NULL, NULL), JN_ECORRUPT);
	assert_int_equal(rep.bad_seq, seq);
	assert_non_null(strstr(rep.err.msg, what));
	jn_txn_abort(txn);
	jn_env_close(env);
}

/* A case's live-open count, and its version, changed in its head entry:
 * verify names the event; the writer reads the head from that entry. */
static void
test_verify_damaged_head(void **state)
{
	jn_env *env;
	uint64_t seq;

	(void)state;
	assert_int_equal(jn_env_open(dir, JN_CREATE | JN_NOSYNC, &env), 0);
	assert_int_equal(add(env, "{\"type\":\"handbook.issued\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-04-03\",\"actor\":\"n\",\"data\":{\"district\":\"d\",\"due_date\":\"2025-11-01\",\"support_needed\":false}}", &seq, NULL), 0);
	assert_int_equal(add(env, "{\"type\":\"support.flagged\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-04-04\",\"actor\":\"n\",\"data\":{\"reason\":\"r\"}}", &seq, NULL), 0);
	assert_int_equal(seq, 2);
	jn_env_close(env);
	poke_head("case:" CASE1, 13, 0);	/* live-open 1 -> 0 */
	verify_fails(2, "live counts");
	/* The writer believes the index: the case is not opened now. */
	assert_int_equal(jn_env_open(dir, JN_NOSYNC, &env), 0);
	assert_int_equal(add(env, "{\"type\":\"support.cleared\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-04-05\",\"actor\":\"n\",\"data\":{}}", &seq, NULL), JN_EINVALID);
	jn_env_close(env);
	poke_head("case:" CASE1, 13, 1);
	poke_head("case:" CASE1, 3, 5);		/* version 2 -> 5 */
	verify_fails(2, "version");
}

/* Flips a byte of the stored value of seq (at from its end) behind the
 * library's back. */
static void
poke_event(uint64_t seq, size_t from_end)
{
	MDB_txn *t;
	MDB_dbi dbi;
	uint8_t key[8], *val;
	MDB_val k = { 8, key }, v;

	jn_put_u64(key, seq);
	t = raw_begin("events", &dbi);
	assert_int_equal(mdb_get(t, dbi, &k, &v), 0);
	assert_non_null(val = malloc(v.mv_size));
	memcpy(val, v.mv_data, v.mv_size);
	val[v.mv_size - from_end] ^= 0x01;
	v.mv_data = val;
	assert_int_equal(mdb_put(t, dbi, &k, &v, 0), 0);
	free(val);
	raw_commit(t);
}

#define CHAIN_N 20000

static int
chain_txn(jn_txn *txn, void *arg)
{
	char line[400];
	int i;

	(void)arg;
	for (i = 1; i <= CHAIN_N; i++) {
		snprintf(line, sizeof line, BIG_ROOM, i, i);
		assert_int_equal(append_line(txn, line, JN_ANY_VERSION, NULL, NULL), 0);
	}
	return 0;
}

/* The chain is checked on two cores, in batches that either may take: a
 * broken link far into the log is found, and of two the first is named,
 * with the hash of the last event before it. */
static void
test_verify_chain_two_cores(void **state)
{
	jn_env *env;
	jn_txn *txn;
	jn_event ev;
	jn_verify_report rep;
	uint8_t before[JN_HASH_LEN], head[JN_HASH_LEN];

	(void)state;
	assert_int_equal(jn_env_open(dir, JN_CREATE | JN_NOSYNC, &env), 0);
	assert_int_equal(jn_write(env, chain_txn, NULL), 0);
	assert_int_equal(jn_txn_begin(env, JN_TXN_RDONLY, &txn), 0);
	assert_int_equal(jn_verify(txn, &rep, NULL, NULL), 0);
	assert_int_equal(rep.events, CHAIN_N);
	assert_int_equal(jn_head(txn, NULL, head), 0);
	assert_memory_equal(rep.head_hash, head, JN_HASH_LEN);
	assert_int_equal(jn_get(txn, 9000 - 1, &ev), 0);
	memcpy(before, ev.hash, JN_HASH_LEN);
	jn_txn_abort(txn);
	jn_env_close(env);

	poke_event(17000, 1);			/* a stored hash */
	verify_fails(17000, "hash");
	poke_event(9000, JN_HASH_LEN + 3);	/* the last byte of the body */
	verify_fails(9000, "hash");
	assert_int_equal(jn_env_open(dir, JN_RDONLY, &env), 0);
	assert_int_equal(jn_txn_begin(env, JN_TXN_RDONLY, &txn), 0);
	assert_int_equal(jn_verify(txn, &rep, NULL, NULL), JN_ECORRUPT);
	assert_int_equal(rep.bad_seq, 9000);
	assert_int_equal(rep.events, 9000 - 1);
	assert_memory_equal(rep.head_hash, before, JN_HASH_LEN);
	jn_txn_abort(txn);
	jn_env_close(env);
}

/* Appends BIG_N new rooms, stopping at the first failure. */
static int
rooms_txn(jn_txn *txn, void *arg)
{
	char line[400];
	int i, rc = 0;

	(void)arg;
	for (i = 1; i <= BIG_N && rc == 0; i++) {
		snprintf(line, sizeof line, BIG_ROOM, i, i);
		rc = append_line(txn, line, JN_ANY_VERSION, NULL, NULL);
	}
	return rc;
}

/* A key of the index the filter cannot read, met when a large transaction
 * reads the index into its filter: the transaction fails as corrupt and
 * stores nothing. */
static void
filter_reads_bad_key(const uint8_t *badkey, size_t n, size_t pd, size_t hc)
{
	size_t pd0 = jn_pd_max, hc0 = jn_hc_max;
	static const uint8_t val[JN_IX_VAL] = { 0 };
	MDB_val k = { n, (void *)badkey }, v = { JN_IX_VAL, (void *)val };
	jn_env *env;
	jn_txn *txn;
	MDB_txn *t;
	MDB_dbi dbi;
	uint64_t head;

	assert_int_equal(jn_env_open(dir, JN_CREATE | JN_NOSYNC, &env), 0);
	assert_int_equal(add(env, BIG_FIRST, NULL, NULL), 0);
	jn_env_close(env);
	t = raw_begin("index", &dbi);
	assert_int_equal(mdb_put(t, dbi, &k, &v, 0), 0);
	raw_commit(t);

	jn_pd_max = pd;
	jn_hc_max = hc;
	assert_int_equal(jn_env_open(dir, JN_NOSYNC, &env), 0);
	assert_int_equal(jn_write(env, rooms_txn, NULL), JN_ECORRUPT);
	assert_int_equal(jn_txn_begin(env, JN_TXN_RDONLY, &txn), 0);
	assert_int_equal(jn_head(txn, &head, NULL), 0);
	assert_int_equal(head, 1);
	jn_txn_abort(txn);
	jn_env_close(env);
	jn_pd_max = pd0;
	jn_hc_max = hc0;
}

static void
test_filter_bad_id_key(void **state)
{
	static const uint8_t key[4] = { 'u', 1, 2, 3 };	/* an id key is 9 bytes */

	(void)state;
	filter_reads_bad_key(key, sizeof key, 50, 100000);
}

static void
test_filter_bad_stream_key(void **state)
{
	static const uint8_t key[4] = { 's', 0x01, 2, 3 };	/* a case's is 18 */

	(void)state;
	filter_reads_bad_key(key, sizeof key, 100000, 40);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_keys),
		cmocka_unit_test(test_values),
		cmocka_unit_test_setup_teardown(test_ids_sharing_a_prefix, setup, teardown),
		cmocka_unit_test(test_filter),
		cmocka_unit_test_setup_teardown(test_filter_large_txn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_bad_id_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_bad_stream_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_damaged_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_chain_two_cores, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
