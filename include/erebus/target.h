/* SPDX-License-Identifier: MIT */
/*
 * Targets: the processes an experiment acts on. A process is held as a
 * pidfd from the moment it is picked, and identified by (pid, start time),
 * so a recycled PID is never signalled. Erebus refuses pid 1, itself and
 * kernel threads.
 */
#ifndef EREBUS_TARGET_H
#define EREBUS_TARGET_H

#include <sys/types.h>
#include "erebus/experiment.h"
#include "erebus/util.h"

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
void proc_set_free(struct proc_set *s);	/* closes the pidfds */

/* Runtime state of a target: the command Erebus launched, if any. */
struct target_state {
	const struct target_spec *spec;
	const struct target_state *within;	/* state of spec->within, set by the caller */
	pid_t child;		/* launched command's pid, 0 if none */
	int child_pidfd;	/* -1 if none */
	uint64_t child_starttime;
	bool exited;
	int exit_status;	/* wait status once exited */
	bool show_output;	/* launched command keeps stderr (else /dev/null) */
	int netns_fd;		/* launch the command in this namespace (-1: here); borrowed */
};

/* Why pid may not be a target, or NULL if it may. */
const char *proc_refusal(pid_t pid);

/* Read comm and start time of pid. Returns 0 or -errno (-ESRCH if gone). */
int proc_read(pid_t pid, struct proc *ret);
/* Open a pidfd for pid and check that it is still the process with
 * starttime (0: any). Returns 0 or -errno; on success ret->pidfd is set. */
int proc_open(pid_t pid, uint64_t starttime, struct proc *ret);
/* Send sig through the pidfd. Returns 0, or -ESRCH if the process is gone,
 * or another -errno. */
int proc_signal(const struct proc *p, int sig);
/* Nanoseconds of CPU the whole process has used (every thread), from
 * /proc/PID/task/star/schedstat; negative errno when gone. */
int64_t proc_cpu_ns(pid_t pid);
/* 'R', 'S', 'T', ... from /proc/PID/stat, or 0 when gone. */
char proc_state(pid_t pid);

/*
 * Every live process matching all of t's selectors (launched-command
 * targets: the command and its descendants), excluding refused ones.
 * Does not open pidfds. Returns the number found (may be 0) or -errno with
 * *ret_err set to a message for people (caller frees).
 */
int target_match(const struct target_state *ts, struct proc_set *ret, char **ret_err);

/*
 * Match, then choose among the matches with pick and rng, and open a pidfd
 * for each chosen process. Returns the number chosen (>= 1), or -ESRCH when
 * nothing matches, or another -errno; *ret_err explains.
 */
int target_pick(const struct target_state *ts, struct rng *rng, struct proc_set *ret,
		char **ret_err);

/* Launch ts->spec->command (split without a shell) in its own process group.
 * Returns 0 or -errno with *ret_err. */
int target_launch(struct target_state *ts, char **ret_err);
/* Stop a launched command and its process group: SIGTERM, then SIGKILL
 * after grace_us. Blocking, bounded by grace_us; used at the end of a run. */
void target_stop(struct target_state *ts, int64_t grace_us);

#endif
