/*
 * net/node.c - partner links, relay, release control, sensor ingest and
 * origin signing for one national node, on one libevent loop.
 *
 * Connections. Every TCP connection is a struct conn with a
 * bufferevent_openssl (TLS 1.3, mutual authentication, net/tls.c). There
 * are three roles: a link we dialled (the peer is known from the start),
 * a link we accepted (the peer is found from the certificate), and a
 * sensor. When the TLS handshake completes, the certificate identity
 * (net/pki.h) must match: for links, SAN nation = the peer's configured
 * nation and CN = its configured identity; for sensors, a sensor URI of
 * our own nation. Otherwise the connection is closed with a reason.
 *
 * Link protocol (docs/protocol.md has the full text and state diagram):
 *   1. Both sides send Hello {protocol_version, nation, node_name,
 *      max_frame} first; a Hello whose nation is not the certificate's
 *      is rejected. Receiving the Hello makes the link UP.
 *   2. Sending: the sender scans its journal in position order from
 *      acked_pos + 1 (its own persisted cursor for that peer), DURABLE
 *      records and, ahead of their commit, its OWN records whose seq is
 *      durably reserved (invariant 6); it stops at the first record that
 *      is neither. It sends each record that is eligible:
 *        - the peer's nation is in the record's releasability set,
 *        - the record did not originate from, nor arrive from, the peer,
 *        - for a relayed record, our own nation is in the set too.
 *      The frame payload is the record's bytes: the Envelope exactly as
 *      the origin made it. Each sent frame's journal pos goes into the
 *      in-flight FIFO (bounded by [limits] max_backlog).
 *   3. Receiving: the k-th ENVELOPE frame on a connection (k = 1, 2, ...)
 *      is checked (decode, released to us, relay in the set, origin
 *      signature, payload - in that order: invariant 7) and journaled with
 *      from_pos = rx_base + k, or, if rejected or a duplicate, recorded
 *      with store_journal_note_rx(from_pos). rx_base is the highest
 *      from_pos ever used for that peer, so the journal's per-peer cursor
 *      only grows.
 *   4. When the journal reports the peer's cursor durable through X, the
 *      receiver sends Ack {frames = X - rx_base}: the count of envelope
 *      frames of this connection whose outcome is durable.
 *   5. The sender pops that many positions from its FIFO; the last one
 *      is its new acked_pos (persisted lazily in the journal). With
 *      nothing in flight, acked_pos = everything scanned so far.
 *   6. After any disconnect or restart, the sender resumes at
 *      acked_pos + 1. Frames sent but not acked are sent again; the
 *      receiver drops them as duplicates by (origin, seq) and acks them.
 *   Heartbeats {send_t_ns, echo_t_ns, echo_hold_ns} every [link]
 *   heartbeat give the RTT; a smoothed RTT above [link] degraded_rtt, or
 *   two heartbeat periods of silence, make the link DEGRADED; no frame for
 *   [link] timeout kills the link. A record larger than the max_frame the
 *   peer announced is never sent to it (logged, counted).
 *
 * Send cache: every record this node appends (own or received) is also
 * kept, by position, in a ring of SEND_CACHE_SLOTS entries; links send
 * from it and read the journal (durable rows only) on a miss. An entry
 * holds the release rule's answer for each configured peer (a bit each,
 * decided once when the record is appended); the bytes of a record no
 * peer may receive (a receiver's copy of what its only peer sent it) are
 * not kept, and the others live in one slab mapped at creation.
 *
 * Own sequence numbers: the node asks its journal to record durably that
 * seqs up to own_seq + OWN_SEQ_BLOCK are used (store_journal_reserve_seq,
 * again when fewer than half a block remain) and starts after a restart
 * above max(highest own seq journaled, reservation). An own record whose
 * seq is at or below the durable reservation, and that at most one
 * configured peer may receive, is sent as soon as it is signed and
 * appended, in parallel with its own commit, so the durable path has one
 * commit (the receiver's) instead of two. Released to two or more peers
 * it waits for its commit: sent early and lost in a crash, it could reach
 * one and not another (cache_put). A crash can then
 * lose an own record a peer already holds and acknowledged: its seq is
 * never used again, and its position, reassigned after the restart, is
 * sent afresh because the persisted acked cursor never exceeds the
 * committed records (store/journal.c invariant 4). docs/protocol.md,
 * "Own envelopes before their commit", has the argument and what the
 * origin's journal then lacks. (Session 9's [journal] own_window, which
 * let the journal hold such records back for company, was removed in
 * session 10: docs/benchmarks.md "own_window decided".)
 *
 * Write coalescing and receive scratch: pump() writes envelope frames into
 * 15,000-byte chunks reserved in the connection's output buffer, so one
 * TLS record (one write) carries dozens of frames (tx_frame); received
 * envelopes are decoded into one per-node scratch (wire_envelope_decode_in)
 * without an allocation per envelope.
 *
 * Commit groups: the frames of one read callback, and the records of one
 * signed batch, are appended with the journal plugged
 * (store_journal_plug), so each burst is one commit group rather than
 * its first record committed alone and the rest waiting behind that
 * commit; a signed batch is pumped to the links before the unplug wakes
 * the journal thread, since own records leave before their commit.
 *
 * Sensor ingest order: a sensor's read callback reads every TLS record
 * its connection has waiting (sensor_pull; libevent alone reads two a
 * readable event) and only marks the connection ready; ingest_cb, at the
 * end of the loop iteration, journals the frames of all ready sensors in
 * data-time order across connections (each sensor's own order kept). So
 * a node that was busy for a while (the national tracker shares this
 * loop) does not journal one sensor's backlog, then the next's, minutes
 * of data time apart (docs/operations.md, "The order a node ingests in").
 *
 * Origin signing: envelopes this node originates are encoded and queued
 * in a batch; the batch is signed (one Ed25519 signature over a Merkle
 * root, wire/sign.h) and journaled when it reaches [sign] batch_max, or
 * at the end of the current loop iteration if the previous signature is
 * older than [sign] batch_window (a lightly loaded node signs each
 * envelope at once), else when the window since it expires.
 *
 * Invariants:
 *  1. An Ack never covers a frame whose outcome is not durable.
 *  2. A record is sent to a peer only if the peer's nation is in its
 *     releasability set; a relayed record only if ours is too.
 *  3. Nothing reaches the journal before its origin signature verified.
 *  4. Every rejection increments exactly one rejects[] counter and logs
 *     a line naming the reason (rate-limited per reason).
 *  5. Buffers are bounded: frames by max_frame, in-flight by max_backlog,
 *     the signing queue by batch_max; a full journal queue pauses reading.
 *  6. A record leaves the node before its commit only if it is the node's
 *     own, released to at most one of the configured peers, and its seq
 *     is at or below the reservation a committed journal transaction
 *     recorded; own_seq never restarts at or below that reservation.
 *     Such a record not released to the peer (or to no peer at all) is
 *     passed over before its commit like a durable one.
 *     Relayed records are sent only once durable here (forwarding them
 *     earlier loses data when the origin and this node crash together:
 *     docs/spin/three_nodes.pml, docs/protocol.md "Relays forwarding
 *     before their commit").
 *  7. Of a received envelope, only what is needed to find the origin's key
 *     and check authenticity is parsed before the origin signature
 *     verified: the Envelope and EnvelopeBody (origin, seq, set; the body
 *     bytes are hashed as received). The release checks read those
 *     decoded fields only; the payload (Observation, Track, Alert) is
 *     decoded and checked after the signature, so a forger's payload bytes
 *     never reach a protobuf decoder (its envelope is bad_signature).
 *  8. With [ingest] sensor_keys, a sensor's observation is journaled only
 *     if its sensor signature (Observation.sensor_sig) verifies under the
 *     key registered for that sensor number, or it carries none and
 *     [ingest] require_sensor_sig is false; it is journaled as received,
 *     signature included. Anything else is rejected (sensor_signature)
 *     and the connection goes on with its next frame.
 */
#include "net/node.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "core/buf.h"
#include "core/time.h"
#include "net/pki.h"
#include "net/release.h"
#include "wire/envelope.h"
#include "wire/frame.h"
#include "wire/payload.h"
#include "wire/sign.h"

#define MOD              "net"
#define OUT_HIGH_BYTES   (4u << 20) /* stop pumping above this much queued output */
#define OUT_LOW_BYTES    (1u << 20) /* and resume below this */
#define READ_SLACK_BYTES (64u << 10)
#define SCAN_CHUNK       512 /* records per journal read */
#define LOG_BURST        20  /* lines per reason per second before suppression */
#define SIGCACHE_ENTRIES 4096
/* Own seqs reserved durably at a time (store_journal_reserve_seq); a new
 * block is asked for when fewer than half remain. After a crash or a
 * restart the sequence resumes above the reservation: a gap of at most
 * this many seqs, legal like the gaps release rules make. At 100,000
 * envelopes/s half a block lasts 40 ms, several commits. */
#define OWN_SEQ_BLOCK 8192

/* A TLS record's largest plaintext: sensor_pull reads this much at a time */
#define PULL_CHUNK (16u << 10)
/* Sensor frames journaled by one ingest pass (ingest_cb); the rest wait in
 * the connections' inputs for the next loop iteration. Everything a pass
 * journals goes through the national tracker in that iteration (on_nat,
 * on the same loop), so this bounds how long the loop goes without
 * reading, heartbeats and timers: without it a backlog of ~1,000
 * observations was one pass and one tracker bite, and an ASan node at
 * 30 % of a core journaled nothing for over 30 s. libevent alone had
 * taken two TLS records a sensor per iteration. 64 keeps signing at one
 * batch per 64 observations or fewer (docs/operations.md, "The order a
 * node ingests in", has the throughput figures). */
#define INGEST_PASS_MAX 64

enum conn_role { CONN_DIAL, CONN_ACCEPT, CONN_SENSOR };

struct peer;

struct conn {
	struct net_node *node;
	enum conn_role role;
	struct bufferevent *bev;
	struct event *tick;
	struct peer *peer; /* links, once known */
	char addr[NET_HOST_MAX + 16];
	char cn[NET_CN_MAX];
	char nation[NET_NATION_LEN]; /* from the certificate */
	uint32_t sensor_id;
	/* a sensor: its certificate's notAfter (Unix s, from its handshake);
	 * cert_gone: closed for an expired certificate or sensor CA
	 * (cert_close_expired), its frames already read still to be handled */
	int64_t cert_na_s;
	bool cert_gone;
	bool exercise_logged; /* a sensor: "sends exercise data" logged once */
	bool tls_up;
	bool hello_rcvd;
	bool read_paused;
	/* the frame at the head of the input was already judged (rejected or
	 * a duplicate: counted and logged once) but the journal queue refused
	 * its note; on retry only the note is tried again */
	bool note_retry;
	/* a sensor: frames read and waiting for ingest_cb (the merge by data
	 * time); the head frame's decoded Observation once looked at; the end
	 * of the connection, seen while frames still waited */
	bool ingest_ready;
	bool head_valid;
	int head_rc; /* wire_obs_decode's result for the head frame */
	struct mw_obs head_obs;
	struct wire_obs_sig head_sig; /* its sensor signature (field 8) */
	short lost_events;
	unsigned long lost_err;
	int64_t created_mono;
	int64_t last_rx_mono;
	int64_t hb_peer_send; /* last Heartbeat.send_t_ns received */
	int64_t hb_peer_rx_mono;
	/* on_trace only: buffer callbacks stamping writes and arrivals */
	struct evbuffer_cb_entry *trace_out, *trace_in;
	struct conn *next, *prev;
};

struct peer {
	struct net_node *node;
	const struct net_peer_conf *conf;
	enum net_link_state state;
	struct conn *conn;
	struct event *dial_ev;
	unsigned attempt;
	int64_t srtt_ns;
	int64_t since_ns;
	/* sending */
	uint64_t tx_next;
	uint64_t acked_pos;
	uint64_t *fifo; /* positions sent on this connection, not acked */
	size_t fifo_head, fifo_count, fifo_cap;
	uint64_t frames_sent, frames_acked; /* on this connection */
	/* receiving */
	uint64_t rx_max_pos; /* highest from_pos used for this peer */
	uint64_t rx_base;    /* rx_max_pos when this connection came up */
	uint64_t rx_frames;  /* envelope frames handled on this connection */
	uint64_t acked_frames_sent;
	uint64_t durable_frames; /* frames of this connection known durable; an Ack
	                            for them is owed while above acked_frames_sent */
	uint32_t peer_max_frame; /* from its Hello: larger records are never sent */
	/* counters */
	uint64_t env_tx, env_rx, connects;
	uint64_t replaced; /* accepted links that replaced a still-open old one */
	/* the certificate it last presented (on_tls_up): its notAfter */
	bool cert_seen;
	bool cert_warned; /* the expiry WARN was logged for this notAfter */
	int64_t cert_na_s;
};

/*
 * Recently appended records, by journal position, so that links send them
 * without reading them back from SQLite. Slot = pos % cap; a slot is valid
 * for pos only if it holds that pos. Only DURABLE positions are served
 * (the same rule as store_journal_read without STORE_READ_PENDING); a miss
 * falls back to the journal.
 */
#define SEND_CACHE_SLOTS 65536 /* ~3 MiB of slots; bytes in the slab or allocated as used */
/* Bytes of a slot in the slab: records up to this size (every envelope of
 * a 256-byte payload is ~740 B) are kept in one anonymous mapping made at
 * creation and touched as used, in huge pages where the kernel gives them
 * (MADV_HUGEPAGE); larger ones are malloc'ed per slot. Filling the ring
 * with a malloc per slot grew a thread arena's heap a page at a time (an
 * mprotect and a page fault every few slots, ~3 % of the CPU of a
 * 100,000-envelope run). */
#define SEND_CACHE_SLAB_SLOT 1024
struct cached_rec {
	uint64_t pos; /* 0 = empty */
	uint64_t seq;
	char origin[MW_NATION_LEN];
	/* own record released to at most one configured peer: it may leave
	 * before its commit (invariant 6) */
	bool early_ok;
	/* bit i: net_release_may_send to peers[i] (release rule 2 for that
	 * peer), decided once by cache_put for pump(); none set (no_peer):
	 * its bytes are not kept */
	uint32_t peer_bits;
	bool no_peer;
	uint8_t *bytes; /* cap bytes, reused for later records: the slot's part of
	                   the slab, or malloc'ed (heap) */
	size_t len, cap;
	bool heap;
};

struct pending_env {
	size_t off, len;
	uint64_t seq;
	int kind;
	int64_t data_ns;
	bool exercise;
};

struct net_node {
	const struct net_node_conf *conf;
	/* own certificate out of its validity time (net_tls_check_own's
	 * time_only), "" if none: the node runs without partners */
	char own_cert_fault[512];
	/* notBefore/notAfter (Unix seconds) of the own certificate and the CA,
	 * re-checked by cert_ev (cert_recheck); *_warned: the expiry WARN was
	 * logged (again after the time is back above the threshold) */
	int64_t own_nb_s, own_na_s, ca_nb_s, ca_na_s;
	bool own_warned, ca_warned;
	/* notAfter of [pki] sensor_ca (the CA file by default), read at
	 * creation; 0 if unknown: sensor connections are closed past it */
	int64_t sensor_ca_na_s;
	struct event *cert_ev;
	struct event_base *base;
	struct mw_log *log;
	struct store_journal *journal;
	struct wire_keyring *keyring;
	struct wire_signer *signer;
	struct wire_sigcache *sigcache;
	/* [ingest] sensor_keys: this nation's sensors' public keys, by id */
	struct sensor_key *sensor_keys;
	size_t n_sensor_keys;
	struct wire_env_scratch rx_scratch; /* received envelopes are decoded here */
	/* write coalescing (tx_frame): space reserved in tx_out, tx_used filled */
	struct evbuffer *tx_out;
	struct evbuffer_iovec tx_res;
	size_t tx_used;
	void (*on_journal)(void *ud, const char *origin, uint64_t seq, uint64_t pos);
	void (*on_acked)(void *ud, const char *peer_nation, uint64_t acked_pos);
	void (*on_trace)(void *ud, int ev, const char *peer_nation, uint64_t pos);
	void (*on_link_state)(void *ud, size_t peer_index, enum net_link_state old,
	                      enum net_link_state new_state, int64_t t_ns);
	void *hook_ud;
	SSL_CTX *link_ctx, *ingest_ctx;
	struct evconnlistener *peer_lst, *ingest_lst;
	struct event *journal_ev;
	struct event *flush_ev;
	struct event *ingest_ev; /* sensor frames read: merge them (ingest_cb) */
	bool ingest_armed;
	struct event *unplug_ev;   /* wakes the journal after a batch's writes (flush_batch) */
	bool unplug_armed;         /* the journal is plugged until unplug_ev runs */
	struct event *relisten_ev; /* re-enables listeners after an accept error */
	struct peer peers[NET_MAX_PEERS];
	size_t n_peers;
	struct conn *conns;
	size_t n_conns; /* all connections, authenticated or not */
	size_t n_sensors;
	struct net_stats stats;
	int64_t rx_accept_ns;  /* accept time of the frames of one read (on_envelope) */
	struct mw_buf scratch; /* frame encoding */
	struct mw_buf envbuf;  /* envelope encoding for the journal */
	/* signing batch */
	struct mw_buf bodies;
	struct pending_env *pending;
	struct wire_slice *slices;
	struct wire_auth *auths;
	size_t n_pending;
	bool flush_armed;
	int64_t last_sign_mono;
	uint64_t own_seq;
	uint64_t own_seq_asked;   /* reservation asked of the journal (maybe not durable yet) */
	struct cached_rec *cache; /* SEND_CACHE_SLOTS entries */
	uint8_t *cache_slab;      /* SEND_CACHE_SLOTS x SEND_CACHE_SLAB_SLOT bytes, or NULL */
	/* rate limit of rejection log lines */
	int64_t log_window_s[NET_REJ_COUNT];
	uint32_t log_count[NET_REJ_COUNT];
	uint32_t log_suppressed[NET_REJ_COUNT];
	bool stopped;
	bool fatal; /* the journal failed: the node must stop */
};

/* ---------------------------------------------------------------- util */

static struct timeval tv_of_ns(int64_t ns)
{
	struct timeval tv = {(time_t)(ns / MW_NS_PER_S), (suseconds_t)((ns % MW_NS_PER_S) / 1000)};
	return tv;
}

static double rand01(void)
{
	uint32_t r = 0;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		return 0.5;
	return (double)r / 4294967296.0;
}

static bool is_security(enum net_reject r)
{
	return r == NET_REJ_NOT_RELEASED || r == NET_REJ_RELAY_NOT_RELEASED || r == NET_REJ_SIG ||
	       r == NET_REJ_SPOOFED_ORIGIN || r == NET_REJ_CERT_NATION ||
	       r == NET_REJ_CERT_IDENTITY || r == NET_REJ_CERT_UNKNOWN_CA ||
	       r == NET_REJ_CERT_EXPIRED || r == NET_REJ_CERT_INVALID ||
	       r == NET_REJ_CERT_MISSING || r == NET_REJ_EXERCISE_MISMATCH ||
	       r == NET_REJ_SENSOR_SIG;
}

/* Count a rejection and log it (at most LOG_BURST lines per reason per second). */
static void reject(struct net_node *n, enum net_reject r, const struct conn *c, const char *detail)
{
	n->stats.rejects[r]++;
	int64_t now_s = mw_time_mono_ns() / MW_NS_PER_S;
	if (n->log_window_s[r] != now_s) {
		if (n->log_suppressed[r]) {
			struct mw_log_field f[] = {
			    MW_LOG_STR("reason", net_reject_str(r)),
			    MW_LOG_INT("suppressed", n->log_suppressed[r]),
			    MW_LOG_INT("count", (int64_t)n->stats.rejects[r]),
			};
			mw_log_kv(n->log, MW_LOG_WARN, MOD, "rejections not logged", f, 3);
		}
		n->log_window_s[r] = now_s;
		n->log_count[r] = 0;
		n->log_suppressed[r] = 0;
	}
	if (n->log_count[r] >= LOG_BURST) {
		n->log_suppressed[r]++;
		return;
	}
	n->log_count[r]++;
	const char *who = c ? (c->peer ? c->peer->conf->name : (c->cn[0] ? c->cn : c->addr)) : "";
	struct mw_log_field f[] = {
	    MW_LOG_STR("reason", net_reject_str(r)),
	    MW_LOG_STR("from", who),
	    MW_LOG_STR("addr", c ? c->addr : ""),
	    MW_LOG_STR("detail", detail ? detail : ""),
	    MW_LOG_INT("count", (int64_t)n->stats.rejects[r]),
	    MW_LOG_STR("security", is_security(r) ? "true" : "false"),
	};
	mw_log_kv(n->log, is_security(r) ? MW_LOG_WARN : MW_LOG_NOTICE, MOD, "rejected", f, 6);
}

static void peer_set_state(struct peer *p, enum net_link_event ev)
{
	int s = net_link_next(p->state, ev);
	if (s < 0) {
		mw_logf(p->node->log, MW_LOG_ERROR, MOD,
		        "peer %s: illegal link event %s in state %s", p->conf->name,
		        net_link_event_str(ev), net_link_state_str(p->state));
		return;
	}
	if ((enum net_link_state)s == p->state)
		return;
	struct mw_log_field f[] = {
	    MW_LOG_STR("peer", p->conf->name),
	    MW_LOG_STR("nation", p->conf->nation),
	    MW_LOG_STR("from", net_link_state_str(p->state)),
	    MW_LOG_STR("to", net_link_state_str((enum net_link_state)s)),
	    MW_LOG_STR("event", net_link_event_str(ev)),
	};
	enum net_link_state old = p->state;
	p->state = (enum net_link_state)s;
	p->since_ns = mw_time_now_ns();
	mw_log_kv(p->node->log, MW_LOG_INFO, MOD, "link state", f, 5);
	if (p->node->on_link_state) /* the one place a link changes state */
		p->node->on_link_state(p->node->hook_ud, (size_t)(p - p->node->peers), old,
		                       p->state, p->since_ns);
}

static struct peer *peer_by_nation(struct net_node *n, const char *nation)
{
	for (size_t i = 0; i < n->n_peers; i++)
		if (strcmp(n->peers[i].conf->nation, nation) == 0)
			return &n->peers[i];
	return NULL;
}

/* ---------------------------------------------------------- connections */

static void conn_free(struct conn *c)
{
	struct net_node *n = c->node;
	if (c->prev)
		c->prev->next = c->next;
	else
		n->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	n->n_conns--;
	if (c->role == CONN_SENSOR && c->tls_up && n->n_sensors > 0)
		n->n_sensors--;
	if (c->tick)
		event_free(c->tick);
	if (c->trace_out)
		evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->trace_out);
	if (c->trace_in)
		evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->trace_in);
	if (c->bev)
		bufferevent_free(c->bev);
	free(c);
}

static void schedule_dial(struct peer *p);
static int64_t asn1_unix_s(const ASN1_TIME *t);
static void expiry_warn(struct net_node *n, const char *what, const char *who, int64_t na_s,
                        int64_t now_s, bool *warned);
static void cert_arm(struct net_node *n);

/* The link of p failed (or is being replaced): detach and close its conn. */
static void peer_conn_lost(struct peer *p, struct conn *c)
{
	if (p->conn != c)
		return;
	p->conn = NULL;
	if (net_link_carries_data(p->state))
		p->node->stats.link_failures++;
	p->fifo_head = p->fifo_count = 0;
	p->frames_sent = p->frames_acked = 0;
	if (p->state != NET_LINK_CLOSED)
		peer_set_state(p, NET_LEV_FAIL);
	if (p->conf->dial && !p->node->stopped)
		schedule_dial(p);
}

static void conn_close(struct conn *c)
{
	if (c->peer)
		peer_conn_lost(c->peer, c);
	conn_free(c);
}

static int send_msg(struct conn *c, enum wire_frame_type type, const ProtobufCMessage *m)
{
	struct net_node *n = c->node;
	mw_buf_reset(&n->scratch);
	int rc = wire_msg_frame(type, m, &n->scratch);
	if (rc < 0)
		return rc;
	if (bufferevent_write(c->bev, mw_buf_peek(&n->scratch), mw_buf_used(&n->scratch)) != 0)
		return -ENOMEM;
	return 0;
}

static void send_hello(struct conn *c)
{
	struct net_node *n = c->node;
	Mwlink__Hello h = MWLINK__HELLO__INIT;
	h.has_protocol_version = 1;
	h.protocol_version = WIRE_PROTOCOL_VERSION;
	h.nation = (char *)n->conf->nation;
	h.node_name = (char *)n->conf->name;
	h.has_max_frame = 1;
	h.max_frame = n->conf->max_frame_bytes;
	if (send_msg(c, WIRE_FT_HELLO, &h.base))
		mw_logf(n->log, MW_LOG_ERROR, MOD, "cannot send hello to %s", c->addr);
}

static void send_heartbeat(struct conn *c)
{
	Mwlink__Heartbeat hb = MWLINK__HEARTBEAT__INIT;
	int64_t now = mw_time_mono_ns();
	hb.has_send_t_ns = 1;
	hb.send_t_ns = now;
	if (c->hb_peer_send) {
		hb.has_echo_t_ns = 1;
		hb.echo_t_ns = c->hb_peer_send;
		hb.has_echo_hold_ns = 1;
		hb.echo_hold_ns = now - c->hb_peer_rx_mono;
	}
	send_msg(c, WIRE_FT_HEARTBEAT, &hb.base);
}

static void pump(struct peer *p);
static void send_owed_ack(struct peer *p);

static void conn_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct conn *c = arg;
	struct net_node *n = c->node;
	int64_t now = mw_time_mono_ns();
	bool established = c->role == CONN_SENSOR ? c->tls_up : c->hello_rcvd;
	if (!established) {
		if (now - c->created_mono > n->conf->link_timeout_ns) {
			reject(n, NET_REJ_TIMEOUT, c, "handshake not completed in time");
			conn_close(c);
		}
		return;
	}
	if (c->role == CONN_SENSOR)
		return; /* sensors may be quiet; TCP and TLS tell us when they go */
	if (now - c->last_rx_mono > n->conf->link_timeout_ns) {
		reject(n, NET_REJ_TIMEOUT, c, "no frame within the link timeout");
		conn_close(c);
		return;
	}
	/* heartbeats overdue (silence for two intervals): degraded until the
	 * next heartbeat shows a normal RTT again */
	if (now - c->last_rx_mono > 2 * n->conf->heartbeat_ns && c->peer &&
	    net_link_carries_data(c->peer->state))
		peer_set_state(c->peer, NET_LEV_RTT_HIGH);
	send_heartbeat(c);
	if (c->peer && c->peer->conn == c)
		send_owed_ack(c->peer);
}

/* ------------------------------------------------------------- sending */

/* "JPN,KOR,USA" from a set of nation codes (valid: wire checked them).
 * 32 codes of 3 letters with commas fit STORE_RELEASE_MAX; a longer set
 * is cut at a whole code (never happens with WIRE_MAX_RELEASE 32). */
static void release_join(char *dst, size_t cap, const char (*set)[MW_NATION_LEN], unsigned n)
{
	size_t off = 0;
	for (unsigned i = 0; i < n; i++) {
		size_t l = strnlen(set[i], MW_NATION_LEN - 1);
		if (off + (i ? 1 : 0) + l + 1 > cap)
			break;
		if (i)
			dst[off++] = ',';
		memcpy(dst + off, set[i], l);
		off += l;
	}
	dst[off] = '\0';
}

_Static_assert(WIRE_MAX_RELEASE *MW_NATION_LEN <= STORE_RELEASE_MAX,
               "a full releasability set fits a journal record");

static void cache_put(struct net_node *n, uint64_t pos, const struct store_rec *r)
{
	if (!n->cache || pos == 0)
		return;
	struct cached_rec *e = &n->cache[pos % SEND_CACHE_SLOTS];
	e->pos = 0; /* invalid until filled */
	/* Who may receive it: a record no configured peer may receive (what a
	 * receiver journals from the only peer that can be sent it, as the
	 * two-node link does) is passed over by pump() without its bytes, so
	 * they are neither copied nor kept. */
	size_t eligible = 0;
	uint32_t bits = 0;
	_Static_assert(NET_MAX_PEERS <= 32, "a bit per peer");
	for (size_t i = 0; i < n->n_peers; i++)
		if (net_release_may_send(r->release, r->origin, r->from_peer, n->conf->nation,
		                         n->peers[i].conf->nation)) {
			bits |= UINT32_C(1) << i;
			eligible++;
		}
	e->peer_bits = bits;
	e->no_peer = eligible == 0;
	/* Invariant 6: an own record goes out before its commit only if at
	 * most one configured peer may receive it. Sent early to two peers
	 * and lost in a crash of this node before the commit, it could reach
	 * one and not the other, and nothing would repair that where the two
	 * are not linked to each other (the hub's own records: a record is
	 * never sent back to the peer it came from). An own record no peer
	 * may receive is early_ok too: pump() passes over it before its
	 * commit, as it passes over an early record released to another peer
	 * (docs/spin/resume_ack.pml skips any pending own record under the
	 * reservation that is not released to the receiver), instead of
	 * holding every later record behind its commit (a track behind the
	 * observation it came from, when observations stay home). */
	bool own = r->from_peer[0] == '\0' && strcmp(r->origin, n->conf->nation) == 0;
	if (e->no_peer) {
		e->pos = pos;
		e->seq = r->seq;
		e->early_ok = own;
		e->len = 0;
		return;
	}
	if (e->cap < r->len) {
		if (n->cache_slab && r->len <= SEND_CACHE_SLAB_SLOT) {
			if (e->heap)
				free(e->bytes);
			e->bytes = n->cache_slab + (pos % SEND_CACHE_SLOTS) * SEND_CACHE_SLAB_SLOT;
			e->cap = SEND_CACHE_SLAB_SLOT;
			e->heap = false;
		} else {
			size_t cap = r->len < 512 ? 512 : r->len;
			uint8_t *b = malloc(cap);
			if (!b)
				return; /* the journal still has it */
			if (e->heap)
				free(e->bytes);
			e->bytes = b;
			e->cap = cap;
			e->heap = true;
		}
	}
	memcpy(e->bytes, r->bytes, r->len);
	e->pos = pos;
	e->seq = r->seq;
	memcpy(e->origin, r->origin, MW_NATION_LEN);
	e->early_ok = own && eligible <= 1;
	e->len = r->len;
}

static void cache_free(struct net_node *n)
{
	if (!n->cache)
		return;
	for (size_t i = 0; i < SEND_CACHE_SLOTS; i++)
		if (n->cache[i].heap)
			free(n->cache[i].bytes);
	free(n->cache);
	n->cache = NULL;
	if (n->cache_slab)
		munmap(n->cache_slab, (size_t)SEND_CACHE_SLOTS * SEND_CACHE_SLAB_SLOT);
	n->cache_slab = NULL;
}

static bool fifo_push(struct peer *p, uint64_t pos)
{
	if (p->fifo_count == p->fifo_cap)
		return false;
	p->fifo[(p->fifo_head + p->fifo_count) % p->fifo_cap] = pos;
	p->fifo_count++;
	return true;
}

/*
 * Write coalescing. libevent's SSL bufferevent makes one SSL_write - one
 * TLS record and one write(2) - per chain of the output buffer, and
 * evbuffer_add grows chains to 4 KiB only: about ten 400-byte envelope
 * frames per record, and the receiver reads each record with two read(2)
 * calls. pump() therefore writes envelope frames straight into space
 * reserved at the end of the output buffer, TX_CHUNK_BYTES at a time, and
 * commits it when the chunk is full and when pump() ends, so a record
 * carries up to 15,000 bytes. Nothing else writes to a bufferevent while
 * pump() runs (one loop thread), and reserved space is committed before
 * pump() returns, so no frame is ever reserved but not queued outside it.
 */
#define TX_CHUNK_BYTES 15000 /* libevent's bufferevent_openssl writes <= 15000 per turn */

static void tx_commit(struct net_node *n)
{
	if (!n->tx_out)
		return;
	n->tx_res.iov_len = n->tx_used;
	/* cannot fail: the same vector evbuffer_reserve_space gave, no larger */
	(void)evbuffer_commit_space(n->tx_out, &n->tx_res, 1);
	n->tx_out = NULL;
	n->tx_used = 0;
}

/* Queue one frame (header + body) on out. 0 or -ENOMEM (nothing queued). */
static int tx_frame(struct net_node *n, struct evbuffer *out, const uint8_t *hdr,
                    const uint8_t *body, size_t len)
{
	size_t need = WIRE_FRAME_HDR_LEN + len;
	if (n->tx_out && (n->tx_out != out || n->tx_res.iov_len - n->tx_used < need))
		tx_commit(n);
	if (!n->tx_out && need <= TX_CHUNK_BYTES) {
		if (evbuffer_reserve_space(out, TX_CHUNK_BYTES, &n->tx_res, 1) != 1)
			return -ENOMEM;
		n->tx_out = out;
		n->tx_used = 0;
	}
	if (!n->tx_out) /* larger than a chunk: as it is */
		return evbuffer_add(out, hdr, WIRE_FRAME_HDR_LEN) != 0 ||
		               evbuffer_add(out, body, len) != 0
		           ? -ENOMEM
		           : 0;
	uint8_t *dst = (uint8_t *)n->tx_res.iov_base + n->tx_used;
	memcpy(dst, hdr, WIRE_FRAME_HDR_LEN);
	memcpy(dst + WIRE_FRAME_HDR_LEN, body, len);
	n->tx_used += need;
	return 0;
}

/* Send record pos (released to p: the caller checked) unless it is too
 * large for the peer. 0, or -EMSGSIZE / -ENOMEM (nothing queued). */
static int send_rec(struct peer *p, uint64_t pos, uint64_t seq, const char *origin,
                    const uint8_t *bytes, size_t len)
{
	struct net_node *n = p->node;
	if (len > p->peer_max_frame) {
		/* it would close the link and be resent forever: skip it, loudly */
		n->stats.too_big_for_peer++;
		mw_logf(n->log, MW_LOG_ERROR, MOD,
		        "peer %s: %s seq %llu (%zu bytes) exceeds its max_frame %u; not sent",
		        p->conf->name, origin, (unsigned long long)seq, len, p->peer_max_frame);
		return 0;
	}
	uint8_t hdr[WIRE_FRAME_HDR_LEN];
	if (wire_frame_header(hdr, WIRE_FT_ENVELOPE, len) != 0)
		return -EMSGSIZE;
	if (tx_frame(n, bufferevent_get_output(p->conn->bev), hdr, bytes, len) != 0)
		return -ENOMEM;
	fifo_push(p, pos); /* room was reserved by the caller */
	if (n->on_trace)
		n->on_trace(n->hook_ud, NET_TRACE_SENT, p->conf->nation, pos);
	p->frames_sent++;
	p->env_tx++;
	n->stats.env_tx++;
	if (strcmp(origin, n->conf->nation) != 0)
		n->stats.env_relayed++;
	return 0;
}

static int eligible_cb(void *ud, const struct store_rec *r)
{
	struct peer *p = ud;
	struct net_node *n = p->node;
	if (!net_release_may_send(r->release, r->origin, r->from_peer, n->conf->nation,
	                          p->conf->nation))
		return 0;
	return send_rec(p, r->pos, r->seq, r->origin, r->bytes, r->len);
}

static void persist_acked(struct peer *p)
{
	store_journal_set_peer_acked(p->node->journal, p->conf->nation, p->acked_pos);
	if (p->node->on_acked)
		p->node->on_acked(p->node->hook_ud, p->conf->nation, p->acked_pos);
}

/* Send every eligible durable record from tx_next, within the limits. */
static void pump(struct peer *p)
{
	struct net_node *n = p->node;
	if (!p->conn || !net_link_carries_data(p->state))
		return;
	struct evbuffer *out = bufferevent_get_output(p->conn->bev);
	uint64_t durable = store_journal_durable_pos(n->journal);
	uint64_t reserved = store_journal_seq_reserved(n->journal);
	for (;;) {
		size_t room = p->fifo_cap - p->fifo_count;
		if (room == 0 || evbuffer_get_length(out) >= OUT_HIGH_BYTES)
			break;
		/* durable records still in the send cache: no journal read; and
		 * own records not yet durable whose seq is durably reserved
		 * (invariant 6: they may leave before their commit) */
		const struct cached_rec *e =
		    n->cache ? &n->cache[p->tx_next % SEND_CACHE_SLOTS] : NULL;
		if (e && e->pos == p->tx_next && e->no_peer && p->tx_next <= durable) {
			/* not for this peer nor any other (cache_put): what
			 * eligible_cb would decide, without the bytes */
			p->tx_next++;
			continue;
		}
		if (e && e->pos == p->tx_next &&
		    (p->tx_next <= durable || (e->early_ok && e->seq <= reserved))) {
			/* what eligible_cb decides, with the release rule's
			 * answer for this peer taken from cache_put */
			if ((e->peer_bits >> (size_t)(p - n->peers) & 1) &&
			    send_rec(p, e->pos, e->seq, e->origin, e->bytes, e->len) < 0)
				break;
			p->tx_next++;
			continue;
		}
		uint64_t next = p->tx_next;
		/* SKIP_BAD: a row failing its SHA-256 is logged, counted
		 * (journal read_errors) and passed over, never sent; without it
		 * the read would fail at that row on every pass and stall the
		 * link behind it for good (docs/operations.md). */
		int got = store_journal_read(n->journal, p->tx_next, STORE_READ_SKIP_BAD,
		                             room < SCAN_CHUNK ? room : SCAN_CHUNK, eligible_cb, p,
		                             &next);
		if (got < 0) {
			mw_logf(n->log, MW_LOG_ERROR, MOD, "peer %s: journal read at %llu: %s",
			        p->conf->name, (unsigned long long)p->tx_next, mw_strerror(got));
			break;
		}
		bool moved = next != p->tx_next;
		p->tx_next = next;
		if (got == 0 && !moved)
			break;
	}
	tx_commit(n);
	if (p->fifo_count == 0 && p->tx_next > p->acked_pos + 1) {
		/* everything scanned was either acked or not for this peer */
		p->acked_pos = p->tx_next - 1;
		persist_acked(p);
	}
}

/* ----------------------------------------------------- signing / origin */

static void flush_batch(struct net_node *n)
{
	size_t cnt = n->n_pending;
	if (cnt == 0)
		return;
	/* The batch is one commit group, and the journal thread is woken only
	 * after the links have written the own records that pump() queues
	 * below: they leave before their commit anyway (invariant 6), so on
	 * a busy CPU the send should not wait behind the commit's start. An
	 * SSL bufferevent writes on its next writable event, in the next loop
	 * iteration; unplug_ev is a timer due at once, so it runs in that
	 * iteration too, after the write callbacks that epoll reported
	 * (libevent activates I/O events before expired timers, and runs
	 * them in that order). It runs whether or not anything was written:
	 * the journal stays plugged for at most one loop iteration. */
	if (!n->unplug_armed) {
		struct timeval now = {0, 0};
		store_journal_plug(n->journal);
		if (evtimer_add(n->unplug_ev, &now) == 0)
			n->unplug_armed = true;
		else
			store_journal_unplug(n->journal);
	}
	for (size_t i = 0; i < cnt; i++) {
		n->slices[i].p = n->bodies.data + n->bodies.off + n->pending[i].off;
		n->slices[i].len = n->pending[i].len;
	}
	int rc = wire_batch_sign(n->signer, n->slices, cnt, n->auths);
	n->last_sign_mono = mw_time_mono_ns();
	if (rc) {
		n->stats.own_lost += cnt;
		mw_logf(n->log, MW_LOG_ERROR, MOD, "signing a batch of %zu failed: %s; dropped",
		        cnt, mw_strerror(rc));
		goto done;
	}
	n->stats.sign_batches++;
	int64_t accept_ns = mw_time_now_ns(); /* one clock read for the batch */
	char release[STORE_RELEASE_MAX];
	for (size_t i = 0; i < cnt; i++) {
		const struct pending_env *pe = &n->pending[i];
		mw_buf_reset(&n->envbuf);
		/* the canonical form by hand: wire_envelope_encode's bytes, without
		 * protobuf-c (~90 ns less an envelope; docs/protocol.md 4.5) */
		rc = wire_envelope_join(n->slices[i].p, n->slices[i].len, &n->auths[i], &n->envbuf);
		if (rc < 0)
			goto lost;
		/* releasability as text, the same set the body carries */
		char set[WIRE_MAX_RELEASE][MW_NATION_LEN];
		unsigned ns = net_release_own_set(n->conf, pe->kind, set);
		release_join(release, sizeof(release), (const char(*)[MW_NATION_LEN])set, ns);
		struct store_rec rec;
		memset(&rec, 0, sizeof(rec));
		memcpy(rec.origin, n->conf->nation, NET_NATION_LEN);
		rec.seq = pe->seq;
		rec.kind = (uint32_t)pe->kind;
		rec.flags = pe->exercise ? STORE_F_EXERCISE : 0;
		memcpy(rec.release, release, sizeof(rec.release));
		rec.data_ns = pe->data_ns;
		rec.accept_ns = accept_ns;
		rec.bytes = mw_buf_peek(&n->envbuf);
		rec.len = mw_buf_used(&n->envbuf);
		uint64_t pos = 0;
		rc = store_journal_append(n->journal, &rec, &pos);
		if (rc < 0)
			goto lost;
		n->stats.env_originated++;
		cache_put(n, pos, &rec);
		if (n->on_journal)
			n->on_journal(n->hook_ud, rec.origin, rec.seq, pos);
		continue;
	lost:
		n->stats.own_lost++;
		{
			struct mw_log_field f[] = {
			    MW_LOG_INT("seq", (int64_t)pe->seq),
			    MW_LOG_STR("error", mw_errname(rc)),
			    MW_LOG_INT("lost", (int64_t)n->stats.own_lost),
			};
			mw_log_kv(n->log, MW_LOG_ERROR, MOD, "own envelope not journaled", f, 3);
		}
	}
done:
	n->n_pending = 0;
	mw_buf_reset(&n->bodies);
	/* own records under the durable reservation go out now, before their
	 * commit (invariant 6); the rest when the journal reports the commit */
	for (size_t i = 0; i < n->n_peers; i++)
		pump(&n->peers[i]);
}

static void unplug_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct net_node *n = arg;
	if (n->unplug_armed) {
		n->unplug_armed = false;
		store_journal_unplug(n->journal);
	}
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct net_node *n = arg;
	n->flush_armed = false;
	flush_batch(n);
}

int net_node_originate(struct net_node *n, int wire_kind, int64_t data_t_ns, bool exercise,
                       const uint8_t *payload, size_t len)
{
	if (wire_kind < WIRE_KIND_OBSERVATION || wire_kind > WIRE_KIND_ALERT)
		return -EINVAL;
	if (n->n_pending >= n->conf->sign_batch_max)
		flush_batch(n);
	struct wire_body b;
	memset(&b, 0, sizeof(b));
	memcpy(b.origin, n->conf->nation, MW_NATION_LEN);
	b.seq = n->own_seq + 1;
	b.kind = (enum wire_kind)wire_kind;
	b.n_release = net_release_own_set(n->conf, wire_kind, b.release);
	b.exercise = exercise;
	b.data_t_ns = data_t_ns;
	b.payload = payload;
	b.payload_len = len;
	size_t before = mw_buf_used(&n->bodies);
	int rc = wire_body_encode(&b, &n->bodies);
	if (rc < 0) {
		if (rc == -ENOBUFS && n->n_pending) {
			flush_batch(n);
			before = 0;
			rc = wire_body_encode(&b, &n->bodies);
		}
		if (rc < 0)
			return rc;
	}
	n->own_seq++;
	if (n->own_seq + OWN_SEQ_BLOCK / 2 > n->own_seq_asked &&
	    n->own_seq <= (uint64_t)INT64_MAX - OWN_SEQ_BLOCK) {
		n->own_seq_asked = n->own_seq + OWN_SEQ_BLOCK;
		/* an error here is the journal's sticky fatal one: journal_cb stops the node */
		(void)store_journal_reserve_seq(n->journal, n->own_seq_asked);
	}
	struct pending_env *pe = &n->pending[n->n_pending++];
	pe->off = before;
	pe->len = mw_buf_used(&n->bodies) - before;
	pe->seq = b.seq;
	pe->kind = wire_kind;
	pe->data_ns = data_t_ns;
	pe->exercise = exercise;
	if (n->n_pending >= n->conf->sign_batch_max) {
		flush_batch(n);
	} else if (!n->flush_armed) {
		int64_t since = mw_time_mono_ns() - n->last_sign_mono;
		n->flush_armed = true;
		if (since >= n->conf->sign_window_ns) {
			event_active(n->flush_ev, EV_TIMEOUT, 0); /* end of this iteration */
		} else {
			struct timeval tv = tv_of_ns(n->conf->sign_window_ns - since);
			evtimer_add(n->flush_ev, &tv);
		}
	}
	return 0;
}

/* ------------------------------------------------------------ receiving */

/* Outcome of one frame: consumed, or retry later (reading paused), or
 * the connection was closed (c is freed). */
enum frame_res { FR_OK = 0, FR_RETRY = 1, FR_CLOSED = -1 };

static enum frame_res protocol_error(struct conn *c, enum net_reject r, const char *detail)
{
	reject(c->node, r, c, detail);
	conn_close(c);
	return FR_CLOSED;
}

static void pause_read(struct conn *c)
{
	if (!c->read_paused) {
		c->read_paused = true;
		c->node->stats.read_pauses++;
		bufferevent_disable(c->bev, EV_READ);
	}
}

/* Record the outcome of an envelope frame that is not journaled. */
static enum frame_res envelope_noted(struct conn *c, uint64_t from_pos)
{
	int rc = store_journal_note_rx(c->node->journal, c->peer->conf->nation, from_pos);
	if (rc == -ENOBUFS) {
		c->peer->rx_frames--;
		c->peer->env_rx--;
		c->node->stats.env_rx--;
		c->note_retry = true; /* its rejection is counted: not again */
		pause_read(c);
		return FR_RETRY;
	}
	c->note_retry = false;
	if (rc < 0)
		mw_logf(c->node->log, MW_LOG_ERROR, MOD, "journal note_rx: %s", mw_strerror(rc));
	c->peer->rx_max_pos = from_pos;
	return FR_OK;
}

static enum frame_res on_envelope(struct conn *c, const uint8_t *p, size_t len)
{
	struct net_node *n = c->node;
	struct peer *pe = c->peer;
	uint64_t from_pos = pe->rx_base + (++pe->rx_frames);
	n->stats.env_rx++;
	pe->env_rx++;
	if (c->note_retry) /* judged before: rejections count once (invariant 4) */
		return envelope_noted(c, from_pos);
	struct wire_envelope e;
	char detail[160];
	if (n->on_trace)
		n->on_trace(n->hook_ud, NET_TRACE_RX_FRAME, pe->conf->nation, from_pos);
	if (!n->rx_accept_ns) /* one clock read for the frames of a read */
		n->rx_accept_ns = mw_time_now_ns();
	int rc = wire_envelope_decode_in(&n->rx_scratch, p, len, &e);
	if (rc) {
		snprintf(detail, sizeof(detail), "envelope does not decode: %s", mw_errname(rc));
		reject(n, NET_REJ_DECODE, c, detail);
		return envelope_noted(c, from_pos);
	}
	enum net_reject why = NET_REJ_COUNT;
	const struct wire_body *h = &e.hdr;
	enum net_reject rel = net_release_check_rx(h, n->conf->nation, pe->conf->nation);
	if (rel == NET_REJ_NOT_RELEASED) {
		why = rel;
		snprintf(detail, sizeof(detail), "%s seq %llu is not released to %s", h->origin,
		         (unsigned long long)h->seq, n->conf->nation);
	} else if (rel == NET_REJ_RELAY_NOT_RELEASED) {
		why = rel;
		snprintf(detail, sizeof(detail),
		         "%s seq %llu relayed by %s, which is not in its set", h->origin,
		         (unsigned long long)h->seq, pe->conf->nation);
	} else if ((rc = wire_verify(n->keyring, n->sigcache, &e)) != 0) {
		why = rc == -MW_ENOKEY ? NET_REJ_NOKEY : NET_REJ_SIG;
		snprintf(detail, sizeof(detail), "%s seq %llu origin authentication failed: %s",
		         h->origin, (unsigned long long)h->seq, mw_errname(rc));
	} else if ((rc = wire_payload_check(h)) != 0) {
		/* only an authenticated body's payload is parsed (invariant 7) */
		why = rc == -MW_EEXERCISE ? NET_REJ_EXERCISE_MISMATCH : NET_REJ_DECODE;
		snprintf(detail, sizeof(detail), "%s seq %llu payload invalid: %s", h->origin,
		         (unsigned long long)h->seq, mw_errname(rc));
	}
	if (why != NET_REJ_COUNT) {
		wire_envelope_finish(&e);
		reject(n, why, c, detail);
		return envelope_noted(c, from_pos);
	}
	if (n->on_trace)
		n->on_trace(n->hook_ud, NET_TRACE_RX_VERIFIED, pe->conf->nation, from_pos);
	struct store_rec rec;
	memset(&rec, 0, sizeof(rec));
	memcpy(rec.origin, h->origin, MW_NATION_LEN);
	rec.seq = h->seq;
	rec.kind = (uint32_t)h->kind;
	rec.flags = h->exercise ? STORE_F_EXERCISE : 0;
	release_join(rec.release, sizeof(rec.release), (const char(*)[MW_NATION_LEN])h->release,
	             h->n_release);
	rec.data_ns = h->data_t_ns;
	memcpy(rec.from_peer, pe->conf->nation, NET_NATION_LEN);
	rec.from_pos = from_pos;
	rec.accept_ns = n->rx_accept_ns;
	rec.bytes = p;
	rec.len = len;
	uint64_t seq = h->seq;
	char origin[MW_NATION_LEN];
	memcpy(origin, h->origin, MW_NATION_LEN);
	wire_envelope_finish(&e);
	uint64_t pos = 0;
	rc = store_journal_append(n->journal, &rec, &pos);
	if (rc == 0) {
		n->stats.env_journaled++;
		cache_put(n, pos, &rec);
		if (n->on_journal)
			n->on_journal(n->hook_ud, origin, seq, pos);
		pe->rx_max_pos = from_pos;
		return FR_OK;
	}
	if (rc == -MW_EREPLAY) {
		snprintf(detail, sizeof(detail), "%s seq %llu already journaled", origin,
		         (unsigned long long)seq);
		reject(n, NET_REJ_REPLAY, c, detail);
		return envelope_noted(c, from_pos);
	}
	if (rc == -ENOBUFS) {
		pe->rx_frames--;
		pe->env_rx--;
		n->stats.env_rx--;
		pause_read(c);
		return FR_RETRY;
	}
	/* Any other journal error (out of memory, I/O): the envelope is not
	 * stored, so it must not be noted as handled - that would let the
	 * cursor, and so an Ack, pass it and the sender would never resend
	 * it (invariant 2). Close the link instead: the peer resends from its
	 * acked cursor when it reconnects. A permanent journal error stops
	 * the node through the journal's fatal-error path. */
	pe->env_rx--;
	n->stats.env_rx--;
	snprintf(detail, sizeof(detail),
	         "%s seq %llu: journal refused: %s; closing the link so that the peer resends",
	         origin, (unsigned long long)seq, mw_errname(rc));
	return protocol_error(c, NET_REJ_OVERLOAD, detail);
}

static enum frame_res on_ack(struct conn *c, const uint8_t *p, size_t len)
{
	struct peer *pe = c->peer;
	Mwlink__Ack *a = NULL;
	if (wire_ack_decode(p, len, &a) != 0)
		return protocol_error(c, NET_REJ_DECODE, "ack does not decode");
	if (!a->has_frames || a->frames < pe->frames_acked || a->frames > pe->frames_sent) {
		char d[128];
		snprintf(d, sizeof(d), "ack of %llu frames; sent %llu, acked %llu",
		         (unsigned long long)a->frames, (unsigned long long)pe->frames_sent,
		         (unsigned long long)pe->frames_acked);
		wire_msg_free(a);
		return protocol_error(c, NET_REJ_UNEXPECTED, d);
	}
	uint64_t k = a->frames - pe->frames_acked;
	wire_msg_free(a);
	c->node->stats.acks_rx++;
	uint64_t last = 0;
	for (uint64_t i = 0; i < k; i++) {
		last = pe->fifo[pe->fifo_head];
		pe->fifo_head = (pe->fifo_head + 1) % pe->fifo_cap;
		pe->fifo_count--;
	}
	pe->frames_acked += k;
	if (k && last > pe->acked_pos) {
		pe->acked_pos = last;
		persist_acked(pe);
	}
	pump(pe);
	return FR_OK;
}

static enum frame_res on_heartbeat(struct conn *c, const uint8_t *p, size_t len)
{
	struct net_node *n = c->node;
	Mwlink__Heartbeat *hb = NULL;
	if (wire_heartbeat_decode(p, len, &hb) != 0)
		return protocol_error(c, NET_REJ_DECODE, "heartbeat does not decode");
	int64_t now = mw_time_mono_ns();
	c->hb_peer_send = hb->send_t_ns;
	c->hb_peer_rx_mono = now;
	if (hb->has_echo_t_ns && hb->echo_t_ns > 0 && hb->echo_t_ns <= now) {
		int64_t hold = hb->has_echo_hold_ns ? hb->echo_hold_ns : 0;
		int64_t sample = now - hb->echo_t_ns - hold;
		if (sample >= 0) {
			struct peer *pe = c->peer;
			pe->srtt_ns = net_rtt_update(pe->srtt_ns, sample);
			peer_set_state(pe, pe->srtt_ns > n->conf->degraded_rtt_ns ? NET_LEV_RTT_HIGH
			                                                          : NET_LEV_RTT_OK);
		}
	}
	wire_msg_free(hb);
	return FR_OK;
}

static enum frame_res on_hello(struct conn *c, const uint8_t *p, size_t len)
{
	struct net_node *n = c->node;
	struct peer *pe = c->peer;
	Mwlink__Hello *h = NULL;
	char d[160];
	int rc = wire_hello_decode(p, len, &h);
	if (rc)
		return protocol_error(c, NET_REJ_HELLO, "hello does not decode");
	if (h->protocol_version != WIRE_PROTOCOL_VERSION || strcmp(h->nation, c->nation) != 0) {
		snprintf(d, sizeof(d), "hello: version %u nation %.3s; certificate nation %s",
		         h->protocol_version, h->nation, c->nation);
		wire_msg_free(h);
		return protocol_error(c, NET_REJ_HELLO, d);
	}
	pe->peer_max_frame = h->has_max_frame ? h->max_frame : WIRE_FRAME_MAX_DEFAULT;
	wire_msg_free(h);
	c->hello_rcvd = true;
	pe->attempt = 0;
	pe->rx_base = pe->rx_max_pos;
	pe->rx_frames = 0;
	pe->acked_frames_sent = 0;
	pe->durable_frames = 0;
	pe->frames_sent = pe->frames_acked = 0;
	pe->fifo_head = pe->fifo_count = 0;
	pe->tx_next = pe->acked_pos + 1;
	pe->connects++;
	n->stats.links_up++;
	peer_set_state(pe, NET_LEV_ESTABLISHED);
	struct mw_log_field f[] = {
	    MW_LOG_STR("peer", pe->conf->name),
	    MW_LOG_STR("nation", pe->conf->nation),
	    MW_LOG_STR("addr", c->addr),
	    MW_LOG_INT("resume_pos", (int64_t)pe->tx_next),
	};
	mw_log_kv(n->log, MW_LOG_NOTICE, MOD, "link up", f, 4);
	pump(pe);
	return FR_OK;
}

struct sensor_key {
	uint32_t id;
	uint8_t pub[WIRE_PUBKEY_LEN];
};

static int sensor_key_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct sensor_key *)a)->id, y = ((const struct sensor_key *)b)->id;
	return (x > y) - (x < y);
}

/* The sensor number of a file name "sensor-<N>.sign.pub" (N decimal,
 * 1..UINT32_MAX, no leading zero), 0 if it is not one. */
static uint32_t sensor_key_file_id(const char *nm)
{
	static const char pre[] = "sensor-", suf[] = ".sign.pub";
	size_t len = strlen(nm), lp = sizeof(pre) - 1, ls = sizeof(suf) - 1;
	if (len <= lp + ls || strncmp(nm, pre, lp) != 0 || strcmp(nm + len - ls, suf) != 0)
		return 0;
	uint64_t v = 0;
	const char *d = nm + lp, *end = nm + len - ls;
	if (*d == '0' || end - d > 10)
		return 0;
	for (; d < end; d++) {
		if (*d < '0' || *d > '9')
			return 0;
		v = v * 10 + (uint64_t)(*d - '0');
	}
	return v <= UINT32_MAX ? (uint32_t)v : 0;
}

/* Load [ingest] sensor_keys (dir): every sensor-<N>.sign.pub in it. The
 * number of keys, or a negative error with err naming the file. */
static int sensor_keys_load(struct net_node *n, const char *dir, struct mw_errbuf *err)
{
	DIR *d = opendir(dir);
	if (!d) {
		int e = errno;
		mw_errbuf_set(err, "[ingest] sensor_keys %s: %s", dir, strerror(e));
		return -e;
	}
	size_t cap = 0;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		uint32_t id = sensor_key_file_id(de->d_name);
		if (!id)
			continue;
		if (n->n_sensor_keys == cap) {
			size_t nc = cap ? 2 * cap : 16;
			struct sensor_key *k = realloc(n->sensor_keys, nc * sizeof(*k));
			if (!k) {
				rc = -ENOMEM;
				break;
			}
			n->sensor_keys = k;
			cap = nc;
		}
		char path[NET_PATH_MAX + 300];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		struct sensor_key *k = &n->sensor_keys[n->n_sensor_keys];
		k->id = id;
		if ((rc = wire_pubkey_read_pem(path, k->pub)) < 0) {
			mw_errbuf_set(err, "sensor key %s: %s", path, mw_strerror(rc));
			break;
		}
		n->n_sensor_keys++;
	}
	closedir(d);
	if (rc < 0)
		return rc;
	qsort(n->sensor_keys, n->n_sensor_keys, sizeof(*n->sensor_keys), sensor_key_cmp);
	return (int)n->n_sensor_keys;
}

static const struct sensor_key *sensor_key_find(const struct net_node *n, uint32_t id)
{
	struct sensor_key key = {.id = id};
	if (!n->n_sensor_keys)
		return NULL;
	return bsearch(&key, n->sensor_keys, n->n_sensor_keys, sizeof(key), sensor_key_cmp);
}

/* Invariant 8: may this observation of sensor c->sensor_id (signature
 * sig, payload p) be journaled? true, or false with d saying why. */
static bool sensor_sig_ok(const struct net_node *n, const struct conn *c, const uint8_t *p,
                          const struct wire_obs_sig *sig, char *d, size_t cap)
{
	if (!n->conf->sensor_keys[0])
		return true; /* no keys: signatures are kept, not checked */
	if (!sig->present) {
		if (!n->conf->require_sensor_sig)
			return true;
		snprintf(d, cap, "sensor %s/%u: observation not signed (require_sensor_sig)",
		         c->nation, c->sensor_id);
		return false;
	}
	const struct sensor_key *k = sensor_key_find(n, c->sensor_id);
	if (!k) {
		snprintf(d, cap, "sensor %s/%u: no key registered in [ingest] sensor_keys",
		         c->nation, c->sensor_id);
		return false;
	}
	if (wire_obs_sig_verify(k->pub, p, sig) != 0) {
		snprintf(d, cap, "sensor %s/%u: signature does not verify under its key", c->nation,
		         c->sensor_id);
		return false;
	}
	return true;
}

/* An Observation frame of a sensor, p/len its payload, already decoded
 * (rc, *o, *sig: wire_obs_decode_sig's result). */
static enum frame_res on_observation(struct conn *c, const uint8_t *p, size_t len, int rc,
                                     const struct mw_obs *o, const struct wire_obs_sig *sig)
{
	struct net_node *n = c->node;
	char d[160];
	n->stats.obs_rx++;
	if (rc) {
		snprintf(d, sizeof(d), "observation does not decode: %s", mw_errname(rc));
		reject(n, NET_REJ_DECODE, c, d);
		return FR_OK;
	}
	if (strcmp(o->nation, n->conf->nation) != 0 || o->sensor_id != c->sensor_id) {
		snprintf(d, sizeof(d), "observation claims sensor %s/%u; certificate is %s/%u",
		         o->nation, o->sensor_id, c->nation, c->sensor_id);
		reject(n, NET_REJ_SPOOFED_ORIGIN, c, d);
		return FR_OK;
	}
	if (n->n_pending >= n->conf->sign_batch_max)
		flush_batch(n);
	/* the journal queue is the back-pressure point for sensors too */
	struct store_journal_stats st;
	store_journal_get_stats(n->journal, &st);
	if (st.queue_len + n->n_pending >= n->conf->max_pending) {
		n->stats.obs_rx--; /* the frame is read again: count it once */
		pause_read(c);
		return FR_RETRY;
	}
	/* after the back-pressure point: a frame is verified once */
	if (!sensor_sig_ok(n, c, p, sig, d, sizeof(d))) {
		reject(n, NET_REJ_SENSOR_SIG, c, d);
		return FR_OK;
	}
	/* Invariant 6: the sensor's exercise declaration travels with the
	 * data. A live node keeps a sensor's exercise data as exercise (its
	 * own picture); an exercise node marks everything exercise. */
	bool exercise = n->conf->ingest_exercise || o->exercise;
	rc = net_node_originate(n, WIRE_KIND_OBSERVATION, o->t_ns, exercise, p, len);
	if (rc) {
		snprintf(d, sizeof(d), "cannot originate: %s", mw_errname(rc));
		reject(n, NET_REJ_OVERLOAD, c, d);
		return FR_OK;
	}
	if (sig->present)
		n->stats.obs_signed++; /* journaled (queued) with its signature */
	if (o->exercise) {
		n->stats.obs_exercise++;
		if (!c->exercise_logged) {
			c->exercise_logged = true;
			struct mw_log_field f[] = {
			    MW_LOG_STR("sensor", c->cn),
			    MW_LOG_STR("addr", c->addr),
			    MW_LOG_STR("node_exercise", n->conf->ingest_exercise ? "yes" : "no"),
			};
			mw_log_kv(n->log, n->conf->ingest_exercise ? MW_LOG_INFO : MW_LOG_WARN, MOD,
			          "sensor sends exercise data: journaled as exercise", f, 3);
		}
	}
	return FR_OK;
}

/* A frame of a link (a sensor's go through ingest_cb). */
static enum frame_res on_frame(struct conn *c, const struct wire_frame *f)
{
	if (!c->hello_rcvd) {
		if (f->type != WIRE_FT_HELLO)
			return protocol_error(c, NET_REJ_HELLO, "first frame is not a hello");
		return on_hello(c, f->payload, f->len);
	}
	switch (f->type) {
	case WIRE_FT_ENVELOPE:
		return on_envelope(c, f->payload, f->len);
	case WIRE_FT_ACK:
		return on_ack(c, f->payload, f->len);
	case WIRE_FT_HEARTBEAT:
		return on_heartbeat(c, f->payload, f->len);
	default: {
		char d[64];
		snprintf(d, sizeof(d), "%s frame on an established link",
		         wire_frame_type_str(f->type));
		return protocol_error(c, NET_REJ_UNEXPECTED, d);
	}
	}
}

/*
 * The frame at the head of c's input: its length (header included) with
 * *f pointing into the input, 0 if no whole frame is there yet, or -1
 * when the frame is malformed or too large (c is then closed and freed).
 */
static int head_frame(struct conn *c, struct evbuffer *in, struct wire_frame *f)
{
	uint32_t maxf = c->node->conf->max_frame_bytes;
	size_t avail = evbuffer_get_length(in);
	if (avail == 0)
		return 0;
	size_t want = avail < WIRE_FRAME_HDR_LEN ? avail : WIRE_FRAME_HDR_LEN;
	uint8_t *h = evbuffer_pullup(in, (ev_ssize_t)want);
	int rc = wire_frame_parse(h, want, maxf, f);
	if (rc == -EAGAIN && want == WIRE_FRAME_HDR_LEN) {
		uint32_t len =
		    ((uint32_t)h[6] << 24) | ((uint32_t)h[7] << 16) | ((uint32_t)h[8] << 8) | h[9];
		size_t total = WIRE_FRAME_HDR_LEN + (size_t)len;
		if (avail < total)
			return 0;
		h = evbuffer_pullup(in, (ev_ssize_t)total);
		rc = wire_frame_parse(h, total, maxf, f);
	}
	if (rc == -EAGAIN)
		return 0;
	if (rc == -EMSGSIZE) {
		char d[96];
		snprintf(d, sizeof(d), "frame length above max_frame %u", maxf);
		protocol_error(c, NET_REJ_FRAME_OVERSIZE, d);
		return -1;
	}
	if (rc < 0) {
		protocol_error(c, NET_REJ_FRAME_GARBAGE, "malformed frame header");
		return -1;
	}
	return rc;
}

/* A link's frames, in the order they came. */
static void conn_read_frames(struct bufferevent *bev, struct conn *c)
{
	struct net_node *n = c->node;
	struct evbuffer *in = bufferevent_get_input(bev);
	if (n->on_trace && c->peer && c->peer->conn == c)
		n->on_trace(n->hook_ud, NET_TRACE_RX_READ, c->peer->conf->nation,
		            c->peer->rx_base + c->peer->rx_frames + 1);
	int64_t t_mono = 0;
	n->rx_accept_ns = 0; /* on_envelope reads the clock once for all */
	while (!c->read_paused) {
		struct wire_frame f;
		int len = head_frame(c, in, &f);
		if (len <= 0)
			return; /* nothing whole yet, or c closed */
		if (!t_mono)
			t_mono = mw_time_mono_ns();
		c->last_rx_mono = t_mono;
		enum frame_res r = on_frame(c, &f);
		if (r == FR_CLOSED)
			return;
		if (r == FR_RETRY)
			break;
		evbuffer_drain(in, (size_t)len);
	}
}

static void conn_lost(struct conn *c, short events, unsigned long ssl_err);

/*
 * A sensor's TLS records that are already waiting, read at once into its
 * input, at most cap bytes more (and never leaving part of a record
 * inside OpenSSL, which would wait for the next packet). libevent's
 * bufferevent_openssl (2.1) reads at most two TLS records a readable
 * event on a socket, and a sensor that writes each measurement when it is
 * made (mwlink sim --connect flushes at every data time) sends one record
 * each: with loop iterations of tens of ms (national tracking, a
 * sanitizer build, a loaded host) a busy sensor was read two records an
 * iteration and fell behind the others by up to minutes of data time
 * (docs/operations.md, "The order a node ingests in"). The bytes are the
 * ones libevent's own read would have put there, in the same order.
 * Returns the bytes added; *lost is BEV_EVENT_EOF or BEV_EVENT_ERROR (and
 * *ssl_err the first error) when the connection ended or failed. A
 * WANT_READ/WANT_WRITE stops it and is left to libevent's next read.
 */
static size_t sensor_pull(struct conn *c, size_t cap, short *lost, unsigned long *ssl_err)
{
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t got = 0;
	while (ssl && (got < cap || SSL_pending(ssl) > 0)) {
		struct evbuffer_iovec v;
		if (evbuffer_reserve_space(in, PULL_CHUNK, &v, 1) != 1)
			break;
		int want = v.iov_len < PULL_CHUNK ? (int)v.iov_len : (int)PULL_CHUNK;
		ERR_clear_error();
		errno = 0;
		int r = SSL_read(ssl, v.iov_base, want);
		if (r > 0) {
			v.iov_len = (size_t)r;
			evbuffer_commit_space(in, &v, 1);
			got += (size_t)r;
			continue;
		}
		evbuffer_commit_space(in, &v, 0);
		int e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			break;
		*ssl_err = ERR_peek_error();
		/* close_notify, or a TCP close without it (allowed, as for
		 * libevent: bufferevent_openssl_set_allow_dirty_shutdown) */
		if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && !*ssl_err && !errno))
			*lost = BEV_EVENT_EOF | BEV_EVENT_READING;
		else
			*lost = BEV_EVENT_ERROR | BEV_EVENT_READING;
		ERR_clear_error();
		break;
	}
	return got;
}

/* c has frames waiting for the merge: run ingest_cb at the end of this
 * loop iteration, after every other read callback libevent has queued. */
static void ingest_arm(struct conn *c)
{
	struct net_node *n = c->node;
	c->ingest_ready = true;
	if (!n->ingest_armed) {
		n->ingest_armed = true;
		event_active(n->ingest_ev, EV_TIMEOUT, 0);
	}
}

/*
 * The frames of one read are journaled as one commit group: the journal
 * thread is woken when they are all queued (store_journal_plug), not at
 * the first, which would commit it alone and leave the rest of the burst
 * (one signed batch, one TLS record) waiting behind that commit. c may be
 * freed inside; the node is not.
 *
 * A sensor's frames are not handled here: its callback reads on what its
 * connection has waiting (sensor_pull, up to the read high watermark, as
 * libevent keeps an input) and leaves them to ingest_cb, which takes the
 * frames of all sensors read in this loop iteration in data-time order.
 */
static void conn_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct net_node *n = c->node;
	if (c->role == CONN_SENSOR) {
		struct evbuffer *in = bufferevent_get_input(bev);
		size_t high = n->conf->max_frame_bytes + WIRE_FRAME_HDR_LEN + READ_SLACK_BYTES;
		size_t have = evbuffer_get_length(in);
		if (c->tls_up && !c->read_paused && !c->lost_events && have < high) {
			short lost = 0;
			unsigned long ssl_err = 0;
			sensor_pull(c, high - have, &lost, &ssl_err);
			if (lost) {
				c->lost_events = lost;
				c->lost_err = ssl_err;
			}
		}
		if (evbuffer_get_length(in) > 0 || c->lost_events)
			ingest_arm(c);
		return;
	}
	struct store_journal *j = n->journal;
	store_journal_plug(j);
	conn_read_frames(bev, c);
	store_journal_unplug(j);
}

/*
 * The merge of the sensors' frames read in this loop iteration: the
 * Observation of the earliest data time first, across connections (ties:
 * the order of the connection list), one frame at a time, until no
 * sensor has a whole frame left or max_frames are journaled (ingest_cb:
 * INGEST_PASS_MAX; the rest wait for the next iteration and are merged
 * with what is read then). Each sensor is a separate connection, so
 * a node that spent a while on other work (the national tracker, a
 * commit, a descheduled process) finds several of them with frames
 * waiting; taking one connection's then the next's journaled up to that
 * while of data time out of order, which sent the tracker down its
 * out-of-sequence path. The order within one sensor is kept (its frames
 * are in data-time order when it sends so; a frame that does not decode
 * sorts first and is rejected). A full journal queue stops it (the
 * connection whose frame waits is paused: journal_cb resumes it); a
 * connection that ended is closed once its whole frames are handled.
 */
static void ingest_run(struct net_node *n, size_t max_frames)
{
	n->ingest_armed = false;
	store_journal_plug(n->journal);
	int64_t t_mono = mw_time_mono_ns();
	size_t done = 0;
	bool more = false;
	for (;;) {
		struct conn *best = NULL;
		for (struct conn *c = n->conns, *next; c; c = next) {
			next = c->next;
			if (!c->ingest_ready || c->read_paused)
				continue;
			if (!c->head_valid) {
				struct wire_frame f;
				int len = head_frame(c, bufferevent_get_input(c->bev), &f);
				if (len < 0)
					continue; /* closed */
				if (len == 0) {
					c->ingest_ready = false;
					if (c->lost_events)
						conn_lost(c, c->lost_events, c->lost_err);
					continue;
				}
				c->head_rc = f.type == WIRE_FT_OBSERVATION
				                 ? wire_obs_decode_sig(f.payload, f.len,
				                                       &c->head_obs, &c->head_sig)
				                 : 0;
				if (c->head_rc || f.type != WIRE_FT_OBSERVATION)
					c->head_obs.t_ns = INT64_MIN;
				c->head_valid = true;
			}
			if (!best || c->head_obs.t_ns < best->head_obs.t_ns)
				best = c;
		}
		if (!best)
			break;
		if (done == max_frames) {
			more = true;
			break;
		}
		struct evbuffer *in = bufferevent_get_input(best->bev);
		struct wire_frame f;
		int len = head_frame(best, in, &f); /* the same frame, parsed again */
		if (len < 0)
			continue; /* closed (cannot happen: it parsed before) */
		if (len == 0) {
			/* cannot happen: it was whole */
			best->head_valid = best->ingest_ready = false;
			continue;
		}
		best->last_rx_mono = t_mono;
		enum frame_res r;
		if (f.type != WIRE_FT_OBSERVATION)
			r = protocol_error(best, NET_REJ_UNEXPECTED,
			                   "sensors may send only observation frames");
		else
			r = on_observation(best, f.payload, f.len, best->head_rc, &best->head_obs,
			                   &best->head_sig);
		if (r == FR_CLOSED)
			continue;
		if (r == FR_RETRY)
			break; /* the journal queue is full: journal_cb resumes */
		evbuffer_drain(in, (size_t)len);
		best->head_valid = false;
		done++;
	}
	store_journal_unplug(n->journal);
	if (more) { /* the rest in the next loop iteration: a timer due at once */
		struct timeval now = {0, 0};
		if (evtimer_add(n->ingest_ev, &now) == 0)
			n->ingest_armed = true;
	}
}

static void ingest_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ingest_run(arg, INGEST_PASS_MAX);
}

static void conn_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	struct conn *c = arg;
	if (c->peer && c->peer->conn == c) {
		send_owed_ack(c->peer);
		pump(c->peer);
	}
}

/* TLS handshake done: check who it is. */
static void on_tls_up(struct conn *c)
{
	struct net_node *n = c->node;
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	X509 *cert = ssl ? SSL_get0_peer_certificate(ssl) : NULL;
	struct net_cert_identity id;
	struct mw_errbuf err = {{0}};
	char d[200];
	if (!cert) {
		protocol_error(c, NET_REJ_CERT_MISSING, "no peer certificate");
		return;
	}
	if (net_pki_cert_identity(cert, &id, &err) != 0) {
		protocol_error(c, NET_REJ_CERT_IDENTITY, err.msg);
		return;
	}
	c->tls_up = true;
	memcpy(c->cn, id.cn, sizeof(c->cn));
	memcpy(c->nation, id.nation, sizeof(c->nation));
	if (c->role == CONN_SENSOR) {
		if (!id.is_sensor) {
			snprintf(d, sizeof(d), "certificate %s is not a sensor certificate", id.cn);
			c->tls_up = false;
			protocol_error(c, NET_REJ_CERT_IDENTITY, d);
			return;
		}
		if (strcmp(id.nation, n->conf->nation) != 0) {
			snprintf(d, sizeof(d), "sensor %s is of nation %s, this node is %s", id.cn,
			         id.nation, n->conf->nation);
			c->tls_up = false;
			protocol_error(c, NET_REJ_CERT_NATION, d);
			return;
		}
		if (n->n_sensors >= n->conf->max_sensors) {
			c->tls_up = false;
			protocol_error(c, NET_REJ_OVERLOAD, "too many sensor connections");
			return;
		}
		n->n_sensors++;
		c->sensor_id = id.sensor_id;
		c->cert_na_s = asn1_unix_s(X509_get0_notAfter(cert));
		n->stats.sensors_connected++;
		struct mw_log_field f[] = {MW_LOG_STR("sensor", id.cn),
		                           MW_LOG_STR("addr", c->addr)};
		mw_log_kv(n->log, MW_LOG_INFO, MOD, "sensor connected", f, 2);
		cert_arm(n); /* its notAfter may be the next event */
		return;
	}
	if (id.is_sensor || !id.nation[0]) {
		snprintf(d, sizeof(d), "certificate %s is not a node certificate", id.cn);
		protocol_error(c, NET_REJ_CERT_IDENTITY, d);
		return;
	}
	struct peer *pe = c->role == CONN_DIAL ? c->peer : peer_by_nation(n, id.nation);
	if (!pe || strcmp(pe->conf->nation, id.nation) != 0) {
		if (pe)
			snprintf(d, sizeof(d), "certificate %s is of nation %s; peer %s is %s",
			         id.cn, id.nation, pe->conf->name, pe->conf->nation);
		else
			snprintf(d, sizeof(d),
			         "certificate %s is of nation %s: no peer of that nation", id.cn,
			         id.nation);
		protocol_error(c, NET_REJ_CERT_NATION, d);
		return;
	}
	if (strcmp(pe->conf->identity, id.cn) != 0) {
		snprintf(d, sizeof(d), "certificate CN %s; peer %s expects %s", id.cn,
		         pe->conf->name, pe->conf->identity);
		protocol_error(c, NET_REJ_CERT_IDENTITY, d);
		return;
	}
	{
		int64_t na = asn1_unix_s(X509_get0_notAfter(cert));
		if (!pe->cert_seen || na != pe->cert_na_s)
			pe->cert_warned = false; /* a renewed certificate: warn afresh */
		pe->cert_seen = true;
		pe->cert_na_s = na;
		expiry_warn(n, "peer", pe->conf->name, na, mw_time_now_ns() / MW_NS_PER_S,
		            &pe->cert_warned);
		cert_arm(n); /* its warning threshold may be the next event */
	}
	if (c->role == CONN_ACCEPT) {
		if (pe->conn && pe->conn != c) {
			/* the same authenticated peer again: its old connection is dead
			 * (e.g. it restarted before our heartbeat timeout noticed) */
			struct conn *old = pe->conn;
			int64_t age_ms = (mw_time_mono_ns() - old->last_rx_mono) / MW_NS_PER_MS;
			pe->replaced++;
			struct mw_log_field f[] = {
			    MW_LOG_STR("peer", pe->conf->name),
			    MW_LOG_STR("nation", pe->conf->nation),
			    MW_LOG_STR("old_state", net_link_state_str(pe->state)),
			    MW_LOG_STR("old_addr", old->addr),
			    MW_LOG_STR("new_addr", c->addr),
			    MW_LOG_INT("old_last_rx_ms", age_ms),
			    MW_LOG_INT("replaced", (int64_t)pe->replaced),
			};
			char msg[160];
			snprintf(msg, sizeof(msg),
			         "peer %s connected again: its new link replaces the old one "
			         "(last frame on the old one %lld ms ago)",
			         pe->conf->name, (long long)age_ms);
			mw_log_kv(n->log, MW_LOG_WARN, MOD, msg, f, sizeof(f) / sizeof(f[0]));
			conn_close(old);
		}
		if (pe->dial_ev)
			event_del(pe->dial_ev);
		pe->conn = c;
		c->peer = pe;
		peer_set_state(pe, NET_LEV_ACCEPTED);
	} else {
		peer_set_state(pe, NET_LEV_CONNECTED);
	}
	send_hello(c);
}

static void conn_event(struct bufferevent *bev, short events, void *arg)
{
	struct conn *c = arg;
	if (events & BEV_EVENT_CONNECTED) {
		on_tls_up(c);
		return;
	}
	if (!(events & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT)))
		return;
	if (c->role == CONN_SENSOR && c->tls_up &&
	    evbuffer_get_length(bufferevent_get_input(bev))) {
		/* what it sent before it went is journaled first (ingest_cb) */
		c->lost_events = events;
		c->lost_err = bufferevent_get_openssl_error(bev);
		ingest_arm(c);
		return;
	}
	conn_lost(c, events, bufferevent_get_openssl_error(bev));
}

/* The connection ended (EOF) or failed: log it as a rejection or a close,
 * and free it. ssl_err: the first OpenSSL error, 0 if none. */
static void conn_lost(struct conn *c, short events, unsigned long ssl_err)
{
	struct net_node *n = c->node;
	struct bufferevent *bev = c->bev;
	char msg[256];
	if (c->cert_gone) { /* rejected and logged by cert_close_expired */
		ERR_clear_error();
		conn_close(c);
		return;
	}
	int sock_err = EVUTIL_SOCKET_ERROR();
	bool authed = c->role == CONN_SENSOR ? c->tls_up : c->hello_rcvd;
	SSL *cssl = bufferevent_openssl_get_ssl(bev);
	bool tls_err = ssl_err && ERR_GET_LIB(ssl_err) == ERR_LIB_SSL;
	bool verified = !cssl || SSL_get_verify_result(cssl) == X509_V_OK;
	if (!c->tls_up && c->role == CONN_DIAL && !tls_err && verified) {
		/* TCP connect failed: not a rejection, just retry later */
		mw_logf(n->log, MW_LOG_DEBUG, MOD, "peer %s: connect %s: %s", c->peer->conf->name,
		        c->addr, sock_err ? evutil_socket_error_to_string(sock_err) : "closed");
	} else if (!authed && (ssl_err || (events & BEV_EVENT_ERROR) || !c->tls_up)) {
		enum net_reject r = net_tls_classify(cssl, ssl_err, msg, sizeof(msg));
		reject(n, r, c, msg);
	} else {
		const char *why = events & BEV_EVENT_EOF ? "closed by the other side" : "error";
		if (ssl_err) {
			ERR_error_string_n(ssl_err, msg, sizeof(msg));
			why = msg;
		}
		const char *who = c->peer ? c->peer->conf->name : (c->cn[0] ? c->cn : c->addr);
		struct mw_log_field f[] = {MW_LOG_STR("who", who), MW_LOG_STR("addr", c->addr),
		                           MW_LOG_STR("why", why)};
		mw_log_kv(n->log, MW_LOG_INFO, MOD, "connection closed", f, 3);
	}
	ERR_clear_error();
	conn_close(c);
}

/* on_trace: the link's output was written out (it is empty after a drain) */
static void trace_out_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;
	struct peer *p = c->peer;
	if (info->n_deleted == 0 || evbuffer_get_length(buf) != 0 || !p || p->conn != c ||
	    p->fifo_count == 0)
		return;
	c->node->on_trace(c->node->hook_ud, NET_TRACE_TX_WRITTEN, p->conf->nation,
	                  p->fifo[(p->fifo_head + p->fifo_count - 1) % p->fifo_cap]);
}

/* on_trace: decrypted bytes arrived in the link's empty input buffer */
static void trace_in_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	(void)buf;
	struct conn *c = arg;
	struct peer *p = c->peer;
	if (info->n_added == 0 || info->orig_size != 0 || !p || p->conn != c)
		return;
	c->node->on_trace(c->node->hook_ud, NET_TRACE_RX_BYTES, p->conf->nation,
	                  p->rx_base + p->rx_frames + 1);
}

static struct conn *conn_new(struct net_node *n, enum conn_role role, evutil_socket_t fd,
                             SSL_CTX *ctx)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	SSL *ssl = SSL_new(ctx);
	if (!ssl) {
		free(c);
		return NULL;
	}
	c->node = n;
	c->role = role;
	c->created_mono = c->last_rx_mono = mw_time_mono_ns();
	c->bev = bufferevent_openssl_socket_new(n->base, fd, ssl,
	                                        role == CONN_DIAL ? BUFFEREVENT_SSL_CONNECTING
	                                                          : BUFFEREVENT_SSL_ACCEPTING,
	                                        BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (!c->bev) {
		SSL_free(ssl);
		free(c);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	                         n->conf->max_frame_bytes + WIRE_FRAME_HDR_LEN + READ_SLACK_BYTES);
	bufferevent_setwatermark(c->bev, EV_WRITE, OUT_LOW_BYTES, 0);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (n->on_trace && role != CONN_SENSOR) { /* NULL (no stamps) if out of memory */
		c->trace_out = evbuffer_add_cb(bufferevent_get_output(c->bev), trace_out_cb, c);
		c->trace_in = evbuffer_add_cb(bufferevent_get_input(c->bev), trace_in_cb, c);
	}
	c->tick = event_new(n->base, -1, EV_PERSIST, conn_tick, c);
	if (c->tick) {
		struct timeval tv = tv_of_ns(n->conf->heartbeat_ns);
		event_add(c->tick, &tv);
	}
	c->next = n->conns;
	if (n->conns)
		n->conns->prev = c;
	n->conns = c;
	n->n_conns++;
	return c;
}

/* Small frames (acks, heartbeats) must not wait for Nagle's algorithm
 * and the peer's delayed ACK (up to 40 ms on Linux). */
static void set_nodelay(evutil_socket_t fd)
{
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void fmt_addr(const struct sockaddr *sa, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
		port = ntohs(s->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
		port = ntohs(s->sin6_port);
	}
	snprintf(out, cap, "%s:%d", host, port);
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg, enum conn_role role)
{
	(void)l;
	(void)socklen;
	struct net_node *n = arg;
	/* bound connections that have not authenticated yet (each lives at
	 * most [link] timeout): peers twice over, sensors, and some slack */
	size_t cap = 2 * n->n_peers + n->conf->max_sensors + 64;
	if (n->n_conns >= cap) {
		char a[NET_HOST_MAX + 16];
		fmt_addr(sa, a, sizeof(a));
		struct conn tmp;
		memset(&tmp, 0, sizeof(tmp));
		snprintf(tmp.addr, sizeof(tmp.addr), "%s", a);
		reject(n, NET_REJ_OVERLOAD, &tmp, "too many connections");
		evutil_closesocket(fd);
		return;
	}
	set_nodelay(fd);
	struct conn *c = conn_new(n, role, fd, role == CONN_SENSOR ? n->ingest_ctx : n->link_ctx);
	if (!c) {
		evutil_closesocket(fd);
		n->stats.rejects[NET_REJ_OVERLOAD]++;
		return;
	}
	fmt_addr(sa, c->addr, sizeof(c->addr));
}

static void peer_accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                           int socklen, void *arg)
{
	accept_cb(l, fd, sa, socklen, arg, CONN_ACCEPT);
}

static void ingest_accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                             int socklen, void *arg)
{
	accept_cb(l, fd, sa, socklen, arg, CONN_SENSOR);
}

static void dial_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct peer *p = arg;
	struct net_node *n = p->node;
	if (p->conn || p->state != NET_LINK_DOWN || n->stopped)
		return;
	struct sockaddr_storage ss;
	int sslen = sizeof(ss);
	char spec[NET_HOST_MAX + 8];
	snprintf(spec, sizeof(spec), "%s:%u", p->conf->addr.host, p->conf->addr.port);
	if (evutil_parse_sockaddr_port(spec, (struct sockaddr *)&ss, &sslen) != 0) {
		mw_logf(n->log, MW_LOG_ERROR, MOD, "peer %s: bad address %s", p->conf->name, spec);
		return;
	}
	struct conn *c = conn_new(n, CONN_DIAL, -1, n->link_ctx);
	if (!c) {
		schedule_dial(p);
		return;
	}
	snprintf(c->addr, sizeof(c->addr), "%s", spec);
	c->peer = p;
	p->conn = c;
	peer_set_state(p, NET_LEV_DIAL);
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&ss, sslen) != 0) {
		mw_logf(n->log, MW_LOG_DEBUG, MOD, "peer %s: connect %s failed at once",
		        p->conf->name, spec);
		conn_close(c);
		return;
	}
	set_nodelay(bufferevent_getfd(c->bev));
}

static void schedule_dial(struct peer *p)
{
	int64_t d = net_backoff_ns(p->node->conf->reconnect_min_ns, p->node->conf->reconnect_max_ns,
	                           p->attempt, rand01());
	if (p->attempt < 64)
		p->attempt++;
	struct timeval tv = tv_of_ns(d);
	evtimer_add(p->dial_ev, &tv);
}

/* --------------------------------------------------------- journal acks */

/* Send the Ack owed on p's connection, if any. A failed send (output
 * buffer allocation) leaves it owed: it is tried again on the next journal
 * report, writable event and heartbeat tick, so a cursor advance is never
 * left unacknowledged until the next advance or a reconnect. */
static void send_owed_ack(struct peer *p)
{
	if (!p->conn || !p->conn->hello_rcvd || p->durable_frames <= p->acked_frames_sent)
		return;
	Mwlink__Ack a = MWLINK__ACK__INIT;
	a.has_frames = 1;
	a.frames = p->durable_frames;
	if (send_msg(p->conn, WIRE_FT_ACK, &a.base) == 0) {
		p->acked_frames_sent = p->durable_frames;
		p->node->stats.acks_tx++;
		if (p->node->on_trace)
			p->node->on_trace(p->node->hook_ud, NET_TRACE_ACK_SENT, p->conf->nation,
			                  p->rx_base + p->durable_frames);
	}
}

static void durable_cb(void *ud, const char *peer_name, uint64_t rx_pos)
{
	struct net_node *n = ud;
	struct peer *p = peer_by_nation(n, peer_name);
	if (!p || !p->conn || !p->conn->hello_rcvd || rx_pos <= p->rx_base)
		return;
	uint64_t frames = rx_pos - p->rx_base;
	if (frames > p->rx_frames)
		frames = p->rx_frames;
	if (frames > p->durable_frames)
		p->durable_frames = frames;
	send_owed_ack(p);
}

static void journal_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct net_node *n = arg;
	if (n->on_trace) /* before the acks drain() sends */
		n->on_trace(n->hook_ud, NET_TRACE_DURABLE, NULL,
		            store_journal_durable_pos(n->journal));
	int rc = store_journal_drain(n->journal, NULL, durable_cb, n);
	if (rc < 0) {
		/* a fatal journal error (e.g. a failed fsync) means nothing more
		 * can be made durable: stop rather than run without durability */
		mw_logf(n->log, MW_LOG_ERROR, MOD, "journal failed: %s; stopping the node",
		        mw_strerror(rc));
		n->fatal = true;
		event_base_loopexit(n->base, NULL);
		return;
	}
	for (struct conn *c = n->conns, *next; c; c = next) {
		next = c->next;
		if (c->read_paused) {
			c->read_paused = false;
			if (!c->cert_gone) /* (cert_close_expired: reads no more) */
				bufferevent_enable(c->bev, EV_READ);
			bufferevent_trigger(c->bev, EV_READ, 0);
		} else if (c->ingest_ready) {
			ingest_arm(c); /* frames left when another sensor's waited */
		}
	}
	for (size_t i = 0; i < n->n_peers; i++) {
		send_owed_ack(&n->peers[i]);
		pump(&n->peers[i]);
	}
}

/* ------------------------------------------------------------ lifecycle */

static void relisten_cb(evutil_socket_t fd, short what, void *arg);

/* ------------------------------------------------- certificate times */

#define CERT_CHECK_MAX_S 60 /* re-check at least this often (wall-clock jumps) */

static int64_t asn1_unix_s(const ASN1_TIME *t)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

static void fmt_own_fault(const struct net_node *n, const char *why, char *out, size_t cap)
{
	const struct net_node_conf *cf = n->conf;
	if (snprintf(out, cap, "[pki] cert %s (CA %s, [node] nation %s): %s", cf->cert, cf->ca,
	             cf->nation, why) < 0)
		out[0] = '\0'; /* (a long path is cut: the fault is still named) */
}

/* Unix seconds as an ISO 8601 UTC time ("?" if out of range). */
static void fmt_utc_s(int64_t s, char out[32])
{
	time_t t = (time_t)s;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "?");
}

/* One WARN when a certificate's remaining time first falls to
 * [pki] expiry_warn_days or below; *warned is cleared again when it is
 * back above (a renewed certificate). */
static void expiry_warn(struct net_node *n, const char *what, const char *who, int64_t na_s,
                        int64_t now_s, bool *warned)
{
	int64_t warn_s = (int64_t)n->conf->expiry_warn_days * 86400;
	int64_t left = na_s - now_s;
	if (!na_s || warn_s <= 0 || left > warn_s) {
		*warned = false;
		return;
	}
	if (*warned)
		return;
	*warned = true;
	char when[32];
	fmt_utc_s(na_s, when);
	char msg[256];
	if (left > 0)
		snprintf(msg, sizeof(msg), "%s certificate%s%s expires in %.2f days (%s)", what,
		         who ? " of " : "", who ? who : "", (double)left / 86400.0, when);
	else
		snprintf(msg, sizeof(msg), "%s certificate%s%s expired %.2f days ago (%s)", what,
		         who ? " of " : "", who ? who : "", (double)-left / 86400.0, when);
	struct mw_log_field f[] = {MW_LOG_STR("certificate", what),
	                           MW_LOG_STR("peer", who ? who : ""), MW_LOG_INT("expiry_s", left),
	                           MW_LOG_INT("warn_days", n->conf->expiry_warn_days)};
	mw_log_kv(n->log, MW_LOG_WARN, MOD, msg, f, 4);
}

/* The next time something can change: a notBefore/notAfter of the own
 * certificate or the CA, a linked peer's or a connected sensor's notAfter
 * or the sensor CA's (cert_close_expired), or a warning threshold; at
 * most CERT_CHECK_MAX_S away, at least 1 s (a boundary is passed 1 s
 * after its second). */
static int64_t cert_next_s(const struct net_node *n, int64_t now_s)
{
	int64_t warn_s = (int64_t)n->conf->expiry_warn_days * 86400;
	int64_t next = now_s + CERT_CHECK_MAX_S;
	int64_t b[7 + 2 * NET_MAX_PEERS] = {
	    n->own_nb_s,          n->own_na_s,         n->ca_nb_s,       n->ca_na_s,
	    n->own_na_s - warn_s, n->ca_na_s - warn_s, n->sensor_ca_na_s};
	size_t k = 7;
	for (size_t i = 0; i < n->n_peers; i++)
		if (n->peers[i].cert_seen) {
			b[k++] = n->peers[i].cert_na_s - warn_s;
			b[k++] = n->peers[i].cert_na_s;
		}
	for (size_t i = 0; i < k; i++)
		if (b[i] + 1 > now_s && b[i] + 1 < next)
			next = b[i] + 1;
	for (const struct conn *c = n->conns; c; c = c->next)
		if (c->role == CONN_SENSOR && c->tls_up && !c->cert_gone && c->cert_na_s &&
		    c->cert_na_s + 1 > now_s && c->cert_na_s + 1 < next)
			next = c->cert_na_s + 1;
	return next;
}

/*
 * Verify the own certificate against the CA again (net_tls_check_own: its
 * time and the CA's), update own_cert_fault with one log line per change,
 * and log the expiry warnings. Cheap: one verification of a two-link
 * chain. log_change false: at creation, whose caller logs the fault.
 */
static void cert_recheck(struct net_node *n, bool log_change)
{
	struct mw_errbuf err = {{0}};
	bool time_only = false;
	char fault[sizeof(n->own_cert_fault)] = "";
	int rc = net_tls_check_own(n->link_ctx, n->conf->nation, &time_only, &err);
	if (rc != 0 && !time_only) {
		/* (nothing else changes while the node runs: out of memory) */
		mw_logf(n->log, MW_LOG_WARN, MOD, "own certificate re-check failed: %s", err.msg);
		return;
	}
	if (rc != 0)
		fmt_own_fault(n, err.msg, fault, sizeof(fault));
	if (log_change && strcmp(fault, n->own_cert_fault) != 0) {
		if (fault[0])
			mw_logf(n->log, MW_LOG_ERROR, MOD,
			        "own certificate no longer valid: %s: every partner will refuse "
			        "this node's links until it is renewed; sensors, the national "
			        "picture and the API go on",
			        fault);
		else
			mw_logf(n->log, MW_LOG_NOTICE, MOD,
			        "own certificate valid again (was: %s): links can be established",
			        n->own_cert_fault);
	}
	memcpy(n->own_cert_fault, fault, sizeof(fault));
	int64_t now_s = mw_time_now_ns() / MW_NS_PER_S;
	expiry_warn(n, "own", NULL, n->own_na_s, now_s, &n->own_warned);
	expiry_warn(n, "CA", NULL, n->ca_na_s, now_s, &n->ca_warned);
	for (size_t i = 0; i < n->n_peers; i++) {
		struct peer *p = &n->peers[i];
		if (p->cert_seen)
			expiry_warn(n, "peer", p->conf->name, p->cert_na_s, now_s, &p->cert_warned);
	}
}

/*
 * Which of a connection's two notAfters (its own certificate's, own_na_s,
 * and its CA's, ca_na_s; 0 = unknown) has lapsed at now_s - OpenSSL's
 * rule, the one the handshake applies: the current second at or past
 * notAfter. Returns the one that lapsed first (*by_ca: the CA's), or 0
 * if neither has.
 */
static int64_t cert_lapsed_at(int64_t now_s, int64_t own_na_s, int64_t ca_na_s, bool *by_ca)
{
	bool own_gone = own_na_s && now_s >= own_na_s;
	bool ca_gone = ca_na_s && now_s >= ca_na_s;
	*by_ca = ca_gone && (!own_gone || ca_na_s < own_na_s);
	return *by_ca ? ca_na_s : own_gone ? own_na_s : 0;
}

/*
 * The rejection text of a link or connection closed because a
 * certificate lapsed at na (cert_lapsed_at): by_ca, the CA certificate
 * ca (its name as the log says it) lapsed "while <pre><who><post>";
 * else who's own certificate lapsed "while <during>"; then "; <closed>".
 */
static void cert_lapsed_msg(char *d, size_t cap, int64_t now_s, int64_t na, bool by_ca,
                            const char *ca, const char *who, const char *pre, const char *post,
                            const char *during, const char *closed)
{
	char when[32];
	fmt_utc_s(na, when);
	if (by_ca)
		snprintf(d, cap,
		         "the %s expired at %s (%lld s ago) while %s%s%s: its certificate no "
		         "longer verifies; %s",
		         ca, when, (long long)(now_s - na), pre, who, post, closed);
	else
		snprintf(d, cap, "certificate of %s expired at %s (%lld s ago) while %s; %s", who,
		         when, (long long)(now_s - na), during, closed);
}

/*
 * cert_close_expired's close (below) for sensor connections: a sensor whose certificate (the one of
 * its handshake, c->cert_na_s) or the sensor CA ([pki] sensor_ca) is past
 * its notAfter is cut off, counted and logged as cert_expired (one line
 * naming the sensor, its nation and id, and the time). It reads no more;
 * the frames already read from it are handled first, as at any end of a
 * sensor connection (conn_event), and it is then closed without another
 * line (conn_lost). Its reconnection is refused in the handshake.
 */
static void cert_close_sensors(struct net_node *n, int64_t now_s)
{
	for (struct conn *c = n->conns, *next; c; c = next) {
		next = c->next;
		if (c->role != CONN_SENSOR || !c->tls_up || c->cert_gone)
			continue;
		bool by_ca;
		int64_t na = cert_lapsed_at(now_s, c->cert_na_s, n->sensor_ca_na_s, &by_ca);
		if (!na)
			continue;
		char who[160], d[320];
		snprintf(who, sizeof(who), "sensor %u of nation %s (%s)", (unsigned)c->sensor_id,
		         c->nation, c->cn);
		cert_lapsed_msg(d, sizeof(d), now_s, na, by_ca, "sensor CA certificate", who, "",
		                " was connected", "it was connected", "connection closed");
		reject(n, NET_REJ_CERT_EXPIRED, c, d);
		c->cert_gone = true;
		bufferevent_disable(c->bev, EV_READ);
		if (evbuffer_get_length(bufferevent_get_input(c->bev)) == 0) {
			conn_close(c);
			continue;
		}
		/* its frames already read first (ingest_run), then conn_lost */
		c->lost_events = BEV_EVENT_EOF | BEV_EVENT_READING;
		c->lost_err = 0;
		ingest_arm(c);
	}
}

/*
 * Close every partner link whose authentication has lapsed while it was
 * up: the peer's certificate (the one it presented at this link's
 * handshake, cert_na_s) or the CA certificate is past its notAfter. TLS
 * checks validity only at the handshake; a partner the alliance PKI no
 * longer vouches for is cut off here instead of at its next reconnect,
 * which the handshake then refuses (cert_expired) as for any expired
 * certificate (expired: cert_lapsed_at). Counted and logged (one
 * "rejected" line per link, reason cert_expired, invariant 4) naming the
 * peer, its nation and the time; the link then fails (peer_conn_lost:
 * a dialled peer is dialled again, and refused while it lasts).
 */
static void cert_close_expired(struct net_node *n)
{
	int64_t now_s = mw_time_now_ns() / MW_NS_PER_S;
	for (size_t i = 0; i < n->n_peers; i++) {
		struct peer *p = &n->peers[i];
		struct conn *c = p->conn;
		/* (a dialled conn is p->conn from the dial; before its TLS is up,
		 * cert_na_s is an earlier link's and the handshake still to come
		 * checks the time itself) */
		if (!c || !c->tls_up)
			continue;
		bool by_ca;
		int64_t na =
		    cert_lapsed_at(now_s, p->cert_seen ? p->cert_na_s : 0, n->ca_na_s, &by_ca);
		if (!na)
			continue;
		char who[160], d[320];
		snprintf(who, sizeof(who), "peer %s (nation %s)", p->conf->name, p->conf->nation);
		cert_lapsed_msg(d, sizeof(d), now_s, na, by_ca, "CA certificate", who,
		                "the link with ", " was up", "the link was up", "link closed");
		reject(n, NET_REJ_CERT_EXPIRED, c, d);
		conn_close(c);
	}
	cert_close_sensors(n, now_s);
}

static void cert_arm(struct net_node *n)
{
	int64_t now_s = mw_time_now_ns() / MW_NS_PER_S;
	struct timeval tv = {(time_t)(cert_next_s(n, now_s) - now_s), 0};
	if (n->cert_ev)
		evtimer_add(n->cert_ev, &tv);
}

static void cert_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct net_node *n = arg;
	cert_recheck(n, true);
	cert_close_expired(n);
	cert_arm(n);
}

int net_node_new(const struct net_node_opts *o, struct net_node **out, struct mw_errbuf *err)
{
	if (!o || !o->conf || !o->base || !o->journal || !o->keyring || !o->signer) {
		mw_errbuf_set(err, "net_node_new: missing option");
		return -EINVAL;
	}
	const struct net_node_conf *cf = o->conf;
	struct net_node *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	int rc;
	n->conf = cf;
	n->base = o->base;
	n->log = o->log;
	n->journal = o->journal;
	n->keyring = o->keyring;
	n->signer = o->signer;
	n->on_journal = o->on_journal;
	n->on_acked = o->on_acked;
	n->on_trace = o->on_trace;
	n->on_link_state = o->on_link_state;
	n->hook_ud = o->hook_ud;
	mw_buf_init(&n->scratch, (size_t)cf->max_frame_bytes + 4096);
	mw_buf_init(&n->envbuf, WIRE_MAX_BODY + 8192);
	mw_buf_init(&n->bodies, (size_t)16 << 20);
	if ((rc = wire_sigcache_new(SIGCACHE_ENTRIES, &n->sigcache)) != 0)
		goto fail;
	rc = -ENOMEM;
	n->pending = calloc(cf->sign_batch_max, sizeof(*n->pending));
	n->slices = calloc(cf->sign_batch_max, sizeof(*n->slices));
	n->auths = calloc(cf->sign_batch_max, sizeof(*n->auths));
	n->flush_ev = evtimer_new(n->base, flush_cb, n);
	n->ingest_ev = evtimer_new(n->base, ingest_cb, n);
	n->unplug_ev = evtimer_new(n->base, unplug_cb, n);
	n->relisten_ev = evtimer_new(n->base, relisten_cb, n);
	n->cert_ev = evtimer_new(n->base, cert_cb, n);
	n->cache = calloc(SEND_CACHE_SLOTS, sizeof(*n->cache)); /* optional: NULL = no cache */
	if (n->cache) { /* optional too: NULL = a malloc per slot */
		size_t slab = (size_t)SEND_CACHE_SLOTS * SEND_CACHE_SLAB_SLOT;
		void *m = mmap(NULL, slab, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m != MAP_FAILED) {
			n->cache_slab = m;
#ifdef MADV_HUGEPAGE
			(void)madvise(m, slab, MADV_HUGEPAGE); /* a hint: 4 KiB pages work too */
#endif
		}
	}
	if (!n->pending || !n->slices || !n->auths || !n->flush_ev || !n->ingest_ev ||
	    !n->unplug_ev || !n->relisten_ev || !n->cert_ev)
		goto fail;
	if (cf->sensor_keys[0]) {
		if ((rc = sensor_keys_load(n, cf->sensor_keys, err)) < 0)
			goto fail;
		struct mw_log_field f[] = {
		    MW_LOG_STR("dir", cf->sensor_keys),
		    MW_LOG_INT("keys", rc),
		    MW_LOG_STR("require_sensor_sig", cf->require_sensor_sig ? "true" : "false"),
		};
		mw_log_kv(n->log, rc ? MW_LOG_INFO : MW_LOG_WARN, MOD, "sensor signing keys", f, 3);
		rc = 0;
	}
	if ((rc = net_tls_ctx_new(cf->ca, cf->cert, cf->key, &n->link_ctx, err)) != 0)
		goto fail;
	bool time_only = false;
	if ((rc = net_tls_check_own(n->link_ctx, cf->nation, &time_only, err)) != 0) {
		char why[sizeof(err->msg)] = "";
		if (err)
			snprintf(why, sizeof(why), "%s", err->msg);
		fmt_own_fault(n, why, n->own_cert_fault, sizeof(n->own_cert_fault));
		if (err)
			mw_errbuf_set(err, "%s", n->own_cert_fault);
		if (!time_only)
			goto fail;
		/* expired or not yet valid: run without partners (tls.h) */
		mw_logf(n->log, MW_LOG_ERROR, MOD,
		        "%s: every partner will refuse this node's links until the certificate is "
		        "renewed; sensors, the national picture and the API go on",
		        n->own_cert_fault);
		rc = 0;
	}
	{
		/* the validity times the periodic re-check watches (cert_recheck) */
		X509 *own = SSL_CTX_get0_certificate(n->link_ctx), *ca = NULL;
		struct mw_errbuf cerr = {{0}};
		n->own_nb_s = asn1_unix_s(own ? X509_get0_notBefore(own) : NULL);
		n->own_na_s = asn1_unix_s(own ? X509_get0_notAfter(own) : NULL);
		if (net_pki_read_cert(cf->ca, &ca, &cerr) == 0) {
			n->ca_nb_s = asn1_unix_s(X509_get0_notBefore(ca));
			n->ca_na_s = asn1_unix_s(X509_get0_notAfter(ca));
			X509_free(ca);
		}
		/* the sensor CA (the same file by default): sensors are cut off
		 * past its notAfter (cert_close_sensors) */
		if (cf->listen_ingest.port && net_pki_read_cert(cf->sensor_ca, &ca, &cerr) == 0) {
			n->sensor_ca_na_s = asn1_unix_s(X509_get0_notAfter(ca));
			X509_free(ca);
		}
		cert_recheck(n, false); /* the expiry warnings, at start too */
	}
	if (cf->listen_ingest.port &&
	    (rc = net_tls_ctx_new(cf->sensor_ca, cf->cert, cf->key, &n->ingest_ctx, err)) != 0)
		goto fail;
	uint64_t seq = 0;
	rc = store_journal_origin_max_seq(n->journal, cf->nation, &seq);
	if (rc < 0 && rc != -ENOENT) {
		mw_errbuf_set(err, "journal: own sequence: %s", mw_strerror(rc));
		goto fail;
	}
	n->own_seq = rc == 0 ? seq : 0;
	/* never reuse a seq that may have left before a crash (invariant 6);
	 * the first block is asked for by net_node_start (a node that is only
	 * created, as by mwlinkd --check, leaves the journal as it was) */
	uint64_t reserved = store_journal_seq_reserved(n->journal);
	if (reserved > n->own_seq)
		n->own_seq = reserved;
	for (size_t i = 0; i < cf->n_peers; i++) {
		struct peer *p = &n->peers[i];
		p->node = n;
		p->conf = &cf->peers[i];
		p->state = NET_LINK_DOWN;
		p->since_ns = mw_time_now_ns();
		p->fifo_cap = cf->max_backlog;
		p->fifo = calloc(p->fifo_cap, sizeof(*p->fifo));
		p->dial_ev = evtimer_new(n->base, dial_cb, p);
		if (!p->fifo || !p->dial_ev) {
			rc = -ENOMEM;
			n->n_peers = i + 1;
			goto fail;
		}
		uint64_t v = 0;
		if (store_journal_peer_rx(n->journal, p->conf->nation, &v) == 0)
			p->rx_max_pos = v;
		v = 0;
		if (store_journal_peer_acked(n->journal, p->conf->nation, &v) == 0)
			p->acked_pos = v;
		p->tx_next = p->acked_pos + 1;
		if (p->conf->dial) {
			struct sockaddr_storage ss;
			int sslen = sizeof(ss);
			char spec[NET_HOST_MAX + 8];
			snprintf(spec, sizeof(spec), "%s:%u", p->conf->addr.host,
			         p->conf->addr.port);
			if (evutil_parse_sockaddr_port(spec, (struct sockaddr *)&ss, &sslen) != 0) {
				mw_errbuf_set(err,
				              "[peer %s] address %s: must be a numeric IP:port",
				              p->conf->name, spec);
				rc = -MW_ECONFIG;
				n->n_peers = i + 1;
				goto fail;
			}
		}
	}
	n->n_peers = cf->n_peers;
	*out = n;
	return 0;
fail:
	net_node_free(n);
	return rc;
}

static void relisten_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct net_node *n = arg;
	if (n->peer_lst)
		evconnlistener_enable(n->peer_lst);
	if (n->ingest_lst)
		evconnlistener_enable(n->ingest_lst);
}

/* accept() failed (e.g. EMFILE): pause accepting for 100 ms instead of
 * spinning on a listener that stays readable. */
static void listen_error_cb(struct evconnlistener *l, void *arg)
{
	struct net_node *n = arg;
	int e = EVUTIL_SOCKET_ERROR();
	reject(n, NET_REJ_OVERLOAD, NULL, evutil_socket_error_to_string(e));
	evconnlistener_disable(l);
	struct timeval tv = {0, 100000};
	if (n->relisten_ev)
		evtimer_add(n->relisten_ev, &tv);
}

static struct evconnlistener *listen_on(struct net_node *n, const struct net_addr *a,
                                        evconnlistener_cb cb, const char *what,
                                        struct mw_errbuf *err)
{
	struct sockaddr_storage ss;
	int sslen = sizeof(ss);
	char spec[NET_HOST_MAX + 8];
	snprintf(spec, sizeof(spec), "%s:%u", a->host, a->port);
	if (evutil_parse_sockaddr_port(spec, (struct sockaddr *)&ss, &sslen) != 0) {
		mw_errbuf_set(err, "[listen] %s = %s: must be a numeric IP:port", what, spec);
		return NULL;
	}
	struct evconnlistener *l = evconnlistener_new_bind(
	    n->base, cb, n, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 64,
	    (struct sockaddr *)&ss, sslen);
	if (!l)
		mw_errbuf_set(err, "[listen] %s = %s: %s", what, spec,
		              evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	else
		evconnlistener_set_error_cb(l, listen_error_cb);
	return l;
}

int net_node_start(struct net_node *n, struct mw_errbuf *err)
{
	const struct net_node_conf *cf = n->conf;
	if (cf->listen_peers.port) {
		n->peer_lst = listen_on(n, &cf->listen_peers, peer_accept_cb, "peers", err);
		if (!n->peer_lst)
			return -EADDRINUSE;
	}
	if (cf->listen_ingest.port) {
		n->ingest_lst = listen_on(n, &cf->listen_ingest, ingest_accept_cb, "ingest", err);
		if (!n->ingest_lst)
			return -EADDRINUSE;
	}
	if (n->own_seq_asked <= n->own_seq && n->own_seq <= (uint64_t)INT64_MAX - OWN_SEQ_BLOCK) {
		/* the first reservation: committed at once, so that own records
		 * can leave before their commit from the start (invariant 6) */
		n->own_seq_asked = n->own_seq + OWN_SEQ_BLOCK;
		int rc = store_journal_reserve_seq(n->journal, n->own_seq_asked);
		if (rc) {
			mw_errbuf_set(err, "journal: reserving own seqs: %s", mw_strerror(rc));
			return rc;
		}
	}
	n->journal_ev = event_new(n->base, store_journal_notify_fd(n->journal),
	                          EV_READ | EV_PERSIST, journal_cb, n);
	if (!n->journal_ev || event_add(n->journal_ev, NULL) != 0) {
		mw_errbuf_set(err, "cannot watch the journal notification");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n->n_peers; i++)
		if (n->peers[i].conf->dial) {
			struct timeval tv = {0, 0};
			evtimer_add(n->peers[i].dial_ev, &tv);
		}
	cert_arm(n);
	mw_logf(n->log, MW_LOG_NOTICE, MOD, "node %s (%s) started: %zu peers, own seq %llu",
	        cf->name, cf->nation, n->n_peers, (unsigned long long)n->own_seq);
	return 0;
}

void net_node_stop(struct net_node *n)
{
	if (!n || n->stopped)
		return;
	n->stopped = true;
	if (n->ingest_ev) { /* what the sensors sent and was read, first */
		event_del(n->ingest_ev);
		ingest_run(n, SIZE_MAX);
	}
	flush_batch(n);
	while (n->conns)
		conn_close(n->conns);
	for (size_t i = 0; i < n->n_peers; i++) {
		struct peer *p = &n->peers[i];
		if (p->dial_ev)
			event_del(p->dial_ev);
		if (p->state != NET_LINK_CLOSED)
			peer_set_state(p, NET_LEV_SHUTDOWN);
		persist_acked(p);
	}
	if (n->peer_lst)
		evconnlistener_free(n->peer_lst);
	if (n->ingest_lst)
		evconnlistener_free(n->ingest_lst);
	n->peer_lst = n->ingest_lst = NULL;
	if (n->journal_ev)
		event_del(n->journal_ev);
	if (n->relisten_ev)
		event_del(n->relisten_ev);
	if (n->cert_ev)
		event_del(n->cert_ev);
	if (n->unplug_ev)
		event_del(n->unplug_ev);
	unplug_cb(-1, 0, n); /* never leave the journal plugged */
}

void net_node_free(struct net_node *n)
{
	if (!n)
		return;
	if (n->journal_ev)
		net_node_stop(n);
	while (n->conns)
		conn_free(n->conns);
	for (size_t i = 0; i < n->n_peers; i++) {
		free(n->peers[i].fifo);
		if (n->peers[i].dial_ev)
			event_free(n->peers[i].dial_ev);
	}
	if (n->journal_ev)
		event_free(n->journal_ev);
	if (n->flush_ev)
		event_free(n->flush_ev);
	if (n->ingest_ev)
		event_free(n->ingest_ev);
	if (n->unplug_ev) {
		event_free(n->unplug_ev);
		unplug_cb(-1, 0, n);
	}
	if (n->relisten_ev)
		event_free(n->relisten_ev);
	if (n->cert_ev)
		event_free(n->cert_ev);
	if (n->peer_lst)
		evconnlistener_free(n->peer_lst);
	if (n->ingest_lst)
		evconnlistener_free(n->ingest_lst);
	SSL_CTX_free(n->link_ctx);
	SSL_CTX_free(n->ingest_ctx);
	wire_sigcache_free(n->sigcache);
	free(n->sensor_keys);
	cache_free(n);
	free(n->pending);
	free(n->slices);
	free(n->auths);
	mw_buf_finish(&n->scratch);
	mw_buf_finish(&n->envbuf);
	mw_buf_finish(&n->bodies);
	free(n);
}

void net_node_get_stats(const struct net_node *n, struct net_stats *out)
{
	*out = n->stats;
}

bool net_node_failed(const struct net_node *n)
{
	return n->fatal;
}

const char *net_node_own_cert_fault(const struct net_node *n)
{
	return n->own_cert_fault[0] ? n->own_cert_fault : NULL;
}

void net_node_cert_not_after(const struct net_node *n, int64_t *own_s, int64_t *ca_s)
{
	*own_s = n->own_na_s;
	*ca_s = n->ca_na_s;
}

size_t net_node_n_peers(const struct net_node *n)
{
	return n->n_peers;
}

int net_node_peer_status(const struct net_node *n, size_t i, struct net_peer_status *out)
{
	if (i >= n->n_peers)
		return -ENOENT;
	const struct peer *p = &n->peers[i];
	struct net_peer_status s;
	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "%s", p->conf->name);
	memcpy(s.nation, p->conf->nation, NET_NATION_LEN);
	s.state = p->state;
	s.srtt_ns = p->srtt_ns;
	s.backlog = p->fifo_count;
	s.tx_next_pos = p->tx_next;
	s.acked_pos = p->acked_pos;
	s.env_tx = p->env_tx;
	s.env_rx = p->env_rx;
	s.connects = p->connects;
	s.since_ns = p->since_ns;
	s.replaced = p->replaced;
	s.cert_seen = p->cert_seen;
	s.cert_not_after_s = p->cert_na_s;
	*out = s;
	return 0;
}

static uint16_t lst_port(struct evconnlistener *l)
{
	if (!l)
		return 0;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

uint16_t net_node_peer_port(const struct net_node *n)
{
	return lst_port(n->peer_lst);
}

uint16_t net_node_ingest_port(const struct net_node *n)
{
	return lst_port(n->ingest_lst);
}

void net_node_log_stats(const struct net_node *n)
{
	struct mw_log_field f[NET_REJ_COUNT + 24 + 5 * NET_MAX_PEERS];
	char keys[NET_REJ_COUNT + 5 * NET_MAX_PEERS][48];
	size_t k = 0, nk = 0;
	const struct net_stats *s = &n->stats;
#define F(name, v) f[k++] = MW_LOG_INT(name, (int64_t)(v))
	F("links_up", s->links_up);
	F("link_failures", s->link_failures);
	F("env_rx", s->env_rx);
	F("env_journaled", s->env_journaled);
	F("env_tx", s->env_tx);
	F("env_relayed", s->env_relayed);
	F("acks_rx", s->acks_rx);
	F("acks_tx", s->acks_tx);
	F("obs_rx", s->obs_rx);
	F("env_originated", s->env_originated);
	F("own_lost", s->own_lost);
	F("sign_batches", s->sign_batches);
	F("sensors_connected", s->sensors_connected);
	F("read_pauses", s->read_pauses);
	F("too_big_for_peer", s->too_big_for_peer);
	F("obs_exercise", s->obs_exercise);
	F("obs_signed", s->obs_signed);
	struct store_journal_stats js;
	store_journal_get_stats(n->journal, &js);
	F("journal_read_errors", js.read_errors); /* corrupt rows passed over */
	F("journal_commits", js.commits);
#undef F
	for (int r = 0; r < NET_REJ_COUNT; r++) {
		snprintf(keys[nk], sizeof(keys[nk]), "reject_%s",
		         net_reject_str((enum net_reject)r));
		f[k++] = MW_LOG_INT(keys[nk], (int64_t)s->rejects[r]);
		nk++;
	}
	for (size_t i = 0; i < n->n_peers; i++) {
		const struct peer *p = &n->peers[i];
		snprintf(keys[nk], sizeof(keys[nk]), "peer_%s_state", p->conf->name);
		f[k++] = MW_LOG_STR(keys[nk++], net_link_state_str(p->state));
		snprintf(keys[nk], sizeof(keys[nk]), "peer_%s_rtt_ns", p->conf->name);
		f[k++] = MW_LOG_INT(keys[nk++], p->srtt_ns);
		snprintf(keys[nk], sizeof(keys[nk]), "peer_%s_backlog", p->conf->name);
		f[k++] = MW_LOG_INT(keys[nk++], (int64_t)p->fifo_count);
		snprintf(keys[nk], sizeof(keys[nk]), "peer_%s_acked_pos", p->conf->name);
		f[k++] = MW_LOG_INT(keys[nk++], (int64_t)p->acked_pos);
		snprintf(keys[nk], sizeof(keys[nk]), "peer_%s_replaced", p->conf->name);
		f[k++] = MW_LOG_INT(keys[nk++], (int64_t)p->replaced);
	}
	mw_log_kv(n->log, MW_LOG_NOTICE, MOD, "stats", f, k);
}

int net_keyring_load_dir(struct wire_keyring *kr, const char *dir, struct mw_errbuf *err)
{
	DIR *d = opendir(dir);
	if (!d) {
		int e = errno;
		mw_errbuf_set(err, "origin keys %s: %s", dir, strerror(e));
		return -e;
	}
	int count = 0, rc = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *nm = de->d_name;
		if (strlen(nm) != 7 || strcmp(nm + 3, ".pub") != 0)
			continue;
		char nation[NET_NATION_LEN];
		memcpy(nation, nm, 3);
		nation[3] = '\0';
		if (!net_nation_valid(nation))
			continue;
		char path[NET_PATH_MAX + 16];
		snprintf(path, sizeof(path), "%s/%s", dir, nm);
		rc = wire_keyring_add_pem(kr, nation, path);
		if (rc < 0) {
			mw_errbuf_set(err, "origin key %s: %s", path, mw_strerror(rc));
			break;
		}
		count++;
	}
	closedir(d);
	return rc < 0 ? rc : count;
}
