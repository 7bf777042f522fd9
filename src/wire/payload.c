/*
 * wire/payload.c - Observation, Track, Alert and link-control messages:
 * validation, decoding, and struct mw_obs <-> Observation conversion.
 *
 * Every decode function is "unpack, then check": protobuf-c turns bytes
 * into a message (or fails: -MW_EDECODE), then the check function applies
 * the field rules of proto/mwlink.proto and docs/protocol.md (-MW_EFIELD).
 * The same check functions validate what this node is about to send, so
 * a node never emits what its partners would reject.
 *
 * Rules common to all messages: every double is finite; positions have
 * |r| <= WIRE_MAX_ECEF_M; covariance diagonals are > 0 and each
 * off-diagonal term obeys |c_ij| <= sqrt(c_ii c_jj) (a necessary condition
 * for positive semi-definiteness that catches garbage cheaply; the tracker
 * does the full test); enums are within their defined values (0 =
 * unspecified is rejected); nation codes are three upper-case letters.
 *
 * Invariants:
 *  1. No function reads beyond the counts protobuf-c reports.
 *  2. A failed decode frees what it unpacked.
 */
#include "wire/payload.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "wire/envelope.h"
#include "wire/frame.h"
#include "wire/sign.h"

#define PI            3.14159265358979323846
#define MAX_SPEED_M_S 1.0e5  /* far above any ballistic or orbital speed */
#define ORTHO_TOL     1.0e-6 /* LOS frame: |row.row - delta| */
/* a Track or Alert unpacks into well under 2 KiB; larger ones spill to malloc */
#define PAYLOAD_ARENA_BYTES 2048

static bool fin(double x)
{
	return isfinite(x);
}

static bool vec3_ok(const double *v, size_t n, double max_norm)
{
	if (n != 3 || !v)
		return false;
	if (!fin(v[0]) || !fin(v[1]) || !fin(v[2]))
		return false;
	return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]) <= max_norm;
}

/* Upper-triangle covariance of dimension dim with n values. */
static bool cov_ok(const double *c, size_t n, unsigned dim)
{
	if (!c || n != (size_t)dim * (dim + 1) / 2)
		return false;
	for (size_t k = 0; k < n; k++)
		if (!fin(c[k]))
			return false;
	for (unsigned i = 0; i < dim; i++)
		if (!(c[wire_upper_index(dim, i, i)] > 0))
			return false;
	for (unsigned i = 0; i < dim; i++)
		for (unsigned j = i + 1; j < dim; j++) {
			double cij = c[wire_upper_index(dim, i, j)];
			double bound =
			    sqrt(c[wire_upper_index(dim, i, i)] * c[wire_upper_index(dim, j, j)]);
			if (fabs(cij) > bound * (1 + 1e-9))
				return false;
		}
	return true;
}

static bool sigma_ok(double s, double max)
{
	return fin(s) && s > 0 && s <= max;
}

static bool str_ok(const char *s, size_t min, size_t max)
{
	if (!s)
		return false;
	size_t n = strnlen(s, max + 1);
	return n >= min && n <= max;
}

/* ---- Observation ---- */

int wire_obs_check(const struct mw_obs *o)
{
	if (!o || o->t_ns <= 0 || !wire_nation_valid(o->nation))
		return -MW_EFIELD;
	if (!vec3_ok(o->sensor_ecef_m, 3, WIRE_MAX_ECEF_M))
		return -MW_EFIELD;
	switch (o->kind) {
	case MW_OBS_RADAR:
		if (!fin(o->range_m) || o->range_m <= 0 || o->range_m > WIRE_MAX_ECEF_M)
			return -MW_EFIELD;
		if (!fin(o->az_rad) || o->az_rad < 0 || o->az_rad >= 2 * PI)
			return -MW_EFIELD;
		if (!fin(o->el_rad) || o->el_rad < -PI / 2 || o->el_rad > PI / 2)
			return -MW_EFIELD;
		if (!sigma_ok(o->sigma_range_m, WIRE_MAX_ECEF_M) ||
		    !sigma_ok(o->sigma_az_rad, PI) || !sigma_ok(o->sigma_el_rad, PI))
			return -MW_EFIELD;
		if (o->has_range_rate &&
		    (!fin(o->range_rate_m_s) || fabs(o->range_rate_m_s) > MAX_SPEED_M_S ||
		     !sigma_ok(o->sigma_range_rate_m_s, MAX_SPEED_M_S)))
			return -MW_EFIELD;
		if (!vec3_ok(o->sensor_vel_ecef_m_s, 3, MAX_SPEED_M_S))
			return -MW_EFIELD;
		return 0;
	case MW_OBS_LOS:
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++)
				if (!fin(o->frame_ecef[i][j]))
					return -MW_EFIELD;
		for (int i = 0; i < 3; i++)
			for (int j = i; j < 3; j++) {
				double d = 0;
				for (int k = 0; k < 3; k++)
					d += o->frame_ecef[i][k] * o->frame_ecef[j][k];
				if (fabs(d - (i == j ? 1.0 : 0.0)) > ORTHO_TOL)
					return -MW_EFIELD;
			}
		if (!fin(o->los_x_rad) || fabs(o->los_x_rad) >= PI / 2 || !fin(o->los_y_rad) ||
		    fabs(o->los_y_rad) >= PI / 2)
			return -MW_EFIELD;
		if (!sigma_ok(o->sigma_los_rad, PI / 2))
			return -MW_EFIELD;
		return 0;
	default:
		return -MW_EFIELD;
	}
}

int wire_obs_encode(const struct mw_obs *o, struct mw_buf *out)
{
	if (!out)
		return -EINVAL;
	int rc = wire_obs_check(o);
	if (rc < 0)
		return rc;
	Mwlink__Observation m = MWLINK__OBSERVATION__INIT;
	Mwlink__Radar r = MWLINK__RADAR__INIT;
	Mwlink__LineOfSight l = MWLINK__LINE_OF_SIGHT__INIT;
	double pos[3], vel[3], frame[9];
	memcpy(pos, o->sensor_ecef_m, sizeof(pos));
	m.has_t_ns = 1;
	m.t_ns = o->t_ns;
	m.has_sensor_id = 1;
	m.sensor_id = o->sensor_id;
	m.nation = (char *)o->nation;
	m.n_sensor_ecef_m = 3;
	m.sensor_ecef_m = pos;
	if (o->exercise) { /* absent = the sensor declares nothing (live) */
		m.has_exercise = 1;
		m.exercise = 1;
	}
	if (o->kind == MW_OBS_RADAR) {
		r.has_range_m = r.has_az_rad = r.has_el_rad = 1;
		r.range_m = o->range_m;
		r.az_rad = o->az_rad;
		r.el_rad = o->el_rad;
		r.has_sigma_range_m = r.has_sigma_az_rad = r.has_sigma_el_rad = 1;
		r.sigma_range_m = o->sigma_range_m;
		r.sigma_az_rad = o->sigma_az_rad;
		r.sigma_el_rad = o->sigma_el_rad;
		if (o->has_range_rate) {
			r.has_range_rate_m_s = r.has_sigma_range_rate_m_s = 1;
			r.range_rate_m_s = o->range_rate_m_s;
			r.sigma_range_rate_m_s = o->sigma_range_rate_m_s;
		}
		if (o->sensor_vel_ecef_m_s[0] != 0.0 || o->sensor_vel_ecef_m_s[1] != 0.0 ||
		    o->sensor_vel_ecef_m_s[2] != 0.0) { /* absent: fixed, as before */
			memcpy(vel, o->sensor_vel_ecef_m_s, sizeof(vel));
			r.n_sensor_vel_ecef_m_s = 3;
			r.sensor_vel_ecef_m_s = vel;
		}
		m.measurement_case = MWLINK__OBSERVATION__MEASUREMENT_RADAR;
		m.radar = &r;
	} else {
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++)
				frame[3 * i + j] = o->frame_ecef[i][j];
		l.n_frame_ecef = 9;
		l.frame_ecef = frame;
		l.has_los_x_rad = l.has_los_y_rad = l.has_sigma_los_rad = 1;
		l.los_x_rad = o->los_x_rad;
		l.los_y_rad = o->los_y_rad;
		l.sigma_los_rad = o->sigma_los_rad;
		l.has_plumes_only = l.plumes_only = o->plumes_only;
		m.measurement_case = MWLINK__OBSERVATION__MEASUREMENT_LOS;
		m.los = &l;
	}
	return wire_msg_encode(&m.base, out);
}

static int obs_from_msg(const Mwlink__Observation *m, struct mw_obs *out)
{
	struct mw_obs o;
	memset(&o, 0, sizeof(o));
	if (!m->has_t_ns || !m->has_sensor_id || !m->nation || !wire_nation_valid(m->nation))
		return -MW_EFIELD;
	o.t_ns = m->t_ns;
	o.sensor_id = m->sensor_id;
	memcpy(o.nation, m->nation, MW_NATION_LEN);
	if (m->n_sensor_ecef_m != 3)
		return -MW_EFIELD;
	memcpy(o.sensor_ecef_m, m->sensor_ecef_m, sizeof(o.sensor_ecef_m));
	o.exercise = m->has_exercise && m->exercise;
	if (m->measurement_case == MWLINK__OBSERVATION__MEASUREMENT_RADAR && m->radar) {
		const Mwlink__Radar *r = m->radar;
		if (!r->has_range_m || !r->has_az_rad || !r->has_el_rad || !r->has_sigma_range_m ||
		    !r->has_sigma_az_rad || !r->has_sigma_el_rad)
			return -MW_EFIELD;
		if (r->has_range_rate_m_s != r->has_sigma_range_rate_m_s)
			return -MW_EFIELD;
		o.kind = MW_OBS_RADAR;
		o.range_m = r->range_m;
		o.az_rad = r->az_rad;
		o.el_rad = r->el_rad;
		o.sigma_range_m = r->sigma_range_m;
		o.sigma_az_rad = r->sigma_az_rad;
		o.sigma_el_rad = r->sigma_el_rad;
		o.has_range_rate = r->has_range_rate_m_s;
		if (o.has_range_rate) {
			o.range_rate_m_s = r->range_rate_m_s;
			o.sigma_range_rate_m_s = r->sigma_range_rate_m_s;
		}
		if (r->n_sensor_vel_ecef_m_s != 0 && r->n_sensor_vel_ecef_m_s != 3)
			return -MW_EFIELD;
		if (r->n_sensor_vel_ecef_m_s == 3)
			memcpy(o.sensor_vel_ecef_m_s, r->sensor_vel_ecef_m_s,
			       sizeof(o.sensor_vel_ecef_m_s));
	} else if (m->measurement_case == MWLINK__OBSERVATION__MEASUREMENT_LOS && m->los) {
		const Mwlink__LineOfSight *l = m->los;
		if (l->n_frame_ecef != 9 || !l->has_los_x_rad || !l->has_los_y_rad ||
		    !l->has_sigma_los_rad)
			return -MW_EFIELD;
		o.kind = MW_OBS_LOS;
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++)
				o.frame_ecef[i][j] = l->frame_ecef[3 * i + j];
		o.los_x_rad = l->los_x_rad;
		o.los_y_rad = l->los_y_rad;
		o.sigma_los_rad = l->sigma_los_rad;
		o.plumes_only = l->has_plumes_only && l->plumes_only;
	} else {
		return -MW_EFIELD;
	}
	int rc = wire_obs_check(&o);
	if (rc < 0)
		return rc;
	*out = o;
	return 0;
}

/* A varint at p[*i..n): advances *i; false if it runs off the end or
 * past 10 bytes. */
static bool skip_varint(const uint8_t *p, size_t n, size_t *i, uint64_t *v)
{
	uint64_t x = 0;
	for (unsigned sh = 0; sh < 70 && *i < n; sh += 7) {
		uint8_t c = p[(*i)++];
		x |= (uint64_t)(c & 0x7F) << sh;
		if (c < 0x80) {
			*v = x;
			return true;
		}
	}
	return false;
}

/* Does p[0..n) (top-level fields of a message protobuf-c accepted) hold
 * field number `field`? A walk over tags and lengths only. A prefix that
 * does not end on a field boundary answers true too (the caller refuses
 * it: its signed bytes would not be whole fields). */
static bool has_field(const uint8_t *p, size_t n, uint64_t field)
{
	size_t i = 0;
	while (i < n) {
		uint64_t key, len;
		if (!skip_varint(p, n, &i, &key))
			return true; /* ends inside a tag: not a boundary */
		if (key >> 3 == field)
			return true;
		switch (key & 7) {
		case 0:
			if (!skip_varint(p, n, &i, &len))
				return true;
			break;
		case 1:
			if (n - i < 8)
				return true; /* the prefix ends inside a field: not a boundary */
			i += 8;
			break;
		case 2:
			if (!skip_varint(p, n, &i, &len) || len > n - i)
				return true;
			i += (size_t)len;
			break;
		case 5:
			if (n - i < 4)
				return true;
			i += 4;
			break;
		default:
			return true;
		}
	}
	return false;
}

/* Field 8 of m (decoded from p[0..n)): absent, or exactly once, as the
 * last 66 bytes 0x42 0x40 sig (invariant: the signed bytes are a prefix
 * that holds no field 8). */
static int obs_sig_from_msg(const Mwlink__Observation *m, const uint8_t *p, size_t n,
                            struct wire_obs_sig *sig)
{
	memset(sig, 0, sizeof(*sig));
	if (!m->has_sensor_sig)
		return 0;
	if (m->sensor_sig.len != WIRE_SIG_LEN || n < WIRE_OBS_SIG_TRAILER)
		return -MW_EFIELD;
	const uint8_t *t = p + n - WIRE_OBS_SIG_TRAILER;
	if (t[0] != 0x42 || t[1] != WIRE_SIG_LEN || memcmp(t + 2, m->sensor_sig.data, WIRE_SIG_LEN))
		return -MW_EFIELD; /* not the last field */
	if (has_field(p, n - WIRE_OBS_SIG_TRAILER, 8))
		return -MW_EFIELD; /* twice: only the last would count */
	sig->present = true;
	sig->signed_len = n - WIRE_OBS_SIG_TRAILER;
	memcpy(sig->sig, m->sensor_sig.data, WIRE_SIG_LEN);
	return 0;
}

int wire_obs_decode_sig(const uint8_t *p, size_t n, struct mw_obs *out, struct wire_obs_sig *sig)
{
	if ((!p && n) || !out)
		return -EINVAL;
	Mwlink__Observation *m = mwlink__observation__unpack(NULL, n, p);
	if (!m)
		return -MW_EDECODE;
	struct wire_obs_sig s;
	int rc = wire_msg_sane(&m->base);
	if (rc == 0)
		rc = obs_sig_from_msg(m, p, n, &s);
	if (rc == 0)
		rc = obs_from_msg(m, out);
	if (rc == 0 && sig)
		*sig = s;
	mwlink__observation__free_unpacked(m, NULL);
	return rc;
}

int wire_obs_decode(const uint8_t *p, size_t n, struct mw_obs *out)
{
	return wire_obs_decode_sig(p, n, out, NULL);
}

/* An encoded Observation is a few hundred bytes; a larger one (unknown
 * fields a sensor added) takes the heap. */
#define OBS_SIG_STACK 1024
#define OBS_SIG_DLEN  (sizeof(WIRE_OBS_SIG_DOMAIN)) /* with its NUL: 14 */

/* domain || p[0..n) in stack (cap bytes) or a malloc'd buffer (*heap). */
static uint8_t *obs_sig_msg(const uint8_t *p, size_t n, uint8_t *stack, size_t cap, uint8_t **heap)
{
	*heap = NULL;
	uint8_t *m = stack;
	if (n > cap - OBS_SIG_DLEN) {
		if (n > SIZE_MAX - OBS_SIG_DLEN || !(*heap = malloc(n + OBS_SIG_DLEN)))
			return NULL;
		m = *heap;
	}
	memcpy(m, WIRE_OBS_SIG_DOMAIN, OBS_SIG_DLEN);
	if (n)
		memcpy(m + OBS_SIG_DLEN, p, n);
	return m;
}

int wire_obs_sign(const struct wire_signer *s, struct mw_buf *out, size_t at)
{
	if (!s || !out || at > mw_buf_used(out))
		return -EINVAL;
	size_t n = mw_buf_used(out) - at;
	uint8_t stack[OBS_SIG_STACK], *heap, sig[WIRE_SIG_LEN];
	uint8_t *msg = obs_sig_msg(mw_buf_peek(out) + at, n, stack, sizeof(stack), &heap);
	if (!msg)
		return -ENOMEM;
	int rc = wire_sign_detached(s, msg, n + OBS_SIG_DLEN, sig);
	free(heap);
	if (rc < 0)
		return rc;
	const uint8_t hdr[2] = {0x42, WIRE_SIG_LEN}; /* field 8, wire type 2; length 64 */
	if ((rc = mw_buf_append(out, hdr, sizeof(hdr))) < 0 ||
	    (rc = mw_buf_append(out, sig, sizeof(sig))) < 0) {
		out->len = out->off + at + n; /* drop a partial trailer */
		return rc;
	}
	return (int)(n + WIRE_OBS_SIG_TRAILER);
}

int wire_obs_sig_verify(const uint8_t pub[32], const uint8_t *p, const struct wire_obs_sig *sig)
{
	if (!pub || !sig || !sig->present || (!p && sig->signed_len))
		return -MW_ESIG;
	uint8_t stack[OBS_SIG_STACK], *heap;
	uint8_t *msg = obs_sig_msg(p, sig->signed_len, stack, sizeof(stack), &heap);
	if (!msg)
		return -ENOMEM;
	int rc = wire_verify_detached(pub, msg, sig->signed_len + OBS_SIG_DLEN, sig->sig);
	free(heap);
	return rc;
}

/* ---- Track ---- */

static int launch_check(const Mwlink__LaunchPoint *l)
{
	if (!vec3_ok(l->pos_ecef_m, l->n_pos_ecef_m, WIRE_MAX_ECEF_M))
		return -MW_EFIELD;
	if (!cov_ok(l->cov_upper, l->n_cov_upper, 3))
		return -MW_EFIELD;
	if (!l->has_t_launch_ns || l->t_launch_ns <= 0)
		return -MW_EFIELD;
	if (!l->has_sigma_t_s || !fin(l->sigma_t_s) || l->sigma_t_s < 0)
		return -MW_EFIELD;
	/* Optional ellipse (fields 5-7): all three or none. */
	int ne =
	    l->has_ellipse_semi_major_m + l->has_ellipse_semi_minor_m + l->has_ellipse_orient_deg;
	if (ne != 0 && ne != 3)
		return -MW_EFIELD;
	if (ne == 3) {
		double a = l->ellipse_semi_major_m, b = l->ellipse_semi_minor_m;
		if (!fin(a) || !fin(b) || b < 0 || a < b || a > WIRE_MAX_ECEF_M)
			return -MW_EFIELD;
		double th = l->ellipse_orient_deg;
		if (!fin(th) || th < 0 || th >= 180)
			return -MW_EFIELD;
	}
	if (l->n_cov_en != 0 && !cov_ok(l->cov_en, l->n_cov_en, 2))
		return -MW_EFIELD;
	return 0;
}

static int impact_check(const Mwlink__ImpactPoint *ip)
{
	if (!vec3_ok(ip->pos_ecef_m, ip->n_pos_ecef_m, WIRE_MAX_ECEF_M))
		return -MW_EFIELD;
	if (!ip->has_t_impact_ns || ip->t_impact_ns <= 0)
		return -MW_EFIELD;
	if (!ip->has_sigma_t_s || !fin(ip->sigma_t_s) || ip->sigma_t_s < 0)
		return -MW_EFIELD;
	if (!ip->has_ellipse_semi_major_m || !ip->has_ellipse_semi_minor_m ||
	    !ip->has_ellipse_orient_deg)
		return -MW_EFIELD;
	double a = ip->ellipse_semi_major_m, b = ip->ellipse_semi_minor_m;
	if (!fin(a) || !fin(b) || b < 0 || a < b || a > WIRE_MAX_ECEF_M)
		return -MW_EFIELD;
	double th = ip->ellipse_orient_deg;
	if (!fin(th) || th < 0 || th >= 180)
		return -MW_EFIELD;
	if (ip->n_cov_en != 0 && !cov_ok(ip->cov_en, ip->n_cov_en, 2))
		return -MW_EFIELD;
	return 0;
}

int wire_track_check(const Mwlink__Track *t)
{
	if (!t || !t->has_track_id || t->track_id == 0 || !t->has_t_ns || t->t_ns <= 0)
		return -MW_EFIELD;
	if (!vec3_ok(t->pos_ecef_m, t->n_pos_ecef_m, WIRE_MAX_ECEF_M) ||
	    !vec3_ok(t->vel_ecef_m_s, t->n_vel_ecef_m_s, MAX_SPEED_M_S))
		return -MW_EFIELD;
	if (!cov_ok(t->cov_upper, t->n_cov_upper, 6))
		return -MW_EFIELD;
	if (!t->has_phase || t->phase < MWLINK__PHASE__PHASE_BOOST ||
	    t->phase > MWLINK__PHASE__PHASE_UNKNOWN)
		return -MW_EFIELD;
	if (!t->has_status || t->status < MWLINK__TRACK_STATUS__TRACK_TENTATIVE ||
	    t->status > MWLINK__TRACK_STATUS__TRACK_DELETED)
		return -MW_EFIELD;
	if (!t->has_quality || !fin(t->quality) || t->quality < 0 || t->quality > 1)
		return -MW_EFIELD;
	if (t->launch && launch_check(t->launch) < 0)
		return -MW_EFIELD;
	if (t->impact && impact_check(t->impact) < 0)
		return -MW_EFIELD;
	return 0;
}

/* Unpack with desc into arena ar (NULL: the default allocator), check
 * with fn; on success *out is the message (release with
 * wire_arena_free_msg, or protobuf_c_message_free_unpacked without an
 * arena), on failure nothing is held. */
static int unpack_checked(const ProtobufCMessageDescriptor *desc, int (*check)(const void *),
                          struct wire_arena *ar, const uint8_t *p, size_t n, ProtobufCMessage **out)
{
	if (!p && n)
		return -EINVAL;
	ProtobufCMessage *m = protobuf_c_message_unpack(desc, ar ? &ar->pc : NULL, n, p);
	if (!m)
		return -MW_EDECODE;
	int rc = wire_msg_sane(m);
	if (rc == 0)
		rc = check(m);
	if (rc < 0) {
		if (ar)
			wire_arena_free_msg(ar, m);
		else
			protobuf_c_message_free_unpacked(m, NULL);
		return rc;
	}
	*out = m;
	return 0;
}

/* The same with the default allocator: on success *out owns the message. */
static int decode_checked(const ProtobufCMessageDescriptor *desc, int (*check)(const void *),
                          const uint8_t *p, size_t n, void **out)
{
	if (!out)
		return -EINVAL;
	ProtobufCMessage *m = NULL;
	int rc = unpack_checked(desc, check, NULL, p, n, &m);
	if (rc == 0)
		*out = m;
	return rc;
}

static int track_check_v(const void *m)
{
	return wire_track_check(m);
}

int wire_track_decode(const uint8_t *p, size_t n, Mwlink__Track **out)
{
	return decode_checked(&mwlink__track__descriptor, track_check_v, p, n, (void **)out);
}

/* ---- Alert ---- */

int wire_alert_check(const Mwlink__Alert *a)
{
	if (!a || !str_ok(a->alert_id, 1, WIRE_MAX_ID_LEN))
		return -MW_EFIELD;
	if (!a->has_status || a->status < MWLINK__ALERT_STATUS__ALERT_ACTUAL ||
	    a->status > MWLINK__ALERT_STATUS__ALERT_EXERCISE)
		return -MW_EFIELD;
	if (!a->has_msg_type || a->msg_type < MWLINK__ALERT_MSG_TYPE__ALERT_MSG_ALERT ||
	    a->msg_type > MWLINK__ALERT_MSG_TYPE__ALERT_MSG_CANCEL)
		return -MW_EFIELD;
	if (!str_ok(a->event, 1, WIRE_MAX_TEXT_LEN))
		return -MW_EFIELD;
	if (a->n_areas == 0 || a->n_areas > WIRE_MAX_AREAS)
		return -MW_EFIELD;
	for (size_t i = 0; i < a->n_areas; i++)
		if (!str_ok(a->areas[i], 1, WIRE_MAX_ID_LEN))
			return -MW_EFIELD;
	if (a->impact && impact_check(a->impact) < 0)
		return -MW_EFIELD;
	if (!a->has_sent_ns || a->sent_ns <= 0)
		return -MW_EFIELD;
	if (a->has_onset_ns && a->onset_ns <= 0)
		return -MW_EFIELD;
	if (a->has_expires_ns && a->expires_ns < a->sent_ns)
		return -MW_EFIELD;
	if (a->n_references > WIRE_MAX_REFS)
		return -MW_EFIELD;
	for (size_t i = 0; i < a->n_references; i++)
		if (!str_ok(a->references[i], 1, WIRE_MAX_ID_LEN))
			return -MW_EFIELD;
	/* An update or cancel says what it updates or cancels. */
	if (a->msg_type != MWLINK__ALERT_MSG_TYPE__ALERT_MSG_ALERT && a->n_references == 0)
		return -MW_EFIELD;
	if (a->headline && !str_ok(a->headline, 0, WIRE_MAX_TEXT_LEN))
		return -MW_EFIELD;
	return 0;
}

static int alert_check_v(const void *m)
{
	return wire_alert_check(m);
}

int wire_alert_decode(const uint8_t *p, size_t n, Mwlink__Alert **out)
{
	return decode_checked(&mwlink__alert__descriptor, alert_check_v, p, n, (void **)out);
}

/* ---- link control ---- */

static int cursors_check(Mwlink__Cursor *const *c, size_t n)
{
	if (n > WIRE_MAX_CURSORS)
		return -MW_EFIELD;
	for (size_t i = 0; i < n; i++) {
		if (!c[i] || !wire_nation_valid(c[i]->origin) || !c[i]->has_seq ||
		    c[i]->seq > (uint64_t)INT64_MAX)
			return -MW_EFIELD; /* seqs are 1..INT64_MAX everywhere (journal) */
		for (size_t j = 0; j < i; j++)
			if (strcmp(c[i]->origin, c[j]->origin) == 0)
				return -MW_EFIELD; /* one cursor per origin */
	}
	return 0;
}

int wire_hello_check(const Mwlink__Hello *h)
{
	if (!h || !h->has_protocol_version || h->protocol_version == 0)
		return -MW_EFIELD;
	if (!wire_nation_valid(h->nation))
		return -MW_EFIELD;
	if (h->node_name && !str_ok(h->node_name, 0, WIRE_MAX_ID_LEN))
		return -MW_EFIELD;
	if (h->has_max_frame && (h->max_frame < 1024 || h->max_frame > WIRE_FRAME_MAX_LIMIT))
		return -MW_EFIELD;
	return cursors_check(h->resume, h->n_resume);
}

static int hello_check_v(const void *m)
{
	return wire_hello_check(m);
}

int wire_hello_decode(const uint8_t *p, size_t n, Mwlink__Hello **out)
{
	return decode_checked(&mwlink__hello__descriptor, hello_check_v, p, n, (void **)out);
}

int wire_ack_check(const Mwlink__Ack *a)
{
	if (!a || a->n_refs > WIRE_MAX_ACK_REFS)
		return -MW_EFIELD;
	for (size_t i = 0; i < a->n_refs; i++)
		if (!a->refs[i] || !wire_nation_valid(a->refs[i]->origin) || !a->refs[i]->has_seq ||
		    a->refs[i]->seq == 0 || a->refs[i]->seq > (uint64_t)INT64_MAX)
			return -MW_EFIELD;
	return cursors_check(a->cursors, a->n_cursors);
}

static int ack_check_v(const void *m)
{
	return wire_ack_check(m);
}

int wire_ack_decode(const uint8_t *p, size_t n, Mwlink__Ack **out)
{
	return decode_checked(&mwlink__ack__descriptor, ack_check_v, p, n, (void **)out);
}

int wire_heartbeat_check(const Mwlink__Heartbeat *h)
{
	if (!h || !h->has_send_t_ns)
		return -MW_EFIELD;
	if (h->has_echo_hold_ns && h->echo_hold_ns < 0)
		return -MW_EFIELD;
	return 0;
}

static int heartbeat_check_v(const void *m)
{
	return wire_heartbeat_check(m);
}

int wire_heartbeat_decode(const uint8_t *p, size_t n, Mwlink__Heartbeat **out)
{
	return decode_checked(&mwlink__heartbeat__descriptor, heartbeat_check_v, p, n,
	                      (void **)out);
}

void wire_msg_free(void *msg)
{
	if (msg)
		protobuf_c_message_free_unpacked(msg, NULL);
}

/* ---- payload of an envelope ---- */

int wire_payload_check(const struct wire_body *b)
{
	if (!b || !b->payload)
		return -EINVAL;
	int rc;
	switch (b->kind) {
	case WIRE_KIND_OBSERVATION: {
		struct mw_obs o;
		rc = wire_obs_decode(b->payload, b->payload_len, &o);
		if (rc == 0 && strcmp(o.nation, b->origin) != 0)
			rc = -MW_EFIELD; /* a nation shares only its own sensors' data */
		/* a sensor's exercise data in a real envelope: exercise never
		 * becomes real. The reverse is legal (an exercise node stamps
		 * what live-declared sensors send it). */
		if (rc == 0 && o.exercise && !b->exercise)
			rc = -MW_EEXERCISE;
		return rc;
	}
	case WIRE_KIND_TRACK: {
		_Alignas(16) unsigned char buf[PAYLOAD_ARENA_BYTES];
		struct wire_arena ar;
		wire_arena_init(&ar, buf, sizeof(buf));
		ProtobufCMessage *m = NULL;
		rc = unpack_checked(&mwlink__track__descriptor, track_check_v, &ar, b->payload,
		                    b->payload_len, &m);
		wire_arena_free_msg(&ar, m);
		return rc;
	}
	case WIRE_KIND_ALERT: {
		_Alignas(16) unsigned char buf[PAYLOAD_ARENA_BYTES];
		struct wire_arena ar;
		wire_arena_init(&ar, buf, sizeof(buf));
		ProtobufCMessage *m = NULL;
		rc = unpack_checked(&mwlink__alert__descriptor, alert_check_v, &ar, b->payload,
		                    b->payload_len, &m);
		const Mwlink__Alert *a = (const Mwlink__Alert *)m;
		if (rc == 0 && (a->status == MWLINK__ALERT_STATUS__ALERT_EXERCISE) != b->exercise)
			rc = -MW_EEXERCISE; /* exercise never becomes real, nor the reverse */
		wire_arena_free_msg(&ar, m);
		return rc;
	}
	default:
		return -MW_EFIELD;
	}
}
