/*
 * cases.h: the case model (prefix pj_): the state of every case and every
 * coordinator as of one date D, built by one replay and evaluated by the
 * rules of BRIEF section 7 / specs/projections.md.
 *
 * The replay runs with PJ_AS_OF: events that occurred after D never reach
 * the model, so the state held is the state at D and each record keeps only
 * what the rules ask (the latest of a kind, compared by occurred then seq),
 * never the events: memory grows with cases and staff, not with the log.
 */
#ifndef OYAKO_CASES_H
#define OYAKO_CASES_H

#include <stdint.h>

#include "names.h"
#include "replay.h"
#include "table.h"
#include "jsonw.h"

/* An order key: "latest" compares occurred (stamp), then seq. */
typedef struct pj_when {
	int64_t stamp;
	uint64_t seq;		/* 0: never happened */
} pj_when;

/* 1 when a is later than b (a happened, b may not have). */
int pj_when_after(const pj_when *a, const pj_when *b);

#define PJ_NONE UINT32_MAX

/* 112 bytes (152 with a day in each pj_when and a byte per flag): the
 * table holds every open case and a replay looks one up per event. */
typedef struct pj_case {
	uint8_t id[JN_ID_LEN];
	pj_when transfer;	/* the latest case.transferred */
	pj_when support;	/* the latest support source */
	pj_when cleared;	/* the latest support.cleared */
	pj_when handbook;	/* the live handbook.issued */
	uint32_t district;	/* from handbook.issued (names index) */
	uint32_t tr_district;	/* the latest case.transferred, PJ_NONE: none */
	int32_t issued, due, birth, last_contact;
	int32_t support_day;	/* the day of support */
	uint16_t children;
	uint8_t support_src;	/* 0, or JN_T_HANDBOOK_ISSUED / JN_T_SUPPORT_FLAGGED */
	unsigned exists : 1;	/* a live handbook.issued was seen */
	unsigned closed : 1;
	unsigned interview : 1;	/* interview.8month seen */
	unsigned happybaby : 1;
	unsigned checkup : 1;	/* checkup.attended seen */
	unsigned shared : 1;	/* listed by a handbook meeting */
	unsigned born : 1;
	unsigned keep : 1;	/* a handbook.issued of it was retracted: never evicted */
} pj_case;

typedef struct pj_staff {
	uint32_t code;		/* names index of "C01" (the stream's tail) */
	uint32_t room;		/* names index of the latest assignment's room */
	uint32_t *districts;	/* of the latest assignment, names indexes */
	uint32_t ndistricts;
	pj_when assigned;	/* the latest coordinator.assigned */
	pj_when left;		/* the latest coordinator.left */
} pj_staff;

typedef struct pj_model {
	pj_names *names;
	/* The records of the cases followed, in no particular order: a record
	 * freed by pj_model_evict() (exists 0) goes to a free list that the
	 * next new case takes, so ccap follows the most cases followed at
	 * once, not all the cases of the log. */
	pj_case *cases;
	uint32_t ncases, ccap;	/* records in use or freed; allocated */
	uint32_t nlive;		/* records in the hash table */
	uint32_t free;		/* first free record, PJ_NONE: none */
	uint64_t *slots;	/* hash table: hash << 32 | index + 1, 0 = empty */
	uint32_t nslots;
	/* Evict an infant case once D - birth > evict_days (the rules'
	 * infant_days); -1, the default: only closed cases are evicted. */
	int evict_days;
	pj_staff *staff;	/* in order first seen */
	uint32_t nstaff, scap;
	int64_t *staff_by_code;	/* after pj_model_finish: names index -> staff index, -1 */
	int64_t *coord_of;	/* after pj_model_finish: district -> staff index, -1 */
	int32_t as_of;
} pj_model;

/* The flags, in the byte order of their names (the output order). */
enum {
	PJ_F_BIRTH_NOT_RECORDED = 0,
	PJ_F_MISSED_CHECKUP,
	PJ_F_NO_8MONTH_INTERVIEW,
	PJ_F_NO_CONTACT,
	PJ_F_NO_COORDINATOR,
	PJ_F_NO_HAPPYBABY,
	PJ_F_NOT_SHARED,
	PJ_F_SUPPORT_NEEDED,
	PJ_F_COUNT
};
const char *pj_flag_name(int flag);
int pj_flag_parse(const char *name);	/* -1 when unknown */

/* The day counts of the rules; pj_rules_default() gives BRIEF's numbers. */
typedef struct pj_rules {
	int not_shared_days;		/* 35 */
	int interview_before_due_days;	/* 42 */
	int birth_overdue_days;		/* 30 */
	int happybaby_days;		/* 90 */
	int checkup_days;		/* 150 */
	int no_contact_days;		/* 30 */
	int infant_days;		/* 365: open until birth + this */
} pj_rules;
void pj_rules_default(pj_rules *r);

/*
 * Reads a rules file (specs/projections.md "Rules file"): lines of
 * `key = value`, `#` comments, blank lines.  Returns 0, JN_EINVALID with
 * err->field "path:line" and err->msg saying why, or an errno value (the
 * file cannot be read).
 */
int pj_rules_load(const char *path, pj_rules *r, jn_errinfo *err);

int pj_model_init(pj_model *m, int32_t as_of);
void pj_model_free(pj_model *m);		/* accepts a zeroed model */

/* The case with this id, created (zeroed, not existing) when create is 1;
 * NULL when absent (or out of memory with create: then *rc is ENOMEM). */
pj_case *pj_model_case(pj_model *m, const uint8_t id[JN_ID_LEN], int create, int *rc);

/* Makes room for n more cases at once (the table and the records), so that
 * creating them moves nothing.  0 or ENOMEM. */
int pj_model_reserve(pj_model *m, uint32_t n);

/*
 * Forgets case c, which is closed at D for good: the replay evicts a case
 * when a live case.closed occurred <= D arrives, or a live birth.registered
 * puts D past birth + evict_days.  Nothing later in the log can reopen it:
 * retractions are known before the replay, a case has at most one live
 * handbook.issued and one live birth.registered (the journal refuses a
 * second), and "closed" is never undone.  Its later events find no record
 * and are ignored, as are those of a case whose handbook.issued occurred
 * after D.  A case with a retracted handbook.issued (keep) stays: its
 * events count if a new handbook.issued comes.  So the table holds the
 * open cases, and memory follows them, not the log.
 */
void pj_model_evict(pj_model *m, pj_case *c);

/* Fills handlers with the model's (ctx: the pj_model). */
void pj_model_handlers(pj_handler handlers[JN_T_COUNT]);

/* The replay options of the model: PJ_AS_OF its date, its retracted hook
 * and hint (ctx: the pj_model). */
void pj_model_opts(const pj_model *m, uint64_t at_seq, pj_opts *o);

/* Runs the replay for date as_of into m (initialised by the caller). */
int pj_model_replay(pj_model *m, jn_env *env, uint64_t at_seq, pj_prov *prov);

/* After the replay: works out which coordinator serves which district. */
int pj_model_finish(pj_model *m);

/* Staff active at D (assigned, not left since). */
int pj_staff_active(const pj_staff *s);

/* What the rules say of one case at the model's date. */
typedef struct pj_status {
	int open;
	int infant;		/* stage: 0 pregnant, 1 infant */
	uint32_t district;	/* at D */
	int64_t coord;		/* staff index or -1 */
	unsigned flags;		/* bit (1u << PJ_F_*) */
	int32_t since[PJ_F_COUNT];
	int next_what;		/* jn_type of the next due contact, 0: none */
	int32_t next_by;
} pj_status;
void pj_case_status(const pj_model *m, const pj_case *c, const pj_rules *r, pj_status *st);

/* Why a flag fired: the rule (its rules-file key, or the flag name), its
 * day count (-1: none), and up to two dates with what they are. */
typedef struct pj_why {
	const char *rule;
	int days;
	const char *what[2];
	int32_t date[2];
} pj_why;
void pj_case_why(const pj_model *m, const pj_case *c, const pj_rules *r, int flag, pj_why *w);
/* One readable line explaining w, in Japanese when ja. */
void pj_why_text(const pj_why *w, int flag, int32_t since, int ja, char *buf, size_t size);
/* Writes the why object of the JSON outputs (key as pj_jw_object()'s). */
void pj_why_jw(pj_jw *w, const char *key, const pj_why *why);

/* Sorts case indexes by case id (uuid byte order = its text order).
 * 0 or ENOMEM. */
int pj_sort_cases(const pj_model *m, uint32_t *idx, size_t n);

/* The open cases at the model's date, sorted by id: a malloc'd array of
 * indexes into m->cases the caller frees (NULL when n is 0); their status
 * is pj_case_status()'s, worked out again where it is written, so nothing
 * per case is held but the index.  0 or ENOMEM. */
int pj_open_cases(const pj_model *m, const pj_rules *r, uint32_t **idxp, size_t *np);

/* The staff active at the model's date, sorted by code. 0 or ENOMEM. */
int pj_active_staff(const pj_model *m, uint32_t **idxp, size_t *np);

#endif
