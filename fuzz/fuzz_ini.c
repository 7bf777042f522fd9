/*
 * fuzz/fuzz_ini.c - the INI configuration loader (core/config.c).
 *
 * The input is taken as the text of a configuration file (cut at the first
 * NUL). Whatever it holds, loading must either fail with -MW_ECONFIG and a
 * message naming the file, or succeed with entries whose lines are
 * positive and increasing; then every typed getter runs on every entry and
 * must either succeed or fail with -MW_ECONFIG and a message naming the
 * file, line, section and key, leaving its output untouched.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checked in every build (CHECK() vanishes under NDEBUG). */
#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static void check_err(int rc, const struct mw_errbuf *err, const struct mw_ini_entry *e)
{
	if (rc == 0)
		return;
	CHECK(rc == -MW_ECONFIG);
	CHECK(strncmp(err->msg, "fuzz.ini:", 9) == 0);
	CHECK(strstr(err->msg, e->key) != NULL || strlen(err->msg) >= sizeof(err->msg) - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const choices[] = {"hub", "leaf", "mesh", NULL};
	if (size > 64 * 1024)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	struct mw_ini ini;
	struct mw_errbuf err = {{0}};
	int rc = mw_ini_load_string(&ini, "fuzz.ini", text, &err);
	if (rc < 0) {
		CHECK(rc == -MW_ECONFIG || rc == -ENOMEM);
		CHECK(strncmp(err.msg, "fuzz.ini", 8) == 0);
		free(text);
		return 0;
	}
	int last_line = 0;
	for (size_t i = 0; i < ini.n; i++) {
		struct mw_ini_entry *e = &ini.entries[i];
		CHECK(e->line >= last_line && e->line > 0);
		last_line = e->line;
		const char *s;
		int64_t i64 = 7;
		uint64_t u64 = 7;
		double d = 7;
		bool b = true;
		int en = 7;
		check_err(mw_ini_get_str(&ini, e->section, e->key, MW_INI_REQUIRED, NULL, &s, &err),
		          &err, e);
		rc = mw_ini_get_int(&ini, e->section, e->key, MW_INI_REQUIRED, 0, -1000, 1000, &i64,
		                    &err);
		check_err(rc, &err, e);
		CHECK(rc == 0 ? (i64 >= -1000 && i64 <= 1000) : i64 == 7);
		rc = mw_ini_get_double(&ini, e->section, e->key, MW_INI_REQUIRED, 0, -1e6, 1e6, &d,
		                       &err);
		check_err(rc, &err, e);
		CHECK(rc == 0 ? (d >= -1e6 && d <= 1e6) : d == 7);
		check_err(
		    mw_ini_get_bool(&ini, e->section, e->key, MW_INI_REQUIRED, false, &b, &err),
		    &err, e);
		rc = mw_ini_get_duration_ns(&ini, e->section, e->key, MW_INI_REQUIRED, 0, 0,
		                            INT64_MAX, &i64, &err);
		check_err(rc, &err, e);
		CHECK(rc != 0 || i64 >= 0);
		check_err(mw_ini_get_size(&ini, e->section, e->key, MW_INI_REQUIRED, 0, 0,
		                          UINT64_MAX, &u64, &err),
		          &err, e);
		rc = mw_ini_get_enum(&ini, e->section, e->key, MW_INI_REQUIRED, 0, choices, &en,
		                     &err);
		check_err(rc, &err, e);
		CHECK(rc == 0 ? (en >= 0 && en < 3) : en == 7);
	}
	for (size_t i = 0; mw_ini_section_at(&ini, "", i); i++)
		CHECK(i < ini.n);
	CHECK(mw_ini_check_unused(&ini, &err) == 0);
	mw_ini_finish(&ini);
	free(text);
	return 0;
}
