/*
 * api/prom.c - Prometheus text exposition format 0.0.4, written into a
 * bounded buffer.
 *
 * The format (prometheus.io, "Exposition formats", text-based format
 * 0.0.4), one line each, '\n' terminated, UTF-8:
 *
 *   # HELP <name> <help text: '\' -> "\\", line feed -> "\n">
 *   # TYPE <name> counter|gauge|histogram
 *   <name>[{<label>="<value: '\' -> "\\", '"' -> "\"", line feed -> "\n">",...}] <value>
 *
 * Metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names
 * [a-zA-Z_][a-zA-Z0-9_]* and may not start with "__" (reserved). Values
 * are Go ParseFloat syntax: integers are written exactly (counters are
 * uint64), floats with 17 significant digits (round-trips a double),
 * and the three special values as "+Inf", "-Inf", "NaN". A histogram
 * family <name> has samples <name>_bucket{le="<upper bound>"} (cumulative,
 * the last one le="+Inf"), <name>_sum and <name>_count.
 *
 * Naming (prometheus.io "Metric and label naming"): the mwlink_ prefix,
 * base units in the name (_seconds, _bytes), counters end in _total.
 *
 * Invariants:
 *  1. Every sample belongs to the family whose HELP/TYPE lines were
 *     written just before it (api_prom_family), so TYPE always precedes
 *     its samples and appears once per family as long as the caller
 *     opens each family once.
 *  2. Nothing malformed is written: a bad metric or label name sets the
 *     sticky error -EINVAL and stops all output; a full buffer sets
 *     -ENOBUFS (the caller then answers 500 and counts it).
 *  3. A counter family's name ends in "_total".
 */
#include "api/prom.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_prom_init(struct api_prom *p, struct mw_buf *out)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
}

static int name_char(char c, int first, int colon)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return 1;
	if (colon && c == ':')
		return 1;
	return !first && c >= '0' && c <= '9';
}

int api_prom_name_ok(const char *s)
{
	if (!s || !*s)
		return 0;
	for (size_t i = 0; s[i]; i++)
		if (!name_char(s[i], i == 0, 1))
			return 0;
	return 1;
}

int api_prom_label_name_ok(const char *s)
{
	if (!s || !*s || (s[0] == '_' && s[1] == '_'))
		return 0;
	for (size_t i = 0; s[i]; i++)
		if (!name_char(s[i], i == 0, 0))
			return 0;
	return 1;
}

static int put(struct mw_buf *out, const char *s, size_t n)
{
	return mw_buf_append(out, s, n);
}

static int puts_(struct mw_buf *out, const char *s)
{
	return put(out, s, strlen(s));
}

static int escape(struct mw_buf *out, const char *s, int quote)
{
	const char *run = s;
	int rc = 0;
	for (; *s; s++) {
		const char *rep = NULL;
		if (*s == '\\')
			rep = "\\\\";
		else if (*s == '\n')
			rep = "\\n";
		else if (quote && *s == '"')
			rep = "\\\"";
		if (!rep)
			continue;
		if ((rc = put(out, run, (size_t)(s - run))) || (rc = puts_(out, rep)))
			return rc;
		run = s + 1;
	}
	return put(out, run, (size_t)(s - run));
}

int api_prom_escape_label(struct mw_buf *out, const char *s)
{
	return escape(out, s, 1);
}

int api_prom_escape_help(struct mw_buf *out, const char *s)
{
	return escape(out, s, 0);
}

int api_prom_format_f64(char *out, size_t cap, double v)
{
	int n;
	if (isnan(v))
		n = snprintf(out, cap, "NaN");
	else if (isinf(v))
		n = snprintf(out, cap, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0) /* 2^53: exact */
		n = snprintf(out, cap, "%.0f", v);
	else {
		/* the shortest of 15..17 digits that reads back as v */
		n = -1;
		for (int d = 15; d <= 17; d++) {
			n = snprintf(out, cap, "%.*g", d, v);
			if (n < 0 || (size_t)n >= cap || strtod(out, NULL) == v)
				break;
		}
	}
	return n < 0 || (size_t)n >= cap ? -ENOBUFS : n;
}

static void fail(struct api_prom *p, int rc)
{
	if (!p->err)
		p->err = rc;
}

void api_prom_family(struct api_prom *p, const char *name, enum api_prom_type type,
                     const char *help)
{
	static const char *const tn[] = {"counter", "gauge", "histogram"};
	if (p->err)
		return;
	size_t len = strlen(name);
	if (!api_prom_name_ok(name) || len >= sizeof(p->family) || (unsigned)type > 2 ||
	    (type == API_PROM_COUNTER && (len < 6 || strcmp(name + len - 6, "_total") != 0))) {
		fail(p, -EINVAL);
		return;
	}
	memcpy(p->family, name, len + 1);
	p->type = type;
	size_t mark = p->out->len;
	int rc;
	if ((rc = puts_(p->out, "# HELP ")) || (rc = puts_(p->out, name)) ||
	    (rc = puts_(p->out, " ")) || (rc = api_prom_escape_help(p->out, help)) ||
	    (rc = puts_(p->out, "\n# TYPE ")) || (rc = puts_(p->out, name)) ||
	    (rc = puts_(p->out, " ")) || (rc = puts_(p->out, tn[type])) ||
	    (rc = puts_(p->out, "\n"))) {
		p->out->len = mark; /* no half line here either (invariant 2) */
		fail(p, rc);
	}
}

static void sample(struct api_prom *p, const char *suffix, const struct api_prom_label *l, size_t n,
                   const char *value)
{
	if (p->err)
		return;
	int hist = p->type == API_PROM_HISTOGRAM;
	if (!p->family[0] || (!hist && suffix[0]) ||
	    (hist && strcmp(suffix, "_bucket") && strcmp(suffix, "_sum") &&
	     strcmp(suffix, "_count"))) {
		fail(p, -EINVAL); /* a sample outside its family (invariant 1) */
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!api_prom_label_name_ok(l[i].name) || !l[i].value) {
			fail(p, -EINVAL);
			return;
		}
	size_t mark = p->out->len;
	int rc;
	if ((rc = puts_(p->out, p->family)) || (rc = puts_(p->out, suffix)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		if ((rc = puts_(p->out, i ? "," : "{")) || (rc = puts_(p->out, l[i].name)) ||
		    (rc = puts_(p->out, "=\"")) ||
		    (rc = api_prom_escape_label(p->out, l[i].value)) || (rc = puts_(p->out, "\"")))
			goto out;
	}
	if ((n && (rc = puts_(p->out, "}"))) || (rc = puts_(p->out, " ")) ||
	    (rc = puts_(p->out, value)) || (rc = puts_(p->out, "\n")))
		goto out;
	return;
out:
	p->out->len = mark; /* no half line */
	fail(p, rc);
}

void api_prom_u64(struct api_prom *p, const char *suffix, const struct api_prom_label *l, size_t n,
                  uint64_t v)
{
	char s[24];
	snprintf(s, sizeof(s), "%" PRIu64, v);
	sample(p, suffix, l, n, s);
}

void api_prom_f64(struct api_prom *p, const char *suffix, const struct api_prom_label *l, size_t n,
                  double v)
{
	char s[40];
	if (api_prom_format_f64(s, sizeof(s), v) < 0) {
		fail(p, -EINVAL);
		return;
	}
	sample(p, suffix, l, n, s);
}
