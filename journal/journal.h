/*
 * journal.h: the oyako journal, an append-only, hash-chained event log in LMDB.
 *
 * This is the only header that tools and projections include.  All functions
 * that can fail return an int: 0 on success, one of the JN_E* codes below
 * (a negative range of our own) or a positive errno value.  jn_strerror()
 * describes both.  The library never prints and never exits.
 *
 * Lifetimes: strings and byte ranges in a jn_event filled by jn_iter_next()
 * point into the memory map; they stay valid until the next jn_iter_next() on
 * the same iterator, jn_iter_close(), or the end of the transaction,
 * whichever comes first.  Copy what must live longer.
 *
 * The contract (event catalog, stored layout, hash) is written in specs/.
 */
#ifndef OYAKO_JOURNAL_H
#define OYAKO_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define JN_FORMAT_VERSION 2	/* storage format of new journals (meta.format); specs/storage.md */
#define JN_EVENT_FORMAT 1	/* element 0 of a stored event: unchanged since format 1 */
#define JN_HASH_LEN 32		/* BLAKE2b-256 */
#define JN_ID_LEN 16		/* UUID, binary */
#define JN_RECORDED_LEN 27	/* "YYYY-MM-DDTHH:MM:SS.ffffffZ" */

/* Error codes of the library. */
#define JN_EINVALID	(-30900)	/* event fails validation: see jn_txn_error() */
#define JN_ECONFLICT	(-30901)	/* expected_version does not match the stream */
#define JN_EIDCLASH	(-30902)	/* id is stored with other content */
#define JN_ECORRUPT	(-30903)	/* stored data or indexes disagree (integrity) */
#define JN_ENOTFOUND	(-30904)	/* no such event, stream or journal */
#define JN_EFORMAT	(-30905)	/* journal written by a newer format version */
#define JN_ERDONLY	(-30906)	/* write attempted on a read-only journal */
#define JN_EEXIST	(-30907)	/* jn_env_open(JN_CREATE) on an existing journal */
#define JN_EMAPFULL	(-30908)	/* internal: the map must grow; jn_write() retries */
#define JN_EBADTXN	(-30909)	/* transaction failed earlier and must be aborted */
#define JN_ENOTEMPTY	(-30910)	/* restore into a journal that holds events */
#define JN_ECHAIN	(-30911)	/* restored event's seq, version or hash does not chain */
#define JN_END		(-30912)	/* iterator exhausted (not an error) */
#define JN_EUPGRADE	(-30913)	/* write to a journal of an older format: run `oyako upgrade` */

const char *jn_strerror(int rc);

/* A byte string that is not necessarily NUL-terminated. */
typedef struct jn_str {
	const char *p;
	size_t n;
} jn_str;

#define JN_STR(lit) ((jn_str){ (lit), sizeof(lit) - 1 })
jn_str jn_str_c(const char *s);	/* NULL gives { NULL, 0 } */
int jn_str_eq(jn_str a, const char *lit);

/* The event types of catalog version 1 (specs/events.md), in a fixed order:
 * the numbers are stable and projections may use them as array indexes. */
typedef enum jn_type {
	JN_T_UNKNOWN = 0,
	JN_T_ROOM_OPENED,
	JN_T_ROOM_CLOSED,
	JN_T_COORDINATOR_ASSIGNED,
	JN_T_COORDINATOR_LEFT,
	JN_T_MEETING_HELD,
	JN_T_CHECKUP_HELD,
	JN_T_HANDBOOK_ISSUED,
	JN_T_CLASS_ATTENDED,
	JN_T_INTERVIEW_8MONTH,
	JN_T_BIRTH_REGISTERED,
	JN_T_HAPPYBABY_CONTACT,
	JN_T_CHECKUP_ATTENDED,
	JN_T_ROOM_VISITED,
	JN_T_REFERRAL_MADE,
	JN_T_SUPPORT_FLAGGED,
	JN_T_SUPPORT_CLEARED,
	JN_T_CASE_TRANSFERRED,
	JN_T_CASE_CLOSED,
	JN_T_EVENT_RETRACTED,
	/* Added with the server and the vault (BRIEF sections 10, 11);
	 * projections ignore them. */
	JN_T_CASE_FORGOTTEN,
	JN_T_PERSON_ACCESSED,
	JN_T_STAFF_ACCOUNT_CHANGED,
	JN_T_COUNT
} jn_type;

jn_type jn_type_of(jn_str name);		/* JN_T_UNKNOWN when not in the catalog */
const char *jn_type_name(jn_type t);		/* NULL for JN_T_UNKNOWN */

#define JN_ANY_VERSION (-1)

/*
 * One event.  On append the caller fills id, type, stream, occurred, actor,
 * data (a MessagePack map) and expected_version; the journal assigns seq,
 * version, recorded and hash.  jn_restore() takes all fields as given.
 * jn_iter_next() fills every field (type_code too).
 */
typedef struct jn_event {
	uint64_t seq;
	uint8_t id[JN_ID_LEN];
	jn_str type;
	jn_type type_code;		/* filled by the journal; ignored on input */
	jn_str stream;
	uint32_t version;
	int64_t expected_version;	/* JN_ANY_VERSION: no check; 0: stream must not exist */
	jn_str occurred;		/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM", local (Japan) time */
	jn_str recorded;		/* RFC 3339 UTC, JN_RECORDED_LEN bytes */
	jn_str actor;
	const uint8_t *data;		/* MessagePack map */
	size_t data_len;
	uint8_t hash[JN_HASH_LEN];
} jn_event;

/* Detail of the last JN_EINVALID / JN_ECONFLICT / JN_EIDCLASH / JN_ECHAIN:
 * field is a path such as "data.due_date" or "stream" (empty when the whole
 * event is at fault), msg a lowercase sentence without a full stop. */
typedef struct jn_errinfo {
	char field[64];
	char msg[256];
} jn_errinfo;

typedef struct jn_env jn_env;
typedef struct jn_txn jn_txn;
typedef struct jn_iter jn_iter;

/* jn_env_open() flags */
#define JN_CREATE	0x1	/* create a new journal in path (made 0700, files 0600) */
#define JN_RDONLY	0x2	/* read only; also works where the lock file cannot be written */
#define JN_NOSYNC	0x4	/* do not fsync on commit (tests and benchmarks only) */

/* Opens the journal in directory path.  Clears reader slots left by dead
 * processes.  Returns JN_ENOTFOUND when path holds no journal (and JN_CREATE is
 * not given), JN_EEXIST when JN_CREATE finds one, JN_EFORMAT for a newer layout.
 * A journal of storage format 1 opens with JN_RDONLY only (everything that
 * reads works); without it jn_env_open() returns JN_EUPGRADE. */
int jn_env_open(const char *path, unsigned flags, jn_env **envp);
void jn_env_close(jn_env *env);	/* accepts NULL */

/* Makes sure that at least `bytes` more can be written without the map
 * growing mid-transaction (an optimisation for large imports; never needed
 * for correctness). */
int jn_env_reserve(jn_env *env, uint64_t bytes);

/* Size of the map and of the data file in bytes. */
int jn_env_size(jn_env *env, uint64_t *mapsize, uint64_t *filesize);

/* Transactions.  A read transaction sees one snapshot and never blocks the
 * writer.  Write transactions of all processes are serialised.  Most writers
 * should use jn_write(), which also grows the map when it is full. */
#define JN_TXN_RDONLY 0x1
int jn_txn_begin(jn_env *env, unsigned flags, jn_txn **txnp);
int jn_txn_commit(jn_txn *txn);		/* frees txn, whatever the result */
void jn_txn_abort(jn_txn *txn);		/* accepts NULL */
const jn_errinfo *jn_txn_error(const jn_txn *txn);

/* Runs fn(txn, arg) in a write transaction and commits it when fn returns 0.
 * When fn returns nonzero the transaction is aborted and that value returned.
 * When the map fills up, the transaction is aborted, the map grows, and fn is
 * called again from the start: fn must be able to run more than once. */
typedef int (*jn_write_fn)(jn_txn *txn, void *arg);
int jn_write(jn_env *env, jn_write_fn fn, void *arg);

/* Appends ev in a write transaction.  Validates it against the catalog and the
 * journal's state (including earlier appends of the same transaction).
 * On success *seqp (may be NULL) is the event's seq, and *storedp (may be
 * NULL) is 1, or 0 when an identical event with this id was already stored
 * (then *seqp is that event's seq and nothing is written).
 * JN_EINVALID, JN_ECONFLICT and JN_EIDCLASH leave the transaction usable:
 * nothing of ev was written.  Any other error poisons it (JN_EBADTXN). */
int jn_append(jn_txn *txn, const jn_event *ev, uint64_t *seqp, int *storedp);

/* A hint, before jn_append(txn, ev): starts loading what that append will
 * look up first (ev's id among the transaction's own, its stream's head), so
 * that a loop which decodes one event ahead finds them in the cache.  It
 * changes nothing and checks nothing; ev need only be valid for the call. */
void jn_append_prefetch(jn_txn *txn, const jn_event *ev);

/* Stores ev exactly as given (seq, version, recorded and hash included), as
 * `import --restore` does.  Checks that seq follows the head, that version
 * follows the stream, and that the hash recomputes and chains (JN_ECHAIN).
 * The catalog is not checked: an export is stored as it is. */
int jn_restore(jn_txn *txn, const jn_event *ev);

/* Convenience: appends one event durably with jn_write(). */
int jn_append1(jn_env *env, const jn_event *ev, uint64_t *seqp, int *storedp, jn_errinfo *err);

/* The head of the log: the last seq (0 when empty) and its hash (zeros when empty). */
int jn_head(jn_txn *txn, uint64_t *seqp, uint8_t hash[JN_HASH_LEN]);

/* Reads one event by seq or by id. */
int jn_get(jn_txn *txn, uint64_t seq, jn_event *ev);
int jn_get_id(jn_txn *txn, const uint8_t id[JN_ID_LEN], jn_event *ev);

/* The current version of a stream (0 when it does not exist). */
int jn_stream_version(jn_txn *txn, jn_str stream, uint32_t *versionp);

/* Iterators.  jn_iter_seq() visits seq from..to (to = 0: to the head) in log
 * order; jn_iter_stream() visits one stream in version order.
 * jn_iter_next() returns 0 with ev filled, or JN_END. */
int jn_iter_seq(jn_txn *txn, uint64_t from, uint64_t to, jn_iter **itp);
int jn_iter_stream(jn_txn *txn, jn_str stream, jn_iter **itp);
int jn_iter_next(jn_iter *it, jn_event *ev);
void jn_iter_close(jn_iter *it);	/* accepts NULL */

/* Retractions: the seqs of all retracted events whose retraction has a seq <=
 * upto (0: all), ascending, in a malloc'd array the caller frees. */
int jn_retracted(jn_txn *txn, uint64_t upto, uint64_t **seqsp, size_t *np);
/* The seq of the event that retracts seq, or JN_ENOTFOUND. */
int jn_retracted_by(jn_txn *txn, uint64_t seq, uint64_t *bysp);

/* Verification: recomputes every hash in seq order and checks every index
 * against the log.  Returns 0, or JN_ECORRUPT with rep->bad_seq naming the
 * first bad seq (0 when the fault is not tied to one event) and rep->err
 * saying what is wrong.  progress (may be NULL) is called now and then. */
typedef struct jn_verify_report {
	uint64_t events;		/* events checked */
	uint8_t head_hash[JN_HASH_LEN];
	uint64_t bad_seq;
	jn_errinfo err;
} jn_verify_report;
int jn_verify(jn_txn *txn, jn_verify_report *rep,
    void (*progress)(uint64_t done, uint64_t total, void *arg), void *arg);

/*
 * Upgrade: rewrites the journal at path, of storage format 1, in the current
 * format.  The new journal is built beside path (PATH.upgrade-PID), its
 * events copied byte for byte, its indexes built, then verified (same events,
 * same head hash) and swapped into place with the old one, which is removed:
 * all or nothing.  Writers are locked out meanwhile.  rep->from is the format
 * found (JN_FORMAT_VERSION: nothing was done).  A source whose chain breaks
 * gives JN_ECORRUPT with rep->bad_seq and rep->err set.  flags: JN_NOSYNC. */
typedef struct jn_upgrade_report {
	unsigned from;
	uint64_t events;
	uint8_t head_hash[JN_HASH_LEN];
	uint64_t bad_seq;
	jn_errinfo err;
} jn_upgrade_report;
int jn_upgrade(const char *path, unsigned flags, jn_upgrade_report *rep,
    void (*progress)(uint64_t done, uint64_t total, void *arg), void *arg);

/*
 * Reading `data`: a small zero-copy MessagePack reader, enough for the values
 * the catalog allows (nil, bool, int, str, array, map).
 */
typedef enum jn_vkind {
	JN_V_NONE = 0,		/* key absent */
	JN_V_NIL,
	JN_V_BOOL,
	JN_V_INT,
	JN_V_STR,
	JN_V_ARRAY,
	JN_V_MAP,
	JN_V_OTHER
} jn_vkind;

typedef struct jn_value {
	jn_vkind kind;
	int b;			/* JN_V_BOOL */
	int64_t i;		/* JN_V_INT */
	jn_str s;		/* JN_V_STR */
	uint32_t n;		/* JN_V_ARRAY / JN_V_MAP: element count */
	const uint8_t *p;	/* ARRAY / MAP: first element; end of the whole data */
	const uint8_t *end;
} jn_value;

/* Finds key in the map data[0..len).  Returns 0 (v->kind = JN_V_NONE when
 * absent) or JN_ECORRUPT when the bytes are not a well-formed map. */
int jn_data_get(const uint8_t *data, size_t len, const char *key, jn_value *v);
/* Walks an array value: each call gives the next element; JN_END at its end. */
int jn_array_next(jn_value *arr, jn_value *elem);

/* UUID helpers: canonical lowercase 36-char text. */
int jn_uuid_parse(jn_str s, uint8_t id[JN_ID_LEN]);	/* 0 or JN_EINVALID */
void jn_uuid_format(const uint8_t id[JN_ID_LEN], char out[37]);
void jn_uuid_generate(uint8_t id[JN_ID_LEN]);

/* Dates as day numbers (days since 1970-01-01), for "YYYY-MM-DD" (a longer
 * string with "THH:MM" is accepted and the time ignored). */
int jn_date_parse(jn_str s, int32_t *dayp);		/* 0 or JN_EINVALID */
void jn_date_format(int32_t day, char out[11]);
int32_t jn_today_jst(void);	/* today's date in Japan (UTC+9) */

#ifdef __cplusplus
}
#endif
#endif
