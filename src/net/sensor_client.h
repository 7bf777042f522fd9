/*
 * net/sensor_client.h - the sensor side of a node's ingest port: one TLS
 * 1.3 connection with a sensor client certificate that streams
 * Observation frames (docs/protocol.md, section 2, frame type 5).
 *
 * The node binds the connection to the certificate's sensor
 * (mwlink:sensor:<NAT>:<N>); every observation sent on it must carry that
 * nation and number. The node never answers a sensor: it closes the
 * connection when it refuses the certificate (wrong nation, not a sensor
 * certificate, too many sensors, unknown CA), which the client sees as an
 * end of stream or a TLS alert on its next read or write.
 *
 * Blocking I/O with a send timeout: a node that stops reading (its
 * journal queue is full: back-pressure) blocks the writer, and one that
 * takes nothing for send_timeout_ms makes the write fail with -ETIMEDOUT.
 * Frames are batched in an output buffer of NET_SENSOR_OUT_MAX bytes and
 * written when it fills or on net_sensor_flush().
 */
#ifndef MW_NET_SENSOR_CLIENT_H
#define MW_NET_SENSOR_CLIENT_H

#include <stdbool.h>

#include <openssl/ssl.h>

#include "core/err.h"
#include "core/obs.h"

#define NET_SENSOR_OUT_MAX (16u * 1024u)

struct net_sensor_conn;

/*
 * Blocking TCP connect to HOST:PORT (numeric address, decimal port
 * 1..65535; an IPv6 address in brackets is allowed). The socket fd, or -EINVAL (bad
 * address) / -errno (socket, connect) with err naming it. Shared by the
 * sensor client, `mwlink inject` and the integration test drivers.
 */
int net_tcp_connect(const char *hostport, struct mw_errbuf *err);

/*
 * Connect to host:port (numeric IPv4/IPv6 address and port; an IPv6
 * address in brackets is allowed) and complete the TLS handshake with
 * ctx (net_tls_ctx_new with the sensor's certificate). 0 and *out, or
 * -EINVAL (bad address), -ECONNREFUSED / -errno (TCP), -MW_ECERT (the
 * handshake failed; err says why). send_timeout_ms > 0 bounds each
 * blocked write.
 */
int net_sensor_connect(const char *hostport, SSL_CTX *ctx, int send_timeout_ms,
                       struct net_sensor_conn **out, struct mw_errbuf *err);

/*
 * Wait up to wait_ms for the node to say something. A node says nothing
 * to a sensor it accepted, so anything readable is a refusal: returns
 * -ECONNRESET with err naming it (end of stream or the TLS alert), 0 if
 * the connection is still open.
 */
int net_sensor_check(struct net_sensor_conn *c, int wait_ms, struct mw_errbuf *err);

/*
 * The same test on any TLS connection to an ingest port (ssl on socket
 * fd, handshake done): `mwlink inject` uses it, which drives SSL itself.
 * In TLS 1.3 the client's handshake completes before the server has
 * looked at the client certificate, so a refused sensor learns of the
 * refusal only here (or as a failed write much later).
 */
int net_ssl_check_refused(SSL *ssl, int fd, int wait_ms, struct mw_errbuf *err);

/* Mark the connection exercise: every observation sent from now on
 * carries Observation.exercise = true (o->exercise is ignored when set),
 * and the node journals it as exercise data whatever its own [ingest]
 * exercise setting (design invariant 6). Off by default: then each
 * observation's own o->exercise is sent. */
void net_sensor_set_exercise(struct net_sensor_conn *c, bool exercise);

/* Sign every observation sent from now on with the sensor's Ed25519 key
 * (PKCS#8 PEM, `mwlink keys`: <nat>/sensor-<i>.sign.key; nation: the
 * sensor's): Observation.sensor_sig (docs/protocol.md, section 2). 0, or
 * a negative error with err naming the file. */
int net_sensor_sign_with(struct net_sensor_conn *c, const char *key_path, const char *nation,
                         struct mw_errbuf *err);

/* Encode o as an Observation frame (signed when a key is set) and queue
 * it (flushing when the buffer is full). 0, or a negative error with err set (the connection is
 * then unusable). */
int net_sensor_send(struct net_sensor_conn *c, const struct mw_obs *o, struct mw_errbuf *err);

/* Write everything queued. 0 or a negative error with err set. */
int net_sensor_flush(struct net_sensor_conn *c, struct mw_errbuf *err);

/* Frames written to the socket so far (not merely queued). */
uint64_t net_sensor_sent(const struct net_sensor_conn *c);

/* Flush, send close_notify and close. NULL is a no-op. */
void net_sensor_close(struct net_sensor_conn *c);

#endif
