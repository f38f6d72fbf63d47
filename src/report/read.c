/* SPDX-License-Identifier: MIT */
/*
 * A saved JSON report back into struct report, for `erebus report` and
 * `erebus gate`. Every field report_render_json() writes is checked for
 * its type and range; unknown fields are ignored (the schema only grows);
 * fields added within a version (samples, fault windows) may be absent.
 * Both erebus.report/2 and /1 are read: a /1 report has r->schema 1, no
 * impact phase (availability NAN), no slots, effects or outages, and its
 * availability is a share of samples. Errors name the field by its path:
 * probes[1].phases.after.p95.
 */
#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <time.h>

#include "erebus/json.h"
#include "erebus/report.h"
#include "rd.h"

static int read_target(struct rd *rd, const struct json *o, void *dst)
{
	struct report_target *t = dst;
	const struct json *v;
	uint64_t pid;

	if (rd_get_uint(rd, o, "pid", INT32_MAX, &pid) < 0 || rd_want(rd, o, "comm", T(JSON_STRING), &v) < 0)
		return -EINVAL;
	if (v->len >= sizeof(t->comm))
		return rd_bad(rd, "comm", "longer than %zu bytes", sizeof(t->comm) - 1);
	t->pid = (pid_t)pid;
	memcpy(t->comm, v->text, v->len + 1);
	return 0;
}


static int read_window(struct rd *rd, const struct json *o, void *dst)
{
	struct report_window *w = dst;
	if (rd_get_ms(rd, o, "start_ms", false, &w->start_us) < 0 || rd_get_ms(rd, o, "end_ms", true, &w->end_us) < 0 ||
	    rd_get_ms_added(rd, o, "due_ms", &w->due_us) < 0)
		return -EINVAL;
	if (w->end_us >= 0 && w->end_us < w->start_us)
		return rd_bad(rd, "end_ms", "before start_ms");
	return 0;
}

static int read_phase(struct rd *rd, const struct json *o, struct report_phase *p);

/* faults[].effects[]: in the order of probes, each naming its probe. */
static int read_effect(struct rd *rd, const struct json *o, void *dst)
{
	struct report_effect *e = dst;
	const struct json *probe, *w;
	size_t i = rd->path[rd->depth - 1].idx;

	if (rd_want(rd, o, "probe", T(JSON_STRING), &probe) < 0 ||
	    rd_get_ms(rd, o, "time_to_detect_ms", true, &e->detect_us) < 0 ||
	    rd_get_ms(rd, o, "time_to_mitigate_ms", true, &e->mitigate_us) < 0 ||
	    rd_get_ms(rd, o, "time_to_recover_ms", true, &e->recover_us) < 0 ||
	    rd_get_ms(rd, o, "down_ms", false, &e->down_us) < 0 || rd_get_unsigned(rd, o, "outages", &e->outages) < 0 ||
	    rd_want(rd, o, "window", T(JSON_OBJECT), &w) < 0)
		return -EINVAL;
	if (i >= rd->r->n_probes || strcmp(probe->text, rd->r->probes[i].name))
		return rd_bad(rd, "probe", "\"%.40s\" is not probes[%zu]", probe->text, i);
	if (rd_get_ms_added(rd, o, "time_to_alert_ms", &e->alert_us) < 0 ||
	    rd_get_ms_added(rd, o, "time_to_clear_ms", &e->clear_us) < 0)
		return -EINVAL;
	rd_push_key(rd, "window");
	if (read_phase(rd, w, &e->span) < 0)
		return -EINVAL;
	rd_pop(rd);
	return 0;
}

/* probes[].outages[]: the fault by name, or null. */
static int read_outage(struct rd *rd, const struct json *o, void *dst)
{
	struct report_outage *out = dst;
	char *fault = NULL;

	if (rd_get_ms(rd, o, "start_ms", false, &out->start_us) < 0 || rd_get_ms(rd, o, "end_ms", true, &out->end_us) < 0 ||
	    rd_get_str(rd, o, "fault", true, &fault) < 0)
		return -EINVAL;
	out->fault = -1;
	for (size_t i = 0; fault && i < rd->r->n_faults; i++)
		if (!strcmp(rd->r->faults[i].name, fault))
			out->fault = (int)i;
	if (fault && out->fault < 0) {
		rd_bad(rd, "fault", "\"%.40s\" is no fault of this report", fault);
		free(fault);
		return -EINVAL;
	}
	free(fault);
	return 0;
}

static int read_fault(struct rd *rd, const struct json *o, void *dst)
{
	struct report_fault *f = dst;

	f->applied_at_us = f->reverted_at_us = -1;
	if (rd_get_str(rd, o, "name", false, &f->name) < 0 || rd_get_str(rd, o, "type", false, &f->type) < 0 ||
	    rd_get_str(rd, o, "description", false, &f->description) < 0 ||
	    rd_get_unsigned(rd, o, "applications", &f->applications) < 0 ||
	    (json_get(o, "missed") && rd_get_unsigned(rd, o, "missed", &f->missed) < 0) ||
	    rd_get_ms(rd, o, "applied_at_ms", true, &f->applied_at_us) < 0 ||
	    rd_get_ms(rd, o, "reverted_at_ms", true, &f->reverted_at_us) < 0 ||
	    rd_get_str(rd, o, "error", true, &f->error) < 0 ||
	    rd_read_array(rd, o, "targets", false, sizeof(*f->targets), read_target, &f->targets,
		       &f->n_targets) < 0 ||
	    rd_read_array(rd, o, "windows", true, sizeof(*f->windows), read_window, &f->windows,
		       &f->n_windows) < 0)
		return -EINVAL;
	f->cap_windows = f->n_windows + (f->windows != NULL);
	if (rd->schema < 2)
		return 0;
	{
		const struct json *instant;
		size_t n = 0;

		if (rd_want(rd, o, "instant", T(JSON_BOOL), &instant) < 0 ||
		    rd_read_array(rd, o, "effects", false, sizeof(*f->effects), read_effect, &f->effects, &n) < 0)
			return -EINVAL;
		f->instant = instant->boolean;
		if (n && n != rd->r->n_probes)	/* none: the run stopped before any figure */
			return rd_bad(rd, "effects", "%zu entries for %zu probes", n, rd->r->n_probes);
		if (!n) {
			free(f->effects);
			f->effects = NULL;
		}
	}
	return 0;
}

static int read_phase(struct rd *rd, const struct json *o, struct report_phase *p)
{
	const struct json *lat;

	if (rd_get_unsigned(rd, o, "samples", &p->samples) < 0 || rd_get_unsigned(rd, o, "failures", &p->failures) < 0 ||
	    (rd->schema >= 2 && rd_get_unsigned(rd, o, "slots", &p->slots) < 0) ||
	    rd_get_ratio(rd, o, "availability", true, &p->availability) < 0 ||
	    rd_want(rd, o, "latency_ms", T(JSON_OBJECT), &lat) < 0)
		return -EINVAL;
	if (p->failures > p->samples)
		return rd_bad(rd, "failures", "more failures (%u) than samples (%u)", p->failures, p->samples);
	/* a share is known exactly when there is something to share: null
	 * beside slots (or, /1, samples) would let a gate compare NaN */
	if (isnan(p->availability) != !(rd->schema >= 2 ? p->slots : p->samples))
		return rd_bad(rd, "availability", isnan(p->availability) ? "null, but %u %s were counted" :
			   "a share of nothing (%u %s)", rd->schema >= 2 ? p->slots : p->samples,
			   rd->schema >= 2 ? "slots" : "samples");
	rd_push_key(rd, "latency_ms");
	if (rd_get_ms(rd, lat, "p50", true, &p->p50) < 0 || rd_get_ms(rd, lat, "p95", true, &p->p95) < 0 ||
	    rd_get_ms(rd, lat, "p99", true, &p->p99) < 0 || rd_get_ms(rd, lat, "max", true, &p->max) < 0 ||
	    (rd->schema >= 3 && rd_get_ms(rd, lat, "sum", true, &p->sum) < 0))
		return -EINVAL;
	if (rd->schema < 3)
		p->sum = -1;	/* summed from the samples, by derive_from_samples() */
	rd_pop(rd);
	return 0;
}

/* "expect", and a detector's "detect_within_ms", "clear_within_ms" and
 * "detects" (fault names); absent before /3: not a detector. */
static int read_detector(struct rd *rd, const struct json *o, struct report_probe *p)
{
	const struct json *expect, *detects;

	p->detect_within_us = p->clear_within_us = -1;
	if (rd_want(rd, o, "expect", T(JSON_STRING) | OPTIONAL, &expect) < 0)
		return -EINVAL;
	if (!expect || !strcmp(expect->text, "healthy"))
		return 0;
	if (strcmp(expect->text, "detect"))
		return rd_bad(rd, "expect", "expected healthy or detect, not \"%.40s\"", expect->text);
	p->detector = true;
	if (rd_get_ms(rd, o, "detect_within_ms", false, &p->detect_within_us) < 0 ||
	    rd_get_ms(rd, o, "clear_within_ms", false, &p->clear_within_us) < 0 ||
	    rd_want(rd, o, "detects", T(JSON_ARRAY), &detects) < 0)
		return -EINVAL;
	p->detects = xcalloc(rd->r->n_faults + 1, sizeof(*p->detects));
	rd_push_key(rd, "detects");
	for (size_t i = 0; i < detects->n; i++) {
		size_t f;
		rd_push_idx(rd, i);
		if (detects->items[i].type != JSON_STRING)
			return rd_bad(rd, NULL, "expected a fault's name");
		for (f = 0; f < rd->r->n_faults && strcmp(rd->r->faults[f].name, detects->items[i].text); f++)
			;
		if (f == rd->r->n_faults)
			return rd_bad(rd, NULL, "\"%.40s\" is no fault of this report", detects->items[i].text);
		p->detects[f] = true;
		rd_pop(rd);
	}
	rd_pop(rd);
	return 0;
}



/* One bucket [k, samples, failures, mean_ms, max_ms] of a timeline, after
 * bucket prev (-1: none). */
static int read_bucket(struct rd *rd, const struct json *a, int64_t prev, struct fig_timeline *tl)
{
	uint64_t k, n, f;
	double mean, max;

	if (a->type != JSON_ARRAY || a->n != 5)
		return rd_bad(rd, NULL, "expected [index, samples, failures, mean_ms, max_ms]");
	for (size_t i = 0; i < 5; i++)
		if (a->items[i].type != JSON_NUMBER)
			return rd_bad(rd, NULL, "expected numbers, not %s", json_type_name(a->items[i].type));
	if (json_uint64(&a->items[0], &k) < 0 || json_uint64(&a->items[1], &n) < 0 ||
	    json_uint64(&a->items[2], &f) < 0)
		return rd_bad(rd, NULL, "index, samples and failures are whole numbers");
	mean = a->items[3].number;
	max = a->items[4].number;
	if ((int64_t)k <= prev || k >= FIG_TIMELINE_BUCKETS)
		return rd_bad(rd, NULL, "bucket %llu out of order, or past the %d a timeline has",
			   (unsigned long long)k, FIG_TIMELINE_BUCKETS);
	if (!n || n > UINT32_MAX || f > n)
		return rd_bad(rd, NULL, "%llu failures of %llu samples", (unsigned long long)f, (unsigned long long)n);
	if (!(mean >= 0 && mean <= max && max <= 1e13 && mean * 1000.0 * (double)n < 9e18))
		return rd_bad(rd, NULL, "mean %g ms and max %g ms out of range", mean, max);
	for (; tl->n < k; tl->n++)
		tl->b[tl->n] = (struct fig_bucket){ .max_us = -1 };
	tl->b[tl->n++] = (struct fig_bucket){ (uint32_t)n, (uint32_t)f, llround(mean * 1000.0) * (int64_t)n,
					      llround(max * 1000.0) };
	return 0;
}

/* "timeline": {"bucket_ms": W, "buckets": [...]} or null. */
static int read_timeline(struct rd *rd, const struct json *o, struct report_probe *p)
{
	const struct json *t, *buckets;
	int64_t width;

	if (rd_want(rd, o, "timeline", T(JSON_OBJECT) | T(JSON_NULL), &t) < 0)
		return -EINVAL;
	if (t->type == JSON_NULL)
		return 0;
	rd_push_key(rd, "timeline");
	if (rd_get_ms(rd, t, "bucket_ms", false, &width) < 0 || rd_want(rd, t, "buckets", T(JSON_ARRAY), &buckets) < 0)
		return -EINVAL;
	if (width < USEC_PER_MSEC)
		return rd_bad(rd, "bucket_ms", "less than 1 ms");
	p->timeline = xcalloc(1, sizeof(*p->timeline));
	p->timeline->bucket_us = width;
	rd_push_key(rd, "buckets");
	for (size_t i = 0; i < buckets->n; i++) {
		rd_push_idx(rd, i);
		if (read_bucket(rd, &buckets->items[i], (int64_t)p->timeline->n - 1, p->timeline) < 0)
			return -EINVAL;
		rd_pop(rd);
	}
	rd_pop(rd);
	rd_pop(rd);
	return 0;
}

/* A report from before /3 lists every sample: the timeline, the last
 * errors and the outage count a /3 report would have, from them. */
static void derive_from_samples(const struct report *r, struct report_probe *p)
{
	int64_t spans[PHASE_COUNT][2];

	p->outages_total = p->n_outages;
	for (int ph = 0; ph < PHASE_COUNT; ph++) {
		report_phase_span(r, ph, &spans[ph][0], &spans[ph][1]);
		p->phases[ph].sum = r->schema < 2 && ph == PHASE_IMPACT ? -1 : 0;
	}
	for (size_t i = 0; i < p->n_samples; i++) {
		const struct sample *s = &p->samples[i];

		for (int ph = 0; ph < PHASE_COUNT; ph++)	/* /1 counted samples by their tag, /2 by their start */
			if (r->schema < 2 ? s->phase == ph : s->t_us >= spans[ph][0] && s->t_us < spans[ph][1])
				p->phases[ph].sum += s->latency_us;

		if (!p->timeline)
			p->timeline = xcalloc(1, sizeof(*p->timeline));
		fig_timeline_add(p->timeline, p->interval_us, s->t_us, s->latency_us, s->ok);
		if (s->ok)
			continue;
		if (s->phase < PHASE_IMPACT) {
			free(p->last_error[s->phase]);
			p->last_error[s->phase] = xstrdup(s->msg ? s->msg : "failed");
		}
		if (r->impact_start_us >= 0 && s->t_us >= r->impact_start_us) {
			free(p->last_error[PHASE_IMPACT]);
			p->last_error[PHASE_IMPACT] = xstrdup(s->msg ? s->msg : "failed");
		}
	}
}

static int read_sample(struct rd *rd, const struct json *o, void *dst)
{
	struct sample *s = dst;
	const struct json *ok, *ph;

	if (rd_get_ms(rd, o, "t_ms", false, &s->t_us) < 0 || rd_get_ms(rd, o, "latency_ms", false, &s->latency_us) < 0 ||
	    rd_want(rd, o, "ok", T(JSON_BOOL), &ok) < 0 || rd_want(rd, o, "phase", T(JSON_STRING), &ph) < 0 ||
	    rd_get_str(rd, o, "error", true, &s->msg) < 0)
		return -EINVAL;
	s->ok = ok->boolean;
	for (int i = 0; i < PHASE_IMPACT; i++)	/* no sample is tagged impact */
		if (!strcmp(ph->text, phase_keys[i])) {
			s->phase = (uint8_t)i;
			return 0;
		}
	return rd_bad(rd, "phase", "expected before, during or after, not \"%.40s\"", ph->text);
}

/* "lag_ms" and "slots" of a probe: both objects, or both null or absent
 * (a report written before them: has_grid false). */
static int read_grid(struct rd *rd, const struct json *o, struct report_probe *p)
{
	const struct json *lag, *slots, *share;
	uint64_t sum;

	p->lag_p50_us = p->lag_p99_us = p->lag_max_us = -1;
	if (rd_want(rd, o, "lag_ms", T(JSON_OBJECT) | T(JSON_NULL) | OPTIONAL, &lag) < 0 ||
	    rd_want(rd, o, "slots", T(JSON_OBJECT) | T(JSON_NULL) | OPTIONAL, &slots) < 0)
		return -EINVAL;
	if ((lag && lag->type == JSON_OBJECT) != (slots && slots->type == JSON_OBJECT))
		return rd_bad(rd, lag && lag->type == JSON_OBJECT ? "slots" : "lag_ms",
			   "null or missing, but %s is not", lag && lag->type == JSON_OBJECT ? "lag_ms" : "slots");
	if (!lag || lag->type != JSON_OBJECT)
		return 0;
	p->has_grid = true;
	rd_push_key(rd, "lag_ms");
	if (rd_get_ms(rd, lag, "p50", true, &p->lag_p50_us) < 0 || rd_get_ms(rd, lag, "p99", true, &p->lag_p99_us) < 0 ||
	    rd_get_ms(rd, lag, "max", true, &p->lag_max_us) < 0)
		return -EINVAL;
	rd_pop(rd);
	rd_push_key(rd, "slots");
	if (rd_get_uint(rd, slots, "due", UINT64_MAX / 4, &p->slots_due) < 0 ||
	    rd_get_uint(rd, slots, "sampled", UINT64_MAX / 4, &p->slots_sampled) < 0 ||
	    rd_get_uint(rd, slots, "busy", UINT64_MAX / 4, &p->slots_busy) < 0 ||
	    rd_get_uint(rd, slots, "late", UINT64_MAX / 4, &p->slots_late) < 0 ||
	    rd_get_number(rd, slots, "share", true, &share) < 0)
		return -EINVAL;
	sum = p->slots_sampled + p->slots_busy + p->slots_late;
	if (sum > p->slots_due)
		return rd_bad(rd, "due", "%llu, fewer than sampled, busy and late together (%llu)",
			   (unsigned long long)p->slots_due, (unsigned long long)sum);
	if (!share != !p->slots_due)
		return rd_bad(rd, "share", share ? "a share of no slot" : "null, but %llu slots were due",
			   (unsigned long long)p->slots_due);
	if (share && (share->number < 0 || share->number > 1))
		return rd_bad(rd, "share", "expected a share from 0 to 1, not %s", share->text);
	rd_pop(rd);
	return 0;
}

/* "erebus_errors" and "erebus_error", absent in reports written before them. */
static int read_erebus_errors(struct rd *rd, const struct json *o, struct report_probe *p)
{
	const struct json *v;

	if (rd_want(rd, o, "erebus_errors", T(JSON_NUMBER) | OPTIONAL, &v) < 0)
		return -EINVAL;
	if (!v)
		return 0;
	if (rd_get_unsigned(rd, o, "erebus_errors", &p->erebus_errors) < 0)
		return -EINVAL;
	return rd_get_str(rd, o, "erebus_error", true, &p->erebus_error);
}

static int read_probe(struct rd *rd, const struct json *o, void *dst)
{
	struct report_probe *p = dst;
	const struct json *during, *phases;
	double tolerance;

	if (rd_get_str(rd, o, "name", false, &p->name) < 0 || rd_get_str(rd, o, "type", false, &p->type) < 0 ||
	    rd_get_verdict(rd, o, "verdict", &p->verdict) < 0 || rd_get_str(rd, o, "reason", true, &p->reason) < 0 ||
	    rd_want(rd, o, "during", T(JSON_STRING), &during) < 0 ||
	    rd_get_ratio(rd, o, "tolerance", false, &tolerance) < 0 ||
	    rd_get_ms(rd, o, "recover_within_ms", false, &p->recover_within_us) < 0 ||
	    rd_get_ms(rd, o, "time_to_detect_ms", true, &p->time_to_detect_us) < 0 ||
	    rd_get_ms(rd, o, "time_to_recover_ms", true, &p->time_to_recover_us) < 0 ||
	    rd_want(rd, o, "phases", T(JSON_OBJECT), &phases) < 0)
		return -EINVAL;
	if (!strcmp(during->text, "must-pass"))
		p->during = DURING_MUST_PASS;
	else if (!strcmp(during->text, "may-fail"))
		p->during = DURING_MAY_FAIL;
	else
		return rd_bad(rd, "during", "expected must-pass or may-fail, not \"%.40s\"", during->text);
	p->tolerance = tolerance * 100.0;
	p->halt_us = -1;
	if (rd->schema >= 2 &&
	    (rd_get_ms(rd, o, "interval_ms", false, &p->interval_us) < 0 ||
	     rd_get_unsigned(rd, o, "healthy_after", &p->healthy_after) < 0 ||
	     rd_get_ms(rd, o, "halt_ms", true, &p->halt_us) < 0 || rd_get_unsigned(rd, o, "relapses", &p->relapses) < 0 ||
	     rd_read_array(rd, o, "outages", false, sizeof(*p->outages), read_outage, &p->outages, &p->n_outages) < 0 ||
	     read_grid(rd, o, p) < 0 || read_erebus_errors(rd, o, p) < 0))
		return -EINVAL;
	rd_push_key(rd, "phases");
	for (int ph = 0; ph < PHASE_COUNT; ph++) {
		const struct json *v;
		if (ph == PHASE_IMPACT && rd->schema < 2) {	/* /1 had no impact phase */
			p->phases[ph] = (struct report_phase){ .availability = NAN, .p50 = -1, .p95 = -1,
							       .p99 = -1, .max = -1 };
			continue;
		}
		if (rd_want(rd, phases, phase_keys[ph], T(JSON_OBJECT), &v) < 0)
			return -EINVAL;
		rd_push_key(rd, phase_keys[ph]);
		if (read_phase(rd, v, &p->phases[ph]) < 0 ||
		    (rd->schema >= 3 && rd_get_str_added(rd, v, "last_error", &p->last_error[ph]) < 0))
			return -EINVAL;
		rd_pop(rd);
	}
	rd_pop(rd);
	if (rd_read_array(rd, o, "samples", true, sizeof(*p->samples), read_sample, &p->samples, &p->n_samples) < 0)
		return -EINVAL;
	if (json_get(o, "samples"))
		rd->samples = true;
	if (read_detector(rd, o, p) < 0)
		return -EINVAL;
	if (rd->schema < 3) {	/* every sample is there: what /3 keeps of them */
		derive_from_samples(rd->r, p);
		return 0;
	}
	if (p->n_outages > FIG_OUTAGES_KEPT)
		return rd_bad(rd, "outages", "%zu entries, more than the %d a run keeps", p->n_outages, FIG_OUTAGES_KEPT);
	if (rd_get_uint(rd, o, "outages_total", UINT64_MAX, &p->outages_total) < 0 ||
	    rd_get_uint_added(rd, o, "samples_dropped", &p->samples_dropped) < 0 || read_timeline(rd, o, p) < 0)
		return -EINVAL;
	if (p->outages_total < p->n_outages)
		return rd_bad(rd, "outages_total", "%llu, fewer than the %zu outages listed",
			   (unsigned long long)p->outages_total, p->n_outages);
	return 0;
}

static int read_event(struct rd *rd, const struct json *o, void *dst)
{
	struct report_event *e = dst;
	if (rd_get_ms(rd, o, "t_ms", false, &e->t_us) < 0 || rd_get_str(rd, o, "kind", false, &e->kind) < 0 ||
	    rd_get_str(rd, o, "subject", true, &e->subject) < 0 || rd_get_str(rd, o, "detail", false, &e->detail) < 0)
		return -EINVAL;
	return 0;
}

/* "cleanup": {"checked": bool, "complete": bool, "leftovers": [string]};
 * absent in reports written before the cleanup check. */
static int read_cleanup(struct rd *rd, const struct json *o, struct report *r)
{
	const struct json *c, *checked, *complete, *left;

	if (rd_want(rd, o, "cleanup", T(JSON_OBJECT) | OPTIONAL, &c) < 0 || !c)
		return rd->err ? -EINVAL : 0;
	rd_push_key(rd, "cleanup");
	if (rd_want(rd, c, "checked", T(JSON_BOOL), &checked) < 0 || rd_want(rd, c, "complete", T(JSON_BOOL), &complete) < 0 ||
	    rd_want(rd, c, "leftovers", T(JSON_ARRAY), &left) < 0)
		return -EINVAL;
	r->cleanup_checked = checked->boolean;
	r->leftovers = xcalloc(left->n + 1, sizeof(*r->leftovers));
	rd_push_key(rd, "leftovers");
	for (size_t i = 0; i < left->n; i++) {
		if (left->items[i].type != JSON_STRING) {
			rd_push_idx(rd, i);
			return rd_bad(rd, NULL, "expected a string, not %s", json_type_name(left->items[i].type));
		}
		r->leftovers[r->n_leftovers++] = xstrdup(left->items[i].text);
	}
	rd_pop(rd);
	if (complete->boolean != !r->n_leftovers)
		return rd_bad(rd, "complete", "%s, but %zu leftovers are listed", complete->boolean ? "true" : "false",
			   r->n_leftovers);
	rd_pop(rd);
	return 0;
}

static int read_probe(struct rd *rd, const struct json *o, void *dst);

/* Faults name probes (their effects) and probes name faults (outages):
 * read the probes' names, then the faults, then the probes. */
static int read_probes_then_faults(struct rd *rd, const struct json *o, struct report *r)
{
	const struct json *probes, *faults;

	if (rd_want(rd, o, "probes", T(JSON_ARRAY), &probes) < 0 || rd_want(rd, o, "faults", T(JSON_ARRAY), &faults) < 0)
		return -EINVAL;
	r->probes = xcalloc(probes->n + 1, sizeof(*r->probes));
	for (size_t i = 0; i < probes->n; i++) {
		const struct json *name = probes->items[i].type == JSON_OBJECT ? json_get(&probes->items[i], "name") : NULL;
		r->probes[i].name = xstrdup(name && name->type == JSON_STRING ? name->text : "");
	}
	r->n_probes = probes->n;
	if (rd_read_array(rd, o, "faults", false, sizeof(*r->faults), read_fault, &r->faults, &r->n_faults) < 0)
		return -EINVAL;
	for (size_t i = 0; i < r->n_probes; i++)
		free(r->probes[i].name);
	free(r->probes);
	r->probes = NULL;
	r->n_probes = 0;
	return rd_read_array(rd, o, "probes", false, sizeof(*r->probes), read_probe, &r->probes, &r->n_probes);
}

/* "erebus_usage": {...} or null, absent before /3. */
static int read_usage(struct rd *rd, const struct json *o, struct report_usage *u)
{
	const struct json *v, *st;
	uint64_t steady = 0, max = 0;

	*u = (struct report_usage){ -1, -1, -1, -1 };
	if (rd_want(rd, o, "erebus_usage", T(JSON_OBJECT) | T(JSON_NULL) | OPTIONAL, &v) < 0 || !v ||
	    v->type == JSON_NULL)
		return rd->err ? -EINVAL : 0;
	rd_push_key(rd, "erebus_usage");
	if (rd_want(rd, v, "rss_at_steady_kib", T(JSON_NUMBER) | T(JSON_NULL), &st) < 0 ||
	    (st->type == JSON_NUMBER && rd_get_uint(rd, v, "rss_at_steady_kib", INT64_MAX, &steady) < 0) ||
	    rd_get_uint(rd, v, "max_rss_kib", INT64_MAX, &max) < 0 ||
	    rd_get_ms(rd, v, "cpu_user_ms", true, &u->cpu_user_us) < 0 ||
	    rd_get_ms(rd, v, "cpu_system_ms", true, &u->cpu_system_us) < 0)
		return -EINVAL;
	rd_pop(rd);
	u->rss_steady_kib = st->type == JSON_NULL ? -1 : (int64_t)steady;
	u->rss_max_kib = (int64_t)max;
	return 0;
}

/* "events_dropped": {"kind": count}, absent before /3; and the kinds of
 * the events kept, so that a report read back counts as it was written. */
static int read_events_dropped(struct rd *rd, const struct json *o, struct report *r)
{
	const struct json *d;

	for (size_t i = 0; i < r->n_events; i++)
		(void)report_count_kind(r, r->events[i].kind, true);
	if (rd_want(rd, o, "events_dropped", T(JSON_OBJECT) | OPTIONAL, &d) < 0 || !d)
		return rd->err ? -EINVAL : 0;
	rd_push_key(rd, "events_dropped");
	for (size_t i = 0; i < d->n; i++) {
		uint64_t n;

		if (rd_get_uint(rd, d, d->members[i].key, UINT64_MAX, &n) < 0)
			return -EINVAL;
		(void)report_count_kind(r, d->members[i].key, false);	/* the kind's entry; its count: */
		for (size_t j = 0; j < r->n_kinds; j++)
			if (!strcmp(r->kinds[j].kind, d->members[i].key))
				r->kinds[j].dropped = n;
	}
	rd_pop(rd);
	return 0;
}

static int read_report(struct rd *rd, const struct json *o, struct report *r)
{
	const struct json *schema, *window;
	int64_t duration, finished;
	uint64_t exit_code;

	if (o->type != JSON_OBJECT)
		return rd_bad(rd, NULL, "expected an object, not %s", json_type_name(o->type));
	if (rd_want(rd, o, "schema", T(JSON_STRING), &schema) < 0)
		return -EINVAL;
	if (!strcmp(schema->text, REPORT_SCHEMA))
		rd->schema = 3;
	else if (!strcmp(schema->text, REPORT_SCHEMA_V2))
		rd->schema = 2;
	else if (!strcmp(schema->text, REPORT_SCHEMA_V1))
		rd->schema = 1;
	else
		return rd_bad(rd, "schema", "\"%.40s\" is not a schema this erebus reads (" REPORT_SCHEMA ", "
			   REPORT_SCHEMA_V2 " or " REPORT_SCHEMA_V1 ")", schema->text);
	r->schema = rd->schema;
	rd->r = r;
	r->steady_at_us = r->window_start_us = r->window_end_us = r->recovered_at_us = -1;
	r->impact_start_us = r->ended_us = r->halted_at_us = r->hold_us = -1;
	if (rd_get_str(rd, o, "experiment", false, &r->experiment) < 0 ||
	    rd_get_str(rd, o, "description", true, &r->description) < 0 ||
	    rd_get_str(rd, o, "file", false, &r->file) < 0 || rd_get_uint(rd, o, "seed", UINT64_MAX, &r->seed) < 0 ||
	    rd_get_time(rd, o, "started_at", &r->started_at) < 0 || rd_get_time(rd, o, "finished_at", &finished) < 0 ||
	    rd_get_ms(rd, o, "duration_ms", false, &duration) < 0 || rd_get_verdict(rd, o, "verdict", &r->verdict) < 0 ||
	    rd_get_uint(rd, o, "exit_code", 255, &exit_code) < 0 || rd_get_str(rd, o, "reason", true, &r->reason) < 0 ||
	    rd_get_ms(rd, o, "steady_state_at_ms", true, &r->steady_at_us) < 0 ||
	    rd_want(rd, o, "fault_window", T(JSON_OBJECT), &window) < 0 ||
	    rd_get_ms(rd, o, "recovered_at_ms", true, &r->recovered_at_us) < 0)
		return -EINVAL;
	if ((int)exit_code != verdict_exit_code(r->verdict))
		return rd_bad(rd, "exit_code", "%d does not go with verdict %s (%d)", (int)exit_code,
			   verdict_name(r->verdict), verdict_exit_code(r->verdict));
	/* finished_at has milliseconds only; duration_ms keeps microseconds. */
	r->finished_at = r->started_at + duration;
	rd_push_key(rd, "fault_window");
	if (rd_get_ms(rd, window, "start_ms", true, &r->window_start_us) < 0 ||
	    rd_get_ms(rd, window, "end_ms", true, &r->window_end_us) < 0)
		return -EINVAL;
	rd_pop(rd);
	if (rd->schema >= 2 &&
	    (rd_get_ms(rd, o, "impact_start_ms", true, &r->impact_start_us) < 0 ||
	     rd_get_ms(rd, o, "ended_ms", true, &r->ended_us) < 0 ||
	     rd_get_ms(rd, o, "halted_at_ms", true, &r->halted_at_us) < 0 ||
	     rd_get_ms(rd, o, "hold_ms", false, &r->hold_us) < 0))
		return -EINVAL;
	/* Probes first: a fault's effects name them, and outages name faults
	 * (read after the faults, below). */
	if (read_cleanup(rd, o, r) < 0 || read_probes_then_faults(rd, o, r) < 0 ||
	    rd_read_array(rd, o, "events", false, sizeof(*r->events), read_event, &r->events, &r->n_events) < 0)
		return -EINVAL;
	r->cap_events = r->n_events + 1;
	r->samples_kept = rd->samples;
	if (read_usage(rd, o, &r->usage) < 0)
		return -EINVAL;
	return read_events_dropped(rd, o, r);
}

int report_from_json(const char *text, size_t len, struct report **ret, char **ret_err)
{
	struct json *j = NULL;
	struct rd rd = { 0 };
	struct report *r;
	char *err = NULL;
	int e;

	assert((text || !len) && ret && ret_err);
	e = json_parse(text, len, NULL, &j, &err);
	if (e < 0) {
		*ret_err = xasprintf("not valid JSON: %s", err);
		free(err);
		return -EINVAL;
	}
	r = xcalloc(1, sizeof(*r));
	if (read_report(&rd, j, r) < 0) {
		json_free(j);
		report_free(r);
		*ret_err = rd.err;
		return -EINVAL;
	}
	json_free(j);
	*ret = r;
	return 0;
}

int report_load(const char *path, struct report **ret, char **ret_err)
{
	_cleanup_free_ char *text = NULL, *err = NULL;
	ssize_t n = read_file_max(path, REPORT_MAX_BYTES + 1, &text);
	int r;

	if (n < 0) {
		*ret_err = xasprintf("%s: %s", path, strerror((int)-n));
		return (int)n;
	}
	if ((size_t)n > REPORT_MAX_BYTES) {
		*ret_err = xasprintf("%s: larger than %u MiB, the most Erebus reads back (its reports stay under it: "
				     "about 120 KiB a probe, %d events of a kind, %d samples kept in all with "
				     "--samples, and 60 bytes for each application of a fault)", path,
				     REPORT_MAX_BYTES >> 20, REPORT_EVENTS_PER_KIND, REPORT_SAMPLES_TOTAL);
		return -EFBIG;
	}
	r = report_from_json(text, (size_t)n, ret, &err);
	if (r < 0)
		*ret_err = xasprintf("%s: %s", path, err);
	return r;
}
