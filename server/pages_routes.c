/*
 * pages_routes.c: the staff pages served at `/` (specs/pages.md): the
 * route table the server's dispatcher reads, sign in and out, the form
 * posts with their CSRF check, and the JSON each page is rendered from.
 *
 * The page routes are public to the dispatcher (SRV_PUBLIC): a browser
 * without a session is sent to the sign-in page rather than given a JSON
 * 401, and a role that may not open a page gets a page saying so.  The
 * role rules are those of the API (server/api.c, server/reports.c).
 *
 * Forms are application/x-www-form-urlencoded, parsed by libmicrohttpd's
 * post processor.  A recorded contact goes through the group commit like
 * POST /v1/events, with the account as its actor.
 *
 * Nothing of a person goes into a URL: case pages are by UUID, and the
 * only query parameters are sort, flag, district, fy, lang and recorded.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cases.h"
#include "internal.h"
#include "pages.h"
#include "pages_int.h"

#define LANG_COOKIE "oyako_lang"
#define PRE_COOKIE "oyako_csrf"		/* the sign-in form's token (no session yet) */
#define CSRF_LEN 64			/* hex of 32 bytes */

static enum MHD_Result h_root(srv_req *r);
static enum MHD_Result h_login_get(srv_req *r);
static enum MHD_Result h_login_post(srv_req *r);
static enum MHD_Result h_logout(srv_req *r);
static enum MHD_Result h_case_get(srv_req *r);
static enum MHD_Result h_case_post(srv_req *r);
static enum MHD_Result h_risk(srv_req *r);
static enum MHD_Result h_annual(srv_req *r);
static enum MHD_Result h_download(srv_req *r);
static enum MHD_Result h_go(srv_req *r);

#define FORM "application/x-www-form-urlencoded"

const srv_route srv_page_routes[] = {
	{ "GET", "/", SRV_PUBLIC, NULL, h_root },
	{ "GET", "/login", SRV_PUBLIC, NULL, h_login_get },
	{ "POST", "/login", SRV_PUBLIC, FORM, h_login_post },
	{ "POST", "/logout", SRV_PUBLIC, FORM, h_logout },
	{ "GET", "/go", SRV_PUBLIC, NULL, h_go },
	{ "GET", "/cases/", SRV_PUBLIC, NULL, h_case_get },
	{ "POST", "/cases/", SRV_PUBLIC, FORM, h_case_post },
	{ "GET", "/risk", SRV_PUBLIC, NULL, h_risk },
	{ "GET", "/annual", SRV_PUBLIC, NULL, h_annual },
	{ "GET", "/download/", SRV_PUBLIC, NULL, h_download },
	{ NULL, NULL, 0, NULL, NULL }
};

/* Who may open what: the API's rules for the same data. */
#define SEES_CASES (SRV_NURSE | SRV_COORD | SRV_AUDITOR)
#define SEES_ANNUAL (SRV_ADMIN | SRV_NURSE | SRV_AUDITOR | SRV_COORD)
#define RECORDS (SRV_INTAKE | SRV_COORD | SRV_NURSE)

static int
may(const srv_req *r, unsigned who)
{
	return r->authed && (who & SRV_WHO(r->acct.role)) != 0;
}

/* --- CSRF tokens ---
 *
 * A session's token is a keyed BLAKE2b of its cookie with a key made at
 * start: nothing to store, different for every session, and unknown to a
 * page of another site (the cookie is HttpOnly and SameSite=Strict).  The
 * sign-in form has no session yet: it carries a random token that must
 * equal the one in a cookie set with the form (double submit). */

static unsigned char csrf_key[crypto_generichash_KEYBYTES];
static pthread_once_t csrf_once = PTHREAD_ONCE_INIT;

static void
csrf_init(void)
{
	if (sodium_init() < 0)
		abort();	/* cannot happen once the server runs: it needs sodium too */
	randombytes_buf(csrf_key, sizeof csrf_key);
}

static void
csrf_of(const char *cookie, char out[CSRF_LEN + 1])
{
	unsigned char h[32];

	pthread_once(&csrf_once, csrf_init);
	crypto_generichash(h, sizeof h, (const unsigned char *)cookie, strlen(cookie),
	    csrf_key, sizeof csrf_key);
	sodium_bin2hex(out, CSRF_LEN + 1, h, sizeof h);
}

static const char *
cookie(srv_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

/* The token a form of this request must carry ("" when there is none). */
static void
csrf_expected(srv_req *r, char out[CSRF_LEN + 1])
{
	const char *c;

	out[0] = '\0';
	if (r->session && (c = cookie(r, SRV_COOKIE)) != NULL)
		csrf_of(c, out);
}

/* 1 when the form's token is the expected one. */
static int
csrf_ok(const char *expected, const char *given)
{
	return expected[0] != '\0' && given != NULL && strlen(given) == CSRF_LEN &&
	    sodium_memcmp(expected, given, CSRF_LEN) == 0;
}

/* --- the page context and replies --- */

typedef struct page {
	pg_ctx c;
	char csrf[CSRF_LEN + 1];
	char path[64];		/* a page to show after a post: its language link */
	const char *set_lang;	/* ?lang= given: remember it in a cookie */
} page;

static void
page_init(srv_req *r, page *p)
{
	const char *q = srv_query(r, "lang");

	memset(p, 0, sizeof *p);
	p->c.ja = pg_lang_pick(q, cookie(r, LANG_COOKIE), srv_header(r, "Accept-Language"));
	if (q != NULL && (strcmp(q, "ja") == 0 || strcmp(q, "en") == 0))
		p->set_lang = q;
	p->c.path = r->url;
	p->c.today = jn_today_jst();
	csrf_expected(r, p->csrf);
	p->c.csrf = p->csrf;
	if (r->authed) {
		p->c.account = r->acct.name;
		p->c.role = srv_role_name(r->acct.role);
		p->c.names = r->acct.role == SRV_ROLE_NURSE || r->acct.role == SRV_ROLE_COORDINATOR;
		if (p->c.names && r->s->vault == NULL)
			p->c.names_off = pg_l(&p->c, "名前は表示していません: サーバーに個人情報の鍵がありません"
			    "（--key-file または $OYAKO_KEY_FILE）",
			    "names are not shown: the server has no key for person data "
			    "(--key-file or $OYAKO_KEY_FILE)");
		p->c.may_append = 0;
		if (may(r, RECORDS)) {
			size_t n, i;
			const pg_ftype *ft = pg_ftypes(&n);

			for (i = 0; i < n; i++) {
				jn_type t = jn_type_of(jn_str_c(ft[i].type));

				if (srv_type_refused(r->acct.role, t) == NULL)
					p->c.may_append |= 1u << t;
			}
		}
	}
}

/* The headers every page carries: no caching of person data, no framing,
 * no script, nothing fetched from elsewhere. */
static void
page_headers(struct MHD_Response *resp, const page *p)
{
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
	    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	if (p != NULL && p->set_lang != NULL) {
		char hdr[96];

		snprintf(hdr, sizeof hdr, "%s=%s; Path=/; Max-Age=31536000; SameSite=Strict",
		    LANG_COOKIE, p->set_lang);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, hdr);
	}
}

/* Replies with the page in b (taken); extra_cookie may be NULL. */
static enum MHD_Result
reply_page(srv_req *r, const page *p, int status, pg_buf *b, const char *extra_cookie)
{
	struct MHD_Response *resp;

	if (pg_buf_done(b) != 0 || b->n == 0) {
		pg_buf_free(b);
		return srv_reply_error(r, "unavailable", NULL, "out of memory");
	}
	resp = MHD_create_response_from_buffer(b->n, b->p, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		pg_buf_free(b);
		return MHD_NO;
	}
	b->p = NULL;
	b->n = b->cap = 0;
	MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
	page_headers(resp, p);
	if (extra_cookie != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, extra_cookie);
	return srv_reply_response(r, status, resp);
}

/* 303 See Other to location (a path of ours); cookie may be NULL. */
static enum MHD_Result
redirect(srv_req *r, const char *location, const char *cookie_hdr)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);

	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
	page_headers(resp, NULL);
	if (cookie_hdr != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, cookie_hdr);
	return srv_reply_response(r, 303, resp);
}

static enum MHD_Result
message(srv_req *r, page *p, int status, const char *msg)
{
	pg_buf b = { 0 };

	pg_page_message(&b, &p->c, status, msg);
	return reply_page(r, p, status, &b, NULL);
}

/* The start of every page handler: signed in (else to the sign-in page)
 * and of a role in who (else a 403 page).  Returns 1 when the handler
 * goes on, 0 with *ret set when it has replied. */
static int
gate(srv_req *r, page *p, unsigned who, enum MHD_Result *ret)
{
	page_init(r, p);
	if (!r->authed) {
		*ret = redirect(r, "/login", NULL);
		return 0;
	}
	if (!may(r, who)) {
		*ret = message(r, p, 403, pg_l(&p->c, "この役割では開けない画面です",
		    "your role may not open this page"));
		return 0;
	}
	return 1;
}

/* --- forms --- */

static enum MHD_Result
form_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
    const char *content_type, const char *transfer_encoding, const char *data,
    uint64_t off, size_t size)
{
	pg_form *f = cls;

	(void)kind; (void)filename; (void)content_type; (void)transfer_encoding;
	/* A long value comes in pieces: the later ones continue the last. */
	if (off > 0 && f->n > 0 && strcmp(f->kv[f->n - 1].key, key) == 0) {
		pg_kv *kv = &f->kv[f->n - 1];
		size_t have = strlen(kv->val);
		char *v = realloc(kv->val, have + size + 1);

		if (v == NULL)
			return MHD_NO;
		memcpy(v + have, data, size);
		v[have + size] = '\0';
		kv->val = v;
		return MHD_YES;
	}
	if (f->n >= 64)
		return MHD_NO;	/* no form of ours has that many fields */
	return pg_form_add(f, key, data != NULL ? data : "", size) == 0 ? MHD_YES : MHD_NO;
}

/* Parses the request's body into f; 0 or EINVAL. */
static int
form_parse(srv_req *r, pg_form *f)
{
	struct MHD_PostProcessor *pp = MHD_create_post_processor(r->conn, 4096, form_iter, f);
	int rc = 0;

	if (pp == NULL)
		return EINVAL;
	if (r->body.n > 0 && MHD_post_process(pp, r->body.p, r->body.n) != MHD_YES)
		rc = EINVAL;
	if (MHD_destroy_post_processor(pp) != MHD_YES)
		rc = EINVAL;
	return rc;
}

/* Parses the form and checks its token; replies (400, 403) when either
 * fails.  Returns 1 to go on. */
static int
form_begin(srv_req *r, page *p, pg_form *f, const char *expected, enum MHD_Result *ret)
{
	if (form_parse(r, f) != 0) {
		*ret = message(r, p, 400, pg_l(&p->c, "フォームが読めません", "the form cannot be read"));
		return 0;
	}
	if (!csrf_ok(expected, pg_form_get(f, "csrf"))) {
		*ret = message(r, p, 403, pg_l(&p->c,
		    "フォームの確認に失敗しました。ページを開き直してください（CSRF）",
		    "the form's token does not match: open the page again (CSRF)"));
		return 0;
	}
	return 1;
}

/* --- data for the pages --- */

/* Runs a projection tool with --format=json and the journal; args are
 * more --opt=value options (NULL-terminated).  *jp is the parsed output. */
static int
tool_json(srv_req *r, const char *tool, const char *const *args, json_t **jp, char *err, size_t errsize)
{
	char journal[4200];
	char *argv[12];
	jl_buf out = { 0 };
	json_error_t je;
	int n = 0, ex;

	*jp = NULL;
	snprintf(journal, sizeof journal, "--journal=%s", r->s->cfg.journal);
	argv[n++] = (char *)tool;
	argv[n++] = "--format=json";
	argv[n++] = journal;
	while (args != NULL && *args != NULL && n < 11)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	ex = srv_run_tool(r->s, argv, &out, err, errsize);
	if (ex == 0)
		*jp = json_loadb(out.p ? out.p : "", out.n, 0, &je);
	jl_buf_free(&out);
	if (*jp == NULL && err[0] == '\0')
		snprintf(err, errsize, "%s gave no JSON", tool);
	return *jp != NULL ? 0 : EIO;
}

/* Which of the two reports of cases_json() carry names. */
enum { NAMES_NONE, NAMES_CASELOAD, NAMES_RISK };

/* The caseload and risk of today as the account may see them: a
 * coordinator's own cases only; names (recorded as read, by the tool) on
 * one of them when the role may see them and the server has the key;
 * flag (may be NULL) narrows the risk list. */
static int
cases_json(srv_req *r, int names, const char *flag, json_t **caseloadp, json_t **riskp,
    char *err, size_t errsize)
{
	char coord[SRV_NAME_MAX + 16], flagopt[64], nown[4][4200];
	char *cargs[8] = { NULL }, *rargs[8] = { NULL }, *nv[4];
	int nc = 0, nr = 0, i;
	enum MHD_Result unused;
	int rc;

	*caseloadp = *riskp = NULL;
	if (r->acct.role == SRV_ROLE_COORDINATOR) {
		snprintf(coord, sizeof coord, "--coordinator=%s", r->acct.coordinator);
		cargs[nc++] = coord;
		rargs[nr++] = coord;
	}
	if (flag != NULL && pj_flag_parse(flag) >= 0) {
		snprintf(flagopt, sizeof flagopt, "--flag=%.40s", flag);
		rargs[nr++] = flagopt;
	}
	/* Without the key (or the role) the pages show no names: the
	 * check replies only on the API, so its reply is not made here. */
	if (names != NAMES_NONE && (r->acct.role == SRV_ROLE_NURSE ||
	    r->acct.role == SRV_ROLE_COORDINATOR) && r->s->vault != NULL &&
	    srv_names_opts(r, names == NAMES_CASELOAD ? "page: my day" : "page: risk list",
	    nown, nv, &unused) == 0) {
		for (i = 0; i < 4; i++) {
			if (names == NAMES_CASELOAD)
				cargs[nc++] = nv[i];
			else
				rargs[nr++] = nv[i];
		}
	}
	if ((rc = tool_json(r, "oyako-caseload", (const char *const *)cargs, caseloadp, err, errsize)) != 0 ||
	    (rc = tool_json(r, "oyako-risk", (const char *const *)rargs, riskp, err, errsize)) != 0)
		return rc;
	return 0;
}

static enum MHD_Result
unavailable(srv_req *r, page *p, const char *err)
{
	return message(r, p, 503, err[0] ? err : pg_l(&p->c, "集計できませんでした", "the report failed"));
}

/* --- handlers --- */

static enum MHD_Result
h_root(srv_req *r)
{
	page p;
	pg_buf b = { 0 };
	json_t *caseload = NULL, *risk = NULL;
	char err[512];
	enum MHD_Result ret;

	if (!gate(r, &p, SRV_ANYROLE, &ret))
		return ret;
	if (r->acct.role == SRV_ROLE_ADMIN)
		return redirect(r, "/annual", NULL);
	if (!may(r, SEES_CASES)) {
		pg_page_start(&b, &p.c);
		return reply_page(r, &p, 200, &b, NULL);
	}
	if (cases_json(r, NAMES_CASELOAD, NULL, &caseload, &risk, err, sizeof err) != 0) {
		ret = unavailable(r, &p, err);
		goto done;
	}
	pg_page_myday(&b, &p.c, caseload, risk, srv_query(r, "sort"));
	ret = reply_page(r, &p, 200, &b, NULL);
done:
	json_decref(caseload);
	json_decref(risk);
	return ret;
}

static enum MHD_Result
h_login_get(srv_req *r)
{
	page p;
	pg_buf b = { 0 };
	unsigned char raw[32];
	char hdr[160];

	page_init(r, &p);
	if (r->authed)
		return redirect(r, "/", NULL);
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(p.csrf, sizeof p.csrf, raw, sizeof raw);
	snprintf(hdr, sizeof hdr, "%s=%s; Path=/login; HttpOnly; SameSite=Strict%s", PRE_COOKIE,
	    p.csrf, r->s->tls ? "; Secure" : "");
	pg_page_login(&b, &p.c, NULL, NULL);
	return reply_page(r, &p, 200, &b, hdr);
}

static enum MHD_Result
h_login_post(srv_req *r)
{
	page p;
	pg_form f = { 0 };
	pg_buf b = { 0 };
	const char *pre = cookie(r, PRE_COOKIE), *name, *pw;
	char expected[CSRF_LEN + 1] = "", sess[80], hdr[200];
	srv_account a;
	enum MHD_Result ret;
	int status = 401;

	page_init(r, &p);
	p.c.path = "/login";
	if (pre != NULL && strlen(pre) == CSRF_LEN)
		snprintf(expected, sizeof expected, "%s", pre);
	if (!form_begin(r, &p, &f, expected, &ret))
		goto done;
	snprintf(p.csrf, sizeof p.csrf, "%s", expected);	/* the form again, on an error */
	name = pg_form_get(&f, "name");
	pw = pg_form_get(&f, "password");
	if (name == NULL || pw == NULL || *name == '\0') {
		pg_page_login(&b, &p.c, pg_l(&p.c, "名前とパスワードを入れてください",
		    "enter your name and password"), NULL);
		ret = reply_page(r, &p, 400, &b, NULL);
		goto done;
	}
	if (srv_login_locked(r->s, name) != 0) {
		status = 429;
		pg_page_login(&b, &p.c, pg_l(&p.c, "失敗が続いたため、しばらく待ってからもう一度どうぞ",
		    "too many failed sign-ins: wait a while and try again"), NULL);
		ret = reply_page(r, &p, status, &b, NULL);
		goto done;
	}
	if (srv_acct_password_check(r->s->accts, name, pw, &a) != 0) {
		srv_login_failed(r->s, name);
		pg_page_login(&b, &p.c, pg_l(&p.c, "名前かパスワードが違います",
		    "wrong name or password"), NULL);
		ret = reply_page(r, &p, status, &b, NULL);
		goto done;
	}
	if (srv_session_new(r->s, &a, sess, sizeof sess) != 0) {
		ret = message(r, &p, 503, pg_l(&p.c, "サインインできません（セッションが多すぎます）",
		    "cannot sign in: too many sessions"));
		goto done;
	}
	r->authed = 1;
	r->acct = a;
	snprintf(hdr, sizeof hdr, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", SRV_COOKIE,
	    sess, SRV_SESSION_SECONDS, r->s->tls ? "; Secure" : "");
	sodium_memzero(sess, sizeof sess);
	ret = redirect(r, a.role == SRV_ROLE_ADMIN ? "/annual" : "/", hdr);
	sodium_memzero(hdr, sizeof hdr);
done:
	pg_form_free(&f);
	return ret;
}

static enum MHD_Result
h_logout(srv_req *r)
{
	page p;
	pg_form f = { 0 };
	char hdr[160];
	enum MHD_Result ret;

	page_init(r, &p);
	if (!r->authed)
		return redirect(r, "/login", NULL);
	if (!form_begin(r, &p, &f, p.csrf, &ret))
		goto done;
	srv_session_end(r->s, cookie(r, SRV_COOKIE));
	snprintf(hdr, sizeof hdr, "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s", SRV_COOKIE,
	    r->s->tls ? "; Secure" : "");
	ret = redirect(r, "/login", hdr);
done:
	pg_form_free(&f);
	return ret;
}

/* GET /go?case=UUID: the case box of the start page. */
static enum MHD_Result
h_go(srv_req *r)
{
	page p;
	const char *q = srv_query(r, "case");
	uint8_t id[JN_ID_LEN];
	char loc[64], canon[37];
	enum MHD_Result ret;

	if (!gate(r, &p, SRV_ANYROLE, &ret))
		return ret;
	if (q == NULL || jn_uuid_parse(jn_str_c(q), id) != 0)
		return message(r, &p, 400, pg_l(&p.c, "ケース番号（UUID）が正しくありません",
		    "that is not a case number (UUID)"));
	jn_uuid_format(id, canon);
	snprintf(loc, sizeof loc, "/cases/%s", canon);
	return redirect(r, loc, NULL);
}

/* The case of a /cases/ URL: "UUID" or "UUID/what".  Returns 0 with the
 * canonical id, or EINVAL. */
static int
case_of(const char *rest, char canon[37], const char **tailp)
{
	char idtext[37];
	uint8_t id[JN_ID_LEN];
	size_t n = strcspn(rest, "/");

	if (n != 36)
		return EINVAL;
	memcpy(idtext, rest, 36);
	idtext[36] = '\0';
	if (jn_uuid_parse(jn_str_c(idtext), id) != 0)
		return EINVAL;
	jn_uuid_format(id, canon);
	*tailp = rest + n;
	return 0;
}

/* Whether the account may see case id: a coordinator its own cases. 0,
 * EACCES, ENOENT (no such case), or an error of the journal. */
static int
case_access(srv_req *r, const char *canon)
{
	char stream[48], code[SRV_NAME_MAX + 1];
	uint8_t id[JN_ID_LEN];
	uint32_t version = 0;
	jn_txn *txn = NULL;
	int rc;

	snprintf(stream, sizeof stream, "case:%s", canon);
	if ((rc = srv_read_begin(r->s, &txn)) == 0)
		rc = jn_stream_version(txn, jn_str_c(stream), &version);
	srv_read_end(r->s, txn);
	if (rc != 0)
		return rc;
	if (version == 0)
		return ENOENT;
	if (r->acct.role != SRV_ROLE_COORDINATOR)
		return 0;
	(void)jn_uuid_parse(jn_str_c(canon), id);
	if ((rc = srv_case_coordinator(r->s, id, code, sizeof code)) != 0)
		return rc;
	return strcmp(code, r->acct.coordinator) == 0 ? 0 : EACCES;
}

/* The events of a case stream as export objects. */
static int
stream_json(srv_req *r, const char *canon, json_t **evp)
{
	char stream[48];
	jn_txn *txn = NULL;
	jn_iter *it = NULL;
	jn_event ev;
	jl_buf line = { 0 };
	json_t *arr = json_array(), *o;
	json_error_t je;
	int rc;

	*evp = NULL;
	if (arr == NULL)
		return ENOMEM;
	snprintf(stream, sizeof stream, "case:%s", canon);
	if ((rc = srv_read_begin(r->s, &txn)) != 0)
		goto done;
	rc = jn_iter_stream(txn, jn_str_c(stream), &it);
	while (rc == 0 && (rc = jn_iter_next(it, &ev)) == 0) {
		line.n = 0;
		if ((rc = jl_encode(&ev, &line)) != 0)
			break;
		if ((o = json_loadb(line.p, line.n, 0, &je)) == NULL ||
		    json_array_append_new(arr, o) != 0) {
			rc = ENOMEM;
			break;
		}
	}
	if (rc == JN_END)
		rc = 0;
done:
	jn_iter_close(it);
	srv_read_end(r->s, txn);
	jl_buf_free(&line);
	if (rc == 0)
		*evp = arr;
	else
		json_decref(arr);
	return rc;
}

/* The case object of canon in a caseload, or NULL. */
static json_t *
caseload_case(json_t *caseload, const char *canon)
{
	json_t *k, *o;
	size_t i, j;

	json_array_foreach(json_object_get(caseload, "coordinators"), i, k)
		json_array_foreach(json_object_get(k, "cases"), j, o)
			if (json_string_value(json_object_get(o, "case")) != NULL &&
			    strcmp(json_string_value(json_object_get(o, "case")), canon) == 0)
				return o;
	json_array_foreach(json_object_get(caseload, "unassigned"), j, o)
		if (json_string_value(json_object_get(o, "case")) != NULL &&
		    strcmp(json_string_value(json_object_get(o, "case")), canon) == 0)
			return o;
	return NULL;
}

/* The person data of the case page (read recorded first), into v. */
static void
person_view(srv_req *r, page *p, const char *canon, pg_case_view *v, json_t **personp)
{
	uint8_t id[JN_ID_LEN];
	vt_person person;
	json_error_t je;
	char *json;
	int rc, state;

	memset(&person, 0, sizeof person);
	v->person_state = PG_PERSON_UNAVAILABLE;
	if (r->s->vault == NULL) {
		v->person_msg = r->s->vault_msg;
		return;
	}
	(void)jn_uuid_parse(jn_str_c(canon), id);
	if ((rc = srv_person_read(r, id, "page: case", &state, &person)) != 0) {
		v->person_msg = rc == VT_ECORRUPT ? pg_l(&p->c,
		    "この家族の個人情報は壊れているか書き換えられています。表示しません。",
		    "this family's person data is damaged or was changed: nothing of it is shown") :
		    pg_l(&p->c, "個人情報を読めませんでした", "cannot read the person data");
		return;
	}
	if (state == VT_S_FORGOTTEN) {
		v->person_state = PG_PERSON_FORGOTTEN;
		return;
	}
	json = state == VT_S_LIVE ? vt_person_json(&person) : strdup("{}");
	vt_person_clear(&person);
	if (json == NULL)
		return;
	*personp = json_loads(json, 0, &je);
	sodium_memzero(json, strlen(json));
	free(json);
	if (*personp == NULL)
		return;
	v->person = *personp;
	v->person_state = PG_PERSON_SHOWN;
	v->person_edit = 1;
}

/* Renders the case page; v's form fields are set by a failed post. */
static enum MHD_Result
case_page(srv_req *r, page *p, const char *canon, pg_case_view *v, int status)
{
	json_t *events = NULL, *caseload = NULL, *risk = NULL, *person = NULL;
	pg_buf b = { 0 };
	char err[512] = "";
	enum MHD_Result ret;

	v->case_id = canon;
	if (may(r, SEES_CASES)) {
		if (stream_json(r, canon, &events) != 0) {
			ret = unavailable(r, p, pg_l(&p->c, "記録を読めませんでした", "cannot read the journal"));
			goto done;
		}
		if (cases_json(r, NAMES_NONE, NULL, &caseload, &risk, err, sizeof err) != 0) {
			ret = unavailable(r, p, err);
			goto done;
		}
		v->events = events;
		v->summary = caseload_case(caseload, canon);
		v->risk = risk;
	}
	if (p->c.names)
		person_view(r, p, canon, v, &person);
	if (srv_query(r, "recorded") != NULL && v->errs == NULL)
		v->notice = pg_l(&p->c, "記録しました。", "Recorded.");
	pg_page_case(&b, &p->c, v);
	ret = reply_page(r, p, status, &b, NULL);
done:
	if (person != NULL) {
		/* Wipe what was decrypted before it goes back to the heap. */
		const char *k;
		json_t *val;

		json_object_foreach(person, k, val)
			if (json_is_string(val))
				sodium_memzero((char *)json_string_value(val), json_string_length(val));
		json_decref(person);
	}
	json_decref(events);
	json_decref(caseload);
	json_decref(risk);
	return ret;
}

/* The access check of a case URL, replying when refused.  1: go on. */
static int
case_gate(srv_req *r, page *p, unsigned who, char canon[37], const char **tailp, enum MHD_Result *ret)
{
	int rc;

	if (!gate(r, p, who, ret))
		return 0;
	if (case_of(r->rest, canon, tailp) != 0) {
		*ret = message(r, p, 404, pg_l(&p->c, "そのケースはありません", "no such case"));
		return 0;
	}
	rc = case_access(r, canon);
	if (rc == ENOENT) {
		*ret = message(r, p, 404, pg_l(&p->c, "そのケースはありません", "no such case"));
		return 0;
	}
	if (rc == EACCES) {
		*ret = message(r, p, 403, pg_l(&p->c, "担当しているケースではありません",
		    "this is not one of your cases"));
		return 0;
	}
	if (rc != 0) {
		*ret = unavailable(r, p, pg_l(&p->c, "記録を読めませんでした", "cannot read the journal"));
		return 0;
	}
	return 1;
}

static enum MHD_Result
h_case_get(srv_req *r)
{
	page p;
	pg_case_view v;
	char canon[37];
	const char *tail;
	enum MHD_Result ret;

	if (!case_gate(r, &p, SEES_CASES | RECORDS, canon, &tail, &ret))
		return ret;
	if (*tail != '\0')
		return message(r, &p, 404, pg_l(&p.c, "その画面はありません", "no such page"));
	memset(&v, 0, sizeof v);
	return case_page(r, &p, canon, &v, 200);
}

/* Appends one event (a JSON object, actor added here) through the group
 * commit.  0: stored; 422/409 with errs filled; else an error. */
static int
append_event(srv_req *r, json_t *ev, srv_errlist *errs)
{
	char *text = NULL;
	int rc = ENOMEM;

	if (json_object_set_new(ev, "actor", json_string(r->acct.name)) == 0 &&
	    (text = json_dumps(ev, JSON_COMPACT)) != NULL)
		rc = srv_append_line(r->s, text, strlen(text), errs);
	free(text);
	return rc;
}

/* POST /cases/UUID/events: a record form. */
static enum MHD_Result
post_event(srv_req *r, page *p, const char *canon, pg_form *f)
{
	pg_case_view v;
	pg_ferrs ferrs;
	srv_errlist errs = { 0 };
	json_t *ev = NULL;
	const char *type = pg_form_get(f, "type");
	char loc[80];
	enum MHD_Result ret;
	size_t i;
	int rc;

	memset(&v, 0, sizeof v);
	memset(&ferrs, 0, sizeof ferrs);
	if (type == NULL || !pg_form_type(type) ||
	    !(p->c.may_append & (1u << jn_type_of(jn_str_c(type)))))
		return message(r, p, 403, pg_l(&p->c, "この役割ではその記録はできません",
		    "your role may not record this"));
	rc = pg_form_event(&p->c, canon, f, &ev, &ferrs);
	if (rc == 0) {
		rc = append_event(r, ev, &errs);
		for (i = 0; i < errs.n; i++)
			pg_ferr_journal(&p->c, errs.v[i].field, errs.v[i].msg, &ferrs);
		if (rc == 422 || rc == 409)
			rc = EINVAL;
	}
	json_decref(ev);
	srv_errlist_free(&errs);
	if (rc == 0) {
		/* After a post, a redirect: a reload does not post again. */
		snprintf(loc, sizeof loc, "/cases/%s?recorded=1", canon);
		return redirect(r, loc, NULL);
	}
	if (rc != EINVAL)
		return unavailable(r, p, pg_l(&p->c, "記録できませんでした（サーバーの都合）",
		    "could not record (a server problem); nothing stored"));
	v.form_type = type;
	v.form = f;
	v.errs = &ferrs;
	ret = case_page(r, p, canon, &v, 422);
	return ret;
}

/* POST /cases/UUID/person: the person form (nurse, coordinator); an
 * empty field removes it. */
static enum MHD_Result
post_person(srv_req *r, page *p, const char *canon, pg_form *f)
{
	pg_case_view v;
	pg_ferrs ferrs;
	vt_patch pa;
	vt_err verr;
	uint8_t id[JN_ID_LEN];
	json_t *obj;
	char *text = NULL, loc[80];
	size_t i, bad;
	int rc;

	memset(&v, 0, sizeof v);
	memset(&ferrs, 0, sizeof ferrs);
	memset(&pa, 0, sizeof pa);
	memset(&verr, 0, sizeof verr);
	if (!p->c.names)
		return message(r, p, 403, pg_l(&p->c, "この役割では個人情報を扱えません",
		    "your role may not see or change person data"));
	if (r->s->vault == NULL)
		return message(r, p, 503, r->s->vault_msg);
	if ((obj = json_object()) == NULL)
		return unavailable(r, p, "out of memory");
	for (i = 0; i < VT_NFIELDS; i++) {
		const char *key = vt_field_name((int)i), *val = pg_form_get(f, key);

		if (val == NULL)
			continue;	/* not sent: kept */
		json_object_set_new(obj, key, *val != '\0' ? json_string(val) : json_null());
	}
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (text == NULL)
		return unavailable(r, p, "out of memory");
	rc = vt_patch_parse(text, strlen(text), 0, &pa, &verr);
	sodium_memzero(text, strlen(text));
	free(text);
	if (rc == 0) {
		(void)jn_uuid_parse(jn_str_c(canon), id);
		rc = vt_set(r->s->vault, (const uint8_t (*)[JN_ID_LEN])id, &pa, 1, &bad);
	}
	vt_patch_clear(&pa);
	if (rc == 0) {
		snprintf(loc, sizeof loc, "/cases/%s?recorded=1", canon);
		return redirect(r, loc, NULL);
	}
	if (rc == VT_EINVALID)
		pg_ferr_add(&ferrs, verr.field, verr.msg);
	else if (rc == VT_EFORGOTTEN)
		pg_ferr_add(&ferrs, "", pg_l(&p->c, "この家族の個人情報は消去済みで、もう記録できません",
		    "this family's person data was forgotten: it cannot be set again"));
	else
		return unavailable(r, p, pg_l(&p->c, "個人情報を保存できませんでした",
		    "could not save the person data; nothing stored"));
	v.form_type = "person";
	v.form = f;
	v.errs = &ferrs;
	return case_page(r, p, canon, &v, 422);
}

static enum MHD_Result
h_case_post(srv_req *r)
{
	page p;
	pg_form f = { 0 };
	char canon[37];
	const char *tail;
	enum MHD_Result ret;

	if (!case_gate(r, &p, RECORDS | SRV_NURSE | SRV_COORD, canon, &tail, &ret))
		return ret;
	snprintf(p.path, sizeof p.path, "/cases/%s", canon);
	p.c.path = p.path;
	if (!form_begin(r, &p, &f, p.csrf, &ret))
		goto done;
	if (strcmp(tail, "/events") == 0)
		ret = post_event(r, &p, canon, &f);
	else if (strcmp(tail, "/person") == 0)
		ret = post_person(r, &p, canon, &f);
	else
		ret = message(r, &p, 404, pg_l(&p.c, "その画面はありません", "no such page"));
done:
	pg_form_free(&f);
	return ret;
}

static enum MHD_Result
h_risk(srv_req *r)
{
	page p;
	pg_buf b = { 0 };
	json_t *caseload = NULL, *risk = NULL;
	char err[512];
	enum MHD_Result ret;

	if (!gate(r, &p, SEES_CASES, &ret))
		return ret;
	if (cases_json(r, NAMES_RISK, srv_query(r, "flag"), &caseload, &risk, err, sizeof err) != 0) {
		ret = unavailable(r, &p, err);
		goto done;
	}
	pg_page_risk(&b, &p.c, risk, caseload, srv_query(r, "flag"), srv_query(r, "district"));
	ret = reply_page(r, &p, 200, &b, NULL);
done:
	json_decref(caseload);
	json_decref(risk);
	return ret;
}

/* The fiscal year of ?fy=, else the last one that is over in Japan (a
 * complete year has complete tables). */
static int
fy_param(srv_req *r, int *fyp)
{
	const char *q = srv_query(r, "fy");
	char today[11];
	int y, m;
	char *end;
	long v;

	if (q != NULL && *q != '\0') {
		v = strtol(q, &end, 10);
		if (*end != '\0' || v < 1990 || v > 9998)
			return EINVAL;
		*fyp = (int)v;
		return 0;
	}
	jn_date_format(jn_today_jst(), today);
	y = atoi(today);
	m = atoi(today + 5);
	*fyp = m >= 4 ? y - 1 : y - 2;
	return 0;
}

static enum MHD_Result
h_annual(srv_req *r)
{
	page p;
	pg_buf b = { 0 };
	json_t *annual = NULL;
	char err[512], fyopt[32];
	const char *args[2] = { fyopt, NULL };
	enum MHD_Result ret;
	int fy;

	if (!gate(r, &p, SEES_ANNUAL, &ret))
		return ret;
	if (fy_param(r, &fy) != 0)
		return message(r, &p, 400, pg_l(&p.c, "年度が正しくありません", "not a fiscal year"));
	snprintf(fyopt, sizeof fyopt, "--fy=%d", fy);
	if (tool_json(r, "oyako-annual", args, &annual, err, sizeof err) != 0)
		return unavailable(r, &p, err);
	pg_page_annual(&b, &p.c, annual, fy);
	ret = reply_page(r, &p, 200, &b, NULL);
	json_decref(annual);
	return ret;
}

/* GET /download/annual.{html,xlsx,csv}?fy=: the report tool's own file. */
static enum MHD_Result
h_download(srv_req *r)
{
	static const struct {
		const char *name, *format, *ctype;
	} kinds[] = {
		{ "annual.html", "html", "text/html; charset=utf-8" },
		{ "annual.xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
		{ "annual.csv", "csv", "text/csv; charset=utf-8" },
	};
	static const char sjis_ctype[] = "text/csv; charset=Shift_JIS";
	page p;
	char tmpl[] = "/tmp/oyako-dl.XXXXXX", path[64], fyopt[32], fmt[32], outopt[96], lang[16];
	char journal[4200], err[512], disp[96];
	const char *enc = srv_query(r, "encoding");
	char *argv[9];
	jl_buf out = { 0 };
	struct MHD_Response *resp;
	enum MHD_Result ret;
	FILE *fp;
	size_t k, n;
	int fy, ex;

	if (!gate(r, &p, SEES_ANNUAL, &ret))
		return ret;
	for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
		if (strcmp(r->rest, kinds[k].name) == 0)
			break;
	if (k == sizeof kinds / sizeof kinds[0])
		return message(r, &p, 404, pg_l(&p.c, "そのファイルはありません", "no such file"));
	if (fy_param(r, &fy) != 0)
		return message(r, &p, 400, pg_l(&p.c, "年度が正しくありません", "not a fiscal year"));
	/* The tool writes its file (xlsx needs a file, not a pipe) in a
	 * folder of our own, removed at once. */
	if (mkdtemp(tmpl) == NULL)
		return unavailable(r, &p, strerror(errno));
	snprintf(path, sizeof path, "%s/%s", tmpl, kinds[k].name);
	snprintf(journal, sizeof journal, "--journal=%s", r->s->cfg.journal);
	snprintf(fyopt, sizeof fyopt, "--fy=%d", fy);
	snprintf(fmt, sizeof fmt, "--format=%s", kinds[k].format);
	snprintf(outopt, sizeof outopt, "--output=%s", path);
	snprintf(lang, sizeof lang, "--lang=%s", p.c.ja ? "ja" : "en");
	argv[0] = "oyako-annual";
	argv[1] = journal;
	argv[2] = fyopt;
	argv[3] = fmt;
	argv[4] = outopt;
	argv[5] = lang;
	argv[6] = NULL;
	/* Shift_JIS (CP932) for the Excel of older Windows: csv only. */
	if (enc != NULL && *enc != '\0') {
		if (k != 2 || strcmp(enc, "sjis") != 0) {
			rmdir(tmpl);
			return message(r, &p, 400, pg_l(&p.c, "文字コードが正しくありません",
			    "not an encoding (csv takes encoding=sjis)"));
		}
		argv[6] = "--encoding=sjis";
		argv[7] = NULL;
	}
	ex = srv_run_tool(r->s, argv, &out, err, sizeof err);
	jl_buf_free(&out);
	if (ex == 0 && (fp = fopen(path, "rb")) != NULL) {
		char buf[65536];

		while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
			if (jl_buf_reserve(&out, n) == 0) {
				memcpy(out.p + out.n, buf, n);
				out.n += n;
			}
		fclose(fp);
	} else if (ex == 0) {
		ex = -1;
		snprintf(err, sizeof err, "%s", strerror(errno));
	}
	unlink(path);
	rmdir(tmpl);
	if (ex != 0) {
		jl_buf_free(&out);
		return unavailable(r, &p, err);
	}
	resp = MHD_create_response_from_buffer(out.n, out.p ? out.p : (void *)"", out.p ?
	    MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		jl_buf_free(&out);
		return MHD_NO;
	}
	snprintf(disp, sizeof disp, "attachment; filename=\"oyako-%s-FY%d.%s\"", "annual", fy,
	    kinds[k].format);
	MHD_add_response_header(resp, "Content-Type", enc != NULL && *enc != '\0' ? sjis_ctype : kinds[k].ctype);
	MHD_add_response_header(resp, "Content-Disposition", disp);
	page_headers(resp, NULL);
	return srv_reply_response(r, 200, resp);
}
