/*
 * writer.c: the group commit.  One thread owns the journal's write side.
 * Requests queue their jobs; the writer takes every job waiting (up to
 * SRV_GROUP_MAX, SRV_GROUP_BYTES), appends them in one transaction, job
 * after job, and commits once (one fsync for the group).  Each job is
 * answered after that commit: a 2xx reply means on disk.
 *
 * A job with a bad event must store nothing while the others commit.  The
 * journal has no savepoints, and the events after a bad job were checked
 * against a state that held its good events; so when a job fails the whole
 * transaction is aborted, the job keeps its errors, and the group is run
 * again without it.  Each run drops at least one job, so a group runs at
 * most as many times as it has jobs, and errors are rare.  The outcome is
 * the one of running the jobs one by one in their queue order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define GROUP_REDO (-1)		/* a job failed: run the group again without it */

typedef struct group {
	srv_job **jobs;
	size_t n;
	size_t events;		/* stored by the last run */
	uint64_t head;
	uint8_t hash[JN_HASH_LEN];
} group;

void
srv_job_free(srv_job *job)
{
	srv_errlist_free(&job->pre);
	srv_errlist_free(&job->errs);
	free(job->seqs);
	job->seqs = NULL;
}

static int
err_cmp(const void *a, const void *b)
{
	const srv_err *x = a, *y = b;

	return (x->line > y->line) - (x->line < y->line);
}

/* Appends one job's events; GROUP_REDO after marking it failed. */
static int
run_job(srv_job *job, jn_txn *txn, size_t *events)
{
	const jn_errinfo *e;
	size_t i;
	int rc, stored;

	job->stored = job->dups = 0;
	job->errs.n = 0;
	job->invalid = job->pre.n > 0;
	for (i = 0; i < job->pre.n; i++)
		if ((rc = srv_errlist_add(&job->errs, job->pre.v[i].line, job->pre.v[i].field,
		    job->pre.v[i].msg)) != 0)
			return rc;
	for (i = 0; i < job->n; i++) {
		rc = jn_append(txn, &job->evs[i], &job->seqs[i], &stored);
		if (rc == 0) {
			if (stored)
				job->stored++;
			else
				job->dups++;
			continue;
		}
		if (rc != JN_EINVALID && rc != JN_ECONFLICT && rc != JN_EIDCLASH)
			return rc;	/* the transaction is poisoned: the group fails */
		/* Go on: the reply names every bad line, as import does. */
		if (rc == JN_EINVALID)
			job->invalid = 1;
		e = jn_txn_error(txn);
		if ((rc = srv_errlist_add(&job->errs, job->lines[i], e->field,
		    e->msg[0] ? e->msg : jn_strerror(rc))) != 0)
			return rc;
	}
	if (job->errs.n) {
		qsort(job->errs.v, job->errs.n, sizeof *job->errs.v, err_cmp);
		job->status = job->invalid ? 422 : 409;
		return GROUP_REDO;
	}
	*events += job->stored;
	return 0;
}

static int
group_fn(jn_txn *txn, void *arg)
{
	group *g = arg;
	size_t i;
	int rc;

	g->events = 0;
	for (i = 0; i < g->n; i++) {
		if (g->jobs[i]->status)
			continue;	/* failed in an earlier run */
		if ((rc = run_job(g->jobs[i], txn, &g->events)) != 0)
			return rc;
	}
	return jn_head(txn, &g->head, g->hash);
}

static void
run_group(srv *s, group *g)
{
	size_t i, alive;
	int rc;

	for (;;) {
		for (i = alive = 0; i < g->n; i++)
			alive += g->jobs[i]->status == 0;
		if (alive == 0)
			return;
		rc = jn_write(s->env, group_fn, g);
		if (rc != GROUP_REDO)
			break;
	}
	for (i = alive = 0; i < g->n; i++) {
		srv_job *job = g->jobs[i];

		if (job->status)
			continue;
		alive++;
		if (rc != 0) {
			job->status = 503;
			srv_errlist_add(&job->errs, 0, "", jn_strerror(rc));
			continue;
		}
		job->head_seq = g->head;
		memcpy(job->head_hash, g->hash, JN_HASH_LEN);
	}
	if (rc == 0) {
		srv_metric_commit(s, alive, g->events);
		pthread_mutex_lock(&s->hmu);
		if (g->head > s->head)
			s->head = g->head;
		pthread_cond_broadcast(&s->hcv);	/* wake the feeds */
		pthread_mutex_unlock(&s->hmu);
	}
}

/* Grows the map between groups, with every reader of this process held
 * off: growing it under a reader's feet is not allowed by LMDB. */
static void
keep_room(srv *s, size_t bytes)
{
	uint64_t mapsize, filesize, need = 4 * (uint64_t)bytes + (256ull << 20);

	if (jn_env_size(s->env, &mapsize, &filesize) != 0 || mapsize - filesize >= need)
		return;
	pthread_rwlock_wrlock(&s->maplock);
	jn_env_reserve(s->env, need + (1ull << 30));
	pthread_rwlock_unlock(&s->maplock);
}

static void *
writer_main(void *arg)
{
	srv *s = arg;
	srv_job *jobs[SRV_GROUP_MAX];
	group g;
	size_t bytes;

	for (;;) {
		pthread_mutex_lock(&s->wmu);
		while (s->qhead == NULL && !s->wstop)
			pthread_cond_wait(&s->wcv, &s->wmu);
		if (s->qhead == NULL) {
			pthread_mutex_unlock(&s->wmu);
			break;
		}
		g.n = 0;
		bytes = 0;
		while (s->qhead && g.n < SRV_GROUP_MAX &&
		    (g.n == 0 || bytes + s->qhead->bytes <= SRV_GROUP_BYTES)) {
			jobs[g.n++] = s->qhead;
			bytes += s->qhead->bytes;
			s->qhead = s->qhead->next;
		}
		if (s->qhead == NULL)
			s->qtail = NULL;
		pthread_mutex_unlock(&s->wmu);
		g.jobs = jobs;
		keep_room(s, bytes);
		run_group(s, &g);
		pthread_mutex_lock(&s->wmu);
		for (size_t i = 0; i < g.n; i++)
			jobs[i]->done = 1;
		pthread_cond_broadcast(&s->dcv);
		pthread_mutex_unlock(&s->wmu);
	}
	return NULL;
}

int
srv_submit(srv *s, srv_job *job)
{
	job->status = 0;
	job->done = 0;
	job->next = NULL;
	if (job->n && (job->seqs = calloc(job->n, sizeof *job->seqs)) == NULL)
		return ENOMEM;
	pthread_mutex_lock(&s->wmu);
	if (s->wstop) {
		pthread_mutex_unlock(&s->wmu);
		return ESHUTDOWN;
	}
	if (s->qtail)
		s->qtail->next = job;
	else
		s->qhead = job;
	s->qtail = job;
	pthread_cond_signal(&s->wcv);
	while (!job->done)
		pthread_cond_wait(&s->dcv, &s->wmu);
	pthread_mutex_unlock(&s->wmu);
	return 0;
}

int
srv_writer_start(srv *s)
{
	int rc;

	if ((rc = pthread_create(&s->writer, NULL, writer_main, s)) != 0)
		return rc;
	s->writer_up = 1;
	return 0;
}

/* Commits what is queued, then ends the writer. */
void
srv_writer_stop(srv *s)
{
	if (!s->writer_up)
		return;
	pthread_mutex_lock(&s->wmu);
	s->wstop = 1;
	pthread_cond_signal(&s->wcv);
	pthread_mutex_unlock(&s->wmu);
	pthread_join(s->writer, NULL);
	s->writer_up = 0;
}
