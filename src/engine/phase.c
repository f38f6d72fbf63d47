/* SPDX-License-Identifier: MIT */
/*
 * The phases of a run, driven by probe samples and timers: steady state,
 * fault window, recovery, hold; the brakes (halting probes, a tolerance
 * that can no longer be reached); and the judgement of each probe at the
 * end, on the figures of report_compute().
 */
#include <sys/resource.h>
#include <sys/signalfd.h>

#include "erebus/figures.h"
#include "internal.h"

/* ---- probes and phases -------------------------------------------------- */

static int64_t on_fault_timer(struct loop *l, int64_t now, void *userdata);
static int64_t lead_cap(const struct fault_inst *fi);
static void start_window(struct engine *e);
static void start_recovery(struct engine *e);
static void watch_brakes(struct probe_track *pt, const struct sample *s);
static void relapse(struct probe_track *pt, const struct sample *s);
static int64_t next_recovery_deadline(const struct engine *e);

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
	report_add_sample(e->rep, (size_t)(pt - e->probes), s);
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
	if (e->state != ST_STEADY && detect_on_sample(pt, s, changed))
		return;
	if (e->rep->impact_start_us >= 0)
		watch_brakes(pt, s);
	if (e->state != ST_RECOVERY && e->state != ST_HOLD)
		return;
	if (pt->recovered) {
		if (!s->ok && !pt->judged && s->t_us >= pt->recovered_at)
			relapse(pt, s);
		return;
	}
	if (s->t_us < e->rep->window_end_us)
		return;	/* started before the window ended: does not count */
	if (!s->ok) {
		pt->after_streak = 0;
		return;
	}
	if (++pt->after_streak >= r->ctx.spec->healthy_after) {
		int64_t healed = s->t_us + s->latency_us;

		pt->recovered = true;
		pt->recovered_at = healed;
		engine_event(e, "probe.recovered", pt->rp->name, "healthy again, %s after the fault window ended",
			     format_duration(healed > e->rep->window_end_us ? healed - e->rep->window_end_us : 0,
					     a, sizeof(a)));
		engine_check_recovered(e);
	}
}

/* The latest the impact phase can end: the end of the window (planned, or
 * known), the longest recover_within, the hold, and a second to spare for
 * late timers. A tolerance unreachable by then is lost. */
static int64_t impact_end_bound(const struct engine *e)
{
	int64_t end = e->rep->window_end_us >= 0 ? e->rep->window_end_us :
		      e->rep->window_start_us + experiment_window_us(e->x) + USEC_PER_SEC;
	int64_t longest = 0;

	for (size_t i = 0; i < e->x->n_probes; i++)
		if (e->x->probes[i].recover_within_us > longest)
			longest = e->x->probes[i].recover_within_us;
	return end + longest + e->x->hold_us + USEC_PER_SEC;
}

static int64_t on_halt_timer(struct loop *l, int64_t now, void *userdata)
{
	struct probe_track *pt = userdata;
	_cleanup_free_ char *reason = NULL;
	char a[32];

	if (pt->run.health != HEALTH_DOWN || pt->e->state == ST_DONE)
		return 0;
	reason = xasprintf("halted: [probe %s] down for %s", pt->rp->name,
			   format_duration(now - pt->e->origin - pt->down_since, a, sizeof(a)));
	engine_halt(pt->e, reason);
	return 0;
}

/*
 * In the impact phase: a halting probe down for longer than its halt
 * (started on the sample that made it down, or the first application if
 * it was down already), and a must-pass probe whose tolerance can no
 * longer be reached (halt_on_lost_tolerance) stop the run.
 */
static void watch_brakes(struct probe_track *pt, const struct sample *s)
{
	struct engine *e = pt->e;
	const struct probe_spec *spec = pt->run.ctx.spec;

	if (e->state == ST_DONE || e->state == ST_STEADY)
		return;
	if (pt->run.health != HEALTH_DOWN) {
		loop_timer_del(e->loop, pt->halt_timer);
		pt->halt_timer = NULL;
		pt->down_since = -1;
	} else if (spec->halt_us >= 0 && !pt->halt_timer) {
		if (pt->down_since < 0)
			pt->down_since = s->t_us;
		if (pt->down_since < e->rep->impact_start_us)
			pt->down_since = e->rep->impact_start_us;
		pt->halt_timer = loop_timer_add(e->loop, e->origin + pt->down_since + spec->halt_us,
						on_halt_timer, pt);
		return;	/* it may fire at once: the loop calls it next */
	}
	if (!s->ok && spec->during == DURING_MUST_PASS && e->x->halt_on_lost_tolerance) {
		int64_t a = e->rep->impact_start_us;
		struct fig_slots so_far = report_impact_so_far(e->rep, (size_t)(pt - e->probes));
		unsigned max_slots = (unsigned)((impact_end_bound(e) - a + spec->interval_us - 1) / spec->interval_us);

		if (!fig_tolerance_reachable(so_far, max_slots, spec->tolerance / 100.0)) {
			_cleanup_free_ char *reason = xasprintf(
				"halted: [probe %s] can no longer reach its tolerance of %g%%: down %u of %u slots "
				"since the first fault, of at most %u", pt->rp->name, spec->tolerance,
				so_far.slots - so_far.up, so_far.slots, max_slots);
			engine_halt(e, reason);
		}
	}
}

/* A probe that had recovered failed again. A must-pass one fails the run
 * now; a may-fail one must recover again, within recover_within of the end
 * of the last fault, and the hold starts over. */
static void relapse(struct probe_track *pt, const struct sample *s)
{
	struct engine *e = pt->e;
	char a[32];

	pt->rp->relapses++;
	format_duration(s->t_us - pt->recovered_at, a, sizeof(a));
	if (pt->rp->during == DURING_MUST_PASS) {
		pt->judged = true;
		pt->rp->verdict = VERDICT_FAILED;
		free(pt->rp->reason);
		pt->rp->reason = xasprintf("relapsed %s after recovering: %s", a, s->msg ? s->msg : "failed");
		engine_event(e, "probe.relapsed", pt->rp->name, "%s", pt->rp->reason);
		engine_finish(e, VERDICT_PASSED, NULL);	/* judged: failed */
		return;
	}
	engine_event(e, "probe.relapsed", pt->rp->name, "failed again %s after recovering: %s; waiting for it again",
		     a, s->msg ? s->msg : "failed");
	pt->recovered = false;
	pt->after_streak = 0;
	if (e->state == ST_HOLD) {
		loop_timer_set(e->loop, e->hold_timer, 0);
		e->state = ST_RECOVERY;
	}
	loop_timer_set(e->loop, e->recovery_timer, next_recovery_deadline(e));
}

void engine_halt(struct engine *e, const char *reason)
{
	if (e->state == ST_DONE)
		return;
	e->rep->halted_at_us = engine_rel(e);
	engine_event(e, "halt", NULL, "%s", reason);
	engine_finish(e, VERDICT_HALTED, reason);
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
	{
		_cleanup_free_ char *alerting = detect_alerting(e);
		if (alerting) {
			_cleanup_free_ char *reason = xasprintf(
				"the environment is already alerting: %s; nothing was injected", alerting);
			engine_finish(e, VERDICT_ABORTED, reason);
			return 0;
		}
	}
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
	e->rep->usage.rss_steady_kib = proc_self_rss_kib();
	set_phase(e, PHASE_DURING);
	engine_event(e, "phase", NULL, "steady state reached; fault window starts (%s)",
	      format_duration(experiment_window_us(e->x), a, sizeof(a)));
	for (size_t i = 0; i < e->x->n_faults; i++) {
		struct fault_inst *fi = &e->faults[i];
		int64_t first;

		fi->next_at = fi->spec->at_us;
		fi->end_at = fi->spec->at_us + fi->spec->duration_us;
		fi->lead = fi->spec->type->flags & FAULT_INSTANT ? lead_cap(fi) : 0;
		if (fi->lead > 2 * USEC_PER_MSEC)
			fi->lead = 2 * USEC_PER_MSEC;	/* until a pick is measured */
		first = fi->next_at > fi->lead ? fi->next_at - fi->lead : 0;
		fi->timer = loop_timer_add(e->loop, now + first, on_fault_timer, fi);
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

/* The earliest recovery deadline among probes still waiting, or 0. */
static int64_t next_recovery_deadline(const struct engine *e)
{
	int64_t next = 0;

	for (size_t i = 0; i < e->x->n_probes; i++) {
		const struct probe_track *pt = &e->probes[i];
		int64_t d = e->origin + e->rep->window_end_us + pt->run.ctx.spec->recover_within_us;
		if (!pt->det && !pt->recovered && (!next || d < next))
			next = d;
	}
	return next;
}

static int64_t on_recovery_deadline(struct loop *l, int64_t now, void *userdata)
{
	struct engine *e = userdata;
	int64_t t = now - e->origin;

	for (size_t i = 0; i < e->x->n_probes; i++) {
		struct probe_track *pt = &e->probes[i];
		char a[32];
		if (pt->det || pt->recovered || t < e->rep->window_end_us + pt->run.ctx.spec->recover_within_us)
			continue;
		free(pt->rp->reason);
		pt->rp->reason = xasprintf("not healthy %s after the fault window ended",
					   format_duration(pt->run.ctx.spec->recover_within_us, a, sizeof(a)));
		pt->recovered = pt->judged = true;	/* judged: stop waiting for it */
		pt->rp->verdict = VERDICT_FAILED;
		engine_event(e, "probe.unrecovered", pt->rp->name, "%s", pt->rp->reason);
	}
	engine_check_recovered(e);
	return e->state == ST_RECOVERY ? next_recovery_deadline(e) : 0;
}

static int64_t on_hold_end(struct loop *l, int64_t now, void *userdata)
{
	struct engine *e = userdata;

	if (e->state == ST_HOLD)
		engine_finish(e, VERDICT_PASSED, NULL);	/* judged per probe in engine_finish() */
	return 0;
}

static void start_recovery(struct engine *e)
{
	e->state = ST_RECOVERY;
	e->rep->window_end_us = engine_rel(e);
	set_phase(e, PHASE_AFTER);
	e->recovery_timer = loop_timer_add(e->loop, 0, on_recovery_deadline, e);
	e->hold_timer = loop_timer_add(e->loop, 0, on_hold_end, e);
	if (!e->x->n_faults) {
		/* Nothing was injected, so nothing to recover from: the run was
		 * its steady-state check. */
		engine_event(e, "phase", NULL, "no faults: the steady state is the whole check");
		for (size_t i = 0; i < e->x->n_probes; i++)
			e->probes[i].recovered = true;
		engine_finish(e, VERDICT_PASSED, NULL);
		return;
	}
	engine_event(e, "phase", NULL, "fault window ended; waiting for recovery");
	loop_timer_set(e->loop, e->recovery_timer, next_recovery_deadline(e));
}

/* Every probe recovered (or judged): hold, then end. */
void engine_check_recovered(struct engine *e)
{
	bool any_failed = false;
	char a[32];

	if (e->state != ST_RECOVERY)
		return;
	for (size_t i = 0; i < e->x->n_probes; i++) {
		if (!e->probes[i].det && !e->probes[i].recovered)
			return;
		any_failed |= e->probes[i].rp->verdict == VERDICT_FAILED;
	}
	detect_service_recovered(e);	/* the service's probes: the detectors' clear_within starts */
	for (size_t i = 0; i < e->x->n_probes; i++)
		if (e->probes[i].det && !detect_settled(&e->probes[i]))
			return;	/* a detector still to fire or to clear */
	for (size_t i = 0; i < e->x->n_probes; i++)
		any_failed |= e->probes[i].rp->verdict == VERDICT_FAILED;
	e->rep->recovered_at_us = any_failed ? -1 : engine_rel(e);
	loop_timer_set(e->loop, e->recovery_timer, 0);
	if (!e->x->hold_us || any_failed) {
		engine_finish(e, VERDICT_PASSED, NULL);	/* judged per probe in engine_finish() */
		return;
	}
	e->state = ST_HOLD;
	e->hold_end = engine_rel(e) + e->x->hold_us;
	engine_event(e, "phase", NULL, "every probe recovered; holding for %s",
		     format_duration(e->x->hold_us, a, sizeof(a)));
	loop_timer_set(e->loop, e->hold_timer, now_usec() + e->x->hold_us);
}

/* Each probe's verdict, on the figures report_compute() made. */
void judge_probes(struct engine *e)
{
	for (size_t i = 0; i < e->x->n_probes; i++) {
		struct probe_track *pt = &e->probes[i];
		struct report_probe *rp = pt->rp;
		const struct report_phase *impact = &rp->phases[PHASE_IMPACT];
		char a[32];

		if (e->rep->window_start_us < 0) {
			rp->verdict = pt->run.health == HEALTH_HEALTHY ? VERDICT_PASSED : VERDICT_ABORTED;
			continue;
		}
		if (rp->verdict != VERDICT_FAILED && rp->during == DURING_MUST_PASS && impact->slots &&
		    impact->availability * 100.0 < rp->tolerance - 1e-9) {
			rp->verdict = VERDICT_FAILED;
			free(rp->reason);
			rp->reason = xasprintf("available %.1f%% of the impact phase (from the first fault to the end), "
					       "tolerance %g%%", floor(impact->availability * 1000.0) / 10.0,
					       rp->tolerance);
		}
		if (rp->verdict != VERDICT_FAILED && !pt->det && !pt->recovered && e->rep->window_end_us >= 0) {
			rp->verdict = VERDICT_FAILED;
			free(rp->reason);
			rp->reason = xasprintf("the run ended before it was healthy again (%s after the window)",
					       format_duration(e->rep->ended_us - e->rep->window_end_us, a, sizeof(a)));
		}
	}
}

/* Hand every probe's lag, slots and Erebus' own errors to the report
 * (again each time: the runs keep them; the samples were counted as
 * they came). */
void hand_samples(struct engine *e)
{
	for (size_t i = 0; e->probes && i < e->x->n_probes; i++) {
		struct report_probe *rp = &e->rep->probes[i];
		struct probe_run *run = &e->probes[i].run;

		rp->has_grid = true;
		rp->lag_p50_us = hist_percentile(&run->lag, 50);
		rp->lag_p99_us = hist_percentile(&run->lag, 99);
		rp->lag_max_us = hist_max(&run->lag);
		rp->slots_due = run->grid.due;
		rp->slots_sampled = run->grid.sampled;
		rp->slots_busy = run->grid.busy;
		rp->slots_late = run->grid.late;
		rp->erebus_errors = run->erebus_errors;
		if (run->erebus_error) {
			free(rp->erebus_error);
			rp->erebus_error = run->erebus_error;
			run->erebus_error = NULL;
		}
	}
}

/* Its peak memory and CPU time over the run, from getrusage(). */
static void note_usage(struct report_usage *u)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return;
	u->rss_max_kib = ru.ru_maxrss;
	u->cpu_user_us = (int64_t)ru.ru_utime.tv_sec * USEC_PER_SEC + ru.ru_utime.tv_usec;
	u->cpu_system_us = (int64_t)ru.ru_stime.tv_sec * USEC_PER_SEC + ru.ru_stime.tv_usec;
}

/*
 * Share of a probe's slots past which the samples Erebus could not make
 * (its own ports, descriptors, memory) make the run's figures untrustworthy:
 * the verdict becomes unsupported (exit 5), whatever the service did.
 */
#define EREBUS_ERRORS_MAX_PERCENT 1

/* The reason when some probe lost more than EREBUS_ERRORS_MAX_PERCENT of
 * its samples to Erebus' own errors (malloc'd), or NULL. */
static char *erebus_starved(const struct engine *e)
{
	for (size_t i = 0; i < e->x->n_probes; i++) {
		const struct report_probe *rp = &e->rep->probes[i];
		uint64_t tried = e->probes[i].run.n_samples + rp->erebus_errors;

		if (rp->erebus_errors && (double)rp->erebus_errors * 100.0 > (double)tried * EREBUS_ERRORS_MAX_PERCENT)
			return xasprintf("Erebus could not make %u of %llu samples of probe %s: %s; "
					 "the figures measure Erebus, not the service",
					 rp->erebus_errors, (unsigned long long)tried, rp->name, rp->erebus_error ? rp->erebus_error : "?");
	}
	return NULL;
}

void engine_finish(struct engine *e, enum verdict v, const char *reason)
{
	_cleanup_free_ char *starved = NULL, *monitoring = NULL;
	unsigned unreverted;

	if (e->state == ST_DONE)
		return;
	e->state = ST_DONE;
	for (size_t i = 0; i < e->x->n_probes; i++) {
		probe_run_stop(&e->probes[i].run);
		loop_timer_del(e->loop, e->probes[i].halt_timer);
		e->probes[i].halt_timer = NULL;
	}
	e->rep->ended_us = engine_rel(e);
	note_usage(&e->rep->usage);
	unreverted = revert_all(e);
	unreverted += verify_cleanup(e);
	hand_samples(e);
	report_compute(e->rep);
	if (v == VERDICT_PASSED) {
		bool service_failed = false;
		const struct report_probe *detector_failed = NULL;

		judge_probes(e);
		for (size_t i = 0; i < e->x->n_probes; i++)
			if (e->probes[i].rp->verdict == VERDICT_FAILED) {
				v = VERDICT_FAILED;
				if (!e->probes[i].det)
					service_failed = true;
				else if (!detector_failed)
					detector_failed = e->probes[i].rp;
			}
		if (v == VERDICT_FAILED && !reason && !service_failed && detector_failed)	/* only monitoring */
			reason = monitoring = xasprintf("[probe %s] %s", detector_failed->name, detector_failed->reason);
		else if (v == VERDICT_FAILED && !reason)
			reason = "a probe failed; see probes";
		for (size_t i = 0; i < e->x->n_faults && v == VERDICT_PASSED; i++)
			if (e->faults[i].rf->error) {
				v = VERDICT_FAILED;
				reason = "a fault could not be applied; see faults";
			}
	} else {
		judge_probes(e);
	}
	if (v != VERDICT_INVALID && v != VERDICT_UNSUPPORTED && (starved = erebus_starved(e))) {
		v = VERDICT_UNSUPPORTED;
		reason = starved;
	}
	if (unreverted) {
		v = VERDICT_CLEANUP_FAILED;
		reason = "a fault could not be reverted; see cleanup.leftovers";
	}
	e->rep->verdict = v;
	free(e->rep->reason);
	e->rep->reason = reason ? xstrdup(reason) : NULL;
	e->state = ST_RECOVERY;	/* let engine_event() print while we still know the phase */
	if (reason && !strncmp(reason, verdict_name(v), strlen(verdict_name(v))))
		engine_event(e, "verdict", NULL, "%s", reason);	/* "halted: ..." says it already */
	else
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

/* The longest an instant fault picks its targets before it is due: 50ms,
 * and at most nine tenths of its period (the previous firing's targets
 * are released as soon as it has fired). */
static int64_t lead_cap(const struct fault_inst *fi)
{
	int64_t cap = 50 * USEC_PER_MSEC;

	if (fi->spec->every_us && fi->spec->every_us - fi->spec->every_us / 10 < cap)
		cap = fi->spec->every_us - fi->spec->every_us / 10;
	return cap;
}

/* After a firing of an instant fault (or a skipped one): the next point
 * of its grid, window start + at + k × every. When the engine is so late
 * that the point after it is due too, the overdue points but the latest
 * are missed (counted, and said in one event), never fired in a burst.
 * Returns the timer's next deadline (lead before the point), or 0 when
 * the fault is finished. */
static int64_t instant_next(struct fault_inst *fi)
{
	struct engine *e = fi->e;
	int64_t window_start = e->origin + e->rep->window_start_us, every = fi->spec->every_us;
	int64_t now = now_usec() - window_start;
	unsigned missed = 0;
	char a[32], b[32];

	if (every && fi->next_at + every <= fi->end_at) {
		fi->next_at += every;
		while (fi->next_at + every <= now && fi->next_at + every <= fi->end_at) {
			fi->next_at += every;
			missed++;
		}
		if (missed) {
			fi->rf->missed += missed;
			engine_event(e, "fault.missed", fi->spec->name,
				     "Erebus was %s late: %u firing%s not made; the one due at +%s of the window fires now",
				     format_duration(now - (fi->next_at - (int64_t)missed * every), a, sizeof(a)),
				     missed, missed == 1 ? "" : "s", format_duration(fi->next_at, b, sizeof(b)));
		}
		return window_start + fi->next_at - fi->lead;
	}
	fi->finished = true;
	maybe_end_window(e);
	return 0;
}

/*
 * An instant fault (kill): its targets are picked lead before the firing
 * is due (lead adapts to how long picking takes: twice that, at least
 * 0.5ms, at most lead_cap()), so that at the due moment only the signals
 * are sent. Returns the timer's next deadline, or 0 when finished.
 */
static int64_t instant_step(struct fault_inst *fi)
{
	struct engine *e = fi->e;
	int64_t due = e->origin + e->rep->window_start_us + fi->next_at;

	if (!fi->picked) {
		int64_t t0 = now_usec(), cost;
		int r = fault_pick(fi);

		cost = now_usec() - t0;
		fi->lead -= fi->lead / 8;	/* forget a slow pick slowly */
		if (fi->lead < 2 * cost + 500)
			fi->lead = 2 * cost + 500;
		if (fi->lead > lead_cap(fi))
			fi->lead = lead_cap(fi);
		if (r < 0 && r != -ESRCH) {	/* could not be applied */
			fi->finished = true;
			maybe_end_window(e);
			return 0;
		}
		if (r == 0 && now_usec() < due)
			return due;
	}
	if (fi->picked)
		fault_apply_picked(fi, due - e->origin);
	return instant_next(fi);
}

static int64_t on_fault_timer(struct loop *l, int64_t now, void *userdata)
{
	struct fault_inst *fi = userdata;
	struct engine *e = fi->e;

	if (e->state != ST_WINDOW) {
		fault_unpick(fi);
		return 0;
	}
	if (fi->active) {	/* the end of a lasting fault */
		if (fault_revert(fi) < 0) {
			engine_finish(e, VERDICT_CLEANUP_FAILED, "a fault could not be reverted");
			return 0;
		}
		fi->finished = true;
		maybe_end_window(e);
		return 0;
	}
	if (fi->spec->type->flags & FAULT_INSTANT)
		return instant_step(fi);
	if (fault_pick(fi) == 0)
		fault_apply_picked(fi, e->rep->window_start_us + fi->next_at);
	if (!fi->active) {	/* could not be applied */
		fi->finished = true;
		maybe_end_window(e);
		return 0;
	}
	/* It lasts its duration from when it took effect, not from when it
	 * was due: a late application is not cut short. */
	return e->origin + fi->app_at + fi->spec->duration_us;
}
