/* SPDX-License-Identifier: MIT */
/*
 * The event loop: one thread, epoll over file descriptors, and timers kept
 * on one timerfd (CLOCK_MONOTONIC, absolute deadlines, so periodic work does
 * not drift). Everything the engine waits for is an fd or a timer here;
 * nothing sleeps.
 */
#ifndef EREBUS_LOOP_H
#define EREBUS_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

struct loop;
struct loop_timer;

/* Called when fd is ready; events are EPOLL* bits. */
typedef void (*loop_fd_cb)(struct loop *l, int fd, uint32_t events, void *ctx);

/*
 * Called at (or just after) the timer's deadline with the current monotonic
 * time. Returns the next absolute deadline in microseconds, or 0 to disarm;
 * a disarmed timer stays allocated until loop_timer_del() and can be armed
 * again with loop_timer_set().
 */
typedef int64_t (*loop_timer_cb)(struct loop *l, int64_t now_us, void *ctx);

/* Returns a new loop, or NULL with errno set. */
struct loop *loop_new(void);
/* Frees the loop and every timer; fds stay open (their owners close them). */
void loop_free(struct loop *l);

/* Watch fd for events; the loop does not own fd. Returns 0 or -errno. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *ctx);
/* Change the watched events of fd. Returns 0 or -errno. */
int loop_mod_fd(struct loop *l, int fd, uint32_t events);
/* Stop watching fd (safe inside any callback, also for fd's own). */
void loop_del_fd(struct loop *l, int fd);

/* A timer firing at absolute monotonic time at_us (0: created disarmed). */
struct loop_timer *loop_timer_add(struct loop *l, int64_t at_us, loop_timer_cb cb, void *ctx);
/* Re-arm at an absolute deadline (0 disarms). */
void loop_timer_set(struct loop *l, struct loop_timer *t, int64_t at_us);
/* Delete a timer; NULL is fine; safe inside any callback, also its own. */
void loop_timer_del(struct loop *l, struct loop_timer *t);

/* Dispatch until loop_quit(); returns the code given to loop_quit(),
 * or a negative errno if waiting failed or a timer could not be armed
 * (a timer that never fires would leave a fault applied). */
int loop_run(struct loop *l);
void loop_quit(struct loop *l, int code);
/* True once loop_quit() was called and before the next loop_run(). */
int loop_quitting(const struct loop *l);

#endif
