/* SPDX-License-Identifier: MIT */
/*
 * The engine runs one experiment on one event loop: launch managed
 * commands, wait for the steady state, fire the faults on their timeline
 * while the probes sample, revert every fault, wait for recovery, and
 * build the report. Every exit path (end, failure, SIGINT/SIGTERM/SIGHUP)
 * reverts what was applied.
 */
#ifndef EREBUS_ENGINE_H
#define EREBUS_ENGINE_H

#include "erebus/experiment.h"
#include "erebus/report.h"

enum { LOG_QUIET = -1, LOG_NORMAL = 0, LOG_VERBOSE = 1 };

struct run_opts {
	bool seed_set;
	uint64_t seed;
	int verbosity;		/* LOG_* */
	bool live;		/* redraw a status line (stderr is a terminal) */
	FILE *log;		/* where progress goes (stderr) */
	size_t keep_samples;	/* exact samples kept per probe in the report (0: none) */
	int64_t wait_us;	/* how long to wait for another run's run lock (0: not at all) */
	uint64_t keep_caps;	/* capabilities the caller needs after the run (privs.h:
				 * CAP_DAC_OVERRIDE to write a report), kept beside the run's own */
	const char *live_metrics;	/* --metrics PATH: rewritten with the chaos under way
					 * (erebus_fault_active, erebus_run_active) as the run
					 * goes; the caller writes the final metrics there */
};

/*
 * Run x. Returns the exit code (see verdict_exit_code()) and, in *ret, the
 * report (always, free with report_free()). Nothing is left applied when
 * this returns, unless the report's verdict is cleanup-failed.
 */
int engine_run(struct experiment *x, const struct run_opts *o, struct report **ret);

#endif
