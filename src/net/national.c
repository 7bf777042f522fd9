/*
 * net/national.c - national tracking in the node: journal observations
 * -> tracker -> Track payloads for TRACK envelopes.
 *
 * Why from the journal. The journal is the node's one ordered record of
 * what it accepted (its own sensors' observations once signed, partners'
 * envelopes once verified). Feeding the tracker from the journal read
 * path, and from nothing else, makes the national tracks a pure function
 * of the journal (design invariant 7): replaying the same journal gives
 * the same tracks and the same Track payloads, byte for byte. The network
 * is never read here and no clock is read: "now" is data time.
 *
 * Pictures. Two independent trackers: real (exercise flag false) and
 * exercise (true). A record goes to the tracker of its envelope's signed
 * exercise flag and a track is emitted with its tracker's flag, so
 * exercise input can only ever produce exercise tracks (invariant 6).
 * Exercise track ids are offset by NET_NATIONAL_EXERCISE_ID_BASE.
 * The real picture states a real Earth's gravity-model error (EGM96,
 * track/model.h); the exercise picture keeps the tracker's default,
 * matched to the simulator's mu + J2 truth.
 *
 * Input (invariant 5, no data incest). Only OBSERVATION records are fed:
 * those of this node's own nation always, partners' only with
 * partner_obs (docs/design-notes.md discusses the double counting that
 * can cause downstream). TRACK and ALERT records - our own included - are
 * never fed, so nothing fused from anybody's tracks is ever shared.
 *
 * Output rule, per picture, checked after every fed observation that
 * made the tracker process a scan (counters.scans or deletions changed):
 *   - a CONFIRMED track not yet shared is emitted (status CONFIRMED);
 *   - a shared track is emitted again when its estimate time advanced by
 *     at least interval_ns since the last emission, or its flight phase
 *     changed (and the estimate is newer than the last one sent);
 *   - a shared track that is no longer live is emitted once with status
 *     DELETED (its last shared state and time; envelope data time = the
 *     tracker's now) and forgotten.
 * Tentative tracks are never shared. The emission table is bounded by
 * max_tracks (the tracker's own bound), so at most max_tracks + deletions
 * payloads per check; every emission needs new data time, so per track
 * at most one per interval plus one per phase change plus one deletion.
 *
 * Track payload (proto Track, docs/protocol.md 5.2): track_id, t_ns,
 * pos/vel = the IMM's moment-matched estimate, cov_upper = its 6x6
 * position-velocity block in wire_upper_index order, phase, status,
 * quality = 1 / (1 + sigma_pos / 1 km) with sigma_pos = sqrt(trace(P_rr)/3)
 * (a monotone summary for displays, not a probability), n_updates,
 * impact (track_info_predict: point, time, time sigma, 95% ellipse, the
 * East-North covariance) when predictable, launch only for tracks seen in
 * boost (a post-burnout track's launch comes from the generic boost model
 * alone, whose ellipse is honest but long - hundreds of km for IRBMs and
 * ICBMs, docs/tracking.md "Launch point and time"; not shared) with its
 * 3x3 ECEF covariance = the East-North covariance rotated into ECEF plus
 * 1 m^2 vertical (the point lies on the ellipsoid by construction), its
 * time sigma, and its 95% ellipse and East-North covariance (fields 5-8).
 *
 * Replay after a restart: the daemon sets live_from to the journal's
 * next position at start and replays everything before it silently, so
 * the tracker and the emission table are rebuilt exactly; only what comes
 * after is emitted.
 *
 * Invariants:
 *  1. Output depends only on the ordered records fed (no clock, no I/O
 *     besides the journal read in catch_up).
 *  2. A track is emitted with the exercise flag of the picture that made
 *     it; a picture is fed only records of its flag.
 *  3. Only observations are fed; own and partner tracks never are.
 *  4. Every emitted payload passed wire_track_check.
 *  5. The emission table never holds more than max_tracks entries.
 */
#include "net/national.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "geo/geo.h"
#include "track/predict.h"
#include "track/tracker.h"
#include "wire/envelope.h"
#include "wire/payload.h"

#define MOD             "national"
#define PAYLOAD_MAX     4096 /* an encoded Track is ~400 bytes */
#define PREDICT_MAX_S   7200.0
#define QUALITY_SCALE_M 1000.0

struct shared {
	uint32_t id;
	enum track_phase phase;
	mw_time_ns last_t_ns; /* estimate time last emitted */
	uint32_t n_updates;
	struct track_gauss est; /* last estimate emitted (for the DELETED message) */
	bool seen;              /* live at this check */
};

struct picture {
	bool exercise;
	struct track_tracker *trk;
	uint64_t scans, deleted;   /* tracker counters at the last check */
	struct shared *tab, *next; /* tab: sorted by id; next: the one being built */
	size_t n_tab;
};

struct net_national {
	struct net_national_opts o;
	struct picture pic[2];
	uint64_t live_from;
	uint64_t next_pos; /* catch_up */
	bool silent;       /* the record being fed is before live_from */
	struct track_info ti;
	struct mw_buf buf;
	struct net_national_stats st;
};

static void picture_finish(struct picture *p)
{
	track_tracker_free(p->trk);
	free(p->tab);
	free(p->next);
}

int net_national_new(const struct net_national_opts *o, struct net_national **out)
{
	if (!o || !out || !o->emit || o->interval_ns <= 0 || o->max_tracks < 1 ||
	    strnlen(o->nation, MW_NATION_LEN) == 0 ||
	    strnlen(o->nation, MW_NATION_LEN) >= MW_NATION_LEN)
		return -EINVAL;
	struct net_national *nat = calloc(1, sizeof(*nat));
	if (!nat)
		return -ENOMEM;
	nat->o = *o;
	nat->next_pos = 1;
	mw_buf_init(&nat->buf, PAYLOAD_MAX);
	int rc = 0;
	for (int i = 0; i < 2; i++) {
		struct picture *p = &nat->pic[i];
		p->exercise = i == 1;
		p->tab = calloc(o->max_tracks, sizeof(*p->tab));
		p->next = calloc(o->max_tracks, sizeof(*p->next));
		if (!p->tab || !p->next) {
			rc = -ENOMEM;
			goto fail;
		}
		/* The real picture tracks a real Earth, whose gravity differs
		 * from the model's mu + J2 by 1e-5..3e-4 m/s^2: it states that
		 * error (EGM96, track/model.h). The exercise picture keeps the
		 * default, matched to the simulator's mu + J2 truth. */
		struct track_config cfg;
		track_config_default(&cfg);
		cfg.max_tracks = o->max_tracks;
		for (int m = 0; m < TRACK_N_MODES && !p->exercise; m++)
			cfg.imm.motion[m].grav_err = TRACK_GRAV_ERR_EGM96;
		if ((rc = track_tracker_new(&cfg, o->log, &p->trk)) != 0)
			goto fail;
	}
	*out = nat;
	return 0;
fail:
	net_national_free(nat);
	return rc;
}

void net_national_free(struct net_national *nat)
{
	if (!nat)
		return;
	picture_finish(&nat->pic[0]);
	picture_finish(&nat->pic[1]);
	mw_buf_finish(&nat->buf);
	free(nat);
}

void net_national_set_live_from(struct net_national *nat, uint64_t pos)
{
	nat->live_from = pos;
}

uint64_t net_national_next_pos(const struct net_national *nat)
{
	return nat->next_pos;
}

void net_national_get_stats(const struct net_national *nat, struct net_national_stats *out)
{
	*out = nat->st;
}

void net_national_log_stats(const struct net_national *nat)
{
	const struct net_national_stats *s = &nat->st;
	struct mw_log_field f[] = {
	    MW_LOG_INT("records", (int64_t)s->records),
	    MW_LOG_INT("obs_fed_real", (int64_t)s->obs_fed[0]),
	    MW_LOG_INT("obs_fed_exercise", (int64_t)s->obs_fed[1]),
	    MW_LOG_INT("obs_partner_skip", (int64_t)s->obs_partner_skip),
	    MW_LOG_INT("obs_bad", (int64_t)s->obs_bad),
	    MW_LOG_INT("tracker_errors", (int64_t)s->tracker_errors),
	    MW_LOG_INT("tracks_out", (int64_t)s->tracks_out),
	    MW_LOG_INT("deletes_out", (int64_t)s->deletes_out),
	    MW_LOG_INT("silent", (int64_t)s->silent),
	    MW_LOG_INT("emit_failures", (int64_t)s->emit_failures),
	    MW_LOG_INT("no_impact", (int64_t)s->no_impact),
	    MW_LOG_INT("live_real", (int64_t)track_tracker_count(nat->pic[0].trk)),
	    MW_LOG_INT("live_exercise", (int64_t)track_tracker_count(nat->pic[1].trk)),
	    MW_LOG_INT("next_pos", (int64_t)nat->next_pos),
	};
	mw_log_kv(nat->o.log, MW_LOG_NOTICE, MOD, "national stats", f, sizeof(f) / sizeof(f[0]));
}

size_t net_national_live_tracks(const struct net_national *nat, int exercise)
{
	return track_tracker_count(nat->pic[exercise ? 1 : 0].trk);
}

/* ------------------------------------------------------------- payload */

/* ENU -> ECEF rotation columns at geodetic (lat, lon): east, north, up. */
static void enu_axes(double lat_rad, double lon_rad, double e[3], double n[3], double u[3])
{
	double sl = sin(lat_rad), cl = cos(lat_rad), so = sin(lon_rad), co = cos(lon_rad);
	e[0] = -so, e[1] = co, e[2] = 0;
	n[0] = -sl * co, n[1] = -sl * so, n[2] = cl;
	u[0] = cl * co, u[1] = cl * so, u[2] = sl;
}

/* The wire form of a prediction's 95% ellipse (major >= minor, orientation
 * in [0, 180) degrees) and its East-North covariance (ee, en, nn). */
struct wire_ellipse {
	double major_m, minor_m, orient_deg;
};

static struct wire_ellipse wire_ellipse_of(const struct track_point_pred *p, double *cov_en)
{
	struct wire_ellipse e;
	e.major_m = p->semi_major_m;
	e.minor_m = p->semi_minor_m < p->semi_major_m ? p->semi_minor_m : p->semi_major_m;
	double deg = p->orient_rad * 180.0 / M_PI;
	if (!(deg >= 0.0 && deg < 180.0))
		deg = fmod(fmod(deg, 180.0) + 180.0, 180.0);
	if (deg >= 180.0)
		deg = 0.0;
	e.orient_deg = deg;
	cov_en[0] = p->cov_en_m2[0];
	cov_en[1] = p->cov_en_m2[1];
	cov_en[2] = p->cov_en_m2[3];
	return e;
}

static void fill_impact(const struct track_point_pred *p, Mwlink__ImpactPoint *ip, double *pos,
                        double *cov_en)
{
	memcpy(pos, p->ecef_m, 3 * sizeof(double));
	ip->n_pos_ecef_m = 3;
	ip->pos_ecef_m = pos;
	ip->has_t_impact_ns = 1;
	ip->t_impact_ns = p->t_ns;
	ip->has_sigma_t_s = 1;
	ip->sigma_t_s = p->sigma_t_s;
	struct wire_ellipse e = wire_ellipse_of(p, cov_en);
	ip->has_ellipse_semi_major_m = ip->has_ellipse_semi_minor_m = ip->has_ellipse_orient_deg =
	    1;
	ip->ellipse_semi_major_m = e.major_m;
	ip->ellipse_semi_minor_m = e.minor_m;
	ip->ellipse_orient_deg = e.orient_deg;
	ip->n_cov_en = 3;
	ip->cov_en = cov_en;
}

/* The launch estimate's 95% ellipse and East-North covariance
 * (LaunchPoint fields 5-8, same conventions as the impact's). */
static void fill_launch_ellipse(const struct track_point_pred *p, Mwlink__LaunchPoint *lp,
                                double *cov_en)
{
	struct wire_ellipse e = wire_ellipse_of(p, cov_en);
	lp->has_ellipse_semi_major_m = lp->has_ellipse_semi_minor_m = lp->has_ellipse_orient_deg =
	    1;
	lp->ellipse_semi_major_m = e.major_m;
	lp->ellipse_semi_minor_m = e.minor_m;
	lp->ellipse_orient_deg = e.orient_deg;
	lp->n_cov_en = 3;
	lp->cov_en = cov_en;
}

/* 3x3 ECEF covariance of a surface point from its East-North covariance. */
static void launch_cov(const struct track_point_pred *p, double up[6])
{
	double e[3], n[3], u[3];
	enu_axes(p->lla.lat_rad, p->lla.lon_rad, e, n, u);
	const double *c = p->cov_en_m2; /* ee en; ne nn */
	for (unsigned i = 0; i < 3; i++)
		for (unsigned j = i; j < 3; j++)
			up[wire_upper_index(3, i, j)] = c[0] * e[i] * e[j] +
			                                c[1] * (e[i] * n[j] + n[i] * e[j]) +
			                                c[3] * n[i] * n[j] + 1.0 * u[i] * u[j];
}

/* Encode the Track payload of ti (status given) into nat->buf. */
static int encode_track(struct net_national *nat, const struct picture *p, uint32_t id,
                        mw_time_ns t_ns, const struct track_gauss *est, enum track_phase phase,
                        uint32_t n_updates, int status, const struct track_info *ti)
{
	Mwlink__Track t = MWLINK__TRACK__INIT;
	double pos[3], vel[3], cov[21];
	t.has_track_id = 1;
	t.track_id = (uint64_t)id + (p->exercise ? NET_NATIONAL_EXERCISE_ID_BASE : 0);
	t.has_t_ns = 1;
	t.t_ns = t_ns;
	for (int k = 0; k < 3; k++) {
		pos[k] = est->x[k];
		vel[k] = est->x[3 + k];
	}
	for (unsigned i = 0; i < 6; i++)
		for (unsigned j = i; j < 6; j++) {
			/* symmetric by construction; average the two halves anyway */
			double a = est->P[i * TRACK_NX + j], b = est->P[j * TRACK_NX + i];
			cov[wire_upper_index(6, i, j)] = 0.5 * (a + b);
		}
	t.n_pos_ecef_m = 3;
	t.pos_ecef_m = pos;
	t.n_vel_ecef_m_s = 3;
	t.vel_ecef_m_s = vel;
	t.n_cov_upper = 21;
	t.cov_upper = cov;
	t.has_phase = 1;
	t.phase = (Mwlink__Phase)phase;
	t.has_status = 1;
	t.status = (Mwlink__TrackStatus)status;
	double tr = est->P[0] + est->P[TRACK_NX + 1] + est->P[2 * TRACK_NX + 2];
	double sig = tr > 0 ? sqrt(tr / 3.0) : 0.0;
	t.has_quality = 1;
	t.quality = 1.0 / (1.0 + sig / QUALITY_SCALE_M);
	t.has_n_updates = 1;
	t.n_updates = n_updates;

	Mwlink__ImpactPoint ip = MWLINK__IMPACT_POINT__INIT;
	Mwlink__LaunchPoint lp = MWLINK__LAUNCH_POINT__INIT;
	double ipos[3], icov[3], lpos[3], lcov[6], lcov_en[3];
	struct track_point_pred imp, lau;
	if (ti) {
		if (track_info_predict(ti, &imp, NULL) == 0) {
			fill_impact(&imp, &ip, ipos, icov);
			t.impact = &ip;
			if (wire_track_check(&t) != 0)
				t.impact = NULL; /* a degenerate prediction is not shared */
		}
		if (ti->has_boost_est && track_info_predict(ti, NULL, &lau) == 0) {
			memcpy(lpos, lau.ecef_m, sizeof(lpos));
			launch_cov(&lau, lcov);
			lp.n_pos_ecef_m = 3;
			lp.pos_ecef_m = lpos;
			lp.n_cov_upper = 6;
			lp.cov_upper = lcov;
			lp.has_t_launch_ns = 1;
			lp.t_launch_ns = lau.t_ns;
			lp.has_sigma_t_s = 1;
			lp.sigma_t_s = lau.sigma_t_s;
			fill_launch_ellipse(&lau, &lp, lcov_en);
			t.launch = &lp;
			if (wire_track_check(&t) != 0)
				t.launch = NULL;
		}
		if (!t.impact)
			nat->st.no_impact++;
	}
	int rc = wire_track_check(&t);
	if (rc < 0)
		return rc;
	mw_buf_reset(&nat->buf);
	rc = wire_msg_encode(&t.base, &nat->buf);
	return rc < 0 ? rc : 0;
}

static void emit(struct net_national *nat, const struct picture *p, mw_time_ns data_t_ns,
                 uint32_t id, mw_time_ns t_ns, const struct track_gauss *est,
                 enum track_phase phase, uint32_t n_updates, int status,
                 const struct track_info *ti)
{
	if (nat->silent) {
		nat->st.silent++;
		return;
	}
	int rc = encode_track(nat, p, id, t_ns, est, phase, n_updates, status, ti);
	if (rc == 0)
		rc = nat->o.emit(nat->o.ud, p->exercise, data_t_ns, mw_buf_peek(&nat->buf),
		                 mw_buf_used(&nat->buf));
	if (rc < 0) {
		nat->st.emit_failures++;
		mw_logf(nat->o.log, MW_LOG_WARN, MOD, "track %u (%s): not shared: %s", id,
		        p->exercise ? "exercise" : "real", mw_strerror(rc));
		return;
	}
	nat->st.tracks_out++;
	if (status == MWLINK__TRACK_STATUS__TRACK_DELETED)
		nat->st.deletes_out++;
}

static int shared_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct shared *)a)->id, y = ((const struct shared *)b)->id;
	return x < y ? -1 : x > y;
}

static struct shared *shared_find(struct picture *p, uint32_t id)
{
	struct shared key = {.id = id};
	return bsearch(&key, p->tab, p->n_tab, sizeof(*p->tab), shared_cmp);
}

/* After a scan: emit what the output rule asks for (header comment).
 * Does not rely on the tracker's listing order: the table is kept sorted
 * by id and searched. */
static void check_picture(struct net_national *nat, struct picture *p)
{
	struct track_tracker *trk = p->trk;
	size_t nl = track_tracker_count(trk), nn = 0;
	struct track_info *ti = &nat->ti;
	for (size_t k = 0; k < p->n_tab; k++)
		p->tab[k].seen = false;
	for (size_t i = 0; i < nl; i++) {
		if (track_tracker_get(trk, i, ti) != 0 || ti->state != TRACK_CONFIRMED)
			continue;
		struct shared *old = shared_find(p, ti->id);
		if (old)
			old->seen = true;
		bool due =
		    !old ||
		    (ti->t_ns > old->last_t_ns &&
		     (ti->t_ns - old->last_t_ns >= nat->o.interval_ns || ti->phase != old->phase));
		if (nn >= nat->o.max_tracks) {
			nat->st.table_full++; /* cannot happen: live tracks <= max_tracks */
			continue;
		}
		struct shared *s = &p->next[nn++];
		if (old)
			*s = *old;
		if (due) {
			s->id = ti->id;
			s->phase = ti->phase;
			s->last_t_ns = ti->t_ns;
			s->n_updates = ti->n_updates;
			s->est = ti->est;
			emit(nat, p, ti->t_ns, ti->id, ti->t_ns, &ti->est, ti->phase, ti->n_updates,
			     MWLINK__TRACK_STATUS__TRACK_CONFIRMED, ti);
		}
	}
	/* shared tracks no longer live: one DELETED each, in id order */
	for (size_t k = 0; k < p->n_tab; k++) {
		const struct shared *s = &p->tab[k];
		if (!s->seen)
			emit(nat, p, track_tracker_now(trk), s->id, s->last_t_ns, &s->est, s->phase,
			     s->n_updates, MWLINK__TRACK_STATUS__TRACK_DELETED, NULL);
	}
	qsort(p->next, nn, sizeof(*p->next), shared_cmp);
	struct shared *t = p->tab;
	p->tab = p->next;
	p->next = t;
	p->n_tab = nn;
}

/* --------------------------------------------------------------- input */

int net_national_feed(struct net_national *nat, const struct store_rec *r)
{
	nat->st.records++;
	if (r->kind != WIRE_KIND_OBSERVATION)
		return 0; /* tracks and alerts, own or partners', are never fed */
	bool own = strncmp(r->origin, nat->o.nation, MW_NATION_LEN) == 0;
	if (!own && !nat->o.partner_obs) {
		nat->st.obs_partner_skip++;
		return 0;
	}
	struct wire_envelope e;
	struct mw_obs obs;
	if (wire_envelope_decode(r->bytes, r->len, &e) != 0) {
		nat->st.obs_bad++;
		return 0;
	}
	bool exercise = e.hdr.exercise;
	int rc = e.hdr.kind == WIRE_KIND_OBSERVATION
	             ? wire_obs_decode(e.hdr.payload, e.hdr.payload_len, &obs)
	             : -MW_EFIELD;
	wire_envelope_finish(&e);
	if (rc != 0) {
		nat->st.obs_bad++;
		return 0;
	}
	struct picture *p = &nat->pic[exercise ? 1 : 0];
	nat->silent = r->pos < nat->live_from;
	rc = track_tracker_process(p->trk, &obs);
	if (rc == -EINVAL) {
		nat->st.obs_bad++;
		return 0;
	}
	nat->st.obs_fed[exercise ? 1 : 0]++;
	if (rc < 0) {
		nat->st.tracker_errors++;
		mw_logf(nat->o.log, MW_LOG_ERROR, MOD, "tracker: %s", mw_strerror(rc));
	}
	struct track_counters c;
	track_tracker_counters(p->trk, &c);
	if (c.scans != p->scans || c.tracks_deleted != p->deleted) {
		p->scans = c.scans;
		p->deleted = c.tracks_deleted;
		check_picture(nat, p);
	}
	return rc == -ENOMEM ? rc : 0;
}

struct catch_ctx {
	struct net_national *nat;
	int rc;
};

static int catch_cb(void *ud, const struct store_rec *r)
{
	struct catch_ctx *cx = ud;
	int rc = net_national_feed(cx->nat, r);
	if (rc < 0) {
		cx->rc = rc;
		return rc;
	}
	return 0;
}

int net_national_catch_up(struct net_national *nat, struct store_journal *j, size_t max_recs)
{
	struct catch_ctx cx = {nat, 0};
	uint64_t next = nat->next_pos;
	int got = store_journal_read(j, nat->next_pos, STORE_READ_PENDING, max_recs, catch_cb, &cx,
	                             &next);
	if (got >= 0 || got == cx.rc)
		nat->next_pos = next;
	return got;
}
