/* SPDX-License-Identifier: MIT */
/*
 * throttle: hold the target's processes to `cpu` percent of one CPU by
 * duty-cycling SIGSTOP/SIGCONT on the loop's timer.
 *
 * cpulimit sets the run/stop ratio from a smoothed usage estimate and so
 * overshoots whenever the process keeps running past a stop. This
 * controller is integral instead: each period it grants the CPU time the
 * target is owed by the end of the period (cpu * elapsed, minus what the
 * process really used, read from schedstat in nanoseconds), and converts
 * it into a run slice using the process's measured CPU rate while running.
 * Overshoot in one period is paid back in the next, so the long-run share
 * converges on the asked value. Unused credit is capped at one period's
 * share, so an idle process cannot hoard a long burst.
 */
#include <signal.h>

#include "procsig.h"

static const struct opt_def throttle_options[] = {
	{ "cpu", OPT_PERCENT, OPT_REQUIRED, NULL, 1, 99, NULL,
	  "Share of one CPU the processes may use, e.g. 30%" },
	{ "period", OPT_DURATION, 0, "100ms", 10 * USEC_PER_MSEC, USEC_PER_SEC, NULL,
	  "Length of one stop/run cycle" },
	OPT_END
};

struct throttle {
	struct fault_ctx *ctx;
	struct loop_timer *period_timer, *stop_timer;
	double share;		/* CPU-seconds per second */
	int64_t period_us;
	int64_t cpu_start_ns;
	int64_t allowed_ns;	/* cumulative CPU granted through the current period */
	int64_t slice_cpu_ns;	/* CPU at the start of the current run slice */
	int64_t slice_start_us;
	double rate;		/* CPU ns per wall ns while running */
	bool running;
};

static int64_t cpu_ns(const struct fault_ctx *ctx)
{
	int64_t total = 0;

	for (size_t i = 0; i < ctx->procs.n; i++) {
		int64_t n = proc_cpu_ns(&ctx->procs.v[i]);
		if (n > 0)
			total += n;
	}
	return total;
}

static void set_running(struct throttle *t, bool run)
{
	for (size_t i = 0; i < t->ctx->procs.n; i++)
		(void)proc_signal(&t->ctx->procs.v[i], run ? SIGCONT : SIGSTOP);
	t->running = run;
}

/* Update the CPU rate estimate from the run slice that ends now. */
static void measure_rate(struct throttle *t, int64_t now, int64_t cpu)
{
	int64_t wall = now - t->slice_start_us;
	double r;

	if (wall < 1000)
		return;
	r = (double)(cpu - t->slice_cpu_ns) / ((double)wall * 1000.0);
	if (r < 0.01)
		r = 0.01;
	if (r > 64)
		r = 64;
	t->rate = 0.5 * t->rate + 0.5 * r;
}

static int64_t on_stop(struct loop *l, int64_t now, void *userdata)
{
	struct throttle *t = userdata;

	set_running(t, false);
	measure_rate(t, now, cpu_ns(t->ctx));
	return 0;
}

static int64_t on_period(struct loop *l, int64_t now, void *userdata)
{
	struct throttle *t = userdata;
	int64_t cpu = cpu_ns(t->ctx), used = cpu - t->cpu_start_ns;
	int64_t share_ns = (int64_t)(t->share * (double)t->period_us * 1000.0);
	int64_t owed, run_us;

	if (t->running)	/* the last slice lasted the whole period */
		measure_rate(t, now, cpu);
	t->allowed_ns += share_ns;
	if (t->allowed_ns > used + share_ns)
		t->allowed_ns = used + share_ns;
	owed = t->allowed_ns - used;
	run_us = owed > 0 ? (int64_t)((double)owed / t->rate / 1000.0) : 0;
	if (run_us < 200) {
		if (t->running)
			set_running(t, false);
		return now + t->period_us;
	}
	t->slice_cpu_ns = cpu;
	t->slice_start_us = now;
	if (!t->running)
		set_running(t, true);
	if (run_us < t->period_us)
		loop_timer_set(l, t->stop_timer, now + run_us);
	return now + t->period_us;
}

static int throttle_apply(struct fault_ctx *ctx, char **ret_err)
{
	struct throttle *t = xcalloc(1, sizeof(*t));
	int r;

	t->ctx = ctx;
	t->share = section_pct(ctx->spec->sec, "cpu") / 100.0;
	t->period_us = section_usec(ctx->spec->sec, "period");
	t->rate = 1.0;
	ctx->state = t;
	/* Stop first (with SIGCONT undo records), then let the controller run. */
	r = signal_all(ctx, SIGSTOP, true, ret_err);
	if (r < 0)
		return r;
	t->cpu_start_ns = cpu_ns(ctx);
	t->stop_timer = loop_timer_add(ctx->loop, 0, on_stop, t);
	t->period_timer = loop_timer_add(ctx->loop, now_usec(), on_period, t);
	return 0;
}

static void throttle_stop(struct fault_ctx *ctx)
{
	struct throttle *t = ctx->state;

	if (!t)
		return;
	loop_timer_del(ctx->loop, t->period_timer);
	loop_timer_del(ctx->loop, t->stop_timer);
	free(t);
	ctx->state = NULL;
}

static void throttle_describe(const struct fault_spec *f, struct sbuf *out)
{
	char a[32], b[32];

	signal_describe(f, "SIGSTOP/SIGCONT duty cycle", out);
	sbuf_addf(out, " holding it to %g%% of one CPU (period %s) for %s, then SIGCONT",
		  section_pct(f->sec, "cpu"), format_duration(section_usec(f->sec, "period"), a, sizeof(a)),
		  format_duration(f->duration_us, b, sizeof(b)));
}

static int throttle_supported(const char **reason)
{
	if (access("/proc/self/schedstat", R_OK) < 0) {
		*reason = "throttle measures CPU time from /proc/PID/schedstat, which this kernel lacks (CONFIG_SCHED_INFO)";
		return -ENOSYS;
	}
	return signal_supported(reason);
}

const struct fault_type fault_throttle = {
	.name = "throttle",
	.summary = "Hold the target's processes to a share of one CPU by duty-cycling SIGSTOP/SIGCONT",
	.options = throttle_options,
	.flags = FAULT_NEEDS_DURATION | FAULT_NEEDS_TARGET | FAULT_SIGNALS,
	.supported = throttle_supported,
	.apply = throttle_apply,
	.stop = throttle_stop,
	.describe = throttle_describe,
};
