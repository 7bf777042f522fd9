/*
 * wire/merkle.h - the Merkle tree that lets one Ed25519 signature cover a
 * batch of envelope bodies while each body stays verifiable on its own.
 *
 *   leaf  = SHA-256(0x00 || body)              (domain-separated from nodes,
 *   node  = SHA-256(0x01 || left || right)      so a node is never a leaf)
 *
 * Levels are built bottom-up from the leaves in batch order. When a level
 * has an odd number of nodes, its last node has no sibling and is carried
 * up to the next level unchanged (no hashing, no duplication - duplicating
 * it, as Bitcoin does, would let two different batches share a root). The
 * root of a batch of one is its single leaf.
 *
 * An inclusion proof lists the sibling hashes met on the way from the leaf
 * to the root, leaf level first, skipping levels where the node was carried
 * up. Its length is therefore a function of (index, count) alone, which
 * the verifier computes and enforces exactly (wire_merkle_proof_len); it
 * is at most ceil(log2(count)) <= WIRE_MERKLE_MAX_DEPTH.
 */
#ifndef MW_WIRE_MERKLE_H
#define MW_WIRE_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define WIRE_HASH_LEN          32    /* SHA-256 */
#define WIRE_MERKLE_MAX_LEAVES 65536 /* largest batch */
#define WIRE_MERKLE_MAX_DEPTH  16    /* log2(WIRE_MERKLE_MAX_LEAVES) */

/*
 * A SHA-256 context fetched once and reused: OpenSSL 3 looks the algorithm
 * up on every EVP_sha256()/SHA256() call, which costs more than hashing a
 * 65-byte node. Every function below takes one (NULL: a temporary one is
 * made for the call, which is correct but slower). Not thread-safe; the
 * signer and each verified-batch cache own one.
 */
struct wire_hasher {
	EVP_MD *md;
	EVP_MD_CTX *ctx;
	/*
	 * Node hashes remembered per tree level by wire_merkle_root_from_proof:
	 * the envelopes of one batch arrive in order and share every node
	 * above their common ancestor, so at level k the inputs (left, right)
	 * repeat for 2^k consecutive leaves. A hit is an exact match of all
	 * 64 input bytes, so it returns what hashing would (a pure memo of a
	 * deterministic function: no trust is placed in it). memo_ok[k]
	 * false = empty. About 2 node hashes per envelope instead of
	 * log2(batch).
	 */
	uint8_t memo_in[WIRE_MERKLE_MAX_DEPTH][2 * 32];
	uint8_t memo_out[WIRE_MERKLE_MAX_DEPTH][32];
	bool memo_ok[WIRE_MERKLE_MAX_DEPTH];
};
/* 0, -ENOMEM, -EIO. */
int wire_hasher_init(struct wire_hasher *h);
void wire_hasher_finish(struct wire_hasher *h);

/* Leaf hash of one body: 0, -ENOMEM or -EIO (OpenSSL failed). */
int wire_merkle_leaf(struct wire_hasher *h, const uint8_t *body, size_t len,
                     uint8_t out[WIRE_HASH_LEN]);

/* Number of proof entries for leaf index < count (0 < count <= max);
 * -EINVAL for arguments out of range. */
int wire_merkle_proof_len(uint32_t index, uint32_t count);

/*
 * Where each proof entry of leaf `index` (of `count`) sits in the tree:
 * keys[j] = (level << 16) | node index within that level, for j <
 * the returned length (= wire_merkle_proof_len). A batch's proofs share
 * nodes, so a store can keep each node once and rebuild any proof from
 * these keys (store/journal.c, format 4). -EINVAL for arguments out of
 * range.
 */
#define WIRE_MERKLE_KEY(level, idx) (((uint32_t)(level) << 16) | (uint32_t)(idx))
int wire_merkle_proof_keys(uint32_t index, uint32_t count, uint32_t keys[WIRE_MERKLE_MAX_DEPTH]);

/*
 * Root reached from a leaf hash and its proof. proof_len must equal
 * wire_merkle_proof_len(index, count): -MW_EPROOF otherwise, -EINVAL for
 * index/count out of range, -EIO/-ENOMEM if hashing fails.
 */
int wire_merkle_root_from_proof(struct wire_hasher *h, const uint8_t leaf[WIRE_HASH_LEN],
                                uint32_t index, uint32_t count,
                                const uint8_t (*proof)[WIRE_HASH_LEN], size_t proof_len,
                                uint8_t root[WIRE_HASH_LEN]);

/*
 * A whole tree over `count` leaf hashes (1..WIRE_MERKLE_MAX_LEAVES), kept
 * level by level so proofs can be read for every leaf.
 */
struct wire_merkle {
	uint32_t count;
	uint32_t n_levels; /* including the leaves and the root level */
	uint32_t width[WIRE_MERKLE_MAX_DEPTH + 1];
	size_t offset[WIRE_MERKLE_MAX_DEPTH + 1]; /* first node of each level in nodes */
	uint8_t (*nodes)[WIRE_HASH_LEN];
};

/* Build from leaf hashes (copied). -EINVAL bad count, -ENOMEM, -EIO. */
int wire_merkle_build(struct wire_hasher *h, struct wire_merkle *t,
                      const uint8_t (*leaves)[WIRE_HASH_LEN], uint32_t count);
void wire_merkle_finish(struct wire_merkle *t);
const uint8_t *wire_merkle_root(const struct wire_merkle *t);
/* Proof for leaf index into proof[]; returns its length, -EINVAL bad index. */
int wire_merkle_proof(const struct wire_merkle *t, uint32_t index, uint8_t (*proof)[WIRE_HASH_LEN]);

#endif
