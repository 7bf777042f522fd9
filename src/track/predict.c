/*
 * track/predict.c - impact and launch prediction by the unscented
 * transform of propagations to the WGS84 surface (see predict.h).
 *
 * Surface crossing: the state is stepped with the model's own step
 * sizes; when a step ends below h = 0 the crossing time inside that
 * step is found by regula falsi (Illinois variant) on h(t), each
 * evaluation a fresh propagation from the start of the step, to
 * |h| < 0.01 m or 40 iterations.
 *
 * Invariants:
 *  1. Pure functions; outputs untouched on failure.
 *  2. All sigma points must reach the surface; otherwise the prediction
 *     is refused (-ERANGE) rather than biased.
 */
#include "track/predict.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/err.h"
#include "mat/mat.h"
#include "track/launch.h"
#include "track/model.h"

#define NU   7 /* r, v, k: the thrust state does not enter the impact */
#define NSIG (2 * NU + 1)

static double speed(const double x[TRACK_NX])
{
	return sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
}

static double model_step(const double x[TRACK_NX])
{
	double rn = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
	double h = rn - GEO_WGS84_A_M;
	if (h > 300e3)
		return 10.0;
	if (h > 80e3)
		return 2.0;
	return 0.5;
}

int track_propagate_to_surface(const double x[TRACK_NX], int dir, int thrust, double max_s,
                               double stop_speed_m_s, double *dt_s, double out[TRACK_NX])
{
	double y[TRACK_NX];
	memcpy(y, x, sizeof(y));
	double t = 0.0;
	if (track_model_height_m(y) <= 0.0) {
		memcpy(out, y, sizeof(y));
		*dt_s = 0.0;
		return 0;
	}
	while (t < max_s) {
		double h = model_step(y);
		double yn[TRACK_NX];
		int rc = track_model_propagate(y, dir * h, thrust, yn);
		if (rc < 0)
			return rc;
		double hn = track_model_height_m(yn);
		int stop_v = dir < 0 && stop_speed_m_s > 0.0 && speed(yn) < stop_speed_m_s;
		if (hn > 0.0 && !stop_v) {
			memcpy(y, yn, sizeof(y));
			t += h;
			continue;
		}
		/* Root of f(s) = h(s) (or speed - stop) in (0, h]. */
		double a = 0.0, b = h;
		double fa =
		    stop_v && hn > 0.0 ? speed(y) - stop_speed_m_s : track_model_height_m(y);
		double fb = stop_v && hn > 0.0 ? speed(yn) - stop_speed_m_s : hn;
		int use_speed = stop_v && hn > 0.0;
		double ys[TRACK_NX];
		memcpy(ys, yn, sizeof(ys));
		int side = 0;
		for (int it = 0; it < 40; it++) {
			double s = (fa * b - fb * a) / (fa - fb);
			if (!(s > a && s < b))
				s = 0.5 * (a + b);
			rc = track_model_propagate(y, dir * s, thrust, ys);
			if (rc < 0)
				return rc;
			double fs =
			    use_speed ? speed(ys) - stop_speed_m_s : track_model_height_m(ys);
			if (fabs(fs) < (use_speed ? 1e-4 : 0.01) || b - a < 1e-9) {
				b = s;
				break;
			}
			if ((fs > 0) == (fa > 0)) {
				a = s;
				fa = fs;
				if (side == -1)
					fb /= 2;
				side = -1;
			} else {
				b = s;
				fb = fs;
				if (side == 1)
					fa /= 2;
				side = 1;
			}
		}
		memcpy(out, ys, sizeof(ys));
		*dt_s = dir * (t + b);
		return 0;
	}
	return -ERANGE;
}

static int predict_points(const struct track_gauss *g, mw_time_ns t_ns, int dir, int thrust,
                          double max_s, struct track_point_pred *out)
{
	/* Marginal of (r, v, k). */
	double P[NU * NU], L[NU * NU];
	for (int i = 0; i < NU; i++)
		for (int j = 0; j < NU; j++)
			P[i * NU + j] = g->P[i * TRACK_NX + j];
	int rc = mat_cholesky(L, P, NU);
	if (rc < 0)
		return rc;
	double X[NSIG][TRACK_NX];
	const double c = sqrt((double)NU);
	for (int k = 0; k < NSIG; k++)
		memcpy(X[k], g->x, sizeof(X[k]));
	for (int j = 0; j < NU; j++)
		for (int i = 0; i < NU; i++) {
			X[1 + j][i] += c * L[i * NU + j];
			X[1 + NU + j][i] -= c * L[i * NU + j];
		}
	double T[NSIG], Y[NSIG][TRACK_NX];
	for (int k = 0; k < NSIG; k++) {
		rc = track_propagate_to_surface(X[k], dir, thrust, max_s, dir < 0 ? 50.0 : 0.0,
		                                &T[k], Y[k]);
		if (rc < 0)
			return rc;
	}
	struct geo_lla ref;
	rc = geo_ecef_to_lla(Y[0], &ref);
	if (rc < 0)
		return rc;
	ref.h_m = 0.0;
	double E[NSIG][2];
	for (int k = 0; k < NSIG; k++) {
		double enu[3];
		geo_ecef_to_enu(&ref, Y[k], enu);
		E[k][0] = enu[0];
		E[k][1] = enu[1];
	}
	const double wi = 1.0 / (2.0 * NU);
	double me[2] = {0, 0}, mt = 0.0;
	for (int k = 1; k < NSIG; k++) {
		me[0] += wi * E[k][0];
		me[1] += wi * E[k][1];
		mt += wi * T[k];
	}
	double C[4] = {0, 0, 0, 0}, vt = 0.0;
	for (int k = 0; k < NSIG; k++) {
		double w = k == 0 ? 2.0 : wi;
		double d0 = E[k][0] - me[0], d1 = E[k][1] - me[1], dt = T[k] - mt;
		C[0] += w * d0 * d0;
		C[1] += w * d0 * d1;
		C[3] += w * d1 * d1;
		vt += w * dt * dt;
	}
	C[2] = C[1];
	return track_point_pred_make(&ref, me, C, t_ns, mt, sqrt(vt), out);
}

int track_point_pred_make(const struct geo_lla *ref, const double en_m[2], const double cov_en[4],
                          mw_time_ns t_ns, double dt_s, double sigma_t_s,
                          struct track_point_pred *out)
{
	struct track_point_pred r;
	memset(&r, 0, sizeof(r));
	double enu_m[3] = {en_m[0], en_m[1], 0.0};
	geo_enu_to_ecef(ref, enu_m, r.ecef_m);
	int rc = geo_ecef_to_lla(r.ecef_m, &r.lla);
	if (rc < 0)
		return rc;
	r.lla.h_m = 0.0;
	geo_lla_to_ecef(&r.lla, r.ecef_m);
	r.t_ns = t_ns + mw_time_from_s(dt_s);
	r.sigma_t_s = sigma_t_s;
	memcpy(r.cov_en_m2, cov_en, sizeof(r.cov_en_m2));
	track_point_pred_ellipse(&r);
	*out = r;
	return 0;
}

/* Eigen-decomposition of the 2x2 symmetric cov_en_m2: the 95% ellipse's
 * semi-axes and the major axis's direction. */
void track_point_pred_ellipse(struct track_point_pred *r)
{
	const double *C = r->cov_en_m2;
	double tr = C[0] + C[3], det = C[0] * C[3] - C[1] * C[1];
	double disc = sqrt(fmax(0.0, 0.25 * tr * tr - det));
	double l1 = 0.5 * tr + disc, l2 = fmax(0.0, 0.5 * tr - disc);
	r->semi_major_m = TRACK_ELLIPSE_K95 * sqrt(l1);
	r->semi_minor_m = TRACK_ELLIPSE_K95 * sqrt(l2);
	/* Major-axis direction (e, n): (C01, l1 - C00) or (l1 - C11, C01). */
	double ve, vn;
	if (fabs(C[1]) > 1e-12 * tr) {
		ve = C[1];
		vn = l1 - C[0];
	} else if (C[0] >= C[3]) {
		ve = 1.0;
		vn = 0.0;
	} else {
		ve = 0.0;
		vn = 1.0;
	}
	double az = atan2(ve, vn);
	if (az < 0.0)
		az += GEO_PI;
	if (az >= GEO_PI)
		az -= GEO_PI;
	r->orient_rad = az;
}

int track_predict_impact(const struct track_gauss *g, mw_time_ns t_ns, double max_s,
                         struct track_point_pred *out)
{
	return predict_points(g, t_ns, +1, 0, max_s, out);
}

int track_predict_launch(const struct track_gauss *g, mw_time_ns t_ns, int thrust, double max_s,
                         struct track_point_pred *out)
{
	/* Through the generic boost model of track/launch.c. */
	if (thrust)
		return track_launch_from_boost(g, t_ns, out);
	return track_launch_from_ballistic(g, t_ns, max_s, out);
}

int track_point_in_ellipse(const struct track_point_pred *pred, const double p_ecef[3], double *d2)
{
	struct geo_lla ref = pred->lla;
	double enu[3];
	geo_ecef_to_enu(&ref, p_ecef, enu);
	double C[4];
	memcpy(C, pred->cov_en_m2, sizeof(C));
	double v;
	int rc = mat_spd_mahalanobis(C, enu, 2, &v);
	if (rc < 0)
		return rc;
	if (d2)
		*d2 = v;
	return v <= TRACK_ELLIPSE_K95 * TRACK_ELLIPSE_K95;
}
