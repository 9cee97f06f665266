/*
 * fuzz_msgpack: the readers of stored bytes on arbitrary input: the stored
 * event decoder (jn_decode_stored), the data map readers (jn_data_get,
 * jn_array_next, jl_map_next, jl_value_read), the canonical-form check and
 * the JSON encoder.  None may read outside buf[0..len): the input is copied
 * into a buffer of exactly len bytes so that ASan sees any overread.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"
#include "jsonl.h"

static const char *const keys[] = { "kind", "cases", "name", "room", "needs", "" };

static void
walk_array(jn_value *arr)
{
	jn_value el;
	uint32_t n = 0, count = arr->n;

	/* jn_array_next() counts arr->n down as it goes. */
	while (jn_array_next(arr, &el) == 0)
		if (++n > count)
			FUZZ_FAIL("jn_array_next gave more elements than the array holds");
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);
	jn_event ev;
	jn_value v;
	jl_map m;
	jn_str key;
	const uint8_t *vp;
	size_t vlen, used, i;
	jl_buf out = { 0 };
	jn_buf canon = { 0 };
	jn_errinfo err;
	int isc;

	if (buf == NULL)
		return 0;
	memcpy(buf, in, len);
	if (jn_decode_stored(buf, len, &ev) == 0) {
		if (ev.data < buf || ev.data + ev.data_len > buf + len)
			FUZZ_FAIL("decoded data points outside the stored value");
		jl_encode(&ev, &out);
		out.n = 0;
	}
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (jn_data_get(buf, len, keys[i], &v) == 0 && v.kind == JN_V_ARRAY)
			walk_array(&v);
	if (jl_map_open(&m, buf, len) == 0)
		while (jl_map_next(&m, &key, &vp, &vlen) == 0)
			if (vp < buf || vp + vlen > buf + len)
				FUZZ_FAIL("jl_map_next gave a value outside the map");
	if (jl_value_read(buf, len, &v, &used) == 0 && used > len)
		FUZZ_FAIL("jl_value_read used more bytes than given");
	if (jl_encode_value(buf, len, &out, &used) == 0 && used > len)
		FUZZ_FAIL("jl_encode_value used more bytes than given");
	if (jn_data_canon(buf, len, &canon, &isc, &err) == 0 && !isc) {
		/* The canonical form must itself be canonical. */
		int again = 0;
		if (jn_data_canon(canon.p, canon.n, NULL, &again, &err) != 0 || !again)
			FUZZ_FAIL("jn_data_canon's output is not canonical");
	}
	jn_buf_free(&canon);
	jl_buf_free(&out);
	free(buf);
	return 0;
}
