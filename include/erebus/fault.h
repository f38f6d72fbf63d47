/* SPDX-License-Identifier: MIT */
/*
 * Fault types. Each family lives in one file under faults/ and ends in one
 * `const struct fault_type`, listed once in faults/faults.def. The engine
 * parses the options, picks the target processes, and calls apply() at the
 * fault's offset; at the end of the fault (or of the run, whatever ends it)
 * it calls stop() and replays the undo records apply() pushed.
 */
#ifndef EREBUS_FAULT_H
#define EREBUS_FAULT_H

#include "erebus/diag.h"
#include "erebus/experiment.h"
#include "erebus/loop.h"
#include "erebus/target.h"
#include "erebus/undo.h"

enum {
	FAULT_NEEDS_DURATION = 1 << 0,	/* duration is required */
	FAULT_INSTANT        = 1 << 1,	/* acts at a moment; duration only bounds `every` */
	FAULT_NEEDS_TARGET   = 1 << 2,	/* target is required */
	FAULT_NETWORK        = 1 << 3,	/* acts in the target's network namespace */
	FAULT_NETEM          = 1 << 4,	/* a tc fault whose leaf is a netem qdisc (tc.h) */
	FAULT_SIGNALS        = 1 << 5,	/* signals the target's processes (needs CAP_KILL) */
};
/* What a fault needs after setup follows from its flags: FAULT_SIGNALS,
 * CAP_KILL; FAULT_NETWORK, CAP_NET_ADMIN (and, for a target's namespace,
 * CAP_SYS_ADMIN and CAP_SYS_PTRACE); src/engine/caps.c keeps their union. */

struct fault_ctx {
	const struct fault_spec *spec;
	struct loop *loop;
	struct proc_set procs;	/* picked for this application; owned by the engine */
	int netns_fd;		/* FAULT_NETWORK: the namespace to act in (-1: Erebus' own);
				 * owned by the engine, open until the undo records ran */
	struct undo_list undo;	/* pushed by apply(), replayed by the engine */
	void *state;		/* the type's own; freed by stop() */
	void (*log)(struct fault_ctx *ctx, const char *fmt, ...) _printf_(2, 3);
	void *owner;		/* the engine's */
};

struct fault_type {
	const char *name;
	const char *summary;
	const struct opt_def *options;	/* type-specific keys, OPT_END-terminated */
	unsigned flags;
	/* 0 if this machine can run it; else -errno and *reason (static text). */
	int (*supported)(const char **reason);
	/* The same for one configured fault, where its options need more (an
	 * ingress fault needs ifb and mirred); NULL: supported() decides. */
	int (*supported_spec)(const struct fault_spec *f, const char **reason);
	/* Cross-field checks after parsing; NULL if none. */
	void (*check)(const struct fault_spec *f, struct diag *d);
	/* Checks against the experiment's other faults, once every fault has
	 * been through check() (a value whose own check failed may be
	 * absent); NULL if none. */
	void (*check_experiment)(const struct fault_spec *f, const struct experiment *x, struct diag *d);
	/* Start the fault on ctx->procs. Push an undo record before each
	 * change. Returns 0, or -errno with *ret_err (caller frees). */
	int (*apply)(struct fault_ctx *ctx, char **ret_err);
	/* Stop ongoing work (timers) and free ctx->state; NULL if none.
	 * Must be safe to call when apply() failed half-way. */
	void (*stop)(struct fault_ctx *ctx);
	/* Exactly what apply() will do, for `erebus plan` and the report: a
	 * first line that says it, then (optionally) the objects, one a line. */
	void (*describe)(const struct fault_spec *f, struct sbuf *out);
};

/* The registry, from faults/faults.def. */
/* Can f run here? supported_spec() when the type has one, else supported(). */
int fault_supported(const struct fault_spec *f, const char **reason);

extern const struct fault_type *const fault_types[];
const struct fault_type *fault_type_find(const char *name);

#endif
