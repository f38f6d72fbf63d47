/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <fcntl.h>
#include <math.h>
#include <sys/random.h>

#include "erebus/json.h"
#include "erebus/report.h"

static const char *const verdict_names[] = {
	[VERDICT_PASSED] = "passed", [VERDICT_FAILED] = "failed",
	[VERDICT_INVALID] = "invalid", [VERDICT_ABORTED] = "aborted",
	[VERDICT_CLEANUP_FAILED] = "cleanup-failed", [VERDICT_UNSUPPORTED] = "unsupported",
	[VERDICT_HALTED] = "halted",
};

const char *verdict_name(enum verdict v)
{
	assert((size_t)v < ARRAY_SIZE(verdict_names));
	return verdict_names[v];
}

int verdict_exit_code(enum verdict v)
{
	static const int codes[] = {
		[VERDICT_PASSED] = 0, [VERDICT_FAILED] = 1, [VERDICT_INVALID] = 2,
		[VERDICT_ABORTED] = 3, [VERDICT_CLEANUP_FAILED] = 4, [VERDICT_UNSUPPORTED] = 5,
		[VERDICT_HALTED] = 1,
	};

	assert((size_t)v < ARRAY_SIZE(codes));
	return codes[v];
}

bool report_count_kind(struct report *r, const char *kind, bool keep)
{
	struct report_kind_count *k = NULL;

	for (size_t i = 0; i < r->n_kinds && !k; i++)
		if (!strcmp(r->kinds[i].kind, kind))
			k = &r->kinds[i];
	if (!k) {
		r->kinds = xrealloc(r->kinds, (r->n_kinds + 1) * sizeof(*r->kinds));
		k = &r->kinds[r->n_kinds++];
		*k = (struct report_kind_count){ .kind = xstrdup(kind) };
	}
	if (keep && k->kept < REPORT_EVENTS_PER_KIND) {
		k->kept++;
		return true;
	}
	k->dropped++;
	return false;
}

void report_event(struct report *r, int64_t t_us, const char *kind, const char *subject,
		  const char *fmt, ...)
{
	struct report_event *e;
	struct sbuf b = { 0 };
	va_list ap;

	assert(r && kind && fmt);
	if (!report_count_kind(r, kind, true))
		return;
	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	GROW(r->events, r->cap_events, r->n_events + 1);
	e = &r->events[r->n_events++];
	*e = (struct report_event){ .t_us = t_us, .kind = xstrdup(kind),
				    .subject = subject ? xstrdup(subject) : NULL, .detail = sbuf_take(&b) };
}

void report_leftover(struct report *r, const char *fmt, ...)
{
	struct sbuf b = { 0 };
	va_list ap;

	assert(r && fmt);
	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	r->leftovers = xrealloc(r->leftovers, (r->n_leftovers + 1) * sizeof(char *));
	r->leftovers[r->n_leftovers++] = sbuf_take(&b);
}

int64_t percentile(const int64_t *sorted, size_t n, double p)
{
	size_t rank;

	assert(p > 0 && p <= 100);
	assert(sorted || !n);
	if (!n)
		return -1;
	rank = (size_t)ceil(p * (double)n / 100.0 - 1e-9);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

void report_latency(int64_t *lat, size_t n, struct report_phase *p)
{
	if (!n)
		return;
	qsort(lat, n, sizeof(*lat), cmp_i64);
	p->p50 = percentile(lat, n, 50);
	p->p95 = percentile(lat, n, 95);
	p->p99 = percentile(lat, n, 99);
	p->max = lat[n - 1];
}

void report_phase_stats(const struct sample *s, size_t n, enum phase ph, struct report_phase *ret)
{
	_cleanup_free_ int64_t *lat = xcalloc(n + 1, sizeof(*lat));
	struct report_phase p = { .availability = NAN, .p50 = -1, .p95 = -1, .p99 = -1, .max = -1 };
	size_t k = 0;

	p.sum = 0;

	assert(s || !n);
	assert((unsigned)ph < PHASE_COUNT && ret);
	for (size_t i = 0; i < n; i++) {
		if (s[i].phase != ph)
			continue;
		p.samples++;
		if (!s[i].ok)
			p.failures++;
		p.sum += s[i].latency_us;
		lat[k++] = s[i].latency_us;
	}
	if (k)
		p.availability = (double)(p.samples - p.failures) / (double)p.samples;
	report_latency(lat, k, &p);
	*ret = p;
}

/* s as a JSON string, or null. Always valid UTF-8: a byte that does not
 * begin a valid sequence (Latin-1 text, a name the kernel cut mid-character)
 * is written as U+FFFD. */
static void json_str(struct sbuf *b, const char *s) { sbuf_add_json_string(b, s); }

/* A finite number in the fewest digits that read back as the same double
 * (0.95, not 0.94999999999999996; 0.99995, not 1). */
static void json_shortest(struct sbuf *b, double v)
{
	char buf[32];

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	sbuf_add(b, buf);
}

/* Milliseconds with microsecond precision, or null for -1. */
static void json_ms(struct sbuf *b, int64_t us)
{
	if (us < 0)
		sbuf_add(b, "null");
	else if (us % 1000 == 0)
		sbuf_addf(b, "%lld", (long long)(us / 1000));
	else
		sbuf_addf(b, "%.3f", (double)us / 1000.0);
}

/* A count, or null when negative (not measured). */
static void json_count(struct sbuf *b, int64_t n)
{
	if (n < 0)
		sbuf_add(b, "null");
	else
		sbuf_addf(b, "%lld", (long long)n);
}

static void json_time(struct sbuf *b, int64_t wall_us)
{
	char t[32];

	format_rfc3339(wall_us, t);
	json_str(b, t);
}

/* A span's figures; with the last failure's message when last_error is
 * not NULL (a probe's phases, not a fault's effect windows). */
static void json_phase(struct sbuf *b, const struct report_phase *p, bool v2, const char *const *last_error)
{
	sbuf_addf(b, "{\"samples\": %u, \"failures\": %u, ", p->samples, p->failures);
	if (v2)
		sbuf_addf(b, "\"slots\": %u, ", p->slots);
	sbuf_add(b, "\"availability\": ");
	if (isnan(p->availability))
		sbuf_add(b, "null");
	else
		sbuf_addf(b, "%.4f", report_share4(p->availability));
	sbuf_add(b, ", \"latency_ms\": {\"p50\": ");
	json_ms(b, p->p50);
	sbuf_add(b, ", \"p95\": ");
	json_ms(b, p->p95);
	sbuf_add(b, ", \"p99\": ");
	json_ms(b, p->p99);
	sbuf_add(b, ", \"max\": ");
	json_ms(b, p->max);
	if (v2) {
		sbuf_add(b, ", \"sum\": ");
		json_ms(b, p->sum);
	}
	sbuf_add(b, "}");
	if (v2 && last_error) {
		sbuf_add(b, ", \"last_error\": ");
		json_str(b, *last_error);
	}
	sbuf_add(b, "}");
}

/* One entry of a fault's effects: what it did to probe name. */
static void json_effect(struct sbuf *b, const char *name, const struct report_effect *e, size_t i, bool v2)
{
	sbuf_add(b, i ? ",\n       {\"probe\": " : "\n       {\"probe\": ");
	json_str(b, name);
	sbuf_add(b, ", \"time_to_detect_ms\": ");
	json_ms(b, e->detect_us);
	sbuf_add(b, ", \"time_to_mitigate_ms\": ");
	json_ms(b, e->mitigate_us);
	sbuf_add(b, ", \"time_to_recover_ms\": ");
	json_ms(b, e->recover_us);
	sbuf_add(b, ", \"down_ms\": ");
	json_ms(b, e->down_us);
	sbuf_addf(b, ", \"outages\": %u, ", e->outages);
	if (v2) {
		sbuf_add(b, "\"time_to_alert_ms\": ");
		json_ms(b, e->alert_us);
		sbuf_add(b, ", \"time_to_clear_ms\": ");
		json_ms(b, e->clear_us);
		sbuf_add(b, ", ");
	}
	sbuf_add(b, "\"window\": ");
	json_phase(b, &e->span, v2, NULL);
	sbuf_add(b, "}");
}

const char *const phase_keys[PHASE_COUNT] = { "before", "during", "after", "impact" };

/* ', "lag_ms": {"p50": ..., "p99": ..., "max": ...}' of the firings' lag,
 * when their due times are known (not in reports written before them).
 * Returns whether it wrote it. */
static bool json_fault_lag(struct sbuf *b, const struct report_fault *f)
{
	int64_t lag[3];

	if (!report_fault_lag(f, lag))
		return false;
	sbuf_add(b, ", \"lag_ms\": {\"p50\": ");
	json_ms(b, lag[0]);
	sbuf_add(b, ", \"p99\": ");
	json_ms(b, lag[1]);
	sbuf_add(b, ", \"max\": ");
	json_ms(b, lag[2]);
	sbuf_add(b, "}");
	return true;
}

/* One entry of "faults". */
static void json_fault(struct sbuf *b, const struct report *r, size_t i, bool v2)
{
	const struct report_fault *f = &r->faults[i];

	sbuf_add(b, i ? ",\n    {" : "\n    {");
	sbuf_add(b, "\"name\": ");
	json_str(b, f->name);
	sbuf_add(b, ", \"type\": ");
	json_str(b, f->type);
	sbuf_add(b, ", \"description\": ");
	json_str(b, f->description);
	sbuf_add(b, ", \"targets\": [");
	for (size_t j = 0; j < f->n_targets; j++) {
		sbuf_addf(b, "%s{\"pid\": %d, \"comm\": ", j ? ", " : "", (int)f->targets[j].pid);
		json_str(b, f->targets[j].comm);
		sbuf_add(b, "}");
	}
	sbuf_add(b, "], \"windows\": [");
	for (size_t j = 0; j < f->n_windows; j++) {
		sbuf_add(b, j ? ", {\"start_ms\": " : "{\"start_ms\": ");
		json_ms(b, f->windows[j].start_us);
		sbuf_add(b, ", \"end_ms\": ");
		json_ms(b, f->windows[j].end_us);
		if (f->windows[j].due_us >= 0) {
			sbuf_add(b, ", \"due_ms\": ");
			json_ms(b, f->windows[j].due_us);
		}
		sbuf_add(b, "}");
	}
	sbuf_addf(b, "], \"applications\": %u", f->applications);
	if (json_fault_lag(b, f))
		sbuf_addf(b, ", \"missed\": %u", f->missed);
	sbuf_add(b, ", \"applied_at_ms\": ");
	json_ms(b, f->applied_at_us);
	sbuf_add(b, ", \"reverted_at_ms\": ");
	json_ms(b, f->reverted_at_us);
	sbuf_add(b, ", \"error\": ");
	json_str(b, f->error);
	if (v2) {
		sbuf_addf(b, ", \"instant\": %s,\n     \"effects\": [", f->instant ? "true" : "false");
		for (size_t j = 0; f->effects && j < r->n_probes; j++)
			json_effect(b, r->probes[j].name, &f->effects[j], j, v2);
		sbuf_add(b, "]");
	}
	sbuf_add(b, "}");
}

/* "lag_ms" and "slots" of a probe: null when not measured (a report
 * read back from before these figures). */
static void json_grid(struct sbuf *b, const struct report_probe *p)
{
	if (!p->has_grid) {
		sbuf_add(b, ",\n     \"lag_ms\": null, \"slots\": null");
		return;
	}
	sbuf_add(b, ",\n     \"lag_ms\": {\"p50\": ");
	json_ms(b, p->lag_p50_us);
	sbuf_add(b, ", \"p99\": ");
	json_ms(b, p->lag_p99_us);
	sbuf_add(b, ", \"max\": ");
	json_ms(b, p->lag_max_us);
	sbuf_addf(b, "}, \"slots\": {\"due\": %llu, \"sampled\": %llu, \"busy\": %llu, \"late\": %llu, "
		  "\"share\": ", (unsigned long long)p->slots_due, (unsigned long long)p->slots_sampled,
		  (unsigned long long)p->slots_busy, (unsigned long long)p->slots_late);
	if (p->slots_due)
		sbuf_addf(b, "%.4f}", floor((double)p->slots_sampled / (double)p->slots_due * 1e4) / 1e4);
	else
		sbuf_add(b, "null}");
}

/* ', "timeline": {"bucket_ms": W, "buckets": [[k, samples, failures,
 * mean_ms, max_ms], ...]}' with the buckets that hold samples, or null. */
static void json_timeline(struct sbuf *b, const struct fig_timeline *tl)
{
	size_t k = 0;

	sbuf_add(b, ",\n     \"timeline\": ");
	if (!tl) {
		sbuf_add(b, "null");
		return;
	}
	sbuf_add(b, "{\"bucket_ms\": ");
	json_ms(b, tl->bucket_us);
	sbuf_add(b, ", \"buckets\": [");
	for (uint32_t i = 0; i < tl->n; i++) {
		const struct fig_bucket *bk = &tl->b[i];

		if (!bk->samples)
			continue;
		sbuf_addf(b, "%s[%u, %u, %u, ", k++ % 8 ? ", " : k > 1 ? ",\n       " : "", i, bk->samples,
			  bk->failures);
		json_ms(b, fig_bucket_mean(bk));
		sbuf_add(b, ", ");
		json_ms(b, bk->max_us);
		sbuf_add(b, "]");
	}
	sbuf_add(b, "]}");
}

/* "warnings": each probe's report_probe_warnings(), then each fault's
 * report_fault_warning(). */
static void json_warnings(struct sbuf *b, const struct report *r)
{
	size_t k = 0;

	sbuf_add(b, "  \"warnings\": [");
	for (size_t i = 0; i < r->n_probes; i++) {
		struct report_warning w[REPORT_PROBE_WARNINGS];
		size_t n = report_probe_warnings(&r->probes[i], w);

		for (size_t j = 0; j < n; j++) {
			sbuf_add(b, k++ ? ",\n    {\"probe\": " : "\n    {\"probe\": ");
			json_str(b, r->probes[i].name);
			sbuf_addf(b, ", \"kind\": \"%s\", \"message\": ", w[j].kind);
			json_str(b, w[j].message);
			sbuf_add(b, "}");
			free(w[j].message);
		}
	}
	for (size_t i = 0; i < r->n_faults; i++) {
		_cleanup_free_ char *m = report_fault_warning(&r->faults[i]);

		if (!m)
			continue;
		sbuf_add(b, k++ ? ",\n    {\"fault\": " : "\n    {\"fault\": ");
		json_str(b, r->faults[i].name);
		sbuf_add(b, ", \"kind\": \"erebus-behind\", \"message\": ");
		json_str(b, m);
		sbuf_add(b, "}");
	}
	sbuf_add(b, k ? "\n  ],\n" : "],\n");
}

/* ', "expect": "healthy"', or for a detector its deadlines and the
 * faults it detects. */
static void json_detector(struct sbuf *b, const struct report *r, const struct report_probe *p)
{
	size_t k = 0;

	if (!p->detector) {
		sbuf_add(b, ", \"expect\": \"healthy\"");
		return;
	}
	sbuf_add(b, ", \"expect\": \"detect\", \"detect_within_ms\": ");
	json_ms(b, p->detect_within_us);
	sbuf_add(b, ", \"clear_within_ms\": ");
	json_ms(b, p->clear_within_us);
	sbuf_add(b, ", \"detects\": [");
	for (size_t f = 0; f < r->n_faults; f++) {
		if (!p->detects || !p->detects[f])
			continue;
		sbuf_add(b, k++ ? ", " : "");
		json_str(b, r->faults[f].name);
	}
	sbuf_add(b, "]");
}

/* One entry of "probes", with its samples. */
static void json_probe(struct sbuf *b, const struct report *r, size_t i, bool v2)
{
	const struct report_probe *p = &r->probes[i];

	sbuf_add(b, i ? ",\n    {" : "\n    {");
	sbuf_add(b, "\"name\": ");
	json_str(b, p->name);
	sbuf_add(b, ", \"type\": ");
	json_str(b, p->type);
	sbuf_add(b, ", \"verdict\": ");
	json_str(b, verdict_name(p->verdict));
	sbuf_add(b, ", \"reason\": ");
	json_str(b, p->reason);
	sbuf_addf(b, ", \"during\": \"%s\", \"tolerance\": ",
		  p->during == DURING_MAY_FAIL ? "may-fail" : "must-pass");
	json_shortest(b, p->tolerance / 100.0);
	sbuf_add(b, ", \"recover_within_ms\": ");
	json_ms(b, p->recover_within_us);
	if (v2) {
		sbuf_add(b, ", \"interval_ms\": ");
		json_ms(b, p->interval_us);
		sbuf_addf(b, ", \"healthy_after\": %u, \"halt_ms\": ", p->healthy_after);
		json_ms(b, p->halt_us);
		json_detector(b, r, p);
	}
	sbuf_add(b, ",\n     \"time_to_detect_ms\": ");
	json_ms(b, p->time_to_detect_us);
	sbuf_add(b, ", \"time_to_recover_ms\": ");
	json_ms(b, p->time_to_recover_us);
	if (v2) {
		sbuf_addf(b, ", \"erebus_errors\": %u, \"erebus_error\": ", p->erebus_errors);
		json_str(b, p->erebus_error);
		sbuf_addf(b, ", \"relapses\": %u, \"outages\": [", p->relapses);
	}
	for (size_t j = 0; v2 && j < p->n_outages; j++) {
		const struct report_outage *o = &p->outages[j];
		sbuf_add(b, j ? ", {\"start_ms\": " : "{\"start_ms\": ");
		json_ms(b, o->start_us);
		sbuf_add(b, ", \"end_ms\": ");
		json_ms(b, o->end_us);
		sbuf_add(b, ", \"fault\": ");
		json_str(b, o->fault >= 0 && (size_t)o->fault < r->n_faults ? r->faults[o->fault].name : NULL);
		sbuf_add(b, "}");
	}
	if (v2) {
		sbuf_addf(b, "], \"outages_total\": %llu",
			  (unsigned long long)(p->outages_total > p->n_outages ? p->outages_total : p->n_outages));
		json_grid(b, p);
		json_timeline(b, p->timeline);
	}
	sbuf_add(b, ",\n     \"phases\": {");
	for (int ph = 0; ph < (v2 ? PHASE_COUNT : PHASE_IMPACT); ph++) {
		sbuf_addf(b, "%s\n       \"%s\": ", ph ? "," : "", phase_keys[ph]);
		json_phase(b, &p->phases[ph], v2, (const char *const *)&p->last_error[ph]);
	}
	sbuf_add(b, "}");
	if (v2 && !r->samples_kept) {	/* none kept: the usual case */
		sbuf_add(b, "}");
		return;
	}
	if (v2)
		sbuf_addf(b, ",\n     \"samples_dropped\": %llu", (unsigned long long)p->samples_dropped);
	sbuf_add(b, ",\n     \"samples\": [");
	for (size_t j = 0; j < p->n_samples; j++) {
		const struct sample *s = &p->samples[j];
		sbuf_add(b, j ? ",\n       {\"t_ms\": " : "\n       {\"t_ms\": ");
		json_ms(b, s->t_us);
		sbuf_add(b, ", \"latency_ms\": ");
		json_ms(b, s->latency_us);
		sbuf_addf(b, ", \"ok\": %s, \"phase\": \"%s\", \"error\": ", s->ok ? "true" : "false",
			  phase_keys[s->phase < PHASE_COUNT ? s->phase : PHASE_AFTER]);
		json_str(b, s->msg);
		sbuf_add(b, "}");
	}
	sbuf_add(b, "]}");
}

bool report_incomplete(const struct report *r)
{
	for (size_t i = 0; i < r->n_probes; i++)
		if (r->probes[i].erebus_errors)
			return true;
	return false;
}

void report_render_json(const struct report *r, struct sbuf *b)
{
	assert(r && b);
	bool v2 = r->schema != 1;	/* a /1 report read back is written as /1 */

	sbuf_addf(b, "{\n  \"schema\": \"%s\",\n  \"experiment\": ", v2 ? REPORT_SCHEMA : REPORT_SCHEMA_V1);
	json_str(b, r->experiment);
	sbuf_add(b, ",\n  \"description\": ");
	json_str(b, r->description);
	sbuf_add(b, ",\n  \"file\": ");
	json_str(b, r->file);
	sbuf_addf(b, ",\n  \"seed\": %llu,\n  \"started_at\": ", (unsigned long long)r->seed);
	json_time(b, r->started_at);
	sbuf_add(b, ",\n  \"finished_at\": ");
	json_time(b, r->finished_at);
	sbuf_addf(b, ",\n  \"duration_ms\": ");
	json_ms(b, r->finished_at - r->started_at);
	sbuf_add(b, ",\n  \"verdict\": ");
	json_str(b, verdict_name(r->verdict));
	sbuf_addf(b, ",\n  \"exit_code\": %d,\n  \"reason\": ", verdict_exit_code(r->verdict));
	json_str(b, r->reason);
	if (v2)
		sbuf_addf(b, ",\n  \"figures_incomplete\": %s", report_incomplete(r) ? "true" : "false");
	sbuf_add(b, ",\n  \"steady_state_at_ms\": ");
	json_ms(b, r->steady_at_us);
	sbuf_add(b, ",\n  \"fault_window\": {\"start_ms\": ");
	json_ms(b, r->window_start_us);
	sbuf_add(b, ", \"end_ms\": ");
	json_ms(b, r->window_end_us);
	sbuf_add(b, "},\n  \"recovered_at_ms\": ");
	json_ms(b, r->recovered_at_us);
	if (v2) {
		sbuf_add(b, ",\n  \"impact_start_ms\": ");
		json_ms(b, r->impact_start_us);
		sbuf_add(b, ", \"ended_ms\": ");
		json_ms(b, r->ended_us);
		sbuf_add(b, ", \"halted_at_ms\": ");
		json_ms(b, r->halted_at_us);
		sbuf_add(b, ", \"hold_ms\": ");
		json_ms(b, r->hold_us < 0 ? 0 : r->hold_us);
	}

	sbuf_add(b, ",\n  \"faults\": [");
	for (size_t i = 0; i < r->n_faults; i++)
		json_fault(b, r, i, v2);
	sbuf_add(b, r->n_faults ? "\n  ],\n" : "],\n");

	sbuf_add(b, "  \"probes\": [");
	for (size_t i = 0; i < r->n_probes; i++)
		json_probe(b, r, i, v2);
	sbuf_add(b, r->n_probes ? "\n  ],\n" : "],\n");

	sbuf_add(b, "  \"cleanup\": {\"checked\": ");
	sbuf_add(b, r->cleanup_checked ? "true" : "false");
	sbuf_addf(b, ", \"complete\": %s, \"leftovers\": [", r->n_leftovers ? "false" : "true");
	for (size_t i = 0; i < r->n_leftovers; i++) {
		sbuf_add(b, i ? ", " : "");
		json_str(b, r->leftovers[i]);
	}
	sbuf_add(b, "]},\n");
	if (v2)
		json_warnings(b, r);

	if (v2) {
		const struct report_usage *u = &r->usage;
		sbuf_add(b, "  \"erebus_usage\": ");
		if (u->rss_max_kib <= 0) {	/* 0: a report built without a run */
			sbuf_add(b, "null,\n");
		} else {
			sbuf_add(b, "{\"rss_at_steady_kib\": ");
			json_count(b, u->rss_steady_kib);
			sbuf_add(b, ", \"max_rss_kib\": ");
			json_count(b, u->rss_max_kib);
			sbuf_add(b, ", \"cpu_user_ms\": ");
			json_ms(b, u->cpu_user_us);
			sbuf_add(b, ", \"cpu_system_ms\": ");
			json_ms(b, u->cpu_system_us);
			sbuf_add(b, "},\n");
		}
	}
	if (v2) {	/* {"kind": count} of the events past REPORT_EVENTS_PER_KIND */
		size_t k = 0;
		sbuf_add(b, "  \"events_dropped\": {");
		for (size_t i = 0; i < r->n_kinds; i++) {
			if (!r->kinds[i].dropped)
				continue;
			sbuf_add(b, k++ ? ", " : "");
			json_str(b, r->kinds[i].kind);
			sbuf_addf(b, ": %llu", (unsigned long long)r->kinds[i].dropped);
		}
		sbuf_add(b, "},\n");
	}
	sbuf_add(b, "  \"events\": [");
	for (size_t i = 0; i < r->n_events; i++) {
		const struct report_event *e = &r->events[i];
		sbuf_add(b, i ? ",\n    {\"t_ms\": " : "\n    {\"t_ms\": ");
		json_ms(b, e->t_us);
		sbuf_add(b, ", \"kind\": ");
		json_str(b, e->kind);
		sbuf_add(b, ", \"subject\": ");
		json_str(b, e->subject);
		sbuf_add(b, ", \"detail\": ");
		json_str(b, e->detail);
		sbuf_add(b, "}");
	}
	sbuf_add(b, r->n_events ? "\n  ]\n}\n" : "]\n}\n");
}

void report_fault_applied(struct report_fault *f, int64_t t_us, bool instant)
{
	assert(f);
	GROW(f->windows, f->cap_windows, f->n_windows + 1);
	f->windows[f->n_windows++] = (struct report_window){ t_us, instant ? t_us : -1, -1 };
}

void report_fault_due(struct report_fault *f, int64_t due_us)
{
	assert(f && f->n_windows);
	f->windows[f->n_windows - 1].due_us = due_us;
}

size_t report_fault_lag(const struct report_fault *f, int64_t ret[3])
{
	_cleanup_free_ int64_t *v = xcalloc(f->n_windows + 1, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < f->n_windows; i++)
		if (f->windows[i].due_us >= 0)
			v[n++] = f->windows[i].start_us > f->windows[i].due_us ?
				 f->windows[i].start_us - f->windows[i].due_us : 0;
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_i64);
	ret[0] = percentile(v, n, 50);
	ret[1] = percentile(v, n, 99);
	ret[2] = v[n - 1];
	return n;
}

/* Beside report_fault_lag(), which it words (view.c, where the probes' warnings
 * are, would make a circle with this file). */
char *report_fault_warning(const struct report_fault *f)
{
	int64_t lag[3] = { 0, 0, 0 };
	char a[32], b[32];

	assert(f);
	if (!f->missed)
		return NULL;
	(void)report_fault_lag(f, lag);
	return xasprintf("Erebus could not keep up: %u firing%s of its grid missed, the others late by up to %s "
			 "(p99 %s); fault %s acted less often than its every asked",
			 f->missed, f->missed == 1 ? "" : "s", format_duration(lag[2], a, sizeof(a)),
			 format_duration(lag[1], b, sizeof(b)), f->name);
}

void report_fault_reverted(struct report_fault *f, int64_t t_us)
{
	assert(f);
	if (f->n_windows && f->windows[f->n_windows - 1].end_us < 0)
		f->windows[f->n_windows - 1].end_us = t_us;
}

/* A new file next to path under a name no one can have planted:
 * PATH.tmp.XXXXXX with a random suffix, created with O_EXCL|O_NOFOLLOW, so
 * an existing file or a symbolic link there is never opened or followed.
 * Mode 0644 less the umask. Returns the fd, or -errno; *ret_tmp owned. */
static int open_fresh(const char *path, char **ret_tmp)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

	for (int attempt = 0; attempt < 100; attempt++) {
		uint64_t rnd = 0;
		char suffix[7];
		char *tmp;
		int fd;

		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			rnd = (uint64_t)now_usec() * 6364136223846793005u + (uint64_t)attempt;
		for (size_t i = 0; i < 6; i++, rnd /= 62)
			suffix[i] = chars[rnd % 62];
		suffix[6] = '\0';
		tmp = xasprintf("%s.tmp.%s", path, suffix);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0) {
			*ret_tmp = tmp;
			return fd;
		}
		free(tmp);
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int write_file_atomic(const char *path, const char *text, size_t len)
{
	_cleanup_free_ char *tmp = NULL;
	int fd = open_fresh(path, &tmp);
	size_t off = 0;
	int e = 0;

	if (fd < 0)
		return fd;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (!e && fsync(fd) < 0)
		e = -errno;
	if (close(fd) < 0 && !e)
		e = -errno;
	if (!e && rename(tmp, path) < 0)
		e = -errno;
	if (e)
		(void)unlink(tmp);
	return e;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_faults; i++) {
		free(r->faults[i].name);
		free(r->faults[i].type);
		free(r->faults[i].description);
		free(r->faults[i].targets);
		free(r->faults[i].error);
		free(r->faults[i].windows);
		free(r->faults[i].effects);
	}
	for (size_t i = 0; i < r->n_probes; i++) {
		free(r->probes[i].name);
		free(r->probes[i].type);
		free(r->probes[i].reason);
		free(r->probes[i].erebus_error);
		for (size_t j = 0; j < r->probes[i].n_samples; j++)
			free(r->probes[i].samples[j].msg);
		free(r->probes[i].samples);
		free(r->probes[i].outages);
		free(r->probes[i].timeline);
		free(r->probes[i].detects);
		for (int ph = 0; ph < PHASE_COUNT; ph++)
			free(r->probes[i].last_error[ph]);
	}
	report_live_end(r);
	for (size_t i = 0; i < r->n_events; i++) {
		free(r->events[i].kind);
		free(r->events[i].subject);
		free(r->events[i].detail);
	}
	for (size_t i = 0; i < r->n_kinds; i++)
		free(r->kinds[i].kind);
	free(r->kinds);
	for (size_t i = 0; i < r->n_leftovers; i++)
		free(r->leftovers[i]);
	free(r->leftovers);
	free(r->faults);
	free(r->probes);
	free(r->events);
	free(r->experiment);
	free(r->description);
	free(r->file);
	free(r->reason);
	free(r);
}
