/*
 * fail.so: an LD_PRELOAD shim that makes the Nth allocation or write-side
 * I/O call of a process fail, for the fault-injection sweep
 * (tests/e2e/reliability_faults.sh).
 *
 * Wrapped: malloc, calloc, realloc, posix_memalign (fail with ENOMEM);
 * write, pwrite, writev, fsync, fdatasync, msync, ftruncate (fail with
 * OYAKO_FAIL_ERRNO).  Environment:
 *
 *	OYAKO_FAIL_AT=N		the Nth counted call fails (1-based; unset or 0:
 *				nothing fails, the shim only counts)
 *	OYAKO_FAIL_ERRNO=E	ENOSPC (default), EIO, ENOMEM, or SHORT: a write
 *				writes half its bytes and says so (a short write)
 *	OYAKO_FAIL_MODE=M	once (default): only call N fails;
 *				after: N and every counted call after it fail
 *	OYAKO_FAIL_ON=K		all (default), alloc or io: which calls count
 *	OYAKO_FAIL_REPORT=F	at exit, append "calls=C failed=F" to file F
 *
 * Counting starts when the process opens a file named data.mdb (the
 * journal), so the sweep spends its steps on the journal's work rather
 * than on program start-up.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern int __posix_memalign(void **, size_t, size_t);

enum { ON_ALL, ON_ALLOC, ON_IO };

static int inited, armed, mode_after, on, err_no = ENOSPC, shortw;
static unsigned long fail_at, calls, failed;
static const char *report;

static void
init(void)
{
	const char *s;

	if (inited)
		return;
	inited = 1;
	if ((s = getenv("OYAKO_FAIL_AT")) != NULL)
		fail_at = strtoul(s, NULL, 10);
	if ((s = getenv("OYAKO_FAIL_MODE")) != NULL && strcmp(s, "after") == 0)
		mode_after = 1;
	if ((s = getenv("OYAKO_FAIL_ON")) != NULL)
		on = strcmp(s, "alloc") == 0 ? ON_ALLOC : strcmp(s, "io") == 0 ? ON_IO : ON_ALL;
	if ((s = getenv("OYAKO_FAIL_ERRNO")) != NULL) {
		if (strcmp(s, "EIO") == 0)
			err_no = EIO;
		else if (strcmp(s, "ENOMEM") == 0)
			err_no = ENOMEM;
		else if (strcmp(s, "SHORT") == 0)
			shortw = 1, err_no = EIO;
	}
	report = getenv("OYAKO_FAIL_REPORT");
}

/* Counts one call of kind (ON_ALLOC or ON_IO); 1 when it must fail. */
static int
should_fail(int kind)
{
	init();
	if (!armed || (on != ON_ALL && on != kind))
		return 0;
	calls++;
	if (fail_at == 0)
		return 0;
	if (calls == fail_at || (mode_after && calls > fail_at)) {
		failed++;
		return 1;
	}
	return 0;
}

static void
arm(const char *path)
{
	size_t n;

	if (armed || path == NULL)
		return;
	n = strlen(path);
	if (n >= 8 && strcmp(path + n - 8, "data.mdb") == 0)
		armed = 1;
}

__attribute__((destructor)) static void
fini(void)
{
	FILE *f;

	if (report && (f = fopen(report, "a")) != NULL) {
		fprintf(f, "calls=%lu failed=%lu\n", calls, failed);
		fclose(f);
	}
}

void *
malloc(size_t n)
{
	if (should_fail(ON_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(n);
}

void *
calloc(size_t n, size_t m)
{
	if (should_fail(ON_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(n, m);
}

void *
realloc(void *p, size_t n)
{
	if (should_fail(ON_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, n);
}

int
posix_memalign(void **p, size_t align, size_t n)
{
	if (should_fail(ON_ALLOC))
		return ENOMEM;
	return __posix_memalign(p, align, n);
}

#define REAL(name) static __typeof__(name) *real; \
	if (real == NULL) real = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

int
open(const char *path, int flags, ...)
{
	REAL(open);
	va_list ap;
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	arm(path);
	return real(path, flags, mode);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	REAL(write);

	if (should_fail(ON_IO)) {
		if (shortw && n > 1)
			return real(fd, buf, n / 2);
		errno = err_no;
		return -1;
	}
	return real(fd, buf, n);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	REAL(pwrite);

	if (should_fail(ON_IO)) {
		if (shortw && n > 1)
			return real(fd, buf, n / 2, off);
		errno = err_no;
		return -1;
	}
	return real(fd, buf, n, off);
}

ssize_t
writev(int fd, const struct iovec *iov, int cnt)
{
	REAL(writev);

	if (should_fail(ON_IO)) {
		if (shortw && cnt > 1)
			return real(fd, iov, cnt / 2);
		errno = err_no;
		return -1;
	}
	return real(fd, iov, cnt);
}

/* fsync, fdatasync, msync and ftruncate cannot be short: they fail. */
#define FAIL_IO(call) do { \
		if (should_fail(ON_IO)) { \
			errno = err_no; \
			return -1; \
		} \
		return call; \
	} while (0)

int
fsync(int fd)
{
	REAL(fsync);
	FAIL_IO(real(fd));
}

int
fdatasync(int fd)
{
	REAL(fdatasync);
	FAIL_IO(real(fd));
}

int
msync(void *p, size_t n, int flags)
{
	REAL(msync);
	FAIL_IO(real(p, n, flags));
}

int
ftruncate(int fd, off_t len)
{
	REAL(ftruncate);
	FAIL_IO(real(fd, len));
}
