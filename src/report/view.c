/* SPDX-License-Identifier: MIT */
/*
 * What the renderers for people and CI (JUnit, HTML) share: how each
 * probe fared in each phase, what each fault did to each probe, told in
 * words, and XML escaping. A report read back from erebus.report/1 is
 * judged as it was then: tolerance over the fault window's samples, no
 * impact phase, no per-fault figures.
 */
#include <assert.h>
#include <math.h>

#include "erebus/json.h"
#include "erebus/report.h"

const char *const phase_titles[PHASE_COUNT] = { "steady state", "fault window", "recovery", "impact" };

int64_t report_end_us(const struct report *r)
{
	int64_t end = r->finished_at > r->started_at ? r->finished_at - r->started_at : 0;

	/* The verdict event is the last thing the run did; finished_at also
	 * counts stopping launched commands. */
	for (size_t i = r->n_events; i-- > 0;)
		if (!strcmp(r->events[i].kind, "verdict"))
			return r->events[i].t_us;
	return r->n_events ? r->events[r->n_events - 1].t_us : end;
}

size_t report_probe_warnings(const struct report_probe *p, struct report_warning ret[REPORT_PROBE_WARNINGS])
{
	char a[32], b[32];
	size_t n = 0;
	double due;
	bool lag;

	assert(p && ret);
	if (p->erebus_errors)
		ret[n++] = (struct report_warning){
			"erebus-errors",
			xasprintf("Erebus could not make %u sample%s of probe %s: %s; those slots keep the probe's "
				  "last state, neither a failure nor a success of the service", p->erebus_errors,
				  p->erebus_errors == 1 ? "" : "s", p->name, p->erebus_error ? p->erebus_error : "?")
		};
	if (!p->has_grid)
		return n;
	due = (double)p->slots_due;
	lag = p->lag_p99_us >= 0 && p->interval_us > 0 && p->lag_p99_us * REPORT_LAG_SHARE > p->interval_us;
	if (lag || (p->slots_due && (double)p->slots_late > due * REPORT_SLOTS_SHARE)) {
		struct sbuf m = { 0 };

		sbuf_addf(&m, "Erebus could not keep up: probe %s started its samples %s late at p99 (interval %s)",
			  p->name, format_duration(p->lag_p99_us, a, sizeof(a)),
			  format_duration(p->interval_us, b, sizeof(b)));
		if (p->slots_late)
			sbuf_addf(&m, " and skipped %llu of its %llu slots while behind",
				  (unsigned long long)p->slots_late, (unsigned long long)p->slots_due);
		sbuf_add(&m, "; its latency figures include Erebus' own delay, not only the service's");
		ret[n++] = (struct report_warning){ "erebus-behind", sbuf_take(&m) };
	}
	if (p->slots_due && (double)p->slots_busy > due * REPORT_SLOTS_SHARE)
		ret[n++] = (struct report_warning){
			"probe-overran",
			xasprintf("probe %s's samples outlasted its interval (%s): %llu of its %llu slots came while "
				  "the previous sample was still running and were not sampled",
				  p->name, format_duration(p->interval_us, a, sizeof(a)),
				  (unsigned long long)p->slots_busy, (unsigned long long)p->slots_due)
		};
	return n;
}

static const struct report_event *find_event(const struct report *r, const char *kind, const char *subject)
{
	for (size_t i = 0; i < r->n_events; i++)
		if (!strcmp(r->events[i].kind, kind) &&
		    (!subject || (r->events[i].subject && !strcmp(r->events[i].subject, subject))))
			return &r->events[i];
	return NULL;
}

bool report_probe_recovered(const struct report *r, const struct report_probe *p)
{
	assert(r && p);
	return find_event(r, "probe.recovered", p->name) != NULL;
}

/* What the halt event says after "[probe NAME] " when it names p (the
 * halt's cause: "down for 1.50s"), or NULL. */
static const char *halt_cause(const struct report *r, const struct report_probe *p)
{
	const struct report_event *h = find_event(r, "halt", NULL);
	_cleanup_free_ char *needle = NULL;
	const char *at;

	if (!h)
		return NULL;
	needle = xasprintf("[probe %s]", p->name);
	at = strstr(h->detail, needle);
	if (!at)
		return NULL;
	at += strlen(needle);
	return *at == ' ' ? at + 1 : at;
}

bool report_probe_halted(const struct report *r, const struct report_probe *p)
{
	assert(r && p);
	return halt_cause(r, p) != NULL;
}

/* Did the run stop before it could finish (a signal, a halt, the loop
 * failing)? */
static bool cut_short(const struct report *r)
{
	return find_event(r, "interrupted", NULL) != NULL || find_event(r, "halt", NULL) != NULL ||
	       r->verdict == VERDICT_HALTED || (r->verdict == VERDICT_ABORTED && r->window_start_us >= 0);
}

/* The run never sampled: it stopped during setup. */
static bool never_ran(const struct report *r)
{
	return r->verdict == VERDICT_INVALID || r->verdict == VERDICT_UNSUPPORTED;
}

/* Why the fault window was not reached, in words. */
static const char *not_reached(const struct report *r)
{
	if (never_ran(r))
		return "not reached: the run stopped during setup";
	if (find_event(r, "interrupted", NULL))
		return "not reached: the run was interrupted first";
	return "not reached: the steady state was not reached, so nothing was injected";
}

/* A phase that needs faults is skipped when the fault window was not
 * reached, or the experiment has none (then no_faults says so). True when
 * skipped, with the reason in m. */
static bool skipped(const struct report *r, struct sbuf *m, const char *no_faults)
{
	if (r->window_start_us < 0)
		sbuf_add(m, not_reached(r));
	else if (!r->n_faults)
		sbuf_add(m, no_faults);
	else
		return false;
	return true;
}

/* A share 0..1 as whole percent, rounded down; callers say "unknown" for
 * NaN themselves (NaN to unsigned is undefined). */
static unsigned pct_floor(double share)
{
	assert(!isnan(share));
	return (unsigned)floor(share * 100.0 + 1e-9);
}

double report_pct1(double share) { return floor(share * 1000.0 + 1e-6) / 10.0; }
double report_share4(double share) { return isnan(share) ? share : floor(share * 10000.0 + 1e-6) / 10000.0; }

/* "available 97.5% of SPAN (40 slots, 38 samples)", and whether p may
 * fail or its tolerance (then note). */
static void available(struct sbuf *m, const struct report_probe *p, const struct report_phase *ph, const char *span,
		      const char *note)
{
	sbuf_addf(m, "available %.1f%% of %s (%u slots, %u samples)", report_pct1(ph->availability), span,
		  ph->slots, ph->samples);
	if (p->during == DURING_MAY_FAIL)
		sbuf_add(m, "; may fail");
	else
		sbuf_addf(m, "; tolerance %g%%%s", p->tolerance, note);
}

static enum outcome steady_state(const struct report *r, const struct report_probe *p, struct sbuf *m)
{
	const struct report_phase *ph = &p->phases[PHASE_BEFORE];
	const char *last = p->last_error[PHASE_BEFORE];
	char a[32];

	if (r->steady_at_us >= 0) {
		sbuf_addf(m, "healthy; steady state reached at +%s; %u samples, %u failed",
			  format_duration(r->steady_at_us, a, sizeof(a)), ph->samples, ph->failures);
		return OUTCOME_PASSED;
	}
	if (never_ran(r)) {
		sbuf_addf(m, "%s: the run stopped before probing: %s", p->name, r->reason ? r->reason : "setup failed");
		return OUTCOME_ERROR;
	}
	if (p->verdict != VERDICT_ABORTED && p->verdict != VERDICT_FAILED) {
		sbuf_addf(m, "healthy; %u samples, %u failed (the steady state waited for other probes)", ph->samples,
			  ph->failures);
		return OUTCOME_PASSED;
	}
	if (cut_short(r)) {
		sbuf_addf(m, "%s: not yet healthy when the run stopped: %s", p->name, r->reason ? r->reason : "-");
		return OUTCOME_ERROR;
	}
	sbuf_addf(m, "%s: not healthy before any fault; %u of %u samples failed", p->name, ph->failures, ph->samples);
	if (last)
		sbuf_addf(m, ", last: %s", last);
	sbuf_add(m, "; nothing was injected");
	return OUTCOME_FAILED;
}

/* erebus.report/1 judged tolerance here, over the window's samples. */
static enum outcome fault_window_v1(const struct report_probe *p, struct sbuf *m)
{
	const struct report_phase *ph = &p->phases[PHASE_DURING];
	const char *last = p->last_error[PHASE_DURING];

	if (!ph->samples) {
		sbuf_add(m, "no sample finished during the fault window");
		return OUTCOME_PASSED;
	}
	if (isnan(ph->availability)) {	/* the reader refuses it; a report built otherwise may not */
		sbuf_addf(m, "%s: share of %u samples passed during the fault window unknown", p->name, ph->samples);
		return OUTCOME_FAILED;
	}
	if (p->during == DURING_MUST_PASS && ph->availability * 100.0 < p->tolerance - 1e-9) {
		sbuf_addf(m, "%s: %u%% of samples passed during the fault window, tolerance %g%%", p->name,
			  pct_floor(ph->availability), p->tolerance);
		if (last)
			sbuf_addf(m, "; last failure: %s", last);
		return OUTCOME_FAILED;
	}
	sbuf_addf(m, "%u%% of %u samples passed", pct_floor(ph->availability), ph->samples);
	if (p->during == DURING_MAY_FAIL)
		sbuf_add(m, " (may fail)");
	else
		sbuf_addf(m, ", tolerance %g%%", p->tolerance);
	return OUTCOME_PASSED;
}

static enum outcome fault_window(const struct report *r, const struct report_probe *p, struct sbuf *m)
{
	const struct report_phase *ph = &p->phases[PHASE_DURING];

	if (skipped(r, m, "no faults in this experiment: the steady state is the whole check"))
		return OUTCOME_SKIPPED;
	if (r->window_end_us < 0 && (cut_short(r) || r->verdict == VERDICT_CLEANUP_FAILED)) {
		sbuf_addf(m, "%s: the fault window did not finish: %s", p->name, r->reason ? r->reason : "-");
		return OUTCOME_ERROR;
	}
	if (r->schema < 2)
		return fault_window_v1(p, m);
	/* Informational: tolerance is judged over the impact phase. */
	if (!ph->slots) {
		sbuf_add(m, "no slot of the fault window was judged");
		return OUTCOME_PASSED;
	}
	available(m, p, ph, "the fault window's time", " is judged over the impact phase");
	return OUTCOME_PASSED;
}

static enum outcome recovery(const struct report *r, const struct report_probe *p, struct sbuf *m)
{
	char a[32];

	if (r->window_end_us < 0) {
		sbuf_add(m, r->window_start_us < 0 ? not_reached(r) : "not reached: the fault window did not finish");
		return OUTCOME_SKIPPED;
	}
	if (!r->n_faults) {
		sbuf_add(m, "no faults in this experiment: nothing to recover from");
		return OUTCOME_SKIPPED;
	}
	/* A must-pass probe that failed again in the hold: it did recover. */
	if (p->verdict == VERDICT_FAILED && p->reason && !strncmp(p->reason, "relapsed", 8)) {
		sbuf_addf(m, "%s: %s", p->name, p->reason);
		return OUTCOME_FAILED;
	}
	if (report_probe_recovered(r, p)) {
		if (p->time_to_recover_us >= 0)
			sbuf_addf(m, "healthy again %s after the fault ended",
				  format_duration(p->time_to_recover_us, a, sizeof(a)));
		else if (!p->n_outages)
			sbuf_add(m, "healthy throughout (never degraded)");
		else
			sbuf_addf(m, "healthy again; %zu outage%s, none outlived its fault", p->n_outages,
				  p->n_outages == 1 ? "" : "s");
		if (p->relapses)
			sbuf_addf(m, "; failed again %u time%s after recovering, and recovered", p->relapses,
				  p->relapses == 1 ? "" : "s");
		return OUTCOME_PASSED;
	}
	if (cut_short(r) || r->verdict == VERDICT_CLEANUP_FAILED) {
		sbuf_addf(m, "%s: the run stopped before it was healthy again: %s", p->name,
			  r->reason ? r->reason : "-");
		return OUTCOME_ERROR;
	}
	/* Another probe's relapse ended the run first. */
	if (p->reason && !strncmp(p->reason, "the run ended before", 20)) {
		sbuf_addf(m, "%s: %s", p->name, p->reason);
		return OUTCOME_FAILED;
	}
	sbuf_addf(m, "%s: not healthy %s after the fault ended", p->name,
		  format_duration(p->recover_within_us, a, sizeof(a)));
	if (p->time_to_detect_us >= 0)
		sbuf_addf(m, " (down %s after the fault began)", format_duration(p->time_to_detect_us, a, sizeof(a)));
	return OUTCOME_FAILED;
}

/* From the first fault that took effect to the end of the run: where a
 * must-pass probe's tolerance is judged (erebus.report/2). */
static enum outcome impact(const struct report *r, const struct report_probe *p, struct sbuf *m)
{
	const struct report_phase *ph = &p->phases[PHASE_IMPACT];
	const char *halt = halt_cause(r, p), *last = NULL;
	char a[32];

	if (r->schema < 2) {
		sbuf_add(m, "not measured before erebus.report/2");
		return OUTCOME_SKIPPED;
	}
	if (skipped(r, m, "no faults in this experiment: nothing had an impact"))
		return OUTCOME_SKIPPED;
	if (r->impact_start_us < 0) {
		sbuf_add(m, "no fault took effect: nothing had an impact");
		return OUTCOME_SKIPPED;
	}
	last = p->last_error[PHASE_IMPACT];
	if (halt) {
		sbuf_addf(m, "%s: halted the run", p->name);
		if (r->halted_at_us >= 0)
			sbuf_addf(m, " at +%s", format_duration(r->halted_at_us, a, sizeof(a)));
		sbuf_addf(m, ": %s", halt);
		if (ph->slots)
			sbuf_addf(m, "; available %.1f%% of the impact phase", report_pct1(ph->availability));
		if (last)
			sbuf_addf(m, "; last failure: %s", last);
		return OUTCOME_FAILED;
	}
	if (!ph->slots) {
		sbuf_add(m, "no slot of the impact phase was judged");
		return OUTCOME_PASSED;
	}
	if (p->during == DURING_MUST_PASS && ph->availability * 100.0 < p->tolerance - 1e-9) {
		sbuf_addf(m, "%s: available %.1f%% of the impact phase (from the first fault to the end), "
			     "tolerance %g%%", p->name, report_pct1(ph->availability), p->tolerance);
		if (last)
			sbuf_addf(m, "; last failure: %s", last);
		return OUTCOME_FAILED;
	}
	available(m, p, ph, "the impact phase", "");
	return OUTCOME_PASSED;
}

enum outcome report_phase_outcome(const struct report *r, const struct report_probe *p, enum phase ph,
				  char **ret_msg)
{
	static enum outcome (*const judge[PHASE_COUNT])(const struct report *, const struct report_probe *,
							struct sbuf *) = { steady_state, fault_window, recovery,
									   impact };
	struct sbuf m = { 0 };
	enum outcome o;

	assert(r && p && ret_msg);
	assert((unsigned)ph < PHASE_COUNT);
	o = judge[ph](r, p, &m);
	*ret_msg = sbuf_take(&m);
	return o;
}

/* The figures of an effect, in words: "down 1.80s in 1 outage: detected
 * in 194ms, recovered 107us after it ended; available 53.3% of its effect
 * window (30 slots), p95 500ms". */
static void effect_figures(struct sbuf *m, const struct report_effect *e)
{
	char a[32], b[32];

	if (!e->outages) {
		sbuf_add(m, "no outage");
	} else {
		sbuf_addf(m, "down %s in %u outage%s", format_duration(e->down_us, a, sizeof(a)), e->outages,
			  e->outages == 1 ? "" : "s");
		if (e->detect_us >= 0)
			sbuf_addf(m, ": detected in %s", format_duration(e->detect_us, a, sizeof(a)));
		if (e->mitigate_us >= 0)
			sbuf_addf(m, ", healed under the fault in %s", format_duration(e->mitigate_us, a, sizeof(a)));
		if (e->recover_us >= 0)
			sbuf_addf(m, ", recovered %s after it ended", format_duration(e->recover_us, a, sizeof(a)));
	}
	if (e->span.slots)
		sbuf_addf(m, "; available %.1f%% of its effect window (%u slots), p95 %s",
			  report_pct1(e->span.availability), e->span.slots,
			  e->span.p95 >= 0 ? format_duration(e->span.p95, b, sizeof(b)) : "-");
	else
		sbuf_add(m, "; no slot of its effect window was judged");
}

/* A detector's testcase for a fault: did it notice within detect_within,
 * and was it quiet again within clear_within of the service's recovery? */
static enum outcome detector_outcome(const struct report *r, const struct report_fault *f,
				     const struct report_probe *p, const struct report_effect *e, bool detects,
				     char **ret_msg)
{
	char a[32], c[32];

	if (!detects) {
		*ret_msg = xasprintf("%s does not detect %s (detects)", p->name, f->name);
		return OUTCOME_SKIPPED;
	}
	if (e->alert_us < 0 || e->alert_us > p->detect_within_us) {
		*ret_msg = xasprintf("monitoring did not notice [fault %s] within %s%s%s", f->name,
				     format_duration(p->detect_within_us, a, sizeof(a)), e->alert_us < 0 ? "" : ": it fired after ",
				     e->alert_us < 0 ? "" : format_duration(e->alert_us, c, sizeof(c)));
		return OUTCOME_FAILED;
	}
	if (e->clear_us < 0 || e->clear_us > p->clear_within_us) {
		*ret_msg = xasprintf("noticed in %s; still alerting %s after the service recovered%s", 
				     format_duration(e->alert_us, a, sizeof(a)),
				     format_duration(p->clear_within_us, c, sizeof(c)),
				     r->window_start_us >= 0 && e->clear_us < 0 ? " (or the service never did)" : "");
		return OUTCOME_FAILED;
	}
	*ret_msg = xasprintf("noticed in %s (within %s); quiet again %s after the service recovered",
			     format_duration(e->alert_us, a, sizeof(a)),
			     format_duration(p->detect_within_us, c, sizeof(c)),
			     format_duration(e->clear_us, (char[32]){ 0 }, 32));
	return OUTCOME_PASSED;
}

enum outcome report_effect_outcome(const struct report *r, size_t fault, size_t probe, char **ret_msg)
{
	const struct report_fault *f;
	const struct report_probe *p;
	const struct report_outage *open = NULL;
	struct sbuf m = { 0 };
	enum outcome o = OUTCOME_PASSED;
	char a[32];

	assert(r && ret_msg && fault < r->n_faults && probe < r->n_probes);
	f = &r->faults[fault];
	p = &r->probes[probe];
	if (r->schema < 2 || !f->effects) {
		*ret_msg = xstrdup("not measured before erebus.report/2");
		return OUTCOME_SKIPPED;
	}
	if (f->applied_at_us < 0) {
		if (f->error)
			*ret_msg = xasprintf("never took effect: %s", f->error);
		else
			*ret_msg = xstrdup(r->window_start_us < 0 ? not_reached(r) :
				"never took effect: the run stopped before its time");
		return OUTCOME_SKIPPED;
	}
	if (p->detector)
		return detector_outcome(r, f, p, &f->effects[probe], p->detects && p->detects[fault], ret_msg);
	for (size_t i = 0; i < p->n_outages && !open; i++)
		if (p->outages[i].fault == (int)fault && p->outages[i].end_us < 0)
			open = &p->outages[i];
	if (open && p->verdict == VERDICT_FAILED) {
		sbuf_addf(&m, "%s: down since +%s under %s, never healthy again; ", p->name,
			  format_duration(open->start_us, a, sizeof(a)), f->name);
		o = OUTCOME_FAILED;
	} else if (open) {
		sbuf_addf(&m, "down since +%s, still down when the run ended; ",
			  format_duration(open->start_us, a, sizeof(a)));
	}
	effect_figures(&m, &f->effects[probe]);
	*ret_msg = sbuf_take(&m);
	return o;
}

void sbuf_add_xml(struct sbuf *b, const char *s, bool attr)
{
	const unsigned char *p = (const unsigned char *)s;

	assert(b && s);
	while (*p) {
		const unsigned char *run = p;
		size_t n;

		while ((*p >= 0x20 && *p < 0x7f && !strchr("&<>\"'", *p)) || (!attr && (*p == '\n' || *p == '\t')))
			p++;
		sbuf_addn(b, (const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		switch (*p) {
		case '&': sbuf_add(b, "&amp;"); p++; continue;
		case '<': sbuf_add(b, "&lt;"); p++; continue;
		case '>': sbuf_add(b, "&gt;"); p++; continue;
		case '"': sbuf_add(b, "&quot;"); p++; continue;
		case '\'': sbuf_add(b, "&#39;"); p++; continue;
		case '\t': sbuf_add(b, "&#9;"); p++; continue;
		case '\n': sbuf_add(b, "&#10;"); p++; continue;
		case '\r': sbuf_add(b, "&#13;"); p++; continue;
		}
		n = *p >= 0x80 ? utf8_sequence((const char *)p, (const char *)p + strlen((const char *)p)) : 0;
		/* U+FFFE and U+FFFF are not XML characters either */
		if (n == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe)
			n = 0;
		if (n) {
			sbuf_addn(b, (const char *)p, n);
			p += n;
		} else {
			sbuf_add(b, "\xef\xbf\xbd");	/* U+FFFD */
			p++;
		}
	}
}
