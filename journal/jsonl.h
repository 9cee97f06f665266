/*
 * jsonl.h: the JSON Lines exchange format of the journal (specs/jsonl.md).
 *
 * jl_decode() turns one line of `append`/`import` input into a jn_event that
 * jn_append() or jn_restore() accepts; jl_encode() turns a stored event into
 * one line of `export` output.  Part of liboyako, so that intake programs can
 * read and write the same format as the oyako tool.
 *
 * Every function that can fail returns 0 or a JN_E* code of journal.h (or an
 * errno value such as ENOMEM).  Nothing here prints or exits.
 */
#ifndef OYAKO_JSONL_H
#define OYAKO_JSONL_H

#include <stddef.h>
#include <stdint.h>

#include "journal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A growable byte buffer.  Zero-initialise it ({0}); jl_buf_free() releases
 * it and accepts an empty one.  p is not NUL-terminated unless said so. */
typedef struct jl_buf {
	char *p;
	size_t n;
	size_t cap;
} jl_buf;

int jl_buf_reserve(jl_buf *b, size_t more);	/* 0 or ENOMEM */
void jl_buf_free(jl_buf *b);

/* jl_decode() flags */
#define JL_RESTORE	0x1	/* seq, version, recorded and hash are required and kept */
#define JL_NOACTOR	0x2	/* a missing actor is not an error: ev.actor.p is NULL then */

/* The longest line jl_decode() accepts and the deepest nesting of data. */
#define JL_LINE_MAX	(16u << 20)
#define JL_DEPTH_MAX	32

/*
 * A decoded event and the memory that backs it.  Zero-initialise it ({0}),
 * decode any number of lines into it (the buffers are reused), and release
 * it with jl_event_free().  The strings and data of ev point into the
 * jl_event and stay valid until the next jl_decode() on it or
 * jl_event_free().
 */
typedef struct jl_event {
	jn_event ev;
	jl_buf text;	/* the string fields, one after another */
	jl_buf data;	/* the canonical MessagePack map of data */
} jl_event;

void jl_event_free(jl_event *e);	/* accepts NULL */

/*
 * Decodes the JSON object line[0..len) (no newline needed; a trailing one is
 * allowed) into out->ev.  The id is generated when absent; expected_version
 * is JN_ANY_VERSION when absent.  data becomes a canonical MessagePack map
 * (keys sorted by their bytes, smallest integer encodings).
 * Returns 0, JN_EINVALID with err (may be NULL) naming the field ("id",
 * "data.due_date", "data.cases[2]"; empty when the whole line is at fault)
 * and why, or ENOMEM.
 */
int jl_decode(const char *line, size_t len, unsigned flags, jl_event *out, jn_errinfo *err);

/*
 * Appends one export line for ev, with its newline, to out:
 * {"seq":1,"id":"..","type":"..","stream":"..","version":1,"occurred":"..",
 *  "recorded":"..","actor":"..","data":{..},"hash":".."}
 * Compact, keys in that order, data keys in stored order, non-ASCII UTF-8 as
 * is.  Returns 0, ENOMEM, or JN_ECORRUPT when data holds something that JSON
 * cannot carry (a float, bin or ext value) or is not well-formed; then out
 * is left as it was.
 */
int jl_encode(const jn_event *ev, jl_buf *out);

/* Appends the MessagePack value at v[0..len) as compact JSON to out;
 * *usedp (may be NULL) gets the bytes the value took.  Same errors. */
int jl_encode_value(const uint8_t *v, size_t len, jl_buf *out, size_t *usedp);

/* Appends s as a JSON string (quoted, escaped) to out.  0 or ENOMEM. */
int jl_encode_str(jn_str s, jl_buf *out);

/*
 * Walks the entries of a MessagePack map (as stored in jn_event.data):
 *
 *	jl_map m; jn_str key; const uint8_t *v; size_t vlen;
 *	if ((rc = jl_map_open(&m, ev.data, ev.data_len)) != 0) ...
 *	while ((rc = jl_map_next(&m, &key, &v, &vlen)) == 0) ...
 *
 * jl_map_next() gives each key and the bytes of its value, then JN_END;
 * JN_ECORRUPT when the bytes are not a well-formed map.
 */
typedef struct jl_map {
	const uint8_t *p;
	const uint8_t *end;
	uint32_t left;
} jl_map;

int jl_map_open(jl_map *m, const uint8_t *data, size_t len);
int jl_map_next(jl_map *m, jn_str *key, const uint8_t **vp, size_t *vlenp);

/* Reads the MessagePack value at v[0..len) into out (jn_value of
 * journal.h); *usedp (may be NULL) gets the bytes of the whole value.  For an
 * array or map, out->n is its count, out->p its first element and out->end
 * the end of the value.  0 or JN_ECORRUPT (float, bin, ext or truncated). */
int jl_value_read(const uint8_t *v, size_t len, jn_value *out, size_t *usedp);

/* Lowercase hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void jl_hex(const uint8_t *p, size_t n, char *out);

#ifdef __cplusplus
}
#endif
#endif
