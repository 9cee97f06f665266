/*
 * api.c: the routes of BRIEF section 10 (specs/server.md): events in and
 * out, the feed, one stream, verify, health, login and logout.  The report
 * routes live in reports.c.
 */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "internal.h"

#define CHUNK_BYTES (256u << 10)	/* export text read per transaction */
#define CHUNK_EVENTS 2048
#define KEEPALIVE_SECONDS 15

static enum MHD_Result h_events_post(srv_req *r);
static enum MHD_Result h_events_get(srv_req *r);
static enum MHD_Result h_feed(srv_req *r);
static enum MHD_Result h_stream(srv_req *r);
static enum MHD_Result h_verify(srv_req *r);
static enum MHD_Result h_health(srv_req *r);
static enum MHD_Result h_login(srv_req *r);
static enum MHD_Result h_logout(srv_req *r);

const srv_route srv_api_routes[] = {
	{ "POST", "/v1/events", SRV_INTAKE | SRV_COORD | SRV_NURSE,
	    "application/json application/x-ndjson", h_events_post },
	{ "GET", "/v1/events", SRV_AUDITOR | SRV_NURSE, NULL, h_events_get },
	{ "GET", "/v1/feed", SRV_AUDITOR, NULL, h_feed },
	{ "GET", "/v1/streams/", SRV_NURSE | SRV_COORD | SRV_AUDITOR, NULL, h_stream },
	{ "GET", "/v1/reports/annual", SRV_ADMIN | SRV_NURSE | SRV_AUDITOR | SRV_COORD, NULL,
	    srv_report_annual },
	{ "GET", "/v1/reports/caseload", SRV_NURSE | SRV_AUDITOR | SRV_COORD, NULL,
	    srv_report_caseload },
	{ "GET", "/v1/reports/risk", SRV_NURSE | SRV_AUDITOR | SRV_COORD, NULL, srv_report_risk },
	{ "GET", "/v1/reports/audit", SRV_AUDITOR, NULL, srv_report_audit },
	{ "GET", "/v1/verify", SRV_AUDITOR, NULL, h_verify },
	{ "GET", "/v1/health", SRV_PUBLIC, NULL, h_health },
	{ "GET", "/metrics", SRV_ADMIN | SRV_AUDITOR, NULL, srv_metrics_reply },
	{ "POST", "/v1/login", SRV_PUBLIC, "application/json", h_login },
	{ "POST", "/v1/logout", SRV_PUBLIC, NULL, h_logout },
	/* GET/PUT /v1/persons/{case} and names=1 (the vault, issue 11) come
	 * in here. */
	{ NULL, NULL, 0, NULL, NULL }
};

/* A whole decimal number, at most max. */
static int
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* --- POST /v1/events --- */

static int
is_contact(jn_type t)
{
	switch (t) {
	case JN_T_HANDBOOK_ISSUED: case JN_T_CLASS_ATTENDED: case JN_T_INTERVIEW_8MONTH:
	case JN_T_HAPPYBABY_CONTACT: case JN_T_CHECKUP_ATTENDED: case JN_T_ROOM_VISITED:
	case JN_T_REFERRAL_MADE:
		return 1;
	default:
		return 0;
	}
}

/* Why role may not append type t, or NULL when it may (an unknown type is
 * left to validation). */
const char *
srv_type_refused(int role, jn_type t)
{
	if (t == JN_T_CASE_FORGOTTEN || t == JN_T_PERSON_ACCESSED || t == JN_T_STAFF_ACCOUNT_CHANGED)
		return "this type is written by the system only";
	if ((role == SRV_ROLE_INTAKE || role == SRV_ROLE_COORDINATOR) && t != JN_T_UNKNOWN &&
	    !is_contact(t))
		return "this role may append contact events only";
	return NULL;
}

/* A decoded event kept in the job's arena: offsets, since the arena moves
 * as it grows. */
typedef struct evrec {
	uint8_t id[JN_ID_LEN];
	int64_t expected_version;
	size_t off[5], len[5];	/* type, stream, occurred, actor, data */
} evrec;

typedef struct batch {
	jl_buf arena;
	evrec *recs;
	uint64_t *lines;
	size_t n, cap;
	srv_errlist forbidden;
} batch;

static int
arena_put(jl_buf *a, const void *p, size_t n, size_t *off, size_t *len)
{
	if (jl_buf_reserve(a, n + 1) != 0)
		return ENOMEM;
	*off = a->n;
	*len = n;
	if (n)
		memcpy(a->p + a->n, p, n);
	a->n += n;
	return 0;
}

/* Keeps one decoded line (after the role and actor checks). */
static int
batch_add(batch *b, srv_req *r, const jn_event *ev, uint64_t line)
{
	const char *why;
	evrec *rec;
	jn_str actor = ev->actor;
	int rc;

	if ((why = srv_type_refused(r->acct.role, jn_type_of(ev->type))) != NULL)
		return srv_errlist_add(&b->forbidden, line, "type", why);
	if (actor.p == NULL) {
		actor = jn_str_c(r->acct.name);
	} else if (!jn_str_eq(actor, r->acct.name)) {
		return srv_errlist_add(&b->forbidden, line, "actor",
		    "the actor must be the account's name (or left out)");
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		evrec *v = realloc(b->recs, cap * sizeof *v);
		uint64_t *l;

		if (v == NULL)
			return ENOMEM;
		b->recs = v;
		if ((l = realloc(b->lines, cap * sizeof *l)) == NULL)
			return ENOMEM;
		b->lines = l;
		b->cap = cap;
	}
	rec = &b->recs[b->n];
	memcpy(rec->id, ev->id, JN_ID_LEN);
	rec->expected_version = ev->expected_version;
	if ((rc = arena_put(&b->arena, ev->type.p, ev->type.n, &rec->off[0], &rec->len[0])) != 0 ||
	    (rc = arena_put(&b->arena, ev->stream.p, ev->stream.n, &rec->off[1], &rec->len[1])) != 0 ||
	    (rc = arena_put(&b->arena, ev->occurred.p, ev->occurred.n, &rec->off[2], &rec->len[2])) != 0 ||
	    (rc = arena_put(&b->arena, actor.p, actor.n, &rec->off[3], &rec->len[3])) != 0 ||
	    (rc = arena_put(&b->arena, ev->data, ev->data_len, &rec->off[4], &rec->len[4])) != 0)
		return rc;
	b->lines[b->n++] = line;
	return 0;
}

/* The job's events, pointing into the arena (which no longer moves). */
static int
batch_job(batch *b, srv_job *job)
{
	size_t i;

	if (b->n && (job->evs = calloc(b->n, sizeof *job->evs)) == NULL)
		return ENOMEM;
	for (i = 0; i < b->n; i++) {
		jn_event *ev = &job->evs[i];
		const evrec *rec = &b->recs[i];
		const char *base = b->arena.p;

		memcpy(ev->id, rec->id, JN_ID_LEN);
		ev->expected_version = rec->expected_version;
		ev->type = (jn_str){ base + rec->off[0], rec->len[0] };
		ev->stream = (jn_str){ base + rec->off[1], rec->len[1] };
		ev->occurred = (jn_str){ base + rec->off[2], rec->len[2] };
		ev->actor = (jn_str){ base + rec->off[3], rec->len[3] };
		ev->data = (const uint8_t *)base + rec->off[4];
		ev->data_len = rec->len[4];
	}
	job->n = b->n;
	job->lines = b->lines;
	return 0;
}

static void
batch_free(batch *b)
{
	jl_buf_free(&b->arena);
	free(b->recs);
	free(b->lines);
	srv_errlist_free(&b->forbidden);
}

/* Decodes one line into the batch, or names it in pre. */
static int
decode_line(srv_req *r, batch *b, jl_event *e, srv_errlist *pre, const char *p, size_t n,
    uint64_t line)
{
	jn_errinfo err;
	int rc;

	memset(&err, 0, sizeof err);
	rc = jl_decode(p, n, JL_NOACTOR, e, &err);
	if (rc == JN_EINVALID)
		return srv_errlist_add(pre, line, err.field, err.msg);
	if (rc != 0)
		return rc;
	return batch_add(b, r, &e->ev, line);
}

static int
blank(const char *p, size_t n)
{
	while (n--)
		if (!strchr(" \t\r", *p++))
			return 0;
	return 1;
}

static enum MHD_Result
events_reply(srv_req *r, const srv_job *job, const batch *b)
{
	char id[37], hex[2 * JN_HASH_LEN + 1];
	jl_buf out = { 0 };
	size_t i;
	int rc;

	jl_hex(job->head_hash, JN_HASH_LEN, hex);
	rc = srv_printf(&out, "{\"stored\":%zu,\"already_stored\":%zu,\"head_seq\":%llu,"
	    "\"head_hash\":\"%s\",\"events\":[", job->stored, job->dups,
	    (unsigned long long)job->head_seq, hex);
	for (i = 0; i < job->n && rc == 0; i++) {
		jn_uuid_format(b->recs[i].id, id);
		rc = srv_printf(&out, "%s{\"id\":\"%s\",\"seq\":%llu}", i ? "," : "", id,
		    (unsigned long long)job->seqs[i]);
	}
	if (rc == 0)
		rc = srv_puts(&out, "]}");
	if (rc != 0) {
		jl_buf_free(&out);
		return srv_reply_error(r, "unavailable", NULL, "out of memory");
	}
	return srv_reply_json(r, job->stored ? 201 : 200, &out);
}

static enum MHD_Result
h_events_post(srv_req *r)
{
	const char *ct = srv_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *p = r->body.p ? r->body.p : "", *end = p + r->body.n, *nl;
	int ndjson = ct && strncasecmp(ct, "application/x-ndjson", 20) == 0;
	jl_event e = { 0 };
	batch b;
	srv_job job;
	uint64_t line = 0;
	enum MHD_Result ret;
	int rc = 0;

	memset(&b, 0, sizeof b);
	memset(&job, 0, sizeof job);
	if (!ndjson) {
		/* One object: anything else is not an event at all. */
		json_error_t je;
		json_t *j = json_loadb(p, r->body.n, 0, &je);
		int obj = j && json_is_object(j);

		json_decref(j);
		if (!obj) {
			ret = srv_reply_error(r, "malformed", NULL, "%s", j ? "the body must be one JSON "
			    "object (use application/x-ndjson for a batch)" : "the body is not JSON");
			goto done;
		}
		rc = decode_line(r, &b, &e, &job.pre, p, r->body.n, 1);
	} else {
		while (p < end && rc == 0) {
			nl = memchr(p, '\n', (size_t)(end - p));
			if (nl == NULL)
				nl = end;
			line++;
			if (!blank(p, (size_t)(nl - p)))
				rc = decode_line(r, &b, &e, &job.pre, p, (size_t)(nl - p), line);
			p = nl + 1;
		}
	}
	if (rc != 0) {
		ret = srv_reply_error(r, "unavailable", NULL, "out of memory");
		goto done;
	}
	if (b.forbidden.n) {
		ret = srv_reply_error(r, "forbidden", &b.forbidden, "%zu event%s refused for "
		    "account %s; nothing stored", b.forbidden.n, b.forbidden.n == 1 ? "" : "s",
		    r->acct.name);
		goto done;
	}
	if (b.n == 0 && job.pre.n == 0) {
		ret = srv_reply_error(r, "malformed", NULL, "no event in the body");
		goto done;
	}
	if (b.n == 0) {
		/* Nothing decoded: the errors are all known, no need to queue. */
		ret = srv_reply_error(r, "invalid", &job.pre, "%zu bad line%s; nothing stored",
		    job.pre.n, job.pre.n == 1 ? "" : "s");
		goto done;
	}
	if (batch_job(&b, &job) != 0) {
		ret = srv_reply_error(r, "unavailable", NULL, "out of memory");
		goto done;
	}
	job.bytes = r->body.n;
	if ((rc = srv_submit(r->s, &job)) != 0) {
		ret = srv_reply_error(r, "unavailable", NULL, "%s", rc == ENOMEM ? "out of memory" :
		    "the server is shutting down");
		goto done;
	}
	switch (job.status) {
	case 0:
		ret = events_reply(r, &job, &b);
		break;
	case 422:
		ret = srv_reply_error(r, "invalid", &job.errs, "%zu bad line%s; nothing stored",
		    job.errs.n, job.errs.n == 1 ? "" : "s");
		break;
	case 409:
		ret = srv_reply_error(r, "conflict", &job.errs, "%zu conflict%s; nothing stored",
		    job.errs.n, job.errs.n == 1 ? "" : "s");
		break;
	default:
		ret = srv_reply_error(r, "unavailable", &job.errs, "the journal cannot be written; "
		    "nothing stored");
		break;
	}
done:
	job.lines = NULL;	/* b's */
	free(job.evs);
	srv_job_free(&job);
	batch_free(&b);
	jl_event_free(&e);
	return ret;
}

/* --- GET /v1/events and /v1/feed: export lines, read in chunks --- */

typedef struct cursor {
	srv *s;
	int feed;
	uint64_t next;		/* the next seq to read */
	uint64_t upto;		/* the last seq to send (not for a feed) */
	uint64_t limit, sent;	/* limit 0: none */
	int any_type;
	unsigned char types[JN_T_COUNT];
	jl_buf buf;
	size_t off;
	time_t last;		/* of the last bytes sent (keepalive) */
	int end;
} cursor;

static int
parse_types(cursor *c, const char *arg)
{
	const char *p = arg, *comma;
	jn_type t;
	size_t n;

	c->any_type = 1;
	if (arg == NULL || *arg == '\0')
		return 0;
	c->any_type = 0;
	for (;;) {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		if ((t = jn_type_of((jn_str){ p, n })) == JN_T_UNKNOWN)
			return -1;
		c->types[t] = 1;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

static int
cursor_wants(const cursor *c, const jn_event *ev)
{
	return c->any_type || (ev->type_code < JN_T_COUNT && c->types[ev->type_code]);
}

/* Reads the next chunk of events into c->buf. */
static int
cursor_fill(cursor *c)
{
	jn_txn *txn = NULL;
	jn_iter *it = NULL;
	jn_event ev;
	uint64_t head;
	size_t count = 0;
	int rc;

	if ((rc = srv_read_begin(c->s, &txn)) != 0)
		return rc;
	if ((rc = jn_head(txn, &head, NULL)) != 0)
		goto done;
	if (!c->feed && head > c->upto)
		head = c->upto;
	if (c->next > head) {
		c->end = !c->feed;
		goto done;
	}
	if ((rc = jn_iter_seq(txn, c->next, head, &it)) != 0)
		goto done;
	while (c->buf.n < CHUNK_BYTES && count < CHUNK_EVENTS && !(c->limit && c->sent >= c->limit) &&
	    (rc = jn_iter_next(it, &ev)) == 0) {
		c->next = ev.seq + 1;
		count++;
		if (!cursor_wants(c, &ev))
			continue;
		if (c->feed && (rc = srv_printf(&c->buf, "id: %llu\ndata: ",
		    (unsigned long long)ev.seq)) != 0)
			goto done;
		if ((rc = jl_encode(&ev, &c->buf)) != 0)
			goto done;
		if (c->feed && (rc = srv_puts(&c->buf, "\n")) != 0)
			goto done;
		c->sent++;
	}
	if (rc == JN_END || rc == 0)
		rc = 0;
	if (!c->feed && ((c->limit && c->sent >= c->limit) || c->next > head))
		c->end = 1;
done:
	jn_iter_close(it);
	srv_read_end(c->s, txn);
	return rc;
}

/* Waits up to a second for a commit past seq (the writer wakes us; other
 * processes' commits are found by the next read). */
static void
wait_commit(srv *s, uint64_t seq)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 1;
	pthread_mutex_lock(&s->hmu);
	while (s->head <= seq && !s->stopping)
		if (pthread_cond_timedwait(&s->hcv, &s->hmu, &until) != 0)
			break;
	pthread_mutex_unlock(&s->hmu);
}

static ssize_t
cursor_read(void *cls, uint64_t pos, char *out, size_t max)
{
	cursor *c = cls;
	size_t n;

	for (;;) {
		if (c->off < c->buf.n) {
			n = c->buf.n - c->off < max ? c->buf.n - c->off : max;
			memcpy(out, c->buf.p + c->off, n);
			c->off += n;
			c->last = time(NULL);
			return (ssize_t)n;
		}
		c->buf.n = c->off = 0;
		if (c->end || c->s->stopping)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (cursor_fill(c) != 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (c->buf.n || !c->feed)
			continue;
		if (time(NULL) - c->last >= KEEPALIVE_SECONDS) {
			if (srv_puts(&c->buf, ": keepalive\n\n") != 0)
				return MHD_CONTENT_READER_END_WITH_ERROR;
			continue;
		}
		wait_commit(c->s, c->next - 1);
	}
}

static void
cursor_free(void *cls)
{
	cursor *c = cls;

	jl_buf_free(&c->buf);
	free(c);
}

static enum MHD_Result
cursor_reply(srv_req *r, cursor *c, const char *ctype)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, cursor_read, c,
	    cursor_free);
	if (resp == NULL) {
		cursor_free(c);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", ctype);
	return srv_reply_response(r, 200, resp);
}

/* One stream, filtered, in one piece (a stream is small). */
static enum MHD_Result
events_of_stream(srv_req *r, cursor *c, const char *stream)
{
	jn_txn *txn = NULL;
	jn_iter *it = NULL;
	jn_event ev;
	jl_buf out = { 0 };
	enum MHD_Result ret;
	int rc;

	if ((rc = srv_read_begin(r->s, &txn)) != 0)
		goto fail;
	rc = jn_iter_stream(txn, jn_str_c(stream), &it);
	while (rc == 0 && !(c->limit && c->sent >= c->limit) && (rc = jn_iter_next(it, &ev)) == 0) {
		if (ev.seq <= c->next - 1 || !cursor_wants(c, &ev))
			continue;
		rc = jl_encode(&ev, &out);
		c->sent++;
	}
	jn_iter_close(it);
	srv_read_end(r->s, txn);
	if (rc != 0 && rc != JN_END && rc != JN_ENOTFOUND)
		goto fail;
	free(c);
	return srv_reply_buf(r, 200, "application/x-ndjson", &out);
fail:
	free(c);
	jl_buf_free(&out);
	ret = srv_reply_error(r, "unavailable", NULL, "cannot read the journal: %s", jn_strerror(rc));
	return ret;
}

static enum MHD_Result
export_begin(srv_req *r, int feed)
{
	const char *after = srv_query(r, "after"), *limit = srv_query(r, "limit");
	const char *last = feed ? srv_header(r, "Last-Event-ID") : NULL;
	const char *stream = feed ? NULL : srv_query(r, "stream");
	uint64_t a = 0;
	jn_txn *txn;
	cursor *c;
	int rc;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return MHD_NO;
	c->s = r->s;
	c->feed = feed;
	c->last = time(NULL);
	/* A reconnecting client's Last-Event-ID wins over the URL's after=. */
	if (last && *last)
		after = last;
	if ((after && parse_u64(after, INT64_MAX, &a) != 0) ||
	    (limit && parse_u64(limit, INT64_MAX, &c->limit) != 0) ||
	    parse_types(c, srv_query(r, "type")) != 0) {
		free(c);
		return srv_reply_error(r, "malformed", NULL, "bad after, limit or type "
		    "(after and limit are whole numbers, type a catalog type or a comma list)");
	}
	c->next = a + 1;
	if (stream)
		return events_of_stream(r, c, stream);
	if (!feed) {
		if ((rc = srv_read_begin(r->s, &txn)) != 0 || (rc = jn_head(txn, &c->upto, NULL)) != 0) {
			srv_read_end(r->s, txn);
			free(c);
			return srv_reply_error(r, "unavailable", NULL, "cannot read the journal: %s",
			    jn_strerror(rc));
		}
		srv_read_end(r->s, txn);
		return cursor_reply(r, c, "application/x-ndjson");
	}
	/* A comment first, so that the client sees the stream open at once. */
	srv_puts(&c->buf, ": oyako feed\n\n");
	return cursor_reply(r, c, "text/event-stream");
}

static enum MHD_Result
h_events_get(srv_req *r)
{
	return export_begin(r, 0);
}

static enum MHD_Result
h_feed(srv_req *r)
{
	return export_begin(r, 1);
}

/* --- GET /v1/streams/{stream} --- */

static enum MHD_Result
h_stream(srv_req *r)
{
	const char *stream = r->rest;
	char code[SRV_NAME_MAX + 1];
	uint8_t id[JN_ID_LEN];
	jn_txn *txn = NULL;
	jn_iter *it = NULL;
	jn_event ev;
	jl_buf out = { 0 };
	uint64_t by;
	uint32_t version = 0;
	int rc, first = 1;

	if ((rc = srv_read_begin(r->s, &txn)) != 0 ||
	    (rc = jn_stream_version(txn, jn_str_c(stream), &version)) != 0)
		goto fail;
	if (version == 0) {
		srv_read_end(r->s, txn);
		return srv_reply_error(r, "not_found", NULL, "no stream '%s'", stream);
	}
	if (r->acct.role == SRV_ROLE_COORDINATOR) {
		/* Its own cases only: the coordinator of the case today. */
		srv_read_end(r->s, txn);
		txn = NULL;
		if (strncmp(stream, "case:", 5) != 0 || jn_uuid_parse(jn_str_c(stream + 5), id) != 0)
			return srv_reply_error(r, "forbidden", NULL, "a coordinator reads case streams only");
		if ((rc = srv_case_coordinator(r->s, id, code, sizeof code)) != 0)
			goto fail;
		if (strcmp(code, r->acct.coordinator) != 0)
			return srv_reply_error(r, "forbidden", NULL, "'%s' is not a case of "
			    "coordinator %s", stream, r->acct.coordinator);
		if ((rc = srv_read_begin(r->s, &txn)) != 0)
			goto fail;
	}
	rc = srv_puts(&out, "{\"stream\":");
	rc = rc ? rc : srv_put_str(&out, stream);
	rc = rc ? rc : srv_puts(&out, ",\"events\":[");
	rc = rc ? rc : jn_iter_stream(txn, jn_str_c(stream), &it);
	while (rc == 0 && (rc = jn_iter_next(it, &ev)) == 0) {
		size_t at;

		if ((rc = srv_puts(&out, first ? "" : ",")) != 0)
			break;
		first = 0;
		at = out.n;
		if ((rc = jl_encode(&ev, &out)) != 0)
			break;
		/* The export line without its "}\n", then retracted_by. */
		out.n = at + (out.n - at) - 2;
		rc = jn_retracted_by(txn, ev.seq, &by);
		if (rc == 0)
			rc = srv_printf(&out, ",\"retracted_by\":%llu}", (unsigned long long)by);
		else if (rc == JN_ENOTFOUND)
			rc = srv_puts(&out, ",\"retracted_by\":null}");
	}
	if (rc == JN_END)
		rc = srv_puts(&out, "]}");
	jn_iter_close(it);
	it = NULL;
	if (rc != 0)
		goto fail;
	srv_read_end(r->s, txn);
	return srv_reply_json(r, 200, &out);
fail:
	jn_iter_close(it);
	srv_read_end(r->s, txn);
	jl_buf_free(&out);
	return srv_reply_error(r, "unavailable", NULL, "cannot read the journal: %s", jn_strerror(rc));
}

/* --- verify, health --- */

static enum MHD_Result
h_verify(srv_req *r)
{
	char hex[2 * JN_HASH_LEN + 1];
	jn_verify_report rep;
	jn_txn *txn = NULL;
	jl_buf out = { 0 };
	uint64_t head = 0;
	int rc, vrc;

	memset(&rep, 0, sizeof rep);
	if ((rc = srv_read_begin(r->s, &txn)) != 0 || (rc = jn_head(txn, &head, NULL)) != 0) {
		srv_read_end(r->s, txn);
		return srv_reply_error(r, "unavailable", NULL, "cannot read the journal: %s",
		    jn_strerror(rc));
	}
	vrc = jn_verify(txn, &rep, NULL, NULL);
	srv_read_end(r->s, txn);
	if (vrc == 0) {
		jl_hex(rep.head_hash, JN_HASH_LEN, hex);
		rc = srv_printf(&out, "{\"ok\":true,\"events\":%llu,\"head_seq\":%llu,\"head_hash\":\"%s\"}",
		    (unsigned long long)rep.events, (unsigned long long)head, hex);
	} else if (vrc == JN_ECORRUPT) {
		rc = srv_printf(&out, "{\"ok\":false,\"events\":%llu,\"head_seq\":%llu,\"bad_seq\":%llu,"
		    "\"field\":", (unsigned long long)(rep.bad_seq ? rep.bad_seq - 1 : rep.events),
		    (unsigned long long)head, (unsigned long long)rep.bad_seq);
		rc = rc ? rc : srv_put_str(&out, rep.err.field);
		rc = rc ? rc : srv_puts(&out, ",\"message\":");
		rc = rc ? rc : srv_put_str(&out, rep.err.msg[0] ? rep.err.msg : jn_strerror(vrc));
		rc = rc ? rc : srv_puts(&out, "}");
	} else {
		return srv_reply_error(r, "unavailable", NULL, "cannot verify: %s", jn_strerror(vrc));
	}
	if (rc != 0) {
		jl_buf_free(&out);
		return MHD_NO;
	}
	return srv_reply_json(r, 200, &out);
}

static enum MHD_Result
h_health(srv_req *r)
{
	jn_txn *txn = NULL;
	jl_buf out = { 0 };
	uint64_t head = 0;
	int rc;

	if ((rc = srv_read_begin(r->s, &txn)) != 0 || (rc = jn_head(txn, &head, NULL)) != 0) {
		srv_read_end(r->s, txn);
		return srv_reply_error(r, "unavailable", NULL, "cannot read the journal: %s",
		    jn_strerror(rc));
	}
	srv_read_end(r->s, txn);
	if (srv_printf(&out, "{\"ok\":true,\"head_seq\":%llu}", (unsigned long long)head) != 0)
		return MHD_NO;
	return srv_reply_json(r, 200, &out);
}

/* --- login, logout --- */

static enum MHD_Result
h_login(srv_req *r)
{
	char cookie[80], hdr[200], wait_s[24];
	json_error_t je;
	json_t *j = json_loadb(r->body.p ? r->body.p : "", r->body.n, 0, &je);
	const char *name = j ? json_string_value(json_object_get(j, "name")) : NULL;
	const char *pw = j ? json_string_value(json_object_get(j, "password")) : NULL;
	struct MHD_Response *resp;
	srv_account a;
	jl_buf out = { 0 };
	unsigned wait;
	enum MHD_Result ret;
	int rc;

	if (name == NULL || pw == NULL) {
		ret = srv_reply_error(r, "malformed", NULL, "the body must be {\"name\":..,\"password\":..}");
		goto done;
	}
	if ((wait = srv_login_locked(r->s, name)) != 0) {
		snprintf(wait_s, sizeof wait_s, "%u", wait);
		if (srv_printf(&out, "{\"error\":\"too_many_requests\",\"message\":\"too many failed "
		    "logins for this name: try again in %u s\",\"errors\":[]}\n", wait) != 0 ||
		    (resp = MHD_create_response_from_buffer(out.n, out.p, MHD_RESPMEM_MUST_FREE)) == NULL) {
			jl_buf_free(&out);
			ret = MHD_NO;
			goto done;
		}
		MHD_add_response_header(resp, "Content-Type", "application/json");
		MHD_add_response_header(resp, "Retry-After", wait_s);
		ret = srv_reply_response(r, 429, resp);
		goto done;
	}
	if ((rc = srv_acct_password_check(r->s->accts, name, pw, &a)) != 0) {
		if (rc == EACCES)
			srv_login_failed(r->s, name);
		ret = srv_reply_error(r, "unauthorized", NULL, "wrong name or password");
		goto done;
	}
	if (srv_session_new(r->s, &a, cookie, sizeof cookie) != 0) {
		ret = srv_reply_error(r, "unavailable", NULL, "too many sessions");
		goto done;
	}
	r->authed = 1;
	r->acct = a;
	rc = srv_puts(&out, "{\"name\":");
	rc = rc ? rc : srv_put_str(&out, a.name);
	rc = rc ? rc : srv_printf(&out, ",\"role\":\"%s\",\"coordinator\":", srv_role_name(a.role));
	rc = rc ? rc : srv_put_str(&out, a.coordinator[0] ? a.coordinator : NULL);
	rc = rc ? rc : srv_puts(&out, "}\n");
	if (rc != 0 ||
	    (resp = MHD_create_response_from_buffer(out.n, out.p, MHD_RESPMEM_MUST_FREE)) == NULL) {
		jl_buf_free(&out);
		ret = MHD_NO;
		goto done;
	}
	snprintf(hdr, sizeof hdr, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", SRV_COOKIE,
	    cookie, SRV_SESSION_SECONDS, r->s->tls ? "; Secure" : "");
	sodium_memzero(cookie, sizeof cookie);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, hdr);
	sodium_memzero(hdr, sizeof hdr);
	ret = srv_reply_response(r, 200, resp);
done:
	json_decref(j);
	return ret;
}

static enum MHD_Result
h_logout(srv_req *r)
{
	char hdr[160];
	struct MHD_Response *resp;
	static const char body[] = "{\"ok\":true}\n";

	srv_session_end(r->s, MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, SRV_COOKIE));
	resp = MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	snprintf(hdr, sizeof hdr, "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s", SRV_COOKIE,
	    r->s->tls ? "; Secure" : "");
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, hdr);
	return srv_reply_response(r, 200, resp);
}
