/*
 * sim/ndjson.c - the simulator's output, one JSON object a line
 * (documented with examples in docs/scenario-format.md).
 *
 * Lines are written with snprintf into a caller buffer: no allocation,
 * bounded (SIM_NDJSON_LINE_MAX is enough for any line), and the number
 * formats are fixed so that the same run gives the same bytes:
 * metres %.3f, m/s %.4f, radians %.10f, degrees %.7f, times as integer
 * ns plus an RFC 3339 string with milliseconds. Names from the scenario
 * are JSON-escaped (mw_json_escape).
 *
 * Invariants:
 *  1. Every line is one valid JSON object followed by '\n'.
 *  2. A line that does not fit returns -ENOBUFS; nothing partial is
 *     reported as success.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "sim/sim_impl.h"

struct out {
	char *p;
	size_t cap, n;
	bool full;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	if (o->full)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(o->p + o->n, o->cap - o->n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= o->cap - o->n) {
		o->full = true;
		return;
	}
	o->n += (size_t)k;
}

static void put_str(struct out *o, const char *key, const char *s)
{
	char esc[256];
	if (mw_json_escape(esc, sizeof(esc), s) < 0)
		snprintf(esc, sizeof(esc), "?");
	put(o, ",\"%s\":\"%s\"", key, esc);
}

static void put_time(struct out *o, const char *key, mw_time_ns t)
{
	char ts[48];
	if (mw_time_format(t, 3, ts, sizeof(ts)) < 0)
		ts[0] = '\0';
	put(o, ",\"%s\":\"%s\",\"%s_ns\":%lld", key, ts, key, (long long)t);
}

/* decimals: 3 for metres, 4 for m/s */
static void put_vec(struct out *o, const char *key, const double v[3], int decimals)
{
	put(o, ",\"%s\":[%.*f,%.*f,%.*f]", key, decimals, v[0], decimals, v[1], decimals, v[2]);
}

static int finish(struct out *o)
{
	put(o, "}\n");
	if (o->full)
		return -ENOBUFS;
	return (int)o->n;
}

int sim_ndjson_preamble(const struct sim *s, size_t i, char *buf, size_t cap)
{
	struct out o = {buf, cap, 0, cap == 0};
	const struct sim_scenario *sc = s->sc;
	if (i == 0) {
		put(&o, "{\"type\":\"run\"");
		put_str(&o, "scenario", sc->name);
		put(&o, ",\"seed\":%llu,\"exercise\":%s", (unsigned long long)s->seed,
		    sc->exercise ? "true" : "false");
		put_time(&o, "start", s->start_ns);
		put_time(&o, "end", s->end_ns);
		put(&o, ",\"truth_step_s\":%g,\"objects\":%zu,\"sensors\":%zu", s->truth_step_s,
		    s->n_obj, sc->n_sensors);
		return finish(&o);
	}
	i--;
	if (i < s->n_obj) {
		const struct sim_object_info *in = &s->obj[i].info;
		put(&o, "{\"type\":\"object\",\"id\":%u", in->id);
		put_str(&o, "name", in->name);
		put_str(&o, "class", in->missile_class);
		put_str(&o, "nation", in->nation);
		put_time(&o, "launch", in->launch_t_ns);
		put(&o, ",\"launch_lat_deg\":%.7f,\"launch_lon_deg\":%.7f",
		    geo_deg(in->launch_lla.lat_rad), geo_deg(in->launch_lla.lon_rad));
		put_time(&o, "burnout", in->burnout_t_ns);
		put_time(&o, "apogee", in->apogee_t_ns);
		put_time(&o, "reentry", in->reentry_t_ns);
		put_time(&o, "impact", in->impact_t_ns);
		put(&o, ",\"impact_lat_deg\":%.7f,\"impact_lon_deg\":%.7f",
		    geo_deg(in->impact_lla.lat_rad), geo_deg(in->impact_lla.lon_rad));
		put(&o,
		    ",\"apogee_km\":%.3f,\"range_km\":%.3f,\"azimuth_deg\":%.4f,"
		    "\"requested_apogee_km\":%.3f,\"requested_range_km\":%.3f,"
		    "\"flight_time_s\":%.3f,\"beta_kg_m2\":%.1f",
		    in->apogee_m / 1e3, in->ground_range_m / 1e3, geo_deg(in->azimuth_rad),
		    in->requested_apogee_m / 1e3, in->requested_range_m / 1e3,
		    mw_time_to_s(in->impact_t_ns - in->launch_t_ns), in->beta_kg_m2);
		return finish(&o);
	}
	i -= s->n_obj;
	if (i < sc->n_sensors) {
		const struct sim_sensor *se = &sc->sensors[i];
		put(&o, "{\"type\":\"sensor\"");
		put_str(&o, "nation", se->nation);
		put(&o, ",\"id\":%u", se->id);
		put_str(&o, "name", se->name);
		put_str(&o, "kind", sim_sensor_kind_str(se->kind));
		put(&o, ",\"lat_deg\":%.7f,\"lon_deg\":%.7f,\"height_m\":%.3f",
		    geo_deg(se->lla.lat_rad), geo_deg(se->lla.lon_rad), se->lla.h_m);
		put_vec(&o, "ecef_m", se->ecef_m, 3);
		put(&o, ",\"update_s\":%g,\"pd\":%g,\"false_alarms_per_scan\":%g", se->update_s,
		    se->pd, se->fa_per_scan);
		if (se->kind == SIM_SENSOR_RADAR)
			put(&o, ",\"max_range_km\":%g,\"min_el_deg\":%g", se->max_range_m / 1e3,
			    geo_deg(se->min_el_rad));
		else
			put(&o, ",\"fov_half_deg\":%g,\"cloud_top_km\":%g",
			    geo_deg(se->fov_half_rad), se->cloud_top_m / 1e3);
		if (se->moving) /* the position above is at scenario start */
			put(&o, ",\"course_deg\":%.6g,\"speed_kn\":%.6g", geo_deg(se->course_rad),
			    se->speed_m_s / SIM_KNOT_M_S);
		if (se->orbiting) /* the position above is at scenario start */
			put(&o,
			    ",\"orbit\":{\"alt_km\":%.6g,\"inclination_deg\":%.6g,"
			    "\"node_lon_deg\":%.6g,\"arg_lat_deg\":%.6g}",
			    (se->orbit_radius_m - GEO_WGS84_A_M) / 1e3, geo_deg(se->orbit_incl_rad),
			    geo_deg(se->orbit_node_lon_rad), geo_deg(se->orbit_arg_lat_rad));
		return finish(&o);
	}
	return 0;
}

int sim_ndjson_event(const struct sim_event *ev, char *buf, size_t cap)
{
	struct out o = {buf, cap, 0, cap == 0};
	if (ev->type == SIM_EV_TRUTH) {
		const struct sim_truth *t = &ev->truth;
		put(&o, "{\"type\":\"truth\"");
		put_time(&o, "t", t->t_ns);
		put(&o, ",\"id\":%u,\"phase\":\"%s\"", t->id, sim_phase_str(t->phase));
		put_vec(&o, "r_ecef_m", t->r_ecef_m, 3);
		put_vec(&o, "v_ecef_m_s", t->v_ecef_m_s, 4);
		struct geo_lla lla;
		if (geo_ecef_to_lla(t->r_ecef_m, &lla) == 0)
			put(&o, ",\"lat_deg\":%.7f,\"lon_deg\":%.7f,\"h_m\":%.3f",
			    geo_deg(lla.lat_rad), geo_deg(lla.lon_rad), lla.h_m);
		return finish(&o);
	}
	const struct mw_obs *b = &ev->obs;
	put(&o, "{\"type\":\"obs\"");
	put_time(&o, "t", b->t_ns);
	put_str(&o, "nation", b->nation);
	put(&o, ",\"sensor_id\":%u,\"kind\":\"%s\",\"truth_id\":%u", b->sensor_id,
	    b->kind == MW_OBS_RADAR ? "radar" : "los", b->truth_id);
	put_vec(&o, "sensor_ecef_m", b->sensor_ecef_m, 3);
	if (b->kind == MW_OBS_RADAR) {
		put(&o,
		    ",\"range_m\":%.3f,\"az_rad\":%.10f,\"el_rad\":%.10f,\"sigma_range_m\":%g,"
		    "\"sigma_az_rad\":%g,\"sigma_el_rad\":%g",
		    b->range_m, b->az_rad, b->el_rad, b->sigma_range_m, b->sigma_az_rad,
		    b->sigma_el_rad);
		if (b->has_range_rate)
			put(&o, ",\"range_rate_m_s\":%.4f,\"sigma_range_rate_m_s\":%g",
			    b->range_rate_m_s, b->sigma_range_rate_m_s);
		if (b->sensor_vel_ecef_m_s[0] != 0.0 || b->sensor_vel_ecef_m_s[1] != 0.0 ||
		    b->sensor_vel_ecef_m_s[2] != 0.0)
			put_vec(&o, "sensor_vel_ecef_m_s", b->sensor_vel_ecef_m_s, 4);
	} else {
		put(&o, ",\"frame_ecef\":[");
		for (int k = 0; k < 3; k++) {
			put(&o, k ? ",[" : "[");
			for (int j = 0; j < 3; j++)
				put(&o, "%s%.12f", j ? "," : "", b->frame_ecef[k][j]);
			put(&o, "]");
		}
		put(&o, "],\"los_x_rad\":%.10f,\"los_y_rad\":%.10f,\"sigma_los_rad\":%g",
		    b->los_x_rad, b->los_y_rad, b->sigma_los_rad);
		if (b->plumes_only)
			put(&o, ",\"plumes_only\":true");
	}
	return finish(&o);
}
