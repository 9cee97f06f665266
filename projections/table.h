/*
 * table.h: the output model that the projection tools share (prefix pj_).
 *
 * A tool builds a document (pj_doc) of lines and tables, then renders it in
 * one of the formats of specs/projections.md:
 *   text  lines as they are, tables as aligned columns (East Asian wide
 *         characters count two columns), a blank line after each table;
 *   md    lines as paragraphs, tables as Markdown pipe tables;
 *   tsv   the tables only: a header row and rows, tab-separated;
 *   csv   the tables only, RFC 4180 (quoted when needed, CRLF line ends),
 *         UTF-8 with a byte order mark, or Shift_JIS (CP932, no mark);
 *   html  one self-contained page: title, lines, tables with their bar
 *         charts (inline SVG), the provenance stamp (html.h);
 *   xlsx  a workbook, one sheet a table and a provenance sheet (xlsx.h).
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
	PJ_FMT_MD,
	PJ_FMT_HTML,
	PJ_FMT_XLSX
} pj_format;

/* Character encodings of csv. */
typedef enum pj_encoding {
	PJ_ENC_UTF8 = 0,	/* with a byte order mark */
	PJ_ENC_SJIS		/* CP932 (Windows' Shift_JIS), no mark */
} pj_encoding;

/* "text", "tsv", "csv", "json", "md", "html", "xlsx": 0, or -1 for
 * anything else. */
int pj_format_parse(const char *s, pj_format *fmt);

/* Display width in terminal columns of one code point (0 for combining marks
 * and controls, 2 for East Asian Wide and Fullwidth) and of a UTF-8 string
 * (a malformed byte counts as one column). */
int pj_wcwidth(uint32_t cp);
size_t pj_strwidth(const char *s);

typedef struct pj_doc pj_doc;

pj_doc *pj_doc_new(void);		/* NULL when out of memory */
void pj_doc_free(pj_doc *doc);		/* accepts NULL */

/* The document's title: a line in text and md, the <title> and <h1> of
 * html, the first row of the xlsx provenance sheet. */
void pj_doc_title(pj_doc *doc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A line of text (text, md and html; xlsx: the provenance sheet). */
void pj_doc_line(pj_doc *doc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Starts a table: title may be NULL (none); align holds one letter per
 * column, 'l' or 'r'; the headers follow as ncols strings. */
void pj_doc_table(pj_doc *doc, const char *title, const char *align, ...);
/* The same with the headers in an array (as many as align has letters). */
void pj_doc_tablev(pj_doc *doc, const char *title, const char *align, const char *const *heads);

/* A short name of the current table: the xlsx sheet name (cut to 31
 * characters) and the html id; the title (or "table N") when not given. */
void pj_doc_name(pj_doc *doc, const char *name);

/* Draws columns of the current table (bit c: column c, a number column) as
 * bars labelled by column 0 in html (a chart after the table): one series
 * a column.  Stored rows only; text, md, tsv, csv and xlsx ignore it. */
void pj_doc_chart(pj_doc *doc, unsigned columns);

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

/* The provenance line: "computed from seq N, hash H" (or in Japanese); html
 * and xlsx also stamp seq, hash and the time of generation. */
void pj_doc_footer(pj_doc *doc, const pj_prov *prov, int ja);

/* How to render: the language of html's lang attribute and of the labels
 * the renderers add (default en); the encoding of csv (default UTF-8); the
 * time stamped in html and xlsx (default: the time of rendering). */
void pj_doc_lang(pj_doc *doc, int ja);
void pj_doc_encoding(pj_doc *doc, pj_encoding enc);
void pj_doc_generated(pj_doc *doc, int64_t unix_seconds);

/* Writes doc to f in fmt (not PJ_FMT_JSON nor PJ_FMT_XLSX: pj_doc_xlsx()
 * writes a file).  0, ENOMEM (an earlier allocation failed), EIO, EILSEQ
 * (csv in Shift_JIS: a character CP932 does not have, named by
 * pj_doc_errmsg()), or the error of a row source. */
int pj_doc_render(pj_doc *doc, pj_format fmt, FILE *f);

/* What the last failed rendering was about, or "" (valid until the next). */
const char *pj_doc_errmsg(const pj_doc *doc);

/* Adds "at_seq" and "head_hash" to obj; prints obj compactly with a newline.
 * Both return 0 or ENOMEM/EIO. */
int pj_json_prov(json_t *obj, const pj_prov *prov);
int pj_json_print(json_t *obj, FILE *f);

/* A date or JSON null when day is PJ_NODAY. */
#define PJ_NODAY INT32_MIN
json_t *pj_json_date(int32_t day);

#endif
