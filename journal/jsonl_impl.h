/*
 * jsonl_impl.h: the two decoders behind jl_decode(), for the differential
 * tests, the fuzz target and the benchmark.  Not installed.
 *
 * jl_decode() runs jl_decode_fast(), a hand-written single-pass parser, and
 * when that refuses a line runs jl_decode_reference() (jansson, then a walk
 * of its tree) for the message: so messages are exactly the reference's, and
 * a line the fast parser wrongly refused is still decoded right.  Both take
 * jl_decode()'s arguments and give the same results on every line: both
 * accept with identical events, or both refuse (the fast parser's message is
 * only a hint for debugging, "fast: ...", and names no field).
 */
#ifndef OYAKO_JSONL_IMPL_H
#define OYAKO_JSONL_IMPL_H

#include "jsonl.h"

/* Leave the id all zeros when the line has none, instead of generating a
 * random one, so that two decodes of a line can be compared. */
#define JL_NOIDGEN	0x100

int jl_decode_fast(const char *line, size_t len, unsigned flags, jl_event *out, jn_errinfo *err);
int jl_decode_reference(const char *line, size_t len, unsigned flags, jl_event *out, jn_errinfo *err);

/* The first field in which two decoded events differ ("id", "data", ...),
 * or NULL when they are the same event.  A string absent (NULL) differs
 * from an empty one. */
const char *jl_event_diff(const jn_event *a, const jn_event *b);

#endif
