/* test_projections.c: the replay loop, the case model's rules at their
 * boundaries (specs/projections.md), the rules file and the annual tables,
 * on small journals built through the library. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "jsonl.h"
#include "annual.h"
#include "audit.h"
#include "cases.h"
#include "parallel.h"

#define CASE_A "aaaaaaaa-0000-4000-8000-000000000001"
#define CASE_B "bbbbbbbb-0000-4000-8000-000000000002"
#define CA "case:" CASE_A
#define CB "case:" CASE_B

static char dir[256];
static jn_env *env;
static uint64_t nev;	/* events appended: event n has id id_of(n) */

static void
id_of(uint64_t n, char out[37])
{
	snprintf(out, 37, "00000000-0000-4000-8000-%012llu", (unsigned long long)n);
}

static int
setup(void **state)
{
	snprintf(dir, sizeof dir, "%s/oyako-proj.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	strcat(dir, "/j");
	setenv("OYAKO_TODAY", "2027-12-31", 1);
	assert_int_equal(jn_env_open(dir, JN_CREATE | JN_NOSYNC, &env), 0);
	nev = 0;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	jn_env_close(env);
	*strrchr(dir, '/') = '\0';
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Appends one event; data is a JSON object.  Returns its seq. */
static uint64_t
add(const char *type, const char *stream, const char *occurred, const char *data)
{
	char line[4096], id[37];
	jl_event e = { 0 };
	jn_errinfo err;
	uint64_t seq = 0;
	int rc;

	id_of(++nev, id);
	snprintf(line, sizeof line,
	    "{\"id\":\"%s\",\"type\":\"%s\",\"stream\":\"%s\",\"occurred\":\"%s\",\"actor\":\"t\",\"data\":%s}",
	    id, type, stream, occurred, data);
	assert_int_equal(jl_decode(line, strlen(line), 0, &e, &err), 0);
	rc = jn_append1(env, &e.ev, &seq, NULL, &err);
	if (rc != 0)
		fail_msg("append %s: %s: %s", line, err.field, err.msg);
	jl_event_free(&e);
	assert_int_equal(seq, nev);
	return seq;
}

static uint64_t
retract(uint64_t seq, const char *stream, const char *occurred)
{
	char data[128], id[37];

	id_of(seq, id);
	snprintf(data, sizeof data, "{\"target\":\"%s\",\"reason\":\"test\"}", id);
	return add("event.retracted", stream, occurred, data);
}

static int32_t
day(const char *s)
{
	int32_t d;

	assert_int_equal(jn_date_parse(jn_str_c(s), &d), 0);
	return d;
}

/* The status of case id at date d (replaying 1..at_seq). */
typedef struct view {
	pj_model m;
	pj_rules r;
	pj_status st;
	int found;
	pj_prov prov;
} view;

/* look_at() with the replay in jobs partitions. */
static void
look_at_jobs(view *v, const char *id, const char *d, uint64_t at_seq, unsigned jobs)
{
	uint8_t bin[JN_ID_LEN];
	const pj_case *c;

	memset(v, 0, sizeof *v);
	pj_rules_default(&v->r);
	assert_int_equal(pj_model_init(&v->m, day(d)), 0);
	v->m.evict_days = v->r.infant_days;
	assert_int_equal(pj_model_replay_jobs(&v->m, env, at_seq, jobs, &v->prov), 0);
	assert_int_equal(jn_uuid_parse(jn_str_c(id), bin), 0);
	c = pj_model_case(&v->m, bin, 0, NULL);
	v->found = c != NULL && c->exists;
	if (c)
		pj_case_status(&v->m, c, &v->r, &v->st);
}

/* Every look at a case also replays in 2 and 3 partitions (parallel.h),
 * which must find the same: the same open case with the same status (the
 * district by its name: the merge numbers names anew), the same staff and
 * provenance. */
static void
look_at(view *v, const char *id, const char *d, uint64_t at_seq)
{
	unsigned jobs;

	look_at_jobs(v, id, d, at_seq, 1);
	for (jobs = 2; jobs <= 3; jobs++) {
		view w;
		pj_status a = v->st, b;

		look_at_jobs(&w, id, d, at_seq, jobs);
		b = w.st;
		assert_int_equal(w.prov.seq, v->prov.seq);
		assert_memory_equal(w.prov.hash, v->prov.hash, JN_HASH_LEN);
		assert_int_equal(w.m.nstaff, v->m.nstaff);
		/* A case that is not open may stay behind in its partition:
		 * the outputs show open cases only. */
		assert_int_equal(w.found && b.open, v->found && a.open);
		if (v->found && a.open) {
			assert_int_equal(b.district == PJ_NONE, a.district == PJ_NONE);
			if (a.district != PJ_NONE)
				assert_string_equal(pj_names_str(w.m.names, b.district),
				    pj_names_str(v->m.names, a.district));
			a.district = b.district = 0;
			assert_memory_equal(&a, &b, sizeof a);
		}
		pj_model_free(&w.m);
	}
}

/* The flags of case id at d, as a bit set; -1 when the case is not open. */
static int
flags_at(const char *id, const char *d)
{
	view v;
	int f;

	look_at(&v, id, d, 0);
	f = v.found && v.st.open ? (int)v.st.flags : -1;
	pj_model_free(&v.m);
	return f;
}

static int32_t
since_at(const char *id, const char *d, int flag)
{
	view v;
	int32_t s;

	look_at(&v, id, d, 0);
	assert_true(v.st.flags & (1u << flag));
	s = v.st.since[flag];
	pj_model_free(&v.m);
	return s;
}

/* The coordinator code of case id at d, or "-" when none. */
static const char *
coord_at(const char *id, const char *d)
{
	static char code[32];
	view v;

	look_at(&v, id, d, 0);
	snprintf(code, sizeof code, "%s", v.st.coord < 0 ? "-" :
	    pj_names_str(v.m.names, v.m.staff[v.st.coord].code));
	pj_model_free(&v.m);
	return code;
}

#define F(x) (1 << PJ_F_##x)

static void
base(const char *id, const char *issued, const char *due, int support)
{
	char data[256], stream[64];

	snprintf(stream, sizeof stream, "case:%s", id);
	snprintf(data, sizeof data, "{\"district\":\"north\",\"due_date\":\"%s\",\"support_needed\":%s}",
	    due, support ? "true" : "false");
	add("handbook.issued", stream, issued, data);
}

static void
staff(void)
{
	add("room.opened", "room:r1", "2020-01-01", "{\"name\":\"Room 1\"}");
	add("coordinator.assigned", "staff:C01", "2020-01-01", "{\"room\":\"r1\",\"districts\":[\"north\"]}");
}

static void
test_not_shared_boundary(void **state)
{
	staff();
	base(CASE_A, "2025-04-01", "2025-12-01", 0);
	assert_int_equal(flags_at(CASE_A, "2025-05-05") & F(NOT_SHARED), 0);	/* 34 days */
	assert_int_equal(flags_at(CASE_A, "2025-05-06") & F(NOT_SHARED), F(NOT_SHARED));
	assert_int_equal(since_at(CASE_A, "2025-05-07", PJ_F_NOT_SHARED), day("2025-05-06"));
	add("meeting.held", "meeting:m1", "2025-05-07", "{\"kind\":\"handbook\",\"cases\":[\"" CASE_A "\"]}");
	assert_int_equal(flags_at(CASE_A, "2025-05-06") & F(NOT_SHARED), F(NOT_SHARED));
	assert_int_equal(flags_at(CASE_A, "2025-05-07") & F(NOT_SHARED), 0);
	assert_int_equal(flags_at(CASE_A, "2025-03-31"), -1);	/* not issued yet */
}

static void
test_interview_and_birth_boundaries(void **state)
{
	staff();
	base(CASE_A, "2025-03-01", "2025-10-01", 0);
	add("meeting.held", "meeting:m1", "2025-03-10", "{\"kind\":\"handbook\",\"cases\":[\"" CASE_A "\"]}");
	/* due - 42 = 2025-08-20 */
	assert_int_equal(flags_at(CASE_A, "2025-08-19"), 0);
	assert_int_equal(flags_at(CASE_A, "2025-08-20"), F(NO_8MONTH_INTERVIEW));
	assert_int_equal(since_at(CASE_A, "2025-08-21", PJ_F_NO_8MONTH_INTERVIEW), day("2025-08-20"));
	/* due + 30 = 2025-10-31 */
	assert_int_equal(flags_at(CASE_A, "2025-10-30") & F(BIRTH_NOT_RECORDED), 0);
	assert_int_equal(flags_at(CASE_A, "2025-10-31") & F(BIRTH_NOT_RECORDED), F(BIRTH_NOT_RECORDED));
	add("interview.8month", CA, "2025-08-25", "{\"mode\":\"group\"}");
	assert_int_equal(flags_at(CASE_A, "2025-08-24"), F(NO_8MONTH_INTERVIEW));
	assert_int_equal(flags_at(CASE_A, "2025-08-25"), 0);
}

static void
test_infant_boundaries(void **state)
{
	view v;

	staff();
	base(CASE_A, "2025-03-01", "2025-09-01", 0);
	add("meeting.held", "meeting:m1", "2025-03-10", "{\"kind\":\"handbook\",\"cases\":[\"" CASE_A "\"]}");
	add("interview.8month", CA, "2025-07-20", "{\"mode\":\"group\"}");
	/* Twins: one birth event, children 2. */
	add("birth.registered", CA, "2025-09-01", "{\"birth_date\":\"2025-09-01\",\"children\":2}");
	look_at(&v, CASE_A, "2025-09-01", 0);
	assert_true(v.st.open && v.st.infant);
	assert_int_equal(v.st.next_what, JN_T_HAPPYBABY_CONTACT);
	assert_int_equal(v.st.next_by, day("2025-11-30"));
	pj_model_free(&v.m);
	/* birth + 90 = 2025-11-30, birth + 150 = 2026-01-29 */
	assert_int_equal(flags_at(CASE_A, "2025-11-29"), 0);
	assert_int_equal(flags_at(CASE_A, "2025-11-30"), F(NO_HAPPYBABY));
	assert_int_equal(flags_at(CASE_A, "2026-01-28"), F(NO_HAPPYBABY));
	assert_int_equal(flags_at(CASE_A, "2026-01-29"), F(NO_HAPPYBABY) | F(MISSED_CHECKUP));
	/* Open while D - birth <= 365. */
	assert_int_not_equal(flags_at(CASE_A, "2026-09-01"), -1);
	assert_int_equal(flags_at(CASE_A, "2026-09-02"), -1);
	add("happybaby.contact", CA, "2025-11-15", "{\"mode\":\"home\"}");
	look_at(&v, CASE_A, "2025-12-01", 0);
	assert_int_equal(v.st.flags, 0);
	assert_int_equal(v.st.next_what, JN_T_CHECKUP_ATTENDED);
	pj_model_free(&v.m);
	add("checkup.held", "checkup:c1", "2025-12-20", "{\"kind\":\"3-4m\"}");
	add("checkup.attended", CA, "2025-12-20", "{\"session\":\"checkup:c1\",\"shared_with_nurse\":true}");
	look_at(&v, CASE_A, "2026-02-01", 0);
	assert_int_equal(v.st.flags, 0);
	assert_int_equal(v.st.next_what, 0);
	pj_model_free(&v.m);
}

static void
test_retracted_contact_reopens_no_contact(void **state)
{
	uint64_t visit;

	staff();
	base(CASE_A, "2025-04-01", "2025-12-01", 1);
	add("meeting.held", "meeting:m1", "2025-04-05", "{\"kind\":\"handbook\",\"cases\":[\"" CASE_A "\"]}");
	visit = add("room.visited", CA, "2025-04-20", "{\"room\":\"r1\"}");
	assert_int_equal(flags_at(CASE_A, "2025-05-19"), F(SUPPORT_NEEDED));
	assert_int_equal(flags_at(CASE_A, "2025-05-20"), F(SUPPORT_NEEDED) | F(NO_CONTACT));
	assert_int_equal(since_at(CASE_A, "2025-05-20", PJ_F_SUPPORT_NEEDED), day("2025-04-01"));
	retract(visit, CA, "2025-05-02");
	/* The last contact is the handbook again: no-contact from 05-01. */
	assert_int_equal(flags_at(CASE_A, "2025-05-01"), F(SUPPORT_NEEDED) | F(NO_CONTACT));
	assert_int_equal(since_at(CASE_A, "2025-05-19", PJ_F_NO_CONTACT), day("2025-05-01"));
	assert_int_equal(flags_at(CASE_A, "2025-04-30"), F(SUPPORT_NEEDED));
}

static void
test_support_flag_and_clear_order(void **state)
{
	staff();
	base(CASE_A, "2025-04-01", "2025-12-01", 0);
	add("meeting.held", "meeting:m1", "2025-04-05", "{\"kind\":\"handbook\",\"cases\":[\"" CASE_A "\"]}");
	add("support.flagged", CA, "2025-05-01", "{\"reason\":\"x\"}");
	add("support.cleared", CA, "2025-05-01", "{}");
	/* Same day: the log order decides; cleared comes later. */
	assert_int_equal(flags_at(CASE_A, "2025-05-01") & F(SUPPORT_NEEDED), 0);
	add("support.flagged", CA, "2025-05-01", "{\"reason\":\"again\"}");
	assert_int_equal(flags_at(CASE_A, "2025-05-01") & F(SUPPORT_NEEDED), F(SUPPORT_NEEDED));
	/* A clearing recorded late but occurred earlier does not clear it. */
	add("support.cleared", CA, "2025-04-20", "{}");
	assert_int_equal(flags_at(CASE_A, "2025-05-02") & F(SUPPORT_NEEDED), F(SUPPORT_NEEDED));
	add("support.cleared", CA, "2025-05-03", "{}");
	assert_int_equal(flags_at(CASE_A, "2025-05-02") & F(SUPPORT_NEEDED), F(SUPPORT_NEEDED));
	assert_int_equal(flags_at(CASE_A, "2025-05-03") & F(SUPPORT_NEEDED), 0);
}

static void
test_transfer_and_leaving(void **state)
{
	staff();
	add("coordinator.assigned", "staff:C02", "2020-01-01", "{\"room\":\"r1\",\"districts\":[\"south\"]}");
	base(CASE_A, "2025-04-01", "2025-12-01", 0);
	add("case.transferred", CA, "2025-06-01", "{\"district\":\"south\"}");
	assert_string_equal(coord_at(CASE_A, "2025-05-31"), "C01");
	assert_string_equal(coord_at(CASE_A, "2025-06-01"), "C02");
	/* C02 leaves: nobody serves south. */
	add("coordinator.left", "staff:C02", "2025-07-01", "{}");
	assert_string_equal(coord_at(CASE_A, "2025-06-30"), "C02");
	assert_string_equal(coord_at(CASE_A, "2025-07-01"), "-");
	assert_int_equal(flags_at(CASE_A, "2025-07-01") & F(NO_COORDINATOR), F(NO_COORDINATOR));
	assert_int_equal(since_at(CASE_A, "2025-07-02", PJ_F_NO_COORDINATOR), day("2025-07-02"));
	/* C01 is reassigned to both: the most recent assignment serves. */
	add("coordinator.assigned", "staff:C01", "2025-08-01", "{\"room\":\"r1\",\"districts\":[\"north\",\"south\"]}");
	assert_string_equal(coord_at(CASE_A, "2025-08-01"), "C01");
	add("coordinator.assigned", "staff:C03", "2025-09-01", "{\"room\":\"r1\",\"districts\":[\"south\"]}");
	assert_string_equal(coord_at(CASE_A, "2025-08-31"), "C01");
	assert_string_equal(coord_at(CASE_A, "2025-09-01"), "C03");
	/* A transfer back (occurred later) wins over an earlier one. */
	add("case.transferred", CA, "2025-09-10", "{\"district\":\"north\"}");
	assert_string_equal(coord_at(CASE_A, "2025-09-10"), "C01");
}

static void
test_closed_case(void **state)
{
	staff();
	base(CASE_A, "2025-04-01", "2025-12-01", 0);
	add("case.closed", CA, "2025-06-01", "{\"reason\":\"moved_out\"}");
	assert_int_not_equal(flags_at(CASE_A, "2025-05-31"), -1);
	assert_int_equal(flags_at(CASE_A, "2025-06-01"), -1);
}

static void
test_retracted_handbook_hides_case(void **state)
{
	uint64_t hb, at;
	view v;

	staff();
	hb = add("handbook.issued", CA, "2025-04-01",
	    "{\"district\":\"north\",\"due_date\":\"2025-12-01\",\"support_needed\":false}");
	add("interview.8month", CA, "2025-10-01", "{\"mode\":\"group\"}");
	at = nev;
	retract(hb, CA, "2025-10-02");
	look_at(&v, CASE_A, "2025-11-01", 0);
	assert_false(v.found);
	pj_model_free(&v.m);
	/* --at-seq before the retraction: the earlier answer. */
	look_at(&v, CASE_A, "2025-11-01", at);
	assert_true(v.found && v.st.open);
	assert_int_equal(v.prov.seq, at);
	pj_model_free(&v.m);
	/* Appended again: the case exists with the new fields. */
	add("handbook.issued", CA, "2025-04-02",
	    "{\"district\":\"north\",\"due_date\":\"2026-01-01\",\"support_needed\":false}");
	look_at(&v, CASE_A, "2025-11-01", 0);
	assert_true(v.found && v.st.open);
	assert_int_equal(v.m.cases[0].due, day("2026-01-01"));
	pj_model_free(&v.m);
}

/* A case closed at D is evicted: its record is reused, its later events
 * are ignored, and it stays closed. */
static void
test_evict_closed_and_aged_out(void **state)
{
	uint8_t a[JN_ID_LEN], b[JN_ID_LEN];
	view v;

	assert_int_equal(jn_uuid_parse(jn_str_c(CASE_A), a), 0);
	assert_int_equal(jn_uuid_parse(jn_str_c(CASE_B), b), 0);
	staff();
	base(CASE_A, "2024-04-01", "2024-12-01", 0);
	add("case.closed", CA, "2024-06-01", "{\"reason\":\"moved_out\"}");
	add("support.flagged", CA, "2024-06-02", "{\"reason\":\"late record\"}");
	base(CASE_B, "2024-07-01", "2025-01-10", 0);
	add("birth.registered", CB, "2025-01-10", "{\"birth_date\":\"2025-01-10\",\"children\":1}");
	look_at(&v, CASE_A, "2026-02-01", 0);
	assert_false(v.found);
	assert_null(pj_model_case(&v.m, a, 0, NULL));
	assert_null(pj_model_case(&v.m, b, 0, NULL));	/* born over 365 days before D */
	assert_int_equal(v.m.nlive, 0);
	assert_int_equal(v.m.ncases, 1);	/* B took A's record */
	pj_model_free(&v.m);
	/* On birth + 365 the infant is open and followed. */
	look_at(&v, CASE_B, "2026-01-10", 0);
	assert_true(v.found && v.st.open);
	pj_model_free(&v.m);
	/* Without evict_days only closed cases go. */
	assert_int_equal(pj_model_init(&v.m, day("2026-02-01")), 0);
	assert_int_equal(pj_model_replay(&v.m, env, 0, NULL), 0);
	assert_non_null(pj_model_case(&v.m, b, 0, NULL));
	assert_null(pj_model_case(&v.m, a, 0, NULL));
	pj_model_free(&v.m);
}

/* A case with a retracted handbook.issued is never evicted: its close and
 * its interview, both recorded before the new handbook.issued, still count. */
static void
test_evict_keeps_reissued_case(void **state)
{
	uint64_t hb;

	staff();
	hb = add("handbook.issued", CA, "2025-04-01",
	    "{\"district\":\"north\",\"due_date\":\"2025-12-01\",\"support_needed\":false}");
	add("interview.8month", CA, "2025-10-01", "{\"mode\":\"group\"}");
	retract(hb, CA, "2025-10-02");
	base(CASE_A, "2025-04-02", "2025-12-01", 0);
	/* due - 42 passed: the interview recorded under the old handbook counts. */
	assert_int_equal(flags_at(CASE_A, "2025-10-25") & F(NO_8MONTH_INTERVIEW), 0);
	base(CASE_B, "2025-04-01", "2025-12-01", 0);
	hb = nev;
	add("case.closed", CB, "2025-05-01", "{\"reason\":\"moved_out\"}");
	retract(hb, CB, "2025-05-02");
	base(CASE_B, "2025-05-03", "2026-01-01", 0);
	assert_int_equal(flags_at(CASE_B, "2025-06-01"), -1);	/* still closed */
}

/* The hash table under many insertions and evictions: backward-shift
 * deletion must leave every other case findable. */
static void
test_evict_hash_table(void **state)
{
	enum { N = 6000 };
	pj_model m;
	uint8_t id[JN_ID_LEN];
	uint32_t i;
	int rc = 0;

	(void)state;
	assert_int_equal(pj_model_init(&m, 0), 0);
	memset(id, 0, sizeof id);
	for (i = 0; i < N; i++) {
		memcpy(id, &i, sizeof i);
		assert_non_null(pj_model_case(&m, id, 1, &rc));
	}
	for (i = 0; i < N; i += 3) {	/* every third, then the second of each pair */
		memcpy(id, &i, sizeof i);
		pj_model_evict(&m, pj_model_case(&m, id, 0, NULL));
	}
	for (i = 1; i < N; i += 3) {
		memcpy(id, &i, sizeof i);
		pj_model_evict(&m, pj_model_case(&m, id, 0, NULL));
	}
	assert_int_equal(m.nlive, N / 3);
	for (i = 0; i < N; i++) {
		pj_case *c;

		memcpy(id, &i, sizeof i);
		c = pj_model_case(&m, id, 0, NULL);
		if (i % 3 == 2) {
			assert_non_null(c);
			assert_memory_equal(c->id, id, JN_ID_LEN);
		} else
			assert_null(c);
	}
	/* New cases take the freed records before growing the array. */
	for (i = N; i < N + N / 3; i++) {
		memcpy(id, &i, sizeof i);
		assert_non_null(pj_model_case(&m, id, 1, &rc));
	}
	assert_int_equal(m.ncases, N);
	pj_model_free(&m);
}

static void
test_replay_provenance(void **state)
{
	pj_handler h[JN_T_COUNT] = { 0 };
	pj_prov p;
	jn_txn *txn;
	uint64_t head;
	uint8_t hash[JN_HASH_LEN];
	pj_opts o = { 0, 0, 0, NULL, NULL };

	assert_int_equal(pj_replay(env, &o, h, NULL, &p), 0);
	assert_int_equal(p.seq, 0);
	staff();
	base(CASE_A, "2025-04-01", "2025-12-01", 0);
	retract(3, CA, "2025-04-02");
	assert_int_equal(pj_replay(env, &o, h, NULL, &p), 0);
	assert_int_equal(jn_txn_begin(env, JN_TXN_RDONLY, &txn), 0);
	assert_int_equal(jn_head(txn, &head, hash), 0);
	jn_txn_abort(txn);
	assert_int_equal(p.seq, head);
	assert_memory_equal(p.hash, hash, JN_HASH_LEN);
	assert_int_equal(p.events, 4);
	assert_int_equal(p.live, 2);	/* the handbook and its retraction are skipped */
	o.at_seq = 5;
	assert_int_equal(pj_replay(env, &o, h, NULL, &p), JN_ENOTFOUND);
	o.at_seq = 2;
	o.flags = PJ_ALL;
	assert_int_equal(pj_replay(env, &o, h, NULL, &p), 0);
	assert_int_equal(p.seq, 2);
	assert_int_equal(p.live, 2);
}

static void
test_pj_date(void **state)
{
	int32_t d;
	int64_t s1, s2;

	assert_int_equal(pj_date(JN_STR("1970-01-01"), &d, &s1), 0);
	assert_int_equal(d, 0);
	assert_int_equal(pj_date(JN_STR("2024-02-29"), &d, NULL), 0);
	assert_int_equal(d, day("2024-02-29"));
	assert_int_equal(pj_date(JN_STR("2025-04-01"), &d, &s1), 0);
	assert_int_equal(pj_date(JN_STR("2025-04-01T00:00"), &d, &s2), 0);
	assert_true(s2 > s1);	/* a timed event sorts after a date-only one */
	assert_int_equal(pj_date(JN_STR("2025-13-01"), &d, NULL), JN_EINVALID);
	assert_int_equal(pj_date(JN_STR("2025-1-01"), &d, NULL), JN_EINVALID);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_rules_file(void **state)
{
	char path[300];
	jn_errinfo err;
	pj_rules r;

	snprintf(path, sizeof path, "%s.rules", dir);
	pj_rules_default(&r);
	write_file(path, "# comment\n\nnot_shared_days = 40  # trailing\n  happybaby_days=60\n");
	assert_int_equal(pj_rules_load(path, &r, &err), 0);
	assert_int_equal(r.not_shared_days, 40);
	assert_int_equal(r.happybaby_days, 60);
	assert_int_equal(r.checkup_days, 150);
	write_file(path, "not_shared_days = 40\nbogus = 1\n");
	assert_int_equal(pj_rules_load(path, &r, &err), JN_EINVALID);
	assert_non_null(strstr(err.field, ".rules:2"));
	assert_non_null(strstr(err.msg, "unknown key 'bogus'"));
	write_file(path, "checkup_days = 1x\n");
	assert_int_equal(pj_rules_load(path, &r, &err), JN_EINVALID);
	assert_non_null(strstr(err.msg, "'1x' is not a number"));
	write_file(path, "checkup_days = -1\n");
	assert_int_equal(pj_rules_load(path, &r, &err), JN_EINVALID);
	write_file(path, "checkup_days = 99999999999\n");
	assert_int_equal(pj_rules_load(path, &r, &err), JN_EINVALID);
	write_file(path, "checkup_days\n");
	assert_int_equal(pj_rules_load(path, &r, &err), JN_EINVALID);
	assert_non_null(strstr(err.msg, "expected 'key = value'"));
	unlink(path);
	assert_int_not_equal(pj_rules_load(path, &r, &err), 0);
	assert_int_not_equal(pj_rules_load(path, &r, &err), JN_EINVALID);
}

static void
test_rules_change_thresholds(void **state)
{
	view v;

	staff();
	base(CASE_A, "2025-04-01", "2025-12-01", 0);
	look_at(&v, CASE_A, "2025-04-11", 0);
	assert_int_equal(v.st.flags, 0);
	v.r.not_shared_days = 10;
	pj_case_status(&v.m, &v.m.cases[0], &v.r, &v.st);
	assert_int_equal(v.st.flags, F(NOT_SHARED));
	assert_int_equal(v.st.since[PJ_F_NOT_SHARED], day("2025-04-11"));
	pj_model_free(&v.m);
}

static void
test_why(void **state)
{
	view v;
	pj_why w;
	char buf[256];

	staff();
	base(CASE_A, "2025-04-01", "2025-12-01", 0);
	look_at(&v, CASE_A, "2025-05-06", 0);
	pj_case_why(&v.m, &v.m.cases[0], &v.r, PJ_F_NOT_SHARED, &w);
	assert_string_equal(w.rule, "not_shared_days");
	assert_int_equal(w.days, 35);
	assert_int_equal(w.date[0], day("2025-04-01"));
	pj_why_text(&w, PJ_F_NOT_SHARED, v.st.since[PJ_F_NOT_SHARED], 0, buf, sizeof buf);
	assert_string_equal(buf, "handbook.issued 2025-04-01 + 35 days (not_shared_days) = 2025-05-06: "
	    "in no handbook meeting");
	pj_model_free(&v.m);
}

static void
test_flag_names_sorted(void **state)
{
	int f;

	for (f = 1; f < PJ_F_COUNT; f++)
		assert_true(strcmp(pj_flag_name(f - 1), pj_flag_name(f)) < 0);
	assert_int_equal(pj_flag_parse("no-contact"), PJ_F_NO_CONTACT);
	assert_int_equal(pj_flag_parse("nope"), -1);
}

/* Annual: FY boundaries, rooms listed and named, retracted cases. */
static void
test_annual_rooms_and_boundaries(void **state)
{
	pj_annual a;
	pj_prov p;

	add("room.opened", "room:b", "2020-05-01", "{\"name\":\"B\"}");
	add("room.opened", "room:a", "2021-01-01", "{\"name\":\"A old\"}");
	add("room.opened", "room:gone", "2019-01-01", "{\"name\":\"Gone\"}");
	add("room.closed", "room:gone", "2025-03-31", "{}");	/* closed the day before: not listed */
	add("room.closed", "room:b", "2025-04-01", "{}");	/* open on April 1: listed */
	add("room.opened", "room:a", "2025-06-01", "{\"name\":\"A new\"}");	/* renamed in the FY */
	add("room.opened", "room:a", "2026-04-01", "{\"name\":\"A next\"}");	/* after: ignored */
	add("room.opened", "room:late", "2026-04-01", "{\"name\":\"Late\"}");
	base(CASE_A, "2025-01-01", "2025-06-01", 0);
	add("class.attended", CA, "2025-03-31", "{\"room\":\"a\",\"partner\":true}");
	add("class.attended", CA, "2025-04-01", "{\"room\":\"a\",\"partner\":true}");
	add("class.attended", CA, "2026-03-31", "{\"room\":\"a\",\"partner\":false}");
	add("class.attended", CA, "2026-04-01", "{\"room\":\"a\",\"partner\":false}");
	add("meeting.held", "meeting:1", "2026-03-31", "{\"kind\":\"handbook\",\"cases\":[\"" CASE_A "\"]}");
	add("checkup.held", "checkup:1", "2025-04-01", "{\"kind\":\"3-4m\"}");
	add("interview.8month", CA, "2025-04-01", "{\"mode\":\"visit\"}");
	add("happybaby.contact", CA, "2026-03-31", "{\"mode\":\"checkup\"}");
	assert_int_equal(pj_annual_run(env, 0, 2025, &a, &p), 0);
	assert_int_equal(a.nrooms, 2);
	assert_string_equal(pj_names_str(a.m.names, a.rooms[0].code), "b");	/* opened first */
	assert_string_equal(pj_names_str(a.m.names, a.rooms[1].code), "a");
	assert_string_equal(pj_names_str(a.m.names, a.rooms[1].name), "A new");
	assert_int_equal(a.rooms[1].groups, 2);
	assert_int_equal(a.rooms[1].couples, 1);
	assert_int_equal(a.rooms[0].groups, 0);
	assert_int_equal(a.meetings, 1);
	assert_int_equal(a.checkups, 1);
	assert_int_equal(a.interviews[PJ_IV_VISIT], 1);
	assert_int_equal(a.happybaby[PJ_HB_CHECKUP], 1);
	pj_annual_free(&a);
	assert_int_equal(pj_annual_run(env, 0, 2024, &a, &p), 0);
	assert_int_equal(a.nrooms, 3);	/* gone was open on 2025-03-31 */
	assert_int_equal(a.meetings, 0);
	pj_annual_free(&a);
}

static void
test_annual_retracted_handbook(void **state)
{
	pj_annual a;
	pj_prov p;
	uint64_t hb;

	add("room.opened", "room:a", "2021-01-01", "{\"name\":\"A\"}");
	hb = add("handbook.issued", CA, "2025-04-01",
	    "{\"district\":\"n\",\"due_date\":\"2025-12-01\",\"support_needed\":false}");
	add("interview.8month", CA, "2025-10-01", "{\"mode\":\"group\"}");
	retract(hb, CA, "2025-10-02");
	base(CASE_B, "2025-04-01", "2025-12-01", 0);
	add("interview.8month", CB, "2025-10-01", "{\"mode\":\"group\"}");
	assert_int_equal(pj_annual_run(env, 0, 2025, &a, &p), 0);
	assert_int_equal(a.interviews[PJ_IV_GROUP], 1);
	pj_annual_free(&a);
	/* What the journal knew before the retraction. */
	assert_int_equal(pj_annual_run(env, 3, 2025, &a, &p), 0);
	assert_int_equal(a.interviews[PJ_IV_GROUP], 1);
	pj_annual_free(&a);
	/* A new handbook.issued brings the case (and its interview) back. */
	add("handbook.issued", CA, "2025-04-01",
	    "{\"district\":\"n\",\"due_date\":\"2025-12-01\",\"support_needed\":false}");
	assert_int_equal(pj_annual_run(env, 0, 2025, &a, &p), 0);
	assert_int_equal(a.interviews[PJ_IV_GROUP], 2);
	pj_annual_free(&a);
	/* Retracted again: gone again, and so is the interview. */
	retract(nev, CA, "2025-10-03");
	assert_int_equal(pj_annual_run(env, 0, 2025, &a, &p), 0);
	assert_int_equal(a.interviews[PJ_IV_GROUP], 1);
	pj_annual_free(&a);
}

/* A suspect (a case whose handbook.issued was retracted) is let go when a
 * live handbook.issued comes: its waiting interview counts then, its later
 * one counts directly, and the record it leaves may serve the next suspect,
 * whose waiting interview must still not count. */
static void
test_annual_reissued_suspects(void **state)
{
	pj_annual a;
	pj_prov p;
	uint64_t hb;
	const char *hbdata = "{\"district\":\"n\",\"due_date\":\"2025-12-01\",\"support_needed\":false}";

	add("room.opened", "room:a", "2021-01-01", "{\"name\":\"A\"}");
	hb = add("handbook.issued", CA, "2025-04-01", hbdata);
	add("interview.8month", CA, "2025-10-01", "{\"mode\":\"group\"}");
	retract(hb, CA, "2025-10-02");
	add("handbook.issued", CA, "2025-04-01", hbdata);
	add("interview.8month", CA, "2025-10-05", "{\"mode\":\"individual\"}");
	hb = add("handbook.issued", CB, "2025-05-01", hbdata);
	add("interview.8month", CB, "2025-10-01", "{\"mode\":\"visit\"}");
	retract(hb, CB, "2025-10-02");
	assert_int_equal(pj_annual_run(env, 0, 2025, &a, &p), 0);
	assert_int_equal(a.interviews[PJ_IV_GROUP], 1);
	assert_int_equal(a.interviews[PJ_IV_INDIVIDUAL], 1);
	assert_int_equal(a.interviews[PJ_IV_VISIT], 0);
	/* Case B alone is still in doubt; case A's record was reused. */
	assert_int_equal(a.m.nlive, 1);
	assert_int_equal(a.m.ncases, 1);
	assert_int_equal(a.npending, 1);
	pj_annual_free(&a);
}

/* The retracted-event hook: it sees each retracted event (after as-of too),
 * never a retraction, and its error stops the replay. */
static uint64_t hooked[4];
static size_t nhooked;

static int
keep_retracted(void *ctx, const pj_ev *e)
{
	(void)ctx;
	assert_true(e->retracted);
	assert_true(nhooked < 4);
	hooked[nhooked++] = e->ev->seq;
	return 0;
}

static int
refuse_retracted(void *ctx, const pj_ev *e)
{
	(void)ctx;
	(void)e;
	return JN_EINVALID;
}

static void
test_replay_retracted_hook(void **state)
{
	pj_handler h[JN_T_COUNT] = { 0 };
	pj_opts o = { 0, 0, PJ_AS_OF, keep_retracted, NULL };
	uint64_t hb, fl;

	o.as_of = day("2025-04-30");
	staff();
	hb = add("handbook.issued", CA, "2025-04-01",
	    "{\"district\":\"n\",\"due_date\":\"2025-12-01\",\"support_needed\":false}");
	fl = add("support.flagged", CA, "2025-06-02", "{\"reason\":\"x\"}");
	nhooked = 0;
	assert_int_equal(pj_replay(env, &o, h, NULL, NULL), 0);
	assert_int_equal(nhooked, 0);
	retract(fl, CA, "2025-06-03");
	retract(hb, CA, "2025-06-04");
	assert_int_equal(pj_replay(env, &o, h, NULL, NULL), 0);
	assert_int_equal(nhooked, 2);
	assert_int_equal(hooked[0], hb);	/* in seq order */
	assert_int_equal(hooked[1], fl);	/* occurred after as-of: seen all the same */
	/* --at-seq before the second retraction: only the first is retracted. */
	nhooked = 0;
	o.at_seq = fl + 1;
	assert_int_equal(pj_replay(env, &o, h, NULL, NULL), 0);
	assert_int_equal(nhooked, 1);
	assert_int_equal(hooked[0], fl);
	o.at_seq = 0;
	o.retracted = refuse_retracted;
	assert_int_equal(pj_replay(env, &o, h, NULL, NULL), JN_EINVALID);
	/* PJ_ALL hands every event to the handlers, the hook is not called. */
	o.flags = PJ_ALL;
	assert_int_equal(pj_replay(env, &o, h, NULL, NULL), 0);
}

static void
test_uuid_fast(void **state)
{
	uint8_t a[JN_ID_LEN], b[JN_ID_LEN];

	assert_int_equal(pj_uuid_fast(CASE_A, a), 0);
	assert_int_equal(jn_uuid_parse(jn_str_c(CASE_A), b), 0);
	assert_memory_equal(a, b, JN_ID_LEN);
	assert_int_equal(pj_uuid_fast("AAAAAAAA-0000-4000-8000-000000000001", b), 0);
	assert_memory_equal(a, b, JN_ID_LEN);
	assert_int_equal(pj_uuid_fast("aaaaaaaa-0000-4000-8000-00000000000g", b), -1);
	assert_int_equal(pj_uuid_fast("aaaaaaaa00000-4000-8000-000000000001", b), -1);
	assert_int_equal(pj_uuid_fast("aaaaaaaa-0000-4000-8000:000000000001", b), -1);
	/* pj_case_id: the same id from a case stream, nothing from another. */
	{
		jn_event ev = { 0 };

		ev.stream = jn_str_c(CA);
		memset(b, 0, sizeof b);
		assert_int_equal(pj_case_id(&ev, b), 0);
		assert_memory_equal(a, b, JN_ID_LEN);
		ev.stream = jn_str_c("room:" CASE_A);
		assert_int_equal(pj_case_id(&ev, b), -1);
		ev.stream = jn_str_c(CA "0");
		assert_int_equal(pj_case_id(&ev, b), -1);
	}
}

/* Two cases in two partitions, each with a district of its own, first
 * seen in its partition: both get the same name index there, and only the
 * merge's renaming keeps them apart.  look_at() compares each with one
 * replay; the meeting lists the case of partition 1, whose "shared" must
 * come along. */
static void
test_partitions_merge(void **state)
{
	char id[2][37], stream[64], data[256];
	unsigned i, k;
	view v;

	for (i = 0, k = 0; k < 2; i++) {
		snprintf(id[k], sizeof id[k], "cccccccc-0000-4000-8000-%012u", i);
		snprintf(stream, sizeof stream, "case:%s", id[k]);
		if (pj_case_part(jn_str_c(stream), 2) == k)
			k++;
	}
	staff();
	for (k = 0; k < 2; k++) {
		snprintf(stream, sizeof stream, "case:%s", id[k]);
		snprintf(data, sizeof data, "{\"district\":\"%s\",\"due_date\":\"2025-12-01\","
		    "\"support_needed\":%s}", k ? "east" : "west", k ? "true" : "false");
		add("handbook.issued", stream, "2025-04-01", data);
	}
	snprintf(data, sizeof data, "{\"kind\":\"handbook\",\"cases\":[\"%s\"]}", id[1]);
	add("meeting.held", "meeting:m1", "2025-04-10", data);
	for (k = 0; k < 2; k++) {
		look_at(&v, id[k], "2025-06-01", 0);
		assert_true(v.found && v.st.open);
		assert_string_equal(pj_names_str(v.m.names, v.st.district), k ? "east" : "west");
		assert_int_equal(!!(v.st.flags & F(NOT_SHARED)), k == 0);
		assert_int_equal(!!(v.st.flags & F(SUPPORT_NEEDED)), k == 1);
		pj_model_free(&v.m);
	}
}

/* pj_model_reserve: the cases there stay findable, and the reserved ones
 * are created without moving the records. */
static void
test_model_reserve(void **state)
{
	pj_model m;
	uint8_t id[JN_ID_LEN];
	const pj_case *before;
	uint32_t i;
	int rc = 0;

	(void)state;
	assert_int_equal(pj_model_init(&m, 0), 0);
	memset(id, 0, sizeof id);
	for (i = 0; i < 100; i++) {
		memcpy(id, &i, sizeof i);
		assert_non_null(pj_model_case(&m, id, 1, &rc));
	}
	assert_int_equal(pj_model_reserve(&m, 5000), 0);
	assert_true(m.nslots >= 2 * 5100 && m.ccap >= 5100);
	before = m.cases;
	for (i = 0; i < 5100; i++) {
		memcpy(id, &i, sizeof i);
		assert_non_null(pj_model_case(&m, id, i >= 100, &rc));
	}
	assert_ptr_equal(m.cases, before);
	assert_int_equal(m.nlive, 5100);
	pj_model_free(&m);
}

/* pj_case_part: every partition gets a share of the cases, the same for
 * a case in upper or lower case, and other streams are for all (n). */
static void
test_case_part(void **state)
{
	char s[64];
	unsigned n, i, count[3];

	for (n = 2; n <= 3; n++) {
		memset(count, 0, sizeof count);
		for (i = 0; i < 3000; i++) {
			unsigned k;

			snprintf(s, sizeof s, "case:00000000-0000-4000-8000-%012u", i);
			k = pj_case_part(jn_str_c(s), n);
			assert_true(k < n);
			count[k]++;
		}
		for (i = 0; i < n; i++)
			assert_true(count[i] > 3000 / n / 2);
	}
	assert_int_equal(pj_case_part(jn_str_c(CA), 3),
	    pj_case_part(jn_str_c("case:AAAAAAAA-0000-4000-8000-000000000001"), 3));
	assert_int_equal(pj_case_part(jn_str_c("staff:C01"), 3), 3);
	assert_int_equal(pj_case_part(jn_str_c("meeting:2025-04"), 2), 2);
	assert_int_equal(pj_case_part(jn_str_c(CA "0"), 2), 2);
}

static void
test_recorded_day(void **state)
{
	int32_t d;

	/* Japan is UTC+9: 15:00 UTC is midnight of the next day there. */
	assert_int_equal(pj_recorded_day(JN_STR("2026-03-31T14:59:59.999999Z"), &d), 0);
	assert_int_equal(d, day("2026-03-31"));
	assert_int_equal(pj_recorded_day(JN_STR("2026-03-31T15:00:00.000000Z"), &d), 0);
	assert_int_equal(d, day("2026-04-01"));
	assert_int_equal(pj_recorded_day(JN_STR("2026-03-31"), &d), JN_EINVALID);
}

static uint64_t late_seqs[4];
static int64_t late_days[4];
static size_t nlate;

static int
keep_late(void *ctx, const jn_event *ev, int64_t days)
{
	(void)ctx;
	assert_true(nlate < 4);
	late_seqs[nlate] = ev->seq;
	late_days[nlate++] = days;
	return 0;
}

static int
refuse_late(void *ctx, const jn_event *ev, int64_t days)
{
	(void)ctx;
	(void)ev;
	(void)days;
	return JN_EINVALID;
}

static void
test_audit_counts(void **state)
{
	jn_txn *txn;
	pj_audit a;
	pj_prov p;
	uint64_t hb;

	hb = add("handbook.issued", CA, "2025-04-01",
	    "{\"district\":\"n\",\"due_date\":\"2025-12-01\",\"support_needed\":false}");
	retract(hb, CA, "2026-04-01");
	add("room.opened", "room:a", "2026-04-02", "{\"name\":\"A\"}");
	memset(&a, 0, sizeof a);
	a.from_seq = 1;
	a.late_days = 30;
	assert_int_equal(pj_audit_run(env, 0, &a, &p), 0);
	assert_int_equal(a.ncorrections, 1);
	assert_int_equal(a.corrections[0], 2);
	assert_int_equal(pj_names_count(a.actors), 1);
	assert_int_equal(a.counts[0].events, 3);
	assert_int_equal(a.counts[0].corrections, 1);
	assert_int_equal(a.counts[0].retracted, 1);
	assert_int_equal(a.nbackdated, 3);	/* recorded now, occurred in 2025-2026 */
	/* The list is read again from the log: the same three, in seq order. */
	a.to_seq = p.seq;
	assert_int_equal(jn_txn_begin(env, JN_TXN_RDONLY, &txn), 0);
	nlate = 0;
	assert_int_equal(pj_audit_backdated(txn, &a, keep_late, NULL), 0);
	assert_int_equal(nlate, 3);
	assert_int_equal(late_seqs[0], 1);
	assert_int_equal(late_seqs[2], 3);
	assert_true(late_days[0] > 30);
	a.from_seq = 2;
	nlate = 0;
	assert_int_equal(pj_audit_backdated(txn, &a, keep_late, NULL), 0);
	assert_int_equal(nlate, 2);
	assert_int_equal(late_seqs[0], 2);
	assert_int_equal(pj_audit_backdated(txn, &a, refuse_late, NULL), JN_EINVALID);
	jn_txn_abort(txn);
	pj_audit_free(&a);
	/* FY2025 by occurred: the handbook only (the retraction is FY2026). */
	memset(&a, 0, sizeof a);
	a.from_seq = 1;
	a.fy = 2025;
	a.late_days = 36500;
	assert_int_equal(pj_audit_run(env, 0, &a, &p), 0);
	assert_int_equal(a.ncorrections, 0);
	assert_int_equal(a.nbackdated, 0);
	assert_int_equal(a.counts[0].events, 1);
	pj_audit_free(&a);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_not_shared_boundary),
		T(test_interview_and_birth_boundaries),
		T(test_infant_boundaries),
		T(test_retracted_contact_reopens_no_contact),
		T(test_support_flag_and_clear_order),
		T(test_transfer_and_leaving),
		T(test_closed_case),
		T(test_retracted_handbook_hides_case),
		T(test_evict_closed_and_aged_out),
		T(test_evict_keeps_reissued_case),
		cmocka_unit_test(test_evict_hash_table),
		T(test_replay_provenance),
		cmocka_unit_test(test_pj_date),
		T(test_rules_file),
		T(test_rules_change_thresholds),
		T(test_why),
		cmocka_unit_test(test_flag_names_sorted),
		T(test_annual_rooms_and_boundaries),
		T(test_annual_retracted_handbook),
		T(test_annual_reissued_suspects),
		T(test_replay_retracted_hook),
		cmocka_unit_test(test_uuid_fast),
		cmocka_unit_test(test_recorded_day),
		cmocka_unit_test(test_case_part),
		cmocka_unit_test(test_model_reserve),
		T(test_partitions_merge),
		T(test_audit_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
