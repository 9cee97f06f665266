/*
 * export.c: `oyako export`: the journal, or a part of it, as JSON Lines.
 *
 * Lines are encoded into one buffer that goes to standard output with
 * write(2) once it holds a megabyte: no stdio in the way of millions of
 * lines.  A reader that goes away (`| head`) ends the export quietly, as
 * mdb_dump does.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonl.h"
#include "oyako.h"

#define FLUSH_AT (1u << 20)

static const char export_usage[] =
    "usage: oyako export [-J DIR] [--stream STREAM] [--type TYPE[,TYPE...]]...\n"
    "                    [--from DATE] [--to DATE] [--after-seq N]\n"
    "Writes events as JSON Lines on standard output, in log order (one stream:\n"
    "in version order).  --from/--to select by the date of occurred, inclusive.\n"
    "Exit codes: 0 ok, 2 usage, 5 corrupt journal, 6 I/O, 7 no journal.\n";

typedef struct filter {
	int any_type;
	unsigned char types[JN_T_COUNT];
	const char *stream;
	char from[11], to[11];	/* "" when not given */
	uint64_t after;
} filter;

/* Adds the comma-separated type names of one --type option. */
static int
add_types(filter *f, const char *arg)
{
	const char *p = arg, *comma;
	jn_type t;
	size_t n;

	for (;;) {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		t = jn_type_of((jn_str){ p, n });
		if (t == JN_T_UNKNOWN) {
			cli_error("option '--type': '%.*s' is not an event type", (int)n, p);
			return -1;
		}
		f->types[t] = 1;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	f->any_type = 0;
	return 0;
}

static int
wanted(const filter *f, const jn_event *ev)
{
	if (ev->seq <= f->after)
		return 0;
	if (!f->any_type && (ev->type_code >= JN_T_COUNT || !f->types[ev->type_code]))
		return 0;
	/* occurred starts with YYYY-MM-DD, so byte order is date order. */
	if (f->from[0] && (ev->occurred.n < 10 || memcmp(ev->occurred.p, f->from, 10) < 0))
		return 0;
	if (f->to[0] && (ev->occurred.n < 10 || memcmp(ev->occurred.p, f->to, 10) > 0))
		return 0;
	return 1;
}

/* Writes out the buffer: 0, EPIPE when the reader is gone, or errno. */
static int
flush(jl_buf *b)
{
	size_t off = 0;
	ssize_t w;

	while (off < b->n) {
		w = write(STDOUT_FILENO, b->p + off, b->n - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		off += (size_t)w;
	}
	b->n = 0;
	return 0;
}

static int
parse_date_opt(const char *opt, const char *arg, char out[11])
{
	int32_t day;

	if (cli_parse_date(opt, arg, &day) != 0)
		return -1;
	jn_date_format(day, out);
	return 0;
}

int
cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "journal", required_argument, NULL, 'J' },
		{ "stream", required_argument, NULL, 's' },
		{ "type", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 'T' },
		{ "after-seq", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *jopt = NULL, *path;
	filter f;
	jn_env *env = NULL;
	jn_txn *txn = NULL;
	jn_iter *it = NULL;
	jn_event ev;
	jl_buf out = { 0 };
	int c, ex, rc;

	memset(&f, 0, sizeof f);
	f.any_type = 1;
	while ((c = getopt_long(argc, argv, "J:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'J': jopt = optarg; break;
		case 's': f.stream = optarg; break;
		case 't':
			if (add_types(&f, optarg) != 0)
				return oy_usage(export_usage, 0);
			break;
		case 'f':
			if (parse_date_opt("--from", optarg, f.from) != 0)
				return oy_usage(export_usage, 0);
			break;
		case 'T':
			if (parse_date_opt("--to", optarg, f.to) != 0)
				return oy_usage(export_usage, 0);
			break;
		case 'a':
			if (cli_parse_u64("--after-seq", optarg, INT64_MAX, &f.after) != 0)
				return oy_usage(export_usage, 0);
			break;
		case 'h': return oy_usage(export_usage, 1);
		default: return oy_usage(export_usage, 0);
		}
	}
	if (optind != argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		return oy_usage(export_usage, 0);
	}
	if (f.from[0] && f.to[0] && strcmp(f.from, f.to) > 0) {
		cli_error("option '--from' %s is after '--to' %s", f.from, f.to);
		return oy_usage(export_usage, 0);
	}
	/* A closed pipe is an EPIPE from write(), handled below. */
	signal(SIGPIPE, SIG_IGN);
	path = oy_journal(jopt);
	if ((ex = oy_open_read(path, &env, &txn)) != EX_OK)
		return ex;
	if (f.stream)
		rc = jn_iter_stream(txn, jn_str_c(f.stream), &it);
	else
		rc = jn_iter_seq(txn, f.after + 1, 0, &it);
	if (rc == JN_ENOTFOUND) {
		ex = EX_OK;	/* no such stream, or nothing after --after-seq */
		goto txn_abort;
	}
	if (rc != 0)
		goto fail;
	while ((rc = jn_iter_next(it, &ev)) == 0) {
		if (!wanted(&f, &ev))
			continue;
		if ((rc = jl_encode(&ev, &out)) == JN_ECORRUPT) {
			flush(&out);
			cli_error("event seq %llu cannot be exported: its data is not "
			    "well-formed", (unsigned long long)ev.seq);
			ex = EX_INTEGRITY;
			goto txn_abort;
		}
		if (rc != 0)
			goto fail;
		if (out.n >= FLUSH_AT && (rc = flush(&out)) != 0)
			goto write_fail;
	}
	if (rc != JN_END)
		goto fail;
	if ((rc = flush(&out)) != 0)
		goto write_fail;
	ex = EX_OK;
	goto txn_abort;
write_fail:
	ex = EX_OK;
	if (rc != EPIPE) {
		cli_error("cannot write to standard output: %s", strerror(rc));
		ex = EX_IO;
	}
	goto txn_abort;
fail:
	cli_error("cannot export from journal '%s': %s", path, jn_strerror(rc));
	ex = cli_exit_code(rc);
txn_abort:
	jn_iter_close(it);
	jn_txn_abort(txn);
	jn_env_close(env);
	jl_buf_free(&out);
	return ex;
}
