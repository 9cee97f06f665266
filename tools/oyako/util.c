/* util.c: helpers shared by the oyako commands, see oyako.h. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oyako.h"

const char *oy_journal_opt;

const char *
oy_journal(const char *opt)
{
	return cli_journal_path(opt ? opt : oy_journal_opt);
}

int
oy_usage(const char *text, int asked)
{
	fputs(text, asked ? stdout : stderr);
	return asked ? EX_OK : EX_USAGE;
}

void
oy_field_error(const char *where, const jn_errinfo *err, int rc)
{
	const char *sep = where && *where ? ": " : "";

	if (where == NULL)
		where = "";
	if (err->field[0])
		cli_error("%s%sfield '%s': %s", where, sep, err->field,
		    err->msg[0] ? err->msg : jn_strerror(rc));
	else
		cli_error("%s%s%s", where, sep, err->msg[0] ? err->msg : jn_strerror(rc));
}

int
oy_open_read(const char *path, jn_env **envp, jn_txn **txnp)
{
	int ex, rc;

	*txnp = NULL;
	if ((ex = cli_open(path, JN_RDONLY, envp)) != EX_OK)
		return ex;
	if ((rc = jn_txn_begin(*envp, JN_TXN_RDONLY, txnp)) != 0) {
		cli_error("cannot read journal '%s': %s", path, jn_strerror(rc));
		jn_env_close(*envp);
		*envp = NULL;
		return cli_exit_code(rc);
	}
	return EX_OK;
}

void
oy_local_time(jn_str recorded, char *out, size_t outsize)
{
	char text[JN_RECORDED_LEN + 1];
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if (recorded.n == JN_RECORDED_LEN) {
		memcpy(text, recorded.p, recorded.n);
		text[recorded.n] = '\0';
		if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		    &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6) {
			tm.tm_year -= 1900;
			tm.tm_mon -= 1;
			t = timegm(&tm);
			if (localtime_r(&t, &tm) && strftime(out, outsize, "%Y-%m-%d %H:%M:%S %Z", &tm))
				return;
		}
	}
	snprintf(out, outsize, "%.*s", (int)recorded.n, recorded.p ? recorded.p : "");
}

static double
seconds(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void
oy_progress_init(oy_progress *p)
{
	memset(p, 0, sizeof *p);
	p->on = isatty(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

void
oy_progress_tick(oy_progress *p, const char *verb, uint64_t done, uint64_t total)
{
	struct timespec now;
	double all;

	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (seconds(&p->last, &now) < 0.25)
		return;
	p->last = now;
	all = seconds(&p->start, &now);
	if (total)
		fprintf(stderr, "\r%s: %llu of %llu events (%d%%), %.0f events/s\033[K", verb,
		    (unsigned long long)done, (unsigned long long)total,
		    (int)(done * 100 / total), all > 0 ? (double)done / all : 0.0);
	else
		fprintf(stderr, "\r%s: %llu events, %.0f events/s\033[K", verb,
		    (unsigned long long)done, all > 0 ? (double)done / all : 0.0);
	p->shown = 1;
}

void
oy_progress_end(oy_progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = 0;
}

/* Parses the options of a command that takes only -J; returns -1 to go on
 * with *jopt set, or the exit code. */
int
oy_only_journal_opt(int argc, char **argv, const char *usage, const char **jopt)
{
	static const struct option longopts[] = {
		{ "journal", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "J:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'J': *jopt = optarg; break;
		case 'h': return oy_usage(usage, 1);
		default: return oy_usage(usage, 0);
		}
	}
	if (optind != argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		return oy_usage(usage, 0);
	}
	return -1;
}
