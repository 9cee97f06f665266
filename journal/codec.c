/*
 * codec.c: the stored layout of an event and a small zero-copy MessagePack
 * reader.  msgpack-c's unpacker builds an object tree in a zone for every
 * event; replay touches a few fields of millions of events, so it reads the
 * bytes in place instead.  tests/unit/test_codec.c checks this reader against
 * msgpack-c on the same bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "internal.h"

#define MAX_DEPTH 16

typedef struct mp_rd {
	const uint8_t *p, *end;
} mp_rd;

static int
need(const mp_rd *r, size_t n)
{
	return (size_t)(r->end - r->p) >= n;
}

static uint64_t
be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Reads the header of the next object: kind, its scalar value, and for
 * str/bin/ext the payload length, for array/map the element count.  Leaves
 * r->p after the header (before a payload or the elements). */
static int
rd_head(mp_rd *r, jn_value *v, uint64_t *len)
{
	uint8_t c;
	int n = 0;

	if (!need(r, 1))
		return JN_ECORRUPT;
	c = *r->p++;
	memset(v, 0, sizeof *v);
	*len = 0;
	if (c <= 0x7f) {
		v->kind = JN_V_INT;
		v->i = c;
		return 0;
	}
	if (c >= 0xe0) {
		v->kind = JN_V_INT;
		v->i = (int8_t)c;
		return 0;
	}
	if ((c & 0xf0) == 0x80 || (c & 0xf0) == 0x90) {
		v->kind = (c & 0xf0) == 0x80 ? JN_V_MAP : JN_V_ARRAY;
		*len = c & 0x0f;
		return 0;
	}
	if ((c & 0xe0) == 0xa0) {
		v->kind = JN_V_STR;
		*len = c & 0x1f;
		return 0;
	}
	switch (c) {
	case 0xc0: v->kind = JN_V_NIL; return 0;
	case 0xc2: v->kind = JN_V_BOOL; v->b = 0; return 0;
	case 0xc3: v->kind = JN_V_BOOL; v->b = 1; return 0;
	case 0xcc: case 0xcd: case 0xce: case 0xcf:
		n = 1 << (c - 0xcc);
		if (!need(r, (size_t)n))
			return JN_ECORRUPT;
		{
			uint64_t u = be(r->p, n);
			r->p += n;
			if (u > INT64_MAX) {
				v->kind = JN_V_OTHER;
				return 0;
			}
			v->kind = JN_V_INT;
			v->i = (int64_t)u;
		}
		return 0;
	case 0xd0: case 0xd1: case 0xd2: case 0xd3:
		n = 1 << (c - 0xd0);
		if (!need(r, (size_t)n))
			return JN_ECORRUPT;
		{
			uint64_t u = be(r->p, n);
			r->p += n;
			v->kind = JN_V_INT;
			if (n == 1) v->i = (int8_t)u;
			else if (n == 2) v->i = (int16_t)u;
			else if (n == 4) v->i = (int32_t)u;
			else v->i = (int64_t)u;
		}
		return 0;
	case 0xca: v->kind = JN_V_OTHER; *len = 4; return 0;	/* float 32 */
	case 0xcb: v->kind = JN_V_OTHER; *len = 8; return 0;	/* float 64 */
	case 0xd9: case 0xda: case 0xdb:
		v->kind = JN_V_STR;
		n = 1 << (c - 0xd9);
		break;
	case 0xc4: case 0xc5: case 0xc6:
		v->kind = JN_V_OTHER;	/* bin */
		n = 1 << (c - 0xc4);
		break;
	case 0xdc: case 0xdd:
		v->kind = JN_V_ARRAY;
		n = c == 0xdc ? 2 : 4;
		break;
	case 0xde: case 0xdf:
		v->kind = JN_V_MAP;
		n = c == 0xde ? 2 : 4;
		break;
	case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:	/* fixext */
		v->kind = JN_V_OTHER;
		*len = 1 + ((uint64_t)1 << (c - 0xd4));
		return 0;
	case 0xc7: case 0xc8: case 0xc9:	/* ext */
		v->kind = JN_V_OTHER;
		n = 1 << (c - 0xc7);
		if (!need(r, (size_t)n))
			return JN_ECORRUPT;
		*len = be(r->p, n) + 1;
		r->p += n;
		return 0;
	default:
		return JN_ECORRUPT;	/* 0xc1 is never used */
	}
	if (!need(r, (size_t)n))
		return JN_ECORRUPT;
	*len = be(r->p, n);
	r->p += n;
	return 0;
}

/* Skips one whole object. */
static int
rd_skip(mp_rd *r, int depth)
{
	jn_value v;
	uint64_t len, i, count;
	int rc;

	if (depth > MAX_DEPTH)
		return JN_ECORRUPT;
	if ((rc = rd_head(r, &v, &len)) != 0)
		return rc;
	if (v.kind == JN_V_ARRAY || v.kind == JN_V_MAP) {
		count = v.kind == JN_V_MAP ? len * 2 : len;
		/* Each element takes at least one byte: a cheap bound on garbage. */
		if (count > (uint64_t)(r->end - r->p))
			return JN_ECORRUPT;
		for (i = 0; i < count; i++)
			if ((rc = rd_skip(r, depth + 1)) != 0)
				return rc;
		return 0;
	}
	if (len > (uint64_t)(r->end - r->p))
		return JN_ECORRUPT;
	r->p += len;
	return 0;
}

/* Reads one value into v (str payload, array/map positioned at the first
 * element), and leaves r after the whole value. */
static int
rd_value(mp_rd *r, jn_value *v)
{
	const uint8_t *start = r->p;
	uint64_t len;
	int rc;

	if ((rc = rd_head(r, v, &len)) != 0)
		return rc;
	switch (v->kind) {
	case JN_V_STR:
		if (len > (uint64_t)(r->end - r->p))
			return JN_ECORRUPT;
		v->s.p = (const char *)r->p;
		v->s.n = (size_t)len;
		r->p += len;
		return 0;
	case JN_V_ARRAY:
	case JN_V_MAP:
		if (len > UINT32_MAX)
			return JN_ECORRUPT;
		v->n = (uint32_t)len;
		v->p = r->p;
		v->end = r->end;
		r->p = start;
		return rd_skip(r, 0);
	case JN_V_OTHER:
		if (len > (uint64_t)(r->end - r->p))
			return JN_ECORRUPT;
		r->p += len;
		return 0;
	default:
		return 0;
	}
}

int
jn_data_get(const uint8_t *data, size_t len, const char *key, jn_value *v)
{
	mp_rd r = { data, data + len };
	jn_value m, k;
	size_t klen = strlen(key);
	uint64_t n, i;
	int rc;

	if ((rc = rd_head(&r, &m, &n)) != 0)
		return rc;
	if (m.kind != JN_V_MAP)
		return JN_ECORRUPT;
	for (i = 0; i < n; i++) {
		if ((rc = rd_value(&r, &k)) != 0)
			return rc;
		if (k.kind == JN_V_STR && k.s.n == klen && memcmp(k.s.p, key, klen) == 0)
			return rd_value(&r, v);
		if ((rc = rd_skip(&r, 1)) != 0)
			return rc;
	}
	memset(v, 0, sizeof *v);
	v->kind = JN_V_NONE;
	return 0;
}

int
jn_array_next(jn_value *arr, jn_value *elem)
{
	mp_rd r;
	int rc;

	if (arr->kind != JN_V_ARRAY || arr->n == 0)
		return JN_END;
	r.p = arr->p;
	r.end = arr->end;
	if ((rc = rd_value(&r, elem)) != 0)
		return rc;
	arr->p = r.p;
	arr->n--;
	return 0;
}

/* ---- writing ---- */

static void
w_bytes(jn_buf *b, const void *p, size_t n)
{
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
w_byte(jn_buf *b, uint8_t c)
{
	b->p[b->n++] = c;
}

static void
w_be(jn_buf *b, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--)
		b->p[b->n + (size_t)i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	b->n += (size_t)n;
}

/* The smallest encodings (callers reserve 9 bytes + payload). */
static void
w_uint(jn_buf *b, uint64_t v)
{
	if (v <= 0x7f) {
		w_byte(b, (uint8_t)v);
	} else if (v <= 0xff) {
		w_byte(b, 0xcc); w_be(b, v, 1);
	} else if (v <= 0xffff) {
		w_byte(b, 0xcd); w_be(b, v, 2);
	} else if (v <= 0xffffffff) {
		w_byte(b, 0xce); w_be(b, v, 4);
	} else {
		w_byte(b, 0xcf); w_be(b, v, 8);
	}
}

static void
w_int(jn_buf *b, int64_t v)
{
	if (v >= 0) {
		w_uint(b, (uint64_t)v);
	} else if (v >= -32) {
		w_byte(b, (uint8_t)(int8_t)v);
	} else if (v >= INT8_MIN) {
		w_byte(b, 0xd0); w_be(b, (uint64_t)v, 1);
	} else if (v >= INT16_MIN) {
		w_byte(b, 0xd1); w_be(b, (uint64_t)v, 2);
	} else if (v >= INT32_MIN) {
		w_byte(b, 0xd2); w_be(b, (uint64_t)v, 4);
	} else {
		w_byte(b, 0xd3); w_be(b, (uint64_t)v, 8);
	}
}

static void
w_str(jn_buf *b, jn_str s)
{
	if (s.n <= 31) {
		w_byte(b, (uint8_t)(0xa0 | s.n));
	} else if (s.n <= 0xff) {
		w_byte(b, 0xd9); w_be(b, s.n, 1);
	} else if (s.n <= 0xffff) {
		w_byte(b, 0xda); w_be(b, s.n, 2);
	} else {
		w_byte(b, 0xdb); w_be(b, s.n, 4);
	}
	if (s.n)
		w_bytes(b, s.p, s.n);
}

static void
w_count(jn_buf *b, uint8_t fix, uint8_t c16, uint64_t n)
{
	if (n <= 15) {
		w_byte(b, (uint8_t)(fix | n));
	} else if (n <= 0xffff) {
		w_byte(b, c16); w_be(b, n, 2);
	} else {
		w_byte(b, (uint8_t)(c16 + 1)); w_be(b, n, 4);
	}
}

int
jn_encode_stored(jn_buf *b, const uint8_t prev[JN_HASH_LEN], const jn_event *ev,
    uint8_t hash[JN_HASH_LEN], const uint8_t **valp, size_t *vallenp)
{
	size_t need_n;

	need_n = JN_HASH_LEN + 1 + 1 + 9 + 2 + JN_ID_LEN + 5 * 5 + 9 + ev->type.n +
	    ev->stream.n + ev->occurred.n + ev->recorded.n + ev->actor.n + ev->data_len + 2 + JN_HASH_LEN;
	b->n = 0;
	if (jn_buf_reserve(b, need_n) != 0)
		return ENOMEM;
	w_bytes(b, prev, JN_HASH_LEN);
	w_byte(b, 0x9a);		/* the hashed body: an array of 10 */
	w_uint(b, JN_EVENT_FORMAT);
	w_uint(b, ev->seq);
	w_byte(b, 0xc4); w_byte(b, JN_ID_LEN); w_bytes(b, ev->id, JN_ID_LEN);
	w_str(b, ev->type);
	w_str(b, ev->stream);
	w_uint(b, ev->version);
	w_str(b, ev->occurred);
	w_str(b, ev->recorded);
	w_str(b, ev->actor);
	w_bytes(b, ev->data, ev->data_len);
	crypto_generichash(hash, JN_HASH_LEN, b->p, b->n, NULL, 0);
	w_byte(b, 0xc4); w_byte(b, JN_HASH_LEN); w_bytes(b, hash, JN_HASH_LEN);
	/* The stored value is the same elements under an array of 11. */
	b->p[JN_HASH_LEN] = 0x9b;
	*valp = b->p + JN_HASH_LEN;
	*vallenp = b->n - JN_HASH_LEN;
	return 0;
}

int
jn_hash_stored(const uint8_t *val, size_t n, const uint8_t prev[JN_HASH_LEN],
    uint8_t hash[JN_HASH_LEN])
{
	crypto_generichash_state st;
	static const uint8_t body = 0x9a;

	if (n < 1 + 2 + JN_HASH_LEN)
		return JN_ECORRUPT;
	crypto_generichash_init(&st, NULL, 0, JN_HASH_LEN);
	crypto_generichash_update(&st, prev, JN_HASH_LEN);
	crypto_generichash_update(&st, &body, 1);
	crypto_generichash_update(&st, val + 1, n - 1 - 2 - JN_HASH_LEN);
	crypto_generichash_final(&st, hash, JN_HASH_LEN);
	return 0;
}

/* The stored layout always uses the smallest encodings, so the decoder takes
 * the short forms inline and leaves anything else to rd_head(). */
static inline int
rd_str(mp_rd *r, jn_str *s)
{
	jn_value v;
	uint64_t len;
	uint8_t c;
	int rc;

	if (r->p < r->end) {
		c = *r->p;
		if ((c & 0xe0) == 0xa0) {
			len = c & 0x1f;
			r->p++;
			goto payload;
		}
		if (c == 0xd9 && r->end - r->p >= 2) {
			len = r->p[1];
			r->p += 2;
			goto payload;
		}
	}
	if ((rc = rd_head(r, &v, &len)) != 0)
		return rc;
	if (v.kind != JN_V_STR)
		return JN_ECORRUPT;
payload:
	if (len > (uint64_t)(r->end - r->p))
		return JN_ECORRUPT;
	s->p = (const char *)r->p;
	s->n = (size_t)len;
	r->p += len;
	return 0;
}

static inline int
rd_uint(mp_rd *r, uint64_t *u)
{
	jn_value v;
	uint64_t len;
	int rc;

	if (r->p < r->end && *r->p <= 0x7f) {
		*u = *r->p++;
		return 0;
	}
	rc = rd_head(r, &v, &len);
	if (rc == 0 && (v.kind != JN_V_INT || v.i < 0))
		rc = JN_ECORRUPT;
	*u = (uint64_t)v.i;
	return rc;
}

int
jn_decode_stored(const uint8_t *p, size_t n, jn_event *ev)
{
	mp_rd r = { p, p + n };
	uint64_t fmt, u;
	int rc;

	if (n < 1 + 2 + JN_HASH_LEN || p[0] != 0x9b)
		return JN_ECORRUPT;
	r.p++;
	/* The hash is the fixed tail: bin8 of 32 bytes. */
	r.end = p + n - 2 - JN_HASH_LEN;
	if (r.end[0] != 0xc4 || r.end[1] != JN_HASH_LEN)
		return JN_ECORRUPT;
	if ((rc = rd_uint(&r, &fmt)) != 0)
		return rc;
	if (fmt != JN_EVENT_FORMAT)
		return fmt > JN_EVENT_FORMAT ? JN_EFORMAT : JN_ECORRUPT;
	if ((rc = rd_uint(&r, &ev->seq)) != 0)
		return rc;
	if (!need(&r, 2 + JN_ID_LEN) || r.p[0] != 0xc4 || r.p[1] != JN_ID_LEN)
		return JN_ECORRUPT;
	memcpy(ev->id, r.p + 2, JN_ID_LEN);
	r.p += 2 + JN_ID_LEN;
	if ((rc = rd_str(&r, &ev->type)) != 0 || (rc = rd_str(&r, &ev->stream)) != 0)
		return rc;
	if ((rc = rd_uint(&r, &u)) != 0)
		return rc;
	if (u > UINT32_MAX)
		return JN_ECORRUPT;
	ev->version = (uint32_t)u;
	if ((rc = rd_str(&r, &ev->occurred)) != 0 || (rc = rd_str(&r, &ev->recorded)) != 0 ||
	    (rc = rd_str(&r, &ev->actor)) != 0)
		return rc;
	/* data runs up to the hash; a map header first. */
	if (r.p >= r.end || !((*r.p & 0xf0) == 0x80 || *r.p == 0xde || *r.p == 0xdf))
		return JN_ECORRUPT;
	ev->data = r.p;
	ev->data_len = (size_t)(r.end - r.p);
	memcpy(ev->hash, r.end + 2, JN_HASH_LEN);
	ev->type_code = jn_type_of(ev->type);
	ev->expected_version = JN_ANY_VERSION;
	return 0;
}

/* ---- canonical data ---- */

typedef struct entry {
	jn_str key;
	const uint8_t *val, *val_end;
} entry;

static int
entry_cmp(const void *a, const void *b)
{
	const entry *x = a, *y = b;
	size_t n = x->key.n < y->key.n ? x->key.n : y->key.n;
	int c = n ? memcmp(x->key.p, y->key.p, n) : 0;
	if (c)
		return c;
	return (x->key.n > y->key.n) - (x->key.n < y->key.n);
}

/* Size of the smallest header for v (to tell whether it was minimal). */
static size_t
min_head(const jn_value *v, uint64_t len)
{
	switch (v->kind) {
	case JN_V_INT:
		if (v->i >= -32 && v->i <= 127) return 1;
		if (v->i >= INT8_MIN && v->i <= 255) return 2;
		if (v->i >= INT16_MIN && v->i <= 65535) return 3;
		if (v->i >= INT32_MIN && v->i <= 0xffffffffLL) return 5;
		return 9;
	case JN_V_STR:
		return len <= 31 ? 1 : len <= 0xff ? 2 : len <= 0xffff ? 3 : 5;
	case JN_V_ARRAY:
	case JN_V_MAP:
		return len <= 15 ? 1 : len <= 0xffff ? 3 : 5;
	default:
		return 1;
	}
}

static int
fail_err(jn_errinfo *err, const char *field, const char *msg)
{
	if (err) {
		snprintf(err->field, sizeof err->field, "%s", field);
		snprintf(err->msg, sizeof err->msg, "%s", msg);
	}
	return JN_EINVALID;
}

/* An error in the value of data key `key` (NULL: the map itself).  The
 * field name is formatted only here: validation runs for every event. */
static int
fail_key(jn_errinfo *err, jn_str key, const char *msg)
{
	char field[64];

	if (key.p == NULL)
		return fail_err(err, "data", msg);
	snprintf(field, sizeof field, "data.%.*s", (int)(key.n > 40 ? 40 : key.n), key.p);
	return fail_err(err, field, msg);
}

/* Checks one scalar; *canon cleared when its encoding is not minimal. */
static int
scalar(mp_rd *r, jn_value *v, int *canon, jn_errinfo *err, jn_str key)
{
	const uint8_t *start = r->p;
	uint64_t len;

	if (rd_head(r, v, &len) != 0)
		return fail_key(err, key, "malformed MessagePack");
	if (v->kind == JN_V_OTHER)
		return fail_key(err, key, "value of an unsupported type (float, binary or extension)");
	if ((size_t)(r->p - start) != min_head(v, len))
		*canon = 0;
	if (v->kind == JN_V_STR) {
		if (len > (uint64_t)(r->end - r->p))
			return fail_key(err, key, "malformed MessagePack");
		v->s.p = (const char *)r->p;
		v->s.n = (size_t)len;
		r->p += len;
	}
	if (v->kind == JN_V_ARRAY || v->kind == JN_V_MAP)
		v->n = (uint32_t)(len > UINT32_MAX ? UINT32_MAX : len);
	return 0;
}

static void w_value_canon(jn_buf *b, mp_rd *r);

/* Writes one scalar or array of scalars in its smallest form. */
static void
w_value_canon(jn_buf *b, mp_rd *r)
{
	jn_value v;
	uint64_t len;

	(void)rd_head(r, &v, &len);	/* already checked */
	switch (v.kind) {
	case JN_V_NIL: w_byte(b, 0xc0); break;
	case JN_V_BOOL: w_byte(b, v.b ? 0xc3 : 0xc2); break;
	case JN_V_INT: w_int(b, v.i); break;
	case JN_V_STR:
		v.s.p = (const char *)r->p;
		v.s.n = (size_t)len;
		r->p += len;
		w_str(b, v.s);
		break;
	case JN_V_ARRAY:
		w_count(b, 0x90, 0xdc, len);
		for (uint64_t i = 0; i < len; i++)
			w_value_canon(b, r);
		break;
	default:
		break;
	}
}

int
jn_data_canon(const uint8_t *data, size_t len, jn_buf *out, int *canonp, jn_errinfo *err)
{
	mp_rd r = { data, data + len };
	jn_value m, k, v, e;
	uint64_t n, i, j;
	entry small[16], *ents = NULL;
	int canon = 1, rc = 0;
	const jn_str nokey = { NULL, 0 };

	if (data == NULL || len == 0)
		return fail_err(err, "data", "missing (must be a map)");
	if (len > JN_MAX_DATA)
		return fail_err(err, "data", "too large (more than 64 KiB)");
	if (rd_head(&r, &m, &n) != 0 || m.kind != JN_V_MAP)
		return fail_err(err, "data", "must be a map");
	if ((size_t)(r.p - data) != min_head(&m, n))
		canon = 0;
	if (n > (uint64_t)(r.end - r.p))
		return fail_err(err, "data", "malformed MessagePack");
	/* Catalog maps have a handful of keys: no allocation for those. */
	ents = n <= 16 ? small : calloc(n, sizeof *ents);
	if (ents == NULL)
		return ENOMEM;
	for (i = 0; i < n; i++) {
		if ((rc = scalar(&r, &k, &canon, err, nokey)) != 0)
			goto done;
		if (k.kind != JN_V_STR) {
			rc = fail_err(err, "data", "map key is not a string");
			goto done;
		}
		if (k.s.n == 0 || jn_check_text(k.s, 64) != 0) {
			rc = fail_key(err, k.s, "field name is empty, too long or not printable UTF-8");
			goto done;
		}
		ents[i].key = k.s;
		ents[i].val = r.p;
		if ((rc = scalar(&r, &v, &canon, err, k.s)) != 0)
			goto done;
		if (v.kind == JN_V_MAP) {
			rc = fail_key(err, k.s, "nested maps are not allowed");
			goto done;
		}
		if (v.kind == JN_V_ARRAY) {
			if (v.n > JN_MAX_ARRAY) {
				rc = fail_key(err, k.s, "array too long");
				goto done;
			}
			for (j = 0; j < v.n; j++) {
				if ((rc = scalar(&r, &e, &canon, err, k.s)) != 0)
					goto done;
				if (e.kind == JN_V_ARRAY || e.kind == JN_V_MAP) {
					rc = fail_key(err, k.s, "nested arrays are not allowed");
					goto done;
				}
			}
		}
		ents[i].val_end = r.p;
		if (i > 0) {
			int c = entry_cmp(&ents[i - 1], &ents[i]);
			if (c > 0)
				canon = 0;
			if (c == 0) {
				rc = fail_key(err, k.s, "field given twice");
				goto done;
			}
		}
	}
	if (r.p != r.end) {
		rc = fail_err(err, "data", "trailing bytes after the map");
		goto done;
	}
	if (!canon || out) {
		qsort(ents, n, sizeof *ents, entry_cmp);
		for (i = 1; i < n; i++) {
			if (entry_cmp(&ents[i - 1], &ents[i]) == 0) {
				rc = fail_key(err, ents[i].key, "field given twice");
				goto done;
			}
		}
	}
	if (!canon && out) {
		/* Canonical output is never larger than the input plus headers. */
		out->n = 0;
		if ((rc = jn_buf_reserve(out, len + 16)) != 0)
			goto done;
		w_count(out, 0x80, 0xde, n);
		for (i = 0; i < n; i++) {
			mp_rd vr = { ents[i].val, ents[i].val_end };
			w_str(out, ents[i].key);
			w_value_canon(out, &vr);
		}
	}
	*canonp = canon;
done:
	if (ents != small)
		free(ents);
	return rc;
}
