/*
 * annual.h: the five tables of the yearly report for a fiscal year (prefix
 * pj_annual_), rule by rule as in specs/projections.md "Annual tables".
 */
#ifndef OYAKO_ANNUAL_H
#define OYAKO_ANNUAL_H

#include <stdint.h>

#include "cases.h"

enum { PJ_IV_GROUP, PJ_IV_INDIVIDUAL, PJ_IV_VISIT, PJ_IV_COUNT };
enum { PJ_HB_HOME, PJ_HB_ROOM, PJ_HB_CHECKUP, PJ_HB_COUNT };
extern const char *const pj_iv_modes[PJ_IV_COUNT];
extern const char *const pj_hb_modes[PJ_HB_COUNT];

typedef struct pj_room {
	uint32_t code;		/* names index */
	uint32_t name, name_en;	/* of the latest room.opened up to March 31; PJ_NONE */
	pj_when first;		/* its first room.opened */
	pj_when named;		/* the room.opened that gives the name */
	pj_when before;		/* its latest opened/closed before April 1 */
	int open_before;	/* that one was a room.opened */
	int opened_in_fy;
	uint64_t groups, couples;
} pj_room;

typedef struct pj_annual {
	int fy;
	int32_t from, to;	/* April 1 and March 31 */
	uint64_t meetings;	/* handbook meetings held */
	uint64_t checkups;	/* checkup.held of kind 3-4m */
	uint64_t interviews[PJ_IV_COUNT];
	uint64_t happybaby[PJ_HB_COUNT];
	pj_room *rooms;		/* after pj_annual_run: the rooms to list, in order */
	size_t nrooms, nlisted, rcap;
	/* The cases with a retracted handbook.issued, the only ones that may
	 * not exist (replay.h): usually few, so the table stays small. */
	pj_model m;
	struct pj_pending *pending;
	size_t npending, pcap;
} pj_annual;

/* Replays env (1..at_seq, 0: all) into a, for fiscal year fy.  a need not be
 * initialised; release it with pj_annual_free() whatever the result. */
int pj_annual_run(jn_env *env, uint64_t at_seq, int fy, pj_annual *a, pj_prov *prov);
void pj_annual_free(pj_annual *a);

#endif
