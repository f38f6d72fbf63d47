/* SPDX-License-Identifier: MIT */
/*
 * `erebus gate`: CI's decision over saved reports. Every report must have
 * passed and meet the thresholds; with a baseline report, no probe's time
 * to recover or p95 latency in the fault window may have grown by more
 * than the allowed share. Pointer arguments must not be NULL (in may be
 * when n is 0).
 */
#ifndef EREBUS_GATE_H
#define EREBUS_GATE_H

#include "erebus/report.h"

struct gate_opts {
	int64_t max_recovery_us;	/* -1: no limit */
	double min_availability;	/* percent 0..100 in the fault window; < 0: no limit */
	const struct report *baseline;	/* NULL: no comparison */
	const char *baseline_file;
	double max_regression;		/* percent growth allowed against the baseline */
	int64_t regression_floor_us;	/* a change smaller than this is never a regression */
};

/* One report to judge: the file it came from, for messages. */
struct gate_input {
	const char *file;
	const struct report *report;
};

/*
 * Judge each report against o. Writes one line per breach to out
 * ("r.json: checkout: health: time to recover 1.20s is over --max-recovery
 * 1.00s") and, with a baseline, a comparison table first. Returns the
 * number of breaches. Pure.
 */
size_t gate_check(const struct gate_input *in, size_t n, const struct gate_opts *o, struct sbuf *out);

#endif
