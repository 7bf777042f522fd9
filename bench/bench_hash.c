/*
 * bench/bench_hash.c - what the keyed slot functions cost (`make bench-hash`).
 *
 * The journal's duplicate index and the wire's verified-batch cache moved
 * from public hash functions to SipHash-2-4 under a random key (hash
 * flooding, docs/security.md). This measures, in one run, process CPU
 * time per call of the old and the new function on the same inputs:
 *  1. index: splitmix64 of (origin, seq / 16) against mw_siphash24_u64x2,
 *     alone, and inside an insert of 2^20 consecutive seqs of 4 origins
 *     into a linear-probing table 1/2 full (the journal's index layout:
 *     16-slot runs, 16-byte slots), so cache effects are included;
 *  2. sigcache: FNV-1a over the 64 signature bytes against SipHash-2-4
 *     over the whole 135-byte entry key.
 * Prints figures and new/old ratios; asserts nothing. Compare the per-call
 * difference with bench-journal's "CPU us per record" and bench-wire's
 * receive rate to get the share of a record's CPU.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/siphash.h"

#define CALLS   (1u << 24)
#define TBL_LOG 21
#define ROUNDS  3

static int64_t cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

static uint8_t g_key[MW_SIPHASH_KEY_LEN];

/* the index's former slot hash: splitmix64 finaliser (Steele, Lea, Flood 2014) */
static uint64_t old_hash(uint32_t o, uint64_t g)
{
	uint64_t z = g ^ ((uint64_t)o * UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static uint64_t new_hash(uint32_t o, uint64_t g)
{
	return mw_siphash24_u64x2(g_key, o, g);
}

struct slot {
	uint64_t seq;
	uint32_t origin1;
};

struct probes {
	size_t max;
	double mean;
};

static double index_insert_ns(uint64_t (*h)(uint32_t, uint64_t), struct slot *t, size_t cap,
                              struct probes *pr)
{
	size_t pmax = 0, psum = 0;
	memset(t, 0, cap * sizeof(*t));
	size_t m = cap - 1, n = cap / 2;
	int64_t c0 = cpu_ns();
	for (size_t i = 0; i < n; i++) {
		uint32_t o = (uint32_t)(i & 3);
		uint64_t seq = i / 4 + 1;
		size_t s = (size_t)((h(o, seq >> 4) << 4) | (seq & 15)) & m, p = 0;
		while (t[s].origin1) {
			if (t[s].origin1 == o + 1 && t[s].seq == seq)
				break;
			s = (s + 1) & m;
			p++;
		}
		psum += p;
		if (p > pmax)
			pmax = p;
		t[s].origin1 = o + 1;
		t[s].seq = seq;
	}
	double ns = (double)(cpu_ns() - c0) / (double)n;
	pr->max = pmax;
	pr->mean = (double)psum / (double)n;
	return ns;
}

static double slot_fn_ns(uint64_t (*h)(uint32_t, uint64_t), uint64_t *sink)
{
	uint64_t acc = 0;
	int64_t c0 = cpu_ns();
	for (uint64_t i = 0; i < CALLS; i++)
		acc += h((uint32_t)(i & 3), i + acc % 2);
	*sink += acc;
	return (double)(cpu_ns() - c0) / CALLS;
}

static double fnv_ns(uint8_t *k, size_t len, uint64_t *sink)
{
	uint64_t acc = 0;
	int64_t c0 = cpu_ns();
	for (uint32_t i = 0; i < CALLS / 4; i++) {
		memcpy(k, &i, sizeof(i));
		uint64_t h = 14695981039346656037u;
		for (size_t b = len - 64; b < len; b++)
			h = (h ^ k[b]) * 1099511628211u;
		acc += h;
		k[len - 1] ^= (uint8_t)acc;
	}
	*sink += acc;
	return (double)(cpu_ns() - c0) / (CALLS / 4);
}

static double sip_ns(uint8_t *k, size_t len, uint64_t *sink)
{
	uint64_t acc = 0;
	int64_t c0 = cpu_ns();
	for (uint32_t i = 0; i < CALLS / 4; i++) {
		memcpy(k, &i, sizeof(i));
		uint64_t h = mw_siphash24(g_key, k, len);
		acc += h;
		k[len - 1] ^= (uint8_t)acc;
	}
	*sink += acc;
	return (double)(cpu_ns() - c0) / (CALLS / 4);
}

int main(void)
{
	for (int i = 0; i < MW_SIPHASH_KEY_LEN; i++)
		g_key[i] = (uint8_t)(i * 37 + 11);
	size_t cap = (size_t)1 << TBL_LOG;
	struct slot *t = malloc(cap * sizeof(*t));
	if (!t) {
		fprintf(stderr, "bench-hash: out of memory\n");
		return 1;
	}
	uint8_t k[135];
	for (size_t i = 0; i < sizeof(k); i++)
		k[i] = (uint8_t)(i * 13 + 5);
	uint64_t sink = 0;
	printf("bench-hash: process CPU ns per call, best of %d rounds (old, new interleaved)\n",
	       ROUNDS);
	double b[6] = {1e30, 1e30, 1e30, 1e30, 1e30, 1e30};
	struct probes po = {0}, pn = {0};
	for (int r = 0; r < ROUNDS; r++) {
		double v[6] = {slot_fn_ns(old_hash, &sink),
		               slot_fn_ns(new_hash, &sink),
		               index_insert_ns(old_hash, t, cap, &po),
		               index_insert_ns(new_hash, t, cap, &pn),
		               fnv_ns(k, sizeof(k), &sink),
		               sip_ns(k, sizeof(k), &sink)};
		for (int i = 0; i < 6; i++)
			if (v[i] < b[i])
				b[i] = v[i];
	}
	printf("  index slot hash     splitmix64 %6.1f ns  siphash24(16 B) %6.1f ns  x%.2f  +%.1f "
	       "ns\n",
	       b[0], b[1], b[1] / b[0], b[1] - b[0]);
	printf("  index insert (2^20 keys, 1/2 full) %6.1f ns  %6.1f ns  x%.2f  +%.1f ns\n", b[2],
	       b[3], b[3] / b[2], b[3] - b[2]);
	printf(
	    "  index probes (slots walked), consecutive seqs: old max %zu mean %.2f, new max %zu "
	    "mean %.2f\n",
	    po.max, po.mean, pn.max, pn.mean);
	printf("  sigcache bucket     fnv1a(64 B) %6.1f ns  siphash24(135 B) %6.1f ns  x%.2f  "
	       "+%.1f ns\n",
	       b[4], b[5], b[5] / b[4], b[5] - b[4]);
	printf("(checksum %llu)\n", (unsigned long long)(sink & 0xffff));
	free(t);
	return 0;
}
