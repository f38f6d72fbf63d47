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

#endif
