/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by every module: cleanup attributes, checked
 * allocation, the monotonic clock, and a growable string buffer.
 */
#ifndef EREBUS_UTIL_H
#define EREBUS_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every module shows durations: format_duration(), parse_duration(). */
#include "erebus/duration.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define USEC_PER_SEC  1000000LL
#define USEC_PER_MSEC 1000LL
#define NSEC_PER_USEC 1000LL

#define _cleanup_(f)    __attribute__((cleanup(f)))
#define _printf_(a, b)  __attribute__((format(printf, a, b)))
#define _unused_        __attribute__((unused))
#define _noreturn_      __attribute__((noreturn))

static inline void freep(void *p) { free(*(void **)p); }
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd);
		errno = saved;
	}
}
static inline void fclosep(FILE **f) { if (*f) (void)fclose(*f); }
/* Keep errno across the rest of the scope: a message formatted before
 * `return -errno` must not change what is returned (systemd's
 * PROTECT_ERRNO). */
static inline void errno_restore(const int *saved) { errno = *saved; }
#define PROTECT_ERRNO _cleanup_(errno_restore) const int _saved_errno_ = errno
#define _cleanup_free_  _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Take ownership out of a cleanup variable: returns *p and clears it. */
#define TAKE_PTR(p) ({ __typeof__(p) _t = (p); (p) = NULL; _t; })
#define TAKE_FD(fd) ({ int _t = (fd); (fd) = -1; _t; })

/* Allocation that cannot fail: aborts with a message on out-of-memory. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);

/* Grow *v (of *cap elements of size sz) so it holds at least need. */
void grow_array(void **v, size_t *cap, size_t need, size_t sz);
#define GROW(v, cap, need) grow_array((void **)&(v), &(cap), (need), sizeof(*(v)))

/* CLOCK_MONOTONIC and CLOCK_REALTIME in microseconds. */
int64_t now_usec(void);
int64_t wall_usec(void);

/* Format a wall-clock time in microseconds as RFC 3339 UTC with ms. */
void format_rfc3339(int64_t wall_us, char buf[static 32]);

/* A growable NUL-terminated string. */
struct sbuf {
	char *s;
	size_t len, cap;
};
void sbuf_add(struct sbuf *b, const char *s);
void sbuf_addn(struct sbuf *b, const char *s, size_t n);
void sbuf_addf(struct sbuf *b, const char *fmt, ...) _printf_(2, 3);
void sbuf_vaddf(struct sbuf *b, const char *fmt, va_list ap) _printf_(2, 0);
void sbuf_free(struct sbuf *b);
/* Returns the string and leaves b empty; caller frees. */
char *sbuf_take(struct sbuf *b);

/* Read a whole small file (at most max bytes) into a NUL-terminated buffer.
 * Returns its length or a negative errno; *ret is owned by the caller. */
ssize_t read_file_max(const char *path, size_t max, char **ret);
/* The same from an open fd, from its current offset. */
ssize_t read_fd_max(int fd, size_t max, char **ret);

/* Who ran Erebus through sudo, as root: 1 with SUDO_UID (and SUDO_GID,
 * else the uid as gid; *ret_has_gid says which), 0 when not through sudo
 * (or not root), -EINVAL when they are not plain numbers. */
int sudo_ids(uid_t *ret_uid, gid_t *ret_gid, bool *ret_has_gid);
/* The user who invoked Erebus: SUDO_UID when root runs it through sudo,
 * else the real uid. */
uid_t invoking_uid(void);

/* Open path for reading only if nobody but root or user can have written
 * it: a regular file (not a symbolic link: O_NOFOLLOW) owned by root or
 * user and not writable by group or others, in a directory that passes the
 * same owner and mode checks (so nobody else can replace the file). The
 * checks are on the open fds (fstat), and the file is opened relative to
 * the directory fd checked, so a swap after the check changes nothing:
 * read the file through the fd returned. Returns that fd, -EPERM with
 * *ret_why ("writable by its group") and *ret_fix ("chmod g-w PATH") set
 * (both owned by the caller), or another negative errno. */
int open_trusted(const char *path, uid_t user, char **ret_why, char **ret_fix);

/* Names to indexes, in time independent of how many there are (a hash
 * table). Keys are not copied: they must outlive the map. A zeroed map
 * is empty; strmap_free() empties it again. */
struct strmap {
	struct strmap_slot {
		const char *key;	/* NULL: empty */
		size_t val;
	} *slots;
	size_t cap, n;		/* cap: 0 or a power of two */
};
/* key's value, or SIZE_MAX when absent. */
size_t strmap_get(const struct strmap *m, const char *key);
/* Map key to val unless it is there: SIZE_MAX when added, else the value
 * it had (unchanged). */
size_t strmap_add(struct strmap *m, const char *key, size_t val);
void strmap_free(struct strmap *m);

/* Edit distance (with transpositions), for "did you mean" suggestions. */
unsigned edit_distance(const char *a, const char *b);
/* Is a word at this distance from a known one close enough to suggest it? */
bool plausible_typo(const char *word, unsigned distance);

/* Trim ASCII whitespace at both ends, in place; returns s. */
char *strstrip(char *s);

/* Split a command line into argv by shell-like rules (quotes, backslash),
 * without running a shell. Returns 0 or -EINVAL; *ret_argv is a
 * NULL-terminated array freed with strv_free(). */
int split_command(const char *cmd, char ***ret_argv);
void strv_free(char **v);
size_t strv_len(char *const *v);

/* Seeded pseudo-random generator (xoshiro256**): one stream per run. */
struct rng {
	uint64_t s[4];
};
void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform integer in [0, n). */
uint64_t rng_below(struct rng *r, uint64_t n);

#endif
