/*
 * vtamper: changes the person vault behind the vault's back, for the tests
 * that a changed record is detected.  It opens DIR/vault.mdb with raw LMDB
 * (specs/vault.md: the `persons` database, keyed by the case id's 16 bytes):
 *
 *	vtamper DIR flip UUID [OFFSET]	xor 0x01 into one byte of the case's
 *					value (default: the last, in the tag;
 *					negative: from the end)
 *	vtamper DIR size UUID		print the value's length
 *	vtamper DIR copy UUID TO	store UUID's value as case TO's too
 *
 * Exit: 0 done, 1 the entry is missing or LMDB failed, 2 usage.  Links LMDB
 * and nothing of oyako, so that the tests do not trust the code they check.
 */
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
parse_uuid(const char *s, uint8_t id[16])
{
	int i = 0, hi = -1;

	for (; *s; s++) {
		int v;

		if (*s == '-')
			continue;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else
			return -1;
		if (hi < 0)
			hi = v;
		else {
			if (i == 16)
				return -1;
			id[i++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return i == 16 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	char path[4096];
	MDB_env *env;
	MDB_txn *t;
	MDB_dbi dbi;
	MDB_val k, v, nv;
	uint8_t id[16], *copy;
	long off;
	int rc;

	if (argc < 4 || parse_uuid(argv[3], id) != 0 ||
	    (strcmp(argv[2], "flip") != 0 && strcmp(argv[2], "size") != 0 &&
	    strcmp(argv[2], "copy") != 0)) {
		fputs("usage: vtamper DIR flip UUID [OFFSET] | size UUID | copy UUID TO\n", stderr);
		return 2;
	}
	snprintf(path, sizeof path, "%s/vault.mdb", argv[1]);
	if ((rc = mdb_env_create(&env)) != 0 || (rc = mdb_env_set_maxdbs(env, 4)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, (size_t)64 << 20)) != 0 ||
	    (rc = mdb_env_open(env, path, MDB_NOSUBDIR, 0600)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, 0, &t)) != 0 ||
	    (rc = mdb_dbi_open(t, "persons", 0, &dbi)) != 0)
		goto fail;
	k.mv_size = 16;
	k.mv_data = id;
	if ((rc = mdb_get(t, dbi, &k, &v)) != 0)
		goto fail;
	if (strcmp(argv[2], "size") == 0) {
		printf("%zu\n", v.mv_size);
		mdb_txn_abort(t);
		return 0;
	}
	if (strcmp(argv[2], "copy") == 0) {
		uint8_t to[16];
		if (argc != 5 || parse_uuid(argv[4], to) != 0)
			return 2;
		k.mv_data = to;
		if ((rc = mdb_put(t, dbi, &k, &v, 0)) != 0 || (rc = mdb_txn_commit(t)) != 0)
			goto fail;
		mdb_env_close(env);
		return 0;
	}
	off = argc > 4 ? strtol(argv[4], NULL, 10) : -1;
	if (off < 0)
		off += (long)v.mv_size;
	if (off < 0 || (size_t)off >= v.mv_size) {
		fprintf(stderr, "vtamper: offset out of the value (%zu bytes)\n", v.mv_size);
		return 2;
	}
	if ((copy = malloc(v.mv_size)) == NULL)
		return 1;
	memcpy(copy, v.mv_data, v.mv_size);
	copy[off] ^= 0x01;
	nv.mv_size = v.mv_size;
	nv.mv_data = copy;
	if ((rc = mdb_put(t, dbi, &k, &nv, 0)) != 0 || (rc = mdb_txn_commit(t)) != 0)
		goto fail;
	free(copy);
	mdb_env_close(env);
	return 0;
fail:
	fprintf(stderr, "vtamper: %s\n", mdb_strerror(rc));
	return 1;
}
