/*
 * net/release.c - release control rules (see release.h and
 * docs/protocol.md, "Links: release control and relaying").
 *
 * Invariants:
 *  1. Nothing is sent to, or accepted by, a nation outside the set.
 *  2. A relay never forwards what was not released to itself.
 *  3. A record never goes back to its origin or to the peer it came from.
 */
#include "net/release.h"

#include <string.h>

#include "store/journal.h"

unsigned net_release_own_set(const struct net_node_conf *c, int wire_kind,
                             char out[WIRE_MAX_RELEASE][MW_NATION_LEN])
{
	unsigned k = 0;
	memcpy(out[k++], c->nation, MW_NATION_LEN);
	if (wire_kind < WIRE_KIND_OBSERVATION || wire_kind > WIRE_KIND_ALERT)
		return k;
	for (size_t r = 0; r < c->n_release && k < WIRE_MAX_RELEASE; r++)
		if (c->release[r].kinds & NET_KIND_BIT(wire_kind - 1))
			memcpy(out[k++], c->release[r].nation, MW_NATION_LEN);
	return k;
}

bool net_release_may_send(const char *release_csv, const char *origin, const char *from_peer,
                          const char *self, const char *dest)
{
	if (strcmp(origin, dest) == 0 || strcmp(from_peer, dest) == 0)
		return false;
	if (!store_release_includes(release_csv, dest))
		return false;
	if (strcmp(origin, self) != 0 && !store_release_includes(release_csv, self))
		return false;
	return true;
}

enum net_reject net_release_check_rx(const struct wire_body *b, const char *self,
                                     const char *from_nation)
{
	if (!wire_body_releasable_to(b, self))
		return NET_REJ_NOT_RELEASED;
	if (strcmp(b->origin, from_nation) != 0 && !wire_body_releasable_to(b, from_nation))
		return NET_REJ_RELAY_NOT_RELEASED;
	return NET_REJ_COUNT;
}
