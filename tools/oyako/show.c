/*
 * show.c: `oyako show STREAM`: one stream's history for a person to read.
 *
 *   v2  2025-04-20  recorded 2025-04-20 10:15:02 JST  by nurse:N07  class.attended
 *       partner: true
 *       room: kokinu
 *       [RETRACTED by nurse:N07 at 2025-04-21 09:00:00 JST: wrong room]
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "jsonl.h"
#include "oyako.h"

static const char show_usage[] =
    "usage: oyako show [-J DIR] STREAM\n"
    "Shows the events of STREAM (such as case:<uuid> or room:kokinu) in version\n"
    "order: version, occurred, when and by whom recorded, type, and the data;\n"
    "retracted events are marked with who retracted them, when and why.\n"
    "Exit codes: 0 ok, 2 usage, 5 corrupt journal, 6 I/O, 7 no journal or no such stream.\n";

/* Whether a string can be shown bare: no control bytes, not empty. */
static int
plain(jn_str s)
{
	size_t i;

	for (i = 0; i < s.n; i++)
		if ((unsigned char)s.p[i] < 0x20 || s.p[i] == 0x7f)
			return 0;
	return s.n > 0;
}

static int
add(jl_buf *out, const char *p, size_t n)
{
	int rc;

	if ((rc = jl_buf_reserve(out, n)) != 0)
		return rc;
	memcpy(out->p + out->n, p, n);
	out->n += n;
	return 0;
}

/* A value for people: strings bare (unless they hold control bytes),
 * arrays as "a, b", the rest as JSON. */
static int
format_value(const uint8_t *v, size_t len, jl_buf *out, int top)
{
	jn_value val, elem;
	const uint8_t *p;
	size_t used;
	uint32_t k;
	int rc;

	if ((rc = jl_value_read(v, len, &val, NULL)) != 0)
		return rc;
	if (val.kind == JN_V_STR && plain(val.s))
		return add(out, val.s.p, val.s.n);
	if (!top || val.kind != JN_V_ARRAY || val.n == 0)
		return jl_encode_value(v, len, out, NULL);
	for (k = 0, p = val.p; k < val.n; k++, p += used) {
		if (k && (rc = add(out, ", ", 2)) != 0)
			return rc;
		if ((rc = jl_value_read(p, (size_t)(val.end - p), &elem, &used)) != 0 ||
		    (rc = format_value(p, used, out, 0)) != 0)
			return rc;
	}
	return 0;
}

static int
show_data(const jn_event *ev, jl_buf *line)
{
	const uint8_t *v;
	size_t vlen;
	jl_map m;
	jn_str key;
	int rc;

	if ((rc = jl_map_open(&m, ev->data, ev->data_len)) != 0)
		return rc;
	while ((rc = jl_map_next(&m, &key, &v, &vlen)) == 0) {
		line->n = 0;
		if ((rc = format_value(v, vlen, line, 1)) != 0)
			return rc;
		printf("    %.*s: %.*s\n", (int)key.n, key.p, (int)line->n, line->p);
	}
	return rc == JN_END ? 0 : rc;
}

/* The retraction mark of ev, when it is retracted. */
static int
show_retraction(jn_txn *txn, const jn_event *ev)
{
	char when[64];
	jn_event r;
	jn_value reason;
	uint64_t by;
	int rc;

	rc = jn_retracted_by(txn, ev->seq, &by);
	if (rc == JN_ENOTFOUND)
		return 0;
	if (rc != 0 || (rc = jn_get(txn, by, &r)) != 0)
		return rc;
	if ((rc = jn_data_get(r.data, r.data_len, "reason", &reason)) != 0)
		return rc;
	oy_local_time(r.recorded, when, sizeof when);
	printf("    [RETRACTED by %.*s at %s (v%u, seq %llu): %.*s]\n", (int)r.actor.n, r.actor.p,
	    when, r.version, (unsigned long long)r.seq,
	    reason.kind == JN_V_STR ? (int)reason.s.n : 9,
	    reason.kind == JN_V_STR ? reason.s.p : "no reason");
	return 0;
}

/* For an event.retracted, which version it retracts. */
static int
show_target(jn_txn *txn, const jn_event *ev)
{
	uint8_t id[JN_ID_LEN];
	jn_value target;
	jn_event t;
	int rc;

	if (ev->type_code != JN_T_EVENT_RETRACTED)
		return 0;
	if ((rc = jn_data_get(ev->data, ev->data_len, "target", &target)) != 0)
		return rc;
	if (target.kind != JN_V_STR || jn_uuid_parse(target.s, id) != 0 ||
	    jn_get_id(txn, id, &t) != 0)
		return 0;	/* verify is the place to complain */
	printf("    (retracts v%u, seq %llu)\n", t.version, (unsigned long long)t.seq);
	return 0;
}

int
cmd_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "journal", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *jopt = NULL, *path, *stream;
	jn_env *env = NULL;
	jn_txn *txn = NULL;
	jn_iter *it = NULL;
	jn_event ev;
	jl_buf line = { 0 };
	char when[64];
	uint32_t version = 0;
	int c, ex, rc;

	while ((c = getopt_long(argc, argv, "J:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'J': jopt = optarg; break;
		case 'h': return oy_usage(show_usage, 1);
		default: return oy_usage(show_usage, 0);
		}
	}
	if (argc - optind != 1) {
		cli_error(optind == argc ? "no stream given" : "more than one stream given");
		return oy_usage(show_usage, 0);
	}
	stream = argv[optind];
	path = oy_journal(jopt);
	if ((ex = oy_open_read(path, &env, &txn)) != EX_OK)
		return ex;
	rc = jn_stream_version(txn, jn_str_c(stream), &version);
	if (rc == 0 && version == 0)
		rc = JN_ENOTFOUND;
	if (rc == JN_ENOTFOUND) {
		cli_error("no stream '%s' in journal '%s'", stream, path);
		ex = EX_NOTFOUND;
		goto txn_abort;
	}
	if (rc != 0 || (rc = jn_iter_stream(txn, jn_str_c(stream), &it)) != 0)
		goto fail;
	printf("%s: %u event%s\n", stream, version, version == 1 ? "" : "s");
	while ((rc = jn_iter_next(it, &ev)) == 0) {
		oy_local_time(ev.recorded, when, sizeof when);
		printf("\nv%u  %.*s  recorded %s  by %.*s  %.*s  (seq %llu)\n", ev.version,
		    (int)ev.occurred.n, ev.occurred.p, when, (int)ev.actor.n, ev.actor.p,
		    (int)ev.type.n, ev.type.p, (unsigned long long)ev.seq);
		if ((rc = show_data(&ev, &line)) != 0 || (rc = show_target(txn, &ev)) != 0 ||
		    (rc = show_retraction(txn, &ev)) != 0)
			goto fail;
	}
	if (rc != JN_END)
		goto fail;
	ex = fflush(stdout) == 0 ? EX_OK : EX_IO;
	goto txn_abort;
fail:
	cli_error("cannot show stream '%s': %s", stream, jn_strerror(rc));
	ex = cli_exit_code(rc);
txn_abort:
	jn_iter_close(it);
	jn_txn_abort(txn);
	jn_env_close(env);
	jl_buf_free(&line);
	return ex;
}
