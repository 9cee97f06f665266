/*
 * oyako-serve: `oyako serve`, the journal over HTTP(S) (server/server.h).
 * A thin main: options, the ready line, and waiting for SIGTERM or SIGINT,
 * which are blocked in every thread and taken here by sigwait().  See
 * oyako-serve.1 and specs/server.md.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "journal.h"
#include "server.h"

static const char usage_text[] =
    "usage: oyako serve [-J DIR] [--listen HOST:PORT] [--tls-cert FILE --tls-key FILE]\n"
    "                   [--insecure-http] [--max-body BYTES] [--max-connections N]\n"
    "                   [--per-ip N] [--timeout SECONDS] [--login-window SECONDS]\n"
    "                   [--key-file FILE]\n"
    "Serves the journal (default 127.0.0.1:8470; port 0: a free port).  Prints\n"
    "'listening on URL' when ready; SIGTERM or SIGINT: finishes what is in flight\n"
    "and exits 0.  A non-loopback address needs TLS, or --insecure-http.\n"
    "--key-file (else $OYAKO_KEY_FILE): the vault's master key, for person data;\n"
    "without one, the person endpoints answer 503 and everything else works.\n"
    "Exit codes: 0 stopped by a signal, 2 usage (or plain HTTP on the network),\n"
    "5 corrupt journal, 6 I/O (cannot listen, bad certificate), 7 no journal.\n";

enum { O_LISTEN = 0x100, O_CERT, O_KEY, O_INSECURE, O_MAXBODY, O_MAXCONN, O_PERIP, O_TIMEOUT,
	O_LOGINWIN, O_KEYFILE };

static int
num_opt(const char *opt, const char *arg, uint64_t max, uint64_t *v)
{
	return cli_parse_u64(opt, arg, max, v);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "journal", required_argument, NULL, 'J' },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "tls-cert", required_argument, NULL, O_CERT },
		{ "tls-key", required_argument, NULL, O_KEY },
		{ "insecure-http", no_argument, NULL, O_INSECURE },
		{ "max-body", required_argument, NULL, O_MAXBODY },
		{ "max-connections", required_argument, NULL, O_MAXCONN },
		{ "per-ip", required_argument, NULL, O_PERIP },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "login-window", required_argument, NULL, O_LOGINWIN },
		{ "key-file", required_argument, NULL, O_KEYFILE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *jopt = NULL;
	char err[512];
	srv_config cfg;
	sigset_t set;
	srv *s = NULL;
	uint64_t v;
	int c, rc, sig;

	cli_init(argc, argv);
	cli_progname = "oyako serve";
	srv_config_default(&cfg);
	while ((c = getopt_long(argc, argv, "J:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'J': jopt = optarg; break;
		case O_LISTEN: cfg.listen = optarg; break;
		case O_CERT: cfg.tls_cert = optarg; break;
		case O_KEY: cfg.tls_key = optarg; break;
		case O_INSECURE: cfg.insecure_http = 1; break;
		case O_KEYFILE: cfg.key_file = optarg; break;
		case O_MAXBODY:
			if (num_opt("--max-body", optarg, 1ull << 32, &v) != 0 || v == 0)
				goto usage;
			cfg.max_body = (size_t)v;
			break;
		case O_MAXCONN:
			/* Each connection holds a reader slot of the journal (254). */
			if (num_opt("--max-connections", optarg, 200, &v) != 0 || v == 0)
				goto usage;
			cfg.max_connections = (unsigned)v;
			break;
		case O_PERIP:
			if (num_opt("--per-ip", optarg, 200, &v) != 0 || v == 0)
				goto usage;
			cfg.per_ip_connections = (unsigned)v;
			break;
		case O_TIMEOUT:
			if (num_opt("--timeout", optarg, 86400, &v) != 0 || v == 0)
				goto usage;
			cfg.timeout = (unsigned)v;
			break;
		case O_LOGINWIN:
			if (num_opt("--login-window", optarg, 86400, &v) != 0 || v == 0)
				goto usage;
			cfg.login_window = (unsigned)v;
			break;
		case 'h': fputs(usage_text, stdout); return EX_OK;
		default: goto usage;
		}
	}
	if (optind != argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		goto usage;
	}
	if ((cfg.tls_cert == NULL) != (cfg.tls_key == NULL)) {
		cli_error("--tls-cert and --tls-key go together");
		goto usage;
	}
	cfg.journal = cli_journal_path(jopt);
	/* Every thread the server starts inherits this mask: the signals
	 * come to sigwait() below, and nowhere else. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = srv_start(&cfg, &s, err, sizeof err)) != 0) {
		cli_error("%s", err);
		if (rc == EPERM || rc == EINVAL)
			return EX_USAGE;
		return rc == JN_ENOTFOUND ? EX_NOTFOUND : cli_exit_code(rc);
	}
	printf("listening on %s\n", srv_url(s));
	fflush(stdout);
	do {
		if (sigwait(&set, &sig) != 0)
			sig = 0;
	} while (sig != SIGTERM && sig != SIGINT);
	srv_stop(s);
	return EX_OK;
usage:
	fputs(usage_text, stderr);
	return EX_USAGE;
}
