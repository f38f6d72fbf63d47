/* SPDX-License-Identifier: MIT */
/*
 * Recovery from a ledger (src/rollback/recovery.c): replaying what a run
 * that is over left behind, for the guardian and `erebus recover`.
 */
#ifndef EREBUS_RECOVERY_H
#define EREBUS_RECOVERY_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Replay the records of path not marked done, newest first; reopen each
 * record's network namespace by its identity (a record whose device and
 * inode now name a namespace with another cookie is not replayed); touch
 * only objects that carry Erebus' tag and that prove, read back, to be
 * the ones Erebus made (tc_undo()). Every action and problem is printed
 * to log with prefix; what is left alone as not Erebus' is said loudly,
 * but is no failure: nothing of Erebus' is left there. dry_run: print
 * only. Returns the number of records that could not be undone (0:
 * clean), or -errno if path cannot be read. Removes the file when
 * everything was undone or left alone (and not dry_run).
 */
int ledger_replay(const char *path, bool dry_run, FILE *log, const char *prefix);

#endif
