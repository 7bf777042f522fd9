/*
 * wire/sign.h - origin authentication: Ed25519 batch signatures over a
 * Merkle root (wire/merkle.h), the keyring of origin public keys, and
 * verification of one envelope with a cache of verified batches.
 *
 * What the origin signs, once per batch (55 bytes):
 *
 *   offset size  field
 *   0      16    domain tag "mwlink-batch-v1" followed by 0x00
 *   16     3     origin nation, ISO 3166-1 alpha-3, ASCII upper case
 *   19     32    Merkle root of the batch's bodies
 *   51     4     leaf count, big-endian uint32
 *
 * Ed25519 (RFC 8032, pure, no context). Keys are PEM, read and written by
 * OpenSSL 3: PKCS#8 private keys and SubjectPublicKeyInfo public keys, the
 * formats of `openssl genpkey -algorithm ed25519` and `openssl pkey
 * -pubout`. Signatures are computed and verified by libsodium (about 2.5 x
 * fewer instructions than OpenSSL 3.0's EVP); the bytes are the same.
 *
 * Every envelope carries (struct wire_auth) the batch signature and root,
 * its leaf index, the leaf count and its inclusion proof, so a receiver
 * can verify it alone even when release rules deliver only part of a
 * batch. A lightly loaded node signs batches of one.
 */
#ifndef MW_WIRE_SIGN_H
#define MW_WIRE_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "core/obs.h"
#include "wire/merkle.h"

#define WIRE_SIG_LEN        64
#define WIRE_PUBKEY_LEN     32
#define WIRE_SIGNED_MSG_LEN 55
#define WIRE_SIGN_DOMAIN    "mwlink-batch-v1" /* + its NUL: 16 bytes */

/* The authentication a single envelope carries (Envelope.auth). */
struct wire_auth {
	uint8_t signature[WIRE_SIG_LEN];
	uint8_t root[WIRE_HASH_LEN];
	uint32_t leaf_index;
	uint32_t leaf_count;
	uint32_t proof_len;
	uint8_t proof[WIRE_MERKLE_MAX_DEPTH][WIRE_HASH_LEN];
};

/* A byte string that is not owned. */
struct wire_slice {
	const uint8_t *p;
	size_t len;
};

/* Is s an ISO 3166-1 alpha-3 code as the wire carries it: exactly three
 * ASCII upper-case letters? (Whether the nation is known is the keyring's
 * and the configuration's business.) */
bool wire_nation_valid(const char *s);

/* Build the 55-byte signed message. -MW_EFIELD for a bad nation code. */
int wire_signed_msg(const char *origin, const uint8_t root[WIRE_HASH_LEN], uint32_t leaf_count,
                    uint8_t out[WIRE_SIGNED_MSG_LEN]);

/* ---- signer (an origin's private key) ---- */

struct wire_signer;

/* Takes its own reference on key (must be an Ed25519 private key).
 * -EINVAL not Ed25519/no private part, -MW_EFIELD bad nation, -ENOMEM,
 * -EIO libsodium failed to start or derived another public key. */
int wire_signer_new(const char *origin, EVP_PKEY *key, struct wire_signer **out);
/* Load a PKCS#8 PEM private key file. -ENOENT/-EACCES/-EINVAL. */
int wire_signer_new_pem(const char *origin, const char *path, struct wire_signer **out);
/* A fresh random key held in memory only (tests, demos). */
int wire_signer_generate(const char *origin, struct wire_signer **out);
void wire_signer_free(struct wire_signer *s);
const char *wire_signer_origin(const struct wire_signer *s);
/* The signer's key (borrowed; valid until wire_signer_free). */
EVP_PKEY *wire_signer_key(const struct wire_signer *s);
/* Raw 32-byte public key. */
int wire_signer_public_raw(const struct wire_signer *s, uint8_t out[WIRE_PUBKEY_LEN]);
/* Write the public key as SPKI PEM, or the private key as PKCS#8 PEM, to
 * a file (created 0644 / 0600). */
int wire_signer_write_public_pem(const struct wire_signer *s, const char *path);
int wire_signer_write_private_pem(const struct wire_signer *s, const char *path);

/*
 * Sign a batch: builds the Merkle tree over bodies[0..n) (1 <= n <=
 * WIRE_MERKLE_MAX_LEAVES), signs the root once and fills auths[i] for every
 * body. Returns 0, -EINVAL (n out of range), -ENOMEM, -EIO (the library failed).
 * auths is untouched on failure. The bodies' origin fields are not
 * decoded: the caller signs only bodies it encoded with this origin.
 */
int wire_batch_sign(struct wire_signer *s, const struct wire_slice *bodies, size_t n,
                    struct wire_auth *auths);

/*
 * Detached Ed25519 over an arbitrary message (the sensor signature of an
 * Observation, wire/payload.h wire_obs_sign). The caller builds the
 * domain-separated message; these only sign and verify it (libsodium).
 * wire_sign_detached: 0 or -EIO. wire_verify_detached: 0 or -MW_ESIG.
 */
int wire_sign_detached(const struct wire_signer *s, const uint8_t *msg, size_t len,
                       uint8_t sig[WIRE_SIG_LEN]);
int wire_verify_detached(const uint8_t pub[WIRE_PUBKEY_LEN], const uint8_t *msg, size_t len,
                         const uint8_t sig[WIRE_SIG_LEN]);
/* Read the raw 32-byte Ed25519 public key of an SPKI PEM file (a PKCS#8
 * private key file is also accepted). 0, -ENOENT/-EACCES, -EINVAL (not an
 * Ed25519 key). */
int wire_pubkey_read_pem(const char *path, uint8_t out[WIRE_PUBKEY_LEN]);

/* ---- keyring (origin nation -> Ed25519 public key) ---- */

struct wire_keyring;

/* max_keys: the most nations it will hold (1..1024). -EINVAL, -ENOMEM, -EIO
 * (libsodium failed to start). */
int wire_keyring_new(size_t max_keys, struct wire_keyring **out);
void wire_keyring_free(struct wire_keyring *kr);
/* Add or replace the key of a nation. Takes its own reference. -MW_EFIELD
 * bad nation, -EINVAL not an Ed25519 key, -ENOSPC keyring full. */
int wire_keyring_add(struct wire_keyring *kr, const char *nation, EVP_PKEY *key);
int wire_keyring_add_raw(struct wire_keyring *kr, const char *nation,
                         const uint8_t pub[WIRE_PUBKEY_LEN]);
/* Load an SPKI PEM public key file (a PKCS#8 private key file is also
 * accepted; only its public half is kept). */
int wire_keyring_add_pem(struct wire_keyring *kr, const char *nation, const char *path);
/* Borrowed key or NULL. */
EVP_PKEY *wire_keyring_get(const struct wire_keyring *kr, const char *nation);
size_t wire_keyring_count(const struct wire_keyring *kr);

/* ---- cache of verified batches ---- */

/*
 * Remembers (public key, origin, root, leaf count, signature) tuples that
 * passed Ed25519 verification, so the other envelopes of the same batch
 * cost a Merkle path (a few SHA-256) instead of a 125 us verify. Entries
 * are compared in full (no false hits). Bounded: max_entries set at
 * creation, clock (second-chance) eviction. Not thread-safe: one cache per
 * thread or event loop.
 */
struct wire_sigcache;

struct wire_sigcache_stats {
	uint64_t hits;      /* verifications answered from the cache */
	uint64_t misses;    /* lookups that had to run Ed25519 */
	uint64_t verifies;  /* Ed25519 verifications run (== misses) */
	uint64_t failures;  /* Ed25519 verifications that failed */
	uint64_t evictions; /* entries dropped to make room */
	size_t entries;     /* current number of entries */
	/* hash flooding (docs/security.md) */
	uint64_t chain_max;  /* longest bucket chain a lookup or insert walked */
	uint64_t chain_full; /* inserts refused: their chain held 16 entries */
};

int wire_sigcache_new(size_t max_entries, struct wire_sigcache **out);
void wire_sigcache_free(struct wire_sigcache *c);
void wire_sigcache_clear(struct wire_sigcache *c);
void wire_sigcache_stats(const struct wire_sigcache *c, struct wire_sigcache_stats *out);

/* The exact tuple a cache entry stands for. */
#define WIRE_SIGCACHE_KEY_LEN (WIRE_PUBKEY_LEN + 3 + WIRE_HASH_LEN + 4 + WIRE_SIG_LEN)
void wire_sigcache_key(const uint8_t pub[WIRE_PUBKEY_LEN], const char *origin,
                       const uint8_t root[WIRE_HASH_LEN], uint32_t leaf_count,
                       const uint8_t sig[WIRE_SIG_LEN], uint8_t key[WIRE_SIGCACHE_KEY_LEN]);
/* true (and the entry marked recently used, hits++) if key is cached;
 * false and misses++ otherwise. */
bool wire_sigcache_lookup(struct wire_sigcache *c, const uint8_t key[WIRE_SIGCACHE_KEY_LEN]);
/* Record a successful verification (evicting one entry if full). */
void wire_sigcache_insert(struct wire_sigcache *c, const uint8_t key[WIRE_SIGCACHE_KEY_LEN]);
/* The cache's SHA-256 context (wire_verify_body hashes with it). */
struct wire_hasher *wire_sigcache_hasher(struct wire_sigcache *c);
/* Count an Ed25519 verification and whether it failed. */
void wire_sigcache_count_verify(struct wire_sigcache *c, bool ok);

/*
 * Verify the origin authentication of one body:
 *   1. the origin's key is in the keyring           else -MW_ENOKEY
 *   2. auth is well formed and the proof has exactly
 *      the length its (index, count) implies        else -MW_EPROOF
 *   3. the leaf hash of body climbs the proof to
 *      auth->root                                   else -MW_EPROOF
 *   4. auth->signature is the origin's Ed25519
 *      signature of the signed message over root    else -MW_ESIG
 * Step 4 is skipped when cache (may be NULL) already holds the tuple, and
 * a success is added to it.
 */
int wire_verify_body(const struct wire_keyring *kr, struct wire_sigcache *cache, const char *origin,
                     const uint8_t *body, size_t body_len, const struct wire_auth *auth);

#endif
