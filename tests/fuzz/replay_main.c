/*
 * replay_main: a main() for a fuzz target without libFuzzer.  Feeds each
 * file named on the command line to LLVMFuzzerTestOneInput() and prints a
 * TAP line for it; a crash (ASan, UBSan, abort) ends the program, which the
 * test runner counts as a failure.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

static int
slurp(const char *path, uint8_t **bufp, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *nb;
	size_t len = 0, cap = 0, got;

	if (f == NULL)
		return -1;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap)) == NULL)
				break;
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	*bufp = buf;
	*lenp = len;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "fuzz";
	uint8_t *buf;
	size_t len;
	int i, bad = 0;

	for (i = 2; i < argc; i++) {
		if (slurp(argv[i], &buf, &len) != 0) {
			printf("not ok - %s %s: cannot read\n", name, argv[i]);
			bad = 1;
			continue;
		}
		fflush(stdout);
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		printf("ok - %s %s\n", name, argv[i]);
	}
	return bad;
}
