/* SPDX-License-Identifier: MIT */
/*
 * `erebus gate`: CI's decision over saved reports. Every report must have
 * passed and meet the thresholds; with a baseline report, no probe's time
 * to recover or p95 latency may have grown by more than the allowed share
 * (per fault where both reports have per-fault figures). The thresholds
 * apply to every probe and fault, or to those named; a detector probe
 * (expect = detect) is judged by max_alert only: it is meant to fail. Pointer arguments
 * must not be NULL (in may be when n is 0).
 */
#ifndef EREBUS_GATE_H
#define EREBUS_GATE_H

#include "erebus/report.h"

struct gate_opts {
	int64_t max_recovery_us;	/* -1: no limit */
	int64_t max_detect_us;		/* -1: no limit */
	int64_t max_alert_us;		/* detectors: time to alert at most; -1: no limit */
	double min_availability;	/* percent 0..100 over the impact phase (/1: the
					 * fault window's samples); < 0: no limit */
	const char *const *probes;	/* judge only these probes; n_probes 0: all */
	size_t n_probes;
	const char *const *faults;	/* per-fault figures of only these faults; 0: all */
	size_t n_faults;
	const struct report *baseline;	/* NULL: no comparison */
	const char *baseline_file;
	double max_regression;		/* percent growth allowed against the baseline */
	int64_t regression_floor_us;	/* a change smaller than this is never a
					 * regression; -1: the probe's interval */
};

/* One report to judge: the file it came from, for messages. */
struct gate_input {
	const char *file;
	const struct report *report;
};

/*
 * Judge each report against o. Writes a first line naming the thresholds
 * applied, with a baseline a comparison table, then one line per breach
 * ("r.json: checkout: health: time to recover 1.20s is over --max-recovery
 * 1.00s") and a last line with the decision. Returns the number of
 * breaches. Pure.
 */
size_t gate_check(const struct gate_input *in, size_t n, const struct gate_opts *o, struct sbuf *out);

#endif
