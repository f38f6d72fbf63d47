/* SPDX-License-Identifier: MIT */
/*
 * The phases of a run, driven by probe samples and timers: steady state,
 * fault window, recovery; and the judgement of each probe at the end.
 */
#include <sys/signalfd.h>

#include "internal.h"

/* ---- probes and phases -------------------------------------------------- */

static int64_t on_fault_timer(struct loop *l, int64_t now, void *userdata);
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

void on_sample(struct probe_run *r, const struct sample *s, bool changed, void *owner)
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
		engine_clear_status(e);
		fprintf(e->o->log, "%+9.3fs sample          %s: %s in %s%s%s\n", (double)s->t_us / 1e6,
			pt->rp->name, s->ok ? "pass" : "FAIL", format_duration(s->latency_us, a, sizeof(a)),
			s->msg ? ": " : "", s->msg ? s->msg : "");
	}
	if (changed) {
		if (r->health == HEALTH_HEALTHY)
			engine_event(e, "probe.healthy", pt->rp->name, "%u consecutive passes", r->streak);
		else
			engine_event(e, "probe.down", pt->rp->name, "%s", s->msg ? s->msg : "failed");
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
				engine_event(e, "probe.recovered", pt->rp->name,
				      "healthy again; time to recover %s (from the end of the fault it last failed in)",
				      format_duration(ttr, a, sizeof(a)));
			else
				engine_event(e, "probe.recovered", pt->rp->name, "healthy (never degraded)");
			check_recovered(e);
		}
	}
}

static void set_phase(struct engine *e, enum phase ph)
{
	for (size_t i = 0; i < e->x->n_probes; i++)
		e->probes[i].run.phase = (uint8_t)ph;
}

int64_t on_steady_timeout(struct loop *l, int64_t now, void *userdata)
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
		engine_finish(e, VERDICT_ABORTED, reason);
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
	engine_event(e, "phase", NULL, "steady state reached; fault window starts (%s)",
	      format_duration(experiment_window_us(e->x), a, sizeof(a)));
	for (size_t i = 0; i < e->x->n_faults; i++) {
		struct fault_inst *fi = &e->faults[i];
		fi->next_at = fi->spec->at_us;
		fi->end_at = fi->spec->at_us + fi->spec->duration_us;
		fi->timer = loop_timer_add(e->loop, now + fi->next_at, on_fault_timer, fi);
	}
	maybe_end_window(e);
}

void maybe_end_window(struct engine *e)
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
		engine_event(e, "probe.unrecovered", pt->rp->name, "%s", pt->rp->reason);
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
	e->rep->window_end_us = engine_rel(e);
	set_phase(e, PHASE_AFTER);
	if (!e->x->n_faults) {
		/* Nothing was injected, so nothing to recover from: the run was
		 * its steady-state check. */
		engine_event(e, "phase", NULL, "no faults: the steady state is the whole check");
		for (size_t i = 0; i < e->x->n_probes; i++)
			e->probes[i].recovered = true;
		check_recovered(e);
		return;
	}
	engine_event(e, "phase", NULL, "fault window ended; waiting for recovery");
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
		e->rep->recovered_at_us = engine_rel(e);
	engine_finish(e, VERDICT_PASSED, NULL);	/* judged per probe in engine_finish() */
}

void judge_probes(struct engine *e)
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
					       format_duration(engine_rel(e) - e->rep->window_end_us, a, sizeof(a)));
		}
	}
}

void engine_finish(struct engine *e, enum verdict v, const char *reason)
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
	e->state = ST_RECOVERY;	/* let engine_event() print while we still know the phase */
	engine_event(e, "verdict", NULL, "%s%s%s", verdict_name(v), reason ? ": " : "", reason ? reason : "");
	e->state = ST_DONE;
	engine_clear_status(e);
	loop_quit(e->loop, verdict_exit_code(v));
}

void engine_on_signal(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct engine *e = userdata;
	struct signalfd_siginfo si;
	_cleanup_free_ char *reason = NULL;

	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	reason = xasprintf("interrupted by %s; every fault was reverted", signal_name((int)si.ssi_signo));
	engine_event(e, "interrupted", NULL, "%s", signal_name((int)si.ssi_signo));
	engine_finish(e, VERDICT_ABORTED, reason);
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
			engine_finish(e, VERDICT_CLEANUP_FAILED, "a fault could not be reverted");
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
	/* It lasts its duration from when it took effect, not from when it
	 * was due: a late application is not cut short. */
	return e->origin + e->times.applied[e->times.n_applied - 1] + fi->spec->duration_us;
}
