/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: a saved JSON report read by report_from_json() (and so
 * the JSON reader, src/base/json_read.c). A report that reads is rendered
 * every way `erebus report` can, and its JSON must read back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "erebus/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the writer writes, the reader must read. */
static void check_round_trip(const struct report *r)
{
	_cleanup_(sbuf_free) struct sbuf json = { 0 };
	_cleanup_(report_freep) struct report *back = NULL;
	_cleanup_free_ char *err = NULL;

	report_render_json(r, &json);
	if (report_from_json(json.s, json.len, &back, &err) < 0) {
		fprintf(stderr, "fuzz_report: the JSON written does not read back: %s\n", err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(report_freep) struct report *r = NULL;
	_cleanup_free_ char *err = NULL;
	void (*const render[])(const struct report *, struct sbuf *) = {
		report_render_text, report_render_junit, report_render_html, report_render_metrics,
	};

	if (report_from_json((const char *)data, size, &r, &err) < 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(render); i++) {
		_cleanup_(sbuf_free) struct sbuf out = { 0 };
		render[i](r, &out);
	}
	check_round_trip(r);
	return 0;
}
