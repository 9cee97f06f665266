/*
 * fuzz.h: what the fuzz targets share.  Each target defines
 * LLVMFuzzerTestOneInput(); libFuzzer drives it under `make fuzz`, and
 * replay_main.c drives it over the committed corpora in `make check`.
 */
#ifndef OYAKO_FUZZ_H
#define OYAKO_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len);

/* A broken invariant is a crash: libFuzzer saves the input. */
#define FUZZ_FAIL(why) do { \
		fprintf(stderr, "fuzz: %s:%d: %s\n", __FILE__, __LINE__, why); \
		abort(); \
	} while (0)

#endif
