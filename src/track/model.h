/*
 * track/model.h - the motion model of a ballistic object in ECEF.
 *
 * State (TRACK_NX = 8): x = [r_ecef_m(3), v_ecef_m_s(3), x6, aT_m_s2].
 * aT is the thrust acceleration. x6 is the model's shape parameter, and
 * its meaning is the model's:
 *  - in the non-thrusting model (thrust = 0) x6 = k, where theta = k *
 *    TRACK_THETA_UNIT = 1/beta = C_D A / m (m^2/kg) is the inverse
 *    ballistic coefficient (k is scaled, beta = 10,000 kg/m^2 is k = 1,
 *    so that its variance is of the order of the others' and the
 *    covariance stays well conditioned); aT is held at 0 and ignored;
 *  - in the thrusting model (thrust = 1) x6 = alpha (TRACK_IX_ALPHA), the
 *    thrust's angle off the velocity in the trajectory plane (rad,
 *    positive away from the Earth: a pitch programme's angle of attack),
 *    and the body has no drag of its own: aT is the net of thrust and
 *    drag along the thrust (a boost's drag is a few percent of its
 *    thrust above the first seconds).
 *
 *   dr/dt = v
 *   dv/dt = g_J2(r) - w x (w x r) - 2 w x v          (geo_accel_ecef)
 *           - 0.5 rho(h) theta |v| v                   (drag, non-thrusting
 *                                                       model; v is relative
 *                                                       to the co-rotating air)
 *           + aT (cos(alpha) u + sin(alpha) w)         (thrust, thrusting
 *                                                       model; u = v/|v|, w
 *                                                       the in-plane normal,
 *                                                       track_model_thrust_frame)
 *   dk/dt = 0, dalpha/dt = 0 (+ random walks)
 *   daT/dt = aT^2 / v_e                                (thrusting model, for
 *                                                       0 < aT < TRACK_THRUST_GROWTH_MAX_M_S2)
 *
 * The thrust grows as the propellant burns: at constant thrust F and mass
 * flow F / v_e the acceleration a = F / m grows as da/dt = a^2 / v_e, v_e
 * = Isp g0 the exhaust speed (Sutton & Biblarz, Rocket Propulsion
 * Elements, 8th ed., 2010, ch. 4; the same law launch.c integrates
 * backwards). Isp is TRACK_THRUST_ISP_S, the simulator's and launch.c's
 * median; a stage's other Isp is left to the aT walk. Above
 * TRACK_THRUST_GROWTH_MAX_M_S2 the growth is held (a sigma point's
 * aT^2 / v_e would otherwise run away within one prediction).
 *
 * A negative k has no drag (theta = max(k, 0) TRACK_THETA_UNIT): no body
 * has C_D A / m < 0, and the filter's Gaussian on k reaches below zero
 * only as an approximation (a prior of 1 +- 1 puts an unscented sigma
 * point at k = -1.83). With theta < 0 the drag term is a thrust that
 * grows as |v|^2, dv/dt = c |v|^2, which reaches infinity at t = 1 / (c
 * |v_0|): for such a sigma point of a fresh track 12 km up and falling
 * at 1.4 km/s that is ~5 s, inside one scan's prediction, and its mean
 * and covariance were then hundreds of km off (a 6.8-s prediction 55 km
 * under the ground with a position sigma of 441 km, which gated plots
 * 430-530 km away that the pre-gate, rightly, did not offer;
 * docs/tracking.md "A negative drag parameter (session 14)"). The
 * drag's Jacobian (jac_rows) is zero for k <= 0 likewise.
 *
 * Propagation is classical fourth-order Runge-Kutta with a step chosen
 * from the altitude of the propagated point (10 s above 300 km, 2 s above
 * 80 km, 0.5 s below) so that drag is resolved; negative intervals
 * (back-propagation) use the same steps backwards.
 *
 * Process noise is additive white acceleration of spectral density q
 * (m^2/s^3) on each ECEF axis plus random walks of density q_k on k (the
 * non-thrusting model), q_alpha on alpha and q_at on aT (the thrusting
 * model, which adds its stated thrust-direction error, below),
 * integrated exactly for the kinematic part over dt:
 *   Q_rr = q dt^3/3, Q_rv = q dt^2/2, Q_vv = q dt, Q_kk = q_k' dt,
 *   Q_alpha = q_alpha dt, Q_aa = q_at dt,
 * plus the stated gravity-model error (below, "Gravity-model error"),
 * a time-correlated acceleration, not more white q.
 * The drag parameter changes only as the air acts on the body (drag
 * coefficient with Mach number, ablation), so its random walk is scaled
 * by the air density at the state: q_k' = q_k min(1, rho(h)/rho_0), rho_0
 * the sea-level density; above the drag ceiling q_k' = 0. In vacuum k is
 * neither observable nor changing, and an unscaled walk would only erase
 * what the atmospheric part of the ascent taught the filter (0.17 in k
 * over 300 s of midcourse at q_k = 1e-4, which made every impact ellipse
 * of the simulator's SRBMs cover the truth).
 */

#ifndef MW_TRACK_MODEL_H
#define MW_TRACK_MODEL_H

#define TRACK_NX                     8
#define TRACK_IX_K                   6
#define TRACK_IX_AT                  7
#define TRACK_IX_ALPHA               6 /* the thrusting model's x6 */
#define TRACK_THRUST_ISP_S           255.0
#define TRACK_THRUST_VE_M_S          (TRACK_THRUST_ISP_S * 9.80665)
#define TRACK_THRUST_GROWTH_MAX_M_S2 300.0
/* The thrust angle's prior, 1 sigma (rad), wherever the thrusting model
 * takes x6 from elsewhere (a new track, the IMM's mixing from the
 * non-thrusting model, a revival): centred at 0 (a gravity turn); 0.1 rad
 * is the pitch departure model.h states below for the unseen boost. */
#define TRACK_ALPHA_SIGMA0_RAD 0.1
#define TRACK_THETA_UNIT       1e-4 /* m^2/kg per unit of x[6] */
/* The drag ceiling: no drag term where the height over the polar radius
 * is at or above it (rho(300 km) ~ 2e-11 kg/m^3: drag < 1e-6 m/s^2).
 * Shared with the tracker's pre-gate, whose drag bound must stop where
 * the model's drag does. */
#define TRACK_DRAG_CEILING_M 300e3

/*
 * The thrust direction of a real missile follows a pitch programme, not
 * the velocity: its angle of attack is a few degrees (a gravity turn
 * would hold it at zero; steering laws that are not gravity turns - e.g.
 * the linear-tangent law of optimal ascent, Bryson & Ho 1975, sec. 2.7 -
 * depart from the velocity by up to ~10 deg). The steering is in the
 * trajectory's vertical plane (pitch); out of it (yaw) a missile steers
 * only to hold its plane. The unseen boost before a launch estimate's
 * basis (launch.c) is stated as a gravity turn with an error of 1 sigma
 * 0.1 rad (5.7 deg) in the pitch plane (along w = the unit normal to v in
 * the plane of r and v) and 0.03 rad (1.7 deg) out of it (along h = r x
 * v / |r x v|): TRACK_THRUST_PITCH_SIGMA_RAD, TRACK_THRUST_YAW_SIGMA_RAD.
 * The thrusting filter model estimates the pitch angle (alpha) and
 * states only what is left: how the angle changes between plots (the
 * walk q_alpha) and a small white direction error of its own
 * (struct track_motion pitch_sigma_rad, yaw_sigma_rad; docs/tracking.md
 * "The thrust's angle and growth as states").
 */
#define TRACK_THRUST_PITCH_SIGMA_RAD 0.1
#define TRACK_THRUST_YAW_SIGMA_RAD   0.03

/* The thrust frame of state x: u = v/|v|, h = r x v / |r x v| (normal to
 * the trajectory plane), w = u x h (in the plane, normal to v, pointing
 * away from the Earth's centre: alpha's direction, model.h). 0, or -EDOM if |v| <= 1 m/s or r is
 * parallel to v (vertical flight). */
int track_model_thrust_frame(const double x[TRACK_NX], double u[3], double w[3], double h[3]);

/* The covariance of a thrust direction error per unit thrust,
 * sp^2 w w^T + so^2 h h^T (3 x 3), pitch and yaw sigmas sp, so (rad;
 * the unseen boost's: the two above). */
void track_model_thrust_dir_cov(const double x[TRACK_NX], double sp, double so, double D[3][3]);
/*
 * Boost model error: the thrust direction's departure from the modelled
 * aT (cos(alpha) u + sin(alpha) w) between plots is a slowly varying
 * acceleration across the thrust. The usual rule for a white-noise
 * acceleration model (Bar-Shalom, Li & Kirubarajan 2001, sec. 6.2) is a
 * density q ~ b^2 T for an acceleration of size b and a sampling
 * interval T (the velocity change b T over an interval is then about
 * sqrt(q T)); with T = TRACK_THRUST_NOISE_T_S = 1 s, the revisit of the
 * ship and ground radars, the thrusting model adds across v a white
 * acceleration of density
 *   a^2 T (sigma_pitch^2 w w^T + sigma_yaw^2 h h^T),  a = max(aT, 0)
 * to its own isotropic q (track_model_add_q), with the motion's sigmas
 * (struct track_motion). The estimate's thrust, not its variance: a boost
 * model that has lost its thrust after burnout would otherwise become a
 * wide catch-all model.
 */
#define TRACK_THRUST_NOISE_T_S 1.0

/*
 * Gravity-model error. The model's gravity is mu + J2; a real Earth's
 * differs from it by the rest of its field (EGM96: the degree-2
 * tesserals and every harmonic of degree >= 3), ~3e-4 m/s^2 RMS at the
 * surface, ~1e-4 at 500 km, ~1e-5 at 4,000 km. That error is not white:
 * it is a smooth function of position, nearly constant over hundreds of
 * seconds of flight, so over an interval it moves position and velocity
 * together (dv = a dt, dr = a dt^2 / 2) where white noise of any density
 * decorrelates them. It is stated as a first-order Gauss-Markov
 * acceleration per ECEF axis, standard deviation sigma_g(r) (the global
 * RMS of the omitted field at the radius, per axis; track_model_grav_sigma)
 * and correlation time TRACK_GRAV_TAU_S. Each interval adds the exact
 * covariance of the displacement such an acceleration produces over it
 * (track_model_add_q; for dt << tau the rank-one constant-acceleration
 * form, for dt >> tau white noise of density 2 sigma^2 tau), with
 * sigma_g averaged along the interval's mean path when the interval is
 * long (a coast climbs to where the field is ten times weaker); and the
 * filter carries the cross-covariance of its error with the (unit)
 * acceleration, a Schmidt consider parameter (track/gravity_err.h), so
 * that the intervals are not treated as independent: over 1,000 s of
 * correlation what the acceleration did to the estimate in one interval
 * goes on in the next.
 *   TRACK_GRAV_ERR_NONE   the truth's gravity is the model's (the
 *                         simulator's default truth, mu + J2)
 *   TRACK_GRAV_ERR_J3J4   the zonal J3 and J4 of EGM96 are omitted (the
 *                         simulator's "truth_gravity": "j4")
 *   TRACK_GRAV_ERR_EGM96  a real Earth: the whole EGM96 field beyond
 *                         mu + J2 (degrees 2-4 from the coefficients,
 *                         beyond by Kaula's rule)
 * Source of the coefficients: EGM96 as adopted by NIMA TR8350.2 (3rd
 * ed., 2000); the RMS of a degree's acceleration from its degree variance
 * c_n = sum_m (C_nm^2 + S_nm^2) (normalised): (GM/r^2)^2 (R/r)^(2n)
 * (n+1)(2n+1) c_n over the sphere (radial (n+1)^2, horizontal n(n+1);
 * Heiskanen & Moritz, Physical Geodesy, 1967, ch. 2); Kaula's rule
 * C_nm ~ 1e-5 / n^2 (Kaula, Theory of Satellite Geodesy, 1966).
 */
enum track_grav_err { TRACK_GRAV_ERR_NONE = 0, TRACK_GRAV_ERR_J3J4 = 1, TRACK_GRAV_ERR_EGM96 = 2 };
/* Correlation time of the omitted field along a trajectory: its degrees
 * 2-4 vary over a quarter wavelength, ~pi R / 8 = 2,500 km and more,
 * crossed at 2-7 km/s in ~400-1,200 s. */
#define TRACK_GRAV_TAU_S 1000.0

/* One motion model: thrusting or not, and its process noise densities. */
struct track_motion {
	int thrust;         /* 1: aT acts at angle x6 = alpha, no drag; 0: x6 = k, aT ignored */
	double q_acc_m2_s3; /* white acceleration, each axis */
	double q_k;         /* (units of k)^2 / s at sea-level density (see q_k'); non-thrusting */
	double q_alpha_rad2_s; /* the thrust angle's random walk; thrusting */
	double q_at_m2_s5;     /* thrust random walk */
	int grav_err;          /* enum track_grav_err: the gravity-model error stated */
	/* The thrusting model's white direction error, pitch and yaw sigma
	 * (rad); 0: model.h's TRACK_THRUST_PITCH_SIGMA_RAD,
	 * TRACK_THRUST_YAW_SIGMA_RAD. The pitch sigma is also set per track
	 * by the held lateral acceleration's statement (imm.h track_lat_est,
	 * tracker.h boost_adapt, a diagnosis). */
	double pitch_sigma_rad;
	double yaw_sigma_rad;
};

/* The thrusting model's stated pitch and yaw sigmas (rad): mo's where
 * set (> 0), else model.h's TRACK_THRUST_PITCH_SIGMA_RAD and
 * TRACK_THRUST_YAW_SIGMA_RAD. */
static inline void track_motion_dir_sigmas(const struct track_motion *mo, double *sp, double *so)
{
	*sp = mo->pitch_sigma_rad > 0.0 ? mo->pitch_sigma_rad : TRACK_THRUST_PITCH_SIGMA_RAD;
	*so = mo->yaw_sigma_rad > 0.0 ? mo->yaw_sigma_rad : TRACK_THRUST_YAW_SIGMA_RAD;
}

/* sigma_g (m/s^2, per axis) of the gravity-model error grav_err at
 * ECEF r (0 for TRACK_GRAV_ERR_NONE or an unknown value). */
double track_model_grav_sigma(const double r[3], int grav_err);

/* The covariance per axis of the (position, velocity) displacement over
 * |dt_s| of a first-order Gauss-Markov acceleration of standard
 * deviation sigma and correlation time tau_s (stationary, not a state):
 * q[0] = var(dr), q[1] = cov(dr, dv), q[2] = var(dv). */
void track_model_gm_q(double sigma, double tau_s, double dt_s, double q[3]);

/* Acceleration (m/s^2) of state x; -EDOM if |r| < 1 m or non-finite. */
int track_model_accel(const double x[TRACK_NX], int thrust, double a[3]);

/* Propagate x by dt_s (may be negative) into out (may alias x). */
int track_model_propagate(const double x[TRACK_NX], double dt_s, int thrust, double out[TRACK_NX]);

/*
 * Two states propagated as track_model_propagate propagates each (the
 * same doubles: both at once in the lanes of SSE2 registers), where
 * both take the same steps and neither fails: 0 with outa, outb written (each may be its input).
 * Otherwise 1 with the outputs untouched: propagate them one at a time
 * (which gives the same result or error as before).
 */
int track_model_propagate_pair(const double xa[TRACK_NX], const double xb[TRACK_NX], double dt_s,
                               int thrust, double outa[TRACK_NX], double outb[TRACK_NX]);

#define TRACK_RHO0_KG_M3 1.225 /* sea-level density, US Standard Atmosphere 1976 */

/* The density-scaled random-walk density q_k' of k at state x. */
double track_model_q_k(const double x[TRACK_NX], const struct track_motion *mo);

/* Add the process noise of an interval |dt_s| to P (TRACK_NX^2, row-major);
 * x is the state at the start of the interval (for q_k'). */
void track_model_add_q(double *P, double dt_s, const struct track_motion *mo,
                       const double x[TRACK_NX]);

/* The gravity-model error's sigma_g over the interval dt_s from x (the
 * start's for short intervals, the mean along the mean path for long
 * ones; 0 for TRACK_GRAV_ERR_NONE), and track_model_add_q with it given
 * (track_model_add_q(P, dt, mo, x) is exactly
 * track_model_add_q_sigma(P, dt, mo, x, track_model_grav_sigma_interval(x, dt, mo))). */
double track_model_grav_sigma_interval(const double x[TRACK_NX], double dt_s,
                                       const struct track_motion *mo);
void track_model_add_q_sigma(double *P, double dt_s, const struct track_motion *mo,
                             const double x[TRACK_NX], double sigma_g);

/*
 * Height above the WGS84 ellipsoid (m) of an ECEF point, geodetic when
 * below 300 km over the ellipsoid's polar radius, else a cheap lower
 * bound |r| - a (the caller only needs to know that it is high).
 */
double track_model_height_m(const double r[3]);

/* The geodetic height of the first: one non-iterative Bowring step
 * (within 1 mm of geo_ecef_to_lla from -5 to 400 km, unit-tested). */
double track_model_height_fast_m(const double r[3]);

/*
 * Propagate x by dt_s together with the state-transition matrix
 * Phi = d out / d x (TRACK_NX x TRACK_NX, row-major).
 * The non-thrusting model (thrust = 0): by RK4 on the variational
 * equations dPhi/dt = A(x(t)) Phi with the analytic Jacobian A of the
 * dynamics (J2 gravity gradient, rotation terms, drag with respect to v
 * and k; the density gradient d rho / d h is left out, so callers use
 * this only where drag is negligible). With every RK4 stage of a step
 * above the drag ceiling (300 km), A is evaluated once per step, at the
 * midpoint, and held over the step (a second-order Magnus step: 1
 * Jacobian per step instead of 4; Phi within ~1e-9 of the full RK4,
 * unit-tested). The state out is the same RK4 either way.
 * The thrusting model (thrust = 1): out by track_model_propagate and Phi
 * by track_model_stm's central differences (its one caller is the
 * gravity-model error's long interval, gravity_err.c, which a thrusting
 * prediction reaches only past GRAV_LONG_MIN_S; the filter predicts the
 * thrusting model by the unscented transform, ukf.h).
 */
int track_model_propagate_stm(const double x[TRACK_NX], double dt_s, int thrust,
                              double out[TRACK_NX], double *Phi);

/* The non-thrusting model's analytic path with the frozen-Jacobian vacuum
 * step selectable (frozen_vacuum = 0: A at every stage, the reference). */
int track_model_propagate_stm_opt(const double x[TRACK_NX], double dt_s, int frozen_vacuum,
                                  double out[TRACK_NX], double *Phi);

/*
 * Self-check of the frozen vacuum step's written-out second-order
 * factor (model.c frozen_order2) against the Horner loop it replaced,
 * for rows 3..5 of a vacuum Jacobian A of the non-thrusting model (its
 * velocity block Coriolis-shaped, A[0][4] and A[1][3] only, its k and aT
 * columns zero) and a step hs. 1 if the two factors are the same bytes,
 * 0 if not, -EINVAL for an A of another shape. For the unit tests.
 */
int track_model_frozen_order2_ok(const double A[3][TRACK_NX], double hs);

/*
 * Numerical state-transition matrix Phi = d out / d x over dt_s by
 * central differences (steps 1 m, 1e-3 m/s, 1e-3 units of k and aT) of
 * the non-thrusting model over the first n = 6 or 7 components (6 holds
 * k fixed), or of the thrusting model over all TRACK_NX (n = TRACK_NX:
 * the thrust x[TRACK_IX_AT] at angle x[TRACK_IX_ALPHA], their columns, the
 * thrust's growth and the thrust direction's dependence on r and v
 * included). For the Cramer-Rao bound and the thrusting model's
 * track_model_propagate_stm.
 */
int track_model_stm(const double x[TRACK_NX], double dt_s, int n, double *Phi);

#endif
