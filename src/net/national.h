/*
 * net/national.h - the node's national tracking: observations from the
 * journal, in journal order, through the tracker (track/tracker.h);
 * confirmed national tracks out as encoded Track payloads for the node
 * to originate as TRACK envelopes (net_node_originate).
 *
 * Deterministic (design invariant 7): the output is a pure function of
 * the sequence of journal records fed; no clock is read. Exercise and
 * real observations go to two separate trackers (invariant 6). Only
 * OBSERVATION records are fed - this node's own, and partners' only if
 * partner_obs is set - never anybody's tracks (invariant 5). See the
 * header comment of national.c and docs/design-notes.md.
 */
#ifndef MW_NET_NATIONAL_H
#define MW_NET_NATIONAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"
#include "core/obs.h"
#include "store/journal.h"

/* Track ids of the exercise picture are offset by this, so that
 * (origin, track_id) stays unique across the two pictures. */
#define NET_NATIONAL_EXERCISE_ID_BASE (UINT64_C(1) << 32)

/* Called with one encoded Track payload (protobuf, wire_track_check'ed).
 * payload is valid only during the call. Returns 0 or < 0 (counted). */
typedef int (*net_national_emit_fn)(void *ud, bool exercise, int64_t data_t_ns,
                                    const uint8_t *payload, size_t len);

struct net_national_opts {
	char nation[MW_NATION_LEN]; /* this node's nation */
	bool partner_obs;           /* feed partners' observations too */
	int64_t interval_ns;        /* min data time between two updates of a track, > 0 */
	uint32_t max_tracks;        /* live tracks per picture, >= 1 */
	struct mw_log *log;         /* may be NULL */
	net_national_emit_fn emit;
	void *ud;
};

struct net_national_stats {
	uint64_t records;          /* journal records seen */
	uint64_t obs_fed[2];       /* observations fed: [0] real, [1] exercise */
	uint64_t obs_partner_skip; /* partner observations not fed (partner_obs off) */
	uint64_t obs_bad;          /* records that did not decode, or refused by the tracker */
	uint64_t tracker_errors;   /* tracker processing failures (-ENOMEM ...) */
	uint64_t tracks_out;       /* Track payloads emitted (updates) */
	uint64_t deletes_out;      /* of which status DELETED */
	uint64_t silent;           /* emissions suppressed while replaying (pos < live_from) */
	uint64_t emit_failures;    /* emit callback or encoding failed */
	uint64_t no_impact;        /* updates sent without an impact prediction */
	uint64_t table_full;       /* confirmed tracks not shared: emission table full */
};

struct net_national;

/* -EINVAL (bad opts), -ENOMEM, or the tracker's error. */
int net_national_new(const struct net_national_opts *o, struct net_national **out);
void net_national_free(struct net_national *nat);

/*
 * Feed one journal record (any kind; only observations are used), in
 * journal order. Emissions for records with pos < live_from (see below)
 * are decided and remembered but not emitted: a restarted node replays
 * its journal to rebuild the same tracker state without re-sending.
 * Returns 0 (bad input is counted, not an error) or -ENOMEM.
 */
int net_national_feed(struct net_national *nat, const struct store_rec *r);

/* Records with pos < pos are replayed silently (default 0: none). */
void net_national_set_live_from(struct net_national *nat, uint64_t pos);

/*
 * Read and feed journal records from where the last call stopped
 * (pending ones included: STORE_READ_PENDING, as fusion does), at most
 * max_recs (0 = no limit). Returns the number of records fed, or a
 * journal error. Must not be called from inside emit.
 */
int net_national_catch_up(struct net_national *nat, struct store_journal *j, size_t max_recs);

/* Next journal position catch_up will read. */
uint64_t net_national_next_pos(const struct net_national *nat);

void net_national_get_stats(const struct net_national *nat, struct net_national_stats *out);
/* One JSON-lines record "national stats" with every counter and the live
 * track counts of both pictures. */
void net_national_log_stats(const struct net_national *nat);

/* Live tracks (tentative included) of a picture: 0 real, 1 exercise. */
size_t net_national_live_tracks(const struct net_national *nat, int exercise);

#endif
