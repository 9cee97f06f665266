/*
 * oyako-user: the accounts of `oyako serve` (server/accounts.h), with or
 * without a server running.  Each change is first appended to the journal
 * as a staff.account_changed event (never a secret), then made in the
 * account store: a change that is not in the log is not made.  See
 * oyako-user.1 and specs/server.md.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounts.h"
#include "cli.h"

static const char usage_text[] =
    "usage: oyako user add NAME --role ROLE [--coordinator CODE]   (password: one line on stdin)\n"
    "       oyako user token NAME\n"
    "       oyako user list\n"
    "       oyako user revoke NAME\n"
    "       oyako user role NAME --role ROLE [--coordinator CODE]\n"
    "Common options: -J DIR, --actor NAME (who makes the change; default\n"
    "$OYAKO_ACTOR, else cli:LOGIN).  Roles: intake, coordinator (with\n"
    "--coordinator CODE), nurse, auditor, admin.\n"
    "Exit codes: 0 ok, 2 usage, 3 bad input (name, role, password), 4 the\n"
    "account exists, 6 I/O, 7 no journal or no such account.\n";

/* The actor of the change: --actor, else $OYAKO_ACTOR, else cli:LOGIN. */
static const char *
actor_of(const char *opt, char *buf, size_t size)
{
	const char *env = getenv("OYAKO_ACTOR");
	struct passwd *pw;

	if (opt && *opt)
		return opt;
	if (env && *env)
		return env;
	pw = getpwuid(geteuid());
	snprintf(buf, size, "cli:%s", pw && pw->pw_name ? pw->pw_name : "unknown");
	return buf;
}

/* Reads the password, one line on standard input, without its newline. */
static int
read_password(char *buf, size_t size)
{
	size_t n;

	if (fgets(buf, (int)size, stdin) == NULL) {
		cli_error("no password on standard input (one line)");
		return EX_INPUT;
	}
	n = strlen(buf);
	if (n == size - 1 && buf[n - 1] != '\n') {
		cli_error("password longer than %d bytes", SRV_PASSWORD_MAX);
		return EX_INPUT;
	}
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (n < SRV_PASSWORD_MIN) {
		cli_error("password shorter than %d characters", SRV_PASSWORD_MIN);
		return EX_INPUT;
	}
	return EX_OK;
}

static int
acct_exit(int rc, const char *what, const char *name)
{
	cli_error("cannot %s account '%s': %s", what, name, srv_acct_strerror(rc));
	switch (rc) {
	case ENOENT: return EX_NOTFOUND;
	case EEXIST: return EX_CONFLICT;
	case EINVAL: return EX_INPUT;
	default: return EX_IO;
	}
}

static int
print_account(const srv_account *a, void *arg)
{
	printf("%s\t%s\t%s\t%s\t%s\n", a->name, srv_role_name(a->role),
	    a->coordinator[0] ? a->coordinator : "-", a->revoked ? "revoked" : "active", a->changed);
	return 0;
}

/* Appends the change's event; returns an exit code. */
static int
log_change(jn_env *env, const char *actor, const srv_account *acct, const char *change)
{
	jn_errinfo err;
	int rc;

	memset(&err, 0, sizeof err);
	if ((rc = srv_acct_log(env, actor, acct, change, &err)) == 0)
		return EX_OK;
	if (err.msg[0])
		cli_error("cannot record the change of '%s' in the journal: field '%s': %s",
		    acct->name, err.field, err.msg);
	else
		cli_error("cannot record the change of '%s' in the journal: %s", acct->name,
		    jn_strerror(rc));
	return cli_exit_code(rc);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "journal", required_argument, NULL, 'J' },
		{ "role", required_argument, NULL, 'r' },
		{ "coordinator", required_argument, NULL, 'c' },
		{ "actor", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *jopt = NULL, *role_opt = NULL, *coord = NULL, *actor_opt = NULL;
	const char *cmd, *name = NULL, *path, *actor;
	char actor_buf[300], pw[SRV_PASSWORD_MAX + 2], token[SRV_TOKEN_LEN + 1];
	srv_accounts *accts = NULL;
	srv_account acct;
	jn_env *env = NULL;
	int c, ex, rc, role = -1, nargs;

	cli_init(argc, argv);
	cli_progname = "oyako user";
	while ((c = getopt_long(argc, argv, "J:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'J': jopt = optarg; break;
		case 'r': role_opt = optarg; break;
		case 'c': coord = optarg; break;
		case 'a': actor_opt = optarg; break;
		case 'h': fputs(usage_text, stdout); return EX_OK;
		default: goto usage;
		}
	}
	if (optind >= argc) {
		cli_error("no command given");
		goto usage;
	}
	cmd = argv[optind];
	nargs = argc - optind - 1;
	if (strcmp(cmd, "list") == 0) {
		if (nargs != 0)
			goto usage;
	} else if (strcmp(cmd, "add") == 0 || strcmp(cmd, "token") == 0 ||
	    strcmp(cmd, "revoke") == 0 || strcmp(cmd, "role") == 0) {
		if (nargs != 1)
			goto usage;
		name = argv[optind + 1];
	} else {
		cli_error("'%s' is not a user command", cmd);
		goto usage;
	}
	if (strcmp(cmd, "add") == 0 || strcmp(cmd, "role") == 0) {
		if (role_opt == NULL) {
			cli_error("'%s' needs --role", cmd);
			goto usage;
		}
		if ((role = srv_role_parse(role_opt)) < 0) {
			cli_error("option '--role': '%s' is not a role (intake, coordinator, nurse, "
			    "auditor, admin)", role_opt);
			return EX_USAGE;
		}
		if (role == SRV_ROLE_COORDINATOR && (coord == NULL || !srv_acct_name_ok(coord))) {
			cli_error("role coordinator needs --coordinator CODE (1-64 of A-Z, a-z, 0-9, _.:@-)");
			return EX_USAGE;
		}
		if (role != SRV_ROLE_COORDINATOR && coord) {
			cli_error("option '--coordinator' is only for role coordinator");
			return EX_USAGE;
		}
	} else if (role_opt || coord) {
		cli_error("'%s' takes no --role or --coordinator", cmd);
		goto usage;
	}
	if (name && !srv_acct_name_ok(name)) {
		cli_error("'%s' is not an account name (1-64 of A-Z, a-z, 0-9, '_', '.', ':', '@', '-')",
		    name);
		return EX_INPUT;
	}
	actor = actor_of(actor_opt, actor_buf, sizeof actor_buf);
	path = cli_journal_path(jopt);
	/* The journal must exist: the store lives in its directory and every
	 * change goes to its log. */
	if ((ex = cli_open(path, strcmp(cmd, "list") == 0 || strcmp(cmd, "token") == 0 ?
	    JN_RDONLY : 0, &env)) != EX_OK)
		return ex;
	if ((rc = srv_acct_open(path, 1, &accts)) != 0) {
		cli_error("cannot open the accounts of '%s': %s", path, srv_acct_strerror(rc));
		ex = EX_IO;
		goto env_close;
	}
	if (strcmp(cmd, "list") == 0) {
		ex = (rc = srv_acct_list(accts, print_account, NULL)) ? acct_exit(rc, "list", "*") : EX_OK;
	} else if (strcmp(cmd, "token") == 0) {
		if ((rc = srv_acct_token_new(accts, name, token)) != 0) {
			ex = acct_exit(rc, "make a token for", name);
		} else {
			printf("%s\n", token);
			sodium_memzero(token, sizeof token);
			ex = fflush(stdout) == 0 ? EX_OK : EX_IO;
		}
	} else if (strcmp(cmd, "add") == 0) {
		if ((ex = read_password(pw, sizeof pw)) != EX_OK)
			goto accts_close;
		if ((rc = srv_acct_get(accts, name, &acct)) == 0 && !acct.revoked) {
			ex = acct_exit(EEXIST, "add", name);
			goto accts_close;
		}
		memset(&acct, 0, sizeof acct);
		snprintf(acct.name, sizeof acct.name, "%s", name);
		acct.role = role;
		snprintf(acct.coordinator, sizeof acct.coordinator, "%s", coord ? coord : "");
		if ((ex = log_change(env, actor, &acct, "added")) != EX_OK)
			goto accts_close;
		ex = (rc = srv_acct_add(accts, name, role, coord, pw)) ? acct_exit(rc, "add", name) : EX_OK;
	} else {
		int revoke = strcmp(cmd, "revoke") == 0;

		if ((rc = srv_acct_get(accts, name, &acct)) != 0 || acct.revoked) {
			ex = acct_exit(rc ? rc : ENOENT, revoke ? "revoke" : "change", name);
			goto accts_close;
		}
		if (!revoke) {
			acct.role = role;
			snprintf(acct.coordinator, sizeof acct.coordinator, "%s", coord ? coord : "");
		}
		if ((ex = log_change(env, actor, &acct, revoke ? "revoked" : "role")) != EX_OK)
			goto accts_close;
		rc = revoke ? srv_acct_revoke(accts, name) : srv_acct_set_role(accts, name, role, coord);
		ex = rc ? acct_exit(rc, revoke ? "revoke" : "change", name) : EX_OK;
	}
accts_close:
	sodium_memzero(pw, sizeof pw);
	srv_acct_close(accts);
env_close:
	jn_env_close(env);
	return ex;
usage:
	fputs(usage_text, stderr);
	return EX_USAGE;
}
