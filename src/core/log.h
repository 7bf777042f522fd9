/*
 * core/log.h - the logging sink.
 *
 * Library code never writes to stdout or stderr itself and keeps no
 * global logger: whoever creates an object hands it a `struct mw_log *`
 * (or NULL for silence), and the library emits records into it. A record
 * is a level, a module name, a message and optional typed key/value
 * fields. The sink decides how to render it; two sinks are provided:
 *
 *   mw_log_sink_json  one JSON object per line (for machines):
 *     {"ts":"2026-11-30T02:25:43.123456+00:00","level":"warn",
 *      "module":"net","msg":"peer rejected","peer":"jpn","reason":"MW_ECERT"}
 *   mw_log_sink_text  "2026-11-30T02:25:43.123+00:00 WARN  net: peer rejected peer=jpn"
 *
 * The sink stamps wall-clock time, so emitting a record does not make a
 * deterministic module read the clock.
 *
 * Invariants:
 *  1. Records below log->min_level are dropped before any formatting.
 *  2. A sink writes one record with one write() so that concurrent
 *     writers to the same fd do not interleave within a line.
 *  3. JSON output is always valid JSON, whatever bytes the message holds
 *     (control characters and invalid UTF-8 are escaped or replaced).
 */
#ifndef MW_CORE_LOG_H
#define MW_CORE_LOG_H

#include <stddef.h>
#include <stdint.h>

enum mw_log_level {
	MW_LOG_DEBUG = 0,
	MW_LOG_INFO,
	MW_LOG_NOTICE,
	MW_LOG_WARN,
	MW_LOG_ERROR,
};

enum mw_log_ftype { MW_LOG_F_STR, MW_LOG_F_INT, MW_LOG_F_DBL };

struct mw_log_field {
	const char *key;
	enum mw_log_ftype type;
	union {
		const char *s;
		int64_t i;
		double d;
	} v;
};

#define MW_LOG_STR(k, x) ((struct mw_log_field){.key = (k), .type = MW_LOG_F_STR, .v.s = (x)})
#define MW_LOG_INT(k, x) ((struct mw_log_field){.key = (k), .type = MW_LOG_F_INT, .v.i = (x)})
#define MW_LOG_DBL(k, x) ((struct mw_log_field){.key = (k), .type = MW_LOG_F_DBL, .v.d = (x)})

struct mw_log_record {
	enum mw_log_level level;
	const char *module;
	const char *msg;
	const struct mw_log_field *fields;
	size_t n_fields;
};

typedef void (*mw_log_sink_fn)(void *ud, const struct mw_log_record *rec);

struct mw_log {
	enum mw_log_level min_level;
	mw_log_sink_fn sink;
	void *ud; /* passed to sink; for the file sinks a FILE *; not owned */
};

void mw_log_init(struct mw_log *log, mw_log_sink_fn sink, void *ud, enum mw_log_level min_level);

/* printf-style message, no fields. log may be NULL. */
void mw_logf(const struct mw_log *log, enum mw_log_level level, const char *module, const char *fmt,
             ...) __attribute__((format(printf, 4, 5)));

/* Message with fields. log may be NULL. */
void mw_log_kv(const struct mw_log *log, enum mw_log_level level, const char *module,
               const char *msg, const struct mw_log_field *fields, size_t n_fields);

/* Sinks; ud is a FILE * (not owned). */
void mw_log_sink_json(void *ud, const struct mw_log_record *rec);
void mw_log_sink_text(void *ud, const struct mw_log_record *rec);

/* "debug", "info", "notice", "warn", "error". */
const char *mw_log_level_str(enum mw_log_level level);
int mw_log_level_parse(const char *s, enum mw_log_level *out);

/*
 * Render rec as one JSON line (with '\n') into out. Returns the length,
 * or -ENOBUFS if it did not fit (the line is then truncated to a valid
 * JSON object with "truncated":true, still '\n'-terminated). ts_ns is
 * the time stamp to write.
 */
int mw_log_format_json(const struct mw_log_record *rec, int64_t ts_ns, char *out, size_t cap);

/*
 * Append s to out as the inside of a JSON string (no quotes), escaping
 * '"', '\\' and control characters and replacing invalid UTF-8 with
 * U+FFFD. Returns the number of bytes written or -ENOBUFS.
 */
int mw_json_escape(char *out, size_t cap, const char *s);

#endif
