/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the probe types in src/probe_*.c; not part of the
 * public contract (that is include/erebus/probe.h).
 */
#ifndef EREBUS_PROBE_INTERNAL_H
#define EREBUS_PROBE_INTERNAL_H

#include "erebus/probe.h"

/* strerror(err) starting in lower case ("connection refused"), for sample
 * messages; err is a positive errno. Returns buf. */
const char *probe_strerror(int err, char *buf, size_t len);

/* Append ", every 1.00s, timeout 500ms" (the runner's part of a plan line). */
void probe_describe_timing(const struct probe_spec *p, struct sbuf *out);

#endif
