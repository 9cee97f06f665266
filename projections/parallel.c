/* parallel.c: see parallel.h. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "parallel.h"

/* One partition: its model and what its replay gave. */
typedef struct part {
	pj_model *m;
	pj_model own;		/* partitions 1..n-1; partition 0 uses the caller's */
	jn_env *env;
	pj_opts opts;
	unsigned part, nparts;
	pj_prov prov;
	int rc;
	pthread_t thread;
	int started;
} part;

static void *
run(void *arg)
{
	part *p = arg;
	pj_handler h[JN_T_COUNT];

	pj_model_handlers(h);
	p->rc = pj_replay_part(p->env, &p->opts, h, p->m, &p->prov, p->part, p->nparts);
	return NULL;
}

/* Moves the cases of src that may be open into dst.  A case that does not
 * exist (its handbook.issued retracted, none live) or is closed is never
 * open: it stays behind.  Its districts are src's name indexes: map gives
 * dst's for each of src's names. */
static int
merge(pj_model *dst, const pj_model *src)
{
	uint32_t i, nn = pj_names_count(src->names), *map;
	int rc = ENOMEM;

	if ((map = malloc((nn ? nn : 1) * sizeof *map)) == NULL)
		return ENOMEM;
	for (i = 0; i < nn; i++)
		if ((rc = pj_names_intern(dst->names, jn_str_c(pj_names_str(src->names, i)), &map[i])) != 0)
			goto done;
	if ((rc = pj_model_reserve(dst, src->nlive)) != 0)
		goto done;
	for (i = 0; i < src->ncases; i++) {
		const pj_case *c = &src->cases[i];
		pj_case *d;

		if (!c->exists || c->closed)
			continue;
		if ((d = pj_model_case(dst, c->id, 1, &rc)) == NULL)
			goto done;
		*d = *c;
		if (d->district != PJ_NONE)
			d->district = map[d->district];
		if (d->tr_district != PJ_NONE)
			d->tr_district = map[d->tr_district];
	}
	rc = 0;
done:
	free(map);
	return rc;
}

/* The head at the start: every partition replays 1..upto, whatever a
 * writer appends meanwhile (the log only grows, and retractions count
 * only up to upto), so they all see the same events. */
static int
range(jn_env *env, uint64_t at_seq, uint64_t *uptop, uint64_t *headp)
{
	uint8_t hash[JN_HASH_LEN];
	jn_txn *txn;
	int rc;

	if ((rc = jn_txn_begin(env, JN_TXN_RDONLY, &txn)) != 0)
		return rc;
	rc = jn_head(txn, headp, hash);
	jn_txn_abort(txn);
	if (rc != 0)
		return rc;
	if (at_seq > *headp)
		return JN_ENOTFOUND;
	*uptop = at_seq ? at_seq : *headp;
	return 0;
}

int
pj_model_replay_jobs(pj_model *m, jn_env *env, uint64_t at_seq, unsigned jobs,
    pj_prov *prov)
{
	part *parts = NULL;
	uint64_t upto, head;
	unsigned i, n = jobs > PJ_JOBS_MAX ? PJ_JOBS_MAX : jobs;
	int rc;

	if (n <= 1)
		return pj_model_replay(m, env, at_seq, prov);
	if ((rc = range(env, at_seq, &upto, &head)) != 0)
		return rc;
	if (upto == 0)
		return pj_model_replay(m, env, upto, prov);	/* nothing to share */
	if ((parts = calloc(n, sizeof *parts)) == NULL)
		return ENOMEM;
	for (i = 0; i < n; i++) {
		part *p = &parts[i];

		p->env = env;
		p->m = m;
		if (i > 0) {
			if ((rc = pj_model_init(&p->own, m->as_of)) != 0)
				goto done;
			p->own.evict_days = m->evict_days;
			p->m = &p->own;
		}
		pj_model_opts(p->m, upto, &p->opts);
		p->part = i;
		p->nparts = n;
	}
	for (i = 1; i < n; i++)
		parts[i].started = pthread_create(&parts[i].thread, NULL, run, &parts[i]) == 0;
	run(&parts[0]);
	for (i = 1; i < n; i++) {
		if (parts[i].started)
			pthread_join(parts[i].thread, NULL);
		else
			run(&parts[i]);	/* no thread: its turn on this one */
	}
	/* Any failure fails the whole; the first in partition order is told
	 * (a journal error, the same for all, or ENOMEM). */
	for (i = 0; i < n; i++)
		if ((rc = parts[i].rc) != 0)
			goto done;
	for (i = 1; i < n; i++) {
		if ((rc = merge(m, parts[i].m)) != 0)
			goto done;
		pj_model_free(&parts[i].own);
	}
	if ((rc = pj_model_finish(m)) != 0)
		goto done;
	if (prov) {
		*prov = parts[0].prov;
		prov->head = head;
	}
done:
	for (i = 1; i < n; i++)
		pj_model_free(&parts[i].own);
	free(parts);
	return rc;
}
