/*
 * net/sensor_client.c - a blocking sensor connection to a node's ingest
 * port (used by `mwlink sim --connect`).
 *
 * How it works: a TCP connect to a numeric address, a TLS 1.3 handshake
 * with the sensor's client certificate (net/tls.c context: mutual
 * authentication, the node's certificate must chain to our CA), then
 * Observation frames (wire/frame.h header + wire/payload.h Observation)
 * appended to an output buffer and written with SSL_write when the
 * buffer reaches NET_SENSOR_OUT_MAX or on flush. SO_SNDTIMEO bounds how
 * long a write may block on a node that stopped reading.
 *
 * The node sends nothing to a sensor it accepted, so a readable socket
 * after the handshake means the node closed it (it refused the
 * certificate's identity, or TLS verification failed on its side and it
 * sent an alert); net_sensor_check() turns that into an error.
 *
 * Invariants:
 *  1. The output buffer never holds more than NET_SENSOR_OUT_MAX bytes
 *     plus one frame (a frame is at most a few hundred bytes).
 *  2. sent counts only frames whose bytes SSL_write accepted in full.
 *  3. After any error the connection is marked broken and every later
 *     send/flush fails at once with the same error.
 *  4. On a connection marked exercise (net_sensor_set_exercise) every
 *     Observation sent carries exercise = true, whatever the caller's
 *     struct says: the declaration travels with the data (design
 *     invariant 6), and the node keeps it as exercise data.
 */
#include "net/sensor_client.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "core/buf.h"
#include "wire/frame.h"
#include "wire/payload.h"
#include "wire/sign.h"

struct net_sensor_conn {
	int fd;
	SSL *ssl;
	struct mw_buf out;
	uint64_t queued;            /* frames in out */
	uint64_t sent;              /* frames written */
	int broken;                 /* 0 or the first error */
	bool exercise;              /* mark every observation exercise (invariant 4) */
	struct wire_signer *signer; /* the sensor's signing key, or NULL: unsigned */
};

static int split_hostport(const char *hostport, char *host, size_t hcap, const char **port)
{
	const char *colon = strrchr(hostport, ':');
	if (!colon || colon == hostport || !colon[1])
		return -EINVAL;
	const char *h = hostport;
	size_t n = (size_t)(colon - hostport);
	if (h[0] == '[') {
		if (n < 2 || h[n - 1] != ']')
			return -EINVAL;
		h++;
		n -= 2;
	}
	if (n == 0 || n >= hcap)
		return -EINVAL;
	/* a port of 1..65535 in decimal: getaddrinfo takes "99999" and
	 * silently connects to 99999 mod 65536 */
	unsigned long pv = 0;
	for (const char *q = colon + 1; *q; q++) {
		if (*q < '0' || *q > '9' || pv > 65535)
			return -EINVAL;
		pv = pv * 10 + (unsigned long)(*q - '0');
	}
	if (pv < 1 || pv > 65535)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = colon + 1;
	return 0;
}

static void ssl_errstr(char *buf, size_t cap)
{
	unsigned long e = ERR_get_error();
	if (e)
		ERR_error_string_n(e, buf, cap);
	else
		snprintf(buf, cap, "%s", errno ? strerror(errno) : "connection closed");
	ERR_clear_error();
}

int net_tcp_connect(const char *hostport, struct mw_errbuf *err)
{
	char host[256];
	const char *port = NULL;
	if (split_hostport(hostport, host, sizeof(host), &port)) {
		mw_errbuf_set(err,
		              "'%s' is not HOST:PORT with a numeric address and a port of 1..65535",
		              hostport);
		return -EINVAL;
	}
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	int g = getaddrinfo(host, port, &hints, &res);
	if (g != 0) {
		mw_errbuf_set(err, "'%s' is not HOST:PORT with a numeric address (%s)", hostport,
		              gai_strerror(g));
		return -EINVAL;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
		int e = errno;
		mw_errbuf_set(err, "cannot connect to %s: %s", hostport, strerror(e));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -e;
	}
	freeaddrinfo(res);
	return fd;
}

int net_sensor_connect(const char *hostport, SSL_CTX *ctx, int send_timeout_ms,
                       struct net_sensor_conn **out, struct mw_errbuf *err)
{
	struct net_sensor_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	mw_buf_init(&c->out, NET_SENSOR_OUT_MAX + 4096);
	int rc;
	c->fd = net_tcp_connect(hostport, err);
	if (c->fd < 0) {
		rc = c->fd;
		goto fail;
	}
	if (send_timeout_ms > 0) {
		struct timeval tv = {send_timeout_ms / 1000, (send_timeout_ms % 1000) * 1000};
		setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	c->ssl = SSL_new(ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) {
		rc = -ENOMEM;
		goto fail;
	}
	ERR_clear_error();
	errno = 0;
	if (SSL_connect(c->ssl) != 1) {
		char e[200];
		long v = SSL_get_verify_result(c->ssl);
		if (v != X509_V_OK)
			snprintf(e, sizeof(e), "node certificate: %s",
			         X509_verify_cert_error_string(v));
		else
			ssl_errstr(e, sizeof(e));
		mw_errbuf_set(err, "TLS handshake with %s failed: %s", hostport, e);
		rc = -MW_ECERT;
		goto fail;
	}
	*out = c;
	return 0;
fail:
	net_sensor_close(c);
	return rc;
}

int net_ssl_check_refused(SSL *ssl, int fd, int wait_ms, struct mw_errbuf *err)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r = poll(&p, 1, wait_ms);
	if (r <= 0 && SSL_pending(ssl) == 0)
		return 0; /* nothing said: still accepted */
	uint8_t b[256];
	ERR_clear_error();
	errno = 0;
	int n = SSL_read(ssl, b, sizeof(b));
	char e[200];
	if (n > 0) {
		snprintf(e, sizeof(e), "it sent %d unexpected bytes", n);
	} else {
		int se = SSL_get_error(ssl, n);
		if (se == SSL_ERROR_WANT_READ)
			return 0; /* a TLS record with no data (session ticket) */
		unsigned long first = ERR_peek_error();
		if (se == SSL_ERROR_ZERO_RETURN || (se == SSL_ERROR_SYSCALL && n == 0) ||
		    (se == SSL_ERROR_SSL &&
		     ERR_GET_REASON(first) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
			ERR_clear_error();
			snprintf(e, sizeof(e), "it closed the connection after the TLS handshake");
		} else {
			char s[160];
			ssl_errstr(s, sizeof(s));
			snprintf(e, sizeof(e), "%s", s);
		}
	}
	mw_errbuf_set(err,
	              "the node refused this sensor: %s (the node's log names the reason: "
	              "certificate of another nation, not a sensor certificate, too many "
	              "sensors, or a CA it does not trust)",
	              e);
	return -ECONNRESET;
}

int net_sensor_check(struct net_sensor_conn *c, int wait_ms, struct mw_errbuf *err)
{
	if (c->broken)
		return c->broken;
	int rc = net_ssl_check_refused(c->ssl, c->fd, wait_ms, err);
	if (rc)
		c->broken = rc;
	return rc;
}

int net_sensor_flush(struct net_sensor_conn *c, struct mw_errbuf *err)
{
	if (c->broken)
		return c->broken;
	while (mw_buf_used(&c->out) > 0) {
		size_t len = mw_buf_used(&c->out);
		ERR_clear_error();
		errno = 0;
		int w = SSL_write(c->ssl, mw_buf_peek(&c->out), (int)len);
		if (w <= 0) {
			int en = errno;
			char e[200];
			ssl_errstr(e, sizeof(e));
			if (en == EAGAIN || en == EWOULDBLOCK) {
				mw_errbuf_set(err, "the node took no data within the send timeout");
				c->broken = -ETIMEDOUT;
			} else {
				mw_errbuf_set(err, "the node closed the connection (%s)", e);
				c->broken = -ECONNRESET;
			}
			return c->broken;
		}
		mw_buf_consume(&c->out, (size_t)w);
	}
	c->sent += c->queued;
	c->queued = 0;
	mw_buf_reset(&c->out);
	return 0;
}

int net_sensor_send(struct net_sensor_conn *c, const struct mw_obs *o, struct mw_errbuf *err)
{
	if (c->broken)
		return c->broken;
	size_t at = mw_buf_used(&c->out);
	int rc = mw_buf_reserve(&c->out, WIRE_FRAME_HDR_LEN);
	if (rc)
		return rc;
	mw_buf_commit(&c->out, WIRE_FRAME_HDR_LEN);
	int n;
	if (c->exercise && !o->exercise) {
		struct mw_obs ox = *o;
		ox.exercise = true;
		n = wire_obs_encode(&ox, &c->out);
	} else {
		n = wire_obs_encode(o, &c->out);
	}
	if (n >= 0 && c->signer)
		n = wire_obs_sign(c->signer, &c->out, at + WIRE_FRAME_HDR_LEN);
	if (n < 0 ||
	    wire_frame_header(c->out.data + c->out.off + at, WIRE_FT_OBSERVATION, (size_t)n)) {
		mw_errbuf_set(err, "cannot encode the observation: %s",
		              mw_strerror(n < 0 ? n : -MW_EFIELD));
		/* drop the partial frame */
		c->out.len = c->out.off + at;
		return n < 0 ? n : -MW_EFIELD;
	}
	c->queued++;
	if (mw_buf_used(&c->out) >= NET_SENSOR_OUT_MAX)
		return net_sensor_flush(c, err);
	return 0;
}

void net_sensor_set_exercise(struct net_sensor_conn *c, bool exercise)
{
	c->exercise = exercise;
}

int net_sensor_sign_with(struct net_sensor_conn *c, const char *key_path, const char *nation,
                         struct mw_errbuf *err)
{
	struct wire_signer *s = NULL;
	int rc = wire_signer_new_pem(nation, key_path, &s);
	if (rc < 0) {
		mw_errbuf_set(err, "sensor signing key %s: %s", key_path, mw_strerror(rc));
		return rc;
	}
	wire_signer_free(c->signer);
	c->signer = s;
	return 0;
}

uint64_t net_sensor_sent(const struct net_sensor_conn *c)
{
	return c->sent;
}

void net_sensor_close(struct net_sensor_conn *c)
{
	if (!c)
		return;
	if (c->ssl) {
		if (!c->broken) {
			struct mw_errbuf e = {{0}};
			if (net_sensor_flush(c, &e) == 0)
				SSL_shutdown(c->ssl);
		}
		SSL_free(c->ssl);
	}
	if (c->fd >= 0)
		close(c->fd);
	mw_buf_finish(&c->out);
	wire_signer_free(c->signer);
	free(c);
}
