/* SPDX-License-Identifier: MIT */
/*
 * Targets: the processes an experiment acts on (src/target/). A process is
 * held as a pidfd from the moment it is picked, and identified by (pid,
 * start time), so a recycled PID is never signalled (include/erebus/proc.h).
 * Erebus refuses pid 1, itself, kernel threads and what the caller excludes.
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
	const struct target_exclude *exclude;	/* borrowed; NULL: none */
};

/* Why pid may not be a target (ex: NULL or more refusals), or NULL if it may. */
const char *target_refusal(pid_t pid, const struct target_exclude *ex);

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
 * after grace_us. It blocks (bounded by grace_us, then the reap of a
 * SIGKILLed group): the engine calls it only after its loop has ended,
 * when every probe is stopped and every fault reverted, so the wait
 * delays nothing but the exit; a timer would buy nothing there. */
void target_stop(struct target_state *ts, int64_t grace_us);

#endif
