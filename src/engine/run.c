/* SPDX-License-Identifier: MIT */
/*
 * One run, as a state machine on the event loop:
 *
 *   STEADY   probes sample until every one is healthy (else abort, exit 3)
 *   WINDOW   faults fire at their offsets; the window ends with the last
 *            fault action (a revert, or an instant fault's last firing)
 *   RECOVERY each probe must show healthy_after consecutive passes, all
 *            started after the window ended, within recover_within
 *   DONE     everything applied is reverted, launched commands stopped
 *
 * Times in the report are relative to the run's start (origin).
 */
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "erebus/guardian.h"
#include "erebus/ledger.h"
#include "erebus/replay.h"
#include "erebus/rundir.h"
#include "erebus/netns.h"
#include "internal.h"

/* ---- setup ---------------------------------------------------------------- */

static struct report *new_report(const struct experiment *x, uint64_t seed)
{
	struct report *r = xcalloc(1, sizeof(*r));

	r->experiment = xstrdup(x->name);
	r->description = x->description ? xstrdup(x->description) : NULL;
	r->file = xstrdup(x->file);
	r->seed = seed;
	r->started_at = wall_usec();
	r->schema = 3;
	r->steady_at_us = r->window_start_us = r->window_end_us = r->recovered_at_us = -1;
	r->impact_start_us = r->ended_us = r->halted_at_us = -1;
	r->hold_us = x->hold_us;
	r->usage = (struct report_usage){ -1, -1, -1, -1 };
	r->faults = xcalloc(x->n_faults + 1, sizeof(*r->faults));
	r->n_faults = x->n_faults;
	for (size_t i = 0; i < x->n_faults; i++) {
		struct report_fault *f = &r->faults[i];
		struct sbuf b = { 0 };
		x->faults[i].type->describe(&x->faults[i], &b);
		*f = (struct report_fault){ .name = xstrdup(x->faults[i].name),
					    .type = xstrdup(x->faults[i].type->name),
					    .description = sbuf_take(&b),
					    .applied_at_us = -1, .reverted_at_us = -1,
					    .instant = x->faults[i].type->flags & FAULT_INSTANT };
	}
	r->probes = xcalloc(x->n_probes + 1, sizeof(*r->probes));
	r->n_probes = x->n_probes;
	for (size_t i = 0; i < x->n_probes; i++) {
		const struct probe_spec *p = &x->probes[i];
		r->probes[i] = (struct report_probe){
			.name = xstrdup(p->name), .type = xstrdup(p->type->name),
			.verdict = VERDICT_PASSED, .during = p->during, .tolerance = p->tolerance,
			.recover_within_us = p->recover_within_us,
			.time_to_detect_us = -1, .time_to_recover_us = -1,
			.interval_us = p->interval_us, .healthy_after = p->healthy_after, .halt_us = p->halt_us,
			.detector = p->detector, .detect_within_us = p->detector ? p->detect_within_us : -1,
			.clear_within_us = p->detector ? p->clear_within_us : -1 };
		if (p->detector) {
			r->probes[i].detects = xcalloc(x->n_faults + 1, sizeof(bool));
			for (size_t f = 0; f < x->n_faults; f++)
				r->probes[i].detects[f] = probe_detects(p, f);
		}
	}
	return r;
}

/* Before anything runs: every fault type this experiment uses must be
 * supported here, and every target not launched by us must match now. */
static int preflight(struct engine *e, char **ret_reason, enum verdict *ret_v)
{
	const struct experiment *x = e->x;

	for (size_t i = 0; i < x->n_faults; i++) {
		const char *why = NULL;
		if (fault_supported(&x->faults[i], &why) < 0) {
			*ret_reason = xasprintf("[fault %s] type %s: %s", x->faults[i].name,
						x->faults[i].type->name, why);
			*ret_v = VERDICT_UNSUPPORTED;
			return -ENOTSUP;
		}
	}
	for (size_t i = 0; i < x->n_targets; i++) {
		struct proc_set ps = { 0 };
		char *err = NULL;
		int r;

		if (x->targets[i].command || x->targets[i].within || target_netns_only(&x->targets[i]))
			continue;
		r = target_match(&e->targets[i], &ps, &err);
		proc_set_free(&ps);
		if (r <= 0) {
			*ret_reason = r < 0 ? xasprintf("%s:%u: [target %s]: %s", x->file, x->targets[i].line,
							x->targets[i].name, err) :
					      xasprintf("%s:%u: [target %s]: no process matches its selectors now",
							x->file, x->targets[i].line, x->targets[i].name);
			free(err);
			*ret_v = VERDICT_INVALID;
			return -ESRCH;
		}
	}
	return 0;
}

static uint64_t random_seed(void)
{
	uint64_t s = 0;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != sizeof(s))
		s = (uint64_t)now_usec() ^ ((uint64_t)getpid() << 32);
	return s & ((1ULL << 53) - 1);	/* exact in JSON readers that use doubles */
}

/* One run at a time: take the run lock (include/erebus/rundir.h), waiting
 * for the run that holds it at most o->wait_us. Called before signals are
 * blocked, so that Ctrl-C ends a wait (nothing has been changed yet).
 * 0, or -errno with *ret_reason and *ret_v (-EBUSY: exit 2). */
static int take_run_lock(struct engine *e, char **ret_reason, enum verdict *ret_v)
{
	char *err = NULL;
	int r = runlock_take(e->x->name, e->x->file, 0, &err);

	if (r == -EBUSY && e->o->wait_us > 0) {
		char d[32];
		fprintf(e->o->log, "erebus: %s; waiting for it at most %s (--wait)\n", err,
			format_duration(e->o->wait_us, d, sizeof(d)));
		free(err);
		err = NULL;
		r = runlock_take(e->x->name, e->x->file, e->o->wait_us, &err);
	}
	if (r < 0) {
		*ret_reason = err;
		*ret_v = r == -EBUSY ? VERDICT_INVALID : VERDICT_UNSUPPORTED;
	}
	return r;
}

/* Open the ledger, point undo records at it, fork the guardian and keep
 * targets from including it. 0, or -errno with *ret_reason and *ret_v. */
static int start_safety(struct engine *e, char **ret_reason, enum verdict *ret_v)
{
	char *err = NULL;
	int r = ledger_open(e->x->name, &err);
	pid_t g;

	if (r < 0) {
		*ret_reason = err;
		*ret_v = r == -EEXIST ? VERDICT_CLEANUP_FAILED : VERDICT_UNSUPPORTED;
		return r;
	}
	undo_journal_set(&ledger_journal);
	g = guardian_start();
	if (g < 0) {
		*ret_reason = xasprintf("cannot start the guardian: %s", strerror((int)-g));
		*ret_v = VERDICT_UNSUPPORTED;
		return g;
	}
	e->refused[0] = (struct target_refused){ g, "it is Erebus' guardian" };
	e->exclude = (struct target_exclude){ e->refused, 1 };
	return 0;
}

/* Create the [sandbox] hosts, and launch targets in theirs. 0 or -errno. */
static int start_sandbox(struct engine *e, char **ret_reason, enum verdict *ret_v)
{
	const struct experiment *x = e->x;
	char *err = NULL;
	struct sbuf b = { 0 };

	if (!x->sandbox.n_hosts)
		return 0;
	if (sandbox_create(x, &e->sandbox, &err) < 0) {
		*ret_reason = xasprintf("%s:%u: [sandbox]: %s", x->file, x->sandbox.line, err);
		free(err);
		*ret_v = VERDICT_UNSUPPORTED;
		return -EIO;
	}
	e->host_fds = xcalloc(x->sandbox.n_hosts, sizeof(int));
	for (size_t i = 0; i < x->sandbox.n_hosts; i++) {
		e->host_fds[i] = sandbox_host_fd(e->sandbox, i);
		sbuf_addf(&b, "%s%s %s", i ? ", " : "", x->sandbox.hosts[i], x->sandbox.addrs[i]);
	}
	e->penv.host_fds = e->host_fds;
	e->penv.n_hosts = x->sandbox.n_hosts;
	for (size_t i = 0; i < x->n_targets; i++)
		if (x->targets[i].host >= 0)
			e->targets[i].netns_fd = e->host_fds[x->targets[i].host];
	engine_event(e, "sandbox.created", NULL, "%s", b.s);
	sbuf_free(&b);
	return 0;
}

/* Launch the targets that have a command; watch each for its exit. */
static int launch_targets(struct engine *e, char **ret_reason, enum verdict *ret_v)
{
	const struct experiment *x = e->x;

	for (size_t i = 0; i < x->n_targets; i++) {
		char *err = NULL;
		if (!x->targets[i].command)
			continue;
		if (target_launch(&e->targets[i], &err) < 0) {
			*ret_reason = xasprintf("%s:%u: [target %s] command: %s", x->file, x->targets[i].line,
						x->targets[i].name, err);
			free(err);
			*ret_v = VERDICT_INVALID;
			return -EINVAL;
		}
		int r = loop_add_fd(e->loop, e->targets[i].child_pidfd, EPOLLIN, engine_on_child, &e->targets[i]);
		if (r == 0)
			r = loop_add_fd(e->loop, e->targets[i].err->fd, EPOLLIN, engine_on_child_stderr, &e->targets[i]);
		if (r < 0) {	/* an exit nobody sees would go unnoticed: do not run */
			*ret_reason = xasprintf("cannot watch the command of [target %s]: %s", x->targets[i].name,
						strerror(-r));
			*ret_v = VERDICT_UNSUPPORTED;
			return r;
		}
		engine_event(e, "target.launched", x->targets[i].name, "pid %d: %s", (int)e->targets[i].child,
			     x->targets[i].command);
	}
	return 0;
}

/* A fault instance per [fault], a probe run per [probe], not yet started. */
static int prepare_runs(struct engine *e, char **ret_reason, enum verdict *ret_v)
{
	const struct experiment *x = e->x;

	e->faults = xcalloc(x->n_faults + 1, sizeof(*e->faults));
	for (size_t i = 0; i < x->n_faults; i++)
		e->faults[i] = (struct fault_inst){ .e = e, .spec = &x->faults[i], .rf = &e->rep->faults[i],
						    .ctx.netns_fd = -1 };
	e->probes = xcalloc(x->n_probes + 1, sizeof(*e->probes));
	for (size_t i = 0; i < x->n_probes; i++) {
		struct probe_track *pt = &e->probes[i];
		char *err = NULL;

		pt->e = e;
		pt->rp = &e->rep->probes[i];
		pt->down_since = -1;
		if (probe_run_init(&pt->run, &x->probes[i], &e->penv, e->origin, &err) < 0) {
			*ret_reason = xasprintf("%s:%u: [probe %s]: %s", x->file, x->probes[i].line,
						x->probes[i].name, err ? err : "cannot start");
			free(err);
			*ret_v = VERDICT_UNSUPPORTED;
			return -EINVAL;
		}
		pt->run.on_sample = on_sample;
		pt->run.owner = pt;
		pt->run.phase = PHASE_BEFORE;
	}
	detect_init(e);
	e->check_recovered = engine_check_recovered;
	return 0;
}

/* Everything before the loop runs, in order; the first failure stops it
 * with *ret_reason and *ret_v (nothing was injected). 0 or -errno. */
static int setup(struct engine *e, const sigset_t *mask, char **ret_reason, enum verdict *ret_v)
{
	const struct experiment *x = e->x;

	e->targets = xcalloc(x->n_targets + 1, sizeof(*e->targets));
	for (size_t i = 0; i < x->n_targets; i++)
		e->targets[i] = (struct target_state){ .spec = &x->targets[i], .child_pidfd = -1,
						       .show_output = e->o->verbosity >= LOG_VERBOSE,
						       .netns_fd = -1, .exclude = &e->exclude, .owner = e };
	for (size_t i = 0; i < x->n_targets; i++)
		if (x->targets[i].within)
			e->targets[i].within = &e->targets[x->targets[i].within - x->targets];
	e->loop = loop_new();
	e->sigfd = signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
	/* Without the signalfd watched, Ctrl-C (blocked) would never be seen. */
	int r = !e->loop || e->sigfd < 0 ? (errno > 0 ? -errno : -ENOMEM) :
		loop_add_fd(e->loop, e->sigfd, EPOLLIN, engine_on_signal, e);
	if (r < 0) {
		*ret_reason = xasprintf("cannot set up the event loop: %s", strerror(-r));
		*ret_v = VERDICT_UNSUPPORTED;
		return r;
	}
	e->penv = (struct probe_env){ .loop = e->loop, .targets = e->targets, .n_targets = x->n_targets };
	if (preflight(e, ret_reason, ret_v) < 0 || start_safety(e, ret_reason, ret_v) < 0)
		return -EINVAL;
	engine_event(e, "run", NULL, "experiment %s (seed %llu)", x->name, (unsigned long long)e->rep->seed);
	if (start_sandbox(e, ret_reason, ret_v) < 0 || launch_targets(e, ret_reason, ret_v) < 0 ||
	    prepare_runs(e, ret_reason, ret_v) < 0)
		return -EINVAL;
	/* The end of setup: from here on, only what the run needs (caps.c). */
	return engine_drop_privileges(e, ret_reason, ret_v);
}

/* After the loop: stop launched commands, remove the sandbox, close the
 * ledger (kept when cleanup failed), hand the samples to the report, and
 * free the engine's state. */
static void teardown(struct engine *e)
{
	const struct experiment *x = e->x;

	for (size_t i = 0; e->targets && i < x->n_targets; i++)	/* none: setup did not start */
		if (e->targets[i].child) {
			if (e->loop && e->targets[i].child_pidfd >= 0)
				loop_del_fd(e->loop, e->targets[i].child_pidfd);
			if (e->loop && e->targets[i].err)
				loop_del_fd(e->loop, e->targets[i].err->fd);
			target_stop(&e->targets[i], 2 * USEC_PER_SEC);
		}
	sandbox_destroy(e->sandbox);	/* after its processes are gone */
	/* A clean rollback leaves no ledger; otherwise the guardian tries once
	 * more as we exit, and `erebus recover` after it. */
	ledger_close(e->rep->verdict != VERDICT_CLEANUP_FAILED);
	undo_journal_set(NULL);
	free(e->host_fds);
	e->rep->finished_at = wall_usec();
	hand_samples(e);	/* done at the verdict; here when there was none */
	detect_free(e);
	for (size_t i = 0; e->probes && i < x->n_probes; i++) {
		if (e->probes[i].e)
			probe_run_free(&e->probes[i].run);
		free(e->probes[i].last_fail);
	}
	for (size_t i = 0; e->faults && i < x->n_faults; i++)	/* a revert that failed kept it */
		if (e->faults[i].ctx.netns_fd >= 0)
			close(e->faults[i].ctx.netns_fd);
	free(e->probes);
	free(e->faults);
	undone_close(e);
	free(e->undone);
	free(e->targets);
	if (e->sigfd >= 0)
		close(e->sigfd);
	loop_free(e->loop);
}

int engine_run(struct experiment *x, const struct run_opts *o, struct report **ret)
{
	struct engine e = { .x = x, .o = o, .sigfd = -1 };
	sigset_t mask, oldmask;
	uint64_t seed = o->seed_set ? o->seed : x->seed_set ? x->seed : random_seed();
	_cleanup_free_ char *reason = NULL;
	enum verdict v = VERDICT_ABORTED;
	bool locked;
	int code = -1;

	e.rep = new_report(x, seed);
	report_live_begin(e.rep, o->keep_samples);
	rng_seed(&e.rng, seed);
	e.origin = now_usec();
	locked = take_run_lock(&e, &reason, &v) == 0;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	/* A stopped engine would leave its faults applied for as long as it
	 * stays stopped (the guardian acts only on its death): a request to
	 * stop is answered like Ctrl-C, by reverting and ending the run.
	 * Blocked, SIGTTIN and SIGTTOU are not even sent by the terminal. */
	sigaddset(&mask, SIGTSTP);
	sigaddset(&mask, SIGTTIN);
	sigaddset(&mask, SIGTTOU);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	signal(SIGPIPE, SIG_IGN);

	if (locked && setup(&e, &mask, &reason, &v) == 0) {
		e.state = ST_STEADY;
		engine_event(&e, "phase", NULL, "waiting for steady state (every probe healthy, at most %s)",
			     format_duration(x->steady_timeout_us, (char[32]){ 0 }, 32));
		e.steady_timer = loop_timer_add(e.loop, e.origin + x->steady_timeout_us, on_steady_timeout, &e);
		if (o->live && o->verbosity > LOG_QUIET)
			e.progress_timer = loop_timer_add(e.loop, now_usec(), engine_on_progress, &e);
		for (size_t i = 0; i < x->n_probes; i++)
			probe_run_start(&e.probes[i].run);
		chaos_start(&e);
		code = loop_run(e.loop);
		if (code < 0) {	/* the loop itself failed: still revert */
			reason = xasprintf("event loop failed: %s", strerror(-code));
			engine_finish(&e, VERDICT_ABORTED, reason);
			code = verdict_exit_code(e.rep->verdict);
		}
		chaos_end(&e);
	}
	if (code < 0) {
		/* Nothing ran: the verdict and reason come from setup. */
		e.rep->verdict = v;
		e.rep->reason = xstrdup(reason ? reason : "setup failed");
		code = verdict_exit_code(v);
		for (size_t i = 0; i < x->n_probes; i++) {
			e.rep->probes[i].verdict = v;
			for (int ph = 0; ph < PHASE_COUNT; ph++)
				report_phase_stats(NULL, 0, ph, &e.rep->probes[i].phases[ph]);
		}
		fprintf(o->log, "erebus: %s\n", e.rep->reason);	/* an error: shown even with -q */
	}
	teardown(&e);
	runlock_release();	/* the guardian keeps it until it is gone */
	/* A signal that arrived while cleaning up has been answered by the
	 * cleanup itself; consume it so it cannot kill us before the report. */
	while (sigtimedwait(&mask, NULL, &(struct timespec){ 0 }) > 0)
		;
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	*ret = e.rep;
	return code;
}
