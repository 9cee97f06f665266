/* util.c: error strings, byte strings, buffers, UUIDs and dates. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>

#include "internal.h"

const char *
jn_strerror(int rc)
{
	switch (rc) {
	case 0: return "success";
	case JN_EINVALID: return "invalid event";
	case JN_ECONFLICT: return "stream version conflict";
	case JN_EIDCLASH: return "event id already stored with other content";
	case JN_ECORRUPT: return "journal is corrupt";
	case JN_ENOTFOUND: return "not found";
	case JN_EFORMAT: return "journal written by a newer version of oyako";
	case JN_ERDONLY: return "journal is open read-only";
	case JN_EEXIST: return "journal already exists";
	case JN_EMAPFULL: return "map full";
	case JN_EBADTXN: return "transaction failed earlier and must be aborted";
	case JN_ENOTEMPTY: return "journal is not empty";
	case JN_ECHAIN: return "event does not chain to the journal";
	case JN_END: return "end of iteration";
	case JN_EUPGRADE: return "journal is in an older storage format: run 'oyako upgrade'";
	default:
		if (rc > 0)
			return strerror(rc);
		return mdb_strerror(rc);
	}
}

jn_str
jn_str_c(const char *s)
{
	jn_str r = { s, s ? strlen(s) : 0 };
	return r;
}

int
jn_str_eq(jn_str a, const char *lit)
{
	size_t n = strlen(lit);
	return a.n == n && (n == 0 || memcmp(a.p, lit, n) == 0);
}

int
jn_fail(jn_txn *txn, int rc, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (txn == NULL)
		return rc;
	snprintf(txn->err.field, sizeof txn->err.field, "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(txn->err.msg, sizeof txn->err.msg, fmt, ap);
	va_end(ap);
	return rc;
}

int
jn_buf_reserve(jn_buf *b, size_t more)
{
	size_t want, cap;
	uint8_t *p;

	if (more > SIZE_MAX / 2 - b->n)
		return ENOMEM;	/* Catch size_t overflow. */
	want = b->n + more;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 1024;
	while (cap < want)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL)
		return ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

void
jn_buf_free(jn_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

/* Hex digit values, -1 for other bytes; bit 4 marks uppercase A-F. */
static const signed char hexv[256] = {
	['0'] = 0, ['1'] = 1, ['2'] = 2, ['3'] = 3, ['4'] = 4, ['5'] = 5, ['6'] = 6,
	['7'] = 7, ['8'] = 8, ['9'] = 9, ['a'] = 10, ['b'] = 11, ['c'] = 12,
	['d'] = 13, ['e'] = 14, ['f'] = 15, ['A'] = 26, ['B'] = 27, ['C'] = 28,
	['D'] = 29, ['E'] = 30, ['F'] = 31,
};
/* Which bytes are hex digits at all (the table above holds 0 for '0'). */
static const unsigned char ishex[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
	['7'] = 1, ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1,
	['e'] = 1, ['f'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,
	['F'] = 1,
};

/* Parses 8-4-4-4-12 hex; *upper set when any letter is uppercase.  Replay
 * and import parse a UUID for nearly every event: table lookups, no
 * branches per digit beyond the validity test. */
static int
uuid_scan(jn_str s, uint8_t id[JN_ID_LEN], int *upper)
{
	static const unsigned char pos[JN_ID_LEN] = { 0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34 };
	const unsigned char *p = (const unsigned char *)s.p;
	unsigned ok = 1, up = 0;
	size_t i;

	*upper = 0;
	if (s.n != 36 || p == NULL || p[8] != '-' || p[13] != '-' || p[18] != '-' || p[23] != '-')
		return JN_EINVALID;
	for (i = 0; i < JN_ID_LEN; i++) {
		unsigned char a = p[pos[i]], b = p[pos[i] + 1];
		int hi = hexv[a], lo = hexv[b];
		ok &= ishex[a] & ishex[b];
		up |= (unsigned)(hi | lo) & 16;
		id[i] = (uint8_t)((hi & 15) << 4 | (lo & 15));
	}
	if (!ok)
		return JN_EINVALID;
	*upper = up != 0;
	return 0;
}

int
jn_uuid_parse(jn_str s, uint8_t id[JN_ID_LEN])
{
	int upper;
	return uuid_scan(s, id, &upper);
}

int
jn_uuid_parse_canon(jn_str s, uint8_t id[JN_ID_LEN])
{
	int upper;
	if (uuid_scan(s, id, &upper) != 0 || upper)
		return JN_EINVALID;
	return 0;
}

void
jn_uuid_format(const uint8_t id[JN_ID_LEN], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	size_t i, k = 0;

	for (i = 0; i < JN_ID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = hex[id[i] >> 4];
		out[k++] = hex[id[i] & 15];
	}
	out[k] = '\0';
}

void
jn_uuid_generate(uint8_t id[JN_ID_LEN])
{
	uuid_generate(id);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), valid for every year we accept. */
static int32_t
days_from_civil(int y, unsigned m, unsigned d)
{
	int era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int32_t)doe - 719468;
}

static void
civil_from_days(int32_t z, int *y, unsigned *m, unsigned *d)
{
	int era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = (int)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y += *m <= 2;
}

static int
digits(const char *p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*v = *v * 10 + (p[i] - '0');
	}
	return 0;
}

int
jn_date_parse(jn_str s, int32_t *dayp)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;

	if (s.p == NULL || s.n < 10 || s.p[4] != '-' || s.p[7] != '-')
		return JN_EINVALID;
	if (digits(s.p, 4, &y) || digits(s.p + 5, 2, &m) || digits(s.p + 8, 2, &d))
		return JN_EINVALID;
	/* Years outside 1900..9999 are typing errors, not history. */
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return JN_EINVALID;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return JN_EINVALID;
	*dayp = days_from_civil(y, (unsigned)m, (unsigned)d);
	return 0;
}

void
jn_date_format(int32_t day, char out[11])
{
	int y;
	unsigned m, d;

	civil_from_days(day, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

int32_t
jn_today_jst(void)
{
	const char *fake = getenv("OYAKO_TODAY");
	int32_t day;

	/* Tests pin "today" so that dates relative to it stay reproducible. */
	if (fake && *fake && jn_date_parse(jn_str_c(fake), &day) == 0)
		return day;
	return (int32_t)((time(NULL) + 9 * 3600) / 86400);
}
