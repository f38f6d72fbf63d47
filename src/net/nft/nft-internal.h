/* SPDX-License-Identifier: MIT */
/*
 * Private to src/net/nft: what its files share. The contract for the rest
 * of Erebus is include/erebus/nft.h; nothing here is.
 *
 *   rules.c    drop tables as rules and as libnftnl objects, and as text
 *              (pure: nothing is sent)
 *   batch.c    the nfnetlink socket, transactions, nft_undo(), nft_exists()
 *   support.c  can this kernel run a partition? nft_supported()
 */
#ifndef EREBUS_NET_NFT_INTERNAL_H
#define EREBUS_NET_NFT_INTERNAL_H

#include <stdint.h>

#include "erebus/nft.h"
#include "../nlack.h"

struct nftnl_rule;

/* The chains of a drop table: [0] output, [1] input (struct nft_rule's
 * input is the index). */
extern const char *const nft_chain_names[2];

/* p, or abort: libnftnl's allocations, where out of memory is fatal as
 * with xmalloc(). */
void *nft_nonnull(void *p);

/* The expressions of rule nr of d, in the order nft itself emits them;
 * free with nftnl_rule_free(). */
struct nftnl_rule *nft_rule_build(const struct nft_drop *d, const struct nft_rule *nr);

/* What a message of a transaction was, so that an error names it. */
enum nft_obj { OBJ_BATCH, OBJ_TABLE, OBJ_CHAIN, OBJ_RULE };

/* Where a transaction failed: the kernel's errno and the object. */
struct nft_failure {
	int err;
	enum nft_obj obj;
	bool unknown;		/* no verdict from the kernel: the outcome is not known */
	struct nlack ack;	/* what the kernel said, when it answered */
};

/* nft_drop_create() and nft_table_delete() without the words: on failure,
 * *f says where (the probe classifies it). Return 0 or -errno. */
int nft_tx_create(struct nft_sock *s, const struct nft_drop *d, struct nft_failure *f,
		  int64_t *ret_usec);
int nft_tx_delete(struct nft_sock *s, const char *name, int64_t *ret_usec, struct nft_failure *f);

#endif
