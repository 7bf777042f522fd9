/*
 * net/node.h - one national node's networking: partner links (mutual TLS
 * 1.3, Hello, envelopes, cumulative acks after journal commit,
 * heartbeats, reconnect), relaying, release control, sensor ingest and
 * the origin signing of the node's own envelopes.
 *
 * Everything runs on the caller's libevent loop; the only other thread is
 * the journal's (store/journal.h), which reports commits through its
 * eventfd. The protocol is described in docs/protocol.md and the header
 * comment of node.c.
 */
#ifndef MW_NET_NODE_H
#define MW_NET_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "core/err.h"
#include "core/log.h"
#include "net/linkstate.h"
#include "net/nodeconf.h"
#include "net/tls.h"
#include "store/journal.h"
#include "wire/sign.h"

struct net_node_opts {
	const struct net_node_conf *conf; /* must outlive the node */
	struct event_base *base;
	struct mw_log *log;            /* may be NULL */
	struct store_journal *journal; /* borrowed; must outlive the node */
	struct wire_keyring *keyring;  /* origin public keys; borrowed */
	struct wire_signer *signer;    /* this node's origin key; borrowed */
	/* Optional observation hooks (benchmarks, tests), called on the loop
	 * thread: an envelope (own or received) was appended to the journal
	 * at pos; peer's acknowledged cursor advanced to acked_pos. */
	void (*on_journal)(void *ud, const char *origin, uint64_t seq, uint64_t pos);
	void (*on_acked)(void *ud, const char *peer_nation, uint64_t acked_pos);
	void *hook_ud;
	/* Optional latency tracing (bench-link), on the loop thread, with
	 * hook_ud; see enum net_trace_ev. NULL = off. */
	void (*on_trace)(void *ud, int ev, const char *peer_nation, uint64_t pos);
	/* Optional: peer peer_index (as in net_node_peer_status) changed its
	 * link state from old to new_state at wall time t_ns (its since_ns),
	 * with hook_ud, on the loop thread. Called once per transition, in
	 * order, after the change (net_node_peer_status already shows it),
	 * from net_node_stop too (-> closed). NULL = off. */
	void (*on_link_state)(void *ud, size_t peer_index, enum net_link_state old,
	                      enum net_link_state new_state, int64_t t_ns);
};

/* Events of net_node_opts.on_trace. */
enum net_trace_ev {
	NET_TRACE_DURABLE = 1, /* the loop learnt the journal is durable through pos */
	NET_TRACE_SENT,        /* the record at journal pos was queued on peer's link */
	NET_TRACE_ACK_SENT,    /* an Ack covering peer's pos (its from_pos) was queued */
	/* finer transport stamps (links only): */
	NET_TRACE_TX_WRITTEN,  /* peer's output buffer went to the socket (SSL_write) and is
	                        * empty: every record queued on it through pos is written */
	NET_TRACE_RX_BYTES,    /* decrypted bytes arrived in peer's empty input buffer; pos =
	                        * the from_pos of the next envelope frame expected */
	NET_TRACE_RX_READ,     /* the link's read callback began; pos as for RX_BYTES */
	NET_TRACE_RX_FRAME,    /* envelope frame from_pos pos is complete, being checked */
	NET_TRACE_RX_VERIFIED, /* ... decoded, checked and its origin signature verified */
};

/* Counters; every rejection reason has one (enum net_reject). */
struct net_stats {
	uint64_t rejects[NET_REJ_COUNT];
	uint64_t links_up;      /* successful establishments */
	uint64_t link_failures; /* links that went down */
	uint64_t env_rx;        /* envelope frames received from peers */
	uint64_t env_journaled; /* of which newly journaled */
	uint64_t env_tx;        /* envelope frames sent to peers */
	uint64_t env_relayed;   /* of which originated elsewhere */
	uint64_t acks_rx, acks_tx;
	uint64_t obs_rx;            /* observation frames from sensors */
	uint64_t env_originated;    /* own envelopes journaled */
	uint64_t own_lost;          /* own envelopes the journal refused (overload) */
	uint64_t sign_batches;      /* Ed25519 signatures made */
	uint64_t sensors_connected; /* sensor connections accepted */
	uint64_t read_pauses;       /* back-pressure: reads paused for a full journal queue */
	uint64_t too_big_for_peer;  /* records skipped: larger than the peer's max_frame */
	uint64_t obs_exercise;      /* sensor observations declared exercise (journaled as such) */
	uint64_t obs_signed;        /* sensor observations journaled with a sensor signature */
};

struct net_peer_status {
	char name[NET_NAME_MAX];
	char nation[NET_NATION_LEN];
	enum net_link_state state;
	int64_t srtt_ns;      /* smoothed heartbeat RTT, 0 = no sample */
	uint64_t backlog;     /* envelopes sent, not yet acknowledged */
	uint64_t tx_next_pos; /* next own journal position to consider for it */
	uint64_t acked_pos;   /* own journal positions it has acknowledged */
	uint64_t env_tx, env_rx;
	uint64_t connects;        /* times established */
	int64_t since_ns;         /* wall time of the last state change */
	uint64_t replaced;        /* accepted connections that replaced an open old one */
	bool cert_seen;           /* it has presented a certificate since the start */
	int64_t cert_not_after_s; /* that certificate's notAfter, Unix seconds */
};

struct net_node;

/* Create: load TLS contexts, read cursors from the journal. Nothing
 * listens or dials until net_node_start. */
int net_node_new(const struct net_node_opts *opts, struct net_node **out, struct mw_errbuf *err);
/* Bind listeners, arm dial timers and the journal notification. */
int net_node_start(struct net_node *n, struct mw_errbuf *err);
/* Close every connection and listener (links go to CLOSED). */
void net_node_stop(struct net_node *n);
void net_node_free(struct net_node *n);

/* True once the journal failed fatally (the loop was asked to exit). */
bool net_node_failed(const struct net_node *n);

/* Why this node's own certificate is out of its validity time (expired or
 * not yet valid; net_tls_check_own), or NULL. Such a node starts - its
 * sensors and national picture need no partner - but no partner accepts
 * its links; `mwlinkd --check` fails on it. */
const char *net_node_own_cert_fault(const struct net_node *n);

/* notAfter (Unix seconds; 0 if unknown) of this node's own certificate and
 * of the CA ([pki] ca). The node re-verifies its own certificate against
 * the CA at each of their notBefore/notAfter and at least every 60 s:
 * net_node_own_cert_fault follows (one log line per change), and an
 * expiry within [pki] expiry_warn_days (own, CA, each peer's presented
 * certificate) is logged once as a WARN. */
void net_node_cert_not_after(const struct net_node *n, int64_t *own_s, int64_t *ca_s);

void net_node_get_stats(const struct net_node *n, struct net_stats *out);
size_t net_node_n_peers(const struct net_node *n);
int net_node_peer_status(const struct net_node *n, size_t i, struct net_peer_status *out);
/* One JSON-lines log record with every counter and per-peer state. */
void net_node_log_stats(const struct net_node *n);

/* Bound listen ports (useful when configured with port 0 in tests). */
uint16_t net_node_peer_port(const struct net_node *n);
uint16_t net_node_ingest_port(const struct net_node *n);

/*
 * Originate one envelope of this node (used by ingest; later by the
 * tracker and warnings): stamps origin, the next seq and the
 * releasability set from [release] for kind, queues it for the batch
 * signer, which journals it. payload is an encoded Observation / Track /
 * Alert. -ENOBUFS when the signing queue is full.
 */
int net_node_originate(struct net_node *n, int wire_kind, int64_t data_t_ns, bool exercise,
                       const uint8_t *payload, size_t len);

/*
 * Load every <NATION>.pub file (SPKI PEM) of dir into kr. Returns the
 * number loaded; -ENOENT if dir cannot be read, or the keyring's error
 * naming the file in err.
 */
int net_keyring_load_dir(struct wire_keyring *kr, const char *dir, struct mw_errbuf *err);

#endif
