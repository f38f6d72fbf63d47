/* SPDX-License-Identifier: MIT */
/* kill: send a signal (SIGKILL by default) once, or again each `every`. */
#include <signal.h>

#include "procsig.h"

static const struct opt_def kill_options[] = {
	{ "signal", OPT_SIGNAL, 0, "SIGKILL", 0, 0, NULL, "Signal to send, by name or number" },
	OPT_END
};

static void kill_check(const struct fault_spec *f, struct diag *d)
{
	const struct opt_value *v = section_get(f->sec, "signal");
	int sig = (int)v->i;

	if (!v->present)
		return;
	if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
		diag_error(d, v->line, f->sec->label, "signal",
			   "%s would leave the process stopped; use a pause fault, which resumes it",
			   v->raw);
	if (sig == SIGCONT)
		diag_error(d, v->line, f->sec->label, "signal", "SIGCONT is not a fault");
}

static int kill_apply(struct fault_ctx *ctx, char **ret_err)
{
	return signal_all(ctx, (int)section_int(ctx->spec->sec, "signal"), false, ret_err);
}

static void kill_describe(const struct fault_spec *f, struct sbuf *out)
{
	char a[32], b[32];

	signal_describe(f, signal_name((int)section_int(f->sec, "signal")), out);
	if (f->every_us)
		sbuf_addf(out, ", then every %s for %s (picking again each time)",
			  format_duration(f->every_us, a, sizeof(a)),
			  format_duration(f->duration_us, b, sizeof(b)));
}

const struct fault_type fault_kill = {
	.name = "kill",
	.summary = "Send a signal (SIGKILL by default) to the target's processes, once or every period",
	.options = kill_options,
	.flags = FAULT_INSTANT | FAULT_NEEDS_TARGET | FAULT_SIGNALS,
	.supported = signal_supported,
	.check = kill_check,
	.apply = kill_apply,
	.describe = kill_describe,
};
