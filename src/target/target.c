/* SPDX-License-Identifier: MIT */
/*
 * Finding, picking and launching target processes. Matching reads /proc
 * only; picking opens a pidfd per chosen process and re-checks its start
 * time, so the pidfd refers to the process that matched and to no other.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "erebus/netns.h"
#include "erebus/privs.h"
#include "erebus/options.h"
#include "erebus/target.h"

/* Does pid run the same executable file as this process? */
static bool same_exe(pid_t pid)
{
	static struct stat self;
	static int self_ok = -1;
	char path[64];
	struct stat st;

	if (self_ok < 0)
		self_ok = stat("/proc/self/exe", &self) == 0;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	return self_ok && stat(path, &st) == 0 && st.st_dev == self.st_dev && st.st_ino == self.st_ino;
}

/*
 * Is pid a process of another Erebus run, or another erebus command? Its
 * guardian names itself erebus-guard; an engine is named after its
 * executable: erebus, or erebus-something running this very file (a
 * renamed copy; erebus-demo runs another). A process that only borrows
 * the name is refused too: that costs an experiment a target, never a
 * run its safety.
 */
static const char *erebus_refusal(pid_t pid, const struct proc_stat *st)
{
	if (!strcmp(st->comm, "erebus-guard"))
		return "it is the guardian of another Erebus run";
	if (!strcmp(st->comm, "erebus") || (!strncmp(st->comm, "erebus", 6) && same_exe(pid)))
		return "it is another Erebus process (the engine of another run, or an erebus command)";
	return NULL;
}

/* target_refusal() on what /proc/pid/stat said (st), or NULL to read it. */
static const char *refusal_of(pid_t pid, const struct proc_stat *st, const struct target_exclude *ex)
{
	struct proc_stat own;

	if (pid == 1)
		return "it is pid 1 (init)";
	if (pid == getpid())
		return "it is Erebus itself";
	for (size_t i = 0; ex && i < ex->n; i++)
		if (pid == ex->v[i].pid)
			return ex->v[i].why;
	if (!st) {
		if (proc_stat_read(pid, &own) < 0)
			return NULL;	/* gone: picking it will fail */
		st = &own;
	}
	if ((st->flags & PROC_PF_KTHREAD) || pid == 2 || st->ppid == 2)
		return "it is a kernel thread";
	return erebus_refusal(pid, st);
}

const char *target_refusal(pid_t pid, const struct target_exclude *ex)
{
	return refusal_of(pid, NULL, ex);
}

/*
 * Read a file named in the experiment (a pidfile, a cgroup's member list)
 * whose path, or a directory on it, a user other than root may control:
 * never follow a link at its end, never block in open() (a FIFO, a
 * device), refuse anything but a regular file, read at most max bytes.
 * what names it in messages ("pidfile"). Returns the length, or -errno
 * with *ret_err naming the path.
 */
static ssize_t read_regular(const char *what, const char *path, size_t max, char **ret, char **ret_err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	ssize_t len;

	if (fd < 0) {
		int e = errno;
		*ret_err = e == ELOOP ? xasprintf("%s %s is a symbolic link: Erebus reads it only as a regular file "
						  "(name the file the link points to)", what, path) :
					xasprintf("cannot read %s %s: %s", what, path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;
		*ret_err = xasprintf("cannot read %s %s: %s", what, path, strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		*ret_err = xasprintf("%s %s is %s, not a regular file: Erebus refuses to read it", what, path,
				     S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISDIR(st.st_mode) ? "a directory" :
				     S_ISSOCK(st.st_mode) ? "a socket" : "a device");
		return -EINVAL;
	}
	len = read_fd_max(fd, max, ret);
	if (len < 0)
		*ret_err = xasprintf("cannot read %s %s: %s", what, path, strerror((int)-len));
	return len;
}

static int read_pidfile(const char *path, pid_t *ret, char **ret_err)
{
	_cleanup_free_ char *text = NULL;
	ssize_t n = read_regular("pidfile", path, 64, &text, ret_err);
	char *end;
	long v;

	if (n < 0)
		return (int)n;
	v = strtol(strstrip(text), &end, 10);
	if (end == text || *end || v < 1 || v > 4194304) {
		*ret_err = xasprintf("pidfile %s does not hold a process id", path);
		return -EINVAL;
	}
	*ret = (pid_t)v;
	return 0;
}

/* The member pids of a cgroup directory (v2 or v1), sorted. */
static int read_cgroup(const char *dir, pid_t **ret, size_t *ret_n, char **ret_err)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	pid_t *v = NULL;
	size_t n = 0, cap = 0;
	ssize_t len;

	if (dir[0] == '/')
		path = xasprintf("%s/cgroup.procs", dir);
	else
		path = xasprintf("/sys/fs/cgroup/%s/cgroup.procs", dir);
	len = read_regular("cgroup", path, 4 << 20, &text, ret_err);
	if (len < 0)
		return (int)len;
	for (char *p = text; *p;) {
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		GROW(v, cap, n + 1);
		v[n++] = (pid_t)pid;
		p = end;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static bool cmdline_matches(pid_t pid, const regex_t *re)
{
	char path[64];
	_cleanup_free_ char *text = NULL;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_file_max(path, 64 << 10, &text);
	if (n <= 0)
		return false;
	for (ssize_t i = 0; i < n; i++)
		if (!text[i])
			text[i] = ' ';
	while (n && text[n - 1] == ' ')
		text[--n] = '\0';
	return regexec(re, text, 0, NULL, 0) == 0;
}

/* One process of a /proc scan, as its stat file said then; pidfd: one
 * opened before that read, or -1. */
struct scan {
	pid_t pid, ppid;
	int pidfd;
	struct proc_stat st;
};

struct scan_set {
	struct scan *v;
	size_t n;
};

static void scan_free(struct scan_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].pidfd >= 0)
			close(s->v[i].pidfd);
	free(s->v);
	*s = (struct scan_set){ 0 };
}

/*
 * Every process in /proc with its stat. With pidfds, a pidfd is opened
 * for each before its stat is read: a pidfd still live after every read
 * about its process (proc_verify()) proves those reads were about it, so
 * the stat need not be read again to check its start time (half the
 * reads of a pick; /proc/PID/stat is the costly part of picking).
 */
static int scan_proc(struct scan_set *ret, bool pidfds)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	struct scan_set s = { 0 };
	size_t cap = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct proc_stat st;
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		int fd = -1;

		if (*end || pid <= 0)
			continue;
		if (pidfds && (fd = pidfd_open((pid_t)pid, 0)) < 0)
			continue;	/* gone */
		if (proc_stat_read((pid_t)pid, &st) < 0) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		GROW(s.v, cap, s.n + 1);
		s.v[s.n++] = (struct scan){ (pid_t)pid, st.ppid, fd, st };
	}
	closedir(d);
	*ret = s;
	return 0;
}

/* Append to *q the pids in one children list file (none if gone). */
static void add_children_of(int dirfd, const char *path, pid_t **q, size_t *n, size_t *cap)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read_fd_max(fd, 1 << 20, &text) < 0)
		return;
	for (char *c = text, *end; *c; c = end) {
		long child = strtol(c, &end, 10);
		if (end == c)
			break;
		GROW(*q, *cap, *n + 1);
		(*q)[(*n)++] = (pid_t)child;
	}
}

/* Append to *q the children of pid: those listed in
 * /proc/PID/task/TID/children of each of its threads (only the one
 * when st says it has one thread; none when it is gone). */
static void add_children(pid_t pid, const struct proc_stat *st, pid_t **q, size_t *n, size_t *cap)
{
	char path[64];
	DIR *d;
	struct dirent *de;

	if (st->threads == 1) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
		add_children_of(AT_FDCWD, path, q, n, cap);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if (!(d = opendir(path)))
		return;
	while ((de = readdir(d))) {
		char p2[64];

		if (de->d_name[0] == '.')
			continue;
		snprintf(p2, sizeof(p2), "%.16s/children", de->d_name);
		add_children_of(dirfd(d), p2, q, n, cap);
	}
	closedir(d);
}

/* Does this kernel list children (CONFIG_PROC_CHILDREN)? */
static bool children_listed(void)
{
	static int known = -1;

	if (known < 0)
		known = access("/proc/thread-self/children", F_OK) == 0;
	return known;
}

/*
 * scan_proc() of root and its descendants only, found through the
 * kernel's children lists instead of every process's stat: a pick
 * within a launched command reads its own processes, not the machine's.
 * At most 65536 processes. -ENOTSUP when the kernel has no children
 * lists (the caller scans everything then).
 */
static int scan_tree(pid_t root, struct scan_set *ret, bool pidfds)
{
	_cleanup_free_ pid_t *q = NULL;
	struct scan_set s = { 0 };
	size_t n = 0, cap = 0, cap_s = 0;

	if (!children_listed())
		return -ENOTSUP;
	GROW(q, cap, 1);
	q[n++] = root;
	for (size_t i = 0; i < n && i < 65536; i++) {
		struct proc_stat st;
		int fd = -1;

		if (pidfds && (fd = pidfd_open(q[i], 0)) < 0)
			continue;	/* gone */
		if (proc_stat_read(q[i], &st) < 0) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		add_children(q[i], &st, &q, &n, &cap);
		GROW(s.v, cap_s, s.n + 1);
		s.v[s.n++] = (struct scan){ q[i], st.ppid, fd, st };
	}
	*ret = s;
	return 0;
}

static bool pid_in(const pid_t *v, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

/* Is pid root or a descendant of root, by the ppid links in s? */
static bool descends(const struct scan *s, size_t n, pid_t pid, pid_t root)
{
	for (unsigned depth = 0; pid > 1 && depth < 4096; depth++) {
		size_t i;
		if (pid == root)
			return true;
		for (i = 0; i < n && s[i].pid != pid; i++)
			;
		if (i == n)
			return false;
		pid = s[i].ppid;
	}
	return false;
}

static int cmp_proc(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* The count of s's pid-sorted processes once a pid listed twice (a
 * children list read while its pid was reused) is kept once. */
static size_t drop_repeats(struct proc_set *s)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (kept && s->v[kept - 1].pid == s->v[i].pid) {
			if (s->v[i].pidfd >= 0)
				close(s->v[i].pidfd);
			continue;
		}
		s->v[kept++] = s->v[i];
	}
	return kept;
}

/* target_match(), with pidfds (scan_proc()): each match's pidfd open,
 * opened before anything was read about it, yet to be verified. */
static int match(const struct target_state *ts, bool pidfds, struct proc_set *ret, char **ret_err)
{
	const struct target_spec *t = ts->spec;
	_cleanup_(scan_free) struct scan_set scan = { 0 };
	_cleanup_free_ pid_t *cg = NULL;
	struct scan *all;
	size_t n_all = 0, n_cg = 0;
	pid_t want = t->pid;
	struct proc_set out = { 0 };
	const char *why;
	int r;

	*ret_err = NULL;
	if (t->pidfile) {
		pid_t p = 0;
		if ((r = read_pidfile(t->pidfile, &p, ret_err)) < 0)
			return r;
		if (want && want != p) {
			*ret = out;
			return 0;
		}
		want = p;
	}
	if (t->cgroup && (r = read_cgroup(t->cgroup, &cg, &n_cg, ret_err)) < 0)
		return r;
	pid_t root = t->command ? ts->child : ts->within ? ts->within->child : 0;
	if ((t->command || t->within) && (!root || (ts->within ? ts->within->exited : ts->exited))) {
		*ret = out;	/* not launched yet, or gone */
		return 0;
	}
	r = root ? scan_tree(root, &scan, pidfds) : -ENOTSUP;
	if (r == -ENOTSUP)
		r = scan_proc(&scan, pidfds);
	if (r < 0) {
		*ret_err = xasprintf("cannot read /proc: %s", strerror(-r));
		return r;
	}
	all = scan.v;
	n_all = scan.n;
	for (size_t i = 0; i < n_all; i++) {
		pid_t pid = all[i].pid;
		struct proc p;

		if (want && pid != want)
			continue;
		if (t->cgroup && !pid_in(cg, n_cg, pid))
			continue;
		if (root && !descends(all, n_all, pid, root))
			continue;
		if (all[i].st.state == 'Z' || all[i].st.state == 'X')
			continue;
		p = (struct proc){ .pid = pid, .pidfd = all[i].pidfd, .starttime = all[i].st.starttime };
		memcpy(p.comm, all[i].st.comm, sizeof(p.comm));
		if (t->process && strcmp(p.comm, t->process))
			continue;
		if (t->cmdline && !cmdline_matches(pid, t->cmdline))
			continue;
		if ((why = refusal_of(pid, &all[i].st, ts->exclude))) {
			if (want) {
				*ret_err = xasprintf("Erebus refuses pid %d: %s", (int)pid, why);
				proc_set_free(&out);
				return -EPERM;
			}
			continue;	/* a pattern that also matches us or init: skip those */
		}
		GROW(out.v, out.cap, out.n + 1);
		out.v[out.n++] = p;
		all[i].pidfd = -1;	/* out's now */
	}
	if (out.n)
		qsort(out.v, out.n, sizeof(*out.v), cmp_proc);
	out.n = drop_repeats(&out);
	*ret = out;
	return (int)out.n;
}

int target_match(const struct target_state *ts, struct proc_set *ret, char **ret_err)
{
	return match(ts, false, ret, ret_err);
}

static void describe_selectors(const struct target_spec *t, struct sbuf *b)
{
	if (t->pid)
		sbuf_addf(b, " pid = %d", (int)t->pid);
	if (t->pidfile)
		sbuf_addf(b, " pidfile = %s", t->pidfile);
	if (t->process)
		sbuf_addf(b, " process = %s", t->process);
	if (t->cmdline_src)
		sbuf_addf(b, " cmdline = %s", t->cmdline_src);
	if (t->within)
		sbuf_addf(b, " within = %s", t->within->name);
	if (t->cgroup)
		sbuf_addf(b, " cgroup = %s", t->cgroup);
	if (t->command)
		sbuf_addf(b, " command = %s", t->command);
}

int target_pick(const struct target_state *ts, struct rng *rng, struct proc_set *ret,
		char **ret_err)
{
	struct proc_set m = { 0 }, out = { 0 };
	size_t want;
	int r = match(ts, true, &m, ret_err);

	if (r < 0)
		return r;
	if (!m.n) {
		struct sbuf b = { 0 };
		describe_selectors(ts->spec, &b);
		*ret_err = xasprintf("no process matches [target %s] (%s)", ts->spec->name, b.s + 1);
		sbuf_free(&b);
		proc_set_free(&m);
		return -ESRCH;
	}
	switch (ts->spec->pick.kind) {
	case PICK_COUNT:
		want = (size_t)ts->spec->pick.n;
		break;
	case PICK_PERCENT:
		want = (size_t)((double)m.n * ts->spec->pick.n / 100.0 + 0.999999);
		break;
	default:
		want = m.n;
	}
	if (want > m.n)
		want = m.n;
	if (!want)
		want = 1;
	/* Partial Fisher-Yates over the pid-sorted matches: reproducible by seed. */
	for (size_t i = 0; i < want && want < m.n; i++) {
		size_t j = i + (size_t)rng_below(rng, m.n - i);
		struct proc tmp = m.v[i];
		m.v[i] = m.v[j];
		m.v[j] = tmp;
	}
	for (size_t i = 0; i < want; i++) {
		/* Its pidfd was opened before its stat (and cmdline) was
		 * read; live now, it is the process those reads were about. */
		if (proc_verify(&m.v[i]) < 0)
			continue;	/* gone since it matched */
		GROW(out.v, out.cap, out.n + 1);
		out.v[out.n++] = m.v[i];
		m.v[i].pidfd = -1;	/* out's now */
	}
	proc_set_free(&m);
	if (!out.n) {
		*ret_err = xasprintf("the processes matching [target %s] exited before they could be picked",
				     ts->spec->name);
		return -ESRCH;
	}
	qsort(out.v, out.n, sizeof(*out.v), cmp_proc);
	*ret = out;
	return (int)out.n;
}

int target_launch(struct target_state *ts, char **ret_err)
{
	_cleanup_(privs_user_free) struct privs_user user = { 0 };
	_cleanup_free_ char *user_err = NULL;
	char **argv = NULL;
	int pipefd[2], errfd[2], err = 0, fd;
	pid_t parent = getpid();
	pid_t pid;
	ssize_t n;
	struct proc p;

	if ((err = privs_user_resolve(ts->spec->user, &user, &user_err)) < 0) {
		*ret_err = xasprintf("user: %s", user_err);
		return err;
	}
	if (split_command(ts->spec->command, &argv) < 0) {
		*ret_err = xasprintf("cannot split command \"%s\"", ts->spec->command);
		return -EINVAL;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		err = -errno;
		strv_free(argv);
		*ret_err = xasprintf("cannot make a pipe: %s", strerror(-err));
		return err;
	}
	if (pipe2(errfd, O_CLOEXEC) < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		strv_free(argv);
		*ret_err = xasprintf("cannot make a pipe: %s", strerror(-err));
		return err;
	}
	{
		/* In a sandbox host: the child is born in its namespace. */
		int saved, r = netns_enter(ts->netns_fd, &saved);
		if (r < 0) {
			close(pipefd[0]);
			close(pipefd[1]);
			close(errfd[0]);
			close(errfd[1]);
			strv_free(argv);
			*ret_err = xasprintf("cannot enter the sandbox host: %s", strerror(-r));
			return r;
		}
		pid = fork();
		if (pid != 0)
			netns_leave(saved);
	}
	if (pid < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		close(errfd[0]);
		close(errfd[1]);
		strv_free(argv);
		*ret_err = xasprintf("cannot fork: %s", strerror(-err));
		return err;
	}
	if (pid == 0) {
		sigset_t all;
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		signal(SIGPIPE, SIG_DFL);
		setpgid(0, 0);
		/* Before the parent-death signal: a change of user clears it. */
		if ((err = -privs_child_become(&user)) > 0) {
			(void)!write(pipefd[1], &err, sizeof(err));
			_exit(127);
		}
		/* Erebus may have died before the death signal was asked for:
		 * then our parent is no longer Erebus, and nothing would stop us. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
			_exit(127);
		if (null >= 0 && dup2(null, 0) >= 0 && dup2(null, 1) >= 0 && dup2(errfd[1], 2) >= 0)
			execvp(argv[0], argv);
		err = errno;
		(void)!write(pipefd[1], &err, sizeof(err));
		_exit(127);
	}
	close(pipefd[1]);
	close(errfd[1]);
	n = read(pipefd[0], &err, sizeof(err));
	close(pipefd[0]);
	if (n == sizeof(err)) {
		*ret_err = xasprintf("cannot run %s: %s", argv[0], strerror(err));
		strv_free(argv);
		close(errfd[0]);
		waitpid(pid, NULL, 0);
		return -err;
	}
	(void)fcntl(errfd[0], F_SETFL, O_NONBLOCK);
	ts->err = xcalloc(1, sizeof(*ts->err));
	ts->err->fd = errfd[0];
	strv_free(argv);
	(void)setpgid(pid, pid);
	fd = pidfd_open(pid, 0);
	if (fd < 0) {
		err = -errno;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		target_stderr_free(ts);
		*ret_err = xasprintf("pidfd_open: %s (Erebus needs Linux 5.3 or later)", strerror(-err));
		return err;
	}
	ts->child = pid;
	ts->child_pidfd = fd;
	ts->exited = false;
	if (proc_read(pid, &p) == 0)
		ts->child_starttime = p.starttime;
	return 0;
}

/* Wait at most grace_us for the launched command to exit, reading its
 * stderr meanwhile (a command that logs as it stops must not block on a
 * full pipe). True if it exited. */
static bool wait_exit(struct target_state *ts, int64_t grace_us)
{
	int64_t end = now_usec() + grace_us;

	for (;;) {
		struct pollfd pfd[2] = { { .fd = ts->child_pidfd, .events = POLLIN },
					 { .fd = ts->err ? ts->err->fd : -1, .events = POLLIN } };
		int64_t left = end - now_usec();

		if (left < 0)
			left = 0;
		if (poll(pfd, 2, (int)((left + 999) / 1000)) < 0 && errno != EINTR)
			return false;
		if (pfd[1].revents)
			(void)target_read_stderr(ts);
		if (pfd[0].revents)
			return true;
		if (!left)
			return false;
	}
}

void target_stop(struct target_state *ts, int64_t grace_us)
{
	if (!ts->child)
		return;
	if (!ts->exited) {
		(void)kill(-ts->child, SIGTERM);
		(void)kill(-ts->child, SIGCONT);
		if (!wait_exit(ts, grace_us))
			(void)kill(-ts->child, SIGKILL);
	}
	/* Whatever of the group is left. The leader is not reaped yet (also when
	 * ts->exited: it was only noted with WNOWAIT), so the group id is ours. */
	(void)kill(-ts->child, SIGKILL);
	if (waitpid(ts->child, &ts->exit_status, 0) == ts->child)
		ts->exited = true;
	if (ts->child_pidfd >= 0)
		close(ts->child_pidfd);
	ts->child_pidfd = -1;
	if (ts->err && ts->err->fd >= 0)
		(void)target_read_stderr(ts);	/* the last words of the group */
	target_stderr_free(ts);
}

void target_stderr_free(struct target_state *ts)
{
	if (!ts->err)
		return;
	if (ts->err->fd >= 0)
		close(ts->err->fd);
	free(ts->err);
	ts->err = NULL;
}

/* Keep the newest TARGET_STDERR_KEEP bytes of what was written. */
static void keep_stderr(struct target_stderr *e, const char *p, size_t n)
{
	if (n >= sizeof(e->buf)) {
		p += n - sizeof(e->buf);
		n = sizeof(e->buf);
		e->len = 0;
		e->cut = true;
	} else if (e->len + n > sizeof(e->buf)) {
		size_t drop = e->len + n - sizeof(e->buf);
		memmove(e->buf, e->buf + drop, e->len - drop);
		e->len -= drop;
		e->cut = true;
	}
	memcpy(e->buf + e->len, p, n);
	e->len += n;
}

ssize_t target_read_stderr(struct target_state *ts)
{
	char chunk[4096];
	ssize_t total = 0, n;

	if (!ts->err || ts->err->fd < 0)
		return 0;
	/* Bounded: a command that writes without pause does not keep us here. */
	for (int i = 0; i < 16; i++) {
		n = read(ts->err->fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return total ? total : -EAGAIN;
		if (n <= 0) {	/* the end, or an error: nothing more will come */
			close(ts->err->fd);
			ts->err->fd = -1;
			return total;
		}
		keep_stderr(ts->err, chunk, (size_t)n);
		if (ts->show_output)
			(void)!write(STDERR_FILENO, chunk, (size_t)n);
		total += n;
	}
	return total;
}

bool target_note_exit(struct target_state *ts)
{
	siginfo_t si = { 0 };

	if (ts->exited)
		return true;
	/* WNOWAIT: the zombie keeps the pid and its process group from being
	 * reused until target_stop() has signalled the group and reaped it. */
	if (ts->child_pidfd < 0 ||
	    waitid(P_PIDFD, (id_t)ts->child_pidfd, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || !si.si_pid)
		return false;
	ts->exited = true;
	ts->exit_status = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) :
			  si.si_status | (si.si_code == CLD_DUMPED ? WCOREFLAG : 0);
	while (target_read_stderr(ts) > 0)	/* what it wrote before it exited is there now */
		;
	return true;
}

void target_describe_exit(int status, struct sbuf *out)
{
	if (WIFEXITED(status)) {
		sbuf_addf(out, "exit status %d", WEXITSTATUS(status));
		return;
	}
	const char *name = signal_name(WTERMSIG(status));
	if (name)
		sbuf_addf(out, "killed by %s", name);
	else
		sbuf_addf(out, "killed by signal %d", WTERMSIG(status));
	if (WCOREDUMP(status))
		sbuf_add(out, " (core dumped)");
}

char *target_stderr_tail(const struct target_state *ts, unsigned max_lines)
{
	const struct target_stderr *e = ts->err;
	struct sbuf b = { 0 };
	size_t start, end, pos;
	unsigned lines = 0;

	if (!e || !e->len)
		return xstrdup("");
	/* Back from the end over max_lines non-empty lines; a line cut at the
	 * front of the buffer (its start dropped) is not shown. */
	start = end = e->len;
	while (lines < max_lines) {
		while (start > 0 && e->buf[start - 1] == '\n')
			start--;
		pos = start;
		while (pos > 0 && e->buf[pos - 1] != '\n')
			pos--;
		if (pos == start || (pos == 0 && e->cut && lines))
			break;
		start = pos;
		lines++;
	}
	if (start == 0 && e->cut)
		sbuf_add(&b, "...");	/* one long line: its end */
	for (size_t i = start; i < end; i++) {
		char c = e->buf[i];
		if (c == '\n' && (!b.len || b.s[b.len - 1] == '\n'))
			continue;	/* an empty line */
		if ((c >= 0 && c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			c = '?';
		sbuf_addn(&b, &c, 1);
	}
	if (b.len && b.s[b.len - 1] != '\n')
		sbuf_add(&b, "\n");
	return b.s ? sbuf_take(&b) : xstrdup("");
}
