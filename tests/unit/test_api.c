/*
 * tests/unit/test_api.c - the HTTP API module (src/api/): the Prometheus
 * text writer and its escaping, the /metrics document built from a
 * synthetic snapshot (checked line by line: TYPE before samples, no
 * duplicate series, cumulative histogram), the JSON documents, and the
 * server itself on a private event loop: its track table fed from a real
 * journal, served over real HTTP, SSE events and the slow-client drop.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <netinet/in.h>

#include "api/api.h"
#include "api/json.h"
#include "api/metrics.h"
#include "api/prom.h"
#include "core/buf.h"
#include "core/time.h"
#include "geo/geo.h"
#include "net/nodeconf.h"
#include "wire/envelope.h"
#include "wire/payload.h"

/* ------------------------------------------------------------ helpers */

static const char *buf_str(struct mw_buf *b)
{
	/* NUL-terminate without counting it */
	if (mw_buf_reserve(b, 1) != 0)
		fail_msg("buffer full");
	mw_buf_tail(b)[0] = '\0';
	return (const char *)mw_buf_peek(b);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected to find\n  %s\nin\n%.4000s", needle, hay);
}

/* ---------------------------------------------------- prometheus text */

static void test_prom_escapes_label_values_and_help(void **state)
{
	(void)state;
	struct mw_buf b;
	mw_buf_init(&b, 1024);
	assert_int_equal(api_prom_escape_label(&b, "a\"b\\c\nd"), 0);
	const char *got = buf_str(&b);
	if (strcmp(got, "a\\\"b\\\\c\\nd") != 0)
		fail_msg("label escape: got '%s'", got);
	mw_buf_reset(&b);
	/* HELP escapes backslash and line feed but not the double quote */
	assert_int_equal(api_prom_escape_help(&b, "say \"x\\y\"\nz"), 0);
	got = buf_str(&b);
	if (strcmp(got, "say \"x\\\\y\"\\nz") != 0)
		fail_msg("help escape: got '%s'", got);
	mw_buf_finish(&b);
}

static void test_prom_names_follow_the_exposition_rules(void **state)
{
	(void)state;
	assert_true(api_prom_name_ok("mwlink_a:b_total"));
	assert_true(api_prom_name_ok("_x"));
	assert_false(api_prom_name_ok("9lives"));
	assert_false(api_prom_name_ok("a-b"));
	assert_false(api_prom_name_ok(""));
	assert_true(api_prom_label_name_ok("peer"));
	assert_false(api_prom_label_name_ok("__name__"));
	assert_false(api_prom_label_name_ok("a:b"));
	assert_false(api_prom_label_name_ok("1a"));
}

static void test_prom_values_are_exact_and_specials_spelled_right(void **state)
{
	(void)state;
	struct {
		double v;
		const char *want;
	} cases[] = {
	    {0, "0"},           {1, "1"},
	    {-3, "-3"},         {18446744073709.0, "18446744073709"},
	    {0.5, "0.5"},       {2e-6, "2e-06"},
	    {INFINITY, "+Inf"}, {-INFINITY, "-Inf"},
	    {NAN, "NaN"},       {0.1 + 0.2, "0.30000000000000004"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char s[40];
		assert_true(api_prom_format_f64(s, sizeof(s), cases[i].v) > 0);
		if (strcmp(s, cases[i].want) != 0)
			fail_msg("value %.17g: got '%s', want '%s'", cases[i].v, s, cases[i].want);
		if (isfinite(cases[i].v) && strtod(s, NULL) != cases[i].v)
			fail_msg("'%s' does not read back as %.17g", s, cases[i].v);
	}
}

static void test_prom_writer_refuses_malformed_families(void **state)
{
	(void)state;
	struct mw_buf b;
	mw_buf_init(&b, 4096);
	struct api_prom p;
	api_prom_init(&p, &b);
	api_prom_family(&p, "mwlink_things", API_PROM_COUNTER, "no _total");
	assert_int_equal(api_prom_error(&p), -EINVAL);
	assert_int_equal(mw_buf_used(&b), 0);

	mw_buf_reset(&b);
	api_prom_init(&p, &b);
	api_prom_family(&p, "mwlink_g", API_PROM_GAUGE, "G.");
	api_prom_u64(&p, "_bucket", NULL, 0, 1); /* a bucket of a gauge */
	assert_int_equal(api_prom_error(&p), -EINVAL);

	mw_buf_reset(&b);
	api_prom_init(&p, &b);
	api_prom_family(&p, "mwlink_g", API_PROM_GAUGE, "G.");
	struct api_prom_label bad[] = {{"__reserved", "x"}};
	api_prom_u64(&p, "", bad, 1, 1);
	assert_int_equal(api_prom_error(&p), -EINVAL);
	mw_buf_finish(&b);
}

static void test_prom_full_buffer_leaves_no_half_line(void **state)
{
	(void)state;
	struct mw_buf b;
	mw_buf_init(&b, 120);
	struct api_prom p;
	api_prom_init(&p, &b);
	api_prom_family(&p, "mwlink_x_total", API_PROM_COUNTER, "X.");
	size_t after_family = mw_buf_used(&b);
	char v[64];
	memset(v, 'v', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	struct api_prom_label l[] = {{"peer", v}};
	api_prom_u64(&p, "", l, 1, 5);
	assert_int_equal(api_prom_error(&p), -ENOBUFS);
	assert_int_equal(mw_buf_used(&b), after_family);
	assert_int_equal(mw_buf_peek(&b)[mw_buf_used(&b) - 1], '\n');
	api_prom_u64(&p, "", NULL, 0, 5); /* sticky: nothing more is written */
	assert_int_equal(mw_buf_used(&b), after_family);
	mw_buf_finish(&b);
}

/* ------------------------------------------------------------ /metrics */

/* A strict line check of an exposition: every sample belongs to the
 * family whose TYPE came last, TYPE once per family, no duplicate series. */
static void check_exposition(const char *text)
{
	char fam[128] = "", type[16] = "";
	char *copy = strdup(text);
	assert_non_null(copy);
	char **seen = calloc(4096, sizeof(char *));
	char **types = calloc(512, sizeof(char *));
	size_t n_seen = 0, n_types = 0;
	assert_non_null(seen);
	assert_non_null(types);
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# TYPE ", 7) == 0) {
			if (sscanf(line + 7, "%127s %15s", fam, type) != 2)
				fail_msg("bad TYPE line '%s'", line);
			for (size_t i = 0; i < n_types; i++)
				if (strcmp(types[i], fam) == 0)
					fail_msg("TYPE %s twice", fam);
			assert_true(n_types < 512);
			types[n_types++] = strdup(fam);
			continue;
		}
		if (line[0] == '#')
			continue;
		size_t fl = strlen(fam);
		if (!fl || strncmp(line, fam, fl) != 0)
			fail_msg("sample '%s' outside its family '%s'", line, fam);
		const char *rest = line + fl;
		if (strcmp(type, "histogram") == 0) {
			if (strncmp(rest, "_bucket{", 8) && strncmp(rest, "_sum ", 5) &&
			    strncmp(rest, "_count ", 7))
				fail_msg("histogram sample '%s'", line);
		} else if (*rest != ' ' && *rest != '{') {
			fail_msg("sample '%s' of family '%s'", line, fam);
		}
		char *sp = strrchr(line, ' ');
		assert_non_null(sp);
		*sp = '\0';
		for (size_t i = 0; i < n_seen; i++)
			if (strcmp(seen[i], line) == 0)
				fail_msg("duplicate series %s", line);
		assert_true(n_seen < 4096);
		seen[n_seen++] = strdup(line);
	}
	for (size_t i = 0; i < n_seen; i++)
		free(seen[i]);
	for (size_t i = 0; i < n_types; i++)
		free(types[i]);
	free(seen);
	free(types);
	free(copy);
}

static void fill_snapshot(struct api_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->nation = "KOR";
	s->name = "rok";
	s->mode = "exercise";
	s->version = "0.1.0";
	s->start_ns = INT64_C(1796000000) * 1000000000;
	s->uptime_ns = INT64_C(1500000000);
	s->have_node = true;
	s->net.rejects[NET_REJ_FRAME_GARBAGE] = 7;
	s->net.rejects[NET_REJ_SIG] = 2;
	s->net.env_tx = 1234;
	s->net.obs_exercise = 17;
	s->net.rejects[NET_REJ_EXERCISE_MISMATCH] = 3;
	s->n_peers = 2;
	snprintf(s->peers[0].name, sizeof(s->peers[0].name), "usa");
	snprintf(s->peers[0].nation, sizeof(s->peers[0].nation), "USA");
	s->peers[0].state = NET_LINK_UP;
	s->peers[0].srtt_ns = 1500000; /* 1.5 ms */
	s->peers[0].backlog = 3;
	s->peers[0].acked_pos = 99;
	s->peers[0].connects = 2;
	s->peers[0].replaced = 1;
	s->peers[0].cert_seen = true;
	s->peers[0].cert_not_after_s = INT64_C(1796000000) + 86400; /* a day after now_s */
	s->now_s = INT64_C(1796000000);
	s->own_cert_na_s = INT64_C(1796000000) + 1000;
	s->ca_cert_na_s = INT64_C(1796000000) - 5; /* past: negative */
	/* a name that needs escaping (configs forbid it; the writer must not care) */
	snprintf(s->peers[1].name, sizeof(s->peers[1].name), "a\"b\\c");
	snprintf(s->peers[1].nation, sizeof(s->peers[1].nation), "JPN");
	s->peers[1].state = NET_LINK_DOWN;
	s->link_transitions[0][NET_LINK_DOWN] = 2;
	s->link_transitions[0][NET_LINK_UP] = 3;
	s->have_journal = true;
	s->js.commits = 7;
	s->js.commit_lat_us_hist[0] = 1;  /* < 2 us */
	s->js.commit_lat_us_hist[3] = 2;  /* [8, 16) us */
	s->js.commit_lat_us_hist[23] = 4; /* >= 2^23 us: only in +Inf */
	s->js.commit_ns_total = 40000000000ULL;
	s->js.durable_pos = 42;
	s->js.checkpoints = 5;
	s->js.checkpoints_inline = 2;
	s->js.checkpoint_errors = 1;
	s->js.wal_restarts = 3;
	s->js.wal_restarts_idle = 9;
	s->js.wal_restarts_idle_missed = 4;
	s->js.checkpoints_partial = 6;
	s->js.checkpoint_ns_total = 2500000000ULL;
	s->js.checkpoint_ns_max = 750000000ULL;
	s->js.wal_prealloc_bytes = 8704000;
	s->have_national = true;
	s->nat.obs_fed[1] = 11;
	s->nat_live[1] = 2;
	s->api.requests[API_CODE_404] = 5;
	s->api.bad[API_BAD_TOO_LARGE] = 1;
}

static void test_metrics_document_is_strict_and_complete(void **state)
{
	(void)state;
	struct api_snapshot *s = malloc(sizeof(*s));
	assert_non_null(s);
	fill_snapshot(s);
	struct mw_buf b;
	mw_buf_init(&b, 1 << 20);
	assert_int_equal(api_metrics_render(s, &b), 0);
	const char *t = buf_str(&b);
	check_exposition(t);
	assert_contains(t, "# TYPE mwlink_net_rejects_total counter\n");
	assert_contains(t, "mwlink_net_rejects_total{reason=\"frame_garbage\"} 7\n");
	assert_contains(t, "mwlink_net_rejects_total{reason=\"bad_signature\"} 2\n");
	assert_contains(t, "mwlink_net_rejects_total{reason=\"overload\"} 0\n");
	assert_contains(t, "mwlink_net_envelopes_sent_total 1234\n");
	assert_contains(t, "# TYPE mwlink_net_observations_exercise_total counter\n");
	assert_contains(t, "mwlink_net_observations_exercise_total 17\n");
	assert_contains(t, "mwlink_net_rejects_total{reason=\"exercise_mismatch\"} 3\n");
	assert_contains(t, "mwlink_link_state{peer=\"usa\",nation=\"USA\",state=\"up\"} 1\n");
	assert_contains(t, "mwlink_link_state{peer=\"usa\",nation=\"USA\",state=\"down\"} 0\n");
	assert_contains(t, "mwlink_link_rtt_seconds{peer=\"usa\",nation=\"USA\"} 0.0015\n");
	assert_contains(t, "mwlink_link_backlog_envelopes{peer=\"usa\",nation=\"USA\"} 3\n");
	assert_contains(t, "mwlink_link_acked_position{peer=\"usa\",nation=\"USA\"} 99\n");
	/* escaped label value; no RTT sample -> no rtt series for that peer */
	assert_contains(t, "mwlink_link_up{peer=\"a\\\"b\\\\c\",nation=\"JPN\"} 0\n");
	assert_contains(t, "# TYPE mwlink_link_transitions_total counter\n");
	assert_contains(
	    t, "mwlink_link_transitions_total{peer=\"usa\",nation=\"USA\",to=\"down\"} 2\n");
	assert_contains(t,
	                "mwlink_link_transitions_total{peer=\"usa\",nation=\"USA\",to=\"up\"} 3\n");
	assert_contains(
	    t, "mwlink_link_transitions_total{peer=\"usa\",nation=\"USA\",to=\"closed\"} 0\n");
	assert_contains(t, "mwlink_link_transitions_total{peer=\"a\\\"b\\\\c\",nation=\"JPN\","
	                   "to=\"connecting\"} 0\n");
	assert_null(strstr(t, "mwlink_link_rtt_seconds{peer=\"a"));
	/* histogram: cumulative, le in seconds, +Inf == _count */
	assert_contains(t, "# TYPE mwlink_journal_commit_duration_seconds histogram\n");
	assert_contains(t, "mwlink_journal_commit_duration_seconds_bucket{le=\"2e-06\"} 1\n");
	assert_contains(t, "mwlink_journal_commit_duration_seconds_bucket{le=\"8e-06\"} 1\n");
	assert_contains(t, "mwlink_journal_commit_duration_seconds_bucket{le=\"1.6e-05\"} 3\n");
	assert_contains(t, "mwlink_journal_commit_duration_seconds_bucket{le=\"8.388608\"} 3\n");
	assert_contains(t, "mwlink_journal_commit_duration_seconds_bucket{le=\"+Inf\"} 7\n");
	assert_contains(t, "mwlink_journal_commit_duration_seconds_count 7\n");
	assert_contains(t, "mwlink_journal_commit_duration_seconds_sum 40\n");
	assert_contains(t, "mwlink_journal_durable_position 42\n");
	assert_contains(t, "# TYPE mwlink_journal_checkpoints_total counter\n");
	assert_contains(t, "mwlink_journal_checkpoints_total 5\n");
	assert_contains(t, "# TYPE mwlink_journal_checkpoints_inline_total counter\n");
	assert_contains(t, "mwlink_journal_checkpoints_inline_total 2\n");
	assert_contains(t, "mwlink_journal_checkpoint_errors_total 1\n");
	assert_contains(t, "# TYPE mwlink_journal_wal_restarts_total counter\n");
	assert_contains(t, "mwlink_journal_wal_restarts_total 3\n");
	assert_contains(t, "mwlink_journal_wal_restarts_idle_total 9\n");
	assert_contains(t, "mwlink_journal_wal_restarts_idle_missed_total 4\n");
	assert_contains(t, "mwlink_journal_checkpoints_partial_total 6\n");
	assert_contains(t, "mwlink_journal_checkpoint_seconds_total 2.5\n");
	assert_contains(t, "mwlink_journal_checkpoint_duration_max_seconds 0.75\n");
	assert_contains(t, "mwlink_journal_wal_prealloc_bytes 8704000\n");
	assert_contains(t, "mwlink_national_observations_fed_total{picture=\"exercise\"} 11\n");
	assert_contains(t, "mwlink_national_live_tracks{picture=\"exercise\"} 2\n");
	assert_contains(t, "mwlink_api_requests_total{code=\"404\"} 5\n");
	assert_contains(t, "mwlink_api_bad_requests_total{reason=\"too_large\"} 1\n");
	assert_contains(t, "mwlink_info{nation=\"KOR\",name=\"rok\",mode=\"exercise\","
	                   "version=\"0.1.0\"} 1\n");
	assert_contains(t, "mwlink_uptime_seconds 1.5\n");
	assert_contains(t, "# TYPE mwlink_own_cert_valid gauge\n");
	assert_contains(t, "mwlink_own_cert_valid 1\n");
	assert_contains(t, "# TYPE mwlink_own_cert_expiry_seconds gauge\n");
	assert_contains(t, "mwlink_own_cert_expiry_seconds 1000\n");
	assert_contains(t, "mwlink_ca_cert_expiry_seconds -5\n");
	assert_contains(t, "# TYPE mwlink_link_replaced_total counter\n");
	assert_contains(t, "mwlink_link_replaced_total{peer=\"usa\",nation=\"USA\"} 1\n");
	assert_contains(t, "mwlink_link_replaced_total{peer=\"a\\\"b\\\\c\",nation=\"JPN\"} 0\n");
	assert_contains(t, "# TYPE mwlink_peer_cert_expiry_seconds gauge\n");
	assert_contains(t, "mwlink_peer_cert_expiry_seconds{peer=\"usa\",nation=\"USA\"} 86400\n");
	/* a peer that never presented a certificate has no series */
	assert_null(strstr(t, "mwlink_peer_cert_expiry_seconds{peer=\"a"));
	/* every rejection reason has its series */
	for (int r = 0; r < NET_REJ_COUNT; r++) {
		char want[96];
		snprintf(want, sizeof(want), "mwlink_net_rejects_total{reason=\"%s\"} ",
		         net_reject_str((enum net_reject)r));
		assert_contains(t, want);
	}
	mw_buf_finish(&b);

	/* an own certificate out of its validity time: the gauge says 0 */
	s->own_cert_fault = "certificate has expired";
	mw_buf_init(&b, 1 << 20);
	assert_int_equal(api_metrics_render(s, &b), 0);
	t = buf_str(&b);
	check_exposition(t);
	assert_contains(t, "mwlink_own_cert_valid 0\n");
	mw_buf_finish(&b);
	s->own_cert_fault = NULL;

	/* a buffer too small for the document: -ENOBUFS, not a torn line */
	mw_buf_init(&b, 2000);
	assert_int_equal(api_metrics_render(s, &b), -ENOBUFS);
	assert_int_equal(mw_buf_peek(&b)[mw_buf_used(&b) - 1], '\n');
	mw_buf_finish(&b);
	free(s);
}

static void test_metrics_without_node_or_journal_shows_only_the_api(void **state)
{
	(void)state;
	struct api_snapshot *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	struct mw_buf b;
	mw_buf_init(&b, 1 << 20);
	assert_int_equal(api_metrics_render(s, &b), 0);
	const char *t = buf_str(&b);
	check_exposition(t);
	assert_null(strstr(t, "mwlink_net_"));
	assert_null(strstr(t, "mwlink_journal_"));
	assert_contains(t, "mwlink_api_sse_clients 0\n");
	mw_buf_finish(&b);
	free(s);
}

/* ---------------------------------------------------------------- JSON */

static char *dump(json_t *o)
{
	assert_non_null(o);
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	assert_non_null(s);
	return s;
}

static void test_link_json_has_every_field_and_null_rtt(void **state)
{
	(void)state;
	struct net_peer_status p;
	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "usa");
	snprintf(p.nation, sizeof(p.nation), "USA");
	p.state = NET_LINK_DEGRADED;
	p.backlog = 4;
	p.acked_pos = 10;
	p.tx_next_pos = 15;
	p.env_tx = 14;
	p.env_rx = 3;
	p.connects = 2;
	p.since_ns = INT64_C(1796015294391259200);
	char *s = dump(api_json_link(&p));
	const char *want = "{\"acked\":10,\"backlog\":4,\"cert_expiry_s\":null,"
	                   "\"cert_not_after\":null,\"connects\":2,\"env_rx\":3,\"env_tx\":14,"
	                   "\"name\":\"usa\",\"nation\":\"USA\",\"replaced\":0,\"rtt_ms\":null,"
	                   "\"since\":\"2026-11-30T05:08:14.391+00:00\","
	                   "\"since_ns\":1796015294391259200,\"state\":\"degraded\","
	                   "\"tx_next\":15,\"up\":true}";
	if (strcmp(s, want) != 0)
		fail_msg("link json:\n got %s\nwant %s", s, want);
	free(s);
	p.srtt_ns = 2500000;
	json_t *o = api_json_link(&p);
	assert_true(fabs(json_real_value(json_object_get(o, "rtt_ms")) - 2.5) < 1e-12);
	json_decref(o);
	/* a peer that presented a certificate: its notAfter and the seconds to it */
	p.replaced = 3;
	p.cert_seen = true;
	p.cert_not_after_s = mw_time_now_ns() / 1000000000 + 7200;
	o = api_json_link(&p);
	assert_int_equal(json_integer_value(json_object_get(o, "replaced")), 3);
	json_int_t left = json_integer_value(json_object_get(o, "cert_expiry_s"));
	assert_true(left <= 7200 && left >= 7200 - 5);
	assert_true(json_is_string(json_object_get(o, "cert_not_after")));
	json_decref(o);
}

static void test_health_json_reports_a_failed_journal(void **state)
{
	(void)state;
	struct api_health h;
	memset(&h, 0, sizeof(h));
	h.nation = "JPN";
	h.mode = "live";
	h.journal_failed = true;
	h.journal_last_err = -EIO;
	h.n_peers = 3;
	h.links_up = 1;
	h.links_down = 2;
	json_t *o = api_json_health(&h);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "status")), "failed");
	json_t *j = json_object_get(o, "journal");
	assert_string_equal(json_string_value(json_object_get(j, "status")), "failed");
	assert_string_equal(json_string_value(json_object_get(j, "last_error")), "EIO");
	json_t *l = json_object_get(o, "links");
	assert_int_equal(json_integer_value(json_object_get(l, "down")), 2);
	assert_true(json_is_null(json_object_get(o, "time"))); /* now_ns 0 */
	/* the own certificate is in its validity time: present, null */
	assert_non_null(json_object_get(o, "own_cert_fault"));
	assert_true(json_is_null(json_object_get(o, "own_cert_fault")));
	/* certificate times not known: present, null */
	assert_true(json_is_null(json_object_get(o, "own_cert_expiry_s")));
	assert_true(json_is_null(json_object_get(o, "ca_cert_not_after")));
	json_decref(o);
}

static void test_health_json_names_an_own_certificate_fault(void **state)
{
	(void)state;
	struct api_health h;
	memset(&h, 0, sizeof(h));
	h.nation = "KOR";
	h.mode = "live";
	h.own_cert_fault = "certificate has expired (notAfter 2026-01-01)";
	h.now_ns = INT64_C(1796000000) * 1000000000;
	h.own_cert_na_s = INT64_C(1796000000) - 60; /* expired a minute ago */
	h.ca_cert_na_s = INT64_C(1796000000) + 86400;
	json_t *o = api_json_health(&h);
	assert_int_equal(json_integer_value(json_object_get(o, "own_cert_expiry_s")), -60);
	assert_int_equal(json_integer_value(json_object_get(o, "ca_cert_expiry_s")), 86400);
	assert_string_equal(json_string_value(json_object_get(o, "ca_cert_not_after")),
	                    "2026-12-01T00:53:20.000+00:00");
	assert_non_null(o);
	/* the node runs (sensors, national picture, API): not a failure */
	assert_string_equal(json_string_value(json_object_get(o, "status")), "ok");
	assert_string_equal(json_string_value(json_object_get(o, "own_cert_fault")),
	                    "certificate has expired (notAfter 2026-01-01)");
	json_decref(o);
}

/* An encoded Track at (lat, lon, alt) with an impact point and no launch. */
static void make_track(struct mw_buf *out, uint64_t id, int status, double lat_deg, double lon_deg,
                       double alt_m, bool impact)
{
	Mwlink__Track t = MWLINK__TRACK__INIT;
	Mwlink__ImpactPoint ip = MWLINK__IMPACT_POINT__INIT;
	double pos[3], vel[3] = {100, -2000, 1500}, cov[21] = {0}, ipos[3];
	struct geo_lla lla = {lat_deg * M_PI / 180, lon_deg * M_PI / 180, alt_m};
	geo_lla_to_ecef(&lla, pos);
	for (unsigned i = 0; i < 6; i++)
		cov[wire_upper_index(6, i, i)] = i < 3 ? 300.0 * 300.0 : 25.0;
	t.has_track_id = 1;
	t.track_id = id;
	t.has_t_ns = 1;
	t.t_ns = INT64_C(1796015300000000000);
	t.n_pos_ecef_m = 3;
	t.pos_ecef_m = pos;
	t.n_vel_ecef_m_s = 3;
	t.vel_ecef_m_s = vel;
	t.n_cov_upper = 21;
	t.cov_upper = cov;
	t.has_phase = 1;
	t.phase = MWLINK__PHASE__PHASE_MIDCOURSE;
	t.has_status = 1;
	t.status = (Mwlink__TrackStatus)status;
	t.has_quality = 1;
	t.quality = 0.75;
	t.has_n_updates = 1;
	t.n_updates = 17;
	if (impact) {
		struct geo_lla il = {40.0 * M_PI / 180, 140.0 * M_PI / 180, 0};
		geo_lla_to_ecef(&il, ipos);
		ip.n_pos_ecef_m = 3;
		ip.pos_ecef_m = ipos;
		ip.has_t_impact_ns = 1;
		ip.t_impact_ns = INT64_C(1796015700000000000);
		ip.has_sigma_t_s = 1;
		ip.sigma_t_s = 4.5;
		ip.has_ellipse_semi_major_m = ip.has_ellipse_semi_minor_m = 1;
		ip.has_ellipse_orient_deg = 1;
		ip.ellipse_semi_major_m = 12000;
		ip.ellipse_semi_minor_m = 3000;
		ip.ellipse_orient_deg = 35;
		t.impact = &ip;
	}
	assert_int_equal(wire_track_check(&t), 0);
	mw_buf_reset(out);
	assert_true(wire_msg_encode(&t.base, out) > 0);
}

/* A launch estimate with its 95% ellipse reaches the JSON (LaunchPoint
 * fields 5-7); without the ellipse, ellipse95's members are null. */
static void test_track_json_gives_launch_point_and_ellipse(void **state)
{
	(void)state;
	Mwlink__Track t = MWLINK__TRACK__INIT;
	Mwlink__LaunchPoint lp = MWLINK__LAUNCH_POINT__INIT;
	double pos[3], vel[3] = {100, -2000, 1500}, cov[21] = {0}, lpos[3];
	double lcov[6] = {4e6, 0, 0, 4e6, 0, 4e6};
	struct geo_lla lla = {39.0 * M_PI / 180, 126.0 * M_PI / 180, 300000};
	geo_lla_to_ecef(&lla, pos);
	struct geo_lla ll = {39.5 * M_PI / 180, 125.5 * M_PI / 180, 0};
	geo_lla_to_ecef(&ll, lpos);
	for (unsigned i = 0; i < 6; i++)
		cov[wire_upper_index(6, i, i)] = i < 3 ? 300.0 * 300.0 : 25.0;
	t.has_track_id = 1;
	t.track_id = 3;
	t.has_t_ns = 1;
	t.t_ns = INT64_C(1796015300000000000);
	t.n_pos_ecef_m = 3;
	t.pos_ecef_m = pos;
	t.n_vel_ecef_m_s = 3;
	t.vel_ecef_m_s = vel;
	t.n_cov_upper = 21;
	t.cov_upper = cov;
	t.has_phase = 1;
	t.phase = MWLINK__PHASE__PHASE_MIDCOURSE;
	t.has_status = 1;
	t.status = MWLINK__TRACK_STATUS__TRACK_CONFIRMED;
	t.has_quality = 1;
	t.quality = 0.9;
	lp.n_pos_ecef_m = 3;
	lp.pos_ecef_m = lpos;
	lp.n_cov_upper = 6;
	lp.cov_upper = lcov;
	lp.has_t_launch_ns = 1;
	lp.t_launch_ns = INT64_C(1796015000000000000);
	lp.has_sigma_t_s = 1;
	lp.sigma_t_s = 6.5;
	lp.has_ellipse_semi_major_m = lp.has_ellipse_semi_minor_m = lp.has_ellipse_orient_deg = 1;
	lp.ellipse_semi_major_m = 5200;
	lp.ellipse_semi_minor_m = 1800;
	lp.ellipse_orient_deg = 120;
	t.launch = &lp;
	assert_int_equal(wire_track_check(&t), 0);
	struct mw_buf b;
	mw_buf_init(&b, 4096);
	assert_true(wire_msg_encode(&t.base, &b) > 0);
	struct api_track a;
	memset(&a, 0, sizeof(a));
	snprintf(a.origin, sizeof(a.origin), "USA");
	assert_int_equal(api_track_decode(mw_buf_peek(&b), mw_buf_used(&b), &a), 0);
	json_t *o = api_json_track(&a);
	assert_non_null(o);
	json_t *lau = json_object_get(o, "launch");
	assert_true(json_is_object(lau));
	double llat = json_real_value(json_object_get(json_object_get(lau, "point"), "lat_deg"));
	if (fabs(llat - 39.5) > 1e-9)
		fail_msg("launch lat %.12f, want 39.5", llat);
	assert_true(json_real_value(json_object_get(lau, "sigma_t_s")) == 6.5);
	json_t *ell = json_object_get(lau, "ellipse95");
	assert_true(json_real_value(json_object_get(ell, "semi_major_m")) == 5200);
	assert_true(json_real_value(json_object_get(ell, "semi_minor_m")) == 1800);
	assert_true(json_real_value(json_object_get(ell, "orient_deg")) == 120);
	assert_true(json_is_null(json_object_get(o, "impact")));
	json_decref(o);

	/* a launch estimate without the optional ellipse */
	lp.has_ellipse_semi_major_m = lp.has_ellipse_semi_minor_m = lp.has_ellipse_orient_deg = 0;
	assert_int_equal(wire_track_check(&t), 0);
	mw_buf_reset(&b);
	assert_true(wire_msg_encode(&t.base, &b) > 0);
	assert_int_equal(api_track_decode(mw_buf_peek(&b), mw_buf_used(&b), &a), 0);
	o = api_json_track(&a);
	assert_non_null(o);
	ell = json_object_get(json_object_get(o, "launch"), "ellipse95");
	assert_true(json_is_null(json_object_get(ell, "semi_major_m")));
	json_decref(o);
	mw_buf_finish(&b);
}

static void test_track_json_gives_geodetic_position_and_impact(void **state)
{
	(void)state;
	struct mw_buf b;
	mw_buf_init(&b, 4096);
	make_track(&b, 7, MWLINK__TRACK_STATUS__TRACK_CONFIRMED, 39.0, 125.75, 300000, true);
	struct api_track t;
	memset(&t, 0, sizeof(t));
	snprintf(t.origin, sizeof(t.origin), "KOR");
	t.exercise = true;
	t.seq = 5;
	t.journal_pos = 9;
	assert_int_equal(api_track_decode(mw_buf_peek(&b), mw_buf_used(&b), &t), 0);
	assert_string_equal(t.origin, "KOR"); /* the caller's fields survive */
	assert_int_equal(t.seq, 5);
	json_t *o = api_json_track(&t);
	assert_non_null(o);
	json_t *pos = json_object_get(o, "position");
	double lat = json_real_value(json_object_get(pos, "lat_deg"));
	double lon = json_real_value(json_object_get(pos, "lon_deg"));
	double alt = json_real_value(json_object_get(pos, "alt_m"));
	if (fabs(lat - 39.0) > 1e-9 || fabs(lon - 125.75) > 1e-9 || fabs(alt - 300000) > 1e-3)
		fail_msg("position %.12f %.12f %.6f, want 39 125.75 300000", lat, lon, alt);
	assert_string_equal(json_string_value(json_object_get(o, "phase")), "midcourse");
	assert_string_equal(json_string_value(json_object_get(o, "status")), "confirmed");
	assert_true(json_is_true(json_object_get(o, "exercise")));
	assert_int_equal(json_integer_value(json_object_get(o, "track_id")), 7);
	assert_int_equal(json_integer_value(json_object_get(o, "n_updates")), 17);
	double sig = json_real_value(json_object_get(o, "sigma_pos_m"));
	assert_true(fabs(sig - 300.0) < 1e-9);
	double speed =
	    json_real_value(json_object_get(json_object_get(o, "velocity"), "speed_m_s"));
	assert_true(fabs(speed - sqrt(100.0 * 100 + 2000.0 * 2000 + 1500.0 * 1500)) < 1e-9);
	json_t *imp = json_object_get(o, "impact");
	assert_true(json_is_object(imp));
	double ilat = json_real_value(json_object_get(json_object_get(imp, "point"), "lat_deg"));
	assert_true(fabs(ilat - 40.0) < 1e-9);
	json_t *ell = json_object_get(imp, "ellipse95");
	assert_true(json_real_value(json_object_get(ell, "semi_major_m")) == 12000);
	assert_true(json_real_value(json_object_get(ell, "orient_deg")) == 35);
	assert_string_equal(json_string_value(json_object_get(imp, "t")),
	                    "2026-11-30T05:15:00.000+00:00");
	assert_true(json_is_null(json_object_get(o, "launch")));
	json_decref(o);

	/* garbage payload: an error, t untouched */
	struct api_track before = t;
	uint8_t junk[] = {0xff, 0xff, 0xff};
	assert_true(api_track_decode(junk, sizeof(junk), &t) < 0);
	assert_memory_equal(&before, &t, sizeof(t));
	mw_buf_finish(&b);
}

static void test_http_port_zero_is_accepted_off_still_off(void **state)
{
	(void)state;
	static const char base[] = "[node]\nnation = KOR\n[listen]\npeers = off\ningest = off\n"
	                           "http = %s\n[pki]\nca = ca\ncert = c\nkey = k\nsign_key = s\n"
	                           "origin_keys = o\n[journal]\npath = j.db\n";
	struct net_node_conf *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	struct mw_errbuf err = {{0}};
	char text[512];
	snprintf(text, sizeof(text), base, "127.0.0.1:0");
	if (net_conf_load_string(c, "t.ini", text, "/tmp", &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(c->listen_http.host, "127.0.0.1");
	assert_int_equal(c->listen_http.port, 0);
	snprintf(text, sizeof(text), base, "off");
	assert_int_equal(net_conf_load_string(c, "t.ini", text, "/tmp", &err), 0);
	assert_string_equal(c->listen_http.host, "");
	snprintf(text, sizeof(text), base, "127.0.0.1:70000");
	assert_true(net_conf_load_string(c, "t.ini", text, "/tmp", &err) < 0);
	free(c);
}

/* ------------------------------------------- the server on a real loop */

struct srv {
	char dir[64];
	struct event_base *base;
	struct store_journal *j;
	struct api *api;
	uint64_t seq;
	struct mw_buf payload, body, env;
};

static int srv_setup(void **state)
{
	struct srv *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	snprintf(s->dir, sizeof(s->dir), "/tmp/mwlink-test-api-XXXXXX");
	if (!mkdtemp(s->dir))
		fail_msg("mkdtemp: %s", strerror(errno));
	char path[128];
	snprintf(path, sizeof(path), "%s/journal.db", s->dir);
	struct store_journal_opts jo;
	memset(&jo, 0, sizeof(jo));
	jo.path = path;
	struct mw_errbuf err = {{0}};
	if (store_journal_open(&jo, &s->j, &err) != 0)
		fail_msg("journal: %s", err.msg);
	s->base = event_base_new();
	assert_non_null(s->base);
	mw_buf_init(&s->payload, 4096);
	mw_buf_init(&s->body, 8192);
	mw_buf_init(&s->env, 16384);
	*state = s;
	return 0;
}

static int srv_teardown(void **state)
{
	struct srv *s = *state;
	api_free(s->api);
	store_journal_free(s->j);
	event_base_free(s->base);
	mw_buf_finish(&s->payload);
	mw_buf_finish(&s->body);
	mw_buf_finish(&s->env);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", s->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", s->dir);
	free(s);
	return 0;
}

static void srv_start_limits(struct srv *s, uint32_t sse_queue_bytes, uint32_t max_conns,
                             uint32_t max_sse)
{
	struct api_opts o;
	memset(&o, 0, sizeof(o));
	o.base = s->base;
	o.host = "127.0.0.1";
	o.port = 0;
	o.nation = "KOR";
	o.name = "rok";
	o.exercise = true;
	o.journal = s->j;
	o.sse_queue_bytes = sse_queue_bytes;
	o.max_conns = max_conns;
	o.max_sse_clients = max_sse;
	o.sse_heartbeat_ns = INT64_C(50) * 1000000;
	struct mw_errbuf err = {{0}};
	if (api_new(&o, &s->api, &err) != 0)
		fail_msg("api_new: %s", err.msg);
	assert_true(api_port(s->api) > 0);
}

static void srv_start(struct srv *s, uint32_t sse_queue_bytes)
{
	srv_start_limits(s, sse_queue_bytes, 0, 0);
}

/* Journal one TRACK envelope of origin (auth zeroed: the API reads what
 * the node journaled, it does not verify). */
static void journal_track(struct srv *s, const char *origin, uint64_t id, int status)
{
	make_track(&s->payload, id, status, 38.5, 127.0, 200000, true);
	struct wire_body b;
	memset(&b, 0, sizeof(b));
	snprintf(b.origin, sizeof(b.origin), "%s", origin);
	b.seq = ++s->seq;
	b.kind = WIRE_KIND_TRACK;
	b.n_release = 1;
	snprintf(b.release[0], sizeof(b.release[0]), "%s", origin);
	b.exercise = true;
	b.data_t_ns = INT64_C(1796015300000000000);
	b.payload = mw_buf_peek(&s->payload);
	b.payload_len = mw_buf_used(&s->payload);
	mw_buf_reset(&s->body);
	assert_true(wire_body_encode(&b, &s->body) > 0);
	struct wire_auth auth;
	memset(&auth, 0, sizeof(auth));
	auth.leaf_count = 1;
	mw_buf_reset(&s->env);
	assert_true(
	    wire_envelope_encode(mw_buf_peek(&s->body), mw_buf_used(&s->body), &auth, &s->env) > 0);
	struct store_rec r;
	memset(&r, 0, sizeof(r));
	snprintf(r.origin, sizeof(r.origin), "%s", origin);
	r.seq = b.seq;
	r.kind = WIRE_KIND_TRACK;
	r.flags = STORE_F_EXERCISE;
	snprintf(r.release, sizeof(r.release), "%s", origin);
	r.data_ns = b.data_t_ns;
	r.bytes = mw_buf_peek(&s->env);
	r.len = mw_buf_used(&s->env);
	assert_int_equal(store_journal_append(s->j, &r, NULL), 0);
}

static int connect_to(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		fail_msg("connect: %s", strerror(errno));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* Run the loop and read from fd until it closes, `until` appears in what
 * was read, or 5 s pass. Returns the bytes read (NUL-terminated). */
static size_t pump(struct srv *s, int fd, char *out, size_t cap, const char *until)
{
	size_t n = 0;
	out[0] = '\0';
	for (int i = 0; i < 5000; i++) {
		event_base_loop(s->base, EVLOOP_NONBLOCK);
		ssize_t r = recv(fd, out + n, cap - 1 - n, 0);
		if (r > 0) {
			n += (size_t)r;
			out[n] = '\0';
			if (until && strstr(out, until))
				return n;
			continue;
		}
		if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			return n;
		usleep(1000);
	}
	return n;
}

static size_t http_get(struct srv *s, const char *req, char *out, size_t cap)
{
	int fd = connect_to(api_port(s->api));
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	size_t n = pump(s, fd, out, cap, NULL);
	close(fd);
	return n;
}

static void test_server_serves_the_journaled_tracks(void **state)
{
	struct srv *s = *state;
	journal_track(s, "KOR", 1, MWLINK__TRACK_STATUS__TRACK_CONFIRMED);
	journal_track(s, "USA", 2, MWLINK__TRACK_STATUS__TRACK_CONFIRMED); /* a partner's */
	journal_track(s, "KOR", 3, MWLINK__TRACK_STATUS__TRACK_CONFIRMED);
	journal_track(s, "KOR", 1, MWLINK__TRACK_STATUS__TRACK_CONFIRMED); /* update of 1 */
	srv_start(s, 0);
	assert_int_equal(api_catch_up(s->api, 0), 4);
	struct api_counters c;
	api_get_counters(s->api, &c);
	assert_int_equal(c.tracks_live, 2);
	assert_int_equal(c.track_records, 3);

	static char resp[1 << 16];
	http_get(s, "GET /api/v1/tracks HTTP/1.0\r\n\r\n", resp, sizeof(resp));
	assert_contains(resp, "HTTP/1.0 200 OK\r\n"); /* evhttp answers in the request's version */
	assert_contains(resp, "Content-Type: application/json");
	const char *body = strstr(resp, "\r\n\r\n");
	assert_non_null(body);
	json_error_t je;
	json_t *o = json_loads(body + 4, 0, &je);
	if (!o)
		fail_msg("tracks body is not JSON: %s: %s", je.text, body + 4);
	json_t *arr = json_object_get(o, "tracks");
	assert_int_equal(json_array_size(arr), 2);
	for (size_t i = 0; i < 2; i++) {
		json_t *t = json_array_get(arr, i);
		assert_string_equal(json_string_value(json_object_get(t, "origin")), "KOR");
		assert_true(json_is_object(json_object_get(t, "impact")));
	}
	json_decref(o);

	/* deletion removes it */
	journal_track(s, "KOR", 3, MWLINK__TRACK_STATUS__TRACK_DELETED);
	api_journal_appended(s->api, "KOR");
	event_base_loop(s->base, EVLOOP_NONBLOCK);
	api_get_counters(s->api, &c);
	assert_int_equal(c.tracks_live, 1);

	/* unknown path and method: JSON errors, counted */
	http_get(s, "GET /api/v2 HTTP/1.0\r\n\r\n", resp, sizeof(resp));
	assert_contains(resp, "HTTP/1.0 404 Not Found\r\n");
	assert_contains(resp, "{\"error\":\"no such resource\",\"status\":404}");
	http_get(s, "PUT /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", resp, sizeof(resp));
	assert_contains(resp, "HTTP/1.0 405 Method Not Allowed\r\n");
	assert_contains(resp, "Allow: GET, HEAD\r\n");
	http_get(s, "GET /metrics HTTP/1.0\r\n\r\n", resp, sizeof(resp));
	assert_contains(resp, "Content-Type: text/plain; version=0.0.4; charset=utf-8");
	assert_contains(resp, "mwlink_api_requests_total{code=\"404\"} 1\n");
	assert_contains(resp, "mwlink_api_bad_requests_total{reason=\"method\"} 1\n");
	assert_contains(resp, "mwlink_api_tracks 1\n");
	assert_contains(resp, "mwlink_journal_last_position 5\n");
}

static void test_sse_streams_track_events_and_heartbeats(void **state)
{
	struct srv *s = *state;
	srv_start(s, 0);
	int fd = connect_to(api_port(s->api));
	const char *req = "GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	static char got[1 << 16];
	size_t n = pump(s, fd, got, sizeof(got), "retry: 2000");
	assert_true(n > 0);
	assert_contains(got, "HTTP/1.1 200 OK\r\n");
	assert_contains(got, "Content-Type: text/event-stream");
	assert_contains(got, ": mwlink KOR events\n");
	journal_track(s, "KOR", 4, MWLINK__TRACK_STATUS__TRACK_CONFIRMED);
	api_journal_appended(s->api, "KOR");
	n = pump(s, fd, got, sizeof(got), "\n\n");
	assert_contains(got, "event: track\n");
	assert_contains(got, "\"track_id\":4");
	n = pump(s, fd, got, sizeof(got), ": heartbeat ");
	assert_contains(got, ": heartbeat 20");
	struct api_counters c;
	api_get_counters(s->api, &c);
	assert_int_equal(c.sse_clients, 1);
	assert_int_equal(c.sse_events[API_SSE_TRACK], 1);
	assert_true(c.sse_events[API_SSE_HEARTBEAT] >= 1);
	close(fd);
	/* the server sees the client leave without waiting for a write */
	for (int i = 0; i < 2000 && c.sse_clients; i++) {
		event_base_loop(s->base, EVLOOP_NONBLOCK);
		usleep(1000);
		api_get_counters(s->api, &c);
	}
	assert_int_equal(c.sse_clients, 0);
	assert_int_equal(c.sse_dropped_slow, 0);
}

/* One link transition as the node reports it (net_node_opts.on_link_state). */
struct tr {
	size_t peer;
	enum net_link_state from, to;
	int64_t t_ns;
};

static void test_sse_link_events_are_one_per_transition_in_order(void **state)
{
	struct srv *s = *state;
	srv_start(s, 0);
	/* before any client: counted, no event */
	api_link_state(s->api, 0, NET_LINK_DOWN, NET_LINK_CONNECTING, INT64_C(1796015300000000000));
	api_link_state(NULL, 0, NET_LINK_DOWN, NET_LINK_UP, 1);               /* no-op */
	api_link_state(s->api, 0, NET_LINK_STATE_COUNT, NET_LINK_UP, 1);      /* ignored */
	api_link_state(s->api, 0, NET_LINK_UP, (enum net_link_state) - 1, 1); /* ignored */
	int fd = connect_to(api_port(s->api));
	const char *req = "GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	static char got[1 << 16];
	pump(s, fd, got, sizeof(got), "retry: 2000");
	/* all within one loop iteration (a poll of the status every 100 ms
	 * would have seen at most "up -> down" here): a fast down-up-down of
	 * peer 0, with peer 1 closing in between */
	const int64_t t0 = INT64_C(1796015300000000000);
	static const struct tr seq[] = {
	    {0, NET_LINK_CONNECTING, NET_LINK_HANDSHAKING, 1},
	    {0, NET_LINK_HANDSHAKING, NET_LINK_UP, 2},
	    {0, NET_LINK_UP, NET_LINK_DOWN, 3},
	    {1, NET_LINK_DOWN, NET_LINK_CLOSED, 4},
	    {0, NET_LINK_DOWN, NET_LINK_HANDSHAKING, 5},
	    {0, NET_LINK_HANDSHAKING, NET_LINK_UP, 6},
	    {0, NET_LINK_UP, NET_LINK_DEGRADED, 7},
	    {0, NET_LINK_DEGRADED, NET_LINK_DOWN, 8},
	};
	const size_t n_seq = sizeof(seq) / sizeof(seq[0]);
	for (size_t i = 0; i < n_seq; i++)
		api_link_state(s->api, seq[i].peer, seq[i].from, seq[i].to, t0 + seq[i].t_ns);
	/* the last event carries since_ns t0 + 8 */
	char last[64];
	snprintf(last, sizeof(last), "\"since_ns\":%lld", (long long)(t0 + 8));
	pump(s, fd, got, sizeof(got), last);
	pump(s, fd, got + strlen(got), sizeof(got) - strlen(got), "\n\n"); /* rest of it */
	/* every "event: link" block, in stream order */
	size_t k = 0;
	unsigned long long prev_id = 0;
	for (const char *p = strstr(got, "id: "); p; p = strstr(p + 1, "id: ")) {
		unsigned long long id = strtoull(p + 4, NULL, 10);
		const char *ev = strchr(p, '\n');
		assert_non_null(ev);
		if (strncmp(ev + 1, "event: link\n", 12) != 0)
			continue;
		const char *data = ev + 1 + 12;
		assert_true(strncmp(data, "data: ", 6) == 0);
		const char *end = strchr(data, '\n');
		assert_non_null(end);
		json_error_t je;
		json_t *o = json_loadb(data + 6, (size_t)(end - data - 6), 0, &je);
		if (!o)
			fail_msg("event %llu: bad JSON: %s", id, je.text);
		if (k >= n_seq)
			fail_msg("more link events than transitions (%zu): %.*s", n_seq,
			         (int)(end - data), data);
		const char *st = json_string_value(json_object_get(o, "state"));
		const char *pv = json_string_value(json_object_get(o, "prev_state"));
		json_int_t since = json_integer_value(json_object_get(o, "since_ns"));
		if (!st || !pv || strcmp(st, net_link_state_str(seq[k].to)) != 0 ||
		    strcmp(pv, net_link_state_str(seq[k].from)) != 0 || since != t0 + seq[k].t_ns)
			fail_msg("link event %zu: got %s -> %s at %lld, want %s -> %s at %lld", k,
			         pv ? pv : "?", st ? st : "?", (long long)since,
			         net_link_state_str(seq[k].from), net_link_state_str(seq[k].to),
			         (long long)(t0 + seq[k].t_ns));
		bool up = json_is_true(json_object_get(o, "up"));
		assert_int_equal(up, net_link_carries_data(seq[k].to));
		if (prev_id && id != prev_id + 1)
			fail_msg("event ids not consecutive: %llu after %llu", id, prev_id);
		prev_id = id;
		json_decref(o);
		k++;
	}
	if (k != n_seq)
		fail_msg("got %zu link events, want %zu (one per transition):\n%s", k, n_seq, got);
	struct api_counters c;
	api_get_counters(s->api, &c);
	assert_int_equal(c.sse_events[API_SSE_LINK], n_seq);
	/* counts by peer and state entered, the one before the client included */
	assert_int_equal(c.link_transitions[0][NET_LINK_CONNECTING], 1);
	assert_int_equal(c.link_transitions[0][NET_LINK_HANDSHAKING], 2);
	assert_int_equal(c.link_transitions[0][NET_LINK_UP], 2);
	assert_int_equal(c.link_transitions[0][NET_LINK_DEGRADED], 1);
	assert_int_equal(c.link_transitions[0][NET_LINK_DOWN], 2);
	assert_int_equal(c.link_transitions[0][NET_LINK_CLOSED], 0);
	assert_int_equal(c.link_transitions[1][NET_LINK_CLOSED], 1);
	assert_int_equal(c.link_transitions[1][NET_LINK_UP], 0);
	close(fd);
}

static void test_sse_client_over_its_queue_bound_is_dropped(void **state)
{
	struct srv *s = *state;
	/* a queue bound smaller than one track event: the first event that
	 * would go over it drops the client, counted, connection closed */
	srv_start(s, 256);
	int fd = connect_to(api_port(s->api));
	const char *req = "GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	static char got[1 << 16];
	pump(s, fd, got, sizeof(got), "retry: 2000");
	journal_track(s, "KOR", 5, MWLINK__TRACK_STATUS__TRACK_CONFIRMED);
	api_journal_appended(s->api, "KOR");
	pump(s, fd, got, sizeof(got), NULL); /* until the server closes */
	assert_null(strstr(got, "event: track"));
	struct api_counters c;
	api_get_counters(s->api, &c);
	assert_int_equal(c.sse_dropped_slow, 1);
	assert_int_equal(c.sse_clients, 0);
	close(fd);
}

static void test_oversized_header_is_refused_and_counted(void **state)
{
	struct srv *s = *state;
	srv_start(s, 0);
	static char big[20000], got[4096];
	int k = snprintf(big, sizeof(big), "GET /metrics HTTP/1.1\r\nX-Big: ");
	memset(big + k, 'a', sizeof(big) - (size_t)k - 5);
	memcpy(big + sizeof(big) - 5, "\r\n\r\n", 5);
	int fd = connect_to(api_port(s->api));
	ssize_t sent = 0, len = (ssize_t)strlen(big);
	for (int i = 0; i < 2000 && sent < len; i++) {
		ssize_t w = send(fd, big + sent, (size_t)(len - sent), MSG_NOSIGNAL);
		if (w > 0)
			sent += w;
		else if (errno != EAGAIN)
			break;
		event_base_loop(s->base, EVLOOP_NONBLOCK);
	}
	pump(s, fd, got, sizeof(got), NULL);
	close(fd);
	assert_null(strstr(got, "200 OK"));
	struct api_counters c;
	api_get_counters(s->api, &c);
	for (int i = 0; i < 2000 && c.conns_live; i++) {
		event_base_loop(s->base, EVLOOP_NONBLOCK);
		usleep(1000);
		api_get_counters(s->api, &c);
	}
	assert_int_equal(c.conns_live, 0);
	assert_int_equal(c.bad[API_BAD_TOO_LARGE], 1);
	assert_int_equal(c.requests[API_CODE_200], 0);
}

static void spin(struct srv *s, int ms)
{
	for (int i = 0; i < ms; i++) {
		event_base_loop(s->base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
}

static void test_connection_limit_pauses_accepting(void **state)
{
	struct srv *s = *state;
	srv_start_limits(s, 0, 2, 0);
	int a = connect_to(api_port(s->api)), b = connect_to(api_port(s->api));
	spin(s, 100);
	struct api_counters c;
	api_get_counters(s->api, &c);
	assert_int_equal(c.conns_live, 2);
	assert_int_equal(c.conn_limit_hits, 1);
	/* the third waits in the kernel's backlog: no answer while two are open */
	int third = connect_to(api_port(s->api));
	const char *req = "GET /api/v1/health HTTP/1.0\r\n\r\n";
	assert_int_equal(send(third, req, strlen(req), 0), (ssize_t)strlen(req));
	spin(s, 200);
	char got[4096];
	assert_true(recv(third, got, sizeof(got), 0) < 0 && errno == EAGAIN);
	api_get_counters(s->api, &c);
	assert_int_equal(c.conns_live, 2);
	assert_int_equal(c.conns_total, 2);
	close(a); /* a slot frees: the third is accepted and answered */
	pump(s, third, got, sizeof(got), NULL);
	assert_contains(got, "HTTP/1.0 200 OK\r\n");
	close(third);
	close(b);
	spin(s, 50);
	api_get_counters(s->api, &c);
	assert_int_equal(c.conns_total, 3);
	assert_int_equal(c.conns_live, 0);
}

static void test_sse_client_limit_answers_503(void **state)
{
	struct srv *s = *state;
	srv_start_limits(s, 0, 0, 1);
	const char *req = "GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n";
	int one = connect_to(api_port(s->api));
	assert_int_equal(send(one, req, strlen(req), 0), (ssize_t)strlen(req));
	static char got[8192];
	pump(s, one, got, sizeof(got), "retry: 2000");
	int two = connect_to(api_port(s->api));
	assert_int_equal(send(two, req, strlen(req), 0), (ssize_t)strlen(req));
	pump(s, two, got, sizeof(got), "\"status\":503}");
	assert_contains(got, "HTTP/1.1 503 Service Unavailable\r\n");
	assert_contains(got, "too many event stream clients");
	struct api_counters c;
	api_get_counters(s->api, &c);
	assert_int_equal(c.sse_clients, 1);
	assert_int_equal(c.bad[API_BAD_SSE_FULL], 1);
	assert_int_equal(c.requests[API_CODE_503], 1);
	close(one);
	close(two);
}

/* A reader that stops reading: events pile up in the kernel, then in its
 * queue; past the bound it is dropped - after having received events. */
static void test_sse_reader_that_stops_reading_is_dropped(void **state)
{
	struct srv *s = *state;
	srv_start(s, 32 * 1024);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int small = 4096;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(api_port(s->api));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		fail_msg("connect: %s", strerror(errno));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	const char *req = "GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	static char got[8192];
	pump(s, fd, got, sizeof(got), "retry: 2000");
	struct api_counters c;
	int n;
	for (n = 1; n <= 20000; n++) {
		journal_track(s, "KOR", 100 + (uint64_t)n % 50,
		              MWLINK__TRACK_STATUS__TRACK_CONFIRMED);
		api_journal_appended(s->api, "KOR");
		event_base_loop(s->base, EVLOOP_NONBLOCK);
		api_get_counters(s->api, &c);
		if (c.sse_dropped_slow)
			break;
	}
	print_message("dropped after %d track events (%llu written to it)\n", n,
	              (unsigned long long)c.sse_events[API_SSE_TRACK]);
	assert_int_equal(c.sse_dropped_slow, 1);
	assert_int_equal(c.sse_clients, 0);
	assert_true(c.sse_events[API_SSE_TRACK] >= 10); /* it was served until it stalled */
	close(fd);
}

/* Slowloris: a client that trickles header lines, each well inside the
 * read timeout, must not hold a connection (of max_conns) for as long as
 * the header limit lasts: the request as a whole gets timeout_ns. */
static void test_header_trickled_slowly_is_closed_at_the_timeout(void **state)
{
	struct srv *s = *state;
	struct api_opts o;
	memset(&o, 0, sizeof(o));
	o.base = s->base;
	o.host = "127.0.0.1";
	o.nation = "KOR";
	o.journal = s->j;
	o.timeout_ns = INT64_C(300) * 1000000;
	struct mw_errbuf err = {{0}};
	if (api_new(&o, &s->api, &err) != 0)
		fail_msg("api_new: %s", err.msg);
	int fd = connect_to(api_port(s->api));
	const char *first = "GET /metrics HTTP/1.1\r\n";
	assert_int_equal(send(fd, first, strlen(first), 0), (ssize_t)strlen(first));
	int closed_ms = -1;
	for (int ms = 0; ms < 2000 && closed_ms < 0; ms += 50) {
		spin(s, 50); /* one header line every 50 ms: never idle for the timeout */
		char got[256];
		ssize_t r = recv(fd, got, sizeof(got), 0);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
			closed_ms = ms;
			break;
		}
		(void)send(fd, "X-A: b\r\n", 8, MSG_NOSIGNAL);
	}
	close(fd);
	if (closed_ms < 0 || closed_ms > 1000)
		fail_msg("trickling client closed after %d ms (-1: not in 2000 ms); timeout 300 ms",
		         closed_ms);
	struct api_counters c;
	api_get_counters(s->api, &c);
	for (int i = 0; i < 500 && c.conns_live; i++) {
		spin(s, 1);
		api_get_counters(s->api, &c);
	}
	assert_int_equal(c.conns_live, 0);
	assert_int_equal(c.bad[API_BAD_MALFORMED], 1);
	assert_int_equal(c.requests[API_CODE_200], 0);
}

/* libevent 2.1's filter write callback runs the filter without a
 * reference: when evhttp frees the connection from inside it (response
 * sent, "Connection: close"), the filter re-arms its write timeout after
 * being finalized and is freed with that timer still queued. Freed memory
 * is scribbled (__asan_default_options below), so the stale timer firing
 * after the timeout crashes the loop instead of going unnoticed. */
static void test_closed_connections_leave_no_timer_behind(void **state)
{
	struct srv *s = *state;
	struct api_opts o;
	memset(&o, 0, sizeof(o));
	o.base = s->base;
	o.host = "127.0.0.1";
	o.nation = "KOR";
	o.journal = s->j;
	o.timeout_ns = INT64_C(200) * 1000000;
	struct mw_errbuf err = {{0}};
	if (api_new(&o, &s->api, &err) != 0)
		fail_msg("api_new: %s", err.msg);
	static char got[65536];
	for (int i = 0; i < 4; i++) {
		http_get(s, "GET /api/v1/health HTTP/1.0\r\n\r\n", got, sizeof(got));
		assert_contains(got, "HTTP/1.0 200 OK\r\n");
	}
	spin(s, 600); /* past the write timeout of every one of them */
	http_get(s, "GET /api/v1/health HTTP/1.0\r\n\r\n", got, sizeof(got));
	assert_contains(got, "HTTP/1.0 200 OK\r\n");
	struct api_counters c;
	api_get_counters(s->api, &c);
	assert_int_equal(c.conns_live, 0);
	assert_int_equal(c.requests[API_CODE_200], 5);
}

/* A stalled SSE reader dropped in the middle of a burst of events (many
 * journal records read in one go): its connection is freed while output
 * it was given earlier in the same burst still waits to be written. */
static void test_sse_reader_dropped_mid_burst_is_freed_once(void **state)
{
	struct srv *s = *state;
	srv_start(s, 16 * 1024);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int small = 4096;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(api_port(s->api));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		fail_msg("connect: %s", strerror(errno));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	const char *req = "GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	static char got[8192];
	pump(s, fd, got, sizeof(got), "retry: 2000");
	struct api_counters c;
	for (int round = 0; round < 400; round++) {
		for (int k = 0; k < 40; k++) /* one read of the journal: 40 events */
			journal_track(s, "KOR", 100 + (uint64_t)k,
			              MWLINK__TRACK_STATUS__TRACK_CONFIRMED);
		api_journal_appended(s->api, "KOR");
		spin(s, 5);
		api_get_counters(s->api, &c);
		if (c.sse_dropped_slow)
			break;
	}
	spin(s, 50);
	api_get_counters(s->api, &c);
	assert_int_equal(c.sse_dropped_slow, 1);
	assert_int_equal(c.sse_clients, 0);
	assert_int_equal(c.conns_live, 0);
	close(fd);
}

/* Odd and hostile requests: each is answered or refused and closed, none
 * takes the server down or leaves a connection behind. */
static void test_hostile_requests_leave_the_server_serving(void **state)
{
	struct srv *s = *state;
	struct api_opts o;
	memset(&o, 0, sizeof(o));
	o.base = s->base;
	o.host = "127.0.0.1";
	o.nation = "KOR";
	o.journal = s->j;
	o.timeout_ns = INT64_C(300) * 1000000;
	struct mw_errbuf err = {{0}};
	if (api_new(&o, &s->api, &err) != 0)
		fail_msg("api_new: %s", err.msg);
	static const struct {
		const char *req;
		size_t len; /* 0: strlen */
	} reqs[] = {
	    {"GET /\r\n\r\n", 0},
	    {"GET * HTTP/1.1\r\nHost: x\r\n\r\n", 0},
	    {"GET http://evil.example/metrics HTTP/1.1\r\nHost: x\r\n\r\n", 0},
	    {"GET /metrics HTTP/9.9\r\n\r\n", 0},
	    {"GET /metrics HTTP/1.1\r\nNoColonHere\r\n\r\n", 0},
	    {"GET /metrics HTTP/1.1\r\n: empty-name\r\n\r\n", 0},
	    {"GET /met\0rics HTTP/1.1\r\nHost: x\r\n\r\n", 36},
	    {"GET /api/v1/health%00 HTTP/1.1\r\nHost: x\r\n\r\n", 0},
	    {"GET /%%%%%% HTTP/1.1\r\nHost: x\r\n\r\n", 0},
	    {"GET /api/v1/health?x=%zz&&&=== HTTP/1.1\r\nHost: x\r\n\r\n", 0},
	    {"GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\n", 0},
	    {"GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nx\r\n0\r\n\r\n", 0},
	    {"GET /metrics HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 0},
	    {"GET /metrics HTTP/1.1\r\nContent-Length: -5\r\n\r\n", 0},
	    {"GET /metrics HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcdefg", 0},
	    {"POST /api/v1/events HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", 0},
	    {"CONNECT 127.0.0.1:22 HTTP/1.1\r\n\r\n", 0},
	    {"HEAD /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n", 0},
	    {"GET /api/v1/events HTTP/1.0\r\n\r\n", 0},
	    {"GET / HTTP/1.1\r\n X-Folded: a\r\n\tb\r\n\r\n", 0},
	    {"\r\n\r\n\r\n", 0},
	    {"", 0},
	};
	static char got[65536];
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		int fd = connect_to(api_port(s->api));
		size_t len = reqs[i].len ? reqs[i].len : strlen(reqs[i].req);
		if (len)
			(void)send(fd, reqs[i].req, len, MSG_NOSIGNAL);
		if (i % 2)
			shutdown(fd, SHUT_WR); /* half-closed after the request */
		size_t n = pump(s, fd, got, sizeof(got), "\r\n\r\n");
		print_message("%zu: %.*s\n", i, (int)(n < 40 ? n : 40), got);
		if (strstr(got, " 500 "))
			fail_msg("request %zu answered 500: %.200s", i, got);
		close(fd);
	}
	/* 200 pipelined requests on one connection */
	int fd = connect_to(api_port(s->api));
	static char pipe_req[200 * 40];
	size_t pl = 0;
	for (int i = 0; i < 200; i++)
		pl += (size_t)snprintf(pipe_req + pl, sizeof(pipe_req) - pl,
		                       "GET /api/v1/health HTTP/1.1\r\n\r\n");
	(void)send(fd, pipe_req, pl, MSG_NOSIGNAL);
	close(fd); /* and gone before the answers */
	spin(s, 700);
	struct api_counters c;
	api_get_counters(s->api, &c);
	for (int i = 0; i < 1000 && c.conns_live; i++) {
		spin(s, 1);
		api_get_counters(s->api, &c);
	}
	assert_int_equal(c.conns_live, 0);
	assert_int_equal(c.sse_clients, 0);
	http_get(s, "GET /api/v1/health HTTP/1.0\r\n\r\n", got, sizeof(got));
	assert_contains(got, "HTTP/1.0 200 OK\r\n");
}

static void test_busy_port_fails_and_names_the_address(void **state)
{
	struct srv *s = *state;
	srv_start(s, 0);
	struct api_opts o;
	memset(&o, 0, sizeof(o));
	o.base = s->base;
	o.host = "127.0.0.1";
	o.port = api_port(s->api);
	o.nation = "KOR";
	struct api *second = NULL;
	struct mw_errbuf err = {{0}};
	int rc = api_new(&o, &second, &err);
	if (rc != -EADDRINUSE)
		fail_msg("second bind: %d (%s), want -EADDRINUSE", rc, err.msg);
	assert_null(second);
	char want[64];
	snprintf(want, sizeof(want), "127.0.0.1:%u", (unsigned)o.port);
	assert_contains(err.msg, want);
}

/* Under ASan: fill freed blocks, so that libevent (not instrumented)
 * crashes on memory it uses after freeing it instead of reading the old
 * contents. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "max_free_fill_size=4096:free_fill_byte=190";
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* as mwlinkd does (api.h) */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prom_escapes_label_values_and_help),
	    cmocka_unit_test(test_prom_names_follow_the_exposition_rules),
	    cmocka_unit_test(test_prom_values_are_exact_and_specials_spelled_right),
	    cmocka_unit_test(test_prom_writer_refuses_malformed_families),
	    cmocka_unit_test(test_prom_full_buffer_leaves_no_half_line),
	    cmocka_unit_test(test_metrics_document_is_strict_and_complete),
	    cmocka_unit_test(test_metrics_without_node_or_journal_shows_only_the_api),
	    cmocka_unit_test(test_link_json_has_every_field_and_null_rtt),
	    cmocka_unit_test(test_health_json_reports_a_failed_journal),
	    cmocka_unit_test(test_health_json_names_an_own_certificate_fault),
	    cmocka_unit_test(test_track_json_gives_geodetic_position_and_impact),
	    cmocka_unit_test(test_track_json_gives_launch_point_and_ellipse),
	    cmocka_unit_test(test_http_port_zero_is_accepted_off_still_off),
	    cmocka_unit_test_setup_teardown(test_server_serves_the_journaled_tracks, srv_setup,
	                                    srv_teardown),
	    cmocka_unit_test_setup_teardown(test_sse_streams_track_events_and_heartbeats, srv_setup,
	                                    srv_teardown),
	    cmocka_unit_test_setup_teardown(test_sse_client_over_its_queue_bound_is_dropped,
	                                    srv_setup, srv_teardown),
	    cmocka_unit_test_setup_teardown(test_sse_link_events_are_one_per_transition_in_order,
	                                    srv_setup, srv_teardown),
	    cmocka_unit_test_setup_teardown(test_oversized_header_is_refused_and_counted, srv_setup,
	                                    srv_teardown),
	    cmocka_unit_test_setup_teardown(test_connection_limit_pauses_accepting, srv_setup,
	                                    srv_teardown),
	    cmocka_unit_test_setup_teardown(test_sse_client_limit_answers_503, srv_setup,
	                                    srv_teardown),
	    cmocka_unit_test_setup_teardown(test_header_trickled_slowly_is_closed_at_the_timeout,
	                                    srv_setup, srv_teardown),
	    cmocka_unit_test_setup_teardown(test_closed_connections_leave_no_timer_behind,
	                                    srv_setup, srv_teardown),
	    cmocka_unit_test_setup_teardown(test_sse_reader_dropped_mid_burst_is_freed_once,
	                                    srv_setup, srv_teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_requests_leave_the_server_serving,
	                                    srv_setup, srv_teardown),
	    cmocka_unit_test_setup_teardown(test_busy_port_fails_and_names_the_address, srv_setup,
	                                    srv_teardown),
	    cmocka_unit_test_setup_teardown(test_sse_reader_that_stops_reading_is_dropped,
	                                    srv_setup, srv_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
