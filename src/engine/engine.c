/* SPDX-License-Identifier: MIT */
/*
 * One run, as a state machine on the event loop:
 *
 *   STEADY   probes sample until every one is healthy (else abort, exit 3)
 *   WINDOW   faults fire at their offsets; the window ends with the last
 *            fault action (a revert, or an instant fault's last firing)
 *   RECOVERY each probe must show healthy_after consecutive passes, all
 *            started after the window ended, within recover_within
 *   DONE     everything applied is reverted, launched commands stopped
 *
 * Times in the report are relative to the run's start (origin).
 */
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "erebus/engine.h"
#include "erebus/fault.h"
#include "erebus/guardian.h"
#include "erebus/ledger.h"
#include "erebus/replay.h"
#include "erebus/loop.h"
#include "erebus/netns.h"
#include "erebus/probe.h"
#include "erebus/sandbox.h"
#include "erebus/target.h"

enum state { ST_STEADY, ST_WINDOW, ST_RECOVERY, ST_DONE };

struct engine;

struct fault_inst {
	struct engine *e;
	const struct fault_spec *spec;
	struct report_fault *rf;
	struct fault_ctx ctx;	/* the current application */
	bool active;		/* applied and not yet reverted */
	bool finished;		/* no more actions to come */
	int64_t next_at;	/* relative to the window start */
	int64_t end_at;		/* relative to the window start */
	struct loop_timer *timer;
};

struct probe_track {
	struct engine *e;
	struct probe_run run;
	struct report_probe *rp;
	bool recovered;
	unsigned after_streak;		/* passes among samples started after the window */
	char *last_fail;	/* message of the latest failed sample */
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
	struct loop_timer *steady_timer, *recovery_timer, *progress_timer;
	int sigfd;
	int64_t first_apply;	/* relative; -1 before any */
	struct fault_times times;
	size_t cap_applied, cap_ended;
	struct target_refused refused[1];	/* the guardian */
	struct target_exclude exclude;		/* refused, for every target */
	struct undo_rec *undone;	/* every record replayed, for the cleanup check */
	size_t n_undone, cap_undone;
	bool status_shown;
};

static int64_t rel(const struct engine *e) { return now_usec() - e->origin; }

static void clear_status(struct engine *e)
{
	if (e->status_shown) {
		fputs("\r\033[K", e->o->log);
		e->status_shown = false;
	}
}

static void draw_status(struct engine *e);

/* Record an event in the report and, unless quiet, log it. */
static void event(struct engine *e, const char *kind, const char *subject, const char *fmt, ...)
	_printf_(4, 5);
static void event(struct engine *e, const char *kind, const char *subject, const char *fmt, ...)
{
	struct sbuf b = { 0 };
	va_list ap;
	int64_t t = rel(e);

	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	report_event(e->rep, t, kind, subject, "%s", b.s ? b.s : "");
	if (e->o->verbosity > LOG_QUIET) {
		clear_status(e);
		fprintf(e->o->log, "%+9.3fs %-15s %s%s%s\n", (double)t / 1e6, kind, subject ? subject : "",
			subject ? ": " : "", b.s ? b.s : "");
		draw_status(e);
	}
	sbuf_free(&b);
}

static const char *const state_names[] = { "steady state", "fault window", "recovery", "done" };

/* Time until the current phase ends at the latest. */
static int64_t phase_left(const struct engine *e)
{
	int64_t now = rel(e), end = now;

	switch (e->state) {
	case ST_STEADY:
		end = e->x->steady_timeout_us;
		break;
	case ST_WINDOW:
		end = e->rep->window_start_us + experiment_window_us(e->x);
		break;
	case ST_RECOVERY:
		for (size_t i = 0; i < e->x->n_probes; i++) {
			int64_t d = e->rep->window_end_us + e->probes[i].run.ctx.spec->recover_within_us;
			if (!e->probes[i].recovered && d > end)
				end = d;
		}
		break;
	case ST_DONE:
		break;
	}
	return end > now ? end - now : 0;
}

static void draw_status(struct engine *e)
{
	struct sbuf b = { 0 };
	char a[32];

	if (!e->o->live || e->o->verbosity == LOG_QUIET || e->state == ST_DONE || !e->probes)
		return;
	sbuf_addf(&b, "[%s] %s left |", state_names[e->state],
		  format_duration(phase_left(e), a, sizeof(a)));
	for (size_t i = 0; i < e->x->n_probes; i++) {
		const struct probe_track *pt = &e->probes[i];
		static const char *const h[] = { "?", "up", "DOWN" };
		sbuf_addf(&b, " %s:%s", pt->rp->name, h[pt->run.health]);
	}
	fprintf(e->o->log, "\r\033[K%.*s", 150, b.s);
	fflush(e->o->log);
	e->status_shown = true;
	sbuf_free(&b);
}

static int64_t on_progress(struct loop *l, int64_t now, void *userdata)
{
	draw_status(userdata);
	return now + 250 * USEC_PER_MSEC;
}

static void finish(struct engine *e, enum verdict v, const char *reason);

/* ---- faults ------------------------------------------------------------ */

static void fault_log(struct fault_ctx *ctx, const char *fmt, ...) _printf_(2, 3);
static void fault_log(struct fault_ctx *ctx, const char *fmt, ...)
{
	struct fault_inst *fi = ctx->owner;
	struct sbuf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	event(fi->e, "fault.note", fi->spec->name, "%s", b.s);
	sbuf_free(&b);
}

static void describe_procs(const struct proc_set *ps, struct sbuf *b)
{
	for (size_t i = 0; i < ps->n && i < 8; i++)
		sbuf_addf(b, "%s%d (%s)", i ? ", " : "", (int)ps->v[i].pid, ps->v[i].comm);
	if (ps->n > 8)
		sbuf_addf(b, " and %zu more", ps->n - 8);
}

static void note_targets(struct report_fault *rf, const struct proc_set *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		bool seen = false;
		for (size_t j = 0; j < rf->n_targets; j++)
			seen |= rf->targets[j].pid == ps->v[i].pid;
		if (seen)
			continue;
		rf->targets = xrealloc(rf->targets, (rf->n_targets + 1) * sizeof(*rf->targets));
		rf->targets[rf->n_targets].pid = ps->v[i].pid;
		memcpy(rf->targets[rf->n_targets].comm, ps->v[i].comm, 16);
		rf->n_targets++;
	}
}

static void note_time(int64_t **v, size_t *n, size_t *cap, int64_t t)
{
	GROW(*v, *cap, *n + 1);
	(*v)[(*n)++] = t;
}

static struct target_state *state_of(struct engine *e, const struct target_spec *t)
{
	return &e->targets[t - e->x->targets];
}

/* Keep the records this replay undid (was_done: their done flags before
 * it; a record done before was never the fault's to undo), to check after
 * rollback that they stayed undone. A network record keeps a duplicate of
 * the namespace fd, which the fault closes when it is over; -2 when it
 * cannot (the check then cannot tell). Closed by undone_close(). */
static void keep_undone(struct fault_inst *fi, const bool *was_done)
{
	struct engine *e = fi->e;

	for (size_t i = 0; i < fi->ctx.undo.n; i++) {
		struct undo_rec u = fi->ctx.undo.v[i];

		if (was_done[i] || !u.done)
			continue;
		if (u.kind != UNDO_SIGCONT && u.net.netns_fd >= 0) {
			u.net.netns_fd = fcntl(u.net.netns_fd, F_DUPFD_CLOEXEC, 3);
			if (u.net.netns_fd < 0)
				u.net.netns_fd = -2;
		}
		GROW(e->undone, e->cap_undone, e->n_undone + 1);
		e->undone[e->n_undone++] = u;
	}
}

static void undone_close(struct engine *e)
{
	for (size_t i = 0; i < e->n_undone; i++)
		if (e->undone[i].kind != UNDO_SIGCONT && e->undone[i].net.netns_fd >= 0) {
			close(e->undone[i].net.netns_fd);
			e->undone[i].net.netns_fd = -2;
		}
}

/* Stop the fault's ongoing work and replay its undo records. Idempotent.
 * Returns 0 or the first -errno of the undo records. */
static int fault_revert(struct fault_inst *fi)
{
	_cleanup_free_ char *err = NULL;
	_cleanup_free_ bool *was_done = NULL;
	int r;

	if (!fi->active)
		return 0;
	if (fi->spec->type->stop)
		fi->spec->type->stop(&fi->ctx);
	was_done = xcalloc(fi->ctx.undo.n + 1, sizeof(*was_done));
	for (size_t i = 0; i < fi->ctx.undo.n; i++)
		was_done[i] = fi->ctx.undo.v[i].done;
	r = undo_run(&fi->ctx.undo, &err);
	keep_undone(fi, was_done);
	if (r < 0) {
		event(fi->e, "fault.revert-failed", fi->spec->name, "%s", err);
		if (!fi->rf->error)
			fi->rf->error = xstrdup(err);
		return r;
	}
	fi->active = false;
	fi->rf->reverted_at_us = rel(fi->e);
	note_time(&fi->e->times.ended, &fi->e->times.n_ended, &fi->e->cap_ended, fi->rf->reverted_at_us);
	report_fault_reverted(fi->rf, fi->rf->reverted_at_us);	/* the report's fault window */
	if (fi->ctx.undo.n) {
		struct sbuf b = { 0 };
		for (size_t i = 0; i < fi->ctx.undo.n; i++) {
			sbuf_add(&b, i ? ", " : "");
			undo_describe(&fi->ctx.undo.v[i], &b);
		}
		event(fi->e, "fault.reverted", fi->spec->name, "%s", b.s);
		sbuf_free(&b);
	}
	undo_free(&fi->ctx.undo);
	proc_set_free(&fi->ctx.procs);
	if (fi->ctx.netns_fd >= 0)
		close(fi->ctx.netns_fd);
	fi->ctx.netns_fd = -1;
	return 0;
}

/* The namespace a network fault acts in: the target's netns key, else the
 * first picked process's, else Erebus' own (*ret_fd = -1). Returns 0, or
 * -errno with *ret_err. */
static int fault_netns(struct fault_inst *fi, int *ret_fd, char **ret_err)
{
	const struct target_spec *t = fi->spec->target;
	int fd;

	*ret_fd = -1;
	if (t && t->host >= 0 && !t->netns) {
		fd = fcntl(fi->e->host_fds[t->host], F_DUPFD_CLOEXEC, 3);
		if (fd < 0) {
			*ret_err = xasprintf("cannot use the sandbox host's namespace: %s", strerror(errno));
			return -errno;
		}
		*ret_fd = fd;
		return 0;
	}
	if (!t || (!t->netns && !fi->ctx.procs.n))
		return 0;
	fd = t->netns ? netns_open(t->netns) : proc_open_netns(&fi->ctx.procs.v[0]);
	if (fd < 0) {
		*ret_err = t->netns ? xasprintf("cannot open network namespace %s: %s", t->netns, strerror(-fd))
				    : xasprintf("cannot open the network namespace of pid %d: %s",
						(int)fi->ctx.procs.v[0].pid, strerror(-fd));
		return fd;
	}
	*ret_fd = fd;
	return 0;
}

static void maybe_end_window(struct engine *e);

/* Pick the targets now and apply one application of the fault. */
static void fault_fire(struct fault_inst *fi)
{
	struct engine *e = fi->e;
	const struct fault_spec *f = fi->spec;
	_cleanup_free_ char *err = NULL;
	struct sbuf b = { 0 };
	int r;

	fi->ctx = (struct fault_ctx){ .spec = f, .loop = e->loop, .log = fault_log, .owner = fi,
				      .netns_fd = -1 };
	if (f->target && !target_netns_only(f->target)) {
		r = target_pick(state_of(e, f->target), &e->rng, &fi->ctx.procs, &err);
		if (r == -ESRCH && fi->rf->applications > 0) {
			/* A repeat finds the service not back yet: nothing to do now. */
			event(e, "fault.skipped", f->name, "%s", err);
			return;
		}
		if (r < 0) {
			event(e, "fault.failed", f->name, "%s", err);
			if (!fi->rf->error)
				fi->rf->error = xasprintf("could not pick targets: %s", err);
			return;
		}
	}
	if (f->type->flags & FAULT_NETWORK) {
		r = fault_netns(fi, &fi->ctx.netns_fd, &err);
		if (r < 0) {
			event(e, "fault.failed", f->name, "%s", err);
			if (!fi->rf->error)
				fi->rf->error = xstrdup(err);
			proc_set_free(&fi->ctx.procs);
			return;
		}
	}
	r = f->type->apply(&fi->ctx, &err);
	fi->active = true;	/* even half-applied: its undo records must run */
	if (r < 0) {
		event(e, "fault.failed", f->name, "%s", err ? err : strerror(-r));
		if (!fi->rf->error)
			fi->rf->error = xstrdup(err ? err : strerror(-r));
		(void)fault_revert(fi);
		return;
	}
	fi->rf->applications++;
	if (fi->rf->applied_at_us < 0)
		fi->rf->applied_at_us = rel(e);
	if (e->first_apply < 0)
		e->first_apply = rel(e);
	note_time(&e->times.applied, &e->times.n_applied, &e->cap_applied, rel(e));
	report_fault_applied(fi->rf, e->times.applied[e->times.n_applied - 1],	/* the report's fault window */
			     f->type->flags & FAULT_INSTANT);
	note_targets(fi->rf, &fi->ctx.procs);
	if (f->type->flags & FAULT_NETWORK) {
		const struct target_spec *t = f->target;
		sbuf_addf(&b, "%s in ", f->type->name);
		if (t && t->netns)
			sbuf_addf(&b, "network namespace %s", t->netns);
		else if (t && t->host >= 0)
			sbuf_addf(&b, "sandbox host %s", e->x->sandbox.hosts[t->host]);
		else if (fi->ctx.procs.n)
			sbuf_addf(&b, "the network namespace of pid %d (%s)", (int)fi->ctx.procs.v[0].pid,
				  fi->ctx.procs.v[0].comm);
		else
			sbuf_add(&b, "Erebus' own network namespace");
	} else {
		sbuf_addf(&b, "%s to ", f->type->name);
		describe_procs(&fi->ctx.procs, &b);
	}
	event(e, "fault.applied", f->name, "%s", b.s);
	sbuf_free(&b);
	if (f->type->flags & FAULT_INSTANT) {
		/* Nothing stays applied: release the pidfds now. */
		(void)fault_revert(fi);	/* notes the end: the firing itself */
		fi->rf->reverted_at_us = -1;
	}
}

static int64_t on_fault_timer(struct loop *l, int64_t now, void *userdata)
{
	struct fault_inst *fi = userdata;
	struct engine *e = fi->e;
	int64_t window_start = e->origin + e->rep->window_start_us;

	if (e->state != ST_WINDOW)
		return 0;
	if (fi->active) {	/* the end of a lasting fault */
		if (fault_revert(fi) < 0) {
			finish(e, VERDICT_CLEANUP_FAILED, "a fault could not be reverted");
			return 0;
		}
		fi->finished = true;
		maybe_end_window(e);
		return 0;
	}
	fault_fire(fi);
	if (fi->spec->type->flags & FAULT_INSTANT) {
		if (fi->spec->every_us && fi->next_at + fi->spec->every_us <= fi->end_at) {
			fi->next_at += fi->spec->every_us;
			return window_start + fi->next_at;
		}
		fi->finished = true;
		maybe_end_window(e);
		return 0;
	}
	if (!fi->active) {	/* could not be applied */
		fi->finished = true;
		maybe_end_window(e);
		return 0;
	}
	return window_start + fi->end_at;
}

/* ---- probes and phases -------------------------------------------------- */

static void start_window(struct engine *e);
static void start_recovery(struct engine *e);
static void check_recovered(struct engine *e);

static bool all_healthy(const struct engine *e)
{
	for (size_t i = 0; i < e->x->n_probes; i++)
		if (e->probes[i].run.health != HEALTH_HEALTHY)
			return false;
	return true;
}

static void on_sample(struct probe_run *r, const struct sample *s, bool changed, void *owner)
{
	struct probe_track *pt = owner;
	struct engine *e = pt->e;
	char a[32];

	if (e->state == ST_DONE)
		return;
	if (!s->ok && s->msg) {
		free(pt->last_fail);
		pt->last_fail = xstrdup(s->msg);
	}
	if (e->o->verbosity >= LOG_VERBOSE) {
		clear_status(e);
		fprintf(e->o->log, "%+9.3fs sample          %s: %s in %s%s%s\n", (double)s->t_us / 1e6,
			pt->rp->name, s->ok ? "pass" : "FAIL", format_duration(s->latency_us, a, sizeof(a)),
			s->msg ? ": " : "", s->msg ? s->msg : "");
	}
	if (changed) {
		if (r->health == HEALTH_HEALTHY)
			event(e, "probe.healthy", pt->rp->name, "%u consecutive passes", r->streak);
		else
			event(e, "probe.down", pt->rp->name, "%s", s->msg ? s->msg : "failed");
	}
	if (e->state == ST_STEADY && changed && all_healthy(e)) {
		start_window(e);
		return;
	}
	if (e->state == ST_RECOVERY && !pt->recovered && s->t_us >= e->rep->window_end_us) {
		if (!s->ok) {
			pt->after_streak = 0;
			return;
		}
		if (++pt->after_streak >= r->ctx.spec->healthy_after) {
			int64_t ttd, ttr;
			pt->recovered = true;
			probe_times(r->samples, r->n_samples, &e->times, r->ctx.spec->healthy_after, &ttd, &ttr);
			pt->rp->time_to_recover_us = ttr;	/* fixed now, whatever comes after */
			if (ttr >= 0)
				event(e, "probe.recovered", pt->rp->name,
				      "healthy again; time to recover %s (from the end of the fault it last failed in)",
				      format_duration(ttr, a, sizeof(a)));
			else
				event(e, "probe.recovered", pt->rp->name, "healthy (never degraded)");
			check_recovered(e);
		}
	}
}

static void set_phase(struct engine *e, enum phase ph)
{
	for (size_t i = 0; i < e->x->n_probes; i++)
		e->probes[i].run.phase = (uint8_t)ph;
}

static int64_t on_steady_timeout(struct loop *l, int64_t now, void *userdata)
{
	struct engine *e = userdata;
	struct sbuf b = { 0 };
	char a[32];

	if (e->state != ST_STEADY)
		return 0;
	for (size_t i = 0; i < e->x->n_probes; i++) {
		const struct probe_track *pt = &e->probes[i];
		if (pt->run.health == HEALTH_HEALTHY)
			continue;
		sbuf_addf(&b, "%s%s is %s", b.len ? "; " : "", pt->rp->name,
			  pt->run.health == HEALTH_DOWN ? "down" : "not yet healthy");
		if (pt->last_fail)
			sbuf_addf(&b, " (%s)", pt->last_fail);
	}
	{
		_cleanup_free_ char *reason = xasprintf(
			"steady state not reached within %s: %s; nothing was injected",
			format_duration(e->x->steady_timeout_us, a, sizeof(a)), b.s ? b.s : "?");
		sbuf_free(&b);
		finish(e, VERDICT_ABORTED, reason);
	}
	return 0;
}

static void start_window(struct engine *e)
{
	int64_t now = now_usec();
	char a[32];

	loop_timer_del(e->loop, e->steady_timer);
	e->steady_timer = NULL;
	e->state = ST_WINDOW;
	e->rep->steady_at_us = now - e->origin;
	e->rep->window_start_us = now - e->origin;
	set_phase(e, PHASE_DURING);
	event(e, "phase", NULL, "steady state reached; fault window starts (%s)",
	      format_duration(experiment_window_us(e->x), a, sizeof(a)));
	for (size_t i = 0; i < e->x->n_faults; i++) {
		struct fault_inst *fi = &e->faults[i];
		fi->next_at = fi->spec->at_us;
		fi->end_at = fi->spec->at_us + fi->spec->duration_us;
		fi->timer = loop_timer_add(e->loop, now + fi->next_at, on_fault_timer, fi);
	}
	maybe_end_window(e);
}

static void maybe_end_window(struct engine *e)
{
	if (e->state != ST_WINDOW)
		return;
	for (size_t i = 0; i < e->x->n_faults; i++)
		if (!e->faults[i].finished)
			return;
	start_recovery(e);
}

static int64_t on_recovery_deadline(struct loop *l, int64_t now, void *userdata)
{
	struct engine *e = userdata;
	int64_t t = now - e->origin;

	for (size_t i = 0; i < e->x->n_probes; i++) {
		struct probe_track *pt = &e->probes[i];
		char a[32];
		if (pt->recovered || t < e->rep->window_end_us + pt->run.ctx.spec->recover_within_us)
			continue;
		if (!pt->rp->reason)
			pt->rp->reason = xasprintf("not healthy %s after the fault window ended",
						   format_duration(pt->run.ctx.spec->recover_within_us, a, sizeof(a)));
		pt->recovered = true;	/* judged: stop waiting for it */
		pt->rp->verdict = VERDICT_FAILED;
		event(e, "probe.unrecovered", pt->rp->name, "%s", pt->rp->reason);
	}
	check_recovered(e);
	if (e->state != ST_RECOVERY)
		return 0;
	/* the next deadline among probes still waiting */
	{
		int64_t next = 0;
		for (size_t i = 0; i < e->x->n_probes; i++) {
			struct probe_track *pt = &e->probes[i];
			int64_t d = e->origin + e->rep->window_end_us + pt->run.ctx.spec->recover_within_us;
			if (!pt->recovered && (!next || d < next))
				next = d;
		}
		return next;
	}
}

static void start_recovery(struct engine *e)
{
	int64_t first = 0;

	e->state = ST_RECOVERY;
	e->rep->window_end_us = rel(e);
	set_phase(e, PHASE_AFTER);
	if (!e->x->n_faults) {
		/* Nothing was injected, so nothing to recover from: the run was
		 * its steady-state check. */
		event(e, "phase", NULL, "no faults: the steady state is the whole check");
		for (size_t i = 0; i < e->x->n_probes; i++)
			e->probes[i].recovered = true;
		check_recovered(e);
		return;
	}
	event(e, "phase", NULL, "fault window ended; waiting for recovery");
	for (size_t i = 0; i < e->x->n_probes; i++) {
		int64_t d = e->origin + e->rep->window_end_us + e->probes[i].run.ctx.spec->recover_within_us;
		if (!first || d < first)
			first = d;
	}
	e->recovery_timer = loop_timer_add(e->loop, first, on_recovery_deadline, e);
}

static void check_recovered(struct engine *e)
{
	bool any_failed = false;

	for (size_t i = 0; i < e->x->n_probes; i++) {
		if (!e->probes[i].recovered)
			return;
		any_failed |= e->probes[i].rp->verdict == VERDICT_FAILED;
	}
	if (!any_failed)
		e->rep->recovered_at_us = rel(e);
	finish(e, VERDICT_PASSED, NULL);	/* judged per probe in finish() */
}

/* ---- the end ------------------------------------------------------------- */

/* Revert every active fault, newest application first. Returns the number
 * that could not be reverted. */
static unsigned revert_all(struct engine *e)
{
	unsigned failed = 0;

	for (size_t i = e->x->n_faults; i-- > 0;) {
		struct fault_inst *fi = &e->faults[i];
		loop_timer_del(e->loop, fi->timer);
		fi->timer = NULL;
		if (fault_revert(fi) < 0)
			failed++;
	}
	return failed;
}

/* Do a and b undo the same thing? (Every fault that shares a part of a tc
 * tree has a record of it.) */
static bool same_object(const struct undo_rec *a, const struct undo_rec *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == UNDO_SIGCONT)
		return a->proc.pid == b->proc.pid && a->proc.starttime == b->proc.starttime;
	return a->net.netns_dev == b->net.netns_dev && a->net.netns_ino == b->net.netns_ino &&
	       a->net.ifindex == b->net.ifindex && a->net.parent == b->net.parent &&
	       a->net.handle == b->net.handle && a->net.prio == b->net.prio &&
	       a->net.protocol == b->net.protocol && !strcmp(a->net.name, b->net.name);
}

/* After rollback, read the state back: is every object Erebus changed as it
 * was? Lists what is not in the report, and writes its record to the
 * ledger again for the guardian's last try and `erebus recover`. Runs when
 * every fault is reverted, so a shared part of a tc tree must be gone too.
 * Returns the number of leftovers. */
static unsigned verify_cleanup(struct engine *e)
{
	struct report *r = e->rep;
	unsigned before = (unsigned)r->n_leftovers;

	r->cleanup_checked = true;
	for (size_t i = 0; i < e->x->n_faults; i++) {
		struct fault_inst *fi = &e->faults[i];
		for (size_t j = 0; fi->active && j < fi->ctx.undo.n; j++) {
			struct sbuf b = { 0 };
			if (fi->ctx.undo.v[j].done)
				continue;
			undo_describe(&fi->ctx.undo.v[j], &b);
			report_leftover(r, "not undone: %s", b.s);
			sbuf_free(&b);
		}
	}
	for (size_t i = 0; i < e->n_undone; i++) {
		struct undo_rec *u = &e->undone[i];
		struct sbuf b = { 0 };
		bool seen = false;
		int x;

		for (size_t j = 0; j < i && !seen; j++)
			seen = same_object(u, &e->undone[j]);
		if (seen || !(x = undo_exists(u)))
			continue;
		if (u->kind == UNDO_SIGCONT) {
			report_leftover(r, "pid %d (%s) is still stopped", (int)u->proc.pid, u->proc.comm);
		} else {
			undo_describe(u, &b);
			if (x > 0)	/* "delete X" names the undo; the object is X */
				report_leftover(r, "%s is still there after rollback",
						b.s + (strncmp(b.s, "delete ", 7) ? 0 : 7));
			else
				report_leftover(r, "cannot check that it is gone (%s): %s", b.s, strerror(-x));
			sbuf_free(&b);
		}
		u->done = false;
		(void)ledger_append(u);
	}
	undone_close(e);
	for (size_t i = before; i < r->n_leftovers; i++)
		event(e, "cleanup.leftover", NULL, "%s", r->leftovers[i]);
	return (unsigned)(r->n_leftovers - before);
}

static void judge_probes(struct engine *e)
{
	for (size_t i = 0; i < e->x->n_probes; i++) {
		struct probe_track *pt = &e->probes[i];
		struct report_probe *rp = pt->rp;
		const struct report_phase *during;
		char a[32];

		for (int ph = 0; ph < PHASE_COUNT; ph++)
			report_phase_stats(pt->run.samples, pt->run.n_samples, ph, &rp->phases[ph]);
		{
			int64_t ttr;
			probe_times(pt->run.samples, pt->run.n_samples, &e->times,
				    pt->run.ctx.spec->healthy_after, &rp->time_to_detect_us, &ttr);
		}
		if (e->rep->window_start_us < 0) {
			rp->verdict = pt->run.health == HEALTH_HEALTHY ? VERDICT_PASSED : VERDICT_ABORTED;
			continue;
		}
		during = &rp->phases[PHASE_DURING];
		if (rp->verdict != VERDICT_FAILED && rp->during == DURING_MUST_PASS && during->samples &&
		    during->availability * 100.0 < rp->tolerance - 1e-9) {
			rp->verdict = VERDICT_FAILED;
			rp->reason = xasprintf("%.0f%% of samples passed during the fault window, tolerance %g%%",
					       floor(during->availability * 100.0), rp->tolerance);
		}
		if (rp->verdict != VERDICT_FAILED && e->state == ST_DONE && !pt->recovered &&
		    e->rep->window_end_us >= 0) {
			rp->verdict = VERDICT_FAILED;
			rp->reason = xasprintf("the run ended before it was healthy again (%s after the window)",
					       format_duration(rel(e) - e->rep->window_end_us, a, sizeof(a)));
		}
	}
}

static void finish(struct engine *e, enum verdict v, const char *reason)
{
	unsigned unreverted;

	if (e->state == ST_DONE)
		return;
	e->state = ST_DONE;
	for (size_t i = 0; i < e->x->n_probes; i++)
		probe_run_stop(&e->probes[i].run);
	unreverted = revert_all(e);
	unreverted += verify_cleanup(e);
	if (v == VERDICT_PASSED) {
		judge_probes(e);
		for (size_t i = 0; i < e->x->n_probes; i++)
			if (e->probes[i].rp->verdict == VERDICT_FAILED) {
				v = VERDICT_FAILED;
				if (!reason)
					reason = "a probe failed; see probes";
			}
		for (size_t i = 0; i < e->x->n_faults && v == VERDICT_PASSED; i++)
			if (e->faults[i].rf->error) {
				v = VERDICT_FAILED;
				reason = "a fault could not be applied; see faults";
			}
	} else {
		judge_probes(e);
	}
	if (unreverted) {
		v = VERDICT_CLEANUP_FAILED;
		reason = "a fault could not be reverted; see cleanup.leftovers";
	}
	e->rep->verdict = v;
	free(e->rep->reason);
	e->rep->reason = reason ? xstrdup(reason) : NULL;
	e->state = ST_RECOVERY;	/* let event() print while we still know the phase */
	event(e, "verdict", NULL, "%s%s%s", verdict_name(v), reason ? ": " : "", reason ? reason : "");
	e->state = ST_DONE;
	clear_status(e);
	loop_quit(e->loop, verdict_exit_code(v));
}

static void on_signal(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct engine *e = userdata;
	struct signalfd_siginfo si;
	_cleanup_free_ char *reason = NULL;

	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	reason = xasprintf("interrupted by %s; every fault was reverted", signal_name((int)si.ssi_signo));
	event(e, "interrupted", NULL, "%s", signal_name((int)si.ssi_signo));
	finish(e, VERDICT_ABORTED, reason);
}

static void on_child(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct target_state *ts = userdata;
	siginfo_t si = { 0 };

	loop_del_fd(l, fd);
	/* WNOWAIT: the zombie keeps the pid and its process group from being
	 * reused until target_stop() has signalled the group and reaped it. */
	if (waitid(P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid) {
		ts->exited = true;
		ts->exit_status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
	}
}

/* ---- setup ---------------------------------------------------------------- */

static struct report *new_report(const struct experiment *x, uint64_t seed)
{
	struct report *r = xcalloc(1, sizeof(*r));

	r->experiment = xstrdup(x->name);
	r->description = x->description ? xstrdup(x->description) : NULL;
	r->file = xstrdup(x->file);
	r->seed = seed;
	r->started_at = wall_usec();
	r->steady_at_us = r->window_start_us = r->window_end_us = r->recovered_at_us = -1;
	r->faults = xcalloc(x->n_faults + 1, sizeof(*r->faults));
	r->n_faults = x->n_faults;
	for (size_t i = 0; i < x->n_faults; i++) {
		struct report_fault *f = &r->faults[i];
		struct sbuf b = { 0 };
		x->faults[i].type->describe(&x->faults[i], &b);
		*f = (struct report_fault){ .name = xstrdup(x->faults[i].name),
					    .type = xstrdup(x->faults[i].type->name),
					    .description = sbuf_take(&b),
					    .applied_at_us = -1, .reverted_at_us = -1 };
	}
	r->probes = xcalloc(x->n_probes + 1, sizeof(*r->probes));
	r->n_probes = x->n_probes;
	for (size_t i = 0; i < x->n_probes; i++) {
		const struct probe_spec *p = &x->probes[i];
		r->probes[i] = (struct report_probe){
			.name = xstrdup(p->name), .type = xstrdup(p->type->name),
			.verdict = VERDICT_PASSED, .during = p->during, .tolerance = p->tolerance,
			.recover_within_us = p->recover_within_us,
			.time_to_detect_us = -1, .time_to_recover_us = -1 };
	}
	return r;
}

/* Before anything runs: every fault type this experiment uses must be
 * supported here, and every target not launched by us must match now. */
static int preflight(struct engine *e, char **ret_reason, enum verdict *ret_v)
{
	const struct experiment *x = e->x;

	for (size_t i = 0; i < x->n_faults; i++) {
		const char *why = NULL;
		if (fault_supported(&x->faults[i], &why) < 0) {
			*ret_reason = xasprintf("[fault %s] type %s: %s", x->faults[i].name,
						x->faults[i].type->name, why);
			*ret_v = VERDICT_UNSUPPORTED;
			return -ENOTSUP;
		}
	}
	for (size_t i = 0; i < x->n_targets; i++) {
		struct proc_set ps = { 0 };
		char *err = NULL;
		int r;

		if (x->targets[i].command || x->targets[i].within || target_netns_only(&x->targets[i]))
			continue;
		r = target_match(&e->targets[i], &ps, &err);
		proc_set_free(&ps);
		if (r <= 0) {
			*ret_reason = r < 0 ? xasprintf("%s:%u: [target %s]: %s", x->file, x->targets[i].line,
							x->targets[i].name, err) :
					      xasprintf("%s:%u: [target %s]: no process matches its selectors now",
							x->file, x->targets[i].line, x->targets[i].name);
			free(err);
			*ret_v = VERDICT_INVALID;
			return -ESRCH;
		}
	}
	return 0;
}

static uint64_t random_seed(void)
{
	uint64_t s = 0;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != sizeof(s))
		s = (uint64_t)now_usec() ^ ((uint64_t)getpid() << 32);
	return s & ((1ULL << 53) - 1);	/* exact in JSON readers that use doubles */
}

int engine_run(struct experiment *x, const struct run_opts *o, struct report **ret)
{
	struct engine e = { .x = x, .o = o, .sigfd = -1, .first_apply = -1 };
	sigset_t mask, oldmask;
	uint64_t seed = o->seed_set ? o->seed : x->seed_set ? x->seed : random_seed();
	_cleanup_free_ char *reason = NULL;
	enum verdict v = VERDICT_ABORTED;
	int code = -1;

	e.rep = new_report(x, seed);
	rng_seed(&e.rng, seed);
	e.origin = now_usec();
	e.targets = xcalloc(x->n_targets + 1, sizeof(*e.targets));
	for (size_t i = 0; i < x->n_targets; i++)
		e.targets[i] = (struct target_state){ .spec = &x->targets[i], .child_pidfd = -1,
						      .show_output = o->verbosity >= LOG_VERBOSE,
						      .netns_fd = -1, .exclude = &e.exclude };
	for (size_t i = 0; i < x->n_targets; i++)
		if (x->targets[i].within)
			e.targets[i].within = &e.targets[x->targets[i].within - x->targets];

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	signal(SIGPIPE, SIG_IGN);

	e.loop = loop_new();
	e.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (!e.loop || e.sigfd < 0) {
		reason = xasprintf("cannot set up the event loop: %s", strerror(errno));
		v = VERDICT_UNSUPPORTED;
		goto out;
	}
	(void)loop_add_fd(e.loop, e.sigfd, EPOLLIN, on_signal, &e);
	e.penv = (struct probe_env){ .loop = e.loop, .targets = e.targets, .n_targets = x->n_targets };

	if (preflight(&e, &reason, &v) < 0)
		goto out;
	{
		char *err = NULL;
		int r = ledger_open(x->name, &err);
		pid_t g;
		if (r < 0) {
			reason = err;
			v = r == -EEXIST ? VERDICT_CLEANUP_FAILED : VERDICT_UNSUPPORTED;
			goto out;
		}
		undo_journal_set(&ledger_journal);
		g = guardian_start();
		if (g < 0) {
			reason = xasprintf("cannot start the guardian: %s", strerror((int)-g));
			v = VERDICT_UNSUPPORTED;
			goto out;
		}
		e.refused[0] = (struct target_refused){ g, "it is Erebus' guardian" };
		e.exclude = (struct target_exclude){ e.refused, 1 };
	}
	event(&e, "run", NULL, "experiment %s (seed %llu)", x->name, (unsigned long long)seed);

	if (x->sandbox.n_hosts) {
		char *err = NULL;
		struct sbuf b = { 0 };
		if (sandbox_create(x, &e.sandbox, &err) < 0) {
			reason = xasprintf("%s:%u: [sandbox]: %s", x->file, x->sandbox.line, err);
			free(err);
			v = VERDICT_UNSUPPORTED;
			goto out;
		}
		e.host_fds = xcalloc(x->sandbox.n_hosts, sizeof(int));
		for (size_t i = 0; i < x->sandbox.n_hosts; i++) {
			e.host_fds[i] = sandbox_host_fd(e.sandbox, i);
			sbuf_addf(&b, "%s%s %s", i ? ", " : "", x->sandbox.hosts[i], x->sandbox.addrs[i]);
		}
		e.penv.host_fds = e.host_fds;
		e.penv.n_hosts = x->sandbox.n_hosts;
		for (size_t i = 0; i < x->n_targets; i++)
			if (x->targets[i].host >= 0)
				e.targets[i].netns_fd = e.host_fds[x->targets[i].host];
		event(&e, "sandbox.created", NULL, "%s", b.s);
		sbuf_free(&b);
	}

	for (size_t i = 0; i < x->n_targets; i++) {
		char *err = NULL;
		if (!x->targets[i].command)
			continue;
		if (target_launch(&e.targets[i], &err) < 0) {
			reason = xasprintf("%s:%u: [target %s] command: %s", x->file, x->targets[i].line,
					   x->targets[i].name, err);
			free(err);
			v = VERDICT_INVALID;
			goto out;
		}
		(void)loop_add_fd(e.loop, e.targets[i].child_pidfd, EPOLLIN, on_child, &e.targets[i]);
		event(&e, "target.launched", x->targets[i].name, "pid %d: %s", (int)e.targets[i].child,
		      x->targets[i].command);
	}

	e.faults = xcalloc(x->n_faults + 1, sizeof(*e.faults));
	for (size_t i = 0; i < x->n_faults; i++)
		e.faults[i] = (struct fault_inst){ .e = &e, .spec = &x->faults[i], .rf = &e.rep->faults[i],
						   .ctx.netns_fd = -1 };
	e.probes = xcalloc(x->n_probes + 1, sizeof(*e.probes));
	for (size_t i = 0; i < x->n_probes; i++) {
		struct probe_track *pt = &e.probes[i];
		char *err = NULL;

		pt->e = &e;
		pt->rp = &e.rep->probes[i];
		if (probe_run_init(&pt->run, &x->probes[i], &e.penv, e.origin, &err) < 0) {
			reason = xasprintf("%s:%u: [probe %s]: %s", x->file, x->probes[i].line,
					   x->probes[i].name, err ? err : "cannot start");
			free(err);
			v = VERDICT_UNSUPPORTED;
			goto out;
		}
		pt->run.on_sample = on_sample;
		pt->run.owner = pt;
		pt->run.phase = PHASE_BEFORE;
	}

	e.state = ST_STEADY;
	event(&e, "phase", NULL, "waiting for steady state (every probe healthy, at most %s)",
	      format_duration(x->steady_timeout_us, (char[32]){ 0 }, 32));
	e.steady_timer = loop_timer_add(e.loop, e.origin + x->steady_timeout_us, on_steady_timeout, &e);
	if (o->live && o->verbosity > LOG_QUIET)
		e.progress_timer = loop_timer_add(e.loop, now_usec(), on_progress, &e);
	for (size_t i = 0; i < x->n_probes; i++)
		probe_run_start(&e.probes[i].run);

	code = loop_run(e.loop);
	if (code < 0) {	/* the loop itself failed: still revert */
		reason = xasprintf("event loop failed: %s", strerror(-code));
		finish(&e, VERDICT_ABORTED, reason);
		code = verdict_exit_code(e.rep->verdict);
	}

out:
	if (code < 0) {
		/* Nothing ran: the verdict and reason come from setup. */
		e.rep->verdict = v;
		e.rep->reason = xstrdup(reason ? reason : "setup failed");
		code = verdict_exit_code(v);
		for (size_t i = 0; i < x->n_probes; i++) {
			e.rep->probes[i].verdict = v;
			for (int ph = 0; ph < PHASE_COUNT; ph++)
				report_phase_stats(NULL, 0, ph, &e.rep->probes[i].phases[ph]);
		}
		fprintf(o->log, "erebus: %s\n", e.rep->reason);	/* an error: shown even with -q */
	}
	for (size_t i = 0; i < x->n_targets; i++)
		if (e.targets[i].child) {
			if (e.loop && e.targets[i].child_pidfd >= 0)
				loop_del_fd(e.loop, e.targets[i].child_pidfd);
			target_stop(&e.targets[i], 2 * USEC_PER_SEC);
		}
	sandbox_destroy(e.sandbox);	/* after its processes are gone */
	/* A clean rollback leaves no ledger; otherwise the guardian tries once
	 * more as we exit, and `erebus recover` after it. */
	ledger_close(e.rep->verdict != VERDICT_CLEANUP_FAILED);
	undo_journal_set(NULL);
	free(e.host_fds);
	e.rep->finished_at = wall_usec();
	/* Samples are handed to the report: detach them from the runs. */
	for (size_t i = 0; e.probes && i < x->n_probes; i++) {
		e.rep->probes[i].samples = e.probes[i].run.samples;
		e.rep->probes[i].n_samples = e.probes[i].run.n_samples;
		e.probes[i].run.samples = NULL;
		e.probes[i].run.n_samples = 0;
		if (e.probes[i].e)
			probe_run_free(&e.probes[i].run);
		free(e.probes[i].last_fail);
	}
	for (size_t i = 0; e.faults && i < x->n_faults; i++)	/* a revert that failed kept it */
		if (e.faults[i].ctx.netns_fd >= 0)
			close(e.faults[i].ctx.netns_fd);
	free(e.probes);
	free(e.faults);
	free(e.times.applied);
	free(e.times.ended);
	undone_close(&e);
	free(e.undone);
	free(e.targets);
	if (e.sigfd >= 0)
		close(e.sigfd);
	loop_free(e.loop);
	/* A signal that arrived while cleaning up has been answered by the
	 * cleanup itself; consume it so it cannot kill us before the report. */
	while (sigtimedwait(&mask, NULL, &(struct timespec){ 0 }) > 0)
		;
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	*ret = e.rep;
	return code;
}
