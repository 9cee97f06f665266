/*
 * oyako.h: what the files of the oyako tool share: the built-in commands and
 * a few helpers for their options, messages and progress lines.
 */
#ifndef OYAKO_TOOL_H
#define OYAKO_TOOL_H

#include <stdint.h>
#include <time.h>

#include "cli.h"
#include "journal.h"

/* The built-in commands.  Each gets argv with argv[0] = its name and
 * returns the exit code (specs/cli.md). */
int cmd_init(int argc, char **argv);
int cmd_append(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_upgrade(int argc, char **argv);

/* Parses the options of a command that takes only -J; returns -1 to go on
 * with *jopt set, or the exit code. */
int oy_only_journal_opt(int argc, char **argv, const char *usage, const char **jopt);

/* -J DIR given before the command (NULL when not). */
extern const char *oy_journal_opt;

/* The journal path: -J after the command (opt), else -J before it, else
 * $OYAKO_JOURNAL, else ./oyako-journal. */
const char *oy_journal(const char *opt);

/* Prints usage; asked (--help): to stdout, returns EX_OK; else to stderr,
 * returns EX_USAGE. */
int oy_usage(const char *text, int asked);

/* "oyako: error: WHERE: field 'F': MSG", WHERE and the field part left out
 * when empty; jn_strerror(rc) when err holds no message. */
void oy_field_error(const char *where, const jn_errinfo *err, int rc);

/* Opens the journal read-only and begins a read transaction, printing the
 * error; returns an exit code. */
int oy_open_read(const char *path, jn_env **envp, jn_txn **txnp);

/* recorded ("YYYY-MM-DDTHH:MM:SS.ffffffZ", UTC) as local time for people:
 * "2025-04-03 10:15:02 JST"; the text as is when it does not parse. */
void oy_local_time(jn_str recorded, char *out, size_t outsize);

/* Progress on stderr, only when stderr is a terminal, at most four times a
 * second; oy_progress_end() clears the line. */
typedef struct oy_progress {
	int on;
	int shown;
	struct timespec start;
	struct timespec last;
} oy_progress;

void oy_progress_init(oy_progress *p);
void oy_progress_tick(oy_progress *p, const char *verb, uint64_t done, uint64_t total);
void oy_progress_end(oy_progress *p);

#endif
