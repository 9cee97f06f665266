/*
 * jsonl.c: the JSON Lines codec, see jsonl.h and specs/jsonl.md.
 *
 * Decoding has two implementations (jsonl_impl.h): a hand-written
 * single-pass parser that builds the event straight from the line (the fast
 * path, about five times faster), and the reference, which parses with
 * jansson and walks the JSON tree.  jl_decode() runs the first and, when it
 * refuses a line, the second for the message.
 * Encoding is written by hand into a growable buffer, because export writes
 * millions of lines.
 */
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <msgpack.h>

#include "jsonl.h"
#include "jsonl_impl.h"

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

#define TOPKEY(name, bit) { name, sizeof(name) - 1, bit }

static const struct topkey {
	const char *name;
	size_t len;
	unsigned bit;
} topkeys[] = {
	TOPKEY("id", K_ID), TOPKEY("type", K_TYPE), TOPKEY("stream", K_STREAM),
	TOPKEY("occurred", K_OCCURRED), TOPKEY("actor", K_ACTOR), TOPKEY("data", K_DATA),
	TOPKEY("expected_version", K_EXPECTED), TOPKEY("seq", K_SEQ),
	TOPKEY("version", K_VERSION), TOPKEY("recorded", K_RECORDED), TOPKEY("hash", K_HASH),
};

#define NTOPKEYS (sizeof topkeys / sizeof topkeys[0])

#define K_RESTORE_REQUIRED (K_ID | K_SEQ | K_VERSION | K_RECORDED | K_HASH)

/* The keys a line must have under flags. */
static unsigned
needed_keys(unsigned flags)
{
	unsigned need = K_TYPE | K_STREAM | K_OCCURRED | K_ACTOR;

	if (flags & JL_RESTORE)
		need |= K_RESTORE_REQUIRED;
	if (flags & JL_NOACTOR)
		need &= ~(unsigned)K_ACTOR;
	return need;
}

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

/* Points the event's strings and data into the buffers, which stop moving
 * once the line is decoded. */
static void
set_strs(jl_event *e, const textref refs[5])
{
	set_str(e, &e->ev.type, &refs[0]);
	set_str(e, &e->ev.stream, &refs[1]);
	set_str(e, &e->ev.occurred, &refs[2]);
	set_str(e, &e->ev.actor, &refs[3]);
	set_str(e, &e->ev.recorded, &refs[4]);
	e->ev.data = (const uint8_t *)e->data.p;
	e->ev.data_len = e->data.n;
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
			if (topkeys[k].len == klen && memcmp(topkeys[k].name, key, klen) == 0)
				break;
		old = path_push(d, "", key, klen);
		if (k == NTOPKEYS)
			return dec_fail(d, "unknown key");
		if ((rc = take_key(d, topkeys[k].bit, v, refs)) != 0)
			return rc;
		path_pop(d, old);
		seen |= topkeys[k].bit;
	}
	need = needed_keys(d->flags);
	for (k = 0; k < NTOPKEYS; k++) {
		if ((need & topkeys[k].bit) && !(seen & topkeys[k].bit)) {
			path_push(d, "", topkeys[k].name, topkeys[k].len);
			return dec_fail(d, "missing%s", topkeys[k].bit & K_RESTORE_REQUIRED ?
			    " (an export line has it, --restore needs it)" : "");
		}
	}
	if (!(seen & K_ID) && !(d->flags & JL_NOIDGEN))
		jn_uuid_generate(e->ev.id);
	if (!(seen & K_DATA)) {
		/* No data is an empty map: events such as room.closed carry none. */
		msgpack_pack_map(&d->pk, 0);
		if (d->nomem)
			return ENOMEM;
	}
	set_strs(e, refs);
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

/* What both decoders do first: no error yet, an empty event. */
static void
decode_start(jl_event *out, jn_errinfo *err)
{
	if (err) {
		err->field[0] = '\0';
		err->msg[0] = '\0';
	}
	memset(&out->ev, 0, sizeof out->ev);
	out->ev.expected_version = JN_ANY_VERSION;
	out->text.n = 0;
	out->data.n = 0;
}

/* jansson does not always report a failed allocation: its lexer drops a
 * byte it cannot save and goes on, so a line could be refused for a syntax
 * error it does not have.  Allocations are watched instead. */
static _Thread_local int json_nomem;

static void *
json_malloc_checked(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		json_nomem = 1;
	return p;
}

int
jl_decode_reference(const char *line, size_t len, unsigned flags, jl_event *out, jn_errinfo *err)
{
	json_error_t jerr;
	json_t *root = NULL;
	dec d;
	int rc;

	memset(&d, 0, sizeof d);
	d.flags = flags;
	d.out = out;
	d.err = err;
	decode_start(out, err);
	msgpack_packer_init(&d.pk, &d, pk_write_checked);

	if (len > JL_LINE_MAX)
		return dec_fail(&d, "line longer than %u bytes", JL_LINE_MAX);
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	json_set_alloc_funcs(json_malloc_checked, free);
	json_nomem = 0;
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	/* Out of memory is not the line's fault (exit 6, not 3). */
	if (json_nomem) {
		rc = ENOMEM;
		goto done;
	}
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

/*
 * Decoding, the fast path
 *
 * One pass over the line, no tree, no allocation once the jl_event's
 * buffers have grown (only an object of more than FD_ENTS keys takes
 * memory, for the line's duration).  It must accept exactly the lines that
 * jl_decode_reference() accepts and build the same event from them, so it
 * mirrors every rule of jansson that decides between accepting and
 * refusing (RFC 8259 and: UTF-8 checked as jansson's stream reader does, no
 * \u0000 in a key, duplicate keys refused, integers in the int64 range, a
 * real that overflows a double refused, at most 2048 levels) as well as
 * the walk above.  It does not explain a refusal: jl_decode() asks the
 * reference for the message.  tests/unit/test_jsonl_diff.c and
 * tests/fuzz/fuzz_jsonl_fast.c hold the two to that.
 */

#define FD_ENTS		64	/* object keys tracked without malloc */
#define FD_MAX_DEPTH	2048	/* jansson's JSON_PARSER_MAX_DEPTH */

/* MessagePack headers whose size depends on a count found at the end. */
enum { FD_STR, FD_ARRAY, FD_MAP };

/* The bytes of a string, by what the scanner does with them. */
enum { C_PLAIN, C_QUOTE, C_BSLASH, C_BAD, C_UTF8_2, C_UTF8_3, C_UTF8_4 };

static const uint8_t strclass[256] = {
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,	/* 00 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,	/* 10 */
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 20 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 30 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,	/* 50 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 70 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,	/* 80 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,	/* 90 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,	/* a0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,	/* b0 */
	3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,	/* c0 */
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,	/* d0 */
	5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,	/* e0 */
	6, 6, 6, 6, 6, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,	/* f0 */
};

/* One key of an object being read: the key's bytes at key[0..klen) and the
 * entry (packed key, packed value) at off[0..len) of the data buffer.
 * Offsets, because the buffer moves when it grows. */
typedef struct fent {
	size_t key, klen, off, len;
} fent;

typedef struct fdec {
	const unsigned char *start, *p, *end;
	unsigned flags;
	jl_event *out;
	jn_errinfo *err;
	fent *ents;		/* a stack: an object's keys above its parent's */
	size_t nents, capents;
	fent ents0[FD_ENTS];
} fdec;

static int
fd_fail(fdec *f, const char *why)
{
	if (f->err) {
		f->err->field[0] = '\0';
		snprintf(f->err->msg, sizeof f->err->msg, "fast: %s at byte %zu", why,
		    (size_t)(f->p - f->start));
	}
	return JN_EINVALID;
}

/*
 * jansson quirk: after a number or a literal (true, false, null), its lexer
 * puts back the byte that ended the token; when that byte is NUL, its
 * stream reader takes the NUL for "buffer used up" and reads on, so one NUL
 * right after such a token is skipped.  Done here too, to accept exactly
 * what the reference accepts.
 */
static void
fd_token_end(fdec *f)
{
	if (f->p < f->end && *f->p == '\0')
		f->p++;
}

static int
is_digit(unsigned c)
{
	return c - '0' < 10;
}

/* jansson's whitespace. */
static void
fd_ws(fdec *f)
{
	while (f->p < f->end && (*f->p == ' ' || *f->p == '\t' || *f->p == '\n' || *f->p == '\r'))
		f->p++;
}

/* Expects byte c (after whitespace) and steps over it and whitespace. */
static int
fd_expect(fdec *f, unsigned char c)
{
	fd_ws(f);
	if (f->p == f->end || *f->p != c)
		return fd_fail(f, c == ':' ? "':' expected" : "unexpected byte");
	f->p++;
	fd_ws(f);
	return 0;
}

static size_t
mp_hdr_len(int kind, size_t n)
{
	if (n < (kind == FD_STR ? 32u : 16u))
		return 1;
	if (kind == FD_STR && n < 256)
		return 2;
	return n < 65536 ? 3 : 5;
}

static void
put_be(uint8_t *w, uint64_t v, size_t n)
{
	while (n--) {
		w[n] = (uint8_t)v;
		v >>= 8;
	}
}

/* Writes the header that msgpack_pack_str/array/map would write. */
static void
mp_hdr_put(uint8_t *w, int kind, size_t n)
{
	static const uint8_t fix[] = { 0xa0, 0x90, 0x80 };
	static const uint8_t c16[] = { 0xda, 0xdc, 0xde };
	static const uint8_t c32[] = { 0xdb, 0xdd, 0xdf };

	switch (mp_hdr_len(kind, n)) {
	case 1: w[0] = (uint8_t)(fix[kind] | n); break;
	case 2: w[0] = 0xd9; w[1] = (uint8_t)n; break;
	case 3: w[0] = c16[kind]; put_be(w + 1, n, 2); break;
	default: w[0] = c32[kind]; put_be(w + 1, n, 4); break;
	}
}

/* Appends v in its smallest encoding, as msgpack_pack_int64 does. */
static int
fd_put_int(jl_buf *b, int64_t v)
{
	uint8_t *w;
	size_t n;

	if (jl_buf_reserve(b, 9) != 0)
		return ENOMEM;
	w = (uint8_t *)b->p + b->n;
	if (v >= -32 && v < 128) {
		w[0] = (uint8_t)v;
		b->n += 1;
		return 0;
	}
	if (v >= 0) {
		n = v < 256 ? 1 : v < 65536 ? 2 : v <= UINT32_MAX ? 4 : 8;
		w[0] = n == 1 ? 0xcc : n == 2 ? 0xcd : n == 4 ? 0xce : 0xcf;
	} else {
		n = v >= -128 ? 1 : v >= -32768 ? 2 : v >= INT32_MIN ? 4 : 8;
		w[0] = n == 1 ? 0xd0 : n == 2 ? 0xd1 : n == 4 ? 0xd2 : 0xd3;
	}
	put_be(w + 1, (uint64_t)v, n);
	b->n += 1 + n;
	return 0;
}

static int
fd_put_byte(jl_buf *b, uint8_t c)
{
	if (jl_buf_reserve(b, 1) != 0)
		return ENOMEM;
	b->p[b->n++] = (char)c;
	return 0;
}

/* Finds the closing quote of the string whose bytes start at f->p, and
 * checks the bytes as jansson does: no control character, well-formed
 * UTF-8 (no overlong form, no surrogate, nothing above U+10FFFF).  The
 * escapes are checked when decoded; a backslash just hides the next byte. */
static int
fd_scan(fdec *f, const unsigned char **qp, int *escp)
{
	const unsigned char *p = f->p, *end = f->end;
	unsigned lo, hi;

	*escp = 0;
	for (;;) {
		/* Eight plain bytes at a time while no byte of a word is below
		 * 0x20, a quote, a backslash or 0x80 and above. */
		while (end - p >= 8) {
			uint64_t v, t, ones = 0x0101010101010101ull;

			memcpy(&v, p, 8);
			/* (x - ones * n) & ~x has a high bit set iff a byte of
			 * x is below n (n <= 0x80); n = 1 finds a zero byte. */
			t = ((v - ones * 0x20) | ((v ^ ones * '"') - ones) | ((v ^ ones * '\\') - ones)) & ~v;
			if ((t | v) & ones * 0x80)
				break;
			p += 8;
		}
		while (p < end && strclass[*p] == C_PLAIN)
			p++;
		if (p == end)
			return fd_fail(f, "unterminated string");
		lo = 0x80;
		hi = 0xbf;
		switch (strclass[*p]) {
		case C_QUOTE:
			*qp = p;
			return 0;
		case C_BSLASH:
			if (end - p < 2)
				return fd_fail(f, "unterminated string");
			*escp = 1;
			p += 2;
			break;
		case C_UTF8_2:
			if (end - p < 2 || (p[1] & 0xc0) != 0x80)
				return fd_fail(f, "invalid UTF-8");
			p += 2;
			break;
		case C_UTF8_3:
			if (*p == 0xe0)
				lo = 0xa0;	/* below U+0800: overlong */
			else if (*p == 0xed)
				hi = 0x9f;	/* U+D800..DFFF: surrogates */
			if (end - p < 3 || p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80)
				return fd_fail(f, "invalid UTF-8");
			p += 3;
			break;
		case C_UTF8_4:
			if (*p == 0xf0)
				lo = 0x90;	/* below U+10000: overlong */
			else if (*p == 0xf4)
				hi = 0x8f;	/* above U+10FFFF */
			if (end - p < 4 || p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80 ||
			    (p[3] & 0xc0) != 0x80)
				return fd_fail(f, "invalid UTF-8");
			p += 4;
			break;
		default:
			return fd_fail(f, "control character or invalid UTF-8 in a string");
		}
	}
}

static int
hex4(const unsigned char *p, const unsigned char *q, unsigned *vp)
{
	unsigned v = 0;
	int i, h;

	if (q - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = hexval(p[i])) < 0)
			return -1;
		v = v << 4 | (unsigned)h;
	}
	*vp = v;
	return 0;
}

static char *
utf8_put(char *w, unsigned cp)
{
	if (cp < 0x80) {
		*w++ = (char)cp;
	} else if (cp < 0x800) {
		*w++ = (char)(0xc0 | cp >> 6);
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*w++ = (char)(0xe0 | cp >> 12);
		*w++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*w++ = (char)(0xf0 | cp >> 18);
		*w++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*w++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	}
	return w;
}

/* Decodes the escapes of the string f->p..q into w, which has room for
 * q - f->p bytes (no escape decodes longer than it is written).  A lone
 * surrogate is refused, as jansson does; *nulp is set for a \u0000. */
static int
fd_unescape(fdec *f, const unsigned char *q, char *w, size_t *np, int *nulp)
{
	const unsigned char *p = f->p, *bs;
	char *w0 = w;
	unsigned cp, lo;

	while ((bs = memchr(p, '\\', (size_t)(q - p))) != NULL) {
		memcpy(w, p, (size_t)(bs - p));
		w += bs - p;
		p = bs + 2;	/* fd_scan saw a byte after every backslash */
		switch (bs[1]) {
		case '"': case '\\': case '/': *w++ = (char)bs[1]; continue;
		case 'b': *w++ = '\b'; continue;
		case 'f': *w++ = '\f'; continue;
		case 'n': *w++ = '\n'; continue;
		case 'r': *w++ = '\r'; continue;
		case 't': *w++ = '\t'; continue;
		case 'u': break;
		default: return fd_fail(f, "invalid escape");
		}
		if (hex4(p, q, &cp) != 0)
			return fd_fail(f, "invalid \\u escape");
		p += 4;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (q - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, q, &lo) != 0 ||
			    lo < 0xdc00 || lo > 0xdfff)
				return fd_fail(f, "high surrogate without a low one");
			p += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		} else if (cp >= 0xdc00 && cp <= 0xdfff) {
			return fd_fail(f, "lone low surrogate");
		}
		if (cp == 0)
			*nulp = 1;
		w = utf8_put(w, cp);
	}
	memcpy(w, p, (size_t)(q - p));
	w += q - p;
	*np = (size_t)(w - w0);
	return 0;
}

/* Reads the string at f->p (its opening quote) onto the end of b, as a
 * MessagePack str when pack is set.  Its bytes are then at *offp, *np long;
 * *nulp is set when it holds U+0000. */
static int
fd_string(fdec *f, jl_buf *b, int pack, size_t *offp, size_t *np, int *nulp)
{
	const unsigned char *q;
	size_t raw, n, hl = 0, hl2;
	char *w;
	int esc, rc;

	f->p++;
	if ((rc = fd_scan(f, &q, &esc)) != 0)
		return rc;
	raw = (size_t)(q - f->p);
	if (jl_buf_reserve(b, raw + 5) != 0)
		return ENOMEM;
	w = b->p + b->n;
	if (pack)
		hl = mp_hdr_len(FD_STR, raw);
	if (!esc) {
		memcpy(w + hl, f->p, raw);
		n = raw;
	} else {
		if ((rc = fd_unescape(f, q, w + hl, &n, nulp)) != 0)
			return rc;
		if (pack && (hl2 = mp_hdr_len(FD_STR, n)) != hl) {
			memmove(w + hl2, w + hl, n);
			hl = hl2;
		}
	}
	if (pack)
		mp_hdr_put((uint8_t *)w, FD_STR, n);
	*offp = b->n + hl;
	*np = n;
	b->n += hl + n;
	f->p = q + 1;
	return 0;
}

/* jansson refuses a real that overflows a double (its jsonp_strtod, with
 * the same switch to the locale's decimal point); s[0..n) is a real
 * already checked for syntax.  1 = overflows, 0 = fine, or ENOMEM. */
static int
real_overflows(const unsigned char *s, size_t n)
{
	char small[64], *buf = small, *dot;
	const char *point = localeconv()->decimal_point;
	double v;
	int over;

	if (n >= sizeof small && (buf = malloc(n + 1)) == NULL)
		return ENOMEM;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (*point != '.' && (dot = strchr(buf, '.')) != NULL)
		*dot = *point;
	errno = 0;
	v = strtod(buf, NULL);
	over = (v == HUGE_VAL || v == -HUGE_VAL) && errno == ERANGE;
	if (buf != small)
		free(buf);
	return over;
}

/* Reads a number as jansson's lexer does.  An integer must fit int64_t; a
 * real (fraction or exponent) is refused unless skip, when only its
 * overflow is. */
static int
fd_number(fdec *f, int skip, int64_t *ivp)
{
	const unsigned char *p = f->p, *end = f->end, *s = p;
	uint64_t u = 0, lim;
	unsigned d;
	int neg = 0, over = 0, rc;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (p == end || !is_digit(*p))
		return fd_fail(f, "invalid number");
	if (*p == '0') {
		if (++p < end && is_digit(*p))
			return fd_fail(f, "leading zero");
	} else {
		for (; p < end && is_digit(*p); p++) {
			d = *p - '0';
			if (u > (UINT64_MAX - d) / 10)
				over = 1;
			else
				u = u * 10 + d;
		}
	}
	if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) {
		if (*p == '.') {
			if (++p == end || !is_digit(*p))
				return fd_fail(f, "invalid number");
			while (p < end && is_digit(*p))
				p++;
		}
		if (p < end && (*p == 'e' || *p == 'E')) {
			if (++p < end && (*p == '+' || *p == '-'))
				p++;
			if (p == end || !is_digit(*p))
				return fd_fail(f, "invalid number");
			while (p < end && is_digit(*p))
				p++;
		}
		f->p = p;
		fd_token_end(f);
		if (!skip)
			return fd_fail(f, "not an integer");
		if ((rc = real_overflows(s, (size_t)(p - s))) != 0)
			return rc == ENOMEM ? ENOMEM : fd_fail(f, "real number overflow");
		return 0;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (over || u > lim)
		return fd_fail(f, "integer out of range");
	*ivp = !neg ? (int64_t)u : u == lim ? INT64_MIN : -(int64_t)u;
	f->p = p;
	fd_token_end(f);
	return 0;
}

static int
fd_literal(fdec *f, const char *word, size_t n)
{
	if ((size_t)(f->end - f->p) < n || memcmp(f->p, word, n) != 0)
		return fd_fail(f, "invalid token");
	f->p += n;
	fd_token_end(f);
	return 0;
}

/* Containers are packed with a one-byte header first (the count is known
 * at the end); members move when it turns out longer. */
static int
fd_close(jl_buf *b, size_t start, int kind, size_t count)
{
	size_t hl = mp_hdr_len(kind, count);

	if (hl > 1) {
		if (jl_buf_reserve(b, hl - 1) != 0)
			return ENOMEM;
		memmove(b->p + start + hl, b->p + start + 1, b->n - start - 1);
		b->n += hl - 1;
	}
	mp_hdr_put((uint8_t *)b->p + start, kind, count);
	return 0;
}

static int fd_value(fdec *f, int level, int skip);

static int
fd_array(fdec *f, int level, int skip)
{
	jl_buf *b = &f->out->data;
	size_t start = b->n, count = 0;
	int rc;

	if (!skip && (rc = fd_put_byte(b, 0)) != 0)
		return rc;
	f->p++;
	fd_ws(f);
	if (f->p < f->end && *f->p == ']') {
		f->p++;
	} else {
		for (;;) {
			if ((rc = fd_value(f, level + 1, skip)) != 0)
				return rc;
			count++;
			fd_ws(f);
			if (f->p < f->end && *f->p == ']') {
				f->p++;
				break;
			}
			if ((rc = fd_expect(f, ',')) != 0)
				return rc;
		}
	}
	return skip ? 0 : fd_close(b, start, FD_ARRAY, count);
}

static int
fent_cmp(const fent *x, const fent *y, const char *base)
{
	int c = memcmp(base + x->key, base + y->key, x->klen < y->klen ? x->klen : y->klen);

	if (c)
		return c;
	return (x->klen > y->klen) - (x->klen < y->klen);
}

static int
fent_qcmp(const void *a, const void *b, void *base)
{
	return fent_cmp(a, b, base);
}

static int
fd_push(fdec *f)
{
	fent *n;

	if (f->nents == f->capents) {
		if (f->capents > SIZE_MAX / 2 / sizeof *n)
			return ENOMEM;
		if ((n = malloc(2 * f->capents * sizeof *n)) == NULL)
			return ENOMEM;
		memcpy(n, f->ents, f->nents * sizeof *n);
		if (f->ents != f->ents0)
			free(f->ents);
		f->ents = n;
		f->capents *= 2;
	}
	f->nents++;
	return 0;
}

/* Puts the n entries of an object, packed from b->p + first on, into the
 * canonical order (keys by their bytes); a repeated key is refused. */
static int
fd_order(fdec *f, fent *e, size_t n, size_t first, int skip)
{
	jl_buf *b = &f->out->data;
	size_t i, j, total, w;
	int c, sorted = 1;
	fent t;

	for (i = 1; i < n; i++) {
		if ((c = fent_cmp(&e[i - 1], &e[i], b->p)) == 0)
			return fd_fail(f, "duplicate key");
		if (c > 0)
			sorted = 0;
	}
	if (sorted)
		return 0;
	if (n <= 16) {
		for (i = 1; i < n; i++) {
			t = e[i];
			for (j = i; j > 0 && fent_cmp(&e[j - 1], &t, b->p) > 0; j--)
				e[j] = e[j - 1];
			e[j] = t;
		}
	} else {
		qsort_r(e, n, sizeof *e, fent_qcmp, b->p);
	}
	for (i = 1; i < n; i++)
		if (fent_cmp(&e[i - 1], &e[i], b->p) == 0)
			return fd_fail(f, "duplicate key");
	if (skip)
		return 0;
	/* Copy the entries in order past the end, then back in place. */
	total = b->n - first;
	if (jl_buf_reserve(b, total) != 0)
		return ENOMEM;
	w = b->n;
	for (i = 0; i < n; i++) {
		memcpy(b->p + w, b->p + e[i].off, e[i].len);
		w += e[i].len;
	}
	memcpy(b->p + first, b->p + b->n, total);
	return 0;
}

/* An object: in data, packed as a canonical map; skipped (skip), only
 * checked, its keys for repeats. */
static int
fd_object(fdec *f, int level, int skip)
{
	jl_buf *b = &f->out->data;
	size_t start = b->n, base = f->nents, idx, off, koff, klen, n;
	int rc, nul = 0;

	if ((rc = fd_put_byte(b, 0)) != 0)
		return rc;
	f->p++;
	fd_ws(f);
	if (f->p < f->end && *f->p == '}') {
		f->p++;
	} else {
		for (;;) {
			if (f->p == f->end || *f->p != '"')
				return fd_fail(f, "string expected");
			if ((rc = fd_push(f)) != 0)
				return rc;
			idx = f->nents - 1;
			off = b->n;
			if ((rc = fd_string(f, b, 1, &koff, &klen, &nul)) != 0)
				return rc;
			if (nul)
				return fd_fail(f, "NUL byte in a key");
			if ((rc = fd_expect(f, ':')) != 0 ||
			    (rc = fd_value(f, level + 1, skip)) != 0)
				return rc;
			f->ents[idx] = (fent){ koff, klen, off, b->n - off };
			fd_ws(f);
			if (f->p < f->end && *f->p == '}') {
				f->p++;
				break;
			}
			if ((rc = fd_expect(f, ',')) != 0)
				return rc;
		}
	}
	n = f->nents - base;
	rc = fd_order(f, f->ents + base, n, start + 1, skip);
	f->nents = base;
	if (rc)
		return rc;
	if (skip) {
		b->n = start;
		return 0;
	}
	return fd_close(b, start, FD_MAP, n);
}

/* One value at f->p, at nesting level `level` (the line's object is 1).
 * In data (!skip) it is packed; a value skipped (a key of restore mode on
 * normal input) is only checked as jansson would check it. */
static int
fd_value(fdec *f, int level, int skip)
{
	jl_buf *b = &f->out->data;
	size_t mark = b->n, off, n;
	int64_t iv = 0;
	int rc, nul = 0;

	/* The walk refuses data deeper than JL_DEPTH_MAX (data itself is 1
	 * there, 2 here); jansson anything deeper than 2048. */
	if (level > (skip ? FD_MAX_DEPTH : JL_DEPTH_MAX + 1))
		return fd_fail(f, "nested too deeply");
	if (f->p == f->end)
		return fd_fail(f, "value expected");
	switch (*f->p) {
	case '{':
		return fd_object(f, level, skip);
	case '[':
		return fd_array(f, level, skip);
	case '"':
		rc = fd_string(f, b, 1, &off, &n, &nul);
		if (skip)
			b->n = mark;
		return rc;
	case 't':
		if ((rc = fd_literal(f, "true", 4)) != 0)
			return rc;
		return skip ? 0 : fd_put_byte(b, 0xc3);
	case 'f':
		if ((rc = fd_literal(f, "false", 5)) != 0)
			return rc;
		return skip ? 0 : fd_put_byte(b, 0xc2);
	case 'n':
		if ((rc = fd_literal(f, "null", 4)) != 0)
			return rc;
		return skip ? 0 : fd_put_byte(b, 0xc0);
	}
	if (*f->p != '-' && !is_digit(*f->p))
		return fd_fail(f, "invalid token");
	if ((rc = fd_number(f, skip, &iv)) != 0)
		return rc;
	return skip ? 0 : fd_put_int(b, iv);
}

/* A string field: its bytes go to the text buffer. */
static int
fd_text(fdec *f, textref *r)
{
	int nul = 0;

	if (*f->p != '"')
		return fd_fail(f, "must be a string");
	r->set = 1;
	return fd_string(f, &f->out->text, 0, &r->off, &r->n, &nul);
}

/* A string field that is parsed, not kept: its bytes are in the text
 * buffer at *r until the caller drops them. */
static int
fd_temp_text(fdec *f, textref *r, size_t *markp)
{
	*markp = f->out->text.n;
	return fd_text(f, r);
}

static int
fd_int(fdec *f, int64_t min, int64_t max, int64_t *out)
{
	int64_t i = 0;
	int rc;

	if (*f->p != '-' && !is_digit(*f->p))
		return fd_fail(f, "must be an integer");
	if ((rc = fd_number(f, 0, &i)) != 0)
		return rc;
	if (i < min || i > max)
		return fd_fail(f, "integer out of range");
	*out = i;
	return 0;
}

/* The value of one top-level key, as take_key() takes it. */
static int
fd_top_value(fdec *f, unsigned bit, textref refs[5])
{
	jn_event *ev = &f->out->ev;
	jl_buf *t = &f->out->text;
	textref tmp = { 0, 0, 0 };
	size_t mark, i;
	int64_t v = 0;
	int hi, lo, rc;

	if (f->p == f->end)
		return fd_fail(f, "value expected");
	if (!(f->flags & JL_RESTORE) && (bit & (K_SEQ | K_VERSION | K_RECORDED | K_HASH)))
		return fd_value(f, 2, 1);
	switch (bit) {
	case K_TYPE: return fd_text(f, &refs[0]);
	case K_STREAM: return fd_text(f, &refs[1]);
	case K_OCCURRED: return fd_text(f, &refs[2]);
	case K_ACTOR: return fd_text(f, &refs[3]);
	case K_RECORDED:
		if ((rc = fd_text(f, &refs[4])) != 0)
			return rc;
		return refs[4].n == JN_RECORDED_LEN ? 0 : fd_fail(f, "recorded: wrong length");
	case K_ID:
		if ((rc = fd_temp_text(f, &tmp, &mark)) == 0 &&
		    jn_uuid_parse((jn_str){ t->p + tmp.off, tmp.n }, ev->id) != 0)
			rc = fd_fail(f, "not a uuid");
		t->n = mark;
		return rc;
	case K_HASH:
		if ((rc = fd_temp_text(f, &tmp, &mark)) == 0 && tmp.n != 2 * JN_HASH_LEN)
			rc = fd_fail(f, "hash: wrong length");
		for (i = 0; rc == 0 && i < JN_HASH_LEN; i++) {
			if ((hi = hexval(t->p[tmp.off + 2 * i])) < 0 ||
			    (lo = hexval(t->p[tmp.off + 2 * i + 1])) < 0)
				rc = fd_fail(f, "hash: not hex");
			else
				ev->hash[i] = (uint8_t)(hi << 4 | lo);
		}
		t->n = mark;
		return rc;
	case K_DATA:
		if (*f->p != '{')
			return fd_fail(f, "data must be an object");
		return fd_object(f, 2, 0);
	case K_EXPECTED:
		return fd_int(f, 0, UINT32_MAX, &ev->expected_version);
	case K_SEQ:
		rc = fd_int(f, 1, INT64_MAX, &v);
		ev->seq = (uint64_t)v;
		return rc;
	case K_VERSION:
		rc = fd_int(f, 1, UINT32_MAX, &v);
		ev->version = (uint32_t)v;
		return rc;
	}
	return fd_fail(f, "unknown key");
}

/* A top-level key: its bit, or 0 when unknown. */
static int
fd_top_key(fdec *f, unsigned *bitp)
{
	const unsigned char *q;
	char kb[24];
	const char *key = (const char *)f->p + 1;
	size_t n, k;
	int esc, nul = 0, rc;

	f->p++;
	if ((rc = fd_scan(f, &q, &esc)) != 0)
		return rc;
	n = (size_t)(q - f->p);
	if (esc) {
		/* Escapes only make a key shorter: a long one is unknown. */
		if (n > sizeof kb)
			return fd_fail(f, "unknown key");
		if ((rc = fd_unescape(f, q, kb, &n, &nul)) != 0)
			return rc;
		key = kb;
	}
	f->p = q + 1;
	for (k = 0; k < NTOPKEYS; k++) {
		if (topkeys[k].len == n && memcmp(topkeys[k].name, key, n) == 0) {
			*bitp = topkeys[k].bit;
			return 0;
		}
	}
	return fd_fail(f, "unknown key");
}

int
jl_decode_fast(const char *line, size_t len, unsigned flags, jl_event *out, jn_errinfo *err)
{
	textref refs[5] = { { 0, 0, 0 } };
	unsigned seen = 0, bit = 0, need;
	size_t k;
	fdec f;
	int rc;

	f.start = f.p = (const unsigned char *)line;
	f.flags = flags;
	f.out = out;
	f.err = err;
	f.ents = f.ents0;
	f.nents = 0;
	f.capents = FD_ENTS;
	decode_start(out, err);
	if (len > JL_LINE_MAX)
		return fd_fail(&f, "line too long");
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	f.end = f.p + len;

	fd_ws(&f);
	if (f.p == f.end || *f.p != '{') {
		rc = fd_fail(&f, "not an object");
		goto done;
	}
	f.p++;
	fd_ws(&f);
	if (f.p < f.end && *f.p == '}') {
		f.p++;
	} else {
		for (;;) {
			if (f.p == f.end || *f.p != '"') {
				rc = fd_fail(&f, "string expected");
				goto done;
			}
			if ((rc = fd_top_key(&f, &bit)) != 0)
				goto done;
			if (seen & bit) {
				rc = fd_fail(&f, "duplicate key");
				goto done;
			}
			seen |= bit;
			if ((rc = fd_expect(&f, ':')) != 0 || (rc = fd_top_value(&f, bit, refs)) != 0)
				goto done;
			fd_ws(&f);
			if (f.p < f.end && *f.p == '}') {
				f.p++;
				break;
			}
			if ((rc = fd_expect(&f, ',')) != 0)
				goto done;
		}
	}
	fd_ws(&f);
	if (f.p != f.end) {
		rc = fd_fail(&f, "end of line expected");
		goto done;
	}
	need = needed_keys(flags);
	for (k = 0; k < NTOPKEYS; k++) {
		if ((need & topkeys[k].bit) && !(seen & topkeys[k].bit)) {
			rc = fd_fail(&f, "a key is missing");
			goto done;
		}
	}
	if (!(seen & K_ID) && !(flags & JL_NOIDGEN))
		jn_uuid_generate(out->ev.id);
	if (!(seen & K_DATA) && (rc = fd_put_byte(&out->data, 0x80)) != 0)
		goto done;
	set_strs(out, refs);
	rc = 0;
done:
	if (f.ents != f.ents0)
		free(f.ents);
	return rc;
}

int
jl_decode(const char *line, size_t len, unsigned flags, jl_event *out, jn_errinfo *err)
{
	int rc = jl_decode_fast(line, len, flags, out, err);

	/* The fast parser does not explain a refusal; the reference does, in
	 * the words the messages have always had (and should the fast parser
	 * ever refuse a line wrongly, the line is still decoded right). */
	if (rc == JN_EINVALID)
		rc = jl_decode_reference(line, len, flags, out, err);
	return rc;
}

static int
str_same(jn_str a, jn_str b)
{
	if ((a.p == NULL) != (b.p == NULL) || a.n != b.n)
		return 0;
	return a.n == 0 || memcmp(a.p, b.p, a.n) == 0;
}

const char *
jl_event_diff(const jn_event *a, const jn_event *b)
{
	if (a->seq != b->seq) return "seq";
	if (memcmp(a->id, b->id, JN_ID_LEN) != 0) return "id";
	if (!str_same(a->type, b->type)) return "type";
	if (!str_same(a->stream, b->stream)) return "stream";
	if (a->version != b->version) return "version";
	if (a->expected_version != b->expected_version) return "expected_version";
	if (!str_same(a->occurred, b->occurred)) return "occurred";
	if (!str_same(a->recorded, b->recorded)) return "recorded";
	if (!str_same(a->actor, b->actor)) return "actor";
	if (a->data_len != b->data_len || memcmp(a->data, b->data, a->data_len) != 0) return "data";
	if (memcmp(a->hash, b->hash, JN_HASH_LEN) != 0) return "hash";
	return NULL;
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
