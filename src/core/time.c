/*
 * core/time.c - clocks and RFC 3339 conversions (see time.h).
 *
 * Civil-date arithmetic uses the proleptic Gregorian days-from-civil
 * algorithm (H. Hinnant, "chrono-compatible low-level date algorithms"),
 * so no time-zone database or timegm() is involved.
 */
#include "core/time.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

mw_time_ns mw_time_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (mw_time_ns)ts.tv_sec * MW_NS_PER_S + ts.tv_nsec;
}

mw_time_ns mw_time_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (mw_time_ns)ts.tv_sec * MW_NS_PER_S + ts.tv_nsec;
}

double mw_time_to_s(mw_time_ns t)
{
	/* Split to keep full precision for large t. */
	int64_t s = t / MW_NS_PER_S;
	int64_t ns = t % MW_NS_PER_S;
	return (double)s + (double)ns * 1e-9;
}

mw_time_ns mw_time_from_s(double s)
{
	if (!(s == s))
		return 0;
	if (s >= 9.2233720368547748e9)
		return INT64_MAX;
	if (s <= -9.2233720368547748e9)
		return INT64_MIN;
	double whole = floor(s);
	double frac = s - whole;
	return (mw_time_ns)whole * MW_NS_PER_S + (mw_time_ns)llround(frac * 1e9);
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

int mw_time_format(mw_time_ns t, int frac_digits, char *out, size_t out_len)
{
	if (frac_digits < 0 || frac_digits > 9)
		return -EINVAL;
	int64_t secs = t / MW_NS_PER_S;
	int64_t ns = t % MW_NS_PER_S;
	if (ns < 0) {
		ns += MW_NS_PER_S;
		secs -= 1;
	}
	int64_t days = secs / 86400;
	int64_t sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days -= 1;
	}
	int64_t y;
	unsigned mo, d;
	civil_from_days(days, &y, &mo, &d);

	char tmp[64];
	int n = snprintf(tmp, sizeof(tmp), "%04lld-%02u-%02uT%02d:%02d:%02d", (long long)y, mo, d,
	                 (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
	if (frac_digits > 0) {
		int64_t div = 1;
		for (int i = frac_digits; i < 9; i++)
			div *= 10;
		n += snprintf(tmp + n, sizeof(tmp) - (size_t)n, ".%0*lld", frac_digits,
		              (long long)(ns / div));
	}
	n += snprintf(tmp + n, sizeof(tmp) - (size_t)n, "+00:00");
	if ((size_t)n + 1 > out_len)
		return -ENOBUFS;
	memcpy(out, tmp, (size_t)n + 1);
	return n;
}

static int parse_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -EINVAL;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int expect(const char **p, char c)
{
	if (**p != c)
		return -EINVAL;
	(*p)++;
	return 0;
}

int mw_time_parse(const char *s, mw_time_ns *out)
{
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *p = s;
	int y, mo, d, h, mi, se;
	if (!s || parse_digits(&p, 4, &y) || expect(&p, '-') || parse_digits(&p, 2, &mo) ||
	    expect(&p, '-') || parse_digits(&p, 2, &d))
		return -EINVAL;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -EINVAL;
	p++;
	if (parse_digits(&p, 2, &h) || expect(&p, ':') || parse_digits(&p, 2, &mi) ||
	    expect(&p, ':') || parse_digits(&p, 2, &se))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    se > 60)
		return -EINVAL;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return -EINVAL;
	int64_t frac_ns = 0;
	if (*p == '.') {
		p++;
		int nd = 0;
		int64_t scale = 100000000;
		while (*p >= '0' && *p <= '9') {
			if (nd < 9) {
				frac_ns += (*p - '0') * scale;
				scale /= 10;
			}
			nd++;
			p++;
		}
		if (nd == 0)
			return -EINVAL;
	}
	int off_s = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		int oh, om;
		p++;
		if (parse_digits(&p, 2, &oh) || expect(&p, ':') || parse_digits(&p, 2, &om) ||
		    oh > 23 || om > 59)
			return -EINVAL;
		off_s = sign * (oh * 3600 + om * 60);
	} else {
		return -EINVAL;
	}
	if (*p != '\0')
		return -EINVAL;
	int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
	int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - off_s;
	/* int64 ns spans 1677-09-21 to 2262-04-11; refuse what does not fit
	 * rather than wrap (frac_ns < 1 s, so the last whole second is checked
	 * together with it) */
	if (secs > INT64_MAX / MW_NS_PER_S - 1 || secs < INT64_MIN / MW_NS_PER_S + 1)
		return -ERANGE;
	*out = secs * MW_NS_PER_S + frac_ns;
	return 0;
}
