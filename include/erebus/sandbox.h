/* SPDX-License-Identifier: MIT */
/*
 * Sandbox networks: an experiment's own hosts. Each host is a network
 * namespace Erebus creates, with loopback up and an eth0 on one private
 * link (a bridge in a namespace of its own), addressed from the sandbox's
 * subnet. The namespaces are anonymous: they exist only while Erebus (or a
 * process it launched inside) holds them, so nothing is left behind when
 * the run ends, however it ends.
 */
#ifndef EREBUS_SANDBOX_H
#define EREBUS_SANDBOX_H

#include "erebus/experiment.h"

struct sandbox;

/* Create the hosts of x's [sandbox]. Returns 0 and *ret (NULL when x has
 * no sandbox), or -errno with *ret_err (caller frees). */
int sandbox_create(const struct experiment *x, struct sandbox **ret, char **ret_err);
/* The namespace fd of host i (the index in x->sandbox.hosts); owned by sb. */
int sandbox_host_fd(const struct sandbox *sb, size_t i);
/* Close every namespace; the kernel removes them and their links once no
 * process is left inside. NULL is fine. */
void sandbox_destroy(struct sandbox *sb);

#endif
