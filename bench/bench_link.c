/*
 * bench/bench_link.c - `make bench-link`: durable end-to-end latency and
 * throughput of mwlink links, next to the floors measured in the same run.
 *
 *   bench_link [DIR] [--quick] [--precise-timer]
 *              [--only two-load|two-lat|two-thr|hub-lat|hub-thr|floors|commit]
 *
 * (--only floors: the floors alone, no run; --only commit: the receiver's
 * journal alone, no node: commit_only below)
 *
 * Everything is real: each node is a net_node with its own journal
 * (SQLite, WAL, synchronous=FULL, its own commit thread), TLS 1.3 links on
 * 127.0.0.1, origin batch signing and per-envelope verification before
 * journaling; each node runs its own libevent loop in its own thread.
 * The envelope payload is an encoded Track of about 256 bytes.
 *
 * Latency of an envelope = from the call that originates it at KOR to the
 * moment its durable acknowledgement arrives back: at KOR from USA (two
 * nodes), or at USA from JPN (through the hub). It includes the origin's
 * signing, the TLS hop(s), verification, the receiver's commit and the
 * Ack; the origin's own commit runs in parallel (own records leave under
 * a durable seq reservation before their commit, docs/protocol.md), a
 * relay's commit is on the path (relays send only durable records). The
 * two-node run also prints where the time goes (trace_report), down to
 * the sender's socket write, the receiver's read callback and its
 * signature check (net_node_opts on_trace, NET_TRACE_TX_WRITTEN ..
 * NET_TRACE_RX_VERIFIED), and how many envelopes each signature covered.
 * It ends with a table of the receiver's commits by what met them (its
 * own WAL restart, a checkpoint or restart of either journal, or none,
 * from store_journal_stats.events; docs/benchmarks.md, "Latency round
 * (session 7, branch lat3)"): which of them the slowest 1 % are.
 *
 * --precise-timer runs the node loops on CLOCK_MONOTONIC
 * (EVENT_BASE_FLAG_PRECISE_TIMER): with libevent's default coarse clock
 * the 0.5 ms driver timer fires once per scheduler tick (4 ms here), so
 * the 2,000 env/s arrive as bursts of ~8 that share one signature.
 *
 * Journal directories (docs/benchmarks.md, "Latency on one shared disk
 * (session 12, branch lat5)"): BENCH_DIR_A=DIR puts the origin's (KOR's)
 * journal in DIR, BENCH_DIR_B=DIR the receivers' (USA's, JPN's); default
 * both in DIR (the first argument), with the PKI. On a machine with two
 * disks this runs the nodes as deployed, each journal on its own disk;
 * the output says whether the two share a device (st_dev), next to the
 * verdict. BENCH_ORIGIN_DIR is BENCH_DIR_A's older name.
 *
 * Latency against offered load (--only two-load, and before two-lat in a
 * full run): the two-node latency at BENCH_LOADS=R1,R2,... env/s
 * (default 200,1000), 6-10 s each (2,000-6,000 envelopes), each with the
 * floors after it and two lines on what its p99 is made of (comp_report);
 * BENCH_BREAKDOWN=1 prints the full breakdown for them too.
 *
 * Diagnostics (docs/benchmarks.md, "Latency round (session 5, branch
 * lat)"): BENCH_NOTRACE=1 drops the per-step stamps (no on_trace hook, no
 * breakdown), to see what the instrumentation costs.
 *
 * BENCH_GROUP_MAX=N and BENCH_CKPT_PAGES=N set the journals' group and
 * checkpoint sizes for experiments, BENCH_PAGE_SIZE=N the SQLite page size
 * of the new journals (default 8192); BENCH_KEEP=1 keeps the journals;
 * BENCH_IDLE_RESTART=0 leaves a WAL restart to the next commit of records
 * (store_journal_opts.no_idle_restart), as before session 7.
 * BENCH_JOURNAL_DEPRIO=K runs every journal's commit and checkpoint
 * threads K steps below the loops (store_journal_opts.thread_deprio: under
 * `chrt -f P` they run at P-K; docs/benchmarks.md, "The receiver's commit").
 * BENCH_THR_N=N and BENCH_THR_SECONDS=S set the throughput runs' envelope
 * count and time limit (e.g. for callgrind, which runs ~50 x slower).
 *
 * Floors measured first, on the same disk and loopback, and the fdatasync
 * ones again after each latency run:
 *   fdatasync: append 4 KiB to a file in the receivers' journal directory
 *              and fdatasync it, 300 times (the target's floor);
 *   two writers: the same by two threads at once, one in each journal
 *              directory (the co-located pair's floor; p50/p99 over both
 *              writers' 600; printed, never the verdict's);
 *   TLS RTT:   64-byte ping-pong over a TLS 1.3 connection, 2000 times.
 *
 * Targets (issue 5): durable p99 <= 3 x fdatasync p99 (measured at a
 * moderate offered rate, 2000 envelopes/s), and >= 100,000 signed,
 * verified, journaled envelopes/s between two nodes (closed loop).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/ssl.h>

#include "core/buf.h"
#include "core/time.h"
#include "net/node.h"
#include "net/nodeconf.h"
#include "net/pki.h"
#include "net/tls.h"
#include "store/journal.h"
#include "wire/envelope.h"
#include "wire/frame.h"
#include "wire/payload.h"
#include "wire/sign.h"

#define MAX_ENV 2000000

static char g_dir[512];
/* journal directories: the origin's (KOR, BENCH_DIR_A) and the receivers'
 * (USA, JPN, BENCH_DIR_B); each run makes its own subdirectory in them.
 * Default: g_dir, where the PKI is. */
static char g_dir_a[1024], g_dir_b[1024];

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static double pct_us(int64_t *v, size_t n, double q)
{
	if (n == 0)
		return NAN;
	size_t i = (size_t)ceil(q * (double)n) - 1;
	if (i >= n)
		i = n - 1;
	return (double)v[i] / 1e3;
}

/* ------------------------------------------------------------- PKI */

static int pki_make(const char *dir, const char *const *nations, size_t n)
{
	char p[1024];
	EVP_PKEY *cak = NULL;
	X509 *ca = NULL;
	struct net_cert_spec cs = {NET_CERT_CA, "bench CA", NULL, -3600, 86400};
	if (net_pki_keygen(&cak) || net_pki_issue(&cs, cak, NULL, cak, &ca, NULL))
		return -1;
	snprintf(p, sizeof(p), "%s/ca.crt", dir);
	net_pki_write_cert(p, ca, NULL);
	snprintf(p, sizeof(p), "%s/origin-keys", dir);
	mkdir(p, 0755);
	for (size_t i = 0; i < n; i++) {
		char cn[32], uri[64];
		snprintf(cn, sizeof(cn), "node.%c%c%c", nations[i][0] + 32, nations[i][1] + 32,
		         nations[i][2] + 32);
		snprintf(uri, sizeof(uri), "mwlink:nation:%s", nations[i]);
		struct net_cert_spec s = {NET_CERT_NODE, cn, uri, -3600, 86400};
		EVP_PKEY *k = NULL, *sk = NULL;
		X509 *c = NULL;
		if (net_pki_keygen(&k) || net_pki_issue(&s, k, ca, cak, &c, NULL) ||
		    net_pki_keygen(&sk))
			return -1;
		snprintf(p, sizeof(p), "%s/%s.crt", dir, nations[i]);
		net_pki_write_cert(p, c, NULL);
		snprintf(p, sizeof(p), "%s/%s.key", dir, nations[i]);
		net_pki_write_key(p, k, NULL);
		snprintf(p, sizeof(p), "%s/%s.sign", dir, nations[i]);
		net_pki_write_key(p, sk, NULL);
		snprintf(p, sizeof(p), "%s/origin-keys/%s.pub", dir, nations[i]);
		net_pki_write_pub(p, sk, NULL);
		EVP_PKEY_free(k);
		EVP_PKEY_free(sk);
		X509_free(c);
	}
	EVP_PKEY_free(cak);
	X509_free(ca);
	return 0;
}

static uint16_t free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &len);
	close(fd);
	return ntohs(a.sin_port);
}

/* ------------------------------------------------------------- floors */

/* The 1-minute load average now (NAN if /proc/loadavg cannot be read). */
static double loadavg1(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double l = NAN;
	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = NAN;
		fclose(f);
	}
	return l;
}

/* n appends of 4 KiB to a new file in dir, each followed by fdatasync;
 * the latencies go to lat[0..n) */
static void fdatasync_probe(const char *dir, const char *tag, int64_t *lat, int n)
{
	char path[1100];
	snprintf(path, sizeof(path), "%s/fdatasync-%s.probe", dir, tag);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	uint8_t block[4096];
	for (int i = 0; i < n; i++) {
		memset(block, i, sizeof(block));
		int64_t t = mw_time_mono_ns();
		if (fd < 0 || write(fd, block, sizeof(block)) != (ssize_t)sizeof(block) ||
		    fdatasync(fd) != 0) {
			perror("fdatasync floor");
			exit(1);
		}
		lat[i] = mw_time_mono_ns() - t;
	}
	close(fd);
	unlink(path);
}

/* The floor of the target: one writer, in the receivers' journal
 * directory (the receiver's commit is the one on the measured path). */
static void floor_fdatasync(double *p50, double *p99)
{
	int64_t lat[300];
	fdatasync_probe(g_dir_b, "one", lat, 300);
	qsort(lat, 300, sizeof(lat[0]), cmp_i64);
	*p50 = pct_us(lat, 300, 0.50);
	*p99 = pct_us(lat, 300, 0.99);
}

/* The co-located pair's floor: two writers at once, one in the origin's
 * journal directory and one in the receivers' (on one disk, as in this
 * VM, each fdatasync is a whole-device flush that may wait for the
 * other's); p50/p99 over both writers' 600 fdatasyncs. Informative only:
 * the verdict stays against the one-writer floor. */
struct pair_writer {
	const char *dir, *tag;
	pthread_barrier_t *go;
	int64_t lat[300];
};

static void *pair_writer_main(void *arg)
{
	struct pair_writer *w = arg;
	pthread_barrier_wait(w->go);
	fdatasync_probe(w->dir, w->tag, w->lat, 300);
	return NULL;
}

static void floor_fdatasync_pair(double *p50, double *p99)
{
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, 2);
	static struct pair_writer w[2];
	w[0] = (struct pair_writer){.dir = g_dir_a, .tag = "pair-a", .go = &go};
	w[1] = (struct pair_writer){.dir = g_dir_b, .tag = "pair-b", .go = &go};
	pthread_t th;
	pthread_create(&th, NULL, pair_writer_main, &w[0]);
	pair_writer_main(&w[1]);
	pthread_join(th, NULL);
	pthread_barrier_destroy(&go);
	static int64_t all[600];
	memcpy(all, w[0].lat, sizeof(w[0].lat));
	memcpy(all + 300, w[1].lat, sizeof(w[1].lat));
	qsort(all, 600, sizeof(all[0]), cmp_i64);
	*p50 = pct_us(all, 600, 0.50);
	*p99 = pct_us(all, 600, 0.99);
}

struct tls_srv {
	SSL_CTX *ctx;
	int lfd;
};

static void *tls_echo(void *arg)
{
	struct tls_srv *s = arg;
	int fd = accept(s->lfd, NULL, NULL);
	SSL *ssl = SSL_new(s->ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) == 1) {
		char buf[64];
		int n;
		while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0)
			if (SSL_write(ssl, buf, n) != n)
				break;
	}
	SSL_free(ssl);
	close(fd);
	return NULL;
}

static void floor_tls_rtt(const char *pki, double *p50, double *p99)
{
	char ca[600], crt[600], key[600];
	snprintf(ca, sizeof(ca), "%s/ca.crt", pki);
	snprintf(crt, sizeof(crt), "%s/USA.crt", pki);
	snprintf(key, sizeof(key), "%s/USA.key", pki);
	SSL_CTX *sctx = NULL, *cctx = NULL;
	struct mw_errbuf err;
	if (net_tls_ctx_new(ca, crt, key, &sctx, &err) ||
	    net_tls_ctx_new(ca, crt, key, &cctx, &err)) {
		fprintf(stderr, "tls floor: %s\n", err.msg);
		exit(1);
	}
	struct tls_srv s = {sctx, socket(AF_INET, SOCK_STREAM, 0)};
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	bind(s.lfd, (struct sockaddr *)&a, sizeof(a));
	getsockname(s.lfd, (struct sockaddr *)&a, &len);
	listen(s.lfd, 1);
	pthread_t th;
	pthread_create(&th, NULL, tls_echo, &s);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	connect(fd, (struct sockaddr *)&a, sizeof(a));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	SSL *ssl = SSL_new(cctx);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1) {
		fprintf(stderr, "tls floor: handshake failed\n");
		exit(1);
	}
	enum { N = 2000 };
	static int64_t lat[N];
	char buf[64] = "ping";
	for (int i = 0; i < N; i++) {
		int64_t t = mw_time_mono_ns();
		SSL_write(ssl, buf, sizeof(buf));
		int got = 0;
		while (got < (int)sizeof(buf)) {
			int n = SSL_read(ssl, buf + got, (int)sizeof(buf) - got);
			if (n <= 0)
				exit(1);
			got += n;
		}
		lat[i] = mw_time_mono_ns() - t;
	}
	SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
	pthread_join(th, NULL);
	close(s.lfd);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	qsort(lat, N, sizeof(lat[0]), cmp_i64);
	*p50 = pct_us(lat, N, 0.50);
	*p99 = pct_us(lat, N, 0.99);
}

/* ------------------------------------------------------------- nodes */

struct bnode {
	char nation[4];
	struct net_node_conf conf;
	struct event_base *base;
	struct store_journal *journal;
	struct wire_keyring *kr;
	struct wire_signer *signer;
	struct net_node *node;
	pthread_t th;
	uint16_t port;
};

/* Shared measurement state (mutex: hooks run on different node threads). */
/* --precise-timer: node loops on CLOCK_MONOTONIC instead of libevent's
 * default CLOCK_MONOTONIC_COARSE (see node_up) */
static bool g_precise;
/* BENCH_NOTRACE=1: no per-step stamps (see the header) */
static bool g_notrace;
/* the full breakdown (trace_report) in this run; the load runs print only
 * comp_report's two lines */
static bool g_breakdown;

static struct {
	pthread_mutex_t mu;
	int64_t *t0;      /* by seq: originate time (mono ns), KOR's envelopes */
	uint64_t *seq_at; /* by pos at the measuring node: seq */
	int64_t *lat;     /* completed latencies */
	size_t n_lat;
	uint64_t done_pos;      /* measuring node's positions completed */
	const char *measure_at; /* nation whose journal/acks we watch */
	const char *ack_from;   /* peer whose acks complete an envelope */
	uint64_t originated;
	int64_t last_done_ns;
} M;

/*
 * Latency breakdown (two-node latency run): a CLOCK_MONOTONIC time stamp
 * per KOR seq for each event on its way, from the node hooks
 * (net_node_opts on_journal, on_acked, on_trace) and the journals' last
 * commit times. "O" = the origin KOR, "R" = the receiver USA.
 */
enum stage {
	S_ORIG,     /* net_node_originate called */
	S_APPEND_O, /* signed, encoded and appended to KOR's journal queue */
	S_CSTART_O, /* KOR's commit of it began (BEGIN) */
	S_CEND_O,   /* ... returned */
	S_NOTICE_O, /* KOR's loop learnt it (eventfd) */
	S_SENT,     /* queued on the link to USA */
	S_WRITTEN,  /* KOR's output buffer holding it written to the socket (SSL_write) */
	S_RXBYTES,  /* first decrypted bytes of the batch holding it in USA's input buffer */
	S_RXREAD,   /* USA's read callback that found it began */
	S_RXFRAME,  /* its frame taken from the input buffer */
	S_RXVERIFY, /* decoded, checked, origin signature verified */
	S_APPEND_R, /* received, decoded, verified, appended at USA */
	S_CSTART_R,
	S_CEND_R,
	S_NOTICE_R,
	S_ACKSENT, /* USA queued the Ack covering it */
	S_ACKRX,   /* KOR processed that Ack */
	S_COUNT
};
static const char *const stage_name[S_COUNT] = {
    "originate",  "signed+appended O",   "commit begin O", "commit end O",    "loop notice O",
    "sent O->R",  "written to socket O", "bytes in at R",  "read callback R", "frame complete R",
    "verified R", "verified+appended R", "commit begin R", "commit end R",    "loop notice R",
    "ack sent R", "ack received O"};
/* stamps that only some envelopes get (several per TLS record share one
 * arrival), reported over the envelopes that have them */
#define S_OPTIONAL(k) ((k) >= S_WRITTEN && (k) <= S_RXVERIFY)
#define TRACE_MAX     65536
static struct {
	bool on;
	uint64_t written;               /* KOR positions stamped S_WRITTEN */
	int64_t rx_bytes, rx_read;      /* USA: last arrival / read callback times */
	uint64_t rx_verified_from;      /* USA: from_pos of the last verified frame */
	uint64_t rx_map_ok, rx_map_bad; /* from_pos == KOR pos checks at USA's append */
	int64_t *t[S_COUNT];            /* [stage][seq] */
	uint64_t *kor_seq;              /* KOR pos -> seq */
	uint64_t *usa_seq;              /* USA pos -> KOR seq */
	uint64_t noticed_o, noticed_r, ack_sent;
	uint64_t commit_unknown; /* positions whose commit times were not the last commit's */
} T;

static void trace_set(int st, uint64_t seq, int64_t now)
{
	if (seq && seq < TRACE_MAX && !T.t[st][seq])
		T.t[st][seq] = now;
}

/* positions (*prev, d] of a node became durable: notice times and, for
 * those in the journal's last commit, its begin and end */
static void trace_durable(struct store_journal *jr, uint64_t *prev, uint64_t d, const uint64_t *map,
                          int s_cstart, int s_notice, int64_t now)
{
	if (d <= *prev)
		return;
	struct store_journal_stats js;
	store_journal_get_stats(jr, &js);
	for (uint64_t p = *prev + 1; p <= d && p < TRACE_MAX; p++) {
		uint64_t seq = map[p];
		trace_set(s_notice, seq, now);
		if (p >= js.last_commit_first_pos && p <= js.last_commit_last_pos) {
			trace_set(s_cstart, seq, js.last_commit_start_mono);
			trace_set(s_cstart + 1, seq, js.last_commit_end_mono);
		} else if (seq) {
			T.commit_unknown++;
		}
	}
	*prev = d;
}

static void hook_trace(void *ud, int ev, const char *peer, uint64_t pos)
{
	struct bnode *b = ud;
	if (!T.on)
		return;
	int64_t now = mw_time_mono_ns();
	bool kor = strcmp(b->nation, "KOR") == 0;
	pthread_mutex_lock(&M.mu);
	if (ev == NET_TRACE_DURABLE) {
		if (kor)
			trace_durable(b->journal, &T.noticed_o, pos, T.kor_seq, S_CSTART_O,
			              S_NOTICE_O, now);
		else
			trace_durable(b->journal, &T.noticed_r, pos, T.usa_seq, S_CSTART_R,
			              S_NOTICE_R, now);
	} else if (ev == NET_TRACE_SENT && kor && pos < TRACE_MAX) {
		trace_set(S_SENT, T.kor_seq[pos], now);
	} else if (ev == NET_TRACE_TX_WRITTEN && kor) {
		for (uint64_t p = T.written + 1; p <= pos && p < TRACE_MAX; p++)
			trace_set(S_WRITTEN, T.kor_seq[p], now);
		if (pos > T.written)
			T.written = pos;
	} else if (ev == NET_TRACE_RX_BYTES && !kor) {
		T.rx_bytes = now;
	} else if (ev == NET_TRACE_RX_READ && !kor) {
		T.rx_read = now;
	} else if ((ev == NET_TRACE_RX_FRAME || ev == NET_TRACE_RX_VERIFIED) && !kor &&
	           pos < TRACE_MAX) {
		/* two nodes, one connection, KOR sends all its records: the k-th
		 * frame USA receives is KOR's position k (checked at the append) */
		uint64_t seq = T.kor_seq[pos];
		if (ev == NET_TRACE_RX_FRAME) {
			if (T.rx_bytes)
				trace_set(S_RXBYTES, seq, T.rx_bytes);
			if (T.rx_read)
				trace_set(S_RXREAD, seq, T.rx_read);
			trace_set(S_RXFRAME, seq, now);
		} else {
			trace_set(S_RXVERIFY, seq, now);
			T.rx_verified_from = pos;
		}
	} else if (ev == NET_TRACE_ACK_SENT && !kor && strcmp(peer, "KOR") == 0) {
		for (uint64_t p = T.ack_sent + 1; p <= pos && p < TRACE_MAX; p++)
			trace_set(S_ACKSENT, T.kor_seq[p], now);
		if (pos > T.ack_sent)
			T.ack_sent = pos;
	}
	pthread_mutex_unlock(&M.mu);
}

static void hook_journal(void *ud, const char *origin, uint64_t seq, uint64_t pos)
{
	struct bnode *b = ud;
	if (T.on && strcmp(origin, "KOR") == 0 && pos < TRACE_MAX) {
		int64_t now = mw_time_mono_ns();
		pthread_mutex_lock(&M.mu);
		if (strcmp(b->nation, "KOR") == 0) {
			T.kor_seq[pos] = seq;
			trace_set(S_APPEND_O, seq, now);
		} else {
			T.usa_seq[pos] = seq;
			trace_set(S_APPEND_R, seq, now);
			if (T.rx_verified_from < TRACE_MAX && T.kor_seq[T.rx_verified_from] == seq)
				T.rx_map_ok++;
			else
				T.rx_map_bad++;
		}
		pthread_mutex_unlock(&M.mu);
	}
	if (strcmp(b->nation, M.measure_at) != 0 || strcmp(origin, "KOR") != 0 || pos >= MAX_ENV)
		return;
	pthread_mutex_lock(&M.mu);
	M.seq_at[pos] = seq;
	pthread_mutex_unlock(&M.mu);
}

/* Which journal event, if any, each envelope's receiver commit met: a
 * WAL-restarting commit at USA (two fsyncs), or a checkpoint or restart at
 * either node overlapping it in time. Prints, per class, the commit and the
 * durable latency and how many of the slowest 1 % fall in it: the two
 * journals share the disk, so a checkpoint of either one is on it. */
enum ev_class {
	EC_R_RESTART,
	EC_R_IDLE,
	EC_R_CKPT,
	EC_O_CKPT,
	EC_O_RESTART,
	EC_O_COMMIT,
	EC_NONE,
	EC_N
};
static bool ev_overlaps(const struct store_journal_stats *js, int kind, int64_t a, int64_t b,
                        bool same_start)
{
	uint64_t m = js->events_total < STORE_EVENTS ? js->events_total : STORE_EVENTS;
	for (uint64_t i = 0; i < m; i++) {
		const struct store_journal_event *e = &js->events[i];
		if (e->kind != kind)
			continue;
		if (same_start ? e->start_mono == a : (e->start_mono < b && e->end_mono > a))
			return true;
	}
	return false;
}

static int64_t ev_oldest(const struct store_journal_stats *js)
{
	if (js->events_total <= STORE_EVENTS)
		return INT64_MIN;
	return js->events[js->events_total % STORE_EVENTS].start_mono;
}

static void event_report(const struct store_journal_stats *o, const struct store_journal_stats *r,
                         const uint64_t *idx, const int64_t *tot, size_t n, int64_t cut, int64_t *v)
{
	static const char *const name[EC_N] = {"R's commit restarted the WAL",
	                                       "R's idle restart in the way",
	                                       "R checkpointing meanwhile",
	                                       "O checkpointing meanwhile",
	                                       "O restarting its WAL meanwhile",
	                                       "O committing meanwhile",
	                                       "none of these"};
	static uint8_t cls[TRACE_MAX];
	/* KOR's commits (their BEGIN..COMMIT, from the envelopes' stamps,
	 * each once): its fsyncs on the disk the receiver's commit shares
	 * (docs/benchmarks.md, "Commit size and flush collisions") */
	static int64_t oc[TRACE_MAX][2];
	size_t noc = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t a = T.t[S_CSTART_O][idx[i]], b = T.t[S_CEND_O][idx[i]];
		if (noc && oc[noc - 1][0] == a)
			continue; /* envelopes of one commit are adjacent in idx */
		oc[noc][0] = a;
		oc[noc][1] = b;
		noc++;
	}
	size_t o_met = 0;
	int64_t from = ev_oldest(o) > ev_oldest(r) ? ev_oldest(o) : ev_oldest(r);
	size_t cnt[EC_N] = {0}, top[EC_N] = {0}, skipped = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t a = T.t[S_CSTART_R][idx[i]], b = T.t[S_CEND_R][idx[i]];
		int k = EC_NONE;
		if (a < from)
			k = EC_N;
		else if (ev_overlaps(r, STORE_EV_WAL_RESTART, a, b, true))
			k = EC_R_RESTART;
		else if (ev_overlaps(r, STORE_EV_IDLE_RESTART, T.t[S_APPEND_R][idx[i]], b, false))
			k = EC_R_IDLE; /* the commit waited for it */
		else if (ev_overlaps(r, STORE_EV_CHECKPOINT, a, b, false))
			k = EC_R_CKPT;
		else if (ev_overlaps(o, STORE_EV_CHECKPOINT, a, b, false))
			k = EC_O_CKPT;
		else if (ev_overlaps(o, STORE_EV_WAL_RESTART, a, b, false) ||
		         ev_overlaps(o, STORE_EV_IDLE_RESTART, a, b, false))
			k = EC_O_RESTART;
		if (k != EC_N) {
			bool met = false;
			for (size_t c = 0; c < noc && !met; c++)
				met = oc[c][0] < b && oc[c][1] > a;
			o_met += met;
			if (met && k == EC_NONE)
				k = EC_O_COMMIT;
		}
		cls[i] = (uint8_t)k;
		if (k == EC_N) {
			skipped++;
			continue;
		}
		cnt[k]++;
		top[k] += tot[i] >= cut;
	}
	printf("       receiver commits by what met them (checkpoints, WAL restarts by a commit of "
	       "records / idle (idle commits that restarted nothing): USA %llu, %llu / %llu "
	       "(%llu); KOR %llu, %llu / %llu (%llu); %zu envelopes before the events kept "
	       "skipped; %zu KOR commits, %zu envelopes' receiver commits overlapped one):\n",
	       (unsigned long long)r->checkpoints, (unsigned long long)r->wal_restarts,
	       (unsigned long long)r->wal_restarts_idle,
	       (unsigned long long)r->wal_restarts_idle_missed, (unsigned long long)o->checkpoints,
	       (unsigned long long)o->wal_restarts, (unsigned long long)o->wal_restarts_idle,
	       (unsigned long long)o->wal_restarts_idle_missed, skipped, noc, o_met);
	printf("       %-31s %6s %9s %9s %9s %9s %7s\n", "class", "n", "commit p50", "p99",
	       "durable p50", "p99", "top 1%");
	for (int k = 0; k < EC_N; k++) {
		if (!cnt[k])
			continue;
		size_t c = 0;
		for (size_t i = 0; i < n; i++)
			if (cls[i] == k)
				v[c++] = T.t[S_CEND_R][idx[i]] - T.t[S_CSTART_R][idx[i]];
		qsort(v, c, sizeof(v[0]), cmp_i64);
		double c50 = pct_us(v, c, 0.5), c99 = pct_us(v, c, 0.99);
		c = 0;
		for (size_t i = 0; i < n; i++)
			if (cls[i] == k)
				v[c++] = tot[i];
		qsort(v, c, sizeof(v[0]), cmp_i64);
		printf("       %-31s %6zu %9.1f %9.1f %11.1f %9.1f %7zu\n", name[k], cnt[k], c50,
		       c99, pct_us(v, c, 0.5), pct_us(v, c, 0.99), top[k]);
	}
}

/* The envelopes that have every (non-optional) stamp: their trace slots
 * in idx[] and their durable latency (Ack received - originate) in tot[];
 * returns how many. */
static size_t complete_stamps(uint64_t idx[TRACE_MAX], int64_t tot[TRACE_MAX])
{
	size_t n = 0;
	for (uint64_t s = 1; s < TRACE_MAX; s++) {
		bool all = true;
		for (int k = 0; k < S_COUNT && all; k++)
			all = S_OPTIONAL(k) || T.t[k][s] != 0;
		if (!all)
			continue;
		idx[n] = s;
		tot[n++] = T.t[S_ACKRX][s] - T.t[S_ORIG][s];
	}
	return n;
}

/* Print, for each stage, the time since originate (p50, p99) over the
 * envelopes that have every stamp, and the mean over the slowest 1 %;
 * o and r are the two journals' stats after the run. */
static void trace_report(const struct store_journal_stats *o, const struct store_journal_stats *r)
{
	static int64_t tot[TRACE_MAX], v[TRACE_MAX];
	static uint64_t idx[TRACE_MAX];
	size_t n = complete_stamps(idx, tot);
	if (n == 0) {
		printf("       breakdown: no envelope with every time stamp\n");
		return;
	}
	memcpy(v, tot, n * sizeof(v[0]));
	qsort(v, n, sizeof(v[0]), cmp_i64);
	int64_t cut = v[(size_t)ceil(0.99 * (double)n) - 1];
	printf("       breakdown over %zu envelopes (%llu stamps outside the journal's last commit "
	       "skipped): time since originate, us\n",
	       n, (unsigned long long)T.commit_unknown);
	printf("       (receiver stamps: %llu frames matched KOR's positions, %llu did not; "
	       "stages marked * are over the envelopes that have them)\n",
	       (unsigned long long)T.rx_map_ok, (unsigned long long)T.rx_map_bad);
	printf("       %-22s %9s %9s %12s %6s\n", "event", "p50", "p99", "mean top 1%", "n");
	for (int k = 1; k < S_COUNT; k++) {
		double top = 0;
		size_t nt = 0, m = 0;
		for (size_t i = 0; i < n; i++) {
			if (!T.t[k][idx[i]])
				continue;
			v[m] = T.t[k][idx[i]] - T.t[S_ORIG][idx[i]];
			if (tot[i] >= cut) {
				top += (double)v[m];
				nt++;
			}
			m++;
		}
		qsort(v, m, sizeof(v[0]), cmp_i64);
		printf("       %-21s%c %9.1f %9.1f %12.1f %6zu\n", stage_name[k],
		       S_OPTIONAL(k) ? '*' : ' ', pct_us(v, m, 0.5), pct_us(v, m, 0.99),
		       nt ? top / (double)nt / 1e3 : 0.0, m);
	}
	/* intervals worth naming */
	static const struct {
		const char *what;
		int a, b;
	} iv[] = {{"wait for commit O", S_APPEND_O, S_CSTART_O},
	          {"commit O", S_CSTART_O, S_CEND_O},
	          {"commit -> loop O", S_CEND_O, S_NOTICE_O},
	          {"sent -> appended R", S_SENT, S_APPEND_R},
	          {"queued -> written O*", S_SENT, S_WRITTEN},
	          {"written -> bytes R*", S_WRITTEN, S_RXBYTES},
	          {"bytes -> read cb R*", S_RXBYTES, S_RXREAD},
	          {"read cb -> frame R*", S_RXREAD, S_RXFRAME},
	          {"frame -> verified R*", S_RXFRAME, S_RXVERIFY},
	          {"verified -> append R*", S_RXVERIFY, S_APPEND_R},
	          {"wait for commit R", S_APPEND_R, S_CSTART_R},
	          {"commit R", S_CSTART_R, S_CEND_R},
	          {"commit -> loop R", S_CEND_R, S_NOTICE_R},
	          {"ack sent -> received", S_ACKSENT, S_ACKRX}};
	{
		/* a frame whose checks took > 40 us verified its batch's signature;
		 * the others found the Merkle root in the signature cache */
		size_t c = 0;
		for (size_t i = 0; i < n; i++) {
			int64_t a = T.t[S_RXFRAME][idx[i]], b = T.t[S_RXVERIFY][idx[i]];
			if (a && b && b - a > 40000)
				v[c++] = b - a;
		}
		qsort(v, c, sizeof(v[0]), cmp_i64);
		printf(
		    "       USA verified %zu signatures (frame -> verified > 40 us): p50 %.1f us, "
		    "p99 %.1f us; the rest of each batch waits behind them\n",
		    c, pct_us(v, c, 0.5), pct_us(v, c, 0.99));
		c = 0;
		for (size_t i = 0; i < n; i++) {
			int64_t a = T.t[S_RXFRAME][idx[i]], b = T.t[S_RXVERIFY][idx[i]];
			int64_t e = T.t[S_APPEND_R][idx[i]];
			if (a && b && b - a > 40000)
				v[c++] = e - b;
		}
		qsort(v, c, sizeof(v[0]), cmp_i64);
		printf("       ... and their append (the first of a batch wakes the journal "
		       "thread): p50 %.1f us, p99 %.1f us\n",
		       pct_us(v, c, 0.5), pct_us(v, c, 0.99));
	}
	printf("       %-22s %9s %9s %12s %6s\n", "interval", "p50", "p99", "mean top 1%", "n");
	for (size_t m = 0; m < sizeof(iv) / sizeof(iv[0]); m++) {
		double top = 0;
		size_t nt = 0, c = 0;
		for (size_t i = 0; i < n; i++) {
			if (!T.t[iv[m].a][idx[i]] || !T.t[iv[m].b][idx[i]])
				continue;
			v[c] = T.t[iv[m].b][idx[i]] - T.t[iv[m].a][idx[i]];
			if (tot[i] >= cut) {
				top += (double)v[c];
				nt++;
			}
			c++;
		}
		qsort(v, c, sizeof(v[0]), cmp_i64);
		printf("       %-22s %9.1f %9.1f %12.1f %6zu\n", iv[m].what, pct_us(v, c, 0.5),
		       pct_us(v, c, 0.99), nt ? top / (double)nt / 1e3 : 0.0, c);
	}
	event_report(o, r, idx, tot, n, cut, v);
}

/* What a two-node latency run's p99 is made of, in two lines (every
 * offered load prints them; docs/benchmarks.md, "Latency on one shared
 * disk"): for the slowest 1 % of the envelopes with every stamp, the mean
 * of the four spans that add up to their latency - originate to the
 * receiver's append (signing, the hop, verification: the path), the wait
 * for the receiver's commit to begin (its journal thread still in the
 * previous commit, or not yet running on a busy CPU), the receiver's
 * commit, and its end to the
 * Ack at the origin; then the receiver's commits split by whether one of
 * the origin's commits overlapped them (its fsync on the same disk when
 * the journals share one). */
static void comp_report(void)
{
	static int64_t tot[TRACE_MAX], v[TRACE_MAX];
	static uint64_t idx[TRACE_MAX];
	static bool met[TRACE_MAX];
	static int64_t oc[TRACE_MAX][2];
	size_t n = complete_stamps(idx, tot), noc = 0;
	if (n == 0) {
		printf("       p99 made of: no envelope with every time stamp\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t a = T.t[S_CSTART_O][idx[i]], b = T.t[S_CEND_O][idx[i]];
		if (noc && oc[noc - 1][0] == a)
			continue;
		oc[noc][0] = a;
		oc[noc][1] = b;
		noc++;
	}
	memcpy(v, tot, n * sizeof(v[0]));
	qsort(v, n, sizeof(v[0]), cmp_i64);
	int64_t cut = v[(size_t)ceil(0.99 * (double)n) - 1];
	static const int span[5] = {S_ORIG, S_APPEND_R, S_CSTART_R, S_CEND_R, S_ACKRX};
	double sum[4] = {0}, stot = 0;
	size_t nt = 0, met_all = 0, met_top = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t a = T.t[S_CSTART_R][idx[i]], b = T.t[S_CEND_R][idx[i]];
		met[i] = false;
		for (size_t c = 0; c < noc && !met[i]; c++)
			met[i] = oc[c][0] < b && oc[c][1] > a;
		met_all += met[i];
		if (tot[i] < cut)
			continue;
		nt++;
		met_top += met[i];
		stot += (double)tot[i];
		for (int k = 0; k < 4; k++)
			sum[k] += (double)(T.t[span[k + 1]][idx[i]] - T.t[span[k]][idx[i]]);
	}
	printf("       p99 made of (slowest 1 %%, %zu of %zu envelopes, mean %.0f us): path to R's "
	       "append %.0f, wait for R's commit %.0f, R's commit %.0f, R's commit end -> Ack at O "
	       "%.0f us; %zu of them met a KOR commit\n",
	       nt, n, stot / (double)nt / 1e3, sum[0] / (double)nt / 1e3, sum[1] / (double)nt / 1e3,
	       sum[2] / (double)nt / 1e3, sum[3] / (double)nt / 1e3, met_top);
	double q[2][2] = {{NAN, NAN}, {NAN, NAN}};
	for (int m = 0; m < 2; m++) {
		size_t c = 0;
		for (size_t i = 0; i < n; i++)
			if (met[i] == (m == 1))
				v[c++] = T.t[S_CEND_R][idx[i]] - T.t[S_CSTART_R][idx[i]];
		qsort(v, c, sizeof(v[0]), cmp_i64);
		q[m][0] = pct_us(v, c, 0.5);
		q[m][1] = pct_us(v, c, 0.99);
	}
	printf("       R's commit by envelope: %zu met one of KOR's %zu commits, p50 %.0f / p99 "
	       "%.0f us; %zu met none, p50 %.0f / p99 %.0f us\n",
	       met_all, noc, q[1][0], q[1][1], n - met_all, q[0][0], q[0][1]);
}

static void hook_acked(void *ud, const char *peer, uint64_t acked)
{
	struct bnode *b = ud;
	if (strcmp(b->nation, M.measure_at) != 0 || strcmp(peer, M.ack_from) != 0)
		return;
	int64_t now = mw_time_mono_ns();
	pthread_mutex_lock(&M.mu);
	for (uint64_t p = M.done_pos + 1; p <= acked && p < MAX_ENV; p++) {
		uint64_t s = M.seq_at[p];
		if (T.on)
			trace_set(S_ACKRX, s, now);
		if (s && s < MAX_ENV && M.t0[s]) {
			M.lat[M.n_lat++] = now - M.t0[s];
			M.t0[s] = 0;
		}
	}
	if (acked > M.done_pos)
		M.done_pos = acked;
	M.last_done_ns = now;
	pthread_mutex_unlock(&M.mu);
}

static int node_up(struct bnode *b, const char *dir, const char *peers_ini)
{
	char text[4096], path[600];
	b->port = free_port();
	snprintf(text, sizeof(text),
	         "[node]\nnation = %s\nlog_level = warn\n"
	         "[listen]\npeers = 127.0.0.1:%u\ningest = off\nhttp = off\n"
	         "[pki]\nca = %s/ca.crt\ncert = %s/%s.crt\nkey = %s/%s.key\nsign_key = %s/%s.sign\n"
	         "origin_keys = %s/origin-keys\n"
	         "[journal]\npath = %s/%s.db\n"
	         "[sign]\nbatch_window = 0ms\nbatch_max = 1024\n"
	         "[limits]\nmax_backlog = 200000\nmax_pending = 200000\n%s",
	         b->nation, b->port, g_dir, g_dir, b->nation, g_dir, b->nation, g_dir, b->nation,
	         g_dir, dir, b->nation, peers_ini);
	struct mw_errbuf err = {{0}};
	if (net_conf_load_string(&b->conf, "bench.ini", text, g_dir, &err)) {
		fprintf(stderr, "bench config: %s\n", err.msg);
		return -1;
	}
	const char *peer_names[NET_MAX_PEERS];
	for (size_t i = 0; i < b->conf.n_peers; i++)
		peer_names[i] = b->conf.peers[i].nation;
	struct store_journal_opts jo = {0};
	jo.path = b->conf.journal_path;
	jo.queue_max = 200000;
	jo.queue_max_bytes = 256u << 20;
	jo.index_max = 4u << 20;
	jo.hash_rows = true; /* as mwlinkd opens its journal: a SHA-256 per row, checked on read */
	jo.group_max = getenv("BENCH_GROUP_MAX") ? (size_t)atoi(getenv("BENCH_GROUP_MAX")) : 0;
	jo.ckpt_pages = getenv("BENCH_CKPT_PAGES") ? (unsigned)atoi(getenv("BENCH_CKPT_PAGES")) : 0;
	jo.page_size = getenv("BENCH_PAGE_SIZE") ? (unsigned)atoi(getenv("BENCH_PAGE_SIZE")) : 0;
	/* as mwlinkd opens it; BENCH_WAL_PREALLOC=0 for the comparison */
	jo.wal_prealloc = !getenv("BENCH_WAL_PREALLOC") || atoi(getenv("BENCH_WAL_PREALLOC")) != 0;
	/* as mwlinkd opens it; BENCH_IDLE_RESTART=0: the next commit of records
	 * restarts the WAL after a checkpoint, as before session 7 */
	jo.no_idle_restart =
	    getenv("BENCH_IDLE_RESTART") && atoi(getenv("BENCH_IDLE_RESTART")) == 0;
	/* BENCH_JOURNAL_DEPRIO=K: journal and checkpoint threads K steps below
	 * the loops (store_journal_opts.thread_deprio) */
	jo.thread_deprio =
	    getenv("BENCH_JOURNAL_DEPRIO") ? (unsigned)atoi(getenv("BENCH_JOURNAL_DEPRIO")) : 0;
	jo.peers = peer_names;
	jo.n_peers = b->conf.n_peers;
	if (store_journal_open(&jo, &b->journal, &err)) {
		fprintf(stderr, "journal: %s\n", err.msg);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.sign", g_dir, b->nation);
	if (wire_keyring_new(16, &b->kr) ||
	    net_keyring_load_dir(b->kr, b->conf.origin_keys, &err) < 0 ||
	    wire_signer_new_pem(b->nation, path, &b->signer))
		return -1;
	/* libevent's default clock on Linux is CLOCK_MONOTONIC_COARSE (one
	 * scheduler tick, 4 ms on the reference machine): the 0.5 ms driver
	 * timer then fires every 4 ms and offers bursts of 8 envelopes (one
	 * signature each) rather than an even load; --precise-timer evens it */
	struct event_config *ec = event_config_new();
	if (ec && g_precise)
		event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER);
	b->base = ec ? event_base_new_with_config(ec) : NULL;
	if (ec)
		event_config_free(ec);
	struct net_node_opts no = {&b->conf,     b->base,    NULL, b->journal, b->kr, b->signer,
	                           hook_journal, hook_acked, b,    hook_trace, NULL};
	if (g_notrace)
		no.on_trace = NULL;
	if (net_node_new(&no, &b->node, &err) || net_node_start(b->node, &err)) {
		fprintf(stderr, "node %s: %s\n", b->nation, err.msg);
		return -1;
	}
	return 0;
}

static void *node_thread(void *arg)
{
	struct bnode *b = arg;
	event_base_dispatch(b->base);
	return NULL;
}

static void node_down(struct bnode *b)
{
	net_node_free(b->node);
	store_journal_free(b->journal);
	wire_signer_free(b->signer);
	wire_keyring_free(b->kr);
	event_base_free(b->base);
}

/* The driver runs on KOR's loop (net_node_originate is loop-only). */
struct driver {
	struct bnode *src;
	struct event *ev;
	double rate;     /* offered envelopes/s; 0 = closed loop */
	uint64_t total;  /* envelopes to send */
	uint64_t window; /* closed loop: max outstanding */
	int64_t start_ns;
	uint8_t payload[512];
	size_t payload_len;
};

static void drive(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct driver *d = arg;
	int64_t now = mw_time_mono_ns();
	uint64_t target;
	if (d->rate > 0) {
		target = (uint64_t)((double)(now - d->start_ns) * 1e-9 * d->rate);
	} else {
		pthread_mutex_lock(&M.mu);
		target = M.n_lat + d->window;
		pthread_mutex_unlock(&M.mu);
	}
	if (target > d->total)
		target = d->total;
	uint64_t burst = 0;
	while (M.originated < target && burst < 8192) {
		uint64_t seq = M.originated + 1;
		pthread_mutex_lock(&M.mu);
		M.t0[seq] = mw_time_mono_ns();
		if (T.on)
			trace_set(S_ORIG, seq, M.t0[seq]);
		pthread_mutex_unlock(&M.mu);
		if (net_node_originate(d->src->node, WIRE_KIND_TRACK, mw_time_now_ns(), true,
		                       d->payload, d->payload_len) != 0)
			break;
		M.originated++;
		burst++;
	}
}

static size_t make_track(uint8_t *out, size_t cap)
{
	Mwlink__Track t = MWLINK__TRACK__INIT;
	double pos[3] = {-3.05e6, 4.05e6, 3.86e6}, vel[3] = {1200.5, -800.25, 2500.125};
	double cov[21];
	for (int i = 0, k = 0; i < 6; i++)
		for (int j = i; j < 6; j++, k++)
			cov[k] = i == j ? (i < 3 ? 2500.123 : 25.456) : 0.001 * (k + 1);
	t.has_track_id = 1;
	t.track_id = 42;
	t.has_t_ns = 1;
	t.t_ns = mw_time_now_ns();
	t.n_pos_ecef_m = 3;
	t.pos_ecef_m = pos;
	t.n_vel_ecef_m_s = 3;
	t.vel_ecef_m_s = vel;
	t.n_cov_upper = 21;
	t.cov_upper = cov;
	t.has_phase = 1;
	t.phase = MWLINK__PHASE__PHASE_MIDCOURSE;
	t.has_status = 1;
	t.status = MWLINK__TRACK_STATUS__TRACK_CONFIRMED;
	t.has_quality = 1;
	t.quality = 0.875;
	t.has_n_updates = 1;
	t.n_updates = 120;
	size_t n = protobuf_c_message_get_packed_size(&t.base);
	if (n > cap)
		return 0;
	protobuf_c_message_pack(&t.base, out);
	if (wire_track_check(&t) != 0)
		return 0;
	return n;
}

struct result {
	double p50, p99, p999, rate;
	double cpu_us_per_env; /* process CPU time (all threads) per completed envelope */
	size_t n;
};

static int64_t cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * MW_NS_PER_S +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* Bytes this process has caused to be written to storage so far
 * (/proc/self/io write_bytes: WAL frames, checkpoint copies, metadata;
 * every thread); -1 if unavailable. */
static int64_t io_write_bytes(void)
{
	FILE *f = fopen("/proc/self/io", "r");
	if (!f)
		return -1;
	char line[128];
	long long v = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "write_bytes: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* One run: fresh nodes; hub = KOR -> USA -> JPN, else KOR -> USA. */
static int run(const char *name, bool hub, double rate, uint64_t total, int64_t limit_ns,
               struct result *res)
{
	char dir[1200];
	snprintf(dir, sizeof(dir), "%s/%s", g_dir_b, name);
	mkdir(dir, 0755);
	struct bnode usa = {.nation = "USA"}, kor = {.nation = "KOR"}, jpn = {.nation = "JPN"};
	memset(&M.done_pos, 0, sizeof(M.done_pos));
	memset(M.t0, 0, sizeof(int64_t) * MAX_ENV);
	memset(M.seq_at, 0, sizeof(uint64_t) * MAX_ENV);
	M.n_lat = 0;
	M.done_pos = 0;
	M.originated = 0;
	M.measure_at = hub ? "USA" : "KOR";
	T.on = !hub && rate > 0 && !g_notrace;
	for (int k = 0; k < S_COUNT; k++)
		memset(T.t[k], 0, sizeof(int64_t) * TRACE_MAX);
	memset(T.kor_seq, 0, sizeof(uint64_t) * TRACE_MAX);
	memset(T.usa_seq, 0, sizeof(uint64_t) * TRACE_MAX);
	T.noticed_o = T.noticed_r = T.ack_sent = T.commit_unknown = 0;
	T.written = T.rx_verified_from = T.rx_map_ok = T.rx_map_bad = 0;
	T.rx_bytes = T.rx_read = 0;
	M.ack_from = hub ? "JPN" : "USA";
	const char *rel =
	    hub ? "[release]\nUSA = track\nJPN = track\n" : "[release]\nUSA = track\n";
	char peers[512];
	snprintf(peers, sizeof(peers), "[peer kor]\nnation = KOR\n%s[release]\nKOR = track\n",
	         hub ? "[peer jpn]\nnation = JPN\n" : "");
	if (node_up(&usa, dir, peers))
		return -1;
	snprintf(peers, sizeof(peers), "[peer usa]\nnation = USA\naddress = 127.0.0.1:%u\n%s",
	         usa.port, rel);
	/* BENCH_DIR_A: the origin's journal elsewhere (see the header) */
	char adir[1200];
	snprintf(adir, sizeof(adir), "%s/%s", g_dir_a, name);
	mkdir(adir, 0755);
	if (node_up(&kor, adir, peers))
		return -1;
	if (hub) {
		snprintf(
		    peers, sizeof(peers),
		    "[peer usa]\nnation = USA\naddress = 127.0.0.1:%u\n[release]\nUSA = track\n",
		    usa.port);
		if (node_up(&jpn, dir, peers))
			return -1;
	}
	struct driver d = {.src = &kor, .rate = rate, .total = total, .window = 60000};
	d.payload_len = make_track(d.payload, sizeof(d.payload));
	if (!d.payload_len) {
		fprintf(stderr, "cannot build the track payload\n");
		return -1;
	}
	struct bnode *all[3] = {&usa, &kor, hub ? &jpn : NULL};
	for (int i = 0; i < 3; i++)
		if (all[i])
			pthread_create(&all[i]->th, NULL, node_thread, all[i]);
	/* wait for the links */
	int64_t t_end = mw_time_mono_ns() + 10 * MW_NS_PER_S;
	for (;;) {
		struct net_peer_status st;
		bool up =
		    net_node_peer_status(kor.node, 0, &st) == 0 && net_link_carries_data(st.state);
		if (hub && up)
			up = net_node_peer_status(jpn.node, 0, &st) == 0 &&
			     net_link_carries_data(st.state);
		if (up)
			break;
		if (mw_time_mono_ns() > t_end) {
			fprintf(stderr, "links did not come up\n");
			return -1;
		}
		usleep(10000);
	}
	d.start_ns = mw_time_mono_ns();
	int64_t cpu0 = cpu_ns();
	int64_t io0 = io_write_bytes();
	d.ev = event_new(kor.base, -1, EV_PERSIST, drive, &d);
	struct timeval tv = {0, 500};
	event_add(d.ev, &tv);
	int64_t deadline = d.start_ns + limit_ns;
	for (;;) {
		usleep(20000);
		pthread_mutex_lock(&M.mu);
		size_t nl = M.n_lat;
		pthread_mutex_unlock(&M.mu);
		if (nl >= total || mw_time_mono_ns() > deadline)
			break;
	}
	int64_t elapsed = M.last_done_ns - d.start_ns;
	int64_t cpu_used = cpu_ns() - cpu0;
	for (int i = 0; i < 3; i++)
		if (all[i])
			event_base_loopbreak(all[i]->base);
	for (int i = 0; i < 3; i++)
		if (all[i])
			pthread_join(all[i]->th, NULL);
	event_free(d.ev);
	pthread_mutex_lock(&M.mu);
	size_t n = M.n_lat;
	qsort(M.lat, n, sizeof(M.lat[0]), cmp_i64);
	res->n = n;
	res->p50 = pct_us(M.lat, n, 0.50);
	res->p99 = pct_us(M.lat, n, 0.99);
	res->p999 = pct_us(M.lat, n, 0.999);
	res->rate = elapsed > 0 ? (double)n / ((double)elapsed * 1e-9) : 0;
	res->cpu_us_per_env = n ? (double)cpu_used / 1e3 / (double)n : 0;
	pthread_mutex_unlock(&M.mu);
	for (int i = 0; i < 3; i++) {
		if (!all[i])
			continue;
		struct store_journal_stats js;
		store_journal_get_stats(all[i]->journal, &js);
		printf(
		    "       journal %s: %llu commits, %.1f records/commit, %.2f pages/commit, "
		    "%.1f us CPU/commit, "
		    "commit p50 <= %llu us, "
		    "p99 <= %llu us; %llu checkpoints (%llu of them between commits, %llu "
		    "partial), mean %.0f "
		    "us, "
		    "max %.0f us; "
		    "queue high-water %llu\n",
		    all[i]->nation, (unsigned long long)js.commits,
		    js.commits ? (double)js.committed_records / (double)js.commits : 0.0,
		    js.commits ? (double)js.commit_pages / (double)js.commits : 0.0,
		    js.commits ? (double)js.commit_cpu_ns_total / 1e3 / (double)js.commits : 0.0,
		    (unsigned long long)store_journal_lat_quantile_us(&js, 0.50),
		    (unsigned long long)store_journal_lat_quantile_us(&js, 0.99),
		    (unsigned long long)js.checkpoints, (unsigned long long)js.checkpoints_inline,
		    (unsigned long long)js.checkpoints_partial,
		    js.checkpoints ? (double)js.checkpoint_ns_total / 1e3 / (double)js.checkpoints
		                   : 0.0,
		    (double)js.checkpoint_ns_max / 1e3, (unsigned long long)js.queue_hwm);
	}
	if (T.on) {
		struct net_stats ks;
		net_node_get_stats(kor.node, &ks);
		printf("       KOR signed %llu envelopes with %llu Ed25519 signatures (%.1f per "
		       "signature)\n",
		       (unsigned long long)ks.env_originated, (unsigned long long)ks.sign_batches,
		       ks.sign_batches ? (double)ks.env_originated / (double)ks.sign_batches : 0.0);
		struct store_journal_stats os, rs;
		store_journal_get_stats(kor.journal, &os);
		store_journal_get_stats(usa.journal, &rs);
		if (g_breakdown)
			trace_report(&os, &rs);
		comp_report();
	}
	T.on = false;
	uint64_t rows = 0, env_bytes = 0;
	for (int i = 0; i < 3; i++) {
		if (!all[i])
			continue;
		struct store_journal_stats js;
		store_journal_get_stats(all[i]->journal, &js);
		rows += js.rows;
		env_bytes += js.bytes;
	}
	for (int i = 0; i < 3; i++)
		if (all[i])
			node_down(all[i]);
	/* after the journals closed (their last checkpoint included) */
	int64_t io1 = io_write_bytes();
	uint64_t db_bytes = 0;
	for (int i = 0; i < 3; i++) {
		struct stat sb;
		if (all[i] && stat(all[i]->conf.journal_path, &sb) == 0)
			db_bytes += (uint64_t)sb.st_size;
	}
	if (rate == 0 && rows && io0 >= 0 && io1 >= io0)
		printf("       bytes per record: %.0f B written to disk per journaled record "
		       "(%llu records in %d journals), envelope mean %.0f B, database file %.0f "
		       "B per record\n",
		       (double)(io1 - io0) / (double)rows, (unsigned long long)rows, hub ? 3 : 2,
		       (double)env_bytes / (double)rows, (double)db_bytes / (double)rows);
	return 0;
}

/* The floors measured before the runs, for the latency lines. */
struct floors {
	double one50, one99;   /* one writer (the target's floor) */
	double pair50, pair99; /* two writers at once */
	long ncpu;
	const char *devs; /* whether the journals share a device */
};

/* One latency run at `rate`, the floors again after it, and its line;
 * verdict: the target's run (its ratio against the lower one-writer
 * floor p99 decides, *fails counts it). */
static int lat_run(const char *name, bool hub, double rate, uint64_t n, bool verdict_run,
                   const struct floors *f, int *fails)
{
	struct result r;
	int64_t limit = (int64_t)((double)n / rate * 1e9) + 10 * MW_NS_PER_S;
	if (run(name, hub, rate, n, limit, &r))
		return -1;
	/* the disk is shared: measure the floor again right after the run
	 * and compare with the lower (stricter) of the two */
	double a50, a99, b50, b99;
	floor_fdatasync(&a50, &a99);
	floor_fdatasync_pair(&b50, &b99);
	printf("floor  fdatasync again after the run:           p50 %8.1f us  p99 %8.1f us\n", a50,
	       a99);
	printf("floor  the same, two writers at once, again:    p50 %8.1f us  p99 %8.1f us\n", b50,
	       b99);
	double floor99 = a99 < f->one99 ? a99 : f->one99;
	double pair99 = b99 < f->pair99 ? b99 : f->pair99;
	double ratio = r.p99 / floor99;
	/* The floor is the idle disk's. On a busy machine both floors read
	 * the other jobs' I/O (p99 of milliseconds instead of ~0.1 ms), the
	 * ratio falls below 3 for that reason alone, and "met" would be
	 * false: no verdict then, counted as not met. */
	double load1 = loadavg1();
	bool busy = !(load1 <= (double)f->ncpu) || a50 > 2.0 * f->one50 || f->one50 > 2.0 * a50;
	char verdict[300] = "";
	if (!hub && verdict_run) {
		if (busy)
			snprintf(verdict, sizeof(verdict),
			         "  (target <= 3: no verdict: load average %.1f on %ld CPUs, "
			         "floor p50 %.0f then %.0f us - not an idle disk's floor; %s)",
			         load1, f->ncpu, f->one50, a50, f->devs);
		else
			snprintf(verdict, sizeof(verdict), "  (target <= 3: %s; %s)",
			         ratio <= 3.0 ? "met" : "NOT met", f->devs);
	} else if (!hub) {
		snprintf(verdict, sizeof(verdict), "  (not the target's load; load average %.1f)",
		         load1);
	}
	printf("%-4s durable latency at %.0f env/s (%zu env): p50 %8.1f us  p99 %8.1f us  "
	       "p99.9 %8.1f us  p99/fdatasync-p99 (lower floor) = %.2f, /two-writer p99 = %.2f%s  "
	       "(CPU %.1f us/env)\n",
	       hub ? "hub" : "two", rate, r.n, r.p50, r.p99, r.p999, ratio, r.p99 / pair99, verdict,
	       r.cpu_us_per_env);
	if (!hub && verdict_run && (busy || ratio > 3.0))
		(*fails)++;
	return 0;
}

/* --only commit: the receiver's journal alone, opened as the nodes open
 * theirs (hash_rows, wal_prealloc, one peer, BENCH_JOURNAL_DEPRIO) in the
 * receivers' directory and fed as USA's is at 2,000 env/s: groups of
 * BENCH_COMMIT_ROWS records (default 8: one signed batch) of
 * BENCH_COMMIT_BYTES bytes (default 738, bench-link's mean envelope;
 * random bytes, so each row holds them whole, not as a batch segment),
 * each appended plugged and synced before the next, one group every
 * BENCH_COMMIT_US microseconds (default 4000; 0: back to back),
 * BENCH_COMMIT_N groups (default 750). Prints append -> durable per group
 * and the journal's CPU per commit: the node's commit without the node
 * (docs/benchmarks.md, "The receiver's commit"). No verdict. */
static int env_int(const char *name, int def)
{
	const char *v = getenv(name);
	return v && *v ? atoi(v) : def;
}

static int commit_only(const char *dir)
{
	int rows = env_int("BENCH_COMMIT_ROWS", 8), n = env_int("BENCH_COMMIT_N", 750);
	int bytes = env_int("BENCH_COMMIT_BYTES", 738), every_us = env_int("BENCH_COMMIT_US", 4000);
	if (rows < 1 || rows > 10000 || n < 1 || bytes < 1 || bytes > 65536 || every_us < 0) {
		fprintf(stderr, "commit: bad BENCH_COMMIT_* value\n");
		return 1;
	}
	char path[1200];
	snprintf(path, sizeof(path), "%s/commit.db", dir);
	static const char *const peers[] = {"KOR"};
	struct store_journal_opts jo = {0};
	jo.path = path;
	jo.hash_rows = true; /* as mwlinkd and the nodes above */
	jo.wal_prealloc = true;
	jo.peers = peers;
	jo.n_peers = 1;
	jo.thread_deprio = (unsigned)env_int("BENCH_JOURNAL_DEPRIO", 0);
	struct store_journal *j = NULL;
	struct mw_errbuf err = {{0}};
	if (store_journal_open(&jo, &j, &err)) {
		fprintf(stderr, "journal: %s\n", err.msg);
		return 1;
	}
	uint8_t *buf = malloc((size_t)bytes);
	int64_t *lat = calloc((size_t)n, sizeof(int64_t));
	if (!buf || !lat) {
		store_journal_free(j);
		return 1;
	}
	uint64_t x = 88172645463325252ull, seq = 0;
	int64_t next = mw_time_mono_ns();
	for (int k = 0; k < n; k++) {
		if (every_us > 0) {
			next += (int64_t)every_us * 1000;
			int64_t d = next - mw_time_mono_ns();
			if (d > 0) {
				struct timespec ts = {d / 1000000000, d % 1000000000};
				nanosleep(&ts, NULL);
			}
		}
		int64_t t0 = mw_time_mono_ns();
		store_journal_plug(j);
		for (int r = 0; r < rows; r++) {
			for (int b = 0; b < bytes; b++) {
				x ^= x << 13; /* xorshift64 */
				x ^= x >> 7;
				x ^= x << 17;
				buf[b] = (uint8_t)x;
			}
			struct store_rec rec = {0};
			seq++;
			snprintf(rec.origin, sizeof(rec.origin), "KOR");
			rec.seq = seq;
			rec.kind = 1;
			snprintf(rec.release, sizeof(rec.release), "JPN,ROK,USA");
			rec.data_ns = mw_time_now_ns();
			snprintf(rec.from_peer, sizeof(rec.from_peer), "KOR");
			rec.from_pos = seq;
			rec.bytes = buf;
			rec.len = (size_t)bytes;
			uint64_t pos = 0;
			if (store_journal_append(j, &rec, &pos) != 0) {
				fprintf(stderr, "commit: append failed\n");
				n = k;
				break;
			}
		}
		store_journal_unplug(j);
		if (store_journal_sync(j, 0) != 0) {
			fprintf(stderr, "commit: sync failed\n");
			n = k;
			break;
		}
		lat[k] = mw_time_mono_ns() - t0;
	}
	struct store_journal_stats st;
	store_journal_get_stats(j, &st);
	store_journal_free(j);
	if (n > 0) {
		qsort(lat, (size_t)n, sizeof(*lat), cmp_i64);
		double c = st.commits ? (double)st.commits : 1;
		printf("commit: %d groups of %d records of %d B, one every %d us (deprio %u): "
		       "append -> "
		       "durable p50 %7.1f us  p99 %8.1f us  p99.9 %8.1f us\n",
		       n, rows, bytes, every_us, jo.thread_deprio, pct_us(lat, (size_t)n, .5),
		       pct_us(lat, (size_t)n, .99), pct_us(lat, (size_t)n, .999));
		printf(
		    "       journal: %llu commits, %.1f records/commit, %.2f pages/commit, %.1f us "
		    "CPU/commit; %llu checkpoints\n",
		    (unsigned long long)st.commits, (double)st.committed_records / c,
		    (double)st.commit_pages / c, (double)st.commit_cpu_ns_total / 1e3 / c,
		    (unsigned long long)st.checkpoints);
	}
	free(buf);
	free(lat);
	if (!getenv("BENCH_KEEP")) {
		static const char *const sfx[] = {"", "-wal", "-shm", "-lock"};
		for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
			char f[1300];
			snprintf(f, sizeof(f), "%s%s", path, sfx[i]);
			unlink(f);
		}
	}
	return n > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	bool quick = false;
	const char *base = NULL, *only = NULL;
	g_notrace = getenv("BENCH_NOTRACE") && atoi(getenv("BENCH_NOTRACE")) != 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			quick = true;
		else if (strcmp(argv[i], "--precise-timer") == 0)
			g_precise = true;
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			only = argv[++i];
		else
			base = argv[i];
	}
	if (!base || !*base)
		base = "/tmp";
	char abs_base[400];
	if (!realpath(base, abs_base)) {
		perror(base);
		return 1;
	}
	snprintf(g_dir, sizeof(g_dir), "%s/bench-link-XXXXXX", abs_base);
	if (!mkdtemp(g_dir)) {
		perror("mkdtemp");
		return 1;
	}
	/* per-node journal directories (see the header); BENCH_ORIGIN_DIR is
	 * BENCH_DIR_A's older name */
	const char *da = getenv("BENCH_DIR_A"), *db = getenv("BENCH_DIR_B");
	if (!da || !*da)
		da = getenv("BENCH_ORIGIN_DIR");
	const char *dirs_in[2] = {da, db};
	char *dirs_out[2] = {g_dir_a, g_dir_b};
	for (int i = 0; i < 2; i++) {
		char abs_d[900];
		if (!dirs_in[i] || !*dirs_in[i]) {
			snprintf(dirs_out[i], sizeof(g_dir_a), "%s", g_dir);
			continue;
		}
		if (!realpath(dirs_in[i], abs_d)) {
			perror(dirs_in[i]);
			return 1;
		}
		snprintf(dirs_out[i], sizeof(g_dir_a), "%s/bench-link-XXXXXX", abs_d);
		if (!mkdtemp(dirs_out[i])) {
			perror("mkdtemp");
			return 1;
		}
	}
	struct stat sta, stb;
	if (stat(g_dir_a, &sta) != 0 || stat(g_dir_b, &stb) != 0) {
		perror("stat");
		return 1;
	}
	bool one_dev = sta.st_dev == stb.st_dev;
	char devs[200];
	if (one_dev)
		snprintf(devs, sizeof(devs), "journals share one device (st_dev %d:%d)",
		         major(sta.st_dev), minor(sta.st_dev));
	else
		snprintf(devs, sizeof(devs), "journals on separate devices (st_dev %d:%d, %d:%d)",
		         major(sta.st_dev), minor(sta.st_dev), major(stb.st_dev),
		         minor(stb.st_dev));
	if (only && strcmp(only, "commit") == 0) {
		printf("bench-link: the receiver's journal alone in %s; %s\n", g_dir_b, devs);
		int rc = commit_only(g_dir_b);
		if (!getenv("BENCH_KEEP")) {
			if (strcmp(g_dir_a, g_dir) != 0)
				rmdir(g_dir_a);
			if (strcmp(g_dir_b, g_dir) != 0)
				rmdir(g_dir_b);
			rmdir(g_dir);
		}
		return rc;
	}
	signal(SIGPIPE, SIG_IGN); /* as mwlinkd: a peer closing mid-write is an error code */
	evthread_use_pthreads();
	pthread_mutex_init(&M.mu, NULL);
	M.t0 = calloc(MAX_ENV, sizeof(int64_t));
	M.seq_at = calloc(MAX_ENV, sizeof(uint64_t));
	M.lat = calloc(MAX_ENV, sizeof(int64_t));
	static const char *const nats[] = {"KOR", "USA", "JPN"};
	for (int k = 0; k < S_COUNT; k++)
		T.t[k] = calloc(TRACE_MAX, sizeof(int64_t));
	T.kor_seq = calloc(TRACE_MAX, sizeof(uint64_t));
	T.usa_seq = calloc(TRACE_MAX, sizeof(uint64_t));
	for (int k = 0; k < S_COUNT; k++)
		if (!T.t[k])
			M.t0 = NULL;
	if (!M.t0 || !M.seq_at || !M.lat || !T.kor_seq || !T.usa_seq || pki_make(g_dir, nats, 3)) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	uint8_t tp[512];
	size_t plen = make_track(tp, sizeof(tp));
	printf("bench-link: journals in %s (SQLite WAL, synchronous=FULL); payload: Track, %zu "
	       "bytes\n",
	       g_dir, plen);
	if (strcmp(g_dir_a, g_dir) != 0 || strcmp(g_dir_b, g_dir) != 0)
		printf("bench-link: origin's (KOR) journal in %s, receivers' (USA, JPN) in %s\n",
		       g_dir_a, g_dir_b);
	printf("bench-link: %s\n", devs);

	FILE *la = fopen("/proc/loadavg", "r");
	char lbuf[128] = "?";
	if (la) {
		if (!fgets(lbuf, sizeof(lbuf), la))
			lbuf[0] = '\0';
		fclose(la);
	}
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	printf("machine: %ld CPUs, load average %s", ncpu, lbuf);
	double fs50, fs99, tl50, tl99, fp50, fp99;
	floor_fdatasync(&fs50, &fs99);
	floor_fdatasync_pair(&fp50, &fp99);
	floor_tls_rtt(g_dir, &tl50, &tl99);
	printf("floor  fdatasync of 4 KiB on the journal disk:  p50 %8.1f us  p99 %8.1f us\n", fs50,
	       fs99);
	printf("floor  the same, two writers at once (A, B):    p50 %8.1f us  p99 %8.1f us\n", fp50,
	       fp99);
	printf("floor  TLS 1.3 64-byte round trip, loopback:    p50 %8.1f us  p99 %8.1f us\n", tl50,
	       tl99);

	struct result r;
	double lat_rate = 2000;
	uint64_t lat_n = quick ? 2000 : 6000;
	uint64_t thr_n = quick ? 100000 : 400000;
	int64_t thr_limit = (quick ? 8 : 15) * MW_NS_PER_S;
	/* profiling under valgrind (callgrind) needs fewer envelopes and more time */
	const char *ev_n = getenv("BENCH_THR_N"), *ev_s = getenv("BENCH_THR_SECONDS");
	if (ev_n && atoll(ev_n) > 0 && atoll(ev_n) < MAX_ENV)
		thr_n = (uint64_t)atoll(ev_n);
	if (ev_s && atoll(ev_s) > 0 && atoll(ev_s) < 3600)
		thr_limit = atoll(ev_s) * MW_NS_PER_S;
	const struct {
		const char *name;
		bool hub;
	} topo[] = {{"two", false}, {"hub", true}};
	int fails = 0;
	struct floors fl = {fs50, fs99, fp50, fp99, ncpu, devs};
	for (int t = 0; t < 2; t++) {
		char name[32];
		/* latency against offered load (two nodes, before the target's
		 * run): BENCH_LOADS=R1,R2,... env/s, default 200,1000; each run
		 * offers 6 s of envelopes, at least 2,000 and at most 6,000 */
		if (!topo[t].hub && (!only || strcmp(only, "two-load") == 0)) {
			const char *loads = getenv("BENCH_LOADS");
			char lbuf2[200];
			snprintf(lbuf2, sizeof(lbuf2), "%s", loads && *loads ? loads : "200,1000");
			for (char *sv = NULL, *tok = strtok_r(lbuf2, ",", &sv); tok;
			     tok = strtok_r(NULL, ",", &sv)) {
				double rate = atof(tok);
				if (!(rate > 0 && rate <= 100000))
					continue;
				double want = rate * (quick ? 3 : 6);
				uint64_t n = want < 2000   ? 2000
				             : want > 6000 ? 6000
				                           : (uint64_t)want;
				if (quick && n > 3000)
					n = 3000;
				snprintf(name, sizeof(name), "two-load-%.0f", rate);
				g_breakdown = getenv("BENCH_BREAKDOWN") &&
				              atoi(getenv("BENCH_BREAKDOWN")) != 0;
				if (lat_run(name, false, rate, n, false, &fl, &fails))
					return 1;
			}
		}
		snprintf(name, sizeof(name), "%s-lat", topo[t].name);
		if (only && strcmp(only, name) != 0)
			goto thr;
		g_breakdown = true;
		if (lat_run(name, topo[t].hub, lat_rate, lat_n, true, &fl, &fails))
			return 1;
	thr:
		snprintf(name, sizeof(name), "%s-thr", topo[t].name);
		if (only && strcmp(only, name) != 0)
			continue;
		if (run(name, topo[t].hub, 0, thr_n, thr_limit, &r))
			return 1;
		printf("%-4s throughput, closed loop (%zu env): %9.0f env/s  (CPU %.1f us/env, all "
		       "nodes and threads)%s\n",
		       topo[t].hub ? "hub" : "two", r.n, r.rate, r.cpu_us_per_env,
		       topo[t].hub ? ""
		                   : (r.rate >= 100000 ? "  (target >= 100000: met)"
		                                       : "  (target >= 100000: NOT met)"));
		if (!topo[t].hub && r.rate < 100000)
			fails++;
	}
	char cmd[1100];
	const char *dirs[3] = {g_dir, g_dir_a, g_dir_b};
	for (int i = 0; i < 3; i++) {
		if (i > 0 && strcmp(dirs[i], g_dir) == 0)
			continue;
		if (i == 2 && strcmp(dirs[2], g_dir_a) == 0)
			continue;
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dirs[i]);
		if (getenv("BENCH_KEEP")) /* keep the journals (e.g. for sqlite3's dbstat) */
			printf("journals kept in %s\n", dirs[i]);
		else if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dirs[i]);
	}
	printf("bench-link: %d target(s) not met\n", fails);
	return 0;
}
