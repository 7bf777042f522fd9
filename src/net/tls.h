/*
 * net/tls.h - TLS contexts for partner links and sensor ingest, and the
 * classification of why a handshake failed.
 *
 * Every connection is TLS 1.3 only (RFC 8446) with mutual certificate
 * authentication: both sides present a certificate that must chain to the
 * configured CA. Who the peer is (nation, sensor number) is then checked
 * by the caller against its certificate identity (net/pki.h) - chain
 * verification alone says only "someone in the alliance".
 */
#ifndef MW_NET_TLS_H
#define MW_NET_TLS_H

#include <stdbool.h>

#include <openssl/ssl.h>

#include "core/err.h"

/* Why a connection was refused; each has a counter and a stable label. */
enum net_reject {
	NET_REJ_CERT_EXPIRED = 0,   /* peer certificate outside its validity */
	NET_REJ_CERT_UNKNOWN_CA,    /* does not chain to our CA */
	NET_REJ_CERT_INVALID,       /* other chain verification failure */
	NET_REJ_CERT_MISSING,       /* no client certificate */
	NET_REJ_CERT_NATION,        /* valid certificate, wrong nation for this peer */
	NET_REJ_CERT_IDENTITY,      /* valid certificate, no configured peer/sensor has it */
	NET_REJ_TLS_ALERT,          /* the other side refused us (alert received) */
	NET_REJ_TLS,                /* other TLS failure (version, protocol, EOF) */
	NET_REJ_HELLO,              /* Hello missing, malformed or inconsistent */
	NET_REJ_FRAME_OVERSIZE,     /* length prefix above [limits] max_frame */
	NET_REJ_FRAME_GARBAGE,      /* frame header malformed */
	NET_REJ_DECODE,             /* payload does not decode */
	NET_REJ_UNEXPECTED,         /* message not allowed in this state / direction */
	NET_REJ_SIG,                /* origin signature or Merkle proof fails */
	NET_REJ_NOKEY,              /* no public key for the origin */
	NET_REJ_NOT_RELEASED,       /* envelope not released to us (security event) */
	NET_REJ_RELAY_NOT_RELEASED, /* relayed by a node not in the set itself */
	NET_REJ_SPOOFED_ORIGIN,     /* sensor/peer claims an origin it cannot speak for */
	NET_REJ_REPLAY,             /* (origin, seq) already journaled */
	NET_REJ_TIMEOUT,            /* heartbeat / handshake timeout */
	NET_REJ_OVERLOAD,           /* journal queue or connection limit full */
	NET_REJ_EXERCISE_MISMATCH,  /* payload's exercise status disagrees with the envelope flag */
	NET_REJ_SENSOR_SIG,         /* sensor signature missing, unverifiable or not the sensor's */
	NET_REJ_COUNT
};

const char *net_reject_str(enum net_reject r);

/*
 * A context for TLS 1.3 with this certificate/key, trusting ca and
 * requiring a peer certificate. Works for both ends (accept and connect).
 * No session tickets or resumption: every connection proves its
 * certificate afresh. *out is the caller's (SSL_CTX_free).
 */
int net_tls_ctx_new(const char *ca, const char *cert, const char *key, SSL_CTX **out,
                    struct mw_errbuf *err);

/*
 * Check this node's own certificate in ctx (net_tls_ctx_new) before it is
 * used: it must verify against the context's CA now (not expired, not of
 * another CA) and bind `nation` as a node certificate (not a sensor's,
 * not another nation's). Every partner would refuse such a certificate
 * (cert_expired, cert_unknown_ca, cert_wrong_nation,
 * cert_unknown_identity), so a node holding one could link with no one
 * while its own log said nothing. -MW_ECERT with err naming the cause.
 * *time_only (may be NULL) is set true when the one fault is the time
 * (expired or not yet valid, the chain and the nation otherwise good):
 * the node then still starts (net_node_new), since its sensors, its
 * national picture and its warnings need no partner, and a node that
 * would not restart after a power cut because its link certificate
 * lapsed meanwhile would stop warning; `mwlinkd --check` fails on it.
 */
int net_tls_check_own(SSL_CTX *ctx, const char *nation, bool *time_only, struct mw_errbuf *err);

/*
 * After a failed handshake on ssl: the reason and a human message
 * (verify error string or OpenSSL error queue). Pops the thread's OpenSSL
 * error queue. ssl_err is the error the bufferevent reported (0 if none).
 */
enum net_reject net_tls_classify(SSL *ssl, unsigned long ssl_err, char *msg, size_t cap);

#endif
