/*
 * replay.h: the one replay loop that every projection shares (prefix pj_).
 *
 * A projection is a table of handlers indexed by jn_type.  pj_replay() reads
 * the journal through journal.h only: it opens a read transaction, walks the
 * log from seq 1 to at_seq (0: the head) and calls the handler of each live
 * event's type.  "Live" is the rule of specs/projections.md: an event that a
 * retraction with seq <= at_seq names is skipped, and so are the retractions
 * themselves, unless the projection asks for everything (PJ_ALL, the audit).
 * With an as-of day, events that occurred after it are skipped too.
 *
 * Per event the loop allocates nothing and decodes nothing but the date (and,
 * for a projection that gives a hint, the case id of a case stream):
 * handlers read the data fields they need with jn_data_get().
 */
#ifndef OYAKO_REPLAY_H
#define OYAKO_REPLAY_H

#include <stdint.h>
#include "journal.h"
#include "jsonl.h"

/* What the loop hands a handler besides the event itself. */
typedef struct pj_ev {
	const jn_event *ev;	/* valid during the call only (journal.h lifetimes) */
	int32_t day;		/* occurred as a day number (jn_date_parse) */
	int64_t stamp;		/* occurred with its time: orders events of one day */
	int retracted;		/* PJ_ALL only: 1 when a retraction names this event */
	jn_txn *txn;		/* the replay's read transaction, for look-ups */
	/* With a hint (pj_opts), the id of a "case:UUID" stream, parsed once
	 * for the hint and the handler; NULL for other streams, or without a
	 * hint. */
	const uint8_t *case_id;
} pj_ev;

/*
 * The loop reads PJ_AHEAD events ahead of the one it hands to a handler, and
 * tells a projection of each event twice before its handler sees it: stage 0
 * when it is read, PJ_AHEAD events ahead, and stage 1 halfway.  A projection
 * whose state is a hash table starts loading the slot at stage 0 and the
 * record the slot names at stage 1, so the handler finds both in the cache
 * (the lookups are random: without this, two cache misses an event).  memo
 * is one word per event, zero at stage 0, kept for stage 1.  A hint must not
 * change any state that the handlers see: it runs for events that turn out
 * retracted or later than the as-of day too.  Of the pj_ev, only ev and
 * case_id are set.
 */
#define PJ_AHEAD 16
typedef void (*pj_hint)(void *ctx, const pj_ev *e, int stage, uint64_t *memo);

/* A handler returns 0 to go on, anything else stops the replay and is
 * returned by pj_replay(). */
typedef int (*pj_handler)(void *ctx, const pj_ev *e);

#define PJ_ALL		0x1	/* feed every event, retracted ones and retractions too */
#define PJ_AS_OF	0x2	/* skip events that occurred after opts.as_of */

/*
 * retracted (may be NULL) sees the events that a retraction names, which
 * the handlers never see, whatever their occurred date; e->retracted is 1.
 * A case whose handbook.issued is retracted is the one case that may lack a
 * live handbook.issued: every case event is stored after its stream's first
 * handbook.issued (the journal refuses it otherwise), and that one passes
 * first, live or retracted.  So a projection learns which cases need a
 * second look from this hook alone, without following every case.
 */
typedef struct pj_opts {
	uint64_t at_seq;	/* replay 1..at_seq; 0: up to the head */
	int32_t as_of;		/* with PJ_AS_OF */
	unsigned flags;
	pj_handler retracted;	/* without PJ_ALL: the retracted events */
	pj_hint hint;		/* may be NULL */
} pj_opts;

/* What a report was computed from: the last seq replayed (whether that event
 * was live or not) and its chained hash.  seq 0 (hash zeros): an empty log. */
typedef struct pj_prov {
	uint64_t seq;
	uint8_t hash[JN_HASH_LEN];
	uint64_t head;		/* the journal's head seq when it was read */
	uint64_t events;	/* events read */
	uint64_t live;		/* events handed to a handler or skipped for lack of one */
} pj_prov;

/*
 * Replays env's log into handlers[type] (a NULL entry: the type is ignored),
 * passing ctx along.  On success fills *prov (may be NULL) and returns 0.
 * Returns JN_ENOTFOUND when at_seq is past the head, a handler's nonzero
 * value, or a journal error code.
 */
int pj_replay(jn_env *env, const pj_opts *opts, pj_handler const handlers[JN_T_COUNT],
    void *ctx, pj_prov *prov);

/* pj_replay() as partition part (0..nparts-1) of a replay split by case
 * (parallel.h): the events of a case stream whose pj_case_part() is not
 * part reach neither the hint, the retracted hook nor a handler; every
 * other event does.  prov counts every event all the same. */
int pj_replay_part(jn_env *env, const pj_opts *opts, pj_handler const handlers[JN_T_COUNT],
    void *ctx, pj_prov *prov, unsigned part, unsigned nparts);

/* Fast "YYYY-MM-DD[THH:MM]" to day number and stamp, for dates the journal
 * has validated.  Returns 0, or JN_EINVALID for a malformed string. */
int pj_date(jn_str s, int32_t *dayp, int64_t *stampp);

/* Days since 1970-01-01 of a (valid) civil date. */
int32_t pj_days(int y, int m, int d);

/* Parses a canonical UUID (36 chars): 0, or -1 when malformed. */
int pj_uuid_fast(const char *p, uint8_t id[JN_ID_LEN]);

/* The id of ev's stream when it is "case:<uuid>": 0, or -1 for any other
 * stream. */
int pj_case_id(const jn_event *ev, uint8_t id[JN_ID_LEN]);

/* The partition 0..n-1 of a "case:UUID" stream, from its text (no parse:
 * every partition asks it of every event); n for any other stream. */
unsigned pj_case_part(jn_str stream, unsigned n);

/* The stamp of a day without a time of day: all timed events of that day
 * sort after it. */
#define PJ_STAMP(day) ((int64_t)(day) * 1441)

/* Hex of a hash: jl_hex() of jsonl.h, 2 * JN_HASH_LEN + 1 bytes. */
#define pj_hex jl_hex

#endif
