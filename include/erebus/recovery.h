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
 * record's network namespace by its identity; touch only objects that
 * carry Erebus' tag. Every action and problem is printed to log with
 * prefix. dry_run: print only. Returns the number of records that could
 * not be undone (0: clean), or -errno if path cannot be read. Removes the
 * file when everything was undone (and not dry_run).
 */
int ledger_replay(const char *path, bool dry_run, FILE *log, const char *prefix);

#endif
