/*
 * api/api.h - the node's HTTP API on the node's own libevent loop
 * (evhttp): Prometheus metrics, JSON documents of health, links and
 * national tracks, and a Server-Sent Events stream of link state changes
 * and track updates. Endpoints, fields, metric names and limits are in
 * docs/operations.md ("HTTP API"); the design in the header comment of
 * api/server.c.
 *
 * Everything runs on the caller's loop; nothing blocks on it except
 * reading the journal for new TRACK records (pending ones from memory,
 * committed ones from SQLite's page cache), in chunks. The process must
 * ignore SIGPIPE (mwlinkd does): a client that goes away mid-write must
 * not kill the node.
 */
#ifndef MW_API_API_H
#define MW_API_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "api/metrics.h"
#include "core/err.h"
#include "core/log.h"
#include "net/national.h"
#include "net/node.h"
#include "store/journal.h"

/* Limits (0 in api_opts = these defaults). */
#define API_DEF_MAX_CONNS        64
#define API_DEF_MAX_SSE          16
#define API_DEF_MAX_HEADER_BYTES 8192
#define API_DEF_MAX_BODY_BYTES   1024
#define API_DEF_TIMEOUT_NS       (INT64_C(10) * 1000000000)
#define API_DEF_HEARTBEAT_NS     (INT64_C(15) * 1000000000)
#define API_DEF_SSE_QUEUE_BYTES  (256u * 1024u)
#define API_DEF_MAX_TRACKS       1024
#define API_DEF_MAX_RESPONSE     (4u * 1024u * 1024u)

struct api_opts {
	struct event_base *base;
	struct mw_log *log; /* may be NULL */
	const char *host;   /* listen address (loopback by default in the config) */
	uint16_t port;      /* 0: any free port; api_port() tells which */
	const char *nation, *name, *version;
	bool exercise;                 /* mode: exercise (true) or live */
	struct net_node *node;         /* borrowed, may be NULL */
	struct store_journal *journal; /* borrowed, may be NULL */
	struct net_national *nat;      /* borrowed, may be NULL */
	uint32_t max_conns;            /* open HTTP connections */
	uint32_t max_sse_clients;      /* open SSE streams (each also a connection) */
	uint32_t max_header_bytes;     /* request line + headers */
	uint32_t max_body_bytes;       /* request body */
	int64_t timeout_ns;            /* read/write timeout of a connection */
	int64_t sse_heartbeat_ns;      /* SSE comment line this often */
	uint32_t sse_queue_bytes;      /* unsent bytes per SSE client before it is dropped */
	uint32_t max_tracks;           /* tracks kept for /api/v1/tracks */
	uint32_t max_response_bytes;   /* largest document served */
};

struct api;

/* Bind and start serving. -EINVAL (bad opts), -EADDRINUSE and other bind
 * errors (err names the address), -ENOMEM. */
int api_new(const struct api_opts *o, struct api **out, struct mw_errbuf *err);
/* Close every connection and the listener. NULL is a no-op. */
void api_free(struct api *a);

/* The bound port (useful with port 0). */
uint16_t api_port(const struct api *a);

/* A record of origin was appended to the journal: if it is this node's
 * own (origin NULL: don't know), read the new records at the end of this
 * loop iteration for own TRACK records (safe to call from inside an
 * append). Partners' records are skipped by the next read. a may be NULL. */
void api_journal_appended(struct api *a, const char *origin);

/* Read up to max_recs journal records (0 = all) from where the last call
 * stopped and keep this node's TRACK records in the track table. Returns
 * the number of records read or a journal error. */
int api_catch_up(struct api *a, size_t max_recs);

/* The node changed peer peer_index's link state from old to new_state at
 * wall time t_ns: net_node_opts.on_link_state, forwarded (mwlinkd does).
 * Writes one SSE "link" event at once and counts the transition
 * (link_transitions). This is the only source of link events: an API
 * whose node's hook is not forwarded here sends none. a may be NULL. */
void api_link_state(struct api *a, size_t peer_index, enum net_link_state old,
                    enum net_link_state new_state, int64_t t_ns);

void api_get_counters(const struct api *a, struct api_counters *out);

#endif
