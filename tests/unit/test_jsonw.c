/* test_jsonw.c: the streaming JSON writer of projections/jsonw.h gives the
 * bytes jansson's compact dump gives for the same document (the outputs of
 * oyako caseload and risk moved from one to the other and must not change),
 * and reports misuse and write errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonw.h"
#include "table.h"

/* A writer on a memory stream. */
typedef struct mem {
	char *buf;
	size_t len;
	FILE *f;
	pj_jw w;
} mem;

static void
mem_open(mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
	pj_jw_init(&m->w, m->f);
}

/* Finishes the document; returns pj_jw_finish()'s result. */
static int
mem_close(mem *m)
{
	int rc = pj_jw_finish(&m->w);

	fclose(m->f);
	return rc;
}

/* Finishes m's document and checks it is what jansson prints for tree
 * (with the newline the writer ends with); frees both. */
static void
assert_same(mem *m, json_t *tree)
{
	char *s = json_dumps(tree, JSON_COMPACT | JSON_PRESERVE_ORDER), *want;

	assert_int_equal(mem_close(m), 0);
	assert_non_null(s);
	want = malloc(strlen(s) + 2);
	assert_non_null(want);
	sprintf(want, "%s\n", s);
	assert_string_equal(m->buf, want);
	free(want);
	free(s);
	free(m->buf);
	json_decref(tree);
}

/* Every escape jansson makes: each control character, quote, backslash,
 * and UTF-8 (2, 3 and 4 bytes) left as is; '/' and DEL not escaped. */
static void
test_escapes_match_jansson(void **state)
{
	char s[64];
	json_t *o = json_object();
	mem m;
	int c;

	(void)state;
	mem_open(&m);
	pj_jw_object(&m.w, NULL);
	for (c = 1; c < 0x20; c++) {
		char key[8];

		snprintf(key, sizeof key, "k%d", c);
		snprintf(s, sizeof s, "a%cb%c", c, c);
		pj_jw_str(&m.w, key, s);
		json_object_set_new(o, key, json_string(s));
	}
	pj_jw_str(&m.w, "q\"k", "say \"hi\" \\ back/slash \x7f é あ 😀");
	json_object_set_new(o, "q\"k", json_string("say \"hi\" \\ back/slash \x7f é あ 😀"));
	pj_jw_str(&m.w, "empty", "");
	json_object_set_new(o, "empty", json_string(""));
	pj_jw_end(&m.w);
	assert_same(&m, o);
}

/* Random strings of the characters that matter, many times over. */
static void
test_random_strings_match_jansson(void **state)
{
	static const char *const bits[] = {
		"a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f", "\x7f",
		"\xc3\xa9", "\xe3\x81\x82", "\xf0\x9f\x98\x80", "\b", "\f", "\r",
	};
	unsigned seed = 12345;
	int round;

	(void)state;
	for (round = 0; round < 200; round++) {
		json_t *a = json_array();
		char s[256];
		mem m;
		int i, j;

		mem_open(&m);
		pj_jw_array(&m.w, NULL);
		for (i = 0; i < 10; i++) {
			s[0] = '\0';
			for (j = 0; j < (int)(seed % 20); j++) {
				seed = seed * 1103515245u + 12345u;
				strcat(s, bits[(seed >> 16) % (sizeof bits / sizeof bits[0])]);
			}
			pj_jw_str(&m.w, NULL, s);
			json_array_append_new(a, json_string(s));
		}
		pj_jw_end(&m.w);
		assert_same(&m, a);
	}
}

/* Nesting, commas, integers (negative and 64-bit), null, dates, empty
 * containers and the provenance keys, against the same tree. */
static void
test_document_matches_jansson(void **state)
{
	json_t *o = json_object(), *a = json_array(), *in = json_object(), *e = json_array();
	pj_prov prov;
	int32_t day;
	char hex[2 * JN_HASH_LEN + 1];
	mem m;

	(void)state;
	memset(&prov, 0, sizeof prov);
	prov.seq = 9007199254740993ull;
	memset(prov.hash, 0xab, sizeof prov.hash);
	assert_int_equal(jn_date_parse(jn_str_c("2026-03-31"), &day), 0);

	mem_open(&m);
	pj_jw_object(&m.w, NULL);
	pj_jw_date(&m.w, "as_of", day);
	pj_jw_date(&m.w, "none", PJ_NODAY);
	pj_jw_array(&m.w, "list");
	pj_jw_int(&m.w, NULL, -42);
	pj_jw_null(&m.w, NULL);
	pj_jw_object(&m.w, NULL);
	pj_jw_int(&m.w, "big", INT64_MIN);
	pj_jw_array(&m.w, "empty");
	pj_jw_end(&m.w);
	pj_jw_end(&m.w);
	pj_jw_end(&m.w);
	pj_jw_prov(&m.w, &prov);
	pj_jw_end(&m.w);

	json_object_set_new(o, "as_of", json_string("2026-03-31"));
	json_object_set_new(o, "none", json_null());
	json_array_append_new(a, json_integer(-42));
	json_array_append_new(a, json_null());
	json_object_set_new(in, "big", json_integer(INT64_MIN));
	json_object_set_new(in, "empty", e);
	json_array_append_new(a, in);
	json_object_set_new(o, "list", a);
	json_object_set_new(o, "at_seq", json_integer((json_int_t)prov.seq));
	pj_hex(prov.hash, JN_HASH_LEN, hex);
	json_object_set_new(o, "head_hash", json_string(hex));
	assert_same(&m, o);
}

static void
test_unbalanced_is_einval(void **state)
{
	mem m;
	int i;

	(void)state;
	mem_open(&m);		/* an end without a begin */
	pj_jw_end(&m.w);
	assert_int_equal(mem_close(&m), EINVAL);
	free(m.buf);

	mem_open(&m);		/* a begin without its end */
	pj_jw_object(&m.w, NULL);
	pj_jw_array(&m.w, "a");
	pj_jw_end(&m.w);
	assert_int_equal(mem_close(&m), EINVAL);
	free(m.buf);

	mem_open(&m);		/* deeper than PJ_JW_DEPTH: refused, not overrun */
	for (i = 0; i <= PJ_JW_DEPTH; i++)
		pj_jw_array(&m.w, NULL);
	for (i = 0; i < PJ_JW_DEPTH; i++)
		pj_jw_end(&m.w);
	assert_int_equal(mem_close(&m), EINVAL);
	free(m.buf);
}

static void
test_write_error_is_eio(void **state)
{
	FILE *f = fopen("/dev/full", "w");
	pj_jw w;

	(void)state;
	if (f == NULL)
		skip();
	pj_jw_init(&w, f);
	pj_jw_object(&w, NULL);
	pj_jw_str(&w, "k", "v");
	pj_jw_end(&w);
	assert_int_equal(pj_jw_finish(&w), EIO);
	fclose(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes_match_jansson),
		cmocka_unit_test(test_random_strings_match_jansson),
		cmocka_unit_test(test_document_matches_jansson),
		cmocka_unit_test(test_unbalanced_is_einval),
		cmocka_unit_test(test_write_error_is_eio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
