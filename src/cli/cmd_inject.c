/*
 * cli/cmd_inject.c - `mwlink inject`: a minimal test sensor.
 *
 *   mwlink inject --connect HOST:PORT --ca CA --cert CRT --key KEY
 *                 [--count N] [--rate HZ] [--t0 NS] [--garbage] [--oversize]
 *                 [--claim-sensor N] [--exercise] [--sign-key KEY [--bad-sig I]]
 *
 * Connects to a node's ingest port with a sensor client certificate
 * (TLS 1.3, mutual authentication) and streams N radar Observation frames
 * (sensor nation and number taken from the certificate's
 * mwlink:sensor:<NAT>:<N> URI, measurement times t0 + i ms, a target
 * moving away at constant speed). --rate paces them (0 = as fast as the
 * connection takes them). --garbage / --oversize send one malformed or
 * too-large frame after the observations, and --claim-sensor N puts
 * another sensor number in the observations than the certificate's (all
 * for tests: the node must reject them). --exercise declares every
 * observation exercise data (Observation.exercise = true): the node
 * journals it as exercise whatever its [ingest] exercise setting.
 * --sign-key KEY signs every observation with that Ed25519 key
 * (Observation.sensor_sig; `mwlink keys` writes <nat>/sensor-<i>.sign.key),
 * and --bad-sig I then flips one bit of the signature of observation I
 * (0-based; a test: the node rejects that one as sensor_signature and
 * journals the others of the same connection). Another sensor's key, or
 * none, are the other cases a node with [ingest] sensor_keys rejects.
 *
 * Prints "sent N" on stdout when done. A node that refuses the sensor
 * (certificate of another nation, not a sensor certificate, too many
 * sensors) says so only by closing the connection after the TLS 1.3
 * handshake, which the client completes first: inject waits
 * INJECT_CHECK_WAIT_MS for that after the handshake (a refusal: exit 1,
 * the reason on stderr) and looks again before it reports success (a
 * connection the node closed meanwhile: exit 1), never "sent N" for
 * observations the node dropped.
 * (--garbage and --oversize make the node close the connection on
 * purpose: there the final look is skipped.) The real-time feed from
 * the simulator is `mwlink sim --connect`.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/obs.h"
#include "core/time.h"
#include "net/sensor_client.h"
#include "net/pki.h"
#include "net/tls.h"
#include "wire/frame.h"
#include "wire/payload.h"
#include "wire/sign.h"

/* Time for a node to refuse a sensor after the handshake (as mwlink sim). */
#define INJECT_CHECK_WAIT_MS 300

static void inject_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: mwlink inject --connect HOST:PORT --ca CA --cert CRT --key KEY\n"
	    "                     [--count N] [--rate HZ] [--t0 NS] [--garbage] [--oversize]\n"
	    "                     [--claim-sensor N] [--exercise] [--sign-key KEY [--bad-sig I]]\n"
	    "Stream radar observations to a node's ingest port as a test sensor.\n"
	    "  --exercise  declare every observation exercise data (the node keeps it\n"
	    "              as exercise data whatever its [ingest] exercise setting)\n"
	    "  --sign-key KEY  sign every observation with this sensor signing key\n"
	    "              (<nat>/sensor-<i>.sign.key of mwlink keys)\n"
	    "  --bad-sig I flip one bit of observation I's signature (0-based; tests)\n");
}

static int ssl_write_all(SSL *ssl, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		int w = SSL_write(ssl, b, n > INT32_MAX ? INT32_MAX : (int)n);
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static void sleep_until_mono(int64_t t)
{
	for (;;) {
		int64_t d = t - mw_time_mono_ns();
		if (d <= 0)
			return;
		struct timespec ts = {(time_t)(d / MW_NS_PER_S), (long)(d % MW_NS_PER_S)};
		nanosleep(&ts, NULL);
	}
}

int cmd_inject(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"connect", required_argument, NULL, 'c'},
	    {"ca", required_argument, NULL, 'a'},
	    {"cert", required_argument, NULL, 'e'},
	    {"key", required_argument, NULL, 'k'},
	    {"count", required_argument, NULL, 'n'},
	    {"rate", required_argument, NULL, 'r'},
	    {"t0", required_argument, NULL, 't'},
	    {"garbage", no_argument, NULL, 'g'},
	    {"oversize", no_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {"claim-sensor", required_argument, NULL, 's'},
	    {"exercise", no_argument, NULL, 'x'},
	    {"sign-key", required_argument, NULL, 'S'},
	    {"bad-sig", required_argument, NULL, 'B'},
	    {NULL, 0, NULL, 0},
	};
	const char *addr = NULL, *ca = NULL, *cert = NULL, *key = NULL, *sign_key = NULL;
	long count = 10;
	double rate = 0;
	int64_t t0 = 0;
	int garbage = 0, oversize = 0, exercise = 0, ch;
	long bad_sig = -1;
	long claim = 0;
	char *end;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			addr = optarg;
			break;
		case 'a':
			ca = optarg;
			break;
		case 'e':
			cert = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'n':
			count = strtol(optarg, &end, 10);
			if (*end || count < 0 || count > 100000000) {
				fprintf(stderr,
				        "mwlink inject: --count: expected 0..1e8, got '%s'\n",
				        optarg);
				return 2;
			}
			break;
		case 'r':
			rate = strtod(optarg, &end);
			if (*end || !(rate >= 0) || rate > 1e7) {
				fprintf(stderr,
				        "mwlink inject: --rate: expected 0..1e7 Hz, got '%s'\n",
				        optarg);
				return 2;
			}
			break;
		case 't':
			t0 = strtoll(optarg, &end, 10);
			if (*end || t0 <= 0) {
				fprintf(stderr, "mwlink inject: --t0: expected ns > 0, got '%s'\n",
				        optarg);
				return 2;
			}
			break;
		case 's':
			claim = strtol(optarg, &end, 10);
			if (*end || claim < 1 || claim > UINT32_MAX) {
				fprintf(stderr,
				        "mwlink inject: --claim-sensor: expected 1..2^32-1\n");
				return 2;
			}
			break;
		case 'g':
			garbage = 1;
			break;
		case 'o':
			oversize = 1;
			break;
		case 'x':
			exercise = 1;
			break;
		case 'S':
			sign_key = optarg;
			break;
		case 'B':
			bad_sig = strtol(optarg, &end, 10);
			if (*end || bad_sig < 0 || bad_sig > 100000000) {
				fprintf(stderr,
				        "mwlink inject: --bad-sig: expected an index 0..1e8\n");
				return 2;
			}
			break;
		case 'h':
			inject_usage(stdout);
			return 0;
		default:
			inject_usage(stderr);
			return 2;
		}
	}
	if (!addr || !ca || !cert || !key) {
		fprintf(stderr, "mwlink inject: --connect, --ca, --cert and --key are required\n");
		return 2;
	}
	if (bad_sig >= 0 && !sign_key) {
		fprintf(stderr, "mwlink inject: --bad-sig needs --sign-key\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	struct mw_errbuf err = {{0}};
	X509 *x = NULL;
	struct net_cert_identity id;
	if (net_pki_read_cert(cert, &x, &err) || net_pki_cert_identity(x, &id, &err)) {
		fprintf(stderr, "mwlink inject: %s\n", err.msg);
		X509_free(x);
		return 1;
	}
	X509_free(x);
	if (!id.is_sensor) {
		fprintf(stderr, "mwlink inject: %s is not a sensor certificate\n", cert);
		return 1;
	}
	struct wire_signer *signer = NULL;
	if (sign_key) {
		int src = wire_signer_new_pem(id.nation, sign_key, &signer);
		if (src < 0) {
			fprintf(stderr, "mwlink inject: --sign-key %s: %s\n", sign_key,
			        mw_strerror(src));
			return 1;
		}
	}
	SSL_CTX *ctx = NULL;
	if (net_tls_ctx_new(ca, cert, key, &ctx, &err)) {
		fprintf(stderr, "mwlink inject: %s\n", err.msg);
		wire_signer_free(signer);
		return 1;
	}
	int rc = 1;
	SSL *ssl = NULL;
	struct mw_buf out;
	mw_buf_init(&out, 1u << 20);
	int fd = net_tcp_connect(addr, &err);
	if (fd < 0) {
		fprintf(stderr, "mwlink inject: %s\n", err.msg);
		goto done;
	}
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1) {
		char e[200];
		ERR_error_string_n(ERR_get_error(), e, sizeof(e));
		fprintf(stderr, "mwlink inject: TLS handshake with %s: %s\n", addr, e);
		goto done;
	}
	if (net_ssl_check_refused(ssl, fd, INJECT_CHECK_WAIT_MS, &err)) {
		fprintf(stderr, "mwlink inject: %s: %s\n", addr, err.msg);
		goto done;
	}
	if (t0 == 0)
		t0 = mw_time_now_ns();
	int64_t start = mw_time_mono_ns();
	long sent = 0;
	for (long i = 0; i < count; i++) {
		struct mw_obs o;
		memset(&o, 0, sizeof(o));
		o.t_ns = t0 + i * MW_NS_PER_MS;
		o.sensor_id = claim ? (uint32_t)claim : id.sensor_id;
		memcpy(o.nation, id.nation, MW_NATION_LEN);
		o.kind = MW_OBS_RADAR;
		o.exercise = exercise != 0;
		o.sensor_ecef_m[0] = -3.05e6; /* roughly the Korean peninsula */
		o.sensor_ecef_m[1] = 4.05e6;
		o.sensor_ecef_m[2] = 3.86e6;
		o.range_m = 400e3 + 2000.0 * (double)i * 1e-3;
		o.az_rad = 0.5;
		o.el_rad = 0.2;
		o.sigma_range_m = 50;
		o.sigma_az_rad = 1e-3;
		o.sigma_el_rad = 1e-3;
		mw_buf_reset(&out);
		size_t at = 0;
		if (mw_buf_reserve(&out, WIRE_FRAME_HDR_LEN) == 0) {
			mw_buf_commit(&out, WIRE_FRAME_HDR_LEN);
			at = WIRE_FRAME_HDR_LEN;
		}
		int n = wire_obs_encode(&o, &out);
		if (n >= 0 && signer) {
			n = wire_obs_sign(signer, &out, at);
			if (n >= 0 && bad_sig == i) /* one bit of the signature (its last byte) */
				out.data[out.off + at + (size_t)n - 1] ^= 0x01;
		}
		if (n < 0 || at == 0) {
			fprintf(stderr, "mwlink inject: cannot encode observation %ld: %d\n", i, n);
			goto done;
		}
		wire_frame_header(out.data + out.off, WIRE_FT_OBSERVATION, (size_t)n);
		if (rate > 0)
			sleep_until_mono(start + (int64_t)((double)i / rate * 1e9));
		if (ssl_write_all(ssl, mw_buf_peek(&out), mw_buf_used(&out))) {
			fprintf(stderr, "mwlink inject: connection lost after %ld observations\n",
			        sent);
			printf("sent %ld\n", sent);
			goto done;
		}
		sent++;
	}
	if (garbage) {
		static const uint8_t junk[16] = "GARBAGE-GARBAGE";
		ssl_write_all(ssl, junk, sizeof(junk));
	}
	if (oversize) {
		uint8_t hdr[WIRE_FRAME_HDR_LEN];
		wire_frame_header(hdr, WIRE_FT_OBSERVATION, (size_t)60 << 20);
		ssl_write_all(ssl, hdr, sizeof(hdr));
	}
	if (!garbage && !oversize && net_ssl_check_refused(ssl, fd, 0, &err)) {
		/* late: a refusal the first look missed, or the node stopped */
		fprintf(stderr,
		        "mwlink inject: %s closed the connection by the end of %ld observations "
		        "(a refusal of this sensor or a node that stopped: its log says which)\n",
		        addr, sent);
		goto done;
	}
	SSL_shutdown(ssl);
	printf("sent %ld\n", sent);
	rc = 0;
done:
	SSL_free(ssl);
	if (fd >= 0)
		close(fd);
	SSL_CTX_free(ctx);
	wire_signer_free(signer);
	mw_buf_finish(&out);
	return rc;
}
