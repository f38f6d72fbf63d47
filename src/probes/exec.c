/* SPDX-License-Identifier: MIT */
/*
 * The exec probe: run a command with /bin/sh -c; the sample passes when it
 * exits with expect_exit. The command runs as the probe's user (key user;
 * default: who ran sudo, else Erebus' own) with no capabilities passed on,
 * in its own process group with stdin on /dev/null and stdout and stderr
 * on one pipe, of which the first 256 bytes (cut back to a character
 * boundary) are kept for the failure message and the rest is discarded.
 * Its exit is watched through a pidfd on the loop; nothing waits.
 *
 * When the command exits, anything it left running in its process group
 * is killed, so a sample never leaves processes behind; a sample that
 * overruns its timeout has the whole group killed (cancel()). A killed
 * command is reaped on the loop too, when its pidfd says it is gone: a
 * process in uninterruptible sleep (a hung or frozen filesystem) dies only
 * when the kernel lets it, and the other probes and the faults' timeline
 * must not wait for that.
 */
#include <assert.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/wait.h>

#include "erebus/json.h"
#include "erebus/netns.h"
#include "erebus/privs.h"
#include "erebus/probe.h"
#include "internal.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define EXEC_OUTPUT_KEEP 256
/* How long a SIGKILLed command is watched for its end before it is left
 * unreaped (it stays a zombie until Erebus exits). */
#define EXEC_REAP_WAIT_US (10 * USEC_PER_SEC)

extern char **environ;

struct exec_reap;

struct exec_state {
	struct probe_ctx *ctx;
	const char *command;
	int expect;

	/* The sample in flight. */
	pid_t pid;		/* also the process group id; 0 if none */
	int pidfd, outfd;
	char out[EXEC_OUTPUT_KEEP + 1];
	size_t out_len;
	bool out_full;		/* the rest of the output is discarded */

	struct exec_reap *reaping;	/* killed commands not reaped yet */
	struct privs_user user;		/* who the command runs as */
	char *become_msg;		/* "erebus: cannot run as nobody ...: " for the child */
};

/* A killed command the loop reaps: when its pidfd is readable, or, at the
 * latest, when the timer gives up on it. */
struct exec_reap {
	struct exec_state *st;
	pid_t pid;
	int pidfd;		/* -1: none (pidfd_open() failed) */
	bool watched;		/* pidfd is on the loop */
	struct loop_timer *timer;
	struct exec_reap *next;
};

/* Reap r's process if it has ended (never waits), then forget r: off the
 * loop, pidfd closed, freed. */
static void exec_reap_end(struct exec_reap *r)
{
	struct loop *l = r->st->ctx->env->loop;
	siginfo_t si = { 0 };

	if (r->pidfd >= 0)
		(void)waitid((idtype_t)P_PIDFD, (id_t)r->pidfd, &si, WEXITED | WNOHANG);
	else
		(void)waitpid(r->pid, NULL, WNOHANG);
	for (struct exec_reap **p = &r->st->reaping; *p; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			break;
		}
	if (r->watched)
		loop_del_fd(l, r->pidfd);
	if (r->pidfd >= 0)
		(void)close(r->pidfd);
	loop_timer_del(l, r->timer);
	free(r);
}

static void exec_reap_ready(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct exec_reap *r = userdata;
	siginfo_t si = { 0 };

	/* WNOWAIT: only ask; exec_reap_end() reaps. */
	if (waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid)
		exec_reap_end(r);
}

static int64_t exec_reap_give_up(struct loop *l, int64_t now_us, void *userdata)
{
	exec_reap_end(userdata);
	return 0;
}

/* SIGKILL the process group of pid (its leader, our unreaped child) and
 * leave the reaping to the loop. Takes pidfd (-1 if there is none), which
 * must not be on the loop. Never waits. */
static void exec_kill(struct exec_state *st, pid_t pid, int pidfd)
{
	struct loop *l = st->ctx->env->loop;
	struct exec_reap *r;

	assert(pid > 0);	/* kill(-0) would be our own group */
	r = xcalloc(1, sizeof(*r));
	(void)kill(-pid, SIGKILL);
	*r = (struct exec_reap){ .st = st, .pid = pid, .pidfd = pidfd, .next = st->reaping };
	st->reaping = r;
	/* Without the fd on the loop (no pidfd, or the loop cannot take it),
	 * the timer alone reaps it. */
	r->watched = pidfd >= 0 && loop_add_fd(l, pidfd, EPOLLIN, exec_reap_ready, r) >= 0;
	r->timer = loop_timer_add(l, now_usec() + EXEC_REAP_WAIT_US, exec_reap_give_up, r);
}

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
		if (!st->out_full) {
			size_t k = (size_t)n < EXEC_OUTPUT_KEEP - st->out_len ? (size_t)n
									      : EXEC_OUTPUT_KEEP - st->out_len;
			memcpy(st->out + st->out_len, scratch, k);
			st->out_len += k;
			if (st->out_len == EXEC_OUTPUT_KEEP) {
				/* cut here, never inside a character */
				st->out_len = utf8_cut(st->out, st->out_len);
				st->out_full = true;
			}
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
	/* It has exited (asked above): this reaps at once. */
	(void)waitid((idtype_t)P_PIDFD, (id_t)st->pidfd, &si, WEXITED | WNOHANG);
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

/* Fork /bin/sh -c command in a new process group, as the probe's user
 * with no capabilities (privs_child_become()), with default signal
 * handling and an empty signal mask (the engine blocks signals for its
 * signalfd); stdin on /dev/null, stdout and stderr on wfd. Between fork()
 * and execve() only async-signal-safe calls: the engine may have lookup
 * threads. A child that cannot become its user says so on wfd and exits
 * 127, which fails the sample with that line. Never waits. Returns the
 * pid or -errno. */
static pid_t exec_spawn(const struct exec_state *st, int wfd)
{
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)st->command, NULL };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	pid_t pid = fork();
	int null, r;

	if (pid != 0)
		return pid < 0 ? -errno : pid;
	/* The engine's fds first: an nftables socket held here would keep its
	 * owned tables alive past the engine's death. */
	null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(wfd, STDOUT_FILENO) < 0 ||
	    dup2(wfd, STDERR_FILENO) < 0)
		_exit(127);
	(void)close_range(STDERR_FILENO + 1, ~0u, 0);
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)setpgid(0, 0);
	if ((r = privs_child_become(&st->user)) < 0) {
		const char *e = strerrorname_np(-r);
		(void)!write(STDERR_FILENO, st->become_msg, strlen(st->become_msg));
		(void)!write(STDERR_FILENO, e ? e : "?", strlen(e ? e : "?"));
		(void)!write(STDERR_FILENO, "\n", 1);
		_exit(127);
	}
	execve("/bin/sh", argv, environ);
	_exit(127);
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
		pid = exec_spawn(st, wfd);
		netns_leave(saved);
	}
	if (pid < 0)
		return pid;
	/* The child is ours and unreaped, so pid cannot be recycled here. */
	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0) {
		rc = -errno;
		exec_kill(st, pid, -1);
		return rc;
	}
	rc = loop_add_fd(l, pidfd, EPOLLIN, exec_on_exit, st);
	if (rc >= 0) {
		rc = loop_add_fd(l, rfd, EPOLLIN, exec_on_output, st);
		if (rc < 0)
			loop_del_fd(l, pidfd);
	}
	if (rc < 0) {
		exec_kill(st, pid, TAKE_FD(pidfd));
		return rc;
	}
	st->pid = pid;
	st->pidfd = TAKE_FD(pidfd);
	st->outfd = TAKE_FD(rfd);
	st->out_len = 0;
	st->out_full = false;
	st->out[0] = '\0';
	return 0;
}

/* Kill the command's process group; the loop reaps it (exec_kill()). */
static void exec_cancel(struct probe_ctx *ctx)
{
	struct exec_state *st = ctx->state;

	if (!st->pid)
		return;
	loop_del_fd(ctx->env->loop, st->pidfd);
	exec_kill(st, st->pid, TAKE_FD(st->pidfd));
	exec_release(st);
}

static int exec_init(struct probe_ctx *ctx, char **ret_err)
{
	_cleanup_free_ char *err = NULL;
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
	if (privs_user_resolve(section_str(sec, "user"), &st->user, &err) < 0) {
		*ret_err = xasprintf("user: %s", err);
		free(st);
		return -EINVAL;
	}
	st->become_msg = xasprintf("erebus: cannot run the command as %s without capabilities: ",
				   st->user.name);
	ctx->state = st;
	return 0;
}

/* The run is over and the loop runs no more: reap what has died since it
 * was killed, and leave the rest (zombies until Erebus exits) unwaited. */
static void exec_destroy(struct probe_ctx *ctx)
{
	struct exec_state *st = ctx->state;

	if (!st)
		return;
	exec_cancel(ctx);
	while (st->reaping)
		exec_reap_end(st->reaping);
	privs_user_free(&st->user);
	free(st->become_msg);
	free(st);
	ctx->state = NULL;
}

static void exec_describe(const struct probe_spec *p, struct sbuf *out)
{
	const char *user = section_str(p->sec, "user");

	sbuf_addf(out, "run `%s` with /bin/sh -c%s%s, expect exit %d", section_str(p->sec, "command"),
		  user ? " as " : "", user ? user : "", (int)section_int(p->sec, "expect_exit"));
	probe_describe_timing(p, out);
}

static const struct opt_def exec_options[] = {
	{ "command", OPT_STRING, OPT_REQUIRED, NULL, 0, 0, NULL,
	  "shell command to run (with /bin/sh -c)" },
	{ "expect_exit", OPT_INT, 0, "0", 0, 255, NULL, "exit status that passes" },
	{ "user", OPT_USER, 0, NULL, 0, 0, NULL,
	  "user the command runs as, a name or uid (default: the user who ran sudo, else Erebus' own), with no capabilities" },
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
