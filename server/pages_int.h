/*
 * pages_int.h: what the files of the page layer share and nothing else
 * includes: the table of the forms' fields.
 */
#ifndef OYAKO_PAGES_INT_H
#define OYAKO_PAGES_INT_H

#include "pages.h"

typedef enum pg_fkind {
	PG_FK_TEXT,
	PG_FK_BOOL,		/* a checkbox */
	PG_FK_DATE,		/* YYYY-MM-DD, not later than today */
	PG_FK_CHILDREN,		/* 1..16 */
	PG_FK_CHOICE,		/* one of choices */
	PG_FK_ROOM		/* a room code */
} pg_fkind;

typedef struct pg_choice {
	const char *code, *ja, *en;
} pg_choice;

typedef struct pg_field {
	const char *name;	/* the key in data */
	pg_fkind kind;
	int required;
	const pg_choice *choices;	/* PG_FK_CHOICE: ends with a NULL code */
	const char *ja, *en;	/* the label */
} pg_field;

#define PG_FIELDS_MAX 3
typedef struct pg_ftype {
	const char *type;
	pg_field fields[PG_FIELDS_MAX];	/* ends early with a NULL name */
} pg_ftype;

const pg_ftype *pg_ftypes(size_t *np);
const pg_ftype *pg_ftype_find(const char *type);
const char *pg_ferr_get(const pg_ferrs *e, const char *field);

#endif
