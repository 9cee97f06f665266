/*
 * proj.h: what the four projection tools (oyako-annual, -caseload, -risk,
 * -audit) share on top of cli.h: their common options, opening the journal,
 * reporting a failed replay, and writing the output.
 */
#ifndef OYAKO_PROJ_H
#define OYAKO_PROJ_H

#include <getopt.h>
#include <stdint.h>

#include "cli.h"
#include "replay.h"
#include "table.h"
#include "cases.h"
#include "jsonw.h"
#include "parallel.h"

/* Option codes of the long-only common options (beyond any char). */
enum { PO_AT_SEQ = 0x100, PO_AS_OF, PO_FORMAT, PO_LANG, PO_HELP, PO_ENCODING, PO_JOBS, PO_FIRST_FREE };

/* The short options every tool takes, for getopt_long(). */
#define PO_SHORTOPTS "J:o:"


/* The common entries of a tool's option table, first in it. */
#define PO_LONGOPTS \
	{ "journal", required_argument, NULL, 'J' }, \
	{ "at-seq", required_argument, NULL, PO_AT_SEQ }, \
	{ "format", required_argument, NULL, PO_FORMAT }, \
	{ "lang", required_argument, NULL, PO_LANG }, \
	{ "help", no_argument, NULL, PO_HELP }, \
	{ "output", required_argument, NULL, 'o' }, \
	{ "encoding", required_argument, NULL, PO_ENCODING }
#define PO_ASOF_LONGOPT { "as-of", required_argument, NULL, PO_AS_OF }
/* --jobs N: the case model's replay in N partitions (po_cases_run()). */
#define PO_JOBS_LONGOPT { "jobs", required_argument, NULL, PO_JOBS }

typedef struct po_opts {
	const char *journal;	/* -J, NULL: cli_journal_path() decides */
	uint64_t at_seq;	/* 0: the head */
	int32_t as_of;		/* default: today in Japan */
	pj_format fmt;
	int ja;			/* --lang (or the locale) is Japanese */
	const char *lang_opt;
	int help;
	pj_encoding enc;	/* --encoding (csv) */
	int enc_opt;		/* --encoding was given */
	const char *output;	/* -o FILE, NULL: stdout */
	unsigned jobs;		/* --jobs, default: the CPUs online (at most PJ_JOBS_MAX) */
	int writable;		/* open the journal read-write (--names records the read) */
} po_opts;

void po_init(po_opts *o);

/* Handles one of the common options: 1 when it was one (and good), 0 when
 * it is not a common option, -1 after printing an error (exit EX_USAGE). */
int po_option(po_opts *o, int c, const char *arg);

/* After the option loop: prints the usage on --help (returns 1, *exitp =
 * EX_OK) or on a stray argument or a format that needs -o without it
 * (returns 1, *exitp = EX_USAGE); else settles the language, and with -o
 * FILE points stdout at a new temporary file beside FILE (returns 1,
 * *exitp = EX_IO when it cannot be made), and returns 0. */
int po_finish(po_opts *o, int argc, char **argv, const char *usage, int *exitp);

/* Opens the journal (read-only unless o->writable); returns an exit code. */
int po_open(const po_opts *o, jn_env **envp);

/* Reports a failed replay or output; returns its exit code. */
int po_fail(const po_opts *o, int rc);

/* A table header: the JSON key in tsv and csv (stable for scripts) and in
 * English; the Japanese heading in text and md under --lang ja. */
const char *po_head(const po_opts *o, const char *key, const char *ja);

/* Renders doc to stdout, or the workbook to the temporary file of -o (not
 * for json); returns an exit code. */
int po_render(const po_opts *o, pj_doc *doc);

/* The end of a run, given its exit code: with -o FILE, on success the
 * temporary file is synced and renamed to FILE (EX_IO naming FILE when that
 * fails), on failure it is removed, so FILE is whole or untouched.  Returns
 * the exit code.  A run that returns without it removes the temporary file
 * at exit. */
int po_done(const po_opts *o, int ex);
/* Adds the provenance keys to obj, prints it and frees it; exit code. */
int po_json(json_t *obj, const pj_prov *prov);
/* Ends the document of w (begun with pj_jw_object(w, NULL)): the
 * provenance keys, the closing brace, the newline; exit code. */
int po_jw_end(pj_jw *w, const pj_prov *prov);

/* Loads the rules: defaults, then path when not NULL.  Returns an exit
 * code after printing an error: EX_INPUT for a bad line (naming file:line),
 * EX_IO when the file cannot be read. */
int po_rules(const char *path, pj_rules *r);

/* A run of the case model: the journal, the model as of o->as_of, the
 * rules, and the open cases (indexes into m.cases, sorted by id). */
typedef struct po_cases {
	jn_env *env;
	pj_model m;
	pj_rules rules;
	pj_prov prov;
	uint32_t *idx;
	size_t n;
} po_cases;

/* Loads the rules, opens the journal, replays it; returns an exit code.
 * Release r with po_cases_free() whatever the result. */
int po_cases_run(const po_opts *o, const char *rules_path, po_cases *r);
void po_cases_free(po_cases *r);

#endif
