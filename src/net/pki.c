/*
 * net/pki.c - key and certificate generation, PEM I/O, identity parsing.
 *
 * How it works: everything goes through the OpenSSL 3 API (no shelling
 * out to openssl(1)). Keys are Ed25519 made with EVP_PKEY_Q_keygen.
 * Certificates are X.509 v3 built field by field:
 *
 *   version 3, serial = 63 random bits, validity = now + offsets,
 *   subject O=mwlink, CN=<cn>; issuer = the CA's subject (or own);
 *   extensions by role:
 *     CA:     basicConstraints critical CA:TRUE, keyUsage critical
 *             keyCertSign,cRLSign
 *     node:   basicConstraints critical CA:FALSE, keyUsage critical
 *             digitalSignature, extKeyUsage serverAuth,clientAuth
 *     sensor: as node but extKeyUsage clientAuth only
 *   all: subjectKeyIdentifier, authorityKeyIdentifier, and
 *        subjectAltName URI:<san_uri> when given.
 *   Signed with the issuer's Ed25519 key (digest NULL: Ed25519 hashes
 *   internally, RFC 8410 section 3).
 *
 * Identity URIs (the SAN): "mwlink:nation:XXX" for nodes,
 * "mwlink:sensor:XXX:N" for sensors (N decimal, 1..2^32-1).
 *
 * Invariants:
 *  1. Private key files are created with mode 0600 and never world-readable.
 *  2. On failure nothing is returned through out-parameters and every
 *     OpenSSL object made so far is freed.
 */
#include "net/pki.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

bool net_nation_valid(const char *s)
{
	if (!s)
		return false;
	for (int i = 0; i < 3; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return false;
	return s[3] == '\0';
}

static void ssl_err(struct mw_errbuf *err, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "unknown OpenSSL error";
	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	if (err)
		mw_errbuf_set(err, "%s: %s", what, buf);
}

int net_pki_keygen(EVP_PKEY **out)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!k) {
		ERR_clear_error();
		return -MW_ECERT;
	}
	*out = k;
	return 0;
}

static int add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	if (!ext)
		return -1;
	int ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

int net_pki_issue(const struct net_cert_spec *spec, EVP_PKEY *subject_key, X509 *issuer,
                  EVP_PKEY *issuer_key, X509 **out, struct mw_errbuf *err)
{
	if (!spec || !spec->cn || !subject_key || !issuer_key || !out ||
	    strlen(spec->cn) >= NET_CN_MAX || spec->not_after_s <= spec->not_before_s) {
		if (err)
			mw_errbuf_set(err, "certificate spec invalid");
		return -EINVAL;
	}
	int rc = -MW_ECERT;
	X509 *x = X509_new();
	if (!x) {
		ssl_err(err, "X509_new");
		return -ENOMEM;
	}
	uint64_t serial = 0;
	if (RAND_bytes((unsigned char *)&serial, sizeof(serial)) != 1) {
		ssl_err(err, "RAND_bytes");
		goto out;
	}
	serial &= UINT64_C(0x7fffffffffffffff);
	if (serial == 0)
		serial = 1;
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) ||
	    !X509_time_adj_ex(X509_getm_notBefore(x), 0, (long)spec->not_before_s, NULL) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), 0, (long)spec->not_after_s, NULL)) {
		ssl_err(err, "certificate fields");
		goto out;
	}
	X509_NAME *name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"mwlink",
	                                -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)spec->cn,
	                                -1, -1, 0) ||
	    !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) ||
	    !X509_set_pubkey(x, subject_key)) {
		ssl_err(err, "certificate names");
		goto out;
	}

	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	const char *bc, *ku, *eku = NULL;
	switch (spec->role) {
	case NET_CERT_CA:
		bc = "critical,CA:TRUE";
		ku = "critical,keyCertSign,cRLSign";
		break;
	case NET_CERT_NODE:
		bc = "critical,CA:FALSE";
		ku = "critical,digitalSignature";
		eku = "serverAuth,clientAuth";
		break;
	case NET_CERT_SENSOR:
		bc = "critical,CA:FALSE";
		ku = "critical,digitalSignature";
		eku = "clientAuth";
		break;
	default:
		if (err)
			mw_errbuf_set(err, "unknown certificate role %d", (int)spec->role);
		rc = -EINVAL;
		goto out;
	}
	if (add_ext(x, &ctx, NID_basic_constraints, bc) || add_ext(x, &ctx, NID_key_usage, ku) ||
	    (eku && add_ext(x, &ctx, NID_ext_key_usage, eku)) ||
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
	    add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always")) {
		ssl_err(err, "certificate extensions");
		goto out;
	}
	if (spec->san_uri) {
		char san[160];
		int n = snprintf(san, sizeof(san), "URI:%s", spec->san_uri);
		if (n < 0 || (size_t)n >= sizeof(san) ||
		    add_ext(x, &ctx, NID_subject_alt_name, san)) {
			ssl_err(err, "subjectAltName");
			goto out;
		}
	}
	if (X509_sign(x, issuer_key, NULL) <= 0) {
		ssl_err(err, "X509_sign");
		goto out;
	}
	*out = x;
	return 0;
out:
	X509_free(x);
	return rc;
}

/* fopen for writing with the given mode (0600 for private keys). */
static FILE *open_w(const char *path, mode_t mode, struct mw_errbuf *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		if (err)
			mw_errbuf_set(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fchmod(fd, mode) != 0) { /* O_CREAT does not change an existing file's mode */
		if (err)
			mw_errbuf_set(err, "%s: chmod: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		if (err)
			mw_errbuf_set(err, "%s: %s", path, strerror(errno));
		close(fd);
	}
	return f;
}

static int close_w(FILE *f, int ok, const char *path, struct mw_errbuf *err)
{
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		ok = 0;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok) {
		ssl_err(err, path);
		return -EIO;
	}
	return 0;
}

int net_pki_write_key(const char *path, EVP_PKEY *key, struct mw_errbuf *err)
{
	FILE *f = open_w(path, 0600, err);
	if (!f)
		return -EIO;
	int ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	return close_w(f, ok, path, err);
}

int net_pki_write_pub(const char *path, EVP_PKEY *key, struct mw_errbuf *err)
{
	FILE *f = open_w(path, 0644, err);
	if (!f)
		return -EIO;
	int ok = PEM_write_PUBKEY(f, key);
	return close_w(f, ok, path, err);
}

int net_pki_write_cert(const char *path, X509 *cert, struct mw_errbuf *err)
{
	FILE *f = open_w(path, 0644, err);
	if (!f)
		return -EIO;
	int ok = PEM_write_X509(f, cert);
	return close_w(f, ok, path, err);
}

/* Open a PEM file for reading; NULL with *rc = -errno (named in err). */
static FILE *pem_open(const char *path, int *rc, struct mw_errbuf *err)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		*rc = -errno;
		if (err)
			mw_errbuf_set(err, "%s: %s", path, strerror(-*rc));
	}
	return f;
}

int net_pki_read_key(const char *path, EVP_PKEY **out, struct mw_errbuf *err)
{
	int rc = 0;
	FILE *f = pem_open(path, &rc, err);
	if (!f)
		return rc;
	EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!k) {
		ssl_err(err, path);
		return -MW_ECERT;
	}
	*out = k;
	return 0;
}

int net_pki_read_cert(const char *path, X509 **out, struct mw_errbuf *err)
{
	int rc = 0;
	FILE *f = pem_open(path, &rc, err);
	if (!f)
		return rc;
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!x) {
		ssl_err(err, path);
		return -MW_ECERT;
	}
	*out = x;
	return 0;
}

/* Parse "mwlink:nation:XXX" or "mwlink:sensor:XXX:N" into id. */
static int parse_uri(const char *uri, size_t len, struct net_cert_identity *id)
{
	char s[96] = {0}; /* zeroed: the checks below may look past the NUL */
	if (len >= sizeof(s))
		return -1;
	memcpy(s, uri, len);
	s[len] = '\0';
	if (strncmp(s, "mwlink:nation:", 14) == 0) {
		if (!net_nation_valid(s + 14))
			return -1;
		memcpy(id->nation, s + 14, NET_NATION_LEN);
		id->is_sensor = false;
		return 0;
	}
	if (strncmp(s, "mwlink:sensor:", 14) == 0) {
		char nat[NET_NATION_LEN];
		memcpy(nat, s + 14, 3);
		nat[3] = '\0';
		if (!net_nation_valid(nat) || s[17] != ':')
			return -1;
		const char *p = s + 18;
		if (*p < '1' || *p > '9')
			return -1;
		uint64_t v = 0;
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				return -1;
			v = v * 10 + (uint64_t)(*p - '0');
			if (v > UINT32_MAX)
				return -1;
		}
		memcpy(id->nation, nat, NET_NATION_LEN);
		id->is_sensor = true;
		id->sensor_id = (uint32_t)v;
		return 0;
	}
	return 1; /* not ours: ignored */
}

int net_pki_cert_identity(X509 *cert, struct net_cert_identity *out, struct mw_errbuf *err)
{
	struct net_cert_identity id;
	memset(&id, 0, sizeof(id));
	X509_NAME *name = X509_get_subject_name(cert);
	int len = X509_NAME_get_text_by_NID(name, NID_commonName, NULL, 0);
	if (len <= 0 || len >= NET_CN_MAX) {
		if (err)
			mw_errbuf_set(err, "certificate has no usable CN");
		return -MW_ECERT;
	}
	X509_NAME_get_text_by_NID(name, NID_commonName, id.cn, sizeof(id.cn));
	if (strlen(id.cn) != (size_t)len) {
		if (err)
			mw_errbuf_set(err, "certificate CN contains a NUL byte");
		return -MW_ECERT;
	}

	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	int found = 0, rc = 0;
	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_URI)
			continue;
		const unsigned char *d = ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
		int dl = ASN1_STRING_length(g->d.uniformResourceIdentifier);
		if (dl < 0 || memchr(d, 0, (size_t)dl))
			continue;
		if (dl < 7 || strncmp((const char *)d, "mwlink:", 7) != 0)
			continue;
		struct net_cert_identity tmp = id;
		int p = parse_uri((const char *)d, (size_t)dl, &tmp);
		if (p < 0) {
			if (err)
				mw_errbuf_set(err, "certificate %s: malformed mwlink URI '%.*s'",
				              id.cn, dl > 80 ? 80 : dl, (const char *)d);
			rc = -MW_ECERT;
			break;
		}
		if (found) {
			if (err)
				mw_errbuf_set(err, "certificate %s: more than one mwlink URI",
				              id.cn);
			rc = -MW_ECERT;
			break;
		}
		id = tmp;
		found = 1;
	}
	GENERAL_NAMES_free(gens);
	if (rc)
		return rc;
	*out = id;
	return 0;
}

int net_pki_check_node(X509 *cert, const char *expected_cn, const char *expected_nation,
                       struct mw_errbuf *err)
{
	struct net_cert_identity id;
	int rc = net_pki_cert_identity(cert, &id, err);
	if (rc)
		return rc;
	if (id.is_sensor || id.nation[0] == '\0') {
		if (err)
			mw_errbuf_set(err, "certificate %s binds no node nation", id.cn);
		return -MW_ECERT;
	}
	if (strcmp(id.nation, expected_nation) != 0) {
		if (err)
			mw_errbuf_set(err, "certificate %s is of nation %s, expected %s", id.cn,
			              id.nation, expected_nation);
		return -MW_ECERT;
	}
	if (expected_cn && strcmp(id.cn, expected_cn) != 0) {
		if (err)
			mw_errbuf_set(err, "certificate CN %s, expected %s", id.cn, expected_cn);
		return -MW_ECERT;
	}
	return 0;
}
