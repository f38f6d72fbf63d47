/* SPDX-License-Identifier: MIT */
/* `erebus run FILE`: run an experiment and write its report. */
#include <ctype.h>

#include "erebus/engine.h"

#include "cli.h"

/* --samples[=N]: how many exact samples of each probe the report keeps. */
#define SAMPLES_DEFAULT 10000
#define SAMPLES_MAX 100000
static int parse_samples(const char *cmd, const char *arg, struct run_opts *o)
{
	unsigned long long n = SAMPLES_DEFAULT;
	char *end;

	if (arg) {
		errno = 0;
		n = strtoull(arg, &end, 10);
		if (errno || *end || !*arg || !isdigit((unsigned char)*arg) || n < 1 || n > SAMPLES_MAX)
			return cli_usage_error(cmd, "--samples takes a count from 1 to %d, not \"%s\"", SAMPLES_MAX,
					       arg);
	}
	o->keep_samples = (size_t)n;
	return 0;
}

/* --seed N: a whole number up to INT64_MAX. */
static int parse_seed(const char *cmd, const char *arg, struct run_opts *o)
{
	char *end;

	errno = 0;
	o->seed = strtoull(arg, &end, 10);
	if (errno || *end || !*arg || o->seed > INT64_MAX)
		return cli_usage_error(cmd, "--seed takes a whole number, not \"%s\"", arg);
	o->seed_set = true;
	return 0;
}

int cmd_run(const struct command *self, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_OUTPUT_OPTIONS,
		{ "report-dir", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "wait", required_argument, NULL, 'w' },
		{ "samples", optional_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct run_opts o = { .log = stderr };
	struct cli_outputs out = { 0 };
	const char *report_dir = NULL;
	struct experiment *x = NULL;
	struct report *rep = NULL;
	struct sbuf text = { 0 };
	int c, code = 0;

	while ((c = cli_getopt(self, argc, argv, "j:s:w:qvh", longopts, &code)) >= 0) {
		switch (c) {
		case 'j':
			c = CLI_OUT_OPT + CLI_OUT_JSON;
			/* fall through */
		case CLI_OUT_CASES:
			if ((code = cli_outputs_set(self->name, &out, c, optarg)))
				return code;
			break;
		case 'd':
			report_dir = optarg;
			break;
		case 's':
			if ((code = parse_seed(self->name, optarg, &o)))
				return code;
			break;
		case 'w':
			if (parse_duration(optarg, &o.wait_us) < 0 || o.wait_us < 0)
				return cli_usage_error(self->name, "--wait takes a duration (30s, 5m), not \"%s\"",
						       optarg);
			break;
		case 'S':
			if ((code = parse_samples(self->name, optarg, &o)))
				return code;
			break;
		case 'q':
			o.verbosity = LOG_QUIET;
			break;
		case 'v':
			o.verbosity = LOG_VERBOSE;
			break;
		}
	}
	if (c == CLI_OPT_EXIT)
		return code;
	if (optind != argc - 1)
		return cli_usage_error(self->name, "give one experiment file");
	/* Find out now, not after the run, that a report cannot be written. */
	if ((code = cli_outputs_check(self->name, &out)))
		return code;
	if (report_dir && (code = cli_report_dir_prepare(self->name, report_dir)))
		return code;
	o.keep_caps = cli_outputs_caps(&out, report_dir);
	if (out.paths[CLI_OUT_METRICS] && strcmp(out.paths[CLI_OUT_METRICS], "-"))
		o.live_metrics = out.paths[CLI_OUT_METRICS];	/* rewritten as the run goes */
	if ((code = cli_load_experiment(argv[optind], true, &x)))
		return code;
	o.live = isatty(STDERR_FILENO) && getenv("TERM") && strcmp(getenv("TERM"), "dumb");

	code = engine_run(x, &o, &rep);

	/* a pass nobody can read is not a pass */
	if ((cli_outputs_write(&out, rep) |
	     (report_dir ? cli_report_dir_write(rep, report_dir, o.verbosity == LOG_QUIET) : 0)) && !code)
		code = 1;
	if (o.verbosity > LOG_QUIET) {
		report_render_text(rep, &text);
		fputs(text.s, stderr);
		sbuf_free(&text);
	}
	report_free(rep);
	experiment_free(x);
	return code;
}
