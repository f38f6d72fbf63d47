/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the probe types (src/probes/TYPE.c); not part of the
 * public contract (that is include/erebus/probe.h). Pointer arguments must
 * not be NULL unless a function says otherwise (checked with assert()).
 */
#ifndef EREBUS_PROBE_INTERNAL_H
#define EREBUS_PROBE_INTERNAL_H

#include <netdb.h>

#include "erebus/probe.h"

/* strerror(err) starting in lower case ("connection refused"), for sample
 * messages; err is a positive errno. Returns buf. */
const char *probe_strerror(int err, char *buf, size_t len);

/* Append ", every 1.00s, timeout 500ms" (the runner's part of a plan line). */
void probe_describe_timing(const struct probe_spec *p, struct sbuf *out);

/*
 * Name lookups that do not block the loop (src/probes/lookup.c):
 * getaddrinfo() runs in glibc's resolver threads (getaddrinfo_a()), and
 * each end is handed to the loop through one pipe. A probe type attaches
 * to the loop in init() and detaches in destroy(); lookups start and end
 * between the two. One loop at a time per process.
 */
struct probe_lookup;
/* Called on the loop when a lookup ends: rc is getaddrinfo()'s (0 or an
 * EAI_* code; EAI_SYSTEM loses its errno in the resolver thread), ai its
 * addresses on 0, owned by the callee (freeaddrinfo()). */
typedef void (*probe_lookup_cb)(int rc, struct addrinfo *ai, void *userdata);

/* Let lookups report on l. Returns 0, or -errno (-EBUSY: attached to
 * another loop). */
int probe_lookup_attach(struct loop *l);
/* Undo one probe_lookup_attach(l). */
void probe_lookup_detach(struct loop *l);
/* Start resolving host and port (copied) with hints; done(rc, ai,
 * userdata) is called later on the loop, never from inside this call.
 * Returns 0 with *ret, or an EAI_* code (errno set for EAI_SYSTEM). */
int probe_lookup_start(const char *host, const char *port, const struct addrinfo *hints,
		       probe_lookup_cb done, void *userdata, struct probe_lookup **ret);
/* Abandon q (NULL: nothing): its done() is never called. Never waits: a lookup under way
 * finishes in its thread (within the resolver's own timeouts) and is freed
 * when it reports. */
void probe_lookup_cancel(struct probe_lookup *q);

/*
 * Closing TCP connections so that Erebus' side keeps no TIME_WAIT
 * (src/probes/conn.c). The side that closes first keeps the connection in
 * TIME_WAIT for 60 s, holding a local port; a client that closes first at
 * a high rate runs out of ports.
 */
/* Close fd with a reset (SO_LINGER 0): no FIN, no TIME_WAIT on either
 * side. For connections that carried no data, or at the end of a run.
 * Returns close()'s result. */
int conn_close_reset(int fd);
/* Make every later close of fd a reset, unless conn_close_after_peer()
 * closes it: for sockets an owner may close behind one's back (libcurl 7.88
 * to 8.1 close a connection it abandons while still connecting without
 * calling its close callback). */
void conn_arm_reset(int fd);

/* Connections held open until their server closes, on one loop. Zero
 * it, then set loop; closing is set by the owner when the loop no longer
 * turns (the end of the run). */
struct conn_held {
	struct loop *loop;
	bool closing;
	struct conn_hold *list;
};
/* Close fd, a socket its owner is done with (fd is closed when this
 * returns). A TCP connection still open both ways is held on the loop, on
 * a descriptor of its own, until the peer's FIN arrives (at most 1 s, then
 * closed from here), so the peer closes first; with h->closing it is
 * reset instead; anything else is closed at once. A loop watch of fd still
 * there (its owner's) is dropped. Returns 0, or close()'s result. */
int conn_close_after_peer(struct conn_held *h, int fd);
/* Is fd held by conn_close_after_peer()? */
bool conn_is_held(const struct conn_held *h, int fd);
/* Reset and forget every held connection. */
void conn_reset_held(struct conn_held *h);

#endif
