/*
 * sim/rng.h - the simulator's random numbers: xoshiro256** (Blackman &
 * Vigna 2018) seeded through splitmix64, uniform, Gaussian (Marsaglia
 * polar method) and Poisson variates. Caller-owned state, no globals:
 * every stream is a pure function of its seed.
 */
#ifndef MW_SIM_RNG_H
#define MW_SIM_RNG_H

#include <stdbool.h>
#include <stdint.h>

struct sim_rng {
	uint64_t s[4];
	bool have_spare;
	double spare;
};

/* Seed from any 64-bit value (0 included) and a stream number, so that
 * streams (one a sensor) are independent of each other. */
void sim_rng_seed(struct sim_rng *r, uint64_t seed, uint64_t stream);
uint64_t sim_rng_u64(struct sim_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double sim_rng_uniform(struct sim_rng *r);
/* Standard normal N(0, 1). */
double sim_rng_normal(struct sim_rng *r);
/* Poisson with mean lambda >= 0 (exact inversion for lambda <= 30,
 * normal approximation rounded to >= 0 above). */
uint32_t sim_rng_poisson(struct sim_rng *r, double lambda);

#endif
