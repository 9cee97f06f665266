/*
 * env.c: opening a journal, transactions, and growing the map.
 *
 * A journal is an LMDB environment in a directory, holding six named
 * databases (specs/storage.md).  The map starts small and doubles whenever a
 * write transaction fills it: jn_write() aborts, grows and runs the batch
 * again, so MDB_MAP_FULL never reaches a caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "internal.h"

#define DEFAULT_MAPSIZE (64ULL << 20)

int
jn_mdb_rc(jn_txn *txn, int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case MDB_MAP_FULL:
		if (txn) {
			txn->bad = 1;
			txn->mapfull = 1;
		}
		return JN_EMAPFULL;
	case MDB_NOTFOUND:
		return JN_ENOTFOUND;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_BAD_TXN:
		if (txn)
			txn->bad = 1;
		return JN_ECORRUPT;
	case MDB_VERSION_MISMATCH:
		return JN_EFORMAT;
	default:
		if (txn && !txn->rdonly)
			txn->bad = 1;
		return rc;
	}
}

static uint64_t
initial_mapsize(void)
{
	const char *s = getenv("OYAKO_MAPSIZE");
	unsigned long long v;

	/* Tests start with a tiny map to prove that it grows. */
	if (s && *s) {
		v = strtoull(s, NULL, 10);
		if (v >= 65536)
			return v;
	}
	return DEFAULT_MAPSIZE;
}

/* Reads the format version: 1 or 2; refuses a newer layout. */
static int
read_format(jn_env *env, MDB_txn *t)
{
	MDB_val k = { 6, (void *)"format" }, v;
	uint32_t f;
	int rc;

	rc = mdb_get(t, env->meta, &k, &v);
	if (rc == MDB_NOTFOUND)
		return JN_ECORRUPT;
	if (rc != 0)
		return jn_mdb_rc(NULL, rc);
	if (v.mv_size != 4)
		return JN_ECORRUPT;
	f = jn_get_u32(v.mv_data);
	if (f > JN_FORMAT_VERSION)
		return JN_EFORMAT;
	if (f < 1)
		return JN_ECORRUPT;
	env->format = f;
	return 0;
}

/* Writes the meta records of a new journal. */
static int
write_meta(jn_env *env, MDB_txn *t)
{
	struct timespec ts;
	struct tm tm;
	char created[JN_RECORDED_LEN + 1];
	uint8_t fmt[4];
	MDB_val k, v;
	int rc;

	jn_put_u32(fmt, JN_FORMAT_VERSION);
	k.mv_size = 6, k.mv_data = (void *)"format";
	v.mv_size = 4, v.mv_data = fmt;
	if ((rc = mdb_put(t, env->meta, &k, &v, 0)) != 0)
		return rc;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
	k.mv_size = 7, k.mv_data = (void *)"created";
	v.mv_size = strlen(created), v.mv_data = created;
	return mdb_put(t, env->meta, &k, &v, 0);
}

/* The databases of each format (specs/storage.md, section 2 and 7). */
static int
open_dbs(jn_env *env, int create)
{
	MDB_txn *t = NULL;
	unsigned cf = create ? MDB_CREATE : 0;
	int rc;

	rc = mdb_txn_begin(env->mdb, NULL, create ? 0 : MDB_RDONLY, &t);
	if (rc != 0)
		return jn_mdb_rc(NULL, rc);
	if ((rc = mdb_dbi_open(t, "meta", cf, &env->meta)) != 0 ||
	    (rc = mdb_dbi_open(t, "events", cf, &env->events)) != 0)
		goto txn_abort;
	if (create) {
		env->format = JN_FORMAT_VERSION;
		if ((rc = write_meta(env, t)) != 0)
			goto txn_abort;
		/* Format 1's indexes, empty: a tool of format 1 then finds
		 * every database it opens and reads meta.format, and says the
		 * journal is of a newer version instead of corrupt. */
		if ((rc = mdb_dbi_open(t, "ids", MDB_CREATE, &env->ids)) != 0 ||
		    (rc = mdb_dbi_open(t, "streams", MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED, &env->streams)) != 0 ||
		    (rc = mdb_dbi_open(t, "heads", MDB_CREATE, &env->heads)) != 0 ||
		    (rc = mdb_dbi_open(t, "retracted", MDB_CREATE, &env->retracted)) != 0)
			goto txn_abort;
	} else if ((rc = read_format(env, t)) != 0) {
		goto txn_abort;
	}
	if (env->format == 1) {
		if ((rc = mdb_dbi_open(t, "ids", 0, &env->ids)) != 0 ||
		    (rc = mdb_dbi_open(t, "streams", MDB_DUPSORT | MDB_DUPFIXED, &env->streams)) != 0 ||
		    (rc = mdb_dbi_open(t, "heads", 0, &env->heads)) != 0 ||
		    (rc = mdb_dbi_open(t, "retracted", 0, &env->retracted)) != 0)
			goto txn_abort;
	} else if ((rc = mdb_dbi_open(t, "index", cf | MDB_DUPSORT | MDB_DUPFIXED, &env->index)) != 0) {
		goto txn_abort;
	}
	/* Handles opened in a read txn survive only through commit. */
	rc = mdb_txn_commit(t);
	return jn_mdb_rc(NULL, rc);
txn_abort:
	mdb_txn_abort(t);
	if (rc == MDB_NOTFOUND)
		rc = JN_ECORRUPT;	/* a data.mdb that is not a journal */
	return rc < 0 && rc > -30900 ? jn_mdb_rc(NULL, rc) : rc;
}

/* A data file shorter than the pages LMDB says it uses would make reads
 * fault (SIGBUS) on the missing part of the map: refuse it up front. */
static int
check_truncated(jn_env *env, const char *path)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat fs;
	char file[PATH_MAX];

	if (mdb_env_info(env->mdb, &info) != 0 || mdb_env_stat(env->mdb, &st) != 0)
		return JN_ECORRUPT;
	snprintf(file, sizeof file, "%s/data.mdb", path);
	if (stat(file, &fs) != 0)
		return errno;
	if ((uint64_t)fs.st_size < ((uint64_t)info.me_last_pgno + 1) * st.ms_psize)
		return JN_ECORRUPT;
	return 0;
}

static int
env_try(jn_env *env, const char *path, unsigned mflags, int create)
{
	int rc;

	if ((rc = mdb_env_create(&env->mdb)) != 0)
		return rc;
	mdb_env_set_maxdbs(env->mdb, 8);
	mdb_env_set_maxreaders(env->mdb, 254);
	if (create)
		mdb_env_set_mapsize(env->mdb, (size_t)initial_mapsize());
	rc = mdb_env_open(env->mdb, path, mflags, 0600);
	if (rc != 0) {
		mdb_env_close(env->mdb);
		env->mdb = NULL;
	}
	return rc;
}

/*
 * A journal appears whole or not at all: it is built in a fresh directory
 * beside path and renamed into place, so that a process opening path while
 * `init` runs finds either no journal or a complete one, never a data file
 * without its databases.  rename(2) replaces an empty directory, so an
 * operator may create the directory first.
 */
int
jn_env_beside(const char *path, const char *what, char *tmp, unsigned flags)
{
	size_t n = strlen(path);
	unsigned mflags = MDB_NOTLS | (flags & JN_NOSYNC ? MDB_NOSYNC : 0);
	jn_env env;
	int rc;

	while (n > 1 && path[n - 1] == '/')
		n--;
	if (snprintf(tmp, PATH_MAX, "%.*s.%s-%ld", (int)n, path, what, (long)getpid()) >= PATH_MAX)
		return ENAMETOOLONG;
	if (mkdir(tmp, 0700) != 0)
		return errno;
	memset(&env, 0, sizeof env);
	rc = env_try(&env, tmp, mflags, 1);
	if (rc == 0) {
		rc = open_dbs(&env, 1);
		mdb_env_close(env.mdb);
	}
	if (rc != 0)
		jn_env_remove(tmp);
	return rc;
}

void
jn_env_remove(const char *dir)
{
	char f[PATH_MAX + 16];

	snprintf(f, sizeof f, "%s/data.mdb", dir);
	unlink(f);
	snprintf(f, sizeof f, "%s/lock.mdb", dir);
	unlink(f);
	rmdir(dir);
}

static int
create_journal(const char *path, unsigned flags)
{
	char tmp[PATH_MAX];
	int rc;

	if ((rc = jn_env_beside(path, "init", tmp, flags)) != 0)
		return rc;
	if (rename(tmp, path) != 0) {
		rc = errno == EEXIST ? ENOTEMPTY : errno;
		jn_env_remove(tmp);
	}
	return rc;
}

int
jn_env_open(const char *path, unsigned flags, jn_env **envp)
{
	jn_env *env;
	char file[PATH_MAX];
	struct stat st;
	unsigned mflags = MDB_NOTLS;
	int create = (flags & JN_CREATE) != 0, rc, dead;

	*envp = NULL;
	if (sodium_init() < 0)
		return ENOMEM;
	if (snprintf(file, sizeof file, "%s/data.mdb", path) >= (int)sizeof file)
		return ENAMETOOLONG;
	if (create) {
		if (flags & JN_RDONLY)
			return EINVAL;
		if (stat(file, &st) == 0)
			return JN_EEXIST;
		rc = create_journal(path, flags);
		/* Another init may have won the race. */
		if (rc == ENOTEMPTY && stat(file, &st) == 0)
			return JN_EEXIST;
		if (rc != 0)
			return rc;
		create = 0;
	} else if (stat(file, &st) != 0) {
		return errno == ENOENT ? JN_ENOTFOUND : errno;
	} else if (st.st_size == 0) {
		/* LMDB takes an empty file for a new environment and writes
		 * fresh meta pages into it: a journal truncated to nothing
		 * would silently become an empty one. */
		return JN_ECORRUPT;
	}
	if ((env = calloc(1, sizeof *env)) == NULL)
		return ENOMEM;
	env->flags = flags;
	if (flags & JN_RDONLY)
		mflags |= MDB_RDONLY;
	if (flags & JN_NOSYNC)
		mflags |= MDB_NOSYNC;
	rc = env_try(env, path, mflags, create);
	if ((rc == EACCES || rc == EROFS) && (flags & JN_RDONLY)) {
		/* A copy on read-only media: no lock file can be made, and no
		 * writer can exist, so reading without locks is safe. */
		env->nolock = 1;
		rc = env_try(env, path, mflags | MDB_NOLOCK, 0);
	}
	if (rc == MDB_INVALID || rc == MDB_CORRUPTED)
		rc = JN_ECORRUPT;
	if (rc != 0)
		goto env_free;
	if (!create && (rc = check_truncated(env, path)) != 0)
		goto env_close;
	if (stat(file, &st) == 0)
		env->ino = (unsigned long long)st.st_ino;
	if ((rc = open_dbs(env, create)) != 0)
		goto env_close;
	/* Format 1 is read, never written: a write asks for the upgrade. */
	rc = JN_EUPGRADE;
	if (env->format < JN_FORMAT_VERSION && !(flags & (JN_RDONLY | JN_OPEN_OLD)))
		goto env_close;
	rc = 0;
	if (!env->nolock)
		mdb_reader_check(env->mdb, &dead);
	*envp = env;
	return 0;
env_close:
	mdb_env_close(env->mdb);
env_free:
	free(env);
	return rc;
}

void
jn_env_close(jn_env *env)
{
	if (env == NULL)
		return;
	mdb_env_close(env->mdb);
	free(env);
}

static int
grow(jn_env *env, uint64_t atleast)
{
	MDB_envinfo info;
	uint64_t size;
	int rc;

	if ((rc = mdb_env_info(env->mdb, &info)) != 0)
		return rc;
	size = info.me_mapsize;
	if (size >= atleast)
		return 0;
	while (size < atleast) {
		if (size > (UINT64_MAX >> 2))
			return ENOSPC;
		size *= 2;
	}
	return mdb_env_set_mapsize(env->mdb, (size_t)size);
}

/* The file pages the process has mapped (statm's third field: its own
 * binary and libraries too, a few MB), or 0 when it cannot tell. */
static uint64_t
mapped_file_bytes(void)
{
	char buf[160];
	unsigned long long size, res, shared;
	ssize_t n;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu %llu", &size, &res, &shared) != 3)
		return 0;
	return (uint64_t)shared * (uint64_t)sysconf(_SC_PAGESIZE);
}

void
jn_release_step(jn_env *env)
{
	if (++env->release_steps < JN_RELEASE_STEPS)
		return;
	env->release_steps = 0;
	if (mapped_file_bytes() > JN_RELEASE_RSS)
		jn_release_map(env);
}

/*
 * A large import reads pages of the map all over the index (a lookup of
 * every new id, the head of every new stream); left mapped, they count in
 * its memory, about as much as the index (hundreds of MB at 10M events).
 * Without MDB_WRITEMAP the map is read only and LMDB writes its pages with
 * pwrite(), never through the map: dropping the whole mapping from the
 * process costs nothing but minor faults to map hot pages again, from the
 * page cache, which holds every page written.
 */
void
jn_release_map(jn_env *env)
{
	char line[PATH_MAX + 256];
	unsigned long long lo, hi, ino;
	size_t n;
	int whole = 1;
	FILE *f;

	/* LMDB tells where its map is only for MDB_FIXEDMAP: find it among
	 * the process's mappings by the data file's inode and name (the map
	 * moves when it grows). */
	if (env->ino == 0 || (f = fopen("/proc/self/maps", "re")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		n = strlen(line);
		/* The tail of a line too long for the buffer is no line. */
		if (whole && n > 10 && line[n - 1] == '\n' &&
		    memcmp(line + n - 10, "/data.mdb\n", 10) == 0 &&
		    sscanf(line, "%llx-%llx %*s %*s %*s %llu", &lo, &hi, &ino) == 3 &&
		    ino == env->ino && hi > lo)
			(void)madvise((void *)(uintptr_t)lo, (size_t)(hi - lo), MADV_DONTNEED);
		whole = n > 0 && line[n - 1] == '\n';
	}
	fclose(f);
}

int
jn_env_reserve(jn_env *env, uint64_t bytes)
{
	MDB_envinfo info;
	MDB_stat st;
	int rc;

	if (env->flags & JN_RDONLY)
		return JN_ERDONLY;
	if ((rc = mdb_env_info(env->mdb, &info)) != 0 || (rc = mdb_env_stat(env->mdb, &st)) != 0)
		return rc;
	return grow(env, ((uint64_t)info.me_last_pgno + 1) * st.ms_psize + bytes);
}

int
jn_env_size(jn_env *env, uint64_t *mapsize, uint64_t *filesize)
{
	MDB_envinfo info;
	MDB_stat st;
	int rc;

	if ((rc = mdb_env_info(env->mdb, &info)) != 0 || (rc = mdb_env_stat(env->mdb, &st)) != 0)
		return rc;
	if (mapsize)
		*mapsize = info.me_mapsize;
	if (filesize)
		*filesize = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	return 0;
}

int
jn_txn_begin(jn_env *env, unsigned flags, jn_txn **txnp)
{
	jn_txn *txn;
	int rc, rdonly = (flags & JN_TXN_RDONLY) != 0;

	*txnp = NULL;
	if (!rdonly && (env->flags & JN_RDONLY))
		return JN_ERDONLY;
	if ((txn = calloc(1, sizeof *txn)) == NULL)
		return ENOMEM;
	txn->env = env;
	txn->rdonly = rdonly;
	txn->rec_sec = -1;
	txn->today = jn_today_jst();
	for (;;) {
		rc = mdb_txn_begin(env->mdb, NULL, rdonly ? MDB_RDONLY : 0, &txn->mdb);
		if (rc != MDB_MAP_RESIZED)
			break;
		/* Another process grew the map: adopt its size. */
		if ((rc = mdb_env_set_mapsize(env->mdb, 0)) != 0)
			break;
	}
	if (rc != 0) {
		free(txn);
		return jn_mdb_rc(NULL, rc);
	}
	*txnp = txn;
	return 0;
}

/* Before the txn ends: LMDB frees a write txn's cursors itself. */
static void
close_cursor(jn_txn *txn)
{
	if (txn->icur)
		mdb_cursor_close(txn->icur);
	txn->icur = NULL;
}

static void
txn_free(jn_txn *txn)
{
	jn_buf_free(&txn->enc);
	jn_buf_free(&txn->canon);
	jn_hc_end(&txn->heads);
	jn_pd_end(&txn->pending);
	free(txn);
}

int
jn_txn_commit(jn_txn *txn)
{
	int rc;

	if (txn->bad) {
		close_cursor(txn);
		mdb_txn_abort(txn->mdb);
		rc = txn->mapfull ? JN_EMAPFULL : JN_EBADTXN;
	} else if (txn->rdonly) {
		close_cursor(txn);
		mdb_txn_abort(txn->mdb);
		rc = 0;
	} else if ((rc = jn_hc_flush(txn)) != 0 || (rc = jn_pd_flush(txn)) != 0) {
		close_cursor(txn);
		mdb_txn_abort(txn->mdb);
		if (txn->mapfull)
			rc = JN_EMAPFULL;
	} else {
		close_cursor(txn);
		rc = mdb_txn_commit(txn->mdb);
		rc = rc == MDB_MAP_FULL ? JN_EMAPFULL : jn_mdb_rc(NULL, rc);
	}
	txn_free(txn);
	return rc;
}

void
jn_txn_abort(jn_txn *txn)
{
	if (txn == NULL)
		return;
	close_cursor(txn);
	mdb_txn_abort(txn->mdb);
	txn_free(txn);
}

const jn_errinfo *
jn_txn_error(const jn_txn *txn)
{
	return &txn->err;
}

int
jn_write(jn_env *env, jn_write_fn fn, void *arg)
{
	jn_txn *txn;
	MDB_envinfo info;
	int rc;

	for (;;) {
		if ((rc = jn_txn_begin(env, 0, &txn)) != 0)
			return rc;
		rc = fn(txn, arg);
		if (txn->mapfull)
			rc = JN_EMAPFULL;
		if (rc == 0)
			rc = jn_txn_commit(txn);
		else
			jn_txn_abort(txn);
		if (rc != JN_EMAPFULL)
			return rc;
		if ((rc = mdb_env_info(env->mdb, &info)) != 0)
			return rc;
		if ((rc = grow(env, (uint64_t)info.me_mapsize * 2)) != 0)
			return rc;
	}
}

typedef struct one_arg {
	const jn_event *ev;
	uint64_t seq;
	int stored;
	jn_errinfo *err;
} one_arg;

static int
append_one(jn_txn *txn, void *arg)
{
	one_arg *a = arg;
	int rc = jn_append(txn, a->ev, &a->seq, &a->stored);

	if (rc != 0 && a->err)
		*a->err = txn->err;
	return rc;
}

int
jn_append1(jn_env *env, const jn_event *ev, uint64_t *seqp, int *storedp, jn_errinfo *err)
{
	one_arg a = { ev, 0, 0, err };
	int rc;

	if (err)
		memset(err, 0, sizeof *err);
	rc = jn_write(env, append_one, &a);
	if (rc == 0) {
		if (seqp)
			*seqp = a.seq;
		if (storedp)
			*storedp = a.stored;
	}
	return rc;
}
