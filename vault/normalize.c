/*
 * normalize.c: the folding of names and kana for the blind index.  The
 * table is in specs/vault.md; this is it, in three passes over the code
 * points: width and case folding with spaces dropped, then voiced-mark
 * composition, then katakana to hiragana.  Only what Japanese names written
 * at a counter need: no ICU.
 */
#include <stdint.h>
#include <string.h>

#include "vault.h"

/* Half-width katakana U+FF66..U+FF9D -> full-width katakana. */
static const uint16_t halfkana[] = {
	0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x30E3, 0x30E5,	/* ｦｧｨｩｪｫｬｭ */
	0x30E7, 0x30C3, 0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA,	/* ｮｯｰｱｲｳｴｵ */
	0x30AB, 0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9,	/* ｶｷｸｹｺｻｼｽ */
	0x30BB, 0x30BD, 0x30BF, 0x30C1, 0x30C4, 0x30C6, 0x30C8, 0x30CA,	/* ｾｿﾀﾁﾂﾃﾄﾅ */
	0x30CB, 0x30CC, 0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5, 0x30D8,	/* ﾆﾇﾈﾉﾊﾋﾌﾍ */
	0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6,	/* ﾎﾏﾐﾑﾒﾓﾔﾕ */
	0x30E8, 0x30E9, 0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3,	/* ﾖﾗﾘﾙﾚﾛﾜﾝ */
};

/* Half-width punctuation U+FF61..U+FF65 -> 。「」、・ */
static const uint16_t halfpunct[] = { 0x3002, 0x300C, 0x300D, 0x3001, 0x30FB };

#define DAKUTEN 0x3099		/* combining voiced mark */
#define HANDAKUTEN 0x309A	/* combining semi-voiced mark */

static int
is_space(uint32_t c)
{
	return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x00A0 || c == 0x3000 ||
	    (c >= 0x2000 && c <= 0x200B) || c == 0x202F || c == 0x205F || c == 0xFEFF;
}

/* Pass 1: one code point folded for width and case; 0 drops it. */
static uint32_t
fold(uint32_t c)
{
	if (is_space(c))
		return 0;
	if (c >= 0xFF01 && c <= 0xFF5E)		/* full-width ASCII */
		c -= 0xFF01 - 0x21;
	else if (c >= 0xFF61 && c <= 0xFF65)
		c = halfpunct[c - 0xFF61];
	else if (c >= 0xFF66 && c <= 0xFF9D)
		c = halfkana[c - 0xFF66];
	else if (c == 0xFF9E || c == 0x309B)	/* ﾞ and ゛ compose like U+3099 */
		c = DAKUTEN;
	else if (c == 0xFF9F || c == 0x309C)
		c = HANDAKUTEN;
	if (c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	return c;
}

/* Pass 2: base + voiced mark, as NFKC composes it; 0 when there is no
 * precomposed letter.  Katakana and hiragana share the layout (0x60 apart). */
static uint32_t
compose(uint32_t base, uint32_t mark)
{
	uint32_t k = base, off = 0;

	if (mark == DAKUTEN && (base == 0x309D || base == 0x30FD))
		return base + 1;			/* ゞ, ヾ */
	if (base >= 0x3041 && base <= 0x3096) {
		k = base + 0x60;	/* work in katakana */
		off = 0x60;
	}
	if (mark == DAKUTEN) {
		if ((k >= 0x30AB && k <= 0x30C2 && (k - 0x30AB) % 2 == 0) ||	/* カ..チ */
		    k == 0x30C4 || k == 0x30C6 || k == 0x30C8 ||		/* ツテト */
		    (k >= 0x30CF && k <= 0x30DB && (k - 0x30CF) % 3 == 0))	/* ハヒフヘホ */
			return k + 1 - off;
		if (k == 0x30A6)
			return 0x30F4 - off;		/* ヴ, ゔ */
		if (off == 0 && (k == 0x30EF || k == 0x30F0 || k == 0x30F1 || k == 0x30F2))
			return k - 0x30EF + 0x30F7;	/* ヷヸヹヺ */
		return 0;
	}
	if (k >= 0x30CF && k <= 0x30DB && (k - 0x30CF) % 3 == 0)
		return k + 2 - off;			/* パピプペポ */
	return 0;
}

/* Pass 3: katakana -> hiragana where hiragana has the letter. */
static uint32_t
hira(uint32_t c)
{
	if (c >= 0x30A1 && c <= 0x30F6)
		return c - 0x60;
	if (c == 0x30FD || c == 0x30FE)
		return c - 0x60;
	return c;
}

/* Decodes one UTF-8 sequence at s[*i..n); 0 (and *cp) or -1. */
static int
utf8_next(const unsigned char *s, size_t n, size_t *i, uint32_t *cp)
{
	uint32_t c = s[*i], min;
	size_t len, k;

	if (c < 0x80) {
		*cp = c;
		(*i)++;
		return c == 0 ? -1 : 0;
	}
	if ((c & 0xE0) == 0xC0) {
		len = 2; c &= 0x1F; min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3; c &= 0x0F; min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4; c &= 0x07; min = 0x10000;
	} else
		return -1;
	if (*i + len > n)
		return -1;
	for (k = 1; k < len; k++) {
		if ((s[*i + k] & 0xC0) != 0x80)
			return -1;
		c = (c << 6) | (s[*i + k] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return -1;
	*i += len;
	*cp = c;
	return 0;
}

static size_t
utf8_put(uint32_t c, char *out, size_t at, size_t cap)
{
	unsigned char b[4];
	size_t len;

	if (c < 0x80) {
		b[0] = (unsigned char)c; len = 1;
	} else if (c < 0x800) {
		b[0] = (unsigned char)(0xC0 | (c >> 6));
		b[1] = (unsigned char)(0x80 | (c & 0x3F)); len = 2;
	} else if (c < 0x10000) {
		b[0] = (unsigned char)(0xE0 | (c >> 12));
		b[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
		b[2] = (unsigned char)(0x80 | (c & 0x3F)); len = 3;
	} else {
		b[0] = (unsigned char)(0xF0 | (c >> 18));
		b[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
		b[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
		b[3] = (unsigned char)(0x80 | (c & 0x3F)); len = 4;
	}
	if (at + len >= cap)
		return (size_t)-1;
	memcpy(out + at, b, len);
	return at + len;
}

size_t
vt_normalize(const char *s, size_t n, char *out, size_t cap)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t prev = 0, c, m;
	size_t i = 0, at = 0;
	int have = 0;

	if (cap == 0)
		return (size_t)-1;
	/* One code point is held back (prev) until the next shows whether it
	 * is a voiced mark to compose with it. */
	while (i < n) {
		if (utf8_next(u, n, &i, &c) != 0)
			return (size_t)-1;
		if ((c = fold(c)) == 0)
			continue;
		if (have && (c == DAKUTEN || c == HANDAKUTEN) && (m = compose(prev, c)) != 0) {
			prev = m;
			continue;
		}
		if (have && (at = utf8_put(hira(prev), out, at, cap)) == (size_t)-1)
			return (size_t)-1;
		prev = c;
		have = 1;
	}
	if (have && (at = utf8_put(hira(prev), out, at, cap)) == (size_t)-1)
		return (size_t)-1;
	out[at] = '\0';
	return at;
}
