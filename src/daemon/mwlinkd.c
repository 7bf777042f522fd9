/*
 * daemon/mwlinkd.c - `mwlinkd --config FILE`: one nation's node.
 *
 * Wires the configuration into running parts: the journal (store/, with
 * its own commit thread), the origin keyring and this node's signer
 * (wire/), and the networking (net/node.c: partner links, relay, release
 * control, sensor ingest) on ONE libevent loop. National tracking
 * (net/national.c, [track]) runs on the same loop: every journal append
 * schedules a catch-up read of the journal in journal order (pending
 * records included), observations go through the tracker, and confirmed
 * tracks come back to the node as TRACK envelopes (net_node_originate).
 * At start the journal is replayed through the tracker silently; at
 * shutdown the tracker reads what is left before the node stops. The
 * HTTP API (api/, [listen] http) runs on the same loop: its track table
 * is rebuilt from the journal at start, every journal append of our own
 * wakes it, and the "ready" record names its port (http_port; port 0 in
 * the config takes any free one). It is closed first at shutdown. Logs
 * are JSON lines on stderr (core/log.h).
 *
 * Signals: SIGTERM and SIGINT stop the loop; the node closes its links,
 * signs and journals what was queued, the journal commits what it holds,
 * and the final counters are logged ("stats"). SIGUSR1 logs the counters
 * at any time. A kill -9 loses nothing acknowledged (see docs/protocol.md).
 *
 * Exit status: 0 clean shutdown, 1 failure at start (the message names
 * the cause), 2 bad usage.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "api/api.h"
#include "core/log.h"
#include "net/national.h"
#include "net/node.h"
#include "net/nodeconf.h"
#include "store/journal.h"
#include "wire/envelope.h"
#include "wire/sign.h"

#define MOD "mwlinkd"

#ifndef MWLINK_VERSION
#define MWLINK_VERSION "0.1.0"
#endif

static void usage(FILE *f)
{
	fprintf(f, "usage: mwlinkd --config FILE [--log-format json|text] [--check]\n"
	           "Run one nation's mwlink node (see docs/operations.md).\n"
	           "  --config FILE   node configuration (INI)\n"
	           "  --log-format F  json (default) or text, on stderr\n"
	           "  --check         load and validate the configuration and keys, bind and\n"
	           "                  close each listen address, then exit; the journal is\n"
	           "                  only read: not created, a running node's not opened (and\n"
	           "                  its ports in use are reported, not failed)\n");
}

struct daemon_ctx {
	struct event_base *base;
	struct net_node *node;
	struct mw_log *log;
	/* national tracking: fed from the journal read path, in journal order */
	struct net_national *nat;
	struct store_journal *journal;
	struct event *nat_ev;
	struct api *api; /* HTTP API ([listen] http), NULL when off */
};

#define NAT_CHUNK 4096 /* journal records per national catch-up step (start, stop) */
/* Records per step while the loop runs: a step is one callback, and the
 * links, the sensors and the API wait for it (an observation's tracker
 * update is microseconds, a launch-estimate refresh ~10 ms). */
#define NAT_LIVE_CHUNK 256

/* A record was appended to the journal: read on at the end of this loop
 * iteration (never from inside the append: that may be our own emit). */
static void on_journal(void *ud, const char *origin, uint64_t seq, uint64_t pos)
{
	(void)seq;
	(void)pos;
	struct daemon_ctx *d = ud;
	if (d->nat_ev)
		event_active(d->nat_ev, EV_TIMEOUT, 0);
	api_journal_appended(d->api, origin);
}

/* A link changed state: the API's SSE "link" event and transition count,
 * exact per transition (d->api is NULL before the API starts and after
 * it stops, e.g. for the closed transitions of net_node_stop). */
static void on_link_state(void *ud, size_t peer_index, enum net_link_state old,
                          enum net_link_state new_state, int64_t t_ns)
{
	struct daemon_ctx *d = ud;
	api_link_state(d->api, peer_index, old, new_state, t_ns);
}

static void on_nat(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct daemon_ctx *d = arg;
	int got = net_national_catch_up(d->nat, d->journal, NAT_LIVE_CHUNK);
	if (got < 0) {
		mw_logf(d->log, MW_LOG_ERROR, MOD, "national tracking: journal read: %s",
		        mw_strerror(got));
	} else if (got == NAT_LIVE_CHUNK) {
		/* More: as a timer due now, which runs after the loop has polled
		 * the sockets again. Not event_active: libevent runs the callbacks
		 * activated while it runs active callbacks before it polls, so a
		 * backlog re-activated chunk by chunk held the loop (links,
		 * sensors, API) until all of it was tracked. */
		static const struct timeval now = {0, 0};
		evtimer_add(d->nat_ev, &now);
	}
}

/* A national track to share: a TRACK envelope of this node. */
static int nat_emit(void *ud, bool exercise, int64_t data_t_ns, const uint8_t *payload, size_t len)
{
	struct daemon_ctx *d = ud;
	return net_node_originate(d->node, WIRE_KIND_TRACK, data_t_ns, exercise, payload, len);
}

/* mkdir -p of the directory holding path (the journal's). */
static int make_parent_dirs(const char *path)
{
	char d[NET_PATH_MAX];
	snprintf(d, sizeof(d), "%s", path);
	char *last = strrchr(d, '/');
	if (!last || last == d)
		return 0;
	*last = '\0';
	for (char *sl = d + 1;; sl++) {
		sl = strchr(sl, '/');
		if (sl)
			*sl = '\0';
		if (mkdir(d, 0750) != 0 && errno != EEXIST)
			return -errno;
		if (!sl)
			break;
		*sl = '/';
	}
	return 0;
}

/* --check with a journal it must not open (none yet, or a running node's):
 * a scratch journal in a new directory under $TMPDIR stands in for it, so
 * the node (certificates, keys, peers) is still built and checked. */
static int scratch_journal_dir(char *dir, size_t cap)
{
	const char *tmp = getenv("TMPDIR");
	if (snprintf(dir, cap, "%s/mwlinkd-check-XXXXXX", tmp && tmp[0] ? tmp : "/tmp") >= (int)cap)
		return -ENAMETOOLONG;
	return mkdtemp(dir) ? 0 : -errno;
}

/* Remove the scratch directory and the files the scratch journal made. */
static void remove_scratch_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char p[NET_PATH_MAX + 300];
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

/*
 * --check: bind, listen on and close one configured listen address, as the
 * node would (SO_REUSEADDR, like its listeners: a port left in TIME_WAIT
 * is no obstacle; one another socket listens on is). Off (no host): 0.
 * A port in use fails the check (1) unless running (the journal probe
 * found a node on this journal): then it is most likely that node's, and
 * is only reported. Any other error (an address not on this host, a
 * privileged port) fails it.
 */
static int check_listen(struct mw_log *log, const char *key, const struct net_addr *a, bool running)
{
	if (!a->host[0])
		return 0;
	char port[8];
	snprintf(port, sizeof(port), "%u", (unsigned)a->port);
	struct addrinfo hints, *ai = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	int g = getaddrinfo(a->host, port, &hints, &ai);
	if (g != 0 || !ai) {
		mw_logf(log, MW_LOG_ERROR, MOD, "[listen] %s = %s:%s: %s", key, a->host, port,
		        g ? gai_strerror(g) : "no address");
		return 1;
	}
	int e = 0;
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1) != 0)
		e = errno;
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	if (!e) {
		mw_logf(log, MW_LOG_INFO, MOD, "[listen] %s = %s:%s: free (bound and closed)", key,
		        a->host, port);
		return 0;
	}
	if (e == EADDRINUSE && running) {
		mw_logf(log, MW_LOG_NOTICE, MOD, "[listen] %s = %s:%s: in use (the running node?)",
		        key, a->host, port);
		return 0;
	}
	mw_logf(log, MW_LOG_ERROR, MOD, "[listen] %s = %s:%s: %s%s", key, a->host, port,
	        strerror(e), e == EADDRINUSE ? " (another process listens there)" : "");
	return 1;
}

static void on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	struct daemon_ctx *d = arg;
	mw_logf(d->log, MW_LOG_NOTICE, MOD, "signal %d: shutting down", (int)sig);
	event_base_loopexit(d->base, NULL);
}

static void on_stats_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct daemon_ctx *d = arg;
	if (d->node)
		net_node_log_stats(d->node);
	if (d->nat)
		net_national_log_stats(d->nat);
}

static void on_usr1(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	struct daemon_ctx *d = arg;
	if (d->node)
		net_node_log_stats(d->node);
	if (d->nat)
		net_national_log_stats(d->nat);
}

/* The HTTP API on [listen] http: its track table is rebuilt from the
 * journal first, then it serves on the loop. */
static int start_api(struct daemon_ctx *d, const struct net_node_conf *conf, struct mw_errbuf *err)
{
	struct api_opts ao;
	memset(&ao, 0, sizeof(ao));
	ao.base = d->base;
	ao.log = d->log;
	ao.host = conf->listen_http.host;
	ao.port = conf->listen_http.port;
	ao.nation = conf->nation;
	ao.name = conf->name;
	ao.version = MWLINK_VERSION;
	ao.exercise = conf->ingest_exercise;
	ao.node = d->node;
	ao.journal = d->journal;
	ao.nat = d->nat;
	int rc = api_new(&ao, &d->api, err);
	if (rc != 0)
		return rc;
	int got;
	while ((got = api_catch_up(d->api, NAT_CHUNK)) == NAT_CHUNK)
		;
	if (got < 0) {
		mw_errbuf_set(err, "HTTP API: journal replay: %s", mw_strerror(got));
		return got;
	}
	struct api_counters c;
	api_get_counters(d->api, &c);
	mw_logf(d->log, MW_LOG_NOTICE, MOD,
	        "HTTP API on http://%s:%u/ (%llu tracks from the journal)", conf->listen_http.host,
	        (unsigned)api_port(d->api), (unsigned long long)c.tracks_live);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"log-format", required_argument, NULL, 'f'},
	    {"check", no_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = NULL;
	int text = 0, check_only = 0, ch;
	bool journal_running = false; /* --check: a node holds this journal */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0) {
				text = 0;
			} else if (strcmp(optarg, "text") == 0) {
				text = 1;
			} else {
				fprintf(stderr,
				        "mwlinkd: --log-format: expected json or text, got '%s'\n",
				        optarg);
				return 2;
			}
			break;
		case 'k':
			check_only = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!config || optind < argc) {
		if (!config)
			fprintf(stderr, "mwlinkd: --config is required\n");
		else
			fprintf(stderr, "mwlinkd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	int rc = 1;
	struct mw_errbuf err = {{0}};
	struct net_node_conf *conf = calloc(1, sizeof(*conf));
	struct event_base *base = NULL;
	struct store_journal *journal = NULL;
	struct wire_keyring *kr = NULL;
	struct wire_signer *signer = NULL;
	struct net_node *node = NULL;
	struct event *ev_term = NULL, *ev_int = NULL, *ev_usr1 = NULL, *ev_stats = NULL;
	struct mw_log log;
	struct daemon_ctx d;
	char scratch[NET_PATH_MAX] = "";         /* --check's stand-in journal's directory */
	char scratch_db[NET_PATH_MAX + 16] = ""; /* and the journal in it */
	memset(&d, 0, sizeof(d));
	if (!conf) {
		fprintf(stderr, "mwlinkd: out of memory\n");
		return 1;
	}
	if (net_conf_load(conf, config, &err) != 0) {
		fprintf(stderr, "mwlinkd: %s\n", err.msg);
		free(conf);
		return 1;
	}
	mw_log_init(&log, text ? mw_log_sink_text : mw_log_sink_json, stderr, conf->log_level);
	signal(SIGPIPE, SIG_IGN);

	if (wire_keyring_new(256, &kr) != 0) {
		mw_logf(&log, MW_LOG_ERROR, MOD, "cannot create the keyring");
		goto out;
	}
	int nkeys = net_keyring_load_dir(kr, conf->origin_keys, &err);
	if (nkeys < 0) {
		mw_logf(&log, MW_LOG_ERROR, MOD, "%s", err.msg);
		goto out;
	}
	if (!wire_keyring_get(kr, conf->nation)) {
		mw_logf(&log, MW_LOG_ERROR, MOD, "%s: no %s.pub (this node's own public key)",
		        conf->origin_keys, conf->nation);
		goto out;
	}
	int src = wire_signer_new_pem(conf->nation, conf->sign_key, &signer);
	if (src != 0) {
		mw_logf(&log, MW_LOG_ERROR, MOD, "[pki] sign_key %s: %s", conf->sign_key,
		        mw_strerror(src));
		goto out;
	}
	{
		/* the signing key must be the one partners verify with */
		uint8_t raw[WIRE_PUBKEY_LEN];
		if (wire_signer_public_raw(signer, raw) != 0 ||
		    EVP_PKEY_eq(wire_signer_key(signer), wire_keyring_get(kr, conf->nation)) != 1) {
			mw_logf(&log, MW_LOG_ERROR, MOD,
			        "[pki] sign_key %s does not match %s/%s.pub", conf->sign_key,
			        conf->origin_keys, conf->nation);
			goto out;
		}
	}

	const char *peer_names[NET_MAX_PEERS];
	for (size_t i = 0; i < conf->n_peers; i++)
		peer_names[i] = conf->peers[i].nation;
	struct store_journal_opts jo;
	memset(&jo, 0, sizeof(jo));
	jo.path = conf->journal_path;
	jo.log = &log;
	jo.queue_max = conf->max_pending;
	jo.max_record_bytes = conf->max_frame_bytes;
	jo.hash_rows = true;
	jo.wal_prealloc = true; /* commits overwrite the WAL, never extend it (journal.h) */
	jo.check = STORE_CHECK_QUICK;
	jo.retain_age_ns = conf->journal_max_age_ns;
	jo.retain_bytes = conf->journal_max_bytes;
	jo.retain_interval_ns =
	    (conf->journal_max_age_ns || conf->journal_max_bytes) ? INT64_C(60) * 1000000000 : 0;
	jo.peers = conf->n_peers ? peer_names : NULL;
	jo.n_peers = conf->n_peers;
	if (check_only) {
		/* read-only for the journal: neither create it (nor its directory)
		 * nor take a running node's (store_journal_probe) */
		int prc = store_journal_probe(conf->journal_path, &err);
		journal_running = prc == -EBUSY;
		if (prc == -ENOENT || prc == -EBUSY) {
			if (prc == -ENOENT)
				mw_logf(&log, MW_LOG_NOTICE, MOD,
				        "journal %s does not exist yet: will be created at start",
				        conf->journal_path);
			else
				mw_logf(&log, MW_LOG_NOTICE, MOD,
				        "journal %s is in use (a running node): not opened; "
				        "`mwlink journal check %s` reads it without the lock",
				        conf->journal_path, conf->journal_path);
			int drc = scratch_journal_dir(scratch, sizeof(scratch));
			if (drc) {
				scratch[0] = '\0';
				mw_logf(&log, MW_LOG_ERROR, MOD, "--check: scratch directory: %s",
				        mw_strerror(drc));
				goto out;
			}
			snprintf(scratch_db, sizeof(scratch_db), "%s/journal.db", scratch);
			jo.path = scratch_db;
			jo.wal_prealloc = false; /* nothing is committed to it */
			jo.retain_interval_ns = 0;
		} else if (prc != 0) {
			mw_logf(&log, MW_LOG_ERROR, MOD, "journal %s: %s", conf->journal_path,
			        err.msg[0] ? err.msg : mw_strerror(prc));
			goto out;
		}
	} else {
		int mrc = make_parent_dirs(conf->journal_path);
		if (mrc) {
			mw_logf(&log, MW_LOG_ERROR, MOD, "journal directory for %s: %s",
			        conf->journal_path, mw_strerror(mrc));
			goto out;
		}
	}
	int jrc = store_journal_open(&jo, &journal, &err);
	if (jrc != 0) {
		mw_logf(&log, MW_LOG_ERROR, MOD, "journal %s: %s", jo.path,
		        err.msg[0] ? err.msg : mw_strerror(jrc));
		goto out;
	}

	/* A precise clock: libevent's default on Linux is the coarse
	 * monotonic clock, one scheduler tick (4 ms here), which would stretch
	 * every timer under 4 ms - a [sign] batch_window of 1 ms among them -
	 * and deliver a steady sensor stream in 4 ms bursts
	 * (docs/benchmarks.md "Where the transport time goes"). */
	struct event_config *ecfg = event_config_new();
	if (ecfg)
		event_config_set_flag(ecfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	base = ecfg ? event_base_new_with_config(ecfg) : NULL;
	if (ecfg)
		event_config_free(ecfg);
	if (!base) {
		mw_logf(&log, MW_LOG_ERROR, MOD, "event_base_new failed");
		goto out;
	}
	struct net_node_opts no = {
	    .conf = conf,
	    .base = base,
	    .log = &log,
	    .journal = journal,
	    .keyring = kr,
	    .signer = signer,
	    .on_journal = on_journal,
	    .on_link_state = on_link_state,
	    .hook_ud = &d,
	};
	if (net_node_new(&no, &node, &err) != 0) {
		mw_logf(&log, MW_LOG_ERROR, MOD, "%s", err.msg);
		goto out;
	}
	if (check_only && net_node_own_cert_fault(node)) {
		mw_logf(&log, MW_LOG_ERROR, MOD, "%s", net_node_own_cert_fault(node));
		goto out;
	}
	if (check_only) {
		/* every listen address, each reported: all failures at once */
		int bad = check_listen(&log, "peers", &conf->listen_peers, journal_running) +
		          check_listen(&log, "ingest", &conf->listen_ingest, journal_running) +
		          check_listen(&log, "http", &conf->listen_http, journal_running);
		if (bad)
			goto out;
		mw_logf(&log, MW_LOG_NOTICE, MOD, "%s: configuration and keys OK (%d origin keys)",
		        config, nkeys);
		rc = 0;
		goto out;
	}
	d.base = base;
	d.node = node;
	d.log = &log;
	d.journal = journal;
	if (conf->track_enabled) {
		struct net_national_opts nopt;
		memset(&nopt, 0, sizeof(nopt));
		memcpy(nopt.nation, conf->nation, sizeof(nopt.nation));
		nopt.partner_obs = conf->track_partner_obs;
		nopt.interval_ns = conf->track_interval_ns;
		nopt.max_tracks = conf->track_max_tracks;
		nopt.log = &log;
		nopt.emit = nat_emit;
		nopt.ud = &d;
		int nrc = net_national_new(&nopt, &d.nat);
		d.nat_ev = nrc == 0 ? event_new(base, -1, 0, on_nat, &d) : NULL;
		if (!d.nat_ev) {
			mw_logf(&log, MW_LOG_ERROR, MOD, "national tracking: %s",
			        mw_strerror(nrc ? nrc : -ENOMEM));
			goto out;
		}
		/* rebuild the tracks from the journal without re-sending them */
		uint64_t live = store_journal_last_pos(journal) + 1;
		net_national_set_live_from(d.nat, live);
		int got;
		while ((got = net_national_catch_up(d.nat, journal, NAT_CHUNK)) == NAT_CHUNK)
			;
		if (got < 0) {
			mw_logf(&log, MW_LOG_ERROR, MOD, "national tracking: journal replay: %s",
			        mw_strerror(got));
			goto out;
		}
		mw_logf(&log, MW_LOG_NOTICE, MOD,
		        "national tracking on (partner observations %s, interval %lld ms); "
		        "replayed the journal to position %llu",
		        conf->track_partner_obs ? "on" : "off",
		        (long long)(conf->track_interval_ns / 1000000),
		        (unsigned long long)(live - 1));
	}
	if (net_node_start(node, &err) != 0) {
		mw_logf(&log, MW_LOG_ERROR, MOD, "%s", err.msg);
		goto out;
	}
	ev_term = evsignal_new(base, SIGTERM, on_stop_signal, &d);
	ev_int = evsignal_new(base, SIGINT, on_stop_signal, &d);
	ev_usr1 = evsignal_new(base, SIGUSR1, on_usr1, &d);
	if (!ev_term || !ev_int || !ev_usr1 || event_add(ev_term, NULL) ||
	    event_add(ev_int, NULL) || event_add(ev_usr1, NULL)) {
		mw_logf(&log, MW_LOG_ERROR, MOD, "cannot install signal handlers");
		goto out;
	}
	if (conf->stats_interval_ns > 0) {
		ev_stats = event_new(base, -1, EV_PERSIST, on_stats_timer, &d);
		struct timeval tv = {(time_t)(conf->stats_interval_ns / 1000000000),
		                     (suseconds_t)(conf->stats_interval_ns % 1000000000 / 1000)};
		if (!ev_stats || event_add(ev_stats, &tv)) {
			mw_logf(&log, MW_LOG_ERROR, MOD, "cannot arm the stats timer");
			goto out;
		}
	}
	if (conf->listen_http.host[0] && start_api(&d, conf, &err) != 0) {
		mw_logf(&log, MW_LOG_ERROR, MOD, "%s", err.msg);
		goto out;
	}
	{
		/* the harness reads the bound ports from this line (port 0 in tests) */
		unsigned hp = d.api ? api_port(d.api) : 0;
		char msg[96];
		snprintf(msg, sizeof(msg), "ready: peers %u ingest %u http %u",
		         net_node_peer_port(node), net_node_ingest_port(node), hp);
		struct mw_log_field f[] = {
		    MW_LOG_INT("peers_port", net_node_peer_port(node)),
		    MW_LOG_INT("ingest_port", net_node_ingest_port(node)),
		    MW_LOG_INT("http_port", hp),
		};
		mw_log_kv(&log, MW_LOG_NOTICE, MOD, msg, f, sizeof(f) / sizeof(f[0]));
	}
	event_base_dispatch(base);
	/* the API goes first: nothing serves a half-stopped node */
	api_free(d.api);
	d.api = NULL;
	/* everything journaled goes through the tracker before we stop, so
	 * that a restart's silent replay matches what was sent */
	if (d.nat)
		while (net_national_catch_up(d.nat, journal, NAT_CHUNK) == NAT_CHUNK)
			;
	net_node_stop(node);
	/* what was queued gets committed before the journal closes */
	int src2 = store_journal_sync(journal, INT64_C(10) * 1000000000);
	if (src2 != 0)
		mw_logf(&log, MW_LOG_ERROR, MOD, "journal sync at shutdown: %s", mw_strerror(src2));
	net_node_log_stats(node);
	if (d.nat)
		net_national_log_stats(d.nat);
	rc = net_node_failed(node) ? 1 : 0;
out:
	if (ev_term)
		event_free(ev_term);
	if (ev_int)
		event_free(ev_int);
	if (ev_usr1)
		event_free(ev_usr1);
	if (ev_stats)
		event_free(ev_stats);
	if (d.nat_ev)
		event_free(d.nat_ev);
	d.nat_ev = NULL;
	api_free(d.api);
	d.api = NULL; /* net_node_free stops the links: on_link_state must not see it */
	net_node_free(node);
	net_national_free(d.nat);
	store_journal_free(journal);
	if (scratch[0])
		remove_scratch_dir(scratch);
	wire_signer_free(signer);
	wire_keyring_free(kr);
	if (base)
		event_base_free(base);
	if (rc == 0)
		mw_logf(&log, MW_LOG_NOTICE, MOD, "stopped");
	free(conf);
	return rc;
}
