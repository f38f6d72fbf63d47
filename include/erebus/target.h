/* SPDX-License-Identifier: MIT */
/*
 * Targets: the processes an experiment acts on (src/target/). A process is
 * held as a pidfd from the moment it is picked, and identified by (pid,
 * start time), so a recycled PID is never signalled (include/erebus/proc.h).
 * Erebus refuses pid 1, itself, kernel threads, the engines and guardians
 * of other runs, and what the caller excludes.
 */
#ifndef EREBUS_TARGET_H
#define EREBUS_TARGET_H

#include <sys/types.h>
#include "erebus/experiment.h"
#include "erebus/proc.h"
#include "erebus/util.h"

/* Processes no target may include, and why; the caller (the engine) fills
 * it: its guardian, for one. Pid 1, Erebus itself and kernel threads are
 * always refused. */
struct target_refused {
	pid_t pid;
	const char *why;	/* "it is Erebus' guardian" */
};
struct target_exclude {
	const struct target_refused *v;
	size_t n;
};

/* What a launched command wrote on stderr, its last bytes: read through a
 * pipe on the engine's loop (and forwarded to Erebus' stderr under -v),
 * so that when the command exits the report can say why. */
#define TARGET_STDERR_KEEP 2048
struct target_stderr {
	int fd;			/* the pipe's read end (non-blocking), -1 once closed */
	size_t len;		/* bytes in buf, the newest last */
	bool cut;		/* older bytes were dropped */
	char buf[TARGET_STDERR_KEEP];
};

/* Runtime state of a target: the command Erebus launched, if any. */
struct target_state {
	const struct target_spec *spec;
	const struct target_state *within;	/* state of spec->within, set by the caller */
	pid_t child;		/* launched command's pid, 0 if none */
	int child_pidfd;	/* -1 if none */
	uint64_t child_starttime;
	bool exited;
	int exit_status;	/* wait status (as waitpid's) once exited */
	struct target_stderr *err;	/* the launched command's stderr; NULL if none */
	bool show_output;	/* forward the launched command's stderr to Erebus' */
	int netns_fd;		/* launch the command in this namespace (-1: here); borrowed */
	const struct target_exclude *exclude;	/* borrowed; NULL: none */
	void *owner;		/* the caller's, for its callbacks */
};

/* Why pid may not be a target (ex: NULL or more refusals), or NULL if it
 * may. Another run's engine or guardian (named erebus or erebus-guard, or
 * erebus-something running this executable) is refused. */
const char *target_refusal(pid_t pid, const struct target_exclude *ex);

/*
 * Every live process matching all of t's selectors (launched-command
 * targets: the command and its descendants), excluding refused ones.
 * Does not open pidfds. Returns the number found (may be 0) or -errno with
 * *ret_err set to a message for people (caller frees).
 */
int target_match(const struct target_state *ts, struct proc_set *ret, char **ret_err);

/*
 * Match, then choose among the matches with pick and rng; each chosen
 * process comes with a pidfd opened before anything about it was read
 * from /proc, and checked live after the last such read, so the pidfd is
 * the process that matched. Returns the number chosen (>= 1), or -ESRCH when
 * nothing matches, or another -errno; *ret_err explains.
 */
int target_pick(const struct target_state *ts, struct rng *rng, struct proc_set *ret,
		char **ret_err);

/* Launch ts->spec->command (split without a shell) in its own process group,
 * its stdin and stdout on /dev/null, its stderr a pipe whose read end is
 * ts->err->fd (the caller watches it and calls target_read_stderr()).
 * Returns 0 or -errno with *ret_err. */
int target_launch(struct target_state *ts, char **ret_err);
/* Read what the launched command wrote on stderr so far, without
 * blocking: keep its last bytes, and forward them to fd 2 when
 * ts->show_output. Returns the bytes read (> 0), -EAGAIN when there was
 * nothing, or 0 at the end (every writer closed it, or an error): the
 * pipe is closed then, and the caller stops watching the fd first. */
ssize_t target_read_stderr(struct target_state *ts);
/* Has the launched command exited? Notes it (ts->exited, ts->exit_status)
 * without reaping it (target_stop() does), after reading the stderr it
 * left. Returns true once it has. */
bool target_note_exit(struct target_state *ts);
/* "exit status 1", "killed by SIGSEGV (core dumped)": a wait status. */
void target_describe_exit(int status, struct sbuf *out);
/* The last max_lines non-empty lines of the launched command's stderr,
 * each ended with '\n', control characters shown as '?'; "" if none.
 * Caller frees. */
char *target_stderr_tail(const struct target_state *ts, unsigned max_lines);
/* Stop a launched command and its process group: SIGTERM, then SIGKILL
 * after grace_us. It blocks (bounded by grace_us, then the reap of a
 * SIGKILLed group): the engine calls it only after its loop has ended,
 * when every probe is stopped and every fault reverted, so the wait
 * delays nothing but the exit; a timer would buy nothing there. */
void target_stop(struct target_state *ts, int64_t grace_us);
/* Close the stderr pipe and free ts->err. NULL-safe. */
void target_stderr_free(struct target_state *ts);

#endif
