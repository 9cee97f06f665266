/*
 * table.h: the output model that the projection tools share (prefix pj_).
 *
 * A tool builds a document (pj_doc) of lines and tables, then renders it in
 * one of the formats of specs/projections.md:
 *   text  lines as they are, tables as aligned columns (East Asian wide
 *         characters count two columns), a blank line after each table;
 *   md    lines as paragraphs, tables as Markdown pipe tables;
 *   tsv   the tables only: a header row and rows, tab-separated;
 *   csv   the tables only, RFC 4180 (quoted when needed, CRLF line ends).
 * JSON is shaped per tool (BRIEF section 8), so tools build it with jansson;
 * pj_json_* here add the provenance keys and print it.
 *
 * Building never fails loudly: an allocation failure is remembered and
 * pj_doc_render() returns ENOMEM, so call sites stay short.
 */
#ifndef OYAKO_TABLE_H
#define OYAKO_TABLE_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "replay.h"

typedef enum pj_format {
	PJ_FMT_TEXT = 0,
	PJ_FMT_TSV,
	PJ_FMT_CSV,
	PJ_FMT_JSON,
	PJ_FMT_MD
} pj_format;

/* "text", "tsv", "csv", "json", "md": 0, or -1 for anything else. */
int pj_format_parse(const char *s, pj_format *fmt);

/* Display width in terminal columns of one code point (0 for combining marks
 * and controls, 2 for East Asian Wide and Fullwidth) and of a UTF-8 string
 * (a malformed byte counts as one column). */
int pj_wcwidth(uint32_t cp);
size_t pj_strwidth(const char *s);

typedef struct pj_doc pj_doc;

pj_doc *pj_doc_new(void);		/* NULL when out of memory */
void pj_doc_free(pj_doc *doc);		/* accepts NULL */

/* A line of text (text and md only). */
void pj_doc_line(pj_doc *doc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Starts a table: title may be NULL (none); align holds one letter per
 * column, 'l' or 'r'; the headers follow as ncols strings. */
void pj_doc_table(pj_doc *doc, const char *title, const char *align, ...);

/* Adds a column (align 'l' or 'r', its header) at the end of the table
 * just started, before its first row. */
void pj_doc_column(pj_doc *doc, char align, const char *header);

/* Rows of the current table: pj_doc_row() starts one, pj_doc_cell() adds
 * its cells in column order. */
void pj_doc_row(pj_doc *doc);
void pj_doc_cell(pj_doc *doc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Rows that are not stored: fn adds them with pj_doc_row() and pj_doc_cell()
 * while the table is rendered, and each row is written and forgotten, so a
 * table of millions of rows costs one row of memory.  fn(ctx, doc) is called
 * once per rendering, twice for text (the column widths come first): it must
 * give the same rows each time.  Its nonzero return stops the rendering and
 * is pj_doc_render()'s.  Sets the source of the current table, after its
 * stored rows.
 */
typedef int (*pj_rows_fn)(void *ctx, pj_doc *doc);
void pj_doc_rows(pj_doc *doc, pj_rows_fn fn, void *ctx);

/* The provenance line: "computed from seq N, hash H" (or in Japanese). */
void pj_doc_footer(pj_doc *doc, const pj_prov *prov, int ja);

/* Writes doc to f in fmt (not PJ_FMT_JSON).  0, ENOMEM (an earlier
 * allocation failed), EIO, or the error of a row source. */
int pj_doc_render(pj_doc *doc, pj_format fmt, FILE *f);

/* Adds "at_seq" and "head_hash" to obj; prints obj compactly with a newline.
 * Both return 0 or ENOMEM/EIO. */
int pj_json_prov(json_t *obj, const pj_prov *prov);
int pj_json_print(json_t *obj, FILE *f);

/* A date or JSON null when day is PJ_NODAY. */
#define PJ_NODAY INT32_MIN
json_t *pj_json_date(int32_t day);

#endif
