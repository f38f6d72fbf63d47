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

/* How Erebus tags what it creates, so that it never touches anything else:
 * tc qdiscs and classes with handles whose major is in this range (an
 * ingress/clsact qdisc, whose handle is fixed at ffff:, by its kind), links
 * and nftables tables by name prefix. */
#define EREBUS_TC_MAJOR_FIRST 0xEB00u
#define EREBUS_TC_MAJOR_LAST  0xEBFFu
#define EREBUS_LINK_PREFIX    "erebus"
#define EREBUS_NFT_PREFIX     "erebus_"

/* A kernel object in a network namespace. */
struct undo_net {
	int netns_fd;		/* borrowed from the engine; -1: Erebus' own namespace;
				 * below -1: not known (undo_exists() cannot tell) */
	uint64_t netns_dev, netns_ino;	/* the namespace's identity (filled by the ledger) */
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
	uint32_t seq;		/* its line in the ledger; 0 when not written there */
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
/*
 * Is the object r names still in the kernel? A question, never a change:
 * tc_exists() (UNDO_TC_*, UNDO_LINK) dumps the qdiscs, classes or filters
 * of r's interface (or gets the link by name) in r's namespace and looks
 * for r's handle, or priority and protocol; nft_exists() (UNDO_NFT_TABLE)
 * queries the table, and counts it only when it carries the owner flag, as
 * nft_undo() does. Returns 1 (there), 0 (gone) or -errno (cannot tell).
 */
int tc_exists(const struct undo_rec *r);
int nft_exists(const struct undo_rec *r);

struct undo_list {
	struct undo_rec *v;
	size_t n, cap;
};

/* Append r to u, and first to the run's ledger when one is open (the
 * change it undoes may only be made after this returns 0). Returns 0 or
 * -errno (the ledger could not be written: do not make the change). */
int undo_push(struct undo_list *u, const struct undo_rec *r);
/* The change the last record pushed to u undoes was not made (its create
 * request failed, e.g. with EEXIST: the object is someone else's). Mark
 * the record done in memory and in the ledger, so that no replay (the
 * engine's, the guardian's or `erebus recover`) removes what Erebus did
 * not create. u empty: nothing. */
void undo_disown(struct undo_list *u);
/* Replay every record not yet done, newest first. Returns 0 when all are
 * undone, else the first -errno, with *ret_err describing every failure
 * (caller frees). */
int undo_run(struct undo_list *u, char **ret_err);
/* Does r name only an object carrying Erebus' tag? (A record read back
 * from a ledger is replayed only if so.) */
bool undo_is_tagged(const struct undo_rec *r);
/* Undo one record now ("already gone" is success). 0 or -errno. */
int undo_one(struct undo_rec *r);
/*
 * After r was undone, read the state back: is what r undoes still there?
 * SIGCONT: is that process (pid and start time) still stopped? Network
 * records: tc_exists() or nft_exists(), in the namespace of r->net.netns_fd,
 * which must be open (the namespace is alive while it is; below -1: the
 * caller lost it, and the answer is -EBADF). A shared part of a tc tree
 * (root, ifb) is there until the last fault using it is undone. Returns 1
 * (still there), 0 (gone) or -errno (cannot tell).
 */
int undo_exists(const struct undo_rec *r);
/* Human description of r: "SIGCONT pid 1234 (demo-worker)". */
void undo_describe(const struct undo_rec *r, struct sbuf *out);
void undo_free(struct undo_list *u);

#endif
