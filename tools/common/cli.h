/*
 * cli.h: what every oyako tool shares: exit codes, the journal path, error
 * messages, and the checked parsing of numbers, dates and fiscal years.
 * Exit codes are the contract of specs/exit-codes.md.
 */
#ifndef OYAKO_CLI_H
#define OYAKO_CLI_H

#include <stdint.h>
#include "journal.h"

enum {
	EX_OK = 0,
	EX_INTERNAL = 1,	/* a bug: should never happen */
	EX_USAGE = 2,		/* bad option or argument */
	EX_INPUT = 3,		/* bad input (syntax, validation): nothing stored */
	EX_CONFLICT = 4,	/* expected_version mismatch or id stored with other content */
	EX_INTEGRITY = 5,	/* verify found a fault, a restore does not chain, corrupt journal */
	EX_IO = 6,		/* I/O, permissions, out of memory, disk full */
	EX_NOTFOUND = 7,	/* no journal there, no such stream, no such command */
	EX_UPGRADE = 8		/* a write to a journal of an older format: run `oyako upgrade` */
};

/* The program name used in messages, set by cli_init() from argv[0]. */
extern const char *cli_progname;
void cli_init(int argc, char **argv);

/* The journal directory: -J/--journal when given (non-NULL), else
 * $OYAKO_JOURNAL, else "./oyako-journal". */
const char *cli_journal_path(const char *opt);

/* Messages on stderr: "PROG: error: ...". */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Maps a library return code to an exit code. */
int cli_exit_code(int rc);

/* Opens the journal for a tool, printing a clear error on failure (naming
 * the path); returns an exit code (EX_OK on success). */
int cli_open(const char *path, unsigned flags, jn_env **envp);

/* Checked parsing: 0 on success, -1 (after printing an error naming the
 * option) otherwise. */
int cli_parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out);
int cli_parse_date(const char *opt, const char *s, int32_t *dayp);
/* --jobs N: 1..max; -1 after an error naming the option. */
int cli_parse_jobs(const char *s, unsigned max, unsigned *out);
/* The default of --jobs: the CPUs online, 1..max. */
unsigned cli_jobs_default(unsigned max);
/* "2025", "R7", "r7", "令和7": the fiscal year starting April 1 of that year. */
int cli_parse_fy(const char *opt, const char *s, int *fyp);

/* The language for output: "ja" or "en", from --lang when given, else from
 * LC_ALL / LC_MESSAGES / LANG (ja* gives ja), else en. */
const char *cli_lang(const char *opt);

#endif
