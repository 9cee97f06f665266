/*
 * timeit: runs one command and reports its wall time and memory.
 *
 *     timeit RESULT CMD [ARG...]
 *
 * Writes to the file RESULT one line "NANOSECONDS MAXRSS_KB ANON_KB": the
 * wall time from fork to exit, the peak resident set (getrusage, which counts
 * the pages of the LMDB map that the command touched), and the peak of its
 * anonymous resident memory (heap and stacks), sampled from /proc every
 * millisecond.  The second figure grows with the journal's size whatever the
 * program does, since a replay touches every page of the map; the third is
 * what grows with the program's own state.  The command's standard streams
 * are inherited.  Exit status: the command's, 126/127 when it cannot be run,
 * 1 on an error of timeit itself.
 *
 * /usr/bin/time gives the wall time in hundredths of a second only, too
 * coarse for a replay of 100k events.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "timeit";

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Anonymous resident memory of pid in kB (RssAnon of /proc/PID/status), or
 * -1 once the process is gone. */
static long anon_kb(pid_t pid)
{
	char path[64], buf[2048];
	int fd;
	ssize_t n;
	const char *p;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "RssAnon:");
	return p ? strtol(p + 8, NULL, 10) : -1;
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 1000000 };
	struct rusage ru;
	long long t0, t1;
	long kb, peak_anon = 0;
	int status, rc = 1;
	pid_t pid, w;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: %s RESULT CMD [ARG...]\n", prog);
		return 2;
	}
	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: error: fork: %s\n", prog, strerror(errno));
		return 1;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "%s: error: '%s': %s\n", prog, argv[2], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	for (;;) {
		w = wait4(pid, &status, WNOHANG, &ru);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			fprintf(stderr, "%s: error: wait: %s\n", prog, strerror(errno));
			return 1;
		}
		kb = anon_kb(pid);
		if (kb > peak_anon)
			peak_anon = kb;
		nanosleep(&tick, NULL);
	}
	t1 = now_ns();
	out = fopen(argv[1], "w");
	if (out == NULL) {
		fprintf(stderr, "%s: error: '%s': %s\n", prog, argv[1], strerror(errno));
		return 1;
	}
	fprintf(out, "%lld %ld %ld\n", t1 - t0, ru.ru_maxrss, peak_anon);
	if (fclose(out) != 0) {
		fprintf(stderr, "%s: error: '%s': %s\n", prog, argv[1], strerror(errno));
		return 1;
	}
	if (WIFEXITED(status))
		rc = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		rc = 128 + WTERMSIG(status);
	return rc;
}
