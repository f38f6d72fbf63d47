/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: `erebus gate`'s inputs. The input is a report, then
 * optionally a line "---" and a baseline report; without one the report is
 * its own baseline. Both are read by report_from_json() and judged by
 * gate_check() under a few sets of thresholds, with and without naming
 * a probe and a fault.
 */
#include <stdint.h>
#include <string.h>

#include "erebus/gate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEPARATOR "\n---\n"

static const struct gate_opts limits[] = {
	{ .max_recovery_us = -1, .max_detect_us = -1, .min_availability = -1,
	  .max_regression = 20, .regression_floor_us = -1 },
	{ .max_recovery_us = 0, .max_detect_us = 0, .min_availability = 100,
	  .max_regression = 0, .regression_floor_us = 0 },
	{ .max_recovery_us = 1000000, .max_detect_us = 500000, .min_availability = 99.5,
	  .max_regression = 1e6, .regression_floor_us = 250000 },
};

static void judge(const struct report *r, const struct report *base)
{
	const struct gate_input in[] = { { "r.json", r }, { "base.json", base } };
	const char *probes[] = { r->n_probes ? r->probes[0].name : "p", "absent" };
	const char *faults[] = { r->n_faults ? r->faults[0].name : "f", "absent" };

	for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
		for (size_t named = 0; named < 2; named++) {
			_cleanup_(sbuf_free) struct sbuf out = { 0 };
			struct gate_opts o = limits[i];

			o.baseline = base;
			o.baseline_file = "base.json";
			if (named) {
				o.probes = probes, o.n_probes = ARRAY_SIZE(probes);
				o.faults = faults, o.n_faults = ARRAY_SIZE(faults);
			}
			(void)gate_check(in, ARRAY_SIZE(in), &o, &out);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(report_freep) struct report *r = NULL, *base = NULL;
	_cleanup_free_ char *err = NULL, *err_base = NULL;
	const char *text = (const char *)data;
	const char *sep = memmem(text, size, SEPARATOR, strlen(SEPARATOR));
	size_t len = sep ? (size_t)(sep - text) : size;

	if (report_from_json(text, len, &r, &err) < 0)
		return 0;
	if (sep) {
		const char *b = sep + strlen(SEPARATOR);
		if (report_from_json(b, size - (size_t)(b - text), &base, &err_base) < 0)
			return 0;
	}
	judge(r, base ? base : r);
	return 0;
}
