/* SPDX-License-Identifier: MIT */
/*
 * The catalogue of every fault type (faults/faults.def) and probe type
 * (src/probes/probes.def) this build has, in the shape the model takes
 * (struct model_catalog): what the command line and the tests hand to
 * experiment_load().
 */
#ifndef EREBUS_CATALOG_H
#define EREBUS_CATALOG_H

#include "erebus/experiment.h"

extern const struct model_catalog catalog_builtin;

#endif
