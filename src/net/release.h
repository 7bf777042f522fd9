/*
 * net/release.h - release control: who may receive an envelope.
 *
 * Pure functions (no I/O, no state), used by the links (net/node.c) and
 * unit-tested on their own. The rules, from docs/protocol.md:
 *
 *   origin: the releasability set of an envelope this node originates is
 *           its own nation plus every nation whose [release] line lists
 *           the envelope's kind.
 *   send:   a record goes to peer P only if P's nation is in the set, the
 *           record neither originated at P nor came from P, and - when
 *           this node relays (it is not the origin) - this node's nation
 *           is in the set too.
 *   accept: an envelope is accepted only if this node's nation is in the
 *           set and, when the sending peer is not the origin (a relay),
 *           the peer's nation is in the set too.
 */
#ifndef MW_NET_RELEASE_H
#define MW_NET_RELEASE_H

#include <stdbool.h>

#include "net/nodeconf.h"
#include "net/tls.h"
#include "wire/envelope.h"

/* Fill out[] with the set for an own envelope of wire kind (1..3); returns
 * the number of nations (>= 1: own nation first). */
unsigned net_release_own_set(const struct net_node_conf *c, int wire_kind,
                             char out[WIRE_MAX_RELEASE][MW_NATION_LEN]);

/* Send rule. release_csv: "KOR,USA,JPN" as journaled; from_peer: nation the
 * record came from ("" if originated here). */
bool net_release_may_send(const char *release_csv, const char *origin, const char *from_peer,
                          const char *self, const char *dest);

/* Accept rule: NET_REJ_COUNT if accepted, else NET_REJ_NOT_RELEASED or
 * NET_REJ_RELAY_NOT_RELEASED. */
enum net_reject net_release_check_rx(const struct wire_body *b, const char *self,
                                     const char *from_nation);

#endif
