/* SPDX-License-Identifier: MIT */
/*
 * Processes through /proc and pidfds (src/os/proc.c). A process is named
 * by (pid, start time) and held as a pidfd, so a recycled PID is never
 * signalled. A pidfd keeps the process's struct pid alive but not its
 * number: once the process is reaped the number may be reused. So every
 * read through /proc/PID for a held process is followed by proc_verify()
 * (systemd's pidref_verify()): if the pidfd's process was still there
 * after the read, the read was about that process and no other.
 */
#ifndef EREBUS_PROC_H
#define EREBUS_PROC_H

#include <stdint.h>
#include <sys/types.h>

struct proc {
	pid_t pid;
	int pidfd;		/* -1 when not opened */
	uint64_t starttime;	/* clock ticks since boot, /proc/PID/stat field 22 */
	char comm[16];
};

struct proc_set {
	struct proc *v;
	size_t n, cap;
};
void proc_set_free(struct proc_set *s);	/* closes the pidfds; NULL-safe members */

/* The fields of /proc/PID/stat Erebus uses. */
struct proc_stat {
	char state;		/* 'R', 'S', 'T', 'Z', ... */
	pid_t ppid;
	unsigned long flags;	/* PF_* */
	uint64_t starttime;
	char comm[16];
	long threads;		/* num_threads */
};
#define PROC_PF_KTHREAD 0x00200000

/* Read /proc/pid/stat. Returns 0 or -errno (-ESRCH when gone). */
int proc_stat_read(pid_t pid, struct proc_stat *ret);

/* Read comm and start time of pid; ret->pidfd = -1. Returns 0 or -errno
 * (-ESRCH if gone or a zombie). */
int proc_read(pid_t pid, struct proc *ret);
/* Open a pidfd for pid and check that it is still the process with
 * starttime (0: any). Returns 0 or -errno; on success ret->pidfd is set. */
int proc_open(pid_t pid, uint64_t starttime, struct proc *ret);
/* Is p's process (held by p->pidfd, which must be open) still there, not
 * reaped, so that p->pid still names it? 0 or -ESRCH. */
int proc_verify(const struct proc *p);
/* Send sig through the pidfd. Returns 0, or -ESRCH if the process is gone,
 * or another -errno. */
int proc_signal(const struct proc *p, int sig);
/* Nanoseconds of CPU p's whole process has used (every thread), from
 * /proc/PID/task/star/schedstat, verified afterwards; -ESRCH when gone. */
int64_t proc_cpu_ns(const struct proc *p);
/* 'R', 'S', 'T', ... of p, or 0 when gone (or the pid now names another
 * process: its start time differs from p's). */
char proc_state(const struct proc *p);
/*
 * An fd (O_CLOEXEC) for the network namespace of p's process, through its
 * pidfd (PIDFD_GET_NET_NAMESPACE, Linux 6.11), else /proc/PID/ns/net
 * followed by proc_verify(). Returns the fd or -errno (-ESRCH: gone).
 */
int proc_open_netns(const struct proc *p);

/* This process's resident memory now, in KiB (/proc/self/statm), or -1. */
int64_t proc_self_rss_kib(void);

#endif
