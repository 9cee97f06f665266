/* test_pages.c: the page layer of `oyako serve` (server/pages.h): the one
 * escaping function, the language choice, the record forms turned into
 * events with their errors, and each page rendered from JSON inputs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pages.h"

#define CASE_A "0b6f1c1e-1111-4aaa-8bbb-000000000001"
#define CASE_B "0b6f1c1e-2222-4aaa-8bbb-000000000002"

/* Escapes s and compares with want. */
static void
esc_is(const char *s, size_t n, const char *want)
{
	pg_buf b = { 0 };

	pg_esc(&b, s, n);
	assert_int_equal(pg_buf_done(&b), 0);
	assert_string_equal(b.n ? b.p : "", want);
	pg_buf_free(&b);
}

static void
escape_markup(void **state)
{
	(void)state;
	esc_is("<script>alert(\"x\")</script>", 27,
	    "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
	esc_is("a&b 'c'", 7, "a&amp;b &#39;c&#39;");
	esc_is("", 0, "");
	esc_is("plain text", 10, "plain text");
}

static void
escape_keeps_japanese(void **state)
{
	(void)state;
	esc_is("山田 花子（やまだ）", strlen("山田 花子（やまだ）"), "山田 花子（やまだ）");
	esc_is("𠮷野家", strlen("𠮷野家"), "𠮷野家");	/* four-byte UTF-8 */
}

static void
escape_bad_bytes(void **state)
{
	(void)state;
	/* Invalid UTF-8 becomes U+FFFD; control characters vanish; tab,
	 * LF and CR stay; a NUL inside the range does not end it. */
	esc_is("a\xff" "b", 3, "a\xef\xbf\xbd" "b");
	esc_is("\xe3\x81", 2, "\xef\xbf\xbd\xef\xbf\xbd");	/* truncated sequence */
	esc_is("\xc0\xbc", 2, "\xef\xbf\xbd\xef\xbf\xbd");	/* overlong '<' */
	esc_is("\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");	/* surrogate */
	esc_is("a\x01\x1b[0m\x7f" "b", 8, "a[0mb");
	esc_is("a\tb\nc\rd", 7, "a\tb\nc\rd");
	esc_is("a\0<", 3, "a&lt;");
}

static void
text_null_writes_nothing(void **state)
{
	pg_buf b = { 0 };

	(void)state;
	pg_text(&b, NULL);
	assert_int_equal(b.n, 0);
	pg_text(&b, "x<");
	assert_string_equal(b.p, "x&lt;");
	pg_buf_free(&b);
	pg_buf_free(&b);	/* twice is fine */
	pg_buf_free(NULL);
}

static void
buffer_grows(void **state)
{
	pg_buf b = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < 10000; i++)
		pg_raw(&b, "0123456789");
	assert_int_equal(b.n, 100000);
	assert_int_equal(pg_buf_done(&b), 0);
	assert_int_equal(b.p[b.n], '\0');
	pg_buf_free(&b);
}

static void
lang_choice(void **state)
{
	(void)state;
	assert_int_equal(pg_lang_pick("en", "ja", "ja"), 0);
	assert_int_equal(pg_lang_pick("ja", NULL, "en-US"), 1);
	assert_int_equal(pg_lang_pick("xx", "en", "ja"), 0);	/* a bad ?lang= is ignored */
	assert_int_equal(pg_lang_pick(NULL, NULL, "en-US,en;q=0.9,ja;q=0.8"), 0);
	assert_int_equal(pg_lang_pick(NULL, NULL, "fr-FR, ja-JP;q=0.8, en;q=0.5"), 1);
	assert_int_equal(pg_lang_pick(NULL, NULL, "fr"), 1);	/* neither: Japanese */
	assert_int_equal(pg_lang_pick(NULL, NULL, NULL), 1);
	assert_int_equal(pg_lang_pick(NULL, NULL, "english"), 1);	/* not "en" */
}

static pg_ctx
ctx(int ja, const char *role)
{
	pg_ctx c = { 0 };
	int32_t today;

	assert_int_equal(jn_date_parse(jn_str_c("2025-10-01"), &today), 0);
	c.ja = ja;
	c.account = "coord:C01";
	c.role = role;
	c.csrf = "tok\"en";
	c.path = "/";
	c.today = today;
	c.may_append = ~0u;
	c.names = 1;
	return c;
}

static void
form_add(pg_form *f, const char *k, const char *v)
{
	assert_int_equal(pg_form_add(f, k, v, strlen(v)), 0);
}

/* Submits the form kv (name, value, ..., NULL) and checks the event's
 * member key, dumped with sorted keys. */
static void
form_gives(const char *const *kv, const char *key, const char *want)
{
	pg_ctx c = ctx(0, "coordinator");
	pg_form f = { 0 };
	pg_ferrs e = { 0 };
	json_t *ev = NULL;
	char *s;
	size_t i;

	for (i = 0; kv[i] != NULL; i += 2)
		form_add(&f, kv[i], kv[i + 1]);
	assert_int_equal(pg_form_event(&c, CASE_A, &f, &ev, &e), 0);
	assert_int_equal(e.n, 0);
	s = json_dumps(key != NULL ? json_object_get(ev, key) : ev, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, want);
	free(s);
	json_decref(ev);
	pg_form_free(&f);
}

static void
form_makes_event(void **state)
{
	static const char *const kv[] = { "csrf", "x", "type", "happybaby.contact",
		"occurred", "2025-09-30", "mode", "home", NULL };

	(void)state;
	form_gives(kv, NULL, "{\"data\":{\"mode\":\"home\"},\"occurred\":\"2025-09-30\","
	    "\"stream\":\"case:" CASE_A "\",\"type\":\"happybaby.contact\"}");
}

static void
form_booleans_and_optional(void **state)
{
	/* An unticked checkbox sends nothing: false; a blank optional text
	 * field is left out. */
	static const char *const checkup[] = { "type", "checkup.attended",
		"occurred", "2025-10-01", "session", "  ", NULL };
	static const char *const birth[] = { "type", "birth.registered", "occurred", "2025-10-01",
		"birth_date", "2025-09-28", "children", "2", NULL };

	(void)state;
	form_gives(checkup, "data", "{\"shared_with_nurse\":false}");
	form_gives(birth, "data", "{\"birth_date\":\"2025-09-28\",\"children\":2}");
}

/* Submits one form; expects a refusal with msg at field. */
static void
form_refused(int ja, const char *const *kv, const char *field, const char *msg)
{
	pg_ctx c = ctx(ja, "coordinator");
	pg_form f = { 0 };
	pg_ferrs e = { 0 };
	json_t *ev = (json_t *)1;
	size_t i;

	for (i = 0; kv[i] != NULL; i += 2)
		form_add(&f, kv[i], kv[i + 1]);
	assert_int_equal(pg_form_event(&c, CASE_A, &f, &ev, &e), EINVAL);
	assert_null(ev);
	assert_true(e.n >= 1);
	for (i = 0; i < e.n; i++)
		if (strcmp(e.e[i].field, field) == 0)
			break;
	assert_true(i < e.n);
	assert_string_equal(e.e[i].msg, msg);
	pg_form_free(&f);
}

static void
form_errors(void **state)
{
	static const char *const future[] = { "type", "happybaby.contact", "occurred", "2025-10-02",
		"mode", "home", NULL };
	static const char *const notdate[] = { "type", "happybaby.contact", "occurred", "2025-02-30",
		"mode", "home", NULL };
	static const char *const nodate[] = { "type", "happybaby.contact", "occurred", "",
		"mode", "home", NULL };
	static const char *const badmode[] = { "type", "happybaby.contact", "occurred", "2025-10-01",
		"mode", "car", NULL };
	static const char *const nomode[] = { "type", "interview.8month", "occurred", "2025-10-01",
		NULL };
	static const char *const children[] = { "type", "birth.registered", "occurred", "2025-10-01",
		"birth_date", "2025-09-01", "children", "17", NULL };
	static const char *const birthlater[] = { "type", "birth.registered", "occurred", "2025-10-01",
		"birth_date", "2026-01-01", "children", "1", NULL };
	static const char *const notype[] = { "type", "handbook.issued", "occurred", "2025-10-01", NULL };
	static const char *const reason[] = { "type", "support.flagged", "occurred", "2025-10-01",
		"reason", "", NULL };

	(void)state;
	form_refused(0, future, "occurred", "a date later than today cannot be recorded");
	form_refused(1, future, "occurred", "今日より後の日付は記録できません");
	form_refused(0, notdate, "occurred", "not a date (for example 2025-04-01)");
	form_refused(1, notdate, "occurred", "日付が正しくありません（例: 2025-04-01）");
	form_refused(0, nodate, "occurred", "enter the date");
	form_refused(0, badmode, "mode", "choose one of the options");
	form_refused(1, nomode, "mode", "入力してください");
	form_refused(0, children, "children", "a whole number from 1 to 16");
	form_refused(0, birthlater, "birth_date", "a date later than today cannot be recorded");
	form_refused(0, notype, "", "there is no such kind of record");
	form_refused(0, reason, "reason", "this field is required");
}

static void
journal_errors_map_to_fields(void **state)
{
	pg_ctx c = ctx(1, "coordinator");
	pg_ferrs e = { 0 };

	(void)state;
	pg_ferr_journal(&c, "data.room", "'zzz' is not an opened room", &e);
	pg_ferr_journal(&c, "occurred", "later", &e);
	pg_ferr_journal(&c, "stream", "the case is not opened", &e);
	pg_ferr_journal(&c, "data.room", "second message is dropped", &e);
	assert_int_equal(e.n, 3);
	assert_string_equal(e.e[0].field, "room");
	assert_string_equal(e.e[0].msg, "記録できません: 'zzz' is not an opened room");
	assert_string_equal(e.e[1].field, "occurred");
	assert_string_equal(e.e[2].field, "");
}

/* Renders with fn-specific code into b and checks the document's frame. */
static json_t *
load(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	if (j == NULL)
		fail_msg("bad test JSON: %s", jerr.text);
	return j;
}

static void
has(const pg_buf *b, const char *needle)
{
	if (b->p == NULL || strstr(b->p, needle) == NULL)
		fail_msg("'%s' not in the page:\n%s", needle, b->p ? b->p : "");
}

static void
hasnt(const pg_buf *b, const char *needle)
{
	if (b->p != NULL && strstr(b->p, needle) != NULL)
		fail_msg("'%s' should not be in the page", needle);
}

static const char caseload_json[] =
	"{\"as_of\":\"2025-10-01\",\"coordinators\":[{\"coordinator\":\"C01\",\"room\":\"kokinu\",\"cases\":["
	"{\"case\":\"" CASE_A "\",\"district\":\"陽光台\",\"stage\":\"infant\",\"due_date\":\"2025-07-01\","
	"\"birth_date\":\"2025-06-20\",\"last_contact\":\"2025-06-01\",\"next\":{\"what\":\"happybaby.contact\","
	"\"by\":\"2025-09-18\"},\"flags\":[\"no-happybaby\"],\"name\":\"<b>山田 花子</b>\",\"kana\":\"やまだ はなこ\"},"
	"{\"case\":\"" CASE_B "\",\"district\":\"小絹\",\"stage\":\"pregnant\",\"due_date\":\"2025-12-20\","
	"\"birth_date\":null,\"last_contact\":\"2025-09-01\",\"next\":{\"what\":\"interview.8month\","
	"\"by\":\"2025-11-08\"},\"flags\":[],\"name\":\"青木 空\",\"kana\":\"あおき そら\"}]}],\"unassigned\":[]}";

static const char risk_json[] =
	"{\"as_of\":\"2025-10-01\",\"flags\":[{\"case\":\"" CASE_A "\",\"flag\":\"no-happybaby\","
	"\"since\":\"2025-09-18\",\"coordinator\":\"C01\",\"why\":{\"rule\":\"happybaby_days\",\"days\":90,"
	"\"dates\":{\"birth_date\":\"2025-06-20\"}}}]}";

static void
page_myday(void **state)
{
	pg_ctx c = ctx(1, "coordinator");
	json_t *cl = load(caseload_json), *rk = load(risk_json);
	pg_buf b = { 0 };
	const char *a, *bb;

	(void)state;
	pg_page_myday(&b, &c, cl, rk, "next");
	assert_int_equal(pg_buf_done(&b), 0);
	has(&b, "<html lang=\"ja\">");
	has(&b, "coord:C01");
	has(&b, "コーディネーター");
	/* Names escaped, the flag in words with its reason, the due date
	 * with the days past it. */
	has(&b, "&lt;b&gt;山田 花子&lt;/b&gt;");
	hasnt(&b, "<b>山田");
	has(&b, "はっぴーベビー未実施");
	has(&b, "出生（2025-06-20）から90日たってもはっぴーベビーの記録がありません");
	has(&b, "（13日超過）");
	has(&b, "（あと38日）");
	has(&b, "href=\"/cases/" CASE_A "\"");
	has(&b, "value=\"tok&quot;en\"");	/* the CSRF field of the sign-out form */
	/* Sorted by the next due date: case A first. */
	a = strstr(b.p, "data-case=\"" CASE_A);
	bb = strstr(b.p, "data-case=\"" CASE_B);
	assert_true(a != NULL && bb != NULL && a < bb);
	pg_buf_free(&b);

	/* By name (kana): あおき before やまだ; links sort by plain URLs. */
	pg_page_myday(&b, &c, cl, rk, "name");
	a = strstr(b.p, "data-case=\"" CASE_A);
	bb = strstr(b.p, "data-case=\"" CASE_B);
	assert_true(a != NULL && bb != NULL && bb < a);
	has(&b, "href=\"/?sort=flag\"");
	has(&b, "aria-sort=\"ascending\"><a href=\"/?sort=name\"");
	pg_buf_free(&b);

	c.ja = 0;
	pg_page_myday(&b, &c, cl, rk, "flag");
	has(&b, "<html lang=\"en\">");
	has(&b, "born on 2025-06-20; no happy baby contact within 90 days (since 2025-09-18)");
	has(&b, "(13 days overdue)");
	has(&b, "?lang=ja");
	pg_buf_free(&b);
	json_decref(cl);
	json_decref(rk);
}

static void
page_myday_without_names(void **state)
{
	pg_ctx c = ctx(0, "auditor");
	json_t *cl = load(caseload_json), *rk = load(risk_json), *k;
	pg_buf b = { 0 };
	size_t i;

	(void)state;
	/* What the server hands an auditor: the JSON without names. */
	json_array_foreach(json_object_get(json_array_get(json_object_get(cl, "coordinators"), 0),
	    "cases"), i, k) {
		json_object_del(k, "name");
		json_object_del(k, "kana");
	}
	pg_page_myday(&b, &c, cl, rk, NULL);
	hasnt(&b, "id=\"names-off\"");
	hasnt(&b, "山田");
	hasnt(&b, "やまだ");
	has(&b, "case 0b6f1c1e…");
	pg_buf_free(&b);
	json_decref(cl);
	json_decref(rk);
}

static const char events_json[] =
	"[{\"seq\":10,\"id\":\"11111111-0000-4000-8000-000000000001\",\"type\":\"handbook.issued\","
	"\"stream\":\"case:" CASE_A "\",\"version\":1,\"occurred\":\"2025-01-10\",\"recorded\":"
	"\"2025-01-10T01:00:00.000000Z\",\"actor\":\"nurse:N07\",\"data\":{\"district\":\"陽光台\","
	"\"due_date\":\"2025-07-01\",\"support_needed\":false},\"hash\":\"00\"},"
	"{\"seq\":11,\"id\":\"11111111-0000-4000-8000-000000000002\",\"type\":\"happybaby.contact\","
	"\"stream\":\"case:" CASE_A "\",\"version\":2,\"occurred\":\"2025-09-01\",\"recorded\":"
	"\"2025-09-01T01:00:00.000000Z\",\"actor\":\"coord:C01\",\"data\":{\"mode\":\"<i>home\"},\"hash\":\"00\"},"
	"{\"seq\":12,\"id\":\"11111111-0000-4000-8000-000000000003\",\"type\":\"event.retracted\","
	"\"stream\":\"case:" CASE_A "\",\"version\":3,\"occurred\":\"2025-09-02\",\"recorded\":"
	"\"2025-09-02T01:00:00.000000Z\",\"actor\":\"nurse:N07\",\"data\":{\"target\":"
	"\"11111111-0000-4000-8000-000000000002\",\"reason\":\"wrong family\"},\"hash\":\"00\"}]";

static void
page_case(void **state)
{
	pg_ctx c = ctx(0, "coordinator");
	json_t *ev = load(events_json), *person = load("{\"name\":\"山田 花子\",\"phone\":\"029-000-0000\"}");
	pg_case_view v = { 0 };
	pg_buf b = { 0 };

	(void)state;
	c.may_append = (1u << JN_T_HAPPYBABY_CONTACT) | (1u << JN_T_INTERVIEW_8MONTH);
	v.case_id = CASE_A;
	v.events = ev;
	v.person_state = PG_PERSON_SHOWN;
	v.person = person;
	v.person_edit = 1;
	pg_page_case(&b, &c, &v);
	assert_int_equal(pg_buf_done(&b), 0);
	/* History: the retracted contact marked, the retraction naming it. */
	has(&b, "<tr class=\"retracted\" data-type=\"happybaby.contact\">");
	has(&b, "retracted (seq 12: wrong family)");
	has(&b, "retracts: seq 11 Happy baby contact");
	has(&b, "mode: &lt;i&gt;home");
	/* Person data and its form. */
	has(&b, "<dd data-key=\"phone\">029-000-0000</dd>");
	has(&b, "action=\"/cases/" CASE_A "/person\"");
	/* Only the forms of the types the role may record, each with the
	 * token, labels, and the browser's own checks. */
	has(&b, "id=\"form-happybaby.contact\"");
	has(&b, "id=\"form-interview.8month\"");
	hasnt(&b, "id=\"form-case.closed\"");
	has(&b, "<label for=\"f-happybaby-contact-occurred\">");
	has(&b, "<input type=\"date\" name=\"occurred\" required max=\"2025-10-01\" id=\"f-happybaby-contact-occurred\"");
	has(&b, "<label for=\"f-happybaby-contact-mode\">");
	has(&b, "<select id=\"f-happybaby-contact-mode\" name=\"mode\" required>");
	has(&b, "name=\"csrf\" value=\"tok&quot;en\"");
	hasnt(&b, "aria-invalid=\"true\"");
	hasnt(&b, "id=\"retract-");
	pg_buf_free(&b);
	/* A nurse retracts from the history: the live record gets the form,
	 * the retracted one and the retraction do not; no contact form for
	 * retractions. */
	c.may_append |= 1u << JN_T_EVENT_RETRACTED;
	pg_page_case(&b, &c, &v);
	has(&b, "<form method=\"post\" class=\"record\" id=\"retract-10\" action=\"/cases/" CASE_A "/events\">");
	has(&b, "<input type=\"hidden\" name=\"target\" value=\"11111111-0000-4000-8000-000000000001\">");
	hasnt(&b, "id=\"retract-11\"");
	hasnt(&b, "id=\"retract-12\"");
	hasnt(&b, "id=\"form-event.retracted\"");
	pg_buf_free(&b);
	json_decref(ev);
	json_decref(person);
}

static void
page_case_form_sent_back(void **state)
{
	pg_ctx c = ctx(1, "coordinator");
	pg_case_view v = { 0 };
	pg_form f = { 0 };
	pg_ferrs e = { 0 };
	json_t *ev = NULL;
	pg_buf b = { 0 };

	(void)state;
	c.may_append = 1u << JN_T_HAPPYBABY_CONTACT;
	form_add(&f, "type", "happybaby.contact");
	form_add(&f, "occurred", "2099-01-01");
	form_add(&f, "mode", "home");
	assert_int_equal(pg_form_event(&c, CASE_A, &f, &ev, &e), EINVAL);
	v.case_id = CASE_A;
	v.form_type = "happybaby.contact";
	v.form = &f;
	v.errs = &e;
	pg_page_case(&b, &c, &v);
	/* The form is open, keeps what was typed, and the message sits at
	 * the field it is about. */
	has(&b, "<details open><summary>はっぴーベビー</summary>");
	has(&b, "<p class=\"err\" role=\"alert\" id=\"f-happybaby-contact-occurred-err\">今日より後の日付は記録できません</p>"
	    "<input type=\"date\" name=\"occurred\" required max=\"2025-10-01\" id=\"f-happybaby-contact-occurred\""
	    " aria-invalid=\"true\" aria-describedby=\"f-happybaby-contact-occurred-err\" value=\"2099-01-01\">");
	has(&b, "<option value=\"home\" selected>");
	has(&b, "記録していません");
	/* Without names (hidden person data) nothing of it shows. */
	hasnt(&b, "個人情報");
	pg_buf_free(&b);
	pg_form_free(&f);
}

static void
page_case_person_states(void **state)
{
	pg_ctx c = ctx(0, "nurse");
	pg_case_view v = { 0 };
	pg_buf b = { 0 };

	(void)state;
	c.may_append = 0;
	v.case_id = CASE_A;
	v.person_state = PG_PERSON_FORGOTTEN;
	pg_page_case(&b, &c, &v);
	has(&b, "(forgotten)");
	hasnt(&b, "<form method=\"post\" class=\"record\"");
	pg_buf_free(&b);
	v.person_state = PG_PERSON_UNAVAILABLE;
	v.person_msg = "no master key: give --key-file or $OYAKO_KEY_FILE";
	c.names_off = "names are <not> shown";
	pg_page_case(&b, &c, &v);
	has(&b, "no master key: give --key-file or $OYAKO_KEY_FILE");
	has(&b, "<main><p class=\"alert\" id=\"names-off\">names are &lt;not&gt; shown</p>");
	pg_buf_free(&b);
}

static void
page_risk(void **state)
{
	pg_ctx c = ctx(0, "nurse");
	json_t *cl = load(caseload_json), *rk = load(risk_json);
	pg_buf b = { 0 };

	(void)state;
	pg_page_risk(&b, &c, rk, cl, NULL, NULL);
	has(&b, "<td class=\"num\" data-flag=\"no-happybaby\">1</td>");
	has(&b, "<td class=\"num\" data-flag=\"support-needed\">0</td>");
	has(&b, "<h2 id=\"h-no-happybaby\">");
	has(&b, "<option value=\"小絹\">");
	has(&b, "<option value=\"陽光台\">");
	has(&b, "&lt;b&gt;山田 花子&lt;/b&gt;");
	pg_buf_free(&b);
	/* Filtered by another district: nothing matches. */
	pg_page_risk(&b, &c, rk, cl, "no-happybaby", "小絹");
	has(&b, "id=\"risk-none\"");
	has(&b, "<option value=\"小絹\" selected>");
	pg_buf_free(&b);
	json_decref(cl);
	json_decref(rk);
}

static void
page_annual(void **state)
{
	pg_ctx c = ctx(1, "admin");
	json_t *a = load("{\"fiscal_year\":2025,\"from\":\"2025-04-01\",\"to\":\"2026-03-31\","
	    "\"handbook_meetings\":12,\"maternity_classes\":[{\"room\":\"kokinu\",\"name\":\"小絹児童館\","
	    "\"groups\":17,\"participants\":34,\"couples\":17},{\"room\":\"ohisama\",\"name\":\"おひさま\","
	    "\"groups\":18,\"participants\":33,\"couples\":15}],\"interviews_8month\":{\"group\":117,"
	    "\"individual\":167,\"visit\":5},\"happybaby\":{\"home\":154,\"room\":129,\"checkup\":6},"
	    "\"checkups_held\":12,\"at_seq\":5003,\"head_hash\":\"7596a64b\"}");
	pg_buf b = { 0 };

	(void)state;
	pg_page_annual(&b, &c, a, 2025);
	has(&b, "令和7年度 事業報告");
	has(&b, "data-key=\"handbook_meetings\">12<");
	has(&b, "data-key=\"maternity_classes.ohisama.couples\">15<");
	has(&b, "data-key=\"interviews_8month.individual\">167<");
	has(&b, "data-key=\"happybaby.checkup\">6<");
	has(&b, "data-key=\"checkups_held\">12<");
	has(&b, "<td class=\"num\">289</td>");	/* 117 + 167 + 5 */
	/* The charts are the reports' own (projections/html.c). */
	has(&b, "<figure class=\"chart\"><svg viewBox=");
	has(&b, "aria-label=\"③ 妊娠8か月面談\"");
	has(&b, "<title>おひさま うち夫婦: 15</title>");
	has(&b, "href=\"/download/annual.xlsx?fy=2025\"");
	has(&b, "集計元: seq 5003（ハッシュ 7596a64b）");
	/* An admin's nav has the annual report, not "my day". */
	hasnt(&b, "わたしの一日");
	pg_buf_free(&b);
	json_decref(a);
}

static void
page_login_and_message(void **state)
{
	pg_ctx c = ctx(0, NULL);
	pg_buf b = { 0 };

	(void)state;
	c.account = NULL;
	pg_page_login(&b, &c, "wrong name or <password>", NULL);
	has(&b, "wrong name or &lt;password&gt;");
	has(&b, "<label for=\"name\">Account</label>");
	has(&b, "<label for=\"password\">Password</label>");
	has(&b, "name=\"csrf\"");
	hasnt(&b, "Sign out");
	pg_buf_free(&b);
	c.ja = 1;
	pg_page_message(&b, &c, 403, "forbidden");
	has(&b, "この画面は開けません");
	has(&b, "forbidden (403)");
	pg_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escape_markup),
		cmocka_unit_test(escape_keeps_japanese),
		cmocka_unit_test(escape_bad_bytes),
		cmocka_unit_test(text_null_writes_nothing),
		cmocka_unit_test(buffer_grows),
		cmocka_unit_test(lang_choice),
		cmocka_unit_test(form_makes_event),
		cmocka_unit_test(form_booleans_and_optional),
		cmocka_unit_test(form_errors),
		cmocka_unit_test(journal_errors_map_to_fields),
		cmocka_unit_test(page_myday),
		cmocka_unit_test(page_myday_without_names),
		cmocka_unit_test(page_case),
		cmocka_unit_test(page_case_form_sent_back),
		cmocka_unit_test(page_case_person_states),
		cmocka_unit_test(page_risk),
		cmocka_unit_test(page_annual),
		cmocka_unit_test(page_login_and_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
