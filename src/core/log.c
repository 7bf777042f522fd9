/*
 * core/log.c - logging sink (see log.h).
 *
 * Formatting happens into a fixed 4 KiB stack buffer; a record that does
 * not fit is cut and marked "truncated" rather than allocated for, so
 * logging never fails for lack of memory.
 */
#include "core/log.h"
#include "core/time.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

static const char *const level_names[] = {"debug", "info", "notice", "warn", "error"};

const char *mw_log_level_str(enum mw_log_level level)
{
	if ((unsigned)level > MW_LOG_ERROR)
		return "?";
	return level_names[level];
}

int mw_log_level_parse(const char *s, enum mw_log_level *out)
{
	for (unsigned i = 0; i <= MW_LOG_ERROR; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum mw_log_level)i;
			return 0;
		}
	}
	if (strcmp(s, "warning") == 0) {
		*out = MW_LOG_WARN;
		return 0;
	}
	return -EINVAL;
}

void mw_log_init(struct mw_log *log, mw_log_sink_fn sink, void *ud, enum mw_log_level min_level)
{
	log->sink = sink;
	log->ud = ud;
	log->min_level = min_level;
}

void mw_log_kv(const struct mw_log *log, enum mw_log_level level, const char *module,
               const char *msg, const struct mw_log_field *fields, size_t n_fields)
{
	if (!log || !log->sink || level < log->min_level)
		return;
	struct mw_log_record rec = {
	    .level = level,
	    .module = module ? module : "-",
	    .msg = msg ? msg : "",
	    .fields = fields,
	    .n_fields = n_fields,
	};
	log->sink(log->ud, &rec);
}

void mw_logf(const struct mw_log *log, enum mw_log_level level, const char *module, const char *fmt,
             ...)
{
	if (!log || !log->sink || level < log->min_level)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mw_log_kv(log, level, module, msg, NULL, 0);
}

/* Length of the valid UTF-8 sequence at s, or 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	uint32_t cp;
	if ((c & 0xE0) == 0xC0) {
		n = 2;
		cp = c & 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3;
		cp = c & 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/* Escape as many whole characters of str as fit in cap-1 bytes; *all is
 * set to whether the whole string fitted. Always NUL-terminates if cap>0. */
static size_t escape_partial(char *out, size_t cap, const char *str, int *all)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t o = 0;
	*all = 0;
	while (*s) {
		char esc[8];
		const char *piece = esc;
		size_t plen;
		unsigned char c = *s;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			plen = 2;
			s++;
		} else if (c == '\n') {
			piece = "\\n";
			plen = 2;
			s++;
		} else if (c == '\t') {
			piece = "\\t";
			plen = 2;
			s++;
		} else if (c == '\r') {
			piece = "\\r";
			plen = 2;
			s++;
		} else if (c < 0x20 || c == 0x7F) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			plen = 6;
			s++;
		} else {
			size_t n = utf8_len(s);
			if (n == 0) {
				piece = "\xEF\xBF\xBD"; /* U+FFFD */
				plen = 3;
				s++;
			} else {
				piece = (const char *)s;
				plen = n;
				s += n;
			}
		}
		if (o + plen >= cap)
			goto out;
		memcpy(out + o, piece, plen);
		o += plen;
	}
	*all = 1;
out:
	if (cap > 0)
		out[o] = '\0';
	return o;
}

int mw_json_escape(char *out, size_t cap, const char *str)
{
	int all;
	size_t n = escape_partial(out, cap, str, &all);
	return all ? (int)n : -ENOBUFS;
}

struct line {
	char *buf;
	size_t cap; /* usable bytes, leaving room for the closing tail */
	size_t len;
	int overflow;
};

static void put_raw(struct line *l, const char *s, size_t n)
{
	if (l->overflow || l->len + n >= l->cap) {
		l->overflow = 1;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void put_str(struct line *l, const char *s)
{
	put_raw(l, s, strlen(s));
}

/* A quoted JSON string; if it does not fit, as much as fits is written
 * and the string is still closed, so the output stays valid JSON. */
static void put_json_str(struct line *l, const char *s)
{
	if (l->overflow || l->len + 2 >= l->cap) {
		l->overflow = 1;
		return;
	}
	l->buf[l->len++] = '"';
	int all;
	l->len += escape_partial(l->buf + l->len, l->cap - l->len - 1, s, &all);
	l->buf[l->len++] = '"';
	if (!all)
		l->overflow = 1;
}

static void put_field_value(struct line *l, const struct mw_log_field *f, int json)
{
	char num[40];
	switch (f->type) {
	case MW_LOG_F_STR:
		if (json)
			put_json_str(l, f->v.s ? f->v.s : "");
		else
			put_str(l, f->v.s ? f->v.s : "");
		break;
	case MW_LOG_F_INT:
		snprintf(num, sizeof(num), "%lld", (long long)f->v.i);
		put_str(l, num);
		break;
	case MW_LOG_F_DBL:
		if (isfinite(f->v.d))
			snprintf(num, sizeof(num), "%.17g", f->v.d);
		else
			snprintf(num, sizeof(num), json ? "null" : "%g", f->v.d);
		put_str(l, num);
		break;
	}
}

int mw_log_format_json(const struct mw_log_record *rec, int64_t ts_ns, char *out, size_t cap)
{
	static const char tail_ok[] = "}\n";
	static const char tail_cut[] = ",\"truncated\":true}\n";
	char ts[48];
	char module[64];
	if (cap < 160)
		return -ENOBUFS;
	struct line l = {.buf = out, .cap = cap - sizeof(tail_cut), .len = 0};
	mw_time_format(ts_ns, 6, ts, sizeof(ts));
	snprintf(module, sizeof(module), "%s", rec->module);
	put_str(&l, "{\"ts\":\"");
	put_str(&l, ts);
	put_str(&l, "\",\"level\":\"");
	put_str(&l, mw_log_level_str(rec->level));
	put_str(&l, "\",\"module\":");
	put_json_str(&l, module);
	put_str(&l, ",\"msg\":");
	put_json_str(&l, rec->msg);
	int cut = l.overflow;
	for (size_t i = 0; i < rec->n_fields && !cut; i++) {
		size_t mark = l.len;
		put_raw(&l, ",", 1);
		put_json_str(&l, rec->fields[i].key ? rec->fields[i].key : "?");
		put_raw(&l, ":", 1);
		put_field_value(&l, &rec->fields[i], 1);
		if (l.overflow) {
			l.len = mark; /* drop the partial member */
			cut = 1;
		}
	}
	const char *tail = cut ? tail_cut : tail_ok;
	size_t tl = strlen(tail);
	memcpy(out + l.len, tail, tl + 1);
	l.len += tl;
	return cut ? -ENOBUFS : (int)l.len;
}

static void write_all(FILE *f, const char *buf, size_t n)
{
	int fd = fileno(f);
	fflush(f);
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += w;
		n -= (size_t)w;
	}
}

void mw_log_sink_json(void *ud, const struct mw_log_record *rec)
{
	char buf[LOG_LINE_MAX];
	mw_log_format_json(rec, mw_time_now_ns(), buf, sizeof(buf));
	write_all(ud ? ud : stderr, buf, strlen(buf));
}

void mw_log_sink_text(void *ud, const struct mw_log_record *rec)
{
	char buf[LOG_LINE_MAX];
	char ts[48];
	struct line l = {.buf = buf, .cap = sizeof(buf) - 2};
	mw_time_format(mw_time_now_ns(), 3, ts, sizeof(ts));
	char head[96];
	char up[8] = {0};
	const char *lv = mw_log_level_str(rec->level);
	for (size_t i = 0; i < sizeof(up) - 1 && lv[i]; i++)
		up[i] = (char)(lv[i] >= 'a' && lv[i] <= 'z' ? lv[i] - 32 : lv[i]);
	snprintf(head, sizeof(head), "%s %-6s ", ts, up);
	put_str(&l, head);
	put_str(&l, rec->module);
	put_str(&l, ": ");
	put_str(&l, rec->msg);
	for (size_t i = 0; i < rec->n_fields; i++) {
		put_str(&l, " ");
		put_str(&l, rec->fields[i].key ? rec->fields[i].key : "?");
		put_str(&l, "=");
		put_field_value(&l, &rec->fields[i], 0);
	}
	buf[l.len++] = '\n';
	write_all(ud ? ud : stderr, buf, l.len);
}
