/*
 * import.c: `oyako import FILE...`: JSON Lines in, every event or none.
 *
 * All files go through one jn_write() transaction.  Every line is decoded
 * and appended (the journal validates each one against what came before it
 * in the same transaction); errors are reported as they are found and the
 * import goes on, so that one run names every bad line; at the end a single
 * error aborts the transaction and nothing is stored.
 *
 * jn_write() may call the import function again from the start after growing
 * the map, so inputs must be readable twice: standard input and other
 * inputs that cannot seek are first copied to an unlinked temporary file.
 * Lines are read through a fixed block buffer, so memory stays bounded
 * whatever the size of the input.
 *
 * With --jobs 2 and more (the default on a machine with two CPUs), a
 * decoder thread reads and decodes the lines while this one stores them,
 * through a bounded ring (see "The pipeline" below); --jobs 1 is the loop
 * of import_input() alone.  Both give the same messages in the same order,
 * the same counts and the same exit code.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jsonl.h"
#include "oyako.h"

#define BLOCK_SIZE (1u << 20)

/* --jobs: the pipeline has two stages; more jobs are accepted (scripts may
 * pass the CPU count) and change nothing. */
#define IMPORT_JOBS_MAX 8

/* What the import function returns when it wants the transaction aborted
 * without an error of the library: negative, outside the JN_E* range and
 * not an errno value. */
#define IMP_FAILED (-1)
#define IMP_DRYRUN (-2)

static const char import_usage[] =
    "usage: oyako import [-J DIR] [--restore] [--dry-run] [--jobs N] FILE...\n"
    "Imports JSON Lines (FILE '-' is standard input): every line is checked,\n"
    "every error reported as FILE:LINE: field 'F': reason, and either every event\n"
    "is stored or none.  Events stored already with the same content are skipped.\n"
    "  --restore   the input is an export: store it as it is (journal must be empty)\n"
    "  --dry-run   check everything, store nothing\n"
    "  --jobs N    1: decode and store on one core; 2 (default with 2 CPUs):\n"
    "              decode on one while the other stores (same results)\n"
    "Exit codes: 0 imported, 2 usage (or --restore into a journal with events),\n"
    "3 bad input, 4 only conflicts, 5 the restored chain does not verify, 6 I/O,\n"
    "7 no journal.  Nothing is stored unless the exit code is 0.\n";

typedef struct input {
	const char *name;	/* as given, "-" shown as "<stdin>" */
	FILE *f;
	int copied;		/* f is a temporary copy, closed by us */
	uint64_t size;
} input;

/* A line reader over a block buffer: lines that fit in a block come back
 * without copying; longer ones are assembled in line, up to JL_LINE_MAX. */
typedef struct reader {
	FILE *f;
	char *blk;
	size_t pos, len;
	jl_buf line;
	int eof;
	int partial;		/* bytes of an unfinished line were taken */
	int toolong;
} reader;

/* The pipeline's ring (see "The pipeline" below). */
typedef struct slot slot;
typedef struct ring {
	slot *slots;		/* RING_SLOTS, their buffers kept over runs */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t filled;	/* the store waits for a slot */
	pthread_cond_t freed;	/* the decoder waits for room */
	/* Under mu: */
	uint64_t prod, cons;	/* slots published by the decoder, released by the store */
	uint64_t bytes;		/* decoded bytes of the slots in between */
	int done, quit;		/* the decoder has ended; the store asks it to */
	int pwait, cwait;	/* the decoder, the store waits */
} ring;

typedef struct import {
	input *in;
	size_t nin;
	int restore, dryrun;
	reader rd;
	/* Lines are decoded one ahead of the append: ev[cur] is the line
	 * being decoded, ev[!cur] the one waiting to be stored (pending). */
	jl_event ev[2];
	int cur, pending;
	uint64_t pending_line;
	oy_progress prog;
	/* Counts of one run of import_fn(). */
	uint64_t lines, events, stored, dups, first, last;
	uint64_t nerr, ninput, nconflict, nchain, files_bad;
	uint64_t head;
	uint8_t head_hash[JN_HASH_LEN];
	/* Errors printed so far, over all runs: a rerun finds the same errors
	 * in the same order and prints only new ones. */
	uint64_t printed;
	int io_reported;	/* a failed input has been named already */
	unsigned jobs;		/* --jobs: 1 is the single-threaded loop */
	ring ring;
} import;

enum { ERR_INPUT, ERR_CONFLICT, ERR_CHAIN };

static void
reader_start(reader *r, FILE *f)
{
	r->f = f;
	r->pos = r->len = 0;
	r->line.n = 0;
	r->eof = r->partial = r->toolong = 0;
}

/* Takes n bytes into the assembled line, or marks it too long. */
static int
reader_take(reader *r, const char *p, size_t n)
{
	r->partial = 1;
	if (r->toolong)
		return 0;
	if (r->line.n + n > JL_LINE_MAX) {
		r->toolong = 1;
		r->line.n = 0;
		return 0;
	}
	if (jl_buf_reserve(&r->line, n) != 0)
		return ENOMEM;
	memcpy(r->line.p + r->line.n, p, n);
	r->line.n += n;
	return 0;
}

/* The next line, without its newline: returns 1 with *linep and *lenp set (both
 * valid until the next call; *toolongp set when the line was longer than
 * JL_LINE_MAX and skipped), 0 at the end, or -1 with errno set. */
static int
reader_next(reader *r, const char **linep, size_t *lenp, int *toolongp)
{
	char *nl;
	size_t n;

	for (;;) {
		if (r->pos == r->len) {
			if (!r->eof) {
				r->len = fread(r->blk, 1, BLOCK_SIZE, r->f);
				r->pos = 0;
				if (r->len == 0) {
					if (ferror(r->f))
						return -1;
					r->eof = 1;
				}
				continue;
			}
			if (!r->partial)
				return 0;
			break;	/* a last line without a newline */
		}
		nl = memchr(r->blk + r->pos, '\n', r->len - r->pos);
		if (nl == NULL) {
			if (reader_take(r, r->blk + r->pos, r->len - r->pos) != 0)
				return -1;
			r->pos = r->len;
			continue;
		}
		n = (size_t)(nl - (r->blk + r->pos));
		if (!r->partial) {
			*linep = r->blk + r->pos;
			*lenp = n;
			*toolongp = 0;
			r->pos += n + 1;
			return 1;
		}
		if (reader_take(r, r->blk + r->pos, n) != 0)
			return -1;
		r->pos += n + 1;
		break;
	}
	*linep = r->line.p ? r->line.p : "";
	*lenp = r->line.n;
	*toolongp = r->toolong;
	r->line.n = 0;
	r->partial = r->toolong = 0;
	return 1;
}

static int
blank(const char *p, size_t n)
{
	while (n--)
		if (!strchr(" \t\r", *p++))
			return 0;
	return 1;
}

/* Counts and, the first time it is found, prints one error. */
static void
report(import *im, const input *in, uint64_t lineno, int *file_bad, int kind,
    const jn_errinfo *err, int rc)
{
	char where[PATH_MAX + 32];

	im->nerr++;
	if (kind == ERR_INPUT)
		im->ninput++;
	else if (kind == ERR_CONFLICT)
		im->nconflict++;
	else
		im->nchain++;
	if (!*file_bad) {
		*file_bad = 1;
		im->files_bad++;
	}
	if (im->nerr <= im->printed)
		return;
	im->printed = im->nerr;
	oy_progress_end(&im->prog);
	snprintf(where, sizeof where, "%s:%llu", in->name, (unsigned long long)lineno);
	oy_field_error(where, err, rc);
}

/* Stores ev, line lineno of in, and reports its errors.  Returns 0 or an
 * error that ends the run. */
static int
store_event(import *im, jn_txn *txn, input *in, const jn_event *ev, uint64_t lineno,
    int *file_bad, int *stopped)
{
	uint64_t seq;
	int rc, stored;

	if (*stopped)
		return 0;	/* decode only: the transaction is done for */
	if (im->restore) {
		rc = jn_restore(txn, ev);
		if (rc == 0) {
			im->events++;
			im->stored++;
			if (im->first == 0)
				im->first = ev->seq;
			im->last = ev->seq;
		} else if (rc == JN_ECHAIN || rc == JN_EINVALID || rc == JN_ECONFLICT ||
		    rc == JN_EIDCLASH) {
			/* Nothing after a break can chain: check the rest's syntax only. */
			report(im, in, lineno, file_bad, rc == JN_ECHAIN ? ERR_CHAIN :
			    rc == JN_EINVALID ? ERR_INPUT : ERR_CONFLICT, jn_txn_error(txn), rc);
			*stopped = 1;
		} else {
			return rc;
		}
		return 0;
	}
	rc = jn_append(txn, ev, &seq, &stored);
	if (rc == 0) {
		im->events++;
		if (stored) {
			im->stored++;
			if (im->first == 0)
				im->first = seq;
			im->last = seq;
		} else {
			im->dups++;
		}
	} else if (rc == JN_EINVALID) {
		report(im, in, lineno, file_bad, ERR_INPUT, jn_txn_error(txn), rc);
	} else if (rc == JN_ECONFLICT || rc == JN_EIDCLASH) {
		report(im, in, lineno, file_bad, ERR_CONFLICT, jn_txn_error(txn), rc);
	} else {
		return rc;
	}
	return 0;
}

/* One input, in the transaction; returns 0 or an error that ends the run.
 * Each line is decoded while the one before waits: the append of that one
 * is told of this one (jn_append_prefetch()), whose lookups are then in the
 * cache when its turn comes. */
/* The error of a line longer than JL_LINE_MAX (skipped by the reader). */
static void
report_toolong(import *im, const input *in, uint64_t lineno, int *file_bad)
{
	jn_errinfo err;

	memset(&err, 0, sizeof err);
	snprintf(err.msg, sizeof err.msg, "line longer than %u bytes", JL_LINE_MAX);
	report(im, in, lineno, file_bad, ERR_INPUT, &err, JN_EINVALID);
}

/* Reports that in could not be read (what: "read") or rewound; returns rc. */
static int
input_failed(import *im, const input *in, const char *what, int rc)
{
	oy_progress_end(&im->prog);
	cli_error("cannot %s '%s': %s", what, in->name, strerror(rc));
	im->io_reported = 1;
	return rc;
}

/* Back to the start of in, for a run of the import: 0 or errno. */
static int
rewind_input(input *in)
{
	if (fseeko(in->f, 0, SEEK_SET) != 0)
		return errno ? errno : EIO;
	clearerr(in->f);
	return 0;
}

/* Stores the pending event, the line before the one just decoded, and
 * reports its errors: errors come out in line order. */
static int
store_pending(import *im, jn_txn *txn, input *in, int *file_bad, int *stopped)
{
	if (!im->pending)
		return 0;
	im->pending = 0;
	return store_event(im, txn, in, &im->ev[!im->cur].ev, im->pending_line, file_bad, stopped);
}

static int
import_input(import *im, jn_txn *txn, input *in, int *stopped)
{
	const char *line;
	jn_errinfo err;
	uint64_t lineno = 0;
	size_t len;
	int rc, drc, toolong, file_bad = 0;

	if ((rc = rewind_input(in)) != 0)
		return input_failed(im, in, "rewind", rc);
	reader_start(&im->rd, in->f);
	im->pending = 0;
	while ((rc = reader_next(&im->rd, &line, &len, &toolong)) == 1) {
		lineno++;
		if (toolong) {
			if ((rc = store_pending(im, txn, in, &file_bad, stopped)) != 0)
				return rc;
			report_toolong(im, in, lineno, &file_bad);
			continue;
		}
		if (blank(line, len))
			continue;
		im->lines++;
		drc = jl_decode(line, len, im->restore ? JL_RESTORE : 0, &im->ev[im->cur], &err);
		if (drc != 0 && drc != JN_EINVALID)
			return drc;
		if (drc == 0 && !*stopped && !im->restore)
			jn_append_prefetch(txn, &im->ev[im->cur].ev);
		/* The line before goes first: errors come out in line order. */
		if ((rc = store_pending(im, txn, in, &file_bad, stopped)) != 0)
			return rc;
		if (drc == JN_EINVALID) {
			report(im, in, lineno, &file_bad, ERR_INPUT, &err, drc);
		} else {
			im->pending = 1;
			im->pending_line = lineno;
			im->cur = !im->cur;
		}
		if ((im->lines & 4095) == 0)
			oy_progress_tick(&im->prog, "importing", im->lines, 0);
	}
	if (rc < 0)
		return input_failed(im, in, "read", errno ? errno : EIO);
	return store_pending(im, txn, in, &file_bad, stopped);
}

/*
 * The pipeline (--jobs 2 and more).  The decoder thread does what
 * import_input() does before it stores: rewinds each input, reads its
 * lines, decodes them (syntax, keys and values of specs/jsonl.md), and
 * puts each outcome in the next slot of a ring: an event, a bad line (its
 * error), a line too long, a failure to rewind or read, or the end.  This
 * thread takes the slots in order and does the rest: appends or restores
 * each event (the journal's checks need the transaction, which is this
 * thread's), counts and reports.  So the messages come out in line order,
 * as one thread gives them, and everything stays in the one transaction:
 * all or nothing as before.
 *
 * The ring holds RING_SLOTS decoded lines and at most RING_BYTES of
 * them beyond two, so memory stays bounded whatever the input; the two
 * sides lock it once per RING_BATCH slots, and a side waits only when the
 * ring is full or empty (each publishes its own progress first, so they
 * never both wait).  The store looks at the slot after the one it stores:
 * jn_append_prefetch() for it, as the single loop decodes a line ahead,
 * and a read failure there ends the run before this one is stored, as it
 * does in the single loop.
 */
enum { SL_EVENT, SL_BAD, SL_LONG, SL_END, SL_REWIND, SL_READ, SL_FATAL };

struct slot {
	int kind;
	int rc;			/* SL_REWIND, SL_READ: errno; SL_FATAL: jl_decode()'s */
	size_t input;		/* index into im->in */
	uint64_t lineno;
	uint64_t bytes;		/* the buffers of ev, counted in ring.bytes */
	jn_errinfo err;		/* SL_BAD */
	jl_event ev;		/* SL_EVENT */
};

#define RING_SLOTS 512
#define RING_BATCH 32
#define RING_BYTES (64u << 20)
#define SLOT_KEEP (1u << 20)	/* buffers larger than this are freed after use */

/* One side's view of the ring, kept without the lock between batches. */
typedef struct side {
	uint64_t mine;		/* slots filled (decoder) or taken (store) */
	uint64_t shown;		/* of them, published to the other side */
	uint64_t bytes;		/* their bytes not yet published */
	uint64_t other;		/* the other side's count, as last seen */
	uint64_t ring_bytes;	/* ring.bytes as last seen (decoder) */
} side;

/* Publishes the decoder's slots (under mu). */
static void
publish_filled(ring *r, side *d)
{
	r->prod = d->mine;
	r->bytes += d->bytes;
	d->bytes = 0;
	d->shown = d->mine;
	if (r->cwait)
		pthread_cond_signal(&r->filled);
	d->other = r->cons;
	d->ring_bytes = r->bytes;
}

/* Whether the decoder must wait, by what it knows of the ring. */
static int
ring_full(uint64_t filled, uint64_t cons, uint64_t bytes)
{
	return filled - cons >= RING_SLOTS || (bytes > RING_BYTES && filled - cons >= 2);
}

/* Whether a waiting decoder stays asleep: until half the ring is free, so
 * that it is woken once every RING_SLOTS / 2 lines, not once a batch (a
 * wake-up is a system call on the store's side, the import's bottleneck). */
static int
ring_high(uint64_t filled, uint64_t cons, uint64_t bytes)
{
	return filled - cons > RING_SLOTS / 2 || (bytes > RING_BYTES / 2 && filled - cons >= 2);
}

/* The decoder's next slot to fill, after waiting for room; NULL when the
 * store has asked it to stop. */
static slot *
ring_take(ring *r, side *d)
{
	int quit = 0;

	if (ring_full(d->mine, d->other, d->ring_bytes + d->bytes)) {
		pthread_mutex_lock(&r->mu);
		publish_filled(r, d);
		while (!r->quit && ring_high(d->mine, r->cons, r->bytes)) {
			r->pwait = 1;
			pthread_cond_wait(&r->freed, &r->mu);
			r->pwait = 0;
		}
		d->other = r->cons;
		d->ring_bytes = r->bytes;
		quit = r->quit;
		pthread_mutex_unlock(&r->mu);
	}
	return quit ? NULL : &r->slots[d->mine % RING_SLOTS];
}

/* Hands the slot of ring_take() over; 1 when the store has asked the
 * decoder to stop. */
static int
ring_put(ring *r, side *d, slot *sl, int kind, size_t ix, uint64_t lineno)
{
	int quit = 0;

	sl->kind = kind;
	sl->input = ix;
	sl->lineno = lineno;
	sl->bytes = sl->ev.text.cap + sl->ev.data.cap;
	d->mine++;
	d->bytes += sl->bytes;
	if (d->mine - d->shown >= RING_BATCH || kind >= SL_END) {
		pthread_mutex_lock(&r->mu);
		publish_filled(r, d);
		if (kind >= SL_END)
			r->done = 1;
		quit = r->quit;
		pthread_mutex_unlock(&r->mu);
	}
	return quit;
}

/* Ends the decoder's work with a slot of kind (SL_END or a failure). */
static void *
decoder_end(ring *r, side *d, int kind, int rc, size_t ix, uint64_t lineno)
{
	slot *sl;

	if ((sl = ring_take(r, d)) != NULL) {
		sl->rc = rc;
		ring_put(r, d, sl, kind, ix, lineno);
	}
	return NULL;
}

static void *
decoder(void *arg)
{
	import *im = arg;
	ring *r = &im->ring;
	side d;
	const char *line;
	uint64_t lineno;
	size_t i, len;
	int rc, toolong;

	memset(&d, 0, sizeof d);
	for (i = 0; i < im->nin; i++) {
		input *in = &im->in[i];

		if ((rc = rewind_input(in)) != 0)
			return decoder_end(r, &d, SL_REWIND, rc, i, 0);
		reader_start(&im->rd, in->f);
		lineno = 0;
		while ((rc = reader_next(&im->rd, &line, &len, &toolong)) == 1) {
			slot *sl;
			int kind = SL_LONG;

			lineno++;
			if (!toolong && blank(line, len))
				continue;
			if ((sl = ring_take(r, &d)) == NULL)
				return NULL;
			if (!toolong) {
				rc = jl_decode(line, len, im->restore ? JL_RESTORE : 0, &sl->ev, &sl->err);
				kind = rc == 0 ? SL_EVENT : rc == JN_EINVALID ? SL_BAD : SL_FATAL;
				sl->rc = rc;
			}
			if (ring_put(r, &d, sl, kind, i, lineno) || kind == SL_FATAL)
				return NULL;
		}
		if (rc < 0)
			return decoder_end(r, &d, SL_READ, errno ? errno : EIO, i, lineno);
	}
	return decoder_end(r, &d, SL_END, 0, im->nin, 0);
}

/* Publishes the slots the store is done with (under mu). */
static void
publish_taken(ring *r, side *c)
{
	r->cons = c->shown = c->mine;
	r->bytes -= c->bytes;
	c->bytes = 0;
	if (r->pwait && !ring_high(r->prod, r->cons, r->bytes))
		pthread_cond_signal(&r->freed);
}

/* Slot k for the store, after waiting for the decoder; NULL when the
 * decoder ended before it. */
static slot *
ring_peek(ring *r, side *c, uint64_t k)
{
	if (k >= c->other) {
		pthread_mutex_lock(&r->mu);
		publish_taken(r, c);
		while (r->prod <= k && !r->done) {
			r->cwait = 1;
			pthread_cond_wait(&r->filled, &r->mu);
			r->cwait = 0;
		}
		c->other = r->prod;
		pthread_mutex_unlock(&r->mu);
		if (k >= c->other)
			return NULL;
	}
	return &r->slots[k % RING_SLOTS];
}

/* The store is done with slot sl, the oldest it holds. */
static void
ring_done(ring *r, side *c, slot *sl)
{
	c->mine++;
	c->bytes += sl->bytes;
	/* A line of megabytes leaves its buffers behind: not 512 of them. */
	if (sl->ev.text.cap + sl->ev.data.cap > SLOT_KEEP)
		jl_event_free(&sl->ev);
	if (c->mine - c->shown >= RING_BATCH) {
		pthread_mutex_lock(&r->mu);
		publish_taken(r, c);
		pthread_mutex_unlock(&r->mu);
	}
}

/* What the store does with one slot, as import_input() does with a line;
 * next is the slot after it (NULL: none).  Returns 0 to go on, 1 at the
 * end, or an error that ends the run. */
static int
store_slot(import *im, jn_txn *txn, slot *sl, const slot *next, int *file_bad, int *stopped)
{
	input *in = &im->in[sl->input < im->nin ? sl->input : 0];
	int rc;

	switch (sl->kind) {
	case SL_END:
		return 1;
	case SL_REWIND:
		return input_failed(im, in, "rewind", sl->rc);
	case SL_READ:
		return input_failed(im, in, "read", sl->rc);
	case SL_FATAL:
		return sl->rc;
	case SL_LONG:
		report_toolong(im, in, sl->lineno, file_bad);
		return 0;
	default:
		break;
	}
	im->lines++;
	if (sl->kind == SL_BAD) {
		report(im, in, sl->lineno, file_bad, ERR_INPUT, &sl->err, JN_EINVALID);
	} else {
		/* The single loop meets a failure on the next line before it
		 * stores this one. */
		if (next && next->input == sl->input && (next->kind == SL_READ || next->kind == SL_FATAL))
			return store_slot(im, txn, (slot *)next, NULL, file_bad, stopped);
		if (next && next->kind == SL_EVENT && !*stopped && !im->restore)
			jn_append_prefetch(txn, &next->ev.ev);
		if ((rc = store_event(im, txn, in, &sl->ev.ev, sl->lineno, file_bad, stopped)) != 0)
			return rc;
	}
	if ((im->lines & 4095) == 0)
		oy_progress_tick(&im->prog, "importing", im->lines, 0);
	return 0;
}

/* The ring's slots and lock: 0 or ENOMEM. */
static int
ring_init(ring *r)
{
	if ((r->slots = calloc(RING_SLOTS, sizeof *r->slots)) == NULL)
		return ENOMEM;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->filled, NULL);
	pthread_cond_init(&r->freed, NULL);
	return 0;
}

/* Accepts a ring that ring_init() did not set up (slots NULL). */
static void
ring_free(ring *r)
{
	size_t i;

	if (r->slots == NULL)
		return;
	for (i = 0; i < RING_SLOTS; i++)
		jl_event_free(&r->slots[i].ev);
	free(r->slots);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->filled);
	pthread_cond_destroy(&r->freed);
	r->slots = NULL;
}

/* Stops the decoder (when it still runs) and waits for it. */
static void
ring_stop(ring *r)
{
	pthread_mutex_lock(&r->mu);
	r->quit = 1;
	pthread_cond_signal(&r->freed);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
}

/* All inputs through the pipeline, in the transaction: 0 or an error that
 * ends the run.  *startedp is 0 when the decoder thread cannot start: then
 * nothing is done, and the caller runs the single loop. */
static int
import_piped(import *im, jn_txn *txn, int *stopped, int *startedp)
{
	ring *r = &im->ring;
	side c;
	uint64_t k;
	size_t cur = SIZE_MAX;
	int rc = 0, file_bad = 0;

	r->prod = r->cons = r->bytes = 0;
	r->done = r->quit = r->pwait = r->cwait = 0;
	if ((*startedp = pthread_create(&r->thread, NULL, decoder, im) == 0) == 0)
		return 0;
	memset(&c, 0, sizeof c);
	for (k = 0; rc == 0; k++) {
		slot *sl = ring_peek(r, &c, k), *next;

		if (sl == NULL) {
			rc = EIO;	/* cannot be: the decoder ends with a slot that ends the run */
			break;
		}
		if (sl->input != cur) {
			cur = sl->input;
			file_bad = 0;
		}
		next = sl->kind == SL_EVENT ? ring_peek(r, &c, k + 1) : NULL;
		rc = store_slot(im, txn, sl, next, &file_bad, stopped);
		ring_done(r, &c, sl);
	}
	ring_stop(r);
	return rc == 1 ? 0 : rc;
}

static int
import_fn(jn_txn *txn, void *arg)
{
	import *im = arg;
	uint64_t head = 0;
	size_t i;
	int rc = 0, stopped = 0, piped = 0;

	im->lines = im->events = im->stored = im->dups = im->first = im->last = 0;
	im->nerr = im->ninput = im->nconflict = im->nchain = im->files_bad = 0;
	oy_progress_init(&im->prog);
	if (im->restore) {
		if ((rc = jn_head(txn, &head, im->head_hash)) != 0)
			return rc;
		if (head != 0)
			return JN_ENOTEMPTY;
	}
	if (im->jobs > 1)
		rc = import_piped(im, txn, &stopped, &piped);
	for (i = 0; !piped && rc == 0 && i < im->nin; i++)
		rc = import_input(im, txn, &im->in[i], &stopped);
	if (rc != 0)
		goto done;
	if (im->nerr) {
		rc = IMP_FAILED;
		goto done;
	}
	if ((rc = jn_head(txn, &im->head, im->head_hash)) != 0)
		goto done;
	rc = im->dryrun ? IMP_DRYRUN : 0;
done:
	oy_progress_end(&im->prog);
	return rc;
}

/* Copies f to an unlinked temporary file, so that it can be read again. */
static int
copy_to_temp(input *in)
{
	char *buf;
	FILE *t;
	size_t n;
	int rc = 0;

	if ((t = tmpfile()) == NULL) {
		rc = errno;
		cli_error("cannot create a temporary file for '%s': %s", in->name, strerror(rc));
		return rc;
	}
	if ((buf = malloc(BLOCK_SIZE)) == NULL) {
		fclose(t);
		cli_error("out of memory");
		return ENOMEM;
	}
	while ((n = fread(buf, 1, BLOCK_SIZE, in->f)) > 0) {
		if (fwrite(buf, 1, n, t) != n) {
			rc = errno ? errno : EIO;
			cli_error("cannot write a temporary copy of '%s': %s", in->name, strerror(rc));
			goto fail;
		}
		in->size += n;
	}
	if (ferror(in->f)) {
		rc = errno ? errno : EIO;
		cli_error("cannot read '%s': %s", in->name, strerror(rc));
		goto fail;
	}
	if (fflush(t) != 0) {
		rc = errno ? errno : EIO;
		cli_error("cannot write a temporary copy of '%s': %s", in->name, strerror(rc));
		goto fail;
	}
	free(buf);
	if (in->f != stdin)
		fclose(in->f);
	in->f = t;
	in->copied = 1;
	return 0;
fail:
	free(buf);
	fclose(t);
	return rc;
}

/* Opens every input before the transaction starts; returns an exit code. */
static int
open_inputs(import *im, char **names)
{
	struct stat st;
	size_t i;
	int stdin_seen = 0;

	for (i = 0; i < im->nin; i++) {
		input *in = &im->in[i];

		if (strcmp(names[i], "-") == 0) {
			if (stdin_seen++) {
				cli_error("standard input ('-') can be given once only");
				return EX_USAGE;
			}
			in->name = "<stdin>";
			in->f = stdin;
		} else {
			in->name = names[i];
			if ((in->f = fopen(names[i], "rb")) == NULL) {
				cli_error("cannot open '%s': %s", names[i], strerror(errno));
				return EX_IO;
			}
		}
		if (fstat(fileno(in->f), &st) == 0 && S_ISREG(st.st_mode) && in->f != stdin) {
			in->size = (uint64_t)st.st_size;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			cli_error("cannot read '%s': %s", in->name, strerror(EISDIR));
			return EX_IO;
		}
		/* Pipes, terminals and stdin cannot be read twice. */
		if (copy_to_temp(in) != 0)
			return EX_IO;
	}
	return EX_OK;
}

static void
close_inputs(import *im)
{
	size_t i;

	for (i = 0; i < im->nin; i++)
		if (im->in[i].f && im->in[i].f != stdin)
			fclose(im->in[i].f);
}

static int
finish(import *im, int rc, const char *path)
{
	char hex[2 * JN_HASH_LEN + 1];
	uint64_t files = im->files_bad;

	switch (rc) {
	case 0:
		if (im->restore) {
			jl_hex(im->head_hash, JN_HASH_LEN, hex);
			fprintf(stderr, "restored %llu events, head seq %llu, head hash %s\n",
			    (unsigned long long)im->stored, (unsigned long long)im->head, hex);
		} else if (im->stored) {
			fprintf(stderr, "imported %llu events (%llu already stored), seq %llu..%llu\n",
			    (unsigned long long)im->stored, (unsigned long long)im->dups,
			    (unsigned long long)im->first, (unsigned long long)im->last);
		} else {
			fprintf(stderr, "imported 0 events (%llu already stored)\n",
			    (unsigned long long)im->dups);
		}
		return EX_OK;
	case IMP_DRYRUN:
		fprintf(stderr, "checked %llu events: no errors (%llu new, %llu already stored); "
		    "nothing stored (dry run)\n", (unsigned long long)im->events,
		    (unsigned long long)im->stored, (unsigned long long)im->dups);
		return EX_OK;
	case IMP_FAILED:
		fprintf(stderr, "%s: nothing imported (%llu error%s in %llu file%s)\n", cli_progname,
		    (unsigned long long)im->nerr, im->nerr == 1 ? "" : "s",
		    (unsigned long long)files, files == 1 ? "" : "s");
		if (im->ninput)
			return EX_INPUT;
		return im->nchain ? EX_INTEGRITY : EX_CONFLICT;
	case JN_ENOTEMPTY:
		cli_error("journal '%s' holds events: --restore needs an empty journal", path);
		return EX_USAGE;
	default:
		if (im->io_reported)
			return EX_IO;
		cli_error("import into '%s' failed: %s; nothing imported", path, jn_strerror(rc));
		return cli_exit_code(rc);
	}
}

int
cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "journal", required_argument, NULL, 'J' },
		{ "restore", no_argument, NULL, 'r' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *jopt = NULL, *path;
	import im;
	jn_env *env = NULL;
	uint64_t total = 0;
	size_t i;
	int c, ex, rc;

	memset(&im, 0, sizeof im);
	im.jobs = cli_jobs_default(IMPORT_JOBS_MAX);
	while ((c = getopt_long(argc, argv, "J:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'J': jopt = optarg; break;
		case 'r': im.restore = 1; break;
		case 'n': im.dryrun = 1; break;
		case 'j':
			if (cli_parse_jobs(optarg, IMPORT_JOBS_MAX, &im.jobs) != 0)
				return oy_usage(import_usage, 0);
			break;
		case 'h': return oy_usage(import_usage, 1);
		default: return oy_usage(import_usage, 0);
		}
	}
	if (optind == argc) {
		cli_error("no input file given ('-' reads standard input)");
		return oy_usage(import_usage, 0);
	}
	im.nin = (size_t)(argc - optind);
	if ((im.in = calloc(im.nin, sizeof *im.in)) == NULL ||
	    (im.rd.blk = malloc(BLOCK_SIZE)) == NULL ||
	    (im.jobs > 1 && ring_init(&im.ring) != 0)) {
		cli_error("out of memory");
		ex = EX_IO;
		goto done;
	}
	path = oy_journal(jopt);
	if ((ex = cli_open(path, 0, &env)) != EX_OK)
		goto done;
	if ((ex = open_inputs(&im, argv + optind)) != EX_OK)
		goto env_close;
	for (i = 0; i < im.nin; i++)
		total += im.in[i].size;
	/* Growing the map mid-import means running it again: reserve room
	 * for the whole input up front (stored events take about 3x JSON). */
	if (!im.dryrun && total && (rc = jn_env_reserve(env, 3 * total)) != 0)
		cli_warn("cannot reserve room for the import: %s", jn_strerror(rc));
	rc = jn_write(env, import_fn, &im);
	ex = finish(&im, rc, path);
env_close:
	jn_env_close(env);
done:
	close_inputs(&im);
	jl_event_free(&im.ev[0]);
	jl_event_free(&im.ev[1]);
	ring_free(&im.ring);
	jl_buf_free(&im.rd.line);
	free(im.rd.blk);
	free(im.in);
	return ex;
}
