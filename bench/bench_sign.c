/*
 * bench/bench_sign.c - Ed25519 through OpenSSL 3's EVP against libsodium,
 * on the same key and the same messages (build-rel/bench/bench_sign [N]).
 *
 * Why: one sign (at the origin) and one verification (at each receiver)
 * per batch are on every envelope's durable-latency path, and the node
 * moved both from OpenSSL's EVP to libsodium (src/wire/sign.c invariant
 * 5; docs/benchmarks.md, "Session 6 (branch lat2)"). This repeats that
 * measurement:
 *  1. one key: a fixed 32-byte seed, loaded into both libraries; the
 *     public keys they derive must be equal;
 *  2. N (default 1000) distinct 55-byte messages, the size of the signed
 *     batch message (wire/sign.h);
 *  3. per library, N signs and N verifications of the other library's
 *     signatures, timed in thread CPU time (OpenSSL as the node used it:
 *     one context per verification); every signature must be byte-equal
 *     (Ed25519 is deterministic) and every verification must succeed.
 * Prints CPU us per operation and the OpenSSL / libsodium ratio; exits 1
 * if a signature differs or a verification fails. For instruction counts
 * run it under `valgrind --tool=callgrind` and read the inclusive counts
 * of EVP_DigestSign, EVP_DigestVerify, crypto_sign_ed25519_detached and
 * crypto_sign_ed25519_verify_detached.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <sodium.h>

#define MSG_LEN 55 /* WIRE_SIGNED_MSG_LEN */
#define SIG_LEN 64

static double cpu_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int ossl_sign(EVP_MD_CTX *c, EVP_PKEY *k, const uint8_t *m, uint8_t *sig)
{
	size_t len = SIG_LEN;
	return EVP_DigestSignInit(c, NULL, NULL, NULL, k) == 1 &&
	               EVP_DigestSign(c, sig, &len, m, MSG_LEN) == 1 && len == SIG_LEN
	           ? 0
	           : -1;
}

static int ossl_verify(EVP_PKEY *k, const uint8_t *m, const uint8_t *sig)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestVerifyInit(c, NULL, NULL, NULL, k) == 1 &&
	         EVP_DigestVerify(c, sig, SIG_LEN, m, MSG_LEN) == 1;
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
	if (n < 1 || n > 1000000) {
		fprintf(stderr, "usage: bench_sign [N: 1..1000000 messages]\n");
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "bench_sign: sodium_init failed\n");
		return 1;
	}
	uint8_t seed[32], pk[32], sk[64], opk[32];
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(7 * i + 1);
	crypto_sign_ed25519_seed_keypair(pk, sk, seed);
	EVP_PKEY *priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	EVP_PKEY *pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, 32);
	EVP_MD_CTX *sc = EVP_MD_CTX_new();
	size_t plen = sizeof(opk);
	uint8_t *msg = malloc((size_t)n * MSG_LEN);
	uint8_t *os = malloc((size_t)n * SIG_LEN), *ss = malloc((size_t)n * SIG_LEN);
	int rc = 1;
	if (!priv || !pub || !sc || !msg || !os || !ss ||
	    EVP_PKEY_get_raw_public_key(priv, opk, &plen) != 1 || memcmp(opk, pk, 32) != 0) {
		fprintf(stderr, "bench_sign: key set-up failed or the public keys differ\n");
		goto out;
	}
	for (long i = 0; i < n; i++)
		for (int b = 0; b < MSG_LEN; b++)
			msg[i * MSG_LEN + b] = (uint8_t)(31 * i + 17 * b);

	long bad = 0;
	double t0 = cpu_us();
	for (long i = 0; i < n; i++)
		bad += ossl_sign(sc, priv, msg + i * MSG_LEN, os + i * SIG_LEN) != 0;
	double t1 = cpu_us();
	for (long i = 0; i < n; i++)
		bad += crypto_sign_ed25519_detached(ss + i * SIG_LEN, NULL, msg + i * MSG_LEN,
		                                    MSG_LEN, sk) != 0;
	double t2 = cpu_us();
	bad += memcmp(os, ss, (size_t)n * SIG_LEN) != 0;
	double t3 = cpu_us();
	for (long i = 0; i < n; i++) /* OpenSSL verifies libsodium's */
		bad += ossl_verify(pub, msg + i * MSG_LEN, ss + i * SIG_LEN) != 0;
	double t4 = cpu_us();
	for (long i = 0; i < n; i++) /* libsodium verifies OpenSSL's */
		bad += crypto_sign_ed25519_verify_detached(os + i * SIG_LEN, msg + i * MSG_LEN,
		                                           MSG_LEN, pk) != 0;
	double t5 = cpu_us();
	double so = (t1 - t0) / (double)n, sn = (t2 - t1) / (double)n;
	double vo = (t4 - t3) / (double)n, vn = (t5 - t4) / (double)n;
	printf("Ed25519, %ld messages of %d bytes, thread CPU us per operation\n", n, MSG_LEN);
	printf("  sign    OpenSSL EVP %7.1f   libsodium %7.1f   ratio %.2f\n", so, sn, so / sn);
	printf("  verify  OpenSSL EVP %7.1f   libsodium %7.1f   ratio %.2f\n", vo, vn, vo / vn);
	printf("  signatures byte-equal and cross-verified: %s\n", bad ? "NO" : "yes");
	rc = bad ? 1 : 0;
out:
	free(msg);
	free(os);
	free(ss);
	EVP_MD_CTX_free(sc);
	EVP_PKEY_free(priv);
	EVP_PKEY_free(pub);
	sodium_memzero(sk, sizeof(sk));
	return rc;
}
