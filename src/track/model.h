/*
 * track/model.h - the motion model of a ballistic object in ECEF.
 *
 * State (TRACK_NX = 7): x = [r_ecef_m(3), v_ecef_m_s(3), k]
 * where theta = k * TRACK_THETA_UNIT = 1/beta = C_D A / m (m^2/kg) is the
 * inverse ballistic coefficient. k is scaled (beta = 10,000 kg/m^2 is
 * k = 1) so that its variance is of the order of the others' and the
 * covariance stays well conditioned.
 *
 *   dr/dt = v
 *   dv/dt = g_J2(r) - w x (w x r) - 2 w x v          (geo_accel_ecef)
 *           - 0.5 rho(h) theta |v| v                   (drag; v is relative
 *                                                       to the co-rotating air)
 *   dtheta/dt = 0 (+ random walk)
 *
 * Propagation is classical fourth-order Runge-Kutta with a step chosen
 * from the altitude of the propagated point (10 s above 300 km, 2 s above
 * 80 km, 0.5 s below) so that drag is resolved; negative intervals
 * (back-propagation) use the same steps backwards.
 *
 * Process noise is additive white acceleration of spectral density q
 * (m^2/s^3) on each ECEF axis plus a random walk of density q_theta on
 * theta, integrated exactly for the kinematic part over dt:
 *   Q_rr = q dt^3/3, Q_rv = q dt^2/2, Q_vv = q dt, Q_tt = q_theta dt.
 */
#ifndef MW_TRACK_MODEL_H
#define MW_TRACK_MODEL_H

#define TRACK_NX         7
#define TRACK_THETA_UNIT 1e-4 /* m^2/kg per unit of x[6] */

/* Acceleration (m/s^2) of state x; -EDOM if |r| < 1 m or non-finite. */
int track_model_accel(const double x[TRACK_NX], double a[3]);

/* Propagate x by dt_s (may be negative) into out (may alias x). */
int track_model_propagate(const double x[TRACK_NX], double dt_s, double out[TRACK_NX]);

/* Add the process noise of an interval |dt_s| to P (TRACK_NX^2, row-major). */
void track_model_add_q(double *P, double dt_s, double q_acc_m2_s3, double q_theta);

/*
 * Height above the WGS84 ellipsoid (m) of an ECEF point, exact (geo) when
 * below 300 km over the ellipsoid's polar radius, else a cheap lower
 * bound |r| - a (the caller only needs to know that it is high).
 */
double track_model_height_m(const double r[3]);

/*
 * Numerical state-transition matrix Phi = d out / d x over dt_s by
 * central differences (steps 1 m, 1e-3 m/s, 1e-3 units of k); n = 6 or 7
 * (6 holds theta fixed). For the Cramer-Rao bound and impact Jacobians.
 */
int track_model_stm(const double x[TRACK_NX], double dt_s, int n, double *Phi);

#endif
