/*
 * upgrade.c: rewriting a journal of storage format 1 in format 2.
 *
 * The events are copied byte for byte (their hash chain checked on the way)
 * into a new journal built beside the old one, whose index is built as
 * appends build it; the new journal is verified, then the two directories
 * trade places in one rename (specs/storage.md, section 7).  Until then the
 * old journal is untouched, so a failure or a crash leaves it as it was.  A
 * write transaction on the old journal, held throughout, keeps writers out.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

typedef struct copy_arg {
	jn_txn *src;		/* a write txn on the old journal: its lock */
	jn_upgrade_report *rep;
	void (*progress)(uint64_t, uint64_t, void *);
	void *parg;
	uint64_t total;
} copy_arg;

static int
fail_at(jn_upgrade_report *rep, uint64_t seq, const char *field, const char *msg)
{
	rep->bad_seq = seq;
	snprintf(rep->err.field, sizeof rep->err.field, "%s", field);
	snprintf(rep->err.msg, sizeof rep->err.msg, "%s", msg);
	return JN_ECORRUPT;
}

/* jn_write()'s batch: every event of the old log into txn (from the start
 * again if the map has to grow). */
static int
copy_events(jn_txn *txn, void *arg)
{
	copy_arg *a = arg;
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t prev[JN_HASH_LEN] = { 0 }, h[JN_HASH_LEN];
	uint64_t want = 1;
	jn_release rel = { 0, 0, 0 };
	jn_event ev;
	int rc;

	a->rep->events = 0;
	if ((rc = mdb_cursor_open(a->src->mdb, a->src->env->events, &cur)) != 0)
		return jn_mdb_rc(NULL, rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), want++) {
		jn_prefetch_ahead(v.mv_data);
		if (k.mv_size != 8 || jn_get_u64(k.mv_data) != want) {
			rc = fail_at(a->rep, want, "seq", "the log has a gap or a stray key here");
			break;
		}
		if (jn_decode_stored(v.mv_data, v.mv_size, &ev) != 0 || ev.seq != want) {
			rc = fail_at(a->rep, want, "event", "stored bytes do not decode as this event");
			break;
		}
		jn_hash_stored(v.mv_data, v.mv_size, prev, h);
		if (memcmp(h, ev.hash, JN_HASH_LEN) != 0) {
			rc = fail_at(a->rep, want, "hash", "hash does not match the event's content "
			    "(the event or an earlier one was changed)");
			break;
		}
		memcpy(prev, h, JN_HASH_LEN);
		if ((rc = jn_store_copy(txn, v.mv_data, v.mv_size, &ev)) != 0) {
			if (rc == JN_ECORRUPT)
				fail_at(a->rep, want, "event", "its version or retraction target does "
				    "not follow from the events before it");
			break;
		}
		/* The old map is read once: hand its pages back as a scan does. */
		jn_release_note(&rel, v.mv_data, v.mv_size, v.mv_size);
		a->rep->events = want;
		if (a->progress && (want & 0xffff) == 0)
			a->progress(want, a->total, a->parg);
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	else if (rc > -30900 && rc < 0)
		rc = jn_mdb_rc(NULL, rc);
	memcpy(a->rep->head_hash, prev, JN_HASH_LEN);
	return rc;
}

/* Builds and checks the new journal in tmp. */
static int
build(const char *tmp, unsigned flags, copy_arg *a)
{
	jn_env *env = NULL;
	jn_txn *txn = NULL;
	jn_verify_report vr;
	uint64_t filesize = 0;
	int rc;

	if ((rc = jn_env_open(tmp, flags & JN_NOSYNC, &env)) != 0)
		return rc;
	/* About as large as the old one: grow the map once, up front. */
	if ((rc = jn_env_size(a->src->env, NULL, &filesize)) != 0 ||
	    (rc = jn_env_reserve(env, filesize + filesize / 4)) != 0 ||
	    (rc = jn_write(env, copy_events, a)) != 0)
		goto done;
	if ((rc = jn_txn_begin(env, JN_TXN_RDONLY, &txn)) != 0)
		goto done;
	rc = jn_verify(txn, &vr, NULL, NULL);
	if (rc == 0 && (vr.events != a->rep->events ||
	    memcmp(vr.head_hash, a->rep->head_hash, JN_HASH_LEN) != 0))
		rc = JN_ECORRUPT;
	if (rc == JN_ECORRUPT) {
		/* A bug of ours, not the old journal's fault. */
		a->rep->bad_seq = 0;
		snprintf(a->rep->err.field, sizeof a->rep->err.field, "upgrade");
		snprintf(a->rep->err.msg, sizeof a->rep->err.msg,
		    "the new journal does not verify as the old one (%.150s): nothing changed", vr.err.msg);
		rc = EPROTO;
	}
done:
	jn_txn_abort(txn);
	jn_env_close(env);
	return rc;
}

/*
 * The journal directory holds more than the journal: the vault, the
 * server's accounts (specs/vault.md, specs/server.md).  Every other entry of
 * path gets a second name in tmp (link(2): the same file, so nothing is
 * copied and a file open elsewhere stays the same file) before the
 * directories trade places.  Returns 0, or an error after removing the
 * links it made.
 */
static int
link_others(const char *path, const char *tmp)
{
	char from[PATH_MAX], to[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc = 0, pass;

	/* Pass 0 checks and links; pass 1 (after a failure) unlinks. */
	for (pass = 0; pass < 2; pass++) {
		if ((d = opendir(path)) == NULL)
			return errno;
		while ((de = readdir(d)) != NULL) {
			const char *n = de->d_name;
			if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0 ||
			    strcmp(n, "data.mdb") == 0 || strcmp(n, "lock.mdb") == 0)
				continue;
			if (snprintf(from, sizeof from, "%s/%s", path, n) >= (int)sizeof from ||
			    snprintf(to, sizeof to, "%s/%s", tmp, n) >= (int)sizeof to) {
				rc = rc ? rc : ENAMETOOLONG;
				continue;
			}
			if (pass == 1) {
				unlink(to);
				continue;
			}
			if (rc == 0 && (lstat(from, &st) != 0 || S_ISDIR(st.st_mode)))
				rc = S_ISDIR(st.st_mode) ? EISDIR : errno;
			if (rc == 0 && link(from, to) != 0)
				rc = errno;
		}
		closedir(d);
		if (rc == 0)
			return 0;
	}
	return rc;
}

/* Removes tmp and every name in it: before the exchange the new journal
 * (and links to files that stay in path), after it the old journal (and
 * the old names of files that path still holds). */
static void
remove_old(const char *tmp)
{
	char f[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(tmp)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
			    snprintf(f, sizeof f, "%s/%s", tmp, de->d_name) < (int)sizeof f)
				unlink(f);
		}
		closedir(d);
	}
	rmdir(tmp);
}

/* Puts tmp in path's place and path's old contents at tmp, and makes that
 * durable (the directory holding both is synced). */
static int
exchange(const char *tmp, const char *path, unsigned flags)
{
	char dir[PATH_MAX];
	char *slash;
	struct stat st;
	int fd, rc;

	/* The new directory takes the old one's mode (init makes 0700). */
	if (stat(path, &st) == 0)
		(void)chmod(tmp, st.st_mode & 07777);
	if ((rc = link_others(path, tmp)) != 0)
		return rc;
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) != 0)
		return errno;	/* the links in tmp go with it */
	if (flags & JN_NOSYNC)
		return 0;
	snprintf(dir, sizeof dir, "%s", tmp);
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
		return errno;
	if (fsync(fd) != 0)
		rc = errno;
	close(fd);
	return rc;
}

/* Another process with the journal open holds a read lock on the first
 * byte of lock.mdb (LMDB's sign of life); F_GETLK sees only other
 * processes'.  The descriptor stays open until the journal is closed:
 * closing it drops this process's locks on the file, LMDB's included. */
static int
alone(const char *path, int *fdp)
{
	char f[PATH_MAX];
	struct flock fl;

	*fdp = -1;
	if (snprintf(f, sizeof f, "%s/lock.mdb", path) >= (int)sizeof f)
		return ENAMETOOLONG;
	if ((*fdp = open(f, O_RDWR | O_CLOEXEC)) < 0)
		return errno;
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 1;
	if (fcntl(*fdp, F_GETLK, &fl) != 0)
		return errno;
	return fl.l_type == F_UNLCK ? 0 : EBUSY;
}

int
jn_upgrade(const char *path, unsigned flags, jn_upgrade_report *rep,
    void (*progress)(uint64_t done, uint64_t total, void *arg), void *arg)
{
	jn_env *src = NULL;
	jn_txn *lock = NULL;
	copy_arg a;
	char tmp[PATH_MAX];
	int rc, built = 0, lfd = -1;

	memset(rep, 0, sizeof *rep);
	if ((rc = jn_env_open(path, JN_OPEN_OLD | (flags & JN_NOSYNC), &src)) != 0)
		return rc;
	rep->from = src->format;
	if (src->format == JN_FORMAT_VERSION)
		goto env_close;
	/* A write transaction that writes nothing: the writer's lock. */
	if ((lock = calloc(1, sizeof *lock)) == NULL) {
		rc = ENOMEM;
		goto env_close;
	}
	lock->env = src;
	lock->rdonly = 1;
	while ((rc = mdb_txn_begin(src->mdb, NULL, 0, &lock->mdb)) == MDB_MAP_RESIZED &&
	    (rc = mdb_env_set_mapsize(src->mdb, 0)) == 0)
		;	/* another process grew the map: adopt its size */
	if (rc != 0) {
		rc = jn_mdb_rc(NULL, rc);
		free(lock);
		lock = NULL;
		goto env_close;
	}
	if ((rc = alone(path, &lfd)) != 0)
		goto unlock;
	memset(&a, 0, sizeof a);
	a.src = lock;
	a.rep = rep;
	a.progress = progress;
	a.parg = arg;
	a.total = jn_ventries(lock, src->events);
	if ((rc = jn_env_beside(path, "upgrade", tmp, flags)) != 0)
		goto unlock;
	built = 1;
	if ((rc = build(tmp, flags, &a)) != 0)
		goto unlock;
	rc = exchange(tmp, path, flags);
unlock:
	mdb_txn_abort(lock->mdb);
	free(lock);
env_close:
	jn_env_close(src);
	if (lfd >= 0)
		close(lfd);
	if (built)
		remove_old(tmp);
	return rc;
}
