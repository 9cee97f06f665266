/*
 * jsonl.c: the JSON Lines codec, see jsonl.h and specs/jsonl.md.
 *
 * Decoding parses a line with jansson (the reference parser) and then walks
 * the JSON tree; everything that builds the event (the text buffer, the
 * MessagePack packer, the error paths) is independent of jansson, so that a
 * hand-written parser can replace the walk without touching the rest.
 * Encoding is written by hand into a growable buffer, because export writes
 * millions of lines.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <msgpack.h>

#include "jsonl.h"

/* Stored data nested deeper than this cannot come from jl_decode(); the
 * limit keeps the recursive encoder's stack small on hostile input. */
#define ENC_DEPTH_MAX 64

/*
 * Buffers
 */

int
jl_buf_reserve(jl_buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->cap - b->n >= more)
		return 0;
	if (more > SIZE_MAX / 2 - b->n)	/* Catch size_t overflow. */
		return ENOMEM;
	cap = b->cap ? b->cap : 256;
	while (cap - b->n < more)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

void
jl_buf_free(jl_buf *b)
{
	if (b == NULL)
		return;
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

static int
buf_add(jl_buf *b, const void *p, size_t n)
{
	if (jl_buf_reserve(b, n) != 0)
		return ENOMEM;
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	return 0;
}

#define BUF_LIT(b, lit) buf_add((b), (lit), sizeof(lit) - 1)

void
jl_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * Reading MessagePack: one header at a time.
 */

typedef enum mp_kind {
	MP_NIL, MP_BOOL, MP_UINT, MP_INT, MP_STR, MP_ARRAY, MP_MAP
} mp_kind;

typedef struct mp_item {
	mp_kind kind;
	uint64_t u;		/* MP_BOOL, MP_UINT; count for ARRAY/MAP */
	int64_t i;		/* MP_INT (negative values) */
	const uint8_t *s;	/* MP_STR */
	size_t n;
} mp_item;

static uint64_t
be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

/* Reads the header of the value at *pp, advancing past it (and past the
 * bytes of a string).  JN_ECORRUPT for truncated input and for the types
 * that JSON cannot carry (float, bin, ext). */
static int
mp_next(const uint8_t **pp, const uint8_t *end, mp_item *it)
{
	const uint8_t *p = *pp;
	size_t need = 0, avail;
	uint8_t c;

	if (p >= end)
		return JN_ECORRUPT;
	c = *p++;
	avail = (size_t)(end - p);
	if (c <= 0x7f) {
		it->kind = MP_UINT;
		it->u = c;
	} else if (c >= 0xe0) {
		it->kind = MP_INT;
		it->i = (int8_t)c;
	} else if ((c & 0xe0) == 0xa0) {
		it->kind = MP_STR;
		it->n = c & 0x1f;
	} else if ((c & 0xf0) == 0x90) {
		it->kind = MP_ARRAY;
		it->u = c & 0x0f;
	} else if ((c & 0xf0) == 0x80) {
		it->kind = MP_MAP;
		it->u = c & 0x0f;
	} else {
		switch (c) {
		case 0xc0: it->kind = MP_NIL; break;
		case 0xc2: it->kind = MP_BOOL; it->u = 0; break;
		case 0xc3: it->kind = MP_BOOL; it->u = 1; break;
		case 0xcc: case 0xcd: case 0xce: case 0xcf:
			need = (size_t)1 << (c - 0xcc);
			if (avail < need)
				return JN_ECORRUPT;
			it->kind = MP_UINT;
			it->u = be(p, need);
			break;
		case 0xd0: case 0xd1: case 0xd2: case 0xd3:
			need = (size_t)1 << (c - 0xd0);
			if (avail < need)
				return JN_ECORRUPT;
			it->kind = MP_INT;
			it->u = be(p, need);
			/* Sign-extend from need bytes. */
			if (need < 8 && (it->u >> (need * 8 - 1)) & 1)
				it->u |= ~(uint64_t)0 << (need * 8);
			it->i = (int64_t)it->u;
			break;
		case 0xd9: case 0xda: case 0xdb:
			need = (size_t)1 << (c - 0xd9);
			if (avail < need)
				return JN_ECORRUPT;
			it->kind = MP_STR;
			it->n = be(p, need);
			break;
		case 0xdc: case 0xdd:
			need = c == 0xdc ? 2 : 4;
			if (avail < need)
				return JN_ECORRUPT;
			it->kind = MP_ARRAY;
			it->u = be(p, need);
			break;
		case 0xde: case 0xdf:
			need = c == 0xde ? 2 : 4;
			if (avail < need)
				return JN_ECORRUPT;
			it->kind = MP_MAP;
			it->u = be(p, need);
			break;
		default:
			return JN_ECORRUPT;	/* float, bin, ext, never used */
		}
	}
	p += need;
	if (it->kind == MP_STR) {
		if ((size_t)(end - p) < it->n)
			return JN_ECORRUPT;
		it->s = p;
		p += it->n;
	}
	*pp = p;
	return 0;
}

int
jl_map_open(jl_map *m, const uint8_t *data, size_t len)
{
	mp_item it;
	int rc;

	m->p = data;
	m->end = data + len;
	if ((rc = mp_next(&m->p, m->end, &it)) != 0)
		return rc;
	if (it.kind != MP_MAP || it.u > UINT32_MAX)
		return JN_ECORRUPT;
	m->left = (uint32_t)it.u;
	return 0;
}

/* Skips one whole value (recursively, bounded by depth). */
static int
mp_skip(const uint8_t **pp, const uint8_t *end, int depth)
{
	mp_item it;
	uint64_t k, n;
	int rc;

	if (depth > ENC_DEPTH_MAX)
		return JN_ECORRUPT;
	if ((rc = mp_next(pp, end, &it)) != 0)
		return rc;
	if (it.kind != MP_ARRAY && it.kind != MP_MAP)
		return 0;
	n = it.kind == MP_MAP ? it.u * 2 : it.u;
	for (k = 0; k < n; k++)
		if ((rc = mp_skip(pp, end, depth + 1)) != 0)
			return rc;
	return 0;
}

int
jl_value_read(const uint8_t *v, size_t len, jn_value *out, size_t *usedp)
{
	const uint8_t *p = v, *end;
	mp_item it;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = mp_next(&p, v + len, &it)) != 0)
		return rc;
	out->p = p;
	end = v;
	if ((rc = mp_skip(&end, v + len, 0)) != 0)
		return rc;
	out->end = end;
	switch (it.kind) {
	case MP_NIL: out->kind = JN_V_NIL; break;
	case MP_BOOL: out->kind = JN_V_BOOL; out->b = (int)it.u; break;
	case MP_UINT:
		/* Beyond int64 a value is not something the catalog allows. */
		out->kind = it.u > INT64_MAX ? JN_V_OTHER : JN_V_INT;
		out->i = (int64_t)it.u;
		break;
	case MP_INT: out->kind = JN_V_INT; out->i = it.i; break;
	case MP_STR:
		out->kind = JN_V_STR;
		out->s.p = (const char *)it.s;
		out->s.n = it.n;
		break;
	case MP_ARRAY:
	case MP_MAP:
		out->kind = it.kind == MP_ARRAY ? JN_V_ARRAY : JN_V_MAP;
		if (it.u > UINT32_MAX)
			return JN_ECORRUPT;
		out->n = (uint32_t)it.u;
		break;
	}
	if (usedp)
		*usedp = (size_t)(end - v);
	return 0;
}

int
jl_map_next(jl_map *m, jn_str *key, const uint8_t **vp, size_t *vlenp)
{
	const uint8_t *v;
	mp_item it;
	int rc;

	if (m->left == 0)
		return JN_END;
	if ((rc = mp_next(&m->p, m->end, &it)) != 0)
		return rc;
	if (it.kind != MP_STR)
		return JN_ECORRUPT;
	v = m->p;
	if ((rc = mp_skip(&m->p, m->end, 1)) != 0)
		return rc;
	key->p = (const char *)it.s;
	key->n = it.n;
	*vp = v;
	*vlenp = (size_t)(m->p - v);
	m->left--;
	return 0;
}

/*
 * Encoding JSON
 */

/* Bytes that must be escaped inside a JSON string: 0 = copy as is,
 * a letter = backslash and that letter, 'u' = \u00XX. */
static const char esc_table[256] = {
	['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
	['"'] = '"', ['\\'] = '\\',
	[0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',
	[0x05] = 'u', [0x06] = 'u', [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u',
	[0x0f] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u', [0x13] = 'u',
	[0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u', [0x18] = 'u',
	[0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u', [0x1d] = 'u',
	[0x1e] = 'u', [0x1f] = 'u',
};

int
jl_encode_str(jn_str s, jl_buf *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s.p;
	size_t i, run = 0;
	char *w;

	/* Worst case: every byte becomes \u00XX, plus the quotes. */
	if (s.n > (SIZE_MAX - 2) / 6 || jl_buf_reserve(out, s.n * 6 + 2) != 0)
		return ENOMEM;
	w = out->p + out->n;
	*w++ = '"';
	for (i = 0; i < s.n; i++) {
		char e = esc_table[p[i]];

		if (e == 0)
			continue;
		memcpy(w, p + run, i - run);
		w += i - run;
		run = i + 1;
		*w++ = '\\';
		*w++ = e;
		if (e == 'u') {
			*w++ = '0';
			*w++ = '0';
			*w++ = digits[p[i] >> 4];
			*w++ = digits[p[i] & 15];
		}
	}
	memcpy(w, p + run, s.n - run);
	w += s.n - run;
	*w++ = '"';
	out->n = (size_t)(w - out->p);
	return 0;
}

static int
enc_u64(jl_buf *out, uint64_t v)
{
	char tmp[20], *t = tmp + sizeof tmp;

	do {
		*--t = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return buf_add(out, t, (size_t)(tmp + sizeof tmp - t));
}

static int
enc_i64(jl_buf *out, int64_t v)
{
	if (v >= 0)
		return enc_u64(out, (uint64_t)v);
	if (buf_add(out, "-", 1) != 0)
		return ENOMEM;
	/* -(v + 1) + 1 avoids overflow at INT64_MIN. */
	return enc_u64(out, (uint64_t)(-(v + 1)) + 1);
}

static int
enc_value(const uint8_t **pp, const uint8_t *end, jl_buf *out, int depth)
{
	mp_item it;
	uint64_t k;
	int rc;

	if (depth > ENC_DEPTH_MAX)
		return JN_ECORRUPT;
	if ((rc = mp_next(pp, end, &it)) != 0)
		return rc;
	switch (it.kind) {
	case MP_NIL:
		return BUF_LIT(out, "null");
	case MP_BOOL:
		return it.u ? BUF_LIT(out, "true") : BUF_LIT(out, "false");
	case MP_UINT:
		return enc_u64(out, it.u);
	case MP_INT:
		return enc_i64(out, it.i);
	case MP_STR:
		return jl_encode_str((jn_str){ (const char *)it.s, it.n }, out);
	case MP_ARRAY:
		if ((rc = buf_add(out, "[", 1)) != 0)
			return rc;
		for (k = 0; k < it.u; k++) {
			if (k && (rc = buf_add(out, ",", 1)) != 0)
				return rc;
			if ((rc = enc_value(pp, end, out, depth + 1)) != 0)
				return rc;
		}
		return buf_add(out, "]", 1);
	case MP_MAP:
		if ((rc = buf_add(out, "{", 1)) != 0)
			return rc;
		for (k = 0; k < it.u; k++) {
			mp_item key;

			if (k && (rc = buf_add(out, ",", 1)) != 0)
				return rc;
			if ((rc = mp_next(pp, end, &key)) != 0)
				return rc;
			if (key.kind != MP_STR)
				return JN_ECORRUPT;	/* JSON keys are strings */
			if ((rc = jl_encode_str((jn_str){ (const char *)key.s, key.n }, out)) != 0 ||
			    (rc = buf_add(out, ":", 1)) != 0 ||
			    (rc = enc_value(pp, end, out, depth + 1)) != 0)
				return rc;
		}
		return buf_add(out, "}", 1);
	}
	return JN_ECORRUPT;
}

int
jl_encode_value(const uint8_t *v, size_t len, jl_buf *out, size_t *usedp)
{
	const uint8_t *p = v;
	size_t mark = out->n;
	int rc;

	if ((rc = enc_value(&p, v + len, out, 0)) != 0) {
		out->n = mark;
		return rc;
	}
	if (usedp)
		*usedp = (size_t)(p - v);
	return 0;
}

int
jl_encode(const jn_event *ev, jl_buf *out)
{
	char idtext[37], hash[2 * JN_HASH_LEN + 1];
	const uint8_t *p = ev->data;
	size_t mark = out->n;
	mp_item it;
	int rc;

	jn_uuid_format(ev->id, idtext);
	jl_hex(ev->hash, JN_HASH_LEN, hash);
	/* The data must be a map: peek at its header without consuming it. */
	if ((rc = mp_next(&p, ev->data + ev->data_len, &it)) != 0)
		goto fail;
	if (it.kind != MP_MAP) {
		rc = JN_ECORRUPT;
		goto fail;
	}
	p = ev->data;
	if ((rc = BUF_LIT(out, "{\"seq\":")) != 0 ||
	    (rc = enc_u64(out, ev->seq)) != 0 ||
	    (rc = BUF_LIT(out, ",\"id\":\"")) != 0 ||
	    (rc = buf_add(out, idtext, 36)) != 0 ||
	    (rc = BUF_LIT(out, "\",\"type\":")) != 0 ||
	    (rc = jl_encode_str(ev->type, out)) != 0 ||
	    (rc = BUF_LIT(out, ",\"stream\":")) != 0 ||
	    (rc = jl_encode_str(ev->stream, out)) != 0 ||
	    (rc = BUF_LIT(out, ",\"version\":")) != 0 ||
	    (rc = enc_u64(out, ev->version)) != 0 ||
	    (rc = BUF_LIT(out, ",\"occurred\":")) != 0 ||
	    (rc = jl_encode_str(ev->occurred, out)) != 0 ||
	    (rc = BUF_LIT(out, ",\"recorded\":")) != 0 ||
	    (rc = jl_encode_str(ev->recorded, out)) != 0 ||
	    (rc = BUF_LIT(out, ",\"actor\":")) != 0 ||
	    (rc = jl_encode_str(ev->actor, out)) != 0 ||
	    (rc = BUF_LIT(out, ",\"data\":")) != 0 ||
	    (rc = enc_value(&p, ev->data + ev->data_len, out, 0)) != 0 ||
	    (rc = BUF_LIT(out, ",\"hash\":\"")) != 0 ||
	    (rc = buf_add(out, hash, 2 * JN_HASH_LEN)) != 0 ||
	    (rc = BUF_LIT(out, "\"}\n")) != 0)
		goto fail;
	return 0;
fail:
	out->n = mark;
	return rc;
}

/*
 * Decoding
 */

/* The state of one decode: where errors go and the path of the value being
 * looked at ("data.cases[2]"), which names the field in messages. */
typedef struct dec {
	unsigned flags;
	jl_event *out;
	jn_errinfo *err;
	msgpack_packer pk;
	int nomem;
	char path[sizeof(((jn_errinfo *)0)->field)];
	size_t pathlen;
} dec;

static int
dec_fail(dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
dec_fail(dec *d, const char *fmt, ...)
{
	va_list ap;

	if (d->err) {
		memcpy(d->err->field, d->path, d->pathlen + 1);
		va_start(ap, fmt);
		vsnprintf(d->err->msg, sizeof d->err->msg, fmt, ap);
		va_end(ap);
	}
	return JN_EINVALID;
}

/* Appends ".key" (or "key" at the top) or "[i]" to the path; returns the old
 * length for path_pop().  A path too long for jn_errinfo ends in "...". */
static size_t
path_push(dec *d, const char *sep, const char *name, size_t n)
{
	size_t old = d->pathlen, room = sizeof d->path - 1 - old;
	size_t sl = strlen(sep);
	char *w = d->path + old;

	if (sl + n > room) {
		memcpy(d->path + sizeof d->path - 4, "...", 3);
		d->pathlen = sizeof d->path - 1;
		d->path[d->pathlen] = '\0';
		return old;
	}
	memcpy(w, sep, sl);
	memcpy(w + sl, name, n);
	d->pathlen = old + sl + n;
	d->path[d->pathlen] = '\0';
	return old;
}

static void
path_pop(dec *d, size_t old)
{
	d->pathlen = old;
	d->path[old] = '\0';
}

static int
pk_write(void *data, const char *p, size_t n)
{
	return buf_add(data, p, n) == 0 ? 0 : -1;
}

/* Quotes at most 40 bytes of a string value for a message. */
static const char *
show(const char *s, size_t n, char out[48])
{
	size_t i, k = 0;

	for (i = 0; i < n && k < 40; i++)
		out[k++] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
	if (i < n) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k] = '\0';
	return out;
}

static const char *
json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number with a fraction or exponent";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

typedef struct kv {
	const char *k;
	size_t n;
	json_t *v;
} kv;

/* Canonical key order: by bytes, a shorter key that is a prefix first. */
static int
kv_cmp(const void *a, const void *b)
{
	const kv *x = a, *y = b;
	int c = memcmp(x->k, y->k, x->n < y->n ? x->n : y->n);

	if (c)
		return c;
	return (x->n > y->n) - (x->n < y->n);
}

static int pack_value(dec *d, json_t *v, int depth);

static int
pack_object(dec *d, json_t *obj, int depth)
{
	size_t n = json_object_size(obj), i = 0, klen, old;
	const char *key;
	json_t *v;
	kv *kvs = NULL;
	int rc = 0;

	if (n > UINT32_MAX)
		return dec_fail(d, "has too many keys");
	if (n && (kvs = malloc(n * sizeof *kvs)) == NULL)
		return ENOMEM;
	json_object_keylen_foreach(obj, key, klen, v) {
		kvs[i].k = key;
		kvs[i].n = klen;
		kvs[i].v = v;
		i++;
	}
	if (n > 1)
		qsort(kvs, n, sizeof *kvs, kv_cmp);
	msgpack_pack_map(&d->pk, n);
	for (i = 0; i < n; i++) {
		msgpack_pack_str(&d->pk, kvs[i].n);
		msgpack_pack_str_body(&d->pk, kvs[i].k, kvs[i].n);
		old = path_push(d, ".", kvs[i].k, kvs[i].n);
		rc = pack_value(d, kvs[i].v, depth + 1);
		path_pop(d, old);
		if (rc)
			break;
	}
	free(kvs);
	return rc;
}

static int
pack_value(dec *d, json_t *v, int depth)
{
	size_t i, n, old;
	char idx[24];
	int rc;

	if (depth > JL_DEPTH_MAX)
		return dec_fail(d, "is nested too deeply (more than %d levels)", JL_DEPTH_MAX);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return pack_object(d, v, depth);
	case JSON_ARRAY:
		n = json_array_size(v);
		msgpack_pack_array(&d->pk, n);
		for (i = 0; i < n; i++) {
			/* "[i]" by hand: this runs for every element of every line. */
			char *w = idx + sizeof idx;
			size_t k = i;

			*--w = ']';
			do {
				*--w = (char)('0' + k % 10);
				k /= 10;
			} while (k);
			*--w = '[';
			old = path_push(d, "", w, (size_t)(idx + sizeof idx - w));
			rc = pack_value(d, json_array_get(v, i), depth + 1);
			path_pop(d, old);
			if (rc)
				return rc;
		}
		return 0;
	case JSON_STRING:
		n = json_string_length(v);
		msgpack_pack_str(&d->pk, n);
		msgpack_pack_str_body(&d->pk, json_string_value(v), n);
		return 0;
	case JSON_INTEGER:
		msgpack_pack_int64(&d->pk, json_integer_value(v));
		return 0;
	case JSON_REAL:
		return dec_fail(d, "%.17g is not an integer (numbers must be whole)",
		    json_real_value(v));
	case JSON_TRUE:
		msgpack_pack_true(&d->pk);
		return 0;
	case JSON_FALSE:
		msgpack_pack_false(&d->pk);
		return 0;
	case JSON_NULL:
		msgpack_pack_nil(&d->pk);
		return 0;
	}
	return dec_fail(d, "is not a JSON value");
}

/* The top-level keys, with the bit each sets in dec_line's `seen`. */
enum {
	K_ID = 1 << 0, K_TYPE = 1 << 1, K_STREAM = 1 << 2, K_OCCURRED = 1 << 3,
	K_ACTOR = 1 << 4, K_DATA = 1 << 5, K_EXPECTED = 1 << 6, K_SEQ = 1 << 7,
	K_VERSION = 1 << 8, K_RECORDED = 1 << 9, K_HASH = 1 << 10
};

static const struct topkey {
	const char *name;
	unsigned bit;
} topkeys[] = {
	{ "id", K_ID }, { "type", K_TYPE }, { "stream", K_STREAM },
	{ "occurred", K_OCCURRED }, { "actor", K_ACTOR }, { "data", K_DATA },
	{ "expected_version", K_EXPECTED }, { "seq", K_SEQ },
	{ "version", K_VERSION }, { "recorded", K_RECORDED }, { "hash", K_HASH },
};

#define NTOPKEYS (sizeof topkeys / sizeof topkeys[0])

/* Offsets of the string fields in out->text, turned into pointers once the
 * buffer stops moving. */
typedef struct textref {
	size_t off, n;
	int set;
} textref;

static int
take_str(dec *d, json_t *v, textref *r)
{
	if (!json_is_string(v))
		return dec_fail(d, "must be a string, not %s", json_kind(v));
	r->off = d->out->text.n;
	r->n = json_string_length(v);
	r->set = 1;
	return buf_add(&d->out->text, json_string_value(v), r->n);
}

static int
take_int(dec *d, json_t *v, int64_t min, int64_t max, int64_t *out)
{
	json_int_t i;

	if (!json_is_integer(v) || (i = json_integer_value(v)) < min || i > max)
		return dec_fail(d, "must be an integer from %" PRId64 " to %" PRId64, min, max);
	*out = i;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
take_hash(dec *d, json_t *v, uint8_t hash[JN_HASH_LEN])
{
	const char *s = json_string_value(v);
	int hi, lo;
	size_t i;

	if (!json_is_string(v) || json_string_length(v) != 2 * JN_HASH_LEN)
		return dec_fail(d, "must be %d hex digits", 2 * JN_HASH_LEN);
	for (i = 0; i < JN_HASH_LEN; i++) {
		if ((hi = hexval(s[2 * i])) < 0 || (lo = hexval(s[2 * i + 1])) < 0)
			return dec_fail(d, "must be %d hex digits", 2 * JN_HASH_LEN);
		hash[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static void
set_str(jl_event *e, jn_str *dst, const textref *r)
{
	if (r->set) {
		dst->p = e->text.p + r->off;
		dst->n = r->n;
	} else {
		dst->p = NULL;
		dst->n = 0;
	}
}

/* One top-level key.  Keys that belong to restore mode are ignored outside
 * it, so that an export can be imported again as normal input. */
static int
take_key(dec *d, unsigned bit, json_t *v, textref refs[5])
{
	jn_event *ev = &d->out->ev;
	int restore = d->flags & JL_RESTORE;
	char q[48];
	int64_t i = 0;
	int rc;

	switch (bit) {
	case K_ID:
		if (!json_is_string(v))
			return dec_fail(d, "must be a string, not %s", json_kind(v));
		if (jn_uuid_parse((jn_str){ json_string_value(v), json_string_length(v) }, ev->id) != 0)
			return dec_fail(d, "'%s' is not a uuid",
			    show(json_string_value(v), json_string_length(v), q));
		return 0;
	case K_TYPE:
		return take_str(d, v, &refs[0]);
	case K_STREAM:
		return take_str(d, v, &refs[1]);
	case K_OCCURRED:
		return take_str(d, v, &refs[2]);
	case K_ACTOR:
		return take_str(d, v, &refs[3]);
	case K_DATA:
		if (!json_is_object(v))
			return dec_fail(d, "must be an object, not %s", json_kind(v));
		rc = pack_object(d, v, 1);
		return rc ? rc : d->nomem ? ENOMEM : 0;
	case K_EXPECTED:
		if ((rc = take_int(d, v, 0, UINT32_MAX, &i)) != 0)
			return rc;
		ev->expected_version = i;
		return 0;
	case K_SEQ:
		if (!restore)
			return 0;
		if ((rc = take_int(d, v, 1, INT64_MAX, &i)) != 0)
			return rc;
		ev->seq = (uint64_t)i;
		return 0;
	case K_VERSION:
		if (!restore)
			return 0;
		if ((rc = take_int(d, v, 1, UINT32_MAX, &i)) != 0)
			return rc;
		ev->version = (uint32_t)i;
		return 0;
	case K_RECORDED:
		if (!restore)
			return 0;
		if ((rc = take_str(d, v, &refs[4])) != 0)
			return rc;
		if (refs[4].n != JN_RECORDED_LEN)
			return dec_fail(d, "must be a UTC time YYYY-MM-DDTHH:MM:SS.ffffffZ");
		return 0;
	case K_HASH:
		return restore ? take_hash(d, v, ev->hash) : 0;
	}
	return 0;
}

static int
dec_object(dec *d, json_t *root)
{
	static const unsigned required = K_TYPE | K_STREAM | K_OCCURRED | K_ACTOR;
	static const unsigned restore_required = K_ID | K_SEQ | K_VERSION | K_RECORDED | K_HASH;
	jl_event *e = d->out;
	textref refs[5] = { { 0, 0, 0 } };
	unsigned seen = 0, need;
	const char *key;
	size_t klen, k, old;
	json_t *v;
	int rc;

	/* data is packed first into its own buffer; walk the keys in the order
	 * written so that the first error of the line is the one reported. */
	json_object_keylen_foreach(root, key, klen, v) {
		for (k = 0; k < NTOPKEYS; k++)
			if (strlen(topkeys[k].name) == klen && memcmp(topkeys[k].name, key, klen) == 0)
				break;
		old = path_push(d, "", key, klen);
		if (k == NTOPKEYS)
			return dec_fail(d, "unknown key");
		if ((rc = take_key(d, topkeys[k].bit, v, refs)) != 0)
			return rc;
		path_pop(d, old);
		seen |= topkeys[k].bit;
	}
	need = required | (d->flags & JL_RESTORE ? restore_required : 0);
	if (d->flags & JL_NOACTOR)
		need &= ~(unsigned)K_ACTOR;
	for (k = 0; k < NTOPKEYS; k++) {
		if ((need & topkeys[k].bit) && !(seen & topkeys[k].bit)) {
			path_push(d, "", topkeys[k].name, strlen(topkeys[k].name));
			return dec_fail(d, "missing%s", topkeys[k].bit & restore_required ?
			    " (an export line has it, --restore needs it)" : "");
		}
	}
	if (!(seen & K_ID))
		jn_uuid_generate(e->ev.id);
	if (!(seen & K_DATA)) {
		/* No data is an empty map: events such as room.closed carry none. */
		msgpack_pack_map(&d->pk, 0);
		if (d->nomem)
			return ENOMEM;
	}
	set_str(e, &e->ev.type, &refs[0]);
	set_str(e, &e->ev.stream, &refs[1]);
	set_str(e, &e->ev.occurred, &refs[2]);
	set_str(e, &e->ev.actor, &refs[3]);
	set_str(e, &e->ev.recorded, &refs[4]);
	e->ev.data = (const uint8_t *)e->data.p;
	e->ev.data_len = e->data.n;
	return 0;
}

static int
pk_write_checked(void *data, const char *p, size_t n)
{
	dec *d = data;

	if (pk_write(&d->out->data, p, n) != 0) {
		d->nomem = 1;
		return -1;
	}
	return 0;
}

int
jl_decode(const char *line, size_t len, unsigned flags, jl_event *out, jn_errinfo *err)
{
	json_error_t jerr;
	json_t *root = NULL;
	dec d;
	int rc;

	memset(&d, 0, sizeof d);
	d.flags = flags;
	d.out = out;
	d.err = err;
	if (err) {
		err->field[0] = '\0';
		err->msg[0] = '\0';
	}
	memset(&out->ev, 0, sizeof out->ev);
	out->ev.expected_version = JN_ANY_VERSION;
	out->text.n = 0;
	out->data.n = 0;
	msgpack_packer_init(&d.pk, &d, pk_write_checked);

	if (len > JL_LINE_MAX)
		return dec_fail(&d, "line longer than %u bytes", JL_LINE_MAX);
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (root == NULL) {
		rc = dec_fail(&d, "invalid JSON at column %d: %s", jerr.column, jerr.text);
		goto done;
	}
	if (!json_is_object(root)) {
		rc = dec_fail(&d, "the line is %s, not a JSON object", json_kind(root));
		goto done;
	}
	rc = dec_object(&d, root);
	if (rc == 0 && d.nomem)
		rc = ENOMEM;
done:
	json_decref(root);
	return rc;
}

void
jl_event_free(jl_event *e)
{
	if (e == NULL)
		return;
	jl_buf_free(&e->text);
	jl_buf_free(&e->data);
	memset(&e->ev, 0, sizeof e->ev);
}
