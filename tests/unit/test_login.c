/* test_login.c: the failed-login table of the server (server/http.c,
 * specs/server.md "Authentication"): a locked name stays locked however
 * many other names fail, logins under way count against the limit, and a
 * table full of locked names refuses rather than forgets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/internal.h"	/* journal/ has an internal.h too */

static srv *
mksrv(void)
{
	srv *s = calloc(1, sizeof *s);

	assert_non_null(s);
	s->cfg.login_window = 600;
	pthread_mutex_init(&s->smu, NULL);
	return s;
}

static void
freesrv(srv *s)
{
	pthread_mutex_destroy(&s->smu);
	free(s);
}

static void
fail_n(srv *s, const char *name, int n)
{
	while (n-- > 0)
		if (srv_login_begin(s, name) == 0)
			srv_login_end(s, name, 1);
}

/* Seconds name must wait (0: it may try); an attempt begun is ended
 * without a failure, so asking changes nothing. */
static unsigned
locked(srv *s, const char *name)
{
	unsigned wait = srv_login_begin(s, name);

	if (wait == 0)
		srv_login_end(s, name, 0);
	return wait;
}

/* Failing logins of 256 other names (the size of the table) used to push
 * the locked name out of it, and so unlock it. */
static void
test_locked_name_survives_a_flood(void **state)
{
	char name[32];
	srv *s = mksrv();
	int i;

	(void)state;
	fail_n(s, "nurse:N07", SRV_LOGIN_FAILURES);
	assert_true(locked(s, "nurse:N07") > 0);
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof name, "junk:%d", i);
		fail_n(s, name, 1);
	}
	assert_true(locked(s, "nurse:N07") > 0);
	freesrv(s);
}

/* Parallel requests used to pass the check together before any failure
 * was counted: logins under way count. */
static void
test_logins_under_way_count(void **state)
{
	srv *s = mksrv();
	int i;

	(void)state;
	for (i = 0; i < SRV_LOGIN_FAILURES; i++)
		assert_int_equal(srv_login_begin(s, "coord:C01"), 0);
	assert_true(srv_login_begin(s, "coord:C01") > 0);
	/* A success gives its place back; a failure keeps it. */
	srv_login_end(s, "coord:C01", 0);
	assert_int_equal(srv_login_begin(s, "coord:C01"), 0);
	for (i = 0; i < SRV_LOGIN_FAILURES; i++)
		srv_login_end(s, "coord:C01", 1);
	assert_true(srv_login_begin(s, "coord:C01") > 0);
	assert_int_equal(srv_login_begin(s, "intake:I1"), 0);
	freesrv(s);
}

/* Every entry locked: a new name is refused (fail closed), none unlocked. */
static void
test_full_table_refuses(void **state)
{
	char name[32];
	srv *s = mksrv();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof s->logins / sizeof s->logins[0]; i++) {
		snprintf(name, sizeof name, "junk:%zu", i);
		fail_n(s, name, SRV_LOGIN_FAILURES);
	}
	assert_true(srv_login_begin(s, "nurse:N07") > 0);
	assert_true(locked(s, "junk:0") > 0);
	freesrv(s);
}

/* One account logging in again and again used to fill the session table
 * (65536) and lock every other account out: past SRV_SESSIONS_PER_NAME
 * its oldest session ends. */
static void
test_sessions_of_one_name_are_bounded(void **state)
{
	srv_account a = { 0 }, b = { 0 };
	char cookie[80];
	srv *s = mksrv();
	size_t i, mine = 0;

	(void)state;
	snprintf(a.name, sizeof a.name, "nurse:N07");
	snprintf(b.name, sizeof b.name, "audit:A1");
	assert_int_equal(srv_session_new(s, &b, cookie, sizeof cookie), 0);
	for (i = 0; i < 3 * SRV_SESSIONS_PER_NAME; i++)
		assert_int_equal(srv_session_new(s, &a, cookie, sizeof cookie), 0);
	for (i = 0; i < s->nsess; i++)
		mine += strcmp(s->sessions[i].name, "nurse:N07") == 0;
	assert_int_equal(mine, SRV_SESSIONS_PER_NAME);
	assert_int_equal(s->nsess, SRV_SESSIONS_PER_NAME + 1);
	free(s->sessions);
	freesrv(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_locked_name_survives_a_flood),
		cmocka_unit_test(test_logins_under_way_count),
		cmocka_unit_test(test_full_table_refuses),
		cmocka_unit_test(test_sessions_of_one_name_are_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
