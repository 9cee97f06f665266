/*
 * jsonw.h: a streaming JSON writer (prefix pj_jw_) for the projection
 * outputs that are too large to build as a jansson tree first.
 *
 * Its bytes are those of json_dumpf(JSON_COMPACT | JSON_PRESERVE_ORDER) for
 * the same document: no spaces, keys in the order written, strings with
 * `"` and `\` escaped, \b \f \n \r \t short, other control characters as
 * \u00XX (upper-case hex, as jansson writes them), UTF-8 as is.  So a tool
 * can move from a tree to this writer and its output stays the same.
 *
 * Writing never fails loudly: the first error (a document nested too deep,
 * an end without a begin) is remembered and pj_jw_finish() returns it, so
 * call sites stay short.  Write errors of f show at pj_jw_finish() as EIO.
 */
#ifndef OYAKO_JSONW_H
#define OYAKO_JSONW_H

#include <stdint.h>
#include <stdio.h>

#include "replay.h"

#define PJ_JW_DEPTH 16

typedef struct pj_jw {
	FILE *f;
	int depth;			/* open objects and arrays */
	int err;
	char close[PJ_JW_DEPTH];	/* '}' or ']' of each open level */
	unsigned char more[PJ_JW_DEPTH];	/* the level has a member already */
} pj_jw;

void pj_jw_init(pj_jw *w, FILE *f);

/* Each value takes the key it has in the enclosing object, or NULL inside
 * an array (and for the document itself). */
void pj_jw_object(pj_jw *w, const char *key);
void pj_jw_array(pj_jw *w, const char *key);
void pj_jw_end(pj_jw *w);		/* closes the innermost object or array */

void pj_jw_str(pj_jw *w, const char *key, const char *s);	/* NULL: null */
void pj_jw_int(pj_jw *w, const char *key, int64_t v);
void pj_jw_null(pj_jw *w, const char *key);
/* "YYYY-MM-DD", or null for PJ_NODAY (table.h). */
void pj_jw_date(pj_jw *w, const char *key, int32_t day);

/* The provenance keys "at_seq" and "head_hash" of the outputs. */
void pj_jw_prov(pj_jw *w, const pj_prov *prov);

/* Ends the document with a newline and flushes f: 0, the first error
 * remembered (EINVAL: unbalanced or too deep), or EIO. */
int pj_jw_finish(pj_jw *w);

#endif
