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

/* Does every network fault's interface exist in its target's network
 * namespace, where that namespace can be found now: a target's netns
 * (when it exists and can be entered), and with match the namespace of
 * the first process a target matches now. Namespaces made by the run (a
 * sandbox host, a launched command's) are checked when the fault fires.
 * Each missing interface is an error in d at the interface key's line;
 * returns how many. */
size_t engine_check_interfaces(const struct experiment *x, bool match, struct diag *d);

#endif
