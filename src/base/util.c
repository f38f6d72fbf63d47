/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "erebus/util.h"

static _noreturn_ void oom(void)
{
	fputs("erebus: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		oom();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	return s;
}

void grow_array(void **v, size_t *cap, size_t need, size_t sz)
{
	size_t n;

	if (need <= *cap)
		return;
	n = *cap ? *cap * 2 : 8;
	while (n < need)
		n *= 2;
	*v = xrealloc(*v, n * sz);
	memset((char *)*v + *cap * sz, 0, (n - *cap) * sz);
	*cap = n;
}

static int64_t clock_usec(clockid_t c)
{
	struct timespec ts;

	(void)clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / NSEC_PER_USEC;
}

int64_t now_usec(void) { return clock_usec(CLOCK_MONOTONIC); }
int64_t wall_usec(void) { return clock_usec(CLOCK_REALTIME); }

void format_rfc3339(int64_t wall_us, char buf[static 32])
{
	time_t t = (time_t)(wall_us / USEC_PER_SEC);
	struct tm tm;

	gmtime_r(&t, &tm);
	size_t n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);

	snprintf(buf + n, 32 - n, ".%03uZ", (unsigned)(wall_us % USEC_PER_SEC / 1000));
}

void sbuf_addn(struct sbuf *b, const char *s, size_t n)
{
	GROW(b->s, b->cap, b->len + n + 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void sbuf_add(struct sbuf *b, const char *s) { sbuf_addn(b, s, strlen(s)); }

void sbuf_vaddf(struct sbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	GROW(b->s, b->cap, b->len + (size_t)n + 1);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbuf_vaddf(b, fmt, ap);
	va_end(ap);
}

void sbuf_free(struct sbuf *b)
{
	free(b->s);
	*b = (struct sbuf){ 0 };
}

char *sbuf_take(struct sbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	*b = (struct sbuf){ 0 };
	return s;
}

ssize_t read_fd_max(int fd, size_t max, char **ret)
{
	_cleanup_free_ char *buf = xmalloc(max + 1);
	size_t len = 0;

	while (len < max) {
		ssize_t n = read(fd, buf + len, max - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	return (ssize_t)len;
}

ssize_t read_file_max(const char *path, size_t max, char **ret)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return read_fd_max(fd, max, ret);
}

/* One id from a SUDO_* variable: digits only, below (uid_t)-1. */
static int sudo_id(const char *s, unsigned long *ret)
{
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*ret = strtoul(s, &end, 10);
	return errno || *end || *ret >= (uid_t)-1 ? -EINVAL : 0;
}

int sudo_ids(uid_t *ret_uid, gid_t *ret_gid, bool *ret_has_gid)
{
	const char *su = geteuid() == 0 ? getenv("SUDO_UID") : NULL, *sg = getenv("SUDO_GID");
	unsigned long u, g = 0;

	if (!su)
		return 0;
	if (sudo_id(su, &u) < 0 || (sg && sudo_id(sg, &g) < 0))
		return -EINVAL;
	*ret_uid = (uid_t)u;
	*ret_gid = sg ? (gid_t)g : (gid_t)u;
	if (ret_has_gid)
		*ret_has_gid = sg != NULL;
	return 1;
}

uid_t invoking_uid(void)
{
	uid_t u;
	gid_t g;

	return sudo_ids(&u, &g, NULL) > 0 ? u : getuid();
}

/* Is st owned by root or user, and writable by no one else? NULL, or what
 * is wrong with it, with *ret_fix saying what to do about name. */
static char *untrusted(const struct stat *st, uid_t user, const char *what, const char *name,
		       char **ret_fix)
{
	if (st->st_uid != 0 && st->st_uid != user) {
		*ret_fix = xasprintf("chown root %s", name);
		return user ? xasprintf("%sowned by uid %u, not by root or uid %u", what, (unsigned)st->st_uid,
					(unsigned)user)
			    : xasprintf("%sowned by uid %u, not by root", what, (unsigned)st->st_uid);
	}
	if (st->st_mode & S_IWOTH) {
		/* a shared directory such as /tmp (sticky): not one to change */
		*ret_fix = S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX)
				   ? xstrdup("move the file to a directory only root or you can write")
				   : xasprintf("chmod o-w %s", name);
		return xasprintf("%swritable by every user", what);
	}
	if (st->st_mode & S_IWGRP) {
		*ret_fix = xasprintf("chmod g-w %s", name);
		return xasprintf("%swritable by its group", what);
	}
	return NULL;
}

int open_trusted(const char *path, uid_t user, char **ret_why, char **ret_fix)
{
	_cleanup_free_ char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : path;
	_cleanup_close_ int dfd = -1, fd = -1;
	struct stat st, dst;

	*ret_why = *ret_fix = NULL;
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	/* the file itself, in the directory checked below; O_NONBLOCK: a FIFO
	 * planted here must not block the open */
	fd = openat(dfd, base, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 && errno == ELOOP) {
		*ret_why = xstrdup("a symbolic link");
		*ret_fix = xstrdup("give the path of the file it points to");
		return -EPERM;
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || fstat(dfd, &dst) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		*ret_why = xstrdup("not a regular file");
		*ret_fix = xstrdup("give a regular file");
		return -EPERM;
	}
	if ((*ret_why = untrusted(&st, user, "", path, ret_fix)) ||
	    (*ret_why = untrusted(&dst, user, "in a directory ", dir, ret_fix)))
		return -EPERM;
	if (fcntl(fd, F_SETFL, 0) < 0)
		return -errno;
	return TAKE_FD(fd);
}

/* FNV-1a from a random start, so that names chosen to collide (a file
 * written to make validation slow) collide only by chance. */
static size_t strmap_hash(const char *key)
{
	static uint64_t seed;
	uint64_t h;

	if (!seed && getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t)now_usec();
	h = 14695981039346656037u ^ seed;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return (size_t)h;
}

size_t strmap_get(const struct strmap *m, const char *key)
{
	if (!m->cap)
		return SIZE_MAX;
	for (size_t i = strmap_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slots[i].key)
			return SIZE_MAX;
		if (!strcmp(m->slots[i].key, key))
			return m->slots[i].val;
	}
}

size_t strmap_add(struct strmap *m, const char *key, size_t val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {	/* at most half full */
		struct strmap bigger = { .cap = m->cap ? m->cap * 2 : 16 };

		bigger.slots = xcalloc(bigger.cap, sizeof(*bigger.slots));
		for (size_t j = 0; j < m->cap; j++)
			if (m->slots[j].key)
				(void)strmap_add(&bigger, m->slots[j].key, m->slots[j].val);
		free(m->slots);
		*m = bigger;
	}
	for (i = strmap_hash(key) & (m->cap - 1); m->slots[i].key; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->slots[i].key, key))
			return m->slots[i].val;
	m->slots[i].key = key;
	m->slots[i].val = val;
	m->n++;
	return SIZE_MAX;
}

void strmap_free(struct strmap *m)
{
	free(m->slots);
	*m = (struct strmap){ 0 };
}

/* Optimal string alignment distance: insertions, deletions,
 * substitutions and transpositions of neighbours each cost 1. */
unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), w = lb + 1;
	_cleanup_free_ unsigned *d = xcalloc((la + 1) * w, sizeof(*d));

#define D(i, j) d[(i) * w + (j)]
	for (size_t i = 0; i <= la; i++)
		D(i, 0) = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		D(0, j) = (unsigned)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			unsigned best = D(i - 1, j - 1) + (ca != cb);
			if (D(i - 1, j) + 1 < best)
				best = D(i - 1, j) + 1;
			if (D(i, j - 1) + 1 < best)
				best = D(i, j - 1) + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && D(i - 2, j - 2) + 1 < best)
				best = D(i - 2, j - 2) + 1;
			D(i, j) = best;
		}
	return D(la, lb);
#undef D
}

bool plausible_typo(const char *word, unsigned distance)
{
	return distance <= 1 + strlen(word) / 4 && distance < strlen(word);
}

char *strstrip(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

int split_command(const char *cmd, char ***ret_argv)
{
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct sbuf w = { 0 };
	const char *p = cmd;

	for (;;) {
		bool have = false;
		char q = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		for (; *p && (q || (*p != ' ' && *p != '\t')); p++) {
			have = true;
			if (q == '\'' ) {
				if (*p == '\'')
					q = 0;
				else
					sbuf_addn(&w, p, 1);
			} else if (*p == '\\' && q != '\'') {
				if (!p[1])
					goto fail;
				p++;
				sbuf_addn(&w, p, 1);
			} else if (q == '"') {
				if (*p == '"')
					q = 0;
				else
					sbuf_addn(&w, p, 1);
			} else if (*p == '\'' || *p == '"') {
				q = *p;
			} else {
				sbuf_addn(&w, p, 1);
			}
		}
		if (q)
			goto fail;
		if (have) {
			GROW(v, cap, n + 2);
			v[n++] = sbuf_take(&w);
			v[n] = NULL;
		}
	}
	if (!n)
		goto fail;
	*ret_argv = v;
	return 0;
fail:
	sbuf_free(&w);
	strv_free(v);
	return -EINVAL;
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void rng_seed(struct rng *r, uint64_t seed)
{
	/* splitmix64 to spread the seed over the state */
	for (int i = 0; i < 4; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		r->s[i] = z ^ (z >> 31);
	}
}

uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	uint64_t lim, x;

	if (n <= 1)
		return 0;
	lim = UINT64_MAX - UINT64_MAX % n;
	do
		x = rng_next(r);
	while (x >= lim);
	return x % n;
}
