/*
 * fuzz_jsonl: jl_decode() on arbitrary lines.  The first byte picks the
 * flags (bit 0: JL_RESTORE, bit 1: JL_NOACTOR), the rest is the line.  A
 * decoded event's data must be a canonical map (as far as jn_data_canon
 * knows) that the encoder can write back as JSON, and that decodes again to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"
#include "jsonl.h"

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	jl_event e = { 0 }, again = { 0 };
	jl_buf json = { 0 };
	jn_errinfo err;
	unsigned flags;
	int canon = 0;

	if (len < 1)
		return 0;
	flags = buf[0] & (JL_RESTORE | JL_NOACTOR);
	if (jl_decode((const char *)buf + 1, len - 1, flags, &e, &err) != 0)
		goto out;
	/* jn_data_canon() knows only the catalog's values (no nested maps,
	 * arrays of scalars); within them the decoder's map must be canonical. */
	if (jn_data_canon(e.ev.data, e.ev.data_len, NULL, &canon, &err) == 0 && !canon)
		FUZZ_FAIL("jl_decode gave a data map that is not canonical");
	if (jl_encode_value(e.ev.data, e.ev.data_len, &json, NULL) != 0)
		FUZZ_FAIL("jl_decode gave a data map that jl_encode_value refuses");
	/* {"type":"x","stream":"y","occurred":"z","actor":"a","data":JSON} */
	{
		static const char head[] = "{\"type\":\"x\",\"stream\":\"y\",\"occurred\":\"z\",\"actor\":\"a\",\"data\":";
		jl_buf line = { 0 };

		if (jl_buf_reserve(&line, sizeof head + json.n + 2) == 0) {
			memcpy(line.p, head, sizeof head - 1);
			memcpy(line.p + sizeof head - 1, json.p, json.n);
			line.p[sizeof head - 1 + json.n] = '}';
			line.n = sizeof head + json.n;
			if (jl_decode(line.p, line.n, 0, &again, &err) != 0)
				FUZZ_FAIL("the encoded data does not decode again");
			if (again.ev.data_len != e.ev.data_len ||
			    memcmp(again.ev.data, e.ev.data, e.ev.data_len) != 0)
				FUZZ_FAIL("data changed through encode and decode");
		}
		jl_buf_free(&line);
	}
out:
	jl_buf_free(&json);
	jl_event_free(&e);
	jl_event_free(&again);
	return 0;
}
