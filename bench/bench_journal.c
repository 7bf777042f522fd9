/*
 * bench/bench_journal.c - journal commit latency and throughput next to
 * the raw fdatasync floor of the same disk (`make bench-journal`).
 *
 * Three measurements, in one directory (argv[1], default $TMPDIR or /tmp):
 *  1. floor: overwrite 256 bytes in a preallocated file and fdatasync
 *     it, N times; the per-call latency is the least a durable commit
 *     can cost on that disk. Measured in rounds interleaved with 2.
 *  2. latency: one 256-byte envelope at a time, append -> wait for the
 *     journal's notification -> durable; p50/p99/p99.9 of that, and the
 *     ratio of its p99 to the floor's p99.
 *  3. throughput: as many 256-byte envelopes as the journal takes for a
 *     few seconds (the loop retries on -ENOBUFS after draining), with the
 *     group sizes and commit latencies the journal's stats report.
 * Prints figures only; it asserts nothing (see tests/unit/test_store.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/time.h"
#include "store/journal.h"

#define FLOOR_N    400
#define LAT_N      400
#define THRU_NS    (4 * MW_NS_PER_S)
#define PAYLOAD    256
#define ROUNDS     8
#define FLOOR_FILE (1 << 20)

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static double pct_us(int64_t *v, size_t n, double q)
{
	qsort(v, n, sizeof(*v), cmp_i64);
	size_t i = (size_t)(q * (double)(n - 1) + 0.5);
	return (double)v[i] / 1000.0;
}

/* Process CPU time (all threads: the appending loop and the journal's). */
static int64_t cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * MW_NS_PER_S +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* A field of /proc/self/io (all threads of the process): write_bytes is
 * what reached the block layer (WAL frames, checkpoint copies, their
 * metadata), wchar what write()/pwrite() were called with. -1 if absent. */
static int64_t proc_io(const char *key)
{
	FILE *f = fopen("/proc/self/io", "r");
	if (!f)
		return -1;
	char line[128];
	int64_t v = -1;
	size_t kl = strlen(key);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtoll(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static int64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

static void rm_journal(const char *db)
{
	char p[600];
	unlink(db);
	snprintf(p, sizeof(p), "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db);
	unlink(p);
}

static struct store_rec rec_for(uint64_t seq, uint8_t *buf)
{
	struct store_rec r;
	memset(&r, 0, sizeof(r));
	snprintf(r.origin, sizeof(r.origin), "ROK");
	snprintf(r.release, sizeof(r.release), "JPN,ROK,USA");
	snprintf(r.from_peer, sizeof(r.from_peer), "USA");
	r.seq = seq;
	r.from_pos = seq;
	r.kind = 2;
	r.data_ns = mw_time_now_ns();
	for (int i = 0; i < PAYLOAD; i++)
		buf[i] = (uint8_t)(seq * 31 + (uint64_t)i);
	r.bytes = buf;
	r.len = PAYLOAD;
	return r;
}

static uint64_t wait_durable(struct store_journal *j, uint64_t pos)
{
	struct pollfd pfd = {.fd = store_journal_notify_fd(j), .events = POLLIN};
	uint64_t d = 0;
	for (;;) {
		store_journal_drain(j, &d, NULL, NULL);
		if (d >= pos)
			return d;
		poll(&pfd, 1, 1000);
	}
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	const char *dir = argc > 1 ? argv[1] : (tmp && *tmp ? tmp : "/tmp");
	char floor_path[512], db[512];
	snprintf(floor_path, sizeof(floor_path), "%s/bench-journal-floor.%d", dir, (int)getpid());
	snprintf(db, sizeof(db), "%s/bench-journal.%d.db", dir, (int)getpid());
	static int64_t lat[LAT_N], floor_ns[FLOOR_N];
	uint8_t buf[PAYLOAD];
	memset(buf, 0xa5, sizeof(buf));

	/* 1 and 2, interleaved in rounds so that both see the same disk
	 * (the machine is shared and its disk latency drifts). The floor
	 * overwrites 256 bytes inside a preallocated, synced file and
	 * fdatasyncs: no size or block allocation to persist, as in a WAL
	 * that is being reused - the least a durable commit can cost. */
	int fd = open(floor_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || posix_fallocate(fd, 0, FLOOR_FILE) != 0 || fsync(fd) != 0) {
		fprintf(stderr, "bench_journal: %s: %s\n", floor_path, strerror(errno));
		return 1;
	}
	rm_journal(db);
	struct store_journal_opts o;
	memset(&o, 0, sizeof(o));
	o.path = db;
	o.hash_rows = true;
	struct store_journal *j = NULL;
	struct mw_errbuf err = {{0}};
	int rc = store_journal_open(&o, &j, &err);
	if (rc) {
		fprintf(stderr, "bench_journal: %s\n", err.msg);
		return 1;
	}
	uint64_t seq = 0;
	size_t nf = 0, nl = 0;
	for (int round = 0; round < ROUNDS; round++) {
		for (int i = 0; i < FLOOR_N / ROUNDS; i++) {
			off_t off = (off_t)((nf * PAYLOAD) % FLOOR_FILE);
			int64_t t0 = mw_time_mono_ns();
			if (pwrite(fd, buf, sizeof(buf), off) != PAYLOAD || fdatasync(fd) != 0) {
				fprintf(stderr, "bench_journal: write/fdatasync: %s\n",
				        strerror(errno));
				return 1;
			}
			floor_ns[nf++] = mw_time_mono_ns() - t0;
		}
		for (int i = 0; i < LAT_N / ROUNDS; i++) {
			struct store_rec r = rec_for(++seq, buf);
			uint64_t pos = 0;
			int64_t t0 = mw_time_mono_ns();
			if (store_journal_append(j, &r, &pos) != 0)
				return 1;
			wait_durable(j, pos);
			lat[nl++] = mw_time_mono_ns() - t0;
		}
	}
	close(fd);
	unlink(floor_path);
	double f50 = pct_us(floor_ns, nf, 0.5), f99 = pct_us(floor_ns, nf, 0.99);
	printf("disk: %s\n", dir);
	printf("fdatasync floor (256 B overwrite + fdatasync, n=%zu): p50 %.0f us  p99 %.0f us\n",
	       nf, f50, f99);
	double l50 = pct_us(lat, nl, 0.5), l99 = pct_us(lat, nl, 0.99),
	       l999 = pct_us(lat, nl, 0.999);
	printf("journal append->durable, one at a time (n=%zu): p50 %.0f us  p99 %.0f us  "
	       "p99.9 %.0f us\n",
	       nl, l50, l99, l999);
	printf("  ratio to floor: p50 %.2fx  p99 %.2fx\n", l50 / f50, l99 / f99);

	/* 3. throughput */
	struct store_journal_stats s0, s1;
	store_journal_get_stats(j, &s0);
	int64_t wb0 = proc_io("write_bytes"), wc0 = proc_io("wchar");
	int64_t t0 = mw_time_mono_ns(), t1, c0 = cpu_ns();
	uint64_t n = 0, full = 0;
	while ((t1 = mw_time_mono_ns()) - t0 < THRU_NS) {
		for (int k = 0; k < 256; k++) {
			struct store_rec r = rec_for(seq + 1, buf);
			rc = store_journal_append(j, &r, NULL);
			if (rc == -ENOBUFS) {
				full++;
				struct pollfd pfd = {.fd = store_journal_notify_fd(j),
				                     .events = POLLIN};
				poll(&pfd, 1, 10);
				store_journal_drain(j, NULL, NULL, NULL);
				break;
			}
			if (rc) {
				fprintf(stderr, "append: %s\n", mw_errname(rc));
				return 1;
			}
			seq++;
			n++;
		}
		store_journal_drain(j, NULL, NULL, NULL);
	}
	wait_durable(j, store_journal_last_pos(j));
	t1 = mw_time_mono_ns();
	int64_t cpu = cpu_ns() - c0;
	int64_t wb = proc_io("write_bytes") - wb0, wc = proc_io("wchar") - wc0;
	store_journal_get_stats(j, &s1);
	uint64_t commits = s1.commits - s0.commits;
	struct store_journal_stats sd = s1;
	for (int i = 0; i < STORE_LAT_BUCKETS; i++)
		sd.commit_lat_us_hist[i] -= s0.commit_lat_us_hist[i];
	printf("journal throughput (256 B, SHA-256 per row, %.1f s): %.0f envelopes/s durable\n",
	       (double)(t1 - t0) / 1e9, (double)n / ((double)(t1 - t0) / 1e9));
	printf("  CPU %.2f us per record (process CPU time, appending loop and journal thread)\n",
	       n ? (double)cpu / 1e3 / (double)n : 0.0);
	printf("  %" PRIu64 " commits, mean group %.0f, largest %" PRIu64 ", commit p50 <= %" PRIu64
	       " us, p99 <= %" PRIu64 " us (histogram bucket bounds), "
	       "queue high-water %" PRIu64 ", queue-full retries %" PRIu64 "\n",
	       commits,
	       commits ? (double)(s1.committed_records - s0.committed_records) / (double)commits
	               : 0.0,
	       s1.group_max, store_journal_lat_quantile_us(&sd, 0.5),
	       store_journal_lat_quantile_us(&sd, 0.99), s1.queue_hwm, full);
	/* Bytes per record: the throughput phase's writes over its records
	 * (a checkpoint that runs after the loop is not counted, so the
	 * database copy share is what ran during it), then the file sizes
	 * after close (close checkpoints the WAL into the database). */
	printf("  disk writes per record: %.0f B to the block layer (write_bytes), %.0f B "
	       "written by syscalls (wchar); %" PRIu64 " checkpoints\n",
	       n ? (double)wb / (double)n : 0.0, n ? (double)wc / (double)n : 0.0,
	       s1.checkpoints - s0.checkpoints);
	uint64_t rows = s1.rows;
	char wal[600];
	snprintf(wal, sizeof(wal), "%s-wal", db);
	int64_t wal_sz = file_size(wal);
	store_journal_free(j);
	int64_t db_sz = file_size(db);
	printf("  database %.0f B per stored record (%" PRIu64 " records, %" PRId64
	       " B file after close; WAL was %" PRId64 " B before)\n",
	       rows ? (double)db_sz / (double)rows : 0.0, rows, db_sz, wal_sz);
	if (getenv("BENCH_JOURNAL_KEEP")) /* for sqlite3's dbstat (docs/benchmarks.md) */
		printf("  kept %s\n", db);
	else
		rm_journal(db);
	return 0;
}
