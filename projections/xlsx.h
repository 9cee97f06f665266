/*
 * xlsx.h: a pj_doc as an Excel workbook, through libxlsxwriter (prefix
 * pj_doc_xlsx).  One sheet a table, named by pj_doc_name() (or its title),
 * its title in row 1 when it has one, then the header row (bold, frozen
 * with the rows above it), then the rows.  A cell of a right-aligned column
 * that is an integer is a number cell; every other cell is text, dates too
 * (YYYY-MM-DD, as in JSON).  Column widths follow the widest cell.  A
 * charted table (pj_doc_chart) gets an Excel column chart of those cells
 * beside it.  A last
 * sheet "provenance" holds the title, the lines, at_seq, head_hash and the
 * time of generation.  specs/reports.md is the contract.
 */
#ifndef OYAKO_XLSX_H
#define OYAKO_XLSX_H

#include "table.h"

/* Writes doc as a workbook to the file path (created or replaced in place:
 * the caller makes it atomic).  0, ENOMEM (an earlier allocation failed),
 * EIO (pj_doc_errmsg() says what libxlsxwriter reported), or the error of a
 * row source. */
int pj_doc_xlsx(pj_doc *doc, const char *path);

#endif
