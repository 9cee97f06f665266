/*
 * gen.h: the synthetic city of oyako-gen, shared by the files of the tool.
 *
 * The generator walks the calendar one day at a time.  Each day it runs the
 * city's scheduled changes (rooms, coordinators), holds the month's checkup
 * and handbook meeting, issues the day's handbooks (each new case draws its
 * whole timeline at once), and then writes the events that the open cases
 * have on that day.  Memory is proportional to the open cases, never to the
 * length of the log.  Everything is drawn from one PRNG seeded by --seed, in
 * a fixed order, so the same options always give the same bytes.
 */
#ifndef OYAKO_GEN_H
#define OYAKO_GEN_H

#include <stdint.h>
#include <stdio.h>

/* The event types of catalog version 1, in the order of BRIEF section 4.
 * Our own list: the generator does not need the journal library. */
enum gen_type {
	GEN_ROOM_OPENED,
	GEN_ROOM_CLOSED,
	GEN_COORD_ASSIGNED,
	GEN_COORD_LEFT,
	GEN_MEETING_HELD,
	GEN_CHECKUP_HELD,
	GEN_HANDBOOK_ISSUED,
	GEN_CLASS_ATTENDED,
	GEN_INTERVIEW_8MONTH,
	GEN_BIRTH_REGISTERED,
	GEN_HAPPYBABY_CONTACT,
	GEN_CHECKUP_ATTENDED,
	GEN_ROOM_VISITED,
	GEN_REFERRAL_MADE,
	GEN_SUPPORT_FLAGGED,
	GEN_SUPPORT_CLEARED,
	GEN_CASE_TRANSFERRED,
	GEN_CASE_CLOSED,
	GEN_EVENT_RETRACTED,
	GEN_NTYPES
};

extern const char *const gen_type_names[GEN_NTYPES];

struct gen_opts {
	uint64_t births;	/* births a year */
	unsigned years;		/* fiscal years generated after the run-in year */
	int fy;			/* first fiscal year reported */
	uint64_t seed;
	int32_t until;		/* no event is recorded after this day */
	FILE *persons;		/* --persons: person data of each case, or NULL */
};

struct gen_stats {
	uint64_t by_type[GEN_NTYPES];
	uint64_t events;
	uint64_t cases;
	int32_t first, last;	/* first and last day written (last < first: none) */
};

/* Writes the event log of the city described by o to out (JSON Lines).
 * Returns 0, ENOMEM, or the errno of a failed write. */
int gen_run(const struct gen_opts *o, FILE *out, struct gen_stats *st);

/* names.c: writes one line of made-up person data (JSON, for `oyako person
 * import`) for a case, drawn from seed and serial alone.  0 or an errno. */
int gen_person(FILE *f, uint64_t seed, uint64_t serial, const char *case_id, const char *district,
    int32_t issue);

#endif
