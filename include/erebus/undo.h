/* SPDX-License-Identifier: MIT */
/*
 * Undo records (src/undo/record.c): plain data that says how to reverse
 * one change Erebus made. A fault's apply() pushes a record before making
 * the change it undoes; the engine replays them in reverse order on every
 * exit path (include/erebus/replay.h). Replaying is idempotent: an object
 * already gone counts as undone. This module does no I/O: every record
 * pushed or marked done is handed to the journal the engine set, the
 * ledger (include/erebus/ledger.h), so that a record is on disk before
 * its change is made.
 */
#ifndef EREBUS_UNDO_H
#define EREBUS_UNDO_H

#include <stdbool.h>

#include "erebus/proc.h"
#include "erebus/util.h"

enum undo_kind {
	UNDO_SIGCONT,		/* resume a process Erebus stopped */
	UNDO_TC_QDISC,		/* delete a qdisc (and with it its classes and filters) */
	UNDO_TC_CLASS,		/* delete a class */
	UNDO_TC_FILTER,		/* delete a filter */
	UNDO_LINK,		/* delete a link Erebus created (an ifb device) */
	UNDO_NFT_TABLE,		/* delete an nftables table */
};

/* How Erebus tags what it creates, so that it never touches anything else:
 * tc qdiscs and classes with handles whose major is in this range, and
 * filters with priorities in it (0xEB00-0xEBFF); the ingress qdisc, whose
 * handle is fixed at ffff:, by its kind and by what is under it (only
 * Erebus' redirect, at EREBUS_TC_PRIO_REDIRECT, to an erebus ifb); links
 * and nftables tables by name prefix. Erebus never creates a clsact
 * qdisc. Replay reads each network object back and proves it against
 * these before deleting it (tc_undo()). */
#define EREBUS_TC_MAJOR_FIRST	0xEB00u
#define EREBUS_TC_MAJOR_LAST	0xEBFFu
#define EREBUS_TC_PRIO_REDIRECT	0xEB00u	/* the ingress redirect's filter priority */
#define EREBUS_LINK_PREFIX	"erebus"
#define EREBUS_NFT_PREFIX	"erebus_"

/* A kernel object in a network namespace. */
struct undo_net {
	int netns_fd;		/* borrowed from the engine; -1: Erebus' own namespace;
				 * below -1: not known (undo_exists() cannot tell) */
	uint64_t netns_dev, netns_ino;	/* the namespace's identity (filled by the ledger) */
	uint64_t netns_cookie;	/* and its cookie (SO_NETNS_COOKIE); 0: not known */
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
	bool left_alone;	/* done without a change: what was there was not provably
				 * Erebus' (UNDO_LEFT_ALONE); never checked after rollback */
	uint32_t seq;		/* its line in the ledger; 0 when not written there */
	union {
		struct proc proc;	/* UNDO_SIGCONT; pidfd is borrowed */
		struct undo_net net;	/* UNDO_TC_*, UNDO_LINK, UNDO_NFT_TABLE */
	};
};

/* What undoing a record returns, besides 0 (undone, or already gone) and
 * -errno (failed): the object there now is not provably the one Erebus
 * made (another kind at its handle, a clsact, an ingress qdisc with
 * filters Erebus did not make, a link that is no ifb), so nothing was
 * changed. Nothing of Erebus' is left there either: the record is closed,
 * and the replay says so loudly. */
#define UNDO_LEFT_ALONE 1

struct undo_list {
	struct undo_rec *v;
	size_t n, cap;
};

/* Where records go as they are pushed and undone: append() writes r (and
 * may set r->seq and the namespace identity of network records) and
 * returns 0 or -errno; done() marks record seq undone. */
struct undo_journal {
	int (*append)(struct undo_rec *r);
	void (*done)(uint32_t seq);
};
/* Set the journal of every list (NULL: none, as in tests and `plan`). */
void undo_journal_set(const struct undo_journal *j);

/* Append r to u, and first to the journal when one is set (the change it
 * undoes may only be made after this returns 0). Returns 0 or -errno (the
 * journal could not be written: do not make the change). */
int undo_push(struct undo_list *u, const struct undo_rec *r);
/* r is undone: mark it, in memory and in the journal. */
void undo_done(struct undo_rec *r);
/* The change the last record pushed to u undoes was not made (its create
 * request failed, e.g. with EEXIST: the object is someone else's). Mark
 * the record done in memory and in the journal, so that no replay (the
 * engine's, the guardian's or `erebus recover`) removes what Erebus did
 * not create. u empty: nothing. */
void undo_disown(struct undo_list *u);
/* Does r name only an object carrying Erebus' tag? (A record read back
 * from a ledger is replayed only if so: one that does not was never
 * written by Erebus, such as a clsact qdisc's.) The data alone: replay
 * still reads the object back before it deletes anything. */
bool undo_is_tagged(const struct undo_rec *r);
/* Human description of r: "SIGCONT pid 1234 (demo-worker)". */
void undo_describe(const struct undo_rec *r, struct sbuf *out);
void undo_free(struct undo_list *u);

#endif
