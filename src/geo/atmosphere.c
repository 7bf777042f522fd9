/*
 * geo/atmosphere.c - US Standard Atmosphere 1976 (NOAA-S/T 76-1562,
 * NASA-TM-X-74335) from -5 km to 1000 km geometric height.
 *
 * What it is for: drag on boosters and re-entry vehicles in the simulator
 * and the tracker's re-entry models, and the speed of sound for Mach.
 *
 * How it works:
 *  - Below 86 km (84.852 km geopotential) the 1976 model is defined by
 *    seven layers in geopotential height H with a linear molecular-scale
 *    temperature T_M(H) = T_b + L_b (H - H_b) and the hydrostatic equation:
 *        P = P_b (T_b / T_M)^(g0 M0 / (R* L_b))        if L_b != 0
 *        P = P_b exp(-g0 M0 (H - H_b) / (R* T_b))      if L_b == 0
 *    starting from P0 = 101325 Pa; the base pressures P_b are recomputed
 *    from P0 on every call (seven steps; no tables to drift out of sync).
 *    Density rho = P M0 / (R* T_M). The kinetic temperature is
 *    T = T_M (M / M0), where M / M0 = 1 below 80 km and follows the 1976
 *    report's table 8 from 80 to 86 km (0.999579 at 86 km, which gives the
 *    report's T = 186.8673 K there). Speed of sound c = sqrt(gamma R* T_M / M0).
 *  - Geometric height Z and geopotential height H: H = r0 Z / (r0 + Z),
 *    Z = r0 H / (r0 - H), r0 = 6356766 m (the report's effective radius).
 *  - Above 86 km the 1976 model integrates diffusion of N2, O, O2, Ar, He
 *    and H; mwlink does not re-implement that. Instead, density and
 *    pressure are an exponential fit to the report's Table I: between
 *    tabulated nodes (86, 90, 95, 100, 105, 110, 115, 120, 130, 140, 150,
 *    160, 180, 200, 250, 300, 350, 400, 450, 500, 600, 700, 800, 900,
 *    1000 km) log(rho) and log(P) follow a monotone piecewise cubic
 *    (Fritsch-Carlson/Butland slopes), i.e. rho is locally an exponential
 *    whose scale height varies smoothly; it passes exactly through every
 *    node. Fit error, checked in tests/unit/test_geo.c against Table I
 *    values that are NOT nodes (125..195 km, 550..950 km, taken to 3
 *    significant figures): at most 0.72 % in density and 0.48 % in
 *    pressure, about the rounding of those 3-figure values (plain
 *    log-linear interpolation between the same nodes was off by 4.3 % at
 *    125 km). Solar activity moves the real density at 400 km by a factor
 *    of ~10, so the fit is far below the model's own error. The kinetic
 *    temperature above 86 km uses the report's closed forms (isothermal
 *    86-91 km, elliptical 91-110 km, linear 110-120 km, exponential
 *    approach to T_inf = 1000 K above 120 km). There the speed of sound is
 *    c = sqrt(gamma P / rho) with gamma = 1.4, which accounts for the
 *    changing molecular weight only approximately (the 1976 report does
 *    not define it above 86 km).
 *  - Above 1000 km density and pressure are 0.
 *  - Speed (the tracker evaluates the density at every RK4 stage of every
 *    sigma point): the layer base temperatures and pressures below 86 km
 *    and the log-densities of the fit's nodes are tables holding the
 *    exact doubles of their definitions (geo_atmosphere_tables_ok()
 *    recomputes them; unit-tested), and geo_air_density computes only
 *    the density. The results are the same doubles as computing
 *    everything on every call.
 *
 * Invariants:
 *  1. geo_atmosphere fails (-EDOM, out untouched) only for h < -5 km or a
 *     non-finite h; geo_air_density never fails and never returns < 0.
 *  2. Density and pressure are continuous at every layer boundary,
 *     including 86 km (the first fit node is the hydrostatic value).
 */
#include "geo/geo.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>

/* US Standard Atmosphere 1976, section 1.2 and table 4 */
#define ATMO_R0_M   6356766.0 /* effective Earth radius for H */
#define ATMO_G0     9.80665   /* m/s^2 */
#define ATMO_RSTAR  8314.32   /* N m / (kmol K) */
#define ATMO_M0     28.9644   /* kg/kmol, sea-level mean molecular weight */
#define ATMO_P0_PA  101325.0
#define ATMO_GAMMA  1.4
#define ATMO_ZMIN_M (-5000.0)
#define ATMO_Z86_M  86000.0
#define ATMO_ZMAX_M 1000000.0

/* Table 4: layer base geopotential height (m'), lapse rate (K/m'). */
static const struct {
	double h_m;
	double lapse_k_m;
} layers[] = {
    {0.0, -0.0065}, {11000.0, 0.0},     {20000.0, 0.0010},  {32000.0, 0.0028},
    {47000.0, 0.0}, {51000.0, -0.0028}, {71000.0, -0.0020},
};
#define N_LAYERS   (sizeof(layers) / sizeof(layers[0]))
#define ATMO_TM0_K 288.15

/* Table 8: M/M0 from 80 to 86 km geometric, every 0.5 km. */
static const double m_ratio[] = {
    1.000000, 0.999996, 0.999989, 0.999971, 0.999941, 0.999909, 0.999870,
    0.999829, 0.999786, 0.999741, 0.999694, 0.999641, 0.999579,
};

/*
 * Table I (geometric height), nodes of the fit above 86 km. The 86 km
 * node is the hydrostatic value of the layers below (computed, not
 * listed here) so the two parts join continuously.
 */
static const struct {
	double z_km;
	double rho_kg_m3;
	double p_pa;
} upper[] = {
    {90, 3.416e-6, 1.8359e-1},   {95, 1.393e-6, 7.5966e-2},   {100, 5.604e-7, 3.2011e-2},
    {105, 2.325e-7, 1.4455e-2},  {110, 9.708e-8, 7.1042e-3},  {115, 4.289e-8, 4.0096e-3},
    {120, 2.222e-8, 2.5382e-3},  {130, 8.152e-9, 1.2505e-3},  {140, 3.831e-9, 7.2028e-4},
    {150, 2.076e-9, 4.5422e-4},  {160, 1.233e-9, 3.0395e-4},  {180, 5.194e-10, 1.5271e-4},
    {200, 2.541e-10, 8.4736e-5}, {250, 6.073e-11, 2.4767e-5}, {300, 1.916e-11, 8.7704e-6},
    {350, 7.014e-12, 3.4498e-6}, {400, 2.803e-12, 1.4518e-6}, {450, 1.184e-12, 6.4468e-7},
    {500, 5.215e-13, 3.0236e-7}, {600, 1.137e-13, 8.2130e-8}, {700, 3.070e-14, 3.1908e-8},
    {800, 1.136e-14, 1.7036e-8}, {900, 5.759e-15, 1.0873e-8}, {1000, 3.561e-15, 7.5138e-9},
};
#define N_UPPER (sizeof(upper) / sizeof(upper[0]))

/*
 * log(density) at the fit's nodes (86 km hydrostatic, then Table I), the
 * exact doubles geo_atmosphere computes from the lower layers and
 * upper[] with this libm (hexadecimal literals); geo_air_density reads
 * them instead of taking 4 logs per height. geo_atmosphere_tables_ok()
 * recomputes them (unit-tested).
 */
static const double upper_log_rho[N_UPPER + 1] = {
    -0x1.7c05462993bafp+3, /* log(rho(86 km)) */
    -0x1.92c908b399342p+3, /* log(3.416e-06) */
    -0x1.af7d583c5cd62p+3, /* log(1.393e-06) */
    -0x1.cca0afaf02786p+3, /* log(5.604e-07) */
    -0x1.e8c7af5d00631p+3, /* log(2.325e-07) */
    -0x1.025d1a9c5856bp+4, /* log(9.708e-08) */
    -0x1.0f6f1cddc5677p+4, /* log(4.289e-08) */
    -0x1.19f4d496aadb8p+4, /* log(2.222e-08) */
    -0x1.2a0002aa19f9fp+4, /* log(8.152e-09) */
    -0x1.36150da685382p+4, /* log(3.831e-09) */
    -0x1.3fe29a3c46d2fp+4, /* log(2.076e-09) */
    -0x1.483896b84ff18p+4, /* log(1.233e-09) */
    -0x1.560db56444593p+4, /* log(5.194e-10) */
    -0x1.617e21098e69ap+4, /* log(2.541e-10) */
    -0x1.7864b176f6123p+4, /* log(6.073e-11) */
    -0x1.8ad9e468b1be4p+4, /* log(1.916e-11) */
    -0x1.9aee07dc0c20bp+4, /* log(7.014e-12) */
    -0x1.a99af483cab31p+4, /* log(2.803e-12) */
    -0x1.b764daa558d83p+4, /* log(1.184e-12) */
    -0x1.c48358d01b1e7p+4, /* log(5.215e-13) */
    -0x1.dce22705434dep+4, /* log(1.137e-13) */
    -0x1.f1d50c5c19b4p+4,  /* log(3.07e-14) */
    -0x1.00de928fc6befp+5, /* log(1.136e-14) */
    -0x1.064dd9859c879p+5, /* log(5.759e-15) */
    -0x1.0a265e87dfdc2p+5, /* log(3.561e-15) */
};

double geo_geopotential_m(double z_m)
{
	return ATMO_R0_M * z_m / (ATMO_R0_M + z_m);
}

double geo_geometric_m(double h_m)
{
	return ATMO_R0_M * h_m / (ATMO_R0_M - h_m);
}

/*
 * The base molecular-scale temperature and pressure of each layer, as
 * the chain of lower_tm_p_chain below computes them from P0 (hexadecimal
 * literals: the exact doubles of that chain with this libm). With them a
 * height needs one pow() (or exp()) instead of one per layer crossed
 * (the filter evaluates the density at every RK4 stage of every sigma
 * point). geo_atmosphere_tables_ok() recomputes the chain and the unit
 * test checks the two agree (to 1e-14 relative; bit for bit here).
 */
static const struct {
	double tm_k, p_pa;
} layer_base[] = {
    {0x1.2026666666666p+8, 0x1.8bcdp+16},          /* 288.15 K, 101325 Pa */
    {0x1.b14ccccccccccp+7, 0x1.61a04182426c1p+14}, /* 216.65 K, 22632.063973462911 Pa */
    {0x1.b14ccccccccccp+7, 0x1.562e37fdb22fcp+12}, /* 216.65 K, 5474.8886696777736 Pa */
    {0x1.c94ccccccccccp+7, 0x1.b202644316519p+9},  /* 228.65 K, 868.01868475522781 Pa */
    {0x1.0ea6666666666p+8, 0x1.bba00e903b0bfp+6},  /* 270.65 K, 110.9063055549659 Pa */
    {0x1.0ea6666666666p+8, 0x1.0bc167f46f6bep+6},  /* 270.65 K, 66.938873118687269 Pa */
    {0x1.ad4ccccccccccp+7, 0x1.fa6bfc0dd4a36p+1},  /* 214.65 K, 3.9564204280407251 Pa */
};

/* Molecular-scale temperature and pressure at geopotential height H
 * from the tabulated layer bases (same arithmetic as the chain's last
 * step). */
static void lower_tm_p(double H, double *tm_k, double *p_pa)
{
	const double gmr = ATMO_G0 * ATMO_M0 / ATMO_RSTAR; /* K/m' */
	size_t i = 0;
	while (i + 1 < N_LAYERS && !(H < layers[i + 1].h_m))
		i++;
	double L = layers[i].lapse_k_m, tb = layer_base[i].tm_k, pb = layer_base[i].p_pa;
	double dh = H - layers[i].h_m;
	double t = tb + L * dh;
	*tm_k = t;
	*p_pa = (L != 0.0) ? pb * pow(tb / t, gmr / L) : pb * exp(-gmr * dh / tb);
}

/* The same by the chain from P0 through every layer below H (the
 * definition; the reference for the table). */
static void lower_tm_p_chain(double H, double *tm_k, double *p_pa)
{
	const double gmr = ATMO_G0 * ATMO_M0 / ATMO_RSTAR; /* K/m' */
	double tb = ATMO_TM0_K, pb = ATMO_P0_PA;
	size_t i = 0;

	for (;;) {
		double L = layers[i].lapse_k_m;
		double top = (i + 1 < N_LAYERS) ? layers[i + 1].h_m : INFINITY;
		double hh = (H < top) ? H : top;
		double dh = hh - layers[i].h_m;
		double t = tb + L * dh;
		double p = (L != 0.0) ? pb * pow(tb / t, gmr / L) : pb * exp(-gmr * dh / tb);
		if (H < top || i + 1 == N_LAYERS) {
			*tm_k = t;
			*p_pa = p;
			return;
		}
		tb = t;
		pb = p;
		i++;
	}
}

static double mol_ratio(double z_m)
{
	if (z_m <= 80000.0)
		return 1.0;
	double x = (z_m - 80000.0) / 500.0;
	size_t n = sizeof(m_ratio) / sizeof(m_ratio[0]);
	if (x >= (double)(n - 1))
		return m_ratio[n - 1];
	size_t k = (size_t)x;
	double f = x - (double)k;
	return m_ratio[k] + f * (m_ratio[k + 1] - m_ratio[k]);
}

/* Kinetic temperature above 86 km, US Standard Atmosphere 1976 eqs. 25-31. */
static double upper_t(double z_m)
{
	double z = z_m / 1000.0;
	if (z < 91.0)
		return 186.8673;
	if (z < 110.0) {
		const double tc = 263.1905, A = -76.3232, a = -19.9429;
		double u = (z - 91.0) / a;
		return tc + A * sqrt(1.0 - u * u);
	}
	if (z < 120.0)
		return 240.0 + 12.0 * (z - 110.0);
	const double r0 = ATMO_R0_M / 1000.0, tinf = 1000.0, t10 = 360.0, lambda = 0.01875;
	double xi = (z - 120.0) * (r0 + 120.0) / (r0 + z);
	return tinf - (tinf - t10) * exp(-lambda * xi);
}

/* Slope at node i of a monotone piecewise-cubic (Fritsch-Butland weighted
 * harmonic mean of the neighbouring secants; one-sided at the ends). */
static double node_slope(const double *x, const double *y, size_t n, size_t i)
{
	if (i == 0)
		return (y[1] - y[0]) / (x[1] - x[0]);
	if (i == n - 1)
		return (y[n - 1] - y[n - 2]) / (x[n - 1] - x[n - 2]);
	double h0 = x[i] - x[i - 1], h1 = x[i + 1] - x[i];
	double d0 = (y[i] - y[i - 1]) / h0, d1 = (y[i + 1] - y[i]) / h1;
	if (d0 * d1 <= 0.0)
		return 0.0;
	double w1 = 2.0 * h1 + h0, w2 = h1 + 2.0 * h0;
	return (w1 + w2) / (w1 / d0 + w2 / d1);
}

/* Monotone cubic Hermite interpolation of (x, y) at xq, x[0] <= xq <= x[n-1]. */
static double pchip(const double *x, const double *y, size_t n, double xq)
{
	size_t k = 0;
	while (k + 2 < n && xq > x[k + 1])
		k++;
	double h = x[k + 1] - x[k], t = (xq - x[k]) / h;
	double m0 = node_slope(x, y, n, k) * h, m1 = node_slope(x, y, n, k + 1) * h;
	double t2 = t * t, t3 = t2 * t;
	return (2 * t3 - 3 * t2 + 1) * y[k] + (t3 - 2 * t2 + t) * m0 +
	       (-2 * t3 + 3 * t2) * y[k + 1] + (t3 - t2) * m1;
}

int geo_atmosphere(double h_m, struct geo_atmo *out)
{
	if (!isfinite(h_m) || h_m < ATMO_ZMIN_M)
		return -EDOM;
	struct geo_atmo a;

	if (h_m <= ATMO_Z86_M) {
		double tm, p;
		lower_tm_p(geo_geopotential_m(h_m), &tm, &p);
		a.pressure_pa = p;
		a.density_kg_m3 = p * ATMO_M0 / (ATMO_RSTAR * tm);
		a.temperature_k = tm * mol_ratio(h_m);
		a.speed_of_sound_m_s = sqrt(ATMO_GAMMA * ATMO_RSTAR * tm / ATMO_M0);
	} else if (h_m <= ATMO_ZMAX_M) {
		double tm86, p86, z[N_UPPER + 1], lr[N_UPPER + 1], lp[N_UPPER + 1];
		lower_tm_p(geo_geopotential_m(ATMO_Z86_M), &tm86, &p86);
		z[0] = ATMO_Z86_M;
		lr[0] = log(p86 * ATMO_M0 / (ATMO_RSTAR * tm86));
		lp[0] = log(p86);
		for (size_t i = 0; i < N_UPPER; i++) {
			z[i + 1] = upper[i].z_km * 1000.0;
			lr[i + 1] = log(upper[i].rho_kg_m3);
			lp[i + 1] = log(upper[i].p_pa);
		}
		a.density_kg_m3 = exp(pchip(z, lr, N_UPPER + 1, h_m));
		a.pressure_pa = exp(pchip(z, lp, N_UPPER + 1, h_m));
		a.temperature_k = upper_t(h_m);
		a.speed_of_sound_m_s = sqrt(ATMO_GAMMA * a.pressure_pa / a.density_kg_m3);
	} else {
		a.density_kg_m3 = 0.0;
		a.pressure_pa = 0.0;
		a.temperature_k = upper_t(ATMO_ZMAX_M);
		a.speed_of_sound_m_s = 0.0;
	}
	*out = a;
	return 0;
}

/*
 * Density only, with the values of geo_atmosphere (the same doubles):
 * above 86 km the cubic reads the tabulated log-densities
 * (upper_log_rho) instead of taking 50 logs for density and pressure,
 * and skips the temperature and the speed of sound; below, one pow()
 * from the tabulated layer bases. The filter evaluates it at every RK4
 * stage of every sigma point below the drag ceiling. The unit test
 * checks it against geo_atmosphere bit for bit.
 */
double geo_air_density(double h_m)
{
	if (!isfinite(h_m) || h_m < ATMO_ZMIN_M || h_m > ATMO_ZMAX_M)
		return 0.0;
	if (h_m <= ATMO_Z86_M) {
		double tm, p;
		lower_tm_p(geo_geopotential_m(h_m), &tm, &p);
		return p * ATMO_M0 / (ATMO_RSTAR * tm);
	}
	double z[N_UPPER + 1];
	z[0] = ATMO_Z86_M;
	for (size_t i = 0; i < N_UPPER; i++)
		z[i + 1] = upper[i].z_km * 1000.0;
	return exp(pchip(z, upper_log_rho, N_UPPER + 1, h_m));
}

int geo_atmosphere_tables_ok(double *max_rel)
{
	double worst = 0.0;
	for (size_t i = 0; i < N_LAYERS; i++) {
		double tm, p;
		/* Just above the base: the chain has crossed layers 0..i-1. */
		lower_tm_p_chain(layers[i].h_m, &tm, &p);
		double e1 = fabs(tm - layer_base[i].tm_k) / layer_base[i].tm_k;
		double e2 = fabs(p - layer_base[i].p_pa) / layer_base[i].p_pa;
		worst = fmax(worst, fmax(e1, e2));
	}
	for (double H = -5000.0; H <= 84852.0; H += 7.3) {
		double t1, p1, t2, p2;
		lower_tm_p(H, &t1, &p1);
		lower_tm_p_chain(H, &t2, &p2);
		worst = fmax(worst, fmax(fabs(t1 - t2) / t2, fabs(p1 - p2) / p2));
	}
	{
		double tm86, p86;
		lower_tm_p_chain(geo_geopotential_m(ATMO_Z86_M), &tm86, &p86);
		double l0 = log(p86 * ATMO_M0 / (ATMO_RSTAR * tm86));
		worst = fmax(worst, fabs(l0 - upper_log_rho[0]) / fabs(l0));
		for (size_t i = 0; i < N_UPPER; i++) {
			double l = log(upper[i].rho_kg_m3);
			worst = fmax(worst, fabs(l - upper_log_rho[i + 1]) / fabs(l));
		}
	}
	if (max_rel)
		*max_rel = worst;
	return worst <= 1e-14 ? 0 : -EDOM;
}
