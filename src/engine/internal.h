/* SPDX-License-Identifier: MIT */
/*
 * What the files of src/engine/ share: the engine's state and the
 * functions one part calls in another. Not an API: include/erebus/engine.h
 * is. run.c sets up, runs the loop and tears down; fault.c applies and
 * reverts faults; phase.c moves through the phases on probe samples and
 * timers and judges the probes; cleanup.c reverts everything at the end
 * and reads the kernel state back.
 */
#ifndef EREBUS_ENGINE_INTERNAL_H
#define EREBUS_ENGINE_INTERNAL_H

#include <fcntl.h>
#include <math.h>
#include <signal.h>

#include "erebus/engine.h"
#include "erebus/fault.h"
#include "erebus/loop.h"
#include "erebus/probe.h"
#include "erebus/sandbox.h"
#include "erebus/target.h"

/* STEADY until every probe is healthy; WINDOW while faults act; RECOVERY
 * until every probe is healthy again (or out of time); HOLD while every
 * probe must stay healthy for [experiment] hold; DONE. */
enum state { ST_STEADY, ST_WINDOW, ST_RECOVERY, ST_HOLD, ST_DONE };

struct engine;

struct fault_inst {
	struct engine *e;
	const struct fault_spec *spec;
	struct report_fault *rf;
	struct fault_ctx ctx;	/* the current application */
	bool active;		/* apply() was called and no revert yet: undo may be due */
	bool took_effect;	/* the current application succeeded */
	bool finished;		/* no more actions to come */
	bool picked;		/* fault_pick() chose targets for the firing due at next_at */
	int64_t next_at;	/* relative to the window start: when the next action is due */
	int64_t lead;		/* an instant fault picks its targets this long before it is due */
	int64_t end_at;		/* relative to the window start */
	int64_t app_at;		/* when the current application took effect, relative */
	struct loop_timer *timer;
};

struct probe_track {
	struct engine *e;
	struct probe_run run;
	struct report_probe *rp;
	bool recovered;		/* healthy after the window (or judged: it will not be) */
	bool judged;		/* its verdict is decided: unrecovered, or a must-pass relapse */
	int64_t recovered_at;	/* when it recovered, relative; a later failure is a relapse */
	unsigned after_streak;	/* passes among samples started after the window */
	int64_t down_since;	/* start of the sample that made it down, relative */
	struct loop_timer *halt_timer;	/* while a halting probe is down in the impact phase */
	char *last_fail;	/* message of the latest failed sample */
	/* a detector (expect = detect), detect.c */
	struct detect_state *det;	/* per fault; NULL: not a detector */
	bool firing;		/* down after a fault: monitoring is alerting */
	int64_t fired_at;	/* relative */
	struct loop_timer *clear_timer;	/* clear_within, once the service recovered */
};

struct engine {
	struct experiment *x;
	const struct run_opts *o;
	struct loop *loop;
	struct report *rep;
	struct rng rng;
	int64_t origin;
	enum state state;
	struct target_state *targets;
	struct sandbox *sandbox;
	int *host_fds;
	struct probe_env penv;
	struct probe_track *probes;
	struct fault_inst *faults;
	struct loop_timer *steady_timer, *recovery_timer, *hold_timer, *progress_timer;
	int sigfd;
	int64_t hold_end;	/* relative: when the hold under way ends */
	int64_t service_recovered_at;	/* relative: every probe but the detectors recovered; -1 */
	/* engine_check_recovered(), for detect.c's timers (a pointer, so
	 * that detect.c and phase.c do not call each other) */
	void (*check_recovered)(struct engine *e);
	struct target_refused refused[1];	/* the guardian */
	struct target_exclude exclude;		/* refused, for every target */
	struct undo_rec *undone;	/* every record replayed, for the cleanup check */
	size_t n_undone, cap_undone;
	bool status_shown;
	struct chaos *chaos;		/* announcing faults (chaos.c); NULL: nothing to announce */
};

/* Microseconds since the run's start. */
static inline int64_t engine_rel(const struct engine *e) { return now_usec() - e->origin; }

/* log.c */
/* Record an event in the report and, unless quiet, log it. */
void engine_event(struct engine *e, const char *kind, const char *subject, const char *fmt, ...)
	_printf_(4, 5);
void engine_clear_status(struct engine *e);
void engine_draw_status(struct engine *e);
int64_t engine_on_progress(struct loop *l, int64_t now, void *userdata);

/* phase.c: the state machine */
/* End the run with v (judged again per probe when passed): stop probes,
 * revert every fault, check the cleanup, set the verdict, quit the loop.
 * Idempotent. */
void engine_finish(struct engine *e, enum verdict v, const char *reason);

void engine_on_signal(struct loop *l, int fd, uint32_t events, void *userdata);

/* fault.c */
/* Pick the fault's targets (and its namespace) now, for an application to
 * come. Returns 0 with them in fi->ctx (fi->picked), -ESRCH when a repeat
 * finds nothing (skipped: an event says so), or another -errno (failed:
 * an event and the fault's error say why). */
int fault_pick(struct fault_inst *fi);
/* Drop what fault_pick() chose, unused. */
void fault_unpick(struct fault_inst *fi);
/* One application of the fault on the targets fault_pick() chose; due is
 * when it was due (relative to the run's start, -1 if not on a grid). */
void fault_apply_picked(struct fault_inst *fi, int64_t due);
/* Stop the fault's ongoing work and replay its undo records. Idempotent.
 * Returns 0 or the first -errno of the undo records. */
int fault_revert(struct fault_inst *fi);
void undone_close(struct engine *e);

void on_sample(struct probe_run *r, const struct sample *s, bool changed, void *owner);
/* Revert everything now, inject nothing more, end the run as halted. */
void engine_halt(struct engine *e, const char *reason);
int64_t on_steady_timeout(struct loop *l, int64_t now, void *userdata);
void maybe_end_window(struct engine *e);
void judge_probes(struct engine *e);
void hand_samples(struct engine *e);

/* detect.c: detector probes (expect = detect) */
void detect_init(struct engine *e);
void detect_free(struct engine *e);
/* Fault number fault took effect at t (relative): deadlines start. */
void detect_on_apply(struct engine *e, size_t fault, int64_t t);
/* After the steady state: a detector's sample (fired, cleared); returns
 * false when pt is not a detector (the caller goes on as for any probe). */
bool detect_on_sample(struct probe_track *pt, const struct sample *s, bool changed);
/* Every probe but the detectors recovered: clear_within starts. */
void detect_service_recovered(struct engine *e);
/* Has detector pt nothing more to wait for (noticed or missed each fault
 * applied, and quiet again or judged)? */
bool detect_settled(const struct probe_track *pt);
/* "[probe a] (msg), [probe b]" of the detectors firing now, or NULL. */
char *detect_alerting(const struct engine *e);
/* phase.c: every probe recovered (or judged)? Then hold, then end. */
void engine_check_recovered(struct engine *e);

/* caps.c: least privilege */
/* The capabilities what is left of the run after setup needs (see caps.c). */
uint64_t engine_caps_needed(const struct experiment *x, const struct run_opts *o);
/* Keep only those, for good; an event says which. 0, or -errno with
 * *ret_reason and *ret_v. */
int engine_drop_privileges(struct engine *e, char **ret_reason, enum verdict *ret_v);
/* launched.c: the commands Erebus launched (userdata: their target_state) */
void engine_on_child_stderr(struct loop *l, int fd, uint32_t events, void *userdata);
/* A launched command exited: an event; the run fails unless a fault acted on it. */
void engine_on_child(struct loop *l, int fd, uint32_t events, void *userdata);

/* annotate.c: [experiment] annotate, JSON POSTed on the loop */
#define ANNOTATE_TIMEOUT_MS 2000	/* a post's whole time */
#define ANNOTATE_MAX_IN_FLIGHT 8	/* more are dropped and counted */
struct annotate;
/* url as Erebus shows it (events, plan): a password in it (user:pass@)
 * replaced by "***". Caller frees. */
char *annotate_url_shown(const char *url);
/* Post to url on e's loop; NULL when libcurl is missing (an
 * annotate.failed event says so). */
struct annotate *annotate_new(struct engine *e, const char *url);
/* Start a POST of body (copied) to the URL; a != NULL. Never waits. */
void annotate_post(struct annotate *a, const char *body);
/* After the loop ended: run it again until every post is done (each at
 * most ANNOTATE_TIMEOUT_MS); an event for the posts dropped. a may be NULL. */
void annotate_drain(struct annotate *a);
void annotate_free(struct annotate *a);

/* chaos.c: faults announced as they come and go (annotate, live metrics) */
/* After setup: the live metrics file says the run goes. */
void chaos_start(struct engine *e);
/* fi was applied ("applied") or reverted ("reverted"); detail as in its event. */
void chaos_fault(struct fault_inst *fi, const char *event, const char *detail);
/* After the loop: let the last posts finish (the loop turns again, at
 * most ANNOTATE_TIMEOUT_MS, with signals left for later), then free. */
void chaos_end(struct engine *e);

/* cleanup.c */
/* Revert every active fault, newest application first. Returns the number
 * that could not be reverted. */
unsigned revert_all(struct engine *e);
/* After rollback, read the state back; returns the number of leftovers. */
unsigned verify_cleanup(struct engine *e);

#endif
