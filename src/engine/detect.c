/* SPDX-License-Identifier: MIT */
/*
 * Detector probes (expect = detect): monitoring checks that are quiet
 * (passing) before any fault, must fire (fail) within detect_within of
 * each fault they detect, and must be quiet again within clear_within of
 * the service's recovery (docs/run.md, "Did monitoring notice?").
 *
 * A detector's firing belongs to the fault it detects whose latest
 * application came last before it fired. Each detected fault has its own
 * deadline, from its first application; a detector that fires after the
 * service probes recovered has clear_within from its firing.
 */
#include "internal.h"

struct detect_state {
	struct probe_track *pt;
	size_t fault;
	int64_t first_app, last_app;	/* relative; -1: not applied */
	int64_t alerted_at;		/* when the detector fired for it; -1 */
	bool missed;			/* its deadline passed first */
	struct loop_timer *timer;	/* its deadline */
};

static struct detect_state *state_of(const struct probe_track *pt, size_t f)
{
	return &pt->det[f];
}

void detect_init(struct engine *e)
{
	for (size_t i = 0; i < e->x->n_probes; i++) {
		struct probe_track *pt = &e->probes[i];

		if (!pt->run.ctx.spec || !pt->run.ctx.spec->detector)
			continue;
		pt->det = xcalloc(e->x->n_faults + 1, sizeof(*pt->det));
		for (size_t f = 0; f < e->x->n_faults; f++)
			pt->det[f] = (struct detect_state){ .pt = pt, .fault = f, .first_app = -1, .last_app = -1,
							    .alerted_at = -1 };
	}
	e->service_recovered_at = -1;
}

void detect_free(struct engine *e)
{
	for (size_t i = 0; e->probes && i < e->x->n_probes; i++) {
		struct probe_track *pt = &e->probes[i];

		for (size_t f = 0; pt->det && f < e->x->n_faults; f++)
			loop_timer_del(e->loop, pt->det[f].timer);
		free(pt->det);
		pt->det = NULL;
		loop_timer_del(e->loop, pt->clear_timer);
		pt->clear_timer = NULL;
	}
}

static void fail_detector(struct probe_track *pt, const char *kind, char *reason)
{
	if (pt->rp->verdict != VERDICT_FAILED) {
		pt->rp->verdict = VERDICT_FAILED;
		free(pt->rp->reason);
		pt->rp->reason = xstrdup(reason);
	}
	engine_event(pt->e, kind, pt->rp->name, "%s", reason);
	free(reason);
}

static int64_t on_notice_deadline(struct loop *l, int64_t now, void *userdata)
{
	struct detect_state *d = userdata;
	struct probe_track *pt = d->pt;
	char a[32];

	d->timer = NULL;
	if (d->alerted_at >= 0 || pt->e->state == ST_DONE)
		return 0;
	d->missed = true;
	fail_detector(pt, "detector.missed",
		      xasprintf("monitoring did not notice [fault %s] within %s", pt->e->x->faults[d->fault].name,
				format_duration(pt->run.ctx.spec->detect_within_us, a, sizeof(a))));
	pt->e->check_recovered(pt->e);
	return 0;
}

void detect_on_apply(struct engine *e, size_t fault, int64_t t)
{
	for (size_t i = 0; i < e->x->n_probes; i++) {
		struct probe_track *pt = &e->probes[i];
		struct detect_state *d;

		if (!pt->det || !probe_detects(pt->run.ctx.spec, fault))
			continue;
		d = state_of(pt, fault);
		d->last_app = t;
		if (d->first_app >= 0)
			continue;
		d->first_app = t;
		d->timer = loop_timer_add(e->loop, e->origin + t + pt->run.ctx.spec->detect_within_us,
					  on_notice_deadline, d);
	}
}

static int64_t on_clear_deadline(struct loop *l, int64_t now, void *userdata)
{
	struct probe_track *pt = userdata;
	char a[32];

	pt->clear_timer = NULL;
	if (!pt->firing || pt->e->state == ST_DONE)
		return 0;
	fail_detector(pt, "detector.still-alerting",
		      xasprintf("still alerting %s after the service recovered",
				format_duration(pt->run.ctx.spec->clear_within_us, a, sizeof(a))));
	pt->judged = true;
	pt->e->check_recovered(pt->e);
	return 0;
}

/* Firing after the service recovered: clear_within from the later of the two. */
static void arm_clear(struct probe_track *pt)
{
	struct engine *e = pt->e;
	int64_t from;

	if (!pt->firing || pt->clear_timer || pt->judged || e->service_recovered_at < 0)
		return;
	from = pt->fired_at > e->service_recovered_at ? pt->fired_at : e->service_recovered_at;
	pt->clear_timer = loop_timer_add(e->loop, e->origin + from + pt->run.ctx.spec->clear_within_us,
					 on_clear_deadline, pt);
}

void detect_service_recovered(struct engine *e)
{
	if (e->service_recovered_at >= 0)
		return;
	e->service_recovered_at = engine_rel(e);
	for (size_t i = 0; i < e->x->n_probes; i++)
		if (e->probes[i].det)
			arm_clear(&e->probes[i]);
}

/* It fired at t: for the detected fault applied last before t. */
static void fired(struct probe_track *pt, int64_t t)
{
	struct engine *e = pt->e;
	struct detect_state *best = NULL;
	char a[32];

	pt->firing = true;
	pt->fired_at = t;
	for (size_t f = 0; f < e->x->n_faults; f++) {
		struct detect_state *d = state_of(pt, f);
		if (d->last_app >= 0 && d->last_app <= t && (!best || d->last_app > best->last_app))
			best = d;
	}
	if (!best) {
		engine_event(e, "detector.fired", pt->rp->name, "fired, before any fault it detects was applied");
	} else if (best->alerted_at >= 0 || best->missed) {
		engine_event(e, "detector.fired", pt->rp->name, "fired again, %s after [fault %s] was applied",
			     format_duration(t - best->last_app, a, sizeof(a)), e->x->faults[best->fault].name);
	} else {
		best->alerted_at = t;
		loop_timer_del(e->loop, best->timer);
		best->timer = NULL;
		engine_event(e, "detector.fired", pt->rp->name, "noticed [fault %s] %s after it was applied",
			     e->x->faults[best->fault].name, format_duration(t - best->first_app, a, sizeof(a)));
	}
	arm_clear(pt);
}

bool detect_on_sample(struct probe_track *pt, const struct sample *s, bool changed)
{
	struct engine *e = pt->e;
	char a[32];

	if (!pt->det)
		return false;
	if (!changed || e->rep->impact_start_us < 0)
		return true;
	if (pt->run.health == HEALTH_DOWN) {
		fired(pt, s->t_us);
	} else if (pt->firing) {
		int64_t t = s->t_us + s->latency_us;
		pt->firing = false;
		loop_timer_del(e->loop, pt->clear_timer);
		pt->clear_timer = NULL;
		if (e->service_recovered_at >= 0)
			engine_event(e, "detector.cleared", pt->rp->name, "quiet again, %s after the service recovered",
				     format_duration(t > e->service_recovered_at ? t - e->service_recovered_at : 0, a,
						     sizeof(a)));
		else
			engine_event(e, "detector.cleared", pt->rp->name, "quiet again, before the service recovered");
	}
	e->check_recovered(e);
	return true;
}

bool detect_settled(const struct probe_track *pt)
{
	if (pt->firing)
		return pt->judged;
	for (size_t f = 0; f < pt->e->x->n_faults; f++) {
		const struct detect_state *d = state_of(pt, f);
		if (d->first_app >= 0 && d->alerted_at < 0 && !d->missed)
			return false;	/* still waiting for it to notice */
	}
	return true;
}

char *detect_alerting(const struct engine *e)
{
	struct sbuf b = { 0 };

	for (size_t i = 0; i < e->x->n_probes; i++) {
		const struct probe_track *pt = &e->probes[i];
		if (!pt->det || pt->run.health != HEALTH_DOWN)
			continue;
		sbuf_addf(&b, "%s[probe %s]", b.len ? ", " : "", pt->rp->name);
		if (pt->last_fail)
			sbuf_addf(&b, " (%s)", pt->last_fail);
	}
	return b.len ? sbuf_take(&b) : NULL;
}
