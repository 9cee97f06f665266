/*
 * vtbench: the time of one `find` in the vault, without the process around
 * it (make bench; BRIEF section 11: under 1 ms on 100,000 cases).
 *
 *	vtbench DIR KEYFILE PERSONS.jsonl N
 *
 * Opens the vault of journal DIR once, then looks up N names and kana taken
 * from PERSONS (the file that was imported, every k-th line, alternately the
 * name and the kana written in katakana-free form as stored) with
 * vt_find(), each timed alone.  Prints "MEDIAN_NS P99_NS FOUND TRIED
 * MEDIAN_CPU_NS" on stdout: FOUND counts the lookups that found their case
 * (all of them, or the bench is wrong); the CPU time is the process's, which
 * a busy machine does not inflate.  The person.accessed append of `oyako person find` is
 * not in this figure: it is one durable commit (see the append rows).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vault.h"

static int
ns_cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* The value of "key":"..." in line, copied to out. */
static int
field(const char *line, const char *key, char *out, size_t cap)
{
	char pat[32];
	const char *p, *e;

	snprintf(pat, sizeof pat, "\"%s\":\"", key);
	if ((p = strstr(line, pat)) == NULL)
		return -1;
	p += strlen(pat);
	if ((e = strchr(p, '"')) == NULL || (size_t)(e - p) >= cap)
		return -1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return 0;
}

int
main(int argc, char **argv)
{
	uint8_t key[VT_KEY_LEN], id[JN_ID_LEN], (*ids)[JN_ID_LEN];
	char line[4096], text[512], cs[64];
	long long *ns, *cpu;
	struct timespec ca, cb;
	size_t n, lines = 0, want, done = 0, found = 0, i, every;
	struct timespec a, b;
	vt_vault *v;
	FILE *f;
	int rc;

	if (argc != 5 || (want = strtoul(argv[4], NULL, 10)) == 0) {
		fputs("usage: vtbench DIR KEYFILE PERSONS.jsonl N\n", stderr);
		return 2;
	}
	if ((rc = vt_key_load(argv[2], key)) != 0 || (rc = vt_open(argv[1], key, 0, &v)) != 0) {
		fprintf(stderr, "vtbench: %s\n", vt_strerror(rc));
		return 1;
	}
	if ((f = fopen(argv[3], "r")) == NULL || (ns = calloc(want, sizeof *ns)) == NULL ||
	    (cpu = calloc(want, sizeof *cpu)) == NULL) {
		perror("vtbench");
		return 1;
	}
	while (fgets(line, sizeof line, f))
		lines++;
	every = lines / want ? lines / want : 1;
	rewind(f);
	for (i = 0; done < want && fgets(line, sizeof line, f); i++) {
		if (i % every != 0 || field(line, "case", cs, sizeof cs) != 0 ||
		    jn_uuid_parse(jn_str_c(cs), id) != 0 ||
		    field(line, done % 2 ? "kana" : "name", text, sizeof text) != 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &a);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
		rc = vt_find(v, text, &ids, &n);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (rc != 0) {
			fprintf(stderr, "vtbench: find: %s\n", vt_strerror(rc));
			return 1;
		}
		for (size_t k = 0; k < n; k++)
			found += memcmp(ids[k], id, JN_ID_LEN) == 0;
		free(ids);
		cpu[done] = (cb.tv_sec - ca.tv_sec) * 1000000000LL + (cb.tv_nsec - ca.tv_nsec);
		ns[done++] = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	}
	fclose(f);
	if (done == 0) {
		fputs("vtbench: no names in the persons file\n", stderr);
		return 1;
	}
	qsort(ns, done, sizeof *ns, ns_cmp);
	qsort(cpu, done, sizeof *cpu, ns_cmp);
	printf("%lld %lld %zu %zu %lld\n", ns[done / 2], ns[(done * 99) / 100], found, done, cpu[done / 2]);
	free(ns);
	free(cpu);
	vt_close(v);
	return 0;
}
