/* cli.c: see cli.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char *cli_progname = "oyako";

void
cli_init(int argc, char **argv)
{
	const char *p;

	if (argc > 0 && argv[0] && *argv[0]) {
		p = strrchr(argv[0], '/');
		cli_progname = p ? p + 1 : argv[0];
	}
}

const char *
cli_journal_path(const char *opt)
{
	const char *env;

	if (opt && *opt)
		return opt;
	env = getenv("OYAKO_JOURNAL");
	if (env && *env)
		return env;
	return "./oyako-journal";
}

static void
vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", cli_progname, prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error: ", fmt, ap);
	va_end(ap);
}

void
cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

int
cli_exit_code(int rc)
{
	switch (rc) {
	case 0:
		return EX_OK;
	case JN_EINVALID:
		return EX_INPUT;
	case JN_ECONFLICT:
	case JN_EIDCLASH:
		return EX_CONFLICT;
	case JN_ECORRUPT:
	case JN_ECHAIN:
	case JN_EFORMAT:
		return EX_INTEGRITY;
	case JN_ENOTFOUND:
		return EX_NOTFOUND;
	case JN_ENOTEMPTY:
	case JN_EEXIST:
		return EX_USAGE;
	case JN_ERDONLY:
	case JN_EMAPFULL:
		return EX_IO;
	case JN_EBADTXN:
		return EX_INTERNAL;
	case JN_EUPGRADE:
		return EX_UPGRADE;
	default:
		return rc > 0 ? EX_IO : EX_INTERNAL;
	}
}

int
cli_open(const char *path, unsigned flags, jn_env **envp)
{
	int rc;

	rc = jn_env_open(path, flags, envp);
	if (rc == 0)
		return EX_OK;
	if (rc == JN_ENOTFOUND)
		cli_error("no journal at '%s' (create one with 'oyako init', or give -J DIR)", path);
	else if (rc == JN_EEXIST)
		cli_error("a journal already exists at '%s'", path);
	else if (rc == JN_EUPGRADE)
		cli_error("journal '%s' is in storage format 1, which this version reads but does "
		    "not write: run 'oyako -J %s upgrade' first (specs/storage.md)", path, path);
	else
		cli_error("cannot open journal '%s': %s", path, jn_strerror(rc));
	return cli_exit_code(rc);
}

int
cli_parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	cli_error("option '%s': '%s' is not a number from 0 to %llu", opt, s ? s : "",
	    (unsigned long long)max);
	return -1;
}

int
cli_parse_jobs(const char *s, unsigned max, unsigned *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	if (s && *s >= '1' && *s <= '9' && (v = strtoul(s, &end, 10), errno == 0) &&
	    *end == '\0' && v <= max) {
		*out = (unsigned)v;
		return 0;
	}
	cli_error("option '--jobs': '%s' is not a number from 1 to %u", s ? s : "", max);
	return -1;
}

unsigned
cli_jobs_default(unsigned max)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > (long)max ? max : (unsigned)n;
}

int
cli_parse_date(const char *opt, const char *s, int32_t *dayp)
{
	if (s && strlen(s) == 10 && jn_date_parse(jn_str_c(s), dayp) == 0)
		return 0;
	cli_error("option '%s': '%s' is not a date (YYYY-MM-DD)", opt, s ? s : "");
	return -1;
}

int
cli_parse_fy(const char *opt, const char *s, int *fyp)
{
	const char *digits = s;
	uint64_t v;
	int reiwa = 0;

	if (s == NULL)
		goto bad;
	if (s[0] == 'R' || s[0] == 'r') {
		digits = s + 1;
		reiwa = 1;
	} else if (strncmp(s, "令和", strlen("令和")) == 0) {
		digits = s + strlen("令和");
		reiwa = 1;
		/* "令和7年度" and "令和7年" are how people write it. */
	}
	{
		char buf[16];
		size_t n = strcspn(digits, "年");
		if (n == 0 || n >= sizeof buf)
			goto bad;
		if (digits[n] && strcmp(digits + n, "年度") != 0 && strcmp(digits + n, "年") != 0)
			goto bad;
		memcpy(buf, digits, n);
		buf[n] = '\0';
		if (buf[0] < '0' || buf[0] > '9')
			goto bad;
		v = strtoull(buf, NULL, 10);
		{
			char *end;
			errno = 0;
			v = strtoull(buf, &end, 10);
			if (errno || *end)
				goto bad;
		}
	}
	if (reiwa) {
		if (v < 1 || v > 200)
			goto bad;
		v += 2018;
	}
	if (v < 1900 || v > 9998)
		goto bad;
	*fyp = (int)v;
	return 0;
bad:
	cli_error("option '%s': '%s' is not a fiscal year (2025, R7 or 令和7)", opt, s ? s : "");
	return -1;
}

const char *
cli_lang(const char *opt)
{
	const char *vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	const char *v;
	size_t i;

	if (opt && *opt)
		return strncmp(opt, "ja", 2) == 0 ? "ja" : "en";
	for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		v = getenv(vars[i]);
		if (v && *v)
			return strncmp(v, "ja", 2) == 0 ? "ja" : "en";
	}
	return "en";
}
