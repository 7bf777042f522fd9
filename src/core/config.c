/*
 * core/config.c - INI loading and typed, validated getters (see config.h).
 *
 * inih does the lexing. It is driven through ini_parse_stream() with a
 * reader of our own, which counts lines (so every entry knows its line)
 * and rejects lines longer than inih's 200-byte line buffer instead of
 * letting them be split silently.
 */
#include "core/config.h"

#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define INI_MAX_ENTRIES 4096
#define INI_LINE_MAX    200 /* inih's INI_MAX_LINE in Debian's build */

struct reader {
	const char *text; /* string source, or NULL */
	size_t pos;
	FILE *f; /* file source, or NULL */
	int line;
	int too_long_line; /* first line that exceeded the buffer */
	int indented;      /* the current line starts with blank space */
};

struct parse_ctx {
	struct mw_ini *ini;
	struct reader *rd;
	struct mw_errbuf *err;
	int failed;
};

static char *reader_fn(char *str, int num, void *stream)
{
	struct reader *rd = stream;
	int n = 0;
	if (rd->f) {
		if (!fgets(str, num, rd->f))
			return NULL;
		n = (int)strlen(str);
		if (n == num - 1 && str[n - 1] != '\n' && !feof(rd->f)) {
			/* swallow the rest of the over-long line */
			int c;
			while ((c = fgetc(rd->f)) != EOF && c != '\n')
				;
			if (!rd->too_long_line)
				rd->too_long_line = rd->line + 1;
		}
	} else {
		if (rd->text[rd->pos] == '\0')
			return NULL;
		while (n < num - 1 && rd->text[rd->pos] != '\0') {
			char c = rd->text[rd->pos++];
			str[n++] = c;
			if (c == '\n')
				break;
		}
		str[n] = '\0';
		if (n == num - 1 && str[n - 1] != '\n' && rd->text[rd->pos] != '\0') {
			while (rd->text[rd->pos] != '\0' && rd->text[rd->pos] != '\n')
				rd->pos++;
			if (rd->text[rd->pos] == '\n')
				rd->pos++;
			if (!rd->too_long_line)
				rd->too_long_line = rd->line + 1;
		}
	}
	rd->line++;
	rd->indented = str[0] == ' ' || str[0] == '\t';
	return str;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static struct mw_ini_entry *find(const struct mw_ini *ini, const char *section, const char *key)
{
	for (size_t i = 0; i < ini->n; i++)
		if (strcmp(ini->entries[i].section, section) == 0 &&
		    strcmp(ini->entries[i].key, key) == 0)
			return &ini->entries[i];
	return NULL;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *ctx = user;
	struct mw_ini *ini = ctx->ini;
	if (ctx->failed)
		return 0;
	struct mw_ini_entry *prev = find(ini, section, name);
	if (prev && ctx->rd->indented) {
		/* inih hands an indented line to us as a continuation of the
		 * previous key; a value spread over lines is more likely a
		 * mistake than intent in a node configuration */
		mw_errbuf_set(ctx->err,
		              "%s:%d: [%s] %s: continuation lines are not supported "
		              "(indented line after a key)",
		              ini->path, ctx->rd->line, section, name);
		ctx->failed = 1;
		return 0;
	}
	if (prev) {
		mw_errbuf_set(ctx->err, "%s:%d: [%s] %s: duplicate key (first set on line %d)",
		              ini->path, ctx->rd->line, section, name, prev->line);
		ctx->failed = 1;
		return 0;
	}
	if (ini->n == ini->max_entries) {
		mw_errbuf_set(ctx->err, "%s:%d: more than %zu entries", ini->path, ctx->rd->line,
		              ini->max_entries);
		ctx->failed = 1;
		return 0;
	}
	if (ini->n == ini->cap) {
		size_t ncap = ini->cap ? ini->cap * 2 : 32;
		struct mw_ini_entry *ne = realloc(ini->entries, ncap * sizeof(*ne));
		if (!ne)
			goto oom;
		ini->entries = ne;
		ini->cap = ncap;
	}
	struct mw_ini_entry *e = &ini->entries[ini->n];
	e->section = xstrdup(section);
	e->key = xstrdup(name);
	e->value = xstrdup(value);
	e->line = ctx->rd->line;
	e->used = false;
	if (!e->section || !e->key || !e->value) {
		free(e->section);
		free(e->key);
		free(e->value);
		goto oom;
	}
	ini->n++;
	return 1;
oom:
	mw_errbuf_set(ctx->err, "%s:%d: out of memory", ini->path, ctx->rd->line);
	ctx->failed = 1;
	return 0;
}

static int load(struct mw_ini *ini, const char *name, struct reader *rd, struct mw_errbuf *err)
{
	memset(ini, 0, sizeof(*ini));
	ini->max_entries = INI_MAX_ENTRIES;
	ini->path = xstrdup(name);
	if (!ini->path)
		return -ENOMEM;
	struct parse_ctx ctx = {.ini = ini, .rd = rd, .err = err};
	int rc = ini_parse_stream(reader_fn, rd, handler, &ctx);
	if (ctx.failed) {
		mw_ini_finish(ini);
		return -MW_ECONFIG;
	}
	if (rd->too_long_line) {
		mw_errbuf_set(err, "%s:%d: line longer than %d bytes", name, rd->too_long_line,
		              INI_LINE_MAX - 1);
		mw_ini_finish(ini);
		return -MW_ECONFIG;
	}
	if (rc != 0) {
		mw_errbuf_set(err, "%s:%d: syntax error (expected '[section]' or 'key = value')",
		              name, rc);
		mw_ini_finish(ini);
		return -MW_ECONFIG;
	}
	return 0;
}

int mw_ini_load(struct mw_ini *ini, const char *path, struct mw_errbuf *err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		int e = errno;
		mw_errbuf_set(err, "%s: cannot open: %s", path, strerror(e));
		return -e;
	}
	struct reader rd = {.f = f};
	int rc = load(ini, path, &rd, err);
	fclose(f);
	return rc;
}

int mw_ini_load_string(struct mw_ini *ini, const char *name, const char *text,
                       struct mw_errbuf *err)
{
	struct reader rd = {.text = text};
	return load(ini, name, &rd, err);
}

void mw_ini_finish(struct mw_ini *ini)
{
	if (!ini)
		return;
	for (size_t i = 0; i < ini->n; i++) {
		free(ini->entries[i].section);
		free(ini->entries[i].key);
		free(ini->entries[i].value);
	}
	free(ini->entries);
	free(ini->path);
	memset(ini, 0, sizeof(*ini));
}

const char *mw_ini_section_at(const struct mw_ini *ini, const char *prefix, size_t idx)
{
	size_t plen = strlen(prefix);
	size_t seen = 0;
	for (size_t i = 0; i < ini->n; i++) {
		const char *s = ini->entries[i].section;
		if (strncmp(s, prefix, plen) != 0)
			continue;
		int dup = 0;
		for (size_t j = 0; j < i; j++)
			if (strcmp(ini->entries[j].section, s) == 0) {
				dup = 1;
				break;
			}
		if (dup)
			continue;
		if (seen == idx)
			return s;
		seen++;
	}
	return NULL;
}

bool mw_ini_has(const struct mw_ini *ini, const char *section, const char *key)
{
	return find(ini, section, key) != NULL;
}

/* Look a key up; 1 = found (*e set), 0 = absent and optional, <0 = error. */
static int lookup(struct mw_ini *ini, const char *section, const char *key, enum mw_ini_need need,
                  struct mw_ini_entry **e, struct mw_errbuf *err)
{
	struct mw_ini_entry *f = find(ini, section, key);
	if (!f) {
		if (need == MW_INI_REQUIRED) {
			mw_errbuf_set(err, "%s: [%s] %s: required key is missing", ini->path,
			              section, key);
			return -MW_ECONFIG;
		}
		return 0;
	}
	f->used = true;
	*e = f;
	return 1;
}

static int bad(struct mw_ini *ini, const struct mw_ini_entry *e, struct mw_errbuf *err,
               const char *expected)
{
	mw_errbuf_set(err, "%s:%d: [%s] %s: expected %s, got '%s'", ini->path, e->line, e->section,
	              e->key, expected, e->value);
	return -MW_ECONFIG;
}

int mw_ini_get_str(struct mw_ini *ini, const char *section, const char *key, enum mw_ini_need need,
                   const char *def, const char **out, struct mw_errbuf *err)
{
	struct mw_ini_entry *e;
	int rc = lookup(ini, section, key, need, &e, err);
	if (rc < 0)
		return rc;
	*out = rc ? e->value : def;
	return 0;
}

/* Strict integer parse: optional sign, digits, nothing else. */
static int parse_i64(const char *s, int64_t *out, const char **end_out)
{
	errno = 0;
	char *end;
	if (*s == '\0')
		return -EINVAL;
	long long v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s)
		return -EINVAL;
	if (end_out)
		*end_out = end;
	else if (*end != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

int mw_ini_get_int(struct mw_ini *ini, const char *section, const char *key, enum mw_ini_need need,
                   int64_t def, int64_t min, int64_t max, int64_t *out, struct mw_errbuf *err)
{
	struct mw_ini_entry *e;
	int rc = lookup(ini, section, key, need, &e, err);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		*out = def;
		return 0;
	}
	int64_t v;
	char expected[96];
	snprintf(expected, sizeof(expected), "an integer in %" PRId64 "..%" PRId64, min, max);
	if (parse_i64(e->value, &v, NULL) < 0 || v < min || v > max)
		return bad(ini, e, err, expected);
	*out = v;
	return 0;
}

int mw_ini_get_double(struct mw_ini *ini, const char *section, const char *key,
                      enum mw_ini_need need, double def, double min, double max, double *out,
                      struct mw_errbuf *err)
{
	struct mw_ini_entry *e;
	int rc = lookup(ini, section, key, need, &e, err);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		*out = def;
		return 0;
	}
	char expected[96];
	snprintf(expected, sizeof(expected), "a number in %g..%g", min, max);
	char *end;
	errno = 0;
	double v = strtod(e->value, &end);
	if (end == e->value || *end != '\0' || errno == ERANGE || !isfinite(v) || v < min ||
	    v > max)
		return bad(ini, e, err, expected);
	*out = v;
	return 0;
}

int mw_ini_get_bool(struct mw_ini *ini, const char *section, const char *key, enum mw_ini_need need,
                    bool def, bool *out, struct mw_errbuf *err)
{
	struct mw_ini_entry *e;
	int rc = lookup(ini, section, key, need, &e, err);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		*out = def;
		return 0;
	}
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(e->value, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(e->value, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return bad(ini, e, err, "true or false");
}

int mw_ini_get_duration_ns(struct mw_ini *ini, const char *section, const char *key,
                           enum mw_ini_need need, int64_t def_ns, int64_t min_ns, int64_t max_ns,
                           int64_t *out, struct mw_errbuf *err)
{
	static const struct {
		const char *unit;
		int64_t ns;
	} units[] = {{"ns", 1},
	             {"us", 1000},
	             {"ms", 1000000},
	             {"s", 1000000000},
	             {"m", INT64_C(60000000000)},
	             {"h", INT64_C(3600000000000)}};
	struct mw_ini_entry *e;
	int rc = lookup(ini, section, key, need, &e, err);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		*out = def_ns;
		return 0;
	}
	char expected[128];
	snprintf(expected, sizeof(expected),
	         "a duration with unit ns, us, ms, s, m or h in %" PRId64 "ms..%" PRId64 "ms",
	         min_ns / 1000000, max_ns / 1000000);
	int64_t v;
	const char *end;
	if (parse_i64(e->value, &v, &end) < 0 || v < 0)
		return bad(ini, e, err, expected);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		if (v > INT64_MAX / units[i].ns)
			return bad(ini, e, err, expected);
		int64_t ns = v * units[i].ns;
		if (ns < min_ns || ns > max_ns)
			return bad(ini, e, err, expected);
		*out = ns;
		return 0;
	}
	return bad(ini, e, err, expected);
}

int mw_ini_get_size(struct mw_ini *ini, const char *section, const char *key, enum mw_ini_need need,
                    uint64_t def, uint64_t min, uint64_t max, uint64_t *out, struct mw_errbuf *err)
{
	static const struct {
		const char *unit;
		uint64_t mult;
	} units[] = {{"", 1},
	             {"B", 1},
	             {"KiB", 1024},
	             {"MiB", 1024 * 1024},
	             {"GiB", UINT64_C(1024) * 1024 * 1024}};
	struct mw_ini_entry *e;
	int rc = lookup(ini, section, key, need, &e, err);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		*out = def;
		return 0;
	}
	char expected[128];
	snprintf(expected, sizeof(expected),
	         "a size (B, KiB, MiB, GiB) in %" PRIu64 "..%" PRIu64 " bytes", min, max);
	int64_t v;
	const char *end;
	if (parse_i64(e->value, &v, &end) < 0 || v < 0)
		return bad(ini, e, err, expected);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		if ((uint64_t)v > UINT64_MAX / units[i].mult)
			return bad(ini, e, err, expected);
		uint64_t b = (uint64_t)v * units[i].mult;
		if (b < min || b > max)
			return bad(ini, e, err, expected);
		*out = b;
		return 0;
	}
	return bad(ini, e, err, expected);
}

int mw_ini_get_enum(struct mw_ini *ini, const char *section, const char *key, enum mw_ini_need need,
                    int def, const char *const *choices, int *out, struct mw_errbuf *err)
{
	struct mw_ini_entry *e;
	int rc = lookup(ini, section, key, need, &e, err);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		*out = def;
		return 0;
	}
	char expected[256] = "one of";
	for (int i = 0; choices[i]; i++) {
		if (strcmp(e->value, choices[i]) == 0) {
			*out = i;
			return 0;
		}
		size_t l = strlen(expected);
		snprintf(expected + l, sizeof(expected) - l, "%s %s", i ? "," : "", choices[i]);
	}
	return bad(ini, e, err, expected);
}

int mw_ini_check_unused(const struct mw_ini *ini, struct mw_errbuf *err)
{
	for (size_t i = 0; i < ini->n; i++) {
		const struct mw_ini_entry *e = &ini->entries[i];
		if (!e->used) {
			mw_errbuf_set(err, "%s:%d: [%s] %s: unknown key", ini->path, e->line,
			              e->section, e->key);
			return -MW_ECONFIG;
		}
	}
	return 0;
}
