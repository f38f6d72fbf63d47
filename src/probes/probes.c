/* SPDX-License-Identifier: MIT */
/* The probe registry: every type listed once, in probes.def. */
#include "erebus/probe.h"
#include "internal.h"

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

unsigned probe_key_line(const struct probe_spec *p, const char *key)
{
	const struct opt_value *v = section_get(p->sec, key);

	return v && v->line ? v->line : p->line;
}
