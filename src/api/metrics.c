/*
 * api/metrics.c - the /metrics document: every counter of the node
 * (net_stats, each rejection reason as a label), per-peer link state,
 * the journal (counters, gauges, the commit latency histogram), the
 * national tracker and the API itself, rendered from one snapshot
 * (api/metrics.h) in the Prometheus text format (api/prom.c).
 *
 * Families (all prefixed mwlink_; units in the names; counters _total):
 *
 *   info, start_time_seconds, uptime_seconds
 *   net_rejects_total{reason}           one series per enum net_reject, zeros included
 *   net_*_total                          the other net_stats counters
 *   link_state{peer,nation,state}        1 for the current state, 0 for the others
 *   link_transitions_total{peer,nation,to}  transitions into each state, zeros
 *                                        included (counted by the API from the
 *                                        node's hook since the API started)
 *   link_up, link_rtt_seconds (only with an RTT sample), link_backlog_envelopes,
 *   link_acked_position, link_tx_next_position, link_state_since_seconds,
 *   link_connects_total, link_envelopes_{sent,received}_total,
 *   link_replaced_total, peer_cert_expiry_seconds (once the peer presented
 *   a certificate)                       per {peer,nation}
 *   own_cert_valid, own_cert_expiry_seconds, ca_cert_expiry_seconds
 *   journal_*_total, journal_* gauges, journal_failed,
 *   journal_commit_duration_seconds      histogram: bucket b of the journal's
 *                                        log2 histogram holds [2^b, 2^(b+1)) us
 *                                        (bucket 0 also < 1 us), so the
 *                                        cumulative le bounds are 2^(b+1) us for
 *                                        b = 0..22; the last journal bucket is
 *                                        open-ended and only in +Inf
 *   national_*                           when national tracking runs
 *   api_*                                the API's own counters
 *
 * Invariants:
 *  1. Each family is opened once, so TYPE precedes its samples and no
 *     series (name + label set) appears twice.
 *  2. Histogram buckets are cumulative and non-decreasing, +Inf equals
 *     _count.
 */
#include "api/metrics.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "api/prom.h"
#include "net/linkstate.h"
#include "net/tls.h"

int api_code_status(enum api_code c)
{
	static const int st[API_CODE_COUNT] = {200, 404, 405, 500, 503};
	return (unsigned)c < API_CODE_COUNT ? st[c] : 0;
}

const char *api_bad_str(enum api_bad b)
{
	static const char *const n[API_BAD_COUNT] = {
	    "unknown_path", "method", "malformed", "too_large", "sse_full", "connection_limit",
	};
	return (unsigned)b < API_BAD_COUNT ? n[b] : "unknown";
}

const char *api_sse_ev_str(enum api_sse_ev e)
{
	static const char *const n[API_SSE_EV_COUNT] = {"link", "track", "heartbeat"};
	return (unsigned)e < API_SSE_EV_COUNT ? n[e] : "unknown";
}

typedef struct api_prom_label L;

static void counter(struct api_prom *p, const char *name, const char *help, uint64_t v)
{
	api_prom_family(p, name, API_PROM_COUNTER, help);
	api_prom_u64(p, "", NULL, 0, v);
}

static void gauge(struct api_prom *p, const char *name, const char *help, double v)
{
	api_prom_family(p, name, API_PROM_GAUGE, help);
	api_prom_f64(p, "", NULL, 0, v);
}

static void counter_f(struct api_prom *p, const char *name, const char *help, double v)
{
	api_prom_family(p, name, API_PROM_COUNTER, help);
	api_prom_f64(p, "", NULL, 0, v);
}

static double ns_s(int64_t ns)
{
	return (double)ns / 1e9;
}

static void node_metrics(struct api_prom *p, const struct api_snapshot *s)
{
	const struct net_stats *n = &s->net;
	gauge(p, "mwlink_own_cert_valid",
	      "0 while the node's own certificate is out of its validity time (expired or not "
	      "yet valid: no partner accepts its links; /api/v1/health own_cert_fault says why), "
	      "else 1.",
	      s->own_cert_fault ? 0 : 1);
	if (s->own_cert_na_s)
		gauge(p, "mwlink_own_cert_expiry_seconds",
		      "Seconds until the notAfter of the node's own certificate ([pki] cert), "
		      "negative once past.",
		      (double)(s->own_cert_na_s - s->now_s));
	if (s->ca_cert_na_s)
		gauge(p, "mwlink_ca_cert_expiry_seconds",
		      "Seconds until the notAfter of the alliance CA certificate ([pki] ca), "
		      "negative once past.",
		      (double)(s->ca_cert_na_s - s->now_s));
	api_prom_family(p, "mwlink_net_rejects_total", API_PROM_COUNTER,
	                "Frames, connections and envelopes refused, by reason (enum net_reject).");
	for (int r = 0; r < NET_REJ_COUNT; r++) {
		L l[] = {{"reason", net_reject_str((enum net_reject)r)}};
		api_prom_u64(p, "", l, 1, n->rejects[r]);
	}
	static const struct {
		const char *name, *help;
		size_t off;
	} c[] = {
#define C(f, nm, h) {nm, h, offsetof(struct net_stats, f)}
	    C(links_up, "mwlink_net_links_established_total", "Partner links established."),
	    C(link_failures, "mwlink_net_link_failures_total", "Partner links that went down."),
	    C(env_rx, "mwlink_net_envelopes_received_total",
	      "Envelope frames received from peers."),
	    C(env_journaled, "mwlink_net_envelopes_journaled_total",
	      "Received envelopes newly journaled."),
	    C(env_tx, "mwlink_net_envelopes_sent_total", "Envelope frames sent to peers."),
	    C(env_relayed, "mwlink_net_envelopes_relayed_total",
	      "Envelopes sent that originated at another nation."),
	    C(acks_rx, "mwlink_net_acks_received_total", "Acknowledgements received."),
	    C(acks_tx, "mwlink_net_acks_sent_total", "Acknowledgements sent."),
	    C(obs_rx, "mwlink_net_observations_received_total", "Observation frames from sensors."),
	    C(env_originated, "mwlink_net_envelopes_originated_total", "Own envelopes journaled."),
	    C(own_lost, "mwlink_net_own_envelopes_lost_total",
	      "Own envelopes the journal refused (overload)."),
	    C(sign_batches, "mwlink_net_signatures_total", "Ed25519 origin signatures made."),
	    C(sensors_connected, "mwlink_net_sensor_connections_total",
	      "Sensor connections accepted."),
	    C(read_pauses, "mwlink_net_read_pauses_total",
	      "Reads paused because the journal queue was full (back-pressure)."),
	    C(too_big_for_peer, "mwlink_net_records_too_big_for_peer_total",
	      "Journal records skipped for a peer: larger than its max_frame."),
	    C(obs_exercise, "mwlink_net_observations_exercise_total",
	      "Sensor observations declared exercise, journaled as exercise data."),
	    C(obs_signed, "mwlink_net_observations_signed_total",
	      "Sensor observations journaled with their sensor's signature (field 8)."),
#undef C
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint64_t v;
		memcpy(&v, (const char *)n + c[i].off, sizeof(v));
		counter(p, c[i].name, c[i].help, v);
	}
}

/* Per-peer families: one family at a time over all peers (invariant 1). */
enum peer_field {
	PF_UP,
	PF_RTT,
	PF_BACKLOG,
	PF_ACKED,
	PF_TXNEXT,
	PF_SINCE,
	PF_CONNECTS,
	PF_TX,
	PF_RX,
	PF_REPLACED,
	PF_CERT_EXPIRY,
	PF_COUNT
};

static void peer_metrics(struct api_prom *p, const struct api_snapshot *s)
{
	api_prom_family(p, "mwlink_link_state", API_PROM_GAUGE,
	                "Link state per peer: 1 for the current state, 0 for the others.");
	for (size_t i = 0; i < s->n_peers; i++) {
		const struct net_peer_status *ps = &s->peers[i];
		for (int st = 0; st < NET_LINK_STATE_COUNT; st++) {
			L l[] = {{"peer", ps->name},
			         {"nation", ps->nation},
			         {"state", net_link_state_str((enum net_link_state)st)}};
			api_prom_u64(p, "", l, 3, ps->state == (enum net_link_state)st);
		}
	}
	api_prom_family(p, "mwlink_link_transitions_total", API_PROM_COUNTER,
	                "Link state transitions per peer, by the state entered.");
	for (size_t i = 0; i < s->n_peers; i++) {
		const struct net_peer_status *ps = &s->peers[i];
		for (int st = 0; st < NET_LINK_STATE_COUNT; st++) {
			L l[] = {{"peer", ps->name},
			         {"nation", ps->nation},
			         {"to", net_link_state_str((enum net_link_state)st)}};
			api_prom_u64(p, "", l, 3, s->link_transitions[i][st]);
		}
	}
	static const struct {
		const char *name, *help;
		enum api_prom_type type;
	} f[PF_COUNT] = {
	    [PF_UP] = {"mwlink_link_up", "1 if the link carries data (state up or degraded).",
	               API_PROM_GAUGE},
	    [PF_RTT] = {"mwlink_link_rtt_seconds",
	                "Smoothed heartbeat round-trip time (absent before the first sample).",
	                API_PROM_GAUGE},
	    [PF_BACKLOG] = {"mwlink_link_backlog_envelopes",
	                    "Envelopes sent to the peer and not yet acknowledged.", API_PROM_GAUGE},
	    [PF_ACKED] = {"mwlink_link_acked_position",
	                  "Highest own journal position the peer has acknowledged.",
	                  API_PROM_GAUGE},
	    [PF_TXNEXT] = {"mwlink_link_tx_next_position",
	                   "Next own journal position to consider sending to the peer.",
	                   API_PROM_GAUGE},
	    [PF_SINCE] = {"mwlink_link_state_since_seconds",
	                  "Unix time of the link's last state change.", API_PROM_GAUGE},
	    [PF_CONNECTS] = {"mwlink_link_connects_total", "Times the link was established.",
	                     API_PROM_COUNTER},
	    [PF_TX] = {"mwlink_link_envelopes_sent_total", "Envelope frames sent on the link.",
	               API_PROM_COUNTER},
	    [PF_RX] = {"mwlink_link_envelopes_received_total",
	               "Envelope frames received on the link.", API_PROM_COUNTER},
	    [PF_REPLACED] = {"mwlink_link_replaced_total",
	                     "Connections of the peer accepted while its old one was still open "
	                     "(the new one replaced it).",
	                     API_PROM_COUNTER},
	    [PF_CERT_EXPIRY] = {"mwlink_peer_cert_expiry_seconds",
	                        "Seconds until the notAfter of the certificate the peer last "
	                        "presented, negative once past (absent before it presented one).",
	                        API_PROM_GAUGE},
	};
	for (int k = 0; k < PF_COUNT; k++) {
		api_prom_family(p, f[k].name, f[k].type, f[k].help);
		for (size_t i = 0; i < s->n_peers; i++) {
			const struct net_peer_status *ps = &s->peers[i];
			L l[] = {{"peer", ps->name}, {"nation", ps->nation}};
			switch ((enum peer_field)k) {
			case PF_UP:
				api_prom_u64(p, "", l, 2, net_link_carries_data(ps->state));
				break;
			case PF_RTT:
				if (ps->srtt_ns > 0)
					api_prom_f64(p, "", l, 2, ns_s(ps->srtt_ns));
				break;
			case PF_BACKLOG:
				api_prom_u64(p, "", l, 2, ps->backlog);
				break;
			case PF_ACKED:
				api_prom_u64(p, "", l, 2, ps->acked_pos);
				break;
			case PF_TXNEXT:
				api_prom_u64(p, "", l, 2, ps->tx_next_pos);
				break;
			case PF_SINCE:
				api_prom_f64(p, "", l, 2, ns_s(ps->since_ns));
				break;
			case PF_CONNECTS:
				api_prom_u64(p, "", l, 2, ps->connects);
				break;
			case PF_TX:
				api_prom_u64(p, "", l, 2, ps->env_tx);
				break;
			case PF_RX:
				api_prom_u64(p, "", l, 2, ps->env_rx);
				break;
			case PF_REPLACED:
				api_prom_u64(p, "", l, 2, ps->replaced);
				break;
			case PF_CERT_EXPIRY:
				if (ps->cert_seen)
					api_prom_f64(p, "", l, 2,
					             (double)(ps->cert_not_after_s - s->now_s));
				break;
			case PF_COUNT:
				break;
			}
		}
	}
}

static void journal_metrics(struct api_prom *p, const struct api_snapshot *s)
{
	const struct store_journal_stats *j = &s->js;
	gauge(p, "mwlink_journal_failed",
	      "1 once the journal failed fatally (the node stops; restart it).",
	      s->journal_failed ? 1 : 0);
	static const struct {
		const char *name, *help;
		size_t off;
		int counter;
	} c[] = {
#define F(f, nm, h, k) {nm, h, offsetof(struct store_journal_stats, f), k}
	    F(appends, "mwlink_journal_appends_total", "Records accepted into the commit queue.",
	      1),
	    F(duplicates, "mwlink_journal_duplicates_total",
	      "Appends refused: (origin, seq) already journaled or pending.", 1),
	    F(stale, "mwlink_journal_stale_total",
	      "Appends refused: at or below the origin's retention floor.", 1),
	    F(queue_full, "mwlink_journal_queue_full_total",
	      "Appends refused: queue or duplicate index full.", 1),
	    F(rx_notes, "mwlink_journal_rx_notes_total",
	      "Receive-cursor notes queued (duplicates and unreleased envelopes acknowledged).", 1),
	    F(commits, "mwlink_journal_commits_total", "Transactions committed (group commits).",
	      1),
	    F(committed_records, "mwlink_journal_committed_records_total", "Records committed.", 1),
	    F(commit_errors, "mwlink_journal_commit_errors_total", "Failed transactions (retried).",
	      1),
	    F(enospc, "mwlink_journal_enospc_total", "Failed transactions: disk full.", 1),
	    F(retained_deleted, "mwlink_journal_retention_deleted_total",
	      "Records deleted by retention.", 1),
	    F(retained_forced, "mwlink_journal_retention_forced_total",
	      "Records deleted by a hard retention limit though not acknowledged.", 1),
	    F(retain_blocked, "mwlink_journal_retention_blocked_total",
	      "Retention passes held back by a peer's cursor.", 1),
	    F(read_errors, "mwlink_journal_read_errors_total",
	      "Rows failing their length or SHA-256 check on read.", 1),
	    F(group_max, "mwlink_journal_group_max_records", "Largest group committed.", 0),
	    F(queue_len, "mwlink_journal_queue_records", "Records appended, not yet durable.", 0),
	    F(queue_bytes, "mwlink_journal_queue_bytes", "Bytes appended, not yet durable.", 0),
	    F(queue_hwm, "mwlink_journal_queue_high_water_records",
	      "High-water mark of the commit queue.", 0),
	    F(first_pos, "mwlink_journal_first_position", "Lowest journal position still stored.",
	      0),
	    F(durable_pos, "mwlink_journal_durable_position",
	      "Highest journal position committed to disk.", 0),
	    F(last_pos, "mwlink_journal_last_position",
	      "Highest journal position assigned (durable or pending).", 0),
	    F(rows, "mwlink_journal_rows", "Committed records stored.", 0),
	    F(bytes, "mwlink_journal_stored_bytes", "Envelope bytes of the stored records.", 0),
	    F(index_keys, "mwlink_journal_index_keys", "(origin, seq) keys in the duplicate index.",
	      0),
	    F(checkpoints, "mwlink_journal_checkpoints_total",
	      "WAL checkpoints run (the checkpoint thread's, beside the commits, and forced ones).",
	      1),
	    F(checkpoints_inline, "mwlink_journal_checkpoints_inline_total",
	      "WAL checkpoints the journal thread ran itself, commits waiting (the WAL at 2 x "
	      "ckpt_pages).",
	      1),
	    F(checkpoints_partial, "mwlink_journal_checkpoints_partial_total",
	      "WAL checkpoint passes that left part of the WAL uncopied (readers, or a commit "
	      "landed during the pass; the next pass copies the rest).",
	      1),
	    F(checkpoint_errors, "mwlink_journal_checkpoint_errors_total",
	      "WAL checkpoints that failed (retried).", 1),
	    F(wal_restarts, "mwlink_journal_wal_restarts_total",
	      "Commits of records that restarted the WAL (one extra fsync each).", 1),
	    F(wal_restarts_idle, "mwlink_journal_wal_restarts_idle_total",
	      "WAL restarts the journal thread made while idle, after a full checkpoint.", 1),
	    F(wal_restarts_idle_missed, "mwlink_journal_wal_restarts_idle_missed_total",
	      "Idle WAL restart commits that restarted nothing (one fsync spent in vain).", 1),
	    F(wal_prealloc_bytes, "mwlink_journal_wal_prealloc_bytes",
	      "Zero bytes written ahead in the WAL at open.", 0),
#undef F
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint64_t v;
		memcpy(&v, (const char *)j + c[i].off, sizeof(v));
		if (c[i].counter)
			counter(p, c[i].name, c[i].help, v);
		else
			gauge(p, c[i].name, c[i].help, (double)v);
	}
	gauge(p, "mwlink_journal_commit_duration_max_seconds", "Longest commit so far.",
	      (double)j->commit_ns_max / 1e9);
	counter_f(p, "mwlink_journal_checkpoint_seconds_total",
	          "Wall time spent in WAL checkpoints.", (double)j->checkpoint_ns_total / 1e9);
	gauge(p, "mwlink_journal_checkpoint_duration_max_seconds", "Longest checkpoint so far.",
	      (double)j->checkpoint_ns_max / 1e9);
	api_prom_family(p, "mwlink_journal_commit_duration_seconds", API_PROM_HISTOGRAM,
	                "Group commit latency (BEGIN..COMMIT wall time).");
	uint64_t acc = 0;
	for (int b = 0; b < STORE_LAT_BUCKETS - 1; b++) {
		acc += j->commit_lat_us_hist[b];
		char le[40];
		api_prom_format_f64(le, sizeof(le), (double)(UINT64_C(1) << (b + 1)) * 1e-6);
		L l[] = {{"le", le}};
		api_prom_u64(p, "_bucket", l, 1, acc);
	}
	acc += j->commit_lat_us_hist[STORE_LAT_BUCKETS - 1];
	L inf[] = {{"le", "+Inf"}};
	api_prom_u64(p, "_bucket", inf, 1, acc);
	api_prom_f64(p, "_sum", NULL, 0, (double)j->commit_ns_total / 1e9);
	api_prom_u64(p, "_count", NULL, 0, acc);
}

static void national_metrics(struct api_prom *p, const struct api_snapshot *s)
{
	const struct net_national_stats *n = &s->nat;
	counter(p, "mwlink_national_records_total", "Journal records seen by national tracking.",
	        n->records);
	api_prom_family(p, "mwlink_national_observations_fed_total", API_PROM_COUNTER,
	                "Observations fed to the national tracker, by picture.");
	L real[] = {{"picture", "real"}}, ex[] = {{"picture", "exercise"}};
	api_prom_u64(p, "", real, 1, n->obs_fed[0]);
	api_prom_u64(p, "", ex, 1, n->obs_fed[1]);
	counter(p, "mwlink_national_partner_observations_skipped_total",
	        "Partner observations not fed ([track] partner_observations off).",
	        n->obs_partner_skip);
	counter(p, "mwlink_national_observations_bad_total",
	        "Observation records that did not decode or that the tracker refused.", n->obs_bad);
	counter(p, "mwlink_national_tracker_errors_total", "Tracker processing failures.",
	        n->tracker_errors);
	counter(p, "mwlink_national_tracks_emitted_total", "Track payloads emitted (updates).",
	        n->tracks_out);
	counter(p, "mwlink_national_deletes_emitted_total", "Track payloads with status DELETED.",
	        n->deletes_out);
	counter(p, "mwlink_national_silent_total",
	        "Emissions suppressed while replaying the journal at start.", n->silent);
	counter(p, "mwlink_national_emit_failures_total", "Track payloads that could not be sent.",
	        n->emit_failures);
	counter(p, "mwlink_national_no_impact_total",
	        "Track updates sent without an impact prediction.", n->no_impact);
	counter(p, "mwlink_national_table_full_total",
	        "Confirmed tracks not shared: emission table full.", n->table_full);
	api_prom_family(p, "mwlink_national_live_tracks", API_PROM_GAUGE,
	                "Live tracks of the national tracker (tentative included), by picture.");
	api_prom_u64(p, "", real, 1, s->nat_live[0]);
	api_prom_u64(p, "", ex, 1, s->nat_live[1]);
}

static void api_metrics(struct api_prom *p, const struct api_snapshot *s)
{
	const struct api_counters *a = &s->api;
	api_prom_family(p, "mwlink_api_requests_total", API_PROM_COUNTER,
	                "HTTP requests answered, by status code.");
	for (int c = 0; c < API_CODE_COUNT; c++) {
		char code[8];
		snprintf(code, sizeof(code), "%d", api_code_status((enum api_code)c));
		L l[] = {{"code", code}};
		api_prom_u64(p, "", l, 1, a->requests[c]);
	}
	api_prom_family(p, "mwlink_api_bad_requests_total", API_PROM_COUNTER,
	                "HTTP requests refused, by reason.");
	for (int b = 0; b < API_BAD_COUNT; b++) {
		L l[] = {{"reason", api_bad_str((enum api_bad)b)}};
		api_prom_u64(p, "", l, 1, a->bad[b]);
	}
	counter(p, "mwlink_api_connections_total", "HTTP connections accepted.", a->conns_total);
	gauge(p, "mwlink_api_connections", "HTTP connections open.", (double)a->conns_live);
	counter(p, "mwlink_api_connection_limit_hits_total",
	        "Times accepting paused at the connection limit.", a->conn_limit_hits);
	gauge(p, "mwlink_api_sse_clients", "Open SSE streams.", (double)a->sse_clients);
	counter(p, "mwlink_api_sse_streams_total", "SSE streams opened.", a->sse_opened);
	api_prom_family(p, "mwlink_api_sse_events_total", API_PROM_COUNTER,
	                "SSE events written, summed over clients, by type.");
	for (int e = 0; e < API_SSE_EV_COUNT; e++) {
		L l[] = {{"type", api_sse_ev_str((enum api_sse_ev)e)}};
		api_prom_u64(p, "", l, 1, a->sse_events[e]);
	}
	counter(p, "mwlink_api_sse_dropped_slow_total",
	        "SSE clients dropped because their queue was full.", a->sse_dropped_slow);
	gauge(p, "mwlink_api_tracks", "Tracks in the /api/v1/tracks table.",
	      (double)a->tracks_live);
	counter(p, "mwlink_api_track_records_total", "Own TRACK records read from the journal.",
	        a->track_records);
	counter(p, "mwlink_api_track_records_bad_total",
	        "Own TRACK records that did not decode (skipped).", a->track_bad);
	counter(p, "mwlink_api_tracks_table_full_total",
	        "New tracks not kept: the track table was full.", a->tracks_full);
	counter(p, "mwlink_api_journal_read_errors_total",
	        "Journal reads for the track table that failed.", a->journal_read_errors);
	counter(p, "mwlink_api_render_errors_total",
	        "Responses that did not fit their buffer (answered 500).", a->render_errors);
}

int api_metrics_render(const struct api_snapshot *s, struct mw_buf *out)
{
	struct api_prom p;
	api_prom_init(&p, out);
	api_prom_family(&p, "mwlink_info", API_PROM_GAUGE,
	                "Constant 1; the labels say which node this is.");
	L info[] = {{"nation", s->nation ? s->nation : ""},
	            {"name", s->name ? s->name : ""},
	            {"mode", s->mode ? s->mode : ""},
	            {"version", s->version ? s->version : ""}};
	api_prom_u64(&p, "", info, 4, 1);
	gauge(&p, "mwlink_start_time_seconds", "Unix time the node's API started.",
	      ns_s(s->start_ns));
	gauge(&p, "mwlink_uptime_seconds", "Seconds since the node's API started.",
	      ns_s(s->uptime_ns));
	if (s->have_node) {
		node_metrics(&p, s);
		peer_metrics(&p, s);
	}
	if (s->have_journal)
		journal_metrics(&p, s);
	if (s->have_national)
		national_metrics(&p, s);
	api_metrics(&p, s);
	return api_prom_error(&p);
}
