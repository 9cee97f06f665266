/*
 * names.c: made-up person data for the generator's cases (--persons FILE),
 * as JSON Lines for `oyako person import`.  Names are drawn from the lists
 * below (common family names, given names of mothers of the 1980s-2000s,
 * with their kana), by a generator of their own seeded by --seed and the
 * case: the event log's bytes do not change with --persons.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gen.h"
#include "journal.h"

struct kname {
	const char *kanji, *kana;
};

static const struct kname family[] = {
	{ "佐藤", "さとう" }, { "鈴木", "すずき" }, { "高橋", "たかはし" }, { "田中", "たなか" },
	{ "伊藤", "いとう" }, { "渡辺", "わたなべ" }, { "山本", "やまもと" }, { "中村", "なかむら" },
	{ "小林", "こばやし" }, { "加藤", "かとう" }, { "吉田", "よしだ" }, { "山田", "やまだ" },
	{ "佐々木", "ささき" }, { "山口", "やまぐち" }, { "松本", "まつもと" }, { "井上", "いのうえ" },
	{ "木村", "きむら" }, { "林", "はやし" }, { "斎藤", "さいとう" }, { "清水", "しみず" },
	{ "山崎", "やまざき" }, { "森", "もり" }, { "池田", "いけだ" }, { "橋本", "はしもと" },
	{ "阿部", "あべ" }, { "石川", "いしかわ" }, { "山下", "やました" }, { "中島", "なかじま" },
	{ "石井", "いしい" }, { "小川", "おがわ" }, { "前田", "まえだ" }, { "岡田", "おかだ" },
	{ "長谷川", "はせがわ" }, { "藤田", "ふじた" }, { "後藤", "ごとう" }, { "近藤", "こんどう" },
	{ "村上", "むらかみ" }, { "遠藤", "えんどう" }, { "青木", "あおき" }, { "坂本", "さかもと" },
	{ "飯田", "いいだ" }, { "野口", "のぐち" }, { "海老原", "えびはら" }, { "飯塚", "いいづか" },
	{ "染谷", "そめや" }, { "倉持", "くらもち" }, { "張替", "はりがえ" }, { "寺田", "てらだ" },
};

static const struct kname given[] = {
	{ "美咲", "みさき" }, { "愛", "あい" }, { "陽子", "ようこ" }, { "彩", "あや" },
	{ "真由美", "まゆみ" }, { "舞", "まい" }, { "麻衣", "まい" }, { "沙織", "さおり" },
	{ "千尋", "ちひろ" }, { "優子", "ゆうこ" }, { "恵", "めぐみ" }, { "智子", "ともこ" },
	{ "由佳", "ゆか" }, { "香織", "かおり" }, { "奈々", "なな" }, { "明日香", "あすか" },
	{ "彩香", "あやか" }, { "美穂", "みほ" }, { "絵美", "えみ" }, { "里奈", "りな" },
	{ "瞳", "ひとみ" }, { "遥", "はるか" }, { "葵", "あおい" }, { "結衣", "ゆい" },
	{ "七海", "ななみ" }, { "萌", "もえ" }, { "早紀", "さき" }, { "友美", "ともみ" },
	{ "直美", "なおみ" }, { "久美子", "くみこ" }, { "祐子", "ゆうこ" }, { "理恵", "りえ" },
	{ "亜希子", "あきこ" }, { "綾乃", "あやの" }, { "菜摘", "なつみ" }, { "美香", "みか" },
	{ "さくら", "さくら" }, { "ひかり", "ひかり" }, { "まどか", "まどか" }, { "梨沙", "りさ" },
};

#define COUNT(a) (sizeof a / sizeof a[0])

/* splitmix64: one case's draws, independent of the event log's PRNG. */
static uint64_t
next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned
pick(uint64_t *s, unsigned n)
{
	return (unsigned)(next(s) % n);
}

int
gen_person(FILE *f, uint64_t seed, uint64_t serial, const char *case_id, const char *district,
    int32_t issue)
{
	uint64_t s = seed * 0x2545f4914f6cdd1dULL ^ serial ^ 0x6f79616b6f706572ULL;
	const struct kname *fa, *gi;
	char birth[11];
	int32_t age;
	int n;

	next(&s);
	fa = &family[pick(&s, COUNT(family))];
	gi = &given[pick(&s, COUNT(given))];
	/* Mothers of 17 to 44 at the handbook, most around 31. */
	age = (int32_t)(17 + (pick(&s, 10) + pick(&s, 10) + pick(&s, 9)));
	jn_date_format(issue - age * 365 - (int32_t)pick(&s, 365), birth);
	n = fprintf(f, "{\"case\":\"%s\",\"name\":\"%s %s\",\"kana\":\"%s %s\",", case_id,
	    fa->kanji, gi->kanji, fa->kana, gi->kana);
	if (pick(&s, 4) == 0)
		n = fprintf(f, "\"phone\":\"0297-%02u-%04u\",", 50 + pick(&s, 50), pick(&s, 10000));
	else
		n = fprintf(f, "\"phone\":\"0%u0-%04u-%04u\",", 7 + pick(&s, 3), pick(&s, 10000),
		    pick(&s, 10000));
	n = fprintf(f, "\"address\":\"茨城県つくばみらい市%s%u-%u-%u\",\"mother_birth_date\":\"%s\"}\n",
	    district, 1 + pick(&s, 5), 1 + pick(&s, 30), 1 + pick(&s, 20), birth);
	return n < 0 || ferror(f) ? (errno ? errno : EIO) : 0;
}
