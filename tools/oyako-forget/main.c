/* oyako-forget: erases the person data of a case for good (BRIEF section
 * 11): appends case.forgotten, then destroys the case key.  The order and
 * what a crash leaves are in specs/vault.md.  See oyako-forget.1. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "vcli.h"

static const char usage_text[] =
    "usage: oyako forget CASE --reason TEXT [-J DIR] [--key-file FILE] [--actor ACTOR]\n"
    "Appends case.forgotten to the case's stream and destroys its key: its person data\n"
    "can never be read again.  Events and counts stay.  Safe to run again after a crash.\n"
    "Exit codes: 0 forgotten (or already), 2 usage, 3 a reason the journal refuses,\n"
    "6 no key, a wrong key or I/O, 7 no such case.\n";

enum { OPT_REASON = 0x100, OPT_HELP };

/* The seq of the case's case.forgotten, 0 when it has none. */
static int
forgotten_seq(jn_env *env, const char *stream, uint64_t *seqp)
{
	jn_txn *txn;
	jn_iter *it = NULL;
	jn_event ev;
	int rc;

	*seqp = 0;
	if ((rc = jn_txn_begin(env, JN_TXN_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = jn_iter_stream(txn, jn_str_c(stream), &it)) == 0) {
		while ((rc = jn_iter_next(it, &ev)) == 0)
			if (ev.type_code == JN_T_CASE_FORGOTTEN && *seqp == 0)
				*seqp = ev.seq;
		rc = rc == JN_END ? 0 : rc;
	}
	jn_iter_close(it);
	jn_txn_abort(txn);
	return rc;
}

static int
append_forgotten(jn_env *env, const char *stream, const char *actor, const char *reason,
    uint64_t *seqp, jn_errinfo *err)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	jn_event ev;
	char today[11];
	int rc;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_str(&pk, 6);
	msgpack_pack_str_body(&pk, "reason", 6);
	msgpack_pack_str(&pk, strlen(reason));
	msgpack_pack_str_body(&pk, reason, strlen(reason));
	if (sb.data == NULL)
		return ENOMEM;
	memset(&ev, 0, sizeof ev);
	jn_uuid_generate(ev.id);
	jn_date_format(jn_today_jst(), today);
	ev.type = JN_STR("case.forgotten");
	ev.stream = jn_str_c(stream);
	ev.occurred = jn_str_c(today);
	ev.actor = jn_str_c(actor);
	ev.data = (const uint8_t *)sb.data;
	ev.data_len = sb.size;
	ev.expected_version = JN_ANY_VERSION;
	rc = jn_append1(env, &ev, seqp, NULL, err);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "journal", required_argument, NULL, 'J' },
		VC_LONGOPTS,
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 }
	};
	const char *jopt = NULL, *reason = NULL, *dir, *arg;
	char stream[48], text[37];
	uint8_t id[JN_ID_LEN];
	uint64_t seq = 0;
	vc_opts vo;
	vt_vault *v = NULL;
	jn_env *env = NULL;
	jn_errinfo err;
	int c, ex, rc;

	cli_init(argc, argv);
	memset(&vo, 0, sizeof vo);
	while ((c = getopt_long(argc, argv, "J:", longopts, NULL)) != -1) {
		if (vc_option(&vo, c, optarg))
			continue;
		switch (c) {
		case 'J': jopt = optarg; break;
		case OPT_REASON: reason = optarg; break;
		case OPT_HELP: fputs(usage_text, stdout); return EX_OK;
		default: goto usage;
		}
	}
	if (optind + 1 != argc) {
		cli_error(optind == argc ? "missing CASE" : "one CASE only");
		goto usage;
	}
	if (reason == NULL || *reason == '\0') {
		cli_error("missing --reason TEXT (why the family's data is erased)");
		goto usage;
	}
	arg = argv[optind];
	if (strncmp(arg, "case:", 5) == 0)
		arg += 5;
	if (strlen(arg) != 36 || jn_uuid_parse(jn_str_c(arg), id) != 0) {
		cli_error("'%s' is not a case (a uuid, or case:<uuid>)", argv[optind]);
		goto usage;
	}
	jn_uuid_format(id, text);
	snprintf(stream, sizeof stream, "case:%s", text);
	dir = cli_journal_path(jopt);
	if ((ex = cli_open(dir, 0, &env)) != EX_OK)
		goto out;
	if ((ex = vc_case_exists(env, dir, id, 0)) != EX_OK)
		goto out;
	if ((ex = vc_open(&vo, dir, VT_CREATE, 0, &v)) != EX_OK)
		goto out;
	/* 1. No read shows the data from here on. */
	if ((rc = vt_forget_begin(v, id)) != 0)
		goto vfail;
	/* 2. The event, once (a rerun finds it). */
	if ((rc = forgotten_seq(env, stream, &seq)) != 0)
		goto jfail;
	if (seq == 0) {
		memset(&err, 0, sizeof err);
		rc = append_forgotten(env, stream, vc_actor(&vo), reason, &seq, &err);
		if (rc == JN_EINVALID) {
			cli_error("case.forgotten refused: field '%s': %s (rerun with another --reason "
			    "or --actor to complete the erasure)", err.field, err.msg);
			ex = EX_INPUT;
			goto out;
		}
		if (rc != 0)
			goto jfail;
	}
	/* 3. The key, overwritten in place and synced. */
	if ((rc = vt_forget_finish(v, id)) != 0)
		goto vfail;
	printf("case %s forgotten (case.forgotten at seq %llu): its person data is destroyed\n",
	    text, (unsigned long long)seq);
	ex = EX_OK;
	goto out;
jfail:
	cli_error("journal '%s': %s", dir, jn_strerror(rc));
	ex = cli_exit_code(rc);
	goto out;
vfail:
	cli_error("cannot forget case '%s': %s (run oyako forget again)", text, vt_strerror(rc));
	ex = vc_exit_code(rc);
out:
	vt_close(v);
	jn_env_close(env);
	return ex;
usage:
	fputs(usage_text, stderr);
	return EX_USAGE;
}
