/*
 * net/nodeconf.c - load and validate a node's INI configuration.
 *
 * How it works: core/config.c parses the file and hands out typed,
 * range-checked values with file:line messages; this file knows the
 * schema (sections, keys, defaults, ranges; see nodeconf.h and
 * docs/operations.md) and the cross-key rules (peer nations differ from
 * ours, names and identities unique, release rules name real nations).
 * Finally every key must have been consumed, so a misspelling is an error.
 *
 * Invariants:
 *  1. On failure *c is untouched (everything is built in a heap copy).
 *  2. Every message names the file, and the line when the value came from one.
 */
#include "net/nodeconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/time.h"

static const char *const kind_names[NET_KIND_COUNT] = {"observation", "track", "alert"};

const char *net_kind_str(enum net_kind k)
{
	if ((int)k < 0 || k >= NET_KIND_COUNT)
		return "unknown";
	return kind_names[k];
}

int net_addr_parse(const char *s, struct net_addr *out)
{
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s || (size_t)(colon - s) >= NET_HOST_MAX)
		return -EINVAL;
	const char *p = colon + 1;
	if (*p == '\0')
		return -EINVAL;
	long v = 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (*p - '0');
		if (v > 65535)
			return -EINVAL;
	}
	if (v < 1)
		return -EINVAL;
	struct net_addr a;
	memset(&a, 0, sizeof(a));
	memcpy(a.host, s, (size_t)(colon - s));
	a.port = (uint16_t)v;
	*out = a;
	return 0;
}

/* Line of section/key in the file, 0 if unknown. */
static int line_of(const struct mw_ini *ini, const char *section, const char *key)
{
	for (size_t i = 0; i < ini->n; i++)
		if (strcmp(ini->entries[i].section, section) == 0 &&
		    strcmp(ini->entries[i].key, key) == 0)
			return ini->entries[i].line;
	return 0;
}

static int bad(const struct mw_ini *ini, const char *section, const char *key,
               struct mw_errbuf *err, const char *what, const char *value)
{
	int line = line_of(ini, section, key);
	char where[64] = "";
	if (line > 0)
		snprintf(where, sizeof(where), ":%d", line);
	mw_errbuf_set(err, "%s%s: [%s] %s: %s, got '%s'", ini->path ? ini->path : "config", where,
	              section, key, what, value ? value : "");
	return -MW_ECONFIG;
}

static int copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		return -ENAMETOOLONG;
	memcpy(dst, src, n + 1);
	return 0;
}

/* A path key: relative values are joined to base_dir. */
static int get_path(struct mw_ini *ini, const char *section, const char *key, enum mw_ini_need need,
                    const char *def, const char *base_dir, char *out, struct mw_errbuf *err)
{
	const char *v;
	int rc = mw_ini_get_str(ini, section, key, need, def, &v, err);
	if (rc)
		return rc;
	if (!v) {
		out[0] = '\0';
		return 0;
	}
	if (v[0] == '\0')
		return bad(ini, section, key, err, "expected a path", v);
	int n;
	if (v[0] == '/' || !base_dir || base_dir[0] == '\0')
		n = snprintf(out, NET_PATH_MAX, "%s", v);
	else
		n = snprintf(out, NET_PATH_MAX, "%s/%s", base_dir, v);
	if (n < 0 || n >= NET_PATH_MAX)
		return bad(ini, section, key, err, "path too long", v);
	return 0;
}

static int get_addr(struct mw_ini *ini, const char *section, const char *key, const char *def,
                    struct net_addr *out, struct mw_errbuf *err)
{
	const char *v;
	int rc = mw_ini_get_str(ini, section, key, def ? MW_INI_OPTIONAL : MW_INI_REQUIRED, def, &v,
	                        err);
	if (rc)
		return rc;
	if (strcmp(v, "off") == 0) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	if (net_addr_parse(v, out))
		return bad(ini, section, key, err, "expected host:port (port 1..65535) or 'off'",
		           v);
	return 0;
}

/* [listen] http also takes port 0: any free port, for tests (the
 * daemon logs the bound one). host[0] == '\0' still means off. */
static int get_http_addr(struct mw_ini *ini, const char *def, struct net_addr *out,
                         struct mw_errbuf *err)
{
	const char *v;
	int rc = mw_ini_get_str(ini, "listen", "http", MW_INI_OPTIONAL, def, &v, err);
	if (rc)
		return rc;
	size_t n = strlen(v);
	if (n > 2 && strcmp(v + n - 2, ":0") == 0 && v[n - 3] != ':' && n - 2 < NET_HOST_MAX) {
		memset(out, 0, sizeof(*out));
		memcpy(out->host, v, n - 2);
		return 0;
	}
	return get_addr(ini, "listen", "http", def, out, err);
}

static int get_nation(struct mw_ini *ini, const char *section, const char *key, char *out,
                      struct mw_errbuf *err)
{
	const char *v;
	int rc = mw_ini_get_str(ini, section, key, MW_INI_REQUIRED, NULL, &v, err);
	if (rc)
		return rc;
	if (!net_nation_valid(v))
		return bad(ini, section, key, err,
		           "expected a 3-letter upper-case nation code (ISO 3166-1 alpha-3)", v);
	memcpy(out, v, NET_NATION_LEN);
	return 0;
}

static int valid_name(const char *s)
{
	if (!*s || strlen(s) >= NET_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_'))
			return 0;
	return 1;
}

/* "observation, track" -> bits; "none" -> 0. */
static int parse_kinds(const char *v, unsigned *out)
{
	if (strcmp(v, "none") == 0) {
		*out = 0;
		return 0;
	}
	unsigned bits = 0;
	const char *p = v;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *e = p;
		while (*e && *e != ',' && *e != ' ' && *e != '\t')
			e++;
		size_t len = (size_t)(e - p);
		int found = -1;
		for (int k = 0; k < NET_KIND_COUNT; k++)
			if (strlen(kind_names[k]) == len && strncmp(p, kind_names[k], len) == 0)
				found = k;
		if (found < 0)
			return -EINVAL;
		bits |= NET_KIND_BIT(found);
		while (*e == ' ' || *e == '\t')
			e++;
		if (*e == ',') {
			e++;
			if (*e == '\0')
				return -EINVAL;
		} else if (*e != '\0') {
			return -EINVAL;
		}
		p = e;
	}
	if (!bits)
		return -EINVAL;
	*out = bits;
	return 0;
}

static int load_peers(struct mw_ini *ini, struct net_node_conf *c, struct mw_errbuf *err)
{
	const char *sec;
	for (size_t i = 0; (sec = mw_ini_section_at(ini, "peer ", i)) != NULL; i++) {
		if (c->n_peers == NET_MAX_PEERS) {
			mw_errbuf_set(err, "%s: [%s]: more than %d peers", ini->path, sec,
			              NET_MAX_PEERS);
			return -MW_ECONFIG;
		}
		struct net_peer_conf *p = &c->peers[c->n_peers];
		memset(p, 0, sizeof(*p));
		const char *name = sec + 5;
		if (!valid_name(name)) {
			mw_errbuf_set(err,
			              "%s: [%s]: peer name must be 1..%d characters of a-z 0-9 - _",
			              ini->path, sec, NET_NAME_MAX - 1);
			return -MW_ECONFIG;
		}
		memcpy(p->name, name, strlen(name) + 1);
		int rc = get_nation(ini, sec, "nation", p->nation, err);
		if (rc)
			return rc;
		if (strcmp(p->nation, c->nation) == 0)
			return bad(ini, sec, "nation", err,
			           "a peer must be of another nation than [node] nation",
			           p->nation);
		/* default identity: node.<nation lower-case>, as `mwlink keys` issues */
		char def_id[NET_CN_MAX];
		snprintf(def_id, sizeof(def_id), "node.%c%c%c", p->nation[0] - 'A' + 'a',
		         p->nation[1] - 'A' + 'a', p->nation[2] - 'A' + 'a');
		const char *id;
		rc = mw_ini_get_str(ini, sec, "identity", MW_INI_OPTIONAL, def_id, &id, err);
		if (rc)
			return rc;
		if (!id[0] || copy_str(p->identity, sizeof(p->identity), id))
			return bad(ini, sec, "identity", err,
			           "expected a certificate CN of 1..63 characters", id);
		if (mw_ini_has(ini, sec, "address")) {
			rc = get_addr(ini, sec, "address", NULL, &p->addr, err);
			if (rc)
				return rc;
			if (p->addr.port == 0)
				return bad(ini, sec, "address", err, "expected host:port", "off");
			p->dial = true;
		}
		for (size_t j = 0; j < c->n_peers; j++) {
			if (strcmp(c->peers[j].identity, p->identity) == 0)
				return bad(ini, sec, "identity", err,
				           "two peers with the same certificate identity",
				           p->identity);
			if (strcmp(c->peers[j].nation, p->nation) == 0)
				return bad(ini, sec, "nation", err,
				           "two peers of the same nation (one link per nation)",
				           p->nation);
		}
		c->n_peers++;
	}
	return 0;
}

static int load_release(struct mw_ini *ini, struct net_node_conf *c, struct mw_errbuf *err)
{
	for (size_t i = 0; i < ini->n; i++) {
		struct mw_ini_entry *e = &ini->entries[i];
		if (strcmp(e->section, "release") != 0)
			continue;
		if (!net_nation_valid(e->key)) {
			mw_errbuf_set(err,
			              "%s:%d: [release] %s: key must be a destination nation code "
			              "(3 upper-case letters)",
			              ini->path, e->line, e->key);
			return -MW_ECONFIG;
		}
		if (strcmp(e->key, c->nation) == 0)
			return bad(ini, "release", e->key, err,
			           "a node does not release to its own nation", e->value);
		if (c->n_release == NET_MAX_RELEASE) {
			mw_errbuf_set(err, "%s:%d: [release]: more than %d rules", ini->path,
			              e->line, NET_MAX_RELEASE);
			return -MW_ECONFIG;
		}
		unsigned kinds;
		if (parse_kinds(e->value, &kinds))
			return bad(ini, "release", e->key, err,
			           "expected a comma-separated list of observation, track, alert "
			           "or 'none'",
			           e->value);
		struct net_release_rule *r = &c->release[c->n_release++];
		memcpy(r->nation, e->key, NET_NATION_LEN);
		r->kinds = kinds;
		e->used = true;
	}
	return 0;
}

static int load(struct mw_ini *ini, struct net_node_conf *c, const char *base_dir,
                struct mw_errbuf *err)
{
	int rc;
	int64_t iv;
	uint64_t uv;
	const char *s;
	if ((rc = get_nation(ini, "node", "nation", c->nation, err)))
		return rc;
	char def_name[NET_NAME_MAX];
	snprintf(def_name, sizeof(def_name), "%c%c%c", c->nation[0] - 'A' + 'a',
	         c->nation[1] - 'A' + 'a', c->nation[2] - 'A' + 'a');
	if ((rc = mw_ini_get_str(ini, "node", "name", MW_INI_OPTIONAL, def_name, &s, err)))
		return rc;
	if (!valid_name(s))
		return bad(ini, "node", "name", err, "expected 1..31 characters of a-z 0-9 - _", s);
	memcpy(c->name, s, strlen(s) + 1);
	if ((rc = mw_ini_get_str(ini, "node", "log_level", MW_INI_OPTIONAL, "info", &s, err)))
		return rc;
	if (mw_log_level_parse(s, &c->log_level))
		return bad(ini, "node", "log_level", err,
		           "expected debug, info, notice, warn or error", s);
	if ((rc = mw_ini_get_duration_ns(ini, "node", "stats_interval", MW_INI_OPTIONAL,
	                                 60 * MW_NS_PER_S, 0, 86400 * MW_NS_PER_S,
	                                 &c->stats_interval_ns, err)))
		return rc;

	if ((rc = get_addr(ini, "listen", "peers", "127.0.0.1:7400", &c->listen_peers, err)) ||
	    (rc = get_addr(ini, "listen", "ingest", "127.0.0.1:7500", &c->listen_ingest, err)) ||
	    (rc = get_http_addr(ini, "127.0.0.1:8400", &c->listen_http, err)))
		return rc;

	if (c->listen_ingest.port &&
	    (rc = mw_ini_get_bool(ini, "ingest", "exercise", MW_INI_REQUIRED, false,
	                          &c->ingest_exercise, err)))
		return rc;
	/* (said here: the unused-key check would call it an unknown key) */
	if (!c->listen_ingest.port && line_of(ini, "ingest", "exercise") > 0)
		return bad(ini, "ingest", "exercise", err,
		           "not used with [listen] ingest = off (no sensor connects)", "a value");

	/* sensor signatures (docs/operations.md "Sensor-signed observations") */
	if ((rc = get_path(ini, "ingest", "sensor_keys", MW_INI_OPTIONAL, NULL, base_dir,
	                   c->sensor_keys, err)) ||
	    (rc = mw_ini_get_bool(ini, "ingest", "require_sensor_sig", MW_INI_OPTIONAL,
	                          c->sensor_keys[0] != '\0', &c->require_sensor_sig, err)))
		return rc;
	if (c->require_sensor_sig && !c->sensor_keys[0])
		return bad(ini, "ingest", "require_sensor_sig", err,
		           "needs [ingest] sensor_keys (the sensors' public keys)", "true");
	if (!c->listen_ingest.port && c->sensor_keys[0])
		return bad(ini, "ingest", "sensor_keys", err,
		           "not used with [listen] ingest = off (no sensor connects)",
		           c->sensor_keys);

	if ((rc = get_path(ini, "pki", "ca", MW_INI_REQUIRED, NULL, base_dir, c->ca, err)) ||
	    (rc = get_path(ini, "pki", "cert", MW_INI_REQUIRED, NULL, base_dir, c->cert, err)) ||
	    (rc = get_path(ini, "pki", "key", MW_INI_REQUIRED, NULL, base_dir, c->key, err)) ||
	    (rc = get_path(ini, "pki", "sign_key", MW_INI_REQUIRED, NULL, base_dir, c->sign_key,
	                   err)) ||
	    (rc = get_path(ini, "pki", "origin_keys", MW_INI_REQUIRED, NULL, base_dir,
	                   c->origin_keys, err)) ||
	    (rc = get_path(ini, "pki", "sensor_ca", MW_INI_OPTIONAL, NULL, base_dir, c->sensor_ca,
	                   err)))
		return rc;
	if (!c->sensor_ca[0])
		memcpy(c->sensor_ca, c->ca, sizeof(c->ca));
	if ((rc = mw_ini_get_int(ini, "pki", "expiry_warn_days", MW_INI_OPTIONAL, 14, 0, 3650, &iv,
	                         err)))
		return rc;
	c->expiry_warn_days = (int)iv;

	if ((rc = load_peers(ini, c, err)) || (rc = load_release(ini, c, err)))
		return rc;
	/* A release rule may name a nation that is not a direct peer: data
	 * released to it travels through relays. */

	if ((rc = get_path(ini, "journal", "path", MW_INI_REQUIRED, NULL, base_dir, c->journal_path,
	                   err)) ||
	    (rc = mw_ini_get_size(ini, "journal", "max_bytes", MW_INI_OPTIONAL, 0, 0,
	                          UINT64_C(1) << 50, &c->journal_max_bytes, err)) ||
	    (rc = mw_ini_get_duration_ns(ini, "journal", "max_age", MW_INI_OPTIONAL, 0, 0,
	                                 INT64_C(400) * 86400 * MW_NS_PER_S, &c->journal_max_age_ns,
	                                 err)))
		return rc;

	if ((rc = mw_ini_get_duration_ns(ini, "link", "heartbeat", MW_INI_OPTIONAL,
	                                 500 * MW_NS_PER_MS, 10 * MW_NS_PER_MS, 60 * MW_NS_PER_S,
	                                 &c->heartbeat_ns, err)) ||
	    (rc = mw_ini_get_duration_ns(ini, "link", "timeout", MW_INI_OPTIONAL, 3 * MW_NS_PER_S,
	                                 50 * MW_NS_PER_MS, 600 * MW_NS_PER_S, &c->link_timeout_ns,
	                                 err)) ||
	    (rc = mw_ini_get_duration_ns(ini, "link", "reconnect_min", MW_INI_OPTIONAL,
	                                 100 * MW_NS_PER_MS, MW_NS_PER_MS, 60 * MW_NS_PER_S,
	                                 &c->reconnect_min_ns, err)) ||
	    (rc = mw_ini_get_duration_ns(ini, "link", "reconnect_max", MW_INI_OPTIONAL,
	                                 5 * MW_NS_PER_S, MW_NS_PER_MS, 3600 * MW_NS_PER_S,
	                                 &c->reconnect_max_ns, err)) ||
	    (rc = mw_ini_get_duration_ns(ini, "link", "degraded_rtt", MW_INI_OPTIONAL,
	                                 250 * MW_NS_PER_MS, MW_NS_PER_MS, 60 * MW_NS_PER_S,
	                                 &c->degraded_rtt_ns, err)))
		return rc;
	/* (the values as taken, defaults included: either key may be unset) */
	char got[96];
	if (c->link_timeout_ns <= 2 * c->heartbeat_ns) {
		snprintf(got, sizeof(got), "timeout %lld ms, heartbeat %lld ms",
		         (long long)(c->link_timeout_ns / MW_NS_PER_MS),
		         (long long)(c->heartbeat_ns / MW_NS_PER_MS));
		return bad(ini, "link", "timeout", err, "must be more than twice [link] heartbeat",
		           got);
	}
	if (c->reconnect_max_ns < c->reconnect_min_ns) {
		snprintf(got, sizeof(got), "reconnect_max %lld ms, reconnect_min %lld ms",
		         (long long)(c->reconnect_max_ns / MW_NS_PER_MS),
		         (long long)(c->reconnect_min_ns / MW_NS_PER_MS));
		return bad(ini, "link", "reconnect_max", err, "must be >= reconnect_min", got);
	}

	if ((rc = mw_ini_get_duration_ns(ini, "sign", "batch_window", MW_INI_OPTIONAL, 0, 0,
	                                 MW_NS_PER_S, &c->sign_window_ns, err)) ||
	    (rc = mw_ini_get_int(ini, "sign", "batch_max", MW_INI_OPTIONAL, 1024, 1, 65536, &iv,
	                         err)))
		return rc;
	c->sign_batch_max = (uint32_t)iv;

	if ((rc = mw_ini_get_size(ini, "limits", "max_frame", MW_INI_OPTIONAL, 64 * 1024, 1024,
	                          16 * 1024 * 1024, &uv, err)))
		return rc;
	c->max_frame_bytes = (uint32_t)uv;
	if ((rc = mw_ini_get_int(ini, "limits", "max_backlog", MW_INI_OPTIONAL, 65536, 1, 1 << 24,
	                         &iv, err)))
		return rc;
	c->max_backlog = (uint32_t)iv;
	if ((rc = mw_ini_get_int(ini, "limits", "max_sensors", MW_INI_OPTIONAL, 64, 1, 4096, &iv,
	                         err)))
		return rc;
	c->max_sensors = (uint32_t)iv;
	if ((rc = mw_ini_get_int(ini, "limits", "max_pending", MW_INI_OPTIONAL, 65536, 16, 1 << 24,
	                         &iv, err)))
		return rc;
	c->max_pending = (uint32_t)iv;

	/* national tracking (net/national.c, docs/operations.md "Tracking") */
	if ((rc = mw_ini_get_bool(ini, "track", "enabled", MW_INI_OPTIONAL, true, &c->track_enabled,
	                          err)) ||
	    (rc = mw_ini_get_bool(ini, "track", "partner_observations", MW_INI_OPTIONAL, false,
	                          &c->track_partner_obs, err)) ||
	    (rc = mw_ini_get_duration_ns(ini, "track", "interval", MW_INI_OPTIONAL, MW_NS_PER_S,
	                                 10 * MW_NS_PER_MS, 3600 * MW_NS_PER_S,
	                                 &c->track_interval_ns, err)) ||
	    (rc = mw_ini_get_int(ini, "track", "max_tracks", MW_INI_OPTIONAL, 1000, 1, 100000, &iv,
	                         err)))
		return rc;
	c->track_max_tracks = (uint32_t)iv;

	return mw_ini_check_unused(ini, err);
}

static void dir_of(const char *path, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	if (!slash) {
		snprintf(out, cap, ".");
		return;
	}
	if (n == 0)
		n = 1; /* "/x.ini" -> "/" */
	if (n >= cap)
		n = cap - 1;
	memcpy(out, path, n);
	out[n] = '\0';
}

static int finish_load(struct mw_ini *ini, struct net_node_conf *c, const char *name,
                       const char *base_dir, struct mw_errbuf *err)
{
	struct net_node_conf *tmp = calloc(1, sizeof(*tmp));
	if (!tmp) {
		mw_ini_finish(ini);
		return -ENOMEM;
	}
	snprintf(tmp->path, sizeof(tmp->path), "%s", name);
	int rc = load(ini, tmp, base_dir, err);
	mw_ini_finish(ini);
	if (!rc)
		*c = *tmp;
	free(tmp);
	return rc;
}

int net_conf_load(struct net_node_conf *c, const char *path, struct mw_errbuf *err)
{
	struct mw_ini ini;
	int rc = mw_ini_load(&ini, path, err);
	if (rc)
		return rc;
	char base[NET_PATH_MAX];
	dir_of(path, base, sizeof(base));
	return finish_load(&ini, c, path, base, err);
}

int net_conf_load_string(struct net_node_conf *c, const char *name, const char *text,
                         const char *base_dir, struct mw_errbuf *err)
{
	struct mw_ini ini;
	int rc = mw_ini_load_string(&ini, name, text, err);
	if (rc)
		return rc;
	return finish_load(&ini, c, name, base_dir, err);
}

unsigned net_conf_release_kinds(const struct net_node_conf *c, const char *nation)
{
	for (size_t i = 0; i < c->n_release; i++)
		if (strcmp(c->release[i].nation, nation) == 0)
			return c->release[i].kinds;
	return 0;
}

const struct net_peer_conf *net_conf_peer_by_name(const struct net_node_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_peers; i++)
		if (strcmp(c->peers[i].name, name) == 0)
			return &c->peers[i];
	return NULL;
}

const struct net_peer_conf *net_conf_peer_by_identity(const struct net_node_conf *c, const char *cn)
{
	for (size_t i = 0; i < c->n_peers; i++)
		if (strcmp(c->peers[i].identity, cn) == 0)
			return &c->peers[i];
	return NULL;
}
