/*
 * test_jsonl_diff.c: the fast JSON Lines decoder against the reference
 * (jansson) decoder it replaces (journal/jsonl_impl.h).  On every input
 * both accept with identical events or both refuse.  Inputs: every fixture
 * line, oyako-gen output, export lines made from them, hand-written edge
 * cases, lines of every size class, and thousands of random mutations of
 * all of those.  OYAKO_DIFF_N sets the number of mutations (default 15000).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonl_impl.h"

#define BASE "\"type\":\"handbook.issued\",\"stream\":\"case:7d3c1f0e-2a4b-4c5d-8e9f-0a1b2c3d4e5f\"," \
	"\"occurred\":\"2025-04-03\",\"actor\":\"nurse:N07\""
#define HASH1 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define REST "\"seq\":3,\"version\":2,\"recorded\":\"2025-04-03T01:02:03.000004Z\",\"hash\":\"" HASH1 "\""

/* Lines that the mutations start from, filled by the first tests. */
typedef struct lines {
	char **v;
	size_t n, cap;
} lines;

static lines bases;
static const char *progdir = ".";

/* Both decoders reuse one event each, as an import does. */
static jl_event fast_ev, ref_ev;
static unsigned long ncases, naccepted;

static void
lines_add(lines *l, const char *s, size_t n)
{
	char *c;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		assert_non_null(l->v = realloc(l->v, l->cap * sizeof *l->v));
	}
	assert_non_null(c = malloc(n + 1));
	memcpy(c, s, n);
	c[n] = '\0';
	l->v[l->n++] = c;
}

static void
lines_free(lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* The line, escaped, for a failure message. */
static const char *
show(const char *s, size_t n)
{
	static char out[1200];
	size_t i, k = 0;

	for (i = 0; i < n && k < sizeof out - 8; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[k++] = (char)c;
		else
			k += (size_t)snprintf(out + k, 8, "\\x%02x", c);
	}
	out[k] = '\0';
	return out;
}

/* Decodes line with both under flags; returns what they agreed on (0 or
 * JN_EINVALID) or fails the test. */
static int
check_flags(const char *line, size_t len, unsigned flags)
{
	jn_errinfo ef, er;
	const char *what;
	int rf, rr;

	flags |= JL_NOIDGEN;
	rf = jl_decode_fast(line, len, flags, &fast_ev, &ef);
	rr = jl_decode_reference(line, len, flags, &ref_ev, &er);
	ncases++;
	if (rf != rr)
		fail_msg("flags %#x: fast %s (%s), reference %s (%s '%s'): %s", flags,
		    rf ? "refuses" : "accepts", ef.msg, rr ? "refuses" : "accepts",
		    er.field, er.msg, show(line, len));
	assert_true(rf == 0 || rf == JN_EINVALID);
	if (rf != 0)
		return rf;
	naccepted++;
	if ((what = jl_event_diff(&fast_ev.ev, &ref_ev.ev)) != NULL)
		fail_msg("flags %#x: both accept, %s differs: %s", flags, what, show(line, len));
	return 0;
}

/* Every combination of the flags that matter. */
static void
check(const char *line, size_t len)
{
	static const unsigned flags[] = { 0, JL_NOACTOR, JL_RESTORE, JL_RESTORE | JL_NOACTOR };
	size_t i;

	for (i = 0; i < sizeof flags / sizeof flags[0]; i++)
		check_flags(line, len, flags[i]);
}

static void
check_s(const char *line)
{
	check(line, strlen(line));
}

/* The export line of what line decodes to, as a restore would read it. */
static void
add_export(const char *line, uint64_t seq)
{
	jl_event e = { 0 };
	jl_buf out = { 0 };
	size_t i;

	if (jl_decode_reference(line, strlen(line), JL_NOACTOR | JL_NOIDGEN, &e, NULL) != 0)
		return;
	e.ev.seq = seq;
	e.ev.version = (uint32_t)(seq % 7 + 1);
	e.ev.recorded = JN_STR("2025-04-03T01:02:03.000004Z");
	if (e.ev.actor.p == NULL)
		e.ev.actor = JN_STR("admin:A01");
	for (i = 0; i < JN_HASH_LEN; i++)
		e.ev.hash[i] = (uint8_t)(seq * 31 + i);
	assert_int_equal(jl_encode(&e.ev, &out), 0);
	lines_add(&bases, out.p, out.n);
	jl_buf_free(&out);
	jl_event_free(&e);
}

/* Reads every line of f into bases; returns the count. */
static size_t
read_lines(FILE *f)
{
	char *buf = NULL;
	size_t cap = 0, n = 0;
	ssize_t got;

	while ((got = getline(&buf, &cap, f)) > 0) {
		lines_add(&bases, buf, (size_t)got);
		n++;
	}
	free(buf);
	return n;
}

static void
test_fixtures(void **state)
{
	static const char *const names[] = {
		"small.jsonl", "proj-small.jsonl", "seed-fy2025.jsonl", "hash-example.jsonl"
	};
	const char *top = getenv("TOP") ? getenv("TOP") : ".";
	char path[4096];
	size_t i, first, k, total = 0;
	FILE *f;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/tests/fixtures/%s", top, names[i]);
		if ((f = fopen(path, "r")) == NULL)
			fail_msg("cannot open %s", path);
		first = bases.n;
		total += read_lines(f);
		fclose(f);
		/* Every fixture line is valid: the fast decoder takes it itself,
		 * without falling back to the reference. */
		for (k = first; k < bases.n; k++) {
			unsigned flags = strstr(bases.v[k], "\"hash\"") ? JL_RESTORE : 0;

			if (jl_decode_fast(bases.v[k], strlen(bases.v[k]), flags, &fast_ev, NULL) != 0)
				fail_msg("fast decoder refuses %s", show(bases.v[k], strlen(bases.v[k])));
		}
	}
	assert_true(total > 1600);
	for (i = 0, k = bases.n; i < k; i++) {
		check_s(bases.v[i]);
		if (i % 8 == 0)
			add_export(bases.v[i], i + 1);
	}
}

static void
test_generated(void **state)
{
	char cmd[4200];
	size_t first = bases.n, n, i;
	FILE *p;

	/* A few thousand lines of a synthetic city: every event type. */
	snprintf(cmd, sizeof cmd, "'%s/../bin/oyako-gen' --births 250 --years 1 --seed 5", progdir);
	assert_non_null(p = popen(cmd, "r"));
	n = read_lines(p);
	assert_int_equal(pclose(p), 0);
	assert_true(n > 2000);
	for (i = first; i < first + n; i++) {
		if (jl_decode_fast(bases.v[i], strlen(bases.v[i]), 0, &fast_ev, NULL) != 0)
			fail_msg("fast decoder refuses %s", show(bases.v[i], strlen(bases.v[i])));
		check_s(bases.v[i]);
		if (i % 16 == 0)
			add_export(bases.v[i], i);
	}
	for (i = first + n; i < bases.n; i++)
		check_s(bases.v[i]);
}

static const char *const edge[] = {
	/* shapes */
	"{" BASE "}", "{" BASE ",\"data\":{}}", " \t\r\n{" BASE "} \t\r\n", "{" BASE "}\n", "{" BASE "}\r\n",
	"{" BASE "}\n\n\r", "{" BASE "} x", "{" BASE "}}", "{" BASE ",}", "{," BASE "}", "{" BASE "",
	"[" BASE "]", "[]", "{}", "", " ", "null", "1", "\"x\"", "{" BASE "}{}",
	"{\"type\" :\"t\" , \"stream\"\t:\"s\",\n\"occurred\":\"o\",\"actor\":\"a\"}",
	"{\"type\":\"t\",\"stream\":\"s\",\"occurred\":\"o\"}",
	"{\"type\":\"t\",\"stream\":\"s\",\"occurred\":\"o\",\"actor\":null}",
	"{\"type\":1,\"stream\":\"s\",\"occurred\":\"o\",\"actor\":\"a\"}",
	"{\"type\":\"\",\"stream\":\"\",\"occurred\":\"\",\"actor\":\"\"}",
	/* keys */
	"{" BASE ",\"colour\":1}", "{" BASE ",\"type\":\"x\"}", "{" BASE ",\"data\":{},\"data\":{}}",
	"{" BASE ",\"\\u0064ata\":{\"a\":1}}", "{" BASE ",\"dat\\u0061\":{},\"data\":{}}",
	"{\"\\u0074ype\":\"t\",\"stream\":\"s\",\"occurred\":\"o\",\"actor\":\"a\"}",
	"{" BASE ",\"data\\u0000\":{}}", "{" BASE ",\"\":1}", "{" BASE ",\"expected_version\\n\":1}",
	"{" BASE ",\"expected_versionxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\":1}",
	"{" BASE ",\"data\":{\"a\":1,\"a\":2}}", "{" BASE ",\"data\":{\"a\":1,\"b\":2,\"a\":3}}",
	"{" BASE ",\"data\":{\"a\":1,\"\\u0061\":2}}", "{" BASE ",\"data\":{\"b\":{\"x\":1,\"x\":1}}}",
	"{" BASE ",\"data\":{\"a\\u0000\":1}}", "{" BASE ",\"data\":{\"\":1,\"\\u0000\":2}}",
	"{" BASE ",\"data\":{\"b\":1,\"a\":2,\"ab\":3,\"\":4,\"é\":5,\"z\":6}}",
	"{" BASE ",\"data\":{\"k\":{\"z\":{\"y\":1,\"x\":2},\"a\":[{\"q\":1,\"p\":2}]}}}",
	/* ids */
	"{\"id\":\"0f8e4c2a-4b1d-4e8a-9c3b-1a2b3c4d5e6f\"," BASE "}",
	"{\"id\":\"0F8E4C2A-4B1D-4E8A-9C3B-1A2B3C4D5E6F\"," BASE "}",
	"{\"id\":\"0f8e4c2a-4b1d-4e8a-9c3b-1a2b3c4d5e6\"," BASE "}",
	"{\"id\":\"0f8e4c2a\\u002d4b1d-4e8a-9c3b-1a2b3c4d5e6f\"," BASE "}",
	"{\"id\":\"0f8e4c2a-4b1d-4e8a-9c3b-1a2b3c4d5e6f0\"," BASE "}",
	"{\"id\":null," BASE "}", "{\"id\":7," BASE "}",
	/* integers */
	"{" BASE ",\"expected_version\":0}", "{" BASE ",\"expected_version\":-0}",
	"{" BASE ",\"expected_version\":4294967295}", "{" BASE ",\"expected_version\":4294967296}",
	"{" BASE ",\"expected_version\":-1}", "{" BASE ",\"expected_version\":1.0}",
	"{" BASE ",\"expected_version\":1e2}", "{" BASE ",\"expected_version\":01}",
	"{" BASE ",\"expected_version\":\"1\"}", "{" BASE ",\"expected_version\":+1}",
	"{" BASE ",\"expected_version\":-}", "{" BASE ",\"expected_version\":1x}",
	"{" BASE ",\"data\":{\"n\":[0,-0,127,128,255,256,65535,65536,4294967295,4294967296,-1,-32,-33,"
	    "-128,-129,-32768,-32769,-2147483648,-2147483649]}}",
	"{" BASE ",\"data\":{\"n\":9223372036854775807}}", "{" BASE ",\"data\":{\"n\":9223372036854775808}}",
	"{" BASE ",\"data\":{\"n\":-9223372036854775808}}", "{" BASE ",\"data\":{\"n\":-9223372036854775809}}",
	"{" BASE ",\"data\":{\"n\":18446744073709551616}}", "{" BASE ",\"data\":{\"n\":99999999999999999999999}}",
	"{" BASE ",\"data\":{\"n\":1.5}}", "{" BASE ",\"data\":{\"n\":1e3}}", "{" BASE ",\"data\":{\"n\":2.0}}",
	"{" BASE ",\"data\":{\"n\":1.}}", "{" BASE ",\"data\":{\"n\":.5}}", "{" BASE ",\"data\":{\"n\":1e}}",
	"{" BASE ",\"data\":{\"n\":1e+}}", "{" BASE ",\"data\":{\"n\":-01}}", "{" BASE ",\"data\":{\"n\":00}}",
	/* ignored keys of an export on normal input: any JSON */
	"{" BASE ",\"seq\":1.5,\"version\":[1,{\"a\":null}],\"recorded\":{},\"hash\":true}",
	"{" BASE ",\"seq\":1e308}", "{" BASE ",\"seq\":1.7976931348623157e308}",
	"{" BASE ",\"seq\":1.7976931348623159e308}", "{" BASE ",\"seq\":1e309}", "{" BASE ",\"seq\":-1e400}",
	"{" BASE ",\"seq\":1e-400}", "{" BASE ",\"seq\":0.000000000000000000000000000001e330}",
	"{" BASE ",\"seq\":17976931348623157000000000000000000000000000000000000000000000000000000000000"
	    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	    "00000000000000000000000000000000000000000000000000000000000000000.0}",
	"{" BASE ",\"seq\":{\"a\":1,\"a\":2}}", "{" BASE ",\"seq\":{\"\\u0000\":1}}",
	"{" BASE ",\"hash\":\"\\ud800\"}", "{" BASE ",\"recorded\":\"\\x\"}", "{" BASE ",\"version\":tru}",
	"{" BASE ",\"seq\":99999999999999999999}", "{" BASE ",\"seq\":[1,]}", "{" BASE ",\"seq\":nul}",
	/* restore keys */
	"{\"id\":\"0f8e4c2a-4b1d-4e8a-9c3b-1a2b3c4d5e6f\"," BASE "," REST "}",
	"{\"id\":\"0f8e4c2a-4b1d-4e8a-9c3b-1a2b3c4d5e6f\"," BASE ",\"seq\":0,\"version\":2,"
	    "\"recorded\":\"2025-04-03T01:02:03.000004Z\",\"hash\":\"" HASH1 "\"}",
	"{\"id\":\"0f8e4c2a-4b1d-4e8a-9c3b-1a2b3c4d5e6f\"," BASE ",\"seq\":9223372036854775807,"
	    "\"version\":4294967295,\"recorded\":\"2025-04-03T01:02:03.000004Z\",\"hash\":\"" HASH1 "\"}",
	"{\"id\":\"0f8e4c2a-4b1d-4e8a-9c3b-1a2b3c4d5e6f\"," BASE ",\"seq\":3,\"version\":4294967296,"
	    "\"recorded\":\"2025-04-03T01:02:03.000004Z\",\"hash\":\"" HASH1 "\"}",
	"{\"id\":\"0f8e4c2a-4b1d-4e8a-9c3b-1a2b3c4d5e6f\"," BASE ",\"seq\":3,\"version\":2,"
	    "\"recorded\":\"2025-04-03T01:02:03.00000Z\",\"hash\":\"" HASH1 "\"}",
	"{\"id\":\"0f8e4c2a-4b1d-4e8a-9c3b-1a2b3c4d5e6f\"," BASE ",\"seq\":3,\"version\":2,"
	    "\"recorded\":\"2025-04-03T01:02:03.00000\\u005a\",\"hash\":\"" HASH1 "\"}",
	"{\"id\":\"0f8e4c2a-4b1d-4e8a-9c3b-1a2b3c4d5e6f\"," BASE ",\"seq\":3,\"version\":2,"
	    "\"recorded\":\"2025-04-03T01:02:03.000004Z\",\"hash\":\"00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeefg\"}",
	"{\"id\":\"0f8e4c2a-4b1d-4e8a-9c3b-1a2b3c4d5e6f\"," BASE ",\"seq\":3,\"version\":2,"
	    "\"recorded\":\"2025-04-03T01:02:03.000004Z\",\"hash\":\"\\u0030" HASH1 "\"}",
	"{\"id\":\"0f8e4c2a-4b1d-4e8a-9c3b-1a2b3c4d5e6f\"," BASE ",\"seq\":3,\"version\":2,"
	    "\"recorded\":\"2025-04-03T01:02:03.000004Z\",\"hash\":\"\\u0030" HASH1 "\"}",
	"{\"id\":\"0f8e4c2a-4b1d-4e8a-9c3b-1a2b3c4d5e6f\"," BASE ",\"seq\":3,\"version\":2,"
	    "\"recorded\":\"2025-04-03T01:02:03.000004Z\"}",
	/* strings: escapes, surrogates, UTF-8 */
	"{" BASE ",\"data\":{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u5317\\uFFFF\"}}",
	"{" BASE ",\"data\":{\"s\":\"\\ud83d\\ude00\\uD83D\\uDE00\\udbff\\udfff\\ud800\\udc00\"}}",
	"{" BASE ",\"data\":{\"s\":\"\\ud83d\"}}", "{" BASE ",\"data\":{\"s\":\"\\ude00\"}}",
	"{" BASE ",\"data\":{\"s\":\"\\udbff\"}}", "{" BASE ",\"data\":{\"s\":\"\\udc00\"}}",
	"{" BASE ",\"data\":{\"s\":\"\\udfff\"}}", "{" BASE ",\"data\":{\"s\":\"\\ud7ff\\ue000\"}}",
	"{" BASE ",\"data\":{\"s\":\"\\ud800\\udbff\"}}", "{" BASE ",\"data\":{\"s\":\"\\ud800\\ue000\"}}",
	"{" BASE ",\"data\":{\"s\":\"\\ud83d\\u0041\"}}", "{" BASE ",\"data\":{\"s\":\"\\ud83d\\n\"}}",
	"{" BASE ",\"data\":{\"s\":\"\\ud83dx\"}}", "{" BASE ",\"data\":{\"s\":\"\\ud83d\\ud83d\"}}",
	"{" BASE ",\"data\":{\"s\":\"\\ud83d\\ude0\"}}", "{" BASE ",\"data\":{\"s\":\"\\u12\"}}",
	"{" BASE ",\"data\":{\"s\":\"\\u12G4\"}}", "{" BASE ",\"data\":{\"s\":\"\\x\"}}",
	"{" BASE ",\"data\":{\"s\":\"\\'\"}}", "{" BASE ",\"data\":{\"s\":\"\\\"}}",
	"{" BASE ",\"data\":{\"s\":\"\\u0000\\u0000\"}}", "{" BASE ",\"data\":{\"s\":\"tab\there\"}}",
	"{" BASE ",\"data\":{\"s\":\"\x7f\"}}", "{" BASE ",\"data\":{\"s\":\"\x1f\"}}",
	"{" BASE ",\"data\":{\"s\":\"é北😀\"}}", "{" BASE ",\"data\":{\"s\":\"\xc3\"}}",
	"{" BASE ",\"data\":{\"s\":\"\xc0\xaf\"}}", "{" BASE ",\"data\":{\"s\":\"\xc1\xbf\"}}",
	"{" BASE ",\"data\":{\"s\":\"\xc2\x80\"}}", "{" BASE ",\"data\":{\"s\":\"\xdf\xbf\"}}",
	"{" BASE ",\"data\":{\"s\":\"\xe0\x9f\xbf\"}}", "{" BASE ",\"data\":{\"s\":\"\xe0\xa0\x80\"}}",
	"{" BASE ",\"data\":{\"s\":\"\xed\x9f\xbf\"}}", "{" BASE ",\"data\":{\"s\":\"\xed\xa0\x80\"}}",
	"{" BASE ",\"data\":{\"s\":\"\xee\x80\x80\"}}", "{" BASE ",\"data\":{\"s\":\"\xef\xbf\xbf\"}}",
	"{" BASE ",\"data\":{\"s\":\"\xf0\x8f\xbf\xbf\"}}", "{" BASE ",\"data\":{\"s\":\"\xf0\x90\x80\x80\"}}",
	"{" BASE ",\"data\":{\"s\":\"\xf4\x8f\xbf\xbf\"}}", "{" BASE ",\"data\":{\"s\":\"\xf4\x90\x80\x80\"}}",
	"{" BASE ",\"data\":{\"s\":\"\xf5\x80\x80\x80\"}}", "{" BASE ",\"data\":{\"s\":\"\xff\"}}",
	"{" BASE ",\"data\":{\"s\":\"\x80\"}}", "{" BASE ",\"data\":{\"s\":\"\xe3\x81\"}}",
	"{" BASE ",\"data\":{\"s\":\"\xe3\x81\"", "{" BASE ",\"data\":{\"s\":\"a\"}\xc3\xa9}",
	"\xef\xbb\xbf{" BASE "}", "{" BASE ",\"actor\\u00e9\":\"x\"}",
	/* values */
	"{" BASE ",\"data\":{\"t\":true,\"f\":false,\"n\":null,\"e\":[],\"o\":{}}}",
	"{" BASE ",\"data\":{\"t\":tru}}", "{" BASE ",\"data\":{\"t\":truex}}", "{" BASE ",\"data\":{\"t\":True}}",
	"{" BASE ",\"data\":{\"t\":nulll}}", "{" BASE ",\"data\":{\"t\":[1 2]}}", "{" BASE ",\"data\":{\"t\":[1,,2]}}",
	"{" BASE ",\"data\":{\"t\":[,]}}", "{" BASE ",\"data\":{\"t\":{\"a\"}}}", "{" BASE ",\"data\":{\"t\":{\"a\":}}}",
	"{" BASE ",\"data\":{\"t\":{1:2}}}", "{" BASE ",\"data\":{\"t\":{'a':2}}}", "{" BASE ",\"data\":[]}",
	"{" BASE ",\"data\":null}", "{" BASE ",\"data\":\"{}\"}", "{" BASE ",\"data\":{\"a\":1}\x00}",
	"{" BASE ",\"data\":{\"a\":\"x\x00y\"}}",
};

static void
test_edge_cases(void **state)
{
	size_t i;

	for (i = 0; i < sizeof edge / sizeof edge[0]; i++) {
		check_s(edge[i]);
		lines_add(&bases, edge[i], strlen(edge[i]));
	}
	/* Each kind of byte at each place of a word that the string scanner
	 * reads eight bytes at a time. */
	for (i = 0; i < 18; i++) {
		static const unsigned char kinds[] = {
			0x00, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x7f, 0x80, 0xbf, 0xc3, 0xff
		};
		char line[] = "{" BASE ",\"data\":{\"s\":\"abcdefghijklmnopqrstuvwxyz\"}}";
		char *s = strstr(line, "abc");
		size_t k;

		for (k = 0; k < sizeof kinds; k++) {
			s[i] = (char)kinds[k];
			check_flags(line, sizeof line - 1, 0);
			if (kinds[k] == 0x5c) {
				s[i + 1] = 'n';
				check_flags(line, sizeof line - 1, 0);
				s[i + 1] = (char)('a' + i + 1);
			}
		}
		s[i] = (char)('a' + i);
	}
	/* A NUL byte inside the line (strlen would stop there). */
	check("{" BASE ",\"data\":{\"a\":\"x\0y\"}}", sizeof("{" BASE ",\"data\":{\"a\":\"x\0y\"}}") - 1);
	check("{" BASE "}\0", sizeof("{" BASE "}\0") - 1);
	/* jansson skips one NUL right after a number or a literal (found by
	 * fuzz_jsonl_fast): so must the fast decoder, and only there. */
	{
		static const char *const nul[] = {
			"{" BASE ",\"data\":{\"a\":16\0,\"b\":true\0,\"c\":null\0,\"d\":[false\0,-0\0]}}",
			"{" BASE ",\"expected_version\":7\0}", "{" BASE ",\"seq\":1.5e3\0}",
			"{" BASE ",\"data\":{\"a\":16\0\0}}", "{" BASE ",\"data\":{\"a\":16 \0}}",
			"{" BASE ",\"data\":{\"a\":\"x\"\0}}", "{" BASE ",\"data\":{\"a\":{}\0}}",
			"{" BASE ",\"data\":{\"a\":1}\0}", "{" BASE ",\"data\":{\"a\":tr\0ue}}",
		};
		static const size_t nlen[] = {
			sizeof("{" BASE ",\"data\":{\"a\":16\0,\"b\":true\0,\"c\":null\0,\"d\":[false\0,-0\0]}}"),
			sizeof("{" BASE ",\"expected_version\":7\0}"), sizeof("{" BASE ",\"seq\":1.5e3\0}"),
			sizeof("{" BASE ",\"data\":{\"a\":16\0\0}}"), sizeof("{" BASE ",\"data\":{\"a\":16 \0}}"),
			sizeof("{" BASE ",\"data\":{\"a\":\"x\"\0}}"), sizeof("{" BASE ",\"data\":{\"a\":{}\0}}"),
			sizeof("{" BASE ",\"data\":{\"a\":1}\0}"), sizeof("{" BASE ",\"data\":{\"a\":tr\0ue}}"),
		};

		assert_int_equal(check_flags(nul[0], nlen[0] - 1, 0), 0);
		for (i = 0; i < sizeof nul / sizeof nul[0]; i++)
			check(nul[i], nlen[i] - 1);
	}
}

/* A growable string for building big lines. */
typedef struct sb {
	char *p;
	size_t n, cap;
} sb;

static void
sb_add(sb *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(s->p ? s->p + s->n : NULL, s->p ? s->cap - s->n : 0, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if (s->p && (size_t)n < s->cap - s->n)
			break;
		s->cap = s->cap ? 2 * s->cap + (size_t)n : 1024 + (size_t)n;
		assert_non_null(s->p = realloc(s->p, s->cap));
	}
	s->n += (size_t)n;
}

/* head, then depth arrays (mixed: arrays and objects in turn) around a 1
 * (or nothing), then tail. */
static void
nested(sb *s, const char *head, int depth, int mixed, const char *tail)
{
	int k;

	s->n = 0;
	sb_add(s, "%s", head);
	for (k = 0; k < depth; k++)
		sb_add(s, mixed && k % 2 ? "{\"k\":" : "[");
	sb_add(s, mixed ? "1" : "");
	for (k = depth; k > 0; k--)
		sb_add(s, mixed && (k - 1) % 2 ? "}" : "]");
	sb_add(s, "%s", tail);
}

/* Strings, arrays and maps around each size where the MessagePack header
 * grows, with and without escapes; nesting around both depth limits.
 * The flags do not change how data is read: one pass each is enough. */
static void
test_sizes(void **state)
{
	static const size_t sizes[] = { 0, 15, 16, 17, 31, 32, 33, 255, 256, 257, 65535, 65536, 65537 };
	sb s = { 0 };
	size_t i, k;
	int depth;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		/* A string of n bytes; then one whose escapes make it n bytes. */
		s.n = 0;
		sb_add(&s, "{" BASE ",\"data\":{\"s\":\"");
		for (k = 0; k < sizes[i]; k++)
			sb_add(&s, "x");
		sb_add(&s, "\",\"t\":\"");
		for (k = 0; k < sizes[i]; k++)
			sb_add(&s, k % 3 ? "\\u0079" : "\\n");
		sb_add(&s, "\",\"u\":\"");
		for (k = 0; k + 3 <= sizes[i]; k += 3)
			sb_add(&s, "北");
		sb_add(&s, "\"}}");
		check_flags(s.p, s.n, 0);
		/* An array of n elements. */
		s.n = 0;
		sb_add(&s, "{" BASE ",\"data\":{\"a\":[");
		for (k = 0; k < sizes[i]; k++)
			sb_add(&s, k ? ",%zu" : "%zu", k * 977);
		sb_add(&s, "],\"b\":[[]]}}");
		check_flags(s.p, s.n, 0);
		/* A map of n keys, written in reverse order; and in order. */
		s.n = 0;
		sb_add(&s, "{" BASE ",\"data\":{\"m\":{");
		for (k = sizes[i]; k > 0; k--)
			sb_add(&s, k < sizes[i] ? ",\"k%05zu\":%zu" : "\"k%05zu\":%zu", k, k);
		sb_add(&s, "},\"o\":{");
		for (k = 0; k < sizes[i]; k++)
			sb_add(&s, k ? ",\"%zx\":[\"v\\t\"]" : "\"%zx\":[\"v\\t\"]", k);
		sb_add(&s, "}}}");
		check_flags(s.p, s.n, 0);
		/* The same, as keys of data itself, with one repeated. */
		s.n = 0;
		sb_add(&s, "{" BASE ",\"data\":{");
		for (k = sizes[i]; k > 0; k--)
			sb_add(&s, "\"%zu\":true,", k);
		sb_add(&s, "\"%zu\":null}}", sizes[i] / 2);
		check_flags(s.p, s.n, 0);
	}
	/* Data nested 30..36 deep, arrays and objects; a value skipped
	 * (normal input, "seq") nested 2044..2050 deep. */
	for (depth = 30; depth <= 36; depth++) {
		nested(&s, "{" BASE ",\"data\":{\"a\":", depth, 1, "}}");
		check_flags(s.p, s.n, 0);
	}
	for (depth = 2044; depth <= 2050; depth++) {
		nested(&s, "{" BASE ",\"seq\":", depth, 1, "}");
		check_flags(s.p, s.n, 0);
		nested(&s, "{" BASE ",\"seq\":", depth, 0, "}");
		check_flags(s.p, s.n, 0);
	}
	free(s.p);
}

/* xorshift64*: the same mutations on every run. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(uint64_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (rng * 0x2545f4914f6cdd1dull) % n;
}

static const char *const tokens[] = {
	"\"", "{", "}", "[", "]", "\\", "\\u", "\\ud83d", "\\ude00", "\\u0000", "\\u00e9", "\\n", ",", ":",
	" ", "\n", "\t", "\r", "\xc3\xa9", "\xe3\x81\x82", "\xf0\x9f\x98\x80", "\xc0\xaf", "\xed\xa0\x80",
	"\xf4\x90\x80\x80", "\xe0\x80\x80", "\x80", "\xff", "\x00", "\x1f", "1.5", "1e999", "-", "0", "01",
	"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
	"4294967295", "4294967296", "true", "false", "null", "\"a\":1,", ",\"a\":1", "\"data\":{},",
	",\"seq\":1e400", ",\"seq\":[{}]", ",\"expected_version\":0", "\"\":\"\",", "{\"b\":1,\"a\":2}",
};

/* One random change to line[0..*lenp) in buf (room for cap bytes). */
static void
mutate(char *buf, size_t *lenp, size_t cap)
{
	size_t len = *lenp, pos = len ? rnd(len + 1) : 0, n, from;
	const char *t;

	switch (rnd(8)) {
	case 0:		/* a byte changed */
		if (len)
			buf[rnd(len)] = (char)rnd(256);
		break;
	case 1:		/* a bit flipped */
		if (len)
			buf[rnd(len)] ^= (char)(1 << rnd(8));
		break;
	case 2:		/* cut short */
		*lenp = pos;
		break;
	case 3:		/* a range deleted */
		n = rnd(len - pos + 1);
		if (n > 8)
			n = 1 + rnd(8);
		memmove(buf + pos, buf + pos + n, len - pos - n);
		*lenp = len - n;
		break;
	case 4:		/* a range copied elsewhere (repeated keys, nesting) */
		if (len == 0)
			break;
		from = rnd(len);
		n = 1 + rnd(len - from < 40 ? len - from : 40);
		if (len + n > cap)
			break;
		memmove(buf + pos + n, buf + pos, len - pos);
		memmove(buf + pos, buf + from + (from >= pos ? n : 0), n);
		*lenp = len + n;
		break;
	default:	/* a token inserted */
		t = tokens[rnd(sizeof tokens / sizeof tokens[0])];
		n = strlen(t) ? strlen(t) : 1;	/* "\x00" is one NUL */
		if (len + n > cap)
			break;
		memmove(buf + pos + n, buf + pos, len - pos);
		memcpy(buf + pos, t, n);
		*lenp = len + n;
		break;
	}
}

static void
test_mutations(void **state)
{
	unsigned long n = getenv("OYAKO_DIFF_N") ? strtoul(getenv("OYAKO_DIFF_N"), NULL, 10) : 15000;
	static const unsigned flags[] = { 0, JL_NOACTOR, JL_RESTORE, JL_RESTORE | JL_NOACTOR };
	unsigned long i, acc0 = naccepted, cases0 = ncases;
	size_t len, cap, k, m;
	const char *base;
	char *buf = NULL;

	assert_true(bases.n > 2000);
	for (i = 0; i < n; i++) {
		base = bases.v[rnd(bases.n)];
		len = strlen(base);
		cap = len + 400;
		assert_non_null(buf = realloc(buf, cap));
		memcpy(buf, base, len);
		m = 1 + rnd(3);
		for (k = 0; k < m; k++)
			mutate(buf, &len, cap);
		check_flags(buf, len, flags[rnd(4)]);
	}
	free(buf);
	/* Not only refusals: enough mutated lines stay valid to compare events. */
	print_message("# %lu mutated lines, %lu accepted by both\n", ncases - cases0, naccepted - acc0);
	assert_true(naccepted - acc0 > (ncases - cases0) / 40);
}

/* jl_decode() itself: the reference's message for a refused line, the
 * fast decoder's event for a good one (its buffers reused line after line). */
static void
test_decode_uses_both(void **state)
{
	jl_event e = { 0 };
	jn_errinfo err;

	assert_int_equal(jl_decode("{" BASE ",\"data\":{\"n\":1.5}}", sizeof("{" BASE ",\"data\":{\"n\":1.5}}") - 1,
	    0, &e, &err), JN_EINVALID);
	assert_string_equal(err.field, "data.n");
	assert_non_null(strstr(err.msg, "1.5 is not an integer"));
	assert_int_equal(jl_decode("{" BASE ",\"data\":{\"a\":1,,}}", sizeof("{" BASE ",\"data\":{\"a\":1,,}}") - 1,
	    0, &e, &err), JN_EINVALID);
	assert_string_equal(err.field, "");
	assert_non_null(strstr(err.msg, "invalid JSON at column"));
	assert_int_equal(jl_decode("{" BASE ",\"data\":{\"b\":[1,2],\"a\":\"x\"}}",
	    sizeof("{" BASE ",\"data\":{\"b\":[1,2],\"a\":\"x\"}}") - 1, 0, &e, &err), 0);
	assert_int_equal(e.ev.data_len, 10);
	assert_memory_equal(e.ev.data, "\x82\xa1" "a" "\xa1x" "\xa1" "b" "\x92\x01\x02", 10);
	jl_event_free(&e);
	/* The fast decoder's own refusal names no field and says it is a hint. */
	assert_int_equal(jl_decode_fast("{" BASE ",\"data\":{\"n\":1.5}}", sizeof("{" BASE ",\"data\":{\"n\":1.5}}") - 1,
	    0, &e, &err), JN_EINVALID);
	assert_string_equal(err.field, "");
	assert_memory_equal(err.msg, "fast: ", 6);
	jl_event_free(&e);
}

static int
teardown(void **state)
{
	lines_free(&bases);
	jl_event_free(&fast_ev);
	jl_event_free(&ref_ev);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_generated),
		cmocka_unit_test(test_edge_cases),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_decode_uses_both),
	};
	static char dir[4096];
	char *slash;

	/* oyako-gen is in ../bin beside this program's directory. */
	snprintf(dir, sizeof dir, "%s", argv[0]);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		progdir = dir;
	}
	return cmocka_run_group_tests(tests, NULL, teardown);
}
