/*
 * track/stats.h - the statistics the tracker and its evaluation need:
 * chi-square distribution and quantiles (gates, NEES/NIS bounds),
 * binomial acceptance regions (ellipse coverage), and GOSPA.
 *
 * All functions are pure and thread-safe (no global state; lgamma_r).
 */
#ifndef MW_TRACK_STATS_H
#define MW_TRACK_STATS_H

#include <stddef.h>

/*
 * Regularised lower incomplete gamma P(a, x) = gamma(a, x) / Gamma(a),
 * a > 0, x >= 0; series for x < a + 1, Lentz continued fraction for the
 * complement otherwise (relative accuracy ~1e-14). NAN on bad input.
 */
double track_gamma_p(double a, double x);

/* Chi-square CDF with k > 0 degrees of freedom: P(k/2, x/2). */
double track_chi2_cdf(double x, double k);

/*
 * Chi-square quantile: the x with track_chi2_cdf(x, k) = p, 0 < p < 1,
 * by bracketing and bisection on the exact CDF to a relative 1e-12.
 * NAN on bad input.
 */
double track_chi2_quantile(double p, double k);

/*
 * Two-sided acceptance region for the average NEES (or NIS) of n_runs
 * independent runs of an n_x-dimensional consistent estimator:
 * n_runs * ANEES ~ chi2(n_runs * n_x), so the region at confidence conf
 * (0.95) is [q((1-conf)/2), q((1+conf)/2)] / n_runs.
 */
void track_anees_bounds(int n_x, int n_runs, double conf, double *lo, double *hi);

/*
 * Two-sided acceptance region for a binomial count X ~ Bin(n, p) at
 * confidence conf: the largest k_lo with P(X < k_lo) <= (1-conf)/2 and
 * the smallest k_hi with P(X > k_hi) <= (1-conf)/2, from the exact pmf.
 * Returns -EINVAL on bad input (n < 1, p outside (0,1)).
 */
int track_binom_accept(int n, double p, double conf, int *k_lo, int *k_hi);

/*
 * GOSPA (Rahmathullah, Garcia-Fernandez & Svensson, FUSION 2017) with
 * alpha = 2, order p >= 1 and cut-off c > 0, between n_est estimates and
 * n_truth truths, given the n_est x n_truth row-major matrix of their
 * distances (metres). Outputs the metric and its parts: localisation
 * (sum of assigned d^p), missed and false counts. Uses the 2-D
 * assignment of assign.h. Returns 0, -EINVAL or -ENOMEM (n_est*n_truth
 * is bounded by TRACK_ASSIGN_MAX^2).
 */
struct track_gospa {
	double gospa; /* (loc + c^p/2 (missed + false))^(1/p) */
	double loc_p; /* sum over assigned pairs of d^p */
	int n_missed; /* truths not assigned (or assigned at d >= c) */
	int n_false;  /* estimates not assigned (or at d >= c) */
};
int track_gospa(const double *dist_m, int n_est, int n_truth, double c_m, double p,
                struct track_gospa *out);

#endif
