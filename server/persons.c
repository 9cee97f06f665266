/*
 * persons.c: person data over HTTP (BRIEF section 11, specs/server.md
 * "Person data"): GET and PUT /v1/persons/{case} for a nurse and the
 * coordinator of the case, names=1 on the caseload and risk reports, and
 * the reads of the staff pages.
 *
 * The vault is opened once at start with --key-file or $OYAKO_KEY_FILE.
 * Without a key the server runs as before and every person route answers
 * 503 naming the missing key.  Every read appends its person.accessed
 * event (actor: the account) durably before anything of the person is
 * sent: through the group commit here, and by the tool itself for names=1
 * (caseload --names, risk --names log before they print).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "internal.h"

static enum MHD_Result h_person_get(srv_req *r);
static enum MHD_Result h_person_put(srv_req *r);

const srv_route srv_person_routes[] = {
	{ "GET", "/v1/persons/", SRV_NURSE | SRV_COORD, NULL, h_person_get },
	{ "PUT", "/v1/persons/", SRV_NURSE | SRV_COORD, "application/json", h_person_put },
	{ NULL, NULL, 0, NULL, NULL }
};

int
srv_persons_open(srv *s, char *err, size_t errsize)
{
	const char *path = s->cfg.key_file;
	uint8_t key[VT_KEY_LEN];
	int rc;

	if (path == NULL || *path == '\0')
		path = getenv("OYAKO_KEY_FILE");
	if (path == NULL || *path == '\0') {
		snprintf(s->vault_msg, sizeof s->vault_msg, "no master key: the server was started "
		    "without --key-file FILE or $OYAKO_KEY_FILE, so person data cannot be read");
		return 0;
	}
	snprintf(s->key_path, sizeof s->key_path, "%s", path);
	/* A key that is given but unusable is a mistake to stop on, not to
	 * serve around. */
	if ((rc = vt_key_load(path, key)) != 0) {
		snprintf(err, errsize, "key file '%s': %s", path, rc == ENOENT ?
		    "does not exist (make one with 'oyako key init FILE')" : vt_strerror(rc));
		return EIO;
	}
	rc = vt_open(s->cfg.journal, key, VT_CREATE, &s->vault);
	sodium_memzero(key, sizeof key);
	if (rc != 0) {
		snprintf(err, errsize, "cannot open the vault of '%s' with key file '%s': %s",
		    s->cfg.journal, path, vt_strerror(rc));
		return EIO;
	}
	return 0;
}

void
srv_persons_close(srv *s)
{
	vt_close(s->vault);
	s->vault = NULL;
}

static int
names_role(const srv_req *r)
{
	return r->acct.role == SRV_ROLE_NURSE || r->acct.role == SRV_ROLE_COORDINATOR;
}

int
srv_names_opts(srv_req *r, const char *purpose, char own[4][4200], char **argv,
    enum MHD_Result *ret)
{
	if (!names_role(r)) {
		*ret = srv_reply_error(r, "forbidden", NULL, "role %s may not see names",
		    srv_role_name(r->acct.role));
		return -1;
	}
	if (r->s->vault == NULL) {
		*ret = srv_reply_error(r, "unavailable", NULL, "%s", r->s->vault_msg);
		return -1;
	}
	snprintf(own[0], sizeof own[0], "--names");
	snprintf(own[1], sizeof own[1], "--key-file=%s", r->s->key_path);
	snprintf(own[2], sizeof own[2], "--actor=%s", r->acct.name);
	snprintf(own[3], sizeof own[3], "--purpose=%s", purpose);
	argv[0] = own[0];
	argv[1] = own[1];
	argv[2] = own[2];
	argv[3] = own[3];
	return 0;
}

int
srv_append_line(srv *s, const char *text, size_t n, srv_errlist *errs)
{
	jl_event e = { 0 };
	jn_errinfo je;
	uint64_t line = 1;
	srv_job job;
	size_t i;
	int rc;

	memset(&job, 0, sizeof job);
	memset(&je, 0, sizeof je);
	rc = jl_decode(text, n, 0, &e, &je);
	if (rc == JN_EINVALID) {
		rc = errs == NULL || srv_errlist_add(errs, 1, je.field, je.msg) == 0 ? 422 : ENOMEM;
		goto done;
	}
	if (rc != 0)
		goto done;
	job.evs = &e.ev;
	job.lines = &line;
	job.n = 1;
	job.bytes = n;
	if ((rc = srv_submit(s, &job)) != 0)
		goto done;
	rc = job.status;
	for (i = 0; errs != NULL && i < job.errs.n; i++)
		if (srv_errlist_add(errs, 1, job.errs.v[i].field, job.errs.v[i].msg) != 0)
			rc = ENOMEM;
done:
	job.evs = NULL;		/* e's */
	job.lines = NULL;
	srv_job_free(&job);
	jl_event_free(&e);
	return rc;
}

/* Appends the person.accessed event of one read of case id. */
static int
log_access(srv_req *r, const uint8_t id[JN_ID_LEN], const char *purpose)
{
	char idtext[37], stream[SRV_NAME_MAX + 16], today[11];
	json_t *ev;
	char *text = NULL;
	int rc = ENOMEM;

	jn_uuid_format(id, idtext);
	jn_date_format(jn_today_jst(), today);
	snprintf(stream, sizeof stream, "access:%s", r->acct.name);
	ev = json_pack("{s:s, s:s, s:s, s:s, s:{s:[s], s:s}}", "type", "person.accessed",
	    "stream", stream, "occurred", today, "actor", r->acct.name,
	    "data", "cases", idtext, "purpose", purpose);
	if (ev != NULL && (text = json_dumps(ev, JSON_COMPACT)) != NULL)
		rc = srv_append_line(r->s, text, strlen(text), NULL);
	free(text);
	json_decref(ev);
	return rc;
}

int
srv_person_read(srv_req *r, const uint8_t id[JN_ID_LEN], const char *purpose, int *statep,
    vt_person *p)
{
	int rc;

	*statep = VT_S_NONE;
	if (r->s->vault == NULL)
		return VT_ENOKEY;
	rc = vt_get(r->s->vault, id, p);
	if (rc == VT_ENOTFOUND)
		return 0;
	if (rc == VT_EFORGOTTEN) {
		*statep = VT_S_FORGOTTEN;
		return 0;
	}
	if (rc != 0)
		return rc;
	/* Recorded first: if the record cannot be written, nothing is shown. */
	if ((rc = log_access(r, id, purpose)) != 0) {
		vt_person_clear(p);
		return rc;
	}
	*statep = VT_S_LIVE;
	return 0;
}

/* The case of /v1/persons/{case} ("uuid" or "case:uuid"), checked: it
 * exists, and a coordinator's is its own.  0, or the reply made. */
static int
person_case(srv_req *r, uint8_t id[JN_ID_LEN], enum MHD_Result *ret)
{
	const char *rest = r->rest;
	char stream[48], canon[37], code[SRV_NAME_MAX + 1];
	uint32_t version = 0;
	jn_txn *txn = NULL;
	int rc;

	if (strncmp(rest, "case:", 5) == 0)
		rest += 5;
	if (jn_uuid_parse(jn_str_c(rest), id) != 0) {
		*ret = srv_reply_error(r, "not_found", NULL, "'%s' is not a case", r->rest);
		return -1;
	}
	jn_uuid_format(id, canon);
	snprintf(stream, sizeof stream, "case:%s", canon);
	if ((rc = srv_read_begin(r->s, &txn)) == 0)
		rc = jn_stream_version(txn, jn_str_c(stream), &version);
	srv_read_end(r->s, txn);
	if (rc == 0 && version == 0) {
		*ret = srv_reply_error(r, "not_found", NULL, "no case '%s'", canon);
		return -1;
	}
	if (rc == 0 && r->acct.role == SRV_ROLE_COORDINATOR) {
		rc = srv_case_coordinator(r->s, id, code, sizeof code);
		if (rc == 0 && strcmp(code, r->acct.coordinator) != 0) {
			*ret = srv_reply_error(r, "forbidden", NULL, "'%s' is not a case of coordinator %s",
			    canon, r->acct.coordinator);
			return -1;
		}
	}
	if (rc != 0) {
		*ret = srv_reply_error(r, "unavailable", NULL, "cannot read the journal: %s",
		    jn_strerror(rc));
		return -1;
	}
	if (r->s->vault == NULL) {
		*ret = srv_reply_error(r, "unavailable", NULL, "%s", r->s->vault_msg);
		return -1;
	}
	return 0;
}

static enum MHD_Result
vault_error(srv_req *r, int rc)
{
	if (rc == VT_ECORRUPT)
		return srv_reply_error(r, "unavailable", NULL, "the person data of this case is "
		    "damaged or was changed: nothing of it is shown");
	return srv_reply_error(r, "unavailable", NULL, "cannot read person data: %s", vt_strerror(rc));
}

static enum MHD_Result
h_person_get(srv_req *r)
{
	uint8_t id[JN_ID_LEN];
	vt_person p;
	jl_buf out = { 0 };
	enum MHD_Result ret;
	char *json;
	int rc, state;

	memset(&p, 0, sizeof p);
	if (person_case(r, id, &ret) != 0)
		return ret;
	if ((rc = srv_person_read(r, id, "GET /v1/persons", &state, &p)) != 0)
		return vault_error(r, rc);
	if (state == VT_S_NONE)
		return srv_reply_error(r, "not_found", NULL, "no person data for this case");
	if (state == VT_S_FORGOTTEN)
		return srv_reply(r, 200, "application/json", "{\"forgotten\":true}\n", 19);
	json = vt_person_json(&p);
	vt_person_clear(&p);
	if (json == NULL || srv_puts(&out, json) != 0 || srv_puts(&out, "\n") != 0) {
		if (json != NULL)
			sodium_memzero(json, strlen(json));
		free(json);
		jl_buf_free(&out);
		return srv_reply_error(r, "unavailable", NULL, "out of memory");
	}
	sodium_memzero(json, strlen(json));
	free(json);
	return srv_reply_json(r, 200, &out);
}

static enum MHD_Result
h_person_put(srv_req *r)
{
	uint8_t id[JN_ID_LEN];
	vt_patch pa;
	vt_err verr;
	srv_errlist errs = { 0 };
	enum MHD_Result ret;
	size_t bad;
	int rc;

	memset(&pa, 0, sizeof pa);
	memset(&verr, 0, sizeof verr);
	if (person_case(r, id, &ret) != 0)
		return ret;
	rc = vt_patch_parse(r->body.p ? r->body.p : "", r->body.n, 0, &pa, &verr);
	if (rc == VT_EINVALID) {
		if (srv_errlist_add(&errs, 0, verr.field, verr.msg) != 0)
			ret = srv_reply_error(r, "unavailable", NULL, "out of memory");
		else
			ret = srv_reply_error(r, "invalid", &errs, "bad person data; nothing stored");
		srv_errlist_free(&errs);
		return ret;
	}
	if (rc != 0)
		return srv_reply_error(r, "malformed", NULL, "the body must be a JSON object");
	rc = vt_set(r->s->vault, (const uint8_t (*)[JN_ID_LEN])id, &pa, 1, &bad);
	vt_patch_clear(&pa);
	if (rc == VT_EFORGOTTEN)
		return srv_reply_error(r, "conflict", NULL, "the case was forgotten: its person data "
		    "cannot be set again");
	if (rc != 0)
		return vault_error(r, rc);
	return srv_reply(r, 200, "application/json", "{\"ok\":true}\n", 12);
}
