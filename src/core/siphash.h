/*
 * core/siphash.h - SipHash-2-4, a keyed 64-bit PRF for hash tables whose
 * keys an adversary chooses (Aumasson & Bernstein, "SipHash: a fast
 * short-input PRF", INDOCRYPT 2012).
 *
 * A table indexed with an unkeyed hash of sender-chosen values lets the
 * sender pick values that share a slot and turn every lookup into a walk
 * of a long chain. With a secret random key per table the sender cannot
 * predict slots, so it cannot aim collisions. Pure functions, no state.
 */
#ifndef MW_CORE_SIPHASH_H
#define MW_CORE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define MW_SIPHASH_KEY_LEN 16

/* SipHash-2-4 of len bytes at data under the 16-byte key k; the 64-bit
 * result is the paper's output word (its little-endian bytes are the
 * reference implementation's 8 output bytes). */
uint64_t mw_siphash24(const uint8_t k[MW_SIPHASH_KEY_LEN], const void *data, size_t len);

/* The same function on the 16-byte message a || b (each little-endian),
 * without building the buffer: the hash-table case of two words. */
uint64_t mw_siphash24_u64x2(const uint8_t k[MW_SIPHASH_KEY_LEN], uint64_t a, uint64_t b);

/* A fresh random key from the kernel (getrandom(2)); 0 or -errno. */
int mw_siphash_random_key(uint8_t k[MW_SIPHASH_KEY_LEN]);

#endif
