/* names.c: see names.h.  Open addressing over a power-of-two table of
 * indexes; the strings live in one arena. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

struct pj_names {
	char *arena;
	size_t alen, acap;
	size_t *off;		/* off[i]: string i in arena */
	uint32_t *len;
	uint32_t n, cap;	/* strings and capacity of off/len */
	uint32_t *slots;	/* index + 1, 0 = empty */
	uint32_t nslots;	/* a power of two, kept at least twice n */
};

static uint64_t
hash(jn_str s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a: names are short */
	size_t i;

	for (i = 0; i < s.n; i++)
		h = (h ^ (unsigned char)s.p[i]) * 1099511628211ull;
	return h;
}

pj_names *
pj_names_new(void)
{
	return calloc(1, sizeof(pj_names));
}

void
pj_names_free(pj_names *nm)
{
	if (nm == NULL)
		return;
	free(nm->arena);
	free(nm->off);
	free(nm->len);
	free(nm->slots);
	free(nm);
}

static uint32_t *
slot_of(const pj_names *nm, jn_str s)
{
	uint32_t mask = nm->nslots - 1, i = (uint32_t)hash(s) & mask;

	for (;; i = (i + 1) & mask) {
		uint32_t k = nm->slots[i];
		if (k == 0 || (nm->len[k - 1] == s.n && memcmp(nm->arena + nm->off[k - 1], s.p, s.n) == 0))
			return &nm->slots[i];
	}
}

int64_t
pj_names_find(const pj_names *nm, jn_str s)
{
	uint32_t *sl;

	if (nm->nslots == 0)
		return -1;
	sl = slot_of(nm, s);
	return *sl ? (int64_t)*sl - 1 : -1;
}

static int
rehash(pj_names *nm, uint32_t nslots)
{
	uint32_t *old = nm->slots, oldn = nm->nslots, i;

	if ((nm->slots = calloc(nslots, sizeof(uint32_t))) == NULL) {
		nm->slots = old;
		return ENOMEM;
	}
	nm->nslots = nslots;
	for (i = 0; i < oldn; i++)
		if (old[i]) {
			uint32_t k = old[i] - 1;
			*slot_of(nm, (jn_str){ nm->arena + nm->off[k], nm->len[k] }) = old[i];
		}
	free(old);
	return 0;
}

int
pj_names_intern(pj_names *nm, jn_str s, uint32_t *idxp)
{
	uint32_t *sl;

	if (nm->nslots < 2 * (nm->n + 1) && rehash(nm, nm->nslots ? 2 * nm->nslots : 64))
		return ENOMEM;
	sl = slot_of(nm, s);
	if (*sl) {
		*idxp = *sl - 1;
		return 0;
	}
	if (nm->n == nm->cap) {
		uint32_t ncap = nm->cap ? 2 * nm->cap : 32;
		size_t *no = realloc(nm->off, ncap * sizeof *no);
		uint32_t *nl;

		if (no == NULL)
			return ENOMEM;
		nm->off = no;
		if ((nl = realloc(nm->len, ncap * sizeof *nl)) == NULL)
			return ENOMEM;
		nm->len = nl;
		nm->cap = ncap;
	}
	if (nm->alen + s.n + 1 > nm->acap) {
		size_t ncap = nm->acap ? nm->acap : 1024;
		char *na;

		while (ncap < nm->alen + s.n + 1)
			ncap *= 2;
		if ((na = realloc(nm->arena, ncap)) == NULL)
			return ENOMEM;
		nm->arena = na;
		nm->acap = ncap;
	}
	memcpy(nm->arena + nm->alen, s.p, s.n);
	nm->arena[nm->alen + s.n] = '\0';
	nm->off[nm->n] = nm->alen;
	nm->len[nm->n] = (uint32_t)s.n;
	nm->alen += s.n + 1;
	*sl = ++nm->n;
	*idxp = nm->n - 1;
	return 0;
}

const char *
pj_names_str(const pj_names *nm, uint32_t idx)
{
	return idx < nm->n ? nm->arena + nm->off[idx] : NULL;
}

uint32_t
pj_names_count(const pj_names *nm)
{
	return nm->n;
}
