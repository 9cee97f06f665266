/*
 * html.h: a pj_doc as one self-contained HTML page (prefix pj_html_,
 * pj_doc_html): inline CSS with an A4 print stylesheet, tables, bar charts
 * drawn here as inline SVG, and the provenance stamp.  Nothing in the page
 * refers to anything outside it.  The structure that tests and scripts
 * rely on is in specs/reports.md.
 */
#ifndef OYAKO_HTML_H
#define OYAKO_HTML_H

#include <stdio.h>

#include "table.h"

/* Writes s to f as HTML text, safe in element content and in a quoted
 * attribute value: & < > " ' become entities, and control characters other
 * than tab, CR and LF (which HTML does not allow) become spaces.  Every
 * text of a page goes through it: names will come from user data. */
void pj_html_escape(const char *s, FILE *f);

/* Writes doc as a page to f: 0, ENOMEM (an earlier allocation failed), EIO,
 * or the error of a row source.  pj_doc_render(doc, PJ_FMT_HTML, f) is the
 * same. */
int pj_doc_html(pj_doc *doc, FILE *f);

/* Writes only the bar charts of doc's charted tables, each an SVG
 * <figure class="chart"> as in the page, for a page that lays out its own
 * tables (the server's annual page, server/pages_annual.c): 0, the doc's
 * error, or EIO. */
int pj_doc_html_charts(pj_doc *doc, FILE *f);

#endif
