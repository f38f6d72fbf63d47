/* SPDX-License-Identifier: MIT */
/* Shared by the process-signal faults (kill, pause, throttle). */
#ifndef EREBUS_FAULTS_PROCSIG_H
#define EREBUS_FAULTS_PROCSIG_H

#include "erebus/fault.h"

/*
 * Send sig to every process in ctx->procs. When cont_undo is set, push an
 * UNDO_SIGCONT record for each process before signalling it, and first
 * drop (and log) those already stopped: not Erebus' to resume. Processes
 * that are already gone are skipped and logged. Returns 0 if at least one
 * process got the signal (or all were gone), else -errno with *ret_err.
 */
int signal_all(struct fault_ctx *ctx, int sig, bool cont_undo, char **ret_err);

/* pidfds need Linux 5.3: the supported() hook of every signal fault. */
int signal_supported(const char **reason);

/* "SIGSTOP to [target worker] (pick all)" for describe(). */
void signal_describe(const struct fault_spec *f, const char *what, struct sbuf *out);

#endif
