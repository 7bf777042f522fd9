/*
 * core/time.h - time as int64 nanoseconds.
 *
 * Data time is nanoseconds since the Unix epoch, UTC (leap seconds are
 * not counted, as in POSIX time): it is what every message carries and
 * what the deterministic core computes with. Latency is measured with
 * CLOCK_MONOTONIC, which never goes backwards. Only daemon/, cli/, net/
 * and api/ read clocks; the tracker, fusion and warnings take time from
 * their input only.
 *
 * int64 nanoseconds cover 1677-09-21 to 2262-04-11.
 */
#ifndef MW_CORE_TIME_H
#define MW_CORE_TIME_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t mw_time_ns;

#define MW_NS_PER_US INT64_C(1000)
#define MW_NS_PER_MS INT64_C(1000000)
#define MW_NS_PER_S  INT64_C(1000000000)

/* Wall-clock UTC now, ns since the epoch. */
mw_time_ns mw_time_now_ns(void);

/* Monotonic clock now, ns since an arbitrary origin (for latency only). */
mw_time_ns mw_time_mono_ns(void);

/* Seconds (double) <-> ns. mw_time_from_s rounds to the nearest ns and
 * saturates at the int64 range. */
double mw_time_to_s(mw_time_ns t);
mw_time_ns mw_time_from_s(double s);

/*
 * Format as ISO 8601 / RFC 3339 with an explicit offset and no "Z"
 * (CAP 1.2 forbids "Z"): "2026-11-30T02:25:43+00:00" when frac_digits is
 * 0, or with 1..9 fractional digits. Returns the length written (without
 * the NUL) or -ENOBUFS if out is too small (out is then untouched) or
 * -EINVAL for frac_digits outside 0..9.
 */
int mw_time_format(mw_time_ns t, int frac_digits, char *out, size_t out_len);

/*
 * Parse RFC 3339: "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)". 't' may
 * also be 'T' or ' '. Returns 0 and sets *out, -EINVAL for anything
 * malformed (the caller knows the field and names it), or -ERANGE for a
 * valid time outside what int64 ns can hold (about 1678 to 2261).
 */
int mw_time_parse(const char *s, mw_time_ns *out);

#endif
