/*
 * accounts.h: the accounts of `oyako serve` (prefix srv_acct_): names,
 * roles, Argon2id password hashes and API tokens, in an LMDB environment of
 * its own, DIR/accounts.mdb (one file, mode 0600), beside the journal but
 * outside the log.  LMDB serialises writers of all processes and lets
 * readers see each commit at once, so `oyako user` and a running server
 * share it safely: a revoke is seen by the server's next request.
 *
 * Secrets are stored hashed only: passwords with crypto_pwhash_str()
 * (Argon2id, interactive limits), tokens as their BLAKE2b-256 hash.  Every
 * account has a generation, raised by add and revoke: a token or a session
 * is good only while the account is active and its generation is the one
 * the token or session was made in.
 *
 * Functions return 0, or an errno value: ENOENT (no such account), EEXIST
 * (an active account of that name), EACCES (wrong password or token,
 * revoked account), EINVAL (a bad name or role), or an LMDB or I/O error
 * (srv_acct_strerror() describes them all).  Nothing here prints.
 * The store knows nothing of the journal; srv_acct_log() appends the
 * staff.account_changed event through the journal's public API.
 */
#ifndef OYAKO_ACCOUNTS_H
#define OYAKO_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "journal.h"

/* Roles, in the order of BRIEF section 10. */
enum {
	SRV_ROLE_INTAKE = 0,
	SRV_ROLE_COORDINATOR,
	SRV_ROLE_NURSE,
	SRV_ROLE_AUDITOR,
	SRV_ROLE_ADMIN,
	SRV_ROLE_COUNT
};

#define SRV_NAME_MAX 64		/* an account name: 1-64 of [A-Za-z0-9_.:@-] */
#define SRV_PASSWORD_MIN 8
#define SRV_PASSWORD_MAX 1024
/* A token as text: "oyk_" and 64 hex digits (32 random bytes). */
#define SRV_TOKEN_LEN (4 + 64)

typedef struct srv_accounts srv_accounts;

typedef struct srv_account {
	char name[SRV_NAME_MAX + 1];
	int role;			/* SRV_ROLE_* */
	char coordinator[SRV_NAME_MAX + 1];	/* the code of a coordinator, else "" */
	int revoked;
	uint64_t gen;			/* generation of tokens and sessions */
	char changed[24];		/* UTC, "YYYY-MM-DDTHH:MM:SSZ" */
} srv_account;

const char *srv_role_name(int role);	/* NULL when out of range */
int srv_role_parse(const char *s);	/* -1 when not a role */
/* 1 when s is a good account name (or coordinator code). */
int srv_acct_name_ok(const char *s);

/* Opens DIR/accounts.mdb, creating it (0600) when create is 1.  ENOENT
 * when it does not exist and create is 0. */
int srv_acct_open(const char *dir, int create, srv_accounts **ap);
void srv_acct_close(srv_accounts *a);	/* accepts NULL */
const char *srv_acct_strerror(int rc);

/* Adds an account (or re-adds a revoked one, in a new generation).
 * coordinator is required for SRV_ROLE_COORDINATOR and refused otherwise
 * (EINVAL); password of SRV_PASSWORD_MIN..MAX bytes (EINVAL). */
int srv_acct_add(srv_accounts *a, const char *name, int role, const char *coordinator,
    const char *password);
int srv_acct_set_role(srv_accounts *a, const char *name, int role, const char *coordinator);
/* Revokes: every token and session of the account stops at once. */
int srv_acct_revoke(srv_accounts *a, const char *name);
int srv_acct_get(srv_accounts *a, const char *name, srv_account *out);
/* Calls fn for every account, in name order; stops at fn's nonzero return. */
int srv_acct_list(srv_accounts *a, int (*fn)(const srv_account *acct, void *arg), void *arg);

/* A new API token for an active account, as text in out (NUL-terminated). */
int srv_acct_token_new(srv_accounts *a, const char *name, char out[SRV_TOKEN_LEN + 1]);
/* The active account that token belongs to, or EACCES. */
int srv_acct_token_check(srv_accounts *a, const char *token, srv_account *out);
/* Checks a password.  An unknown name costs the same time as a known one
 * (it is checked against a dummy hash) and gives EACCES too. */
int srv_acct_password_check(srv_accounts *a, const char *name, const char *password,
    srv_account *out);
/* The active account name in generation gen (a session's check). */
int srv_acct_check_gen(srv_accounts *a, const char *name, uint64_t gen, srv_account *out);

/* Appends the staff.account_changed event of a change to the journal,
 * durably: stream "staff:NAME", data {role, change, coordinator?}, actor
 * as given, occurred today (Japan).  change: "added", "revoked" or "role".
 * Returns a JN_E* code or errno (err, may be NULL, names the field). */
int srv_acct_log(jn_env *env, const char *actor, const srv_account *acct, const char *change,
    jn_errinfo *err);

#endif
