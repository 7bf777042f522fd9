/*
 * core/config.h - INI configuration loading with validation.
 *
 * A file is parsed (through inih) into a list of entries: section, key,
 * value and the line it came from. Modules then pull typed, range-checked
 * values out with mw_ini_get_*(); each getter marks its entry used. At
 * the end, mw_ini_check_unused() reports the first key nobody asked for,
 * so a misspelt key is an error rather than a silently ignored setting.
 *
 * Every error message names the file, the line (when there is one), the
 * section and the key, what was expected and what was found:
 *   examples/nodes/rok.ini:14: [link] heartbeat_ms: expected an integer
 *   in 10..60000, got '5s'
 *   examples/nodes/rok.ini: [node] nation: required key is missing
 *
 * Sections may repeat by name prefix ("[peer usa]", "[peer jpn]");
 * mw_ini_section_at() walks them in file order. inih's continuation lines
 * (an indented line continuing the previous value) are refused with an
 * error naming the line.
 *
 * Invariants:
 *  1. A key may appear once per section; a duplicate is an error naming
 *     both lines.
 *  2. Getters leave *out untouched on failure and return -MW_ECONFIG.
 *  3. Values are copied; the struct owns all its strings.
 */
#ifndef MW_CORE_CONFIG_H
#define MW_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct mw_ini_entry {
	char *section;
	char *key;
	char *value;
	int line;
	bool used;
};

struct mw_ini {
	char *path;
	struct mw_ini_entry *entries;
	size_t n;
	size_t cap;
	size_t max_entries;
};

enum mw_ini_need { MW_INI_OPTIONAL = 0, MW_INI_REQUIRED = 1 };

/* Parse a file / a string (name is used in messages). -MW_ECONFIG with a
 * message on syntax errors, duplicates or more than 4096 entries; -errno
 * if the file cannot be read. */
int mw_ini_load(struct mw_ini *ini, const char *path, struct mw_errbuf *err);
int mw_ini_load_string(struct mw_ini *ini, const char *name, const char *text,
                       struct mw_errbuf *err);
void mw_ini_finish(struct mw_ini *ini);

/* i-th distinct section (file order) whose name starts with prefix, or
 * NULL past the end. */
const char *mw_ini_section_at(const struct mw_ini *ini, const char *prefix, size_t i);
bool mw_ini_has(const struct mw_ini *ini, const char *section, const char *key);

/*
 * Typed getters. With MW_INI_OPTIONAL a missing key yields def and 0.
 * *out for strings points into ini and lives as long as ini does.
 */
int mw_ini_get_str(struct mw_ini *ini, const char *section, const char *key, enum mw_ini_need need,
                   const char *def, const char **out, struct mw_errbuf *err);
int mw_ini_get_int(struct mw_ini *ini, const char *section, const char *key, enum mw_ini_need need,
                   int64_t def, int64_t min, int64_t max, int64_t *out, struct mw_errbuf *err);
int mw_ini_get_double(struct mw_ini *ini, const char *section, const char *key,
                      enum mw_ini_need need, double def, double min, double max, double *out,
                      struct mw_errbuf *err);
int mw_ini_get_bool(struct mw_ini *ini, const char *section, const char *key, enum mw_ini_need need,
                    bool def, bool *out, struct mw_errbuf *err);
/* Durations: an integer with unit ns, us, ms, s, m or h ("250ms", "5s"). */
int mw_ini_get_duration_ns(struct mw_ini *ini, const char *section, const char *key,
                           enum mw_ini_need need, int64_t def_ns, int64_t min_ns, int64_t max_ns,
                           int64_t *out, struct mw_errbuf *err);
/* Sizes: an integer with optional unit B, KiB, MiB, GiB ("64KiB"). */
int mw_ini_get_size(struct mw_ini *ini, const char *section, const char *key, enum mw_ini_need need,
                    uint64_t def, uint64_t min, uint64_t max, uint64_t *out, struct mw_errbuf *err);
/* One of a fixed set of words; *out is its index in choices (NULL-terminated). */
int mw_ini_get_enum(struct mw_ini *ini, const char *section, const char *key, enum mw_ini_need need,
                    int def, const char *const *choices, int *out, struct mw_errbuf *err);

/* -MW_ECONFIG naming the first entry no getter asked for. */
int mw_ini_check_unused(const struct mw_ini *ini, struct mw_errbuf *err);

#endif
