/* oyako-person: person data of a case (BRIEF section 11): set, show, find,
 * import.  See oyako-person.1 and specs/vault.md. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vcli.h"

static const char usage_text[] =
    "usage: oyako person set CASE [-J DIR] [--key-file FILE] < JSON\n"
    "       oyako person show CASE [-J DIR] [--key-file FILE] [--actor ACTOR] [--purpose TEXT]\n"
    "       oyako person find TEXT [-J DIR] [--key-file FILE] [--actor ACTOR] [--purpose TEXT]\n"
    "                              [--format text|json]\n"
    "       oyako person import FILE [-J DIR] [--key-file FILE]\n"
    "CASE is a case uuid (or case:<uuid>).  The key file is --key-file, else $OYAKO_KEY_FILE.\n"
    "Fields: name, kana, phone, address, mother_birth_date (YYYY-MM-DD), notes; null removes one.\n"
    "Exit codes: 0 ok, 2 usage, 3 bad input or a forgotten case, 5 data changed or damaged,\n"
    "6 no key, a wrong key or I/O, 7 no such case, no person data, no match.\n";

#define INPUT_MAX (1u << 20)	/* bytes of set's standard input */

enum { OPT_FORMAT = 0x100, OPT_HELP };

typedef struct pctx {
	const char *journal;	/* the directory */
	vc_opts vo;
	int json;		/* find --format json */
	int argc;
	char **argv;		/* the operands after the subcommand */
} pctx;

/* "uuid" or "case:uuid", any case of hex digits. */
static int
parse_case(const char *s, uint8_t id[JN_ID_LEN])
{
	if (strncmp(s, "case:", 5) == 0)
		s += 5;
	return strlen(s) == 36 && jn_uuid_parse(jn_str_c(s), id) == 0 ? 0 : -1;
}

/* Opens the journal (read-write when the read must be recorded) and checks
 * that the case stream exists.  Returns an exit code. */
/* Opens the journal (read-write when the read must be recorded) and checks
 * that the case stream exists.  Returns an exit code. */
static int
open_case(const pctx *c, const uint8_t id[JN_ID_LEN], int writable, jn_env **envp)
{
	int ex;

	if ((ex = cli_open(c->journal, writable ? 0 : JN_RDONLY, envp)) != EX_OK)
		return ex;
	return vc_case_exists(*envp, c->journal, id, 0);
}

static int
print_person(const vt_person *p)
{
	char *s = vt_person_json(p);
	int ok;

	if (s == NULL) {
		cli_error("out of memory");
		return EX_IO;
	}
	ok = puts(s) >= 0 && fflush(stdout) == 0;
	free(s);
	if (!ok) {
		cli_error("cannot write the output: %s", strerror(errno));
		return EX_IO;
	}
	return EX_OK;
}

static int
one_case(const pctx *c, uint8_t id[JN_ID_LEN])
{
	if (c->argc != 1) {
		cli_error(c->argc ? "one CASE only" : "missing CASE");
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	if (parse_case(c->argv[0], id) != 0) {
		cli_error("'%s' is not a case (a uuid, or case:<uuid>)", c->argv[0]);
		return EX_USAGE;
	}
	return EX_OK;
}

static int
cmd_set(pctx *c)
{
	uint8_t id[JN_ID_LEN];
	char *buf = NULL;
	size_t n = 0, got;
	vt_patch pa;
	vt_err err;
	vt_vault *v = NULL;
	jn_env *env = NULL;
	int ex, rc;

	memset(&pa, 0, sizeof pa);
	if ((ex = one_case(c, id)) != EX_OK)
		return ex;
	if ((buf = malloc(INPUT_MAX + 1)) == NULL) {
		cli_error("out of memory");
		return EX_IO;
	}
	while (n <= INPUT_MAX && (got = fread(buf + n, 1, INPUT_MAX + 1 - n, stdin)) > 0)
		n += got;
	if (ferror(stdin)) {
		cli_error("cannot read standard input: %s", strerror(errno));
		ex = EX_IO;
		goto out;
	}
	if (n > INPUT_MAX) {
		cli_error("<stdin>: more than %u bytes", INPUT_MAX);
		ex = EX_INPUT;
		goto out;
	}
	if ((rc = vt_patch_parse(buf, n, 0, &pa, &err)) != 0) {
		if (rc != VT_EINVALID)
			cli_error("cannot parse standard input: %s", vt_strerror(rc));
		else if (err.field[0])
			cli_error("<stdin>: field '%s': %s", err.field, err.msg);
		else
			cli_error("<stdin>: %s", err.msg);
		ex = vc_exit_code(rc);
		goto out;
	}
	if ((ex = open_case(c, id, 0, &env)) != EX_OK ||
	    (ex = vc_open(&c->vo, c->journal, VT_CREATE, 0, &v)) != EX_OK)
		goto out;
	if ((rc = vt_set(v, (const uint8_t (*)[JN_ID_LEN])id, &pa, 1, NULL)) != 0) {
		if (rc == VT_EFORGOTTEN)
			cli_error("case '%s' was forgotten: its person data cannot be set again", c->argv[0]);
		else
			cli_error("cannot store the person data of case '%s': %s", c->argv[0], vt_strerror(rc));
		ex = vc_exit_code(rc);
	}
out:
	vt_close(v);
	jn_env_close(env);
	vt_patch_clear(&pa);
	free(buf);
	return ex;
}

static int
cmd_show(pctx *c)
{
	uint8_t id[JN_ID_LEN];
	char text[37];
	vt_vault *v = NULL;
	jn_env *env = NULL;
	vt_person p = { { 0 } };
	int ex, rc;

	if ((ex = one_case(c, id)) != EX_OK)
		return ex;
	jn_uuid_format(id, text);
	if ((ex = vc_open(&c->vo, c->journal, 0, 1, &v)) != EX_OK ||
	    (ex = open_case(c, id, 1, &env)) != EX_OK)
		goto out;
	rc = v ? vt_get(v, id, &p) : VT_ENOTFOUND;
	if (rc == VT_EFORGOTTEN) {
		/* Nothing of the person is shown: no read to record. */
		puts("{\"forgotten\":true}");
		ex = EX_OK;
		goto out;
	}
	if (rc == VT_ENOTFOUND) {
		cli_error("no person data for case '%s'", text);
		ex = EX_NOTFOUND;
		goto out;
	}
	if (rc != 0) {
		cli_error("person data of case '%s': %s: not shown", text, vt_strerror(rc));
		ex = vc_exit_code(rc);
		goto out;
	}
	if ((ex = vc_log_access(&c->vo, env, "person show", (const uint8_t (*)[JN_ID_LEN])id, 1)) != EX_OK)
		goto out;
	ex = print_person(&p);
out:
	vt_person_clear(&p);
	vt_close(v);
	jn_env_close(env);
	return ex;
}

static int
cmd_find(pctx *c)
{
	uint8_t (*ids)[JN_ID_LEN] = NULL;
	size_t n = 0, i;
	vt_vault *v = NULL;
	vt_reader *r = NULL;
	vt_person p = { { 0 } };
	jn_env *env = NULL;
	json_t *arr = NULL;
	char text[37];
	int ex, rc, state;

	if (c->argc != 1) {
		cli_error(c->argc ? "one TEXT only (quote a name with spaces)" : "missing TEXT");
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	if ((ex = vc_open(&c->vo, c->journal, 0, 1, &v)) != EX_OK ||
	    (ex = cli_open(c->journal, 0, &env)) != EX_OK)
		goto out;
	if (v && (rc = vt_find(v, c->argv[0], &ids, &n)) != 0) {
		cli_error("cannot search the person data of journal '%s': %s", c->journal, vt_strerror(rc));
		ex = vc_exit_code(rc);
		goto out;
	}
	if (n == 0) {
		cli_error("no person matches '%s'", c->argv[0]);
		ex = EX_NOTFOUND;
		goto out;
	}
	if ((ex = vc_log_access(&c->vo, env, "person find", (const uint8_t (*)[JN_ID_LEN])ids, n)) != EX_OK)
		goto out;
	if (c->json && (arr = json_array()) == NULL)
		goto nomem;
	if ((rc = vt_reader_begin(v, &r)) != 0)
		goto fail;
	for (i = 0; i < n; i++) {
		const char *name, *kana;

		if ((rc = vt_reader_get(r, ids[i], &state, &p)) != 0)
			goto fail;
		jn_uuid_format(ids[i], text);
		name = p.f[VT_F_NAME];
		kana = p.f[VT_F_KANA];
		if (arr) {
			json_t *o = json_pack("{s:s, s:s?, s:s?}", "case", text, "name", name, "kana", kana);
			if (o == NULL || json_array_append_new(arr, o) != 0)
				goto nomem;
		} else
			printf("%s\t%s\t%s\n", text, name ? name : "", kana ? kana : "");
		vt_person_clear(&p);
	}
	if (arr) {
		if (json_dumpf(arr, stdout, JSON_COMPACT) != 0)
			goto nomem;
		putchar('\n');
	}
	if (fflush(stdout) != 0) {
		cli_error("cannot write the output: %s", strerror(errno));
		ex = EX_IO;
	}
	goto out;
nomem:
	rc = ENOMEM;
fail:
	cli_error("cannot read the person data of journal '%s': %s", c->journal, vt_strerror(rc));
	ex = vc_exit_code(rc);
out:
	vt_person_clear(&p);
	json_decref(arr);
	vt_reader_end(r);
	vt_close(v);
	jn_env_close(env);
	free(ids);
	return ex;
}

/* ---- import ---- */

typedef struct iline {
	uint64_t line;
	uint8_t id[JN_ID_LEN];
	vt_patch pa;
} iline;

typedef struct ibatch {
	iline *l;
	size_t n, cap;
	size_t nerr;
	const char *name;
} ibatch;

static void
ierr(ibatch *b, uint64_t line, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
ierr(ibatch *b, uint64_t line, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (field && *field)
		cli_error("%s:%llu: field '%s': %s", b->name, (unsigned long long)line, field, msg);
	else
		cli_error("%s:%llu: %s", b->name, (unsigned long long)line, msg);
	b->nerr++;
}

/* Parses one line into the batch (or names its error). */
static int
import_line(ibatch *b, uint64_t lineno, const char *s, size_t n)
{
	json_error_t jerr;
	json_t *o, *cs;
	iline *l;
	vt_err err;
	int rc;

	if ((o = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		ierr(b, lineno, NULL, "not JSON: %s", jerr.text);
		return 0;
	}
	if (!json_is_object(o)) {
		ierr(b, lineno, NULL, "not a JSON object");
		goto done;
	}
	if (b->n == b->cap) {
		void *nl = realloc(b->l, (b->cap = b->cap ? 2 * b->cap : 1024) * sizeof *b->l);
		if (nl == NULL) {
			json_decref(o);
			return ENOMEM;
		}
		b->l = nl;
	}
	l = &b->l[b->n];
	memset(l, 0, sizeof *l);
	l->line = lineno;
	cs = json_object_get(o, "case");
	if (cs == NULL) {
		ierr(b, lineno, "case", "missing (the case uuid)");
		goto done;
	}
	if (!json_is_string(cs) || parse_case(json_string_value(cs), l->id) != 0) {
		ierr(b, lineno, "case", "not a case uuid");
		goto done;
	}
	if ((rc = vt_patch_parse(s, n, 1, &l->pa, &err)) != 0) {
		if (rc != VT_EINVALID) {
			json_decref(o);
			return rc;
		}
		ierr(b, lineno, err.field, "%s", err.msg);
		goto done;
	}
	b->n++;
done:
	json_decref(o);
	return 0;
}

static int
cmd_import(pctx *c)
{
	ibatch b = { NULL, 0, 0, 0, NULL };
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0, i, bad;
	ssize_t len;
	uint64_t lineno = 0;
	jn_env *env = NULL;
	vt_vault *v = NULL;
	uint8_t (*ids)[JN_ID_LEN] = NULL;
	vt_patch *pas = NULL;
	int ex = EX_OK, rc;

	if (c->argc != 1) {
		cli_error(c->argc ? "one FILE only" : "missing FILE");
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	b.name = strcmp(c->argv[0], "-") == 0 ? "<stdin>" : c->argv[0];
	if ((f = strcmp(c->argv[0], "-") == 0 ? stdin : fopen(c->argv[0], "r")) == NULL) {
		cli_error("cannot open '%s': %s", c->argv[0], strerror(errno));
		return errno == ENOENT ? EX_NOTFOUND : EX_IO;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		size_t k;

		lineno++;
		for (k = 0; k < (size_t)len && strchr(" \t\r\n", line[k]); k++)
			;
		if (k == (size_t)len)
			continue;	/* a blank line */
		if ((rc = import_line(&b, lineno, line, (size_t)len)) != 0) {
			cli_error("cannot read '%s': %s", b.name, vt_strerror(rc));
			ex = EX_IO;
			goto out;
		}
	}
	if (ferror(f)) {
		cli_error("cannot read '%s': %s", b.name, strerror(errno));
		ex = EX_IO;
		goto out;
	}
	/* Every case must exist in the journal, and not be forgotten. */
	if ((ex = cli_open(c->journal, JN_RDONLY, &env)) != EX_OK)
		goto out;
	for (i = 0; i < b.n; i++) {
		char text[37];

		if ((ex = vc_case_exists(env, c->journal, b.l[i].id, 1)) == EX_NOTFOUND) {
			jn_uuid_format(b.l[i].id, text);
			ierr(&b, b.l[i].line, "case", "case '%s' does not exist in the journal", text);
		} else if (ex != EX_OK)
			goto out;
	}
	ex = EX_OK;
	if ((ex = vc_open(&c->vo, c->journal, 0, 1, &v)) != EX_OK)
		goto out;
	for (i = 0; v && i < b.n; i++) {
		int state;

		if ((rc = vt_state(v, b.l[i].id, &state)) != 0) {
			cli_error("cannot read the person data of journal '%s': %s", c->journal, vt_strerror(rc));
			ex = vc_exit_code(rc);
			goto out;
		}
		if (state == VT_S_FORGETTING || state == VT_S_FORGOTTEN)
			ierr(&b, b.l[i].line, "case", "the case was forgotten: its person data cannot be set again");
	}
	if (b.nerr) {
		cli_error("nothing imported (%zu error%s in %s)", b.nerr, b.nerr == 1 ? "" : "s", b.name);
		ex = EX_INPUT;
		goto out;
	}
	if (v == NULL && (ex = vc_open(&c->vo, c->journal, VT_CREATE, 0, &v)) != EX_OK)
		goto out;
	if ((ids = malloc((b.n ? b.n : 1) * sizeof *ids)) == NULL ||
	    (pas = malloc((b.n ? b.n : 1) * sizeof *pas)) == NULL) {
		rc = ENOMEM;
		goto vfail;
	}
	for (i = 0; i < b.n; i++) {
		memcpy(ids[i], b.l[i].id, JN_ID_LEN);
		pas[i] = b.l[i].pa;
	}
	if ((rc = vt_set(v, (const uint8_t (*)[JN_ID_LEN])ids, pas, b.n, &bad)) != 0) {
		if (rc == VT_EFORGOTTEN) {
			/* Forgotten meanwhile, by another process. */
			ierr(&b, b.l[bad].line, "case", "the case was forgotten: its person data cannot be set again");
			cli_error("nothing imported");
			ex = EX_INPUT;
			goto out;
		}
		goto vfail;
	}
	printf("imported person data of %zu line%s\n", b.n, b.n == 1 ? "" : "s");
	goto out;
vfail:
	cli_error("cannot store person data: %s: nothing imported", vt_strerror(rc));
	ex = vc_exit_code(rc);
out:
	jn_env_close(env);
	vt_close(v);
	for (i = 0; i < b.n; i++)
		vt_patch_clear(&b.l[i].pa);
	free(b.l);
	free(ids);
	free(pas);
	free(line);
	if (f && f != stdin)
		fclose(f);
	return ex;
}

static const struct {
	const char *name;
	int (*fn)(pctx *);
} commands[] = {
	{ "set", cmd_set },
	{ "show", cmd_show },
	{ "find", cmd_find },
	{ "import", cmd_import },
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "journal", required_argument, NULL, 'J' },
		VC_LONGOPTS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 }
	};
	const char *jopt = NULL;
	pctx c;
	size_t i;
	int ch;

	cli_init(argc, argv);
	memset(&c, 0, sizeof c);
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? EX_USAGE : EX_OK;
	}
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			break;
	if (i == sizeof commands / sizeof commands[0]) {
		cli_error("'%s' is not a person command (set, show, find, import)", argv[1]);
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "J:", longopts, NULL)) != -1) {
		if (vc_option(&c.vo, ch, optarg))
			continue;
		switch (ch) {
		case 'J':
			jopt = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
				cli_error("option '--format': '%s' is not text or json", optarg);
				return EX_USAGE;
			}
			c.json = strcmp(optarg, "json") == 0;
			break;
		case OPT_HELP:
			fputs(usage_text, stdout);
			return EX_OK;
		default:
			fputs(usage_text, stderr);
			return EX_USAGE;
		}
	}
	c.journal = cli_journal_path(jopt);
	c.argc = argc - optind;
	c.argv = argv + optind;
	return commands[i].fn(&c);
}
