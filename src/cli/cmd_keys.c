/*
 * cli/cmd_keys.c - `mwlink keys`: create a development PKI.
 *
 *   mwlink keys --out DIR --nations KOR,USA,JPN [--sensors N] [--days D]
 *               [--test-certs] [--force]
 *
 * Layout written under DIR (nation codes lower-cased in paths):
 *
 *   ca.crt, ca.key                 alliance CA (Ed25519, self-signed)
 *   <nat>/node.crt, node.key       TLS certificate of the node:
 *                                  CN=node.<nat>, O=mwlink,
 *                                  SAN URI mwlink:nation:<NAT>
 *   <nat>/sign.key                 origin-signing key (Ed25519, PKCS#8 PEM)
 *   origin-keys/<NAT>.pub          its public half (SPKI PEM), the file the
 *                                  keyring of every node loads
 *   <nat>/sensor-<i>.crt, .key     sensor client certificates, i = 1..N:
 *                                  CN=sensor-<i>.<nat>,
 *                                  SAN URI mwlink:sensor:<NAT>:<i>
 *   <nat>/sensor-<i>.sign.key      the sensor's observation-signing key
 *                                  (Ed25519, PKCS#8 PEM, 0600)
 *   <nat>/sensor-<i>.sign.pub      its public half (SPKI PEM): the node's
 *                                  [ingest] sensor_keys = <nat> loads every
 *                                  sensor-<i>.sign.pub there
 *
 * With --test-certs, certificates tests need to see rejected, in test/:
 *   test/rogue-ca.crt, .key        another CA nobody trusts
 *   test/rogue-<nat>.crt, .key     a node certificate of <NAT> signed by it
 *   test/expired-<nat>.crt, .key   a node certificate of <NAT> from the real
 *                                  CA that expired a day ago
 *   test/rogue-sign-<nat>.key      an origin-signing key nobody registered
 *
 * Development only: private keys are unencrypted (mode 0600). An existing
 * ca.crt is not overwritten without --force.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "net/pki.h"

#define MAX_NATIONS 32
#define DAY_S       86400

static void keys_usage(FILE *f)
{
	fprintf(f, "usage: mwlink keys --out DIR --nations KOR,USA,JPN [--sensors N] [--days D]\n"
	           "                   [--test-certs] [--force]\n"
	           "Create a development PKI: alliance CA, per-node TLS certificates and\n"
	           "origin-signing keys, per-sensor client certificates and observation-\n"
	           "signing keys.\n"
	           "  --out DIR       output directory (created)\n"
	           "  --nations LIST  comma-separated ISO 3166-1 alpha-3 codes\n"
	           "  --sensors N     sensors per nation (default 2, max 1000)\n"
	           "  --days D        validity in days (default 365, max 3650)\n"
	           "  --test-certs    also write bad certificates for tests (test/)\n"
	           "  --force         overwrite an existing PKI in DIR\n");
}

static int mkdir_p1(const char *path)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "mwlink keys: mkdir %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int join(char *out, size_t cap, const char *a, const char *b)
{
	int n = snprintf(out, cap, "%s/%s", a, b);
	if (n < 0 || (size_t)n >= cap) {
		fprintf(stderr, "mwlink keys: path too long: %s/%s\n", a, b);
		return -1;
	}
	return 0;
}

/* Make a key, issue a cert, write both as <dir>/<stem>.crt/.key. On
 * success returns the key and cert through out (either may be NULL). */
static int make_pair(const char *dir, const char *stem, const struct net_cert_spec *spec, X509 *ca,
                     EVP_PKEY *ca_key, EVP_PKEY **key_out, X509 **cert_out)
{
	struct mw_errbuf err = {{0}};
	EVP_PKEY *k = NULL;
	X509 *c = NULL;
	char path[4096], name[256];
	int rc = -1;
	if (net_pki_keygen(&k)) {
		fprintf(stderr, "mwlink keys: key generation failed\n");
		return -1;
	}
	if (net_pki_issue(spec, k, ca, ca ? ca_key : k, &c, &err)) {
		fprintf(stderr, "mwlink keys: %s: %s\n", spec->cn, err.msg);
		goto out;
	}
	snprintf(name, sizeof(name), "%s.key", stem);
	if (join(path, sizeof(path), dir, name) || net_pki_write_key(path, k, &err))
		goto werr;
	snprintf(name, sizeof(name), "%s.crt", stem);
	if (join(path, sizeof(path), dir, name) || net_pki_write_cert(path, c, &err))
		goto werr;
	if (key_out) {
		*key_out = k;
		k = NULL;
	}
	if (cert_out) {
		*cert_out = c;
		c = NULL;
	}
	rc = 0;
	goto out;
werr:
	if (err.msg[0])
		fprintf(stderr, "mwlink keys: %s\n", err.msg);
out:
	EVP_PKEY_free(k);
	X509_free(c);
	return rc;
}

static int write_signing_key(const char *key_path, const char *pub_path)
{
	struct mw_errbuf err = {{0}};
	EVP_PKEY *k = NULL;
	if (net_pki_keygen(&k)) {
		fprintf(stderr, "mwlink keys: key generation failed\n");
		return -1;
	}
	int rc = net_pki_write_key(key_path, k, &err);
	if (!rc && pub_path)
		rc = net_pki_write_pub(pub_path, k, &err);
	EVP_PKEY_free(k);
	if (rc) {
		fprintf(stderr, "mwlink keys: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int parse_nations(const char *list, char nations[][NET_NATION_LEN], int *n_out)
{
	int n = 0;
	const char *p = list;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char code[NET_NATION_LEN] = "";
		if (len == 3) {
			memcpy(code, p, 3);
			code[3] = '\0';
		}
		if (!net_nation_valid(code)) {
			fprintf(stderr,
			        "mwlink keys: --nations: '%.*s' is not a 3-letter upper-case "
			        "nation code\n",
			        (int)(len > 16 ? 16 : len), p);
			return -1;
		}
		for (int i = 0; i < n; i++)
			if (strcmp(nations[i], code) == 0) {
				fprintf(stderr, "mwlink keys: --nations: %s given twice\n", code);
				return -1;
			}
		if (n == MAX_NATIONS) {
			fprintf(stderr, "mwlink keys: --nations: more than %d nations\n",
			        MAX_NATIONS);
			return -1;
		}
		memcpy(nations[n++], code, NET_NATION_LEN);
		p += len;
		if (*p == ',')
			p++;
	}
	if (n == 0) {
		fprintf(stderr, "mwlink keys: --nations: empty list\n");
		return -1;
	}
	*n_out = n;
	return 0;
}

static long parse_long(const char *opt, const char *s, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "mwlink keys: %s: expected an integer in %ld..%ld, got '%s'\n", opt,
		        min, max, s);
		return -1;
	}
	return v;
}

static void lower3(char *dst, const char *src)
{
	for (int i = 0; i < 3; i++)
		dst[i] = (char)(src[i] - 'A' + 'a');
	dst[3] = '\0';
}

int cmd_keys(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"out", required_argument, NULL, 'o'},     {"nations", required_argument, NULL, 'n'},
	    {"sensors", required_argument, NULL, 's'}, {"days", required_argument, NULL, 'd'},
	    {"test-certs", no_argument, NULL, 't'},    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	const char *out = NULL, *nation_list = NULL;
	long sensors = 2, days = 365;
	int test_certs = 0, force = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'n':
			nation_list = optarg;
			break;
		case 's':
			if ((sensors = parse_long("--sensors", optarg, 0, 1000)) < 0)
				return 2;
			break;
		case 'd':
			if ((days = parse_long("--days", optarg, 1, 3650)) < 0)
				return 2;
			break;
		case 't':
			test_certs = 1;
			break;
		case 'f':
			force = 1;
			break;
		case 'h':
			keys_usage(stdout);
			return 0;
		default:
			keys_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mwlink keys: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!out || !nation_list) {
		fprintf(stderr, "mwlink keys: %s is required\n", !out ? "--out" : "--nations");
		keys_usage(stderr);
		return 2;
	}
	char nations[MAX_NATIONS][NET_NATION_LEN];
	int n_nat = 0;
	if (parse_nations(nation_list, nations, &n_nat))
		return 2;

	char path[4096], dir[4096], stem[64], cn[NET_CN_MAX], uri[96];
	/* create --out and its parents (mkdir -p) */
	if (strlen(out) >= sizeof(path)) {
		fprintf(stderr, "mwlink keys: --out path too long\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s", out);
	for (char *sl = path + 1; (sl = strchr(sl, '/')) != NULL; sl++) {
		*sl = '\0';
		if (mkdir_p1(path))
			return 1;
		*sl = '/';
	}
	if (mkdir_p1(out))
		return 1;
	if (join(path, sizeof(path), out, "ca.crt"))
		return 1;
	if (!force && access(path, F_OK) == 0) {
		fprintf(stderr, "mwlink keys: %s exists (use --force to replace the PKI)\n", path);
		return 1;
	}

	int rc = 1;
	EVP_PKEY *ca_key = NULL, *rogue_key = NULL;
	X509 *ca = NULL, *rogue = NULL;
	const int64_t valid_s = (int64_t)days * DAY_S;
	struct net_cert_spec ca_spec = {NET_CERT_CA, "mwlink alliance CA", NULL, -3600,
	                                valid_s + DAY_S};
	if (make_pair(out, "ca", &ca_spec, NULL, NULL, &ca_key, &ca))
		goto out;
	if (join(dir, sizeof(dir), out, "origin-keys") || mkdir_p1(dir))
		goto out;

	for (int i = 0; i < n_nat; i++) {
		char low[4];
		lower3(low, nations[i]);
		if (join(dir, sizeof(dir), out, low) || mkdir_p1(dir))
			goto out;
		snprintf(cn, sizeof(cn), "node.%s", low);
		snprintf(uri, sizeof(uri), "mwlink:nation:%.3s", nations[i]);
		struct net_cert_spec spec = {NET_CERT_NODE, cn, uri, -3600, valid_s};
		if (make_pair(dir, "node", &spec, ca, ca_key, NULL, NULL))
			goto out;
		char pub[4096], name[32];
		snprintf(name, sizeof(name), "origin-keys/%.3s.pub", nations[i]);
		if (join(path, sizeof(path), dir, "sign.key") ||
		    join(pub, sizeof(pub), out, name) || write_signing_key(path, pub))
			goto out;
		for (long s = 1; s <= sensors; s++) {
			snprintf(cn, sizeof(cn), "sensor-%ld.%s", s, low);
			snprintf(uri, sizeof(uri), "mwlink:sensor:%.3s:%ld", nations[i], s);
			snprintf(stem, sizeof(stem), "sensor-%ld", s);
			struct net_cert_spec sspec = {NET_CERT_SENSOR, cn, uri, -3600, valid_s};
			if (make_pair(dir, stem, &sspec, ca, ca_key, NULL, NULL))
				goto out;
			char skey[4096], spub[4096], sname[80];
			snprintf(sname, sizeof(sname), "%s.sign.key", stem);
			if (join(skey, sizeof(skey), dir, sname))
				goto out;
			snprintf(sname, sizeof(sname), "%s.sign.pub", stem);
			if (join(spub, sizeof(spub), dir, sname) || write_signing_key(skey, spub))
				goto out;
		}
	}

	if (test_certs) {
		if (join(dir, sizeof(dir), out, "test") || mkdir_p1(dir))
			goto out;
		struct net_cert_spec rspec = {NET_CERT_CA, "mwlink rogue CA", NULL, -3600, valid_s};
		if (make_pair(dir, "rogue-ca", &rspec, NULL, NULL, &rogue_key, &rogue))
			goto out;
		for (int i = 0; i < n_nat; i++) {
			char low[4];
			lower3(low, nations[i]);
			snprintf(cn, sizeof(cn), "node.%s", low);
			snprintf(uri, sizeof(uri), "mwlink:nation:%.3s", nations[i]);
			struct net_cert_spec spec = {NET_CERT_NODE, cn, uri, -3600, valid_s};
			snprintf(stem, sizeof(stem), "rogue-%s", low);
			if (make_pair(dir, stem, &spec, rogue, rogue_key, NULL, NULL))
				goto out;
			struct net_cert_spec espec = {NET_CERT_NODE, cn, uri, -2 * DAY_S, -DAY_S};
			snprintf(stem, sizeof(stem), "expired-%s", low);
			if (make_pair(dir, stem, &espec, ca, ca_key, NULL, NULL))
				goto out;
			char name[48];
			snprintf(name, sizeof(name), "rogue-sign-%s.key", low);
			if (join(path, sizeof(path), dir, name) || write_signing_key(path, NULL))
				goto out;
		}
	}
	fprintf(stderr,
	        "mwlink keys: wrote CA, %d node certificates and signing keys, %ld sensor "
	        "certificates and signing keys per nation%s to %s\n",
	        n_nat, sensors, test_certs ? ", test certificates" : "", out);
	rc = 0;
out:
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(rogue_key);
	X509_free(ca);
	X509_free(rogue);
	return rc;
}
