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
	UNDO_SIGCONT,	/* resume a process Erebus stopped */
};

struct undo_rec {
	enum undo_kind kind;
	bool done;
	union {
		struct proc proc;	/* UNDO_SIGCONT; pidfd is borrowed */
	};
};

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
