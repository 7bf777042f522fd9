/*
 * api/json.c - the JSON documents of the HTTP API: links, health, tracks
 * and errors (jansson). Pure functions of plain structs.
 *
 * Conventions: times are given twice, "t" as ISO 8601 UTC with
 * milliseconds ("2026-11-30T05:01:19.123+00:00", core/time.h) and "t_ns"
 * as int64 ns since the epoch; geodetic positions in degrees and metres
 * (WGS84, geo/geo.h) next to the ECEF metres they come from; unknown or
 * absent values are null, never 0.
 *
 * Invariants:
 *  1. Every document is a JSON object; a failed allocation returns NULL
 *     (the server answers 500 and counts it), never a partial object.
 *  2. A number that is not finite is written as null (JSON has no NaN).
 */
#include "api/json.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/time.h"
#include "geo/geo.h"
#include "net/linkstate.h"
#include "wire/payload.h"

#define RAD2DEG (180.0 / M_PI)

const char *api_phase_str(int phase)
{
	switch (phase) {
	case MWLINK__PHASE__PHASE_BOOST:
		return "boost";
	case MWLINK__PHASE__PHASE_MIDCOURSE:
		return "midcourse";
	case MWLINK__PHASE__PHASE_TERMINAL:
		return "terminal";
	default:
		return "unknown";
	}
}

const char *api_track_status_str(int status)
{
	switch (status) {
	case MWLINK__TRACK_STATUS__TRACK_TENTATIVE:
		return "tentative";
	case MWLINK__TRACK_STATUS__TRACK_CONFIRMED:
		return "confirmed";
	case MWLINK__TRACK_STATUS__TRACK_COASTING:
		return "coasting";
	case MWLINK__TRACK_STATUS__TRACK_DELETED:
		return "deleted";
	default:
		return "unknown";
	}
}

int api_track_decode(const uint8_t *payload, size_t len, struct api_track *out)
{
	Mwlink__Track *t = NULL;
	int rc = wire_track_decode(payload, len, &t);
	if (rc != 0)
		return rc;
	/* wire_track_check (inside decode) guarantees 3 pos, 3 vel, 21 cov */
	struct api_track a;
	memset(&a, 0, sizeof(a));
	a.track_id = t->track_id;
	a.status = t->has_status ? (int)t->status : 0;
	a.phase = t->has_phase ? (int)t->phase : 0;
	a.t_ns = t->t_ns;
	for (int k = 0; k < 3; k++) {
		a.pos_ecef_m[k] = t->pos_ecef_m[k];
		a.vel_ecef_m_s[k] = t->vel_ecef_m_s[k];
	}
	/* diagonal of the position block: upper-triangle indices 0, 6, 11 */
	double tr =
	    t->n_cov_upper == 21 ? t->cov_upper[0] + t->cov_upper[6] + t->cov_upper[11] : NAN;
	a.sigma_pos_m = tr >= 0 ? sqrt(tr / 3.0) : NAN;
	a.quality = t->has_quality ? t->quality : NAN;
	a.n_updates = t->has_n_updates ? t->n_updates : 0;
	if (t->impact && t->impact->n_pos_ecef_m == 3) {
		a.has_impact = true;
		memcpy(a.impact_ecef_m, t->impact->pos_ecef_m, sizeof(a.impact_ecef_m));
		a.impact_t_ns = t->impact->has_t_impact_ns ? t->impact->t_impact_ns : 0;
		a.impact_sigma_t_s = t->impact->has_sigma_t_s ? t->impact->sigma_t_s : NAN;
		a.ell_semi_major_m =
		    t->impact->has_ellipse_semi_major_m ? t->impact->ellipse_semi_major_m : NAN;
		a.ell_semi_minor_m =
		    t->impact->has_ellipse_semi_minor_m ? t->impact->ellipse_semi_minor_m : NAN;
		a.ell_orient_deg =
		    t->impact->has_ellipse_orient_deg ? t->impact->ellipse_orient_deg : NAN;
	}
	if (t->launch && t->launch->n_pos_ecef_m == 3) {
		a.has_launch = true;
		memcpy(a.launch_ecef_m, t->launch->pos_ecef_m, sizeof(a.launch_ecef_m));
		a.launch_t_ns = t->launch->has_t_launch_ns ? t->launch->t_launch_ns : 0;
		a.launch_sigma_t_s = t->launch->has_sigma_t_s ? t->launch->sigma_t_s : NAN;
		a.lau_semi_major_m =
		    t->launch->has_ellipse_semi_major_m ? t->launch->ellipse_semi_major_m : NAN;
		a.lau_semi_minor_m =
		    t->launch->has_ellipse_semi_minor_m ? t->launch->ellipse_semi_minor_m : NAN;
		a.lau_orient_deg =
		    t->launch->has_ellipse_orient_deg ? t->launch->ellipse_orient_deg : NAN;
	}
	wire_msg_free(t);
	/* the caller's fields are kept */
	memcpy(a.origin, out->origin, sizeof(a.origin));
	a.exercise = out->exercise;
	a.data_t_ns = out->data_t_ns;
	a.seq = out->seq;
	a.journal_pos = out->journal_pos;
	*out = a;
	return 0;
}

/* A number, or null when not finite (invariant 2). */
static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

json_t *api_json_time(int64_t t_ns)
{
	char s[48];
	if (t_ns <= 0 || mw_time_format(t_ns, 3, s, sizeof(s)) < 0)
		return json_null();
	return json_string(s);
}

static json_t *vec3(const double v[3])
{
	return json_pack("[o,o,o]", num(v[0]), num(v[1]), num(v[2]));
}

/* {"lat_deg","lon_deg","alt_m","ecef_m"} of an ECEF point. */
static json_t *point(const double ecef_m[3])
{
	struct geo_lla lla;
	if (geo_ecef_to_lla(ecef_m, &lla) != 0)
		return json_pack("{s:n,s:n,s:n,s:o}", "lat_deg", "lon_deg", "alt_m", "ecef_m",
		                 vec3(ecef_m));
	return json_pack("{s:o,s:o,s:o,s:o}", "lat_deg", num(lla.lat_rad * RAD2DEG), "lon_deg",
	                 num(lla.lon_rad * RAD2DEG), "alt_m", num(lla.h_m), "ecef_m", vec3(ecef_m));
}

json_t *api_json_track(const struct api_track *t)
{
	double speed =
	    sqrt(t->vel_ecef_m_s[0] * t->vel_ecef_m_s[0] + t->vel_ecef_m_s[1] * t->vel_ecef_m_s[1] +
	         t->vel_ecef_m_s[2] * t->vel_ecef_m_s[2]);
	json_t *imp = json_null(), *lau = json_null();
	if (t->has_impact)
		imp = json_pack(
		    "{s:o,s:o,s:I,s:o,s:{s:o,s:o,s:o}}", "point", point(t->impact_ecef_m), "t",
		    api_json_time(t->impact_t_ns), "t_ns", (json_int_t)t->impact_t_ns, "sigma_t_s",
		    num(t->impact_sigma_t_s), "ellipse95", "semi_major_m", num(t->ell_semi_major_m),
		    "semi_minor_m", num(t->ell_semi_minor_m), "orient_deg", num(t->ell_orient_deg));
	if (t->has_launch)
		lau = json_pack(
		    "{s:o,s:o,s:I,s:o,s:{s:o,s:o,s:o}}", "point", point(t->launch_ecef_m), "t",
		    api_json_time(t->launch_t_ns), "t_ns", (json_int_t)t->launch_t_ns, "sigma_t_s",
		    num(t->launch_sigma_t_s), "ellipse95", "semi_major_m", num(t->lau_semi_major_m),
		    "semi_minor_m", num(t->lau_semi_minor_m), "orient_deg", num(t->lau_orient_deg));
	/* jansson steals every "o" reference, on failure too (a NULL from a
	 * nested pack fails the whole object: invariant 1) */
	return json_pack("{s:I,s:s,s:b,s:s,s:s,s:o,s:I,s:o,s:I,s:o,s:o,s:I,s:I,s:I,"
	                 "s:o,s:{s:o,s:o},s:o,s:o}",
	                 "track_id", (json_int_t)t->track_id, "origin", t->origin, "exercise",
	                 t->exercise, "status", api_track_status_str(t->status), "phase",
	                 api_phase_str(t->phase), "t", api_json_time(t->t_ns), "t_ns",
	                 (json_int_t)t->t_ns, "data_t", api_json_time(t->data_t_ns), "data_t_ns",
	                 (json_int_t)t->data_t_ns, "quality", num(t->quality), "sigma_pos_m",
	                 num(t->sigma_pos_m), "n_updates", (json_int_t)t->n_updates, "seq",
	                 (json_int_t)t->seq, "journal_pos", (json_int_t)t->journal_pos, "position",
	                 point(t->pos_ecef_m), "velocity", "ecef_m_s", vec3(t->vel_ecef_m_s),
	                 "speed_m_s", num(speed), "impact", imp, "launch", lau);
}

/* Seconds from now_s to na_s, or null for an unknown time (0). */
static json_t *expiry_s(int64_t na_s, int64_t now_s)
{
	return na_s ? json_integer((json_int_t)(na_s - now_s)) : json_null();
}

static json_t *not_after(int64_t na_s)
{
	return na_s ? api_json_time(na_s * 1000000000) : json_null();
}

json_t *api_json_link(const struct net_peer_status *p)
{
	int64_t now_s = mw_time_now_ns() / 1000000000;
	int64_t na = p->cert_seen ? p->cert_not_after_s : 0;
	return json_pack("{s:s,s:s,s:s,s:b,s:o,s:I,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o}",
	                 "name", p->name, "nation", p->nation, "state",
	                 net_link_state_str(p->state), "up", net_link_carries_data(p->state),
	                 "since", api_json_time(p->since_ns), "since_ns", (json_int_t)p->since_ns,
	                 "rtt_ms",
	                 p->srtt_ns > 0 ? json_real((double)p->srtt_ns / 1e6) : json_null(),
	                 "backlog", (json_int_t)p->backlog, "acked", (json_int_t)p->acked_pos,
	                 "tx_next", (json_int_t)p->tx_next_pos, "env_tx", (json_int_t)p->env_tx,
	                 "env_rx", (json_int_t)p->env_rx, "connects", (json_int_t)p->connects,
	                 "replaced", (json_int_t)p->replaced, "cert_not_after", not_after(na),
	                 "cert_expiry_s", expiry_s(na, now_s));
}

json_t *api_json_health(const struct api_health *h)
{
	json_t *o = json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:o,s:f,s:{s:s,s:o,s:I,s:I},s:{s:I,s:I,s:I,s:I},s:I}", "status",
	    h->journal_failed ? "failed" : "ok", "nation", h->nation ? h->nation : "", "name",
	    h->name ? h->name : "", "mode", h->mode ? h->mode : "", "version",
	    h->version ? h->version : "", "time", api_json_time(h->now_ns), "uptime_s",
	    (double)h->uptime_ns / 1e9, "journal", "status", h->journal_failed ? "failed" : "ok",
	    "last_error",
	    h->journal_last_err ? json_string(mw_errname(h->journal_last_err)) : json_null(),
	    "durable_pos", (json_int_t)h->durable_pos, "last_pos", (json_int_t)h->last_pos, "links",
	    "total", (json_int_t)h->n_peers, "up", (json_int_t)h->links_up, "degraded",
	    (json_int_t)h->links_degraded, "down", (json_int_t)h->links_down, "tracks",
	    (json_int_t)h->tracks);
	int64_t now_s = h->now_ns / 1000000000;
	if (o &&
	    (json_object_set_new(o, "own_cert_fault",
	                         h->own_cert_fault ? json_string(h->own_cert_fault)
	                                           : json_null()) != 0 ||
	     json_object_set_new(o, "own_cert_not_after", not_after(h->own_cert_na_s)) != 0 ||
	     json_object_set_new(o, "own_cert_expiry_s", expiry_s(h->own_cert_na_s, now_s)) != 0 ||
	     json_object_set_new(o, "ca_cert_not_after", not_after(h->ca_cert_na_s)) != 0 ||
	     json_object_set_new(o, "ca_cert_expiry_s", expiry_s(h->ca_cert_na_s, now_s)) != 0)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

json_t *api_json_error(int status, const char *msg)
{
	return json_pack("{s:s,s:i}", "error", msg, "status", status);
}
