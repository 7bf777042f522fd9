/*
 * sim/scenario.c - scenario files (format: docs/scenario-format.md).
 *
 * The parser walks the JSON document (jansson) with the JSON path of the
 * current value in hand, so that every error names it:
 *   "irbm.json: $.nations[1].sensors[0].max_range_km: expected a number
 *    in [1, 6000], got string"
 * Unknown keys are errors too (a typo must not silently fall back to a
 * default). Degrees and kilometres at the edges, converted to radians and
 * metres here. Launches aimed at a target point get their azimuth and
 * range from the geodesic (geo_inverse); the flights themselves are
 * solved when a run is created (sim_new), whose errors name the launch's
 * path as well.
 *
 * Invariants:
 *  1. A scenario that parses is complete: every field the run needs is
 *     set and within its documented range.
 *  2. On failure nothing is allocated and *out is untouched.
 *  3. Nation codes, (nation, sensor id) pairs and launch ids are unique.
 */
#include "sim/scenario_impl.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pctx {
	const char *name;
	struct mw_errbuf *err;
};

#define PATH_MAX_LEN 160

/* snprintf for JSON paths: truncation is harmless (paths are for messages). */
__attribute__((format(printf, 3, 4))) static void path_fmt(char *dst, size_t cap, const char *fmt,
                                                           ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 4, 5))) static int fail(struct pctx *p, const char *path,
                                                      const char *key, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mw_errbuf_set(p->err, "%s: %s%s%s: %s", p->name, path, key ? "." : "", key ? key : "", msg);
	return -MW_EJSON;
}

static const char *jtype(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "?";
}

/* Every key of obj must be in allowed (NULL-terminated). */
static int check_keys(struct pctx *p, const json_t *obj, const char *path,
                      const char *const *allowed)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v)
	{
		bool ok = false;
		for (size_t i = 0; allowed[i]; i++)
			if (strcmp(key, allowed[i]) == 0)
				ok = true;
		if (!ok) {
			char list[300] = "";
			size_t n = 0;
			for (size_t i = 0; allowed[i] && n < sizeof(list) - 1; i++)
				n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
				                      i ? ", " : "", allowed[i]);
			return fail(p, path, key, "unknown key (expected one of: %s)", list);
		}
	}
	return 0;
}

/* Number in [lo, hi]; missing: default if !required. */
static int get_num(struct pctx *p, const json_t *obj, const char *path, const char *key,
                   bool required, double lo, double hi, double dflt, double *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		if (required)
			return fail(p, path, key, "missing (expected a number in [%g, %g])", lo,
			            hi);
		*out = dflt;
		return 0;
	}
	if (!json_is_number(v))
		return fail(p, path, key, "expected a number in [%g, %g], got %s", lo, hi,
		            jtype(v));
	double x = json_number_value(v);
	if (!(x >= lo && x <= hi))
		return fail(p, path, key, "expected a number in [%g, %g], got %g", lo, hi, x);
	*out = x;
	return 0;
}

static int get_str(struct pctx *p, const json_t *obj, const char *path, const char *key,
                   bool required, char *out, size_t cap)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		if (required)
			return fail(p, path, key, "missing (expected a string)");
		return 0;
	}
	if (!json_is_string(v))
		return fail(p, path, key, "expected a string, got %s", jtype(v));
	const char *s = json_string_value(v);
	if (strlen(s) >= cap)
		return fail(p, path, key, "expected a string of at most %zu bytes, got %zu",
		            cap - 1, strlen(s));
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int get_bool(struct pctx *p, const json_t *obj, const char *path, const char *key, bool dflt,
                    bool *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		*out = dflt;
		return 0;
	}
	if (!json_is_boolean(v))
		return fail(p, path, key, "expected true or false, got %s", jtype(v));
	*out = json_is_true(v);
	return 0;
}

/* A key of obj (at path) that is one of two strings: *second is false for
 * `first` (also when the key is absent), true for `second`, else an error
 * naming both. */
static int get_choice(struct pctx *p, const json_t *obj, const char *path, const char *key,
                      const char *first, const char *second, bool *is_second)
{
	*is_second = false;
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	const char *g = json_is_string(v) ? json_string_value(v) : NULL;
	if (g && strcmp(g, second) == 0)
		*is_second = true;
	else if (!g || strcmp(g, first) != 0)
		return fail(p, path, key, "expected \"%s\" or \"%s\"", first, second);
	return 0;
}

static int get_time(struct pctx *p, const json_t *obj, const char *path, const char *key,
                    mw_time_ns *out)
{
	json_t *v = json_object_get(obj, key);
	if (json_is_string(v) && mw_time_parse(json_string_value(v), out) == -ERANGE)
		return fail(p, path, key, "expected a time between 1678 and 2261, got \"%s\"",
		            json_string_value(v));
	if (!json_is_string(v) || mw_time_parse(json_string_value(v), out) < 0)
		return fail(p, path, key,
		            "expected an RFC 3339 time like \"2026-11-30T03:00:00+00:00\"%s%s",
		            v ? ", got " : " (missing)", v ? jtype(v) : "");
	return 0;
}

/* {"lat_deg": .., "lon_deg": .., "height_m": ..} (height optional). */
static int get_point(struct pctx *p, const json_t *obj, const char *path, const char *key,
                     struct geo_lla *out)
{
	char sub[PATH_MAX_LEN];
	path_fmt(sub, sizeof(sub), "%s.%s", path, key);
	json_t *v = json_object_get(obj, key);
	if (!json_is_object(v))
		return fail(p, path, key, "expected an object {\"lat_deg\", \"lon_deg\"}%s%s",
		            v ? ", got " : " (missing)", v ? jtype(v) : "");
	static const char *const keys[] = {"lat_deg", "lon_deg", "height_m", "name", NULL};
	int rc = check_keys(p, v, sub, keys);
	double lat, lon, h;
	if (rc == 0)
		rc = get_num(p, v, sub, "lat_deg", true, -90, 90, 0, &lat);
	if (rc == 0)
		rc = get_num(p, v, sub, "lon_deg", true, -180, 180, 0, &lon);
	if (rc == 0)
		rc = get_num(p, v, sub, "height_m", false, -500, 9000, 0, &h);
	if (rc == 0) {
		json_t *nm = json_object_get(v, "name");
		if (nm && !json_is_string(nm))
			rc = fail(p, sub, "name", "expected a string, got %s", jtype(nm));
	}
	if (rc < 0)
		return rc;
	out->lat_rad = geo_rad(lat);
	out->lon_rad = geo_rad(lon);
	out->h_m = h;
	return 0;
}

static int parse_nation_code(struct pctx *p, const json_t *obj, const char *path, const char *key,
                             bool required, char code[MW_NATION_LEN])
{
	char tmp[8] = "";
	int rc = get_str(p, obj, path, key, required, tmp, sizeof(tmp));
	if (rc < 0)
		return rc;
	if (!tmp[0] && !required) {
		code[0] = '\0';
		return 0;
	}
	if (strlen(tmp) != 3 || tmp[0] < 'A' || tmp[0] > 'Z' || tmp[1] < 'A' || tmp[1] > 'Z' ||
	    tmp[2] < 'A' || tmp[2] > 'Z')
		return fail(p, path, key,
		            "expected an ISO 3166-1 alpha-3 code in capitals like \"KOR\", got "
		            "\"%s\"",
		            tmp);
	memcpy(code, tmp, MW_NATION_LEN);
	return 0;
}

/* A space IR sensor's "orbit": a circular orbit instead of a fixed
 * position and aim (the boresight is then the nadir). */
static int parse_orbit(struct pctx *p, const json_t *o, const char *path, struct sim_sensor *s)
{
	static const char *const fixed[] = {"lat_deg", "lon_deg", "height_m", "aim"};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (json_object_get(o, fixed[i]))
			return fail(p, path, fixed[i],
			            "expected either \"orbit\" or a fixed position and aim, not "
			            "both");
	char sub[PATH_MAX_LEN];
	path_fmt(sub, sizeof(sub), "%s.orbit", path);
	json_t *ob = json_object_get(o, "orbit");
	if (!json_is_object(ob))
		return fail(p, path, "orbit", "expected an object, got %s", jtype(ob));
	static const char *const keys[] = {"alt_km", "inclination_deg", "node_lon_deg",
	                                   "arg_lat_deg", NULL};
	double alt, inc, node, u;
	int rc = check_keys(p, ob, sub, keys);
	if (rc == 0)
		rc = get_num(p, ob, sub, "alt_km", true, 150, 100000, 0, &alt);
	if (rc == 0)
		rc = get_num(p, ob, sub, "inclination_deg", true, 0, 180, 0, &inc);
	if (rc == 0)
		rc = get_num(p, ob, sub, "node_lon_deg", true, -360, 360, 0, &node);
	if (rc == 0)
		rc = get_num(p, ob, sub, "arg_lat_deg", false, -360, 360, 0, &u);
	if (rc < 0)
		return rc;
	s->orbit_radius_m = GEO_WGS84_A_M + alt * 1e3;
	s->orbit_incl_rad = geo_rad(inc);
	s->orbit_node_lon_rad = geo_rad(node);
	s->orbit_arg_lat_rad = geo_rad(u);
	return 0;
}

static int parse_sensor(struct pctx *p, const json_t *o, const char *path, const char *nation,
                        struct sim_sensor *s)
{
	if (!json_is_object(o))
		return fail(p, path, NULL, "expected a sensor object, got %s", jtype(o));
	memset(s, 0, sizeof(*s));
	memcpy(s->nation, nation, MW_NATION_LEN);
	char type[16] = "";
	int rc = get_str(p, o, path, "type", true, type, sizeof(type));
	if (rc < 0)
		return rc;
	static const char *const radar_keys[] = {"id",
	                                         "name",
	                                         "type",
	                                         "lat_deg",
	                                         "lon_deg",
	                                         "height_m",
	                                         "update_s",
	                                         "phase_s",
	                                         "pd",
	                                         "false_alarms_per_scan",
	                                         "boresight_az_deg",
	                                         "half_width_az_deg",
	                                         "min_el_deg",
	                                         "max_el_deg",
	                                         "min_range_km",
	                                         "max_range_km",
	                                         "sigma_range_m",
	                                         "sigma_az_deg",
	                                         "sigma_el_deg",
	                                         "sigma_range_rate_m_s",
	                                         "clearance_m",
	                                         "platform",
	                                         "course_deg",
	                                         "speed_kn",
	                                         "note",
	                                         NULL};
	static const char *const ir_keys[] = {"id",
	                                      "name",
	                                      "type",
	                                      "lat_deg",
	                                      "lon_deg",
	                                      "height_m",
	                                      "update_s",
	                                      "phase_s",
	                                      "pd",
	                                      "false_alarms_per_scan",
	                                      "aim",
	                                      "fov_half_deg",
	                                      "sigma_los_urad",
	                                      "cloud_top_km",
	                                      "note",
	                                      "sees",
	                                      "orbit",
	                                      NULL};
	if (strcmp(type, "radar") == 0)
		s->kind = SIM_SENSOR_RADAR;
	else if (strcmp(type, "space_ir") == 0)
		s->kind = SIM_SENSOR_SPACE_IR;
	else
		return fail(p, path, "type", "expected \"radar\" or \"space_ir\", got \"%s\"",
		            type);
	rc = check_keys(p, o, path, s->kind == SIM_SENSOR_RADAR ? radar_keys : ir_keys);
	double id, lat = 0, lon = 0;
	if (rc == 0)
		rc = get_num(p, o, path, "id", true, 1, 4294967295.0, 0, &id);
	if (rc == 0 && floor(id) != id)
		rc = fail(p, path, "id", "expected an integer, got %g", id);
	if (rc == 0)
		rc = get_str(p, o, path, "name", true, s->name, sizeof(s->name));
	s->orbiting = s->kind == SIM_SENSOR_SPACE_IR && json_object_get(o, "orbit");
	if (rc == 0 && s->orbiting)
		rc = parse_orbit(p, o, path, s);
	if (rc == 0 && !s->orbiting)
		rc = get_num(p, o, path, "lat_deg", true, -90, 90, 0, &lat);
	if (rc == 0 && !s->orbiting)
		rc = get_num(p, o, path, "lon_deg", true, -180, 180, 0, &lon);
	double hmax = s->kind == SIM_SENSOR_RADAR ? 10000 : 1e8;
	if (rc == 0 && !s->orbiting)
		rc = get_num(p, o, path, "height_m", s->kind == SIM_SENSOR_SPACE_IR, -500, hmax, 0,
		             &s->lla.h_m);
	if (rc == 0)
		rc = get_num(p, o, path, "update_s", true, 0.05, 3600, 0, &s->update_s);
	if (rc == 0)
		rc = get_num(p, o, path, "phase_s", false, 0, 3600, 0, &s->phase_s);
	if (rc == 0)
		rc = get_num(p, o, path, "pd", true, 0, 1, 0, &s->pd);
	if (rc == 0)
		rc = get_num(p, o, path, "false_alarms_per_scan", false, 0, 1000, 0,
		             &s->fa_per_scan);
	if (rc < 0)
		return rc;
	s->id = (uint32_t)id;
	if (!s->orbiting) {
		s->lla.lat_rad = geo_rad(lat);
		s->lla.lon_rad = geo_rad(lon);
	}
	if (s->kind == SIM_SENSOR_RADAR) {
		double baz, hw, minel, maxel, minr, maxr, sr, saz, sel, srr;
		rc = get_num(p, o, path, "boresight_az_deg", false, 0, 360, 0, &baz);
		if (rc == 0)
			rc = get_num(p, o, path, "half_width_az_deg", false, 0.1, 180, 180, &hw);
		if (rc == 0)
			rc = get_num(p, o, path, "min_el_deg", false, -10, 89, 0, &minel);
		if (rc == 0)
			rc = get_num(p, o, path, "max_el_deg", false, minel + 0.1, 90, 90, &maxel);
		if (rc == 0)
			rc = get_num(p, o, path, "min_range_km", false, 0, 1e5, 0, &minr);
		if (rc == 0)
			rc = get_num(p, o, path, "max_range_km", true, minr + 0.001, 1e5, 0, &maxr);
		if (rc == 0)
			rc = get_num(p, o, path, "sigma_range_m", true, 0, 1e5, 0, &sr);
		if (rc == 0)
			rc = get_num(p, o, path, "sigma_az_deg", true, 0, 10, 0, &saz);
		if (rc == 0)
			rc = get_num(p, o, path, "sigma_el_deg", true, 0, 10, 0, &sel);
		if (rc == 0)
			rc = get_num(p, o, path, "sigma_range_rate_m_s", false, 0, 1e4, 0, &srr);
		if (rc == 0)
			rc = get_num(p, o, path, "clearance_m", false, 0, 1e5, 0, &s->clearance_m);
		bool ship = false;
		if (rc == 0) {
			json_t *pl = json_object_get(o, "platform");
			if (pl &&
			    (!json_is_string(pl) || (strcmp(json_string_value(pl), "ground") != 0 &&
			                             strcmp(json_string_value(pl), "ship") != 0)))
				rc = fail(p, path, "platform", "expected \"ground\" or \"ship\"");
			ship =
			    pl && json_is_string(pl) && strcmp(json_string_value(pl), "ship") == 0;
		}
		/* a ship under way: both keys, or neither (stationary) */
		bool has_c = json_object_get(o, "course_deg") != NULL,
		     has_v = json_object_get(o, "speed_kn") != NULL;
		double course = 0, speed = 0;
		if (rc == 0 && (has_c || has_v) && !ship)
			rc = fail(p, path, has_c ? "course_deg" : "speed_kn",
			          "expected \"platform\": \"ship\" for a radar that moves");
		if (rc == 0 && has_c != has_v)
			rc = fail(p, path, has_c ? "speed_kn" : "course_deg",
			          "expected both \"course_deg\" and \"speed_kn\" for a ship under "
			          "way (missing)");
		if (rc == 0 && has_c)
			rc = get_num(p, o, path, "course_deg", true, 0, 360, 0, &course);
		if (rc == 0 && has_v)
			rc = get_num(p, o, path, "speed_kn", true, 0, 60, 0, &speed);
		if (rc < 0)
			return rc;
		s->moving = has_c && speed > 0;
		s->course_rad = geo_rad(course);
		s->speed_m_s = speed * SIM_KNOT_M_S;
		s->boresight_az_rad = geo_rad(baz);
		s->half_width_az_rad = geo_rad(hw);
		s->min_el_rad = geo_rad(minel);
		s->max_el_rad = geo_rad(maxel);
		s->min_range_m = minr * 1e3;
		s->max_range_m = maxr * 1e3;
		s->sigma_range_m = sr;
		s->sigma_az_rad = geo_rad(saz);
		s->sigma_el_rad = geo_rad(sel);
		s->sigma_range_rate_m_s = srr;
	} else {
		double fov, slos, ct;
		struct geo_lla aim = {s->lla.lat_rad, s->lla.lon_rad, 0};
		if (json_object_get(o, "aim"))
			rc = get_point(p, o, path, "aim", &aim);
		if (rc == 0)
			rc = get_num(p, o, path, "fov_half_deg", true, 0.1, 90, 0, &fov);
		if (rc == 0)
			rc = get_num(p, o, path, "sigma_los_urad", true, 0, 1e5, 0, &slos);
		if (rc == 0)
			rc = get_num(p, o, path, "cloud_top_km", false, 0, 100, 10, &ct);
		bool all = false;
		if (rc == 0)
			rc = get_choice(p, o, path, "sees", "plumes", "all", &all);
		s->plumes_only = !all;
		if (rc < 0)
			return rc;
		geo_lla_to_ecef(&aim, s->aim_ecef_m);
		s->fov_half_rad = geo_rad(fov);
		s->sigma_los_rad = slos * 1e-6;
		s->cloud_top_m = ct * 1e3;
		if (!s->orbiting && s->lla.h_m < 100000)
			return fail(p, path, "height_m",
			            "expected a space sensor's height (>= 100000 m), got %g",
			            s->lla.h_m);
	}
	if (sim_sensor_prepare(s) < 0)
		return fail(p, path, NULL,
		            "sensor geometry is degenerate (aim point at the sensor)");
	return 0;
}

static int parse_aim(struct pctx *p, const json_t *lo, const char *path, struct sim_launch_spec *L)
{
	char sub[PATH_MAX_LEN];
	path_fmt(sub, sizeof(sub), "%s.aim", path);
	json_t *a = json_object_get(lo, "aim");
	if (!json_is_object(a))
		return fail(p, path, "aim", "expected an object%s%s", a ? ", got " : " (missing)",
		            a ? jtype(a) : "");
	static const char *const keys[] = {"azimuth_deg", "range_km", "target", "apogee_km",
	                                   "shape",       "loft",     NULL};
	int rc = check_keys(p, a, sub, keys);
	if (rc < 0)
		return rc;
	bool has_t = json_object_get(a, "target") != NULL;
	bool has_az = json_object_get(a, "azimuth_deg") != NULL;
	bool has_r = json_object_get(a, "range_km") != NULL;
	if (has_t && (has_az || has_r))
		return fail(
		    p, sub, NULL,
		    "expected either \"target\" or \"azimuth_deg\" + \"range_km\", not both");
	if (has_t) {
		rc = get_point(p, a, sub, "target", &L->target);
		if (rc < 0)
			return rc;
		double d, az1, az2;
		if (geo_inverse(&L->site, &L->target, &d, &az1, &az2) < 0 || !(d > 1000))
			return fail(p, sub, "target",
			            "expected a target point at least 1 km from the launch site "
			            "and not antipodal to it");
		L->has_target = true;
		L->azimuth_rad = az1;
		L->range_m = d;
	} else {
		double az, rg;
		rc = get_num(p, a, sub, "azimuth_deg", true, 0, 360, 0, &az);
		if (rc == 0)
			rc = get_num(p, a, sub, "range_km", true, 1, 19000, 0, &rg);
		if (rc < 0)
			return rc;
		L->azimuth_rad = geo_rad(az);
		L->range_m = rg * 1e3;
	}
	bool has_ap = json_object_get(a, "apogee_km") != NULL;
	bool has_shape = json_object_get(a, "shape") != NULL;
	bool has_loft = json_object_get(a, "loft") != NULL;
	if (has_ap + has_shape + has_loft > 1)
		return fail(p, sub, NULL,
		            "expected at most one of \"apogee_km\", \"shape\" and \"loft\"");
	if (has_ap) {
		double ap;
		rc = get_num(p, a, sub, "apogee_km", true, 1, 20000, 0, &ap);
		if (rc < 0)
			return rc;
		L->has_apogee = true;
		L->apogee_m = ap * 1e3;
	} else if (has_loft) {
		rc = get_num(p, a, sub, "loft", true, -1, 1, 0, &L->loft);
		if (rc < 0)
			return rc;
	} else if (has_shape) {
		char shape[32] = "";
		rc = get_str(p, a, sub, "shape", true, shape, sizeof(shape));
		if (rc < 0)
			return rc;
		if (strcmp(shape, "minimum_energy") == 0)
			L->loft = 0;
		else if (strcmp(shape, "lofted") == 0)
			L->loft = 0.5;
		else if (strcmp(shape, "depressed") == 0)
			L->loft = -0.5;
		else
			return fail(p, sub, "shape",
			            "expected \"minimum_energy\", \"lofted\" or \"depressed\", got "
			            "\"%s\"",
			            shape);
	}
	return 0;
}

static int parse_launch(struct pctx *p, const json_t *o, const char *path, size_t idx,
                        const struct sim_scenario *sc, struct sim_launch_spec *L)
{
	if (!json_is_object(o))
		return fail(p, path, NULL, "expected a launch object, got %s", jtype(o));
	memset(L, 0, sizeof(*L));
	path_fmt(L->path, sizeof(L->path), "$.launches[%zu]", idx);
	static const char *const keys[] = {"id",   "name", "nation", "class",      "time", "t_s",
	                                   "site", "aim",  "note",   "beta_kg_m2", NULL};
	int rc = check_keys(p, o, path, keys);
	double id;
	if (rc == 0)
		rc = get_num(p, o, path, "id", false, 1, 4294967295.0, (double)(idx + 1), &id);
	if (rc == 0 && floor(id) != id)
		rc = fail(p, path, "id", "expected an integer, got %g", id);
	if (rc < 0)
		return rc;
	L->id = (uint32_t)id;
	snprintf(L->name, sizeof(L->name), "launch-%u", L->id);
	rc = get_str(p, o, path, "name", false, L->name, sizeof(L->name));
	if (rc == 0)
		rc = parse_nation_code(p, o, path, "nation", false, L->nation);
	char cls[16] = "";
	if (rc == 0)
		rc = get_str(p, o, path, "class", true, cls, sizeof(cls));
	if (rc < 0)
		return rc;
	L->cls = sim_class_find(cls);
	if (!L->cls)
		return fail(p, path, "class",
		            "expected one of \"SRBM\", \"MRBM\", \"IRBM\", \"ICBM\", got \"%s\"",
		            cls);
	bool has_time = json_object_get(o, "time") != NULL;
	bool has_ts = json_object_get(o, "t_s") != NULL;
	if (has_time == has_ts)
		return fail(p, path, NULL,
		            "expected exactly one of \"time\" (RFC 3339) and \"t_s\" (seconds "
		            "after start_time)");
	if (has_time) {
		rc = get_time(p, o, path, "time", &L->t_ns);
		if (rc == 0 && L->t_ns < sc->start_ns)
			rc = fail(p, path, "time", "expected a time at or after start_time");
	} else {
		double ts;
		rc = get_num(p, o, path, "t_s", true, 0, 30 * 86400.0, 0, &ts);
		if (rc == 0)
			L->t_ns = sc->start_ns + mw_time_from_s(ts);
	}
	if (rc == 0)
		rc = get_point(p, o, path, "site", &L->site);
	if (rc == 0)
		rc = parse_aim(p, o, path, L);
	/* The RV's ballistic coefficient, fixed for every run (else drawn). */
	if (rc == 0 && json_object_get(o, "beta_kg_m2"))
		rc = get_num(p, o, path, "beta_kg_m2", true, 100, 1e6, 0, &L->beta_kg_m2);
	return rc;
}

static int parse_root(struct pctx *p, const json_t *root, struct sim_scenario *sc)
{
	if (!json_is_object(root))
		return fail(p, "$", NULL, "expected an object, got %s", jtype(root));
	static const char *const keys[] = {
	    "name",     "description",   "seed",    "exercise",     "start_time",
	    "end_time", "truth_step_s",  "nations", "launches",     "injects",
	    "note",     "truth_gravity", "rv_beta", "sensor_phase", NULL};
	int rc = check_keys(p, root, "$", keys);
	if (rc == 0)
		rc = get_str(p, root, "$", "name", true, sc->name, sizeof(sc->name));
	if (rc == 0)
		rc = get_str(p, root, "$", "description", false, sc->description,
		             sizeof(sc->description));
	if (rc < 0)
		return rc;
	json_t *seed = json_object_get(root, "seed");
	sc->seed = 1;
	if (seed) {
		if (!json_is_integer(seed) || json_integer_value(seed) < 1)
			return fail(p, "$", "seed", "expected an integer >= 1");
		sc->seed = (uint64_t)json_integer_value(seed);
	}
	rc = get_bool(p, root, "$", "exercise", false, &sc->exercise);
	if (rc == 0)
		rc = get_time(p, root, "$", "start_time", &sc->start_ns);
	if (rc == 0 && json_object_get(root, "end_time")) {
		rc = get_time(p, root, "$", "end_time", &sc->end_ns);
		if (rc == 0 && sc->end_ns <= sc->start_ns)
			rc = fail(p, "$", "end_time", "expected a time after start_time");
	}
	if (rc == 0)
		rc = get_num(p, root, "$", "truth_step_s", false, 0, 3600, 1.0, &sc->truth_step_s);
	if (rc < 0)
		return rc;
	/* The truth's gravity: "j2" (mu + J2, the tracker's own model; the
	 * default) or "j4" (EGM96 zonal J3 and J4 added). */
	rc = get_choice(p, root, "$", "truth_gravity", "j2", "j4", &sc->truth_j3j4);
	/* The RVs' ballistic coefficients: "draw" (each run draws each RV's
	 * from its class's range; the default) or "median" (the class's
	 * median in every run). */
	if (rc == 0)
		rc = get_choice(p, root, "$", "rv_beta", "draw", "median", &sc->rv_beta_median);
	/* The sensors' scan phase: "fixed" (each sensor's phase_s in every
	 * run; the default) or "draw" (each run draws each sensor's first
	 * scan uniformly over one scan period after its phase_s). */
	if (rc == 0)
		rc = get_choice(p, root, "$", "sensor_phase", "fixed", "draw",
		                &sc->sensor_phase_draw);
	if (rc < 0)
		return rc;

	json_t *nations = json_object_get(root, "nations");
	if (!json_is_array(nations))
		return fail(p, "$", "nations", "expected an array of nations%s%s",
		            nations ? ", got " : " (missing)", nations ? jtype(nations) : "");
	if (json_array_size(nations) > SIM_MAX_NATIONS)
		return fail(p, "$", "nations", "expected at most %d nations", SIM_MAX_NATIONS);
	size_t i;
	json_t *nv;
	json_array_foreach(nations, i, nv)
	{
		char path[PATH_MAX_LEN];
		path_fmt(path, sizeof(path), "$.nations[%zu]", i);
		if (!json_is_object(nv))
			return fail(p, path, NULL, "expected a nation object, got %s", jtype(nv));
		static const char *const nkeys[] = {"code", "name", "sensors", "note", NULL};
		struct sim_nation *n = &sc->nations[sc->n_nations];
		rc = check_keys(p, nv, path, nkeys);
		if (rc == 0)
			rc = parse_nation_code(p, nv, path, "code", true, n->code);
		if (rc == 0)
			rc = get_str(p, nv, path, "name", false, n->name, sizeof(n->name));
		if (rc < 0)
			return rc;
		for (size_t k = 0; k < sc->n_nations; k++)
			if (strcmp(sc->nations[k].code, n->code) == 0)
				return fail(p, path, "code", "nation \"%s\" given twice", n->code);
		sc->n_nations++;
		json_t *sens = json_object_get(nv, "sensors");
		if (!sens)
			continue;
		if (!json_is_array(sens))
			return fail(p, path, "sensors", "expected an array, got %s", jtype(sens));
		size_t j;
		json_t *sv;
		json_array_foreach(sens, j, sv)
		{
			char sp[PATH_MAX_LEN];
			path_fmt(sp, sizeof(sp), "%s.sensors[%zu]", path, j);
			if (sc->n_sensors >= SIM_MAX_SENSORS)
				return fail(p, sp, NULL, "expected at most %d sensors in all",
				            SIM_MAX_SENSORS);
			struct sim_sensor *s = &sc->sensors[sc->n_sensors];
			rc = parse_sensor(p, sv, sp, n->code, s);
			if (rc < 0)
				return rc;
			for (size_t k = 0; k < sc->n_sensors; k++)
				if (sc->sensors[k].id == s->id &&
				    strcmp(sc->sensors[k].nation, s->nation) == 0)
					return fail(p, sp, "id",
					            "sensor id %u is already used in nation %s",
					            s->id, s->nation);
			sc->n_sensors++;
		}
	}

	json_t *launches = json_object_get(root, "launches");
	if (!json_is_array(launches))
		return fail(p, "$", "launches", "expected an array of launches%s%s",
		            launches ? ", got " : " (missing)", launches ? jtype(launches) : "");
	if (json_array_size(launches) > SIM_MAX_LAUNCHES)
		return fail(p, "$", "launches", "expected at most %d launches", SIM_MAX_LAUNCHES);
	json_t *lv;
	json_array_foreach(launches, i, lv)
	{
		char path[PATH_MAX_LEN];
		path_fmt(path, sizeof(path), "$.launches[%zu]", i);
		struct sim_launch_spec *L = &sc->launches[sc->n_launches];
		rc = parse_launch(p, lv, path, i, sc, L);
		if (rc < 0)
			return rc;
		for (size_t k = 0; k < sc->n_launches; k++)
			if (sc->launches[k].id == L->id)
				return fail(p, path, "id", "launch id %u is already used", L->id);
		if (sc->end_ns && L->t_ns >= sc->end_ns)
			return fail(p, path, NULL, "launch is at or after end_time");
		sc->n_launches++;
	}

	json_t *inj = json_object_get(root, "injects");
	if (inj) {
		if (!json_is_array(inj))
			return fail(p, "$", "injects", "expected an array, got %s", jtype(inj));
		if (json_array_size(inj) > SIM_MAX_INJECTS)
			return fail(p, "$", "injects", "expected at most %d injects",
			            SIM_MAX_INJECTS);
		json_t *iv;
		json_array_foreach(inj, i, iv)
		{
			char path[PATH_MAX_LEN];
			path_fmt(path, sizeof(path), "$.injects[%zu]", i);
			if (!json_is_object(iv))
				return fail(p, path, NULL, "expected an inject object, got %s",
				            jtype(iv));
			char type[64];
			double ts;
			rc = get_str(p, iv, path, "type", true, type, sizeof(type));
			if (rc == 0)
				rc = get_num(p, iv, path, "t_s", true, 0, 30 * 86400.0, 0, &ts);
			if (rc < 0)
				return rc;
		}
		sc->injects = json_incref(inj);
	}
	return 0;
}

int sim_scenario_parse(const char *json_text, const char *name, struct sim_scenario **out,
                       struct mw_errbuf *err)
{
	if (!json_text || !out)
		return -EINVAL;
	struct pctx p = {.name = name ? name : "scenario", .err = err};
	json_error_t je;
	json_t *root = json_loads(json_text, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		mw_errbuf_set(err, "%s:%d:%d: invalid JSON: %s", p.name, je.line, je.column,
		              je.text);
		return -MW_EJSON;
	}
	struct sim_scenario *sc = calloc(1, sizeof(*sc));
	if (!sc) {
		json_decref(root);
		return -ENOMEM;
	}
	int rc = parse_root(&p, root, sc);
	json_decref(root);
	if (rc < 0) {
		sim_scenario_free(sc);
		return rc;
	}
	*out = sc;
	return 0;
}

#define SCENARIO_MAX_BYTES (16u << 20)

int sim_scenario_load(const char *path, struct sim_scenario **out, struct mw_errbuf *err)
{
	if (!path || !out)
		return -EINVAL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		mw_errbuf_set(err, "%s: cannot open: %s", path, strerror(e));
		return -e;
	}
	char *buf = malloc(SCENARIO_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	size_t n = fread(buf, 1, SCENARIO_MAX_BYTES + 1, f);
	int rerr = ferror(f);
	fclose(f);
	if (rerr) {
		free(buf);
		mw_errbuf_set(err, "%s: read error", path);
		return -EIO;
	}
	if (n > SCENARIO_MAX_BYTES) {
		free(buf);
		mw_errbuf_set(err, "%s: larger than %u bytes", path, SCENARIO_MAX_BYTES);
		return -EFBIG;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		free(buf);
		mw_errbuf_set(err, "%s: contains a NUL byte", path);
		return -MW_EJSON;
	}
	int rc = sim_scenario_parse(buf, path, out, err);
	free(buf);
	return rc;
}

void sim_scenario_free(struct sim_scenario *sc)
{
	if (!sc)
		return;
	if (sc->injects)
		json_decref(sc->injects);
	free(sc);
}

uint64_t sim_scenario_seed(const struct sim_scenario *sc)
{
	return sc->seed;
}

const char *sim_scenario_name(const struct sim_scenario *sc)
{
	return sc->name;
}

mw_time_ns sim_scenario_start_ns(const struct sim_scenario *sc)
{
	return sc->start_ns;
}

mw_time_ns sim_scenario_end_ns(const struct sim_scenario *sc)
{
	return sc->end_ns;
}

bool sim_scenario_exercise(const struct sim_scenario *sc)
{
	return sc->exercise;
}

bool sim_scenario_truth_j4(const struct sim_scenario *sc)
{
	return sc->truth_j3j4;
}

size_t sim_scenario_launch_count(const struct sim_scenario *sc)
{
	return sc->n_launches;
}

size_t sim_scenario_sensor_count(const struct sim_scenario *sc)
{
	return sc->n_sensors;
}
