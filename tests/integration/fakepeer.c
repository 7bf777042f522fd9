/*
 * tests/integration/fakepeer.c - a scriptable, possibly malicious partner
 * node for the integration tests.
 *
 *   fakepeer --connect HOST:PORT --ca CA --cert CRT --key KEY --nation NAT
 *            ACTION...
 *
 * It connects like a partner (TLS 1.3 with the given certificate), sends
 * Hello {nation NAT}, waits for the node's Hello, then performs the
 * actions in order:
 *
 *   env ORIGIN SEQ RELEASE KEYFILE   an observation envelope of ORIGIN with
 *                                    releasability RELEASE ("GBR+USA+JPN"),
 *                                    signed (batch of one) with KEYFILE
 *                                    (envelope exercise = true, the
 *                                    observation declares nothing)
 *   envx ORIGIN SEQ RELEASE KEYFILE  the same, but the observation declares
 *                                    exercise and the envelope says real:
 *                                    correctly signed, inconsistent
 *   dup                              send the previous envelope again
 *   garbage                          16 bytes that are not a frame
 *   oversize                         a header announcing a 60 MiB payload
 *   acks N                           wait (5 s) until Ack.frames >= N
 *   closed                           wait (5 s) until the node closes the link
 *   alive [SECONDS]                  the same for 10 s (or SECONDS, 1-120),
 *                                    sending a Heartbeat every 100 ms meanwhile
 *                                    (a live link the node must not time out:
 *                                    only a replacement, or the expiry of a
 *                                    certificate, closes it)
 *
 * Exit: 0 all actions done, 3 the node refused the connection (no Hello),
 * 4 an expectation (acks / closed) failed, 2 usage, 1 other failure.
 * What it sees is printed on stdout ("hello USA", "ack 3", "closed"). *
 *   fakepeer --mint PKI OUT NAT NOT_BEFORE NOT_AFTER
 *
 * writes OUT.crt and OUT.key: a node certificate of NAT (CN node.<nat>,
 * SAN mwlink:nation:NAT, as `mwlink keys` makes them) issued by PKI/ca.crt
 * with PKI/ca.key, valid from NOT_BEFORE to NOT_AFTER seconds from now
 * (negative: in the past) - a real certificate that expires, or becomes
 * valid, while a node runs. NAT "CA": the alliance CA certificate again
 * (CN "mwlink alliance CA", self-signed with PKI/ca.key, so that every
 * certificate of PKI still chains to it) with that validity; OUT.key is
 * then not written. NAT "NAT:N" (e.g. KOR:1): sensor N's client
 * certificate instead (CN sensor-<n>.<nat>, SAN mwlink:sensor:NAT:N, as
 * `mwlink keys` makes them). Exit 0, or 1 with the cause on stderr.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/buf.h"
#include "core/obs.h"
#include "core/time.h"
#include "net/pki.h"
#include "net/sensor_client.h"
#include "net/tls.h"
#include "wire/envelope.h"
#include "wire/frame.h"
#include "wire/payload.h"
#include "wire/sign.h"

static SSL *ssl;
static struct mw_buf inbuf;
static uint64_t acked_frames;

static int write_all(const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		int w = SSL_write(ssl, b, (int)n);
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read one frame within timeout_ms. 1 frame, 0 timeout, -1 closed. */
static int read_frame(int timeout_ms, struct wire_frame *f, size_t *consumed)
{
	int64_t deadline = mw_time_mono_ns() + (int64_t)timeout_ms * MW_NS_PER_MS;
	for (;;) {
		int rc = wire_frame_peek(&inbuf, WIRE_FRAME_MAX_DEFAULT, f);
		if (rc > 0) {
			*consumed = (size_t)rc;
			return 1;
		}
		if (rc != -EAGAIN)
			return -1;
		if (SSL_pending(ssl) == 0) {
			int64_t left = deadline - mw_time_mono_ns();
			if (left <= 0)
				return 0;
			struct pollfd p = {SSL_get_fd(ssl), POLLIN, 0};
			if (poll(&p, 1, (int)(left / MW_NS_PER_MS) + 1) == 0)
				return 0;
		}
		if (mw_buf_reserve(&inbuf, 16384))
			return -1;
		int n = SSL_read(ssl, mw_buf_tail(&inbuf), 16384);
		if (n <= 0)
			return -1;
		mw_buf_commit(&inbuf, (size_t)n);
	}
}

/* Handle frames until pred holds or timeout; 1 held, 0 timeout, -1 closed. */
static int pump_until(uint64_t want_acks, int timeout_ms)
{
	int64_t deadline = mw_time_mono_ns() + (int64_t)timeout_ms * MW_NS_PER_MS;
	while (acked_frames < want_acks || want_acks == UINT64_MAX) {
		int64_t left = deadline - mw_time_mono_ns();
		if (left <= 0)
			return 0;
		struct wire_frame f;
		size_t used;
		int rc = read_frame((int)(left / MW_NS_PER_MS) + 1, &f, &used);
		if (rc <= 0)
			return rc;
		if (f.type == WIRE_FT_ACK) {
			Mwlink__Ack *a = NULL;
			if (wire_ack_decode(f.payload, f.len, &a) == 0 && a->has_frames) {
				acked_frames = a->frames;
				printf("ack %llu\n", (unsigned long long)acked_frames);
			}
			wire_msg_free(a);
		}
		mw_buf_consume(&inbuf, used);
	}
	return 1;
}

static int send_env(const char *origin, uint64_t seq, const char *release, const char *keyfile,
                    bool mismatch, struct mw_buf *last)
{
	struct mw_obs o;
	memset(&o, 0, sizeof(o));
	o.t_ns = mw_time_now_ns();
	o.sensor_id = 1;
	snprintf(o.nation, sizeof(o.nation), "%s", origin);
	o.kind = MW_OBS_RADAR;
	o.sensor_ecef_m[0] = 3.9e6;
	o.sensor_ecef_m[2] = 5.0e6;
	o.range_m = 300e3;
	o.az_rad = 1.0;
	o.el_rad = 0.3;
	o.sigma_range_m = 30;
	o.sigma_az_rad = 1e-3;
	o.sigma_el_rad = 1e-3;
	o.exercise = mismatch;
	struct mw_buf pl, body;
	mw_buf_init(&pl, 4096);
	mw_buf_init(&body, 8192);
	int rc = wire_obs_encode(&o, &pl);
	struct wire_body b;
	memset(&b, 0, sizeof(b));
	snprintf(b.origin, sizeof(b.origin), "%s", origin);
	b.seq = seq;
	b.kind = WIRE_KIND_OBSERVATION;
	b.exercise = !mismatch;
	b.data_t_ns = o.t_ns;
	b.payload = mw_buf_peek(&pl);
	b.payload_len = mw_buf_used(&pl);
	for (const char *p = release; *p && b.n_release < WIRE_MAX_RELEASE;) {
		memcpy(b.release[b.n_release], p, 3);
		b.release[b.n_release++][3] = '\0';
		p += 3;
		if (*p == '+')
			p++;
	}
	struct wire_signer *s = NULL;
	struct wire_auth auth;
	if (rc < 0 || wire_body_encode(&b, &body) < 0 ||
	    wire_signer_new_pem(origin, keyfile, &s) != 0) {
		fprintf(stderr, "fakepeer: cannot build envelope %s/%llu\n", origin,
		        (unsigned long long)seq);
		rc = -1;
		goto out;
	}
	struct wire_slice sl = {mw_buf_peek(&body), mw_buf_used(&body)};
	mw_buf_reset(last);
	if (wire_batch_sign(s, &sl, 1, &auth) != 0 ||
	    wire_envelope_frame(sl.p, sl.len, &auth, last) < 0) {
		rc = -1;
		goto out;
	}
	rc = write_all(mw_buf_peek(last), mw_buf_used(last));
out:
	wire_signer_free(s);
	mw_buf_finish(&pl);
	mw_buf_finish(&body);
	return rc;
}

static int mint(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: fakepeer --mint PKI OUT NAT NOT_BEFORE NOT_AFTER\n");
		return 2;
	}
	char path[4096], cn[NET_CN_MAX], uri[64], low[4] = "";
	for (int k = 0; k < 3 && argv[4][k]; k++)
		low[k] = (char)(argv[4][k] | 0x20);
	struct mw_errbuf err = {{0}};
	X509 *ca = NULL, *crt = NULL;
	EVP_PKEY *ca_key = NULL, *key = NULL;
	int rc = 1;
	snprintf(path, sizeof(path), "%s/ca.crt", argv[2]);
	if (net_pki_read_cert(path, &ca, &err))
		goto out;
	snprintf(path, sizeof(path), "%s/ca.key", argv[2]);
	if (net_pki_read_key(path, &ca_key, &err))
		goto out;
	bool is_ca = !strcmp(argv[4], "CA");
	const char *sensor = strlen(argv[4]) > 4 && argv[4][3] == ':' ? argv[4] + 4 : NULL;
	snprintf(cn, sizeof(cn), is_ca ? "mwlink alliance CA" : "node.%s", low);
	snprintf(uri, sizeof(uri), "mwlink:nation:%.3s", argv[4]);
	if (sensor) {
		snprintf(cn, sizeof(cn), "sensor-%s.%s", sensor, low);
		snprintf(uri, sizeof(uri), "mwlink:sensor:%.3s:%s", argv[4], sensor);
	}
	struct net_cert_spec spec = {is_ca    ? NET_CERT_CA
	                             : sensor ? NET_CERT_SENSOR
	                                      : NET_CERT_NODE,
	                             cn, is_ca ? NULL : uri, strtoll(argv[5], NULL, 10),
	                             strtoll(argv[6], NULL, 10)};
	if (is_ca) {
		if (net_pki_issue(&spec, ca_key, NULL, ca_key, &crt, &err))
			goto out;
	} else {
		if (net_pki_keygen(&key) || net_pki_issue(&spec, key, ca, ca_key, &crt, &err))
			goto out;
		snprintf(path, sizeof(path), "%s.key", argv[3]);
		if (net_pki_write_key(path, key, &err))
			goto out;
	}
	snprintf(path, sizeof(path), "%s.crt", argv[3]);
	if (net_pki_write_cert(path, crt, &err))
		goto out;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "fakepeer --mint: %s\n", err.msg[0] ? err.msg : "failed");
	X509_free(ca);
	X509_free(crt);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--mint"))
		return mint(argc, argv);
	const char *addr = NULL, *ca = NULL, *cert = NULL, *key = NULL, *nation = NULL;
	int i = 1;
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (!strcmp(argv[i], "--connect"))
			addr = argv[i + 1];
		else if (!strcmp(argv[i], "--ca"))
			ca = argv[i + 1];
		else if (!strcmp(argv[i], "--cert"))
			cert = argv[i + 1];
		else if (!strcmp(argv[i], "--key"))
			key = argv[i + 1];
		else if (!strcmp(argv[i], "--nation"))
			nation = argv[i + 1];
		else
			break;
	}
	if (!addr || !ca || !cert || !key || !nation) {
		fprintf(stderr, "usage: fakepeer --connect H:P --ca CA --cert C --key K --nation N "
		                "ACTION...\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	mw_buf_init(&inbuf, 4u << 20);
	struct mw_errbuf err = {{0}};
	SSL_CTX *ctx = NULL;
	if (net_tls_ctx_new(ca, cert, key, &ctx, &err)) {
		fprintf(stderr, "fakepeer: %s\n", err.msg);
		return 1;
	}
	int fd = net_tcp_connect(addr, NULL);
	if (fd < 0) {
		fprintf(stderr, "fakepeer: connect %s: %s\n", addr, strerror(errno));
		return 1;
	}
	int status = 0;
	struct mw_buf out, last;
	mw_buf_init(&out, 1u << 20);
	mw_buf_init(&last, 1u << 20);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1) {
		printf("refused in handshake\n");
		status = 3;
		goto done;
	}
	Mwlink__Hello h = MWLINK__HELLO__INIT;
	h.has_protocol_version = 1;
	h.protocol_version = WIRE_PROTOCOL_VERSION;
	h.nation = (char *)nation;
	h.node_name = (char *)"fakepeer";
	if (wire_msg_frame(WIRE_FT_HELLO, &h.base, &out) < 0 ||
	    write_all(mw_buf_peek(&out), mw_buf_used(&out))) {
		printf("refused\n");
		status = 3;
		goto done;
	}
	struct wire_frame f;
	size_t used;
	int rc = read_frame(5000, &f, &used);
	if (rc <= 0 || f.type != WIRE_FT_HELLO) {
		printf("refused (no hello)\n");
		status = 3;
		goto done;
	}
	Mwlink__Hello *hh = NULL;
	if (wire_hello_decode(f.payload, f.len, &hh) == 0)
		printf("hello %s\n", hh->nation);
	wire_msg_free(hh);
	mw_buf_consume(&inbuf, used);

	for (; i < argc; i++) {
		const char *a = argv[i];
		if ((!strcmp(a, "env") || !strcmp(a, "envx")) && i + 4 < argc) {
			if (send_env(argv[i + 1], strtoull(argv[i + 2], NULL, 10), argv[i + 3],
			             argv[i + 4], a[3] == 'x', &last)) {
				status = 1;
				break;
			}
			i += 4;
		} else if (!strcmp(a, "dup")) {
			write_all(mw_buf_peek(&last), mw_buf_used(&last));
		} else if (!strcmp(a, "garbage")) {
			static const uint8_t junk[16] = "GARBAGE-GARBAGE";
			write_all(junk, sizeof(junk));
		} else if (!strcmp(a, "oversize")) {
			uint8_t hdr[WIRE_FRAME_HDR_LEN];
			wire_frame_header(hdr, WIRE_FT_ENVELOPE, (size_t)60 << 20);
			write_all(hdr, sizeof(hdr));
		} else if (!strcmp(a, "acks") && i + 1 < argc) {
			uint64_t want = strtoull(argv[++i], NULL, 10);
			if (pump_until(want, 5000) != 1) {
				printf("acks: wanted %llu, got %llu\n", (unsigned long long)want,
				       (unsigned long long)acked_frames);
				status = 4;
				break;
			}
		} else if (!strcmp(a, "alive")) {
			int r = 0, secs = 10;
			if (i + 1 < argc && argv[i + 1][0] >= '0' && argv[i + 1][0] <= '9') {
				secs = atoi(argv[++i]);
				if (secs < 1 || secs > 120) {
					fprintf(stderr, "fakepeer: alive %d: 1 to 120 s\n", secs);
					status = 2;
					break;
				}
			}
			for (int k = 0; k < 10 * secs && r != -1; k++) {
				Mwlink__Heartbeat hb = MWLINK__HEARTBEAT__INIT;
				hb.has_send_t_ns = 1;
				hb.send_t_ns = mw_time_mono_ns();
				mw_buf_reset(&out);
				if (wire_msg_frame(WIRE_FT_HEARTBEAT, &hb.base, &out) < 0 ||
				    write_all(mw_buf_peek(&out), mw_buf_used(&out)))
					break;
				r = pump_until(UINT64_MAX, 100);
			}
			if (r != -1) {
				printf("expected the node to close the link\n");
				status = 4;
				break;
			}
			printf("closed\n");
		} else if (!strcmp(a, "closed")) {
			int r = pump_until(UINT64_MAX, 5000);
			if (r != -1) {
				printf("expected the node to close the link\n");
				status = 4;
				break;
			}
			printf("closed\n");
		} else {
			fprintf(stderr, "fakepeer: bad action '%s'\n", a);
			status = 2;
			break;
		}
	}
done:
	SSL_free(ssl);
	close(fd);
	SSL_CTX_free(ctx);
	mw_buf_finish(&out);
	mw_buf_finish(&last);
	mw_buf_finish(&inbuf);
	return status;
}
