/*
 * pages.h: the staff web pages of `oyako serve` (prefix pg_): HTML built in
 * memory from the JSON the server already has (the section 8 outputs of the
 * projection tools, a stream's export lines, a person object), so that every
 * page can be rendered and tested without a server.  specs/pages.md is the
 * contract of the routes; this header is the rendering layer under them.
 *
 * Nothing here prints, exits or touches the journal.  Every text that comes
 * from data goes through pg_esc() (the one escaping function); only string
 * literals of this module are written raw.
 *
 * Writing never fails loudly: a pg_buf remembers running out of memory and
 * pg_buf_done() reports it, so that renderers stay linear.
 */
#ifndef OYAKO_PAGES_H
#define OYAKO_PAGES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "journal.h"

/* A growable text buffer.  Zero-initialise it ({0}); release with
 * pg_buf_free() (accepts an empty one).  p is NUL-terminated when n > 0. */
typedef struct pg_buf {
	char *p;
	size_t n;
	size_t cap;
	int oom;		/* an append ran out of memory: p is incomplete */
} pg_buf;

void pg_buf_free(pg_buf *b);
/* 0, or ENOMEM when an append failed since the buffer was made. */
int pg_buf_done(const pg_buf *b);

/* Raw bytes: for markup of this module only, never for data. */
void pg_raw(pg_buf *b, const char *s);
void pg_rawn(pg_buf *b, const char *s, size_t n);
void pg_fmt(pg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The escaping function: appends s[0..n) for use in HTML text and in quoted
 * attribute values.  & < > " ' become entities; bytes that are not valid
 * UTF-8 become U+FFFD, and control characters other than tab, LF and CR are
 * dropped, so that no byte of data can start markup or break the document.
 */
void pg_esc(pg_buf *b, const char *s, size_t n);
void pg_text(pg_buf *b, const char *s);		/* pg_esc of a C string; NULL: nothing */
/* open and close raw around text escaped: pg_tag(b, "<th>", label, "</th>"). */
void pg_tag(pg_buf *b, const char *open, const char *text, const char *close);

/* Who is looking, in which language: what every page needs. */
typedef struct pg_ctx {
	int ja;			/* Japanese (else English) */
	const char *account;	/* the signed-in account, NULL on the login page */
	const char *role;	/* intake|coordinator|nurse|auditor|admin */
	const char *csrf;	/* the session's form token (hidden field of every form) */
	const char *path;	/* this page's path, for the language links */
	int32_t today;		/* Japan date: the form's max for dates */
	uint32_t may_append;	/* bit (1u << jn_type): types the role may record */
	int names;		/* the role may see person data */
	const char *names_off;	/* why names are not shown to a role that may see them, or NULL */
} pg_ctx;

/* ja or en text, by the page's language. */
const char *pg_l(const pg_ctx *c, const char *ja, const char *en);

/* The language from "?lang=" (ja|en, wins), a cookie value (same), then an
 * Accept-Language header: 1 for Japanese.  Without any: Japanese. */
int pg_lang_pick(const char *query_lang, const char *cookie_lang, const char *accept);

/* The page frame: doctype, <html lang>, inline CSS, the header with the
 * account, its role and the navigation, then <main>.  pg_end() closes it. */
void pg_begin(pg_buf *b, const pg_ctx *c, const char *title);
void pg_end(pg_buf *b, const pg_ctx *c);

/* The hidden CSRF field of a form. */
void pg_csrf_field(pg_buf *b, const pg_ctx *c);

/* Words for codes, in the page's language (the code itself when unknown). */
const char *pg_type_label(const pg_ctx *c, const char *type);
const char *pg_flag_label(const pg_ctx *c, const char *flag);
const char *pg_role_label(const pg_ctx *c, const char *role);
/* Why a flag fires, in a sentence, from a risk flag object with "why". */
void pg_flag_reason(pg_buf *b, const pg_ctx *c, json_t *flag);

/*
 * Forms: one per event type a case page offers.  A submitted form is a list
 * of name=value pairs (as libmicrohttpd's post processor hands them over).
 */
typedef struct pg_kv {
	char *key;
	char *val;
} pg_kv;

typedef struct pg_form {
	pg_kv *kv;
	size_t n, cap;
} pg_form;

int pg_form_add(pg_form *f, const char *key, const char *val, size_t vlen);	/* 0 or ENOMEM */
const char *pg_form_get(const pg_form *f, const char *key);	/* NULL when absent */
void pg_form_free(pg_form *f);

/* Errors of a form, one per field ("occurred", "mode", or "" for the form
 * as a whole), each a message in the page's language. */
#define PG_FERR_MAX 8
typedef struct pg_ferrs {
	size_t n;
	struct {
		char field[64];
		char msg[320];
	} e[PG_FERR_MAX];
} pg_ferrs;

void pg_ferr_add(pg_ferrs *e, const char *field, const char *msg);

/* Whether the case page offers a form for type (a case event a person
 * records as a contact or a change: not handbook.issued, not a retraction). */
int pg_form_type(const char *type);

/*
 * Turns the submitted form of a case page into the event to append:
 * {"type":…,"stream":"case:<id>","occurred":…,"data":{…}} (the caller adds
 * the actor).  Checks what a browser checks too (required fields, real
 * dates not later than c->today, choices, numbers) and says what is wrong
 * next to each field.  Returns 0 with *evp set, EINVAL with errs filled
 * (nothing to append), or ENOMEM.
 */
int pg_form_event(const pg_ctx *c, const char *case_id, const pg_form *f,
    json_t **evp, pg_ferrs *errs);

/* Maps a journal refusal (its field path "data.mode", "occurred", … and
 * message) to the form field it names, with the message in the page's
 * language. */
void pg_ferr_journal(const pg_ctx *c, const char *jfield, const char *jmsg, pg_ferrs *errs);

/*
 * Pages.  Each appends a whole document to b.  JSON inputs are borrowed.
 */

/* Sign in; error (may be NULL) is shown above the form. */
void pg_page_login(pg_buf *b, const pg_ctx *c, const char *error, const char *next);

/* "My day": the caseload JSON (section 8, with "name"/"kana" per case when
 * the role may see them) and the risk JSON of the same date (for the
 * reasons), sorted by "next" (next contact due, default), "name" or "flag"
 * (most flags first). */
void pg_page_myday(pg_buf *b, const pg_ctx *c, json_t *caseload, json_t *risk, const char *sort);

/* What the case page knows of the person data. */
typedef enum pg_person_state {
	PG_PERSON_HIDDEN = 0,	/* the role may not see it: nothing shown */
	PG_PERSON_SHOWN,	/* person is the object (may be empty) */
	PG_PERSON_FORGOTTEN,	/* erased for good */
	PG_PERSON_UNAVAILABLE	/* the server has no key: message says so */
} pg_person_state;

typedef struct pg_case_view {
	const char *case_id;
	json_t *events;		/* array of export objects (section 5) of the stream, or NULL */
	json_t *summary;	/* the case object of the caseload, or NULL */
	json_t *risk;		/* the risk JSON, for the flags' reasons, or NULL */
	pg_person_state person_state;
	json_t *person;		/* PG_PERSON_SHOWN: the person object */
	const char *person_msg;	/* PG_PERSON_UNAVAILABLE: why */
	int person_edit;	/* offer the person form */
	/* A form sent back with its errors (NULL: none). */
	const char *form_type;	/* the type of the form that failed */
	const pg_form *form;
	const pg_ferrs *errs;
	const char *notice;	/* a line shown on top ("recorded"), or NULL */
} pg_case_view;

void pg_page_case(pg_buf *b, const pg_ctx *c, const pg_case_view *v);

/* The risk list: risk JSON, and the caseload JSON of the same date for
 * districts (and names when present); filters flag and district (NULL or
 * "": all). */
void pg_page_risk(pg_buf *b, const pg_ctx *c, json_t *risk, json_t *caseload,
    const char *flag, const char *district);

/* The annual report: the annual JSON, with charts and download links. */
void pg_page_annual(pg_buf *b, const pg_ctx *c, json_t *annual, int fy);

/* The start page of a role that sees no caseload (intake): open a case
 * by its number (UUID) to record a contact. */
void pg_page_start(pg_buf *b, const pg_ctx *c);

/* A short page for an error or a refusal (status shown as text). */
void pg_page_message(pg_buf *b, const pg_ctx *c, int status, const char *msg);

#endif
