/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the probe types (src/probes/TYPE.c); not part of the
 * public contract (that is include/erebus/probe.h).
 */
#ifndef EREBUS_PROBE_INTERNAL_H
#define EREBUS_PROBE_INTERNAL_H

#include "erebus/probe.h"

/* A duration as a person would write it in an experiment: "1s", "250ms",
 * "1m30s", "1.5s", "800us". Returns buf. */
const char *probe_format_usec(int64_t usec, char *buf, size_t len);

/* strerror(err) starting in lower case ("connection refused"), for sample
 * messages; err is a positive errno. Returns buf. */
const char *probe_strerror(int err, char *buf, size_t len);

/* Append ", every 1s, timeout 1s" (the runner's part of a plan line). */
void probe_describe_timing(const struct probe_spec *p, struct sbuf *out);

#endif
