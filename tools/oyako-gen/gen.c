/*
 * gen.c: the synthetic city (see gen.h for the shape of the walk).
 *
 * Rates are those of the seed's report (Tsukubamirai, FY2025, ~450 births):
 * 59 maternity-class groups, 289 8th-month interviews (117 group, 167
 * individual, 5 visits), 289 happy-baby contacts (154 home, 129 room, 6 at
 * the checkup), 12 handbook meetings and 12 checkups a year.  Some contacts
 * are left out on purpose so that every risk flag of BRIEF section 7 fires.
 *
 * The log starts with a run-in year: rooms and coordinators on March 1 of
 * FY-1, cases from April 1 of FY-1, recorded by "import:batch" (the records
 * carried over from the old system), so that the first reported FY sees a
 * city in its steady state (births, happy babies and checkups of families
 * whose handbook was issued the year before).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "journal.h"

const char *const gen_type_names[GEN_NTYPES] = {
	"room.opened", "room.closed", "coordinator.assigned", "coordinator.left",
	"meeting.held", "checkup.held", "handbook.issued", "class.attended",
	"interview.8month", "birth.registered", "happybaby.contact",
	"checkup.attended", "room.visited", "referral.made", "support.flagged",
	"support.cleared", "case.transferred", "case.closed", "event.retracted",
};

#define NROOMS 6
enum { KOKINU, OHISAMA, BLOOM, KIRAKUYAMA, RUNRUN, BOKABOKA };
static const char *const room_code[NROOMS] = {
	"kokinu", "ohisama", "bloom", "kirakuyama", "runrun", "bokaboka"
};
static const char *const room_name[NROOMS] = {
	"小絹児童館", "おひさま", "BLOOM", "きらくやま", "るんるん", "ぼかぼか"
};
static const char *const room_name_en[NROOMS] = {
	"Kokinu Children's Hall", "Ohisama", "BLOOM", "Kirakuyama", "Runrun", "Bokaboka"
};
/* The seed's maternity classes: groups per room and the share of couples. */
static const double class_groups[NROOMS] = { 17, 18, 10, 9, 3, 2 };
static const double class_partner[NROOMS] = { 0.97, 0.83, 0.04, 0.04, 0, 0 };

/* Districts of the city; larger runs number them (陽光台2, 陽光台3, ...). */
static const char *const district_base[] = {
	"陽光台", "小張", "伊奈東", "谷和原", "みらい平", "紫峰ヶ丘", "富士見ヶ丘",
	"絹の台", "小絹", "福岡", "板橋", "福田", "東楢戸", "西ノ台", "豊体",
	"筒戸", "上平柳", "神住", "狸穴", "台",
};
#define NDBASE (sizeof district_base / sizeof district_base[0])

static const char *const needs_code[] = {
	"young", "single", "economic", "mental", "no_support", "unplanned",
	"late_notice", "multiple", "other"
};
enum { N_YOUNG, N_SINGLE, N_ECONOMIC, N_MENTAL, N_NO_SUPPORT, N_UNPLANNED,
	N_LATE_NOTICE, N_MULTIPLE, N_OTHER, N_COUNT };
/* How often each code is drawn for a family with needs (weights). */
static const unsigned needs_weight[N_COUNT] = { 8, 14, 16, 22, 14, 12, 0, 0, 6 };

static const char *const interview_mode[] = { "group", "individual", "visit" };
static const char *const happybaby_mode[] = { "home", "room", "checkup" };
static const char *const close_reason[] = { "moved_out", "pregnancy_ended", "completed", "other" };
enum { CL_MOVED_OUT, CL_PREGNANCY_ENDED, CL_COMPLETED, CL_OTHER };
static const char *const referral_to[] = {
	"保健師", "産後ケア事業", "子育て世帯訪問支援事業", "医療機関", "家庭児童相談室"
};
static const char *const referral_reason[] = {
	"育児不安", "産後の体調", "経済的な相談", "発達の相談"
};
static const char *const flag_reason[] = {
	"産後の気分の落ち込み", "育児協力者がいない", "経済的困窮", "連絡がとれない"
};
static const char *const clear_reason[] = { "状況が安定した", "支援サービスの利用開始" };
static const char *const retract_reason[] = {
	"入力誤り", "重複入力", "面談形態の入力誤り", "出生日の入力誤り", "予定日の入力誤り"
};
enum { RR_WRONG, RR_DUPLICATE, RR_MODE, RR_BIRTH, RR_DUE };
#define NONE 0xff	/* an optional reason that is absent */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* One event of a case's timeline, drawn when the case opens. */
struct gev {
	int32_t day;		/* the day it is recorded: its place in the file */
	uint8_t back;		/* occurred = day - back (only corrections have back > 0) */
	uint8_t type;
	uint8_t ord;		/* order of drawing: the key of its id, the tiebreak */
	uint8_t a;		/* per type: mode, flag, reason index */
	uint32_t b;		/* per type: district, target ord */
};

#define CF_SUPPORT	0x1	/* support_needed at issue */
#define CF_FIRST	0x2	/* first pregnancy */
#define CF_TWINS	0x4
#define CF_PERSON	0x8	/* its person data is written (--persons) */

struct gcase {
	struct gcase *next;	/* in its calendar bucket */
	uint64_t serial;	/* the key of its uuid and of its events' ids */
	int32_t issue, due, birth;
	uint32_t district;	/* at issue */
	uint32_t cur;		/* now (after transfers) */
	uint16_t needs;		/* bit per needs_code */
	uint8_t flags;
	uint8_t nev, at;	/* events, and the next one to write */
	struct gev ev[];
};

/* The calendar is a ring of day buckets; no case waits longer than this
 * between two of its events (the longest gap is from birth to closing). */
#define CAL_DAYS 1024
struct bucket {
	struct gcase *head, *tail;
};

struct coord {
	int room, home;		/* where it sits now, where it belongs */
	int active;
	uint32_t ndist;
};

enum { ACT_REASSIGN, ACT_LEAVE_MID, ACT_LEAVE_END, ACT_REPLACE, ACT_ROOM_CLOSE, ACT_ROOM_REOPEN };
struct action {
	int32_t day;
	int kind;
	uint32_t arg;
};

struct u64v {
	uint64_t *v;
	size_t n, cap;
};

#define OUTBUF (1u << 20)
#define MEETING_MAX 1000	/* cases listed by one meeting.held */
#define MAXTL 64		/* events of one case's timeline, at most */

struct gen {
	const struct gen_opts *o;
	struct gen_stats *st;
	FILE *out;
	char *buf;
	size_t pos;
	int err;
	int dfirst;		/* no data field written yet */

	uint64_t s[4];		/* xoshiro256** state */
	uint64_t k1, k2;	/* keys of the id hash */
	uint64_t infra;		/* ids drawn for rooms, staff, meetings, checkups */
	int32_t today;
	int32_t start, first_case, fy_start, end;

	int32_t dbase, dn;	/* the "YYYY-MM-DD" of each day, cached */
	char (*dates)[11];

	uint32_t nd;
	char **dname;
	uint8_t *dhome;
	int32_t *owner, *last_owner;
	struct coord *co;
	uint32_t nco, capco;
	uint32_t nnurse;
	int room_open[NROOMS];
	double class_p[NROOMS];

	struct action *act;
	size_t nact, capact;

	double per_weekday, carry;
	uint64_t nserial;
	struct bucket cal[CAL_DAYS];
	struct u64v m_now, m_late, m_late_next;	/* cases for the month's meeting */

	/* Quotas of the yearly counts that the annual tables show. */
	double q_class[NROOMS], q_interview, q_happybaby, q_checkup;
	double q_interview_mode[2], q_happybaby_mode[2];

	struct gev tl[MAXTL];
	unsigned ntl;
	unsigned nord;		/* events drawn for the case, dropped ones included */
};

/* ---- random numbers: xoshiro256** seeded by splitmix64 ---- */

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rnd(struct gen *g)
{
	uint64_t *s = g->s;
	uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/* Uniform in [0, n): the high half of a 64x64 product (the bias is below
 * 2^-32 for the small n we use). */
static uint32_t
rndu(struct gen *g, uint32_t n)
{
	return (uint32_t)(((rnd(g) >> 32) * (uint64_t)n) >> 32);
}

static int32_t
rndr(struct gen *g, int32_t lo, int32_t hi)
{
	return lo + (int32_t)rndu(g, (uint32_t)(hi - lo + 1));
}

static double
rndp(struct gen *g)
{
	return (double)(rnd(g) >> 11) * 0x1.0p-53;
}

static int
chance(struct gen *g, double p)
{
	return rndp(g) < p;
}

/* Whether this one of a series gets what a share p of them gets.  The
 * counts of the annual tables are drawn by systematic sampling rather than
 * one coin each, so that a year's total stays within one of its expected
 * value and the seed's city projects to the seed's tables. */
static int
quota(double *acc, double p)
{
	*acc += p;
	if (*acc < 1)
		return 0;
	*acc -= 1;
	return 1;
}

/* A version 4 UUID that is a function of the seed and key alone. */
static void
make_id(const struct gen *g, uint64_t key, uint8_t id[16])
{
	uint64_t a = mix64(key ^ g->k1), b = mix64(key ^ g->k2);
	int i;

	for (i = 0; i < 8; i++) {
		id[i] = (uint8_t)(a >> (56 - 8 * i));
		id[8 + i] = (uint8_t)(b >> (56 - 8 * i));
	}
	id[6] = (uint8_t)((id[6] & 0x0f) | 0x40);
	id[8] = (uint8_t)((id[8] & 0x3f) | 0x80);
}

#define KEY_CASE(serial)	(((uint64_t)(serial) << 8) | 0xff)
#define KEY_EVENT(serial, ord)	(((uint64_t)(serial) << 8) | (ord))
#define KEY_INFRA(n)		((1ULL << 63) | (n))

/* ---- dates ---- */

/* The journal's date helpers do the calendar; what we need on top of them
 * is the day of the month and the weekday. */
static int32_t
gen_days(int y, unsigned m, unsigned d)
{
	char t[32];
	int32_t z;

	snprintf(t, sizeof t, "%04d-%02u-%02u", y, m, d);
	return jn_date_parse(jn_str_c(t), &z) == 0 ? z : -1;
}

static int
wday(int32_t z)
{
	/* 1970-01-01 was a Thursday. */
	return (int)(((z % 7) + 11) % 7);
}

static const char *
date_text(const struct gen *g, int32_t z, char t[11])
{
	if (z >= g->dbase && z - g->dbase < g->dn)
		return g->dates[z - g->dbase];
	jn_date_format(z, t);
	return t;
}

static int32_t
first_of_month(const struct gen *g, int32_t z)
{
	char t[11];
	const char *s = date_text(g, z, t);

	return z - ((s[8] - '0') * 10 + (s[9] - '0')) + 1;
}

/* Day 1 of the next month: months have 28 to 31 days. */
static int32_t
next_month(const struct gen *g, int32_t z)
{
	return first_of_month(g, first_of_month(g, z) + 31);
}

/* ---- output ---- */

static void
flush(struct gen *g)
{
	if (g->pos && !g->err && fwrite(g->buf, 1, g->pos, g->out) != g->pos)
		g->err = errno ? errno : EIO;
	g->pos = 0;
}

static void
put(struct gen *g, const char *p, size_t n)
{
	if (g->pos + n > OUTBUF)
		flush(g);
	memcpy(g->buf + g->pos, p, n);
	g->pos += n;
}

#define PUTS(g, lit) put((g), (lit), sizeof(lit) - 1)

static void
puts_(struct gen *g, const char *s)
{
	put(g, s, strlen(s));
}

static void
put_uuid(struct gen *g, const uint8_t id[16])
{
	static const char hex[] = "0123456789abcdef";
	char t[36];
	int i, j = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			t[j++] = '-';
		t[j++] = hex[id[i] >> 4];
		t[j++] = hex[id[i] & 15];
	}
	put(g, t, 36);
}

static void
put_date(struct gen *g, int32_t day)
{
	char t[11];

	put(g, date_text(g, day, t), 10);
}

/* A month's stream, "checkup:2025-04". */
static void
put_month_stream(struct gen *g, const char *prefix, int32_t day)
{
	char t[11];

	puts_(g, prefix);
	put(g, date_text(g, day, t), 7);
}

static void
put_uint(struct gen *g, uint64_t v)
{
	char t[24];
	int i = sizeof t;

	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(g, t + i, sizeof t - (size_t)i);
}

/*
 * One event is written as ev_begin, the stream, ev_actor, the data fields
 * and ev_end.  The strings we write are our own and need no escaping.
 */
static void
ev_begin(struct gen *g, int type, uint64_t key)
{
	uint8_t id[16];

	make_id(g, key, id);
	PUTS(g, "{\"id\":\"");
	put_uuid(g, id);
	PUTS(g, "\",\"type\":\"");
	puts_(g, gen_type_names[type]);
	PUTS(g, "\",\"stream\":\"");
	g->st->by_type[type]++;
}

/* Ends the stream, writes occurred and the actor; the record of what was
 * carried over from before the first FY is the batch import's. */
static void
ev_actor(struct gen *g, int32_t occurred, char kind, uint32_t num)
{
	PUTS(g, "\",\"occurred\":\"");
	put_date(g, occurred);
	PUTS(g, "\",\"actor\":\"");
	if (g->today < g->fy_start)
		PUTS(g, "import:batch");
	else {
		if (kind == 'C')
			PUTS(g, "coord:C");
		else
			PUTS(g, "nurse:N");
		if (num + 1 < 10)
			PUTS(g, "0");
		put_uint(g, num + 1);
	}
	PUTS(g, "\",\"data\":{");
	g->dfirst = 1;
}

static void
ev_end(struct gen *g)
{
	PUTS(g, "}}\n");
	g->st->events++;
	if (g->st->last < g->st->first)
		g->st->first = g->today;
	g->st->last = g->today;
}

static void
d_key(struct gen *g, const char *k)
{
	if (!g->dfirst)
		PUTS(g, ",");
	g->dfirst = 0;
	PUTS(g, "\"");
	puts_(g, k);
	PUTS(g, "\":");
}

static void
d_str(struct gen *g, const char *k, const char *v)
{
	d_key(g, k);
	PUTS(g, "\"");
	puts_(g, v);
	PUTS(g, "\"");
}

static void
d_bool(struct gen *g, const char *k, int v)
{
	d_key(g, k);
	if (v)
		PUTS(g, "true");
	else
		PUTS(g, "false");
}

static void
d_date(struct gen *g, const char *k, int32_t day)
{
	d_key(g, k);
	PUTS(g, "\"");
	put_date(g, day);
	PUTS(g, "\"");
}

static void
put_staff(struct gen *g, uint32_t c)
{
	PUTS(g, "staff:C");
	if (c + 1 < 10)
		PUTS(g, "0");
	put_uint(g, c + 1);
}

/* ---- the calendar of the city ---- */

static int32_t
weekday_on_or_after(int32_t z)
{
	int w = wday(z);

	return w == 6 ? z + 2 : w == 0 ? z + 1 : z;
}

/* The month's 3-4 month checkup: the first Tuesday from the 10th. */
static int32_t
checkup_day(const struct gen *g, int32_t z)
{
	int32_t t = first_of_month(g, z) + 9;

	return t + (2 - wday(t) + 7) % 7;
}

static int32_t
checkup_on_or_after(const struct gen *g, int32_t z)
{
	int32_t t = checkup_day(g, z);

	return t >= z ? t : checkup_day(g, next_month(g, z));
}

/* The month's handbook meeting: its last weekday. */
static int32_t
meeting_day(const struct gen *g, int32_t z)
{
	int32_t t = next_month(g, z) - 1;

	while (wday(t) == 0 || wday(t) == 6)
		t--;
	return t;
}

/* ---- rooms and coordinators ---- */

static int
open_room(const struct gen *g, int r)
{
	int i;

	if (g->room_open[r])
		return r;
	for (i = 0; i < NROOMS; i++)
		if (g->room_open[i])
			return i;
	return KOKINU;
}

/* Families go to the room near their home for classes and visits. */
static int
district_room(const struct gen *g, uint32_t d)
{
	return open_room(g, g->dhome[d]);
}

static void
emit_room_opened(struct gen *g, int r, int reopened)
{
	ev_begin(g, GEN_ROOM_OPENED, KEY_INFRA(g->infra++));
	PUTS(g, "room:");
	puts_(g, room_code[r]);
	ev_actor(g, g->today, 'N', 0);
	if (reopened) {
		/* A room that comes back after works moves into a new building. */
		d_key(g, "name");
		PUTS(g, "\"");
		puts_(g, room_name[r]);
		PUTS(g, "（新館）\"");
		d_key(g, "name_en");
		PUTS(g, "\"");
		puts_(g, room_name_en[r]);
		PUTS(g, " (new building)\"");
	} else {
		d_str(g, "name", room_name[r]);
		d_str(g, "name_en", room_name_en[r]);
	}
	ev_end(g);
}

static void
emit_assigned(struct gen *g, uint32_t c)
{
	uint32_t d;
	int first = 1;

	ev_begin(g, GEN_COORD_ASSIGNED, KEY_INFRA(g->infra++));
	put_staff(g, c);
	ev_actor(g, g->today, 'N', 0);
	d_str(g, "room", room_code[g->co[c].room]);
	d_key(g, "districts");
	PUTS(g, "[");
	for (d = 0; d < g->nd; d++) {
		if (g->owner[d] != (int32_t)c)
			continue;
		if (!first)
			PUTS(g, ",");
		first = 0;
		PUTS(g, "\"");
		puts_(g, g->dname[d]);
		PUTS(g, "\"");
	}
	PUTS(g, "]");
	ev_end(g);
}

static int
add_action(struct gen *g, int32_t day, int kind, uint32_t arg)
{
	struct action *a;

	if (g->nact == g->capact) {
		size_t cap = g->capact ? 2 * g->capact : 64;
		if ((a = realloc(g->act, cap * sizeof *a)) == NULL)
			return ENOMEM;
		g->act = a;
		g->capact = cap;
	}
	g->act[g->nact++] = (struct action){ day, kind, arg };
	return 0;
}

static int
new_coord(struct gen *g, int room, uint32_t *cp)
{
	struct coord *co;

	if (g->nco == g->capco) {
		uint32_t cap = g->capco ? 2 * g->capco : 16;
		if ((co = realloc(g->co, cap * sizeof *co)) == NULL)
			return ENOMEM;
		g->co = co;
		g->capco = cap;
	}
	g->co[g->nco] = (struct coord){ room, room, 1, 0 };
	*cp = g->nco++;
	return 0;
}

static void
move_district(struct gen *g, uint32_t d, int32_t to)
{
	if (g->owner[d] >= 0)
		g->co[g->owner[d]].ndist--;
	g->owner[d] = to;
	if (to >= 0)
		g->co[to].ndist++;
}

static uint32_t
active_count(const struct gen *g)
{
	uint32_t c, n = 0;

	for (c = 0; c < g->nco; c++)
		n += (uint32_t)g->co[c].active;
	return n;
}

/* A random active coordinator serving at least min districts, or -1. */
static int32_t
pick_coord(struct gen *g, uint32_t min, int32_t not)
{
	int tries;
	uint32_t c;

	for (tries = 0; tries < 64; tries++) {
		c = rndu(g, g->nco);
		if (g->co[c].active && g->co[c].ndist >= min && (int32_t)c != not)
			return (int32_t)c;
	}
	return -1;
}

/* Mid-year, some districts change hands: one district of a coordinator
 * with several goes to a colleague, and both get their new list. */
static void
act_reassign(struct gen *g)
{
	uint32_t i, n = active_count(g) / 8, d;
	int32_t c1, c2;

	for (i = 0; i < (n ? n : 1); i++) {
		if ((c1 = pick_coord(g, 2, -1)) < 0 || (c2 = pick_coord(g, 1, c1)) < 0)
			return;
		for (d = g->nd; d-- > 0;)
			if (g->owner[d] == c1)
				break;
		move_district(g, d, c2);
		emit_assigned(g, (uint32_t)c1);
		emit_assigned(g, (uint32_t)c2);
	}
}

/* Coordinators leave; their districts have no coordinator until the
 * replacement starts (no-coordinator fires for their families). */
static int
act_leave(struct gen *g, int32_t replace_day)
{
	uint32_t i, n = active_count(g) / 25, d;
	int32_t c;
	int rc;

	for (i = 0; i < (n ? n : 1); i++) {
		if (active_count(g) < 3 || (c = pick_coord(g, 1, -1)) < 0)
			return 0;
		g->co[c].active = 0;
		for (d = 0; d < g->nd; d++)
			if (g->owner[d] == c) {
				move_district(g, d, -1);
				g->last_owner[d] = c;
			}
		ev_begin(g, GEN_COORD_LEFT, KEY_INFRA(g->infra++));
		put_staff(g, (uint32_t)c);
		ev_actor(g, g->today, 'N', 0);
		ev_end(g);
		if ((rc = add_action(g, replace_day, ACT_REPLACE, (uint32_t)c)) != 0)
			return rc;
	}
	return 0;
}

static int
act_replace(struct gen *g, uint32_t leaver)
{
	uint32_t c, d;
	int rc;

	if ((rc = new_coord(g, g->co[leaver].home, &c)) != 0)
		return rc;
	g->co[c].room = open_room(g, g->co[leaver].room);
	for (d = 0; d < g->nd; d++)
		if (g->owner[d] < 0 && g->last_owner[d] == (int32_t)leaver)
			move_district(g, d, (int32_t)c);
	if (g->co[c].ndist == 0) {
		g->co[c].active = 0;	/* nothing left to take over */
		return 0;
	}
	emit_assigned(g, c);
	return 0;
}

/* A room closes for works: its coordinators move to a neighbour first. */
static void
act_room_close(struct gen *g, int r)
{
	uint32_t c;

	g->room_open[r] = 0;
	for (c = 0; c < g->nco; c++)
		if (g->co[c].active && g->co[c].room == r) {
			g->co[c].room = open_room(g, r == KIRAKUYAMA ? KOKINU : KIRAKUYAMA);
			emit_assigned(g, c);
		}
	ev_begin(g, GEN_ROOM_CLOSED, KEY_INFRA(g->infra++));
	PUTS(g, "room:");
	puts_(g, room_code[r]);
	ev_actor(g, g->today, 'N', 0);
	ev_end(g);
}

static void
act_room_reopen(struct gen *g, int r)
{
	uint32_t c;

	g->room_open[r] = 1;
	emit_room_opened(g, r, 1);
	for (c = 0; c < g->nco; c++)
		if (g->co[c].active && g->co[c].home == r && g->co[c].room != r) {
			g->co[c].room = r;
			emit_assigned(g, c);
		}
}

/* Runs the actions due today, in the order they were planned. */
static int
run_actions(struct gen *g)
{
	size_t i, j;
	int rc = 0;

	for (i = 0; i < g->nact && rc == 0; i++) {
		struct action a = g->act[i];
		if (a.day != g->today)
			continue;
		switch (a.kind) {
		case ACT_REASSIGN:
			act_reassign(g);
			break;
		case ACT_LEAVE_MID:
			rc = act_leave(g, weekday_on_or_after(g->today + 28));
			break;
		case ACT_LEAVE_END:
			/* Staff change with the fiscal year: the successor starts
			 * on April 1 (a.arg), after a gap over the year's end. */
			rc = act_leave(g, weekday_on_or_after((int32_t)a.arg));
			break;
		case ACT_REPLACE:
			rc = act_replace(g, a.arg);
			break;
		case ACT_ROOM_CLOSE:
			act_room_close(g, (int)a.arg);
			break;
		case ACT_ROOM_REOPEN:
			act_room_reopen(g, (int)a.arg);
			break;
		}
	}
	for (i = j = 0; i < g->nact; i++)
		if (g->act[i].day != g->today)
			g->act[j++] = g->act[i];
	g->nact = j;
	return rc;
}

/* ---- cases ---- */

static int
tl_push(struct gen *g, int32_t day, int type, unsigned a, uint32_t b)
{
	/* ord keeps counting over dropped events: it must stay unique. */
	if (g->ntl == MAXTL || g->nord > 0xfe)
		return -1;
	g->tl[g->ntl] = (struct gev){ day, 0, (uint8_t)type, (uint8_t)g->nord++, (uint8_t)a, b };
	return (int)g->ntl++;
}

static int
gev_cmp(const void *x, const void *y)
{
	const struct gev *a = x, *b = y;

	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return (int)a->ord - (int)b->ord;
}

/* The group 8th-month interview: one session per district and due month,
 * about 7 weeks before the month starts, on a weekday. */
static int32_t
group_session(const struct gen *g, uint32_t district, int32_t due)
{
	int32_t f = first_of_month(g, due);

	return weekday_on_or_after(f - 49 + (int32_t)((district * 3 + (uint32_t)f) % 7));
}

/* A mode of three with shares p0, p1 and the rest, by quotas as well:
 * the third (rare) one first, then the first two between them. */
static unsigned
draw_mode(double q[2], double p0, double p1)
{
	if (quota(&q[1], 1 - p0 - p1))
		return 2;
	return quota(&q[0], p0 / (p0 + p1)) ? 0 : 1;
}

static uint16_t
draw_needs(struct gen *g)
{
	unsigned total = 0, i, k, n, r;
	uint16_t mask = 0;

	for (i = 0; i < N_COUNT; i++)
		total += needs_weight[i];
	n = chance(g, 0.3) ? 2 : 1;
	for (k = 0; k < n; k++) {
		r = rndu(g, total);
		for (i = 0; r >= needs_weight[i]; i++)
			r -= needs_weight[i];
		mask |= (uint16_t)(1u << i);
	}
	return mask;
}

/*
 * Draws the whole timeline of a case whose handbook is issued today, into
 * g->tl.  Every event but the handbook comes on a later day, and nothing
 * comes after the case is closed.
 */
static void
draw_case(struct gen *g, struct gcase *c)
{
	int32_t issue = g->today, lmp, close = INT32_MAX, reg = 0, day, hb_day = 0, ck_day = 0;
	int32_t flag_day = 0;
	unsigned close_reason_i = CL_COMPLETED, mode, i, n, k;
	int born, late, room, support, has_checkup = 0;
	double r;

	late = chance(g, 0.01);
	lmp = issue - (late ? rndr(g, 154, 196) : rndr(g, 56, 83));
	c->issue = issue;
	c->due = lmp + 280;
	c->district = c->cur = rndu(g, g->nd);
	c->flags = chance(g, 0.45) ? CF_FIRST : 0;
	if (chance(g, 0.01))
		c->flags |= CF_TWINS;
	c->needs = chance(g, 0.12) ? draw_needs(g) : 0;
	if (c->flags & CF_TWINS)
		c->needs |= 1u << N_MULTIPLE;
	if (late)
		c->needs |= 1u << N_LATE_NOTICE;
	if (c->needs ? chance(g, 0.7) : chance(g, 0.01))
		c->flags |= CF_SUPPORT;
	support = (c->flags & CF_SUPPORT) || c->needs;

	g->ntl = g->nord = 0;
	tl_push(g, issue, GEN_HANDBOOK_ISSUED, 0, 0);

	/* Fate: most families go on to the first birthday. */
	r = rndp(g);
	born = 1;
	if (r < 0.025) {
		close_reason_i = CL_PREGNANCY_ENDED;
		close = issue + 3 + rndr(g, 0, lmp + 150 - issue > 3 ? lmp + 150 - issue - 3 : 0);
		born = 0;
	} else if (r < 0.05) {
		close_reason_i = CL_MOVED_OUT;
		close = issue + rndr(g, 10, 560);
	} else if (r < 0.06) {
		/* Never heard of again: no birth is registered. */
		close_reason_i = CL_OTHER;
		close = c->due + rndr(g, 60, 180);
		born = 0;
	}
	c->birth = 0;
	if (born) {
		int32_t off = rndr(g, -8, 8) + rndr(g, -8, 8) + rndr(g, -8, 8) - 3;
		c->birth = c->due + (off < -28 ? -28 : off > 14 ? 14 : off);
		reg = c->birth + rndr(g, 1, 14);
		/* Born away at the parents' home (satogaeri): the birth is
		 * registered late, and birth-not-recorded fires meanwhile. */
		if (chance(g, 0.03))
			reg = c->due + 31 + rndr(g, 0, 45);
		if (close == INT32_MAX && chance(g, 0.8))
			close = c->birth + rndr(g, 330, 365);
	}

	/* Pregnancy. */
	room = g->dhome[c->district];
	if (quota(&g->q_class[room], g->class_p[room])) {
		day = c->due - rndr(g, 42, 140);
		day += (6 - wday(day) + 7) % 7;	/* classes are on Saturdays */
		tl_push(g, day, GEN_CLASS_ATTENDED, chance(g, class_partner[room]), 0);
	}
	if (quota(&g->q_interview, 0.637)) {
		mode = draw_mode(g->q_interview_mode, 117.0 / 289, 167.0 / 289);
		if (mode == 0)
			day = group_session(g, c->district, c->due);
		else
			day = weekday_on_or_after(c->due - rndr(g, 45, 70));
		if (day <= issue)
			day = issue + rndr(g, 1, 7);
		tl_push(g, day, GEN_INTERVIEW_8MONTH, mode, 0);
	}
	if (chance(g, 0.08))
		tl_push(g, c->due - rndr(g, 50, 150), GEN_ROOM_VISITED, 0, 0);
	if (chance(g, 0.03))
		tl_push(g, issue + rndr(g, 7, 150), GEN_REFERRAL_MADE, rndu(g, NELEM(referral_to)),
		    chance(g, 0.7) ? rndu(g, NELEM(referral_reason)) : NONE);
	if (!support && chance(g, 0.015)) {
		flag_day = issue + rndr(g, 14, 120);
		tl_push(g, flag_day, GEN_SUPPORT_FLAGGED, rndu(g, NELEM(flag_reason)), 0);
		support = 1;
	}

	/* Birth and infancy. */
	if (born) {
		tl_push(g, reg, GEN_BIRTH_REGISTERED, 0, 0);
		if (quota(&g->q_happybaby, 0.648)) {
			mode = draw_mode(g->q_happybaby_mode, 154.0 / 289, 129.0 / 289);
			hb_day = mode == 2 ? checkup_on_or_after(g, c->birth + 95) : c->birth + rndr(g, 60, 89);
			if (hb_day <= reg)
				hb_day = reg + 1;
			tl_push(g, hb_day, GEN_HAPPYBABY_CONTACT, mode, 0);
			has_checkup = mode == 2;
		}
		if (quota(&g->q_checkup, 0.9) || has_checkup) {
			ck_day = checkup_on_or_after(g, c->birth + 95 > reg ? c->birth + 95 : reg + 1);
			tl_push(g, ck_day, GEN_CHECKUP_ATTENDED, chance(g, 0.15), 0);
		}
		if (chance(g, 0.05)) {
			day = ck_day ? ck_day : c->birth + rndr(g, 30, 200);
			tl_push(g, day > reg ? day : reg + 1, GEN_REFERRAL_MADE, rndu(g, NELEM(referral_to)),
			    chance(g, 0.7) ? rndu(g, NELEM(referral_reason)) : NONE);
		}
		if (!support && chance(g, 0.03)) {
			flag_day = c->birth + rndr(g, 14, 150);
			if (flag_day <= reg)
				flag_day = reg + 1;
			tl_push(g, flag_day, GEN_SUPPORT_FLAGGED, rndu(g, NELEM(flag_reason)), 0);
			support = 1;
		}
		/* The rooms' regulars: most of the log's volume (~8 events a
		 * birth in all, as BRIEF section 9 counts for the nation). */
		if (chance(g, 0.6)) {
			n = 2 + rndu(g, 5) + (chance(g, 0.4) ? rndu(g, 8) : 0);
			for (k = 0; k < n; k++) {
				day = c->birth + rndr(g, 20, 330);
				tl_push(g, day > reg ? day : reg + 1, GEN_ROOM_VISITED, 0, 0);
			}
		}
	}
	if (support && chance(g, 0.5))
		tl_push(g, (flag_day ? flag_day : issue) + rndr(g, 60, 240), GEN_SUPPORT_CLEARED,
		    chance(g, 0.8) ? rndu(g, NELEM(clear_reason)) : NONE, 0);
	if (chance(g, 0.03)) {
		uint32_t d = rndu(g, g->nd - 1);
		tl_push(g, issue + rndr(g, 20, 500), GEN_CASE_TRANSFERRED, 0,
		    d >= c->district ? d + 1 : d);
	}

	/* Nothing after the closing day; no case event on the handbook's day. */
	for (i = n = 0; i < g->ntl; i++)
		if (i == 0 || (g->tl[i].day > issue && g->tl[i].day <= close))
			g->tl[n++] = g->tl[i];
	g->ntl = n;

	/* A few entries are corrected: retracted, and (where a value was
	 * wrong) appended anew with the right value and the same occurred. */
	if (chance(g, 0.012)) {
		int cand[MAXTL], nc = 0, t, rr, fix = 1;
		/* The handbook itself now and then (a due date a week off). */
		int from = chance(g, 0.15) ? 0 : 1, to = from ? (int)g->ntl : 1;
		for (i = (unsigned)from; i < (unsigned)to; i++)
			if (g->tl[i].type != GEN_REFERRAL_MADE && g->tl[i].type != GEN_SUPPORT_FLAGGED &&
			    g->tl[i].type != GEN_SUPPORT_CLEARED && g->tl[i].type != GEN_CASE_TRANSFERRED &&
			    (int64_t)g->tl[i].day + 10 < close)
				cand[nc++] = (int)i;
		if (nc > 0) {
			struct gev *e = &g->tl[cand[rndu(g, (uint32_t)nc)]];
			int32_t when = e->day + rndr(g, 1, 10);
			unsigned right = e->a;
			switch (e->type) {
			case GEN_HANDBOOK_ISSUED: rr = RR_DUE; e->a = 1; right = 0; break;
			case GEN_BIRTH_REGISTERED: rr = RR_BIRTH; e->a = 1; right = 0; break;
			case GEN_INTERVIEW_8MONTH: rr = RR_MODE; e->a = (e->a + 1) % 3; break;
			case GEN_HAPPYBABY_CONTACT: rr = RR_MODE; e->a = (e->a + 1) % 2; break;
			case GEN_ROOM_VISITED: rr = RR_DUPLICATE; fix = 0; break;
			default: rr = RR_WRONG; e->a = !e->a; break;
			}
			t = e->type;
			day = e->day;
			tl_push(g, when, GEN_EVENT_RETRACTED, (unsigned)rr, e->ord);
			if (fix && (k = (unsigned)tl_push(g, when, t, right, 0)) < MAXTL)
				g->tl[k].back = (uint8_t)(when - day);
		}
	}
	if (close != INT32_MAX)
		tl_push(g, close, GEN_CASE_CLOSED, close_reason_i, 0);
	qsort(g->tl, g->ntl, sizeof g->tl[0], gev_cmp);
}

static void
put_case_stream(struct gen *g, const struct gcase *c)
{
	uint8_t id[16];

	make_id(g, KEY_CASE(c->serial), id);
	PUTS(g, "case:");
	put_uuid(g, id);
}

/* Who records it: nurses own the medical side, the district's
 * coordinator the contacts at the rooms and at home. */
static void
case_actor(struct gen *g, const struct gcase *c, int32_t occurred, int coord)
{
	int32_t o = g->owner[c->cur];

	if (coord && o >= 0)
		ev_actor(g, occurred, 'C', (uint32_t)o);
	else
		ev_actor(g, occurred, 'N', c->cur % g->nnurse);
}

static void
emit_case_event(struct gen *g, struct gcase *c, const struct gev *e)
{
	int32_t occurred = e->day - e->back;
	unsigned i;
	int first;
	uint8_t id[16];

	ev_begin(g, e->type, KEY_EVENT(c->serial, e->ord));
	put_case_stream(g, c);
	switch (e->type) {
	case GEN_HANDBOOK_ISSUED:
		if (g->o->persons && !(c->flags & CF_PERSON)) {
			char cid[37];
			int rc;

			make_id(g, KEY_CASE(c->serial), id);
			jn_uuid_format(id, cid);
			c->flags |= CF_PERSON;
			if ((rc = gen_person(g->o->persons, g->o->seed, c->serial, cid,
			    g->dname[c->district], c->issue)) != 0 && !g->err)
				g->err = rc;
		}
		case_actor(g, c, occurred, 0);
		d_str(g, "district", g->dname[c->district]);
		/* The entry that was corrected had the due date a week off. */
		d_date(g, "due_date", e->a ? c->due + 7 : c->due);
		d_bool(g, "support_needed", c->flags & CF_SUPPORT);
		if (c->needs) {
			d_key(g, "needs");
			PUTS(g, "[");
			for (i = 0, first = 1; i < N_COUNT; i++)
				if (c->needs & (1u << i)) {
					if (!first)
						PUTS(g, ",");
					first = 0;
					PUTS(g, "\"");
					puts_(g, needs_code[i]);
					PUTS(g, "\"");
				}
			PUTS(g, "]");
		}
		d_bool(g, "first_pregnancy", c->flags & CF_FIRST);
		break;
	case GEN_CLASS_ATTENDED:
		case_actor(g, c, occurred, 1);
		d_str(g, "room", room_code[district_room(g, c->cur)]);
		d_bool(g, "partner", e->a);
		break;
	case GEN_INTERVIEW_8MONTH:
		case_actor(g, c, occurred, 0);
		d_str(g, "mode", interview_mode[e->a]);
		break;
	case GEN_BIRTH_REGISTERED:
		case_actor(g, c, occurred, 0);
		d_date(g, "birth_date", e->a ? c->birth - 1 : c->birth);
		d_key(g, "children");
		put_uint(g, c->flags & CF_TWINS ? 2 : 1);
		break;
	case GEN_HAPPYBABY_CONTACT:
		case_actor(g, c, occurred, 1);
		d_str(g, "mode", happybaby_mode[e->a]);
		break;
	case GEN_CHECKUP_ATTENDED:
		case_actor(g, c, occurred, 1);
		d_key(g, "session");
		PUTS(g, "\"");
		put_month_stream(g, "checkup:", occurred);
		PUTS(g, "\"");
		d_bool(g, "shared_with_nurse", e->a);
		break;
	case GEN_ROOM_VISITED:
		case_actor(g, c, occurred, 1);
		d_str(g, "room", room_code[district_room(g, c->cur)]);
		break;
	case GEN_REFERRAL_MADE:
		case_actor(g, c, occurred, 0);
		d_str(g, "to", referral_to[e->a]);
		if (e->b != NONE)
			d_str(g, "reason", referral_reason[e->b]);
		break;
	case GEN_SUPPORT_FLAGGED:
		case_actor(g, c, occurred, 0);
		d_str(g, "reason", flag_reason[e->a]);
		break;
	case GEN_SUPPORT_CLEARED:
		case_actor(g, c, occurred, 0);
		if (e->a != NONE)
			d_str(g, "reason", clear_reason[e->a]);
		break;
	case GEN_CASE_TRANSFERRED:
		c->cur = e->b;
		case_actor(g, c, occurred, 0);
		d_str(g, "district", g->dname[c->cur]);
		break;
	case GEN_CASE_CLOSED:
		case_actor(g, c, occurred, 0);
		d_str(g, "reason", close_reason[e->a]);
		break;
	case GEN_EVENT_RETRACTED:
		case_actor(g, c, occurred, 0);
		d_key(g, "target");
		PUTS(g, "\"");
		make_id(g, KEY_EVENT(c->serial, e->b), id);
		put_uuid(g, id);
		PUTS(g, "\"");
		d_str(g, "reason", retract_reason[e->a]);
		break;
	}
	ev_end(g);
}

static void
cal_add(struct gen *g, struct gcase *c)
{
	struct bucket *b = &g->cal[c->ev[c->at].day % CAL_DAYS];

	c->next = NULL;
	if (b->tail)
		b->tail->next = c;
	else
		b->head = c;
	b->tail = c;
}

/* Writes the case's events of today; then it waits for its next day, or
 * is done. */
static void
case_today(struct gen *g, struct gcase *c)
{
	while (c->at < c->nev && c->ev[c->at].day == g->today)
		emit_case_event(g, c, &c->ev[c->at++]);
	if (c->at < c->nev)
		cal_add(g, c);
	else
		free(c);
}

static int
u64v_push(struct u64v *v, uint64_t x)
{
	uint64_t *p;

	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 256;
		if ((p = realloc(v->v, cap * sizeof *p)) == NULL)
			return ENOMEM;
		v->v = p;
		v->cap = cap;
	}
	v->v[v->n++] = x;
	return 0;
}

static int
new_case(struct gen *g)
{
	struct gcase head, *c;
	double r;
	int rc = 0;

	head.serial = g->nserial++;
	draw_case(g, &head);
	if ((c = malloc(sizeof *c + g->ntl * sizeof(struct gev))) == NULL)
		return ENOMEM;
	*c = head;
	memcpy(c->ev, g->tl, g->ntl * sizeof(struct gev));
	c->nev = (uint8_t)g->ntl;
	c->at = 0;
	g->st->cases++;

	/* Shared at the month's meeting; a few are forgotten until the next
	 * month, or for good (not-shared fires for them). */
	r = rndp(g);
	if (r >= 0.015)
		rc = u64v_push(&g->m_now, c->serial);
	else if (r >= 0.0075)
		rc = u64v_push(&g->m_late_next, c->serial);
	case_today(g, c);
	return rc;
}

static void
emit_meetings(struct gen *g)
{
	size_t total = g->m_now.n + g->m_late.n, i, part = 0;
	uint8_t id[16];
	uint64_t s;

	for (i = 0; i < total; i++) {
		if (i % MEETING_MAX == 0) {
			ev_begin(g, GEN_MEETING_HELD, KEY_INFRA(g->infra++));
			put_month_stream(g, "meeting:", g->today);
			if (++part > 1) {
				PUTS(g, "-");
				put_uint(g, part);
			}
			ev_actor(g, g->today, 'N', 0);
			d_str(g, "kind", "handbook");
			d_key(g, "cases");
			PUTS(g, "[\"");
		} else
			PUTS(g, ",\"");
		s = i < g->m_late.n ? g->m_late.v[i] : g->m_now.v[i - g->m_late.n];
		make_id(g, KEY_CASE(s), id);
		put_uuid(g, id);
		PUTS(g, "\"");
		if (i % MEETING_MAX == MEETING_MAX - 1 || i == total - 1) {
			PUTS(g, "]");
			ev_end(g);
		}
	}
	g->m_now.n = 0;
	g->m_late.n = 0;
	/* The forgotten of this month are listed at the next meeting. */
	{
		struct u64v t = g->m_late;
		g->m_late = g->m_late_next;
		g->m_late_next = t;
	}
}

static void
emit_checkup(struct gen *g)
{
	ev_begin(g, GEN_CHECKUP_HELD, KEY_INFRA(g->infra++));
	put_month_stream(g, "checkup:", g->today);
	ev_actor(g, g->today, 'N', 1);
	d_str(g, "kind", "3-4m");
	ev_end(g);
}

/* ---- setup ---- */

static int
setup(struct gen *g)
{
	const struct gen_opts *o = g->o;
	uint64_t births = o->births, x;
	uint32_t d, nco, c, i, per_room[NROOMS] = { 0 };
	int32_t z;
	unsigned f;
	int r, rc;
	double cases_a_year, q;

	x = o->seed;
	for (i = 0; i < 4; i++) {
		x += 0x9e3779b97f4a7c15ULL;
		g->s[i] = mix64(x);
	}
	g->k1 = mix64(o->seed ^ 0x6f79616b6f2d6964ULL);
	g->k2 = mix64(g->k1 ^ 0x2d67656e2d6b6579ULL);

	g->fy_start = gen_days(o->fy, 4, 1);
	g->start = gen_days(o->fy - 1, 3, 1);
	g->first_case = gen_days(o->fy - 1, 4, 1);
	g->end = gen_days(o->fy + (int)o->years, 3, 31);
	if (o->until < g->end)
		g->end = o->until;
	g->today = g->start;

	/* Dates up to a year past the end: due dates look ahead. */
	g->dbase = g->start - 31;
	g->dn = (g->end > g->start ? g->end - g->start : 0) + 31 + 400;
	if ((g->dates = malloc((size_t)g->dn * sizeof *g->dates)) == NULL)
		return ENOMEM;
	for (z = 0; z < g->dn; z++)
		jn_date_format(g->dbase + z, g->dates[z]);

	/* 12 to 20 districts for a city, one per 40 births beyond. */
	g->nd = births <= 800 ? 12 + (uint32_t)(births / 100) : (uint32_t)(births / 40);
	g->dname = calloc(g->nd, sizeof *g->dname);
	g->dhome = malloc(g->nd);
	g->owner = malloc(g->nd * sizeof *g->owner);
	g->last_owner = malloc(g->nd * sizeof *g->last_owner);
	if (!g->dname || !g->dhome || !g->owner || !g->last_owner)
		return ENOMEM;
	for (d = 0; d < g->nd; d++) {
		char t[64];
		if (d < NDBASE)
			snprintf(t, sizeof t, "%s", district_base[d]);
		else
			snprintf(t, sizeof t, "%s%u", district_base[d % NDBASE], (unsigned)(d / NDBASE + 1));
		if ((g->dname[d] = strdup(t)) == NULL)
			return ENOMEM;
		g->dhome[d] = (uint8_t)(d % NROOMS);
		per_room[d % NROOMS]++;
		g->last_owner[d] = -1;
	}

	/* One coordinator per room and more as the city grows; each room's
	 * districts are dealt out among the coordinators sitting there. */
	nco = g->nd / 3 > 7 ? g->nd / 3 : 7;
	for (c = 0; c < nco; c++)
		if ((rc = new_coord(g, (int)(c % NROOMS), &i)) != 0)
			return rc;
	for (d = 0; d < g->nd; d++) {
		uint32_t room = g->dhome[d], here = (nco - room + NROOMS - 1) / NROOMS;
		c = room + NROOMS * ((d / NROOMS) % here);
		g->owner[d] = -1;
		move_district(g, d, (int32_t)c);
	}
	g->nnurse = births / 50 > 9 ? (uint32_t)(births / 50) : 9;

	/* Births are ~95.6% of handbooks: the others end, move away or vanish. */
	cases_a_year = (double)births / 0.956;
	g->per_weekday = cases_a_year / 260.9;
	for (r = 0; r < NROOMS; r++) {
		q = (double)per_room[r] / g->nd;
		g->class_p[r] = class_groups[r] / 59.0 * (59.0 / 450 * 0.956 / 0.97) / q;
		if (g->class_p[r] > 1)
			g->class_p[r] = 1;
		g->room_open[r] = 1;
		g->q_class[r] = rndp(g);
	}
	g->q_interview = rndp(g);
	g->q_happybaby = rndp(g);
	g->q_checkup = rndp(g);
	for (r = 0; r < 2; r++) {
		g->q_interview_mode[r] = rndp(g);
		g->q_happybaby_mode[r] = rndp(g);
	}

	for (f = 0; f < o->years; f++) {
		int y = o->fy + (int)f;
		if ((rc = add_action(g, weekday_on_or_after(gen_days(y, 9, 1)), ACT_REASSIGN, 0)) ||
		    (rc = add_action(g, weekday_on_or_after(gen_days(y, 11, 14)), ACT_LEAVE_MID, 0)) ||
		    (rc = add_action(g, weekday_on_or_after(gen_days(y + 1, 3, 16)), ACT_LEAVE_END,
		     (uint32_t)gen_days(y + 1, 4, 1))))
			return rc;
		if (f == 1 && (rc = add_action(g, gen_days(y, 9, 30), ACT_ROOM_CLOSE, BOKABOKA)))
			return rc;
		if (f == 2 && (rc = add_action(g, gen_days(y, 4, 1), ACT_ROOM_REOPEN, BOKABOKA)))
			return rc;
	}
	return 0;
}

static void
teardown(struct gen *g)
{
	struct gcase *c, *n;
	uint32_t d;
	int i;

	for (i = 0; i < CAL_DAYS; i++)
		for (c = g->cal[i].head; c; c = n) {
			n = c->next;
			free(c);
		}
	if (g->dname)
		for (d = 0; d < g->nd; d++)
			free(g->dname[d]);
	free(g->dname);
	free(g->dhome);
	free(g->owner);
	free(g->last_owner);
	free(g->co);
	free(g->act);
	free(g->dates);
	free(g->m_now.v);
	free(g->m_late.v);
	free(g->m_late_next.v);
	free(g->buf);
}

/* ---- the walk ---- */

static int
day(struct gen *g)
{
	struct gcase *c, *n;
	struct bucket *b;
	int w = wday(g->today), rc;
	unsigned k, cases;

	if ((rc = run_actions(g)) != 0)
		return rc;
	if (g->today == checkup_day(g, g->today))
		emit_checkup(g);
	if (g->today >= g->first_case && w != 0 && w != 6) {
		/* Handbooks are issued on weekdays; the carry keeps the yearly
		 * total exact while the daily count varies. */
		g->carry += g->per_weekday;
		cases = (unsigned)(g->carry + rndp(g));
		g->carry -= cases;
		for (k = 0; k < cases; k++)
			if ((rc = new_case(g)) != 0)
				return rc;
	}
	if (g->today == meeting_day(g, g->today))
		emit_meetings(g);

	b = &g->cal[g->today % CAL_DAYS];
	c = b->head;
	b->head = b->tail = NULL;
	for (; c; c = n) {
		n = c->next;
		if (c->ev[c->at].day != g->today) {
			/* Not possible: no case waits a whole turn of the ring. */
			free(c);
			return EINVAL;
		}
		case_today(g, c);
	}
	return g->err;
}

int
gen_run(const struct gen_opts *o, FILE *out, struct gen_stats *st)
{
	struct gen *g;
	uint32_t r;
	int rc;

	memset(st, 0, sizeof *st);
	st->first = 1;
	st->last = 0;
	if ((g = calloc(1, sizeof *g)) == NULL)
		return ENOMEM;
	g->o = o;
	g->st = st;
	g->out = out;
	if ((g->buf = malloc(OUTBUF)) == NULL) {
		rc = ENOMEM;
		goto done;
	}
	if ((rc = setup(g)) != 0)
		goto done;

	/* The city before the first case: its rooms, then its coordinators. */
	if (g->start <= g->end) {
		for (r = 0; r < NROOMS; r++)
			emit_room_opened(g, (int)r, 0);
		for (r = 0; r < g->nco; r++)
			emit_assigned(g, r);
	}
	for (; g->today <= g->end; g->today++)
		if ((rc = day(g)) != 0)
			goto done;
	flush(g);
	if (!g->err && fflush(out) != 0)
		g->err = errno ? errno : EIO;
	rc = g->err;
done:
	teardown(g);
	free(g);
	return rc;
}
