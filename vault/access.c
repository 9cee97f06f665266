/* access.c: the person.accessed events of a read (specs/vault.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "vault.h"

typedef struct access_batch {
	jn_event *ev;
	size_t nev;
} access_batch;

static int
append_all(jn_txn *txn, void *arg)
{
	const access_batch *b = arg;
	size_t i;
	int rc;

	for (i = 0; i < b->nev; i++)
		if ((rc = jn_append(txn, &b->ev[i], NULL, NULL)) != 0)
			return rc;
	return 0;
}

static void
pack_cstr(msgpack_packer *pk, const char *s, size_t n)
{
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

int
vt_access_log(jn_env *env, const char *actor, const char *purpose,
    const uint8_t (*ids)[JN_ID_LEN], size_t n, jn_errinfo *err)
{
	msgpack_sbuffer *bufs = NULL;
	access_batch b = { NULL, 0 };
	char *stream = NULL, today[11], id[37];
	size_t i, j, nev = n ? (n + VT_ACCESS_CHUNK - 1) / VT_ACCESS_CHUNK : 1;
	int rc = ENOMEM;

	if (actor == NULL || *actor == '\0' || purpose == NULL || *purpose == '\0')
		return EINVAL;
	if ((stream = malloc(strlen(actor) + 8)) == NULL ||
	    (b.ev = calloc(nev, sizeof *b.ev)) == NULL ||
	    (bufs = calloc(nev, sizeof *bufs)) == NULL)
		goto out;
	strcpy(stream, "access:");
	strcat(stream, actor);
	jn_date_format(jn_today_jst(), today);
	for (i = 0; i < nev; i++) {
		size_t from = i * VT_ACCESS_CHUNK, to = from + VT_ACCESS_CHUNK < n ? from + VT_ACCESS_CHUNK : n;
		msgpack_packer pk;

		msgpack_sbuffer_init(&bufs[i]);
		msgpack_packer_init(&pk, &bufs[i], msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 2);
		pack_cstr(&pk, "cases", 5);
		msgpack_pack_array(&pk, to - from);
		for (j = from; j < to; j++) {
			jn_uuid_format(ids[j], id);
			pack_cstr(&pk, id, 36);
		}
		pack_cstr(&pk, "purpose", 7);
		pack_cstr(&pk, purpose, strlen(purpose));
		if (bufs[i].data == NULL)
			goto out;
		jn_uuid_generate(b.ev[i].id);
		b.ev[i].type = JN_STR("person.accessed");
		b.ev[i].stream = jn_str_c(stream);
		b.ev[i].occurred = jn_str_c(today);
		b.ev[i].actor = jn_str_c(actor);
		b.ev[i].data = (const uint8_t *)bufs[i].data;
		b.ev[i].data_len = bufs[i].size;
		b.ev[i].expected_version = JN_ANY_VERSION;
	}
	b.nev = nev;
	rc = jn_write(env, append_all, &b);
	if (rc != 0 && err) {
		/* jn_write() has ended the transaction: its detail is gone, so
		 * say what the events were. */
		snprintf(err->field, sizeof err->field, "%s", "");
		snprintf(err->msg, sizeof err->msg, "cannot append person.accessed to stream '%s'", stream);
	}
out:
	if (bufs)
		for (i = 0; i < nev; i++)
			msgpack_sbuffer_destroy(&bufs[i]);
	free(bufs);
	free(b.ev);
	free(stream);
	return rc;
}
