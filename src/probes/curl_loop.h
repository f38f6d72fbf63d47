/* SPDX-License-Identifier: MIT */
/*
 * libcurl's multi-socket interface on an Erebus event loop (src/probes/
 * curl_loop.c): curl's sockets are watched by the loop, its timeout is a
 * loop timer, and after every socket action the owner's done() reads the
 * transfers that finished (curl_multi_info_read()). The http-family
 * probes (fetch.c) and the engine's annotation webhook (src/engine/
 * annotate.c) each own one. Include after curl_dl.h.
 */
#ifndef EREBUS_CURL_LOOP_H
#define EREBUS_CURL_LOOP_H

#include <stdbool.h>

#include "curl_dl.h"
#include "erebus/loop.h"

struct curl_loop {
	CURLM *multi;
	struct loop *loop;
	struct loop_timer *timer;
	void (*done)(void *owner);
	/* On CURL_POLL_REMOVE: true leaves the socket watched (a connection
	 * its owner still holds); NULL: never. */
	bool (*keep_watch)(void *owner, curl_socket_t s);
	void *owner;
};

/* A new multi handle on loop. 0, or -ENOMEM with nothing to free. */
int curl_loop_init(struct curl_loop *cl, struct loop *loop, void (*done)(void *owner),
		   bool (*keep_watch)(void *owner, curl_socket_t s), void *owner);
/* Clean the multi handle up (curl may still call back), then the timer. */
void curl_loop_free(struct curl_loop *cl);

#endif
