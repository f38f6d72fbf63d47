/* SPDX-License-Identifier: MIT */
/*
 * Recovery from a ledger (src/rollback/recovery.c): replaying what a run
 * that is over left behind, for the guardian and `erebus recover`, and
 * moving a ledger aside (`erebus recover --forget`).
 */
#ifndef EREBUS_RECOVERY_H
#define EREBUS_RECOVERY_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * Replay the ledger name in the run directory dfd (path dir), open at fd
 * whose lock the caller holds (ledger_claim(), or the guardian's inherited
 * fd): the records not marked done, newest first; reopen each record's
 * network namespace by its identity (a record whose device and inode
 * now name a namespace with another cookie is not replayed); touch only
 * objects that carry Erebus' tag and that prove, read back, to be the
 * ones Erebus made (tc_undo()); what is left alone as not Erebus' is said
 * loudly, but is no failure: nothing of Erebus' is left there. A ledger of another boot (or none recorded) replays
 * nothing: its processes are gone, so their records are closed, and its
 * network records are reported as not replayed; the file is then moved
 * aside as NAME.previous-boot. Every action and problem is printed to log
 * with prefix. dry_run: print only. Returns the number of records that
 * could not be undone plus the lines that could not be read (0: clean),
 * or -errno if the ledger cannot be read. Removes the file when clean (everything undone or left alone, and
 * not dry_run); keeps it otherwise.
 */
int ledger_replay_at(int dfd, const char *dir, const char *name, int fd, bool dry_run, FILE *log,
		     const char *prefix);

enum recover_mode { RECOVER_REPLAY, RECOVER_DRY_RUN, RECOVER_FORGET, RECOVER_FORGET_DRY_RUN };

/*
 * `erebus recover` over the run directory dir of uid (checked as
 * rundir_open() does; a missing one has nothing in it): every ledger no
 * live run holds is replayed, or with RECOVER_FORGET moved aside as
 * NAME.forgotten. Files that are not ledgers Erebus could have written are
 * reported and left alone. Adds the ledgers found to *found. Returns the
 * number of problems (records not undone, lines not read, files refused),
 * 0 when clean.
 */
int recover_dir(const char *dir, uid_t uid, enum recover_mode mode, FILE *log, unsigned *found);

/* recover_dir() for another user's run directory: as root, in a child
 * process that has become uid (no other groups, no capabilities), so that
 * a ledger that user wrote is replayed with that user's rights only. As
 * uid itself, or for uid 0: recover_dir(). */
int recover_dir_as(const char *dir, uid_t uid, enum recover_mode mode, FILE *log, unsigned *found);

/*
 * `erebus recover --forget PATH`: move that one ledger aside (as
 * recover_dir() with RECOVER_FORGET would). Its directory must pass the
 * run directory's checks for the user who owns it (as root: any user;
 * otherwise only oneself). 0, or -errno with the reason printed to log.
 */
int recover_forget(const char *path, bool dry_run, FILE *log);

/*
 * The run directories of other users root's `erebus recover` also looks
 * in: /tmp/erebus-UID and /run/user/UID/erebus, each with the UID its
 * name gives. Returns how many, with *ret_dirs (strv) and *ret_uids
 * (caller frees both).
 */
size_t recover_fallback_dirs(char ***ret_dirs, uid_t **ret_uids);

#endif
