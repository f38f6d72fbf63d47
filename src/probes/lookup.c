/* SPDX-License-Identifier: MIT */
/*
 * Name lookups off the loop. getaddrinfo() waits for DNS: up to the
 * resolver's timeout times its attempts (resolv.conf: 5 s and 2 by
 * default) per name server, and longer where a network fault drops the
 * answers. glibc's getaddrinfo_a() runs it in a resolver thread and, when
 * it ends, starts a notification thread that writes the lookup's address
 * into a pipe; the loop reads the pipe and calls the lookup's callback.
 *
 * The notification thread touches nothing but the pipe, which is made once
 * and never closed, so a lookup that was cancelled can still report: it is
 * freed then. Every lookup not yet reported stays on one list (reachable,
 * for leak checkers too, until it reports or the process exits).
 */
#include <assert.h>
#include <fcntl.h>
#include <signal.h>

#include "internal.h"

struct probe_lookup {
	struct gaicb cb;	/* glibc writes the result here, in its thread */
	struct addrinfo hints;
	char *host, *port;
	probe_lookup_cb done;	/* NULL: cancelled */
	void *userdata;
	struct probe_lookup *next, **pprev;	/* on the list of unreported lookups */
};

static struct {
	int rfd, wfd;		/* the pipe; -1 until the first attach */
	struct loop *loop;	/* watching rfd, while attached */
	unsigned attached;
	struct probe_lookup *unreported;
} lookups = { .rfd = -1, .wfd = -1 };

static void lookup_free(struct probe_lookup *q)
{
	*q->pprev = q->next;
	if (q->next)
		q->next->pprev = q->pprev;
	if (q->cb.ar_result)
		freeaddrinfo(q->cb.ar_result);
	free(q->host);
	free(q->port);
	free(q);
}

/* In glibc's notification thread: hand q to the loop. The write end blocks
 * (only this thread waits) and 8 bytes are written whole. */
static void lookup_notify(union sigval v)
{
	struct probe_lookup *q = v.sival_ptr;

	(void)!write(lookups.wfd, &q, sizeof(q));
}

/* On the loop: every lookup that has ended. */
static void lookup_on_pipe(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct probe_lookup *q;

	while (read(fd, &q, sizeof(q)) == (ssize_t)sizeof(q)) {
		int rc = gai_error(&q->cb);
		struct addrinfo *ai = rc ? NULL : TAKE_PTR(q->cb.ar_result);
		probe_lookup_cb done = q->done;
		void *userdata_q = q->userdata;

		lookup_free(q);
		if (done)
			done(rc, ai, userdata_q);
		else if (ai)
			freeaddrinfo(ai);
	}
}

int probe_lookup_attach(struct loop *l)
{
	int rc;

	assert(l);
	if (lookups.attached)
		return lookups.loop == l ? (lookups.attached++, 0) : -EBUSY;
	if (lookups.rfd < 0) {
		int p[2];

		if (pipe2(p, O_CLOEXEC) < 0)
			return -errno;
		if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0) {
			rc = -errno;
			(void)close(p[0]);
			(void)close(p[1]);
			return rc;
		}
		lookups.rfd = p[0];
		lookups.wfd = p[1];
	}
	rc = loop_add_fd(l, lookups.rfd, EPOLLIN, lookup_on_pipe, NULL);
	if (rc < 0)
		return rc;
	lookups.loop = l;
	lookups.attached = 1;
	return 0;
}

void probe_lookup_detach(struct loop *l)
{
	if (!lookups.attached || lookups.loop != l || --lookups.attached)
		return;
	loop_del_fd(l, lookups.rfd);
	lookups.loop = NULL;
}

int probe_lookup_start(const char *host, const char *port, const struct addrinfo *hints,
		       probe_lookup_cb done, void *userdata, struct probe_lookup **ret)
{
	struct probe_lookup *q = xcalloc(1, sizeof(*q));
	struct gaicb *list[1] = { &q->cb };
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD };
	int rc;

	assert(host && port && hints && done && ret);
	q->hints = *hints;
	q->host = xstrdup(host);
	q->port = xstrdup(port);
	q->done = done;
	q->userdata = userdata;
	q->cb = (struct gaicb){ .ar_name = q->host, .ar_service = q->port, .ar_request = &q->hints };
	q->next = lookups.unreported;
	if (q->next)
		q->next->pprev = &q->next;
	q->pprev = &lookups.unreported;
	lookups.unreported = q;
	sev.sigev_value.sival_ptr = q;
	sev.sigev_notify_function = lookup_notify;
	rc = getaddrinfo_a(GAI_NOWAIT, list, 1, &sev);
	if (rc) {
		/* Not freed: glibc may still run the lookup (EAI_AGAIN: no memory
		 * for the notification) or notify anyway (EAI_SYSTEM: nothing
		 * could be queued). It stays on the list, cancelled. */
		q->done = NULL;
		return rc;
	}
	*ret = q;
	return 0;
}

void probe_lookup_cancel(struct probe_lookup *q)
{
	if (q)
		q->done = NULL;
}
