/*
 * names.h: interned strings (prefix pj_names_): districts, staff codes,
 * rooms, actors.  Each distinct string gets a small index, from 0, in the
 * order first seen; projections keep indexes instead of copies, so a case
 * record stays a fixed size.
 */
#ifndef OYAKO_NAMES_H
#define OYAKO_NAMES_H

#include <stdint.h>
#include "journal.h"

typedef struct pj_names pj_names;

pj_names *pj_names_new(void);		/* NULL when out of memory */
void pj_names_free(pj_names *nm);	/* accepts NULL */

/* The index of s, adding it when new.  0 or ENOMEM. */
int pj_names_intern(pj_names *nm, jn_str s, uint32_t *idxp);
/* The index of s, or -1 when it was never interned. */
int64_t pj_names_find(const pj_names *nm, jn_str s);
/* The string of an index (NUL-terminated), and how many there are. */
const char *pj_names_str(const pj_names *nm, uint32_t idx);
uint32_t pj_names_count(const pj_names *nm);

#endif
