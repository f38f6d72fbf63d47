/* SPDX-License-Identifier: MIT */
#include "erebus/fault.h"

#define FAULT(n) extern const struct fault_type fault_##n;
#include "faults.def"
#undef FAULT

const struct fault_type *const fault_types[] = {
#define FAULT(n) &fault_##n,
#include "faults.def"
#undef FAULT
	NULL
};

int fault_supported(const struct fault_spec *f, const char **reason)
{
	if (f->type->supported_spec)
		return f->type->supported_spec(f, reason);
	return f->type->supported ? f->type->supported(reason) : 0;
}

const struct fault_type *fault_type_find(const char *name)
{
	for (size_t i = 0; fault_types[i]; i++)
		if (!strcmp(fault_types[i]->name, name))
			return fault_types[i];
	return NULL;
}
