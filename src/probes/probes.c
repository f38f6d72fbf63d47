/* SPDX-License-Identifier: MIT */
/* The probe registry: every type listed once, in probes.def. */
#include "erebus/probe.h"

#define PROBE(n) extern const struct probe_type probe_##n;
#include "probes.def"
#undef PROBE

const struct probe_type *const probe_types[] = {
#define PROBE(n) &probe_##n,
#include "probes.def"
#undef PROBE
	NULL,
};

const struct probe_type *probe_type_find(const char *name)
{
	if (!name)
		return NULL;
	for (const struct probe_type *const *t = probe_types; *t; t++)
		if (strcmp((*t)->name, name) == 0)
			return *t;
	return NULL;
}
