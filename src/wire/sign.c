/*
 * wire/sign.c - Ed25519 batch signing and verification of origin
 * authentication (formats in sign.h and merkle.h).
 *
 * Signing a batch: hash each body to a leaf, build the tree, sign the
 * 55-byte message over (origin, root, count) once, and hand every body
 * its own struct wire_auth (the shared signature and root, its index and
 * its proof). Verifying one envelope: look up the origin's key, climb the
 * proof from the body's leaf to the claimed root, then check the
 * signature of the root unless the cache already holds that exact tuple.
 *
 * Invariants:
 *  1. Nothing is accepted unless an Ed25519 verification of exactly this
 *     (public key, origin, root, count, signature) succeeded, now or
 *     earlier (cache).
 *  2. The body's bytes are hashed as received, never re-encoded.
 *  3. OpenSSL errors are cleared from the thread's queue on every path.
 *  4. No global state: contexts live in the signer or on the call stack
 *     (sodium_init() only selects libsodium's code paths once; it is
 *     idempotent and thread-safe).
 *  5. One Ed25519, two libraries: OpenSSL 3 parses, generates and writes
 *     the keys (PEM, the EVP_PKEY the API hands out); libsodium computes
 *     the signatures and verifies them (crypto_sign_detached and
 *     crypto_sign_verify_detached, 2.4-2.6 x fewer instructions than
 *     OpenSSL 3.0's EVP on the same keys and messages, docs/benchmarks.md
 *     "Session 6"). Both are pure RFC 8032 Ed25519, so the signature bytes
 *     are identical (deterministic) and either library verifies the other's
 *     (test_wire: signatures_interoperate_between_openssl_and_libsodium).
 *     libsodium's verification is the stricter one: it also refuses a
 *     small-order or non-canonical public key or R and a non-canonical S,
 *     which no honest signer produces.
 */
#include "wire/sign.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "core/err.h"

bool wire_nation_valid(const char *s)
{
	if (!s)
		return false;
	for (int i = 0; i < 3; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return false;
	return s[3] == '\0';
}

int wire_signed_msg(const char *origin, const uint8_t root[WIRE_HASH_LEN], uint32_t leaf_count,
                    uint8_t out[WIRE_SIGNED_MSG_LEN])
{
	if (!wire_nation_valid(origin))
		return -MW_EFIELD;
	memcpy(out, WIRE_SIGN_DOMAIN, sizeof(WIRE_SIGN_DOMAIN)); /* 15 chars + NUL */
	memcpy(out + 16, origin, 3);
	memcpy(out + 19, root, WIRE_HASH_LEN);
	out[51] = (uint8_t)(leaf_count >> 24);
	out[52] = (uint8_t)(leaf_count >> 16);
	out[53] = (uint8_t)(leaf_count >> 8);
	out[54] = (uint8_t)leaf_count;
	return 0;
}

_Static_assert(sizeof(WIRE_SIGN_DOMAIN) == 16, "domain tag is 15 characters and a NUL");

static bool is_ed25519(EVP_PKEY *k)
{
	return k && EVP_PKEY_get_id(k) == EVP_PKEY_ED25519;
}

static bool has_private(EVP_PKEY *k)
{
	size_t len = 0;
	bool ok = EVP_PKEY_get_raw_private_key(k, NULL, &len) == 1 && len == 32;
	ERR_clear_error();
	return ok;
}

/* PEM passphrase callback that refuses: keys are never prompted for. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static int open_err(void)
{
	int e = errno;
	return e ? -e : -EIO;
}

/* ---- signer ---- */

struct wire_signer {
	char origin[MW_NATION_LEN];
	EVP_PKEY *key;
	/* libsodium's form of the same key: the 32-byte RFC 8032 seed (the
	 * raw private key OpenSSL holds) followed by the 32-byte public key;
	 * wiped on free */
	uint8_t sk[crypto_sign_ed25519_SECRETKEYBYTES];
	struct wire_hasher hasher;
};

_Static_assert(crypto_sign_ed25519_BYTES == WIRE_SIG_LEN, "Ed25519 signatures are 64 bytes");
_Static_assert(crypto_sign_ed25519_PUBLICKEYBYTES == WIRE_PUBKEY_LEN, "public keys are 32 bytes");
_Static_assert(crypto_sign_ed25519_SEEDBYTES == 32, "RFC 8032 private keys are 32 bytes");

/* Derive libsodium's secret key from the EVP key's seed and check that
 * both libraries derive the same public key. 0, -EIO. */
static int sodium_secret_key(EVP_PKEY *key, uint8_t sk[crypto_sign_ed25519_SECRETKEYBYTES])
{
	uint8_t seed[crypto_sign_ed25519_SEEDBYTES], pk[WIRE_PUBKEY_LEN], opk[WIRE_PUBKEY_LEN];
	size_t len = sizeof(seed), plen = sizeof(opk);
	int rc = -EIO;
	if (sodium_init() < 0)
		return -EIO;
	if (EVP_PKEY_get_raw_private_key(key, seed, &len) != 1 || len != sizeof(seed) ||
	    EVP_PKEY_get_raw_public_key(key, opk, &plen) != 1 || plen != sizeof(opk))
		goto out;
	if (crypto_sign_ed25519_seed_keypair(pk, sk, seed) != 0)
		goto out;
	if (sodium_memcmp(pk, opk, sizeof(pk)) != 0) {
		sodium_memzero(sk, crypto_sign_ed25519_SECRETKEYBYTES);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(seed, sizeof(seed));
	ERR_clear_error();
	return rc;
}

int wire_signer_new(const char *origin, EVP_PKEY *key, struct wire_signer **out)
{
	if (!out)
		return -EINVAL;
	if (!wire_nation_valid(origin))
		return -MW_EFIELD;
	if (!is_ed25519(key) || !has_private(key))
		return -EINVAL;
	struct wire_signer *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	int rc = sodium_secret_key(key, s->sk);
	if (rc < 0) {
		free(s);
		return rc;
	}
	if (wire_hasher_init(&s->hasher) < 0 || !EVP_PKEY_up_ref(key)) {
		wire_hasher_finish(&s->hasher);
		sodium_memzero(s->sk, sizeof(s->sk));
		free(s);
		ERR_clear_error();
		return -ENOMEM;
	}
	memcpy(s->origin, origin, MW_NATION_LEN);
	s->key = key;
	*out = s;
	return 0;
}

int wire_signer_new_pem(const char *origin, const char *path, struct wire_signer **out)
{
	if (!path || !out)
		return -EINVAL;
	FILE *f = fopen(path, "r");
	if (!f)
		return open_err();
	EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	fclose(f);
	ERR_clear_error();
	if (!k)
		return -EINVAL;
	int rc = wire_signer_new(origin, k, out);
	EVP_PKEY_free(k);
	return rc;
}

int wire_signer_generate(const char *origin, struct wire_signer **out)
{
	if (!out)
		return -EINVAL;
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!k) {
		ERR_clear_error();
		return -EIO;
	}
	int rc = wire_signer_new(origin, k, out);
	EVP_PKEY_free(k);
	return rc;
}

void wire_signer_free(struct wire_signer *s)
{
	if (!s)
		return;
	sodium_memzero(s->sk, sizeof(s->sk));
	EVP_PKEY_free(s->key);
	wire_hasher_finish(&s->hasher);
	free(s);
}

const char *wire_signer_origin(const struct wire_signer *s)
{
	return s->origin;
}

EVP_PKEY *wire_signer_key(const struct wire_signer *s)
{
	return s->key;
}

int wire_signer_public_raw(const struct wire_signer *s, uint8_t out[WIRE_PUBKEY_LEN])
{
	size_t len = WIRE_PUBKEY_LEN;
	if (EVP_PKEY_get_raw_public_key(s->key, out, &len) != 1 || len != WIRE_PUBKEY_LEN) {
		ERR_clear_error();
		return -EIO;
	}
	return 0;
}

static int write_pem(const struct wire_signer *s, const char *path, bool private_key)
{
	if (!s || !path)
		return -EINVAL;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, private_key ? 0600 : 0644);
	if (fd < 0)
		return open_err();
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int rc = open_err();
		close(fd);
		return rc;
	}
	int ok = private_key ? PEM_write_PrivateKey(f, s->key, NULL, NULL, 0, NULL, NULL)
	                     : PEM_write_PUBKEY(f, s->key);
	ERR_clear_error();
	if (fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -EIO;
}

int wire_signer_write_public_pem(const struct wire_signer *s, const char *path)
{
	return write_pem(s, path, false);
}

int wire_signer_write_private_pem(const struct wire_signer *s, const char *path)
{
	return write_pem(s, path, true);
}

int wire_batch_sign(struct wire_signer *s, const struct wire_slice *bodies, size_t n,
                    struct wire_auth *auths)
{
	if (!s || !bodies || !auths || n == 0 || n > WIRE_MERKLE_MAX_LEAVES)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!bodies[i].p && bodies[i].len)
			return -EINVAL;
	int rc;
	uint8_t(*leaves)[WIRE_HASH_LEN] = malloc(n * WIRE_HASH_LEN);
	if (!leaves)
		return -ENOMEM;
	struct wire_merkle tree = {0};
	for (size_t i = 0; i < n; i++) {
		rc = wire_merkle_leaf(&s->hasher, bodies[i].p, bodies[i].len, leaves[i]);
		if (rc < 0)
			goto out_leaves;
	}
	rc = wire_merkle_build(&s->hasher, &tree, (const uint8_t(*)[WIRE_HASH_LEN])leaves,
	                       (uint32_t)n);
	if (rc < 0)
		goto out_leaves;

	uint8_t msg[WIRE_SIGNED_MSG_LEN];
	uint8_t sig[WIRE_SIG_LEN];
	const uint8_t *root = wire_merkle_root(&tree);
	rc = wire_signed_msg(s->origin, root, (uint32_t)n, msg);
	if (rc < 0)
		goto out_tree;
	if (crypto_sign_ed25519_detached(sig, NULL, msg, sizeof(msg), s->sk) != 0) {
		rc = -EIO;
		goto out_tree;
	}
	for (size_t i = 0; i < n; i++) {
		struct wire_auth *a = &auths[i];
		memcpy(a->signature, sig, WIRE_SIG_LEN);
		memcpy(a->root, root, WIRE_HASH_LEN);
		a->leaf_index = (uint32_t)i;
		a->leaf_count = (uint32_t)n;
		a->proof_len = (uint32_t)wire_merkle_proof(&tree, (uint32_t)i, a->proof);
	}
	rc = 0;
out_tree:
	wire_merkle_finish(&tree);
out_leaves:
	free(leaves);
	return rc;
}

/* ---- keyring ---- */

struct keyring_entry {
	char nation[MW_NATION_LEN];
	EVP_PKEY *key;
	uint8_t pub[WIRE_PUBKEY_LEN];
};

struct wire_keyring {
	size_t n, max;
	struct keyring_entry *e;
};

#define KEYRING_MAX 1024

int wire_keyring_new(size_t max_keys, struct wire_keyring **out)
{
	if (!out || max_keys == 0 || max_keys > KEYRING_MAX)
		return -EINVAL;
	if (sodium_init() < 0)
		return -EIO;
	struct wire_keyring *kr = calloc(1, sizeof(*kr));
	if (!kr)
		return -ENOMEM;
	kr->e = calloc(max_keys, sizeof(*kr->e));
	if (!kr->e) {
		free(kr);
		return -ENOMEM;
	}
	kr->max = max_keys;
	*out = kr;
	return 0;
}

void wire_keyring_free(struct wire_keyring *kr)
{
	if (!kr)
		return;
	for (size_t i = 0; i < kr->n; i++)
		EVP_PKEY_free(kr->e[i].key);
	free(kr->e);
	free(kr);
}

static const struct keyring_entry *keyring_find(const struct wire_keyring *kr, const char *nation)
{
	/* validated first: the memcmp below reads MW_NATION_LEN bytes, more
	 * than a shorter string has */
	if (!kr || !wire_nation_valid(nation))
		return NULL;
	for (size_t i = 0; i < kr->n; i++)
		if (memcmp(kr->e[i].nation, nation, MW_NATION_LEN) == 0)
			return &kr->e[i];
	return NULL;
}

int wire_keyring_add(struct wire_keyring *kr, const char *nation, EVP_PKEY *key)
{
	if (!kr)
		return -EINVAL;
	if (!wire_nation_valid(nation))
		return -MW_EFIELD;
	if (!is_ed25519(key))
		return -EINVAL;
	uint8_t pub[WIRE_PUBKEY_LEN];
	size_t len = sizeof(pub);
	if (EVP_PKEY_get_raw_public_key(key, pub, &len) != 1 || len != WIRE_PUBKEY_LEN) {
		ERR_clear_error();
		return -EINVAL;
	}
	/* Keep only the public half, even when given a private key. */
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, sizeof(pub));
	if (!pk) {
		ERR_clear_error();
		return -ENOMEM;
	}
	struct keyring_entry *e = (struct keyring_entry *)keyring_find(kr, nation);
	if (e) {
		EVP_PKEY_free(e->key);
	} else {
		if (kr->n == kr->max) {
			EVP_PKEY_free(pk);
			return -ENOSPC;
		}
		e = &kr->e[kr->n++];
		memcpy(e->nation, nation, MW_NATION_LEN);
	}
	e->key = pk;
	memcpy(e->pub, pub, sizeof(pub));
	return 0;
}

int wire_keyring_add_raw(struct wire_keyring *kr, const char *nation,
                         const uint8_t pub[WIRE_PUBKEY_LEN])
{
	if (!pub)
		return -EINVAL;
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, WIRE_PUBKEY_LEN);
	if (!k) {
		ERR_clear_error();
		return -EINVAL;
	}
	int rc = wire_keyring_add(kr, nation, k);
	EVP_PKEY_free(k);
	return rc;
}

/* A key from a PEM file holding a public key or, failing that, a private
 * key (whose public half is used): 0 with *out (NULL if the file holds
 * neither), or open_err()'s code when it cannot be opened. */
static int read_pem_key(const char *path, EVP_PKEY **out)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return open_err();
	EVP_PKEY *k = PEM_read_PUBKEY(f, NULL, no_passphrase, NULL);
	if (!k) {
		rewind(f);
		k = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	}
	fclose(f);
	*out = k;
	return 0;
}

int wire_keyring_add_pem(struct wire_keyring *kr, const char *nation, const char *path)
{
	if (!kr || !path)
		return -EINVAL;
	EVP_PKEY *k = NULL;
	int orc = read_pem_key(path, &k);
	if (orc < 0)
		return orc;
	ERR_clear_error();
	if (!k)
		return -EINVAL;
	int rc = wire_keyring_add(kr, nation, k);
	EVP_PKEY_free(k);
	return rc;
}

EVP_PKEY *wire_keyring_get(const struct wire_keyring *kr, const char *nation)
{
	const struct keyring_entry *e = keyring_find(kr, nation);
	return e ? e->key : NULL;
}

size_t wire_keyring_count(const struct wire_keyring *kr)
{
	return kr ? kr->n : 0;
}

/* ---- detached signatures (sensor-signed observations) ---- */

int wire_sign_detached(const struct wire_signer *s, const uint8_t *msg, size_t len,
                       uint8_t sig[WIRE_SIG_LEN])
{
	if (!s || (!msg && len) || !sig)
		return -EINVAL;
	return crypto_sign_ed25519_detached(sig, NULL, msg, len, s->sk) == 0 ? 0 : -EIO;
}

int wire_verify_detached(const uint8_t pub[WIRE_PUBKEY_LEN], const uint8_t *msg, size_t len,
                         const uint8_t sig[WIRE_SIG_LEN])
{
	if (!pub || (!msg && len) || !sig)
		return -MW_ESIG;
	return crypto_sign_ed25519_verify_detached(sig, msg, len, pub) == 0 ? 0 : -MW_ESIG;
}

int wire_pubkey_read_pem(const char *path, uint8_t out[WIRE_PUBKEY_LEN])
{
	if (!path || !out)
		return -EINVAL;
	if (sodium_init() < 0) /* the verifier's first step: select libsodium's code */
		return -EIO;
	EVP_PKEY *k = NULL;
	int orc = read_pem_key(path, &k);
	if (orc < 0)
		return orc;
	size_t len = WIRE_PUBKEY_LEN;
	int rc = 0;
	if (!is_ed25519(k) || EVP_PKEY_get_raw_public_key(k, out, &len) != 1 ||
	    len != WIRE_PUBKEY_LEN)
		rc = -EINVAL;
	EVP_PKEY_free(k);
	ERR_clear_error();
	return rc;
}

/* ---- verification ---- */

/* libsodium (invariant 5): 0 or -MW_ESIG. */
static int ed25519_verify(const uint8_t pub[WIRE_PUBKEY_LEN], const uint8_t *msg, size_t len,
                          const uint8_t sig[WIRE_SIG_LEN])
{
	return crypto_sign_ed25519_verify_detached(sig, msg, len, pub) == 0 ? 0 : -MW_ESIG;
}

int wire_verify_body(const struct wire_keyring *kr, struct wire_sigcache *cache, const char *origin,
                     const uint8_t *body, size_t body_len, const struct wire_auth *auth)
{
	if (!kr || !origin || !auth || (!body && body_len))
		return -EINVAL;
	const struct keyring_entry *e = wire_nation_valid(origin) ? keyring_find(kr, origin) : NULL;
	if (!e)
		return -MW_ENOKEY;
	if (auth->proof_len > WIRE_MERKLE_MAX_DEPTH)
		return -MW_EPROOF;
	int want = wire_merkle_proof_len(auth->leaf_index, auth->leaf_count);
	if (want < 0 || (uint32_t)want != auth->proof_len)
		return -MW_EPROOF;

	uint8_t leaf[WIRE_HASH_LEN], root[WIRE_HASH_LEN];
	struct wire_hasher *h = cache ? wire_sigcache_hasher(cache) : NULL;
	int rc = wire_merkle_leaf(h, body, body_len, leaf);
	if (rc < 0)
		return rc;
	rc = wire_merkle_root_from_proof(h, leaf, auth->leaf_index, auth->leaf_count,
	                                 (const uint8_t(*)[WIRE_HASH_LEN])auth->proof,
	                                 auth->proof_len, root);
	if (rc < 0)
		return rc == -MW_EPROOF || rc == -EINVAL ? -MW_EPROOF : rc;
	if (memcmp(root, auth->root, WIRE_HASH_LEN) != 0)
		return -MW_EPROOF;

	uint8_t ckey[WIRE_SIGCACHE_KEY_LEN];
	if (cache) {
		wire_sigcache_key(e->pub, origin, root, auth->leaf_count, auth->signature, ckey);
		if (wire_sigcache_lookup(cache, ckey))
			return 0;
	}
	uint8_t msg[WIRE_SIGNED_MSG_LEN];
	rc = wire_signed_msg(origin, root, auth->leaf_count, msg);
	if (rc < 0)
		return rc;
	rc = ed25519_verify(e->pub, msg, sizeof(msg), auth->signature);
	if (cache && (rc == 0 || rc == -MW_ESIG))
		wire_sigcache_count_verify(cache, rc == 0);
	if (rc == 0 && cache)
		wire_sigcache_insert(cache, ckey);
	return rc;
}
