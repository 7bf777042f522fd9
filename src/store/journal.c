/*
 * store/journal.c - the node's journal: every accepted envelope, in
 * accept order, on SQLite (WAL, synchronous=FULL), written by one journal
 * thread with group commit.
 *
 * What it is for
 * --------------
 * A node acknowledges an envelope only once it is on disk (DESIGN.md
 * invariant 2), applies each (origin, seq) at most once (invariant 1) and
 * must resume every link after kill -9 from persisted cursors. The journal
 * gives the link layer three things: a durable, ordered log of envelopes
 * with their exact bytes; a duplicate check on (origin, seq) that covers
 * both committed and still-queued records; and per-peer cursors (rx: what
 * a peer sent us; acked: what a peer confirmed from us).
 *
 * How it works
 * ------------
 *   loop thread                            journal thread
 *   -----------                            --------------
 *   append(rec) -- mutex --> [queue: pos assigned, key in index]
 *   read(PENDING) sees queued records          |
 *                                           take ALL queued (<= group_max)
 *                                           segments of batches (format 4)
 *                                           BEGIN IMMEDIATE
 *                                             INSERT env x n, seg x m
 *                                             UPSERT peer.rx (rx notes only)
 *                                             UPSERT peer.acked (if dirty)
 *                                             UPSERT meta seq_reserved (if asked)
 *                                               + UPDATE meta next_pos
 *                                           COMMIT  (fsync of the WAL)
 *                                           durable_pos = last pos of group
 *                                           WAL >= ckpt_pages? wake -------+
 *                                                                          v
 *                                                      checkpoint thread (own
 *                                                      connection): PASSIVE
 *   drain() <------- eventfd --------------  write(eventfd, 1)
 *   acks sent for peers whose durable rx advanced
 *
 * Appends only take a mutex, copy the record and assign the next pos; the
 * disk work happens on the journal thread, which commits whatever piled
 * up while the previous fsync ran, so the number of fsyncs per second
 * stays bounded however many records arrive (group commit). The first
 * append to an idle journal wakes the thread, unless the loop has
 * plugged the journal (store_journal_plug) around a burst it handles at
 * once - the frames of one read, the records of one signed batch - and
 * then the unplug wakes it: the burst is one group, not its first record
 * committed alone with the rest waiting behind that commit. Plugging
 * moves only the wake-up; a busy thread takes whatever is queued. A group is
 * inserted 16 rows per INSERT statement, and queued records live in blocks
 * recycled through a bounded pool, not one malloc each. Queued items
 * are either records or "rx notes" (a peer's frame handled without being
 * journaled: duplicate or not released to us); both advance that peer's
 * rx cursor in the transaction that commits them, in FIFO order, so a
 * cursor never becomes durable before the records it covers.
 *
 * A failed transaction (SQLITE_FULL -> -ENOSPC, I/O error -> -EIO) is
 * rolled back and the same items, with the same pos, are retried after a
 * back-off (10 ms doubling to 1 s); nothing is dropped and nothing already
 * committed is touched. Two failures are fatal instead: corruption found
 * while committing (SQLITE_CORRUPT, SQLITE_NOTADB, a constraint our index
 * should have prevented) and a failed fsync (invariant 9). The journal
 * then stops committing and every later append, drain and sync returns
 * -MW_EJOURNAL or -EIO respectively.
 *
 * One process writes a journal: open takes an exclusive flock on a
 * sidecar file PATH-lock, never on the database itself. Closing any
 * descriptor of the database drops every POSIX lock the process holds on
 * it, SQLite's included, so a refused second open in the same process must
 * never have opened (and closed) the database: the running journal would
 * lose its locks and another process could take the database over (switch
 * it out of WAL mode, delete the WAL it commits to). The database file is
 * created 0600 by an O_EXCL open that can only succeed if it did not exist.
 * store_journal_check and store_journal_dump_file read it without the lock.
 *
 * Reads walk committed rows through a second connection (WAL readers do
 * not block the writer) and then, with STORE_READ_PENDING, the in-memory
 * queue; a record committed between the two steps is found in SQLite on
 * the next turn, so the reader sees every pos exactly once and in order.
 *
 * Retention deletes the oldest rows (lowest pos) while a soft limit (age
 * of accept time, sum of envelope bytes) is exceeded and the row is at or
 * below every protecting peer's acked cursor, or while a hard limit is
 * exceeded (then also unacked rows: logged at WARN and counted). For each
 * origin it keeps the highest deleted seq as a "floor": an append at or
 * below the floor is refused as -MW_EREPLAY (stale), so an old envelope
 * replayed after its row was deleted is still never applied twice. The
 * cost: an envelope of an origin that arrives later than the retention
 * age behind a newer one of the same origin is refused; the retention age
 * is hours to days, far beyond any delivery delay that still matters.
 *
 * File format (SQLite 3 database, WAL, page size 8192; 4096 in journals
 * created before 2026-11-30, which keep it)
 * ---------------------------------------------------
 *   PRAGMA application_id = 0x4D574A4C ("MWJL"); PRAGMA user_version = 5.
 *   (Format 5 is format 4 with two changes that take pages out of every
 *   commit: env has no UNIQUE(origin, seq) index - the in-memory index,
 *   rebuilt from every row at open, enforces invariant 2 and open refuses
 *   a file with a key stored twice - and meta next_pos is only a lower
 *   bound (invariant 14), written when the meta page is written anyway;
 *   likewise peer.rx (invariant 4): a receiver's commit of records writes
 *   only env pages.
 *   A read-write open migrates 2, 3 and 4 to 5 in one transaction
 *   (setup_writer; a migrated file keeps its index); a file of a format
 *   above 5 is refused at open, before anything is written, with "written
 *   by a newer mwlink".
 *   Format 1 hashed only pos, seq, len, origin and the bytes; it is not
 *   read: its flags and release columns were not protected. Format 2 is
 *   format 3 with every sha256 32 bytes long. Format 3 is format 4
 *   without env.seg, env.leaf and the seg table: every row holds its whole
 *   envelope. Both are read; a read-write open migrates them to 4 in one
 *   transaction (ALTER TABLE env ADD COLUMN seg, leaf; CREATE TABLE seg;
 *   user_version = 5) before writing anything, so that a build reading
 *   only 2 or 3 refuses the file instead of taking a compact row's body
 *   for its envelope. Old rows stay as they are. The read-only check and
 *   dump leave the file at its format.)
 *
 *   meta(key TEXT PRIMARY KEY, val INTEGER NOT NULL) WITHOUT ROWID
 *     'next_pos'   format 5: at most the next pos to assign (invariant 14);
 *                  the next pos is max(next_pos, highest env pos + 1).
 *                  Formats 2-4: exactly that, written by every commit
 *     'first_pos'  lowest pos not deleted by retention
 *     'seq_reserved' highest own sequence number the node has reserved
 *                  (store_journal_reserve_seq); absent = 0. Written with
 *                  the group that follows the request, never lowered.
 *
 *   env(                                 one row per journaled envelope
 *     pos       INTEGER PRIMARY KEY,     local journal position, 1, 2, ...
 *     origin    TEXT NOT NULL,           origin nation, [A-Za-z0-9_-]{1,15}
 *     seq       INTEGER NOT NULL,        per-origin seq, 1..2^63-1
 *     kind      INTEGER NOT NULL,        envelope kind (wire's enum)
 *     flags     INTEGER NOT NULL,        bit 0: exercise
 *     release   TEXT NOT NULL,           releasability, "JPN,ROK,USA"
 *     data_ns   INTEGER NOT NULL,        data time, ns since the epoch
 *     accept_ns INTEGER NOT NULL,        accept time, ns since the epoch
 *     from_peer TEXT NOT NULL,           peer it came from, '' = made here
 *     from_pos  INTEGER NOT NULL,        that peer's journal pos, 0 if local
 *     len       INTEGER NOT NULL,        byte length of `bytes`
 *     sha256    BLOB,                    NULL, 16 or 32 bytes (see below)
 *     bytes     BLOB NOT NULL,           the envelope exactly as received, or
 *                                        (seg not NULL) only its body
 *     seg       INTEGER,                 NULL, or the segment holding the rest
 *     leaf      INTEGER)                 the body's leaf index in its batch
 *     (files migrated from formats 2-4 keep their UNIQUE(origin, seq))
 *
 *   seg(pos INTEGER PRIMARY KEY,         pos of the segment's first row
 *       last_pos INTEGER NOT NULL,       pos of its last row
 *       data BLOB NOT NULL)              see "Batch segments" below
 *
 *   peer(peer TEXT PRIMARY KEY, rx INTEGER NOT NULL, acked INTEGER NOT NULL)
 *     WITHOUT ROWID
 *     rx     highest sender pos received from the peer and committed;
 *            format 5: a lower bound, the peer's rx is the larger of it
 *            and the highest from_pos of env rows from the peer (a
 *            commit writes it only for an rx note, which has no row;
 *            retention writes every peer's before it deletes rows)
 *     acked  highest own pos the peer has acknowledged (written lazily)
 *
 *   origin_floor(origin TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID
 *     highest seq of the origin deleted by retention
 *
 *   sha256, when present, is SHA-256 over this byte string (integers
 *   big-endian, signed ones as their two's-complement bits):
 *     bytes 0..3   "MWJ2"
 *     bytes 4..11  pos, 64-bit
 *     bytes 12..19 seq, 64-bit
 *     bytes 20..27 len, 64-bit
 *     bytes 28..31 kind, 32-bit
 *     bytes 32..35 flags, 32-bit
 *     bytes 36..43 data_ns, 64-bit
 *     bytes 44..51 accept_ns, 64-bit
 *     bytes 52..59 from_pos, 64-bit
 *     then         origin, one 0x00 byte, from_peer, one 0x00 byte,
 *                  release, one 0x00 byte (characters, no terminators)
 *     then         the len envelope bytes
 *   Format 3 rows store its first 16 bytes (SHA-256 truncated to 128
 *   bits, NIST SP 800-107 rev. 1 section 5.1), rows written as format 2
 *   all 32; a reader compares as many bytes as are stored and treats any
 *   other length as a mismatch. The hash is unkeyed: it finds damage (a
 *   flipped bit, a torn or misplaced page), not a writer with access to
 *   the file, so 128 bits lose nothing: a damaged row passes with
 *   probability 2^-128. 16 bytes less per row (docs/benchmarks.md,
 *   "Bytes per record").
 *   It binds the envelope bytes to their pos and identity, and covers
 *   every column a consumer acts on: a flipped exercise bit (flags) or a
 *   widened releasability set is caught like a flipped byte of the body.
 *   For a compact row it is the hash of the envelope rebuilt from the
 *   body and the segment, so damage to either is caught the same way.
 *
 * Batch segments (format 4)
 * -------------------------
 * The envelopes of one signed batch (docs/protocol.md section 4) carry the
 * same signature and Merkle root, and their inclusion proofs share most
 * nodes: a batch of 1024 puts 64 + 32 bytes of signature and root and ten
 * 32-byte proof entries in each of its ~735-byte envelopes, though the
 * whole tree has only about two nodes per leaf. When a commit group holds
 * two or more records of one batch in the canonical Envelope encoding
 * (wire_envelope_split: exactly what wire_envelope_encode produces; any
 * other encoding, a batch of one or bytes that are no envelope are stored
 * whole, and so is every record of a group of fewer than J_SEG_MIN_GROUP
 * items: there a seg row would add a page to the commit and save none),
 * the journal thread stores each such record's body in `bytes`
 * and its leaf index in `leaf`, and once, in a seg row, the batch's
 * signature, root, leaf count and the union of the records' proof nodes,
 * each under its tree position (wire_merkle_proof_keys):
 *
 *   offset         size  field
 *   0              1     segment format, 1
 *   1              64    Ed25519 signature of the batch
 *   65             32    Merkle root
 *   97             4     leaf count, big-endian
 *   101 + 36 k     4     node k's key: level << 16 | index within the level,
 *                        big-endian; strictly increasing in k
 *   105 + 36 k     32    node k's hash
 *
 * A read rebuilds the envelope with wire_envelope_join from the body and
 * the proof entries looked up by key (binary search), byte for byte the
 * bytes appended (split accepts only what join reproduces), and checks
 * it against len and the row's SHA-256 like any row. A segment holds the
 * records of one group only, at most J_SEG_MAX_RECS of them; J_SEG_OPEN
 * batches can be filled at once (interleaved origins), more close the
 * least recently used. Repeated nodes are dropped as they come (records
 * in leaf order repeat only the previous record's) and after sorting
 * (any order). Two records that disagree on a node (impossible
 * for envelopes that verified) make the whole segment's records whole.
 * Readers keep the last J_SEG_CACHE segments fetched, so reading in pos
 * order fetches each segment once, interleaved batches included. Retention deletes a segment in the
 * transaction that deletes its last row (last_pos <= the cut).
 * About 2 x 36 bytes per record instead of ~450 (docs/benchmarks.md,
 * "Bytes per record").
 *
 * Invariants
 * ----------
 *  1. pos values in env are exactly first_pos .. next_pos-1 with no
 *     hole, and pos order is accept order.
 *  2. (origin, seq) is unique over env and the queue together; the
 *     in-memory index holds exactly the keys of env plus the queue.
 *  3. durable_pos only advances after COMMIT has returned SQLITE_OK;
 *     every record with pos <= durable_pos is committed.
 *  4. A peer's rx advances in the same transaction as the records (and
 *     rx notes) that carry it; the value drain reports is durable. In
 *     format 5 a record carries it in its own row (from_peer, from_pos;
 *     open and check take max(peer.rx, the rows' highest from_pos)), an
 *     rx note by peer.rx, and retention writes peer.rx (the committed
 *     value) in the transaction that deletes rows. peer.acked is never
 *     written above the highest pos the same transaction leaves
 *     committed (a peer may ack a pending pos).
 *  5. Queued items leave the queue only after their transaction commits;
 *     a failed transaction leaves the queue as it was (same items, same
 *     pos) and is retried.
 *  6. Soft retention never deletes a row above the lowest acked cursor of
 *     the protecting peers; only a hard limit does, and it logs and counts.
 *  7. The journal thread never calls user code and never takes the
 *     reader mutex; lock order is reader mutex, then state mutex.
 *  8. Every SQL statement is prepared once, at open.
 *  9. A failed fsync - of a record group, a retention pass or a checkpoint - is
 *     never retried (after one, Linux may report a
 *     later fsync as successful for pages it dropped): the journal stops
 *     committing (sticky -EIO) and the node must restart, which re-reads
 *     what is really on disk. Corruption found while committing stops
 *     it the same way (sticky -MW_EJOURNAL).
 * 10. store_journal_seq_reserved() reports a reservation only after the
 *     transaction that wrote it has committed, and the value on disk never
 *     goes down: after any crash the node restarts its own sequence above
 *     every seq it may have sent before the crash (net/node.c).
 * 11. COMMIT never runs a WAL checkpoint (SQLite's autocheckpoint is
 *     replaced by a wal hook). Once the WAL holds ckpt_pages frames after
 *     a commit, the checkpoint thread runs a PASSIVE checkpoint on its
 *     own connection while the journal thread goes on committing; once it
 *     holds twice that (a checkpoint cannot catch up with back-to-back
 *     commits), the journal thread checkpoints itself between two commits,
 *     after that thread's pass if one runs (waiting for it only once the
 *     next commit - as large as the last, or as the records queued fill
 *     at half a page each, and 3 pages more - could pass the WAL's
 *     preallocated end, J_WAL_SLACK frames more: wal_end_near, checked
 *     after each commit and before each group), so the
 *     WAL stays bounded. (Without a
 *     checkpoint thread, the journal thread checkpoints when nothing is
 *     queued.) A pass of the checkpoint thread is taken for a whole
 *     checkpoint only once the next pass finds nothing more to copy: a
 *     commit landing during a pass makes SQLite stop at the frames the
 *     pass saw (no fsync of the database file) and still report them all
 *     copied (run_checkpoint). With synchronous=FULL, WAL mode and
 *     journal_size_limit unchanged, a crash at any point leaves what a
 *     COMMIT returned in the WAL or the database file, as before: SQLite
 *     copies only frames a COMMIT has synced, and moves its backfill mark
 *     to the WAL's end (which lets a later commit restart the WAL) only
 *     after the database file's fsync.
 * 12. With opts->wal_prealloc the WAL file is extended with zeros at open
 *     to the size it reaches between checkpoints, so a COMMIT overwrites
 *     allocated blocks and its fdatasync does not also commit file-system
 *     metadata for a longer file. Only bytes past the file's end are
 *     written (no frame is touched) and a zero frame never passes the
 *     WAL's salt and checksum test, so recovery stops there as it stops
 *     at the stale frames of an earlier cycle; durability is unchanged.
 * 13. A row with seg not NULL has a seg row with pos = seg that holds
 *     every proof node its leaf needs, written in the same transaction,
 *     and deleted only with the segment's last row; reads give back
 *     exactly the bytes appended for every row, whole or compact.
 * 14. (format 5) first_pos <= meta next_pos <= the next pos to assign,
 *     which open takes as max(meta next_pos, highest env pos + 1): a
 *     commit group's rows carry their own end, so the meta row is written
 *     only with a seq reservation, by retention (which also writes
 *     first_pos, and whose next_pos = durable_pos + 1 covers every row it
 *     leaves, so a journal emptied by retention keeps its end) and by the
 *     idle WAL restart (invariant 15, the same durable_pos + 1). A file
 *     whose rows end below meta next_pos, or begin above first_pos, has
 *     lost rows and is refused at open.
 * 15. A commit of records does not restart the WAL when the journal can
 *     do it beforehand: after a checkpoint copied the whole WAL (as
 *     confirmed, invariant 11, with no commit since its look) and with
 *     nothing queued, the journal thread commits meta next_pos =
 *     durable_pos + 1 (a lower bound, invariant 14) by itself, and that
 *     commit pays SQLite's header write and fsync of the restarted WAL
 *     (restart_wal; unless opts->no_idle_restart). It touches no record,
 *     cursor or queued item, and fails like any commit (invariant 9).
 */
#include "store/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "core/buf.h"
#include "core/siphash.h"
#include "core/time.h"
#include "wire/envelope.h"
#include "wire/frame.h"
#include "wire/merkle.h"
#include "wire/sign.h"

#define J_APP_ID         0x4D574A4C /* "MWJL" */
#define J_FORMAT         5          /* written by this build; 2, 3 and 4 are read and migrated */
#define J_FORMAT_OLDEST  2
#define J_ORIGINS_MAX    1024
#define J_READ_BATCH     256
#define J_PEND_BATCH     64
#define J_RETAIN_CHUNK   2048
#define J_SHA_LEN        32                /* SHA-256 digest */
#define J_SHA_STORED     16                /* its first 16 bytes, stored in format 3 rows */
#define J_ACKED_LAZY_NS  (1 * MW_NS_PER_S) /* idle delay before writing acked cursors */
#define J_BACKOFF_MIN_NS (10 * MW_NS_PER_MS)
#define J_BACKOFF_MAX_NS (1 * MW_NS_PER_S)
/* Queue items whose record fits J_POOL_DATA bytes are recycled through a
 * free list of at most queue_max blocks instead of a malloc/free per
 * record: freeing a whole commit group at once let malloc trim its heap,
 * and the next group faulted the same pages in again. The list keeps at
 * most what the queue once held at its deepest (it was min(group_max,
 * queue_max): a loaded origin queues 40,000 records behind a commit, so
 * most blocks were still malloc'ed by the loop thread under mu and freed
 * by the journal thread, ~5 % of the loop thread's CPU in page faults). */
#define J_POOL_DATA  1024
#define J_PAGE_SIZE  8192u /* SQLite page size of a new journal (bytes), opts->page_size */
#define J_INS_ROWS   16    /* rows per multi-row INSERT (13 parameters each) */
#define J_CKPT_PAGES 1000  /* default ckpt_pages: SQLite's own autocheckpoint size */
#define J_CKPT_FORCE 2     /* checkpoint even with records waiting at this many times it */
/* WAL frames preallocated past J_CKPT_FORCE x ckpt_pages (wal_prealloc):
 * commits go on into them while a pass of the checkpoint thread runs */
#define J_WAL_SLACK 64
/* Batch segments (format 4, header comment): at most J_SEG_MAX_RECS
 * records share one, J_SEG_OPEN batches are filled at once while a group
 * is walked (more interleaved batches close the least recently used). */
#define J_SEG_MAX_RECS 512
/* A group of fewer items stores every record whole: under light load a
 * commit writes a page of each table it touches however few its rows, so
 * a seg row would add a page and save none (latency matters there, bytes
 * under load, when groups are thousands of records). */
#define J_SEG_MIN_GROUP 64
#define J_SEG_OPEN      4
#define J_SEG_CACHE     (2 * J_SEG_OPEN) /* segments a reader keeps (interleaved batches) */
#define J_SEG_VERSION   1
#define J_SEG_HDR       (1 + WIRE_SIG_LEN + WIRE_HASH_LEN + 4)
#define J_SEG_NODE      (4 + WIRE_HASH_LEN)
#define J_SEG_NODES     (J_SEG_MAX_RECS * WIRE_MERKLE_MAX_DEPTH)
#define J_SEG_BLOB_MAX  (J_SEG_HDR + (size_t)J_SEG_NODES * J_SEG_NODE)

static const char MOD[] = "store";

/* ------------------------------------------------------------------ */
/* names                                                              */

static bool name_ok(const char *s)
{
	if (!s)
		return false;
	size_t n = 0;
	for (; s[n]; n++) {
		char c = s[n];
		if (n >= STORE_NAME_MAX - 1)
			return false;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return n > 0;
}

bool store_release_includes(const char *release, const char *nation)
{
	if (!release || !nation || !*nation)
		return false;
	size_t nl = strlen(nation);
	const char *p = release;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == nl && memcmp(p, nation, nl) == 0)
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* (origin, seq) index: open addressing, linear probing, backward-shift
 * deletion; origin is an index into the journal's origin table.
 *
 * Hash flooding (docs/security.md): partners choose their (origin, seq)
 * and sign them validly, so the slot function must not be predictable
 * from outside. It is SipHash-2-4 (core/siphash.h) under 128 random bits
 * drawn (getrandom) when the table is first allocated; without the key a
 * sender cannot pick seqs that share a slot. (The splitmix64 finaliser it
 * replaces is a public bijection: a few million trials found thousands
 * of seqs with one home, and each insert then walked all the others.)
 * Every add's probe length is counted (idx_probe_max, idx_probes); a
 * probe longer than KIDX_PROBE_LIMIT slots (chance only, with the key)
 * rehashes the table - doubled while it is more than 1/4 full, else with
 * a fresh key - at most once per count/2 adds, so the rehash work stays
 * amortised O(1) per add whatever the sender does.                   */

struct key_slot {
	uint64_t seq;
	uint32_t origin1; /* origin index + 1; 0 = empty */
};

struct key_index {
	struct key_slot *slots;
	size_t cap; /* power of two */
	size_t count;
	size_t max;                      /* max keys */
	uint8_t key[MW_SIPHASH_KEY_LEN]; /* slot function key, random per table */
	size_t adds_since_rehash;        /* rate limit of probe-triggered rehashes */
	uint64_t probe_max, probes, long_probes, rehashes; /* -> store_journal_stats */
};

#define KIDX_MIN_SLOTS 1024
/* Longest probe (slots walked past the home slot) before the table is
 * rehashed. Honest consecutive seqs fill whole 16-slot runs, so probes
 * walk runs: `make bench-hash` measured max 400, mean 8 slots for 2^20
 * keys in a table 1/2 full (docs/benchmarks.md); 1024 slots is a 16 KiB
 * sequential scan. (Runs of 64 would walk about 4x further.) */
#define KIDX_PROBE_LIMIT 1024

/* Home slot: runs of 16 consecutive seqs of an origin share 16 adjacent
 * slots (256 bytes), so an origin's next key is found, or placed, in the
 * cache lines its previous one touched instead of at a random slot (a
 * cache miss per append: 2-3 % of the link benchmark's CPU). Runs are
 * spread by the keyed hash of (origin, seq / 16); m + 1 >= 16. */
static size_t key_home(const uint8_t key[MW_SIPHASH_KEY_LEN], uint32_t o, uint64_t seq, size_t m)
{
	return (size_t)((mw_siphash24_u64x2(key, o, seq >> 4) << 4) | (seq & 15)) & m;
}

static void kidx_finish(struct key_index *ix)
{
	free(ix->slots);
	memset(ix, 0, sizeof(*ix));
}

static void kidx_put_raw(struct key_slot *slots, size_t cap, const uint8_t *key, uint32_t o,
                         uint64_t seq)
{
	size_t m = cap - 1;
	size_t i = key_home(key, o, seq, m);
	while (slots[i].origin1)
		i = (i + 1) & m;
	slots[i].origin1 = o + 1;
	slots[i].seq = seq;
}

/* Rehash into ncap slots (a power of two > count) under the slot key
 * nkey (NULL: keep the key; a table's first allocation draws one). 0,
 * -ENOMEM or getrandom's error (the index is unchanged). */
static int kidx_resize(struct key_index *ix, size_t ncap, const uint8_t *nkey)
{
	uint8_t first[MW_SIPHASH_KEY_LEN];
	if (!ix->slots && !nkey) {
		int rc = mw_siphash_random_key(first);
		if (rc)
			return rc;
		nkey = first;
	}
	if (ncap > SIZE_MAX / sizeof(struct key_slot))
		return -ENOMEM;
	struct key_slot *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	if (nkey)
		memcpy(ix->key, nkey, MW_SIPHASH_KEY_LEN);
	for (size_t i = 0; i < ix->cap; i++)
		if (ix->slots[i].origin1)
			kidx_put_raw(ns, ncap, ix->key, ix->slots[i].origin1 - 1, ix->slots[i].seq);
	free(ix->slots);
	ix->slots = ns;
	ix->cap = ncap;
	ix->adds_since_rehash = 0;
	return 0;
}

/* An add walked more than KIDX_PROBE_LIMIT slots: rehash, doubled if the
 * table is over 1/4 full (it stays above the 1/8 shrink line) else under
 * a fresh key, unless fewer than count/2 adds came since the last rehash.
 * A failure keeps the table as it is (still correct, only slower). */
static void kidx_long_probe(struct key_index *ix)
{
	ix->long_probes++;
	if (ix->adds_since_rehash < ix->count / 2)
		return;
	int rc;
	if (ix->count * 4 > ix->cap) {
		rc = kidx_resize(ix, ix->cap * 2, NULL);
	} else {
		uint8_t nk[MW_SIPHASH_KEY_LEN];
		rc = mw_siphash_random_key(nk);
		if (rc == 0)
			rc = kidx_resize(ix, ix->cap, nk);
	}
	if (rc == 0)
		ix->rehashes++;
}

/* 0, -EEXIST, -ENOBUFS (max keys), -ENOMEM (or getrandom's error). */
static int kidx_add(struct key_index *ix, uint32_t o, uint64_t seq)
{
	/* one probe finds the key or the empty slot it would go to */
	struct key_slot *free_slot = NULL;
	size_t probe = 0;
	if (ix->cap) {
		size_t m = ix->cap - 1;
		for (size_t i = key_home(ix->key, o, seq, m);; i = (i + 1) & m, probe++) {
			struct key_slot *sl = &ix->slots[i];
			if (!sl->origin1) {
				free_slot = sl;
				break;
			}
			if (sl->origin1 == o + 1 && sl->seq == seq)
				return -EEXIST;
		}
	}
	if (ix->count >= ix->max)
		return -ENOBUFS;
	if ((ix->count + 1) * 2 > ix->cap) {
		int rc = kidx_resize(ix, ix->cap ? ix->cap * 2 : KIDX_MIN_SLOTS, NULL);
		if (rc)
			return rc;
		free_slot = NULL; /* the table moved */
	}
	if (free_slot) {
		free_slot->origin1 = o + 1;
		free_slot->seq = seq;
	} else {
		kidx_put_raw(ix->slots, ix->cap, ix->key, o, seq);
	}
	ix->count++;
	ix->adds_since_rehash++;
	ix->probes += probe;
	if (probe > ix->probe_max)
		ix->probe_max = probe;
	if (probe > KIDX_PROBE_LIMIT)
		kidx_long_probe(ix);
	return 0;
}

static void kidx_del(struct key_index *ix, uint32_t o, uint64_t seq)
{
	if (!ix->cap)
		return;
	size_t m = ix->cap - 1;
	size_t i = key_home(ix->key, o, seq, m);
	for (;; i = (i + 1) & m) {
		if (!ix->slots[i].origin1)
			return;
		if (ix->slots[i].origin1 == o + 1 && ix->slots[i].seq == seq)
			break;
	}
	/* backward-shift deletion keeps every probe chain unbroken */
	size_t j = i;
	for (;;) {
		ix->slots[i].origin1 = 0;
		for (;;) {
			j = (j + 1) & m;
			if (!ix->slots[j].origin1) {
				ix->count--;
				return;
			}
			size_t home =
			    key_home(ix->key, ix->slots[j].origin1 - 1, ix->slots[j].seq, m);
			/* may slot j move to i? yes unless home lies cyclically in (i, j] */
			bool in = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
			if (!in)
				break;
		}
		ix->slots[i] = ix->slots[j];
		i = j;
	}
}

/* After deletions (retention): halve the table while it is at most 1/8
 * full, so its memory follows the keys it holds instead of the most it
 * ever held (4M keys = 8M slots = 128 MiB). Between 1/8 and 1/2 full
 * nothing moves, so alternating adds and deletes never rehash back and
 * forth. A failed allocation keeps the larger table. */
static void kidx_shrink(struct key_index *ix)
{
	size_t ncap = ix->cap;
	while (ncap > KIDX_MIN_SLOTS && ix->count * 8 <= ncap)
		ncap /= 2;
	if (ncap < ix->cap)
		(void)kidx_resize(ix, ncap, NULL);
}

/* ------------------------------------------------------------------ */
/* state                                                              */

/* A SHA-256 context kept per thread of use: fetching the algorithm and
 * allocating a context for every row would cost about a third of an insert. */
struct sha {
	EVP_MD *md;
	EVP_MD_CTX *ctx;
};

struct origin_ent {
	char name[STORE_NAME_MAX];
	uint64_t max_seq; /* highest seq journaled, pending or deleted */
	uint64_t floor;   /* highest seq deleted by retention */
};

struct peer_ent {
	char name[STORE_NAME_MAX];
	uint64_t rx_queued;   /* highest from_pos appended/noted (maybe pending) */
	uint64_t rx_durable;  /* committed */
	uint64_t rx_reported; /* last value handed to drain's callback */
	uint64_t acked;       /* in memory */
	uint64_t acked_written;
	bool protects; /* its acked cursor holds back soft retention */
};

/* A queued item: a record (pos > 0) or an rx note (pos == 0). */
struct pend {
	struct pend *next;
	uint64_t pos;
	uint32_t origin_idx;
	int peer_idx; /* -1 if none */
	bool pooled;  /* data[] holds J_POOL_DATA bytes: goes back to the pool */
	/* set by segs_build for each commit attempt: seg > 0 = stored as the
	 * body rec.bytes[body_off..+body_len) and leaf `leaf` of segment seg */
	int64_t seg;
	uint32_t leaf, body_off, body_len;
	struct store_rec rec; /* rec.bytes points at data */
	uint8_t data[];
};

/* One batch segment being filled while a group is walked (journal thread). */
struct seg_open {
	bool used, bad; /* bad: two records disagree on a node: all stay whole */
	uint8_t sig[WIRE_SIG_LEN], root[WIRE_HASH_LEN];
	uint32_t count;
	uint64_t lru;
	uint32_t nrec, nnodes;
	struct pend *recs[J_SEG_MAX_RECS];
	uint32_t keys[J_SEG_NODES];
	uint8_t hash[J_SEG_NODES][WIRE_HASH_LEN];
	/* per level, the last node added (key, index into keys/hash; key
	 * UINT32_MAX = none): the records of a batch in leaf order share each
	 * node with the record before them or with none, so this drops their
	 * repeats as they come; seg_close drops the others after sorting */
	uint32_t prev_key[WIRE_MERKLE_MAX_DEPTH], prev_node[WIRE_MERKLE_MAX_DEPTH];
};

/* A closed segment of the group: its row, in segw.blobs. */
struct seg_done {
	int64_t pos, last_pos;
	size_t off, len;
};

struct seg_writer {
	/* the group being committed, item i = grp[i] (group_max entries),
	 * copied from the queue's ring: walked by index, so the next blocks
	 * can be prefetched while one is inserted, where following ->next
	 * took one cache miss after the other */
	struct pend **grp;
	struct seg_open open[J_SEG_OPEN];
	uint64_t tick;
	struct seg_done *done;
	size_t n_done, cap_done;
	struct mw_buf blobs;
	uint64_t sortbuf[J_SEG_NODES];
};

/* A reader's copy of the last segment it fetched, and the envelope it
 * rebuilt last (store_rec.bytes of a compact row point into out). */
struct seg_cache {
	sqlite3_stmt *q; /* SELECT data FROM seg WHERE pos = ?1 */
	struct seg_cached {
		int64_t pos; /* 0 = empty */
		uint64_t used;
		uint8_t *data;
		size_t len, cap;
	} e[J_SEG_CACHE];
	uint64_t tick;
	struct seg_cached *cur; /* what seg_fetch found */
	struct mw_buf out;
};

struct store_journal {
	char *path;
	struct mw_log *log;
	size_t queue_max, queue_max_bytes, max_record_bytes, group_max;
	int ckpt_pages;    /* WAL frames before an idle checkpoint */
	int wal_frames;    /* frames in the WAL after the last commit (journal thread) */
	int commit_frames; /* frames the last commit of records added (journal thread) */
	int page_bytes;    /* the database's page size (a WAL frame holds one page) */
	int ckpt_tried;    /* wal_frames at the last partial checkpoint, 0 after a full one */
	/* checkpoint thread (invariant 11): its own connection; ckpt_req and
	 * ckpt_busy under mu; ckpt_frames: wal_frames when it was asked */
	sqlite3 *cdb;
	pthread_t cthr;
	bool cthr_started, ckpt_stop, ckpt_req, ckpt_busy;
	bool restart_due; /* a checkpoint copied the whole WAL, no commit since (invariant 15) */
	/* commits of wdb (records, idle restarts, retention), counted after
	 * each returned; ckpt_full_gen: its value when the pass that found
	 * the whole WAL copied began (restart_wal compares them) */
	uint64_t wal_commits, ckpt_full_gen;
	bool restart_idle;      /* !opts->no_idle_restart */
	unsigned thread_deprio; /* opts->thread_deprio */
	int ckpt_frames;
	pthread_cond_t ckpt_wake; /* checkpoint thread waits for ckpt_req / ckpt_stop */
	pthread_cond_t ckpt_idle; /* journal thread waits for !ckpt_req && !ckpt_busy */
	bool hash_rows;
	int64_t retain_age_ns, hard_age_ns, retain_interval_ns;
	uint64_t retain_bytes, hard_bytes;
	bool peers_configured;

	int lock_fd;
	int efd;
	sqlite3 *wdb, *rdb;
	/* writer statements (journal thread) */
	sqlite3_stmt *w_begin, *w_commit, *w_rollback, *w_ins, *w_insn, *w_rx, *w_acked, *w_meta,
	    *w_ret_scan, *w_ret_del, *w_floor, *w_seqres, *w_seg_ins, *w_seg_del;
	/* reader statements (under rmu) */
	sqlite3_stmt *r_range;

	pthread_t thr;
	bool thr_started;
	pthread_mutex_t mu;  /* everything below */
	pthread_mutex_t rmu; /* rdb and its statements */
	pthread_cond_t wake; /* journal thread waits */
	pthread_cond_t done; /* sync/retain waiters */

	struct pend *head, *tail;
	size_t qlen, qbytes, inflight;
	/* the queue's items in order as well: ring[(ring_head + i) % queue_max]
	 * is its i-th item (written by enqueue, advanced by do_group) */
	struct pend **ring;
	size_t ring_head;
	struct pend *pool; /* free blocks (pooled), linked by next */
	size_t pool_n, pool_max;
	uint64_t enq_seq, done_seq; /* items ever queued / committed */
	unsigned plugged;           /* store_journal_plug depth (loop thread) */
	bool plug_wake;             /* queued while plugged: unplug wakes the thread */
	uint64_t err_gen;           /* bumped on every failed commit */
	uint64_t next_pos, durable_pos, first_pos;
	uint64_t rows, bytes;
	struct key_index idx;
	struct origin_ent *origins;
	size_t n_origins, cap_origins;
	struct peer_ent peers[STORE_PEERS_MAX];
	size_t n_peers;
	bool acked_dirty;
	int64_t acked_dirty_mono;
	uint64_t seq_res_want;    /* own seqs reserved, as asked (store_journal_reserve_seq) */
	uint64_t seq_res_durable; /* ... as committed (meta 'seq_reserved') */
	struct sha w_sha, r_sha;  /* journal thread's; readers' (under rmu) */
	struct seg_writer *segw;  /* journal thread's */
	struct seg_cache r_seg;   /* readers' (under rmu) */
	int fatal;                /* sticky: -MW_EJOURNAL (corrupt) or -EIO (fsync failed) */
	bool fsync_failed;        /* journal thread only */
	bool stop;
	bool retain_req;
	int64_t retain_now;
	uint64_t retain_gen_req, retain_gen_done;
	int64_t retain_result;
	struct store_journal_stats st;
};

/* ------------------------------------------------------------------ */
/* SQLite helpers                                                     */

static int map_sqlite(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_FORMAT:
	case SQLITE_SCHEMA:
		return -MW_EJOURNAL;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_CONSTRAINT:
	case SQLITE_ERROR: /* our SQL is fixed: this means a table or column is missing */
		return -MW_EJOURNAL;
	default:
		return -EIO;
	}
}

static int exec_sql(sqlite3 *db, const char *sql, struct mw_errbuf *err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		mw_errbuf_set(err, "%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return map_sqlite(rc);
	}
	return 0;
}

static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **st, struct mw_errbuf *err)
{
	int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	if (rc != SQLITE_OK) {
		mw_errbuf_set(err, "prepare '%.60s...': %s", sql, sqlite3_errmsg(db));
		return map_sqlite(rc);
	}
	return 0;
}

/* Run a statement that returns no rows (or ignores them), then reset. */
static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* One integer from a single-row query (prepared ad hoc: open/check only). */
static int query_int(sqlite3 *db, const char *sql, int64_t *out, struct mw_errbuf *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		mw_errbuf_set(err, "%s: %s", sql, sqlite3_errmsg(db));
		return map_sqlite(rc);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
		*out = 0;
	} else {
		mw_errbuf_set(err, "%s: %s", sql, sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	return map_sqlite(rc);
}

static int sha_init(struct sha *h)
{
	h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	h->ctx = EVP_MD_CTX_new();
	return h->md && h->ctx ? 0 : -ENOMEM;
}

static void sha_finish(struct sha *h)
{
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	h->ctx = NULL;
	h->md = NULL;
}

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

/* SHA-256 of a row (format in the header comment); r->pos must be set. */
static void row_sha(struct sha *h, const struct store_rec *r, uint8_t out[J_SHA_LEN])
{
	uint8_t hdr[60];
	memcpy(hdr, "MWJ2", 4);
	put_be(hdr + 4, r->pos, 8);
	put_be(hdr + 12, r->seq, 8);
	put_be(hdr + 20, (uint64_t)r->len, 8);
	put_be(hdr + 28, r->kind, 4);
	put_be(hdr + 32, r->flags, 4);
	put_be(hdr + 36, (uint64_t)r->data_ns, 8);
	put_be(hdr + 44, (uint64_t)r->accept_ns, 8);
	put_be(hdr + 52, r->from_pos, 8);
	const char *str[3] = {r->origin, r->from_peer, r->release};
	size_t cap[3] = {sizeof(r->origin), sizeof(r->from_peer), sizeof(r->release)};
	/* the header and the three strings are hashed as one update (the same
	 * digest as one update each: SHA-256 reads a stream), which saves the
	 * EVP call overhead of three small updates on every row */
	uint8_t pre[sizeof(hdr) + sizeof(r->origin) + sizeof(r->from_peer) + sizeof(r->release)];
	memcpy(pre, hdr, sizeof(hdr));
	size_t off = sizeof(hdr);
	for (int i = 0; i < 3; i++) {
		/* +1: the terminator; strnlen stops short of it only for an
		 * unterminated field, which append refuses and row_decode never
		 * produces (then the byte after the cap - 1 chars is hashed, as
		 * before) */
		size_t l = strnlen(str[i], cap[i] - 1) + 1;
		memcpy(pre + off, str[i], l);
		off += l;
	}
	unsigned int n = 0;
	bool ok = h->ctx && EVP_DigestInit_ex(h->ctx, h->md, NULL) &&
	          EVP_DigestUpdate(h->ctx, pre, off) &&
	          (r->len == 0 || EVP_DigestUpdate(h->ctx, r->bytes, r->len)) &&
	          EVP_DigestFinal_ex(h->ctx, out, &n);
	if (!ok)
		memset(out, 0, J_SHA_LEN); /* cannot hash: a zero hash never verifies */
}

/* A stored hash length that can be verified: J_SHA_STORED (format 3
 * rows) or the whole digest (rows written as format 2). */
static bool sha_len_ok(int n)
{
	return n == J_SHA_STORED || n == J_SHA_LEN;
}

/* Does the stored hash (n bytes, sha_len_ok) match row r? */
static bool row_sha_matches(struct sha *h, const struct store_rec *r, const void *stored, int n)
{
	uint8_t want[J_SHA_LEN];
	row_sha(h, r, want);
	return stored && sha_len_ok(n) && memcmp(want, stored, (size_t)n) == 0;
}

/* Text column i copied into dst (cap bytes); false if it does not fit. */
static bool col_text(sqlite3_stmt *s, int i, char *dst, size_t cap)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	int n = sqlite3_column_bytes(s, i);
	snprintf(dst, cap, "%s", t ? t : "");
	return n >= 0 && (size_t)n < cap && strlen(dst) == (size_t)n;
}

/* Fill r's metadata (not bytes/len) from the current row of s (ROW_COLS
 * order); NULL if every value is in range, else what is wrong. Values that
 * would be narrowed (kind, flags) or clipped (text) are refused, so the
 * row SHA-256 always hashes exactly what is stored. */
static const char *row_fields(sqlite3_stmt *s, struct store_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->pos = (uint64_t)sqlite3_column_int64(s, 0);
	bool ok = col_text(s, 1, r->origin, sizeof(r->origin));
	int64_t seq = sqlite3_column_int64(s, 2);
	int64_t kind = sqlite3_column_int64(s, 3), flags = sqlite3_column_int64(s, 4);
	ok = col_text(s, 5, r->release, sizeof(r->release)) && ok;
	r->data_ns = sqlite3_column_int64(s, 6);
	r->accept_ns = sqlite3_column_int64(s, 7);
	ok = col_text(s, 8, r->from_peer, sizeof(r->from_peer)) && ok;
	int64_t from_pos = sqlite3_column_int64(s, 9);
	r->seq = (uint64_t)seq;
	r->kind = (uint32_t)kind;
	r->flags = (uint32_t)flags;
	r->from_pos = (uint64_t)from_pos;
	r->durable = true;
	if (!ok)
		return "a text column is too long";
	if (seq < 1 || from_pos < 0 || kind < 0 || kind > UINT32_MAX || flags < 0 ||
	    flags > UINT32_MAX)
		return "a number column is out of range";
	return NULL;
}

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, val INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS env("
    " pos INTEGER PRIMARY KEY, origin TEXT NOT NULL, seq INTEGER NOT NULL,"
    " kind INTEGER NOT NULL, flags INTEGER NOT NULL, release TEXT NOT NULL,"
    " data_ns INTEGER NOT NULL, accept_ns INTEGER NOT NULL, from_peer TEXT NOT NULL,"
    " from_pos INTEGER NOT NULL, len INTEGER NOT NULL, sha256 BLOB, bytes BLOB NOT NULL,"
    " seg INTEGER, leaf INTEGER);"
    "CREATE TABLE IF NOT EXISTS seg(pos INTEGER PRIMARY KEY, last_pos INTEGER NOT NULL,"
    " data BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS peer(peer TEXT PRIMARY KEY, rx INTEGER NOT NULL,"
    " acked INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS origin_floor(origin TEXT PRIMARY KEY,"
    " seq INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT OR IGNORE INTO meta VALUES('next_pos', 1);"
    "INSERT OR IGNORE INTO meta VALUES('first_pos', 1);";

static const char ROW_COLS[] = "pos, origin, seq, kind, flags, release, data_ns, accept_ns, "
                               "from_peer, from_pos, len, sha256, bytes, seg, leaf";
/* The same from a format 2 or 3 file opened read-only (check, dump):
 * every row holds its whole envelope. */
static const char ROW_COLS_OLD[] = "pos, origin, seq, kind, flags, release, data_ns, accept_ns, "
                                   "from_peer, from_pos, len, sha256, bytes, NULL, NULL";
#define ROW_NCOLS 15

/* ------------------------------------------------------------------ */
/* small state helpers (caller holds mu)                              */

/* Index of origin name, creating it if create; -ENOENT, -ENOBUFS, -ENOMEM. */
static int origin_find(struct store_journal *j, const char *name, bool create)
{
	for (size_t i = 0; i < j->n_origins; i++)
		if (strcmp(j->origins[i].name, name) == 0)
			return (int)i;
	if (!create)
		return -ENOENT;
	if (j->n_origins >= J_ORIGINS_MAX)
		return -ENOBUFS;
	if (j->n_origins == j->cap_origins) {
		size_t nc = j->cap_origins ? j->cap_origins * 2 : 16;
		struct origin_ent *no = realloc(j->origins, nc * sizeof(*no));
		if (!no)
			return -ENOMEM;
		j->origins = no;
		j->cap_origins = nc;
	}
	struct origin_ent *o = &j->origins[j->n_origins];
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", name);
	return (int)j->n_origins++;
}

static int peer_find(struct store_journal *j, const char *name, bool create)
{
	for (size_t i = 0; i < j->n_peers; i++)
		if (strcmp(j->peers[i].name, name) == 0)
			return (int)i;
	if (!create)
		return -ENOENT;
	if (j->n_peers >= STORE_PEERS_MAX)
		return -ENOBUFS;
	struct peer_ent *p = &j->peers[j->n_peers];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->protects = !j->peers_configured;
	return (int)j->n_peers++;
}

static void notify(struct store_journal *j)
{
	uint64_t one = 1;
	ssize_t n = write(j->efd, &one, sizeof(one));
	(void)n; /* EAGAIN: counter saturated, the loop is woken anyway */
}

/* Record an event in the stats' ring (caller holds mu). */
static void event_record(struct store_journal_stats *st, int kind, int64_t start, int64_t end)
{
	struct store_journal_event *e = &st->events[st->events_total % STORE_EVENTS];
	e->start_mono = start;
	e->end_mono = end;
	e->kind = kind;
	st->events_total++;
}

static void lat_record(struct store_journal_stats *st, uint64_t ns)
{
	uint64_t us = ns / 1000;
	int b = 0;
	while (us > 1 && b < STORE_LAT_BUCKETS - 1) {
		us >>= 1;
		b++;
	}
	st->commit_lat_us_hist[b]++;
	st->commit_ns_total += ns;
	if (ns > st->commit_ns_max)
		st->commit_ns_max = ns;
}

uint64_t store_journal_lat_quantile_us(const struct store_journal_stats *st, double q)
{
	uint64_t total = 0;
	for (int i = 0; i < STORE_LAT_BUCKETS; i++)
		total += st->commit_lat_us_hist[i];
	if (!total)
		return 0;
	double want = q * (double)total;
	uint64_t acc = 0;
	for (int i = 0; i < STORE_LAT_BUCKETS; i++) {
		acc += st->commit_lat_us_hist[i];
		if ((double)acc >= want)
			return UINT64_C(1) << (i + 1);
	}
	return UINT64_C(1) << STORE_LAT_BUCKETS;
}

/* ------------------------------------------------------------------ */
/* journal thread: group commit                                       */

struct grp_peer {
	uint64_t rx;
	bool set;
	bool note; /* an rx note of the peer is in the group (format 5: write peer.rx) */
};

/* What commit_group's walk of a group found, for do_group after the
 * commit: the group's blocks are cold again by then (SQLite touched
 * megabytes in between), and walking the chain once more cost a cache
 * miss per block, in series, with mu held. */
struct grp_sum {
	struct grp_peer gp[STORE_PEERS_MAX];
	uint64_t first_pos, max_pos; /* of the group's records; 0 if none */
	size_t recs;                 /* records (the rest are rx notes) */
	uint64_t bytes;              /* their rec.len */
	bool all_pooled;
	struct pend *last; /* the group's last item */
	/* the acked cursors written (clamped to the group's end) */
	uint64_t acked[STORE_PEERS_MAX];
	bool acked_set[STORE_PEERS_MAX];
};

/* Insert the records of ps[0..n) with s, whose VALUES list has n rows of
 * the ROW_NCOLS columns of ROW_COLS (w_ins: 1 row, w_insn: J_INS_ROWS rows; one
 * statement for many rows runs the per-statement VDBE work - cursor
 * opening, Halt, reset - once for all of them). sha[] keeps the hashes
 * alive until the step. Returns the SQLite code of the step. */
static int insert_rows(struct store_journal *j, sqlite3_stmt *s, struct pend *const *ps, size_t n,
                       uint8_t (*sha)[J_SHA_LEN])
{
	for (size_t k = 0; k < n; k++) {
		const struct store_rec *r = &ps[k]->rec;
		const struct pend *p = ps[k];
		int b = (int)k * ROW_NCOLS;
		sqlite3_bind_int64(s, b + 1, (int64_t)ps[k]->pos);
		sqlite3_bind_text(s, b + 2, r->origin, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, b + 3, (int64_t)r->seq);
		sqlite3_bind_int64(s, b + 4, r->kind);
		sqlite3_bind_int64(s, b + 5, r->flags);
		sqlite3_bind_text(s, b + 6, r->release, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, b + 7, r->data_ns);
		sqlite3_bind_int64(s, b + 8, r->accept_ns);
		sqlite3_bind_text(s, b + 9, r->from_peer, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, b + 10, (int64_t)r->from_pos);
		sqlite3_bind_int64(s, b + 11, (int64_t)r->len);
		if (j->hash_rows) {
			row_sha(&j->w_sha, r, sha[k]); /* r->pos == p->pos (append) */
			sqlite3_bind_blob(s, b + 12, sha[k], J_SHA_STORED, SQLITE_STATIC);
		} else {
			sqlite3_bind_null(s, b + 12);
		}
		if (p->seg > 0) { /* format 4: the body; the rest is in segment p->seg */
			sqlite3_bind_blob(s, b + 13, r->bytes + p->body_off, (int)p->body_len,
			                  SQLITE_STATIC);
			sqlite3_bind_int64(s, b + 14, p->seg);
			sqlite3_bind_int64(s, b + 15, p->leaf);
		} else {
			sqlite3_bind_blob(s, b + 13, r->bytes, (int)r->len, SQLITE_STATIC);
			sqlite3_bind_null(s, b + 14);
			sqlite3_bind_null(s, b + 15);
		}
	}
	/* every parameter is bound again before the next step; clearing only
	 * drops the pointers to records that are about to be recycled */
	int rc = step_done(s);
	sqlite3_clear_bindings(s);
	return rc;
}

/* ---- batch segments (format 4; header comment) ---- */

/* w->sortbuf[0..nnodes) = (key << 32 | node index), ascending by key:
 * bucketed by level, then an insertion sort per level, which is linear
 * for records added in leaf order (their node indexes then mostly grow
 * within a level) and quadratic at worst within one level (<= 512 x 16
 * nodes a segment). */
static void seg_sort(struct seg_writer *w, const struct seg_open *o)
{
	uint32_t start[WIRE_MERKLE_MAX_DEPTH + 1] = {0};
	for (uint32_t k = 0; k < o->nnodes; k++)
		start[(o->keys[k] >> 16) + 1]++;
	for (int l = 0; l < WIRE_MERKLE_MAX_DEPTH; l++)
		start[l + 1] += start[l];
	uint32_t fill[WIRE_MERKLE_MAX_DEPTH];
	memcpy(fill, start, sizeof(fill));
	for (uint32_t k = 0; k < o->nnodes; k++)
		w->sortbuf[fill[o->keys[k] >> 16]++] = (uint64_t)o->keys[k] << 32 | k;
	for (int l = 0; l < WIRE_MERKLE_MAX_DEPTH; l++)
		for (uint32_t i = start[l] + 1; i < start[l + 1]; i++) {
			uint64_t v = w->sortbuf[i];
			uint32_t m = i;
			while (m > start[l] && w->sortbuf[m - 1] > v) {
				w->sortbuf[m] = w->sortbuf[m - 1];
				m--;
			}
			w->sortbuf[m] = v;
		}
}

/* Close segment o: a segment of two or more records with no conflict
 * becomes a row (its blob appended to w->blobs) and its records are
 * marked compact; otherwise they stay whole. */
static int seg_close(struct seg_writer *w, struct seg_open *o)
{
	int rc = 0;
	if (!o->used)
		return 0;
	o->used = false;
	if (o->bad || o->nrec < 2)
		return 0;
	if (w->n_done == w->cap_done) {
		size_t nc = w->cap_done ? 2 * w->cap_done : 64;
		struct seg_done *nd = realloc(w->done, nc * sizeof(*nd));
		if (!nd)
			return -ENOMEM;
		w->done = nd;
		w->cap_done = nc;
	}
	/* sorted by key; repeats (records out of leaf order) dropped, and a
	 * repeat with another hash makes every record whole */
	seg_sort(w, o);
	uint32_t nu = 0;
	for (uint32_t k = 0; k < o->nnodes; k++) {
		if (nu && w->sortbuf[nu - 1] >> 32 == w->sortbuf[k] >> 32) {
			if (memcmp(o->hash[(uint32_t)w->sortbuf[nu - 1]],
			           o->hash[(uint32_t)w->sortbuf[k]], WIRE_HASH_LEN) != 0)
				return 0;
			continue;
		}
		w->sortbuf[nu++] = w->sortbuf[k];
	}
	size_t len = J_SEG_HDR + (size_t)nu * J_SEG_NODE;
	if ((rc = mw_buf_reserve(&w->blobs, len)) < 0)
		return rc;
	uint8_t *q = mw_buf_tail(&w->blobs);
	q[0] = J_SEG_VERSION;
	memcpy(q + 1, o->sig, WIRE_SIG_LEN);
	memcpy(q + 1 + WIRE_SIG_LEN, o->root, WIRE_HASH_LEN);
	put_be(q + 1 + WIRE_SIG_LEN + WIRE_HASH_LEN, o->count, 4);
	q += J_SEG_HDR;
	for (uint32_t k = 0; k < nu; k++, q += J_SEG_NODE) {
		uint32_t i = (uint32_t)w->sortbuf[k];
		put_be(q, o->keys[i], 4);
		memcpy(q + 4, o->hash[i], WIRE_HASH_LEN);
	}
	struct seg_done *d = &w->done[w->n_done++];
	d->pos = (int64_t)o->recs[0]->pos;
	d->last_pos = (int64_t)o->recs[o->nrec - 1]->pos;
	d->off = mw_buf_used(&w->blobs);
	d->len = len;
	mw_buf_commit(&w->blobs, len);
	for (uint32_t k = 0; k < o->nrec; k++)
		o->recs[k]->seg = d->pos;
	return 0;
}

/* Add record p (split into a and its body at body_off) to segment o. */
static void seg_add(struct seg_open *o, struct pend *p, const struct wire_auth_view *a,
                    uint32_t body_off, uint32_t body_len)
{
	uint32_t keys[WIRE_MERKLE_MAX_DEPTH];
	int kl = wire_merkle_proof_keys(a->leaf_index, a->leaf_count, keys);
	if (kl != (int)a->proof_len) { /* split checked the length: cannot happen */
		o->bad = true;
		return;
	}
	for (int k = 0; k < kl && !o->bad; k++) {
		uint32_t lvl = keys[k] >> 16; /* < WIRE_MERKLE_MAX_DEPTH */
		if (o->prev_key[lvl] == keys[k]) {
			if (memcmp(o->hash[o->prev_node[lvl]], a->proof[k], WIRE_HASH_LEN) != 0)
				o->bad = true; /* two proofs disagree: keep them all whole */
			continue;
		}
		o->prev_key[lvl] = keys[k];
		o->prev_node[lvl] = o->nnodes;
		o->keys[o->nnodes] = keys[k];
		memcpy(o->hash[o->nnodes], a->proof[k], WIRE_HASH_LEN);
		o->nnodes++;
	}
	p->leaf = a->leaf_index;
	p->body_off = body_off;
	p->body_len = body_len;
	o->recs[o->nrec++] = p;
}

/* Walk the group's records and decide which are stored compact: records
 * in the canonical envelope form (wire_envelope_split) of a batch of two
 * or more share a segment with the other records of their batch in this
 * group (at most J_SEG_MAX_RECS each). Deterministic, so a retried
 * commit makes the same rows. The closed segments are in j->segw. */
#define J_PREFETCH 6 /* items ahead of the one walked (grp) */
static void segs_build(struct store_journal *j, size_t n)
{
	struct seg_writer *w = j->segw;
	struct pend *const *grp = w->grp;
	w->n_done = 0;
	mw_buf_reset(&w->blobs);
	for (int k = 0; k < J_SEG_OPEN; k++)
		w->open[k].used = false;
	struct pend *p = NULL;
	int rc = 0;
	bool small = n < J_SEG_MIN_GROUP;
	for (size_t i = 0; i < n && rc == 0; i++) {
		p = grp[i];
		if (i + J_PREFETCH < n) {
			__builtin_prefetch(grp[i + J_PREFETCH], 1);
			__builtin_prefetch(grp[i + J_PREFETCH]->data + 64);
		}
		p->seg = 0;
		if (!p->pos || small)
			continue;
		struct wire_slice body;
		struct wire_auth_view a;
		if (wire_envelope_split(p->rec.bytes, p->rec.len, &body, &a) != 0 ||
		    a.leaf_count < 2)
			continue; /* not canonical, not an envelope, or a batch of one */
		struct seg_open *o = NULL, *lru = NULL;
		for (int k = 0; k < J_SEG_OPEN; k++) {
			struct seg_open *c = &w->open[k];
			if (c->used && c->count == a.leaf_count &&
			    memcmp(c->root, a.root, WIRE_HASH_LEN) == 0 &&
			    memcmp(c->sig, a.signature, WIRE_SIG_LEN) == 0) {
				o = c;
				break;
			}
			if (!lru || !c->used || (lru->used && c->lru < lru->lru))
				lru = c;
		}
		if (o && o->nrec == J_SEG_MAX_RECS) {
			rc = seg_close(w, o);
			lru = o;
			o = NULL;
		}
		if (!o) {
			if (rc == 0)
				rc = seg_close(w, lru);
			o = lru;
			memset(o->prev_key, 0xff, sizeof(o->prev_key));
			o->used = true;
			o->bad = false;
			o->nrec = o->nnodes = 0;
			o->count = a.leaf_count;
			memcpy(o->root, a.root, WIRE_HASH_LEN);
			memcpy(o->sig, a.signature, WIRE_SIG_LEN);
		}
		o->lru = ++w->tick;
		seg_add(o, p, &a, (uint32_t)(body.p - p->rec.bytes), (uint32_t)body.len);
	}
	for (int k = 0; k < J_SEG_OPEN && rc == 0; k++)
		rc = seg_close(w, &w->open[k]);
	if (rc < 0) { /* out of memory: every record of the group stays whole */
		for (size_t i = 0; i < n; i++)
			grp[i]->seg = 0;
		w->n_done = 0;
	}
}

/* Insert the segments segs_build closed (in the group's transaction). */
static int segs_insert(struct store_journal *j)
{
	struct seg_writer *w = j->segw;
	for (size_t i = 0; i < w->n_done; i++) {
		const struct seg_done *d = &w->done[i];
		sqlite3_bind_int64(j->w_seg_ins, 1, d->pos);
		sqlite3_bind_int64(j->w_seg_ins, 2, d->last_pos);
		sqlite3_bind_blob(j->w_seg_ins, 3, mw_buf_peek(&w->blobs) + d->off, (int)d->len,
		                  SQLITE_STATIC);
		int rc = step_done(j->w_seg_ins);
		sqlite3_clear_bindings(j->w_seg_ins);
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

static void seg_writer_free(struct seg_writer *w)
{
	if (!w)
		return;
	free(w->grp);
	mw_buf_finish(&w->blobs);
	free(w->done);
	free(w);
}

static void seg_cache_init(struct seg_cache *c)
{
	memset(c, 0, sizeof(*c));
	mw_buf_init(&c->out, WIRE_FRAME_MAX_LIMIT);
}

static void seg_cache_finish(struct seg_cache *c)
{
	sqlite3_finalize(c->q);
	for (int k = 0; k < J_SEG_CACHE; k++)
		free(c->e[k].data);
	mw_buf_finish(&c->out);
	memset(c, 0, sizeof(*c));
}

/* Make c->cur the segment pos, from the cache or read (replacing the least
 * recently used); NULL or what is wrong. */
static const char *seg_fetch(struct seg_cache *c, int64_t pos)
{
	struct seg_cached *lru = &c->e[0];
	for (int k = 0; k < J_SEG_CACHE; k++) {
		if (c->e[k].pos == pos && pos > 0) {
			c->cur = &c->e[k];
			c->cur->used = ++c->tick;
			return NULL;
		}
		if (c->e[k].used < lru->used)
			lru = &c->e[k];
	}
	c->cur = NULL;
	lru->pos = 0;
	if (!c->q)
		return "no segment table";
	sqlite3_bind_int64(c->q, 1, pos);
	int rc = sqlite3_step(c->q);
	const char *why = NULL;
	if (rc != SQLITE_ROW) {
		why =
		    rc == SQLITE_DONE ? "its batch segment is missing" : "cannot read its segment";
		goto out;
	}
	const uint8_t *d = sqlite3_column_blob(c->q, 0);
	size_t len = (size_t)sqlite3_column_bytes(c->q, 0);
	if (!d || len < J_SEG_HDR || len > J_SEG_BLOB_MAX || (len - J_SEG_HDR) % J_SEG_NODE ||
	    d[0] != J_SEG_VERSION) {
		why = "its batch segment is malformed";
		goto out;
	}
	for (size_t k = J_SEG_HDR + J_SEG_NODE; k < len; k += J_SEG_NODE)
		if (memcmp(d + k - J_SEG_NODE, d + k, 4) >= 0) {
			why = "its batch segment's nodes are out of order";
			goto out;
		}
	if (len > lru->cap) {
		uint8_t *nd = realloc(lru->data, len);
		if (!nd) {
			why = "out of memory reading its segment";
			goto out;
		}
		lru->data = nd;
		lru->cap = len;
	}
	memcpy(lru->data, d, len);
	lru->len = len;
	lru->pos = pos;
	lru->used = ++c->tick;
	c->cur = lru;
out:
	sqlite3_reset(c->q);
	return why;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Rebuild the envelope of a compact row (body, segment seg, leaf) into
 * c->out; NULL or what is wrong. */
static const char *seg_expand(struct seg_cache *c, int64_t seg, int64_t leaf, const uint8_t *body,
                              size_t body_len)
{
	const char *why = seg_fetch(c, seg);
	if (why)
		return why;
	struct wire_auth a;
	const struct seg_cached *sg = c->cur;
	memcpy(a.signature, sg->data + 1, WIRE_SIG_LEN);
	memcpy(a.root, sg->data + 1 + WIRE_SIG_LEN, WIRE_HASH_LEN);
	a.leaf_count = get_be32(sg->data + 1 + WIRE_SIG_LEN + WIRE_HASH_LEN);
	if (leaf < 0 || leaf >= (int64_t)a.leaf_count)
		return "leaf index outside its batch";
	a.leaf_index = (uint32_t)leaf;
	uint32_t keys[WIRE_MERKLE_MAX_DEPTH];
	int kl = wire_merkle_proof_keys(a.leaf_index, a.leaf_count, keys);
	if (kl < 0)
		return "its batch segment is malformed";
	size_t nn = (sg->len - J_SEG_HDR) / J_SEG_NODE;
	const uint8_t *nodes = sg->data + J_SEG_HDR;
	for (int k = 0; k < kl; k++) {
		size_t lo = 0, hi = nn;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (get_be32(nodes + mid * J_SEG_NODE) < keys[k])
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == nn || get_be32(nodes + lo * J_SEG_NODE) != keys[k])
			return "a proof node is missing from its segment";
		memcpy(a.proof[k], nodes + lo * J_SEG_NODE + 4, WIRE_HASH_LEN);
	}
	a.proof_len = (uint32_t)kl;
	mw_buf_reset(&c->out);
	if (wire_envelope_join(body, body_len, &a, &c->out) < 0)
		return "cannot rebuild the envelope";
	return NULL;
}

/* Commit the first n queued items. Called without mu; the items are not
 * touched by anyone else while inflight. acked_mem[i] and acked_written[i]
 * are peer i's acked cursor in memory and on disk when the group was
 * taken; the cursor written is clamped to the group's last pos (or
 * durable_pos if it has no record). *sum is filled by the walk (valid
 * when 0 is returned). Returns 0 or a negative code. */
static int commit_group(struct store_journal *j, size_t n, const uint64_t *acked_mem,
                        const uint64_t *acked_written, size_t n_peers, uint64_t durable_pos,
                        uint64_t seq_res, struct grp_sum *sum)
{
	struct grp_peer *gp = sum->gp;
	memset(sum, 0, sizeof(*sum));
	sum->all_pooled = true;
	struct pend *batch[J_INS_ROWS];
	uint8_t sha[J_INS_ROWS][J_SHA_LEN];
	size_t nb = 0;
	struct pend *const *grp = j->segw->grp;
	segs_build(j, n); /* format 4: which records share a batch segment */
	int rc = step_done(j->w_begin);
	if (rc != SQLITE_OK)
		goto fail;
	struct pend *p = NULL;
	for (size_t i = 0; i < n; i++) {
		p = grp[i];
		if (i + J_PREFETCH < n)
			__builtin_prefetch(grp[i + J_PREFETCH], 1);
		sum->all_pooled = sum->all_pooled && p->pooled;
		if (p->peer_idx >= 0) {
			struct grp_peer *g = &gp[p->peer_idx];
			if (!g->set || p->rec.from_pos > g->rx)
				g->rx = p->rec.from_pos;
			g->set = true;
			g->note = g->note || !p->pos;
		}
		if (!p->pos)
			continue;      /* rx note */
		sum->max_pos = p->pos; /* FIFO: the last record has the highest pos */
		if (!sum->first_pos)
			sum->first_pos = p->pos;
		sum->recs++;
		sum->bytes += p->rec.len;
		batch[nb++] = p;
		if (nb == J_INS_ROWS) {
			rc = insert_rows(j, j->w_insn, batch, nb, sha);
			nb = 0;
			if (rc != SQLITE_OK)
				goto fail;
		}
	}
	sum->last = p;
	for (size_t k = 0; k < nb; k++) {
		rc = insert_rows(j, j->w_ins, &batch[k], 1, sha);
		if (rc != SQLITE_OK)
			goto fail;
	}
	if ((rc = segs_insert(j)) != SQLITE_OK)
		goto fail;
	uint64_t last_pos = sum->max_pos ? sum->max_pos : durable_pos;
	uint64_t *acked = sum->acked;
	bool *acked_set = sum->acked_set;
	for (size_t i = 0; i < n_peers; i++) {
		/* A peer may ack a pos still pending (a relay link reads pending
		 * records). Never write an acked cursor beyond what this very
		 * transaction leaves committed: after a crash the journal would
		 * end below it and refuse to open. The rest is written with a
		 * later group (do_group leaves acked_dirty set). */
		acked[i] = acked_mem[i] < last_pos ? acked_mem[i] : last_pos;
		acked_set[i] = acked[i] > acked_written[i];
	}
	for (size_t i = 0; i < n_peers; i++) {
		/* invariant 4: a record's row carries its rx (from_peer, from_pos);
		 * only an rx note, which has no row, needs the peer row */
		if (!gp[i].note && !acked_set[i])
			continue;
		sqlite3_stmt *s = j->w_rx;
		sqlite3_bind_text(s, 1, j->peers[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, gp[i].set ? (int64_t)gp[i].rx : 0);
		sqlite3_bind_int64(s, 3, acked_set[i] ? (int64_t)acked[i] : 0);
		rc = step_done(s);
		if (rc != SQLITE_OK)
			goto fail;
	}
	if (seq_res) { /* invariant 10: durable before any seq of it is sent */
		sqlite3_bind_int64(j->w_seqres, 1, (int64_t)seq_res);
		rc = step_done(j->w_seqres);
		/* format 5: meta next_pos is a lower bound (invariant 14), refreshed
		 * only when its page is written anyway */
		if (rc == SQLITE_OK) {
			sqlite3_bind_text(j->w_meta, 1, "next_pos", -1, SQLITE_STATIC);
			sqlite3_bind_int64(j->w_meta, 2, (int64_t)(last_pos + 1));
			rc = step_done(j->w_meta);
		}
		if (rc != SQLITE_OK)
			goto fail;
	}
	rc = step_done(j->w_commit);
	if (rc != SQLITE_OK)
		goto fail;
	return 0;
fail:;
	int err = map_sqlite(rc);
	char msg[200];
	snprintf(msg, sizeof(msg), "%s", sqlite3_errmsg(j->wdb)); /* before ROLLBACK resets it */
	/* After a failed fsync the kernel may have dropped the dirty pages and
	 * a retried fsync can report success for data that never reached the
	 * disk, so this is not retried: the journal stops (see invariant 9). */
	if (rc == SQLITE_IOERR_FSYNC || rc == SQLITE_IOERR_DIR_FSYNC)
		j->fsync_failed = true;
	if (!sqlite3_get_autocommit(j->wdb))
		step_done(j->w_rollback);
	mw_log_kv(j->log, MW_LOG_ERROR, MOD,
	          j->fsync_failed ? "journal commit failed: fsync error"
	                          : "journal commit failed, will retry",
	          (struct mw_log_field[]){MW_LOG_STR("error", mw_errname(err)),
	                                  MW_LOG_STR("sqlite", msg),
	                                  MW_LOG_INT("records", (int64_t)n)},
	          3);
	return err ? err : -EIO;
}

static int64_t run_retention(struct store_journal *j, int64_t now_ns, bool *cut_short);

static bool fatal_code(int err)
{
	return err == -MW_EJOURNAL || err == -EACCES;
}

/* a + b and a - b saturated to int64 (deadlines from caller-given
 * timeouts and intervals; times from caller-given records) */
static int64_t sat_add(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

static int64_t sat_sub(int64_t a, int64_t b)
{
	if (b == INT64_MIN)
		return a >= 0 ? INT64_MAX : a - b;
	return sat_add(a, -b);
}

static int64_t timespec_add(struct timespec *ts, int64_t ns)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	int64_t t = sat_add((int64_t)ts->tv_sec * MW_NS_PER_S + ts->tv_nsec, ns);
	ts->tv_sec = (time_t)(t / MW_NS_PER_S);
	ts->tv_nsec = (long)(t % MW_NS_PER_S);
	return t;
}

static void pend_recycle(struct store_journal *j, struct pend *list);
/* sqlite3_wal_hook: after each commit of the writer connection (journal
 * thread, or open before it starts). Replaces SQLite's autocheckpoint,
 * which would run the checkpoint inside that commit. */
static int wal_hook(void *ud, sqlite3 *db, const char *name, int frames)
{
	(void)db;
	(void)name;
	struct store_journal *j = ud;
	j->wal_frames = frames;
	return SQLITE_OK;
}

/* Run one PASSIVE checkpoint of the WAL on db (the writer connection, or
 * the checkpoint thread's) when the WAL held f frames, and account for it.
 * PASSIVE never waits for readers or the writer; what a reader still needs,
 * or what a commit added meanwhile, is copied by a later pass. A failed
 * fsync of the database file stops the journal like a failed commit
 * (invariant 9): the WAL is then the only good copy and must not be reset
 * over.
 *
 * What a pass reports is the WAL as it saw it at its start: SQLite's log
 * count is the frames of the wal-index header it read then. A commit that
 * lands while the pass copies makes SQLite skip the database file's fsync
 * and stop at the frames it saw (a partial backfill), and the pass still
 * reports log == done. On the journal thread no commit can land; on the
 * checkpoint thread a pass is taken for a whole one only when the
 * previous pass had copied exactly as much (*prev, -1 before the first):
 * a pass that copies nothing saw the whole WAL copied at its start. The
 * confirming pass takes the checkpoint lock and reads the header, no I/O.
 * Returns 1 if the whole WAL is copied, 0 if not (readers, commits
 * meanwhile, or not yet confirmed), -1 on error. Called and returns with
 * mu held. */
static int run_checkpoint(struct store_journal *j, sqlite3 *db, int f, int *prev)
{
	uint64_t gen = j->wal_commits;
	pthread_mutex_unlock(&j->mu);
	int64_t t0 = mw_time_mono_ns();
	int log = 0, done = 0;
	int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	int64_t dt = mw_time_mono_ns() - t0;
	char msg[200] = "";
	if (rc != SQLITE_OK)
		snprintf(msg, sizeof(msg), "%s", sqlite3_errmsg(db));
	pthread_mutex_lock(&j->mu);
	j->st.checkpoints++;
	event_record(&j->st, STORE_EV_CHECKPOINT, t0, t0 + dt);
	j->st.checkpoint_ns_total += (uint64_t)dt;
	if ((uint64_t)dt > j->st.checkpoint_ns_max)
		j->st.checkpoint_ns_max = (uint64_t)dt;
	int before = prev ? *prev : -1;
	if (prev)
		*prev = rc == SQLITE_OK && log >= 0 && done >= log ? done : -1;
	if (before >= 0 && rc == SQLITE_OK && log > before)
		j->st.checkpoints_partial++; /* the previous pass was overtaken */
	if (rc == SQLITE_OK && log >= 0 && done >= log && (!prev || before == done)) {
		j->ckpt_tried = 0; /* all copied: the next commit restarts the WAL */
		j->ckpt_full_gen = gen;
		if (log > 0 && !j->restart_due) {
			j->restart_due = true; /* invariant 15: restart it while idle */
			pthread_cond_signal(&j->wake);
		}
		return 1;
	}
	j->ckpt_tried = f;
	if (rc == SQLITE_OK || rc == SQLITE_BUSY) {
		if (!(rc == SQLITE_OK && log >= 0 && done >= log))
			j->st.checkpoints_partial++; /* readers held frames */
		return 0; /* partial, or to be confirmed by the next pass */
	}
	j->st.checkpoint_errors++;
	bool fsync_err = rc == SQLITE_IOERR_FSYNC || rc == SQLITE_IOERR_DIR_FSYNC;
	int err = map_sqlite(rc);
	if ((fsync_err || fatal_code(err)) && !j->fatal) {
		j->fsync_failed = j->fsync_failed || fsync_err;
		j->fatal = fsync_err ? -EIO : -MW_EJOURNAL;
		mw_logf(j->log, MW_LOG_ERROR, MOD,
		        "journal %s: checkpoint failed: %s (%s): commits stopped, restart the node",
		        j->path, msg, mw_errname(err));
		pthread_cond_broadcast(&j->done);
		pthread_cond_signal(&j->wake);
		pthread_mutex_unlock(&j->mu);
		notify(j);
		pthread_mutex_lock(&j->mu);
	} else {
		mw_logf(j->log, MW_LOG_WARN, MOD, "journal %s: checkpoint: %s (%s); will retry",
		        j->path, msg, mw_errname(err));
	}
	return -1;
}

/* Invariant 11: after a commit, once the WAL holds ckpt_pages frames, ask
 * the checkpoint thread to copy it into the database file: the journal
 * thread goes on committing while it runs (a checkpoint on the journal
 * thread held every record that arrived during it: 1.8-2.5 ms on this
 * disk, docs/benchmarks.md). The WAL restarts from its start at the first
 * commit after a checkpoint that copied everything, overwriting pages
 * already allocated instead of growing the file. Under continuous load a
 * checkpoint may never catch up with the commits: once the WAL holds
 * J_CKPT_FORCE times ckpt_pages, the journal thread checkpoints itself,
 * between two commits, so the WAL stays bounded (invariant 12's size).
 * While the checkpoint thread runs a pass (its fsync of the database file
 * takes milliseconds), commits go on into the J_WAL_SLACK frames
 * preallocated beyond that, and only there does the journal thread wait
 * for that pass: before
 * session 8 it waited at J_CKPT_FORCE, which put a pass's fsync on the
 * commit path whenever the WAL reached it during one (docs/benchmarks.md,
 * "Checkpoint passes"). Without a checkpoint thread
 * (it could not be set up) the journal thread checkpoints when idle, as
 * before. Called and returns with mu held. */
/* Could the next commit write past the WAL's preallocated end
 * (J_CKPT_FORCE x ckpt_pages + J_WAL_SLACK frames)? Its frames are at
 * most the larger of the last commit's and what the records queued now
 * fill at half a page each (appends fill their leaves; overflow pages
 * are full), plus page 1, the root and an interior page. Under load the
 * next group is larger than the last (records pile up while a commit
 * runs): the last commit's size alone let a commit write 1-9 frames
 * past the end (unit-store, preallocated_wal_is_overwritten_never_extended).
 * Not after a checkpoint that copied the whole WAL with no commit since:
 * the next commit starts the WAL again. Called with mu held. */
static bool wal_end_near(const struct store_journal *j)
{
	if (j->ckpt_tried == 0 && j->ckpt_full_gen == j->wal_commits && j->wal_commits > 0)
		return false; /* all copied, no commit since: the next one restarts the WAL */
	int half = j->page_bytes > 1024 ? j->page_bytes / 2 : 512;
	size_t qf = j->qbytes / (size_t)half + 1;
	int next = j->commit_frames;
	if (qf > (size_t)next)
		next = qf > (size_t)INT_MAX / 2 ? INT_MAX / 2 : (int)qf;
	return j->wal_frames + next + 3 > j->ckpt_pages * J_CKPT_FORCE + J_WAL_SLACK;
}

static void maybe_checkpoint(struct store_journal *j)
{
	int f = j->wal_frames;
	bool idle = !j->head && !j->retain_req;
	if (f < j->ckpt_pages || f < j->ckpt_tried + j->ckpt_pages / 2)
		return;
	if (f < j->ckpt_pages * J_CKPT_FORCE) {
		if (j->cthr_started) {
			if (!j->ckpt_req && !j->ckpt_busy) {
				j->ckpt_req = true;
				j->ckpt_frames = f;
				pthread_cond_signal(&j->ckpt_wake);
			}
			return;
		}
		if (!idle)
			return;
	}
	/* a pass runs: the commit after it checkpoints, unless the next
	 * commit could write past the preallocated end (it would extend the
	 * file: invariant 12) */
	if ((j->ckpt_req || j->ckpt_busy) && !wal_end_near(j))
		return;
	while (j->ckpt_req || j->ckpt_busy)
		pthread_cond_wait(&j->ckpt_idle, &j->mu);
	if (j->fatal)
		return;
	f = j->wal_frames;
	if (f < j->ckpt_pages || f < j->ckpt_tried + j->ckpt_pages / 2)
		return; /* the checkpoint thread's pass was enough */
	j->st.checkpoints_inline++;
	(void)run_checkpoint(j, j->wdb, f, NULL); /* no commit can overtake it */
}

/* opts->thread_deprio: run the calling thread (journal or checkpoint) k
 * steps below the priority it inherited from the thread that opened the
 * journal: k real-time priorities lower under SCHED_FIFO / SCHED_RR (not
 * below the policy's minimum), else a nice value k higher (at most 19).
 * Lowering one's own priority needs no privilege. Best effort. */
static void deprio_self(unsigned k)
{
	if (!k)
		return;
	int pol = 0;
	struct sched_param sp;
	if (pthread_getschedparam(pthread_self(), &pol, &sp) != 0)
		return;
	if (pol == SCHED_FIFO || pol == SCHED_RR) {
		int lo = sched_get_priority_min(pol);
		int p = sp.sched_priority - (int)(k > 99 ? 99 : k);
		sp.sched_priority = p < lo ? lo : p;
		(void)pthread_setschedparam(pthread_self(), pol, &sp);
		return;
	}
	id_t tid = (id_t)gettid();
	errno = 0;
	int n = getpriority(PRIO_PROCESS, tid);
	if (n == -1 && errno)
		return;
	n += (int)(k > 39 ? 39 : k);
	(void)setpriority(PRIO_PROCESS, tid, n > 19 ? 19 : n);
}

/* The checkpoint thread: PASSIVE checkpoints on its own connection, never
 * holding mu while one runs. A pass that commits overtook (records every
 * 0.5 ms, a disk checkpoint 1-2 ms) leaves those commits' few frames: up
 * to J_CKPT_PASSES passes in a row copy them, so that the whole WAL is
 * copied between two commits and the next commit restarts it; else the
 * WAL would grow to the forced checkpoint on the journal thread. One more
 * pass confirms a pass that looked whole (run_checkpoint): before, an
 * overtaken pass was taken for a whole one, the passes stopped, the idle
 * restart committed without restarting, and the WAL grew to the forced
 * checkpoint (docs/benchmarks.md, "Checkpoint passes"). */
#define J_CKPT_PASSES 4
static void *ckpt_thread(void *arg)
{
	struct store_journal *j = arg;
	deprio_self(j->thread_deprio);
	pthread_mutex_lock(&j->mu);
	for (;;) {
		while (!j->ckpt_req && !j->ckpt_stop)
			pthread_cond_wait(&j->ckpt_wake, &j->mu);
		if (j->ckpt_stop)
			break;
		j->ckpt_req = false;
		j->ckpt_busy = true;
		int prev = -1;
		for (int pass = 0; pass <= J_CKPT_PASSES && !j->fatal && !j->ckpt_stop; pass++)
			if (run_checkpoint(j, j->cdb, j->ckpt_frames, &prev) != 0)
				break;
		j->ckpt_busy = false;
		pthread_cond_broadcast(&j->ckpt_idle);
	}
	j->ckpt_req = false;
	pthread_cond_broadcast(&j->ckpt_idle);
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

/* opts->wal_prealloc: extend the WAL with zeros to the size it reaches
 * between checkpoints (2 * ckpt_pages frames, a group's worth more, at
 * most journal_size_limit), through SQLite's own handle of the file
 * (SQLITE_FCNTL_JOURNAL_POINTER: no second descriptor to close, no lock
 * touched), and sync it once. Only bytes past the current end are
 * written, so no frame is touched; a zero frame never passes the WAL's
 * salt and checksum test, so recovery and readers stop at the first one,
 * as they stop at the stale frames of an earlier cycle. After that,
 * COMMIT's fdatasync covers data blocks only until the WAL outgrows it
 * (docs/benchmarks.md, bench-link). Runs at open, before the journal
 * thread. Best effort: a failure is logged and open goes on (commits
 * are as durable either way, only slower). */
#define J_WAL_LIMIT_BYTES 67108864 /* PRAGMA journal_size_limit below */
static void wal_prealloc(struct store_journal *j)
{
	sqlite3_file *f = NULL;
	int64_t page = 0;
	sqlite3_int64 sz = 0;
	if (sqlite3_file_control(j->wdb, "main", SQLITE_FCNTL_JOURNAL_POINTER, &f) != SQLITE_OK ||
	    !f || !f->pMethods || query_int(j->wdb, "PRAGMA page_size", &page, NULL) != 0 ||
	    page < 512 || f->pMethods->xFileSize(f, &sz) != SQLITE_OK)
		return; /* no WAL open (not WAL mode): nothing to do */
	int64_t want = 32 + ((int64_t)j->ckpt_pages * J_CKPT_FORCE + J_WAL_SLACK) * (page + 24);
	if (want > J_WAL_LIMIT_BYTES)
		want = J_WAL_LIMIT_BYTES;
	if (sz >= want)
		return;
	static const uint8_t zero[65536];
	int rc = SQLITE_OK;
	for (int64_t off = sz; off < want && rc == SQLITE_OK;) {
		int n = want - off < (int64_t)sizeof(zero) ? (int)(want - off) : (int)sizeof(zero);
		rc = f->pMethods->xWrite(f, zero, n, off);
		off += n;
	}
	if (rc == SQLITE_OK)
		rc = f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
	if (rc != SQLITE_OK)
		mw_logf(j->log, MW_LOG_WARN, MOD, "journal %s: preallocating the WAL: %s", j->path,
		        sqlite3_errstr(rc));
	else
		j->st.wal_prealloc_bytes = (uint64_t)(want - sz);
}

/* Commit one group (everything queued, up to group_max) plus dirty acked
 * cursors. Called and returns with mu held. Returns 0 or the error. */
static int do_group(struct store_journal *j)
{
	size_t n = j->qlen < j->group_max ? j->qlen : j->group_max;
	j->inflight = n;
	/* the group is walked once, by commit_group, without mu (struct grp_sum) */
	uint64_t acked_mem[STORE_PEERS_MAX], acked_written[STORE_PEERS_MAX];
	size_t np = j->n_peers;
	for (size_t i = 0; i < np; i++) {
		acked_mem[i] = j->peers[i].acked;
		acked_written[i] = j->peers[i].acked_written;
	}
	uint64_t durable_before = j->durable_pos;
	size_t ring_head = j->ring_head;
	j->acked_dirty = false;
	uint64_t seq_res = j->seq_res_want > j->seq_res_durable ? j->seq_res_want : 0;
	int frames_before = j->wal_frames; /* set by wal_hook, on this thread */
	j->restart_due = false;            /* this commit restarts the WAL if it can */
	pthread_mutex_unlock(&j->mu);

	/* the group's items, in order, from the ring: slots enqueue wrote
	 * under mu before the group was taken, none of them written again
	 * before do_group moves ring_head past them (qlen <= queue_max) */
	size_t k1 = j->queue_max - ring_head < n ? j->queue_max - ring_head : n;
	memcpy(j->segw->grp, j->ring + ring_head, k1 * sizeof(*j->ring));
	memcpy(j->segw->grp + k1, j->ring, (n - k1) * sizeof(*j->ring));
	struct grp_sum sum_s, *sum = &sum_s;
	struct timespec c0 = {0}, c1 = {0};
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	int64_t t0 = mw_time_mono_ns();
	int rc = commit_group(j, n, acked_mem, acked_written, np, durable_before, seq_res, sum);
	const uint64_t *acked = sum->acked;
	const bool *acked_set = sum->acked_set;
	uint64_t max_pos = sum->max_pos, first_pos = sum->first_pos;
	int64_t dt = mw_time_mono_ns() - t0;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	int pages_cur = 0, pages_hi = 0; /* pages written since the last call (reset) */
	sqlite3_db_status(j->wdb, SQLITE_DBSTATUS_CACHE_WRITE, &pages_cur, &pages_hi, 1);

	pthread_mutex_lock(&j->mu);
	j->inflight = 0;
	j->st.wal_frames = (uint64_t)(j->wal_frames > 0 ? j->wal_frames : 0);
	if (rc) {
		j->st.commit_errors++;
		if (rc == -ENOSPC)
			j->st.enospc++;
		j->st.last_err = rc;
		j->err_gen++;
		/* what this group would have written is still to write (the
		 * walk may have stopped before it clamped the cursors) */
		for (size_t i = 0; i < np; i++)
			if (j->peers[i].acked > j->peers[i].acked_written)
				j->acked_dirty = true;
		if ((fatal_code(rc) || j->fsync_failed) && !j->fatal) {
			j->fatal = j->fsync_failed ? -EIO : -MW_EJOURNAL;
			mw_logf(j->log, MW_LOG_ERROR, MOD,
			        "journal %s: %s (%s): commits stopped, restart the node", j->path,
			        j->fsync_failed ? "fsync failed" : "corrupt or unwritable",
			        mw_errname(rc));
		}
		pthread_cond_broadcast(&j->done);
		pthread_mutex_unlock(&j->mu);
		notify(j);
		pthread_mutex_lock(&j->mu);
		return rc;
	}
	/* invariant 5: items leave the queue only now */
	size_t recs = sum->recs;
	uint64_t bytes = sum->bytes;
	bool all_pooled = sum->all_pooled;
	struct pend *done_list = j->head, *prev = sum->last;
	struct pend *q = prev ? prev->next : j->head; /* mu held: next is stable */
	for (size_t i = 0; i < np; i++)
		if (sum->gp[i].set && sum->gp[i].rx > j->peers[i].rx_durable)
			j->peers[i].rx_durable = sum->gp[i].rx;
	j->head = q;
	if (!q)
		j->tail = NULL;
	if (prev)
		prev->next = NULL;
	else
		done_list = NULL;
	j->qlen -= n;
	j->ring_head = (j->ring_head + n) % j->queue_max;
	j->qbytes -= bytes;
	j->done_seq += n;
	if (max_pos)
		j->durable_pos = max_pos; /* invariant 3: after COMMIT returned */
	if (seq_res > j->seq_res_durable)
		j->seq_res_durable = seq_res; /* invariant 10: likewise */
	j->rows += recs;
	j->bytes += bytes;
	for (size_t i = 0; i < np; i++) {
		if (acked_set[i] && acked[i] > j->peers[i].acked_written)
			j->peers[i].acked_written = acked[i];
		if (j->peers[i].acked > j->peers[i].acked_written && !j->acked_dirty) {
			j->acked_dirty = true; /* clamped above, or set meanwhile */
			j->acked_dirty_mono = mw_time_mono_ns();
		}
	}
	j->st.commits++;
	j->wal_commits++;
	if (j->wal_frames < frames_before) { /* this commit began the WAL again */
		j->st.wal_restarts++;
		event_record(&j->st, STORE_EV_WAL_RESTART, t0, t0 + dt);
		j->commit_frames = j->wal_frames;
	} else {
		j->commit_frames = j->wal_frames - frames_before;
	}
	j->st.committed_records += recs;
	j->st.commit_cpu_ns_total +=
	    (uint64_t)((int64_t)(c1.tv_sec - c0.tv_sec) * MW_NS_PER_S + (c1.tv_nsec - c0.tv_nsec));
	j->st.commit_pages += pages_cur > 0 ? (uint64_t)pages_cur : 0;
	j->st.last_commit_start_mono = t0;
	j->st.last_commit_end_mono = t0 + dt;
	j->st.last_commit_first_pos = first_pos;
	j->st.last_commit_last_pos = max_pos;
	if (n > j->st.group_max)
		j->st.group_max = n;
	j->st.last_err = 0;
	lat_record(&j->st, (uint64_t)dt);
	/* The usual group, all pooled blocks with room in the pool, is spliced
	 * in whole while mu is still held: no second walk of the chain (its
	 * blocks are cold again after the commit). Otherwise pend_recycle. */
	if (done_list && all_pooled && j->pool_max >= j->pool_n && n <= j->pool_max - j->pool_n) {
		prev->next = j->pool;
		j->pool = done_list;
		j->pool_n += n;
		done_list = NULL;
	}
	pthread_cond_broadcast(&j->done);
	pthread_mutex_unlock(&j->mu);
	notify(j);
	pend_recycle(j, done_list);
	pthread_mutex_lock(&j->mu);
	return 0;
}

/* Invariant 15: the first commit after a checkpoint that copied the whole
 * WAL begins the WAL again at its start, and SQLite then writes and fsyncs
 * the new WAL header before that commit's frames (so that an out-of-order
 * write cannot mix two generations of frames): two fsyncs instead of one.
 * With records arriving in bursts, that commit was a burst's, once per
 * checkpoint. Instead, when a checkpoint has copied everything and nothing
 * is queued, the journal thread commits a transaction of its own that
 * refreshes meta next_pos (a lower bound, invariant 14: durable_pos + 1, as
 * retention writes it), and that one restarts the WAL. A record appended
 * meanwhile waits for it as it would for any commit. A failed fsync or
 * corruption stops the journal like a failed commit (invariant 9); any
 * other failure is logged and forgotten: nothing depends on it, the next
 * commit restarts the WAL as before. Called and returns with mu held. */
static void restart_wal(struct store_journal *j)
{
	uint64_t next = j->durable_pos + 1;
	int frames_before = j->wal_frames;
	j->restart_due = false;
	pthread_mutex_unlock(&j->mu);
	int64_t t0 = mw_time_mono_ns();
	int rc = step_done(j->w_begin);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(j->w_meta, 1, "next_pos", -1, SQLITE_STATIC);
		sqlite3_bind_int64(j->w_meta, 2, (int64_t)next);
		rc = step_done(j->w_meta);
	}
	if (rc == SQLITE_OK)
		rc = step_done(j->w_commit);
	int64_t t1 = mw_time_mono_ns();
	char msg[200] = "";
	if (rc != SQLITE_OK) {
		snprintf(msg, sizeof(msg), "%s", sqlite3_errmsg(j->wdb));
		if (!sqlite3_get_autocommit(j->wdb))
			step_done(j->w_rollback);
	}
	pthread_mutex_lock(&j->mu);
	j->st.wal_frames = (uint64_t)(j->wal_frames > 0 ? j->wal_frames : 0);
	if (rc == SQLITE_OK) {
		j->wal_commits++;
		if (j->wal_frames < frames_before) {
			j->st.wal_restarts_idle++;
			event_record(&j->st, STORE_EV_IDLE_RESTART, t0, t1);
		} else {
			j->st.wal_restarts_idle_missed++;
		}
		return;
	}
	bool fsync_err = rc == SQLITE_IOERR_FSYNC || rc == SQLITE_IOERR_DIR_FSYNC;
	int err = map_sqlite(rc);
	j->st.commit_errors++;
	if ((fsync_err || fatal_code(err)) && !j->fatal) {
		j->fsync_failed = j->fsync_failed || fsync_err;
		j->fatal = fsync_err ? -EIO : -MW_EJOURNAL;
		mw_logf(
		    j->log, MW_LOG_ERROR, MOD,
		    "journal %s: restarting the WAL: %s (%s): commits stopped, restart the node",
		    j->path, msg, mw_errname(err));
		pthread_cond_broadcast(&j->done);
		pthread_mutex_unlock(&j->mu);
		notify(j);
		pthread_mutex_lock(&j->mu);
	} else {
		mw_logf(j->log, MW_LOG_WARN, MOD, "journal %s: restarting the WAL: %s (%s)",
		        j->path, msg, mw_errname(err));
	}
}

static void *journal_thread(void *arg)
{
	struct store_journal *j = arg;
	deprio_self(j->thread_deprio);
	int64_t backoff_ns = 0, retry_at = 0;
	int64_t next_retain = j->retain_interval_ns > 0
	                          ? sat_add(mw_time_mono_ns(), j->retain_interval_ns)
	                          : INT64_MAX;
	pthread_mutex_lock(&j->mu);
	for (;;) {
		int64_t now = mw_time_mono_ns();
		if (j->retain_req || now >= next_retain) {
			bool req = j->retain_req;
			int64_t now_ns = req ? j->retain_now : 0;
			uint64_t gen = j->retain_gen_req;
			j->retain_req = false;
			int fatal = j->fatal;
			pthread_mutex_unlock(&j->mu);
			bool cut_short = false;
			int64_t r =
			    fatal ? fatal : run_retention(j, now_ns, req ? NULL : &cut_short);
			pthread_mutex_lock(&j->mu);
			j->wal_commits++; /* it may have committed */
			if (req) {
				j->retain_result = r;
				j->retain_gen_done = gen;
				pthread_cond_broadcast(&j->done);
			}
			if (cut_short) /* commit what waits, then go on deleting */
				next_retain = mw_time_mono_ns() + MW_NS_PER_MS;
			else if (j->retain_interval_ns > 0)
				next_retain = sat_add(mw_time_mono_ns(), j->retain_interval_ns);
			else
				next_retain = INT64_MAX;
			continue;
		}
		if (j->fatal) {
			if (j->stop)
				break;
			pthread_cond_wait(&j->wake, &j->mu);
			continue;
		}
		bool acked_due =
		    j->acked_dirty && (j->stop || now >= j->acked_dirty_mono + J_ACKED_LAZY_NS);
		bool work = j->head || acked_due || j->seq_res_want > j->seq_res_durable;
		if (work && (j->stop || now >= retry_at) && j->head && wal_end_near(j)) {
			/* records piled up while a pass runs: make room first */
			maybe_checkpoint(j);
			if (j->fatal)
				continue;
		}
		if (work && (j->stop || now >= retry_at)) {
			int rc = do_group(j);
			if (rc == 0) {
				backoff_ns = 0;
				retry_at = 0;
				maybe_checkpoint(j);
			} else {
				if (j->stop) {
					/* the last attempt failed: the rest was never durable */
					if (j->qlen)
						mw_logf(
						    j->log, MW_LOG_ERROR, MOD,
						    "closing with %zu queued items not committed "
						    "(never acknowledged)",
						    j->qlen);
					break;
				}
				backoff_ns = backoff_ns ? backoff_ns * 2 : J_BACKOFF_MIN_NS;
				if (backoff_ns > J_BACKOFF_MAX_NS)
					backoff_ns = J_BACKOFF_MAX_NS;
				retry_at = mw_time_mono_ns() + backoff_ns;
			}
			continue;
		}
		if (j->stop && !j->head && !j->acked_dirty)
			break; /* an unwritten reservation is not needed: nothing more is sent */
		if (j->restart_due && j->ckpt_full_gen != j->wal_commits)
			j->restart_due = false; /* a commit came after the checkpoint's look */
		if (j->restart_due && !j->head && !j->stop && j->restart_idle) {
			restart_wal(j); /* invariant 15 */
			continue;
		}
		int64_t until = next_retain;
		if ((j->head || j->seq_res_want > j->seq_res_durable) && retry_at < until)
			until = retry_at;
		if (j->acked_dirty && j->acked_dirty_mono + J_ACKED_LAZY_NS < until)
			until = j->acked_dirty_mono + J_ACKED_LAZY_NS;
		if (until == INT64_MAX) {
			pthread_cond_wait(&j->wake, &j->mu);
		} else {
			struct timespec ts;
			int64_t dt = until - now;
			timespec_add(&ts, dt > 0 ? dt : 0);
			pthread_cond_timedwait(&j->wake, &j->mu, &ts);
		}
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* retention (journal thread)                                         */

struct ret_row {
	uint64_t pos, seq, len;
	int64_t accept_ns;
	char origin[STORE_NAME_MAX];
};

/* One retention pass. With cut_short non-NULL (the periodic pass) it
 * stops after a chunk when records are waiting to be committed and says
 * so, so that a long pass never holds back acks: the thread commits, then
 * resumes retention. A requested pass (store_journal_retain) runs to the
 * end. */
static int64_t run_retention(struct store_journal *j, int64_t now_ns, bool *cut_short)
{
	if (now_ns == 0)
		now_ns = mw_time_now_ns();
	if (!j->retain_age_ns && !j->retain_bytes && !j->hard_age_ns && !j->hard_bytes)
		return 0;
	pthread_mutex_lock(&j->mu);
	uint64_t protect = UINT64_MAX;
	for (size_t i = 0; i < j->n_peers; i++)
		if (j->peers[i].protects && j->peers[i].acked < protect)
			protect = j->peers[i].acked;
	uint64_t bytes_left = j->bytes;
	uint64_t first = j->first_pos;
	uint64_t durable = j->durable_pos;
	size_t n_rx = j->n_peers; /* names never change once a peer exists */
	uint64_t rx_durable[STORE_PEERS_MAX];
	for (size_t i = 0; i < n_rx; i++)
		rx_durable[i] = j->peers[i].rx_durable; /* committed: no group is in flight */
	pthread_mutex_unlock(&j->mu);

	struct ret_row *rows = malloc(J_RETAIN_CHUNK * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	int64_t deleted = 0;
	uint64_t forced = 0;
	bool blocked = false, more = true;
	int err = 0;
	while (more) {
		size_t n = 0;
		sqlite3_stmt *s = j->w_ret_scan;
		sqlite3_bind_int64(s, 1, (int64_t)first);
		sqlite3_bind_int64(s, 2, J_RETAIN_CHUNK);
		int rc;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			struct ret_row *r = &rows[n++];
			r->pos = (uint64_t)sqlite3_column_int64(s, 0);
			const unsigned char *o = sqlite3_column_text(s, 1);
			snprintf(r->origin, sizeof(r->origin), "%s", o ? (const char *)o : "");
			r->seq = (uint64_t)sqlite3_column_int64(s, 2);
			r->len = (uint64_t)sqlite3_column_int64(s, 3);
			r->accept_ns = sqlite3_column_int64(s, 4);
		}
		sqlite3_reset(s);
		if (rc != SQLITE_DONE) {
			err = map_sqlite(rc);
			break;
		}
		size_t cut = 0; /* rows[0..cut) get deleted */
		size_t cut_forced = 0;
		for (; cut < n; cut++) {
			const struct ret_row *r = &rows[cut];
			if (r->pos > durable)
				break;
			int64_t age = sat_sub(now_ns, r->accept_ns);
			bool soft = (j->retain_age_ns && age > j->retain_age_ns) ||
			            (j->retain_bytes && bytes_left > j->retain_bytes);
			bool hard = (j->hard_age_ns && age > j->hard_age_ns) ||
			            (j->hard_bytes && bytes_left > j->hard_bytes);
			if (!soft && !hard)
				break;
			if (r->pos > protect) {
				if (!hard) {
					blocked = true;
					break;
				}
				cut_forced++;
			}
			bytes_left -= r->len;
		}
		more = cut == n && n == J_RETAIN_CHUNK;
		if (cut == 0)
			break;
		/* delete rows[0..cut) and raise the origins' floors, atomically */
		rc = step_done(j->w_begin);
		/* invariant 4: the rows about to go may be what carries a peer's rx */
		for (size_t i = 0; i < n_rx && rc == SQLITE_OK; i++) {
			if (!rx_durable[i])
				continue;
			sqlite3_bind_text(j->w_rx, 1, j->peers[i].name, -1, SQLITE_STATIC);
			sqlite3_bind_int64(j->w_rx, 2, (int64_t)rx_durable[i]);
			sqlite3_bind_int64(j->w_rx, 3, 0); /* max(): acked unchanged */
			rc = step_done(j->w_rx);
		}
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(j->w_ret_del, 1, (int64_t)rows[cut - 1].pos);
			rc = step_done(j->w_ret_del);
		}
		if (rc == SQLITE_OK) { /* segments whose every row is gone (format 4) */
			sqlite3_bind_int64(j->w_seg_del, 1, (int64_t)rows[cut - 1].pos);
			rc = step_done(j->w_seg_del);
		}
		for (size_t i = 0; i < cut && rc == SQLITE_OK; i++) {
			/* one UPSERT per row keeps it simple; MAX() keeps the floor monotonic */
			sqlite3_bind_text(j->w_floor, 1, rows[i].origin, -1, SQLITE_STATIC);
			sqlite3_bind_int64(j->w_floor, 2, (int64_t)rows[i].seq);
			rc = step_done(j->w_floor);
		}
		if (rc == SQLITE_OK) {
			sqlite3_bind_text(j->w_meta, 1, "first_pos", -1, SQLITE_STATIC);
			sqlite3_bind_int64(j->w_meta, 2, (int64_t)(rows[cut - 1].pos + 1));
			rc = step_done(j->w_meta);
		}
		if (rc == SQLITE_OK) { /* invariant 14: first_pos <= next_pos on disk too */
			sqlite3_bind_text(j->w_meta, 1, "next_pos", -1, SQLITE_STATIC);
			sqlite3_bind_int64(j->w_meta, 2, (int64_t)(durable + 1));
			rc = step_done(j->w_meta);
		}
		if (rc == SQLITE_OK)
			rc = step_done(j->w_commit);
		if (rc != SQLITE_OK) {
			err = map_sqlite(rc);
			/* invariant 9 for this transaction too: never retried */
			if (rc == SQLITE_IOERR_FSYNC || rc == SQLITE_IOERR_DIR_FSYNC)
				j->fsync_failed = true;
			if (!sqlite3_get_autocommit(j->wdb))
				step_done(j->w_rollback);
			break;
		}
		pthread_mutex_lock(&j->mu);
		for (size_t i = 0; i < cut; i++) {
			int oi = origin_find(j, rows[i].origin, false);
			if (oi < 0)
				continue;
			kidx_del(&j->idx, (uint32_t)oi, rows[i].seq);
			if (rows[i].seq > j->origins[oi].floor)
				j->origins[oi].floor = rows[i].seq;
			j->rows--;
			j->bytes -= rows[i].len;
		}
		kidx_shrink(&j->idx);
		j->first_pos = rows[cut - 1].pos + 1;
		j->st.retained_deleted += cut;
		j->st.retained_forced += cut_forced;
		bool waiting = j->head != NULL;
		pthread_mutex_unlock(&j->mu);
		if (cut_short && waiting && more) {
			*cut_short = true;
			more = false;
		}
		first = rows[cut - 1].pos + 1;
		deleted += (int64_t)cut;
		forced += cut_forced;
		if (cut < n)
			more = false;
	}
	free(rows);
	if (blocked) {
		pthread_mutex_lock(&j->mu);
		j->st.retain_blocked++;
		pthread_mutex_unlock(&j->mu);
	}
	if (forced)
		mw_log_kv(
		    j->log, MW_LOG_WARN, MOD,
		    "hard retention limit: deleted records not yet acknowledged by every peer",
		    (struct mw_log_field[]){MW_LOG_INT("records", (int64_t)forced),
		                            MW_LOG_INT("acked_cursor", (int64_t)protect)},
		    2);
	if (err) {
		mw_logf(j->log, MW_LOG_ERROR, MOD, "retention failed: %s", mw_errname(err));
		if (fatal_code(err) || j->fsync_failed) {
			pthread_mutex_lock(&j->mu);
			if (!j->fatal) {
				j->fatal = j->fsync_failed ? -EIO : -MW_EJOURNAL;
				mw_logf(j->log, MW_LOG_ERROR, MOD,
				        "journal %s: %s during retention (%s): commits stopped, "
				        "restart the node",
				        j->path,
				        j->fsync_failed ? "fsync failed" : "corrupt or unwritable",
				        mw_errname(err));
			}
			err = j->fatal;
			pthread_cond_broadcast(&j->done);
			pthread_mutex_unlock(&j->mu);
			notify(j);
		}
		return err;
	}
	return deleted;
}

/* ------------------------------------------------------------------ */
/* open: schema, verification, rebuild                                */

static int check_quick(sqlite3 *db, bool full, char *first, size_t first_len, bool *ok)
{
	sqlite3_stmt *st = NULL;
	const char *sql = full ? "PRAGMA integrity_check(20)" : "PRAGMA quick_check(20)";
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		snprintf(first, first_len, "%s: %s", sql, sqlite3_errmsg(db));
		*ok = false;
		return map_sqlite(rc);
	}
	*ok = true;
	bool got = false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		if (!got) {
			got = true;
			if (!t || strcmp((const char *)t, "ok") != 0) {
				*ok = false;
				snprintf(first, first_len, "SQLite %s: %s",
				         full ? "integrity_check" : "quick_check",
				         t ? (const char *)t : "(null)");
			}
		}
	}
	if (rc != SQLITE_DONE) {
		*ok = false;
		snprintf(first, first_len, "SQLite %s failed: %s",
		         full ? "integrity_check" : "quick_check", sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	for (char *c = first; *c; c++) /* SQLite lists one problem per line */
		if (*c == '\n')
			*c = ';';
	return rc == SQLITE_DONE ? 0 : map_sqlite(rc);
}

/* Is this file ours, and of a format we read? Sets *empty for a new file. */
static int check_identity(sqlite3 *db, bool *empty, int *format, struct mw_errbuf *err)
{
	int64_t app = 0, ver = 0, tables = 0;
	int rc = query_int(db, "PRAGMA application_id", &app, err);
	if (rc)
		return rc;
	rc = query_int(db, "PRAGMA user_version", &ver, err);
	if (rc)
		return rc;
	rc = query_int(db, "SELECT count(*) FROM sqlite_schema", &tables, err);
	if (rc)
		return rc;
	*empty = app == 0 && ver == 0 && tables == 0;
	if (*empty)
		return 0;
	if (app != J_APP_ID) {
		mw_errbuf_set(err,
		              "not an mwlink journal (application_id 0x%08" PRIx64 ", want 0x%08x)",
		              (uint64_t)app, J_APP_ID);
		return -MW_EJOURNAL;
	}
	/* A newer format is refused before anything is written (no WAL switch,
	 * no pragma, no migration): this build would misread what it does not
	 * know (format 5's next_pos lower bound, format 4's compact rows), and
	 * the newer build must find its file as it left it. */
	if (ver > J_FORMAT) {
		mw_errbuf_set(err,
		              "journal format %" PRId64
		              " not supported (this build reads %d to %d): "
		              "written by a newer mwlink; run that version or a later one",
		              ver, J_FORMAT_OLDEST, J_FORMAT);
		return -MW_EJOURNAL;
	}
	if (ver < J_FORMAT_OLDEST) {
		mw_errbuf_set(
		    err, "journal format %" PRId64 " not supported (this build reads %d to %d)",
		    ver, J_FORMAT_OLDEST, J_FORMAT);
		return -MW_EJOURNAL;
	}
	*format = (int)ver;
	return 0;
}

/* Walk every row in pos order checking invariants 1 and 2; insert keys
 * into ix (via j's origin table when j != NULL). */
struct scan_rx {
	char peer[STORE_NAME_MAX];
	uint64_t rx; /* highest from_pos of its rows */
};
struct scan_out {
	uint64_t rows, bytes, pos_min, pos_max;
	uint64_t pos_gaps, len_bad, hash_bad, dup_keys, bad_fields;
	bool hashed;
	struct scan_rx rx[STORE_PEERS_MAX]; /* format 5: a peer's rx is max(peer.rx, these) */
	size_t n_rx, rx_last;
	char first[512];
};

/* Fold a row's (from_peer, from_pos) into o->rx; false if more peers than fit. */
static bool scan_note_rx(struct scan_out *o, const char *peer, uint64_t from_pos)
{
	if (!peer[0] || !from_pos)
		return true;
	size_t i = o->rx_last; /* rows of one peer come in runs */
	if (i >= o->n_rx || strcmp(o->rx[i].peer, peer) != 0)
		for (i = 0; i < o->n_rx && strcmp(o->rx[i].peer, peer) != 0; i++)
			;
	if (i == o->n_rx) {
		if (o->n_rx == STORE_PEERS_MAX)
			return false;
		snprintf(o->rx[i].peer, sizeof(o->rx[i].peer), "%s", peer);
		o->rx[i].rx = 0;
		o->n_rx++;
	}
	if (from_pos > o->rx[i].rx)
		o->rx[i].rx = from_pos;
	o->rx_last = i;
	return true;
}

static void scan_problem(struct scan_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void scan_problem(struct scan_out *o, const char *fmt, ...)
{
	if (o->first[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->first, sizeof(o->first), fmt, ap);
	va_end(ap);
}

/* j: the journal being opened (its origin table and index are filled)
 * or NULL (check: a private origin table and index). */
static int scan_rows(sqlite3 *db, int format, bool full, struct store_journal *j,
                     struct scan_out *o)
{
	char sql[320];
	/* ROW_COLS order (bytes only when full), then length(bytes), seg, leaf */
	snprintf(sql, sizeof(sql),
	         "SELECT pos, origin, seq, kind, flags, release, data_ns, accept_ns, from_peer, "
	         "from_pos, len, sha256, %s, length(bytes), %s FROM env ORDER BY pos",
	         full ? "bytes" : "NULL", format >= 4 ? "seg, leaf" : "NULL, NULL");
	sqlite3_stmt *st = NULL;
	struct seg_cache sc;
	seg_cache_init(&sc);
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && full && format >= 4)
		rc = sqlite3_prepare_v2(db, "SELECT data FROM seg WHERE pos = ?1", -1, &sc.q, NULL);
	if (rc != SQLITE_OK) {
		scan_problem(o, "cannot read env table: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		seg_cache_finish(&sc);
		return map_sqlite(rc);
	}
	/* check mode: a private origin table + index */
	struct store_journal tmp;
	struct store_journal *k = j;
	if (!k) {
		memset(&tmp, 0, sizeof(tmp));
		tmp.idx.max = SIZE_MAX / 4;
		k = &tmp;
	}
	struct sha sh = {0};
	if (full && sha_init(&sh) != 0) {
		sqlite3_finalize(st);
		seg_cache_finish(&sc);
		sha_finish(&sh);
		scan_problem(o, "cannot set up SHA-256");
		return -ENOMEM;
	}
	uint64_t prev = 0;
	int ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t pos = (uint64_t)sqlite3_column_int64(st, 0);
		const char *origin = (const char *)sqlite3_column_text(st, 1);
		int64_t seq = sqlite3_column_int64(st, 2);
		int64_t len = sqlite3_column_int64(st, 10);
		int64_t blen = sqlite3_column_int64(st, 13);
		if (o->rows == 0)
			o->pos_min = pos;
		else if (pos != prev + 1) {
			o->pos_gaps += pos - prev - 1;
			scan_problem(o, "pos not contiguous: %" PRIu64 " follows %" PRIu64, pos,
			             prev);
		}
		prev = pos;
		o->pos_max = pos;
		o->rows++;
		/* a compact row (format 4) holds its body; len is the envelope's */
		bool compact = sqlite3_column_type(st, 14) != SQLITE_NULL;
		if (compact)
			o->bytes += len > 0 ? (uint64_t)len : 0;
		else
			o->bytes += blen > 0 ? (uint64_t)blen : 0;
		if (!name_ok(origin) || seq <= 0) {
			o->bad_fields++;
			scan_problem(o, "pos %" PRIu64 ": invalid origin '%s' or seq %" PRId64, pos,
			             origin ? origin : "(null)", seq);
			continue;
		}
		if (compact ? blen <= 0 || blen >= len : len != blen) {
			o->len_bad++;
			scan_problem(o,
			             "pos %" PRIu64 " (%s,%" PRId64 "): stored length %" PRId64
			             " but %" PRId64 " bytes present",
			             pos, origin, seq, len, blen);
		}
		int shalen = sqlite3_column_bytes(st, 11);
		if (sha_len_ok(shalen))
			o->hashed = true;
		else if (shalen != 0) {
			o->hash_bad++;
			scan_problem(o, "pos %" PRIu64 ": sha256 column has %d bytes", pos, shalen);
		}
		struct store_rec fr;
		const char *bad = row_fields(st, &fr);
		if (bad) {
			o->bad_fields++;
			scan_problem(o, "pos %" PRIu64 " (%s,%" PRId64 "): %s", pos, origin, seq,
			             bad);
		} else if (!scan_note_rx(o, fr.from_peer, fr.from_pos)) {
			o->bad_fields++;
			scan_problem(o, "pos %" PRIu64 ": rows from more than %d peers", pos,
			             STORE_PEERS_MAX);
		}
		bool rebuilt = true;
		if (full && compact && !bad) {
			const uint8_t *body = sqlite3_column_blob(st, 12);
			int bl = sqlite3_column_bytes(st, 12);
			const char *why =
			    body && bl > 0
			        ? seg_expand(&sc, sqlite3_column_int64(st, 14),
			                     sqlite3_column_int64(st, 15), body, (size_t)bl)
			        : "no body";
			if (why) {
				rebuilt = false;
				o->bad_fields++;
				scan_problem(
				    o, "pos %" PRIu64 " (%s,%" PRId64 "): envelope not rebuilt: %s",
				    pos, origin, seq, why);
			} else if ((int64_t)mw_buf_used(&sc.out) != len) {
				o->len_bad++;
				scan_problem(o,
				             "pos %" PRIu64 " (%s,%" PRId64
				             "): stored length %" PRId64
				             " but the rebuilt envelope has %zu bytes",
				             pos, origin, seq, len, mw_buf_used(&sc.out));
			}
		}
		if (full && sha_len_ok(shalen) && !bad && rebuilt) {
			fr.bytes = compact ? mw_buf_peek(&sc.out) : sqlite3_column_blob(st, 12);
			fr.len =
			    compact ? mw_buf_used(&sc.out) : (size_t)sqlite3_column_bytes(st, 12);
			if (!fr.bytes)
				fr.bytes = (const uint8_t *)"";
			if (!row_sha_matches(&sh, &fr, sqlite3_column_blob(st, 11), shalen)) {
				o->hash_bad++;
				scan_problem(o,
				             "pos %" PRIu64 " (%s,%" PRId64 "): SHA-256 mismatch",
				             pos, origin, seq);
			}
		}
		int oi = origin_find(k, origin, true);
		if (oi < 0) {
			ret = oi;
			scan_problem(o, "too many origins (max %d)", J_ORIGINS_MAX);
			break;
		}
		if ((uint64_t)seq > k->origins[oi].max_seq)
			k->origins[oi].max_seq = (uint64_t)seq;
		int a = kidx_add(&k->idx, (uint32_t)oi, (uint64_t)seq);
		if (a == -EEXIST) {
			o->dup_keys++;
			scan_problem(o, "(%s, %" PRId64 ") stored twice (again at pos %" PRIu64 ")",
			             origin, seq, pos);
		} else if (a < 0) {
			ret = a;
			scan_problem(o, "duplicate index full (%zu keys, raise index_max)",
			             k->idx.count);
			break;
		}
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		scan_problem(o, "reading env failed at pos %" PRIu64 ": %s", prev,
		             sqlite3_errmsg(db));
		ret = map_sqlite(rc);
	}
	sqlite3_finalize(st);
	seg_cache_finish(&sc);
	sha_finish(&sh);
	if (!j) {
		kidx_finish(&tmp.idx);
		free(tmp.origins);
	}
	return ret;
}

static uint64_t scan_problems(const struct scan_out *o)
{
	return o->pos_gaps + o->len_bad + o->hash_bad + o->dup_keys + o->bad_fields;
}

static int load_meta(sqlite3 *db, uint64_t *next_pos, uint64_t *first_pos, struct mw_errbuf *err)
{
	int64_t np = 0, fp = 0;
	int rc = query_int(db, "SELECT val FROM meta WHERE key='next_pos'", &np, err);
	if (!rc)
		rc = query_int(db, "SELECT val FROM meta WHERE key='first_pos'", &fp, err);
	if (rc)
		return rc;
	if (np < 1 || fp < 1 || fp > np) {
		mw_errbuf_set(err, "meta: first_pos %" PRId64 " / next_pos %" PRId64 " invalid", fp,
		              np);
		return -MW_EJOURNAL;
	}
	*next_pos = (uint64_t)np;
	*first_pos = (uint64_t)fp;
	return 0;
}

/* SQLite's memory statistics (SQLITE_CONFIG_MEMSTATUS, on by default) take
 * one process-wide mutex in every sqlite3_malloc and sqlite3_free: some 40
 * lock/unlock pairs per commit of 8 records on the journal thread, shared
 * with the checkpoint thread and the loop's reader connection (and, in
 * bench_link, with the other nodes' journals). Nothing reads the statistics
 * (sqlite3_memory_used, sqlite3_status, a heap limit), so they are turned
 * off before SQLite is first initialized (docs/benchmarks.md, "The
 * receiver's commit"). A process that initialized SQLite before its first
 * journal (a test that registers a VFS) is refused with SQLITE_MISUSE and
 * keeps them: only slower. */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;
static void sqlite_setup(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int open_db(const char *path, int flags, const char *vfs, sqlite3 **out,
                   struct mw_errbuf *err)
{
	pthread_once(&sqlite_once, sqlite_setup);
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, vfs);
	if (rc != SQLITE_OK) {
		mw_errbuf_set(err, "%s: cannot open: %s", path,
		              db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return map_sqlite(rc);
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, 5000);
	*out = db;
	return 0;
}

static int setup_writer(struct store_journal *j, const struct store_journal_opts *opts,
                        struct mw_errbuf *err)
{
	sqlite3 *db = j->wdb;
	bool empty = false;
	int format = J_FORMAT;
	int rc = check_identity(db, &empty, &format, err);
	if (rc)
		return rc;
	/* Page size of a new journal (fixed once the file exists; an older
	 * journal keeps its 4096). With ~500-byte rows, 8192 halves the WAL
	 * frames, so the write(2)/pread(2) calls of commits and checkpoints:
	 * -7 % of the link benchmark's CPU per envelope (docs/benchmarks.md). */
	if (empty) {
		char q[64];
		snprintf(q, sizeof(q), "PRAGMA page_size=%u",
		         opts->page_size ? opts->page_size : J_PAGE_SIZE);
		if ((rc = exec_sql(db, q, err)))
			return rc;
	}
	/* WAL + FULL: every COMMIT fsyncs the WAL before returning */
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK) {
		mw_errbuf_set(err, "PRAGMA journal_mode=WAL: %s", sqlite3_errmsg(db));
		return map_sqlite(sqlite3_errcode(db));
	}
	int s = sqlite3_step(st);
	const char *mode = s == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	bool wal = mode && strcmp(mode, "wal") == 0;
	if (!wal)
		mw_errbuf_set(err, "cannot switch journal to WAL mode: %s",
		              s == SQLITE_ROW ? (mode ? mode : "?") : sqlite3_errmsg(db));
	sqlite3_finalize(st);
	if (!wal)
		return s == SQLITE_ROW ? -EIO : map_sqlite(s);
	/* cache_size: a group of up to group_max records (8192 x ~1 KiB with
	 * the (origin, seq) index) must fit in the page cache, else SQLite
	 * spills dirty pages to the WAL in the middle of the transaction
	 * (sqlite3PcacheFetchStress was 3 % of the link benchmark's CPU with
	 * the default 2 MiB). Memory only: durability is unchanged. */
	if ((rc = exec_sql(db, "PRAGMA synchronous=FULL", err)) ||
	    (rc = exec_sql(db, "PRAGMA journal_size_limit=67108864", err)) ||
	    (rc = exec_sql(db, "PRAGMA cache_size=-16384", err)))
		return rc;
	/* the caller counts in 4096-byte pages (ckpt_pages, max_db_pages); the
	 * file may use larger ones, and then checkpoints after the same number
	 * of WAL bytes as before (the WAL hook counts frames of page bytes) */
	int64_t page = 4096;
	if ((rc = query_int(db, "PRAGMA page_size", &page, err)))
		return rc;
	if (page < 512)
		page = 4096; /* SQLite's minimum is 512: cannot happen */
	j->page_bytes = (int)page;
	if (page > 4096) {
		int64_t f = (int64_t)j->ckpt_pages * 4096 / page;
		j->ckpt_pages = f < 1 ? 1 : (int)f;
	}
	if (opts->max_db_pages) {
		char q[64];
		uint64_t pages =
		    ((uint64_t)opts->max_db_pages * 4096 + (uint64_t)page - 1) / (uint64_t)page;
		snprintf(q, sizeof(q), "PRAGMA max_page_count=%" PRIu64, pages);
		if ((rc = exec_sql(db, q, err)))
			return rc;
	}
	if (!empty && format < J_FORMAT) {
		/* Format 2, 3 or 4 -> 5, one way, in one transaction. Their rows
		 * stay valid as they are (whole envelopes, seg and leaf NULL; a
		 * format 2 row keeps its 32-byte hash, only new rows store 16); new
		 * rows may be compact. 2 and 3 get format 4's columns and seg
		 * table. The env table keeps its UNIQUE(origin, seq) index (dropping
		 * it means copying the table; it costs a page per commit, not
		 * correctness) and meta next_pos, exact until now, becomes the
		 * lower bound of invariant 14. Marking the file 5 makes a build
		 * that reads only up to 4 refuse it ("journal format 5 not
		 * supported") rather than take the stale next_pos for the end and
		 * refuse it as damaged, or - before format 4 - misread a compact
		 * row's body as the envelope. */
		char q[400];
		snprintf(q, sizeof(q),
		         "BEGIN IMMEDIATE;"
		         "%s"
		         "PRAGMA user_version=%d;"
		         "COMMIT;",
		         format < 4 ? "ALTER TABLE env ADD COLUMN seg INTEGER;"
		                      "ALTER TABLE env ADD COLUMN leaf INTEGER;"
		                      "CREATE TABLE IF NOT EXISTS seg(pos INTEGER PRIMARY KEY,"
		                      " last_pos INTEGER NOT NULL, data BLOB NOT NULL);"
		                    : "",
		         J_FORMAT);
		if ((rc = exec_sql(db, q, err))) {
			exec_sql(db, "ROLLBACK", NULL);
			return rc;
		}
		mw_logf(j->log, MW_LOG_INFO, MOD, "journal %s: format %d migrated to %d", j->path,
		        format, J_FORMAT);
	}
	if (empty) {
		if ((rc = exec_sql(db, "BEGIN IMMEDIATE", err)))
			return rc;
		char q[128];
		snprintf(q, sizeof(q), "PRAGMA application_id=%d; PRAGMA user_version=%d;",
		         J_APP_ID, J_FORMAT);
		if ((rc = exec_sql(db, q, err)) || (rc = exec_sql(db, SCHEMA, err)) ||
		    (rc = exec_sql(db, "COMMIT", err))) {
			exec_sql(db, "ROLLBACK", NULL);
			return rc;
		}
	}
	return 0;
}

static int verify_and_load(struct store_journal *j, enum store_check_level lvl,
                           struct mw_errbuf *err)
{
	sqlite3 *db = j->wdb;
	char first[512] = "";
	bool ok = false;
	int rc = check_quick(db, lvl == STORE_CHECK_FULL, first, sizeof(first), &ok);
	if (rc || !ok) {
		mw_errbuf_set(err, "%s: %s", j->path, first);
		return rc && rc != -MW_EJOURNAL && rc != -EIO ? rc : -MW_EJOURNAL;
	}
	rc = load_meta(db, &j->next_pos, &j->first_pos, err);
	if (rc)
		return rc;
	int64_t res = 0; /* absent (journals before the reservation) = 0 */
	rc = query_int(db, "SELECT val FROM meta WHERE key='seq_reserved'", &res, err);
	if (rc)
		return rc;
	if (res < 0) {
		mw_errbuf_set(err, "%s: meta seq_reserved %" PRId64 " invalid", j->path, res);
		return -MW_EJOURNAL;
	}
	j->seq_res_want = j->seq_res_durable = (uint64_t)res;
	struct scan_out so;
	memset(&so, 0, sizeof(so));
	rc = scan_rows(db, J_FORMAT, lvl == STORE_CHECK_FULL, j, &so); /* migrated at open */
	if (rc == -ENOBUFS || rc == -ENOMEM) {
		mw_errbuf_set(err, "%s: %s", j->path, so.first);
		return rc;
	}
	if (rc || scan_problems(&so)) {
		mw_errbuf_set(err, "%s: %s", j->path, so.first[0] ? so.first : "unreadable");
		return -MW_EJOURNAL;
	}
	/* invariant 14 (format 5, which every read-write open has migrated
	 * to): meta next_pos is a lower bound, the rows may go beyond it */
	if (so.rows && (so.pos_min < j->first_pos || so.pos_max + 1 < j->next_pos)) {
		mw_errbuf_set(err,
		              "%s: rows hold pos %" PRIu64 "..%" PRIu64
		              " but meta says first_pos %" PRIu64 ", next_pos at least %" PRIu64,
		              j->path, so.pos_min, so.pos_max, j->first_pos, j->next_pos);
		return -MW_EJOURNAL;
	}
	if (so.rows)
		j->next_pos = so.pos_max + 1;
	if (so.rows && so.pos_min != j->first_pos) {
		mw_errbuf_set(err, "%s: first row has pos %" PRIu64 ", meta first_pos %" PRIu64,
		              j->path, so.pos_min, j->first_pos);
		return -MW_EJOURNAL;
	}
	if (!so.rows && j->first_pos != j->next_pos) {
		mw_errbuf_set(err,
		              "%s: no rows but pos %" PRIu64 "..%" PRIu64
		              " should be present (rows lost)",
		              j->path, j->first_pos, j->next_pos - 1);
		return -MW_EJOURNAL;
	}
	j->rows = so.rows;
	j->bytes = so.bytes;
	j->durable_pos = j->next_pos - 1;

	/* floors */
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT origin, seq FROM origin_floor", -1, &st, NULL) !=
	    SQLITE_OK) {
		mw_errbuf_set(err, "%s: origin_floor: %s", j->path, sqlite3_errmsg(db));
		return -MW_EJOURNAL;
	}
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *o = (const char *)sqlite3_column_text(st, 0);
		int64_t fl = sqlite3_column_int64(st, 1);
		if (!name_ok(o) || fl < 0) {
			mw_errbuf_set(err, "%s: origin_floor row invalid", j->path);
			sqlite3_finalize(st);
			return -MW_EJOURNAL;
		}
		int oi = origin_find(j, o, true);
		if (oi < 0) {
			sqlite3_finalize(st);
			return oi;
		}
		j->origins[oi].floor = (uint64_t)fl;
		if ((uint64_t)fl > j->origins[oi].max_seq)
			j->origins[oi].max_seq = (uint64_t)fl;
	}
	sqlite3_finalize(st);
	if (s != SQLITE_DONE) {
		mw_errbuf_set(err, "%s: origin_floor: %s", j->path, sqlite3_errmsg(db));
		return map_sqlite(s);
	}
	/* peers */
	if (sqlite3_prepare_v2(db, "SELECT peer, rx, acked FROM peer", -1, &st, NULL) !=
	    SQLITE_OK) {
		mw_errbuf_set(err, "%s: peer: %s", j->path, sqlite3_errmsg(db));
		return -MW_EJOURNAL;
	}
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);
		int64_t rx = sqlite3_column_int64(st, 1), ack = sqlite3_column_int64(st, 2);
		if (!name_ok(p) || rx < 0 || ack < 0) {
			mw_errbuf_set(err, "%s: peer row invalid", j->path);
			sqlite3_finalize(st);
			return -MW_EJOURNAL;
		}
		if ((uint64_t)ack >= j->next_pos) {
			mw_errbuf_set(err,
			              "%s: peer %s acknowledged pos %" PRId64
			              " but the journal ends at %" PRIu64
			              " (acknowledged records lost)",
			              j->path, p, ack, j->next_pos - 1);
			sqlite3_finalize(st);
			return -MW_EJOURNAL;
		}
		int pi = peer_find(j, p, true);
		if (pi < 0) {
			mw_errbuf_set(err, "%s: more than %d peers", j->path, STORE_PEERS_MAX);
			sqlite3_finalize(st);
			return pi;
		}
		struct peer_ent *pe = &j->peers[pi];
		pe->rx_queued = pe->rx_durable = pe->rx_reported = (uint64_t)rx;
		pe->acked = pe->acked_written = (uint64_t)ack;
	}
	sqlite3_finalize(st);
	if (s != SQLITE_DONE) {
		mw_errbuf_set(err, "%s: peer: %s", j->path, sqlite3_errmsg(db));
		return map_sqlite(s);
	}
	/* invariant 4, format 5: the rows carry the rx their commits advanced */
	for (size_t i = 0; i < so.n_rx; i++) {
		int pi = peer_find(j, so.rx[i].peer, true);
		if (pi < 0) {
			mw_errbuf_set(err, "%s: more than %d peers", j->path, STORE_PEERS_MAX);
			return pi;
		}
		struct peer_ent *pe = &j->peers[pi];
		if (so.rx[i].rx > pe->rx_durable)
			pe->rx_queued = pe->rx_durable = pe->rx_reported = so.rx[i].rx;
	}
	return 0;
}

static int prepare_all(struct store_journal *j, struct mw_errbuf *err)
{
	char ins[512], rng[512], insn[512 + J_INS_ROWS * 40];
	/* OR ROLLBACK: a failed row ends the whole transaction (commit_group
	 * rolls back on any error anyway), so a multi-row statement needs no
	 * statement journal to undo its own earlier rows */
	snprintf(ins, sizeof(ins),
	         "INSERT OR ROLLBACK INTO env(%s) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", ROW_COLS);
	int off = snprintf(insn, sizeof(insn), "INSERT OR ROLLBACK INTO env(%s) VALUES", ROW_COLS);
	for (int k = 0; k < J_INS_ROWS; k++)
		off += snprintf(insn + off, sizeof(insn) - (size_t)off,
		                "%s(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", k ? "," : "");
	snprintf(rng, sizeof(rng),
	         "SELECT %s FROM env WHERE pos >= ?1 AND pos <= ?2 ORDER BY pos LIMIT ?3",
	         ROW_COLS);
	int rc;
	if ((rc = prep(j->wdb, "BEGIN IMMEDIATE", &j->w_begin, err)) ||
	    (rc = prep(j->wdb, "COMMIT", &j->w_commit, err)) ||
	    (rc = prep(j->wdb, "ROLLBACK", &j->w_rollback, err)) ||
	    (rc = prep(j->wdb, ins, &j->w_ins, err)) ||
	    (rc = prep(j->wdb, insn, &j->w_insn, err)) ||
	    (rc = prep(j->wdb,
	               "INSERT INTO peer(peer, rx, acked) VALUES(?1, ?2, ?3) ON CONFLICT(peer) DO "
	               "UPDATE SET rx = max(rx, excluded.rx), acked = max(acked, excluded.acked)",
	               &j->w_rx, err)) ||
	    (rc = prep(j->wdb, "UPDATE meta SET val = ?2 WHERE key = ?1", &j->w_meta, err)) ||
	    (rc = prep(j->wdb,
	               "INSERT INTO meta(key, val) VALUES('seq_reserved', ?1) ON CONFLICT(key) "
	               "DO UPDATE SET val = max(val, excluded.val)",
	               &j->w_seqres, err)) ||
	    (rc = prep(j->wdb,
	               "SELECT pos, origin, seq, len, accept_ns FROM env WHERE pos >= ?1 "
	               "ORDER BY pos LIMIT ?2",
	               &j->w_ret_scan, err)) ||
	    (rc = prep(j->wdb, "DELETE FROM env WHERE pos <= ?1", &j->w_ret_del, err)) ||
	    (rc = prep(j->wdb,
	               "INSERT INTO origin_floor(origin, seq) VALUES(?1, ?2) ON CONFLICT(origin) "
	               "DO UPDATE SET seq = max(seq, excluded.seq)",
	               &j->w_floor, err)) ||
	    (rc = prep(j->wdb, "INSERT INTO seg(pos, last_pos, data) VALUES(?1, ?2, ?3)",
	               &j->w_seg_ins, err)) ||
	    (rc = prep(j->wdb, "DELETE FROM seg WHERE pos <= ?1 AND last_pos <= ?1", &j->w_seg_del,
	               err)) ||
	    (rc = prep(j->rdb, "SELECT data FROM seg WHERE pos = ?1", &j->r_seg.q, err)) ||
	    (rc = prep(j->rdb, rng, &j->r_range, err)))
		return rc;
	j->w_acked = NULL; /* acked is written by w_rx's UPSERT */
	return 0;
}

static void finalize_all(struct store_journal *j)
{
	sqlite3_stmt *all[] = {j->w_begin, j->w_commit, j->w_rollback, j->w_ins,     j->w_rx,
	                       j->w_acked, j->w_meta,   j->w_ret_scan, j->w_seqres,  j->w_ret_del,
	                       j->w_floor, j->r_range,  j->w_insn,     j->w_seg_ins, j->w_seg_del};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		sqlite3_finalize(all[i]);
	seg_cache_finish(&j->r_seg); /* its statement, before rdb closes */
}

/* Stop and join the checkpoint thread (if any) and close its connection
 * first, so the writer's is the last to close (and checkpoints the rest). */
static void stop_ckpt_thread(struct store_journal *j)
{
	if (j->cthr_started) {
		pthread_mutex_lock(&j->mu);
		j->ckpt_stop = true;
		pthread_cond_signal(&j->ckpt_wake);
		pthread_mutex_unlock(&j->mu);
		pthread_join(j->cthr, NULL);
		j->cthr_started = false;
	}
	sqlite3_close(j->cdb);
	j->cdb = NULL;
}

int store_journal_probe(const char *path, struct mw_errbuf *err)
{
	struct stat st;
	if (!path || !path[0]) {
		mw_errbuf_set(err, "journal: empty path");
		return -EINVAL;
	}
	if (stat(path, &st) != 0) {
		int e = errno;
		if (e != ENOENT)
			mw_errbuf_set(err, "%s: %s", path, strerror(e));
		return -e;
	}
	char lockp[PATH_MAX];
	if (snprintf(lockp, sizeof(lockp), "%s-lock", path) >= (int)sizeof(lockp)) {
		mw_errbuf_set(err, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	/* read-only and never created: no PATH-lock, no holder */
	int fd = open(lockp, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT)
			return 0;
		mw_errbuf_set(err, "%s: %s", lockp, strerror(e));
		return -e;
	}
	int rc = 0;
	if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (rc == -EBUSY)
			mw_errbuf_set(err, "%s: journal in use by another process or handle", path);
		else
			mw_errbuf_set(err, "%s: %s", lockp, strerror(-rc));
	}
	close(fd); /* drops the shared flock, if taken */
	return rc;
}

int store_journal_open(const struct store_journal_opts *opts, struct store_journal **out,
                       struct mw_errbuf *err)
{
	if (!opts || !opts->path || !*opts->path || !out) {
		mw_errbuf_set(err, "journal: no path given");
		return -EINVAL;
	}
	if (opts->retain_age_ns < 0 || opts->hard_age_ns < 0 || opts->retain_interval_ns < 0 ||
	    opts->n_peers > STORE_PEERS_MAX || (opts->n_peers && !opts->peers)) {
		mw_errbuf_set(err, "journal %s: negative limit or too many peers", opts->path);
		return -EINVAL;
	}
	for (size_t i = 0; i < opts->n_peers; i++)
		if (!name_ok(opts->peers[i])) {
			mw_errbuf_set(err, "journal %s: invalid peer name '%s'", opts->path,
			              opts->peers[i] ? opts->peers[i] : "(null)");
			return -EINVAL;
		}
	struct store_journal *j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	int rc = -ENOMEM;
	j->lock_fd = -1;
	j->efd = -1;
	seg_cache_init(&j->r_seg);
	j->path = strdup(opts->path);
	j->segw = calloc(1, sizeof(*j->segw));
	if (!j->path || !j->segw)
		goto fail_alloc;
	mw_buf_init(&j->segw->blobs, (size_t)64 << 20);
	j->log = opts->log;
	j->queue_max = opts->queue_max ? opts->queue_max : 65536;
	j->queue_max_bytes = opts->queue_max_bytes ? opts->queue_max_bytes : (size_t)64 << 20;
	j->max_record_bytes = opts->max_record_bytes ? opts->max_record_bytes : 65536;
	j->group_max = opts->group_max ? opts->group_max : 8192;
	j->restart_idle = !opts->no_idle_restart;
	j->thread_deprio = opts->thread_deprio;
	j->ring = calloc(j->queue_max, sizeof(*j->ring));
	j->segw->grp = calloc(j->group_max, sizeof(*j->segw->grp));
	if (!j->ring || !j->segw->grp)
		goto fail_alloc;
	j->pool_max = j->queue_max;
	j->ckpt_pages = !opts->ckpt_pages             ? J_CKPT_PAGES
	                : opts->ckpt_pages > 1u << 20 ? 1 << 20
	                                              : (int)opts->ckpt_pages;
	j->idx.max = opts->index_max ? opts->index_max : (size_t)4 << 20;
	j->hash_rows = opts->hash_rows;
	j->retain_age_ns = opts->retain_age_ns;
	j->retain_bytes = opts->retain_bytes;
	j->hard_age_ns = opts->hard_age_ns;
	j->hard_bytes = opts->hard_bytes;
	j->retain_interval_ns = opts->retain_interval_ns;
	j->peers_configured = opts->n_peers > 0;
	if (opts->page_size && (opts->page_size < 512 || opts->page_size > 65536 ||
	                        (opts->page_size & (opts->page_size - 1)))) {
		mw_errbuf_set(err, "journal %s: page_size %u is not a power of two in 512..65536",
		              opts->path, opts->page_size);
		rc = -EINVAL;
		goto fail_alloc;
	}
	if (j->max_record_bytes > INT_MAX) {
		mw_errbuf_set(err, "journal %s: max_record_bytes too large", opts->path);
		rc = -EINVAL;
		goto fail_alloc;
	}

	/* one writer per journal: two would hand out the same pos (the lock
	 * is on PATH-lock: see "One process writes a journal" above) */
	char lockp[PATH_MAX];
	if (snprintf(lockp, sizeof(lockp), "%s-lock", j->path) >= (int)sizeof(lockp)) {
		rc = -ENAMETOOLONG;
		mw_errbuf_set(err, "%s: path too long", j->path);
		goto fail_alloc;
	}
	j->lock_fd = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (j->lock_fd < 0) {
		rc = -errno;
		mw_errbuf_set(err, "%s: %s", lockp, strerror(errno));
		goto fail_alloc;
	}
	if (flock(j->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		mw_errbuf_set(err, "%s: journal in use by another process or handle", j->path);
		goto fail_alloc;
	}
	/* a new journal is created 0600 (it holds partner data); an existing
	 * file is not opened here (closing it would drop POSIX locks) */
	int cfd = open(j->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (cfd >= 0) {
		close(cfd);
	} else if (errno != EEXIST) {
		rc = -errno;
		mw_errbuf_set(err, "%s: %s", j->path, strerror(errno));
		goto fail_alloc;
	}
	rc = open_db(j->path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, opts->vfs, &j->wdb, err);
	if (rc)
		goto fail_db;
	rc = setup_writer(j, opts, err);
	if (rc)
		goto fail_db;
	/* no checkpoint inside COMMIT: the journal thread runs them (invariant 11) */
	sqlite3_wal_hook(j->wdb, wal_hook, j);
	rc = verify_and_load(j, opts->check, err);
	if (rc)
		goto fail_db;
	if (opts->wal_prealloc)
		wal_prealloc(j);
	for (size_t i = 0; i < opts->n_peers; i++) {
		int pi = peer_find(j, opts->peers[i], true);
		if (pi < 0) {
			rc = pi;
			goto fail_db;
		}
		j->peers[pi].protects = true;
	}
	rc = open_db(j->path, SQLITE_OPEN_READWRITE, opts->vfs, &j->rdb, err);
	if (rc)
		goto fail_db;
	rc = prepare_all(j, err);
	if (rc)
		goto fail_db;
	if (sha_init(&j->w_sha) != 0 || sha_init(&j->r_sha) != 0) {
		rc = -ENOMEM;
		mw_errbuf_set(err, "cannot set up SHA-256");
		goto fail_db;
	}
	j->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (j->efd < 0) {
		rc = -errno;
		mw_errbuf_set(err, "eventfd: %s", strerror(errno));
		goto fail_db;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&j->mu, NULL);
	pthread_mutex_init(&j->rmu, NULL);
	pthread_cond_init(&j->wake, &ca);
	pthread_cond_init(&j->done, &ca);
	pthread_cond_init(&j->ckpt_wake, &ca);
	pthread_cond_init(&j->ckpt_idle, &ca);
	pthread_condattr_destroy(&ca);
	/* the checkpoint thread and its connection (invariant 11); without
	 * them the journal thread checkpoints between commits as before */
	if (open_db(j->path, SQLITE_OPEN_READWRITE, opts->vfs, &j->cdb, NULL) == 0 &&
	    /* a read opens the WAL on this connection (else a checkpoint
	     * would find no WAL and report -1 frames) */
	    exec_sql(j->cdb, "PRAGMA synchronous=FULL; SELECT count(*) FROM sqlite_master", NULL) ==
	        0 &&
	    pthread_create(&j->cthr, NULL, ckpt_thread, j) == 0) {
		j->cthr_started = true;
	} else {
		sqlite3_close(j->cdb);
		j->cdb = NULL;
		mw_logf(j->log, MW_LOG_WARN, MOD,
		        "journal %s: no checkpoint thread: checkpoints run between commits",
		        j->path);
	}
	j->st.durable_pos = j->durable_pos;
	int e = pthread_create(&j->thr, NULL, journal_thread, j);
	if (e) {
		rc = -e;
		mw_errbuf_set(err, "journal thread: %s", strerror(e));
		stop_ckpt_thread(j);
		pthread_cond_destroy(&j->wake);
		pthread_cond_destroy(&j->done);
		pthread_cond_destroy(&j->ckpt_wake);
		pthread_cond_destroy(&j->ckpt_idle);
		pthread_mutex_destroy(&j->mu);
		pthread_mutex_destroy(&j->rmu);
		goto fail_db;
	}
	j->thr_started = true;
	mw_log_kv(j->log, MW_LOG_INFO, MOD, "journal open",
	          (struct mw_log_field[]){MW_LOG_STR("path", j->path),
	                                  MW_LOG_INT("rows", (int64_t)j->rows),
	                                  MW_LOG_INT("first_pos", (int64_t)j->first_pos),
	                                  MW_LOG_INT("last_pos", (int64_t)j->next_pos - 1)},
	          4);
	*out = j;
	return 0;
fail_db:
	if (err && strncmp(err->msg, j->path, strlen(j->path)) != 0) {
		char m[sizeof(err->msg)];
		snprintf(m, sizeof(m), "%s", err->msg);
		mw_errbuf_set(err, "%s: %s", j->path, m);
	}
	if (j->efd >= 0)
		close(j->efd);
	finalize_all(j);
	sqlite3_close(j->rdb);
	sqlite3_close(j->wdb);
	sha_finish(&j->w_sha);
	sha_finish(&j->r_sha);
fail_alloc:
	if (j->lock_fd >= 0)
		close(j->lock_fd); /* PATH-lock: releases the flock */
	seg_writer_free(j->segw);
	free(j->ring);
	kidx_finish(&j->idx);
	free(j->origins);
	free(j->path);
	free(j);
	return rc;
}

void store_journal_free(struct store_journal *j)
{
	if (!j)
		return;
	pthread_mutex_lock(&j->mu);
	j->stop = true;
	if (j->acked_dirty)
		j->acked_dirty_mono = INT64_MIN / 2; /* write now */
	pthread_cond_signal(&j->wake);
	pthread_mutex_unlock(&j->mu);
	pthread_join(j->thr, NULL);
	stop_ckpt_thread(j); /* after the journal thread: it may wait for it */
	struct pend *lists[2] = {j->head, j->pool};
	for (int i = 0; i < 2; i++) {
		struct pend *p = lists[i];
		while (p) {
			struct pend *n = p->next;
			free(p);
			p = n;
		}
	}
	finalize_all(j);
	sqlite3_close(j->rdb);
	sqlite3_close(j->wdb);
	sha_finish(&j->w_sha);
	sha_finish(&j->r_sha);
	close(j->lock_fd);
	close(j->efd);
	pthread_cond_destroy(&j->wake);
	pthread_cond_destroy(&j->done);
	pthread_cond_destroy(&j->ckpt_wake);
	pthread_cond_destroy(&j->ckpt_idle);
	pthread_mutex_destroy(&j->mu);
	pthread_mutex_destroy(&j->rmu);
	seg_writer_free(j->segw);
	free(j->ring);
	kidx_finish(&j->idx);
	free(j->origins);
	free(j->path);
	free(j);
}

/* ------------------------------------------------------------------ */
/* append                                                             */

/* A block for a record of len bytes: from the pool if it fits, else
 * malloc'ed (and pooled later if it has J_POOL_DATA bytes). Called with mu
 * held; the pool only fills after the first groups, so malloc runs under
 * mu only while it warms up or for records larger than J_POOL_DATA. */
static struct pend *pend_get(struct store_journal *j, size_t len)
{
	struct pend *p;
	if (len <= J_POOL_DATA && j->pool) {
		p = j->pool;
		j->pool = p->next;
		j->pool_n--;
		return p;
	}
	bool pooled = len <= J_POOL_DATA;
	p = malloc(sizeof(*p) + (pooled ? J_POOL_DATA : len));
	if (p)
		p->pooled = pooled;
	return p;
}

/* Give back one unused block; called with mu held. */
static void pend_put(struct store_journal *j, struct pend *p)
{
	if (p->pooled && j->pool_n < j->pool_max) {
		p->next = j->pool;
		j->pool = p;
		j->pool_n++;
	} else {
		free(p);
	}
}

/* Return a committed group's blocks (a NULL-terminated list no one else
 * references any more): pooled ones to the pool up to pool_max, the rest
 * freed. Called without mu; holds it only to splice the chain in. */
static void pend_recycle(struct store_journal *j, struct pend *list)
{
	struct pend *keep = NULL, *keep_tail = NULL;
	size_t nk = 0;
	while (list) {
		struct pend *nx = list->next;
		if (list->pooled) {
			list->next = keep;
			keep = list;
			if (!keep_tail)
				keep_tail = list;
			nk++;
		} else {
			free(list);
		}
		list = nx;
	}
	while (keep) {
		pthread_mutex_lock(&j->mu);
		size_t room = j->pool_max > j->pool_n ? j->pool_max - j->pool_n : 0;
		if (nk <= room) {
			keep_tail->next = j->pool;
			j->pool = keep;
			j->pool_n += nk;
			keep = NULL;
		}
		pthread_mutex_unlock(&j->mu);
		/* no room for all: free the excess, then splice the rest */
		while (keep && nk > room) {
			struct pend *nx = keep->next;
			free(keep);
			keep = nx;
			nk--;
		}
	}
}

static void enqueue(struct store_journal *j, struct pend *p)
{
	/* callers refused the item if qlen >= queue_max: the slot is free */
	j->ring[(j->ring_head + j->qlen) % j->queue_max] = p;
	p->next = NULL;
	if (j->tail)
		j->tail->next = p;
	else
		j->head = p;
	j->tail = p;
	j->qlen++;
	j->enq_seq++;
	if (j->qlen > j->st.queue_hwm)
		j->st.queue_hwm = j->qlen;
	if (j->inflight)
		return; /* the thread takes it when its commit ends */
	if (j->plugged)
		j->plug_wake = true; /* store_journal_unplug wakes it */
	else
		pthread_cond_signal(&j->wake);
}

void store_journal_plug(struct store_journal *j)
{
	pthread_mutex_lock(&j->mu);
	j->plugged++;
	pthread_mutex_unlock(&j->mu);
}

void store_journal_unplug(struct store_journal *j)
{
	pthread_mutex_lock(&j->mu);
	if (j->plugged && --j->plugged == 0 && j->plug_wake) {
		j->plug_wake = false;
		pthread_cond_signal(&j->wake);
	}
	pthread_mutex_unlock(&j->mu);
}

int store_journal_append(struct store_journal *j, const struct store_rec *rec, uint64_t *pos_out)
{
	if (!j || !rec)
		return -EINVAL;
	if (!name_ok(rec->origin) || rec->seq == 0 || rec->seq > INT64_MAX ||
	    rec->from_pos > INT64_MAX || (rec->from_peer[0] && !name_ok(rec->from_peer)) ||
	    memchr(rec->release, 0, sizeof(rec->release)) == NULL)
		return -EINVAL;
	if (rec->len == 0 || rec->len > j->max_record_bytes || !rec->bytes)
		return -EMSGSIZE;
	int64_t accept_ns = rec->accept_ns ? rec->accept_ns : mw_time_now_ns();

	int rc;
	struct pend *p = NULL;
	pthread_mutex_lock(&j->mu);
	if (j->fatal) {
		rc = j->fatal;
		goto out;
	}
	if (j->qlen >= j->queue_max || j->qbytes + rec->len > j->queue_max_bytes) {
		j->st.queue_full++;
		rc = -ENOBUFS;
		goto out;
	}
	p = pend_get(j, rec->len);
	if (!p) {
		rc = -ENOMEM;
		goto out;
	}
	p->rec = *rec;
	memcpy(p->data, rec->bytes, rec->len);
	p->rec.bytes = p->data;
	p->rec.durable = false;
	p->rec.accept_ns = accept_ns;
	if (!p->rec.from_peer[0])
		p->rec.from_pos = 0;
	int oi = origin_find(j, rec->origin, true);
	if (oi < 0) {
		j->st.queue_full++;
		rc = oi;
		goto out;
	}
	struct origin_ent *o = &j->origins[oi];
	if (rec->seq <= o->floor) {
		j->st.stale++;
		rc = -MW_EREPLAY;
		goto out;
	}
	int pi = -1;
	if (rec->from_peer[0]) {
		pi = peer_find(j, rec->from_peer, true);
		if (pi < 0) {
			j->st.queue_full++;
			rc = pi;
			goto out;
		}
	}
	rc = kidx_add(&j->idx, (uint32_t)oi, rec->seq);
	if (rc == -EEXIST) {
		j->st.duplicates++;
		rc = -MW_EREPLAY;
		goto out;
	}
	if (rc) {
		j->st.queue_full++;
		goto out;
	}
	p->origin_idx = (uint32_t)oi;
	p->peer_idx = pi;
	p->pos = j->next_pos++;
	if (rec->seq > o->max_seq)
		o->max_seq = rec->seq;
	if (pi >= 0 && p->rec.from_pos > j->peers[pi].rx_queued)
		j->peers[pi].rx_queued = p->rec.from_pos;
	p->rec.pos = p->pos;
	j->qbytes += rec->len;
	j->st.appends++;
	if (pos_out)
		*pos_out = p->pos;
	enqueue(j, p);
	p = NULL;
	rc = 0;
out:
	if (p)
		pend_put(j, p);
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int store_journal_note_rx(struct store_journal *j, const char *peer, uint64_t from_pos)
{
	if (!j || !name_ok(peer) || from_pos > INT64_MAX || from_pos == 0)
		return -EINVAL;
	struct pend *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	int rc = 0;
	pthread_mutex_lock(&j->mu);
	if (j->fatal) {
		rc = j->fatal;
		goto out;
	}
	if (j->qlen >= j->queue_max) {
		j->st.queue_full++;
		rc = -ENOBUFS;
		goto out;
	}
	int pi = peer_find(j, peer, true);
	if (pi < 0) {
		rc = pi;
		goto out;
	}
	p->pos = 0;
	p->peer_idx = pi;
	snprintf(p->rec.from_peer, sizeof(p->rec.from_peer), "%s", peer);
	p->rec.from_pos = from_pos;
	if (from_pos > j->peers[pi].rx_queued)
		j->peers[pi].rx_queued = from_pos;
	j->st.rx_notes++;
	enqueue(j, p);
	p = NULL;
out:
	pthread_mutex_unlock(&j->mu);
	free(p);
	return rc;
}

/* ------------------------------------------------------------------ */
/* loop-side queries                                                  */

int store_journal_notify_fd(const struct store_journal *j)
{
	return j->efd;
}

uint64_t store_journal_durable_pos(struct store_journal *j)
{
	pthread_mutex_lock(&j->mu);
	uint64_t d = j->durable_pos;
	pthread_mutex_unlock(&j->mu);
	return d;
}

uint64_t store_journal_last_pos(struct store_journal *j)
{
	pthread_mutex_lock(&j->mu);
	uint64_t d = j->next_pos - 1;
	pthread_mutex_unlock(&j->mu);
	return d;
}

int store_journal_drain(struct store_journal *j, uint64_t *durable_pos, store_rx_durable_fn fn,
                        void *ud)
{
	uint64_t v;
	ssize_t n = read(j->efd, &v, sizeof(v));
	(void)n; /* EAGAIN when nothing was signalled: fine */
	struct {
		char name[STORE_NAME_MAX];
		uint64_t rx;
	} adv[STORE_PEERS_MAX];
	size_t na = 0;
	pthread_mutex_lock(&j->mu);
	int fatal = j->fatal;
	uint64_t d = j->durable_pos;
	for (size_t i = 0; i < j->n_peers; i++) {
		struct peer_ent *p = &j->peers[i];
		if (p->rx_durable > p->rx_reported) {
			memcpy(adv[na].name, p->name, STORE_NAME_MAX);
			adv[na].rx = p->rx_durable;
			p->rx_reported = p->rx_durable;
			na++;
		}
	}
	pthread_mutex_unlock(&j->mu);
	if (durable_pos)
		*durable_pos = d;
	if (fn)
		for (size_t i = 0; i < na; i++)
			fn(ud, adv[i].name, adv[i].rx);
	return fatal ? fatal : (int)na;
}

int store_journal_peer_rx(struct store_journal *j, const char *peer, uint64_t *rx_pos)
{
	if (!name_ok(peer))
		return -EINVAL;
	pthread_mutex_lock(&j->mu);
	int pi = peer_find(j, peer, false);
	if (pi >= 0)
		*rx_pos = j->peers[pi].rx_durable;
	pthread_mutex_unlock(&j->mu);
	return pi < 0 ? pi : 0;
}

int store_journal_peer_acked(struct store_journal *j, const char *peer, uint64_t *acked_pos)
{
	if (!name_ok(peer))
		return -EINVAL;
	pthread_mutex_lock(&j->mu);
	int pi = peer_find(j, peer, false);
	if (pi >= 0)
		*acked_pos = j->peers[pi].acked;
	pthread_mutex_unlock(&j->mu);
	return pi < 0 ? pi : 0;
}

int store_journal_set_peer_acked(struct store_journal *j, const char *peer, uint64_t acked_pos)
{
	if (!name_ok(peer) || acked_pos > INT64_MAX)
		return -EINVAL;
	int rc = 0;
	pthread_mutex_lock(&j->mu);
	if (acked_pos >= j->next_pos) {
		rc = -ERANGE; /* a peer cannot ack what we never had */
		goto out;
	}
	int pi = peer_find(j, peer, true);
	if (pi < 0) {
		rc = pi;
		goto out;
	}
	if (acked_pos > j->peers[pi].acked) {
		j->peers[pi].acked = acked_pos;
		if (!j->acked_dirty) {
			j->acked_dirty = true;
			j->acked_dirty_mono = mw_time_mono_ns();
		}
	}
out:
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int store_journal_origin_max_seq(struct store_journal *j, const char *origin, uint64_t *seq)
{
	if (!name_ok(origin))
		return -EINVAL;
	pthread_mutex_lock(&j->mu);
	int oi = origin_find(j, origin, false);
	if (oi >= 0)
		*seq = j->origins[oi].max_seq;
	pthread_mutex_unlock(&j->mu);
	return oi < 0 ? oi : 0;
}

int store_journal_reserve_seq(struct store_journal *j, uint64_t upto)
{
	if (!j || upto > INT64_MAX)
		return -EINVAL;
	pthread_mutex_lock(&j->mu);
	int fatal = j->fatal;
	if (!fatal && upto > j->seq_res_want) {
		j->seq_res_want = upto;
		pthread_cond_signal(&j->wake);
	}
	pthread_mutex_unlock(&j->mu);
	return fatal;
}

uint64_t store_journal_seq_reserved(struct store_journal *j)
{
	pthread_mutex_lock(&j->mu);
	uint64_t v = j->seq_res_durable;
	pthread_mutex_unlock(&j->mu);
	return v;
}

int store_journal_sync(struct store_journal *j, int64_t timeout_ns)
{
	struct timespec ts;
	if (timeout_ns > 0)
		timespec_add(&ts, timeout_ns);
	pthread_mutex_lock(&j->mu);
	uint64_t want = j->enq_seq;
	uint64_t eg = j->err_gen;
	int rc = j->fatal; /* stopped: nothing can be confirmed durable any more */
	if (j->acked_dirty) {
		j->acked_dirty_mono = INT64_MIN / 2;
		pthread_cond_signal(&j->wake);
	}
	if (j->head) /* queued while plugged: a sync commits it regardless */
		pthread_cond_signal(&j->wake);
	while (!rc && j->done_seq < want) {
		if (j->fatal) {
			rc = j->fatal;
			break;
		}
		if (j->err_gen != eg) {
			rc = j->st.last_err;
			break;
		}
		if (timeout_ns > 0) {
			if (pthread_cond_timedwait(&j->done, &j->mu, &ts) == ETIMEDOUT) {
				rc = j->done_seq < want ? -ETIMEDOUT : 0;
				break;
			}
		} else {
			pthread_cond_wait(&j->done, &j->mu);
		}
	}
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int64_t store_journal_retain(struct store_journal *j, int64_t now_ns)
{
	pthread_mutex_lock(&j->mu);
	uint64_t gen = ++j->retain_gen_req;
	j->retain_req = true;
	j->retain_now = now_ns;
	pthread_cond_signal(&j->wake);
	while (j->retain_gen_done < gen)
		pthread_cond_wait(&j->done, &j->mu);
	int64_t r = j->retain_result;
	pthread_mutex_unlock(&j->mu);
	return r;
}

void store_journal_get_stats(struct store_journal *j, struct store_journal_stats *out)
{
	pthread_mutex_lock(&j->mu);
	*out = j->st;
	out->queue_len = j->qlen;
	out->queue_bytes = j->qbytes;
	out->first_pos = j->first_pos;
	out->durable_pos = j->durable_pos;
	out->last_pos = j->next_pos - 1;
	out->rows = j->rows;
	out->bytes = j->bytes;
	out->index_keys = j->idx.count;
	out->index_slots = j->idx.cap;
	out->idx_probe_max = j->idx.probe_max;
	out->idx_probes = j->idx.probes;
	out->idx_long_probes = j->idx.long_probes;
	out->idx_rehashes = j->idx.rehashes;
	pthread_mutex_unlock(&j->mu);
}

/* ------------------------------------------------------------------ */
/* reading                                                            */

/* Fill r from the current row of s (ROW_COLS) - a compact row's envelope
 * rebuilt from its body and batch segment through c - and verify its
 * length and SHA-256; NULL if sound, else what is wrong. r->bytes points
 * into the statement or c: valid until the next step or row_decode. */
static const char *row_decode(struct sha *h, struct seg_cache *c, sqlite3_stmt *s,
                              struct store_rec *r)
{
	const char *why = row_fields(s, r);
	if (why)
		return why;
	int64_t len = sqlite3_column_int64(s, 10);
	r->bytes = sqlite3_column_blob(s, 12);
	int blen = sqlite3_column_bytes(s, 12);
	r->len = (size_t)blen;
	if (blen > 0 && r->bytes && sqlite3_column_type(s, 13) != SQLITE_NULL) {
		why = seg_expand(c, sqlite3_column_int64(s, 13), sqlite3_column_int64(s, 14),
		                 r->bytes, (size_t)blen);
		if (why)
			return why;
		r->bytes = mw_buf_peek(&c->out);
		r->len = mw_buf_used(&c->out);
		blen = (int)r->len;
	}
	if (len != blen || blen == 0 || !r->bytes)
		return "stored length does not match the bytes";
	int shalen = sqlite3_column_bytes(s, 11);
	if (shalen != 0 && !row_sha_matches(h, r, sqlite3_column_blob(s, 11), shalen))
		return "SHA-256 mismatch"; /* or a hash of a length no format writes */
	return NULL;
}

/* Fill r from the current row of s and verify it (length, SHA-256).
 * r->bytes points into the statement: valid until the next step. */
static int row_load(struct store_journal *j, sqlite3_stmt *s, struct store_rec *r)
{
	const char *why = row_decode(&j->r_sha, &j->r_seg, s, r);
	if (!why)
		return 0;
	pthread_mutex_lock(&j->mu);
	j->st.read_errors++;
	pthread_mutex_unlock(&j->mu);
	mw_log_kv(j->log, MW_LOG_ERROR, MOD, "journal row corrupt",
	          (struct mw_log_field[]){
	              MW_LOG_INT("pos", (int64_t)r->pos), MW_LOG_STR("origin", r->origin),
	              MW_LOG_INT("seq", (int64_t)r->seq), MW_LOG_STR("reason", why)},
	          4);
	return -MW_EJOURNAL;
}

/* Deliver up to `room` committed rows with pos in [*pos, d]. Sets *pos
 * past each delivered row (and, with skip_bad, past each row that fails
 * its check: counted in read_errors and logged, not delivered). Returns rows delivered (>= 0) with
 * *stop set to fn's nonzero result or a read error, or < 0 on an SQLite error. */
static int read_sql(struct store_journal *j, uint64_t *pos, uint64_t d, size_t room, bool skip_bad,
                    store_read_fn fn, void *ud, int *stop)
{
	size_t want = room < J_READ_BATCH ? room : J_READ_BATCH;
	sqlite3_stmt *s = j->r_range;
	sqlite3_bind_int64(s, 1, (int64_t)*pos);
	sqlite3_bind_int64(s, 2, (int64_t)d);
	sqlite3_bind_int64(s, 3, (int64_t)want);
	int rc, n = 0;
	size_t stepped = 0;
	*stop = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_rec r;
		stepped++;
		int e = row_load(j, s, &r);
		if (e && skip_bad) {
			/* counted and logged by row_load; the pos column is read
			 * before anything that can fail */
			*pos = (uint64_t)sqlite3_column_int64(s, 0) + 1;
			continue;
		}
		if (e) {
			*stop = e;
			break;
		}
		int f = fn(ud, &r);
		if (f < 0) {
			*stop = f;
			break;
		}
		n++;
		*pos = r.pos + 1;
		if (f > 0) {
			*stop = f;
			break;
		}
	}
	sqlite3_reset(s);
	if (!*stop && rc != SQLITE_DONE)
		return map_sqlite(rc);
	if (!*stop && stepped < want)
		*pos = d + 1; /* rows up to d deleted by retention meanwhile */
	return n;
}

int store_journal_read(struct store_journal *j, uint64_t from_pos, unsigned flags, size_t max_recs,
                       store_read_fn fn, void *ud, uint64_t *next_pos)
{
	if (!j || !fn)
		return -EINVAL;
	uint64_t pos = from_pos ? from_pos : 1;
	size_t limit = max_recs ? max_recs : SIZE_MAX;
	size_t got = 0;
	int ret = 0;
	struct pend *copies[J_PEND_BATCH];
	pthread_mutex_lock(&j->rmu);
	while (got < limit) {
		pthread_mutex_lock(&j->mu);
		uint64_t d = j->durable_pos;
		if (pos < j->first_pos)
			pos = j->first_pos;
		pthread_mutex_unlock(&j->mu);
		if (pos <= d) {
			int stop = 0;
			int n = read_sql(j, &pos, d, limit - got,
			                 (flags & STORE_READ_SKIP_BAD) != 0, fn, ud, &stop);
			if (n < 0) {
				ret = n;
				break;
			}
			got += (size_t)n;
			if (stop < 0)
				ret = stop;
			if (stop)
				break;
			continue;
		}
		if (!(flags & STORE_READ_PENDING))
			break;
		/* copy a batch of pending records out under mu, deliver without it */
		size_t nc = 0;
		bool again = false;
		pthread_mutex_lock(&j->mu);
		struct pend *p = j->head;
		while (p && (!p->pos || p->pos < pos))
			p = p->next;
		if (pos <= j->durable_pos)
			again = true; /* committed while we looked: read it from SQLite */
		for (; !again && p && nc < J_PEND_BATCH && got + nc < limit; p = p->next) {
			if (!p->pos)
				continue;
			struct pend *c = malloc(sizeof(*c) + p->rec.len);
			if (!c) {
				ret = -ENOMEM;
				break;
			}
			memcpy(c, p, sizeof(*c) + p->rec.len);
			c->rec.bytes = c->data;
			copies[nc++] = c;
		}
		pthread_mutex_unlock(&j->mu);
		if (again)
			continue;
		int stop = 0;
		for (size_t i = 0; i < nc && !stop; i++) {
			stop = fn(ud, &copies[i]->rec);
			if (stop >= 0) {
				got++;
				pos = copies[i]->pos + 1;
			}
		}
		for (size_t k = 0; k < nc; k++)
			free(copies[k]);
		if (stop < 0 && !ret)
			ret = stop;
		if (ret || stop || nc == 0)
			break;
	}
	pthread_mutex_unlock(&j->rmu);
	if (next_pos)
		*next_pos = pos;
	return ret ? ret : (int)(got > INT_MAX ? INT_MAX : got);
}

/* ------------------------------------------------------------------ */
/* offline check                                                      */

static void rep_problem(struct store_check_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void rep_problem(struct store_check_report *rep, const char *fmt, ...)
{
	rep->problems++;
	if (rep->first_problem[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rep->first_problem, sizeof(rep->first_problem), fmt, ap);
	va_end(ap);
}

/* Per-origin seq ranges and gaps, from the UNIQUE(origin, seq) index. */
static int check_origins(sqlite3 *db, struct store_check_report *rep)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT origin, seq FROM env ORDER BY origin, seq", -1, &st,
	                       NULL) != SQLITE_OK)
		return map_sqlite(sqlite3_errcode(db));
	struct store_check_origin *cur = NULL;
	uint64_t prev = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *o = (const char *)sqlite3_column_text(st, 0);
		uint64_t seq = (uint64_t)sqlite3_column_int64(st, 1);
		if (!o)
			o = "";
		if (!cur || strcmp(cur->origin, o) != 0) {
			if (rep->n_origins >= STORE_CHECK_ORIGINS_MAX) {
				rep->origins_truncated = true;
				cur = NULL;
				continue;
			}
			cur = &rep->origins[rep->n_origins++];
			memset(cur, 0, sizeof(*cur));
			snprintf(cur->origin, sizeof(cur->origin), "%s", o);
			cur->seq_min = seq;
		} else if (seq > prev + 1) {
			if (cur->n_gaps < STORE_CHECK_GAPS_SHOWN) {
				cur->gap_lo[cur->n_gaps] = prev + 1;
				cur->gap_hi[cur->n_gaps] = seq - 1;
			}
			cur->n_gaps++;
			cur->missing += seq - prev - 1;
		}
		cur->rows++;
		cur->seq_max = seq;
		prev = seq;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return map_sqlite(rc);
	if (sqlite3_prepare_v2(db, "SELECT origin, seq FROM origin_floor", -1, &st, NULL) !=
	    SQLITE_OK)
		return map_sqlite(sqlite3_errcode(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *o = (const char *)sqlite3_column_text(st, 0);
		for (size_t i = 0; o && i < rep->n_origins; i++)
			if (strcmp(rep->origins[i].origin, o) == 0)
				rep->origins[i].floor = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : map_sqlite(rc);
}

int store_journal_check(const char *path, struct store_check_report *rep, struct mw_errbuf *err)
{
	if (!path || !rep)
		return -EINVAL;
	struct stat sb;
	if (stat(path, &sb) != 0) {
		int e = errno;
		mw_errbuf_set(err, "%s: %s", path, strerror(e));
		return -e;
	}
	memset(rep, 0, sizeof(*rep));
	rep->file_bytes = (uint64_t)sb.st_size;
	char walp[PATH_MAX];
	snprintf(walp, sizeof(walp), "%s-wal", path);
	if (stat(walp, &sb) == 0)
		rep->wal_bytes = (uint64_t)sb.st_size;
	if (rep->file_bytes == 0) {
		mw_errbuf_set(err, "%s: empty file, not a journal", path);
		return -MW_EJOURNAL;
	}
	sqlite3 *db = NULL;
	int rc = open_db(path, SQLITE_OPEN_READONLY, NULL, &db, err);
	if (rc)
		return rc;
	bool empty = false;
	int format = 0;
	rc = check_identity(db, &empty, &format, err);
	if (!rc && empty) {
		mw_errbuf_set(err, "%s: an empty SQLite database, not a journal", path);
		rc = -MW_EJOURNAL;
	}
	if (rc) {
		char m[sizeof(err->msg)];
		if (err) {
			snprintf(m, sizeof(m), "%s", err->msg);
			mw_errbuf_set(err, "%s: %s", path, m);
		}
		if (rc == -EIO || rc == -EBUSY) {
			/* unreadable header: report as corruption with SQLite's words */
			rc = -MW_EJOURNAL;
		}
		sqlite3_close(db);
		return rc;
	}
	rep->format_version = format;
	char first[512] = "";
	bool ok = false;
	check_quick(db, true, first, sizeof(first), &ok);
	rep->sqlite_ok = ok;
	if (!ok)
		rep_problem(rep, "%s", first);

	struct mw_errbuf merr = {{0}};
	if (load_meta(db, &rep->next_pos, &rep->pos_min, &merr) != 0) {
		rep_problem(rep, "%s", merr.msg);
		rep->pos_min = 0;
	}
	uint64_t first_pos = rep->pos_min;
	struct scan_out so;
	memset(&so, 0, sizeof(so));
	if (scan_rows(db, format, true, NULL, &so) != 0 && !so.first[0])
		snprintf(so.first, sizeof(so.first), "row scan failed");
	rep->rows = so.rows;
	rep->bytes = so.bytes;
	rep->pos_min = so.rows ? so.pos_min : 0;
	rep->pos_max = so.rows ? so.pos_max : 0;
	rep->hashed = so.hashed;
	rep->hash_bad = so.hash_bad;
	rep->len_bad = so.len_bad;
	rep->pos_gaps = so.pos_gaps;
	rep->dup_keys = so.dup_keys;
	uint64_t sp = scan_problems(&so);
	if (sp || so.first[0]) {
		if (!rep->first_problem[0])
			snprintf(rep->first_problem, sizeof(rep->first_problem), "%s", so.first);
		rep->problems += sp ? sp : 1;
	}
	/* format 5: meta next_pos is a lower bound (invariant 14); before, exact */
	if (rep->next_pos && so.rows &&
	    (so.pos_min != first_pos || so.pos_max + 1 < rep->next_pos ||
	     (format < 5 && so.pos_max + 1 != rep->next_pos)))
		rep_problem(rep,
		            "rows hold pos %" PRIu64 "..%" PRIu64 " but meta says %" PRIu64
		            "..%" PRIu64,
		            so.pos_min, so.pos_max, first_pos, rep->next_pos - 1);
	if (rep->next_pos && !so.rows && first_pos != rep->next_pos)
		rep_problem(rep, "no rows but pos %" PRIu64 "..%" PRIu64 " should be present",
		            first_pos, rep->next_pos - 1);
	if (rep->next_pos && so.rows && so.pos_max + 1 > rep->next_pos)
		rep->next_pos = so.pos_max + 1;
	if (check_origins(db, rep) != 0)
		rep_problem(rep, "cannot list origins: %s", sqlite3_errmsg(db));

	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT peer, rx, acked FROM peer ORDER BY peer", -1, &st,
	                       NULL) == SQLITE_OK) {
		int s;
		while ((s = sqlite3_step(st)) == SQLITE_ROW && rep->n_peers < STORE_PEERS_MAX) {
			struct store_check_peer *p = &rep->peers[rep->n_peers++];
			const char *nm = (const char *)sqlite3_column_text(st, 0);
			snprintf(p->peer, sizeof(p->peer), "%s", nm ? nm : "");
			p->rx = (uint64_t)sqlite3_column_int64(st, 1);
			p->acked = (uint64_t)sqlite3_column_int64(st, 2);
			if (rep->next_pos && p->acked >= rep->next_pos)
				rep_problem(rep,
				            "peer %s acknowledged pos %" PRIu64
				            " beyond the journal's end %" PRIu64,
				            p->peer, p->acked, rep->next_pos - 1);
		}
		if (s != SQLITE_DONE && s != SQLITE_ROW)
			rep_problem(rep, "reading peers: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		/* format 5 (invariant 4): rx is also what the rows carry */
		for (size_t i = 0; i < so.n_rx; i++) {
			size_t k = 0;
			while (k < rep->n_peers && strcmp(rep->peers[k].peer, so.rx[i].peer) != 0)
				k++;
			if (k == rep->n_peers) {
				if (k == STORE_PEERS_MAX)
					continue;
				memset(&rep->peers[k], 0, sizeof(rep->peers[k]));
				snprintf(rep->peers[k].peer, sizeof(rep->peers[k].peer), "%s",
				         so.rx[i].peer);
				rep->n_peers++;
			}
			if (so.rx[i].rx > rep->peers[k].rx)
				rep->peers[k].rx = so.rx[i].rx;
		}
	} else {
		rep_problem(rep, "no peer table: %s", sqlite3_errmsg(db));
	}
	sqlite3_close(db);
	return 0;
}

int store_journal_dump_file(const char *path, uint64_t from_pos, store_read_fn fn, void *ud,
                            struct mw_errbuf *err)
{
	if (!path || !fn)
		return -EINVAL;
	struct stat sb;
	if (stat(path, &sb) != 0) {
		int e = errno;
		mw_errbuf_set(err, "%s: %s", path, strerror(e));
		return -e;
	}
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct sha h = {0};
	struct seg_cache sc;
	seg_cache_init(&sc);
	int rc = open_db(path, SQLITE_OPEN_READONLY, NULL, &db, err);
	if (rc) {
		seg_cache_finish(&sc);
		return rc;
	}
	bool empty = false;
	int format = 0;
	rc = check_identity(db, &empty, &format, err);
	if (!rc && empty) {
		mw_errbuf_set(err, "an empty SQLite database, not a journal");
		rc = -MW_EJOURNAL;
	}
	if (rc)
		goto out;
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT %s FROM env WHERE pos >= ?1 ORDER BY pos",
	         format >= 4 ? ROW_COLS : ROW_COLS_OLD);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
	    (format >= 4 && sqlite3_prepare_v2(db, "SELECT data FROM seg WHERE pos = ?1", -1, &sc.q,
	                                       NULL) != SQLITE_OK)) {
		mw_errbuf_set(err, "%s", sqlite3_errmsg(db));
		rc = -MW_EJOURNAL;
		goto out;
	}
	if (sha_init(&h) != 0) {
		rc = -ENOMEM;
		goto out;
	}
	sqlite3_bind_int64(st, 1, from_pos > INT64_MAX ? INT64_MAX : (int64_t)from_pos);
	int64_t n = 0;
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_rec r;
		const char *why = row_decode(&h, &sc, st, &r);
		if (why) {
			mw_errbuf_set(err, "pos %" PRIu64 " (%s,%" PRIu64 "): %s", r.pos, r.origin,
			              r.seq, why);
			rc = -MW_EJOURNAL;
			goto out;
		}
		int f = fn(ud, &r);
		if (f < 0) {
			rc = f;
			goto out;
		}
		n++;
		if (f > 0)
			break;
	}
	if (s != SQLITE_ROW && s != SQLITE_DONE) {
		mw_errbuf_set(err, "%s", sqlite3_errmsg(db));
		rc = map_sqlite(s);
		goto out;
	}
	rc = n > INT_MAX ? INT_MAX : (int)n;
out:
	if (rc < 0 && err) {
		char m[sizeof(err->msg)];
		snprintf(m, sizeof(m), "%s", err->msg);
		if (strncmp(m, path, strlen(path)) != 0)
			mw_errbuf_set(err, "%s: %s", path, m);
	}
	sha_finish(&h);
	sqlite3_finalize(st);
	seg_cache_finish(&sc);
	sqlite3_close(db);
	return rc;
}
