/* SPDX-License-Identifier: MIT */
/*
 * Shared between the files of src/model only. The reader (experiment.c)
 * keeps every key = value line as an entry, builds the specs, and calls
 * the checks (check.c) as it goes; check.c reports problems in d and
 * never stops at the first one.
 */
#ifndef EREBUS_MODEL_INTERNAL_H
#define EREBUS_MODEL_INTERNAL_H

#include "erebus/experiment.h"

/* One key = value line as inih gave it to us. */
struct entry {
	char *key, *value;
	size_t len, cap;	/* of value, once continuation lines extended it (else 0) */
	unsigned line;
	size_t sec;	/* its section: the header's index while reading, then x->sections
			 * index (SIZE_MAX: the section was dropped) */
};

/* A list of names for messages: the i-th one, or NULL past the end. */
typedef const char *(*model_name_at)(size_t i, const void *ctx);

/* check.c */

/* The common option table of a section kind that the reader accepted. */
const struct opt_def *model_kind_table(const char *kind);
/* Names of the section kinds, of the sandbox hosts (ctx: the experiment). */
const char *model_at_kind(size_t i, const void *ctx);
const char *model_at_host(size_t i, const void *ctx);
/* Report `unknown WHAT "word"` with a "did you mean" among at's names, or
 * the list of them when none is close. */
void model_unknown_name(struct diag *d, unsigned line, const char *label, const char *key,
			const char *what, const char *word, model_name_at at, const void *ctx);
/* Check the n entries of section s, ents[idx[0]] to ents[idx[n - 1]],
 * against s's tables; fill s->vals with what was given and with the
 * defaults of what was not. */
void model_check_section(struct section *s, const struct entry *ents, const size_t *idx, size_t n,
			 struct diag *d);
/* Cross-checks of one spec once its section's values are in; each also
 * resolves the names it holds (a target's host, a fault's or probe's
 * target, a probe's from) and runs the type's own check(). */
void model_check_target(struct experiment *x, struct target_spec *t, struct diag *d);
void model_check_fault(struct experiment *x, struct fault_spec *f, struct diag *d);
void model_check_probe(struct experiment *x, struct probe_spec *p, struct diag *d);
void model_check_detects(struct experiment *x, struct probe_spec *p, struct diag *d);
/* Resolve every target's within, once all targets are built. */
void model_check_within(struct experiment *x, struct diag *d);

/* section.c */

/* Free what s holds (not s itself). */
void model_section_clear(struct section *s);

/* query.c */

/* Index of a sandbox host by name, or -1. */
int model_sandbox_host(const struct experiment *x, const char *name);

#endif
