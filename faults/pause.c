/* SPDX-License-Identifier: MIT */
/* pause: SIGSTOP for the duration; the undo record sends SIGCONT. */
#include <signal.h>

#include "procsig.h"

static const struct opt_def pause_options[] = { OPT_END };

static int pause_apply(struct fault_ctx *ctx, char **ret_err)
{
	return signal_all(ctx, SIGSTOP, true, ret_err);
}

static void pause_describe(const struct fault_spec *f, struct sbuf *out)
{
	char a[32];

	signal_describe(f, "SIGSTOP", out);
	sbuf_addf(out, ", SIGCONT %s later", format_duration(f->duration_us, a, sizeof(a)));
}

const struct fault_type fault_pause = {
	.name = "pause",
	.summary = "Stop the target's processes (SIGSTOP) for the duration, then resume them (SIGCONT)",
	.options = pause_options,
	.flags = FAULT_NEEDS_DURATION | FAULT_NEEDS_TARGET | FAULT_SIGNALS,
	.supported = signal_supported,
	.apply = pause_apply,
	.describe = pause_describe,
};
