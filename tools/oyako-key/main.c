/* oyako-key: master key files of the person vault: init, rotate
 * (specs/vault.md).  See oyako-key.1. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vcli.h"

static const char usage_text[] =
    "usage: oyako key init FILE\n"
    "       oyako key rotate --new-key-file FILE [-J DIR] [--key-file FILE]\n"
    "init makes a master key file (32 random bytes, mode 0600); it never overwrites a file.\n"
    "Keep it outside the journal directory.  rotate rewraps every case key under the key of\n"
    "--new-key-file (made by init first) and re-keys the name index, all or nothing: copies of\n"
    "the journal directory made before cannot be opened with the new key.\n"
    "Exit codes: 0 ok, 2 usage (a file that exists, the same key), 5 damaged person data,\n"
    "6 no key, a wrong key or I/O, 7 no person data in the journal.\n";

enum { OPT_NEWKEY = 0x100, OPT_HELP };

static int
cmd_init(int argc, char **argv)
{
	int rc;

	if (argc != 1) {
		cli_error(argc ? "one FILE only" : "missing FILE");
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	if ((rc = vt_key_init(argv[0])) == 0) {
		printf("key file '%s' made (mode 0600): keep it off the journal directory and its backups\n",
		    argv[0]);
		return EX_OK;
	}
	if (rc == VT_EEXIST)
		cli_error("key file '%s' exists: refused (a key file is never overwritten)", argv[0]);
	else
		cli_error("cannot make key file '%s': %s", argv[0], vt_strerror(rc));
	return vc_exit_code(rc);
}

static int
cmd_rotate(const vc_opts *vo, const char *dir, const char *newpath, int argc)
{
	uint8_t newkey[VT_KEY_LEN];
	vc_opts nvo;
	vt_vault *v = NULL;
	size_t n = 0;
	int ex, rc;

	if (argc != 0 || newpath == NULL) {
		cli_error(argc ? "unexpected argument" : "missing --new-key-file FILE (make it with 'oyako key init FILE')");
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	memset(&nvo, 0, sizeof nvo);
	nvo.key_file = newpath;
	if ((ex = vc_key_load(&nvo, newkey)) != EX_OK || (ex = vc_key_outside(newpath, dir)) != EX_OK)
		goto out;
	if ((ex = vc_open(vo, dir, 0, 0, &v)) != EX_OK)
		goto out;
	if ((rc = vt_rotate(v, newkey, &n)) != 0) {
		if (rc == VT_ESAMEKEY)
			cli_error("'%s' holds the key in use: make a new one with 'oyako key init FILE'", newpath);
		else
			cli_error("cannot rotate the key of journal '%s': %s (nothing changed)", dir, vt_strerror(rc));
		ex = vc_exit_code(rc);
		goto out;
	}
	printf("%zu case key%s rewrapped: the key of '%s' opens journal '%s' from now on\n",
	    n, n == 1 ? "" : "s", newpath, dir);
out:
	sodium_memzero(newkey, sizeof newkey);
	vt_close(v);
	return ex;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "journal", required_argument, NULL, 'J' },
		VC_LONGOPTS,
		{ "new-key-file", required_argument, NULL, OPT_NEWKEY },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 }
	};
	const char *jopt = NULL, *newpath = NULL, *sub;
	vc_opts vo;
	int c;

	cli_init(argc, argv);
	memset(&vo, 0, sizeof vo);
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? EX_USAGE : EX_OK;
	}
	sub = argv[1];
	if (strcmp(sub, "init") != 0 && strcmp(sub, "rotate") != 0) {
		cli_error("'%s' is not a key command (init, rotate)", sub);
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "J:", longopts, NULL)) != -1) {
		if (vc_option(&vo, c, optarg))
			continue;
		switch (c) {
		case 'J': jopt = optarg; break;
		case OPT_NEWKEY: newpath = optarg; break;
		case OPT_HELP: fputs(usage_text, stdout); return EX_OK;
		default: fputs(usage_text, stderr); return EX_USAGE;
		}
	}
	if (strcmp(sub, "init") == 0)
		return cmd_init(argc - optind, argv + optind);
	return cmd_rotate(&vo, cli_journal_path(jopt), newpath, argc - optind);
}
