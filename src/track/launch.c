/*
 * track/launch.c - launch point and time by back-propagation through a
 * generic boost-phase model, with the unscented transform over the state
 * and the model parameters (see launch.h for the outline).
 *
 * The boost model. A ballistic missile's stage burns its propellant at a
 * (nearly) constant mass flow m' = F / (Isp g0) with (nearly) constant
 * thrust F, so with lift-off (stage ignition) thrust-to-weight
 * n = F / (m0 g0) its thrust acceleration t seconds after ignition is
 *   a(t) = g0 n / (1 - t n / Isp),
 * and the stage burns out after T = Isp (1 - mu) / n with mass ratio
 * mu = m_burnout / m_ignition, having gained the ideal velocity
 * Isp g0 ln(1 / mu) (Tsiolkovsky; constant-thrust burn time, e.g. Sutton
 * & Biblarz, Rocket Propulsion Elements, 8th ed., 2010, ch. 4). The
 * flight is a gravity turn: thrust along the velocity, so the
 * trajectory stays in the vertical plane of its azimuth (apart from the
 * Coriolis deflection, which the ECEF propagation keeps) and, integrated
 * backwards, turns vertical as the speed falls to zero - the lift-off.
 * Drag on the boosting stack is left out of both bases: its loss is a
 * few per cent of the burnout speed for large missiles, and the boost
 * basis's aT, the thrusting filter model's, is net of it (model.h). The
 * thrust vector of a real missile follows a pitch programme rather than
 * the velocity: that model error is stated for both bases (the
 * steering terms below; the boost basis's direction error, dir_acc),
 * and `mwlink eval` shows the coverage.
 *
 * Parameters (standard normal z through a transform to their range):
 *   Isp    = 255 s exp(0.08 z)        (220 - 290 s at +-1.8 sigma: storable
 *                                      liquids and composite solids, vacuum)
 *   n_1    = 1 + 1.5 exp(0.35 z)      (lift-off F/W, median 2.5; 1.8 - 3.8)
 *   n_up   = 1 + 2 exp(0.5 z)         (upper-stage F/W at ignition, median 3)
 *   stages = 1 below 3 km/s burnout speed, 2 below 6 km/s, else 3 (chosen
 *            at the central point and kept for all sigma points)
 *   ICBM class: n_1 = 1 + 0.9 exp(0.35 z), n_up = 1 + 1.25 exp(0.5 z)
 *            (medians 1.9, 2.25), from its burn times below; from a
 *            state energy of 7 km/s at the ground, blended from 6 km/s
 *            (icbm_weight)
 * These are broad engineering ranges, not any particular missile's
 * figures; the thresholds follow the usual classes (single-stage short
 * range missiles, two-stage medium/intermediate range, three-stage
 * intercontinental). Every stage has the same mass ratio mu (equal
 * velocity increments), the one free parameter fitted per burnout
 * candidate. A stage burns T = Isp (1 - mu) / n, so at a given burnout
 * speed the F/W prior is a burn-time prior. For the ICBM class it is set
 * from published burn times: a solid-propellant ICBM boosts for about
 * 3 minutes, a liquid one about 4 (US National Research Council, Making
 * Sense of Ballistic Missile Defense, 2012, as reported by Wired, 11 Sep
 * 2012); the liquid Titan II's stages burnt 156 s and 180 s (336 s;
 * the Titan II GLV's stage data in the encyclopedia article's infobox,
 * uncited there: a secondary figure). Central 95% 170-340 s, median
 * 240 s; the earlier medians (2.5, 3) gave the ICBM 175-180 s, and the
 * simulator's liquid ICBM burns 275-285 s (launch times 43-77 s late).
 * No published burn times for the shorter classes were found in the
 * sources searched (docs/tracking.md): their priors stay as they were;
 * the model's burns agree with the simulator's classes within 2-15 s.
 *
 * Ballistic basis, burnout search. The arc is propagated backwards with
 * the tracker's ballistic model (nodes kept). For a candidate burnout
 * time tc on the ascending arc, mu is solved (Illinois regula falsi on
 * ln mu) so that the backward boost reaches 50 m/s exactly at its own
 * ignition time (f(mu) = s_stop - T_total = 0); the residual g(tc) is
 * then the height where that happens (>= 0), or, if the backward boost
 * hits the ground first, -10 s times its remaining speed. tc is solved
 * for g(tc) = 0 by Illinois regula falsi between the lowest arc point
 * and the apogee (or the estimate's own time, if earlier). Below 50 m/s
 * the rise is taken as vertical at the thrust acceleration minus g: the
 * time v / (a - g) is added (a - g at least NET_MIN g0); the same time is
 * added for the remaining speed when a backward boost reaches the ground
 * first (the real missile rose vertically; the point is kept), and f(mu)
 * counts it, which makes the search smooth in the parameters.
 *
 * Uncertainty (launch_ut): the unscented transform of the state (and of
 * Isp for the boost basis); for the ballistic basis a tensor Gauss-Hermite
 * rule over the three parameters at the mean state, added, and two stated
 * model errors in closed form: the steering law (boost ground range D and
 * duration scaled by 1 + STEER_SIG z) and the steering plane (a Coriolis
 * scale w T |D| / 3 across the ground track, 1 sigma). The boost basis
 * adds the steering plane (D from the basis's ground point) and the boost
 * model's own stated thrust-direction error (model.h: a white
 * acceleration across v of density a^2 T (sigma_pitch^2 w w^T +
 * sigma_yaw^2 h h^T)) integrated along the backward boost of the central
 * point: a velocity change at time u (<= 0, from the basis) moves the
 * launch point (the stop, s before the basis) by (u + s) times it, so
 * the point's covariance is T int a^2 (u + s)^2 D du = T (s^2 M0 +
 * 2 s M1 + M2) with M_j = int a^2 u^j D du summed per RK4 step. This is
 * a retrodiction from the filtered basis alone: the track's plots between
 * its first one and the basis are not reused, so it is conservative there.
 *
 * Invariants:
 *  1. Pure functions; no state; outputs untouched on failure.
 *  2. Every sigma point must give a launch point; otherwise the estimate
 *     is refused (-ERANGE), not biased.
 *  3. The boost and arc propagations are bounded: at most S_MAX_S of
 *     boost backwards per integration, 60 solver iterations, max_s of arc.
 *  4. A boost-basis point whose backward boost plus vertical rise
 *     exceeds S_MAX_S is refused (-ERANGE), never stated as a time
 *     sigma; a basis faster than BASIS_V_MAX is out of reach
 *     (track_launch_boost_reach) and the tracker uses the ballistic
 *     basis after burnout instead.
 */
#include "track/launch.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "geo/geo.h"
#include "mat/mat.h"
#include "track/model.h"

#define G0        9.80665 /* standard gravity, defines Isp in seconds */
#define V_STOP    50.0    /* m/s: below this the rise is taken as vertical */
#define DT_BOOST  2.0     /* s: RK4 step of the boost integration */
#define S_MAX_S   900.0   /* s: longest boost integrated backwards, and longest boost */
#define MAX_STAGE 3
#define ARC_MAX   4096
#define GROUND_K  10.0 /* s: residual scale of a backward boost that hits the ground */
/* Least net lift-off acceleration (g0 units): a lift-off thrust-to-weight
 * of at least 1.3, the low end for ballistic missiles. */
#define NET_MIN 0.3
/* Steering-law uncertainty of the ballistic basis (1 sigma, relative):
 * the boost ground range and duration of the gravity turn against the
 * pitch programmes real missiles fly. Both parts are physical: a boost
 * at zero angle of attack through the first stage that flies the
 * vacuum-optimal linear tangent law (Bryson & Ho, Applied Optimal
 * Control, 1975, sec. 2.7) or a constant pitch rate in its upper stages
 * to the same burnout flight-path angle (20-40 deg) puts the burnout
 * search's pad 0.25-0.54 D uprange (scripts/launch-steer-study, flat
 * earth; the unit test flies one in ECEF: 0.44 D) and its lift-off
 * 5-13% of the boost duration early: STEER_SIG_T, 0.1. That figure
 * holds where the burn time is stated from published figures, the ICBM
 * class (*_ICBM; weight 1 in icbm_weight). Below it the duration part
 * stays 0.3 (blended with the weight), a catch-all for the shorter
 * classes' unsourced F/W prior: its lift-off low end (1.75 at -1.96
 * sigma) is above the ICBM's 1.65, and a young track of an ICBM still in
 * its first stage that the tracker already calls ballistic (KOR, 60 s)
 * gets this basis: 17.5 s late, covered by 0.3 (12 s) and not by 0.1.
 * Before session 10 it was 0.3 everywhere, which also covered the ICBM's
 * understated burn (docs/tracking.md "Launch estimate widths, burn-time
 * prior"). */
#define STEER_SIG   TRACK_LAUNCH_STEER_SIG
#define STEER_SIG_T TRACK_LAUNCH_STEER_SIG_T

/* Model parameter priors (see the header comment). */
#define ISP_MED_S 255.0
#define ISP_SLN   0.08
#define N1_SLN    0.35
#define N1_SCALE  1.5
#define NUP_SCALE 2.0
#define NUP_SLN   0.5
#define V_2STAGE  3000.0
#define V_3STAGE  6000.0
/* ICBM class (weight 1 in icbm_weight): lift-off F/W median 1.9, upper
 * stages 2.25, the spreads as above. A stage burns T = Isp (1 - mu) / n;
 * at the mass ratio the burnout search fits per stage at ICBM burnout
 * speeds (mu ~0.32 at 6.3-6.6 km/s, Isp 255 s) these medians give a
 * total burn of ~240 s, and the two spreads one of 0.18 in ln T: central
 * 95% ~170-340 s, the published range (header comment). The medians
 * above (2.5, 3) gave 175-180 s. */
#define N1_SCALE_ICBM  0.9
#define NUP_SCALE_ICBM 1.25
/* The class is read from the state's energy as a speed at the ground
 * (icbm_weight): the simulator's IRBMs reach 5.2-5.9 km/s, its ICBMs
 * 7.1-7.2 (a minimum-energy 5,500 km flight needs ~6.1 km/s, 10,000 km
 * ~7.2, spherical Earth); an IRBM on a depressed path or an ICBM flown
 * short overlap, and a national view's first estimates after burnout
 * scatter by some 100 m/s. So the ICBM medians are reached over
 * V_3STAGE..V_ICBM_FULL (linear in the scales), not switched at 6 km/s. */
#define V_ICBM_FULL 7000.0
#define N_PAR_BOOST 1                 /* Isp */
#define N_PAR_BAL   TRACK_LAUNCH_NPAR /* Isp, n_1, n_up */

struct prof {
	int n;
	double isp_s;
	double tw[MAX_STAGE];
	double mu;
	double T[MAX_STAGE];
	double tb;
};

static void prof_set_mu(struct prof *p, double mu)
{
	p->mu = mu;
	p->tb = 0.0;
	for (int i = 0; i < p->n; i++) {
		p->T[i] = p->isp_s * (1.0 - mu) / p->tw[i];
		p->tb += p->T[i];
	}
}

static double vnorm(const double v[3])
{
	return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

/* Height over the ellipsoid to first order in the flattening: |r| minus
 * the ellipsoid radius at the geocentric latitude, a (1 - f sin^2 phi).
 * Within ~30 m of the geodetic height below 1000 km - enough to find
 * the ground and stop events of the boost integration, for a fraction
 * of the cost of the exact conversion. */
static double height_fast(const double r[3])
{
	double rn = vnorm(r);
	double s = r[2] / rn;
	return rn - GEO_WGS84_A_M * (1.0 - GEO_WGS84_F * s * s);
}

/* Derivative of (r, v) with thrust acceleration at. Without pn: the
 * thrusting model (model.h), x6 the thrust's angle alpha off v (0: a
 * gravity turn), no drag; with pn (the ballistic basis's steered boost):
 * the non-thrusting model with drag x6 = k, plus the thrust along v's
 * component in the steering plane of normal pn. */
static int deriv6(const double y[6], double x6, double at, const double *pn, double d[6])
{
	double x[TRACK_NX] = {y[0], y[1], y[2], y[3], y[4], y[5], x6, at};
	double a[3];
	int rc = track_model_accel(x, pn ? 0 : 1, a);
	if (rc < 0)
		return rc;
	if (pn) { /* thrust along v's component in the steering plane (normal pn) */
		double vp = y[3] * pn[0] + y[4] * pn[1] + y[5] * pn[2], u[3];
		for (int i = 0; i < 3; i++)
			u[i] = y[3 + i] - vp * pn[i];
		double un = vnorm(u);
		if (un > 1.0)
			for (int i = 0; i < 3; i++)
				a[i] += at * u[i] / un;
	}
	d[0] = y[3];
	d[1] = y[4];
	d[2] = y[5];
	d[3] = a[0];
	d[4] = a[1];
	d[5] = a[2];
	return 0;
}

/* Thrust acceleration as a function of time: stage formula a(t) =
 * a0 / (1 - t a0 / (Isp g0)) with a0 the acceleration at t = 0 (t may be
 * negative, backwards past the anchor). */
static double acc_at(double a0, double isp_s, double t)
{
	double d = 1.0 - t * a0 / (isp_s * G0);
	return d > 1e-3 ? a0 / d : a0 / 1e-3;
}

/* One RK4 step of h (signed) from y at stage time t (a0, isp). */
static int rk4(const double y[6], double x6, double h, double a0, double isp_s, double t,
               const double *pn, double out[6])
{
	double k1[6], k2[6], k3[6], k4[6], yt[6];
	int rc = deriv6(y, x6, acc_at(a0, isp_s, t), pn, k1);
	for (int i = 0; rc == 0 && i < 6; i++)
		yt[i] = y[i] + 0.5 * h * k1[i];
	if (rc == 0)
		rc = deriv6(yt, x6, acc_at(a0, isp_s, t + 0.5 * h), pn, k2);
	for (int i = 0; rc == 0 && i < 6; i++)
		yt[i] = y[i] + 0.5 * h * k2[i];
	if (rc == 0)
		rc = deriv6(yt, x6, acc_at(a0, isp_s, t + 0.5 * h), pn, k3);
	for (int i = 0; rc == 0 && i < 6; i++)
		yt[i] = y[i] + h * k3[i];
	if (rc == 0)
		rc = deriv6(yt, x6, acc_at(a0, isp_s, t + h), pn, k4);
	if (rc < 0)
		return rc;
	for (int i = 0; i < 6; i++)
		out[i] = y[i] + h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
	return 0;
}

enum stop { STOP_NONE = 0, STOP_SPEED, STOP_GROUND };

struct back_end {
	enum stop why;
	double s;     /* backward duration to the stop (> 0) */
	double y[6];  /* state at the stop */
	double acc;   /* thrust acceleration at the stop */
	double extra; /* added rise time below V_STOP (speed stop only) */
};

/* Moments of the boost model's stated thrust-direction error along a
 * backward integration (u <= 0 the time from the basis): M_j =
 * int a(u)^2 u^j D(u) du, D the thrust-direction covariance per unit
 * thrust (track_model_thrust_dir_cov), j = 0, 1, 2. */
struct dir_acc {
	double M[3][9];
};

static void dir_acc_add(struct dir_acc *q, const double y[6], double acc, double u, double du)
{
	double x[TRACK_NX] = {y[0], y[1], y[2], y[3], y[4], y[5], 0.0, 0.0};
	double D[3][3];
	track_model_thrust_dir_cov(x, TRACK_THRUST_PITCH_SIGMA_RAD, TRACK_THRUST_YAW_SIGMA_RAD, D);
	double w = acc * acc * du;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			q->M[0][3 * i + j] += w * D[i][j];
			q->M[1][3 * i + j] += w * u * D[i][j];
			q->M[2][3 * i + j] += w * u * u * D[i][j];
		}
}

/*
 * Integrate y backwards through segments: segment j runs from stage time
 * t_hi[j] down to t_lo[j] with stage law (a0[j], isp). Stop at the first
 * of speed < V_STOP, h < 0, or the end of the last segment / S_MAX_S.
 */
static int integrate_back(const double y0[6], double x6, int nseg, const double *a0,
                          const double *t_hi, const double *t_lo, double isp_s, const double *pn,
                          struct back_end *e, struct dir_acc *q)
{
	double y[6];
	memcpy(y, y0, sizeof(y));
	double s = 0.0;
	double v = vnorm(y + 3), h = height_fast(y);
	for (int j = 0; j < nseg; j++) {
		double len = t_hi[j] - t_lo[j];
		if (!(len > 0.0))
			continue;
		int ns = (int)ceil(len / DT_BOOST);
		double hstep = len / ns;
		for (int k = 0; k < ns; k++) {
			double t = t_hi[j] - k * hstep;
			double yn[6];
			int rc = rk4(y, x6, -hstep, a0[j], isp_s, t, pn, yn);
			if (rc < 0)
				return rc;
			double vn = vnorm(yn + 3), hn = height_fast(yn);
			int sp = vn < V_STOP, gr = hn < 0.0;
			if (sp || gr) {
				/* Fraction of the step to the first event (linear). */
				double fs = sp ? (v - V_STOP) / (v - vn) : 2.0;
				double fg = gr ? h / (h - hn) : 2.0;
				double f = fmin(fs, fg);
				if (!(f >= 0.0 && f <= 1.0))
					f = 1.0;
				if (q)
					dir_acc_add(q, y, acc_at(a0[j], isp_s, t),
					            -s - 0.5 * f * hstep, f * hstep);
				for (int i = 0; i < 6; i++)
					e->y[i] = y[i] + f * (yn[i] - y[i]);
				e->s = s + f * hstep;
				e->why = fs <= fg ? STOP_SPEED : STOP_GROUND;
				e->acc = acc_at(a0[j], isp_s, t - f * hstep);
				/* The time from rest to the stop speed at the net
				 * vertical acceleration. At a ground stop the gravity
				 * turn has not come up to the vertical rise of a real
				 * launch; its remaining speed is still taken as
				 * gained from rest that way (time added, the point
				 * kept: the rise is near-vertical). */
				double net = e->acc - G0, vs = vnorm(e->y + 3);
				e->extra = vs / (net > NET_MIN * G0 ? net : NET_MIN * G0);
				return 0;
			}
			if (q) /* the step's midpoint, its start state (2 s steps) */
				dir_acc_add(q, y, acc_at(a0[j], isp_s, t - 0.5 * hstep),
				            -s - 0.5 * hstep, hstep);
			memcpy(y, yn, sizeof(y));
			v = vn;
			h = hn;
			s += hstep;
			if (s > S_MAX_S)
				break;
		}
		if (s > S_MAX_S)
			break;
	}
	memcpy(e->y, y, sizeof(y));
	e->s = s;
	e->why = STOP_NONE;
	e->acc = 0.0;
	e->extra = 0.0;
	return 0;
}

/* Backward boost from a burnout state through profile p (mu set), and
 * on past ignition with the first stage's law for up to p->tb more. */
static int boost_back(const double ybo[6], const struct prof *p, struct back_end *e)
{
	double a0[MAX_STAGE + 1], thi[MAX_STAGE + 1], tlo[MAX_STAGE + 1];
	int nseg = 0;
	for (int i = p->n - 1; i >= 0; i--) {
		a0[nseg] = G0 * p->tw[i];
		thi[nseg] = p->T[i];
		tlo[nseg] = 0.0;
		nseg++;
	}
	/* Past ignition: stage 1's law extrapolated (heavier than at lift-off). */
	a0[nseg] = G0 * p->tw[0];
	thi[nseg] = 0.0;
	tlo[nseg] = -fmax(p->tb, 60.0);
	nseg++;
	return integrate_back(ybo, 0.0, nseg, a0, thi, tlo, p->isp_s, NULL, e, NULL);
}

/* f(mu) = s_stop - T_total, > 0: too little thrust. */
static int fit_eval(const double ybo[6], struct prof *p, double lnmu, double *f, struct back_end *e)
{
	prof_set_mu(p, exp(lnmu));
	int rc = boost_back(ybo, p, e);
	if (rc < 0)
		return rc;
	*f = e->s + e->extra - p->tb;
	return 0;
}

/* Solve mu for burnout state ybo; the result in p and e. */
static int fit_boost(const double ybo[6], struct prof *p, double lnmu_guess, struct back_end *e)
{
	const double lo_lim = log(0.02), hi_lim = log(0.98);
	double a = fmin(fmax(lnmu_guess - 0.3, lo_lim), hi_lim);
	double b = fmin(fmax(lnmu_guess + 0.3, lo_lim), hi_lim);
	double fa, fb;
	struct back_end ea, eb;
	int rc = fit_eval(ybo, p, a, &fa, &ea);
	if (rc == 0)
		rc = fit_eval(ybo, p, b, &fb, &eb);
	if (rc < 0)
		return rc;
	/* Bracket: f decreases as mu decreases (more propellant, longer
	 * burn, higher burnout acceleration). Want fa < 0 < fb with a < b. */
	int it = 0;
	while (fa > 0.0 && a > lo_lim && it++ < 12) {
		b = a;
		fb = fa;
		eb = ea;
		a = fmax(a - 0.6, lo_lim);
		if ((rc = fit_eval(ybo, p, a, &fa, &ea)) < 0)
			return rc;
	}
	while (fb < 0.0 && b < hi_lim && it++ < 24) {
		a = b;
		fa = fb;
		ea = eb;
		b = fmin(b + 0.6, hi_lim);
		if ((rc = fit_eval(ybo, p, b, &fb, &eb)) < 0)
			return rc;
	}
	if (fa > 0.0) { /* even the most propellant cannot stop it: clamp */
		prof_set_mu(p, exp(a));
		*e = ea;
		return 0;
	}
	if (fb < 0.0) {
		prof_set_mu(p, exp(b));
		*e = eb;
		return 0;
	}
	int side = 0;
	double c = b, fc = fb;
	struct back_end ec = eb;
	for (int k = 0; k < 40; k++) {
		c = (a * fb - b * fa) / (fb - fa);
		if (!(c > a && c < b))
			c = 0.5 * (a + b);
		if ((rc = fit_eval(ybo, p, c, &fc, &ec)) < 0)
			return rc;
		if (fabs(fc) < 0.2 || b - a < 1e-6)
			break;
		if (fc < 0.0) {
			a = c;
			fa = fc;
			if (side == -1)
				fb *= 0.5;
			side = -1;
		} else {
			b = c;
			fb = fc;
			if (side == 1)
				fa *= 0.5;
			side = 1;
		}
	}
	prof_set_mu(p, exp(c));
	*e = ec;
	return 0;
}

/* ---- ballistic arc ---- */

struct arc {
	int n;
	int i_top; /* node of the highest point (latest candidate) */
	double t[ARC_MAX];
	double y[ARC_MAX][TRACK_NX];
};

static double arc_step(const double x[TRACK_NX])
{
	double h = vnorm(x) - GEO_WGS84_A_M;
	if (h > 300e3)
		return 10.0;
	if (h > 80e3)
		return 2.0;
	return 0.5;
}

/* Backwards from x (t = 0) to the ground or -max_s. */
static int arc_build(const double x[TRACK_NX], double max_s, struct arc *a)
{
	a->n = 0;
	memcpy(a->y[0], x, sizeof(a->y[0]));
	a->y[0][TRACK_IX_AT] = 0.0;
	a->t[0] = 0.0;
	a->n = 1;
	double hbest = track_model_height_m(x);
	a->i_top = 0;
	if (hbest <= 0.0)
		return -ERANGE;
	while (a->n < ARC_MAX) {
		const double *y = a->y[a->n - 1];
		double st = arc_step(y);
		double yn[TRACK_NX];
		int rc = track_model_propagate(y, -st, 0, yn);
		if (rc < 0)
			return rc;
		double hn = track_model_height_m(yn);
		if (hn < 0.0 || -(a->t[a->n - 1] - st) > max_s)
			break;
		memcpy(a->y[a->n], yn, sizeof(yn));
		a->t[a->n] = a->t[a->n - 1] - st;
		if (hn > hbest) {
			hbest = hn;
			a->i_top = a->n;
		}
		a->n++;
	}
	return a->n >= 2 ? 0 : -ERANGE;
}

/* Arc state at time t in [t[n-1], t[i_top]]. */
static int arc_at(const struct arc *a, double t, double y[6])
{
	int i = 0;
	while (i + 1 < a->n && a->t[i + 1] >= t)
		i++;
	double x[TRACK_NX];
	int rc = track_model_propagate(a->y[i], t - a->t[i], 0, x);
	if (rc < 0)
		return rc;
	memcpy(y, x, 6 * sizeof(double));
	return 0;
}

struct bal_eval {
	double g;
	double lnmu;
	struct prof p;
	struct back_end e;
	double ybo[6];
};

static int bal_g(const struct arc *a, const struct prof *p0, double tc, double lnmu_guess,
                 struct bal_eval *r)
{
	int rc = arc_at(a, tc, r->ybo);
	if (rc < 0)
		return rc;
	r->p = *p0;
	rc = fit_boost(r->ybo, &r->p, lnmu_guess, &r->e);
	if (rc < 0)
		return rc;
	r->lnmu = log(r->p.mu);
	if (r->e.why == STOP_SPEED)
		r->g = height_fast(r->e.y);
	else if (r->e.why == STOP_GROUND)
		r->g = -GROUND_K * (vnorm(r->e.y + 3) - V_STOP);
	else
		r->g = 1e6; /* never stopped: the candidate is far too slow */
	return 0;
}

static int stages_for(double v_m_s)
{
	return v_m_s < V_2STAGE ? 1 : v_m_s < V_3STAGE ? 2 : 3;
}

/* Weight of the ICBM class's burn times for state x: 0 below V_3STAGE,
 * 1 from V_ICBM_FULL, linear between, in the speed the state's energy
 * gives at the ground, v^2 + 2 GM (1/a - 1/r) (drag-free; the centrifugal
 * term, ~0.1% of v^2 here, left out). Not the backward arc's speed at the
 * ground (stages_for): the estimate's drag feeds speed into the backward
 * flight (JPN's IRBM estimates reach the ground at 10-14 km/s). */
static double icbm_weight(const double x[TRACK_NX])
{
	double v2 = x[3] * x[3] + x[4] * x[4] + x[5] * x[5];
	double vg =
	    sqrt(fmax(v2 + 2.0 * GEO_GM_M3_S2 * (1.0 / GEO_WGS84_A_M - 1.0 / vnorm(x)), 0.0));
	return fmin(fmax((vg - V_3STAGE) / (V_ICBM_FULL - V_3STAGE), 0.0), 1.0);
}

static void prof_params(struct prof *p, int n, double w_icbm, const double z[N_PAR_BAL])
{
	memset(p, 0, sizeof(*p));
	p->n = n;
	p->isp_s = ISP_MED_S * exp(ISP_SLN * z[0]);
	/* The ICBM class takes the thrust-to-weight medians that give its
	 * published burn times (N1_SCALE_ICBM above), from V_ICBM_FULL. */
	double s1 = N1_SCALE + w_icbm * (N1_SCALE_ICBM - N1_SCALE);
	double su = NUP_SCALE + w_icbm * (NUP_SCALE_ICBM - NUP_SCALE);
	p->tw[0] = 1.0 + s1 * exp(N1_SLN * z[1]);
	for (int i = 1; i < n; i++)
		p->tw[i] = 1.0 + su * exp(NUP_SLN * z[2]);
}

struct lp_out {
	double ecef[3]; /* end point, on the ellipsoid */
	double dt_s;    /* launch time relative to the basis */
	double t_bo_s, burn_s, h_bo_m, v_bo_m_s;
	double bo_ground[3]; /* burnout point on the ellipsoid (ballistic basis) */
	double dir_cov[9];   /* boost basis: ECEF covariance of the launch point from the
	                      * stated thrust-direction error (row-major 3 x 3) */
};

/* Steering plane: a boost steered in a fixed-heading plane rather than
 * along the ECEF velocity is deflected sideways by the Coriolis
 * acceleration 2 w v, of order w T |D| / 3 over a boost of duration T
 * and ground range D = (D0, D1) (East, North; v growing about linearly);
 * added to the East-North covariance C (C[0], C[1], C[3]) as a 1-sigma
 * across the boost ground track. */
static void steer_plane_add(double C[4], double D0, double D1, double T_s)
{
	double dn = sqrt(D0 * D0 + D1 * D1);
	if (dn > 1.0) {
		double sc = GEO_OMEGA_E_RAD_S * fabs(T_s) * dn / 3.0;
		double c0 = -D1 / dn, c1 = D0 / dn; /* across-track unit vector */
		C[0] += sc * sc * c0 * c0;
		C[1] += sc * sc * c0 * c1;
		C[3] += sc * sc * c1 * c1;
	}
}

static int ground_point(const double r[3], double out[3])
{
	struct geo_lla l;
	int rc = geo_ecef_to_lla(r, &l);
	if (rc < 0)
		return rc;
	l.h_m = 0.0;
	geo_lla_to_ecef(&l, out);
	return 0;
}

/* Ballistic basis: one state, parameters z, stage count n. */
static int launch_ballistic_one(const double x[TRACK_NX], const double z[N_PAR_BAL], int n,
                                double wic, double max_s, struct arc *a, struct lp_out *o)
{
	int rc = arc_build(x, max_s, a);
	if (rc < 0)
		return rc;
	struct prof p0;
	prof_params(&p0, n, wic, z);
	double ta = a->t[a->n - 1], tb = a->t[a->i_top], tc;
	struct bal_eval ea, eb, ec;
	rc = bal_g(a, &p0, tb, log(0.3), &eb);
	if (rc == 0)
		rc = bal_g(a, &p0, ta, eb.lnmu, &ea);
	if (rc < 0)
		return rc;
	if (ea.g >= 0.0) {
		ec = ea; /* even the lowest arc point is high enough: earliest */
		tc = ta;
	} else if (eb.g <= 0.0) {
		ec = eb; /* even the top is too low: latest */
		tc = tb;
	} else {
		double fa = ea.g, fb = eb.g;
		int side = 0;
		ec = eb;
		tc = tb;
		for (int k = 0; k < 40; k++) {
			tc = (ta * fb - tb * fa) / (fb - fa);
			if (!(tc > ta && tc < tb))
				tc = 0.5 * (ta + tb);
			rc = bal_g(a, &p0, tc, ec.lnmu, &ec);
			if (rc < 0)
				return rc;
			if (fabs(ec.g) < 50.0 || tb - ta < 0.05)
				break;
			if (ec.g < 0.0) {
				ta = tc;
				fa = ec.g;
				if (side == -1)
					fb *= 0.5;
				side = -1;
			} else {
				tb = tc;
				fb = ec.g;
				if (side == 1)
					fa *= 0.5;
				side = 1;
			}
		}
	}
	if (ec.e.why == STOP_NONE)
		return -ERANGE;
	o->t_bo_s = tc;
	rc = ground_point(ec.e.y, o->ecef);
	if (rc < 0)
		return rc;
	rc = ground_point(ec.ybo, o->bo_ground);
	if (rc < 0)
		return rc;
	o->dt_s = o->t_bo_s - ec.e.s - ec.e.extra;
	o->burn_s = ec.p.tb;
	memset(o->dir_cov, 0, sizeof(o->dir_cov));
	o->h_bo_m = track_model_height_m(ec.ybo);
	o->v_bo_m_s = vnorm(ec.ybo + 3);
	return 0;
}

/* Boost basis: one state (x[TRACK_IX_AT] = aT), Isp from z[0]. */
static int launch_boost_one(const double x[TRACK_NX], const double z[N_PAR_BOOST], struct lp_out *o)
{
	double isp = ISP_MED_S * exp(ISP_SLN * z[0]);
	double at = x[TRACK_IX_AT];
	if (!(at > 0.05 * G0))
		at = 0.05 * G0; /* a sigma point without thrust: a floor, not a failure */
	double a0[1] = {at}, thi[1] = {0.0}, tlo[1] = {-S_MAX_S};
	struct back_end e;
	struct dir_acc q;
	memset(&q, 0, sizeof(q));
	/* A gravity turn (alpha = 0) without drag: the thrusting model's
	 * aT is net of drag (model.h), and the unseen boost's direction is
	 * the stated error below (dir_acc), not the basis's alpha held back
	 * to the lift-off (held, the salvo's launch points read 1.32 km RMS
	 * against 0.88 km; docs/tracking.md "The thrust's angle and growth
	 * as states"). */
	int rc = integrate_back(x, 0.0, 1, a0, thi, tlo, isp, NULL, &e, &q);
	if (rc < 0)
		return rc;
	if (e.why == STOP_NONE)
		return -ERANGE;
	/* Invariant 4: a backward boost longer than S_MAX_S, vertical rise
	 * included, did not find a lift-off (a sigma point's thrust too weak
	 * for its speed, or drag feeding speed back into the backward
	 * flight: the rise below a ground stop then takes hours): the point
	 * is refused, not spread into the time sigma. */
	if (!(e.s + e.extra <= S_MAX_S))
		return -ERANGE;
	rc = ground_point(e.y, o->ecef);
	if (rc < 0)
		return rc;
	o->dt_s = -e.s - e.extra;
	/* The launch point is the stop point: a perturbing acceleration at
	 * time u (<= 0) moves it by (u + s) times its velocity change, so its
	 * covariance is T int a^2 (u + s)^2 D du = T (s^2 M0 + 2 s M1 + M2). */
	for (int i = 0; i < 9; i++)
		o->dir_cov[i] = TRACK_THRUST_NOISE_T_S *
		                (e.s * e.s * q.M[0][i] + 2.0 * e.s * q.M[1][i] + q.M[2][i]);
	memcpy(o->bo_ground, o->ecef, sizeof(o->bo_ground));
	rc = ground_point(x, o->bo_ground);
	if (rc < 0)
		return rc;
	o->t_bo_s = 0.0;
	o->burn_s = 0.0;
	o->h_bo_m = track_model_height_m(x);
	o->v_bo_m_s = vnorm(x + 3);
	return 0;
}

int track_launch_point(const double x[TRACK_NX], int boost, const double *zp, double max_s,
                       struct track_launch_detail *out)
{
	struct lp_out o;
	double z[N_PAR_BAL] = {0, 0, 0};
	if (zp)
		memcpy(z, zp, sizeof(z));
	int rc, n = 0;
	if (boost) {
		rc = launch_boost_one(x, z, &o);
	} else {
		struct arc *a = malloc(sizeof(*a));
		if (!a)
			return -ENOMEM;
		/* Stage count from the speed at the lowest arc point. */
		rc = arc_build(x, max_s, a);
		if (rc == 0) {
			n = stages_for(vnorm(a->y[a->n - 1] + 3));
			rc = launch_ballistic_one(x, z, n, icbm_weight(x), max_s, a, &o);
		}
		free(a);
	}
	if (rc < 0)
		return rc;
	struct track_launch_detail d;
	memset(&d, 0, sizeof(d));
	d.t_launch_s = o.dt_s;
	d.t_burnout_s = o.t_bo_s;
	d.burn_s = o.burn_s;
	d.h_burnout_m = o.h_bo_m;
	d.v_burnout_m_s = o.v_bo_m_s;
	d.n_stages = n;
	memcpy(d.launch_ecef_m, o.ecef, sizeof(o.ecef));
	memcpy(d.burnout_ground_ecef_m, o.bo_ground, sizeof(o.bo_ground));
	memcpy(d.thrust_dir_cov_ecef_m2, o.dir_cov, sizeof(o.dir_cov));
	d.icbm_weight = boost ? 0.0 : icbm_weight(x);
	*out = d;
	return 0;
}

/* ---- the unscented transform ---- */

/* Sample one launch point: ENU offset from ref (set from the first
 * call) and launch time offset. */
struct sampler {
	int boost, nst;
	double wic; /* icbm_weight */
	double max_s;
	struct arc *a;
	int have_ref;
	struct geo_lla ref;
};

static int sample_o(struct sampler *sp, const double x[TRACK_NX], const double z[N_PAR_BAL],
                    double e[2], double *t, struct lp_out *oo)
{
	struct lp_out o;
	int rc = sp->boost ? launch_boost_one(x, z, &o)
	                   : launch_ballistic_one(x, z, sp->nst, sp->wic, sp->max_s, sp->a, &o);
	if (rc < 0)
		return rc;
	if (!sp->have_ref) {
		rc = geo_ecef_to_lla(o.ecef, &sp->ref);
		if (rc < 0)
			return rc;
		sp->ref.h_m = 0.0;
		sp->have_ref = 1;
	}
	double enu[3];
	geo_ecef_to_enu(&sp->ref, o.ecef, enu);
	e[0] = enu[0];
	e[1] = enu[1];
	*t = o.dt_s;
	if (oo)
		*oo = o;
	return 0;
}

static int sample(struct sampler *sp, const double x[TRACK_NX], const double z[N_PAR_BAL],
                  double e[2], double *t)
{
	return sample_o(sp, x, z, e, t, NULL);
}

/*
 * The state part: sigma points of u = (state components idx[0..ns-1],
 * and for the boost basis the parameter Isp), covariance
 * blockdiag(P_state, 1), at +-sqrt(3) times the columns of its Cholesky
 * factor (kappa = 3 - n), weights 1/6 (the central weight 1 - n/3 does
 * not enter a covariance about the central point). The estimate is the
 * central point (the model at the mean state and nominal parameters),
 * not the weighted mean: the launch time is strongly skewed in aT (35%
 * less thrust puts the lift-off ~100 s earlier, 35% more ~25 s later,
 * ICBM first stage) and the mean follows the long tail. The covariance
 * is taken about the central point (for a linear map the same).
 *
 * The ballistic basis's three model parameters act through the nested
 * burnout search, which is far from linear in them (Monte Carlo showed
 * 84% coverage of a joint 10-dimensional transform's ellipse): they get
 * a tensor Gauss-Hermite rule of their own at the mean state (5 nodes
 * for the lift-off F/W, 3 for the others; exact to degree 9 and 5),
 * whose covariance about its mean plus the squared shift of that mean
 * from the central point is added (state and model errors independent),
 * and then the stated steering terms.
 */
static int launch_ut(const struct track_gauss *g, mw_time_ns t_ns, int boost, double max_s,
                     struct track_point_pred *out)
{
	/* the state's parts the model reads: r, v and k (ballistic basis) or
	 * aT (boost basis: the gravity turn backwards reads no alpha,
	 * launch_boost_one) */
	int idx[8], ns = 0;
	for (int i = 0; i < 6; i++)
		idx[ns++] = i;
	idx[ns++] = boost ? TRACK_IX_AT : TRACK_IX_K;
	const int np = boost ? N_PAR_BOOST : 0;
	const int n = ns + np;
	/* Block-diagonal: the state block's Cholesky factor (mat_ works up
	 * to MAT_MAX = 9), identity for the parameter. */
	double P[8 * 8], Ls[8 * 8], L[9 * 9];
	for (int i = 0; i < ns; i++)
		for (int j = 0; j < ns; j++)
			P[i * ns + j] = g->P[idx[i] * TRACK_NX + idx[j]];
	int rc = mat_cholesky(Ls, P, ns);
	if (rc < 0)
		return rc;
	memset(L, 0, sizeof(L));
	for (int i = 0; i < ns; i++)
		for (int j = 0; j < ns; j++)
			L[i * n + j] = Ls[i * ns + j];
	for (int i = ns; i < n; i++)
		L[i * n + i] = 1.0;
	struct sampler sp = {.boost = boost, .max_s = max_s};
	if (!boost) {
		sp.a = malloc(sizeof(*sp.a));
		if (!sp.a)
			return -ENOMEM;
		rc = arc_build(g->x, max_s, sp.a);
		if (rc < 0)
			goto out;
		sp.nst = stages_for(vnorm(sp.a->y[sp.a->n - 1] + 3));
		sp.wic = icbm_weight(g->x);
	}
	const double c = sqrt(3.0);
	double E0[2], T0;
	const double zc[N_PAR_BAL] = {0, 0, 0};
	struct lp_out oc;
	rc = sample_o(&sp, g->x, zc, E0, &T0, &oc);
	if (rc < 0)
		goto out;
	const double wi = 1.0 / 6.0;
	double C[4] = {0, 0, 0, 0}, vt = 0.0;
	for (int k = 1; k <= 2 * n; k++) {
		double x[TRACK_NX], z[N_PAR_BAL] = {0, 0, 0};
		memcpy(x, g->x, sizeof(x));
		int j = (k - 1) % n;
		double sg = k <= n ? c : -c;
		for (int i = 0; i < n; i++) {
			double d = sg * L[i * n + j];
			if (i < ns)
				x[idx[i]] += d;
			else
				z[i - ns] += d;
		}
		double e[2], t;
		rc = sample(&sp, x, z, e, &t);
		if (rc < 0)
			goto out;
		double d0 = e[0] - E0[0], d1 = e[1] - E0[1], dt = t - T0;
		C[0] += wi * d0 * d0;
		C[1] += wi * d0 * d1;
		C[3] += wi * d1 * d1;
		vt += wi * dt * dt;
	}
	if (boost) {
		/* The boost model's stated thrust-direction error (model.h)
		 * through the backward boost, projected on the East-North
		 * plane at the launch point (launch_boost_one). */
		double sl = sin(sp.ref.lat_rad), cl = cos(sp.ref.lat_rad);
		double so = sin(sp.ref.lon_rad), co = cos(sp.ref.lon_rad);
		const double R[2][3] = {{-so, co, 0.0}, {-sl * co, -sl * so, cl}};
		double Q2[2][2];
		for (int i = 0; i < 2; i++)
			for (int j = 0; j < 2; j++) {
				double v = 0.0;
				for (int a = 0; a < 3; a++)
					for (int b = 0; b < 3; b++)
						v += R[i][a] * oc.dir_cov[3 * a + b] * R[j][b];
				Q2[i][j] = v;
			}
		C[0] += Q2[0][0];
		C[1] += 0.5 * (Q2[0][1] + Q2[1][0]);
		C[3] += Q2[1][1];
		/* The steering plane, as for the ballistic basis: D from the
		 * basis's ground point to the launch point, T the time. */
		double bg[3];
		geo_ecef_to_enu(&sp.ref, oc.bo_ground, bg);
		double D0 = E0[0] - bg[0], D1 = E0[1] - bg[1];
		steer_plane_add(C, D0, D1, T0);
		/* The steering law's duration: the backward gravity turn
		 * against a pitch programme (launch.h TRACK_LAUNCH_STEER_SIG):
		 * the backward boost's duration scaled by 1 + STEER_SIG z, time
		 * variance plus STEER_SIG^2 (T0^2 + vt), as the ballistic
		 * basis's below the ICBM class. */
		vt += STEER_SIG * STEER_SIG * (T0 * T0 + vt);
	}
	if (!boost) {
		/* Gauss-Hermite over the model parameters at the mean state:
		 * 5 nodes for the lift-off thrust-to-weight (the launch point
		 * is most skewed in it), 3 for Isp and the upper stages. */
		static const double n3[3] = {-1.7320508075688772, 0.0, 1.7320508075688772};
		static const double w3[3] = {1.0 / 6.0, 2.0 / 3.0, 1.0 / 6.0};
		static const double n5[5] = {-2.8569700138728056, -1.3556261799742659, 0.0,
		                             1.3556261799742659, 2.8569700138728056};
		static const double w5[5] = {0.011257411327720691, 0.22207592200561266,
		                             0.53333333333333333, 0.22207592200561266,
		                             0.011257411327720691};
		double pe[45][2], pt[45], pw[45], pm[2] = {0, 0}, pmt = 0.0;
		int q = 0;
		for (int i0 = 0; i0 < 3; i0++)
			for (int i1 = 0; i1 < 5; i1++)
				for (int i2 = 0; i2 < 3; i2++, q++) {
					double z[N_PAR_BAL] = {n3[i0], n5[i1], n3[i2]};
					pw[q] = w3[i0] * w5[i1] * w3[i2];
					if (i0 == 1 && i1 == 2 && i2 == 1) {
						pe[q][0] = E0[0];
						pe[q][1] = E0[1];
						pt[q] = T0;
					} else {
						rc = sample(&sp, g->x, z, pe[q], &pt[q]);
						if (rc < 0)
							goto out;
					}
					pm[0] += pw[q] * pe[q][0];
					pm[1] += pw[q] * pe[q][1];
					pmt += pw[q] * pt[q];
				}
		for (q = 0; q < 45; q++) {
			double d0 = pe[q][0] - pm[0], d1 = pe[q][1] - pm[1], dt = pt[q] - pmt;
			C[0] += pw[q] * d0 * d0;
			C[1] += pw[q] * d0 * d1;
			C[3] += pw[q] * d1 * d1;
			vt += pw[q] * dt * dt;
		}
		/* The rule's mean is not the estimate (the central point is,
		 * see below): its shift from the centre is spread too. */
		double s0 = pm[0] - E0[0], s1 = pm[1] - E0[1], st = pmt - T0;
		C[0] += s0 * s0;
		C[1] += s0 * s1;
		C[3] += s1 * s1;
		vt += st * st;
		/* Steering: the launch point's offset D from the burnout ground
		 * point scaled by 1 + STEER_SIG z, the boost duration by
		 * 1 + s_T z, independent of the rest: mean unchanged,
		 * covariance plus STEER_SIG^2 (D D^T + C), time variance plus
		 * s_T^2 (Dt^2 + vt); s_T from STEER_SIG (0.3) to STEER_SIG_T
		 * (0.1) with the ICBM weight (see STEER_SIG_T). */
		double bg[3];
		geo_ecef_to_enu(&sp.ref, oc.bo_ground, bg);
		double D0 = E0[0] - bg[0], D1 = E0[1] - bg[1], Dt = T0 - oc.t_bo_s;
		const double sdur = STEER_SIG + sp.wic * (STEER_SIG_T - STEER_SIG);
		const double s2 = STEER_SIG * STEER_SIG, s2t = sdur * sdur;
		C[0] += s2 * (D0 * D0 + C[0]);
		C[1] += s2 * (D0 * D1 + C[1]);
		C[3] += s2 * (D1 * D1 + C[3]);
		vt += s2t * (Dt * Dt + vt);
		steer_plane_add(C, D0, D1, Dt); /* the steering plane */
	}
	C[2] = C[1];
	rc = track_point_pred_make(&sp.ref, E0, C, t_ns, T0, sqrt(vt), out);
out:
	free(sp.a);
	return rc;
}

/* The thrust known to 12% (1 sigma). With the thrust's growth and angle
 * in the filter (model.h) aT is known to 20% some 10 s into a salvo's
 * track, before its velocity has settled: those bases put the SRBMs'
 * launch points 1.7 km off (RMS, 10 runs) against 0.9 km at 12%, the
 * first estimates at 50-53 s that the thrust-along-v model's 20% used to
 * give (docs/tracking.md "The thrust's angle and growth as states"). */
#define BASIS_AT_REL 0.12
#define BASIS_AT_MIN 5.0 /* m/s^2 */
/* Thrust angle a basis may carry (model.h's alpha, rad): a pitch
 * programme's angle of attack is a few degrees, 10 at most (model.h);
 * beyond 0.5 rad (29 deg) the estimate has gone wrong. */
#define BASIS_ALPHA_MAX_RAD 0.5
/* Fastest basis (m/s): the single-stage law anchored at the basis's aT
 * integrates back over a mass ratio of about exp(v / (Isp g0)); above
 * ~0.8 Isp g0 (2,000 m/s at the prior's 255 s) more than half of a
 * stage's propellant, or an earlier stage, lies unseen behind the basis,
 * and the launch time hangs on the unknown burn history (Isp, staging)
 * rather than on the estimate: measured, ICBM bases at 228 s (3.9 km/s,
 * second stage) gave launch times 1,000 s early with sigmas of 10^4 s,
 * and JPN's IRBM bases in the last 10 s of the burn 120 s early. Such a
 * track gets the ballistic basis after burnout (tracker.c). The
 * all-sensor bases of the example scenarios are at <= 1.6 km/s. */
#define BASIS_V_MAX 2000.0

int track_launch_basis_ok(const struct track_gauss *g)
{
	double at = g->x[TRACK_IX_AT], pa = g->P[TRACK_IX_AT * TRACK_NX + TRACK_IX_AT];
	double al = g->x[TRACK_IX_ALPHA];
	return at > BASIS_AT_MIN && pa >= 0.0 && sqrt(pa) <= BASIS_AT_REL * at &&
	       vnorm(g->x + 3) > V_STOP && fabs(al) <= BASIS_ALPHA_MAX_RAD &&
	       track_launch_boost_reach(g);
}

int track_launch_boost_reach(const struct track_gauss *g)
{
	return vnorm(g->x + 3) <= BASIS_V_MAX;
}

#define SEEN_AT_SIG 3.0 /* track_launch_thrust_seen: aT at least this many sigma */
int track_launch_thrust_seen(const struct track_gauss *g)
{
	double at = g->x[TRACK_IX_AT], pa = g->P[TRACK_IX_AT * TRACK_NX + TRACK_IX_AT];
	return at > BASIS_AT_MIN && pa >= 0.0 && at >= SEEN_AT_SIG * sqrt(pa);
}

int track_launch_from_boost(const struct track_gauss *g, mw_time_ns t_ns,
                            struct track_point_pred *out)
{
	return launch_ut(g, t_ns, 1, S_MAX_S, out);
}

int track_launch_from_ballistic(const struct track_gauss *g, mw_time_ns t_ns, double max_s,
                                struct track_point_pred *out)
{
	return launch_ut(g, t_ns, 0, max_s, out);
}
