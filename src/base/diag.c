/* SPDX-License-Identifier: MIT */
#include "erebus/diag.h"

void diag_error(struct diag *d, unsigned line, const char *section, const char *key,
		const char *fmt, ...)
{
	struct sbuf b = { 0 };
	va_list ap;

	sbuf_addf(&b, "%s:", d->file ? d->file : "<input>");
	if (line)
		sbuf_addf(&b, "%u:", line);
	if (section)
		sbuf_addf(&b, " [%s]", section);
	if (key)
		sbuf_addf(&b, " %s", key);
	sbuf_add(&b, section || key ? ": " : " ");
	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	GROW(d->msgs, d->cap, d->n + 1);
	d->msgs[d->n++] = sbuf_take(&b);
}

void diag_print(const struct diag *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(f, "%s\n", d->msgs[i]);
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	d->msgs = NULL;
	d->n = d->cap = 0;
}
