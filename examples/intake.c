/*
 * intake.c: a small intake program built against the installed liboyako.
 *
 *   cc intake.c $(pkg-config --cflags --libs oyako) -o intake
 *   ./intake JOURNAL CASE-UUID DISTRICT DUE-DATE [ACTOR]
 *
 * Records that a handbook was issued today (opening the case), durably, and
 * prints the event's seq.  Rerunning it with the same case is refused: the
 * case is already open.  Exit codes follow specs/exit-codes.md.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <oyako/journal.h>
#include <oyako/jsonl.h>

int
main(int argc, char **argv)
{
	jn_env *env = NULL;
	jl_event e = { 0 };
	jn_errinfo err;
	char line[1024], today[11];
	uint64_t seq;
	int rc, stored, code = 0;

	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: intake JOURNAL CASE-UUID DISTRICT DUE-DATE [ACTOR]\n");
		return 2;
	}
	jn_date_format(jn_today_jst(), today);
	/* The JSON Lines decoder of the library builds the event and its
	 * canonical MessagePack data; a real program would escape its strings. */
	snprintf(line, sizeof line,
	    "{\"type\":\"handbook.issued\",\"stream\":\"case:%s\",\"occurred\":\"%s\","
	    "\"actor\":\"%s\",\"data\":{\"district\":\"%s\",\"due_date\":\"%s\","
	    "\"support_needed\":false},\"expected_version\":0}",
	    argv[2], today, argc == 6 ? argv[5] : "intake:example", argv[3], argv[4]);
	if ((rc = jl_decode(line, strlen(line), 0, &e, &err)) != 0) {
		fprintf(stderr, "intake: error: field '%s': %s\n", err.field, err.msg);
		code = 3;
		goto done;
	}
	if ((rc = jn_env_open(argv[1], 0, &env)) != 0) {
		fprintf(stderr, "intake: error: cannot open journal '%s': %s\n", argv[1], jn_strerror(rc));
		code = rc == JN_ENOTFOUND ? 7 : 6;
		goto done;
	}
	rc = jn_append1(env, &e.ev, &seq, &stored, &err);
	if (rc != 0) {
		fprintf(stderr, "intake: error: field '%s': %s\n", err.field, err.msg);
		code = rc == JN_EINVALID ? 3 : rc == JN_ECONFLICT || rc == JN_EIDCLASH ? 4 : 6;
		goto env_close;
	}
	printf("%llu\n", (unsigned long long)seq);
env_close:
	jn_env_close(env);
done:
	jl_event_free(&e);
	return code;
}
