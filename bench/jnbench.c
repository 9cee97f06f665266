/*
 * jnbench: the durable append of the library beside the disk's own limit.
 *
 *     jnbench append JOURNAL N    N appends with jn_append1(), environment open
 *     jnbench fsync DIR N         N times: write 4 KiB at offset 0, fdatasync
 *
 * Each prints one line: "MEDIAN_NS MIN_NS MAX_NS" over the N operations.
 * An append is a handbook.issued opening a new case (no reference to check
 * beyond its own stream), synced before jn_append1() returns: the work of
 * `oyako append` without the process start.  Exit: 0, 2 usage, 6 I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"

static const char *prog = "jnbench";

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static void report(long long *ns, int n)
{
	qsort(ns, (size_t)n, sizeof *ns, cmp_ll);
	printf("%lld %lld %lld\n", ns[n / 2], ns[0], ns[n - 1]);
}

/* {"district":"bench","due_date":"2027-06-01","support_needed":false},
 * canonical: keys in byte order, fixstr everywhere. */
static const unsigned char hb_data[] = {
	0x83,
	0xa8, 'd', 'i', 's', 't', 'r', 'i', 'c', 't',
	0xa5, 'b', 'e', 'n', 'c', 'h',
	0xa8, 'd', 'u', 'e', '_', 'd', 'a', 't', 'e',
	0xaa, '2', '0', '2', '7', '-', '0', '6', '-', '0', '1',
	0xae, 's', 'u', 'p', 'p', 'o', 'r', 't', '_', 'n', 'e', 'e', 'd', 'e', 'd',
	0xc2,
};

static int bench_append(const char *path, long long *ns, int n)
{
	jn_env *env = NULL;
	jn_event ev;
	jn_errinfo err;
	char today[11], idtext[37], stream[5 + 37];
	long long t0;
	int i, rc;

	rc = jn_env_open(path, 0, &env);
	if (rc != 0) {
		fprintf(stderr, "%s: error: '%s': %s\n", prog, path, jn_strerror(rc));
		return rc;
	}
	jn_date_format(jn_today_jst(), today);
	for (i = 0; i < n; i++) {
		memset(&ev, 0, sizeof ev);
		jn_uuid_generate(ev.id);
		jn_uuid_format(ev.id, idtext);
		snprintf(stream, sizeof stream, "case:%s", idtext);
		ev.type = JN_STR("handbook.issued");
		ev.stream = jn_str_c(stream);
		ev.occurred = jn_str_c(today);
		ev.actor = JN_STR("bench");
		ev.data = hb_data;
		ev.data_len = sizeof hb_data;
		ev.expected_version = 0;
		t0 = now_ns();
		rc = jn_append1(env, &ev, NULL, NULL, &err);
		ns[i] = now_ns() - t0;
		if (rc != 0) {
			fprintf(stderr, "%s: error: append: %s: %s %s\n", prog,
			    jn_strerror(rc), err.field, err.msg);
			goto env_close;
		}
	}
env_close:
	jn_env_close(env);
	return rc;
}

static int bench_fsync(const char *dir, long long *ns, int n)
{
	char path[4096], buf[4096];
	long long t0;
	int fd, i, rc = 0;

	snprintf(path, sizeof path, "%s/fdatasync.bench", dir);
	memset(buf, 'x', sizeof buf);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		rc = errno;
		fprintf(stderr, "%s: error: '%s': %s\n", prog, path, strerror(rc));
		return rc;
	}
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		if (pwrite(fd, buf, sizeof buf, 0) != (ssize_t)sizeof buf || fdatasync(fd) != 0) {
			rc = errno;
			fprintf(stderr, "%s: error: '%s': %s\n", prog, path, strerror(rc));
			goto unlink;
		}
		ns[i] = now_ns() - t0;
	}
unlink:
	close(fd);
	unlink(path);
	return rc;
}

int main(int argc, char **argv)
{
	long long *ns;
	int n, rc;

	if (argc != 4 || (n = atoi(argv[3])) < 1 ||
	    (strcmp(argv[1], "append") != 0 && strcmp(argv[1], "fsync") != 0)) {
		fprintf(stderr, "usage: %s append JOURNAL N | fsync DIR N\n", prog);
		return 2;
	}
	ns = malloc((size_t)n * sizeof *ns);
	if (ns == NULL) {
		fprintf(stderr, "%s: error: out of memory\n", prog);
		return 6;
	}
	if (strcmp(argv[1], "append") == 0)
		rc = bench_append(argv[2], ns, n);
	else
		rc = bench_fsync(argv[2], ns, n);
	if (rc == 0)
		report(ns, n);
	free(ns);
	return rc == 0 ? 0 : 6;
}
