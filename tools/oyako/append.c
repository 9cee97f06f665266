/* append.c: `oyako init` and `oyako append`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonl.h"
#include "oyako.h"

static const char init_usage[] =
    "usage: oyako init [-J DIR]\n"
    "Creates a new, empty journal in DIR (made 0700).\n"
    "Exit codes: 0 created, 2 a journal exists there already, 6 cannot create.\n";

int
cmd_init(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "journal", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *jopt = NULL, *path;
	jn_env *env = NULL;
	int c, ex;

	while ((c = getopt_long(argc, argv, "J:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'J': jopt = optarg; break;
		case 'h': return oy_usage(init_usage, 1);
		default: return oy_usage(init_usage, 0);
		}
	}
	if (optind != argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		return oy_usage(init_usage, 0);
	}
	path = oy_journal(jopt);
	if ((ex = cli_open(path, JN_CREATE, &env)) != EX_OK)
		return ex;
	jn_env_close(env);
	printf("initialized empty journal in '%s'\n", path);
	return EX_OK;
}

static const char append_usage[] =
    "usage: oyako append [-J DIR] --type TYPE --stream STREAM [--occurred DATE]\n"
    "                    [--actor ACTOR] [--data JSON] [--id UUID] [--expected-version N]\n"
    "       oyako append [-J DIR] [--actor ACTOR] < one-json-line\n"
    "Appends one event durably and prints its seq (\"SEQ already stored\" when an\n"
    "identical event with this id is stored).  --occurred defaults to today (Japan),\n"
    "--actor to $OYAKO_ACTOR, --data to {}.\n"
    "Exit codes: 0 stored, 2 usage, 3 invalid event, 4 conflict (expected version,\n"
    "or the id is stored with other content), 6 I/O, 7 no journal.\n";

/* The options of the first form, turned into one JSON line so that both
 * forms go through the same decoder and name fields the same way. */
typedef struct append_opts {
	const char *type, *stream, *occurred, *data, *id;
	int64_t expected;
} append_opts;

static int
set_string(json_t *obj, const char *key, const char *value)
{
	return value ? json_object_set_new(obj, key, json_string(value)) : 0;
}

/* Builds the line from the options; returns an exit code. */
static int
line_from_options(const append_opts *o, char **linep)
{
	char today[11];
	json_error_t jerr;
	json_t *obj, *data = NULL;
	int ex = EX_INTERNAL;

	*linep = NULL;
	if ((obj = json_object()) == NULL)
		return EX_IO;
	if (o->data) {
		data = json_loads(o->data, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
		if (data == NULL) {
			cli_error("option '--data': invalid JSON at column %d: %s", jerr.column, jerr.text);
			ex = EX_INPUT;
			goto done;
		}
		/* Not an object: the decoder says so, naming field 'data'. */
		json_object_set_new(obj, "data", data);
	}
	if (o->occurred == NULL)
		jn_date_format(jn_today_jst(), today);
	if (set_string(obj, "type", o->type) != 0 || set_string(obj, "stream", o->stream) != 0 ||
	    set_string(obj, "occurred", o->occurred ? o->occurred : today) != 0 ||
	    set_string(obj, "id", o->id) != 0 ||
	    (o->expected != JN_ANY_VERSION &&
	    json_object_set_new(obj, "expected_version", json_integer(o->expected)) != 0)) {
		cli_error("option value is not valid UTF-8");
		ex = EX_INPUT;
		goto done;
	}
	if ((*linep = json_dumps(obj, JSON_COMPACT)) == NULL) {
		cli_error("out of memory");
		ex = EX_IO;
		goto done;
	}
	ex = EX_OK;
done:
	json_decref(obj);
	return ex;
}

/* Reads the one JSON line of standard input; returns an exit code. */
static int
line_from_stdin(char **linep, size_t *lenp)
{
	size_t n = 0, cap = 0, got, start, end, i;
	char *buf = NULL, *p;

	*linep = NULL;
	for (;;) {
		if (cap - n < 65536) {
			if (cap > JL_LINE_MAX) {
				cli_error("standard input: line longer than %u bytes", JL_LINE_MAX);
				free(buf);
				return EX_INPUT;
			}
			cap = cap ? cap * 2 : 65536;
			if ((p = realloc(buf, cap)) == NULL) {
				free(buf);
				cli_error("out of memory");
				return EX_IO;
			}
			buf = p;
		}
		got = fread(buf + n, 1, cap - n, stdin);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(stdin)) {
		cli_error("cannot read standard input: %s", strerror(errno));
		free(buf);
		return EX_IO;
	}
	/* Blank lines around the one line are fine; two lines are not. */
	for (start = 0; start < n && strchr(" \t\r\n", buf[start]); start++)
		;
	for (end = n; end > start && strchr(" \t\r\n", buf[end - 1]); end--)
		;
	if (start == end) {
		cli_error("no event on standard input (give --type and --stream, or one JSON line)");
		free(buf);
		return EX_USAGE;
	}
	for (i = start; i < end; i++) {
		if (buf[i] == '\n') {
			cli_error("standard input holds more than one line; "
			    "use 'oyako import -' for many events");
			free(buf);
			return EX_USAGE;
		}
	}
	memmove(buf, buf + start, end - start);
	*linep = buf;
	*lenp = end - start;
	return EX_OK;
}

int
cmd_append(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "journal", required_argument, NULL, 'J' },
		{ "type", required_argument, NULL, 't' },
		{ "stream", required_argument, NULL, 's' },
		{ "occurred", required_argument, NULL, 'o' },
		{ "actor", required_argument, NULL, 'a' },
		{ "data", required_argument, NULL, 'd' },
		{ "id", required_argument, NULL, 'i' },
		{ "expected-version", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	append_opts o = { NULL, NULL, NULL, NULL, NULL, JN_ANY_VERSION };
	const char *jopt = NULL, *actor = NULL, *path;
	jl_event ev = { 0 };
	jn_errinfo err;
	jn_env *env = NULL;
	char *line = NULL;
	size_t len = 0;
	uint64_t seq = 0, u;
	int c, ex, rc, stored = 0, from_options = 0;

	while ((c = getopt_long(argc, argv, "J:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'J': jopt = optarg; break;
		case 't': o.type = optarg; from_options = 1; break;
		case 's': o.stream = optarg; from_options = 1; break;
		case 'o': o.occurred = optarg; from_options = 1; break;
		case 'a': actor = optarg; break;
		case 'd': o.data = optarg; from_options = 1; break;
		case 'i': o.id = optarg; from_options = 1; break;
		case 'e':
			if (cli_parse_u64("--expected-version", optarg, UINT32_MAX, &u) != 0)
				return oy_usage(append_usage, 0);
			o.expected = (int64_t)u;
			from_options = 1;
			break;
		case 'h': return oy_usage(append_usage, 1);
		default: return oy_usage(append_usage, 0);
		}
	}
	if (optind != argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		return oy_usage(append_usage, 0);
	}
	if (from_options && (o.type == NULL || o.stream == NULL)) {
		cli_error("option '%s' is required with the event options",
		    o.type == NULL ? "--type" : "--stream");
		return oy_usage(append_usage, 0);
	}
	if (from_options) {
		if ((ex = line_from_options(&o, &line)) != EX_OK)
			goto done;
		len = strlen(line);
	} else if ((ex = line_from_stdin(&line, &len)) != EX_OK) {
		goto done;
	}
	rc = jl_decode(line, len, JL_NOACTOR, &ev, &err);
	if (rc != 0) {
		if (rc == JN_EINVALID)
			oy_field_error(from_options ? "" : "standard input", &err, rc);
		else
			cli_error("cannot decode the event: %s", jn_strerror(rc));
		ex = cli_exit_code(rc);
		goto done;
	}
	if (ev.ev.actor.p == NULL) {
		if (actor == NULL)
			actor = getenv("OYAKO_ACTOR");
		if (actor == NULL || *actor == '\0') {
			cli_error("field 'actor': missing (give --actor or set OYAKO_ACTOR)");
			ex = EX_INPUT;
			goto done;
		}
		ev.ev.actor = jn_str_c(actor);
	}
	path = oy_journal(jopt);
	if ((ex = cli_open(path, 0, &env)) != EX_OK)
		goto done;
	memset(&err, 0, sizeof err);
	rc = jn_append1(env, &ev.ev, &seq, &stored, &err);
	if (rc != 0) {
		if (rc == JN_EINVALID || rc == JN_ECONFLICT || rc == JN_EIDCLASH)
			oy_field_error("", &err, rc);
		else
			cli_error("cannot append to journal '%s': %s", path, jn_strerror(rc));
		ex = cli_exit_code(rc);
		goto env_close;
	}
	printf(stored ? "%llu\n" : "%llu already stored\n", (unsigned long long)seq);
	ex = EX_OK;
env_close:
	jn_env_close(env);
done:
	jl_event_free(&ev);
	free(line);
	return ex;
}
