/*
 * sim/rng.c - random numbers for the simulator (see rng.h).
 *
 * xoshiro256** 1.0 (D. Blackman, S. Vigna, "Scrambled linear pseudorandom
 * number generators", ACM TOMS 2021): 256-bit state, period 2^256 - 1,
 * passes BigCrush. The state is filled by splitmix64 (Steele, Lea, Flood
 * 2014) from seed ^ (stream * golden ratio constant) so it is never all
 * zero. Re-implemented from the published algorithms.
 *
 * Invariants:
 *  1. The sequence depends only on (seed, stream): no clock, no globals.
 *  2. The state is never all zero (splitmix64 outputs of 4 consecutive
 *     counters are never all zero).
 */
#include "sim/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void sim_rng_seed(struct sim_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * UINT64_C(0xd1b54a32d192ed03));
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	r->have_spare = false;
	r->spare = 0;
}

uint64_t sim_rng_u64(struct sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double sim_rng_uniform(struct sim_rng *r)
{
	return (double)(sim_rng_u64(r) >> 11) * 0x1.0p-53;
}

double sim_rng_normal(struct sim_rng *r)
{
	if (r->have_spare) {
		r->have_spare = false;
		return r->spare;
	}
	double u, v, s;
	do {
		u = 2 * sim_rng_uniform(r) - 1;
		v = 2 * sim_rng_uniform(r) - 1;
		s = u * u + v * v;
	} while (s >= 1 || s == 0);
	double m = sqrt(-2 * log(s) / s);
	r->spare = v * m;
	r->have_spare = true;
	return u * m;
}

uint32_t sim_rng_poisson(struct sim_rng *r, double lambda)
{
	if (!(lambda > 0))
		return 0;
	if (lambda > 30) {
		double x = floor(lambda + sqrt(lambda) * sim_rng_normal(r) + 0.5);
		return x < 0 ? 0 : (x > 4e9 ? 4000000000u : (uint32_t)x);
	}
	/* inversion: walk the CDF */
	double u = sim_rng_uniform(r);
	double p = exp(-lambda), cdf = p;
	uint32_t k = 0;
	while (u > cdf && k < 1000) {
		k++;
		p *= lambda / k;
		cdf += p;
	}
	return k;
}
