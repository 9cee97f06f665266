/* test_jsonl.c: the JSON Lines codec (journal/jsonl.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonl.h"

#define ID1 "0f8e4c2a-4b1d-4e8a-9c3b-1a2b3c4d5e6f"
#define CASE1 "case:7d3c1f0e-2a4b-4c5d-8e9f-0a1b2c3d4e5f"
#define HASH1 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

#define BASE "\"type\":\"handbook.issued\",\"stream\":\"" CASE1 "\"," \
	"\"occurred\":\"2025-04-03\",\"actor\":\"nurse:N07\""

/* The export line of one event, as jl_encode() must write it. */
#define EXPORT1 "{\"seq\":7,\"id\":\"" ID1 "\",\"type\":\"handbook.issued\"," \
	"\"stream\":\"" CASE1 "\",\"version\":1,\"occurred\":\"2025-04-03\"," \
	"\"recorded\":\"2025-04-03T01:02:03.000004Z\",\"actor\":\"nurse:N07\"," \
	"\"data\":{\"district\":\"北条\",\"due_date\":\"2025-10-01\",\"needs\":[\"young\",\"single\"]," \
	"\"support_needed\":true},\"hash\":\"" HASH1 "\"}\n"

static int
decode(const char *line, unsigned flags, jl_event *e, jn_errinfo *err)
{
	return jl_decode(line, strlen(line), flags, e, err);
}

/* Decodes line, which must fail, and checks the field named. */
static void
expect_error(const char *line, unsigned flags, const char *field, const char *msgpart)
{
	jl_event e = { 0 };
	jn_errinfo err;

	assert_int_equal(decode(line, flags, &e, &err), JN_EINVALID);
	assert_string_equal(err.field, field);
	if (msgpart && strstr(err.msg, msgpart) == NULL)
		fail_msg("message '%s' lacks '%s'", err.msg, msgpart);
	jl_event_free(&e);
}

static void
assert_bytes(const uint8_t *got, size_t n, const char *want, size_t wn)
{
	assert_int_equal(n, wn);
	assert_memory_equal(got, want, wn);
}

static void
test_decode_fields(void **state)
{
	jl_event e = { 0 };
	jn_errinfo err;
	uint8_t id[JN_ID_LEN];

	assert_int_equal(decode("{\"id\":\"" ID1 "\"," BASE ",\"data\":{},\"expected_version\":0}",
	    0, &e, &err), 0);
	assert_int_equal(jn_uuid_parse(JN_STR(ID1), id), 0);
	assert_memory_equal(e.ev.id, id, JN_ID_LEN);
	assert_true(jn_str_eq(e.ev.type, "handbook.issued"));
	assert_true(jn_str_eq(e.ev.stream, CASE1));
	assert_true(jn_str_eq(e.ev.occurred, "2025-04-03"));
	assert_true(jn_str_eq(e.ev.actor, "nurse:N07"));
	assert_int_equal(e.ev.expected_version, 0);
	assert_bytes(e.ev.data, e.ev.data_len, "\x80", 1);
	jl_event_free(&e);
}

static void
test_decode_defaults(void **state)
{
	static const uint8_t zero[JN_ID_LEN];
	jl_event e = { 0 };
	uint8_t first[JN_ID_LEN];

	/* No id: one is generated, a new one each time; no data: empty map. */
	assert_int_equal(decode("{" BASE "}", 0, &e, NULL), 0);
	assert_memory_not_equal(e.ev.id, zero, JN_ID_LEN);
	memcpy(first, e.ev.id, JN_ID_LEN);
	assert_int_equal(e.ev.expected_version, JN_ANY_VERSION);
	assert_bytes(e.ev.data, e.ev.data_len, "\x80", 1);
	assert_int_equal(decode("{" BASE "}", 0, &e, NULL), 0);
	assert_memory_not_equal(e.ev.id, first, JN_ID_LEN);
	jl_event_free(&e);
}

static void
test_decode_canonical_map(void **state)
{
	jl_event e = { 0 };

	/* Keys sorted by bytes, the prefix "a" before "aa", nested maps too. */
	assert_int_equal(decode("{" BASE ",\"data\":{\"b\":1,\"aa\":true,\"a\":{\"y\":null,\"x\":false}}}",
	    0, &e, NULL), 0);
	assert_bytes(e.ev.data, e.ev.data_len,
	    "\x83" "\xa1" "a" "\x82\xa1x\xc2\xa1y\xc0" "\xa2" "aa" "\xc3" "\xa1" "b" "\x01", 17);
	/* Bytes compare unsigned: "é" (0xc3 0xa9) after "z". */
	assert_int_equal(decode("{" BASE ",\"data\":{\"é\":1,\"z\":2}}", 0, &e, NULL), 0);
	assert_bytes(e.ev.data, e.ev.data_len, "\x82\xa1z\x02\xa2\xc3\xa9\x01", 8);
	jl_event_free(&e);
}

static void
test_decode_integers(void **state)
{
	jl_event e = { 0 };

	/* Each integer in its smallest encoding. */
	assert_int_equal(decode("{" BASE ",\"data\":{\"a\":[0,127,128,255,256,65536,-1,-32,-33,-129,"
	    "4294967296,-9223372036854775808,9223372036854775807]}}", 0, &e, NULL), 0);
	assert_bytes(e.ev.data, e.ev.data_len,
	    "\x81\xa1" "a" "\x9d"
	    "\x00" "\x7f" "\xcc\x80" "\xcc\xff" "\xcd\x01\x00" "\xce\x00\x01\x00\x00"
	    "\xff" "\xe0" "\xd0\xdf" "\xd1\xff\x7f"
	    "\xcf\x00\x00\x00\x01\x00\x00\x00\x00"
	    "\xd3\x80\x00\x00\x00\x00\x00\x00\x00"
	    "\xcf\x7f\xff\xff\xff\xff\xff\xff\xff", 52);
	jl_event_free(&e);
}

static void
test_decode_strings(void **state)
{
	jl_event e = { 0 };
	char want[300];

	/* Escapes are decoded; non-ASCII stays UTF-8; a 40-byte string is str8. */
	assert_int_equal(decode("{" BASE ",\"data\":{\"s\":\"a\\n\\\"\\u00e9\\u0000北\","
	    "\"t\":\"0123456789012345678901234567890123456789\"}}", 0, &e, NULL), 0);
	memcpy(want, "\x82\xa1s\xa9" "a\n\"\xc3\xa9\0\xe5\x8c\x97" "\xa1t\xd9\x28", 17);
	memcpy(want + 17, "0123456789012345678901234567890123456789", 40);
	assert_bytes(e.ev.data, e.ev.data_len, want, 57);
	jl_event_free(&e);
}

static void
test_decode_restore(void **state)
{
	jl_event e = { 0 };
	jn_errinfo err;
	uint8_t hash[JN_HASH_LEN];
	size_t i;

	for (i = 0; i < JN_HASH_LEN; i++)
		hash[i] = (uint8_t)((i % 16) * 0x11);
	assert_int_equal(decode(EXPORT1, JL_RESTORE, &e, &err), 0);
	assert_int_equal(e.ev.seq, 7);
	assert_int_equal(e.ev.version, 1);
	assert_true(jn_str_eq(e.ev.recorded, "2025-04-03T01:02:03.000004Z"));
	assert_memory_equal(e.ev.hash, hash, JN_HASH_LEN);
	/* Without JL_RESTORE the same line is accepted and those keys ignored. */
	assert_int_equal(decode(EXPORT1, 0, &e, &err), 0);
	assert_int_equal(e.ev.seq, 0);
	assert_int_equal(e.ev.version, 0);
	assert_null(e.ev.recorded.p);
	jl_event_free(&e);
}

static void
test_decode_noactor(void **state)
{
	jl_event e = { 0 };

	assert_int_equal(decode("{\"type\":\"room.closed\",\"stream\":\"room:bloom\","
	    "\"occurred\":\"2025-04-03\"}", JL_NOACTOR, &e, NULL), 0);
	assert_null(e.ev.actor.p);
	expect_error("{\"type\":\"room.closed\",\"stream\":\"room:bloom\",\"occurred\":\"2025-04-03\"}",
	    0, "actor", "missing");
	jl_event_free(&e);
}

static void
test_decode_errors(void **state)
{
	expect_error("", 0, "", "invalid JSON");
	expect_error("{\"type\":", 0, "", "invalid JSON");
	expect_error("{" BASE "} x", 0, "", "invalid JSON");
	expect_error("[1]", 0, "", "not a JSON object");
	expect_error("{" BASE ",\"type\":\"x\"}", 0, "", "duplicate");
	expect_error("{" BASE ",\"colour\":1}", 0, "colour", "unknown key");
	expect_error("{\"stream\":\"s\",\"occurred\":\"d\",\"actor\":\"a\"}", 0, "type", "missing");
	expect_error("{\"type\":\"t\",\"occurred\":\"d\",\"actor\":\"a\"}", 0, "stream", "missing");
	expect_error("{\"type\":\"t\",\"stream\":\"s\",\"actor\":\"a\"}", 0, "occurred", "missing");
	expect_error("{\"type\":1,\"stream\":\"s\",\"occurred\":\"d\",\"actor\":\"a\"}", 0, "type",
	    "must be a string, not an integer");
	expect_error("{\"type\":\"t\",\"stream\":null,\"occurred\":\"d\",\"actor\":\"a\"}", 0, "stream",
	    "must be a string");
	expect_error("{\"type\":\"t\",\"stream\":\"s\",\"occurred\":[],\"actor\":\"a\"}", 0, "occurred",
	    "must be a string");
	expect_error("{\"type\":\"t\",\"stream\":\"s\",\"occurred\":\"d\",\"actor\":true}", 0, "actor",
	    "must be a string");
	expect_error("{\"id\":\"nope\"," BASE "}", 0, "id", "'nope' is not a uuid");
	expect_error("{\"id\":5," BASE "}", 0, "id", "must be a string");
	expect_error("{" BASE ",\"data\":[]}", 0, "data", "must be an object");
	expect_error("{" BASE ",\"data\":{\"due_date\":1.5}}", 0, "data.due_date", "not an integer");
	expect_error("{" BASE ",\"data\":{\"n\":1e3}}", 0, "data.n", "not an integer");
	expect_error("{" BASE ",\"data\":{\"cases\":[1,2.0]}}", 0, "data.cases[1]", "not an integer");
	expect_error("{" BASE ",\"data\":{\"a\":{\"b\":0.1}}}", 0, "data.a.b", "not an integer");
	expect_error("{" BASE ",\"data\":{\"n\":9223372036854775808}}", 0, "", "invalid JSON");
	expect_error("{" BASE ",\"expected_version\":-1}", 0, "expected_version", "integer from 0");
	expect_error("{" BASE ",\"expected_version\":\"1\"}", 0, "expected_version", "integer from 0");
	expect_error("{" BASE ",\"expected_version\":4294967296}", 0, "expected_version", "integer");
	expect_error("{" BASE ",\"data\":{\"s\":\"\xff\"}}", 0, "", "invalid JSON");
	expect_error("{" BASE ",\"data\":{\"a\\u0000\":1}}", 0, "", "invalid JSON");
}

static void
test_decode_too_deep(void **state)
{
	char line[512];
	size_t n = 0;
	int i;

	n += (size_t)snprintf(line, sizeof line, "{" BASE ",\"data\":{\"a\":");
	for (i = 0; i < JL_DEPTH_MAX + 5; i++)
		line[n++] = '[';
	for (i = 0; i < JL_DEPTH_MAX + 5; i++)
		line[n++] = ']';
	memcpy(line + n, "}}", 3);
	expect_error(line, 0, "data.a[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]...",
	    "nested too deeply");
}

static void
test_decode_too_long(void **state)
{
	jl_event e = { 0 };
	jn_errinfo err;
	const char *line = "{}";

	/* The length is checked before a byte is read. */
	assert_int_equal(jl_decode(line, (size_t)JL_LINE_MAX + 1, 0, &e, &err), JN_EINVALID);
	assert_string_equal(err.field, "");
	assert_non_null(strstr(err.msg, "line longer than"));
	jl_event_free(&e);
}

static void
test_decode_restore_errors(void **state)
{
	expect_error("{\"id\":\"" ID1 "\"," BASE ",\"version\":1,\"recorded\":\"2025-04-03T01:02:03.000004Z\","
	    "\"hash\":\"" HASH1 "\"}", JL_RESTORE, "seq", "missing");
	expect_error("{\"id\":\"" ID1 "\"," BASE ",\"seq\":1,\"recorded\":\"2025-04-03T01:02:03.000004Z\","
	    "\"hash\":\"" HASH1 "\"}", JL_RESTORE, "version", "missing");
	expect_error("{\"id\":\"" ID1 "\"," BASE ",\"seq\":1,\"version\":1,\"hash\":\"" HASH1 "\"}",
	    JL_RESTORE, "recorded", "missing");
	expect_error("{\"id\":\"" ID1 "\"," BASE ",\"seq\":1,\"version\":1,"
	    "\"recorded\":\"2025-04-03T01:02:03.000004Z\"}", JL_RESTORE, "hash", "missing");
	expect_error("{" BASE ",\"seq\":1,\"version\":1,\"recorded\":\"2025-04-03T01:02:03.000004Z\","
	    "\"hash\":\"" HASH1 "\"}", JL_RESTORE, "id", "missing");
	expect_error("{\"seq\":0}", JL_RESTORE, "seq", "integer from 1");
	expect_error("{\"version\":0}", JL_RESTORE, "version", "integer from 1");
	expect_error("{\"version\":4294967296}", JL_RESTORE, "version", "integer from 1");
	expect_error("{\"recorded\":\"2025-04-03\"}", JL_RESTORE, "recorded", "UTC time");
	expect_error("{\"hash\":\"00\"}", JL_RESTORE, "hash", "64 hex digits");
	expect_error("{\"hash\":\"" "0g112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" "\"}",
	    JL_RESTORE, "hash", "64 hex digits");
	/* Outside restore mode the same keys are not even looked at. */
	{
		jl_event e = { 0 };

		assert_int_equal(decode("{" BASE ",\"seq\":0,\"hash\":\"x\"}", 0, &e, NULL), 0);
		jl_event_free(&e);
	}
}

static void
test_encode_export_line(void **state)
{
	jl_event e = { 0 };
	jl_buf out = { 0 };

	/* An export line decoded in restore mode encodes to the same bytes. */
	assert_int_equal(decode(EXPORT1, JL_RESTORE, &e, NULL), 0);
	assert_int_equal(jl_encode(&e.ev, &out), 0);
	assert_int_equal(out.n, strlen(EXPORT1));
	assert_memory_equal(out.p, EXPORT1, out.n);
	/* Appending a second line keeps the first. */
	assert_int_equal(jl_encode(&e.ev, &out), 0);
	assert_int_equal(out.n, 2 * strlen(EXPORT1));
	assert_memory_equal(out.p + strlen(EXPORT1), EXPORT1, strlen(EXPORT1));
	jl_buf_free(&out);
	jl_event_free(&e);
}

static void
test_encode_key_order(void **state)
{
	jl_event e = { 0 };
	jl_buf out = { 0 };
	const char *line = "{\"hash\":\"" HASH1 "\",\"data\":{\"z\":1,\"a\":[true,null,-5]},"
	    "\"actor\":\"a\",\"recorded\":\"2025-04-03T01:02:03.000004Z\",\"occurred\":\"2025-04-03T09:30\","
	    "\"version\":3,\"stream\":\"room:bloom\",\"type\":\"room.opened\",\"id\":\"" ID1 "\",\"seq\":12}";
	const char *want = "{\"seq\":12,\"id\":\"" ID1 "\",\"type\":\"room.opened\",\"stream\":\"room:bloom\","
	    "\"version\":3,\"occurred\":\"2025-04-03T09:30\",\"recorded\":\"2025-04-03T01:02:03.000004Z\","
	    "\"actor\":\"a\",\"data\":{\"a\":[true,null,-5],\"z\":1},\"hash\":\"" HASH1 "\"}\n";

	assert_int_equal(decode(line, JL_RESTORE, &e, NULL), 0);
	assert_int_equal(jl_encode(&e.ev, &out), 0);
	assert_int_equal(out.n, strlen(want));
	assert_memory_equal(out.p, want, out.n);
	jl_buf_free(&out);
	jl_event_free(&e);
}

static void
test_encode_escapes(void **state)
{
	jl_buf out = { 0 };
	const char in[] = "q\"b\\n\n\t\r\b\f\x01\x1f\x7f\0é北";
	const char *want = "\"q\\\"b\\\\n\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\\u0000é北\"";

	assert_int_equal(jl_encode_str((jn_str){ in, sizeof in - 1 }, &out), 0);
	assert_int_equal(out.n, strlen(want));
	assert_memory_equal(out.p, want, out.n);
	jl_buf_free(&out);
}

static void
test_encode_unicode_round_trip(void **state)
{
	jl_event e = { 0 };
	jl_buf out = { 0 };
	const char *line = "{\"seq\":1,\"id\":\"" ID1 "\",\"type\":\"room.opened\",\"stream\":\"room:kokinu\","
	    "\"version\":1,\"occurred\":\"2025-04-01\",\"recorded\":\"2025-04-01T00:00:00.000000Z\","
	    "\"actor\":\"admin:佐藤\",\"data\":{\"name\":\"小絹児童館\",\"note\":\"a\\u0000\\\"\\\\\\n😀\"},"
	    "\"hash\":\"" HASH1 "\"}\n";

	assert_int_equal(decode(line, JL_RESTORE, &e, NULL), 0);
	assert_int_equal(jl_encode(&e.ev, &out), 0);
	assert_int_equal(out.n, strlen(line));
	assert_memory_equal(out.p, line, out.n);
	/* \u escapes of non-ASCII come back as UTF-8 bytes. */
	out.n = 0;
	assert_int_equal(decode("{\"seq\":1,\"id\":\"" ID1 "\",\"type\":\"t\",\"stream\":\"s\",\"version\":1,"
	    "\"occurred\":\"d\",\"recorded\":\"2025-04-01T00:00:00.000000Z\",\"actor\":\"a\","
	    "\"data\":{\"n\":\"\\u5c0f\\ud83d\\ude00\"},\"hash\":\"" HASH1 "\"}", JL_RESTORE, &e, NULL), 0);
	assert_int_equal(jl_encode(&e.ev, &out), 0);
	assert_non_null(memmem(out.p, out.n, "\"n\":\"小😀\"", strlen("\"n\":\"小😀\"")));
	jl_buf_free(&out);
	jl_event_free(&e);
}

static void
test_encode_bad_data(void **state)
{
	static const struct {
		const char *data;
		size_t n;
	} bad[] = {
		{ "\x81\xa1x\xcb\x3f\xf0\0\0\0\0\0\0", 12 },	/* float64 */
		{ "\x81\xa1x\xc4\x01z", 6 },			/* bin */
		{ "\x81\xa1x\xd4\x01\x01", 6 },			/* ext */
		{ "\x82\xa1x\x01", 4 },				/* truncated map */
		{ "\x81\xa5x", 3 },				/* truncated string */
		{ "\x81\x01\x01", 3 },				/* key not a string */
		{ "\x91\x01", 2 },				/* not a map */
		{ "", 0 },					/* nothing */
	};
	jl_event e = { 0 };
	jl_buf out = { 0 };
	size_t i;

	assert_int_equal(decode(EXPORT1, JL_RESTORE, &e, NULL), 0);
	assert_int_equal(jl_buf_reserve(&out, 4), 0);
	memcpy(out.p, "keep", 4);
	out.n = 4;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		e.ev.data = (const uint8_t *)bad[i].data;
		e.ev.data_len = bad[i].n;
		assert_int_equal(jl_encode(&e.ev, &out), JN_ECORRUPT);
		assert_int_equal(out.n, 4);	/* nothing half-written is left */
	}
	jl_buf_free(&out);
	jl_event_free(&e);
}

static void
test_encode_deep_data(void **state)
{
	uint8_t data[200];
	jl_buf out = { 0 };
	size_t i;

	/* {"a":[[[[...]]]]} 150 levels deep: refused, not a stack overflow. */
	memcpy(data, "\x81\xa1" "a", 3);
	for (i = 3; i < sizeof data; i++)
		data[i] = 0x91;
	assert_int_equal(jl_encode_value(data, sizeof data, &out, NULL), JN_ECORRUPT);
	assert_int_equal(out.n, 0);
	jl_buf_free(&out);
}

static void
test_map_walk(void **state)
{
	jl_event e = { 0 };
	jl_buf out = { 0 };
	jl_map m;
	jn_str key;
	const uint8_t *v;
	size_t vlen, used;

	assert_int_equal(decode("{" BASE ",\"data\":{\"b\":[1,{\"c\":\"d\"}],\"a\":\"x\"}}", 0, &e, NULL), 0);
	assert_int_equal(jl_map_open(&m, e.ev.data, e.ev.data_len), 0);
	assert_int_equal(jl_map_next(&m, &key, &v, &vlen), 0);
	assert_true(jn_str_eq(key, "a"));
	assert_int_equal(jl_encode_value(v, vlen, &out, &used), 0);
	assert_int_equal(used, vlen);
	assert_int_equal(jl_map_next(&m, &key, &v, &vlen), 0);
	assert_true(jn_str_eq(key, "b"));
	assert_int_equal(jl_encode_value(v, vlen, &out, NULL), 0);
	assert_int_equal(out.n, strlen("\"x\"[1,{\"c\":\"d\"}]"));
	assert_memory_equal(out.p, "\"x\"[1,{\"c\":\"d\"}]", out.n);
	assert_int_equal(jl_map_next(&m, &key, &v, &vlen), JN_END);
	/* A map whose count promises more than its bytes hold. */
	assert_int_equal(jl_map_open(&m, (const uint8_t *)"\x82\xa1x\x01", 4), 0);
	assert_int_equal(jl_map_next(&m, &key, &v, &vlen), 0);
	assert_int_equal(jl_map_next(&m, &key, &v, &vlen), JN_ECORRUPT);
	assert_int_equal(jl_map_open(&m, (const uint8_t *)"\x90", 1), JN_ECORRUPT);
	jl_buf_free(&out);
	jl_event_free(&e);
}

static void
test_hex(void **state)
{
	char out[7];

	jl_hex((const uint8_t *)"\x00\xab\xff", 3, out);
	assert_string_equal(out, "00abff");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_fields),
		cmocka_unit_test(test_decode_defaults),
		cmocka_unit_test(test_decode_canonical_map),
		cmocka_unit_test(test_decode_integers),
		cmocka_unit_test(test_decode_strings),
		cmocka_unit_test(test_decode_restore),
		cmocka_unit_test(test_decode_noactor),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_decode_too_deep),
		cmocka_unit_test(test_decode_too_long),
		cmocka_unit_test(test_decode_restore_errors),
		cmocka_unit_test(test_encode_export_line),
		cmocka_unit_test(test_encode_key_order),
		cmocka_unit_test(test_encode_escapes),
		cmocka_unit_test(test_encode_unicode_round_trip),
		cmocka_unit_test(test_encode_bad_data),
		cmocka_unit_test(test_encode_deep_data),
		cmocka_unit_test(test_map_walk),
		cmocka_unit_test(test_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
