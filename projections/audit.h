/*
 * audit.h: the audit trail (prefix pj_audit_): corrections, back-dated
 * entries and counts per actor over a seq range or a fiscal year, replaying
 * everything (retracted events and retractions included).
 */
#ifndef OYAKO_AUDIT_H
#define OYAKO_AUDIT_H

#include <stdint.h>

#include "names.h"
#include "replay.h"

typedef struct pj_actor {
	uint64_t events;	/* events recorded in the range */
	uint64_t corrections;	/* retractions recorded */
	uint64_t backdated;
	uint64_t retracted;	/* their events that a retraction in the range names */
} pj_actor;

typedef struct pj_audit {
	/* The selection: seq from..to (to 0: the head) and, with fy set, only
	 * events that occurred in that fiscal year. */
	uint64_t from_seq, to_seq;
	int fy;			/* 0: any date */
	int32_t from_day, to_day;
	int late_days;		/* back-dated: recorded (JST day) - occurred > late_days */
	/* Results: seqs of the retractions; the back-dated events are only
	 * counted (a bulk import back-dates everything: millions), and
	 * pj_audit_backdated() walks them again for the output. */
	uint64_t *corrections;
	size_t ncorrections, ccap;
	size_t nbackdated;
	pj_names *actors;
	pj_actor *counts;	/* indexed like actors */
	size_t kcap;
} pj_audit;

/* Runs the audit: a's selection fields set by the caller, the rest zero.
 * 0 or an error code; release with pj_audit_free() whatever the result. */
int pj_audit_run(jn_env *env, uint64_t at_seq, pj_audit *a, pj_prov *prov);
void pj_audit_free(pj_audit *a);

/* After pj_audit_run() (with a->to_seq set to the last seq it read): calls
 * fn for each back-dated event of the selection, in seq order, with the
 * days between occurred and recorded (Japan).  Reads txn, a snapshot that
 * holds those seqs (the log only grows).  0, fn's nonzero value, or a
 * journal error. */
typedef int (*pj_backdated_fn)(void *ctx, const jn_event *ev, int64_t days);
int pj_audit_backdated(jn_txn *txn, const pj_audit *a, pj_backdated_fn fn, void *ctx);

/* The day (in Japan) of a recorded time "YYYY-MM-DDTHH:MM:SS.ffffffZ". */
int pj_recorded_day(jn_str recorded, int32_t *dayp);

#endif
