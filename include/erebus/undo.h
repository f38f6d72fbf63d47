/* SPDX-License-Identifier: MIT */
/*
 * Undo records: plain data that says how to reverse one change Erebus made.
 * A fault's apply() pushes a record before making the change it undoes;
 * the engine replays them in reverse order on every exit path. Replaying
 * is idempotent: an object already gone counts as undone.
 */
#ifndef EREBUS_UNDO_H
#define EREBUS_UNDO_H

#include "erebus/target.h"

enum undo_kind {
	UNDO_SIGCONT,		/* resume a process Erebus stopped */
	UNDO_TC_QDISC,		/* delete a qdisc (and with it its classes and filters) */
	UNDO_TC_CLASS,		/* delete a class */
	UNDO_TC_FILTER,		/* delete a filter */
	UNDO_LINK,		/* delete a link Erebus created (an ifb device) */
	UNDO_NFT_TABLE,		/* delete an nftables table */
};

/* A kernel object in a network namespace. */
struct undo_net {
	int netns_fd;		/* borrowed from the engine; -1: Erebus' own namespace */
	int ifindex;
	uint32_t parent;	/* tc: parent handle */
	uint32_t handle;	/* tc: qdisc/class handle; filter: its handle */
	uint32_t prio;		/* tc filter: priority (with protocol below) */
	uint16_t protocol;	/* tc filter: ETH_P_* in host order */
	int family;		/* nftables: NFPROTO_* */
	char name[64];		/* link name, nft table name, or tc kind (for messages) */
};

struct undo_rec {
	enum undo_kind kind;
	bool done;
	union {
		struct proc proc;	/* UNDO_SIGCONT; pidfd is borrowed */
		struct undo_net net;	/* UNDO_TC_*, UNDO_LINK, UNDO_NFT_TABLE */
	};
};

/*
 * Undo one network record; "already gone" is success. Implemented by the
 * module that makes such objects: tc_undo() in src/tc.c (UNDO_TC_*,
 * UNDO_LINK), nft_undo() in src/nft.c (UNDO_NFT_TABLE). Return 0 or -errno.
 */
int tc_undo(const struct undo_rec *r);
int nft_undo(const struct undo_rec *r);

struct undo_list {
	struct undo_rec *v;
	size_t n, cap;
};

void undo_push(struct undo_list *u, const struct undo_rec *r);
/* Replay every record not yet done, newest first. Returns 0 when all are
 * undone, else the first -errno, with *ret_err describing every failure
 * (caller frees). */
int undo_run(struct undo_list *u, char **ret_err);
/* Human description of r: "SIGCONT pid 1234 (demo-worker)". */
void undo_describe(const struct undo_rec *r, struct sbuf *out);
void undo_free(struct undo_list *u);

#endif
