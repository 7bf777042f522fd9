/*
 * core/err.h - error codes shared by every mwlink module.
 *
 * Functions return 0 (or a non-negative count) on success and a negative
 * code on failure, errno style: -EINVAL, -ENOMEM, -EMSGSIZE ... System
 * errno values are used where they say exactly what went wrong. Where no
 * errno value is specific enough, a code from enum mw_err is used; these
 * start at MW_EBASE (4096), far above any errno value, so one int space
 * holds both and mw_strerror() names either.
 *
 * Invariants:
 *  1. A failing function returns a negative value and leaves its
 *     out-parameters untouched.
 *  2. Every code below has a distinct, stable name (mw_errname()) that
 *     logs and metrics use as a label.
 */
#ifndef MW_CORE_ERR_H
#define MW_CORE_ERR_H

enum mw_err {
	MW_EBASE = 4096,
	MW_EFRAME,      /* frame header malformed (bad magic, version, length) */
	MW_EDECODE,     /* payload does not decode as its protobuf message */
	MW_EFIELD,      /* a required field is missing or out of range */
	MW_ESIG,        /* signature does not verify */
	MW_EPROOF,      /* Merkle inclusion proof malformed or does not match */
	MW_ENOKEY,      /* no public key is configured for the signer */
	MW_ENOTREL,     /* not released to this nation */
	MW_EREPLAY,     /* already seen (origin, seq) */
	MW_ECONFIG,     /* configuration value invalid */
	MW_ENOTSPD,     /* matrix not symmetric positive definite */
	MW_EILLCOND,    /* matrix too ill-conditioned to solve reliably */
	MW_EJSON,       /* JSON document malformed or of the wrong shape */
	MW_ECERT,       /* certificate rejected */
	MW_EJOURNAL,    /* journal corrupt or inconsistent */
	MW_ENOCONVERGE, /* iterative solver did not converge */
	MW_EENVELOPE,   /* request outside the supported envelope */
	MW_EEXERCISE,   /* payload's exercise status disagrees with the envelope's flag */
	MW_ELAST
};

/*
 * A caller-provided buffer for an error message that names what was
 * wrong ("rok.ini:12: [peer usa] port: expected an integer in 1..65535,
 * got 'http'"). Functions that take one fill it on failure only.
 */
struct mw_errbuf {
	char msg[512];
};

void mw_errbuf_set(struct mw_errbuf *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Human-readable text for a code, negative or positive. Never NULL. */
const char *mw_strerror(int err);

/* Short stable identifier ("EINVAL", "MW_ESIG") for logs and metric labels. */
const char *mw_errname(int err);

#endif
