/*
 * reports.c: the report routes.  Each runs the projection tool beside the
 * server's executable (oyako-annual, -caseload, -risk, -audit) with
 * --format json, so that the server's JSON is the tool's, keys and
 * provenance alike, with no second copy of a projection to drift.  The
 * query parameters become options (as --opt=VALUE, so that a value cannot
 * pass for an option); the tool's exit code becomes the status.
 *
 * Also here: the coordinator of a case at today's date, for the
 * coordinator's view of a case stream, through the case model.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cases.h"
#include "internal.h"

extern char **environ;

int
srv_run_tool(srv *s, char *const argv[], jl_buf *out, char *errline, size_t errsize)
{
	char path[4200], buf[8192];
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, status, rc, open_fds;
	posix_spawn_file_actions_t fa;
	struct pollfd pfd[2];
	size_t elen = 0;
	ssize_t n;
	pid_t pid;

	errline[0] = '\0';
	snprintf(path, sizeof path, "%s/%s", s->tool_dir, argv[0]);
	if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
		rc = errno;
		goto fail;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	if (rc != 0)
		goto fail;
	pfd[0].fd = po[0];
	pfd[1].fd = pe[0];
	pfd[0].events = pfd[1].events = POLLIN;
	open_fds = 2;
	while (open_fds) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(pfd[i].fd, buf, sizeof buf);
			if (n <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_fds--;
				continue;
			}
			if (i == 0) {
				if (jl_buf_reserve(out, (size_t)n) == 0) {
					memcpy(out->p + out->n, buf, (size_t)n);
					out->n += (size_t)n;
				}
			} else if (elen + 1 < errsize) {
				size_t k = (size_t)n < errsize - 1 - elen ? (size_t)n : errsize - 1 - elen;

				memcpy(errline + elen, buf, k);
				elen += k;
				errline[elen] = '\0';
			}
		}
	}
	po[0] = pe[0] = -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	errline[strcspn(errline, "\n")] = '\0';
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
fail:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	snprintf(errline, errsize, "cannot run '%s': %s", path, strerror(rc));
	errno = rc;
	return -1;
}

/* Runs a report tool and replies with its JSON or its error. */
static enum MHD_Result
run_report(srv_req *r, char **argv)
{
	char err[512];
	jl_buf out = { 0 };
	const char *msg;
	int ex;

	ex = srv_run_tool(r->s, argv, &out, err, sizeof err);
	/* The tool's message, past its "PROGRAM: error: " prefix. */
	msg = strstr(err, "error: ") ? strstr(err, "error: ") + 7 : err;
	if (ex == 0)
		return srv_reply_buf(r, 200, "application/json", &out);
	jl_buf_free(&out);
	switch (ex) {
	case 2:
		return srv_reply_error(r, "malformed", NULL, "%s", *msg ? msg : "bad parameters");
	case 7:
		return srv_reply_error(r, "not_found", NULL, "%s", *msg ? msg : "not found");
	case 6:
	case -1:
		return srv_reply_error(r, "unavailable", NULL, "%s", *msg ? msg : "the report failed");
	default:
		return srv_reply_error(r, "internal", NULL, "%s", *msg ? msg : "the report failed");
	}
}

/* argv builder: the tool, the common options, then --opt=VALUE pairs. */
typedef struct args {
	char *v[16];
	char own[8][300];
	int n, nown;
} args;

static void
args_init(args *a, srv *s, const char *tool)
{
	a->n = a->nown = 0;
	a->v[a->n++] = (char *)tool;
	a->v[a->n++] = "--format=json";
	snprintf(a->own[a->nown], sizeof a->own[0], "--journal=%s", s->cfg.journal);
	a->v[a->n++] = a->own[a->nown++];
	a->v[a->n] = NULL;
}

/* Adds --opt=value when value is given; -1 when it is too long. */
static int
args_opt(args *a, const char *opt, const char *value)
{
	if (value == NULL)
		return 0;
	if (snprintf(a->own[a->nown], sizeof a->own[0], "--%s=%s", opt, value) >= (int)sizeof a->own[0])
		return -1;
	a->v[a->n++] = a->own[a->nown++];
	a->v[a->n] = NULL;
	return 0;
}

/* The coordinator= of a caseload or risk request: a coordinator sees its
 * own cases only.  Returns the code to pass (NULL: all), or sets *deny. */
static const char *
coordinator_param(srv_req *r, int *deny)
{
	const char *c = srv_query(r, "coordinator");

	*deny = 0;
	if (r->acct.role != SRV_ROLE_COORDINATOR)
		return c && *c ? c : NULL;
	if (c && *c && strcmp(c, r->acct.coordinator) != 0) {
		*deny = 1;
		return NULL;
	}
	return r->acct.coordinator;
}

static enum MHD_Result
bad_param(srv_req *r)
{
	return srv_reply_error(r, "malformed", NULL, "a parameter is too long");
}

enum MHD_Result
srv_report_annual(srv_req *r)
{
	args a;

	args_init(&a, r->s, "oyako-annual");
	if (srv_query(r, "fy") == NULL)
		return srv_reply_error(r, "malformed", NULL, "fy= is required (2025, R7)");
	if (args_opt(&a, "fy", srv_query(r, "fy")) != 0)
		return bad_param(r);
	return run_report(r, a.v);
}

static enum MHD_Result
cases_report(srv_req *r, const char *tool, const char *extra)
{
	const char *coord;
	args a;
	int deny;

	const char *names = srv_query(r, "names"), *as_of = srv_query(r, "as_of");
	char nown[4][4200];
	int32_t day;
	enum MHD_Result ret;

	coord = coordinator_param(r, &deny);
	if (deny)
		return srv_reply_error(r, "forbidden", NULL, "a coordinator sees its own cases only");
	args_init(&a, r->s, tool);
	if (args_opt(&a, "as-of", srv_query(r, "as_of")) != 0 ||
	    args_opt(&a, "coordinator", coord) != 0 ||
	    (extra && args_opt(&a, extra, srv_query(r, extra)) != 0))
		return bad_param(r);
	/* names=1: the tool joins the names and records the read (persons.c). */
	if (names != NULL && strcmp(names, "0") != 0) {
		if (strcmp(names, "1") != 0)
			return srv_reply_error(r, "malformed", NULL, "names= takes 1 or 0");
		/* Its cases of another day are not its cases now: a coordinator
		 * sees the names of today's caseload only. */
		if (r->acct.role == SRV_ROLE_COORDINATOR && as_of != NULL && *as_of != '\0' &&
		    (jn_date_parse(jn_str_c(as_of), &day) != 0 || day != jn_today_jst()))
			return srv_reply_error(r, "forbidden", NULL,
			    "a coordinator sees names in today's caseload and risk only (no as_of)");
		if (srv_names_opts(r, r->route->path, nown, a.v + a.n, &ret) != 0)
			return ret;
		a.n += 4;
		a.v[a.n] = NULL;
	}
	return run_report(r, a.v);
}

enum MHD_Result
srv_report_caseload(srv_req *r)
{
	return cases_report(r, "oyako-caseload", NULL);
}

enum MHD_Result
srv_report_risk(srv_req *r)
{
	return cases_report(r, "oyako-risk", "flag");
}

enum MHD_Result
srv_report_audit(srv_req *r)
{
	args a;

	args_init(&a, r->s, "oyako-audit");
	if (args_opt(&a, "fy", srv_query(r, "fy")) != 0)
		return bad_param(r);
	return run_report(r, a.v);
}

int
srv_case_coordinator(srv *s, const uint8_t case_id[JN_ID_LEN], char *code, size_t size)
{
	pj_model m;
	pj_rules rules;
	pj_prov prov;
	pj_status st;
	pj_case *c;
	int rc;

	code[0] = '\0';
	pj_rules_default(&rules);
	memset(&m, 0, sizeof m);
	if ((rc = pj_model_init(&m, jn_today_jst())) != 0)
		return rc;
	pthread_rwlock_rdlock(&s->maplock);
	rc = pj_model_replay(&m, s->env, 0, &prov);
	pthread_rwlock_unlock(&s->maplock);
	if (rc == 0 && (c = pj_model_case(&m, case_id, 0, &rc)) != NULL && c->exists) {
		pj_case_status(&m, c, &rules, &st);
		if (st.coord >= 0)
			snprintf(code, size, "%s", pj_names_str(m.names, m.staff[st.coord].code));
	}
	pj_model_free(&m);
	return rc;
}
