/*
 * cli/eval_meas.c - mwlink eval --meas-audit FILE: the observations'
 * statements against the simulator's draws, and the filter's innovation
 * covariance against its innovations (issue #4, docs/tracking.md
 * "Measurement statements against the draws (session 9, branch meas)").
 *
 * How it works: for every observation of a real object (truth_id != 0),
 * before the tracker sees it,
 *
 *   truth   e = z_obs - h(x_true) through track/meas.c's own h, prepared
 *           from the observation (its sensor position, frame, sigmas) and
 *           the truth at the observation's time tag; e_i^2 / R_ii must
 *           average 1 per component and e_i / sqrt(R_ii) 0 if the
 *           statement is the draw (sigma, sensor position, time tag,
 *           frame, sign of the range rate);
 *   filter  the track of the same object with the most updates (at least
 *           3) is predicted to the time tag with the tracker's IMM and
 *           its measurement prediction formed as the tracker forms it
 *           (track_imm_zpredict); the modes are moment-matched into one
 *           zhat, S (mode probabilities as weights). Per component:
 *             nu_i^2 / S_ii           nu = z_obs - zhat      (NIS part)
 *             p_i^2 / (S_ii - R_ii)   p  = zhat - h(x_true)  (prediction)
 *             R_eff,ii / R_ii         R_eff = S - H P H^T, the statement
 *                                     as the update uses it (the unscented
 *                                     prediction's nonlinearity residual
 *                                     counts as measurement noise; the
 *                                     linearised one has R_eff = R)
 *           and the whole NIS nu^T S^-1 nu over nz. The same p for the
 *           most probable mode alone, and for that mode's model predicted
 *           from its own posterior without the IMM (no mixing, no burnout
 *           terms): where the two differ, the IMM's terms make the
 *           difference, not the model's statement.
 *
 * A filter figure whose whole NIS is above its 1 - 1e-6 chi-square
 * quantile is counted as an outlier and left out of the filter means (a
 * track labelled with the object that has drifted onto another, or a
 * stage): the means are about the statistics of the tracks that follow
 * their object.
 *
 * Groups: sensor kind x the truth's flight phase (boost, midcourse,
 * terminal), and for the radars the true elevation and range bands over
 * all phases. Only means are printed, with their count: a mean of n
 * independent chi-square(1) terms has standard deviation sqrt(2 / n)
 * (the innovations of one track are close to independent; the truth
 * errors are independent draws).
 *
 * Invariants:
 *  1. Nothing here changes the tracker or the simulator: the audit reads
 *     the tracker's published tracks (track_tracker_get) and predicts
 *     copies.
 */
#include "cli/eval_meas.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mat/mat.h"
#include "track/imm.h"
#include "track/meas.h"
#include "track/stats.h"
#include "track/ukf.h"

enum { NCOMP = 6 }; /* radar r, az, el, rr; LOS x, y */
static const char *const comp_name[NCOMP] = {"range", "az", "el", "rdot", "los_x", "los_y"};

enum { G_PHASE = 0, N_PHASE = 3, G_EL = N_PHASE * 2, N_EL = 4, G_RG = G_EL + N_EL, N_RG = 4 };
#define NGROUP (G_RG + N_RG)

static const double el_edge_deg[N_EL - 1] = {3.0, 10.0, 30.0};
static const double rg_edge_km[N_RG - 1] = {300.0, 1000.0, 2000.0};

struct comp_acc {
	long n;         /* truth-based samples */
	double u, b;    /* sum e^2 / R, sum e / sqrt(R) */
	long nf;        /* filter samples */
	double nis;     /* sum nu^2 / S_ii */
	double pe;      /* sum p^2 / (S_ii - R_ii) */
	double reff;    /* sum R_eff,ii / R_ii */
	double pe_mode; /* sum p^2 / (S_ii - R_ii) of the most probable mode alone */
	double pe_own;  /* the same, that mode's model from its own posterior (unmixed) */
	long n_own;
};

struct group_acc {
	struct comp_acc c[NCOMP];
	long nf;         /* observations with a filter prediction */
	double nis_full; /* sum nu^T S^-1 nu / nz */
	double sig;      /* sum of the predicted sigma of range or LOS-x over sqrt(R) */
};

/* Per window of time since launch and sensor kind: all components pooled. */
#define WIN_S 20.0
#define N_WIN 250
struct win_acc {
	long n, nf, n_own;
	double u, nis, pe, pe_mode, pe_own;
};

struct meas_audit {
	struct group_acc g[NGROUP];
	struct win_acc w[N_WIN][2];
	long n_obs, n_skip, n_notrack, n_outlier;
};

struct meas_audit *meas_audit_new(void)
{
	return calloc(1, sizeof(struct meas_audit));
}

void meas_audit_free(struct meas_audit *a)
{
	free(a);
}

static int phase_ix(enum sim_phase p)
{
	return p == SIM_PHASE_BOOST ? 0 : (p == SIM_PHASE_MIDCOURSE ? 1 : 2);
}

static int band(double v, const double *edge, int nb)
{
	int i = 0;
	while (i < nb - 1 && v >= edge[i])
		i++;
	return i;
}

/* The moment-matched measurement prediction of an IMM: zhat, S (nz x nz)
 * and the diagonal of R_eff. 0 or -EDOM. */
static int mixture_pred(const struct track_imm *p, const struct track_meas *m,
                        double zhat[TRACK_NZ_MAX], double S[TRACK_NZ_MAX * TRACK_NZ_MAX],
                        double reff[TRACK_NZ_MAX], double zmode[TRACK_NZ_MAX],
                        double smode[TRACK_NZ_MAX], int *mode)
{
	struct track_zpred zp[TRACK_N_MODES];
	if (track_imm_zpredict(p, m, zp, NULL) < 0)
		return -EDOM;
	const int nz = m->nz;
	double w[TRACK_N_MODES] = {0}, ws = 0.0;
	for (int j = 0; j < TRACK_N_MODES; j++)
		if (zp[j].nz) {
			w[j] = p->mu[j];
			ws += w[j];
		}
	if (!(ws > 0.0))
		return -EDOM;
	int ref = -1;
	for (int j = 0; j < TRACK_N_MODES; j++)
		if (zp[j].nz && (ref < 0 || w[j] > w[ref]))
			ref = j;
	/* the mean as offsets from the dominant mode's zhat (angles wrap) */
	double dz[TRACK_N_MODES][TRACK_NZ_MAX];
	memset(zhat, 0, sizeof(double) * TRACK_NZ_MAX);
	for (int j = 0; j < TRACK_N_MODES; j++) {
		if (!zp[j].nz)
			continue;
		track_meas_residual(m, zp[j].zhat, zp[ref].zhat, dz[j]);
		for (int i = 0; i < nz; i++)
			zhat[i] += w[j] / ws * dz[j][i];
	}
	memset(S, 0, sizeof(double) * TRACK_NZ_MAX * TRACK_NZ_MAX);
	memset(reff, 0, sizeof(double) * TRACK_NZ_MAX);
	for (int j = 0; j < TRACK_N_MODES; j++) {
		if (!zp[j].nz)
			continue;
		double wj = w[j] / ws;
		for (int a = 0; a < nz; a++)
			for (int b = 0; b < nz; b++)
				S[a * nz + b] += wj * (zp[j].S[a * nz + b] +
				                       (dz[j][a] - zhat[a]) * (dz[j][b] - zhat[b]));
		/* R_eff = S - H P H^T, H P H^T = W^T W, W = Lp^-1 Pxz */
		for (int c = 0; c < nz; c++) {
			double r = m->r_var[c];
			if (!zp[j].lin) {
				double W[TRACK_NX], hph = 0.0;
				for (int i = 0; i < TRACK_NX; i++) {
					double v = zp[j].PxzT[c * TRACK_NX + i];
					for (int k = 0; k < i; k++)
						v -= zp[j].Lp[i * TRACK_NX + k] * W[k];
					W[i] = v / zp[j].Lp[i * TRACK_NX + i];
					hph += W[i] * W[i];
				}
				r = zp[j].S[c * nz + c] - hph;
			}
			reff[c] += wj * r;
		}
	}
	double z0[TRACK_NZ_MAX];
	for (int i = 0; i < nz; i++) {
		z0[i] = zp[ref].zhat[i] + zhat[i];
		zmode[i] = zp[ref].zhat[i];
		smode[i] = zp[ref].S[i * nz + i];
	}
	*mode = ref;
	memcpy(zhat, z0, sizeof(z0));
	return 0;
}

void meas_audit_obs(struct meas_audit *a, const struct sim *s, const struct track_tracker *tr,
                    const struct track_config *cfg, const struct mw_obs *o)
{
	if (!a || !o->truth_id)
		return;
	struct track_meas m;
	struct sim_truth tt;
	double x[TRACK_NX] = {0}, zt[TRACK_NZ_MAX], e[TRACK_NZ_MAX];
	if (track_meas_prepare(o, &m) < 0 || sim_truth_at(s, o->truth_id, o->t_ns, &tt) < 0) {
		a->n_skip++;
		return;
	}
	memcpy(x, tt.r_ecef_m, sizeof(tt.r_ecef_m));
	memcpy(x + 3, tt.v_ecef_m_s, sizeof(tt.v_ecef_m_s));
	if (track_meas_h(&m, x, zt) < 0) {
		a->n_skip++;
		return;
	}
	a->n_obs++;
	track_meas_residual(&m, m.z, zt, e);
	const int c0 = m.kind == MW_OBS_RADAR ? 0 : 4, ki = m.kind == MW_OBS_RADAR ? 0 : 1;
	struct win_acc *wa = NULL;
	for (size_t i = 0; i < sim_object_count(s); i++) {
		const struct sim_object_info *oi = sim_object(s, i);
		if (oi->id != o->truth_id)
			continue;
		double ts = (double)(o->t_ns - oi->launch_t_ns) * 1e-9;
		if (ts >= 0 && ts < WIN_S * N_WIN)
			wa = &a->w[(int)(ts / WIN_S)][ki];
	}
	if (wa) {
		wa->n += m.nz;
		for (int i = 0; i < m.nz; i++)
			wa->u += e[i] * e[i] / m.r_var[i];
	}
	int grp[3], ng = 0;
	grp[ng++] = G_PHASE + 2 * phase_ix(tt.phase) + (m.kind == MW_OBS_RADAR ? 0 : 1);
	if (m.kind == MW_OBS_RADAR) {
		grp[ng++] = G_EL + band(zt[2] * 180.0 / GEO_PI, el_edge_deg, N_EL);
		grp[ng++] = G_RG + band(zt[0] * 1e-3, rg_edge_km, N_RG);
	}
	for (int k = 0; k < ng; k++)
		for (int i = 0; i < m.nz; i++) {
			struct comp_acc *c = &a->g[grp[k]].c[c0 + i];
			c->n++;
			c->u += e[i] * e[i] / m.r_var[i];
			c->b += e[i] / sqrt(m.r_var[i]);
		}
	/* the filter: the object's track with the most updates */
	int best = -1;
	uint32_t best_n = 0;
	struct track_info info;
	for (size_t i = 0; i < track_tracker_count(tr); i++) {
		if (track_tracker_get(tr, i, &info) < 0 || info.truth_id != o->truth_id ||
		    info.n_updates < 3 || info.t_ns > o->t_ns)
			continue;
		if (info.n_updates > best_n) {
			best_n = info.n_updates;
			best = (int)i;
		}
	}
	if (best < 0 || track_tracker_get(tr, (size_t)best, &info) < 0) {
		a->n_notrack++;
		return;
	}
	struct track_imm p;
	double zh[TRACK_NZ_MAX], S[TRACK_NZ_MAX * TRACK_NZ_MAX], reff[TRACK_NZ_MAX];
	double zm[TRACK_NZ_MAX], sm[TRACK_NZ_MAX], pm[TRACK_NZ_MAX];
	int mode = 0;
	double nu[TRACK_NZ_MAX], pe[TRACK_NZ_MAX], d2 = NAN;
	if (track_imm_predict(&info.imm, (double)(o->t_ns - info.t_ns) * 1e-9, &cfg->imm, &p) < 0 ||
	    mixture_pred(&p, &m, zh, S, reff, zm, sm, &mode) < 0) {
		a->n_notrack++;
		return;
	}
	track_meas_residual(&m, m.z, zh, nu);
	track_meas_residual(&m, zh, zt, pe);
	track_meas_residual(&m, zm, zt, pm);
	/* The most probable mode's own model from its own posterior: no
	 * mixing, none of the IMM's terms (imm.h) - what its statement of the
	 * model alone gives. */
	struct track_gauss go;
	struct track_zpred zo;
	double po[TRACK_NZ_MAX];
	int own = info.imm.mu[mode] > 0.0 &&
	          track_ukf_predict(&info.imm.m[mode], (double)(o->t_ns - info.t_ns) * 1e-9,
	                            &cfg->imm.motion[mode], &go) == 0 &&
	          track_ukf_zpredict(&go, &m, &zo) == 0;
	if (own)
		track_meas_residual(&m, zo.zhat, zt, po);
	if (mat_spd_mahalanobis(S, nu, m.nz, &d2) < 0) {
		a->n_notrack++;
		return;
	}
	/* A gross outlier is a track of the object that the observation is
	 * not from in any useful sense (a stage, a track continued from
	 * another object's plots): counted, kept out of the means. */
	if (!(d2 <= track_chi2_quantile(1.0 - 1e-6, m.nz))) {
		a->n_outlier++;
		return;
	}
	for (int k = 0; k < ng; k++) {
		struct group_acc *g = &a->g[grp[k]];
		g->nf++;
		g->nis_full += d2 / m.nz;
		g->sig += sqrt(S[0] - m.r_var[0] > 0 ? S[0] - m.r_var[0] : 0) / sqrt(m.r_var[0]);
		for (int i = 0; i < m.nz; i++) {
			struct comp_acc *c = &g->c[c0 + i];
			double sii = S[i * m.nz + i], hph = sii - m.r_var[i];
			c->nf++;
			c->nis += nu[i] * nu[i] / sii;
			c->pe += hph > 0 ? pe[i] * pe[i] / hph : 0.0;
			c->reff += reff[i] / m.r_var[i];
			double hm = sm[i] - m.r_var[i];
			c->pe_mode += hm > 0 ? pm[i] * pm[i] / hm : 0.0;
			if (own) {
				double ho = zo.S[i * m.nz + i] - m.r_var[i];
				c->n_own++;
				c->pe_own += ho > 0 ? po[i] * po[i] / ho : 0.0;
			}
		}
	}
	if (wa) {
		wa->nf += m.nz;
		for (int i = 0; i < m.nz; i++) {
			double sii = S[i * m.nz + i], hph = sii - m.r_var[i],
			       hm = sm[i] - m.r_var[i];
			wa->nis += nu[i] * nu[i] / sii;
			wa->pe += hph > 0 ? pe[i] * pe[i] / hph : 0.0;
			wa->pe_mode += hm > 0 ? pm[i] * pm[i] / hm : 0.0;
			if (own) {
				double ho = zo.S[i * m.nz + i] - m.r_var[i];
				wa->n_own++;
				wa->pe_own += ho > 0 ? po[i] * po[i] / ho : 0.0;
			}
		}
	}
}

static void group_name(int g, char *buf, size_t n)
{
	static const char *const ph[N_PHASE] = {"boost", "midcourse", "terminal"};
	if (g < G_EL)
		snprintf(buf, n, "%s %s", g % 2 ? "space_ir" : "radar", ph[g / 2]);
	else if (g < G_RG) {
		int b = g - G_EL;
		if (b == 0)
			snprintf(buf, n, "radar el < %.0f deg", el_edge_deg[0]);
		else if (b == N_EL - 1)
			snprintf(buf, n, "radar el >= %.0f deg", el_edge_deg[b - 1]);
		else
			snprintf(buf, n, "radar el %.0f-%.0f deg", el_edge_deg[b - 1],
			         el_edge_deg[b]);
	} else {
		int b = g - G_RG;
		if (b == 0)
			snprintf(buf, n, "radar range < %.0f km", rg_edge_km[0]);
		else if (b == N_RG - 1)
			snprintf(buf, n, "radar range >= %.0f km", rg_edge_km[b - 1]);
		else
			snprintf(buf, n, "radar range %.0f-%.0f km", rg_edge_km[b - 1],
			         rg_edge_km[b]);
	}
}

int meas_audit_print(const struct meas_audit *a, FILE *f)
{
	fprintf(f,
	        "# mwlink eval --meas-audit: %ld observations of real objects (%ld skipped, %ld "
	        "without a track of >= 3 updates, %ld filter outliers: NIS above its 1 - 1e-6 "
	        "quantile, not in the filter means)\n"
	        "# truth:  e = z - h(x_true): e2/R (1 if the sigma is the draw's), e/sig (0 if "
	        "unbiased)\n"
	        "# filter: nu = z - zhat: nu2/S (NIS part), p = zhat - h(x_true): p2/(S-R), "
	        "R_eff/R as the update uses it\n"
	        "# p2/HPHm: the same for the most probable mode alone (its zhat, S); p2/HPHo: "
	        "that mode's model predicted from its own posterior (no mixing, no IMM terms)\n"
	        "# a mean of n chi2(1) terms has sd sqrt(2/n); NIS/nz is the whole innovation's, "
	        "psig the prediction's range (LOS-x) sigma over the measurement's\n",
	        a->n_obs, a->n_skip, a->n_notrack, a->n_outlier);
	fprintf(f, "%-24s %-6s %8s %7s %7s %8s %7s %7s %7s %7s %7s %7s %7s\n", "group", "comp", "n",
	        "e2/R", "e/sig", "n_filt", "nu2/S", "p2/HPH", "p2/HPHm", "p2/HPHo", "Reff/R",
	        "NIS/nz", "psig");
	for (int g = 0; g < NGROUP; g++) {
		const struct group_acc *ga = &a->g[g];
		char name[48];
		group_name(g, name, sizeof(name));
		for (int c = 0; c < NCOMP; c++) {
			const struct comp_acc *x = &ga->c[c];
			if (!x->n)
				continue;
			fprintf(f, "%-24s %-6s %8ld %7.3f %7.3f %8ld", name, comp_name[c], x->n,
			        x->u / (double)x->n, x->b / (double)x->n, x->nf);
			if (x->nf)
				fprintf(f, " %7.3f %7.3f %7.3f %7.3f %7.3f", x->nis / (double)x->nf,
				        x->pe / (double)x->nf, x->pe_mode / (double)x->nf,
				        x->n_own ? x->pe_own / (double)x->n_own : NAN,
				        x->reff / (double)x->nf);
			if (x->nf && (c == 0 || c == 4))
				fprintf(f, " %7.3f %7.2f", ga->nis_full / (double)ga->nf,
				        ga->sig / (double)ga->nf);
			fputc('\n', f);
		}
	}
	fprintf(f,
	        "\n# per %.0f s of time since launch, all components pooled (n: components)\n"
	        "%6s %-8s %8s %7s %8s %7s %7s %7s %7s\n",
	        WIN_S, "t_s", "kind", "n", "e2/R", "n_filt", "nu2/S", "p2/HPH", "p2/HPHm",
	        "p2/HPHo");
	for (int w = 0; w < N_WIN; w++)
		for (int k = 0; k < 2; k++) {
			const struct win_acc *x = &a->w[w][k];
			if (!x->n)
				continue;
			fprintf(f, "%6.0f %-8s %8ld %7.3f %8ld", w * WIN_S,
			        k ? "space_ir" : "radar", x->n, x->u / (double)x->n, x->nf);
			if (x->nf)
				fprintf(f, " %7.3f %7.3f %7.3f %7.3f", x->nis / (double)x->nf,
				        x->pe / (double)x->nf, x->pe_mode / (double)x->nf,
				        x->n_own ? x->pe_own / (double)x->n_own : NAN);
			fputc('\n', f);
		}
	return ferror(f) ? -EIO : 0;
}
