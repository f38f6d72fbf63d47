/* SPDX-License-Identifier: MIT */
/* The built-in catalogue: the registries of faults/ and src/probes/. */
#include "erebus/catalog.h"
#include "erebus/fault.h"
#include "erebus/probe.h"

const struct model_catalog catalog_builtin = {
	.faults = fault_types,
	.probes = probe_types,
};
