/*
 * vault.h: the person vault (BRIEF section 11, specs/vault.md).
 *
 * Beside the journal's log, in the same directory, each case may hold person
 * data (name, kana, phone, address, mother_birth_date, notes), sealed with a
 * random key of that case (XChaCha20-Poly1305, the case id as associated
 * data); each case key is wrapped by a master key that lives outside the
 * directory, in a file made by vt_key_init().  A keyed blind index finds a
 * case by its normalised name or kana without decrypting every case.
 * vt_forget_*() destroys a case key in place, so that the data can never be
 * read again; vt_rotate() rewraps every case key under a new master key.
 *
 * All functions return 0, one of the VT_E* codes below, a JN_E* code of the
 * journal (vt_access_log) or a positive errno value; vt_strerror() describes
 * them.  The module never prints and never exits.
 *
 * Threads: one vt_vault may be shared by the threads of a long-running
 * process (the server): every call runs in its own LMDB transaction (the
 * environment is opened with MDB_NOTLS) and reads the key file with pread(),
 * so vt_get(), vt_find() and the vt_reader calls may run concurrently, and
 * the writing calls serialise on LMDB's writer lock (across processes too).
 * vt_close() must not race with any other call, and a thread that holds a
 * vt_reader must end it before it calls a writing function (a write may
 * grow the map, which waits for every open transaction of the process).
 * Secrets held by a handle are wiped by vt_close().
 */
#ifndef OYAKO_VAULT_H
#define OYAKO_VAULT_H

#include <stddef.h>
#include <stdint.h>

#include "journal.h"

#define VT_KEY_LEN 32

/* Error codes (a range of our own, beside the journal's). */
#define VT_ENOKEY	(-31000)	/* no key file given */
#define VT_EKEYFILE	(-31001)	/* the key file is not a file of 32 bytes */
#define VT_EKEYMODE	(-31010)	/* the key file is readable or writable by group or others */
#define VT_EWRONGKEY	(-31002)	/* the key does not open this vault */
#define VT_ECORRUPT	(-31003)	/* a sealed record or wrapped key fails authentication, or a damaged vault */
#define VT_EFORGOTTEN	(-31004)	/* the case was forgotten: its data is gone */
#define VT_ENOTFOUND	(-31005)	/* no person data for the case (or no vault yet) */
#define VT_EINVALID	(-31006)	/* bad person data: see the vt_err */
#define VT_EEXIST	(-31007)	/* vt_key_init() on an existing file */
#define VT_ESAMEKEY	(-31008)	/* vt_rotate() to the key in use */
#define VT_EFORMAT	(-31009)	/* a vault of a newer layout */

const char *vt_strerror(int rc);

/* The fields, in the order they are written. */
enum {
	VT_F_NAME,
	VT_F_KANA,
	VT_F_PHONE,
	VT_F_ADDRESS,
	VT_F_MOTHER_BIRTH_DATE,
	VT_F_NOTES,
	VT_NFIELDS
};
const char *vt_field_name(int f);
#define VT_MAX_FIELD 4096	/* bytes of one field's value */

/* A person's data: f[i] is a malloc'd NUL-terminated string, NULL when absent. */
typedef struct vt_person {
	char *f[VT_NFIELDS];
} vt_person;
void vt_person_clear(vt_person *p);	/* frees and wipes the strings */

/* A change to a person: for each field, keep (VT_KEEP), remove (VT_DEL) or
 * set (VT_SET, the value in p.f[i]). */
enum { VT_KEEP = 0, VT_DEL, VT_SET };
typedef struct vt_patch {
	int op[VT_NFIELDS];
	vt_person p;
} vt_patch;
void vt_patch_clear(vt_patch *pa);

/* Detail of VT_EINVALID: the field ("" when the whole input is at fault) and
 * a lowercase sentence. */
typedef struct vt_err {
	char field[32];
	char msg[256];
} vt_err;

/* Parses a JSON object of person data (text[0..n)) into a patch: known keys
 * only, strings (a real date for mother_birth_date) or null (remove).  With
 * skip_case, a "case" key is allowed and ignored (import lines). */
int vt_patch_parse(const char *text, size_t n, int skip_case, vt_patch *pa, vt_err *err);

/* The person as a JSON object (compact, fields in order), malloc'd. */
char *vt_person_json(const vt_person *p);

/* Normalises a name or kana for the blind index (specs/vault.md has the
 * table): width folding, katakana to hiragana, spaces removed, ASCII
 * lowercase.  Writes at most cap - 1 bytes and a NUL; returns the length, or
 * (size_t)-1 when s is not valid UTF-8 or out is too small. */
size_t vt_normalize(const char *s, size_t n, char *out, size_t cap);

/* Master key files. */
int vt_key_init(const char *path);	/* 32 random bytes, mode 0600, never overwrites */
int vt_key_load(const char *path, uint8_t key[VT_KEY_LEN]);

typedef struct vt_vault vt_vault;

/* vt_open() flags */
#define VT_CREATE	0x1	/* make the vault when the directory has none */
#define VT_NOSYNC	0x2	/* no fsync (tests and benchmarks only) */

/* Opens the vault of journal directory dir with key.  Returns VT_ENOTFOUND
 * when there is no vault and VT_CREATE is not given, VT_EWRONGKEY when the
 * key's check value differs from the stored one.  The key is copied. */
int vt_open(const char *dir, const uint8_t key[VT_KEY_LEN], unsigned flags, vt_vault **vp);
void vt_close(vt_vault *v);	/* accepts NULL */

/* The state of a case in the vault. */
enum { VT_S_NONE = 0, VT_S_LIVE, VT_S_FORGETTING, VT_S_FORGOTTEN };

/* Reads a case's person data into *p (cleared first).  VT_ENOTFOUND when it
 * has none, VT_EFORGOTTEN, VT_ECORRUPT when a byte of it was changed. */
int vt_get(vt_vault *v, const uint8_t id[JN_ID_LEN], vt_person *p);

/* Applies patches to cases, all in one transaction: all stored or none.
 * VT_EFORGOTTEN (with *badp the index of the first such case) when a case is
 * forgotten.  The same case may appear more than once (applied in order). */
int vt_set(vt_vault *v, const uint8_t (*ids)[JN_ID_LEN], const vt_patch *pa, size_t n, size_t *badp);

/* The cases whose normalised name or kana equals the normalised text, by
 * the blind index; each candidate is decrypted and checked.  *idsp (the
 * caller frees) gets them sorted, *np their count (0: none). */
int vt_find(vt_vault *v, const char *text, uint8_t (**idsp)[JN_ID_LEN], size_t *np);

/* Many reads in one snapshot (caseload --names, a server page): begin, get
 * in any order, end.  vt_reader_get() gives the state, and for a live case
 * its data; a corrupt record gives VT_ECORRUPT and the reader stays usable. */
typedef struct vt_reader vt_reader;
int vt_reader_begin(vt_vault *v, vt_reader **rp);
int vt_reader_get(vt_reader *r, const uint8_t id[JN_ID_LEN], int *statep, vt_person *p);
void vt_reader_end(vt_reader *r);	/* accepts NULL */

/* The state of a case (VT_S_*). */
int vt_state(vt_vault *v, const uint8_t id[JN_ID_LEN], int *statep);

/*
 * Forgetting a case, in the order of specs/vault.md:
 * vt_forget_begin() marks the case forgetting (no read shows its data from
 * then on, no set is accepted) and drops its record and index entries;
 * the caller then appends case.forgotten to the journal; vt_forget_finish()
 * overwrites the wrapped key with zeros, syncs, and marks the case
 * forgotten.  Both may be run again after a crash.
 */
int vt_forget_begin(vt_vault *v, const uint8_t id[JN_ID_LEN]);
int vt_forget_finish(vt_vault *v, const uint8_t id[JN_ID_LEN]);

/* Rewraps every case key under newkey and re-keys the blind index, all or
 * nothing; the old key file generation is overwritten and removed.  *np
 * (may be NULL) gets the number of case keys rewrapped. */
int vt_rotate(vt_vault *v, const uint8_t newkey[VT_KEY_LEN], size_t *np);

/* Appends the person.accessed event(s) of one read to the journal, durably,
 * before the data is shown: stream access:<actor>, data {cases, purpose}.
 * A list longer than fits one event (VT_ACCESS_CHUNK cases) is split into
 * several events of one commit.  err (may be NULL) gets the journal's detail. */
#define VT_ACCESS_CHUNK 1500
int vt_access_log(jn_env *env, const char *actor, const char *purpose,
    const uint8_t (*ids)[JN_ID_LEN], size_t n, jn_errinfo *err);

#endif
