/*
 * tests/unit/test_track_assign.c - track/assign.c (Jonker-Volgenant 2-D
 * assignment) against brute force, and track/stats.c (chi-square,
 * binomial acceptance regions, GOSPA) against tabulated values.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/err.h"
#include "track/assign.h"
#include "track/stats.h"

/* splitmix64: a fixed-seed PRNG for the tests. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static double rng_unif(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* Minimal cost over all injections rows -> columns, recursively. */
static double brute(const double *C, int nr, int nc, int row, unsigned used)
{
	if (row == nr)
		return 0.0;
	double best = INFINITY;
	for (int j = 0; j < nc; j++) {
		if (used & (1u << j))
			continue;
		double c = C[row * nc + j];
		if (!isfinite(c))
			continue;
		double rest = brute(C, nr, nc, row + 1, used | (1u << j));
		if (c + rest < best)
			best = c + rest;
	}
	return best;
}

static void assign_matches_brute_force_on_random_matrices(void **state)
{
	(void)state;
	uint64_t seed = 42;
	struct track_assign_ws ws;
	track_assign_ws_init(&ws);
	int n_feasible = 0, n_infeasible = 0;
	for (int trial = 0; trial < 3000; trial++) {
		int nr = 1 + (int)(rng_next(&seed) % 7);
		int nc = nr + (int)(rng_next(&seed) % (9 - nr));
		double C[8 * 8];
		int kind =
		    trial % 4; /* 0 uniform, 1 integer ties, 2 some forbidden, 3 big spread */
		for (int k = 0; k < nr * nc; k++) {
			double u = rng_unif(&seed);
			if (kind == 0)
				C[k] = u;
			else if (kind == 1)
				C[k] = floor(u * 4.0);
			else if (kind == 2)
				C[k] = rng_unif(&seed) < 0.4 ? INFINITY : u * 10.0 - 5.0;
			else
				C[k] = exp(20.0 * u - 10.0);
		}
		int col[8];
		double total = -1.0;
		double want = brute(C, nr, nc, 0, 0);
		int rc = track_assign(&ws, C, nr, nc, col, &total);
		if (!isfinite(want)) {
			if (rc != -MW_EENVELOPE)
				fail_msg("trial %d: infeasible problem gave rc %d", trial, rc);
			n_infeasible++;
			continue;
		}
		if (rc != 0)
			fail_msg("trial %d (%dx%d kind %d): rc %d", trial, nr, nc, kind, rc);
		n_feasible++;
		unsigned used = 0;
		double sum = 0.0;
		for (int i = 0; i < nr; i++) {
			assert_true(col[i] >= 0 && col[i] < nc);
			assert_false(used & (1u << col[i]));
			used |= 1u << col[i];
			sum += C[i * nc + col[i]];
		}
		if (fabs(sum - want) > 1e-9 * (1.0 + fabs(want)) ||
		    fabs(total - sum) > 1e-12 * (1 + fabs(sum)))
			fail_msg("trial %d (%dx%d kind %d): JV %.12g (reported %.12g), brute %.12g",
			         trial, nr, nc, kind, sum, total, want);
	}
	track_assign_ws_finish(&ws);
	assert_true(n_feasible > 2000);
	assert_true(n_infeasible > 10);
}

/*
 * One track, one plot and the track's miss column ([cost, miss]): the
 * tracker decides such a cluster without calling track_assign
 * (tracker.c solve_cluster) by the rule pinned here - the plot iff cost
 * <= miss (a tie goes to the plot), for finite costs - so the two must
 * agree. Random costs, exact ties and both orders.
 */
static void assign_one_by_one_takes_the_plot_iff_cost_at_most_miss(void **state)
{
	(void)state;
	struct track_assign_ws ws;
	track_assign_ws_init(&ws);
	uint64_t s = 42;
	int n_plot = 0, n_miss = 0, n_tie = 0;
	for (int t = 0; t < 20000; t++) {
		double c = 200.0 * rng_unif(&s) - 100.0, miss = 200.0 * rng_unif(&s) - 100.0;
		if (t % 10 == 0) {
			miss = c; /* exact tie */
			n_tie++;
		}
		double C[2] = {c, miss};
		int col = -1;
		assert_int_equal(track_assign(&ws, C, 1, 2, &col, NULL), 0);
		int want = c <= miss ? 0 : 1;
		if (col != want)
			fail_msg("cost %.17g miss %.17g: track_assign column %d, rule %d", c, miss,
			         col, want);
		n_plot += col == 0;
		n_miss += col == 1;
	}
	assert_true(n_tie == 2000 && n_plot > 5000 && n_miss > 5000);
	track_assign_ws_finish(&ws);
}

static void assign_rejects_bad_input_and_handles_large_problem(void **state)
{
	(void)state;
	struct track_assign_ws ws;
	track_assign_ws_init(&ws);
	double C[4] = {1, NAN, 2, 3};
	int col[2];
	assert_int_equal(track_assign(&ws, C, 2, 2, col, NULL), -EINVAL);
	assert_int_equal(track_assign(&ws, C, 3, 2, col, NULL), -EINVAL);
	/* A 300x300 problem whose optimum is known: C[i][j] = |i - perm(j)|
	 * has a zero-cost assignment. */
	enum { N = 300 };
	double *M = malloc(sizeof(double) * N * N);
	int *c2 = malloc(sizeof(int) * N);
	int perm[N];
	uint64_t s = 7;
	for (int i = 0; i < N; i++)
		perm[i] = i;
	for (int i = N - 1; i > 0; i--) {
		int j = (int)(rng_next(&s) % (uint64_t)(i + 1));
		int t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			M[i * N + j] = fabs((double)(i - perm[j]));
	double total = -1;
	assert_int_equal(track_assign(&ws, M, N, N, c2, &total), 0);
	assert_true(total == 0.0);
	for (int i = 0; i < N; i++)
		assert_int_equal(perm[c2[i]], i);
	free(M);
	free(c2);
	track_assign_ws_finish(&ws);
}

/* ---- statistics ---- */

static void chi2_quantiles_match_tables(void **state)
{
	(void)state;
	/* Exact chi-square quantiles (tracking-methods.md table 4.2; any
	 * statistics table): dof, p, value. */
	static const struct {
		double k, p, x;
	} tab[] = {
	    {1, 0.95, 3.841459},   {1, 0.99, 6.634897},  {1, 0.999, 10.827566},
	    {2, 0.95, 5.991465},   {2, 0.99, 9.210340},  {3, 0.95, 7.814728},
	    {3, 0.99, 11.344867},  {4, 0.95, 9.487729},  {6, 0.95, 12.591587},
	    {6, 0.999, 22.457744}, {10, 0.05, 3.940299}, {100, 0.975, 129.561197},
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		double x = track_chi2_quantile(tab[i].p, tab[i].k);
		if (fabs(x - tab[i].x) > 2e-6 * tab[i].x + 1e-6)
			fail_msg("chi2 quantile k=%g p=%g: got %.7f want %.7f", tab[i].k, tab[i].p,
			         x, tab[i].x);
		double p = track_chi2_cdf(tab[i].x, tab[i].k);
		if (fabs(p - tab[i].p) > 1e-5)
			fail_msg("chi2 cdf k=%g x=%g: got %.7f want %.7f", tab[i].k, tab[i].x, p,
			         tab[i].p);
	}
	/* Large dof: Wilson-Hilferty, whose relative error at k = 600 is below
	 * 1e-4, is an independent check of the bisection on the CDF. */
	for (int s = -1; s <= 1; s += 2) {
		double z = 1.959963985 * s, k = 600.0;
		double wh = k * pow(1.0 - 2.0 / (9.0 * k) + z * sqrt(2.0 / (9.0 * k)), 3.0);
		double x = track_chi2_quantile(s < 0 ? 0.025 : 0.975, k);
		if (fabs(x - wh) > 1e-4 * wh)
			fail_msg("chi2 k=600 z=%g: got %.5f, Wilson-Hilferty %.5f", z, x, wh);
	}
	/* The ANEES bounds quoted in tracking-methods.md 3.6. */
	double lo, hi;
	track_anees_bounds(6, 100, 0.95, &lo, &hi);
	if (fabs(lo - 5.34) > 0.006 || fabs(hi - 6.70) > 0.006)
		fail_msg("ANEES bounds n=6 N=100: [%.3f, %.3f], want [5.34, 6.70]", lo, hi);
	track_anees_bounds(3, 50, 0.95, &lo, &hi);
	if (fabs(lo - 2.36) > 0.006 || fabs(hi - 3.72) > 0.006)
		fail_msg("ANEES bounds n=3 N=50: [%.3f, %.3f], want [2.36, 3.72]", lo, hi);
	assert_true(isnan(track_chi2_quantile(1.0, 3)));
	assert_true(isnan(track_chi2_quantile(0.5, 0)));
}

static void binomial_acceptance_region_has_the_stated_tails(void **state)
{
	(void)state;
	int lo, hi;
	/* Bin(100, 0.95): P(X <= 90) = 0.0282, P(X <= 89) = 0.0115 ->
	 * P(X < 90) <= 0.025 so k_lo = 90; P(X = 100) = 0.0059,
	 * P(X >= 99) = 0.0371 -> k_hi = 99. */
	assert_int_equal(track_binom_accept(100, 0.95, 0.95, &lo, &hi), 0);
	if (lo != 90 || hi != 99)
		fail_msg("Bin(100,0.95) region [%d, %d], want [90, 99]", lo, hi);
	assert_int_equal(track_binom_accept(0, 0.5, 0.95, &lo, &hi), -EINVAL);
}

static void gospa_counts_misses_false_tracks_and_cutoff(void **state)
{
	(void)state;
	/* 2 estimates, 3 truths, c = 10, p = 2. est0 at 3 from truth1,
	 * est1 at 20 (beyond c) from everything. */
	double d[2 * 3] = {50, 3, 40, 20, 30, 25};
	struct track_gospa g;
	assert_int_equal(track_gospa(d, 2, 3, 10.0, 2.0, &g), 0);
	assert_int_equal(g.n_missed, 2);
	assert_int_equal(g.n_false, 1);
	double want = sqrt(9.0 + 100.0 / 2.0 * 3);
	if (fabs(g.gospa - want) > 1e-12)
		fail_msg("GOSPA %.12g want %.12g", g.gospa, want);
	/* Transposed (more estimates than truths) gives the same value. */
	double dt[3 * 2] = {50, 20, 3, 30, 40, 25};
	struct track_gospa g2;
	assert_int_equal(track_gospa(dt, 3, 2, 10.0, 2.0, &g2), 0);
	assert_true(fabs(g2.gospa - want) < 1e-12);
	assert_int_equal(g2.n_missed, 1);
	assert_int_equal(g2.n_false, 2);
	assert_int_equal(track_gospa(NULL, 0, 4, 10.0, 2.0, &g), 0);
	assert_true(fabs(g.gospa - sqrt(200.0)) < 1e-12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(assign_matches_brute_force_on_random_matrices),
	    cmocka_unit_test(assign_rejects_bad_input_and_handles_large_problem),
	    cmocka_unit_test(assign_one_by_one_takes_the_plot_iff_cost_at_most_miss),
	    cmocka_unit_test(chi2_quantiles_match_tables),
	    cmocka_unit_test(binomial_acceptance_region_has_the_stated_tails),
	    cmocka_unit_test(gospa_counts_misses_false_tracks_and_cutoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
