/* SPDX-License-Identifier: MIT */
/*
 * The probe runner, and the helpers probe types share (internal.h).
 *
 * Scheduling: samples are due on a fixed grid, t0 + k * interval, where t0
 * is when probe_run_start() was called plus the probe's spread (below);
 * deadlines are absolute, so the
 * schedule does not drift however long samples take. At most one sample is
 * in flight per probe: when a slot comes while a sample is still running,
 * the slot is remembered (slots missed in the meantime are coalesced into
 * that one) and the next sample starts as soon as the running one ends. A
 * loop that wakes up late past several slots samples the latest one only:
 * there are no bursts of catching up. struct probe_grid (grid.c) counts
 * every slot as sampled, busy or late, and the runner records each
 * sample's lag behind its slot in r->lag.
 *
 * Spread: probes started together would otherwise all be due in the same
 * instant, every interval, and their samples would queue behind each
 * other on the one loop: with 200 probes every 10 ms, the last ones' lag
 * and latency were the first ones' work (docs/performance.md, section 4).
 * The n-th run set up on an env (counting those alive) starts its grid
 * frac(n * golden ratio) of its interval, at most RUNNER_SPREAD_MAX_US,
 * after probe_run_start(): the first one at once, the others evenly over
 * the interval whatever their number.
 *
 * A sample ends in exactly one of three ways: the type calls
 * probe_complete() (possibly from inside its start()), start() returns an
 * error, or the deadline timer fires first and the runner cancels it.
 * probe_run_stop() cancels without recording anything. When the type
 * calls probe_erebus_error() instead, or start() returns an errno of
 * Erebus' own exhaustion, the sample ends without being recorded: it is
 * neither the service's failure nor its success, and is counted in
 * r->erebus_errors.
 */
#include <assert.h>
#include "erebus/json.h"
#include "erebus/probe.h"
#include "internal.h"

/* The longest a probe's grid is moved by its spread. */
#define RUNNER_SPREAD_MAX_US (100 * USEC_PER_MSEC)

/* The runner's private state, hung on r->ctx.runner. */
struct runner {
	struct probe_run *run;
	int64_t interval_us;
	int64_t spread_us;	/* t0's offset from probe_run_start() */
	bool active;		/* between probe_run_start() and probe_run_stop() */
	bool pending;		/* a slot came while a sample was in flight */
	uint8_t phase;		/* r->phase when the sample in flight started */
};

static void runner_sample_start(struct runner *rn);

/* Runs alive per env, for the spread (an env is one run's: a handful). */
struct runner_env {
	const struct probe_env *env;
	unsigned alive;
	struct runner_env *next;
};
static struct runner_env *runner_envs;

/* Count a new run on env; returns how many were alive before it. */
static unsigned runner_env_join(const struct probe_env *env)
{
	struct runner_env *e;

	for (e = runner_envs; e && e->env != env; e = e->next)
		;
	if (!e) {
		e = xcalloc(1, sizeof(*e));
		e->env = env;
		e->next = runner_envs;
		runner_envs = e;
	}
	return e->alive++;
}

static void runner_env_leave(const struct probe_env *env)
{
	struct runner_env **pe, *e;

	for (pe = &runner_envs; *pe && (*pe)->env != env; pe = &(*pe)->next)
		;
	if (!(e = *pe) || --e->alive)
		return;
	*pe = e->next;
	free(e);
}

/* The n-th run's spread within interval_us: frac(n * golden ratio) of it
 * (or of RUNNER_SPREAD_MAX_US), so any number of runs fall evenly. */
static int64_t runner_spread(unsigned n, int64_t interval_us)
{
	int64_t span = interval_us < RUNNER_SPREAD_MAX_US ? interval_us : RUNNER_SPREAD_MAX_US;
	double f = (double)n * 0.6180339887498949;

	return (int64_t)((f - (double)(uint64_t)f) * (double)span);
}

/* The next slot's due time. */
static int64_t runner_next(const struct probe_grid *g)
{
	return g->origin_us + g->next_k * g->interval_us;
}

static int64_t runner_tick(struct loop *l, int64_t now_us, void *userdata)
{
	struct runner *rn = userdata;

	(void)probe_grid_advance(&rn->run->grid, now_us);
	if (rn->run->running)
		rn->pending = true;
	else
		runner_sample_start(rn);
	/* The sample may have completed synchronously and its callback
	 * stopped (or restarted) the run. */
	return rn->active ? runner_next(&rn->run->grid) : 0;
}

/* Why Erebus could not make a sample, for the summary. */
static const char *runner_erebus_why(int err)
{
	switch (err) {
	case EADDRNOTAVAIL:
		return "the client ran out of local ports";
	case EMFILE:
		return "Erebus reached its limit of open files, ulimit -n";
	case ENFILE:
		return "the system ran out of file descriptors";
	default:
		return "the client's kernel ran out of memory for sockets";
	}
}

/* End the sample in flight unrecorded, as Erebus' own error err: health
 * and samples are untouched; the pending slot starts as in runner_finish(). */
static void runner_erebus(struct runner *rn, int err)
{
	struct probe_run *r = rn->run;
	struct loop *l = r->ctx.env->loop;
	char e[128];

	r->running = false;
	loop_timer_set(l, r->deadline, 0);
	r->erebus_errors++;
	if (!r->erebus_error)
		r->erebus_error = xasprintf("%s (%s)", probe_strerror(err, e, sizeof(e)),
					    runner_erebus_why(err));
	if (rn->active && rn->pending) {
		rn->pending = false;
		loop_timer_set(l, r->tick, now_usec());
	}
}

/* Record the end of the sample in flight, update health, tell the owner,
 * and schedule the pending slot if there is one. */
/* A failed sample's message, kept: a message formatted into a buffer too
 * small for it may end inside a character; it ends before it instead. */
static char *sample_msg(const char *msg)
{
	size_t n;

	if (!msg || !*msg)
		return xstrdup("failed");
	n = strnlen(msg, SAMPLE_MSG_MAX);
	return xstrndup(msg, utf8_cut(msg, n));
}

static void runner_finish(struct runner *rn, bool ok, int64_t latency_us, const char *msg)
{
	struct probe_run *r = rn->run;
	const struct probe_spec *spec = r->ctx.spec;
	struct loop *l = r->ctx.env->loop;
	unsigned need = spec->healthy_after ? spec->healthy_after : 1;
	enum probe_health before = r->health;
	struct sample sample, *s = &sample;
	int64_t end;

	r->running = false;
	loop_timer_set(l, r->deadline, 0);
	end = now_usec();
	probe_grid_done(&r->grid, end);
	if (latency_us < 0)
		latency_us = end - r->sample_start_us;

	r->n_samples++;
	*s = (struct sample){
		.t_us = r->sample_start_us - r->origin_us,
		.latency_us = latency_us,
		.ok = ok,
		.phase = rn->phase,
		.msg = ok ? NULL : sample_msg(msg),
	};

	if (ok) {
		if (r->streak++ == 0)
			r->streak_start_us = s->t_us;
		if (r->streak >= need)
			r->health = HEALTH_HEALTHY;
	} else {
		r->streak = 0;
		r->health = HEALTH_DOWN;
	}
	if (r->on_sample)
		r->on_sample(r, s, r->health != before, r->owner);
	free(s->msg);	/* the caller counted it, and copied what it keeps */

	/* Start the coalesced slot on the next loop round rather than from
	 * inside the type's completion path. */
	if (rn->active && rn->pending && !r->running) {
		rn->pending = false;
		loop_timer_set(l, r->tick, now_usec());
	}
}

static int64_t runner_deadline(struct loop *l, int64_t now_us, void *userdata)
{
	struct runner *rn = userdata;
	struct probe_run *r = rn->run;
	char what[32], msg[64];

	if (!r->running)
		return 0;
	/* Not running while cancel() runs: a completion from inside it is
	 * ignored, the timeout is what counts. */
	r->running = false;
	if (r->ctx.spec->type->cancel)
		r->ctx.spec->type->cancel(&r->ctx);
	snprintf(msg, sizeof(msg), "timed out after %s",
		 format_duration(r->ctx.spec->timeout_us, what, sizeof(what)));
	runner_finish(rn, false, -1, msg);
	return 0;
}

static void runner_sample_start(struct runner *rn)
{
	struct probe_run *r = rn->run;
	const struct probe_spec *spec = r->ctx.spec;
	char buf[128];
	int64_t lag;
	int rc;

	r->running = true;
	r->sample_start_us = now_usec();
	lag = probe_grid_take(&r->grid, r->sample_start_us);
	if (lag >= 0)
		hist_record(&r->lag, lag);
	rn->phase = r->phase;
	if (spec->timeout_us > 0)
		loop_timer_set(r->ctx.env->loop, r->deadline, r->sample_start_us + spec->timeout_us);
	rc = spec->type->start(&r->ctx);
	if (rc < 0 && r->running && probe_errno_is_erebus(-rc))
		runner_erebus(rn, -rc);
	else if (rc < 0 && r->running)
		runner_finish(rn, false, -1, probe_strerror(-rc, buf, sizeof(buf)));
}

void probe_complete(struct probe_ctx *ctx, bool ok, int64_t latency_us, const char *msg)
{
	struct runner *rn;

	assert(ctx);
	rn = ctx->runner;
	/* Stale (after a cancel or stop): the type should not call us, but a
	 * late completion must never be counted. */
	if (!rn || !rn->run->running)
		return;
	runner_finish(rn, ok, latency_us, msg);
}

bool probe_errno_is_erebus(int err)
{
	return err == EADDRNOTAVAIL || err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

void probe_erebus_error(struct probe_ctx *ctx, int err)
{
	struct runner *rn;

	assert(ctx);
	rn = ctx->runner;
	if (!rn || !rn->run->running)
		return;
	runner_erebus(rn, err);
}

int probe_run_init(struct probe_run *r, const struct probe_spec *spec, struct probe_env *env,
		   int64_t origin_us, char **ret_err)
{
	struct runner *rn;
	int rc;

	assert(r && spec && spec->type && spec->type->start);
	assert(env && env->loop && ret_err);
	/* on_sample, owner and phase belong to the caller and are kept. */
	r->ctx = (struct probe_ctx){ .spec = spec, .env = env, .netns_fd = -1 };
	if (spec->from >= 0 && (size_t)spec->from < env->n_hosts)
		r->ctx.netns_fd = env->host_fds[spec->from];
	r->origin_us = origin_us;
	r->n_samples = 0;
	r->health = HEALTH_UNKNOWN;
	r->streak = 0;
	r->streak_start_us = 0;
	r->running = false;
	r->erebus_errors = 0;
	r->erebus_error = NULL;
	r->sample_start_us = 0;
	r->tick = r->deadline = NULL;

	rn = xcalloc(1, sizeof(*rn));
	rn->run = r;
	rn->interval_us = spec->interval_us > 0 ? spec->interval_us : USEC_PER_SEC;
	rn->spread_us = runner_spread(runner_env_join(env), rn->interval_us);
	probe_grid_start(&r->grid, origin_us, rn->interval_us, false);
	hist_init(&r->lag);
	r->ctx.runner = rn;

	if (spec->type->init) {
		rc = spec->type->init(&r->ctx, ret_err);
		if (rc < 0) {
			runner_env_leave(env);
			r->ctx.runner = NULL;
			free(rn);
			return rc;
		}
	}
	r->tick = loop_timer_add(env->loop, 0, runner_tick, rn);
	r->deadline = loop_timer_add(env->loop, 0, runner_deadline, rn);
	return 0;
}

void probe_run_start(struct probe_run *r)
{
	struct runner *rn;

	assert(r);
	rn = r->ctx.runner;
	if (!rn || rn->active)
		return;
	rn->active = true;
	rn->pending = false;
	/* A restart begins a new grid; the counts go on. */
	probe_grid_start(&r->grid, now_usec() + rn->spread_us, rn->interval_us, true);
	/* First sample on the next loop round, not from inside this call, so
	 * the caller never sees on_sample before probe_run_start() returns. */
	loop_timer_set(r->ctx.env->loop, r->tick, r->grid.origin_us);
}

void probe_run_stop(struct probe_run *r)
{
	struct runner *rn = r ? r->ctx.runner : NULL;
	struct loop *l;

	if (!rn)
		return;
	l = r->ctx.env->loop;
	if (rn->active)
		probe_grid_stop(&r->grid, now_usec());
	rn->active = false;
	rn->pending = false;
	loop_timer_set(l, r->tick, 0);
	loop_timer_set(l, r->deadline, 0);
	if (r->running) {
		r->running = false;
		if (r->ctx.spec->type->cancel)
			r->ctx.spec->type->cancel(&r->ctx);
	}
}

void probe_run_free(struct probe_run *r)
{
	struct runner *rn = r ? r->ctx.runner : NULL;

	if (!rn)
		return;
	probe_run_stop(r);
	if (r->ctx.spec->type->destroy)
		r->ctx.spec->type->destroy(&r->ctx);
	loop_timer_del(r->ctx.env->loop, r->tick);
	loop_timer_del(r->ctx.env->loop, r->deadline);
	r->tick = r->deadline = NULL;
	free(r->erebus_error);
	r->erebus_error = NULL;
	runner_env_leave(r->ctx.env);
	r->ctx.runner = NULL;
	free(rn);
}

const char *probe_strerror(int err, char *buf, size_t len)
{
	const char *d = strerrordesc_np(err);

	if (d)
		snprintf(buf, len, "%s", d);
	else
		snprintf(buf, len, "error %d", err);
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

void probe_describe_timing(const struct probe_spec *p, struct sbuf *out)
{
	char a[32], b[32];

	assert(p && out);
	sbuf_addf(out, ", every %s, timeout %s", format_duration(p->interval_us, a, sizeof(a)),
		  format_duration(p->timeout_us, b, sizeof(b)));
}
