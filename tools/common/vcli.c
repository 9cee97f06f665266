/* vcli.c: see vcli.h. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "vcli.h"

int
vc_option(vc_opts *vo, int c, const char *arg)
{
	switch (c) {
	case VC_O_KEYFILE: vo->key_file = arg; return 1;
	case VC_O_ACTOR: vo->actor = arg; return 1;
	case VC_O_PURPOSE: vo->purpose = arg; return 1;
	case VC_O_NAMES: vo->names = 1; return 1;
	default: return 0;
	}
}

const char *
vc_key_path(const vc_opts *vo)
{
	const char *env;

	if (vo->key_file && *vo->key_file)
		return vo->key_file;
	env = getenv("OYAKO_KEY_FILE");
	return env && *env ? env : NULL;
}

const char *
vc_actor(const vc_opts *vo)
{
	static char buf[160];
	const struct passwd *pw;
	const char *env;

	if (vo->actor && *vo->actor)
		return vo->actor;
	env = getenv("OYAKO_ACTOR");
	if (env && *env)
		return env;
	pw = getpwuid(geteuid());
	if (pw && pw->pw_name && *pw->pw_name)
		snprintf(buf, sizeof buf, "cli:%s", pw->pw_name);
	else
		snprintf(buf, sizeof buf, "cli:uid%u", (unsigned)geteuid());
	return buf;
}

int
vc_exit_code(int rc)
{
	switch (rc) {
	case 0:
		return EX_OK;
	case VT_ENOKEY:
	case VT_EKEYFILE:
	case VT_EKEYMODE:
	case VT_EWRONGKEY:
		return EX_IO;
	case VT_ECORRUPT:
	case VT_EFORMAT:
		return EX_INTEGRITY;
	case VT_EFORGOTTEN:
	case VT_EINVALID:
		return EX_INPUT;
	case VT_ENOTFOUND:
		return EX_NOTFOUND;
	case VT_EEXIST:
	case VT_ESAMEKEY:
		return EX_USAGE;
	default:
		return cli_exit_code(rc);
	}
}

int
vc_key_load(const vc_opts *vo, uint8_t key[VT_KEY_LEN])
{
	const char *path = vc_key_path(vo);
	int rc;

	if (path == NULL) {
		cli_error("no master key: person data needs --key-file FILE or $OYAKO_KEY_FILE "
		    "(make one with 'oyako key init FILE', outside the journal directory)");
		return EX_IO;
	}
	if ((rc = vt_key_load(path, key)) == 0)
		return EX_OK;
	if (rc == ENOENT)
		cli_error("key file '%s' does not exist (make one with 'oyako key init %s')", path, path);
	else if (rc == VT_EKEYMODE)
		cli_error("key file '%s' is readable or writable by group or others: refused "
		    "(chmod 600 '%s')", path, path);
	else if (rc == VT_EKEYFILE)
		cli_error("key file '%s' is not a key (32 bytes made by 'oyako key init')", path);
	else
		cli_error("cannot read key file '%s': %s", path, vt_strerror(rc));
	return EX_IO;
}

int
vc_key_outside(const char *path, const char *dir)
{
	char kr[PATH_MAX], dr[PATH_MAX];
	size_t n;

	if (realpath(path, kr) == NULL || realpath(dir, dr) == NULL)
		return EX_OK;	/* the open that follows names what is missing */
	n = strlen(dr);
	if (strncmp(kr, dr, n) == 0 && (kr[n] == '/' || dr[n - 1] == '/')) {
		cli_error("key file '%s' lies in the journal directory '%s': refused (a copy of the "
		    "directory would carry its own key; keep the key elsewhere)", path, dir);
		return EX_IO;
	}
	return EX_OK;
}

int
vc_open(const vc_opts *vo, const char *dir, unsigned flags, int missing_ok, vt_vault **vp)
{
	uint8_t key[VT_KEY_LEN];
	int ex, rc;

	*vp = NULL;
	if ((ex = vc_key_load(vo, key)) != EX_OK)
		return ex;
	if ((ex = vc_key_outside(vc_key_path(vo), dir)) != EX_OK) {
		sodium_memzero(key, sizeof key);
		return ex;
	}
	rc = vt_open(dir, key, flags, vp);
	sodium_memzero(key, sizeof key);
	if (rc == 0 || (rc == VT_ENOTFOUND && missing_ok))
		return EX_OK;
	if (rc == VT_EWRONGKEY)
		cli_error("key file '%s' does not open the person data of journal '%s': wrong key",
		    vc_key_path(vo), dir);
	else if (rc == VT_ENOTFOUND)
		cli_error("journal '%s' holds no person data yet", dir);
	else
		cli_error("cannot open the person data of journal '%s': %s", dir, vt_strerror(rc));
	return vc_exit_code(rc);
}

int
vc_case_exists(jn_env *env, const char *dir, const uint8_t id[JN_ID_LEN], int quiet)
{
	char stream[48], text[37];
	jn_txn *txn;
	uint32_t ver = 0;
	int rc;

	jn_uuid_format(id, text);
	snprintf(stream, sizeof stream, "case:%s", text);
	if ((rc = jn_txn_begin(env, JN_TXN_RDONLY, &txn)) == 0) {
		rc = jn_stream_version(txn, jn_str_c(stream), &ver);
		jn_txn_abort(txn);
	}
	if (rc != 0) {
		cli_error("cannot read journal '%s': %s", dir, jn_strerror(rc));
		return cli_exit_code(rc);
	}
	if (ver == 0) {
		if (!quiet)
			cli_error("no case '%s' in journal '%s'", text, dir);
		return EX_NOTFOUND;
	}
	return EX_OK;
}

int
vc_log_access(const vc_opts *vo, jn_env *env, const char *default_purpose,
    const uint8_t (*ids)[JN_ID_LEN], size_t n)
{
	const char *purpose = vo->purpose && *vo->purpose ? vo->purpose : default_purpose;
	const char *actor = vc_actor(vo);
	jn_errinfo err;
	int rc;

	memset(&err, 0, sizeof err);
	if ((rc = vt_access_log(env, actor, purpose, ids, n, &err)) == 0)
		return EX_OK;
	if (rc == JN_EINVALID)
		cli_error("cannot record the read (person.accessed by '%s'): actor or purpose "
		    "refused by the journal: nothing shown", actor);
	else
		cli_error("cannot record the read (person.accessed by '%s'): %s: nothing shown",
		    actor, vt_strerror(rc));
	return rc == JN_EINVALID ? EX_USAGE : vc_exit_code(rc);
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, JN_ID_LEN);
}

void
vc_names_free(vc_names *nm)
{
	size_t i;

	if (nm == NULL)
		return;
	for (i = 0; i < nm->n && nm->name; i++) {
		free(nm->name[i]);
		free(nm->kana[i]);
	}
	free(nm->ids);
	free(nm->name);
	free(nm->kana);
	free(nm->forgotten);
	free(nm->hash);
	memset(nm, 0, sizeof *nm);
}

/* The reading of the names, run beside the commit of the read's record:
 * nothing read is shown before that commit is done. */
typedef struct names_job {
	vc_names *nm;
	vt_vault *v;
	int rc;
	size_t bad;		/* the case that failed */
} names_job;

static void *
names_read(void *arg)
{
	names_job *job = arg;
	vc_names *nm = job->nm;
	vt_reader *r = NULL;
	vt_person p = { { 0 } };
	size_t i;
	int state;

	if ((job->rc = vt_reader_begin(job->v, &r)) != 0)
		return NULL;
	/* In id order: the records' pages one after another. */
	for (i = 0; i < nm->n; i++) {
		if ((job->rc = vt_reader_get(r, nm->ids[i], &state, &p)) != 0) {
			job->bad = i;
			break;
		}
		nm->forgotten[i] = state == VT_S_FORGETTING || state == VT_S_FORGOTTEN;
		/* The strings move to the table. */
		nm->name[i] = p.f[VT_F_NAME];
		nm->kana[i] = p.f[VT_F_KANA];
		p.f[VT_F_NAME] = p.f[VT_F_KANA] = NULL;
		vt_person_clear(&p);
	}
	vt_reader_end(r);
	return NULL;
}

static uint64_t
id_hash(const uint8_t id[JN_ID_LEN])
{
	uint64_t h;

	memcpy(&h, id, sizeof h);	/* random bits of a v4 uuid */
	return h * 0x9e3779b97f4a7c15ULL;
}

/* An open-addressing table from id to its place: a lookup per row of the
 * output costs a probe, not a binary search. */
static int
names_index(vc_names *nm)
{
	size_t i, k;

	for (nm->mask = 15; nm->mask < 2 * nm->n; nm->mask = nm->mask * 2 + 1)
		;
	if ((nm->hash = malloc((nm->mask + 1) * sizeof *nm->hash)) == NULL)
		return ENOMEM;
	for (i = 0; i <= nm->mask; i++)
		nm->hash[i] = UINT32_MAX;
	for (i = 0; i < nm->n; i++) {
		for (k = id_hash(nm->ids[i]) & nm->mask; nm->hash[k] != UINT32_MAX; k = (k + 1) & nm->mask)
			;
		nm->hash[k] = (uint32_t)i;
	}
	return 0;
}

int
vc_names_load(vc_names *nm, const vc_opts *vo, jn_env *env, const char *dir,
    const char *default_purpose, const uint8_t (*ids)[JN_ID_LEN], size_t n)
{
	names_job job = { nm, NULL, 0, 0 };
	pthread_t th;
	char id[37];
	int ex, rc = 0, started = 0;

	memset(nm, 0, sizeof *nm);
	/* The key first: without one nothing is recorded and nothing shown. */
	if ((ex = vc_open(vo, dir, 0, 1, &job.v)) != EX_OK)
		return ex;
	if (n >= UINT32_MAX) {
		rc = EOVERFLOW;
		goto fail;
	}
	if ((nm->ids = malloc((n ? n : 1) * sizeof *nm->ids)) == NULL ||
	    (nm->name = calloc(n ? n : 1, sizeof *nm->name)) == NULL ||
	    (nm->kana = calloc(n ? n : 1, sizeof *nm->kana)) == NULL ||
	    (nm->forgotten = calloc(n ? n : 1, 1)) == NULL) {
		rc = ENOMEM;
		goto fail;
	}
	memcpy(nm->ids, ids, n * sizeof *ids);
	nm->n = n;
	qsort(nm->ids, n, sizeof *nm->ids, id_cmp);
	if ((rc = names_index(nm)) != 0)
		goto fail;
	if (job.v && n > 0) {
		if ((rc = pthread_create(&th, NULL, names_read, &job)) == 0)
			started = 1;
		else
			names_read(&job);	/* no thread: one after the other */
	}
	/* Recorded (durably) before anything is shown. */
	if (n > 0)
		ex = vc_log_access(vo, env, default_purpose, (const uint8_t (*)[JN_ID_LEN])nm->ids, n);
	if (started)
		pthread_join(th, NULL);
	if (ex != EX_OK)
		goto out;
	if (job.rc != 0) {
		jn_uuid_format(nm->ids[job.bad], id);
		cli_error("person data of case '%s': %s", id, vt_strerror(job.rc));
		ex = vc_exit_code(job.rc);
	}
	goto out;
fail:
	cli_error("cannot read the person data of journal '%s': %s", dir, vt_strerror(rc));
	ex = vc_exit_code(rc);
out:
	vt_close(job.v);
	if (ex != EX_OK)
		vc_names_free(nm);
	return ex;
}

int
vc_names_cases(vc_names *nm, const vc_opts *vo, jn_env *env, const char *dir,
    const char *default_purpose, const pj_model *m, const uint32_t *idx, size_t n)
{
	uint8_t (*ids)[JN_ID_LEN];
	size_t i;
	int ex;

	memset(nm, 0, sizeof *nm);
	if ((ids = malloc((n ? n : 1) * sizeof *ids)) == NULL) {
		cli_error("out of memory");
		return EX_IO;
	}
	for (i = 0; i < n; i++)
		memcpy(ids[i], m->cases[idx[i]].id, JN_ID_LEN);
	ex = vc_names_load(nm, vo, env, dir, default_purpose, (const uint8_t (*)[JN_ID_LEN])ids, n);
	free(ids);
	return ex;
}

const char *
vc_names_get(const vc_names *nm, const uint8_t id[JN_ID_LEN], int kana)
{
	size_t k, i;

	if (nm->n == 0)
		return NULL;
	for (k = id_hash(id) & nm->mask; (i = nm->hash[k]) != UINT32_MAX; k = (k + 1) & nm->mask)
		if (memcmp(nm->ids[i], id, JN_ID_LEN) == 0)
			break;
	if (i == UINT32_MAX)
		return NULL;
	if (nm->forgotten[i])
		return "(forgotten)";
	return kana ? nm->kana[i] : nm->name[i];
}

void
vc_names_jw(const vc_names *nm, pj_jw *w, const uint8_t id[JN_ID_LEN])
{
	if (nm == NULL)
		return;
	pj_jw_str(w, "name", vc_names_get(nm, id, 0));
	pj_jw_str(w, "kana", vc_names_get(nm, id, 1));
}

void
vc_names_columns(const vc_names *nm, const po_opts *o, pj_doc *doc)
{
	if (nm == NULL)
		return;
	pj_doc_column(doc, 'l', po_head(o, "name", "氏名"));
	pj_doc_column(doc, 'l', po_head(o, "kana", "かな"));
}

void
vc_names_cells(const vc_names *nm, pj_doc *doc, const uint8_t id[JN_ID_LEN])
{
	const char *s;

	if (nm == NULL)
		return;
	s = vc_names_get(nm, id, 0);
	pj_doc_cell(doc, "%s", s ? s : "");
	s = vc_names_get(nm, id, 1);
	pj_doc_cell(doc, "%s", s ? s : "");
}
