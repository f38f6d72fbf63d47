/* SPDX-License-Identifier: MIT */
/* The command line: one row per subcommand, and the dispatch. */
#include "cli.h"

#define EREBUS_VERSION "0.1.0"

static const struct command commands[] = {
	{ "run", cmd_run, 0,
	  .usage = "run FILE [--json PATH|-] [--junit PATH] [--html PATH] [--metrics PATH] [--report-dir DIR] [--seed N] [--wait DUR] [--samples[=N]] [-q|-v]",
	  .summary = "Run an experiment: steady state, faults, recovery, report",
	  .options = "  --json PATH       write the JSON report (schema " REPORT_SCHEMA ") to PATH, or - for stdout\n"
		     "  --junit PATH      write a JUnit XML report (a testcase per probe and phase)\n"
		     "  --html PATH       write a self-contained HTML page with a timeline per probe\n"
		     "  --metrics PATH    write Prometheus metrics for node_exporter's textfile collector\n"
		     "  --report-dir DIR  write every format to DIR/EXPERIMENT-YYYYMMDDTHHMMSSZ.{json,xml,html,prom}\n"
		     "  --seed N          seed for random choices (overrides the file's seed)\n"
		     "  --wait DUR        another run holds the run lock: wait for it at most DUR (else exit 2)\n"
		     "  --samples[=N]     also keep each probe's first N samples (10000; at most 100000, and\n"
		     "                    200000 in all) in the JSON report, for debugging; figures never need them\n"
		     "  -q, --quiet       print nothing but errors\n"
		     "  -v, --verbose     print every sample, and launched commands' stderr\n" },
	{ "validate", cmd_validate, CMD_HELP_ANYWHERE,
	  .usage = "validate FILE...",
	  .summary = "Check experiment files; touch nothing" },
	{ "plan", cmd_plan, CMD_HELP_ANYWHERE,
	  .usage = "plan FILE",
	  .summary = "Show what a run would do, with targets resolved now" },
	{ "report", cmd_report, 0,
	  .usage = "report REPORT.json [--json|--junit|--html|--metrics PATH|-]...",
	  .summary = "Render a saved JSON report again: JUnit, HTML, metrics, or a summary",
	  .options = "  --json PATH       the JSON report again\n"
		     "  --junit PATH      JUnit XML\n"
		     "  --html PATH       the HTML page\n"
		     "  --metrics PATH    Prometheus text exposition\n"
		     "PATH may be - for stdout (one of them). Without an option, print the summary.\n" },
	{ "gate", cmd_gate, 0,
	  .usage = "gate REPORT.json... [--max-recovery DUR] [--max-detect DUR] [--max-alert DUR] [--min-availability PCT] "
		   "[--probe NAME]... [--fault NAME]... [--baseline OLD.json [--max-regression PCT]]",
	  .summary = "Pass or fail CI on saved reports: verdicts, thresholds, regressions",
	  .options = "  --max-recovery DUR      time to recover at most DUR after each fault (e.g. 5s)\n"
		     "  --max-detect DUR        time to detect at most DUR after each fault\n"
		     "  --max-alert DUR         detector probes (expect = detect) fire at most DUR after\n"
		     "                          each fault they detect\n"
		     "  --min-availability PCT  availability over the impact phase at least PCT (99.9%)\n"
		     "  --probe NAME            judge only this probe (repeat for more)\n"
		     "  --fault NAME            per-fault figures of only this fault (repeat for more);\n"
		     "                          --min-availability then also holds while it acted\n"
		     "  --baseline OLD.json     compare with an earlier report of the same experiment\n"
		     "  --max-regression PCT    with --baseline: time to recover and p95 latency, per\n"
		     "                          fault where both have it, may grow at most PCT (default 20%)\n"
		     "  --regression-floor DUR  changes smaller than DUR are never regressions\n"
		     "                          (default: one interval of the probe)\n",
	  .exit_codes = "Prints one line per breach. Exit codes: 0 every report passed and met the thresholds,\n"
			"1 a breach, 2 usage error or a report that cannot be read.\n" },
	{ "recover", cmd_recover, 0,
	  .usage = "recover [--dry-run] [--forget FILE|all]",
	  .summary = "Revert what crashed runs left behind (their undo ledgers)",
	  .help = cmd_recover_help },
	{ "faults", cmd_faults, CMD_HELP_ANYWHERE,
	  .usage = "faults",
	  .summary = "List fault and probe types, their options, and support here" },
	{ "help", cmd_help, 0,
	  .usage = "help [COMMAND]",
	  .summary = "Show help" },
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static bool want_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

int cmd_help(const struct command *self, int argc, char **argv)
{
	if (argc > 1) {
		const struct command *c = find_command(argv[1]);
		if (!c)
			return cli_usage_error(self->name, "unknown command \"%s\"", argv[1]);
		return cli_print_usage(c);
	}
	printf("usage: erebus COMMAND [ARGS]\n\nErebus: chaos experiments that prove a service recovers.\n\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].summary);
	printf("\n'erebus COMMAND --help' for each command. Exit codes: 0 passed, 1 failed,\n"
	       "2 usage or invalid experiment, 3 aborted, 4 cleanup incomplete, 5 unsupported.\n");
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *help = find_command("help"), *c;

	if (argc < 2)
		return cmd_help(help, 1, argv), EXIT_USAGE;
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(help, 1, argv);
	if (!strcmp(argv[1], "--version")) {
		printf("erebus " EREBUS_VERSION "\n");
		return 0;
	}
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "erebus: unknown command \"%s\"\nTry 'erebus --help'.\n", argv[1]);
		return EXIT_USAGE;
	}
	if ((c->flags & CMD_HELP_ANYWHERE) && want_help(argc - 1, argv + 1))
		return cli_print_usage(c);
	optind = 1;
	return c->fn(c, argc - 1, argv + 1);
}
