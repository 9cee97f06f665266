/*
 * vcli.h: what the tools that touch person data share (oyako-person,
 * oyako-forget, oyako-key, and --names of caseload and risk): the key file
 * and actor options, opening the vault with clear messages, recording a read
 * (person.accessed) before showing it, and the name columns.  Exit codes are
 * those of specs/exit-codes.md; specs/vault.md says which is which.
 */
#ifndef OYAKO_VCLI_H
#define OYAKO_VCLI_H

#include <stdint.h>

#include "proj.h"
#include "vault.h"

/* Option codes, clear of the tools' own (PO_FIRST_FREE + n). */
enum { VC_O_KEYFILE = 0x400, VC_O_ACTOR, VC_O_PURPOSE, VC_O_NAMES };

#define VC_LONGOPTS \
	{ "key-file", required_argument, NULL, VC_O_KEYFILE }, \
	{ "actor", required_argument, NULL, VC_O_ACTOR }, \
	{ "purpose", required_argument, NULL, VC_O_PURPOSE }
#define VC_NAMES_LONGOPT { "names", no_argument, NULL, VC_O_NAMES }

typedef struct vc_opts {
	const char *key_file;	/* --key-file, NULL: $OYAKO_KEY_FILE */
	const char *actor;	/* --actor, NULL: $OYAKO_ACTOR, else cli:<login> */
	const char *purpose;	/* --purpose, NULL: the command's default */
	int names;		/* --names */
} vc_opts;

/* 1 when c was one of the options above (stored in vo), else 0. */
int vc_option(vc_opts *vo, int c, const char *arg);

/* The key file: --key-file, else $OYAKO_KEY_FILE, else NULL. */
const char *vc_key_path(const vc_opts *vo);

/* The actor of a read: --actor, else $OYAKO_ACTOR, else "cli:" + the login
 * name of the effective user.  Static storage. */
const char *vc_actor(const vc_opts *vo);

/* Maps a vault (or journal) return code to an exit code. */
int vc_exit_code(int rc);

/* Loads the master key (messages name the file; exit 6 when it is missing,
 * unusable or not given).  Returns an exit code. */
int vc_key_load(const vc_opts *vo, uint8_t key[VT_KEY_LEN]);

/* EX_OK, or EX_IO after a message when the key file at path lies inside
 * journal directory dir (the master key never lies there). */
int vc_key_outside(const char *path, const char *dir);

/* Loads the key and opens the vault of journal directory dir (VT_CREATE
 * and the like in flags).  With missing_ok, a directory without a vault
 * gives EX_OK and *vp = NULL.  Returns an exit code after a message. */
int vc_open(const vc_opts *vo, const char *dir, unsigned flags, int missing_ok, vt_vault **vp);

/* Whether case id has a stream in the journal: EX_OK, or EX_NOTFOUND after
 * "no case 'UUID' in journal 'DIR'" (another exit code on a read error).
 * With quiet, no message for a missing case. */
int vc_case_exists(jn_env *env, const char *dir, const uint8_t id[JN_ID_LEN], int quiet);

/* Appends the person.accessed record of a read of ids (durably); exit code. */
int vc_log_access(const vc_opts *vo, jn_env *env, const char *default_purpose,
    const uint8_t (*ids)[JN_ID_LEN], size_t n);

/* Names and kana of the cases a projection shows (--names). */
typedef struct vc_names {
	size_t n;
	uint8_t (*ids)[JN_ID_LEN];	/* sorted */
	char **name, **kana;		/* per id: NULL for none */
	uint8_t *forgotten;
	uint32_t *hash;			/* id -> place, open addressing */
	size_t mask;
} vc_names;

/* Opens the vault (the key first: exit 6 without one), records the read
 * of ids in env, then reads their names in id order.  Returns an exit code. */
int vc_names_load(vc_names *nm, const vc_opts *vo, jn_env *env, const char *dir,
    const char *default_purpose, const uint8_t (*ids)[JN_ID_LEN], size_t n);
/* The same for the cases m->cases[idx[i]], i < n, of a projection. */
int vc_names_cases(vc_names *nm, const vc_opts *vo, jn_env *env, const char *dir,
    const char *default_purpose, const pj_model *m, const uint32_t *idx, size_t n);
void vc_names_free(vc_names *nm);	/* accepts a zeroed one */

/* The name or kana of a case: NULL for none, "(forgotten)" after forget. */
const char *vc_names_get(const vc_names *nm, const uint8_t id[JN_ID_LEN], int kana);

/* Output helpers, no-ops when nm is NULL: "name" and "kana" keys; the two
 * columns of a table just started; a row's two cells. */
void vc_names_jw(const vc_names *nm, pj_jw *w, const uint8_t id[JN_ID_LEN]);
void vc_names_columns(const vc_names *nm, const po_opts *o, pj_doc *doc);
void vc_names_cells(const vc_names *nm, pj_doc *doc, const uint8_t id[JN_ID_LEN]);

#endif
