/*
 * http.c: the daemon (libmicrohttpd, one thread per connection), the
 * dispatch through the route tables, authentication, the replies, the
 * access log, sessions, the login limit and the metrics.
 *
 * libmicrohttpd calls the access handler several times per request: first
 * with the headers (we find the route, authenticate, check the media type
 * and answer an error at once, before any body is read), then with pieces
 * of the body (kept up to --max-body; past it 413 at once), then once more
 * with nothing, when the handler runs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

static const srv_route *const srv_tables[] = {
	srv_api_routes,
	srv_person_routes,
	srv_page_routes,
};
#define NTABLES (sizeof srv_tables / sizeof srv_tables[0])

void
srv_config_default(srv_config *c)
{
	memset(c, 0, sizeof *c);
	c->listen = "127.0.0.1:8470";
	c->max_body = 64u << 20;
	c->max_connections = 128;
	c->per_ip_connections = 64;
	c->timeout = 60;
	c->login_window = 60;
}

const char *
srv_url(const srv *s)
{
	return s->url;
}

/* --- small helpers --- */

int
srv_puts(jl_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (jl_buf_reserve(b, n) != 0)
		return ENOMEM;
	memcpy(b->p + b->n, s, n);
	b->n += n;
	return 0;
}

int
srv_printf(jl_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || jl_buf_reserve(b, (size_t)n + 1) != 0)
		return ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)n;
	return 0;
}

int
srv_put_str(jl_buf *b, const char *s)
{
	return s ? jl_encode_str(jn_str_c(s), b) : srv_puts(b, "null");
}

int
srv_errlist_add(srv_errlist *l, uint64_t line, const char *field, const char *msg)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		srv_err *v = realloc(l->v, cap * sizeof *v);

		if (v == NULL)
			return ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].line = line;
	snprintf(l->v[l->n].field, sizeof l->v[l->n].field, "%s", field ? field : "");
	snprintf(l->v[l->n].msg, sizeof l->v[l->n].msg, "%s", msg ? msg : "");
	l->n++;
	return 0;
}

void
srv_errlist_free(srv_errlist *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}

const char *
srv_query(srv_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *
srv_header(srv_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int
srv_read_begin(srv *s, jn_txn **txnp)
{
	int rc;

	pthread_rwlock_rdlock(&s->maplock);
	if ((rc = jn_txn_begin(s->env, JN_TXN_RDONLY, txnp)) != 0)
		pthread_rwlock_unlock(&s->maplock);
	return rc;
}

void
srv_read_end(srv *s, jn_txn *txn)
{
	if (txn == NULL)
		return;
	jn_txn_abort(txn);
	pthread_rwlock_unlock(&s->maplock);
}

/* --- replies --- */

static const struct {
	const char *code;
	int status;
} error_codes[] = {
	{ "malformed", 400 }, { "unauthorized", 401 }, { "forbidden", 403 },
	{ "not_found", 404 }, { "method_not_allowed", 405 }, { "conflict", 409 },
	{ "too_large", 413 }, { "unsupported_media_type", 415 }, { "invalid", 422 },
	{ "too_many_requests", 429 }, { "internal", 500 }, { "unavailable", 503 },
};

int
srv_error_status(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof error_codes / sizeof error_codes[0]; i++)
		if (strcmp(code, error_codes[i].code) == 0)
			return error_codes[i].status;
	return 500;
}

enum MHD_Result
srv_reply_response(srv_req *r, int status, struct MHD_Response *resp)
{
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(r->conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES)
		r->status = status;
	return ret;
}

enum MHD_Result
srv_reply(srv_req *r, int status, const char *ctype, const char *body, size_t n)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(n, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (resp && ctype)
		MHD_add_response_header(resp, "Content-Type", ctype);
	return srv_reply_response(r, status, resp);
}

enum MHD_Result
srv_reply_buf(srv_req *r, int status, const char *ctype, jl_buf *b)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(b->n, b->p ? b->p : (void *)"", b->p ?
	    MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	memset(b, 0, sizeof *b);	/* the response owns the memory now */
	if (ctype)
		MHD_add_response_header(resp, "Content-Type", ctype);
	return srv_reply_response(r, status, resp);
}

enum MHD_Result
srv_reply_json(srv_req *r, int status, jl_buf *b)
{
	if (srv_puts(b, "\n") != 0)
		return MHD_NO;
	return srv_reply_buf(r, status, "application/json", b);
}

enum MHD_Result
srv_reply_error(srv_req *r, const char *code, const srv_errlist *errs, const char *fmt, ...)
{
	char msg[512];
	jl_buf b = { 0 };
	va_list ap;
	size_t i;
	int rc, status = srv_error_status(code);

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	rc = srv_printf(&b, "{\"error\":\"%s\",\"message\":", code);
	rc = rc ? rc : srv_put_str(&b, msg);
	rc = rc ? rc : srv_puts(&b, ",\"errors\":[");
	for (i = 0; errs && i < errs->n && rc == 0; i++) {
		const srv_err *e = &errs->v[i];

		rc = srv_puts(&b, i ? ",{" : "{");
		if (rc == 0 && e->line)
			rc = srv_printf(&b, "\"line\":%llu,", (unsigned long long)e->line);
		rc = rc ? rc : srv_puts(&b, "\"field\":");
		rc = rc ? rc : srv_put_str(&b, e->field);
		rc = rc ? rc : srv_puts(&b, ",\"message\":");
		rc = rc ? rc : srv_put_str(&b, e->msg);
		rc = rc ? rc : srv_puts(&b, "}");
	}
	rc = rc ? rc : srv_puts(&b, "]}");
	if (rc != 0) {
		jl_buf_free(&b);
		return MHD_NO;
	}
	if (status == 401 || status == 429) {
		struct MHD_Response *resp;

		if (srv_puts(&b, "\n") != 0) {
			jl_buf_free(&b);
			return MHD_NO;
		}
		resp = MHD_create_response_from_buffer(b.n, b.p, MHD_RESPMEM_MUST_FREE);
		if (resp == NULL) {
			jl_buf_free(&b);
			return MHD_NO;
		}
		MHD_add_response_header(resp, "Content-Type", "application/json");
		if (status == 401)
			MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"oyako\"");
		return srv_reply_response(r, status, resp);
	}
	return srv_reply_json(r, status, &b);
}

/* --- sessions and logins --- */

static void
cookie_hash(const char *cookie, uint8_t h[32])
{
	crypto_generichash(h, 32, (const unsigned char *)cookie, strlen(cookie), NULL, 0);
}

int
srv_session_new(srv *s, const srv_account *a, char *cookie, size_t size)
{
	uint8_t raw[32];
	time_t now = time(NULL);
	srv_session *ss;
	size_t i, j;

	if (size < 65)
		return EINVAL;
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(cookie, size, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
	pthread_mutex_lock(&s->smu);
	/* Expired sessions go first. */
	for (i = j = 0; i < s->nsess; i++)
		if (s->sessions[i].expires > now)
			s->sessions[j++] = s->sessions[i];
	s->nsess = j;
	if (s->nsess == s->capsess) {
		size_t cap = s->capsess ? s->capsess * 2 : 64;

		if (cap > 65536 || (ss = realloc(s->sessions, cap * sizeof *ss)) == NULL) {
			pthread_mutex_unlock(&s->smu);
			return ENOMEM;
		}
		s->sessions = ss;
		s->capsess = cap;
	}
	ss = &s->sessions[s->nsess++];
	cookie_hash(cookie, ss->hash);
	snprintf(ss->name, sizeof ss->name, "%s", a->name);
	ss->gen = a->gen;
	ss->expires = now + SRV_SESSION_SECONDS;
	pthread_mutex_unlock(&s->smu);
	return 0;
}

/* The session of cookie: 0 with name and gen, or EACCES. */
static int
session_find(srv *s, const char *cookie, char *name, uint64_t *gen)
{
	uint8_t h[32];
	time_t now = time(NULL);
	size_t i;
	int rc = EACCES;

	if (strlen(cookie) != 64)
		return EACCES;
	cookie_hash(cookie, h);
	pthread_mutex_lock(&s->smu);
	for (i = 0; i < s->nsess; i++) {
		if (sodium_memcmp(s->sessions[i].hash, h, 32) == 0 && s->sessions[i].expires > now) {
			memcpy(name, s->sessions[i].name, sizeof s->sessions[i].name);
			*gen = s->sessions[i].gen;
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&s->smu);
	return rc;
}

void
srv_session_end(srv *s, const char *cookie)
{
	uint8_t h[32];
	size_t i;

	if (cookie == NULL)
		return;
	cookie_hash(cookie, h);
	pthread_mutex_lock(&s->smu);
	for (i = 0; i < s->nsess; i++) {
		if (sodium_memcmp(s->sessions[i].hash, h, 32) == 0) {
			s->sessions[i] = s->sessions[--s->nsess];
			break;
		}
	}
	pthread_mutex_unlock(&s->smu);
}

/* The entry of name in the table of failed logins (the oldest one is
 * taken over when name has none and create is 1). */
static srv_login *
login_entry(srv *s, const char *name, int create)
{
	srv_login *old = &s->logins[0];
	size_t i;

	for (i = 0; i < sizeof s->logins / sizeof s->logins[0]; i++) {
		if (strcmp(s->logins[i].name, name) == 0)
			return &s->logins[i];
		if (s->logins[i].window < old->window)
			old = &s->logins[i];
	}
	if (!create)
		return NULL;
	memset(old, 0, sizeof *old);
	snprintf(old->name, sizeof old->name, "%s", name);
	return old;
}

unsigned
srv_login_locked(srv *s, const char *name)
{
	time_t now = time(NULL);
	srv_login *l;
	unsigned wait = 0;

	pthread_mutex_lock(&s->smu);
	if ((l = login_entry(s, name, 0)) != NULL && l->failures >= SRV_LOGIN_FAILURES &&
	    now < l->window + (time_t)s->cfg.login_window)
		wait = (unsigned)(l->window + (time_t)s->cfg.login_window - now);
	pthread_mutex_unlock(&s->smu);
	return wait;
}

void
srv_login_failed(srv *s, const char *name)
{
	time_t now = time(NULL);
	srv_login *l;

	pthread_mutex_lock(&s->smu);
	l = login_entry(s, name, 1);
	if (now >= l->window + (time_t)s->cfg.login_window) {
		l->window = now;
		l->failures = 0;
	}
	l->failures++;
	pthread_mutex_unlock(&s->smu);
}

/* --- metrics --- */

static const double lat_bounds[SRV_NLAT] = {
	0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5
};

static void
metric_request(srv *s, int status, double seconds)
{
	size_t i;

	pthread_mutex_lock(&s->m.mu);
	if (status >= 100 && status < 600)
		s->m.by_status[status]++;
	for (i = 0; i < SRV_NLAT && seconds > lat_bounds[i]; i++)
		;
	s->m.lat[i]++;
	s->m.lat_sum += seconds;
	s->m.lat_count++;
	pthread_mutex_unlock(&s->m.mu);
}

void
srv_metric_commit(srv *s, size_t jobs, size_t events)
{
	size_t i;

	pthread_mutex_lock(&s->m.mu);
	s->m.commits++;
	s->m.appends += events;
	for (i = 0; i < SRV_NGROUP && jobs > (1u << i); i++)
		;
	s->m.group[i]++;
	s->m.group_sum += jobs;
	pthread_mutex_unlock(&s->m.mu);
}

enum MHD_Result
srv_metrics_reply(srv_req *r)
{
	srv_metrics *m = &r->s->m;
	jl_buf b = { 0 };
	uint64_t cum = 0;
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&m->mu);
	rc |= srv_puts(&b, "# HELP oyako_http_requests_total HTTP requests answered, by status.\n"
	    "# TYPE oyako_http_requests_total counter\n");
	for (i = 100; i < 600; i++)
		if (m->by_status[i])
			rc |= srv_printf(&b, "oyako_http_requests_total{status=\"%zu\"} %llu\n", i,
			    (unsigned long long)m->by_status[i]);
	rc |= srv_puts(&b, "# HELP oyako_http_request_duration_seconds Time from the request's "
	    "headers to its reply.\n# TYPE oyako_http_request_duration_seconds histogram\n");
	for (i = 0; i < SRV_NLAT; i++) {
		cum += m->lat[i];
		rc |= srv_printf(&b, "oyako_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
		    lat_bounds[i], (unsigned long long)cum);
	}
	cum += m->lat[SRV_NLAT];
	rc |= srv_printf(&b, "oyako_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "oyako_http_request_duration_seconds_sum %.6f\n"
	    "oyako_http_request_duration_seconds_count %llu\n", (unsigned long long)cum,
	    m->lat_sum, (unsigned long long)m->lat_count);
	rc |= srv_printf(&b, "# HELP oyako_appends_total Events stored by the server.\n"
	    "# TYPE oyako_appends_total counter\noyako_appends_total %llu\n"
	    "# HELP oyako_commits_total Group commits.\n# TYPE oyako_commits_total counter\n"
	    "oyako_commits_total %llu\n", (unsigned long long)m->appends,
	    (unsigned long long)m->commits);
	rc |= srv_puts(&b, "# HELP oyako_commit_group_size Requests committed together.\n"
	    "# TYPE oyako_commit_group_size histogram\n");
	for (i = 0, cum = 0; i < SRV_NGROUP; i++) {
		cum += m->group[i];
		rc |= srv_printf(&b, "oyako_commit_group_size_bucket{le=\"%u\"} %llu\n", 1u << i,
		    (unsigned long long)cum);
	}
	cum += m->group[SRV_NGROUP];
	rc |= srv_printf(&b, "oyako_commit_group_size_bucket{le=\"+Inf\"} %llu\n"
	    "oyako_commit_group_size_sum %llu\noyako_commit_group_size_count %llu\n",
	    (unsigned long long)cum, (unsigned long long)m->group_sum,
	    (unsigned long long)m->commits);
	pthread_mutex_unlock(&m->mu);
	if (rc) {
		jl_buf_free(&b);
		return MHD_NO;
	}
	return srv_reply_buf(r, 200, "text/plain; version=0.0.4", &b);
}

/* --- dispatch --- */

static const srv_route *
route_find(const char *method, const char *url, const char **restp, int *path_known)
{
	const srv_route *rt;
	size_t t, n;

	*path_known = 0;
	for (t = 0; t < NTABLES; t++) {
		for (rt = srv_tables[t]; rt->method; rt++) {
			n = strlen(rt->path);
			if (n > 1 && rt->path[n - 1] == '/') {	/* "/" itself is exact */
				if (strncmp(url, rt->path, n) != 0 || url[n] == '\0')
					continue;
				*restp = url + n;
			} else if (strcmp(url, rt->path) != 0) {
				continue;
			} else {
				*restp = url + n;
			}
			*path_known = 1;
			if (strcmp(method, rt->method) == 0)
				return rt;
		}
	}
	return NULL;
}

/* 1 when the Content-Type's media type is one of ctypes. */
static int
ctype_ok(const char *ctypes, const char *ct)
{
	const char *p = ctypes;
	size_t n, ctn;

	if (ct == NULL)
		return 0;
	ctn = strcspn(ct, ";");
	while (ctn && (ct[ctn - 1] == ' ' || ct[ctn - 1] == '\t'))
		ctn--;
	while (*p) {
		n = strcspn(p, " ");
		if (n == ctn && strncasecmp(p, ct, n) == 0)
			return 1;
		p += n;
		while (*p == ' ')
			p++;
	}
	return 0;
}

/* Authenticates the request: a bearer token, else the session cookie.
 * 0 (r->authed set or no credentials given) or EACCES (bad credentials). */
static int
authenticate(srv_req *r)
{
	const char *h = srv_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *cookie;
	char name[SRV_NAME_MAX + 1];
	uint64_t gen;
	int rc;

	if (h) {
		if (strncasecmp(h, "Bearer ", 7) != 0)
			return EACCES;
		h += 7;
		while (*h == ' ')
			h++;
		if ((rc = srv_acct_token_check(r->s->accts, h, &r->acct)) != 0)
			return EACCES;
		r->authed = 1;
		return 0;
	}
	cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, SRV_COOKIE);
	if (cookie == NULL)
		return 0;
	/* The account is read again on every request: a revoke (or a new
	 * role) applies to sessions at once. */
	if (session_find(r->s, cookie, name, &gen) != 0 ||
	    srv_acct_check_gen(r->s->accts, name, gen, &r->acct) != 0)
		return EACCES;
	r->authed = 1;
	r->session = 1;
	return 0;
}

/* The first call: route, authentication, media type.  Returns MHD_YES
 * to go on (reading the body), or the result of an error reply. */
static enum MHD_Result
request_begin(srv_req *r, int *replied)
{
	const srv_route *rt;
	const char *rest = NULL, *cl, *ex;
	int known;

	*replied = 1;
	if (r->s->stopping)
		return srv_reply_error(r, "unavailable", NULL, "the server is shutting down");
	rt = route_find(r->method, r->url, &rest, &known);
	if (rt == NULL) {
		if (known)
			return srv_reply_error(r, "method_not_allowed", NULL, "method %s not allowed here",
			    r->method);
		return srv_reply_error(r, "not_found", NULL, "no such resource");
	}
	r->route = rt;
	r->rest = rest;
	/* Bad credentials on a public route (a probe with a stale token, a
	 * logout with an ended session, a page with an expired session: it
	 * goes to the sign-in page) are no credentials. */
	if (authenticate(r) != 0 && !(rt->who & SRV_PUBLIC))
		return srv_reply_error(r, "unauthorized", NULL, "bad or revoked token or session");
	if (!(rt->who & SRV_PUBLIC)) {
		if (!r->authed)
			return srv_reply_error(r, "unauthorized", NULL,
			    "authentication required (Authorization: Bearer TOKEN, or a session)");
		if (!(rt->who & SRV_WHO(r->acct.role)))
			return srv_reply_error(r, "forbidden", NULL, "role %s may not %s %s",
			    srv_role_name(r->acct.role), r->method, r->route->path);
	}
	if (rt->ctypes && !ctype_ok(rt->ctypes, srv_header(r, MHD_HTTP_HEADER_CONTENT_TYPE)))
		return srv_reply_error(r, "unsupported_media_type", NULL, "Content-Type must be %s",
		    rt->ctypes);
	/* A client that waits for "100 Continue" can be told before it sends. */
	if ((cl = srv_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH)) != NULL &&
	    (ex = srv_header(r, MHD_HTTP_HEADER_EXPECT)) != NULL && strcasecmp(ex, "100-continue") == 0 &&
	    strtoull(cl, NULL, 10) > r->s->cfg.max_body)
		return srv_reply_error(r, "too_large", NULL, "body larger than %zu bytes",
		    r->s->cfg.max_body);
	*replied = 0;
	return MHD_YES;
}

/* The bytes of a refused body read and dropped before the connection is
 * cut rather than drained. */
#define DROP_MAX (16u << 20)

static enum MHD_Result
refuse(srv_req *r)
{
	if (r->refused == 400)
		return srv_reply_error(r, "malformed", NULL, "this request takes no body");
	return srv_reply_error(r, "too_large", NULL, "body larger than %zu bytes",
	    r->s->cfg.max_body);
}

static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	srv *s = cls;
	srv_req *r = *con_cls;
	enum MHD_Result ret;
	int replied;

	if (r == NULL) {
		if ((r = calloc(1, sizeof *r)) == NULL)
			return MHD_NO;
		r->s = s;
		r->conn = conn;
		r->method = method;
		r->url = url;
		clock_gettime(CLOCK_MONOTONIC, &r->start);
		*con_cls = r;
		pthread_mutex_lock(&s->imu);
		s->inflight++;
		r->counted = 1;
		pthread_mutex_unlock(&s->imu);
		ret = request_begin(r, &replied);
		return replied ? ret : MHD_YES;
	}
	if (r->status)
		return MHD_YES;	/* replied already: the rest of the body is dropped */
	if (*upload_size) {
		if (r->route->ctypes == NULL)
			r->refused = 400;
		else if (r->body.n + r->dropped + *upload_size > s->cfg.max_body)
			r->refused = 413;
		if (r->refused) {
			/* Read the body to its end before answering: a reply
			 * while the client still sends would reach it as a reset.
			 * Past a bound the connection is cut instead. */
			r->dropped += *upload_size + r->body.n;
			jl_buf_free(&r->body);
			*upload_size = 0;
			if (r->dropped > s->cfg.max_body + DROP_MAX)
				return refuse(r);
			return MHD_YES;
		}
		if (jl_buf_reserve(&r->body, *upload_size) != 0)
			return MHD_NO;
		memcpy(r->body.p + r->body.n, upload, *upload_size);
		r->body.n += *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->refused)
		return refuse(r);
	return r->route->fn(r);
}

/* Escapes what a terminal or a log reader must not see raw. */
static void
log_path(const char *url, char *out, size_t size)
{
	size_t o = 0;

	for (; *url && o + 5 < size; url++) {
		unsigned char c = (unsigned char)*url;

		if (c < 0x20 || c == 0x7f || c == ' ' || c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, size - o, "%%%02X", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	srv *s = cls;
	srv_req *r = *con_cls;
	struct timespec end;
	char path[512];
	double sec;

	if (r == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &end);
	sec = (double)(end.tv_sec - r->start.tv_sec) + (double)(end.tv_nsec - r->start.tv_nsec) / 1e9;
	/* The path only: a query string could hold what must not be logged. */
	log_path(r->url, path, sizeof path);
	fprintf(stderr, "%s %s %d %s %.0f\n", r->method, path, r->status ? r->status : 499,
	    r->authed ? r->acct.name : "-", sec * 1e6);
	metric_request(s, r->status ? r->status : 499, sec);
	jl_buf_free(&r->body);
	if (r->counted) {
		pthread_mutex_lock(&s->imu);
		if (--s->inflight == 0)
			pthread_cond_broadcast(&s->icv);
		pthread_mutex_unlock(&s->imu);
	}
	free(r);
	*con_cls = NULL;
}

/* --- start and stop --- */

/* libmicrohttpd's own messages (a client gone mid-request, a TLS
 * handshake that failed): marked, so that they are not taken for access
 * log lines. */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof msg, fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	fprintf(stderr, "oyako serve: libmicrohttpd: %s\n", msg);
}

static int
read_file(const char *path, char **out, char *err, size_t errsize)
{
	FILE *f;
	long n;
	int rc;

	if ((f = fopen(path, "rb")) == NULL) {
		rc = errno;
		snprintf(err, errsize, "cannot open '%s': %s", path, strerror(rc));
		return rc;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (1 << 20) ||
	    fseek(f, 0, SEEK_SET) != 0 || (*out = calloc(1, (size_t)n + 1)) == NULL ||
	    fread(*out, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		snprintf(err, errsize, "cannot read '%s'", path);
		return EIO;
	}
	fclose(f);
	return 0;
}

static int
is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_LOOPBACK(a))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
	}
	return 0;
}

/* Binds HOST:PORT; *fdp listens.  The URL is made from the address bound. */
static int
bind_listen(srv *s, int *fdp, char *err, size_t errsize)
{
	char host[256], port[16], hbuf[NI_MAXHOST], pbuf[NI_MAXSERV];
	const char *l = s->cfg.listen, *colon;
	struct addrinfo hints, *res = NULL, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	size_t hn;
	int fd = -1, rc, one = 1;

	if (l[0] == '[') {
		const char *close = strchr(l, ']');

		if (close == NULL || close[1] != ':')
			goto bad;
		hn = (size_t)(close - l - 1);
		memcpy(host, l + 1, hn < sizeof host ? hn : 0);
		colon = close + 1;
	} else {
		if ((colon = strrchr(l, ':')) == NULL)
			goto bad;
		hn = (size_t)(colon - l);
		if (hn >= sizeof host)
			goto bad;
		memcpy(host, l, hn);
	}
	if (hn == 0 || hn >= sizeof host || strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof port ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) || atol(colon + 1) > 65535)
		goto bad;
	host[hn] = '\0';
	snprintf(port, sizeof port, "%s", colon + 1);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errsize, "cannot resolve '%s': %s", host, gai_strerror(rc));
		return EINVAL;
	}
	rc = EADDRNOTAVAIL;
	for (ai = res; ai; ai = ai->ai_next) {
		if (!is_loopback(ai->ai_addr) && !s->tls && !s->cfg.insecure_http) {
			snprintf(err, errsize, "'%s' is not a loopback address: give --tls-cert and "
			    "--tls-key, or --insecure-http to serve plain HTTP on the network", host);
			freeaddrinfo(res);
			return EPERM;
		}
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol)) < 0) {
			rc = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 256) == 0)
			break;
		rc = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, errsize, "cannot listen on '%s': %s", l, strerror(rc));
		return rc;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, sl, hbuf, sizeof hbuf, pbuf, sizeof pbuf,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		rc = errno ? errno : EIO;
		close(fd);
		snprintf(err, errsize, "cannot read the address bound: %s", strerror(rc));
		return rc;
	}
	snprintf(s->url, sizeof s->url, "%s://%s%s%s:%s", s->tls ? "https" : "http",
	    ss.ss_family == AF_INET6 ? "[" : "", hbuf, ss.ss_family == AF_INET6 ? "]" : "", pbuf);
	*fdp = fd;
	return 0;
bad:
	snprintf(err, errsize, "'%s' is not HOST:PORT", l);
	return EINVAL;
}

static void
tool_dir_init(srv *s)
{
	ssize_t n;
	char *slash;

	if (s->cfg.tool_dir) {
		snprintf(s->tool_dir, sizeof s->tool_dir, "%s", s->cfg.tool_dir);
		return;
	}
	n = readlink("/proc/self/exe", s->tool_dir, sizeof s->tool_dir - 1);
	s->tool_dir[n > 0 ? n : 0] = '\0';
	if ((slash = strrchr(s->tool_dir, '/')) != NULL)
		*slash = '\0';
}

int
srv_start(const srv_config *c, srv **sp, char *err, size_t errsize)
{
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ITC | MHD_USE_ERROR_LOG;
	uint64_t mapsize, filesize;
	jn_txn *txn;
	srv *s;
	int rc, fd = -1;

	*sp = NULL;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return ENOMEM;
	s->cfg = *c;
	pthread_rwlock_init(&s->maplock, NULL);
	pthread_mutex_init(&s->wmu, NULL);
	pthread_cond_init(&s->wcv, NULL);
	pthread_cond_init(&s->dcv, NULL);
	pthread_mutex_init(&s->hmu, NULL);
	pthread_cond_init(&s->hcv, NULL);
	pthread_mutex_init(&s->imu, NULL);
	pthread_cond_init(&s->icv, NULL);
	pthread_mutex_init(&s->smu, NULL);
	pthread_mutex_init(&s->m.mu, NULL);
	tool_dir_init(s);
	if ((c->tls_cert == NULL) != (c->tls_key == NULL)) {
		snprintf(err, errsize, "--tls-cert and --tls-key go together");
		rc = EINVAL;
		goto fail;
	}
	if (c->tls_cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errsize, "this libmicrohttpd has no TLS support");
			rc = ENOTSUP;
			goto fail;
		}
		if ((rc = read_file(c->tls_cert, &s->cert, err, errsize)) != 0 ||
		    (rc = read_file(c->tls_key, &s->key, err, errsize)) != 0)
			goto fail;
		s->tls = 1;
		flags |= MHD_USE_TLS;
	}
	if ((rc = jn_env_open(c->journal, 0, &s->env)) != 0) {
		snprintf(err, errsize, "cannot open journal '%s': %s", c->journal, jn_strerror(rc));
		goto fail;
	}
	if ((rc = srv_acct_open(c->journal, 1, &s->accts)) != 0) {
		snprintf(err, errsize, "cannot open the accounts of '%s': %s", c->journal,
		    srv_acct_strerror(rc));
		goto fail;
	}
	/* Room to grow before any reader starts: see maplock. */
	if ((rc = jn_env_size(s->env, &mapsize, &filesize)) != 0 ||
	    (rc = jn_env_reserve(s->env, 1ull << 30)) != 0) {
		snprintf(err, errsize, "cannot size journal '%s': %s", c->journal, jn_strerror(rc));
		goto fail;
	}
	if ((rc = jn_txn_begin(s->env, JN_TXN_RDONLY, &txn)) != 0 ||
	    (rc = jn_head(txn, &s->head, NULL)) != 0) {
		jn_txn_abort(txn);
		snprintf(err, errsize, "cannot read journal '%s': %s", c->journal, jn_strerror(rc));
		goto fail;
	}
	jn_txn_abort(txn);
	if ((rc = srv_persons_open(s, err, errsize)) != 0)
		goto fail;
	if ((rc = bind_listen(s, &fd, err, errsize)) != 0)
		goto fail;
	if ((rc = srv_writer_start(s)) != 0) {
		snprintf(err, errsize, "cannot start the writer: %s", strerror(rc));
		close(fd);
		goto fail;
	}
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, access_handler, s,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, s,
	    MHD_OPTION_CONNECTION_LIMIT, c->max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->per_ip_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, c->timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    s->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, s->cert,
	    MHD_OPTION_HTTPS_MEM_KEY, s->key,
	    MHD_OPTION_END);
	if (s->d == NULL) {
		snprintf(err, errsize, "cannot start the HTTP daemon on '%s'%s", c->listen,
		    s->tls ? " (check the certificate and key)" : "");
		close(fd);
		rc = EIO;
		goto fail;
	}
	*sp = s;
	return 0;
fail:
	srv_stop(s);
	return rc;
}

void
srv_stop(srv *s)
{
	struct timespec until;
	MHD_socket lfd;

	if (s == NULL)
		return;
	s->stopping = 1;
	if (s->d) {
		/* Stop accepting; let what is in flight finish (feeds see
		 * stopping and end within a second). */
		lfd = MHD_quiesce_daemon(s->d);
		if (lfd != MHD_INVALID_SOCKET)
			close(lfd);
		pthread_mutex_lock(&s->hmu);
		pthread_cond_broadcast(&s->hcv);
		pthread_mutex_unlock(&s->hmu);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 30;
		pthread_mutex_lock(&s->imu);
		while (s->inflight > 0)
			if (pthread_cond_timedwait(&s->icv, &s->imu, &until) != 0)
				break;
		pthread_mutex_unlock(&s->imu);
		MHD_stop_daemon(s->d);
	}
	srv_writer_stop(s);
	srv_persons_close(s);
	srv_acct_close(s->accts);
	jn_env_close(s->env);
	free(s->sessions);
	if (s->key)
		sodium_memzero(s->key, strlen(s->key));
	free(s->key);
	free(s->cert);
	pthread_rwlock_destroy(&s->maplock);
	free(s);
}
