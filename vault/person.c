/* person.c: person data as JSON: parsing a change, writing a record. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "vault.h"

static const char *const field_names[VT_NFIELDS] = {
	"name", "kana", "phone", "address", "mother_birth_date", "notes"
};

const char *
vt_field_name(int f)
{
	return f >= 0 && f < VT_NFIELDS ? field_names[f] : NULL;
}

void
vt_person_clear(vt_person *p)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < VT_NFIELDS; i++) {
		if (p->f[i]) {
			sodium_memzero(p->f[i], strlen(p->f[i]));
			free(p->f[i]);
		}
		p->f[i] = NULL;
	}
}

void
vt_patch_clear(vt_patch *pa)
{
	if (pa == NULL)
		return;
	vt_person_clear(&pa->p);
	memset(pa->op, 0, sizeof pa->op);
}

static int
fail(vt_err *err, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		snprintf(err->field, sizeof err->field, "%s", field);
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return VT_EINVALID;
}

/* A value must be text a person can read: no control characters but the
 * line breaks and tabs of notes. */
static int
check_text(const char *s, size_t n, int multiline)
{
	size_t i;

	if (strlen(s) != n)
		return -1;	/* an embedded NUL */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 && !(multiline && (c == '\n' || c == '\t' || c == '\r')))
			return -1;
		if (c == 0x7F)
			return -1;
	}
	return 0;
}

static int
parse_field(int f, json_t *v, vt_patch *pa, vt_err *err)
{
	const char *name = field_names[f], *s;
	size_t n;
	int32_t day;

	if (json_is_null(v)) {
		pa->op[f] = VT_DEL;
		free(pa->p.f[f]);
		pa->p.f[f] = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return fail(err, name, "must be a string or null");
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0)
		return fail(err, name, "is empty (null removes a field)");
	if (n > VT_MAX_FIELD)
		return fail(err, name, "longer than %d bytes", VT_MAX_FIELD);
	if (check_text(s, n, f == VT_F_NOTES || f == VT_F_ADDRESS) != 0)
		return fail(err, name, "holds a control character");
	if (f == VT_F_MOTHER_BIRTH_DATE &&
	    (n != 10 || jn_date_parse((jn_str){ s, n }, &day) != 0))
		return fail(err, name, "'%s' is not a date (YYYY-MM-DD)", s);
	free(pa->p.f[f]);
	if ((pa->p.f[f] = strdup(s)) == NULL)
		return ENOMEM;
	pa->op[f] = VT_SET;
	return 0;
}

int
vt_patch_parse(const char *text, size_t n, int skip_case, vt_patch *pa, vt_err *err)
{
	json_error_t jerr;
	json_t *root, *v;
	const char *key;
	int f, rc = 0;

	memset(pa, 0, sizeof *pa);
	root = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return fail(err, "", "not JSON: %s", jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return fail(err, "", "not a JSON object");
	}
	json_object_foreach(root, key, v) {
		if (skip_case && strcmp(key, "case") == 0)
			continue;
		for (f = 0; f < VT_NFIELDS; f++)
			if (strcmp(key, field_names[f]) == 0)
				break;
		if (f == VT_NFIELDS) {
			rc = fail(err, key, "unknown field (name, kana, phone, address, "
			    "mother_birth_date and notes are known)");
			break;
		}
		if ((rc = parse_field(f, v, pa, err)) != 0)
			break;
	}
	json_decref(root);
	if (rc != 0)
		vt_patch_clear(pa);
	return rc;
}

char *
vt_person_json(const vt_person *p)
{
	json_t *o;
	char *s = NULL;
	int i;

	if ((o = json_object()) == NULL)
		return NULL;
	for (i = 0; i < VT_NFIELDS; i++)
		if (p->f[i] && json_object_set_new(o, field_names[i], json_string(p->f[i])) != 0)
			goto out;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
out:
	json_decref(o);
	return s;
}
