/*
 * store/journal.h - the node's journal of accepted envelopes (SQLite, WAL,
 * synchronous=FULL) with group commit on one journal thread.
 *
 * Every node has one journal holding every envelope it accepted (its own
 * and its partners'), in accept order. Each record gets a local journal
 * position `pos` (1, 2, 3, ... with no holes) at append time. Records are
 * identified by (origin, seq): appending one that is already journaled or
 * still pending commit fails with -MW_EREPLAY.
 *
 * Threads: the caller (the daemon's event loop) appends, reads and drains;
 * a private journal thread takes everything queued at that moment and
 * commits it as ONE transaction (group commit), then signals notify_fd.
 * The loop then calls store_journal_drain(), which runs its callback in
 * the loop's own thread for every peer whose received cursor became
 * durable, so acks can be sent. The journal thread never calls user code.
 *
 * All functions are safe to call from any thread other than the journal
 * thread itself (they take an internal mutex); none of them blocks on
 * disk I/O except store_journal_open/_free/_sync/_retain/_read (reading
 * committed rows reads the file, normally from the page cache).
 *
 * The full design, format and invariants are in the header comment of
 * store/journal.c; operations in docs/operations.md ("Journal").
 */
#ifndef MW_STORE_JOURNAL_H
#define MW_STORE_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/log.h"

/* Origin and peer names: nation codes, 1..15 chars of [A-Za-z0-9_-]. */
#define STORE_NAME_MAX 16
/* Releasability set as text: comma-separated nation codes, "JPN,ROK,USA",
 * at most STORE_RELEASE_MAX-1 chars. The journal stores it verbatim. */
#define STORE_RELEASE_MAX 256
/* Peers whose cursors the journal keeps (configured + seen). */
#define STORE_PEERS_MAX 64

/* Record flags. */
#define STORE_F_EXERCISE 0x1u

/*
 * One journal record. For store_journal_append the caller fills every
 * field except pos and durable (ignored); bytes/len are copied. For reads
 * the journal fills it; bytes is valid only during the callback.
 */
struct store_rec {
	uint64_t pos;                    /* local journal position (read only) */
	char origin[STORE_NAME_MAX];     /* origin nation */
	uint64_t seq;                    /* per-origin sequence, 1..INT64_MAX */
	uint32_t kind;                   /* envelope kind (wire's enum; opaque here) */
	uint32_t flags;                  /* STORE_F_EXERCISE */
	char release[STORE_RELEASE_MAX]; /* releasability set, "JPN,ROK,USA" */
	int64_t data_ns;                 /* data time, ns since the epoch */
	int64_t accept_ns;               /* accept time; 0 on append = now */
	char from_peer[STORE_NAME_MAX];  /* received from this peer; "" = made here */
	uint64_t from_pos;               /* that peer's (sender's) journal pos; 0 if local */
	const uint8_t *bytes;            /* exact envelope bytes as received/made */
	size_t len;                      /* 1..opts.max_record_bytes */
	bool durable;                    /* read only: committed to disk */
};

/* Open-time verification depth. */
enum store_check_level {
	STORE_CHECK_QUICK = 0, /* PRAGMA quick_check + our invariants over metadata */
	STORE_CHECK_FULL,      /* PRAGMA integrity_check + invariants + SHA-256 of every row */
};

struct store_journal_opts {
	const char *path;        /* SQLite file; created if absent */
	struct mw_log *log;      /* may be NULL; must outlive the journal */
	size_t queue_max;        /* max records appended but not committed; 0 = 65536 */
	size_t queue_max_bytes;  /* max bytes of those; 0 = 64 MiB */
	size_t max_record_bytes; /* larger appends -> -EMSGSIZE; 0 = 64 KiB */
	size_t group_max;        /* max records per transaction; 0 = 8192 */
	size_t index_max;        /* max (origin, seq) keys held (journal + pending);
	                            0 = 4M. Full -> append -ENOBUFS. */
	bool hash_rows;          /* store SHA-256 of each row's bytes, re-check on read */
	enum store_check_level check;
	/* Retention (0 = no limit). The soft limits delete the oldest records
	 * only up to the lowest acked cursor of the peers below; the hard
	 * limits delete regardless (logged at WARN, counted). */
	int64_t retain_age_ns;
	uint64_t retain_bytes; /* sum of envelope bytes kept */
	int64_t hard_age_ns;
	uint64_t hard_bytes;
	int64_t retain_interval_ns; /* how often the journal thread applies retention
	                               by itself; 0 = only on store_journal_retain() */
	/* Peers whose acks protect records from soft retention. NULL/0 = every
	 * peer in the journal's peer table. */
	const char *const *peers;
	size_t n_peers;
	/* Cap on the database size in pages of 4096 bytes (PRAGMA
	 * max_page_count); 0 = none. Reaching it behaves like a full disk
	 * (-ENOSPC, records stay queued and are retried). */
	uint32_t max_db_pages;
	/* WAL frames (pages) after which the checkpoint thread checkpoints
	 * beside the commits; at twice that the journal thread checkpoints
	 * itself between commits (a bound on the WAL), after a pass of the
	 * checkpoint thread that is running, whose end it waits for only when
	 * the next commit would pass the WAL's preallocated end (64 frames
	 * more; journal.c invariant 11).
	 * 0 = 1000 (SQLite's autocheckpoint size). */
	unsigned ckpt_pages;
	/* Write the WAL file out with zeros at open, to the size it reaches
	 * between checkpoints (twice ckpt_pages frames and 64), so that commits
	 * overwrite blocks already allocated: an fdatasync that also extends
	 * the file has to commit the file system's metadata too. Costs that
	 * many MiB of disk (8 by default) and a write at open; the zeros are
	 * never valid frames, so SQLite's recovery stops at them. */
	bool wal_prealloc;
	/* SQLite page size of a NEW journal in bytes: a power of two from 512
	 * to 65536; 0 = 8192. An existing file keeps the size it was created
	 * with. For measurements (docs/benchmarks.md, "Pages per commit"). */
	unsigned page_size;
	/* After a checkpoint that copied the whole WAL, the journal thread
	 * restarts the WAL while idle with a small commit of its own, so that
	 * no commit of records pays the restart's second fsync (journal.c,
	 * invariant 15). true leaves the restart to the next commit of
	 * records, as before: for measurements (docs/benchmarks.md). */
	bool no_idle_restart;
	/* The journal and checkpoint threads run this many steps below the
	 * priority of the thread that opens the journal (real-time priorities
	 * under SCHED_FIFO / SCHED_RR, nice values otherwise), so that the
	 * loop preempts them; 0 = the same (default). For measurements
	 * (docs/benchmarks.md, "The receiver's commit"): a loop that never
	 * blocks starves a journal below it under SCHED_FIFO. */
	unsigned thread_deprio;
	/* SQLite VFS to use (NULL = the default); tests register a fault-
	 * injecting VFS (failed fsyncs, simulated power loss). */
	const char *vfs;
};

struct store_journal;

/*
 * Open (or create) the journal, verify it (opts->check), rebuild the
 * in-memory duplicate index and start the journal thread. Errors:
 * -EINVAL (bad opts), -EBUSY (another process has it open), -MW_EJOURNAL
 * (corrupt, inconsistent or not a journal: err names the file and what
 * was wrong), -ENOSPC, -EIO, -EACCES, -ENOMEM. err (may be NULL) is
 * filled on failure.
 */
int store_journal_open(const struct store_journal_opts *opts, struct store_journal **out,
                       struct mw_errbuf *err);

/*
 * What store_journal_open would find at path, without opening or creating
 * anything (`mwlinkd --check`): 0 if a file exists at path and no process
 * holds it as its journal, -ENOENT if there is no file at path (open would
 * create one), -EBUSY if a process holds it (the flock on PATH-lock; a
 * running node), another -errno. err (may be NULL) names the file when
 * the result is not 0 or -ENOENT. The database itself is never opened
 * (see "One process writes a journal", journal.c); the probe takes and
 * drops a shared flock on PATH-lock, if that file exists, for an instant:
 * a store_journal_open in another process at that instant gets -EBUSY.
 */
int store_journal_probe(const char *path, struct mw_errbuf *err);

/*
 * Stop the journal thread after one last attempt to commit what is
 * queued (records that still cannot be committed are logged as lost:
 * they were never durable, so this node never acknowledged them; own
 * records may already be at partners, as after a crash), close. NULL is
 * a no-op.
 */
void store_journal_free(struct store_journal *j);

/*
 * Queue one record; assigns and returns its pos (pos_out may be NULL).
 * The record is readable at once (store_journal_read with pending) and
 * durable after a later commit. Errors (nothing queued):
 *   -MW_EREPLAY  (origin, seq) already journaled or pending, or at or below
 *                the origin's retention floor (deleted by retention)
 *   -ENOBUFS     queue (records or bytes) or duplicate index full; counted
 *   -EMSGSIZE    len 0 or above max_record_bytes
 *   -EINVAL      bad name, seq 0 or > INT64_MAX, from_pos > INT64_MAX
 *   -MW_EJOURNAL, -EIO  the journal hit a fatal error and stopped committing:
 *                corruption found while writing, or a failed fsync (never
 *                retried: the kernel may have dropped the data). Restart the
 *                node; open re-reads and verifies what is really on disk.
 * A record received from a peer (from_peer set) also advances that peer's
 * rx cursor to from_pos in the same transaction.
 */
int store_journal_append(struct store_journal *j, const struct store_rec *rec, uint64_t *pos_out);

/*
 * Record that sender pos `from_pos` of `peer` was received and handled
 * without being journaled (a duplicate, or dropped as not released to
 * us), so the cursor advances and the sender stops resending. Queued
 * like an append: it becomes durable in the same FIFO order, so it is
 * never durable before an earlier copy of the same envelope.
 * Errors: -EINVAL, -ENOBUFS, -MW_EJOURNAL.
 */
int store_journal_note_rx(struct store_journal *j, const char *peer, uint64_t from_pos);

/*
 * Plugging (loop thread). Between store_journal_plug() and the matching
 * store_journal_unplug(), appends and rx notes do not wake an idle journal
 * thread; unplug wakes it if anything was queued meanwhile. A loop plugs
 * around a burst it handles at once (the frames of one read, the records
 * of one signed batch) so that the burst is committed as one group,
 * instead of its first record alone and the rest behind that commit.
 * Only the wake-up moves: nothing becomes durable earlier or in another
 * order, and a journal thread that is already busy takes whatever is
 * queued when its commit ends, plugged or not. Calls nest.
 */
void store_journal_plug(struct store_journal *j);
void store_journal_unplug(struct store_journal *j);

/* eventfd (EFD_NONBLOCK) readable after each commit or commit error; owned by the journal. */
int store_journal_notify_fd(const struct store_journal *j);

/* Highest pos committed to disk (all pos <= it are durable). */
uint64_t store_journal_durable_pos(struct store_journal *j);

/* Highest pos assigned so far (durable or pending); 0 if none. */
uint64_t store_journal_last_pos(struct store_journal *j);

/*
 * Called by the loop when notify_fd is readable (harmless at any other
 * time): clears the notification, stores the durable pos in *durable_pos
 * (may be NULL) and calls fn(ud, peer, rx_pos) once for each peer whose
 * DURABLE rx cursor advanced since the previous drain - ack that peer
 * through rx_pos. fn runs in the caller's thread and may call journal
 * functions. Returns the number of fn calls, or the journal's sticky
 * fatal error (-MW_EJOURNAL, -EIO after a failed fsync) - a transient
 * commit error (-ENOSPC, other I/O errors) is retried by the journal
 * thread and shown in stats.last_err.
 * Each advance is reported once. A link that (re)connects must ack from
 * store_journal_peer_rx() rather than wait for a report: a commit that
 * completed while it was down was already reported.
 */
typedef void (*store_rx_durable_fn)(void *ud, const char *peer, uint64_t rx_pos);
int store_journal_drain(struct store_journal *j, uint64_t *durable_pos, store_rx_durable_fn fn,
                        void *ud);

/*
 * Read records in journal order starting at from_pos (records deleted by
 * retention are skipped: the first record delivered may have a larger
 * pos). flags: STORE_READ_PENDING also delivers records not yet durable
 * (fusion does; a link must not, except the node's own records whose seq
 * is at or below the durable reservation, store_journal_seq_reserved(): a
 * crash before commit loses the record and its pos is assigned again to
 * another one after restart; a peer's ack of the old pos is never written
 * ahead of the committed records, so the link resumes at or before the
 * new record, and a reserved seq is never used again, so the peer cannot
 * take the new record for a duplicate of the old). Calls fn for up to max_recs
 * records (0 = no limit); fn returns 0 to go on, >0 to stop after this
 * record, <0 to stop and make read return that value. fn must not call
 * store_journal_read (it may append). *next_pos (may be NULL) is the pos
 * to pass next time. Returns the number of records delivered, or
 * -MW_EJOURNAL (a row failed its SHA-256 / length check: named in the log),
 * -EIO, or fn's negative value.
 */
#define STORE_READ_PENDING 0x1u
/* A row that fails its SHA-256 / length check is skipped instead of
 * ending the read: it is counted (stats read_errors) and logged at ERROR
 * naming pos, origin and seq, and *next_pos moves past it. For links
 * (docs/operations.md "Corrupt journal rows"): one damaged record must
 * not stall every record behind it. */
#define STORE_READ_SKIP_BAD 0x2u
typedef int (*store_read_fn)(void *ud, const struct store_rec *rec);
int store_journal_read(struct store_journal *j, uint64_t from_pos, unsigned flags, size_t max_recs,
                       store_read_fn fn, void *ud, uint64_t *next_pos);

/* Durable rx cursor of peer: highest sender pos received from it and
 * committed (0 if none). For the Hello on (re)connect. -ENOENT if the
 * peer is unknown (*rx_pos then untouched), -EINVAL bad name. */
int store_journal_peer_rx(struct store_journal *j, const char *peer, uint64_t *rx_pos);

/* The highest own pos peer has acknowledged (get: -ENOENT if unknown).
 * Set is lazy: the value is written with the next commit, after 1 s
 * idle, or at free; losing it only causes resends. Set never moves the
 * cursor backwards (a lower value is ignored) and refuses a pos this
 * journal never assigned (-ERANGE: a peer cannot ack what we never had). */
int store_journal_peer_acked(struct store_journal *j, const char *peer, uint64_t *acked_pos);
int store_journal_set_peer_acked(struct store_journal *j, const char *peer, uint64_t acked_pos);

/* Highest seq journaled (or pending, or deleted by retention) for origin;
 * -ENOENT if none (*seq untouched). Lets a node resume its own seq after
 * restart. */
int store_journal_origin_max_seq(struct store_journal *j, const char *origin, uint64_t *seq);

/*
 * Durable reservation of the node's own sequence numbers, so that its own
 * records can be sent before their commit (docs/protocol.md, "Own
 * envelopes before their commit"). reserve_seq(upto) asks for seqs up to
 * `upto` to be recorded as used (meta 'seq_reserved'); the journal thread
 * writes it with the next transaction, starting one if nothing else is
 * queued. seq_reserved() is the value a committed transaction wrote (0 if
 * none): an own record whose seq is at or below it may leave the node
 * before its own commit, because after a crash the node resumes its
 * sequence above the reservation and never reuses such a seq. Lower
 * values than asked before are ignored. reserve_seq errors: -EINVAL
 * (upto > INT64_MAX), the sticky fatal error.
 */
int store_journal_reserve_seq(struct store_journal *j, uint64_t upto);
uint64_t store_journal_seq_reserved(struct store_journal *j);

/* Block until every record appended before the call is durable, or the
 * journal reports an error (returned: -ENOSPC, -EIO, -MW_EJOURNAL), or
 * timeout_ns passes (-ETIMEDOUT; <= 0 waits forever). A journal that has
 * stopped (sticky -EIO / -MW_EJOURNAL) returns that error even with nothing
 * pending. Not for the loop. */
int store_journal_sync(struct store_journal *j, int64_t timeout_ns);

/* Apply retention now as of time now_ns (0 = the wall clock), in the
 * journal thread; blocks until done. Returns records deleted or <0. */
int64_t store_journal_retain(struct store_journal *j, int64_t now_ns);

/* Commit latency histogram: bucket i counts commits with latency in
 * [2^i, 2^(i+1)) microseconds (bucket 0 also holds < 1 us). */
#define STORE_LAT_BUCKETS 24

/* A journal event with its CLOCK_MONOTONIC begin and end (ns). */
enum store_event_kind {
	STORE_EV_CHECKPOINT = 1, /* a checkpoint (either thread) */
	STORE_EV_WAL_RESTART,    /* a commit of records that restarted the WAL (two fsyncs) */
	STORE_EV_IDLE_RESTART,   /* the journal thread's idle restart (no records waited) */
};
#define STORE_EVENTS 64
struct store_journal_event {
	int64_t start_mono, end_mono;
	int kind; /* enum store_event_kind */
};

struct store_journal_stats {
	/* appends */
	uint64_t appends;    /* records accepted into the queue */
	uint64_t duplicates; /* -MW_EREPLAY: already journaled or pending */
	uint64_t stale;      /* -MW_EREPLAY: at or below the origin's retention floor */
	uint64_t queue_full; /* -ENOBUFS: queue records/bytes or index full */
	uint64_t rx_notes;   /* store_journal_note_rx calls queued */
	/* commits */
	uint64_t commits; /* transactions committed */
	uint64_t committed_records;
	uint64_t group_max;       /* largest group committed */
	uint64_t commit_errors;   /* failed transactions (retried) */
	uint64_t enospc;          /* of which SQLITE_FULL / disk full */
	uint64_t commit_ns_total; /* sum of BEGIN..COMMIT wall time */
	uint64_t commit_ns_max;
	uint64_t commit_lat_us_hist[STORE_LAT_BUCKETS];
	uint64_t commit_cpu_ns_total; /* journal thread CPU time in BEGIN..COMMIT (thread clock) */
	uint64_t commit_pages;        /* database pages the commits wrote to the WAL (SQLite's
	                               * SQLITE_DBSTATUS_CACHE_WRITE; per commit: / commits) */
	int last_err;                 /* last commit error (0 after a success) */
	/* queue */
	uint64_t queue_len; /* records appended, not yet durable */
	uint64_t queue_bytes;
	uint64_t queue_hwm; /* high-water mark of queue_len */
	/* contents */
	uint64_t first_pos; /* lowest pos still stored (retention); next_pos if empty */
	uint64_t durable_pos;
	uint64_t last_pos;
	uint64_t rows;  /* committed records stored */
	uint64_t bytes; /* sum of their envelope bytes */
	uint64_t index_keys;
	uint64_t index_slots; /* its table: grows at 1/2 full, halves at 1/8 */
	/* retention and reading */
	uint64_t retained_deleted; /* records deleted by retention */
	uint64_t retained_forced;  /* of which deleted by a hard limit though not acked */
	uint64_t retain_blocked;   /* retention passes held back by a peer's cursor */
	uint64_t read_errors;      /* rows failing their length/SHA-256 check on read */
	/* checkpoints (checkpoint thread, or journal thread between commits) */
	uint64_t checkpoints;
	uint64_t checkpoints_inline; /* of which on the journal thread, commits waiting */
	/* passes that left part of the WAL uncopied: readers held older
	 * frames, or a commit landed while the pass copied (then SQLite skips
	 * the database file's fsync and reports only the frames it saw, which
	 * the next pass shows; invariant 11 in journal.c) */
	uint64_t checkpoints_partial;
	uint64_t checkpoint_errors;
	uint64_t checkpoint_ns_total;
	uint64_t checkpoint_ns_max;
	uint64_t wal_prealloc_bytes; /* zeros written ahead in the WAL at open (wal_prealloc) */
	/* commits that restarted the WAL at its start (the first commit after a
	 * checkpoint copied all of it): SQLite writes and fsyncs the new WAL
	 * header before the commit's frames, so such a commit waits for two
	 * fsyncs (docs/benchmarks.md, "Latency round (session 7)") */
	uint64_t wal_restarts;
	/* restarts the journal thread made itself while idle, right after a
	 * checkpoint copied the whole WAL, so that the next commit of records
	 * does not (invariant 15 in journal.c) */
	uint64_t wal_restarts_idle;
	/* idle restart commits that did not restart the WAL: a reader was
	 * using it (SQLite then appends), or it was not wholly copied. Before
	 * session 8 an overtaken checkpoint pass caused 2-22 per bench-link
	 * two-node run (docs/benchmarks.md, "Checkpoint passes") */
	uint64_t wal_restarts_idle_missed;
	/* frames in the WAL after the last commit (the journal thread's
	 * checkpoint requests and its forced checkpoints compare this with
	 * ckpt_pages) */
	uint64_t wal_frames;
	/* the last STORE_EVENTS checkpoints and WAL-restarting commits, oldest
	 * first from events[events_total % STORE_EVENTS] once it wrapped
	 * (benchmarks: which commits a checkpoint or a restart overlapped) */
	uint64_t events_total;
	struct store_journal_event events[STORE_EVENTS];
	/* the last committed group (latency tracing: benchmarks); CLOCK_MONOTONIC ns */
	int64_t last_commit_start_mono; /* BEGIN */
	int64_t last_commit_end_mono;   /* COMMIT returned */
	uint64_t last_commit_first_pos; /* its records' positions; 0 if it had none */
	uint64_t last_commit_last_pos;
	/* duplicate index probes (hash flooding, docs/security.md): slots an
	 * add walked past its home slot; since open, cumulative */
	uint64_t idx_probe_max;   /* longest */
	uint64_t idx_probes;      /* sum over adds (mean = idx_probes / adds) */
	uint64_t idx_long_probes; /* adds that walked more than the limit (1024) */
	uint64_t idx_rehashes;    /* rehashes those triggered (grow or new key) */
};

void store_journal_get_stats(struct store_journal *j, struct store_journal_stats *out);

/* Latency (us, bucket upper bound) below which a fraction q of commits fell; 0 if none. */
uint64_t store_journal_lat_quantile_us(const struct store_journal_stats *st, double q);

/* True if nation appears in the comma-separated releasability set. */
bool store_release_includes(const char *release, const char *nation);

/* --- offline verification (mwlink journal check) --- */

#define STORE_CHECK_ORIGINS_MAX 256
#define STORE_CHECK_GAPS_SHOWN  8

struct store_check_origin {
	char origin[STORE_NAME_MAX];
	uint64_t rows;
	uint64_t seq_min, seq_max;
	uint64_t missing;                        /* seqs in [min, max] absent (gaps) */
	uint64_t gap_lo[STORE_CHECK_GAPS_SHOWN]; /* first gaps as [lo, hi] ranges */
	uint64_t gap_hi[STORE_CHECK_GAPS_SHOWN];
	size_t n_gaps;  /* gap ranges in total */
	uint64_t floor; /* retention floor seq */
};

struct store_check_peer {
	char peer[STORE_NAME_MAX];
	uint64_t rx, acked;
};

struct store_check_report {
	uint64_t rows, bytes, file_bytes, wal_bytes;
	uint64_t pos_min, pos_max, next_pos;
	int format_version;
	struct store_check_origin origins[STORE_CHECK_ORIGINS_MAX];
	size_t n_origins;
	bool origins_truncated;
	struct store_check_peer peers[STORE_PEERS_MAX];
	size_t n_peers;
	bool sqlite_ok;          /* PRAGMA integrity_check said "ok" */
	bool hashed;             /* rows carry SHA-256 */
	uint64_t hash_bad;       /* rows whose bytes fail their SHA-256 */
	uint64_t len_bad;        /* rows whose stored length differs */
	uint64_t pos_gaps;       /* holes in pos between pos_min and pos_max */
	uint64_t dup_keys;       /* (origin, seq) pairs seen twice */
	uint64_t problems;       /* total of all the above failures */
	char first_problem[512]; /* names the first problem found */
};

/*
 * Verify a journal file read-only (it may be in use by a running node):
 * SQLite integrity_check, schema, our invariants, every row's length and
 * SHA-256. Fills *rep (report->problems counts failures). Returns 0 if the
 * file could be examined (even with problems), -ENOENT, or -MW_EJOURNAL
 * if it is not a journal at all (err says why).
 */
int store_journal_check(const char *path, struct store_check_report *rep, struct mw_errbuf *err);

/*
 * Read every record of a journal file from from_pos on, in journal order,
 * read-only (the node may be running), checking each row's length and
 * SHA-256; fn as for store_journal_read. For tools and tests that compare
 * journals (`mwlink journal dump`). Returns the number of records
 * delivered, or -ENOENT, -MW_EJOURNAL (not a journal, or a damaged row:
 * err names it), or fn's negative value.
 */
int store_journal_dump_file(const char *path, uint64_t from_pos, store_read_fn fn, void *ud,
                            struct mw_errbuf *err);

#endif
