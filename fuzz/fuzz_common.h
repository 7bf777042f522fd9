/*
 * fuzz/fuzz_common.h - fixed test keys shared by the fuzz targets and the
 * seed-corpus generator, so the seeds carry signatures the targets accept
 * and mutations start from inputs that reach the deepest checks.
 *
 * The private keys are public test constants: never use them elsewhere.
 */
#ifndef MW_FUZZ_COMMON_H
#define MW_FUZZ_COMMON_H

#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "wire/sign.h"

#define FUZZ_MAX_FRAME (1u << 16) /* payload limit the targets configure */

/* Ed25519 seeds (RFC 8032 private keys are any 32 bytes). */
static const struct {
	const char *nation;
	uint8_t seed;
} fuzz_nations[] = {{"KOR", 0x11}, {"USA", 0x22}, {"JPN", 0x33}};
#define FUZZ_N_NATIONS 3

static inline int fuzz_signer(const char *nation, uint8_t seed, struct wire_signer **out)
{
	uint8_t priv[32];
	memset(priv, seed, sizeof(priv));
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv, sizeof(priv));
	if (!k)
		return -1;
	int rc = wire_signer_new(nation, k, out);
	EVP_PKEY_free(k);
	return rc;
}

/* A keyring with KOR, USA and JPN (a "CHN" envelope has no key). */
static inline int fuzz_keyring(struct wire_keyring **out)
{
	struct wire_keyring *kr;
	if (wire_keyring_new(8, &kr) < 0)
		return -1;
	for (int i = 0; i < FUZZ_N_NATIONS; i++) {
		struct wire_signer *s;
		if (fuzz_signer(fuzz_nations[i].nation, fuzz_nations[i].seed, &s) < 0 ||
		    wire_keyring_add(kr, fuzz_nations[i].nation, wire_signer_key(s)) < 0) {
			wire_keyring_free(kr);
			return -1;
		}
		wire_signer_free(s);
	}
	*out = kr;
	return 0;
}

#endif
