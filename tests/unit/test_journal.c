/* test_journal.c: unit tests of the journal library (journal/journal.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <msgpack.h>

#include "journal.h"
#include "jsonl.h"

#define CASE1 "11111111-1111-4111-8111-111111111111"
#define CASE2 "22222222-2222-4222-8222-222222222222"

static char dir[256];
static jn_errinfo lasterr;

static void
rmrf(const char *path)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	assert_int_equal(system(cmd), 0);
}

static int
setup(void **state)
{
	snprintf(dir, sizeof dir, "%s/oyako-unit.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	strcat(dir, "/j");
	setenv("OYAKO_TODAY", "2026-01-15", 1);
	unsetenv("OYAKO_MAPSIZE");
	*state = NULL;
	return 0;
}

static int
teardown(void **state)
{
	char *slash = strrchr(dir, '/');
	*slash = '\0';
	rmrf(dir);
	return 0;
}

static jn_env *
newenv(void)
{
	jn_env *env;
	assert_int_equal(jn_env_open(dir, JN_CREATE | JN_NOSYNC, &env), 0);
	return env;
}

/* Appends one JSON line; returns the library's code. */
static int
add(jn_env *env, const char *json, uint64_t *seqp, int *storedp)
{
	jl_event e = { 0 };
	int rc;

	memset(&lasterr, 0, sizeof lasterr);
	rc = jl_decode(json, strlen(json), 0, &e, &lasterr);
	if (rc == 0)
		rc = jn_append1(env, &e.ev, seqp, storedp, &lasterr);
	jl_event_free(&e);
	return rc;
}

#define OK(env, json) assert_int_equal(add((env), (json), NULL, NULL), 0)

static void
base(jn_env *env)
{
	OK(env, "{\"type\":\"room.opened\",\"stream\":\"room:kokinu\",\"occurred\":\"2025-03-01\",\"actor\":\"t\",\"data\":{\"name\":\"小絹児童館\"}}");
	OK(env, "{\"id\":\"aaaaaaaa-0000-4000-8000-000000000001\",\"type\":\"handbook.issued\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-04-03\",\"actor\":\"nurse:N07\",\"data\":{\"district\":\"陽光台\",\"due_date\":\"2025-11-01\",\"support_needed\":false}}");
	OK(env, "{\"type\":\"checkup.held\",\"stream\":\"checkup:2025-07\",\"occurred\":\"2025-07-10\",\"actor\":\"t\",\"data\":{\"kind\":\"3-4m\"}}");
}

static uint64_t
head(jn_env *env, uint8_t hash[JN_HASH_LEN])
{
	jn_txn *txn;
	uint64_t seq;
	assert_int_equal(jn_txn_begin(env, JN_TXN_RDONLY, &txn), 0);
	assert_int_equal(jn_head(txn, &seq, hash), 0);
	jn_txn_abort(txn);
	return seq;
}

static void
test_open_create(void **state)
{
	jn_env *env;
	struct stat st;
	char f[300];

	assert_int_equal(jn_env_open(dir, 0, &env), JN_ENOTFOUND);
	env = newenv();
	jn_env_close(env);
	assert_int_equal(jn_env_open(dir, JN_CREATE, &env), JN_EEXIST);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(f, sizeof f, "%s/data.mdb", dir);
	assert_int_equal(stat(f, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(jn_env_open(dir, JN_RDONLY, &env), 0);
	{
		jn_txn *txn;
		assert_int_equal(jn_txn_begin(env, 0, &txn), JN_ERDONLY);
	}
	jn_env_close(env);
}

static void
test_append_iterate(void **state)
{
	jn_env *env = newenv();
	jn_txn *txn;
	jn_iter *it;
	jn_event ev;
	uint64_t seq;
	int stored, n = 0;

	base(env);
	assert_int_equal(add(env, "{\"type\":\"interview.8month\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-09-03T10:30\",\"actor\":\"nurse:N07\",\"data\":{\"mode\":\"group\"}}", &seq, &stored), 0);
	assert_int_equal(seq, 4);
	assert_int_equal(stored, 1);
	assert_int_equal(jn_txn_begin(env, JN_TXN_RDONLY, &txn), 0);
	assert_int_equal(jn_iter_seq(txn, 2, 3, &it), 0);
	while (jn_iter_next(it, &ev) == 0) {
		n++;
		assert_int_equal(ev.seq, (uint64_t)n + 1);
	}
	jn_iter_close(it);
	assert_int_equal(n, 2);
	assert_int_equal(jn_iter_stream(txn, JN_STR("case:" CASE1), &it), 0);
	n = 0;
	while (jn_iter_next(it, &ev) == 0) {
		n++;
		assert_int_equal(ev.version, (uint32_t)n);
		assert_true(jn_str_eq(ev.stream, "case:" CASE1));
	}
	jn_iter_close(it);
	assert_int_equal(n, 2);
	assert_int_equal(jn_get(txn, 4, &ev), 0);
	assert_int_equal(ev.type_code, JN_T_INTERVIEW_8MONTH);
	assert_true(jn_str_eq(ev.occurred, "2025-09-03T10:30"));
	assert_int_equal(ev.recorded.n, JN_RECORDED_LEN);
	assert_int_equal(jn_iter_stream(txn, JN_STR("case:nope"), &it), JN_ENOTFOUND);
	jn_txn_abort(txn);
	jn_env_close(env);
}

static void
test_idempotent_and_clash(void **state)
{
	jn_env *env = newenv();
	uint64_t seq;
	int stored;
	const char *line = "{\"id\":\"bbbbbbbb-0000-4000-8000-000000000001\",\"type\":\"room.visited\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"room\":\"kokinu\"}}";

	base(env);
	assert_int_equal(add(env, line, &seq, &stored), 0);
	assert_int_equal(stored, 1);
	assert_int_equal(add(env, line, &seq, &stored), 0);
	assert_int_equal(stored, 0);
	assert_int_equal(seq, 4);
	assert_int_equal(head(env, NULL), 4);
	assert_int_equal(add(env, "{\"id\":\"bbbbbbbb-0000-4000-8000-000000000001\",\"type\":\"room.visited\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-02\",\"actor\":\"c\",\"data\":{\"room\":\"kokinu\"}}", NULL, NULL), JN_EIDCLASH);
	assert_string_equal(lasterr.field, "occurred");
	/* A retry of the case's opening succeeds although a second
	 * handbook.issued would now be refused. */
	OK(env, "{\"id\":\"aaaaaaaa-0000-4000-8000-000000000001\",\"type\":\"handbook.issued\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-04-03\",\"actor\":\"nurse:N07\",\"data\":{\"support_needed\":false,\"due_date\":\"2025-11-01\",\"district\":\"陽光台\"}}");
	assert_int_equal(head(env, NULL), 4);
	jn_env_close(env);
}

static void
test_conflict(void **state)
{
	jn_env *env = newenv();

	base(env);
	assert_int_equal(add(env, "{\"type\":\"room.visited\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"room\":\"kokinu\"},\"expected_version\":0}", NULL, NULL), JN_ECONFLICT);
	assert_string_equal(lasterr.field, "expected_version");
	assert_int_equal(head(env, NULL), 3);
	OK(env, "{\"type\":\"room.visited\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"room\":\"kokinu\"},\"expected_version\":1}");
	OK(env, "{\"type\":\"room.opened\",\"stream\":\"room:bloom\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"name\":\"BLOOM\"},\"expected_version\":0}");
	jn_env_close(env);
}

/* Each line must be refused with JN_EINVALID naming field. */
static const struct {
	const char *line, *field;
} invalid[] = {
	{ "{\"type\":\"room.painted\",\"stream\":\"room:x\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{}}", "type" },
	{ "{\"type\":\"room.opened\",\"stream\":\"room:x\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{}}", "data" },
	{ "{\"type\":\"room.opened\",\"stream\":\"room:X!\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"name\":\"x\"}}", "stream" },
	{ "{\"type\":\"room.opened\",\"stream\":\"staff:C01\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"name\":\"x\"}}", "stream" },
	{ "{\"type\":\"room.opened\",\"stream\":\"room:x\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"name\":\"x\",\"colour\":\"red\"}}", "data.colour" },
	{ "{\"type\":\"room.opened\",\"stream\":\"room:x\",\"occurred\":\"2025-02-30\",\"actor\":\"c\",\"data\":{\"name\":\"x\"}}", "occurred" },
	{ "{\"type\":\"room.opened\",\"stream\":\"room:x\",\"occurred\":\"2026-01-16\",\"actor\":\"c\",\"data\":{\"name\":\"x\"}}", "occurred" },
	{ "{\"type\":\"room.opened\",\"stream\":\"room:x\",\"occurred\":\"2025-05-01T24:00\",\"actor\":\"c\",\"data\":{\"name\":\"x\"}}", "occurred" },
	{ "{\"type\":\"room.opened\",\"stream\":\"room:x\",\"occurred\":\"0000-05-01\",\"actor\":\"c\",\"data\":{\"name\":\"x\"}}", "occurred" },
	{ "{\"type\":\"room.opened\",\"stream\":\"room:x\",\"occurred\":\"2025-05-01\",\"actor\":\"\",\"data\":{\"name\":\"x\"}}", "actor" },
	{ "{\"type\":\"room.opened\",\"stream\":\"room:x\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"name\":\"\"}}", "data.name" },
	{ "{\"type\":\"room.opened\",\"stream\":\"room:x\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"name\":7}}", "data.name" },
	{ "{\"type\":\"coordinator.assigned\",\"stream\":\"staff:C01\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"room\":\"nowhere\",\"districts\":[\"a\"]}}", "data.room" },
	{ "{\"type\":\"coordinator.assigned\",\"stream\":\"staff:C01\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"room\":\"kokinu\",\"districts\":[]}}", "data.districts" },
	{ "{\"type\":\"coordinator.assigned\",\"stream\":\"staff:C01\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"room\":\"kokinu\",\"districts\":[\"a\",\"a\"]}}", "data.districts" },
	{ "{\"type\":\"meeting.held\",\"stream\":\"meeting:2025-04\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"kind\":\"handbook\",\"cases\":[\"" CASE2 "\"]}}", "data.cases" },
	{ "{\"type\":\"meeting.held\",\"stream\":\"meeting:2025-04\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"kind\":\"monthly\",\"cases\":[]}}", "data.kind" },
	{ "{\"type\":\"checkup.held\",\"stream\":\"checkup:x\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"kind\":\"1-6y\"}}", "data.kind" },
	{ "{\"type\":\"handbook.issued\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"district\":\"d\",\"due_date\":\"2025-11-01\",\"support_needed\":true}}", "stream" },
	{ "{\"type\":\"handbook.issued\",\"stream\":\"case:" CASE2 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"district\":\"d\",\"due_date\":\"2025-13-01\",\"support_needed\":true}}", "data.due_date" },
	{ "{\"type\":\"handbook.issued\",\"stream\":\"case:" CASE2 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"district\":\"d\",\"due_date\":\"2025-11-01\",\"support_needed\":\"yes\"}}", "data.support_needed" },
	{ "{\"type\":\"handbook.issued\",\"stream\":\"case:" CASE2 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"district\":\"d\",\"due_date\":\"2025-11-01\",\"support_needed\":true,\"needs\":[\"rich\"]}}", "data.needs" },
	{ "{\"type\":\"handbook.issued\",\"stream\":\"case:" CASE2 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"district\":\"d\",\"due_date\":\"2025-11-01\"}}", "data" },
	{ "{\"type\":\"handbook.issued\",\"stream\":\"case:22222222-2222-4222-8222-22222222222G\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"district\":\"d\",\"due_date\":\"2025-11-01\",\"support_needed\":true}}", "stream" },
	{ "{\"type\":\"handbook.issued\",\"stream\":\"case:22222222-2222-4222-8222-22222222222A\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"district\":\"d\",\"due_date\":\"2025-11-01\",\"support_needed\":true}}", "stream" },
	{ "{\"type\":\"class.attended\",\"stream\":\"case:" CASE2 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"room\":\"kokinu\",\"partner\":true}}", "stream" },
	{ "{\"type\":\"class.attended\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"room\":\"bloom\",\"partner\":true}}", "data.room" },
	{ "{\"type\":\"class.attended\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"room\":\"kokinu\"}}", "data" },
	{ "{\"type\":\"interview.8month\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"mode\":\"phone\"}}", "data.mode" },
	{ "{\"type\":\"birth.registered\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"birth_date\":\"2025-04-31\",\"children\":1}}", "data.birth_date" },
	{ "{\"type\":\"birth.registered\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"birth_date\":\"2025-04-30\",\"children\":0}}", "data.children" },
	{ "{\"type\":\"happybaby.contact\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"mode\":\"phone\"}}", "data.mode" },
	{ "{\"type\":\"checkup.attended\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"session\":\"checkup:2099-01\",\"shared_with_nurse\":true}}", "data.session" },
	{ "{\"type\":\"checkup.attended\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"session\":\"room:kokinu\",\"shared_with_nurse\":true}}", "data.session" },
	{ "{\"type\":\"checkup.attended\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{}}", "data" },
	{ "{\"type\":\"room.visited\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"room\":\"ohisama\"}}", "data.room" },
	{ "{\"type\":\"referral.made\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"reason\":\"x\"}}", "data" },
	{ "{\"type\":\"support.flagged\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{}}", "data" },
	{ "{\"type\":\"case.transferred\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"district\":[]}}", "data.district" },
	{ "{\"type\":\"case.closed\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"reason\":\"bored\"}}", "data.reason" },
	{ "{\"type\":\"event.retracted\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"target\":\"" CASE2 "\",\"reason\":\"x\"}}", "data.target" },
	{ "{\"type\":\"event.retracted\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"target\":\"nope\",\"reason\":\"x\"}}", "data.target" },
	{ "{\"type\":\"event.retracted\",\"stream\":\"room:kokinu\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"target\":\"aaaaaaaa-0000-4000-8000-000000000001\",\"reason\":\"x\"}}", "data.target" },
	{ "{\"type\":\"event.retracted\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"target\":\"aaaaaaaa-0000-4000-8000-000000000001\"}}", "data" },
	{ "{\"type\":\"coordinator.left\",\"stream\":\"staff:C01\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"when\":\"now\"}}", "data.when" },
	{ "{\"type\":\"room.closed\",\"stream\":\"meeting:x\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{}}", "stream" },
	{ "{\"type\":\"room.opened\",\"stream\":\"shop:x\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"name\":\"x\"}}", "stream" },
};

static void
test_validation(void **state)
{
	jn_env *env = newenv();
	uint8_t h0[JN_HASH_LEN], h1[JN_HASH_LEN];
	size_t i;

	base(env);
	head(env, h0);
	for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
		int rc = add(env, invalid[i].line, NULL, NULL);
		if (rc != JN_EINVALID || strcmp(lasterr.field, invalid[i].field) != 0)
			fail_msg("line %zu: rc %d field '%s' (want '%s'): %s", i, rc, lasterr.field,
			    invalid[i].field, lasterr.msg);
		assert_true(strlen(lasterr.msg) > 0);
	}
	assert_int_equal(head(env, h1), 3);
	assert_memory_equal(h0, h1, JN_HASH_LEN);
	/* The boundary: today is accepted. */
	OK(env, "{\"type\":\"room.opened\",\"stream\":\"room:x\",\"occurred\":\"2026-01-15\",\"actor\":\"c\",\"data\":{\"name\":\"x\"}}");
	jn_env_close(env);
}

static void
test_retraction(void **state)
{
	jn_env *env = newenv();
	jn_txn *txn;
	uint64_t *seqs, by;
	size_t n;

	base(env);
	/* seq 4 */
	OK(env, "{\"id\":\"cccccccc-0000-4000-8000-000000000001\",\"type\":\"birth.registered\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-10-30\",\"actor\":\"c\",\"data\":{\"birth_date\":\"2025-10-29\",\"children\":2}}");
	assert_int_equal(add(env, "{\"type\":\"birth.registered\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-10-30\",\"actor\":\"c\",\"data\":{\"birth_date\":\"2025-10-28\",\"children\":1}}", NULL, NULL), JN_EINVALID);
	/* seq 5 retracts 4; then a new birth is allowed */
	OK(env, "{\"id\":\"dddddddd-0000-4000-8000-000000000001\",\"type\":\"event.retracted\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-10-31\",\"actor\":\"c\",\"data\":{\"target\":\"cccccccc-0000-4000-8000-000000000001\",\"reason\":\"twins typo\"}}");
	OK(env, "{\"type\":\"birth.registered\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-10-30\",\"actor\":\"c\",\"data\":{\"birth_date\":\"2025-10-29\",\"children\":1}}");
	assert_int_equal(add(env, "{\"type\":\"event.retracted\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-10-31\",\"actor\":\"c\",\"data\":{\"target\":\"cccccccc-0000-4000-8000-000000000001\",\"reason\":\"again\"}}", NULL, NULL), JN_EINVALID);
	assert_string_equal(lasterr.field, "data.target");
	assert_non_null(strstr(lasterr.msg, "already retracted"));
	assert_int_equal(add(env, "{\"type\":\"event.retracted\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-10-31\",\"actor\":\"c\",\"data\":{\"target\":\"dddddddd-0000-4000-8000-000000000001\",\"reason\":\"undo\"}}", NULL, NULL), JN_EINVALID);
	assert_non_null(strstr(lasterr.msg, "cannot be retracted"));
	/* Retracting the handbook closes the case to new events until reissued. */
	OK(env, "{\"type\":\"event.retracted\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-10-31\",\"actor\":\"c\",\"data\":{\"target\":\"aaaaaaaa-0000-4000-8000-000000000001\",\"reason\":\"wrong family\"}}");
	assert_int_equal(add(env, "{\"type\":\"room.visited\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-11-01\",\"actor\":\"c\",\"data\":{\"room\":\"kokinu\"}}", NULL, NULL), JN_EINVALID);
	assert_int_equal(add(env, "{\"type\":\"meeting.held\",\"stream\":\"meeting:m\",\"occurred\":\"2025-11-01\",\"actor\":\"c\",\"data\":{\"kind\":\"handbook\",\"cases\":[\"" CASE1 "\"]}}", NULL, NULL), JN_EINVALID);
	OK(env, "{\"type\":\"handbook.issued\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-04-03\",\"actor\":\"nurse:N07\",\"data\":{\"district\":\"小張\",\"due_date\":\"2025-11-01\",\"support_needed\":false}}");
	OK(env, "{\"type\":\"room.visited\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-11-01\",\"actor\":\"c\",\"data\":{\"room\":\"kokinu\"}}");
	assert_int_equal(jn_txn_begin(env, JN_TXN_RDONLY, &txn), 0);
	assert_int_equal(jn_retracted(txn, 0, &seqs, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(seqs[0], 2);
	assert_int_equal(seqs[1], 4);
	free(seqs);
	/* --at-seq 6 knows only the first retraction (seq 5). */
	assert_int_equal(jn_retracted(txn, 6, &seqs, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(seqs[0], 4);
	free(seqs);
	assert_int_equal(jn_retracted_by(txn, 4, &by), 0);
	assert_int_equal(by, 5);
	assert_int_equal(jn_retracted_by(txn, 3, &by), JN_ENOTFOUND);
	{
		jn_verify_report rep;
		assert_int_equal(jn_verify(txn, &rep, NULL, NULL), 0);
		assert_int_equal(rep.events, 9);
	}
	jn_txn_abort(txn);
	jn_env_close(env);
}

typedef struct batch {
	int n_good, bad_at;
} batch;

/* Decodes line into e and appends it in txn: the library's code. */
static int
append_line(jn_txn *txn, jl_event *e, const char *line, int *storedp)
{
	int rc = jl_decode(line, strlen(line), 0, e, NULL);

	return rc != 0 ? rc : jn_append(txn, &e->ev, NULL, storedp);
}

static int
batch_fn(jn_txn *txn, void *arg)
{
	batch *b = arg;
	jl_event e = { 0 };
	char line[400];
	int i, rc = 0;

	for (i = 0; i < b->n_good + (b->bad_at >= 0) && rc == 0; i++) {
		snprintf(line, sizeof line, "{\"type\":\"room.visited\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"%s\",\"actor\":\"c\",\"data\":{\"room\":\"kokinu\"}}",
		    i == b->bad_at ? "2025-04-31" : "2025-05-01");
		rc = append_line(txn, &e, line, NULL);
	}
	jl_event_free(&e);
	return rc;
}

static void
test_batch_atomic(void **state)
{
	jn_env *env = newenv();
	batch b = { 5, 3 };

	base(env);
	assert_int_equal(jn_write(env, batch_fn, &b), JN_EINVALID);
	assert_int_equal(head(env, NULL), 3);
	b.bad_at = -1;
	assert_int_equal(jn_write(env, batch_fn, &b), 0);
	assert_int_equal(head(env, NULL), 8);
	jn_env_close(env);
}

/* Ids of four shapes in one transaction: random (buckets of one or two in
 * the commit's sort), small buckets in reverse order, a run sharing their
 * first two bytes (one large bucket), and counters in the last bytes only.
 * Into an empty journal the sorted ids go in with MDB_APPEND, which refuses
 * a key out of order: the commit fails if the sort is wrong.  After it every id must be found at its own seq, a
 * second run must store nothing, and verify must find the id index whole. */
static int
ids_fn(jn_txn *txn, void *arg)
{
	int *stored_total = arg;
	jl_event e = { 0 };
	char line[400], id[37];
	int i, rc = 0, stored;

	for (i = 0; i < 3000 && rc == 0; i++) {
		if (i % 4 == 3) {
			/* Forty buckets of some twenty ids each, in reverse. */
			snprintf(id, sizeof id, "%04x%04x-0000-4000-8000-%012d",
			    (unsigned)((i / 4) % 40 * 0x101), (unsigned)(0xffff - i), i);
		} else if (i % 3 == 0) {
			uint8_t raw[JN_ID_LEN];
			/* Deterministic "random" ids: a simple LCG, version 4 bits set. */
			uint64_t x = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
			for (int k = 0; k < JN_ID_LEN; k++, x = x * 6364136223846793005ull + 1442695040888963407ull)
				raw[k] = (uint8_t)(x >> 56);
			raw[6] = (raw[6] & 0x0f) | 0x40;
			raw[8] = (raw[8] & 0x3f) | 0x80;
			jn_uuid_format(raw, id);
		} else if (i % 3 == 1) {
			snprintf(id, sizeof id, "cccc%04x-0000-4000-8000-%012d", (unsigned)(3000 - i), i);
		} else {
			snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
		}
		snprintf(line, sizeof line, "{\"id\":\"%s\",\"type\":\"room.opened\",\"stream\":\"room:r%d\",\"occurred\":\"2025-05-01\",\"actor\":\"c\",\"data\":{\"name\":\"r\"}}", id, i);
		if ((rc = append_line(txn, &e, line, &stored)) == 0)
			*stored_total += stored;
	}
	jl_event_free(&e);
	return rc;
}

static void
test_batch_ids_sorted(void **state)
{
	jn_env *env = newenv();
	jn_txn *txn;
	jn_iter *it;
	jn_event ev, byid;
	jn_verify_report rep;
	int stored = 0, n = 0;

	assert_int_equal(jn_write(env, ids_fn, &stored), 0);
	assert_int_equal(stored, 3000);
	assert_int_equal(head(env, NULL), 3000);
	stored = 0;
	assert_int_equal(jn_write(env, ids_fn, &stored), 0);
	assert_int_equal(stored, 0);
	assert_int_equal(head(env, NULL), 3000);
	assert_int_equal(jn_txn_begin(env, JN_TXN_RDONLY, &txn), 0);
	assert_int_equal(jn_iter_seq(txn, 1, UINT64_MAX, &it), 0);
	while (jn_iter_next(it, &ev) == 0) {
		assert_int_equal(jn_get_id(txn, ev.id, &byid), 0);
		assert_int_equal(byid.seq, ev.seq);
		n++;
	}
	jn_iter_close(it);
	assert_int_equal(n, 3000);
	assert_int_equal(jn_verify(txn, &rep, NULL, NULL), 0);
	jn_txn_abort(txn);
	jn_env_close(env);
}

/* Stream names longer than the head cache keeps inline (48 bytes) take
 * another path: in one transaction a checkup session with a 150-byte name
 * is held, then referenced twice, and its head must be found each time. */
static int
long_fn(jn_txn *txn, void *arg)
{
	const char *name = arg;
	jl_event e = { 0 };
	char line[1024];
	int i, rc = 0;

	for (i = 0; i < 3 && rc == 0; i++) {
		if (i == 0)
			snprintf(line, sizeof line, "{\"type\":\"checkup.held\",\"stream\":\"checkup:%s\",\"occurred\":\"2025-07-10\",\"actor\":\"t\",\"data\":{\"kind\":\"3-4m\"}}", name);
		else
			snprintf(line, sizeof line, "{\"type\":\"checkup.attended\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-07-10\",\"actor\":\"t\",\"data\":{\"session\":\"checkup:%s\",\"shared_with_nurse\":%s}}", name, i == 1 ? "true" : "false");
		rc = append_line(txn, &e, line, NULL);
	}
	jl_event_free(&e);
	return rc;
}

static void
test_long_stream_names(void **state)
{
	jn_env *env = newenv();
	jn_txn *txn;
	jn_verify_report rep;
	uint32_t version;
	char name[151], stream[160];

	memset(name, 'x', 150);
	name[150] = 0;
	snprintf(stream, sizeof stream, "checkup:%s", name);
	base(env);
	assert_int_equal(jn_write(env, long_fn, name), 0);
	assert_int_equal(head(env, NULL), 6);
	assert_int_equal(jn_txn_begin(env, JN_TXN_RDONLY, &txn), 0);
	assert_int_equal(jn_stream_version(txn, jn_str_c(stream), &version), 0);
	assert_int_equal(version, 1);
	assert_int_equal(jn_stream_version(txn, jn_str_c("case:" CASE1), &version), 0);
	assert_int_equal(version, 3);
	assert_int_equal(jn_verify(txn, &rep, NULL, NULL), 0);
	jn_txn_abort(txn);
	jn_env_close(env);
}

static void
test_map_grows(void **state)
{
	jn_env *env;
	batch b = { 4000, -1 };
	uint64_t map0, map1;

	setenv("OYAKO_MAPSIZE", "65536", 1);
	env = newenv();
	unsetenv("OYAKO_MAPSIZE");
	assert_int_equal(jn_env_size(env, &map0, NULL), 0);
	base(env);
	assert_int_equal(jn_write(env, batch_fn, &b), 0);
	assert_int_equal(head(env, NULL), 4003);
	assert_int_equal(jn_env_size(env, &map1, NULL), 0);
	assert_true(map1 > map0);
	jn_env_close(env);
	/* The grown size is kept by the file. */
	assert_int_equal(jn_env_open(dir, JN_RDONLY, &env), 0);
	assert_int_equal(head(env, NULL), 4003);
	jn_env_close(env);
}

typedef struct copy_arg {
	jn_env *src;
	int tamper;	/* 0: none, 1: hash, 2: seq */
} copy_arg;

static int
copy_fn(jn_txn *dst, void *arg)
{
	copy_arg *c = arg;
	jn_txn *txn;
	jn_iter *it;
	jn_event ev;
	int rc;

	assert_int_equal(jn_txn_begin(c->src, JN_TXN_RDONLY, &txn), 0);
	assert_int_equal(jn_iter_seq(txn, 1, 0, &it), 0);
	while ((rc = jn_iter_next(it, &ev)) == 0) {
		if (c->tamper == 1 && ev.seq == 2)
			ev.hash[0] ^= 1;
		if (c->tamper == 2 && ev.seq == 2)
			ev.seq = 3;
		if ((rc = jn_restore(dst, &ev)) != 0)
			break;
	}
	jn_iter_close(it);
	jn_txn_abort(txn);
	return rc == JN_END ? 0 : rc;
}

static void
test_restore(void **state)
{
	jn_env *src = newenv(), *dst;
	char d2[300];
	uint8_t h1[JN_HASH_LEN], h2[JN_HASH_LEN];
	copy_arg c = { src, 1 };

	base(src);
	OK(src, "{\"type\":\"event.retracted\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-10-31\",\"actor\":\"c\",\"data\":{\"target\":\"aaaaaaaa-0000-4000-8000-000000000001\",\"reason\":\"wrong\"}}");
	snprintf(d2, sizeof d2, "%s2", dir);
	assert_int_equal(jn_env_open(d2, JN_CREATE | JN_NOSYNC, &dst), 0);
	assert_int_equal(jn_write(dst, copy_fn, &c), JN_ECHAIN);
	assert_int_equal(head(dst, NULL), 0);
	c.tamper = 2;
	assert_int_equal(jn_write(dst, copy_fn, &c), JN_ECHAIN);
	c.tamper = 0;
	assert_int_equal(jn_write(dst, copy_fn, &c), 0);
	assert_int_equal(head(src, h1), head(dst, h2));
	assert_memory_equal(h1, h2, JN_HASH_LEN);
	{
		jn_txn *txn;
		uint64_t by;
		assert_int_equal(jn_txn_begin(dst, JN_TXN_RDONLY, &txn), 0);
		assert_int_equal(jn_retracted_by(txn, 2, &by), 0);
		assert_int_equal(by, 4);
		jn_txn_abort(txn);
	}
	jn_env_close(dst);
	jn_env_close(src);
	rmrf(d2);
}

/* Flips one byte of the stored actor "nurse:TAMPERME" in data.mdb. */
static void
test_verify_detects_flip(void **state)
{
	jn_env *env = newenv();
	jn_txn *txn;
	jn_verify_report rep;
	char f[300], *buf, *hit;
	struct stat st;
	int fd;

	base(env);
	OK(env, "{\"type\":\"room.visited\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-01\",\"actor\":\"nurse:TAMPERME\",\"data\":{\"room\":\"kokinu\"}}");
	OK(env, "{\"type\":\"room.visited\",\"stream\":\"case:" CASE1 "\",\"occurred\":\"2025-05-02\",\"actor\":\"c\",\"data\":{\"room\":\"kokinu\"}}");
	assert_int_equal(jn_txn_begin(env, JN_TXN_RDONLY, &txn), 0);
	assert_int_equal(jn_verify(txn, &rep, NULL, NULL), 0);
	assert_int_equal(rep.events, 5);
	jn_txn_abort(txn);
	jn_env_close(env);

	snprintf(f, sizeof f, "%s/data.mdb", dir);
	assert_int_equal(stat(f, &st), 0);
	buf = malloc((size_t)st.st_size);
	fd = open(f, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	/* Copy-on-write leaves stale copies of the page in free space: change
	 * every copy, as a tamperer who wants the change to show would. */
	hit = memmem(buf, (size_t)st.st_size, "TAMPERME", 8);
	assert_non_null(hit);
	for (; hit; hit = memmem(hit + 1, (size_t)(buf + st.st_size - hit - 1), "TAMPERME", 8))
		assert_int_equal(pwrite(fd, "X", 1, hit - buf), 1);
	close(fd);
	free(buf);

	assert_int_equal(jn_env_open(dir, JN_RDONLY, &env), 0);
	assert_int_equal(jn_txn_begin(env, JN_TXN_RDONLY, &txn), 0);
	assert_int_equal(jn_verify(txn, &rep, NULL, NULL), JN_ECORRUPT);
	assert_int_equal(rep.bad_seq, 4);
	assert_string_equal(rep.err.field, "hash");
	jn_txn_abort(txn);
	jn_env_close(env);
}

/* A caller's map with keys out of order and wide integers is stored in
 * canonical form, so the same content in another order is the same event. */
static void
test_canonical_data(void **state)
{
	jn_env *env = newenv();
	msgpack_sbuffer sb;
	msgpack_packer pk;
	jn_event ev = { 0 };
	uint64_t seq, seq2;
	int stored;
	jn_txn *txn;
	jn_event got;
	static const uint8_t want[] = { 0x82, 0xaa, 'b', 'i', 'r', 't', 'h', '_', 'd', 'a', 't', 'e',
		0xaa, '2', '0', '2', '5', '-', '1', '0', '-', '2', '9',
		0xa8, 'c', 'h', 'i', 'l', 'd', 'r', 'e', 'n', 0x02 };

	base(env);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	msgpack_pack_str_with_body(&pk, "children", 8);
	msgpack_pack_fix_uint64(&pk, 2);	/* 9 bytes where 1 will do */
	msgpack_pack_str_with_body(&pk, "birth_date", 10);
	msgpack_pack_str_with_body(&pk, "2025-10-29", 10);
	jn_uuid_generate(ev.id);
	ev.type = JN_STR("birth.registered");
	ev.stream = JN_STR("case:" CASE1);
	ev.occurred = JN_STR("2025-10-30");
	ev.actor = JN_STR("c");
	ev.data = (const uint8_t *)sb.data;
	ev.data_len = sb.size;
	ev.expected_version = JN_ANY_VERSION;
	assert_int_equal(jn_append1(env, &ev, &seq, &stored, NULL), 0);
	assert_int_equal(stored, 1);
	assert_int_equal(jn_txn_begin(env, JN_TXN_RDONLY, &txn), 0);
	assert_int_equal(jn_get(txn, seq, &got), 0);
	assert_int_equal(got.data_len, sizeof want);
	assert_memory_equal(got.data, want, sizeof want);
	jn_txn_abort(txn);
	/* The canonical bytes themselves are the same event. */
	ev.data = want;
	ev.data_len = sizeof want;
	assert_int_equal(jn_append1(env, &ev, &seq2, &stored, NULL), 0);
	assert_int_equal(stored, 0);
	assert_int_equal(seq2, seq);
	msgpack_sbuffer_destroy(&sb);
	jn_env_close(env);
}

/* jn_data_get agrees with msgpack-c on the same bytes. */
static void
test_reader_vs_msgpackc(void **state)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_unpacked up;
	jn_value v, e;
	char key[16];
	int64_t ints[] = { 0, 1, 127, 128, 255, 256, 65535, 65536, -1, -32, -33, -128, -129,
		-32768, -32769, 4294967295LL, 4294967296LL, INT64_MAX, INT64_MIN };
	size_t i, n = sizeof ints / sizeof ints[0];

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, n + 2);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof key, "k%zu", i);
		msgpack_pack_str_with_body(&pk, key, strlen(key));
		msgpack_pack_int64(&pk, ints[i]);
	}
	msgpack_pack_str_with_body(&pk, "s", 1);
	{
		char big[300];
		memset(big, 'x', sizeof big);
		msgpack_pack_str_with_body(&pk, big, sizeof big);
	}
	msgpack_pack_str_with_body(&pk, "a", 1);
	msgpack_pack_array(&pk, 20);
	for (i = 0; i < 20; i++)
		msgpack_pack_true(&pk);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof key, "k%zu", i);
		assert_int_equal(jn_data_get((uint8_t *)sb.data, sb.size, key, &v), 0);
		assert_int_equal(v.kind, JN_V_INT);
		msgpack_object o = up.data.via.map.ptr[i].val;
		int64_t ref = o.type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (int64_t)o.via.u64 : o.via.i64;
		assert_true(v.i == ref);
	}
	assert_int_equal(jn_data_get((uint8_t *)sb.data, sb.size, "s", &v), 0);
	assert_int_equal(v.kind, JN_V_STR);
	assert_int_equal(v.s.n, up.data.via.map.ptr[n].val.via.str.size);
	assert_int_equal(jn_data_get((uint8_t *)sb.data, sb.size, "a", &v), 0);
	assert_int_equal(v.kind, JN_V_ARRAY);
	assert_int_equal(v.n, 20);
	for (i = 0; jn_array_next(&v, &e) == 0; i++)
		assert_int_equal(e.kind, JN_V_BOOL);
	assert_int_equal(i, 20);
	assert_int_equal(jn_data_get((uint8_t *)sb.data, sb.size, "missing", &v), 0);
	assert_int_equal(v.kind, JN_V_NONE);
	/* Truncations never read past the end. */
	for (i = 0; i < sb.size; i++)
		(void)jn_data_get((uint8_t *)sb.data, i, "a", &v);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_dates(void **state)
{
	int32_t d;
	char out[11];
	static const char *bad[] = { "2025-02-29", "1900-02-29", "0000-01-01", "99999-01-01",
		"2025-13-01", "2025-00-10", "2025-01-32", "2025/01/01", "20250101", "" };
	size_t i;

	assert_int_equal(jn_date_parse(JN_STR("1970-01-01"), &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(jn_date_parse(JN_STR("2024-02-29"), &d), 0);
	assert_int_equal(jn_date_parse(JN_STR("2000-02-29"), &d), 0);
	jn_date_format(d, out);
	assert_string_equal(out, "2000-02-29");
	assert_int_equal(jn_date_parse(JN_STR("2026-03-31"), &d), 0);
	jn_date_format(d + 1, out);
	assert_string_equal(out, "2026-04-01");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(jn_date_parse(jn_str_c(bad[i]), &d), JN_EINVALID);
	setenv("OYAKO_TODAY", "2026-11-27", 1);
	jn_date_parse(JN_STR("2026-11-27"), &d);
	assert_int_equal(jn_today_jst(), d);
}

/* The worked example of specs/storage.md, computed there by the Python
 * reference (specs/reference/verify-export.py), restores with that hash. */
static void
test_spec_hash_example(void **state)
{
	jn_env *env = newenv();
	jl_event e = { 0 };
	char path[512], line[1024];
	uint8_t h[JN_HASH_LEN];
	char hex[2 * JN_HASH_LEN + 1];
	FILE *f;
	int i;

	snprintf(path, sizeof path, "%s/tests/fixtures/hash-example.jsonl", getenv("TOP") ? getenv("TOP") : ".");
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		assert_int_equal(jl_decode(line, strlen(line), JL_RESTORE, &e, NULL), 0);
		jn_txn *txn;
		assert_int_equal(jn_txn_begin(env, 0, &txn), 0);
		assert_int_equal(jn_restore(txn, &e.ev), 0);
		assert_int_equal(jn_txn_commit(txn), 0);
	}
	fclose(f);
	jl_event_free(&e);
	assert_int_equal(head(env, h), 2);
	for (i = 0; i < JN_HASH_LEN; i++)
		sprintf(hex + 2 * i, "%02x", h[i]);
	assert_string_equal(hex, "464634e5285b5378dbd05744ba4e67ff859368310f1a02b985087f633417fbdd");
	jn_env_close(env);
}

/* Every catalog name maps back to its type; prefixes and longer names,
 * which once read past the end of a name, do not. */
static void
test_type_names(void **state)
{
	char buf[64];
	for (int t = 1; t < JN_T_COUNT; t++) {
		const char *n = jn_type_name((jn_type)t);
		assert_non_null(n);
		assert_int_equal(jn_type_of(jn_str_c(n)), t);
		snprintf(buf, sizeof buf, "%s.more.text", n);
		assert_int_equal(jn_type_of(jn_str_c(buf)), JN_T_UNKNOWN);
		assert_int_equal(jn_type_of((jn_str){ n, strlen(n) - 1 }), JN_T_UNKNOWN);
	}
	assert_null(jn_type_name(JN_T_UNKNOWN));
	assert_int_equal(jn_type_of(JN_STR("")), JN_T_UNKNOWN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_iterate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotent_and_clash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retraction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_ids_sorted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_stream_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_grows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_detects_flip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_canonical_data, setup, teardown),
		cmocka_unit_test(test_reader_vs_msgpackc),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test_setup_teardown(test_spec_hash_example, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
