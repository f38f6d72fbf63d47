/* SPDX-License-Identifier: MIT */
#include <poll.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "erebus/guardian.h"
#include "erebus/ledger.h"
#include "erebus/recovery.h"

/* Keep stdio and the pidfd (3), close everything else the engine had
 * open: a netlink socket held here would keep the engine's owner-flag
 * nftables tables alive after its death. close_range() needs Linux 5.9;
 * before it, or if it fails, one by one. */
static void close_other_fds(void)
{
	struct rlimit rl;
	unsigned max = 65536;

	if (close_range(4, ~0u, CLOSE_RANGE_UNSHARE) == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < max)
		max = (unsigned)rl.rlim_cur;
	for (unsigned fd = 4; fd < max; fd++)
		(void)close((int)fd);
}

static _noreturn_ void guard(int engine_fd, pid_t engine, const char *path)
{
	struct pollfd pfd = { .fd = engine_fd, .events = POLLIN };
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
	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	if (access(path, F_OK) < 0)
		_exit(0);	/* the engine finished cleanly */
	snprintf(prefix, sizeof(prefix), "erebus-guard[%d]: ", (int)getpid());
	fprintf(stderr, "%sengine %d is gone with faults applied; reverting them from %s\n", prefix,
		(int)engine, path);
	failed = ledger_replay(path, false, stderr, prefix);
	if (failed)
		fprintf(stderr, "%s%d record(s) could not be undone; run `erebus recover`\n", prefix, failed);
	else
		fprintf(stderr, "%severything reverted\n", prefix);
	_exit(failed ? 4 : 0);
}

pid_t guardian_start(void)
{
	const char *path = ledger_path();
	_cleanup_free_ char *copy = NULL;
	pid_t engine = getpid(), pid;
	int fd;

	if (!path)
		return -EINVAL;
	copy = xstrdup(path);
	fd = pidfd_open(engine, 0);
	if (fd < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	if (pid == 0) {
		/* Move the pidfd to 3 so close_range() keeps it. */
		if (fd != 3) {
			if (dup2(fd, 3) < 0)
				_exit(1);
			close(fd);
		}
		guard(3, engine, copy);
	}
	close(fd);
	ledger_note_guardian(pid);
	return pid;
}
