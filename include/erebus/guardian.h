/* SPDX-License-Identifier: MIT */
/*
 * The guardian: a small process forked at the start of a run that watches
 * the engine through a pidfd. When the engine is gone, for any reason
 * (SIGKILL, a crash, the OOM killer), the guardian replays what is left
 * of the run's ledger, logs what it did, and exits. If the engine ended
 * cleanly, its ledger is already gone and the guardian has nothing to do.
 */
#ifndef EREBUS_GUARDIAN_H
#define EREBUS_GUARDIAN_H

#include <sys/types.h>

/* Fork the guardian for the open ledger. Returns its pid (the caller
 * keeps targets from including it), or -errno. */
pid_t guardian_start(void);

#endif
