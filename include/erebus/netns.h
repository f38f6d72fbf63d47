/* SPDX-License-Identifier: MIT */
/*
 * Network namespaces. A socket belongs to the namespace its creator was in
 * when it was made, so acting inside a target's namespace means: enter it,
 * make the socket (netlink, TCP, ...), leave. The engine is one thread, so
 * the switch never races with anything.
 */
#ifndef EREBUS_NETNS_H
#define EREBUS_NETNS_H

#include <stdint.h>
#include <sys/types.h>

/* The namespace of a process. Returns an fd (O_CLOEXEC) or -errno. */
int netns_open_pid(pid_t pid);
/* A name under /run/netns (as `ip netns` makes them) or an absolute path
 * (/proc/PID/ns/net, a bind mount). Opened without waiting; anything but
 * a network namespace is -ENOTNAM. Returns an fd or -errno. */
int netns_open(const char *name_or_path);
/* Make a new, empty network namespace (loopback down), held only by the
 * returned fd. Returns the fd or -errno; the caller stays where it was. */
int netns_new(void);
/* Enter netns_fd (-1: stay where we are). On success *ret_saved holds the
 * namespace to go back to (or -1); pass it to netns_leave(). */
int netns_enter(int netns_fd, int *ret_saved);
/* Go back; closes saved. Aborts if that fails: a thread left in the wrong
 * namespace would act on the wrong machine. */
void netns_leave(int saved);
/* socket(2) made inside netns_fd (-1: here). Returns the fd or -errno. */
int netns_socket(int netns_fd, int domain, int type, int protocol);
/*
 * The namespace's cookie (SO_NETNS_COOKIE, Linux 5.14+; -1: ours): a
 * number the kernel never gives two namespaces while it runs, unlike the
 * inode number, which a new namespace may take once the old one is gone.
 * Returns 0 with *ret, -ENOPROTOOPT when this kernel has no cookies, or
 * another -errno.
 */
int netns_cookie(int netns_fd, uint64_t *ret);
/*
 * Open the namespace with this identity (st_dev, st_ino of its nsfs file):
 * ours, a process's, or one bound under /run/netns. cookie: its cookie
 * when it was recorded (0: none recorded); a namespace with that dev and
 * ino but another cookie is another namespace, which took the inode
 * number of the recorded one after it was gone. (A kernel that cannot say
 * a cookie is taken at dev and ino.) Returns an fd, -ENOENT when no such
 * namespace is reachable any more, or -ESTALE when its dev and ino now
 * name another namespace.
 */
int netns_open_id(uint64_t dev, uint64_t ino, uint64_t cookie);
/* The inode number that identifies the namespace behind fd (or ours for -1). */
unsigned long netns_id(int netns_fd);

#endif
