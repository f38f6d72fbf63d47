/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/socket.h>

#include "erebus/netns.h"
#include "erebus/util.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71	/* Linux 5.14; older libc headers lack the name */
#endif

int netns_open_pid(pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int netns_open(const char *name_or_path)
{
	_cleanup_free_ char *path = NULL;
	int fd;

	if (name_or_path[0] == '/')
		path = xstrdup(name_or_path);
	else
		path = xasprintf("/run/netns/%s", name_or_path);
	/* Never wait in open() (a FIFO planted in the namespace's place),
	 * and take only a network namespace. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(fd);
		return -ENOTNAM;
	}
	return fd;
}

int netns_new(void)
{
	int saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), fd, e;

	if (saved < 0)
		return -errno;
	if (unshare(CLONE_NEWNET) < 0) {
		e = -errno;
		close(saved);
		return e;
	}
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	e = fd < 0 ? -errno : fd;
	netns_leave(saved);
	return e;
}

int netns_enter(int netns_fd, int *ret_saved)
{
	int saved;

	*ret_saved = -1;
	if (netns_fd < 0)
		return 0;
	saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (saved < 0)
		return -errno;
	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		int e = -errno;
		close(saved);
		return e;
	}
	*ret_saved = saved;
	return 0;
}

void netns_leave(int saved)
{
	if (saved < 0)
		return;
	if (setns(saved, CLONE_NEWNET) < 0) {
		fprintf(stderr, "erebus: cannot return to the original network namespace: %s\n",
			strerror(errno));
		abort();
	}
	close(saved);
}

int netns_socket(int netns_fd, int domain, int type, int protocol)
{
	int saved, fd, r;

	if ((r = netns_enter(netns_fd, &saved)) < 0)
		return r;
	fd = socket(domain, type | SOCK_CLOEXEC, protocol);
	r = fd < 0 ? -errno : fd;
	netns_leave(saved);
	return r;
}

unsigned long netns_id(int netns_fd)
{
	struct stat st;

	if (netns_fd >= 0 ? fstat(netns_fd, &st) < 0 : stat("/proc/thread-self/ns/net", &st) < 0)
		return 0;
	return (unsigned long)st.st_ino;
}

int netns_cookie(int netns_fd, uint64_t *ret)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = netns_socket(netns_fd, AF_UNIX, SOCK_DGRAM, 0), e = 0;

	if (fd < 0)
		return fd;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) < 0)
		e = -errno;
	else if (len != sizeof(cookie) || !cookie)
		e = -ENOPROTOOPT;
	close(fd);
	if (!e)
		*ret = cookie;
	return e;
}

/* The namespace fd is the one recorded as (dev, ino, cookie)? A cookie
 * this kernel cannot read (no SO_NETNS_COOKIE) proves nothing either way:
 * dev and ino alone decide, as they do for a record without a cookie. */
static int check_cookie(int fd, uint64_t cookie)
{
	uint64_t now;

	if (!cookie || netns_cookie(fd, &now) < 0 || now == cookie)
		return fd;
	close(fd);
	return -ESTALE;
}

/* Look in this thread's namespace, every process's, then /run/netns. */
int netns_open_id(uint64_t dev, uint64_t ino, uint64_t cookie)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int fd = -ENOENT;

	if (stat("/proc/thread-self/ns/net", &st) == 0 && st.st_dev == dev && st.st_ino == ino) {
		fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		return fd < 0 ? -errno : check_cookie(fd, cookie);
	}
	d = opendir("/proc");
	while (d && fd < 0 && (de = readdir(d))) {
		char path[300];
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
		if (stat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
			fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (d)
		closedir(d);
	d = opendir("/run/netns");
	while (d && fd < 0 && (de = readdir(d))) {
		char path[300];
		snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
		if (de->d_name[0] != '.' && stat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
			fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (d)
		closedir(d);
	return fd < 0 ? -ENOENT : check_cookie(fd, cookie);
}
