/*
 * api/json.h - the JSON documents of the HTTP API (jansson), built from
 * plain structs so that they are unit-tested without a running node.
 * Field meanings: docs/operations.md, "HTTP API".
 */
#ifndef MW_API_JSON_H
#define MW_API_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "net/node.h"

/* One national track as the API shows it (decoded from a TRACK record of
 * this node's own origin; positions in ECEF metres, times ns since the
 * epoch). */
struct api_track {
	uint64_t track_id;
	char origin[NET_NATION_LEN];
	bool exercise;
	int status; /* Mwlink__TrackStatus */
	int phase;  /* Mwlink__Phase */
	int64_t t_ns;
	int64_t data_t_ns; /* envelope data time */
	double pos_ecef_m[3];
	double vel_ecef_m_s[3];
	double sigma_pos_m; /* sqrt(trace of the position covariance / 3) */
	double quality;
	uint32_t n_updates;
	uint64_t seq, journal_pos;
	bool has_impact;
	double impact_ecef_m[3];
	int64_t impact_t_ns;
	double impact_sigma_t_s;
	double ell_semi_major_m, ell_semi_minor_m, ell_orient_deg; /* 95 % */
	bool has_launch;
	double launch_ecef_m[3];
	int64_t launch_t_ns;
	double launch_sigma_t_s;
	double lau_semi_major_m, lau_semi_minor_m, lau_orient_deg; /* 95%; NaN = absent */
};

/* Decode an encoded Track payload into out (origin, exercise, seq, pos
 * and data time are the caller's). 0, or the decoder's error
 * (-MW_EDECODE, -MW_EFIELD); out untouched on failure. */
int api_track_decode(const uint8_t *payload, size_t len, struct api_track *out);

/* "boost", "midcourse", "terminal", "unknown"; "confirmed", "deleted", ... */
const char *api_phase_str(int phase);
const char *api_track_status_str(int status);

/* {"track_id":..,"origin":..,"exercise":..,"status":..,"phase":..,"t":..,
 *  "position":{lat_deg,lon_deg,alt_m,ecef_m},"velocity":{ecef_m_s,speed_m_s},
 *  "impact":{...}|null,"launch":{...}|null,...}. NULL on -ENOMEM. */
json_t *api_json_track(const struct api_track *t);

/* One link: {"name","nation","state","up","since","since_ns","rtt_ms"|null,
 * "backlog","acked","tx_next","env_tx","env_rx","connects","replaced",
 * "cert_not_after"|null,"cert_expiry_s"|null} (the certificate the peer
 * last presented; expiry_s negative once past). */
json_t *api_json_link(const struct net_peer_status *p);

struct api_health {
	const char *nation, *name, *mode, *version;
	int64_t now_ns, uptime_ns;
	bool journal_failed;
	int journal_last_err; /* last commit error (0: none) */
	uint64_t durable_pos, last_pos;
	size_t n_peers, links_up, links_degraded, links_down;
	size_t tracks;
	/* why the node's own certificate is out of its validity time, or NULL
	 * (net_node_own_cert_fault) */
	const char *own_cert_fault;
	int64_t own_cert_na_s, ca_cert_na_s; /* notAfter, Unix seconds; 0 = unknown */
};

/* {"status":"ok"|"failed","nation",..,"mode",..,"uptime_s",..,
 *  "journal":{"status","last_error","durable_pos","last_pos"},
 *  "links":{"total","up","degraded","down"},"tracks":n,"time":..,
 *  "own_cert_fault":"..."|null,"own_cert_not_after"|null,"own_cert_expiry_s"|null,
 *  "ca_cert_not_after"|null,"ca_cert_expiry_s"|null} (expiry_s: seconds from now_ns
 *  to the notAfter, negative once past) */
json_t *api_json_health(const struct api_health *h);

/* ISO 8601 UTC with milliseconds, or null for t_ns <= 0. */
json_t *api_json_time(int64_t t_ns);

/* {"error": msg, "status": code} */
json_t *api_json_error(int status, const char *msg);

#endif
