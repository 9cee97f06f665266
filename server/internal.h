/*
 * internal.h: what the files of server/ share.  A file that adds routes
 * (the staff pages of server/pages.c, the person endpoints) needs only
 * this header: a route table, the request, and the reply helpers, so that
 * every reply and every error has one shape.
 *
 * A handler runs in the connection's own thread (libmicrohttpd's
 * thread-per-connection mode): it may block, on the group commit for
 * instance, and holds up nobody but its client.
 */
#ifndef OYAKO_SERVER_INTERNAL_H
#define OYAKO_SERVER_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "accounts.h"
#include "journal.h"
#include "jsonl.h"
#include "server.h"
#include "vault.h"

/* Who may call a route: role bits, or SRV_PUBLIC (no authentication). */
#define SRV_WHO(role) (1u << (role))
#define SRV_INTAKE	SRV_WHO(SRV_ROLE_INTAKE)
#define SRV_COORD	SRV_WHO(SRV_ROLE_COORDINATOR)
#define SRV_NURSE	SRV_WHO(SRV_ROLE_NURSE)
#define SRV_AUDITOR	SRV_WHO(SRV_ROLE_AUDITOR)
#define SRV_ADMIN	SRV_WHO(SRV_ROLE_ADMIN)
#define SRV_ANYROLE	0x1fu
#define SRV_PUBLIC	0x100u

typedef struct srv_req srv_req;

/* A handler replies through one of the srv_reply*() helpers and returns
 * their result. */
typedef enum MHD_Result (*srv_handler)(srv_req *r);

typedef struct srv_route {
	const char *method;	/* "GET", "POST", ... */
	const char *path;	/* exact, or a prefix when it ends with '/' (but "/" is exact) */
	unsigned who;		/* SRV_* role bits, or SRV_PUBLIC */
	const char *ctypes;	/* media types of the body, space separated; NULL: no body */
	srv_handler fn;
} srv_route;

/* The route tables, each ended by a { NULL } entry: api.c's (events, feed,
 * streams, reports, verify, health, login, metrics).  Add a table of your
 * own to srv_tables in http.c. */
extern const srv_route srv_api_routes[];
/* The staff pages at / (server/pages_routes.c, specs/pages.md). */
extern const srv_route srv_page_routes[];
/* GET and PUT /v1/persons/{case} (server/persons.c). */
extern const srv_route srv_person_routes[];

/* Why role may not append type t, or NULL when it may (api.c; the
 * pages offer only the forms a role may send). */
const char *srv_type_refused(int role, jn_type t);

/* One error line of a reply: {"line":L,"field":"data.due_date","message":".."}. */
typedef struct srv_err {
	uint64_t line;		/* 0: not tied to a line */
	char field[64];
	char msg[256];
} srv_err;

typedef struct srv_errlist {
	srv_err *v;
	size_t n, cap;
} srv_errlist;

int srv_errlist_add(srv_errlist *l, uint64_t line, const char *field, const char *msg);
void srv_errlist_free(srv_errlist *l);

struct srv_req {
	srv *s;
	struct MHD_Connection *conn;
	const char *method;
	const char *url;	/* the path, percent-decoded, without the query */
	const srv_route *route;
	const char *rest;	/* url past a prefix route's path */
	int authed;		/* acct is the caller's account */
	int session;		/* ... authenticated by a session cookie */
	srv_account acct;
	jl_buf body;
	int status;		/* of the reply queued, 0: none yet */
	struct timespec start;
	int counted;		/* in s->inflight */
	int refused;		/* 400 or 413: the body is read and dropped */
	size_t dropped;
};

/* A query parameter or a header (NULL when absent). */
const char *srv_query(srv_req *r, const char *key);
const char *srv_header(srv_req *r, const char *name);

/* Replies.  srv_reply_buf() takes b's memory (b is left empty). */
enum MHD_Result srv_reply(srv_req *r, int status, const char *ctype, const char *body, size_t n);
enum MHD_Result srv_reply_buf(srv_req *r, int status, const char *ctype, jl_buf *b);
enum MHD_Result srv_reply_json(srv_req *r, int status, jl_buf *b);	/* application/json */
/* {"error":CODE,"message":MSG,"errors":[...]} with the code's status
 * (srv_error_status()); errs may be NULL. */
enum MHD_Result srv_reply_error(srv_req *r, const char *code, const srv_errlist *errs,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int srv_error_status(const char *code);
/* Queues a response made by the caller (adds the common headers). */
enum MHD_Result srv_reply_response(srv_req *r, int status, struct MHD_Response *resp);

/* Small JSON writing over a jl_buf: 0 or ENOMEM. */
int srv_puts(jl_buf *b, const char *s);
int srv_printf(jl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int srv_put_str(jl_buf *b, const char *s);	/* a quoted JSON string; NULL: null */

/* A read transaction on the journal; srv_read_end() accepts NULL. */
int srv_read_begin(srv *s, jn_txn **txnp);
void srv_read_end(srv *s, jn_txn *txn);

/* The group commit (writer.c).  A job is the events of one request; the
 * caller fills evs, lines and pre (errors found while decoding, so that
 * the reply names every bad line in order) and waits in srv_submit()
 * until the job's group is committed or the job refused. */
typedef struct srv_job {
	jn_event *evs;
	uint64_t *lines;	/* the input line of each event */
	size_t n;
	srv_errlist pre;
	size_t bytes;		/* of the input, for the group's size */
	/* Results. */
	int status;		/* 0 stored; 409, 422 (errs say why) or 503 */
	int invalid;		/* an error of validation (422 over 409) */
	srv_errlist errs;
	uint64_t *seqs;
	size_t stored, dups;
	uint64_t head_seq;
	uint8_t head_hash[JN_HASH_LEN];
	int done;
	struct srv_job *next;
} srv_job;

int srv_submit(srv *s, srv_job *job);	/* 0, or ENOMEM / ESHUTDOWN */
/* Appends the event of one JSON line (the actor in it) through the group
 * commit, as POST /v1/events does.  Returns 0 when stored (or stored
 * already), 422 or 409 with errs (may be NULL) naming the fields, 503 when
 * the journal cannot be written, or ENOMEM / ESHUTDOWN (persons.c). */
int srv_append_line(srv *s, const char *line, size_t n, srv_errlist *errs);
int srv_writer_start(srv *s);
void srv_writer_stop(srv *s);		/* commits what is queued first */
void srv_job_free(srv_job *job);

/* The coordinator code of case_id at today's date in Japan, by the
 * projection rules: code[0] = '\0' when unassigned or unknown. */
int srv_case_coordinator(srv *s, const uint8_t case_id[JN_ID_LEN], char *code, size_t size);

/* Runs a sibling tool (oyako-NAME) with argv (argv[0] is its name),
 * capturing stdout and the first line of stderr; returns its exit code,
 * or -1 (errno) when it could not run. */
int srv_run_tool(srv *s, char *const argv[], jl_buf *out, char *errline, size_t errsize);

/* The report routes (reports.c). */
enum MHD_Result srv_report_annual(srv_req *r);
enum MHD_Result srv_report_caseload(srv_req *r);
enum MHD_Result srv_report_risk(srv_req *r);
enum MHD_Result srv_report_audit(srv_req *r);

/* The vault (persons.c): opened at start when a key is given (else the
 * person routes answer 503 with s->vault_msg); closed at stop. */
int srv_persons_open(srv *s, char *err, size_t errsize);
void srv_persons_close(srv *s);
/* The options that make a caseload or risk tool add names for the
 * caller (names=1): --names, --key-file, --actor, --purpose, into argv
 * (room for 4) from own (4 buffers).  0, or the error already replied
 * (403 for a role without names, 503 without a key) in *ret. */
int srv_names_opts(srv_req *r, const char *purpose, char own[4][4200], char **argv,
    enum MHD_Result *ret);
/* Reads the person data of a case for the caller, appending its
 * person.accessed event (actor: the account) through the group commit
 * first.  *statep: VT_S_LIVE (p filled), VT_S_NONE (no data, nothing
 * recorded) or VT_S_FORGOTTEN.  0 or a VT_E / JN_E / errno code. */
int srv_person_read(srv_req *r, const uint8_t id[JN_ID_LEN], const char *purpose, int *statep,
    vt_person *p);

/* Metrics (metrics in http.c). */
void srv_metric_commit(srv *s, size_t group_jobs, size_t events);
enum MHD_Result srv_metrics_reply(srv_req *r);

/* The session of a login (http.c). */
int srv_session_new(srv *s, const srv_account *a, char *cookie, size_t size);
void srv_session_end(srv *s, const char *cookie);
/* Failed logins of one name: 0 when name may try, else the seconds until
 * it may (429); srv_login_failed() counts one failure. */
unsigned srv_login_locked(srv *s, const char *name);
void srv_login_failed(srv *s, const char *name);

#define SRV_COOKIE "oyako_session"
#define SRV_SESSION_SECONDS (12 * 3600)
#define SRV_LOGIN_FAILURES 5
#define SRV_GROUP_MAX 512		/* requests in one commit */
#define SRV_GROUP_BYTES (64u << 20)	/* input bytes in one commit (one oversized job goes alone) */

typedef struct srv_session {
	uint8_t hash[32];	/* BLAKE2b of the cookie value */
	char name[SRV_NAME_MAX + 1];
	uint64_t gen;
	time_t expires;
} srv_session;

typedef struct srv_login {
	char name[SRV_NAME_MAX + 1];
	unsigned failures;
	time_t window;		/* start of the window */
} srv_login;

#define SRV_NLAT 12
#define SRV_NGROUP 10

typedef struct srv_metrics {
	pthread_mutex_t mu;
	uint64_t by_status[600];
	uint64_t lat[SRV_NLAT + 1];	/* buckets, then +Inf */
	double lat_sum;
	uint64_t lat_count;
	uint64_t appends, commits;
	uint64_t group[SRV_NGROUP + 1];
	uint64_t group_sum;
} srv_metrics;

struct srv {
	srv_config cfg;
	vt_vault *vault;		/* NULL: no key (vault_msg says why) */
	char key_path[4096];
	char vault_msg[320];
	char url[1100];
	char tool_dir[4096];
	jn_env *env;
	srv_accounts *accts;
	struct MHD_Daemon *d;
	int tls;
	char *cert, *key;
	/* A map that grows while another thread of this process holds a read
	 * transaction would pull pages from under it: readers hold maplock
	 * shared, the writer takes it alone to grow the map between groups. */
	pthread_rwlock_t maplock;
	/* The writer. */
	pthread_t writer;
	int writer_up;
	pthread_mutex_t wmu;
	pthread_cond_t wcv;		/* a job is queued */
	pthread_cond_t dcv;		/* a group is done */
	srv_job *qhead, *qtail;
	int wstop;
	/* The head, for feeds: raised after each commit. */
	pthread_mutex_t hmu;
	pthread_cond_t hcv;
	uint64_t head;
	/* Shutting down: requests in flight finish, feeds end. */
	volatile int stopping;
	pthread_mutex_t imu;
	pthread_cond_t icv;
	unsigned inflight;
	/* Sessions and failed logins. */
	pthread_mutex_t smu;
	srv_session *sessions;
	size_t nsess, capsess;
	srv_login logins[256];
	srv_metrics m;
};

#endif
