/*
 * track/imm.c - the two-model IMM of imm.h.
 *
 * Invariants:
 *  1. mu[j] >= TRACK_MU_FLOOR and sum mu = 1 after every step, so neither
 *     model is ever lost for good (a ballistic track can re-enter boost
 *     at staging).
 *  2. A model whose update is undefined (measurement model fails for
 *     its sigma points) keeps its prediction and gets likelihood 0;
 *     if both fail the update fails and the input is untouched.
 *  3. The non-thrusting model's prediction includes the chance that the
 *     burn ended inside the interval (burnout_in_interval), so the first
 *     scan after burnout finds a model whose covariance covers it.
 *  4. While mu_boost <= TRACK_BURNOUT_MIN_MU the non-thrusting model is
 *     mixed from its own posterior alone. Its mixed start is a mixture
 *     with weight w <= mu_boost dt / tau_boost of the boost mode, whose
 *     velocity spread along the track (thrust re-drawn from 0 +- sigma_at0
 *     at every mixing: ~10 m/s a second) is ~1e6 times a midcourse
 *     track's in variance; the moment match (w (P_b + d d^T)) lets that
 *     far tail set the covariance - w = 1e-6 doubles it - and a chain of
 *     scans piles it up where the sensors measure least (an IRBM's last
 *     plots without range rate lift mu_boost to 1e-7..2e-4: covariance
 *     5-30x the bound's in one direction, docs/tracking.md "Covariance
 *     shape"). Dropping the component moves any probability by at most
 *     w in total variation, the argument of tracker.c's published
 *     estimate (PUBLISH_MINOR_MU); mu_boost itself is still predicted
 *     and updated in full, so a real thrust still raises it and, above
 *     the bound, is mixed in again.
 *  5. Pruned boost model (imm.h, "pruning"): mu[TRACK_MODE_BOOST] == 0
 *     exactly (and only then) means the boost model is not carried;
 *     m[TRACK_MODE_BOOST] then holds a copy of the ballistic model, so a
 *     pruned IMM is a well-defined value (compared bytewise by the
 *     tracker's prediction cache) and every mixture of it is the
 *     ballistic model's doubles. Invariant 1 holds for the unpruned.
 *  6. track_imm_predict_mode(j) is model j of track_imm_predict, pruned
 *     or not (one code path, predict_one).
 */
#include "track/imm.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/err.h"
#include "mat/mat.h"
#include "track/chol.h"
#include "track/stats.h"
#include "track/v2d.h"

#define N              TRACK_NX
#define TRACK_MU_FLOOR 1e-8 /* why this value: tau_ballistic_s in tracker.c */
/* Below this mixing weight of the boost model into the non-thrusting
 * one the burnout correction is skipped (midcourse: mu_boost at its
 * floor 1e-8 gives ~1e-10 per second). */
#define TRACK_BURNOUT_MIN_W 1e-9
/* Nor is it applied while the boost probability is at most 1e-3, the
 * bound under which tracker.c calls a track ballistic (its long coast,
 * coast_long_mu_boost_max): there the probability is the mode floor's
 * and the transition matrix's, not evidence of thrust, and over a long
 * prediction (a 2,400 s coast: w ~ 1e-8 > the weight above, T = 10
 * tau_boost) the correction added up to 0.7 of the ballistic position
 * sigma from nothing. At a real burnout mu_boost is near 1; below 1e-3
 * its share of a scan's prediction (w ~ dt / tau_boost x 1e-3) is
 * negligible. The same bound stops the boost mode's mixing into the
 * non-thrusting one (invariant 4). */
#define TRACK_BURNOUT_MIN_MU 1e-3

static int is_pruned(const struct track_imm *s)
{
	return s->mu[TRACK_MODE_BOOST] == 0.0;
}

/* Is the boost model left out of a prediction from s (imm.h,
 * "pruning")? */
static int prunes(const struct track_imm *s, const struct track_imm_cfg *cfg)
{
	return is_pruned(s) || s->mu[TRACK_MODE_BOOST] < cfg->prune_mu;
}

/* The pruned form of s: the ballistic model alone (invariant 5). */
static void prune(struct track_imm *s)
{
	s->mu[TRACK_MODE_BALLISTIC] = 1.0;
	s->mu[TRACK_MODE_BOOST] = 0.0;
	s->m[TRACK_MODE_BOOST] = s->m[TRACK_MODE_BALLISTIC];
}

/* Chi-square 0.99 quantiles for 1..4 degrees of freedom (Abramowitz &
 * Stegun 1964, table 26.8: 6.635, 9.210, 11.345, 13.277). */
static double revive_nis(int nz)
{
	static const double q[TRACK_NZ_MAX] = {6.634897, 9.210340, 11.344867, 13.276704};
	return nz >= 1 && nz <= TRACK_NZ_MAX ? q[nz - 1] : 0.0;
}

int track_imm_pruned(const struct track_imm *s)
{
	return is_pruned(s);
}

static void normalise(double mu[TRACK_N_MODES])
{
	double s = 0.0;
	for (int j = 0; j < TRACK_N_MODES; j++) {
		if (!(mu[j] > TRACK_MU_FLOOR))
			mu[j] = TRACK_MU_FLOOR;
		s += mu[j];
	}
	for (int j = 0; j < TRACK_N_MODES; j++)
		mu[j] /= s;
}

/* The moment-matched Gaussian of the models m with weights w (the
 * mixing reads the posteriors in place, without copying them), written
 * straight to out, which must not be one of the m. */
static inline __attribute__((always_inline)) void
combine_w_n(const struct track_gauss *const m[TRACK_N_MODES], const double w[TRACK_N_MODES],
            int carry_c, struct track_gauss *out, const int na)
{
	/* Each entry summed over the models in a register (the same
	 * additions in the same order as accumulating into a zeroed g). */
	struct track_gauss *g = out;
	double d[TRACK_N_MODES][N];
	track_v2d wv[TRACK_N_MODES];
	for (int j = 0; j < TRACK_N_MODES; j++)
		wv[j] = track_v2_dup(w[j]);
	/* Entries i and i + 1 side by side (track/v2d.h: each the same sum
	 * in the same order, the same choice per lane). */
	TRACK_UNROLL
	for (int i = 0; i < N; i += 2) {
		track_v2d s = track_v2_dup(0.0);
		for (int j = 0; j < TRACK_N_MODES; j++)
			s += wv[j] * track_v2_load(&m[j]->x[i]);
		/* Models that agree exactly (k in vacuum: nothing updates it)
		 * mix to that value exactly, not to it times sum w = 1 +- an
		 * ulp: the rounding would correlate it with everything through
		 * the spread terms below, and a state whose k and aT are
		 * exactly uncorrelated with (r, v) is filtered in 6-D (ukf.c,
		 * kat_decoupled). Per lane: m[0]'s bits where m[0] == m[1]
		 * (+0 == -0 too, as the scalar test), else s. */
		const track_v2d a = track_v2_load(&m[0]->x[i]), b = track_v2_load(&m[1]->x[i]);
		const track_v2l eq = a == b;
		track_v2_store(&g->x[i], (track_v2d)(((track_v2l)a & eq) | ((track_v2l)s & ~eq)));
	}
	for (int j = 0; j < TRACK_N_MODES; j++) {
		TRACK_UNROLL
		for (int i = 0; i < N; i += 2)
			track_v2_store(&d[j][i],
			               track_v2_load(&m[j]->x[i]) - track_v2_load(&g->x[i]));
	}
	/* C mixes linearly (gravity_err.h); carry_c = 0 (no gravity-model
	 * error stated: every C is zero) skips the sums. */
	if (carry_c) {
		for (int i = 0; i < N * 3; i++) {
			double s = 0.0;
			for (int j = 0; j < TRACK_N_MODES; j++)
				s += w[j] * m[j]->C[i];
			g->C[i] = s;
		}
	} else {
		memset(g->C, 0, sizeof(g->C));
	}
	/* Lower triangle mirrored: the modes' P are exactly symmetric, so
	 * this equals the full sum symmetrised. Two entries of a row at a
	 * time (track/v2d.h: the same sums in the same order); an odd row's
	 * last pair computes (a, a + 1) too (in bounds), which is not kept. */
	TRACK_UNROLL
	for (int a = 0; a < na; a++) {
		track_v2d da[TRACK_N_MODES];
		for (int j = 0; j < TRACK_N_MODES; j++)
			da[j] = track_v2_dup(d[j][a]);
		TRACK_UNROLL
		for (int b = 0; b <= a; b += 2) {
			track_v2d s = track_v2_dup(0.0);
			for (int j = 0; j < TRACK_N_MODES; j++)
				s += wv[j] * (track_v2_load(&m[j]->P[a * N + b]) +
				              da[j] * track_v2_load(&d[j][b]));
			g->P[a * N + b] = g->P[b * N + a] = s[0];
			if (b + 1 <= a)
				g->P[a * N + b + 1] = g->P[(b + 1) * N + a] = s[1];
		}
	}
	/* na = N - 1: aT's row and column are left for the caller to set
	 * (predict_one's non-thrusting model resets them). */
	for (int a = na; a < N; a++)
		for (int b = 0; b < N; b++)
			g->P[a * N + b] = g->P[b * N + a] = 0.0;
}

static void combine_w(const struct track_gauss *const m[TRACK_N_MODES],
                      const double w[TRACK_N_MODES], int carry_c, struct track_gauss *out)
{
	combine_w_n(m, w, carry_c, out, N);
}

/* combine_w without aT's row and column (zeros; the caller sets them). */
static void combine_w_noat(const struct track_gauss *const m[TRACK_N_MODES],
                           const double w[TRACK_N_MODES], int carry_c, struct track_gauss *out)
{
	combine_w_n(m, w, carry_c, out, N - 1);
}

/*
 * Burnout inside the interval (invariant 3). The non-thrusting model's
 * prediction from the boost posterior assumes the burn ended at the
 * start of the interval; in truth it ended at some s in [0, dt], with
 * density proportional to exp(-s / tau) (the Markov chain's switching
 * time given one switch in the interval, tau the boost mode's mean time
 * to burnout, track_imm_boost_tau_s; uniform for dt much shorter than
 * tau). Thrust a along the thrust direction n for s
 * more seconds adds, to first order in the interval (gravity changes
 * by ~1e-6 of itself over the ~100 m involved),
 *   dr = a f_r(s) n,  f_r(s) = s dt - s^2 / 2
 *   dv = a f_v(s) n,  f_v(s) = s
 * With a ~ N(a_hat, sigma_a^2) (the boost posterior's aT, independent of
 * s) and the thrust direction n = u + e (u the boost posterior's thrust
 * direction, cos(alpha) v/|v| + sin(alpha) w (model.h), e across it with
 * covariance D = track_model_thrust_dir_cov: sigma_pitch^2 in the
 * trajectory plane, sigma_yaw^2 out of it, the thrusting model's stated
 * sigmas, alpha's variance added to the pitch's):
 *   E[dr, dv]      = a_hat E[f] u
 *   Cov along u    = (a_hat^2 + sigma_a^2) E[f f^T] - a_hat^2 E[f] E[f]^T
 *   Cov across u   = (a_hat^2 + sigma_a^2) E[f f^T] (x) D
 * (uniform s: E[f] = (dt^2/3, dt/2), E[f f^T] = [2 dt^4/15, 5 dt^3/24;
 * 5 dt^3/24, dt^2/3]). The predicted non-thrusting model is the mixture
 * of "was ballistic" (weight 1 - w) and "burnt out in the interval"
 * (weight w, the mixing weight of the boost model into it): its moments
 * gain w E[d] in the mean and w Cov[d] + w (1 - w) E[d] E[d]^T in the
 * covariance. The moments over s are by 6-point Gauss-Legendre on
 * [0, min(dt, 10 tau)] with the exponential weight (exact to 1e-12 for
 * the uniform case; polynomials of degree 4 in s).
 * Without this the non-thrusting model at the first scan after burnout
 * carries an unmodelled a (t_bo - t_prev) of velocity (up to ~150 m/s
 * for an IRBM's last second of thrust) under a covariance that knows
 * nothing of it, and hands it to midcourse.
 */
void track_imm_memo_init(struct track_imm_memo *mo)
{
	memset(mo, 0, sizeof(*mo));
	mo->exp_x[0] = mo->exp_x[1] = mo->q_dt = mo->q_tau = NAN; /* equal to nothing */
}

/* exp(x), from slot i of mo (may be NULL) when it holds this x. */
static double memo_exp(struct track_imm_memo *mo, int i, double x)
{
	if (mo && mo->exp_x[i] == x)
		return mo->exp_y[i]; /* exp(+0) == exp(-0): a signed zero is no other key */
	double y = exp(x);
	if (mo) {
		mo->exp_x[i] = x;
		mo->exp_y[i] = y;
	}
	return y;
}

/* The switching time's moments E[f], E[f f^T] (burnout_in_interval), a
 * function of dt_s and tau_s alone. */
static void burnout_moments(double dt_s, double tau_s, double ef[2], double eff[3])
{
	/* Gauss-Legendre nodes and weights on [-1, 1], 6 points
	 * (Abramowitz & Stegun 1964, table 25.4). */
	static const double xg[6] = {-0.9324695142031521, -0.6612093864662645, -0.2386191860831969,
	                             0.2386191860831969,  0.6612093864662645,  0.9324695142031521};
	static const double wg[6] = {0.1713244923791704, 0.3607615730481386, 0.4679139345726910,
	                             0.4679139345726910, 0.3607615730481386, 0.1713244923791704};
	double T = dt_s < 10.0 * tau_s ? dt_s : 10.0 * tau_s;
	double sw = 0.0;
	ef[0] = ef[1] = 0.0;
	eff[0] = eff[1] = eff[2] = 0.0;
	for (int q = 0; q < 6; q++) {
		double s = 0.5 * T * (xg[q] + 1.0);
		double wq = wg[q] * exp(-s / tau_s);
		double fr = s * dt_s - 0.5 * s * s, fv = s;
		sw += wq;
		ef[0] += wq * fr;
		ef[1] += wq * fv;
		eff[0] += wq * fr * fr;
		eff[1] += wq * fr * fv;
		eff[2] += wq * fv * fv;
	}
	for (int i = 0; i < 2; i++)
		ef[i] /= sw;
	for (int i = 0; i < 3; i++)
		eff[i] /= sw;
}

/* burnout_moments, from mo (may be NULL) when it holds this (dt_s,
 * tau_s) (both > 0 here: no signed zeros to tell apart). */
static void memo_burnout_moments(struct track_imm_memo *mo, double dt_s, double tau_s, double ef[2],
                                 double eff[3])
{
	if (mo && mo->q_dt == dt_s && mo->q_tau == tau_s) {
		ef[0] = mo->q_ef[0];
		ef[1] = mo->q_ef[1];
		for (int i = 0; i < 3; i++)
			eff[i] = mo->q_eff[i];
		return;
	}
	burnout_moments(dt_s, tau_s, ef, eff);
	if (mo) {
		mo->q_dt = dt_s;
		mo->q_tau = tau_s;
		mo->q_ef[0] = ef[0];
		mo->q_ef[1] = ef[1];
		for (int i = 0; i < 3; i++)
			mo->q_eff[i] = eff[i];
	}
}

static void burnout_in_interval(struct track_gauss *g, const struct track_gauss *boost,
                                const struct track_motion *mb, double w, double dt_s, double tau_s,
                                int allow, struct track_imm_memo *mo)
{
	if (!(w > TRACK_BURNOUT_MIN_W) || !(tau_s > 0.0) || allow == TRACK_BURNOUT_ALLOW_OFF)
		return;
	const double *v = boost->x + 3;
	double vn = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
	double a = boost->x[TRACK_IX_AT];
	double va = boost->P[TRACK_IX_AT * N + TRACK_IX_AT];
	double al = boost->x[TRACK_IX_ALPHA];
	double pal = boost->P[TRACK_IX_ALPHA * N + TRACK_IX_ALPHA];
	if (!(vn > 1.0) || !isfinite(a) || !(va >= 0.0) || !isfinite(al) || !(pal >= 0.0))
		return;
	if (a < 0.0)
		a = 0.0;
	double u[3], wv[3], hv[3];
	if (track_model_thrust_frame(boost->x, u, wv, hv) == 0) {
		const double ca = cos(al), sa = sin(al);
		for (int i = 0; i < 3; i++)
			u[i] = ca * u[i] + sa * wv[i];
	}
	double ef[2], eff[3];
	memo_burnout_moments(mo, dt_s, tau_s, ef, eff);
	double D[3][3];
	double sp, so;
	track_motion_dir_sigmas(mb, &sp, &so);
	track_model_thrust_dir_cov(boost->x, sqrt(sp * sp + pal), so, D);
	double a2 = a * a + va;
	/* 2 x 2 blocks (r, v) along u and across u, and the mean shift. */
	double Cal[3] = {a2 * eff[0] - a * a * ef[0] * ef[0], a2 * eff[1] - a * a * ef[0] * ef[1],
	                 a2 * eff[2] - a * a * ef[1] * ef[1]};
	double Cx[3] = {a2 * eff[0], a2 * eff[1], a2 * eff[2]};
	double m[2] = {a * ef[0], a * ef[1]};
	double ww = w * (1.0 - w);
	for (int i = 0; i < 3; i++) {
		g->x[i] += w * m[0] * u[i];
		g->x[3 + i] += w * m[1] * u[i];
	}
	if (__builtin_expect(allow == TRACK_BURNOUT_ALLOW_MEAN, 0))
		return; /* diagnosis: the mean shift alone */
	/* Entries (i, 0) and (i, 1) of each block side by side (track/v2d.h:
	 * each lane the scalar expression's operations in its order), then
	 * (i, 2) alone. */
	const double w00 = ww * m[0] * m[0], w01 = ww * m[0] * m[1], w11 = ww * m[1] * m[1];
	const track_v2d u01 = track_v2_load(u);
	for (int i = 0; i < 3; i++) {
		const track_v2d uu = track_v2_dup(u[i]) * u01, pp = track_v2_load(D[i]);
		/* blocks rr, rv, vv */
		const track_v2d rr =
		    track_v2_dup(w) * (track_v2_dup(Cal[0]) * uu + track_v2_dup(Cx[0]) * pp) +
		    track_v2_dup(w00) * uu;
		const track_v2d rv =
		    track_v2_dup(w) * (track_v2_dup(Cal[1]) * uu + track_v2_dup(Cx[1]) * pp) +
		    track_v2_dup(w01) * uu;
		const track_v2d vv =
		    track_v2_dup(w) * (track_v2_dup(Cal[2]) * uu + track_v2_dup(Cx[2]) * pp) +
		    track_v2_dup(w11) * uu;
		double *p0 = &g->P[i * N], *p3 = &g->P[(3 + i) * N];
		track_v2_store(p0, track_v2_load(p0) + rr);
		track_v2_store(p0 + 3, track_v2_load(p0 + 3) + rv);
		track_v2_store(p3, track_v2_load(p3) + rv);
		track_v2_store(p3 + 3, track_v2_load(p3 + 3) + vv);
		const int j = 2;
		double uu2 = u[i] * u[j], pp2 = D[i][j];
		double rr2 = w * (Cal[0] * uu2 + Cx[0] * pp2) + w00 * uu2;
		double rv2 = w * (Cal[1] * uu2 + Cx[1] * pp2) + w01 * uu2;
		double vv2 = w * (Cal[2] * uu2 + Cx[2] * pp2) + w11 * uu2;
		p0[j] += rr2;
		p0[3 + j] += rv2;
		p3[j] += rv2;
		p3[3 + j] += vv2;
	}
}

static void x6_clear(struct track_gauss *g)
{
	for (int i = 0; i < N; i++)
		g->P[TRACK_IX_K * N + i] = g->P[i * N + TRACK_IX_K] = 0.0;
}

void track_gauss_alpha_prior(struct track_gauss *g)
{
	x6_clear(g);
	g->x[TRACK_IX_ALPHA] = 0.0;
	g->P[TRACK_IX_ALPHA * N + TRACK_IX_ALPHA] = TRACK_ALPHA_SIGMA0_RAD * TRACK_ALPHA_SIGMA0_RAD;
	for (int b = 0; b < 3; b++)
		g->C[TRACK_IX_ALPHA * 3 + b] = 0.0;
}

void track_gauss_k_of(struct track_gauss *g, const struct track_gauss *bal)
{
	const int K = TRACK_IX_K;
	x6_clear(g);
	g->x[K] = bal->x[K];
	g->P[K * N + K] = bal->P[K * N + K];
	for (int b = 0; b < 3; b++)
		g->C[K * 3 + b] = bal->C[K * 3 + b];
}

/* The combined estimate is of the non-thrusting model's x6, k: the
 * thrusting model enters with the non-thrusting model's k (which the
 * moment match then keeps exactly: combine_w_n). */
void track_imm_combine(const struct track_imm *imm, struct track_gauss *out)
{
	if (is_pruned(imm)) { /* weights {1, 0} on two copies: the copy */
		*out = imm->m[TRACK_MODE_BALLISTIC];
		return;
	}
	struct track_gauss boost = imm->m[TRACK_MODE_BOOST], g; /* out may be one of imm's */
	track_gauss_k_of(&boost, &imm->m[TRACK_MODE_BALLISTIC]);
	const struct track_gauss *const m[TRACK_N_MODES] = {&imm->m[TRACK_MODE_BALLISTIC], &boost};
	combine_w(m, imm->mu, 1, &g);
	*out = g;
}

/*
 * Burnout hazard (docs/tracking.md, "Boost and burnout"). A stage burns
 * its propellant at the mass flow m' = F / (Isp g0), so with thrust
 * acceleration a = F / m the time left until its whole present mass m
 * would be burnt is m / m' = Isp g0 / a, and the burn left is shorter
 * (Isp g0 (1/a - 1/a_bo), a_bo the acceleration at burnout; launch.c's
 * thrust law). The chain's constant tau_boost_s (60 s) ignores this: at
 * the end of an IRBM's burn (a ~150 m/s^2) it gave a burnout 1.7% per
 * second where the mass bound allows at most ~20 s more, and a
 * prediction across the true cut-off was ~7 of its sigmas off (IRBM seed
 * 14: NEES 129 one second after burnout). The mean time to burnout is
 * therefore min(tau_boost_s, Isp g0 / a) with a = max(aT, 0) the boost
 * model's thrust estimate: the memoryless chain with the bound as its
 * mean (the stage's a_bo is not known). burnout_isp_s = 255 s, the
 * centre of launch.c's Isp prior (220-290 s, storable liquids and
 * composite solids); a lower Isp gives the earlier burnout, the cautious
 * side. Used for the transition matrix and for the switching time's
 * density in burnout_in_interval, so the two agree.
 * The bound is the time to burn the whole present mass, not the burn
 * left, and as the chain's mean it gave ~3% burnout per second at an
 * SRBM's 8 g cut-off, so a 1-s prediction from a plot just before (or
 * 0.1-0.5 s after) the cut-off still carried the thrust at mu_boost
 * 0.90-0.996 (docs/tracking.md, "Burnout hazard (session 6, branch
 * hazard)"). So the hazard is also at least a'/a_ref: a constant-thrust
 * stage's a rises at a' = a^2 / (Isp g0), tau = Isp g0 a_ref / a^2, one
 * burnout per a_ref of thrust acceleration gained, a_ref = 2 g in the
 * tracker (burnout_aref_m_s2): 11% per 1-s scan at 8 g, 35% at 15 g,
 * unchanged below ~3 g (tau_boost_s and the bound take over), where a
 * flat quarter of the bound declared an IR-only 2 g boost ballistic
 * (unit test ir_only_salvo_starts_one_track_per_missile). a_ref is an
 * empirical scale measured on the simulator, not a stage's physics (the
 * doc section says why a physical prior cannot tell an SRBM's cut-off
 * without its class). Still Markov: the switching probability over an
 * interval is 1 - exp(-dt / tau), tau at the interval's start.
 */
#define G0_M_S2 9.80665 /* standard gravity, defines Isp in seconds */

double track_imm_boost_tau_s(const struct track_imm_cfg *cfg, double at_m_s2)
{
	double tau = cfg->tau_boost_s;
	if (cfg->burnout_isp_s > 0.0 && at_m_s2 > 0.0 && isfinite(at_m_s2)) {
		double tm = cfg->burnout_isp_s * G0_M_S2 / at_m_s2;
		if (tm < tau)
			tau = tm;
		double tr = tm * cfg->burnout_aref_m_s2 / at_m_s2;
		if (cfg->burnout_aref_m_s2 > 0.0 && tr < tau)
			tau = tr;
	}
	return tau;
}

static double boost_tau(const struct track_imm *in, const struct track_imm_cfg *cfg)
{
	return track_imm_boost_tau_s(cfg, in->m[TRACK_MODE_BOOST].x[TRACK_IX_AT]);
}

/* Pi[i][j] = P(mode j at k+1 | mode i at k) over |dt_s|; tau_b the boost
 * mode's mean time to burnout (boost_tau). */
static void transition(double dt_s, const struct track_imm_cfg *cfg, double tau_b,
                       struct track_imm_memo *mo, double Pi[TRACK_N_MODES][TRACK_N_MODES])
{
	double adt = fabs(dt_s);
	double p_bb = memo_exp(mo, 0, -adt / tau_b);
	double p_cc = memo_exp(mo, 1, -adt / cfg->tau_ballistic_s);
	Pi[TRACK_MODE_BALLISTIC][TRACK_MODE_BALLISTIC] = p_cc;
	Pi[TRACK_MODE_BALLISTIC][TRACK_MODE_BOOST] = 1 - p_cc;
	Pi[TRACK_MODE_BOOST][TRACK_MODE_BALLISTIC] = 1 - p_bb;
	Pi[TRACK_MODE_BOOST][TRACK_MODE_BOOST] = p_bb;
}

/* Model j's prediction from its mixed initial condition; *cj is the
 * predicted probability of mode j (before normalisation). The one code
 * path of track_imm_predict and track_imm_predict_mode, so that the two
 * give the same doubles (the long coast relies on it, tracker.c). */
static int predict_one(const struct track_imm *in, double dt_s, const struct track_imm_cfg *cfg,
                       double Pi[TRACK_N_MODES][TRACK_N_MODES], double tau_b,
                       struct track_imm_memo *mo, int j, double *cj, struct track_gauss *out)
{
	double c = 0.0;
	for (int i = 0; i < TRACK_N_MODES; i++)
		c += Pi[i][j] * in->mu[i];
	/* Mixed initial condition for model j. */
	double w[TRACK_N_MODES];
	for (int i = 0; i < TRACK_N_MODES; i++)
		w[i] = c > 0 ? Pi[i][j] * in->mu[i] / c : 0.0;
	if (!cfg->motion[j].thrust && !(in->mu[TRACK_MODE_BOOST] > TRACK_BURNOUT_MIN_MU)) {
		/* A negligible boost mode is not mixed into the non-thrusting
		 * model (invariant 4). */
		w[TRACK_MODE_BALLISTIC] = 1.0;
		w[TRACK_MODE_BOOST] = 0.0;
	}
	struct track_gauss g0;
	int carry_c = cfg->motion[j].grav_err != TRACK_GRAV_ERR_NONE;
	if (prunes(in, cfg)) {
		g0 = in->m[TRACK_MODE_BALLISTIC]; /* the boost model is left out */
	} else {
		/* The other model's Gaussian with model j's x6 (imm.h): a copy
		 * of that one model, the other read in place. */
		const int o = cfg->motion[j].thrust ? TRACK_MODE_BALLISTIC : TRACK_MODE_BOOST;
		struct track_gauss other = in->m[o];
		if (cfg->motion[j].thrust)
			track_gauss_alpha_prior(&other);
		else
			track_gauss_k_of(&other, &in->m[TRACK_MODE_BALLISTIC]);
		const struct track_gauss *mm[TRACK_N_MODES] = {&in->m[0], &in->m[1]};
		mm[o] = &other;
		if (!cfg->motion[j].thrust)
			combine_w_noat(mm, w, carry_c, &g0); /* aT's row and column: below */
		else
			combine_w(mm, w, carry_c, &g0);
	}
	if (!cfg->motion[j].thrust) {
		/* The non-thrusting model holds aT = 0, uncorrelated. */
		for (int i = 0; i < N; i++)
			g0.P[i * N + TRACK_IX_AT] = g0.P[TRACK_IX_AT * N + i] = 0.0;
		g0.x[TRACK_IX_AT] = 0.0;
		g0.P[TRACK_IX_AT * N + TRACK_IX_AT] = cfg->sigma_at0_m_s2 * cfg->sigma_at0_m_s2;
		for (int b = 0; b < 3; b++)
			g0.C[TRACK_IX_AT * 3 + b] = 0.0;
	}
	int rc = track_ukf_predict(&g0, dt_s, &cfg->motion[j], out);
	if (rc < 0)
		return rc;
	if (!cfg->motion[j].thrust && dt_s > 0.0 && in->mu[TRACK_MODE_BOOST] > TRACK_BURNOUT_MIN_MU)
		burnout_in_interval(out, &in->m[TRACK_MODE_BOOST], &cfg->motion[TRACK_MODE_BOOST],
		                    w[TRACK_MODE_BOOST], dt_s, tau_b, cfg->burnout_allow, mo);
	*cj = c;
	return 0;
}

/* spill: out may be left partly written on failure (track_imm_predict_memo) */
static int predict_imm(const struct track_imm *in, double dt_s, const struct track_imm_cfg *cfg,
                       struct track_imm_memo *mo, int spill, struct track_imm *out)
{
	/* predict_one leaves its output untouched on failure, so the last
	 * model to be predicted is written straight to out (no copy of the
	 * whole IMM), the other only once both succeeded - or, with spill
	 * and out not in, straight to out too; out may be in: in is read
	 * only before the part of out it shares is written. */
	double Pi[TRACK_N_MODES][TRACK_N_MODES];
	double tau_b = boost_tau(in, cfg);
	transition(dt_s, cfg, tau_b, mo, Pi);
	if (prunes(in, cfg)) {
		/* The boost model is not carried (invariant 4). */
		double c;
		int rc = predict_one(in, dt_s, cfg, Pi, tau_b, mo, TRACK_MODE_BALLISTIC, &c,
		                     &out->m[TRACK_MODE_BALLISTIC]);
		if (rc < 0)
			return rc;
		prune(out);
		return 0;
	}
	struct track_gauss boost, *bo = spill && out != in ? &out->m[TRACK_MODE_BOOST] : &boost;
	double mu[TRACK_N_MODES];
	int rc =
	    predict_one(in, dt_s, cfg, Pi, tau_b, mo, TRACK_MODE_BOOST, &mu[TRACK_MODE_BOOST], bo);
	if (rc < 0)
		return rc;
	rc = predict_one(in, dt_s, cfg, Pi, tau_b, mo, TRACK_MODE_BALLISTIC,
	                 &mu[TRACK_MODE_BALLISTIC], &out->m[TRACK_MODE_BALLISTIC]);
	if (rc < 0)
		return rc;
	if (bo == &boost)
		out->m[TRACK_MODE_BOOST] = boost;
	normalise(mu);
	for (int j = 0; j < TRACK_N_MODES; j++)
		out->mu[j] = mu[j];
	return 0;
}

/* Does model j not make m (imm.h: a plumes-only line of sight and a
 * non-thrusting model)? Such a model neither gates m nor weighs fully. */
static int cannot_make(const struct track_meas *m, int j)
{
	return m->plumes_only && j != TRACK_MODE_BOOST;
}

/* ln p_j of imm.h's association statistics: 0, or ln TRACK_PLUME_COAST_P
 * for a model that cannot make the measurement. */
static double detect_log_p(const struct track_meas *m, int j)
{
	return cannot_make(m, j) ? log(TRACK_PLUME_COAST_P) : 0.0;
}

int track_imm_zpredict(const struct track_imm *pred, const struct track_meas *m,
                       struct track_zpred zp[TRACK_N_MODES], struct track_imm_gate *gate)
{
	int ok = 0, rc = -EDOM;
	double d2[TRACK_N_MODES], a[TRACK_N_MODES], b[TRACK_N_MODES];
	double amax = -INFINITY, bmax = -INFINITY, d2min = INFINITY;
	for (int j = 0; j < TRACK_N_MODES; j++) {
		a[j] = b[j] = -INFINITY;
		if (pred->mu[j] == 0.0) { /* a pruned boost model */
			zp[j].nz = 0;
			continue;
		}
		rc = track_ukf_zpredict(&pred->m[j], m, &zp[j]);
		if (rc < 0) {
			zp[j].nz = 0;
			continue;
		}
		double nu[TRACK_NZ_MAX];
		track_ukf_innovation(&zp[j], m, nu, &d2[j]);
		ok++;
		if (d2[j] < d2min && !cannot_make(m, j))
			d2min = d2[j];
		/* log(mu_j p_j) - (d2_j + ln det S_j)/2 and log(mu_j) - ln det S_j / 2 */
		double lm = log(pred->mu[j]);
		zp[j].mu = pred->mu[j];
		zp[j].log_mu = lm;
		a[j] = lm + detect_log_p(m, j) - 0.5 * (d2[j] + zp[j].logdet_S);
		b[j] = lm - 0.5 * zp[j].logdet_S;
		if (a[j] > amax)
			amax = a[j];
		if (b[j] > bmax)
			bmax = b[j];
	}
	if (!ok)
		return rc;
	double sa = 0.0, sb = 0.0;
	for (int j = 0; j < TRACK_N_MODES; j++) {
		if (!zp[j].nz)
			continue;
		sa += exp(a[j] - amax);
		sb += exp(b[j] - bmax);
	}
	if (gate) {
		gate->d2 = d2min;
		gate->cost = -2.0 * (amax + log(sa));
		gate->logdet = -2.0 * (bmax + log(sb));
	}
	return 0;
}

double track_imm_cost_boost_floor(const struct track_zpred zp[TRACK_N_MODES],
                                  const struct track_meas *m, double mu_min, double cost)
{
	const struct track_zpred *zb = &zp[TRACK_MODE_BOOST];
	if (!zb->nz || !(zb->mu < mu_min) || !(mu_min < 1.0))
		return cost;
	/* imm_zpredict's cost with the probabilities (1 - mu_min, mu_min). */
	double a[TRACK_N_MODES], amax = -INFINITY;
	for (int j = 0; j < TRACK_N_MODES; j++) {
		double nu[TRACK_NZ_MAX], d2;
		a[j] = -INFINITY;
		if (!zp[j].nz || track_ukf_innovation(&zp[j], m, nu, &d2) < 0)
			continue;
		const double lm = log(j == TRACK_MODE_BOOST ? mu_min : 1.0 - mu_min);
		a[j] = lm + detect_log_p(m, j) - 0.5 * (d2 + zp[j].logdet_S);
		if (a[j] > amax)
			amax = a[j];
	}
	if (!isfinite(amax))
		return cost;
	double sa = 0.0;
	for (int j = 0; j < TRACK_N_MODES; j++)
		if (isfinite(a[j]))
			sa += exp(a[j] - amax);
	const double c = -2.0 * (amax + log(sa));
	return c < cost ? c : cost;
}

int track_imm_update(const struct track_imm *pred, const struct track_zpred zp[TRACK_N_MODES],
                     const struct track_meas *m, struct track_imm *out)
{
	/* Each model's update is written straight to out->m[j]
	 * (track_ukf_update leaves it untouched on failure), the models
	 * without one and the probabilities only once one succeeded: out
	 * stays untouched on failure, and no copy of the whole IMM is made.
	 * pred may be out: pred->m[j] is read only before out->m[j] is
	 * written, and pred->mu before out->mu. */
	double ll[TRACK_N_MODES];
	double llmax = -INFINITY;
	int ok = 0, rc = -EDOM, done[TRACK_N_MODES] = {0};
	const int pruned = is_pruned(pred);
	for (int j = 0; j < TRACK_N_MODES; j++) {
		ll[j] = -INFINITY;
		if (!zp[j].nz) /* keeps its prediction (below) */
			continue;
		double nis;
		rc = track_ukf_update(&pred->m[j], &zp[j], m, &out->m[j], &nis);
		if (rc < 0)
			continue;
		done[j] = 1;
		ok++;
		/* log(mu_j): track_imm_zpredict's where it was this mu */
		const double lm = zp[j].mu == pred->mu[j] ? zp[j].log_mu : log(pred->mu[j]);
		ll[j] = lm + detect_log_p(m, j) - 0.5 * nis - 0.5 * zp[j].logdet_S;
		if (ll[j] > llmax)
			llmax = ll[j];
	}
	if (!ok)
		return rc;
	for (int j = 0; j < TRACK_N_MODES; j++)
		if (!done[j])
			out->m[j] = pred->m[j];
	if (pruned) {
		prune(out);
		return 0;
	}
	double mu[TRACK_N_MODES];
	for (int j = 0; j < TRACK_N_MODES; j++)
		mu[j] = isfinite(ll[j]) ? exp(ll[j] - llmax) : 0.0;
	normalise(mu);
	for (int j = 0; j < TRACK_N_MODES; j++)
		out->mu[j] = mu[j];
	return 0;
}

/* The stage change's evidence (imm.h, "Stage change"): the widened
 * thrusting model's prediction zw accepts the plot (NIS within the
 * stage_nis_p quantile) and its likelihood is at least stage_bf_min times
 * the plain prediction's z0 (NIS d2). stage_bf_min 0 asks for none. */
static int stage_explains(const struct track_imm_cfg *cfg, const struct track_zpred *z0, double d2,
                          const struct track_zpred *zw, const struct track_meas *m)
{
	double nu[TRACK_NZ_MAX], e2;
	if (!zw->nz || track_ukf_innovation(zw, m, nu, &e2) < 0)
		return 0;
	if (cfg->stage_bf_min <= 0.0)
		return 1;
	const double log_bf = 0.5 * (d2 + z0->logdet_S - e2 - zw->logdet_S);
	return e2 <= track_chi2_quantile(cfg->stage_nis_p, zw->nz) &&
	       log_bf >= log(cfg->stage_bf_min);
}

/* The revived boost model (track_imm_update_from): born from base's
 * ballistic model, alpha at its prior, plus TRACK_REVIVE_SPREAD_S of the
 * boost model's process noise, predicted over dt_s. */
static int revival_predict(const struct track_imm *base, double dt_s,
                           const struct track_imm_cfg *cfg, struct track_gauss *out)
{
	struct track_gauss born = base->m[TRACK_MODE_BALLISTIC];
	track_gauss_alpha_prior(&born);
	track_model_add_q(born.P, TRACK_REVIVE_SPREAD_S, &cfg->motion[TRACK_MODE_BOOST], born.x);
	return track_ukf_predict(&born, dt_s, &cfg->motion[TRACK_MODE_BOOST], out);
}

int track_imm_revival_gates(const struct track_imm *base, double dt_s,
                            const struct track_imm_cfg *cfg, const struct track_imm *pred,
                            const struct track_meas *m, double gate_d2, double *d2)
{
	struct track_gauss g;
	struct track_zpred z;
	double nu[TRACK_NZ_MAX];
	if (!is_pruned(pred) || revival_predict(base, dt_s, cfg, &g) < 0 ||
	    track_ukf_zpredict(&g, m, &z) < 0 || track_ukf_innovation(&z, m, nu, d2) < 0)
		return 0;
	return *d2 <= gate_d2;
}

int track_imm_update_from(const struct track_imm *base, double dt_s,
                          const struct track_imm_cfg *cfg, const struct track_imm *pred,
                          const struct track_zpred zp[TRACK_N_MODES], const struct track_meas *m,
                          struct track_imm *out)
{
	/* A stage change (imm.h, "Stage change"). */
	double nu[TRACK_NZ_MAX], d2;
	if (cfg->stage_at_sigma_m_s2 > 0.0 && !is_pruned(pred) &&
	    pred->mu[TRACK_MODE_BOOST] > 0.5 && zp[TRACK_MODE_BOOST].nz &&
	    track_ukf_innovation(&zp[TRACK_MODE_BOOST], m, nu, &d2) == 0 &&
	    d2 > revive_nis(zp[TRACK_MODE_BOOST].nz)) {
		struct track_imm b2 = *base, p2;
		struct track_zpred z2[TRACK_N_MODES];
		const double s2 = cfg->stage_at_sigma_m_s2 * cfg->stage_at_sigma_m_s2;
		b2.m[TRACK_MODE_BOOST].P[TRACK_IX_AT * N + TRACK_IX_AT] += s2;
		if (track_imm_predict(&b2, dt_s, cfg, &p2) == 0 &&
		    track_imm_zpredict(&p2, m, z2, NULL) == 0 &&
		    stage_explains(cfg, &zp[TRACK_MODE_BOOST], d2, &z2[TRACK_MODE_BOOST], m) &&
		    track_imm_update(&p2, z2, m, out) == 0)
			return 0;
		/* else the plain update below: no stage */
	}
	/* Without a revival the update is the plain one, written straight
	 * to out (it leaves out untouched on failure). */
	if (!is_pruned(pred) || !zp[TRACK_MODE_BALLISTIC].nz ||
	    track_ukf_innovation(&zp[TRACK_MODE_BALLISTIC], m, nu, &d2) < 0 ||
	    !(d2 > revive_nis(zp[TRACK_MODE_BALLISTIC].nz)))
		return track_imm_update(pred, zp, m, out);
	struct track_imm r;
	int rc = track_imm_update(pred, zp, m, &r);
	if (rc < 0)
		return rc;
	/* Revival: a boost model born from base's ballistic model (alpha
	 * at its prior, imm.h) plus
	 * TRACK_REVIVE_SPREAD_S of the boost model's process noise, at
	 * probability TRACK_REVIVE_MU, predicted, and weighed with the
	 * ballistic model on this plot - the IMM update of the pair. The
	 * ballistic model is pred's (no mixing: the born model's spread must
	 * not leak into it). */
	struct track_imm p;
	p.mu[TRACK_MODE_BALLISTIC] = 1.0 - TRACK_REVIVE_MU;
	p.mu[TRACK_MODE_BOOST] = TRACK_REVIVE_MU;
	p.m[TRACK_MODE_BALLISTIC] = pred->m[TRACK_MODE_BALLISTIC];
	struct track_zpred z2[TRACK_N_MODES];
	z2[TRACK_MODE_BALLISTIC] = zp[TRACK_MODE_BALLISTIC];
	struct track_imm q;
	if (revival_predict(base, dt_s, cfg, &p.m[TRACK_MODE_BOOST]) < 0 ||
	    track_ukf_zpredict(&p.m[TRACK_MODE_BOOST], m, &z2[TRACK_MODE_BOOST]) < 0 ||
	    track_imm_update(&p, z2, m, &q) < 0) {
		*out = r; /* the ballistic model's update stands */
		return 0;
	}
	*out = q;
	return 0;
}

int track_imm_predict(const struct track_imm *in, double dt_s, const struct track_imm_cfg *cfg,
                      struct track_imm *out)
{
	return predict_imm(in, dt_s, cfg, NULL, 0, out);
}

int track_imm_predict_memo(const struct track_imm *in, double dt_s, const struct track_imm_cfg *cfg,
                           struct track_imm_memo *mo, struct track_imm *out)
{
	return predict_imm(in, dt_s, cfg, mo, 1, out);
}

int track_imm_predict_mode(const struct track_imm *in, double dt_s, const struct track_imm_cfg *cfg,
                           enum track_mode j, struct track_gauss *out)
{
	if ((int)j < 0 || j >= TRACK_N_MODES)
		return -EINVAL;
	double Pi[TRACK_N_MODES][TRACK_N_MODES], cj;
	double tau_b = boost_tau(in, cfg);
	transition(dt_s, cfg, tau_b, NULL, Pi);
	struct track_gauss r;
	/* Pruned: track_imm_predict's boost model is the ballistic one. */
	if (prunes(in, cfg))
		j = TRACK_MODE_BALLISTIC;
	int rc = predict_one(in, dt_s, cfg, Pi, tau_b, NULL, (int)j, &cj, &r);
	if (rc < 0)
		return rc;
	*out = r;
	return 0;
}

void track_lat_est_add(struct track_lat_est *e, const double xpred[TRACK_NX],
                       const double xpost[TRACK_NX], double dt_s)
{
	double u[3], w[3], h[3];
	if (!(dt_s > 0.0) || track_model_thrust_frame(xpred, u, w, h) < 0)
		return;
	double dv[3] = {xpost[3] - xpred[3], xpost[4] - xpred[4], xpost[5] - xpred[5]};
	double c[2] = {dv[0] * w[0] + dv[1] * w[1] + dv[2] * w[2],
	               dv[0] * h[0] + dv[1] * h[1] + dv[2] * h[2]};
	if (!isfinite(c[0]) || !isfinite(c[1]))
		return;
	double f = exp(-dt_s / TRACK_LAT_TAU_S), f2 = f * f;
	e->sw = e->sw * f + 1.0;
	e->sw2 = e->sw2 * f2 + 1.0;
	e->sdt = e->sdt * f + dt_s;
	e->sdtdt = e->sdtdt * f + dt_s * dt_s;
	for (int i = 0; i < 2; i++) {
		e->sc[i] = e->sc[i] * f + c[i];
		e->scc[i] = e->scc[i] * f + c[i] * c[i];
		e->scdt[i] = e->scdt[i] * f + c[i] * dt_s;
	}
}

int track_lat_est_get(const struct track_lat_est *e, double a[2], double se[2], double *neff)
{
	double n = e->sw2 > 0.0 ? e->sw * e->sw / e->sw2 : 0.0;
	*neff = n;
	if (!(n >= 3.0) || !(e->sdt > 0.0)) {
		a[0] = a[1] = se[0] = se[1] = NAN;
		return -EAGAIN;
	}
	for (int i = 0; i < 2; i++) {
		a[i] = e->sc[i] / e->sdt;
		double s2 = (e->scc[i] - 2.0 * a[i] * e->scdt[i] + a[i] * a[i] * e->sdtdt) / e->sw;
		s2 = s2 > 0.0 ? s2 * n / (n - 1.0) : 0.0;
		se[i] = sqrt(s2 * e->sw2) / e->sdt;
	}
	return 0;
}

int track_lat_statement(const struct track_lat_est *e, double at_m_s2, double *q_acc, double *pitch)
{
	double a[2], se[2], neff;
	*q_acc = *pitch = 0.0;
	if (track_lat_est_get(e, a, se, &neff) < 0 || !(neff >= TRACK_LAT_NEFF_MIN) ||
	    !(se[0] <= TRACK_LAT_SE_MAX_M_S2) || !(se[1] <= TRACK_LAT_SE_MAX_M_S2))
		return -EAGAIN;
	double q =
	    (a[0] * a[0] + a[1] * a[1] + se[0] * se[0] + se[1] * se[1]) * TRACK_THRUST_NOISE_T_S;
	*q_acc = q > TRACK_LAT_Q_FLOOR ? q : TRACK_LAT_Q_FLOOR;
	if (at_m_s2 > 0.0) {
		double sp = sqrt(a[0] * a[0] + se[0] * se[0]) / at_m_s2;
		*pitch = sp > TRACK_LAT_PITCH_FLOOR_RAD ? sp : TRACK_LAT_PITCH_FLOOR_RAD;
	}
	return 0;
}
