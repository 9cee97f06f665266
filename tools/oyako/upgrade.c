/* upgrade.c: `oyako upgrade`, a journal of storage format 1 rewritten in format 2. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonl.h"
#include "oyako.h"

static const char upgrade_usage[] =
    "usage: oyako upgrade [-J DIR]\n"
    "Rewrites a journal of storage format 1 in format 2 (specs/storage.md): the\n"
    "new journal is built beside it (DIR.upgrade-PID), its events copied byte for\n"
    "byte, verified, and put in DIR's place in one rename; the old one is then\n"
    "removed.  All or nothing: on any failure DIR is left as it was.  Stop the\n"
    "server and every other writer first.  A journal in format 2 is left alone.\n"
    "Prints \"upgraded N events to format 2, head seq S, head hash H\".\n"
    "The other files of DIR (the vault, the server's accounts) stay as they are.\n"
    "Exit codes: 0 upgraded (or nothing to do), 2 usage, 5 the old journal is\n"
    "corrupt (the first bad seq is named), 6 I/O (disk full, a read-only copy,\n"
    "the journal open in another process), 7 no journal.\n";

static void
upgrade_progress(uint64_t done, uint64_t total, void *arg)
{
	oy_progress_tick(arg, "upgrading", done, total);
}

int
cmd_upgrade(int argc, char **argv)
{
	char hex[2 * JN_HASH_LEN + 1];
	const char *jopt = NULL, *path;
	jn_upgrade_report rep;
	oy_progress prog;
	int ex, rc;

	if ((ex = oy_only_journal_opt(argc, argv, upgrade_usage, &jopt)) != -1)
		return ex;
	path = oy_journal(jopt);
	oy_progress_init(&prog);
	rc = jn_upgrade(path, 0, &rep, upgrade_progress, &prog);
	oy_progress_end(&prog);
	if (rc == 0 && rep.from == JN_FORMAT_VERSION) {
		printf("journal '%s' is in format %d already: nothing to do\n", path, JN_FORMAT_VERSION);
		return EX_OK;
	}
	if (rc == 0) {
		jl_hex(rep.head_hash, JN_HASH_LEN, hex);
		printf("upgraded %llu events to format %d, head seq %llu, head hash %s\n",
		    (unsigned long long)rep.events, JN_FORMAT_VERSION,
		    (unsigned long long)rep.events, hex);
		return EX_OK;
	}
	if (rc == JN_ENOTFOUND) {
		cli_error("no journal at '%s' (give -J DIR)", path);
		return EX_NOTFOUND;
	}
	if (rc == JN_ECORRUPT && rep.err.msg[0]) {
		cli_error("cannot upgrade '%s': the old journal is corrupt at seq %llu (field '%s'): %s; "
		    "nothing changed", path, (unsigned long long)rep.bad_seq, rep.err.field, rep.err.msg);
		return EX_INTEGRITY;
	}
	if (rc == EPROTO) {
		cli_error("cannot upgrade '%s': %s", path, rep.err.msg);
		return EX_INTERNAL;
	}
	if (rc == EBUSY)
		cli_error("cannot upgrade '%s': another process has the journal open (the server, "
		    "a report): stop it first; nothing changed", path);
	else if (rc == EINVAL || rc == ENOSYS)
		cli_error("cannot upgrade '%s': this filesystem cannot exchange two directories "
		    "in one rename (renameat2 RENAME_EXCHANGE); nothing changed", path);
	else
		cli_error("cannot upgrade '%s': %s; nothing changed", path, jn_strerror(rc));
	return cli_exit_code(rc);
}
