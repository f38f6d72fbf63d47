/* SPDX-License-Identifier: MIT */
/* libcurl's multi-socket interface on the event loop (curl_loop.h). */
#include <sys/epoll.h>

#include "curl_loop.h"
#include "erebus/util.h"

static void curl_loop_on_fd(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct curl_loop *cl = userdata;
	int flags = 0, running;

	if (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP))
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & EPOLLERR)
		flags |= CURL_CSELECT_ERR;
	(void)curl_multi_socket_action(cl->multi, fd, flags, &running);
	cl->done(cl->owner);
}

/* curl's timeout is due. Returns 0: curl re-arms the timer itself from
 * inside curl_multi_socket_action() through curl_loop_timer_cb(). */
static int64_t curl_loop_on_timer(struct loop *l, int64_t now_us, void *userdata)
{
	struct curl_loop *cl = userdata;
	int running;

	(void)curl_multi_socket_action(cl->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	cl->done(cl->owner);
	return 0;
}

/* Socket callback: keep the loop's watch of s in step with what curl wants. */
static int curl_loop_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct curl_loop *cl = userp;
	uint32_t ev = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	int rc;

	if (what == CURL_POLL_REMOVE) {
		if (!cl->keep_watch || !cl->keep_watch(cl->owner, s))
			loop_del_fd(cl->loop, s);
		return 0;
	}
	if (socketp) {
		rc = loop_mod_fd(cl->loop, s, ev);
		if (rc != -ENOENT)
			return rc < 0 ? -1 : 0;
	}
	rc = loop_add_fd(cl->loop, s, ev, curl_loop_on_fd, cl);
	if (rc == -EEXIST) {	/* a stale watch of a number curl closed and reused */
		loop_del_fd(cl->loop, s);
		rc = loop_add_fd(cl->loop, s, ev, curl_loop_on_fd, cl);
	}
	if (rc < 0)
		return -1;
	(void)curl_multi_assign(cl->multi, s, cl);
	return 0;
}

/* Timer callback: curl asks to be called back in timeout_ms (-1: never). */
static int curl_loop_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct curl_loop *cl = userp;

	loop_timer_set(cl->loop, cl->timer, timeout_ms < 0 ? 0 : now_usec() + timeout_ms * USEC_PER_MSEC);
	return 0;
}

int curl_loop_init(struct curl_loop *cl, struct loop *loop, void (*done)(void *owner),
		   bool (*keep_watch)(void *owner, curl_socket_t s), void *owner)
{
	*cl = (struct curl_loop){ .loop = loop, .done = done, .keep_watch = keep_watch, .owner = owner };
	cl->multi = curl_multi_init();
	if (!cl->multi)
		return -ENOMEM;
	cl->timer = loop_timer_add(loop, 0, curl_loop_on_timer, cl);
	if (!cl->timer) {
		(void)curl_multi_cleanup(cl->multi);
		cl->multi = NULL;
		return -ENOMEM;
	}
	(void)curl_multi_setopt(cl->multi, CURLMOPT_SOCKETFUNCTION, curl_loop_socket_cb);
	(void)curl_multi_setopt(cl->multi, CURLMOPT_SOCKETDATA, cl);
	(void)curl_multi_setopt(cl->multi, CURLMOPT_TIMERFUNCTION, curl_loop_timer_cb);
	(void)curl_multi_setopt(cl->multi, CURLMOPT_TIMERDATA, cl);
	return 0;
}

void curl_loop_free(struct curl_loop *cl)
{
	if (cl->multi)
		(void)curl_multi_cleanup(cl->multi);	/* may still call both callbacks */
	cl->multi = NULL;
	loop_timer_del(cl->loop, cl->timer);
	cl->timer = NULL;
}
