/*
 * sqlbench: the work of each `make bench` step done with SQLite, the way a
 * competent user would do it without oyako: one events table with the JSON
 * data as text, a bulk import in one transaction, the reports in SQL with
 * json_extract (->>), aggregates and window functions.
 *
 *     sqlbench import DB FILE          JSON Lines -> a new database DB
 *     sqlbench append DB N wal|delete  N one-row inserts, each its own commit
 *     sqlbench threads DB T N          T threads, each its own connection (WAL,
 *                                      synchronous=FULL), N inserts each, one a commit
 *     sqlbench export DB               every row as a JSON line on stdout
 *     sqlbench verify DB               PRAGMA integrity_check
 *     sqlbench annual DB FY            the five tables of BRIEF section 7 (JSON)
 *     sqlbench risk DB DATE            five of the risk flags at DATE (JSON)
 *     sqlbench caseload DB DATE        open cases per district at DATE (JSON)
 *
 * The journal's rules that the SQL keeps: retracted events and retractions do
 * not count; a case exists through its live handbook.issued; "latest" orders
 * by occurred, then seq; an as-of date sees events occurred on or before it.
 * append prints "MEDIAN_NS MIN_NS MAX_NS"; threads "EVENTS WALL_NS P50_NS P99_NS";
 * import prints the row count.
 * Exit: 0, 2 usage, 3 a line that is not JSON, 6 SQLite or I/O error.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "journal.h"

static const char *prog = "sqlbench";

static const char schema[] =
    "CREATE TABLE events ("
    " seq INTEGER PRIMARY KEY,"
    " id TEXT NOT NULL UNIQUE,"
    " type TEXT NOT NULL,"
    " stream TEXT NOT NULL,"
    " version INTEGER NOT NULL,"
    " occurred TEXT NOT NULL,"
    " recorded TEXT NOT NULL,"
    " actor TEXT NOT NULL,"
    " data JSON NOT NULL);"
    "CREATE UNIQUE INDEX events_stream ON events(stream, version);";

/* The version is the stream's next one, found through the (stream, version)
 * index as oyako finds it through its own. */
static const char insert_sql[] =
    "INSERT INTO events(id, type, stream, version, occurred, recorded, actor, data)"
    " VALUES (?1, ?2, ?3,"
    " (SELECT coalesce(max(version), 0) + 1 FROM events WHERE stream = ?3),"
    " ?4, ?5, ?6, ?7)";

/* Events that count: neither retracted nor retractions. */
#define CTE_RETRACTED \
	"retracted AS MATERIALIZED (SELECT data->>'$.target' AS id FROM events" \
	" WHERE type = 'event.retracted')"

/* The state of every case at ?2 (the as-of date), from its live events
 * occurred on or before it: issued (a live handbook.issued), due date,
 * district (the handbook's, or the latest transfer's), birth date, whether
 * each contact happened, closed. */
#define CTE_CASES \
	CTE_RETRACTED ", " \
	"ce AS MATERIALIZED (SELECT stream, type, occurred, seq, data FROM events" \
	" WHERE type IN ('handbook.issued', 'interview.8month', 'birth.registered'," \
	"  'happybaby.contact', 'checkup.attended', 'case.closed', 'case.transferred'," \
	"  'support.flagged', 'support.cleared')" \
	" AND substr(occurred, 1, 10) <= ?2 AND id NOT IN (SELECT id FROM retracted)), " \
	"moved AS (SELECT stream, district FROM (SELECT stream, data->>'$.district' AS district," \
	"  row_number() OVER (PARTITION BY stream ORDER BY occurred DESC, seq DESC) AS k" \
	"  FROM ce WHERE type = 'case.transferred') WHERE k = 1), " \
	"c AS (SELECT stream," \
	" max(type = 'handbook.issued') AS issued," \
	" max(CASE WHEN type = 'handbook.issued' THEN data->>'$.due_date' END) AS due," \
	" max(CASE WHEN type = 'handbook.issued' THEN data->>'$.district' END) AS district0," \
	" max(CASE WHEN type = 'birth.registered' THEN data->>'$.birth_date' END) AS birth," \
	" max(type = 'interview.8month') AS iv," \
	" max(type = 'happybaby.contact') AS hb," \
	" max(type = 'checkup.attended') AS ck," \
	" max(type = 'case.closed') AS closed" \
	" FROM ce GROUP BY stream), " \
	"open AS (SELECT c.*, coalesce(moved.district, c.district0) AS district" \
	" FROM c LEFT JOIN moved USING (stream)" \
	" WHERE issued AND NOT closed" \
	" AND (birth IS NULL OR julianday(?2) - julianday(birth) <= 365))"

static const char annual_sql[] =
    "WITH " CTE_RETRACTED ", "
    "cases AS MATERIALIZED (SELECT DISTINCT stream FROM events"
    " WHERE type = 'handbook.issued' AND id NOT IN (SELECT id FROM retracted)), "
    "fy AS MATERIALIZED (SELECT type, stream, data FROM events"
    " WHERE type IN ('meeting.held', 'checkup.held', 'class.attended',"
    "  'interview.8month', 'happybaby.contact')"
    " AND substr(occurred, 1, 10) BETWEEN ?2 AND ?3"
    " AND id NOT IN (SELECT id FROM retracted)"
    " AND (stream NOT LIKE 'case:%' OR stream IN (SELECT stream FROM cases))), "
    "ro AS MATERIALIZED (SELECT substr(stream, 6) AS room, type, occurred, seq,"
    " data->>'$.name' AS name FROM events"
    " WHERE type IN ('room.opened', 'room.closed') AND substr(occurred, 1, 10) <= ?3"
    " AND id NOT IN (SELECT id FROM retracted)), "
    "firstopen AS (SELECT room, occurred, seq FROM (SELECT room, occurred, seq,"
    " row_number() OVER (PARTITION BY room ORDER BY occurred, seq) AS k"
    " FROM ro WHERE type = 'room.opened') WHERE k = 1), "
    "lastname AS (SELECT room, name FROM (SELECT room, name,"
    " row_number() OVER (PARTITION BY room ORDER BY occurred DESC, seq DESC) AS k"
    " FROM ro WHERE type = 'room.opened') WHERE k = 1), "
    "before AS (SELECT room, type FROM (SELECT room, type,"
    " row_number() OVER (PARTITION BY room ORDER BY occurred DESC, seq DESC) AS k"
    " FROM ro WHERE substr(occurred, 1, 10) < ?2) WHERE k = 1), "
    "openfy AS (SELECT room FROM before WHERE type = 'room.opened'"
    " UNION SELECT room FROM ro WHERE type = 'room.opened' AND substr(occurred, 1, 10) >= ?2), "
    "cls AS (SELECT data->>'$.room' AS room, count(*) AS groups,"
    " sum(data->>'$.partner') AS couples FROM fy WHERE type = 'class.attended' GROUP BY 1), "
    "rows AS (SELECT json_object('room', o.room, 'name', n.name,"
    " 'groups', coalesce(cls.groups, 0),"
    " 'participants', coalesce(cls.groups, 0) + coalesce(cls.couples, 0),"
    " 'couples', coalesce(cls.couples, 0)) AS j"
    " FROM openfy o JOIN firstopen f USING (room) LEFT JOIN lastname n USING (room)"
    " LEFT JOIN cls USING (room) ORDER BY f.occurred, f.seq) "
    "SELECT json_object('fiscal_year', CAST(?1 AS INTEGER), 'from', ?2, 'to', ?3,"
    " 'handbook_meetings', (SELECT count(*) FROM fy WHERE type = 'meeting.held'"
    "  AND data->>'$.kind' = 'handbook'),"
    " 'maternity_classes', (SELECT json_group_array(json(j)) FROM rows),"
    " 'interviews_8month', (SELECT json_object('group', coalesce(sum(m = 'group'), 0),"
    "  'individual', coalesce(sum(m = 'individual'), 0), 'visit', coalesce(sum(m = 'visit'), 0))"
    "  FROM (SELECT data->>'$.mode' AS m FROM fy WHERE type = 'interview.8month')),"
    " 'happybaby', (SELECT json_object('home', coalesce(sum(m = 'home'), 0),"
    "  'room', coalesce(sum(m = 'room'), 0), 'checkup', coalesce(sum(m = 'checkup'), 0))"
    "  FROM (SELECT data->>'$.mode' AS m FROM fy WHERE type = 'happybaby.contact')),"
    " 'checkups_held', (SELECT count(*) FROM fy WHERE type = 'checkup.held'"
    "  AND data->>'$.kind' = '3-4m'))";

/* support-needed: the latest (occurred, then seq) of the support-raising
 * events and the clearings is not a clearing. */
static const char risk_sql[] =
    "WITH " CTE_CASES ", "
    "support AS (SELECT stream, since FROM (SELECT stream, type, substr(occurred, 1, 10) AS since,"
    " row_number() OVER (PARTITION BY stream ORDER BY occurred DESC, seq DESC) AS k"
    " FROM ce WHERE type IN ('support.flagged', 'support.cleared')"
    " OR (type = 'handbook.issued' AND (data->>'$.support_needed'"
    "  OR json_array_length(data, '$.needs') > 0)))"
    " WHERE k = 1 AND type <> 'support.cleared'), "
    "flags AS ("
    "SELECT stream, 'no-8month-interview' AS flag, date(due, '-42 days') AS since FROM open"
    " WHERE birth IS NULL AND NOT iv AND ?2 >= date(due, '-42 days')"
    " UNION ALL SELECT stream, 'birth-not-recorded', date(due, '+30 days') FROM open"
    " WHERE birth IS NULL AND ?2 >= date(due, '+30 days')"
    " UNION ALL SELECT stream, 'no-happybaby', date(birth, '+90 days') FROM open"
    " WHERE birth IS NOT NULL AND NOT hb AND ?2 >= date(birth, '+90 days')"
    " UNION ALL SELECT stream, 'missed-checkup', date(birth, '+150 days') FROM open"
    " WHERE birth IS NOT NULL AND NOT ck AND ?2 >= date(birth, '+150 days')"
    " UNION ALL SELECT stream, 'support-needed', since FROM open JOIN support USING (stream)"
    " ORDER BY 1, 2) "
    "SELECT json_object('as_of', ?2, 'flags', (SELECT json_group_array(json_object("
    " 'case', substr(stream, 6), 'flag', flag, 'since', since)) FROM flags))";

static const char caseload_sql[] =
    "WITH " CTE_CASES ", "
    "d AS (SELECT district, count(*) AS n FROM open GROUP BY district ORDER BY district) "
    "SELECT json_object('as_of', ?2, 'districts', (SELECT json_group_object(district, n) FROM d))";

static int db_error(sqlite3 *db, const char *what)
{
	fprintf(stderr, "%s: error: %s: %s\n", prog, what, sqlite3_errmsg(db));
	return 6;
}

static int db_open(const char *path, int flags, sqlite3 **dbp)
{
	int rc;

	rc = sqlite3_open_v2(path, dbp, flags, NULL);
	if (rc != SQLITE_OK) {
		rc = db_error(*dbp, path);
		sqlite3_close(*dbp);
		*dbp = NULL;
	}
	return rc;
}

static int exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db, sql);
	return 0;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The time of storing, as oyako writes `recorded` (JN_RECORDED_LEN bytes;
 * the buffer is larger only to quiet -Wformat-truncation). */
static void recorded_now(char out[64])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ts.tv_nsec / 1000);
}

static int bind_text(sqlite3_stmt *st, int i, json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* One line: parsed once with jansson, data stored as compact JSON text. */
static int insert_line(sqlite3 *db, sqlite3_stmt *st, const char *line, size_t len,
    const char *path, long lineno)
{
	char recorded[64];
	json_error_t jerr;
	json_t *o;
	char *data = NULL;
	int rc = 0;

	o = json_loadb(line, len, 0, &jerr);
	if (o == NULL || !json_is_object(o)) {
		fprintf(stderr, "%s: error: %s:%ld: %s\n", prog, path, lineno, jerr.text);
		rc = 3;
		goto json_free;
	}
	data = json_dumps(json_object_get(o, "data"), JSON_COMPACT | JSON_ENCODE_ANY);
	recorded_now(recorded);
	bind_text(st, 1, o, "id");
	bind_text(st, 2, o, "type");
	bind_text(st, 3, o, "stream");
	bind_text(st, 4, o, "occurred");
	sqlite3_bind_text(st, 5, recorded, -1, SQLITE_STATIC);
	bind_text(st, 6, o, "actor");
	sqlite3_bind_text(st, 7, data ? data : "{}", -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_error(db, "insert");
	sqlite3_reset(st);
	free(data);
json_free:
	json_decref(o);
	return rc;
}

static int cmd_import(const char *dbpath, const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	FILE *in;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0, rows = 0;
	int rc;

	in = fopen(path, "r");
	if (in == NULL) {
		fprintf(stderr, "%s: error: '%s': %s\n", prog, path, strerror(errno));
		return 6;
	}
	rc = db_open(dbpath, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db);
	if (rc)
		goto file_close;
	/* Durable like oyako's import (synchronous=FULL is the default); a page
	 * cache large enough that the two indexes do not thrash. */
	if ((rc = exec(db, "PRAGMA cache_size = -262144")) != 0 ||
	    (rc = exec(db, schema)) != 0 || (rc = exec(db, "BEGIN")) != 0)
		goto db_close;
	if (sqlite3_prepare_v2(db, insert_sql, -1, &st, NULL) != SQLITE_OK) {
		rc = db_error(db, "prepare");
		goto db_close;
	}
	while ((len = getline(&line, &cap, in)) > 0) {
		lineno++;
		if (len == 1 && line[0] == '\n')
			continue;
		rc = insert_line(db, st, line, (size_t)len, path, lineno);
		if (rc)
			goto stmt_finalize;
		rows++;
	}
	if (ferror(in)) {
		fprintf(stderr, "%s: error: '%s': %s\n", prog, path, strerror(errno));
		rc = 6;
		goto stmt_finalize;
	}
	if ((rc = exec(db, "COMMIT")) != 0)
		goto stmt_finalize;
	printf("%ld\n", rows);
stmt_finalize:
	sqlite3_finalize(st);
db_close:
	sqlite3_close(db);
file_close:
	free(line);
	fclose(in);
	return rc;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* One durable insert after another, each its own transaction: what an
 * intake program does for every contact it records. */
static int cmd_append(const char *dbpath, int n, const char *mode)
{
	static const char data[] =
	    "{\"district\":\"bench\",\"due_date\":\"2027-06-01\",\"support_needed\":false}";
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char sql[64], today[11], recorded[64];
	char id[37], stream[5 + 37];
	uint8_t bin[JN_ID_LEN];
	long long *ns, t0;
	int i, rc;

	ns = malloc((size_t)n * sizeof *ns);
	if (ns == NULL) {
		fprintf(stderr, "%s: error: out of memory\n", prog);
		return 6;
	}
	rc = db_open(dbpath, SQLITE_OPEN_READWRITE, &db);
	if (rc)
		goto ns_free;
	snprintf(sql, sizeof sql, "PRAGMA journal_mode = %s", mode);
	if ((rc = exec(db, sql)) != 0 || (rc = exec(db, "PRAGMA synchronous = FULL")) != 0)
		goto db_close;
	if (sqlite3_prepare_v2(db, insert_sql, -1, &st, NULL) != SQLITE_OK) {
		rc = db_error(db, "prepare");
		goto db_close;
	}
	jn_date_format(jn_today_jst(), today);
	for (i = 0; i < n; i++) {
		jn_uuid_generate(bin);
		jn_uuid_format(bin, id);
		snprintf(stream, sizeof stream, "case:%s", id);
		t0 = now_ns();
		recorded_now(recorded);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, "handbook.issued", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, stream, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, today, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, recorded, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, "bench", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, data, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = db_error(db, "insert");
			goto stmt_finalize;
		}
		sqlite3_reset(st);
		ns[i] = now_ns() - t0;
	}
	qsort(ns, (size_t)n, sizeof *ns, cmp_ll);
	printf("%lld %lld %lld\n", ns[n / 2], ns[0], ns[n - 1]);
stmt_finalize:
	sqlite3_finalize(st);
db_close:
	sqlite3_close(db);
ns_free:
	free(ns);
	return rc;
}

/* The concurrent writers of `threads`: what 64 request handlers committing
 * one row each would do with SQLite (WAL lets them queue on its write lock;
 * the busy handler makes them wait their turn). */
typedef struct mt {
	const char *db;
	int n;
	long long *ns;
	int rc;
} mt;

static void *mt_writer(void *arg)
{
	static const char data[] =
	    "{\"district\":\"bench\",\"due_date\":\"2027-06-01\",\"support_needed\":false}";
	mt *w = arg;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char today[11], recorded[64], id[37], stream[5 + 37];
	uint8_t bin[JN_ID_LEN];
	long long t0;
	int i;

	if ((w->rc = db_open(w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, &db)) != 0)
		return NULL;
	sqlite3_busy_timeout(db, 600000);
	if ((w->rc = exec(db, "PRAGMA synchronous = FULL")) != 0)
		goto db_close;
	if (sqlite3_prepare_v2(db, insert_sql, -1, &st, NULL) != SQLITE_OK) {
		w->rc = db_error(db, "prepare");
		goto db_close;
	}
	jn_date_format(jn_today_jst(), today);
	for (i = 0; i < w->n; i++) {
		jn_uuid_generate(bin);
		jn_uuid_format(bin, id);
		snprintf(stream, sizeof stream, "case:%s", id);
		t0 = now_ns();
		recorded_now(recorded);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, "handbook.issued", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, stream, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, today, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, recorded, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, "bench", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, data, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			w->rc = db_error(db, "insert");
			break;
		}
		sqlite3_reset(st);
		w->ns[i] = now_ns() - t0;
	}
	sqlite3_finalize(st);
db_close:
	sqlite3_close(db);
	return NULL;
}

static int cmd_threads(const char *dbpath, int nt, int n)
{
	sqlite3 *db = NULL;
	pthread_t *th;
	mt *w;
	long long *ns, t0, wall;
	size_t total = (size_t)nt * (size_t)n;
	int i, rc;

	if ((rc = db_open(dbpath, SQLITE_OPEN_READWRITE, &db)) != 0)
		return rc;
	rc = exec(db, "PRAGMA journal_mode = wal");
	sqlite3_close(db);
	if (rc)
		return rc;
	th = calloc((size_t)nt, sizeof *th);
	w = calloc((size_t)nt, sizeof *w);
	ns = calloc(total, sizeof *ns);
	if (th == NULL || w == NULL || ns == NULL) {
		fprintf(stderr, "%s: error: out of memory\n", prog);
		rc = 6;
		goto done;
	}
	t0 = now_ns();
	for (i = 0; i < nt; i++) {
		w[i] = (mt){ dbpath, n, ns + (size_t)i * (size_t)n, 0 };
		if (pthread_create(&th[i], NULL, mt_writer, &w[i]) != 0) {
			fprintf(stderr, "%s: error: cannot start a thread\n", prog);
			nt = i;
			rc = 6;
			break;
		}
	}
	for (i = 0; i < nt; i++) {
		pthread_join(th[i], NULL);
		if (w[i].rc)
			rc = w[i].rc;
	}
	wall = now_ns() - t0;
	if (rc == 0) {
		qsort(ns, total, sizeof *ns, cmp_ll);
		printf("%zu %lld %lld %lld\n", total, wall, ns[total / 2], ns[total * 99 / 100]);
	}
done:
	free(th);
	free(w);
	free(ns);
	return rc;
}

/* Runs sql with the text parameters params[0..np) as ?1..?np and writes the
 * first column of every row as a line on stdout. */
static int query_lines(const char *dbpath, const char *sql, const char **params, int np)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const unsigned char *text;
	int i, step, rc;

	rc = db_open(dbpath, SQLITE_OPEN_READONLY, &db);
	if (rc)
		return rc;
	if ((rc = exec(db, "PRAGMA cache_size = -262144")) != 0)
		goto db_close;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = db_error(db, "prepare");
		goto db_close;
	}
	for (i = 0; i < np; i++)
		sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		text = sqlite3_column_text(st, 0);
		fputs(text ? (const char *)text : "null", stdout);
		putchar('\n');
	}
	if (step != SQLITE_DONE)
		rc = db_error(db, "query");
	else if (fflush(stdout) != 0) {
		fprintf(stderr, "%s: error: stdout: %s\n", prog, strerror(errno));
		rc = 6;
	}
	sqlite3_finalize(st);
db_close:
	sqlite3_close(db);
	return rc;
}

static void usage(void)
{
	fprintf(stderr,
	    "usage: %s import DB FILE | append DB N wal|delete | threads DB T N | export DB\n"
	    "       %s verify DB\n"
	    "       %s annual DB FY | risk DB DATE | caseload DB DATE\n", prog, prog, prog);
}

int main(int argc, char **argv)
{
	static const char export_sql[] =
	    "SELECT json_object('seq', seq, 'id', id, 'type', type, 'stream', stream,"
	    " 'version', version, 'occurred', occurred, 'recorded', recorded,"
	    " 'actor', actor, 'data', json(data)) FROM events ORDER BY seq";
	const char *cmd = argc > 1 ? argv[1] : "";
	const char *params[3];
	char from[11], to[11];
	int fy;

	if (strcmp(cmd, "import") == 0 && argc == 4)
		return cmd_import(argv[2], argv[3]);
	if (strcmp(cmd, "append") == 0 && argc == 5 && atoi(argv[3]) > 0 &&
	    (strcmp(argv[4], "wal") == 0 || strcmp(argv[4], "delete") == 0))
		return cmd_append(argv[2], atoi(argv[3]), argv[4]);
	if (strcmp(cmd, "threads") == 0 && argc == 5 && atoi(argv[3]) > 0 && atoi(argv[4]) > 0)
		return cmd_threads(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (strcmp(cmd, "export") == 0 && argc == 3)
		return query_lines(argv[2], export_sql, NULL, 0);
	if (strcmp(cmd, "verify") == 0 && argc == 3)
		return query_lines(argv[2], "PRAGMA integrity_check", NULL, 0);
	if (strcmp(cmd, "annual") == 0 && argc == 4 && (fy = atoi(argv[3])) > 1900 && fy < 9999) {
		snprintf(from, sizeof from, "%04d-04-01", fy);
		snprintf(to, sizeof to, "%04d-03-31", fy + 1);
		params[0] = argv[3], params[1] = from, params[2] = to;
		return query_lines(argv[2], annual_sql, params, 3);
	}
	if ((strcmp(cmd, "risk") == 0 || strcmp(cmd, "caseload") == 0) && argc == 4) {
		params[0] = "", params[1] = argv[3];
		return query_lines(argv[2], cmd[0] == 'r' ? risk_sql : caseload_sql, params, 2);
	}
	usage();
	return 2;
}
