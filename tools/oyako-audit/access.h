/* access.h: oyako audit --access (access.c). */
#ifndef OYAKO_AUDIT_ACCESS_H
#define OYAKO_AUDIT_ACCESS_H

#include "audit.h"
#include "proj.h"

/* Lists the person.accessed events of a's selection (seq range, fiscal
 * year of occurred) in o's format; returns an exit code. */
int audit_access(const po_opts *o, jn_env *env, pj_audit *a);

#endif
