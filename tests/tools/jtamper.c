/*
 * jtamper: changes a journal behind the library's back, for the tamper
 * detection tests.  It opens data.mdb with raw LMDB (the databases and key
 * encodings of specs/storage.md) and commits one change:
 *
 *	jtamper DIR flip SEQ [OFFSET]	xor 0x01 into one byte of event SEQ's value
 *					(OFFSET from the start; default: the middle;
 *					negative: from the end)
 *	jtamper DIR delete SEQ		delete event SEQ from `events` only
 *	jtamper DIR swap N M		exchange the stored values of events N and M
 *	jtamper DIR repoint-id SEQ TO	make the id entry of event SEQ in `index`
 *					(format 2) say TO
 *	jtamper DIR put DB KEYHEX VALHEX	write any entry (for `meta`...; in
 *					`index`, one more duplicate of the key)
 *	jtamper DIR get DB KEYHEX	print a value in hex (the first duplicate)
 *	jtamper DIR del DB KEYHEX	delete a key (all its duplicates)
 *	jtamper DIR last DB KEYHEX	print the last duplicate of a key in hex
 *	jtamper DIR set-last DB KEYHEX VALHEX	replace the last duplicate of a key
 *
 * Exit: 0 done, 1 the entry is missing or LMDB failed, 2 usage.  A test
 * program only: it links LMDB and nothing of oyako, so that the tests do
 * not trust the code they check.
 */
#include <errno.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: jtamper DIR flip SEQ [OFFSET] | delete SEQ | swap N M |\n"
    "               repoint-id SEQ TO | put DB KEYHEX VALHEX | get DB KEYHEX |\n"
    "               del DB KEYHEX | last DB KEYHEX | set-last DB KEYHEX VALHEX\n";

static void
put_u64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return (errno || end == s || *end || *s == '-') ? -1 : 0;
}

/* Decodes hex into a malloc'd buffer; -1 on bad hex. */
static int
unhex(const char *s, MDB_val *v)
{
	size_t n = strlen(s), i;
	uint8_t *p;
	unsigned x;

	if (n % 2)
		return -1;
	if ((p = malloc(n / 2 + 1)) == NULL)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &x) != 1) {
			free(p);
			return -1;
		}
		p[i] = (uint8_t)x;
	}
	v->mv_size = n / 2;
	v->mv_data = p;
	return 0;
}

/* The event id is element 2 of the stored array: 0x9b, format, seq (an
 * uint of 1, 2, 3, 5 or 9 bytes), then bin8 (0xc4 0x10) and 16 bytes. */
static int
event_id(const MDB_val *v, const uint8_t **idp)
{
	const uint8_t *p = v->mv_data;
	size_t i = 2;

	if (v->mv_size < 30 || p[0] != 0x9b)
		return -1;
	switch (p[i]) {
	case 0xcc: i += 2; break;
	case 0xcd: i += 3; break;
	case 0xce: i += 5; break;
	case 0xcf: i += 9; break;
	default: i += 1; break;
	}
	if (i + 18 > v->mv_size || p[i] != 0xc4 || p[i + 1] != 16)
		return -1;
	*idp = p + i + 2;
	return 0;
}

static int
get_event(MDB_txn *t, MDB_dbi events, uint64_t seq, uint8_t key[8], MDB_val *v)
{
	MDB_val k = { 8, key };
	int rc;

	put_u64(key, seq);
	if ((rc = mdb_get(t, events, &k, v)) != 0)
		fprintf(stderr, "jtamper: event %llu: %s\n", (unsigned long long)seq, mdb_strerror(rc));
	return rc;
}

/* Copies v so that it survives the next write in the transaction. */
static void *
dup_val(const MDB_val *v)
{
	void *p = malloc(v->mv_size ? v->mv_size : 1);

	if (p)
		memcpy(p, v->mv_data, v->mv_size);
	return p;
}

static void
swap_sizes(MDB_val *a, MDB_val *b)
{
	size_t n = a->mv_size;

	a->mv_size = b->mv_size;
	b->mv_size = n;
}

static int
run(MDB_env *env, int argc, char **argv)
{
	MDB_txn *t = NULL;
	MDB_dbi events, dbi;
	MDB_val k, v, v2;
	uint8_t key[8], key2[8];
	const uint8_t *id;
	uint64_t a, b;
	long long off;
	uint8_t *copy = NULL, *copy2 = NULL;
	const char *cmd = argv[0];
	int rc;

	if ((rc = mdb_txn_begin(env, NULL, 0, &t)) != 0)
		goto fail;
	if ((rc = mdb_dbi_open(t, "events", 0, &events)) != 0)
		goto fail;
	if (strcmp(cmd, "flip") == 0 && (argc == 2 || argc == 3)) {
		if (parse_u64(argv[1], &a) || (rc = get_event(t, events, a, key, &v)) != 0)
			goto fail;
		off = argc == 3 ? atoll(argv[2]) : (long long)v.mv_size / 2;
		if (off < 0)
			off += (long long)v.mv_size;
		if (off < 0 || off >= (long long)v.mv_size) {
			fprintf(stderr, "jtamper: offset outside the %zu bytes of event %s\n",
			    v.mv_size, argv[1]);
			rc = EINVAL;
			goto fail;
		}
		copy = dup_val(&v);
		copy[off] ^= 0x01;
		k.mv_size = 8, k.mv_data = key;
		v.mv_data = copy;
		rc = mdb_put(t, events, &k, &v, 0);
	} else if (strcmp(cmd, "delete") == 0 && argc == 2) {
		if (parse_u64(argv[1], &a))
			goto bad_usage;
		put_u64(key, a);
		k.mv_size = 8, k.mv_data = key;
		rc = mdb_del(t, events, &k, NULL);
	} else if (strcmp(cmd, "swap") == 0 && argc == 3) {
		if (parse_u64(argv[1], &a) || parse_u64(argv[2], &b))
			goto bad_usage;
		if ((rc = get_event(t, events, a, key, &v)) != 0 ||
		    (rc = get_event(t, events, b, key2, &v2)) != 0)
			goto fail;
		/* Copy both first: a put may move the pages they point into. */
		copy = dup_val(&v);
		copy2 = dup_val(&v2);
		swap_sizes(&v, &v2);
		v.mv_data = copy2;
		v2.mv_data = copy;
		k.mv_size = 8, k.mv_data = key;
		if ((rc = mdb_put(t, events, &k, &v, 0)) != 0)
			goto fail;
		k.mv_data = key2;
		rc = mdb_put(t, events, &k, &v2, 0);
	} else if (strcmp(cmd, "repoint-id") == 0 && argc == 3) {
		if (parse_u64(argv[1], &a) || parse_u64(argv[2], &b))
			goto bad_usage;
		if ((rc = get_event(t, events, a, key, &v)) != 0)
			goto fail;
		if (event_id(&v, &id) != 0) {
			fprintf(stderr, "jtamper: event %s does not look like an event\n", argv[1]);
			rc = EINVAL;
			goto fail;
		}
		if ((rc = mdb_dbi_open(t, "index", 0, &dbi)) != 0)
			goto fail;
		/* 'u' . id[0..8) -> id[8..16) . seq: take out the event's own
		 * duplicate, put in one naming TO. */
		copy = malloc(9);
		copy2 = malloc(16);
		copy[0] = 'u';
		memcpy(copy + 1, id, 8);
		memcpy(copy2, id + 8, 8);
		put_u64(copy2 + 8, a);
		k.mv_size = 9, k.mv_data = copy;
		v.mv_size = 16, v.mv_data = copy2;
		if ((rc = mdb_del(t, dbi, &k, &v)) != 0)
			goto fail;
		put_u64(copy2 + 8, b);
		rc = mdb_put(t, dbi, &k, &v, 0);
	} else if (strcmp(cmd, "del") == 0 && argc == 3) {
		if ((rc = mdb_dbi_open(t, argv[1], 0, &dbi)) != 0)
			goto fail;
		if (unhex(argv[2], &k) != 0)
			goto bad_usage;
		copy = k.mv_data;
		rc = mdb_del(t, dbi, &k, NULL);
	} else if ((strcmp(cmd, "last") == 0 && argc == 3) || (strcmp(cmd, "set-last") == 0 && argc == 4)) {
		MDB_cursor *cur;
		if ((rc = mdb_dbi_open(t, argv[1], 0, &dbi)) != 0)
			goto fail;
		if (unhex(argv[2], &k) != 0)
			goto bad_usage;
		copy = k.mv_data;
		if ((rc = mdb_cursor_open(t, dbi, &cur)) != 0)
			goto fail;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
		if (rc == 0)
			rc = mdb_cursor_get(cur, &k, &v, MDB_LAST_DUP);
		if (rc == 0 && argc == 3) {
			size_t i;
			for (i = 0; i < v.mv_size; i++)
				printf("%02x", ((uint8_t *)v.mv_data)[i]);
			printf("\n");
		} else if (rc == 0) {
			if (unhex(argv[3], &v2) != 0) {
				mdb_cursor_close(cur);
				goto bad_usage;
			}
			copy2 = v2.mv_data;
			rc = mdb_cursor_del(cur, 0);
			k.mv_data = copy;
			if (rc == 0)
				rc = mdb_put(t, dbi, &k, &v2, 0);
		}
		mdb_cursor_close(cur);
	} else if ((strcmp(cmd, "put") == 0 && argc == 4) || (strcmp(cmd, "get") == 0 && argc == 3)) {
		if ((rc = mdb_dbi_open(t, argv[1], 0, &dbi)) != 0)
			goto fail;
		if (unhex(argv[2], &k) != 0)
			goto bad_usage;
		copy = k.mv_data;
		if (argc == 4) {
			if (unhex(argv[3], &v) != 0)
				goto bad_usage;
			copy2 = v.mv_data;
			rc = mdb_put(t, dbi, &k, &v, 0);
		} else if ((rc = mdb_get(t, dbi, &k, &v)) == 0) {
			size_t i;
			for (i = 0; i < v.mv_size; i++)
				printf("%02x", ((uint8_t *)v.mv_data)[i]);
			printf("\n");
		}
	} else {
		goto bad_usage;
	}
	if (rc != 0)
		goto fail;
	rc = mdb_txn_commit(t);
	t = NULL;
	if (rc != 0)
		goto fail;
	free(copy);
	free(copy2);
	return 0;
bad_usage:
	mdb_txn_abort(t);
	free(copy);
	free(copy2);
	fputs(usage, stderr);
	return 2;
fail:
	mdb_txn_abort(t);
	free(copy);
	free(copy2);
	if (rc)
		fprintf(stderr, "jtamper: %s: %s\n", cmd, mdb_strerror(rc));
	return 1;
}

int
main(int argc, char **argv)
{
	MDB_env *env;
	int rc, ex;

	if (argc < 3) {
		fputs(usage, stderr);
		return 2;
	}
	if ((rc = mdb_env_create(&env)) != 0 || (rc = mdb_env_set_maxdbs(env, 8)) != 0 ||
	    (rc = mdb_env_open(env, argv[1], 0, 0600)) != 0) {
		fprintf(stderr, "jtamper: cannot open '%s': %s\n", argv[1], mdb_strerror(rc));
		return 1;
	}
	ex = run(env, argc - 2, argv + 2);
	mdb_env_close(env);
	return ex;
}
