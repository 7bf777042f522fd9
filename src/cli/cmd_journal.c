/*
 * cli/cmd_journal.c - `mwlink journal check PATH`: verify a node's journal
 * and print a report; `mwlink journal dump PATH`: list its records.
 *
 * The check opens the file read-only (a running node may keep writing),
 * runs SQLite's integrity_check, walks every row checking the journal's
 * own invariants (pos contiguous, (origin, seq) unique, stored length and
 * SHA-256 of each envelope) and lists what is in it: rows, pos range,
 * origins with their seq ranges and gaps (gaps are normal where an
 * origin's data is not released to this node), the peers' cursors and
 * the file sizes. Exit status: 0 clean, 1 any problem or unreadable,
 * 2 usage.
 *
 * dump prints one tab-separated line per record in journal order (header
 * line first), for scripts that compare what nodes journaled:
 *   pos origin seq kind exercise release data_time from_peer from_pos len
 * and fails (exit 1, naming the row) at the first damaged row.
 *
 * tracks decodes the TRACK envelopes (national tracks, own and partners')
 * and prints them for a person: origin, track number, REAL or EXERCISE,
 * status and phase, position as lat/lon/height, speed, and the predicted
 * impact point with its time and 95% ellipse when the origin sent one,
 * and the estimated launch point with its time (+-1.96 sigma) and 95%
 * ellipse (when sent; older senders omit the ellipse).
 * With --last only the newest record of each (origin, track) is shown.
 * The signature is not verified here (the node did that before
 * journaling; `check` verifies the stored bytes' hashes).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "core/time.h"
#include "geo/geo.h"
#include "store/journal.h"
#include "wire/envelope.h"
#include "wire/payload.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: mwlink journal check PATH\n"
	           "       mwlink journal dump PATH [--from POS]\n"
	           "       mwlink journal tracks PATH [--last]\n\n"
	           "check: verify a journal file (read-only; the node may be running) and\n"
	           "print rows, pos range, origins with seq ranges and gaps, peer cursors,\n"
	           "sizes and integrity results. Exit status 1 on any problem.\n"
	           "dump: list the records from POS (default 1) in journal order, one\n"
	           "tab-separated line each, verifying every row's SHA-256.\n"
	           "tracks: decode the TRACK envelopes (position, phase, predicted impact\n"
	           "point, time and 95%% ellipse, launch point, time and 95%% ellipse);\n"
	           "--last: only the newest of each track.\n");
}

static int dump_line(void *ud, const struct store_rec *r)
{
	(void)ud;
	char t[48];
	if (mw_time_format(r->data_ns, 3, t, sizeof(t)) < 0)
		snprintf(t, sizeof(t), "%lld", (long long)r->data_ns);
	printf("%" PRIu64 "\t%s\t%" PRIu64 "\t%u\t%d\t%s\t%s\t%s\t%" PRIu64 "\t%zu\n", r->pos,
	       r->origin, r->seq, r->kind, (r->flags & STORE_F_EXERCISE) ? 1 : 0, r->release, t,
	       r->from_peer[0] ? r->from_peer : "-", r->from_pos, r->len);
	return ferror(stdout) ? -EIO : 0;
}

static int do_dump(int argc, char **argv)
{
	/* argv: dump PATH [--from POS] */
	uint64_t from = 1;
	if (argc == 5 && strcmp(argv[3], "--from") == 0) {
		char *end = NULL;
		errno = 0;
		unsigned long long v = strtoull(argv[4], &end, 10);
		if (errno || !end || *end || v == 0 || argv[4][0] == '-') {
			fprintf(stderr,
			        "mwlink journal dump: --from: expected a position >= 1, got '%s'\n",
			        argv[4]);
			return 2;
		}
		from = v;
	} else if (argc != 3) {
		fprintf(stderr, "mwlink journal dump: expected PATH [--from POS]\n\n");
		usage(stderr);
		return 2;
	}
	printf("pos\torigin\tseq\tkind\texercise\trelease\tdata_time\tfrom_peer\tfrom_pos\tlen\n");
	struct mw_errbuf err = {{0}};
	int rc = store_journal_dump_file(argv[2], from, dump_line, NULL, &err);
	if (fflush(stdout) != 0 && rc >= 0)
		rc = -EIO;
	if (rc < 0) {
		fprintf(stderr, "mwlink journal dump: %s (%s)\n",
		        err.msg[0] ? err.msg : mw_strerror(rc), mw_errname(rc));
		return 1;
	}
	return 0;
}

#define TRACKS_MAX 4096 /* distinct (origin, track) remembered by --last */

struct tracks_ctx {
	int pass; /* 0: find the newest pos of each track; 1: print */
	bool last_only;
	size_t n;
	struct {
		char origin[MW_NATION_LEN];
		uint64_t track_id;
		uint64_t pos;
	} newest[TRACKS_MAX];
	uint64_t printed, undecodable;
};

static const char *enum_name(const ProtobufCEnumDescriptor *d, int v)
{
	const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(d, v);
	return ev ? ev->name : "?";
}

/* ", 95% ellipse A x B <unit> at C deg": metres while the major semi-axis
 * is under 10 km (a midcourse impact ellipse of 240 x 38 m read
 * "0.2 x 0.0 km"), km with one decimal above. */
static void print_ellipse(double major_m, double minor_m, double orient_deg)
{
	if (major_m < 10e3)
		printf(", 95%% ellipse %.0f x %.0f m at %.0f deg", major_m, minor_m, orient_deg);
	else
		printf(", 95%% ellipse %.1f x %.1f km at %.0f deg", major_m / 1000.0,
		       minor_m / 1000.0, orient_deg);
}

static int track_line(void *ud, const struct store_rec *r)
{
	struct tracks_ctx *tc = ud;
	if (r->kind != WIRE_KIND_TRACK)
		return 0;
	struct wire_envelope e;
	Mwlink__Track *t = NULL;
	if (wire_envelope_decode(r->bytes, r->len, &e) < 0) {
		tc->undecodable++;
		return 0;
	}
	if (wire_track_decode(e.hdr.payload, e.hdr.payload_len, &t) < 0) {
		wire_envelope_finish(&e);
		tc->undecodable++;
		return 0;
	}
	size_t k = 0;
	for (; k < tc->n; k++)
		if (tc->newest[k].track_id == t->track_id &&
		    strcmp(tc->newest[k].origin, r->origin) == 0)
			break;
	if (tc->pass == 0) {
		if (k == tc->n && tc->n < TRACKS_MAX) {
			memcpy(tc->newest[k].origin, r->origin, MW_NATION_LEN);
			tc->newest[k].track_id = t->track_id;
			tc->n++;
		}
		if (k < tc->n)
			tc->newest[k].pos = r->pos;
		goto out;
	}
	if (tc->last_only && (k == tc->n || tc->newest[k].pos != r->pos))
		goto out;
	char when[48];
	mw_time_format(t->t_ns, 1, when, sizeof(when));
	struct geo_lla p;
	double v =
	    sqrt(t->vel_ecef_m_s[0] * t->vel_ecef_m_s[0] + t->vel_ecef_m_s[1] * t->vel_ecef_m_s[1] +
	         t->vel_ecef_m_s[2] * t->vel_ecef_m_s[2]);
	printf("%s track %" PRIu64 " %s %s %s at %s: ", r->origin, t->track_id,
	       e.hdr.exercise ? "EXERCISE" : "REAL",
	       enum_name(&mwlink__track_status__descriptor, (int)t->status),
	       enum_name(&mwlink__phase__descriptor, (int)t->phase), when);
	if (geo_ecef_to_lla(t->pos_ecef_m, &p) == 0)
		printf("%.3fN %.3fE %.1f km, %.0f m/s", geo_deg(p.lat_rad), geo_deg(p.lon_rad),
		       p.h_m / 1000.0, v);
	printf(", %u updates", t->n_updates);
	if (t->impact) {
		struct geo_lla ip;
		char it[48];
		mw_time_format(t->impact->t_impact_ns, 1, it, sizeof(it));
		if (geo_ecef_to_lla(t->impact->pos_ecef_m, &ip) == 0) {
			printf("; impact %.3fN %.3fE at %s (+-%.1f s)", geo_deg(ip.lat_rad),
			       geo_deg(ip.lon_rad), it, 1.96 * t->impact->sigma_t_s);
			print_ellipse(t->impact->ellipse_semi_major_m,
			              t->impact->ellipse_semi_minor_m,
			              t->impact->ellipse_orient_deg);
		}
	}
	if (t->launch) {
		struct geo_lla lp;
		char lt[48];
		mw_time_format(t->launch->t_launch_ns, 1, lt, sizeof(lt));
		if (geo_ecef_to_lla(t->launch->pos_ecef_m, &lp) == 0) {
			printf("; launch %.3fN %.3fE at %s (+-%.1f s)", geo_deg(lp.lat_rad),
			       geo_deg(lp.lon_rad), lt, 1.96 * t->launch->sigma_t_s);
			if (t->launch->has_ellipse_semi_major_m)
				print_ellipse(t->launch->ellipse_semi_major_m,
				              t->launch->ellipse_semi_minor_m,
				              t->launch->ellipse_orient_deg);
		}
	}
	printf("\n");
	tc->printed++;
out:
	wire_msg_free(t);
	wire_envelope_finish(&e);
	return ferror(stdout) ? -EIO : 0;
}

static int do_tracks(int argc, char **argv)
{
	/* argv: tracks PATH [--last] */
	bool last = false;
	if (argc == 4 && strcmp(argv[3], "--last") == 0) {
		last = true;
	} else if (argc != 3) {
		fprintf(stderr, "mwlink journal tracks: expected PATH [--last]\n\n");
		usage(stderr);
		return 2;
	}
	struct tracks_ctx *tc = calloc(1, sizeof(*tc));
	if (!tc) {
		fprintf(stderr, "mwlink journal tracks: out of memory\n");
		return 1;
	}
	tc->last_only = last;
	struct mw_errbuf err = {{0}};
	int rc = 0;
	for (tc->pass = last ? 0 : 1; tc->pass < 2 && rc >= 0; tc->pass++)
		rc = store_journal_dump_file(argv[2], 1, track_line, tc, &err);
	if (fflush(stdout) != 0 && rc >= 0)
		rc = -EIO;
	if (rc >= 0 && tc->undecodable)
		fprintf(stderr, "mwlink journal tracks: %" PRIu64 " TRACK records did not decode\n",
		        tc->undecodable);
	if (rc >= 0 && tc->printed == 0)
		printf("no TRACK envelopes in %s\n", argv[2]);
	free(tc);
	if (rc < 0) {
		fprintf(stderr, "mwlink journal tracks: %s (%s)\n",
		        err.msg[0] ? err.msg : mw_strerror(rc), mw_errname(rc));
		return 1;
	}
	return 0;
}

static void print_report(const char *path, const struct store_check_report *r)
{
	printf("journal %s\n", path);
	printf("  format        %d\n", r->format_version);
	printf("  file          %" PRIu64 " bytes (+ WAL %" PRIu64 " bytes)\n", r->file_bytes,
	       r->wal_bytes);
	printf("  rows          %" PRIu64 " (%" PRIu64 " envelope bytes)\n", r->rows, r->bytes);
	if (r->rows)
		printf("  pos           %" PRIu64 "..%" PRIu64 " (next %" PRIu64 ")\n", r->pos_min,
		       r->pos_max, r->next_pos);
	else
		printf("  pos           none (next %" PRIu64 ")\n", r->next_pos);
	printf("  origins       %zu%s\n", r->n_origins,
	       r->origins_truncated ? " (more not shown)" : "");
	for (size_t i = 0; i < r->n_origins; i++) {
		const struct store_check_origin *o = &r->origins[i];
		printf("    %-8s rows %" PRIu64 ", seq %" PRIu64 "..%" PRIu64, o->origin, o->rows,
		       o->seq_min, o->seq_max);
		if (o->floor)
			printf(", retention floor %" PRIu64, o->floor);
		if (o->missing) {
			printf(", %" PRIu64 " missing in %zu gap%s:", o->missing, o->n_gaps,
			       o->n_gaps == 1 ? "" : "s");
			size_t shown =
			    o->n_gaps < STORE_CHECK_GAPS_SHOWN ? o->n_gaps : STORE_CHECK_GAPS_SHOWN;
			for (size_t g = 0; g < shown; g++) {
				if (o->gap_lo[g] == o->gap_hi[g])
					printf(" %" PRIu64, o->gap_lo[g]);
				else
					printf(" %" PRIu64 "-%" PRIu64, o->gap_lo[g], o->gap_hi[g]);
			}
			if (o->n_gaps > shown)
				printf(" ...");
		}
		printf("\n");
	}
	printf("  peers         %zu\n", r->n_peers);
	for (size_t i = 0; i < r->n_peers; i++)
		printf("    %-8s rx (their pos received) %" PRIu64
		       ", acked (our pos they confirmed) %" PRIu64 "\n",
		       r->peers[i].peer, r->peers[i].rx, r->peers[i].acked);
	printf("  sqlite        %s\n",
	       r->sqlite_ok ? "integrity_check ok" : "integrity_check FAILED");
	printf("  rows checked  pos holes %" PRIu64 ", duplicate keys %" PRIu64
	       ", length mismatches %" PRIu64 ", SHA-256 %s %" PRIu64 "\n",
	       r->pos_gaps, r->dup_keys, r->len_bad, r->hashed ? "mismatches" : "(not stored)",
	       r->hash_bad);
	if (r->problems)
		printf("  RESULT        %" PRIu64 " problem%s; first: %s\n", r->problems,
		       r->problems == 1 ? "" : "s", r->first_problem);
	else
		printf("  RESULT        ok\n");
}

int cmd_journal(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "dump") == 0) {
		if (argc == 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
			usage(stdout);
			return 0;
		}
		return do_dump(argc, argv);
	}
	if (argc >= 2 && strcmp(argv[1], "tracks") == 0) {
		if (argc == 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
			usage(stdout);
			return 0;
		}
		return do_tracks(argc, argv);
	}
	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "mwlink journal: %s\n\n",
		        argc < 2 ? "missing subcommand"
		                 : "unknown subcommand (check, dump or tracks)");
		usage(stderr);
		return 2;
	}
	if (argc == 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "mwlink journal check: expected exactly one PATH\n\n");
		usage(stderr);
		return 2;
	}
	struct store_check_report *rep = calloc(1, sizeof(*rep));
	if (!rep) {
		fprintf(stderr, "mwlink journal check: out of memory\n");
		return 1;
	}
	struct mw_errbuf err = {{0}};
	int rc = store_journal_check(argv[2], rep, &err);
	int status;
	if (rc) {
		fprintf(stderr, "mwlink journal check: %s (%s)\n",
		        err.msg[0] ? err.msg : mw_strerror(rc), mw_errname(rc));
		status = 1;
	} else {
		print_report(argv[2], rep);
		status = rep->problems ? 1 : 0;
	}
	free(rep);
	return status;
}
