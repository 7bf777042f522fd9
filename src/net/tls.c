/*
 * net/tls.c - TLS 1.3 contexts and handshake failure classification.
 *
 * How it works: one SSL_CTX per role set (links; ingest) with
 *   - min = max protocol version TLS 1.3 (no downgrade is possible),
 *   - our certificate chain and key (checked to match),
 *   - the CA file as the only trust anchor (no system store),
 *   - SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, so a server
 *     requests and requires a client certificate,
 *   - no session tickets / cache: every handshake authenticates fully.
 * OpenSSL's default verification purpose checks the extended key usage
 * (serverAuth for a server certificate, clientAuth for a client one).
 *
 * Classification: the side that verified a certificate knows why it
 * failed (SSL_get_verify_result); the other side only sees the alert.
 *
 * Invariants:
 *  1. A context never negotiates anything below TLS 1.3.
 *  2. A peer without a certificate chaining to the CA never completes a
 *     handshake with a context made here.
 */
#include "net/tls.h"
#include "net/pki.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

static const char *const reject_names[NET_REJ_COUNT] = {
    [NET_REJ_CERT_EXPIRED] = "cert_expired",
    [NET_REJ_CERT_UNKNOWN_CA] = "cert_unknown_ca",
    [NET_REJ_CERT_INVALID] = "cert_invalid",
    [NET_REJ_CERT_MISSING] = "cert_missing",
    [NET_REJ_CERT_NATION] = "cert_wrong_nation",
    [NET_REJ_CERT_IDENTITY] = "cert_unknown_identity",
    [NET_REJ_TLS_ALERT] = "tls_alert",
    [NET_REJ_TLS] = "tls_error",
    [NET_REJ_HELLO] = "bad_hello",
    [NET_REJ_FRAME_OVERSIZE] = "frame_oversize",
    [NET_REJ_FRAME_GARBAGE] = "frame_garbage",
    [NET_REJ_DECODE] = "decode_error",
    [NET_REJ_UNEXPECTED] = "unexpected_message",
    [NET_REJ_SIG] = "bad_signature",
    [NET_REJ_NOKEY] = "unknown_origin_key",
    [NET_REJ_NOT_RELEASED] = "not_released",
    [NET_REJ_RELAY_NOT_RELEASED] = "relay_not_released",
    [NET_REJ_SPOOFED_ORIGIN] = "spoofed_origin",
    [NET_REJ_REPLAY] = "replay",
    [NET_REJ_TIMEOUT] = "timeout",
    [NET_REJ_OVERLOAD] = "overload",
    [NET_REJ_EXERCISE_MISMATCH] = "exercise_mismatch",
    [NET_REJ_SENSOR_SIG] = "sensor_signature",
};

const char *net_reject_str(enum net_reject r)
{
	if ((int)r < 0 || r >= NET_REJ_COUNT)
		return "unknown";
	return reject_names[r];
}

static int fail(SSL_CTX *ctx, struct mw_errbuf *err, const char *what, const char *path)
{
	unsigned long e = ERR_get_error();
	char buf[200] = "no detail";
	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	if (err)
		mw_errbuf_set(err, "%s%s%s: %s", what, path ? " " : "", path ? path : "", buf);
	SSL_CTX_free(ctx);
	return -MW_ECERT;
}

int net_tls_ctx_new(const char *ca, const char *cert, const char *key, SSL_CTX **out,
                    struct mw_errbuf *err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	if (!ctx)
		return fail(NULL, err, "SSL_CTX_new", NULL);
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION))
		return fail(ctx, err, "cannot restrict to TLS 1.3", NULL);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		return fail(ctx, err, "certificate", cert);
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		return fail(ctx, err, "private key", key);
	if (SSL_CTX_check_private_key(ctx) != 1)
		return fail(ctx, err, "private key does not match certificate", cert);
	if (SSL_CTX_load_verify_file(ctx, ca) != 1)
		return fail(ctx, err, "CA", ca);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(ctx, 2);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(ctx, 0);
	*out = ctx;
	return 0;
}

int net_tls_check_own(SSL_CTX *ctx, const char *nation, bool *time_only, struct mw_errbuf *err)
{
	if (time_only)
		*time_only = false;
	X509 *cert = SSL_CTX_get0_certificate(ctx);
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	if (!cert || !store) {
		if (err)
			mw_errbuf_set(err, "no certificate loaded");
		return -MW_ECERT;
	}
	STACK_OF(X509) *chain = NULL;
	SSL_CTX_get0_chain_certs(ctx, &chain);
	X509_STORE_CTX *v = X509_STORE_CTX_new();
	if (!v || X509_STORE_CTX_init(v, store, cert, chain) != 1) {
		X509_STORE_CTX_free(v);
		if (err)
			mw_errbuf_set(err, "cannot verify the certificate: out of memory");
		return -ENOMEM;
	}
	int ok = X509_verify_cert(v);
	int verr = X509_STORE_CTX_get_error(v);
	bool when = ok != 1 &&
	            (verr == X509_V_ERR_CERT_HAS_EXPIRED || verr == X509_V_ERR_CERT_NOT_YET_VALID);
	if (when) { /* the rest of the chain, the time aside */
		X509_STORE_CTX_cleanup(v);
		if (X509_STORE_CTX_init(v, store, cert, chain) == 1) {
			X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(v),
			                            X509_V_FLAG_NO_CHECK_TIME);
			when = X509_verify_cert(v) == 1;
		} else {
			when = false;
		}
	}
	X509_STORE_CTX_free(v);
	ERR_clear_error();
	if (ok != 1) {
		if (err)
			mw_errbuf_set(err, "does not verify against the CA: %s",
			              X509_verify_cert_error_string(verr));
		if (when && time_only) {
			struct mw_errbuf nerr = {{0}};
			*time_only = net_pki_check_node(cert, NULL, nation, &nerr) == 0;
		}
		return -MW_ECERT;
	}
	return net_pki_check_node(cert, NULL, nation, err);
}

enum net_reject net_tls_classify(SSL *ssl, unsigned long ssl_err, char *msg, size_t cap)
{
	char ebuf[200] = "";
	unsigned long e = ssl_err ? ssl_err : ERR_peek_error();
	if (e)
		ERR_error_string_n(e, ebuf, sizeof(ebuf));
	ERR_clear_error();
	long vr = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
	enum net_reject r = NET_REJ_TLS;
	if (vr != X509_V_OK) {
		switch (vr) {
		case X509_V_ERR_CERT_HAS_EXPIRED:
		case X509_V_ERR_CERT_NOT_YET_VALID:
			r = NET_REJ_CERT_EXPIRED;
			break;
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		case X509_V_ERR_CERT_SIGNATURE_FAILURE:
			r = NET_REJ_CERT_UNKNOWN_CA;
			break;
		default:
			r = NET_REJ_CERT_INVALID;
		}
		snprintf(msg, cap, "certificate verify failed: %s",
		         X509_verify_cert_error_string(vr));
		return r;
	}
	if (e && ERR_GET_LIB(e) == ERR_LIB_SSL) {
		int reason = ERR_GET_REASON(e);
		if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
			r = NET_REJ_CERT_MISSING;
		else if (reason >= SSL_AD_REASON_OFFSET) /* an alert from the peer */
			r = NET_REJ_TLS_ALERT;
	}
	snprintf(msg, cap, "%s", e ? ebuf : "connection closed during handshake");
	return r;
}
