/* SPDX-License-Identifier: MIT */
/* `erebus gate REPORT.json...`: pass or fail CI on saved reports. */
#include "erebus/gate.h"

#include "cli.h"

/* Append a --probe or --fault name (repeatable) to v. */
static void add_name(const char *const **v, size_t *n, const char *arg)
{
	const char **grown = xrealloc((void *)*v, (*n + 1) * sizeof(*grown));

	grown[(*n)++] = arg;
	*v = grown;
}

/* One option of gate into o. Returns 0, or EXIT_USAGE after saying why. */
static int gate_option(const char *cmd, int c, const char *arg, struct gate_opts *o, bool *regression_set)
{
	char *end;
	int r;

	switch (c) {
	case 'd':
		if (parse_duration(arg, &o->max_detect_us) < 0)
			return cli_usage_error(cmd, "--max-detect takes a duration like 500ms or 5s, not \"%s\"", arg);
		break;
	case 'A':
		if (parse_duration(arg, &o->max_alert_us) < 0)
			return cli_usage_error(cmd, "--max-alert takes a duration like 30s or 2m, not \"%s\"", arg);
		break;
	case 'p':
		add_name(&o->probes, &o->n_probes, arg);
		break;
	case 'F':
		add_name(&o->faults, &o->n_faults, arg);
		break;
	case 'r':
		if (parse_duration(arg, &o->max_recovery_us) < 0)
			return cli_usage_error(cmd, "--max-recovery takes a duration like 500ms or 5s, not \"%s\"", arg);
		break;
	case 'f':
		if (parse_duration(arg, &o->regression_floor_us) < 0)
			return cli_usage_error(cmd, "--regression-floor takes a duration like 500ms or 5s, not \"%s\"", arg);
		break;
	case 'a':
		r = parse_percent(arg, &o->min_availability);
		if (r == -EDOM) {
			_cleanup_free_ char *hint = percent_hint(arg);
			return cli_usage_error(cmd, "--min-availability: %s", hint);
		}
		if (r < 0)
			return cli_usage_error(cmd, "--min-availability takes a percentage like 99%% or 99.9%%, not \"%s\"",
					       arg);
		break;
	case 'g':
		/* a growth, so more than 100% is allowed: 150% is 2.5 times */
		errno = 0;
		o->max_regression = strtod(arg, &end);
		if (errno || end == arg || (*end && strcmp(end, "%")) || !(o->max_regression >= 0) ||
		    o->max_regression > 1e6)
			return cli_usage_error(cmd, "--max-regression takes a percentage like 20%% or 150%%, not \"%s\"",
					       arg);
		*regression_set = true;
		break;
	case 'b':
		o->baseline_file = arg;
		break;
	}
	return 0;
}

int cmd_gate(const struct command *self, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "max-recovery", required_argument, NULL, 'r' },
		{ "max-detect", required_argument, NULL, 'd' },
		{ "max-alert", required_argument, NULL, 'A' },
		{ "probe", required_argument, NULL, 'p' },
		{ "fault", required_argument, NULL, 'F' },
		{ "min-availability", required_argument, NULL, 'a' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "max-regression", required_argument, NULL, 'g' },
		{ "regression-floor", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct gate_opts o = { .max_recovery_us = -1, .max_detect_us = -1, .max_alert_us = -1, .min_availability = -1,
			       .max_regression = 20, .regression_floor_us = -1 };
	struct report *base = NULL;
	struct gate_input *in = NULL;
	struct sbuf out = { 0 };
	bool regression_set = false;
	size_t n = 0;
	int c, code = 0;

	while ((c = cli_getopt(self, argc, argv, "h", longopts, &code)) >= 0)
		if ((code = gate_option(self->name, c, optarg, &o, &regression_set)))
			return code;
	if (c == CLI_OPT_EXIT)
		return code;
	if (optind >= argc)
		return cli_usage_error(self->name, "give at least one JSON report");
	if (regression_set && !o.baseline_file)
		return cli_usage_error(self->name, "--max-regression needs --baseline OLD.json");
	if (o.baseline_file && (code = cli_load_report(o.baseline_file, &base)))
		return code;
	o.baseline = base;
	in = xcalloc((size_t)(argc - optind), sizeof(*in));
	for (int i = optind; i < argc && !code; i++) {
		struct report *r = NULL;
		if ((code = cli_load_report(argv[i], &r)))
			break;
		in[n++] = (struct gate_input){ .file = argv[i], .report = r };
	}
	if (!code) {
		code = gate_check(in, n, &o, &out) ? 1 : 0;
		fputs(out.s, stdout);
	}
	sbuf_free(&out);
	for (size_t i = 0; i < n; i++)
		report_free((struct report *)in[i].report);
	free(in);
	report_free(base);
	free((void *)o.probes);
	free((void *)o.faults);
	return code;
}
