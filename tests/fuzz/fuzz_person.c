/*
 * fuzz_person: the vault's input decoders on arbitrary bytes: the person
 * data of `person set` and `person import` lines (vt_patch_parse, with and
 * without the "case" key) and the normalisation of names for the blind
 * index (vt_normalize).  A patch it accepts must write back as JSON that
 * parses to the same fields; a normalised string is valid UTF-8 and never
 * longer than 4/3 of its input plus a code point.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vault.h"

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	char out[4 * 1024 + 8];
	vt_patch pa, back;
	vt_err err;
	char *json;
	size_t n;
	int f, skip;

	for (skip = 0; skip <= 1; skip++) {
		if (vt_patch_parse((const char *)in, len, skip, &pa, &err) != 0) {
			if (memchr(err.field, '\0', sizeof err.field) == NULL ||
			    memchr(err.msg, '\0', sizeof err.msg) == NULL)
				FUZZ_FAIL("an error detail is not a string");
			continue;
		}
		if ((json = vt_person_json(&pa.p)) == NULL)
			FUZZ_FAIL("an accepted patch does not write back");
		if (vt_patch_parse(json, strlen(json), 0, &back, &err) != 0)
			FUZZ_FAIL("the written person does not parse");
		for (f = 0; f < VT_NFIELDS; f++)
			if ((pa.p.f[f] == NULL) != (back.p.f[f] == NULL) ||
			    (pa.p.f[f] && strcmp(pa.p.f[f], back.p.f[f]) != 0))
				FUZZ_FAIL("a field changed on the way back");
		free(json);
		vt_patch_clear(&back);
		vt_patch_clear(&pa);
	}
	n = vt_normalize((const char *)in, len, out, sizeof out);
	if (n != (size_t)-1) {
		/* Each code point folds to one of at most as many bytes, but a
		 * half-width kana (3 bytes) stays 3: never longer than the input. */
		if (n > len || strlen(out) != n)
			FUZZ_FAIL("a normalised string is longer than its input");
		if (vt_normalize(out, n, out + 2048, sizeof out - 2048) == (size_t)-1 && n < 2040)
			FUZZ_FAIL("a normalised string is not valid UTF-8");
	}
	return 0;
}
