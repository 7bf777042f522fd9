/*
 * fuzz/fuzz_nodeconf.c - the node configuration loader (net/nodeconf.c on
 * top of core/config.c) on arbitrary text.
 *
 * Beyond "no crash, no over-read, no leak" it asserts (abort on failure):
 *  1. a failure leaves the output untouched and fills the error message;
 *  2. a loaded configuration satisfies nodeconf.h's invariants: valid
 *     nation codes, peers of other nations with unique nations and
 *     identities, a dialled peer has a port, release rules name valid
 *     nations other than ours with a non-empty kind set or none, the
 *     heartbeat timeout is more than twice the heartbeat.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/nodeconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct net_node_conf conf;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&conf, 0xa5, sizeof(conf));
	struct mw_errbuf err = {{0}};
	int rc = net_conf_load_string(&conf, "fuzz.ini", text, "/base", &err);
	free(text);
	if (rc != 0) {
		const unsigned char *b = (const unsigned char *)&conf;
		for (size_t i = 0; i < sizeof(conf); i++)
			if (b[i] != 0xa5)
				abort();
		if (err.msg[0] == '\0')
			abort();
		return 0;
	}
	if (!net_nation_valid(conf.nation) || conf.n_peers > NET_MAX_PEERS ||
	    conf.n_release > NET_MAX_RELEASE || conf.link_timeout_ns <= 2 * conf.heartbeat_ns)
		abort();
	for (size_t i = 0; i < conf.n_peers; i++) {
		const struct net_peer_conf *p = &conf.peers[i];
		if (!net_nation_valid(p->nation) || strcmp(p->nation, conf.nation) == 0 ||
		    p->identity[0] == '\0' || (p->dial && p->addr.port == 0))
			abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(conf.peers[j].nation, p->nation) == 0 ||
			    strcmp(conf.peers[j].identity, p->identity) == 0)
				abort();
	}
	for (size_t i = 0; i < conf.n_release; i++)
		if (!net_nation_valid(conf.release[i].nation) ||
		    strcmp(conf.release[i].nation, conf.nation) == 0 ||
		    (conf.release[i].kinds & ~NET_KIND_ALL) != 0)
			abort();
	return 0;
}
