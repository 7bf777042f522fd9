/*
 * bench/bench_commit.c - one SQLite WAL commit against the raw write +
 * fdatasync it is made of, on the same disk (docs/benchmarks.md, "Latency
 * round (session 7, branch lat3)").
 *
 * Why: the node's journal commit (SQLite, WAL, synchronous=FULL) had a
 * p99 ten times the raw fdatasync floor's. This program takes the node
 * out and asks what the commit itself costs: the same I/O done by hand,
 * SQLite with one row or with a burst of 8 node-sized rows, with and
 * without checkpoints, alone or with a second writer on the same disk.
 *
 * Usage: bench_commit DIR MODE [-n N] [-i US] [-w W] [-r R] [-c C] [-k K]
 *                              [-b BYTES] [-p 0|1] [-o MODE2]
 *   MODE raw-append  write 4 KiB at the end of a file + fdatasync (bench_link's floor)
 *        raw-frames  R frames of a WAL written by hand: 24 bytes of header and
 *                    8192 of page each, two pwrite calls a frame as SQLite
 *                    issues them, into a file preallocated with data + fdatasync
 *        sql         BEGIN IMMEDIATE; INSERT R rows of BYTES (default 800) into a
 *                    table shaped like the journal's env; COMMIT. WAL,
 *                    synchronous=FULL, 8 KiB pages, the WAL preallocated (-p 1)
 *   -n N  commits timed (default 500, after 20 untimed)
 *   -i US one commit every US microseconds (default 4000: bench_link's bursts)
 *   -w W  writers, each a thread with its own file in DIR (default 1); with
 *         -o MODE2 writers 1.. run MODE2 instead (a neighbour on the disk)
 *   -P P  sql: SQLite page size in bytes (default 8192, the journal's; a power of
 *         two, 512..65536): fewer, larger frames per commit or more, smaller
 *         (docs/benchmarks.md, "Commit size and flush collisions")
 *   -s US one schedule for all writers, writer i starting i x US later (0:
 *         commits issued together; default: each writer's own start, an
 *         arbitrary phase), to see whether flushes issued together share
 *         a device flush (docs/benchmarks.md, "Commit size and flush
 *         collisions")
 *   -c C  checkpoints: 0 none, 1 SQLite's own (inside a commit) every K
 *         frames, 2 (default) a PASSIVE checkpoint on a second connection
 *         and thread once a commit leaves >= K frames (default 500), as
 *         the journal does
 * A VFS shim around the default one times every xSync and counts xWrite
 * calls, per thread. Per writer it prints the commit latency (p50, p99,
 * p99.9, max), the part spent in xSync / fdatasync and the rest, the
 * thread's CPU time per commit, and the write and sync calls per commit.
 * Prints figures only; asserts nothing.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PAGE       8192
#define FRAME      (24 + PAGE)
#define RAW_FRAMES 600 /* frames in the preallocated raw-frames file */
#define WARMUP     20
#define MAX_W      8

static int64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t thread_cpu_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* ------------------------------------------------------------ VFS shim */

static _Thread_local int64_t t_sync_ns;
static _Thread_local int t_syncs, t_writes;
static sqlite3_vfs *g_base, g_shim;
static sqlite3_io_methods g_meth;
static pthread_mutex_t g_meth_mu = PTHREAD_MUTEX_INITIALIZER;

struct sfile {
	sqlite3_file base;
	sqlite3_file *real;
};
#define REAL(p) (((struct sfile *)(p))->real)

static int s_close(sqlite3_file *p)
{
	int rc = REAL(p)->pMethods->xClose(REAL(p));
	free(REAL(p));
	return rc;
}
static int s_read(sqlite3_file *p, void *b, int n, sqlite3_int64 o)
{
	return REAL(p)->pMethods->xRead(REAL(p), b, n, o);
}
static int s_write(sqlite3_file *p, const void *b, int n, sqlite3_int64 o)
{
	t_writes++;
	return REAL(p)->pMethods->xWrite(REAL(p), b, n, o);
}
static int s_truncate(sqlite3_file *p, sqlite3_int64 s)
{
	return REAL(p)->pMethods->xTruncate(REAL(p), s);
}
static int s_sync(sqlite3_file *p, int fl)
{
	int64_t t = mono_ns();
	int rc = REAL(p)->pMethods->xSync(REAL(p), fl);
	t_sync_ns += mono_ns() - t;
	t_syncs++;
	return rc;
}
static int s_size(sqlite3_file *p, sqlite3_int64 *s)
{
	return REAL(p)->pMethods->xFileSize(REAL(p), s);
}
static int s_lock(sqlite3_file *p, int l)
{
	return REAL(p)->pMethods->xLock(REAL(p), l);
}
static int s_unlock(sqlite3_file *p, int l)
{
	return REAL(p)->pMethods->xUnlock(REAL(p), l);
}
static int s_reserved(sqlite3_file *p, int *o)
{
	return REAL(p)->pMethods->xCheckReservedLock(REAL(p), o);
}
static int s_fcntl(sqlite3_file *p, int op, void *a)
{
	return REAL(p)->pMethods->xFileControl(REAL(p), op, a);
}
static int s_sector(sqlite3_file *p)
{
	return REAL(p)->pMethods->xSectorSize(REAL(p));
}
static int s_devchar(sqlite3_file *p)
{
	return REAL(p)->pMethods->xDeviceCharacteristics(REAL(p));
}
static int s_shm_map(sqlite3_file *p, int i, int sz, int e, void volatile **pp)
{
	return REAL(p)->pMethods->xShmMap(REAL(p), i, sz, e, pp);
}
static int s_shm_lock(sqlite3_file *p, int o, int n, int f)
{
	return REAL(p)->pMethods->xShmLock(REAL(p), o, n, f);
}
static void s_shm_barrier(sqlite3_file *p)
{
	REAL(p)->pMethods->xShmBarrier(REAL(p));
}
static int s_shm_unmap(sqlite3_file *p, int d)
{
	return REAL(p)->pMethods->xShmUnmap(REAL(p), d);
}
static int s_fetch(sqlite3_file *p, sqlite3_int64 o, int n, void **pp)
{
	return REAL(p)->pMethods->xFetch(REAL(p), o, n, pp);
}
static int s_unfetch(sqlite3_file *p, sqlite3_int64 o, void *pp)
{
	return REAL(p)->pMethods->xUnfetch(REAL(p), o, pp);
}

static int s_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out)
{
	(void)v;
	struct sfile *s = (struct sfile *)f;
	s->base.pMethods = NULL;
	s->real = calloc(1, (size_t)g_base->szOsFile);
	if (!s->real)
		return SQLITE_NOMEM;
	int rc = g_base->xOpen(g_base, name, s->real, flags, out);
	if (rc != SQLITE_OK || !s->real->pMethods) {
		free(s->real);
		s->real = NULL;
		return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
	}
	pthread_mutex_lock(&g_meth_mu);
	if (!g_meth.iVersion) {
		g_meth = *s->real->pMethods; /* the unix VFS: version 3 */
		g_meth.xClose = s_close;
		g_meth.xRead = s_read;
		g_meth.xWrite = s_write;
		g_meth.xTruncate = s_truncate;
		g_meth.xSync = s_sync;
		g_meth.xFileSize = s_size;
		g_meth.xLock = s_lock;
		g_meth.xUnlock = s_unlock;
		g_meth.xCheckReservedLock = s_reserved;
		g_meth.xFileControl = s_fcntl;
		g_meth.xSectorSize = s_sector;
		g_meth.xDeviceCharacteristics = s_devchar;
		g_meth.xShmMap = s_shm_map;
		g_meth.xShmLock = s_shm_lock;
		g_meth.xShmBarrier = s_shm_barrier;
		g_meth.xShmUnmap = s_shm_unmap;
		g_meth.xFetch = s_fetch;
		g_meth.xUnfetch = s_unfetch;
	}
	pthread_mutex_unlock(&g_meth_mu);
	s->base.pMethods = &g_meth;
	return rc;
}

/* ------------------------------------------------------------ options */

static const char *g_dir, *g_mode, *g_mode2;
static int g_n = 500, g_interval_us = 4000, g_w = 1, g_rows = 1, g_ckpt = 2, g_ckpt_frames = 500;
static int g_row_bytes = 800, g_prealloc = 1, g_page = 8192, g_phase_us = -1;
static int64_t g_epoch_ns; /* -s: when the writers' common schedule starts */

struct result {
	int64_t *wall, *sync, *cpu;
	int64_t writes, syncs, checkpoints;
	const char *mode;
};

/* checkpoint thread: PASSIVE on its own connection when asked */
struct ckpt {
	sqlite3 *db;
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool req, stop;
	int64_t done;
};

static int wal_hook(void *ud, sqlite3 *db, const char *name, int frames)
{
	(void)db;
	(void)name;
	struct ckpt *c = ud;
	if (frames >= g_ckpt_frames) {
		pthread_mutex_lock(&c->mu);
		c->req = true;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
	}
	return SQLITE_OK;
}

static void *ckpt_main(void *arg)
{
	struct ckpt *c = arg;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->req && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->req = false;
		pthread_mutex_unlock(&c->mu);
		int log = 0, done = 0;
		sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
		pthread_mutex_lock(&c->mu);
		c->done++;
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

static void die(const char *what, sqlite3 *db)
{
	fprintf(stderr, "bench_commit: %s: %s\n", what, db ? sqlite3_errmsg(db) : "failed");
	exit(1);
}

static void sql_exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(sql, db);
}

/* Write the WAL out with zeros to the size it reaches between
 * checkpoints, as the journal's wal_prealloc does. */
static void prealloc_wal(sqlite3 *db)
{
	sqlite3_file *wf = NULL;
	sqlite3_int64 sz = 0;
	if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wf) != SQLITE_OK ||
	    !wf || !wf->pMethods || wf->pMethods->xFileSize(wf, &sz) != SQLITE_OK)
		die("WAL file", db);
	static const char zero[65536];
	int64_t want = 32 + (int64_t)(2 * g_ckpt_frames + 64) * (24 + g_page);
	for (int64_t off = sz; off < want; off += (int64_t)sizeof(zero))
		if (wf->pMethods->xWrite(wf, zero, (int)sizeof(zero), off) != SQLITE_OK)
			die("WAL prealloc", db);
	if (wf->pMethods->xSync(wf, SQLITE_SYNC_NORMAL) != SQLITE_OK)
		die("WAL prealloc sync", db);
}

static void *writer(void *arg)
{
	int id = (int)(intptr_t)arg;
	const char *mode = id > 0 && g_mode2 ? g_mode2 : g_mode;
	bool sql = strcmp(mode, "sql") == 0, append = strcmp(mode, "raw-append") == 0;
	struct result *r = calloc(1, sizeof(*r));
	if (!r)
		die("memory", NULL);
	r->mode = mode;
	r->wall = calloc((size_t)g_n, sizeof(int64_t));
	r->sync = calloc((size_t)g_n, sizeof(int64_t));
	r->cpu = calloc((size_t)g_n, sizeof(int64_t));
	if (!r->wall || !r->sync || !r->cpu)
		die("memory", NULL);
	char path[600], side[700];
	static char page[FRAME], blob[65536];
	memset(page, 0xa5, sizeof(page));
	memset(blob, 0x5a, sizeof(blob));
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL, *begin = NULL, *commit = NULL;
	struct ckpt ck;
	memset(&ck, 0, sizeof(ck));
	int fd = -1;
	if (sql) {
		snprintf(path, sizeof(path), "%s/bench_commit%d.db", g_dir, id);
		unlink(path);
		snprintf(side, sizeof(side), "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", path);
		unlink(side);
		if (sqlite3_open_v2(
		        path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
		        "bench_commit") != SQLITE_OK)
			die("open", db);
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA page_size=%d;", g_page);
		sql_exec(db, pragma);
		sql_exec(db,
		         "PRAGMA journal_mode=WAL; "
		         "PRAGMA synchronous=FULL; PRAGMA cache_size=-16384;"
		         "CREATE TABLE env(pos INTEGER PRIMARY KEY, origin TEXT, seq INT, kind INT,"
		         " flags INT, release TEXT, data_ns INT, accept_ns INT, from_peer TEXT,"
		         " from_pos INT, len INT, sha256 BLOB, bytes BLOB, seg INT, leaf INT);"
		         "INSERT INTO env(pos, bytes) VALUES(0, x'00');");
		sqlite3_wal_autocheckpoint(db, g_ckpt == 1 ? g_ckpt_frames : 0);
		if (g_prealloc)
			prealloc_wal(db);
		if (g_ckpt == 2) {
			if (sqlite3_open_v2(path, &ck.db,
			                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			                    "bench_commit") != SQLITE_OK)
				die("open checkpointer", ck.db);
			sql_exec(ck.db, "PRAGMA synchronous=FULL");
			pthread_mutex_init(&ck.mu, NULL);
			pthread_cond_init(&ck.cv, NULL);
			sqlite3_wal_hook(db, wal_hook, &ck);
			if (pthread_create(&ck.thr, NULL, ckpt_main, &ck) != 0)
				die("checkpoint thread", NULL);
		}
		if (sqlite3_prepare_v2(
		        db,
		        "INSERT INTO env VALUES(?1, 'KOR', ?1, 1, 0, 'JPN,ROK,USA', ?2,"
		        " ?2, 'KOR', ?1, ?3, ?4, ?5, NULL, NULL)",
		        -1, &ins, NULL) != SQLITE_OK ||
		    sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL) != SQLITE_OK ||
		    sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL) != SQLITE_OK)
			die("prepare", db);
	} else {
		snprintf(path, sizeof(path), "%s/bench_commit%d.raw", g_dir, id);
		unlink(path);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			die(path, NULL);
		if (!append) { /* written with data (not a hole) and synced once */
			for (int i = 0; i < RAW_FRAMES; i++)
				if (pwrite(fd, page, FRAME, (off_t)i * FRAME) != FRAME)
					die("prealloc", NULL);
			if (fsync(fd) != 0)
				die("fsync", NULL);
		}
	}
	int64_t next = mono_ns(), pos = 1, frame_off = 0;
	if (g_phase_us >= 0) /* -s: one schedule for all writers, writer i shifted */
		next = g_epoch_ns + (int64_t)id * g_phase_us * 1000;
	for (int k = -WARMUP; k < g_n; k++) {
		if (g_interval_us > 0) {
			next += (int64_t)g_interval_us * 1000;
			for (int64_t d; (d = next - mono_ns()) > 0;) {
				struct timespec ts = {(time_t)(d / 1000000000),
				                      (long)(d % 1000000000)};
				nanosleep(&ts, NULL);
			}
		}
		t_sync_ns = 0;
		t_syncs = t_writes = 0;
		int64_t c0 = thread_cpu_ns(), t0 = mono_ns();
		if (sql) {
			if (sqlite3_step(begin) != SQLITE_DONE)
				die("BEGIN", db);
			sqlite3_reset(begin);
			for (int i = 0; i < g_rows; i++, pos++) {
				sqlite3_bind_int64(ins, 1, pos);
				sqlite3_bind_int64(ins, 2, t0);
				sqlite3_bind_int(ins, 3, g_row_bytes);
				sqlite3_bind_blob(ins, 4, blob, 16, SQLITE_STATIC);
				sqlite3_bind_blob(ins, 5, blob, g_row_bytes, SQLITE_STATIC);
				if (sqlite3_step(ins) != SQLITE_DONE)
					die("INSERT", db);
				sqlite3_reset(ins);
			}
			if (sqlite3_step(commit) != SQLITE_DONE)
				die("COMMIT", db);
			sqlite3_reset(commit);
		} else {
			if (append) {
				if (write(fd, blob, 4096) != 4096)
					die("write", NULL);
				t_writes++;
			} else {
				for (int i = 0; i < g_rows; i++) {
					if (frame_off + FRAME > (int64_t)RAW_FRAMES * FRAME)
						frame_off = 0;
					if (pwrite(fd, page, 24, (off_t)frame_off) != 24 ||
					    pwrite(fd, page + 24, PAGE, (off_t)frame_off + 24) !=
					        PAGE)
						die("pwrite", NULL);
					frame_off += FRAME;
					t_writes += 2;
				}
			}
			int64_t t = mono_ns();
			if (fdatasync(fd) != 0)
				die("fdatasync", NULL);
			t_sync_ns += mono_ns() - t;
			t_syncs++;
		}
		int64_t t1 = mono_ns(), c1 = thread_cpu_ns();
		if (k >= 0) {
			r->wall[k] = t1 - t0;
			r->sync[k] = t_sync_ns;
			r->cpu[k] = c1 - c0;
			r->writes += t_writes;
			r->syncs += t_syncs;
		}
	}
	if (sql) {
		if (g_ckpt == 2) {
			pthread_mutex_lock(&ck.mu);
			ck.stop = true;
			pthread_cond_signal(&ck.cv);
			pthread_mutex_unlock(&ck.mu);
			pthread_join(ck.thr, NULL);
			r->checkpoints = ck.done;
			sqlite3_close(ck.db);
		}
		sqlite3_finalize(ins);
		sqlite3_finalize(begin);
		sqlite3_finalize(commit);
		sqlite3_close(db);
	}
	if (fd >= 0)
		close(fd);
	return r;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* q-quantile in us of v[0..n) (sorts v) */
static double q_us(int64_t *v, int n, double q)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_i64);
	int i = (int)(q * n);
	return (double)v[i < n ? i : n - 1] / 1e3;
}

static int usage(void)
{
	fprintf(
	    stderr,
	    "usage: bench_commit DIR raw-append|raw-frames|sql [-n N] [-i US] [-w W] "
	    "[-r ROWS] [-c 0|1|2] [-k FRAMES] [-b BYTES] [-p 0|1] [-P PAGE] [-s US] [-o MODE2]\n");
	return 2;
}

static bool mode_ok(const char *m)
{
	return m && (!strcmp(m, "raw-append") || !strcmp(m, "raw-frames") || !strcmp(m, "sql"));
}

int main(int argc, char **argv)
{
	if (argc < 3 || !mode_ok(argv[2]))
		return usage();
	g_dir = argv[1];
	g_mode = argv[2];
	for (int i = 3; i < argc; i += 2) {
		if (i + 1 >= argc || argv[i][0] != '-' || !argv[i][1] || argv[i][2])
			return usage();
		if (argv[i][1] == 'o') {
			g_mode2 = argv[i + 1];
			if (!mode_ok(g_mode2))
				return usage();
			continue;
		}
		int v = atoi(argv[i + 1]);
		switch (argv[i][1]) {
		case 'n':
			g_n = v;
			break;
		case 'i':
			g_interval_us = v;
			break;
		case 'w':
			g_w = v;
			break;
		case 'r':
			g_rows = v;
			break;
		case 'c':
			g_ckpt = v;
			break;
		case 'k':
			g_ckpt_frames = v;
			break;
		case 'b':
			g_row_bytes = v;
			break;
		case 'p':
			g_prealloc = v;
			break;
		case 'P':
			g_page = v;
			break;
		case 's':
			g_phase_us = v;
			break;
		default:
			return usage();
		}
	}
	if (g_n < 1 || g_w < 1 || g_w > MAX_W || g_rows < 1 || g_rows > RAW_FRAMES || g_ckpt < 0 ||
	    g_ckpt > 2 || g_ckpt_frames < 1 || g_row_bytes < 1 || g_row_bytes > 65536 ||
	    g_page < 512 || g_page > 65536 || (g_page & (g_page - 1)) || g_phase_us < -1 ||
	    (g_interval_us > 0 && g_phase_us >= g_interval_us))
		return usage();
	g_base = sqlite3_vfs_find(NULL);
	g_shim = *g_base;
	g_shim.zName = "bench_commit";
	g_shim.szOsFile = (int)sizeof(struct sfile);
	g_shim.xOpen = s_open;
	sqlite3_vfs_register(&g_shim, 0);
	pthread_t t[MAX_W];
	struct result *res[MAX_W];
	g_epoch_ns = mono_ns() + 500000000; /* after every writer's set-up */
	for (int i = 0; i < g_w; i++)
		if (pthread_create(&t[i], NULL, writer, (void *)(intptr_t)i) != 0)
			die("thread", NULL);
	for (int i = 0; i < g_w; i++) {
		void *p = NULL;
		pthread_join(t[i], &p);
		res[i] = p;
	}
	for (int i = 0; i < g_w; i++) {
		struct result *r = res[i];
		double cpu = 0;
		int64_t *rest = calloc((size_t)g_n, sizeof(int64_t));
		if (!rest)
			die("memory", NULL);
		for (int k = 0; k < g_n; k++) {
			cpu += (double)r->cpu[k];
			rest[k] = r->wall[k] - r->sync[k];
		}
		printf(
		    "%-10s phase %5d page %5d writer %d/%d rows %d ckpt %d/%d every %d us: commit "
		    "p50 %7.1f "
		    "p99 %8.1f "
		    "p99.9 %8.1f max %8.1f | in sync p50 %7.1f p99 %8.1f | rest p50 %6.1f p99 "
		    "%6.1f | CPU %6.1f us | %.1f writes %.2f syncs per commit | %lld checkpoints\n",
		    r->mode, g_phase_us, g_page, i, g_w, g_rows, g_ckpt, g_ckpt_frames,
		    g_interval_us, q_us(r->wall, g_n, .5), q_us(r->wall, g_n, .99),
		    q_us(r->wall, g_n, .999), q_us(r->wall, g_n, 1), q_us(r->sync, g_n, .5),
		    q_us(r->sync, g_n, .99), q_us(rest, g_n, .5), q_us(rest, g_n, .99),
		    cpu / g_n / 1e3, (double)r->writes / g_n, (double)r->syncs / g_n,
		    (long long)r->checkpoints);
		free(rest);
	}
	return 0;
}
