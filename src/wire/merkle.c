/*
 * wire/merkle.c - Merkle tree over envelope bodies (construction in
 * merkle.h; docs/protocol.md "Origin authentication").
 *
 * Level k has width w_k: w_0 = count, w_{k+1} = ceil(w_k / 2), up to the
 * level of width 1 (the root). Node i of level k+1 is
 *     H(0x01 || n_k[2i] || n_k[2i+1])   if 2i+1 < w_k
 *     n_k[2i]                           otherwise (carried up, odd width)
 * On the way up from leaf index i, level k contributes a proof entry iff
 * the node has a sibling: i is odd (sibling i-1, on the left) or i+1 < w_k
 * (sibling i+1, on the right).
 *
 * Invariants:
 *  1. count in 1..WIRE_MERKLE_MAX_LEAVES, so at most 17 levels and 16
 *     proof entries.
 *  2. The proof length is fixed by (index, count); a proof of any other
 *     length is rejected before any hashing.
 *  3. The per-level memo of wire_hasher (merkle.h) is consulted only on
 *     an exact match of the 64 input bytes, so a proof climbs to the same
 *     root with or without it.
 */
#include "wire/merkle.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "core/err.h"

int wire_hasher_init(struct wire_hasher *h)
{
	memset(h->memo_ok, 0, sizeof(h->memo_ok));
	h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	h->ctx = EVP_MD_CTX_new();
	if (!h->md || !h->ctx) {
		int rc = h->md ? -ENOMEM : -EIO;
		wire_hasher_finish(h);
		ERR_clear_error();
		return rc;
	}
	return 0;
}

void wire_hasher_finish(struct wire_hasher *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	h->ctx = NULL;
	h->md = NULL;
}

/* SHA-256(a || b); b may be NULL. */
static int hash2(struct wire_hasher *h, const uint8_t *a, size_t alen, const uint8_t *b,
                 size_t blen, uint8_t out[WIRE_HASH_LEN])
{
	uint8_t d[WIRE_HASH_LEN];
	unsigned int olen = 0;
	if (EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1 ||
	    (alen && EVP_DigestUpdate(h->ctx, a, alen) != 1) ||
	    (blen && EVP_DigestUpdate(h->ctx, b, blen) != 1) ||
	    EVP_DigestFinal_ex(h->ctx, d, &olen) != 1 || olen != WIRE_HASH_LEN) {
		ERR_clear_error();
		return -EIO;
	}
	memcpy(out, d, WIRE_HASH_LEN);
	return 0;
}

/* Use h, or set up tmp and use that. */
static int hasher_get(struct wire_hasher **h, struct wire_hasher *tmp)
{
	if (*h)
		return 0;
	int rc = wire_hasher_init(tmp);
	if (rc == 0)
		*h = tmp;
	return rc;
}

int wire_merkle_leaf(struct wire_hasher *h, const uint8_t *body, size_t len,
                     uint8_t out[WIRE_HASH_LEN])
{
	struct wire_hasher tmp = {0};
	if (!body && len)
		return -EINVAL;
	int rc = hasher_get(&h, &tmp);
	if (rc == 0)
		rc = hash2(h, (const uint8_t[]){0x00}, 1, body, len, out);
	wire_hasher_finish(&tmp);
	return rc;
}

static int node_hash(struct wire_hasher *h, const uint8_t *left, const uint8_t *right,
                     uint8_t out[WIRE_HASH_LEN])
{
	/* 0x01 || left || right as one update: the same digest as three, with
	 * a third of the EVP call overhead (a node is hashed per leaf or so) */
	uint8_t in[1 + 2 * WIRE_HASH_LEN];
	in[0] = 0x01;
	memcpy(in + 1, left, WIRE_HASH_LEN);
	memcpy(in + 1 + WIRE_HASH_LEN, right, WIRE_HASH_LEN);
	return hash2(h, in, sizeof(in), NULL, 0, out);
}

/* node_hash through the level-k memo (k < WIRE_MERKLE_MAX_DEPTH). */
static int node_hash_memo(struct wire_hasher *h, uint32_t k, const uint8_t *left,
                          const uint8_t *right, uint8_t out[WIRE_HASH_LEN])
{
	uint8_t *in = h->memo_in[k];
	if (h->memo_ok[k] && memcmp(in, left, WIRE_HASH_LEN) == 0 &&
	    memcmp(in + WIRE_HASH_LEN, right, WIRE_HASH_LEN) == 0) {
		memcpy(out, h->memo_out[k], WIRE_HASH_LEN);
		return 0;
	}
	h->memo_ok[k] = false;
	/* out may alias left or right: copy the inputs first */
	memcpy(in, left, WIRE_HASH_LEN);
	memcpy(in + WIRE_HASH_LEN, right, WIRE_HASH_LEN);
	int rc = node_hash(h, in, in + WIRE_HASH_LEN, h->memo_out[k]);
	if (rc == 0) {
		h->memo_ok[k] = true;
		memcpy(out, h->memo_out[k], WIRE_HASH_LEN);
	}
	return rc;
}

/* Bits set in v (SWAR; without -mpopcnt __builtin_popcount is a libgcc call). */
static int popcount32(uint32_t v)
{
	v = v - ((v >> 1) & 0x55555555u);
	v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
	v = (v + (v >> 4)) & 0x0f0f0f0fu;
	return (int)((v * 0x01010101u) >> 24);
}

/* Closed form of the level walk in the header comment (the walk itself is
 * kept in tests/unit/test_wire.c and compared over every (index, count) up
 * to 4096 and a sample up to the maximum). With c = count - 1, level k has
 * w_k - 1 = c >> k and node i_k = index >> k. The node lacks a sibling iff
 * it is the last one of an odd-width level: index >> k == c >> k and bit k
 * of c is 0. Let d be the highest bit where index and c differ (-1 if
 * equal). Levels k <= d always have a sibling (d + 1 entries); of the
 * levels d < k < bitlen(c), exactly those with bit k of c set do, i.e.
 * popcount(c >> (d + 1)) more. */
int wire_merkle_proof_len(uint32_t index, uint32_t count)
{
	if (count == 0 || count > WIRE_MERKLE_MAX_LEAVES || index >= count)
		return -EINVAL;
	uint32_t c = count - 1, x = index ^ c;
	if (!x)
		return popcount32(c);
	int d = 31 - __builtin_clz(x); /* x != 0; d <= 15 (invariant 1) */
	return d + 1 + popcount32(c >> (d + 1));
}

int wire_merkle_proof_keys(uint32_t index, uint32_t count, uint32_t keys[WIRE_MERKLE_MAX_DEPTH])
{
	if (count == 0 || count > WIRE_MERKLE_MAX_LEAVES || index >= count || !keys)
		return -EINVAL;
	int len = 0;
	uint32_t lvl = 0; /* < 16 levels; every node index < 2^16 */
	/* The sibling of i is i ^ 1 (i - 1 for odd i, i + 1 for even i) and
	 * exists iff i ^ 1 < w. Written without a branch: keys[len] is
	 * stored on every level and kept only where the sibling exists, so
	 * entries past the returned length may be overwritten (len <= lvl <=
	 * 15 < WIRE_MERKLE_MAX_DEPTH at each store, invariant 1). */
	for (uint32_t w = count, i = index; w > 1; w = (w + 1) / 2, i /= 2, lvl++) {
		uint32_t s = i ^ 1u;
		keys[len] = WIRE_MERKLE_KEY(lvl, s);
		len += s < w;
	}
	return len;
}

int wire_merkle_root_from_proof(struct wire_hasher *hs, const uint8_t leaf[WIRE_HASH_LEN],
                                uint32_t index, uint32_t count,
                                const uint8_t (*proof)[WIRE_HASH_LEN], size_t proof_len,
                                uint8_t root[WIRE_HASH_LEN])
{
	int want = wire_merkle_proof_len(index, count);
	if (want < 0)
		return want;
	if (proof_len != (size_t)want || (proof_len && !proof))
		return -MW_EPROOF;
	struct wire_hasher tmp = {0};
	int rc = hasher_get(&hs, &tmp);
	uint8_t h[WIRE_HASH_LEN];
	memcpy(h, leaf, WIRE_HASH_LEN);
	size_t k = 0;
	uint32_t lvl = 0; /* < WIRE_MERKLE_MAX_DEPTH: count <= 2^16 (invariant 1) */
	for (uint32_t w = count, i = index; rc == 0 && w > 1; w = (w + 1) / 2, i /= 2, lvl++) {
		if (i & 1)
			rc = node_hash_memo(hs, lvl, proof[k++], h, h);
		else if (i + 1 < w)
			rc = node_hash_memo(hs, lvl, h, proof[k++], h);
		/* else: carried up unchanged */
	}
	wire_hasher_finish(&tmp);
	if (rc == 0)
		memcpy(root, h, WIRE_HASH_LEN);
	return rc;
}

int wire_merkle_build(struct wire_hasher *hs, struct wire_merkle *t,
                      const uint8_t (*leaves)[WIRE_HASH_LEN], uint32_t count)
{
	if (!t || !leaves || count == 0 || count > WIRE_MERKLE_MAX_LEAVES)
		return -EINVAL;
	struct wire_merkle m;
	memset(&m, 0, sizeof(m));
	size_t total = 0;
	uint32_t w = count;
	for (;;) {
		m.width[m.n_levels] = w;
		m.offset[m.n_levels] = total;
		total += w;
		m.n_levels++;
		if (w == 1)
			break;
		w = (w + 1) / 2;
	}
	struct wire_hasher tmp = {0};
	int rc = hasher_get(&hs, &tmp);
	if (rc < 0)
		return rc;
	m.nodes = malloc(total * WIRE_HASH_LEN);
	if (!m.nodes) {
		wire_hasher_finish(&tmp);
		return -ENOMEM;
	}
	m.count = count;
	memcpy(m.nodes, leaves, (size_t)count * WIRE_HASH_LEN);
	for (uint32_t k = 0; rc == 0 && k + 1 < m.n_levels; k++) {
		uint8_t(*lo)[WIRE_HASH_LEN] = m.nodes + m.offset[k];
		uint8_t(*hi)[WIRE_HASH_LEN] = m.nodes + m.offset[k + 1];
		for (uint32_t i = 0; i < m.width[k + 1]; i++) {
			if (2 * i + 1 < m.width[k])
				rc = node_hash(hs, lo[2 * i], lo[2 * i + 1], hi[i]);
			else
				memcpy(hi[i], lo[2 * i], WIRE_HASH_LEN);
			if (rc < 0)
				break;
		}
	}
	wire_hasher_finish(&tmp);
	if (rc < 0) {
		free(m.nodes);
		return rc;
	}
	*t = m;
	return 0;
}

void wire_merkle_finish(struct wire_merkle *t)
{
	if (!t)
		return;
	free(t->nodes);
	memset(t, 0, sizeof(*t));
}

const uint8_t *wire_merkle_root(const struct wire_merkle *t)
{
	return t->nodes[t->offset[t->n_levels - 1]];
}

int wire_merkle_proof(const struct wire_merkle *t, uint32_t index, uint8_t (*proof)[WIRE_HASH_LEN])
{
	if (!t || !t->nodes || index >= t->count)
		return -EINVAL;
	int len = 0;
	uint32_t i = index;
	for (uint32_t k = 0; k + 1 < t->n_levels; k++, i /= 2) {
		const uint8_t(*lvl)[WIRE_HASH_LEN] =
		    (const uint8_t(*)[WIRE_HASH_LEN])(t->nodes + t->offset[k]);
		if (i & 1)
			memcpy(proof[len++], lvl[i - 1], WIRE_HASH_LEN);
		else if (i + 1 < t->width[k])
			memcpy(proof[len++], lvl[i + 1], WIRE_HASH_LEN);
	}
	return len;
}
