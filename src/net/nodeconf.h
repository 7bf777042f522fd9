/*
 * net/nodeconf.h - one national node's configuration (the INI file that
 * `mwlinkd --config FILE` reads). Every key is documented in
 * docs/operations.md; examples/nodes/ holds working files.
 *
 *   [node]      nation, name, log_level, stats_interval
 *   [listen]    peers, ingest, http           host:port, 127.0.0.1 by default
 *   [peer NAME] nation, identity, address     one section per partner node
 *   [pki]       ca, cert, key, sign_key, origin_keys, sensor_ca, expiry_warn_days
 *   [release]   <NATION> = observation, track, alert | none
 *   [ingest]    exercise                      required when ingest is on
 *               sensor_keys, require_sensor_sig  sensor-signed observations
 *   [journal]   path, max_bytes, max_age
 *   [link]      heartbeat, timeout, reconnect_min, reconnect_max, degraded_rtt
 *   [sign]      batch_window, batch_max
 *   [limits]    max_frame, max_backlog, max_sensors, max_pending
 *   [track]     enabled, partner_observations, interval, max_tracks
 *
 * Relative paths are resolved against the directory of the config file,
 * so a deployment directory can be moved as a whole.
 *
 * Invariants:
 *  1. A loaded config is complete and consistent: every peer has a valid
 *     nation that differs from ours, names and identities are unique, every
 *     release rule names a valid nation other than ours, limits are in range.
 *  2. Unknown keys are errors (a misspelt key never silently does nothing).
 */
#ifndef MW_NET_NODECONF_H
#define MW_NET_NODECONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/log.h"
#include "net/pki.h"

#define NET_MAX_PEERS   32
#define NET_MAX_RELEASE 64
#define NET_NAME_MAX    32
#define NET_HOST_MAX    64
#define NET_PATH_MAX    1024
/* Data kinds an envelope can carry; release policy is per kind. */
enum net_kind { NET_KIND_OBSERVATION = 0, NET_KIND_TRACK = 1, NET_KIND_ALERT = 2, NET_KIND_COUNT };
#define NET_KIND_BIT(k) (1u << (unsigned)(k))
#define NET_KIND_ALL    ((1u << NET_KIND_COUNT) - 1u)

const char *net_kind_str(enum net_kind k);

struct net_addr {
	char host[NET_HOST_MAX];
	uint16_t port; /* 0: disabled */
};

struct net_peer_conf {
	char name[NET_NAME_MAX];     /* section name: [peer usa] -> "usa" */
	char nation[NET_NATION_LEN]; /* nation its certificate must bind */
	char identity[NET_CN_MAX];   /* expected certificate CN */
	bool dial;                   /* true: we connect to address */
	struct net_addr addr;        /* valid when dial */
};

struct net_release_rule {
	char nation[NET_NATION_LEN];
	unsigned kinds; /* NET_KIND_BIT set */
};

struct net_node_conf {
	char path[NET_PATH_MAX]; /* the file it was loaded from */
	char nation[NET_NATION_LEN];
	char name[NET_NAME_MAX];
	enum mw_log_level log_level;
	int64_t stats_interval_ns; /* log the counters this often; 0 = only on SIGUSR1/exit */

	struct net_addr listen_peers;
	struct net_addr listen_ingest;
	struct net_addr listen_http;

	bool ingest_exercise; /* sensor data is exercise data (simulator) */
	/* directory of sensor-<id>.sign.pub (this nation's sensors), "" = none */
	char sensor_keys[NET_PATH_MAX];
	bool require_sensor_sig; /* reject unsigned observations (default: sensor_keys set) */

	char ca[NET_PATH_MAX];          /* alliance CA: verifies peers */
	char sensor_ca[NET_PATH_MAX];   /* verifies sensors; default: ca */
	char cert[NET_PATH_MAX];        /* this node's TLS certificate */
	char key[NET_PATH_MAX];         /* and its private key */
	char sign_key[NET_PATH_MAX];    /* origin-signing key (Ed25519) */
	char origin_keys[NET_PATH_MAX]; /* directory of <NATION>.pub */
	int expiry_warn_days; /* WARN once when a certificate expires within this; 0 = never */

	struct net_peer_conf peers[NET_MAX_PEERS];
	size_t n_peers;

	struct net_release_rule release[NET_MAX_RELEASE];
	size_t n_release;

	char journal_path[NET_PATH_MAX];
	uint64_t journal_max_bytes; /* 0: no size limit */
	int64_t journal_max_age_ns; /* 0: no age limit */

	int64_t heartbeat_ns;
	int64_t link_timeout_ns; /* no frame for this long: the link is dead */
	int64_t reconnect_min_ns;
	int64_t reconnect_max_ns;
	int64_t degraded_rtt_ns; /* RTT above this: the link is degraded */

	int64_t sign_window_ns; /* batching window for origin signatures */
	uint32_t sign_batch_max;

	uint32_t max_frame_bytes;
	uint32_t max_backlog; /* envelopes sent and not yet acked, per peer */
	uint32_t max_sensors; /* concurrent sensor connections */
	uint32_t max_pending; /* envelopes accepted, not yet durable */

	/* [track]: national tracking of the observations in the journal */
	bool track_enabled;        /* run the national tracker (default true) */
	bool track_partner_obs;    /* also feed partners' released observations */
	int64_t track_interval_ns; /* at most one update per track per this much data time */
	uint32_t track_max_tracks; /* live tracks per tracker (real, exercise) */
};

/* Load and validate; on failure err names file, line, section and key. */
int net_conf_load(struct net_node_conf *c, const char *path, struct mw_errbuf *err);
/* Same from a string; relative paths are resolved against base_dir. */
int net_conf_load_string(struct net_node_conf *c, const char *name, const char *text,
                         const char *base_dir, struct mw_errbuf *err);

/* Kinds this node releases to nation (0 if no rule). */
unsigned net_conf_release_kinds(const struct net_node_conf *c, const char *nation);

/* The peer with this name / certificate identity, or NULL. */
const struct net_peer_conf *net_conf_peer_by_name(const struct net_node_conf *c, const char *name);
const struct net_peer_conf *net_conf_peer_by_identity(const struct net_node_conf *c,
                                                      const char *cn);

/* Parse "host:port" (port 1..65535). */
int net_addr_parse(const char *s, struct net_addr *out);

#endif
