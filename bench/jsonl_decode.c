/*
 * jsonl_decode: decode-only throughput of the JSON Lines decoders.
 *
 *	build/bench/jsonl_decode [-r RUNS] [-o fast|reference] FILE
 *
 * Reads FILE (JSON Lines) into memory, then decodes every line with the fast
 * decoder and with the jansson reference (journal/jsonl_impl.h), RUNS times
 * each (default 3), alternately so that a busy machine slows both alike,
 * and prints the best rate of each and their ratio.  -o runs only one of
 * them (for a profile).  A line one decoder
 * refuses is counted, not timed apart: the same lines go through both.
 * Exit codes: 0 done, 1 the decoders disagree on a line, 2 usage, 6 I/O.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonl_impl.h"

typedef int (*decoder)(const char *, size_t, unsigned, jl_event *, jn_errinfo *);

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Decodes every line of buf[0..len); returns the seconds it took and the
 * lines refused in *badp. */
static double
run(decoder fn, const char *buf, size_t len, jl_event *e, size_t *badp)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t bad = 0;
	double t0 = now();

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl > p && fn(p, (size_t)(nl - p), 0, e, NULL) != 0)
			bad++;
		p = nl + 1;
	}
	*badp = bad;
	return now() - t0;
}

int
main(int argc, char **argv)
{
	jl_event e = { 0 };
	size_t len = 0, cap = 0, got, lines = 0, badf = 0, badr = 0, i;
	double best_f = 1e30, best_r = 1e30, t;
	char *buf = NULL, *nb;
	const char *only = NULL;
	int runs = 3, c, r, ex = 0;
	FILE *f;

	while ((c = getopt(argc, argv, "r:o:")) != -1) {
		if (c == 'r' && (runs = atoi(optarg)) >= 1)
			continue;
		if (c == 'o' && (strcmp(optarg, "fast") == 0 || strcmp(optarg, "reference") == 0)) {
			only = optarg;
			continue;
		}
		optind = argc;	/* anything else: usage */
		break;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: jsonl_decode [-r RUNS] [-o fast|reference] FILE\n");
		return 2;
	}
	if ((f = fopen(argv[optind], "rb")) == NULL) {
		fprintf(stderr, "jsonl_decode: error: cannot open '%s': %s\n", argv[optind], strerror(errno));
		return 6;
	}
	for (;;) {
		if (cap - len < (1 << 20)) {
			cap = cap ? 2 * cap : 1 << 24;
			if ((nb = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "jsonl_decode: error: out of memory\n");
				ex = 6;
				goto done;
			}
			buf = nb;
		}
		if ((got = fread(buf + len, 1, cap - len, f)) == 0)
			break;
		len += got;
	}
	if (ferror(f)) {
		fprintf(stderr, "jsonl_decode: error: cannot read '%s'\n", argv[optind]);
		ex = 6;
		goto done;
	}
	for (i = 0; i < len; i++)
		lines += buf[i] == '\n';
	for (r = 0; r < runs; r++) {
		if ((!only || *only == 'f') && (t = run(jl_decode_fast, buf, len, &e, &badf)) < best_f)
			best_f = t;
		if ((!only || *only == 'r') && (t = run(jl_decode_reference, buf, len, &e, &badr)) < best_r)
			best_r = t;
	}
	printf("%zu lines, %.1f MB, best of %d runs\n", lines, (double)len / 1e6, runs);
	printf("fast       %8.3f s  %10.0f lines/s  %7.1f MB/s  (%zu refused)\n",
	    best_f, lines / best_f, len / best_f / 1e6, badf);
	printf("reference  %8.3f s  %10.0f lines/s  %7.1f MB/s  (%zu refused)\n",
	    best_r, lines / best_r, len / best_r / 1e6, badr);
	if (only)
		goto done;
	printf("fast / reference: %.2fx\n", best_r / best_f);
	if (badf != badr) {
		fprintf(stderr, "jsonl_decode: error: the decoders refuse different lines\n");
		ex = 1;
	}
done:
	fclose(f);
	free(buf);
	jl_event_free(&e);
	return ex;
}
