/*
 * vault.c: the vault's storage and crypto (specs/vault.md).
 *
 * DIR/vault.mdb (LMDB, one file): meta, persons (case id -> state, key slot
 * and the sealed record) and blind (keyed hash of a normalised name or kana
 * -> case ids).  DIR/vault.keys.<gen>: the wrapped case keys, in fixed slots
 * that forget overwrites in place.  The wrapped keys never enter LMDB, whose
 * freed pages keep old bytes: that is what lets forget destroy a key.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "vault.h"

#define VT_FORMAT 1
#define MIN_MAP ((size_t)64 << 20)	/* the map grows before a write that may need more */

#define KEYS_MAGIC "OYAKOVK1"
#define KEYS_HDR 64
#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES	/* 24 */
#define TAG crypto_aead_xchacha20poly1305_ietf_ABYTES		/* 16 */
#define SLOT (NONCE + VT_KEY_LEN + TAG)				/* 72 */
#define NOSLOT UINT32_MAX
#define HDR 8		/* persons value: version, state, 0, 0, slot (u32 BE) */
#define PAD_BLOCK 64	/* plaintext padded to hide lengths below this */
#define BLIND_LEN 32

#define KDF_CTX "oyakovlt"
enum { SUB_WRAP = 1, SUB_BLIND = 2, SUB_CHECK = 3 };
static const char kcv_input[] = "oyako vault key check v1";
static const char ad_key[] = "oyako-key-v1";
static const char ad_rec[] = "oyako-person-v1";

struct vt_vault {
	MDB_env *mdb;
	MDB_dbi meta, persons, blind;
	char dir[PATH_MAX];
	unsigned flags;
	uint8_t wrapk[VT_KEY_LEN], blindk[VT_KEY_LEN], kcv[32];
	pthread_mutex_t lock;	/* guards kfd and kgen */
	/* Held shared by every open transaction of this process, exclusively
	 * to grow the map (LMDB remaps it: no transaction may be open). */
	pthread_rwlock_t txlock;
	int kfd;		/* the key file of generation kgen */
	uint32_t kgen;
};

/* Where wrapped keys are read: the key file, and (a reader's) a read-only
 * map of it, so that a page of thousands of names costs no pread each. */
typedef struct keysrc {
	int fd;
	const uint8_t *map;
	size_t len;
} keysrc;

struct vt_reader {
	vt_vault *v;
	MDB_txn *txn;
	keysrc ks;
	MDB_cursor *cur;	/* on persons */
	size_t gets;
};

/* Readers that read many cases map the key file: after this many reads. */
#define MAP_AFTER 32

const char *
vt_strerror(int rc)
{
	switch (rc) {
	case VT_ENOKEY: return "no master key given";
	case VT_EKEYFILE: return "not a key file (32 bytes made by 'oyako key init')";
	case VT_EKEYMODE: return "key file is readable or writable by group or others (chmod 600 it)";
	case VT_EWRONGKEY: return "the key does not open this vault (wrong key file)";
	case VT_ECORRUPT: return "sealed person data fails authentication (changed or damaged)";
	case VT_EFORGOTTEN: return "the case was forgotten: its person data is destroyed";
	case VT_ENOTFOUND: return "no person data";
	case VT_EINVALID: return "invalid person data";
	case VT_EEXIST: return "file exists (a key file is never overwritten)";
	case VT_ESAMEKEY: return "the new key is the key in use";
	case VT_EFORMAT: return "vault written by a newer version of oyako";
	}
	if (rc <= -30900 && rc > -31000)
		return jn_strerror(rc);
	if (rc < 0)
		return mdb_strerror(rc);
	return strerror(rc);
}

/* LMDB's own codes are errors of the vault's storage; MDB_NOTFOUND is
 * handled where it can occur. */
static int
mdb_rc(int rc)
{
	if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID ||
	    rc == MDB_VERSION_MISMATCH)
		return VT_ECORRUPT;
	return rc;
}

static void
be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static uint32_t
be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- key files ---- */

int
vt_key_init(const char *path)
{
	uint8_t key[VT_KEY_LEN];
	int fd, rc = 0;

	if (sodium_init() < 0)
		return EIO;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? VT_EEXIST : errno;
	randombytes_buf(key, sizeof key);
	if (fchmod(fd, 0600) != 0 || write(fd, key, sizeof key) != (ssize_t)sizeof key ||
	    fsync(fd) != 0)
		rc = errno ? errno : EIO;
	sodium_memzero(key, sizeof key);
	if (close(fd) != 0 && rc == 0)
		rc = errno;
	if (rc)
		unlink(path);
	return rc;
}

int
vt_key_load(const char *path, uint8_t key[VT_KEY_LEN])
{
	struct stat st;
	ssize_t got;
	uint8_t extra;
	int fd, rc = 0;

	if (path == NULL || *path == '\0')
		return VT_ENOKEY;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno;
	if (fstat(fd, &st) != 0)
		rc = errno;
	else if (!S_ISREG(st.st_mode) || st.st_size != VT_KEY_LEN)
		rc = VT_EKEYFILE;
	else if (st.st_mode & 077)
		rc = VT_EKEYMODE;
	else if ((got = read(fd, key, VT_KEY_LEN)) != VT_KEY_LEN || read(fd, &extra, 1) != 0)
		rc = got < 0 ? errno : VT_EKEYFILE;
	close(fd);
	if (rc)
		sodium_memzero(key, VT_KEY_LEN);
	return rc;
}

/* The subkeys and the check value of a master key. */
static void
derive(const uint8_t key[VT_KEY_LEN], uint8_t wrapk[VT_KEY_LEN], uint8_t blindk[VT_KEY_LEN],
    uint8_t kcv[32])
{
	uint8_t checkk[VT_KEY_LEN];

	crypto_kdf_derive_from_key(wrapk, VT_KEY_LEN, SUB_WRAP, KDF_CTX, key);
	crypto_kdf_derive_from_key(blindk, VT_KEY_LEN, SUB_BLIND, KDF_CTX, key);
	crypto_kdf_derive_from_key(checkk, VT_KEY_LEN, SUB_CHECK, KDF_CTX, key);
	crypto_generichash(kcv, 32, (const uint8_t *)kcv_input, sizeof kcv_input - 1,
	    checkk, sizeof checkk);
	sodium_memzero(checkk, sizeof checkk);
}

/* ---- the key slot file ---- */

static void
keys_path(const vt_vault *v, uint32_t gen, char *out, size_t cap)
{
	snprintf(out, cap, "%s/vault.keys.%u", v->dir, gen);
}

static int
sync_dir(const vt_vault *v)
{
	int fd, rc = 0;

	if (v->flags & VT_NOSYNC)
		return 0;
	if ((fd = open(v->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return errno;
	if (fsync(fd) != 0)
		rc = errno;
	close(fd);
	return rc;
}

static int
fd_sync(const vt_vault *v, int fd)
{
	if (v->flags & VT_NOSYNC)
		return 0;
	return fdatasync(fd) == 0 ? 0 : errno;
}

static int
pwrite_all(int fd, const void *buf, size_t n, off_t off)
{
	const uint8_t *p = buf;
	ssize_t w;

	while (n > 0) {
		if ((w = pwrite(fd, p, n, off)) < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

/* Makes the key file of generation gen (header only), synced; *fdp open. */
static int
keys_create(vt_vault *v, uint32_t gen, int *fdp)
{
	char path[PATH_MAX + 32];
	uint8_t hdr[KEYS_HDR] = { 0 };
	int fd, rc;

	keys_path(v, gen, path, sizeof path);
	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return errno;
	memcpy(hdr, KEYS_MAGIC, 8);
	be32_put(hdr + 8, gen);
	if ((rc = pwrite_all(fd, hdr, sizeof hdr, 0)) != 0 || (rc = fd_sync(v, fd)) != 0) {
		close(fd);
		unlink(path);
		return rc;
	}
	*fdp = fd;
	return 0;
}

/* Opens the key file of generation gen (read-write when it can). */
static int
keys_open(const vt_vault *v, uint32_t gen, int *fdp)
{
	char path[PATH_MAX + 32];
	uint8_t hdr[KEYS_HDR];
	int fd;

	keys_path(v, gen, path, sizeof path);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EROFS))
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? VT_ECORRUPT : errno;
	if (pread(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr || memcmp(hdr, KEYS_MAGIC, 8) != 0 ||
	    be32_get(hdr + 8) != gen) {
		close(fd);
		return VT_ECORRUPT;
	}
	*fdp = fd;
	return 0;
}

/* Overwrites a file with zeros, syncs it and removes it.  A removed file's
 * blocks are not cleared by the file system: a key file that is no longer
 * used is shredded first. */
static int
shred(vt_vault *v, const char *path)
{
	static const uint8_t zeros[4096];
	struct stat st;
	off_t off;
	int fd, rc = 0;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : errno;
	if (fstat(fd, &st) != 0)
		rc = errno;
	for (off = 0; rc == 0 && off < st.st_size; off += (off_t)sizeof zeros) {
		size_t n = (size_t)(st.st_size - off) < sizeof zeros ? (size_t)(st.st_size - off) : sizeof zeros;
		rc = pwrite_all(fd, zeros, n, off);
	}
	if (rc == 0)
		rc = fd_sync(v, fd);
	close(fd);
	if (rc == 0 && unlink(path) != 0)
		rc = errno;
	return rc ? rc : sync_dir(v);
}

/* ---- meta ---- */

static int
meta_get(vt_vault *v, MDB_txn *txn, const char *key, MDB_val *val)
{
	MDB_val k = { strlen(key), (void *)key };
	int rc = mdb_get(txn, v->meta, &k, val);

	return rc == MDB_NOTFOUND ? VT_ECORRUPT : mdb_rc(rc);
}

static int
meta_u32(vt_vault *v, MDB_txn *txn, const char *key, uint32_t *out)
{
	MDB_val val;
	int rc;

	if ((rc = meta_get(v, txn, key, &val)) != 0)
		return rc;
	if (val.mv_size != 4)
		return VT_ECORRUPT;
	*out = be32_get(val.mv_data);
	return 0;
}

static int
meta_put_u32(vt_vault *v, MDB_txn *txn, const char *key, uint32_t x)
{
	uint8_t b[4];
	MDB_val k = { strlen(key), (void *)key }, val = { 4, b };

	be32_put(b, x);
	return mdb_rc(mdb_put(txn, v->meta, &k, &val, 0));
}

static int
meta_put(vt_vault *v, MDB_txn *txn, const char *key, const void *p, size_t n)
{
	MDB_val k = { strlen(key), (void *)key }, val = { n, (void *)p };

	return mdb_rc(mdb_put(txn, v->meta, &k, &val, 0));
}

/* The key file of the snapshot txn sees: reopened (in place, so that
 * concurrent readers keep a valid descriptor) after a rotation.  The check
 * value is read again too: after a rotation this key no longer opens. */
static int
keys_current(vt_vault *v, MDB_txn *txn, int *fdp)
{
	MDB_val kcv;
	uint32_t gen;
	int rc = 0, fd;

	if ((rc = meta_u32(v, txn, "gen", &gen)) != 0)
		return rc;
	pthread_mutex_lock(&v->lock);
	if (gen != v->kgen) {
		if ((rc = meta_get(v, txn, "kcv", &kcv)) != 0)
			goto out;
		if (kcv.mv_size != 32 || sodium_memcmp(kcv.mv_data, v->kcv, 32) != 0) {
			rc = VT_EWRONGKEY;
			goto out;
		}
		if ((rc = keys_open(v, gen, &fd)) != 0)
			goto out;
		if (v->kfd < 0)
			v->kfd = fd;
		else {
			dup2(fd, v->kfd);
			close(fd);
		}
		v->kgen = gen;
	}
	*fdp = v->kfd;
out:
	pthread_mutex_unlock(&v->lock);
	return rc;
}

/* ---- sealing ---- */

static size_t
key_ad(uint8_t *ad, const uint8_t id[JN_ID_LEN], uint32_t slot)
{
	memcpy(ad, ad_key, sizeof ad_key - 1);
	memcpy(ad + sizeof ad_key - 1, id, JN_ID_LEN);
	be32_put(ad + sizeof ad_key - 1 + JN_ID_LEN, slot);
	return sizeof ad_key - 1 + JN_ID_LEN + 4;
}

static void
wrap(const uint8_t wrapk[VT_KEY_LEN], const uint8_t id[JN_ID_LEN], uint32_t slot,
    const uint8_t ck[VT_KEY_LEN], uint8_t out[SLOT])
{
	uint8_t ad[64];
	size_t adlen = key_ad(ad, id, slot);

	randombytes_buf(out, NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + NONCE, NULL, ck, VT_KEY_LEN,
	    ad, adlen, NULL, out, wrapk);
}

static int
unwrap(const uint8_t wrapk[VT_KEY_LEN], const uint8_t id[JN_ID_LEN], uint32_t slot,
    const uint8_t in[SLOT], uint8_t ck[VT_KEY_LEN])
{
	uint8_t ad[64];
	size_t adlen = key_ad(ad, id, slot);

	if (crypto_aead_xchacha20poly1305_ietf_decrypt(ck, NULL, NULL, in + NONCE, VT_KEY_LEN + TAG,
	    ad, adlen, in, wrapk) != 0)
		return VT_ECORRUPT;
	return 0;
}

/* Reads and unwraps the key of a case from its slot. */
static int
case_key(vt_vault *v, const keysrc *ks, const uint8_t id[JN_ID_LEN], uint32_t slot, uint8_t ck[VT_KEY_LEN])
{
	uint8_t buf[SLOT];
	size_t off = KEYS_HDR + (size_t)slot * SLOT;
	ssize_t got;
	int rc;

	/* A slot past the map was added after it was made: read it. */
	if (ks->map && off + SLOT <= ks->len)
		memcpy(buf, ks->map + off, SLOT);
	else if ((got = pread(ks->fd, buf, sizeof buf, (off_t)off)) < 0)
		return errno;
	else if (got != (ssize_t)sizeof buf)
		return VT_ECORRUPT;
	rc = unwrap(v->wrapk, id, slot, buf, ck);
	sodium_memzero(buf, sizeof buf);
	return rc;
}

static size_t
rec_ad(uint8_t *ad, const uint8_t id[JN_ID_LEN])
{
	memcpy(ad, ad_rec, sizeof ad_rec - 1);
	memcpy(ad + sizeof ad_rec - 1, id, JN_ID_LEN);
	return sizeof ad_rec - 1 + JN_ID_LEN;
}

/* The plaintext of a record: per present field, in field order, one byte
 * of field number, its length (u16 BE) and its bytes; then sodium_pad().
 * Cheap to read back: --names opens thousands at a time. */
static size_t
fields_len(const vt_person *p)
{
	size_t n = 0;
	int f;

	for (f = 0; f < VT_NFIELDS; f++)
		if (p->f[f])
			n += 3 + strlen(p->f[f]);
	return n;
}

/* Seals the person into a persons value (header + nonce + ciphertext),
 * malloc'd in *outp. */
static int
seal(const uint8_t ck[VT_KEY_LEN], const uint8_t id[JN_ID_LEN], uint32_t slot,
    const vt_person *p, uint8_t **outp, size_t *outn)
{
	uint8_t ad[64], *out = NULL, *pt;
	size_t adlen = rec_ad(ad, id), plen = fields_len(p), at = 0, padded, n;
	int f, rc = ENOMEM;

	if ((pt = malloc(plen + PAD_BLOCK)) == NULL)
		return ENOMEM;
	for (f = 0; f < VT_NFIELDS; f++) {
		if (p->f[f] == NULL)
			continue;
		if ((n = strlen(p->f[f])) > VT_MAX_FIELD) {
			rc = EINVAL;
			goto out;
		}
		pt[at] = (uint8_t)f;
		pt[at + 1] = (uint8_t)(n >> 8);
		pt[at + 2] = (uint8_t)n;
		memcpy(pt + at + 3, p->f[f], n);
		at += 3 + n;
	}
	if (sodium_pad(&padded, pt, plen, PAD_BLOCK, plen + PAD_BLOCK) != 0) {
		rc = EINVAL;
		goto out;
	}
	if ((out = malloc(HDR + NONCE + padded + TAG)) == NULL)
		goto out;
	out[0] = VT_FORMAT;
	out[1] = VT_S_LIVE;
	out[2] = out[3] = 0;
	be32_put(out + 4, slot);
	randombytes_buf(out + HDR, NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + HDR + NONCE, NULL, pt, padded,
	    ad, adlen, NULL, out + HDR, ck);
	*outp = out;
	*outn = HDR + NONCE + padded + TAG;
	out = NULL;
	rc = 0;
out:
	sodium_memzero(pt, plen + PAD_BLOCK);
	free(pt);
	free(out);
	return rc;
}

/* Reads the fields of an opened plaintext; VT_ECORRUPT when they are not
 * laid out as seal() writes them (the tag made that all but impossible). */
static int
fields_read(const uint8_t *pt, size_t n, vt_person *p)
{
	size_t at = 0, len;
	int f, last = -1;

	while (at < n) {
		if (n - at < 3 || (f = pt[at]) <= last || f >= VT_NFIELDS)
			goto bad;
		len = (size_t)pt[at + 1] << 8 | pt[at + 2];
		if (len == 0 || len > VT_MAX_FIELD || len > n - at - 3 || memchr(pt + at + 3, 0, len))
			goto bad;
		if ((p->f[f] = malloc(len + 1)) == NULL) {
			vt_person_clear(p);
			return ENOMEM;
		}
		memcpy(p->f[f], pt + at + 3, len);
		p->f[f][len] = '\0';
		at += 3 + len;
		last = f;
	}
	return 0;
bad:
	vt_person_clear(p);
	return VT_ECORRUPT;
}

/* Opens a sealed persons value with the case key. */
static int
unseal(const uint8_t ck[VT_KEY_LEN], const uint8_t id[JN_ID_LEN], const MDB_val *val, vt_person *p)
{
	const uint8_t *b = val->mv_data;
	uint8_t ad[64], *pt;
	size_t adlen = rec_ad(ad, id), clen, plen;
	int rc;

	if (val->mv_size < HDR + NONCE + TAG + PAD_BLOCK)
		return VT_ECORRUPT;
	clen = val->mv_size - HDR - NONCE;
	if ((pt = malloc(clen)) == NULL)
		return ENOMEM;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL, b + HDR + NONCE, clen,
	    ad, adlen, b + HDR, ck) != 0 ||
	    sodium_unpad(&plen, pt, clen - TAG, PAD_BLOCK) != 0)
		rc = VT_ECORRUPT;
	else
		rc = fields_read(pt, plen, p);
	sodium_memzero(pt, clen);
	free(pt);
	return rc;
}

/* The persons entry of a case: its state and slot (NOSLOT), the value. */
static int
entry_at(vt_vault *v, MDB_txn *txn, MDB_cursor *cur, const uint8_t id[JN_ID_LEN], int *statep,
    uint32_t *slotp, MDB_val *val)
{
	MDB_val k = { JN_ID_LEN, (void *)id };
	const uint8_t *b;
	int rc;

	*statep = VT_S_NONE;
	*slotp = NOSLOT;
	/* A cursor moved to ids in order finds the next one on the page it
	 * stands on without descending the tree again. */
	rc = cur ? mdb_cursor_get(cur, &k, val, MDB_SET_KEY) : mdb_get(txn, v->persons, &k, val);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return mdb_rc(rc);
	b = val->mv_data;
	if (val->mv_size < HDR || b[0] != VT_FORMAT || b[1] < VT_S_LIVE || b[1] > VT_S_FORGOTTEN)
		return VT_ECORRUPT;
	*statep = b[1];
	*slotp = be32_get(b + 4);
	return 0;
}

static int
entry_get(vt_vault *v, MDB_txn *txn, const uint8_t id[JN_ID_LEN], int *statep, uint32_t *slotp,
    MDB_val *val)
{
	return entry_at(v, txn, NULL, id, statep, slotp, val);
}

/* Reads one case in txn (through cur when not NULL): its state, and for a
 * live case its data. */
static int
read_case(vt_vault *v, MDB_txn *txn, MDB_cursor *cur, const keysrc *ks, const uint8_t id[JN_ID_LEN],
    int *statep, vt_person *p)
{
	uint8_t ck[VT_KEY_LEN];
	uint32_t slot;
	MDB_val val;
	int rc;

	vt_person_clear(p);
	if ((rc = entry_at(v, txn, cur, id, statep, &slot, &val)) != 0 || *statep != VT_S_LIVE)
		return rc;
	if (slot == NOSLOT)
		return VT_ECORRUPT;
	if ((rc = case_key(v, ks, id, slot, ck)) == 0)
		rc = unseal(ck, id, &val, p);
	sodium_memzero(ck, sizeof ck);
	return rc;
}

/* ---- the blind index ---- */

static int
blind_hash(const uint8_t blindk[VT_KEY_LEN], const char *s, uint8_t out[BLIND_LEN])
{
	char norm[4 * VT_MAX_FIELD + 8];
	size_t n = vt_normalize(s, strlen(s), norm, sizeof norm);

	if (n == (size_t)-1 || n == 0)
		return -1;
	crypto_generichash(out, BLIND_LEN, (const uint8_t *)norm, n, blindk, VT_KEY_LEN);
	sodium_memzero(norm, n);
	return 0;
}

/* Adds (op 1) or removes (op 0) the index entries of p's name and kana. */
static int
blind_update(vt_vault *v, MDB_txn *txn, const uint8_t blindk[VT_KEY_LEN], const uint8_t id[JN_ID_LEN],
    const vt_person *p, int add)
{
	static const int fields[] = { VT_F_NAME, VT_F_KANA };
	uint8_t h[BLIND_LEN];
	MDB_val k = { BLIND_LEN, h }, d = { JN_ID_LEN, (void *)id };
	size_t i;
	int rc;

	for (i = 0; i < 2; i++) {
		if (p->f[fields[i]] == NULL || blind_hash(blindk, p->f[fields[i]], h) != 0)
			continue;
		if (add)
			rc = mdb_put(txn, v->blind, &k, &d, MDB_NODUPDATA);
		else
			rc = mdb_del(txn, v->blind, &k, &d);
		if (rc != 0 && rc != MDB_KEYEXIST && rc != MDB_NOTFOUND)
			return mdb_rc(rc);
	}
	return 0;
}

/* ---- open and close ---- */

/* Transactions go through these three, which hold txlock shared while
 * one is open.  Another process that grew the map makes LMDB answer
 * MDB_MAP_RESIZED: the map is adopted (exclusively) and the begin retried. */
static int
txn_begin(vt_vault *v, unsigned flags, MDB_txn **txnp)
{
	int rc;

	for (;;) {
		pthread_rwlock_rdlock(&v->txlock);
		rc = mdb_txn_begin(v->mdb, NULL, flags, txnp);
		if (rc == 0)
			return 0;
		pthread_rwlock_unlock(&v->txlock);
		*txnp = NULL;
		if (rc != MDB_MAP_RESIZED)
			return mdb_rc(rc);
		pthread_rwlock_wrlock(&v->txlock);
		rc = mdb_env_set_mapsize(v->mdb, 0);
		pthread_rwlock_unlock(&v->txlock);
		if (rc != 0)
			return mdb_rc(rc);
	}
}

static void
txn_abort(vt_vault *v, MDB_txn *txn)
{
	if (txn == NULL)
		return;
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&v->txlock);
}

static int
txn_commit(vt_vault *v, MDB_txn *txn)
{
	int rc = mdb_txn_commit(txn);

	pthread_rwlock_unlock(&v->txlock);
	return mdb_rc(rc);
}

/* Makes room in the map for a write of about `bytes` (new pages, the
 * pages it copies, and the free ones it cannot reuse yet), and as much
 * again as the vault holds with plus_used (a rotation rewrites the index),
 * before it begins: a write never meets a full map. */
static int
ensure_room(vt_vault *v, size_t bytes, int plus_used)
{
	MDB_envinfo info;
	MDB_stat st;
	size_t want, size;
	int rc = 0;

	pthread_rwlock_wrlock(&v->txlock);
	if ((rc = mdb_env_info(v->mdb, &info)) != 0 || (rc = mdb_env_stat(v->mdb, &st)) != 0)
		goto out;
	want = ((size_t)info.me_last_pgno + 1) * st.ms_psize * (plus_used ? 2 : 1) + bytes + MIN_MAP;
	if (want > info.me_mapsize) {
		for (size = info.me_mapsize < MIN_MAP ? MIN_MAP : info.me_mapsize; size < want; size *= 2)
			;
		rc = mdb_env_set_mapsize(v->mdb, size);
	}
out:
	pthread_rwlock_unlock(&v->txlock);
	return mdb_rc(rc);
}

/* Shreds key files of other generations (left by a rotation that crashed
 * before or after its commit).  Holds the writer lock meanwhile, so that no
 * rotation is writing the next generation. */
static int
shred_stale(vt_vault *v)
{
	char path[PATH_MAX + 300];
	struct dirent *de;
	MDB_txn *txn;
	uint32_t gen;
	DIR *d;
	int rc;

	if ((rc = txn_begin(v, 0, &txn)) != 0)
		return rc;
	if ((rc = meta_u32(v, txn, "gen", &gen)) != 0 || (d = opendir(v->dir)) == NULL) {
		rc = rc ? rc : errno;
		goto abort;
	}
	while ((de = readdir(d)) != NULL) {
		char *end;
		unsigned long g;

		if (strncmp(de->d_name, "vault.keys.", 11) != 0)
			continue;
		g = strtoul(de->d_name + 11, &end, 10);
		if (*end || g == gen)
			continue;
		snprintf(path, sizeof path, "%s/%s", v->dir, de->d_name);
		if ((rc = shred(v, path)) != 0)
			break;
	}
	closedir(d);
abort:
	txn_abort(v, txn);
	return rc;
}

/* A new vault: the check value, generation 1 and its empty key file. */
static int
vault_init(vt_vault *v, MDB_txn *txn)
{
	int fd, rc;

	if ((rc = keys_create(v, 1, &fd)) != 0 || (rc = sync_dir(v)) != 0)
		return rc;
	close(fd);
	if ((rc = meta_put_u32(v, txn, "format", VT_FORMAT)) != 0 ||
	    (rc = meta_put(v, txn, "kcv", v->kcv, 32)) != 0 ||
	    (rc = meta_put_u32(v, txn, "gen", 1)) != 0 ||
	    (rc = meta_put_u32(v, txn, "nslots", 0)) != 0)
		return rc;
	return 0;
}

int
vt_open(const char *dir, const uint8_t key[VT_KEY_LEN], unsigned flags, vt_vault **vp)
{
	char path[PATH_MAX + 16];
	struct stat st;
	vt_vault *v;
	MDB_txn *txn = NULL;
	MDB_val val;
	uint32_t format;
	unsigned mflags = MDB_NOSUBDIR | MDB_NOTLS | MDB_NORDAHEAD;
	int rc, created = 0;

	*vp = NULL;
	if (sodium_init() < 0)
		return EIO;
	if (strlen(dir) >= PATH_MAX)
		return ENAMETOOLONG;
	snprintf(path, sizeof path, "%s/vault.mdb", dir);
	if (stat(path, &st) != 0) {
		if (errno != ENOENT)
			return errno;
		if (!(flags & VT_CREATE))
			return VT_ENOTFOUND;
		created = 1;
	}
	if ((v = calloc(1, sizeof *v)) == NULL)
		return ENOMEM;
	v->kfd = -1;
	v->flags = flags;
	snprintf(v->dir, sizeof v->dir, "%s", dir);
	pthread_mutex_init(&v->lock, NULL);
	pthread_rwlock_init(&v->txlock, NULL);
	derive(key, v->wrapk, v->blindk, v->kcv);
	if (flags & VT_NOSYNC)
		mflags |= MDB_NOSYNC;
	if ((rc = mdb_env_create(&v->mdb)) != 0 ||
	    (rc = mdb_env_set_maxdbs(v->mdb, 4)) != 0 ||
	    (rc = mdb_env_set_mapsize(v->mdb, MIN_MAP)) != 0 ||
	    (rc = mdb_env_open(v->mdb, path, mflags, 0600)) != 0)
		goto fail;
	if ((rc = txn_begin(v, created ? 0 : MDB_RDONLY, &txn)) != 0)
		goto fail;
	if ((rc = mdb_dbi_open(txn, "meta", created ? MDB_CREATE : 0, &v->meta)) != 0 ||
	    (rc = mdb_dbi_open(txn, "persons", created ? MDB_CREATE : 0, &v->persons)) != 0 ||
	    (rc = mdb_dbi_open(txn, "blind", MDB_DUPSORT | MDB_DUPFIXED | (created ? MDB_CREATE : 0),
	    &v->blind)) != 0) {
		rc = rc == MDB_NOTFOUND ? VT_ECORRUPT : rc;
		goto fail;
	}
	if (created) {
		MDB_val k = { 6, "format" };
		/* Another process may have made it meanwhile. */
		if ((rc = mdb_get(txn, v->meta, &k, &val)) == MDB_NOTFOUND)
			rc = vault_init(v, txn);
		if (rc != 0) {
			txn_abort(v, txn);
			txn = NULL;
			goto fail;
		}
		rc = txn_commit(v, txn);
		txn = NULL;
		if (rc != 0)
			goto fail;
		if ((rc = txn_begin(v, MDB_RDONLY, &txn)) != 0)
			goto fail;
	}
	if ((rc = meta_u32(v, txn, "format", &format)) != 0)
		goto fail;
	if (format > VT_FORMAT) {
		rc = VT_EFORMAT;
		goto fail;
	}
	if ((rc = meta_get(v, txn, "kcv", &val)) != 0)
		goto fail;
	if (val.mv_size != 32 || sodium_memcmp(val.mv_data, v->kcv, 32) != 0) {
		rc = VT_EWRONGKEY;
		goto fail;
	}
	{
		int fd;
		if ((rc = keys_current(v, txn, &fd)) != 0)
			goto fail;
	}
	/* Committed, not aborted: an aborted transaction closes the handles
	 * it opened. */
	rc = txn_commit(v, txn);
	txn = NULL;
	if (rc != 0)
		goto fail;
	if ((flags & VT_CREATE) && (rc = shred_stale(v)) != 0)
		goto fail;
	*vp = v;
	return 0;
fail:
	txn_abort(v, txn);
	vt_close(v);
	return mdb_rc(rc);
}

void
vt_close(vt_vault *v)
{
	if (v == NULL)
		return;
	if (v->mdb)
		mdb_env_close(v->mdb);
	if (v->kfd >= 0)
		close(v->kfd);
	pthread_mutex_destroy(&v->lock);
	pthread_rwlock_destroy(&v->txlock);
	sodium_memzero(v, sizeof *v);
	free(v);
}

/* ---- reads ---- */

int
vt_reader_begin(vt_vault *v, vt_reader **rp)
{
	vt_reader *r;
	int rc;

	if ((r = calloc(1, sizeof *r)) == NULL)
		return ENOMEM;
	r->v = v;
	if ((rc = txn_begin(v, MDB_RDONLY, &r->txn)) != 0 ||
	    (rc = keys_current(v, r->txn, &r->ks.fd)) != 0 ||
	    (rc = mdb_rc(mdb_cursor_open(r->txn, v->persons, &r->cur))) != 0) {
		vt_reader_end(r);
		return rc;
	}
	*rp = r;
	return 0;
}

int
vt_reader_get(vt_reader *r, const uint8_t id[JN_ID_LEN], int *statep, vt_person *p)
{
	struct stat st;

	/* A page of a few cases preads their slots; a long run of reads maps
	 * the file once (forget's zeros, written with pwrite, show in a
	 * shared map at once). */
	if (++r->gets == MAP_AFTER && fstat(r->ks.fd, &st) == 0 && st.st_size > KEYS_HDR) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, r->ks.fd, 0);
		if (m != MAP_FAILED) {
			r->ks.map = m;
			r->ks.len = (size_t)st.st_size;
		}
	}
	return read_case(r->v, r->txn, r->cur, &r->ks, id, statep, p);
}

void
vt_reader_end(vt_reader *r)
{
	if (r == NULL)
		return;
	if (r->ks.map)
		munmap((void *)r->ks.map, r->ks.len);
	if (r->cur)
		mdb_cursor_close(r->cur);
	txn_abort(r->v, r->txn);
	free(r);
}

int
vt_get(vt_vault *v, const uint8_t id[JN_ID_LEN], vt_person *p)
{
	vt_reader *r;
	int rc, state;

	if ((rc = vt_reader_begin(v, &r)) != 0)
		return rc;
	rc = vt_reader_get(r, id, &state, p);
	vt_reader_end(r);
	if (rc == 0 && state == VT_S_NONE)
		rc = VT_ENOTFOUND;
	else if (rc == 0 && state != VT_S_LIVE)
		rc = VT_EFORGOTTEN;
	return rc;
}

int
vt_state(vt_vault *v, const uint8_t id[JN_ID_LEN], int *statep)
{
	MDB_txn *txn;
	MDB_val val;
	uint32_t slot;
	int rc;

	if ((rc = txn_begin(v, MDB_RDONLY, &txn)) != 0)
		return rc;
	rc = entry_get(v, txn, id, statep, &slot, &val);
	txn_abort(v, txn);
	return rc;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, JN_ID_LEN);
}

int
vt_find(vt_vault *v, const char *text, uint8_t (**idsp)[JN_ID_LEN], size_t *np)
{
	char want[4 * VT_MAX_FIELD + 8], norm[4 * VT_MAX_FIELD + 8];
	uint8_t h[BLIND_LEN], (*ids)[JN_ID_LEN] = NULL;
	size_t n = 0, cap = 0, wn;
	MDB_cursor *cur = NULL;
	MDB_val k = { BLIND_LEN, h }, d;
	vt_reader *r = NULL;
	vt_person p = { { 0 } };
	int rc, state, f;

	*idsp = NULL;
	*np = 0;
	wn = vt_normalize(text, strlen(text), want, sizeof want);
	if (wn == (size_t)-1 || wn == 0)
		return 0;	/* nothing can match */
	crypto_generichash(h, BLIND_LEN, (const uint8_t *)want, wn, v->blindk, VT_KEY_LEN);
	if ((rc = vt_reader_begin(v, &r)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(r->txn, v->blind, &cur)) != 0)
		goto out;
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_SET); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT_DUP)) {
		int match = 0;

		if (d.mv_size != JN_ID_LEN) {
			rc = VT_ECORRUPT;
			goto out;
		}
		/* A hash is checked against the data: no false match. */
		if ((rc = read_case(v, r->txn, NULL, &r->ks, d.mv_data, &state, &p)) != 0)
			goto out;
		for (f = VT_F_NAME; f <= VT_F_KANA; f++)
			if (state == VT_S_LIVE && p.f[f] &&
			    vt_normalize(p.f[f], strlen(p.f[f]), norm, sizeof norm) == wn &&
			    memcmp(norm, want, wn) == 0)
				match = 1;
		vt_person_clear(&p);
		if (!match)
			continue;
		if (n == cap) {
			void *nv = realloc(ids, (cap = cap ? 2 * cap : 8) * sizeof *ids);
			if (nv == NULL) {
				rc = ENOMEM;
				goto out;
			}
			ids = nv;
		}
		memcpy(ids[n++], d.mv_data, JN_ID_LEN);
	}
	rc = rc == MDB_NOTFOUND ? 0 : mdb_rc(rc);
out:
	sodium_memzero(want, sizeof want);
	mdb_cursor_close(cur);
	vt_reader_end(r);
	if (rc == 0) {
		if (n > 1)
			qsort(ids, n, sizeof *ids, id_cmp);
		*idsp = ids;
		*np = n;
	} else
		free(ids);
	return rc;
}

/* ---- writes ---- */


/* Applies one patch to one case in the write txn. */
static int
set_one(vt_vault *v, MDB_txn *txn, int kfd, uint32_t *nslots, int *wrote_slot,
    const uint8_t id[JN_ID_LEN], const vt_patch *pa)
{
	uint8_t ck[VT_KEY_LEN], *rec = NULL;
	vt_person p = { { 0 } };
	MDB_val k = { JN_ID_LEN, (void *)id }, val;
	uint32_t slot;
	size_t recn;
	int rc, state, f;

	if ((rc = entry_get(v, txn, id, &state, &slot, &val)) != 0)
		return rc;
	if (state == VT_S_FORGETTING || state == VT_S_FORGOTTEN)
		return VT_EFORGOTTEN;
	if (state == VT_S_NONE) {
		/* A new case: a fresh key in the next slot, written (and
		 * synced before the commit) outside LMDB. */
		uint8_t buf[SLOT];

		slot = (*nslots)++;
		randombytes_buf(ck, sizeof ck);
		wrap(v->wrapk, id, slot, ck, buf);
		rc = pwrite_all(kfd, buf, sizeof buf, KEYS_HDR + (off_t)slot * SLOT);
		*wrote_slot = 1;
		if (rc != 0)
			goto out;
	} else {
		if (slot == NOSLOT) {
			rc = VT_ECORRUPT;
			goto out;
		}
		if ((rc = case_key(v, &(keysrc){ kfd, NULL, 0 }, id, slot, ck)) != 0 ||
		    (rc = unseal(ck, id, &val, &p)) != 0 ||
		    (rc = blind_update(v, txn, v->blindk, id, &p, 0)) != 0)
			goto out;
	}
	for (f = 0; f < VT_NFIELDS; f++) {
		if (pa->op[f] == VT_KEEP)
			continue;
		if (p.f[f]) {
			sodium_memzero(p.f[f], strlen(p.f[f]));
			free(p.f[f]);
			p.f[f] = NULL;
		}
		if (pa->op[f] == VT_SET && (p.f[f] = strdup(pa->p.f[f])) == NULL) {
			rc = ENOMEM;
			goto out;
		}
	}
	if ((rc = seal(ck, id, slot, &p, &rec, &recn)) != 0)
		goto out;
	val.mv_size = recn;
	val.mv_data = rec;
	if ((rc = mdb_rc(mdb_put(txn, v->persons, &k, &val, 0))) != 0)
		goto out;
	rc = blind_update(v, txn, v->blindk, id, &p, 1);
out:
	free(rec);
	vt_person_clear(&p);
	sodium_memzero(ck, sizeof ck);
	return rc;
}

int
vt_set(vt_vault *v, const uint8_t (*ids)[JN_ID_LEN], const vt_patch *pa, size_t n, size_t *badp)
{
	MDB_txn *txn;
	uint32_t nslots;
	size_t i;
	int rc, kfd, wrote = 0;

	if (badp)
		*badp = 0;
	/* A record, its old copy and index entries, and page overhead. */
	if ((rc = ensure_room(v, n * 16384, 0)) != 0 || (rc = txn_begin(v, 0, &txn)) != 0)
		return rc;
	if ((rc = keys_current(v, txn, &kfd)) != 0 || (rc = meta_u32(v, txn, "nslots", &nslots)) != 0)
		goto abort;
	for (i = 0; i < n; i++) {
		if ((rc = set_one(v, txn, kfd, &nslots, &wrote, ids[i], &pa[i])) != 0) {
			if (badp)
				*badp = i;
			goto abort;
		}
	}
	/* New wrapped keys are on disk before the records that need them. */
	if (wrote && ((rc = fd_sync(v, kfd)) != 0 || (rc = meta_put_u32(v, txn, "nslots", nslots)) != 0))
		goto abort;
	return txn_commit(v, txn);
abort:
	txn_abort(v, txn);
	return rc;
}

/* Deletes every blind entry that names id (a full scan: forget is rare,
 * and it must work when the record no longer decrypts). */
static int
blind_purge(vt_vault *v, MDB_txn *txn, const uint8_t id[JN_ID_LEN])
{
	MDB_cursor *cur;
	MDB_val k, d;
	int rc;

	if ((rc = mdb_cursor_open(txn, v->blind, &cur)) != 0)
		return mdb_rc(rc);
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		if (d.mv_size == JN_ID_LEN && memcmp(d.mv_data, id, JN_ID_LEN) == 0 &&
		    (rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : mdb_rc(rc);
}

static int
put_state(vt_vault *v, MDB_txn *txn, const uint8_t id[JN_ID_LEN], int state, uint32_t slot)
{
	uint8_t b[HDR] = { VT_FORMAT, (uint8_t)state, 0, 0 };
	MDB_val k = { JN_ID_LEN, (void *)id }, val = { HDR, b };

	be32_put(b + 4, slot);
	return mdb_rc(mdb_put(txn, v->persons, &k, &val, 0));
}

int
vt_forget_begin(vt_vault *v, const uint8_t id[JN_ID_LEN])
{
	MDB_txn *txn;
	MDB_val val;
	uint32_t slot;
	int rc, state;

	if ((rc = ensure_room(v, 0, 0)) != 0 || (rc = txn_begin(v, 0, &txn)) != 0)
		return rc;
	if ((rc = entry_get(v, txn, id, &state, &slot, &val)) != 0)
		goto abort;
	if (state == VT_S_FORGETTING || state == VT_S_FORGOTTEN) {
		txn_abort(v, txn);
		return 0;
	}
	/* The sealed record is replaced by the bare state; the old pages may
	 * keep its ciphertext, which dies with the key. */
	if ((state == VT_S_LIVE && (rc = blind_purge(v, txn, id)) != 0) ||
	    (rc = put_state(v, txn, id, VT_S_FORGETTING, slot)) != 0)
		goto abort;
	return txn_commit(v, txn);
abort:
	txn_abort(v, txn);
	return rc;
}

int
vt_forget_finish(vt_vault *v, const uint8_t id[JN_ID_LEN])
{
	static const uint8_t zeros[SLOT];
	MDB_txn *txn;
	MDB_val val;
	uint32_t slot;
	int rc, state, kfd;

	if ((rc = ensure_room(v, 0, 0)) != 0 || (rc = txn_begin(v, 0, &txn)) != 0)
		return rc;
	if ((rc = entry_get(v, txn, id, &state, &slot, &val)) != 0)
		goto abort;
	if (state == VT_S_FORGOTTEN) {
		txn_abort(v, txn);
		return 0;
	}
	if (state != VT_S_FORGETTING) {
		rc = EINVAL;	/* vt_forget_begin() first */
		goto abort;
	}
	/* Under the writer lock: no rotation runs meanwhile. */
	if (slot != NOSLOT && ((rc = keys_current(v, txn, &kfd)) != 0 ||
	    (rc = pwrite_all(kfd, zeros, sizeof zeros, KEYS_HDR + (off_t)slot * SLOT)) != 0 ||
	    (rc = fd_sync(v, kfd)) != 0))
		goto abort;
	if ((rc = put_state(v, txn, id, VT_S_FORGOTTEN, slot)) != 0)
		goto abort;
	return txn_commit(v, txn);
abort:
	txn_abort(v, txn);
	return rc;
}

/* One index entry to rebuild. */
typedef struct bentry {
	uint8_t h[BLIND_LEN];
	uint8_t id[JN_ID_LEN];
} bentry;

static int
bentry_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(bentry));
}

int
vt_rotate(vt_vault *v, const uint8_t newkey[VT_KEY_LEN], size_t *np)
{
	uint8_t nwrap[VT_KEY_LEN], nblind[VT_KEY_LEN], nkcv[32], ck[VT_KEY_LEN];
	uint8_t *slots = NULL;
	char newpath[PATH_MAX + 32] = "", oldpath[PATH_MAX + 32];
	bentry *be = NULL;
	size_t nbe = 0, becap = 0, count = 0, i;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, d;
	uint32_t gen, nslots;
	int rc, kfd, nfd = -1, committed = 0;
	vt_person p = { { 0 } };

	derive(newkey, nwrap, nblind, nkcv);
	if (sodium_memcmp(nkcv, v->kcv, 32) == 0) {
		rc = VT_ESAMEKEY;
		goto out;
	}
	if ((rc = shred_stale(v)) != 0)
		goto out;
	if ((rc = ensure_room(v, 0, 1)) != 0 || (rc = txn_begin(v, 0, &txn)) != 0)
		goto out;
	if ((rc = keys_current(v, txn, &kfd)) != 0 || (rc = meta_u32(v, txn, "gen", &gen)) != 0 ||
	    (rc = meta_u32(v, txn, "nslots", &nslots)) != 0)
		goto out;
	/* Forgotten (and never used) slots stay zero in the new file. */
	if ((slots = calloc(nslots ? nslots : 1, SLOT)) == NULL) {
		rc = ENOMEM;
		goto out;
	}
	if ((rc = mdb_cursor_open(txn, v->persons, &cur)) != 0)
		goto out;
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		const uint8_t *id = k.mv_data;
		const uint8_t *b = d.mv_data;
		uint32_t slot;

		if (k.mv_size != JN_ID_LEN || d.mv_size < HDR) {
			rc = VT_ECORRUPT;
			goto out;
		}
		if (b[1] != VT_S_LIVE)
			continue;
		slot = be32_get(b + 4);
		if (slot >= nslots) {
			rc = VT_ECORRUPT;
			goto out;
		}
		if ((rc = case_key(v, &(keysrc){ kfd, NULL, 0 }, id, slot, ck)) != 0 ||
		    (rc = unseal(ck, id, &d, &p)) != 0)
			goto out;
		wrap(nwrap, id, slot, ck, slots + (size_t)slot * SLOT);
		for (i = VT_F_NAME; i <= VT_F_KANA; i++) {
			if (p.f[i] == NULL)
				continue;
			if (nbe == becap) {
				void *nv = realloc(be, (becap = becap ? 2 * becap : 256) * sizeof *be);
				if (nv == NULL) {
					rc = ENOMEM;
					goto out;
				}
				be = nv;
			}
			if (blind_hash(nblind, p.f[i], be[nbe].h) == 0) {
				memcpy(be[nbe].id, id, JN_ID_LEN);
				nbe++;
			}
		}
		vt_person_clear(&p);
		count++;
	}
	if (rc != MDB_NOTFOUND)
		goto out;
	mdb_cursor_close(cur);
	cur = NULL;
	/* The next generation's file, whole and synced before the commit that
	 * makes it the one in use. */
	if ((rc = keys_create(v, gen + 1, &nfd)) != 0)
		goto out;
	keys_path(v, gen + 1, newpath, sizeof newpath);
	if ((rc = pwrite_all(nfd, slots, (size_t)nslots * SLOT, KEYS_HDR)) != 0 ||
	    (rc = fd_sync(v, nfd)) != 0 || (rc = sync_dir(v)) != 0)
		goto out;
	/* The index, re-keyed: old entries are useless without the old key. */
	if ((rc = mdb_rc(mdb_drop(txn, v->blind, 0))) != 0)
		goto out;
	qsort(be, nbe, sizeof *be, bentry_cmp);
	for (i = 0; i < nbe; i++) {
		k = (MDB_val){ BLIND_LEN, be[i].h };
		d = (MDB_val){ JN_ID_LEN, be[i].id };
		rc = mdb_put(txn, v->blind, &k, &d, MDB_NODUPDATA);
		if (rc != 0 && rc != MDB_KEYEXIST)
			goto out;
	}
	if ((rc = meta_put(v, txn, "kcv", nkcv, 32)) != 0 || (rc = meta_put_u32(v, txn, "gen", gen + 1)) != 0)
		goto out;
	rc = txn_commit(v, txn);
	txn = NULL;
	if (rc != 0)
		goto out;
	committed = 1;
	/* From here the new key is the vault's. */
	pthread_mutex_lock(&v->lock);
	memcpy(v->wrapk, nwrap, sizeof nwrap);
	memcpy(v->blindk, nblind, sizeof nblind);
	memcpy(v->kcv, nkcv, sizeof nkcv);
	dup2(nfd, v->kfd);
	v->kgen = gen + 1;
	pthread_mutex_unlock(&v->lock);
	keys_path(v, gen, oldpath, sizeof oldpath);
	rc = shred(v, oldpath);
	if (np)
		*np = count;
out:
	mdb_cursor_close(cur);
	txn_abort(v, txn);
	if (nfd >= 0)
		close(nfd);
	if (rc != 0 && !committed && nfd >= 0)
		unlink(newpath);
	vt_person_clear(&p);
	if (slots) {
		sodium_memzero(slots, (size_t)(nslots ? nslots : 1) * SLOT);
		free(slots);
	}
	free(be);
	sodium_memzero(ck, sizeof ck);
	sodium_memzero(nwrap, sizeof nwrap);
	sodium_memzero(nblind, sizeof nblind);
	return rc;
}
