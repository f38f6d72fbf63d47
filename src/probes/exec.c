/* SPDX-License-Identifier: MIT */
/*
 * The exec probe: run a command with /bin/sh -c; the sample passes when it
 * exits with expect_exit. The command runs in its own process group with
 * stdin on /dev/null and stdout and stderr on one pipe, of which the first
 * 256 bytes are kept for the failure message and the rest is discarded.
 * Its exit is watched through a pidfd on the loop; nothing waits.
 *
 * When the command exits, anything it left running in its process group
 * is killed, so a sample never leaves processes behind; a sample that
 * overruns its timeout has the whole group killed (cancel()).
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/pidfd.h>
#include <sys/wait.h>

#include "erebus/netns.h"
#include "erebus/probe.h"
#include "internal.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define EXEC_OUTPUT_KEEP 256
/* How long cancel() waits for a SIGKILLed command to be reapable. */
#define EXEC_REAP_WAIT_MS 1000

extern char **environ;

struct exec_state {
	struct probe_ctx *ctx;
	const char *command;
	int expect;

	/* The sample in flight. */
	pid_t pid;		/* also the process group id; 0 if none */
	int pidfd, outfd;
	char out[EXEC_OUTPUT_KEEP + 1];
	size_t out_len;
};

/* Read what the pipe holds now: keep the start, drop the rest. Closes the
 * pipe at end of file or error. */
static void exec_drain(struct exec_state *st)
{
	char scratch[4096];

	while (st->outfd >= 0) {
		ssize_t n = read(st->outfd, scratch, sizeof(scratch));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			loop_del_fd(st->ctx->env->loop, st->outfd);
			(void)close(st->outfd);
			st->outfd = -1;
			return;
		}
		if (st->out_len < EXEC_OUTPUT_KEEP) {
			size_t k = (size_t)n < EXEC_OUTPUT_KEEP - st->out_len ? (size_t)n
									      : EXEC_OUTPUT_KEEP - st->out_len;
			memcpy(st->out + st->out_len, scratch, k);
			st->out_len += k;
			st->out[st->out_len] = '\0';
		}
	}
}

static void exec_on_output(struct loop *l, int fd, uint32_t events, void *userdata)
{
	exec_drain(userdata);
}

/* Close what the sample holds; the process must be reaped already. */
static void exec_release(struct exec_state *st)
{
	struct loop *l = st->ctx->env->loop;

	if (st->outfd >= 0) {
		loop_del_fd(l, st->outfd);
		(void)close(st->outfd);
		st->outfd = -1;
	}
	if (st->pidfd >= 0) {
		loop_del_fd(l, st->pidfd);
		(void)close(st->pidfd);
		st->pidfd = -1;
	}
	st->pid = 0;
}

/* The first non-empty line of the output, made printable, into buf. */
static const char *exec_first_line(const struct exec_state *st, char *buf, size_t len)
{
	const char *p = st->out;
	size_t n = 0;

	while (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
		p++;
	for (; *p && *p != '\n' && *p != '\r' && n + 1 < len; p++) {
		if (*p == '\t')
			buf[n++] = ' ';
		else
			buf[n++] = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
	}
	while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	return buf;
}

/* The command exited (its pidfd is readable): kill what it left in its
 * group while its pid still reserves the group id, reap it, judge. */
static void exec_on_exit(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct exec_state *st = userdata;
	siginfo_t si = { 0 };
	char line[EXEC_OUTPUT_KEEP + 1], msg[EXEC_OUTPUT_KEEP + 96];
	bool ok = false;

	if (waitid((idtype_t)P_PIDFD, (id_t)st->pidfd, &si, WEXITED | WNOWAIT | WNOHANG) < 0 ||
	    si.si_pid == 0)
		return;	/* not exited after all; wait for the next wake-up */
	(void)kill(-st->pid, SIGKILL);
	(void)waitid((idtype_t)P_PIDFD, (id_t)st->pidfd, &si, WEXITED);
	exec_drain(st);
	exec_first_line(st, line, sizeof(line));
	exec_release(st);

	if (si.si_code == CLD_EXITED) {
		ok = si.si_status == st->expect;
		snprintf(msg, sizeof(msg), "exit status %d (expected %d)%s%s", si.si_status, st->expect,
			 *line ? ": " : "", line);
	} else {
		const char *name = signal_name(si.si_status);

		if (name)
			snprintf(msg, sizeof(msg), "killed by %s%s", name,
				 si.si_code == CLD_DUMPED ? " (core dumped)" : "");
		else
			snprintf(msg, sizeof(msg), "killed by signal %d%s", si.si_status,
				 si.si_code == CLD_DUMPED ? " (core dumped)" : "");
	}
	probe_complete(st->ctx, ok, -1, ok ? NULL : msg);
}

/* Spawn /bin/sh -c command in a new process group with default signal
 * handling and an empty signal mask (the engine blocks signals for its
 * signalfd); stdout and stderr go to wfd. Returns the pid or -errno.
 * (glibc leaves its two internal signals, 32 and 33, ignored in the child
 * of a threaded parent; programs that use them install their handlers.) */
static pid_t exec_spawn(const char *command, int wfd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)command, NULL };
	pid_t pid = 0;
	int rc;

	sigemptyset(&none);
	sigfillset(&all);
	rc = posix_spawn_file_actions_init(&fa);
	if (rc)
		return -rc;
	rc = posix_spawnattr_init(&attr);
	if (rc) {
		(void)posix_spawn_file_actions_destroy(&fa);
		return -rc;
	}
	rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, wfd, STDOUT_FILENO);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, wfd, STDERR_FILENO);
	if (!rc)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
	if (!rc)
		rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
							     POSIX_SPAWN_SETSIGDEF);
	if (!rc)
		rc = posix_spawnattr_setpgroup(&attr, 0);
	if (!rc)
		rc = posix_spawnattr_setsigmask(&attr, &none);
	if (!rc)
		rc = posix_spawnattr_setsigdefault(&attr, &all);
	if (!rc)
		rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
	(void)posix_spawnattr_destroy(&attr);
	(void)posix_spawn_file_actions_destroy(&fa);
	return rc ? -rc : pid;
}

static int exec_start(struct probe_ctx *ctx)
{
	struct exec_state *st = ctx->state;
	struct loop *l = ctx->env->loop;
	_cleanup_close_ int rfd = -1, wfd = -1, pidfd = -1;
	int p[2], rc;
	pid_t pid;

	/* Only our end is non-blocking: the command's writes must block. */
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	rfd = p[0];
	wfd = p[1];
	if (fcntl(rfd, F_SETFL, O_NONBLOCK) < 0)
		return -errno;
	{
		/* From a sandbox host: the child is born in its namespace. */
		int saved;
		rc = netns_enter(ctx->netns_fd, &saved);
		if (rc < 0)
			return rc;
		pid = exec_spawn(st->command, wfd);
		netns_leave(saved);
	}
	if (pid < 0)
		return pid;
	/* The child is ours and unreaped, so pid cannot be recycled here. */
	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0) {
		rc = -errno;
		(void)kill(-pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		return rc;
	}
	rc = loop_add_fd(l, pidfd, EPOLLIN, exec_on_exit, st);
	if (rc >= 0) {
		rc = loop_add_fd(l, rfd, EPOLLIN, exec_on_output, st);
		if (rc < 0)
			loop_del_fd(l, pidfd);
	}
	if (rc < 0) {
		(void)kill(-pid, SIGKILL);
		(void)waitid((idtype_t)P_PIDFD, (id_t)pidfd, &(siginfo_t){ 0 }, WEXITED);
		return rc;
	}
	st->pid = pid;
	st->pidfd = TAKE_FD(pidfd);
	st->outfd = TAKE_FD(rfd);
	st->out_len = 0;
	st->out[0] = '\0';
	return 0;
}

/* Kill the command's process group and reap it. The wait is bounded: a
 * SIGKILLed process is normally reapable at once, but one stuck in the
 * kernel (uninterruptible I/O) is left behind rather than hang the loop. */
static void exec_cancel(struct probe_ctx *ctx)
{
	struct exec_state *st = ctx->state;
	struct pollfd pfd;
	siginfo_t si = { 0 };

	if (!st->pid)
		return;
	(void)kill(-st->pid, SIGKILL);
	pfd = (struct pollfd){ .fd = st->pidfd, .events = POLLIN };
	if (poll(&pfd, 1, EXEC_REAP_WAIT_MS) > 0)
		(void)waitid((idtype_t)P_PIDFD, (id_t)st->pidfd, &si, WEXITED | WNOHANG);
	exec_release(st);
}

static int exec_init(struct probe_ctx *ctx, char **ret_err)
{
	const struct section *sec = ctx->spec->sec;
	struct exec_state *st = xcalloc(1, sizeof(*st));

	st->ctx = ctx;
	st->pidfd = st->outfd = -1;
	st->command = section_str(sec, "command");
	st->expect = (int)section_int(sec, "expect_exit");
	if (!st->command) {
		*ret_err = xstrdup("command is not set");
		free(st);
		return -EINVAL;
	}
	ctx->state = st;
	return 0;
}

static void exec_destroy(struct probe_ctx *ctx)
{
	if (!ctx->state)
		return;
	exec_cancel(ctx);
	free(ctx->state);
	ctx->state = NULL;
}

static void exec_describe(const struct probe_spec *p, struct sbuf *out)
{
	sbuf_addf(out, "run `%s` with /bin/sh -c, expect exit %d", section_str(p->sec, "command"),
		  (int)section_int(p->sec, "expect_exit"));
	probe_describe_timing(p, out);
}

static const struct opt_def exec_options[] = {
	{ "command", OPT_STRING, OPT_REQUIRED, NULL, 0, 0, NULL,
	  "shell command to run (with /bin/sh -c)" },
	{ "expect_exit", OPT_INT, 0, "0", 0, 255, NULL, "exit status that passes" },
	OPT_END,
};

const struct probe_type probe_exec = {
	.name = "exec",
	.summary = "run a command; pass on the expected exit status",
	.options = exec_options,
	.init = exec_init,
	.start = exec_start,
	.cancel = exec_cancel,
	.destroy = exec_destroy,
	.describe = exec_describe,
};
