/* SPDX-License-Identifier: MIT */
/*
 * The figures a run is judged by (src/report/figures.c), as pure
 * arithmetic over its timeline: a probe's samples on their interval grid,
 * and the applications of faults. docs/run.md defines each figure with a
 * drawing; this header says the rules the code follows.
 *
 * Times are microseconds relative to the run's start. An interval [a, b)
 * includes a and excludes b.
 */
#ifndef EREBUS_FIGURES_H
#define EREBUS_FIGURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "erebus/hist.h"
#include "erebus/probe.h"

/*
 * Availability over time. A probe's grid starts at its first sample:
 * slot k is [g0 + k*interval, g0 + (k+1)*interval). Every slot counts
 * once, with the result of the latest sample that started in it or before
 * it (a sample that runs past its slot stands for every slot it covered,
 * until the next sample starts). Slots before the first sample, and after
 * the end of the last one, are unknown and not counted. A slot belongs to
 * a span when its start is in the span.
 */
struct fig_slots {
	unsigned slots;		/* slots counted */
	unsigned up;		/* of which passing */
};
struct fig_slots fig_slots(const struct sample *s, size_t n, int64_t interval_us, int64_t a_us,
			   int64_t b_us);

/* One application of a fault. An instant fault (kill) has end == start. */
struct fig_app {
	unsigned fault;		/* the caller's fault index */
	int64_t start_us;
	int64_t end_us;		/* revert; -1: never reverted */
	bool instant;
};

/*
 * The application in effect at t, or -1: the latest one applied at or
 * before t that is still in effect then. A lasting fault is in effect
 * until its revert; an instant fault from its instant until the next
 * application of any fault (or the end of the run). apps must be sorted
 * by start.
 */
int fig_in_effect(const struct fig_app *apps, size_t n, int64_t t_us);

/*
 * An outage: from the start of a probe's first failed sample to the end
 * of the first of healthy_after consecutive passes after it (the moment
 * the probe was seen healthy again). When a fault was applied while that
 * failed sample was in flight, the outage starts at that application:
 * nothing before it is known to have failed. It belongs to the
 * application in effect when it began (app -1: unattributed).
 */
struct fig_outage {
	int64_t start_us;
	int64_t end_us;		/* -1: still down when the run ended */
	int app;		/* index into the apps, or -1 */
};
/* The outages of samples that start at or after from_us (failures before
 * the steady state are not outages). Returns how many, *ret (caller frees). */
size_t fig_outages(const struct sample *s, size_t n, unsigned healthy_after, int64_t from_us,
		   const struct fig_app *apps, size_t n_apps, struct fig_outage **ret);

/*
 * The effect of one fault on one probe, over its effect window: each of
 * its applications from its start to the next application of any fault,
 * or the end of the run (end_us). -1 where a figure does not apply.
 *  - time to detect: from the application to the start of the first
 *    outage attributed to the fault;
 *  - time to mitigate: the length of the first attributed outage that
 *    ended while its application was still in place (the service healed
 *    itself under the fault; never for an instant fault, which ends at
 *    its instant);
 *  - time to recover: from the end of the application to the end of the
 *    last attributed outage that outlived it; -1 when the probe was
 *    healthy when the fault ended, or never healthy again;
 *  - down: the total length of attributed outages (until end_us if one
 *    never ended).
 */
struct fig_effect {
	int64_t detect_us, mitigate_us, recover_us, down_us;
	unsigned outages;
	bool recovered;		/* no attributed outage still open at the end */
};
struct fig_effect fig_effect(unsigned fault, const struct fig_app *apps, size_t n_apps,
			     const struct fig_outage *o, size_t n_o, int64_t end_us);
/* The effect window of fault as spans [a, b): one per application, in
 * order. Returns how many, *ret (caller frees; pairs a, b). */
size_t fig_effect_spans(unsigned fault, const struct fig_app *apps, size_t n_apps, int64_t end_us,
			int64_t (**ret)[2]);

/*
 * Can a must-pass probe still reach tolerance (0..1) of availability over
 * its impact phase? so_far counts its slots from the first application
 * until now; the impact phase lasts at most max_slots slots (the planned
 * window, the longest recover_within, and the hold). False when even if
 * every slot still to come passed, it would end below tolerance.
 */
bool fig_tolerance_reachable(struct fig_slots so_far, unsigned max_slots, double tolerance);

/* ---- the figures as a stream ---------------------------------------------
 *
 * The same figures, kept as the samples come, in memory that does not grow
 * with the run's length: per probe, counts and a latency histogram
 * (include/erebus/hist.h) per phase and per fault's effect window, the
 * outage state machine and a downsampled timeline. Samples of a probe come
 * in order of start, once each has ended; the spans they are counted in are
 * the run's phase times and its applications so far (a phase or an
 * application that begins later begins after every slot and sample the
 * stream has seen, so a figure never depends on knowing the future). The
 * batch functions above are this stream fed all at once.
 */

/* The run's phase times so far, relative; -1 while not reached. */
struct fig_bounds {
	int64_t window_start, window_end, impact_start;
};

/* The phase spans [a, b) as known, by phase: a phase not reached yet
 * starts at cap, and the last one reached ends at cap (INT64_MAX while
 * the run goes, its end once it ended). */
void fig_phase_spans(const struct fig_bounds *b, int64_t cap, int64_t spans[PHASE_COUNT][2]);
/* The phases a moment t belongs to, as the bit 1 << phase of each: one of
 * before, during and after, and impact from the first application on. */
unsigned fig_phases_at(const struct fig_bounds *b, int64_t t_us);

/* A probe over one span: samples that started in it, slots that start in
 * it, and the latencies of those samples. */
struct fig_acc {
	unsigned samples, failures;
	struct fig_slots slots;
	struct hist lat;
};

/*
 * The timeline the reports draw: buckets of bucket_us from the run's
 * start, at most FIG_TIMELINE_BUCKETS of them. The width starts at the
 * probe's interval and doubles (neighbouring buckets merged) whenever a
 * sample would fall past the last bucket, so its size is fixed whatever
 * the run's length and every bucket covers the same time.
 */
#define FIG_TIMELINE_BUCKETS 512
struct fig_bucket {
	uint32_t samples, failures;	/* started in the bucket */
	int64_t sum_us, max_us;		/* of their latencies; max -1 when empty */
};
struct fig_timeline {
	int64_t bucket_us;	/* 0 until the first sample */
	uint32_t n;		/* buckets from the start up to the last one used */
	struct fig_bucket b[FIG_TIMELINE_BUCKETS];
};
/* A bucket's mean latency, rounded to the microsecond (as the report
 * writes it, so that a report read back draws the same); -1 if empty. */
static inline int64_t fig_bucket_mean(const struct fig_bucket *b)
{
	return b->samples ? (b->sum_us + b->samples / 2) / b->samples : -1;
}
/* Count a sample started at t_us (negative: at 0) in tl, whose first
 * width is first_us (at least 1ms). */
void fig_timeline_add(struct fig_timeline *tl, int64_t first_us, int64_t t_us, int64_t latency_us, bool ok);

/* Outages a stream keeps for the report (it counts them all). */
#define FIG_OUTAGES_KEPT 1000

struct fig_stream {
	int64_t interval_us;
	unsigned healthy_after;
	size_t n_faults;
	struct fig_acc phase[PHASE_COUNT];	/* IMPACT: from the first application on */
	struct fig_acc *effect;		/* per fault: over its effect window */
	struct fig_effect *eff;		/* per fault: its outages' figures */
	int64_t detect_us, recover_us;	/* the probe's (see report_probe) */
	/* the grid: the latest sample, whose slots wait for the next one */
	bool have_prev;
	int64_t g0;
	struct sample prev;		/* msg unused */
	/* the outages: the first FIG_OUTAGES_KEPT, how many in all, the open one */
	struct fig_outage *outages;
	size_t n_outages, cap_outages;
	uint64_t outages_total;
	struct fig_outage open;		/* open.start_us -1: none */
	unsigned streak;
	int64_t healed;
	struct fig_timeline tl;
};
void fig_stream_init(struct fig_stream *s, int64_t interval_us, unsigned healthy_after, size_t n_faults);
/* Count sample x (ended, and later than every one before), with the
 * run's phase times and applications (sorted by start) so far. */
void fig_stream_add(struct fig_stream *s, const struct fig_bounds *b, const struct fig_app *apps, size_t n_apps,
		    const struct sample *x);
/* The run ended at end_us: count the last sample's slots and close the
 * figures of an outage still open. Call once. */
void fig_stream_end(struct fig_stream *s, const struct fig_bounds *b, const struct fig_app *apps, size_t n_apps,
		    int64_t end_us);
/* The impact phase's slots so far, the latest sample's counted as if it
 * were the last (the brakes judge on this). */
struct fig_slots fig_stream_impact_so_far(const struct fig_stream *s, const struct fig_bounds *b);
void fig_stream_free(struct fig_stream *s);

#endif
