/* SPDX-License-Identifier: MIT */
/*
 * The run directory and the run lock (src/undo/rundir.c).
 *
 * The run directory holds the undo ledgers of runs (include/erebus/ledger.h)
 * and the run lock. It must be a real directory (not a symlink), owned by
 * the user it belongs to, with mode 0700: anything else is refused with the
 * reason, so that no other user can plant, replace or delete what Erebus
 * keeps there. Every file Erebus opens in it is opened without following
 * symlinks and without blocking, and must be a regular file owned by the
 * same user.
 *
 * The run lock makes runs take turns: one run at a time per run directory
 * (as root, /run/erebus: one per machine). The holder writes its pid,
 * experiment and file into the lock file for the messages of those who
 * wait. The lock is on the open file description, so the guardian, which
 * inherits it, keeps it until it has exited. Later users (a scheduler)
 * take the same lock.
 */
#ifndef EREBUS_RUNDIR_H
#define EREBUS_RUNDIR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The run directory of this process: $EREBUS_RUN_DIR, else /run/erebus
 * (as root), else $XDG_RUNTIME_DIR/erebus, else /tmp/erebus-UID. */
const char *rundir_path(void);

/*
 * Open dir as a run directory of uid: a real directory (O_NOFOLLOW), owned
 * by uid, mode 0700. create: make it (mode 0700, parents 0755) if missing.
 * Returns a directory fd (O_CLOEXEC; the caller closes it), or -errno with
 * *ret_err saying what is wrong with which path.
 */
int rundir_open(const char *dir, uid_t uid, bool create, char **ret_err);

/*
 * Open name in the run directory dfd (path dir, for messages) with flags
 * (O_NOFOLLOW, O_NONBLOCK and O_CLOEXEC are added; with O_CREAT, mode):
 * it must be a regular file owned by uid. Returns the fd, or -errno with
 * *ret_err naming dir/name.
 */
int rundir_open_file(int dfd, const char *dir, const char *name, int flags, mode_t mode, uid_t uid,
		     char **ret_err);

/* Does name in dfd still name the file open at fd? (Before removing or
 * renaming it.) */
bool rundir_same_file(int dfd, const char *name, int fd);

/* The names in dfd that end with suffix, sorted (strv, caller frees), or
 * NULL when there are none or the directory cannot be read. */
char **rundir_list(int dfd, const char *suffix);

/*
 * Take the run lock in this process's run directory (made if missing):
 * wait at most wait_us for a run that holds it (0: do not wait). The wait
 * blocks in the kernel; a signal that ends the process ends it. Returns 0
 * (held until runlock_release() or exit), -EBUSY when another run still
 * holds it (*ret_err names its pid, experiment and file), or -errno with
 * *ret_err.
 */
int runlock_take(const char *experiment, const char *file, int64_t wait_us, char **ret_err);
/* The lock's fd (for the guardian to keep), or -1. */
int runlock_fd(void);
/* Let go of the lock (a guardian that inherited it keeps it until it exits). */
void runlock_release(void);

#endif
