/*
 * wire/payload.h - the payload and link-control messages: encoding,
 * decoding with validation, and conversion between struct mw_obs
 * (core/obs.h) and the Observation message.
 *
 * Track, Alert, Hello, Ack and Heartbeat are handled as the protobuf-c
 * generated structs (wire/mwlink.pb-c.h): decode functions return a
 * validated message the caller frees with protobuf_c_message_free_unpacked
 * (wire_msg_free); check functions validate a message the caller built
 * before it is sent. Errors: -MW_EDECODE (not the message), -MW_EFIELD
 * (a field missing or out of range), -ENOMEM, -ENOBUFS (output buffer).
 */
#ifndef MW_WIRE_PAYLOAD_H
#define MW_WIRE_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/obs.h"
#include "wire/frame.h"
#include "wire/mwlink.pb-c.h"

#define WIRE_MAX_ID_LEN       64  /* alert ids, area ids, node names */
#define WIRE_MAX_TEXT_LEN     256 /* alert event, headline */
#define WIRE_MAX_AREAS        64
#define WIRE_MAX_REFS         64    /* Alert.references */
#define WIRE_MAX_CURSORS      1024  /* Hello.resume, Ack.cursors */
#define WIRE_MAX_ACK_REFS     4096  /* Ack.refs */
#define WIRE_MAX_ECEF_M       1.0e9 /* any position beyond this is garbage */
#define WIRE_PROTOCOL_VERSION 1

/* ---- Observation <-> struct mw_obs ---- */

/* Validate an observation (finite values, ranges, sigmas > 0, orthonormal
 * LOS frame). 0 or -MW_EFIELD. truth_id is ignored. */
int wire_obs_check(const struct mw_obs *o);
/* Validate and append the encoded Observation (truth_id is never sent). */
int wire_obs_encode(const struct mw_obs *o, struct mw_buf *out);
/* Decode and validate; *out is fully written (truth_id = 0) on success. */
int wire_obs_decode(const uint8_t *p, size_t n, struct mw_obs *out);

/* ---- the sensor signature of an Observation (field 8) ----
 *
 * signed message = WIRE_OBS_SIG_DOMAIN and its NUL (14 bytes) || the
 * Observation's encoding up to field 8. Field 8, when present, must be
 * the last WIRE_OBS_SIG_TRAILER bytes of the encoding: tag 0x42, length
 * 0x40, the 64-byte Ed25519 signature (docs/protocol.md, section 2). A
 * decoder that finds field 8 anywhere else, or of another length,
 * refuses the Observation (-MW_EFIELD). */
#define WIRE_OBS_SIG_DOMAIN  "mwlink-obs-v1"
#define WIRE_OBS_SIG_TRAILER 66 /* 0x42 0x40 + 64 */

struct wire_signer;

struct wire_obs_sig {
	bool present;      /* field 8 is there */
	size_t signed_len; /* payload bytes it covers (all before field 8) */
	uint8_t sig[64];   /* WIRE_SIG_LEN */
};

/* Sign the Observation encoded at out[at..end) (wire_obs_encode's output,
 * no field 8 yet) with the sensor's key and append field 8. Returns the
 * new length of the encoding (old + 66) or -ENOMEM/-ENOBUFS/-EIO/-EINVAL. */
int wire_obs_sign(const struct wire_signer *s, struct mw_buf *out, size_t at);
/* wire_obs_decode, and the signature: *sig (may be NULL) says whether
 * field 8 is present and what it covers. */
int wire_obs_decode_sig(const uint8_t *p, size_t n, struct mw_obs *out, struct wire_obs_sig *sig);
/* Verify sig (present) of payload p with a sensor's raw public key:
 * 0, or -MW_ESIG (absent, or it does not verify). */
int wire_obs_sig_verify(const uint8_t pub[32], const uint8_t *p, const struct wire_obs_sig *sig);

/* ---- Track, Alert ---- */

int wire_track_check(const Mwlink__Track *t);
int wire_track_decode(const uint8_t *p, size_t n, Mwlink__Track **out);
int wire_alert_check(const Mwlink__Alert *a);
int wire_alert_decode(const uint8_t *p, size_t n, Mwlink__Alert **out);

/* ---- link control ---- */

int wire_hello_check(const Mwlink__Hello *h);
int wire_hello_decode(const uint8_t *p, size_t n, Mwlink__Hello **out);
int wire_ack_check(const Mwlink__Ack *a);
int wire_ack_decode(const uint8_t *p, size_t n, Mwlink__Ack **out);
int wire_heartbeat_check(const Mwlink__Heartbeat *h);
int wire_heartbeat_decode(const uint8_t *p, size_t n, Mwlink__Heartbeat **out);

/* Decode b's payload according to b->kind and check it, including its
 * consistency with the body: an observation's sensor nation is the origin
 * (a nation shares only what it measured, else -MW_EFIELD); an
 * observation the sensor declared exercise is in an exercise envelope,
 * and an alert's status agrees with the exercise flag (else
 * -MW_EEXERCISE). 0, -MW_EDECODE, -MW_EFIELD, -MW_EEXERCISE, -ENOMEM. */
struct wire_body;
int wire_payload_check(const struct wire_body *b);

/* Free any message returned by a decode function (NULL is a no-op). */
void wire_msg_free(void *msg);

/* Encoding any of these: wire_msg_encode() / wire_msg_frame() (frame.h),
 * after the matching check function. */

/* Helpers for the 3x3 / 6x6 upper-triangle covariance packing used by
 * Track.cov_upper and LaunchPoint.cov_upper: index of (i, j), i <= j. */
static inline unsigned wire_upper_index(unsigned n, unsigned i, unsigned j)
{
	return i * n - i * (i - 1) / 2 + (j - i);
}

#endif
