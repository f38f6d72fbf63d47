/* SPDX-License-Identifier: MIT */
/*
 * The recovery report: everything a run found, as plain data. The engine
 * fills it; renderers are pure functions from it to text (JSON here; JUnit,
 * HTML and metrics build on the same struct). Times are microseconds
 * relative to the run's start unless named otherwise; -1 means "none".
 * Pointer arguments must not be NULL (an array may be when its count is
 * 0) and enum arguments must be in range, unless a function says otherwise
 * (report_free(NULL) is fine): breaking that is a bug, caught by assert().
 */
#ifndef EREBUS_REPORT_H
#define EREBUS_REPORT_H

#include "erebus/figures.h"
#include "erebus/probe.h"
#include "erebus/util.h"

#define REPORT_SCHEMA "erebus.report/3"
#define REPORT_SCHEMA_V2 "erebus.report/2"	/* still read: every sample, exact percentiles */
#define REPORT_SCHEMA_V1 "erebus.report/1"	/* still read: availability counted samples */

enum verdict {
	VERDICT_PASSED,		/* exit 0 */
	VERDICT_FAILED,		/* exit 1: tolerance broken or not recovered in time */
	VERDICT_INVALID,	/* exit 2: usage or invalid experiment */
	VERDICT_ABORTED,	/* exit 3: steady state not met, or interrupted before injection */
	VERDICT_CLEANUP_FAILED,	/* exit 4: a fault could not be reverted */
	VERDICT_UNSUPPORTED,	/* exit 5: missing kernel feature or capability */
	VERDICT_HALTED,		/* exit 1: a halting probe was down, or tolerance was lost */
};
const char *verdict_name(enum verdict v);
int verdict_exit_code(enum verdict v);

/* A probe over a span of the run. Availability is a share of time: of the
 * probe's interval-grid slots that start in the span, those passing
 * (include/erebus/figures.h). Latency is over the samples started in it. */
struct report_phase {
	unsigned samples, failures;	/* samples started in the span */
	unsigned slots;		/* grid slots counted; 0 in a /1 report */
	double availability;	/* 0..1; NAN when no slot (or, /1, no sample) */
	int64_t p50, p95, p99, max;	/* latency, usec; -1 when no samples */
	int64_t sum;		/* of the samples' latencies, usec; -1 when not known */
};

/* A probe's outage: its first failed sample to the end of the first of
 * healthy_after passes after it, and the fault it belongs to. */
struct report_outage {
	int64_t start_us, end_us;	/* end -1: still down at the end of the run */
	int fault;			/* index into report.faults; -1: unattributed */
};

/* What one fault did to one probe (see fig_effect()). */
struct report_effect {
	int64_t detect_us, mitigate_us, recover_us, down_us;	/* -1: does not apply */
	/* A detector of the fault (report_probe.detects): from the fault's
	 * application to the detector's firing, and from the service's
	 * recovery to its being quiet again; -1: did not happen, or not a
	 * detector of this fault. */
	int64_t alert_us, clear_us;
	unsigned outages;
	struct report_phase span;	/* over the fault's effect window */
};

struct report_probe {
	char *name, *type;
	enum verdict verdict;	/* PASSED or FAILED (or ABORTED when never healthy) */
	char *reason;		/* why it failed, for people; NULL if passed */
	enum probe_during during;
	double tolerance;	/* percent */
	int64_t recover_within_us;
	int64_t time_to_detect_us, time_to_recover_us;	/* -1: does not apply */
	int64_t interval_us;	/* the grid availability is counted on; 0 in /1 */
	unsigned healthy_after;
	int64_t halt_us;	/* -1: does not halt the run */
	unsigned relapses;	/* times it failed again after it had recovered */
	unsigned erebus_errors;	/* samples Erebus could not make (its own ports, fds, memory) */
	char *erebus_error;	/* the first one's message; owned; NULL if none */
	struct report_outage *outages;	/* owned; from the fault window on */
	size_t n_outages;
	struct report_phase phases[PHASE_COUNT];
	/* Erebus' own timeliness on the probe's grid (struct probe_grid):
	 * false in a report written before these figures. */
	bool has_grid;
	int64_t lag_p50_us, lag_p99_us, lag_max_us;	/* sample start after its slot; -1: none */
	uint64_t slots_due, slots_sampled, slots_busy, slots_late;
	uint64_t outages_total;	/* outages in all; outages keeps the first FIG_OUTAGES_KEPT */
	/* expect = detect: a monitoring check that must fire when a fault acts */
	bool detector;
	int64_t detect_within_us, clear_within_us;	/* -1 unless a detector */
	bool *detects;		/* per fault, for a detector; owned; NULL otherwise */
	char *last_error[PHASE_COUNT];	/* the last failed sample's message started in each; owned */
	struct fig_timeline *timeline;	/* downsampled, for the plots; owned; NULL: none */
	/* Exact samples, in order: kept only when asked (report_live_begin()'s
	 * keep; every sample in a report read back from /1 or /2). */
	struct sample *samples;	/* owned */
	size_t n_samples;
	uint64_t samples_dropped;	/* past keep */
};

struct report_target {
	pid_t pid;
	char comm[16];
};

/* One application of a fault: from apply to revert. An instant fault
 * (kill) acts at a moment: end_us == start_us. end_us is -1 while a
 * lasting fault is applied, and stays -1 if it could not be reverted.
 * due_us is when the application was due on the fault's grid (at + k ×
 * every from the window's start), -1 if not known (an older report):
 * start_us - due_us is the firing's lag. */
struct report_window {
	int64_t start_us, end_us;
	int64_t due_us;
};

struct report_fault {
	char *name, *type;
	char *description;	/* what it did, as plan prints it */
	struct report_target *targets;	/* every process acted on */
	size_t n_targets;
	int64_t applied_at_us, reverted_at_us;	/* first apply, last revert */
	unsigned applications;
	unsigned missed;	/* firings of its grid not made: Erebus was a period or more late */
	char *error;		/* why it could not be applied or reverted */
	bool instant;		/* acts at a moment (kill): its windows have end == start */
	struct report_window *windows;	/* one per application, in order; owned */
	size_t n_windows, cap_windows;
	struct report_effect *effects;	/* one per probe, in probes' order; NULL in /1 */
};

struct report_event {
	int64_t t_us;
	char *kind;		/* "phase", "fault.applied", "probe.down", ... */
	char *subject;		/* fault or probe name, or NULL */
	char *detail;
};

/* Events of one kind past REPORT_EVENTS_PER_KIND are counted, not kept:
 * a fault firing every 10ms or a probe flapping for a day keeps the
 * report's size bounded. */
#define REPORT_EVENTS_PER_KIND 1000
struct report_kind_count {
	char *kind;
	unsigned kept;
	uint64_t dropped;
};

/* Erebus' own use of the machine during the run, for people sizing long
 * runs and for tests that bound it from the run's own figures. -1: not
 * measured (a report written before it, or a run that stopped in setup). */
struct report_usage {
	int64_t rss_steady_kib;	/* resident memory when the fault window started */
	int64_t rss_max_kib;	/* the engine's peak resident memory over the run */
	int64_t cpu_user_us, cpu_system_us;	/* the engine's CPU time */
};

struct report {
	int schema;		/* 2; 1 for a report read back from erebus.report/1 */
	char *experiment, *description, *file;
	uint64_t seed;
	int64_t started_at, finished_at;	/* wall clock, usec since the epoch */
	enum verdict verdict;
	char *reason;
	int64_t steady_at_us;	/* steady state reached; -1 if never */
	int64_t window_start_us, window_end_us;	/* fault window; -1 if not reached */
	int64_t recovered_at_us;	/* every probe healthy again; -1 if not */
	int64_t impact_start_us;	/* the first fault applied; -1 if none was */
	int64_t ended_us;	/* probes stopped; the end of the impact phase */
	int64_t halted_at_us;	/* when a halt reverted everything; -1 if none */
	int64_t hold_us;	/* [experiment] hold */
	struct report_fault *faults;
	size_t n_faults;
	struct report_probe *probes;
	size_t n_probes;
	struct report_event *events;
	size_t n_events, cap_events;
	struct report_kind_count *kinds;	/* events per kind, kept and dropped */
	size_t n_kinds;
	struct report_live *live;	/* the figures as the run goes (compute.c); NULL when not begun */
	struct report_usage usage;
	bool samples_kept;	/* the probes' samples are part of it (--samples, or a /1 or /2 report) */
	bool cleanup_checked;	/* the state was read back after rollback */
	char **leftovers;	/* what of Erebus' changes is still there */
	size_t n_leftovers;
};

/* Did Erebus fail to make any sample (a probe's erebus_errors)? Pure. */
bool report_incomplete(const struct report *r);

/* Count an event of kind (kept: one more kept, while fewer than
 * REPORT_EVENTS_PER_KIND are); returns whether it is kept. */
bool report_count_kind(struct report *r, const char *kind, bool keep);

/* Note one leftover found by the cleanup check. */
void report_leftover(struct report *r, const char *fmt, ...) _printf_(2, 3);

/* Append an event; detail is formatted. Past REPORT_EVENTS_PER_KIND of
 * its kind, it is only counted (kinds[].dropped). */
void report_event(struct report *r, int64_t t_us, const char *kind, const char *subject,
		  const char *fmt, ...) _printf_(5, 6);

/* Per-phase counts, availability and latency percentiles of samples, by
 * the phase each sample was tagged with (availability a share of samples,
 * as in /1; report_compute() replaces it). */
void report_phase_stats(const struct sample *s, size_t n, enum phase ph, struct report_phase *ret);
/*
 * The figures as the run goes (src/report/compute.c): each sample is
 * counted when it ends (report_add_sample()) in memory that does not grow
 * with the run (include/erebus/figures.h: struct fig_stream), and
 * report_compute() closes the figures when the run ends. r's probes
 * (interval_us, healthy_after) and faults must be set; phase times and
 * fault windows are read from r as they are set. keep: exact samples kept
 * per probe for debugging, at most REPORT_SAMPLES_TOTAL in all (0: none;
 * the rest are counted in samples_dropped).
 */
#define REPORT_SAMPLES_TOTAL 200000	/* kept in all, whatever keep */
void report_live_begin(struct report *r, size_t keep);
/* Count sample s of probe number probe: samples of a probe in order of
 * start, each once it ended. */
void report_add_sample(struct report *r, size_t probe, const struct sample *s);
/* Drop the figures under way without closing them (report_free() does). */
void report_live_end(struct report *r);
/* Probe number probe's slots over the impact phase so far, its latest
 * sample counted as if it were the last (for the brakes). */
struct fig_slots report_impact_so_far(const struct report *r, size_t probe);
/*
 * Every figure of r from its timeline (src/report/compute.c): per probe,
 * the phases before, during, after and impact on the interval grid, the
 * outages and the faults they belong to, time to detect and to recover;
 * per fault and probe, the effects. Needs the samples, interval_us and
 * healthy_after of each probe, the windows and instant flag of each
 * fault, and r's phase times (ended_us included). When r is live, closes
 * what report_add_sample() counted; otherwise counts each probe's samples
 * first (how tests build a report). Latency percentiles come from a
 * histogram: within HIST_REL_ERROR (1/128) of the exact ones, max exact.
 * Call once. Pure but for r.
 */
void report_compute(struct report *r);
/* The span [*ret_a, *ret_b) of phase ph that report_compute() counts in,
 * from r's phase times (ended_us included). Pure. */
void report_phase_span(const struct report *r, enum phase ph, int64_t *ret_a, int64_t *ret_b);
/* Sort the n latencies of lat and set p's p50, p95, p99 and max from
 * them; n 0 leaves p as it is. */
void report_latency(int64_t *lat, size_t n, struct report_phase *p);
/* Nearest-rank percentile (0 < p <= 100) of n sorted values; -1 if n == 0. */
int64_t percentile(const int64_t *sorted, size_t n, double p);

/* Render r as JSON (schema erebus.report/2) into out. Pure. */
void report_render_json(const struct report *r, struct sbuf *out);
/* Render r as a short summary for people (verdict, per-probe table). Pure. */
void report_render_text(const struct report *r, struct sbuf *out);
/* Write text to path atomically: a new file PATH.tmp.XXXXXX (random
 * suffix, O_CREAT|O_EXCL|O_NOFOLLOW: nothing planted there is opened or
 * followed), fsync, rename over path (a symbolic link at path is replaced,
 * not followed). Mode 0644 less the umask. 0 or -errno. */
int write_file_atomic(const char *path, const char *text, size_t len);

void report_free(struct report *r);
static inline void report_freep(struct report **r) { report_free(*r); }

/* ---- fault windows, reading reports back, and the renderers for CI ------ */

/* Record an application of f at t (instant: it ends at t too), and the
 * revert of its latest application at t. For the engine. */
void report_fault_applied(struct report_fault *f, int64_t t_us, bool instant);
/* Set the due time of the application just noted (see report_window). */
void report_fault_due(struct report_fault *f, int64_t due_us);
/* Lag of f's applications (start_us - due_us, where due_us is known):
 * p50, p99 and max in *ret (microseconds). Returns how many had a due
 * time (0: *ret untouched). Pure. */
size_t report_fault_lag(const struct report_fault *f, int64_t ret[3]);
void report_fault_reverted(struct report_fault *f, int64_t t_us);

/*
 * Read a JSON report (schema erebus.report/1, as report_render_json()
 * writes it) back into *ret. Strict about what it reads (types, the
 * schema string, verdict names), ignores fields it does not know. Returns
 * 0, or -EINVAL with *ret_err ("probes[0].phases.during.availability:
 * expected a number or null"; caller frees).
 */
int report_from_json(const char *text, size_t len, struct report **ret, char **ret_err);
/* The same from a file (at most REPORT_MAX_BYTES). -errno with *ret_err
 * naming the file. */
#define REPORT_MAX_BYTES (64u << 20)
int report_load(const char *path, struct report **ret, char **ret_err);

/* JUnit XML: one testsuite per experiment; one testcase per probe and
 * phase, one per fault and one for cleanup. Pure. */
void report_render_junit(const struct report *r, struct sbuf *out);
/* One self-contained HTML page (inline CSS and SVG, no scripts): verdict,
 * a timeline per probe, per-phase figures, faults, events. Well-formed XML
 * too. Pure. */
void report_render_html(const struct report *r, struct sbuf *out);
/* Prometheus text exposition for node_exporter's textfile collector. Pure. */
void report_render_metrics(const struct report *r, struct sbuf *out);
/*
 * The chaos under way, for dashboards to shade (src/report/activity.c):
 * erebus_run_active{experiment} (running: 1 or 0) and
 * erebus_fault_active{experiment,fault}, 1 where active[i] (r's faults
 * in order; NULL: none). The engine writes these while a run goes; after
 * it, every one is 0. Pure.
 */
void report_render_activity(const struct report *r, const bool *active, bool running, struct sbuf *out);
/* A label of a metrics series: ,NAME="VALUE" (no comma when first), the
 * value escaped as the exposition format wants (backslash, quote,
 * newline) and UTF-8 (U+FFFD for bytes that are not). */
void report_metrics_label(struct sbuf *b, const char *name, const char *value, bool first);

/* How one probe fared in one phase, as JUnit and the HTML table show it. */
enum outcome { OUTCOME_PASSED, OUTCOME_FAILED, OUTCOME_ERROR, OUTCOME_SKIPPED };
/*
 * The outcome of probe p of r in phase ph, and in *ret_msg (caller frees)
 * a sentence for people: why it failed, errored or was skipped, or what
 * was measured when it passed. In erebus.report/2 a must-pass probe's
 * tolerance is judged over PHASE_IMPACT, and PHASE_DURING only reports
 * its availability (a share of time); PHASE_IMPACT also fails for the
 * probe that halted the run. PHASE_AFTER fails for a must-pass relapse.
 * A report read back from erebus.report/1 is judged as it was: tolerance
 * over PHASE_DURING (a share of samples), PHASE_IMPACT skipped.
 */
enum outcome report_phase_outcome(const struct report *r, const struct report_probe *p,
				  enum phase ph, char **ret_msg);
/*
 * What fault number fault did to probe number probe (indices into r's
 * faults and probes), and in *ret_msg (caller frees) a sentence with its
 * figures: time to detect, to mitigate, to recover, time down, and
 * availability and p95 over the fault's effect window. FAILED only when
 * the probe failed and an outage that belongs to this fault never ended;
 * SKIPPED when the fault never took effect, or the report has no effects
 * (erebus.report/1); else PASSED. Never ERROR.
 */
enum outcome report_effect_outcome(const struct report *r, size_t fault, size_t probe, char **ret_msg);
/* Did probe p halt the run (the halt event names it: "[probe NAME]")? */
bool report_probe_halted(const struct report *r, const struct report_probe *p);
/* A share (0..1) as a percentage rounded down to one decimal, as the
 * verdicts word it: 0.89996 is 89.9, never 90.0. */
double report_pct1(double share);
/* A share rounded down to four decimals, as the JSON report and the
 * metrics write it: report_pct1() of it is report_pct1() of share, so a
 * report read back words its figures as the run did. NaN stays NaN. */
double report_share4(double share);
/* When the run ended, relative to its start (the last event's time). */
int64_t report_end_us(const struct report *r);
/*
 * What a reader must know about how probe p was sampled, as sentences for
 * people: kind "erebus-errors" when Erebus could not make some of its
 * samples for lack of its own resources (erebus_errors), kind
 * "erebus-behind" when its lag p99 exceeds a tenth of its interval or more
 * than 1% of its slots were late ("Erebus could not keep up: ..."), kind
 * "probe-overran" when more than 1% were busy (its samples outlasted the
 * interval); the last two only with has_grid. Fills up to
 * REPORT_PROBE_WARNINGS entries of ret (messages: caller frees) and
 * returns how many. Pure.
 */
struct report_warning {
	const char *kind;	/* static */
	char *message;
};
#define REPORT_LAG_SHARE 10	/* lag p99 above interval / 10 */
#define REPORT_SLOTS_SHARE 0.01	/* more than 1% of the slots */
#define REPORT_PROBE_WARNINGS 3	/* at most, one of each kind */
size_t report_probe_warnings(const struct report_probe *p, struct report_warning ret[REPORT_PROBE_WARNINGS]);
/* Kind "erebus-behind" for a repeating fault that missed firings of its
 * grid (f->missed): "Erebus could not keep up: 3 firings of its grid
 * missed, ..."; NULL when it missed none. Caller frees. Pure. */
char *report_fault_warning(const struct report_fault *f);
/* Did probe p become healthy again after the fault window? */
bool report_probe_recovered(const struct report *r, const struct report_probe *p);
/* "steady state", "fault window", "recovery", "impact"; and the JSON
 * keys "before", "during", "after", "impact". */
extern const char *const phase_titles[PHASE_COUNT];
extern const char *const phase_keys[PHASE_COUNT];
/* s with & < > " ' escaped for XML (and XHTML) text, or for an attribute
 * value (attr: tabs and newlines as character references too). Control
 * characters, which XML 1.0 cannot carry, and invalid UTF-8 become U+FFFD. */
void sbuf_add_xml(struct sbuf *b, const char *s, bool attr);

#endif
