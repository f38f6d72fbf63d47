/* SPDX-License-Identifier: MIT */
/*
 * Least privilege (src/os/privs.c): the capabilities a process keeps, and
 * the user and capabilities a command Erebus starts runs with.
 *
 * Capabilities are sets of CAP_* bits as in <linux/capability.h>, one bit
 * each: PRIVS_CAP(CAP_KILL). Everything here is raw capget()/capset() and
 * prctl(): the child-side call runs between fork() and execve() of a
 * process that may have threads, where only async-signal-safe calls are
 * allowed (libcap's functions allocate).
 *
 * Capabilities belong to a thread, not to a process: privs_drop() refuses
 * to act while the process has more than one thread.
 */
#ifndef EREBUS_PRIVS_H
#define EREBUS_PRIVS_H

#include <linux/capability.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PRIVS_CAP(c) (UINT64_C(1) << (c))

/* Who a started command runs as, resolved in the parent (it allocates). */
struct privs_user {
	uid_t uid;
	gid_t gid;
	gid_t *groups;		/* supplementary groups (initgroups()'s list) */
	size_t n_groups;
	bool change;		/* uid or gid differs from ours: switch in the child */
	char *name;		/* for messages: "nobody", "uid 1000" */
};

/*
 * Resolve spec, a user name or a numeric uid, into *ret (free with
 * privs_user_free()). spec NULL: the invoking user, that is SUDO_UID and
 * SUDO_GID when we run as root through sudo, else ourselves (no switch).
 * A name or uid must be in the user database. Returns 0, or -ENOENT
 * (no such user) / -EINVAL (bad SUDO_UID) / -errno with *ret_err
 * (caller frees).
 */
int privs_user_resolve(const char *spec, struct privs_user *ret, char **ret_err);
void privs_user_free(struct privs_user *u);

/*
 * In a child between fork() and execve(): become u (setgroups, setresgid,
 * setresuid, when u->change) and pass nothing on: the ambient,
 * inheritable, permitted and effective sets are cleared. A command that
 * runs as another user then has no capabilities; one that runs as root
 * gets root's from execve(), as any root process does, and none from
 * Erebus. no_new_privs is not set: set-user-ID and file-capability
 * programs it runs work as usual. Async-signal-safe. Returns 0 or -errno;
 * on failure the caller must not exec.
 */
int privs_child_become(const struct privs_user *u);

/*
 * Keep only keep (intersected with what we have) in the permitted and
 * effective sets; clear the inheritable and ambient sets; with bounding
 * (and CAP_SETPCAP), drop the rest from the bounding set too, so that no
 * execve() of this process or of its children can give it back (nor
 * give root's commands more than keep, nor run a file-capability program
 * needing more). Irreversible. Returns 0, -EBUSY when the process has
 * other threads, or -errno.
 */
int privs_drop(uint64_t keep, bool bounding);

/* Is /proc, in mountinfo's text (/proc/self/mountinfo), mounted with
 * hidepid (other than 0 or off)? Then only CAP_SYS_PTRACE sees other
 * users' processes there. */
bool privs_proc_hides_pids(const char *mountinfo);

/* The effective set of the calling thread (0 when capget() fails). */
uint64_t privs_effective(void);

/*
 * faccessat(path, mode, AT_EACCESS) with the caps bits lowered from the
 * effective set for the call (then raised again): "could we do this
 * without them?". Returns 0 or -errno.
 */
int privs_access_without(const char *path, int mode, uint64_t caps);

/* "CAP_KILL, CAP_NET_ADMIN" for set into buf (at least 256 bytes);
 * "none" for an empty set. */
const char *privs_format(uint64_t set, char *buf, size_t len);

#endif
