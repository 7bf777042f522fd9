/*
 * net/pki.h - the development PKI and certificate identities.
 *
 * Who is who on an mwlink link is decided by X.509 certificates issued by
 * one alliance CA. A certificate names its holder twice:
 *
 *   node:    CN=node.kor, O=mwlink, SAN URI mwlink:nation:KOR
 *   sensor:  CN=sensor-7.kor, O=mwlink, SAN URI mwlink:sensor:KOR:7
 *
 * The SAN URI is what binds a nation (and a sensor number) to the key:
 * net_pki_cert_identity() extracts it, and the link layer compares it
 * with the nation configured for the peer (a valid certificate of another
 * nation is rejected). All keys are Ed25519 (RFC 8032; X.509 use per
 * RFC 8410), which TLS 1.3 supports as a signature scheme (RFC 8446
 * 4.2.3).
 *
 * The generator functions (net_pki_keygen, net_pki_issue, net_pki_write_*)
 * are what `mwlink keys` uses; they can also make the deliberately bad
 * certificates tests need (expired, signed by another CA).
 */
#ifndef MW_NET_PKI_H
#define MW_NET_PKI_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/err.h"

#define NET_NATION_LEN 4 /* "KOR" + NUL */
#define NET_CN_MAX     64

enum net_cert_role {
	NET_CERT_CA = 1,
	NET_CERT_NODE,   /* TLS server and client (links are dialled either way) */
	NET_CERT_SENSOR, /* TLS client only */
};

struct net_cert_spec {
	enum net_cert_role role;
	const char *cn;       /* common name, e.g. "node.kor" */
	const char *san_uri;  /* e.g. "mwlink:nation:KOR"; NULL for none */
	int64_t not_before_s; /* validity start, seconds relative to now */
	int64_t not_after_s;  /* validity end, seconds relative to now */
};

/* What a certificate says about its holder (parsed from CN and SAN URI). */
struct net_cert_identity {
	char cn[NET_CN_MAX];
	char nation[NET_NATION_LEN]; /* "" if the certificate binds none */
	bool is_sensor;
	uint32_t sensor_id; /* for sensors */
};

/* True if s is three upper-case ASCII letters (ISO 3166-1 alpha-3 form). */
bool net_nation_valid(const char *s);

/* New Ed25519 key pair; -ENOMEM / -MW_ECERT on failure. Caller frees. */
int net_pki_keygen(EVP_PKEY **out);

/*
 * Issue a certificate for subject_key. issuer == NULL makes it
 * self-signed (issuer_key must then be subject_key's pair). The serial is
 * 63 random bits. *out is the caller's on success.
 */
int net_pki_issue(const struct net_cert_spec *spec, EVP_PKEY *subject_key, X509 *issuer,
                  EVP_PKEY *issuer_key, X509 **out, struct mw_errbuf *err);

/* PEM writers. Private keys: PKCS#8, file mode 0600. Public: SPKI. */
int net_pki_write_key(const char *path, EVP_PKEY *key, struct mw_errbuf *err);
int net_pki_write_pub(const char *path, EVP_PKEY *key, struct mw_errbuf *err);
int net_pki_write_cert(const char *path, X509 *cert, struct mw_errbuf *err);

/* PEM readers; *out is the caller's on success. */
int net_pki_read_key(const char *path, EVP_PKEY **out, struct mw_errbuf *err);
int net_pki_read_cert(const char *path, X509 **out, struct mw_errbuf *err);

/* Parse CN and the mwlink: SAN URI. -MW_ECERT if the CN is missing or
 * too long or the mwlink URI is malformed. */
int net_pki_cert_identity(X509 *cert, struct net_cert_identity *out, struct mw_errbuf *err);

/*
 * Check that a (chain-verified) peer certificate belongs to the expected
 * node: CN equal to expected_cn (if non-NULL) and SAN nation equal to
 * expected_nation. -MW_ECERT with a message naming the mismatch.
 */
int net_pki_check_node(X509 *cert, const char *expected_cn, const char *expected_nation,
                       struct mw_errbuf *err);

#endif
