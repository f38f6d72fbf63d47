/* SPDX-License-Identifier: MIT */
/*
 * Health probes. A probe type starts one sample at a time and reports its
 * end with probe_complete(); it never blocks the loop. The runner in
 * src/probes/runner.c schedules samples every interval, enforces the timeout
 * (calling cancel()), measures latency, keeps the samples and tracks the
 * healthy/down state (healthy after healthy_after consecutive successes,
 * down at the first failure). Pointer arguments must not be NULL unless a
 * function says otherwise (checked with assert()).
 */
#ifndef EREBUS_PROBE_H
#define EREBUS_PROBE_H

#include "erebus/diag.h"
#include "erebus/experiment.h"
#include "erebus/hist.h"
#include "erebus/loop.h"
#include "erebus/target.h"

struct probe_env {
	struct loop *loop;
	struct target_state *targets;	/* one per experiment target, same order */
	size_t n_targets;
	void *http;			/* the HTTP probe types' shared transfers (src/probes/fetch.c), lazily made */
	const int *host_fds;		/* sandbox hosts' namespaces, by probe_spec.from */
	size_t n_hosts;
};

struct probe_ctx {
	const struct probe_spec *spec;
	int netns_fd;		/* make sockets and processes in this namespace; -1: here */
	struct probe_env *env;
	void *state;		/* the type's own, from init() */
	void *runner;		/* the runner's; do not touch */
};

struct probe_type {
	const char *name;
	const char *summary;
	const struct opt_def *options;	/* type-specific keys, OPT_END-terminated */
	/* Cross-field checks after parsing; NULL if none. */
	void (*check)(const struct probe_spec *p, struct diag *d);
	/* Allocate ctx->state. Returns 0 or -errno with *ret_err. */
	int (*init)(struct probe_ctx *ctx, char **ret_err);
	/* Start one sample; finish it later (or right away) with
	 * probe_complete(). Returns 0, or -errno (counted as a failed sample). */
	int (*start)(struct probe_ctx *ctx);
	/* Abandon the running sample (timeout or end of run) without calling
	 * probe_complete(); release what start() took. */
	void (*cancel)(struct probe_ctx *ctx);
	/* Free ctx->state (and, for the last probe of its type, shared state
	 * in ctx->env). */
	void (*destroy)(struct probe_ctx *ctx);
	/* Human description for `erebus plan`. */
	void (*describe)(const struct probe_spec *p, struct sbuf *out);
};

/* Called by a probe type when the sample started by start() has ended.
 * msg explains a failure ("status 503", "connection refused"); it is
 * copied. latency_us < 0 lets the runner measure start to completion. */
void probe_complete(struct probe_ctx *ctx, bool ok, int64_t latency_us, const char *msg);
/* Called by a probe type instead of probe_complete() when the sample could
 * not be made because Erebus itself ran out of a resource (err, a positive
 * errno for which probe_errno_is_erebus() holds): no sample is recorded,
 * health is unchanged, and the run counts it in erebus_errors. */
void probe_erebus_error(struct probe_ctx *ctx, int err);
/* Is err (a positive errno from socket() or connect()) Erebus' own
 * exhaustion rather than the service's answer? EADDRNOTAVAIL (no local
 * port left), EMFILE, ENFILE, ENOBUFS, ENOMEM. */
bool probe_errno_is_erebus(int err);

extern const struct probe_type *const probe_types[];
/* The type called name, or NULL (also for a NULL name). */
const struct probe_type *probe_type_find(const char *name);

/* Phases of a run; samples carry the phase in which they started. */
/* The phases of a run a sample can start in (before: the steady state;
 * during: the fault window; after: recovery and hold), and the impact
 * phase that the report adds over them: from the first fault applied to
 * the end of the run. No sample is tagged PHASE_IMPACT. */
enum phase { PHASE_BEFORE, PHASE_DURING, PHASE_AFTER, PHASE_IMPACT, PHASE_COUNT };

struct sample {
	int64_t t_us;		/* start, relative to the run's start */
	int64_t latency_us;
	bool ok;
	uint8_t phase;
	char *msg;		/* failure reason, NULL on success; at most SAMPLE_MSG_MAX bytes */
};
#define SAMPLE_MSG_MAX 512

enum probe_health { HEALTH_UNKNOWN, HEALTH_HEALTHY, HEALTH_DOWN };

/*
 * The sampling grid (src/probes/grid.c, pure arithmetic): slot k of a
 * probe is due at origin + k * interval (monotonic usec). Each slot due is
 * counted once, and ends in one of three ways:
 *  - sampled: a sample started for it (for the latest slot due when the
 *    sample starts; its lag is the start minus the later of the slot's due
 *    time and the end of the previous sample, so a wait for the previous
 *    sample is not counted as Erebus' delay);
 *  - busy: it came due while the previous sample was still running, and a
 *    later slot came due before a sample could start (the probe's own
 *    duration: the service or the command was slow);
 *  - late: no sample was running, and Erebus reached it only after the next
 *    slot was due (its loop was behind): skipped, never caught up.
 * due == sampled + busy + late once slots are settled (probe_grid_stop()).
 */
struct probe_grid {
	int64_t origin_us, interval_us;
	int64_t next_k;		/* the first slot not yet counted due */
	int64_t open_k;		/* the first slot due but neither sampled nor skipped */
	int64_t last_end_us;	/* end of the latest sample; INT64_MIN: none */
	bool running;		/* a sample is in flight */
	bool stopped;		/* probe_grid_stop() was called: nothing more is due */
	uint64_t due, sampled, busy, late;
};
/* Start a grid at origin (slot 0 due then), keeping the counts of an earlier
 * one in g if keep. interval_us > 0. */
void probe_grid_start(struct probe_grid *g, int64_t origin_us, int64_t interval_us, bool keep);
/* Count every slot due at or before now. Returns the due time of the next
 * slot (for the tick timer). */
int64_t probe_grid_advance(struct probe_grid *g, int64_t now_us);
/* A sample starts at now, for the latest slot due; the slots skipped since
 * the last sample are settled as busy or late. Returns its lag (>= 0), or
 * -1 when no slot is waiting (the start is then not counted). */
int64_t probe_grid_take(struct probe_grid *g, int64_t now_us);
/* The sample in flight ended at now. */
void probe_grid_done(struct probe_grid *g, int64_t now_us);
/* Sampling stops at now: settle the slots waiting (busy when they came
 * during a sample, else late), and count as late the slots whose next slot
 * was due too; a slot due less than an interval before now is left out.
 * Afterwards nothing is counted until probe_grid_start(). */
void probe_grid_stop(struct probe_grid *g, int64_t now_us);

struct probe_run {
	struct probe_ctx ctx;
	int64_t origin_us;	/* monotonic time of the run's start */
	uint8_t phase;		/* set by the engine */
	uint64_t n_samples;	/* made so far (the caller keeps what it needs of each) */
	enum probe_health health;
	unsigned streak;	/* consecutive successes */
	int64_t streak_start_us;	/* start of the first sample of the streak, relative */
	bool running;		/* a sample is in flight */
	unsigned erebus_errors;	/* samples Erebus could not make (probe_erebus_error()) */
	char *erebus_error;	/* the first one's message; owned */
	int64_t sample_start_us;	/* monotonic */
	struct loop_timer *tick, *deadline;
	struct probe_grid grid;	/* slots due, sampled and skipped, over every start */
	struct hist lag;	/* each sample's start after its slot was due, usec */
	/* Called after every sample, and with changed=true when health changed.
	 * s and its msg last only for the call. */
	void (*on_sample)(struct probe_run *r, const struct sample *s, bool changed, void *owner);
	void *owner;
};

/* Set up r for spec; calls the type's init(). Returns 0 or -errno with *ret_err. */
int probe_run_init(struct probe_run *r, const struct probe_spec *spec, struct probe_env *env,
		   int64_t origin_us, char **ret_err);
/* Start sampling now (first sample immediately, then every interval, on
 * an absolute grid from now: see struct probe_grid). */
void probe_run_start(struct probe_run *r);
/* Stop sampling and cancel any sample in flight. r may be NULL. */
void probe_run_stop(struct probe_run *r);
/* Stop, destroy the type's state and free erebus_error.
 * r may be NULL. */
void probe_run_free(struct probe_run *r);

#endif
