/* SPDX-License-Identifier: MIT */
/* Shared by the netem faults (delay, loss, corrupt, duplicate, reorder):
 * their common keys and how they read them. The tree is src/net/tc's. */
#ifndef EREBUS_FAULTS_NETEM_H
#define EREBUS_FAULTS_NETEM_H

#include "tcfault.h"

/* The keys every netem fault has after its own. */
#define NETEM_OPTIONS                                                                              \
	{ "limit", OPT_INT, 0, "1000", 1, INT32_MAX, NULL,                                         \
	  "netem's queue, in packets; more are dropped" },                                         \
	{ "seed", OPT_INT, 0, NULL, 0, INT64_MAX, NULL,                                            \
	  "Seed of netem's random choices (Linux 6.3 and later; ignored before)" }

/* A probability key, 0 when absent. */
static inline double netem_pct(const struct section *s, const char *key)
{
	return section_has(s, key) ? section_pct(s, key) : 0;
}

/* An empty netem leaf with the common keys of s. */
static inline void netem_leaf(const struct section *s, struct tc_leaf *ret)
{
	*ret = (struct tc_leaf){ .kind = TC_LEAF_NETEM };
	ret->netem.limit = (uint32_t)section_int(s, "limit");
	if (section_has(s, "seed")) {
		ret->netem.seed_set = true;
		ret->netem.seed = (uint64_t)section_int(s, "seed");
	}
}

/* Every netem fault needs sch_netem, htb and u32 (ingress: more, checked
 * when it is applied, before anything changes). */
static inline int netem_supported(const char **reason)
{
	return tc_supported(TC_NEED_TREE | TC_HAVE_NETEM, reason);
}

/* "key needs other" unless other is given, at key's line. */
static inline void netem_require(const struct section *s, struct diag *d, const char *key, const char *other,
				 const char *why)
{
	const struct opt_value *v = section_get(s, key);

	if (v && v->set && !section_has(s, other))
		diag_error(d, v->line, s->label, key, "%s", why);
}

/*
 * `const struct fault_type fault_NAME` of a netem fault type: apply() and
 * describe() from TC_FAULT_OPS(NAME), the options NAME_options, and what
 * every netem type shares (flags, supported(), supported_spec()). check is
 * the type's check() (tc_fault_check when it has no rule of its own); any
 * further field follows as a designated initializer.
 */
#define NETEM_FAULT(t, summary_, check_, ...)                                                      \
	TC_FAULT_OPS(t)                                                                            \
	const struct fault_type fault_##t = {                                                      \
		.name = #t,                                                                        \
		.summary = summary_,                                                               \
		.options = t##_options,                                                            \
		.flags = FAULT_NETWORK | FAULT_NETEM | FAULT_NEEDS_DURATION,                       \
		.supported = netem_supported,                                                      \
		.supported_spec = tc_fault_supported,                                              \
		.check = check_,                                                                   \
		.apply = t##_apply,                                                                \
		.describe = t##_describe,                                                          \
		__VA_ARGS__                                                                        \
	}

#endif
