/* SPDX-License-Identifier: MIT */
/*
 * /proc and pidfd primitives (include/erebus/proc.h). Every read through
 * /proc/PID about a process Erebus holds ends with a check that the
 * process is still the one meant (its pidfd still live, or, for a record
 * read back from a ledger, its start time unchanged).
 */
#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>

#include "erebus/proc.h"
#include "erebus/util.h"

/* <linux/pidfd.h> of Linux 6.11; Debian 12's headers predate it. */
#ifndef PIDFD_GET_NET_NAMESPACE
#define PIDFD_GET_NET_NAMESPACE _IO(0xFF, 4)
#endif

void proc_set_free(struct proc_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].pidfd >= 0)
			close(s->v[i].pidfd);
	free(s->v);
	*s = (struct proc_set){ 0 };
}

int proc_stat_read(pid_t pid, struct proc_stat *ret)
{
	char path[64], buf[1024], *open_paren, *close_paren;
	_cleanup_close_ int fd = -1;
	ssize_t n;
	unsigned long long start = 0;
	size_t clen;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 ? -errno : -ESRCH;
	buf[n] = '\0';
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren)
		return -EIO;
	clen = (size_t)(close_paren - open_paren - 1);
	if (clen > 15)
		clen = 15;
	memcpy(ret->comm, open_paren + 1, clen);
	ret->comm[clen] = '\0';
	/* after ") ": state ppid pgrp session tty tpgid flags ... starttime (22) */
	/* ... cutime cstime priority nice num_threads (20) itrealvalue starttime */
	if (sscanf(close_paren + 2, "%c %d %*d %*d %*d %*d %lu %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %ld %*d %llu",
		   &ret->state, &ret->ppid, &ret->flags, &ret->threads, &start) != 5)
		return -EIO;
	ret->starttime = start;
	return 0;
}

int proc_read(pid_t pid, struct proc *ret)
{
	struct proc_stat st;
	int r = proc_stat_read(pid, &st);

	if (r < 0)
		return r;
	if (st.state == 'Z' || st.state == 'X')
		return -ESRCH;
	ret->pid = pid;
	ret->pidfd = -1;
	ret->starttime = st.starttime;
	memcpy(ret->comm, st.comm, sizeof(ret->comm));
	return 0;
}

int proc_open(pid_t pid, uint64_t starttime, struct proc *ret)
{
	struct proc p;
	int fd, r;

	fd = pidfd_open(pid, 0);
	if (fd < 0)
		return -errno;
	/* The pidfd names whatever pid named at pidfd_open(); read after it,
	 * and the start time tells whether that is the process we meant. */
	r = proc_read(pid, &p);
	if (r == 0 && starttime && p.starttime != starttime)
		r = -ESRCH;
	if (r < 0) {
		close(fd);
		return r;
	}
	p.pidfd = fd;
	*ret = p;
	return 0;
}

int proc_verify(const struct proc *p)
{
	assert(p->pidfd >= 0);
	/* Signal 0 through a pidfd fails with ESRCH once the process has
	 * exited and been reaped, the only time its number can be reused. */
	if (pidfd_send_signal(p->pidfd, 0, NULL, 0) == 0 || errno == EPERM)
		return 0;
	return -ESRCH;
}

/* After a read through /proc/PID: was it about p? Through the pidfd when
 * held, else by start time (a record read back from a ledger). */
static int verify_after_read(const struct proc *p)
{
	struct proc_stat st;

	if (p->pidfd >= 0)
		return proc_verify(p);
	if (proc_stat_read(p->pid, &st) < 0 || (p->starttime && st.starttime != p->starttime))
		return -ESRCH;
	return 0;
}

int proc_signal(const struct proc *p, int sig)
{
	assert(p->pidfd >= 0);
	if (pidfd_send_signal(p->pidfd, sig, NULL, 0) < 0)
		return -errno;
	return 0;
}

int64_t proc_cpu_ns(const struct proc *p)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	int64_t total = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)p->pid);
	d = opendir(path);
	if (!d)
		return -ESRCH;
	while ((de = readdir(d))) {
		char p2[64], buf[128];
		_cleanup_close_ int fd = -1;
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p2, sizeof(p2), "%.32s/schedstat", de->d_name);
		fd = openat(dirfd(d), p2, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		total += strtoll(buf, NULL, 10);
	}
	closedir(d);
	if (verify_after_read(p) < 0)
		return -ESRCH;
	return total;
}

char proc_state(const struct proc *p)
{
	struct proc_stat st;

	/* One read gives both the state and the start time that says whose. */
	if (proc_stat_read(p->pid, &st) < 0 || (p->starttime && st.starttime != p->starttime))
		return 0;
	return st.state;
}

int proc_open_netns(const struct proc *p)
{
	char path[64];
	int fd;

	assert(p->pidfd >= 0);
	fd = ioctl(p->pidfd, PIDFD_GET_NET_NAMESPACE, 0);
	if (fd >= 0) {
		/* The ioctl's fd lacks O_CLOEXEC on some kernels; make sure. */
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		return fd;
	}
	if (errno == ESRCH)
		return -ESRCH;
	/* Older kernels (ENOTTY, EINVAL): through /proc, then check that the
	 * number still named the pidfd's process while the file was opened. */
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)p->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	if (proc_verify(p) < 0) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

int64_t proc_self_rss_kib(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/statm", "re");
	unsigned long long size, resident;

	if (!f || fscanf(f, "%llu %llu", &size, &resident) != 2)
		return -1;
	return (int64_t)(resident * (unsigned long long)sysconf(_SC_PAGESIZE) / 1024);
}
