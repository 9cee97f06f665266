/*
 * parallel.h: the case model's replay on several cores (prefix pj_).
 *
 * The model's state splits by case: every case handler reads and writes
 * the record of its own case only, and a case's events are all on its
 * stream "case:UUID".  So the log can be replayed by N partitions at once,
 * each in its own thread and read transaction, over the same seq range:
 * partition p keeps the cases whose stream hashes to p (pj_case_part())
 * and skips the other cases' events (pj_replay_part()); the events of no
 * case stream reach every partition (meeting.held lists cases of any
 * partition; the staff's are few).  Then the other partitions' open cases
 * move into partition 0's model, their names (districts) looked up again
 * in its table, the staff are partition 0's, and pj_model_finish() runs
 * once.  The open cases and the staff are then the ones a single replay
 * finds, record for record, and the outputs, sorted by case id and staff
 * code, the same to the byte (specs/projections.md "Partitioned replay").
 *
 * Each partition reads the whole log: what is saved is the handlers' work
 * and the cache misses of one big table, not the reading.  Memory follows
 * the open cases as before (during the merge, a partition's copy as well).
 */
#ifndef OYAKO_PARALLEL_H
#define OYAKO_PARALLEL_H

#include <stdint.h>

#include "cases.h"

/* The most partitions a replay uses: past a few, each extra one only reads
 * the log again. */
#define PJ_JOBS_MAX 8

/*
 * pj_model_replay() with jobs partitions (1: that function itself, on this
 * thread; above PJ_JOBS_MAX: PJ_JOBS_MAX).  m is initialised by the caller
 * (as_of, evict_days) and gets the merged model.  Returns what
 * pj_model_replay() returns; a thread that cannot be started runs its
 * partition on this thread instead.
 */
int pj_model_replay_jobs(pj_model *m, jn_env *env, uint64_t at_seq, unsigned jobs,
    pj_prov *prov);

#endif
