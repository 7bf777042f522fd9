/*
 * wire/sigcache.c - bounded cache of verified batch signatures.
 *
 * A receiver gets the envelopes of one origin batch one by one; all carry
 * the same (root, count, signature). The first costs an Ed25519
 * verification; the cache remembers the exact tuple so the others cost
 * only their Merkle path. Entries hold the full 135-byte tuple (public
 * key, origin, root, count, signature) and are compared with memcmp, so a
 * hit is exactly "this was verified before" - never a hash-collision
 * guess. Only successful verifications are inserted.
 *
 * Structure: a fixed array of max_entries slots, a power-of-two bucket
 * array of chain heads (slot indices, NIL-terminated), and a clock hand
 * for eviction (second chance: a slot whose ref bit is set gets the bit
 * cleared and is skipped once; lookups set the bit).
 *
 * Bucket function (hash flooding, docs/security.md): a partner signs its
 * own batches, so it can grind (root, signature) pairs whose bucket under
 * a public hash is the same and make every lookup walk one long chain
 * (the FNV-1a it replaced: 1 valid signature in nbuckets lands in bucket
 * 0). Buckets are SipHash-2-4 (core/siphash.h) of the whole 135-byte key
 * under 128 random bits drawn (getrandom) in wire_sigcache_new, so the
 * bucket of a tuple is unpredictable outside this process. And no chain
 * grows past SIGCACHE_CHAIN_MAX: an insert into a full chain is refused
 * and counted (chain_full) - the batch is only verified again later -
 * so a lookup compares at most SIGCACHE_CHAIN_MAX keys whatever arrives.
 *
 * Invariants:
 *  1. n <= max; every used slot is on exactly one chain, the one its key
 *     hashes to.
 *  2. No allocation after wire_sigcache_new().
 *  3. No chain holds more than SIGCACHE_CHAIN_MAX slots.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "core/siphash.h"
#include "wire/sign.h"

#define NIL          UINT32_MAX
#define SIGCACHE_MAX (1u << 20)
/* nbuckets >= max, so chains average <= 1 entry: Poisson(1) reaches 16
 * with probability 1.7e-14 per bucket; only an aimed flood gets there. */
#define SIGCACHE_CHAIN_MAX 16

struct slot {
	uint8_t key[WIRE_SIGCACHE_KEY_LEN];
	uint32_t next;
	bool ref;
};

struct wire_sigcache {
	size_t max, n, hand;
	size_t nbuckets; /* power of two >= max */
	uint32_t *buckets;
	struct slot *slots;
	struct wire_sigcache_stats st;
	struct wire_hasher hasher;
	uint8_t key[MW_SIPHASH_KEY_LEN]; /* bucket function key, random per cache */
	/* the slot of the last hit or insert, NIL if none: the envelopes of a
	 * batch arrive together and look up the same key one after another,
	 * so it is compared first, before the SipHash of the key and the
	 * chain walk; a slot reused or cleared never matches a stale key,
	 * since its key bytes are compared */
	uint32_t last;
};

int wire_sigcache_new(size_t max_entries, struct wire_sigcache **out)
{
	if (!out || max_entries == 0 || max_entries > SIGCACHE_MAX)
		return -EINVAL;
	struct wire_sigcache *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	size_t nb = 1;
	while (nb < max_entries)
		nb *= 2;
	c->buckets = malloc(nb * sizeof(*c->buckets));
	c->slots = calloc(max_entries, sizeof(*c->slots));
	if (!c->buckets || !c->slots || wire_hasher_init(&c->hasher) < 0) {
		wire_hasher_finish(&c->hasher);
		free(c->buckets);
		free(c->slots);
		free(c);
		return -ENOMEM;
	}
	int rc = mw_siphash_random_key(c->key);
	if (rc < 0) {
		wire_sigcache_free(c);
		return rc;
	}
	c->max = max_entries;
	c->nbuckets = nb;
	c->last = NIL;
	for (size_t i = 0; i < nb; i++)
		c->buckets[i] = NIL;
	*out = c;
	return 0;
}

void wire_sigcache_free(struct wire_sigcache *c)
{
	if (!c)
		return;
	wire_hasher_finish(&c->hasher);
	free(c->buckets);
	free(c->slots);
	free(c);
}

struct wire_hasher *wire_sigcache_hasher(struct wire_sigcache *c)
{
	return &c->hasher;
}

void wire_sigcache_clear(struct wire_sigcache *c)
{
	for (size_t i = 0; i < c->nbuckets; i++)
		c->buckets[i] = NIL;
	c->n = 0;
	c->hand = 0;
	c->last = NIL;
	c->st.entries = 0;
}

void wire_sigcache_stats(const struct wire_sigcache *c, struct wire_sigcache_stats *out)
{
	*out = c->st;
	out->entries = c->n;
}

void wire_sigcache_key(const uint8_t pub[WIRE_PUBKEY_LEN], const char *origin,
                       const uint8_t root[WIRE_HASH_LEN], uint32_t leaf_count,
                       const uint8_t sig[WIRE_SIG_LEN], uint8_t key[WIRE_SIGCACHE_KEY_LEN])
{
	uint8_t *p = key;
	memcpy(p, pub, WIRE_PUBKEY_LEN);
	p += WIRE_PUBKEY_LEN;
	memcpy(p, origin, 3);
	p += 3;
	memcpy(p, root, WIRE_HASH_LEN);
	p += WIRE_HASH_LEN;
	p[0] = (uint8_t)(leaf_count >> 24);
	p[1] = (uint8_t)(leaf_count >> 16);
	p[2] = (uint8_t)(leaf_count >> 8);
	p[3] = (uint8_t)leaf_count;
	p += 4;
	memcpy(p, sig, WIRE_SIG_LEN);
}

static size_t bucket_of(const struct wire_sigcache *c, const uint8_t *key)
{
	return (size_t)(mw_siphash24(c->key, key, WIRE_SIGCACHE_KEY_LEN) & (c->nbuckets - 1));
}

/* The slot holding key in chain b, or NIL; *len (if not NULL) = slots
 * compared (the whole chain on a miss). */
static uint32_t find(struct wire_sigcache *c, const uint8_t *key, size_t b, size_t *len)
{
	size_t k = 0;
	uint32_t i;
	for (i = c->buckets[b]; i != NIL; i = c->slots[i].next) {
		k++;
		if (memcmp(c->slots[i].key, key, WIRE_SIGCACHE_KEY_LEN) == 0)
			break;
	}
	if (k > c->st.chain_max)
		c->st.chain_max = k;
	if (len)
		*len = k;
	return i;
}

bool wire_sigcache_lookup(struct wire_sigcache *c, const uint8_t key[WIRE_SIGCACHE_KEY_LEN])
{
	uint32_t i = c->last;
	if (i == NIL || i >= c->n || memcmp(c->slots[i].key, key, WIRE_SIGCACHE_KEY_LEN) != 0)
		i = find(c, key, bucket_of(c, key), NULL);
	if (i == NIL) {
		c->st.misses++;
		return false;
	}
	c->last = i;
	c->slots[i].ref = true;
	c->st.hits++;
	return true;
}

static void unlink_slot(struct wire_sigcache *c, uint32_t victim)
{
	size_t b = bucket_of(c, c->slots[victim].key);
	uint32_t *pp = &c->buckets[b];
	while (*pp != NIL && *pp != victim)
		pp = &c->slots[*pp].next;
	if (*pp == victim)
		*pp = c->slots[victim].next;
}

void wire_sigcache_insert(struct wire_sigcache *c, const uint8_t key[WIRE_SIGCACHE_KEY_LEN])
{
	size_t b = bucket_of(c, key);
	size_t len;
	if (find(c, key, b, &len) != NIL)
		return;
	if (len >= SIGCACHE_CHAIN_MAX) {
		c->st.chain_full++;
		return;
	}
	uint32_t s;
	if (c->n < c->max) {
		s = (uint32_t)c->n++;
	} else {
		while (c->slots[c->hand].ref) {
			c->slots[c->hand].ref = false;
			c->hand = (c->hand + 1) % c->max;
		}
		s = (uint32_t)c->hand;
		c->hand = (c->hand + 1) % c->max;
		unlink_slot(c, s);
		c->st.evictions++;
	}
	memcpy(c->slots[s].key, key, WIRE_SIGCACHE_KEY_LEN);
	c->slots[s].ref = false;
	c->slots[s].next = c->buckets[b];
	c->buckets[b] = s;
	c->last = s;
}

void wire_sigcache_count_verify(struct wire_sigcache *c, bool ok)
{
	c->st.verifies++;
	if (!ok)
		c->st.failures++;
}
