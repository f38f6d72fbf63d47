/* SPDX-License-Identifier: MIT */
/*
 * epoll plus one timerfd. Timers are few (a handful per probe and fault),
 * so they live in an unsorted array and the earliest deadline is found by
 * a scan; the timerfd is armed with that absolute CLOCK_MONOTONIC time.
 * Deleting fds and timers from inside callbacks only marks them dead; they
 * are reaped after the current dispatch round.
 */
#include <sys/timerfd.h>
#include <time.h>

#include "erebus/loop.h"
#include "erebus/util.h"

struct watch {
	int fd;
	bool dead;
	loop_fd_cb cb;
	void *ctx;
	struct watch *next_dead;
};

struct loop_timer {
	int64_t at;	/* 0: disarmed */
	uint64_t round;	/* dispatch round in which it last fired */
	bool dead;
	loop_timer_cb cb;
	void *ctx;
};

struct loop {
	int epfd, tfd;
	bool quit;
	int code;
	struct watch **watches;	/* indexed by fd */
	size_t cap_watches;
	struct watch *dead;
	struct loop_timer **timers;
	size_t n_timers, cap_timers;
	int64_t armed;		/* deadline the timerfd holds, 0 if none */
	int error;		/* -errno of a timerfd that could not be armed; ends loop_run() */
	uint64_t round;
	int dispatching;
};

static struct watch timer_watch;	/* marks the timerfd's epoll entry */

struct loop *loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof(*l));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &timer_watch };

	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->epfd < 0 || l->tfd < 0 || epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->tfd, &ev) < 0) {
		int e = errno;
		loop_free(l);
		errno = e;
		return NULL;
	}
	return l;
}

static void reap(struct loop *l)
{
	size_t j = 0;

	while (l->dead) {
		struct watch *w = l->dead;
		l->dead = w->next_dead;
		free(w);
	}
	for (size_t i = 0; i < l->n_timers; i++) {
		if (l->timers[i]->dead)
			free(l->timers[i]);
		else
			l->timers[j++] = l->timers[i];
	}
	l->n_timers = j;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->cap_watches; i++)
		free(l->watches[i]);
	free(l->watches);
	reap(l);
	for (size_t i = 0; i < l->n_timers; i++)
		free(l->timers[i]);
	free(l->timers);
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->tfd >= 0)
		close(l->tfd);
	free(l);
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *ctx)
{
	struct watch *w;
	struct epoll_event ev = { .events = events };

	if (fd < 0)
		return -EBADF;
	GROW(l->watches, l->cap_watches, (size_t)fd + 1);
	if (l->watches[fd])
		return -EEXIST;
	w = xcalloc(1, sizeof(*w));
	*w = (struct watch){ .fd = fd, .cb = cb, .ctx = ctx };
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = -errno;
		free(w);
		return e;
	}
	l->watches[fd] = w;
	return 0;
}

int loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };

	if (fd < 0 || (size_t)fd >= l->cap_watches || !l->watches[fd])
		return -ENOENT;
	ev.data.ptr = l->watches[fd];
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void loop_del_fd(struct loop *l, int fd)
{
	struct watch *w;

	if (fd < 0 || (size_t)fd >= l->cap_watches || !(w = l->watches[fd]))
		return;
	(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->watches[fd] = NULL;
	w->dead = true;
	w->next_dead = l->dead;
	l->dead = w;
	if (!l->dispatching)
		reap(l);
}

static void rearm(struct loop *l)
{
	int64_t next = 0;
	struct itimerspec its = { 0 };

	for (size_t i = 0; i < l->n_timers; i++) {
		struct loop_timer *t = l->timers[i];
		if (!t->dead && t->at && (!next || t->at < next))
			next = t->at;
	}
	if (next == l->armed)
		return;
	l->armed = next;
	if (next) {
		its.it_value.tv_sec = next / USEC_PER_SEC;
		its.it_value.tv_nsec = next % USEC_PER_SEC * NSEC_PER_USEC;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	/* A timer that cannot be armed would never fire: a fault never
	 * reverted at its end. loop_run() returns the error instead. */
	if (timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0 && !l->error) {
		l->error = -errno;
		l->armed = -1;
	}
}

struct loop_timer *loop_timer_add(struct loop *l, int64_t at_us, loop_timer_cb cb, void *ctx)
{
	struct loop_timer *t = xcalloc(1, sizeof(*t));

	*t = (struct loop_timer){ .at = at_us, .cb = cb, .ctx = ctx };
	GROW(l->timers, l->cap_timers, l->n_timers + 1);
	l->timers[l->n_timers++] = t;
	if (!l->dispatching)
		rearm(l);
	return t;
}

void loop_timer_set(struct loop *l, struct loop_timer *t, int64_t at_us)
{
	if (!t || t->dead)
		return;
	t->at = at_us;
	if (!l->dispatching)
		rearm(l);
}

void loop_timer_del(struct loop *l, struct loop_timer *t)
{
	if (!t || t->dead)
		return;
	t->dead = true;
	t->at = 0;
	if (!l->dispatching) {
		reap(l);
		rearm(l);
	}
}

static void run_timers(struct loop *l)
{
	uint64_t expirations;
	int64_t now = now_usec();

	(void)!read(l->tfd, &expirations, sizeof(expirations));
	l->armed = -1;	/* force rearm */
	l->round++;
	/* Fire every due timer once, earliest deadline first (a late loop must
	 * not reorder a timeline); one re-armed into the past waits a round. */
	while (!l->quit) {
		struct loop_timer *t = NULL;
		for (size_t i = 0; i < l->n_timers; i++) {
			struct loop_timer *c = l->timers[i];
			if (!c->dead && c->at && c->at <= now && c->round != l->round &&
			    (!t || c->at < t->at))
				t = c;
		}
		if (!t)
			break;
		t->at = 0;
		t->round = l->round;
		int64_t next = t->cb(l, now, t->ctx);
		if (!t->dead && next > 0)
			t->at = next;
	}
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[64];

	l->quit = false;
	l->code = 0;
	rearm(l);
	while (!l->quit) {
		int n;

		if (l->error)
			return l->error;
		n = epoll_wait(l->epfd, evs, (int)ARRAY_SIZE(evs), -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		l->dispatching++;
		for (int i = 0; i < n && !l->quit; i++) {
			struct watch *w = evs[i].data.ptr;
			if (w == &timer_watch)
				run_timers(l);
			else if (!w->dead)
				w->cb(l, w->fd, evs[i].events, w->ctx);
		}
		l->dispatching--;
		reap(l);
		rearm(l);
	}
	return l->code;
}

void loop_quit(struct loop *l, int code)
{
	l->quit = true;
	l->code = code;
}

int loop_quitting(const struct loop *l) { return l->quit; }
