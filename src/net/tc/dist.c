/* SPDX-License-Identifier: MIT */
/*
 * netem's delay distribution tables: NAME.dist as iproute2 ships them,
 * found where tc(8) looks and read as tc(8) reads them.
 */
#include <glob.h>
#include <limits.h>

#include "tc-internal.h"

static const char *const dist_dirs[] = {
	"/usr/lib/x86_64-linux-gnu/tc", "/usr/lib/aarch64-linux-gnu/tc", "/usr/lib/tc",
	"/usr/lib64/tc", "/usr/local/lib/tc", "/usr/share/tc",
};

const char *tc_dist_path(const char *name)
{
	static char buf[PATH_MAX];
	const char *env = getenv("TC_LIB_DIR");
	glob_t g;

	if (env && *env) {
		snprintf(buf, sizeof(buf), "%s/%s.dist", env, name);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	for (size_t i = 0; i < ARRAY_SIZE(dist_dirs); i++) {
		snprintf(buf, sizeof(buf), "%s/%s.dist", dist_dirs[i], name);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	snprintf(buf, sizeof(buf), "/usr/lib/*/tc/%s.dist", name);
	if (glob(buf, 0, NULL, &g) == 0 && g.gl_pathc) {
		snprintf(buf, sizeof(buf), "%s", g.gl_pathv[0]);
		globfree(&g);
		return buf;
	}
	return NULL;
}

int tc_dist_load(const char *name, int16_t **ret, size_t *ret_n, char **ret_err)
{
	const char *path = tc_dist_path(name);
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ int16_t *v = NULL;
	_cleanup_free_ char *line = NULL;
	size_t n = 0, cap = 0;

	if (!path) {
		*ret_err = xasprintf("no delay distribution table %s.dist (looked in $TC_LIB_DIR, "
				     "/usr/lib/*/tc, /usr/lib/tc, /usr/lib64/tc, /usr/local/lib/tc): "
				     "install iproute2, which ships them",
				     name);
		return -ENOENT;
	}
	f = fopen(path, "re");
	if (!f) {
		int e = -errno;
		*ret_err = xasprintf("cannot read %s: %s", path, strerror(-e));
		return e;
	}
	while (getline(&line, &cap, f) != -1) {
		char *p = line, *end;

		if (*line == '#' || *line == '\n')
			continue;
		for (;; p = end) {
			long x = strtol(p, &end, 0);
			if (end == p)
				break;
			if (n >= TC_DIST_MAX || x < INT16_MIN || x > INT16_MAX) {
				*ret_err = xasprintf("%s: not a distribution table (too many or too large values)", path);
				return -EINVAL;
			}
			if (!(n % 1024))
				v = xrealloc(v, (n + 1024) * sizeof(*v));
			v[n++] = (int16_t)x;
		}
	}
	if (!n) {
		*ret_err = xasprintf("%s: no values", path);
		return -EINVAL;
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}
