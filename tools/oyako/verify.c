/* verify.c: `oyako verify` and `oyako stats`, read-only views of the whole log. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "jsonl.h"
#include "oyako.h"

static const char verify_usage[] =
    "usage: oyako verify [-J DIR]\n"
    "Recomputes the hash of every event in seq order and checks every index\n"
    "against the log.  Prints \"verified N events, head seq S, head hash H\".\n"
    "Works on a read-only copy of a journal.\n"
    "Exit codes: 0 verified, 2 usage, 5 a fault (the first bad seq is named),\n"
    "6 I/O, 7 no journal.\n";

static const char stats_usage[] =
    "usage: oyako stats [-J DIR]\n"
    "Prints the number of events per type, the first and last occurred dates,\n"
    "the head seq and hash, the size on disk and the streams per kind.\n"
    "Exit codes: 0 ok, 2 usage, 5 corrupt journal, 6 I/O, 7 no journal.\n";

static void
verify_progress(uint64_t done, uint64_t total, void *arg)
{
	oy_progress_tick(arg, "verifying", done, total);
}

int
cmd_verify(int argc, char **argv)
{
	char hex[2 * JN_HASH_LEN + 1];
	const char *jopt = NULL, *path;
	jn_verify_report rep;
	oy_progress prog;
	jn_env *env = NULL;
	jn_txn *txn = NULL;
	uint64_t head = 0;
	uint8_t hash[JN_HASH_LEN];
	int ex, rc;

	if ((ex = oy_only_journal_opt(argc, argv, verify_usage, &jopt)) != -1)
		return ex;
	path = oy_journal(jopt);
	if ((ex = oy_open_read(path, &env, &txn)) != EX_OK)
		return ex;
	memset(&rep, 0, sizeof rep);
	oy_progress_init(&prog);
	rc = jn_verify(txn, &rep, verify_progress, &prog);
	oy_progress_end(&prog);
	if (rc == JN_ECORRUPT) {
		char where[48] = "";

		if (rep.bad_seq)
			snprintf(where, sizeof where, "seq %llu", (unsigned long long)rep.bad_seq);
		fprintf(stderr, "%s: error: verify failed%s%s%s%s%s: %s\n", cli_progname,
		    rep.bad_seq ? " at " : "", where,
		    rep.err.field[0] ? " (field '" : "", rep.err.field,
		    rep.err.field[0] ? "')" : "",
		    rep.err.msg[0] ? rep.err.msg : jn_strerror(rc));
		fprintf(stderr, "%s: %llu events verified before the fault\n", cli_progname,
		    (unsigned long long)(rep.bad_seq ? rep.bad_seq - 1 : rep.events));
		ex = EX_INTEGRITY;
		goto txn_abort;
	}
	if (rc != 0 || (rc = jn_head(txn, &head, hash)) != 0) {
		cli_error("cannot verify journal '%s': %s", path, jn_strerror(rc));
		ex = cli_exit_code(rc);
		goto txn_abort;
	}
	jl_hex(rep.head_hash, JN_HASH_LEN, hex);
	printf("verified %llu events, head seq %llu, head hash %s\n",
	    (unsigned long long)rep.events, (unsigned long long)head, hex);
	ex = EX_OK;
txn_abort:
	jn_txn_abort(txn);
	jn_env_close(env);
	return ex;
}

/* The stream kinds that stats counts, by the prefix of the stream name. */
static const char *const kinds[] = { "case", "room", "staff", "meeting", "checkup", "access" };
#define NKINDS (sizeof kinds / sizeof kinds[0])

static void
human_size(uint64_t bytes, char *out, size_t size)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, size, "%llu bytes", (unsigned long long)bytes);
	else
		snprintf(out, size, "%.1f %s (%llu bytes)", v, units[u], (unsigned long long)bytes);
}

/* Byte order of p[0..n) against the string t, a prefix first. */
static int
text_cmp(const char *p, size_t n, const char *t)
{
	size_t tn = strlen(t);
	int c = memcmp(p, t, n < tn ? n : tn);

	return c ? c : (n > tn) - (n < tn);
}

int
cmd_stats(int argc, char **argv)
{
	char hex[2 * JN_HASH_LEN + 1], size[64], first[32] = "", last[32] = "";
	const char *jopt = NULL, *path;
	uint64_t counts[JN_T_COUNT], streams[NKINDS + 1], events = 0, head = 0;
	uint64_t mapsize = 0, filesize = 0;
	uint8_t hash[JN_HASH_LEN];
	jn_env *env = NULL;
	jn_txn *txn = NULL;
	jn_iter *it = NULL;
	jn_event ev;
	size_t k, n;
	int ex, rc;

	if ((ex = oy_only_journal_opt(argc, argv, stats_usage, &jopt)) != -1)
		return ex;
	path = oy_journal(jopt);
	if ((ex = oy_open_read(path, &env, &txn)) != EX_OK)
		return ex;
	memset(counts, 0, sizeof counts);
	memset(streams, 0, sizeof streams);
	if ((rc = jn_head(txn, &head, hash)) != 0 ||
	    (rc = jn_env_size(env, &mapsize, &filesize)) != 0)
		goto fail;
	if (head && (rc = jn_iter_seq(txn, 1, 0, &it)) != 0)
		goto fail;
	while (head && (rc = jn_iter_next(it, &ev)) == 0) {
		events++;
		counts[ev.type_code < JN_T_COUNT ? ev.type_code : JN_T_UNKNOWN]++;
		/* occurred sorts as text: YYYY-MM-DD, then an optional time. */
		n = ev.occurred.n < sizeof first - 1 ? ev.occurred.n : sizeof first - 1;
		if (first[0] == '\0' || text_cmp(ev.occurred.p, n, first) < 0) {
			memcpy(first, ev.occurred.p, n);
			first[n] = '\0';
		}
		if (text_cmp(ev.occurred.p, n, last) > 0) {
			memcpy(last, ev.occurred.p, n);
			last[n] = '\0';
		}
		/* Version 1 opens a stream: count each stream once. */
		if (ev.version == 1) {
			for (k = 0; k < NKINDS; k++) {
				size_t kl = strlen(kinds[k]);

				if (ev.stream.n > kl && memcmp(ev.stream.p, kinds[k], kl) == 0 &&
				    ev.stream.p[kl] == ':')
					break;
			}
			streams[k]++;
		}
	}
	if (head && rc != JN_END)
		goto fail;
	jl_hex(hash, JN_HASH_LEN, hex);
	human_size(filesize, size, sizeof size);
	printf("journal         %s\n", path);
	printf("events          %llu\n", (unsigned long long)events);
	printf("head seq        %llu\n", (unsigned long long)head);
	printf("head hash       %s\n", hex);
	printf("first occurred  %s\n", first[0] ? first : "-");
	printf("last occurred   %s\n", last[0] ? last : "-");
	printf("size on disk    %s\n", size);
	printf("streams        ");
	for (k = 0; k < NKINDS; k++)
		printf(" %s %llu%s", kinds[k], (unsigned long long)streams[k], k + 1 < NKINDS ? "," : "");
	if (streams[NKINDS])
		printf(", other %llu", (unsigned long long)streams[NKINDS]);
	printf("\nevents by type\n");
	for (k = 1; k < JN_T_COUNT; k++)
		if (counts[k])
			printf("  %-22s %llu\n", jn_type_name((jn_type)k), (unsigned long long)counts[k]);
	if (counts[JN_T_UNKNOWN])
		printf("  %-22s %llu\n", "(unknown)", (unsigned long long)counts[JN_T_UNKNOWN]);
	ex = EX_OK;
	goto txn_abort;
fail:
	cli_error("cannot read journal '%s': %s", path, jn_strerror(rc));
	ex = cli_exit_code(rc);
txn_abort:
	jn_iter_close(it);
	jn_txn_abort(txn);
	jn_env_close(env);
	return ex;
}
