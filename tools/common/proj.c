/* proj.c: see proj.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "proj.h"
#include "xlsx.h"

/* The temporary file behind stdout while -o FILE is being written: removed
 * at exit unless po_done() renamed it. */
static char *tmp_path;
static const char *out_name;	/* FILE */

static void
tmp_remove(void)
{
	if (tmp_path) {
		unlink(tmp_path);
		free(tmp_path);
		tmp_path = NULL;
	}
}

/* Makes "DIR/.BASE.XXXXXX" beside path and points stdout at it: 0 or an
 * errno value.  Beside, so that the rename is atomic (one file system). */
static int
tmp_open(const char *path)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0, fd, err;

	if (asprintf(&tmp_path, "%.*s.%s.XXXXXX", dirlen, path, slash ? slash + 1 : path) < 0) {
		tmp_path = NULL;
		return ENOMEM;
	}
	if ((fd = mkstemp(tmp_path)) < 0) {
		err = errno;
		free(tmp_path);
		tmp_path = NULL;
		return err;
	}
	out_name = path;
	atexit(tmp_remove);
	fflush(stdout);
	if (dup2(fd, STDOUT_FILENO) < 0) {
		err = errno;
		close(fd);
		return err;
	}
	close(fd);
	return 0;
}

void
po_init(po_opts *o)
{
	memset(o, 0, sizeof *o);
	o->as_of = jn_today_jst();
	o->fmt = PJ_FMT_TEXT;
	o->jobs = cli_jobs_default(PJ_JOBS_MAX);
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
		cli_error("option '--format': '%s' is not one of text, tsv, csv, json, md, html, xlsx", arg);
		return -1;
	case PO_ENCODING:
		if (strcasecmp(arg, "utf-8") == 0 || strcasecmp(arg, "utf8") == 0)
			o->enc = PJ_ENC_UTF8;
		else if (strcasecmp(arg, "sjis") == 0 || strcasecmp(arg, "shift_jis") == 0)
			o->enc = PJ_ENC_SJIS;
		else {
			cli_error("option '--encoding': '%s' is not utf-8 or sjis", arg);
			return -1;
		}
		o->enc_opt = 1;
		return 1;
	case 'o':
		if (arg[0] == '\0') {
			cli_error("option '-o': the file name is empty");
			return -1;
		}
		o->output = arg;
		return 1;
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
	case PO_JOBS:
		return cli_parse_jobs(arg, PJ_JOBS_MAX, &o->jobs) == 0 ? 1 : -1;
	default:
		return 0;
	}
}

int
po_finish(po_opts *o, int argc, char **argv, const char *usage, int *exitp)
{
	int rc;

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
	if ((o->fmt == PJ_FMT_HTML || o->fmt == PJ_FMT_XLSX) && o->output == NULL) {
		/* A workbook is binary, a page is a file to open: never a terminal. */
		cli_error("--format %s writes a file: give it with -o FILE",
		    o->fmt == PJ_FMT_HTML ? "html" : "xlsx");
		fputs(usage, stderr);
		*exitp = EX_USAGE;
		return 1;
	}
	if (o->enc_opt && o->fmt != PJ_FMT_CSV) {
		cli_error("option '--encoding' is for --format csv");
		fputs(usage, stderr);
		*exitp = EX_USAGE;
		return 1;
	}
	o->ja = strcmp(cli_lang(o->lang_opt), "ja") == 0;
	if (o->output && (rc = tmp_open(o->output)) != 0) {
		cli_error("cannot write '%s': %s", o->output, strerror(rc));
		*exitp = EX_IO;
		return 1;
	}
	return 0;
}

int
po_done(const po_opts *o, int ex)
{
	int fd, err = 0;

	if (tmp_path == NULL)
		return ex;
	if (ex != EX_OK) {
		tmp_remove();
		return ex;
	}
	if (fflush(stdout) != 0 || ferror(stdout) || fsync(STDOUT_FILENO) != 0)
		err = errno ? errno : EIO;
	else if (rename(tmp_path, o->output) != 0)
		err = errno;
	if (err) {
		cli_error("cannot write '%s': %s", o->output, strerror(err));
		tmp_remove();
		return EX_IO;
	}
	free(tmp_path);
	tmp_path = NULL;
	/* The new name is durable once its directory is. */
	{
		const char *slash = strrchr(o->output, '/');
		char *dir = slash ? strndup(o->output, (size_t)(slash - o->output) + 1) : strdup(".");

		if (dir && (fd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0) {
			fsync(fd);
			close(fd);
		}
		free(dir);
	}
	return EX_OK;
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
	else if ((rc == EIO || rc == EPIPE || rc == ENOSPC) && o->output)
		cli_error("cannot write '%s': %s", o->output, strerror(errno ? errno : rc));
	else if (rc == EIO || rc == EPIPE || rc == ENOSPC)
		cli_error("cannot write the output: %s", strerror(errno ? errno : rc));
	else
		cli_error("cannot replay journal '%s': %s", cli_journal_path(o->journal), jn_strerror(rc));
	return cli_exit_code(rc);
}

const char *
po_head(const po_opts *o, const char *key, const char *ja)
{
	if (o->ja && (o->fmt == PJ_FMT_TEXT || o->fmt == PJ_FMT_MD || o->fmt == PJ_FMT_HTML ||
	    o->fmt == PJ_FMT_XLSX))
		return ja;
	return key;
}

int
po_render(const po_opts *o, pj_doc *doc)
{
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	int rc;

	pj_doc_lang(doc, o->ja);
	pj_doc_encoding(doc, o->enc);
	if (epoch && *epoch)	/* reproducible pages and workbooks */
		pj_doc_generated(doc, strtoll(epoch, NULL, 10));
	if (o->fmt == PJ_FMT_XLSX)
		rc = pj_doc_xlsx(doc, tmp_path);
	else
		rc = pj_doc_render(doc, o->fmt, stdout);
	if (rc == EILSEQ) {
		cli_error("cannot write the csv in Shift_JIS: %s", pj_doc_errmsg(doc));
		return EX_INPUT;
	}
	if (rc == EIO && pj_doc_errmsg(doc)[0]) {
		cli_error("cannot write '%s': %s", o->output ? o->output : "-", pj_doc_errmsg(doc));
		return EX_IO;
	}
	return rc ? po_fail(o, rc) : EX_OK;
}

static void
write_error(int rc)
{
	if (tmp_path)
		cli_error("cannot write '%s': %s", out_name, strerror(rc));
	else
		cli_error("cannot write the output: %s", strerror(rc));
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
	write_error(rc);
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
	write_error(rc);
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
	if ((rc = pj_model_replay_jobs(&r->m, r->env, o->at_seq, o->jobs, &r->prov)) != 0 ||
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
