/*
 * fuzz_jsonl_fast: the fast JSON Lines decoder against the jansson
 * reference (journal/jsonl_impl.h) on arbitrary lines.  The first byte
 * picks the flags (bit 0: JL_RESTORE, bit 1: JL_NOACTOR), the rest is the
 * line.  Both must accept with the same event or both refuse; the fast
 * decoder must not read outside the line (it is copied into a buffer of
 * exactly its length, so that ASan sees an overread).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jsonl_impl.h"

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	static jl_event fast, ref;	/* reused, as an import reuses its event */
	unsigned flags;
	char *line;
	int rf, rr;

	if (len < 1)
		return 0;
	flags = (buf[0] & (JL_RESTORE | JL_NOACTOR)) | JL_NOIDGEN;
	if ((line = malloc(len - 1 ? len - 1 : 1)) == NULL)
		return 0;
	memcpy(line, buf + 1, len - 1);
	rf = jl_decode_fast(line, len - 1, flags, &fast, NULL);
	rr = jl_decode_reference(line, len - 1, flags, &ref, NULL);
	if (rf != rr)
		FUZZ_FAIL(rf ? "the fast decoder refuses a line the reference accepts" :
		    "the fast decoder accepts a line the reference refuses");
	if (rf == 0 && jl_event_diff(&fast.ev, &ref.ev) != NULL)
		FUZZ_FAIL("the decoders accept a line with different events");
	free(line);
	return 0;
}
