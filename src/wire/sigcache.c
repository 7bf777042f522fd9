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
 * Invariants:
 *  1. n <= max; every used slot is on exactly one chain, the one its key
 *     hashes to.
 *  2. No allocation after wire_sigcache_new().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire/sign.h"

#define NIL          UINT32_MAX
#define SIGCACHE_MAX (1u << 20)

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
	c->max = max_entries;
	c->nbuckets = nb;
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

/* FNV-1a over the signature (64 bytes an origin cannot choose freely
 * without a valid key; chains only ever hold verified entries anyway). */
static size_t bucket_of(const struct wire_sigcache *c, const uint8_t *key)
{
	uint64_t h = 14695981039346656037u;
	for (size_t i = WIRE_SIGCACHE_KEY_LEN - WIRE_SIG_LEN; i < WIRE_SIGCACHE_KEY_LEN; i++)
		h = (h ^ key[i]) * 1099511628211u;
	return (size_t)(h & (c->nbuckets - 1));
}

static uint32_t find(const struct wire_sigcache *c, const uint8_t *key, size_t b)
{
	for (uint32_t i = c->buckets[b]; i != NIL; i = c->slots[i].next)
		if (memcmp(c->slots[i].key, key, WIRE_SIGCACHE_KEY_LEN) == 0)
			return i;
	return NIL;
}

bool wire_sigcache_lookup(struct wire_sigcache *c, const uint8_t key[WIRE_SIGCACHE_KEY_LEN])
{
	uint32_t i = find(c, key, bucket_of(c, key));
	if (i == NIL) {
		c->st.misses++;
		return false;
	}
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
	if (find(c, key, b) != NIL)
		return;
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
}

void wire_sigcache_count_verify(struct wire_sigcache *c, bool ok)
{
	c->st.verifies++;
	if (!ok)
		c->st.failures++;
}
