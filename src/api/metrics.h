/*
 * api/metrics.h - everything /metrics shows, as one plain snapshot, and
 * its rendering in the Prometheus text format (api/prom.h). The snapshot
 * is filled by the server from the node, the journal and the national
 * tracker; rendering is a pure function of it (unit-tested).
 */
#ifndef MW_API_METRICS_H
#define MW_API_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "net/national.h"
#include "net/node.h"
#include "store/journal.h"

/* HTTP status codes the API answers with (requests_total{code}). */
enum api_code {
	API_CODE_200 = 0,
	API_CODE_404,
	API_CODE_405,
	API_CODE_500,
	API_CODE_503,
	API_CODE_COUNT
};
int api_code_status(enum api_code c); /* 200, 404, ... */

/* Bad requests by reason (bad_requests_total{reason}). */
enum api_bad {
	API_BAD_UNKNOWN_PATH = 0, /* 404 */
	API_BAD_METHOD,           /* 405 */
	API_BAD_MALFORMED,        /* closed before routing: bad request line or header,
	                             truncated, or timed out mid-request */
	API_BAD_TOO_LARGE,        /* closed before routing after more bytes than the
	                             header limit: header or body over its limit */
	API_BAD_SSE_FULL,         /* 503: the SSE client limit was reached */
	API_BAD_CONN_LIMIT,       /* 503: accepted over the connection limit */
	API_BAD_COUNT
};
const char *api_bad_str(enum api_bad b);

/* SSE event types (sse_events_total{type}). */
enum api_sse_ev { API_SSE_LINK = 0, API_SSE_TRACK, API_SSE_HEARTBEAT, API_SSE_EV_COUNT };
const char *api_sse_ev_str(enum api_sse_ev e);

/* The API's own counters. */
struct api_counters {
	uint64_t requests[API_CODE_COUNT];
	uint64_t bad[API_BAD_COUNT];
	uint64_t conns_total;                  /* connections accepted */
	uint64_t conns_live;                   /* open now */
	uint64_t conn_limit_hits;              /* times accepting paused at the connection limit */
	uint64_t sse_clients;                  /* open SSE streams now */
	uint64_t sse_opened;                   /* streams opened */
	uint64_t sse_events[API_SSE_EV_COUNT]; /* events written (to all clients) */
	uint64_t sse_dropped_slow;             /* clients dropped: their queue was full */
	uint64_t tracks_live;                  /* tracks in the /api/v1/tracks table */
	uint64_t track_records;                /* own TRACK records read from the journal */
	uint64_t track_bad;                    /* ... that did not decode (counted, skipped) */
	uint64_t tracks_full;                  /* new tracks not kept: table full */
	uint64_t render_errors;                /* responses that did not fit their buffer (500) */
	uint64_t journal_read_errors;          /* journal reads for the track table that failed */
	/* link state transitions by node peer index and new state (api_link_state) */
	uint64_t link_transitions[NET_MAX_PEERS][NET_LINK_STATE_COUNT];
};

struct api_snapshot {
	const char *nation, *name, *mode, *version;
	int64_t start_ns;  /* wall time the API started */
	int64_t uptime_ns; /* monotonic */
	bool have_node;
	const char *own_cert_fault;          /* net_node_own_cert_fault: NULL when valid */
	int64_t now_s;                       /* wall time of the snapshot, Unix seconds */
	int64_t own_cert_na_s, ca_cert_na_s; /* net_node_cert_not_after; 0 = unknown */
	struct net_stats net;
	size_t n_peers;
	struct net_peer_status peers[NET_MAX_PEERS];
	/* transitions of peers[i] by new state (the API's counts, aligned with peers[]) */
	uint64_t link_transitions[NET_MAX_PEERS][NET_LINK_STATE_COUNT];
	bool have_journal;
	bool journal_failed;
	struct store_journal_stats js;
	bool have_national;
	struct net_national_stats nat;
	uint64_t nat_live[2]; /* live tracks: real, exercise */
	struct api_counters api;
};

/* Render every metric of s into out (text format 0.0.4). Returns 0,
 * -ENOBUFS (out's maximum reached; out then holds a partial document)
 * or -EINVAL (a bad name: a programming error). */
int api_metrics_render(const struct api_snapshot *s, struct mw_buf *out);

#endif
