/* SPDX-License-Identifier: MIT */
/*
 * The run directory and the run lock (include/erebus/rundir.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "erebus/rundir.h"
#include "erebus/util.h"

#define RUNLOCK_NAME "run.lock"

static int lock_fd = -1;

const char *rundir_path(void)
{
	static char *dir;
	const char *env = getenv("EREBUS_RUN_DIR"), *xdg = getenv("XDG_RUNTIME_DIR");

	if (dir)
		return dir;
	if (env && *env)
		dir = xstrdup(env);
	else if (geteuid() == 0)
		dir = xstrdup("/run/erebus");
	else if (xdg && *xdg)
		dir = xasprintf("%s/erebus", xdg);
	else
		dir = xasprintf("/tmp/erebus-%u", (unsigned)geteuid());
	return dir;
}

static int mkdir_p(const char *dir)
{
	_cleanup_free_ char *copy = xstrdup(dir);

	for (char *p = copy + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(copy, 0755) < 0 && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	if (mkdir(copy, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Why path could not be opened as a directory without following it. */
static char *not_a_dir(const char *path, int err)
{
	struct stat st;

	if ((err == ELOOP || err == ENOTDIR) && lstat(path, &st) == 0)
		return xasprintf("the run directory %s is %s, not a directory; Erebus refuses it (remove it)", path,
				 S_ISLNK(st.st_mode) ? "a symbolic link" : "another kind of file");
	return xasprintf("cannot open the run directory %s: %s", path, strerror(err));
}

int rundir_open(const char *dir, uid_t uid, bool create, char **ret_err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	if (create && (r = mkdir_p(dir)) < 0) {
		*ret_err = xasprintf("cannot create the run directory %s: %s", dir, strerror(-r));
		return r;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		*ret_err = not_a_dir(dir, -r);
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		*ret_err = xasprintf("cannot read the run directory %s: %s", dir, strerror(-r));
		return r;
	}
	if (st.st_uid != uid) {
		*ret_err = xasprintf("the run directory %s is owned by uid %u, not by uid %u; another user may have "
				     "made it, so Erebus refuses it (remove it, or set EREBUS_RUN_DIR to a directory "
				     "of your own)", dir, (unsigned)st.st_uid, (unsigned)uid);
		return -EPERM;
	}
	if ((st.st_mode & 07777) != 0700) {
		*ret_err = xasprintf("the run directory %s has mode %04o, not 0700; Erebus refuses it (chmod 700 %s)",
				     dir, (unsigned)(st.st_mode & 07777), dir);
		return -EPERM;
	}
	return TAKE_FD(fd);
}

static const char *file_kind(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" :
	       S_ISCHR(m) || S_ISBLK(m) ? "a device" : "not a regular file";
}

int rundir_open_file(int dfd, const char *dir, const char *name, int flags, mode_t mode, uid_t uid,
		     char **ret_err)
{
	_cleanup_close_ int fd = openat(dfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
	struct stat st;
	int r;

	if (fd < 0) {
		r = -errno;
		*ret_err = r == -ELOOP ?
			xasprintf("%s/%s is a symbolic link; Erebus does not follow it (remove it)", dir, name) :
			xasprintf("cannot open %s/%s: %s", dir, name, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		*ret_err = xasprintf("cannot read %s/%s: %s", dir, name, strerror(-r));
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		*ret_err = xasprintf("%s/%s is %s, not a file Erebus wrote; Erebus does not read it (remove it)",
				     dir, name, file_kind(st.st_mode));
		return -EPERM;
	}
	if (st.st_uid != uid) {
		*ret_err = xasprintf("%s/%s is owned by uid %u, not by uid %u; Erebus does not trust it (remove it)",
				     dir, name, (unsigned)st.st_uid, (unsigned)uid);
		return -EPERM;
	}
	return TAKE_FD(fd);
}

bool rundir_same_file(int dfd, const char *name, int fd)
{
	struct stat a, b;

	return fstatat(dfd, name, &a, AT_SYMLINK_NOFOLLOW) == 0 && fstat(fd, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **rundir_list(int dfd, const char *suffix)
{
	int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	size_t n = 0, cap = 0, sl = strlen(suffix);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	char **v = NULL;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len <= sl || strcmp(de->d_name + len - sl, suffix) || de->d_name[0] == '.')
			continue;
		GROW(v, cap, n + 2);
		v[n++] = xstrdup(de->d_name);
		v[n] = NULL;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	return v;
}

/* ---- the run lock ---------------------------------------------------------- */

static volatile sig_atomic_t alarmed;

static void on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

/*
 * flock(fd, LOCK_EX), waiting at most wait_us. As flock(1) does, the
 * blocking call is interrupted by SIGALRM at the deadline (and again every
 * 10 ms after it, in case the first came before the call blocked).
 * 0, -EWOULDBLOCK (still held at the deadline) or -errno.
 */
static int lock_wait(int fd, int64_t wait_us)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old_sa;
	struct itimerval it = { .it_interval = { 0, 10000 } };
	sigset_t alrm, old_mask;
	int r;

	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return -errno;
	if (wait_us <= 0)
		return -EWOULDBLOCK;
	it.it_value = (struct timeval){ (time_t)(wait_us / USEC_PER_SEC), (suseconds_t)(wait_us % USEC_PER_SEC) };
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	alarmed = 0;
	(void)sigaction(SIGALRM, &sa, &old_sa);	/* no SA_RESTART: flock() returns EINTR */
	(void)sigprocmask(SIG_UNBLOCK, &alrm, &old_mask);
	if (setitimer(ITIMER_REAL, &it, NULL) < 0) {
		r = -errno;
	} else {
		while ((r = flock(fd, LOCK_EX)) < 0 && errno == EINTR && !alarmed)
			;
		r = r == 0 ? 0 : alarmed ? -EWOULDBLOCK : -errno;
		(void)setitimer(ITIMER_REAL, &(struct itimerval){ 0 }, NULL);
	}
	(void)sigprocmask(SIG_SETMASK, &old_mask, NULL);
	(void)sigaction(SIGALRM, &old_sa, NULL);
	return r;
}

/* One line of the holder's note, "key=value": a copy of value, or "?". */
static char *holder_field(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, kl) && l[kl] == '=')
			return xstrndup(l + kl + 1, strcspn(l + kl + 1, "\n"));
	return xstrdup("?");
}

static char *busy_message(int fd, const char *dir)
{
	char buf[1024];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	_cleanup_free_ char *pid = NULL, *name = NULL, *file = NULL;

	buf[n > 0 ? n : 0] = '\0';
	if (n <= 0)
		return xasprintf("another run holds the run lock %s/%s (it has not said which yet); wait for "
				 "it to end, or give --wait DURATION", dir, RUNLOCK_NAME);
	pid = holder_field(buf, "pid");
	name = holder_field(buf, "experiment");
	file = holder_field(buf, "file");
	return xasprintf("another run holds the run lock %s/%s: pid %s (or its guardian), experiment %s (%s); "
			 "one run at a time: wait for it to end, or give --wait DURATION",
			 dir, RUNLOCK_NAME, pid, name, file);
}

/* s on one line: control characters become '_'. */
static void add_line(struct sbuf *b, const char *key, const char *s)
{
	sbuf_addf(b, "%s=", key);
	for (; s && *s; s++)
		sbuf_addn(b, (unsigned char)*s < ' ' || *s == 0x7f ? "_" : s, 1);
	sbuf_add(b, "\n");
}

int runlock_take(const char *experiment, const char *file, int64_t wait_us, char **ret_err)
{
	const char *dir = rundir_path();
	_cleanup_close_ int dfd = rundir_open(dir, geteuid(), true, ret_err);
	_cleanup_close_ int fd = -1;
	struct sbuf note = { 0 };
	int r;

	if (dfd < 0)
		return dfd;
	if (lock_fd >= 0)
		return 0;
	fd = rundir_open_file(dfd, dir, RUNLOCK_NAME, O_RDWR | O_CREAT, 0600, geteuid(), ret_err);
	if (fd < 0)
		return fd;
	r = lock_wait(fd, wait_us);
	if (r == -EWOULDBLOCK) {
		*ret_err = busy_message(fd, dir);
		return -EBUSY;
	}
	if (r < 0) {
		*ret_err = xasprintf("cannot lock %s/%s: %s", dir, RUNLOCK_NAME, strerror(-r));
		return r;
	}
	sbuf_addf(&note, "pid=%d\n", (int)getpid());
	add_line(&note, "experiment", experiment);
	add_line(&note, "file", file);
	/* For messages only: a note that cannot be written is no reason to stop. */
	if (ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, note.s, note.len, 0);
	sbuf_free(&note);
	lock_fd = TAKE_FD(fd);
	return 0;
}

int runlock_fd(void) { return lock_fd; }

void runlock_release(void)
{
	if (lock_fd >= 0)
		close(lock_fd);
	lock_fd = -1;
}
