/*
 * tests/unit/test_net.c - net/: PKI and certificate identities, node
 * configuration.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "net/linkstate.h"
#include "net/nodeconf.h"
#include "net/release.h"
#include "net/sensor_client.h"
#include "net/tls.h"
#include "net/pki.h"

#ifndef MW_SOURCE_DIR
#error "MW_SOURCE_DIR must be defined by the build"
#endif

/* ---- PKI ---- */

struct pki {
	EVP_PKEY *ca_key;
	X509 *ca;
};

static void make_ca(struct pki *p, const char *cn)
{
	struct mw_errbuf err = {{0}};
	assert_int_equal(net_pki_keygen(&p->ca_key), 0);
	struct net_cert_spec spec = {NET_CERT_CA, cn, NULL, -60, 86400};
	int rc = net_pki_issue(&spec, p->ca_key, NULL, p->ca_key, &p->ca, &err);
	if (rc)
		fail_msg("CA issue failed: %d %s", rc, err.msg);
}

static X509 *issue(struct pki *p, enum net_cert_role role, const char *cn, const char *uri,
                   int64_t nb, int64_t na)
{
	struct mw_errbuf err = {{0}};
	EVP_PKEY *k;
	X509 *c = NULL;
	assert_int_equal(net_pki_keygen(&k), 0);
	struct net_cert_spec spec = {role, cn, uri, nb, na};
	int rc = net_pki_issue(&spec, k, p->ca, p->ca_key, &c, &err);
	EVP_PKEY_free(k);
	if (rc)
		fail_msg("issue %s failed: %d %s", cn, rc, err.msg);
	return c;
}

static void free_pki(struct pki *p)
{
	EVP_PKEY_free(p->ca_key);
	X509_free(p->ca);
}

/* X509_verify_cert result of cert against the trust anchor ca. */
static int verify_chain(X509 *ca, X509 *cert)
{
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_STORE_add_cert(st, ca);
	X509_STORE_CTX_init(ctx, st, cert, NULL);
	int ok = X509_verify_cert(ctx);
	int e = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	return e;
}

static void pki_node_cert_binds_nation_and_chains_to_ca(void **state)
{
	(void)state;
	struct pki p;
	make_ca(&p, "test CA");
	X509 *c = issue(&p, NET_CERT_NODE, "node.kor", "mwlink:nation:KOR", -60, 3600);
	assert_int_equal(verify_chain(p.ca, c), X509_V_OK);
	struct net_cert_identity id;
	assert_int_equal(net_pki_cert_identity(c, &id, NULL), 0);
	assert_string_equal(id.cn, "node.kor");
	assert_string_equal(id.nation, "KOR");
	assert_false(id.is_sensor);
	assert_int_equal(net_pki_check_node(c, "node.kor", "KOR", NULL), 0);
	X509_free(c);
	free_pki(&p);
}

static void pki_check_node_rejects_other_nation_and_other_cn(void **state)
{
	(void)state;
	struct pki p;
	make_ca(&p, "test CA");
	X509 *c = issue(&p, NET_CERT_NODE, "node.jpn", "mwlink:nation:JPN", -60, 3600);
	struct mw_errbuf err = {{0}};
	assert_int_equal(net_pki_check_node(c, "node.kor", "KOR", &err), -MW_ECERT);
	assert_non_null(strstr(err.msg, "of nation JPN, expected KOR"));
	assert_int_equal(net_pki_check_node(c, "node.other", "JPN", &err), -MW_ECERT);
	assert_non_null(strstr(err.msg, "CN node.jpn, expected node.other"));
	/* a sensor certificate is not a node certificate, even of the right nation */
	X509 *s = issue(&p, NET_CERT_SENSOR, "sensor-3.jpn", "mwlink:sensor:JPN:3", -60, 3600);
	assert_int_equal(net_pki_check_node(s, NULL, "JPN", &err), -MW_ECERT);
	struct net_cert_identity id;
	assert_int_equal(net_pki_cert_identity(s, &id, NULL), 0);
	assert_true(id.is_sensor);
	assert_int_equal(id.sensor_id, 3);
	assert_string_equal(id.nation, "JPN");
	X509_free(s);
	X509_free(c);
	free_pki(&p);
}

static void pki_rejects_malformed_identity_uris(void **state)
{
	(void)state;
	struct pki p;
	make_ca(&p, "test CA");
	static const char *const bad_uris[] = {
	    "mwlink:nation:kor",
	    "mwlink:nation:KORE",
	    "mwlink:sensor:KOR:0",
	    "mwlink:sensor:KOR:x",
	    "mwlink:sensor:KOR:99999999999",
	    "mwlink:nation:",
	};
	for (size_t i = 0; i < sizeof(bad_uris) / sizeof(bad_uris[0]); i++) {
		X509 *c = issue(&p, NET_CERT_NODE, "node.kor", bad_uris[i], -60, 3600);
		struct net_cert_identity id;
		int rc = net_pki_cert_identity(c, &id, NULL);
		if (rc != -MW_ECERT)
			fail_msg("URI '%s': expected -MW_ECERT, got %d", bad_uris[i], rc);
		X509_free(c);
	}
	/* a certificate without any mwlink URI binds no nation */
	X509 *c = issue(&p, NET_CERT_NODE, "node.kor", "https://example.invalid/", -60, 3600);
	assert_int_equal(net_pki_check_node(c, NULL, "KOR", NULL), -MW_ECERT);
	X509_free(c);
	free_pki(&p);
}

static void pki_expired_and_foreign_ca_certs_fail_chain_verification(void **state)
{
	(void)state;
	struct pki p, rogue;
	make_ca(&p, "test CA");
	make_ca(&rogue, "rogue CA");
	X509 *expired = issue(&p, NET_CERT_NODE, "node.kor", "mwlink:nation:KOR", -7200, -3600);
	X509 *foreign = issue(&rogue, NET_CERT_NODE, "node.kor", "mwlink:nation:KOR", -60, 3600);
	int e = verify_chain(p.ca, expired);
	if (e != X509_V_ERR_CERT_HAS_EXPIRED)
		fail_msg("expired: got %d (%s)", e, X509_verify_cert_error_string(e));
	e = verify_chain(p.ca, foreign);
	if (e != X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
		fail_msg("foreign: got %d (%s)", e, X509_verify_cert_error_string(e));
	X509_free(expired);
	X509_free(foreign);
	free_pki(&p);
	free_pki(&rogue);
}

static void pki_pem_round_trip_keeps_identity_and_key_mode_0600(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_net_XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct pki p;
	make_ca(&p, "test CA");
	char kpath[256], cpath[256], ppath[256];
	snprintf(kpath, sizeof(kpath), "%s/k.key", dir);
	snprintf(cpath, sizeof(cpath), "%s/c.crt", dir);
	snprintf(ppath, sizeof(ppath), "%s/k.pub", dir);
	assert_int_equal(net_pki_write_key(kpath, p.ca_key, NULL), 0);
	assert_int_equal(net_pki_write_cert(cpath, p.ca, NULL), 0);
	assert_int_equal(net_pki_write_pub(ppath, p.ca_key, NULL), 0);
	struct stat st;
	assert_int_equal(stat(kpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	EVP_PKEY *k = NULL;
	X509 *c = NULL;
	assert_int_equal(net_pki_read_key(kpath, &k, NULL), 0);
	assert_int_equal(net_pki_read_cert(cpath, &c, NULL), 0);
	assert_int_equal(EVP_PKEY_eq(k, p.ca_key), 1);
	assert_int_equal(X509_cmp(c, p.ca), 0);
	struct mw_errbuf err = {{0}};
	X509 *none = NULL;
	char missing[300];
	snprintf(missing, sizeof(missing), "%s/missing.crt", dir);
	assert_int_equal(net_pki_read_cert(missing, &none, &err), -ENOENT);
	assert_null(none);
	assert_non_null(strstr(err.msg, "missing.crt"));
	EVP_PKEY_free(k);
	X509_free(c);
	free_pki(&p);
	unlink(kpath);
	unlink(cpath);
	unlink(ppath);
	rmdir(dir);
}

/* ---- node configuration ---- */

static const char *const minimal_conf = "[node]\n"
                                        "nation = KOR\n"
                                        "[pki]\n"
                                        "ca = pki/ca.crt\n"
                                        "cert = pki/kor/node.crt\n"
                                        "key = pki/kor/node.key\n"
                                        "sign_key = pki/kor/sign.key\n"
                                        "origin_keys = /abs/origin-keys\n"
                                        "[peer usa]\n"
                                        "nation = USA\n"
                                        "address = 127.0.0.1:7401\n"
                                        "[release]\n"
                                        "USA = observation, track,alert\n"
                                        "JPN = track\n"
                                        "[journal]\n"
                                        "path = j.db\n"
                                        "[ingest]\n"
                                        "exercise = no\n";

static void conf_minimal_file_gets_documented_defaults(void **state)
{
	(void)state;
	struct net_node_conf *c = calloc(1, sizeof(*c));
	struct mw_errbuf err = {{0}};
	int rc = net_conf_load_string(c, "t.ini", minimal_conf, "/base", &err);
	if (rc)
		fail_msg("load: %d %s", rc, err.msg);
	assert_string_equal(c->nation, "KOR");
	assert_string_equal(c->name, "kor");
	assert_string_equal(c->listen_peers.host, "127.0.0.1");
	assert_int_equal(c->listen_peers.port, 7400);
	assert_int_equal(c->listen_ingest.port, 7500);
	assert_int_equal(c->listen_http.port, 8400);
	assert_string_equal(c->ca, "/base/pki/ca.crt");
	assert_string_equal(c->sensor_ca, "/base/pki/ca.crt");
	assert_int_equal(c->expiry_warn_days, 14);
	assert_string_equal(c->origin_keys, "/abs/origin-keys");
	assert_string_equal(c->journal_path, "/base/j.db");
	assert_string_equal(c->sensor_keys, ""); /* no sensor keys: not required */
	assert_false(c->require_sensor_sig);
	assert_int_equal(c->n_peers, 1);
	assert_string_equal(c->peers[0].name, "usa");
	assert_string_equal(c->peers[0].identity, "node.usa");
	assert_true(c->peers[0].dial);
	assert_int_equal(c->peers[0].addr.port, 7401);
	assert_int_equal(net_conf_release_kinds(c, "USA"), NET_KIND_ALL);
	assert_int_equal(net_conf_release_kinds(c, "JPN"), NET_KIND_BIT(NET_KIND_TRACK));
	assert_int_equal(net_conf_release_kinds(c, "CHN"), 0);
	assert_int_equal(c->heartbeat_ns, 500000000);
	assert_int_equal(c->link_timeout_ns, 3000000000);
	assert_int_equal(c->max_frame_bytes, 65536);
	assert_int_equal(c->stats_interval_ns, INT64_C(60000000000));
	assert_ptr_equal(net_conf_peer_by_identity(c, "node.usa"), &c->peers[0]);
	assert_null(net_conf_peer_by_identity(c, "node.jpn"));
	free(c);
}

/* Load minimal_conf with one line replaced/added; return rc and message. */
static int load_variant(const char *find, const char *replace, struct mw_errbuf *err)
{
	char text[2048];
	const char *p = strstr(minimal_conf, find);
	assert_non_null(p);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(p - minimal_conf), minimal_conf, replace,
	         p + strlen(find));
	struct net_node_conf *c = calloc(1, sizeof(*c));
	memset(c, 0x5a, sizeof(*c));
	int rc = net_conf_load_string(c, "t.ini", text, "/base", err);
	if (rc) {
		/* untouched on failure */
		for (size_t i = 0; i < sizeof(*c); i++)
			if (((unsigned char *)c)[i] != 0x5a)
				fail_msg("config modified on failure at byte %zu", i);
	}
	free(c);
	return rc;
}

/* [ingest] sensor_keys: a path like the [pki] ones; require_sensor_sig
 * defaults to true with it and can be turned off. */
static void conf_sensor_keys_default_to_requiring_signatures(void **state)
{
	(void)state;
	static const struct {
		const char *extra;
		const char *dir;
		bool require;
	} cases[] = {
	    {"sensor_keys = pki/kor\n", "/base/pki/kor", true},
	    {"sensor_keys = /abs/keys\nrequire_sensor_sig = false\n", "/abs/keys", false},
	    {"sensor_keys = k\nrequire_sensor_sig = true\n", "/base/k", true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[2048];
		snprintf(text, sizeof(text), "%s%s", minimal_conf, cases[i].extra);
		struct net_node_conf *c = calloc(1, sizeof(*c));
		struct mw_errbuf err = {{0}};
		int rc = net_conf_load_string(c, "t.ini", text, "/base", &err);
		if (rc)
			fail_msg("case %zu: %d %s", i, rc, err.msg);
		assert_string_equal(c->sensor_keys, cases[i].dir);
		assert_int_equal(c->require_sensor_sig, cases[i].require);
		free(c);
	}
}

static void conf_errors_name_file_line_section_and_key(void **state)
{
	(void)state;
	static const struct {
		const char *find, *replace, *expect;
	} cases[] = {
	    {"nation = KOR\n", "nation = kor\n", "t.ini:2: [node] nation: expected a 3-letter"},
	    {"nation = USA\n", "nation = KOR\n",
	     "t.ini:10: [peer usa] nation: a peer must be of another nation"},
	    {"address = 127.0.0.1:7401\n", "address = 127.0.0.1:99999\n",
	     "t.ini:11: [peer usa] address: expected host:port"},
	    {"JPN = track\n", "JPN = track, secrets\n",
	     "t.ini:14: [release] JPN: expected a comma-separated list"},
	    {"JPN = track\n", "jpn = track\n", "t.ini:14: [release] jpn: key must be"},
	    {"JPN = track\n", "KOR = track\n", "[release] KOR: a node does not release"},
	    {"path = j.db\n", "path = j.db\nmax_bytes = 3 apples\n", "[journal] max_bytes"},
	    {"path = j.db\n", "path = j.db\nown_window = 4ms\n",
	     "[journal] own_window: unknown key"},
	    {"path = j.db\n", "path = j.db\nmax_sizee = 1\n", "max_sizee"},
	    {"origin_keys = /abs/origin-keys\n",
	     "origin_keys = /abs/origin-keys\nexpiry_warn_days = 3651\n", "[pki] expiry_warn_days"},
	    {"[journal]\n", "[peer usa2]\nnation = USA\n[journal]\n",
	     "two peers with the same certificate identity"},
	    {"[journal]\n", "[peer Bad!]\nnation = JPN\n[journal]\n", "[peer Bad!]: peer name"},
	    {"[journal]\npath = j.db\n",
	     "[link]\nheartbeat = 2s\ntimeout = 3s\n[journal]\npath = j.db\n",
	     "[link] timeout: must be more than twice [link] heartbeat, got 'timeout 3000 ms, "
	     "heartbeat 2000 ms'"},
	    {"[journal]\npath = j.db\n",
	     "[link]\nheartbeat = 2s\n[journal]\npath = j.db\n", /* timeout's default: 3 s */
	     "got 'timeout 3000 ms, heartbeat 2000 ms'"},
	    {"[journal]\npath = j.db\n",
	     "[link]\nreconnect_min = 2s\nreconnect_max = 1s\n[journal]\npath = j.db\n",
	     "[link] reconnect_max: must be >= reconnect_min, got 'reconnect_max 1000 ms, "
	     "reconnect_min 2000 ms'"},
	    {"[journal]\npath = j.db\n", "", "[journal] path"},
	    {"exercise = no\n", "", "[ingest] exercise: required"},
	    {"exercise = no\n", "", "[ingest] exercise: required"},
	    {"[journal]\n", "[listen]\ningest = off\n[journal]\n",
	     "[ingest] exercise: not used with [listen] ingest = off"},
	    {"exercise = no\n", "exercise = no\nrequire_sensor_sig = true\n",
	     "[ingest] require_sensor_sig: needs [ingest] sensor_keys"},
	    {"exercise = no\n", "exercise = no\nsensor_keys = keys\nrequire_sensor_sig = maybe\n",
	     "[ingest] require_sensor_sig"},
	    {"exercise = no\n", "exercise = no\nsensor_keys =\n", "[ingest] sensor_keys"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mw_errbuf err = {{0}};
		int rc = load_variant(cases[i].find, cases[i].replace, &err);
		if (rc != -MW_ECONFIG || !strstr(err.msg, cases[i].expect))
			fail_msg("case %zu: expected -MW_ECONFIG and '%s', got %d '%s'", i,
			         cases[i].expect, rc, err.msg);
	}
}

static void conf_example_deployments_load_and_form_a_hub(void **state)
{
	(void)state;
	static const char *const files[] = {"rok.ini",      "usa.ini",      "jpn.ini",
	                                    "mesh/rok.ini", "mesh/usa.ini", "mesh/jpn.ini"};
	struct net_node_conf *c[6];
	for (size_t i = 0; i < 6; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/examples/nodes/%s", MW_SOURCE_DIR, files[i]);
		c[i] = calloc(1, sizeof(*c[i]));
		struct mw_errbuf err = {{0}};
		int rc = net_conf_load(c[i], path, &err);
		if (rc)
			fail_msg("%s: %d %s", files[i], rc, err.msg);
	}
	/* hub: ROK and JPN have only USA as a peer and dial it; USA dials nobody */
	assert_int_equal(c[0]->n_peers, 1);
	assert_string_equal(c[0]->peers[0].nation, "USA");
	assert_true(c[0]->peers[0].dial);
	assert_int_equal(c[0]->peers[0].addr.port, c[1]->listen_peers.port);
	assert_int_equal(c[2]->n_peers, 1);
	assert_string_equal(c[2]->peers[0].nation, "USA");
	assert_int_equal(c[1]->n_peers, 2);
	for (size_t i = 0; i < c[1]->n_peers; i++)
		assert_false(c[1]->peers[i].dial);
	/* mesh: each pair has exactly one dialler, and it dials the other's port */
	for (size_t a = 3; a < 6; a++) {
		assert_int_equal(c[a]->n_peers, 2);
		for (size_t i = 0; i < c[a]->n_peers; i++) {
			const struct net_peer_conf *p = &c[a]->peers[i];
			size_t b = 3;
			while (b < 6 && strcmp(c[b]->nation, p->nation) != 0)
				b++;
			assert_true(b < 6);
			const struct net_peer_conf *back = NULL;
			for (size_t j = 0; j < c[b]->n_peers; j++)
				if (strcmp(c[b]->peers[j].nation, c[a]->nation) == 0)
					back = &c[b]->peers[j];
			assert_non_null(back);
			if (!back)
				continue; /* not reached: cmocka's fail is not noreturn */
			if (p->dial == back->dial)
				fail_msg("mesh %s-%s: dial %d/%d, need exactly one dialler",
				         c[a]->nation, p->nation, p->dial, back->dial);
			if (p->dial)
				assert_int_equal(p->addr.port, c[b]->listen_peers.port);
		}
	}
	for (size_t i = 0; i < 6; i++)
		free(c[i]);
}

/* ---- link state machine ---- */

static void link_state_walks_the_documented_life_cycle(void **state)
{
	(void)state;
	/* dialler: down -> connecting -> handshaking -> up -> degraded -> up -> down */
	static const struct {
		enum net_link_state from;
		enum net_link_event ev;
		enum net_link_state to;
	} legal[] = {
	    {NET_LINK_DOWN, NET_LEV_DIAL, NET_LINK_CONNECTING},
	    {NET_LINK_CONNECTING, NET_LEV_CONNECTED, NET_LINK_HANDSHAKING},
	    {NET_LINK_HANDSHAKING, NET_LEV_ESTABLISHED, NET_LINK_UP},
	    {NET_LINK_UP, NET_LEV_RTT_HIGH, NET_LINK_DEGRADED},
	    {NET_LINK_DEGRADED, NET_LEV_RTT_OK, NET_LINK_UP},
	    {NET_LINK_UP, NET_LEV_FAIL, NET_LINK_DOWN},
	    {NET_LINK_DOWN, NET_LEV_ACCEPTED, NET_LINK_HANDSHAKING},
	    {NET_LINK_HANDSHAKING, NET_LEV_FAIL, NET_LINK_DOWN},
	    {NET_LINK_CONNECTING, NET_LEV_FAIL, NET_LINK_DOWN},
	    {NET_LINK_DEGRADED, NET_LEV_FAIL, NET_LINK_DOWN},
	    {NET_LINK_UP, NET_LEV_SHUTDOWN, NET_LINK_CLOSED},
	};
	for (size_t i = 0; i < sizeof(legal) / sizeof(legal[0]); i++) {
		int n = net_link_next(legal[i].from, legal[i].ev);
		if (n != (int)legal[i].to)
			fail_msg("%s --%s--> expected %s, got %d",
			         net_link_state_str(legal[i].from), net_link_event_str(legal[i].ev),
			         net_link_state_str(legal[i].to), n);
	}
	assert_string_equal(net_link_state_str(NET_LINK_DEGRADED), "degraded");
	assert_string_equal(net_link_state_str((enum net_link_state)99), "invalid");
}

static void link_state_refuses_illegal_transitions(void **state)
{
	(void)state;
	/* data may only flow after establishment; nothing leaves CLOSED */
	assert_int_equal(net_link_next(NET_LINK_DOWN, NET_LEV_ESTABLISHED), -EINVAL);
	assert_int_equal(net_link_next(NET_LINK_CONNECTING, NET_LEV_ESTABLISHED), -EINVAL);
	assert_int_equal(net_link_next(NET_LINK_UP, NET_LEV_ACCEPTED), -EINVAL);
	assert_int_equal(net_link_next(NET_LINK_HANDSHAKING, NET_LEV_DIAL), -EINVAL);
	for (int e = 0; e < NET_LEV_COUNT; e++) {
		int n = net_link_next(NET_LINK_CLOSED, (enum net_link_event)e);
		if (e == NET_LEV_SHUTDOWN)
			assert_int_equal(n, NET_LINK_CLOSED);
		else if (n != -EINVAL)
			fail_msg("closed --%s--> %d, expected -EINVAL",
			         net_link_event_str((enum net_link_event)e), n);
	}
	int legal = 0;
	for (int s = 0; s < NET_LINK_STATE_COUNT; s++)
		for (int e = 0; e < NET_LEV_COUNT; e++)
			if (net_link_next((enum net_link_state)s, (enum net_link_event)e) >= 0) {
				legal++;
				if (net_link_carries_data((enum net_link_state)s) &&
				    e == NET_LEV_ESTABLISHED)
					fail_msg(
					    "established accepted while already carrying data");
			}
	assert_int_equal(legal, 4 + 3 + 3 + 4 + 4 + 1); /* rows of the table in linkstate.c */
	assert_int_equal(net_link_next((enum net_link_state) - 1, NET_LEV_FAIL), -EINVAL);
}

static void backoff_doubles_caps_and_jitters_within_bounds(void **state)
{
	(void)state;
	const int64_t min = 100, max = 5000;
	/* without jitter (u = 0.5 gives factor 1.0): 100, 200, 400, ... capped at 5000 */
	int64_t expect = 100;
	for (unsigned a = 0; a < 12; a++) {
		int64_t d = net_backoff_ns(min, max, a, 0.5);
		if (d != expect)
			fail_msg("attempt %u: expected %lld, got %lld", a, (long long)expect,
			         (long long)d);
		expect = expect * 2 > max ? max : expect * 2;
	}
	/* jitter spans [0.5, 1.5) of the base, clamped to [min, max] */
	assert_int_equal(net_backoff_ns(min, max, 2, 0.0), 200);
	assert_int_equal(net_backoff_ns(min, max, 2, 0.999999), 599);
	assert_int_equal(net_backoff_ns(min, max, 0, 0.0), 100);
	assert_int_equal(net_backoff_ns(min, max, 30, 0.9), 5000);
	assert_int_equal(net_backoff_ns(min, max, 1000000, 0.0), 2500);
	/* garbage random input falls back to no jitter */
	assert_int_equal(net_backoff_ns(min, max, 1, 7.0), 200);
}

static void rtt_smoothing_follows_rfc6298_gain(void **state)
{
	(void)state;
	int64_t s = net_rtt_update(0, 800);
	assert_int_equal(s, 800);
	s = net_rtt_update(s, 1600); /* 800 - 100 + 200 */
	assert_int_equal(s, 900);
	for (int i = 0; i < 200; i++)
		s = net_rtt_update(s, 1600);
	if (s < 1590 || s > 1600)
		fail_msg("srtt should converge to 1600, got %lld", (long long)s);
}

/* ---- release control ---- */

static void release_own_set_follows_policy_per_kind(void **state)
{
	(void)state;
	struct net_node_conf *c = calloc(1, sizeof(*c));
	struct mw_errbuf err = {{0}};
	int rc = net_conf_load_string(c, "t.ini", minimal_conf, "/base", &err);
	if (rc)
		fail_msg("load: %s", err.msg);
	/* minimal_conf: USA = observation, track, alert; JPN = track */
	char set[WIRE_MAX_RELEASE][MW_NATION_LEN];
	unsigned n = net_release_own_set(c, WIRE_KIND_OBSERVATION, set);
	assert_int_equal(n, 2);
	assert_string_equal(set[0], "KOR");
	assert_string_equal(set[1], "USA");
	n = net_release_own_set(c, WIRE_KIND_TRACK, set);
	assert_int_equal(n, 3);
	assert_string_equal(set[2], "JPN");
	n = net_release_own_set(c, 99, set);
	assert_int_equal(n, 1); /* unknown kind: own nation only */
	free(c);
}

static void release_send_rule_filters_destination_origin_and_relay(void **state)
{
	(void)state;
	static const struct {
		const char *rel, *origin, *from, *self, *dest;
		bool want;
	} cases[] = {
	    /* origin KOR sends its own data */
	    {"KOR,USA,JPN", "KOR", "", "KOR", "USA", true},
	    {"KOR,USA", "KOR", "", "KOR", "JPN", false}, /* not released to JPN */
	    /* the USA hub relays KOR's data */
	    {"KOR,USA,JPN", "KOR", "KOR", "USA", "JPN", true},
	    {"KOR,JPN", "KOR", "KOR", "USA", "JPN", false},         /* relay not in the set */
	    {"KOR,USA,JPN", "KOR", "KOR", "USA", "KOR", false},     /* back to the origin */
	    {"KOR,USA,JPN,GBR", "KOR", "GBR", "USA", "GBR", false}, /* back to the sender */
	    {"KOR,USA,JPN", "KOR", "JPN", "USA", "JPN", false},
	    /* substring nations do not match */
	    {"KORE,USAX", "KOR", "", "KOR", "USA", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = net_release_may_send(cases[i].rel, cases[i].origin, cases[i].from,
		                                cases[i].self, cases[i].dest);
		if (got != cases[i].want)
			fail_msg("case %zu (%s from %s via %s to %s, set %s): expected %d, got %d",
			         i, cases[i].origin, cases[i].from, cases[i].self, cases[i].dest,
			         cases[i].rel, cases[i].want, got);
	}
}

static void release_accept_rule_needs_self_and_relay_in_set(void **state)
{
	(void)state;
	struct wire_body b;
	memset(&b, 0, sizeof(b));
	memcpy(b.origin, "KOR", 4);
	b.n_release = 2;
	memcpy(b.release[0], "KOR", 4);
	memcpy(b.release[1], "USA", 4);
	/* USA receives it from KOR directly */
	assert_int_equal(net_release_check_rx(&b, "USA", "KOR"), NET_REJ_COUNT);
	/* JPN is not in the set */
	assert_int_equal(net_release_check_rx(&b, "JPN", "USA"), NET_REJ_NOT_RELEASED);
	/* in the set, but relayed by GBR which is not */
	memcpy(b.release[2], "JPN", 4);
	b.n_release = 3;
	assert_int_equal(net_release_check_rx(&b, "JPN", "GBR"), NET_REJ_RELAY_NOT_RELEASED);
	assert_int_equal(net_release_check_rx(&b, "JPN", "USA"), NET_REJ_COUNT);
}

/* ---- TLS: mutual authentication, TLS 1.3 only, failure reasons ---- */

struct tls_fixture {
	char dir[64];
	char ca[128], rogue_ca[128];
};

/* Write CA, rogue CA and certificates <name>.crt/.key into f->dir. */
static void tls_write(struct tls_fixture *f, struct pki *ca, const char *name,
                      enum net_cert_role role, const char *cn, const char *uri, int64_t nb,
                      int64_t na)
{
	struct mw_errbuf err = {{0}};
	EVP_PKEY *k;
	X509 *c = NULL;
	char path[192];
	assert_int_equal(net_pki_keygen(&k), 0);
	struct net_cert_spec spec = {role, cn, uri, nb, na};
	if (net_pki_issue(&spec, k, ca->ca, ca->ca_key, &c, &err))
		fail_msg("%s", err.msg);
	snprintf(path, sizeof(path), "%s/%s.crt", f->dir, name);
	assert_int_equal(net_pki_write_cert(path, c, NULL), 0);
	snprintf(path, sizeof(path), "%s/%s.key", f->dir, name);
	assert_int_equal(net_pki_write_key(path, k, NULL), 0);
	EVP_PKEY_free(k);
	X509_free(c);
}

static SSL_CTX *tls_ctx(struct tls_fixture *f, const char *ca, const char *name)
{
	char crt[192], key[192];
	snprintf(crt, sizeof(crt), "%s/%s.crt", f->dir, name);
	snprintf(key, sizeof(key), "%s/%s.key", f->dir, name);
	SSL_CTX *ctx = NULL;
	struct mw_errbuf err = {{0}};
	if (net_tls_ctx_new(ca, crt, key, &ctx, &err))
		fail_msg("ctx %s: %s", name, err.msg);
	return ctx;
}

/* Handshake over a memory BIO pair, then one byte client -> server so that
 * a TLS 1.3 server's verdict on the client certificate reaches both sides.
 * Returns 1 if the server read the byte; *srv_out keeps the server SSL. */
static int tls_pair(SSL_CTX *sctx, SSL_CTX *cctx, SSL **srv_out)
{
	SSL *s = SSL_new(sctx), *c = SSL_new(cctx);
	BIO *sb = NULL, *cb = NULL;
	assert_int_equal(BIO_new_bio_pair(&sb, 0, &cb, 0), 1);
	SSL_set_bio(s, sb, sb);
	SSL_set_bio(c, cb, cb);
	SSL_set_accept_state(s);
	SSL_set_connect_state(c);
	int ok = 0;
	bool sent = false;
	for (int i = 0; i < 50; i++) {
		int rc = SSL_do_handshake(c);
		if (rc == 1 && !sent && SSL_write(c, "x", 1) == 1)
			sent = true;
		char b;
		if (SSL_read(s, &b, 1) == 1) {
			ok = 1;
			break;
		}
		int e = SSL_get_error(s, -1);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			break;
	}
	SSL_free(c);
	*srv_out = s;
	return ok;
}

static void tls_fixture_setup(struct tls_fixture *f, struct pki *ca, struct pki *rogue)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_net_tls_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	make_ca(ca, "test CA");
	make_ca(rogue, "rogue CA");
	snprintf(f->ca, sizeof(f->ca), "%s/ca.crt", f->dir);
	snprintf(f->rogue_ca, sizeof(f->rogue_ca), "%s/rogue.crt", f->dir);
	assert_int_equal(net_pki_write_cert(f->ca, ca->ca, NULL), 0);
	assert_int_equal(net_pki_write_cert(f->rogue_ca, rogue->ca, NULL), 0);
	tls_write(f, ca, "usa", NET_CERT_NODE, "node.usa", "mwlink:nation:USA", -60, 3600);
	tls_write(f, ca, "kor", NET_CERT_NODE, "node.kor", "mwlink:nation:KOR", -60, 3600);
	tls_write(f, ca, "old", NET_CERT_NODE, "node.kor", "mwlink:nation:KOR", -7200, -3600);
	tls_write(f, rogue, "fake", NET_CERT_NODE, "node.kor", "mwlink:nation:KOR", -60, 3600);
}

static void tls_fixture_teardown(struct tls_fixture *f, struct pki *ca, struct pki *rogue)
{
	static const char *const names[] = {"usa", "kor", "old", "fake", "sensor"};
	char path[192];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s.crt", f->dir, names[i]);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s.key", f->dir, names[i]);
		unlink(path);
	}
	unlink(f->ca);
	unlink(f->rogue_ca);
	rmdir(f->dir);
	free_pki(ca);
	free_pki(rogue);
}

static void tls_mutual_auth_succeeds_and_names_the_peer(void **state)
{
	(void)state;
	struct tls_fixture f;
	struct pki ca, rogue;
	tls_fixture_setup(&f, &ca, &rogue);
	SSL_CTX *sctx = tls_ctx(&f, f.ca, "usa"), *cctx = tls_ctx(&f, f.ca, "kor");
	SSL *s = NULL;
	assert_int_equal(tls_pair(sctx, cctx, &s), 1);
	assert_int_equal(SSL_version(s), TLS1_3_VERSION);
	X509 *peer = SSL_get0_peer_certificate(s);
	assert_non_null(peer);
	assert_int_equal(net_pki_check_node(peer, "node.kor", "KOR", NULL), 0);
	SSL_free(s);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	tls_fixture_teardown(&f, &ca, &rogue);
}

static void tls_refuses_expired_foreign_and_missing_client_certs_with_reasons(void **state)
{
	(void)state;
	struct tls_fixture f;
	struct pki ca, rogue;
	tls_fixture_setup(&f, &ca, &rogue);
	SSL_CTX *sctx = tls_ctx(&f, f.ca, "usa");
	/* the client trusts the rogue CA too, so only the server's check decides */
	static const struct {
		const char *client;
		enum net_reject want;
	} cases[] = {{"old", NET_REJ_CERT_EXPIRED}, {"fake", NET_REJ_CERT_UNKNOWN_CA}};
	for (size_t i = 0; i < 2; i++) {
		SSL_CTX *cctx = tls_ctx(&f, f.ca, cases[i].client);
		SSL_CTX_load_verify_file(cctx, f.rogue_ca);
		SSL *s = NULL;
		assert_int_equal(tls_pair(sctx, cctx, &s), 0);
		char msg[200];
		enum net_reject r = net_tls_classify(s, 0, msg, sizeof(msg));
		if (r != cases[i].want)
			fail_msg("%s: expected %s, got %s (%s)", cases[i].client,
			         net_reject_str(cases[i].want), net_reject_str(r), msg);
		SSL_free(s);
		SSL_CTX_free(cctx);
	}
	/* a client without any certificate */
	SSL_CTX *bare = SSL_CTX_new(TLS_client_method());
	SSL_CTX_load_verify_file(bare, f.ca);
	SSL *s = NULL;
	assert_int_equal(tls_pair(sctx, bare, &s), 0);
	char msg[200];
	enum net_reject r = net_tls_classify(s, ERR_peek_error(), msg, sizeof(msg));
	if (r != NET_REJ_CERT_MISSING)
		fail_msg("no client cert: expected cert_missing, got %s (%s)", net_reject_str(r),
		         msg);
	SSL_free(s);
	SSL_CTX_free(bare);
	SSL_CTX_free(sctx);
	tls_fixture_teardown(&f, &ca, &rogue);
}

static void tls_refuses_a_tls12_client(void **state)
{
	(void)state;
	struct tls_fixture f;
	struct pki ca, rogue;
	tls_fixture_setup(&f, &ca, &rogue);
	SSL_CTX *sctx = tls_ctx(&f, f.ca, "usa");
	SSL_CTX *old = tls_ctx(&f, f.ca, "kor");
	assert_int_equal(SSL_CTX_set_min_proto_version(old, TLS1_2_VERSION), 1);
	assert_int_equal(SSL_CTX_set_max_proto_version(old, TLS1_2_VERSION), 1);
	SSL *s = NULL;
	assert_int_equal(tls_pair(sctx, old, &s), 0);
	ERR_clear_error();
	SSL_free(s);
	SSL_CTX_free(old);
	SSL_CTX_free(sctx);
	tls_fixture_teardown(&f, &ca, &rogue);
}

/* mwlinkd refuses to start (and --check fails) with its own certificate
 * of another CA, of another nation or a sensor's: every partner would
 * refuse it, and the node's own log would say nothing. An expired one
 * fails too, but as the time alone (time_only): the node then starts
 * without partners, for its sensors and national picture (tls.h). */
static void tls_own_certificate_must_verify_and_bind_the_node_nation(void **state)
{
	(void)state;
	struct tls_fixture f;
	struct pki ca, rogue;
	tls_fixture_setup(&f, &ca, &rogue);
	tls_write(&f, &ca, "sensor", NET_CERT_SENSOR, "sensor-1.kor", "mwlink:sensor:KOR:1", -60,
	          3600);
	static const struct {
		const char *name, *nation, *why; /* why: NULL = accepted */
		bool time_only;
	} cases[] = {
	    {"kor", "KOR", NULL, false},
	    {"kor", "USA", "is of nation KOR, expected USA", false},
	    {"old", "KOR", "certificate has expired", true},
	    {"old", "USA", "certificate has expired", false}, /* expired and of KOR */
	    {"fake", "KOR", "does not verify against the CA", false},
	    {"sensor", "KOR", "binds no node nation", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		SSL_CTX *ctx = tls_ctx(&f, f.ca, cases[i].name);
		struct mw_errbuf err = {{0}};
		bool time_only = !cases[i].time_only; /* must be written */
		int rc = net_tls_check_own(ctx, cases[i].nation, &time_only, &err);
		if (!cases[i].why && rc != 0)
			fail_msg("%s as %s: refused (%s)", cases[i].name, cases[i].nation, err.msg);
		if (cases[i].why && (rc != -MW_ECERT || !strstr(err.msg, cases[i].why)))
			fail_msg("%s as %s: rc %d, message '%s', want '%s'", cases[i].name,
			         cases[i].nation, rc, err.msg, cases[i].why);
		if (time_only != cases[i].time_only)
			fail_msg("%s as %s: time_only %d, want %d", cases[i].name, cases[i].nation,
			         time_only, cases[i].time_only);
		SSL_CTX_free(ctx);
	}
	tls_fixture_teardown(&f, &ca, &rogue);
}

/* HOST:PORT is checked before any connect: a name, a missing or
 * out-of-range port is refused with a message (getaddrinfo alone took
 * "127.0.0.1:99999" as port 34463, and inject printed "Success"). */
static void tcp_connect_refuses_malformed_host_port_with_a_message(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "localhost:1",     "127.0.0.1",    "127.0.0.1:",   "127.0.0.1:0", "127.0.0.1:99999",
	    "127.0.0.1:65536", "127.0.0.1:7x", "127.0.0.1:-1", ":7401",       "[::1]7401",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mw_errbuf err = {{0}};
		int fd = net_tcp_connect(bad[i], &err);
		if (fd != -EINVAL || !strstr(err.msg, "is not HOST:PORT"))
			fail_msg("'%s': got %d '%s'", bad[i], fd, err.msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(pki_node_cert_binds_nation_and_chains_to_ca),
	    cmocka_unit_test(pki_check_node_rejects_other_nation_and_other_cn),
	    cmocka_unit_test(pki_rejects_malformed_identity_uris),
	    cmocka_unit_test(pki_expired_and_foreign_ca_certs_fail_chain_verification),
	    cmocka_unit_test(pki_pem_round_trip_keeps_identity_and_key_mode_0600),
	    cmocka_unit_test(conf_minimal_file_gets_documented_defaults),
	    cmocka_unit_test(conf_errors_name_file_line_section_and_key),
	    cmocka_unit_test(conf_sensor_keys_default_to_requiring_signatures),
	    cmocka_unit_test(conf_example_deployments_load_and_form_a_hub),
	    cmocka_unit_test(link_state_walks_the_documented_life_cycle),
	    cmocka_unit_test(link_state_refuses_illegal_transitions),
	    cmocka_unit_test(backoff_doubles_caps_and_jitters_within_bounds),
	    cmocka_unit_test(rtt_smoothing_follows_rfc6298_gain),
	    cmocka_unit_test(release_own_set_follows_policy_per_kind),
	    cmocka_unit_test(release_send_rule_filters_destination_origin_and_relay),
	    cmocka_unit_test(release_accept_rule_needs_self_and_relay_in_set),
	    cmocka_unit_test(tls_mutual_auth_succeeds_and_names_the_peer),
	    cmocka_unit_test(tls_refuses_expired_foreign_and_missing_client_certs_with_reasons),
	    cmocka_unit_test(tls_refuses_a_tls12_client),
	    cmocka_unit_test(tls_own_certificate_must_verify_and_bind_the_node_nation),
	    cmocka_unit_test(tcp_connect_refuses_malformed_host_port_with_a_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
