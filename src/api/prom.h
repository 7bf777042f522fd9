/*
 * api/prom.h - a writer for the Prometheus text exposition format 0.0.4
 * into a bounded buffer (core/buf.h). See the header comment of prom.c
 * for the format rules it enforces.
 */
#ifndef MW_API_PROM_H
#define MW_API_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

enum api_prom_type { API_PROM_COUNTER, API_PROM_GAUGE, API_PROM_HISTOGRAM };

struct api_prom_label {
	const char *name;  /* [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" */
	const char *value; /* any UTF-8; escaped on output */
};

/* Writer state. err is sticky: the first failure (-ENOBUFS when the
 * buffer's maximum is reached, -EINVAL for a bad name) stops all output. */
struct api_prom {
	struct mw_buf *out;
	int err;
	char family[128]; /* the family being written (after api_prom_family) */
	enum api_prom_type type;
};

void api_prom_init(struct api_prom *p, struct mw_buf *out);

/* "# HELP name help" and "# TYPE name type". Every sample that follows
 * must belong to this family (name, or name_bucket/_sum/_count for a
 * histogram). Counter family names must end in _total (checked). */
void api_prom_family(struct api_prom *p, const char *name, enum api_prom_type type,
                     const char *help);

/* One sample: suffix "" for counters and gauges, "_bucket", "_sum",
 * "_count" for histograms. Integer and floating values. */
void api_prom_u64(struct api_prom *p, const char *suffix, const struct api_prom_label *l, size_t n,
                  uint64_t v);
void api_prom_f64(struct api_prom *p, const char *suffix, const struct api_prom_label *l, size_t n,
                  double v);

/* Metric and label name rules of the exposition format. */
int api_prom_name_ok(const char *s);
int api_prom_label_name_ok(const char *s);

/* Append s escaped as a label value (\\, \", \n) / HELP text (\\, \n). */
int api_prom_escape_label(struct mw_buf *out, const char *s);
int api_prom_escape_help(struct mw_buf *out, const char *s);

/* A sample value: integers exactly, "+Inf", "-Inf", "NaN", else %.17g. */
int api_prom_format_f64(char *out, size_t cap, double v);

/* 0 on success, else the sticky error. */
static inline int api_prom_error(const struct api_prom *p)
{
	return p->err;
}

#endif
