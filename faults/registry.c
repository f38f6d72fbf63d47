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

const struct fault_type *fault_type_find(const char *name)
{
	for (size_t i = 0; fault_types[i]; i++)
		if (!strcmp(fault_types[i]->name, name))
			return fault_types[i];
	return NULL;
}
