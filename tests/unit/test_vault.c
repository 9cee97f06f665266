/* test_vault.c: the vault (vault/vault.h): the normalisation table of
 * specs/vault.md, parsing person data, the sealed record format (round
 * trip, associated data, a changed byte), keys, find, forget, rotate. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "vault.h"

static void
norm_is(const char *in, const char *want)
{
	char out[256];
	size_t n = vt_normalize(in, strlen(in), out, sizeof out);

	assert_true(n != (size_t)-1);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void
test_normalize_table(void **state)
{
	norm_is("やまだ はなこ", "やまだはなこ");		/* ASCII space */
	norm_is("やまだ　はなこ", "やまだはなこ");		/* U+3000 */
	norm_is(" \tや\u00a0ま\u200bだ\n", "やまだ");		/* other spaces */
	norm_is("ヤマダ ハナコ", "やまだはなこ");		/* katakana -> hiragana */
	norm_is("ﾔﾏﾀﾞ ﾊﾅｺ", "やまだはなこ");			/* half-width, dakuten */
	norm_is("ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ", "ぱぴぷぺぽ");		/* handakuten */
	norm_is("ｶﾞｷﾞｸﾞｹﾞｺﾞｻﾞｼﾞｽﾞｾﾞｿﾞﾀﾞﾁﾞﾂﾞﾃﾞﾄﾞﾊﾞﾋﾞﾌﾞﾍﾞﾎﾞ",
	    "がぎぐげござじずぜぞだぢづでどばびぶべぼ");
	norm_is("ｳﾞｧｲｵﾘﾝ", "ゔぁいおりん");			/* ヴ */
	norm_is("ｷｬｯｼｭｰ", "きゃっしゅー");			/* small kana, long vowel */
	norm_is("ｦﾝ", "をん");
	norm_is("か\u3099は\u309a", "がぱ");			/* combining marks compose */
	norm_is("カ゛ハ゜", "がぱ");				/* spacing marks too */
	norm_is("ワ\u3099", "ヷ");				/* no hiragana for ヷ */
	norm_is("ヽヾゝ\u3099", "ゝゞゞ");
	norm_is("ア\u3099", "あ\u3099");			/* composes with nothing: kept */
	norm_is("ﾞア", "\u3099あ");				/* a mark first */
	norm_is("ＥＭＭＡ　Ｓｕｚｕｋｉ", "emmasuzuki");	/* full-width ASCII, case */
	norm_is("Emma Suzuki", "emmasuzuki");
	norm_is("Ａ１！～", "a1!~");
	norm_is("｢ｱ｣･､｡", "「あ」・、。");
	norm_is("山田 花子", "山田花子");			/* kanji stay */
	norm_is("髙橋", "髙橋");				/* no variant folding */
	norm_is("ÄÖ", "ÄÖ");					/* no case folding outside ASCII */
	norm_is("", "");
	norm_is("　 ", "");
}

static void
test_normalize_refuses(void **state)
{
	char out[8];

	assert_true(vt_normalize("\xff", 1, out, sizeof out) == (size_t)-1);	/* not UTF-8 */
	assert_true(vt_normalize("\xe3\x81", 2, out, sizeof out) == (size_t)-1);	/* cut */
	assert_true(vt_normalize("\xc0\xaf", 2, out, sizeof out) == (size_t)-1);	/* overlong */
	assert_true(vt_normalize("\xed\xa0\x80", 3, out, sizeof out) == (size_t)-1);	/* surrogate */
	assert_true(vt_normalize("a\0b", 3, out, sizeof out) == (size_t)-1);	/* NUL */
	assert_true(vt_normalize("あいう", 9, out, sizeof out) == (size_t)-1);	/* too small */
	assert_true(vt_normalize("あい", 6, out, sizeof out) == 6);
}

static void
test_patch_parse(void **state)
{
	vt_patch pa;
	vt_err err;
	const char *ok = "{\"name\":\"山田\",\"kana\":null,\"mother_birth_date\":\"2000-02-29\"}";

	assert_int_equal(vt_patch_parse(ok, strlen(ok), 0, &pa, &err), 0);
	assert_int_equal(pa.op[VT_F_NAME], VT_SET);
	assert_string_equal(pa.p.f[VT_F_NAME], "山田");
	assert_int_equal(pa.op[VT_F_KANA], VT_DEL);
	assert_int_equal(pa.op[VT_F_PHONE], VT_KEEP);
	assert_int_equal(pa.op[VT_F_MOTHER_BIRTH_DATE], VT_SET);
	vt_patch_clear(&pa);

#define BAD(text, skip, fld) do { \
	assert_int_equal(vt_patch_parse(text, strlen(text), skip, &pa, &err), VT_EINVALID); \
	assert_string_equal(err.field, fld); \
} while (0)
	BAD("{\"nick\":\"x\"}", 0, "nick");
	BAD("{\"case\":\"x\"}", 0, "case");			/* only import skips it */
	BAD("{\"mother_birth_date\":\"2001-02-29\"}", 0, "mother_birth_date");
	BAD("{\"mother_birth_date\":\"20010101\"}", 0, "mother_birth_date");
	BAD("{\"phone\":1}", 0, "phone");
	BAD("{\"phone\":[]}", 0, "phone");
	BAD("{\"name\":\"\"}", 0, "name");
	BAD("{\"name\":\"a\\u0000b\"}", 0, "");		/* jansson: not JSON */
	BAD("{\"name\":\"a\\nb\"}", 0, "name");			/* no line break in a name */
	BAD("[1]", 0, "");
	BAD("{\"name\":", 0, "");
	BAD("{\"a\":1,\"a\":2}", 0, "");
#undef BAD
	{
		const char *line = "{\"case\":\"x\",\"notes\":\"a\\nb\"}";
		assert_int_equal(vt_patch_parse(line, strlen(line), 1, &pa, &err), 0);
	}
	assert_string_equal(pa.p.f[VT_F_NOTES], "a\nb");
	vt_patch_clear(&pa);
}

static void
test_person_json(void **state)
{
	vt_person p = { { 0 } };
	char *s;

	p.f[VT_F_NOTES] = strdup("n\"1");
	p.f[VT_F_NAME] = strdup("花子");
	s = vt_person_json(&p);
	assert_string_equal(s, "{\"name\":\"花子\",\"notes\":\"n\\\"1\"}");	/* field order */
	free(s);
	vt_person_clear(&p);
	assert_null(p.f[VT_F_NAME]);
}

/* ---- on disk ---- */

static char dir[64];
static uint8_t key1[VT_KEY_LEN], key2[VT_KEY_LEN];
static const uint8_t ida[JN_ID_LEN] = { 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x41, 0x11, 0x81 };
static const uint8_t idb[JN_ID_LEN] = { 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x42, 0x22, 0x82 };

static int
setup(void **state)
{
	char path[128];

	snprintf(dir, sizeof dir, "/tmp/oyako-vt.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/k1", dir);
	if (vt_key_init(path) != 0 || vt_key_load(path, key1) != 0)
		return -1;
	snprintf(path, sizeof path, "%s/k2", dir);
	if (vt_key_init(path) != 0 || vt_key_load(path, key2) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
set1(vt_vault *v, const uint8_t id[JN_ID_LEN], const char *json)
{
	vt_patch pa;
	vt_err err;

	assert_int_equal(vt_patch_parse(json, strlen(json), 0, &pa, &err), 0);
	assert_int_equal(vt_set(v, (const uint8_t (*)[JN_ID_LEN])id, &pa, 1, NULL), 0);
	vt_patch_clear(&pa);
}

static void
get_is(vt_vault *v, const uint8_t id[JN_ID_LEN], const char *want)
{
	vt_person p = { { 0 } };
	char *s;

	assert_int_equal(vt_get(v, id, &p), 0);
	s = vt_person_json(&p);
	assert_string_equal(s, want);
	free(s);
	vt_person_clear(&p);
}

static void
test_key_files(void **state)
{
	char path[128];
	uint8_t k[VT_KEY_LEN];

	snprintf(path, sizeof path, "%s/k1", dir);
	assert_int_equal(vt_key_init(path), VT_EEXIST);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(vt_key_load(path, k), VT_EKEYMODE);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(vt_key_load(path, k), 0);
	assert_memory_equal(k, key1, sizeof k);
	assert_memory_not_equal(key1, key2, sizeof key1);
	snprintf(path, sizeof path, "%s/nosuch", dir);
	assert_int_equal(vt_key_load(path, k), ENOENT);
	assert_int_equal(vt_key_load(NULL, k), VT_ENOKEY);
	assert_int_equal(vt_key_load(dir, k), VT_EKEYFILE);
}

static void
test_round_trip_and_keys(void **state)
{
	vt_vault *v;
	vt_person p = { { 0 } };

	assert_int_equal(vt_open(dir, key1, VT_NOSYNC, &v), VT_ENOTFOUND);
	assert_int_equal(vt_open(dir, key1, VT_CREATE | VT_NOSYNC, &v), 0);
	assert_int_equal(vt_get(v, ida, &p), VT_ENOTFOUND);
	set1(v, ida, "{\"name\":\"山田 花子\",\"kana\":\"ヤマダ ハナコ\",\"phone\":\"1\"}");
	set1(v, ida, "{\"phone\":null,\"notes\":\"n\"}");
	get_is(v, ida, "{\"name\":\"山田 花子\",\"kana\":\"ヤマダ ハナコ\",\"notes\":\"n\"}");
	set1(v, idb, "{\"name\":\"佐藤\"}");
	vt_close(v);
	assert_int_equal(vt_open(dir, key2, VT_NOSYNC, &v), VT_EWRONGKEY);
	assert_int_equal(vt_open(dir, key1, 0, &v), 0);
	get_is(v, idb, "{\"name\":\"佐藤\"}");
	vt_close(v);
}

/* Raw LMDB: the persons value of id, changed by fn. */
static void
tamper(const uint8_t id[JN_ID_LEN], void (*fn)(MDB_val *v, MDB_val *k, void *arg), void *arg)
{
	char path[128];
	MDB_env *env;
	MDB_txn *t;
	MDB_dbi dbi;
	MDB_val k = { JN_ID_LEN, (void *)id }, v, nv;
	uint8_t buf[4096];

	snprintf(path, sizeof path, "%s/vault.mdb", dir);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 4), 0);
	assert_int_equal(mdb_env_set_mapsize(env, (size_t)64 << 20), 0);
	assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &t), 0);
	assert_int_equal(mdb_dbi_open(t, "persons", 0, &dbi), 0);
	assert_int_equal(mdb_get(t, dbi, &k, &v), 0);
	assert_true(v.mv_size <= sizeof buf);
	memcpy(buf, v.mv_data, v.mv_size);
	nv.mv_size = v.mv_size;
	nv.mv_data = buf;
	fn(&nv, &k, arg);
	assert_int_equal(mdb_put(t, dbi, &k, &nv, 0), 0);
	assert_int_equal(mdb_txn_commit(t), 0);
	mdb_env_close(env);
}

static void
flip(MDB_val *v, MDB_val *k, void *arg)
{
	size_t off = *(size_t *)arg;

	((uint8_t *)v->mv_data)[off % v->mv_size] ^= 1;
}

static void
move_to(MDB_val *v, MDB_val *k, void *arg)
{
	k->mv_data = arg;
}

static void
test_record_format(void **state)
{
	vt_vault *v;
	vt_person p = { { 0 } };
	size_t off;
	uint8_t idc[JN_ID_LEN] = { 0x33 };

	/* Header 8 + nonce 24 + 64-byte padded plaintext + tag 16. */
	for (off = 0; off < 8 + 24 + 64 + 16; off += 5) {
		if (off == 2 || off == 3)
			continue;	/* reserved bytes of the header */
		tamper(ida, flip, &off);
		assert_int_equal(vt_open(dir, key1, VT_NOSYNC, &v), 0);
		assert_int_equal(vt_get(v, ida, &p), VT_ECORRUPT);
		assert_null(p.f[VT_F_NAME]);
		vt_close(v);
		tamper(ida, flip, &off);	/* back */
	}
	/* The case id is the associated data: a record moved does not open. */
	tamper(ida, move_to, idc);
	assert_int_equal(vt_open(dir, key1, VT_NOSYNC, &v), 0);
	assert_int_equal(vt_get(v, idc, &p), VT_ECORRUPT);
	get_is(v, ida, "{\"name\":\"山田 花子\",\"kana\":\"ヤマダ ハナコ\",\"notes\":\"n\"}");
	vt_close(v);
}

/* The number of cases vt_find() gives for text. */
static size_t
found(vt_vault *v, const char *text)
{
	uint8_t (*ids)[JN_ID_LEN];
	size_t n;

	assert_int_equal(vt_find(v, text, &ids, &n), 0);
	if (n)
		assert_memory_equal(ids[0], ida, JN_ID_LEN);
	free(ids);
	return n;
}

static void
test_find(void **state)
{
	vt_vault *v;

	assert_int_equal(vt_open(dir, key1, VT_NOSYNC, &v), 0);
	assert_int_equal(found(v, "ﾔﾏﾀﾞﾊﾅｺ"), 1);
	assert_int_equal(found(v, "山田　花子"), 1);
	assert_int_equal(found(v, "山田"), 0);
	/* A changed name leaves the index: the old one finds nothing. */
	set1(v, ida, "{\"kana\":\"やまだ はる\"}");
	assert_int_equal(found(v, "やまだはなこ"), 0);
	assert_int_equal(found(v, "ヤマダハル"), 1);
	vt_close(v);
}

static void
test_forget_and_rotate(void **state)
{
	vt_vault *v;
	vt_vault *v2;
	vt_person p = { { 0 } };
	uint8_t (*ids)[JN_ID_LEN];
	size_t n;
	int st;

	assert_int_equal(vt_open(dir, key1, VT_CREATE | VT_NOSYNC, &v), 0);
	assert_int_equal(vt_forget_finish(v, ida), EINVAL);	/* begin first */
	assert_int_equal(vt_forget_begin(v, ida), 0);
	assert_int_equal(vt_state(v, ida, &st), 0);
	assert_int_equal(st, VT_S_FORGETTING);
	assert_int_equal(vt_get(v, ida, &p), VT_EFORGOTTEN);
	assert_int_equal(vt_find(v, "山田花子", &ids, &n), 0);
	assert_int_equal(n, 0);
	free(ids);
	assert_int_equal(vt_forget_finish(v, ida), 0);
	assert_int_equal(vt_forget_finish(v, ida), 0);		/* again: nothing to do */
	assert_int_equal(vt_forget_begin(v, ida), 0);
	assert_int_equal(vt_state(v, ida, &st), 0);
	assert_int_equal(st, VT_S_FORGOTTEN);
	{
		vt_patch pa;
		vt_err err;
		size_t bad = 9;
		const uint8_t two[2][JN_ID_LEN] = { { 0x44 }, { 0 } };
		uint8_t both[2][JN_ID_LEN];
		vt_patch pas[2];

		memcpy(both[0], two[0], JN_ID_LEN);
		memcpy(both[1], ida, JN_ID_LEN);
		assert_int_equal(vt_patch_parse("{\"name\":\"x\"}", 12, 0, &pa, &err), 0);
		pas[0] = pas[1] = pa;
		/* All or nothing: the first case is not stored either. */
		assert_int_equal(vt_set(v, (const uint8_t (*)[JN_ID_LEN])both, pas, 2, &bad), VT_EFORGOTTEN);
		assert_int_equal(bad, 1);
		assert_int_equal(vt_get(v, two[0], &p), VT_ENOTFOUND);
		vt_patch_clear(&pa);
	}
	/* A damaged record (test_record_format's move) stops a rotation;
	 * forgetting that case lets it go on. */
	{
		const uint8_t idc[JN_ID_LEN] = { 0x33 };
		assert_int_equal(vt_rotate(v, key2, &n), VT_ECORRUPT);
		assert_int_equal(vt_forget_begin(v, idc), 0);
		assert_int_equal(vt_forget_finish(v, idc), 0);
	}
	/* Rotation: the other case survives, under the new key only. */
	assert_int_equal(vt_rotate(v, key1, &n), VT_ESAMEKEY);
	assert_int_equal(vt_rotate(v, key2, &n), 0);
	assert_int_equal(n, 1);
	get_is(v, idb, "{\"name\":\"佐藤\"}");
	assert_int_equal(vt_find(v, "佐藤", &ids, &n), 0);
	assert_int_equal(n, 1);
	free(ids);
	vt_close(v);
	assert_int_equal(vt_open(dir, key1, VT_NOSYNC, &v2), VT_EWRONGKEY);
	assert_int_equal(vt_open(dir, key2, VT_NOSYNC, &v2), 0);
	assert_int_equal(vt_get(v2, ida, &p), VT_EFORGOTTEN);
	get_is(v2, idb, "{\"name\":\"佐藤\"}");
	vt_close(v2);
	{
		char path[128];
		snprintf(path, sizeof path, "%s/vault.keys.1", dir);
		assert_int_equal(access(path, F_OK), -1);	/* shredded and removed */
		snprintf(path, sizeof path, "%s/vault.keys.2", dir);
		assert_int_equal(access(path, F_OK), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_table),
		cmocka_unit_test(test_normalize_refuses),
		cmocka_unit_test(test_patch_parse),
		cmocka_unit_test(test_person_json),
		cmocka_unit_test(test_key_files),
		cmocka_unit_test(test_round_trip_and_keys),
		cmocka_unit_test(test_record_format),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_forget_and_rotate),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
