/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "erebus/guardian.h"
#include "erebus/ledger.h"
#include "erebus/privs.h"
#include "erebus/recovery.h"
#include "erebus/rundir.h"

/* The fds the guardian keeps, at fixed numbers so close_range() can drop
 * the rest: the engine's pidfd, the ledger (whose lock it inherits), the
 * run directory, and the run lock (held until the guardian is gone). */
enum { G_PIDFD = 3, G_LEDGER, G_DIR, G_RUNLOCK, G_FIRST_FREE };

/* Replay sends SIGCONT to other users' processes (CAP_KILL), finds a
 * namespace again through /proc/PID/ns/net (CAP_SYS_PTRACE), enters it
 * (CAP_SYS_ADMIN) and removes tc objects, links and tables there
 * (CAP_NET_ADMIN). */
#define GUARDIAN_CAPS                                                                  \
	(PRIVS_CAP(CAP_KILL) | PRIVS_CAP(CAP_SYS_PTRACE) | PRIVS_CAP(CAP_SYS_ADMIN) | \
	 PRIVS_CAP(CAP_NET_ADMIN))

/* Keep stdio and the fds above, close everything else the engine had
 * open: a netlink socket held here would keep the engine's owner-flag
 * nftables tables alive after its death. close_range() needs Linux 5.9;
 * before it, or if it fails, one by one. */
static void close_other_fds(void)
{
	struct rlimit rl;
	unsigned max = 65536;

	if (close_range(G_FIRST_FREE, ~0u, CLOSE_RANGE_UNSHARE) == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < max)
		max = (unsigned)rl.rlim_cur;
	for (unsigned fd = G_FIRST_FREE; fd < max; fd++)
		(void)close((int)fd);
}

static _noreturn_ void guard(pid_t engine, const char *dir, const char *name)
{
	struct pollfd pfd = { .fd = G_PIDFD, .events = POLLIN };
	struct stat st;
	sigset_t all;
	char prefix[64];
	int failed;

	(void)prctl(PR_SET_NAME, "erebus-guard");
	/* Not in the terminal's process group: Ctrl-C is for the engine,
	 * which reverts by itself; the guardian stays to see that through. */
	(void)setpgid(0, 0);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigprocmask(SIG_SETMASK, &all, NULL);
	close_other_fds();
	/* Only what replaying a ledger can need, also in the bounding set (the
	 * guardian executes nothing). A failure here must not stop the revert
	 * to come: the guardian then keeps what it had. */
	(void)privs_drop(GUARDIAN_CAPS, true);
	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	if (fstat(G_LEDGER, &st) == 0 && st.st_nlink == 0)
		_exit(0);	/* the engine finished cleanly and removed it */
	snprintf(prefix, sizeof(prefix), "erebus-guard[%d]: ", (int)getpid());
	fprintf(stderr, "%sengine %d is gone with faults applied; reverting them from %s/%s\n", prefix,
		(int)engine, dir, name);
	failed = ledger_replay_at(G_DIR, dir, name, G_LEDGER, false, stderr, prefix);
	if (failed)
		fprintf(stderr, "%s%d record(s) could not be undone; %s/%s is kept: run `erebus recover`, "
			"or fix what is listed above by hand and run `erebus recover --forget %s/%s`\n",
			prefix, failed, dir, name, dir, name);
	else
		fprintf(stderr, "%severything reverted\n", prefix);
	_exit(failed ? 4 : 0);
}

/* In the child: put fd at number at (fds below at are already placed). */
static void place(int fd, int at)
{
	if (fd != at && dup2(fd, at) < 0)
		_exit(1);
}

pid_t guardian_start(void)
{
	struct ledger_at lg;
	_cleanup_free_ char *dir = NULL, *name = NULL;
	pid_t engine = getpid(), pid;
	int fd, fds[3];

	if (ledger_current(&lg) < 0 || runlock_fd() < 0)
		return -EINVAL;
	dir = xstrdup(lg.dir);
	name = xstrdup(lg.name);
	fd = pidfd_open(engine, 0);
	if (fd < 0)
		return -errno;
	/* Copies above the fixed numbers, so that placing one never
	 * overwrites another before it is placed. */
	fds[0] = fcntl(lg.fd, F_DUPFD_CLOEXEC, G_FIRST_FREE);
	fds[1] = fcntl(lg.dfd, F_DUPFD_CLOEXEC, G_FIRST_FREE);
	fds[2] = fcntl(runlock_fd(), F_DUPFD_CLOEXEC, G_FIRST_FREE);
	pid = fds[0] < 0 || fds[1] < 0 || fds[2] < 0 ? -1 : fork();
	if (pid < 0) {
		int e = -errno;
		close(fd);
		for (int i = 0; i < 3; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		return e;
	}
	if (pid == 0) {
		int pfd = fcntl(fd, F_DUPFD, G_FIRST_FREE);

		if (pfd < 0)
			_exit(1);
		place(pfd, G_PIDFD);
		place(fds[0], G_LEDGER);
		place(fds[1], G_DIR);
		place(fds[2], G_RUNLOCK);
		guard(engine, dir, name);
	}
	close(fd);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	ledger_note_guardian(pid);
	return pid;
}
