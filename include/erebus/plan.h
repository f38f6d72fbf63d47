/* SPDX-License-Identifier: MIT */
/*
 * `erebus plan`: what a run of an experiment would do, resolved against the
 * machine now: each target and what it matches, each probe, and the fault
 * timeline with every fault's support here. Reads /proc; changes nothing.
 */
#ifndef EREBUS_PLAN_H
#define EREBUS_PLAN_H

#include <stdio.h>

#include "erebus/experiment.h"

/* Print the plan of x (targets resolved now, the timeline) to out. Changes
 * nothing. x and out must not be NULL. Returns 0, 2 when a target matches
 * nothing, or 5 when a fault is not supported here. */
int engine_plan(const struct experiment *x, FILE *out);

#endif
