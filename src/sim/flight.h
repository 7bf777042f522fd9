/*
 * sim/flight.h - 3-DOF point-mass flight of a ballistic missile over the
 * rotating WGS84 Earth: multi-stage boost with a pitch programme, mu+J2
 * midcourse, re-entry with drag; the missile classes; and the solver that
 * finds the launch controls for a requested (apogee, range).
 *
 * Internal to sim/ (and its tests); other modules use sim/sim.h.
 */
#ifndef MW_SIM_FLIGHT_H
#define MW_SIM_FLIGHT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "geo/geo.h"

#define SIM_MAX_STAGES 3
#define SIM_G0_M_S2    9.80665 /* standard gravity, defines Isp in seconds (CGPM 1901) */

struct sim_stage {
	double prop_kg; /* propellant */
	double dry_kg;  /* structure, dropped at burnout of the stage */
	double burn_s;  /* full burn time (constant mass flow) */
	double isp_s;   /* specific impulse (vacuum, used throughout) */
};

/* A missile class. All figures are illustrative (see docs/scenario-format.md). */
struct sim_class {
	const char *name; /* "SRBM", "MRBM", "IRBM", "ICBM" */
	int n_stages;
	struct sim_stage stage[SIM_MAX_STAGES];
	double payload_kg;    /* re-entry vehicle (+ bus) mass */
	double cda_boost_m2;  /* drag coefficient x reference area of the stack */
	double beta_kg_m2;    /* RV ballistic coefficient m / (Cd A) after burnout: the
	                       * class's median; each run draws its own (beta_lo/hi) */
	double beta_lo_kg_m2; /* central 95 % of the class's RVs, lognormal in beta */
	double beta_hi_kg_m2;
	double vertical_s;    /* vertical rise before the pitch-over starts */
	double burn_frac_min; /* least fraction of the total burn time (energy management) */
	double pitch_min_rad; /* limits of the final thrust elevation */
	double pitch_max_rad;
};

size_t sim_class_count(void);
const struct sim_class *sim_class_at(size_t i);
/* Case-insensitive lookup; NULL if unknown. */
const struct sim_class *sim_class_find(const char *name);

struct sim_flight_opts {
	bool rotating; /* Earth rotation (Coriolis, centrifugal); false: ECEF treated as inertial */
	bool j2;       /* J2 term of gravity */
	/* Zonal J3 and J4 of EGM96 on top of mu + J2 (the tracker's model
	 * leaves them out: a real Earth's gravity differs from mu + J2 by
	 * ~1e-4 m/s^2 near the surface). Off by default (the scenario key
	 * "truth_gravity": "j4" turns it on, docs/scenario-format.md). */
	bool j3j4;
	bool drag;         /* atmosphere (US 1976 via geo_air_density) */
	double rtol;       /* Dormand-Prince 5(4) relative tolerance */
	double atol_m;     /* absolute tolerance on position */
	double atol_m_s;   /* absolute tolerance on velocity */
	double max_step_s; /* largest step (dense output spacing bound) */
	double max_time_s; /* give up (-ETIMEDOUT) if no impact by then */
};
/* Full physics and the run tolerances (rtol 1e-10, 1 mm, 1 um/s, 60 s). */
void sim_flight_opts_default(struct sim_flight_opts *o);

/* Launch controls: what the solver chooses. */
struct sim_launch_ctl {
	double heading_rad;     /* initial azimuth of the trajectory plane, from north */
	double pitch_final_rad; /* thrust elevation above the local horizontal at cut-off */
	double burn_frac;       /* fraction of the total burn time actually burnt, (0, 1] */
};

/* Dense-output node: state and acceleration at t_s (s after launch). Two
 * nodes with the same t mark a discontinuity of the acceleration (staging,
 * cut-off): the first holds the left limit, the second the right. */
struct sim_node {
	double t_s;
	double r[3];
	double v[3];
	double a[3];
};

struct sim_flight {
	struct sim_node *nodes; /* NULL unless kept */
	size_t n_nodes, cap_nodes;
	size_t n_steps; /* accepted integrator steps */
	struct geo_lla launch_lla;
	struct geo_lla impact_lla;
	double t_burnout_s;
	double t_apogee_s;
	double t_reentry_s; /* first descending below SIM_REENTRY_ALT_M (or t_apogee) */
	double t_impact_s;
	double apogee_m;
	double range_m; /* geodesic launch -> impact */
	double az_rad;  /* geodesic azimuth launch -> impact */
	double beta_kg_m2;
};

/*
 * Fly class c from site (height is used) with controls ctl. keep_nodes:
 * store the dense output (needed by sim_flight_state). Returns 0,
 * -MW_EENVELOPE if the missile hits the ground while boosting, -ETIMEDOUT
 * if it does not come down within opts->max_time_s, -ENOMEM, -EDOM.
 * On failure *f is left empty (no allocation to free).
 */
int sim_flight_fly(const struct sim_class *c, const struct geo_lla *site,
                   const struct sim_launch_ctl *ctl, const struct sim_flight_opts *opts,
                   bool keep_nodes, struct sim_flight *f);

/* Coast (no thrust) from an ECEF state with ballistic coefficient beta
 * (<= 0: no drag) until impact; for tests and re-entry studies. */
int sim_flight_coast(const double r0_m[3], const double v0_m_s[3], double beta_kg_m2,
                     const struct sim_flight_opts *opts, bool keep_nodes, struct sim_flight *f);

void sim_flight_finish(struct sim_flight *f);

/* State at t_s (s after launch) from the dense output (cubic Hermite on
 * position and on velocity). -ERANGE outside [0, t_impact]; -EINVAL
 * without nodes. */
int sim_flight_state(const struct sim_flight *f, double t_s, double r_m[3], double v_m_s[3]);

/*
 * The equation of motion for tests: acceleration of a coasting body
 * (gravity, rotation terms, drag with beta) at ECEF r, v.
 */
int sim_flight_accel(const double r_m[3], const double v_m_s[3], double beta_kg_m2,
                     const struct sim_flight_opts *opts, double a_m_s2[3]);

/* The acceleration (m/s^2) of the degree-n zonal harmonic with
 * coefficient jn (n = 2, 3, 4; zero otherwise) at ECEF r (|r| > 0). */
void sim_gravity_zonal(int n, double jn, const double r_m[3], double a_m_s2[3]);

/* Requested launch: trajectory aimed along azimuth for a ground range and
 * an apogee (heights above the ellipsoid). */
struct sim_aim {
	double azimuth_rad;
	double range_m;
	double apogee_m;
};

/*
 * Kepler estimate of the apogee of the minimum-energy trajectory for a
 * ground range (spherical Earth of radius 6371 km, burnout at the surface):
 * the burnout flight-path angle is 45 deg - psi/4 (psi the range angle).
 */
double sim_min_energy_apogee_m(double range_m);

/*
 * Find controls so that class c flown from site reaches aim->apogee_m and
 * aim->range_m within tol_frac (e.g. 0.002) and lands on aim->azimuth_rad
 * within 0.05 deg. Returns 0 and *ctl; -MW_EENVELOPE when the request is
 * outside the class's envelope (err says which limit, with figures);
 * -MW_ENOCONVERGE if iterations run out; other flight errors.
 * n_flights (may be NULL) counts the trajectories flown.
 */
int sim_flight_solve(const struct sim_class *c, const struct geo_lla *site,
                     const struct sim_aim *aim, double tol_frac, struct sim_launch_ctl *ctl,
                     size_t *n_flights, struct mw_errbuf *err);

/* What class c can do at a range from a site on a heading. */
struct sim_envelope {
	double max_range_m;  /* at full burn, best pitch */
	double apogee_lo_m;  /* most depressed trajectory reaching the range */
	double apogee_me_m;  /* minimum energy: least burn reaching the range */
	double apogee_hi_m;  /* most lofted */
	double burn_frac_me; /* burn fraction of the minimum-energy trajectory */
	double pitch_me_rad;
};
/* -MW_EENVELOPE (err says why) if the range is out of reach. */
int sim_flight_envelope(const struct sim_class *c, const struct geo_lla *site, double heading_rad,
                        double range_m, struct sim_envelope *out, struct mw_errbuf *err);

/*
 * Solve for a trajectory shape instead of an apogee: loft 0 is the
 * minimum-energy trajectory, +1 the most lofted and -1 the most depressed
 * the class can fly at that range (linear in apogee in between; the ends
 * are clamped to +-0.95 to stay inside the envelope). *apogee_m (may be
 * NULL) gets the apogee aimed at.
 */
int sim_flight_solve_loft(const struct sim_class *c, const struct geo_lla *site, double azimuth_rad,
                          double range_m, double loft, double tol_frac, struct sim_launch_ctl *ctl,
                          double *apogee_m, size_t *n_flights, struct mw_errbuf *err);

#endif
