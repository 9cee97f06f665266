/*
 * accounts.c: the account store of accounts.h.
 *
 * Two named databases in DIR/accounts.mdb:
 *   accounts: name -> "ROLE\tCOORD\tSTATE\tGEN\tCHANGED\tPWHASH" (text, so
 *             that mdb_dump shows it plainly; PWHASH is crypto_pwhash_str's)
 *   tokens:   BLAKE2b-256(token text) -> "NAME\tGEN"
 * A token is found by its hash (the hash is the key), then its account is
 * read: the token is good while the account is active and in the token's
 * generation.  Nothing of a secret is stored but its hash.
 */
#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts.h"
#include "jsonl.h"

#define ACCT_MAPSIZE (64u << 20)
#define REC_MAX 512

struct srv_accounts {
	MDB_env *env;
	MDB_dbi accounts, tokens;
	pthread_mutex_t lock;		/* guards dummy */
	char dummy[crypto_pwhash_STRBYTES];	/* for unknown names, made once */
};

static const char *const role_names[SRV_ROLE_COUNT] = {
	"intake", "coordinator", "nurse", "auditor", "admin"
};

const char *
srv_role_name(int role)
{
	return role >= 0 && role < SRV_ROLE_COUNT ? role_names[role] : NULL;
}

int
srv_role_parse(const char *s)
{
	int i;

	for (i = 0; s && i < SRV_ROLE_COUNT; i++)
		if (strcmp(s, role_names[i]) == 0)
			return i;
	return -1;
}

int
srv_acct_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	size_t i;

	if (n == 0 || n > SRV_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("_.:@-", c)))
			return 0;
	}
	return 1;
}

const char *
srv_acct_strerror(int rc)
{
	switch (rc) {
	case ENOENT: return "no such account";
	case EEXIST: return "an active account of that name exists";
	case EACCES: return "wrong name, password or token, or a revoked account";
	case EINVAL: return "bad name, role or password";
	default: return rc < 0 ? mdb_strerror(rc) : strerror(rc);
	}
}

int
srv_acct_open(const char *dir, int create, srv_accounts **ap)
{
	char path[4096];
	srv_accounts *a;
	MDB_txn *txn;
	FILE *f;
	int rc;

	*ap = NULL;
	if (sodium_init() < 0)
		return ENOMEM;
	if (snprintf(path, sizeof path, "%s/accounts.mdb", dir) >= (int)sizeof path)
		return ENAMETOOLONG;
	if (!create) {
		if ((f = fopen(path, "rb")) == NULL)
			return errno;
		fclose(f);
	}
	if ((a = calloc(1, sizeof *a)) == NULL)
		return ENOMEM;
	pthread_mutex_init(&a->lock, NULL);
	if ((rc = mdb_env_create(&a->env)) != 0)
		goto fail;
	mdb_env_set_maxdbs(a->env, 2);
	mdb_env_set_maxreaders(a->env, 510);
	mdb_env_set_mapsize(a->env, ACCT_MAPSIZE);
	/* NOTLS: the server's threads each run their own read transactions. */
	if ((rc = mdb_env_open(a->env, path, MDB_NOSUBDIR | MDB_NOTLS, 0600)) != 0)
		goto fail;
	if ((rc = mdb_txn_begin(a->env, NULL, 0, &txn)) != 0)
		goto fail;
	if ((rc = mdb_dbi_open(txn, "accounts", MDB_CREATE, &a->accounts)) != 0 ||
	    (rc = mdb_dbi_open(txn, "tokens", MDB_CREATE, &a->tokens)) != 0) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto fail;
	*ap = a;
	return 0;
fail:
	srv_acct_close(a);
	return rc;
}

void
srv_acct_close(srv_accounts *a)
{
	if (a == NULL)
		return;
	if (a->env)
		mdb_env_close(a->env);
	pthread_mutex_destroy(&a->lock);
	sodium_memzero(a->dummy, sizeof a->dummy);
	free(a);
}

/* Record text <-> struct.  pwhash (may be NULL) gets the stored hash. */
static int
rec_parse(const char *name, const MDB_val *v, srv_account *out, char *pwhash, size_t pwsize)
{
	char buf[REC_MAX + 1], *f[6], *p;
	unsigned long long gen;
	int i;

	if (v->mv_size > REC_MAX)
		return EINVAL;
	memcpy(buf, v->mv_data, v->mv_size);
	buf[v->mv_size] = '\0';
	/* strtok would merge the empty coordinator field with its neighbour. */
	for (i = 0, p = buf; i < 6; i++) {
		f[i] = p;
		if (i < 5) {
			if ((p = strchr(p, '\t')) == NULL)
				return EINVAL;
			*p++ = '\0';
		}
	}
	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s", name);
	if ((out->role = srv_role_parse(f[0])) < 0)
		return EINVAL;
	snprintf(out->coordinator, sizeof out->coordinator, "%s", f[1]);
	out->revoked = strcmp(f[2], "revoked") == 0;
	gen = strtoull(f[3], NULL, 10);
	out->gen = gen;
	snprintf(out->changed, sizeof out->changed, "%s", f[4]);
	if (pwhash)
		snprintf(pwhash, pwsize, "%s", f[5]);
	return 0;
}

static int
rec_get(srv_accounts *a, MDB_txn *txn, const char *name, srv_account *out, char *pwhash,
    size_t pwsize)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	int rc;

	if ((rc = mdb_get(txn, a->accounts, &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? ENOENT : rc;
	return rec_parse(name, &v, out, pwhash, pwsize);
}

static void
now_utc(char out[24])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
rec_put(srv_accounts *a, MDB_txn *txn, srv_account *acct, const char *pwhash)
{
	char buf[REC_MAX + 1];
	MDB_val k = { strlen(acct->name), acct->name }, v;
	int n;

	now_utc(acct->changed);
	n = snprintf(buf, sizeof buf, "%s\t%s\t%s\t%llu\t%s\t%s", role_names[acct->role],
	    acct->coordinator, acct->revoked ? "revoked" : "active",
	    (unsigned long long)acct->gen, acct->changed, pwhash);
	if (n < 0 || n >= (int)sizeof buf)
		return EINVAL;
	v.mv_size = (size_t)n;
	v.mv_data = buf;
	return mdb_put(txn, a->accounts, &k, &v, 0);
}

static int
role_ok(int role, const char *coordinator)
{
	int has = coordinator && *coordinator;

	if (srv_role_name(role) == NULL)
		return 0;
	if (role == SRV_ROLE_COORDINATOR)
		return has && srv_acct_name_ok(coordinator);
	return !has;
}

int
srv_acct_add(srv_accounts *a, const char *name, int role, const char *coordinator,
    const char *password)
{
	char hash[crypto_pwhash_STRBYTES], old[crypto_pwhash_STRBYTES];
	srv_account acct;
	MDB_txn *txn;
	size_t plen = password ? strlen(password) : 0;
	int rc;

	if (!srv_acct_name_ok(name) || !role_ok(role, coordinator) ||
	    plen < SRV_PASSWORD_MIN || plen > SRV_PASSWORD_MAX)
		return EINVAL;
	/* Hash before the write transaction: Argon2 takes a while and would
	 * hold every other writer of the store. */
	if (crypto_pwhash_str(hash, password, plen, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return ENOMEM;
	if ((rc = mdb_txn_begin(a->env, NULL, 0, &txn)) != 0)
		goto done;
	rc = rec_get(a, txn, name, &acct, old, sizeof old);
	if (rc == 0 && !acct.revoked) {
		rc = EEXIST;
		goto txn_abort;
	}
	if (rc == ENOENT) {
		memset(&acct, 0, sizeof acct);
		snprintf(acct.name, sizeof acct.name, "%s", name);
	} else if (rc != 0) {
		goto txn_abort;
	}
	acct.gen++;
	acct.role = role;
	acct.revoked = 0;
	snprintf(acct.coordinator, sizeof acct.coordinator, "%s", coordinator ? coordinator : "");
	if ((rc = rec_put(a, txn, &acct, hash)) != 0)
		goto txn_abort;
	rc = mdb_txn_commit(txn);
	goto done;
txn_abort:
	mdb_txn_abort(txn);
done:
	sodium_memzero(hash, sizeof hash);
	sodium_memzero(old, sizeof old);
	return rc;
}

/* Changes an account in a write transaction: fn edits it. */
static int
rec_update(srv_accounts *a, const char *name, int (*fn)(srv_account *, const void *),
    const void *arg)
{
	char pw[crypto_pwhash_STRBYTES];
	srv_account acct;
	MDB_txn *txn;
	int rc;

	if (!srv_acct_name_ok(name))
		return EINVAL;
	if ((rc = mdb_txn_begin(a->env, NULL, 0, &txn)) != 0)
		return rc;
	if ((rc = rec_get(a, txn, name, &acct, pw, sizeof pw)) != 0)
		goto txn_abort;
	if (acct.revoked) {
		rc = ENOENT;
		goto txn_abort;
	}
	if ((rc = fn(&acct, arg)) != 0 || (rc = rec_put(a, txn, &acct, pw)) != 0)
		goto txn_abort;
	sodium_memzero(pw, sizeof pw);
	return mdb_txn_commit(txn);
txn_abort:
	sodium_memzero(pw, sizeof pw);
	mdb_txn_abort(txn);
	return rc;
}

typedef struct role_arg {
	int role;
	const char *coordinator;
} role_arg;

static int
set_role(srv_account *acct, const void *arg)
{
	const role_arg *r = arg;

	acct->role = r->role;
	snprintf(acct->coordinator, sizeof acct->coordinator, "%s", r->coordinator ? r->coordinator : "");
	return 0;
}

int
srv_acct_set_role(srv_accounts *a, const char *name, int role, const char *coordinator)
{
	role_arg r = { role, coordinator };

	if (!role_ok(role, coordinator))
		return EINVAL;
	return rec_update(a, name, set_role, &r);
}

static int
set_revoked(srv_account *acct, const void *arg)
{
	acct->revoked = 1;
	acct->gen++;	/* every token and session of the old generation stops */
	return 0;
}

int
srv_acct_revoke(srv_accounts *a, const char *name)
{
	return rec_update(a, name, set_revoked, NULL);
}

int
srv_acct_get(srv_accounts *a, const char *name, srv_account *out)
{
	MDB_txn *txn;
	int rc;

	if (!srv_acct_name_ok(name))
		return ENOENT;
	if ((rc = mdb_txn_begin(a->env, NULL, MDB_RDONLY, &txn)) != 0)
		return rc;
	rc = rec_get(a, txn, name, out, NULL, 0);
	mdb_txn_abort(txn);
	return rc;
}

int
srv_acct_list(srv_accounts *a, int (*fn)(const srv_account *acct, void *arg), void *arg)
{
	char name[SRV_NAME_MAX + 1];
	srv_account acct;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_txn_begin(a->env, NULL, MDB_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, a->accounts, &cur)) != 0)
		goto txn_abort;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size > SRV_NAME_MAX)
			continue;
		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = '\0';
		if (rec_parse(name, &v, &acct, NULL, 0) != 0)
			continue;
		if ((rc = fn(&acct, arg)) != 0)
			break;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	mdb_cursor_close(cur);
txn_abort:
	mdb_txn_abort(txn);
	return rc;
}

static void
token_hash(const char *token, uint8_t h[32])
{
	crypto_generichash(h, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

int
srv_acct_token_new(srv_accounts *a, const char *name, char out[SRV_TOKEN_LEN + 1])
{
	uint8_t raw[32], h[32];
	char val[SRV_NAME_MAX + 32];
	srv_account acct;
	MDB_txn *txn;
	MDB_val k = { sizeof h, h }, v;
	int rc, n;

	if (!srv_acct_name_ok(name))
		return ENOENT;
	randombytes_buf(raw, sizeof raw);
	memcpy(out, "oyk_", 4);
	sodium_bin2hex(out + 4, 65, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
	token_hash(out, h);
	if ((rc = mdb_txn_begin(a->env, NULL, 0, &txn)) != 0)
		return rc;
	if ((rc = rec_get(a, txn, name, &acct, NULL, 0)) != 0)
		goto txn_abort;
	if (acct.revoked) {
		rc = ENOENT;
		goto txn_abort;
	}
	n = snprintf(val, sizeof val, "%s\t%llu", name, (unsigned long long)acct.gen);
	v.mv_size = (size_t)n;
	v.mv_data = val;
	if ((rc = mdb_put(txn, a->tokens, &k, &v, 0)) != 0)
		goto txn_abort;
	return mdb_txn_commit(txn);
txn_abort:
	mdb_txn_abort(txn);
	sodium_memzero(out, SRV_TOKEN_LEN + 1);
	return rc;
}

/* The account active in generation gen, in txn. */
static int
active_in(srv_accounts *a, MDB_txn *txn, const char *name, uint64_t gen, srv_account *out)
{
	int rc;

	if ((rc = rec_get(a, txn, name, out, NULL, 0)) != 0)
		return rc == ENOENT ? EACCES : rc;
	if (out->revoked || out->gen != gen)
		return EACCES;
	return 0;
}

int
srv_acct_token_check(srv_accounts *a, const char *token, srv_account *out)
{
	char name[SRV_NAME_MAX + 1], *tab;
	uint8_t h[32];
	MDB_txn *txn;
	MDB_val k = { sizeof h, h }, v;
	uint64_t gen;
	size_t n;
	int rc;

	if (token == NULL || strlen(token) != SRV_TOKEN_LEN)
		return EACCES;
	token_hash(token, h);
	if ((rc = mdb_txn_begin(a->env, NULL, MDB_RDONLY, &txn)) != 0)
		return rc;
	/* The key is the hash: the lookup compares hashes, not the secret. */
	if ((rc = mdb_get(txn, a->tokens, &k, &v)) != 0) {
		rc = rc == MDB_NOTFOUND ? EACCES : rc;
		goto txn_abort;
	}
	tab = memchr(v.mv_data, '\t', v.mv_size);
	n = tab ? (size_t)(tab - (char *)v.mv_data) : 0;
	if (tab == NULL || n == 0 || n > SRV_NAME_MAX) {
		rc = EACCES;
		goto txn_abort;
	}
	memcpy(name, v.mv_data, n);
	name[n] = '\0';
	gen = strtoull(tab + 1, NULL, 10);
	rc = active_in(a, txn, name, gen, out);
txn_abort:
	mdb_txn_abort(txn);
	return rc;
}

int
srv_acct_check_gen(srv_accounts *a, const char *name, uint64_t gen, srv_account *out)
{
	MDB_txn *txn;
	int rc;

	if ((rc = mdb_txn_begin(a->env, NULL, MDB_RDONLY, &txn)) != 0)
		return rc;
	rc = active_in(a, txn, name, gen, out);
	mdb_txn_abort(txn);
	return rc;
}

/* A hash of a random password, for names that do not exist: made on first
 * use, so that only a server that takes logins pays for it. */
static const char *
dummy_hash(srv_accounts *a)
{
	char pw[32];

	pthread_mutex_lock(&a->lock);
	if (a->dummy[0] == '\0') {
		randombytes_buf(pw, sizeof pw);
		if (crypto_pwhash_str(a->dummy, pw, sizeof pw, crypto_pwhash_OPSLIMIT_INTERACTIVE,
		    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
			a->dummy[0] = '\0';
	}
	pthread_mutex_unlock(&a->lock);
	return a->dummy;
}

int
srv_acct_password_check(srv_accounts *a, const char *name, const char *password,
    srv_account *out)
{
	char hash[crypto_pwhash_STRBYTES] = "";
	MDB_txn *txn;
	size_t plen = password ? strlen(password) : 0;
	int rc, known, ok;

	if ((rc = mdb_txn_begin(a->env, NULL, MDB_RDONLY, &txn)) != 0)
		return rc;
	rc = srv_acct_name_ok(name) ? rec_get(a, txn, name, out, hash, sizeof hash) : ENOENT;
	mdb_txn_abort(txn);
	if (rc != 0 && rc != ENOENT)
		return rc;
	known = rc == 0 && !out->revoked && hash[0];
	/* The same work whether the name is known or not. */
	ok = crypto_pwhash_str_verify(known ? hash : dummy_hash(a), password ? password : "",
	    plen) == 0;
	sodium_memzero(hash, sizeof hash);
	return known && ok ? 0 : EACCES;
}

int
srv_acct_log(jn_env *env, const char *actor, const srv_account *acct, const char *change,
    jn_errinfo *err)
{
	jl_buf line = { 0 };
	jl_event ev = { 0 };
	char stream[SRV_NAME_MAX + 8], day[11];
	int rc;

	snprintf(stream, sizeof stream, "staff:%s", acct->name);
	jn_date_format(jn_today_jst(), day);
	/* The event is built as a JSON line and decoded: the decoder makes the
	 * canonical MessagePack data that every other append gets. */
	if ((rc = jl_buf_reserve(&line, 64)) != 0)
		goto done;
	rc = 0;
#define ADD(s) do { size_t l_ = strlen(s); if ((rc = jl_buf_reserve(&line, l_)) != 0) goto done; \
	memcpy(line.p + line.n, s, l_); line.n += l_; } while (0)
	ADD("{\"type\":\"staff.account_changed\",\"stream\":");
	if ((rc = jl_encode_str(jn_str_c(stream), &line)) != 0)
		goto done;
	ADD(",\"occurred\":\"");
	ADD(day);
	ADD("\",\"actor\":");
	if ((rc = jl_encode_str(jn_str_c(actor), &line)) != 0)
		goto done;
	ADD(",\"data\":{\"role\":\"");
	ADD(role_names[acct->role]);
	ADD("\",\"change\":");
	if ((rc = jl_encode_str(jn_str_c(change), &line)) != 0)
		goto done;
	if (acct->coordinator[0]) {
		ADD(",\"coordinator\":");
		if ((rc = jl_encode_str(jn_str_c(acct->coordinator), &line)) != 0)
			goto done;
	}
	ADD("}}");
#undef ADD
	if ((rc = jl_decode(line.p, line.n, 0, &ev, err)) != 0)
		goto done;
	rc = jn_append1(env, &ev.ev, NULL, NULL, err);
done:
	jl_event_free(&ev);
	jl_buf_free(&line);
	return rc;
}
