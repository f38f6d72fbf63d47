/* SPDX-License-Identifier: MIT */
/* Questions asked of a built experiment, by the checks and by its users. */
#include "erebus/experiment.h"
#include "erebus/fault.h"
#include "model_internal.h"

struct target_spec *experiment_target(const struct experiment *x, const char *name)
{
	size_t i = strmap_get(&x->target_index, name);

	return i < x->n_targets ? &x->targets[i] : NULL;
}

int model_sandbox_host(const struct experiment *x, const char *name)
{
	size_t i = strmap_get(&x->host_index, name);

	return i < x->sandbox.n_hosts ? (int)i : -1;
}

bool target_netns_only(const struct target_spec *t)
{
	return t->netns && !t->pid && !t->pidfile && !t->process && !t->cmdline && !t->cgroup &&
	       !t->command && !t->within;
}

int64_t experiment_window_us(const struct experiment *x)
{
	int64_t end = 0;

	for (size_t i = 0; i < x->n_faults; i++) {
		const struct fault_spec *f = &x->faults[i];
		int64_t e = f->at_us;

		if (f->every_us)
			e += (f->duration_us / f->every_us) * f->every_us;
		else if (!(f->type && (f->type->flags & FAULT_INSTANT)))
			e += f->duration_us;
		if (e > end)
			end = e;
	}
	return end;
}
