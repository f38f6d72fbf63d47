/* SPDX-License-Identifier: MIT */
/*
 * Prometheus text exposition (format 0.0.4) for node_exporter's textfile
 * collector: one family at a time (HELP, TYPE, every series), names with
 * the erebus_ prefix and base units (seconds, ratios 0-1). A value that
 * does not apply (no time to recover when the probe never degraded) is NaN,
 * so that every series is always present. The per-fault families
 * (erebus_fault_*{fault,probe}) need erebus.report/2: a /1 report has none.
 */
#include <math.h>

#include "erebus/json.h"
#include "erebus/report.h"

/* Exact decimal seconds from microseconds, without trailing zeros. */
static void seconds(struct sbuf *b, int64_t us)
{
	char frac[8];
	int n;

	if (us < 0) {
		sbuf_add(b, "NaN");
		return;
	}
	sbuf_addf(b, "%lld", (long long)(us / USEC_PER_SEC));
	n = snprintf(frac, sizeof(frac), "%06lld", (long long)(us % USEC_PER_SEC));
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	if (n)
		sbuf_addf(b, ".%s", frac);
}

/* The end of a series line: the value in seconds, or a ratio. */
static void end_seconds(struct sbuf *b, int64_t us)
{
	sbuf_add(b, "} ");
	seconds(b, us);
	sbuf_add(b, "\n");
}

/* A share with the four decimals the JSON report keeps, so that metrics
 * rendered from a saved report are the same as those of the run. */
static void end_ratio(struct sbuf *b, double v)
{
	char s[32];
	int n;

	if (isnan(v)) {
		sbuf_add(b, "} NaN\n");
		return;
	}
	n = snprintf(s, sizeof(s), "%.4f", report_share4(v));
	while (n > 1 && s[n - 1] == '0')
		s[--n] = '\0';
	if (s[n - 1] == '.')
		s[--n] = '\0';
	sbuf_addf(b, "} %s\n", s);
}

/* A label value: backslash, double quote and newline escaped; UTF-8, as
 * the exposition format requires (U+FFFD for bytes that are not). */
static void label(struct sbuf *b, const char *name, const char *value, bool first)
{
	report_metrics_label(b, name, value, first);
}

static void family(struct sbuf *b, const char *name, const char *type, const char *help)
{
	sbuf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The start of a series line: NAME{experiment="...", then more labels. */
static void series(struct sbuf *b, const struct report *r, const char *name)
{
	sbuf_addf(b, "%s{", name);
	label(b, "experiment", r->experiment, true);
}

static void probe_series(struct sbuf *b, const struct report *r, const struct report_probe *p,
			 const char *name)
{
	series(b, r, name);
	label(b, "probe", p->name, false);
}

static void phase_series(struct sbuf *b, const struct report *r, const struct report_probe *p, int ph,
			 const char *name)
{
	probe_series(b, r, p, name);
	label(b, "phase", phase_keys[ph], false);
}

/* Erebus' own timeliness per probe: its lag and its slots (NaN in a
 * report written before them). */
static void grid_metrics(struct sbuf *b, const struct report *r)
{
	static const char *const lag_q[] = { "p50", "p99", "max" };
	static const char *const states[] = { "due", "sampled", "busy", "late" };

	family(b, "erebus_probe_lag_seconds", "gauge",
	       "How long after its slot on the grid each sample started: Erebus' own delay, p50, p99 and max; "
	       "NaN if not measured.");
	for (size_t i = 0; i < r->n_probes; i++) {
		const struct report_probe *p = &r->probes[i];
		const int64_t v[] = { p->lag_p50_us, p->lag_p99_us, p->lag_max_us };
		for (size_t q = 0; q < ARRAY_SIZE(lag_q); q++) {
			probe_series(b, r, p, "erebus_probe_lag_seconds");
			label(b, "stat", lag_q[q], false);
			end_seconds(b, p->has_grid ? v[q] : -1);
		}
	}
	family(b, "erebus_probe_slots", "gauge",
	       "The probe's grid slots: due, sampled, busy (the previous sample still running) and late (Erebus "
	       "was behind); NaN if not measured.");
	for (size_t i = 0; i < r->n_probes; i++) {
		const struct report_probe *p = &r->probes[i];
		const uint64_t v[] = { p->slots_due, p->slots_sampled, p->slots_busy, p->slots_late };
		for (size_t k = 0; k < ARRAY_SIZE(states); k++) {
			probe_series(b, r, p, "erebus_probe_slots");
			label(b, "state", states[k], false);
			if (p->has_grid)
				sbuf_addf(b, "} %llu\n", (unsigned long long)v[k]);
			else
				sbuf_add(b, "} NaN\n");
		}
	}
}

/* The start of a fault-and-probe series line. */
static void effect_series(struct sbuf *b, const struct report *r, size_t f, size_t p, const char *name)
{
	series(b, r, name);
	label(b, "fault", r->faults[f].name, false);
	label(b, "probe", r->probes[p].name, false);
}

/*
 * What each fault did to each probe (erebus.report/2): one family per
 * figure, one series per fault and probe, NaN where a time does not apply
 * (the fault never took effect, or nothing to detect, mitigate or recover).
 */
/* One family of times per fault and probe: the field at off of each
 * effect (NaN where the fault never took effect); with detectors, only
 * for the detector probes of each fault. */
static void effect_times(struct sbuf *b, const struct report *r, const char *name, const char *help, size_t off,
			 bool detectors)
{
	family(b, name, "gauge", help);
	for (size_t i = 0; i < r->n_faults; i++)
		for (size_t j = 0; r->faults[i].effects && j < r->n_probes; j++) {
			const struct report_probe *p = &r->probes[j];
			if (detectors && (!p->detector || !p->detects || !p->detects[i]))
				continue;
			effect_series(b, r, i, j, name);
			end_seconds(b, r->faults[i].applied_at_us < 0
					       ? -1
					       : *(const int64_t *)((const char *)&r->faults[i].effects[j] + off));
		}
}

/* Did monitoring notice? Per detector probe and fault it detects (no
 * family when no probe is a detector). */
static void detector_metrics(struct sbuf *b, const struct report *r)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} times[] = {
		{ "erebus_time_to_alert_seconds",
		  "From the fault's first application to the detector probe's firing (monitoring noticed); NaN "
		  "if it did not fire for it.",
		  offsetof(struct report_effect, alert_us) },
		{ "erebus_time_to_clear_seconds",
		  "From the service's recovery from the fault to the detector probe's being quiet again; NaN if "
		  "it did not fire, or did not clear.",
		  offsetof(struct report_effect, clear_us) },
	};
	bool any = false;

	for (size_t j = 0; j < r->n_probes; j++)
		any |= r->probes[j].detector && r->probes[j].detects;
	if (!any)
		return;
	for (size_t t = 0; t < ARRAY_SIZE(times); t++)
		effect_times(b, r, times[t].name, times[t].help, times[t].off, true);
}

static void effect_metrics(struct sbuf *b, const struct report *r)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} times[] = {
		{ "erebus_fault_time_to_detect_seconds",
		  "From the fault's application to the start of the first outage of the probe that belongs "
		  "to it; NaN if none does.",
		  offsetof(struct report_effect, detect_us) },
		{ "erebus_fault_time_to_mitigate_seconds",
		  "Length of the first outage that ended while the fault was still in place (healed under "
		  "it); NaN if none did.",
		  offsetof(struct report_effect, mitigate_us) },
		{ "erebus_fault_time_to_recover_seconds",
		  "From the fault's end to the end of the last outage that outlived it; NaN if none did, or "
		  "the probe never recovered.",
		  offsetof(struct report_effect, recover_us) },
		{ "erebus_fault_down_seconds",
		  "Total length of the probe's outages that belong to the fault; NaN if the fault never took effect.",
		  offsetof(struct report_effect, down_us) },
	};
	bool any = false;

	for (size_t i = 0; i < r->n_faults; i++)
		any |= r->faults[i].effects != NULL;
	if (r->schema < 2 || !any || !r->n_faults || !r->n_probes)
		return;
	for (size_t t = 0; t < ARRAY_SIZE(times); t++)
		effect_times(b, r, times[t].name, times[t].help, times[t].off, false);
	family(b, "erebus_fault_outages", "gauge", "Outages of the probe that belong to the fault.");
	for (size_t i = 0; i < r->n_faults; i++)
		for (size_t j = 0; r->faults[i].effects && j < r->n_probes; j++) {
			effect_series(b, r, i, j, "erebus_fault_outages");
			sbuf_addf(b, "} %u\n", r->faults[i].effects[j].outages);
		}
	family(b, "erebus_fault_availability_ratio", "gauge",
	       "Share of the fault's effect window (each application until the next of any fault, or the "
	       "end) the probe was passing, on its interval grid (0-1); NaN without a slot.");
	for (size_t i = 0; i < r->n_faults; i++)
		for (size_t j = 0; r->faults[i].effects && j < r->n_probes; j++) {
			effect_series(b, r, i, j, "erebus_fault_availability_ratio");
			end_ratio(b, r->faults[i].effects[j].span.availability);
		}
	detector_metrics(b, r);
}

void report_render_metrics(const struct report *r, struct sbuf *b)
{
	const int64_t duration = r->finished_at > r->started_at ? r->finished_at - r->started_at : 0;
	static const struct {
		const char *q;
		size_t off;
	} quantiles[] = {
		{ "0.5", offsetof(struct report_phase, p50) },
		{ "0.95", offsetof(struct report_phase, p95) },
		{ "0.99", offsetof(struct report_phase, p99) },
		{ "1", offsetof(struct report_phase, max) },
	};

	family(b, "erebus_experiment_verdict", "gauge",
	       "Verdict of the experiment's last run: 1 for the verdict it had, 0 for the others.");
	for (enum verdict v = VERDICT_PASSED; v <= VERDICT_HALTED; v++) {
		series(b, r, "erebus_experiment_verdict");
		label(b, "verdict", verdict_name(v), false);
		sbuf_addf(b, "} %d\n", v == r->verdict);
	}
	family(b, "erebus_experiment_passed", "gauge", "1 if the experiment's last run passed, else 0.");
	series(b, r, "erebus_experiment_passed");
	sbuf_addf(b, "} %d\n", r->verdict == VERDICT_PASSED);
	family(b, "erebus_experiment_exit_code", "gauge",
	       "Exit status of the last run: 0 passed, 1 failed or halted, 2 invalid, 3 aborted, "
	       "4 cleanup incomplete, 5 unsupported.");
	series(b, r, "erebus_experiment_exit_code");
	sbuf_addf(b, "} %d\n", verdict_exit_code(r->verdict));
	family(b, "erebus_experiment_last_run_timestamp_seconds", "gauge",
	       "When the last run finished, in seconds since the Unix epoch.");
	series(b, r, "erebus_experiment_last_run_timestamp_seconds");
	/* The JSON keeps the start to the millisecond and the duration to
	 * the microsecond: the end is computed from those two. */
	end_seconds(b, r->started_at / USEC_PER_MSEC * USEC_PER_MSEC + duration);
	family(b, "erebus_experiment_duration_seconds", "gauge", "How long the last run took.");
	series(b, r, "erebus_experiment_duration_seconds");
	end_seconds(b, duration);

	if (r->n_faults) {
		family(b, "erebus_fault_applications", "gauge", "Times each fault was applied in the last run.");
		for (size_t i = 0; i < r->n_faults; i++) {
			series(b, r, "erebus_fault_applications");
			label(b, "fault", r->faults[i].name, false);
			label(b, "type", r->faults[i].type, false);
			sbuf_addf(b, "} %u\n", r->faults[i].applications);
		}
	}
	if (!r->n_probes)
		return;

	family(b, "erebus_probe_passed", "gauge", "1 if the probe passed in the last run, else 0.");
	for (size_t i = 0; i < r->n_probes; i++) {
		probe_series(b, r, &r->probes[i], "erebus_probe_passed");
		sbuf_addf(b, "} %d\n", r->probes[i].verdict == VERDICT_PASSED);
	}
	family(b, "erebus_probe_recovered", "gauge",
	       "1 if the probe was healthy again after the fault window, else 0 (also when the run stopped before).");
	for (size_t i = 0; i < r->n_probes; i++) {
		probe_series(b, r, &r->probes[i], "erebus_probe_recovered");
		sbuf_addf(b, "} %d\n", report_probe_recovered(r, &r->probes[i]));
	}
	family(b, "erebus_probe_time_to_detect_seconds", "gauge",
	       "From the application of the fault its first outage belongs to, to the outage's start "
	       "(erebus.report/1: to the end of the first failed sample); NaN if no outage belongs to a fault.");
	for (size_t i = 0; i < r->n_probes; i++) {
		probe_series(b, r, &r->probes[i], "erebus_probe_time_to_detect_seconds");
		end_seconds(b, r->probes[i].time_to_detect_us);
	}
	family(b, "erebus_probe_time_to_recover_seconds", "gauge",
	       "From the end of the fault its last outage outlived, to the outage's end (erebus.report/1: "
	       "to the first pass after the last failure); NaN if none did, or it never recovered.");
	for (size_t i = 0; i < r->n_probes; i++) {
		probe_series(b, r, &r->probes[i], "erebus_probe_time_to_recover_seconds");
		end_seconds(b, r->probes[i].time_to_recover_us);
	}
	family(b, "erebus_probe_availability_ratio", "gauge",
	       "Share of the phase's time the probe was passing, on its interval grid (0-1; "
	       "erebus.report/1: share of samples that passed); NaN without a slot. Phase impact: from "
	       "the first fault to the end.");
	for (size_t i = 0; i < r->n_probes; i++)
		for (int ph = 0; ph < PHASE_COUNT; ph++) {
			phase_series(b, r, &r->probes[i], ph, "erebus_probe_availability_ratio");
			end_ratio(b, r->probes[i].phases[ph].availability);
		}
	family(b, "erebus_probe_failed_samples", "gauge", "Samples started in the phase that failed.");
	for (size_t i = 0; i < r->n_probes; i++)
		for (int ph = 0; ph < PHASE_COUNT; ph++) {
			phase_series(b, r, &r->probes[i], ph, "erebus_probe_failed_samples");
			sbuf_addf(b, "} %u\n", r->probes[i].phases[ph].failures);
		}
	family(b, "erebus_probe_latency_seconds", "summary",
	       "Probe latency per phase, failed samples included (nearest-rank quantiles within 0.8%; quantile 1 is the exact maximum).");
	for (size_t i = 0; i < r->n_probes; i++) {
		const struct report_probe *p = &r->probes[i];
		for (int ph = 0; ph < PHASE_COUNT; ph++) {
			for (size_t q = 0; q < ARRAY_SIZE(quantiles); q++) {
				phase_series(b, r, p, ph, "erebus_probe_latency_seconds");
				label(b, "quantile", quantiles[q].q, false);
				end_seconds(b, *(const int64_t *)((const char *)&p->phases[ph] + quantiles[q].off));
			}
			if (p->phases[ph].sum >= 0) {
				phase_series(b, r, p, ph, "erebus_probe_latency_seconds_sum");
				end_seconds(b, p->phases[ph].sum);
			}
			phase_series(b, r, p, ph, "erebus_probe_latency_seconds_count");
			sbuf_addf(b, "} %u\n", p->phases[ph].samples);
		}
	}
	grid_metrics(b, r);
	effect_metrics(b, r);
	report_render_activity(r, NULL, false, b);	/* the run is over: no chaos now */
}
