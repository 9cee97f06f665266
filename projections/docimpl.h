/*
 * docimpl.h: the inside of a pj_doc, shared by its renderers only
 * (table.c: text, md, tsv, csv; html.c; xlsx.c).  Tools use table.h.
 */
#ifndef OYAKO_DOCIMPL_H
#define OYAKO_DOCIMPL_H

#include <iconv.h>
#include <time.h>

#include "table.h"

#define PJ_MAXCOLS 16

enum { IT_LINE, IT_TABLE, IT_TITLE, IT_PROV };

typedef struct pjd_item {
	int kind;
	size_t text;		/* IT_LINE, IT_TITLE, IT_PROV: the line; IT_TABLE: the title (or SIZE_MAX) */
	size_t name;		/* IT_TABLE: its short name (pj_doc_name), or SIZE_MAX */
	unsigned chart;		/* IT_TABLE: the columns drawn as bars (pj_doc_chart) */
	int ncols;
	char align[PJ_MAXCOLS];
	size_t first;		/* index of the header's first cell in doc->cells */
	size_t ncells;		/* header included */
	pj_rows_fn src;		/* rows given at rendering (pj_doc_rows) */
	void *sctx;
} pjd_item;

struct pjd_out;
/* A renderer's row writer: cells are the offsets of the row's ncols cells. */
typedef void (*pjd_emit_fn)(pj_doc *doc, const pjd_item *t, const size_t *cells, struct pjd_out *o);

/* Where rendered rows go: text measures the widths in a first pass. */
typedef struct pjd_out {
	pj_format fmt;
	FILE *f;
	int measure;
	size_t w[PJ_MAXCOLS];
	size_t row;		/* rows written (md: the header is row 0) */
	pjd_emit_fn emit;	/* NULL: the formats of table.c */
	void *ctx;		/* the emitter's */
	iconv_t cd;		/* csv in Shift_JIS, else (iconv_t)-1 */
	char *cbuf;		/* a converted cell */
	size_t ccap;
} pjd_out;

struct pj_doc {
	char *arena;		/* every string, NUL-terminated, one after another */
	size_t alen, acap;
	size_t *cells;		/* offsets into arena */
	size_t ncells, ccap;
	pjd_item *items;
	size_t nitems, icap;
	int err;
	char errmsg[160];	/* what err was about, when it says more than strerror */
	/* While a row source runs: its table, its output, and where its row
	 * starts in arena and cells (everything after is the pending row). */
	const pjd_item *st;
	pjd_out *sout;
	size_t amark, cmark;
	/* How to render. */
	int ja;
	pj_encoding enc;
	pj_prov prov;
	int has_prov;
	time_t generated;
};

static inline const char *
pjd_str(const pj_doc *doc, size_t off)
{
	return doc->arena + off;
}

/* The rows of t, stored then streamed, to o (through o->emit when set);
 * 0 or an error.  A row source's rows are only valid during the emit. */
int pjd_rows_out(pj_doc *doc, const pjd_item *t, pjd_out *o);

/* The number a cell holds when it is all of an integer ("12", "-3", "+3");
 * 0 when it is one, -1 when not. */
int pjd_cell_number(const char *s, long long *v);

/* The generation time as "YYYY-MM-DDTHH:MM:SSZ". */
void pjd_generated(const pj_doc *doc, char buf[21]);

#endif
