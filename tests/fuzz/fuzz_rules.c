/*
 * fuzz_rules: the rules file parser of the projections (pj_rules_load) on
 * arbitrary files.  The input is written to a memory file and read back
 * through /proc/self/fd, as a path is what the parser takes.  Every value it
 * accepts must be a number of days in range.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cases.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	static int fd = -1;
	char path[64];
	pj_rules r;
	jn_errinfo err;
	const int *f;
	size_t i;

	if (fd < 0 && (fd = memfd_create("rules", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) != 0 || pwrite(fd, in, len, 0) != (ssize_t)len)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	pj_rules_default(&r);
	memset(&err, 0, sizeof err);
	if (pj_rules_load(path, &r, &err) == 0) {
		f = (const int *)&r;
		for (i = 0; i < sizeof r / sizeof *f; i++)
			if (f[i] < 0 || f[i] > 36500)
				FUZZ_FAIL("a rules file gave a day count out of range");
	} else if (memchr(err.field, '\0', sizeof err.field) == NULL ||
	    memchr(err.msg, '\0', sizeof err.msg) == NULL) {
		FUZZ_FAIL("an error message is not terminated");
	}
	return 0;
}
