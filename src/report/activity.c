/* SPDX-License-Identifier: MIT */
/*
 * The chaos under way as Prometheus series (report.h): whether a run is
 * going and which of its faults act now. The engine rewrites the metrics
 * file with these at each fault applied and reverted, so that
 * node_exporter's textfile collector lets dashboards shade chaos periods
 * while the run goes; the metrics written at the end carry them at 0.
 */
#include "erebus/json.h"
#include "erebus/report.h"

void report_metrics_label(struct sbuf *b, const char *name, const char *value, bool first)
{
	const char *end = value + strlen(value);

	sbuf_addf(b, "%s%s=\"", first ? "" : ",", name);
	for (const char *p = value; *p;) {
		if (*p == '\\' || *p == '"') {
			sbuf_addf(b, "\\%c", *p++);
		} else if (*p == '\n') {
			sbuf_add(b, "\\n");
			p++;
		} else {
			sbuf_add_utf8(b, &p, end);
		}
	}
	sbuf_add(b, "\"");
}

void report_render_activity(const struct report *r, const bool *active, bool running, struct sbuf *out)
{
	sbuf_add(out, "# HELP erebus_run_active 1 while a run of the experiment goes, 0 once it ended.\n"
		      "# TYPE erebus_run_active gauge\n"
		      "erebus_run_active{");
	report_metrics_label(out, "experiment", r->experiment, true);
	sbuf_addf(out, "} %d\n", running);
	if (!r->n_faults)
		return;
	sbuf_add(out, "# HELP erebus_fault_active 1 while the fault acts (from its application to its revert; "
		      "a repeating instant fault from its first firing to its last), else 0.\n"
		      "# TYPE erebus_fault_active gauge\n");
	for (size_t i = 0; i < r->n_faults; i++) {
		sbuf_add(out, "erebus_fault_active{");
		report_metrics_label(out, "experiment", r->experiment, true);
		report_metrics_label(out, "fault", r->faults[i].name, false);
		sbuf_addf(out, "} %d\n", active && active[i]);
	}
}
