/* SPDX-License-Identifier: MIT */
/*
 * Replaying undo records (src/rollback/replay.c): the dispatch from a
 * record's kind to the module that reverses it, and the read-back that
 * checks a reversal took.
 */
#ifndef EREBUS_REPLAY_H
#define EREBUS_REPLAY_H

#include "erebus/undo.h"

/* Undo one record now ("already gone" is success). A network object is
 * first read back and proved to be the one Erebus made (tc_undo()).
 * Returns 0, UNDO_LEFT_ALONE with *ret_why (caller frees: what is there
 * instead; nothing was changed), or -errno. */
int undo_one(struct undo_rec *r, char **ret_why);
/* What undo_one() would do, changing nothing (a dry run): 0, or
 * UNDO_LEFT_ALONE with *ret_why (caller frees), or -errno. */
int undo_owned(struct undo_rec *r, char **ret_why);
/* Replay every record of u not yet done, newest first, marking each done
 * (undo_done()); one left alone (UNDO_LEFT_ALONE) is done too, and marked
 * left_alone. Returns 0 when all are closed, else the first -errno, with
 * *ret_err (may be NULL) describing every failure, and *ret_left (may be
 * NULL) every record left alone and why, or NULL when none was (caller
 * frees both). */
int undo_run(struct undo_list *u, char **ret_err, char **ret_left);
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

#endif
