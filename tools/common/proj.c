/* proj.c: see proj.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proj.h"

void
po_init(po_opts *o)
{
	memset(o, 0, sizeof *o);
	o->as_of = jn_today_jst();
	o->fmt = PJ_FMT_TEXT;
}

int
po_option(po_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'J':
		o->journal = arg;
		return 1;
	case PO_AT_SEQ:
		if (cli_parse_u64("--at-seq", arg, UINT64_MAX, &o->at_seq) != 0)
			return -1;
		if (o->at_seq == 0) {
			cli_error("option '--at-seq': '%s' is not a seq (they start at 1)", arg);
			return -1;
		}
		return 1;
	case PO_AS_OF:
		return cli_parse_date("--as-of", arg, &o->as_of) == 0 ? 1 : -1;
	case PO_FORMAT:
		if (pj_format_parse(arg, &o->fmt) == 0)
			return 1;
		cli_error("option '--format': '%s' is not one of text, tsv, csv, json, md", arg);
		return -1;
	case PO_LANG:
		if (strcmp(arg, "ja") != 0 && strcmp(arg, "en") != 0) {
			cli_error("option '--lang': '%s' is not ja or en", arg);
			return -1;
		}
		o->lang_opt = arg;
		return 1;
	case PO_HELP:
		o->help = 1;
		return 1;
	default:
		return 0;
	}
}

int
po_finish(po_opts *o, int argc, char **argv, const char *usage, int *exitp)
{
	if (o->help) {
		fputs(usage, stdout);
		*exitp = EX_OK;
		return 1;
	}
	if (optind < argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		fputs(usage, stderr);
		*exitp = EX_USAGE;
		return 1;
	}
	o->ja = strcmp(cli_lang(o->lang_opt), "ja") == 0;
	return 0;
}

int
po_open(const po_opts *o, jn_env **envp)
{
	return cli_open(cli_journal_path(o->journal), o->writable ? 0 : JN_RDONLY, envp);
}

int
po_fail(const po_opts *o, int rc)
{
	if (rc == JN_ENOTFOUND && o->at_seq)
		cli_error("option '--at-seq': seq %llu is past the head of the journal",
		    (unsigned long long)o->at_seq);
	else if (rc == EIO || rc == EPIPE)
		cli_error("cannot write the output: %s", strerror(errno ? errno : rc));
	else
		cli_error("cannot replay journal '%s': %s", cli_journal_path(o->journal), jn_strerror(rc));
	return cli_exit_code(rc);
}

const char *
po_head(const po_opts *o, const char *key, const char *ja)
{
	if (o->ja && (o->fmt == PJ_FMT_TEXT || o->fmt == PJ_FMT_MD))
		return ja;
	return key;
}

int
po_render(const po_opts *o, pj_doc *doc)
{
	int rc = pj_doc_render(doc, o->fmt, stdout);

	return rc ? po_fail(o, rc) : EX_OK;
}

int
po_json(json_t *obj, const pj_prov *prov)
{
	int rc;

	if (obj == NULL)
		rc = ENOMEM;
	else if ((rc = pj_json_prov(obj, prov)) == 0)
		rc = pj_json_print(obj, stdout);
	json_decref(obj);
	if (rc == 0)
		return EX_OK;
	cli_error("cannot write the output: %s", strerror(rc));
	return EX_IO;
}

int
po_jw_end(pj_jw *w, const pj_prov *prov)
{
	int rc;

	pj_jw_prov(w, prov);
	pj_jw_end(w);
	if ((rc = pj_jw_finish(w)) == 0)
		return EX_OK;
	cli_error("cannot write the output: %s", strerror(rc));
	return rc == EIO ? EX_IO : EX_INTERNAL;	/* EINVAL: unbalanced, a bug */
}

int
po_rules(const char *path, pj_rules *r)
{
	jn_errinfo err;
	int rc;

	pj_rules_default(r);
	if (path == NULL)
		return EX_OK;
	memset(&err, 0, sizeof err);
	if ((rc = pj_rules_load(path, r, &err)) == 0)
		return EX_OK;
	if (rc == JN_EINVALID) {
		cli_error("%s: %s", err.field, err.msg);
		return EX_INPUT;
	}
	cli_error("cannot read rules file '%s': %s", path, strerror(rc));
	return EX_IO;
}

int
po_cases_run(const po_opts *o, const char *rules_path, po_cases *r)
{
	int ex, rc;

	memset(r, 0, sizeof *r);
	if ((ex = po_rules(rules_path, &r->rules)) != EX_OK)
		return ex;
	if ((ex = po_open(o, &r->env)) != EX_OK)
		return ex;
	if ((rc = pj_model_init(&r->m, o->as_of)) != 0)
		return po_fail(o, rc);
	r->m.evict_days = r->rules.infant_days;
	if ((rc = pj_model_replay(&r->m, r->env, o->at_seq, &r->prov)) != 0 ||
	    (rc = pj_open_cases(&r->m, &r->rules, &r->idx, &r->n)) != 0)
		return po_fail(o, rc);
	return EX_OK;
}

void
po_cases_free(po_cases *r)
{
	free(r->idx);
	pj_model_free(&r->m);
	jn_env_close(r->env);
	memset(r, 0, sizeof *r);
}
