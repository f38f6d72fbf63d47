/* SPDX-License-Identifier: MIT */
/*
 * The process probe: a sample passes while at least min_count processes
 * match a target's selectors. It completes synchronously, inside start():
 * matching reads /proc (target_match()) and waits for no process, pipe or
 * network. The one kernel wait it can meet: reading /proc/PID/cmdline (a
 * cmdline selector) takes that process's memory-map lock, so it waits
 * while the lock is held for writing or a writer is queued for it (an
 * mmap() or munmap() of the process), which a page fault stuck on hung
 * storage can prolong: bounded by what that process does, not by Erebus.
 * Taking it off the loop needs an asynchronous target_match() (src/target).
 *
 * A stopped (SIGSTOP) process still matches: it exists. Telling "paused"
 * from "gone" is the job of an http, tcp or exec probe.
 */
#include "erebus/probe.h"
#include "internal.h"

struct process_state {
	const struct target_spec *target;
	int64_t min_count;
};

/* The runtime state of our target; NULL if the engine has none. */
static const struct target_state *process_target(const struct probe_ctx *ctx,
						 const struct process_state *st)
{
	for (size_t i = 0; i < ctx->env->n_targets; i++)
		if (ctx->env->targets[i].spec == st->target)
			return &ctx->env->targets[i];
	return NULL;
}

static int process_start(struct probe_ctx *ctx)
{
	const struct process_state *st = ctx->state;
	const struct target_state *ts = process_target(ctx, st);
	struct proc_set set = { 0 };
	_cleanup_free_ char *err = NULL;
	char msg[160], e[128];
	int n;

	if (!ts) {
		snprintf(msg, sizeof(msg), "target %s is not set up", st->target->name);
		probe_complete(ctx, false, -1, msg);
		return 0;
	}
	n = target_match(ts, &set, &err);
	proc_set_free(&set);
	if (n < 0) {
		probe_complete(ctx, false, -1, err ? err : probe_strerror(-n, e, sizeof(e)));
		return 0;
	}
	if (n >= st->min_count) {
		probe_complete(ctx, true, -1, NULL);
		return 0;
	}
	snprintf(msg, sizeof(msg), "%d %s, min_count %lld", n,
		 n == 1 ? "process matches" : "processes match", (long long)st->min_count);
	probe_complete(ctx, false, -1, msg);
	return 0;
}

static int process_init(struct probe_ctx *ctx, char **ret_err)
{
	struct process_state *st;

	if (!ctx->spec->target) {
		*ret_err = xstrdup("target is not set");
		return -EINVAL;
	}
	st = xcalloc(1, sizeof(*st));
	st->target = ctx->spec->target;
	st->min_count = section_int(ctx->spec->sec, "min_count");
	ctx->state = st;
	return 0;
}

static void process_destroy(struct probe_ctx *ctx)
{
	free(ctx->state);
	ctx->state = NULL;
}

static void process_describe(const struct probe_spec *p, struct sbuf *out)
{
	int64_t min = section_int(p->sec, "min_count");

	sbuf_addf(out, "at least %lld %s of target %s", (long long)min,
		  min == 1 ? "process" : "processes",
		  p->target ? p->target->name : section_str(p->sec, "target"));
	probe_describe_timing(p, out);
}

static const struct opt_def process_options[] = {
	{ "target", OPT_STRING, OPT_REQUIRED, NULL, 0, 0, NULL,
	  "name of the [target NAME] section whose processes to count" },
	{ "min_count", OPT_INT, 0, "1", 0, INT32_MAX, NULL,
	  "fewest matching processes that pass" },
	OPT_END,
};

const struct probe_type probe_process = {
	.name = "process",
	.summary = "count a target's processes; pass while at least min_count exist",
	.options = process_options,
	.init = process_init,
	.start = process_start,
	.destroy = process_destroy,
	.describe = process_describe,
};
