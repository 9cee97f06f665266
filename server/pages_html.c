/*
 * pages_html.c: the HTML layer of the staff pages: the buffer, the one
 * escaping function, the page frame with its inline stylesheet, and the
 * words for codes in Japanese and English.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"

void
pg_buf_free(pg_buf *b)
{
	if (b == NULL)
		return;
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
	b->oom = 0;
}

int
pg_buf_done(const pg_buf *b)
{
	return b->oom ? ENOMEM : 0;
}

/* Room for more bytes and the NUL; 0, or -1 with oom set. */
static int
reserve(pg_buf *b, size_t more)
{
	size_t want, cap;
	char *p;

	if (b->oom)
		return -1;
	if (more > SIZE_MAX / 2 - b->n)
		goto fail;
	want = b->n + more + 1;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < want)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		goto fail;
	b->p = p;
	b->cap = cap;
	return 0;
fail:
	b->oom = 1;
	return -1;
}

void
pg_rawn(pg_buf *b, const char *s, size_t n)
{
	if (n == 0 || reserve(b, n) != 0)
		return;
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void
pg_raw(pg_buf *b, const char *s)
{
	pg_rawn(b, s, strlen(s));
}

void
pg_fmt(pg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len <= 0 || reserve(b, (size_t)len) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)len + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)len;
}

/* The length of the valid UTF-8 sequence at s[0..n) (n >= 1), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if (c == 0xe0 && s[1] < 0xa0)
		return 0;
	if (c == 0xed && s[1] >= 0xa0)
		return 0;
	if (c == 0xf0 && s[1] < 0x90)
		return 0;
	if (c == 0xf4 && s[1] >= 0x90)
		return 0;
	return len;
}

void
pg_esc(pg_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, len;

	/* Copies runs of plain bytes at once; each special byte flushes. */
	while (i < n) {
		const char *rep = NULL;
		unsigned char c = p[i];

		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
				rep = "";
			} else if (c == 0x7f) {
				rep = "";
			} else if (c >= 0x80) {
				len = utf8_len(p + i, n - i);
				if (len == 0) {
					rep = "\xef\xbf\xbd";	/* U+FFFD */
				} else {
					i += len;
					run += len;
					continue;
				}
			}
		}
		if (rep == NULL) {
			i++;
			run++;
			continue;
		}
		pg_rawn(b, s + i - run, run);
		pg_raw(b, rep);
		run = 0;
		i++;
	}
	pg_rawn(b, s + i - run, run);
}

void
pg_text(pg_buf *b, const char *s)
{
	if (s != NULL)
		pg_esc(b, s, strlen(s));
}

void
pg_tag(pg_buf *b, const char *open, const char *text, const char *close)
{
	pg_raw(b, open);
	pg_text(b, text);
	pg_raw(b, close);
}

const char *
pg_l(const pg_ctx *c, const char *ja, const char *en)
{
	return c->ja ? ja : en;
}

/* "ja" or "en" (any case, a region allowed): 1, 0; else -1. */
static int
lang_code(const char *s)
{
	if (s == NULL)
		return -1;
	if (strncasecmp(s, "ja", 2) == 0 && (s[2] == '\0' || s[2] == '-'))
		return 1;
	if (strncasecmp(s, "en", 2) == 0 && (s[2] == '\0' || s[2] == '-'))
		return 0;
	return -1;
}

int
pg_lang_pick(const char *query_lang, const char *cookie_lang, const char *accept)
{
	const char *p;
	int v;

	if ((v = lang_code(query_lang)) >= 0)
		return v;
	if ((v = lang_code(cookie_lang)) >= 0)
		return v;
	if (accept == NULL || *accept == '\0')
		return 1;
	/* The first of ja and en in the header's order wins; q values are
	 * ignored, as browsers list languages by preference anyway. */
	for (p = accept; *p != '\0';) {
		char tag[16];
		size_t k = 0;

		while (*p == ' ' || *p == ',')
			p++;
		while (*p != '\0' && *p != ',' && *p != ';' && *p != ' ' && k + 1 < sizeof tag)
			tag[k++] = *p++;
		tag[k] = '\0';
		if ((v = lang_code(tag)) >= 0)
			return v;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return 1;
}

/*
 * The stylesheet, inline in every page (no file to fetch).  Sizes are in
 * rem and %, never fixed heights, and text wraps everywhere (no nowrap, no
 * ellipsis), so that Japanese text is never cut and the pages read at 200%
 * zoom; wide tables scroll inside their own box instead of the page.
 */
static const char css[] =
	":root{color-scheme:light;--ink:#1b1b1b;--muted:#555;--line:#c8c8c8;--accent:#0b5394;"
	"--warn:#9a1c1c;--bg:#fff;--band:#f3f5f8}"
	"*{box-sizing:border-box}"
	"body{margin:0;font-family:system-ui,'Noto Sans CJK JP','Hiragino Sans','Yu Gothic',sans-serif;"
	"font-size:100%;line-height:1.6;color:var(--ink);background:var(--bg);"
	"overflow-wrap:anywhere;line-break:strict}"
	"header{background:var(--band);border-bottom:1px solid var(--line);padding:.5rem 1rem;"
	"display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center}"
	"header .brand{font-weight:bold}"
	"nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}"
	"nav a,.who{white-space:normal}"
	"main{max-width:64rem;margin:0 auto;padding:1rem}"
	"h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}"
	"a{color:var(--accent)}a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus"
	"{outline:3px solid #f0a000;outline-offset:2px}"
	".scroll{overflow-x:auto;max-width:100%}"
	"table{border-collapse:collapse;margin:.5rem 0 1rem;min-width:50%}"
	"th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}"
	"th{background:var(--band)}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
	".flag{display:inline-block;border:1px solid var(--warn);color:var(--warn);border-radius:.3rem;"
	"padding:0 .3rem;margin:0 .2rem .2rem 0}"
	".reason{color:var(--muted);font-size:.9rem;margin:0}"
	".retracted{color:var(--muted)}.retracted .what{text-decoration:line-through}"
	".mark{font-weight:bold;color:var(--warn)}"
	"form.record{border:1px solid var(--line);padding:.75rem;margin:.5rem 0}"
	"details{margin:.25rem 0}summary{cursor:pointer;padding:.25rem 0}"
	"label{display:block;font-weight:bold;margin-top:.5rem}"
	"label.inline{display:inline;font-weight:normal}"
	"input,select,textarea,button{font:inherit;max-width:100%}"
	"input[type=text],textarea{width:100%}"
	"button{margin-top:.75rem;padding:.3rem 1rem}"
	".err{color:var(--warn);font-weight:bold;margin:.2rem 0}"
	"[aria-invalid=true]{border:2px solid var(--warn)}"
	".notice{background:#e8f4e8;border:1px solid #5a9a5a;padding:.5rem}"
	".alert{background:#fbeaea;border:1px solid var(--warn);padding:.5rem}"
	"dl.person{display:grid;grid-template-columns:minmax(6rem,max-content) 1fr;gap:.2rem 1rem}"
	"dl.person dt{font-weight:bold}dl.person dd{margin:0}"
	"figure.chart{margin:.5rem 0 1.5rem}figure.chart svg{width:100%;max-width:40rem;height:auto}"
	".muted{color:var(--muted)}"
	"@media print{header nav,form{display:none}}";

void
pg_csrf_field(pg_buf *b, const pg_ctx *c)
{
	pg_raw(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	pg_text(b, c->csrf != NULL ? c->csrf : "");
	pg_raw(b, "\">");
}

/* A nav entry for the roles that may open it. */
static void
nav_item(pg_buf *b, const char *href, const char *label)
{
	pg_raw(b, "<li><a href=\"");
	pg_raw(b, href);
	pg_raw(b, "\">");
	pg_text(b, label);
	pg_raw(b, "</a></li>");
}

static int
role_is(const pg_ctx *c, const char *role)
{
	return c->role != NULL && strcmp(c->role, role) == 0;
}

void
pg_begin(pg_buf *b, const pg_ctx *c, const char *title)
{
	pg_fmt(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<title>", c->ja ? "ja" : "en");
	pg_text(b, title);
	pg_raw(b, " - oyako</title><style>");
	pg_raw(b, css);
	pg_raw(b, "</style></head><body><header><span class=\"brand\">");
	pg_text(b, pg_l(c, "おやこ記録", "oyako"));
	pg_raw(b, "</span>");
	if (c->account != NULL) {
		pg_raw(b, "<nav aria-label=\"");
		pg_text(b, pg_l(c, "メニュー", "Menu"));
		pg_raw(b, "\"><ul>");
		if (!role_is(c, "admin"))
			nav_item(b, "/", pg_l(c, "わたしの一日", "My day"));
		if (role_is(c, "nurse") || role_is(c, "coordinator") || role_is(c, "auditor"))
			nav_item(b, "/risk", pg_l(c, "リスク一覧", "Risk list"));
		if (!role_is(c, "intake"))
			nav_item(b, "/annual", pg_l(c, "年次報告", "Annual report"));
		pg_raw(b, "</ul></nav><span class=\"who\">");
		pg_text(b, c->account);
		pg_raw(b, "（");
		pg_text(b, pg_role_label(c, c->role));
		pg_raw(b, "）</span><form method=\"post\" action=\"/logout\" class=\"logout\">");
		pg_csrf_field(b, c);
		pg_raw(b, "<button type=\"submit\">");
		pg_text(b, pg_l(c, "サインアウト", "Sign out"));
		pg_raw(b, "</button></form>");
	}
	/* The other language, on the same page. */
	pg_raw(b, "<a href=\"");
	pg_text(b, c->path != NULL ? c->path : "/");
	pg_raw(b, c->ja ? "?lang=en\" lang=\"en\" hreflang=\"en\">English" :
	    "?lang=ja\" lang=\"ja\" hreflang=\"ja\">日本語");
	pg_raw(b, "</a></header><main>");
	if (c->names_off != NULL)
		pg_tag(b, "<p class=\"alert\" id=\"names-off\">", c->names_off, "</p>");
}

void
pg_end(pg_buf *b, const pg_ctx *c)
{
	(void)c;
	pg_raw(b, "</main></body></html>\n");
}

typedef struct label {
	const char *code, *ja, *en;
} label;

static const label type_labels[] = {
	{ "room.opened", "支援室開設", "Room opened" },
	{ "room.closed", "支援室閉鎖", "Room closed" },
	{ "coordinator.assigned", "コーディネーター配置", "Coordinator assigned" },
	{ "coordinator.left", "コーディネーター退任", "Coordinator left" },
	{ "meeting.held", "母子手帳会議", "Handbook meeting" },
	{ "checkup.held", "3・4か月児健診（実施）", "3-4 month checkup held" },
	{ "handbook.issued", "母子健康手帳交付", "Handbook issued" },
	{ "class.attended", "マタニティ教室参加", "Maternity class" },
	{ "interview.8month", "妊娠8か月面談", "8th-month interview" },
	{ "birth.registered", "出生", "Birth" },
	{ "happybaby.contact", "はっぴーベビー", "Happy baby contact" },
	{ "checkup.attended", "3・4か月児健診で面談", "Met at the 3-4 month checkup" },
	{ "room.visited", "支援室来所", "Room visit" },
	{ "referral.made", "つなぎ（紹介）", "Referral" },
	{ "support.flagged", "要支援とする", "Marked as needing support" },
	{ "support.cleared", "要支援を解除", "Support mark cleared" },
	{ "case.transferred", "地区の変更（転居）", "Moved to another district" },
	{ "case.closed", "ケース終了", "Case closed" },
	{ "event.retracted", "訂正（取り消し）", "Correction (retraction)" },
	{ "case.forgotten", "個人情報の消去", "Person data erased" },
	{ "person.accessed", "個人情報の閲覧", "Person data read" },
	{ "staff.account_changed", "アカウント変更", "Account changed" },
};

static const label flag_labels[] = {
	{ "support-needed", "要支援", "Support needed" },
	{ "not-shared", "母子手帳会議で未共有", "Not shared at a handbook meeting" },
	{ "no-8month-interview", "8か月面談なし", "No 8th-month interview" },
	{ "birth-not-recorded", "出生の記録なし", "Birth not recorded" },
	{ "no-happybaby", "はっぴーベビー未実施", "No happy baby contact" },
	{ "missed-checkup", "3・4か月児健診で未面談", "Missed at the 3-4 month checkup" },
	{ "no-contact", "連絡が途絶えている", "No recent contact" },
	{ "no-coordinator", "担当コーディネーターなし", "No coordinator" },
};

static const label role_labels[] = {
	{ "intake", "受付", "intake" },
	{ "coordinator", "コーディネーター", "coordinator" },
	{ "nurse", "保健師", "nurse" },
	{ "auditor", "監査", "auditor" },
	{ "admin", "管理者", "admin" },
};

static const char *
lookup(const pg_ctx *c, const label *t, size_t n, const char *code)
{
	size_t i;

	if (code == NULL)
		return "";
	for (i = 0; i < n; i++)
		if (strcmp(t[i].code, code) == 0)
			return pg_l(c, t[i].ja, t[i].en);
	return code;
}

#define LOOKUP(c, t, code) lookup((c), (t), sizeof(t) / sizeof((t)[0]), (code))

const char *
pg_type_label(const pg_ctx *c, const char *type)
{
	return LOOKUP(c, type_labels, type);
}

const char *
pg_flag_label(const pg_ctx *c, const char *flag)
{
	return LOOKUP(c, flag_labels, flag);
}

const char *
pg_role_label(const pg_ctx *c, const char *role)
{
	return LOOKUP(c, role_labels, role);
}

/* A date of the flag's "why.dates", or "?". */
static const char *
why_date(json_t *flag, const char *key)
{
	const char *s = json_string_value(json_object_get(
	    json_object_get(json_object_get(flag, "why"), "dates"), key));

	return s != NULL ? s : "?";
}

void
pg_flag_reason(pg_buf *b, const pg_ctx *c, json_t *flag)
{
	const char *name = json_string_value(json_object_get(flag, "flag"));
	const char *since = json_string_value(json_object_get(flag, "since"));
	json_t *days = json_object_get(json_object_get(flag, "why"), "days");
	char d[24];
	const char *ja = NULL, *en = NULL, *date = NULL;

	snprintf(d, sizeof d, "%lld", (long long)json_integer_value(days));
	if (name == NULL)
		return;
	if (strcmp(name, "support-needed") == 0) {
		json_t *dates = json_object_get(json_object_get(flag, "why"), "dates");
		int flagged = json_object_get(dates, "support.flagged") != NULL;

		ja = flagged ? "%sに要支援とされ、解除されていません" :
		    "%sの手帳交付時に支援が必要とされ、解除されていません";
		en = flagged ? "marked as needing support on %s and not cleared since" :
		    "needed support when the handbook was issued on %s, not cleared since";
		date = why_date(flag, flagged ? "support.flagged" : "handbook.issued");
	} else if (strcmp(name, "not-shared") == 0) {
		ja = "手帳交付（%s）から%s日以上、母子手帳会議で共有されていません";
		en = "issued on %s, not shared at a handbook meeting within %s days";
		date = why_date(flag, "handbook.issued");
	} else if (strcmp(name, "no-8month-interview") == 0) {
		ja = "出産予定日（%s）の%s日前を過ぎても8か月面談がありません";
		en = "due on %s; no 8th-month interview %s days before the due date";
		date = why_date(flag, "due_date");
	} else if (strcmp(name, "birth-not-recorded") == 0) {
		ja = "出産予定日（%s）から%s日たっても出生の記録がありません";
		en = "due on %s; no birth recorded %s days after";
		date = why_date(flag, "due_date");
	} else if (strcmp(name, "no-happybaby") == 0) {
		ja = "出生（%s）から%s日たってもはっぴーベビーの記録がありません";
		en = "born on %s; no happy baby contact within %s days";
		date = why_date(flag, "birth_date");
	} else if (strcmp(name, "missed-checkup") == 0) {
		ja = "出生（%s）から%s日たっても健診での面談の記録がありません";
		en = "born on %s; not met at the checkup within %s days";
		date = why_date(flag, "birth_date");
	} else if (strcmp(name, "no-contact") == 0) {
		ja = "要支援なのに最後の接触（%s）から%s日以上たっています";
		en = "needs support; last contact on %s, %s days or more ago";
		date = why_date(flag, "last_contact");
	} else if (strcmp(name, "no-coordinator") == 0) {
		pg_text(b, pg_l(c, "この地区を担当するコーディネーターがいません",
		    "no coordinator serves the case's district"));
		return;
	}
	if (ja == NULL) {
		pg_text(b, name);
		return;
	}
	{
		char line[512];

		/* The formats hold two %s: the date, then the day count; the
		 * support-needed ones hold one, and snprintf ignores the extra. */
		snprintf(line, sizeof line, pg_l(c, ja, en), date, d);
		pg_text(b, line);
	}
	if (since != NULL) {
		pg_text(b, pg_l(c, "（", " (since "));
		pg_text(b, since);
		pg_text(b, pg_l(c, "から）", ")"));
	}
}
