/*
 * core/siphash.c - SipHash-2-4, written from the paper (Aumasson &
 * Bernstein, "SipHash: a fast short-input PRF", INDOCRYPT 2012, section 2).
 *
 * What it is for: a keyed hash for in-memory tables indexed by values a
 * remote party chooses (hash flooding, docs/security.md). Keyed by 128
 * secret random bits per table, the slot of a value is unpredictable to
 * whoever chose the value.
 *
 * How it works (paper, section 2):
 *   state v0..v3 (64-bit) = k0 ^ "somepseu", k1 ^ "dorandom",
 *                           k0 ^ "lygenera", k1 ^ "tedbytes"
 *   (k0, k1 = key bytes 0..7 and 8..15, little-endian)
 *   message: split into 8-byte little-endian words m_i; the last word
 *   holds the 0..7 leftover bytes and, in its top byte, len mod 256.
 *   per word:  v3 ^= m; 2 x SipRound; v0 ^= m
 *   finish:    v2 ^= 0xff; 4 x SipRound; out = v0 ^ v1 ^ v2 ^ v3
 *   SipRound:  v0 += v1; v1 <<<= 13; v1 ^= v0; v0 <<<= 32;
 *              v2 += v3; v3 <<<= 16; v3 ^= v2;
 *              v0 += v3; v3 <<<= 21; v3 ^= v0;
 *              v2 += v1; v1 <<<= 17; v1 ^= v2; v2 <<<= 32
 *
 * Invariants:
 *  1. Output equals the paper's Appendix A value and the reference test
 *     vectors (tests/unit/test_core.c checks both).
 *  2. No state, no allocation; byte order of the host does not matter.
 */
#include "core/siphash.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

struct sip {
	uint64_t v0, v1, v2, v3;
};

static inline void sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = ROTL(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = ROTL(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = ROTL(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = ROTL(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = ROTL(s->v2, 32);
}

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t w = 0;
	for (int i = 7; i >= 0; i--)
		w = (w << 8) | p[i];
	return w;
}

static inline void sip_init(struct sip *s, const uint8_t k[MW_SIPHASH_KEY_LEN])
{
	uint64_t k0 = le64(k), k1 = le64(k + 8);
	/* "somepseudorandomlygeneratedbytes", paper section 2 */
	s->v0 = k0 ^ UINT64_C(0x736f6d6570736575);
	s->v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
	s->v2 = k0 ^ UINT64_C(0x6c7967656e657261);
	s->v3 = k1 ^ UINT64_C(0x7465646279746573);
}

static inline void sip_word(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

static inline uint64_t sip_final(struct sip *s)
{
	s->v2 ^= 0xff;
	sip_round(s);
	sip_round(s);
	sip_round(s);
	sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

uint64_t mw_siphash24(const uint8_t k[MW_SIPHASH_KEY_LEN], const void *data, size_t len)
{
	struct sip s;
	sip_init(&s, k);
	const uint8_t *p = data;
	size_t left = len;
	for (; left >= 8; left -= 8, p += 8)
		sip_word(&s, le64(p));
	uint8_t last[8] = {0};
	if (left)
		memcpy(last, p, left);
	last[7] = (uint8_t)len;
	sip_word(&s, le64(last));
	return sip_final(&s);
}

uint64_t mw_siphash24_u64x2(const uint8_t k[MW_SIPHASH_KEY_LEN], uint64_t a, uint64_t b)
{
	struct sip s;
	sip_init(&s, k);
	sip_word(&s, a);
	sip_word(&s, b);
	sip_word(&s, (uint64_t)16 << 56);
	return sip_final(&s);
}

int mw_siphash_random_key(uint8_t k[MW_SIPHASH_KEY_LEN])
{
	size_t got = 0;
	while (got < MW_SIPHASH_KEY_LEN) {
		ssize_t r = getrandom(k + got, MW_SIPHASH_KEY_LEN - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)r;
	}
	return 0;
}
