/*
 * tests/integration/journal_fixture.c - write a small journal for the
 * `mwlink journal check` test: origin ROK seq 1..50 without 10, 11 and 30
 * (not released to this node), received from USA; origin JPN seq
 * 100..104 made here; USA has acknowledged our pos 40. Each envelope's
 * bytes start with "ENVELOPE-<origin>-<seq, 5 digits>" so the test can
 * find one in the file and damage it.
 * Usage: journal_fixture PATH   (PATH must not exist)
 */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"
#include "store/journal.h"

static int put(struct store_journal *j, const char *origin, uint64_t seq, const char *from,
               uint64_t from_pos)
{
	char bytes[200];
	memset(bytes, 'x', sizeof(bytes));
	int n =
	    snprintf(bytes, sizeof(bytes), "ENVELOPE-%s-%05llu", origin, (unsigned long long)seq);
	bytes[n] = '|';
	struct store_rec r;
	memset(&r, 0, sizeof(r));
	snprintf(r.origin, sizeof(r.origin), "%s", origin);
	snprintf(r.release, sizeof(r.release), "JPN,ROK,USA");
	if (from) {
		snprintf(r.from_peer, sizeof(r.from_peer), "%s", from);
		r.from_pos = from_pos;
	}
	r.seq = seq;
	r.kind = 1;
	r.data_ns = INT64_C(1702944000) * MW_NS_PER_S;
	r.bytes = (const uint8_t *)bytes;
	r.len = sizeof(bytes);
	int rc = store_journal_append(j, &r, NULL);
	if (rc)
		fprintf(stderr, "journal_fixture: append %s %llu: %s\n", origin,
		        (unsigned long long)seq, mw_errname(rc));
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: journal_fixture PATH\n");
		return 2;
	}
	struct store_journal_opts o;
	memset(&o, 0, sizeof(o));
	o.path = argv[1];
	o.hash_rows = true;
	struct store_journal *j = NULL;
	struct mw_errbuf err = {{0}};
	if (store_journal_open(&o, &j, &err) != 0) {
		fprintf(stderr, "journal_fixture: %s\n", err.msg);
		return 1;
	}
	uint64_t from = 0;
	for (uint64_t s = 1; s <= 50; s++)
		if (s != 10 && s != 11 && s != 30 && put(j, "ROK", s, "USA", ++from))
			return 1;
	for (uint64_t s = 100; s <= 104; s++)
		if (put(j, "JPN", s, NULL, 0))
			return 1;
	int rc = store_journal_sync(j, 30 * MW_NS_PER_S);
	if (!rc)
		rc = store_journal_set_peer_acked(j, "USA", 40);
	store_journal_free(j);
	if (rc) {
		fprintf(stderr, "journal_fixture: %s\n", mw_errname(rc));
		return 1;
	}
	return 0;
}
