/*
 * oyako-gen: writes the event log of a synthetic city as JSON Lines, ready
 * for `oyako import`.  See oyako-gen.1 and gen.h.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gen.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [--births N] [--years K] [--fy YEAR] [--seed S] [--until DATE]\n"
	    "       %*s [-o FILE] [--persons FILE] [--stats]\n"
	    "\n"
	    "  -b, --births N    births a year (default 450, the seed's city)\n"
	    "  -y, --years K     fiscal years after the run-in year (default 1)\n"
	    "      --fy YEAR     first fiscal year: 2025, R7 or 令和7 (default 2025)\n"
	    "  -s, --seed S      random seed (default 1): same seed, same bytes\n"
	    "      --until DATE  record nothing after DATE (default today in Japan)\n"
	    "  -o, --output FILE write to FILE instead of standard output\n"
	    "      --persons FILE  also write made-up person data of each case (names in\n"
	    "                    kanji and kana, phone, address, mother_birth_date) to FILE,\n"
	    "                    JSON Lines for 'oyako person import'\n"
	    "      --stats       print the number of events of each type on stderr\n"
	    "  -h, --help        show this help\n",
	    cli_progname, (int)strlen(cli_progname), "");
}

static void
print_stats(const struct gen_stats *st)
{
	char a[11] = "", b[11] = "";
	int t;

	if (st->last >= st->first) {
		jn_date_format(st->first, a);
		jn_date_format(st->last, b);
	}
	fprintf(stderr, "%s: %llu events, %llu cases, %s..%s\n", cli_progname,
	    (unsigned long long)st->events, (unsigned long long)st->cases, a, b);
	for (t = 0; t < GEN_NTYPES; t++)
		fprintf(stderr, "  %-22s %12llu\n", gen_type_names[t],
		    (unsigned long long)st->by_type[t]);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "births", required_argument, NULL, 'b' },
		{ "years", required_argument, NULL, 'y' },
		{ "fy", required_argument, NULL, 'F' },
		{ "seed", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "output", required_argument, NULL, 'o' },
		{ "stats", no_argument, NULL, 'S' },
		{ "persons", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct gen_opts o = { 450, 1, 2025, 1, 0, NULL };
	struct gen_stats st;
	const char *path = NULL, *ppath = NULL;
	FILE *out = stdout;
	uint64_t v;
	int ch, stats = 0, rc, ex = EX_OK;

	cli_init(argc, argv);
	o.until = jn_today_jst();
	while ((ch = getopt_long(argc, argv, "b:y:s:o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			/* Ten times Japan's births is enough for any benchmark. */
			if (cli_parse_u64("--births", optarg, 10000000, &v) != 0)
				return EX_USAGE;
			o.births = v;
			break;
		case 'y':
			if (cli_parse_u64("--years", optarg, 100, &v) != 0)
				return EX_USAGE;
			if (v == 0) {
				cli_error("option '--years': '%s' is not a number from 1 to 100", optarg);
				return EX_USAGE;
			}
			o.years = (unsigned)v;
			break;
		case 'F':
			if (cli_parse_fy("--fy", optarg, &o.fy) != 0)
				return EX_USAGE;
			break;
		case 's':
			if (cli_parse_u64("--seed", optarg, UINT64_MAX, &o.seed) != 0)
				return EX_USAGE;
			break;
		case 'u':
			if (cli_parse_date("--until", optarg, &o.until) != 0)
				return EX_USAGE;
			break;
		case 'o':
			path = optarg;
			break;
		case 'S':
			stats = 1;
			break;
		case 'P':
			ppath = optarg;
			break;
		case 'h':
			usage();
			return EX_OK;
		default:
			usage();
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		usage();
		return EX_USAGE;
	}
	/* The run-in year starts a year early; dates stay within 1900..9999. */
	if (o.fy < 1901 || o.fy + (int)o.years > 9999) {
		cli_error("option '--fy': the run from FY%d to FY%d leaves the years 1900 to 9999",
		    o.fy - 1, o.fy + (int)o.years - 1);
		return EX_USAGE;
	}
	if (path && (out = fopen(path, "w")) == NULL) {
		cli_error("cannot write '%s': %s", path, strerror(errno));
		return EX_IO;
	}
	if (ppath && (o.persons = fopen(ppath, "w")) == NULL) {
		cli_error("cannot write '%s': %s", ppath, strerror(errno));
		if (path)
			fclose(out);
		return EX_IO;
	}
	rc = gen_run(&o, out, &st);
	if (rc != 0) {
		cli_error("cannot write '%s': %s", path ? path : "standard output", strerror(rc));
		ex = EX_IO;
	}
	if (o.persons && fclose(o.persons) != 0 && ex == EX_OK) {
		cli_error("cannot write '%s': %s", ppath, strerror(errno));
		ex = EX_IO;
	}
	if (path && fclose(out) != 0 && ex == EX_OK) {
		cli_error("cannot write '%s': %s", path, strerror(errno));
		ex = EX_IO;
	}
	if (ex == EX_OK && stats)
		print_stats(&st);
	return ex;
}
