/*
 * core/err.c - names and texts for mwlink error codes (see err.h).
 */
#include "core/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	int code;
	const char *name;
	const char *text;
} mw_codes[] = {
    {MW_EFRAME, "MW_EFRAME", "malformed frame header"},
    {MW_EDECODE, "MW_EDECODE", "payload does not decode"},
    {MW_EFIELD, "MW_EFIELD", "required field missing or out of range"},
    {MW_ESIG, "MW_ESIG", "signature does not verify"},
    {MW_EPROOF, "MW_EPROOF", "Merkle inclusion proof invalid"},
    {MW_ENOKEY, "MW_ENOKEY", "no public key configured for signer"},
    {MW_ENOTREL, "MW_ENOTREL", "not released to this nation"},
    {MW_EREPLAY, "MW_EREPLAY", "envelope already seen"},
    {MW_ECONFIG, "MW_ECONFIG", "configuration invalid"},
    {MW_ENOTSPD, "MW_ENOTSPD", "matrix not symmetric positive definite"},
    {MW_EILLCOND, "MW_EILLCOND", "matrix too ill-conditioned"},
    {MW_EJSON, "MW_EJSON", "JSON malformed or of the wrong shape"},
    {MW_ECERT, "MW_ECERT", "certificate rejected"},
    {MW_EJOURNAL, "MW_EJOURNAL", "journal corrupt or inconsistent"},
    {MW_ENOCONVERGE, "MW_ENOCONVERGE", "iteration did not converge"},
    {MW_EENVELOPE, "MW_EENVELOPE", "request outside the supported envelope"},
    {MW_EEXERCISE, "MW_EEXERCISE", "exercise status disagrees with the envelope's flag"},
};

static const struct {
	int code;
	const char *name;
} errno_names[] = {
    {EPERM, "EPERM"},         {ENOENT, "ENOENT"},         {EIO, "EIO"},
    {E2BIG, "E2BIG"},         {EBADF, "EBADF"},           {EAGAIN, "EAGAIN"},
    {ENOMEM, "ENOMEM"},       {EACCES, "EACCES"},         {EEXIST, "EEXIST"},
    {EINVAL, "EINVAL"},       {ENOSPC, "ENOSPC"},         {EDOM, "EDOM"},
    {ERANGE, "ERANGE"},       {EMSGSIZE, "EMSGSIZE"},     {EBADMSG, "EBADMSG"},
    {EPROTO, "EPROTO"},       {EOVERFLOW, "EOVERFLOW"},   {ENODATA, "ENODATA"},
    {ETIMEDOUT, "ETIMEDOUT"}, {ECONNRESET, "ECONNRESET"}, {ENOTSUP, "ENOTSUP"},
    {ENOBUFS, "ENOBUFS"},     {EALREADY, "EALREADY"},     {ECANCELED, "ECANCELED"},
    {EPIPE, "EPIPE"},         {ENOTCONN, "ENOTCONN"},     {ECONNREFUSED, "ECONNREFUSED"},
};

const char *mw_strerror(int err)
{
	int e = abs(err);
	if (e == 0)
		return "success";
	for (size_t i = 0; i < sizeof(mw_codes) / sizeof(mw_codes[0]); i++)
		if (mw_codes[i].code == e)
			return mw_codes[i].text;
	if (e > MW_EBASE)
		return "unknown mwlink error";
	return strerror(e);
}

const char *mw_errname(int err)
{
	int e = abs(err);
	if (e == 0)
		return "OK";
	for (size_t i = 0; i < sizeof(mw_codes) / sizeof(mw_codes[0]); i++)
		if (mw_codes[i].code == e)
			return mw_codes[i].name;
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].code == e)
			return errno_names[i].name;
	return "EUNKNOWN";
}

void mw_errbuf_set(struct mw_errbuf *err, const char *fmt, ...)
{
	if (!err)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}
