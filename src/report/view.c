/* SPDX-License-Identifier: MIT */
/*
 * What the renderers for people and CI (JUnit, HTML) share: how each
 * probe fared in each phase, told in words, and XML escaping.
 */
#include <assert.h>
#include <math.h>

#include "erebus/json.h"
#include "erebus/report.h"

const char *const phase_titles[PHASE_COUNT] = { "steady state", "fault window", "recovery" };

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

/* Did the run stop before it could finish (a signal, the loop failing)? */
static bool cut_short(const struct report *r)
{
	return find_event(r, "interrupted", NULL) != NULL ||
	       (r->verdict == VERDICT_ABORTED && r->window_start_us >= 0);
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

static const char *last_failure(const struct report_probe *p, enum phase ph)
{
	for (size_t i = p->n_samples; i-- > 0;)
		if (p->samples[i].phase == ph && !p->samples[i].ok && p->samples[i].msg)
			return p->samples[i].msg;
	return NULL;
}

static unsigned pct_floor(double share) { return (unsigned)floor(share * 100.0 + 1e-9); }

static enum outcome steady_state(const struct report *r, const struct report_probe *p, struct sbuf *m)
{
	const struct report_phase *ph = &p->phases[PHASE_BEFORE];
	const char *last = last_failure(p, PHASE_BEFORE);
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

static enum outcome fault_window(const struct report *r, const struct report_probe *p, struct sbuf *m)
{
	const struct report_phase *ph = &p->phases[PHASE_DURING];
	const char *last = last_failure(p, PHASE_DURING);

	if (r->window_start_us < 0) {
		sbuf_add(m, not_reached(r));
		return OUTCOME_SKIPPED;
	}
	if (!r->n_faults) {
		sbuf_add(m, "no faults in this experiment: the steady state is the whole check");
		return OUTCOME_SKIPPED;
	}
	if (r->window_end_us < 0 && (cut_short(r) || r->verdict == VERDICT_CLEANUP_FAILED)) {
		sbuf_addf(m, "%s: the fault window did not finish: %s", p->name, r->reason ? r->reason : "-");
		return OUTCOME_ERROR;
	}
	if (!ph->samples) {
		sbuf_add(m, "no sample finished during the fault window");
		return OUTCOME_PASSED;
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
	if (report_probe_recovered(r, p)) {
		if (p->time_to_recover_us >= 0)
			sbuf_addf(m, "healthy again %s after the fault ended",
				  format_duration(p->time_to_recover_us, a, sizeof(a)));
		else
			sbuf_add(m, "healthy throughout (never degraded)");
		return OUTCOME_PASSED;
	}
	if (cut_short(r) || r->verdict == VERDICT_CLEANUP_FAILED) {
		sbuf_addf(m, "%s: the run stopped before it was healthy again: %s", p->name,
			  r->reason ? r->reason : "-");
		return OUTCOME_ERROR;
	}
	sbuf_addf(m, "%s: not healthy %s after the fault ended", p->name,
		  format_duration(p->recover_within_us, a, sizeof(a)));
	if (p->time_to_detect_us >= 0)
		sbuf_addf(m, " (down %s after the fault began)", format_duration(p->time_to_detect_us, a, sizeof(a)));
	return OUTCOME_FAILED;
}

enum outcome report_phase_outcome(const struct report *r, const struct report_probe *p, enum phase ph,
				  char **ret_msg)
{
	static enum outcome (*const judge[PHASE_COUNT])(const struct report *, const struct report_probe *,
							struct sbuf *) = { steady_state, fault_window, recovery };
	struct sbuf m = { 0 };
	enum outcome o;

	assert(r && p && ret_msg);
	assert((unsigned)ph < PHASE_COUNT);
	o = judge[ph](r, p, &m);
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
