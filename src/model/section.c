/* SPDX-License-Identifier: MIT */
/*
 * A checked section's values, as the fault and probe types read them
 * (section_get(), section_str(), ...), and how a section is freed.
 */
#include "erebus/experiment.h"
#include "model_internal.h"

const struct opt_value *section_get(const struct section *s, const char *key)
{
	for (int t = 0; t < 2 && s->tables[t]; t++)
		for (size_t i = 0; s->tables[t][i].key; i++)
			if (!strcmp(s->tables[t][i].key, key))
				return &s->vals[t][i];
	return NULL;
}

static const struct opt_value *must_get(const struct section *s, const char *key)
{
	const struct opt_value *v = section_get(s, key);

	if (!v) {
		fprintf(stderr, "erebus: internal error: no key %s in [%s]\n", key, s->label);
		abort();
	}
	return v;
}

const char *section_str(const struct section *s, const char *key)
{
	const struct opt_value *v = must_get(s, key);
	return v->present ? v->raw : NULL;
}

int64_t section_int(const struct section *s, const char *key) { return must_get(s, key)->i; }
int64_t section_usec(const struct section *s, const char *key) { return must_get(s, key)->usec; }
double section_pct(const struct section *s, const char *key) { return must_get(s, key)->pct; }
bool section_has(const struct section *s, const char *key)
{
	const struct opt_value *v = section_get(s, key);
	return v && v->present;
}

void model_section_clear(struct section *s)
{
	for (int t = 0; t < 2; t++) {
		if (!s->vals[t])
			continue;
		for (size_t j = 0; s->tables[t][j].key; j++)
			opt_value_clear(&s->vals[t][j]);
		free(s->vals[t]);
	}
	free(s->kind);
	free(s->name);
	free(s->label);
}
